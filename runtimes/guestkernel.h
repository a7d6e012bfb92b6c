/*
 * guestkernel.h — which kernel a VM boots, and fetching one.
 *
 * Order: the runtime option `kernel` (a path; `modules` may name its
 * /lib/modules/<release> directory), else the newest /boot/vmlinuz-*, else
 * a kernel `isolab fetch-kernel` unpacked into the cache. Fetching runs
 * `apt-get download` for linux-image-<arch>'s real versioned package and
 * `dpkg-deb -x` into <cache>/kernel/<package>/: the host's own kernel and
 * package database are never touched.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_GUESTKERNEL_H
#define ISOLAB_GUESTKERNEL_H

struct runtime_conf;

struct guest_kernel {
	char *path;         /* the bzImage */
	char *release;      /* "6.1.0-56-amd64", from the image's header, or NULL */
	char *modules_dir;  /* its /lib/modules/<release>, or NULL when none is found */
	char *origin;       /* "option kernel", "/boot", "isolab fetch-kernel" */
};

/* Finds the kernel for rt (NULL: no options) into k. -1 with a cause that
 * names the fix when there is none. */
int guestkernel_find(const struct runtime_conf *rt, struct guest_kernel *k, char **cause);
void guestkernel_free(struct guest_kernel *k);
/* The release string in a bzImage's setup header, malloc'd, or NULL. */
char *guestkernel_release(const char *bzimage);
/* Downloads and unpacks the distribution's kernel into the cache; returns
 * the malloc'd path of its vmlinuz. *log (may be NULL) gets a malloc'd
 * account of the steps. Takes minutes on a slow mirror; bounded. */
char *guestkernel_fetch(char **log, char **cause);

/* The options guestkernel_find reads, as entries of a VM driver's option
 * table (struct option_decl, runtimes/runtime.h). */
#define GUESTKERNEL_OPTIONS                                                                        \
	{ .name = "kernel", .doc = "the guest kernel (default: the newest /boot/vmlinuz-*, else "      \
	  "isolab fetch-kernel's)" },                                                                 \
	{ .name = "modules", .doc = "that kernel's /lib/modules/RELEASE (default: found from the kernel)" }

#endif

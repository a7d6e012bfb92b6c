/*
 * initramfs.h — the initramfs a VM boots: isolab-probe as /init (the guest
 * agent), busybox when the host has a static one, the kernel modules the
 * agent loads (virtio, ext4) in dependency order, and for host programs
 * their binaries plus the shared libraries ldd resolves.
 *
 * Written with libarchive as cpio newc, gzip-compressed, cached by content
 * under <cache>/initramfs/<hash>.cpio.gz (built in a temp file and renamed
 * into place, as rootfs does), so an unchanged probe and kernel cost a
 * hash of their bytes.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_INITRAMFS_H
#define ISOLAB_INITRAMFS_H

#include <stddef.h>

struct initramfs_spec {
	const char *probe;              /* static isolab-probe: becomes /init */
	const char *modules_dir;        /* the guest kernel's /lib/modules/<release>, or NULL */
	const char *const *modules;     /* module names wanted, NULL-terminated, or NULL */
	const char *const *programs;    /* host programs (absolute paths) to add with their libraries, or NULL */
	const char *const *files;       /* host files or directories (absolute) to add at their paths, or NULL */
	int busybox;                    /* 1: add a static busybox and its applet links when present */
};

/* A ready initramfs for spec; returns its malloc'd path in the cache. */
char *initramfs_get(const struct initramfs_spec *spec, char **cause);
/* Writes the initramfs for spec to path (no cache). */
int initramfs_write(const struct initramfs_spec *spec, const char *path, char **cause);
/* The same archive into buf[0..cap), uncompressed (for tests); *used gets its size. */
int initramfs_write_memory(const struct initramfs_spec *spec, void *buf, size_t cap, size_t *used,
    char **cause);
/* The name a guest path gets in the archive: relative to the root, without
 * empty or "." components, ".." taken lexically and never above the root
 * ("/usr//lib/../bin/./x" is "usr/bin/x"); malloc'd, or NULL with a cause
 * for a path that names the root itself. */
char *initramfs_entry_name(const char *path, char **cause);
/* The .ko files (absolute, malloc'd, NULL-terminated) to load for wanted,
 * dependencies first, from the modules' own .modinfo (no modules.dep
 * needed: a kernel unpacked with dpkg-deb has none). Wanted modules that
 * are not files (built in, or absent) are left out. */
char **initramfs_module_order(const char *modules_dir, const char *const *wanted, char **cause);
/* The shared libraries ldd lists for program (absolute paths, malloc'd,
 * NULL-terminated; empty for a static program). */
char **initramfs_ldd(const char *program, char **cause);

#endif

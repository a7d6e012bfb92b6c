/*
 * container.h — what the container drivers (oci, docker, lxc; the sandbox
 * for its network) share: running
 * a runtime's CLI to completion with a useful error, a growable argv, the
 * per-instance writable root (an overlay over the cached read-only rootfs),
 * cgroup membership read straight from cgroupfs, and the role a host
 * process plays (workload or runtime) judged from its argv[0].
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_CONTAINER_H
#define ISOLAB_CONTAINER_H

#include <stddef.h>
#include <sys/types.h>

struct instance;
struct driver;
struct netns;

/* A NULL-terminated argv that grows; strings are owned by it. */
struct argvb {
	char **v;
	size_t n, cap;
};
void argvb_add(struct argvb *a, const char *s);
void argvb_addf(struct argvb *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends the whitespace-separated words of s (configuration data such as
 * extra_args: split into argv items, never given to a shell). */
void argvb_add_words(struct argvb *a, const char *s);
void argvb_free(struct argvb *a);

/* Runs argv to completion within timeout_ms. A non-zero exit is an error
 * whose cause names the program, its subcommand and the last line it
 * printed. *output (may be NULL) gets what it printed, malloc'd. */
int ctr_run(char *const *argv, int timeout_ms, char **output, char **cause);
/* For a resource reaper (struct driver.reapers): runs argv; 0 when it exits
 * 0 or, with gone_ok, when what it printed says the thing does not exist. */
int ctr_reap_run(char *const *argv, int gone_ok, char **cause);
/* The first line `binary args...` prints, malloc'd, or NULL when it fails. */
char *ctr_first_line(char *const *argv);
/* The version `path --version` prints on its first line: what follows
 * marker (the whole line when there is none) up to the first of ends;
 * malloc'd, or NULL when it does not run. */
char *ctr_version(const char *path, const char *marker, const char *ends);

/* Mounts an overlay with the read-only rootfs lower as its lower layer at
 * <base>/root, upper and work dirs beside it, recording base (kind dir) and
 * the mount in the instance's resource journal first. Drivers that bind
 * the instance dir at its own path need this: the mount point must be
 * created, and never inside the shared rootfs cache. *root is malloc'd. */
int ctr_overlay_root(struct instance *in, const char *base, const char *lower, char **root, char **cause);
/* Journals an "info" record with msg, which the engine also logs. */
void ctr_note_info(struct instance *in, const char *msg);
/* Journals a "storage" record: kb of host storage the instance added
 * beside the image it shares, and what that is (at its removal). */
void ctr_note_storage(struct instance *in, double kb, const char *what);
/* ctr_note_storage of the space path (may be NULL) takes on its file
 * system (disk_usage); nothing when it cannot be read. */
void ctr_note_usage(struct instance *in, const char *path, const char *what);
/* Unmounts and removes what ctr_overlay_root made (safe if it made nothing),
 * journalling the space its upper and work dirs took (ctr_note_storage). */
int ctr_overlay_remove(struct instance *in, const char *base, char **cause);

/* Pids in the cgroup relpath (e.g. "isolab/<run>/<inst>"), read from the v2
 * hierarchy, else from v1's pids, memory or cpu controller. Up to max. */
size_t ctr_cgroup_pids(const char *relpath, pid_t *out, size_t max);
/* Removes relpath and then its parent (rmdir only: a cgroup in use stays)
 * from every hierarchy mounted under /sys/fs/cgroup. OCI runtimes on v1
 * create their cgroup in every controller (blkio, devices, name=systemd...),
 * beyond those isolab's cgroup module manages. */
void ctr_cgroup_rmdir(const char *relpath);

/* The instance's own network namespace and veth on isolab's bridge
 * (netns_create), recorded first in the resource journal and then, once
 * made, in the run's journal as a "netns" record (name, veth, addr): where
 * the instance was, for a person reading the journal and for what checks
 * that nothing of the run is left. NULL with a cause on failure. */
struct netns *ctr_netns(struct instance *in, char **cause);

/* argv[0] of pid (from /proc/PID/cmdline) into buf; "" when unreadable. */
void ctr_proc_argv0(pid_t pid, char *buf, size_t len);
/* Makes isolab the child subreaper, once, so a container's init (which the
 * runtime CLI forks and leaves) is reparented to isolab: the engine can
 * then wait for it and read its real exit status. */
void ctr_subreaper(void);
/* The pid written in a pid file, or 0. */
pid_t ctr_read_pidfile(const char *path);

/* The container drivers, for the registry. */
extern const struct driver driver_oci;
extern const struct driver driver_docker;

/* The options of the Docker CLI the docker driver reads, which the kata
 * driver, running its instances through the same CLI, reads too: entries
 * of a driver's option table (struct option_decl, runtime.h). */
#define DOCKER_CLI_OPTIONS                                                                        \
	{ .name = "binary", .doc = "the CLI: docker (default) or podman, or a path" },             \
	{ .name = "global_args", .doc = "options before the subcommand, split on white space" }, \
	{ .name = "extra_args", .doc = "more options for create, split on white space" }

#endif

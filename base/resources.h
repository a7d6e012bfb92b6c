/*
 * resources.h — the resource journal: everything isolab creates is written
 * here *before* it is created, so that a killed isolab can be cleaned up.
 *
 * Layout: /run/isolab/<run-id>/ (ISOLAB_RUNDIR overrides /run/isolab; when
 * not root, $XDG_RUNTIME_DIR/isolab, else /tmp/isolab-<uid>)
 *   owner       "<pid> <starttime>" of the isolab that owns the run;
 *   resources   one line per resource: "<kind> <a> <b>\n" where a and b are
 *               %-escaped strings ("-" when empty); a line "done <kind> <a> <b>"
 *               records that the resource was removed. Each line is written
 *               with one write(), and fdatasync'd unless its kind is one no
 *               reboot leaves behind (pid, pgrp, cgroup, mount, netns, veth).
 * Kinds and how they are reaped (in reverse order of creation):
 *   pid       a=pid b=starttime        SIGKILL if still the same process
 *   pgrp      a=pid b=starttime        SIGKILL the process group if its leader
 *                                      is still the same process
 *   cgroup    a=relpath                cgroup_kill + rmdir
 *   mount     a=path                   umount2(MNT_DETACH)
 *   dir       a=path                   rm_rf (never across mount points)
 *   file      a=path                   unlink
 *   netns     a=name                   ip netns delete equivalent (umount + unlink /run/netns/a)
 *   veth      a=ifname                 ip link delete
 * and the kinds a driver adds with its reapers (struct driver.reapers in
 * runtimes/runtime.h): oci, docker, image, lxc. Every reaper treats "already
 * gone" as success.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_RESOURCES_H
#define ISOLAB_RESOURCES_H

#include <stddef.h>
#include <sys/types.h>

struct resources;

/* A kind of resource a driver creates (container, image...), and how to
 * reap one from its a and b. */
struct resource_reaper {
	const char *kind;
	int (*reap)(const char *a, const char *b, char **cause);
};
/* The reaper of a kind outside the base kinds above, or NULL: the
 * registry's driver_reaper (runtime.h), or NULL for the base kinds only. */
typedef const struct resource_reaper *(*resource_reaper_find)(const char *kind);

/* Creates /run/isolab/<run_id>/ with the owner file; find (may be NULL)
 * reaps the drivers' kinds. */
struct resources *resources_open(const char *run_id, resource_reaper_find find, char **cause);
/* The run directory (/run/isolab/<run_id>); owned by r. */
const char *resources_dir(const struct resources *r);
/* Records a resource before it is created. b may be NULL. */
int resources_add(struct resources *r, const char *kind, const char *a, const char *b, char **cause);
/* Records a process (kind "pid") or process group (kind "pgrp") just
 * created, with its start time so that a reused pid is never killed. */
int resources_add_process(struct resources *r, const char *kind, pid_t pid, char **cause);
/* Records that a resource was removed; b NULL matches the entry whatever its b. */
int resources_done(struct resources *r, const char *kind, const char *a, const char *b);
/* Reaps every resource not marked done, newest first, marking each done.
 * *errors (may be NULL) gets a malloc'd NULL-terminated array of malloc'd
 * messages, or NULL when none failed. Returns the number that could not be
 * reaped. */
size_t resources_reap_all(struct resources *r, char ***errors);
/* Closes; with remove = 1 deletes the run directory (after reap_all) when
 * every resource in it is done; one with resources left stays for
 * `isolab cleanup` to retry once this process has exited. */
void resources_close(struct resources *r, int remove);
/* Reaps the runs whose owner is dead (all runs when all = 1). Stores a
 * malloc'd line per reaped or failed resource in *log (caller frees).
 * Returns the number of resources that could not be reaped. */
size_t resources_reap_dead(resource_reaper_find find, int all, char ***log, size_t *nlog);

#endif

/*
 * fingerprint.h — the isolation fingerprint of an instance: what stands
 * between its workload and the host, read from the host's /proc once the
 * workload is ready, and stored in the run's journal as one record:
 *
 *   {type:"fingerprint", inst, runtime, workload, pid, ns_ref, ns_differs:[...],
 *    cgroup, seccomp, cap_eff, no_new_privs, uid_map, kernel, host_kernel}
 *
 *   ns_differs  namespaces (cgroup ipc mnt net pid time user uts) whose
 *               /proc/PID/ns link differs from the reference's: pid 1's
 *               ("/proc/1"), or isolab's own ("self") where pid 1's links
 *               cannot be read (isolab itself in a container, or /proc
 *               mounted with hidepid)
 *   cgroup      the workload's cgroup path (v2's "0::" line on pure v2,
 *               else the v1 pids or memory controller's)
 *   seccomp     "disabled", "strict" or "filter"
 *   cap_eff     CapEff from /proc/PID/status, hex as written there
 *   no_new_privs 0 or 1
 *   uid_map     /proc/PID/uid_map, lines joined by ", ", blanks squeezed
 *   kernel      the release the workload itself saw: the kernel= value of
 *               isolab-probe's ready line (gVisor's Sentry reports its own),
 *               or null for workloads that do not print it
 * An instance may have two records: the one at ready, and a complete one
 * a second or so later when the driver found its processes only then
 * (Docker); readers merge them, later non-null fields winning.
 * The pid is the driver's first live workload process, else the main
 * process when it is inside the container itself (gVisor's sandbox); the
 * fields read from /proc are null when none was alive (a workload such as
 * `start` may be gone by the time its ready line is read). Remote instances
 * carry only the kernel.
 */
#ifndef ISOLAB_FINGERPRINT_H
#define ISOLAB_FINGERPRINT_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

struct instance;
struct journal;
struct journal_read;
struct pid_role;

/* The /proc fields of pid against the reference (both under proc_root,
 * normally "/proc"; ref_pid 0: pid 1, falling back to the caller's own
 * namespaces). A new object, the caller's; NULL when pid is gone. */
json_t *fingerprint_of_pid(const char *proc_root, pid_t pid, pid_t ref_pid);
/* The value of kernel= in a probe line, malloc'd, or NULL. */
char *fingerprint_kernel(const char *line);
/* The whole record for in, shown as runtime, with the ready line (may be
 * NULL); pr[0..n) are the host processes its executor reports (none for
 * an instance on another host). New object. */
json_t *fingerprint_build(struct instance *in, const char *runtime, const struct pid_role *pr, size_t n,
    const char *ready_line);
/* At the ready line (may be NULL): builds the record and appends it to j;
 * when no process inside was visible yet, keeps the instance pending.
 * Never fails the instance. Engine thread only. */
void fingerprint_ready(struct instance *in, const char *runtime, const struct pid_role *pr, size_t n,
    const char *ready_line, struct journal *j);
/* Once a second: writes a pending instance's complete record as soon as a
 * process inside is visible (gives up after a few seconds). */
void fingerprint_tick(struct instance *in, const char *runtime, const struct pid_role *pr, size_t n,
    struct journal *j);
/* The fingerprint records of a run as a table: a header line then one
 * line per instance, malloc'd (NULL-terminated array of malloc'd lines);
 * *n gets the number of instances. */
char **fingerprint_table(const struct journal_read *jr, size_t *n);

#endif

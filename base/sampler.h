/*
 * sampler.h — pidstat-style per-process statistics, sampled once a second
 * from /proc at low cost.
 *
 * For each tracked pid the sampler keeps the /proc/PID dirfd and the stat,
 * status, io and schedstat fds open and pread()s them; stat is parsed after
 * the last ')'. ENOENT/ESRCH on read (or a changed starttime, or a zombie
 * not yet reaped) means the process exited: it is reported once with
 * `exited = 1` and then dropped. Five fds per pid: on EMFILE the sampler
 * raises RLIMIT_NOFILE's soft limit to the hard limit, once. Rates are per
 * second over the real time elapsed between two samples of the same pid;
 * the first sample of a pid counts from its baseline: from its birth when
 * its instance launched it (sampler_since), else from when it was
 * tracked, over that span (proc_sample.secs); `first = 1` and rates 0 only
 * when that span is empty.
 *
 * Fields follow pidstat -u -r -d -w (plus threads), computed by pidstat.h:
 *   %usr %system %guest %wait %CPU CPU minflt/s majflt/s VSZ RSS %MEM
 *   kB_rd/s kB_wr/s kB_ccwr/s iodelay cswch/s nvcswch/s threads
 * The kernel adds a reaped child's whole I/O count to its parent's
 * /proc/PID/io (unlike CPU, which goes to cutime): what the samples gave a
 * tracked child is taken off its tracked parent's next increase, also when
 * the reaping shows in the same pass or only at sampler_final, so that a
 * runtime's init that reaps the workload is not given its I/O again. What
 * the child did after its last sample stays with the parent.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_SAMPLER_H
#define ISOLAB_SAMPLER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "pidstat.h"

/* "workload", "runtime", "vmm", "helper", "guest", "loadgen". */
const char *role_name(enum proc_role r);
/* Parses a role name; -1 when unknown. */
int role_parse(const char *s);

struct sampler;

/* Creates a sampler reading proc_root (normally "/proc"); reads MemTotal
 * there once. NULL with errno set when proc_root cannot be opened. */
struct sampler *sampler_new(const char *proc_root);
void sampler_free(struct sampler *s);
/* Starts tracking pid for instance with role; opens its fds now.
 * Tracking a pid already tracked updates its instance and role.
 * Returns -1 (cause) when /proc/PID cannot be opened (already gone). */
int sampler_track(struct sampler *s, pid_t pid, int instance, enum proc_role role, char **cause);
/* Names a tracked pid's component (proc_sample.name; NULL or "": none). */
void sampler_name(struct sampler *s, pid_t pid, const char *name);
/* The processes of instance born at or after mono (CLOCK_MONOTONIC, its
 * launch) are all its own: their first sample counts from their birth
 * (stat's starttime), not from when they were tracked. */
void sampler_since(struct sampler *s, int instance, uint64_t mono);
/* The last report of a tracked pid that has exited and is not yet reaped
 * (a zombie: call between waitid(WNOWAIT) and the reaping wait): its
 * activity since its previous sample, over that span (secs), with
 * exited = 1 and the sizes of its last sample. It is no longer tracked
 * (so no exit report of it follows). -1 when it cannot be read or was
 * never sampled (out untouched).
 * With extra (may be NULL), at most max rows of what the rest of its
 * instance did after its last sample, *nextra of them: the last report of
 * each of the instance's other processes, a zombie now (an orphan waiting
 * for isolab to reap it, such as gVisor's ptrace stubs; exited set) or
 * still alive (exited not set), which is then no longer tracked, with
 * what its reaped children did after their last samples; and what its
 * own descendants did that no sample
 * gave them, from its zombie's count of its reaped children's CPU (the
 * kernel's cutime and cstime) less what the samples gave those of its
 * descendants that are gone, as the last report of the busiest of those
 * gone since the last sample (a runtime's init that reaped the workload
 * in its last partial second: that second). */
int sampler_final(struct sampler *s, pid_t pid, struct proc_sample *out, struct proc_sample *extra, size_t max,
    size_t *nextra);
/* Stops tracking pid (closes its fds). */
void sampler_untrack(struct sampler *s, pid_t pid);
/* Stops tracking every pid of instance. */
void sampler_untrack_instance(struct sampler *s, int instance);
/* Adds the descendants of every tracked pid of instance, found through
 * /proc/PID/task/TID/children, with the role of their parent unless they
 * are already tracked. Returns the number of pids added. */
size_t sampler_track_children(struct sampler *s, int instance);
/* Samples every tracked pid. *out points to an array of *n samples owned by
 * the sampler, valid until the next call. Exited pids are dropped after
 * being reported once. A pid that cannot be read is an exit, not an error,
 * so today this always returns 0. */
int sampler_sample(struct sampler *s, const struct proc_sample **out, size_t *n, char **cause);
/* Number of pids tracked. */
size_t sampler_count(const struct sampler *s);
/* When the last sampler_sample began (mono_ns; 0 before the first): its
 * rates are over the span from each process's previous pass to this
 * time, so a record's interval should be counted between these times. */
uint64_t sampler_pass_ns(const struct sampler *s);

#endif

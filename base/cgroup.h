/*
 * cgroup.h — isolab's cgroups on pure v2, hybrid (v1 controllers under
 * /sys/fs/cgroup/<controller>, v2 at /sys/fs/cgroup/unified) and pure v1.
 *
 * An isolab cgroup is one relative path (e.g. "isolab/<run-id>/<inst>")
 * made in the v2 hierarchy and, on v1/hybrid, in each v1 controller that
 * a limit needs plus "pids" and "memory" for tracking. Limits map to:
 *   cpus   -> v2 cpu.max "<quota> <period>"     | v1 cpu.cfs_quota_us/cfs_period_us
 *   cpuset -> v2 cpuset.cpus (+ cpuset.mems)    | v1 cpuset.cpus + cpuset.mems
 *   weight -> v2 cpu.weight (1..10000)          | v1 cpu.shares (weight*1024/100)
 *   memory -> v2 memory.max                     | v1 memory.limit_in_bytes
 *   memory_soft -> v2 memory.low or memory.high | v1 memory.soft_limit_in_bytes
 *   pids   -> v2 pids.max                       | v1 pids.max
 *   memory_pool -> the parent's memory.max       | v1 the parent's memory.limit_in_bytes
 * CPU accounting (cgroup_cpu_usage_us): v2 cpu.stat | v1 cpuacct.usage.
 * A limit whose controller is missing is reported, never silently dropped.
 * cgroup_kill uses cgroup.kill where the kernel has it (5.14+), else
 * freezes, SIGKILLs every pid and thaws, repeating until empty.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_CGROUP_H
#define ISOLAB_CGROUP_H

#include <stddef.h>
#include <sys/types.h>
#include "config.h"

enum cgroup_mode { CGROUP_NONE, CGROUP_V1, CGROUP_HYBRID, CGROUP_V2 };

/* Detects the layout under root (normally "/sys/fs/cgroup"); cached. */
enum cgroup_mode cgroup_mode(void);
const char *cgroup_mode_name(enum cgroup_mode m);

struct cgroup;

/* Creates relpath in every hierarchy it needs (mkdir -p), enabling the
 * needed controllers in v2 parents' cgroup.subtree_control. */
struct cgroup *cgroup_create(const char *relpath, const struct limits *lim, char **cause);
/* Opens an existing isolab cgroup by relpath (for cleanup); NULL if none. */
struct cgroup *cgroup_open(const char *relpath);
/* Makes the parent of leaf, a member of a group, the memory pool the
 * group's cgroups share: its hard memory limit is bytes (limit
 * memory_pool). cgroup_create calls it for a leaf whose limits have
 * mem_pool; a runtime that makes its own leaves (runc) calls it before.
 * The pool is removed with its last member, as an empty parent. */
int cgroup_pool(const char *leaf, uint64_t bytes, char **cause);
/* Writes the limits; -1 with a cause naming the limit and file. */
int cgroup_apply(struct cgroup *cg, const struct limits *lim, char **cause);
/* The cgroup.procs files a child must join, NULL-terminated; owned by cg. */
const char *const *cgroup_procs_files(const struct cgroup *cg);
/* The path for an OCI config's linux.cgroupsPath, e.g. "/isolab/<run>/<inst>". */
const char *cgroup_relpath(const struct cgroup *cg);
/* Pids in the cgroup (v2, else v1 pids or memory); malloc'd; count returned. */
size_t cgroup_pids(const struct cgroup *cg, pid_t **out);
/* Memory events: OOM kills so far (memory.events oom_kill | v1 memory.oom_control). */
unsigned long cgroup_oom_kills(const struct cgroup *cg);
/* Kills every process in the cgroup and waits (bounded) until it is empty. */
int cgroup_kill(struct cgroup *cg, char **cause);
/* Kills, then removes the directories (children first). Frees cg. */
int cgroup_destroy(struct cgroup *cg, char **cause);
/* Opens and destroys relpath in every hierarchy, and removes its empty
 * parents even when the leaf is already gone (the journal's reaper). */
int cgroup_remove(const char *relpath, char **cause);
/* The file whose "oom_kill N" line counts OOM kills (memory.events or
 * memory.oom_control); malloc'd, or NULL without a memory controller. */
char *cgroup_oom_events_path(const struct cgroup *cg);
/* N from the "oom_kill N" line of text (0 when absent). */
unsigned long cgroup_parse_oom_kills(const char *text);
void cgroup_free(struct cgroup *cg);

/* The CPU time the processes of cgroup relpath used since it was made:
 * v2's cpu.stat usage_usec (which a hybrid machine's unified hierarchy
 * keeps too, controllers or not) or v1's cpuacct.usage (ns; the cgroup is
 * made in cpuacct wherever that is a v1 hierarchy). */
enum cgroup_cpu_src { CGROUP_CPU_V2, CGROUP_CPU_V1, CGROUP_CPU__COUNT };
/* "cpu.stat", "cpuacct.usage". */
const char *cgroup_cpu_src_name(enum cgroup_cpu_src src);
/* The file read, malloc'd; NULL where this machine has no such accounting. */
char *cgroup_cpu_path(const char *relpath, enum cgroup_cpu_src src);
/* µs, or -1 when the file is missing or unreadable. */
long long cgroup_cpu_usage_us(const char *relpath, enum cgroup_cpu_src src);
/* µs from the file's text; -1 when malformed. */
long long cgroup_parse_cpu_usage(const char *text, enum cgroup_cpu_src src);
/* Which LIMIT_* bits this machine's cgroups can honour. */
unsigned cgroup_limits_supported(void);

/* The limit io_weight. Where a machine's I/O controller is. */
enum cgroup_at { CGROUP_AT_NONE, CGROUP_AT_V1, CGROUP_AT_V2 };
/* The file that weights a cgroup's I/O, from what a machine has: its I/O
 * controller's side, its block schedulers ("none, mq-deadline, bfq"),
 * whether v2 has iocost (io.cost.qos) and v1 CFQ's blkio.weight. NULL,
 * with why (malloc'd, when why is not NULL), when there is none. */
const char *cgroup_io_weight_pick(enum cgroup_at io, const char *schedulers, int iocost, int cfq, char **why);
/* cgroup_io_weight_pick for this machine. */
const char *cgroup_io_weight_file(char **why);
/* Every block device's scheduler choices, once each: "none, mq-deadline,
 * kyber"; malloc'd ("" when there are none). */
char *cgroup_block_schedulers(void);

#endif

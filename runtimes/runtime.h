/*
 * runtime.h — the driver API.
 *
 * A driver is the C code behind runtimes of one kind (native, sandbox, oci,
 * docker, lxc, qemu, firecracker, kata). It is a const table of function
 * pointers with designated initialisers, registered in one static array in
 * runtimes/registry.c. A runtime is configured data (struct runtime_conf in
 * base/config.h): a driver plus options.
 *
 * Life of an instance, as the engine drives it:
 *   probe    — can this runtime run here? version; if not, why and the fix.
 *              Cheap and side-effect free; the engine caches the answer.
 *   prepare  — unmeasured set-up: rootfs, image, bundle, kernel, netns.
 *   launch   — start the workload. The clock for start-up time runs from the
 *              call to launch until the workload's ready line. The driver
 *              sets out_fd (the workload's merged stdout/stderr, non-blocking,
 *              owned by the instance) and main_pid (a host process whose exit
 *              means the instance ended and whose exit status is the
 *              workload's: for a VM or a remote host, a relay process that
 *              exits with the status the guest or the agent reported), and
 *              may fill t_created_ns when it can split create and start.
 *   pids     — the host processes that belong to the instance, with roles:
 *              the workload, the runtime's own (runsc sandbox and gofer,
 *              shims, conmon), the VMM. Called once a second; the engine
 *              adds descendants itself.
 *   stop     — ask the instance to end (sig), then force it.
 *   cleanup  — remove everything prepare and launch created. Must be safe
 *              to call after a failed prepare or launch, and twice.
 *
 * Every resource a driver creates is written to the run's resource journal
 * before it is created (base/resources.h), so a killed isolab can be
 * cleaned up later by `isolab cleanup`.
 * Errors follow the contract in base/util.h.
 */
#ifndef ISOLAB_RUNTIME_H
#define ISOLAB_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "config.h"
#include "sampler.h"

struct resources;
struct resource_reaper;
struct json_t;

struct driver_status {
	int available;
	char *version;   /* malloc'd, or NULL */
	char *reason;    /* malloc'd: why it cannot run here, or NULL */
	char *fix;       /* malloc'd: how to make it run, or NULL */
};

struct pid_role {
	pid_t pid;
	enum proc_role role;
	const char *name;     /* its component where comm cannot tell (static string), or NULL */
};

/* One launched (runtime, workload) pair, as the driver sees it. */
/* The most copies of a workload one instance runs (struct instance.copies). */
#define MAX_COPIES 64

struct instance {
	int id;                        /* unique in the run */
	const char *run_id;
	const struct runtime_conf *rt;
	const struct workload *wl;
	char **argv;                   /* substituted workload argv, NULL-terminated */
	char **guest_files;            /* the workload's guest_files, substituted, or NULL */
	const struct limits *limits;
	const char *network;           /* "none", "host", "bridge" */
	const char *dir;               /* this instance's private directory (exists) */
	const char *probe;             /* path of isolab-probe on the host */
	struct resources *res;         /* the run's resource journal: record before creating */
	unsigned threads;              /* the experiment's threads (vCPUs for a VM) */
	int port;                      /* the instance's ${port} (the port a server workload listens on) */
	/* Set by the driver: */
	int out_fd;                    /* -1 until launched */
	pid_t main_pid;                /* 0 until launched */
	uint64_t t_launch_ns;          /* set by the engine just before launch */
	uint64_t t_called_ns;          /* driver: just before it calls the runtime (spawns its CLI, forks
	                                * the workload, the sandbox or the VMM); 0 if not set. From
	                                * t_launch_ns to here is isolab's own share of the start-up. */
	uint64_t t_created_ns;         /* driver: "create" finished (0 if n/a) */
	struct proc_sample launch_act; /* driver: the whole life of a command of the runtime's that it
	                                * ran and reaped while launching, which spent part of it in the
	                                * instance's cgroup, where no sample sees it (runsc create), as
	                                * its exit report; the engine journals it with the next sample */
	int has_launch_act;
	unsigned copies;               /* driver: the workload runs as this many copies at once (containers
	                                * inside one VM), all on out_fd; a metric is then the copies' mean,
	                                * per second and at the end. 0 or 1: one. At most MAX_COPIES. */
	double guest_used_kb;          /* driver: a VM guest's kernel's count of its used memory
	                                * (MemTotal - MemAvailable, kB) with the guest samples it gave
	                                * last; the engine journals it once and sets it to 0. 0: none */
	const char *cgroup;            /* driver: the relative path of the cgroup that holds the instance's
	                                * processes (cgroup.h), while it exists; NULL: none */
	char *addr;                    /* driver: address the host reaches the workload at */
	const char *bind_addr;         /* driver: the address a server binds inside the instance when
	                                * the host reaches it through a forward (a VM behind user-mode
	                                * NAT); ${addr} in the workload's files, prepare and argv. NULL:
	                                * addr. Static or owned by the driver. */
	void *priv;                    /* driver's own state */
	/* Set by the engine (NULL where there is no journal, as in unit
	 * tests): adds rec, a jansson object with a "type", to the run's
	 * journal as this instance's record (the engine adds "inst") and
	 * takes the reference. An "info" record's "msg" is also shown as a
	 * log line. Call it from the driver's functions only (engine thread). */
	void (*note)(struct instance *in, struct json_t *rec);
};

struct driver {
	const char *name;
	const char *description;
	/* Fills st; never fails (an unavailable runtime is a status, not an error). */
	void (*probe)(const struct runtime_conf *rt, struct driver_status *st);
	int (*prepare)(struct instance *in, char **cause);
	/* Optional (NULL when none): called after the workload's files are
	 * written into in->dir, its prepare phase has run on the host and
	 * in->argv is set, just before launch; not measured. A VM builds its
	 * disk (holding in->dir) and its initramfs (holding argv's programs)
	 * here. */
	int (*stage)(struct instance *in, char **cause);
	int (*launch)(struct instance *in, char **cause);
	/* Stores up to max pids in out; returns how many. */
	size_t (*pids)(struct instance *in, struct pid_role *out, size_t max);
	/* Optional (NULL when none): processes sampled outside the host's /proc
	 * — a VM's guest through its agent, a remote host, the inside of a
	 * user-space kernel — for the last second. Stores up to max samples in
	 * out (role ROLE_GUEST unless the source knows better) and returns how
	 * many. Called once a second, right after the host sample. */
	size_t (*foreign_samples)(struct instance *in, struct proc_sample *out, size_t max);
	/* Optional (NULL when none): pauses (on = 1) or resumes (on = 0) the
	 * whole instance with the runtime's own means, for a member of a
	 * group that waits for the others to be ready. For runtimes whose
	 * workload the host cannot stop with SIGSTOP: gVisor's Sentry runs it
	 * in ptraced stubs, a VM's guest in the VMM. Returns 1 when done, 0
	 * when the driver has no means of its own for this instance, -1 with
	 * a cause. Where it returns 0 (or is NULL) the engine stops the
	 * processes pids() calls the workload's. */
	int (*hold)(struct instance *in, int on, char **cause);
	/* force = 0: polite (SIGTERM or the runtime's stop); 1: kill everything. */
	int (*stop)(struct instance *in, int force, char **cause);
	int (*cleanup)(struct instance *in, char **cause);
	/* Extra seconds the instance may take to become ready, on top of the
	 * experiment's duration and grace (a VM booting under emulation).
	 * From the ready line on, only duration + grace count. */
	double startup_allowance_s;
	/* Which limits the driver honours; a requested limit outside this mask
	 * fails the instance with a message, never silently ignored. */
	unsigned limits_supported;
	/* The options the driver reads from a runtime's options group, ended
	 * by an entry whose name is NULL; NULL when it reads none. Loading the
	 * configuration rejects any other option and any value its declared
	 * type does not accept (runtimes_check_options); `isolab list drivers`
	 * and isolab.conf(5) list them. */
	const struct option_decl *options;
	/* Optional: why an instance of rt cannot have network net ("none",
	 * "host" or "bridge") here, or, when serve is set, why a program on
	 * the host (a workload's companion or setup) cannot reach a server
	 * inside it on net; NULL when it can. Malloc'd. Cheap and side-effect
	 * free: asked before a run, to pick its network and to refuse a run
	 * that cannot work. NULL function: every network; a server is
	 * reachable on host and bridge, not on none. */
	char *(*network_refusal)(const struct runtime_conf *rt, const char *net, int serve);
	/* The instance runs a kernel of its own (a VM): its processes live in
	 * the guest's process table, so a pids limit that the driver cannot
	 * honour has nothing to act on and is said not to apply. */
	int own_kernel;
	/* The kinds of resources the driver records beyond the base ones
	 * (base/resources.h) and how each is reaped, {NULL}-terminated; NULL
	 * when it has none. */
	const struct resource_reaper *reapers;
};

/* Why the host cannot reach a server in an instance with network none
 * that has a network namespace of its own. */
#define NET_NONE_UNREACHABLE "on network none the instance has a network namespace of its own with " \
	"only a loopback, which the host cannot reach"

/* The driver named name, or NULL. */
const struct driver *driver_find(const char *name);
/* The registered drivers, NULL-terminated. */
const struct driver *const *driver_all(void);
/* The reaper of a resource kind some driver records, or NULL (the
 * resource journal's resource_reaper_find). */
const struct resource_reaper *driver_reaper(const char *kind);
/* Probes rt's driver; an unknown driver gives an unavailable status. */
void runtime_probe(const struct runtime_conf *rt, struct driver_status *st);
void driver_status_free(struct driver_status *st);
/* The declaration of option name in d's options, or NULL. */
const struct option_decl *driver_option(const struct driver *d, const char *name);
/* Checks each option of each runtime of cfg against its driver's
 * declarations. Returns the number of errors and stores each malloc'd
 * "file:line: runtimes.NAME.options.KEY: expected ..., got ..." in
 * *errors (the caller frees each and the array), NULL when none. A
 * runtime whose driver is unknown is left to runtime_probe, which says so. */
size_t runtimes_check_options(const struct config *cfg, char ***errors);
/* Why rt cannot have network net, or (serve) cannot be reached from the
 * host on it (struct driver's network_refusal); malloc'd, or NULL. */
char *runtime_network_refusal(const struct runtime_conf *rt, const char *net, int serve);
/* The network of a run of exp on rts[0..nrt), each run on hosts[i] (NULL
 * or "local" for this machine; hosts NULL: all here): exp->network, or for
 * "auto" (and NULL) "none" when no workload of the run serves a program
 * on the host (workload_serves_host), else the first of "bridge" and
 * "host" that every runtime can serve on here. Stores a static string in
 * *net and, when why is not NULL, a malloc'd sentence saying why an auto
 * network is not none (else NULL). -1 with the reason and the fix when a
 * runtime cannot have the network or cannot serve the workload on it. */
int runtimes_plan_network(const struct config *cfg, const struct experiment *exp,
    const struct runtime_conf *const *rts, const char *const *hosts, size_t nrt, const char **net, char **why, char **cause);

extern const struct driver driver_native;

#endif

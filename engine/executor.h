/*
 * executor.h — where instances run: this machine, or another host through
 * `isolab agent` over SSH; one day a cluster (docs/executors.md).
 *
 * The engine talks to runtimes only through an executor. An executor kind
 * is a const table of function pointers (struct executor_ops), listed in
 * one static array in executor.c; an executor is one place of that kind
 * (this machine; the host "lab1"), made on demand by the process's set of
 * executors (struct executors) when the plan resolves a runtime name:
 *
 *   "gvisor"       the configured runtime gvisor, on the default host (this
 *                  machine unless --host named another)
 *   "gvisor@local" the same, on this machine whatever --host says
 *   "gvisor@lab1"  the same runtime on lab1: a host of the configuration
 *                  (hosts = { lab1 = { ... } }), an alias in ~/.ssh/config,
 *                  or [user@]address[:port]
 *
 * The runtime stays the configured one; the executor says where it runs.
 * Drivers never know which executor runs them: the local executor calls
 * them directly, the remote one sends the same calls to an agent, which
 * runs them through its own local executor (engine/agent.c).
 *
 * Life of an instance through an executor mirrors a driver's (runtime.h):
 * prepare, stage, launch, pids, foreign_samples, stop, cleanup, with the
 * same contracts; the executor owns in->priv.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_EXECUTOR_H
#define ISOLAB_EXECUTOR_H

#include <stddef.h>
#include "config.h"
#include "runtime.h"

struct executor;
struct executors;
struct ssh_prompts;

/* What a runtime can do where an executor runs it. */
struct executor_caps {
	unsigned limits;            /* LIMIT_* honoured (struct driver.limits_supported) */
	/* Of those, what the host cannot (an I/O weight with no scheduler
	 * that weights), and why. */
	unsigned host_lacks;
	char host_why[256];
	int own_kernel;             /* struct driver.own_kernel */
	double startup_allowance_s; /* struct driver.startup_allowance_s */
};

struct executor_ops {
	const char *name;           /* "local", "remote" */
	/* Whether host ("local" for this machine) is a place of this kind. */
	int (*accepts)(const char *host);
	/* Makes the executor for host (NULL for the local kind); set is the
	 * set it belongs to (prompts, configuration). */
	struct executor *(*open)(struct executors *set, const char *host, char **cause);
	void (*close)(struct executor *ex);
	/* Can rt run there? Never fails; may take seconds (a remote host). */
	void (*probe)(const struct executor *ex, const struct runtime_conf *rt, struct driver_status *st);
	/* What rt can do there; -1 with a cause when it cannot run at all. */
	int (*caps)(const struct executor *ex, const struct runtime_conf *rt, struct executor_caps *caps, char **cause);
	int (*prepare)(const struct executor *ex, struct instance *in, char **cause);
	int (*stage)(const struct executor *ex, struct instance *in, char **cause);
	int (*launch)(const struct executor *ex, struct instance *in, char **cause);
	size_t (*pids)(const struct executor *ex, struct instance *in, struct pid_role *out, size_t max);
	size_t (*foreign_samples)(const struct executor *ex, struct instance *in, struct proc_sample *out, size_t max);
	/* 1: the driver paused (on) or resumed the instance; 0: it has no
	 * means of its own (the engine stops the workload's processes, where
	 * this host sees them); -1 with a cause. */
	int (*hold)(const struct executor *ex, struct instance *in, int on, char **cause);
	int (*stop)(const struct executor *ex, struct instance *in, int force, char **cause);
	int (*cleanup)(const struct executor *ex, struct instance *in, char **cause);
};

struct executor {
	const struct executor_ops *ops;
	const char *host;           /* "local", or the host as the person named it */
	void *priv;                 /* the kind's own state */
};

/* This machine: direct driver calls (executor-local.c). */
extern const struct executor executor_local;
extern const struct executor_ops executor_local_ops;
/* Another host, through `isolab agent` over SSH (executor-remote.c). */
extern const struct executor_ops executor_remote_ops;

/* The executors of a process, over cfg (not copied: it must outlive the
 * set). Thread-safe: the interface's probe thread and the engine share it. */
struct executors *executors_new(const struct config *cfg);
void executors_free(struct executors *xs);
const struct config *executors_config(const struct executors *xs);
/* Runs every runtime named without a host on host ([user@]host[:port] or a
 * configured host name); NULL or "local" undoes it. Copied. */
void executors_set_default_host(struct executors *xs, const char *host);
/* How SSH host keys and passwords are asked (copied); NULL: refuse unknown
 * keys and never ask. */
void executors_set_prompts(struct executors *xs, const struct ssh_prompts *p);
/* The prompts set last (all NULL and 0 when none were). */
void executors_get_prompts(struct executors *xs, struct ssh_prompts *p);
/* Resolves a runtime name (see the top): its configured runtime and the
 * executor that runs it, both owned by xs and cfg. Never connects. -1 with
 * a cause for an unknown runtime or an invalid host. */
int executors_resolve(struct executors *xs, const char *name, const struct runtime_conf **rt,
    const struct executor **ex, char **cause);

#endif

/*
 * plan.h — an experiment as the list of groups the engine runs, by kind.
 *
 * A plan item is a group of instances that run at the same time: one
 * instance for a benchmark; a target alone, then beside its neighbours
 * (interference); N copies, N doubling up to max_instances (scale); a
 * variant's copies under its limits (allocation); one cold start, and
 * after all of them an idle instance per runtime (startup). Repetitions
 * (warm-ups first) stay the outer loop where they can, and runtimes the
 * inner one, so slow drift of the machine spreads over every runtime
 * instead of loading onto one.
 *
 * Each of the experiment's runtimes resolves once, here, to its configured
 * runtime and the executor that runs it (executor.h): "gvisor@lab1" is
 * gvisor on lab1's remote executor.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_PLAN_H
#define ISOLAB_PLAN_H

#include <stddef.h>
#include "config.h"

struct executor;
struct executors;

/* A runtime of the experiment and where it runs. */
struct plan_runtime {
	const struct runtime_conf *rt;   /* the configured runtime */
	const struct executor *ex;       /* where it runs */
	char *name;                      /* as events name it: "gvisor", "gvisor@lab1" */
};

/* One plan item: a group of instances that run at the same time. */
struct plan_item {
	const struct plan_runtime *at;
	const struct workload *wl;
	unsigned rep;                    /* 1-based, within warm-ups or measured ones */
	int warmup;
	const struct limits *limits;     /* every member's */
	unsigned count;                  /* instances of wl (scale, allocation); 1 otherwise */
	int with_neighbours;             /* interference: the experiment's neighbours join */
	const struct limits *nb_limits;  /* interference: the neighbours' (a variant's
	                                  * neighbour_limits); NULL: limits. A neighbour's
	                                  * own limits win over both. */
	const char *nclass;              /* interference: only those of this class (one phase per
	                                  * class when they have several); NULL: all of them */
	int footprint;                   /* startup: an idle instance, measured, then stopped */
	unsigned scale_n;                /* scale: N, to stop growing once N did not fit */
	const char *sweep_value;         /* a sweep: this item's value of the experiment's sweep.param */
	char variant[48];                /* row label: "alone", "N=4", a variant's name; "" none */
};

struct plan {
	struct plan_runtime *runtimes;   /* in the experiment's order */
	size_t nruntimes;
	struct plan_item *items;
	size_t nitems;
	struct limits *sweep_limits;     /* a sweep of limits.NAME: the limits of each value */
};

/* The limits of neighbour nb in plan item p: its own, else the item's
 * neighbour limits, else the item's. */
const struct limits *plan_neighbour_limits(const struct plan_item *p, const struct neighbour *nb);

/* Checks x (its runtimes and workloads exist, adversaries have limits)
 * and builds its plan, resolving runtimes through xs. Strings and limits
 * point into x and cfg, which must outlive the plan. -1 with a cause (p
 * is then empty). */
int plan_build(struct plan *p, const struct config *cfg, struct executors *xs, const struct experiment *x,
    char **cause);
void plan_free(struct plan *p);
/* A scale experiment's instance counts, in order: N = 1, 2, 4... and
 * max_instances itself, or the values of a sweep over "instances". *out
 * is malloc'd; returns how many. */
size_t plan_scale_counts(const struct experiment *x, unsigned **out);

struct journal;
/* The run's env.json: the machine, the experiment x, each runtime's
 * version where it runs, the probe; then a metric_def record per metric of
 * the experiment's workloads. */
int plan_write_env(const struct plan *p, const struct config *cfg, const struct experiment *x, const char *probe,
    struct journal *j, char **cause);

/* A neighbour's class, "competing" when it names none. */
const char *neighbour_class(const struct neighbour *nb);
/* Whether neighbour nb joins plan item p's group. */
int plan_item_has_neighbour(const struct plan_item *p, const struct neighbour *nb);

#endif

/*
 * engine.h — the engine thread: runs an experiment (runtimes × workloads ×
 * repetitions, with warm-ups), launches instances through their drivers,
 * reads their output without blocking, turns lines into metrics, samples
 * their processes once a second, writes the journal, and publishes events.
 *
 * A plan item is a group of instances that run at the same time in one
 * epoll loop: one instance for a benchmark; a target beside its neighbours
 * (interference); N copies (scale); a variant's copies (allocation); one
 * cold start or one idle instance (startup). Events and journal records
 * stay per instance; "instance" records say their group, role and variant.
 *
 * The front end (TUI or the headless line printer) never touches engine
 * state: it polls engine_wakeup_fd() together with its own input, then
 * drains events with engine_next_event(). Events are immutable; the front
 * end frees each with engine_event_free(). Strings that point into the
 * configuration (runtime, workload, metric definitions) stay valid as long
 * as the struct config given to engine_new().
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_ENGINE_H
#define ISOLAB_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "sampler.h"

enum engine_event_type {
	EV_LOG,            /* msg, level */
	EV_RUN_START,      /* run_id, run_dir, total */
	EV_INSTANCE_START, /* instance, runtime, workload, rep, warmup, done/total */
	EV_READY,          /* instance, startup_ms */
	EV_SAMPLE,         /* instance, t, metrics, procs */
	EV_INSTANCE_END,   /* instance, status, error, startup_ms, metrics (end values) */
	EV_RUN_END,        /* run_id, failed count, cancelled */
	EV_SETUP,          /* instance, status: "start" when the workload's setup phase begins (after
	                    * its ready line), "ok" or "failed" when it ends; t: seconds since launch */
};

enum log_level { LOG_INFO, LOG_WARN, LOG_ERROR };

struct event_metric {
	const struct metric_def *def;
	double value;
};

struct engine_event {
	enum engine_event_type type;
	int instance;
	const char *runtime;     /* points into the config */
	const char *workload;    /* points into the config */
	const char *variant;     /* the group's label ("alone", "N=4", a variant), or NULL; engine-owned, valid until engine_free */
	const char *role;        /* "instance", "target" or "neighbour" (static) */
	int group;               /* plan item the instance belongs to (EV_INSTANCE_START) */
	unsigned rep;
	int warmup;
	size_t done, total;      /* instances finished / planned */
	double eta_s;            /* estimated seconds left in the plan */
	double t;                /* seconds since the instance's launch */
	double startup_ms;       /* -1 when not ready */
	struct event_metric *metrics;
	size_t nmetrics;
	struct proc_sample *procs;
	size_t nprocs;
	char *status;            /* "ok", "failed", "timeout", "cancelled" */
	char *error;
	char *run_id;
	char *run_dir;
	int level;
	char *msg;
	unsigned failed;
	int cancelled;
};

struct engine;
struct executors;

/* Creates an engine over cfg (not copied: it must outlive the engine),
 * running runtimes where xs places them (executor.h; borrowed, and it must
 * outlive the engine; NULL: this machine, and hosts named RUNTIME@HOST
 * without prompts). state_dir NULL uses cfg->state_dir. */
struct engine *engine_new(const struct config *cfg, struct executors *xs, const char *state_dir, char **cause);
/* Resolves and checks exp (names, limits, availability is checked per
 * instance), creates the run directory, and starts the engine thread. */
int engine_start(struct engine *e, const struct experiment *exp, char **cause);
/* A fd that is readable while events are pending. Owned by the engine. */
int engine_wakeup_fd(const struct engine *e);
/* The next event, or NULL when none is pending. The caller frees it. */
struct engine_event *engine_next_event(struct engine *e);
void engine_event_free(struct engine_event *ev);
/* Asks the engine to stop the plan and tear every instance down. Safe from
 * any thread; returns at once. */
void engine_cancel(struct engine *e);
/* 1 while the engine thread runs. */
int engine_running(const struct engine *e);
/* The front end's time to draw one frame, in ms. Safe from any thread;
 * each second the engine journals a {type:"ui", t, frame_ms_max,
 * frame_ms_p50, frames} record, so a run shows the interface stayed
 * responsive (or did not) under its load. */
void engine_note_frame(struct engine *e, double ms);
/* Waits for the engine thread to finish. */
void engine_join(struct engine *e);
/* Joins (cancelling first if still running) and frees. */
void engine_free(struct engine *e);


#endif

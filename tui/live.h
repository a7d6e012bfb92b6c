/*
 * live.h — what the TUI knows about the current run, built only from
 * engine events: progress, one series per instance and metric (one value
 * per second), each instance's latest process sample, a short CPU/RSS
 * history per process for the drill-down, and every message.
 *
 * No curses here: the model is plain data, so bench/render can fill it
 * with synthetic series. Strings from events are copied, the runtime's and
 * workload's names too (a RUNTIME@HOST runtime belongs to the engine, which
 * is freed when its run ends); workload and metric definitions point into
 * the configuration, which outlives the model.
 */
#ifndef ISOLAB_LIVE_H
#define ISOLAB_LIVE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "config.h"
#include "engine.h"
#include "sampler.h"

#define LIVE_HIST 120   /* seconds of per-process history */

/* What an event changed (a damage mask for the screens). */
enum {
	LIVE_PROGRESS = 1 << 0,
	LIVE_CHART = 1 << 1,
	LIVE_PROCS = 1 << 2,
	LIVE_MSGS = 1 << 3,
	LIVE_END = 1 << 4,
	LIVE_START = 1 << 5,
};

struct live_series {
	double *v;      /* v[i]: value in second i+1 of the instance; NAN when none */
	size_t n, cap;
};

struct live_inst {
	int id;
	char *runtime, *workload;       /* copies */
	const struct workload *wl;      /* NULL when the configuration lacks it */
	unsigned rep;
	int warmup;
	int ended;
	char *status, *error;           /* NULL while running */
	double startup_ms;
	double t;                       /* last sample, seconds since launch */
	int setting_up;                 /* its workload's setup phase runs (EV_SETUP) */
	double setup_from;              /* when that began, seconds since launch */
	struct live_series *m;          /* one per wl->metrics entry */
	size_t nm;
	struct proc_sample *procs;      /* latest sample */
	size_t nprocs;
	/* Host %CPU (100: one core) by role in the latest sample that listed
	 * processes, which the last one of an ended instance may not. */
	double role_cpu[ROLE__COUNT];
	int has_role_cpu;
};

struct live_hist {
	pid_t pid;
	int instance;
	size_t n;                       /* samples recorded (the ring holds the last LIVE_HIST) */
	float cpu[LIVE_HIST];
	uint64_t rss[LIVE_HIST];
	struct proc_sample last;
};

struct live_msg {
	time_t when;
	int level;                      /* enum log_level */
	char *text;
};

struct live {
	char *run_id, *run_dir;
	int active;                     /* between EV_RUN_START and EV_RUN_END */
	int ended, cancelled;
	unsigned failed;
	size_t done, total;
	double eta_s;
	uint64_t eta_at_ns;             /* mono_ns() when eta_s was received */
	int current;                    /* id of the running instance, or -1 */
	struct live_inst *inst;
	size_t ninst;
	struct live_hist *hist;
	size_t nhist;
	struct live_msg *msgs;
	size_t nmsgs, msgs_cap;
	size_t unseen;                  /* warnings and errors not yet seen on the messages screen */
	const struct config *cfg;
};

void live_init(struct live *l, const struct config *cfg);
/* Forgets the run (instances, history); keeps the messages. */
void live_reset(struct live *l);
void live_free(struct live *l);
/* Folds one event into the model; returns a LIVE_* mask of what changed. */
int live_event(struct live *l, const struct engine_event *ev);
/* Adds a message of the TUI's own (same list as EV_LOG). */
void live_log(struct live *l, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The instance with id, or NULL. Owned by l. */
struct live_inst *live_find(struct live *l, int id);
/* Adds an instance (for tests and the render benchmark); owned by l. */
struct live_inst *live_add(struct live *l, int id, const char *runtime, const struct workload *wl);
/* Appends one second's value of metric k to an instance. */
void live_series_put(struct live_series *s, size_t second, double v);
/* The history of pid, or NULL. Owned by l. */
const struct live_hist *live_hist_find(const struct live *l, pid_t pid);
/* Value i (0 = oldest kept) of a history ring. */
size_t live_hist_len(const struct live_hist *h);
float live_hist_cpu(const struct live_hist *h, size_t i);
uint64_t live_hist_rss(const struct live_hist *h, size_t i);
/* Seconds left in the plan now, from the last ETA and the time since. */
double live_eta(const struct live *l);
/* Index in wl->metrics of the first per-second metric of kind ("throughput",
 * "latency"), preferring one named name when given; -1 when none. */
int live_metric_index(const struct workload *wl, const char *kind, const char *name);

#endif

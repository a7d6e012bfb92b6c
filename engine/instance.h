/*
 * instance.h — one instance's life, the only copy of it: the engine thread
 * runs every instance of a group through it, and `isolab agent` (agent.c)
 * every instance a remote isolab asks it for.
 *
 *   inst_init      what it is: runtime, executor, workload, limits, id
 *   inst_available can its runtime run where its executor puts it?
 *   inst_prepare   unmeasured set-up: its directory, the executor's (and
 *                  so the driver's) prepare
 *   inst_stage     the workload's files and prepare phase, its substituted
 *                  argv (unless given), the executor's stage
 *   inst_launch    start it; watch its output pipe and its main process's
 *                  pidfd in the owner's epoll set
 *   inst_on_fd     one of its fds is readable: output lines (readiness and
 *                  metrics, or relayed raw), an exit, its companion's
 *   inst_poll      what needs no fd: waitpid without a pidfd, a pipe that a
 *                  grandchild holds after the main process ended
 *   inst_track     once a second, its host processes to the sampler
 *   inst_tick      once a second, its sample record and event
 *   inst_check     has it come to its end (exit, deadline, error)?
 *   inst_flush, inst_stop, inst_reap, inst_cleanup, inst_end
 *                  read what is left, stop (politely, then by force),
 *                  wait, remove what was made, and the end record with
 *                  its status
 *   inst_free
 *
 * Who owns an instance decides through struct inst_ctx what it hears of
 * it: the engine gives a journal, an event queue and the experiment, and
 * has output lines matched against the workload's readiness and metric
 * patterns; the agent gives none of those and has each line relayed
 * (relay = 1) to its client, which does the matching itself.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_INSTANCE_H
#define ISOLAB_INSTANCE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "executor.h"
#include "metrics.h"
#include "runtime.h"
#include "sampler.h"

#define INST_OUTPUT_TAIL 512

struct event_queue;
struct journal;
struct inst;

/* What the instances of one owner share. Every pointer may be NULL where
 * the owner has no such thing (the agent has no journal, events or
 * experiment). */
struct inst_ctx {
	struct journal *journal;         /* records of each instance */
	struct event_queue *events;      /* EV_READY, EV_SAMPLE, EV_INSTANCE_END, EV_LOG */
	struct sampler *sampler;
	struct resources *res;           /* the run's resource journal */
	const char *run_id;
	const char *probe;               /* isolab-probe on this host: ${probe} */
	const char *dirs;                /* instance directories are <dirs>/<id> */
	const struct experiment *exp;    /* ${duration}, ${threads}, parameters, grace, kind */
	const atomic_int *cancel;        /* set: a companion is not started again */
	int relay;                       /* lines go to on_line raw: no readiness, no metrics */
	void *owner;                     /* the hooks' argument */
	/* The workload printed its ready line (the engine phases its ticks). */
	void (*on_ready)(void *owner, struct inst *it);
	/* An output line of the workload (relay). */
	void (*on_line)(void *owner, struct inst *it, const char *line, size_t len);
	/* A warning about an instance (a failed cleanup) where there are no
	 * events to carry it. */
	void (*on_warn)(void *owner, const char *msg);
};

enum inst_role { INST_INSTANCE, INST_TARGET, INST_NEIGHBOUR };

/* Which of an instance's fds is readable: the low byte of its epoll tags. */
enum inst_fd { INST_FD_OUT = 1, INST_FD_PIDFD, INST_FD_COUT, INST_FD_CPIDFD, INST_FD_SOUT, INST_FD_SPIDFD,
	INST_FD__COUNT };

#define INST_MAX_REST 16  /* rows of an instance's last record beyond its main process's */

struct inst {
	struct instance in;              /* what the executor and its driver see */
	const struct inst_ctx *ctx;
	const struct executor *ex;
	struct executor_caps caps;
	const char *name;                /* the runtime as events name it ("gvisor@lab1") */
	/* Set by the owner between inst_init and inst_launch: */
	enum inst_role role;
	const char *nclass;              /* a neighbour's class, or NULL */
	const char *variant;             /* its group's label, or NULL */
	const char *sweep_value;         /* its value of the experiment's sweep.param, or NULL */
	const struct kv *params;         /* its own workload parameters (a neighbour's), over the
	                                  * experiment's; nparams of them */
	size_t nparams;
	unsigned rep;
	int warmup;
	double duration;                 /* its ${duration} */
	uint64_t deadline;               /* UINT64_MAX: none (a neighbour is stopped by its group) */
	double mem_at;                   /* seconds after launch to measure RSS/PSS; 0: never */
	int stop_after_mem;              /* an idle instance: measured, then over */
	int nth;                         /* scale: the group's last, whose start-up is startup_nth_ms */
	/* A member of a group measured over one common window (engine.c):
	 * its interval values count only when the middle of the second they
	 * cover falls inside [win_open_ns, win_open_ns + win_len_ns], and its
	 * value of a metric is their mean (a summary, which covers its own
	 * run, is set aside). win_open_ns is 0 until the window opens. */
	int windowed;
	uint64_t win_open_ns, win_len_ns;
	int mem_due;                     /* measure RSS/PSS at its next tick */
	int held;                        /* its workload is stopped until the window opens */
	int held_by_runtime;             /* by the runtime's own pause, not SIGSTOP */
	uint64_t held_ns;                /* when it was */
	long long held_cpu_us;           /* its cgroup's CPU then, or -1 */
	int ep;                          /* the owner's epoll set */
	uint64_t tag;                    /* epoll tags are tag | enum inst_fd */
	/* Its state: */
	int prepared, launched, over, timed_out, ready;
	int main_done, main_status;      /* the main process ended, with this waitpid status */
	int out_open;                    /* its output pipe is being read */
	const char *status;              /* "ok", "failed", "timeout", "cancelled" once over */
	char *cause;                     /* why it did not succeed */
	char *error;                     /* a failure after launch (setup, companion) */
	double startup_ms;
	uint64_t t_read_ns;              /* when the output pipe last gave data: the ready line's arrival */
	uint64_t t_written_ns;           /* the ready line's own mono_ns (the workload's clock is the host's), or 0 */
	double rss_kb, pss_kb;           /* NAN until measured */
	int mem_done;
	unsigned ticks;
	uint64_t tick_ns;                /* when the last tick was (mono_ns), 0 before the first */
	uint64_t lines;
	char tail[INST_OUTPUT_TAIL];     /* its last non-empty output line, for messages */
	/* Private to instance.c: */
	struct metrics *metrics;
	struct linebuf lb, clb, slb;
	int pidfd, cpidfd, cout_fd, cout_open, comp_done, comp_status;
	pid_t cpid;
	/* The workload's setup, run from the loop like the companion (the
	 * others are sampled, and a cancel is heard, while it loads tables):
	 * spid is its pid while it runs, else 0. */
	pid_t spid;
	int spidfd, sout_fd;
	char stail[INST_OUTPUT_TAIL];    /* its last non-empty output line */
	uint64_t comp_t0, setup_t0, setup_ns, pipe_wait_ns;
	double *tick_sum, *end_val, *all_sum;
	unsigned *tick_n, *end_n, *all_n;
	struct proc_sample last_act;        /* the main process's last activity, read from its zombie */
	int has_last_act;                   /* for the next sample record */
	/* What the rest of the instance did after its last sample, read as
	 * the main process is reaped (sampler_final): its zombies' last
	 * reports, and its reaped descendants' last CPU. In the same record. */
	struct proc_sample rest_act[INST_MAX_REST];
	size_t nrest_act;
};

/* Zeroes it and sets what it is (id, runtime, executor, workload, limits);
 * name is how events name the runtime. */
void inst_init(struct inst *it, const struct inst_ctx *ctx, int id, const struct executor *ex,
    const struct runtime_conf *rt, const char *name, const struct workload *wl, const struct limits *limits);
/* Whether the runtime can run there; -1 with it->cause saying why not. */
int inst_available(struct inst *it);
/* The executor's prepare (limits checked against what it can do, the
 * directory made first); -1 with it->cause. */
int inst_prepare(struct inst *it);
/* The workload's files and prepare phase, in.argv (substituted from the
 * workload unless the owner set it), the executor's stage; -1 with it->cause. */
int inst_stage(struct inst *it);
/* Launches and watches; on failure it is over, with its cause. */
void inst_launch(struct inst *it);
/* Whether it is ready and its workload's setup (if any) has ended: what a
 * group waits for before its window opens or its target starts. */
int inst_set_up(const struct inst *it);
/* Handles a readable fd of the instance (kind: enum inst_fd). */
void inst_on_fd(struct inst *it, int kind);
/* Without a pidfd, whether the main process ended; a pipe held past the
 * main process's end is given up after 200 ms. Call it each loop. */
void inst_poll(struct inst *it);
/* Whether its main process ended and its output was read to the end. */
int inst_main_over(const struct inst *it);
/* The ms the owner's loop may sleep before inst_poll has work. */
int inst_poll_ms(const struct inst *it);
/* Tracks its host processes and their children in the sampler; the pids
 * go to out (max of them), their count returned. */
size_t inst_track(struct inst *it, struct pid_role *out, size_t max);
/* Its rows of ps[0..nps) and, with foreign, its executor's foreign
 * samples: a malloc'd array (the caller frees it), count in *n. */
struct proc_sample *inst_procs(struct inst *it, const struct proc_sample *ps, size_t nps, int foreign,
    size_t *n);
/* RSS and PSS of its live processes in ps[0..nps), now: a "memory" record
 * at t, kept for its end record. */
void inst_memory(struct inst *it, const struct proc_sample *ps, size_t nps, double t);
/* Stops (hold 1) or resumes (hold 0) its workload: with the runtime's
 * own pause where the driver has one (gVisor, QEMU; returns 1), else the
 * processes of its workload that this host sees (SIGSTOP, SIGCONT;
 * returns how many). A workload on another host goes on. */
size_t inst_hold(struct inst *it, int hold);
/* Its group's window closed while it ran: it is over, "ok" when values
 * fell inside the window, failed otherwise. */
void inst_window_close(struct inst *it);
/* Its sample of this second (record and event); final: only the metric
 * values left after its end, without processes. */
void inst_tick(struct inst *it, const struct proc_sample *ps, size_t nps, int final);
/* Whether it reached its end now (exit, error, measured, deadline); a
 * timed-out instance is stopped at once. Sets over and status. */
void inst_check(struct inst *it, uint64_t now);
/* It is over, for why (NULL: judged from its exit and output). */
void inst_over(struct inst *it, const char *why, int timed_out);
/* Stops the setup and the companion (killed, reaped). */
void inst_stop_companion(struct inst *it);
/* Asks it to end (force 0) or kills it (force 1), if it still runs. */
int inst_stop(struct inst *it, int force, char **cause);
/* Reaps the main process: 1 when it ended (now or before), 0 when it
 * still runs (block 0). */
int inst_reap(struct inst *it, int block);
/* The executor's cleanup and the workload's cleanup phase; untracks its
 * processes. Safe after any failure. */
void inst_cleanup(struct inst *it);
/* At its group's end: reads what is left in its pipes; metric values that
 * came after the last tick make one more sample, without processes. */
void inst_flush(struct inst *it);
/* Its status, once stopped and cleaned up, and its end record and event. */
void inst_end(struct inst *it);
/* Its "instance" record and EV_INSTANCE_START (group: its plan item). */
void inst_announce(struct inst *it, int group, size_t done, size_t total, double eta_s);
void inst_free(struct inst *it);
/* "instance", "target", "neighbour". */
const char *inst_role_name(enum inst_role r);

#endif

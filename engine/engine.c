/*
 * engine.c — the engine thread and its loop.
 *
 * The plan (plan.c) is a flat list of groups: for each repetition
 * (warm-ups first), each workload, each runtime. Groups run one after
 * another, as in the studies, so that they do not disturb each other; the
 * instances of one group (a target and its neighbours, N copies) run at
 * the same time, each through instance.c and its executor.
 *
 * A group's life is a single epoll loop over:
 *   - its instances' output pipes (and their companions'), split into
 *     lines and matched against readiness and metric patterns;
 *   - pidfds of their main processes and companions, whose exit ends them;
 *   - a 1 Hz timerfd: sample every process of the group at once, write a
 *     "sample" record per instance, flush the journal, publish EV_SAMPLEs;
 *   - the command eventfd, written by engine_cancel().
 * A deadline of duration + grace (from ready) kills an instance that runs
 * too long; it is recorded as timed out and the plan goes on. Any failure
 * of one instance is recorded with its cause and the plan goes on.
 *
 * Events go to the front end through a queue (events.c) whose eventfd the
 * front end polls: the UI never blocks on the engine.
 */
#include "config.h"
#include "engine.h"
#include "events.h"
#include "exec.h"
#include "executor.h"
#include "instance.h"
#include "journal.h"
#include "plan.h"
#include "resources.h"
#include "runtime.h"
#include "util.h"
#include "window.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* Frame times the front end reported in the current second. */
#define FRAMES_MAX 512

/* The engine's own fds in a group's epoll set, after the instances' kinds. */
enum { TAG_TIMER = INST_FD__COUNT, TAG_CMD };

struct engine {
	const struct config *cfg;
	char *state_dir;
	struct experiment exp;       /* shallow copy; strings point into cfg */
	struct plan plan;
	struct journal *journal;
	struct sampler *sampler;
	struct resources *res;       /* the run's resource journal */
	char *probe;
	char *dirs;                  /* the run's instances/ */
	struct executors *xs;        /* where runtimes run; owned when own_xs */
	int own_xs;
	struct inst_ctx ctx;         /* what every instance of the run shares */
	struct event_queue *events;

	pthread_t thread;
	int started;
	atomic_int running;
	atomic_int cancel;
	int cmd_fd;                  /* eventfd: engine_cancel -> engine */
	int tick_fd;                 /* the running group's 1 Hz timerfd, or -1 */
	int tick_phased;             /* its phase already follows a ready line */
	uint64_t tick_due;           /* when the timer's next expiration is due */
	int group;                   /* the running group's plan item, 1-based */
	struct window *win;          /* the running group's window, or NULL */

	pthread_mutex_t lock;        /* engine_note_frame's: */
	double frames[FRAMES_MAX];
	size_t nframes;
	/* scale: the smallest N that did not fit, per runtime and workload */
	struct scale_stop { const struct plan_runtime *at; const struct workload *wl; unsigned n; } *stops;
	size_t nstops;
};

#define elog(e, level, ...) events_log((e)->events, (e)->journal, level, __VA_ARGS__)

struct engine_event *engine_next_event(struct engine *e) { return events_pop(e->events); }
int engine_wakeup_fd(const struct engine *e) { return events_fd(e->events); }
int engine_running(const struct engine *e) { return atomic_load(&e->running); }

/* The first ready line of a measured instance phases the group's ticks.
 * Workloads print one line a second counted from their own start. Ticks
 * counted from launch would race those lines (some seconds with two, some
 * with none), so ticks fall half-way between lines, 0.5 s of margin either
 * side, and even a one-second workload is sampled while it runs. */
static void phase_ticks(struct engine *e)
{
	struct itimerspec its = { .it_value = { 0, 500000000 }, .it_interval = { 1, 0 } };
	timerfd_settime(e->tick_fd, 0, &its, NULL);
	e->tick_due = mono_ns() + 500000000u;
	e->tick_phased = 1;
}

static void on_ready(void *owner, struct inst *it)
{
	struct engine *e = owner;
	if (e->tick_fd >= 0 && !e->tick_phased && it->role != INST_NEIGHBOUR)
		phase_ticks(e);
}

/* A step of the group's window; a timed one that opens counts its seconds
 * from then, ticks half-way, the first 0.5 s in. */
static void step_window(struct engine *e, struct window *w, struct inst *m, size_t n, int pending, uint64_t now)
{
	if (window_step(w, m, n, pending, now) && w->timed && e->tick_fd >= 0)
		phase_ticks(e);
}

/* ---- one group ---- */

/* The front end's frame times of the last second as one "ui" record. */
static void ui_record(struct engine *e, double t)
{
	double f[FRAMES_MAX];
	pthread_mutex_lock(&e->lock);
	size_t n = e->nframes;
	memcpy(f, e->frames, n * sizeof *f);
	e->nframes = 0;
	pthread_mutex_unlock(&e->lock);
	if (!n)
		return;
	/* Insertion sort: at most a few hundred frames a second. */
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && f[k - 1] > f[k]; k--) {
			double x = f[k];
			f[k] = f[k - 1];
			f[k - 1] = x;
		}
	json_t *rec = json_pack("{s:s, s:f, s:f, s:f, s:i}", "type", "ui", "t", t, "frame_ms_max", f[n - 1],
	    "frame_ms_p50", f[n / 2], "frames", (int)n);
	journal_append(e->journal, rec, NULL);
	json_decref(rec);
}

static int running(const struct inst *it)
{
	return it->launched && !it->over;
}

/* A "tick" record: how the engine kept its second (missed expirations, how
 * late this one was taken, the work it took) and what isolab itself costs
 * so far (its CPU time, its resident memory): bench/density reads it. */
static void tick_record(struct engine *e, double t, uint64_t expirations, uint64_t at, size_t procs)
{
	uint64_t due = e->tick_due + (expirations - 1) * 1000000000ull;
	e->tick_due += expirations * 1000000000ull;
	double cpu_ms;
	unsigned long long rss_kb;
	self_usage(&cpu_ms, &rss_kb);
	json_t *rec = json_pack("{s:s, s:i, s:f, s:I, s:f, s:f, s:f, s:I, s:i}", "type", "tick", "group", e->group,
	    "t", t, "missed", (json_int_t)(expirations - 1), "late_ms", at > due ? (double)(at - due) / 1e6 : 0.0,
	    "work_ms", (double)(mono_ns() - at) / 1e6, "cpu_ms", cpu_ms,
	    "rss_kb", (json_int_t)rss_kb, "procs", (int)procs);
	journal_append(e->journal, rec, NULL);
	json_decref(rec);
}

/* One second of a group: track every instance's processes, sample them all
 * at once (one pass over /proc), then one record and event per instance. */
static void tick(struct engine *e, struct inst *m, size_t n, double t, uint64_t expirations)
{
	uint64_t at = mono_ns();
	for (size_t k = 0; k < n; k++)
		if (running(&m[k])) {
			struct pid_role pr[64];
			inst_track(&m[k], pr, ARRAY_SIZE(pr));
		}
	const struct proc_sample *ps;
	size_t nps = 0;
	char *cause = NULL;
	if (sampler_sample(e->sampler, &ps, &nps, &cause) < 0) {
		elog(e, LOG_WARN, "sampler: %s", cause);
		free(cause);
		cause = NULL;
		nps = 0;
	}
	struct window *w = e->win;
	if (w && w->timed && w->open_ns && !w->mem_done && at >= w->mem_ns) {
		/* Every member's memory in the same second of the window. */
		for (size_t k = 0; k < n; k++)
			if (running(&m[k]) && m[k].role != INST_NEIGHBOUR)
				m[k].mem_due = 1;
		w->mem_done = 1;
	}
	for (size_t k = 0; k < n; k++)
		if (running(&m[k]))
			inst_tick(&m[k], ps, nps, 0);
	ui_record(e, t);
	tick_record(e, t, expirations, at, nps);
	if (journal_flush(e->journal, &cause) < 0) {
		elog(e, LOG_ERROR, "journal: %s", cause);
		free(cause);
	}
}

static int epoll_add(int ep, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* The target of an interference group starts once its neighbours are ready
 * (or pending_at passed, or the run is cancelled); a neighbour that died
 * before leaves nothing to measure it against. Returns 1 when decided. */
static int launch_pending(struct engine *e, struct inst *m, size_t n, size_t pending, uint64_t pending_at)
{
	int ready = 1;
	for (size_t k = 0; k < n; k++)
		if (k != pending && running(&m[k]) && !inst_set_up(&m[k]))
			ready = 0;
	if (!ready && mono_ns() < pending_at && !atomic_load(&e->cancel))
		return 0;
	struct inst *t = &m[pending];
	/* Not at full strength in time: the target would measure something else. */
	for (size_t k = 0; k < n && !ready && !t->over; k++)
		if (k != pending && running(&m[k]) && !inst_set_up(&m[k])) {
			err_set(&t->cause, "neighbour %s did not %s within %.0f s: the target would not meet "
			    "its neighbours at full strength", m[k].in.wl->name,
			    m[k].ready ? "finish its setup" : "become ready", e->exp.duration + e->exp.grace);
			inst_over(t, t->cause, 0);
		}
	for (size_t k = 0; k < n && !t->over; k++)
		if (k != pending && m[k].over && strcmp(m[k].status, "ok")) {
			err_set(&t->cause, "neighbour %s could not start: %s", m[k].in.wl->name,
			    m[k].cause ? m[k].cause : m[k].status);
			inst_over(t, t->cause, 0);
		}
	if (!atomic_load(&e->cancel) && !t->over)
		inst_launch(t);
	return 1;
}

/* How long the loop may sleep: until the next deadline, at most a second,
 * less while an instance needs polling or a target waits; -1 when no
 * primary instance (the target, or every instance) still runs. */
static int wait_ms(const struct window *w, struct inst *m, size_t n, int pending, uint64_t now)
{
	int left = pending >= 0, ms = 1000;
	if (w->on && !w->closed && !w->open_ns)
		ms = 100; /* every member's allowance */
	else if (w->on && !w->closed && w->timed)
		ms = w->close_ns > now ? (int)((w->close_ns - now) / 1000000u) + 1 : 0;
	if (ms > 1000)
		ms = 1000;
	for (size_t k = 0; k < n; k++) {
		if (!running(&m[k]))
			continue;
		left += m[k].role != INST_NEIGHBOUR;
		if (m[k].deadline != UINT64_MAX) {
			uint64_t next = m[k].deadline > now ? m[k].deadline - now : 0;
			if ((int)(next / 1000000u) + 1 < ms)
				ms = (int)(next / 1000000u) + 1;
		}
		int p = inst_poll_ms(&m[k]);
		ms = p < ms ? p : ms;
	}
	if (pending >= 0 && ms > 50)
		ms = 50;
	return left ? ms : -1;
}

/* What epoll_wait returned: ticks, output, exits (a command: the cancel
 * flag is checked by the loop). */
static void on_events(struct engine *e, struct inst *m, size_t n, int tfd, const struct epoll_event *evs, int nev,
    unsigned *ticks)
{
	for (int i = 0; i < nev; i++) {
		uint64_t tag = evs[i].data.u64, exp_count;
		if (tag == TAG_TIMER) {
			if (read(tfd, &exp_count, sizeof exp_count) > 0 && exp_count)
				tick(e, m, n, ++*ticks, exp_count);
		} else if (tag != TAG_CMD) {
			inst_on_fd(&m[tag >> 8], (int)(tag & 0xff));
		}
	}
}

/* Runs a group's loop until every primary instance (the target, or every
 * instance) is over. The target of an interference group (pending >= 0) is
 * launched once its neighbours are ready (at most duration + grace after
 * them), so it meets them at full strength. */
static void group_loop(struct engine *e, struct window *w, struct inst *m, size_t n, int pending)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (ep < 0 || tfd < 0) {
		if (ep >= 0)
			close(ep);
		if (tfd >= 0)
			close(tfd);
		for (size_t k = 0; k < n; k++)
			inst_over(&m[k], "epoll/timerfd unavailable", 0);
		return;
	}
	epoll_add(ep, tfd, TAG_TIMER);
	e->tick_fd = tfd;
	e->tick_phased = 0;
	epoll_add(ep, e->cmd_fd, TAG_CMD);
	/* Neighbours get as long to become ready as an instance gets to end
	 * (a VM booting under emulation takes many seconds). */
	uint64_t pending_at = mono_ns() + (uint64_t)((e->exp.duration + e->exp.grace) * 1e9);
	unsigned ticks = 0;
	for (size_t k = 0; k < n; k++) {
		m[k].ep = ep;
		m[k].tag = (uint64_t)k << 8;
	}
	/* Instances are launched here, not before: their pipes are read from
	 * the start, between launches too (a hundred take a while), so that a
	 * ready line is seen when it comes and its member waits (window_step). */
	for (size_t k = 0; k < n && !w->closed; k++) {
		if ((int)k == pending || !m[k].prepared || m[k].over || atomic_load(&e->cancel))
			continue;
		inst_launch(&m[k]);
		struct epoll_event evs[16];
		int nev;
		/* A few rounds: the command eventfd stays readable once written. */
		for (int r = 0; r < 8 && (nev = epoll_wait(ep, evs, 16, 0)) > 0; r++)
			on_events(e, m, n, tfd, evs, nev, &ticks);
		step_window(e, w, m, n, pending, mono_ns());
	}
	/* Seconds count from when they all run (a hundred launches take a
	 * while), unless a ready line already set the phase. */
	if (!e->tick_phased) {
		struct itimerspec its = { .it_value = { 1, 0 }, .it_interval = { 1, 0 } };
		timerfd_settime(tfd, 0, &its, NULL);
		e->tick_due = mono_ns() + 1000000000u;
	}

	for (;;) {
		uint64_t now = mono_ns();
		if (pending >= 0 && launch_pending(e, m, n, (size_t)pending, pending_at))
			pending = -1;
		for (size_t k = 0; k < n; k++)
			inst_check(&m[k], now);
		step_window(e, w, m, n, pending, now);
		if (atomic_load(&e->cancel)) {
			for (size_t k = 0; k < n; k++)
				inst_over(&m[k], "cancelled", 0);
			break;
		}
		int ms = wait_ms(w, m, n, pending, now);
		if (ms < 0)
			break;
		struct epoll_event evs[16];
		int nev = epoll_wait(ep, evs, 16, ms);
		if (nev < 0 && errno != EINTR) {
			for (size_t k = 0; k < n; k++)
				inst_over(&m[k], "epoll_wait failed", 0);
			break;
		}
		on_events(e, m, n, tfd, evs, nev, &ticks);
		for (size_t k = 0; k < n; k++)
			inst_poll(&m[k]);
	}
	window_release(m, n); /* cancelled while some waited */
	/* Frames drawn since the last second still count. */
	ui_record(e, ticks + 0.5);
	for (size_t k = 0; k < n; k++)
		inst_flush(&m[k]);
	e->tick_fd = -1;
	close(tfd);
	close(ep);
}

/* Stops, cleans up and records the end of every instance of a group:
 * polite stops first for all, one shared grace, then force, so a group of
 * 64 waits half a second, not 64 halves. */
static void group_end(struct inst *m, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		inst_stop_companion(&m[k]);
		inst_stop(&m[k], 0, NULL);
	}
	for (int i = 0; i < 20; i++) {
		int alive = 0;
		for (size_t k = 0; k < n; k++)
			alive |= !inst_reap(&m[k], 0);
		if (!alive)
			break;
		usleep(25000);
	}
	for (size_t k = 0; k < n; k++) {
		if (!inst_reap(&m[k], 0)) {
			inst_stop(&m[k], 1, NULL);
			inst_reap(&m[k], 0);
		}
		inst_cleanup(&m[k]);
	}
	/* Reap anything the drivers left as our children. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	for (size_t k = 0; k < n; k++)
		inst_end(&m[k]);
}

/* The instances of plan item p, initialised: its count of p->wl, then the
 * experiment's neighbours when it has them. *n gets how many. */
static struct inst *group_new(struct engine *e, const struct plan_item *p, int *next_id, size_t *n, size_t *nnb)
{
	const struct experiment *x = &e->exp;
	*nnb = 0;
	for (size_t i = 0; i < x->nneighbours; i++)
		if (plan_item_has_neighbour(p, &x->neighbours[i]))
			*nnb += x->neighbours[i].count;
	size_t count = p->count ? p->count : 1;
	*n = count + *nnb;
	struct inst *m = xcalloc(*n, sizeof *m);
	size_t k = 0;
	for (; k < *n; k++) {
		int nb = k >= count;
		const struct neighbour *b = NULL;
		for (size_t i = 0, c = count; nb && !b; i++)
			if (plan_item_has_neighbour(p, &x->neighbours[i]) && k < (c += x->neighbours[i].count))
				b = &x->neighbours[i];
		struct inst *it = &m[k];
		inst_init(it, &e->ctx, (*next_id)++, p->at->ex, p->at->rt, p->at->name,
		    nb ? config_workload(e->cfg, b->workload) : p->wl, nb ? plan_neighbour_limits(p, b) : p->limits);
		it->role = nb ? INST_NEIGHBOUR : *nnb ? INST_TARGET : INST_INSTANCE;
		it->variant = p->variant[0] ? p->variant : NULL;
		if (p->sweep_value && !nb) {
			it->sweep_value = p->sweep_value;
			if (!strcmp(x->sweep.param, "threads"))
				it->in.threads = (unsigned)strtoul(p->sweep_value, NULL, 10);
		}
		it->rep = p->rep;
		it->warmup = p->warmup;
		if (nb) {
			it->nclass = b->nclass;
			it->params = b->params;
			it->nparams = b->nparams;
			/* Outlives its target; the group stops it when the target ends. */
			it->duration = 2 * x->duration + x->grace + 10;
			it->deadline = UINT64_MAX;
		} else if (x->kind == EXP_SCALE) {
			/* RSS/PSS half-way; a timed window takes it at its own middle. */
			it->mem_at = x->duration / 2 > 1 ? x->duration / 2 : 1;
			it->nth = k == count - 1;
		} else if (p->footprint) {
			it->mem_at = 1;
			it->stop_after_mem = 1;
		}
	}
	return m;
}

/* Runs one plan item (a group) to the end records of its instances.
 * *next_id is the first instance id to use and is advanced. Returns how
 * many primary instances did not succeed; *fit is 0 when one failed to
 * start. */
static unsigned run_group(struct engine *e, const struct plan_item *p, int group, int *next_id, size_t done,
    double eta_s, int *fit)
{
	size_t n, nnb, k;
	struct inst *m = group_new(e, p, next_id, &n, &nnb);
	for (k = 0; k < n; k++)
		inst_announce(&m[k], group, done, e->plan.nitems, eta_s);
	const struct experiment *x = &e->exp;
	struct window w;
	window_init(&w, x, p->wl, nnb, group, &e->ctx);
	int windowed = w.on;
	int failed_setup = 0;
	for (k = 0; k < n && !atomic_load(&e->cancel); k++) {
		if (inst_available(&m[k]) < 0) {
			inst_over(&m[k], m[k].cause, 0);
			failed_setup = 1;
			continue;
		}
		window_member(&w, &m[k], n);
		if (inst_prepare(&m[k]) < 0 || inst_stage(&m[k]) < 0) {
			inst_over(&m[k], m[k].cause, 0);
			failed_setup = 1;
		}
	}
	if (nnb && failed_setup && !m[0].over) {
		/* A target without its neighbours would measure nothing of interest. */
		for (k = 1; k < n; k++)
			if (m[k].over && m[k].cause) {
				err_set(&m[0].cause, "neighbour %s could not start: %s", m[k].in.wl->name, m[k].cause);
				break;
			}
		inst_over(&m[0], m[0].cause, 0);
	}
	/* Neighbours of a target that cannot run would disturb nobody. */
	e->group = group;
	e->win = windowed ? &w : NULL;
	if (windowed && failed_setup) {
		/* Not all of them can run: none is measured. */
		for (k = 0; k < n && !w.closed; k++)
			if (m[k].over)
				window_give_up(&w, m, n, xasprintf("instance %d (%s) could not be set up: %s", m[k].in.id,
				    m[k].in.wl->name, m[k].cause ? m[k].cause : m[k].status));
	}
	if (!atomic_load(&e->cancel) && !(nnb && m[0].over) && !(windowed && failed_setup))
		group_loop(e, &w, m, n, nnb ? 0 : -1);
	e->win = NULL;
	group_end(m, n);
	if (windowed && !w.open_ns)
		window_not_together(&w, xstrdup(atomic_load(&e->cancel) ? "cancelled" : "the window never opened"));

	unsigned failed = 0, ok = 0;
	*fit = 1;
	json_t *ids = json_array();
	for (k = 0; k < n; k++) {
		json_array_append_new(ids, json_integer(m[k].in.id));
		if (m[k].role == INST_NEIGHBOUR)
			continue;
		if (strcmp(m[k].status, "ok"))
			failed++;
		else
			ok++;
		if (!m[k].ready)
			*fit = 0;
	}
	if (windowed && !w.together) {
		*fit = 0;
		elog(e, LOG_WARN, "%s/%s %s: the %zu instances did not run together: %s", p->at->name, p->wl->name,
		    p->variant, n, w.why);
	}
	if (x->kind != EXP_BENCHMARK) {
		json_t *rec = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:i, s:b, s:i, s:i, s:i, s:o}", "type", "group",
		    "group", group, "kind", experiment_kind_name(x->kind), "variant", p->variant, "runtime", p->at->name,
		    "workload", p->wl->name, "rep", (int)p->rep, "warmup", p->warmup, "n", (int)(n - nnb), "ok", (int)ok,
		    "failed", (int)failed, "members", ids);
		if (windowed)
			window_describe(&w, m, rec);
		journal_append(e->journal, rec, NULL);
		json_decref(rec);
	} else {
		json_decref(ids);
	}
	free(w.why);
	for (k = 0; k < n; k++)
		inst_free(&m[k]);
	free(m);
	return failed;
}

/* ---- the run ---- */

static int scale_stopped(const struct engine *e, const struct plan_item *p)
{
	for (size_t i = 0; i < e->nstops; i++)
		if (e->stops[i].at == p->at && e->stops[i].wl == p->wl && p->scale_n > e->stops[i].n)
			return 1;
	return 0;
}

static struct engine_event *run_event(struct engine *e, enum engine_event_type type)
{
	struct engine_event *ev = event_new(type);
	ev->run_id = xstrdup(journal_run_id(e->journal));
	ev->run_dir = xstrdup(journal_dir(e->journal));
	ev->total = e->plan.nitems;
	return ev;
}

/* The engine thread keeps its second ahead of the workloads: instances
 * without a CPU limit share the root CPU cgroup with it, and 64 busy ones
 * left it a 66th of a CPU (a tick took 1.9 s). Nice -10 for this thread
 * only; SCHED_RESET_ON_FORK gives what it starts (the drivers' commands,
 * the workloads) nice 0 again. Without the privilege, it runs as it is. */
static void engine_priority(struct engine *e)
{
	struct sched_param sp = { .sched_priority = 0 };
	if (sched_setscheduler(0, SCHED_OTHER | SCHED_RESET_ON_FORK, &sp) < 0 ||
	    setpriority(PRIO_PROCESS, (id_t)gettid(), -10) < 0)
		elog(e, LOG_INFO, "engine: keeps its normal priority (%s): busy instances may delay its sampling",
		    strerror(errno));
}

static void *engine_main(void *arg)
{
	struct engine *e = arg;
	engine_priority(e);
	events_push(e->events, run_event(e, EV_RUN_START));
	uint64_t t0 = mono_ns();
	unsigned failed = 0;
	size_t i;
	int next_id = 1;
	for (i = 0; i < e->plan.nitems && !atomic_load(&e->cancel); i++) {
		const struct plan_item *p = &e->plan.items[i];
		if (p->scale_n && scale_stopped(e, p)) {
			json_t *rec = json_pack("{s:s, s:i, s:s, s:s, s:s, s:i, s:s}", "type", "group_skipped", "group",
			    (int)i + 1, "variant", p->variant, "runtime", p->at->name, "workload", p->wl->name,
			    "rep", (int)p->rep, "why", "a smaller N did not fit");
			journal_append(e->journal, rec, NULL);
			json_decref(rec);
			continue;
		}
		/* ETA: the mean time of the groups so far, or the planned duration. */
		double per = i ? (double)(mono_ns() - t0) / 1e9 / (double)i : e->exp.duration + 1;
		int fit = 1;
		failed += run_group(e, p, (int)i + 1, &next_id, i, per * (double)(e->plan.nitems - i), &fit);
		if (p->scale_n && !fit) {
			elog(e, LOG_INFO, "scale: %s with N=%u did not fit (an instance did not start); larger N skipped",
			    p->at->name, p->scale_n);
			e->stops = xreallocarray(e->stops, e->nstops + 1, sizeof *e->stops);
			e->stops[e->nstops++] = (struct scale_stop){ p->at, p->wl, p->scale_n };
		}
	}
	int cancelled = atomic_load(&e->cancel);
	json_t *rec = json_pack("{s:s, s:b, s:i}", "type", "run_end", "cancelled", cancelled,
	    "instances", (int)i);
	journal_append(e->journal, rec, NULL);
	json_decref(rec);
	char *cause = NULL;
	if (journal_sync(e->journal, &cause) < 0) {
		elog(e, LOG_ERROR, "journal: %s", cause);
		free(cause);
	}
	/* Whatever a driver failed to remove goes now; what even this cannot
	 * remove stays in the journal for `isolab cleanup`. */
	char **errs = NULL;
	resources_reap_all(e->res, &errs);
	for (char **s = errs; s && *s; s++) {
		elog(e, LOG_WARN, "cleanup: %s", *s);
		free(*s);
	}
	free(errs);
	resources_close(e->res, 1);
	e->res = NULL;
	struct engine_event *ev = run_event(e, EV_RUN_END);
	ev->cancelled = cancelled;
	ev->failed = failed;
	ev->done = i;
	atomic_store(&e->running, 0);
	events_push(e->events, ev);
	return NULL;
}

struct engine *engine_new(const struct config *cfg, struct executors *xs, const char *state_dir, char **cause)
{
	struct engine *e = xcalloc(1, sizeof *e);
	e->cfg = cfg;
	e->xs = xs;
	if (!e->xs) {
		e->xs = executors_new(cfg);
		e->own_xs = 1;
	}
	e->state_dir = xstrdup(state_dir ? state_dir : cfg->state_dir);
	pthread_mutex_init(&e->lock, NULL);
	e->events = events_new();
	e->cmd_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e->tick_fd = -1;
	e->sampler = sampler_new("/proc");
	if (!e->events || e->cmd_fd < 0 || !e->sampler) {
		err_errno(cause, "engine: cannot create its event fds");
		engine_free(e);
		return NULL;
	}
	/* Every start reaps what dead runs left behind (cgroups, netns...). */
	char **log = NULL;
	size_t nlog = 0;
	size_t failed = resources_reap_dead(driver_reaper, 0, &log, &nlog);
	for (size_t i = 0; i < nlog; i++) {
		elog(e, strstr(log[i], ": cannot reap ") ? LOG_WARN : LOG_INFO, "%s", log[i]);
		free(log[i]);
	}
	free(log);
	if (failed)
		elog(e, LOG_WARN, "%zu resources of dead runs could not be reaped; see 'isolab cleanup'", failed);
	return e;
}

/* The run's network: "auto" resolved (and the reason shown), or a run
 * refused when a runtime cannot have its network or a workload's load
 * generator on the host cannot reach it there (runtimes_plan_network). */
static int plan_network(struct engine *e, char **cause)
{
	size_t nrt = e->plan.nruntimes;
	const struct runtime_conf **rts = xcalloc(nrt + 1, sizeof *rts);
	const char **hosts = xcalloc(nrt + 1, sizeof *hosts);
	for (size_t t = 0; t < nrt; t++) {
		rts[t] = e->plan.runtimes[t].rt;
		hosts[t] = e->plan.runtimes[t].ex->host;
	}
	const char *net = NULL;
	char *why = NULL;
	int r = runtimes_plan_network(e->cfg, &e->exp, rts, hosts, nrt, &net, &why, cause);
	free(rts);
	free(hosts);
	if (r < 0)
		return -1;
	e->exp.network = (char *)net;
	if (why)
		elog(e, LOG_INFO, "%s", why);
	free(why);
	return 0;
}

int engine_start(struct engine *e, const struct experiment *exp, char **cause)
{
	if (e->started)
		return err_set(cause, "engine: an experiment is already running");
	e->exp = *exp;
	if (!e->exp.repetitions)
		e->exp.repetitions = 1;
	if (e->exp.duration <= 0)
		e->exp.duration = 10;
	if (e->exp.grace <= 0)
		e->exp.grace = 10;
	if (plan_build(&e->plan, e->cfg, e->xs, &e->exp, cause) < 0)
		return -1;
	if (plan_network(e, cause) < 0)
		return -1;
	e->probe = exec_probe_path();
	if (!e->probe)
		e->probe = xstrdup("isolab-probe");
	e->journal = journal_create(e->state_dir, NULL, cause);
	if (!e->journal)
		return -1;
	e->res = resources_open(journal_run_id(e->journal), driver_reaper, cause);
	if (!e->res)
		return err_wrap(cause, "resource journal");
	e->dirs = xasprintf("%s/instances", journal_dir(e->journal));
	e->ctx = (struct inst_ctx){ .journal = e->journal, .events = e->events, .sampler = e->sampler,
		.res = e->res, .run_id = journal_run_id(e->journal), .probe = e->probe, .dirs = e->dirs,
		.exp = &e->exp, .cancel = &e->cancel, .owner = e, .on_ready = on_ready };
	if (plan_write_env(&e->plan, e->cfg, &e->exp, e->probe, e->journal, cause) < 0)
		return -1;
	atomic_store(&e->running, 1);
	/* The engine thread must not take the front end's signals. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&e->thread, NULL, engine_main, e);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		atomic_store(&e->running, 0);
		errno = rc;
		return err_errno(cause, "engine: cannot start its thread");
	}
	e->started = 1;
	return 0;
}

void engine_note_frame(struct engine *e, double ms)
{
	pthread_mutex_lock(&e->lock);
	if (e->nframes < FRAMES_MAX)
		e->frames[e->nframes++] = ms;
	pthread_mutex_unlock(&e->lock);
}

void engine_cancel(struct engine *e)
{
	atomic_store(&e->cancel, 1);
	uint64_t one = 1;
	ssize_t w = write(e->cmd_fd, &one, sizeof one);
	(void)w;
}

void engine_join(struct engine *e)
{
	if (e->started) {
		pthread_join(e->thread, NULL);
		e->started = 0;
	}
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	if (e->started) {
		engine_cancel(e);
		engine_join(e);
	}
	events_free(e->events);
	if (e->journal)
		journal_close(e->journal, NULL);
	if (e->res) {
		resources_reap_all(e->res, NULL);
		resources_close(e->res, 1);
	}
	if (e->sampler)
		sampler_free(e->sampler);
	if (e->cmd_fd >= 0)
		close(e->cmd_fd);
	pthread_mutex_destroy(&e->lock);
	plan_free(&e->plan);
	free(e->stops);
	if (e->own_xs)
		executors_free(e->xs);
	free(e->dirs);
	free(e->probe);
	free(e->state_dir);
	free(e);
}

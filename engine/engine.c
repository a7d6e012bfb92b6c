/*
 * engine.c — the engine thread.
 *
 * The plan is a flat list of instances: for each repetition (warm-ups
 * first), each workload, each runtime. Interleaving runtimes inside a
 * repetition spreads slow drift of the machine (thermal, caches, other
 * tenants) over every runtime instead of loading it onto one.
 *
 * Instances run one after another, as in the studies, so that they do not
 * disturb each other. One instance's life is a single epoll loop over:
 *   - the workload's output pipe (and the companion's), split into lines,
 *     matched against the readiness and metric patterns;
 *   - pidfds of the workload's main process and of the companion, whose
 *     exit ends the instance;
 *   - a 1 Hz timerfd: sample the processes, write a "sample" record, flush
 *     the journal, publish an EV_SAMPLE;
 *   - the command eventfd, written by engine_cancel().
 * A deadline of duration + grace (from ready) kills an instance that runs
 * too long; it is recorded as timed out and the plan goes on. Any failure
 * of one instance is recorded with its cause and the plan goes on.
 *
 * Events go to the front end through a mutex-protected list plus an
 * eventfd that the front end polls: the UI never blocks on the engine.
 */
#include "config.h"
#include "engine.h"
#include "exec.h"
#include "executor.h"
#include "fingerprint.h"
#include "journal.h"
#include "metrics.h"
#include "plan.h"
#include "resources.h"
#include "runtime.h"
#include "subst.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PIDS 4096
#define OUTPUT_TAIL 512

struct event_node {
	struct engine_event *ev;
	struct event_node *next;
};

enum member_role { MEMBER_INSTANCE, MEMBER_TARGET, MEMBER_NEIGHBOUR };
static const char *const member_role_names[] = { "instance", "target", "neighbour" };

/* Frame times the front end reported in the current second. */
#define FRAMES_MAX 512

struct engine {
	const struct config *cfg;
	char *state_dir;
	struct experiment exp;       /* shallow copy; strings point into cfg */
	struct plan plan;
	struct journal *journal;
	struct sampler *sampler;
	struct resources *res;       /* the run's resource journal */
	char *probe;
	struct executors *xs;        /* where runtimes run; owned when own_xs */
	int own_xs;

	pthread_t thread;
	int started;
	atomic_int running;
	atomic_int cancel;
	int cmd_fd;                  /* eventfd: engine_cancel -> engine */
	int tick_fd;                 /* the running group's 1 Hz timerfd, or -1 */
	int tick_phased;             /* its phase already follows a ready line */

	pthread_mutex_t lock;
	struct event_node *head, *tail;
	int wake_fd;                 /* eventfd: engine -> front end */
	/* engine_note_frame, under lock: */
	double frames[FRAMES_MAX];
	size_t nframes;
	/* scale: the smallest N that did not fit, per runtime and workload */
	struct scale_stop { const struct plan_runtime *at; const struct workload *wl; unsigned n; } *stops;
	size_t nstops;
};

/* State of one running instance (a member of its group). */
struct running {
	struct engine *e;
	struct instance in;
	const struct plan_item *p;
	int idx;                     /* in its group */
	enum member_role role;
	const char *nclass;          /* neighbour class */
	const struct executor *ex;
	struct executor_caps caps;
	double duration;             /* its ${duration} */
	uint64_t deadline;           /* UINT64_MAX: none (neighbours are stopped by the group) */
	int prepared, launched, over, timed_out;
	int out_open, cout_open, cout_added;
	const char *status;          /* set when over */
	char *cause;                 /* why it did not succeed */
	unsigned ticks;
	double mem_at;               /* seconds after launch to measure RSS/PSS; 0: never */
	int mem_done, stop_after_mem, nth;
	double rss_kb, pss_kb;
	uint64_t pipe_wait_ns;       /* main exited, a grandchild holds the pipe: since when */
	struct metrics *metrics;
	struct linebuf lb, clb;
	int ready;
	double startup_ms;
	int pidfd, cpidfd;
	pid_t cpid;                  /* companion */
	int cout_fd;
	int main_done, comp_done;
	int main_status, comp_status;
	uint64_t comp_t0;            /* when the first companion started */
	uint64_t setup_ns;           /* time the setup phase took: off the deadline */
	/* Metric values matched since the last tick. */
	double *tick_sum;
	unsigned *tick_n;
	/* End values (summary patterns), NAN when not seen; the last one, or
	 * with several copies of the workload (in.copies), the mean of their
	 * end_n values. */
	double *end_val;
	unsigned *end_n;
	/* Sum and count of every interval value, for the end record when the
	 * workload has no summary pattern for a metric. */
	double *all_sum;
	unsigned *all_n;
	char tail[OUTPUT_TAIL];      /* last non-empty output line, for errors */
	char *error;
	uint64_t lines;
};

static void emit(struct engine *e, struct engine_event *ev)
{
	struct event_node *n = xmalloc(sizeof *n);
	n->ev = ev;
	n->next = NULL;
	pthread_mutex_lock(&e->lock);
	if (e->tail)
		e->tail->next = n;
	else
		e->head = n;
	e->tail = n;
	pthread_mutex_unlock(&e->lock);
	uint64_t one = 1;
	ssize_t w = write(e->wake_fd, &one, sizeof one);
	(void)w;
}

static struct engine_event *event_new(enum engine_event_type type)
{
	struct engine_event *ev = xcalloc(1, sizeof *ev);
	ev->type = type;
	ev->instance = -1;
	ev->startup_ms = -1;
	return ev;
}

static void __attribute__((format(printf, 3, 4)))
elog(struct engine *e, int level, const char *fmt, ...)
{
	struct engine_event *ev = event_new(EV_LOG);
	va_list ap;
	va_start(ap, fmt);
	ev->msg = xvasprintf(fmt, ap);
	va_end(ap);
	ev->level = level;
	if (e->journal && level >= LOG_WARN) {
		json_t *rec = json_pack("{s:s, s:i, s:s}", "type", "error", "inst", -1, "msg", ev->msg);
		journal_append(e->journal, rec, NULL);
		json_decref(rec);
	}
	emit(e, ev);
}

void engine_event_free(struct engine_event *ev)
{
	if (!ev)
		return;
	free(ev->metrics);
	free(ev->procs);
	free(ev->status);
	free(ev->error);
	free(ev->run_id);
	free(ev->run_dir);
	free(ev->msg);
	free(ev);
}

struct engine_event *engine_next_event(struct engine *e)
{
	pthread_mutex_lock(&e->lock);
	struct event_node *n = e->head;
	if (n) {
		e->head = n->next;
		if (!e->head)
			e->tail = NULL;
	} else {
		uint64_t v;
		ssize_t r = read(e->wake_fd, &v, sizeof v); /* drained: clear readiness */
		(void)r;
	}
	pthread_mutex_unlock(&e->lock);
	if (!n)
		return NULL;
	struct engine_event *ev = n->ev;
	free(n);
	return ev;
}

int engine_wakeup_fd(const struct engine *e) { return e->wake_fd; }
int engine_running(const struct engine *e) { return atomic_load(&e->running); }

/* ---- variables of one instance ---- */

struct vars {
	struct running *r;
	int server;          /* the server's side (files, prepare, argv): ${addr} is in.bind_addr when set */
	char buf[8][64];
};

static const char *var_lookup(const char *name, void *arg)
{
	struct vars *v = arg;
	struct running *r = v->r;
	const struct experiment *exp = &r->e->exp;
	if (!strcmp(name, "probe"))
		return r->e->probe;
	if (!strcmp(name, "duration")) {
		snprintf(v->buf[0], sizeof v->buf[0], "%.0f", ceil(r->duration > 0 ? r->duration : exp->duration));
		return v->buf[0];
	}
	if (!strcmp(name, "threads")) {
		snprintf(v->buf[1], sizeof v->buf[1], "%u", exp->threads ? exp->threads : 1);
		return v->buf[1];
	}
	if (!strcmp(name, "addr")) {
		if (v->server && r->in.bind_addr)
			return r->in.bind_addr;
		return r->in.addr ? r->in.addr : "127.0.0.1";
	}
	if (!strcmp(name, "port")) {
		snprintf(v->buf[2], sizeof v->buf[2], "%d", r->in.port);
		return v->buf[2];
	}
	if (!strcmp(name, "datadir") || !strcmp(name, "run_dir"))
		return r->in.dir;
	if (!strcmp(name, "instance")) {
		snprintf(v->buf[3], sizeof v->buf[3], "%d", r->in.id);
		return v->buf[3];
	}
	for (size_t i = 0; i < exp->nparams; i++)
		if (!strcmp(exp->params[i].key, name))
			return exp->params[i].value;
	const struct workload *wl = r->in.wl;
	for (size_t i = 0; i < wl->nparams; i++)
		if (!strcmp(wl->params[i].name, name))
			return wl->params[i].value;
	return NULL;
}

/* server: the instance's own side (argv, prepare) rather than the host's
 * (setup, companion); see struct vars. */
static char **inst_argv(struct running *r, char **tmpl, int server, char **cause)
{
	struct vars v = { .r = r, .server = server };
	return subst_argv(tmpl, var_lookup, &v, cause);
}

/* ---- output ---- */

static void on_metric_line(struct running *r, const char *line, size_t len)
{
	struct metric_value vals[32];
	size_t n = metrics_feed(r->metrics, line, len, vals, ARRAY_SIZE(vals));
	for (size_t i = 0; i < n; i++) {
		size_t k = vals[i].index;
		if (vals[i].def->summary) {
			if (r->in.copies > 1 && r->end_n[k]) {
				r->end_n[k]++;
				r->end_val[k] += (vals[i].value - r->end_val[k]) / r->end_n[k];
			} else {
				r->end_val[k] = vals[i].value;
				r->end_n[k] = 1;
			}
		} else {
			r->tick_sum[k] += vals[i].value;
			r->tick_n[k]++;
			r->all_sum[k] += vals[i].value;
			r->all_n[k]++;
		}
	}
}

static void mark_ready(struct running *r);

static void on_line(const char *line, size_t len, void *arg)
{
	struct running *r = arg;
	r->lines++;
	if (len) {
		size_t n = len < sizeof r->tail - 1 ? len : sizeof r->tail - 1;
		memcpy(r->tail, line, n);
		r->tail[n] = '\0';
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)r->tail[i] < 0x20)
				r->tail[i] = ' ';
	}
	if (!r->ready && metrics_ready(r->metrics, line, len))
		mark_ready(r);
	if (!r->in.wl->companion_metrics)
		on_metric_line(r, line, len);
}

static void on_companion_line(const char *line, size_t len, void *arg)
{
	struct running *r = arg;
	if (r->in.wl->companion_metrics)
		on_metric_line(r, line, len);
}

/* Reads what is available; returns 0 at EOF, 1 otherwise. */
static int drain(int fd, struct linebuf *lb, void (*cb)(const char *, size_t, void *), void *arg)
{
	char buf[16384];
	for (int rounds = 0; rounds < 64; rounds++) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n > 0) {
			linebuf_feed(lb, buf, (size_t)n, cb, arg);
			continue;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 1;
		return 0;
	}
	return 1;
}

static int start_companion(struct running *r, char **cause)
{
	char **argv = inst_argv(r, r->in.wl->companion, 0, cause);
	if (!argv)
		return -1;
	struct exec_opts o = { .cwd = r->in.dir };
	struct exec_child c;
	int rc = exec_spawn(argv, &o, &c, cause);
	argv_free(argv);
	if (rc < 0)
		return err_wrap(cause, "companion");
	r->cpid = c.pid;
	r->cout_fd = c.out_fd;
	r->cpidfd = c.pidfd;
	sampler_track(r->e->sampler, c.pid, r->in.id, ROLE_HELPER, NULL);
	return 0;
}

static int run_prepare_phase(struct running *r, char **tmpl, const char *what, int server, char **cause);

static void mark_ready(struct running *r)
{
	r->ready = 1;
	/* Workloads print one line a second counted from their own start. Ticks
	 * counted from launch would race those lines (some seconds with two,
	 * some with none), so the first ready line of a measured member sets
	 * the phase: ticks fall half-way between lines, 0.5 s of margin either
	 * side, and even a one-second workload is sampled while it runs. */
	if (r->e->tick_fd >= 0 && !r->e->tick_phased && r->role != MEMBER_NEIGHBOUR) {
		struct itimerspec its = { .it_value = { 0, 500000000 }, .it_interval = { 1, 0 } };
		timerfd_settime(r->e->tick_fd, 0, &its, NULL);
		r->e->tick_phased = 1;
	}
	/* The workload's duration counts from when it is ready, so a slow start
	 * (a VM booting under emulation) never eats into what is measured. */
	if (r->deadline != UINT64_MAX)
		r->deadline = mono_ns() + (uint64_t)((r->duration + r->e->exp.grace) * 1e9);
	r->startup_ms = (double)(mono_ns() - r->in.t_launch_ns) / 1e6;
	struct engine_event *ev = event_new(EV_READY);
	ev->instance = r->in.id;
	ev->runtime = r->p->at->name;
	ev->workload = r->in.wl->name;
	ev->startup_ms = r->startup_ms;
	emit(r->e, ev);
	struct pid_role pr[64];
	size_t np = r->ex->ops->pids(r->ex, &r->in, pr, ARRAY_SIZE(pr));
	fingerprint_ready(&r->in, r->p->at->name, pr, np, r->tail, r->e->journal);
	if (r->in.wl->setup) {
		/* Unmeasured work against the running server (loading tables):
		 * blocking is fine since nothing is measured yet, and its time is
		 * added to the deadline. */
		uint64_t t0 = mono_ns();
		char *cause = NULL;
		int rc = run_prepare_phase(r, r->in.wl->setup, "setup", 0, &cause);
		r->setup_ns = mono_ns() - t0;
		if (rc < 0) {
			if (!r->error)
				r->error = cause;
			else
				free(cause);
			return;
		}
	}
	if (r->in.wl->companion) {
		char *cause = NULL;
		r->comp_t0 = mono_ns();
		if (start_companion(r, &cause) < 0) {
			if (!r->error)
				r->error = cause;
			else
				free(cause);
		}
	}
}

/* ---- sampling ---- */

/* One process sample as a journal object (the pidstat fields). */
static json_t *proc_json(const struct proc_sample *p)
{
	return json_pack("{s:i, s:i, s:s, s:s, s:f, s:f, s:f, s:f, s:f, s:i, s:f, s:f, s:I, s:I, s:f,"
	    " s:f, s:f, s:f, s:I, s:f, s:f, s:i}",
	    "pid", (int)p->pid, "ppid", (int)p->ppid, "comm", p->comm, "role", role_name(p->role),
	    "usr", p->usr, "system", p->system, "guest", p->guest, "wait", p->wait, "cpu", p->cpu,
	    "cpu_num", p->cpu_num, "minflt_s", p->minflt_s, "majflt_s", p->majflt_s,
	    "vsz_kb", (json_int_t)p->vsz_kb, "rss_kb", (json_int_t)p->rss_kb, "mem_pct", p->mem_pct,
	    "kb_rd_s", p->kb_rd_s, "kb_wr_s", p->kb_wr_s, "kb_ccwr_s", p->kb_ccwr_s,
	    "iodelay", (json_int_t)p->iodelay, "cswch_s", p->cswch_s, "nvcswch_s", p->nvcswch_s,
	    "threads", (int)p->threads);
}

/* RSS and PSS in kB of every live process of instance id, summed, from
 * smaps_rollup: costly (the kernel walks the page tables), so read once
 * per instance at steady state, never every second. */
static void instance_memory(const struct proc_sample *ps, size_t nps, int id, double *rss_kb, double *pss_kb)
{
	*rss_kb = *pss_kb = 0;
	for (size_t i = 0; i < nps; i++) {
		if (ps[i].instance != id || ps[i].exited)
			continue;
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)ps[i].pid);
		char *text = read_file(path, NULL);
		if (!text) {
			*rss_kb += (double)ps[i].rss_kb; /* no smaps_rollup: RSS only */
			continue;
		}
		for (char *line = text; line && *line;) {
			unsigned long long kb;
			if (sscanf(line, "Rss: %llu kB", &kb) == 1)
				*rss_kb += (double)kb;
			else if (sscanf(line, "Pss: %llu kB", &kb) == 1)
				*pss_kb += (double)kb;
			line = strchr(line, '\n');
			if (line)
				line++;
		}
		free(text);
	}
}

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

/* One member's sample of this second; with final = 1, only the metric
 * values left over at its end (its processes and a driver's are gone). */
static void tick_member(struct running *r, const struct proc_sample *ps, size_t nps, int final)
{
	struct engine *e = r->e;
	char *cause = NULL;
	double t = ++r->ticks;
	if (!final && r->mem_at > 0 && !r->mem_done && r->ready &&
	    (double)(mono_ns() - r->in.t_launch_ns) / 1e9 >= r->mem_at) {
		instance_memory(ps, nps, r->in.id, &r->rss_kb, &r->pss_kb);
		r->mem_done = 1;
		json_t *rec = json_pack("{s:s, s:i, s:f, s:f, s:f}", "type", "memory", "inst", r->in.id,
		    "t", t, "rss_kb", r->rss_kb, "pss_kb", r->pss_kb);
		journal_append(e->journal, rec, NULL);
		json_decref(rec);
	}

	struct engine_event *ev = event_new(EV_SAMPLE);
	ev->instance = r->in.id;
	ev->runtime = r->p->at->name;
	ev->workload = r->in.wl->name;
	ev->variant = r->p->variant[0] ? r->p->variant : NULL;
	ev->role = member_role_names[r->role];
	ev->t = t;
	const struct workload *wl = r->in.wl;
	ev->metrics = xcalloc(wl->nmetrics ? wl->nmetrics : 1, sizeof *ev->metrics);
	json_t *mobj = json_object();
	for (size_t k = 0; k < wl->nmetrics; k++) {
		if (!r->tick_n[k])
			continue;
		double v = r->tick_sum[k] / r->tick_n[k];
		ev->metrics[ev->nmetrics++] = (struct event_metric){ .def = &wl->metrics[k], .value = v };
		json_object_set_new(mobj, wl->metrics[k].name, json_real(v));
		r->tick_sum[k] = 0;
		r->tick_n[k] = 0;
	}
	ev->procs = xcalloc(nps ? nps : 1, sizeof *ev->procs);
	json_t *procs = json_array();
	for (size_t i = 0; i < nps; i++) {
		const struct proc_sample *p = &ps[i];
		if (p->instance != r->in.id)
			continue;
		ev->procs[ev->nprocs++] = *p;
		json_array_append_new(procs, proc_json(p));
	}
	if (r->ex->ops->foreign_samples && !final) {
		struct proc_sample fs[256];
		size_t nf = r->ex->ops->foreign_samples(r->ex, &r->in, fs, ARRAY_SIZE(fs));
		ev->procs = xreallocarray(ev->procs, ev->nprocs + nf + 1, sizeof *ev->procs);
		for (size_t i = 0; i < nf; i++) {
			fs[i].instance = r->in.id;
			ev->procs[ev->nprocs++] = fs[i];
			json_array_append_new(procs, proc_json(&fs[i]));
		}
	}
	json_t *rec = json_pack("{s:s, s:i, s:f, s:o, s:o}", "type", "sample", "inst", r->in.id,
	    "t", t, "metrics", mobj, "procs", procs);
	if (journal_append(e->journal, rec, &cause) < 0) {
		elog(e, LOG_ERROR, "journal: %s", cause);
		free(cause);
	}
	json_decref(rec);
	emit(e, ev);
}

/* One second of a group: track every member's processes, sample them all
 * at once (one pass over /proc), then one record and event per member. */
static void tick(struct running *m, size_t n, double t)
{
	struct engine *e = m[0].e;
	for (size_t k = 0; k < n; k++) {
		struct running *r = &m[k];
		if (!r->launched || r->over)
			continue;
		struct pid_role pr[64];
		size_t np = r->ex->ops->pids(r->ex, &r->in, pr, ARRAY_SIZE(pr));
		for (size_t i = 0; i < np; i++)
			sampler_track(e->sampler, pr[i].pid, r->in.id, pr[i].role, NULL);
		sampler_track_children(e->sampler, r->in.id);
		fingerprint_tick(&r->in, r->p->at->name, pr, np, e->journal);
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
	for (size_t k = 0; k < n; k++)
		if (m[k].launched && !m[k].over)
			tick_member(&m[k], ps, nps, 0);
	ui_record(e, t);
	if (journal_flush(e->journal, &cause) < 0) {
		elog(e, LOG_ERROR, "journal: %s", cause);
		free(cause);
	}
}

/* ---- one instance ---- */

static int epoll_add(int ep, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

enum { TAG_OUT = 1, TAG_PIDFD, TAG_COUT, TAG_CPIDFD, TAG_TIMER, TAG_CMD };

static void reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

/* companion_repeat: whether the companion that just ended successfully
 * starts again (its slices cover the duration). */
static int companion_again(const struct running *r)
{
	if (!r->in.wl->companion_repeat || r->error || atomic_load(&r->e->cancel))
		return 0;
	if (!WIFEXITED(r->comp_status) || WEXITSTATUS(r->comp_status) != 0)
		return 0;
	return mono_ns() - r->comp_t0 < (uint64_t)(r->e->exp.duration * 1e9);
}

static void end_record(struct running *r, const char *status, const char *error)
{
	struct engine *e = r->e;
	const struct workload *wl = r->in.wl;
	struct engine_event *ev = event_new(EV_INSTANCE_END);
	ev->instance = r->in.id;
	ev->runtime = r->p->at->name;
	ev->workload = wl->name;
	ev->rep = r->p->rep;
	ev->warmup = r->p->warmup;
	ev->variant = r->p->variant[0] ? r->p->variant : NULL;
	ev->role = member_role_names[r->role];
	ev->status = xstrdup(status);
	ev->error = error ? xstrdup(error) : NULL;
	ev->startup_ms = r->ready ? r->startup_ms : -1;
	ev->metrics = xcalloc(wl->nmetrics ? wl->nmetrics : 1, sizeof *ev->metrics);
	json_t *m = json_object();
	/* A summary value wins; otherwise the mean of the interval values. */
	for (size_t k = 0; k < wl->nmetrics; k++) {
		const char *name = wl->metrics[k].name;
		double v = NAN;
		if (wl->metrics[k].summary && !isnan(r->end_val[k]))
			v = r->end_val[k];
		else if (!wl->metrics[k].summary && r->all_n[k] && !json_object_get(m, name)) {
			int has_summary = 0;
			for (size_t j = 0; j < wl->nmetrics; j++)
				if (wl->metrics[j].summary && !isnan(r->end_val[j]) && !strcmp(wl->metrics[j].name, name))
					has_summary = 1;
			if (!has_summary)
				v = r->all_sum[k] / r->all_n[k];
		}
		if (isnan(v))
			continue;
		json_object_set_new(m, name, json_real(v));
		ev->metrics[ev->nmetrics++] = (struct event_metric){ .def = &wl->metrics[k], .value = v };
	}
	/* Where the driver can tell create from start (OCI create, a VMM up),
	 * the start-up splits into create_ms and the rest. */
	json_t *created = r->in.t_created_ns > r->in.t_launch_ns
	    ? json_real((double)(r->in.t_created_ns - r->in.t_launch_ns) / 1e6) : json_null();
	json_t *rec = json_pack("{s:s, s:i, s:s, s:o, s:o, s:o, s:o, s:f}", "type", "end", "inst", r->in.id,
	    "status", status, "error", error ? json_string(error) : json_null(), "metrics", m,
	    "startup_ms", r->ready ? json_real(r->startup_ms) : json_null(), "create_ms", created,
	    "elapsed_s", (double)(mono_ns() - r->in.t_launch_ns) / 1e9);
	/* Scale and startup report start-up and memory as metrics of their own. */
	if (e->exp.kind == EXP_SCALE || e->exp.kind == EXP_STARTUP) {
		json_t *extra = json_object();
		if (r->ready && r->role != MEMBER_NEIGHBOUR)
			json_object_set_new(extra, "startup_ms", json_real(r->startup_ms));
		if (r->ready && r->in.t_created_ns > r->in.t_launch_ns)
			json_object_set_new(extra, "create_ms",
			    json_real((double)(r->in.t_created_ns - r->in.t_launch_ns) / 1e6));
		if (r->ready && r->nth)
			json_object_set_new(extra, "startup_nth_ms", json_real(r->startup_ms));
		if (!isnan(r->rss_kb))
			json_object_set_new(extra, "rss_kb", json_real(r->rss_kb));
		if (!isnan(r->pss_kb) && r->pss_kb > 0)
			json_object_set_new(extra, "pss_kb", json_real(r->pss_kb));
		json_object_set_new(rec, "extra", extra);
	}
	char *cause = NULL;
	if (journal_append(e->journal, rec, &cause) < 0 || journal_sync(e->journal, &cause) < 0) {
		elog(e, LOG_ERROR, "journal: %s", cause);
		free(cause);
	}
	json_decref(rec);
	emit(e, ev);
}

/* server: see inst_argv (prepare and cleanup act for the instance; setup
 * is the host talking to it). */
static int run_prepare_phase(struct running *r, char **tmpl, const char *what, int server, char **cause)
{
	if (!tmpl)
		return 0;
	char **argv = inst_argv(r, tmpl, server, cause);
	if (!argv)
		return err_wrap(cause, "%s", what);
	struct exec_opts o = { .cwd = r->in.dir };
	char *out = NULL;
	int status = 0;
	int rc = exec_run(argv, &o, 600000, &out, 4096, &status, cause);
	argv_free(argv);
	if (rc < 0) {
		free(out);
		return err_wrap(cause, "%s", what);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *st = exec_status_str(status);
		char *last = out ? strrchr(out, '\n') : NULL;
		if (last && last[1] == '\0') {
			*last = '\0';
			last = strrchr(out, '\n');
		}
		err_set(cause, "%s %s: %s", what, st, last ? last + 1 : (out ? out : ""));
		free(st);
		free(out);
		return -1;
	}
	free(out);
	return 0;
}

/* Writes the workload's files into the instance directory, references
 * substituted: generated server configurations, never the host's. */
static int write_files(struct running *r, char **cause)
{
	const struct workload *wl = r->in.wl;
	for (size_t i = 0; i < wl->nfiles; i++) {
		struct vars v = { .r = r, .server = 1 };
		_cleanup_free_ char *content = subst_vars(wl->files[i].value, var_lookup, &v, cause);
		if (!content)
			return err_wrap(cause, "file %s", wl->files[i].key);
		_cleanup_free_ char *path = xasprintf("%s/%s", r->in.dir, wl->files[i].key);
		if (write_file(path, content, 1) < 0)
			return err_errno(cause, "cannot write %s", path);
	}
	return 0;
}

/* runtime.h's instance.note: a driver's own record of the instance. */
static void instance_note(struct instance *in, json_t *rec)
{
	struct running *r = (struct running *)(void *)((char *)in - offsetof(struct running, in));
	json_object_set_new(rec, "inst", json_integer(in->id));
	const char *type = json_string_value(json_object_get(rec, "type"));
	const char *msg = json_string_value(json_object_get(rec, "msg"));
	if (type && !strcmp(type, "info") && msg)
		elog(r->e, LOG_INFO, "%s: %s", r->p->at->name, msg);
	journal_append(r->e->journal, rec, NULL);
	json_decref(rec);
}

/* A tag names a member (bits 8 and up) and which of its fds (the low byte). */
#define TAG(idx, kind) (((uint64_t)(idx) << 8) | (uint64_t)(kind))

/* An interference target that ran its time but did no work: its first
 * throughput metric ended at 0 and never rose above it. */
static int no_progress(const struct running *r, char **cause)
{
	const struct workload *wl = r->in.wl;
	for (size_t k = 0; k < wl->nmetrics; k++) {
		const struct metric_def *m = &wl->metrics[k];
		if (!m->kind || strcmp(m->kind, "throughput") || !m->higher_is_better)
			continue;
		double v = m->summary ? r->end_val[k] : r->all_n[k] ? r->all_sum[k] / r->all_n[k] : NAN;
		if (isnan(v))
			continue;
		if (v > 0)
			return 0;
		/* Summary 0: every interval must have been 0 as well. */
		for (size_t j = 0; j < wl->nmetrics; j++)
			if (!wl->metrics[j].summary && !strcmp(wl->metrics[j].name, m->name) && r->all_sum[j] > 0)
				return 0;
		err_set(cause, "made no progress beside its neighbours: its %s stayed at 0 %s", m->name, m->unit);
		return 1;
	}
	return 0;
}

/* The member's main process and output are done: decides its status as
 * one instance always has been judged. */
static void member_over(struct running *r, const char *why, int timed_out)
{
	if (r->over)
		return;
	r->over = 1;
	r->timed_out = timed_out;
	if (why) {
		r->status = timed_out ? "timeout" : !strcmp(why, "cancelled") ? "cancelled" : "failed";
		if (!r->cause)
			r->cause = xstrdup(why);
		return;
	}
	const struct workload *wl = r->in.wl;
	r->status = "failed";
	if (r->cause)
		return;
	if (!WIFEXITED(r->main_status) || WEXITSTATUS(r->main_status) != 0) {
		char *s = exec_status_str(r->main_status);
		err_set(&r->cause, "%s %s%s%s", wl->name, s, r->tail[0] ? ": " : "", r->tail);
		free(s);
	} else if (r->cpid && (!WIFEXITED(r->comp_status) || WEXITSTATUS(r->comp_status) != 0)) {
		char *s = exec_status_str(r->comp_status);
		err_set(&r->cause, "companion %s", s);
		free(s);
	} else {
		int any = 0;
		for (size_t k = 0; k < wl->nmetrics; k++)
			if (r->all_n[k] || !isnan(r->end_val[k]))
				any = 1;
		if (wl->nmetrics && !any)
			err_set(&r->cause, "no metric matched the output of %s (%llu lines; last: '%s')", wl->name,
			    (unsigned long long)r->lines, r->tail);
		else if (r->role == MEMBER_TARGET && no_progress(r, &r->cause))
			; /* starved: as good as not finished */
		else
			r->status = "ok";
	}
}

/* Unmeasured set-up of one member, up to its substituted argv; -1 with r->cause. */
static int member_prepare(struct running *r)
{
	struct engine *e = r->e;
	const struct plan_item *p = r->p;
	struct driver_status st;
	r->ex = p->at->ex;
	if (r->ex->ops->caps(r->ex, p->at->rt, &r->caps, &r->cause) < 0)
		return -1;
	r->ex->ops->probe(r->ex, p->at->rt, &st);
	if (!st.available) {
		err_set(&r->cause, "runtime %s is not available here: %s%s%s", p->at->name,
		    st.reason ? st.reason : "unknown reason", st.fix ? "; fix: " : "", st.fix ? st.fix : "");
		driver_status_free(&st);
		return -1;
	}
	driver_status_free(&st);
	unsigned unsupported = limits_requested(p->limits) & ~r->caps.limits;
	if ((unsupported & LIMIT_PIDS) && r->caps.own_kernel) {
		/* The guest's kernel holds every process of a VM: a fork bomb
		 * fills the guest's table, not the host's, so the pids limit an
		 * adversary needs has nothing to act on. Said, never silent. */
		unsupported &= ~(unsigned)LIMIT_PIDS;
		json_t *rec = json_pack("{s:s, s:i, s:s}", "type", "info", "inst", r->in.id, "msg",
		    "limits.pids does not apply: the VM's own kernel holds its processes");
		journal_append(e->journal, rec, NULL);
		json_decref(rec);
	}
	if (unsupported)
		return err_set(&r->cause, "runtime %s (driver %s) cannot honour the limit '%s'; remove it or pick another runtime",
		    p->at->name, p->at->rt->driver, limit_name(unsupported));
	char *dir = xasprintf("%s/instances/%d", journal_dir(e->journal), r->in.id);
	r->in.dir = dir;
	r->in.note = instance_note;
	r->in.port = 20000 + (r->in.id % 20000);
	if (mkdir_p(dir, 0755) < 0)
		return err_errno(&r->cause, "cannot create %s", dir);
	r->metrics = metrics_new(r->in.wl, &r->cause);
	if (!r->metrics)
		return -1;
	r->prepared = 1;
	if (r->ex->ops->prepare(r->ex, &r->in, &r->cause) < 0)
		return err_wrap(&r->cause, "%s: prepare", p->at->name);
	/* After the driver's prepare, which sets the address (${addr}). */
	if (write_files(r, &r->cause) < 0)
		return -1;
	if (run_prepare_phase(r, r->in.wl->prepare, "prepare", 1, &r->cause) < 0)
		return -1;
	r->in.argv = inst_argv(r, r->in.wl->argv, 1, &r->cause);
	if (!r->in.argv)
		return -1;
	if (r->in.wl->guest_files && !(r->in.guest_files = inst_argv(r, r->in.wl->guest_files, 1, &r->cause)))
		return err_wrap(&r->cause, "guest_files");
	if (r->ex->ops->stage && r->ex->ops->stage(r->ex, &r->in, &r->cause) < 0)
		return err_wrap(&r->cause, "%s: prepare", p->at->name);
	return 0;
}

static void member_watch(struct running *r, int ep)
{
	r->out_open = epoll_add(ep, r->in.out_fd, TAG(r->idx, TAG_OUT)) == 0;
	r->pidfd = exec_pidfd_open(r->in.main_pid);
	if (r->pidfd >= 0)
		epoll_add(ep, r->pidfd, TAG(r->idx, TAG_PIDFD));
}

/* Launches a prepared member and starts watching it; on failure it is over. */
static void member_launch(struct running *r, int ep)
{
	struct engine *e = r->e;
	r->in.t_launch_ns = mono_ns();
	if (r->ex->ops->launch(r->ex, &r->in, &r->cause) < 0) {
		err_wrap(&r->cause, "%s: launch", r->p->at->name);
		member_over(r, r->cause, 0);
		return;
	}
	r->launched = 1;
	/* Until the ready line, the deadline also allows the driver's start-up
	 * (a VM's boot); from it, mark_ready restarts the clock. */
	if (r->deadline != UINT64_MAX)
		r->deadline = r->in.t_launch_ns +
		    (uint64_t)((r->duration + e->exp.grace + r->caps.startup_allowance_s) * 1e9);
	struct pid_role pr[64];
	size_t np = r->ex->ops->pids(r->ex, &r->in, pr, ARRAY_SIZE(pr));
	for (size_t i = 0; i < np; i++)
		sampler_track(e->sampler, pr[i].pid, r->in.id, pr[i].role, NULL);
	member_watch(r, ep);
	if (!r->in.wl->ready)
		mark_ready(r);
}

/* Checks whether a launched member has come to its end. */
static void member_check(struct running *r, uint64_t now)
{
	if (!r->launched || r->over)
		return;
	int main_over = r->main_done && !r->out_open;
	int comp_over = r->cpid ? r->comp_done && !r->cout_open : 0;
	if (r->in.wl->companion ? (comp_over || (main_over && !r->cpid)) : main_over)
		member_over(r, NULL, 0);
	else if (r->in.wl->companion && main_over && r->cpid && !comp_over)
		/* The server died under its load generator: nothing more to measure. */
		member_over(r, "the workload exited while its companion was still running", 0);
	else if (r->error)
		member_over(r, r->error, 0);
	else if (r->stop_after_mem && r->mem_done) {
		/* An idle instance, measured: its work is done. */
		r->over = 1;
		r->status = "ok";
	} else if (r->deadline != UINT64_MAX && now >= r->deadline + r->setup_ns) {
		member_over(r, r->ready ? "ran past its duration plus grace" : "never became ready", 1);
		/* Its neighbours go on: stop it now rather than at the group's end. */
		r->ex->ops->stop(r->ex, &r->in, 1, NULL);
	}
}

static int primary(const struct running *r)
{
	return r->role != MEMBER_NEIGHBOUR;
}

/* Runs a group's loop until every primary member (the target, or every
 * instance) is over. The target of an interference group is launched once
 * its neighbours are ready (at most duration + grace after them), so it
 * meets them at full strength. */
static void group_loop(struct running *m, size_t n, int pending)
{
	struct engine *e = m[0].e;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (ep < 0 || tfd < 0) {
		if (ep >= 0)
			close(ep);
		if (tfd >= 0)
			close(tfd);
		for (size_t k = 0; k < n; k++)
			member_over(&m[k], "epoll/timerfd unavailable", 0);
		return;
	}
	struct itimerspec its = { .it_value = { 1, 0 }, .it_interval = { 1, 0 } };
	timerfd_settime(tfd, 0, &its, NULL);
	epoll_add(ep, tfd, TAG(0, TAG_TIMER));
	e->tick_fd = tfd;
	e->tick_phased = 0;
	epoll_add(ep, e->cmd_fd, TAG(0, TAG_CMD));
	/* Neighbours get as long to become ready as an instance gets to end
	 * (a VM booting under emulation takes many seconds). */
	uint64_t pending_at = mono_ns() + (uint64_t)((e->exp.duration + e->exp.grace) * 1e9);
	unsigned ticks = 0;
	/* Members are launched here, not before: their pipes are read from the start. */
	for (size_t k = 0; k < n; k++)
		if ((int)k != pending && m[k].prepared && !m[k].over && !atomic_load(&e->cancel))
			member_launch(&m[k], ep);

	for (;;) {
		uint64_t now = mono_ns();
		if (pending >= 0) {
			int ready = 1;
			for (size_t k = 0; k < n; k++)
				if ((int)k != pending && m[k].launched && !m[k].over && !m[k].ready)
					ready = 0;
			if (ready || now >= pending_at || atomic_load(&e->cancel)) {
				/* A neighbour that died before the target started leaves
				 * nothing to measure the target against. */
				for (size_t k = 0; k < n && !m[pending].over; k++)
					if ((int)k != pending && m[k].over && strcmp(m[k].status, "ok")) {
						err_set(&m[pending].cause, "neighbour %s could not start: %s", m[k].in.wl->name,
						    m[k].cause ? m[k].cause : m[k].status);
						member_over(&m[pending], m[pending].cause, 0);
					}
				if (!atomic_load(&e->cancel) && !m[pending].over)
					member_launch(&m[pending], ep);
				pending = -1;
			}
		}
		for (size_t k = 0; k < n; k++) {
			struct running *r = &m[k];
			if (r->launched && r->cpid && !r->cout_added) {
				if (r->cout_fd >= 0 && epoll_add(ep, r->cout_fd, TAG(k, TAG_COUT)) == 0)
					r->cout_open = 1;
				if (r->cpidfd >= 0)
					epoll_add(ep, r->cpidfd, TAG(k, TAG_CPIDFD));
				r->cout_added = 1;
			}
			member_check(r, now);
		}
		if (atomic_load(&e->cancel)) {
			for (size_t k = 0; k < n; k++)
				member_over(&m[k], "cancelled", 0);
			break;
		}
		int left = pending >= 0;
		uint64_t next = UINT64_MAX;
		for (size_t k = 0; k < n; k++) {
			if (m[k].over || !m[k].launched)
				continue;
			left += primary(&m[k]);
			if (m[k].deadline < next)
				next = m[k].deadline;
		}
		if (!left)
			break;
		int wait_ms = next == UINT64_MAX ? 1000 : (int)((next - now) / 1000000u) + 1;
		if (wait_ms > 1000)
			wait_ms = 1000;
		for (size_t k = 0; k < n; k++)
			if (m[k].launched && !m[k].over && m[k].pidfd < 0 && !m[k].main_done)
				wait_ms = wait_ms > 100 ? 100 : wait_ms; /* no pidfd: poll waitpid */
		if (pending >= 0)
			wait_ms = wait_ms > 50 ? 50 : wait_ms;
		struct epoll_event evs[16];
		int nev = epoll_wait(ep, evs, 16, wait_ms);
		if (nev < 0 && errno != EINTR) {
			for (size_t k = 0; k < n; k++)
				member_over(&m[k], "epoll_wait failed", 0);
			break;
		}
		for (size_t k = 0; k < n; k++) {
			struct running *r = &m[k];
			if (r->launched && r->pidfd < 0 && !r->main_done &&
			    waitpid(r->in.main_pid, &r->main_status, WNOHANG) == r->in.main_pid)
				r->main_done = 1;
		}
		for (int i = 0; i < nev; i++) {
			uint64_t tag = evs[i].data.u64;
			struct running *r = &m[tag >> 8];
			switch (tag & 0xff) {
			case TAG_OUT:
				if (!drain(r->in.out_fd, &r->lb, on_line, r)) {
					linebuf_flush(&r->lb, on_line, r);
					epoll_ctl(ep, EPOLL_CTL_DEL, r->in.out_fd, NULL);
					r->out_open = 0;
				}
				break;
			case TAG_COUT:
				if (!drain(r->cout_fd, &r->clb, on_companion_line, r)) {
					linebuf_flush(&r->clb, on_companion_line, r);
					epoll_ctl(ep, EPOLL_CTL_DEL, r->cout_fd, NULL);
					r->cout_open = 0;
				}
				break;
			case TAG_PIDFD:
				epoll_ctl(ep, EPOLL_CTL_DEL, r->pidfd, NULL);
				reap(r->in.main_pid, &r->main_status);
				r->main_done = 1;
				break;
			case TAG_CPIDFD:
				epoll_ctl(ep, EPOLL_CTL_DEL, r->cpidfd, NULL);
				reap(r->cpid, &r->comp_status);
				if (companion_again(r)) {
					/* The next slice: its output joins the same line buffer. */
					char *cause = NULL;
					if (r->cout_open) {
						drain(r->cout_fd, &r->clb, on_companion_line, r);
						epoll_ctl(ep, EPOLL_CTL_DEL, r->cout_fd, NULL);
					}
					close(r->cout_fd);
					close(r->cpidfd);
					r->cout_fd = r->cpidfd = -1;
					r->cout_open = 0;
					sampler_untrack(e->sampler, r->cpid);
					if (start_companion(r, &cause) < 0) {
						r->comp_done = 1;
						if (!r->error)
							r->error = cause;
						else
							free(cause);
					} else {
						r->cout_added = 0;
					}
				} else {
					r->comp_done = 1;
				}
				break;
			case TAG_TIMER: {
				uint64_t exp_count;
				if (read(tfd, &exp_count, sizeof exp_count) > 0)
					tick(m, n, ++ticks);
				break;
			}
			case TAG_CMD:
				break; /* the cancel flag is checked at the top */
			}
		}
		/* A main process that exited but left a grandchild holding the pipe:
		 * give the pipe a moment, then stop waiting for it. */
		for (size_t k = 0; k < n; k++) {
			struct running *r = &m[k];
			if (r->launched && r->main_done && r->out_open && !r->in.wl->companion) {
				drain(r->in.out_fd, &r->lb, on_line, r);
				if (!r->pipe_wait_ns)
					r->pipe_wait_ns = mono_ns();
				else if (mono_ns() > r->pipe_wait_ns + 200000000u) {
					linebuf_flush(&r->lb, on_line, r);
					epoll_ctl(ep, EPOLL_CTL_DEL, r->in.out_fd, NULL);
					r->out_open = 0;
				}
			}
		}
	}
	/* Frames drawn since the last second still count. */
	ui_record(e, ticks + 0.5);
	/* Whatever is still buffered in the pipes belongs to its member, and
	 * values that came after the last tick (a workload's last second) make
	 * one more sample, without processes: they are gone. */
	for (size_t k = 0; k < n; k++) {
		struct running *r = &m[k];
		if (r->out_open) {
			drain(r->in.out_fd, &r->lb, on_line, r);
			linebuf_flush(&r->lb, on_line, r);
			r->out_open = 0;
		}
		if (r->cout_open) {
			drain(r->cout_fd, &r->clb, on_companion_line, r);
			linebuf_flush(&r->clb, on_companion_line, r);
			r->cout_open = 0;
		}
		int leftover = 0;
		for (size_t j = 0; r->launched && j < r->in.wl->nmetrics; j++)
			leftover |= r->tick_n[j] != 0;
		if (leftover)
			tick_member(r, NULL, 0, 1);
	}
	e->tick_fd = -1;
	close(tfd);
	close(ep);
}

static void member_init(struct running *r, struct engine *e, const struct plan_item *p, int idx, int id,
    const struct workload *wl, enum member_role role)
{
	*r = (struct running){ .e = e, .p = p, .idx = idx, .role = role, .pidfd = -1, .cpidfd = -1,
		.cout_fd = -1, .duration = e->exp.duration, .rss_kb = NAN, .pss_kb = NAN };
	r->in.id = id;
	r->in.run_id = journal_run_id(e->journal);
	r->in.rt = p->at->rt;
	r->in.wl = wl;
	r->in.limits = p->limits;
	r->in.network = e->exp.network ? e->exp.network : "none";
	r->in.probe = e->probe;
	r->in.res = e->res;
	r->in.threads = e->exp.threads;
	r->in.out_fd = -1;
	size_t nm = wl->nmetrics ? wl->nmetrics : 1;
	r->tick_sum = xcalloc(nm, sizeof *r->tick_sum);
	r->tick_n = xcalloc(nm, sizeof *r->tick_n);
	r->all_sum = xcalloc(nm, sizeof *r->all_sum);
	r->all_n = xcalloc(nm, sizeof *r->all_n);
	r->end_val = xcalloc(nm, sizeof *r->end_val);
	r->end_n = xcalloc(nm, sizeof *r->end_n);
	for (size_t k = 0; k < nm; k++)
		r->end_val[k] = NAN;
	linebuf_init(&r->lb);
	linebuf_init(&r->clb);
}

static void member_announce(struct running *r, size_t done, double eta_s, int group)
{
	struct engine *e = r->e;
	const struct plan_item *p = r->p;
	struct engine_event *ev = event_new(EV_INSTANCE_START);
	ev->instance = r->in.id;
	ev->runtime = p->at->name;
	ev->workload = r->in.wl->name;
	ev->variant = p->variant[0] ? p->variant : NULL;
	ev->role = member_role_names[r->role];
	ev->group = group;
	ev->rep = p->rep;
	ev->warmup = p->warmup;
	ev->done = done;
	ev->total = e->plan.nitems;
	ev->eta_s = eta_s;
	emit(e, ev);
	json_t *rec = json_pack("{s:s, s:i, s:s, s:s, s:s, s:i, s:b, s:s}", "type", "instance", "id", r->in.id,
	    "runtime", p->at->rt->name, "driver", p->at->rt->driver, "workload", r->in.wl->name,
	    "rep", (int)p->rep, "warmup", p->warmup, "host", p->at->ex->host);
	/* Only groups say more than "one instance": benchmark journals stay as they were. */
	if (e->exp.kind != EXP_BENCHMARK) {
		json_object_set_new(rec, "group", json_integer(group));
		json_object_set_new(rec, "role", json_string(member_role_names[r->role]));
		if (p->variant[0])
			json_object_set_new(rec, "variant", json_string(p->variant));
		if (r->nclass)
			json_object_set_new(rec, "class", json_string(r->nclass));
	}
	journal_append(e->journal, rec, NULL);
	json_decref(rec);
}

/* Stops, cleans up and records the end of every member of a group: polite
 * stops first for all, one shared grace, then force, so a group of 64 waits
 * half a second, not 64 halves. */
static void group_end(struct running *m, size_t n)
{
	struct engine *e = m[0].e;
	for (size_t k = 0; k < n; k++) {
		struct running *r = &m[k];
		if (r->cpid) {
			kill(-r->cpid, SIGKILL);
			if (!r->comp_done)
				reap(r->cpid, &r->comp_status);
			r->comp_done = 1;
		}
		if (r->launched && !r->main_done)
			r->ex->ops->stop(r->ex, &r->in, 0, NULL);
	}
	for (int i = 0; i < 20; i++) {
		int alive = 0;
		for (size_t k = 0; k < n; k++) {
			struct running *r = &m[k];
			if (r->launched && !r->main_done) {
				if (waitpid(r->in.main_pid, &r->main_status, WNOHANG) == 0)
					alive = 1;
				else
					r->main_done = 1;
			}
		}
		if (!alive)
			break;
		usleep(25000);
	}
	for (size_t k = 0; k < n; k++) {
		struct running *r = &m[k];
		if (r->launched) {
			char *c2 = NULL;
			if (!r->main_done) {
				r->ex->ops->stop(r->ex, &r->in, 1, NULL);
				waitpid(r->in.main_pid, &r->main_status, WNOHANG);
			}
			if (r->ex->ops->cleanup(r->ex, &r->in, &c2) < 0) {
				elog(e, LOG_WARN, "%s: cleanup: %s", r->p->at->name, c2);
				free(c2);
			}
		} else if (r->prepared && r->ex) {
			r->ex->ops->cleanup(r->ex, &r->in, NULL);
		}
		if (r->prepared && r->in.wl->cleanup) {
			char *c3 = NULL;
			if (run_prepare_phase(r, r->in.wl->cleanup, "cleanup", 1, &c3) < 0) {
				elog(e, LOG_WARN, "%s/%s: %s", r->p->at->name, r->in.wl->name, c3);
				free(c3);
			}
		}
	}
	/* Reap anything the drivers left as our children. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	for (size_t k = 0; k < n; k++) {
		struct running *r = &m[k];
		sampler_untrack_instance(e->sampler, r->in.id);
		if (!r->over && r->role == MEMBER_NEIGHBOUR && r->launched) {
			/* Stopped because its target ended: that is its normal end. */
			r->over = 1;
			r->status = "ok";
		}
		member_over(r, r->cause ? r->cause : atomic_load(&e->cancel) ? "cancelled" : "not launched", 0);
		end_record(r, r->status, strcmp(r->status, "ok") ? r->cause : NULL);
	}
}

static void member_free(struct running *r)
{
	free(r->cause);
	free(r->error);
	if (r->in.out_fd >= 0)
		close(r->in.out_fd);
	if (r->cout_fd >= 0)
		close(r->cout_fd);
	if (r->pidfd >= 0)
		close(r->pidfd);
	if (r->cpidfd >= 0)
		close(r->cpidfd);
	linebuf_free(&r->lb);
	linebuf_free(&r->clb);
	metrics_free(r->metrics);
	argv_free(r->in.argv);
	argv_free(r->in.guest_files);
	free(r->in.addr);
	free((char *)r->in.dir);
	free(r->tick_sum);
	free(r->tick_n);
	free(r->all_sum);
	free(r->all_n);
	free(r->end_val);
	free(r->end_n);
}

/* Runs one plan item (a group) to the end records of its members. *next_id
 * is the first instance id to use and is advanced. Returns how many primary
 * members did not succeed; *fit is 0 when a member failed to start. */
static unsigned run_group(struct engine *e, const struct plan_item *p, int group, int *next_id, size_t done,
    double eta_s, int *fit)
{
	const struct experiment *x = &e->exp;
	size_t nnb = 0;
	if (p->with_neighbours)
		for (size_t i = 0; i < x->nneighbours; i++)
			nnb += x->neighbours[i].count;
	size_t n = (p->count ? p->count : 1) + nnb;
	struct running *m = xcalloc(n, sizeof *m);
	int scale = x->kind == EXP_SCALE;
	size_t k = 0;
	for (; k < (p->count ? p->count : 1); k++) {
		member_init(&m[k], e, p, (int)k, (*next_id)++, p->wl, nnb ? MEMBER_TARGET : MEMBER_INSTANCE);
		if (scale)
			m[k].mem_at = x->duration / 2 > 1 ? x->duration / 2 : 1;
		if (p->footprint) {
			m[k].mem_at = 1;
			m[k].stop_after_mem = 1;
		}
	}
	m[k - 1].nth = scale;
	for (size_t i = 0; p->with_neighbours && i < x->nneighbours; i++) {
		const struct workload *wl = config_workload(e->cfg, x->neighbours[i].workload);
		for (unsigned c = 0; c < x->neighbours[i].count; c++, k++) {
			member_init(&m[k], e, p, (int)k, (*next_id)++, wl, MEMBER_NEIGHBOUR);
			m[k].nclass = x->neighbours[i].nclass;
			/* Outlives its target; the group stops it when the target ends. */
			m[k].duration = 2 * x->duration + x->grace + 10;
			m[k].deadline = UINT64_MAX;
		}
	}
	for (k = 0; k < n; k++)
		member_announce(&m[k], done, eta_s, group);

	int failed_setup = 0;
	for (k = 0; k < n && !atomic_load(&e->cancel); k++)
		if (member_prepare(&m[k]) < 0) {
			member_over(&m[k], m[k].cause, 0);
			failed_setup = 1;
		}
	if (nnb && failed_setup && !m[0].over) {
		/* A target without its neighbours would measure nothing of interest. */
		for (k = 1; k < n; k++)
			if (m[k].over && m[k].cause) {
				err_set(&m[0].cause, "neighbour %s could not start: %s", m[k].in.wl->name, m[k].cause);
				break;
			}
		member_over(&m[0], m[0].cause, 0);
	}
	/* Neighbours of a target that cannot run would disturb nobody. */
	if (!atomic_load(&e->cancel) && !(nnb && m[0].over))
		group_loop(m, n, nnb ? 0 : -1);
	group_end(m, n);

	unsigned failed = 0, ok = 0;
	*fit = 1;
	json_t *ids = json_array();
	for (k = 0; k < n; k++) {
		json_array_append_new(ids, json_integer(m[k].in.id));
		if (!primary(&m[k]))
			continue;
		if (strcmp(m[k].status, "ok"))
			failed++;
		else
			ok++;
		if (!m[k].ready)
			*fit = 0;
	}
	if (x->kind != EXP_BENCHMARK) {
		json_t *rec = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:i, s:b, s:i, s:i, s:i, s:o}", "type", "group",
		    "group", group, "kind", experiment_kind_name(x->kind), "variant", p->variant, "runtime", p->at->name, "workload",
		    p->wl->name, "rep", (int)p->rep, "warmup", p->warmup, "n", (int)(n - nnb), "ok", (int)ok,
		    "failed", (int)failed, "members", ids);
		journal_append(e->journal, rec, NULL);
		json_decref(rec);
	} else {
		json_decref(ids);
	}
	for (k = 0; k < n; k++)
		member_free(&m[k]);
	free(m);
	return failed;
}

/* ---- the run ---- */

static json_t *experiment_json(const struct experiment *x)
{
	json_t *rts = json_array(), *wls = json_array(), *params = json_object();
	for (char **s = x->runtimes; s && *s; s++)
		json_array_append_new(rts, json_string(*s));
	for (char **s = x->workloads; s && *s; s++)
		json_array_append_new(wls, json_string(*s));
	for (size_t i = 0; i < x->nparams; i++)
		json_object_set_new(params, x->params[i].key, json_string(x->params[i].value));
	const struct limits *l = &x->limits;
	return json_pack("{s:s?, s:s?, s:o, s:o, s:i, s:f, s:i, s:f, s:i, s:s?, s:s?, s:o,"
	    " s:{s:f, s:s?, s:i, s:I, s:I, s:i}}",
	    "name", x->name, "kind", experiment_kind_name(x->kind), "runtimes", rts, "workloads", wls,
	    "repetitions", (int)x->repetitions, "duration", x->duration, "warmup", (int)x->warmup,
	    "grace", x->grace, "threads", (int)x->threads, "baseline", x->baseline, "network", x->network,
	    "params", params, "limits", "cpus", l->cpus, "cpuset", l->cpuset, "weight", (int)l->weight,
	    "memory", (json_int_t)l->mem_hard, "memory_soft", (json_int_t)l->mem_soft, "pids", (int)l->pids);
}

static int scale_stopped(const struct engine *e, const struct plan_item *p)
{
	for (size_t i = 0; i < e->nstops; i++)
		if (e->stops[i].at == p->at && e->stops[i].wl == p->wl && p->scale_n > e->stops[i].n)
			return 1;
	return 0;
}

static void *engine_main(void *arg)
{
	struct engine *e = arg;
	struct engine_event *ev = event_new(EV_RUN_START);
	ev->run_id = xstrdup(journal_run_id(e->journal));
	ev->run_dir = xstrdup(journal_dir(e->journal));
	ev->total = e->plan.nitems;
	emit(e, ev);

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
	ev = event_new(EV_RUN_END);
	ev->run_id = xstrdup(journal_run_id(e->journal));
	ev->run_dir = xstrdup(journal_dir(e->journal));
	ev->cancelled = cancelled;
	ev->failed = failed;
	ev->done = i;
	ev->total = e->plan.nitems;
	atomic_store(&e->running, 0);
	emit(e, ev);
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
	e->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e->cmd_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e->tick_fd = -1;
	e->sampler = sampler_new("/proc");
	if (e->wake_fd < 0 || e->cmd_fd < 0 || !e->sampler) {
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
	e->probe = exec_probe_path();
	if (!e->probe)
		e->probe = xstrdup("isolab-probe");
	e->journal = journal_create(e->state_dir, NULL, cause);
	if (!e->journal)
		return -1;
	e->res = resources_open(journal_run_id(e->journal), driver_reaper, cause);
	if (!e->res)
		return err_wrap(cause, "resource journal");
	json_t *env = journal_env_record();
	json_object_set_new(env, "experiment", experiment_json(&e->exp));
	json_t *versions = json_object();
	for (size_t t = 0; t < e->plan.nruntimes; t++) {
		const struct plan_runtime *pl = &e->plan.runtimes[t];
		struct driver_status st = { 0 };
		pl->ex->ops->probe(pl->ex, pl->rt, &st);
		json_object_set_new(versions, pl->name, json_pack("{s:s, s:s, s:b, s:s?, s:s?}", "driver",
		    pl->rt->driver, "host", pl->ex->host, "available", st.available, "version", st.version, "reason",
		    st.reason));
		driver_status_free(&st);
	}
	json_object_set_new(env, "runtimes", versions);
	json_object_set_new(env, "probe", json_string(e->probe));
	if (journal_write_env(e->journal, env, cause) < 0) {
		json_decref(env);
		return -1;
	}
	json_decref(env);
	for (char **w = e->exp.workloads; *w; w++) {
		const struct workload *wl = config_workload(e->cfg, *w);
		for (size_t k = 0; k < wl->nmetrics; k++) {
			const struct metric_def *m = &wl->metrics[k];
			json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:b, s:b}", "type", "metric_def",
			    "workload", wl->name, "name", m->name, "unit", m->unit, "kind", m->kind,
			    "higher_is_better", m->higher_is_better, "summary", m->summary);
			journal_append(e->journal, rec, NULL);
			json_decref(rec);
		}
	}
	if (journal_flush(e->journal, cause) < 0)
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
	struct engine_event *ev;
	while (e->wake_fd >= 0 && (ev = engine_next_event(e)))
		engine_event_free(ev);
	if (e->journal)
		journal_close(e->journal, NULL);
	if (e->res) {
		resources_reap_all(e->res, NULL);
		resources_close(e->res, 1);
	}
	if (e->sampler)
		sampler_free(e->sampler);
	if (e->wake_fd >= 0)
		close(e->wake_fd);
	if (e->cmd_fd >= 0)
		close(e->cmd_fd);
	pthread_mutex_destroy(&e->lock);
	plan_free(&e->plan);
	free(e->stops);
	if (e->own_xs)
		executors_free(e->xs);
	free(e->probe);
	free(e->state_dir);
	free(e);
}

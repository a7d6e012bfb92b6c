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
 * A deadline of duration + grace (from launch) kills an instance that runs
 * too long; it is recorded as timed out and the plan goes on. Any failure
 * of one instance is recorded with its cause and the plan goes on.
 *
 * Events go to the front end through a mutex-protected list plus an
 * eventfd that the front end polls: the UI never blocks on the engine.
 */
#include "config.h"
#include "engine.h"
#include "exec.h"
#include "fingerprint.h"
#include "journal.h"
#include "metrics.h"
#include "remote.h"
#include "resources.h"
#include "runtime.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
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

struct planned {
	const struct runtime_conf *rt;
	const struct workload *wl;
	unsigned rep;
	int warmup;
};

struct engine {
	const struct config *cfg;
	char *state_dir;
	struct experiment exp;       /* shallow copy; strings point into cfg */
	struct planned *plan;
	size_t nplan;
	struct journal *journal;
	struct sampler *sampler;
	struct resources *res;       /* the run's resource journal */
	char *probe;
	struct runtime_conf **remote_rts; /* RUNTIME@HOST runtimes made for this run */
	size_t nremote_rts;

	pthread_t thread;
	int started;
	atomic_int running;
	atomic_int cancel;
	int cmd_fd;                  /* eventfd: engine_cancel -> engine */

	pthread_mutex_t lock;
	struct event_node *head, *tail;
	int wake_fd;                 /* eventfd: engine -> front end */
};

/* State of the instance being run. */
struct running {
	struct engine *e;
	struct instance in;
	const struct planned *p;
	struct metrics *metrics;
	struct linebuf lb, clb;
	int ready;
	double startup_ms;
	int pidfd, cpidfd;
	pid_t cpid;                  /* companion */
	int cout_fd;
	int main_done, comp_done;
	int main_status, comp_status;
	/* Metric values matched since the last tick. */
	double *tick_sum;
	unsigned *tick_n;
	/* End values (summary patterns), NAN when not seen. */
	double *end_val;
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

char *engine_probe_path(void)
{
	const char *env = getenv("ISOLAB_PROBE");
	if (env && *env)
		return access(env, X_OK) == 0 ? xstrdup(env) : NULL;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			char *cand = xasprintf("%s/isolab-probe", self);
			if (access(cand, X_OK) == 0)
				return cand;
			free(cand);
		}
	}
	return exec_which("isolab-probe");
}

char *subst_vars(const char *tmpl, const char *(*lookup)(const char *, void *), void *arg, char **cause)
{
	size_t cap = strlen(tmpl) + 64, len = 0;
	char *out = xmalloc(cap);
	for (const char *s = tmpl; *s;) {
		const char *val = NULL;
		size_t vlen = 0, skip = 1;
		if (s[0] == '$' && s[1] == '{') {
			const char *end = strchr(s + 2, '}');
			if (!end) {
				free(out);
				err_set(cause, "unterminated ${ in '%s'", tmpl);
				return NULL;
			}
			char *name = xstrndup(s + 2, (size_t)(end - s - 2));
			val = lookup(name, arg);
			if (!val) {
				err_set(cause, "unknown parameter ${%s} in '%s'", name, tmpl);
				free(name);
				free(out);
				return NULL;
			}
			free(name);
			vlen = strlen(val);
			skip = (size_t)(end - s) + 1;
		} else {
			val = s;
			vlen = 1;
		}
		if (len + vlen + 1 > cap)
			out = xrealloc(out, cap = (len + vlen + 1) * 2);
		memcpy(out + len, val, vlen);
		len += vlen;
		s += skip;
	}
	out[len] = '\0';
	return out;
}

/* ---- variables of one instance ---- */

struct vars {
	struct running *r;
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
		snprintf(v->buf[0], sizeof v->buf[0], "%.0f", ceil(exp->duration));
		return v->buf[0];
	}
	if (!strcmp(name, "threads")) {
		snprintf(v->buf[1], sizeof v->buf[1], "%u", exp->threads ? exp->threads : 1);
		return v->buf[1];
	}
	if (!strcmp(name, "addr"))
		return r->in.addr ? r->in.addr : "127.0.0.1";
	if (!strcmp(name, "port")) {
		snprintf(v->buf[2], sizeof v->buf[2], "%d", 20000 + (r->in.id % 20000));
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

static char **subst_argv(struct running *r, char **tmpl, char **cause)
{
	size_t n = 0;
	while (tmpl[n])
		n++;
	char **argv = xcalloc(n + 1, sizeof *argv);
	struct vars v = { .r = r };
	for (size_t i = 0; i < n; i++) {
		argv[i] = subst_vars(tmpl[i], var_lookup, &v, cause);
		if (!argv[i]) {
			for (size_t j = 0; j < i; j++)
				free(argv[j]);
			free(argv);
			return NULL;
		}
	}
	return argv;
}

static void argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

/* ---- output ---- */

static void on_metric_line(struct running *r, const char *line, size_t len)
{
	struct metric_value vals[32];
	size_t n = metrics_feed(r->metrics, line, len, vals, ARRAY_SIZE(vals));
	for (size_t i = 0; i < n; i++) {
		size_t k = vals[i].index;
		if (vals[i].def->summary) {
			r->end_val[k] = vals[i].value;
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
	char **argv = subst_argv(r, r->in.wl->companion, cause);
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

static void mark_ready(struct running *r)
{
	r->ready = 1;
	r->startup_ms = (double)(mono_ns() - r->in.t_launch_ns) / 1e6;
	struct engine_event *ev = event_new(EV_READY);
	ev->instance = r->in.id;
	ev->runtime = r->in.rt->name;
	ev->workload = r->in.wl->name;
	ev->startup_ms = r->startup_ms;
	emit(r->e, ev);
	fingerprint_ready(&r->in, r->tail, r->e->journal);
	if (r->in.wl->companion) {
		char *cause = NULL;
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

static void tick(struct running *r, double t)
{
	struct engine *e = r->e;
	struct pid_role pr[64];
	const struct driver *d = driver_find(r->in.rt->driver);
	size_t np = d->pids(&r->in, pr, ARRAY_SIZE(pr));
	for (size_t i = 0; i < np; i++)
		sampler_track(e->sampler, pr[i].pid, r->in.id, pr[i].role, NULL);
	sampler_track_children(e->sampler, r->in.id);
	fingerprint_tick(&r->in, e->journal);

	const struct proc_sample *ps;
	size_t nps = 0;
	char *cause = NULL;
	if (sampler_sample(e->sampler, &ps, &nps, &cause) < 0) {
		elog(e, LOG_WARN, "sampler: %s", cause);
		free(cause);
		nps = 0;
	}

	struct engine_event *ev = event_new(EV_SAMPLE);
	ev->instance = r->in.id;
	ev->runtime = r->in.rt->name;
	ev->workload = r->in.wl->name;
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
	if (d->foreign_samples) {
		struct proc_sample fs[256];
		size_t nf = d->foreign_samples(&r->in, fs, ARRAY_SIZE(fs));
		ev->procs = xreallocarray(ev->procs, ev->nprocs + nf + 1, sizeof *ev->procs);
		for (size_t i = 0; i < nf; i++) {
			fs[i].instance = r->in.id;
			ev->procs[ev->nprocs++] = fs[i];
			json_array_append_new(procs, proc_json(&fs[i]));
		}
	}
	json_t *rec = json_pack("{s:s, s:i, s:f, s:o, s:o}", "type", "sample", "inst", r->in.id,
	    "t", t, "metrics", mobj, "procs", procs);
	if (journal_append(e->journal, rec, &cause) < 0 || journal_flush(e->journal, &cause) < 0) {
		elog(e, LOG_ERROR, "journal: %s", cause);
		free(cause);
	}
	json_decref(rec);
	emit(e, ev);
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

static const char *run_instance_loop(struct running *r, int *timed_out)
{
	struct engine *e = r->e;
	const struct experiment *exp = &e->exp;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (ep < 0 || tfd < 0) {
		if (ep >= 0)
			close(ep);
		if (tfd >= 0)
			close(tfd);
		return "epoll/timerfd unavailable";
	}
	struct itimerspec its = { .it_value = { 1, 0 }, .it_interval = { 1, 0 } };
	timerfd_settime(tfd, 0, &its, NULL);
	epoll_add(ep, r->in.out_fd, TAG_OUT);
	r->pidfd = exec_pidfd_open(r->in.main_pid);
	if (r->pidfd >= 0)
		epoll_add(ep, r->pidfd, TAG_PIDFD);
	epoll_add(ep, tfd, TAG_TIMER);
	epoll_add(ep, e->cmd_fd, TAG_CMD);
	int out_open = 1, cout_open = 0, cout_added = 0;
	uint64_t deadline = r->in.t_launch_ns + (uint64_t)((exp->duration + exp->grace) * 1e9);
	unsigned ticks = 0;
	const char *why = NULL;

	for (;;) {
		if (r->cpid && !cout_added) {
			if (r->cout_fd >= 0 && epoll_add(ep, r->cout_fd, TAG_COUT) == 0)
				cout_open = 1;
			if (r->cpidfd >= 0)
				epoll_add(ep, r->cpidfd, TAG_CPIDFD);
			cout_added = 1;
		}
		/* The instance ends when its main process exits and its output is
		 * read, or, with a companion, when the companion has finished. */
		int main_over = r->main_done && !out_open;
		int comp_over = r->cpid ? r->comp_done && !cout_open : 0;
		if (r->in.wl->companion ? (comp_over || (main_over && !r->cpid)) : main_over)
			break;
		if (r->in.wl->companion && main_over && r->cpid && !comp_over) {
			/* The server died under its load generator: nothing more to measure. */
			why = "the workload exited while its companion was still running";
			break;
		}
		if (r->error) {
			why = r->error;
			break;
		}
		if (atomic_load(&e->cancel)) {
			why = "cancelled";
			break;
		}
		uint64_t now = mono_ns();
		if (now >= deadline) {
			*timed_out = 1;
			why = r->ready ? "ran past its duration plus grace" : "never became ready";
			break;
		}
		int wait_ms = (int)((deadline - now) / 1000000u) + 1;
		if (r->pidfd < 0 && !r->main_done)
			wait_ms = wait_ms > 100 ? 100 : wait_ms; /* no pidfd: poll waitpid */
		struct epoll_event evs[8];
		int n = epoll_wait(ep, evs, 8, wait_ms);
		if (n < 0 && errno != EINTR) {
			why = "epoll_wait failed";
			break;
		}
		if (r->pidfd < 0 && !r->main_done &&
		    waitpid(r->in.main_pid, &r->main_status, WNOHANG) == r->in.main_pid)
			r->main_done = 1;
		for (int i = 0; i < n; i++) {
			switch (evs[i].data.u64) {
			case TAG_OUT:
				if (!drain(r->in.out_fd, &r->lb, on_line, r)) {
					linebuf_flush(&r->lb, on_line, r);
					epoll_ctl(ep, EPOLL_CTL_DEL, r->in.out_fd, NULL);
					out_open = 0;
				}
				break;
			case TAG_COUT:
				if (!drain(r->cout_fd, &r->clb, on_companion_line, r)) {
					linebuf_flush(&r->clb, on_companion_line, r);
					epoll_ctl(ep, EPOLL_CTL_DEL, r->cout_fd, NULL);
					cout_open = 0;
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
				r->comp_done = 1;
				break;
			case TAG_TIMER: {
				uint64_t exp_count;
				if (read(tfd, &exp_count, sizeof exp_count) > 0)
					tick(r, ++ticks);
				break;
			}
			case TAG_CMD:
				break; /* the cancel flag is checked at the top */
			}
		}
		/* A main process that exited but left a grandchild holding the pipe:
		 * give the pipe a moment, then stop waiting for it. */
		if (r->main_done && out_open && !r->in.wl->companion) {
			drain(r->in.out_fd, &r->lb, on_line, r);
			if (mono_ns() > now + 200000000u) {
				linebuf_flush(&r->lb, on_line, r);
				out_open = 0;
			}
		}
	}
	/* Whatever is still buffered in the pipes belongs to this instance. */
	if (out_open) {
		drain(r->in.out_fd, &r->lb, on_line, r);
		linebuf_flush(&r->lb, on_line, r);
	}
	if (cout_open) {
		drain(r->cout_fd, &r->clb, on_companion_line, r);
		linebuf_flush(&r->clb, on_companion_line, r);
	}
	close(tfd);
	close(ep);
	return why;
}

static void end_record(struct running *r, const char *status, const char *error)
{
	struct engine *e = r->e;
	const struct workload *wl = r->in.wl;
	struct engine_event *ev = event_new(EV_INSTANCE_END);
	ev->instance = r->in.id;
	ev->runtime = r->in.rt->name;
	ev->workload = wl->name;
	ev->rep = r->p->rep;
	ev->warmup = r->p->warmup;
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
	char *cause = NULL;
	if (journal_append(e->journal, rec, &cause) < 0 || journal_sync(e->journal, &cause) < 0) {
		elog(e, LOG_ERROR, "journal: %s", cause);
		free(cause);
	}
	json_decref(rec);
	emit(e, ev);
}

static int run_prepare_phase(struct running *r, char **tmpl, const char *what, char **cause)
{
	if (!tmpl)
		return 0;
	char **argv = subst_argv(r, tmpl, cause);
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

/* Runs one planned instance to its end record; returns 1 when it did not succeed. */
static int run_instance(struct engine *e, const struct planned *p, int id, size_t done, double eta_s)
{
	struct running r = { .e = e, .p = p, .pidfd = -1, .cpidfd = -1, .cout_fd = -1 };
	r.in.id = id;
	r.in.run_id = journal_run_id(e->journal);
	r.in.rt = p->rt;
	r.in.wl = p->wl;
	r.in.limits = &e->exp.limits;
	r.in.network = e->exp.network ? e->exp.network : "none";
	r.in.probe = e->probe;
	r.in.res = e->res;
	r.in.threads = e->exp.threads;
	r.in.out_fd = -1;
	const struct workload *wl = p->wl;
	size_t nm = wl->nmetrics ? wl->nmetrics : 1;
	r.tick_sum = xcalloc(nm, sizeof *r.tick_sum);
	r.tick_n = xcalloc(nm, sizeof *r.tick_n);
	r.all_sum = xcalloc(nm, sizeof *r.all_sum);
	r.all_n = xcalloc(nm, sizeof *r.all_n);
	r.end_val = xcalloc(nm, sizeof *r.end_val);
	for (size_t k = 0; k < nm; k++)
		r.end_val[k] = NAN;
	linebuf_init(&r.lb);
	linebuf_init(&r.clb);

	struct engine_event *ev = event_new(EV_INSTANCE_START);
	ev->instance = id;
	ev->runtime = p->rt->name;
	ev->workload = wl->name;
	ev->rep = p->rep;
	ev->warmup = p->warmup;
	ev->done = done;
	ev->total = e->nplan;
	ev->eta_s = eta_s;
	emit(e, ev);
	json_t *rec = json_pack("{s:s, s:i, s:s, s:s, s:s, s:i, s:b, s:s}", "type", "instance", "id", id,
	    "runtime", runtime_base_name(p->rt), "driver", p->rt->driver, "workload", wl->name, "rep", (int)p->rep,
	    "warmup", p->warmup, "host", runtime_host(p->rt));
	journal_append(e->journal, rec, NULL);
	json_decref(rec);

	char *cause = NULL;
	const char *status = "failed";
	const struct driver *d = driver_find(p->rt->driver);
	char *dir = xasprintf("%s/instances/%d", journal_dir(e->journal), id);
	int launched = 0, prepared = 0;
	struct driver_status st;

	if (!d) {
		err_set(&cause, "runtime %s: unknown driver '%s'", p->rt->name, p->rt->driver);
		goto out;
	}
	runtime_probe(p->rt, &st);
	if (!st.available) {
		err_set(&cause, "runtime %s is not available here: %s%s%s", p->rt->name,
		    st.reason ? st.reason : "unknown reason", st.fix ? "; fix: " : "", st.fix ? st.fix : "");
		driver_status_free(&st);
		goto out;
	}
	driver_status_free(&st);
	unsigned unsupported = limits_requested(&e->exp.limits) & ~d->limits_supported;
	if (unsupported) {
		err_set(&cause, "runtime %s (driver %s) cannot honour the limit '%s'; remove it or pick another runtime",
		    p->rt->name, d->name, limit_name(unsupported));
		goto out;
	}
	if (mkdir_p(dir, 0755) < 0) {
		err_errno(&cause, "cannot create %s", dir);
		goto out;
	}
	r.in.dir = dir;
	r.metrics = metrics_new(wl, &cause);
	if (!r.metrics)
		goto out;
	prepared = 1;
	if (d->prepare(&r.in, &cause) < 0) {
		err_wrap(&cause, "%s: prepare", p->rt->name);
		goto out;
	}
	if (run_prepare_phase(&r, wl->prepare, "prepare", &cause) < 0)
		goto out;
	r.in.argv = subst_argv(&r, wl->argv, &cause);
	if (!r.in.argv)
		goto out;
	r.in.t_launch_ns = mono_ns();
	if (d->launch(&r.in, &cause) < 0) {
		err_wrap(&cause, "%s: launch", p->rt->name);
		goto out;
	}
	launched = 1;
	struct pid_role pr[64];
	size_t np = d->pids(&r.in, pr, ARRAY_SIZE(pr));
	for (size_t i = 0; i < np; i++)
		sampler_track(e->sampler, pr[i].pid, id, pr[i].role, NULL);
	if (!wl->ready)
		mark_ready(&r);

	int timed_out = 0;
	const char *why = run_instance_loop(&r, &timed_out);
	if (why) {
		status = timed_out ? "timeout" : !strcmp(why, "cancelled") ? "cancelled" : "failed";
		if (!cause)
			cause = xstrdup(why);
	} else if (!WIFEXITED(r.main_status) || WEXITSTATUS(r.main_status) != 0) {
		char *s = exec_status_str(r.main_status);
		err_set(&cause, "%s %s%s%s", wl->name, s, r.tail[0] ? ": " : "", r.tail);
		free(s);
	} else if (r.cpid && (!WIFEXITED(r.comp_status) || WEXITSTATUS(r.comp_status) != 0)) {
		char *s = exec_status_str(r.comp_status);
		err_set(&cause, "companion %s", s);
		free(s);
	} else {
		int any = 0;
		for (size_t k = 0; k < wl->nmetrics; k++)
			if (r.all_n[k] || !isnan(r.end_val[k]))
				any = 1;
		if (wl->nmetrics && !any)
			err_set(&cause, "no metric matched the output of %s (%llu lines; last: '%s')", wl->name,
			    (unsigned long long)r.lines, r.tail);
		else
			status = "ok";
	}
out:
	if (r.cpid) {
		kill(-r.cpid, SIGKILL);
		if (!r.comp_done)
			reap(r.cpid, &r.comp_status);
	}
	if (launched) {
		char *c2 = NULL;
		if (!r.main_done) {
			d->stop(&r.in, 0, NULL);
			/* A short grace for a polite exit, then force. */
			for (int i = 0; i < 20 && waitpid(r.in.main_pid, &r.main_status, WNOHANG) == 0; i++)
				usleep(25000);
			d->stop(&r.in, 1, NULL);
			waitpid(r.in.main_pid, &r.main_status, WNOHANG);
		}
		if (d->cleanup(&r.in, &c2) < 0) {
			elog(e, LOG_WARN, "%s: cleanup: %s", p->rt->name, c2);
			free(c2);
		}
		/* Reap anything the driver left as our child. */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	} else if (prepared && d) {
		d->cleanup(&r.in, NULL);
	}
	if (prepared && wl->cleanup) {
		char *c3 = NULL;
		if (run_prepare_phase(&r, wl->cleanup, "cleanup", &c3) < 0) {
			elog(e, LOG_WARN, "%s/%s: %s", p->rt->name, wl->name, c3);
			free(c3);
		}
	}
	sampler_untrack_instance(e->sampler, id);
	end_record(&r, status, strcmp(status, "ok") ? cause : NULL);
	free(cause);
	if (r.in.out_fd >= 0)
		close(r.in.out_fd);
	if (r.cout_fd >= 0)
		close(r.cout_fd);
	if (r.pidfd >= 0)
		close(r.pidfd);
	if (r.cpidfd >= 0)
		close(r.cpidfd);
	linebuf_free(&r.lb);
	linebuf_free(&r.clb);
	metrics_free(r.metrics);
	argv_free(r.in.argv);
	free(r.in.addr);
	free(dir);
	free(r.tick_sum);
	free(r.tick_n);
	free(r.all_sum);
	free(r.all_n);
	free(r.end_val);
	return strcmp(status, "ok") != 0;
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
	    "name", x->name, "kind", x->kind, "runtimes", rts, "workloads", wls,
	    "repetitions", (int)x->repetitions, "duration", x->duration, "warmup", (int)x->warmup,
	    "grace", x->grace, "threads", (int)x->threads, "baseline", x->baseline, "network", x->network,
	    "params", params, "limits", "cpus", l->cpus, "cpuset", l->cpuset, "weight", (int)l->weight,
	    "memory", (json_int_t)l->mem_hard, "memory_soft", (json_int_t)l->mem_soft, "pids", (int)l->pids);
}

static void *engine_main(void *arg)
{
	struct engine *e = arg;
	struct engine_event *ev = event_new(EV_RUN_START);
	ev->run_id = xstrdup(journal_run_id(e->journal));
	ev->run_dir = xstrdup(journal_dir(e->journal));
	ev->total = e->nplan;
	emit(e, ev);

	uint64_t t0 = mono_ns();
	unsigned failed = 0;
	size_t i;
	for (i = 0; i < e->nplan && !atomic_load(&e->cancel); i++) {
		/* ETA: the mean time of the instances so far, or the planned duration. */
		double per = i ? (double)(mono_ns() - t0) / 1e9 / (double)i : e->exp.duration + 1;
		failed += (unsigned)run_instance(e, &e->plan[i], (int)i + 1, i, per * (double)(e->nplan - i));
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
	ev->total = e->nplan;
	atomic_store(&e->running, 0);
	emit(e, ev);
	return NULL;
}

struct engine *engine_new(const struct config *cfg, const char *state_dir, char **cause)
{
	struct engine *e = xcalloc(1, sizeof *e);
	e->cfg = cfg;
	e->state_dir = xstrdup(state_dir ? state_dir : cfg->state_dir);
	pthread_mutex_init(&e->lock, NULL);
	e->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e->cmd_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e->sampler = sampler_new("/proc");
	if (e->wake_fd < 0 || e->cmd_fd < 0 || !e->sampler) {
		err_errno(cause, "engine: cannot create its event fds");
		engine_free(e);
		return NULL;
	}
	/* Every start reaps what dead runs left behind (cgroups, netns...). */
	char **log = NULL;
	size_t nlog = 0;
	size_t failed = resources_reap_dead(0, &log, &nlog);
	for (size_t i = 0; i < nlog; i++) {
		elog(e, strstr(log[i], ": cannot reap ") ? LOG_WARN : LOG_INFO, "%s", log[i]);
		free(log[i]);
	}
	free(log);
	if (failed)
		elog(e, LOG_WARN, "%zu resources of dead runs could not be reaped; see 'isolab cleanup'", failed);
	return e;
}

/* A runtime by name: configured, or RUNTIME@HOST made once per run (remote.h). */
static const struct runtime_conf *engine_runtime(struct engine *e, const char *name, char **cause)
{
	for (size_t i = 0; i < e->nremote_rts; i++)
		if (!strcmp(e->remote_rts[i]->name, name))
			return e->remote_rts[i];
	struct runtime_conf *owned = NULL;
	const struct runtime_conf *rt = remote_resolve(e->cfg, name, &owned, cause);
	if (owned) {
		e->remote_rts = xreallocarray(e->remote_rts, e->nremote_rts + 1, sizeof *e->remote_rts);
		e->remote_rts[e->nremote_rts++] = owned;
	}
	return rt;
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
	if (!e->exp.runtimes || !e->exp.runtimes[0])
		return err_set(cause, "experiment %s: no runtimes", exp->name ? exp->name : "");
	if (!e->exp.workloads || !e->exp.workloads[0])
		return err_set(cause, "experiment %s: no workloads", exp->name ? exp->name : "");
	size_t nrt = 0, nwl = 0;
	while (e->exp.runtimes[nrt])
		nrt++;
	while (e->exp.workloads[nwl])
		nwl++;
	unsigned reps = e->exp.warmup + e->exp.repetitions;
	e->plan = xcalloc((size_t)reps * nrt * nwl, sizeof *e->plan);
	for (unsigned rep = 0; rep < reps; rep++)
		for (size_t w = 0; w < nwl; w++)
			for (size_t t = 0; t < nrt; t++) {
				const struct runtime_conf *rt = engine_runtime(e, e->exp.runtimes[t], cause);
				const struct workload *wl = config_workload(e->cfg, e->exp.workloads[w]);
				if (!rt)
					return -1;
				if (!wl)
					return err_set(cause, "unknown workload '%s' (see 'isolab list workloads')",
					    e->exp.workloads[w]);
				e->plan[e->nplan++] = (struct planned){
					.rt = rt, .wl = wl,
					.rep = rep < e->exp.warmup ? rep + 1 : rep - e->exp.warmup + 1,
					.warmup = rep < e->exp.warmup,
				};
			}
	e->probe = engine_probe_path();
	if (!e->probe)
		e->probe = xstrdup("isolab-probe");
	e->journal = journal_create(e->state_dir, NULL, cause);
	if (!e->journal)
		return -1;
	e->res = resources_open(journal_run_id(e->journal), cause);
	if (!e->res)
		return err_wrap(cause, "resource journal");
	json_t *env = journal_env_record();
	json_object_set_new(env, "experiment", experiment_json(&e->exp));
	json_t *versions = json_object();
	for (size_t t = 0; t < nrt; t++) {
		const struct runtime_conf *rt = engine_runtime(e, e->exp.runtimes[t], NULL);
		struct driver_status st;
		runtime_probe(rt, &st);
		json_object_set_new(versions, rt->name, json_pack("{s:s, s:b, s:s?, s:s?}", "driver", rt->driver,
		    "available", st.available, "version", st.version, "reason", st.reason));
		driver_status_free(&st);
	}
	json_object_set_new(env, "runtimes", versions);
	json_object_set_new(env, "probe", json_string(e->probe));
	if (journal_write_env(e->journal, env, cause) < 0) {
		json_decref(env);
		return -1;
	}
	json_decref(env);
	for (size_t w = 0; w < nwl; w++) {
		const struct workload *wl = config_workload(e->cfg, e->exp.workloads[w]);
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
	free(e->plan);
	for (size_t i = 0; i < e->nremote_rts; i++)
		remote_runtime_free(e->remote_rts[i]);
	free(e->remote_rts);
	free(e->probe);
	free(e->state_dir);
	free(e);
}

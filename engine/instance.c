/*
 * instance.c — one instance's life (instance.h), for the engine thread and
 * for `isolab agent` alike.
 *
 * An instance ends when its main process has exited and its output pipe
 * reached its end; with a companion (a load generator on the host), when
 * the companion has. A main process that exits while a grandchild still
 * holds the pipe gets 200 ms more, then the pipe is given up. A deadline of
 * duration + grace counted from the ready line (before it, plus the
 * driver's start-up allowance) ends one that runs too long, as timed out.
 *
 * Output lines are split by a line buffer and, for the engine, matched
 * against the workload's readiness pattern and metric patterns: interval
 * values are averaged per tick (one sample record a second), summary
 * values kept for the end record. With several copies of the workload in
 * one instance (containers inside a VM) every value is their mean.
 */
#include "cgroup.h"
#include "config.h"
#include "events.h"
#include "exec.h"
#include "fingerprint.h"
#include "instance.h"
#include "journal.h"
#include "subst.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const role_names[] = { "instance", "target", "neighbour" };

const char *inst_role_name(enum inst_role r) { return role_names[r]; }

/* Appends rec (taken) to the owner's journal, if it keeps one. */
static void record(struct inst *it, json_t *rec)
{
	if (it->ctx->journal && rec)
		journal_append(it->ctx->journal, rec, NULL);
	json_decref(rec);
}

/* A warning: an event and an error record, or the owner's on_warn. */
static void __attribute__((format(printf, 2, 3))) warn(struct inst *it, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (it->ctx->events || it->ctx->journal)
		events_log(it->ctx->events, it->ctx->journal, LOG_WARN, "%s", msg);
	else if (it->ctx->on_warn)
		it->ctx->on_warn(it->ctx->owner, msg);
}

static void push(struct inst *it, struct engine_event *ev)
{
	if (it->ctx->events)
		events_push(it->ctx->events, ev);
	else
		engine_event_free(ev);
}

/* An event about this instance, or NULL when the owner takes none. */
static struct engine_event *inst_event(struct inst *it, enum engine_event_type type)
{
	if (!it->ctx->events)
		return NULL;
	struct engine_event *ev = event_new(type);
	ev->instance = it->in.id;
	ev->runtime = it->name;
	ev->workload = it->in.wl->name;
	ev->variant = it->variant;
	ev->role = role_names[it->role];
	return ev;
}

/* ---- variables ---- */

struct vars {
	struct inst *it;
	int server;          /* the server's side (files, prepare, argv): ${addr} is in.bind_addr when set */
	char buf[4][64];
};

static const char *var_lookup(const char *name, void *arg)
{
	struct vars *v = arg;
	struct inst *it = v->it;
	const struct experiment *exp = it->ctx->exp;
	if (!strcmp(name, "probe"))
		return it->ctx->probe;
	if (!strcmp(name, "duration")) {
		double d = it->duration > 0 || !exp ? it->duration : exp->duration;
		snprintf(v->buf[0], sizeof v->buf[0], "%.0f", ceil(d));
		return v->buf[0];
	}
	if (!strcmp(name, "threads")) {
		snprintf(v->buf[1], sizeof v->buf[1], "%u", it->in.threads ? it->in.threads : 1);
		return v->buf[1];
	}
	if (!strcmp(name, "addr")) {
		if (v->server && it->in.bind_addr)
			return it->in.bind_addr;
		return it->in.addr ? it->in.addr : "127.0.0.1";
	}
	if (!strcmp(name, "port")) {
		snprintf(v->buf[2], sizeof v->buf[2], "%d", it->in.port);
		return v->buf[2];
	}
	if (!strcmp(name, "datadir") || !strcmp(name, "run_dir"))
		return it->in.dir;
	if (!strcmp(name, "instance")) {
		snprintf(v->buf[3], sizeof v->buf[3], "%d", it->in.id);
		return v->buf[3];
	}
	for (size_t i = 0; i < it->nparams; i++)
		if (!strcmp(it->params[i].key, name))
			return it->params[i].value;
	if (it->sweep_value && exp && exp->sweep.param && !strcmp(exp->sweep.param, name))
		return it->sweep_value;
	for (size_t i = 0; exp && i < exp->nparams; i++)
		if (!strcmp(exp->params[i].key, name))
			return exp->params[i].value;
	const struct workload *wl = it->in.wl;
	for (size_t i = 0; i < wl->nparams; i++)
		if (!strcmp(wl->params[i].name, name))
			return wl->params[i].value;
	return NULL;
}

/* server: the instance's own side (argv, prepare, cleanup) rather than the
 * host's (setup, companion); see struct vars. */
static char **argv_of(struct inst *it, char **tmpl, int server, char **cause)
{
	struct vars v = { .it = it, .server = server };
	return subst_argv(tmpl, var_lookup, &v, cause);
}

/* Runs a phase of the workload (prepare, setup, cleanup) on the host, to
 * its end; -1 with the cause and its last line of output. */
static int run_phase(struct inst *it, char **tmpl, const char *what, int server, char **cause)
{
	if (!tmpl)
		return 0;
	char **argv = argv_of(it, tmpl, server, cause);
	if (!argv)
		return err_wrap(cause, "%s", what);
	struct exec_opts o = { .cwd = it->in.dir };
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
static int write_files(struct inst *it, char **cause)
{
	const struct workload *wl = it->in.wl;
	for (size_t i = 0; i < wl->nfiles; i++) {
		struct vars v = { .it = it, .server = 1 };
		_cleanup_free_ char *content = subst_vars(wl->files[i].value, var_lookup, &v, cause);
		if (!content)
			return err_wrap(cause, "file %s", wl->files[i].key);
		_cleanup_free_ char *path = xasprintf("%s/%s", it->in.dir, wl->files[i].key);
		if (write_file(path, content, 1) < 0)
			return err_errno(cause, "cannot write %s", path);
	}
	return 0;
}

/* runtime.h's instance.note: a driver's own record of the instance. */
static void note(struct instance *in, json_t *rec)
{
	struct inst *it = (struct inst *)(void *)((char *)in - offsetof(struct inst, in));
	json_object_set_new(rec, "inst", json_integer(in->id));
	const char *type = json_string_value(json_object_get(rec, "type"));
	const char *msg = json_string_value(json_object_get(rec, "msg"));
	if (type && !strcmp(type, "info") && msg && it->ctx->events)
		events_log(it->ctx->events, NULL, LOG_INFO, "%s: %s", it->name, msg);
	record(it, rec);
}

/* ---- output ---- */

/* Whether an interval value arriving now counts for its group's window:
 * the second it covers began after the window opened (members ready
 * early were stopped until then, and a second that straddles the release
 * counts their stopped part as no work: up to half its rate lost), and
 * its middle lies before the window's end. */
static int in_window(const struct inst *it)
{
	if (!it->win_open_ns)
		return 0;
	uint64_t now = mono_ns();
	return now >= it->win_open_ns + 1000000000u && now - 500000000u <= it->win_open_ns + it->win_len_ns;
}

static void on_metric_line(struct inst *it, const char *line, size_t len)
{
	struct metric_value vals[32];
	size_t n = metrics_feed(it->metrics, line, len, vals, ARRAY_SIZE(vals));
	for (size_t i = 0; i < n; i++) {
		size_t k = vals[i].index;
		if (vals[i].def->summary) {
			if (it->in.copies > 1 && it->end_n[k]) {
				it->end_n[k]++;
				it->end_val[k] += (vals[i].value - it->end_val[k]) / it->end_n[k];
			} else {
				it->end_val[k] = vals[i].value;
				it->end_n[k] = 1;
			}
		} else {
			it->tick_sum[k] += vals[i].value;
			it->tick_n[k]++;
			if (it->windowed && !in_window(it))
				continue;
			it->all_sum[k] += vals[i].value;
			it->all_n[k]++;
		}
	}
}

static void mark_ready(struct inst *it);
static void reap_pid(pid_t pid, int *status);

/* The probe's ready line carries mono_ns, when it was written, on the
 * workload's CLOCK_MONOTONIC: the host's for a process or a container
 * (not a VM's, nor gVisor's own). Taken only when it falls between the
 * launch and the line's arrival, so another clock is never mistaken for
 * the host's. */
static void written_at(struct inst *it, const char *line, size_t len)
{
	static const char key[] = " mono_ns=";
	const char *p = memmem(line, len, key, sizeof key - 1);
	if (!p)
		return;
	p += sizeof key - 1;
	uint64_t v = 0;
	size_t digits = 0;
	for (; p < line + len && *p >= '0' && *p <= '9' && digits < 20; p++, digits++)
		v = v * 10 + (uint64_t)(*p - '0');
	uint64_t seen = it->t_read_ns ? it->t_read_ns : mono_ns();
	if (digits && v >= it->in.t_launch_ns && v <= seen)
		it->t_written_ns = v;
}

/* Keeps a non-empty line as the last one, for messages: cut to cap, its
 * control bytes blanked. */
static void keep_tail(char *tail, size_t cap, const char *line, size_t len)
{
	if (!len)
		return;
	size_t n = len < cap - 1 ? len : cap - 1;
	memcpy(tail, line, n);
	tail[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)tail[i] < 0x20)
			tail[i] = ' ';
}

static void on_line(const char *line, size_t len, void *arg)
{
	struct inst *it = arg;
	it->lines++;
	keep_tail(it->tail, sizeof it->tail, line, len);
	if (it->ctx->relay) {
		it->ctx->on_line(it->ctx->owner, it, line, len);
		return;
	}
	if (!it->ready && metrics_ready(it->metrics, line, len)) {
		written_at(it, line, len);
		mark_ready(it);
	}
	if (!it->in.wl->companion_metrics)
		on_metric_line(it, line, len);
}

static void on_companion_line(const char *line, size_t len, void *arg)
{
	struct inst *it = arg;
	if (it->in.wl->companion_metrics)
		on_metric_line(it, line, len);
}

/* Reads what is available; returns 0 at EOF, 1 otherwise. *t_read (may
 * be NULL) gets the moment each read returned data, before its lines are
 * handled: a ready line's arrival, not the time spent matching it. */
static int drain(int fd, struct linebuf *lb, void (*cb)(const char *, size_t, void *), void *arg, uint64_t *t_read)
{
	char buf[16384];
	for (int rounds = 0; rounds < 64; rounds++) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n > 0) {
			if (t_read)
				*t_read = mono_ns();
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

static int watch(struct inst *it, int fd, int kind)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = it->tag | (uint64_t)kind };
	return epoll_ctl(it->ep, EPOLL_CTL_ADD, fd, &ev);
}

static void unwatch(struct inst *it, int fd)
{
	epoll_ctl(it->ep, EPOLL_CTL_DEL, fd, NULL);
}

/* Spawns one of the workload's host-side programs (tmpl: its companion
 * or setup, named what) in the instance directory, in its own process
 * group. */
static int spawn_host(struct inst *it, char **tmpl, const char *what, struct exec_child *c, char **cause)
{
	char **argv = argv_of(it, tmpl, 0, cause);
	if (!argv)
		return err_wrap(cause, "%s", what);
	struct exec_opts o = { .cwd = it->in.dir };
	int rc = exec_spawn(argv, &o, c, cause);
	argv_free(argv);
	return rc < 0 ? err_wrap(cause, "%s", what) : 0;
}

static int start_companion(struct inst *it, char **cause)
{
	struct exec_child c;
	if (spawn_host(it, it->in.wl->companion, "companion", &c, cause) < 0)
		return -1;
	it->cpid = c.pid;
	it->cout_fd = c.out_fd;
	it->cpidfd = c.pidfd;
	sampler_track(it->ctx->sampler, c.pid, it->in.id, ROLE_LOADGEN, NULL);
	if (it->cout_fd >= 0 && watch(it, it->cout_fd, INST_FD_COUT) == 0)
		it->cout_open = 1;
	if (it->cpidfd >= 0)
		watch(it, it->cpidfd, INST_FD_CPIDFD);
	return 0;
}

/* A failure after launch, kept for inst_check: the first one wins. */
static void fail_later(struct inst *it, char *cause)
{
	if (!it->error)
		it->error = cause;
	else
		free(cause);
}

/* Its host processes, from the executor, to the sampler with their
 * roles and component names; returns how many (into out). */
static size_t track_pids(struct inst *it, struct pid_role *out, size_t max)
{
	size_t np = it->ex->ops->pids(it->ex, &it->in, out, max);
	/* What its processes did from their birth on is the instance's. */
	if (it->in.t_launch_ns)
		sampler_since(it->ctx->sampler, it->in.id, it->in.t_launch_ns);
	for (size_t i = 0; i < np; i++) {
		sampler_track(it->ctx->sampler, out[i].pid, it->in.id, out[i].role, NULL);
		if (out[i].name)
			sampler_name(it->ctx->sampler, out[i].pid, out[i].name);
	}
	return np;
}

/* The companion's first start, once the workload is ready and set up. */
static void begin_load(struct inst *it)
{
	if (!it->in.wl->companion)
		return;
	char *cause = NULL;
	it->comp_t0 = mono_ns();
	if (start_companion(it, &cause) < 0)
		fail_later(it, cause);
}

/* How long a setup may run: a server that never answers it fails the
 * instance instead of holding its group. */
#define SETUP_LIMIT_NS (600ull * 1000000000u)

static void on_setup_line(const char *line, size_t len, void *arg)
{
	struct inst *it = arg;
	keep_tail(it->stail, sizeof it->stail, line, len);
}

/* The front end hears that the setup began or ended (status "start",
 * "ok", "failed"). */
static void setup_event(struct inst *it, const char *status)
{
	struct engine_event *ev = inst_event(it, EV_SETUP);
	if (!ev)
		return;
	ev->status = xstrdup(status);
	ev->t = (double)(mono_ns() - it->in.t_launch_ns) / 1e9;
	push(it, ev);
}

/* The setup phase, spawned on the host in its own process group; the
 * loop hears its end through its pidfd (or inst_poll without one). */
static int start_setup(struct inst *it, char **cause)
{
	struct exec_child c;
	if (spawn_host(it, it->in.wl->setup, "setup", &c, cause) < 0)
		return -1;
	it->spid = c.pid;
	it->sout_fd = c.out_fd;
	it->spidfd = c.pidfd;
	it->setup_t0 = mono_ns();
	if (it->sout_fd >= 0)
		watch(it, it->sout_fd, INST_FD_SOUT);
	if (it->spidfd >= 0)
		watch(it, it->spidfd, INST_FD_SPIDFD);
	setup_event(it, "start");
	return 0;
}

/* The setup's output read to its end (or what is there), and closed. */
static void setup_out_close(struct inst *it)
{
	if (it->sout_fd < 0)
		return;
	drain(it->sout_fd, &it->slb, on_setup_line, it, NULL);
	linebuf_flush(&it->slb, on_setup_line, it);
	unwatch(it, it->sout_fd);
	close(it->sout_fd);
	it->sout_fd = -1;
}

/* The setup was reaped (spid 0): its fds closed, its time kept. */
static void setup_close(struct inst *it)
{
	setup_out_close(it);
	if (it->spidfd >= 0) {
		unwatch(it, it->spidfd);
		close(it->spidfd);
		it->spidfd = -1;
	}
	it->setup_ns = mono_ns() - it->setup_t0;
}

/* The setup exited (status from waitpid): the load begins, or the
 * instance fails with the setup's last line. */
static void setup_ended(struct inst *it, int status)
{
	setup_close(it);
	int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	record(it, json_pack("{s:s, s:i, s:f, s:b}", "type", "setup", "inst", it->in.id, "setup_s",
	    (double)it->setup_ns / 1e9, "ok", ok));
	setup_event(it, ok ? "ok" : "failed");
	if (!ok) {
		char *st = exec_status_str(status);
		char *cause = NULL;
		err_set(&cause, "setup %s: %s", st, it->stail);
		free(st);
		fail_later(it, cause);
		return;
	}
	if (it->ctx->events)
		events_log(it->ctx->events, NULL, LOG_INFO, "%s: %s set up in %.1f s", it->name, it->in.wl->name,
		    (double)it->setup_ns / 1e9);
	if (!(it->ctx->cancel && atomic_load(it->ctx->cancel)))
		begin_load(it);
}

/* A setup still running is killed with its process group and reaped:
 * the run was cancelled, or the instance ended under it. */
static void stop_setup(struct inst *it)
{
	if (!it->spid)
		return;
	kill(-it->spid, SIGKILL);
	reap_pid(it->spid, &(int){ 0 });
	it->spid = 0;
	setup_close(it);
}

int inst_set_up(const struct inst *it)
{
	return it->ready && !it->spid;
}

/* Reaps the setup if it ended (block: wait for it). */
static void setup_reap(struct inst *it, int block)
{
	int status = 0;
	pid_t r;
	while ((r = waitpid(it->spid, &status, block ? 0 : WNOHANG)) < 0 && errno == EINTR)
		;
	if (r == it->spid || r < 0) {
		it->spid = 0;
		setup_ended(it, r < 0 ? (int)0xff00 : status);
	}
}

static void mark_ready(struct inst *it)
{
	/* The clock stops when the line arrived (the read that brought it),
	 * before anything else is done about it. */
	uint64_t now = mono_ns();
	uint64_t seen = it->t_read_ns && it->t_read_ns >= it->in.t_launch_ns ? it->t_read_ns : now;
	it->startup_ms = (double)(seen - it->in.t_launch_ns) / 1e6;
	it->ready = 1;
	if (it->ctx->on_ready)
		it->ctx->on_ready(it->ctx->owner, it);
	/* The workload's duration counts from when it is ready, so a slow start
	 * (a VM booting under emulation) never eats into what is measured. */
	if (it->deadline != UINT64_MAX)
		it->deadline = now + (uint64_t)((it->duration + it->ctx->exp->grace) * 1e9);
	struct engine_event *ev = inst_event(it, EV_READY);
	if (ev) {
		ev->variant = NULL;
		ev->role = NULL;
		ev->startup_ms = it->startup_ms;
		push(it, ev);
	}
	struct pid_role pr[64];
	/* The sampler's first look at the processes, kept off the start-up
	 * path (inst_launch): from here on they are sampled as before. */
	size_t np = track_pids(it, pr, ARRAY_SIZE(pr));
	fingerprint_ready(&it->in, it->name, pr, np, it->tail, it->ctx->journal);
	if (it->in.wl->setup) {
		/* Unmeasured work against the running server (loading tables),
		 * from the loop: the companion starts when it has ended well. */
		char *cause = NULL;
		if (start_setup(it, &cause) < 0)
			fail_later(it, cause);
		return;
	}
	begin_load(it);
}

/* ---- set-up ---- */

void inst_init(struct inst *it, const struct inst_ctx *ctx, int id, const struct executor *ex,
    const struct runtime_conf *rt, const char *name, const struct workload *wl, const struct limits *limits)
{
	*it = (struct inst){ .ctx = ctx, .ex = ex, .name = name, .deadline = 0, .pidfd = -1, .cpidfd = -1,
		.cout_fd = -1, .spidfd = -1, .sout_fd = -1, .ep = -1, .rss_kb = NAN, .pss_kb = NAN };
	if (ctx->exp)
		it->duration = ctx->exp->duration;
	it->in.id = id;
	it->in.run_id = ctx->run_id;
	it->in.rt = rt;
	it->in.wl = wl;
	it->in.limits = limits;
	it->in.network = ctx->exp && ctx->exp->network ? ctx->exp->network : "none";
	it->in.probe = ctx->probe;
	it->in.res = ctx->res;
	it->in.threads = ctx->exp ? ctx->exp->threads : 0;
	it->in.out_fd = -1;
	it->in.note = note;
	it->in.port = 20000 + (id % 20000);
	size_t nm = wl->nmetrics ? wl->nmetrics : 1;
	it->tick_sum = xcalloc(nm, sizeof *it->tick_sum);
	it->tick_n = xcalloc(nm, sizeof *it->tick_n);
	it->all_sum = xcalloc(nm, sizeof *it->all_sum);
	it->all_n = xcalloc(nm, sizeof *it->all_n);
	it->end_val = xcalloc(nm, sizeof *it->end_val);
	it->end_n = xcalloc(nm, sizeof *it->end_n);
	for (size_t k = 0; k < nm; k++)
		it->end_val[k] = NAN;
	linebuf_init(&it->lb);
	linebuf_init(&it->clb);
}

int inst_available(struct inst *it)
{
	if (it->ex->ops->caps(it->ex, it->in.rt, &it->caps, &it->cause) < 0)
		return -1;
	struct driver_status st = { 0 };
	it->ex->ops->probe(it->ex, it->in.rt, &st);
	if (!st.available)
		err_set(&it->cause, "runtime %s is not available here: %s%s%s", it->name,
		    st.reason ? st.reason : "unknown reason", st.fix ? "; fix: " : "", st.fix ? st.fix : "");
	int rc = st.available ? 0 : -1;
	driver_status_free(&st);
	return rc;
}

int inst_prepare(struct inst *it)
{
	if (it->ex->ops->caps(it->ex, it->in.rt, &it->caps, &it->cause) < 0)
		return -1;
	unsigned unsupported = limits_requested(it->in.limits) & ~it->caps.limits;
	if ((unsupported & LIMIT_PIDS) && it->caps.own_kernel) {
		/* The guest's kernel holds every process of a VM: a fork bomb
		 * fills the guest's table, not the host's, so the pids limit an
		 * adversary needs has nothing to act on. Said, never silent. */
		unsupported &= ~(unsigned)LIMIT_PIDS;
		record(it, json_pack("{s:s, s:i, s:s}", "type", "info", "inst", it->in.id, "msg",
		    "limits.pids does not apply: the VM's own kernel holds its processes"));
	}
	if (unsupported & it->caps.host_lacks)
		return err_set(&it->cause, "runtime %s (driver %s) cannot honour the limit '%s' on this machine: %s; "
		    "remove it or run where it can be", it->name, it->in.rt->driver,
		    limit_name(unsupported & it->caps.host_lacks), it->caps.host_why);
	if (unsupported)
		return err_set(&it->cause, "runtime %s (driver %s) cannot honour the limit '%s'; remove it or pick another "
		    "runtime", it->name, it->in.rt->driver, limit_name(unsupported));
	/* A default found by a pattern (glob) that nothing on this host
	 * matched, and that the run does not set: said before anything runs. */
	const struct workload *wl = it->in.wl;
	for (size_t i = 0; i < wl->nparams; i++) {
		struct vars v = { .it = it };
		if (wl->params[i].unmatched && var_lookup(wl->params[i].name, &v) == wl->params[i].value)
			return err_set(&it->cause, "workload %s: parameter %s: nothing on this host matches %s; install "
			    "what the workload runs, or give -p %s=PATH", wl->name, wl->params[i].name,
			    wl->params[i].pattern, wl->params[i].name);
	}
	char *dir = xasprintf("%s/%d", it->ctx->dirs, it->in.id);
	it->in.dir = dir;
	if (mkdir_p(dir, 0755) < 0)
		return err_errno(&it->cause, "cannot create %s", dir);
	if (!it->ctx->relay && !(it->metrics = metrics_new(it->in.wl, &it->cause)))
		return -1;
	it->prepared = 1;
	if (it->ex->ops->prepare(it->ex, &it->in, &it->cause) < 0)
		return err_wrap(&it->cause, "%s: prepare", it->name);
	return 0;
}

int inst_stage(struct inst *it)
{
	/* After the driver's prepare, which sets the address (${addr}). */
	if (write_files(it, &it->cause) < 0)
		return -1;
	if (run_phase(it, it->in.wl->prepare, "prepare", 1, &it->cause) < 0)
		return -1;
	if (!it->in.argv && !(it->in.argv = argv_of(it, it->in.wl->argv, 1, &it->cause)))
		return -1;
	if (it->in.wl->guest_files && !(it->in.guest_files = argv_of(it, it->in.wl->guest_files, 1, &it->cause)))
		return err_wrap(&it->cause, "guest_files");
	if (it->ex->ops->stage && it->ex->ops->stage(it->ex, &it->in, &it->cause) < 0)
		return err_wrap(&it->cause, "%s: prepare", it->name);
	return 0;
}

/* ---- running ---- */

void inst_launch(struct inst *it)
{
	it->in.t_launch_ns = mono_ns();
	if (it->ex->ops->launch(it->ex, &it->in, &it->cause) < 0) {
		err_wrap(&it->cause, "%s: launch", it->name);
		inst_over(it, it->cause, 0);
		return;
	}
	it->launched = 1;
	/* Until the ready line, the deadline also allows the driver's start-up
	 * (a VM's boot); from it, mark_ready restarts the clock. */
	if (it->deadline != UINT64_MAX && it->ctx->exp)
		it->deadline = it->in.t_launch_ns +
		    (uint64_t)((it->duration + it->ctx->exp->grace + it->caps.startup_allowance_s) * 1e9);
	/* The output is watched first: a ready line written meanwhile is read
	 * as soon as the loop waits. */
	it->out_open = it->in.out_fd >= 0 && watch(it, it->in.out_fd, INST_FD_OUT) == 0;
	it->pidfd = exec_pidfd_open(it->in.main_pid);
	if (it->pidfd >= 0)
		watch(it, it->pidfd, INST_FD_PIDFD);
	/* The sampler first tracks the processes at the ready line
	 * (mark_ready), after the clock stopped; a relay has no ready line. */
	if (it->ctx->relay) {
		struct pid_role pr[64];
		track_pids(it, pr, ARRAY_SIZE(pr));
	}
	if (!it->ctx->relay && !it->in.wl->ready)
		mark_ready(it);
}

static void reap_pid(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

/* Reaps the main process once it has exited (waiting for that when
 * block), after the sampler's last look at its zombie: what it did since
 * its last sample goes into the next sample record. Returns whether it
 * is done (reaped, or not ours to wait for). */
static int reap_main(struct inst *it, int block)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	int rc;
	while ((rc = waitid(P_PID, (id_t)it->in.main_pid, &si, WEXITED | WNOWAIT | (block ? 0 : WNOHANG))) < 0 &&
	    errno == EINTR)
		;
	if (rc < 0) { /* not a child of ours (any more) */
		it->main_done = 1;
		return 1;
	}
	if (si.si_pid != it->in.main_pid)
		return 0;
	if (!it->has_last_act && sampler_final(it->ctx->sampler, it->in.main_pid, &it->last_act, it->rest_act,
	    INST_MAX_REST, &it->nrest_act) == 0)
		it->has_last_act = 1;
	reap_pid(it->in.main_pid, &it->main_status);
	it->main_done = 1;
	return 1;
}

/* companion_repeat: whether the companion that just ended successfully
 * starts again (its slices cover the duration). */
static int companion_again(const struct inst *it)
{
	if (!it->in.wl->companion_repeat || it->error || (it->ctx->cancel && atomic_load(it->ctx->cancel)))
		return 0;
	if (!WIFEXITED(it->comp_status) || WEXITSTATUS(it->comp_status) != 0)
		return 0;
	return mono_ns() - it->comp_t0 < (uint64_t)(it->ctx->exp->duration * 1e9);
}

/* The companion ended: the next slice, its output joining the same line
 * buffer, or the companion is done. */
static void companion_ended(struct inst *it)
{
	unwatch(it, it->cpidfd);
	reap_pid(it->cpid, &it->comp_status);
	if (!companion_again(it)) {
		it->comp_done = 1;
		return;
	}
	if (it->cout_open) {
		drain(it->cout_fd, &it->clb, on_companion_line, it, NULL);
		unwatch(it, it->cout_fd);
	}
	close(it->cout_fd);
	close(it->cpidfd);
	it->cout_fd = it->cpidfd = -1;
	it->cout_open = 0;
	sampler_untrack(it->ctx->sampler, it->cpid);
	char *cause = NULL;
	if (start_companion(it, &cause) < 0) {
		it->comp_done = 1;
		fail_later(it, cause);
	}
}

void inst_on_fd(struct inst *it, int kind)
{
	switch (kind) {
	case INST_FD_OUT:
		if (it->out_open && !drain(it->in.out_fd, &it->lb, on_line, it, &it->t_read_ns)) {
			linebuf_flush(&it->lb, on_line, it);
			unwatch(it, it->in.out_fd);
			it->out_open = 0;
		}
		break;
	case INST_FD_COUT:
		if (it->cout_open && !drain(it->cout_fd, &it->clb, on_companion_line, it, NULL)) {
			linebuf_flush(&it->clb, on_companion_line, it);
			unwatch(it, it->cout_fd);
			it->cout_open = 0;
		}
		break;
	case INST_FD_PIDFD:
		if (!it->main_done) {
			unwatch(it, it->pidfd);
			reap_main(it, 1);
		}
		break;
	case INST_FD_CPIDFD:
		if (!it->comp_done)
			companion_ended(it);
		break;
	case INST_FD_SOUT:
		if (it->sout_fd >= 0 && !drain(it->sout_fd, &it->slb, on_setup_line, it, NULL))
			setup_out_close(it);
		break;
	case INST_FD_SPIDFD:
		if (it->spid)
			setup_reap(it, 1);
		break;
	}
}

void inst_poll(struct inst *it)
{
	if (!it->launched)
		return;
	if (it->pidfd < 0 && !it->main_done)
		reap_main(it, 0);
	if (it->spid && it->spidfd < 0)
		setup_reap(it, 0);
	/* A main process that exited but left a grandchild holding the pipe:
	 * give the pipe a moment, then stop waiting for it. */
	if (it->main_done && it->out_open && !it->in.wl->companion) {
		drain(it->in.out_fd, &it->lb, on_line, it, &it->t_read_ns);
		if (!it->pipe_wait_ns) {
			it->pipe_wait_ns = mono_ns();
		} else if (mono_ns() > it->pipe_wait_ns + 200000000u) {
			linebuf_flush(&it->lb, on_line, it);
			unwatch(it, it->in.out_fd);
			it->out_open = 0;
		}
	}
}

int inst_main_over(const struct inst *it)
{
	return it->main_done && !it->out_open;
}

int inst_poll_ms(const struct inst *it)
{
	if (it->launched && !it->over && it->pidfd < 0 && !it->main_done)
		return 100; /* no pidfd: poll waitpid */
	if (it->spid && it->spidfd < 0)
		return 100;
	if (it->main_done && it->out_open && !it->in.wl->companion)
		return 50;  /* the pipe's grace */
	return 1000;
}

/* ---- sampling ---- */

size_t inst_track(struct inst *it, struct pid_role *out, size_t max)
{
	size_t np = track_pids(it, out, max);
	sampler_track_children(it->ctx->sampler, it->in.id);
	fingerprint_tick(&it->in, it->name, out, np, it->ctx->journal);
	return np;
}

struct proc_sample *inst_procs(struct inst *it, const struct proc_sample *ps, size_t nps, int foreign,
    size_t *n)
{
	struct proc_sample fs[256];
	size_t nf = foreign && it->ex->ops->foreign_samples ?
	    it->ex->ops->foreign_samples(it->ex, &it->in, fs, ARRAY_SIZE(fs)) : 0;
	struct proc_sample *out = xcalloc(nps + nf + 2 + INST_MAX_REST, sizeof *out);
	*n = 0;
	for (size_t i = 0; i < nps; i++)
		if (ps[i].instance == it->in.id)
			out[(*n)++] = ps[i];
	for (size_t i = 0; i < nf; i++) {
		fs[i].instance = it->in.id;
		out[(*n)++] = fs[i];
	}
	return out;
}

/* One process sample as a journal object (the pidstat fields). */
static json_t *proc_json(const struct proc_sample *p)
{
	json_t *o = json_pack("{s:i, s:i, s:s, s:s, s:f, s:f, s:f, s:f, s:f, s:i, s:f, s:f, s:I, s:I, s:f,"
	    " s:f, s:f, s:f, s:I, s:f, s:f, s:i}",
	    "pid", (int)p->pid, "ppid", (int)p->ppid, "comm", p->comm, "role", role_name(p->role),
	    "usr", p->usr, "system", p->system, "guest", p->guest, "wait", p->wait, "cpu", p->cpu,
	    "cpu_num", p->cpu_num, "minflt_s", p->minflt_s, "majflt_s", p->majflt_s,
	    "vsz_kb", (json_int_t)p->vsz_kb, "rss_kb", (json_int_t)p->rss_kb, "mem_pct", p->mem_pct,
	    "kb_rd_s", p->kb_rd_s, "kb_wr_s", p->kb_wr_s, "kb_ccwr_s", p->kb_ccwr_s,
	    "iodelay", (json_int_t)p->iodelay, "cswch_s", p->cswch_s, "nvcswch_s", p->nvcswch_s,
	    "threads", (int)p->threads);
	if (o && p->name[0])
		json_object_set_new(o, "name", json_string(p->name));
	if (o && p->secs > 0)
		json_object_set_new(o, "dt", json_real(p->secs));
	if (o && p->has_vcpu)
		json_object_set_new(o, "vcpu_cpu", json_real(p->vcpu_cpu));
	return o;
}

/* RSS and PSS in kB of every live process of instance id, summed, in
 * all and by role, from smaps_rollup: costly (the kernel walks the page
 * tables), so read once per instance at steady state, never every second.
 * A role without a process stays NAN; a process without smaps_rollup
 * counts its RSS only. */
static void instance_memory(const struct proc_sample *ps, size_t nps, int id, double *rss_kb, double *pss_kb,
    double role_rss[ROLE__COUNT], double role_pss[ROLE__COUNT])
{
	*rss_kb = *pss_kb = 0;
	for (int r = 0; r < ROLE__COUNT; r++)
		role_rss[r] = role_pss[r] = NAN;
	for (size_t i = 0; i < nps; i++) {
		if (ps[i].instance != id || ps[i].exited)
			continue;
		int role = (unsigned)ps[i].role < ROLE__COUNT ? (int)ps[i].role : -1;
		double rss = (double)ps[i].rss_kb, pss = 0;
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)ps[i].pid);
		char *text = read_file(path, NULL);
		for (char *line = text; line && *line;) {
			unsigned long long kb;
			if (sscanf(line, "Rss: %llu kB", &kb) == 1)
				rss = (double)kb;
			else if (sscanf(line, "Pss: %llu kB", &kb) == 1)
				pss = (double)kb;
			line = strchr(line, '\n');
			if (line)
				line++;
		}
		free(text);
		*rss_kb += rss;
		*pss_kb += pss;
		if (role >= 0) {
			role_rss[role] = (isnan(role_rss[role]) ? 0 : role_rss[role]) + rss;
			role_pss[role] = (isnan(role_pss[role]) ? 0 : role_pss[role]) + pss;
		}
	}
}

void inst_memory(struct inst *it, const struct proc_sample *ps, size_t nps, double t)
{
	double role_rss[ROLE__COUNT], role_pss[ROLE__COUNT];
	instance_memory(ps, nps, it->in.id, &it->rss_kb, &it->pss_kb, role_rss, role_pss);
	it->mem_done = 1;
	it->mem_due = 0;
	json_t *roles = json_object();
	for (int r = 0; r < ROLE__COUNT; r++)
		if (!isnan(role_rss[r]))
			json_object_set_new(roles, role_name((enum proc_role)r),
			    json_pack("{s:f, s:f}", "rss_kb", role_rss[r], "pss_kb", role_pss[r]));
	record(it, json_pack("{s:s, s:i, s:f, s:f, s:f, s:o}", "type", "memory", "inst", it->in.id, "t", t,
	    "rss_kb", it->rss_kb, "pss_kb", it->pss_kb, "roles", roles));
}

void inst_tick(struct inst *it, const struct proc_sample *ps, size_t nps, int final)
{
	double t = ++it->ticks;
	/* mem_at counts from the launch, its setup's time left out. */
	if (!final && !it->mem_done && inst_set_up(it) && (it->mem_due || (it->mem_at > 0 &&
	    (double)(mono_ns() - it->in.t_launch_ns - it->setup_ns) / 1e9 >= it->mem_at)))
		inst_memory(it, ps, nps, t);
	struct engine_event *ev = inst_event(it, EV_SAMPLE);
	const struct workload *wl = it->in.wl;
	struct event_metric *em = xcalloc(wl->nmetrics ? wl->nmetrics : 1, sizeof *em);
	size_t nem = 0;
	json_t *mobj = json_object();
	for (size_t k = 0; k < wl->nmetrics; k++) {
		if (!it->tick_n[k])
			continue;
		double v = it->tick_sum[k] / it->tick_n[k];
		em[nem++] = (struct event_metric){ .def = &wl->metrics[k], .value = v };
		json_object_set_new(mobj, wl->metrics[k].name, json_real(v));
		it->tick_sum[k] = 0;
		it->tick_n[k] = 0;
	}
	size_t np;
	struct proc_sample *procs = inst_procs(it, ps, nps, !final, &np);
	if (it->in.has_launch_act) { /* and for this */
		procs[np++] = it->in.launch_act;
		it->in.has_launch_act = 0;
	}
	if (it->has_last_act) { /* inst_procs left room for these */
		procs[np++] = it->last_act;
		it->has_last_act = 0;
		for (size_t i = 0; i < it->nrest_act; i++)
			procs[np++] = it->rest_act[i];
		it->nrest_act = 0;
	}
	json_t *pa = json_array();
	for (size_t i = 0; i < np; i++)
		json_array_append_new(pa, proc_json(&procs[i]));
	json_t *rec = json_pack("{s:s, s:i, s:f, s:o, s:o}", "type", "sample", "inst", it->in.id, "t", t,
	    "metrics", mobj, "procs", pa);
	/* The seconds this sample covers, for CPU-seconds from %CPU, and the
	 * kernel's own count of the instance's CPU so far, to check the sum
	 * over roles against (one small read per cgroup and second). */
	/* Between the sampler's passes, over which its rates are, when this
	 * tick has one; else now (a last record after the reaping). */
	uint64_t now = ps && it->ctx->sampler && sampler_pass_ns(it->ctx->sampler) ?
	    sampler_pass_ns(it->ctx->sampler) : mono_ns();
	if (it->tick_ns && now > it->tick_ns)
		json_object_set_new(rec, "dt", json_real((double)(now - it->tick_ns) / 1e9));
	/* A VM guest's own count of its used memory, with its processes. */
	if (it->in.guest_used_kb > 0) {
		json_object_set_new(rec, "guest_used_kb", json_real(it->in.guest_used_kb));
		it->in.guest_used_kb = 0;
	}
	it->tick_ns = now;
	if (it->in.cgroup) {
		json_t *cg = json_object();
		for (int src = 0; src < CGROUP_CPU__COUNT; src++) {
			long long us = cgroup_cpu_usage_us(it->in.cgroup, (enum cgroup_cpu_src)src);
			if (us >= 0)
				json_object_set_new(cg, cgroup_cpu_src_name((enum cgroup_cpu_src)src), json_real((double)us / 1e6));
		}
		if (json_object_size(cg))
			json_object_set_new(rec, "cgroup_cpu_s", cg);
		else
			json_decref(cg);
	}
	char *cause = NULL;
	if (it->ctx->journal && journal_append(it->ctx->journal, rec, &cause) < 0) {
		events_log(it->ctx->events, it->ctx->journal, LOG_ERROR, "journal: %s", cause);
		free(cause);
	}
	json_decref(rec);
	if (!ev) {
		free(em);
		free(procs);
		return;
	}
	ev->t = t;
	ev->metrics = em;
	ev->nmetrics = nem;
	ev->procs = procs;
	ev->nprocs = np;
	push(it, ev);
}

/* ---- the end ---- */

/* An interference target that ran its time but did no work: its first
 * throughput metric ended at 0 and never rose above it. */
static int no_progress(const struct inst *it, char **cause)
{
	const struct workload *wl = it->in.wl;
	for (size_t k = 0; k < wl->nmetrics; k++) {
		const struct metric_def *m = &wl->metrics[k];
		if (!m->kind || strcmp(m->kind, "throughput") || !m->higher_is_better)
			continue;
		double v = m->summary ? it->end_val[k] : it->all_n[k] ? it->all_sum[k] / it->all_n[k] : NAN;
		if (isnan(v))
			continue;
		if (v > 0)
			return 0;
		/* Summary 0: every interval must have been 0 as well. */
		for (size_t j = 0; j < wl->nmetrics; j++)
			if (!wl->metrics[j].summary && !strcmp(wl->metrics[j].name, m->name) && it->all_sum[j] > 0)
				return 0;
		err_set(cause, "made no progress beside its neighbours: its %s stayed at 0 %s", m->name, m->unit);
		return 1;
	}
	return 0;
}

void inst_over(struct inst *it, const char *why, int timed_out)
{
	if (it->over)
		return;
	it->over = 1;
	it->timed_out = timed_out;
	if (why) {
		it->status = timed_out ? "timeout" : !strcmp(why, "cancelled") ? "cancelled" : "failed";
		if (!it->cause)
			it->cause = xstrdup(why);
		return;
	}
	const struct workload *wl = it->in.wl;
	it->status = "failed";
	if (it->cause)
		return;
	if (!WIFEXITED(it->main_status) || WEXITSTATUS(it->main_status) != 0) {
		char *s = exec_status_str(it->main_status);
		err_set(&it->cause, "%s %s%s%s", wl->name, s, it->tail[0] ? ": " : "", it->tail);
		free(s);
	} else if (it->cpid && (!WIFEXITED(it->comp_status) || WEXITSTATUS(it->comp_status) != 0)) {
		char *s = exec_status_str(it->comp_status);
		err_set(&it->cause, "companion %s", s);
		free(s);
	} else {
		int any = 0;
		for (size_t k = 0; k < wl->nmetrics; k++)
			if (it->all_n[k] || !isnan(it->end_val[k]))
				any = 1;
		if (wl->nmetrics && !any)
			err_set(&it->cause, "no metric matched the output of %s (%llu lines; last: '%s')", wl->name,
			    (unsigned long long)it->lines, it->tail);
		else if (it->role == INST_TARGET && no_progress(it, &it->cause))
			; /* starved: as good as not finished */
		else
			it->status = "ok";
	}
}

/* Whether metric k of its workload is also reported per interval (so a
 * windowed member's value is the mean of its intervals in the window). */
static int has_interval(const struct workload *wl, const char *name)
{
	for (size_t j = 0; j < wl->nmetrics; j++)
		if (!wl->metrics[j].summary && !strcmp(wl->metrics[j].name, name))
			return 1;
	return 0;
}

/* Its cgroup's CPU now, in µs, from the first accounting this machine
 * has; -1 without a cgroup. */
static long long cgroup_cpu_now(const struct inst *it)
{
	for (int src = 0; it->in.cgroup && src < CGROUP_CPU__COUNT; src++) {
		long long us = cgroup_cpu_usage_us(it->in.cgroup, (enum cgroup_cpu_src)src);
		if (us >= 0)
			return us;
	}
	return -1;
}

/* The hold just began (held set) or ended: at its end, a "held" record
 * of how long, by what means, and the CPU its cgroup used meanwhile
 * (what the hold let through). */
static void hold_mark(struct inst *it, int began)
{
	if (began) {
		it->held_ns = mono_ns();
		it->held_cpu_us = cgroup_cpu_now(it);
		return;
	}
	long long us = cgroup_cpu_now(it);
	json_t *rec = json_pack("{s:s, s:i, s:f, s:s}", "type", "held", "inst", it->in.id, "s",
	    (double)(mono_ns() - it->held_ns) / 1e9, "by", it->held_by_runtime ? "runtime" : "signal");
	json_object_set_new(rec, "cgroup_cpu_s",
	    us >= 0 && it->held_cpu_us >= 0 ? json_real((double)(us - it->held_cpu_us) / 1e6) : json_null());
	record(it, rec);
}

size_t inst_hold(struct inst *it, int hold)
{
	int was = it->held;
	size_t k = 0;
	if (!it->launched || it->main_done) {
		it->held = 0;
		return 0;
	}
	/* The runtime's own pause, where it has one (gVisor, a VM). */
	char *cause = NULL;
	int by = it->ex->ops->hold ? it->ex->ops->hold(it->ex, &it->in, hold, &cause) : 0;
	if (by != 0) {
		if (by < 0)
			warn(it, "%s: cannot %s it: %s", it->name, hold ? "pause" : "resume", cause);
		/* A pause that failed holds nothing. A resume that failed leaves
		 * the instance paused, so it can measure nothing more: it fails
		 * with the cause (inst_check ends it, and it is stopped with the
		 * rest of its group) rather than reach its window with no values. */
		if (by < 0 && !hold)
			fail_later(it, xasprintf("%s could not resume it after its group's wait: %s", it->in.rt->driver,
			    cause ? cause : "no cause given"));
		free(cause);
		k = by > 0;
		it->held_by_runtime = 1;
	} else {
		struct pid_role pr[64];
		size_t np = it->ex->ops->pids(it->ex, &it->in, pr, ARRAY_SIZE(pr));
		for (size_t i = 0; i < np; i++)
			if (pr[i].role == ROLE_WORKLOAD && kill(pr[i].pid, hold ? SIGSTOP : SIGCONT) == 0)
				k++;
		it->held_by_runtime = 0;
	}
	it->held = hold && k;
	if (it->held != was)
		hold_mark(it, it->held);
	return k;
}

void inst_window_close(struct inst *it)
{
	if (it->over)
		return;
	const struct workload *wl = it->in.wl;
	if (it->error) {
		inst_over(it, it->error, 0);
		return;
	}
	int any = !wl->nmetrics;
	for (size_t k = 0; k < wl->nmetrics; k++)
		any |= !wl->metrics[k].summary && it->all_n[k];
	if (!any) {
		err_set(&it->cause, "no value of %s fell inside the group's common window (%.1f s; last line: '%s')",
		    wl->name, (double)it->win_len_ns / 1e9, it->tail);
		inst_over(it, it->cause, 0);
		return;
	}
	it->over = 1;
	it->status = "ok";
}

void inst_check(struct inst *it, uint64_t now)
{
	if (!it->launched || it->over)
		return;
	int main_over = inst_main_over(it);
	int comp_over = it->cpid ? it->comp_done && !it->cout_open : 0;
	if (it->in.wl->companion ? (comp_over || (main_over && !it->cpid)) : main_over)
		inst_over(it, NULL, 0);
	else if (it->in.wl->companion && main_over && it->cpid && !comp_over)
		/* The server died under its load generator: nothing more to measure. */
		inst_over(it, "the workload exited while its companion was still running", 0);
	else if (it->error)
		inst_over(it, it->error, 0);
	else if (it->spid && now - it->setup_t0 > SETUP_LIMIT_NS) {
		stop_setup(it);
		char *c = xasprintf("setup ran past %u s (last line: '%s')", (unsigned)(SETUP_LIMIT_NS / 1000000000u),
		    it->stail);
		inst_over(it, c, 1);
		free(c);
		it->ex->ops->stop(it->ex, &it->in, 1, NULL);
	} else if (it->spid) {
		/* Its duration counts from the end of its setup. */
	} else if (it->stop_after_mem && it->mem_done) {
		/* An idle instance, measured: its work is done. */
		it->over = 1;
		it->status = "ok";
	} else if (it->deadline != UINT64_MAX && now >= it->deadline + it->setup_ns) {
		inst_over(it, it->ready ? "ran past its duration plus grace" : "never became ready", 1);
		/* Its neighbours go on: stop it now rather than at the group's end. */
		it->ex->ops->stop(it->ex, &it->in, 1, NULL);
	}
}

void inst_flush(struct inst *it)
{
	if (it->out_open) {
		drain(it->in.out_fd, &it->lb, on_line, it, &it->t_read_ns);
		linebuf_flush(&it->lb, on_line, it);
		it->out_open = 0;
	}
	if (it->cout_open) {
		drain(it->cout_fd, &it->clb, on_companion_line, it, NULL);
		linebuf_flush(&it->clb, on_companion_line, it);
		it->cout_open = 0;
	}
	int leftover = 0;
	for (size_t j = 0; it->launched && j < it->in.wl->nmetrics; j++)
		leftover |= it->tick_n[j] != 0;
	if (leftover)
		inst_tick(it, NULL, 0, 1);
}

void inst_stop_companion(struct inst *it)
{
	stop_setup(it);
	if (!it->cpid)
		return;
	kill(-it->cpid, SIGKILL);
	if (!it->comp_done)
		reap_pid(it->cpid, &it->comp_status);
	it->comp_done = 1;
}

int inst_stop(struct inst *it, int force, char **cause)
{
	if (it->launched && !it->main_done)
		return it->ex->ops->stop(it->ex, &it->in, force, cause);
	return 0;
}

int inst_reap(struct inst *it, int block)
{
	if (!it->launched || it->main_done)
		return 1;
	reap_main(it, block);
	return it->main_done;
}

void inst_cleanup(struct inst *it)
{
	char *cause = NULL;
	if (it->launched) {
		if (it->ex->ops->cleanup(it->ex, &it->in, &cause) < 0) {
			warn(it, "%s: cleanup: %s", it->name, cause);
			free(cause);
			cause = NULL;
		}
	} else if (it->prepared) {
		it->ex->ops->cleanup(it->ex, &it->in, NULL);
	}
	if (it->prepared && it->in.wl->cleanup && run_phase(it, it->in.wl->cleanup, "cleanup", 1, &cause) < 0) {
		warn(it, "%s/%s: %s", it->name, it->in.wl->name, cause);
		free(cause);
	}
	sampler_untrack_instance(it->ctx->sampler, it->in.id);
}

void inst_end(struct inst *it)
{
	if (!it->over && it->role == INST_NEIGHBOUR && it->launched) {
		/* Stopped because its target ended: that is its normal end. */
		it->over = 1;
		it->status = "ok";
	}
	/* The main process's last activity, when it was reaped after the
	 * last sample record. */
	if (it->has_last_act)
		inst_tick(it, NULL, 0, 1);
	inst_over(it, it->cause ? it->cause : it->ctx->cancel && atomic_load(it->ctx->cancel) ? "cancelled" :
	    "not launched", 0);
	const char *error = strcmp(it->status, "ok") ? it->cause : NULL;
	const struct workload *wl = it->in.wl;
	struct event_metric *em = xcalloc(wl->nmetrics ? wl->nmetrics : 1, sizeof *em);
	size_t nem = 0;
	json_t *m = json_object();
	/* A summary value wins; otherwise the mean of the interval values. */
	for (size_t k = 0; k < wl->nmetrics; k++) {
		const char *name = wl->metrics[k].name;
		double v = NAN;
		/* A windowed member: the mean of its intervals in the window; a
		 * summary covers its own run and stands only for a metric the
		 * workload gives no other way. */
		int window_only = it->windowed && has_interval(wl, name);
		if (wl->metrics[k].summary && !isnan(it->end_val[k]) && !window_only)
			v = it->end_val[k];
		else if (!wl->metrics[k].summary && it->all_n[k] && !json_object_get(m, name)) {
			int has_summary = 0;
			for (size_t j = 0; j < wl->nmetrics && !window_only; j++)
				if (wl->metrics[j].summary && !isnan(it->end_val[j]) && !strcmp(wl->metrics[j].name, name))
					has_summary = 1;
			if (!has_summary)
				v = it->all_sum[k] / it->all_n[k];
		}
		if (isnan(v))
			continue;
		json_object_set_new(m, name, json_real(v));
		em[nem++] = (struct event_metric){ .def = &wl->metrics[k], .value = v };
	}
	/* Where the driver can tell create from start (OCI create, a VMM up),
	 * the start-up splits into create_ms and the rest. */
	int split = it->in.t_created_ns > it->in.t_launch_ns;
	double create_ms = split ? (double)(it->in.t_created_ns - it->in.t_launch_ns) / 1e6 : 0;
	json_t *rec = json_pack("{s:s, s:i, s:s, s:o, s:o, s:o, s:o, s:f}", "type", "end", "inst", it->in.id,
	    "status", it->status, "error", error ? json_string(error) : json_null(), "metrics", m,
	    "startup_ms", it->ready ? json_real(it->startup_ms) : json_null(), "create_ms",
	    split ? json_real(create_ms) : json_null(), "elapsed_s", (double)(mono_ns() - it->in.t_launch_ns) / 1e9);
	/* isolab's own share of the start-up: from the launch request to the
	 * runtime's call, and from the ready line written to its arrival. */
	if (it->ready) {
		const struct instance *in = &it->in;
		json_object_set_new(rec, "isolab_pre_ms", in->t_called_ns >= in->t_launch_ns ?
		    json_real((double)(in->t_called_ns - in->t_launch_ns) / 1e6) : json_null());
		uint64_t seen = in->t_launch_ns + (uint64_t)(it->startup_ms * 1e6);
		json_object_set_new(rec, "isolab_post_ms", it->t_written_ns && it->t_written_ns <= seen ?
		    json_real((double)(seen - it->t_written_ns) / 1e6) : json_null());
	}
	/* Scale and startup report start-up and memory as metrics of their own. */
	enum experiment_kind kind = it->ctx->exp ? it->ctx->exp->kind : EXP_BENCHMARK;
	if (kind == EXP_SCALE || kind == EXP_STARTUP) {
		json_t *extra = json_object();
		if (it->ready && it->role != INST_NEIGHBOUR)
			json_object_set_new(extra, "startup_ms", json_real(it->startup_ms));
		if (it->ready && split)
			json_object_set_new(extra, "create_ms", json_real(create_ms));
		if (it->ready && it->nth)
			json_object_set_new(extra, "startup_nth_ms", json_real(it->startup_ms));
		if (!isnan(it->rss_kb))
			json_object_set_new(extra, "rss_kb", json_real(it->rss_kb));
		if (!isnan(it->pss_kb) && it->pss_kb > 0)
			json_object_set_new(extra, "pss_kb", json_real(it->pss_kb));
		json_object_set_new(rec, "extra", extra);
	}
	char *cause = NULL;
	struct journal *j = it->ctx->journal;
	if (j && (journal_append(j, rec, &cause) < 0 || journal_sync(j, &cause) < 0)) {
		events_log(it->ctx->events, j, LOG_ERROR, "journal: %s", cause);
		free(cause);
	}
	json_decref(rec);
	struct engine_event *ev = inst_event(it, EV_INSTANCE_END);
	if (!ev) {
		free(em);
		return;
	}
	ev->rep = it->rep;
	ev->warmup = it->warmup;
	ev->status = xstrdup(it->status);
	ev->error = error ? xstrdup(error) : NULL;
	ev->startup_ms = it->ready ? it->startup_ms : -1;
	ev->metrics = em;
	ev->nmetrics = nem;
	push(it, ev);
}

void inst_announce(struct inst *it, int group, size_t done, size_t total, double eta_s)
{
	struct engine_event *ev = inst_event(it, EV_INSTANCE_START);
	if (ev) {
		ev->group = group;
		ev->rep = it->rep;
		ev->warmup = it->warmup;
		ev->done = done;
		ev->total = total;
		ev->eta_s = eta_s;
		push(it, ev);
	}
	const struct runtime_conf *rt = it->in.rt;
	json_t *rec = json_pack("{s:s, s:i, s:s, s:s, s:s, s:i, s:b, s:s}", "type", "instance", "id", it->in.id,
	    "runtime", rt->name, "driver", rt->driver, "workload", it->in.wl->name, "rep", (int)it->rep, "warmup",
	    it->warmup, "host", it->ex->host);
	/* Only groups say more than "one instance": benchmark journals stay as they were. */
	if (it->ctx->exp && it->ctx->exp->kind != EXP_BENCHMARK) {
		json_object_set_new(rec, "group", json_integer(group));
		json_object_set_new(rec, "role", json_string(role_names[it->role]));
		if (it->variant)
			json_object_set_new(rec, "variant", json_string(it->variant));
		if (it->nclass)
			json_object_set_new(rec, "class", json_string(it->nclass));
	}
	/* A sweep's value, in any kind that has one. */
	if (it->sweep_value && it->ctx->exp && it->ctx->exp->sweep.param) {
		if (it->variant)
			json_object_set_new(rec, "variant", json_string(it->variant));
		json_object_set_new(rec, "sweep", json_pack("{s:s, s:s}", "param", it->ctx->exp->sweep.param, "value",
		    it->sweep_value));
	}
	if (it->ctx->exp && (it->ctx->exp->kind != EXP_BENCHMARK || it->sweep_value)) {
		/* Members may differ (a neighbour's own, a variant's). */
		if (it->in.limits && limits_requested(it->in.limits))
			json_object_set_new(rec, "limits", journal_limits(it->in.limits));
	}
	record(it, rec);
}

void inst_free(struct inst *it)
{
	free(it->cause);
	free(it->error);
	if (it->in.out_fd >= 0)
		close(it->in.out_fd);
	if (it->cout_fd >= 0)
		close(it->cout_fd);
	if (it->pidfd >= 0)
		close(it->pidfd);
	if (it->cpidfd >= 0)
		close(it->cpidfd);
	if (it->spidfd >= 0)
		close(it->spidfd);
	if (it->sout_fd >= 0)
		close(it->sout_fd);
	linebuf_free(&it->lb);
	linebuf_free(&it->clb);
	linebuf_free(&it->slb);
	metrics_free(it->metrics);
	argv_free(it->in.argv);
	argv_free(it->in.guest_files);
	free(it->in.addr);
	free((char *)it->in.dir);
	free(it->tick_sum);
	free(it->tick_n);
	free(it->all_sum);
	free(it->all_n);
	free(it->end_val);
	free(it->end_n);
}

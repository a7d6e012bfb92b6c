/* agent.c — `isolab agent` on top of instance.c (agent.h). */
#include "config.h"
#include "agent.h"
#include "agentproto.h"
#include "exec.h"
#include "executor.h"
#include "instance.h"
#include "resources.h"
#include "runtime.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_INSTANCES 64

/* The agent's own fds in its epoll set, after the instances' slots. */
#define TAG_OWN ((uint64_t)MAX_INSTANCES << 8)
enum { TAG_IN = 1, TAG_SIGNAL, TAG_TIMER };

/* An instance and what the client sent of it: the drivers read no more of
 * the workload than its name, root file system kind and readiness pattern. */
struct slot {
	int used, exit_sent;
	struct inst it;
	struct runtime_conf rt;
	struct workload wl;
	struct limits limits;
	char *network;
};

struct agent {
	const struct agent_opts *o;
	struct slot slots[MAX_INSTANCES];
	struct inst_ctx ctx;
	struct sampler *sampler;
	struct resources *res;
	char *run_id;
	char *datadir;
	char *probe;
	int ep;
	int broken;                 /* the output is gone: tear down */
	struct agentproto_reader rd;
};

static int send_msg(struct agent *a, json_t *o)
{
	size_t len;
	char *line = agentproto_encode(o, &len, NULL);
	json_decref(o);
	if (!line)
		return -1;
	const char *p = line;
	while (len && !a->broken) {
		ssize_t n = write(a->o->out_fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno == EAGAIN) {
				struct pollfd pfd = { .fd = a->o->out_fd, .events = POLLOUT };
				poll(&pfd, 1, 1000);
				continue;
			}
			a->broken = 1;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	free(line);
	return a->broken ? -1 : 0;
}

static void send_error(struct agent *a, const char *op, int id, const char *msg)
{
	send_msg(a, json_pack("{s:s, s:s, s:o, s:o}", "type", "error", "op", op,
	    "id", id >= 0 ? json_integer(id) : json_null(), "msg", agentproto_string(msg, strlen(msg))));
}

static void send_ok(struct agent *a, const char *op, int id)
{
	send_msg(a, json_pack("{s:s, s:s, s:i}", "type", "ok", "op", op, "id", id));
}

/* ---- what the client sends ---- */

static void runtime_from_json(const json_t *o, struct runtime_conf *rt)
{
	memset(rt, 0, sizeof *rt);
	rt->name = xstrdup(json_string_value(json_object_get(o, "name")));
	rt->driver = xstrdup(json_string_value(json_object_get(o, "driver")));
	json_t *opts = json_object_get(o, "options"), *v;
	const char *k;
	rt->options = xcalloc(json_object_size(opts) + 1, sizeof *rt->options);
	json_object_foreach(opts, k, v)
		if (json_is_string(v)) {
			rt->options[rt->noptions].key = xstrdup(k);
			rt->options[rt->noptions++].value = xstrdup(json_string_value(v));
		}
	rt->origin.file = xstrdup("(sent by the local isolab)");
}

/* The options sent against this host's driver, as `isolab config check`
 * checks them here: the client's isolab may be newer, or its driver of
 * that name declare other options. NULL, or a malloc'd one-line reason. */
static char *options_refusal(const struct runtime_conf *rt)
{
	struct config one = { .runtimes = (struct runtime_conf *)rt, .nruntimes = 1 };
	char **errs = NULL;
	size_t n = runtimes_check_options(&one, &errs);
	char *why = NULL;
	if (n) {
		/* "FILE:LINE: runtimes.X.options.K: ...": the file is the client's. */
		const char *r = strstr(errs[0], "runtimes.");
		why = xasprintf("the runtime's options do not fit this host's driver: %s", r ? r : errs[0]);
	}
	for (size_t i = 0; i < n; i++)
		free(errs[i]);
	free(errs);
	return why;
}

static void runtime_free(struct runtime_conf *rt)
{
	free(rt->name);
	free(rt->driver);
	for (size_t i = 0; i < rt->noptions; i++) {
		free(rt->options[i].key);
		free(rt->options[i].value);
	}
	free(rt->options);
	free(rt->origin.file);
	memset(rt, 0, sizeof *rt);
}

static uint64_t ju64(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

static void limits_from_json(const json_t *o, struct limits *l)
{
	memset(l, 0, sizeof *l);
	if (!json_is_object(o))
		return;
	json_t *cpus = json_object_get(o, "cpus");
	l->cpus = json_is_number(cpus) ? json_number_value(cpus) : 0;
	const char *cs = json_string_value(json_object_get(o, "cpuset"));
	l->cpuset = cs && *cs ? xstrdup(cs) : NULL;
	l->weight = (unsigned)ju64(o, "weight");
	l->mem_hard = ju64(o, "memory");
	l->mem_soft = ju64(o, "memory_soft");
	l->pids = (unsigned)ju64(o, "pids");
	l->mem_pool = ju64(o, "memory_pool");
	l->io_weight = (unsigned)ju64(o, "io_weight");
}

/* Older clients send no workload: a minimal root and no pattern. */
static void workload_from_json(const json_t *o, struct workload *wl)
{
	const char *name = json_string_value(json_object_get(o, "name"));
	const char *rootfs = json_string_value(json_object_get(o, "rootfs"));
	const char *ready = json_string_value(json_object_get(o, "ready"));
	memset(wl, 0, sizeof *wl);
	wl->name = xstrdup(name ? name : "workload");
	wl->rootfs = xstrdup(rootfs && !strcmp(rootfs, "host") ? "host" : "minimal");
	wl->ready = ready ? xstrdup(ready) : NULL;
}

/* ---- instances ---- */

static struct slot *find_slot(struct agent *a, int id)
{
	for (size_t i = 0; i < MAX_INSTANCES; i++)
		if (a->slots[i].used && a->slots[i].it.in.id == id)
			return &a->slots[i];
	return NULL;
}

/* Stops (by force) what still runs, cleans up and forgets the instance. */
static void slot_destroy(struct agent *a, struct slot *s)
{
	struct inst *it = &s->it;
	if (it->launched && !it->main_done) {
		inst_stop(it, 1, NULL);
		inst_reap(it, 1);
	}
	inst_cleanup(it);
	if (it->in.dir) {
		rm_rf(it->in.dir);
		resources_done(a->res, "dir", it->in.dir, NULL);
	}
	inst_free(it);
	free(s->network);
	free(s->limits.cpuset);
	free(s->wl.name);
	free(s->wl.rootfs);
	free(s->wl.ready);
	runtime_free(&s->rt);
	memset(s, 0, sizeof *s);
}

static int open_run(struct agent *a, const char *run_id, char **cause)
{
	if (a->res)
		return strcmp(a->run_id, run_id) ? err_set(cause, "this agent serves run %s, not %s", a->run_id, run_id) : 0;
	if (!*run_id || strchr(run_id, '/') || run_id[0] == '.' || strlen(run_id) > 128)
		return err_set(cause, "invalid run id");
	/* Its own name: on a loopback host the local run already owns <run-id>. */
	char *rid = xasprintf("%s.agent%d", run_id, (int)getpid());
	a->res = resources_open(rid, driver_reaper, cause);
	free(rid);
	if (!a->res)
		return -1;
	a->run_id = xstrdup(run_id);
	const char *tmp = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/isolab-agent-data.XXXXXX", tmp && *tmp ? tmp : "/var/tmp");
	if (!mkdtemp(tmpl)) {
		free(tmpl);
		tmpl = xstrdup("/tmp/isolab-agent-data.XXXXXX");
		if (!mkdtemp(tmpl)) {
			free(tmpl);
			return err_errno(cause, "cannot create a data directory");
		}
	}
	a->datadir = tmpl;
	resources_add(a->res, "dir", a->datadir, NULL, NULL);
	a->ctx.res = a->res;
	a->ctx.run_id = a->run_id;
	a->ctx.dirs = a->datadir;
	return 0;
}

static void on_prepare(struct agent *a, const struct agent_msg *m)
{
	char *cause = NULL;
	if (find_slot(a, m->id)) {
		send_error(a, "prepare", m->id, "instance id already in use");
		return;
	}
	struct slot *s = NULL;
	for (size_t i = 0; i < MAX_INSTANCES && !s; i++)
		if (!a->slots[i].used)
			s = &a->slots[i];
	if (!s) {
		send_error(a, "prepare", m->id, "too many instances on this agent");
		return;
	}
	if (open_run(a, json_string_value(json_object_get(m->json, "run_id")), &cause) < 0) {
		send_error(a, "prepare", m->id, cause);
		free(cause);
		return;
	}
	s->used = 1;
	runtime_from_json(json_object_get(m->json, "runtime"), &s->rt);
	char *refused = options_refusal(&s->rt);
	if (refused) {
		send_error(a, "prepare", m->id, refused);
		free(refused);
		runtime_free(&s->rt);
		s->used = 0;
		return;
	}
	limits_from_json(json_object_get(m->json, "limits"), &s->limits);
	workload_from_json(json_object_get(m->json, "workload"), &s->wl);
	const char *net = json_string_value(json_object_get(m->json, "network"));
	s->network = xstrdup(net && (!strcmp(net, "host") || !strcmp(net, "bridge")) ? net : "none");
	struct inst *it = &s->it;
	inst_init(it, &a->ctx, m->id, &executor_local, &s->rt, s->rt.name, &s->wl, &s->limits);
	it->in.network = s->network;
	it->in.threads = (unsigned)ju64(m->json, "threads");
	it->in.port = 0;            /* the client's ${port} is already in argv */
	it->deadline = UINT64_MAX;  /* the client keeps the time */
	it->ep = a->ep;
	it->tag = (uint64_t)(s - a->slots) << 8;
	if (inst_prepare(it) < 0) {
		send_error(a, "prepare", m->id, it->cause);
		slot_destroy(a, s);
		return;
	}
	send_ok(a, "prepare", m->id);
}

/* Items that name the probe or the instance directory are the client's
 * placeholders for this host's paths (docs/agent-protocol.md). */
static char **argv_from_json(const struct agent *a, const json_t *argv, const char *dir)
{
	json_t *item;
	size_t i;
	char **v = xcalloc(json_array_size(argv) + 1, sizeof *v);
	json_array_foreach(argv, i, item) {
		const char *s = json_string_value(item);
		if (!strcmp(s, "${probe}"))
			v[i] = xstrdup(a->probe);
		else if (!strncmp(s, "${dir}", 6))
			v[i] = xasprintf("%s%s", dir, s + 6);
		else if (!strncmp(s, "$${", 3))
			v[i] = xstrdup(s + 1);
		else
			v[i] = xstrdup(s);
	}
	return v;
}

static void on_launch(struct agent *a, const struct agent_msg *m)
{
	struct slot *s = find_slot(a, m->id);
	if (!s || s->it.launched || s->it.in.argv) {
		send_error(a, "launch", m->id, s ? "instance already launched" : "no such instance (prepare it first)");
		return;
	}
	struct inst *it = &s->it;
	it->in.argv = argv_from_json(a, json_object_get(m->json, "argv"), it->in.dir);
	/* The driver's unmeasured stage (a VM's initramfs and disk) comes
	 * first, as in the engine; the workload's files and prepare phase ran
	 * on the client's side. */
	if (inst_stage(it) == 0)
		inst_launch(it);
	if (!it->launched) {
		send_error(a, "launch", m->id, it->cause ? it->cause : "launch failed");
		return;
	}
	uint64_t created = it->in.t_created_ns > it->in.t_launch_ns ? it->in.t_created_ns - it->in.t_launch_ns : 0;
	send_msg(a, json_pack("{s:s, s:i, s:i, s:s?, s:I, s:i}", "type", "launched", "id", it->in.id,
	    "pid", (int)it->in.main_pid, "addr", it->in.addr, "t_created_ns", (json_int_t)created,
	    "copies", (int)it->in.copies));
}

static void on_output_line(void *owner, struct inst *it, const char *line, size_t len)
{
	send_msg(owner, json_pack("{s:s, s:i, s:o}", "type", "output", "id", it->in.id, "line",
	    agentproto_string(line, len)));
}

static void on_warn(void *owner, const char *msg)
{
	struct agent *a = owner;
	if (a->o->warn)
		a->o->warn(msg);
}

/* The exit goes after the output (instance.c gives a pipe that a
 * grandchild holds a short grace, as in the engine). */
static void send_exits(struct agent *a)
{
	for (size_t i = 0; i < MAX_INSTANCES; i++) {
		struct slot *s = &a->slots[i];
		if (!s->used || !s->it.launched || s->exit_sent)
			continue;
		inst_poll(&s->it);
		if (!inst_main_over(&s->it))
			continue;
		int st = s->it.main_status;
		json_t *o = json_pack("{s:s, s:i, s:i}", "type", "exit", "id", s->it.in.id, "status", st);
		if (WIFEXITED(st))
			json_object_set_new(o, "code", json_integer(WEXITSTATUS(st)));
		if (WIFSIGNALED(st))
			json_object_set_new(o, "signal", json_integer(WTERMSIG(st)));
		send_msg(a, o);
		s->exit_sent = 1;
	}
}

static void sample_all(struct agent *a)
{
	int any = 0;
	for (size_t i = 0; i < MAX_INSTANCES; i++) {
		struct slot *s = &a->slots[i];
		if (s->used && s->it.launched && !s->it.main_done) {
			struct pid_role pr[64];
			inst_track(&s->it, pr, ARRAY_SIZE(pr));
			any = 1;
		}
	}
	if (!any)
		return;
	const struct proc_sample *ps;
	size_t nps = 0;
	if (sampler_sample(a->sampler, &ps, &nps, NULL) < 0)
		nps = 0;
	for (size_t i = 0; i < MAX_INSTANCES; i++) {
		struct slot *s = &a->slots[i];
		if (!s->used || !s->it.launched || s->it.main_done)
			continue;
		size_t n;
		struct proc_sample *rows = inst_procs(&s->it, ps, nps, 1, &n);
		if (s->it.in.has_launch_act) { /* inst_procs leaves room for it */
			rows[n++] = s->it.in.launch_act;
			s->it.in.has_launch_act = 0;
		}
		json_t *procs = json_array();
		for (size_t k = 0; k < n; k++)
			json_array_append_new(procs, agentproto_proc_to_json(&rows[k]));
		free(rows);
		json_t *msg = json_pack("{s:s, s:i, s:f, s:o}", "type", "sample", "id", s->it.in.id,
		    "t", (double)(mono_ns() - s->it.in.t_launch_ns) / 1e9, "procs", procs);
		/* A VM guest's own count of its used memory, as the local
		 * engine journals it beside the processes of that second. */
		if (s->it.in.guest_used_kb > 0) {
			json_object_set_new(msg, "guest_used_kb", json_real(s->it.in.guest_used_kb));
			s->it.in.guest_used_kb = 0;
		}
		send_msg(a, msg);
	}
}

static void send_hello(struct agent *a)
{
	struct utsname u;
	uname(&u);
	json_t *drivers = json_array();
	for (const struct driver *const *d = driver_all(); *d; d++)
		json_array_append_new(drivers, json_string((*d)->name));
	send_msg(a, json_pack("{s:s, s:i, s:s, s:s, s:s, s:o, s:[s, s, s]}", "type", "hello",
	    "proto", AGENTPROTO_VERSION, "agent", "isolab " PACKAGE_VERSION, "arch", u.machine,
	    "kernel", u.release, "drivers", drivers, "capabilities", "samples", "ping", "stop"));
}

static void on_list(struct agent *a)
{
	json_t *list = json_array();
	for (const struct driver *const *d = driver_all(); *d; d++)
		json_array_append_new(list, json_pack("{s:s, s:s}", "name", (*d)->name,
		    "description", (*d)->description ? (*d)->description : ""));
	send_msg(a, json_pack("{s:s, s:o}", "type", "runtimes", "drivers", list));
}

static void on_probe(struct agent *a, const struct agent_msg *m)
{
	struct runtime_conf rt;
	struct driver_status st = { 0 };
	runtime_from_json(json_object_get(m->json, "runtime"), &rt);
	char *refused = options_refusal(&rt);
	if (refused)
		st.reason = refused;
	else
		executor_local.ops->probe(&executor_local, &rt, &st);
	send_msg(a, json_pack("{s:s, s:b, s:s?, s:s?, s:s?}", "type", "status", "available", st.available,
	    "version", st.version, "reason", st.reason, "fix", st.fix));
	driver_status_free(&st);
	runtime_free(&rt);
}

static void on_stop(struct agent *a, const struct agent_msg *m)
{
	struct slot *s = find_slot(a, m->id);
	char *cause = NULL;
	if (!s)
		send_error(a, "stop", m->id, "no such instance");
	else if (inst_stop(&s->it, json_is_true(json_object_get(m->json, "force")), &cause) < 0)
		send_error(a, "stop", m->id, cause);
	else
		send_ok(a, "stop", m->id);
	free(cause);
}

/* Handles one line; returns -1 when the agent must end. */
static int on_message(struct agent *a, const char *line, size_t len)
{
	struct agent_msg m;
	char *cause = NULL;
	if (agentproto_decode(line, len, &m, &cause) < 0) {
		send_error(a, "decode", -1, cause);
		free(cause);
		return 0;
	}
	int rc = 0;
	switch (m.type) {
	case AGENT_MSG_HELLO:
		if (agentproto_check_hello(&m, &cause) < 0) {
			send_error(a, "hello", -1, cause);
			free(cause);
			rc = -1;
		} else {
			send_hello(a);
		}
		break;
	case AGENT_MSG_LIST: on_list(a); break;
	case AGENT_MSG_PROBE: on_probe(a, &m); break;
	case AGENT_MSG_PREPARE: on_prepare(a, &m); break;
	case AGENT_MSG_LAUNCH: on_launch(a, &m); break;
	case AGENT_MSG_STOP: on_stop(a, &m); break;
	case AGENT_MSG_CLEANUP: {
		struct slot *s = find_slot(a, m.id);
		if (s)
			slot_destroy(a, s);
		send_ok(a, "cleanup", m.id); /* cleaning up twice is fine */
		break;
	}
	case AGENT_MSG_PING:
		send_msg(a, json_pack("{s:s, s:O}", "type", "pong", "seq", json_object_get(m.json, "seq")));
		break;
	default:
		send_error(a, agentproto_type_name(m.type), m.id, "not a request an agent answers");
		break;
	}
	agentproto_msg_free(&m);
	return rc;
}

/* Reads what the input has and handles its complete lines; 0 when the
 * agent must end. */
static int read_input(struct agent *a)
{
	char buf[65536];
	ssize_t r = read(a->o->in_fd, buf, sizeof buf);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (r <= 0)
		return 0; /* the channel closed */
	char *cause = NULL;
	if (agentproto_reader_feed(&a->rd, buf, (size_t)r, &cause) < 0) {
		send_error(a, "decode", -1, cause); /* a protocol line too long */
		free(cause);
		return 0;
	}
	const char *line;
	size_t len;
	while (agentproto_reader_next(&a->rd, &line, &len))
		if (on_message(a, line, len) < 0)
			return 0;
	return 1;
}

static void teardown(struct agent *a)
{
	for (size_t i = 0; i < MAX_INSTANCES; i++)
		if (a->slots[i].used)
			slot_destroy(a, &a->slots[i]);
	if (a->datadir) {
		rm_rf(a->datadir);
		resources_done(a->res, "dir", a->datadir, NULL);
	}
	if (a->res) {
		char **errs = NULL;
		resources_reap_all(a->res, &errs);
		for (char **s = errs; s && *s; s++) {
			_cleanup_free_ char *msg = xasprintf("cleanup: %s", *s);
			on_warn(a, msg);
			free(*s);
		}
		free(errs);
		resources_close(a->res, 1);
		a->res = NULL;
	}
	if (a->o->remove_dir)
		rm_rf(a->o->remove_dir);
}

static int add_fd(int ep, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* How long the loop may sleep before an instance needs polling. */
static int wait_ms(const struct agent *a, int input_is_file)
{
	int ms = input_is_file ? 0 : -1;
	for (size_t i = 0; i < MAX_INSTANCES; i++) {
		const struct slot *s = &a->slots[i];
		if (!s->used || !s->it.launched || s->exit_sent)
			continue;
		int p = inst_poll_ms(&s->it);
		if (p < 1000 && (ms < 0 || p < ms))
			ms = p;
	}
	return ms;
}

static void loop(struct agent *a, int tfd)
{
	/* Input that epoll cannot watch (a regular file) is always readable. */
	int input_is_file = add_fd(a->ep, a->o->in_fd, TAG_OWN | TAG_IN) < 0 && errno == EPERM;
	while (!a->broken) {
		struct epoll_event evs[32];
		int nev = epoll_wait(a->ep, evs, 32, wait_ms(a, input_is_file));
		if (nev < 0 && errno != EINTR)
			return;
		int input = input_is_file, timer = 0;
		/* The instances' fds first: handling the input may destroy one. */
		for (int i = 0; i < nev; i++) {
			uint64_t tag = evs[i].data.u64;
			if (tag == (TAG_OWN | TAG_SIGNAL))
				return;
			if (tag == (TAG_OWN | TAG_IN))
				input = 1;
			else if (tag == (TAG_OWN | TAG_TIMER))
				timer = 1;
			else if (a->slots[tag >> 8].used)
				inst_on_fd(&a->slots[tag >> 8].it, (int)(tag & 0xff));
		}
		if (timer) {
			uint64_t ticks;
			if (read(tfd, &ticks, sizeof ticks) > 0)
				sample_all(a);
		}
		send_exits(a);
		if (input && !read_input(a))
			return;
	}
}

int agent_serve(const struct agent_opts *o, char **cause)
{
	struct agent a = { .o = o, .ep = -1 };
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	a.ep = epoll_create1(EPOLL_CLOEXEC);
	a.sampler = sampler_new("/proc");
	struct itimerspec its = { .it_value = { 1, 0 }, .it_interval = { 1, 0 } };
	int rc = 0;
	if (tfd < 0 || a.ep < 0 || !a.sampler || timerfd_settime(tfd, 0, &its, NULL) < 0 ||
	    add_fd(a.ep, tfd, TAG_OWN | TAG_TIMER) < 0 ||
	    (o->signal_fd >= 0 && add_fd(a.ep, o->signal_fd, TAG_OWN | TAG_SIGNAL) < 0)) {
		rc = err_errno(cause, "cannot set up");
	} else {
		a.probe = exec_probe_path();
		if (!a.probe)
			a.probe = xstrdup("isolab-probe");
		a.ctx = (struct inst_ctx){ .sampler = a.sampler, .probe = a.probe, .relay = 1, .owner = &a,
			.on_line = on_output_line, .on_warn = on_warn };
		agentproto_reader_init(&a.rd);
		loop(&a, tfd);
		agentproto_reader_free(&a.rd);
	}
	teardown(&a);
	if (a.sampler)
		sampler_free(a.sampler);
	if (a.ep >= 0)
		close(a.ep);
	if (tfd >= 0)
		close(tfd);
	free(a.probe);
	free(a.run_id);
	free(a.datadir);
	return rc;
}

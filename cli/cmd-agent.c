/*
 * cmd-agent.c — `isolab agent`: the remote end of a remote runtime.
 *
 * The local isolab starts this over an SSH channel and speaks the agent
 * protocol (docs/agent-protocol.md, engine/agentproto.h) on its stdin and
 * stdout. The agent has no drivers of its own: it calls the same drivers
 * (runtimes/registry.c) the local engine calls, and the same sampler, so a
 * remote native or gVisor instance is exactly a local one on that machine.
 * What stays local is everything that interprets: metric patterns,
 * readiness, the journal and the statistics. The agent relays raw output
 * lines and its sampler's rows, and forwards the workload's exit status.
 *
 * Teardown: when stdin closes for any reason (the local isolab exited, the
 * link died, sshd killed the session) or on SIGTERM/SIGHUP/SIGINT, every
 * instance is stopped by force and cleaned up, the agent's resource journal
 * (/run/isolab/<run-id>.agent<pid>/) is reaped and removed, and so are its
 * data directory and, with --remove-dir, the directory an uploaded agent
 * runs from. A resource that cannot be reaped stays in the resource journal
 * for `isolab cleanup` on that host.
 *
 * The agent is single-threaded: one poll loop over stdin, a signalfd, a
 * 1 Hz timerfd and each instance's output pipe and pidfd. It never prints
 * anything to stdout but protocol lines; diagnostics go to stderr, which
 * the local side shows when the agent fails to start.
 *
 * This file is also the whole of the static `isolab-agent` that isolab
 * uploads to hosts without isolab (cli/agent-main.c), so it uses nothing
 * from engine.c or the remote driver: only the drivers and what they use.
 */
#include "config.h"
#include "agentproto.h"
#include "cmd.h"
#include "exec.h"
#include "metrics.h"
#include "resources.h"
#include "runtime.h"
#include "sampler.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_INSTANCES 64

struct ainst {
	int id;
	struct instance in;
	struct runtime_conf rt;
	struct workload wl;      /* name, rootfs and ready from the client; the drivers read no more */
	struct limits limits;
	const struct driver *d;
	char *network;
	int launched;
	int pidfd;
	int exited, status, out_open;
	uint64_t t_exit_ns;
	struct linebuf lb;
	struct ainst *next;
};

struct agent {
	struct ainst *insts;
	struct sampler *sampler;
	struct resources *res;
	char *run_id;
	char *datadir;
	char *probe;
	const char *remove_dir;
	int broken;                 /* stdout is gone: tear down */
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
		ssize_t n = write(STDOUT_FILENO, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno == EAGAIN) {
				struct pollfd pfd = { .fd = STDOUT_FILENO, .events = POLLOUT };
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

/* ---- runtime and limits from messages ---- */

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
}

/* ---- instances ---- */

static struct ainst *find_inst(struct agent *a, int id)
{
	for (struct ainst *i = a->insts; i; i = i->next)
		if (i->id == id)
			return i;
	return NULL;
}

/* Stops (by force) what still runs, cleans up and forgets the instance. */
static void inst_destroy(struct agent *a, struct ainst *ai)
{
	if (ai->launched && !ai->exited) {
		ai->d->stop(&ai->in, 1, NULL);
		while (waitpid(ai->in.main_pid, &ai->status, 0) < 0 && errno == EINTR)
			;
		ai->exited = 1;
	}
	if (ai->d) {
		char *cause = NULL;
		if (ai->d->cleanup(&ai->in, &cause) < 0) {
			fprintf(stderr, "isolab agent: instance %d: cleanup: %s\n", ai->id, cause);
			free(cause);
		}
	}
	sampler_untrack_instance(a->sampler, ai->id);
	if (ai->in.out_fd >= 0)
		close(ai->in.out_fd);
	if (ai->pidfd >= 0)
		close(ai->pidfd);
	if (ai->in.dir) {
		rm_rf(ai->in.dir);
		if (a->res)
			resources_done(a->res, "dir", ai->in.dir, NULL);
	}
	linebuf_free(&ai->lb);
	argv_free(ai->in.argv);
	free((char *)ai->in.dir);
	free(ai->in.addr);
	free(ai->network);
	free(ai->limits.cpuset);
	free(ai->wl.name);
	free(ai->wl.rootfs);
	free(ai->wl.ready);
	runtime_free(&ai->rt);
	for (struct ainst **pp = &a->insts; *pp; pp = &(*pp)->next)
		if (*pp == ai) {
			*pp = ai->next;
			break;
		}
	free(ai);
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
	return 0;
}

static void on_prepare(struct agent *a, const struct agent_msg *m)
{
	char *cause = NULL;
	if (find_inst(a, m->id)) {
		send_error(a, "prepare", m->id, "instance id already in use");
		return;
	}
	size_t n = 0;
	for (struct ainst *i = a->insts; i; i = i->next)
		n++;
	if (n >= MAX_INSTANCES) {
		send_error(a, "prepare", m->id, "too many instances on this agent");
		return;
	}
	if (open_run(a, json_string_value(json_object_get(m->json, "run_id")), &cause) < 0) {
		send_error(a, "prepare", m->id, cause);
		free(cause);
		return;
	}
	struct ainst *ai = xcalloc(1, sizeof *ai);
	ai->id = m->id;
	ai->pidfd = -1;
	ai->in.out_fd = -1;
	linebuf_init(&ai->lb);
	runtime_from_json(json_object_get(m->json, "runtime"), &ai->rt);
	limits_from_json(json_object_get(m->json, "limits"), &ai->limits);
	const char *net = json_string_value(json_object_get(m->json, "network"));
	ai->network = xstrdup(net && (!strcmp(net, "host") || !strcmp(net, "bridge")) ? net : "none");
	ai->next = a->insts;
	a->insts = ai;
	ai->in.id = m->id;
	ai->in.run_id = a->run_id;
	ai->in.rt = &ai->rt;
	/* Older clients send no workload: a minimal rootfs and no pattern. */
	json_t *wl = json_object_get(m->json, "workload");
	const char *wname = json_string_value(json_object_get(wl, "name"));
	const char *rootfs = json_string_value(json_object_get(wl, "rootfs"));
	const char *ready = json_string_value(json_object_get(wl, "ready"));
	ai->wl.name = xstrdup(wname ? wname : "workload");
	ai->wl.rootfs = xstrdup(rootfs && !strcmp(rootfs, "host") ? "host" : "minimal");
	ai->wl.ready = ready ? xstrdup(ready) : NULL;
	ai->in.wl = &ai->wl;
	ai->in.limits = &ai->limits;
	ai->in.network = ai->network;
	ai->in.probe = a->probe;
	ai->in.res = a->res;
	ai->in.threads = (unsigned)ju64(m->json, "threads");
	ai->d = driver_find(ai->rt.driver);
	if (!ai->d) {
		cause = xasprintf("this agent has no driver '%s'", ai->rt.driver);
		goto fail;
	}
	unsigned unsupported = limits_requested(&ai->limits) & ~ai->d->limits_supported;
	if (unsupported) {
		cause = xasprintf("driver %s cannot honour the limit '%s'", ai->d->name, limit_name(unsupported));
		goto fail;
	}
	char *dir = xasprintf("%s/%d", a->datadir, m->id);
	if (mkdir_p(dir, 0755) < 0) {
		err_errno(&cause, "cannot create %s", dir);
		free(dir);
		goto fail;
	}
	ai->in.dir = dir;
	if (ai->d->prepare(&ai->in, &cause) < 0)
		goto fail;
	send_ok(a, "prepare", m->id);
	return;
fail:
	send_error(a, "prepare", m->id, cause);
	free(cause);
	inst_destroy(a, ai);
}

static void on_launch(struct agent *a, const struct agent_msg *m)
{
	struct ainst *ai = find_inst(a, m->id);
	char *cause = NULL;
	if (!ai || ai->launched) {
		send_error(a, "launch", m->id, ai ? "instance already launched" : "no such instance (prepare it first)");
		return;
	}
	/* Items that name the probe or the instance directory are the local
	 * side's placeholders for this host's paths. */
	json_t *argv = json_object_get(m->json, "argv"), *it;
	size_t i;
	char **v = xcalloc(json_array_size(argv) + 1, sizeof *v);
	json_array_foreach(argv, i, it) {
		const char *s = json_string_value(it);
		if (!strcmp(s, "${probe}"))
			v[i] = xstrdup(a->probe);
		else if (!strncmp(s, "${dir}", 6))
			v[i] = xasprintf("%s%s", ai->in.dir, s + 6);
		else if (!strncmp(s, "$${", 3))
			v[i] = xstrdup(s + 1);
		else
			v[i] = xstrdup(s);
	}
	ai->in.argv = v;
	/* The driver's unmeasured stage (a VM's initramfs and disk) comes
	 * first, as in the engine; the workload's files and prepare phase ran
	 * on the client's side. */
	if (ai->d->stage && ai->d->stage(&ai->in, &cause) < 0) {
		send_error(a, "launch", m->id, cause);
		free(cause);
		return;
	}
	ai->in.t_launch_ns = mono_ns();
	if (ai->d->launch(&ai->in, &cause) < 0) {
		send_error(a, "launch", m->id, cause);
		free(cause);
		return;
	}
	ai->launched = 1;
	ai->out_open = ai->in.out_fd >= 0;
	ai->pidfd = exec_pidfd_open(ai->in.main_pid);
	struct pid_role pr[64];
	size_t np = ai->d->pids(&ai->in, pr, ARRAY_SIZE(pr));
	for (size_t k = 0; k < np; k++)
		sampler_track(a->sampler, pr[k].pid, ai->id, pr[k].role, NULL);
	send_msg(a, json_pack("{s:s, s:i, s:i, s:s?, s:I, s:i}", "type", "launched", "id", ai->id,
	    "pid", (int)ai->in.main_pid, "addr", ai->in.addr,
	    "t_created_ns", (json_int_t)(ai->in.t_created_ns > ai->in.t_launch_ns ?
	    ai->in.t_created_ns - ai->in.t_launch_ns : 0), "copies", (int)ai->in.copies));
}

static void on_output_line(const char *line, size_t len, void *arg)
{
	void **ctx = arg;
	struct agent *a = ctx[0];
	struct ainst *ai = ctx[1];
	send_msg(a, json_pack("{s:s, s:i, s:o}", "type", "output", "id", ai->id, "line",
	    agentproto_string(line, len)));
}

/* Reads what the workload wrote; 0 at EOF. */
static int drain_output(struct agent *a, struct ainst *ai)
{
	char buf[16384];
	void *ctx[2] = { a, ai };
	for (int rounds = 0; rounds < 64; rounds++) {
		ssize_t n = read(ai->in.out_fd, buf, sizeof buf);
		if (n > 0) {
			linebuf_feed(&ai->lb, buf, (size_t)n, on_output_line, ctx);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 1;
		linebuf_flush(&ai->lb, on_output_line, ctx);
		return 0;
	}
	return 1;
}

static void send_exit(struct agent *a, struct ainst *ai)
{
	if (ai->out_open) {
		drain_output(a, ai);
		void *ctx[2] = { a, ai };
		linebuf_flush(&ai->lb, on_output_line, ctx);
		ai->out_open = 0;
	}
	json_t *o = json_pack("{s:s, s:i, s:i}", "type", "exit", "id", ai->id, "status", ai->status);
	if (WIFEXITED(ai->status))
		json_object_set_new(o, "code", json_integer(WEXITSTATUS(ai->status)));
	if (WIFSIGNALED(ai->status))
		json_object_set_new(o, "signal", json_integer(WTERMSIG(ai->status)));
	send_msg(a, o);
	ai->t_exit_ns = 0;
	ai->out_open = -1; /* exit sent */
}

static void sample_all(struct agent *a)
{
	int any = 0;
	for (struct ainst *ai = a->insts; ai; ai = ai->next) {
		if (!ai->launched || ai->exited)
			continue;
		struct pid_role pr[64];
		size_t np = ai->d->pids(&ai->in, pr, ARRAY_SIZE(pr));
		for (size_t k = 0; k < np; k++)
			sampler_track(a->sampler, pr[k].pid, ai->id, pr[k].role, NULL);
		sampler_track_children(a->sampler, ai->id);
		any = 1;
	}
	if (!any)
		return;
	const struct proc_sample *ps;
	size_t nps = 0;
	if (sampler_sample(a->sampler, &ps, &nps, NULL) < 0)
		nps = 0;
	for (struct ainst *ai = a->insts; ai; ai = ai->next) {
		if (!ai->launched || ai->exited)
			continue;
		json_t *procs = json_array();
		for (size_t k = 0; k < nps; k++)
			if (ps[k].instance == ai->id)
				json_array_append_new(procs, agentproto_proc_to_json(&ps[k]));
		if (ai->d->foreign_samples) {
			struct proc_sample fs[256];
			size_t nf = ai->d->foreign_samples(&ai->in, fs, ARRAY_SIZE(fs));
			for (size_t k = 0; k < nf; k++)
				json_array_append_new(procs, agentproto_proc_to_json(&fs[k]));
		}
		send_msg(a, json_pack("{s:s, s:i, s:f, s:o}", "type", "sample", "id", ai->id,
		    "t", (double)(mono_ns() - ai->in.t_launch_ns) / 1e9, "procs", procs));
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

/* Handles one line; returns -1 when the agent must end. */
static int on_line(struct agent *a, const char *line, size_t len)
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
	case AGENT_MSG_LIST: {
		json_t *list = json_array();
		for (const struct driver *const *d = driver_all(); *d; d++)
			json_array_append_new(list, json_pack("{s:s, s:s}", "name", (*d)->name,
			    "description", (*d)->description ? (*d)->description : ""));
		send_msg(a, json_pack("{s:s, s:o}", "type", "runtimes", "drivers", list));
		break;
	}
	case AGENT_MSG_PROBE: {
		struct runtime_conf rt;
		struct driver_status st;
		runtime_from_json(json_object_get(m.json, "runtime"), &rt);
		runtime_probe(&rt, &st);
		send_msg(a, json_pack("{s:s, s:b, s:s?, s:s?, s:s?}", "type", "status", "available", st.available,
		    "version", st.version, "reason", st.reason, "fix", st.fix));
		driver_status_free(&st);
		runtime_free(&rt);
		break;
	}
	case AGENT_MSG_PREPARE:
		on_prepare(a, &m);
		break;
	case AGENT_MSG_LAUNCH:
		on_launch(a, &m);
		break;
	case AGENT_MSG_STOP: {
		struct ainst *ai = find_inst(a, m.id);
		if (!ai) {
			send_error(a, "stop", m.id, "no such instance");
			break;
		}
		if (ai->launched && !ai->exited && ai->d->stop(&ai->in, json_is_true(json_object_get(m.json, "force")),
		    &cause) < 0) {
			send_error(a, "stop", m.id, cause);
			free(cause);
			break;
		}
		send_ok(a, "stop", m.id);
		break;
	}
	case AGENT_MSG_CLEANUP: {
		struct ainst *ai = find_inst(a, m.id);
		if (ai)
			inst_destroy(a, ai);
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

static void teardown(struct agent *a)
{
	while (a->insts)
		inst_destroy(a, a->insts);
	if (a->datadir) {
		rm_rf(a->datadir);
		if (a->res)
			resources_done(a->res, "dir", a->datadir, NULL);
	}
	if (a->res) {
		char **errs = NULL;
		resources_reap_all(a->res, &errs);
		for (char **s = errs; s && *s; s++) {
			fprintf(stderr, "isolab agent: cleanup: %s\n", *s);
			free(*s);
		}
		free(errs);
		resources_close(a->res, 1);
		a->res = NULL;
	}
	if (a->remove_dir)
		rm_rf(a->remove_dir);
}

static void agent_usage(FILE *fp)
{
	fprintf(fp, "usage: isolab agent [--remove-dir DIR]\n"
	    "Speaks the agent protocol on stdin/stdout; started by isolab over SSH for remote runtimes.\n"
	    "  --remove-dir DIR  remove DIR at exit (an uploaded agent's private directory)\n");
}

static int cmd_agent_exec(const struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "remove-dir", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct agent a = { 0 };
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'R': a.remove_dir = optarg; break;
		case 'h': agent_usage(stdout); return 0;
		default: agent_usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		agent_usage(stderr);
		return 2;
	}
	if (a.remove_dir && (a.remove_dir[0] != '/' || strstr(a.remove_dir, "isolab-agent.") == NULL)) {
		fprintf(stderr, "isolab agent: --remove-dir takes the uploaded agent's directory only\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	struct itimerspec its = { .it_value = { 1, 0 }, .it_interval = { 1, 0 } };
	if (tfd >= 0)
		timerfd_settime(tfd, 0, &its, NULL);
	a.sampler = sampler_new("/proc");
	if (!a.sampler || sfd < 0 || tfd < 0) {
		fprintf(stderr, "isolab agent: cannot set up: %s\n", strerror(errno));
		if (a.remove_dir)
			rm_rf(a.remove_dir);
		return 1;
	}
	a.probe = exec_probe_path();
	if (!a.probe)
		a.probe = xstrdup("isolab-probe");
	agentproto_reader_init(&a.rd);
	int in_open = 1;
	const char *why = NULL;
	while (in_open && !a.broken) {
		struct pollfd pfd[3 + 2 * MAX_INSTANCES];
		struct ainst *owner[3 + 2 * MAX_INSTANCES];
		nfds_t n = 0;
		pfd[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = tfd, .events = POLLIN };
		int timeout = -1;
		for (struct ainst *ai = a.insts; ai && n + 2 <= ARRAY_SIZE(pfd); ai = ai->next) {
			if (!ai->launched)
				continue;
			if (ai->out_open > 0) {
				owner[n] = ai;
				pfd[n++] = (struct pollfd){ .fd = ai->in.out_fd, .events = POLLIN };
			}
			if (!ai->exited && ai->pidfd >= 0) {
				owner[n] = ai;
				pfd[n++] = (struct pollfd){ .fd = ai->pidfd, .events = POLLIN };
			}
			if (!ai->exited && ai->pidfd < 0)
				timeout = 100; /* no pidfd: poll waitpid */
			if (ai->exited && ai->out_open > 0)
				timeout = 50;
		}
		if (poll(pfd, n, timeout) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents) {
			char buf[65536];
			ssize_t r = read(STDIN_FILENO, buf, sizeof buf);
			if (r > 0) {
				char *cause = NULL;
				if (agentproto_reader_feed(&a.rd, buf, (size_t)r, &cause) < 0) {
					send_error(&a, "decode", -1, cause);
					free(cause);
					why = "a protocol line too long";
					break;
				}
				const char *line;
				size_t len;
				while (agentproto_reader_next(&a.rd, &line, &len))
					if (on_line(&a, line, len) < 0) {
						in_open = 0;
						break;
					}
			} else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
				in_open = 0;
				why = "the channel closed";
			}
		}
		if (pfd[1].revents) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
				why = "a signal";
				break;
			}
		}
		if (pfd[2].revents) {
			uint64_t ticks;
			if (read(tfd, &ticks, sizeof ticks) > 0)
				sample_all(&a);
		}
		for (nfds_t k = 3; k < n; k++) {
			if (!pfd[k].revents)
				continue;
			struct ainst *ai = owner[k];
			if (!find_inst(&a, ai->id) || ai != find_inst(&a, ai->id))
				continue; /* destroyed while handling stdin */
			if (pfd[k].fd == ai->in.out_fd && ai->out_open > 0) {
				if (!drain_output(&a, ai))
					ai->out_open = 0;
			} else if (pfd[k].fd == ai->pidfd && !ai->exited) {
				if (waitpid(ai->in.main_pid, &ai->status, WNOHANG) == ai->in.main_pid) {
					ai->exited = 1;
					ai->t_exit_ns = mono_ns();
				}
			}
		}
		for (struct ainst *ai = a.insts; ai; ai = ai->next) {
			if (ai->launched && !ai->exited && ai->pidfd < 0 &&
			    waitpid(ai->in.main_pid, &ai->status, WNOHANG) == ai->in.main_pid) {
				ai->exited = 1;
				ai->t_exit_ns = mono_ns();
			}
			/* The exit goes after the output, unless a grandchild keeps the
			 * pipe open past a short grace, as in the engine. */
			if (ai->exited && ai->out_open >= 0 &&
			    (ai->out_open == 0 || mono_ns() - ai->t_exit_ns > 200000000u))
				send_exit(&a, ai);
		}
	}
	if (a.broken && !why)
		why = "stdout closed";
	(void)why;
	teardown(&a);
	agentproto_reader_free(&a.rd);
	sampler_free(a.sampler);
	free(a.probe);
	free(a.run_id);
	free(a.datadir);
	close(sfd);
	close(tfd);
	return 0;
}

const struct cmd_entry cmd_agent_entry = {
	.name = "agent",
	.usage = "[--remove-dir DIR]",
	.summary = "serve a remote isolab over SSH (stdin/stdout)",
	.exec = cmd_agent_exec,
};

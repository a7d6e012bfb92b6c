/*
 * executor-remote.c — the remote executor: instances on another host.
 *
 * Why an executor and not a second engine: the engine already knows how to
 * drive an instance (launch, read output lines, wait for the main process,
 * sample once a second, stop, clean up), and every result must go through
 * the same metric patterns, journal and statistics wherever it was
 * measured. So `gvisor@lab1` is the local engine driving the configured
 * runtime gvisor through this executor, which turns probe, prepare,
 * launch, stop and cleanup into requests to `isolab agent` on lab1
 * (engine/agent.c) over an SSH channel (engine/ssh.c) in the agent
 * protocol (base/agentproto.h, docs/agent-protocol.md). The agent runs
 * them through its local executor and the same drivers: there is no
 * second implementation of any driver, and no driver knows it is remote.
 *
 * One executor per host holds that host's settings and the probes made
 * there; nothing of the remote path is process-wide.
 *
 * What the engine sees of a remote instance:
 *   out_fd   — the read end of a local pipe. A relay thread owns the SSH
 *              session once the instance is launched and writes each
 *              "output" line it receives into the pipe, so the engine's
 *              line splitting, readiness and metric matching are unchanged.
 *   main_pid — a tiny local "carrier" child that blocks on a pipe. When the
 *              agent reports the workload's exit, the relay closes the
 *              output pipe and writes the waitpid status to the carrier,
 *              which exits with that same status (or dies of the same
 *              signal). The engine's pidfd wait and exit-status handling
 *              therefore work untouched. A fork()ed child rather than a
 *              thread because the engine waits on a pid; it runs only
 *              async-signal-safe code and dies with isolab (PDEATHSIG).
 *   pids     — none: nothing of the instance runs here.
 *   foreign_samples — the agent's sampler rows for the last second, with
 *              their real roles (workload, runtime, vmm...), which the
 *              engine journals and shows like local ones, and a VM
 *              guest's own count of its used memory when the agent sent
 *              one (for the memory tax).
 *
 * A dead link: the relay sends a ping when the agent has been silent for a
 * third of the host's timeout (a running instance sends samples every
 * second anyway) and gives up after the whole timeout; TCP keepalive and
 * TCP_USER_TIMEOUT on the socket cover long silent phases such as prepare.
 * The relay then writes a last output line naming the reason and ends the
 * carrier with status 255: the engine records the instance as failed with
 * that reason, keeping the samples journalled so far. The agent, seeing
 * its channel close, tears the instance down on its side.
 *
 * The agent: `isolab agent` when isolab is installed on the host and
 * speaks our protocol version. Otherwise, when the host's architecture
 * (uname -m) is ours, the static isolab-agent and isolab-probe are
 * uploaded over SFTP into a private `mktemp -d` directory, checked against
 * their local SHA-256 digests with the host's sha256sum, and run with
 * --remove-dir, so the agent removes them even when the link dies; the
 * proxy removes the directory too when it closes normally.
 * Each instance has its own SSH session, so that a lost link loses only
 * its instance; connecting is unmeasured (prepare). The probes of a host
 * share one session, kept between them until the executor closes.
 */
#include "config.h"
#include "agentproto.h"
#include "exec.h"
#include "executor.h"
#include "journal.h"
#include "runtime.h"
#include "ssh.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define PREPARE_TIMEOUT_S 600
#define LAUNCH_TIMEOUT_S 120
#define MAX_SAMPLES 256

/* One host: where and how to reach it, and the probes made there. */
struct remote {
	struct executors *set;   /* its prompts */
	char *host;              /* as the person named it */
	char *address, *user, *identity, *known_hosts;
	int port, timeout;
	pthread_mutex_t lock;    /* guards probes */
	struct probe_cache *probes;
	pthread_mutex_t probe_lock; /* guards probe_conn, and serialises the probes over it */
	struct conn *probe_conn; /* kept between probes; closed with the executor */
};

/* "[user@]host[:port]", "[v6]:port": fills user, address, port. */
static int parse_spec(const char *spec, char **user, char **addr, int *port, char **cause)
{
	const char *at = strrchr(spec, '@');
	const char *h = at ? at + 1 : spec;
	*user = at ? xstrndup(spec, (size_t)(at - spec)) : NULL;
	*port = 0;
	const char *colon = NULL;
	if (*h == '[') {
		const char *end = strchr(h, ']');
		if (!end)
			goto bad;
		*addr = xstrndup(h + 1, (size_t)(end - h - 1));
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon) {
			free(*addr);
			goto bad;
		}
	} else {
		colon = strchr(h, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* a bare IPv6 address */
		*addr = colon ? xstrndup(h, (size_t)(colon - h)) : xstrdup(h);
	}
	if (colon) {
		char *end;
		long p = strtol(colon + 1, &end, 10);
		if (*end || p < 1 || p > 65535) {
			free(*addr);
			goto bad;
		}
		*port = (int)p;
	}
	if (!**addr || (*user && !**user)) {
		free(*addr);
		goto bad;
	}
	return 0;
bad:
	free(*user);
	*user = NULL;
	*addr = NULL;
	_cleanup_free_ char *q = err_quote(spec, 80);
	return err_set(cause, "invalid host '%s': expected a configured host, an ssh alias or [user@]host[:port]",
	    q);
}

static int remote_accepts(const char *host)
{
	return strcmp(host, "local") != 0;
}

static void remote_close(struct executor *ex);

/* A configured host, else [user@]address[:port] (an alias in ~/.ssh/config
 * is an address that libssh resolves). Never connects. */
static struct executor *remote_open(struct executors *set, const char *host, char **cause)
{
	struct remote *r = xcalloc(1, sizeof *r);
	r->set = set;
	r->host = xstrdup(host);
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->probe_lock, NULL);
	struct executor *ex = xcalloc(1, sizeof *ex);
	ex->ops = &executor_remote_ops;
	ex->host = r->host;
	ex->priv = r;
	const struct host_conf *hc = config_host(executors_config(set), host);
	if (hc) {
		r->address = hc->address ? xstrdup(hc->address) : NULL;
		r->user = hc->user ? xstrdup(hc->user) : NULL;
		r->identity = hc->identity ? xstrdup(hc->identity) : NULL;
		r->known_hosts = hc->known_hosts ? xstrdup(hc->known_hosts) : NULL;
		r->port = hc->port;
		r->timeout = hc->timeout > 0 ? hc->timeout : 0;
	} else if (parse_spec(host, &r->user, &r->address, &r->port, cause) < 0) {
		remote_close(ex);
		return NULL;
	}
	return ex;
}

/* The runtime the agent runs: its own name, driver and options. */
static json_t *runtime_json(const struct runtime_conf *rt)
{
	json_t *opts = json_object();
	for (size_t i = 0; i < rt->noptions; i++)
		json_object_set_new(opts, rt->options[i].key, json_string(rt->options[i].value));
	return json_pack("{s:s, s:s, s:o}", "name", rt->name, "driver", rt->driver, "options", opts);
}

/* ---- agent connection ---- */

struct conn {
	struct ssh_link *link;
	struct ssh_stream *st;
	struct agentproto_reader rd;
	char *updir;         /* uploaded agent's directory, removed at close */
	char *host;
	int timeout_s;
};

static void conn_close(struct conn *c)
{
	if (!c)
		return;
	ssh_stream_close(c->st);
	if (c->updir && c->link) {
		char *q = ssh_shell_quote(c->updir);
		char *cmd = xasprintf("rm -rf -- %s", q);
		int status;
		ssh_link_run(c->link, cmd, NULL, 0, &status, NULL);
		free(cmd);
		free(q);
	}
	ssh_link_close(c->link);
	agentproto_reader_free(&c->rd);
	free(c->updir);
	free(c->host);
	free(c);
}

static int conn_send(struct conn *c, json_t *o, char **cause)
{
	size_t len;
	char *line = agentproto_encode(o, &len, cause);
	json_decref(o);
	if (!line)
		return -1;
	int rc = ssh_stream_write(c->st, line, len, cause);
	free(line);
	return rc;
}

/* The next message within timeout_ms: 1, 0 on timeout, -1 (cause) when the
 * stream ended or sent something undecodable. */
static int conn_recv(struct conn *c, int timeout_ms, struct agent_msg *m, char **cause)
{
	uint64_t deadline = mono_ns() + (uint64_t)timeout_ms * 1000000u;
	for (;;) {
		const char *line;
		size_t len;
		if (agentproto_reader_next(&c->rd, &line, &len)) {
			if (agentproto_decode(line, len, m, cause) < 0)
				return err_wrap(cause, "%s: agent", c->host);
			return 1;
		}
		uint64_t now = mono_ns();
		if (now >= deadline)
			return 0;
		int wait = (int)((deadline - now) / 1000000u);
		char buf[16384];
		ssize_t n = ssh_stream_read(c->st, buf, sizeof buf, wait > 500 ? 500 : wait, cause);
		if (n < 0)
			return -1;
		if (n > 0 && agentproto_reader_feed(&c->rd, buf, (size_t)n, cause) < 0)
			return -1;
	}
}

/* Waits for the answer to op: "ok" (or the type want), skipping messages
 * about other things. Returns 0 with *reply (when not NULL) or -1. */
static int conn_wait(struct conn *c, const char *op, enum agent_msg_type want, int timeout_s,
    struct agent_msg *reply, char **cause)
{
	uint64_t deadline = mono_ns() + (uint64_t)timeout_s * 1000000000ull;
	for (;;) {
		struct agent_msg m;
		uint64_t now = mono_ns();
		if (now >= deadline)
			return err_set(cause, "%s: the agent did not answer %s within %d s", c->host, op, timeout_s);
		int rc = conn_recv(c, (int)((deadline - now) / 1000000u) + 1, &m, cause);
		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;
		const char *mop = json_string_value(json_object_get(m.json, "op"));
		if (m.type == AGENT_MSG_ERROR && mop && (!strcmp(mop, op) || !strcmp(mop, "decode") ||
		    !strcmp(mop, "hello"))) {
			err_set(cause, "%s: agent: %s", c->host, json_string_value(json_object_get(m.json, "msg")));
			agentproto_msg_free(&m);
			return -1;
		}
		if (m.type == want && (want != AGENT_MSG_OK || (mop && !strcmp(mop, op)))) {
			if (reply)
				*reply = m;
			else
				agentproto_msg_free(&m);
			return 0;
		}
		agentproto_msg_free(&m);
	}
}

static int conn_hello(struct conn *c, char **cause)
{
	json_t *o = json_pack("{s:s, s:i, s:s}", "type", "hello", "proto", AGENTPROTO_VERSION,
	    "client", "isolab " PACKAGE_VERSION);
	if (conn_send(c, o, cause) < 0)
		return -1;
	struct agent_msg m;
	if (conn_wait(c, "hello", AGENT_MSG_HELLO, c->timeout_s, &m, cause) < 0)
		return -1;
	int rc = agentproto_check_hello(&m, cause);
	/* What the relay relies on: a sample each second, pong, stop. */
	static const char *const need[] = { "samples", "ping", "stop" };
	for (size_t i = 0; rc == 0 && i < ARRAY_SIZE(need); i++)
		if (!agentproto_has_capability(&m, need[i]))
			rc = err_set(cause, "%s: its agent lacks the capability '%s': update isolab there", c->host, need[i]);
	agentproto_msg_free(&m);
	return rc;
}

/* The static agent to upload: $ISOLAB_AGENT, next to this program, or
 * installed in pkglibexecdir. Malloc'd, or NULL. */
static char *local_agent_path(void)
{
	const char *env = getenv("ISOLAB_AGENT");
	if (env && *env)
		return access(env, R_OK) == 0 ? xstrdup(env) : NULL;
	char *beside = path_beside_self("isolab-agent", R_OK);
	if (beside)
		return beside;
	return access(PKGLIBEXECDIR "/isolab-agent", R_OK) == 0 ? xstrdup(PKGLIBEXECDIR "/isolab-agent") : NULL;
}

/* Both uploaded files against their local digests, in one command. */
static int check_digests(struct conn *c, const char *const local[2], const char *const remote[2], char **cause)
{
	char want[2][65];
	for (int i = 0; i < 2; i++)
		if (ssh_sha256_file(local[i], want[i], cause) < 0)
			return -1;
	char *q0 = ssh_shell_quote(remote[0]), *q1 = ssh_shell_quote(remote[1]);
	char *cmd = xasprintf("sha256sum -- %s %s", q0, q1);
	free(q0);
	free(q1);
	char *out = NULL;
	int status = -1;
	int rc = ssh_link_run(c->link, cmd, &out, 1024, &status, cause);
	free(cmd);
	const char *line = out;
	for (int i = 0; rc == 0 && i < 2; i++) {
		if (status != 0 || !line || strncmp(line, want[i], 64) != 0)
			rc = err_set(cause, "%s: the uploaded %s does not have the expected SHA-256 digest %s (got '%.64s')",
			    c->host, remote[i], want[i], line ? line : "");
		else if ((line = strchr(line, '\n')) != NULL)
			line++;
	}
	free(out);
	return rc;
}

/* Reads the guard's next line (its end of line removed) into line. */
static int guard_line(struct conn *c, struct ssh_stream *guard, char *line, size_t cap, char **rerr)
{
	size_t n = 0;
	line[0] = '\0';
	/* One byte at a time: the next line must stay unread. */
	while (n < cap - 1) {
		ssize_t r = ssh_stream_read(guard, line + n, 1, c->timeout_s * 1000, rerr);
		if (r == 0 && !*rerr)
			*rerr = xasprintf("%s: no answer within %d s", c->host, c->timeout_s);
		if (r <= 0)
			break;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	return n > 0 ? 0 : -1;
}

/* Uploads the static agent and the probe and starts the agent from there.
 * Each command on the host costs a shell start-up there (its rc files
 * included), so the steps are folded into as few commands as they can be:
 * the guard, the two uploads, one digest check, the agent. */
static int start_uploaded(struct conn *c, const char *why_not_installed, char **cause)
{
	_cleanup_free_ char *agent = local_agent_path();
	_cleanup_free_ char *probe = exec_probe_path();
	if (!agent || !probe)
		return err_set(cause, "%s: isolab is not installed there (%s), and the static %s to upload was "
		    "not found here (set ISOLAB_AGENT, or install isolab on %s)", c->host, why_not_installed,
		    agent ? "isolab-probe" : "isolab-agent", c->host);
	/* The guard says the host's architecture, then makes the directory and
	 * stays on a channel of its own until the agent has started: if this
	 * process dies meanwhile (the TUI quits during a probe, a kill), the
	 * link closes, the guard's `read` meets the end of its input, and it
	 * removes the directory. The link may die before the guard has even
	 * said the directory's name: its `echo` then meets a closed pipe, so
	 * SIGPIPE (and a SIGHUP) must not kill it before its `rm`. $TMPDIR is
	 * honoured. */
	struct ssh_stream *guard = ssh_stream_open(c->link,
	    "umask 077; trap '' PIPE HUP; uname -m; d=$(mktemp -d \"${TMPDIR:-/tmp}/isolab-agent.XXXXXXXX\") || exit 1; "
	    "echo \"$d\" && read -r keep && [ \"$keep\" = keep ] || rm -rf -- \"$d\"", cause);
	if (!guard)
		return -1;
	struct utsname u;
	uname(&u);
	char arch[64], line[256];
	_cleanup_free_ char *rerr = NULL;
	if (guard_line(c, guard, arch, sizeof arch, &rerr) < 0 || strcmp(arch, u.machine)) {
		if (!*arch && rerr)
			err_set(cause, "%s (while asking the host's architecture)", rerr);
		else
			err_set(cause, "%s: isolab is not installed there (%s), and its architecture '%s' is not this "
			    "machine's '%s', so the agent cannot be uploaded: install isolab on %s", c->host,
			    why_not_installed, arch, u.machine, c->host);
		ssh_stream_close(guard);
		return -1;
	}
	guard_line(c, guard, line, sizeof line, &rerr);
	/* The name goes back into commands (quoted): accept only what mktemp makes. */
	if (!agentproto_updir_ok(line)) {
		if (!*line && rerr)
			err_set(cause, "%s (while making the agent's private directory)", rerr);
		else
			err_set(cause, "%s: cannot create a private directory for the agent (mktemp -d said '%s'%s%s)",
			    c->host, line, *ssh_stream_stderr(guard) ? ": " : "", ssh_stream_stderr(guard));
		ssh_stream_close(guard);
		return -1;
	}
	c->updir = xstrdup(line);
	_cleanup_free_ char *ragent = xasprintf("%s/isolab-agent", c->updir);
	_cleanup_free_ char *rprobe = xasprintf("%s/isolab-probe", c->updir);
	const char *const local[2] = { agent, probe }, *const remote[2] = { ragent, rprobe };
	int rc = -1;
	if (ssh_link_upload(c->link, agent, ragent, 0700, cause) < 0 ||
	    ssh_link_upload(c->link, probe, rprobe, 0700, cause) < 0 || check_digests(c, local, remote, cause) < 0)
		goto out;
	char *qa = ssh_shell_quote(ragent), *qd = ssh_shell_quote(c->updir);
	char *cmd = xasprintf("exec %s agent --remove-dir %s", qa, qd);
	free(qa);
	free(qd);
	c->st = ssh_stream_open(c->link, cmd, cause);
	free(cmd);
	if (!c->st || conn_hello(c, cause) < 0)
		goto out;
	/* The agent owns the directory now (--remove-dir): the guard keeps it. */
	rc = ssh_stream_write(guard, "keep\n", 5, cause);
out:
	ssh_stream_close(guard);
	return rc;
}

static void set_tcp_keepalive(struct conn *c)
{
	int fd = ssh_stream_fd(c->st);
	if (fd < 0)
		return;
	int one = 1, idle = c->timeout_s / 3 > 0 ? c->timeout_s / 3 : 1, cnt = 3;
	int intvl = idle / 3 > 0 ? idle / 3 : 1;
	unsigned user_to = (unsigned)c->timeout_s * 1000u;
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_to, sizeof user_to);
}

/* Connects to the executor's host and starts an agent that said hello. */
static struct conn *conn_open(const struct executor *ex, char **cause)
{
	const struct remote *r = ex->priv;
	struct conn *c = xcalloc(1, sizeof *c);
	agentproto_reader_init(&c->rd);
	c->host = xstrdup(r->host);
	struct ssh_target t = {
		.name = c->host,
		.host = r->address ? r->address : c->host,
		.user = r->user,
		.port = r->port,
		.identity = r->identity,
		.known_hosts = r->known_hosts,
		.timeout_s = r->timeout,
	};
	struct ssh_prompts p;
	executors_get_prompts(r->set, &p);
	c->link = ssh_link_open(&t, &p, cause);
	if (!c->link)
		goto fail;
	c->timeout_s = ssh_link_timeout(c->link);
	char *why = NULL;
	c->st = ssh_stream_open(c->link, "exec isolab agent", &why);
	if (c->st && conn_hello(c, &why) == 0) {
		set_tcp_keepalive(c);
		return c;
	}
	ssh_stream_close(c->st);
	c->st = NULL;
	agentproto_reader_free(&c->rd);
	agentproto_reader_init(&c->rd);
	int rc = start_uploaded(c, why ? why : "no answer", cause);
	free(why);
	if (rc < 0)
		goto fail;
	set_tcp_keepalive(c);
	return c;
fail:
	conn_close(c);
	return NULL;
}

/* ---- probe (cached per runtime for the life of the executor) ---- */

struct probe_cache {
	char *name;
	struct driver_status st;
	struct probe_cache *next;
};

static void status_copy(struct driver_status *dst, const struct driver_status *src)
{
	dst->available = src->available;
	dst->version = src->version ? xstrdup(src->version) : NULL;
	dst->reason = src->reason ? xstrdup(src->reason) : NULL;
	dst->fix = src->fix ? xstrdup(src->fix) : NULL;
}

static void remote_probe(const struct executor *ex, const struct runtime_conf *rt, struct driver_status *st)
{
	struct remote *rm = ex->priv;
	pthread_mutex_lock(&rm->lock);
	for (struct probe_cache *pc = rm->probes; pc; pc = pc->next)
		if (!strcmp(pc->name, rt->name)) {
			status_copy(st, &pc->st);
			pthread_mutex_unlock(&rm->lock);
			return;
		}
	pthread_mutex_unlock(&rm->lock);

	/* One connection serves every probe of the host, one after another:
	 * a connection costs several round trips and shell start-ups there.
	 * A kept one that has died since is replaced once. */
	pthread_mutex_lock(&rm->probe_lock);
	char *cause = NULL;
	struct agent_msg m;
	int ok = 0;
	for (int attempt = 0; attempt < 2 && !ok; attempt++) {
		struct conn *c = rm->probe_conn;
		rm->probe_conn = NULL;
		int kept = c != NULL;
		if (!c)
			c = conn_open(ex, &cause);
		if (c && conn_send(c, json_pack("{s:s, s:o}", "type", "probe", "runtime", runtime_json(rt)), &cause) == 0 &&
		    conn_wait(c, "probe", AGENT_MSG_STATUS, c->timeout_s, &m, &cause) == 0) {
			const char *v = json_string_value(json_object_get(m.json, "version"));
			const char *r = json_string_value(json_object_get(m.json, "reason"));
			const char *f = json_string_value(json_object_get(m.json, "fix"));
			st->available = json_is_true(json_object_get(m.json, "available"));
			st->version = v ? xasprintf("%s on %s", v, c->host) : xasprintf("on %s", c->host);
			st->reason = r ? xasprintf("on %s: %s", c->host, r) : NULL;
			st->fix = f ? xstrdup(f) : NULL;
			agentproto_msg_free(&m);
			rm->probe_conn = c;
			ok = 1;
		} else {
			conn_close(c);
			if (!kept)
				break;
			free(cause);
			cause = NULL;
		}
	}
	pthread_mutex_unlock(&rm->probe_lock);
	if (!ok) {
		st->available = 0;
		st->reason = cause ? cause : xstrdup("cannot reach the agent");
		cause = NULL;
	}
	free(cause);
	struct probe_cache *pc = xcalloc(1, sizeof *pc);
	pc->name = xstrdup(rt->name);
	status_copy(&pc->st, st);
	pthread_mutex_lock(&rm->lock);
	pc->next = rm->probes;
	rm->probes = pc;
	pthread_mutex_unlock(&rm->lock);
}

static void remote_close(struct executor *ex)
{
	if (!ex)
		return;
	struct remote *r = ex->priv;
	while (r->probes) {
		struct probe_cache *pc = r->probes;
		r->probes = pc->next;
		free(pc->name);
		driver_status_free(&pc->st);
		free(pc);
	}
	conn_close(r->probe_conn);
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->probe_lock);
	free(r->host);
	free(r->address);
	free(r->user);
	free(r->identity);
	free(r->known_hosts);
	free(r);
	free(ex);
}

/* The agent checks the limits against the real driver and refuses what it
 * cannot honour; its own kernel and start-up allowance are its business.
 * So does it for the I/O weight, which depends on the remote machine's
 * block schedulers and cgroups: its refusal names that machine's reason.
 * A memory pool is left out: the members of a group may not all run
 * through the one agent whose cgroups would hold the pool. */
static int remote_caps(const struct executor *ex, const struct runtime_conf *rt, struct executor_caps *caps,
    char **cause)
{
	(void)ex, (void)rt, (void)cause;
	*caps = (struct executor_caps){
		.limits = LIMIT_CPUS | LIMIT_CPUSET | LIMIT_WEIGHT | LIMIT_MEM_HARD | LIMIT_MEM_SOFT | LIMIT_PIDS |
		    LIMIT_IO_WEIGHT,
	};
	return 0;
}

/* ---- instances ---- */

struct remote_inst {
	struct conn *c;
	int prepared;
	pthread_t relay;
	int relay_started;
	int ctl[2];              /* engine -> relay: 's' stop, 'k' kill, 'c' cleanup */
	int out_w;               /* the output pipe's write end, the relay's */
	int carrier_w;           /* status pipe to the carrier child */
	pid_t carrier;
	int id;

	pthread_mutex_t lock;    /* guards samples */
	struct proc_sample samples[MAX_SAMPLES];
	size_t nsamples;
	double guest_used_kb;    /* with the samples: a VM guest's used memory, 0 if none */
	int fresh;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int remote_prepare(const struct executor *ex, struct instance *in, char **cause)
{
	struct remote_inst *ri = xcalloc(1, sizeof *ri);
	ri->ctl[0] = ri->ctl[1] = ri->out_w = ri->carrier_w = -1;
	ri->id = in->id;
	pthread_mutex_init(&ri->lock, NULL);
	in->priv = ri;
	ri->c = conn_open(ex, cause);
	if (!ri->c)
		return -1;
	static const struct limits none;
	json_t *lim = journal_limits(in->limits ? in->limits : &none);
	/* What the remote driver reads of the workload: its name, root file
	 * system kind and readiness pattern (a VM's relay matches it). */
	json_t *wl = json_pack("{s:s, s:s, s:s?}", "name", in->wl ? in->wl->name : "workload",
	    "rootfs", in->wl && in->wl->rootfs ? in->wl->rootfs : "minimal", "ready", in->wl ? in->wl->ready : NULL);
	json_t *o = json_pack("{s:s, s:i, s:s, s:o, s:o, s:s, s:i, s:o}", "type", "prepare", "id", in->id,
	    "run_id", in->run_id ? in->run_id : "run", "runtime", runtime_json(in->rt), "limits", lim,
	    "network", in->network ? in->network : "none", "threads", (int)in->threads, "workload", wl);
	if (conn_send(ri->c, o, cause) < 0 || conn_wait(ri->c, "prepare", AGENT_MSG_OK, PREPARE_TIMEOUT_S, NULL, cause) < 0)
		return -1;
	ri->prepared = 1;
	return 0;
}

/* The carrier: exits with the status written to fd 0 (see the top). Only
 * async-signal-safe calls: it is forked from a threaded process. */
static void __attribute__((noreturn)) carrier_main(int fd)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setpgid(0, 0);
	if (fd != 0) {
		dup2(fd, 0);
	}
	syscall(SYS_close_range, 1u, ~0u, 0u);
	int status = 0;
	ssize_t n;
	while ((n = read(0, &status, sizeof status)) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof status)
		_exit(255);
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		struct sigaction sa = { .sa_handler = SIG_DFL };
		sigaction(sig, &sa, NULL);
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		kill(getpid(), sig);
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 255);
}

static void write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

/* Ends the instance as the engine sees it: output closed, carrier exits. */
static void finish(struct remote_inst *ri, int status, const char *lost)
{
	if (ri->out_w >= 0 && lost) {
		char *line = xasprintf("\nisolab: lost the connection to %s: %s\n", ri->c->host, lost);
		write_all(ri->out_w, line, strlen(line));
		free(line);
	}
	close_fd(&ri->out_w);
	if (ri->carrier_w >= 0) {
		write_all(ri->carrier_w, (const char *)&status, sizeof status);
		close_fd(&ri->carrier_w);
	}
}

static void on_relay_msg(struct remote_inst *ri, const struct agent_msg *m, int *exited)
{
	switch (m->type) {
	case AGENT_MSG_OUTPUT: {
		if (m->id != ri->id || ri->out_w < 0)
			break;
		const char *s = json_string_value(json_object_get(m->json, "line"));
		size_t n = json_string_length(json_object_get(m->json, "line"));
		char *line = xmalloc(n + 1);
		memcpy(line, s, n);
		line[n] = '\n';
		write_all(ri->out_w, line, n + 1);
		free(line);
		break;
	}
	case AGENT_MSG_SAMPLE: {
		if (m->id != ri->id)
			break;
		json_t *procs = json_object_get(m->json, "procs"), *p;
		size_t i;
		pthread_mutex_lock(&ri->lock);
		ri->nsamples = 0;
		json_array_foreach(procs, i, p)
			if (ri->nsamples < MAX_SAMPLES && agentproto_proc_from_json(p, &ri->samples[ri->nsamples]) == 0)
				ri->nsamples++;
		/* Kept until the engine takes it: two messages can arrive
		 * between its ticks, and the later one may not carry it. */
		json_t *gu = json_object_get(m->json, "guest_used_kb");
		if (json_is_number(gu) && json_number_value(gu) > 0)
			ri->guest_used_kb = json_number_value(gu);
		ri->fresh = 1;
		pthread_mutex_unlock(&ri->lock);
		break;
	}
	case AGENT_MSG_EXIT:
		if (m->id != ri->id || *exited)
			break;
		*exited = 1;
		finish(ri, (int)json_integer_value(json_object_get(m->json, "status")), NULL);
		break;
	default:
		break;
	}
}

static void *relay_main(void *arg)
{
	struct remote_inst *ri = arg;
	struct conn *c = ri->c;
	int exited = 0, cleanup_sent = 0, ping_out = 0;
	json_int_t seq = 0;
	uint64_t last_rx = mono_ns(), cleanup_deadline = 0;
	uint64_t timeout_ns = (uint64_t)c->timeout_s * 1000000000ull;
	char *lost = NULL;
	for (;;) {
		char cmd;
		while (read(ri->ctl[0], &cmd, 1) == 1) {
			json_t *o = NULL;
			if ((cmd == 's' || cmd == 'k') && !exited)
				o = json_pack("{s:s, s:i, s:b}", "type", "stop", "id", ri->id, "force", cmd == 'k');
			else if (cmd == 'c' && !cleanup_sent) {
				o = json_pack("{s:s, s:i}", "type", "cleanup", "id", ri->id);
				cleanup_sent = 1;
				cleanup_deadline = mono_ns() + timeout_ns;
			}
			if (o && conn_send(c, o, &lost) < 0)
				goto out;
		}
		struct agent_msg m;
		int rc = conn_recv(c, 200, &m, &lost);
		if (rc < 0)
			goto out;
		uint64_t now = mono_ns();
		if (rc > 0) {
			last_rx = now;
			ping_out = 0;
			on_relay_msg(ri, &m, &exited);
			const char *op = json_string_value(json_object_get(m.json, "op"));
			int done = cleanup_sent && (m.type == AGENT_MSG_OK || m.type == AGENT_MSG_ERROR) && op &&
			    !strcmp(op, "cleanup");
			agentproto_msg_free(&m);
			if (done)
				break;
			continue;
		}
		if (cleanup_sent && now > cleanup_deadline) {
			lost = xasprintf("%s: the agent did not confirm the cleanup", c->host);
			goto out;
		}
		if (!ping_out && now - last_rx > timeout_ns / 3) {
			if (conn_send(c, json_pack("{s:s, s:I}", "type", "ping", "seq", ++seq), &lost) < 0)
				goto out;
			ping_out = 1;
		}
		if (now - last_rx > timeout_ns) {
			lost = xasprintf("no answer for %d s", c->timeout_s);
			goto out;
		}
	}
	/* Cleaned up before it exited (a stop that the engine forced). */
	if (!exited)
		finish(ri, SIGKILL, NULL);
	return NULL;
out:
	if (!exited)
		finish(ri, 255 << 8, lost ? lost : "the link broke");
	free(lost);
	/* The link is gone: closing it must not wait on it. */
	ssh_stream_close(c->st);
	c->st = NULL;
	ssh_link_close(c->link);
	c->link = NULL;
	return NULL;
}

/* Replaces the local probe and instance directory in argv with the
 * agent's placeholders (docs/agent-protocol.md, "launch"). */
static json_t *argv_json(const struct instance *in)
{
	json_t *a = json_array();
	size_t dl = in->dir ? strlen(in->dir) : 0;
	for (char **s = in->argv; s && *s; s++) {
		if (in->probe && !strcmp(*s, in->probe))
			json_array_append_new(a, json_string("${probe}"));
		else if (dl && !strncmp(*s, in->dir, dl) && ((*s)[dl] == '\0' || (*s)[dl] == '/'))
		{
			char *v = xasprintf("${dir}%s", *s + dl);
			json_array_append_new(a, agentproto_string(v, strlen(v)));
			free(v);
		}
		else if (!strncmp(*s, "${", 2)) {
			char *esc = xasprintf("$%s", *s);
			json_array_append_new(a, agentproto_string(esc, strlen(esc)));
			free(esc);
		} else
			json_array_append_new(a, agentproto_string(*s, strlen(*s)));
	}
	return a;
}

static int remote_launch(const struct executor *ex, struct instance *in, char **cause)
{
	const struct remote *r = ex->priv;
	struct remote_inst *ri = in->priv;
	if (!ri || !ri->prepared)
		return err_set(cause, "remote: launch before prepare");
	json_t *o = json_pack("{s:s, s:i, s:o}", "type", "launch", "id", in->id, "argv", argv_json(in));
	struct agent_msg m;
	if (conn_send(ri->c, o, cause) < 0 ||
	    conn_wait(ri->c, "launch", AGENT_MSG_LAUNCHED, LAUNCH_TIMEOUT_S, &m, cause) < 0)
		return -1;
	/* Copies of the workload at once (containers inside a VM): the engine
	 * here takes the mean of their metrics. Absent from older agents. */
	json_t *copies = json_object_get(m.json, "copies");
	if (json_is_integer(copies) && json_integer_value(copies) > 1 && json_integer_value(copies) <= MAX_COPIES)
		in->copies = (unsigned)json_integer_value(copies);
	agentproto_msg_free(&m);
	int outp[2], carp[2];
	if (pipe2(outp, O_CLOEXEC) < 0)
		return err_errno(cause, "remote: pipe");
	if (pipe2(carp, O_CLOEXEC) < 0 || pipe2(ri->ctl, O_CLOEXEC | O_NONBLOCK) < 0) {
		close(outp[0]);
		close(outp[1]);
		return err_errno(cause, "remote: pipe");
	}
	fcntl(outp[0], F_SETFL, O_NONBLOCK);
	pid_t pid = fork();
	if (pid < 0) {
		err_errno(cause, "remote: fork");
		close(outp[0]);
		close(outp[1]);
		close(carp[0]);
		close(carp[1]);
		return -1;
	}
	if (pid == 0)
		carrier_main(carp[0]);
	close(carp[0]);
	ri->carrier = pid;
	ri->carrier_w = carp[1];
	ri->out_w = outp[1];
	in->out_fd = outp[0];
	in->main_pid = pid;
	in->addr = xstrdup(r->address ? r->address : "127.0.0.1");
	int rc = pthread_create(&ri->relay, NULL, relay_main, ri);
	if (rc != 0) {
		errno = rc;
		finish(ri, 255 << 8, "no relay thread");
		return err_errno(cause, "remote: cannot start the relay thread");
	}
	ri->relay_started = 1;
	return 0;
}

static size_t remote_pids(const struct executor *ex, struct instance *in, struct pid_role *out, size_t max)
{
	(void)ex, (void)in, (void)out, (void)max;
	return 0;
}

static size_t remote_foreign_samples(const struct executor *ex, struct instance *in, struct proc_sample *out,
    size_t max)
{
	(void)ex;
	struct remote_inst *ri = in->priv;
	if (!ri)
		return 0;
	pthread_mutex_lock(&ri->lock);
	size_t n = 0;
	if (ri->fresh) {
		n = ri->nsamples < max ? ri->nsamples : max;
		memcpy(out, ri->samples, n * sizeof *out);
		if (ri->guest_used_kb > 0)
			in->guest_used_kb = ri->guest_used_kb;
		ri->guest_used_kb = 0;
		ri->fresh = 0;
	}
	pthread_mutex_unlock(&ri->lock);
	return n;
}

static int remote_stop(const struct executor *ex, struct instance *in, int force, char **cause)
{
	(void)ex;
	struct remote_inst *ri = in->priv;
	if (ri && ri->relay_started && ri->ctl[1] >= 0) {
		char cmd = force ? 'k' : 's';
		if (write(ri->ctl[1], &cmd, 1) < 0 && errno != EAGAIN)
			return err_errno(cause, "remote: stop");
	}
	return 0;
}

static int remote_cleanup(const struct executor *ex, struct instance *in, char **cause)
{
	(void)ex;
	struct remote_inst *ri = in->priv;
	if (!ri)
		return 0;
	int rc = 0;
	if (ri->relay_started) {
		char cmd = 'c';
		if (write(ri->ctl[1], &cmd, 1) < 0)
			rc = err_errno(cause, "remote: cleanup");
		pthread_join(ri->relay, NULL);
		if (!ri->c->link)
			rc = err_set(cause, "%s: the link was lost, so the cleanup could not be confirmed; the agent "
			    "tears its instances down when its channel closes", ri->c->host);
	} else if (ri->c && ri->prepared) {
		json_t *o = json_pack("{s:s, s:i}", "type", "cleanup", "id", in->id);
		if (conn_send(ri->c, o, cause) < 0 ||
		    conn_wait(ri->c, "cleanup", AGENT_MSG_OK, ri->c->timeout_s, NULL, cause) < 0)
			rc = -1;
	}
	conn_close(ri->c);
	close_fd(&ri->ctl[0]);
	close_fd(&ri->ctl[1]);
	close_fd(&ri->out_w);
	close_fd(&ri->carrier_w);
	pthread_mutex_destroy(&ri->lock);
	free(ri);
	in->priv = NULL;
	return rc;
}

const struct executor_ops executor_remote_ops = {
	.name = "remote",
	.accepts = remote_accepts,
	.open = remote_open,
	.close = remote_close,
	.probe = remote_probe,
	.caps = remote_caps,
	.prepare = remote_prepare,
	.launch = remote_launch,
	.pids = remote_pids,
	.foreign_samples = remote_foreign_samples,
	.stop = remote_stop,
	.cleanup = remote_cleanup,
};

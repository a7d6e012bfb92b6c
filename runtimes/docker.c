/*
 * docker.c — the Docker CLI, and Podman through the same CLI surface
 * (binary = "podman").
 *
 * Images: the instance's rootfs directory becomes an image with `import`
 * of a tar of it, tagged isolab-rootfs:<rootfs dir name>. The rootfs dir
 * name already carries the hash of its content, so the tag is a content
 * address and an image found by `image inspect` is reused as is. Cached
 * images carry the label isolab.cache=1 rather than isolab.run: they
 * outlive runs on purpose, as the rootfs cache does, and `isolab cleanup`
 * (which removes isolab.run-labelled objects of dead runs) leaves them;
 * `docker image prune -a --filter label=isolab.cache=1` removes them.
 * Containers carry isolab.run=<run-id> and isolab.instance=<id> and are
 * named isolab-<run>-<inst>, recorded in the resource journal by that name
 * before they are created.
 *
 * Launch is `create` then `start --attach`: the attached CLI is main_pid,
 * its output is the workload's, and its exit status is the container's.
 * t_created_ns is when `create` returns.
 *
 * Networks: none and host map to the CLI's; bridge joins isolab's own
 * network namespace, which Podman can (--network ns:PATH) and Docker
 * cannot: Docker only joins namespaces of its own containers, and the test
 * daemon runs without a bridge. Docker refuses bridge with that reason.
 */
#include "config.h"
#include "container.h"
#include "exec.h"
#include "netns.h"
#include "resources.h"
#include "rootfs.h"
#include "runtime.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define DOCKER_TIMEOUT_MS 120000

struct docker {
	char *binary;
	int podman;
	char *name;          /* container name */
	char *image;
	struct netns *ns;
	int recorded;
	int created;
	pid_t cpid;          /* the container's init, from inspect */
	char *cgroup;        /* its cgroup relpath */
	pid_t parent;        /* containerd-shim or conmon */
};

static const char *docker_binary_name(const struct runtime_conf *rt)
{
	return runtime_option(rt, "binary", "docker");
}

static int is_podman(const char *bin)
{
	const char *b = strrchr(bin, '/');
	return !strcmp(b ? b + 1 : bin, "podman");
}

/* BINARY [global_args] SUB */
static void docker_cmd(const struct docker *d, const struct runtime_conf *rt, struct argvb *a, const char *sub)
{
	argvb_add(a, d->binary);
	argvb_add_words(a, runtime_option(rt, "global_args", ""));
	argvb_add(a, sub);
}

static void docker_probe(const struct runtime_conf *rt, struct driver_status *st)
{
	const char *bin = docker_binary_name(rt);
	_cleanup_free_ char *path = exec_which(bin);
	int podman = is_podman(bin);
	if (!path) {
		st->reason = xasprintf("%s not found in PATH", bin);
		st->fix = xstrdup(podman ? "apt-get install podman" : "apt-get install docker.io");
		return;
	}
	struct docker d = { .binary = path };
	struct argvb a = { 0 };
	docker_cmd(&d, rt, &a, "version");
	argvb_add(&a, "--format");
	argvb_add(&a, podman ? "{{.Version}}" : "{{.Server.Version}}");
	char *out = NULL, *cause = NULL;
	int rc = ctr_run(a.v, 15000, &out, &cause);
	argvb_free(&a);
	if (rc < 0) {
		st->reason = podman ? xasprintf("podman does not answer: %s", cause)
				    : xasprintf("dockerd not running or not reachable: %s", cause);
		st->fix = xstrdup(podman ? "check 'podman info'"
					 : "start it: dockerd --storage-driver=vfs --iptables=false --bridge=none & "
					   "(or systemctl start docker)");
		free(cause);
		free(out);
		return;
	}
	out[strcspn(out, "\n")] = '\0';
	const char *runtime = runtime_option(rt, "runtime", NULL);
	if (runtime && !podman) {
		/* A runtime the daemon does not know fails every create: say so now. */
		struct argvb b = { 0 };
		docker_cmd(&d, rt, &b, "info");
		argvb_add(&b, "--format");
		argvb_add(&b, "{{range $k, $v := .Runtimes}}{{$k}} {{end}}");
		char *rts = NULL;
		int r2 = ctr_run(b.v, 15000, &rts, NULL);
		argvb_free(&b);
		int found = 0;
		for (char *s = rts, *tok, *save = NULL; r2 == 0 && (tok = strtok_r(s, " \n", &save)); s = NULL)
			if (!strcmp(tok, runtime))
				found = 1;
		free(rts);
		if (!found) {
			st->reason = xasprintf("the Docker daemon has no runtime '%s'", runtime);
			st->fix = xasprintf("register it in /etc/docker/daemon.json: "
					    "\"runtimes\": {\"%s\": {\"path\": \"/usr/bin/runsc\", "
					    "\"runtimeArgs\": [\"--platform=ptrace\", \"--network=none\"]}}, then restart dockerd",
			    runtime);
			free(out);
			return;
		}
	}
	st->available = 1;
	st->version = xasprintf("%s %s%s%s", podman ? "podman" : "docker", out, runtime ? ", runtime " : "",
	    runtime ? runtime : "");
	free(out);
}

/* The image of rootfs dir, imported once and reused by its content tag. */
static int docker_image(struct instance *in, struct docker *d, const char *dir, char **cause)
{
	const char *base = strrchr(dir, '/');
	base = base ? base + 1 : dir;
	d->image = xasprintf("isolab-rootfs:%s", base);
	struct argvb a = { 0 };
	docker_cmd(d, in->rt, &a, "image");
	argvb_add(&a, "inspect");
	argvb_add(&a, "--format");
	argvb_add(&a, "{{.Id}}");
	argvb_add(&a, d->image);
	int rc = ctr_run(a.v, DOCKER_TIMEOUT_MS, NULL, NULL);
	argvb_free(&a);
	if (rc == 0)
		return 0;
	_cleanup_free_ char *tar = xasprintf("%s/rootfs-%d.tar", resources_dir(in->res), in->id);
	if (resources_add(in->res, "file", tar, NULL, cause) < 0)
		return -1;
	char *targv[] = { (char *)"tar", (char *)"-C", (char *)dir, (char *)"-cf", tar, (char *)".", NULL };
	rc = ctr_run(targv, DOCKER_TIMEOUT_MS, NULL, cause);
	if (rc == 0) {
		docker_cmd(d, in->rt, &a, "import");
		argvb_add(&a, "--change");
		argvb_add(&a, "LABEL isolab.cache=1");
		argvb_add(&a, tar);
		argvb_add(&a, d->image);
		rc = ctr_run(a.v, DOCKER_TIMEOUT_MS, NULL, cause);
		argvb_free(&a);
	}
	unlink(tar);
	resources_done(in->res, "file", tar, NULL);
	return rc < 0 ? err_wrap(cause, "image %s", d->image) : 0;
}

static int docker_prepare(struct instance *in, char **cause)
{
	if (!in->res)
		return err_set(cause, "docker: no resource journal for this run");
	struct docker *d = xcalloc(1, sizeof *d);
	in->priv = d;
	d->binary = exec_which(docker_binary_name(in->rt));
	if (!d->binary)
		return err_set(cause, "%s not found in PATH", docker_binary_name(in->rt));
	d->podman = is_podman(d->binary);
	const char *net = in->network ? in->network : "none";
	if (!strcmp(net, "bridge")) {
		if (!d->podman)
			return err_set(cause, "docker cannot join isolab's bridge network namespace (Docker joins only "
					      "its own containers' namespaces); use network none or host, or podman");
		d->ns = ctr_netns(in, cause);
		if (!d->ns)
			return err_wrap(cause, "bridge network");
		in->addr = xstrdup(netns_addr(d->ns));
	} else if (strcmp(net, "none") && strcmp(net, "host")) {
		return err_set(cause, "docker: unknown network mode '%s'", net);
	} else {
		in->addr = xstrdup("127.0.0.1");
	}
	const char *kind = in->wl->rootfs ? in->wl->rootfs : "minimal";
	_cleanup_free_ char *dir = rootfs_get(kind, in->probe, cause);
	if (!dir)
		return err_wrap(cause, "rootfs %s", kind);
	if (docker_image(in, d, dir, cause) < 0)
		return -1;
	d->name = xasprintf("isolab-%s-%d", in->run_id, in->id);
	if (resources_add(in->res, "docker", d->binary, d->name, cause) < 0)
		return -1;
	d->recorded = 1;
	return 0;
}

static void add_limits(struct argvb *a, const struct limits *l)
{
	if (!l)
		return;
	if (l->cpus > 0)
		argvb_addf(a, "--cpus=%g", l->cpus);
	if (l->cpuset && *l->cpuset)
		argvb_addf(a, "--cpuset-cpus=%s", l->cpuset);
	if (l->weight) /* v2 weight 100 is 1024 shares */
		argvb_addf(a, "--cpu-shares=%u", l->weight * 1024 / 100);
	if (l->mem_hard) {
		argvb_addf(a, "--memory=%llu", (unsigned long long)l->mem_hard);
		/* No swap: a hard limit stops the workload at the limit. */
		argvb_addf(a, "--memory-swap=%llu", (unsigned long long)l->mem_hard);
	}
	if (l->mem_soft)
		argvb_addf(a, "--memory-reservation=%llu", (unsigned long long)l->mem_soft);
	if (l->pids)
		argvb_addf(a, "--pids-limit=%u", l->pids);
	if (l->io_weight) /* the same 10..1000 scale */
		argvb_addf(a, "--blkio-weight=%u", l->io_weight);
}

static int docker_launch(struct instance *in, char **cause)
{
	struct docker *d = in->priv;
	if (!d || !d->recorded)
		return err_set(cause, "docker: launch without prepare");
	struct argvb a = { 0 };
	docker_cmd(d, in->rt, &a, "create");
	argvb_add(&a, "--name");
	argvb_add(&a, d->name);
	argvb_addf(&a, "--label=isolab.run=%s", in->run_id);
	argvb_addf(&a, "--label=isolab.instance=%d", in->id);
	const char *runtime = runtime_option(in->rt, "runtime", NULL);
	if (runtime)
		argvb_addf(&a, "--runtime=%s", runtime);
	if (d->ns)
		argvb_addf(&a, "--network=ns:%s", netns_path(d->ns));
	else
		argvb_addf(&a, "--network=%s", !strcmp(in->network, "host") ? "host" : "none");
	const char *kind = in->wl->rootfs ? in->wl->rootfs : "minimal";
	if (strcmp(kind, "cow")) /* a "cow" root's image files are rewritten */
		argvb_add(&a, "--read-only");
	argvb_add(&a, "--tmpfs=/tmp");
	argvb_addf(&a, "--volume=%s:%s:rw", in->dir, in->dir);
	if (!strcmp(kind, "host"))
		for (const char *const *b = rootfs_host_binds(); b && *b; b++)
			argvb_addf(&a, "--volume=%s:%s:ro", *b, *b);
	argvb_addf(&a, "--workdir=%s", in->dir);
	argvb_addf(&a, "--hostname=isolab-%d", in->id);
	add_limits(&a, in->limits);
	/* isolab's own open-file and process limits, as native gets (podman
	 * would ask for more than the hard limits a container host may have). */
	static const struct { int res; const char *name; } rl[] = { { RLIMIT_NOFILE, "nofile" },
		{ RLIMIT_NPROC, "nproc" } };
	/* Podman's runtime runs with nproc capped at pid_max: never ask more. */
	_cleanup_free_ char *pm = read_file("/proc/sys/kernel/pid_max", NULL);
	rlim_t pid_max = pm ? (rlim_t)strtoull(pm, NULL, 10) : 0;
	for (size_t i = 0; i < ARRAY_SIZE(rl); i++) {
		struct rlimit r;
		if (getrlimit(rl[i].res, &r) < 0 || r.rlim_max == RLIM_INFINITY)
			continue;
		if (rl[i].res == RLIMIT_NPROC && pid_max && r.rlim_max > pid_max)
			r.rlim_max = pid_max;
		if (r.rlim_cur > r.rlim_max)
			r.rlim_cur = r.rlim_max;
		argvb_addf(&a, "--ulimit=%s=%llu:%llu", rl[i].name, (unsigned long long)r.rlim_cur,
			    (unsigned long long)r.rlim_max);
	}
	argvb_add_words(&a, runtime_option(in->rt, "extra_args", ""));
	argvb_add(&a, d->image);
	for (size_t i = 0; in->argv[i]; i++)
		argvb_add(&a, i == 0 && in->probe && !strcmp(in->argv[0], in->probe) ? "/isolab-probe" : in->argv[i]);
	d->created = 1;
	in->t_called_ns = mono_ns();
	int rc = ctr_run(a.v, DOCKER_TIMEOUT_MS, NULL, cause);
	argvb_free(&a);
	if (rc < 0)
		return -1;
	in->t_created_ns = mono_ns();

	docker_cmd(d, in->rt, &a, "start");
	argvb_add(&a, "--attach");
	argvb_add(&a, d->name);
	struct exec_opts eo = { .cwd = in->dir };
	struct exec_child c;
	rc = exec_spawn(a.v, &eo, &c, cause);
	argvb_free(&a);
	if (rc < 0)
		return -1;
	if (c.pidfd >= 0)
		close(c.pidfd);
	in->out_fd = c.out_fd;
	in->main_pid = c.pid;
	return 0;
}

/* Finds the container's init, its cgroup and its parent (shim or conmon). */
static void docker_locate(struct instance *in, struct docker *d)
{
	struct argvb a = { 0 };
	docker_cmd(d, in->rt, &a, "inspect");
	argvb_add(&a, "--format");
	argvb_add(&a, "{{.State.Pid}}");
	argvb_add(&a, d->name);
	char *out = NULL;
	if (ctr_run(a.v, 10000, &out, NULL) == 0 && out)
		d->cpid = (pid_t)strtol(out, NULL, 10);
	free(out);
	argvb_free(&a);
	if (d->cpid <= 0) {
		d->cpid = 0;
		return;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)d->cpid);
	_cleanup_free_ char *cg = read_file(path, NULL);
	/* Prefer the v1 pids hierarchy, else v2 ("0::"). */
	for (char *line = cg, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		char *p = strstr(line, ":pids:");
		if (p || !strncmp(line, "0::", 3)) {
			const char *rel = p ? p + 6 : line + 3;
			if (*rel && strcmp(rel, "/")) {
				free(d->cgroup);
				d->cgroup = xstrdup(rel);
				if (p)
					break;
			}
		}
	}
	snprintf(path, sizeof path, "/proc/%d/stat", (int)d->cpid);
	_cleanup_free_ char *st = read_file(path, NULL);
	char *rp = st ? strrchr(st, ')') : NULL;
	int ppid = 0;
	if (rp && sscanf(rp + 1, " %*c %d", &ppid) == 1 && ppid > 1)
		d->parent = ppid;
}

static size_t docker_pids(struct instance *in, struct pid_role *out, size_t max)
{
	struct docker *d = in->priv;
	size_t n = 0;
	if (!d || !in->main_pid || max == 0)
		return 0;
	/* inspect takes tens of ms: not in the call the engine makes right
	 * after launch, which would delay reading the ready line. */
	if (!d->cpid && mono_ns() - in->t_launch_ns > 500000000u)
		docker_locate(in, d);
	out[n++] = (struct pid_role){ .pid = in->main_pid, .role = ROLE_HELPER };
	if (d->parent && n < max)
		out[n++] = (struct pid_role){ .pid = d->parent, .role = ROLE_RUNTIME };
	if (d->cgroup) {
		pid_t pids[256];
		size_t k = ctr_cgroup_pids(d->cgroup, pids, ARRAY_SIZE(pids));
		for (size_t i = 0; i < k && n < max; i++) {
			char argv0[64];
			ctr_proc_argv0(pids[i], argv0, sizeof argv0);
			enum proc_role role = !strncmp(argv0, "runsc-", 6) ? ROLE_RUNTIME : ROLE_WORKLOAD;
			out[n++] = (struct pid_role){ .pid = pids[i], .role = role };
		}
	} else if (d->cpid && n < max) {
		out[n++] = (struct pid_role){ .pid = d->cpid, .role = ROLE_WORKLOAD };
	}
	return n;
}

static int docker_stop(struct instance *in, int force, char **cause)
{
	struct docker *d = in->priv;
	if (!d || !d->created)
		return 0;
	struct argvb a = { 0 };
	docker_cmd(d, in->rt, &a, "kill");
	argvb_addf(&a, "--signal=%s", force ? "KILL" : "TERM");
	argvb_add(&a, d->name);
	int rc = ctr_run(a.v, DOCKER_TIMEOUT_MS, NULL, NULL);
	argvb_free(&a);
	if (force && in->main_pid)
		kill(in->main_pid, SIGKILL); /* the attached CLI */
	(void)rc;
	return 0;
}

/* The storage the container took beside its image, as the engine counts
 * it: the writable layer, or with the vfs driver (no copy-on-write) the
 * whole copy of the image each container gets. */
static void docker_note_storage(struct instance *in, struct docker *d)
{
	struct argvb a = { 0 };
	docker_cmd(d, in->rt, &a, "container");
	argvb_add(&a, "inspect");
	argvb_add(&a, "--size");
	argvb_add(&a, "--format");
	argvb_add(&a, "{{.SizeRw}} {{.SizeRootFs}} {{.GraphDriver.Name}}");
	argvb_add(&a, d->name);
	char *out = NULL, *cause = NULL;
	long long rw, rootfs;
	char drv[32];
	/* Not the daemon's long timeout: the removal that follows needs it,
	 * and this figure is only worth a short wait. */
	if (ctr_run(a.v, 10000, &out, &cause) == 0 && out &&
	    sscanf(out, "%lld %lld %31s", &rw, &rootfs, drv) == 3 && rw >= 0 && rootfs >= 0) {
		int vfs = !strcmp(drv, "vfs");
		/* The image is named, so what vfs copied can be checked against it. */
		_cleanup_free_ char *what = vfs
		    ? xasprintf("a whole copy of the image %s (storage driver vfs: no copy-on-write)", d->image)
		    : xasprintf("its writable layer, as %s counts it (storage driver %s)", docker_binary_name(in->rt), drv);
		ctr_note_storage(in, (double)(vfs ? rootfs : rw) / 1024.0, what);
	} else {
		_cleanup_free_ char *msg = xasprintf("its storage was not measured: %s",
		    cause ? cause : out ? out : "no answer from inspect --size");
		ctr_note_info(in, msg);
	}
	free(out);
	free(cause);
	argvb_free(&a);
}

static int docker_cleanup(struct instance *in, char **cause)
{
	struct docker *d = in->priv;
	int rc = 0;
	if (!d)
		return 0;
	if (d->recorded) {
		if (d->created)
			docker_note_storage(in, d);
		struct argvb a = { 0 };
		docker_cmd(d, in->rt, &a, "rm");
		argvb_add(&a, "--force");
		argvb_add(&a, d->name);
		char *c = NULL;
		if (!d->created || ctr_run(a.v, DOCKER_TIMEOUT_MS, NULL, &c) == 0 ||
		    (c && (strcasestr(c, "no such container") || strcasestr(c, "no container with")))) {
			resources_done(in->res, "docker", d->binary, d->name);
		} else {
			rc = -1;
			if (cause && !*cause)
				*cause = c, c = NULL;
		}
		free(c);
		argvb_free(&a);
	}
	if (d->ns) {
		char *c = NULL;
		if (netns_destroy(d->ns, in->res, &c) < 0) {
			rc = -1;
			if (cause && !*cause)
				*cause = c, c = NULL;
		}
		free(c);
	}
	free(d->binary);
	free(d->name);
	free(d->image);
	free(d->cgroup);
	free(d);
	in->priv = NULL;
	return rc;
}

/* The resource journal's "docker": a=binary, b=container. */
/* Whether arg names binary: its path, or a path ending in its file name. */
static int names_binary(const char *arg, const char *binary)
{
	const char *base = strrchr(binary, '/'), *ab = strrchr(arg, '/');
	return !strcmp(arg, binary) || !strcmp(ab ? ab + 1 : arg, base ? base + 1 : binary);
}

/* Whether pid runs `<binary> ... create ... <name>` (argv[1] for a binary
 * that is a script run by its interpreter): a Docker or Podman create the
 * run's isolab had under way. */
static int is_create_of(pid_t pid, const char *binary, const char *name)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/%d/cmdline", (int)pid);
	size_t len = 0;
	_cleanup_free_ char *cl = read_file(p, &len);
	if (!cl || !len || cl[len - 1])
		return 0;
	const char *a1 = cl + strlen(cl) + 1;
	if (!names_binary(cl, binary) && !(a1 < cl + len && names_binary(a1, binary)))
		return 0;
	int create = 0, named = 0;
	for (const char *arg = a1; arg < cl + len; arg += strlen(arg) + 1) {
		create |= !strcmp(arg, "create");
		named |= !strcmp(arg, name);
	}
	return create && named;
}

/* A killed isolab leaves its `docker|podman create --name NAME` running:
 * it makes the container after a removal that came too early, so wait
 * (at most a minute) until every such create has ended. */
static void wait_creates(const char *binary, const char *name)
{
	for (int i = 0; i < 240; i++) {
		int busy = 0;
		DIR *d = opendir("/proc");
		struct dirent *de;
		while (d && !busy && (de = readdir(d)))
			if (de->d_name[0] >= '1' && de->d_name[0] <= '9' &&
			    is_create_of(atoi(de->d_name), binary, name))
				busy = 1;
		if (d)
			closedir(d);
		if (!busy)
			return;
		usleep(250000);
	}
}

static int docker_reap_container(const char *a, const char *b, char **cause)
{
	char *argv[] = { (char *)a, (char *)"rm", (char *)"-f", (char *)(b ? b : ""), NULL };
	/* An isolab killed in its launch leaves its create running (wait for
	 * it, or the container appears after its removal); one killed in its
	 * teardown leaves its `docker rm -f` running, and dockerd refuses a
	 * second removal until the first is done ("removal of container ...
	 * is already in progress"), which takes seconds: ask again until it
	 * is gone (bounded). */
	wait_creates(a, b ? b : "");
	for (int i = 0;; i++) {
		char *c = NULL;
		int rc = ctr_reap_run(argv, 1, &c);
		if (rc == 0 || i >= 240 || !c || !strstr(c, "already in progress")) {
			if (rc < 0 && cause)
				*cause = c;
			else
				free(c);
			return rc;
		}
		free(c);
		usleep(250000);
	}
}

/* "image": a=binary, b=image, removed only when isolab labelled it: a tag
 * may since name someone else's. */
static int docker_reap_image(const char *a, const char *b, char **cause)
{
	char *inspect[] = { (char *)a, (char *)"image", (char *)"inspect", (char *)"--format",
		(char *)"{{ index .Config.Labels \"isolab.run\" }}", (char *)(b ? b : ""), NULL };
	char *out = NULL;
	int status = 0;
	if (exec_run(inspect, NULL, 60000, &out, 4096, &status, cause) < 0)
		return -1;
	int labelled = WIFEXITED(status) && WEXITSTATUS(status) == 0 && out && out[0] && out[0] != '\n' &&
	    strncmp(out, "<no value>", 10);
	free(out);
	if (!labelled)
		return 0;
	char *argv[] = { (char *)a, (char *)"rmi", (char *)"-f", (char *)b, NULL };
	return ctr_reap_run(argv, 1, cause);
}

static const struct resource_reaper docker_reapers[] = {
	{ "docker", docker_reap_container },
	{ "image", docker_reap_image },
	{ NULL, NULL },
};

static const struct option_decl docker_options[] = {
	DOCKER_CLI_OPTIONS,
	{ .name = "runtime", .doc = "the OCI runtime the engine uses (--runtime), as registered with it" },
	{ 0 },
};

static char *docker_network_refusal(const struct runtime_conf *rt, const char *net, int serve)
{
	if (!strcmp(net, "bridge") && !is_podman(docker_binary_name(rt)))
		return xstrdup("docker cannot join isolab's bridge network namespace (Docker joins only its own "
			       "containers' namespaces; podman can)");
	if (!serve)
		return NULL;
	const char *runtime = runtime_option(rt, "runtime", NULL);
	if (runtime && !strcmp(runtime, "runsc"))
		return xstrdup("dockerd runs runsc with --network=none, as it is registered in daemon.json, which no "
			       "host program reaches (the oci driver's gvisor serves on bridge or host)");
	return !strcmp(net, "none") ? xstrdup(NET_NONE_UNREACHABLE) : NULL;
}

const struct driver driver_docker = {
	.name = "docker",
	.description = "the Docker CLI (or Podman's, binary = \"podman\"): import, create, start --attach",
	.probe = docker_probe,
	.prepare = docker_prepare,
	.launch = docker_launch,
	.pids = docker_pids,
	.stop = docker_stop,
	.cleanup = docker_cleanup,
	.limits_supported = LIMIT_CPUS | LIMIT_CPUSET | LIMIT_WEIGHT | LIMIT_MEM_HARD | LIMIT_MEM_SOFT | LIMIT_PIDS |
	    LIMIT_IO_WEIGHT,
	.options = docker_options,
	.network_refusal = docker_network_refusal,
	.reapers = docker_reapers,
};

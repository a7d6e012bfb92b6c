/*
 * lxc.c — LXC through lxc-execute with a generated container config.
 *
 * Where things live: the container is defined in a private lxcpath under
 * the run's resource directory (/run/isolab/<run>/lxc-<inst>/<name>/config),
 * so LXC's own state never mixes with the machine's containers and goes
 * with the run. A copy of the config stays in the instance directory as a
 * record of exactly what ran. The root is an overlay over the cached rootfs
 * (container.c), mounted read-only, with lxc.rootfs.managed = 0 so that
 * lxc-destroy never touches it.
 *
 * Why lxc-execute: it takes the workload's argv after "--" as argv, never
 * through a string LXC splits, and runs in the foreground: isolab's child is
 * the monitor, whose exit status is the workload's and whose output (the
 * container inherits its stdio, lxc.console.path = none) is the workload's.
 * Inside, init.lxc is pid 1 and the workload pid 2. SIGTERM to the monitor
 * is forwarded to the init, which forwards it to the workload; the init
 * dies with the monitor (LXC sets its parent-death signal).
 *
 * Cgroups: lxc.cgroup.dir = isolab/<run>/<inst> puts the monitor in
 * <dir>/lxc.monitor.<name> and the container in <dir>/lxc.payload.<name>;
 * LXC leaves <dir>/lxc.pivot behind even after a clean exit. All four are
 * recorded, parent first, so the journal reaps them children first. Limits
 * go through lxc.cgroup.* on v1 and hybrid hosts (where the controllers
 * live in v1) and lxc.cgroup2.* on pure v2.
 *
 * Networks: none is lxc.net.0.type = empty (a namespace with only lo);
 * host is type none (the monitor's namespace). bridge is type none too, with
 * lxc-execute started from a thread that has entered isolab's per-instance
 * namespace: LXC can share a namespace only with a pid or a container, not
 * a bind-mounted namespace file, but "the monitor's namespace" can be any.
 */
#include "config.h"
#include "cgroup.h"
#include "container.h"
#include "exec.h"
#include "netns.h"
#include "resources.h"
#include "rootfs.h"
#include "runtime.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define LXC_TIMEOUT_MS 30000

struct lxc {
	char *binary;       /* lxc-execute, resolved */
	char *lxcpath;
	char *name;
	char *ovl;          /* overlay base dir */
	char *rootfs;       /* the overlay's mount point */
	char *cgroup;       /* lxc.cgroup.dir: "isolab/<run>/<inst>" */
	char *cg_child[3];  /* monitor, pivot, payload (in the order recorded) */
	struct netns *ns;
	int recorded;       /* the lxc entry is in the journal */
	int launched;
};

static const char *lxc_binary_name(const struct runtime_conf *rt)
{
	return runtime_option(rt, "binary", "lxc-execute");
}

static void lxc_probe(const struct runtime_conf *rt, struct driver_status *st)
{
	const char *bin = lxc_binary_name(rt);
	_cleanup_free_ char *path = exec_which(bin);
	_cleanup_free_ char *stop = exec_which("lxc-stop");
	if (!path || !stop) {
		st->reason = xasprintf("%s not found in PATH", path ? "lxc-stop" : bin);
		st->fix = xstrdup("apt-get install lxc");
		return;
	}
	if (geteuid() != 0) {
		st->reason = xstrdup("the lxc driver runs privileged containers and needs root");
		st->fix = xstrdup("run isolab as root, or use the sandbox runtime");
		return;
	}
	_cleanup_free_ char *fs = read_file("/proc/filesystems", NULL);
	if (!fs || !strstr(fs, "\toverlay\n")) {
		st->reason = xstrdup("the kernel has no overlay file system (each instance's root is an overlay)");
		st->fix = xstrdup("modprobe overlay");
		return;
	}
	if (cgroup_mode() == CGROUP_NONE) {
		st->reason = xstrdup("no cgroup file system is mounted at /sys/fs/cgroup");
		st->fix = xstrdup("mount cgroup2 on /sys/fs/cgroup");
		return;
	}
	char *argv[] = { path, (char *)"--version", NULL };
	char *line = ctr_first_line(argv);
	if (!line) {
		st->reason = xasprintf("%s --version failed", path);
		st->fix = xstrdup("check the installation of lxc");
		return;
	}
	st->available = 1;
	st->version = xasprintf("lxc %s", line);
	free(line);
}

/* ---- the config ---- */

/* Config values are one line; mount entries are white-space separated. */
static int path_ok(const char *what, const char *p, char **cause)
{
	for (const char *s = p; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return err_set(cause, "lxc: the %s path '%s' has white space or a control character, which an "
					      "LXC mount entry cannot hold", what, p);
	return 0;
}

/* A growable text buffer, for the config. */
struct confbuf {
	char *s;
	size_t len, cap;
};

static void __attribute__((format(printf, 2, 3))) addf(struct confbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *line = xvasprintf(fmt, ap);
	va_end(ap);
	size_t n = strlen(line);
	if (b->len + n + 2 > b->cap) {
		b->cap = (b->len + n + 2) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, line, n);
	b->len += n;
	b->s[b->len++] = '\n';
	b->s[b->len] = '\0';
	free(line);
}

static void limit_lines(const struct limits *l, struct confbuf *b)
{
	if (!l)
		return;
	int v2 = cgroup_mode() == CGROUP_V2;
	const char *k = v2 ? "lxc.cgroup2" : "lxc.cgroup";
	if (l->cpus > 0) {
		const long period = 100000;
		long quota = (long)(l->cpus * (double)period + 0.5);
		if (v2) {
			addf(b, "%s.cpu.max = %ld %ld", k, quota, period);
		} else {
			addf(b, "%s.cpu.cfs_period_us = %ld", k, period);
			addf(b, "%s.cpu.cfs_quota_us = %ld", k, quota);
		}
	}
	if (l->cpuset && *l->cpuset)
		addf(b, "%s.cpuset.cpus = %s", k, l->cpuset);
	if (l->weight) {
		if (v2)
			addf(b, "%s.cpu.weight = %u", k, l->weight);
		else /* v2 weight 100 is v1's 1024 shares */
			addf(b, "%s.cpu.shares = %lu", k, (unsigned long)l->weight * 1024 / 100);
	}
	if (l->mem_hard)
		addf(b, "%s.%s = %llu", k, v2 ? "memory.max" : "memory.limit_in_bytes", (unsigned long long)l->mem_hard);
	if (l->mem_soft)
		addf(b, "%s.%s = %llu", k, v2 ? "memory.low" : "memory.soft_limit_in_bytes",
		    (unsigned long long)l->mem_soft);
	if (l->pids)
		addf(b, "%s.pids.max = %u", k, l->pids);
	const char *iow = l->io_weight ? cgroup_io_weight_file(NULL) : NULL;
	if (iow) /* refused before this where the host has none; io.* is v2's */
		addf(b, "%s.%s = %u", !strncmp(iow, "io.", 3) ? "lxc.cgroup2" : "lxc.cgroup", iow, l->io_weight);
}

static char *lxc_config(const struct instance *in, const struct lxc *x, char **cause)
{
	if (path_ok("rootfs", x->rootfs, cause) < 0 || path_ok("instance", in->dir, cause) < 0)
		return NULL;
	if (in->limits && in->limits->cpuset && strpbrk(in->limits->cpuset, "\n\r"))
		return err_set(cause, "lxc: bad cpuset '%s'", in->limits->cpuset), NULL;
	struct confbuf b = { 0 };
	addf(&b, "# generated by isolab for run %s, instance %d", in->run_id, in->id);
	/* The distribution's defaults first (dropped capabilities, device
	 * rules, the seccomp deny list), so that what follows wins. */
	const char *inc = runtime_option(in->rt, "include", "");
	if (*inc) {
		if (strpbrk(inc, "\n\r"))
			return free(b.s), err_set(cause, "lxc: bad include '%s'", inc), NULL;
		if (access(inc, R_OK) < 0)
			return free(b.s), err_errno(cause, "lxc: include %s", inc), NULL;
		addf(&b, "lxc.include = %s", inc);
	} else {
		addf(&b, "lxc.mount.auto = proc:mixed sys:ro cgroup:mixed");
	}
	addf(&b, "lxc.uts.name = isolab-%d", in->id);
	addf(&b, "lxc.rootfs.path = dir:%s", x->rootfs);
	addf(&b, "lxc.rootfs.managed = 0");
	const char *kind = in->wl->rootfs ? in->wl->rootfs : "minimal";
	if (strcmp(kind, "cow")) /* a "cow" root's image files are rewritten */
		addf(&b, "lxc.rootfs.options = ro");
	addf(&b, "lxc.autodev = 1");
	addf(&b, "lxc.console.path = none");
	addf(&b, "lxc.mount.entry = tmpfs tmp tmpfs nosuid,nodev,mode=1777,create=dir 0 0");
	if (!strcmp(kind, "host"))
		for (const char *const *h = rootfs_host_binds(); h && *h; h++)
			addf(&b, "lxc.mount.entry = %s %s none ro,bind,create=dir 0 0", *h, *h + 1);
	addf(&b, "lxc.mount.entry = %s %s none rw,bind,create=dir 0 0", in->dir, in->dir + 1);
	addf(&b, "lxc.net.0.type = %s", !strcmp(in->network, "none") ? "empty" : "none");
	addf(&b, "lxc.init.cwd = %s", in->dir);
	addf(&b, "lxc.environment = PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	addf(&b, "lxc.environment = HOME=/root");
	/* The open-file limit isolab has, as a native workload would get. */
	struct rlimit nofile = { 1024, 1024 };
	getrlimit(RLIMIT_NOFILE, &nofile);
	addf(&b, "lxc.prlimit.nofile = %llu:%llu", (unsigned long long)nofile.rlim_cur,
	    (unsigned long long)nofile.rlim_max);
	addf(&b, "lxc.cgroup.dir = %s", x->cgroup);
	limit_lines(in->limits, &b);
	return b.s;
}

/* ---- life of an instance ---- */

static int lxc_prepare(struct instance *in, char **cause)
{
	if (!in->res)
		return err_set(cause, "lxc: no resource journal for this run");
	const char *net = in->network ? in->network : "none";
	if (strcmp(net, "none") && strcmp(net, "host") && strcmp(net, "bridge"))
		return err_set(cause, "lxc: unknown network mode '%s'", net);
	struct lxc *x = xcalloc(1, sizeof *x);
	in->priv = x;
	x->binary = exec_which(lxc_binary_name(in->rt));
	if (!x->binary)
		return err_set(cause, "%s not found in PATH", lxc_binary_name(in->rt));
	x->lxcpath = xasprintf("%s/lxc-%d", resources_dir(in->res), in->id);
	x->name = xasprintf("isolab-%s-%d", in->run_id, in->id);
	x->ovl = xasprintf("%s/rootfs-%d", resources_dir(in->res), in->id);
	x->cgroup = xasprintf("isolab/%s/%d", in->run_id, in->id);
	x->cg_child[0] = xasprintf("%s/lxc.monitor.%s", x->cgroup, x->name);
	x->cg_child[1] = xasprintf("%s/lxc.pivot", x->cgroup);
	x->cg_child[2] = xasprintf("%s/lxc.payload.%s", x->cgroup, x->name);
	if (resources_add(in->res, "dir", x->lxcpath, NULL, cause) < 0)
		return -1;
	_cleanup_free_ char *cdir = xasprintf("%s/%s", x->lxcpath, x->name);
	if (mkdir_p(cdir, 0700) < 0)
		return err_errno(cause, "lxc: cannot create %s", cdir);

	const char *kind = in->wl->rootfs ? in->wl->rootfs : "minimal";
	_cleanup_free_ char *lower = rootfs_get(kind, in->probe, cause);
	if (!lower)
		return err_wrap(cause, "rootfs %s", kind);
	if (ctr_overlay_root(in, x->ovl, lower, &x->rootfs, cause) < 0)
		return -1;
	/* The root is mounted read-only: the mount points must exist first. */
	_cleanup_free_ char *tmp = xasprintf("%s/tmp", x->rootfs);
	_cleanup_free_ char *mp = xasprintf("%s%s", x->rootfs, in->dir);
	if (mkdir_p(tmp, 01777) < 0 || mkdir_p(mp, 0755) < 0)
		return err_errno(cause, "lxc: cannot create mount points in %s", x->rootfs);
	if (!strcmp(kind, "host"))
		for (const char *const *h = rootfs_host_binds(); h && *h; h++) {
			_cleanup_free_ char *p = xasprintf("%s%s", x->rootfs, *h);
			mkdir_p(p, 0755);
		}

	if (!strcmp(net, "bridge")) {
		x->ns = ctr_netns(in, cause);
		if (!x->ns)
			return err_wrap(cause, "bridge network");
		in->addr = xstrdup(netns_addr(x->ns));
	} else {
		in->addr = xstrdup("127.0.0.1");
	}

	_cleanup_free_ char *conf = lxc_config(in, x, cause);
	if (!conf)
		return -1;
	_cleanup_free_ char *cpath = xasprintf("%s/config", cdir);
	_cleanup_free_ char *record = xasprintf("%s/lxc.conf", in->dir);
	if (write_file(cpath, conf, 1) < 0)
		return err_errno(cause, "lxc: cannot write %s", cpath);
	if (write_file(record, conf, 1) < 0)
		return err_errno(cause, "lxc: cannot write %s", record);

	/* Recorded now, before lxc-execute, so the fsync'd journal writes stay
	 * out of the start-up time; reaping what was never made is harmless.
	 * The parent cgroup first: the reaper goes newest first. */
	if (resources_add(in->res, "cgroup", x->cgroup, NULL, cause) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(x->cg_child); i++)
		if (resources_add(in->res, "cgroup", x->cg_child[i], NULL, cause) < 0)
			return -1;
	if (resources_add(in->res, "lxc", x->lxcpath, x->name, cause) < 0)
		return -1;
	x->recorded = 1;
	return 0;
}

/* lxc-execute, spawned from a thread that entered the bridge namespace:
 * the namespace is per thread, and the monitor inherits the spawning one's. */
struct spawnjob {
	char *const *argv;
	const char *netns;    /* path, or NULL */
	struct exec_child *c;
	char *cause;
	int rc;
};

static void *spawn_thread(void *p)
{
	struct spawnjob *j = p;
	int fd = open(j->netns, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		j->rc = err_errno(&j->cause, "lxc: open %s", j->netns);
		return NULL;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		j->rc = err_errno(&j->cause, "lxc: enter %s", j->netns);
		close(fd);
		return NULL;
	}
	close(fd);
	j->rc = exec_spawn(j->argv, NULL, j->c, &j->cause);
	return NULL;
}

static int spawn(struct spawnjob *j, char **cause)
{
	if (!j->netns)
		return exec_spawn(j->argv, NULL, j->c, cause);
	pthread_t t;
	int e = pthread_create(&t, NULL, spawn_thread, j);
	if (e) {
		errno = e;
		return err_errno(cause, "cannot start a thread");
	}
	pthread_join(t, NULL);
	if (j->rc < 0) {
		if (cause)
			*cause = j->cause;
		else
			free(j->cause);
		return -1;
	}
	return 0;
}

static int lxc_launch(struct instance *in, char **cause)
{
	struct lxc *x = in->priv;
	if (!x || !x->recorded)
		return err_set(cause, "lxc: launch without prepare");
	struct argvb a = { 0 };
	argvb_add(&a, x->binary);
	argvb_add(&a, "-P");
	argvb_add(&a, x->lxcpath);
	argvb_add(&a, "-n");
	argvb_add(&a, x->name);
	argvb_add(&a, "--");
	for (size_t i = 0; in->argv[i]; i++)
		argvb_add(&a, i == 0 && in->probe && !strcmp(in->argv[0], in->probe) ? "/isolab-probe" : in->argv[i]);
	struct exec_child c = { .pidfd = -1, .out_fd = -1 };
	struct spawnjob j = { .argv = a.v, .netns = x->ns ? netns_path(x->ns) : NULL, .c = &c };
	in->t_called_ns = mono_ns();
	int rc = spawn(&j, cause);
	argvb_free(&a);
	if (rc < 0)
		return err_wrap(cause, "lxc-execute");
	if (c.pidfd >= 0)
		close(c.pidfd);
	x->launched = 1;
	in->main_pid = c.pid;
	in->out_fd = c.out_fd;
	return 0;
}

static pid_t proc_ppid(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	_cleanup_free_ char *s = read_file(path, NULL);
	char *p = s ? strrchr(s, ')') : NULL;
	int ppid = 0;
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return 0;
	return (pid_t)ppid;
}

static size_t lxc_pids(struct instance *in, struct pid_role *out, size_t max)
{
	struct lxc *x = in->priv;
	if (!x || !x->launched || max == 0)
		return 0;
	size_t n = 0;
	/* The monitor (lxc-execute), then the container: its init, a child of
	 * the monitor, is LXC's; everything else is the workload's. */
	out[n++] = (struct pid_role){ .pid = in->main_pid, .role = ROLE_RUNTIME };
	pid_t pids[256];
	size_t m = ctr_cgroup_pids(x->cg_child[2], pids, ARRAY_SIZE(pids));
	for (size_t i = 0; i < m && n < max; i++)
		out[n++] = (struct pid_role){ .pid = pids[i],
			.role = proc_ppid(pids[i]) == in->main_pid ? ROLE_RUNTIME : ROLE_WORKLOAD };
	return n;
}

/* lxc-stop ARGS... for this container; its output is of no interest. */
static int lxc_tool(const struct lxc *x, const char *tool, const char *opt, char **cause)
{
	char *argv[] = { (char *)tool, (char *)"-P", x->lxcpath, (char *)"-n", x->name, (char *)opt, NULL };
	return ctr_run(argv, LXC_TIMEOUT_MS, NULL, cause);
}

static int lxc_stop(struct instance *in, int force, char **cause)
{
	struct lxc *x = in->priv;
	if (!x || !x->launched || !in->main_pid)
		return 0;
	if (!force) {
		/* The monitor forwards it to the init, the init to the workload. */
		if (kill(in->main_pid, SIGTERM) < 0 && errno != ESRCH)
			return err_errno(cause, "lxc: kill %d", (int)in->main_pid);
		return 0;
	}
	/* SIGKILL to the container's init ends its pid namespace; then the
	 * monitor, in case LXC's state is broken. */
	int status;
	if (waitpid(in->main_pid, &status, WNOHANG) == 0)
		lxc_tool(x, "lxc-stop", "-k", NULL);
	kill(in->main_pid, SIGKILL);
	return 0;
}

static void keep_first(char **cause, char *c)
{
	if (cause && !*cause)
		*cause = c;
	else
		free(c);
}

static int lxc_cleanup(struct instance *in, char **cause)
{
	struct lxc *x = in->priv;
	int rc = 0;
	if (!x)
		return 0;
	if (x->launched && in->main_pid > 0) {
		/* The monitor is our child: once reaped, its container is gone too
		 * (the init has the monitor's death as its SIGKILL). */
		int status;
		if (waitpid(in->main_pid, &status, WNOHANG) == 0) {
			lxc_tool(x, "lxc-stop", "-k", NULL);
			kill(in->main_pid, SIGKILL);
			while (waitpid(in->main_pid, &status, 0) < 0 && errno == EINTR)
				;
		}
	}
	if (x->recorded) {
		/* Nothing of LXC but the config stays in the lxcpath once the
		 * monitor has gone: no need to run lxc-destroy. */
		if (rm_rf(x->lxcpath) < 0 && errno != ENOENT) {
			char *c = NULL;
			err_errno(&c, "lxc: remove %s", x->lxcpath);
			rc = -1;
			keep_first(cause, c);
		} else {
			resources_done(in->res, "lxc", x->lxcpath, x->name);
		}
		for (size_t i = ARRAY_SIZE(x->cg_child); i-- > 0;) {
			char *c = NULL;
			if (cgroup_remove(x->cg_child[i], &c) < 0) {
				rc = -1;
				keep_first(cause, c);
			} else {
				resources_done(in->res, "cgroup", x->cg_child[i], NULL);
			}
		}
		char *c = NULL;
		if (cgroup_remove(x->cgroup, &c) < 0) {
			rc = -1;
			keep_first(cause, c);
		} else {
			ctr_cgroup_rmdir(x->cgroup);
			resources_done(in->res, "cgroup", x->cgroup, NULL);
		}
	}
	if (x->ns) {
		char *c = NULL;
		if (netns_destroy(x->ns, in->res, &c) < 0) {
			rc = -1;
			keep_first(cause, c);
		}
	}
	if (x->ovl) {
		char *c = NULL;
		if (ctr_overlay_remove(in, x->ovl, &c) < 0) {
			rc = -1;
			keep_first(cause, c);
		}
	}
	if (x->lxcpath && rc == 0 && (rm_rf(x->lxcpath) == 0 || errno == ENOENT))
		resources_done(in->res, "dir", x->lxcpath, NULL);
	free(x->binary);
	free(x->lxcpath);
	free(x->name);
	free(x->ovl);
	free(x->rootfs);
	free(x->cgroup);
	for (size_t i = 0; i < ARRAY_SIZE(x->cg_child); i++)
		free(x->cg_child[i]);
	free(x);
	in->priv = NULL;
	return rc;
}

/* The resource journal's "lxc": a=lxcpath, b=name; stopped, then destroyed. */
static int lxc_reap(const char *a, const char *b, char **cause)
{
	char *stop[] = { (char *)"lxc-stop", (char *)"-P", (char *)a, (char *)"-n", (char *)(b ? b : ""), (char *)"-k",
		NULL };
	ctr_reap_run(stop, 0, NULL);
	char *destroy[] = { (char *)"lxc-destroy", (char *)"-P", (char *)a, (char *)"-n", (char *)(b ? b : ""), NULL };
	return ctr_reap_run(destroy, 1, cause);
}

static const struct resource_reaper lxc_reapers[] = { { "lxc", lxc_reap }, { NULL, NULL } };
static const struct option_decl lxc_options[] = {
	{ .name = "binary", .doc = "the launcher, looked up in PATH (default lxc-execute)" },
	{ .name = "include", .doc = "an LXC config included first (default: the distribution's common.conf; "
	  "\"\" for none)" },
	{ 0 },
};

const struct driver driver_lxc = {
	.name = "lxc",
	.description = "LXC: lxc-execute with a generated config, init.lxc as pid 1",
	.probe = lxc_probe,
	.prepare = lxc_prepare,
	.launch = lxc_launch,
	.pids = lxc_pids,
	.stop = lxc_stop,
	.cleanup = lxc_cleanup,
	.limits_supported = LIMIT_CPUS | LIMIT_CPUSET | LIMIT_WEIGHT | LIMIT_MEM_HARD | LIMIT_MEM_SOFT | LIMIT_PIDS |
	    LIMIT_IO_WEIGHT,
	.options = lxc_options,
	.reapers = lxc_reapers,
};

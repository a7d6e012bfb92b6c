/*
 * oci.c — any OCI runtime CLI (runc, crun, runsc) through create, start,
 * state, kill and delete, with its state (--root) in the run's resource
 * directory so that nothing of it outlives the run.
 *
 * The bundle is <instance dir>/bundle/config.json, generated with jansson
 * (never pasted together), and stays beside the results as a record of
 * exactly what ran. The root is an overlay over the cached rootfs (see
 * container.c), mounted read-only by the runtime.
 *
 * Output: `create` is spawned with stdout and stderr on the instance's
 * pipe and no terminal; runc and crun hand their stdio to the container's
 * process, runsc to its sandbox, so the workload writes straight into the
 * pipe and nothing of isolab sits in the data path. `create` returns once
 * the init waits for `start`: that is t_created_ns. The init (for runsc the
 * sandbox) is left behind by the CLI; isolab is the child subreaper, so it
 * is reparented to isolab and main_pid's exit status is the workload's.
 *
 * Cgroups: the runtime makes the cgroup itself from linux.cgroupsPath
 * "/isolab/<run>/<inst>" and linux.resources. crun refuses a hybrid host
 * whose v2 hierarchy holds any controller (here hugetlb, which no v1
 * hierarchy claimed), even with --cgroup-manager=cgroupfs or disabled.
 * With the option hybrid_cgroups = "v1" the CLI runs in a private mount
 * namespace where /sys/fs/cgroup/unified is unmounted: crun then sees a
 * pure v1 host and uses the v1 controllers, which hold every limit here.
 *
 * gVisor: the workload runs inside the Sentry, invisible to the host. The
 * host sees the sandbox (runsc-sandbox, the Sentry: runtime), the gofer
 * (runtime) and, with the ptrace platform, stub processes in which the
 * Sentry runs the workload's code (workload: their CPU is the workload's).
 * Its pids limit is not honoured: pids.max counts the Sentry's own threads,
 * so any limit small enough to stop a fork bomb kills the sandbox first.
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
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define OCI_TIMEOUT_MS 60000

struct oci {
	char *binary;        /* resolved path */
	const char *base;    /* its basename: runc, crun, runsc */
	int runsc;
	int v1_view;
	char *root;          /* --root */
	char *id;
	char *bundle;
	char *ovl;           /* overlay base dir */
	char *rootfs;        /* the overlay's mount point */
	char *cgroup;        /* "isolab/<run>/<inst>" */
	char *pidfile;
	char *resb;          /* "<root>:<id>" for the resource journal */
	struct netns *ns;
	const char *net;     /* runsc's --network: sandbox (its netstack), host or none */
	pid_t gofer;         /* runsc's gofer, our child once create exits */
	int recorded;
	int created;
	struct view *view;   /* the v1 view's thread, made at stage, or NULL */
};

static const char *oci_binary_name(const struct runtime_conf *rt)
{
	return runtime_option(rt, "binary", rt->name);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static int want_v1_view(const struct runtime_conf *rt)
{
	return !strcmp(runtime_option(rt, "hybrid_cgroups", "host"), "v1") && cgroup_mode() == CGROUP_HYBRID;
}

/* ---- running the CLI, possibly in the v1-only view of cgroups ---- */

struct v1job {
	int (*fn)(void *arg, char **cause);
	void *arg;
	char *cause;
	int rc;
};

/* Set in a thread that is in the v1 view already: nested calls run there. */
static __thread int in_v1_view;

static void *v1_thread(void *p)
{
	struct v1job *j = p;
	/* A thread may take a mount namespace of its own (CLONE_FS unshared
	 * with it); what it spawns inherits it, the rest of isolab does not. */
	if (unshare(CLONE_FS | CLONE_NEWNS) < 0) {
		j->rc = err_errno(&j->cause, "unshare(CLONE_NEWNS)");
		return NULL;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
		j->rc = err_errno(&j->cause, "make / a slave mount");
		return NULL;
	}
	if (umount2("/sys/fs/cgroup/unified", MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) {
		j->rc = err_errno(&j->cause, "unmount /sys/fs/cgroup/unified in the runtime's view");
		return NULL;
	}
	in_v1_view = 1;
	j->rc = j->fn(j->arg, &j->cause);
	return NULL;
}

/* A thread that stays in the v1 view for the instance's life: made at
 * stage, so that the mount namespace (about 0.3-4 ms here, most of it the
 * unmount) is set up before the start-up clock runs, not in it. Jobs are
 * handed over one at a time. */
struct view {
	pthread_t t;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	enum { VIEW_SETUP, VIEW_IDLE, VIEW_JOB, VIEW_DONE, VIEW_QUIT, VIEW_FAILED } state;
	struct v1job job;
};

static void *view_thread(void *p)
{
	struct view *v = p;
	struct v1job setup = { .rc = 0 };
	if (unshare(CLONE_FS | CLONE_NEWNS) < 0)
		setup.rc = err_errno(&setup.cause, "unshare(CLONE_NEWNS)");
	else if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		setup.rc = err_errno(&setup.cause, "make / a slave mount");
	else if (umount2("/sys/fs/cgroup/unified", MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		setup.rc = err_errno(&setup.cause, "unmount /sys/fs/cgroup/unified in the runtime's view");
	pthread_mutex_lock(&v->mu);
	if (setup.rc < 0) {
		v->job = setup;
		v->state = VIEW_FAILED;
		pthread_cond_broadcast(&v->cv);
		pthread_mutex_unlock(&v->mu);
		return NULL;
	}
	in_v1_view = 1;
	v->state = VIEW_IDLE;
	pthread_cond_broadcast(&v->cv);
	for (;;) {
		while (v->state != VIEW_JOB && v->state != VIEW_QUIT)
			pthread_cond_wait(&v->cv, &v->mu);
		if (v->state == VIEW_QUIT)
			break;
		pthread_mutex_unlock(&v->mu);
		v->job.rc = v->job.fn(v->job.arg, &v->job.cause);
		pthread_mutex_lock(&v->mu);
		v->state = VIEW_DONE;
		pthread_cond_broadcast(&v->cv);
	}
	pthread_mutex_unlock(&v->mu);
	return NULL;
}

static int view_start(struct oci *o, char **cause)
{
	struct view *v = xcalloc(1, sizeof *v);
	pthread_mutex_init(&v->mu, NULL);
	pthread_cond_init(&v->cv, NULL);
	int e = pthread_create(&v->t, NULL, view_thread, v);
	if (e) {
		pthread_mutex_destroy(&v->mu);
		pthread_cond_destroy(&v->cv);
		free(v);
		errno = e;
		return err_errno(cause, "cannot start a thread");
	}
	pthread_mutex_lock(&v->mu);
	while (v->state == VIEW_SETUP)
		pthread_cond_wait(&v->cv, &v->mu);
	int failed = v->state == VIEW_FAILED;
	pthread_mutex_unlock(&v->mu);
	if (failed) {
		pthread_join(v->t, NULL);
		pthread_mutex_destroy(&v->mu);
		pthread_cond_destroy(&v->cv);
		if (cause)
			*cause = v->job.cause;
		else
			free(v->job.cause);
		free(v);
		return -1;
	}
	o->view = v;
	return 0;
}

static void view_stop(struct oci *o)
{
	struct view *v = o->view;
	if (!v)
		return;
	pthread_mutex_lock(&v->mu);
	v->state = VIEW_QUIT;
	pthread_cond_broadcast(&v->cv);
	pthread_mutex_unlock(&v->mu);
	pthread_join(v->t, NULL);
	pthread_mutex_destroy(&v->mu);
	pthread_cond_destroy(&v->cv);
	free(v->job.cause);
	free(v);
	o->view = NULL;
}

/* Runs fn in the view's thread, to its end. */
static int view_run(struct view *v, int (*fn)(void *, char **), void *arg, char **cause)
{
	pthread_mutex_lock(&v->mu);
	v->job = (struct v1job){ .fn = fn, .arg = arg, .rc = -1 };
	v->state = VIEW_JOB;
	pthread_cond_broadcast(&v->cv);
	while (v->state != VIEW_DONE)
		pthread_cond_wait(&v->cv, &v->mu);
	v->state = VIEW_IDLE;
	int rc = v->job.rc;
	char *c = v->job.cause;
	v->job.cause = NULL;
	pthread_mutex_unlock(&v->mu);
	if (rc < 0) {
		if (cause)
			*cause = c;
		else
			free(c);
		return -1;
	}
	free(c);
	return 0;
}

static int in_view(const struct oci *o, int (*fn)(void *, char **), void *arg, char **cause)
{
	if (!o->v1_view || in_v1_view)
		return fn(arg, cause);
	if (o->view)
		return view_run(o->view, fn, arg, cause);
	struct v1job j = { .fn = fn, .arg = arg, .rc = -1 };
	pthread_t t;
	int e = pthread_create(&t, NULL, v1_thread, &j);
	if (e) {
		errno = e;
		return err_errno(cause, "cannot start a thread");
	}
	pthread_join(t, NULL);
	if (j.rc < 0) {
		if (cause)
			*cause = j.cause;
		else
			free(j.cause);
		return -1;
	}
	return 0;
}

struct runjob {
	char *const *argv;
	char **out;
};

static int do_run(void *p, char **cause)
{
	struct runjob *r = p;
	return ctr_run(r->argv, OCI_TIMEOUT_MS, r->out, cause);
}

/* The CLI with its global options, then sub and the rest (NULL-ended). */
static void oci_cmd(const struct oci *o, const struct instance *in, struct argvb *a, const char *sub)
{
	argvb_add(a, o->binary);
	argvb_add(a, "--root");
	argvb_add(a, o->root);
	if (o->runsc) {
		/* runsc reads its configuration from every invocation's flags. */
		argvb_addf(a, "--platform=%s", runtime_option(in->rt, "platform", "ptrace"));
		argvb_addf(a, "--network=%s", o->net);
	}
	argvb_add_words(a, runtime_option(in->rt, "extra_args", ""));

	argvb_add(a, sub);
}

static int oci_run(const struct oci *o, const struct instance *in, const char *sub, const char *arg1,
    const char *arg2, char **out, char **cause)
{
	struct argvb a = { 0 };
	oci_cmd(o, in, &a, sub);
	if (arg1)
		argvb_add(&a, arg1);
	if (arg2)
		argvb_add(&a, arg2);
	struct runjob j = { .argv = a.v, .out = out };
	int rc = in_view(o, do_run, &j, cause);
	argvb_free(&a);
	return rc;
}

/* ---- probe ---- */

static const char *package_of(const char *base)
{
	return !strcmp(base, "runsc") ? "runsc" : !strcmp(base, "crun") ? "crun" : !strcmp(base, "runc") ? "runc" : NULL;
}

static void oci_probe(const struct runtime_conf *rt, struct driver_status *st)
{
	const char *bin = oci_binary_name(rt);
	char *path = exec_which(bin);
	if (!path) {
		const char *pkg = package_of(base_name(bin));
		st->reason = xasprintf("%s not found in PATH", bin);
		st->fix = pkg ? xasprintf("apt-get install %s", pkg)
			      : xasprintf("install the OCI runtime %s or set its binary option", bin);
		return;
	}
	if (geteuid() != 0) {
		st->reason = xasprintf("%s needs root here: isolab's oci driver does not run rootless containers", bin);
		st->fix = xstrdup("run isolab as root, or use the sandbox runtime");
		free(path);
		return;
	}
	_cleanup_free_ char *fs = read_file("/proc/filesystems", NULL);
	if (!fs || !strstr(fs, "\toverlay\n")) {
		st->reason = xstrdup("the kernel has no overlay file system (each instance's root is an overlay)");
		st->fix = xstrdup("modprobe overlay");
		free(path);
		return;
	}
	char *argv[] = { path, (char *)"--version", NULL };
	char *line = ctr_first_line(argv);
	if (!line) {
		st->reason = xasprintf("%s --version failed", path);
		st->fix = xasprintf("check the installation of %s", bin);
		free(path);
		return;
	}
	st->available = 1;
	st->version = line;
	free(path);
}

/* ---- config.json ---- */

static json_t *strings(const char *const *v)
{
	json_t *a = json_array();
	for (; *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static json_t *mount_obj(const char *dest, const char *type, const char *src, const char *const *opts)
{
	return json_pack("{s:s, s:s, s:s, s:o}", "destination", dest, "type", type, "source", src, "options",
	    strings(opts));
}

/* Docker's default capability set, so runc, crun, gVisor and Docker are
 * compared with the same privileges (and fingerprints agree). */
static const char *const default_caps[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE", NULL,
};

static json_t *oci_resources(const struct limits *l)
{
	json_t *res = json_object();
	json_t *cpu = json_object();
	if (l->cpus > 0) {
		const json_int_t period = 100000;
		json_object_set_new(cpu, "quota", json_integer((json_int_t)(l->cpus * (double)period + 0.5)));
		json_object_set_new(cpu, "period", json_integer(period));
	}
	if (l->cpuset && *l->cpuset)
		json_object_set_new(cpu, "cpus", json_string(l->cpuset));
	if (l->weight) /* v2 weight 100 is v1's 1024 shares; runtimes map back on v2 */
		json_object_set_new(cpu, "shares", json_integer((json_int_t)l->weight * 1024 / 100));
	if (json_object_size(cpu))
		json_object_set_new(res, "cpu", cpu);
	else
		json_decref(cpu);
	json_t *mem = json_object();
	if (l->mem_hard)
		json_object_set_new(mem, "limit", json_integer((json_int_t)l->mem_hard));
	if (l->mem_soft)
		json_object_set_new(mem, "reservation", json_integer((json_int_t)l->mem_soft));
	if (json_object_size(mem))
		json_object_set_new(res, "memory", mem);
	else
		json_decref(mem);
	if (l->pids)
		json_object_set_new(res, "pids", json_pack("{s:I}", "limit", (json_int_t)l->pids));
	if (l->io_weight) /* the spec's 10..1000, which the runtime writes where the host weights I/O */
		json_object_set_new(res, "blockIO", json_pack("{s:i}", "weight", (int)l->io_weight));
	return res;
}

static json_t *oci_config(const struct instance *in, const struct oci *o)
{
	json_t *args = json_array();
	for (size_t i = 0; in->argv[i]; i++)
		json_array_append_new(args, json_string(i == 0 && in->probe && !strcmp(in->argv[0], in->probe)
			? "/isolab-probe" : in->argv[i]));
	static const char *const env[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=/root", NULL };
	json_t *caps = json_pack("{s:o, s:o, s:o}", "bounding", strings(default_caps), "effective",
	    strings(default_caps), "permitted", strings(default_caps));
	/* The open-file limit isolab has, as a native workload would get. */
	struct rlimit nofile = { 1024, 1024 };
	getrlimit(RLIMIT_NOFILE, &nofile);
	json_t *process = json_pack("{s:b, s:{s:i, s:i}, s:o, s:o, s:s, s:o, s:[{s:s, s:I, s:I}], s:b}",
	    "terminal", 0, "user", "uid", 0, "gid", 0, "args", args, "env", strings(env), "cwd", in->dir,
	    "capabilities", caps, "rlimits", "type", "RLIMIT_NOFILE", "hard", (json_int_t)nofile.rlim_max, "soft",
	    (json_int_t)nofile.rlim_cur, "noNewPrivileges", 1);

	static const char *const o_proc[] = { "nosuid", "noexec", "nodev", NULL };
	static const char *const o_dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
	static const char *const o_pts[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", NULL };
	static const char *const o_shm[] = { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL };
	static const char *const o_sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
	static const char *const o_tmp[] = { "nosuid", "nodev", "mode=1777", NULL };
	static const char *const o_rw[] = { "rbind", "rw", NULL };
	static const char *const o_ro[] = { "rbind", "ro", NULL };
	json_t *mounts = json_array();
	json_array_append_new(mounts, mount_obj("/proc", "proc", "proc", o_proc));
	json_array_append_new(mounts, mount_obj("/dev", "tmpfs", "tmpfs", o_dev));
	json_array_append_new(mounts, mount_obj("/dev/pts", "devpts", "devpts", o_pts));
	json_array_append_new(mounts, mount_obj("/dev/shm", "tmpfs", "shm", o_shm));
	json_array_append_new(mounts, mount_obj("/sys", "sysfs", "sysfs", o_sys));
	json_array_append_new(mounts, mount_obj("/tmp", "tmpfs", "tmpfs", o_tmp));
	const char *kind = in->wl->rootfs ? in->wl->rootfs : "minimal";
	if (!strcmp(kind, "host"))
		for (const char *const *b = rootfs_host_binds(); b && *b; b++)
			json_array_append_new(mounts, mount_obj(*b, "bind", *b, o_ro));
	json_array_append_new(mounts, mount_obj(in->dir, "bind", in->dir, o_rw));

	json_t *nss = json_array();
	static const char *const ns_types[] = { "pid", "ipc", "uts", "mount", "cgroup", NULL };
	for (const char *const *t = ns_types; *t; t++)
		json_array_append_new(nss, json_pack("{s:s}", "type", *t));
	if (o->ns)
		json_array_append_new(nss, json_pack("{s:s, s:s}", "type", "network", "path", netns_path(o->ns)));
	else if (strcmp(in->network, "host"))
		json_array_append_new(nss, json_pack("{s:s}", "type", "network"));

	static const char *const masked[] = { "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
		"/proc/scsi", NULL };
	static const char *const ro_paths[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
		"/proc/sysrq-trigger", NULL };
	_cleanup_free_ char *cgpath = xasprintf("/%s", o->cgroup);
	_cleanup_free_ char *hostname = xasprintf("isolab-%d", in->id);
	json_t *linux_ = json_pack("{s:o, s:o, s:s, s:o, s:o}", "namespaces", nss, "resources",
	    oci_resources(in->limits), "cgroupsPath", cgpath, "maskedPaths", strings(masked), "readonlyPaths",
	    strings(ro_paths));
	/* Read-only but for a "cow" root, whose image files the workload
	 * rewrites: the overlay copies them up. */
	return json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", "1.0.2", "process", process,
	    "root", "path", o->rootfs, "readonly", strcmp(kind, "cow") != 0, "hostname", hostname, "mounts", mounts,
	    "linux", linux_);
}

/* ---- life of an instance ---- */

static int runsc_bridge(struct instance *in, struct oci *o, char **cause);

static int oci_prepare(struct instance *in, char **cause)
{
	if (!in->res)
		return err_set(cause, "oci: no resource journal for this run");
	const char *net = in->network ? in->network : "none";
	if (strcmp(net, "none") && strcmp(net, "host") && strcmp(net, "bridge"))
		return err_set(cause, "oci: unknown network mode '%s'", net);
	struct oci *o = xcalloc(1, sizeof *o);
	in->priv = o;
	o->binary = exec_which(oci_binary_name(in->rt));
	if (!o->binary)
		return err_set(cause, "%s not found in PATH", oci_binary_name(in->rt));
	o->base = base_name(o->binary);
	o->runsc = !strcmp(o->base, "runsc");
	o->v1_view = want_v1_view(in->rt);
	o->net = runtime_option(in->rt, "network", NULL);
	if (!o->net)
		o->net = !strcmp(net, "host") ? "host" : !strcmp(net, "bridge") ? "sandbox" : "none";
	if (o->runsc && in->limits && in->limits->pids)
		return err_set(cause, "gVisor cannot honour the limit 'pids': pids.max counts the Sentry's own "
				      "threads, so a limit that stops a fork bomb kills the sandbox; remove it");
	o->root = xasprintf("%s/oci-%d", resources_dir(in->res), in->id);
	o->id = xasprintf("isolab-%s-%d", in->run_id, in->id);
	o->bundle = xasprintf("%s/bundle", in->dir);
	o->ovl = xasprintf("%s/rootfs-%d", resources_dir(in->res), in->id);
	o->cgroup = xasprintf("isolab/%s/%d", in->run_id, in->id);
	o->pidfile = xasprintf("%s/pid", o->bundle);
	o->resb = xasprintf("%s:%s", o->root, o->id);
	if (resources_add(in->res, "dir", o->root, NULL, cause) < 0)
		return -1;
	if (mkdir_p(o->root, 0700) < 0 || mkdir_p(o->bundle, 0755) < 0)
		return err_errno(cause, "oci: cannot create %s or %s", o->root, o->bundle);

	const char *kind = in->wl->rootfs ? in->wl->rootfs : "minimal";
	_cleanup_free_ char *lower = rootfs_get(kind, in->probe, cause);
	if (!lower)
		return err_wrap(cause, "rootfs %s", kind);
	if (ctr_overlay_root(in, o->ovl, lower, &o->rootfs, cause) < 0)
		return -1;
	if (!strcmp(in->network, "bridge")) {
		o->ns = ctr_netns(in, cause);
		if (!o->ns)
			return err_wrap(cause, "bridge network");
		in->addr = xstrdup(netns_addr(o->ns));
	} else {
		in->addr = xstrdup("127.0.0.1");
	}

	/* Recorded now, before create: the fsync'd journal write is kept out of
	 * the start-up time, and reaping a container never created is harmless. */
	if (resources_add(in->res, "cgroup", o->cgroup, NULL, cause) < 0 ||
	    resources_add(in->res, "oci", o->binary, o->resb, cause) < 0)
		return -1;
	o->recorded = 1;
	in->cgroup = o->cgroup;
	if (o->runsc && in->limits && in->limits->cpuset && cgroup_mode() != CGROUP_V2) {
		/* runsc writes the new leaf's cpuset.cpus while v1 has left its
		 * parents empty (EACCES); runc fills them in, runsc does not. The
		 * cgroup module creates the parent levels with inherited cpus and
		 * mems; the instance's record above removes them with it. */
		_cleanup_free_ char *parent = xasprintf("isolab/%s", in->run_id);
		struct limits cpus = { .cpuset = in->limits->cpuset };
		struct cgroup *pc = cgroup_create(parent, &cpus, cause);
		if (!pc)
			return err_wrap(cause, "gVisor cpuset parent");
		cgroup_free(pc);
	}
	/* The runtime makes the leaf from cgroupsPath; the group's memory pool
	 * is its parent, made and limited here first. */
	if (in->limits && in->limits->mem_pool && cgroup_pool(o->cgroup, in->limits->mem_pool, cause) < 0)
		return -1;
	if (o->runsc && !runtime_option(in->rt, "network", NULL) && !strcmp(net, "bridge"))
		return runsc_bridge(in, o, cause);
	return 0;
}

struct spawnjob {
	char *const *argv;
	const char *cwd;
	struct exec_child *c;
};

static int do_spawn(void *p, char **cause)
{
	struct spawnjob *s = p;
	struct exec_opts eo = { .cwd = s->cwd };
	return exec_spawn(s->argv, &eo, s->c, cause);
}

/* Waits up to ms for pid (our child) to exit; -1 on timeout. Its
 * resource use, with its reaped children's, into ru when not NULL. */
static int wait_child(pid_t pid, int pidfd, int ms, int *status, struct rusage *ru)
{
	if (pidfd >= 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int n;
		while ((n = poll(&p, 1, ms)) < 0 && errno == EINTR)
			;
		if (n == 0)
			return -1;
	}
	while (wait4(pid, status, 0, ru) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* runsc create joins the sandbox's cgroup to start the sandbox and the
 * gofer in it, and has left it and exited before the first sample: its
 * CPU (with its reaped helpers') is the runtime's, component "create",
 * from its rusage over its whole life (so a little of it from outside the
 * cgroup). No memory: it was gone before any sample, and its peak RSS
 * beside the Sentry's and the gofer's would be memory never held at once. */
static void launch_act(struct instance *in, pid_t pid, const struct rusage *ru)
{
	double secs = in->t_created_ns > in->t_called_ns ? (double)(in->t_created_ns - in->t_called_ns) / 1e9 : 0;
	if (secs <= 0)
		return;
	struct proc_sample *p = &in->launch_act;
	*p = (struct proc_sample){ .pid = pid, .ppid = getpid(), .instance = in->id, .role = ROLE_RUNTIME,
		.cpu_num = -1, .threads = 1, .secs = secs, .exited = 1 };
	snprintf(p->comm, sizeof p->comm, "runsc");
	snprintf(p->name, sizeof p->name, "create");
	p->usr = ((double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6) / secs * 100.0;
	p->system = ((double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6) / secs * 100.0;
	p->cpu = p->usr + p->system;
	p->minflt_s = (double)ru->ru_minflt / secs;
	p->majflt_s = (double)ru->ru_majflt / secs;
	p->kb_rd_s = (double)ru->ru_inblock / 2.0 / secs; /* 512-byte blocks */
	p->kb_wr_s = (double)ru->ru_oublock / 2.0 / secs;
	p->cswch_s = (double)ru->ru_nvcsw / secs;
	p->nvcswch_s = (double)ru->ru_nivcsw / secs;
	in->has_launch_act = 1;
}

/* What a failed create printed on the instance's pipe: its last line. */
static char *drain_last_line(int fd)
{
	char buf[8192];
	size_t len = 0;
	ssize_t n;
	while (len < sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	char *nl = strrchr(buf, '\n');
	return xstrdup(nl ? nl + 1 : buf);
}

/* The bundle's config.json, for in->argv. */
static int write_config(const struct instance *in, const struct oci *o, char **cause)
{
	json_t *cfg = oci_config(in, o);
	_cleanup_free_ char *path = xasprintf("%s/config.json", o->bundle);
	int wrc = json_dump_file(cfg, path, JSON_INDENT(2));
	json_decref(cfg);
	return wrc < 0 ? err_errno(cause, "oci: cannot write %s", path) : 0;
}

struct launchjob {
	struct oci *o;
	struct instance *in;
};

/* create, then start: in one v1 view when the runtime needs it (a mount
 * namespace made once per launch, not once per command). */
static int launch_steps(void *arg, char **cause)
{
	struct launchjob *lj = arg;
	struct oci *o = lj->o;
	struct instance *in = lj->in;
	struct argvb a = { 0 };
	oci_cmd(o, in, &a, "create");
	argvb_add(&a, "--bundle");
	argvb_add(&a, o->bundle);
	argvb_add(&a, "--pid-file");
	argvb_add(&a, o->pidfile);
	argvb_add(&a, o->id);
	struct exec_child c = { .pidfd = -1 };
	struct spawnjob sj = { .argv = a.v, .cwd = o->bundle, .c = &c };
	in->t_called_ns = mono_ns();
	int rc = do_spawn(&sj, cause);
	argvb_free(&a);
	if (rc < 0)
		return err_wrap(cause, "%s create", o->base);
	o->created = 1;
	int status = 0;
	struct rusage ru = { 0 };
	if (wait_child(c.pid, c.pidfd, OCI_TIMEOUT_MS, &status, &ru) < 0) {
		kill(-c.pid, SIGKILL);
		waitpid(c.pid, &status, 0);
		err_set(cause, "%s create did not finish in %d s", o->base, OCI_TIMEOUT_MS / 1000);
		goto fail;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *st = exec_status_str(status);
		char *last = drain_last_line(c.out_fd);
		err_set(cause, "%s create %s%s%s", o->base, st, *last ? ": " : "", last);
		free(st);
		free(last);
		goto fail;
	}
	in->t_created_ns = mono_ns();
	if (o->runsc)
		launch_act(in, c.pid, &ru);
	in->main_pid = ctr_read_pidfile(o->pidfile);
	if (!in->main_pid) {
		err_set(cause, "%s create wrote no pid to %s", o->base, o->pidfile);
		goto fail;
	}
	if (o->runsc) {
		pid_t pids[64];
		size_t n = ctr_cgroup_pids(o->cgroup, pids, ARRAY_SIZE(pids));
		for (size_t i = 0; i < n; i++) {
			char argv0[64];
			ctr_proc_argv0(pids[i], argv0, sizeof argv0);
			if (!strcmp(argv0, "runsc-gofer"))
				o->gofer = pids[i];
		}
	}
	if (oci_run(o, in, "start", o->id, NULL, NULL, cause) < 0)
		goto fail;
	if (c.pidfd >= 0)
		close(c.pidfd);
	in->out_fd = c.out_fd;
	return 0;
fail:
	if (c.pidfd >= 0)
		close(c.pidfd);
	if (c.out_fd >= 0)
		close(c.out_fd);
	return -1;
}

/* Before the start-up clock: the bundle's config.json (the workload's argv
 * is known from stage on, when the engine has substituted it) and the v1
 * view's thread. */
static int oci_stage(struct instance *in, char **cause)
{
	struct oci *o = in->priv;
	if (!o || !o->recorded)
		return err_set(cause, "oci: stage without prepare");
	if (write_config(in, o, cause) < 0)
		return -1;
	if (o->v1_view && !o->view && view_start(o, cause) < 0)
		return err_wrap(cause, "%s: the v1 view of cgroups", o->base);
	return 0;
}

static int oci_launch(struct instance *in, char **cause)
{
	struct oci *o = in->priv;
	if (!o || !o->recorded)
		return err_set(cause, "oci: launch without prepare");
	ctr_subreaper();
	struct launchjob lj = { .o = o, .in = in };
	return in_view(o, launch_steps, &lj, cause);
}

static size_t oci_pids(struct instance *in, struct pid_role *out, size_t max)
{
	struct oci *o = in->priv;
	if (!o || !o->created || max == 0)
		return 0;
	pid_t pids[256];
	size_t n = ctr_cgroup_pids(o->cgroup, pids, max < ARRAY_SIZE(pids) ? max : ARRAY_SIZE(pids));
	for (size_t i = 0; i < n; i++) {
		enum proc_role role = ROLE_WORKLOAD;
		const char *name = NULL;
		if (o->runsc) {
			/* Every process runsc starts is "exe" (it re-executes
			 * /proc/self/exe): argv tells them apart. The stubs the
			 * Sentry runs the workload's code in have none. */
			char argv0[64];
			ctr_proc_argv0(pids[i], argv0, sizeof argv0);
			if (!strncmp(argv0, "runsc-", 6) || !strcmp(argv0, "/proc/self/exe"))
				role = ROLE_RUNTIME;
			name = !strcmp(argv0, "runsc-sandbox") ? "sentry" : !strcmp(argv0, "runsc-gofer") ? "gofer" :
			    !argv0[0] ? "stub" : role == ROLE_RUNTIME ? "runsc" : NULL;
		}
		out[i] = (struct pid_role){ .pid = pids[i], .role = role, .name = name };
	}
	if (n == 0 && in->main_pid) {
		out[0] = (struct pid_role){ .pid = in->main_pid, .role = o->runsc ? ROLE_RUNTIME : ROLE_WORKLOAD };
		n = 1;
	}
	return n;
}

/* gVisor runs the workload's processes inside its Sentry, out of the
 * host's sight: `runsc ps` lists them from inside (about 40 ms a call).
 * Its C column is each process's CPU use over its lifetime, runsc's own
 * definition, not the last second's; the other pidstat fields are unknown
 * from here and stay 0 (I/O: -1). */
static size_t oci_foreign(struct instance *in, struct proc_sample *out, size_t max)
{
	struct oci *o = in->priv;
	if (!o || !o->runsc || !o->created || max == 0)
		return 0;
	char *text = NULL;
	if (oci_run(o, in, "ps", o->id, NULL, &text, NULL) < 0 || !text) {
		free(text);
		return 0;
	}
	size_t n = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line && n < max; line = strtok_r(NULL, "\n", &save)) {
		unsigned uid;
		int pid, ppid, off = 0;
		double c;
		char tty[32], stime[32], cputime[32];
		/* UID PID PPID C TTY STIME TIME CMD; the header does not parse. */
		if (sscanf(line, "%u %d %d %lf %31s %31s %31s %n", &uid, &pid, &ppid, &c, tty, stime, cputime,
			&off) < 7 || !off)
			continue;
		struct proc_sample *p = &out[n++];
		memset(p, 0, sizeof *p);
		p->pid = pid;
		p->ppid = ppid;
		p->role = ROLE_GUEST;
		p->cpu = p->usr = c;
		p->cpu_num = -1;
		p->kb_rd_s = p->kb_wr_s = p->kb_ccwr_s = -1;
		snprintf(p->comm, sizeof p->comm, "%s", line + off);
	}
	free(text);
	return n;
}

/* gVisor's workload runs in stubs its Sentry ptraces, which a SIGSTOP
 * from the host does not hold: runsc pauses the whole sandbox itself.
 * runc and crun leave it to the engine (a SIGSTOP of the workload). */
static int oci_hold(struct instance *in, int on, char **cause)
{
	struct oci *o = in->priv;
	if (!o || !o->created || !o->runsc)
		return 0;
	return oci_run(o, in, on ? "pause" : "resume", o->id, NULL, NULL, cause) < 0 ? -1 : 1;
}

static int oci_stop(struct instance *in, int force, char **cause)
{
	struct oci *o = in->priv;
	if (!o || !o->created)
		return 0;
	if (!force)
		return oci_run(o, in, "kill", o->id, "TERM", NULL, cause);
	/* Past politeness: the runtime kills every process of the container,
	 * and the init goes directly in case the runtime's state is broken. */
	struct argvb a = { 0 };
	oci_cmd(o, in, &a, "kill");
	argvb_add(&a, "--all");
	argvb_add(&a, o->id);
	argvb_add(&a, "KILL");
	struct runjob j = { .argv = a.v };
	int rc = in_view(o, do_run, &j, NULL);
	argvb_free(&a);
	if (in->main_pid)
		kill(in->main_pid, SIGKILL);
	(void)rc;
	return 0;
}

/* Kills and reaps pid if it is still an unreaped child of ours: the
 * runtimes wait for the processes they kill to vanish, which a zombie
 * whose parent (isolab, the subreaper) is busy waiting for them never does.
 * A pid already reaped (ECHILD) is left alone: it may have been reused. */
static void reap_child(pid_t pid)
{
	int status;
	if (pid <= 0 || waitpid(pid, &status, WNOHANG) != 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

/*
 * gVisor on the bridge. runsc's own network stack (--network=sandbox)
 * copies the interfaces of the container's network namespace; Debian 12's
 * runsc (release 2022-12-19) refuses that in any namespace, wrongly, with
 * the message below (a false positive fixed in later releases). Once per
 * process, in the unmeasured prepare, a throwaway create and start of this
 * instance's bundle running `isolab-probe start` (same id, root and
 * namespace, already in the resource journal) tells which runsc this is.
 * Where netstack is refused, runsc runs with --network=host inside the
 * instance's namespace: the container is still on isolab's bridge, behind
 * its veth, but its TCP/IP stack is the host kernel's, not gVisor's; the
 * run says so once, and every such instance has a journal record.
 */
#define RUNSC_NETSTACK_REFUSED "cannot run with network enabled in root network namespace"
static int runsc_netstack = -1; /* 1: works, 0: refused, -1: not tried yet */

static int runsc_bridge(struct instance *in, struct oci *o, char **cause)
{
	if (runsc_netstack < 0) {
		/* The launch path itself, on `isolab-probe start`, then undone. */
		static char p0[] = "/isolab-probe", p1[] = "start";
		char *probe_argv[] = { p0, p1, NULL }, **argv = in->argv;
		in->argv = probe_argv;
		int rc = write_config(in, o, cause);
		in->argv = argv;
		if (rc < 0)
			return -1;
		ctr_subreaper();
		struct launchjob lj = { .o = o, .in = in };
		_cleanup_free_ char *why = NULL;
		int ok = in_view(o, launch_steps, &lj, &why) == 0;
		if (ok) {
			close(in->out_fd);
			in->out_fd = -1;
		}
		char *dc = NULL;
		oci_run(o, in, "delete", "--force", o->id, NULL, &dc);
		free(dc);
		reap_child(in->main_pid);
		reap_child(o->gofer);
		in->main_pid = o->gofer = 0;
		in->t_created_ns = 0;
		o->created = 0;
		if (ok)
			runsc_netstack = 1;
		else if (why && strstr(why, RUNSC_NETSTACK_REFUSED))
			runsc_netstack = 0;
		/* Any other failure: the real create will report it. */
	}
	if (runsc_netstack == 0) {
		static char said[128]; /* the run it was said in */
		o->net = "host";
		const char *run = in->run_id ? in->run_id : "";
		if (in->note && strcmp(said, run)) {
			snprintf(said, sizeof said, "%s", run);
			in->note(in, json_pack("{s:s, s:s}", "type", "info", "msg",
			    "gvisor on the bridge: this runsc refuses its own network stack in a network namespace (\""
			    RUNSC_NETSTACK_REFUSED "\"), so it runs with --network=host inside the instance's namespace: "
			    "on isolab's bridge, over the host kernel's TCP/IP stack, not gVisor's netstack"));
		}
		if (in->note)
			in->note(in, json_pack("{s:s, s:s, s:s, s:s}", "type", "network", "mode", "bridge", "stack",
			    "host kernel (runsc --network=host in the instance's namespace)", "why", RUNSC_NETSTACK_REFUSED));
	}
	return 0;
}

static int oci_cleanup(struct instance *in, char **cause)
{
	struct oci *o = in->priv;
	int rc = 0;
	if (!o)
		return 0;
	reap_child(in->main_pid);
	reap_child(o->gofer);
	if (o->created) {
		struct argvb a = { 0 };
		oci_cmd(o, in, &a, "delete");
		argvb_add(&a, "--force");
		argvb_add(&a, o->id);
		struct runjob j = { .argv = a.v };
		char *c = NULL;
		if (in_view(o, do_run, &j, &c) < 0 && !strstr(c, "does not exist") && !strstr(c, "not exist")) {
			rc = -1;
			if (cause && !*cause)
				*cause = c;
			else
				free(c);
		} else {
			free(c);
			resources_done(in->res, "oci", o->binary, o->resb);
		}
		argvb_free(&a);
	} else if (o->recorded) {
		resources_done(in->res, "oci", o->binary, o->resb);
	}
	in->cgroup = NULL;
	if (o->recorded) {
		char *c = NULL;
		if (cgroup_remove(o->cgroup, &c) < 0) {
			rc = -1;
			if (cause && !*cause)
				*cause = c;
			else
				free(c);
		} else {
			ctr_cgroup_rmdir(o->cgroup);
			resources_done(in->res, "cgroup", o->cgroup, NULL);
		}
	}
	if (o->ns) {
		char *c = NULL;
		if (netns_destroy(o->ns, in->res, &c) < 0) {
			rc = -1;
			if (cause && !*cause)
				*cause = c;
			else
				free(c);
		}
	}
	if (o->ovl) {
		char *c = NULL;
		if (ctr_overlay_remove(in, o->ovl, &c) < 0) {
			rc = -1;
			if (cause && !*cause)
				*cause = c;
			else
				free(c);
		}
	}
	if (o->root && rc == 0 && (rm_rf(o->root) == 0 || errno == ENOENT))
		resources_done(in->res, "dir", o->root, NULL);
	view_stop(o);
	free(o->binary);
	free(o->root);
	free(o->id);
	free(o->bundle);
	free(o->ovl);
	free(o->rootfs);
	free(o->cgroup);
	free(o->pidfile);
	free(o->resb);
	free(o);
	in->priv = NULL;
	return rc;
}

/* The resource journal's "oci": a=binary, b="<root>:<id>" (a root path
 * may hold ':', an id may not). */
static int oci_reap(const char *a, const char *b, char **cause)
{
	const char *colon = b ? strrchr(b, ':') : NULL;
	if (!colon)
		return err_set(cause, "bad oci entry '%s'", b ? b : "");
	_cleanup_free_ char *root = xstrndup(b, (size_t)(colon - b));
	struct stat st;
	if (stat(root, &st) < 0 && errno == ENOENT)
		return 0; /* no state directory, no container */
	char *argv[] = { (char *)a, (char *)"--root", root, (char *)"delete", (char *)"--force", (char *)colon + 1,
		NULL };
	return ctr_reap_run(argv, 1, cause);
}

static const struct resource_reaper oci_reapers[] = { { "oci", oci_reap }, { NULL, NULL } };

static const struct option_decl oci_options[] = {
	{ .name = "binary", .doc = "the OCI runtime's CLI, looked up in PATH (default: the runtime's name)" },
	{ .name = "platform", .spec = { .type = VT_CHOICE, .choices = (const char *const[]){ "ptrace", "systrap",
	  "kvm", NULL } }, .doc = "runsc only: its --platform (default ptrace)" },
	{ .name = "network", .spec = { .type = VT_CHOICE, .choices = (const char *const[]){ "none", "host",
	  "sandbox", NULL } }, .doc = "runsc only: its --network (default: from the experiment's network)" },
	{ .name = "hybrid_cgroups", .spec = { .type = VT_CHOICE, .choices = (const char *const[]){ "host", "v1",
	  NULL } }, .doc = "v1: run the CLI where only the cgroup v1 hierarchies are mounted (default host)" },
	{ .name = "extra_args", .doc = "more global options, split on white space" },
	{ 0 },
};

static char *oci_network_refusal(const struct runtime_conf *rt, const char *net, int serve)
{
	if (!serve)
		return NULL;
	const char *opt = runtime_option(rt, "network", NULL);
	if (opt && !strcmp(opt, "none"))
		return xasprintf("%s runs with --network=none (its option network), which no host program reaches",
		    rt->name);
	return !strcmp(net, "none") ? xstrdup(NET_NONE_UNREACHABLE) : NULL;
}

const struct driver driver_oci = {
	.name = "oci",
	.description = "an OCI runtime CLI (runc, crun, runsc) via create/start/kill/delete",
	.probe = oci_probe,
	.prepare = oci_prepare,
	.stage = oci_stage,
	.launch = oci_launch,
	.pids = oci_pids,
	.foreign_samples = oci_foreign,
	.hold = oci_hold,
	.stop = oci_stop,
	.cleanup = oci_cleanup,
	.limits_supported = LIMIT_CPUS | LIMIT_CPUSET | LIMIT_WEIGHT | LIMIT_MEM_HARD | LIMIT_MEM_SOFT | LIMIT_PIDS |
	    LIMIT_POOL | LIMIT_IO_WEIGHT,
	.options = oci_options,
	.network_refusal = oci_network_refusal,
	.reapers = oci_reapers,
};

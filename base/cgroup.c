/*
 * cgroup.c — isolab's cgroups on pure v2, hybrid and pure v1.
 *
 * Every controller is resolved once to where this machine has it: a v1
 * hierarchy of its own (a cgroup v1 file system at /sys/fs/cgroup/<name>)
 * or the v2 hierarchy (listed in its root's
 * cgroup.controllers). On hybrid machines the v1 copy wins, because a
 * controller bound to v1 is absent from v2. The v2 directory is created
 * whenever a v2 hierarchy exists, even with no controllers, because it
 * tracks every process (cgroup.procs over the whole subtree) and, from
 * Linux 5.14, kills them all with one write to cgroup.kill.
 *
 * v1 cpuset is the awkward one: a new cpuset cgroup starts with empty
 * cpuset.cpus and cpuset.mems and refuses tasks until both are set, so each
 * level we create copies them from its parent before going deeper.
 *
 * Memory limits also forbid swap (memory.swap.max / memory.memsw), so that
 * a hard limit means the workload is stopped at the limit rather than
 * pushed to swap.
 */
#include "cgroup.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

#define CG_ROOT "/sys/fs/cgroup"

enum ctrl { C_CPU, C_CPUSET, C_MEMORY, C_PIDS, C_FREEZER, C_CPUACCT, C_IO, C__COUNT };

static const struct {
	const char *name;
	const char *v2name; /* where v2 calls it otherwise (v1's blkio is v2's io) */
} ctrls[C__COUNT] = {
	[C_CPU] = { "cpu", NULL },
	[C_CPUSET] = { "cpuset", NULL },
	[C_MEMORY] = { "memory", NULL },
	[C_PIDS] = { "pids", NULL },
	[C_FREEZER] = { "freezer", NULL },
	[C_CPUACCT] = { "cpuacct", NULL },
	[C_IO] = { "blkio", "io" },
};

static const char *v2name(int c) { return ctrls[c].v2name ? ctrls[c].v2name : ctrls[c].name; }

enum where { W_NONE, W_V1, W_V2 };

static struct layout {
	enum cgroup_mode mode;
	char v2root[64];         /* "" when there is no v2 hierarchy */
	enum where where[C__COUNT];
} layout;
static pthread_once_t layout_once = PTHREAD_ONCE_INIT;

static int is_fs(const char *path, long magic)
{
	struct statfs s;
	return statfs(path, &s) == 0 && (long)s.f_type == magic;
}

static int file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void layout_detect(void)
{
	int v1 = 0;
	if (is_fs(CG_ROOT, CGROUP2_SUPER_MAGIC))
		snprintf(layout.v2root, sizeof layout.v2root, "%s", CG_ROOT);
	else if (is_fs(CG_ROOT "/unified", CGROUP2_SUPER_MAGIC))
		snprintf(layout.v2root, sizeof layout.v2root, "%s", CG_ROOT "/unified");
	_cleanup_free_ char *v2ctrls = NULL;
	if (layout.v2root[0]) {
		char p[128];
		snprintf(p, sizeof p, "%s/cgroup.controllers", layout.v2root);
		v2ctrls = read_file(p, NULL);
	}
	for (int c = 0; c < C__COUNT; c++) {
		char p[128];
		/* The v1 hierarchy is mounted under the controller's name (or a
		 * symlink to a co-mount such as "cpu,cpuacct"). */
		snprintf(p, sizeof p, CG_ROOT "/%s", ctrls[c].name);
		if (!layout.v2root[0] || strcmp(layout.v2root, CG_ROOT)) {
			if (is_fs(p, CGROUP_SUPER_MAGIC)) {
				layout.where[c] = W_V1;
				v1 = 1;
				continue;
			}
		}
		if (v2ctrls && c != C_FREEZER && c != C_CPUACCT) {
			/* Whole-word match in "cpuset cpu io memory pids". */
			const char *name = v2name(c);
			size_t n = strlen(name);
			for (const char *s = v2ctrls; (s = strstr(s, name)); s += n)
				if ((s == v2ctrls || s[-1] == ' ') && (s[n] == ' ' || s[n] == '\n' || !s[n])) {
					layout.where[c] = W_V2;
					break;
				}
		}
	}
	if (layout.v2root[0] && !strcmp(layout.v2root, CG_ROOT))
		layout.mode = CGROUP_V2;
	else if (layout.v2root[0])
		layout.mode = CGROUP_HYBRID;
	else if (v1)
		layout.mode = CGROUP_V1;
	else
		layout.mode = CGROUP_NONE;
}

static const struct layout *get_layout(void)
{
	pthread_once(&layout_once, layout_detect);
	return &layout;
}

enum cgroup_mode cgroup_mode(void) { return get_layout()->mode; }

const char *cgroup_mode_name(enum cgroup_mode m)
{
	switch (m) {
	case CGROUP_V1: return "v1";
	case CGROUP_HYBRID: return "hybrid";
	case CGROUP_V2: return "v2";
	default: return "none";
	}
}

unsigned cgroup_limits_supported(void)
{
	const struct layout *l = get_layout();
	unsigned m = 0;
	if (l->where[C_CPU]) {
		m |= LIMIT_WEIGHT;
		/* v1 quota needs CONFIG_CFS_BANDWIDTH; v2 always has cpu.max. */
		if (l->where[C_CPU] == W_V2 || file_exists(CG_ROOT "/cpu/cpu.cfs_quota_us"))
			m |= LIMIT_CPUS;
	}
	if (l->where[C_CPUSET])
		m |= LIMIT_CPUSET;
	if (l->where[C_MEMORY])
		m |= LIMIT_MEM_HARD | LIMIT_MEM_SOFT | LIMIT_POOL;
	if (l->where[C_PIDS])
		m |= LIMIT_PIDS;
	if (cgroup_io_weight_file(NULL))
		m |= LIMIT_IO_WEIGHT;
	return m;
}

char *cgroup_block_schedulers(void)
{
	/* The union of every block device's choices ("[none] mq-deadline
	 * kyber"), in the order first seen, brackets dropped. */
	char *out = xstrdup("");
	DIR *dp = opendir("/sys/block");
	struct dirent *de;
	while (dp && (de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *p = xasprintf("/sys/block/%s/queue/scheduler", de->d_name);
		_cleanup_free_ char *t = read_file(p, NULL);
		char *save = NULL;
		for (char *w = t ? strtok_r(t, " []\n", &save) : NULL; w; w = strtok_r(NULL, " []\n", &save)) {
			size_t n = strlen(w);
			const char *f = out;
			while ((f = strstr(f, w)) && !((f == out || f[-1] == ' ') && (f[n] == ',' || !f[n])))
				f += n;
			if (f)
				continue;
			char *next = xasprintf("%s%s%s", out, *out ? ", " : "", w);
			free(out);
			out = next;
		}
	}
	if (dp)
		closedir(dp);
	return out;
}

const char *cgroup_io_weight_pick(enum cgroup_at io, const char *schedulers, int iocost, int cfq, char **why)
{
	/* BFQ gives a weight on both sides, once it is loaded (listed among
	 * the schedulers); v2's io.weight also comes from iocost (io.cost.qos
	 * on the root); v1's blkio.weight was CFQ's, gone from Linux 5.0. */
	int bfq = 0;
	for (const char *s = schedulers; s && (s = strstr(s, "bfq")); s += 3)
		if ((s == schedulers || s[-1] == ' ') && (s[3] == ',' || !s[3]))
			bfq = 1;
	if (io == CGROUP_AT_V2 && (bfq || iocost))
		return bfq ? "io.bfq.weight" : "io.weight";
	if (io == CGROUP_AT_V1 && (bfq || cfq))
		return bfq ? "blkio.bfq.weight" : "blkio.weight";
	if (why) {
		const char *sch = schedulers && *schedulers ? schedulers : "none found";
		if (io == CGROUP_AT_NONE)
			*why = xasprintf("there is no I/O controller (blkio or io) in this machine's cgroups");
		else if (io == CGROUP_AT_V1)
			*why = xasprintf("the v1 blkio controller has no weight without the BFQ scheduler (this machine's "
			    "block schedulers: %s)", sch);
		else
			*why = xasprintf("the io controller has no weight without the BFQ scheduler or io.cost (this "
			    "machine's block schedulers: %s)", sch);
	}
	return NULL;
}

/* Which block schedulers are loaded does not change under a run: read once. */
static struct {
	const char *file;
	char *why;
} io_weight;
static pthread_once_t io_weight_once = PTHREAD_ONCE_INIT;

static void io_weight_detect(void)
{
	const struct layout *l = get_layout();
	enum cgroup_at at = l->where[C_IO] == W_V1 ? CGROUP_AT_V1 : l->where[C_IO] == W_V2 ? CGROUP_AT_V2 : CGROUP_AT_NONE;
	_cleanup_free_ char *sch = cgroup_block_schedulers();
	int iocost = 0;
	if (at == CGROUP_AT_V2) {
		_cleanup_free_ char *p = xasprintf("%s/io.cost.qos", l->v2root);
		iocost = file_exists(p);
	}
	io_weight.file = cgroup_io_weight_pick(at, sch, iocost,
	    at == CGROUP_AT_V1 && file_exists(CG_ROOT "/blkio/blkio.weight"), &io_weight.why);
}

const char *cgroup_io_weight_file(char **why)
{
	pthread_once(&io_weight_once, io_weight_detect);
	if (!io_weight.file && why)
		*why = xstrdup(io_weight.why ? io_weight.why : "unknown");
	return io_weight.file;
}

struct cgroup {
	char *relpath;
	char *v2dir;                 /* NULL without a v2 hierarchy */
	char *v1dir[C__COUNT];       /* NULL where the controller is not v1 or unused */
	char **extra;                /* other hierarchies holding relpath (cgroup_open) */
	size_t nextra;
	const char **procs;          /* NULL-terminated, strings owned below */
	char **procs_store;
	size_t nprocs;
};

void cgroup_free(struct cgroup *cg)
{
	if (!cg)
		return;
	free(cg->relpath);
	free(cg->v2dir);
	for (int c = 0; c < C__COUNT; c++)
		free(cg->v1dir[c]);
	for (size_t i = 0; i < cg->nextra; i++)
		free(cg->extra[i]);
	free(cg->extra);
	for (size_t i = 0; i < cg->nprocs; i++)
		free(cg->procs_store[i]);
	free(cg->procs_store);
	free(cg->procs);
	free(cg);
}

static void add_procs(struct cgroup *cg, const char *dir)
{
	cg->procs_store = xreallocarray(cg->procs_store, cg->nprocs + 1, sizeof *cg->procs_store);
	cg->procs = xreallocarray(cg->procs, cg->nprocs + 2, sizeof *cg->procs);
	cg->procs_store[cg->nprocs] = xasprintf("%s/cgroup.procs", dir);
	cg->procs[cg->nprocs] = cg->procs_store[cg->nprocs];
	cg->nprocs++;
	cg->procs[cg->nprocs] = NULL;
}

/* Relative, without empty, "." or ".." components: it must stay inside
 * the hierarchy, since cleanup removes what a journal names. */
static int relpath_ok(const char *rel)
{
	if (!rel || !*rel || rel[0] == '/')
		return 0;
	for (const char *s = rel; *s;) {
		size_t n = strcspn(s, "/");
		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return 0;
		s += n;
		if (*s == '/' && !*++s)
			return 0;
	}
	return 1;
}

/* Copies cpuset.cpus and cpuset.mems from dir's parent when dir's are empty. */
static int cpuset_inherit(const char *dir, char **cause)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char *p = xasprintf("%s/%s", dir, files[i]);
		_cleanup_free_ char *cur = read_file(p, NULL);
		if (cur && cur[0] && cur[0] != '\n') {
			free(p);
			continue;
		}
		_cleanup_free_ char *parent = xstrdup(dir);
		*strrchr(parent, '/') = '\0';
		char *pp = xasprintf("%s/%s", parent, files[i]);
		_cleanup_free_ char *val = read_file(pp, NULL);
		free(pp);
		if (!val || write_file(p, val, 0) < 0) {
			int rc = err_errno(cause, "cannot copy %s from %s", p, parent);
			free(p);
			return rc;
		}
		free(p);
	}
	return 0;
}

/* Creates root/relpath level by level; hook runs on each new level. */
static int make_levels(const char *root, const char *relpath, int cpuset, char **cause)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", root, relpath);
	size_t rootlen = strlen(root);
	for (char *s = path + rootlen + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char save = *s;
		*s = '\0';
		/* Another isolab may remove an empty "isolab" parent between our
		 * mkdirs; retry a little rather than fail. */
		int rc = -1;
		for (int tries = 0; tries < 3 && rc < 0; tries++) {
			rc = mkdir(path, 0755);
			if (rc < 0 && errno == EEXIST)
				rc = 0;
		}
		if (rc < 0) {
			int e = errno;
			*s = save;
			errno = e;
			return err_errno(cause, "cannot create cgroup %s", path);
		}
		if (cpuset && cpuset_inherit(path, cause) < 0)
			return -1;
		*s = save;
		if (!save)
			break;
	}
	return 0;
}

/* Enables ctrl in the subtree_control of every v2 level above the leaf. */
static int v2_enable(const char *root, const char *relpath, const char *ctrl, char **cause)
{
	_cleanup_free_ char *path = xstrdup(root);
	_cleanup_free_ char *rel = xstrdup(relpath);
	char *save = NULL;
	char *word = xasprintf("+%s", ctrl);
	for (char *tok = strtok_r(rel, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		char *sc = xasprintf("%s/cgroup.subtree_control", path);
		_cleanup_free_ char *cur = read_file(sc, NULL);
		int have = 0;
		if (cur) {
			size_t n = strlen(ctrl);
			for (const char *s = cur; (s = strstr(s, ctrl)); s += n)
				if ((s == cur || s[-1] == ' ') && (s[n] == ' ' || s[n] == '\n' || !s[n]))
					have = 1;
		}
		if (!have && write_file(sc, word, 0) < 0) {
			int rc = err_errno(cause, "cannot enable the %s controller in %s", ctrl, sc);
			free(sc);
			free(word);
			return rc;
		}
		free(sc);
		char *next = xasprintf("%s/%s", path, tok);
		free(path);
		path = next;
	}
	free(word);
	return 0;
}

static unsigned needed_ctrls(const struct limits *lim)
{
	unsigned req = limits_requested(lim);
	unsigned m = 1u << C_PIDS | 1u << C_MEMORY; /* tracking */
	/* v1's CPU accounting, where there is one, beside v2's cpu.stat. */
	if (get_layout()->where[C_CPUACCT] == W_V1)
		m |= 1u << C_CPUACCT;
	if (req & (LIMIT_CPUS | LIMIT_WEIGHT))
		m |= 1u << C_CPU;
	if (req & LIMIT_CPUSET)
		m |= 1u << C_CPUSET;
	if (req & LIMIT_IO_WEIGHT)
		m |= 1u << C_IO;
	return m;
}

struct cgroup *cgroup_create(const char *relpath, const struct limits *lim, char **cause)
{
	const struct layout *l = get_layout();
	if (!relpath_ok(relpath)) {
		err_set(cause, "invalid cgroup path '%s'", relpath ? relpath : "");
		return NULL;
	}
	if (l->mode == CGROUP_NONE) {
		err_set(cause, "no cgroup file system is mounted at " CG_ROOT);
		return NULL;
	}
	unsigned req = limits_requested(lim), missing = req & ~cgroup_limits_supported();
	if (missing) {
		_cleanup_free_ char *why = NULL;
		if (missing == LIMIT_IO_WEIGHT && !cgroup_io_weight_file(&why))
			err_set(cause, "the limit 'io_weight' cannot be honoured here: %s", why);
		else
			err_set(cause, "the limit '%s' needs a cgroup controller this machine lacks (cgroups %s)",
			    limit_name(missing), cgroup_mode_name(l->mode));
		return NULL;
	}
	/* The group's pool is limited before the leaf is made under it. */
	if (lim && lim->mem_pool && cgroup_pool(relpath, lim->mem_pool, cause) < 0)
		return NULL;
	struct cgroup *cg = xcalloc(1, sizeof *cg);
	cg->relpath = xstrdup(relpath);
	cg->procs = xcalloc(1, sizeof *cg->procs);
	unsigned need = needed_ctrls(lim);
	if (!l->v2root[0])
		need |= 1u << C_FREEZER; /* pure v1: no cgroup.kill, kill under the freezer */
	if (l->v2root[0]) {
		for (int c = 0; c < C__COUNT; c++)
			if ((need & (1u << c)) && l->where[c] == W_V2 &&
			    v2_enable(l->v2root, relpath, v2name(c), cause) < 0)
				goto fail;
		if (make_levels(l->v2root, relpath, 0, cause) < 0)
			goto fail;
		cg->v2dir = xasprintf("%s/%s", l->v2root, relpath);
		add_procs(cg, cg->v2dir);
	}
	for (int c = 0; c < C__COUNT; c++) {
		if (!(need & (1u << c)) || l->where[c] != W_V1)
			continue;
		char *root = xasprintf(CG_ROOT "/%s", ctrls[c].name);
		int rc = make_levels(root, relpath, c == C_CPUSET, cause);
		cg->v1dir[c] = xasprintf("%s/%s", root, relpath);
		free(root);
		if (rc < 0)
			goto fail;
		add_procs(cg, cg->v1dir[c]);
	}
	if (cgroup_apply(cg, lim, cause) < 0)
		goto fail;
	return cg;
fail:
	cgroup_destroy(cg, NULL);
	return NULL;
}

static const char *ctrl_dir(const struct cgroup *cg, int c)
{
	const struct layout *l = get_layout();
	if (l->where[c] == W_V1)
		return cg->v1dir[c];
	if (l->where[c] == W_V2)
		return cg->v2dir;
	return NULL;
}

static int set(const struct cgroup *cg, int c, const char *file, const char *val, const char *limit, char **cause)
{
	const char *dir = ctrl_dir(cg, c);
	if (!dir)
		return err_set(cause, "limit '%s': the %s controller is not available here", limit, v2name(c));
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
	if (write_file(p, val, 0) < 0)
		return err_errno(cause, "limit '%s': cannot write '%s' to %s", limit, val, p);
	return 0;
}

/* Writes val to file when the file exists (optional knobs such as swap). */
static int set_optional(const struct cgroup *cg, int c, const char *file, const char *val, const char *limit,
    char **cause)
{
	const char *dir = ctrl_dir(cg, c);
	if (!dir)
		return 0;
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
	if (!file_exists(p))
		return 0;
	return set(cg, c, file, val, limit, cause);
}

/* A hard memory limit: v2 memory.max (and no swap) | v1 limit_in_bytes
 * (then memsw, which must stay at least as large). */
static int set_mem_max(const struct cgroup *cg, uint64_t bytes, const char *limit, char **cause)
{
	char v[32];
	snprintf(v, sizeof v, "%llu", (unsigned long long)bytes);
	if (get_layout()->where[C_MEMORY] == W_V2)
		return set(cg, C_MEMORY, "memory.max", v, limit, cause) < 0 ||
			       set_optional(cg, C_MEMORY, "memory.swap.max", "0", limit, cause) < 0
			   ? -1
			   : 0;
	return set(cg, C_MEMORY, "memory.limit_in_bytes", v, limit, cause) < 0 ||
		       set_optional(cg, C_MEMORY, "memory.memsw.limit_in_bytes", v, limit, cause) < 0
		   ? -1
		   : 0;
}

int cgroup_pool(const char *leaf, uint64_t bytes, char **cause)
{
	/* The group's pool is its members' common parent. */
	_cleanup_free_ char *parent = xstrdup(leaf);
	char *slash = strrchr(parent, '/');
	if (!slash)
		return err_set(cause, "limit 'memory_pool': cgroup %s has no parent to be the pool", leaf);
	*slash = '\0';
	struct cgroup *pool = cgroup_create(parent, NULL, cause);
	if (!pool)
		return err_wrap(cause, "memory pool");
	int rc = set_mem_max(pool, bytes, "memory_pool", cause);
	cgroup_free(pool);
	return rc;
}

int cgroup_apply(struct cgroup *cg, const struct limits *lim, char **cause)
{
	const struct layout *l = get_layout();
	if (!lim)
		return 0;
	char v[64];
	int v2;
	if (lim->cpus > 0) {
		long quota = (long)(lim->cpus * 100000.0 + 0.5);
		if (quota < 1000)
			quota = 1000;
		if (l->where[C_CPU] == W_V2) {
			snprintf(v, sizeof v, "%ld 100000", quota);
			if (set(cg, C_CPU, "cpu.max", v, "cpus", cause) < 0)
				return -1;
		} else {
			snprintf(v, sizeof v, "%ld", quota);
			if (set(cg, C_CPU, "cpu.cfs_period_us", "100000", "cpus", cause) < 0 ||
			    set(cg, C_CPU, "cpu.cfs_quota_us", v, "cpus", cause) < 0)
				return -1;
		}
	}
	/* v2 mems inherit the parent's effective set; v1 mems were copied at
	 * creation. */
	if (lim->cpuset && *lim->cpuset && set(cg, C_CPUSET, "cpuset.cpus", lim->cpuset, "cpuset", cause) < 0)
		return -1;
	if (lim->weight) {
		v2 = l->where[C_CPU] == W_V2;
		unsigned long w = lim->weight;
		if (v2) {
			snprintf(v, sizeof v, "%lu", w > 10000 ? 10000 : w);
			if (set(cg, C_CPU, "cpu.weight", v, "weight", cause) < 0)
				return -1;
		} else {
			unsigned long shares = w * 1024 / 100;
			snprintf(v, sizeof v, "%lu", shares < 2 ? 2 : shares > 262144 ? 262144 : shares);
			if (set(cg, C_CPU, "cpu.shares", v, "weight", cause) < 0)
				return -1;
		}
	}
	v2 = l->where[C_MEMORY] == W_V2;
	if (lim->mem_hard && set_mem_max(cg, lim->mem_hard, "memory", cause) < 0)
		return -1;
	if (lim->mem_soft) {
		snprintf(v, sizeof v, "%llu", (unsigned long long)lim->mem_soft);
		if (set(cg, C_MEMORY, v2 ? "memory.low" : "memory.soft_limit_in_bytes", v, "memory_soft", cause) < 0)
			return -1;
	}
	if (lim->pids) {
		snprintf(v, sizeof v, "%u", lim->pids);
		if (set(cg, C_PIDS, "pids.max", v, "pids", cause) < 0)
			return -1;
	}
	if (lim->io_weight) {
		/* 10..1000 is valid in every one of the four files. */
		_cleanup_free_ char *why = NULL;
		const char *f = cgroup_io_weight_file(&why);
		if (!f)
			return err_set(cause, "limit 'io_weight': %s", why);
		snprintf(v, sizeof v, "%u", lim->io_weight);
		if (set(cg, C_IO, f, v, "io_weight", cause) < 0)
			return -1;
	}
	return 0;
}

const char *const *cgroup_procs_files(const struct cgroup *cg) { return cg->procs; }
const char *cgroup_relpath(const struct cgroup *cg) { return cg->relpath; }

static char *oom_path(const struct cgroup *cg)
{
	const struct layout *l = get_layout();
	if (l->where[C_MEMORY] == W_V2 && cg->v2dir)
		return xasprintf("%s/memory.events", cg->v2dir);
	if (l->where[C_MEMORY] == W_V1 && cg->v1dir[C_MEMORY])
		return xasprintf("%s/memory.oom_control", cg->v1dir[C_MEMORY]);
	return NULL;
}

char *cgroup_oom_events_path(const struct cgroup *cg) { return oom_path(cg); }

unsigned long cgroup_parse_oom_kills(const char *text)
{
	if (!text)
		return 0;
	for (const char *s = text; (s = strstr(s, "oom_kill ")); s++)
		if (s == text || s[-1] == '\n')
			return strtoul(s + 9, NULL, 10);
	return 0;
}

unsigned long cgroup_oom_kills(const struct cgroup *cg)
{
	_cleanup_free_ char *p = oom_path(cg);
	if (!p)
		return 0;
	_cleanup_free_ char *t = read_file(p, NULL);
	return cgroup_parse_oom_kills(t);
}

/* The directory whose cgroup.procs lists every process: v2, else v1 pids,
 * memory, then whatever the cgroup has. */
static const char *tracking_dir(const struct cgroup *cg)
{
	if (cg->v2dir)
		return cg->v2dir;
	static const int order[] = { C_PIDS, C_MEMORY, C_FREEZER, C_CPU, C_CPUSET };
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		if (cg->v1dir[order[i]])
			return cg->v1dir[order[i]];
	return cg->nextra ? cg->extra[0] : NULL;
}

static size_t read_pids(const char *dir, pid_t **out)
{
	*out = NULL;
	if (!dir)
		return 0;
	_cleanup_free_ char *p = xasprintf("%s/cgroup.procs", dir);
	_cleanup_free_ char *t = read_file(p, NULL);
	if (!t)
		return 0;
	size_t n = 0, cap = 0;
	for (char *s = t, *end; *s; s = end) {
		long v = strtol(s, &end, 10);
		if (end == s)
			break;
		if (v > 0) {
			if (n == cap)
				*out = xreallocarray(*out, cap = cap ? cap * 2 : 16, sizeof **out);
			(*out)[n++] = (pid_t)v;
		}
	}
	return n;
}

size_t cgroup_pids(const struct cgroup *cg, pid_t **out)
{
	return read_pids(tracking_dir(cg), out);
}

/* Every directory of the cgroup, in every hierarchy. */
static size_t all_dirs(const struct cgroup *cg, const char **dirs, size_t max)
{
	size_t n = 0;
	if (cg->v2dir && n < max)
		dirs[n++] = cg->v2dir;
	for (int c = 0; c < C__COUNT; c++)
		if (cg->v1dir[c] && n < max)
			dirs[n++] = cg->v1dir[c];
	for (size_t i = 0; i < cg->nextra && n < max; i++)
		dirs[n++] = cg->extra[i];
	return n;
}

static int is_empty(const struct cgroup *cg)
{
	const char *dirs[C__COUNT + 32];
	size_t nd = all_dirs(cg, dirs, ARRAY_SIZE(dirs));
	for (size_t i = 0; i < nd; i++) {
		pid_t *p;
		size_t n = read_pids(dirs[i], &p);
		free(p);
		if (n)
			return 0;
	}
	return 1;
}

static void freeze(const struct cgroup *cg, int on)
{
	char *p = NULL;
	if (cg->v2dir) {
		p = xasprintf("%s/cgroup.freeze", cg->v2dir);
		if (file_exists(p))
			write_file(p, on ? "1" : "0", 0);
		free(p);
	}
	const char *fz = cg->v1dir[C_FREEZER];
	for (size_t i = 0; !fz && i < cg->nextra; i++)
		if (strstr(cg->extra[i], CG_ROOT "/freezer/") == cg->extra[i])
			fz = cg->extra[i];
	if (fz) {
		p = xasprintf("%s/freezer.state", fz);
		write_file(p, on ? "FROZEN" : "THAWED", 0);
		free(p);
	}
}

int cgroup_kill(struct cgroup *cg, char **cause)
{
	int have_kill = 0;
	if (cg->v2dir) {
		_cleanup_free_ char *p = xasprintf("%s/cgroup.kill", cg->v2dir);
		have_kill = write_file(p, "1", 0) == 0;
	}
	const char *dirs[C__COUNT + 32];
	size_t nd = all_dirs(cg, dirs, ARRAY_SIZE(dirs));
	/* About 3 s in all: processes in uninterruptible sleep take a moment. */
	for (int round = 0; round < 300; round++) {
		if (is_empty(cg))
			return 0;
		if (!have_kill || round > 20) {
			/* Frozen, nothing can fork between reading the list and the kill. */
			freeze(cg, 1);
			for (size_t i = 0; i < nd; i++) {
				pid_t *pids;
				size_t n = read_pids(dirs[i], &pids);
				for (size_t k = 0; k < n; k++)
					kill(pids[k], SIGKILL);
				free(pids);
			}
			freeze(cg, 0);
		}
		usleep(10000);
	}
	return err_set(cause, "cgroup %s: processes are still alive after SIGKILL", cg->relpath);
}

/* Removes root/relpath and then its empty parents. */
static int remove_levels(const char *dir, const char *relpath, char **cause)
{
	if (rmdir(dir) < 0 && errno != ENOENT) {
		/* A v1 child cgroup the kernel still counts as busy, retried briefly. */
		int ok = 0;
		for (int i = 0; i < 50 && !ok; i++) {
			usleep(10000);
			ok = rmdir(dir) == 0 || errno == ENOENT;
		}
		if (!ok)
			return err_errno(cause, "cannot remove cgroup %s", dir);
	}
	_cleanup_free_ char *p = xstrdup(dir);
	size_t levels = 0;
	for (const char *s = relpath; *s; s++)
		levels += *s == '/';
	for (size_t i = 0; i < levels; i++) {
		char *slash = strrchr(p, '/');
		if (!slash)
			break;
		*slash = '\0';
		if (rmdir(p) < 0)
			break; /* another instance's, or another run's: not ours to remove */
	}
	return 0;
}

int cgroup_destroy(struct cgroup *cg, char **cause)
{
	if (!cg)
		return 0;
	int rc = 0;
	char *c1 = NULL;
	if (cgroup_kill(cg, &c1) < 0)
		rc = -1;
	const char *dirs[C__COUNT + 32];
	size_t nd = all_dirs(cg, dirs, ARRAY_SIZE(dirs));
	for (size_t i = 0; i < nd; i++) {
		char *c2 = NULL;
		if (remove_levels(dirs[i], cg->relpath, &c2) < 0) {
			if (!c1)
				c1 = c2;
			else
				free(c2);
			rc = -1;
		}
	}
	if (rc < 0) {
		if (cause)
			*cause = c1;
		else
			free(c1);
	}
	cgroup_free(cg);
	return rc;
}

long long cgroup_parse_cpu_usage(const char *text, enum cgroup_cpu_src src)
{
	if (!text)
		return -1;
	const char *s = text;
	if (src == CGROUP_CPU_V2) {
		for (; s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL)
			if (!strncmp(s, "usage_usec ", 11))
				break;
		if (!s)
			return -1;
		s += 11;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || (*end && *end != '\n') || *s == '-' || v > (unsigned long long)LLONG_MAX)
		return -1;
	return src == CGROUP_CPU_V2 ? (long long)v : (long long)(v / 1000);
}

char *cgroup_cpu_path(const char *relpath, enum cgroup_cpu_src src)
{
	const struct layout *l = get_layout();
	if (!relpath_ok(relpath))
		return NULL;
	if (src == CGROUP_CPU_V2)
		return l->v2root[0] ? xasprintf("%s/%s/cpu.stat", l->v2root, relpath) : NULL;
	return l->where[C_CPUACCT] == W_V1 ? xasprintf(CG_ROOT "/cpuacct/%s/cpuacct.usage", relpath) : NULL;
}

long long cgroup_cpu_usage_us(const char *relpath, enum cgroup_cpu_src src)
{
	_cleanup_free_ char *path = cgroup_cpu_path(relpath, src);
	_cleanup_free_ char *text = path ? read_file(path, NULL) : NULL;
	return text ? cgroup_parse_cpu_usage(text, src) : -1;
}

const char *cgroup_cpu_src_name(enum cgroup_cpu_src src)
{
	return src == CGROUP_CPU_V2 ? "cpu.stat" : "cpuacct.usage";
}

struct cgroup *cgroup_open(const char *relpath)
{
	const struct layout *l = get_layout();
	if (!relpath_ok(relpath) || l->mode == CGROUP_NONE)
		return NULL;
	struct cgroup *cg = xcalloc(1, sizeof *cg);
	cg->relpath = xstrdup(relpath);
	cg->procs = xcalloc(1, sizeof *cg->procs);
	int found = 0;
	if (l->v2root[0]) {
		char *d = xasprintf("%s/%s", l->v2root, relpath);
		struct stat st;
		if (stat(d, &st) == 0 && S_ISDIR(st.st_mode)) {
			cg->v2dir = d;
			add_procs(cg, d);
			found = 1;
		} else {
			free(d);
		}
	}
	/* On v1, look in every hierarchy (named ones too), skipping the
	 * symlinks that alias co-mounted controllers ("cpu" -> "cpu,cpuacct"). */
	if (l->mode != CGROUP_V2) {
		DIR *dp = opendir(CG_ROOT);
		struct dirent *de;
		while (dp && (de = readdir(dp))) {
			if (de->d_name[0] == '.' || !strcmp(de->d_name, "unified"))
				continue;
			char *h = xasprintf(CG_ROOT "/%s", de->d_name);
			struct stat st;
			if (lstat(h, &st) < 0 || !S_ISDIR(st.st_mode) || !is_fs(h, CGROUP_SUPER_MAGIC)) {
				free(h);
				continue;
			}
			char *d = xasprintf("%s/%s", h, relpath);
			free(h);
			if (stat(d, &st) < 0 || !S_ISDIR(st.st_mode)) {
				free(d);
				continue;
			}
			int c;
			for (c = 0; c < C__COUNT; c++)
				if (!strcmp(de->d_name, ctrls[c].name) && l->where[c] == W_V1 && !cg->v1dir[c])
					break;
			if (c < C__COUNT) {
				cg->v1dir[c] = d;
			} else {
				cg->extra = xreallocarray(cg->extra, cg->nextra + 1, sizeof *cg->extra);
				cg->extra[cg->nextra++] = d;
			}
			add_procs(cg, d);
			found = 1;
		}
		if (dp)
			closedir(dp);
	}
	if (!found) {
		cgroup_free(cg);
		return NULL;
	}
	return cg;
}

int cgroup_remove(const char *relpath, char **cause)
{
	if (!relpath_ok(relpath))
		return err_set(cause, "invalid cgroup path '%s'", relpath ? relpath : "");
	struct cgroup *cg = cgroup_open(relpath);
	int rc = cg ? cgroup_destroy(cg, cause) : 0;
	/* Where the leaf is gone (never made, or removed by another runtime
	 * such as runc), its empty parents may remain, in any hierarchy, since
	 * OCI runtimes create cgroups in every v1 controller, not just ours. */
	const struct layout *l = get_layout();
	if (l->v2root[0]) {
		_cleanup_free_ char *d = xasprintf("%s/%s", l->v2root, relpath);
		remove_levels(d, relpath, NULL);
	}
	DIR *dp = l->mode != CGROUP_V2 ? opendir(CG_ROOT) : NULL;
	struct dirent *de;
	while (dp && (de = readdir(dp))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "unified"))
			continue;
		_cleanup_free_ char *h = xasprintf(CG_ROOT "/%s", de->d_name);
		struct stat st;
		if (lstat(h, &st) < 0 || !S_ISDIR(st.st_mode) || !is_fs(h, CGROUP_SUPER_MAGIC))
			continue;
		_cleanup_free_ char *d = xasprintf("%s/%s", h, relpath);
		remove_levels(d, relpath, NULL);
	}
	if (dp)
		closedir(dp);
	return rc;
}

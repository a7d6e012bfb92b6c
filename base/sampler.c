/*
 * sampler.c — pidstat-style per-process statistics from /proc.
 *
 * Cost is the point of this file: the engine samples every pid of every
 * instance once a second, possibly thousands of them, and must stay well
 * under what pidstat itself costs. So:
 *
 *   - Each tracked pid keeps its /proc/PID dirfd and the stat, status, io
 *     and schedstat fds open for its whole life. A sample is four pread()s
 *     at offset 0: no path walk, no dentry lookup, no stdio.
 *   - stat is parsed by hand after the LAST ')' (comm may hold spaces and
 *     parens), and gives most fields: faults, times, threads, VSZ, RSS,
 *     processor, iodelay, guest time. status is only searched for the two
 *     context-switch counters, which nothing cheaper exposes per process.
 *   - Nearly all the cost is the kernel formatting these files, status the
 *     most. So a single-threaded process that schedstat shows was never on
 *     a CPU since the last sample skips status and io: nothing can have
 *     changed them (see sampler_idle). Idle helpers then cost stat and
 *     schedstat only.
 *   - Tracked pids live in an array of pointers sorted by pid (binary search
 *     on track, ordered output for free).
 *
 * Exit detection: an open procfs fd pins the struct pid it was opened for,
 * so once the process is reaped reads fail with ESRCH even if the number has
 * been reused. We still compare starttime (stat field 22) with the one seen
 * at track time, for procfs implementations that do not pin (gVisor's).
 * A zombie whose only thread is dead has exited too: its parent just has not
 * reaped it yet.
 *
 * The columns themselves (what %usr, %wait, kB_rd/s... mean) are computed
 * by pidstat.c, which the guest's sampler in the probe shares.
 */
#include "sampler.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct sampler_proc {
	pid_t pid;
	int instance;
	enum proc_role role;
	int dirfd, statfd, statusfd, iofd, schedfd;
	uint64_t starttime;
	int have_prev;
	uint64_t prev_ns;
	struct pidstat_counters prev;
	/* Its counters when it was tracked, and when (the baseline of a first
	 * sample of a process born before its instance's launch). */
	struct pidstat_counters base;
	uint64_t base_ns;
	int wide;                /* the next sample's span is not the sampler's interval */
	uint64_t prev_threads;
	int io_ok;
	char name[16];           /* the component's name, sampler_name */
	struct proc_sample last; /* what the exit report repeats */
	/* A VMM: its vCPU threads' CPU ticks, when tracked, and at the last
	 * sample (sampler_vcpu_ticks); -1: none found. */
	int64_t vcpu_base, vcpu_prev;
	/* Whose descendant it is: the oldest tracked ancestor of the same
	 * instance when it was tracked (itself when none), the process whose
	 * children's CPU (cutime, cstime) counts its CPU once it is reaped
	 * through the chain. */
	pid_t root;
	uint64_t counted_from;   /* the ticks its first sample counted from (0: its birth) */
	uint64_t cu_base, cs_base; /* its children's ticks when tracked */
	/* Its tracked children that are gone: the ticks the samples gave
	 * them (with what they counted so of their own children: all that
	 * its cutime and cstime hold of them once it has reaped them), and
	 * the busiest one's last report, which a tail of theirs is named by
	 * when it is itself found a zombie (kids_rest). */
	uint64_t kids_seen;
	int has_kid, kid_counted; /* kid_counted: in its parent's kids_seen */
	int gone_now; /* found gone by this pass of sampler_sample */
	struct proc_sample kid_last;
	uint64_t kid_prev_ns;
	/* Storage I/O (read, written, cancelled bytes). The kernel adds a
	 * reaped child's whole count to its parent's /proc/PID/io, where
	 * the samples already gave the child what they saw of it: that much
	 * (io_pending) is taken off the parent's next increases (io_off, the
	 * total taken so far), so that it is counted once, as the child's. */
	uint64_t io_pending[3], io_off[3];
	/* This pass's row: the io counters its rates count from, and over
	 * how long (0: no rates this pass), for a child found reaped in the
	 * same pass after the parent was read (io_correct). */
	uint64_t io_from[3];
	double io_secs;
	int io_own; /* a row of its own showed storage I/O */
};

/* The ticks the samples gave a process so far. */
static uint64_t counted_ticks(const struct sampler_proc *p)
{
	uint64_t t = p->prev.utime + p->prev.stime;
	return p->have_prev && t > p->counted_from ? t - p->counted_from : 0;
}

struct sampler {
	char *root; /* for messages */
	int procfd;
	struct pidstat_host host;
	struct sampler_proc **procs; /* sorted by pid */
	size_t n, cap;
	struct proc_sample *out;
	size_t out_cap;
	char *buf;
	size_t buf_size;
	int nofile_raised;
	/* Per instance: since when (CLOCK_MONOTONIC) the processes born are
	 * all its own (sampler_since). */
	struct { int instance; uint64_t ns; } *since;
	size_t nsince;
	/* Per root (sampler_proc.root): the ticks the samples gave its
	 * descendants that are gone, for sampler_final's tail. */
	struct { pid_t root; int instance; uint64_t ticks; } *gone;
	size_t ngone;
	/* When the last pass began: every rate of a pass is over the span
	 * from the process's previous pass to this one, as pidstat's are, so
	 * that a sample's rates times its interval add up to the counters'
	 * change whatever the pass's own length (hundreds of ms with many
	 * processes on a loaded machine). */
	uint64_t pass_ns;
};

static void gone_add(struct sampler *s, const struct sampler_proc *p)
{
	if (p->root == p->pid || p->root <= 0)
		return;
	size_t i;
	for (i = 0; i < s->ngone && (s->gone[i].root != p->root || s->gone[i].instance != p->instance); i++)
		;
	if (i == s->ngone) {
		s->gone = xreallocarray(s->gone, s->ngone + 1, sizeof *s->gone);
		s->gone[s->ngone++] = (typeof(*s->gone)){ .root = p->root, .instance = p->instance };
	}
	s->gone[i].ticks += counted_ticks(p);
}

/* The shortest span a first sample gives rates over. */
#define MIN_SPAN_NS 200000000ull

/* Now, in clock ticks since boot, as /proc/PID/stat's starttime counts. */
static uint64_t boot_ticks(const struct sampler *s)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * (uint64_t)s->host.hz + (uint64_t)ts.tv_nsec * (uint64_t)s->host.hz / 1000000000u;
}

void sampler_since(struct sampler *s, int instance, uint64_t mono)
{
	size_t i;
	for (i = 0; i < s->nsince && s->since[i].instance != instance; i++)
		;
	if (i == s->nsince) {
		s->since = xreallocarray(s->since, s->nsince + 1, sizeof *s->since);
		s->nsince++;
	}
	s->since[i].instance = instance;
	s->since[i].ns = mono;
}

static const char *const role_names[ROLE__COUNT] = {
	[ROLE_WORKLOAD] = "workload",
	[ROLE_RUNTIME] = "runtime",
	[ROLE_VMM] = "vmm",
	[ROLE_HELPER] = "helper",
	[ROLE_GUEST] = "guest",
	[ROLE_LOADGEN] = "loadgen",
};

const char *role_name(enum proc_role r)
{
	if ((unsigned)r >= ROLE__COUNT)
		return "unknown";
	return role_names[r];
}

int role_parse(const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < ROLE__COUNT; i++)
		if (strcmp(s, role_names[i]) == 0)
			return i;
	return -1;
}

/* MemTotal in kB from meminfo, 0 when unknown (then %MEM stays 0). */
static uint64_t sampler_mem_total(int procfd)
{
	_cleanup_free_ char *text = read_file_at(procfd, "meminfo", NULL);
	if (!text)
		return 0;
	const char *p = strstr(text, "MemTotal:");
	if (!p)
		return 0;
	return strtoull(p + strlen("MemTotal:"), NULL, 10);
}

struct sampler *sampler_new(const char *proc_root)
{
	int fd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct sampler *s = xcalloc(1, sizeof(*s));
	s->root = xstrdup(proc_root);
	s->procfd = fd;
	s->host.hz = sysconf(_SC_CLK_TCK);
	if (s->host.hz <= 0)
		s->host.hz = 100;
	long page = sysconf(_SC_PAGESIZE);
	s->host.page_kb = page > 0 ? (uint64_t)page / 1024 : 4;
	s->host.mem_total_kb = sampler_mem_total(fd);
	s->buf_size = 4096;
	s->buf = xmalloc(s->buf_size);
	return s;
}

static void sampler_proc_free(struct sampler_proc *p)
{
	int *fds[] = { &p->schedfd, &p->iofd, &p->statusfd, &p->statfd, &p->dirfd };
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	free(p);
}

void sampler_free(struct sampler *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		sampler_proc_free(s->procs[i]);
	free(s->procs);
	free(s->since);
	free(s->gone);
	free(s->out);
	free(s->buf);
	close(s->procfd);
	free(s->root);
	free(s);
}

size_t sampler_count(const struct sampler *s)
{
	return s->n;
}

/* Index of pid in s->procs, or -(insertion point) - 1 when absent. */
static ssize_t sampler_find(const struct sampler *s, pid_t pid)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		pid_t p = s->procs[mid]->pid;
		if (p == pid)
			return (ssize_t)mid;
		if (p < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(ssize_t)lo - 1;
}

static void sampler_remove_at(struct sampler *s, size_t i)
{
	sampler_proc_free(s->procs[i]);
	memmove(&s->procs[i], &s->procs[i + 1], (s->n - i - 1) * sizeof(*s->procs));
	s->n--;
}

/* Reads a whole procfs file through its open fd into s->buf, growing the
 * buffer when the file does not fit. Returns the length, or -1 (errno). */
static ssize_t sampler_pread(struct sampler *s, int fd)
{
	for (;;) {
		ssize_t r = pread(fd, s->buf, s->buf_size - 1, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if ((size_t)r < s->buf_size - 1) {
			s->buf[r] = '\0';
			return r;
		}
		s->buf_size *= 2;
		s->buf = xrealloc(s->buf, s->buf_size);
	}
}

static int sampler_gone_errno(int e)
{
	return e == ESRCH || e == ENOENT;
}

/* Opens a file of the pid directory, raising RLIMIT_NOFILE once to its hard
 * limit on EMFILE: thousands of pids at five fds each exceed the common soft
 * limit of 1024, and a sampler that silently stops tracking is worse. */
static int sampler_openat(struct sampler *s, int dirfd, const char *name, int flags)
{
	for (;;) {
		int fd = openat(dirfd, name, flags | O_CLOEXEC);
		if (fd >= 0 || errno != EMFILE || s->nofile_raised)
			return fd;
		s->nofile_raised = 1;
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
			return -1;
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			errno = EMFILE;
			return -1;
		}
	}
}

/* The pid's task/ directory (its threads), or NULL. */
static DIR *sampler_task_dir(const struct sampler_proc *p)
{
	int taskfd = openat(p->dirfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (taskfd < 0)
		return NULL;
	DIR *d = fdopendir(taskfd);
	if (!d)
		close(taskfd);
	return d;
}

/* A VMM's vCPU threads' user and system ticks so far (their stat files,
 * under task/); -1 when it has none by those names, or they cannot be
 * read. Only for role vmm: a few threads, once a second. */
static int64_t sampler_vcpu_ticks(struct sampler *s, const struct sampler_proc *p)
{
	if (p->role != ROLE_VMM)
		return -1;
	DIR *d = sampler_task_dir(p);
	if (!d)
		return -1;
	int64_t sum = 0;
	int found = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		char path[300];
		snprintf(path, sizeof path, "%s/stat", de->d_name);
		int fd = openat(dirfd(d), path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		struct pidstat_stat st;
		ssize_t r = sampler_pread(s, fd);
		close(fd);
		if (r <= 0 || pidstat_parse_stat(s->buf, &st) < 0 || !pidstat_is_vcpu_thread(st.comm))
			continue;
		sum += (int64_t)(st.f[PIDSTAT_UTIME] + st.f[PIDSTAT_STIME]);
		found = 1;
	}
	closedir(d);
	return found ? sum : -1;
}

/* The vCPU threads' %CPU over secs since the ticks from (-1: none). */
static void sampler_vcpu_row(const struct sampler *s, int64_t from, int64_t now, double secs, struct proc_sample *out)
{
	if (from < 0 || now < 0 || secs <= 0)
		return;
	double v = (double)(now >= from ? now - from : 0) * 100.0 / (double)s->host.hz / secs;
	out->has_vcpu = 1;
	out->vcpu_cpu = v < out->cpu ? v : out->cpu; /* ticks of threads and process round apart */
}

/* Adds what status (context switches) and io say into c, where they can
 * be read; where not, c keeps what it had. */
/* Returns whether io was read. */
static int sampler_read_switches_io(struct sampler *s, const struct sampler_proc *p, struct pidstat_counters *c)
{
	if (sampler_pread(s, p->statusfd) > 0)
		pidstat_from_status(s->buf, c);
	if (p->iofd >= 0 && sampler_pread(s, p->iofd) > 0) {
		pidstat_from_io(s->buf, c);
		return 1;
	}
	return 0;
}

static uint64_t *io_field(struct pidstat_counters *c, int k)
{
	return k == 0 ? &c->rd : k == 1 ? &c->wr : &c->ccwr;
}

static void io_mark(struct sampler_proc *p, const struct pidstat_counters *from, double secs)
{
	p->io_from[0] = from->rd;
	p->io_from[1] = from->wr;
	p->io_from[2] = from->ccwr;
	p->io_secs = secs;
}

/* A child found reaped in this pass reached p's counters before p was
 * read: what the samples gave it comes off the row p has just had. */
static void io_correct(struct sampler_proc *p, struct proc_sample *o)
{
	double *rate[3] = { &o->kb_rd_s, &o->kb_wr_s, &o->kb_ccwr_s };
	for (int k = 0; k < 3; k++) {
		uint64_t *v = io_field(&p->prev, k);
		uint64_t rise = *v > p->io_from[k] ? *v - p->io_from[k] : 0;
		uint64_t take = p->io_pending[k] < rise ? p->io_pending[k] : rise;
		if (!take)
			continue;
		*v -= take;
		p->io_off[k] += take;
		p->io_pending[k] -= take;
		*rate[k] = (double)(*v - p->io_from[k]) / p->io_secs / 1024.0;
	}
	p->last = *o;
}

/* c's io counters, just read, less what p's reaped children brought that
 * their own rows counted (io_pending, taken from the increase since p's
 * previous sample as it shows). */
static void io_adjust(struct sampler_proc *p, struct pidstat_counters *c)
{
	for (int k = 0; k < 3; k++) {
		uint64_t *v = io_field(c, k);
		uint64_t eff = *v > p->io_off[k] ? *v - p->io_off[k] : 0;
		uint64_t prev = p->have_prev ? *io_field(&p->prev, k) : 0;
		uint64_t rise = eff > prev ? eff - prev : 0;
		uint64_t take = p->io_pending[k] < rise ? p->io_pending[k] : rise;
		p->io_pending[k] -= take;
		p->io_off[k] += take;
		*v = eff - take;
	}
}

/* Processes of p's instance tracked before their ancestor p (a driver's
 * list in another order) become descendants of p's root, so that what
 * its zombie counts of them is not given twice. */
static void reroot(struct sampler *s, const struct sampler_proc *p)
{
	for (int changed = 1; changed;) {
		changed = 0;
		for (size_t i = 0; i < s->n; i++) {
			struct sampler_proc *q = s->procs[i];
			if (q == p || q->instance != p->instance || q->root == p->root)
				continue;
			ssize_t par = sampler_find(s, q->last.ppid);
			if (par >= 0 && s->procs[par]->instance == q->instance && s->procs[par]->root == p->root &&
			    q->root != p->root) {
				q->root = p->root;
				changed = 1;
			}
		}
	}
}

int sampler_track(struct sampler *s, pid_t pid, int instance, enum proc_role role, char **cause)
{
	if (pid <= 0)
		return err_set(cause, "track pid %d: not a process id", (int)pid);
	if ((unsigned)role >= ROLE__COUNT)
		return err_set(cause, "track pid %d: unknown role %d", (int)pid, (int)role);
	ssize_t at = sampler_find(s, pid);
	if (at >= 0) {
		struct sampler_proc *q = s->procs[at];
		int was_vmm = q->role == ROLE_VMM;
		q->instance = instance;
		q->role = role;
		q->last.instance = instance;
		q->last.role = role;
		if (role == ROLE_VMM && !was_vmm)
			q->vcpu_base = q->vcpu_prev = sampler_vcpu_ticks(s, q);
		return 0;
	}

	struct sampler_proc *p = xcalloc(1, sizeof(*p));
	p->pid = pid;
	p->instance = instance;
	p->role = role;
	p->iofd = p->schedfd = p->statusfd = p->statfd = -1;
	char name[24];
	snprintf(name, sizeof(name), "%d", (int)pid);
	p->dirfd = sampler_openat(s, s->procfd, name, O_RDONLY | O_DIRECTORY);
	if (p->dirfd < 0) {
		err_errno(cause, "track pid %d: open %s/%d", (int)pid, s->root, (int)pid);
		goto fail;
	}
	p->statfd = sampler_openat(s, p->dirfd, "stat", O_RDONLY);
	if (p->statfd < 0) {
		err_errno(cause, "track pid %d: open stat", (int)pid);
		goto fail;
	}
	p->statusfd = sampler_openat(s, p->dirfd, "status", O_RDONLY);
	if (p->statusfd < 0) {
		err_errno(cause, "track pid %d: open status", (int)pid);
		goto fail;
	}
	/* io needs ptrace access and schedstat CONFIG_SCHED_INFO: without
	 * them the pid is still worth sampling, with kB_*_s = -1 or %wait 0. */
	p->iofd = sampler_openat(s, p->dirfd, "io", O_RDONLY);
	p->schedfd = sampler_openat(s, p->dirfd, "schedstat", O_RDONLY);

	struct pidstat_stat st;
	ssize_t r = sampler_pread(s, p->statfd);
	if (r <= 0) {
		if (r == 0)
			errno = ESRCH;
		err_errno(cause, "track pid %d: read stat", (int)pid);
		goto fail;
	}
	if (pidstat_parse_stat(s->buf, &st) < 0) {
		err_set(cause, "track pid %d: cannot parse stat", (int)pid);
		goto fail;
	}
	p->starttime = st.f[PIDSTAT_STARTTIME];
	p->cu_base = st.f[PIDSTAT_CUTIME];
	p->cs_base = st.f[PIDSTAT_CSTIME];
	p->root = pid;
	ssize_t par = sampler_find(s, (pid_t)st.f[PIDSTAT_PPID]);
	if (par >= 0 && s->procs[par]->instance == instance)
		p->root = s->procs[par]->root;
	/* The baseline: what a first sample counts from when the process is
	 * older than its instance. */
	pidstat_from_stat(&st, &p->base);
	if (p->schedfd >= 0 && sampler_pread(s, p->schedfd) > 0)
		pidstat_from_schedstat(s->buf, &p->base);
	sampler_read_switches_io(s, p, &p->base);
	p->vcpu_base = p->vcpu_prev = sampler_vcpu_ticks(s, p);
	p->base_ns = mono_ns();
	p->last.pid = pid;
	p->last.ppid = (pid_t)st.f[PIDSTAT_PPID];
	p->last.instance = instance;
	p->last.role = role;
	memcpy(p->last.comm, st.comm, sizeof(p->last.comm));
	p->last.kb_rd_s = p->last.kb_wr_s = p->last.kb_ccwr_s = p->iofd < 0 ? -1 : 0;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->procs = xreallocarray(s->procs, s->cap, sizeof(*s->procs));
	}
	size_t pos = (size_t)(-at - 1);
	memmove(&s->procs[pos + 1], &s->procs[pos], (s->n - pos) * sizeof(*s->procs));
	s->procs[pos] = p;
	s->n++;
	reroot(s, p);
	return 0;
fail:
	sampler_proc_free(p);
	return -1;
}

void sampler_name(struct sampler *s, pid_t pid, const char *name)
{
	ssize_t at = sampler_find(s, pid);
	if (at >= 0)
		snprintf(s->procs[at]->name, sizeof s->procs[at]->name, "%s", name ? name : "");
}

void sampler_untrack(struct sampler *s, pid_t pid)
{
	ssize_t at = sampler_find(s, pid);
	if (at >= 0)
		sampler_remove_at(s, (size_t)at);
}

/* Forgets the gone descendants of root (any root when root is 0) of instance. */
static void gone_forget(struct sampler *s, pid_t root, int instance)
{
	size_t j = 0;
	for (size_t i = 0; i < s->ngone; i++)
		if (s->gone[i].instance != instance || (root && s->gone[i].root != root))
			s->gone[j++] = s->gone[i];
	s->ngone = j;
}

void sampler_untrack_instance(struct sampler *s, int instance)
{
	gone_forget(s, 0, instance);
	size_t j = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (s->procs[i]->instance == instance)
			sampler_proc_free(s->procs[i]);
		else
			s->procs[j++] = s->procs[i];
	}
	s->n = j;
}

/* Appends to *list the children named in every /proc/PID/task/TID/children
 * of p. */
static void sampler_children_of(struct sampler_proc *p, pid_t **list, size_t *n, size_t *cap)
{
	DIR *d = sampler_task_dir(p);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		char path[300];
		snprintf(path, sizeof(path), "%s/children", de->d_name);
		_cleanup_free_ char *text = read_file_at(dirfd(d), path, NULL);
		if (!text)
			continue;
		for (char *q = text; *q;) {
			char *end;
			long child = strtol(q, &end, 10);
			if (end == q)
				break;
			q = end;
			if (child <= 0)
				continue;
			if (*n == *cap) {
				*cap = *cap ? *cap * 2 : 32;
				*list = xreallocarray(*list, *cap, sizeof(**list));
			}
			(*list)[(*n)++] = (pid_t)child;
		}
	}
	closedir(d);
}

size_t sampler_track_children(struct sampler *s, int instance)
{
	/* A work list rather than recursion: a new child is queued so that its
	 * own children are found in the same call. */
	_cleanup_free_ pid_t *work = NULL;
	size_t nwork = 0, capwork = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (s->procs[i]->instance != instance)
			continue;
		if (nwork == capwork) {
			capwork = capwork ? capwork * 2 : 32;
			work = xreallocarray(work, capwork, sizeof(*work));
		}
		work[nwork++] = s->procs[i]->pid;
	}

	size_t added = 0;
	_cleanup_free_ pid_t *kids = NULL;
	size_t capkids = 0;
	while (nwork > 0) {
		pid_t parent = work[--nwork];
		ssize_t at = sampler_find(s, parent);
		if (at < 0)
			continue;
		enum proc_role role = s->procs[at]->role;
		size_t nkids = 0;
		sampler_children_of(s->procs[at], &kids, &nkids, &capkids);
		for (size_t k = 0; k < nkids; k++) {
			if (sampler_find(s, kids[k]) >= 0)
				continue;
			if (sampler_track(s, kids[k], instance, role, NULL) < 0)
				continue; /* exited meanwhile */
			added++;
			if (nwork == capwork) {
				capwork = capwork ? capwork * 2 : 32;
				work = xreallocarray(work, capwork, sizeof(*work));
			}
			work[nwork++] = kids[k];
		}
	}
	return added;
}

/* Whether the process provably did nothing since the previous sample, so
 * that status and io, over half the cost of a sample, need not be read: it
 * has one thread now and had one then, that thread is not running, and
 * schedstat says it was never put on a CPU since (same pcount, same
 * runtime). Context switches need a scheduled task, and the io counters
 * are only ever charged to the running task, so neither can have moved.
 * With more threads schedstat (main thread only) proves nothing. */
static int sampler_idle(const struct sampler_proc *p, const struct pidstat_stat *st,
			const struct pidstat_counters *c)
{
	return p->have_prev && st->f[PIDSTAT_NUM_THREADS] == 1 && p->prev_threads == 1 &&
	       st->state != 'R' && c->pcount == p->prev.pcount && c->exec_ns == p->prev.exec_ns;
}

/* Reads one pid. Returns 1 when it has exited, 0 when *out is filled. */
static int sampler_read(struct sampler *s, struct sampler_proc *p, struct proc_sample *out)
{
	struct pidstat_stat st;
	ssize_t r = sampler_pread(s, p->statfd);
	/* Any failure to read stat means we can no longer observe the pid;
	 * ESRCH/ENOENT are the normal case, others (EACCES after a setuid
	 * exec under hidepid) end it just the same. */
	if (r <= 0 || pidstat_parse_stat(s->buf, &st) < 0)
		return 1;
	if (st.f[PIDSTAT_STARTTIME] != p->starttime)
		return 1;
	if ((st.state == 'Z' && st.f[PIDSTAT_NUM_THREADS] <= 1) || st.state == 'X')
		return 1;
	uint64_t now = s->pass_ns;
	p->io_secs = 0;

	struct pidstat_counters c = { 0 };
	pidstat_from_stat(&st, &c);
	int sched_ok = 0;
	if (p->schedfd >= 0) {
		r = sampler_pread(s, p->schedfd);
		if (r < 0 && sampler_gone_errno(errno))
			return 1;
		if (r > 0)
			sched_ok = pidstat_from_schedstat(s->buf, &c);
	}

	int io_ok;
	if (sched_ok && sampler_idle(p, &st, &c)) {
		c.nvcsw = p->prev.nvcsw;
		c.nivcsw = p->prev.nivcsw;
		c.rd = p->prev.rd;
		c.wr = p->prev.wr;
		c.ccwr = p->prev.ccwr;
		io_ok = p->io_ok;
	} else {
		r = sampler_pread(s, p->statusfd);
		if (r < 0 && sampler_gone_errno(errno))
			return 1;
		if (r > 0)
			pidstat_from_status(s->buf, &c);
		io_ok = 0;
		if (p->iofd >= 0) {
			r = sampler_pread(s, p->iofd);
			if (r < 0 && sampler_gone_errno(errno))
				return 1;
			if (r > 0) {
				io_ok = 1;
				pidstat_from_io(s->buf, &c);
				io_adjust(p, &c);
			}
		}
	}
	p->io_ok = io_ok;
	p->prev_threads = st.f[PIDSTAT_NUM_THREADS];

	out->pid = p->pid;
	out->instance = p->instance;
	out->role = p->role;
	int64_t vcpu = sampler_vcpu_ticks(s, p);
	if (!p->have_prev) {
		/* A first sample counts from the process's birth when its
		 * instance launched it (it did all that for the instance), else
		 * from when it was tracked. Over less than MIN_SPAN_NS rates are
		 * mostly rounding (clock ticks are 10 ms): then it says nothing
		 * yet, and the next sample covers the span from there. */
		static const struct pidstat_counters zero;
		uint64_t since = 0, hz = (uint64_t)s->host.hz, bt = boot_ticks(s);
		for (size_t i = 0; i < s->nsince; i++)
			if (s->since[i].instance == p->instance)
				since = s->since[i].ns;
		uint64_t age_ns = bt > p->starttime ? (bt - p->starttime) * 1000000000u / hz : 0;
		const struct pidstat_counters *from = &p->base;
		uint64_t from_ns = p->base_ns;
		/* starttime is in whole ticks: born up to two ticks before since
		 * may be just after it */
		uint64_t slack = 2 * 1000000000u / hz;
		if (since && bt && bt - p->starttime < hz * 86400 && now >= age_ns && now - age_ns + slack >= since) {
			from = &zero;
			from_ns = now - age_ns;
		}
		int64_t vcpu_from = from == &zero ? (vcpu >= 0 ? 0 : -1) : p->vcpu_base;
		p->counted_from = from->utime + from->stime;
		if (now >= from_ns + MIN_SPAN_NS) {
			pidstat_row(&s->host, &st, from, &c, (double)(now - from_ns) / 1e9, io_ok, out);
			out->secs = (double)(now - from_ns) / 1e9;
			io_mark(p, from, out->secs);
			sampler_vcpu_row(s, vcpu_from, vcpu, out->secs, out);
		} else {
			pidstat_row(&s->host, &st, NULL, &c, 0, io_ok, out);
			p->prev = *from;
			p->prev_ns = from_ns;
			p->vcpu_prev = vcpu_from;
			p->have_prev = p->wide = 1;
			memcpy(out->name, p->name, sizeof out->name);
			p->last = *out;
			return 0;
		}
	} else {
		pidstat_row(&s->host, &st, &p->prev, &c, now > p->prev_ns ? (double)(now - p->prev_ns) / 1e9 : 0, io_ok,
		    out);
		io_mark(p, &p->prev, now > p->prev_ns ? (double)(now - p->prev_ns) / 1e9 : 0);
		sampler_vcpu_row(s, p->vcpu_prev, vcpu, now > p->prev_ns ? (double)(now - p->prev_ns) / 1e9 : 0, out);
		/* after a first sample that said nothing: its span is longer */
		if (p->wide && now > p->prev_ns)
			out->secs = (double)(now - p->prev_ns) / 1e9;
		p->wide = 0;
	}
	memcpy(out->name, p->name, sizeof out->name);
	p->prev = c;
	p->prev_ns = now;
	p->vcpu_prev = vcpu;
	p->have_prev = 1;
	p->last = *out;
	return 0;
}

/* A process's exit report: its identity and last sizes, no activity. */
static void exit_report(const struct proc_sample *last, struct proc_sample *o)
{
	*o = *last;
	o->usr = o->system = o->guest = o->wait = o->cpu = 0;
	o->minflt_s = o->majflt_s = 0;
	o->cswch_s = o->nvcswch_s = 0;
	o->iodelay = 0;
	if (o->kb_rd_s >= 0)
		o->kb_rd_s = o->kb_wr_s = o->kb_ccwr_s = 0;
	o->has_vcpu = 0;
	o->first = 0;
	o->secs = 0;
	o->exited = 1;
}

/* A last report, of a zombie or of a process its instance no longer looks
 * at: its activity since its last sample (a zombie's stat still counts its
 * threads' CPU and faults; status and io may be gone, and then they did
 * not move), with the sizes it had at its last sample. exited says whether
 * the process is gone (a zombie) or was alive at this last look. */
static void last_row(struct sampler *s, struct sampler_proc *p, const struct pidstat_stat *st, uint64_t now,
    int exited, struct proc_sample *out)
{
	struct pidstat_counters c = p->prev;
	pidstat_from_stat(st, &c);
	int io_ok = p->io_ok;
	if (sampler_read_switches_io(s, p, &c))
		io_adjust(p, &c);
	*out = (struct proc_sample){ .pid = p->pid, .instance = p->instance, .role = p->role };
	pidstat_row(&s->host, st, &p->prev, &c, (double)(now - p->prev_ns) / 1e9, io_ok, out);
	out->secs = (double)(now - p->prev_ns) / 1e9;
	out->vsz_kb = p->last.vsz_kb;
	out->rss_kb = p->last.rss_kb;
	out->mem_pct = p->last.mem_pct;
	out->threads = p->last.threads;
	out->ppid = p->last.ppid;
	memcpy(out->comm, p->last.comm, sizeof out->comm);
	memcpy(out->name, p->name, sizeof out->name);
	out->exited = exited;
}

/* Moves row's storage I/O (over row->secs) into the row of last's
 * process in extra (its pid's, or a new exit report over secs, its span
 * since its last sample, when there is room). */
static void io_tail_move(struct proc_sample *row, const struct proc_sample *last, double secs,
    struct proc_sample *extra, size_t *nextra, size_t max)
{
	struct proc_sample *to = NULL;
	for (size_t i = 0; i < *nextra && !to; i++)
		if (extra[i].pid == last->pid)
			to = &extra[i];
	if (!to) {
		if (*nextra >= max)
			return;
		to = &extra[(*nextra)++];
		exit_report(last, to);
		to->secs = secs;
	}
	double span = to->secs > 0 ? to->secs : secs;
	double *from[3] = { &row->kb_rd_s, &row->kb_wr_s, &row->kb_ccwr_s };
	double *into[3] = { &to->kb_rd_s, &to->kb_wr_s, &to->kb_ccwr_s };
	for (int k = 0; k < 3; k++) {
		*into[k] = (*into[k] > 0 ? *into[k] : 0) + *from[k] * row->secs / span;
		*from[k] = 0;
	}
}

/* p is gone: its parent, when tracked for the same instance, counts it
 * among its gone children, once. */
static void kid_gone(struct sampler *s, struct sampler_proc *p)
{
	if (p->kid_counted)
		return;
	p->kid_counted = 1;
	ssize_t at = sampler_find(s, p->last.ppid);
	if (at < 0 || s->procs[at]->instance != p->instance)
		return;
	struct sampler_proc *par = s->procs[at];
	par->kids_seen += counted_ticks(p) + p->kids_seen;
	/* Its io as last read, and what its own reaped children brought it
	 * since, reach the parent when it is reaped; and the parent's parent
	 * when the parent is gone too and has been counted already. */
	uint64_t add[3] = { 0 };
	for (int k = 0; p->have_prev && p->io_ok && k < 3; k++)
		add[k] = *io_field(&p->prev, k) + p->io_off[k] + p->io_pending[k];
	for (struct sampler_proc *q = par;;) {
		for (int k = 0; k < 3; k++)
			q->io_pending[k] += add[k];
		ssize_t up = q->kid_counted ? sampler_find(s, q->last.ppid) : -1;
		if (up < 0 || s->procs[up]->instance != q->instance || s->procs[up] == q)
			break;
		q = s->procs[up];
	}
	if (p->have_prev && (!par->has_kid || p->last.cpu > par->kid_last.cpu)) {
		par->has_kid = 1;
		par->kid_last = p->last;
		par->kid_prev_ns = p->prev_ns;
	}
}

/* A tail: ticks (cu of them user, cs system) that no sample gave a
 * process that is gone, reported as its exit report from last, over the
 * span from its last sample to now. */
static void tail_row(const struct sampler *s, const struct proc_sample *last, uint64_t prev_ns, uint64_t now,
    uint64_t ticks, uint64_t cu, uint64_t cs, struct proc_sample *out)
{
	double secs = (double)(now - prev_ns) / 1e9;
	exit_report(last, out);
	out->secs = secs;
	out->cpu = (double)ticks / (double)s->host.hz / secs * 100.0;
	out->usr = cu + cs ? out->cpu * (double)cu / (double)(cu + cs) : out->cpu;
	out->system = out->cpu - out->usr;
}

/* The user (cu) and system (cs) ticks of the children q reaped since it
 * was tracked: its cutime and cstime less what they held then. */
static void kids_ticks(const struct sampler_proc *q, const struct pidstat_stat *st, uint64_t *cu, uint64_t *cs)
{
	*cu = st->f[PIDSTAT_CUTIME] > q->cu_base ? st->f[PIDSTAT_CUTIME] - q->cu_base : 0;
	*cs = st->f[PIDSTAT_CSTIME] > q->cs_base ? st->f[PIDSTAT_CSTIME] - q->cs_base : 0;
}

/* q, a zombie no one reaps but isolab (gVisor's stub that hosted others),
 * counts in its cutime and cstime its children it reaped: what of that
 * no sample gave them is their tail, named by the busiest of them. Into
 * out[0..max); returns how many rows it wrote. */
static size_t kids_rest(struct sampler *s, const struct sampler_proc *q, const struct pidstat_stat *qs,
    uint64_t now, struct proc_sample *out, size_t max)
{
	uint64_t cu, cs;
	kids_ticks(q, qs, &cu, &cs);
	if (!q->has_kid || max == 0 || cu + cs <= q->kids_seen || now <= q->kid_prev_ns)
		return 0;
	tail_row(s, &q->kid_last, q->kid_prev_ns, now, cu + cs - q->kids_seen, cu, cs, out);
	return 1;
}

/* What the rest of p's instance did after its last sample, as p (its main
 * process) is about to be reaped, into extra[0..max):
 *  - every process of the instance that is a zombie now (no one reaped it:
 *    an orphan, such as gVisor's stubs, waiting for isolab) or still alive
 *    (a stub still exiting; its instance looks no more): its last report,
 *    and its gone children's tail (kids_rest); it is no longer tracked;
 *  - the CPU of p's descendants that the samples did not give them: the
 *    children's ticks p's zombie counts (cutime, cstime, since it was
 *    tracked) less what the samples gave its descendants that are gone, in
 *    the list now or before, and not through such a zombie, as the last
 *    report of the busiest of those gone now.
 * Returns how many rows it wrote. */
static size_t sampler_rest(struct sampler *s, const struct sampler_proc *p, const struct pidstat_stat *st,
    const struct pidstat_stat *sts, const unsigned char *readable, uint64_t now, struct proc_sample *extra,
    size_t max)
{
	size_t n = 0;
	uint64_t cu, cs, seen = 0;
	kids_ticks(p, st, &cu, &cs);
	for (size_t i = 0; i < s->ngone; i++)
		if (s->gone[i].root == p->pid && s->gone[i].instance == p->instance)
			seen += s->gone[i].ticks;
	/* First the gone, each counted among its parent's gone children
	 * before any other's children are weighed; then the others. */
	struct sampler_proc *busiest = NULL;
	for (size_t i = 0; i < s->n; i++) {
		struct sampler_proc *q = s->procs[i];
		if (q == p || q->instance != p->instance || readable[i])
			continue;
		/* gone: counted among its parent's children by sampler_final */
		if (q->root != p->pid)
			continue; /* not p's to count */
		seen += counted_ticks(q);
		if (q->have_prev && (!busiest || q->last.cpu > busiest->last.cpu))
			busiest = q;
		q->root = q->pid; /* accounted for: not again when its exit is found */
	}
	size_t keep = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct sampler_proc *q = s->procs[i];
		s->procs[keep++] = q;
		if (q == p || q->instance != p->instance)
			continue;
		const struct pidstat_stat *qs = &sts[i];
		if (!readable[i] || !q->have_prev || now <= q->prev_ns || n >= max)
			continue;
		/* Alive (a stub the Sentry killed, still exiting), this is the
		 * instance's last look at it too, when a row is left beside the
		 * tail's. */
		int alive = qs->state != 'Z';
		if (alive && n + 1 >= max)
			continue;
		last_row(s, q, qs, now, !alive, &extra[n++]);
		n += kids_rest(s, q, qs, now, &extra[n], max - n);
		/* its children's ticks are in its cutime, not p's */
		if (q->root == p->pid)
			seen -= q->kids_seen < seen ? q->kids_seen : seen;
		sampler_proc_free(q); /* reported: no exit report of it follows */
		keep--;
	}
	s->n = keep;
	gone_forget(s, p->pid, p->instance);
	if (!busiest || cu + cs <= seen || now <= busiest->prev_ns || n >= max)
		return n;
	tail_row(s, &busiest->last, busiest->prev_ns, now, cu + cs - seen, cu, cs, &extra[n++]);
	return n;
}

int sampler_final(struct sampler *s, pid_t pid, struct proc_sample *out, struct proc_sample *extra, size_t max,
    size_t *nextra)
{
	if (nextra)
		*nextra = 0;
	ssize_t at = sampler_find(s, pid);
	if (at < 0)
		return -1;
	struct sampler_proc *p = s->procs[at];
	struct pidstat_stat st;
	ssize_t r = sampler_pread(s, p->statfd);
	int ok = r > 0 && pidstat_parse_stat(s->buf, &st) == 0 && st.f[PIDSTAT_STARTTIME] == p->starttime &&
	    p->have_prev;
	uint64_t now = mono_ns();
	/* Each of its instance's other processes' stat is read once, here,
	 * and weighed by sampler_rest as read. Those already reaped have
	 * brought their I/O to its counters (through the chain of parents):
	 * counted as theirs before its last row is made. The one with the
	 * most I/O in its samples names what they did after their last
	 * samples, which reached its counters too. */
	struct pidstat_stat *sts = xcalloc(s->n ? s->n : 1, sizeof *sts);
	unsigned char *readable = xcalloc(s->n ? s->n : 1, 1);
	struct proc_sample io_tail;
	uint64_t io_tail_ns = 0, io_tail_most = 0;
	for (size_t i = 0; ok && i < s->n; i++) {
		struct sampler_proc *q = s->procs[i];
		if (q == p || q->instance != p->instance)
			continue;
		ssize_t qr = sampler_pread(s, q->statfd);
		readable[i] = qr > 0 && pidstat_parse_stat(s->buf, &sts[i]) == 0 &&
		    sts[i].f[PIDSTAT_STARTTIME] == q->starttime;
		if (readable[i])
			continue;
		kid_gone(s, q);
		uint64_t most = q->prev.rd + q->prev.wr; /* over its samples */
		if (q->have_prev && q->io_ok && most > io_tail_most) {
			io_tail = q->last;
			io_tail_ns = q->prev_ns;
			io_tail_most = most;
		}
	}
	if (ok && now > p->prev_ns)
		last_row(s, p, &st, now, 1, out);
	if (ok && extra && nextra)
		*nextra = sampler_rest(s, p, &st, sts, readable, now, extra, max);
	free(sts);
	free(readable);
	/* A process that never read or wrote storage itself (a runtime's
	 * init) has only its reaped processes' last part seconds in its last
	 * row's I/O: theirs, as the busiest one's. */
	if (ok && io_tail_ns && !p->io_own && now > p->prev_ns && now > io_tail_ns && out->kb_rd_s >= 0 &&
	    out->kb_rd_s + out->kb_wr_s + out->kb_ccwr_s > 0 && extra && nextra)
		io_tail_move(out, &io_tail, (double)(now - io_tail_ns) / 1e9, extra, nextra, max);
	sampler_remove_at(s, (size_t)sampler_find(s, pid));
	return ok ? 0 : -1;
}

uint64_t sampler_pass_ns(const struct sampler *s)
{
	return s->pass_ns;
}

int sampler_sample(struct sampler *s, const struct proc_sample **out, size_t *n, char **cause)
{
	s->pass_ns = mono_ns();
	if (s->out_cap < s->n) {
		s->out_cap = s->n;
		free(s->out);
		s->out = xcalloc(s->out_cap, sizeof(*s->out));
	}
	size_t nout = 0, ngone = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct sampler_proc *p = s->procs[i];
		struct proc_sample *o = &s->out[nout++];
		p->gone_now = sampler_read(s, p, o) != 0;
		if (!p->gone_now)
			continue;
		/* The exit report: identity and the last sizes, no activity. */
		gone_add(s, p);
		exit_report(&p->last, o);
		ngone++;
	}
	if (ngone) { /* counted by their parents while all are in the list */
		for (size_t i = 0; i < s->n; i++)
			if (s->procs[i]->gone_now)
				kid_gone(s, s->procs[i]);
		for (size_t i = 0; i < s->n; i++) {
			struct sampler_proc *p = s->procs[i];
			if (!p->gone_now && p->io_ok && p->io_secs > 0 &&
			    (p->io_pending[0] | p->io_pending[1] | p->io_pending[2]))
				io_correct(p, &s->out[i]);
		}
	}
	for (size_t i = 0; i < s->n; i++)
		if (!s->procs[i]->gone_now && (s->out[i].kb_rd_s > 0 || s->out[i].kb_wr_s > 0))
			s->procs[i]->io_own = 1;
	if (ngone) {
		size_t keep = 0;
		for (size_t i = 0; i < s->n; i++) {
			if (s->procs[i]->gone_now)
				sampler_proc_free(s->procs[i]);
			else
				s->procs[keep++] = s->procs[i];
		}
		s->n = keep;
	}
	*out = s->out;
	*n = nout;
	return 0;
}

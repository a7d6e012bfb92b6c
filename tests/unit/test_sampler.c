/* test_sampler.c — the sampler against real children and a fake /proc.
 *
 * Built twice. test_sampler_io (-DIO_CASES) measures a real child's disk
 * writes, which needs the kernel's per-task I/O accounting
 * (/proc/self/io): where it is missing it exits 77 saying so (skipped,
 * never passed); test_sampler runs the rest. */
#include "sampler.h"
#include "unit.h"
#include "util.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TMPFS_MAGIC_NR 0x01021994

/* A forked child: pid, and the pipes to tell it "go" and to hear "ready". */
struct kid {
	pid_t pid;
	int go;    /* write end: parent -> child */
	int ready; /* read end: child -> parent */
};

static void kid_signal(int fd, const void *buf, size_t len)
{
	if (write(fd, buf, len) != (ssize_t)len)
		_exit(3);
}

/* Forks a child running fn(go_fd, ready_fd), which never returns, and waits
 * for its first ready byte. */
static struct kid kid_spawn(void (*fn)(int go, int ready))
{
	int down[2], up[2];
	ck_assert_int_eq(pipe(down), 0);
	ck_assert_int_eq(pipe(up), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(down[1]);
		close(up[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fn(down[0], up[1]);
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	char c;
	ck_assert_int_eq(read(up[0], &c, 1), 1);
	return (struct kid){ .pid = pid, .go = down[1], .ready = up[0] };
}

static void kid_kill(struct kid *k)
{
	kill(k->pid, SIGKILL);
	waitpid(k->pid, NULL, 0);
	close(k->go);
	close(k->ready);
}

static const struct proc_sample *find(const struct proc_sample *v, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].pid == pid)
			return &v[i];
	return NULL;
}

/* Tracks pid alone, samples, sleeps secs, samples again; returns its second
 * sample (valid until s is sampled again). */
#ifndef IO_CASES
static const struct proc_sample *sample_over(struct sampler *s, pid_t pid, double secs)
{
	char *cause = NULL;
	const struct proc_sample *v;
	size_t n;
	ck_assert_msg(sampler_track(s, pid, 1, ROLE_WORKLOAD, &cause) == 0, "track: %s", cause);
	ck_assert_int_eq(sampler_sample(s, &v, &n, &cause), 0);
	const struct proc_sample *p = find(v, n, pid);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->first, 1);
	ck_assert(p->cpu == 0 && p->cswch_s == 0);
	struct timespec ts = { .tv_sec = (time_t)secs, .tv_nsec = (long)((secs - (time_t)secs) * 1e9) };
	nanosleep(&ts, NULL);
	ck_assert_int_eq(sampler_sample(s, &v, &n, &cause), 0);
	p = find(v, n, pid);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->first, 0);
	ck_assert_int_eq(p->exited, 0);
	return p;
}

static void kid_pause(int go, int ready)
{
	kid_signal(ready, "r", 1);
	for (;;)
		pause();
}

static void kid_burn(int go, int ready)
{
	kid_signal(ready, "r", 1);
	for (volatile unsigned long i = 0;; i++)
		;
}

START_TEST(test_cpu_burner)
{
	struct kid k = kid_spawn(kid_burn);
	struct sampler *s = sampler_new("/proc");
	ck_assert_ptr_nonnull(s);
	const struct proc_sample *p = sample_over(s, k.pid, 1.0);
	/* On a loaded machine the burner is runnable but waiting part of the
	 * second; that time is %wait, so %CPU + %wait is the whole second. */
	fprintf(stderr, "burner: %%CPU %.1f %%usr %.1f %%system %.1f %%wait %.1f CPU %d\n",
		p->cpu, p->usr, p->system, p->wait, p->cpu_num);
	if (p->wait < 5.0)
		ck_assert_msg(p->cpu >= 85.0 && p->cpu <= 115.0, "%%CPU %.1f", p->cpu);
	else
		ck_assert_msg(p->cpu + p->wait >= 85.0 && p->cpu <= 115.0,
			      "%%CPU %.1f %%wait %.1f", p->cpu, p->wait);
	ck_assert_msg(p->usr >= p->cpu * 0.8, "%%usr %.1f of %%CPU %.1f", p->usr, p->cpu);
	ck_assert(p->guest == 0);
	ck_assert(p->cpu_num >= 0 && p->cpu_num < sysconf(_SC_NPROCESSORS_CONF));
	sampler_free(s);
	kid_kill(&k);
}
END_TEST

static void kid_alloc(int go, int ready)
{
	/* volatile, or the compiler drops a buffer nobody reads. */
	size_t len = 100u << 20;
	volatile char *mem = malloc(len);
	if (!mem)
		_exit(2);
	for (size_t i = 0; i < len; i += 1024)
		mem[i] = 0x5a;
	kid_signal(ready, "r", 1);
	for (;;)
		pause();
}

START_TEST(test_rss)
{
	struct kid k = kid_spawn(kid_alloc);
	struct sampler *s = sampler_new("/proc");
	char *cause = NULL;
	ck_assert_int_eq(sampler_track(s, k.pid, 1, ROLE_WORKLOAD, &cause), 0);
	const struct proc_sample *v;
	size_t n;
	ck_assert_int_eq(sampler_sample(s, &v, &n, &cause), 0);
	const struct proc_sample *p = find(v, n, k.pid);
	ck_assert_ptr_nonnull(p);
	ck_assert_msg(p->rss_kb >= 100 * 1024, "RSS %llu kB", (unsigned long long)p->rss_kb);
	ck_assert(p->vsz_kb >= p->rss_kb);
	ck_assert(p->mem_pct > 0.0 && p->mem_pct < 100.0);
	sampler_free(s);
	kid_kill(&k);
}
END_TEST

/* Shared with the sleeper: how many sleeps it has done, so that the test
 * compares with what it really did on a loaded machine. */
static volatile unsigned long *sleeps;

static void kid_sleeper(int go, int ready)
{
	kid_signal(ready, "r", 1);
	for (;;) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		__atomic_add_fetch(sleeps, 1, __ATOMIC_RELAXED);
	}
}

START_TEST(test_cswch)
{
	sleeps = mmap(NULL, sizeof(*sleeps), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert(sleeps != MAP_FAILED);
	struct kid k = kid_spawn(kid_sleeper);
	struct sampler *s = sampler_new("/proc");
	unsigned long before = *sleeps;
	uint64_t t0 = mono_ns();
	const struct proc_sample *p = sample_over(s, k.pid, 1.0);
	double did = (double)(*sleeps - before) / ((double)(mono_ns() - t0) / 1e9);
	fprintf(stderr, "sleeper: cswch/s %.1f nvcswch/s %.1f, slept %.1f times/s\n",
		p->cswch_s, p->nvcswch_s, did);
	/* One voluntary switch per sleep: at most ~10 % apart (the two
	 * intervals differ by the sampling time), and >= 50 unless the
	 * machine was so loaded that the child itself could not sleep 60
	 * times in the second. */
	ck_assert_msg(p->cswch_s >= did * 0.85 - 3 && p->cswch_s <= did * 1.15 + 3,
		      "cswch/s %.1f for %.1f sleeps/s", p->cswch_s, did);
	if (did >= 60)
		ck_assert_msg(p->cswch_s >= 50.0, "cswch/s %.1f", p->cswch_s);
	ck_assert(p->cswch_s <= 150.0);
	ck_assert(p->nvcswch_s >= 0.0 && p->nvcswch_s < p->cswch_s);
	ck_assert(p->cpu < 20.0);
	sampler_free(s);
	kid_kill(&k);
}
END_TEST

#else
/* Where writes reach a block device: write_bytes stays 0 on tmpfs. */
static const char *block_dir(void)
{
	static const char *const dirs[] = { ".", "/var/tmp", "/tmp" };
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		struct statfs sf;
		if (statfs(dirs[i], &sf) == 0 && sf.f_type != TMPFS_MAGIC_NR && access(dirs[i], W_OK) == 0)
			return dirs[i];
	}
	return NULL;
}

static char writer_path[4096];

static void kid_writer(int go, int ready)
{
	int fd = open(writer_path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		_exit(2);
	kid_signal(ready, "r", 1);
	char c;
	if (read(go, &c, 1) != 1)
		_exit(2);
	static char block[1 << 20];
	memset(block, 'w', sizeof(block));
	for (int i = 0; i < 20; i++) {
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
			_exit(2);
		fsync(fd);
	}
	kid_signal(ready, "d", 1);
	for (;;)
		pause();
}

START_TEST(test_io_write)
{
	const char *dir = block_dir();
	ck_assert_msg(dir != NULL, "no writable block-backed directory");
	snprintf(writer_path, sizeof(writer_path), "%s/test_sampler.io.XXXXXX", dir);
	int tfd = mkstemp(writer_path);
	ck_assert_int_ge(tfd, 0);
	close(tfd);

	struct kid k = kid_spawn(kid_writer);
	unlink(writer_path); /* the child holds it open */
	struct sampler *s = sampler_new("/proc");
	char *cause = NULL;
	const struct proc_sample *v;
	size_t n;
	ck_assert_int_eq(sampler_track(s, k.pid, 1, ROLE_WORKLOAD, &cause), 0);
	ck_assert_int_eq(sampler_sample(s, &v, &n, &cause), 0);
	ck_assert(find(v, n, k.pid)->kb_wr_s == 0.0);
	char c = 'g';
	ck_assert_int_eq(write(k.go, &c, 1), 1);
	ck_assert_int_eq(read(k.ready, &c, 1), 1);
	sleep(1);
	ck_assert_int_eq(sampler_sample(s, &v, &n, &cause), 0);
	const struct proc_sample *p = find(v, n, k.pid);
	ck_assert_ptr_nonnull(p);
	fprintf(stderr, "writer: kB_wr/s %.0f kB_rd/s %.0f iodelay %llu\n",
		p->kb_wr_s, p->kb_rd_s, (unsigned long long)p->iodelay);
	ck_assert_msg(p->kb_wr_s > 0.0, "kB_wr/s %.1f", p->kb_wr_s);
	ck_assert(p->kb_rd_s >= 0.0 && p->kb_ccwr_s >= 0.0);
	sampler_free(s);
	kid_kill(&k);
}
END_TEST

/* A runtime's init that reaps its workload: told "w", its child writes
 * 8 MiB more and says "w"; told "x", the child exits, the parent reaps it and
 * says "x"; told "q", the parent exits. The child's pid comes first, on
 * ready. */
static void kid_reaper(int go, int ready)
{
	int down[2], up[2];
	if (pipe(down) < 0 || pipe(up) < 0)
		_exit(2);
	pid_t w = fork();
	if (w < 0)
		_exit(2);
	char c;
	if (w == 0) {
		close(down[1]);
		close(up[0]);
		int fd = open(writer_path, O_WRONLY | O_TRUNC);
		if (fd < 0)
			_exit(2);
		static char block[1 << 20];
		memset(block, 'w', sizeof(block));
		while (read(down[0], &c, 1) == 1 && c == 'w') {
			for (int i = 0; i < 8; i++)
				if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
					_exit(2);
			fsync(fd);
			kid_signal(up[1], "w", 1);
		}
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	kid_signal(ready, "r", 1);
	kid_signal(ready, &w, sizeof w);
	while (read(go, &c, 1) == 1) {
		if (c == 'q')
			_exit(0);
		kid_signal(down[1], &c, 1);
		if (c == 'w') {
			if (read(up[0], &c, 1) != 1)
				_exit(2);
		} else if (waitpid(w, NULL, 0) != w) {
			_exit(2);
		}
		kid_signal(ready, &c, 1);
	}
	_exit(0);
}

/* The kernel adds a reaped child's whole I/O count to its parent's
 * /proc/PID/io: the 8 MiB the workload's rows gave it must not appear
 * again as the runtime's, whether the reaping is seen in the same pass as
 * the child's exit (the parent, older, is read first), later, or only at
 * the instance's last look at the parent, a zombie (sampler_final). */
START_TEST(test_io_reaped_once)
{
	const char *dir = block_dir();
	ck_assert_msg(dir != NULL, "no writable block-backed directory");
	for (int later = 0; later < 3; later++) {
		snprintf(writer_path, sizeof(writer_path), "%s/test_sampler.reap.XXXXXX", dir);
		int tfd = mkstemp(writer_path);
		ck_assert_int_ge(tfd, 0);
		close(tfd);
		struct kid k = kid_spawn(kid_reaper);
		pid_t w;
		ck_assert_int_eq(read(k.ready, &w, sizeof w), (ssize_t)sizeof w);
		struct sampler *s = sampler_new("/proc");
		char *cause = NULL;
		const struct proc_sample *v;
		size_t n;
		ck_assert_int_eq(sampler_track(s, k.pid, 1, ROLE_RUNTIME, &cause), 0);
		ck_assert_int_eq(sampler_track(s, w, 1, ROLE_WORKLOAD, &cause), 0);
		ck_assert_int_eq(sampler_sample(s, &v, &n, &cause), 0);
		char c = 'w';
		ck_assert_int_eq(write(k.go, &c, 1), 1);
		ck_assert_int_eq(read(k.ready, &c, 1), 1);
		usleep(300000);
		double wrote[ROLE__COUNT] = { 0 };
		ck_assert_int_eq(sampler_sample(s, &v, &n, &cause), 0);
		for (size_t i = 0; i < n; i++)
			wrote[v[i].role] += v[i].kb_wr_s * (v[i].secs > 0 ? v[i].secs : 0.3);
		if (later) {
			/* The parent sampled once more before the reaping. */
			usleep(300000);
			ck_assert_int_eq(sampler_sample(s, &v, &n, &cause), 0);
		}
		if (later == 2) {
			/* 8 MiB more after the child's last sample: its tail,
			 * which reaches the parent's count only. */
			c = 'w';
			ck_assert_int_eq(write(k.go, &c, 1), 1);
			ck_assert_int_eq(read(k.ready, &c, 1), 1);
		}
		c = 'x';
		ck_assert_int_eq(write(k.go, &c, 1), 1);
		ck_assert_int_eq(read(k.ready, &c, 1), 1);
		if (later == 2) {
			c = 'q';
			ck_assert_int_eq(write(k.go, &c, 1), 1);
			siginfo_t si;
			ck_assert_int_eq(waitid(P_PID, (id_t)k.pid, &si, WEXITED | WNOWAIT), 0);
			usleep(300000);
			struct proc_sample last, extra[8];
			size_t nextra = 0;
			ck_assert_int_eq(sampler_final(s, k.pid, &last, extra, 8, &nextra), 0);
			wrote[last.role] += last.kb_wr_s * last.secs;
			for (size_t i = 0; i < nextra; i++)
				wrote[extra[i].role] += extra[i].kb_wr_s * extra[i].secs;
		}
		for (int pass = 0; later < 2 && pass < 3; pass++) {
			usleep(300000);
			ck_assert_int_eq(sampler_sample(s, &v, &n, &cause), 0);
			for (size_t i = 0; i < n; i++)
				if (v[i].kb_wr_s > 0)
					wrote[v[i].role] += v[i].kb_wr_s * 0.3;
		}
		fprintf(stderr, "reaped %s: the workload wrote %.0f kB, the runtime %.0f kB\n",
		    later == 2 ? "before the last look" : later ? "a pass later" : "in the same pass", wrote[ROLE_WORKLOAD],
		    wrote[ROLE_RUNTIME]);
		double want = later == 2 ? 16384 : 8192;
		ck_assert_msg(wrote[ROLE_WORKLOAD] > want - 1024 && wrote[ROLE_WORKLOAD] < want + 1024,
		    "the workload's rows wrote %.0f kB of %.0f", wrote[ROLE_WORKLOAD], want);
		ck_assert_msg(wrote[ROLE_RUNTIME] < 512, "the runtime was given %.0f kB of its reaped child's writes",
		    wrote[ROLE_RUNTIME]);
		sampler_free(s);
		kid_kill(&k);
		unlink(writer_path);
	}
}
END_TEST

#endif

#ifndef IO_CASES
static void kid_exit_now(int go, int ready)
{
	kid_signal(ready, "r", 1);
	char c;
	if (read(go, &c, 1) < 0)
		_exit(1);
	_exit(0);
}

/* Checks that pid is reported once as exited, then no more. */
static void check_exit_once(struct sampler *s, pid_t pid)
{
	const struct proc_sample *v;
	size_t n;
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	const struct proc_sample *p = find(v, n, pid);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->exited, 1);
	ck_assert(p->cpu == 0);
	ck_assert_int_eq(sampler_count(s), 0);
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert_ptr_null(find(v, n, pid));
	ck_assert_uint_eq(n, 0);
}

START_TEST(test_exit_reaped)
{
	struct kid k = kid_spawn(kid_exit_now);
	struct sampler *s = sampler_new("/proc");
	const struct proc_sample *v;
	size_t n;
	ck_assert_int_eq(sampler_track(s, k.pid, 3, ROLE_HELPER, NULL), 0);
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert_int_eq(find(v, n, k.pid)->exited, 0);
	close(k.go);
	ck_assert_int_eq(waitpid(k.pid, NULL, 0), k.pid);
	check_exit_once(s, k.pid);
	sampler_free(s);
	close(k.ready);
}
END_TEST

START_TEST(test_exit_zombie)
{
	struct kid k = kid_spawn(kid_exit_now);
	struct sampler *s = sampler_new("/proc");
	ck_assert_int_eq(sampler_track(s, k.pid, 3, ROLE_HELPER, NULL), 0);
	close(k.go);
	/* Wait until it is a zombie, without reaping it. */
	siginfo_t si;
	ck_assert_int_eq(waitid(P_PID, (id_t)k.pid, &si, WEXITED | WNOWAIT), 0);
	check_exit_once(s, k.pid);
	sampler_free(s);
	waitpid(k.pid, NULL, 0);
	close(k.ready);
}
END_TEST

/* utime + stime of pid in clock ticks, from its stat (after the last ')'). */
static unsigned long long cpu_ticks(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ssize_t r = read(fd, buf, sizeof buf - 1);
	close(fd);
	ck_assert_int_gt(r, 0);
	buf[r] = '\0';
	const char *q = strrchr(buf, ')');
	ck_assert_ptr_nonnull(q);
	unsigned long long u = 0, st = 0;
	/* fields 3..15: state, then 10 numbers, then utime and stime */
	ck_assert_int_eq(sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &u, &st), 2);
	return u + st;
}

/* Stops pid and waits until it is stopped, so that its counters hold
 * still between the sampler's read and the test's. */
static void freeze(pid_t pid)
{
	int st;
	ck_assert_int_eq(kill(pid, SIGSTOP), 0);
	ck_assert_int_eq(waitpid(pid, &st, WUNTRACED), pid);
	ck_assert(WIFSTOPPED(st));
}

static void sleep_s(double secs)
{
	struct timespec ts = { .tv_sec = (time_t)secs, .tv_nsec = (long)((secs - (time_t)secs) * 1e9) };
	nanosleep(&ts, NULL);
}

/* A child that burns CPU for a second and exits. */
static pid_t fork_burner(void)
{
	pid_t c = fork();
	if (c == 0) {
		uint64_t end = mono_ns() + 1000000000ull;
		while (mono_ns() < end)
			;
		_exit(0);
	}
	return c;
}

/* The main process of an instance (a runtime's init) forks the workload,
 * which burns for a second and exits between two samples; the main
 * process reaps it, then exits itself. What the workload did after its
 * last sample is no sample's, but the main process's zombie counts it
 * among its children's CPU: sampler_final gives it as the workload's
 * last report (the tail), and the samples then add up to the kernel's
 * count of the whole tree's life. */
static void kid_reaper(int go, int ready)
{
	pid_t c = fork_burner();
	kid_signal(ready, "r", 1);
	waitpid(c, NULL, 0);
	kid_signal(ready, "d", 1);
	char x;
	while (read(go, &x, 1) < 0 && errno == EINTR)
		;
}

/* A main process k and its child, both tracked: one sample after 0.4 s,
 * then the child ends (k tells) and k exits, unreaped. Returns the CPU-s
 * that sample gave them, and the child's pid in *child. */
static double sample_then_end(struct sampler *s, const struct kid *k, pid_t *child)
{
	sleep_s(0.4);
	const struct proc_sample *v;
	size_t n;
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	*child = 0;
	double sampled = 0;
	for (size_t i = 0; i < n; i++) {
		sampled += v[i].cpu / 100.0 * (v[i].secs > 0 ? v[i].secs : 0.4);
		if (v[i].pid != k->pid)
			*child = v[i].pid;
	}
	ck_assert_int_gt(*child, 0);
	char c;
	ck_assert_int_eq(read(k->ready, &c, 1), 1); /* the child ended */
	ck_assert_int_eq(c, 'd');
	ck_assert_int_eq(write(k->go, "x", 1), 1);
	siginfo_t si;
	ck_assert_int_eq(waitid(P_PID, (id_t)k->pid, &si, WEXITED | WNOWAIT), 0);
	return sampled;
}

/* The child of pid as /proc lists it, 0 when none yet. */
static pid_t child_of(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
	for (int i = 0; i < 200; i++) {
		_cleanup_free_ char *text = read_file(path, NULL);
		if (text && atoi(text) > 0)
			return (pid_t)atoi(text);
		sleep_s(0.005);
	}
	return 0;
}

/* child_first: the child is tracked before its parent (a driver's list in
 * that order): it is still the parent's descendant, not counted twice. */
static void final_tail(int child_first)
{
	long hz = sysconf(_SC_CLK_TCK);
	struct sampler *s = sampler_new("/proc");
	ck_assert_ptr_nonnull(s);
	sampler_since(s, 9, mono_ns());
	struct kid k = kid_spawn(kid_reaper);
	if (child_first) {
		pid_t c = child_of(k.pid);
		ck_assert_int_gt(c, 0);
		ck_assert_int_eq(sampler_track(s, c, 9, ROLE_WORKLOAD, NULL), 0);
	}
	ck_assert_int_eq(sampler_track(s, k.pid, 9, ROLE_RUNTIME, NULL), 0);
	ck_assert_uint_eq(sampler_track_children(s, 9), child_first ? 0 : 1);
	pid_t child;
	double sampled = sample_then_end(s, &k, &child);
	struct proc_sample last, tail;
	size_t nrest;
	ck_assert_int_eq(sampler_final(s, k.pid, &last, &tail, 1, &nrest), 0);
	ck_assert_uint_eq(nrest, 1);
	ck_assert_int_eq(tail.pid, child);
	ck_assert_int_eq(tail.exited, 1);
	ck_assert_int_eq(tail.instance, 9);
	ck_assert_msg(tail.secs > 0.4 && tail.secs < 3, "tail secs %.3f", tail.secs);
	double after = tail.cpu / 100.0 * tail.secs;
	ck_assert_msg(after > 0.3, "the workload's last 0.6 s: %.3f CPU-s", after);
	sampled += last.cpu / 100.0 * last.secs + after;
	struct rusage ru;
	ck_assert_int_eq(wait4(k.pid, NULL, 0, &ru), k.pid);
	double life = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	    ru.ru_stime.tv_usec / 1e6;
	ck_assert_msg(fabs(sampled - life) <= 4.0 / (double)hz + 0.02, "sampled %.3f CPU-s of the tree's %.3f", sampled,
	    life);
	/* the child's exit is not counted again */
	const struct proc_sample *v;
	size_t n;
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert(v[i].cpu == 0);
	sampler_free(s);
	close(k.go);
	close(k.ready);
}

START_TEST(test_final_tail)
{
	final_tail(0);
}
END_TEST

START_TEST(test_final_tail_child_first)
{
	final_tail(1);
}
END_TEST

/* An orphan: the main process's child exits and is not reaped by it; when
 * the main process exits too, the child is a zombie of the subreaper (as
 * gVisor's stubs are of isolab). What it did after its last sample is
 * read from its zombie when the main process is reaped. */
static void kid_orphaner(int go, int ready)
{
	pid_t c = fork_burner();
	kid_signal(ready, "r", 1);
	siginfo_t si;
	while (waitid(P_PID, (id_t)c, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	kid_signal(ready, "d", 1);
	char x;
	while (read(go, &x, 1) < 0 && errno == EINTR)
		;
}

static double rusage_s(const struct rusage *ru)
{
	return (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6 + (double)ru->ru_stime.tv_sec +
	    ru->ru_stime.tv_usec / 1e6;
}

/* As isolab does for an instance: this test's process the subreaper, a
 * kid running fn tracked for instance with its nkids descendants. */
static struct sampler *tree_tracked(int instance, void (*fn)(int go, int ready), size_t nkids, struct kid *k)
{
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0); /* this test's own process (check forks) */
	struct sampler *s = sampler_new("/proc");
	ck_assert_ptr_nonnull(s);
	sampler_since(s, instance, mono_ns());
	*k = kid_spawn(fn);
	ck_assert_int_eq(sampler_track(s, k->pid, instance, ROLE_RUNTIME, NULL), 0);
	ck_assert_uint_eq(sampler_track_children(s, instance), nkids);
	return s;
}

/* sampler_final of main, which must give one more row: pid's, exited
 * or not, of instance. Returns the CPU-s of that row, its span in *secs. */
static double final_one_more(struct sampler *s, pid_t main, struct proc_sample *last, pid_t pid, int exited,
    int instance, double *secs)
{
	struct proc_sample rest[4];
	size_t nrest = 0;
	ck_assert_int_eq(sampler_final(s, main, last, rest, ARRAY_SIZE(rest), &nrest), 0);
	ck_assert_uint_eq(nrest, 1);
	ck_assert_int_eq(rest[0].pid, pid);
	ck_assert_int_eq(rest[0].exited, exited);
	ck_assert_int_eq(rest[0].instance, instance);
	*secs = rest[0].secs;
	return rest[0].cpu / 100.0 * rest[0].secs;
}

/* One pass after secs, which must see n processes. */
static const struct proc_sample *sample_after(struct sampler *s, double secs, size_t n)
{
	sleep_s(secs);
	const struct proc_sample *v;
	size_t got;
	ck_assert_int_eq(sampler_sample(s, &v, &got, NULL), 0);
	ck_assert_uint_eq(got, n);
	return v;
}

START_TEST(test_final_zombies)
{
	long hz = sysconf(_SC_CLK_TCK);
	struct kid k;
	struct sampler *s = tree_tracked(5, kid_orphaner, 1, &k);
	pid_t child;
	double sampled = sample_then_end(s, &k, &child);
	struct proc_sample last;
	double secs, after = final_one_more(s, k.pid, &last, child, 1, 5, &secs);
	ck_assert_msg(after > 0.3, "the orphan's last 0.6 s: %.3f CPU-s", after);
	ck_assert_uint_eq(sampler_count(s), 0); /* both reported: neither is tracked any more */
	sampled += last.cpu / 100.0 * last.secs + after;
	struct rusage ru_main, ru_child;
	ck_assert_int_eq(wait4(k.pid, NULL, 0, &ru_main), k.pid);
	ck_assert_int_eq(wait4(child, NULL, 0, &ru_child), child); /* ours now, as the subreaper */
	double life = rusage_s(&ru_main) + rusage_s(&ru_child);
	ck_assert_msg(fabs(sampled - life) <= 4.0 / (double)hz + 0.02, "sampled %.3f CPU-s of the two's %.3f", sampled,
	    life);
	sampler_free(s);
	close(k.go);
	close(k.ready);
}
END_TEST

/* gVisor's stubs: the main process k forks m, which forks the workload g
 * and reaps it when it ends between two samples; k exits, and m, now an
 * orphan, exits after it, a zombie of the subreaper. g's CPU after its
 * last sample is in m's cutime only: sampler_final gives it as g's tail,
 * beside m's own last report. */
static void kid_chain(int go, int ready)
{
	pid_t k = getpid(), m = fork();
	if (m == 0) {
		pid_t g = fork_burner();
		kid_signal(ready, "r", 1);
		waitpid(g, NULL, 0);
		kid_signal(ready, "d", 1);
		for (int i = 0; i < 2000 && getppid() == k; i++)
			sleep_s(0.005);
		_exit(0);
	}
	char x;
	while (read(go, &x, 1) < 0 && errno == EINTR)
		;
}

START_TEST(test_final_orphan_reaped_kid)
{
	long hz = sysconf(_SC_CLK_TCK);
	struct kid k;
	struct sampler *s = tree_tracked(7, kid_chain, 2, &k);
	size_t n = 3;
	const struct proc_sample *v = sample_after(s, 0.4, n);
	double sampled = 0;
	pid_t m = 0, g = 0;
	for (size_t i = 0; i < n; i++) {
		sampled += v[i].cpu / 100.0 * (v[i].secs > 0 ? v[i].secs : 0.4);
		if (v[i].pid == k.pid)
			continue;
		if (v[i].ppid == k.pid)
			m = v[i].pid;
		else
			g = v[i].pid;
	}
	ck_assert_int_gt(m, 0);
	ck_assert_int_gt(g, 0);
	char c;
	ck_assert_int_eq(read(k.ready, &c, 1), 1); /* g ended, m reaped it */
	ck_assert_int_eq(c, 'd');
	ck_assert_int_eq(write(k.go, "x", 1), 1);
	siginfo_t si;
	ck_assert_int_eq(waitid(P_PID, (id_t)k.pid, &si, WEXITED | WNOWAIT), 0);
	ck_assert_int_eq(waitid(P_PID, (id_t)m, &si, WEXITED | WNOWAIT), 0); /* ours now: a zombie */
	struct proc_sample last, rest[4];
	size_t nrest = 0;
	ck_assert_int_eq(sampler_final(s, k.pid, &last, rest, ARRAY_SIZE(rest), &nrest), 0);
	ck_assert_uint_eq(nrest, 2);
	ck_assert_int_eq(rest[0].pid, m);
	ck_assert_int_eq(rest[1].pid, g);
	ck_assert_int_eq(rest[1].exited, 1);
	ck_assert_int_eq(rest[1].instance, 7);
	double after = rest[1].cpu / 100.0 * rest[1].secs;
	ck_assert_msg(after > 0.3, "g's last 0.6 s: %.3f CPU-s", after);
	sampled += last.cpu / 100.0 * last.secs + rest[0].cpu / 100.0 * rest[0].secs + after;
	/* g's exit report follows, with nothing counted again */
	ck_assert_uint_eq(sampler_count(s), 1);
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(v[0].pid, g);
	ck_assert(v[0].exited && v[0].cpu == 0);
	ck_assert_uint_eq(sampler_count(s), 0);
	struct rusage ru_k, ru_m;
	ck_assert_int_eq(wait4(k.pid, NULL, 0, &ru_k), k.pid);
	ck_assert_int_eq(wait4(m, NULL, 0, &ru_m), m); /* m's own and g's, which it reaped */
	double life = rusage_s(&ru_k) + rusage_s(&ru_m);
	ck_assert_msg(fabs(sampled - life) <= 6.0 / (double)hz + 0.02, "sampled %.3f CPU-s of the three's %.3f",
	    sampled, life);
	sampler_free(s);
	close(k.go);
	close(k.ready);
}
END_TEST

/* The main process k exits while its child c still burns (a stub the
 * Sentry killed, still exiting): the instance looks at c no more, so
 * sampler_final gives c's activity since its last sample, c not exited,
 * and stops tracking it. */
static void kid_leaver(int go, int ready)
{
	fork_burner();
	kid_signal(ready, "r", 1);
	char x;
	while (read(go, &x, 1) < 0 && errno == EINTR)
		;
}

START_TEST(test_final_alive_kid)
{
	struct kid k;
	struct sampler *s = tree_tracked(8, kid_leaver, 1, &k);
	const struct proc_sample *v = sample_after(s, 0.3, 2);
	pid_t c = v[0].pid == k.pid ? v[1].pid : v[0].pid;
	sleep_s(0.3);
	ck_assert_int_eq(write(k.go, "x", 1), 1);
	siginfo_t si;
	ck_assert_int_eq(waitid(P_PID, (id_t)k.pid, &si, WEXITED | WNOWAIT), 0);
	struct proc_sample last;
	double secs, after = final_one_more(s, k.pid, &last, c, 0, 8, &secs);
	ck_assert_msg(after > 0.2 && secs > 0.25 && secs < 2, "c's last 0.3 s: %.3f CPU-s over %.3f s", after, secs);
	ck_assert_uint_eq(sampler_count(s), 0);
	waitpid(k.pid, NULL, 0);
	waitpid(c, NULL, 0); /* ours, as the subreaper */
	sampler_free(s);
	close(k.go);
	close(k.ready);
}
END_TEST

/* A process its instance launched (born after sampler_since): its first
 * sample covers its life from birth, so the CPU-seconds it gives are all
 * the kernel counted; one born before counts from when it was tracked. */
START_TEST(test_first_from_birth)
{
	long hz = sysconf(_SC_CLK_TCK);
	struct sampler *s = sampler_new("/proc");
	ck_assert_ptr_nonnull(s);
	struct kid old = kid_spawn(kid_burn);
	sleep_s(0.3);
	sampler_since(s, 7, mono_ns());
	sampler_since(s, 8, mono_ns());
	struct kid k = kid_spawn(kid_burn);
	sleep_s(0.5);
	unsigned long long old_at_track = cpu_ticks(old.pid);
	ck_assert_int_eq(sampler_track(s, k.pid, 7, ROLE_WORKLOAD, NULL), 0);
	ck_assert_int_eq(sampler_track(s, old.pid, 8, ROLE_WORKLOAD, NULL), 0);
	sleep_s(0.3);
	freeze(k.pid);
	freeze(old.pid);
	const struct proc_sample *v;
	size_t n;
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	unsigned long long k_now = cpu_ticks(k.pid), old_now = cpu_ticks(old.pid);
	const struct proc_sample *p = find(v, n, k.pid);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->first, 0);
	/* born about 0.8 s ago */
	ck_assert_msg(p->secs > 0.6 && p->secs < 5, "secs %.3f", p->secs);
	double got = p->cpu / 100.0 * p->secs, want = (double)k_now / (double)hz;
	ck_assert_msg(fabs(got - want) <= 1.0 / (double)hz + 0.005, "from birth: %.3f CPU-s, the kernel %.3f", got, want);
	/* the old one: from its tracking on, not its first 0.3 s and more */
	p = find(v, n, old.pid);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->first, 0);
	ck_assert_msg(p->secs > 0.2 && p->secs < 0.6, "secs %.3f", p->secs);
	got = p->cpu / 100.0 * p->secs;
	want = (double)(old_now - old_at_track) / (double)hz;
	ck_assert_msg(fabs(got - want) <= 1.0 / (double)hz + 0.005, "from tracking: %.3f CPU-s, the kernel %.3f", got, want);
	ck_assert_msg(got < (double)old_now / (double)hz - 0.1 || old_at_track < (unsigned long long)hz / 10,
	    "the CPU before tracking was counted: %.3f of %.3f", got, (double)old_now / (double)hz);
	/* the next samples cover the sampler's interval: no span of their own */
	sleep_s(0.2);
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert(find(v, n, k.pid)->secs == 0);
	sampler_free(s);
	kid_kill(&k);
	kid_kill(&old);
}
END_TEST

/* Tracked and sampled at once: nothing yet (a span too short to say), and
 * the next sample covers the span from its tracking. */
START_TEST(test_first_short_span)
{
	long hz = sysconf(_SC_CLK_TCK);
	struct kid k = kid_spawn(kid_burn);
	struct sampler *s = sampler_new("/proc");
	unsigned long long at_track = cpu_ticks(k.pid);
	ck_assert_int_eq(sampler_track(s, k.pid, 1, ROLE_WORKLOAD, NULL), 0);
	const struct proc_sample *v;
	size_t n;
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert_int_eq(find(v, n, k.pid)->first, 1);
	sleep_s(0.5);
	freeze(k.pid);
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	unsigned long long now = cpu_ticks(k.pid);
	const struct proc_sample *p = find(v, n, k.pid);
	ck_assert_msg(p->secs > 0.45 && p->secs < 2, "secs %.3f", p->secs);
	double got = p->cpu / 100.0 * p->secs, want = (double)(now - at_track) / (double)hz;
	ck_assert_msg(fabs(got - want) <= 1.0 / (double)hz + 0.005, "%.3f CPU-s, the kernel %.3f", got, want);
	sampler_free(s);
	kid_kill(&k);
}
END_TEST

/* The last look at a zombie: its CPU since its last sample, then it is
 * no longer tracked. The samples and that last look add up to what the
 * kernel counted over its life. */
START_TEST(test_final_zombie)
{
	long hz = sysconf(_SC_CLK_TCK);
	struct sampler *s = sampler_new("/proc");
	sampler_since(s, 4, mono_ns());
	struct kid k = kid_spawn(kid_burn);
	ck_assert_int_eq(sampler_track(s, k.pid, 4, ROLE_WORKLOAD, NULL), 0);
	sleep_s(0.3);
	const struct proc_sample *v;
	size_t n;
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	const struct proc_sample *p = find(v, n, k.pid);
	double sampled = p->cpu / 100.0 * (p->secs > 0 ? p->secs : 0);
	uint64_t rss = p->rss_kb;
	ck_assert_uint_gt(rss, 0);
	sleep_s(0.4);
	kill(k.pid, SIGKILL);
	siginfo_t si;
	ck_assert_int_eq(waitid(P_PID, (id_t)k.pid, &si, WEXITED | WNOWAIT), 0);
	struct proc_sample last;
	ck_assert_int_eq(sampler_final(s, k.pid, &last, NULL, 0, NULL), 0);
	ck_assert_int_eq(last.exited, 1);
	ck_assert_int_eq(last.instance, 4);
	ck_assert_int_eq(last.role, ROLE_WORKLOAD);
	ck_assert_msg(last.secs > 0.35 && last.secs < 3, "secs %.3f", last.secs);
	ck_assert_uint_eq(last.rss_kb, rss);
	sampled += last.cpu / 100.0 * last.secs;
	struct rusage ru;
	ck_assert_int_eq(wait4(k.pid, NULL, 0, &ru), k.pid);
	double life = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	    ru.ru_stime.tv_usec / 1e6;
	ck_assert_msg(fabs(sampled - life) <= 3.0 / (double)hz + 0.02, "sampled %.3f CPU-s of its life's %.3f", sampled, life);
	ck_assert_int_eq(sampler_count(s), 0);
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert_ptr_null(find(v, n, k.pid));
	/* not tracked (any more): nothing */
	ck_assert_int_eq(sampler_final(s, k.pid, &last, NULL, 0, NULL), -1);
	sampler_free(s);
	close(k.go);
	close(k.ready);
}
END_TEST

static void kid_named(int go, int ready)
{
	prctl(PR_SET_NAME, "a) b (c");
	kid_signal(ready, "r", 1);
	for (;;)
		pause();
}

START_TEST(test_comm_parens)
{
	struct kid k = kid_spawn(kid_named);
	struct sampler *s = sampler_new("/proc");
	const struct proc_sample *p = sample_over(s, k.pid, 0.1);
	ck_assert_str_eq(p->comm, "a) b (c");
	ck_assert_int_eq(p->ppid, getpid());
	ck_assert_uint_eq(p->threads, 1);
	ck_assert(p->vsz_kb > 0 && p->rss_kb > 0);
	ck_assert_int_eq(p->instance, 1);
	ck_assert_int_eq(p->role, ROLE_WORKLOAD);
	sampler_free(s);
	kid_kill(&k);
}
END_TEST

static void kid_parent(int go, int ready)
{
	pid_t g = fork();
	if (g < 0)
		_exit(2);
	if (g == 0) {
		/* Dies with its parent, whichever way the test ends. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	kid_signal(ready, "r", 1);
	kid_signal(ready, &g, sizeof(g));
	char c;
	if (read(go, &c, 1) < 0)
		_exit(1);
	kill(g, SIGKILL);
	waitpid(g, NULL, 0);
	_exit(0);
}

START_TEST(test_track_children)
{
	struct kid k = kid_spawn(kid_parent);
	pid_t grandchild;
	ck_assert_int_eq(read(k.ready, &grandchild, sizeof(grandchild)), (ssize_t)sizeof(grandchild));
	struct sampler *s = sampler_new("/proc");
	ck_assert_int_eq(sampler_track(s, k.pid, 7, ROLE_RUNTIME, NULL), 0);
	ck_assert_int_eq(sampler_track(s, getpid(), 8, ROLE_HELPER, NULL), 0);
	ck_assert_uint_eq(sampler_track_children(s, 7), 1);
	ck_assert_uint_eq(sampler_count(s), 3);
	ck_assert_uint_eq(sampler_track_children(s, 7), 0);

	const struct proc_sample *v;
	size_t n;
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	const struct proc_sample *g = find(v, n, grandchild);
	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(g->instance, 7);
	ck_assert_int_eq(g->role, ROLE_RUNTIME);
	ck_assert_int_eq(g->ppid, k.pid);

	/* A component's name, set once, rides on every sample of the pid. */
	ck_assert_str_eq(g->name, "");
	sampler_name(s, k.pid, "sentry");
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert_str_eq(find(v, n, k.pid)->name, "sentry");
	ck_assert_str_eq(find(v, n, grandchild)->name, "");

	/* Instance 8 is this test process: its children (the kid) are already
	 * tracked by instance 7 and must stay there. */
	ck_assert_uint_eq(sampler_track_children(s, 8), 0);
	ck_assert_int_eq(find(v, n, k.pid)->instance, 7);

	sampler_untrack_instance(s, 7);
	ck_assert_uint_eq(sampler_count(s), 1);
	sampler_untrack(s, getpid());
	ck_assert_uint_eq(sampler_count(s), 0);
	sampler_free(s);
	/* EOF on its pipe: the kid reaps the grandchild and exits. */
	close(k.go);
	int status;
	ck_assert_int_eq(waitpid(k.pid, &status, 0), k.pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(k.ready);
}
END_TEST

/* A VMM's threads as QEMU names them: a vCPU thread and an I/O thread,
 * both burning; the main thread waits. */
static void *burn_thread(void *arg)
{
	(void)arg;
	for (volatile unsigned long i = 0;; i++)
		;
	return NULL;
}

static void kid_vmm(int go, int ready)
{
	pthread_t a, b;
	if (pthread_create(&a, NULL, burn_thread, NULL) || pthread_create(&b, NULL, burn_thread, NULL))
		_exit(2);
	pthread_setname_np(a, "CPU 0/TCG");
	pthread_setname_np(b, "IO mon_iothread");
	kid_signal(ready, "r", 1);
	for (;;)
		pause();
}

START_TEST(test_vcpu_threads)
{
	ck_assert(pidstat_is_vcpu_thread("CPU 0/KVM") && pidstat_is_vcpu_thread("CPU 12/TCG"));
	ck_assert(pidstat_is_vcpu_thread("fc_vcpu 3"));
	ck_assert(!pidstat_is_vcpu_thread("CPU hog") && !pidstat_is_vcpu_thread("qemu-system-x86") &&
	    !pidstat_is_vcpu_thread("IO mon_iothread") && !pidstat_is_vcpu_thread("CPU 0"));
	struct kid k = kid_spawn(kid_vmm);
	struct sampler *s = sampler_new("/proc");
	ck_assert_ptr_nonnull(s);
	char *cause = NULL;
	const struct proc_sample *v;
	size_t n;
	ck_assert_msg(sampler_track(s, k.pid, 1, ROLE_VMM, &cause) == 0, "track: %s", cause);
	ck_assert_int_eq(sampler_sample(s, &v, &n, &cause), 0);
	struct timespec ts = { .tv_sec = 1 };
	nanosleep(&ts, NULL);
	ck_assert_int_eq(sampler_sample(s, &v, &n, &cause), 0);
	const struct proc_sample *p = find(v, n, k.pid);
	ck_assert_ptr_nonnull(p);
	fprintf(stderr, "vmm: %%CPU %.1f, its vCPU thread %.1f\n", p->cpu, p->vcpu_cpu);
	/* two busy threads, one of them the vCPU: about half, whatever the load */
	ck_assert_int_eq(p->has_vcpu, 1);
	ck_assert_msg(p->cpu >= 30, "%%CPU %.1f", p->cpu);
	ck_assert_msg(p->vcpu_cpu >= 0.3 * p->cpu && p->vcpu_cpu <= 0.7 * p->cpu, "vCPU %.1f of %%CPU %.1f",
	    p->vcpu_cpu, p->cpu);
	/* the same process in another role: its threads are not looked at */
	ck_assert_int_eq(sampler_track(s, k.pid, 1, ROLE_HELPER, &cause), 0);
	ck_assert_int_eq(sampler_sample(s, &v, &n, &cause), 0);
	p = find(v, n, k.pid);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->has_vcpu, 0);
	/* and a VMM without vCPU threads by those names has none */
	struct kid plain = kid_spawn(kid_burn);
	ck_assert_int_eq(sampler_track(s, plain.pid, 2, ROLE_VMM, &cause), 0);
	ck_assert_int_eq(sampler_sample(s, &v, &n, &cause), 0);
	nanosleep(&(struct timespec){ .tv_nsec = 300000000 }, NULL);
	ck_assert_int_eq(sampler_sample(s, &v, &n, &cause), 0);
	p = find(v, n, plain.pid);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->has_vcpu, 0);
	sampler_free(s);
	kid_kill(&plain);
	kid_kill(&k);
}
END_TEST

START_TEST(test_roles)
{
	for (int r = 0; r < ROLE__COUNT; r++) {
		const char *name = role_name((enum proc_role)r);
		ck_assert_ptr_nonnull(name);
		ck_assert_int_eq(role_parse(name), r);
	}
	ck_assert_str_eq(role_name(ROLE_VMM), "vmm");
	ck_assert_int_eq(role_parse("guest"), ROLE_GUEST);
	ck_assert_int_eq(role_parse("Workload"), -1);
	ck_assert_int_eq(role_parse(""), -1);
	ck_assert_int_eq(role_parse(NULL), -1);
	ck_assert_str_eq(role_name(ROLE__COUNT), "unknown");
}
END_TEST

START_TEST(test_track_missing)
{
	struct kid k = kid_spawn(kid_exit_now);
	pid_t gone = k.pid;
	close(k.go);
	waitpid(gone, NULL, 0);
	close(k.ready);

	struct sampler *s = sampler_new("/proc");
	char *cause = NULL;
	ck_assert_int_eq(sampler_track(s, gone, 1, ROLE_WORKLOAD, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	char want[64];
	snprintf(want, sizeof(want), "pid %d", (int)gone);
	ck_assert_msg(strstr(cause, want) && strstr(cause, "No such file"), "cause: %s", cause);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(sampler_track(s, 0, 1, ROLE_WORKLOAD, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	ck_assert_uint_eq(sampler_count(s), 0);
	sampler_free(s);

	errno = 0;
	ck_assert_ptr_null(sampler_new("/nonexistent/proc"));
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* A fake /proc: exact values, so field positions and formulas are checked
 * independently of what the kernel happens to do. */
static char fake_root[256];

static void fake_write(const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", fake_root, name);
	/* Rewrite in place: the sampler's fds must see the new content. */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Writes 4242/stat with fields[i] as field i (1-based, as in proc(5)). */
static void fake_stat(unsigned long long start, unsigned long long utime, unsigned long long stime,
		      unsigned long long gtime, unsigned long long minflt, unsigned long long blkio,
		      int threads)
{
	char line[2048];
	int off = snprintf(line, sizeof(line), "4242 (x) (y)) S 17");
	for (int f = 5; f <= 52; f++) {
		long long v = 0;
		switch (f) {
		case 10: v = (long long)minflt; break;
		case 12: v = 3; break;
		case 14: v = (long long)utime; break;
		case 15: v = (long long)stime; break;
		case 16: v = -5; break; /* cutime is signed */
		case 18: v = 20; break;
		case 19: v = -10; break;
		case 20: v = threads; break;
		case 22: v = (long long)start; break;
		case 23: v = 10240 * 1024; break;
		case 24: v = 256; break;
		case 39: v = 1; break;
		case 42: v = (long long)blkio; break;
		case 43: v = (long long)gtime; break;
		}
		off += snprintf(line + off, sizeof(line) - (size_t)off, " %lld", v);
	}
	snprintf(line + off, sizeof(line) - (size_t)off, "\n");
	fake_write("4242/stat", line);
}

static void fake_status(unsigned long vol, unsigned long invol)
{
	char text[512];
	snprintf(text, sizeof(text), "Name:\tx\nThreads:\t1\nnonvoluntary_ctxt_switches_x:\t999\n"
		 "voluntary_ctxt_switches:\t%lu\nnonvoluntary_ctxt_switches:\t%lu\n", vol, invol);
	fake_write("4242/status", text);
}

static void fake_io(unsigned long long rd, unsigned long long wr, unsigned long long cc)
{
	char text[512];
	snprintf(text, sizeof(text), "rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: %llu\n"
		 "write_bytes: %llu\ncancelled_write_bytes: %llu\n", rd, wr, cc);
	fake_write("4242/io", text);
}

static void fake_setup(void)
{
	snprintf(fake_root, sizeof(fake_root), "%s/test_sampler.proc.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(fake_root));
	char path[512];
	snprintf(path, sizeof(path), "%s/4242", fake_root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	fake_write("meminfo", "MemTotal:        4096 kB\nMemFree:  1 kB\n");
	fake_write("4242/schedstat", "1000 0 5\n");
	fake_stat(777, 100, 50, 0, 10, 0, 1);
	fake_status(10, 1);
	fake_io(0, 0, 0);
}

static void fake_teardown(void)
{
	rm_rf(fake_root);
}

START_TEST(test_fake_fields)
{
	long hz = sysconf(_SC_CLK_TCK);
	long page_kb = sysconf(_SC_PAGESIZE) / 1024;
	struct sampler *s = sampler_new(fake_root);
	ck_assert_ptr_nonnull(s);
	uint64_t t0 = mono_ns();
	ck_assert_int_eq(sampler_track(s, 4242, 2, ROLE_VMM, NULL), 0);
	const struct proc_sample *v;
	size_t n;
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].comm, "x) (y)");
	ck_assert_int_eq(v[0].ppid, 17);
	ck_assert_uint_eq(v[0].vsz_kb, 10240);
	ck_assert_uint_eq(v[0].rss_kb, 256 * (uint64_t)page_kb);
	double mem = 100.0 * 256 * (double)page_kb / 4096;
	ck_assert(v[0].mem_pct > mem - 0.01 && v[0].mem_pct < mem + 0.01);
	ck_assert_int_eq(v[0].cpu_num, 1);
	ck_assert_int_eq(v[0].first, 1);
	ck_assert_int_eq(v[0].role, ROLE_VMM);

	/* Over >= 0.5 s: utime +du ticks of which guest +dg, stime +ds,
	 * run_delay +0.25 s, 50 minor faults, 2 iodelay ticks, 40 voluntary
	 * and 5 involuntary switches, 1 MiB read, 2 MiB written, 4 kB
	 * cancelled. */
	unsigned long long du = (unsigned long long)hz / 2, dg = (unsigned long long)hz / 10,
			   ds = (unsigned long long)hz / 5;
	fake_stat(777, 100 + du, 50 + ds, dg, 60, 2, 3);
	fake_status(50, 6);
	fake_io(1 << 20, 2 << 20, 4096);
	fake_write("4242/schedstat", "1000 250000000 5\n");
	struct timespec ts = { 0, 500 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	double secs = (double)(mono_ns() - t0) / 1e9;
	ck_assert_uint_eq(n, 1);
	const struct proc_sample *p = &v[0];
	ck_assert_int_eq(p->first, 0);
	/* The sampler's interval lies between 0.5 s and secs: a rate of a
	 * delta d lies between d / secs and d / 0.5. */
#define NEAR(x, d) ck_assert_msg((x) >= (d) / secs * 0.99 && (x) <= (d) / 0.5 * 1.01, \
				 #x " = %f, delta %f over 0.5..%f s", (double)(x), (double)(d), secs)
	double pct = 100.0 / (double)hz; /* one tick over one second, in % */
	NEAR(p->cpu, (double)(du + ds) * pct);
	NEAR(p->usr, (double)(du - dg) * pct);
	NEAR(p->guest, (double)dg * pct);
	NEAR(p->system, (double)ds * pct);
	NEAR(p->wait, 25.0);
	NEAR(p->minflt_s, 50.0);
	NEAR(p->cswch_s, 40.0);
	NEAR(p->nvcswch_s, 5.0);
	NEAR(p->kb_rd_s, 1024.0);
	NEAR(p->kb_wr_s, 2048.0);
	NEAR(p->kb_ccwr_s, 4.0);
#undef NEAR
	ck_assert_uint_eq(p->iodelay, 2);
	ck_assert_uint_eq(p->threads, 3);
	ck_assert(p->majflt_s == 0);

	/* A counter going backwards gives 0, never a huge rate. */
	fake_status(1, 1);
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert(v[0].cswch_s == 0 && v[0].nvcswch_s == 0);

	/* Same number, different starttime: the pid was reused. */
	fake_stat(778, 1, 1, 0, 1, 0, 1);
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(v[0].exited, 1);
	ck_assert_uint_eq(v[0].vsz_kb, 10240);
	ck_assert_uint_eq(sampler_count(s), 0);
	sampler_free(s);
}
END_TEST

START_TEST(test_fake_idle_skip)
{
	struct sampler *s = sampler_new(fake_root);
	ck_assert_int_eq(sampler_track(s, 4242, 2, ROLE_RUNTIME, NULL), 0);
	const struct proc_sample *v;
	size_t n;
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	/* Never scheduled since (same schedstat), one thread, sleeping: status
	 * and io are not read, so what they say now does not show. */
	fake_status(1000, 1000);
	fake_io(1 << 30, 1 << 30, 0);
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert(v[0].cswch_s == 0 && v[0].kb_wr_s == 0 && v[0].kb_rd_s == 0);
	/* Once it ran, they are read again. */
	fake_write("4242/schedstat", "2000 0 6\n");
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert(v[0].cswch_s > 0 && v[0].nvcswch_s > 0 && v[0].kb_wr_s > 0 && v[0].kb_rd_s > 0);
	/* A running task, or a second thread, is never skipped. */
	fake_status(2000, 1000);
	fake_stat(777, 100, 50, 0, 10, 0, 2);
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert(v[0].cswch_s > 0);
	fake_status(3000, 1000);
	fake_stat(777, 100, 50, 0, 10, 0, 1);
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert(v[0].cswch_s > 0); /* had two threads at the previous sample */
	fake_status(4000, 1000);
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert(v[0].cswch_s == 0);
	fake_write("4242/stat", "4242 (x) R 17 0 0 0 0 0 10 0 3 0 100 50 0 0 20 0 1 0 777 "
		   "10485760 256 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 0 0 0 0\n");
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert(v[0].cswch_s > 0);
	ck_assert_int_eq(v[0].exited, 0);
	sampler_free(s);
}
END_TEST

START_TEST(test_fake_no_io)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/4242/io", fake_root);
	ck_assert_int_eq(unlink(path), 0);
	struct sampler *s = sampler_new(fake_root);
	ck_assert_int_eq(sampler_track(s, 4242, 2, ROLE_GUEST, NULL), 0);
	const struct proc_sample *v;
	size_t n;
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert(v[0].kb_rd_s == -1 && v[0].kb_wr_s == -1 && v[0].kb_ccwr_s == -1);
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert(v[0].kb_rd_s == -1 && v[0].kb_wr_s == -1 && v[0].kb_ccwr_s == -1);
	/* A stat that is not one: the pid can no longer be observed. */
	fake_write("4242/stat", "garbage\n");
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert_int_eq(v[0].exited, 1);
	ck_assert(v[0].kb_wr_s == -1);
	sampler_free(s);
}
END_TEST

START_TEST(test_many_pids)
{
	/* Sorted insertion and lookup over many pids, in any order. */
	struct sampler *s = sampler_new("/proc");
	enum { N = 40 };
	struct kid kids[N];
	for (int i = 0; i < N; i++)
		kids[i] = kid_spawn(kid_pause);
	for (int i = N - 1; i >= 0; i -= 2)
		ck_assert_int_eq(sampler_track(s, kids[i].pid, i, ROLE_WORKLOAD, NULL), 0);
	for (int i = 0; i < N; i += 2)
		ck_assert_int_eq(sampler_track(s, kids[i].pid, i, ROLE_WORKLOAD, NULL), 0);
	ck_assert_int_eq(sampler_track(s, kids[5].pid, 99, ROLE_GUEST, NULL), 0);
	ck_assert_uint_eq(sampler_count(s), N);
	const struct proc_sample *v;
	size_t n;
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert_uint_eq(n, N);
	for (size_t i = 1; i < n; i++)
		ck_assert_int_lt(v[i - 1].pid, v[i].pid);
	ck_assert_int_eq(find(v, n, kids[5].pid)->instance, 99);
	ck_assert_int_eq(find(v, n, kids[5].pid)->role, ROLE_GUEST);
	ck_assert_int_eq(find(v, n, kids[6].pid)->instance, 6);
	kid_kill(&kids[6]);
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert_uint_eq(n, N);
	ck_assert_int_eq(find(v, n, kids[6].pid)->exited, 1);
	ck_assert_uint_eq(sampler_count(s), N - 1);
	sampler_untrack(s, kids[7].pid);
	sampler_untrack(s, kids[7].pid);
	ck_assert_uint_eq(sampler_count(s), N - 2);
	ck_assert_int_eq(sampler_sample(s, &v, &n, NULL), 0);
	ck_assert_ptr_null(find(v, n, kids[7].pid));
	ck_assert_uint_eq(n, N - 2);
	sampler_free(s);
	for (int i = 0; i < N; i++)
		if (i != 6)
			kid_kill(&kids[i]);
}
END_TEST

#endif

static Suite *sampler_suite(void)
{
	Suite *su = suite_create("sampler");
	TCase *tc = tcase_create("proc");
	tcase_set_timeout(tc, 30);
#ifdef IO_CASES
	tcase_add_test(tc, test_io_write);
	tcase_add_test(tc, test_io_reaped_once);
	suite_add_tcase(su, tc);
	return su;
#else
	tcase_add_test(tc, test_cpu_burner);
	tcase_add_test(tc, test_rss);
	tcase_add_test(tc, test_cswch);
	tcase_add_test(tc, test_exit_reaped);
	tcase_add_test(tc, test_exit_zombie);
	tcase_add_test(tc, test_first_from_birth);
	tcase_add_test(tc, test_final_tail);
	tcase_add_test(tc, test_final_tail_child_first);
	tcase_add_test(tc, test_final_zombies);
	tcase_add_test(tc, test_final_orphan_reaped_kid);
	tcase_add_test(tc, test_final_alive_kid);
	tcase_add_test(tc, test_first_short_span);
	tcase_add_test(tc, test_final_zombie);
	tcase_add_test(tc, test_comm_parens);
	tcase_add_test(tc, test_track_children);
	tcase_add_test(tc, test_roles);
	tcase_add_test(tc, test_vcpu_threads);
	tcase_add_test(tc, test_track_missing);
	tcase_add_test(tc, test_many_pids);
	suite_add_tcase(su, tc);
	TCase *fake = tcase_create("fake");
	tcase_add_checked_fixture(fake, fake_setup, fake_teardown);
	tcase_add_test(fake, test_fake_fields);
	tcase_add_test(fake, test_fake_idle_skip);
	tcase_add_test(fake, test_fake_no_io);
	suite_add_tcase(su, fake);
	return su;
#endif
}

int main(void)
{
#ifdef IO_CASES
	if (access("/proc/self/io", R_OK) != 0) {
		printf("SKIP: a process's disk writes are read from /proc/PID/io, which this kernel does not have "
		       "(CONFIG_TASK_IO_ACCOUNTING): %s\n", strerror(errno));
		return 77;
	}
#endif
	return unit_run_suite(sampler_suite());
}

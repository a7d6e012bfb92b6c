/* test_cgroup.c — real cgroups on this machine (v2, hybrid or v1).
 *
 * Built twice. test_cgroup checks what needs no privilege; test_cgroup_root
 * (-DROOT_CASES) makes, limits, fills and kills real cgroups, and exits 77
 * saying why where it cannot (not root, no cgroups), so that it counts as
 * skipped there, never as passed. */
#include "cgroup.h"
#include "config.h"
#include "runtime.h"
#include "unit.h"
#include "util.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef ROOT_CASES
static char relpath[128];

static void setup(void)
{
	snprintf(relpath, sizeof relpath, "isolab/test-cgroup-%d/1", (int)getpid());
}

static void teardown(void)
{
	cgroup_remove(relpath, NULL);
}

/* The directory of relpath in hierarchy h (a v1 controller name or "v2"). */
static char *dir_in(const char *h)
{
	if (!strcmp(h, "v2"))
		return xasprintf("/sys/fs/cgroup%s/%s", cgroup_mode() == CGROUP_HYBRID ? "/unified" : "", relpath);
	return xasprintf("/sys/fs/cgroup/%s/%s", h, relpath);
}

static int is_v1(const char *ctrl)
{
	char p[128];
	struct statfs sf;
	snprintf(p, sizeof p, "/sys/fs/cgroup/%s", ctrl);
	return cgroup_mode() != CGROUP_V2 && statfs(p, &sf) == 0 && sf.f_type == 0x27e0eb;
}

/* The content of file in ctrl's directory, newline stripped. */
static char *value(const char *ctrl, const char *file)
{
	_cleanup_free_ char *d = dir_in(is_v1(ctrl) ? ctrl : "v2");
	_cleanup_free_ char *p = xasprintf("%s/%s", d, file);
	char *t = read_file(p, NULL);
	ck_assert_msg(t != NULL, "cannot read %s: %s", p, strerror(errno));
	t[strcspn(t, "\n")] = '\0';
	return t;
}

#else
START_TEST(test_mode_detected)
{
	enum cgroup_mode m = cgroup_mode();
	struct stat st;
	if (stat("/sys/fs/cgroup/unified/cgroup.procs", &st) == 0)
		ck_assert_int_eq(m, CGROUP_HYBRID);
	else if (stat("/sys/fs/cgroup/cgroup.procs", &st) == 0 && stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0)
		ck_assert_int_eq(m, CGROUP_V2);
	ck_assert_str_ne(cgroup_mode_name(m), "none");
}
END_TEST
#endif

#ifdef ROOT_CASES

START_TEST(test_limits_written)
{
	unsigned sup = cgroup_limits_supported();
	/* Where every controller has a v1 hierarchy (this hybrid machine), all
	 * seven limits must be claimed, so none of the checks below is skipped
	 * (an I/O weight depends on the block scheduler: test_io_weight). */
	if (is_v1("cpu") && is_v1("cpuset") && is_v1("memory") && is_v1("pids"))
		ck_assert_uint_eq(sup & ~(unsigned)LIMIT_IO_WEIGHT, LIMIT_CPUS | LIMIT_CPUSET | LIMIT_WEIGHT | LIMIT_MEM_HARD | LIMIT_MEM_SOFT | LIMIT_PIDS |
		    LIMIT_POOL);
	struct limits lim = { .cpus = 1.5, .cpuset = (char *)"0", .weight = 50, .mem_hard = 64ull << 20,
		.mem_soft = 32ull << 20, .pids = 42 };
	/* Only what this machine can do; the rest is checked for refusal below. */
	if (!(sup & LIMIT_CPUS))
		lim.cpus = 0;
	if (!(sup & LIMIT_CPUSET))
		lim.cpuset = NULL;
	if (!(sup & LIMIT_WEIGHT))
		lim.weight = 0;
	if (!(sup & LIMIT_MEM_HARD))
		lim.mem_hard = lim.mem_soft = 0;
	if (!(sup & LIMIT_PIDS))
		lim.pids = 0;
	char *cause = NULL;
	struct cgroup *cg = cgroup_create(relpath, &lim, &cause);
	ck_assert_msg(cg != NULL, "cgroup_create: %s", cause);
	ck_assert_str_eq(cgroup_relpath(cg), relpath);
	if (lim.pids) {
		_cleanup_free_ char *v = value("pids", "pids.max");
		ck_assert_str_eq(v, "42");
	}
	if (lim.mem_hard) {
		_cleanup_free_ char *v = value("memory", is_v1("memory") ? "memory.limit_in_bytes" : "memory.max");
		ck_assert_str_eq(v, "67108864");
		_cleanup_free_ char *s = value("memory", is_v1("memory") ? "memory.soft_limit_in_bytes" : "memory.low");
		ck_assert_str_eq(s, "33554432");
	}
	if (lim.cpus) {
		if (is_v1("cpu")) {
			_cleanup_free_ char *q = value("cpu", "cpu.cfs_quota_us");
			_cleanup_free_ char *p = value("cpu", "cpu.cfs_period_us");
			ck_assert_str_eq(q, "150000");
			ck_assert_str_eq(p, "100000");
		} else {
			_cleanup_free_ char *m = value("cpu", "cpu.max");
			ck_assert_str_eq(m, "150000 100000");
		}
	}
	if (lim.weight) {
		_cleanup_free_ char *w = value("cpu", is_v1("cpu") ? "cpu.shares" : "cpu.weight");
		ck_assert_str_eq(w, is_v1("cpu") ? "512" : "50");
	}
	if (lim.cpuset) {
		_cleanup_free_ char *c = value("cpuset", "cpuset.cpus");
		ck_assert_str_eq(c, "0");
		if (is_v1("cpuset")) {
			/* v1 refuses tasks without mems: they must have been copied. */
			_cleanup_free_ char *mems = value("cpuset", "cpuset.mems");
			ck_assert_str_ne(mems, "");
		}
	}
	ck_assert_int_eq(cgroup_destroy(cg, &cause), 0);
	/* Every directory is gone, in every hierarchy, and so are its parents. */
	static const char *const hs[] = { "v2", "cpu", "cpuset", "memory", "pids" };
	for (size_t i = 0; i < ARRAY_SIZE(hs); i++) {
		_cleanup_free_ char *d = dir_in(hs[i]);
		struct stat st;
		ck_assert_msg(stat(d, &st) < 0 && errno == ENOENT, "%s still exists", d);
		*strrchr(d, '/') = '\0';
		ck_assert_msg(stat(d, &st) < 0 && errno == ENOENT, "parent %s still exists", d);
	}
}
END_TEST

/* io_weight: written where this machine can weight I/O (BFQ, or iocost on
 * v2), and otherwise refused with the reason, leaving nothing behind. */
START_TEST(test_io_weight)
{
	char *why = NULL, *cause = NULL;
	const char *file = cgroup_io_weight_file(&why);
	struct limits lim = { .io_weight = 321 };
	struct cgroup *cg = cgroup_create(relpath, &lim, &cause);
	if (file) {
		ck_assert_msg(cgroup_limits_supported() & LIMIT_IO_WEIGHT, "%s is here but io_weight is not claimed", file);
		ck_assert_msg(cg != NULL, "cgroup_create: %s", cause);
		_cleanup_free_ char *v = value(!strncmp(file, "blkio.", 6) ? "blkio" : "io", file);
		/* v1's files say "321"; v2's "default 321". */
		ck_assert_msg(strlen(v) >= 3 && !strcmp(v + strlen(v) - 3, "321"), "%s says \"%s\"", file, v);
		printf("io_weight: %s holds \"%s\"\n", file, v);
		ck_assert_int_eq(cgroup_destroy(cg, &cause), 0);
		return;
	}
	printf("io_weight refused here: %s\n", why);
	ck_assert_uint_eq(cgroup_limits_supported() & LIMIT_IO_WEIGHT, 0);
	ck_assert_ptr_null(cg);
	_cleanup_free_ char *want = xasprintf("the limit 'io_weight' cannot be honoured here: %s", why);
	ck_assert_str_eq(cause, want);
	free(cause);
	free(why);
	_cleanup_free_ char *d = dir_in("v2");
	struct stat st;
	ck_assert_msg(stat(d, &st) < 0 && errno == ENOENT, "%s was made for a refused limit", d);
}
END_TEST

/* A memory pool: the leaves' parent gets the pool's hard limit, each leaf
 * its own, both leaves live under it, and the last one's removal takes
 * the pool with it. */
START_TEST(test_pool)
{
	if (!(cgroup_limits_supported() & LIMIT_POOL))
		ck_abort_msg("this machine's cgroups have a memory controller but claim no memory_pool");
	struct limits lim = { .mem_hard = 64ull << 20, .mem_pool = 96ull << 20 };
	char *cause = NULL;
	struct cgroup *a = cgroup_create(relpath, &lim, &cause);
	ck_assert_msg(a != NULL, "cgroup_create: %s", cause);
	_cleanup_free_ char *sibling = xstrdup(relpath);
	sibling[strlen(sibling) - 1] = '2';
	struct cgroup *b = cgroup_create(sibling, &lim, &cause);
	ck_assert_msg(b != NULL, "cgroup_create of the sibling: %s", cause);
	const char *ctrl = is_v1("memory") ? "memory" : "v2";
	const char *file = is_v1("memory") ? "memory.limit_in_bytes" : "memory.max";
	_cleanup_free_ char *leaf = dir_in(ctrl);
	_cleanup_free_ char *pool = xstrdup(leaf);
	*strrchr(pool, '/') = '\0';
	_cleanup_free_ char *pf = xasprintf("%s/%s", pool, file), *lf = xasprintf("%s/%s", leaf, file);
	_cleanup_free_ char *pv = read_file(pf, NULL), *lv = read_file(lf, NULL);
	ck_assert_msg(pv && lv, "cannot read %s or %s", pf, lf);
	ck_assert_str_eq(pv, "100663296\n");
	ck_assert_str_eq(lv, "67108864\n");
	/* The pool is a parent, never a limit of the leaf's own. */
	ck_assert_int_eq(cgroup_destroy(a, &cause), 0);
	struct stat st;
	ck_assert_msg(stat(pool, &st) == 0, "the pool went with its first member");
	ck_assert_int_eq(cgroup_destroy(b, &cause), 0);
	ck_assert_msg(stat(pool, &st) < 0 && errno == ENOENT, "the pool %s outlived its members", pool);
	/* A leaf at the top has no parent to be its pool: said, not ignored. */
	ck_assert_ptr_null(cgroup_create("isolab", &lim, &cause));
	ck_assert_msg(cause && strstr(cause, "memory_pool"), "cause: %s", cause ? cause : "(none)");
	free(cause);
}
END_TEST

START_TEST(test_join_pids_kill)
{
	struct limits lim = { .pids = 10 };
	char *cause = NULL;
	struct cgroup *cg = cgroup_create(relpath, &lim, &cause);
	ck_assert_msg(cg != NULL, "cgroup_create: %s", cause);
	const char *const *procs = cgroup_procs_files(cg);
	ck_assert_ptr_nonnull(procs);
	ck_assert_ptr_nonnull(procs[0]);
	int ready[2];
	ck_assert_int_eq(pipe(ready), 0);
	pid_t kid = fork();
	ck_assert_int_ge(kid, 0);
	if (kid == 0) {
		for (size_t i = 0; procs[i]; i++)
			if (write_file(procs[i], "0", 0) < 0)
				_exit(2);
		/* A grandchild too: the whole tree must be listed and killed. */
		if (fork() == 0)
			for (;;)
				pause();
		if (write(ready[1], "x", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	close(ready[1]);
	char b;
	ck_assert_int_eq(read(ready[0], &b, 1), 1);
	close(ready[0]);
	pid_t *pids = NULL;
	size_t n = cgroup_pids(cg, &pids);
	ck_assert_uint_eq(n, 2);
	int found = 0;
	for (size_t i = 0; i < n; i++)
		found += pids[i] == kid;
	free(pids);
	ck_assert_int_eq(found, 1);
	ck_assert_int_eq(cgroup_kill(cg, &cause), 0);
	n = cgroup_pids(cg, &pids);
	free(pids);
	ck_assert_uint_eq(n, 0);
	int status;
	ck_assert_int_eq(waitpid(kid, &status, 0), kid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_int_eq(cgroup_oom_kills(cg), 0);
	ck_assert_int_eq(cgroup_destroy(cg, &cause), 0);
}
END_TEST

/* A child that spins for 0.3 s of CPU in the cgroup: v2's cpu.stat (kept
 * by a hybrid machine's unified hierarchy too) and v1's cpuacct.usage,
 * where this machine has it, count it. */
START_TEST(test_cpu_usage)
{
	char *cause = NULL;
	struct cgroup *cg = cgroup_create(relpath, NULL, &cause);
	ck_assert_msg(cg != NULL, "cgroup_create: %s", cause);
	int sources = 0;
	for (int src = 0; src < CGROUP_CPU__COUNT; src++) {
		long long us = cgroup_cpu_usage_us(relpath, (enum cgroup_cpu_src)src);
		_cleanup_free_ char *path = cgroup_cpu_path(relpath, (enum cgroup_cpu_src)src);
		ck_assert_msg(!path == (us < 0), "%s: %lld", path ? path : cgroup_cpu_src_name((enum cgroup_cpu_src)src), us);
		sources += us >= 0;
		if (us >= 0)
			ck_assert_int_lt(us, 50000);
	}
	ck_assert_int_ge(sources, 1);
	pid_t kid = fork();
	ck_assert_int_ge(kid, 0);
	if (kid == 0) {
		for (size_t i = 0; cgroup_procs_files(cg)[i]; i++)
			if (write_file(cgroup_procs_files(cg)[i], "0", 0) < 0)
				_exit(2);
		struct timespec t0, t;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		do
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
		while ((t.tv_sec - t0.tv_sec) * 1000000000LL + (t.tv_nsec - t0.tv_nsec) < 300000000LL);
		_exit(0);
	}
	int status;
	ck_assert_int_eq(waitpid(kid, &status, 0), kid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (int src = 0; src < CGROUP_CPU__COUNT; src++) {
		long long us = cgroup_cpu_usage_us(relpath, (enum cgroup_cpu_src)src);
		/* v2 has no cpuacct, v1 no cpu.stat; a hybrid machine both. */
		int want = src == CGROUP_CPU_V2 ? cgroup_mode() != CGROUP_V1 : cgroup_mode() != CGROUP_V2;
		ck_assert_msg(us >= 0 || !want, "%s missing", cgroup_cpu_src_name((enum cgroup_cpu_src)src));
		if (us >= 0)
			ck_assert_msg(us >= 290000 && us < 2000000, "%s: %lld us", cgroup_cpu_src_name((enum cgroup_cpu_src)src), us);
	}
	ck_assert_int_eq(cgroup_destroy(cg, &cause), 0);
}
END_TEST

START_TEST(test_open_and_remove)
{
	ck_assert_ptr_null(cgroup_open(relpath));
	char *cause = NULL;
	struct cgroup *cg = cgroup_create(relpath, NULL, &cause);
	ck_assert_msg(cg != NULL, "cgroup_create: %s", cause);
	cgroup_free(cg);
	struct cgroup *o = cgroup_open(relpath);
	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_nonnull(cgroup_procs_files(o)[0]);
	cgroup_free(o);
	ck_assert_int_eq(cgroup_remove(relpath, &cause), 0);
	ck_assert_ptr_null(cgroup_open(relpath));
	/* Removing what is already gone is not an error (the reaper relies on it). */
	ck_assert_int_eq(cgroup_remove(relpath, &cause), 0);
}
END_TEST

#else
/* Which file weights I/O, from what a machine has: simulated here for the
 * kinds of machine this one is not (BFQ, iocost, CFQ's old v1 weight). */
START_TEST(test_io_weight_pick)
{
	static const struct {
		enum cgroup_at at;
		const char *sch;
		int iocost, cfq;
		const char *file, *why;
	} cases[] = {
		{ CGROUP_AT_V2, "none, mq-deadline, kyber, bfq", 0, 0, "io.bfq.weight", NULL },
		{ CGROUP_AT_V2, "bfq", 1, 0, "io.bfq.weight", NULL },
		{ CGROUP_AT_V2, "none, mq-deadline", 1, 0, "io.weight", NULL },
		{ CGROUP_AT_V1, "mq-deadline, bfq", 0, 0, "blkio.bfq.weight", NULL },
		{ CGROUP_AT_V1, "cfq, deadline, noop", 0, 1, "blkio.weight", NULL },
		/* iocost is v2's alone; a name merely containing bfq is not BFQ. */
		{ CGROUP_AT_V1, "none, mq-deadline, kyber", 1, 0, NULL,
		  "the v1 blkio controller has no weight without the BFQ scheduler (this machine's block schedulers: "
		  "none, mq-deadline, kyber)" },
		{ CGROUP_AT_V2, "none, bfqx", 0, 0, NULL,
		  "the io controller has no weight without the BFQ scheduler or io.cost (this machine's block "
		  "schedulers: none, bfqx)" },
		{ CGROUP_AT_V2, "", 0, 0, NULL,
		  "the io controller has no weight without the BFQ scheduler or io.cost (this machine's block "
		  "schedulers: none found)" },
		{ CGROUP_AT_NONE, "bfq", 1, 1, NULL, "there is no I/O controller (blkio or io) in this machine's cgroups" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *why = NULL;
		const char *f = cgroup_io_weight_pick(cases[i].at, cases[i].sch, cases[i].iocost, cases[i].cfq, &why);
		if (cases[i].file) {
			ck_assert_msg(f && !strcmp(f, cases[i].file), "case %zu: %s", i, f ? f : "(none)");
			ck_assert_ptr_null(why);
		} else {
			ck_assert_msg(!f, "case %zu: %s", i, f);
			ck_assert_str_eq(why, cases[i].why);
		}
		free(why);
	}
}
END_TEST

/* Every scheduler any block device offers, once, without the brackets of
 * the chosen one. */
START_TEST(test_block_schedulers)
{
	_cleanup_free_ char *all = cgroup_block_schedulers();
	ck_assert_ptr_null(strpbrk(all, "[]\n"));
	size_t seen = 0;
	DIR *dp = opendir("/sys/block");
	struct dirent *de;
	while (dp && (de = readdir(dp))) {
		_cleanup_free_ char *p = xasprintf("/sys/block/%s/queue/scheduler", de->d_name);
		_cleanup_free_ char *t = de->d_name[0] == '.' ? NULL : read_file(p, NULL);
		char *save = NULL;
		for (char *w = t ? strtok_r(t, " []\n", &save) : NULL; w; w = strtok_r(NULL, " []\n", &save)) {
			_cleanup_free_ char *word = xasprintf(", %s,", w), *in = xasprintf(", %s,", all);
			const char *at = strstr(in, word);
			ck_assert_msg(at != NULL, "%s offers %s, missing from \"%s\"", p, w, all);
			ck_assert_msg(!strstr(at + 1, word), "%s twice in \"%s\"", w, all);
			seen++;
		}
	}
	if (dp)
		closedir(dp);
	printf("block schedulers: %s (%zu offers)\n", all, seen);
	if (!seen)
		ck_assert_str_eq(all, "");
}
END_TEST

START_TEST(test_bad_paths)
{
	static const char *const bad[] = { "", "/isolab/x", "isolab/../x", "isolab//x", "isolab/x/", "..", "isolab/." };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *cause = NULL;
		ck_assert_ptr_null(cgroup_create(bad[i], NULL, &cause));
		ck_assert_ptr_nonnull(cause);
		free(cause);
		ck_assert_ptr_null(cgroup_open(bad[i]));
	}
}
END_TEST

START_TEST(test_cpu_parse)
{
	ck_assert_int_eq(cgroup_parse_cpu_usage("usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\n",
	    CGROUP_CPU_V2), 1234567);
	ck_assert_int_eq(cgroup_parse_cpu_usage("user_usec 5\nusage_usec 7\n", CGROUP_CPU_V2), 7);
	ck_assert_int_eq(cgroup_parse_cpu_usage("user_usec 5\n", CGROUP_CPU_V2), -1);
	ck_assert_int_eq(cgroup_parse_cpu_usage("usage_usec x\n", CGROUP_CPU_V2), -1);
	/* v1: nanoseconds, one number */
	ck_assert_int_eq(cgroup_parse_cpu_usage("2500000999\n", CGROUP_CPU_V1), 2500000);
	ck_assert_int_eq(cgroup_parse_cpu_usage("-1\n", CGROUP_CPU_V1), -1);
	ck_assert_int_eq(cgroup_parse_cpu_usage("12 34\n", CGROUP_CPU_V1), -1);
	ck_assert_int_eq(cgroup_parse_cpu_usage("", CGROUP_CPU_V1), -1);
	ck_assert_int_eq(cgroup_parse_cpu_usage(NULL, CGROUP_CPU_V2), -1);
	ck_assert_str_eq(cgroup_cpu_src_name(CGROUP_CPU_V1), "cpuacct.usage");
	ck_assert_ptr_null(cgroup_cpu_path("../x", CGROUP_CPU_V2));
}
END_TEST

START_TEST(test_oom_parse)
{
	ck_assert_uint_eq(cgroup_parse_oom_kills("low 0\nhigh 0\nmax 3\noom 2\noom_kill 2\n"), 2);
	ck_assert_uint_eq(cgroup_parse_oom_kills("oom_kill_disable 0\nunder_oom 0\noom_kill 7\n"), 7);
	ck_assert_uint_eq(cgroup_parse_oom_kills("oom_kill_disable 0\n"), 0);
	ck_assert_uint_eq(cgroup_parse_oom_kills(NULL), 0);
}
END_TEST
#endif

int main(void)
{
	Suite *s = suite_create("cgroup");
	TCase *tc = tcase_create("cgroup");
#ifdef ROOT_CASES
	if (geteuid() != 0 || cgroup_mode() == CGROUP_NONE) {
		printf("SKIP: real cgroups need root and a cgroup file system (euid %u, cgroups: %s)\n",
		    (unsigned)geteuid(), cgroup_mode_name(cgroup_mode()));
		return 77;
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_limits_written);
	tcase_add_test(tc, test_pool);
	tcase_add_test(tc, test_io_weight);
	tcase_add_test(tc, test_join_pids_kill);
	tcase_add_test(tc, test_open_and_remove);
	tcase_add_test(tc, test_cpu_usage);
#else
	tcase_add_test(tc, test_mode_detected);
	tcase_add_test(tc, test_bad_paths);
	tcase_add_test(tc, test_io_weight_pick);
	tcase_add_test(tc, test_block_schedulers);
	tcase_add_test(tc, test_oom_parse);
	tcase_add_test(tc, test_cpu_parse);
#endif
	suite_add_tcase(s, tc);
	return unit_run_suite(s);
}

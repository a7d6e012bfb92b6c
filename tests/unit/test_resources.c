/* test_resources.c — the resource journal and its reapers, for real.
 *
 * Built twice. test_resources reaps files, directories and processes;
 * test_resources_root (-DROOT_CASES) reaps a real cgroup with a process in
 * it and a real network namespace with its veth, and exits 77 saying why
 * where it cannot (not root, no cgroups): skipped there, never passed. */
#include "cgroup.h"
#include "netns.h"
#include "resources.h"
#include "unit.h"
#include "util.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char rundir[256];
static char scratch[256];

static void setup(void)
{
	snprintf(rundir, sizeof rundir, "/tmp/isolab-test-res.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(rundir));
	setenv("ISOLAB_RUNDIR", rundir, 1);
	snprintf(scratch, sizeof scratch, "/tmp/isolab-test-scratch.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(scratch));
}

static void teardown(void)
{
	rm_rf(rundir);
	rm_rf(scratch);
}

static int exists(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0;
}

/* Writes n bytes of data at path (created or truncated). */
static void fill_file(const char *path, size_t n)
{
	static char buf[1 << 20];
	memset(buf, 'x', sizeof buf);
	ck_assert_uint_le(n, sizeof buf);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
	ck_assert_int_eq(close(fd), 0);
}

#ifndef ROOT_CASES
static char *journal_text(struct resources *r)
{
	_cleanup_free_ char *p = xasprintf("%s/resources", resources_dir(r));
	return read_file(p, NULL);
}

START_TEST(test_open_layout)
{
	char *cause = NULL;
	struct resources *r = resources_open("run-1", NULL, &cause);
	ck_assert_msg(r != NULL, "%s", cause);
	_cleanup_free_ char *want = xasprintf("%s/run-1", rundir);
	ck_assert_str_eq(resources_dir(r), want);
	_cleanup_free_ char *op = xasprintf("%s/owner", want);
	_cleanup_free_ char *owner = read_file(op, NULL);
	ck_assert_ptr_nonnull(owner);
	int pid = 0;
	unsigned long long st = 0;
	ck_assert_int_eq(sscanf(owner, "%d %llu", &pid, &st), 2);
	ck_assert_int_eq(pid, getpid());
	ck_assert(st > 0);
	ck_assert_ptr_null(resources_open("../evil", NULL, &cause));
	free(cause);
	resources_close(r, 1);
	ck_assert(!exists(want)); /* empty journal: removed */
}
END_TEST

START_TEST(test_escaping_and_done)
{
	char *cause = NULL;
	struct resources *r = resources_open("run-esc", NULL, &cause);
	ck_assert_ptr_nonnull(r);
	_cleanup_free_ char *f = xasprintf("%s/a file%%with spaces", scratch);
	ck_assert_int_eq(write_file(f, "x", 1), 0);
	ck_assert_int_eq(resources_add(r, "file", f, NULL, &cause), 0);
	_cleanup_free_ char *t = journal_text(r);
	ck_assert_ptr_null(strstr(t, "a file")); /* the space is escaped: one field */
	ck_assert_ptr_nonnull(strstr(t, "a%20file%25with%20spaces"));
	ck_assert_int_eq(resources_add(r, "bad kind", "x", NULL, &cause), -1);
	free(cause);
	/* done + reap_all: the file was "removed" by its creator, so it stays. */
	ck_assert_int_eq(resources_done(r, "file", f, NULL), 0);
	char **errs = NULL;
	ck_assert_uint_eq(resources_reap_all(r, &errs), 0);
	ck_assert_ptr_null(errs);
	ck_assert(exists(f));
	resources_close(r, 1);
}
END_TEST

START_TEST(test_reap_all_kinds)
{
	char *cause = NULL;
	struct resources *r = resources_open("run-kinds", NULL, &cause);
	ck_assert_ptr_nonnull(r);
	/* dir, file, and a dir never created (recorded before creation). */
	_cleanup_free_ char *d = xasprintf("%s/dir", scratch);
	_cleanup_free_ char *f = xasprintf("%s/file", scratch);
	_cleanup_free_ char *never = xasprintf("%s/never", scratch);
	ck_assert_int_eq(resources_add(r, "dir", d, NULL, &cause), 0);
	ck_assert_int_eq(mkdir_p(d, 0755), 0);
	_cleanup_free_ char *inner = xasprintf("%s/x/y", d);
	ck_assert_int_eq(mkdir_p(inner, 0755), 0);
	ck_assert_int_eq(resources_add(r, "file", f, NULL, &cause), 0);
	ck_assert_int_eq(write_file(f, "x", 1), 0);
	ck_assert_int_eq(resources_add(r, "dir", never, NULL, &cause), 0);
	/* pid: a real child, recorded with its start time. */
	pid_t kid = fork();
	if (kid == 0)
		for (;;)
			pause();
	char ps[64], stpath[64];
	snprintf(ps, sizeof ps, "%d", (int)kid);
	snprintf(stpath, sizeof stpath, "/proc/%d/stat", (int)kid);
	_cleanup_free_ char *stat = read_file(stpath, NULL);
	ck_assert_ptr_nonnull(stat);
	char *s = strrchr(stat, ')') + 2;
	for (int i = 3; i < 22; i++)
		s = strchr(s, ' ') + 1;
	char start[32];
	snprintf(start, sizeof start, "%llu", strtoull(s, NULL, 10));
	ck_assert_int_eq(resources_add(r, "pid", ps, start, &cause), 0);
	/* A pid whose start time does not match is someone else: spared. */
	pid_t other = fork();
	if (other == 0)
		for (;;)
			pause();
	char ops[64];
	snprintf(ops, sizeof ops, "%d", (int)other);
	ck_assert_int_eq(resources_add(r, "pid", ops, "1", &cause), 0);

	char **errs = NULL;
	size_t failed = resources_reap_all(r, &errs);
	ck_assert_msg(failed == 0, "%s", errs && errs[0] ? errs[0] : "?");
	ck_assert(!exists(d));
	ck_assert(!exists(f));
	int status;
	ck_assert_int_eq(waitpid(kid, &status, 0), kid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_int_eq(waitpid(other, &status, WNOHANG), 0);
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
	/* Everything is marked done: a second reap has nothing to do. */
	_cleanup_free_ char *t = journal_text(r);
	ck_assert_ptr_nonnull(strstr(t, "done dir "));
	ck_assert_ptr_nonnull(strstr(t, "done pid "));
	ck_assert_uint_eq(resources_reap_all(r, &errs), 0);
	_cleanup_free_ char *dir = xstrdup(resources_dir(r));
	resources_close(r, 1);
	ck_assert(!exists(dir));
}
END_TEST

#else
/* disk_usage stays on its file system: 1 MiB written into a tmpfs
 * mounted inside the tree is not counted (du -x), as an overlay's merged
 * root inside its base directory is not. */
START_TEST(test_disk_usage_mount)
{
	_cleanup_free_ char *d = xasprintf("%s/dum", scratch);
	_cleanup_free_ char *mnt = xasprintf("%s/dum/mnt", scratch);
	ck_assert_int_eq(mkdir_p(mnt, 0755), 0);
	unsigned long long before = 0, after = 0;
	ck_assert_int_eq(disk_usage(d, &before), 0);
	ck_assert_int_eq(mount("tmpfs", mnt, "tmpfs", 0, "size=4m"), 0);
	_cleanup_free_ char *f = xasprintf("%s/big", mnt);
	fill_file(f, 1u << 20);
	unsigned long long inside = 0;
	ck_assert_int_eq(disk_usage(mnt, &inside), 0);
	ck_assert_msg(inside >= (1u << 20), "the mount itself holds %llu bytes", inside);
	ck_assert_int_eq(disk_usage(d, &after), 0);
	ck_assert_int_eq(umount2(mnt, MNT_DETACH), 0);
	/* not even the mount point's own directory block, hidden under it */
	ck_assert_msg(after <= before, "%llu bytes with the mount, %llu without", after, before);
}
END_TEST

START_TEST(test_reap_cgroup_and_netns)
{
	char *cause = NULL;
	struct resources *r = resources_open("run-cg", NULL, &cause);
	ck_assert_ptr_nonnull(r);
	char rel[128];
	snprintf(rel, sizeof rel, "isolab/test-res-%d/1", (int)getpid());
	ck_assert_int_eq(resources_add(r, "cgroup", rel, NULL, &cause), 0);
	struct cgroup *cg = cgroup_create(rel, NULL, &cause);
	ck_assert_msg(cg != NULL, "%s", cause);
	/* A process inside: the reaper must kill it to remove the cgroup. */
	const char *const *procs = cgroup_procs_files(cg);
	pid_t kid = fork();
	if (kid == 0) {
		for (size_t i = 0; procs[i]; i++)
			if (write_file(procs[i], "0", 0) < 0)
				_exit(2);
		for (;;)
			pause();
	}
	for (int i = 0; i < 200; i++) {
		pid_t *p;
		size_t n = cgroup_pids(cg, &p);
		free(p);
		if (n)
			break;
		usleep(5000);
	}
	cgroup_free(cg);

	struct netns *ns = netns_create(r, "run-cg", 1, &cause);
	ck_assert_msg(ns != NULL, "netns_create: %s", cause);
	_cleanup_free_ char *nsname = xstrdup(netns_name(ns));
	_cleanup_free_ char *hostif = xstrdup(netns_host_if(ns));
	_cleanup_free_ char *nspath = xstrdup(netns_path(ns));
	ck_assert(exists(nspath));
	ck_assert_uint_ne(if_nametoindex(hostif), 0);
	ck_assert_int_eq(strncmp(netns_addr(ns), "10.213.", 7), 0);
	free(ns); /* forget it without deleting: the reaper must find it */

	char **errs = NULL;
	size_t failed = resources_reap_all(r, &errs);
	ck_assert_msg(failed == 0, "%s", errs && errs[0] ? errs[0] : "?");
	int status;
	ck_assert_int_eq(waitpid(kid, &status, 0), kid);
	ck_assert(WIFSIGNALED(status));
	ck_assert_ptr_null(cgroup_open(rel));
	ck_assert(!exists(nspath));
	ck_assert_uint_eq(if_nametoindex(hostif), 0);
	resources_close(r, 1);
}
END_TEST

#endif

#ifndef ROOT_CASES
/* A run journal as a killed isolab leaves it: owner pid is dead. */
static void fake_run(const char *id, pid_t owner, const char *file)
{
	_cleanup_free_ char *d = xasprintf("%s/%s", rundir, id);
	ck_assert_int_eq(mkdir_p(d, 0700), 0);
	_cleanup_free_ char *o = xasprintf("%s/owner", d);
	_cleanup_free_ char *who = xasprintf("%d 12345\n", (int)owner);
	ck_assert_int_eq(write_file(o, who, 1), 0);
	_cleanup_free_ char *j = xasprintf("%s/resources", d);
	_cleanup_free_ char *line = xasprintf("file %s -\n", file);
	ck_assert_int_eq(write_file(j, line, 1), 0);
}

START_TEST(test_reap_dead_only)
{
	/* A pid that is certainly gone: a reaped child's. */
	pid_t dead = fork();
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	_cleanup_free_ char *f1 = xasprintf("%s/dead-file", scratch);
	_cleanup_free_ char *f2 = xasprintf("%s/live-file", scratch);
	ck_assert_int_eq(write_file(f1, "x", 1), 0);
	ck_assert_int_eq(write_file(f2, "x", 1), 0);
	fake_run("dead-run", dead, f1);
	/* A live owner: this test's parent (pid and its real start time). */
	char *cause = NULL;
	struct resources *live = resources_open("live-run", NULL, &cause);
	ck_assert_ptr_nonnull(live);
	ck_assert_int_eq(resources_add(live, "file", f2, NULL, &cause), 0);
	pid_t kid = fork();
	if (kid == 0) {
		/* In a child, so "live-run" belongs to a live process that is not us. */
		char **log = NULL;
		size_t nlog = 0;
		size_t failed = resources_reap_dead(NULL, 0, &log, &nlog);
		_exit(failed == 0 && nlog == 1 && strstr(log[0], "dead-run") && strstr(log[0], "reaped") ? 0 : 1);
	}
	int status;
	ck_assert_int_eq(waitpid(kid, &status, 0), kid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert(!exists(f1));
	ck_assert(exists(f2));
	_cleanup_free_ char *deaddir = xasprintf("%s/dead-run", rundir);
	ck_assert(!exists(deaddir));
	ck_assert(exists(resources_dir(live)));
	/* Our own run is never reaped from under us, even with all = 1. */
	char **log = NULL;
	size_t nlog = 0;
	ck_assert_uint_eq(resources_reap_dead(NULL, 1, &log, &nlog), 0);
	ck_assert_uint_eq(nlog, 0);
	free(log);
	ck_assert(exists(f2));
	/* --all from another process reaps a live owner's run. */
	kid = fork();
	if (kid == 0)
		_exit(resources_reap_dead(NULL, 1, NULL, NULL) == 0 ? 0 : 1);
	ck_assert_int_eq(waitpid(kid, &status, 0), kid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert(!exists(f2));
	resources_close(live, 0);
}
END_TEST

START_TEST(test_torn_journal)
{
	/* A half-written last line (killed mid-write) is ignored, not fatal. */
	pid_t dead = fork();
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	_cleanup_free_ char *f = xasprintf("%s/torn", scratch);
	ck_assert_int_eq(write_file(f, "x", 1), 0);
	fake_run("torn-run", dead, f);
	_cleanup_free_ char *j = xasprintf("%s/torn-run/resources", rundir);
	int fd = open(j, O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "cgroup isol", 11), 11);
	close(fd);
	char **log = NULL;
	size_t nlog = 0;
	ck_assert_uint_eq(resources_reap_dead(NULL, 0, &log, &nlog), 0);
	ck_assert_uint_eq(nlog, 1);
	free(log[0]);
	free(log);
	ck_assert(!exists(f));
}
END_TEST

/* disk_usage counts the blocks a tree holds: a written file, not the hole
 * of a sparse one, and a missing path is an error. */
START_TEST(test_disk_usage)
{
	_cleanup_free_ char *d = xasprintf("%s/du", scratch);
	_cleanup_free_ char *sub = xasprintf("%s/du/a/b", scratch);
	ck_assert_int_eq(mkdir_p(sub, 0755), 0);
	_cleanup_free_ char *full = xasprintf("%s/full", sub);
	const size_t written = 65536;
	fill_file(full, written);
	_cleanup_free_ char *sparse = xasprintf("%s/du/sparse", scratch);
	int fd = open(sparse, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 1L << 30), 0);
	close(fd);
	unsigned long long bytes = 1;
	ck_assert_int_eq(disk_usage(d, &bytes), 0);
	ck_assert_msg(bytes >= written && bytes < (4u << 20), "%llu bytes", bytes);
	unsigned long long one = 0;
	ck_assert_int_eq(disk_usage(full, &one), 0);
	ck_assert_msg(one >= written && one <= bytes, "%llu of %llu", one, bytes);
	ck_assert_int_eq(disk_usage(sparse, &one), 0);
	ck_assert_msg(one < (1u << 20), "a 1 GiB hole takes %llu bytes", one);
	_cleanup_free_ char *none = xasprintf("%s/none", scratch);
	errno = 0;
	ck_assert_int_eq(disk_usage(none, &bytes), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST
#endif

int main(void)
{
	Suite *s = suite_create("resources");
	TCase *tc = tcase_create("resources");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
#ifdef ROOT_CASES
	if (geteuid() != 0 || cgroup_mode() == CGROUP_NONE) {
		printf("SKIP: reaping a cgroup and a network namespace needs root and a cgroup file system "
		       "(euid %u, cgroups: %s)\n", (unsigned)geteuid(), cgroup_mode_name(cgroup_mode()));
		return 77;
	}
	tcase_add_test(tc, test_reap_cgroup_and_netns);
	tcase_add_test(tc, test_disk_usage_mount);
#else
	tcase_add_test(tc, test_open_layout);
	tcase_add_test(tc, test_escaping_and_done);
	tcase_add_test(tc, test_reap_all_kinds);
	tcase_add_test(tc, test_reap_dead_only);
	tcase_add_test(tc, test_torn_journal);
	tcase_add_test(tc, test_disk_usage);
#endif
	suite_add_tcase(s, tc);
	return unit_run_suite(s);
}

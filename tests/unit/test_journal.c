/* test_journal.c — the run directory, writing and reading the journal,
 * surviving a full disk, resolving runs.
 *
 * Built twice. test_journal_full (-DFULL_DISK_CASES) fills a 1 MiB tmpfs
 * mounted in a mount namespace of its own, which needs root or
 * unprivileged user namespaces: where neither is there it exits 77 saying
 * so (skipped, never passed); test_journal runs the rest. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal.h"
#include "unit.h"
#include "util.h"

static char *tmpdir;

static void setup(void)
{
	char tmpl[] = "/tmp/isolab-test-journal-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	tmpdir = xstrdup(tmpl);
}

static void teardown(void)
{
	rm_rf(tmpdir);
	free(tmpdir);
	tmpdir = NULL;
}

#ifndef FULL_DISK_CASES
static char *data_path(const char *rel)
{
	const char *top = getenv("top_srcdir");
	return xasprintf("%s/tests/data/journal/%s", top ? top : "../..", rel);
}
#endif

static json_t *rec(const char *type, int i)
{
	return json_pack("{s:s, s:i, s:{s:f}}", "type", type, "inst", i, "metrics", "rate", 100.0 + i);
}

#ifndef FULL_DISK_CASES
START_TEST(create_append_flush_read)
{
	char *cause = NULL;
	struct journal *j = journal_create(tmpdir, NULL, &cause);
	ck_assert_msg(j != NULL, "%s", cause);
	_cleanup_free_ char *id = xstrdup(journal_run_id(j));
	/* YYYYmmdd-HHMMSS-xxxx */
	ck_assert_uint_eq(strlen(id), 20);
	ck_assert(id[8] == '-' && id[15] == '-');
	_cleanup_free_ char *dir = xasprintf("%s/runs/%s", tmpdir, id);
	ck_assert_str_eq(journal_dir(j), dir);

	json_t *env = journal_env_record();
	json_object_set_new(env, "experiment", json_pack("{s:s}", "baseline", "native"));
	ck_assert_int_eq(journal_write_env(j, env, &cause), 0);
	json_decref(env);

	for (int i = 0; i < 5; i++) {
		json_t *r = rec("sample", i);
		/* A newline inside a string must not split the record. */
		json_object_set_new(r, "note", json_string("two\nlines"));
		ck_assert_int_eq(journal_append(j, r, &cause), 0);
		json_decref(r);
	}
	/* Nothing reaches the file before a flush. */
	_cleanup_free_ char *jpath = xasprintf("%s/journal.jsonl", dir);
	struct stat st;
	ck_assert_int_eq(stat(jpath, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	ck_assert_uint_gt(journal_pending(j), 0);
	ck_assert_int_eq(journal_flush(j, &cause), 0);
	ck_assert_uint_eq(journal_pending(j), 0);
	ck_assert_int_eq(stat(jpath, &st), 0);
	ck_assert_int_gt(st.st_size, 0);

	json_t *notobj = json_array();
	ck_assert_int_eq(journal_append(j, notobj, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	cause = NULL;
	json_decref(notobj);

	json_t *end = json_pack("{s:s}", "type", "run_end");
	ck_assert_int_eq(journal_append(j, end, &cause), 0);
	json_decref(end);
	ck_assert_int_eq(journal_sync(j, &cause), 0);
	ck_assert_int_eq(journal_close(j, &cause), 0);

	struct journal_read jr;
	ck_assert_int_eq(journal_read(dir, &jr, &cause), 0);
	ck_assert_uint_eq(jr.nrecords, 6);
	ck_assert_uint_eq(jr.bad_lines, 0);
	ck_assert_ptr_nonnull(jr.env);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(jr.env, "experiment"), "baseline")), "native");
	for (int i = 0; i < 5; i++) {
		json_t *r = jr.records[i];
		ck_assert_int_eq(json_integer_value(json_object_get(r, "inst")), i);
		ck_assert_str_eq(json_string_value(json_object_get(r, "note")), "two\nlines");
	}
	ck_assert_str_eq(json_string_value(json_object_get(jr.records[5], "type")), "run_end");
	journal_read_free(&jr);

	/* The run cannot be created twice under the same id. */
	ck_assert_ptr_null(journal_create(tmpdir, id, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "already exists"));
	free(cause);
}
END_TEST

START_TEST(env_record_fields)
{
	json_t *env = journal_env_record();
	ck_assert(json_is_object(env));
	ck_assert(json_is_string(json_object_get(json_object_get(env, "kernel"), "release")));
	ck_assert(json_is_string(json_object_get(env, "cpu_model")));
	ck_assert_int_gt(json_integer_value(json_object_get(env, "cpus")), 0);
	ck_assert_int_gt(json_integer_value(json_object_get(env, "mem_total_kb")), 0);
	ck_assert(json_is_string(json_object_get(env, "governor")));
	ck_assert(json_is_object(json_object_get(env, "mitigations")));
	const char *cg = json_string_value(json_object_get(env, "cgroup"));
	ck_assert_ptr_nonnull(cg);
	ck_assert(!strcmp(cg, "v2") || !strcmp(cg, "hybrid") || !strcmp(cg, "v1") || !strcmp(cg, "unknown"));
	ck_assert(json_is_string(json_object_get(env, "isolab_version")));
	ck_assert(json_is_string(json_object_get(env, "hostname")));
	const char *t = json_string_value(json_object_get(env, "start_time"));
	ck_assert_ptr_nonnull(t);
	/* 2026-11-22T17:15:00Z */
	ck_assert_uint_eq(strlen(t), 20);
	ck_assert(t[4] == '-' && t[10] == 'T' && t[19] == 'Z');
	json_decref(env);
}
END_TEST

START_TEST(read_cut_last_line)
{
	_cleanup_free_ char *dir = data_path("cut");
	struct journal_read jr;
	char *cause = NULL;
	ck_assert_msg(journal_read(dir, &jr, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(jr.nrecords, 2);
	ck_assert_uint_eq(jr.bad_lines, 1);
	ck_assert_ptr_null(jr.env);
	ck_assert_str_eq(json_string_value(json_object_get(jr.records[1], "type")), "sample");
	journal_read_free(&jr);
}
END_TEST

START_TEST(read_skips_garbage)
{
	_cleanup_free_ char *dir = data_path("garbage");
	struct journal_read jr;
	char *cause = NULL;
	ck_assert_msg(journal_read(dir, &jr, &cause) == 0, "%s", cause);
	/* text, an array, a number and an empty line are skipped */
	ck_assert_uint_eq(jr.nrecords, 3);
	ck_assert_uint_eq(jr.bad_lines, 4);
	ck_assert_str_eq(json_string_value(json_object_get(jr.records[0], "type")), "instance");
	ck_assert_str_eq(json_string_value(json_object_get(jr.records[1], "type")), "sample");
	ck_assert_str_eq(json_string_value(json_object_get(jr.records[2], "type")), "run_end");
	journal_read_free(&jr);
}
END_TEST

START_TEST(read_missing_journal_and_bad_env)
{
	struct journal_read jr;
	char *cause = NULL;
	ck_assert_int_eq(journal_read(tmpdir, &jr, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "journal.jsonl"));
	free(cause);
	cause = NULL;

	_cleanup_free_ char *jp = xasprintf("%s/journal.jsonl", tmpdir);
	_cleanup_free_ char *ep = xasprintf("%s/env.json", tmpdir);
	ck_assert_int_eq(write_file(jp, "{\"type\":\"run_end\"}\n", 1), 0);
	ck_assert_int_eq(write_file(ep, "{\"cut\":", 1), 0);
	ck_assert_int_eq(journal_read(tmpdir, &jr, &cause), 0);
	ck_assert_ptr_null(jr.env);
	ck_assert_int_eq(jr.env_bad, 1);
	ck_assert_uint_eq(jr.nrecords, 1);
	journal_read_free(&jr);
}
END_TEST

static void make_run(const char *id)
{
	char *cause = NULL;
	struct journal *j = journal_create(tmpdir, id, &cause);
	ck_assert_msg(j != NULL, "%s", cause);
	ck_assert_int_eq(journal_close(j, &cause), 0);
}

START_TEST(resolve_and_list)
{
	char *cause = NULL;
	/* No runs yet: a message that says what to do. */
	ck_assert_ptr_null(journal_resolve(tmpdir, NULL, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "no runs in"));
	ck_assert_ptr_nonnull(strstr(cause, "isolab run"));
	free(cause);
	cause = NULL;
	char **ids;
	ck_assert_uint_eq(journal_list_runs(tmpdir, &ids), 0);

	make_run("20260101-100000-aaaa");
	make_run("20260301-100000-cccc");
	make_run("20260201-100000-bbbb"); /* created last: latest */

	ck_assert_uint_eq(journal_list_runs(tmpdir, &ids), 3);
	ck_assert_str_eq(ids[0], "20260301-100000-cccc");
	ck_assert_str_eq(ids[1], "20260201-100000-bbbb");
	ck_assert_str_eq(ids[2], "20260101-100000-aaaa");
	for (int i = 0; i < 3; i++)
		free(ids[i]);
	free(ids);

	_cleanup_free_ char *runs = xasprintf("%s/runs", tmpdir);
	char *dir = journal_resolve(tmpdir, NULL, &cause);
	ck_assert_msg(dir != NULL, "%s", cause);
	_cleanup_free_ char *want = xasprintf("%s/20260201-100000-bbbb", runs);
	ck_assert_str_eq(dir, want);
	free(dir);
	dir = journal_resolve(tmpdir, "latest", &cause);
	ck_assert_str_eq(dir, want);
	free(dir);

	/* By id, and by path. */
	dir = journal_resolve(tmpdir, "20260101-100000-aaaa", &cause);
	_cleanup_free_ char *want_a = xasprintf("%s/20260101-100000-aaaa", runs);
	ck_assert_str_eq(dir, want_a);
	char *dir2 = journal_resolve("/nonexistent", dir, &cause);
	ck_assert_msg(dir2 != NULL, "%s", cause);
	ck_assert_str_eq(dir2, want_a);
	free(dir2);
	free(dir);

	ck_assert_ptr_null(journal_resolve(tmpdir, "19990101-000000-dead", &cause));
	ck_assert_ptr_nonnull(strstr(cause, "no run '19990101-000000-dead'"));
	free(cause);
	cause = NULL;

	/* Without the symlink, the newest by name. */
	_cleanup_free_ char *latest = xasprintf("%s/latest", runs);
	ck_assert_int_eq(unlink(latest), 0);
	dir = journal_resolve(tmpdir, NULL, &cause);
	_cleanup_free_ char *want_c = xasprintf("%s/20260301-100000-cccc", runs);
	ck_assert_str_eq(dir, want_c);
	free(dir);

	/* A dangling link falls back the same way. */
	ck_assert_int_eq(symlink("gone", latest), 0);
	dir = journal_resolve(tmpdir, "latest", &cause);
	ck_assert_str_eq(dir, want_c);
	free(dir);

	/* Ids that would escape runs/ are refused. */
	ck_assert_ptr_null(journal_create(tmpdir, "../x", &cause));
	free(cause);
	cause = NULL;
	ck_assert_ptr_null(journal_create(tmpdir, "latest", &cause));
	free(cause);
}
END_TEST

START_TEST(latest_follows_new_runs)
{
	char *cause = NULL;
	struct journal *a = journal_create(tmpdir, NULL, &cause);
	struct journal *b = journal_create(tmpdir, NULL, &cause);
	ck_assert(a && b);
	ck_assert_str_ne(journal_run_id(a), journal_run_id(b));
	char *dir = journal_resolve(tmpdir, NULL, &cause);
	ck_assert_str_eq(dir, journal_dir(b));
	free(dir);
	/* No temporary link left behind. */
	char **ids;
	size_t n = journal_list_runs(tmpdir, &ids);
	ck_assert_uint_eq(n, 2);
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	ck_assert_int_eq(journal_close(a, &cause), 0);
	ck_assert_int_eq(journal_close(b, &cause), 0);
}
END_TEST

#else
/* A full disk: a 1 MiB tmpfs in a private mount namespace (Check runs each
 * test in a forked child, so the namespace dies with it). Needs root or
 * unprivileged user namespaces; main() checks that first. */
static int enter_mount_ns(void)
{
	if (unshare(CLONE_NEWNS) == 0)
		return 0;
	uid_t uid = getuid();
	gid_t gid = getgid();
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return -1;
	char map[64];
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	write_file("/proc/self/setgroups", "deny", 0);
	if (write_file("/proc/self/uid_map", map, 0) < 0)
		return -1;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	return write_file("/proc/self/gid_map", map, 0);
}

/* In a child: 0 when a tmpfs can be mounted at dir in a mount namespace
 * of our own, else errno. */
static int can_mount_tmpfs(const char *dir)
{
	pid_t kid = fork();
	if (kid == 0)
		_exit(enter_mount_ns() < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
			    mount("tmpfs", dir, "tmpfs", 0, "size=1m") < 0
			? (errno ? errno : EPERM)
			: 0);
	int status = 0;
	if (kid < 0 || waitpid(kid, &status, 0) != kid)
		return errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
}

START_TEST(flush_failure_keeps_data)
{
	ck_assert_msg(enter_mount_ns() == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
		mount("tmpfs", tmpdir, "tmpfs", 0, "size=1m") == 0,
	    "cannot mount a tmpfs at %s: %s", tmpdir, strerror(errno));
	char *cause = NULL;
	struct journal *j = journal_create(tmpdir, "full", &cause);
	ck_assert_msg(j != NULL, "%s", cause);
	json_t *first = rec("sample", 0);
	ck_assert_int_eq(journal_append(j, first, &cause), 0);
	ck_assert_int_eq(journal_flush(j, &cause), 0);
	json_decref(first);
	struct journal *j2 = journal_create(tmpdir, "full2", &cause);
	ck_assert_msg(j2 != NULL, "%s", cause);

	/* Fill the filesystem. */
	_cleanup_free_ char *filler = xasprintf("%s/filler", tmpdir);
	int fd = open(filler, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	static char block[65536];
	memset(block, 'x', sizeof(block) - 1);
	while (write(fd, block, sizeof(block)) > 0)
		;
	while (write(fd, block, 1) > 0)
		;
	close(fd);

	/* Enough records to need new pages: the write fails part-way. */
	for (int i = 1; i <= 400; i++) {
		json_t *r = rec("sample", i);
		json_object_set_new(r, "pad", json_string("................................................"));
		ck_assert_int_eq(journal_append(j, r, &cause), 0);
		json_decref(r);
	}
	size_t before = journal_pending(j);
	ck_assert_int_eq(journal_flush(j, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, "journal.jsonl") != NULL, "cause does not name the file: %s", cause);
	ck_assert_msg(strstr(cause, "No space") != NULL, "cause: %s", cause);
	free(cause);
	cause = NULL;
	ck_assert_uint_gt(journal_pending(j), 0);
	ck_assert_uint_le(journal_pending(j), before);
	ck_assert_int_eq(journal_sync(j, NULL), -1);

	/* Closing a journal that cannot write says so. */
	json_t *r2 = rec("sample", 1);
	json_object_set_new(r2, "pad", json_string(block + sizeof(block) - 5000));
	ck_assert_int_eq(journal_append(j2, r2, &cause), 0);
	json_decref(r2);
	ck_assert_int_eq(journal_close(j2, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "full2/journal.jsonl"));
	free(cause);
	cause = NULL;

	/* What was written before stays readable meanwhile. */
	_cleanup_free_ char *dir = xasprintf("%s/runs/full", tmpdir);
	struct journal_read jr;
	ck_assert_int_eq(journal_read(dir, &jr, &cause), 0);
	ck_assert_uint_ge(jr.nrecords, 1);
	ck_assert_int_eq(json_integer_value(json_object_get(jr.records[0], "inst")), 0);
	journal_read_free(&jr);

	/* Space comes back: the retry completes everything, nothing twice. */
	ck_assert_int_eq(unlink(filler), 0);
	ck_assert_msg(journal_flush(j, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(journal_pending(j), 0);
	ck_assert_int_eq(journal_close(j, &cause), 0);

	ck_assert_int_eq(journal_read(dir, &jr, &cause), 0);
	ck_assert_uint_eq(jr.nrecords, 401);
	ck_assert_uint_eq(jr.bad_lines, 0);
	for (size_t i = 0; i < jr.nrecords; i++)
		ck_assert_int_eq(json_integer_value(json_object_get(jr.records[i], "inst")), (json_int_t)i);
	journal_read_free(&jr);
	umount2(tmpdir, MNT_DETACH);
}
END_TEST
#endif

static Suite *journal_suite(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
#ifdef FULL_DISK_CASES
	tcase_add_test(tc, flush_failure_keeps_data);
#else
	tcase_add_test(tc, create_append_flush_read);
	tcase_add_test(tc, env_record_fields);
	tcase_add_test(tc, read_cut_last_line);
	tcase_add_test(tc, read_skips_garbage);
	tcase_add_test(tc, read_missing_journal_and_bad_env);
	tcase_add_test(tc, resolve_and_list);
	tcase_add_test(tc, latest_follows_new_runs);
#endif
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
#ifdef FULL_DISK_CASES
	char probe[] = "/tmp/isolab-test-journal-XXXXXX";
	if (!mkdtemp(probe)) {
		printf("FAIL: mkdtemp %s: %s\n", probe, strerror(errno));
		return EXIT_FAILURE;
	}
	int e = can_mount_tmpfs(probe);
	rmdir(probe);
	if (e) {
		printf("SKIP: a full disk is played with a tmpfs mounted in a mount namespace of the test's own, "
		       "which needs root or unprivileged user namespaces: %s\n", strerror(e));
		return 77;
	}
#endif
	return unit_run_suite(journal_suite());
}

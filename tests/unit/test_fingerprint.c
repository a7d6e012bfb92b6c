/* test_fingerprint.c — the isolation fingerprint: reading a process's
 * namespaces, cgroup, seccomp, capabilities and uid map from a fake /proc
 * (built in a temp dir: ns links are symlinks, as in the real one) and the
 * real one, the kernel= value of a ready line, and the merged table. */
#include "fingerprint.h"
#include "journal.h"
#include "unit.h"
#include "util.h"

#include <check.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[256];

static void setup(void)
{
	snprintf(root, sizeof root, "/tmp/isolab-test-fp.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
}

static void teardown(void)
{
	rm_rf(root);
}

/* A fake /proc/<pid> with the given ns inode per name (0: missing). */
static void fake_pid(int pid, const unsigned *ino, const char *status, const char *cgroup, const char *uidmap)
{
	static const char *const names[] = { "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts" };
	_cleanup_free_ char *ns = xasprintf("%s/%d/ns", root, pid);
	ck_assert_int_eq(mkdir_p(ns, 0755), 0);
	for (size_t i = 0; i < 8; i++) {
		if (!ino[i])
			continue;
		_cleanup_free_ char *l = xasprintf("%s/%s", ns, names[i]);
		_cleanup_free_ char *t = xasprintf("%s:[%u]", names[i], ino[i]);
		ck_assert_int_eq(symlink(t, l), 0);
	}
	_cleanup_free_ char *s = xasprintf("%s/%d/status", root, pid);
	_cleanup_free_ char *c = xasprintf("%s/%d/cgroup", root, pid);
	_cleanup_free_ char *u = xasprintf("%s/%d/uid_map", root, pid);
	ck_assert_int_eq(write_file(s, status, 1), 0);
	ck_assert_int_eq(write_file(c, cgroup, 1), 0);
	ck_assert_int_eq(write_file(u, uidmap, 1), 0);
}

static const char *host_status = "Name:\tinit\nCapEff:\t000001ffffffffff\nNoNewPrivs:\t0\nSeccomp:\t0\n";

START_TEST(test_container_differs)
{
	const unsigned host[8] = { 10, 11, 12, 13, 14, 15, 16, 17 };
	/* A runc-like container: new cgroup ipc mnt net pid uts, same time and user. */
	const unsigned ctr[8] = { 20, 21, 22, 23, 24, 15, 16, 27 };
	fake_pid(1, host, host_status, "0::/init.scope\n", "         0          0 4294967295\n");
	fake_pid(42, ctr,
	    "Name:\tisolab-probe\nCapEff:\t00000000a80425fb\nNoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t1\n",
	    "12:pids:/isolab/r/3\n11:cpu,cpuacct:/isolab/r/3\n1:name=systemd:/isolab/r/3\n0::/\n",
	    "         0          0 4294967295\n");
	json_t *o = fingerprint_of_pid(root, 42, 1);
	ck_assert_ptr_nonnull(o);
	json_t *d = json_object_get(o, "ns_differs");
	ck_assert_uint_eq(json_array_size(d), 6);
	const char *want[] = { "cgroup", "ipc", "mnt", "net", "pid", "uts" };
	for (size_t i = 0; i < 6; i++)
		ck_assert_str_eq(json_string_value(json_array_get(d, i)), want[i]);
	ck_assert_str_eq(json_string_value(json_object_get(o, "cgroup")), "/isolab/r/3");
	ck_assert_str_eq(json_string_value(json_object_get(o, "seccomp")), "filter");
	ck_assert_str_eq(json_string_value(json_object_get(o, "cap_eff")), "00000000a80425fb");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "no_new_privs")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(o, "uid_map")), "0 0 4294967295");
	ck_assert_str_eq(json_string_value(json_object_get(o, "ns_ref")), "pid 1");
	json_decref(o);
}
END_TEST

START_TEST(test_native_and_missing)
{
	const unsigned host[8] = { 10, 11, 12, 13, 14, 0, 16, 17 }; /* a kernel without time ns */
	fake_pid(1, host, host_status, "0::/init.scope\n", "0 0 4294967295\n");
	fake_pid(7, host, "Seccomp:\t1\nNoNewPrivs:\t0\n", "0::/user.slice\n",
	    "0 100000 65536\n1 200000 10\n");
	json_t *o = fingerprint_of_pid(root, 7, 1);
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(json_array_size(json_object_get(o, "ns_differs")), 0);
	/* Pure v2: the "0::" line. */
	ck_assert_str_eq(json_string_value(json_object_get(o, "cgroup")), "/user.slice");
	ck_assert_str_eq(json_string_value(json_object_get(o, "seccomp")), "strict");
	ck_assert(json_is_null(json_object_get(o, "cap_eff")));
	ck_assert_str_eq(json_string_value(json_object_get(o, "uid_map")), "0 100000 65536, 1 200000 10");
	json_decref(o);
	/* A pid that is gone (or a zombie: no ns links) gives nothing. */
	ck_assert_ptr_null(fingerprint_of_pid(root, 99, 1));
}
END_TEST

START_TEST(test_real_self_and_child)
{
	json_t *o = fingerprint_of_pid("/proc", getpid(), getpid());
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(json_array_size(json_object_get(o, "ns_differs")), 0);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(o, "cap_eff")));
	json_decref(o);
	/* A child in a uts namespace of its own, where the kernel allows it. */
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char c = unshare(CLONE_NEWUTS) == 0 ? 'y' : 'n';
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	char c = 0;
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	o = fingerprint_of_pid("/proc", pid, getpid());
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ck_assert_ptr_nonnull(o);
	json_t *d = json_object_get(o, "ns_differs");
	if (c == 'y') {
		ck_assert_uint_eq(json_array_size(d), 1);
		ck_assert_str_eq(json_string_value(json_array_get(d, 0)), "uts");
	}
	json_decref(o);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(test_kernel)
{
	char *k = fingerprint_kernel("probe=start kind=ready pid=1 mono_ns=5 real_ns=6 uptime_s=1.00 kernel=4.4.0");
	ck_assert_str_eq(k, "4.4.0");
	free(k);
	k = fingerprint_kernel("probe=cpu kind=ready kernel=6.1.0-18-amd64 pid=2");
	ck_assert_str_eq(k, "6.1.0-18-amd64");
	free(k);
	ck_assert_ptr_null(fingerprint_kernel("probe=cpu kind=ready pid=2 oldkernel=1"));
	ck_assert_ptr_null(fingerprint_kernel("probe=cpu kind=ready pid=2"));
	ck_assert_ptr_null(fingerprint_kernel(NULL));
}
END_TEST

START_TEST(test_table_merges)
{
	struct journal_read jr = { 0 };
	json_t *recs[4];
	recs[0] = json_pack("{s:s, s:i, s:s}", "type", "instance", "id", 1, "runtime", "docker");
	recs[1] = json_pack("{s:s, s:i, s:s, s:s, s:s, s:n, s:n}", "type", "fingerprint", "inst", 1, "runtime",
	    "docker", "workload", "cpu", "kernel", "6.1.0", "seccomp", "ns_differs");
	recs[2] = json_pack("{s:s, s:i, s:s, s:s, s:n, s:s, s:[s,s]}", "type", "fingerprint", "inst", 1, "runtime",
	    "docker", "workload", "cpu", "kernel", "seccomp", "filter", "ns_differs", "pid", "net");
	recs[3] = json_pack("{s:s, s:i, s:s, s:s, s:s, s:[]}", "type", "fingerprint", "inst", 2, "runtime",
	    "native", "workload", "cpu", "kernel", "6.1.0", "ns_differs");
	jr.records = recs;
	jr.nrecords = 4;
	size_t n = 0;
	char **lines = fingerprint_table(&jr, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_nonnull(strstr(lines[0], "NAMESPACES"));
	/* The later record's fields win, its null kernel does not erase 6.1.0. */
	ck_assert_ptr_nonnull(strstr(lines[1], "docker"));
	ck_assert_ptr_nonnull(strstr(lines[1], "6.1.0"));
	ck_assert_ptr_nonnull(strstr(lines[1], "filter"));
	ck_assert_ptr_nonnull(strstr(lines[1], "pid,net"));
	ck_assert_ptr_nonnull(strstr(lines[2], "none"));
	ck_assert_ptr_null(lines[3]);
	for (size_t i = 0; lines[i]; i++)
		free(lines[i]);
	free(lines);
	for (size_t i = 0; i < 4; i++)
		json_decref(recs[i]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fingerprint");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_container_differs);
	tcase_add_test(tc, test_native_and_missing);
	tcase_add_test(tc, test_real_self_and_child);
	tcase_add_test(tc, test_kernel);
	tcase_add_test(tc, test_table_merges);
	suite_add_tcase(s, tc);
	return unit_run_suite(s);
}

/* test_apps.c — the application workloads (workloads/nginx.conf,
 * mariadb.conf, redis.conf, postgresql.conf) over captured real output.
 *
 * tests/data/outputs/ holds real runs on 127.0.0.1: each server's log from
 * its start (the readiness line must be found there, and only there), and
 * each load generator the way the workload runs it: wrk and
 * redis-benchmark as three successive one-second slices (companion_repeat),
 * sysbench oltp_read_write --report-interval=1 and pgbench -P 1 for 3 s.
 * The expected numbers are copied from those files. The workloads'
 * schema additions (files, setup, companion_repeat) are checked too. */
#include "config.h"
#include "metrics.h"
#include "unit.h"
#include "util.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[64];

static void setup_config(void)
{
	const char *top = getenv("top_srcdir");
	strcpy(tmpdir, "/tmp/test_apps.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	/* The defaults come from the source tree; no user file may interfere. */
	setenv("ISOLAB_DATADIR", top ? top : ".", 1);
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	setenv("XDG_STATE_HOME", tmpdir, 1);
}

static void teardown_config(void)
{
	rm_rf(tmpdir);
}

/* What a workload's patterns make of one file: per metric index, every
 * value in order; the 1-based line that made it ready (0: none). */
struct run {
	struct config cfg;
	const struct workload *wl;
	struct metrics *m;
	double **vals;
	size_t *count;
	int ready_line;
	size_t lines;
};

static void run_line(const char *line, size_t len, void *arg)
{
	struct run *r = arg;
	struct metric_value v[64];
	size_t n = metrics_feed(r->m, line, len, v, ARRAY_SIZE(v));

	r->lines++;
	if (!r->ready_line && r->wl->ready && metrics_ready(r->m, line, len))
		r->ready_line = (int)r->lines;
	for (size_t i = 0; i < n; i++) {
		size_t k = v[i].index;
		r->vals[k] = xreallocarray(r->vals[k], r->count[k] + 1, sizeof **r->vals);
		r->vals[k][r->count[k]++] = v[i].value;
	}
}

static void run_file(struct run *r, const char *workload, const char *file)
{
	char *cause = NULL;
	memset(r, 0, sizeof *r);
	ck_assert_msg(config_load(&r->cfg, NULL, 0, &cause) == 0, "config_load: %s", cause);
	r->wl = config_workload(&r->cfg, workload);
	ck_assert_msg(r->wl != NULL, "no workload %s", workload);
	r->m = metrics_new(r->wl, &cause);
	ck_assert_msg(r->m != NULL, "%s: %s", workload, cause);
	r->vals = xcalloc(r->wl->nmetrics, sizeof *r->vals);
	r->count = xcalloc(r->wl->nmetrics, sizeof *r->count);

	const char *top = getenv("top_srcdir");
	_cleanup_free_ char *path = xasprintf("%s/tests/data/outputs/%s", top ? top : ".", file);
	size_t len;
	_cleanup_free_ char *text = read_file(path, &len);
	ck_assert_msg(text != NULL, "cannot read %s", path);
	struct linebuf lb;
	linebuf_init(&lb);
	linebuf_feed(&lb, text, len, run_line, r);
	linebuf_flush(&lb, run_line, r);
	linebuf_free(&lb);
	ck_assert_uint_eq(metrics_errors(r->m), 0);
}

static void run_free(struct run *r)
{
	for (size_t i = 0; r->vals && i < r->wl->nmetrics; i++)
		free(r->vals[i]);
	free(r->vals);
	free(r->count);
	metrics_free(r->m);
	config_free(&r->cfg);
}

static size_t metric_index(const struct run *r, const char *name, int summary)
{
	for (size_t i = 0; i < r->wl->nmetrics; i++)
		if (!strcmp(r->wl->metrics[i].name, name) && r->wl->metrics[i].summary == summary)
			return i;
	ck_abort_msg("%s: no %s metric %s", r->wl->name, summary ? "summary" : "interval", name);
	return 0;
}

/* The nth value (0-based) that metric name took. */
static void expect(const struct run *r, const char *name, int summary, size_t nth, double want)
{
	size_t i = metric_index(r, name, summary);
	ck_assert_msg(r->count[i] > nth, "%s: %s%s matched %zu lines, wanted value %zu", r->wl->name, name,
	    summary ? " (summary)" : "", r->count[i], nth);
	double got = r->vals[i][nth];
	ck_assert_msg(fabs(got - want) <= 1e-9 * fabs(want) + 1e-12, "%s: %s%s[%zu] = %.17g, expected %.17g",
	    r->wl->name, name, summary ? " (summary)" : "", nth, got, want);
}

/* Every interval metric matched `intervals` lines, every summary one `summaries`. */
static void expect_all_matched(const struct run *r, size_t intervals, size_t summaries)
{
	for (size_t i = 0; i < r->wl->nmetrics; i++) {
		const struct metric_def *d = &r->wl->metrics[i];
		size_t want = d->summary ? summaries : intervals;
		ck_assert_msg(r->count[i] == want, "%s: %s%s matched %zu lines, expected %zu", r->wl->name,
		    d->name, d->summary ? " (summary)" : "", r->count[i], want);
	}
}

/* The server's own log: ready at exactly one line, and no metric there
 * (the metrics are the companion's). */
static void expect_server(const char *workload, const char *file, int ready_line)
{
	struct run r;
	run_file(&r, workload, file);
	ck_assert_msg(r.wl->companion_metrics, "%s: metrics should come from the companion", workload);
	ck_assert_int_eq(r.ready_line, ready_line);
	run_free(&r);
}

START_TEST(test_nginx_wrk)
{
	struct run r;
	run_file(&r, "nginx", "wrk-slices.txt");
	/* wrk's own report lines (Requests/sec, Latency ...) match nothing:
	 * only the done() hook's line of each slice does. */
	expect_all_matched(&r, 3, 0);
	expect(&r, "rate", 0, 0, 30819.92);
	expect(&r, "p50", 0, 0, 200e3);
	expect(&r, "p95", 0, 0, 21239e3);
	expect(&r, "p99", 0, 0, 55636e3);
	expect(&r, "max", 0, 0, 72590e3);
	expect(&r, "errors", 0, 0, 0);
	expect(&r, "rate", 0, 2, 22271.55);
	expect(&r, "p99", 0, 2, 51438e3);
	ck_assert(r.wl->companion_repeat);
	run_free(&r);
	expect_server("nginx", "nginx-server.txt", 6);
}
END_TEST

START_TEST(test_mariadb_sysbench)
{
	struct run r;
	run_file(&r, "mariadb", "sysbench-oltp.txt");
	expect_all_matched(&r, 3, 1);
	expect(&r, "rate", 0, 0, 542.25);
	expect(&r, "qps", 0, 0, 10905.92);
	expect(&r, "p95", 0, 0, 17.95e6);
	expect(&r, "errors", 0, 0, 0);
	expect(&r, "rate", 0, 2, 551.07);
	expect(&r, "rate", 1, 0, 587.83);
	expect(&r, "qps", 1, 0, 11756.57);
	expect(&r, "p95", 1, 0, 18.28e6);
	expect(&r, "avg", 1, 0, 6.79e6);
	expect(&r, "max", 1, 0, 59.70e6);
	ck_assert(!r.wl->companion_repeat);
	run_free(&r);
	expect_server("mariadb", "mariadb-server.txt", 19);
}
END_TEST

START_TEST(test_redis_benchmark)
{
	struct run r;
	run_file(&r, "redis", "redis-benchmark-slices.txt");
	/* The CSV header of each slice matches nothing. */
	expect_all_matched(&r, 3, 0);
	expect(&r, "rate", 0, 0, 22446.69);
	expect(&r, "avg", 0, 0, 0.536e6);
	expect(&r, "p50", 0, 0, 0.199e6);
	expect(&r, "p95", 0, 0, 2.271e6);
	expect(&r, "p99", 0, 0, 8.015e6);
	expect(&r, "max", 0, 0, 26.847e6);
	expect(&r, "rate", 0, 2, 28469.75);
	expect(&r, "p99", 0, 2, 3.919e6);
	ck_assert(r.wl->companion_repeat);
	run_free(&r);
	expect_server("redis", "redis-server.txt", 8);
}
END_TEST

START_TEST(test_postgresql_pgbench)
{
	struct run r;
	run_file(&r, "postgresql", "pgbench.txt");
	expect_all_matched(&r, 3, 1);
	expect(&r, "rate", 0, 0, 863.9);
	expect(&r, "avg", 0, 0, 4.454e6);
	expect(&r, "stddev", 0, 0, 3.950e6);
	expect(&r, "rate", 0, 2, 473.0);
	expect(&r, "rate", 1, 0, 678.163404);
	expect(&r, "avg", 1, 0, 5.858e6);
	expect(&r, "stddev", 1, 0, 6.588e6);
	run_free(&r);
	expect_server("postgresql", "postgresql-server.txt", 4);
}
END_TEST

/* Each server's readiness pattern matches no line of another server's log,
 * so a stale line can never make the wrong instance ready. */
START_TEST(test_ready_patterns_distinct)
{
	static const char *const wl[] = { "nginx", "mariadb", "redis", "postgresql" };
	static const char *const logs[] = { "nginx-server.txt", "mariadb-server.txt", "redis-server.txt",
		"postgresql-server.txt" };
	for (size_t i = 0; i < ARRAY_SIZE(wl); i++)
		for (size_t j = 0; j < ARRAY_SIZE(logs); j++) {
			if (i == j)
				continue;
			struct run r;
			run_file(&r, wl[i], logs[j]);
			ck_assert_msg(r.ready_line == 0, "%s became ready on line %d of %s", wl[i], r.ready_line,
			    logs[j]);
			run_free(&r);
		}
}
END_TEST

/* The generated files and the phases around the server, as loaded. */
START_TEST(test_schema)
{
	struct config cfg;
	char *cause = NULL;
	ck_assert_msg(config_load(&cfg, NULL, 0, &cause) == 0, "config_load: %s", cause);
	const struct workload *ng = config_workload(&cfg, "nginx");
	ck_assert_ptr_nonnull(ng);
	ck_assert_uint_eq(ng->nfiles, 3);
	ck_assert_str_eq(ng->files[0].key, "nginx.conf");
	ck_assert_ptr_nonnull(strstr(ng->files[0].value, "listen ${addr}:${port};"));
	ck_assert_str_eq(ng->files[2].key, "wrk.lua");
	const struct workload *my = config_workload(&cfg, "mariadb");
	ck_assert_ptr_nonnull(my->setup);
	ck_assert_str_eq(my->setup[0], "sysbench");
	ck_assert_str_eq(my->setup[9], "prepare");
	ck_assert_ptr_nonnull(my->prepare);
	ck_assert_ptr_nonnull(my->cleanup);
	const struct workload *pg = config_workload(&cfg, "postgresql");
	ck_assert_uint_eq(pg->nfiles, 1);
	ck_assert_str_eq(pg->files[0].key, "pg_hba.conf");
	ck_assert_str_eq(pg->setup[1], "-i");
	const struct workload *rd = config_workload(&cfg, "redis");
	ck_assert_uint_eq(rd->nfiles, 0);
	ck_assert_ptr_nonnull(rd->setup);
	/* An empty argument survives (redis-server --save ""). */
	int empty = 0;
	for (char **a = rd->argv; *a; a++)
		empty += !**a;
	ck_assert_int_ge(empty, 1);
	config_free(&cfg);
}
END_TEST

static char *write_tmp(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	ck_assert_int_eq(write_file(path, text, 1), 0);
	return path;
}

/* What the schema refuses in the new keys, each with its file:line. */
START_TEST(test_schema_errors)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "workloads = { w = { argv = [ \"x\" ]; files = ( { name = \"../x\"; content = \"\"; } ); }; };",
		  "workloads.w.files[0].name: expected a plain file name, got \"../x\"" },
		{ "workloads = { w = { argv = [ \"x\" ]; files = ( { name = \"a\"; content = \"${nope}\"; } ); }; };",
		  "workloads.w.files[0].content: expected a declared parameter or a built-in" },
		{ "workloads = { w = { argv = [ \"x\" ]; files = ( { name = \"a\"; } ); }; };",
		  "workloads.w.files[0].content: expected a string, got nothing" },
		{ "workloads = { w = { argv = [ \"x\" ]; files = { a = 1; }; }; };",
		  "workloads.w.files: expected a list of groups" },
		{ "workloads = { w = { argv = [ \"x\" ]; companion_repeat = true; }; };",
		  "workloads.w.companion_repeat: expected a companion to repeat, got none" },
		{ "workloads = { w = { argv = [ \"x\" ]; setup = [ \"${what}\" ]; }; };",
		  "workloads.w.setup[0]: expected a declared parameter or a built-in" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *path = write_tmp("bad.conf", cases[i].text);
		char **errs = NULL;
		size_t n = config_check_file(path, &errs);
		ck_assert_msg(n >= 1, "case %zu: no error for %s", i, cases[i].text);
		int found = 0;
		for (size_t k = 0; k < n; k++) {
			found |= strstr(errs[k], cases[i].want) != NULL && strstr(errs[k], "bad.conf:1: ") != NULL;
			free(errs[k]);
		}
		free(errs);
		ck_assert_msg(found, "case %zu: no error '%s'", i, cases[i].want);
	}
	_cleanup_free_ char *good = write_tmp("good.conf",
	    "workloads = { w = { argv = [ \"x\" ]; companion = [ \"y\" ]; companion_repeat = true;\n"
	    "  setup = [ \"z\", \"${port}\" ]; files = ( { name = \"a.conf\"; content = \"p ${port}\\n\"; } ); }; };\n");
	char **errs = NULL;
	ck_assert_uint_eq(config_check_file(good, &errs), 0);
}
END_TEST

static Suite *apps_suite(void)
{
	Suite *s = suite_create("apps");
	TCase *tc = tcase_create("apps");
	tcase_add_checked_fixture(tc, setup_config, teardown_config);
	tcase_add_test(tc, test_nginx_wrk);
	tcase_add_test(tc, test_mariadb_sysbench);
	tcase_add_test(tc, test_redis_benchmark);
	tcase_add_test(tc, test_postgresql_pgbench);
	tcase_add_test(tc, test_ready_patterns_distinct);
	tcase_add_test(tc, test_schema);
	tcase_add_test(tc, test_schema_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(apps_suite());
}

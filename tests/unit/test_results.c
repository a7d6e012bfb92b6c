/* test_results.c — the report built from a hand-made journal
 * (tests/data/journal/report): 2 runtimes × 3 measured repetitions, one
 * warm-up each, two failed runc repetitions; "rate" (events/s, higher is
 * better) comes from per-second samples, "lat" (ns, lower is better) from
 * the end records. Expected values, per repetition:
 *   native rate 1000 1100 1200 (mean 1100, sd 100)   lat 100 102 104
 *   runc   rate  900  950 1000 (mean  950, sd  50)   lat 150 152 154
 * The samples' processes (the probe's RSS growing 100 kB a second, a runc
 * runtime process at 2% CPU and 6000 kB) and runc's create_ms of 2.25 ms
 * feed the per-instance records behind the charts (test_charts.c).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal-fixture.h"
#include "journal.h"
#include "report.h"
#include "unit.h"
#include "util.h"

static struct journal_read jr;
static char *tmpdir;

static void setup(void)
{
	journal_fixture_open("report", "results", &jr, NULL, &tmpdir);
}

static void teardown(void)
{
	journal_fixture_close(&jr, NULL, &tmpdir);
}

static const struct report_row *find_row(const struct report *r, const char *runtime, const char *metric)
{
	for (size_t i = 0; i < r->nrows; i++)
		if (!strcmp(r->rows[i].runtime, runtime) && !strcmp(r->rows[i].metric, metric))
			return &r->rows[i];
	return NULL;
}

START_TEST(build_values_and_stats)
{
	struct report r;
	char *cause = NULL;
	ck_assert_int_eq(report_build(&jr, NULL, &r, &cause), 0);
	ck_assert_str_eq(r.run_id, "20261122-171500-ab12");
	ck_assert_str_eq(r.baseline, "native");
	ck_assert_int_eq(r.partial, 0);
	ck_assert_uint_eq(r.bad_lines, 0);
	ck_assert_uint_eq(r.nrows, 4);
	ck_assert_uint_eq(r.failed_instances, 2);
	ck_assert_uint_eq(r.incomplete_instances, 0);

	/* Grouped by metric in definition order, the baseline first. */
	ck_assert_str_eq(r.rows[0].runtime, "native");
	ck_assert_str_eq(r.rows[0].metric, "rate");
	ck_assert_str_eq(r.rows[1].runtime, "runc");
	ck_assert_str_eq(r.rows[1].metric, "rate");
	ck_assert_str_eq(r.rows[2].runtime, "native");
	ck_assert_str_eq(r.rows[2].metric, "lat");

	/* rate: means of the samples; warm-ups (5000) left out. */
	const struct report_row *nr = find_row(&r, "native", "rate");
	ck_assert_ptr_nonnull(nr);
	ck_assert_str_eq(nr->unit, "events/s");
	ck_assert_str_eq(nr->workload, "cpu");
	ck_assert_str_eq(nr->host, "local");
	ck_assert_int_eq(nr->higher_is_better, 1);
	ck_assert_uint_eq(nr->st.n, 3);
	ck_assert_double_eq_tol(nr->values[0], 1000, 1e-9);
	ck_assert_double_eq_tol(nr->values[1], 1100, 1e-9);
	ck_assert_double_eq_tol(nr->values[2], 1200, 1e-9);
	ck_assert_double_eq_tol(nr->st.mean, 1100, 1e-9);
	ck_assert_double_eq_tol(nr->st.stddev, 100, 1e-9);
	ck_assert_double_eq_tol(nr->st.ci95, 4.302653 * 100 / sqrt(3), 1e-3);
	ck_assert_int_eq(nr->has_baseline, 0);
	ck_assert_uint_eq(nr->failed, 0);

	/* runc rate: lower throughput is worse: positive overhead,
	 * (1100 - 950) / 1100 = 13.64 %; too noisy to be significant. */
	const struct report_row *rr = find_row(&r, "runc", "rate");
	ck_assert_ptr_nonnull(rr);
	ck_assert_uint_eq(rr->st.n, 3);
	ck_assert_double_eq_tol(rr->st.mean, 950, 1e-9);
	ck_assert_double_eq_tol(rr->st.stddev, 50, 1e-9);
	ck_assert_int_eq(rr->has_baseline, 1);
	ck_assert_double_eq_tol(rr->overhead_pct, 150.0 / 1100 * 100, 1e-9);
	ck_assert(rr->p_value > 0.05 && rr->p_value < 0.2);
	ck_assert_int_eq(rr->significant, 0);
	/* one failed, one timed out; neither averaged in (rate 1, 2.5) */
	ck_assert_uint_eq(rr->failed, 2);
	ck_assert_double_eq_tol(rr->st.min, 900, 1e-9);

	/* lat: the end record's value wins over the samples' decoy 999. */
	const struct report_row *nl = find_row(&r, "native", "lat");
	const struct report_row *rl = find_row(&r, "runc", "lat");
	ck_assert(nl && rl);
	ck_assert_str_eq(nl->unit, "ns");
	ck_assert_int_eq(nl->higher_is_better, 0);
	ck_assert_double_eq_tol(nl->st.mean, 102, 1e-9);
	ck_assert_double_eq_tol(rl->st.mean, 152, 1e-9);
	ck_assert_double_eq_tol(rl->st.max, 154, 1e-9);
	/* higher latency is worse: positive overhead, 50 / 102 */
	ck_assert_double_eq_tol(rl->overhead_pct, 50.0 / 102 * 100, 1e-9);
	/* t = 50 / sqrt(4/3 + 4/3) = 30.6, df = 4: p ~ 6.8e-6 */
	ck_assert(rl->p_value < 1e-4);
	ck_assert_int_eq(rl->significant, 1);
	report_free(&r);
}
END_TEST

START_TEST(baseline_override)
{
	struct report r;
	ck_assert_int_eq(report_build(&jr, "runc", &r, NULL), 0);
	ck_assert_str_eq(r.baseline, "runc");
	ck_assert_str_eq(r.rows[0].runtime, "runc");
	const struct report_row *nr = find_row(&r, "native", "rate");
	const struct report_row *nl = find_row(&r, "native", "lat");
	/* native is faster than runc: negative overhead in both directions */
	ck_assert_double_eq_tol(nr->overhead_pct, (950.0 - 1100) / 950 * 100, 1e-9);
	ck_assert_double_eq_tol(nl->overhead_pct, (102.0 - 152) / 152 * 100, 1e-9);
	ck_assert_int_eq(find_row(&r, "runc", "rate")->has_baseline, 0);
	report_free(&r);

	/* A baseline with no results: no comparison at all. */
	ck_assert_int_eq(report_build(&jr, "gvisor", &r, NULL), 0);
	for (size_t i = 0; i < r.nrows; i++)
		ck_assert_int_eq(r.rows[i].has_baseline, 0);
	report_free(&r);
}
END_TEST

START_TEST(baseline_default_without_env)
{
	json_t *env = jr.env;
	jr.env = NULL;
	struct report r;
	ck_assert_int_eq(report_build(&jr, NULL, &r, NULL), 0);
	ck_assert_str_eq(r.baseline, "native");
	/* No run id recorded: the directory's name. */
	ck_assert_str_eq(r.run_id, "report");
	report_free(&r);

	json_object_set_new(json_object_get(env, "experiment"), "baseline", json_string("runc"));
	jr.env = env;
	ck_assert_int_eq(report_build(&jr, NULL, &r, NULL), 0);
	ck_assert_str_eq(r.baseline, "runc");
	report_free(&r);
}
END_TEST

START_TEST(partial_run)
{
	/* Cut the journal before the second measured native repetition ends
	 * and drop run_end: partial, one repetition incomplete. */
	size_t keep = 0, ends = 0;
	for (; keep < jr.nrecords; keep++) {
		const char *type = json_string_value(json_object_get(jr.records[keep], "type"));
		if (!strcmp(type, "end") && ++ends == 3)
			break;
	}
	size_t saved = jr.nrecords;
	jr.nrecords = keep;
	struct report r;
	ck_assert_int_eq(report_build(&jr, NULL, &r, NULL), 0);
	jr.nrecords = saved;
	ck_assert_int_eq(r.partial, 1);
	ck_assert_uint_eq(r.incomplete_instances, 1);
	const struct report_row *nr = find_row(&r, "native", "rate");
	ck_assert_uint_eq(nr->st.n, 1);
	ck_assert_uint_eq(nr->incomplete, 1);
	ck_assert_double_eq_tol(nr->st.mean, 1000, 1e-9);
	ck_assert_ptr_null(find_row(&r, "runc", "rate"));

	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	report_print(&r, fp);
	fclose(fp);
	ck_assert_ptr_nonnull(strstr(text, "partial run: the journal ends without run_end"));
	ck_assert_ptr_nonnull(strstr(text, "1 repetition did not finish"));
	free(text);
	report_free(&r);
}
END_TEST

START_TEST(cancelled_run)
{
	/* The engine's run_end says whether the person cancelled the run. */
	json_t *last = jr.records[jr.nrecords - 1];
	ck_assert_str_eq(json_string_value(json_object_get(last, "type")), "run_end");
	json_object_set_new(last, "cancelled", json_true());
	struct report r;
	ck_assert_int_eq(report_build(&jr, NULL, &r, NULL), 0);
	ck_assert_int_eq(r.partial, 1);
	ck_assert_int_eq(r.cancelled, 1);
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	report_print(&r, fp);
	fclose(fp);
	ck_assert_ptr_nonnull(strstr(text, "partial run: it was cancelled"));
	free(text);
	report_free(&r);

	json_object_set_new(last, "cancelled", json_false());
	ck_assert_int_eq(report_build(&jr, NULL, &r, NULL), 0);
	ck_assert_int_eq(r.partial, 0);
	ck_assert_int_eq(r.cancelled, 0);
	report_free(&r);
}
END_TEST

START_TEST(print_table)
{
	struct report r;
	ck_assert_int_eq(report_build(&jr, NULL, &r, NULL), 0);
	r.bad_lines = 2;
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	report_print(&r, fp);
	fclose(fp);
	ck_assert_msg(!strncmp(text, "run 20261122-171500-ab12 (baseline native)\n", 43), "%s", text);

	/* Header and rows share column positions. */
	char *lines[8] = { 0 };
	size_t n = 0;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && n < 8; l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	ck_assert_uint_ge(n, 6);
	ck_assert_ptr_nonnull(strstr(lines[1], "runtime"));
	ck_assert_ptr_nonnull(strstr(lines[1], "overhead"));
	ck_assert_ptr_nonnull(strstr(lines[1], "failed"));
	size_t col = (size_t)(strstr(lines[1], "workload") - lines[1]);
	for (int i = 2; i <= 5; i++) {
		ck_assert_msg(!strncmp(lines[i] + col, "cpu ", 4), "misaligned: '%s'", lines[i]);
		ck_assert_msg(lines[i][strlen(lines[i]) - 1] != ' ', "trailing blank: '%s'", lines[i]);
	}
	ck_assert_ptr_nonnull(strstr(lines[2], "1100.00"));
	ck_assert_ptr_nonnull(strstr(lines[3], "+13.6%"));
	ck_assert_ptr_nonnull(strstr(lines[5], "+49.0%"));
	ck_assert_msg(strstr(lines[5], "*") != NULL, "lat difference not marked significant: %s", lines[5]);
	ck_assert_ptr_null(strstr(lines[3], "*"));
	for (size_t i = 0; i < n; i++)
		ck_assert_ptr_null(strstr(lines[i], "partial"));
	free(text);

	text = NULL;
	fp = open_memstream(&text, &len);
	report_print(&r, fp);
	fclose(fp);
	ck_assert_ptr_nonnull(strstr(text, "2 journal lines could not be read"));
	ck_assert_ptr_nonnull(strstr(text, "2 repetitions failed or timed out"));
	free(text);
	report_free(&r);
}
END_TEST

START_TEST(export_json)
{
	struct report r;
	char *cause = NULL;
	ck_assert_int_eq(report_build(&jr, NULL, &r, NULL), 0);
	_cleanup_free_ char *path = xasprintf("%s/report.json", tmpdir);
	ck_assert_msg(report_write_json(&r, path, &cause) == 0, "%s", cause);
	report_free(&r);

	json_error_t err;
	json_t *doc = json_load_file(path, 0, &err);
	ck_assert_msg(doc != NULL, "%s:%d: %s", path, err.line, err.text);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "run")), "20261122-171500-ab12");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "baseline")), "native");
	ck_assert(json_is_false(json_object_get(doc, "partial")));
	ck_assert(json_is_false(json_object_get(doc, "cancelled")));
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "failed_instances")), 2);
	json_t *rows = json_object_get(doc, "rows");
	ck_assert_uint_eq(json_array_size(rows), 4);

	json_t *base = json_array_get(rows, 0);
	ck_assert_str_eq(json_string_value(json_object_get(base, "runtime")), "native");
	ck_assert(json_is_null(json_object_get(base, "overhead_pct")));
	ck_assert(json_is_null(json_object_get(base, "p_value")));
	ck_assert(json_is_true(json_object_get(base, "higher_is_better")));

	json_t *runc = json_array_get(rows, 1);
	ck_assert_str_eq(json_string_value(json_object_get(runc, "runtime")), "runc");
	ck_assert_str_eq(json_string_value(json_object_get(runc, "metric")), "rate");
	ck_assert_str_eq(json_string_value(json_object_get(runc, "unit")), "events/s");
	ck_assert_int_eq(json_integer_value(json_object_get(runc, "n")), 3);
	ck_assert_double_eq_tol(json_number_value(json_object_get(runc, "mean")), 950, 1e-9);
	ck_assert_double_eq_tol(json_number_value(json_object_get(runc, "stddev")), 50, 1e-9);
	ck_assert_double_eq_tol(json_number_value(json_object_get(runc, "ci95")), 4.302653 * 50 / sqrt(3), 1e-3);
	ck_assert_double_eq_tol(json_number_value(json_object_get(runc, "overhead_pct")), 150.0 / 11, 1e-9);
	ck_assert(json_is_false(json_object_get(runc, "significant")));
	ck_assert_int_eq(json_integer_value(json_object_get(runc, "failed")), 2);
	json_t *values = json_object_get(runc, "values");
	ck_assert_uint_eq(json_array_size(values), 3);
	ck_assert_double_eq_tol(json_number_value(json_array_get(values, 1)), 950, 1e-9);

	json_t *lat = json_array_get(rows, 3);
	ck_assert_str_eq(json_string_value(json_object_get(lat, "metric")), "lat");
	ck_assert(json_is_true(json_object_get(lat, "significant")));
	ck_assert(json_is_false(json_object_get(lat, "higher_is_better")));
	json_decref(doc);
}
END_TEST

START_TEST(export_csv)
{
	struct report r;
	char *cause = NULL;
	ck_assert_int_eq(report_build(&jr, NULL, &r, NULL), 0);
	/* A unit that needs RFC 4180 quoting. */
	free(r.rows[1].unit);
	r.rows[1].unit = xstrdup("ops, \"real\"");
	_cleanup_free_ char *path = xasprintf("%s/report.csv", tmpdir);
	ck_assert_msg(report_write_csv(&r, path, &cause) == 0, "%s", cause);
	report_free(&r);

	_cleanup_free_ char *text = read_file(path, NULL);
	ck_assert_ptr_nonnull(text);
	static const char header[] = "runtime,workload,metric,unit,host,higher_is_better,n,mean,stddev,ci95,"
	                             "min,max,overhead_pct,p_value,significant,failed,incomplete\r\n";
	ck_assert(!strncmp(text, header, sizeof(header) - 1));
	/* header + 4 rows, CRLF, then the cost by role (metric host.*) */
	size_t crlf = 0, cost = 0;
	for (const char *p = text; (p = strstr(p, "\r\n")); p += 2)
		crlf++;
	for (const char *p = text; (p = strstr(p, ",host.")); p++)
		cost++;
	ck_assert_uint_eq(crlf - cost, 5);
	ck_assert_uint_gt(cost, 0);
	ck_assert_ptr_nonnull(strstr(text, "\r\nnative,cpu,rate,events/s,local,1,3,1100,100,"));
	/* no baseline comparison: empty overhead and p-value fields */
	ck_assert_ptr_nonnull(strstr(text, ",1000,1200,,,0,0,0\r\n"));
	ck_assert_ptr_nonnull(strstr(text, "\r\nrunc,cpu,rate,\"ops, \"\"real\"\"\",local,1,3,950,50,"));
	ck_assert_ptr_nonnull(strstr(text, ",900,1000,13.6363636363636,"));
	ck_assert_ptr_nonnull(strstr(text, "\r\nrunc,cpu,lat,ns,local,0,3,152,2,"));

	/* An export into a directory that does not exist fails with a cause. */
	ck_assert_int_eq(report_build(&jr, NULL, &r, NULL), 0);
	ck_assert_int_eq(report_write_csv(&r, "/nonexistent/dir/r.csv", &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "/nonexistent/dir/r.csv"));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(report_write_json(&r, "/nonexistent/dir/r.json", &cause), -1);
	free(cause);
	report_free(&r);
}
END_TEST

/* Per measured instance: host CPU and peak RSS by role from the samples'
 * processes, and start-up from the end records. */
START_TEST(instances_by_role)
{
	struct report r;
	ck_assert_int_eq(report_build(&jr, NULL, &r, NULL), 0);
	/* Warm-ups left out: native 1-3, runc 5-9 (two of them failed). */
	ck_assert_uint_eq(r.ninsts, 8);
	const struct report_instance *n3 = &r.insts[2], *r1 = &r.insts[3], *r4 = &r.insts[6];
	ck_assert_str_eq(n3->runtime, "native");
	ck_assert_int_eq(n3->rep, 3);
	ck_assert_int_eq(n3->ok, 1);
	ck_assert_uint_eq(n3->samples, 3);
	ck_assert_double_eq_tol(n3->cpu_s[ROLE_WORKLOAD], 3 * 0.99, 1e-9);
	ck_assert(isnan(n3->cpu_s[ROLE_RUNTIME]));
	ck_assert_double_eq_tol(n3->rss_peak_kb[ROLE_WORKLOAD], 1500, 1e-9);
	ck_assert(isnan(n3->rss_peak_kb[ROLE_VMM]));
	ck_assert_double_eq_tol(n3->startup_ms, 1.5, 1e-9);
	ck_assert(isnan(n3->create_ms));
	ck_assert(isnan(n3->vmm_ms));
	ck_assert_str_eq(r1->runtime, "runc");
	ck_assert_double_eq_tol(r1->cpu_s[ROLE_RUNTIME], 2 * 0.02, 1e-9);
	ck_assert_double_eq_tol(r1->rss_peak_kb[ROLE_RUNTIME], 6000, 1e-9);
	ck_assert_double_eq_tol(r1->create_ms, 2.25, 1e-9);
	ck_assert_int_eq(r4->ok, 0);
	report_free(&r);
}
END_TEST

START_TEST(empty_journal)
{
	struct journal_read empty = { 0 };
	struct report r;
	ck_assert_int_eq(report_build(&empty, NULL, &r, NULL), 0);
	ck_assert_uint_eq(r.nrows, 0);
	ck_assert_int_eq(r.partial, 1);
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	report_print(&r, fp);
	fclose(fp);
	ck_assert_ptr_nonnull(strstr(text, "no results"));
	free(text);
	report_free(&r);
}
END_TEST

/* Instances measured whose workload reports no metric (idle): the text
 * says so and points at the host cost, not "no repetition was measured". */
START_TEST(costs_without_rows)
{
	struct report r;
	ck_assert_int_eq(report_build(&jr, NULL, &r, NULL), 0);
	ck_assert_uint_gt(r.ncosts, 0);
	size_t nrows = r.nrows;
	r.nrows = 0; /* as an idle workload leaves it: costs, no rows */
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	report_print(&r, fp);
	fclose(fp);
	r.nrows = nrows;
	ck_assert_ptr_nonnull(strstr(text, "no workload metrics: the workloads of this run report none"));
	ck_assert_ptr_null(strstr(text, "no results"));
	ck_assert_ptr_nonnull(strstr(text, "host cost by role"));
	free(text);
	report_free(&r);
}
END_TEST

/* Start-up phases from end records with isolab's share (isolab_pre_ms,
 * isolab_post_ms): runc splits into create and start at create_ms, a VM
 * into its milestones, native is one runtime phase; a journal without
 * isolab_pre_ms (as every older one) has no phases at all. */
START_TEST(startup_phases)
{
	static const char *const lines[] = {
		"{\"type\":\"instance\",\"id\":1,\"runtime\":\"runc\",\"workload\":\"start\",\"rep\":1,\"warmup\":false}",
		"{\"type\":\"end\",\"inst\":1,\"status\":\"ok\",\"startup_ms\":50,\"create_ms\":20.5,"
		"\"isolab_pre_ms\":0.5,\"isolab_post_ms\":1}",
		"{\"type\":\"instance\",\"id\":2,\"runtime\":\"runc\",\"workload\":\"start\",\"rep\":2,\"warmup\":false}",
		"{\"type\":\"end\",\"inst\":2,\"status\":\"ok\",\"startup_ms\":60,\"create_ms\":30.5,"
		"\"isolab_pre_ms\":0.5,\"isolab_post_ms\":1}",
		"{\"type\":\"instance\",\"id\":3,\"runtime\":\"runc\",\"workload\":\"start\",\"rep\":3,\"warmup\":false}",
		"{\"type\":\"end\",\"inst\":3,\"status\":\"ok\",\"startup_ms\":55,\"create_ms\":25.5,"
		"\"isolab_pre_ms\":0.5,\"isolab_post_ms\":1}",
		"{\"type\":\"instance\",\"id\":4,\"runtime\":\"qemu\",\"workload\":\"start\",\"rep\":1,\"warmup\":false}",
		"{\"type\":\"startup\",\"inst\":4,\"vmm_ms\":100,\"kernel_ms\":1100,\"init_ms\":1300,\"ready_ms\":1350}",
		"{\"type\":\"end\",\"inst\":4,\"status\":\"ok\",\"startup_ms\":1400,\"create_ms\":100,"
		"\"isolab_pre_ms\":2,\"isolab_post_ms\":null}",
		"{\"type\":\"instance\",\"id\":5,\"runtime\":\"native\",\"workload\":\"start\",\"rep\":1,\"warmup\":false}",
		"{\"type\":\"end\",\"inst\":5,\"status\":\"ok\",\"startup_ms\":2,\"isolab_pre_ms\":0.1,\"isolab_post_ms\":0.2}",
		"{\"type\":\"instance\",\"id\":6,\"runtime\":\"crun\",\"workload\":\"start\",\"rep\":1,\"warmup\":false}",
		"{\"type\":\"end\",\"inst\":6,\"status\":\"ok\",\"startup_ms\":40,\"create_ms\":20}",
		"{\"type\":\"run_end\",\"cancelled\":false}",
	};
	json_t *recs[ARRAY_SIZE(lines)];
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
		ck_assert_ptr_nonnull(recs[i] = json_loads(lines[i], 0, NULL));
	struct journal_read mine = { .records = recs, .nrecords = ARRAY_SIZE(lines) };
	struct report r;
	ck_assert_int_eq(report_build(&mine, NULL, &r, NULL), 0);
	ck_assert_uint_eq(r.nphases, 3); /* crun recorded no isolab share */

	const struct report_phases *p = &r.phases[0];
	ck_assert_str_eq(p->runtime, "runc");
	ck_assert_uint_eq(p->n, 3);
	ck_assert_double_eq_tol(p->ms[PHASE_ISOLAB_PRE], 0.5, 1e-9);
	ck_assert_double_eq_tol(p->ms[PHASE_CREATE], 25, 1e-9);  /* 25.5 - 0.5 */
	ck_assert_double_eq_tol(p->ms[PHASE_START], 28.5, 1e-9); /* 55 - 1 - 25.5 */
	ck_assert_double_eq_tol(p->ms[PHASE_ISOLAB_POST], 1, 1e-9);
	ck_assert(isnan(p->ms[PHASE_VMM]) && isnan(p->ms[PHASE_RUNTIME]));
	ck_assert_double_eq_tol(p->startup_ms, 55, 1e-9);
	ck_assert_double_eq_tol(p->isolab_ms, 1.5, 1e-9);
	ck_assert_int_eq(p->post_known, 1);

	p = &r.phases[1];
	ck_assert_str_eq(p->runtime, "qemu");
	ck_assert_double_eq_tol(p->ms[PHASE_VMM], 98, 1e-9);
	ck_assert_double_eq_tol(p->ms[PHASE_KERNEL], 1000, 1e-9);
	ck_assert_double_eq_tol(p->ms[PHASE_INIT], 200, 1e-9);
	ck_assert_double_eq_tol(p->ms[PHASE_READY], 100, 1e-9);
	ck_assert(isnan(p->ms[PHASE_CREATE]));
	ck_assert_int_eq(p->post_known, 0);

	p = &r.phases[2];
	ck_assert_str_eq(p->runtime, "native");
	ck_assert_double_eq_tol(p->ms[PHASE_RUNTIME], 1.7, 1e-9);

	char line[512];
	report_phases_line(&r.phases[0], line, sizeof line);
	ck_assert_str_eq(line, "runc/start: isolab 0.50 + create 25.00 + start 28.50 + isolab 1.00 = 55.00 ms "
	    "(isolab 1.50 ms, 2.7%; p50 of 3)");

	char *text = journal_fixture_text(&r);
	ck_assert_ptr_nonnull(strstr(text, "start-up phases"));
	ck_assert_ptr_nonnull(strstr(text, "  qemu/start: isolab 2.00 + VMM 98.00 + kernel 1000.00 + init 200.00 + "
	    "ready 100.00 = 1400.00 ms"));
	free(text);

	json_t *doc = report_to_json(&r);
	json_t *ph = json_object_get(doc, "phases");
	ck_assert_uint_eq(json_array_size(ph), 3);
	json_t *q = json_object_get(json_array_get(ph, 1), "phases");
	ck_assert_double_eq_tol(json_real_value(json_object_get(q, "kernel_ms")), 1000, 1e-9);
	ck_assert_ptr_null(json_object_get(q, "isolab_post_ms"));
	ck_assert_double_eq_tol(json_real_value(json_object_get(json_array_get(ph, 0), "isolab_ms")), 1.5, 1e-9);
	json_decref(doc);
	report_free(&r);

	/* Without isolab's share, no phases: older journals print as before. */
	struct report old;
	ck_assert_int_eq(report_build(&jr, NULL, &old, NULL), 0);
	ck_assert_uint_eq(old.nphases, 0);
	report_free(&old);
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
		json_decref(recs[i]);
}
END_TEST

static Suite *results_suite(void)
{
	Suite *s = suite_create("results");
	TCase *tc = tcase_create("report");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, build_values_and_stats);
	tcase_add_test(tc, baseline_override);
	tcase_add_test(tc, baseline_default_without_env);
	tcase_add_test(tc, partial_run);
	tcase_add_test(tc, cancelled_run);
	tcase_add_test(tc, print_table);
	tcase_add_test(tc, export_json);
	tcase_add_test(tc, export_csv);
	tcase_add_test(tc, instances_by_role);
	tcase_add_test(tc, empty_journal);
	tcase_add_test(tc, costs_without_rows);
	tcase_add_test(tc, startup_phases);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(results_suite());
}

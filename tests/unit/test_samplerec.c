/* test_samplerec.c — a sample record read from its line without jansson
 * (base/samplerec.c) against the same line read by jansson, and the
 * report built as it reads (report_build_dir) against the one built from
 * the whole journal in memory.
 *
 * The line reader may give up on a line (-1: jansson reads it), but a
 * line it reads must give exactly what jansson's tree gives; and every
 * line it is expected to read here, it must read, or a long run's report
 * is slow again without any test failing.
 */
#include <check.h>
#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal-fixture.h"
#include "journal.h"
#include "report.h"
#include "samplerec.h"
#include "sampler.h"
#include "unit.h"
#include "util.h"

static int same_num(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

static int same_str(const char *a, size_t an, const char *b, size_t bn)
{
	if (!a || !b)
		return !a && !b;
	return an == bn && !memcmp(a, b, an);
}

/* The two readings of line agree; returns samplerec_parse's result. */
static int parse_both(const char *line)
{
	struct samplerec t = { 0 }, j = { 0 };
	int rc = samplerec_parse(&t, line, strlen(line));
	json_t *rec = json_loads(line, 0, NULL);
	if (rc == 0) {
		ck_assert_msg(json_is_object(rec), "the line reader took what jansson refuses: %s", line);
		samplerec_from_json(&j, rec);
		ck_assert_int_eq(t.is_sample, j.is_sample);
		ck_assert_msg((!t.inst && !j.inst) || (t.inst && j.inst && !strcmp(t.inst, j.inst)), "inst of %s", line);
		ck_assert_msg(same_num(t.dt, j.dt), "dt of %s", line);
		ck_assert_msg(same_num(t.guest_used_kb, j.guest_used_kb), "guest_used_kb of %s", line);
		ck_assert_msg(same_num(t.cg[0], j.cg[0]) && same_num(t.cg[1], j.cg[1]), "cgroup of %s", line);
		ck_assert_int_eq(t.has_metrics, j.has_metrics);
		ck_assert_uint_eq(t.nmetrics, j.nmetrics);
		for (size_t i = 0; i < t.nmetrics; i++) {
			ck_assert(same_str(t.metrics[i].name, t.metrics[i].namelen, j.metrics[i].name, j.metrics[i].namelen));
			ck_assert_int_eq(t.metrics[i].is_number, j.metrics[i].is_number);
			ck_assert(same_num(t.metrics[i].value, j.metrics[i].value));
		}
		ck_assert_uint_eq(t.nprocs, j.nprocs);
		for (size_t i = 0; i < t.nprocs; i++) {
			const struct samplerec_proc *a = &t.procs[i], *b = &j.procs[i];
			ck_assert_int_eq(a->role, b->role);
			ck_assert_int_eq(a->pid, b->pid);
			ck_assert(same_num(a->cpu, b->cpu) && same_num(a->rss_kb, b->rss_kb) && same_num(a->dt, b->dt));
			ck_assert(same_num(a->vcpu_cpu, b->vcpu_cpu));
			for (int k = 0; k < SREC__IO; k++)
				ck_assert(same_num(a->io[k], b->io[k]));
			ck_assert_msg(same_str(a->name, a->namelen, b->name, b->namelen), "name of %s", line);
		}
	}
	json_decref(rec);
	samplerec_free(&t);
	samplerec_free(&j);
	return rc;
}

#define ENGINE_LINE                                                                                                  \
	"{\"type\":\"sample\",\"inst\":3,\"t\":12.5,\"metrics\":{\"rate\":991234.5,\"p50\":1000},"                     \
	"\"procs\":[{\"pid\":4242,\"ppid\":1,\"comm\":\"exe\",\"role\":\"runtime\",\"name\":\"sentry\",\"usr\":60.5,"   \
	"\"system\":9.5,\"cpu\":70.0,\"rss_kb\":20480,\"kb_rd_s\":1.5,\"kb_wr_s\":0,\"cswch_s\":12.0,"                  \
	"\"nvcswch_s\":-1,\"dt\":0.4,\"threads\":3},{\"pid\":4243,\"comm\":\"isolab-probe\",\"role\":\"workload\","    \
	"\"cpu\":99.9,\"rss_kb\":1000,\"vcpu_cpu\":87.5}],\"dt\":1.0,\"guest_used_kb\":61234,"                            \
	"\"cgroup_cpu_s\":{\"cpu.stat\":17.25,\"cpuacct.usage\":17.3}}"

START_TEST(reads_an_engine_line)
{
	ck_assert_int_eq(parse_both(ENGINE_LINE), 0);
	struct samplerec s = { 0 };
	ck_assert_int_eq(samplerec_parse(&s, ENGINE_LINE, strlen(ENGINE_LINE)), 0);
	ck_assert(s.is_sample);
	ck_assert_str_eq(s.inst, "3");
	ck_assert(s.dt == 1.0 && s.cg[0] == 17.25 && s.cg[1] == 17.3 && s.guest_used_kb == 61234);
	ck_assert_uint_eq(s.nmetrics, 2);
	ck_assert(s.metrics[0].is_number && s.metrics[0].value == 991234.5 && s.metrics[1].value == 1000);
	ck_assert_uint_eq(s.nprocs, 2);
	ck_assert_int_eq(s.procs[0].role, ROLE_RUNTIME);
	ck_assert_int_eq(s.procs[0].pid, 4242);
	ck_assert(s.procs[0].cpu == 70.0 && s.procs[0].rss_kb == 20480 && s.procs[0].dt == 0.4);
	ck_assert(s.procs[0].io[SREC_KB_RD] == 1.5 && s.procs[0].io[SREC_NVCSW] == -1);
	ck_assert(same_str(s.procs[0].name, s.procs[0].namelen, "sentry", 6));
	ck_assert_int_eq(s.procs[1].role, ROLE_WORKLOAD);
	ck_assert(s.procs[1].dt == 0 && isnan(s.procs[1].io[SREC_CSW]) && !s.procs[1].name);
	ck_assert(isnan(s.procs[0].vcpu_cpu) && s.procs[1].vcpu_cpu == 87.5);
	samplerec_free(&s);
}
END_TEST

/* Lines it must read whole, each the same as jansson's reading. */
START_TEST(reads_the_odd_but_plain)
{
	static const char *const lines[] = {
		" { \"type\" : \"sample\" , \"inst\" : \"a-7\" , \"procs\" : [ ] } \r",
		"{\"type\":\"sample\",\"inst\":2.5,\"metrics\":{}}",
		"{\"type\":\"sample\",\"inst\":-0,\"metrics\":{\"rate\":null,\"s\":\"x\",\"n\":1e3,\"m\":-2.5E-2}}",
		"{\"type\":\"sample\",\"inst\":1,\"procs\":[1,null,\"x\",[],{\"role\":7,\"pid\":1.5,\"cpu\":\"9\"}]}",
		"{\"type\":\"sample\",\"inst\":1,\"procs\":[{\"role\":\"vmm\"}],\"procs\":[{\"role\":\"guest\",\"role\":\"helper\"}]}",
		"{\"type\":\"sample\",\"inst\":1,\"cgroup_cpu_s\":[1],\"dt\":\"1\",\"metrics\":[1]}",
		"{\"type\":\"sample\",\"inst\":1,\"cgroup_cpu_s\":{\"cpu.stat\":1,\"cpu.stat\":null}}",
		"{\"type\":\"sample\",\"inst\":{\"x\":[true,false,null,{\"y\":[[[]]]}]},\"procs\":{}}",
		"{\"type\":\"end\",\"inst\":1,\"status\":\"ok\"}",
		"{\"type\":5}",
		"{}",
		"{\"type\":\"sample\",\"inst\":9223372036854775807,\"procs\":[{\"role\":\"loadgen\",\"pid\":-9223372036854775808}]}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
		ck_assert_msg(parse_both(lines[i]) == 0, "not read: %s", lines[i]);
}
END_TEST

/* Lines left to jansson: what it refuses, and what it reads another way. */
START_TEST(leaves_the_rest_to_jansson)
{
	static const char *const lines[] = {
		"",
		"{\"type\":\"sample\",\"inst\":1",                       /* cut off */
		"{\"type\":\"sample\",\"inst\":1}x",                     /* trailing garbage */
		"{\"type\":\"sample\",\"inst\":1,}",                     /* trailing comma */
		"[{\"type\":\"sample\"}]",                               /* not an object */
		"{\"type\":\"sample\",\"inst\":01}",                     /* a leading zero */
		"{\"type\":\"sample\",\"inst\":1.}",
		"{\"type\":\"sample\",\"inst\":NaN}",
		"{\"type\":\"sample\",\"inst\":9223372036854775808}",    /* too big an integer */
		"{\"type\":\"sample\",\"inst\":1e999}",                  /* a real's overflow */
		"{\"type\":\"sample\",\"inst\":\"a\\\"b\"}",             /* an escape */
		"{\"type\":\"sample\",\"inst\":\"caf\xc3\xa9\"}",        /* beyond ASCII */
		"{\"type\":\"sample\",\"inst\":\"a\tb\"}",               /* a control byte */
		"{\"type\":\"sample\",\"metrics\":{\"rate\":1,\"rate\":2}}", /* a duplicate metric */
		"{\"type\":\"sample\",\"inst\":truex}",
		"{\"type\":\"sample\",\"inst\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
		ck_assert_msg(parse_both(lines[i]) < 0, "read, not left to jansson: %s", lines[i]);
}
END_TEST

/* Under a locale whose decimal point is a comma, a real is still read as
 * jansson reads it, or left to jansson; never read as its integer part. */
START_TEST(decimal_comma)
{
	if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") && !setlocale(LC_NUMERIC, "fr_FR.UTF-8"))
		setlocale(LC_NUMERIC, "C"); /* no such locale here: the test still compares */
	parse_both(ENGINE_LINE);
	setlocale(LC_NUMERIC, "C");
}
END_TEST

/* The report of a journal built as it reads is the report built from
 * the journal in memory: the same JSON, the same text. Returns the
 * journal's samples; kept: those the line reader leaves to jansson, which
 * report_build_dir keeps like every other record. */
static size_t same_report(const char *dir, size_t kept)
{
	struct journal_read jr, jr2;
	struct report a, b;
	char *cause = NULL;
	ck_assert_msg(journal_read(dir, &jr, &cause) == 0, "%s", cause);
	ck_assert_msg(report_build(&jr, NULL, &a, &cause) == 0, "%s", cause);
	ck_assert_msg(report_build_dir(dir, NULL, &jr2, &b, &cause) == 0, "%s", cause);
	json_t *ja = report_to_json(&a), *jb = report_to_json(&b);
	ck_assert_msg(json_equal(ja, jb), "%s: the reports differ", dir);
	_cleanup_free_ char *ta = journal_fixture_text(&a);
	_cleanup_free_ char *tb = journal_fixture_text(&b);
	ck_assert_str_eq(ta, tb);
	ck_assert_uint_eq(a.bad_lines, b.bad_lines);
	/* the samples were read and let go */
	size_t samples = 0, samples2 = 0;
	for (size_t i = 0; i < jr.nrecords; i++)
		samples += !strcmp(json_string_value(json_object_get(jr.records[i], "type")) ?: "", "sample");
	for (size_t i = 0; i < jr2.nrecords; i++)
		samples2 += !strcmp(json_string_value(json_object_get(jr2.records[i], "type")) ?: "", "sample");
	ck_assert_uint_eq(samples2, kept);
	json_decref(ja);
	json_decref(jb);
	report_free(&a);
	report_free(&b);
	journal_read_free(&jr);
	journal_read_free(&jr2);
	return samples;
}

START_TEST(report_as_it_reads)
{
	static const char *const names[] = { "attrib", "compare-a", "compare-b", "cut", "garbage", "report" };
	const char *top = getenv("top_srcdir");
	size_t samples = 0;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		_cleanup_free_ char *dir = xasprintf("%s/tests/data/journal/%s", top ? top : "../..", names[i]);
		samples += same_report(dir, 0);
	}
	ck_assert_uint_ge(samples, 30);
}
END_TEST

/* A journal with each kind of line the line reader leaves to jansson, in
 * samples: they are still counted (or refused) as the whole reading does. */
START_TEST(report_with_odd_samples)
{
	char tmpl[] = "/tmp/isolab-test-samplerec-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	_cleanup_free_ char *path = xasprintf("%s/journal.jsonl", tmpl);
	FILE *fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("{\"type\":\"metric_def\",\"workload\":\"cpu\",\"name\":\"rate\",\"unit\":\"ev/s\",\"kind\":\"throughput\"}\n"
	      "{\"type\":\"instance\",\"id\":3,\"runtime\":\"native\",\"workload\":\"cpu\",\"rep\":1}\n"
	      ENGINE_LINE "\n"
	      "{\"type\":\"sample\",\"inst\":3,\"metrics\":{\"rate\":5,\"rate\":7},\"procs\":[{\"role\":\"workload\","
	      "\"cpu\":50,\"name\":\"a\\u0062\"}]}\n"
	      "{\"type\":\"sample\",\"inst\":3,\"metrics\":{\"rate\":1e999}}\n"
	      "{\"type\":\"sample\",\"inst\":\"3\",\"metrics\":{\"rate\":11},\"procs\":[{\"role\":\"workload\",\"cpu\":25}]}\n"
	      "{\"type\":\"end\",\"inst\":3,\"status\":\"ok\",\"metrics\":{}}\n"
	      "{\"type\":\"sample\",\"inst\":3",
	    fp);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_uint_eq(same_report(tmpl, 1), 3); /* the \u escape's sample is kept */
	struct journal_read jr;
	struct report r;
	char *cause = NULL;
	ck_assert(report_build_dir(tmpl, NULL, &jr, &r, &cause) == 0);
	ck_assert_uint_eq(r.bad_lines, 2);
	const struct report_row *row = report_find(&r, "native", NULL, "cpu", "rate");
	ck_assert_ptr_nonnull(row);
	/* 991234.5, 7 (the duplicate's last), 11 */
	ck_assert_double_eq_tol(row->st.mean, (991234.5 + 7 + 11) / 3, 1e-6);
	report_free(&r);
	journal_read_free(&jr);
	rm_rf(tmpl);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = { reads_an_engine_line, reads_the_odd_but_plain, leaves_the_rest_to_jansson,
		decimal_comma, report_as_it_reads, report_with_odd_samples };
	return unit_run("samplerec", NULL, NULL, tests, ARRAY_SIZE(tests));
}

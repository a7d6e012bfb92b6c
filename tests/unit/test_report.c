/* test_report.c - the probe's output line format. */
#include "build-config.h"

#include <check.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "unit.h"

/* Every token is key=value with key [a-z0-9_]+ and a value free of spaces
 * and '='; returns the number of tokens, or -1 on the first bad one. */
static int
check_tokens(const char *line)
{
	regex_t re;
	char *copy = strdup(line), *save = NULL;
	int n = 0;

	ck_assert_int_eq(regcomp(&re, "^[a-z0-9_]+=[^ =]+$", REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_msg(line[0] != ' ' && line[strlen(line) - 1] != ' ' && !strstr(line, "  "),
		      "stray space in '%s'", line);
	for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (regexec(&re, t, 0, NULL, 0) != 0) {
			n = -1;
			break;
		}
		n++;
	}
	regfree(&re);
	free(copy);
	return n;
}

START_TEST(first_two_keys)
{
	struct report r;

	report_begin(&r, "cpu", "interval");
	report_u64(&r, "n", 3);
	ck_assert_str_eq(report_text(&r), "probe=cpu kind=interval n=3");
	ck_assert_int_eq(check_tokens(report_text(&r)), 3);
}
END_TEST

START_TEST(spaces_sanitised)
{
	struct report r;

	report_begin(&r, "file", "error");
	report_str(&r, "msg", "cannot create /tmp/a b: No such file=dir\tx\n");
	ck_assert_str_eq(report_text(&r),
			 "probe=file kind=error msg=cannot_create_/tmp/a_b:_No_such_file_dir_x_");
	ck_assert_int_eq(check_tokens(report_text(&r)), 3);
	report_begin(&r, "my bench", "info");
	report_str(&r, "empty", "");
	ck_assert_str_eq(report_text(&r), "probe=my_bench kind=info empty=-");
}
END_TEST

START_TEST(numbers)
{
	struct report r;

	report_begin(&r, "x", "summary");
	report_fixed(&r, "elapsed", 10.00049, 3);
	report_fixed(&r, "rate", 1234.5678, 2);
	report_fixed(&r, "zero", -0.001, 2);
	report_fixed(&r, "nan", NAN, 2);
	report_fixed(&r, "inf", INFINITY, 1);
	report_u64(&r, "events", UINT64_MAX);
	report_i64(&r, "uptime", -1);
	ck_assert_str_eq(report_text(&r),
			 "probe=x kind=summary elapsed=10.000 rate=1234.57 zero=0.00 nan=0.00 "
			 "inf=0.0 events=18446744073709551615 uptime=-1");
	ck_assert_int_eq(check_tokens(report_text(&r)), 9);
}
END_TEST

START_TEST(latency_keys)
{
	struct report r;
	struct hist *h = malloc(sizeof *h);

	hist_reset(h);
	report_begin(&r, "x", "interval");
	report_hist(&r, h);
	ck_assert_str_eq(report_text(&r),
			 "probe=x kind=interval p50_ns=0 p95_ns=0 p99_ns=0 max_ns=0");
	for (uint64_t v = 1; v <= 100; v++)
		hist_record(h, v * 1000);
	report_begin(&r, "x", "interval");
	report_hist(&r, h);
	ck_assert_int_eq(check_tokens(report_text(&r)), 6);
	ck_assert_ptr_nonnull(strstr(report_text(&r), " max_ns=100000"));
	free(h);
}
END_TEST

START_TEST(overflow_keeps_tokens_whole)
{
	struct report r;
	char big[300];

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	report_begin(&r, "x", "info");
	for (int i = 0; i < 10; i++)
		report_str(&r, "k", big);
	ck_assert_uint_lt(r.len, REPORT_MAX);
	ck_assert_int_gt(check_tokens(report_text(&r)), 2);
}
END_TEST

START_TEST(one_write_with_newline)
{
	struct report r;
	int p[2];
	char buf[128];

	ck_assert_int_eq(pipe(p), 0);
	report_begin(&r, "start", "ready");
	report_u64(&r, "pid", 42);
	ck_assert_int_eq(report_write(&r, p[1]), 0);
	close(p[1]);
	ssize_t n = read(p[0], buf, sizeof buf - 1);
	close(p[0]);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "probe=start kind=ready pid=42\n");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, first_two_keys);
	tcase_add_test(tc, spaces_sanitised);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, latency_keys);
	tcase_add_test(tc, overflow_keeps_tokens_whole);
	tcase_add_test(tc, one_write_with_newline);
	suite_add_tcase(s, tc);
	return unit_run_suite(s);
}

/* test_compare.c — run against run, from two journals made for it
 * (tests/data/journal/compare-a and compare-b, 3 repetitions a side
 * unless said otherwise; B is the reference):
 *   native rate  B 1000 1010 990  A 1004 996 1000   unchanged
 *   native lat   B 100 101 99     A 120 121 119     +20%, worse (lower is better)
 *   runc rate    B 900 905 895    A 990 995 985     +10%, better
 *   runc lat     B 150 151 149    A 153 154 152     +2%, p ~0.02: small
 *   crun         A has 1 repetition                 cannot tell
 *   gvisor       only in B
 * and the environments differ in the kernel and runc's version. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "journal.h"
#include "report.h"
#include "util.h"
#include "unit.h"

static struct journal_read ja, jb;
static struct report ra, rb;

static void load(const char *name, struct journal_read *jr, struct report *r)
{
	const char *top = getenv("top_srcdir");
	_cleanup_free_ char *dir = xasprintf("%s/tests/data/journal/%s", top ? top : "../..", name);
	char *cause = NULL;
	ck_assert_msg(journal_read(dir, jr, &cause) == 0, "%s", cause);
	ck_assert_msg(report_build(jr, NULL, r, &cause) == 0, "%s", cause);
}

static void setup(void)
{
	load("compare-a", &ja, &ra);
	load("compare-b", &jb, &rb);
}

static void teardown(void)
{
	report_free(&ra);
	report_free(&rb);
	journal_read_free(&ja);
	journal_read_free(&jb);
}

static const struct compare_cell *cell(const struct compare *c, const char *runtime, const char *metric)
{
	for (size_t i = 0; i < c->ncells; i++)
		if (!strcmp(c->cells[i].runtime, runtime) && !strcmp(c->cells[i].metric, metric))
			return &c->cells[i];
	ck_abort_msg("no cell %s %s", runtime, metric);
	return NULL;
}

START_TEST(verdicts)
{
	struct compare c;
	compare_build(&ra, ja.env, &rb, jb.env, 5.0, &c);
	ck_assert_str_eq(c.run_a, "20261202-100000-a000");
	ck_assert_str_eq(c.run_b, "20261201-100000-b000");
	ck_assert_uint_eq(c.ncells, 8);
	ck_assert_int_eq(cell(&c, "native", "rate")->verdict, CMP_UNCHANGED);
	const struct compare_cell *w = cell(&c, "native", "lat");
	ck_assert_int_eq(w->verdict, CMP_WORSE);
	ck_assert_double_eq_tol(w->change_pct, 20.0, 1e-9);
	ck_assert(w->p_value < 0.001);
	/* CI of the difference: t(0.975, df 4) * sqrt(1/3 + 1/3), in % of 100. */
	ck_assert_double_eq_tol(w->change_ci_pct, 2.776445 * sqrt(2.0 / 3.0), 1e-4);
	ck_assert_double_eq_tol(w->cv_b_pct, 1.0, 1e-9);
	ck_assert_int_eq(cell(&c, "runc", "rate")->verdict, CMP_BETTER);
	const struct compare_cell *s = cell(&c, "runc", "lat");
	ck_assert_int_eq(s->verdict, CMP_SMALL);
	ck_assert(s->p_value < 0.05 && s->p_value > 0.01);
	ck_assert_int_eq(cell(&c, "crun", "rate")->verdict, CMP_UNKNOWN);
	ck_assert_int_eq(cell(&c, "gvisor", "lat")->verdict, CMP_ONLY_B);
	ck_assert_uint_eq(c.worse, 1);
	ck_assert_uint_eq(c.better, 1);
	ck_assert_uint_eq(c.unchanged, 1);
	ck_assert_uint_eq(c.small, 1);
	ck_assert_uint_eq(c.unknown, 2);
	ck_assert_uint_eq(c.only, 2);
	ck_assert_int_eq(w->noisy, 0);
	compare_free(&c);

	/* A larger minimum effect turns the regression into a small change. */
	compare_build(&ra, ja.env, &rb, jb.env, 25.0, &c);
	ck_assert_int_eq(cell(&c, "native", "lat")->verdict, CMP_SMALL);
	ck_assert_int_eq(cell(&c, "runc", "rate")->verdict, CMP_SMALL);
	ck_assert_uint_eq(c.worse, 0);
	compare_free(&c);

	/* The other way round, the regression is an improvement. */
	compare_build(&rb, jb.env, &ra, ja.env, 5.0, &c);
	ck_assert_int_eq(cell(&c, "native", "lat")->verdict, CMP_BETTER);
	ck_assert_int_eq(cell(&c, "runc", "rate")->verdict, CMP_WORSE);
	ck_assert_int_eq(cell(&c, "gvisor", "rate")->verdict, CMP_ONLY_A);
	compare_free(&c);
}
END_TEST

START_TEST(environments)
{
	struct compare c;
	compare_build(&ra, ja.env, &rb, jb.env, 5.0, &c);
	ck_assert_uint_eq(c.ndiffs, 3);
	ck_assert_str_eq(c.diffs[0].what, "kernel release");
	ck_assert_str_eq(c.diffs[0].a, "6.18.0");
	ck_assert_str_eq(c.diffs[0].b, "6.1.0");
	ck_assert_str_eq(c.diffs[2].what, "runtime runc");
	ck_assert_str_eq(c.diffs[2].b, "runc version 1.1.5");
	compare_free(&c);
	/* The same run against itself: nothing differs, nothing changed. */
	compare_build(&ra, ja.env, &ra, ja.env, 5.0, &c);
	ck_assert_uint_eq(c.ndiffs, 0);
	ck_assert_uint_eq(c.worse + c.better + c.small, 0);
	compare_free(&c);
	/* A mitigation turned off, a runtime only in one run, a missing record. */
	json_t *e = json_deep_copy(ja.env);
	json_object_set_new(json_object_get(e, "mitigations"), "spectre_v2", json_string("Vulnerable"));
	json_object_del(json_object_get(e, "runtimes"), "runc");
	compare_build(&ra, e, &rb, jb.env, 5.0, &c);
	int mit = 0, rt = 0;
	for (size_t i = 0; i < c.ndiffs; i++) {
		mit |= !strcmp(c.diffs[i].what, "mitigation spectre_v2") && !strcmp(c.diffs[i].a, "Vulnerable");
		rt |= !strcmp(c.diffs[i].what, "runtime runc") && !strcmp(c.diffs[i].a, "(none)");
	}
	ck_assert(mit && rt);
	compare_free(&c);
	json_decref(e);
	compare_build(&ra, NULL, &rb, jb.env, 5.0, &c);
	ck_assert_uint_eq(c.ndiffs, 1);
	ck_assert_str_eq(c.diffs[0].a, "missing");
	compare_free(&c);
}
END_TEST

START_TEST(noisy_and_zero)
{
	struct compare c;
	compare_build(&ra, ja.env, &rb, jb.env, 0.5, &c);
	/* CVs of about 1%: above a 0.5% minimum effect. */
	ck_assert_int_eq(cell(&c, "native", "lat")->noisy, 1);
	compare_free(&c);
	/* B's mean of 0 has no relative change. */
	for (size_t i = 0; i < rb.nrows; i++)
		if (!strcmp(rb.rows[i].runtime, "native") && !strcmp(rb.rows[i].metric, "rate"))
			rb.rows[i].st.mean = 0;
	compare_build(&ra, ja.env, &rb, jb.env, 5.0, &c);
	const struct compare_cell *z = cell(&c, "native", "rate");
	ck_assert_int_eq(z->verdict, CMP_UNKNOWN);
	ck_assert(isnan(z->change_pct));
	json_t *j = compare_to_json(&c);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "counts"), "worse")), 1);
	ck_assert(json_is_null(json_object_get(json_array_get(json_object_get(j, "cells"), 0), "change_pct")));
	json_decref(j);
	compare_free(&c);
}
END_TEST

static Suite *compare_suite(void)
{
	Suite *s = suite_create("compare");
	TCase *tc = tcase_create("compare");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, verdicts);
	tcase_add_test(tc, environments);
	tcase_add_test(tc, noisy_and_zero);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(compare_suite());
}

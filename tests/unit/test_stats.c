/* test_stats.c — statistics against published tables and values worked
 * out by hand (the formulas R's t.test and scipy.stats use). */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "stats.h"
#include "unit.h"

START_TEST(t_critical_matches_tables)
{
	/* Two-sided 95%: Student's t table, 3 decimals. */
	static const struct { double df, t; } table[] = {
		{ 1, 12.706 }, { 2, 4.303 }, { 3, 3.182 }, { 4, 2.776 }, { 5, 2.571 },
		{ 10, 2.228 }, { 20, 2.086 }, { 30, 2.042 }, { 100, 1.984 }, { 1000, 1.962 },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		double t = stats_t_critical(0.95, table[i].df);
		ck_assert_msg(fabs(t - table[i].t) < 0.0006, "df %g: t = %.5f, table %.3f",
		    table[i].df, t, table[i].t);
	}
	/* Other levels: 99% df 3 = 5.841, 90% df 10 = 1.812, 99.9% df 1 = 636.62. */
	ck_assert_double_eq_tol(stats_t_critical(0.99, 3), 5.841, 0.0006);
	ck_assert_double_eq_tol(stats_t_critical(0.90, 10), 1.812, 0.0006);
	ck_assert_double_eq_tol(stats_t_critical(0.999, 1), 636.619, 0.001);
	/* Large df tends to the normal quantile. */
	ck_assert_double_eq_tol(stats_t_critical(0.95, 1e7), 1.95996, 0.0001);
	/* Welch produces fractional df: between its neighbours. */
	double t55 = stats_t_critical(0.95, 5.5);
	ck_assert(t55 < stats_t_critical(0.95, 5) && t55 > stats_t_critical(0.95, 6));
}
END_TEST

START_TEST(t_critical_bad_input)
{
	ck_assert(isnan(stats_t_critical(0.95, 0)));
	ck_assert(isnan(stats_t_critical(0.95, -1)));
	ck_assert(isnan(stats_t_critical(1.0, 5)));
	ck_assert(isnan(stats_t_critical(0.0, 5)));
}
END_TEST

START_TEST(incbeta_known_values)
{
	/* I_x(1,1) = x; I_x(a,1) = x^a; I_x(1,b) = 1-(1-x)^b; symmetry. */
	ck_assert_double_eq_tol(stats_incbeta(1, 1, 0.3), 0.3, 1e-12);
	ck_assert_double_eq_tol(stats_incbeta(3, 1, 0.5), 0.125, 1e-12);
	ck_assert_double_eq_tol(stats_incbeta(1, 4, 0.2), 1 - pow(0.8, 4), 1e-12);
	ck_assert_double_eq_tol(stats_incbeta(2.5, 3.5, 0.4) + stats_incbeta(3.5, 2.5, 0.6), 1.0, 1e-12);
	/* I_0.5(a,a) = 0.5. */
	ck_assert_double_eq_tol(stats_incbeta(7, 7, 0.5), 0.5, 1e-12);
	ck_assert_double_eq(stats_incbeta(2, 3, 0), 0);
	ck_assert_double_eq(stats_incbeta(2, 3, 1), 1);
	ck_assert(isnan(stats_incbeta(0, 3, 0.5)));
}
END_TEST

START_TEST(compute_ci)
{
	const double v[] = { 10, 12, 14 };
	struct stats s;
	stats_compute(v, 3, &s);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_double_eq_tol(s.mean, 12, 1e-12);
	ck_assert_double_eq_tol(s.stddev, 2, 1e-12);
	ck_assert_double_eq_tol(s.ci95, 4.302653 * 2 / sqrt(3), 1e-5);
	ck_assert_double_eq_tol(s.ci95, 4.968, 0.001);
	ck_assert_double_eq(s.min, 10);
	ck_assert_double_eq(s.max, 14);
}
END_TEST

START_TEST(compute_edge_cases)
{
	struct stats s;
	stats_compute(NULL, 0, &s);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_double_eq(s.mean, 0);
	ck_assert_double_eq(s.ci95, 0);

	const double one[] = { 42 };
	stats_compute(one, 1, &s);
	ck_assert_double_eq(s.mean, 42);
	ck_assert_double_eq(s.stddev, 0);
	ck_assert_double_eq(s.ci95, 0);
	ck_assert_double_eq(s.min, 42);
	ck_assert_double_eq(s.max, 42);

	/* Large, close values: a one-pass variance would lose them. */
	const double big[] = { 1e9 + 1, 1e9 + 2, 1e9 + 3 };
	stats_compute(big, 3, &s);
	ck_assert_double_eq_tol(s.stddev, 1.0, 1e-6);

	/* Equal values whose rounded mean is not quite them: no spread at
	 * all, not 1e-17 (shown as 2.494e-16 in a report's CI column). */
	const double same[] = { 0.1, 0.1, 0.1 };
	stats_compute(same, 3, &s);
	ck_assert(s.mean != 0.1);
	ck_assert_double_eq(s.stddev, 0);
	ck_assert_double_eq(s.ci95, 0);
}
END_TEST

START_TEST(welch_known_values)
{
	const double a[] = { 1, 2, 3, 4, 5 }, b[] = { 2, 4, 6, 8, 10 };
	struct stats sa, sb;
	stats_compute(a, 5, &sa);
	stats_compute(b, 5, &sb);
	/* t = -1.8974, Welch-Satterthwaite df = 5.882, p = 0.1075 */
	double p = stats_welch_p(&sa, &sb);
	ck_assert_double_eq_tol(p, 0.1075, 0.0005);
	ck_assert_double_eq_tol(stats_welch_p(&sb, &sa), p, 1e-12);

	/* Equal variances and n: Welch equals Student; t = 3.0, df = 8 -> p = 0.01707. */
	const double c[] = { 1, 2, 3, 4, 5 }, d[] = { 4, 5, 6, 7, 8 };
	struct stats sc, sd;
	stats_compute(c, 5, &sc);
	stats_compute(d, 5, &sd);
	ck_assert_double_eq_tol(stats_welch_p(&sc, &sd), 0.01707, 0.00005);
}
END_TEST

START_TEST(welch_degenerate)
{
	const double a[] = { 3, 4, 5 };
	struct stats sa, sb;
	stats_compute(a, 3, &sa);
	ck_assert_double_eq_tol(stats_welch_p(&sa, &sa), 1.0, 1e-12);

	const double c1[] = { 7, 7, 7 }, c2[] = { 7, 7, 7 }, c3[] = { 8, 8, 8 };
	stats_compute(c1, 3, &sa);
	stats_compute(c2, 3, &sb);
	ck_assert_double_eq(stats_welch_p(&sa, &sb), 1.0);
	stats_compute(c3, 3, &sb);
	ck_assert_double_eq(stats_welch_p(&sa, &sb), 0.0);

	const double one[] = { 100 };
	stats_compute(one, 1, &sb);
	ck_assert_double_eq(stats_welch_p(&sa, &sb), 1.0);
}
END_TEST

START_TEST(overhead_orientation)
{
	/* Throughput: less than the baseline is worse (positive). */
	ck_assert_double_eq_tol(stats_overhead_pct(90, 100, 1), 10.0, 1e-12);
	ck_assert_double_eq_tol(stats_overhead_pct(110, 100, 1), -10.0, 1e-12);
	/* Latency: more than the baseline is worse (positive). */
	ck_assert_double_eq_tol(stats_overhead_pct(150, 100, 0), 50.0, 1e-12);
	ck_assert_double_eq_tol(stats_overhead_pct(80, 100, 0), -20.0, 1e-12);
	ck_assert(isnan(stats_overhead_pct(5, 0, 1)));
}
END_TEST

/* Weighted max-min fair shares, as a work-conserving scheduler gives them. */
START_TEST(fair_shares)
{
	double sh[4];
	/* Four equal weights on two CPUs, each able to use one: half each. */
	double w4[] = { 100, 100, 100, 100 }, d1[] = { 1, 1, 1, 1 };
	stats_fair_shares(w4, d1, 4, 2, sh);
	for (int i = 0; i < 4; i++)
		ck_assert_double_eq_tol(sh[i], 0.5, 1e-12);
	/* Quotas of a quarter each: the cap, the rest of the pool idle. */
	double q[] = { 0.25, 0.25, 0.25, 0.25 };
	stats_fair_shares(w4, q, 4, 2, sh);
	for (int i = 0; i < 4; i++)
		ck_assert_double_eq_tol(sh[i], 0.25, 1e-12);
	/* Weights 1:3 on one CPU: a quarter and three quarters. */
	double w2[] = { 1, 3 }, big[] = { 8, 8 };
	stats_fair_shares(w2, big, 2, 1, sh);
	ck_assert_double_eq_tol(sh[0], 0.25, 1e-12);
	ck_assert_double_eq_tol(sh[1], 0.75, 1e-12);
	/* What a capped member cannot use goes to the others by weight:
	 * 2 CPUs, one capped at 0.2, the other two (weights 1 and 3) share
	 * the remaining 1.8, and one of them caps at 1 thread. */
	double w3[] = { 100, 100, 300 }, d3[] = { 0.2, 4, 1 };
	stats_fair_shares(w3, d3, 3, 2, sh);
	ck_assert_double_eq_tol(sh[0], 0.2, 1e-12);
	ck_assert_double_eq_tol(sh[2], 1.0, 1e-12);
	ck_assert_double_eq_tol(sh[1], 0.8, 1e-12);
	/* Nobody wants more than the pool: each its demand. */
	double d2[] = { 0.5, 0.5 };
	stats_fair_shares(w2, d2, 2, 4, sh);
	ck_assert_double_eq_tol(sh[0], 0.5, 1e-12);
	ck_assert_double_eq_tol(sh[1], 0.5, 1e-12);
}
END_TEST

static Suite *stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, t_critical_matches_tables);
	tcase_add_test(tc, t_critical_bad_input);
	tcase_add_test(tc, incbeta_known_values);
	tcase_add_test(tc, compute_ci);
	tcase_add_test(tc, compute_edge_cases);
	tcase_add_test(tc, welch_known_values);
	tcase_add_test(tc, welch_degenerate);
	tcase_add_test(tc, overhead_orientation);
	tcase_add_test(tc, fair_shares);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(stats_suite());
}

/*
 * stats.h — statistics over repetitions: mean, sample standard deviation,
 * 95% confidence interval with Student's t, and Welch's t-test and
 * confidence interval for a difference of means. Pure functions, no
 * allocation.
 */
#ifndef ISOLAB_STATS_H
#define ISOLAB_STATS_H

#include <stddef.h>

struct stats {
	size_t n;
	double mean;
	double stddev;   /* sample (n-1); 0 when n < 2 */
	double ci95;     /* half-width of the 95% CI; 0 when n < 2 */
	double min, max;
};

/* Fills s from v[0..n). n may be 0 (all fields 0). */
void stats_compute(const double *v, size_t n, struct stats *s);
/* Two-sided Student's t critical value for confidence level (e.g. 0.95) and df (may be fractional); NAN on bad input. */
double stats_t_critical(double confidence, double df);
/* Welch's t-test: returns the two-sided p-value of mean(a) != mean(b);
 * returns 1.0 when either side has n < 2 or both variances are 0 with equal means,
 * 0.0 when both variances are 0 and the means differ. */
double stats_welch_p(const struct stats *a, const struct stats *b);
/* Half-width of the 95% confidence interval of mean(a) - mean(b) with
 * Welch–Satterthwaite degrees of freedom; NAN when either side has n < 2,
 * 0 when both variances are 0. */
double stats_welch_ci95(const struct stats *a, const struct stats *b);
/* The same at any confidence level (0.90: the interval of two one-sided
 * tests at 5%, for equivalence). */
double stats_welch_ci(const struct stats *a, const struct stats *b, double confidence);
/* Overhead of x against baseline b in percent, oriented so that a positive
 * value is always worse: for higher-is-better metrics (b-x)/|b|*100, else (x-b)/|b|*100; NAN when b is 0. */
double stats_overhead_pct(double x, double b, int higher_is_better);
/* Weighted max-min fair shares of pool CPUs, as a work-conserving
 * weighted scheduler gives them: each of n members gets pool * its weight
 * over the weights of those still wanting more, but never more than its
 * demand (the CPUs it can use: its threads, or its quota), and what a
 * member cannot use goes to the others by weight. share[i] gets member
 * i's; weights must be > 0. */
void stats_fair_shares(const double *weight, const double *demand, size_t n, double pool, double *share);
/* Regularised incomplete beta I_x(a,b) (for the t distribution); NAN unless a, b > 0. */
double stats_incbeta(double a, double b, double x);

#endif

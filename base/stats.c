/*
 * stats.c — mean, sample standard deviation, Student's t confidence
 * intervals and Welch's t-test.
 *
 * The t distribution is evaluated through the regularised incomplete beta
 * function: for T with df degrees of freedom,
 *     P(|T| > t) = I_{df/(df+t^2)}(df/2, 1/2),
 * so a two-sided p-value is one call to stats_incbeta and a critical value
 * is the root of that monotone function, found by bisection. This avoids a
 * lookup table, works for the non-integer degrees of freedom that
 * Welch–Satterthwaite produces, and matches published tables to the last
 * printed digit. I_x(a,b) uses the continued fraction of Numerical Recipes
 * (modified Lentz), applied on whichever side of the mean converges fast.
 */
#include "stats.h"

#include <math.h>

/* lgamma_r rather than lgamma: lgamma writes the global signgam, which the
 * engine thread and the UI thread could race on. */
static double log_beta(double a, double b)
{
	int sign;
	return lgamma_r(a, &sign) + lgamma_r(b, &sign) - lgamma_r(a + b, &sign);
}

/* Continued fraction for I_x(a,b); converges for x < (a+1)/(a+b+2). */
static double incbeta_cf(double a, double b, double x)
{
	const double tiny = 1e-300, eps = 1e-15;
	double qab = a + b, qap = a + 1.0, qam = a - 1.0;
	double c = 1.0, d = 1.0 - qab * x / qap;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1.0 / d;
	double h = d;
	for (int m = 1; m <= 10000; m++) {
		double m2 = 2.0 * m;
		double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		d = 1.0 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1.0 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1.0 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1.0 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		double del = d * c;
		h *= del;
		if (fabs(del - 1.0) < eps)
			break;
	}
	return h;
}

double stats_incbeta(double a, double b, double x)
{
	if (!(a > 0.0) || !(b > 0.0) || isnan(x))
		return NAN;
	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	double lfront = a * log(x) + b * log1p(-x) - log_beta(a, b);
	if (x < (a + 1.0) / (a + b + 2.0))
		return exp(lfront) * incbeta_cf(a, b, x) / a;
	return 1.0 - exp(lfront) * incbeta_cf(b, a, 1.0 - x) / b;
}

/* Two-sided tail probability P(|T| > t) for df degrees of freedom. */
static double t_two_sided_p(double t, double df)
{
	if (isinf(t))
		return 0.0;
	return stats_incbeta(df / 2.0, 0.5, df / (df + t * t));
}

double stats_t_critical(double confidence, double df)
{
	if (!(confidence > 0.0 && confidence < 1.0) || !(df > 0.0))
		return NAN;
	double alpha = 1.0 - confidence;
	double lo = 0.0, hi = 1.0;

	/* The tail probability falls as t grows: bracket the root, then halve. */
	while (t_two_sided_p(hi, df) > alpha) {
		lo = hi;
		hi *= 2.0;
		if (hi > 1e15)
			return INFINITY;
	}
	for (int i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
		double mid = 0.5 * (lo + hi);
		if (t_two_sided_p(mid, df) > alpha)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

void stats_compute(const double *v, size_t n, struct stats *s)
{
	*s = (struct stats){ .n = n };
	if (n == 0)
		return;
	double sum = 0.0;
	s->min = s->max = v[0];
	for (size_t i = 0; i < n; i++) {
		sum += v[i];
		if (v[i] < s->min)
			s->min = v[i];
		if (v[i] > s->max)
			s->max = v[i];
	}
	s->mean = sum / (double)n;
	/* Equal values vary by nothing, though their rounded mean may differ
	 * from them in the last bit (three of 0.1 average 0.10000000000000002),
	 * which would show a spread of 1e-17. */
	if (n < 2 || s->min == s->max)
		return;
	/* Two passes: the one-pass formula loses everything to cancellation
	 * when values are large and close, as throughputs often are. */
	double ss = 0.0;
	for (size_t i = 0; i < n; i++)
		ss += (v[i] - s->mean) * (v[i] - s->mean);
	s->stddev = sqrt(ss / (double)(n - 1));
	s->ci95 = stats_t_critical(0.95, (double)(n - 1)) * s->stddev / sqrt((double)n);
}

/* The squared standard error of mean(a) - mean(b) and its
 * Welch–Satterthwaite degrees of freedom (NAN when se2 is 0). */
static double welch_se2(const struct stats *a, const struct stats *b, double *df)
{
	double va = a->stddev * a->stddev / (double)a->n;
	double vb = b->stddev * b->stddev / (double)b->n;
	double se2 = va + vb;
	*df = se2 > 0.0 ? se2 * se2 / (va * va / (double)(a->n - 1) + vb * vb / (double)(b->n - 1)) : NAN;
	return se2;
}

double stats_welch_p(const struct stats *a, const struct stats *b)
{
	if (a->n < 2 || b->n < 2)
		return 1.0;
	double df, se2 = welch_se2(a, b, &df);
	double diff = a->mean - b->mean;
	if (se2 <= 0.0)
		return diff == 0.0 ? 1.0 : 0.0;
	return t_two_sided_p(diff / sqrt(se2), df);
}

double stats_welch_ci(const struct stats *a, const struct stats *b, double confidence)
{
	if (a->n < 2 || b->n < 2)
		return NAN;
	double df, se2 = welch_se2(a, b, &df);
	if (se2 <= 0.0)
		return 0.0;
	return stats_t_critical(confidence, df) * sqrt(se2);
}

double stats_welch_ci95(const struct stats *a, const struct stats *b)
{
	return stats_welch_ci(a, b, 0.95);
}

double stats_overhead_pct(double x, double b, int higher_is_better)
{
	if (b == 0.0)
		return NAN;
	double d = higher_is_better ? b - x : x - b;
	return d / fabs(b) * 100.0;
}

void stats_fair_shares(const double *weight, const double *demand, size_t n, double pool, double *share)
{
	for (size_t i = 0; i < n; i++)
		share[i] = -1; /* not settled */
	double left = pool;
	for (;;) {
		double w = 0;
		for (size_t i = 0; i < n; i++)
			if (share[i] < 0)
				w += weight[i];
		if (w <= 0)
			return;
		/* Settle every member whose demand is below its offer; the
		 * rest share what is left once none is. */
		int settled = 0;
		for (size_t i = 0; i < n; i++)
			if (share[i] < 0 && demand[i] <= left * weight[i] / w) {
				share[i] = demand[i];
				settled = 1;
			}
		if (!settled) {
			for (size_t i = 0; i < n; i++)
				if (share[i] < 0)
					share[i] = left * weight[i] / w;
			return;
		}
		left = pool;
		for (size_t i = 0; i < n; i++)
			if (share[i] >= 0)
				left -= share[i];
		if (left < 0)
			left = 0;
	}
}

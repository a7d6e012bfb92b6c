/*
 * lab.c — judges a lab's expect rules against a run's report.
 *
 * The point is that "this machine agreed with the published finding" is
 * computed from numbers written next to the finding, not typed by hand
 * after looking at the table: a person can read the rule, disagree with its
 * bounds, and change them in the experiment file.
 *
 * Rows are looked up by runtime, variant, workload and metric. A rule with
 * no variant takes, for an interference experiment, the target beside its
 * neighbours (that is what the findings are about), and otherwise the first
 * row of its runtime, workload and metric in report order. A metric
 * "host.QUANTITY.ROLE" (host.cpu_share_pct.runtime) names the report's cost
 * row of that role (report.h); a role without processes counts as 0 there,
 * which is what "none" means for CPU and memory. A metric
 * "aggregate.METRIC" (aggregate.rate) names a scale row's aggregate, the
 * sum over the group's N instances (the mean over repetitions), judged
 * by its value alone as ratio and value rules are.
 */
#include "lab.h"
#include "stats.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *lab_outcome_name(enum lab_outcome o)
{
	switch (o) {
	case LAB_AGREED: return "agreed";
	case LAB_DISAGREED: return "did not agree";
	case LAB_UNKNOWN: break;
	}
	return "could not tell";
}

const char *lab_outcome_sentence(enum lab_outcome o)
{
	switch (o) {
	case LAB_AGREED: return "This machine agreed with the published finding.";
	case LAB_DISAGREED: return "This machine did not agree with the published finding.";
	case LAB_UNKNOWN: break;
	}
	return "This run cannot tell whether this machine agrees with the published finding.";
}

/* A cost row, as a report row in *tmp (strings borrowed from the report). */
static const struct report_row *find_cost(const struct report *r, const char *runtime, const char *variant,
    const char *workload, const char *metric, struct report_row *tmp)
{
	const char *q = metric + 5, *dot = strrchr(q, '.');
	if (!dot)
		return NULL;
	for (size_t i = 0; i < r->ncosts; i++) {
		const struct report_cost *c = &r->costs[i];
		const char *qn = report_cost_qty_name(c->qty);
		if (strlen(qn) != (size_t)(dot - q) || strncmp(qn, q, (size_t)(dot - q)) ||
		    strcmp(report_cost_role_name(c->role), dot + 1) || c->component[0] || strcmp(c->runtime, runtime) ||
		    strcmp(c->workload, workload) || (variant && strcmp(c->variant, variant)))
			continue;
		*tmp = (struct report_row){ .runtime = c->runtime, .workload = c->workload, .metric = (char *)metric,
			.unit = c->unit, .host = c->host, .variant = c->variant, .st = c->st,
			.higher_is_better = c->qty == COST_WORK_PER_CPU, .p50 = NAN, .p95 = NAN, .aggregate = NAN,
			.fairness = NAN, .fair_lowest = NAN, .degradation_pct = NAN };
		if (c->none) { /* no process of the role: it used nothing */
			tmp->st = (struct stats){ .n = 1 };
		}
		return tmp;
	}
	return NULL;
}

static const struct report_row *find_row(const struct report *r, const char *runtime, const char *variant,
    const char *workload, const char *metric, struct report_row *tmp)
{
	if (!strncmp(metric, "host.", 5))
		return find_cost(r, runtime, variant, workload, metric, tmp);
	if (!strncmp(metric, "aggregate.", 10)) {
		const struct report_row *row = find_row(r, runtime, variant, workload, metric + 10, tmp);
		if (!row || !isfinite(row->aggregate))
			return NULL;
		*tmp = *row;
		tmp->metric = (char *)metric;
		tmp->st = (struct stats){ .n = 1, .mean = row->aggregate, .min = row->aggregate, .max = row->aggregate };
		tmp->has_degradation = 0;
		return tmp;
	}
	for (size_t i = 0; i < r->nrows; i++) {
		const struct report_row *row = &r->rows[i];
		if (!strcmp(row->runtime, runtime) && !strcmp(row->workload, workload) &&
		    !strcmp(row->metric, metric) && (!variant || !strcmp(row->variant, variant)))
			return row;
	}
	return NULL;
}

static const char *row_name(const struct report_row *row, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s", row->runtime, row->variant[0] ? "/" : "", row->variant);
	return buf;
}

/* Appends "what" to a claim being built from the bounds. */
static void claim_add(char **claim, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void claim_add(char **claim, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *what = xvasprintf(fmt, ap);
	va_end(ap);
	char *c = *claim ? xasprintf("%s and %s", *claim, what) : xstrdup(what);
	free(what);
	free(*claim);
	*claim = c;
}

/* A measured value without exponents: people compare these with the
 * studies' figures. */
static const char *fmt_value(double v, char *buf, size_t size)
{
	snprintf(buf, size, fabs(v) >= 100 ? "%.0f" : fabs(v) >= 1 ? "%.2f" : "%.3g", v);
	return buf;
}

static int within(double v, double lo, double hi)
{
	return (isnan(lo) || v >= lo) && (isnan(hi) || v <= hi);
}

/* The rule in words, made from its bounds (malloc'd). */
static char *rule_bounds(const struct experiment *exp, const struct expect *x)
{
	const char *runtime = x->runtime ? x->runtime : exp->runtimes ? exp->runtimes[0] : "?";
	const char *workload = x->workload ? x->workload : exp->workloads ? exp->workloads[0] : "?";
	const char *vs = x->vs ? x->vs : runtime;
	int has_ratio = !isnan(x->ratio_min) || !isnan(x->ratio_max);
	int has_over = !isnan(x->overhead_min) || !isnan(x->overhead_max);
	int has_degr = !isnan(x->degradation_min) || !isnan(x->degradation_max);
	int has_value = !isnan(x->value_min) || !isnan(x->value_max);
	char *claim = NULL;

	if (has_ratio) {
		if (!isnan(x->ratio_min) && !isnan(x->ratio_max))
			claim_add(&claim, "%s %s is %g to %g times %s's", runtime, x->metric, x->ratio_min, x->ratio_max, vs);
		else if (!isnan(x->ratio_min))
			claim_add(&claim, "%s %s is at least %g times %s's", runtime, x->metric, x->ratio_min, vs);
		else
			claim_add(&claim, "%s %s is at most %g times %s's", runtime, x->metric, x->ratio_max, vs);
	}
	if (has_over) {
		if (!isnan(x->overhead_max) && isnan(x->overhead_min))
			claim_add(&claim, "%s is at most %g%% worse than %s on %s %s", runtime, x->overhead_max, vs,
			    workload, x->metric);
		else if (isnan(x->overhead_max))
			claim_add(&claim, "%s is at least %g%% worse than %s on %s %s", runtime, x->overhead_min, vs,
			    workload, x->metric);
		else
			claim_add(&claim, "%s is %g%% to %g%% worse than %s on %s %s", runtime, x->overhead_min,
			    x->overhead_max, vs, workload, x->metric);
	}
	if (has_degr) {
		if (!isnan(x->degradation_min) && !isnan(x->degradation_max))
			claim_add(&claim, "beside its neighbours %s %s loses %g%% to %g%%", runtime, workload,
			    x->degradation_min, x->degradation_max);
		else if (!isnan(x->degradation_min))
			claim_add(&claim, "beside its neighbours %s %s loses at least %g%%", runtime, workload,
			    x->degradation_min);
		else
			claim_add(&claim, "beside its neighbours %s %s loses at most %g%%", runtime, workload,
			    x->degradation_max);
	}
	if (!isnan(x->equivalent))
		claim_add(&claim, "%s is as good as %s on %s %s, within %g%%", runtime, vs, workload, x->metric,
		    x->equivalent);
	if (x->dnf >= 0)
		claim_add(&claim, "the %s target %s beside its neighbours", runtime, x->dnf ? "does not finish" : "finishes");
	if (has_value) {
		if (!isnan(x->value_min) && !isnan(x->value_max))
			claim_add(&claim, "%s %s %s is %g to %g", runtime, workload, x->metric, x->value_min, x->value_max);
		else if (!isnan(x->value_min))
			claim_add(&claim, "%s %s %s is at least %g", runtime, workload, x->metric, x->value_min);
		else
			claim_add(&claim, "%s %s %s is at most %g", runtime, workload, x->metric, x->value_max);
	}
	if (!isnan(x->fairness_min))
		claim_add(&claim, "the %s instances of %s share %s evenly: Jain's index at least %g", runtime, workload,
		    x->metric, x->fairness_min);
	if (x->needs_kvm)
		claim_add(&claim, "(about hardware-assisted VMs)");
	return claim ? claim : xstrdup("(a rule without bounds)");
}

char *lab_rule_claim(const struct experiment *exp, const struct expect *x)
{
	return x->text ? xstrdup(x->text) : rule_bounds(exp, x);
}

/* Whether a VM of runtime ran emulated (TCG) in this run. */
static int runtime_emulated(const struct report *r, const char *runtime)
{
	for (size_t i = 0; i < r->nrows; i++)
		if (r->rows[i].emulated && !strcmp(r->rows[i].runtime, runtime))
			return 1;
	return 0;
}

/* The half-width, in % of b's mean, of the CI at confidence of a's mean
 * less b's (Welch): the CI of the overhead is over +- it. NAN when a side
 * has fewer than two repetitions. */
static double over_ci(const struct report_row *a, const struct report_row *b, double confidence)
{
	double h = stats_welch_ci(&a->st, &b->st, confidence);
	return isfinite(h) && b->st.mean != 0 ? h / fabs(b->st.mean) * 100 : NAN;
}

static const char no_ci_for_bound[] = "one repetition of a side gives no confidence interval to judge a bound by";

/* The interval v +- h in *lo and *hi; 0 when there is none: the rule then
 * fails (no value v to bound) or cannot tell (h NAN: one repetition of a
 * side), which why says in the measured text. */
static int interval(double v, double h, const char *why, int *agree, int *tell, char **m, double *lo, double *hi)
{
	if (!isfinite(v)) {
		*agree = 0;
		return 0;
	}
	if (isnan(h)) {
		*tell = 0;
		claim_add(m, "%s", why);
		return 0;
	}
	*lo = v - h;
	*hi = v + h;
	return 1;
}

/* Bounds min and max (NAN: none) against an interval [lo, hi]: a bound
 * holds when the whole interval is on its side, fails when the whole
 * interval is past it, and cannot be told while the interval crosses it. */
static void bounds_by_interval(double lo, double hi, double min, double max, int *agree, int *tell)
{
	if (!isnan(min)) {
		if (hi < min)
			*agree = 0;
		else if (lo < min)
			*tell = 0;
	}
	if (!isnan(max)) {
		if (lo > max)
			*agree = 0;
		else if (hi > max)
			*tell = 0;
	}
}

/* Overhead bounds against the 95% CI of the overhead: a bound holds when
 * the whole interval is on its side, fails when the whole interval is
 * past it, and cannot be told while the interval straddles it, or
 * without an interval (one repetition). */
static void judge_over(const struct expect *x, const struct report_row *a, const struct report_row *b, double over,
    int *agree, int *tell, char **m)
{
	double lo, hi;
	if (!interval(over, over_ci(a, b, 0.95), no_ci_for_bound, agree, tell, m, &lo, &hi))
		return;
	claim_add(m, "95%% CI %+.1f%% to %+.1f%%", lo, hi);
	bounds_by_interval(lo, hi, x->overhead_min, x->overhead_max, agree, tell);
}

/* Equivalence within +-margin, by two one-sided tests at 5%: the 90% CI of
 * the overhead inside the margin agrees, wholly outside it disagrees, and
 * across its edge cannot be told (more repetitions would). */
static void judge_equiv(const struct expect *x, const struct report_row *a, const struct report_row *b, double over,
    int *agree, int *tell, char **m)
{
	double lo, hi, mg = x->equivalent;
	if (!interval(over, over_ci(a, b, 0.90), "equivalence needs two repetitions of each side or more", agree, tell,
	    m, &lo, &hi))
		return;
	if (lo >= -mg && hi <= mg)
		claim_add(m, "90%% CI %+.1f%% to %+.1f%%, inside +-%g%%: equivalent", lo, hi, mg);
	else if (lo > mg || hi < -mg) {
		*agree = 0;
		claim_add(m, "90%% CI %+.1f%% to %+.1f%%, outside +-%g%%: not equivalent", lo, hi, mg);
	} else {
		*tell = 0;
		claim_add(m, "90%% CI %+.1f%% to %+.1f%% reaches past +-%g%%: more repetitions would tell", lo, hi, mg);
	}
}

static void judge(const struct experiment *exp, const struct report *r, const struct expect *x,
    struct lab_check *c)
{
	const char *runtime = x->runtime ? x->runtime : exp->runtimes ? exp->runtimes[0] : NULL;
	const char *workload = x->workload ? x->workload : exp->workloads ? exp->workloads[0] : NULL;
	const char *variant = x->variant;
	if (!variant && exp->kind == EXP_INTERFERENCE)
		variant = "neighbours";
	char an[160], bn[160];
	int has_ratio = !isnan(x->ratio_min) || !isnan(x->ratio_max);
	int has_over = !isnan(x->overhead_min) || !isnan(x->overhead_max);
	int has_degr = !isnan(x->degradation_min) || !isnan(x->degradation_max);
	int has_value = !isnan(x->value_min) || !isnan(x->value_max);
	int has_equiv = !isnan(x->equivalent);
	struct report_row ta, tb;

	c->outcome = LAB_UNKNOWN;
	if (!runtime || !workload) {
		c->claim = xstrdup(x->text ? x->text : "(a rule without a runtime or workload)");
		c->measured = xstrdup("the experiment names no runtime or workload");
		return;
	}
	const struct report_row *a = find_row(r, runtime, variant, workload, x->metric, &ta);
	const char *vs = x->vs ? x->vs : runtime;
	const char *vs_variant = x->vs_variant ? x->vs_variant : x->vs ? (a ? a->variant : variant) : NULL;
	const struct report_row *b = (has_ratio || has_over || has_equiv) ?
	    find_row(r, vs, vs_variant, workload, x->metric, &tb) : NULL;

	c->claim = lab_rule_claim(exp, x);

	if (!a) {
		c->measured = xasprintf("no %s%s%s row for %s %s in this run (did the runtime run here?)", runtime,
		    variant ? "/" : "", variant ? variant : "", workload, x->metric);
		return;
	}
	int dnf = a->target && a->dnf > 0;
	if (!dnf && !a->st.n) {
		c->measured = xasprintf("%s %s %s has no successful repetition", row_name(a, an, sizeof an), workload,
		    x->metric);
		return;
	}
	if ((has_ratio || has_over || has_equiv) && (!b || !b->st.n)) {
		c->measured = xasprintf("no result for %s%s%s %s %s to compare with", vs, vs_variant && *vs_variant ? "/" : "",
		    vs_variant ? vs_variant : "", workload, x->metric);
		return;
	}
	int agree = 1, tell = 1;
	char *m = NULL;
	if (has_ratio || has_over || has_equiv) {
		if (dnf) {
			c->measured = xasprintf("%s did not finish: no value to compare", row_name(a, an, sizeof an));
			return;
		}
		double ratio = b->st.mean != 0 ? a->st.mean / b->st.mean : NAN;
		double over = stats_overhead_pct(a->st.mean, b->st.mean, a->higher_is_better);
		if (has_ratio)
			agree &= isfinite(ratio) && within(ratio, x->ratio_min, x->ratio_max);
		char av[32], bv[32];
		m = xasprintf("%s %s %s = %s %s, %s = %s: ratio %.3g, %+.1f%% (positive is worse)",
		    row_name(a, an, sizeof an), workload, x->metric, fmt_value(a->st.mean, av, sizeof av), a->unit,
		    row_name(b, bn, sizeof bn), fmt_value(b->st.mean, bv, sizeof bv), ratio, over);
		if (has_over)
			judge_over(x, a, b, over, &agree, &tell, &m);
		if (has_equiv)
			judge_equiv(x, a, b, over, &agree, &tell, &m);
	}
	if (has_degr) {
		if (dnf) {
			/* Starved: worse than any finite bound. */
			agree &= isnan(x->degradation_max);
			claim_add(&m, "%s did not finish (DNF)", row_name(a, an, sizeof an));
		} else if (!a->has_degradation) {
			free(m);
			c->measured = xasprintf("%s has no run alone to compare with", row_name(a, an, sizeof an));
			return;
		} else {
			/* By its 95% CI, as an overhead bound. */
			double d = a->degradation_pct, lo, hi;
			claim_add(&m, "%s %s %s is %+.1f%% against the target alone", row_name(a, an, sizeof an), workload,
			    x->metric, d);
			if (interval(d, a->degradation_ci95, no_ci_for_bound, &agree, &tell, &m, &lo, &hi)) {
				claim_add(&m, "95%% CI %+.1f%% to %+.1f%%", lo, hi);
				bounds_by_interval(lo, hi, x->degradation_min, x->degradation_max, &agree, &tell);
			}
		}
	}
	if (x->dnf >= 0) {
		agree &= dnf == x->dnf;
		if (!has_degr)
			claim_add(&m, dnf ? "%s did not finish (DNF)" : "%s finished", row_name(a, an, sizeof an));
	}
	if (has_value) {
		char av[32];
		agree &= !dnf && within(a->st.mean, x->value_min, x->value_max);
		claim_add(&m, "%s %s %s = %s %s", row_name(a, an, sizeof an), workload, x->metric,
		    fmt_value(a->st.mean, av, sizeof av), a->unit);
	}
	if (!isnan(x->fairness_min)) {
		if (!isfinite(a->fairness)) {
			free(m);
			c->measured = xasprintf("%s %s %s has no instances that ran together to judge their shares",
			    row_name(a, an, sizeof an), workload, x->metric);
			return;
		}
		agree &= a->fairness >= x->fairness_min;
		claim_add(&m, "%s %s %s: Jain's index %.3f, the least-served instance at %.0f%% of an equal share",
		    row_name(a, an, sizeof an), workload, x->metric, a->fairness, a->fair_lowest * 100);
	}
	c->outcome = !agree ? LAB_DISAGREED : tell ? LAB_AGREED : LAB_UNKNOWN;
	/* A finding about hardware-assisted VMs says nothing about an
	 * emulator's figures: shown, not judged. */
	if (x->needs_kvm && (runtime_emulated(r, runtime) || (b && runtime_emulated(r, b->runtime)))) {
		c->outcome = LAB_UNKNOWN;
		c->measured = xasprintf("cannot tell: emulated (TCG), not hardware-assisted as the finding's VMs; "
		    "under TCG: %s", m ? m : "-");
		free(m);
		return;
	}
	c->measured = m;
}

void lab_verdict(const struct experiment *exp, const struct report *r, struct lab_verdict *out)
{
	*out = (struct lab_verdict){ .outcome = LAB_UNKNOWN };
	if (!exp->nexpects)
		return;
	out->checks = xcalloc(exp->nexpects, sizeof(*out->checks));
	int any_unknown = 0, any_no = 0;
	for (size_t i = 0; i < exp->nexpects; i++) {
		judge(exp, r, &exp->expects[i], &out->checks[i]);
		any_unknown |= out->checks[i].outcome == LAB_UNKNOWN;
		any_no |= out->checks[i].outcome == LAB_DISAGREED;
	}
	out->nchecks = exp->nexpects;
	out->outcome = any_no ? LAB_DISAGREED : any_unknown ? LAB_UNKNOWN : LAB_AGREED;
}

void lab_verdict_free(struct lab_verdict *v)
{
	for (size_t i = 0; i < v->nchecks; i++) {
		free(v->checks[i].claim);
		free(v->checks[i].measured);
	}
	free(v->checks);
	*v = (struct lab_verdict){ 0 };
}

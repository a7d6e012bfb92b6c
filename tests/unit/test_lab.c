/* test_lab.c — verdicts of lab rules against reports built by hand, and
 * the labs shipped in experiments/ load and name rows their runs make. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "journal-fixture.h"
#include "lab.h"
#include "report.h"
#include "unit.h"
#include "util.h"

static struct report_row row(const char *rt, const char *variant, const char *wl, const char *metric, double mean,
    int hib)
{
	struct report_row r = { .runtime = (char *)rt, .variant = (char *)variant, .workload = (char *)wl,
		.metric = (char *)metric, .unit = (char *)"u", .host = (char *)"local", .higher_is_better = hib,
		.p50 = NAN, .p95 = NAN, .aggregate = NAN, .fairness = NAN, .fair_lowest = NAN, .degradation_pct = NAN };
	r.st.n = 3;
	r.st.mean = mean;
	return r;
}

static struct expect rule(void)
{
	struct expect x = { .metric = (char *)"rate", .dnf = -1 };
	x.ratio_min = x.ratio_max = x.overhead_min = x.overhead_max = NAN;
	x.degradation_min = x.degradation_max = NAN;
	x.value_min = x.value_max = NAN;
	x.equivalent = NAN;
	x.fairness_min = NAN;
	return x;
}

/* A row whose repetitions spread: n of them, standard deviation sd. */
static struct report_row spread(const char *rt, const char *wl, double mean, double sd, size_t n)
{
	struct report_row r = row(rt, "", wl, "rate", mean, 1);
	r.st.n = n;
	r.st.stddev = sd;
	return r;
}

static char *rts[] = { (char *)"native", (char *)"gvisor", NULL };
static char *wls[] = { (char *)"syscall", NULL };

START_TEST(ratio_agrees_and_disagrees)
{
	struct report_row rows[] = {
		row("native", "", "syscall", "ns_per_call", 200, 0),
		row("gvisor", "", "syscall", "ns_per_call", 20000, 0),
	};
	struct report r = { .rows = rows, .nrows = 2, .run_id = (char *)"t" };
	struct expect x = rule();
	x.metric = (char *)"ns_per_call";
	x.runtime = (char *)"gvisor";
	x.vs = (char *)"native";
	x.ratio_min = 15;
	struct experiment exp = { .runtimes = rts, .workloads = wls, .expects = &x, .nexpects = 1 };
	struct lab_verdict v;
	lab_verdict(&exp, &r, &v);
	ck_assert_int_eq(v.outcome, LAB_AGREED);
	ck_assert_ptr_nonnull(strstr(v.checks[0].measured, "ratio 100"));
	ck_assert_ptr_nonnull(strstr(v.checks[0].claim, "at least 15 times"));
	lab_verdict_free(&v);

	x.ratio_max = 60; /* measured 100x: outside the published 15-60x */
	lab_verdict(&exp, &r, &v);
	ck_assert_int_eq(v.outcome, LAB_DISAGREED);
	lab_verdict_free(&v);
}
END_TEST

START_TEST(overhead_is_direction_aware)
{
	/* Throughput: runc 1% lower than native is 1% worse. */
	struct report_row rows[] = {
		row("native", "", "cpu", "rate", 1000, 1),
		row("runc", "", "cpu", "rate", 990, 1),
	};
	struct report r = { .rows = rows, .nrows = 2, .run_id = (char *)"t" };
	struct expect x = rule();
	x.runtime = (char *)"runc";
	x.vs = (char *)"native";
	x.workload = (char *)"cpu";
	x.overhead_max = 2;
	struct experiment exp = { .runtimes = rts, .workloads = wls, .expects = &x, .nexpects = 1 };
	struct lab_verdict v;
	lab_verdict(&exp, &r, &v);
	ck_assert_int_eq(v.outcome, LAB_AGREED);
	lab_verdict_free(&v);
	rows[1].st.mean = 900; /* 10% worse */
	lab_verdict(&exp, &r, &v);
	ck_assert_int_eq(v.outcome, LAB_DISAGREED);
	lab_verdict_free(&v);
}
END_TEST

/* The verdict of rule x (runtime, vs and workload set) on two rows; its
 * measured text in measured (static until the next call). */
static enum lab_outcome judge2(struct report_row *rows, struct expect *x, const char **measured)
{
	static char text[512];
	struct report r = { .rows = rows, .nrows = 2, .run_id = (char *)"t" };
	struct experiment exp = { .runtimes = rts, .workloads = wls, .expects = x, .nexpects = 1 };
	struct lab_verdict v;
	lab_verdict(&exp, &r, &v);
	snprintf(text, sizeof text, "%s | %s", v.checks[0].measured, v.checks[0].claim);
	enum lab_outcome o = v.checks[0].outcome;
	ck_assert_int_eq(v.outcome, o);
	lab_verdict_free(&v);
	*measured = text;
	return o;
}

static struct expect rule_vs(const char *rt, const char *vs, const char *wl)
{
	struct expect x = rule();
	x.runtime = (char *)rt;
	x.vs = (char *)vs;
	x.workload = (char *)wl;
	return x;
}

#define ASSERT_VERDICT(rows, x, want, text) do { \
		const char *m_; \
		ck_assert_msg(judge2(rows, x, &m_) == (want) && strstr(m_, text), "%s", m_); \
	} while (0)

START_TEST(equivalence_by_two_one_sided_tests)
{
	/* 5 repetitions each, sd 10 at 1000: the 90% CI of the overhead is
	 * about +-1.2 points around it. */
	struct report_row rows[] = { spread("native", "cpu", 1000, 10, 5), spread("runc", "cpu", 990, 10, 5) };
	struct expect x = rule_vs("runc", "native", "cpu");
	x.equivalent = 5;
	ASSERT_VERDICT(rows, &x, LAB_AGREED, "inside +-5%: equivalent");
	ASSERT_VERDICT(rows, &x, LAB_AGREED, "as good as native on cpu rate, within 5%");
	/* 19.9% faster is a difference, not an equivalence, in either direction. */
	rows[1].st.mean = 1199;
	ASSERT_VERDICT(rows, &x, LAB_DISAGREED, "outside +-5%: not equivalent");
	/* 4% worse with a wide spread: the interval crosses the margin. */
	rows[1].st.mean = 960;
	rows[1].st.stddev = 40;
	ASSERT_VERDICT(rows, &x, LAB_UNKNOWN, "more repetitions would tell");
	/* One repetition: no interval, no equivalence claimed. */
	rows[1].st.n = 1;
	rows[1].st.mean = 1000;
	ASSERT_VERDICT(rows, &x, LAB_UNKNOWN, "two repetitions");
}
END_TEST

START_TEST(at_least_uses_the_interval)
{
	struct report_row rows[] = { spread("native", "file", 1000, 10, 5), spread("qemu", "file", 700, 10, 5) };
	struct expect x = rule_vs("qemu", "native", "file");
	x.overhead_min = 20;
	ASSERT_VERDICT(rows, &x, LAB_AGREED, "95% CI +28"); /* 30% worse, CI +-1.5 */
	/* 21% worse on the mean, but the 95% CI reaches down to about 9%. */
	rows[1].st.mean = 790;
	rows[1].st.stddev = 100;
	ASSERT_VERDICT(rows, &x, LAB_UNKNOWN, "95% CI");
	/* 5% worse, the whole interval below 20%. */
	rows[1].st.mean = 950;
	rows[1].st.stddev = 10;
	ASSERT_VERDICT(rows, &x, LAB_DISAGREED, "95% CI");
}
END_TEST

START_TEST(needs_kvm_under_tcg_cannot_tell)
{
	struct report_row rows[] = { row("native", "", "cpu", "rate", 1000, 1), row("qemu", "", "cpu", "rate", 183, 1) };
	struct expect x = rule_vs("qemu", "native", "cpu");
	x.overhead_max = 5;
	x.needs_kvm = 1;
	/* Under KVM the rule is judged: 81.7% worse is not at most 5%. */
	ASSERT_VERDICT(rows, &x, LAB_DISAGREED, "+81.7%");
	/* Under TCG it cannot tell, and shows the emulator's figure. */
	rows[1].emulated = 1;
	ASSERT_VERDICT(rows, &x, LAB_UNKNOWN, "cannot tell: emulated (TCG)");
	ASSERT_VERDICT(rows, &x, LAB_UNKNOWN, "+81.7%");
	/* A rule not about hardware-assisted VMs is judged under TCG too. */
	x.needs_kvm = 0;
	ASSERT_VERDICT(rows, &x, LAB_DISAGREED, "+81.7%");
}
END_TEST

START_TEST(missing_rows_cannot_tell)
{
	struct report_row rows[] = { row("native", "", "syscall", "rate", 1000, 1) };
	struct report r = { .rows = rows, .nrows = 1, .run_id = (char *)"t" };
	struct expect x = rule();
	x.runtime = (char *)"gvisor";
	x.vs = (char *)"native";
	x.ratio_min = 2;
	struct experiment exp = { .runtimes = rts, .workloads = wls, .expects = &x, .nexpects = 1 };
	struct lab_verdict v;
	lab_verdict(&exp, &r, &v);
	ck_assert_int_eq(v.outcome, LAB_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(v.checks[0].measured, "no gvisor"));
	lab_verdict_free(&v);
	/* No rules at all: nothing to tell either. */
	exp.nexpects = 0;
	lab_verdict(&exp, &r, &v);
	ck_assert_int_eq(v.outcome, LAB_UNKNOWN);
	ck_assert_uint_eq(v.nchecks, 0);
	lab_verdict_free(&v);
}
END_TEST

START_TEST(interference_dnf_and_degradation)
{
	struct report_row rows[] = {
		row("runc", "alone", "fork", "rate", 1000, 1),
		row("runc", "neighbours", "fork", "rate", 700, 1),
	};
	rows[1].target = 1;
	rows[1].has_degradation = 1;
	rows[1].degradation_pct = 30;
	struct report r = { .rows = rows, .nrows = 2, .run_id = (char *)"t" };
	struct expect x[2] = { rule(), rule() };
	x[0].runtime = (char *)"runc";
	x[0].dnf = 1;
	x[1].runtime = (char *)"runc";
	x[1].degradation_min = 20;
	x[1].degradation_max = 40;
	char *w[] = { (char *)"fork", NULL };
	struct experiment exp = { .kind = EXP_INTERFERENCE, .runtimes = rts, .workloads = w, .expects = x, .nexpects = 2 };
	struct lab_verdict v;
	lab_verdict(&exp, &r, &v);
	/* It finished and lost 30%: the DNF rule disagrees, the degradation rule agrees. */
	ck_assert_int_eq(v.checks[0].outcome, LAB_DISAGREED);
	ck_assert_int_eq(v.checks[1].outcome, LAB_AGREED);
	ck_assert_int_eq(v.outcome, LAB_DISAGREED);
	lab_verdict_free(&v);

	/* Judged by its 95% CI: one crossing the bound cannot tell, and
	 * without one (a single repetition) neither can it. */
	rows[1].degradation_ci95 = 15; /* 15% to 45% */
	lab_verdict(&exp, &r, &v);
	ck_assert_msg(v.checks[1].outcome == LAB_UNKNOWN, "%s", v.checks[1].measured);
	ck_assert_msg(strstr(v.checks[1].measured, "95% CI +15.0% to +45.0%"), "%s", v.checks[1].measured);
	lab_verdict_free(&v);
	rows[1].degradation_ci95 = NAN;
	lab_verdict(&exp, &r, &v);
	ck_assert_int_eq(v.checks[1].outcome, LAB_UNKNOWN);
	lab_verdict_free(&v);
	rows[1].degradation_ci95 = 2; /* 28% to 32%, past 25% */
	x[1].degradation_max = 25;
	lab_verdict(&exp, &r, &v);
	ck_assert_int_eq(v.checks[1].outcome, LAB_DISAGREED);
	lab_verdict_free(&v);
	x[1].degradation_max = 40;

	rows[1].st.n = 0; /* starved */
	rows[1].dnf = 1;
	rows[1].has_degradation = 0;
	lab_verdict(&exp, &r, &v);
	ck_assert_int_eq(v.checks[0].outcome, LAB_AGREED);
	ck_assert_int_eq(v.checks[1].outcome, LAB_DISAGREED); /* DNF is worse than any finite bound */
	ck_assert_ptr_nonnull(strstr(v.checks[0].measured, "DNF"));
	lab_verdict_free(&v);
}
END_TEST

/* Rules on the cost by role (host.QUANTITY.ROLE) of the attribution
 * fixture (tests/data/journal/attrib, see test_cost.c): gVisor's runtime
 * takes 62% of the host CPU, the sandbox's 0%, native's has no process
 * (none counts as 0), and qemu's peak RSS is 309000 kB to gVisor's 26000. */
/* Fair shares: Jain's index of the instances that ran together against
 * the bound; a row without a group to judge cannot tell. */
START_TEST(fairness_rules)
{
	struct report_row rows[] = { row("sandbox", "equal", "cpu", "rate", 1000, 1) };
	rows[0].fairness = 0.99;
	rows[0].fair_lowest = 0.93;
	struct report r = { .rows = rows, .nrows = 1, .run_id = (char *)"t" };
	struct expect x = rule();
	x.runtime = (char *)"sandbox";
	x.variant = (char *)"equal";
	x.fairness_min = 0.95;
	char *w[] = { (char *)"cpu", NULL }, *rt[] = { (char *)"sandbox", NULL };
	struct experiment exp = { .kind = EXP_ALLOCATION, .runtimes = rt, .workloads = w, .expects = &x, .nexpects = 1 };
	struct lab_verdict v;
	lab_verdict(&exp, &r, &v);
	ck_assert_int_eq(v.outcome, LAB_AGREED);
	ck_assert_msg(strstr(v.checks[0].measured, "Jain's index 0.990, the least-served instance at 93% of an equal share"),
	    "%s", v.checks[0].measured);
	lab_verdict_free(&v);
	rows[0].fairness = 0.80;
	lab_verdict(&exp, &r, &v);
	ck_assert_int_eq(v.outcome, LAB_DISAGREED);
	lab_verdict_free(&v);
	rows[0].fairness = NAN;
	lab_verdict(&exp, &r, &v);
	ck_assert_int_eq(v.outcome, LAB_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(v.checks[0].measured, "no instances that ran together"));
	lab_verdict_free(&v);
	char *claim = lab_rule_claim(&exp, &x);
	ck_assert_str_eq(claim, "the sandbox instances of cpu share rate evenly: Jain's index at least 0.95");
	free(claim);
}
END_TEST

START_TEST(cost_rules)
{
	struct journal_read jr;
	struct report r;
	char *tmpdir = NULL;
	journal_fixture_open("attrib", "lab", &jr, &r, &tmpdir);
	static char *all[] = { (char *)"native", (char *)"gvisor", (char *)"qemu", (char *)"sandbox", NULL };
	struct expect x[5];
	for (size_t i = 0; i < 5; i++) {
		x[i] = rule();
		x[i].workload = (char *)"syscall";
		x[i].metric = (char *)"host.cpu_share_pct.runtime";
	}
	x[0].runtime = (char *)"gvisor";
	x[0].value_min = 10;
	x[1].runtime = (char *)"sandbox";
	x[1].value_max = 1;
	x[2].runtime = (char *)"native";
	x[2].metric = (char *)"host.cpu_s.runtime";
	x[2].value_max = 0;
	x[3].runtime = (char *)"qemu";
	x[3].vs = (char *)"gvisor";
	x[3].metric = (char *)"host.rss_peak_kb.total";
	x[3].ratio_min = 10;
	x[4].runtime = (char *)"gvisor";
	x[4].value_max = 50;
	struct experiment exp = { .runtimes = all, .workloads = wls, .expects = x, .nexpects = 5 };
	struct lab_verdict v;
	lab_verdict(&exp, &r, &v);
	for (size_t i = 0; i < 4; i++)
		ck_assert_msg(v.checks[i].outcome == LAB_AGREED, "rule %zu: %s: %s", i, v.checks[i].claim, v.checks[i].measured);
	ck_assert_int_eq(v.checks[4].outcome, LAB_DISAGREED);
	ck_assert_int_eq(v.outcome, LAB_DISAGREED);
	ck_assert_ptr_nonnull(strstr(v.checks[0].measured, "gvisor syscall host.cpu_share_pct.runtime = 61.90 %"));
	ck_assert_ptr_nonnull(strstr(v.checks[0].claim, "is at least 10"));
	ck_assert_ptr_nonnull(strstr(v.checks[3].measured, "ratio 11.9"));
	lab_verdict_free(&v);
	/* A quantity or role that does not exist names no row: cannot tell. */
	x[0].metric = (char *)"host.cpu_s.nosuchrole";
	exp.nexpects = 1;
	lab_verdict(&exp, &r, &v);
	ck_assert_int_eq(v.outcome, LAB_UNKNOWN);
	lab_verdict_free(&v);
	journal_fixture_close(&jr, &r, &tmpdir);
}
END_TEST

/* aggregate.METRIC judges a scale group's aggregate (the sum over its N
 * instances), not the mean per instance. */
START_TEST(aggregate_rules)
{
	struct report_row rows[] = {
		row("runc", "N=1", "postgresql", "rate", 1600, 1),
		row("runc", "N=8", "postgresql", "rate", 170, 1),
		row("qemu", "N=1", "postgresql", "rate", 1000, 1),
	};
	rows[0].aggregate = 1600;
	rows[1].aggregate = 8 * 170;
	static char *scale_rts[] = { (char *)"runc", (char *)"qemu", NULL };
	static char *scale_wls[] = { (char *)"postgresql", NULL };
	struct report r = { .rows = rows, .nrows = 3, .run_id = (char *)"t" };
	struct expect x = rule();
	x.runtime = (char *)"runc";
	x.vs = (char *)"runc";
	x.variant = (char *)"N=8";
	x.vs_variant = (char *)"N=1";
	x.metric = (char *)"aggregate.rate";
	x.ratio_min = 0.7;
	struct experiment exp = { .runtimes = scale_rts, .workloads = scale_wls, .expects = &x, .nexpects = 1 };
	struct lab_verdict v;
	lab_verdict(&exp, &r, &v);
	ck_assert_msg(v.outcome == LAB_AGREED, "%s", v.checks[0].measured);
	ck_assert_ptr_nonnull(strstr(v.checks[0].measured, "runc/N=8 postgresql aggregate.rate = 1360"));
	ck_assert_ptr_nonnull(strstr(v.checks[0].measured, "ratio 0.85"));
	lab_verdict_free(&v);
	/* The per-instance mean, 170 against 1600, would not agree. */
	x.metric = (char *)"rate";
	lab_verdict(&exp, &r, &v);
	ck_assert_int_eq(v.outcome, LAB_DISAGREED);
	lab_verdict_free(&v);
	/* A row without an aggregate (not a scale group) names none. */
	x.metric = (char *)"aggregate.rate";
	x.runtime = (char *)"qemu";
	x.vs = NULL;
	x.variant = (char *)"N=1";
	x.vs_variant = NULL;
	x.ratio_min = NAN;
	x.value_min = 1;
	lab_verdict(&exp, &r, &v);
	ck_assert_int_eq(v.outcome, LAB_UNKNOWN);
	lab_verdict_free(&v);
}
END_TEST

START_TEST(shipped_labs_load)
{
	struct config cfg;
	char *cause = NULL;
	const char *top = getenv("top_srcdir");
	setenv("ISOLAB_DATADIR", top ? top : ".", 1);
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	ck_assert_msg(config_load(&cfg, NULL, 0, &cause) == 0, "%s", cause);
	size_t labs = 0;
	for (size_t i = 0; i < cfg.nexperiments; i++) {
		const struct experiment *x = &cfg.experiments[i];
		if (!experiment_is_lab(x) || strncmp(x->name, "lab-", 4))
			continue;
		labs++;
		ck_assert_msg(x->explanation && x->watch && x->published, "%s lacks text", x->name);
		/* Every rule names runtimes the lab runs. */
		for (size_t k = 0; k < x->nexpects; k++) {
			const struct expect *e = &x->expects[k];
			int found = !e->runtime;
			for (char **rt = x->runtimes; !found && *rt; rt++)
				found = !strcmp(*rt, e->runtime);
			ck_assert_msg(found, "%s: rule %zu names runtime %s it does not run", x->name, k, e->runtime);
		}
		struct experiment copy;
		experiment_copy(&copy, x);
		ck_assert_str_eq(copy.title, x->title);
		ck_assert_uint_eq(copy.nexpects, x->nexpects);
		experiment_clear(&copy);
	}
	ck_assert_uint_ge(labs, 8);
	config_free(&cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lab");
	TCase *tc = tcase_create("verdict");
	tcase_add_test(tc, ratio_agrees_and_disagrees);
	tcase_add_test(tc, overhead_is_direction_aware);
	tcase_add_test(tc, equivalence_by_two_one_sided_tests);
	tcase_add_test(tc, at_least_uses_the_interval);
	tcase_add_test(tc, needs_kvm_under_tcg_cannot_tell);
	tcase_add_test(tc, missing_rows_cannot_tell);
	tcase_add_test(tc, interference_dnf_and_degradation);
	tcase_add_test(tc, cost_rules);
	tcase_add_test(tc, fairness_rules);
	tcase_add_test(tc, aggregate_rules);
	tcase_add_test(tc, shipped_labs_load);
	suite_add_tcase(s, tc);
	return unit_run_suite(s);
}

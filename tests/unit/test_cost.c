/* test_cost.c — where the host's CPU and memory went, by role, from a
 * hand-made journal (tests/data/journal/attrib): syscall on native,
 * gvisor and qemu, two measured repetitions each (one warm-up, one failed
 * qemu repetition left out). Per repetition, over three samples (the first
 * before the workload reports, then two with its rate) and a final one
 * without processes:
 *   native  workload 50|30, 100, 100 %CPU, RSS 800, 1000, 1000; rate 1000|1200
 *           no runtime process: "none"
 *   gvisor  (named by component) Sentry 10, 60, 60 % and RSS 20000; gofer 0 % and 5000; the stub
 *           (workload) 0, 40, 40 % and 1000; the guest's own view 90 %
 *           (not added); rate 100|125
 *   qemu    vmm 100, 100, 80 % and RSS 100000, 200000, 300000; a relay
 *           (helper) 0 % and 6000; a load generator (loadgen) 20 % and
 *           3000 in the two running samples, where the guest's agent also
 *           reports its probe at 70 %; rate 500
 * and one sandbox repetition whose samples carry their length (dt 1, 0.5,
 * 1, and 0.4 for a last one without processes) and its cgroup's CPU so
 * far (cpu.stat 0.2, 1.2, 1.7, 2.9, 3.0; cpuacct.usage 0.2, 1.2, 1.73,
 * 2.93, 3.03): the probe at 0, 100, 100, 90 % with the same processes
 * throughout (the init, the probe, and a load generator outside the
 * cgroup at 50 %).
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
static struct report r;
static char *tmpdir;

static void setup(void)
{
	journal_fixture_open("attrib", "cost", &jr, &r, &tmpdir);
}

static void teardown(void)
{
	journal_fixture_close(&jr, &r, &tmpdir);
}

static const struct report_cost *cost(const char *runtime, int role, enum cost_qty q)
{
	const struct report_cost *c = report_find_cost(&r, runtime, NULL, "syscall", role, q);
	ck_assert_msg(c != NULL, "no cost row %s/%s/%s", runtime, report_cost_role_name(role), report_cost_qty_name(q));
	return c;
}

START_TEST(cpu_and_memory_by_role)
{
	/* native: 0.5 + 1 + 1 and 0.3 + 1 + 1 CPU-s of the workload. */
	const struct report_cost *c = cost("native", ROLE_WORKLOAD, COST_CPU_S);
	ck_assert_uint_eq(c->st.n, 2);
	ck_assert_double_eq_tol(c->st.mean, 2.4, 1e-9);
	/* sd 0.1414, t(0.975, 1) = 12.706: 12.706 * 0.1414 / sqrt(2) */
	ck_assert_double_eq_tol(c->st.ci95, 12.706205 * 0.1, 1e-3);
	ck_assert_double_eq_tol(cost("native", ROLE_WORKLOAD, COST_CPU_SHARE)->st.mean, 100, 1e-9);
	ck_assert_double_eq_tol(cost("native", ROLE_WORKLOAD, COST_RSS_PEAK)->st.mean, 1000, 1e-9);
	ck_assert_double_eq_tol(cost("native", ROLE_WORKLOAD, COST_RSS_MEAN)->st.mean, 2800.0 / 3, 1e-9);
	/* native has no runtime process: none, not 0 ± 0, and nothing to compare. */
	c = cost("native", ROLE_RUNTIME, COST_CPU_S);
	ck_assert_int_eq(c->none, 1);
	ck_assert_uint_eq(c->st.n, 0);
	ck_assert_int_eq(cost("native", ROLE_RUNTIME, COST_RSS_PEAK)->none, 1);
	ck_assert_int_eq(cost("gvisor", ROLE_RUNTIME, COST_CPU_S)->has_baseline, 0);

	/* gvisor: Sentry + gofer 0.1 + 0.6 + 0.6 = 1.3 CPU-s, the stub 0.8. */
	c = cost("gvisor", ROLE_RUNTIME, COST_CPU_S);
	ck_assert_int_eq(c->none, 0);
	ck_assert_uint_eq(c->st.n, 2);
	ck_assert_double_eq_tol(c->st.mean, 1.3, 1e-9);
	ck_assert_double_eq_tol(c->st.ci95, 0, 1e-9);
	ck_assert_double_eq_tol(cost("gvisor", ROLE_WORKLOAD, COST_CPU_S)->st.mean, 0.8, 1e-9);
	ck_assert_double_eq_tol(cost("gvisor", ROLE_RUNTIME, COST_CPU_SHARE)->st.mean, 1.3 / 2.1 * 100, 1e-9);
	ck_assert_double_eq_tol(cost("gvisor", ROLE_RUNTIME, COST_RSS_PEAK)->st.mean, 25000, 1e-9);
	/* Within the role, by component: the Sentry 1.3 CPU-s, the gofer none of it. */
	const struct report_cost *sentry = NULL, *gofer = NULL;
	for (size_t i = 0; i < r.ncosts; i++) {
		const struct report_cost *k = &r.costs[i];
		if (strcmp(k->runtime, "gvisor") || k->qty != COST_CPU_S || k->role != ROLE_RUNTIME)
			continue;
		if (!strcmp(k->component, "sentry"))
			sentry = k;
		if (!strcmp(k->component, "gofer"))
			gofer = k;
	}
	ck_assert(sentry && gofer);
	ck_assert_double_eq_tol(sentry->st.mean, 1.3, 1e-9);
	/* QEMU's vCPU threads (60, 70, 50 of its 100, 100, 80 %CPU), and the
	 * rest of its threads; no memory of their own. */
	const struct report_cost *vcpu = NULL, *other = NULL, *vcpu_rss = NULL;
	for (size_t i = 0; i < r.ncosts; i++) {
		const struct report_cost *k = &r.costs[i];
		if (strcmp(k->runtime, "qemu") || k->role != ROLE_VMM)
			continue;
		if (k->qty == COST_CPU_S && !strcmp(k->component, "vcpu threads"))
			vcpu = k;
		if (k->qty == COST_CPU_S && !strcmp(k->component, "other threads"))
			other = k;
		if (k->qty == COST_RSS_PEAK && !strcmp(k->component, "vcpu threads"))
			vcpu_rss = k;
	}
	ck_assert(vcpu && other && vcpu_rss);
	ck_assert_double_eq_tol(vcpu->st.mean, 1.8, 1e-9);
	ck_assert_double_eq_tol(other->st.mean, 1.0, 1e-9);
	ck_assert_uint_eq(vcpu_rss->st.n, 0);
	ck_assert_double_eq_tol(gofer->st.mean, 0, 1e-9);
	ck_assert_int_eq(gofer->none, 0);
	/* The total is over host roles only: the guest's 2.7 CPU-s are its own view. */
	c = cost("gvisor", REPORT_TOTAL, COST_CPU_S);
	ck_assert_double_eq_tol(c->st.mean, 2.1, 1e-9);
	ck_assert_double_eq_tol(cost("gvisor", ROLE_GUEST, COST_CPU_S)->st.mean, 2.7, 1e-9);
	ck_assert_ptr_null(report_find_cost(&r, "gvisor", NULL, "syscall", ROLE_GUEST, COST_CPU_SHARE));
	/* Against native's total 2.4: (2.1 - 2.4) / 2.4, lower is better. */
	ck_assert_int_eq(c->has_baseline, 1);
	ck_assert_double_eq_tol(c->overhead_pct, -12.5, 1e-9);
	ck_assert_double_eq_tol(cost("gvisor", REPORT_TOTAL, COST_RSS_PEAK)->st.mean, 26000, 1e-9);

	/* qemu: the failed repetition is left out; the load generator and the
	 * relay are kept apart from the VMM. */
	c = cost("qemu", ROLE_VMM, COST_CPU_S);
	ck_assert_uint_eq(c->st.n, 1);
	ck_assert_double_eq_tol(c->st.mean, 2.8, 1e-9);
	ck_assert_double_eq_tol(cost("qemu", ROLE_LOADGEN, COST_CPU_S)->st.mean, 0.4, 1e-9);
	ck_assert_double_eq_tol(cost("qemu", ROLE_HELPER, COST_CPU_S)->st.mean, 0, 1e-9);
	ck_assert_int_eq(cost("qemu", ROLE_HELPER, COST_CPU_S)->none, 0);
	ck_assert_double_eq_tol(cost("qemu", ROLE_VMM, COST_CPU_SHARE)->st.mean, 2.8 / 3.2 * 100, 1e-9);
	ck_assert_double_eq_tol(cost("qemu", ROLE_VMM, COST_RSS_PEAK)->st.mean, 300000, 1e-9);
	ck_assert_double_eq_tol(cost("qemu", ROLE_VMM, COST_RSS_MEAN)->st.mean, 200000, 1e-9);
	ck_assert_int_eq(cost("qemu", ROLE_WORKLOAD, COST_CPU_S)->none, 1);
	/* The virtualisation tax, over the two samples the guest answered in:
	 * the VMM's 1.0 + 0.8 CPU-s less the guest's 0.7 + 0.7. */
	ck_assert_double_eq_tol(cost("qemu", ROLE_VMM, COST_VIRT_TAX_S)->st.mean, 0.4, 1e-9);
	ck_assert_double_eq_tol(cost("qemu", ROLE_VMM, COST_VIRT_TAX_PCT)->st.mean, 0.4 / 1.8 * 100, 1e-9);
	ck_assert_str_eq(cost("qemu", ROLE_VMM, COST_VIRT_TAX_PCT)->unit, "%");
	/* The memory tax, over the same two samples: the VMM's 200000 and
	 * 300000 kB against the guest's processes' 4 and 4. */
	ck_assert_double_eq_tol(cost("qemu", ROLE_VMM, COST_VIRT_MEM_KB)->st.mean, 250000 - 4, 1e-9);
	ck_assert_str_eq(cost("qemu", ROLE_VMM, COST_VIRT_MEM_KB)->unit, "kB");
	ck_assert_double_eq_tol(cost("qemu", ROLE_VMM, COST_VIRT_MEM_X)->st.mean, 250000.0 / 4, 1e-9);
	ck_assert_str_eq(cost("qemu", ROLE_VMM, COST_VIRT_MEM_X)->unit, "x");
	ck_assert_uint_eq(cost("qemu", ROLE_VMM, COST_VIRT_MEM_KB)->st.n, 1); /* the failed repetition is not in it */
	char *text = journal_fixture_text(&r);
	ck_assert_msg(strstr(text, "\nqemu/syscall: memory tax 244.1 MiB: the VMM's mean RSS is 62500\xc3\x97 that of the "
	    "guest's processes"), "%s", text);
	ck_assert_ptr_null(strstr(text, "gvisor/syscall: memory tax"));
	free(text);
	/* not a VM: no tax row at all */
	ck_assert_ptr_null(report_find_cost(&r, "gvisor", NULL, "syscall", ROLE_VMM, COST_VIRT_TAX_S));
	ck_assert_ptr_null(report_find_cost(&r, "gvisor", NULL, "syscall", ROLE_VMM, COST_VIRT_MEM_KB));
	ck_assert_ptr_null(report_find_cost(&r, "native", NULL, "syscall", ROLE_VMM, COST_VIRT_MEM_X));
	ck_assert_int_eq(cost("qemu", ROLE_RUNTIME, COST_CPU_S)->none, 1);
	/* A role no runtime of the workload has is there, and none. */
	ck_assert_int_eq(cost("native", ROLE_LOADGEN, COST_CPU_S)->none, 1);
}
END_TEST

START_TEST(per_unit_of_work)
{
	/* native: 1 host CPU-s per running second over 1000 and 1200 calls/s. */
	const struct report_cost *c = cost("native", REPORT_TOTAL, COST_CPU_PER_UNIT);
	ck_assert_str_eq(c->unit, "us/call");
	ck_assert_str_eq(c->metric, "rate");
	ck_assert_uint_eq(c->st.n, 2);
	ck_assert_double_eq_tol(c->values[0], 1000, 1e-9);
	ck_assert_double_eq_tol(c->values[1], 1e6 / 1200, 1e-9);
	double nat = (1000 + 1e6 / 1200) / 2;
	ck_assert_double_eq_tol(c->st.mean, nat, 1e-9);
	/* gvisor: 0.6 + 0.4 CPU per second over 100 and 125 calls/s. */
	c = cost("gvisor", REPORT_TOTAL, COST_CPU_PER_UNIT);
	ck_assert_double_eq_tol(c->st.mean, 9000, 1e-9);
	ck_assert_int_eq(c->has_baseline, 1);
	ck_assert_double_eq_tol(c->overhead_pct, (9000 - nat) / nat * 100, 1e-9);
	c = cost("gvisor", REPORT_TOTAL, COST_WORK_PER_CPU);
	ck_assert_str_eq(c->unit, "call/CPU-s");
	ck_assert_double_eq_tol(c->st.mean, 112.5, 1e-9);
	/* The unit of one piece of work, from the rate's unit. */
	static const char *const units[][2] = { { "calls/s", "call" }, { "queries/s", "query" }, { "req/s", "req" },
		{ "events/s", "event" }, { "B/s", "B" }, { "tx/s", "tx" } };
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		char *u = report_work_unit(units[i][0]);
		ck_assert_str_eq(u, units[i][1]);
		free(u);
	}
	/* more work per CPU-second is better: gvisor's is worse, positive */
	ck_assert(c->overhead_pct > 0);
	/* qemu: (1 + 0.2 + 0.8 + 0.2) / 2 CPU per second over 500 calls/s. */
	ck_assert_double_eq_tol(cost("qemu", REPORT_TOTAL, COST_CPU_PER_UNIT)->st.mean, 2200, 1e-9);
	/* per unit only for the total */
	ck_assert_ptr_null(report_find_cost(&r, "qemu", NULL, "syscall", ROLE_VMM, COST_CPU_PER_UNIT));
}
END_TEST

/* CPU-seconds from %CPU over each sample's own length, and the check
 * against the cgroup over the samples with the same processes, the last
 * one left out (its process may be exiting). */
START_TEST(cgroup_crosscheck)
{
	const struct report_instance *ri = NULL;
	for (size_t i = 0; i < r.ninsts; i++)
		if (!strcmp(r.insts[i].runtime, "sandbox"))
			ri = &r.insts[i];
	ck_assert_ptr_nonnull(ri);
	ck_assert_double_eq_tol(ri->cpu_s[ROLE_WORKLOAD], 1.0 + 0.5 + 0.9, 1e-9);
	ck_assert_double_eq_tol(ri->cpu_s[ROLE_LOADGEN], 0.5 + 0.5 + 0.25 + 0.5, 1e-9);
	/* samples 2 and 3: 1.5 s, 1.5 CPU-s sampled (not the load generator) */
	ck_assert_double_eq_tol(ri->cg_window_s, 1.5, 1e-9);
	ck_assert_double_eq_tol(ri->cg_sampled_s[REPORT_CG_V2], 1.5, 1e-9);
	ck_assert_double_eq_tol(ri->cg_kernel_s[REPORT_CG_V2], 1.5, 1e-9);
	ck_assert_double_eq_tol(ri->cg_kernel_s[REPORT_CG_V1], 1.53, 1e-9);
	ck_assert_double_eq_tol(report_cg_diff_pct(ri, REPORT_CG_V1), (1.5 - 1.53) / 1.53 * 100, 1e-9);
	ck_assert_double_eq_tol(ri->cg_life_sampled_s, 2.4, 1e-9);
	ck_assert_double_eq_tol(ri->cg_life_kernel_s[REPORT_CG_V2], 3.0, 1e-9);
	/* host CPU per unit while it ran: (1.5 + 0.75 + 1.4) CPU-s over 2.5 s, 1000 calls/s */
	ck_assert_double_eq_tol(cost("sandbox", REPORT_TOTAL, COST_CPU_PER_UNIT)->st.mean, 3.65 / 2.5 / 1000 * 1e6, 1e-6);
	/* Instances without a cgroup have no cross-check. */
	for (size_t i = 0; i < r.ninsts; i++)
		if (strcmp(r.insts[i].runtime, "sandbox"))
			ck_assert(isnan(r.insts[i].cg_window_s) && isnan(report_cg_diff_pct(&r.insts[i], REPORT_CG_V2)));

	char *text = journal_fixture_text(&r);
	ck_assert_ptr_nonnull(strstr(text, "  sandbox/syscall: 1 instance, 1.5 s: cpu.stat +0.0% cpuacct.usage -2.0%; "
	    "over its life the samples saw 80% of the cgroup's 3.00 CPU-s\n"));
	free(text);
}
END_TEST

/* A sample after a long gap (the engine blocked for 101 s, no pass ran):
 * its rates cover the whole gap, and the CPU of it counts. */
START_TEST(cgroup_crosscheck_after_a_gap)
{
	struct journal_read gj;
	struct report gr;
	char *gdir = NULL;
	journal_fixture_open("gap", "gap", &gj, &gr, &gdir);
	ck_assert_uint_eq(gr.ninsts, 1);
	const struct report_instance *ri = &gr.insts[0];
	ck_assert_double_eq_tol(ri->cpu_s[ROLE_WORKLOAD], 0.5 + 0.5 + 50.5 + 0.5, 1e-9);
	ck_assert_double_eq_tol(ri->cg_life_sampled_s, 52.0, 1e-9);
	ck_assert_double_eq_tol(ri->cg_life_kernel_s[REPORT_CG_V2], 52.0, 1e-9);
	char *text = journal_fixture_text(&gr);
	ck_assert_ptr_nonnull(strstr(text, "over its life the samples saw 100% of the cgroup's 52.00 CPU-s"));
	free(text);
	journal_fixture_close(&gj, &gr, &gdir);
}
END_TEST

/* Processes that come and go (gVisor's stubs): no two samples in a row
 * with the same ones, so no window, but the life's figures are still
 * given, in the text and the JSON. */
START_TEST(cgroup_crosscheck_without_a_window)
{
	struct journal_read cj;
	struct report cr;
	char *cdir = NULL;
	journal_fixture_open("churn", "churn", &cj, &cr, &cdir);
	ck_assert_uint_eq(cr.ninsts, 1);
	const struct report_instance *ri = &cr.insts[0];
	ck_assert(isnan(ri->cg_window_s));
	ck_assert_double_eq_tol(ri->cg_life_sampled_s, 0.9 + 0.9 + 0.9, 1e-9);
	ck_assert_double_eq_tol(ri->cg_life_kernel_s[REPORT_CG_V1], 3.0, 1e-9);
	char *text = journal_fixture_text(&cr);
	ck_assert_msg(strstr(text, "  gvisor/cpu: 1 instance: no two samples in a row saw the same processes, so no "
	    "window to compare over; over its life the samples saw 90% of the cgroup's 3.00 CPU-s\n"), "%s", text);
	free(text);
	json_t *doc = report_to_json(&cr);
	json_t *cc = json_object_get(doc, "cgroup_crosscheck");
	ck_assert_uint_eq(json_array_size(cc), 1); /* cpuacct.usage only: cpu.stat was not read */
	json_t *o = json_array_get(cc, 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "source")), "cpuacct.usage");
	ck_assert(json_is_null(json_object_get(o, "window_s")) && json_is_null(json_object_get(o, "diff_pct")));
	ck_assert_double_eq_tol(json_real_value(json_object_get(o, "life_sampled_cpu_s")), 2.7, 1e-9);
	ck_assert_double_eq_tol(json_real_value(json_object_get(o, "life_cgroup_cpu_s")), 3.0, 1e-9);
	json_decref(doc);
	journal_fixture_close(&cj, &cr, &cdir);
}
END_TEST

/* An instance whose work was done before its first sample (rewrite, in
 * half a second): no cost by role, but the storage its driver measured
 * at its removal, in its own table and nowhere else. */
START_TEST(storage_without_samples)
{
	struct journal_read sj;
	struct report sr;
	char *sdir = NULL;
	journal_fixture_open("short", "short", &sj, &sr, &sdir);
	ck_assert_uint_eq(sr.ninsts, 1);
	ck_assert_uint_eq(sr.ncosts, 1);
	ck_assert_int_eq(sr.costs[0].qty, COST_DISK_KB);
	ck_assert_str_eq(sr.costs[0].runtime, "runc");
	ck_assert_uint_eq(sr.costs[0].st.n, 1);
	ck_assert_double_eq_tol(sr.costs[0].st.mean, 32848, 1e-9);
	char *text = journal_fixture_text(&sr);
	ck_assert_msg(!strstr(text, "host cost by role"), "%s", text);
	ck_assert_msg(strstr(text, "host storage each instance added"), "%s", text);
	free(text);
	journal_fixture_close(&sj, &sr, &sdir);
}
END_TEST

START_TEST(text_says_none)
{
	char *text = journal_fixture_text(&r);
	ck_assert_ptr_nonnull(strstr(text, "host cost by role"));
	/* native's runtime line says none, with no number on it */
	const char *line = strstr(text, "\n                   runtime");
	ck_assert_ptr_nonnull(line);
	const char *eol = strchr(line + 1, '\n');
	_cleanup_free_ char *l = xstrndup(line + 1, (size_t)(eol - line - 1));
	ck_assert_msg(!strcmp(l, "                   runtime               none"), "'%s'", l);
	ck_assert_ptr_nonnull(strstr(text, "guest (own view)"));
	ck_assert_ptr_nonnull(strstr(text, "\n                     sentry          2   1.30        0    62%        20000"));
	ck_assert_ptr_nonnull(strstr(text, "\n                     stub "));
	ck_assert_ptr_nonnull(strstr(text, "loadgen"));
	ck_assert_ptr_nonnull(strstr(text, "us/call"));
	ck_assert_ptr_nonnull(strstr(text, "gvisor/syscall: 9.78\xc3\x97 fewer calls/s than native, 9.82\xc3\x97 the host CPU "
	    "per call, 62% of it in the runtime\n"));
	ck_assert_ptr_null(strstr(text, "0 \xc2\xb1 0"));
	free(text);
}
END_TEST

START_TEST(exports)
{
	char *cause = NULL;
	_cleanup_free_ char *jpath = xasprintf("%s/r.json", tmpdir);
	_cleanup_free_ char *cpath = xasprintf("%s/r.csv", tmpdir);
	ck_assert_msg(report_write_json(&r, jpath, &cause) == 0, "%s", cause);
	ck_assert_msg(report_write_csv(&r, cpath, &cause) == 0, "%s", cause);

	json_error_t err;
	json_t *doc = json_load_file(jpath, 0, &err);
	ck_assert_ptr_nonnull(doc);
	json_t *costs = json_object_get(doc, "cost"), *c;
	ck_assert(json_is_array(costs));
	size_t i;
	int none = 0, gv = 0;
	json_array_foreach(costs, i, c) {
		const char *rt = json_string_value(json_object_get(c, "runtime"));
		const char *role = json_string_value(json_object_get(c, "role"));
		const char *q = json_string_value(json_object_get(c, "quantity"));
		if (!strcmp(rt, "native") && !strcmp(role, "runtime") && !strcmp(q, "cpu_s") &&
		    json_is_null(json_object_get(c, "component"))) {
			none = json_is_true(json_object_get(c, "none")) && json_is_null(json_object_get(c, "mean")) &&
			    json_integer_value(json_object_get(c, "n")) == 0;
		}
		if (!strcmp(rt, "gvisor") && !strcmp(role, "runtime") && !strcmp(q, "cpu_s") &&
		    json_is_null(json_object_get(c, "component")))
			gv = fabs(json_real_value(json_object_get(c, "mean")) - 1.3) < 1e-9 &&
			    json_array_size(json_object_get(c, "values")) == 2;
	}
	ck_assert_int_eq(none, 1);
	ck_assert_int_eq(gv, 1);
	json_decref(doc);

	_cleanup_free_ char *text = read_file(cpath, NULL);
	ck_assert_ptr_nonnull(text);
	/* none: n 0 and no numbers */
	ck_assert_ptr_nonnull(strstr(text, "\r\nnative,syscall,host.cpu_s.runtime,s,local,0,0,,,,,,,,0,0,0\r\n"));
	ck_assert_ptr_nonnull(strstr(text, "\r\ngvisor,syscall,host.cpu_s.runtime,s,local,0,2,1.3,0,0,1.3,1.3,,,0,0,0\r\n"));
	ck_assert_ptr_nonnull(strstr(text, "\r\ngvisor,syscall,host.cpu_us_per_unit.total,us/call,local,0,2,9000,"));
	ck_assert_ptr_nonnull(strstr(text, "\r\ngvisor,syscall,host.cpu_s.runtime.gofer,s,local,0,2,0,0,0,0,0,,,0,0,0\r\n"));
	ck_assert_ptr_nonnull(strstr(text, "\r\ngvisor,syscall,host.work_per_cpu_s.total,call/CPU-s,local,1,2,112.5,"));
}
END_TEST

/* native's workload: reads 4 kB/s in repetition 1 (unreadable, -1, in
 * repetition 2), writes 10 and 30 kB/s, switches 100|200 times a second
 * voluntarily and 5|1 involuntarily, over three one-second samples. */
START_TEST(io_and_switches_by_role)
{
	const struct report_cost *c = cost("native", ROLE_WORKLOAD, COST_READ_KB);
	/* the unreadable repetition is left out, not taken as 0 */
	ck_assert_uint_eq(c->st.n, 1);
	ck_assert_double_eq_tol(c->st.mean, 12, 1e-9);
	ck_assert_str_eq(c->unit, "kB");
	c = cost("native", ROLE_WORKLOAD, COST_WRITE_KB);
	ck_assert_uint_eq(c->st.n, 2);
	ck_assert_double_eq_tol(c->st.mean, 60, 1e-9);
	ck_assert_double_eq_tol(cost("native", REPORT_TOTAL, COST_WRITE_KB)->st.mean, 60, 1e-9);
	c = cost("native", ROLE_WORKLOAD, COST_CSW);
	ck_assert_double_eq_tol(c->st.mean, 450, 1e-9);
	ck_assert_str_eq(c->unit, "switches");
	ck_assert_double_eq_tol(cost("native", ROLE_WORKLOAD, COST_NVCSW)->st.mean, 9, 1e-9);
	/* samples without the counters: none, not 0 */
	ck_assert_int_eq(cost("gvisor", ROLE_RUNTIME, COST_WRITE_KB)->none, 1);
	ck_assert_int_eq(cost("native", ROLE_RUNTIME, COST_CSW)->none, 1);
	/* roles only: no row per component */
	for (size_t i = 0; i < r.ncosts; i++)
		ck_assert(!(r.costs[i].component[0] && r.costs[i].qty == COST_CSW));
	ck_assert_str_eq(report_cost_qty_name(COST_NVCSW), "ctxsw_involuntary");

	char *text = journal_fixture_text(&r);
	const char *t = strstr(text, "storage I/O and context switches by role");
	ck_assert_ptr_nonnull(t);
	ck_assert_msg(strstr(t, "\nsyscall   native   workload  2       12          60                 450                     9\n"),
	    "%s", t);
	/* gvisor's samples carry no counters: no row for it */
	const char *end = strstr(t, "cgroup cross-check");
	_cleanup_free_ char *table = end ? xstrndup(t, (size_t)(end - t)) : xstrdup(t);
	ck_assert_ptr_null(strstr(table, "gvisor"));
	free(text);
}
END_TEST

/* The attrib fixture's journal text (malloc'd). */
static char *attrib_text(void)
{
	const char *top = getenv("top_srcdir");
	_cleanup_free_ char *src = xasprintf("%s/tests/data/journal/attrib/journal.jsonl", top ? top : "../..");
	char *text = read_file(src, NULL);
	ck_assert_ptr_nonnull(text);
	return text;
}

/* text as the journal of the scratch directory, read and reported. */
static void build_from_text(const char *text, struct journal_read *jr2, struct report *r2)
{
	_cleanup_free_ char *jpath = xasprintf("%s/journal.jsonl", tmpdir);
	FILE *fp = fopen(jpath, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
	char *cause = NULL;
	ck_assert_msg(journal_read(tmpdir, jr2, &cause) == 0, "%s", cause);
	ck_assert_msg(report_build(jr2, NULL, r2, &cause) == 0, "%s", cause);
}

/* The memory tax against the guest kernel's own count of its used memory,
 * where the samples carry it (qemu's second and third: 60000 and 40000 kB,
 * while its VMM held 200000 and 300000): 250000 - 50000 kB, 5x. */
START_TEST(memory_tax_vs_guest_kernel)
{
	ck_assert_int_eq(report_tax_vs_kernel(&r, cost("qemu", ROLE_VMM, COST_VIRT_MEM_KB)), 0);
	_cleanup_free_ char *text = attrib_text();
	static const char *const at[2] = { "{\"type\":\"sample\",\"inst\":5,\"t\":2,",
		"{\"type\":\"sample\",\"inst\":5,\"t\":3," };
	static const char *const used[2] = { "\"guest_used_kb\":60000,", "\"guest_used_kb\":40000," };
	for (int k = 0; k < 2; k++) {
		char *p = strstr(text, at[k]);
		ck_assert_ptr_nonnull(p);
		size_t head = (size_t)(p - text) + strlen(at[k]);
		char *next = xasprintf("%.*s%s%s", (int)head, text, used[k], text + head);
		free(text);
		text = next;
	}
	struct journal_read jr2;
	struct report r2;
	build_from_text(text, &jr2, &r2);
	const struct report_cost *kb = report_find_cost(&r2, "qemu", NULL, "syscall", ROLE_VMM, COST_VIRT_MEM_KB);
	const struct report_cost *x = report_find_cost(&r2, "qemu", NULL, "syscall", ROLE_VMM, COST_VIRT_MEM_X);
	ck_assert(kb && x);
	ck_assert_double_eq_tol(kb->st.mean, 200000, 1e-9);
	ck_assert_double_eq_tol(x->st.mean, 5, 1e-9);
	ck_assert_int_eq(report_tax_vs_kernel(&r2, kb), 1);
	char *out = journal_fixture_text(&r2);
	const char *line = strstr(out, "qemu/syscall: memory tax");
	ck_assert_ptr_nonnull(line);
	_cleanup_free_ char *tax = xstrndup(line, strcspn(line, "\n"));
	ck_assert_msg(strstr(tax, "memory tax 195.3 MiB: the VMM's mean RSS is 5.00\xc3\x97 the memory the guest's kernel "
	    "counts as used"), "%s", tax);
	free(out);
	out = journal_fixture_text(&r);
	ck_assert_ptr_nonnull(strstr(out, "that of the guest's processes"));
	free(out);
	report_free(&r2);
	journal_read_free(&jr2);
}
END_TEST

/* PSS by role, from "memory" records added to the fixture: gVisor's
 * runtime 12000|14000 kB and workload 800|1000 kB (a Sentry and a stub, as
 * a scale run reads them once mid-run); native's first repetition only
 * (its second has no record: one value, not a 0). The fixture itself has
 * none, and then there is no PSS row and no column. */
START_TEST(pss_by_role)
{
	for (size_t i = 0; i < r.ncosts; i++)
		ck_assert_msg(r.costs[i].qty != COST_PSS, "a PSS row without a memory record");
	char *text = journal_fixture_text(&r);
	ck_assert_ptr_null(strstr(text, "PSS kB"));
	free(text);

	_cleanup_free_ char *orig = attrib_text();
	_cleanup_free_ char *all = xasprintf("%s%s", orig,
	    "{\"type\":\"memory\",\"inst\":3,\"t\":2,\"rss_kb\":26000,\"pss_kb\":12800,\"roles\":{"
	    "\"runtime\":{\"rss_kb\":25000,\"pss_kb\":12000},\"workload\":{\"rss_kb\":1000,\"pss_kb\":800}}}\n"
	    "{\"type\":\"memory\",\"inst\":4,\"t\":2,\"rss_kb\":26000,\"pss_kb\":15000,\"roles\":{"
	    "\"runtime\":{\"rss_kb\":25000,\"pss_kb\":14000},\"workload\":{\"rss_kb\":1000,\"pss_kb\":1000}}}\n"
	    "{\"type\":\"memory\",\"inst\":1,\"t\":2,\"rss_kb\":1000,\"pss_kb\":600,\"roles\":{"
	    "\"workload\":{\"rss_kb\":1000,\"pss_kb\":600},\"bogus\":{\"pss_kb\":5}}}\n");
	struct journal_read jr2;
	struct report r2;
	build_from_text(all, &jr2, &r2);
	const struct report_cost *c = report_find_cost(&r2, "gvisor", NULL, "syscall", ROLE_RUNTIME, COST_PSS);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->st.n, 2);
	ck_assert_double_eq_tol(c->st.mean, 13000, 1e-9);
	ck_assert_str_eq(c->unit, "kB");
	c = report_find_cost(&r2, "gvisor", NULL, "syscall", REPORT_TOTAL, COST_PSS);
	ck_assert_ptr_nonnull(c);
	ck_assert_double_eq_tol(c->st.mean, 13900, 1e-9);
	c = report_find_cost(&r2, "native", NULL, "syscall", ROLE_WORKLOAD, COST_PSS);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->st.n, 1);
	ck_assert_double_eq_tol(c->st.mean, 600, 1e-9);
	/* qemu had no record: no row; nor per component */
	ck_assert_ptr_null(report_find_cost(&r2, "qemu", NULL, "syscall", ROLE_VMM, COST_PSS));
	for (size_t i = 0; i < r2.ncosts; i++)
		ck_assert(!(r2.costs[i].component[0] && r2.costs[i].qty == COST_PSS));
	ck_assert_str_eq(report_cost_qty_name(COST_PSS), "pss_kb");
	text = journal_fixture_text(&r2);
	const char *t = strstr(text, "host cost by role");
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(strstr(t, "PSS: read once, mid-run"));
	ck_assert_ptr_nonnull(strstr(t, "PSS kB"));
	/* gVisor's runtime row carries its PSS; its components do not */
	const char *g = strstr(t, "\nsyscall   gvisor");
	ck_assert_ptr_nonnull(g);
	const char *rt = strstr(g, "\n                   runtime "), *sentry = strstr(g, "\n                     sentry ");
	ck_assert(rt && sentry);
	_cleanup_free_ char *row = xstrndup(rt + 1, (size_t)(strchr(rt + 1, '\n') - rt - 1));
	_cleanup_free_ char *srow = xstrndup(sentry + 1, (size_t)(strchr(sentry + 1, '\n') - sentry - 1));
	ck_assert_msg(strstr(row, " 25000   13000 "), "%s", row);
	ck_assert_msg(!strstr(srow, "13000") && !strstr(srow, "12000"), "%s", srow);
	free(text);
	report_free(&r2);
	journal_read_free(&jr2);
}
END_TEST

/* Storage each instance added, from "storage" records added to the
 * fixture at its removal: native 8|12 kB, gVisor 20|40 kB (+200% over
 * native), qemu none (no row). A negative figure and a record of an
 * instance the journal never named are ignored; the fixture itself has no
 * record, and then there is no row and no section. */
START_TEST(storage_per_instance)
{
	for (size_t i = 0; i < r.ncosts; i++)
		ck_assert_msg(r.costs[i].qty != COST_DISK_KB, "a storage row without a storage record");
	char *text = journal_fixture_text(&r);
	ck_assert_ptr_null(strstr(text, "host storage"));
	free(text);

	_cleanup_free_ char *orig = attrib_text();
	_cleanup_free_ char *all = xasprintf("%s%s", orig,
	    "{\"type\":\"storage\",\"inst\":1,\"kb\":8,\"what\":\"nothing\"}\n"
	    "{\"type\":\"storage\",\"inst\":2,\"kb\":12,\"what\":\"nothing\"}\n"
	    "{\"type\":\"storage\",\"inst\":3,\"kb\":20,\"what\":\"its overlay's upper and work dirs\"}\n"
	    "{\"type\":\"storage\",\"inst\":4,\"kb\":40,\"what\":\"its overlay's upper and work dirs\"}\n"
	    "{\"type\":\"storage\",\"inst\":5,\"kb\":-1,\"what\":\"bad\"}\n"
	    "{\"type\":\"storage\",\"inst\":77,\"kb\":5,\"what\":\"unknown\"}\n");
	struct journal_read jr2;
	struct report r2;
	build_from_text(all, &jr2, &r2);
	const struct report_cost *c = report_find_cost(&r2, "gvisor", NULL, "syscall", REPORT_TOTAL, COST_DISK_KB);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->st.n, 2);
	ck_assert_double_eq_tol(c->st.mean, 30, 1e-9);
	ck_assert_str_eq(c->unit, "kB");
	ck_assert_int_eq(c->has_baseline, 1);
	ck_assert_double_eq_tol(c->overhead_pct, 200, 1e-9);
	c = report_find_cost(&r2, "native", NULL, "syscall", REPORT_TOTAL, COST_DISK_KB);
	ck_assert_ptr_nonnull(c);
	ck_assert_double_eq_tol(c->st.mean, 10, 1e-9);
	ck_assert_ptr_null(report_find_cost(&r2, "qemu", NULL, "syscall", REPORT_TOTAL, COST_DISK_KB));
	ck_assert_ptr_null(report_find_cost(&r2, "gvisor", NULL, "syscall", ROLE_RUNTIME, COST_DISK_KB));
	for (size_t i = 0; i < r2.ncosts; i++)
		ck_assert(!(r2.costs[i].component[0] && r2.costs[i].qty == COST_DISK_KB));
	ck_assert_str_eq(report_cost_qty_name(COST_DISK_KB), "disk_kb");
	text = journal_fixture_text(&r2);
	const char *t = strstr(text, "host storage each instance added beside the image it shares");
	ck_assert_ptr_nonnull(t);
	const char *g = strstr(t, "\nsyscall   gvisor");
	ck_assert_ptr_nonnull(g);
	_cleanup_free_ char *row = xstrndup(g + 1, strcspn(g + 1, "\n"));
	ck_assert_msg(strstr(row, " 2 ") && strstr(row, " 30 ") && strstr(row, "+200.0%") &&
	    strstr(row, "its overlay's upper and work dirs"), "%s", row);
	ck_assert_msg(!strstr(t, "\nsyscall   qemu"), "%s", t);
	free(text);
	report_free(&r2);
	journal_read_free(&jr2);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = { cpu_and_memory_by_role, per_unit_of_work, cgroup_crosscheck, cgroup_crosscheck_after_a_gap,
	    cgroup_crosscheck_without_a_window, storage_without_samples,
		text_says_none,
		exports, io_and_switches_by_role, pss_by_role, memory_tax_vs_guest_kernel,
		storage_per_instance };
	return unit_run("cost", setup, teardown, tests, ARRAY_SIZE(tests));
}

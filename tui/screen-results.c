/*
 * screen-results.c — the comparison of a run: per runtime × workload ×
 * metric the mean ± 95% CI, the overhead against the baseline with its
 * significance, and a horizontal bar per row scaled within its workload
 * and metric. The list of past runs (journal_list_runs) picks another run;
 * e exports the shown report as CSV, JSON or an HTML page with its charts
 * into the run's directory; c compares the shown run (A) with an earlier
 * one picked from the same list (B, the reference), and the table then
 * shows each cell's change, p and verdict (engine/compare.c) until c
 * again. a shows where the host's CPU and memory went instead: per
 * runtime and workload, the host CPU-seconds, the CPU per unit of work,
 * the peak RSS and a bar of the CPU split by role (report_cost).
 *
 * Reports are built by base/report.c from the journal on disk, the same
 * code as `isolab report`, so the screen and the CLI never disagree.
 */
#include "config.h"
#include "chart.h"
#include "compare.h"
#include "dialog.h"
#include "draw.h"
#include "figures.h"
#include "html.h"
#include "journal.h"
#include "report.h"
#include "screens.h"
#include "table.h"
#include "tui.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { RC_RUNTIME, RC_WORKLOAD, RC_METRIC, RC_MEAN, RC_UNIT, RC_N, RC_OVERHEAD, RC_SIG, RC_BAR, RC__COUNT };
enum { CC_RUNTIME, CC_WORKLOAD, CC_METRIC, CC_B, CC_A, CC_CHANGE, CC_P, CC_VERDICT, CC__COUNT };

struct results {
	char **runs;
	size_t nruns;
	struct table runs_tb, rows_tb;
	struct table_col cols[RC__COUNT];  /* row_cols, the runtime and metric columns widened to fit */
	int focus;                 /* 0: the runs list, 1: the comparison */
	struct report rep;
	int have;
	char *dir;
	json_t *env;               /* the shown run's env.json, or NULL */
	struct rect runs_rect, rows_rect;
	struct compare cmp;        /* the shown run against an earlier one */
	int comparing;
	struct table cmp_tb;
	char **picks;              /* the runs offered by "compare with..." */
	size_t npicks;
	int costs;                 /* a: the cost by role instead of the metrics */
};


static const struct table_col row_cols[RC__COUNT] = {
	[RC_RUNTIME] = { "Runtime", 10, 0, 0 }, [RC_WORKLOAD] = { "Workload", 9, 0, 0 },
	[RC_METRIC] = { "Metric", 6, 0, 0 }, [RC_MEAN] = { "Mean \xc2\xb1 95% CI", 19, 1, 0 },
	[RC_UNIT] = { "Unit", 8, 0, 0 }, [RC_N] = { "n", 3, 1, 0 }, [RC_OVERHEAD] = { "Overhead", 8, 1, 0 },
	[RC_SIG] = { "Sig", 3, 0, 0 }, [RC_BAR] = { "", 4, 0, 1 },
};
static const struct table_col run_cols[] = { { "Past runs", 20, 0, 1 } };
static const struct table_col cmp_cols[CC__COUNT] = {
	[CC_RUNTIME] = { "Runtime", 10, 0, 0 }, [CC_WORKLOAD] = { "Workload", 9, 0, 0 },
	[CC_METRIC] = { "Metric", 8, 0, 0 }, [CC_B] = { "B (ref)", 9, 1, 0 }, [CC_A] = { "A (shown)", 9, 1, 0 },
	[CC_CHANGE] = { "Change \xc2\xb1 CI", 16, 1, 0 }, [CC_P] = { "p", 7, 1, 0 }, [CC_VERDICT] = { "Verdict", 11, 0, 1 },
};

static void results_init(struct tui *t)
{
	struct results *r = xcalloc(1, sizeof *r);
	r->runs_tb = (struct table){ .cols = run_cols, .ncols = 1, .sort_col = -1 };
	memcpy(r->cols, row_cols, sizeof row_cols);
	r->rows_tb = (struct table){ .cols = r->cols, .ncols = RC__COUNT, .sort_col = -1 };
	r->cmp_tb = (struct table){ .cols = cmp_cols, .ncols = CC__COUNT, .sort_col = -1 };
	r->focus = 1;
	t->results = r;
}

static void free_runs(struct results *r)
{
	for (size_t i = 0; i < r->nruns; i++)
		free(r->runs[i]);
	free(r->runs);
	r->runs = NULL;
	r->nruns = 0;
}

static void free_picks(struct results *r)
{
	for (size_t i = 0; i < r->npicks; i++)
		free(r->picks[i]);
	free(r->picks);
	r->picks = NULL;
	r->npicks = 0;
}

static void stop_comparing(struct results *r)
{
	if (r->comparing)
		compare_free(&r->cmp);
	r->comparing = 0;
}

static void results_done(struct tui *t)
{
	struct results *r = t->results;
	if (!r)
		return;
	free_runs(r);
	free_picks(r);
	stop_comparing(r);
	if (r->have)
		report_free(&r->rep);
	json_decref(r->env);
	free(r->dir);
	free(r);
	t->results = NULL;
}

void results_refresh_runs(struct tui *t)
{
	struct results *r = t->results;
	if (!r)
		return;
	free_runs(r);
	r->nruns = journal_list_runs(t->state_dir, &r->runs);
	r->runs_tb.nrows = r->nruns;
	if (t->screen == SCREEN_RESULTS)
		t->damage |= DAMAGE_BODY;
}

int results_load(struct tui *t, const char *run)
{
	struct results *r = t->results;
	char *cause = NULL;
	char *dir = journal_resolve(t->state_dir, run, &cause);
	struct journal_read jr = { 0 };
	struct report rep = { 0 };
	if (!dir || report_build_dir(dir, NULL, &jr, &rep, &cause) < 0) {
		live_log(&t->live, LOG_ERROR, "results: %s", cause ? cause : "cannot read the run");
		tui_status(t, "results: %s", cause ? cause : "cannot read the run");
		free(cause);
		free(dir);
		journal_read_free(&jr);
		return -1;
	}
	stop_comparing(r);
	json_decref(r->env);
	r->env = json_incref(jr.env);
	journal_read_free(&jr);
	if (r->have)
		report_free(&r->rep);
	r->rep = rep;
	r->have = 1;
	free(r->dir);
	r->dir = dir;
	r->rows_tb.nrows = rep.nrows;
	r->rows_tb.sel = r->rows_tb.top = 0;
	r->cols[RC_RUNTIME].width = row_cols[RC_RUNTIME].width;
	r->cols[RC_METRIC].width = row_cols[RC_METRIC].width;
	for (size_t i = 0; i < rep.nrows; i++) {
		const struct report_row *row = &rep.rows[i];
		int mw = draw_width(row->metric);
		if (mw > r->cols[RC_METRIC].width)
			r->cols[RC_METRIC].width = mw > 14 ? 14 : mw;
		int w = draw_width(row->runtime);
		if (row->host && *row->host && strcmp(row->host, "local"))
			w += 1 + draw_width(row->host);
		if (row->variant && *row->variant)
			w += 3 + draw_width(row->variant);
		if (w > r->cols[RC_RUNTIME].width)
			r->cols[RC_RUNTIME].width = w > 32 ? 32 : w;
	}
	for (size_t i = 0; i < r->nruns; i++)
		if (rep.run_id && !strcmp(r->runs[i], rep.run_id))
			r->runs_tb.sel = i;
	t->damage |= DAMAGE_BODY;
	return 0;
}

/* The largest |mean| among rows of the same workload and metric, for bars. */
static double group_max(const struct report *rep, const struct report_row *row)
{
	double m = 0;
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct report_row *o = &rep->rows[i];
		if (!strcmp(o->workload, row->workload) && !strcmp(o->metric, row->metric) && fabs(o->st.mean) > m)
			m = fabs(o->st.mean);
	}
	return m;
}

static void run_cell(void *arg, size_t i, int col, char *buf, size_t len, attr_t *attr)
{
	struct results *r = arg;
	int shown = r->have && r->rep.run_id && !strcmp(r->rep.run_id, r->runs[i]);
	snprintf(buf, len, "%s%s", shown ? "> " : "  ", r->runs[i]);
}

static void row_cell(void *arg, size_t i, int col, char *buf, size_t len, attr_t *attr)
{
	struct tui *t = arg;
	struct results *r = t->results;
	const struct report_row *row = &r->rep.rows[i];
	int base = r->rep.baseline && !strcmp(row->runtime, r->rep.baseline);
	char a[32], b[32];
	switch (col) {
	case RC_RUNTIME: {
		/* "runc", "runc@db1", "runc / alone", "native / threads=2": a
		 * group's rows apart by their variant. */
		int remote = row->host && *row->host && strcmp(row->host, "local");
		int v = row->variant && *row->variant;
		snprintf(buf, len, "%s%s%s%s%s", row->runtime, remote ? "@" : "", remote ? row->host : "", v ? " / " : "",
		    v ? row->variant : "");
		if (base)
			*attr = th(TH_BAR_BASELINE);
		break;
	}
	case RC_WORKLOAD: snprintf(buf, len, "%s", row->workload); break;
	case RC_METRIC: snprintf(buf, len, "%s", row->metric); break;
	case RC_MEAN:
		if (!row->st.n)
			snprintf(buf, len, "-");
		else if (row->st.n < 2) /* one value has no interval */
			snprintf(buf, len, "%s \xc2\xb1 -", draw_si(row->st.mean, a, sizeof a));
		else
			snprintf(buf, len, "%s \xc2\xb1 %s", draw_si(row->st.mean, a, sizeof a), draw_si(row->st.ci95, b, sizeof b));
		break;
	case RC_UNIT: snprintf(buf, len, "%s", row->unit ? row->unit : ""); break;
	case RC_N:
		snprintf(buf, len, "%zu%s", row->st.n, row->failed ? "!" : "");
		if (row->failed)
			*attr = th(TH_WARN);
		break;
	case RC_OVERHEAD:
		if (base)
			snprintf(buf, len, "base");
		else if (!row->has_baseline || isnan(row->overhead_pct))
			snprintf(buf, len, "-");
		else /* whole percents from 1000 on, so the column holds a VM's start-up */
			snprintf(buf, len, fabs(row->overhead_pct) >= 1000 ? "%+.0f%%" : "%+.1f%%", row->overhead_pct);
		if (!base && row->has_baseline && row->significant)
			*attr = th(row->overhead_pct > 0 ? TH_ERROR : TH_OK);
		break;
	case RC_SIG:
		/* Welch's test needs two values on each side. */
		if (!base && row->has_baseline && row->st.n >= 2)
			snprintf(buf, len, "%s", row->significant ? "*" : "ns");
		break;
	case RC_BAR:
		break;
	}
}

static void cmp_cell(void *arg, size_t i, int col, char *buf, size_t len, attr_t *attr)
{
	const struct compare_cell *x = &((struct results *)arg)->cmp.cells[i];
	char a[32], b[32];
	switch (col) {
	case CC_RUNTIME:
		snprintf(buf, len, "%s%s%s", x->runtime, strcmp(x->host, "local") ? "@" : "",
		    strcmp(x->host, "local") ? x->host : "");
		break;
	case CC_WORKLOAD: snprintf(buf, len, "%s", x->workload); break;
	case CC_METRIC: snprintf(buf, len, "%s", x->metric); break;
	case CC_B: snprintf(buf, len, "%s", x->b.n ? draw_si(x->b.mean, b, sizeof b) : "-"); break;
	case CC_A: snprintf(buf, len, "%s", x->a.n ? draw_si(x->a.mean, a, sizeof a) : "-"); break;
	case CC_CHANGE:
		if (isnan(x->change_pct))
			snprintf(buf, len, "-");
		else if (isnan(x->change_ci_pct))
			snprintf(buf, len, "%+.1f%%", x->change_pct);
		else
			snprintf(buf, len, "%+.1f%% \xc2\xb1 %.1f", x->change_pct, x->change_ci_pct);
		break;
	case CC_P:
		if (isnan(x->p_value))
			snprintf(buf, len, "-");
		else
			snprintf(buf, len, "%.3f", x->p_value);
		break;
	case CC_VERDICT:
		snprintf(buf, len, "%s%s", compare_verdict_name(x->verdict), x->noisy ? " (noisy)" : "");
		if (x->verdict == CMP_WORSE || x->verdict == CMP_BETTER)
			*attr = th(x->verdict == CMP_WORSE ? TH_ERROR : TH_OK);
		break;
	}
}

/* The comparison in place of the report's rows. */
static void draw_compare(struct results *r, const struct rect *m)
{
	char hdr[300];
	snprintf(hdr, sizeof hdr, " run %s (A) against %s (B)   %u worse, %u better   c: back   e: export",
	    r->cmp.run_a, r->cmp.run_b, r->cmp.worse, r->cmp.better);
	draw_text(m->y, m->x, m->w, th(r->cmp.worse ? TH_WARN : TH_INFO) | A_BOLD, 1, hdr);
	int envh = r->cmp.ndiffs ? 1 : 0;
	if (envh) {
		char envs[300];
		snprintf(envs, sizeof envs, " the environments differ: %s %s -> %s%s", r->cmp.diffs[0].what,
		    r->cmp.diffs[0].b, r->cmp.diffs[0].a, r->cmp.ndiffs > 1 ? " (and more: see the HTML export)" : "");
		draw_text(m->y + 1, m->x, m->w, th(TH_WARN), 1, envs);
	}
	r->rows_rect = (struct rect){ m->y + 1 + envh, m->x, m->h - 2 - envh, m->w };
	r->cmp_tb.focus = r->focus == 1;
	table_draw(&r->cmp_tb, &r->rows_rect, 1, cmp_cell, r);
	char foot[200];
	snprintf(foot, sizeof foot, " worse/better: Welch p < %.2f and at least %g%%; small: significant, smaller;"
	    " noisy: CV above %g%%", COMPARE_ALPHA, r->cmp.min_effect_pct, r->cmp.min_effect_pct);
	draw_text(m->y + m->h - 1, m->x, m->w, th(TH_DIM), 1, foot);
}


/* The cost row of c's runtime, workload, variant and host for role and
 * qty (no component), or NULL. */
static const struct report_cost *cost_of(const struct report *rep, const struct report_cost *c, int role,
    enum cost_qty qty)
{
	for (size_t j = 0; j < rep->ncosts; j++) {
		const struct report_cost *o = &rep->costs[j];
		if (o->role == role && o->qty == qty && !o->component[0] && !strcmp(o->runtime, c->runtime) &&
		    !strcmp(o->workload, c->workload) && !strcmp(o->variant, c->variant) && !strcmp(o->host, c->host))
			return o;
	}
	return NULL;
}

/* A role's mean peak RSS in kB, 0 without one. */
static double role_rss(const struct report *rep, const struct report_cost *c, int role)
{
	const struct report_cost *o = cost_of(rep, c, role, COST_RSS_PEAK);
	return o && !o->none && o->st.n && o->st.mean > 0 ? o->st.mean : 0;
}

/* The cost by role: per runtime and workload a line of figures and a bar
 * of the host CPU split by role (one letter per role, coloured), a line of
 * each role's share, then the memory: each role's peak RSS, stacked on one
 * scale for every row, so that a VM's footprint is seen against a
 * container's. */
static void draw_costs(struct tui *t, struct results *r, const struct rect *m)
{
	const struct report *rep = &r->rep;
	char line[600];
	double mem_max = 0;
	for (size_t i = 0; i < rep->ncosts; i++) {
		const struct report_cost *c = &rep->costs[i];
		if (c->role != REPORT_TOTAL || c->qty != COST_CPU_S || c->component[0])
			continue;
		double sum = 0;
		for (size_t k = 0; k < CHART_NROLES; k++)
			sum += role_rss(rep, c, chart_roles[k]);
		if (sum > mem_max)
			mem_max = sum;
	}
	snprintf(line, sizeof line, " run %s   host cost by role, mean over repetitions   a: back to the comparison",
	    rep->run_id ? rep->run_id : "?");
	draw_text(m->y, m->x, m->w, th(TH_INFO) | A_BOLD, 1, line);
	snprintf(line, sizeof line, " %-12s %-9s %9s %17s %11s  CPU by role; then peak RSS by role, one scale for all",
	    "Runtime", "Workload", "CPU-s", "per unit", "peak RSS");
	draw_text(m->y + 1, m->x, m->w, th(TH_HEADER), 1, line);
	int y = m->y + 2, end = m->y + m->h - 1, bx = m->x + 1 + 12 + 1 + 9 + 1 + 9 + 1 + 17 + 1 + 11 + 2;
	int bw = m->x + m->w - bx - 1;
	int any = 0;
	for (size_t i = 0; i < rep->ncosts && y + 2 < end; i++) {
		const struct report_cost *c = &rep->costs[i];
		if (c->role != REPORT_TOTAL || c->qty != COST_CPU_S || c->component[0])
			continue;
		any = 1;
		const struct report_cost *pu = cost_of(rep, c, REPORT_TOTAL, COST_CPU_PER_UNIT);
		const struct report_cost *rss = cost_of(rep, c, REPORT_TOTAL, COST_RSS_PEAK);
		pu = pu && pu->st.n ? pu : NULL;
		rss = rss && rss->st.n ? rss : NULL;
		char cpu[64], pnum[64], unit[160], mem[32];
		report_fmt_num(cpu, sizeof cpu, c->st.n ? c->st.mean : NAN);
		report_fmt_num(pnum, sizeof pnum, pu ? pu->st.mean : NAN);
		snprintf(unit, sizeof unit, "%s %s", pnum, pu ? pu->unit : "");
		snprintf(mem, sizeof mem, rss ? "%.1f MiB" : "-", rss ? rss->st.mean / 1024.0 : 0.0);
		snprintf(line, sizeof line, " %-12.12s %-9.9s %9s %17s %11s", c->runtime, c->workload, cpu, unit, mem);
		draw_text(y, m->x, m->w, th(TH_NORMAL), 1, line);
		/* The bar: each host role's share of the total, in its letter. */
		char detail[300] = "", mdetail[300] = " peak RSS:";
		size_t dl = 0, ml = strlen(mdetail);
		double shares[CHART_NROLES] = { 0 }, kbs[CHART_NROLES] = { 0 };
		int any_mem = 0;
		for (size_t k = 0; k < CHART_NROLES; k++) {
			const struct report_cost *rc = cost_of(rep, c, chart_roles[k], COST_CPU_S);
			const struct report_cost *sh = cost_of(rep, c, chart_roles[k], COST_CPU_SHARE);
			const char *name = role_name((enum proc_role)chart_roles[k]);
			kbs[k] = role_rss(rep, c, chart_roles[k]);
			if (kbs[k] > 0) {
				if (ml < sizeof mdetail)
					ml += (size_t)snprintf(mdetail + ml, sizeof mdetail - ml, " %s %.1f", name, kbs[k] / 1024.0);
				any_mem = 1;
			}
			if (!rc || rc->none) {
				if (chart_roles[k] == ROLE_RUNTIME && dl < sizeof detail)
					dl += (size_t)snprintf(detail + dl, sizeof detail - dl, "  %s none", name);
				continue;
			}
			shares[k] = sh && sh->st.n ? sh->st.mean : 0;
			if (dl < sizeof detail)
				dl += (size_t)snprintf(detail + dl, sizeof detail - dl, "  %s %.0f%%", name, shares[k]);
		}
		/* the storage the instance added beside its image, where its driver measured it */
		const struct report_cost *disk = cost_of(rep, c, REPORT_TOTAL, COST_DISK_KB);
		if (disk && disk->st.n && dl < sizeof detail)
			dl += (size_t)snprintf(detail + dl, sizeof detail - dl, "   storage added %.0f kB", disk->st.mean);
		chart_stack(y, bx, bw, shares, 100.0, 0);
		draw_text(y + 1, m->x, m->w, th(TH_DIM), 1, detail);
		if (ml < sizeof mdetail)
			snprintf(mdetail + ml, sizeof mdetail - ml, "%s", any_mem ? " MiB" : " none sampled");
		draw_text(y + 2, m->x, bx - m->x - 1, th(TH_DIM), 1, mdetail);
		/* at least a cell: a role with memory is seen */
		chart_stack(y + 2, bx, bw, kbs, mem_max, 1);
		y += 3;
	}
	if (!any)
		draw_text(y, m->x + 1, m->w - 2, th(TH_DIM), 0, "no process samples in this run");
	draw_text(m->y + m->h - 1, m->x, m->w, th(TH_DIM), 1,
	    " w workload  r runtime  v vmm  h helper  l load generator; CPU-s over each instance's life;"
	    " the guest's own view is not in it; isolab report prints every figure");
	(void)t;
}

/* The selected row's workload and metric against the sweep's values: a
 * line per runtime (and host), named in its colour on the title row. */
static void draw_sweep(struct tui *t, struct results *r, const struct rect *rc)
{
	const struct report *rep = &r->rep;
	const struct report_row *like = NULL;
	if (r->rows_tb.sel < rep->nrows && report_sweep_value(rep, &rep->rows[r->rows_tb.sel]))
		like = &rep->rows[r->rows_tb.sel];
	for (size_t i = 0; !like && i < rep->nrows; i++)
		if (report_sweep_value(rep, &rep->rows[i]))
			like = &rep->rows[i];
	if (!like || rc->h < 4)
		return;
	const char **vals;
	size_t nv = report_sweep_values(rep, &vals);
	enum { MAXLINES = 8 };
	double *ys[MAXLINES] = { 0 };
	struct chart_series ser[MAXLINES];
	const struct report_row *who[MAXLINES];
	size_t ns = 0;
	for (size_t i = 0; i < rep->nrows && ns < MAXLINES; i++) {
		const struct report_row *row = &rep->rows[i];
		int seen = !report_sweep_value(rep, row) || strcmp(row->workload, like->workload) ||
		    strcmp(row->metric, like->metric);
		for (size_t k = 0; k < ns && !seen; k++)
			seen = !strcmp(who[k]->runtime, row->runtime) && !strcmp(who[k]->host, row->host);
		if (seen)
			continue;
		ys[ns] = xcalloc(nv ? nv : 1, sizeof **ys);
		report_sweep_line(rep, row, vals, nv, ys[ns], NULL);
		who[ns] = row;
		ser[ns] = (struct chart_series){ .v = ys[ns], .n = nv, .colour = (enum theme_elem)(TH_SERIES1 + (int)ns) };
		ns++;
	}
	char title[200];
	int n = snprintf(title, sizeof title, " %s %s (%s) against %s: ", like->workload, like->metric, like->unit,
	    rep->sweep_param);
	draw_text(rc->y, rc->x, rc->w, th(TH_INFO) | A_BOLD, 1, title);
	int x = rc->x + (n < rc->w ? n : rc->w);
	for (size_t k = 0; k < ns && x < rc->x + rc->w; k++) {
		char name[96];
		snprintf(name, sizeof name, "%s%s%s ", who[k]->runtime, strcmp(who[k]->host, "local") ? "@" : "",
		    strcmp(who[k]->host, "local") ? who[k]->host : "");
		int len = (int)strlen(name);
		draw_text(rc->y, x, rc->x + rc->w - x, th(ser[k].colour) | A_BOLD, 0, name);
		x += len;
	}
	struct chart_opts o = { .utf8 = t->utf8, .xlabels = vals, .nxlabels = nv };
	chart_draw(&(struct rect){ rc->y + 1, rc->x, rc->h - 1, rc->w }, ser, ns, &o);
	for (size_t k = 0; k < ns; k++)
		free(ys[k]);
	free(vals);
}

static void results_draw(struct tui *t, const struct rect *rc)
{
	struct results *r = t->results;
	for (int y = 0; y < rc->h; y++)
		draw_fill(rc->y + y, rc->x, rc->w, th(TH_NORMAL));
	int side = rc->w >= 110;
	int lw = side ? 26 : 0;
	if (side || r->focus == 0) {
		int w = side ? lw : rc->w;
		r->runs_rect = (struct rect){ rc->y, rc->x, rc->h, w };
		r->runs_tb.focus = r->focus == 0;
		table_draw(&r->runs_tb, &r->runs_rect, 1, run_cell, r);
		if (!r->nruns)
			draw_text(rc->y + 2, rc->x + 1, w - 2, th(TH_DIM), 0, "no runs yet");
		if (!side)
			return;
	} else {
		r->runs_rect = (struct rect){ 0, 0, 0, 0 };
	}
	struct rect m = { rc->y, rc->x + lw + (side ? 1 : 0), rc->h, rc->w - lw - (side ? 1 : 0) };
	if (!r->have) {
		draw_text(m.y + 1, m.x + 1, m.w - 2, th(TH_DIM), 0,
		    r->nruns ? "no run selected: Tab to the list of past runs, Enter to open one"
			     : "no results yet: start a run in 1 Setup");
		return;
	}
	if (r->comparing) {
		draw_compare(r, &m);
		return;
	}
	if (r->costs) {
		draw_costs(t, r, &m);
		return;
	}
	char hdr[300];
	snprintf(hdr, sizeof hdr, " run %s   baseline %s%s%s   e: export   c: compare with...", r->rep.run_id ? r->rep.run_id : "?",
	    r->rep.baseline ? r->rep.baseline : "?", r->rep.partial ? "   PARTIAL" : "",
	    r->rep.failed_instances ? "   some instances failed" : "");
	draw_text(m.y, m.x, m.w, th(r->rep.partial || r->rep.failed_instances ? TH_WARN : TH_INFO) | A_BOLD, 1, hdr);
	/* The start-up phases, one line each, under the table (at most a
	 * third of the screen's height). */
	int nph = (int)r->rep.nphases, maxph = (m.h - 4) / 3;
	if (nph > maxph)
		nph = maxph > 0 ? maxph : 0;
	int phh = nph ? nph + 1 : 0;
	/* A sweep: the selected row's metric against the swept value, under
	 * the table, when there is room for both. */
	int swh = r->rep.sweep_param && m.h - phh >= 18 ? (m.h - phh) * 2 / 5 : 0;
	r->rows_rect = (struct rect){ m.y + 1, m.x, m.h - 2 - phh - swh, m.w };
	r->rows_tb.focus = r->focus == 1;
	table_draw(&r->rows_tb, &r->rows_rect, 1, row_cell, t);
	/* Bars: the flex column, drawn after the text cells. */
	int bx = r->rows_rect.x;
	for (int c = 0; c < RC_BAR; c++)
		bx += r->cols[c].width + 1;
	int bw = r->rows_rect.x + r->rows_rect.w - bx - 1;
	if (bw >= 4) {
		for (int i = 0; i < r->rows_rect.h - 1; i++) {
			size_t k = r->rows_tb.top + (size_t)i;
			if (k >= r->rep.nrows)
				break;
			const struct report_row *row = &r->rep.rows[k];
			double mx = group_max(&r->rep, row);
			int base = r->rep.baseline && !strcmp(row->runtime, r->rep.baseline);
			chart_hbar(r->rows_rect.y + 1 + i, bx, bw, mx > 0 ? fabs(row->st.mean) / mx : 0,
			    th(base ? TH_BAR_BASELINE : TH_BAR), t->utf8);
		}
	}
	if (swh)
		draw_sweep(t, r, &(struct rect){ r->rows_rect.y + r->rows_rect.h, m.x, swh, m.w });
	if (phh) {
		int y = m.y + m.h - 1 - phh;
		draw_text(y, m.x, m.w, th(TH_INFO) | A_BOLD, 1,
		    " Start-up phases (p50 ms): isolab before the runtime's call + the runtime's + isolab after the ready line");
		for (int i = 0; i < nph; i++) {
			char line[512];
			report_phases_line(&r->rep.phases[i], line, sizeof line);
			draw_text(y + 1 + i, m.x + 1, m.w - 1, th(TH_NORMAL), 1, line);
		}
	}
	draw_text(m.y + m.h - 1, m.x, m.w, th(TH_DIM), 1,
	    " * significant (Welch, p < 0.05); ns not significant; overhead > 0 is worse; n! some repetitions failed");
}

/* The page of the shown run (and its comparison, when one is shown):
 * the charts need the journal again, which the screen does not keep. */
static int export_html(struct tui *t, const char *path, char **cause)
{
	struct results *r = t->results;
	struct journal_read jr = { 0 };
	if (journal_read(r->dir, &jr, cause) < 0)
		return -1;
	struct figures fig;
	figures_build(&jr, &r->rep, &fig);
	const struct experiment *lab = r->rep.experiment ? config_experiment(&t->cfg, r->rep.experiment) : NULL;
	struct html_doc d = { .jr = &jr, .rep = &r->rep, .fig = &fig,
		.lab = lab && experiment_is_lab(lab) ? lab : NULL, .cmp = r->comparing ? &r->cmp : NULL,
		.command = "the Results screen of isolab's interface" };
	int rc = html_write(&d, path, cause);
	figures_free(&fig);
	journal_read_free(&jr);
	return rc;
}

static void export_chosen(struct tui *t, int ok, size_t choice, const char *text, void *arg)
{
	struct results *r = t->results;
	if (!ok || !r->have)
		return;
	static const char *const ext[] = { "csv", "json", "html" };
	if (choice >= ARRAY_SIZE(ext))
		return;
	char *path = xasprintf("%s/report.%s", r->dir, ext[choice]);
	char *cause = NULL;
	int rc = choice == 0 ? report_write_csv(&r->rep, path, &cause) : choice == 1 ?
	    report_write_json(&r->rep, path, &cause) : export_html(t, path, &cause);
	if (rc < 0) {
		live_log(&t->live, LOG_ERROR, "export: %s", cause ? cause : path);
		tui_status(t, "export failed: %s", cause ? cause : path);
	} else {
		tui_status(t, "exported %s", path);
	}
	free(cause);
	free(path);
}

/* "compare with...": the chosen run is B, the reference. */
static void compare_chosen(struct tui *t, int ok, size_t choice, const char *text, void *arg)
{
	struct results *r = t->results;
	if (!ok || !r->have || choice >= r->npicks)
		return;
	char *cause = NULL;
	char *dir = journal_resolve(t->state_dir, r->picks[choice], &cause);
	struct journal_read jr = { 0 };
	struct report b = { 0 };
	if (!dir || report_build_dir(dir, r->rep.baseline, &jr, &b, &cause) < 0) {
		live_log(&t->live, LOG_ERROR, "compare: %s", cause ? cause : "cannot read the run");
		tui_status(t, "compare: %s", cause ? cause : "cannot read the run");
	} else {
		stop_comparing(r);
		compare_build(&r->rep, r->env, &b, jr.env, 5.0, &r->cmp);
		r->comparing = 1;
		r->cmp_tb.nrows = r->cmp.ncells;
		r->cmp_tb.sel = r->cmp_tb.top = 0;
		r->focus = 1;
		report_free(&b);
	}
	journal_read_free(&jr);
	free(dir);
	free(cause);
	t->damage |= DAMAGE_BODY;
}

static void compare_menu(struct tui *t)
{
	struct results *r = t->results;
	free_picks(r);
	results_refresh_runs(t);
	r->picks = xcalloc(r->nruns + 1, sizeof *r->picks);
	for (size_t i = 0; i < r->nruns; i++)
		if (!r->rep.run_id || strcmp(r->runs[i], r->rep.run_id))
			r->picks[r->npicks++] = xstrdup(r->runs[i]);
	if (!r->npicks) {
		tui_status(t, "no other run to compare with");
		return;
	}
	dialog_menu(t, "Compare with (the reference run)", (const char *const *)r->picks, r->npicks, 0,
	    compare_chosen, NULL);
}

static int results_key(struct tui *t, int key)
{
	struct results *r = t->results;
	struct table *tb = r->focus ? (r->comparing ? &r->cmp_tb : &r->rows_tb) : &r->runs_tb;
	int h = r->focus ? r->rows_rect.h - 1 : r->runs_rect.h - 1;
	if (table_key(tb, key, h))
		return TUI_REDRAW;
	switch (key) {
	case '\t': case KEY_BTAB:
		r->focus = !r->focus;
		if (r->focus == 0)
			results_refresh_runs(t);
		return TUI_REDRAW;
	case '\r': case '\n': case KEY_ENTER:
		if (r->focus == 0 && r->runs_tb.sel < r->nruns) {
			char *id = xstrdup(r->runs[r->runs_tb.sel]);
			if (results_load(t, id) == 0)
				r->focus = 1;
			free(id);
		}
		return TUI_REDRAW;
	case 'e': case 'x': {
		if (!r->have) {
			tui_status(t, "no report to export");
			return TUI_HANDLED;
		}
		static const char *const items[] = { "CSV  (report.csv in the run directory)",
			"JSON (report.json in the run directory)",
			"HTML (report.html: the page with every chart)" };
		dialog_menu(t, "Export the report", items, ARRAY_SIZE(items), 0, export_chosen, NULL);
		return TUI_REDRAW;
	}
	case 'c':
		if (r->comparing)
			stop_comparing(r);
		else if (r->have)
			compare_menu(t);
		else
			tui_status(t, "no report to compare: open a run first");
		return TUI_REDRAW;
	case 'R':
		results_refresh_runs(t);
		return TUI_REDRAW;
	case 'a':
		if (!r->have) {
			tui_status(t, "no report: open a run first");
			return TUI_HANDLED;
		}
		r->costs = !r->costs;
		if (r->costs && r->comparing)
			stop_comparing(r);
		return TUI_REDRAW;
	}
	return TUI_IGNORED;
}

static int results_mouse(struct tui *t, const MEVENT *m, const struct rect *rc)
{
	struct results *r = t->results;
	const struct rect *rr = &r->runs_rect;
	if (rr->w && m->x >= rr->x && m->x < rr->x + rr->w) {
		long row = table_hit(&r->runs_tb, rr, 1, m->y);
		r->focus = 0;
		if (row >= 0) {
			r->runs_tb.sel = (size_t)row;
			results_key(t, '\r');
		}
		return TUI_REDRAW;
	}
	struct table *tb = r->comparing ? &r->cmp_tb : &r->rows_tb;
	long row = table_hit(tb, &r->rows_rect, 1, m->y);
	if (row >= 0) {
		r->focus = 1;
		tb->sel = (size_t)row;
	}
	return TUI_REDRAW;
}

static const struct help_key results_help[] = {
	{ "Tab", "switch between the comparison and the list of past runs" },
	{ "Up/Down j/k", "move; PgUp/PgDn, Home/End jump" },
	{ "Enter", "in the list: open that run's report" },
	{ "e", "export the report as CSV, JSON or an HTML page with its charts into the run's directory" },
	{ "c", "compare with an earlier run (the reference); c again: back to the report" },
	{ "a", "where the host's CPU and memory went: by role, per unit of work; a again: back" },
	{ "R", "re-read the list of past runs" },
	{ NULL, NULL },
};

static const struct help_key results_bar[] = {
	{ "Tab", "Runs" }, { "Enter", "Open" }, { "e", "Export" }, { "c", "Compare" }, { "a", "Cost" }, { NULL, NULL },
};

const struct screen_class screen_results = {
	.name = "Results",
	.init = results_init,
	.done = results_done,
	.draw = results_draw,
	.key = results_key,
	.mouse = results_mouse,
	.help = results_help,
	.bar = results_bar,
	.live_mask = LIVE_END,
};

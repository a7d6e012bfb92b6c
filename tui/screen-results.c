/*
 * screen-results.c — the comparison of a run: per runtime × workload ×
 * metric the mean ± 95% CI, the overhead against the baseline with its
 * significance, and a horizontal bar per row scaled within its workload
 * and metric. The list of past runs (journal_list_runs) picks another run;
 * e exports the shown report as CSV or JSON into the run's directory.
 *
 * Reports are built by base/report.c from the journal on disk, the same
 * code as `isolab report`, so the screen and the CLI never disagree.
 */
#include "config.h"
#include "chart.h"
#include "dialog.h"
#include "draw.h"
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

struct results {
	char **runs;
	size_t nruns;
	struct table runs_tb, rows_tb;
	struct table_col cols[RC__COUNT];  /* row_cols, the runtime column widened to fit RUNTIME@HOST */
	int focus;                 /* 0: the runs list, 1: the comparison */
	struct report rep;
	int have;
	char *dir;
	struct rect runs_rect, rows_rect;
};


static const struct table_col row_cols[RC__COUNT] = {
	[RC_RUNTIME] = { "Runtime", 10, 0, 0 }, [RC_WORKLOAD] = { "Workload", 9, 0, 0 },
	[RC_METRIC] = { "Metric", 6, 0, 0 }, [RC_MEAN] = { "Mean \xc2\xb1 95% CI", 19, 1, 0 },
	[RC_UNIT] = { "Unit", 8, 0, 0 }, [RC_N] = { "n", 3, 1, 0 }, [RC_OVERHEAD] = { "Overhead", 8, 1, 0 },
	[RC_SIG] = { "Sig", 3, 0, 0 }, [RC_BAR] = { "", 4, 0, 1 },
};
static const struct table_col run_cols[] = { { "Past runs", 20, 0, 1 } };

static void results_init(struct tui *t)
{
	struct results *r = xcalloc(1, sizeof *r);
	r->runs_tb = (struct table){ .cols = run_cols, .ncols = 1, .sort_col = -1 };
	memcpy(r->cols, row_cols, sizeof row_cols);
	r->rows_tb = (struct table){ .cols = r->cols, .ncols = RC__COUNT, .sort_col = -1 };
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

static void results_done(struct tui *t)
{
	struct results *r = t->results;
	if (!r)
		return;
	free_runs(r);
	if (r->have)
		report_free(&r->rep);
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
	if (!dir || journal_read(dir, &jr, &cause) < 0 || report_build(&jr, NULL, &rep, &cause) < 0) {
		live_log(&t->live, LOG_ERROR, "results: %s", cause ? cause : "cannot read the run");
		tui_status(t, "results: %s", cause ? cause : "cannot read the run");
		free(cause);
		free(dir);
		journal_read_free(&jr);
		return -1;
	}
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
	for (size_t i = 0; i < rep.nrows; i++) {
		const struct report_row *row = &rep.rows[i];
		int w = draw_width(row->runtime);
		if (row->host && *row->host && strcmp(row->host, "local"))
			w += 1 + draw_width(row->host);
		if (w > r->cols[RC_RUNTIME].width)
			r->cols[RC_RUNTIME].width = w > 24 ? 24 : w;
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
	case RC_RUNTIME:
		if (row->host && *row->host && strcmp(row->host, "local"))
			snprintf(buf, len, "%s@%s", row->runtime, row->host);
		else
			snprintf(buf, len, "%s", row->runtime);
		if (base)
			*attr = th(TH_BAR_BASELINE);
		break;
	case RC_WORKLOAD: snprintf(buf, len, "%s", row->workload); break;
	case RC_METRIC: snprintf(buf, len, "%s", row->metric); break;
	case RC_MEAN:
		if (!row->st.n)
			snprintf(buf, len, "-");
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
		else
			snprintf(buf, len, "%+.1f%%", row->overhead_pct);
		if (!base && row->has_baseline && row->significant)
			*attr = th(row->overhead_pct > 0 ? TH_ERROR : TH_OK);
		break;
	case RC_SIG:
		if (!base && row->has_baseline)
			snprintf(buf, len, "%s", row->significant ? "*" : "ns");
		break;
	case RC_BAR:
		break;
	}
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
	char hdr[300];
	snprintf(hdr, sizeof hdr, " run %s   baseline %s%s%s   e: export CSV/JSON", r->rep.run_id ? r->rep.run_id : "?",
	    r->rep.baseline ? r->rep.baseline : "?", r->rep.partial ? "   PARTIAL" : "",
	    r->rep.failed_instances ? "   some instances failed" : "");
	draw_text(m.y, m.x, m.w, th(r->rep.partial || r->rep.failed_instances ? TH_WARN : TH_INFO) | A_BOLD, 1, hdr);
	r->rows_rect = (struct rect){ m.y + 1, m.x, m.h - 2, m.w };
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
	draw_text(m.y + m.h - 1, m.x, m.w, th(TH_DIM), 1,
	    " * significant (Welch, p < 0.05); ns not significant; overhead > 0 is worse; n! some repetitions failed");
}

static void export_chosen(struct tui *t, int ok, size_t choice, const char *text, void *arg)
{
	struct results *r = t->results;
	if (!ok || !r->have)
		return;
	char *path = xasprintf("%s/report.%s", r->dir, choice == 0 ? "csv" : "json");
	char *cause = NULL;
	int rc = choice == 0 ? report_write_csv(&r->rep, path, &cause) : report_write_json(&r->rep, path, &cause);
	if (rc < 0) {
		live_log(&t->live, LOG_ERROR, "export: %s", cause ? cause : path);
		tui_status(t, "export failed: %s", cause ? cause : path);
	} else {
		tui_status(t, "exported %s", path);
	}
	free(cause);
	free(path);
}

static int results_key(struct tui *t, int key)
{
	struct results *r = t->results;
	struct table *tb = r->focus ? &r->rows_tb : &r->runs_tb;
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
			"JSON (report.json in the run directory)" };
		dialog_menu(t, "Export the report", items, 2, 0, export_chosen, NULL);
		return TUI_REDRAW;
	}
	case 'R':
		results_refresh_runs(t);
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
	long row = table_hit(&r->rows_tb, &r->rows_rect, 1, m->y);
	if (row >= 0) {
		r->focus = 1;
		r->rows_tb.sel = (size_t)row;
	}
	return TUI_REDRAW;
}

static const struct help_key results_help[] = {
	{ "Tab", "switch between the comparison and the list of past runs" },
	{ "Up/Down j/k", "move; PgUp/PgDn, Home/End jump" },
	{ "Enter", "in the list: open that run's report" },
	{ "e", "export the report as CSV or JSON into the run's directory" },
	{ "R", "re-read the list of past runs" },
	{ NULL, NULL },
};

static const struct help_key results_bar[] = {
	{ "Tab", "Runs" }, { "Enter", "Open" }, { "e", "Export" }, { NULL, NULL },
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

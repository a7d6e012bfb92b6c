/*
 * screen-dashboard.c — the run, live: progress with an ETA, a throughput
 * chart and a latency chart (p50/p95/p99), one series per instance of the
 * workload being measured, a legend with current/mean/min/max and each
 * instance's host CPU by role in its last second (a stacked bar), and the
 * instances that failed with their error.
 *
 * Series are the instances of the current workload (the last eight), so
 * repetitions and runtimes of one workload share the axes and can be
 * compared by eye as they arrive.
 */
#include "config.h"
#include "chart.h"
#include "draw.h"
#include "screens.h"
#include "tui.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const pct_names[3] = { "p50", "p95", "p99" };

struct dash {
	size_t window;        /* seconds across the chart; 0: fit */
	size_t back;          /* seconds scrolled back */
	size_t shown;         /* the window last drawn, which zooming starts from */
	int pct;              /* index into pct_names */
};

static void dash_init(struct tui *t)
{
	t->dash = xcalloc(1, sizeof *t->dash);
	t->dash->pct = 2;
}

static void dash_done(struct tui *t)
{
	free(t->dash);
	t->dash = NULL;
}

/* The instances charted: the last TH_NSERIES of the current workload. */
static size_t pick_series(struct live *l, struct live_inst **out)
{
	if (!l->ninst)
		return 0;
	struct live_inst *cur = l->current >= 0 ? live_find(l, l->current) : NULL;
	if (!cur)
		cur = &l->inst[l->ninst - 1];
	size_t n = 0;
	for (size_t i = l->ninst; i-- > 0 && n < TH_NSERIES;)
		if (!strcmp(l->inst[i].workload, cur->workload))
			out[n++] = &l->inst[i];
	/* Oldest first, so colours stay with an instance as new ones arrive. */
	for (size_t i = 0; i < n / 2; i++) {
		struct live_inst *tmp = out[i];
		out[i] = out[n - 1 - i];
		out[n - 1 - i] = tmp;
	}
	return n;
}

static void series_stats(const struct live_series *s, double *cur, double *mean, double *mn, double *mx)
{
	*cur = *mean = *mn = *mx = NAN;
	double sum = 0;
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++) {
		double v = s->v[i];
		if (!isfinite(v))
			continue;
		*cur = v;
		sum += v;
		k++;
		*mn = isnan(*mn) || v < *mn ? v : *mn;
		*mx = isnan(*mx) || v > *mx ? v : *mx;
	}
	if (k)
		*mean = sum / (double)k;
}

/* An instance's host CPU in its latest sample with processes, by role in
 * chart_roles' order (% of one core; the guest's own view is not the
 * host's); returns the total. */
static double role_cpu(const struct live_inst *in, double *parts)
{
	double total = 0;
	for (int k = 0; k < CHART_NROLES; k++) {
		parts[k] = in->has_role_cpu ? in->role_cpu[chart_roles[k]] : 0;
		total += parts[k];
	}
	return total;
}

/* The legend's last column: "CPU by role", a figure and a stacked bar on
 * one scale for every row (the busiest row, at least one core). */
#define ROLE_COL_MIN 24

static void draw_roles(const struct live_inst *in, double scale, int y, int x, int w)
{
	double parts[CHART_NROLES];
	double total = role_cpu(in, parts);
	char fig[32];
	if (!in->has_role_cpu) {
		draw_text(y, x, w, th(TH_DIM), 0, "-");
		return;
	}
	snprintf(fig, sizeof fig, "%5.0f%% ", total);
	int used = draw_text(y, x, w, th(TH_NORMAL), 0, fig);
	int bw = w - used - 1;
	if (bw > 50)
		bw = 50;
	chart_stack(y, x + used, bw, parts, scale, 1);
}

/* The progress line; cur: the current instance, NULL when none. */
static void draw_progress(struct tui *t, struct live_inst *cur, int y, int x, int w)
{
	struct live *l = &t->live;
	char buf[256], eta[32];
	if (!l->run_id) {
		draw_text(y, x, w, th(TH_DIM), 1, "No run yet: pick runtimes and workloads in 1 Setup, then press s.");
		return;
	}
	size_t done = l->done;
	double frac = l->total ? (double)done / (double)l->total : 0;
	if (cur && !cur->setting_up && l->total && t->exp.duration > 0) {
		double part = cur->t / t->exp.duration;
		frac += (part > 1 ? 1 : part) / (double)l->total;
	}
	if (l->active && cur)
		snprintf(buf, sizeof buf, "run %s [%zu/%zu] %s %s %s %u  %s%.0fs ", l->run_id, done + 1, l->total,
		    cur->runtime, cur->workload, cur->warmup ? "warm-up" : "rep", cur->rep,
		    cur->setting_up ? "setting up " : "t=",
		    !cur->setting_up ? cur->t : cur->t > cur->setup_from ? cur->t - cur->setup_from : 0);
	else if (l->active)
		snprintf(buf, sizeof buf, "run %s [%zu/%zu] starting ", l->run_id, done, l->total);
	else
		snprintf(buf, sizeof buf, "run %s %s: %zu/%zu instances, %u failed ", l->run_id,
		    l->cancelled ? "cancelled" : "finished", done, l->total, l->failed);
	int used = draw_text(y, x, w, th(l->active ? TH_NORMAL : l->failed || l->cancelled ? TH_WARN : TH_OK) | A_BOLD,
	    0, buf);
	if (l->active) {
		snprintf(buf, sizeof buf, " %3.0f%%  ETA %s", frac * 100, draw_hms(live_eta(l), eta, sizeof eta));
		int tail = draw_width(buf);
		int bw = w - used - tail;
		if (bw > 40)
			bw = 40;
		if (bw >= 5) {
			draw_fill(y, x + used, bw, th(TH_AXIS));
			chart_hbar(y, x + used, bw, frac, th(TH_BAR), t->utf8);
			used += bw;
		}
		draw_text(y, x + used, w - used, th(TH_NORMAL), 0, buf);
	}
}

static void dash_draw(struct tui *t, const struct rect *r)
{
	struct dash *d = t->dash;
	struct live *l = &t->live;
	for (int y = 0; y < r->h; y++)
		draw_fill(r->y + y, r->x, r->w, th(TH_NORMAL));
	struct live_inst *now = l->current >= 0 ? live_find(l, l->current) : NULL;
	draw_progress(t, now, r->y, r->x + 1, r->w - 2);

	struct live_inst *sel[TH_NSERIES];
	size_t ns = pick_series(l, sel);
	const struct workload *wl = ns ? sel[ns - 1]->wl : NULL;
	int ti = live_metric_index(wl, "throughput", NULL);
	int li = live_metric_index(wl, "latency", pct_names[d->pct]);

	/* Failed instances of the whole run, newest last. */
	size_t nfail = 0;
	for (size_t i = 0; i < l->ninst; i++)
		nfail += l->inst[i].ended && l->inst[i].status && strcmp(l->inst[i].status, "ok") &&
		    strcmp(l->inst[i].status, "cancelled");
	int fail_h = nfail ? (int)(nfail < 3 ? nfail : 3) + 1 : 0;
	int leg_h = ns ? (int)ns + 1 : 0;
	int max_leg = (r->h - 1) / 3;
	if (leg_h > max_leg)
		leg_h = max_leg;
	int ch = r->h - 1 - leg_h - fail_h;
	if (ch < 4) {
		fail_h = 0;
		ch = r->h - 1 - leg_h;
	}
	int y = r->y + 1;
	struct chart_series cs[TH_NSERIES];
	int th_h = li >= 0 ? (ch + 1) / 2 : ch;
	int lat_h = ch - th_h;
	char unit[64];
	/* By default the whole instance fits: its planned duration, or what it has run. */
	size_t window = d->window;
	if (!window && t->exp.duration > 0)
		window = (size_t)ceil(t->exp.duration);
	for (size_t i = 0; !d->window && i < ns && ti >= 0; i++)
		window = sel[i]->m[ti].n > window ? sel[i]->m[ti].n : window;
	d->shown = window;
	if (ch >= 3) {
		size_t n = 0;
		for (size_t i = 0; i < ns && ti >= 0; i++)
			cs[n++] = (struct chart_series){ sel[i]->m[ti].v, sel[i]->m[ti].n, (enum theme_elem)(TH_SERIES1 + i) };
		snprintf(unit, sizeof unit, "%s", ti >= 0 ? wl->metrics[ti].unit ? wl->metrics[ti].unit : "" : "");
		struct chart_opts o = { .title = ti >= 0 ? wl->metrics[ti].name : "throughput", .unit = unit,
			.window = window, .back = d->back, .utf8 = t->utf8 };
		struct rect cr = { y, r->x, th_h, r->w - 1 };
		chart_draw(&cr, cs, n, &o);
		if (now && now->setting_up) {
			char msg[160];
			snprintf(msg, sizeof msg, "%s: %s's setup phase runs; its load begins when the setup ends",
			    now->runtime, now->workload);
			draw_text(y + th_h / 2, r->x + 10, r->w - 12, th(TH_DIM), 0, msg);
		} else if (ti < 0) {
			draw_text(y + th_h / 2, r->x + 10, r->w - 12, th(TH_DIM), 0,
			    ns ? "this workload has no per-second throughput metric" : "waiting for the first sample...");
		}
		y += th_h;
		if (lat_h >= 3) {
			n = 0;
			for (size_t i = 0; i < ns; i++)
				cs[n++] = (struct chart_series){ sel[i]->m[li].v, sel[i]->m[li].n, (enum theme_elem)(TH_SERIES1 + i) };
			snprintf(unit, sizeof unit, "%s, p to switch", wl->metrics[li].unit ? wl->metrics[li].unit : "");
			struct chart_opts lo = { .title = wl->metrics[li].name, .unit = unit, .window = window,
				.back = d->back, .utf8 = t->utf8 };
			struct rect lr = { y, r->x, lat_h, r->w - 1 };
			chart_draw(&lr, cs, n, &lo);
			y += lat_h;
		}
	}

	/* Legend. */
	if (leg_h > 1) {
		char hdr[200];
		/* The CPU by role column, where the width leaves room for it. */
		int rx = r->x + 4 + 24 + 5 * 10 + 2, rw = r->x + r->w - 1 - rx;
		int roles = rw >= ROLE_COL_MIN;
		double scale = 100;
		for (size_t i = 0; roles && i < ns; i++) {
			double parts[CHART_NROLES], tot = role_cpu(sel[i], parts);
			scale = tot > scale ? tot : scale;
		}
		snprintf(hdr, sizeof hdr, "   %-24s %9s %9s %9s %9s %9s  %s", "instance", "current", "mean", "min", "max",
		    li >= 0 ? wl->metrics[li].name : "", roles ? "host CPU by role, last second (w r v h l)" : "");
		draw_text(y, r->x + 1, r->w - 2, th(TH_HEADER), 1, hdr);
		y++;
		size_t first = ns > (size_t)(leg_h - 1) ? ns - (size_t)(leg_h - 1) : 0;
		for (size_t i = first; i < ns; i++, y++) {
			struct live_inst *in = sel[i];
			double cur = NAN, mean = NAN, mn = NAN, mx = NAN, lc = NAN, x1, x2, x3;
			if (ti >= 0)
				series_stats(&in->m[ti], &cur, &mean, &mn, &mx);
			if (li >= 0)
				series_stats(&in->m[li], &lc, &x1, &x2, &x3);
			char name[64], b1[16], b2[16], b3[16], b4[16], b5[16], line[200];
			snprintf(name, sizeof name, "#%d %s %s%u%s", in->id, in->runtime, in->warmup ? "warm-up " : "rep ", in->rep,
			    in->ended ? (strcmp(in->status, "ok") ? " !" : " done") : "");
			snprintf(line, sizeof line, "%-24.24s %9s %9s %9s %9s %9s", name, draw_si(cur, b1, sizeof b1),
			    draw_si(mean, b2, sizeof b2), draw_si(mn, b3, sizeof b3), draw_si(mx, b4, sizeof b4),
			    li >= 0 ? draw_si(lc, b5, sizeof b5) : "");
			draw_text(y, r->x + 1, 2, th((enum theme_elem)(TH_SERIES1 + i)), 0, t->utf8 ? "\xe2\x96\xa0" : "*");
			draw_text(y, r->x + 4, r->w - 5, th(in->ended && strcmp(in->status, "ok") ? TH_WARN : TH_NORMAL), 0, line);
			if (roles)
				draw_roles(in, scale, y, rx, rw);
		}
	}

	/* Failures. */
	if (fail_h) {
		draw_text(y, r->x + 1, r->w - 2, th(TH_ERROR), 1, "Failed instances");
		y++;
		size_t shown = 0, skip = nfail > (size_t)(fail_h - 1) ? nfail - (size_t)(fail_h - 1) : 0, k = 0;
		for (size_t i = 0; i < l->ninst && shown < (size_t)(fail_h - 1); i++) {
			struct live_inst *in = &l->inst[i];
			if (!in->ended || !in->status || !strcmp(in->status, "ok") || !strcmp(in->status, "cancelled"))
				continue;
			if (k++ < skip)
				continue;
			char line[600];
			snprintf(line, sizeof line, "#%d %s %s rep %u %s: %s", in->id, in->runtime, in->workload, in->rep,
			    in->status, in->error ? in->error : "no error message");
			draw_text(y++, r->x + 2, r->w - 3, th(TH_ERROR), 0, line);
			shown++;
		}
	}
}

static int dash_key(struct tui *t, int key)
{
	struct dash *d = t->dash;
	size_t w = d->window ? d->window : d->shown ? d->shown : 60;
	switch (key) {
	case '+': case '=':
		d->window = w > 10 ? w / 2 : 10;
		return TUI_REDRAW;
	case '-': case '_':
		d->window = w < 3600 ? w * 2 : 3600;
		return TUI_REDRAW;
	case '0':
		d->window = 0;
		d->back = 0;
		return TUI_REDRAW;
	case KEY_LEFT: case 'h':
		d->back += w / 4 ? w / 4 : 1;
		return TUI_REDRAW;
	case KEY_RIGHT: case 'l':
		d->back = d->back > w / 4 ? d->back - w / 4 : 0;
		return TUI_REDRAW;
	case KEY_END: case 'G':
		d->back = 0;
		return TUI_REDRAW;
	case 'p':
		d->pct = (d->pct + 1) % 3;
		return TUI_REDRAW;
	case '\t':
		tui_set_screen(t, SCREEN_PROCESSES);
		return TUI_REDRAW_ALL;
	}
	return TUI_IGNORED;
}

static const struct help_key dash_help[] = {
	{ "+ / -", "zoom the time axis in / out" },
	{ "Left/Right h/l", "scroll back / forward in time" },
	{ "End, 0", "follow the newest second (0 also resets the zoom)" },
	{ "p", "latency chart: cycle p50 / p95 / p99" },
	{ "Tab", "go to the processes of the run" },
	{ NULL, NULL },
};

static const struct help_key dash_bar[] = {
	{ "+-", "Zoom" }, { "p", "Pctl" }, { "Tab", "Procs" }, { NULL, NULL },
};

const struct screen_class screen_dashboard = {
	.name = "Dashboard",
	.init = dash_init,
	.done = dash_done,
	.draw = dash_draw,
	.key = dash_key,
	.help = dash_help,
	.bar = dash_bar,
	.live_mask = LIVE_PROGRESS | LIVE_CHART | LIVE_START | LIVE_END,
};

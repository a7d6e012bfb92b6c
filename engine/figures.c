/*
 * figures.c — the charts of a run, filled from its report and journal.
 *
 * Everything here is arithmetic over numbers the report already computed
 * (rows, per-instance records) or that the journal holds (per-second
 * metric values); drawing is plot.c's. Aggregates over repetitions use
 * the repetition as the unit, as the report does: a bar is the mean over
 * the measured instances that finished ("ok"), its whisker the 95% CI of
 * that mean.
 *
 * Time series follow the Dashboard: per workload one throughput metric
 * and one latency metric (p99 when the workload has it), the repetitions
 * of a runtime overlaid. The runtimes' charts of one metric share their
 * y axis, so that the eye compares them as it would on one chart.
 */
#include "figures.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_LINES 8   /* repetitions overlaid on one time-series chart */

static const char *const section_names[FIG__COUNT] = {
	[FIG_METRIC] = "Per metric: mean and 95% confidence interval",
	[FIG_SERIES] = "Over time: every repetition, per second",
	[FIG_STARTUP] = "Start-up",
	[FIG_CPU] = "Host CPU by role",
	[FIG_MEMORY] = "Memory by role",
};

const char *figures_section_name(enum figure_section s)
{
	return (unsigned)s < FIG__COUNT ? section_names[s] : "?";
}

static int id_taken(const struct figures *f, const char *id)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->f[i].plot->id, id))
			return 1;
	return 0;
}

void figures_add(struct figures *f, enum figure_section s, struct plot *p)
{
	/* File names come from ids: keep them plain and unique. */
	for (char *c = p->id; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		    *c == '-' || *c == '_' || *c == '.'))
			*c = '_';
	_cleanup_free_ char *stem = xstrdup(p->id);
	for (unsigned k = 2; id_taken(f, p->id); k++) {
		free(p->id);
		p->id = xasprintf("%s-%u", stem, k);
	}
	f->f = xreallocarray(f->f, f->n + 1, sizeof *f->f);
	f->f[f->n++] = (struct figure){ .section = s, .plot = p };
}

void figures_free(struct figures *f)
{
	for (size_t i = 0; i < f->n; i++)
		plot_free(f->f[i].plot);
	free(f->f);
	*f = (struct figures){ 0 };
}

static void footer(struct plot *p, const struct report *r)
{
	plot_set(&p->footer, "isolab report %s", r->run_id);
}

/* "runc", "runc@db1", "runc / alone". */
static char *row_label(const char *runtime, const char *host, const char *variant, const char *workload)
{
	return xasprintf("%s%s%s%s%s%s%s", runtime, strcmp(host, "local") ? "@" : "", strcmp(host, "local") ? host : "",
	    *variant ? " / " : "", variant, workload ? " \xc2\xb7 " : "", workload ? workload : "");
}

/* ---- per metric ---- */

/* A chart of row g's workload and metric: its axis in g's unit, "no
 * data" when nothing finished, the footer; then into out. */
static void metric_chart_done(struct plot *p, const struct report *r, const struct report_row *g,
    struct figures *out)
{
	if (*g->unit)
		plot_set(&p->axis, "%s", g->unit);
	if (!plot_has_data(p))
		plot_set(&p->nodata, "no repetition of %s %s finished", g->workload, g->metric);
	footer(p, r);
	figures_add(out, FIG_METRIC, p);
}

static void metric_charts(const struct report *r, struct figures *out)
{
	char *done = xcalloc(r->nrows ? r->nrows : 1, 1);
	for (size_t i = 0; i < r->nrows; i++) {
		if (done[i])
			continue;
		const struct report_row *g = &r->rows[i];
		_cleanup_free_ char *id = xasprintf("metric-%s-%s", g->workload, g->metric);
		_cleanup_free_ char *title = xasprintf("%s \xe2\x80\x94 %s", g->workload, g->metric);
		struct plot *p = plot_new(PLOT_BARS, id, title);
		int any_base = 0;
		for (size_t k = i; k < r->nrows; k++) {
			const struct report_row *row = &r->rows[k];
			if (strcmp(row->workload, g->workload) || strcmp(row->metric, g->metric))
				continue;
			done[k] = 1;
			_cleanup_free_ char *label = row_label(row->runtime, row->host, row->variant, NULL);
			double v = row->st.n ? row->st.mean : NAN;
			struct plot_bar *b = plot_add_bar(p, label, &v, row->st.n > 1 ? row->st.ci95 : NAN);
			b->base = !strcmp(row->runtime, r->baseline);
			char m[32], c[32];
			if (!row->st.n) {
				b->value = row->failed ? xasprintf("no value: %u repetition%s failed", row->failed,
				    row->failed == 1 ? "" : "s") : xstrdup("no value: no repetition finished");
				continue;
			}
			plot_fmt(row->st.mean, m, sizeof m);
			_cleanup_free_ char *val = row->st.n > 1 ? xasprintf("%s \xc2\xb1 %s", m, plot_fmt(row->st.ci95, c, sizeof c))
			    : xasprintf("%s (n=1)", m);
			if (b->base)
				b->value = xasprintf("%s  baseline", val);
			else if (row->has_baseline && isfinite(row->overhead_pct))
				b->value = xasprintf("%s  %+.1f%%%s", val, row->overhead_pct, row->significant ? " *" : "");
			else
				b->value = xstrdup(val);
			any_base |= row->has_baseline;
		}
		plot_set(&p->subtitle, "%s%smean \xc2\xb1 95%% CI over repetitions; %s is better%s%s%s",
		    g->unit, *g->unit ? "; " : "", g->higher_is_better ? "higher" : "lower",
		    any_base ? "; overhead against " : "", any_base ? r->baseline : "",
		    any_base ? " (positive is worse, * p < 0.05)" : "");
		metric_chart_done(p, r, g, out);
	}
	free(done);
}

/* ---- a sweep: each metric against the swept value ---- */

/* For each workload and metric: a line per runtime (and host) through the
 * mean at each value, the values in the order the run took them. */
static void sweep_charts(const struct report *r, struct figures *out)
{
	if (!r->sweep_param)
		return;
	const char **vals;
	size_t nv = report_sweep_values(r, &vals);
	char *done = xcalloc(r->nrows ? r->nrows : 1, 1), *taken = xcalloc(r->nrows ? r->nrows : 1, 1);
	double *y = xcalloc(nv ? nv : 1, sizeof *y);
	for (size_t i = 0; nv && i < r->nrows; i++) {
		const struct report_row *g = &r->rows[i];
		if (done[i] || !report_sweep_value(r, g))
			continue;
		_cleanup_free_ char *id = xasprintf("sweep-%s-%s", g->workload, g->metric);
		_cleanup_free_ char *title = xasprintf("%s \xe2\x80\x94 %s against %s", g->workload, g->metric, r->sweep_param);
		struct plot *p = plot_new(PLOT_LINES, id, title);
		plot_categories(p, vals, nv, r->sweep_param);
		/* One line per runtime and host: rows of the same workload and metric. */
		for (size_t k = i; k < r->nrows; k++) {
			const struct report_row *row = &r->rows[k];
			if (taken[k] || strcmp(row->workload, g->workload) || strcmp(row->metric, g->metric) ||
			    !report_sweep_value(r, row))
				continue;
			report_sweep_line(r, row, vals, nv, y, taken);
			_cleanup_free_ char *label = row_label(row->runtime, row->host, "", NULL);
			plot_add_line(p, label, y, nv);
		}
		for (size_t k = i; k < r->nrows; k++)
			done[k] |= !strcmp(r->rows[k].workload, g->workload) && !strcmp(r->rows[k].metric, g->metric);
		plot_set(&p->subtitle, "%s%smean over repetitions at each value of %s; %s is better", g->unit,
		    *g->unit ? "; " : "", r->sweep_param, g->higher_is_better ? "higher" : "lower");
		metric_chart_done(p, r, g, out);
	}
	free(y);
	free(done);
	free(taken);
	free(vals);
}

/* ---- over time ---- */

struct mdef {
	const char *workload, *name, *kind, *unit;
	int higher_is_better, summary;
};

struct sinst {
	char *key;
	const char *runtime, *workload, *host, *variant;
	int rep, ok;
	double *v[2];          /* per second: the throughput and the latency metric */
	size_t n[2];
};

static const char *jstr(json_t *o, const char *k, const char *def)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : def;
}

static char *id_key(json_t *id)
{
	if (json_is_integer(id))
		return xasprintf("%lld", (long long)json_integer_value(id));
	if (json_is_string(id))
		return xstrdup(json_string_value(id));
	return NULL;
}

/* The metric of kind that the Dashboard shows first for a workload: named
 * prefer when there is one, per-second (not summary) before summary. */
static const struct mdef *pick_metric(const struct mdef *d, size_t n, const char *workload, const char *kind,
    const char *prefer)
{
	const struct mdef *best = NULL;
	int best_score = -1;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(d[i].workload, workload) || strcmp(d[i].kind, kind))
			continue;
		int score = 2 * !d[i].summary + (prefer && !strcmp(d[i].name, prefer));
		if (score > best_score) {
			best = &d[i];
			best_score = score;
		}
	}
	return best;
}

static void put(double **v, size_t *n, double t, double x)
{
	if (!(t >= 1) || t > 1e6)
		return;
	size_t i = (size_t)t - 1;
	if (i >= *n) {
		*v = xreallocarray(*v, i + 1, sizeof **v);
		for (size_t k = *n; k <= i; k++)
			(*v)[k] = NAN;
		*n = i + 1;
	}
	(*v)[i] = x;
}

static void series_charts(const struct journal_read *jr, const struct report *r, struct figures *out)
{
	struct mdef *defs = NULL;
	size_t ndefs = 0;
	struct sinst *in = NULL;
	size_t nin = 0;
	for (size_t i = 0; i < jr->nrecords; i++) {
		json_t *rec = jr->records[i];
		const char *type = jstr(rec, "type", "");
		if (!strcmp(type, "metric_def")) {
			json_t *hib = json_object_get(rec, "higher_is_better");
			defs = xreallocarray(defs, ndefs + 1, sizeof *defs);
			defs[ndefs++] = (struct mdef){ jstr(rec, "workload", ""), jstr(rec, "name", ""), jstr(rec, "kind", ""),
				jstr(rec, "unit", ""), !json_is_boolean(hib) || json_is_true(hib),
				json_is_true(json_object_get(rec, "summary")) };
		} else if (!strcmp(type, "instance")) {
			const char *role = jstr(rec, "role", "instance");
			char *key = id_key(json_object_get(rec, "id"));
			if (!key || json_is_true(json_object_get(rec, "warmup")) || !strcmp(role, "neighbour")) {
				free(key);
				continue;
			}
			const char *host = jstr(rec, "host", "local");
			json_t *rep = json_object_get(rec, "rep");
			int repn = json_is_integer(rep) ? (int)json_integer_value(rep) : (int)nin + 1;
			in = xreallocarray(in, nin + 1, sizeof *in);
			in[nin++] = (struct sinst){ .key = key, .runtime = jstr(rec, "runtime", "?"),
				.workload = jstr(rec, "workload", "?"), .host = *host ? host : "local",
				.variant = jstr(rec, "variant", ""), .rep = repn };
		}
	}
	/* The two metrics of each instance's workload, then their values. */
	const struct mdef **pick = xcalloc(nin ? 2 * nin : 1, sizeof *pick);
	for (size_t k = 0; k < nin; k++) {
		pick[2 * k] = pick_metric(defs, ndefs, in[k].workload, "throughput", NULL);
		pick[2 * k + 1] = pick_metric(defs, ndefs, in[k].workload, "latency", "p99");
	}
	size_t last = 0;
	for (size_t i = 0; i < jr->nrecords; i++) {
		json_t *rec = jr->records[i];
		const char *type = jstr(rec, "type", "");
		int sample = !strcmp(type, "sample"), end = !strcmp(type, "end");
		if (!sample && !end)
			continue;
		_cleanup_free_ char *key = id_key(json_object_get(rec, "inst"));
		if (!key)
			continue;
		size_t k = last < nin && !strcmp(in[last].key, key) ? last : nin;
		/* Newest first: a repeated id means a newer instance. */
		for (size_t j = nin; k == nin && j-- > 0;)
			if (!strcmp(in[j].key, key))
				k = j;
		if (k == nin)
			continue;
		last = k;
		if (end) {
			in[k].ok = !strcmp(jstr(rec, "status", ""), "ok");
			continue;
		}
		json_t *m = json_object_get(rec, "metrics"), *t = json_object_get(rec, "t");
		for (int w = 0; w < 2; w++) {
			json_t *v = pick[2 * k + w] ? json_object_get(m, pick[2 * k + w]->name) : NULL;
			if (json_is_number(v) && json_is_number(t))
				put(&in[k].v[w], &in[k].n[w], json_number_value(t), json_number_value(v));
		}
	}

	/* Charts: per workload and metric, one per runtime (host, variant). */
	char *done = xcalloc(nin ? nin : 1, 1);
	for (size_t a = 0; a < nin; a++) {
		if (done[a])
			continue;
		const char *wl = in[a].workload;
		for (int w = 0; w < 2; w++) {
			const struct mdef *d = pick[2 * a + w];
			if (!d)
				continue;
			size_t first = out->n;
			double ymax = 0;
			char *seen = xcalloc(nin, 1);
			for (size_t g = a; g < nin; g++) {
				if (seen[g] || strcmp(in[g].workload, wl))
					continue;
				_cleanup_free_ char *label = row_label(in[g].runtime, in[g].host, in[g].variant, NULL);
				_cleanup_free_ char *id = xasprintf("series-%s-%s%s%s%s%s-%s", wl, in[g].runtime,
				    strcmp(in[g].host, "local") ? "-" : "", strcmp(in[g].host, "local") ? in[g].host : "",
				    *in[g].variant ? "-" : "", in[g].variant, d->name);
				_cleanup_free_ char *title = xasprintf("%s \xe2\x80\x94 %s %s per second", label, wl, d->name);
				struct plot *p = plot_new(PLOT_LINES, id, title);
				size_t reps = 0;
				for (size_t k = g; k < nin; k++) {
					if (strcmp(in[k].workload, wl) || strcmp(in[k].runtime, in[g].runtime) ||
					    strcmp(in[k].host, in[g].host) || strcmp(in[k].variant, in[g].variant))
						continue;
					seen[k] = 1;
					done[k] = 1;
					reps++;
					if (p->nlines >= MAX_LINES)
						continue;
					_cleanup_free_ char *ll = xasprintf("rep %d%s", in[k].rep, in[k].ok ? "" : " (did not finish)");
					plot_add_line(p, ll, in[k].v[w], in[k].n[w]);
					for (size_t s = 0; s < in[k].n[w]; s++)
						if (isfinite(in[k].v[w][s]) && in[k].v[w][s] > ymax)
							ymax = in[k].v[w][s];
				}
				plot_set(&p->subtitle, "%s; %s is better; %zu repetition%s%s", d->unit,
				    d->higher_is_better ? "higher" : "lower", reps, reps == 1 ? "" : "s overlaid",
				    reps > MAX_LINES ? " (the first 8 drawn)" : "");
				if (*d->unit)
					plot_set(&p->axis, "%s", d->unit);
				if (!plot_has_data(p))
					plot_set(&p->nodata, "no per-second %s values were recorded", d->name);
				footer(p, r);
				figures_add(out, FIG_SERIES, p);
			}
			free(seen);
			for (size_t k = first; k < out->n; k++)
				out->f[k].plot->ymax = ymax;
		}
		/* A workload without those metric kinds has no time series. */
		for (size_t k = a; k < nin; k++)
			if (!strcmp(in[k].workload, wl))
				done[k] = 1;
	}
	free(done);
	for (size_t k = 0; k < nin; k++) {
		free(in[k].key);
		free(in[k].v[0]);
		free(in[k].v[1]);
	}
	free(in);
	free(pick);
	free(defs);
}

/* ---- per instance: start-up, CPU and memory ---- */

/* The distinct (runtime, host, variant[, workload]) groups of the measured
 * instances that pass keep, in journal order; labels to free. */
struct group {
	const struct report_instance *first;
	char *label;
};

static int same_group(const struct report_instance *a, const struct report_instance *b, int by_workload)
{
	return !strcmp(a->runtime, b->runtime) && !strcmp(a->host, b->host) && !strcmp(a->variant, b->variant) &&
	    (!by_workload || !strcmp(a->workload, b->workload));
}

static int by_workload(const struct report *r)
{
	for (size_t i = 1; i < r->ninsts; i++)
		if (strcmp(r->insts[i].workload, r->insts[0].workload))
			return 1;
	return 0;
}

static size_t groups_of(const struct report *r, int (*keep)(const struct report_instance *), struct group **out)
{
	int bw = by_workload(r);
	struct group *g = NULL;
	size_t n = 0;
	for (size_t i = 0; i < r->ninsts; i++) {
		const struct report_instance *ri = &r->insts[i];
		if (!keep(ri))
			continue;
		size_t k;
		for (k = 0; k < n; k++)
			if (same_group(g[k].first, ri, bw))
				break;
		if (k < n)
			continue;
		g = xreallocarray(g, n + 1, sizeof *g);
		g[n++] = (struct group){ ri, row_label(ri->runtime, ri->host, ri->variant, bw ? ri->workload : NULL) };
	}
	*out = g;
	return n;
}

static void groups_free(struct group *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(g[i].label);
	free(g);
}

/* Segments of one instance into seg[], returning their total (the unit
 * before stacked's scale). */
typedef double (*split_fn)(const struct report_instance *ri, double *seg);

/* A bar per group: the mean of each segment over the group's instances,
 * the whisker the 95% CI of their totals. Segments no instance used are
 * left out. Returns the number of bars. */
static size_t stacked(struct plot *p, const struct report *r, int (*keep)(const struct report_instance *),
    split_fn split, const char *const *names, size_t nseg, double scale)
{
	int bw = by_workload(r);
	struct group *g;
	size_t ng = groups_of(r, keep, &g);
	double *sum = xcalloc(ng * nseg + 1, sizeof *sum);
	double *tot = xcalloc(r->ninsts + 1, sizeof *tot);
	int *used = xcalloc(nseg, sizeof *used);
	for (size_t k = 0; k < ng; k++) {
		for (size_t i = 0; i < r->ninsts; i++) {
			const struct report_instance *ri = &r->insts[i];
			if (!keep(ri) || !same_group(g[k].first, ri, bw))
				continue;
			double seg[8] = { 0 };
			split(ri, seg);
			for (size_t s = 0; s < nseg; s++) {
				if (isfinite(seg[s]) && seg[s] != 0) {
					sum[k * nseg + s] += seg[s];
					used[s] = 1;
				}
			}
		}
	}
	const char *kept[8];
	size_t nk = 0;
	for (size_t s = 0; s < nseg; s++)
		if (used[s])
			kept[nk++] = names[s];
	plot_segments(p, kept, nk);
	for (size_t k = 0; k < ng && nk; k++) {
		size_t n = 0;
		for (size_t i = 0; i < r->ninsts; i++) {
			const struct report_instance *ri = &r->insts[i];
			if (!keep(ri) || !same_group(g[k].first, ri, bw))
				continue;
			double seg[8] = { 0 };
			tot[n++] = split(ri, seg) * scale;
		}
		struct stats st;
		stats_compute(tot, n, &st);
		double v[8];
		size_t j = 0;
		for (size_t s = 0; s < nseg; s++)
			if (used[s])
				v[j++] = sum[k * nseg + s] / (double)n * scale;
		struct plot_bar *b = plot_add_bar(p, g[k].label, v, n > 1 ? st.ci95 : NAN);
		if (n == 1) {
			char m[32];
			b->value = xasprintf("%s (n=1)", plot_fmt(st.mean, m, sizeof m));
		}
	}
	free(used);
	free(tot);
	free(sum);
	groups_free(g, ng);
	return nk ? ng : 0;
}

enum { PH_CREATE, PH_START, PH_VMM, PH_KERNEL, PH_INIT, PH_READY, PH__COUNT };
static const char *const phase_names[PH__COUNT] = {
	[PH_CREATE] = "create", [PH_START] = "start", [PH_VMM] = "VMM up", [PH_KERNEL] = "guest kernel",
	[PH_INIT] = "guest init", [PH_READY] = "workload ready",
};

static int keep_started(const struct report_instance *ri)
{
	return ri->ok && isfinite(ri->startup_ms);
}

/* A VM's milestones are times from launch: the phases are their gaps.
 * Every split ends at startup_ms, so the bar's total is the start-up. */
static double split_startup(const struct report_instance *ri, double *seg)
{
	if (isfinite(ri->vmm_ms) && isfinite(ri->kernel_ms) && isfinite(ri->init_ms)) {
		seg[PH_VMM] = ri->vmm_ms;
		seg[PH_KERNEL] = ri->kernel_ms - ri->vmm_ms;
		seg[PH_INIT] = ri->init_ms - ri->kernel_ms;
		seg[PH_READY] = ri->startup_ms - ri->init_ms;
	} else if (isfinite(ri->create_ms) && ri->create_ms <= ri->startup_ms) {
		seg[PH_CREATE] = ri->create_ms;
		seg[PH_START] = ri->startup_ms - ri->create_ms;
	} else {
		seg[PH_START] = ri->startup_ms;
	}
	return ri->startup_ms;
}

static const int host_roles[] = { ROLE_WORKLOAD, ROLE_RUNTIME, ROLE_VMM, ROLE_HELPER, ROLE_LOADGEN };

/* The host roles' values of one instance into seg[], missing as 0. */
static double sum_roles(const double *by_role, double *seg)
{
	double t = 0;
	for (size_t k = 0; k < ARRAY_SIZE(host_roles); k++) {
		double v = by_role[host_roles[k]];
		seg[k] = isfinite(v) ? v : 0;
		t += seg[k];
	}
	return t;
}

static int keep_sampled(const struct report_instance *ri)
{
	return ri->ok && ri->samples;
}

static double split_cpu(const struct report_instance *ri, double *seg)
{
	return sum_roles(ri->cpu_s, seg);
}

static int keep_rss(const struct report_instance *ri)
{
	int any = 0;
	for (size_t k = 0; k < ARRAY_SIZE(host_roles); k++)
		any |= isfinite(ri->rss_peak_kb[host_roles[k]]);
	return ri->ok && any;
}

static double split_rss(const struct report_instance *ri, double *seg)
{
	return sum_roles(ri->rss_peak_kb, seg);
}

static void instance_charts(const struct report *r, struct figures *out)
{
	struct plot *p = plot_new(PLOT_BARS, "startup", "Start-up: launch to ready");
	plot_set(&p->subtitle, "ms, mean over repetitions by phase; whisker: 95%% CI of the total");
	plot_set(&p->axis, "ms");
	if (!stacked(p, r, keep_started, split_startup, phase_names, PH__COUNT, 1.0))
		plot_set(&p->nodata, "no finished instance recorded a start-up time");
	footer(p, r);
	figures_add(out, FIG_STARTUP, p);

	const char *roles[ARRAY_SIZE(host_roles)];
	for (size_t k = 0; k < ARRAY_SIZE(host_roles); k++)
		roles[k] = role_name(host_roles[k]);
	p = plot_new(PLOT_BARS, "cpu-by-role", "Host CPU by role");
	plot_set(&p->subtitle, "CPU-seconds per instance, mean over repetitions; whisker: 95%% CI of the total");
	plot_set(&p->axis, "CPU-seconds (host)");
	if (!stacked(p, r, keep_sampled, split_cpu, roles, ARRAY_SIZE(roles), 1.0))
		plot_set(&p->nodata, "no finished instance has process samples");
	footer(p, r);
	figures_add(out, FIG_CPU, p);

	p = plot_new(PLOT_BARS, "memory-by-role", "Memory by role: peak RSS");
	plot_set(&p->subtitle, "MiB, each role's peak RSS per instance, mean over repetitions; whisker: 95%% CI of the total");
	plot_set(&p->axis, "MiB");
	if (!stacked(p, r, keep_rss, split_rss, roles, ARRAY_SIZE(roles), 1.0 / 1024.0))
		plot_set(&p->nodata, "the process samples of this run carry no RSS");
	footer(p, r);
	figures_add(out, FIG_MEMORY, p);
}

void figures_build(const struct journal_read *jr, const struct report *r, struct figures *out)
{
	*out = (struct figures){ 0 };
	sweep_charts(r, out);
	metric_charts(r, out);
	series_charts(jr, r, out);
	instance_charts(r, out);
}

/* ---- files ---- */

int figures_write_png(const struct figures *f, const char *dir, char **cause)
{
	if (mkdir_p(dir, 0755) < 0)
		return err_errno(cause, "mkdir %s", dir);
	for (size_t i = 0; i < f->n; i++) {
		char *data;
		size_t len;
		if (plot_png(f->f[i].plot, 2.0, &data, &len, cause) < 0)
			return -1;
		_cleanup_free_ char *path = xasprintf("%s/%s.png", dir, f->f[i].plot->id);
		int rc = journal_write_atomic(path, data, len, cause);
		free(data);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int figures_write_pdf(const struct figures *f, const char *path, char **cause)
{
	struct plot **p = xcalloc(f->n + 1, sizeof *p);
	for (size_t i = 0; i < f->n; i++)
		p[i] = f->f[i].plot;
	char *data = NULL;
	size_t len = 0;
	int rc = plot_pdf(p, f->n, &data, &len, cause);
	free(p);
	if (rc < 0)
		return err_wrap(cause, "%s", path);
	rc = journal_write_atomic(path, data, len, cause);
	free(data);
	return rc;
}

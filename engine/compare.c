/*
 * compare.c — run against run, cell by cell, and the environments.
 *
 * Cells come in A's report order (so a comparison reads like A's table),
 * then the cells only B has. The test and the verdict are described in
 * compare.h; what matters here is that every number a verdict rests on is
 * printed beside it, so a person can check why a cell was called worse.
 */
#include "compare.h"
#include "util.h"

#include <math.h>
#include <string.h>

const char *compare_verdict_name(enum compare_verdict v)
{
	switch (v) {
	case CMP_WORSE: return "worse";
	case CMP_BETTER: return "better";
	case CMP_UNCHANGED: return "unchanged";
	case CMP_SMALL: return "small";
	case CMP_UNKNOWN: return "cannot tell";
	case CMP_ONLY_A: return "only in A";
	case CMP_ONLY_B: return "only in B";
	}
	return "?";
}

static const struct report_row *find_cell(const struct report *r, const struct report_row *k)
{
	for (size_t i = 0; i < r->nrows; i++) {
		const struct report_row *x = &r->rows[i];
		if (!strcmp(x->runtime, k->runtime) && !strcmp(x->host, k->host) && !strcmp(x->workload, k->workload) &&
		    !strcmp(x->variant, k->variant) && !strcmp(x->metric, k->metric))
			return x;
	}
	return NULL;
}

static double cv_pct(const struct stats *s)
{
	return s->n > 1 && s->mean != 0 ? s->stddev / fabs(s->mean) * 100.0 : NAN;
}

static void judge(struct compare_cell *c, double min_effect)
{
	c->cv_a_pct = cv_pct(&c->a);
	c->cv_b_pct = cv_pct(&c->b);
	c->noisy = c->cv_a_pct > min_effect || c->cv_b_pct > min_effect;
	if (!c->a.n || !c->b.n) {
		c->verdict = c->a.n ? CMP_ONLY_A : CMP_ONLY_B;
		return;
	}
	if (c->b.mean != 0) {
		c->change_pct = (c->a.mean - c->b.mean) / fabs(c->b.mean) * 100.0;
		c->change_ci_pct = stats_welch_ci95(&c->a, &c->b) / fabs(c->b.mean) * 100.0;
	}
	if (c->a.n < 2 || c->b.n < 2 || !isfinite(c->change_pct)) {
		c->verdict = CMP_UNKNOWN;
		return;
	}
	c->p_value = stats_welch_p(&c->a, &c->b);
	if (!(c->p_value < COMPARE_ALPHA))
		c->verdict = CMP_UNCHANGED;
	else if (fabs(c->change_pct) < min_effect)
		c->verdict = CMP_SMALL;
	else
		c->verdict = (c->change_pct > 0) == (c->higher_is_better != 0) ? CMP_BETTER : CMP_WORSE;
}

static void add_cell(struct compare *c, const struct report_row *key, const struct report_row *a,
    const struct report_row *b)
{
	c->cells = xreallocarray(c->cells, c->ncells + 1, sizeof *c->cells);
	struct compare_cell *x = &c->cells[c->ncells++];
	*x = (struct compare_cell){
		.runtime = xstrdup(key->runtime),
		.host = xstrdup(key->host),
		.workload = xstrdup(key->workload),
		.variant = xstrdup(key->variant),
		.metric = xstrdup(key->metric),
		.unit = xstrdup(key->unit),
		.higher_is_better = key->higher_is_better,
		.change_pct = NAN,
		.change_ci_pct = NAN,
		.p_value = NAN,
	};
	if (a)
		x->a = a->st;
	if (b)
		x->b = b->st;
	judge(x, c->min_effect_pct);
	switch (x->verdict) {
	case CMP_WORSE: c->worse++; break;
	case CMP_BETTER: c->better++; break;
	case CMP_UNCHANGED: c->unchanged++; break;
	case CMP_SMALL: c->small++; break;
	case CMP_UNKNOWN: c->unknown++; break;
	case CMP_ONLY_A: case CMP_ONLY_B: c->only++; break;
	}
}

/* ---- environments ---- */

static char *env_value(json_t *v)
{
	if (!v || json_is_null(v))
		return xstrdup("(none)");
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
	return s ? s : xstrdup("?");
}

static void env_check(struct compare *c, const char *what, json_t *a, json_t *b)
{
	int none_a = !a || json_is_null(a), none_b = !b || json_is_null(b);
	if ((none_a && none_b) || (!none_a && !none_b && json_equal(a, b)))
		return;
	c->diffs = xreallocarray(c->diffs, c->ndiffs + 1, sizeof *c->diffs);
	c->diffs[c->ndiffs++] = (struct compare_diff){ xstrdup(what), env_value(a), env_value(b) };
}

/* Every key of either object, compared one by one; pick takes a field of
 * each value (NULL: the whole value). */
static void env_keys(struct compare *c, const char *prefix, json_t *a, json_t *b, const char *pick)
{
	json_t *objs[2] = { a, b };
	for (int s = 0; s < 2; s++) {
		const char *key;
		json_t *v;
		json_object_foreach(objs[s], key, v) {
			if (s == 1 && json_object_get(a, key))
				continue;
			json_t *va = json_object_get(a, key), *vb = json_object_get(b, key);
			if (pick) {
				va = json_object_get(va, pick);
				vb = json_object_get(vb, pick);
			}
			_cleanup_free_ char *what = xasprintf("%s %s", prefix, key);
			env_check(c, what, va, vb);
		}
	}
}

static void env_compare(struct compare *c, json_t *a, json_t *b)
{
	if (!a || !b) {
		if (a || b) {
			c->diffs = xreallocarray(c->diffs, c->ndiffs + 1, sizeof *c->diffs);
			c->diffs[c->ndiffs++] = (struct compare_diff){ xstrdup("environment record"),
				xstrdup(a ? "present" : "missing"), xstrdup(b ? "present" : "missing") };
		}
		return;
	}
	static const struct {
		const char *what, *obj, *key;
	} fields[] = {
		{ "kernel release", "kernel", "release" },
		{ "kernel version", "kernel", "version" },
		{ "machine", "kernel", "machine" },
		{ "CPU", NULL, "cpu_model" },
		{ "CPUs", NULL, "cpus" },
		{ "memory (kB)", NULL, "mem_total_kb" },
		{ "governor", NULL, "governor" },
		{ "cgroups", NULL, "cgroup" },
		{ "isolab version", NULL, "isolab_version" },
		{ "host name", NULL, "hostname" },
		{ "experiment kind", "experiment", "kind" },
		{ "duration (s)", "experiment", "duration" },
		{ "warm-up repetitions", "experiment", "warmup" },
		{ "threads", "experiment", "threads" },
		{ "network", "experiment", "network" },
		{ "limits", "experiment", "limits" },
		{ "parameters", "experiment", "params" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		json_t *oa = fields[i].obj ? json_object_get(a, fields[i].obj) : a;
		json_t *ob = fields[i].obj ? json_object_get(b, fields[i].obj) : b;
		env_check(c, fields[i].what, json_object_get(oa, fields[i].key), json_object_get(ob, fields[i].key));
	}
	env_keys(c, "mitigation", json_object_get(a, "mitigations"), json_object_get(b, "mitigations"), NULL);
	env_keys(c, "runtime", json_object_get(a, "runtimes"), json_object_get(b, "runtimes"), "version");
}

void compare_build(const struct report *a, json_t *env_a, const struct report *b, json_t *env_b,
    double min_effect_pct, struct compare *out)
{
	*out = (struct compare){ .run_a = xstrdup(a->run_id), .run_b = xstrdup(b->run_id),
		.min_effect_pct = min_effect_pct };
	for (size_t i = 0; i < a->nrows; i++)
		add_cell(out, &a->rows[i], &a->rows[i], find_cell(b, &a->rows[i]));
	for (size_t i = 0; i < b->nrows; i++)
		if (!find_cell(a, &b->rows[i]))
			add_cell(out, &b->rows[i], NULL, &b->rows[i]);
	env_compare(out, env_a, env_b);
}

void compare_free(struct compare *c)
{
	for (size_t i = 0; i < c->ncells; i++) {
		struct compare_cell *x = &c->cells[i];
		free(x->runtime);
		free(x->host);
		free(x->workload);
		free(x->variant);
		free(x->metric);
		free(x->unit);
	}
	free(c->cells);
	for (size_t i = 0; i < c->ndiffs; i++) {
		free(c->diffs[i].what);
		free(c->diffs[i].a);
		free(c->diffs[i].b);
	}
	free(c->diffs);
	free(c->run_a);
	free(c->run_b);
	*c = (struct compare){ 0 };
}

/* ---- printing ---- */

enum { CC_RUNTIME, CC_VARIANT, CC_WORKLOAD, CC_METRIC, CC_UNIT, CC_NB, CC_MEANB, CC_NA, CC_MEANA, CC_CHANGE,
	CC_CI, CC_P, CC_CVB, CC_CVA, CC_VERDICT, CC__COUNT };

static const struct {
	const char *title;
	int right;
} ccols[CC__COUNT] = {
	[CC_RUNTIME] = { "runtime", 0 }, [CC_VARIANT] = { "variant", 0 }, [CC_WORKLOAD] = { "workload", 0 },
	[CC_METRIC] = { "metric", 0 }, [CC_UNIT] = { "unit", 0 }, [CC_NB] = { "nB", 1 },
	[CC_MEANB] = { "mean B", 1 }, [CC_NA] = { "nA", 1 }, [CC_MEANA] = { "mean A", 1 },
	[CC_CHANGE] = { "change", 1 }, [CC_CI] = { "\xc2\xb1" "95% CI", 1 }, [CC_P] = { "p", 1 },
	[CC_CVB] = { "CV B", 1 }, [CC_CVA] = { "CV A", 1 }, [CC_VERDICT] = { "verdict", 0 },
};

/* A percentage, signed or not; "-" for NAN. */
static char *pct_or_dash(double v, int sign)
{
	if (!isfinite(v))
		return xstrdup("-");
	return sign ? xasprintf("%+.1f%%", v) : xasprintf("%.1f%%", v);
}

static void cell_text(const struct compare_cell *x, char *t[CC__COUNT])
{
	char num[64];
	t[CC_RUNTIME] = strcmp(x->host, "local") ? xasprintf("%s@%s", x->runtime, x->host) : xstrdup(x->runtime);
	t[CC_VARIANT] = xstrdup(*x->variant ? x->variant : "-");
	t[CC_WORKLOAD] = xstrdup(x->workload);
	t[CC_METRIC] = xstrdup(x->metric);
	t[CC_UNIT] = xstrdup(*x->unit ? x->unit : "-");
	t[CC_NB] = xasprintf("%zu", x->b.n);
	report_fmt_num(num, sizeof num, x->b.n ? x->b.mean : NAN);
	t[CC_MEANB] = xstrdup(num);
	t[CC_NA] = xasprintf("%zu", x->a.n);
	report_fmt_num(num, sizeof num, x->a.n ? x->a.mean : NAN);
	t[CC_MEANA] = xstrdup(num);
	t[CC_CHANGE] = pct_or_dash(x->change_pct, 1);
	t[CC_CI] = pct_or_dash(x->change_ci_pct, 0);
	if (!isfinite(x->p_value))
		t[CC_P] = xstrdup("-");
	else if (x->p_value < 0.001)
		t[CC_P] = xasprintf("%.1e", x->p_value);
	else
		t[CC_P] = xasprintf("%.3f", x->p_value);
	t[CC_CVB] = pct_or_dash(x->cv_b_pct, 0);
	t[CC_CVA] = pct_or_dash(x->cv_a_pct, 0);
	t[CC_VERDICT] = xasprintf("%s%s", compare_verdict_name(x->verdict), x->noisy ? " (noisy)" : "");
}

/* Display width of UTF-8 text: the bytes that start a character. */
static int width(const char *s)
{
	int w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

void compare_print(const struct compare *c, FILE *fp)
{
	fprintf(fp, "run %s (A) against run %s (B, the reference)\n", c->run_a, c->run_b);
	if (c->ndiffs) {
		fprintf(fp, "note: the environments differ, so a change may come from them rather than from the runtimes:\n");
		for (size_t i = 0; i < c->ndiffs; i++)
			fprintf(fp, "  %s: %s (B) -> %s (A)\n", c->diffs[i].what, c->diffs[i].b, c->diffs[i].a);
	}
	if (!c->ncells) {
		fprintf(fp, "no results in either run\n");
		return;
	}
	int show[CC__COUNT], w[CC__COUNT];
	for (int k = 0; k < CC__COUNT; k++) {
		show[k] = k != CC_VARIANT;
		w[k] = width(ccols[k].title);
	}
	char *(*t)[CC__COUNT] = xcalloc(c->ncells, sizeof *t);
	for (size_t i = 0; i < c->ncells; i++) {
		cell_text(&c->cells[i], t[i]);
		if (*c->cells[i].variant)
			show[CC_VARIANT] = 1;
		for (int k = 0; k < CC__COUNT; k++)
			w[k] = width(t[i][k]) > w[k] ? width(t[i][k]) : w[k];
	}
	for (size_t i = 0; i <= c->ncells; i++) {
		char *line = NULL;
		size_t len = 0;
		FILE *lf = open_memstream(&line, &len);
		if (!lf)
			break;
		int first = 1;
		for (int k = 0; k < CC__COUNT; k++) {
			if (!show[k])
				continue;
			const char *s = i ? t[i - 1][k] : ccols[k].title;
			int pad = w[k] - width(s);
			fprintf(lf, "%s%*s%s%*s", first ? "" : "  ", ccols[k].right ? pad : 0, "", s,
			    ccols[k].right ? 0 : pad, "");
			first = 0;
		}
		fclose(lf);
		while (len && line[len - 1] == ' ')
			line[--len] = '\0';
		fprintf(fp, "%s\n", line);
		free(line);
	}
	for (size_t i = 0; i < c->ncells; i++)
		for (int k = 0; k < CC__COUNT; k++)
			free(t[i][k]);
	free(t);
	fprintf(fp, "change: A's mean against B's, in %% of B's, with the 95%% CI of the difference (Welch)\n"
	    "verdict: worse or better when Welch's t-test gives p < %.2f and the change is at least %g%% in that\n"
	    "direction; small when p < %.2f but the change is below %g%%; noisy when a side's CV exceeds %g%%\n",
	    COMPARE_ALPHA, c->min_effect_pct, COMPARE_ALPHA, c->min_effect_pct, c->min_effect_pct);
	fprintf(fp, "%u worse, %u better, %u unchanged, %u small, %u cannot tell, %u in one run only\n", c->worse,
	    c->better, c->unchanged, c->small, c->unknown, c->only);
}

static json_t *num_or_null(double v)
{
	json_t *j = isfinite(v) ? json_real(v) : NULL;
	return j ? j : json_null();
}

static json_t *side_json(const struct stats *s)
{
	if (!s->n)
		return json_null();
	return json_pack("{s:i, s:o, s:o, s:o}", "n", (int)s->n, "mean", num_or_null(s->mean), "stddev",
	    num_or_null(s->n > 1 ? s->stddev : NAN), "ci95", num_or_null(s->n > 1 ? s->ci95 : NAN));
}

static json_t *text(const char *s)
{
	json_t *j = json_string(s);
	return j ? j : json_string("(not UTF-8)");
}

json_t *compare_to_json(const struct compare *c)
{
	json_t *cells = json_array();
	for (size_t i = 0; i < c->ncells; i++) {
		const struct compare_cell *x = &c->cells[i];
		json_t *o = json_object();
		json_object_set_new(o, "runtime", text(x->runtime));
		json_object_set_new(o, "host", text(x->host));
		json_object_set_new(o, "workload", text(x->workload));
		json_object_set_new(o, "variant", *x->variant ? text(x->variant) : json_null());
		json_object_set_new(o, "metric", text(x->metric));
		json_object_set_new(o, "unit", text(x->unit));
		json_object_set_new(o, "higher_is_better", json_boolean(x->higher_is_better));
		json_object_set_new(o, "a", side_json(&x->a));
		json_object_set_new(o, "b", side_json(&x->b));
		json_object_set_new(o, "change_pct", num_or_null(x->change_pct));
		json_object_set_new(o, "change_ci95_pct", num_or_null(x->change_ci_pct));
		json_object_set_new(o, "p_value", num_or_null(x->p_value));
		json_object_set_new(o, "cv_a_pct", num_or_null(x->cv_a_pct));
		json_object_set_new(o, "cv_b_pct", num_or_null(x->cv_b_pct));
		json_object_set_new(o, "noisy", json_boolean(x->noisy));
		json_object_set_new(o, "verdict", json_string(compare_verdict_name(x->verdict)));
		json_array_append_new(cells, o);
	}
	json_t *diffs = json_array();
	for (size_t i = 0; i < c->ndiffs; i++)
		json_array_append_new(diffs, json_pack("{s:o, s:o, s:o}", "what", text(c->diffs[i].what), "a",
		    text(c->diffs[i].a), "b", text(c->diffs[i].b)));
	return json_pack("{s:o, s:o, s:f, s:f, s:o, s:o, s:{s:i, s:i, s:i, s:i, s:i, s:i}}", "run_a", text(c->run_a),
	    "run_b", text(c->run_b), "alpha", COMPARE_ALPHA, "min_effect_pct", c->min_effect_pct,
	    "environment_differs", diffs, "cells", cells, "counts", "worse", (int)c->worse, "better",
	    (int)c->better, "unchanged", (int)c->unchanged, "small", (int)c->small, "cannot_tell", (int)c->unknown,
	    "one_run_only", (int)c->only);
}

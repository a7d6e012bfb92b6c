/*
 * html.c — the report page.
 *
 * One file a person can mail, attach to a ticket or print: the style is
 * inline, the charts are inline SVG (plot_svg), and nothing refers to
 * anything outside the file. Every piece of text from the journal, the
 * environment or the configuration is escaped; the page has no script.
 *
 * The page is written top-down in the order a reader asks questions: what
 * was asked (a lab's question), on what machine, what came out (the
 * table), and then the pictures that explain it. The text report (what
 * `isolab report` prints) closes the page, so the notes it carries and a
 * copyable version of the table travel with the charts.
 */
#include "html.h"
#include "lab.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char style[] =
    "body{font-family:'DejaVu Sans',sans-serif;color:#222;margin:24px auto;max-width:1180px;padding:0 16px;"
    "font-size:14px;line-height:1.45}\n"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ccc}"
    "h3{font-size:15px;margin:16px 0 4px}\n"
    ".lead{color:#555;margin:0 0 12px}\n"
    "table{border-collapse:collapse;margin:6px 0;font-size:13px}"
    "th,td{padding:3px 8px;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}"
    "th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "tr.base td{color:#555}td.worse,td.disagreed{color:#b00020;font-weight:bold}"
    "td.better,td.agreed{color:#006d3b;font-weight:bold}\n"
    ".env{columns:2;column-gap:24px}.env table{break-inside:avoid;width:100%}\n"
    ".charts{display:flex;flex-wrap:wrap;gap:12px}"
    "figure{margin:0;flex:1 1 520px;max-width:100%;break-inside:avoid;page-break-inside:avoid}"
    "figure svg{width:100%;height:auto;display:block;border:1px solid #eee}\n"
    ".note{color:#8a5a00}.verdict{font-size:16px;font-weight:bold}.verdict.agreed{color:#006d3b}"
    ".verdict.disagreed{color:#b00020}\n"
    "ul.rules li{margin:4px 0}pre{background:#f7f7f7;padding:8px;overflow-x:auto;font-size:12px}\n"
    "footer{margin-top:32px;color:#777;font-size:12px}\n"
    "@page{size:A4;margin:14mm}\n"
    "@media print{body{margin:0;max-width:none;font-size:11px}.charts{display:block}"
    "figure{margin:0 0 10px;page-break-inside:avoid}figure svg{border:none}h2{break-after:avoid}"
    "pre{white-space:pre-wrap}.env{columns:1}}\n";

static void esc(FILE *fp, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&#39;", fp); break;
		default: fputc(*s, fp);
		}
	}
}

/* <tag class="cls">text</tag>, escaped. */
static void elem(FILE *fp, const char *tag, const char *cls, const char *text)
{
	fprintf(fp, "<%s%s%s%s>", tag, cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
	esc(fp, text);
	fprintf(fp, "</%s>", tag);
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* One table row of the environment: key, then the value as text. */
static void env_row(FILE *fp, const char *key, json_t *v)
{
	if (!v || json_is_null(v))
		return;
	fputs("<tr>", fp);
	elem(fp, "th", NULL, key);
	if (json_is_string(v)) {
		elem(fp, "td", NULL, json_string_value(v));
	} else {
		_cleanup_free_ char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
		elem(fp, "td", NULL, s ? s : "?");
	}
	fputs("</tr>\n", fp);
}

/* A runtime's entry in env.json: its version, or why it is missing. */
static char *runtime_text(json_t *rt)
{
	const char *ver = jstr(rt, "version"), *why = jstr(rt, "reason");
	if (json_is_false(json_object_get(rt, "available")))
		return xasprintf("not available: %s", why ? why : "?");
	return xstrdup(ver ? ver : "?");
}

static char *string_text(json_t *v)
{
	return xstrdup(json_is_string(v) ? json_string_value(v) : "?");
}

/* A two-column table of an object's keys and their values as text. */
static void kv_table(FILE *fp, const char *key_head, const char *value_head, json_t *obj, char *(*text)(json_t *))
{
	if (!json_object_size(obj))
		return;
	fputs("<table><thead><tr>", fp);
	elem(fp, "th", NULL, key_head);
	elem(fp, "th", NULL, value_head);
	fputs("</tr></thead><tbody>\n", fp);
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		_cleanup_free_ char *t = text(v);
		fputs("<tr>", fp);
		elem(fp, "td", NULL, key);
		elem(fp, "td", NULL, t);
		fputs("</tr>\n", fp);
	}
	fputs("</tbody></table>\n", fp);
}

static void environment(FILE *fp, json_t *env)
{
	fputs("<section id=\"environment\"><h2>Environment</h2>\n", fp);
	if (!env) {
		elem(fp, "p", "note", "This run has no readable environment record (env.json).");
		fputs("</section>\n", fp);
		return;
	}
	fputs("<div class=\"env\"><table><tbody>\n", fp);
	json_t *k = json_object_get(env, "kernel");
	_cleanup_free_ char *kernel = xasprintf("%s %s %s", jstr(k, "sysname") ? jstr(k, "sysname") : "",
	    jstr(k, "release") ? jstr(k, "release") : "", jstr(k, "machine") ? jstr(k, "machine") : "");
	json_t *kv = json_string(kernel);
	env_row(fp, "kernel", kv);
	json_decref(kv);
	env_row(fp, "kernel build", json_object_get(k, "version"));
	env_row(fp, "CPU", json_object_get(env, "cpu_model"));
	env_row(fp, "CPUs", json_object_get(env, "cpus"));
	env_row(fp, "memory (kB)", json_object_get(env, "mem_total_kb"));
	env_row(fp, "governor", json_object_get(env, "governor"));
	env_row(fp, "cgroups", json_object_get(env, "cgroup"));
	env_row(fp, "host name", json_object_get(env, "hostname"));
	env_row(fp, "started (UTC)", json_object_get(env, "start_time"));
	env_row(fp, "isolab", json_object_get(env, "isolab_version"));
	json_t *x = json_object_get(env, "experiment");
	static const char *const exp_keys[] = { "name", "kind", "baseline", "repetitions", "warmup", "duration",
		"threads", "network", "limits", "params" };
	for (size_t i = 0; i < ARRAY_SIZE(exp_keys); i++) {
		_cleanup_free_ char *key = xasprintf("experiment: %s", exp_keys[i]);
		env_row(fp, key, json_object_get(x, exp_keys[i]));
	}
	fputs("</tbody></table>\n", fp);
	kv_table(fp, "runtime", "version", json_object_get(env, "runtimes"), runtime_text);
	kv_table(fp, "CPU vulnerability", "mitigation", json_object_get(env, "mitigations"), string_text);
	fputs("</div></section>\n", fp);
}

static void num_cell(FILE *fp, double v)
{
	char buf[64];
	report_fmt_num(buf, sizeof buf, v);
	elem(fp, "td", "n", buf);
}

static void comparison(FILE *fp, const struct report *r)
{
	fputs("<section id=\"comparison\"><h2>Comparison</h2>\n", fp);
	if (!r->nrows) {
		elem(fp, "p", "note", r->ncosts ? "No workload metrics: the workloads of this run report none "
		    "(an idle instance); what was measured is the host cost below." :
		    "No results: no repetition of this run was measured.");
		fputs("</section>\n", fp);
		return;
	}
	int hosts = 0, variants = 0;
	for (size_t i = 0; i < r->nrows; i++) {
		hosts |= strcmp(r->rows[i].host, "local") != 0;
		variants |= r->rows[i].variant[0] != '\0';
	}
	fprintf(fp, "<table class=\"results\"><thead><tr><th>runtime</th>%s%s<th>workload</th><th>metric</th>"
	    "<th>unit</th><th>n</th><th>mean</th><th>\xc2\xb1 95%% CI</th><th>overhead</th><th>p</th>"
	    "<th>significant</th><th>failed</th></tr></thead><tbody>\n", hosts ? "<th>host</th>" : "",
	    variants ? "<th>variant</th>" : "");
	for (size_t i = 0; i < r->nrows; i++) {
		const struct report_row *row = &r->rows[i];
		int base = !strcmp(row->runtime, r->baseline);
		fprintf(fp, "<tr%s>", base ? " class=\"base\"" : "");
		elem(fp, "td", NULL, row->runtime);
		if (hosts)
			elem(fp, "td", NULL, row->host);
		if (variants)
			elem(fp, "td", NULL, row->variant);
		elem(fp, "td", NULL, row->workload);
		elem(fp, "td", NULL, row->metric);
		elem(fp, "td", NULL, row->unit);
		fprintf(fp, "<td class=\"n\">%zu</td>", row->st.n);
		num_cell(fp, row->st.n ? row->st.mean : NAN);
		num_cell(fp, row->st.n > 1 ? row->st.ci95 : NAN);
		if (base) {
			fputs("<td>baseline</td><td></td><td></td>", fp);
		} else if (row->has_baseline && isfinite(row->overhead_pct)) {
			fprintf(fp, "<td class=\"n%s\">%+.1f%%</td>",
			    row->significant ? (row->overhead_pct > 0 ? " worse" : " better") : "", row->overhead_pct);
			fprintf(fp, "<td class=\"n\">%.3g</td><td>%s</td>", row->p_value, row->significant ? "yes" : "no");
		} else {
			fputs("<td class=\"n\">-</td><td></td><td></td>", fp);
		}
		fprintf(fp, "<td class=\"n\">%u</td></tr>\n", row->failed);
	}
	fputs("</tbody></table>\n", fp);
	fprintf(fp, "<p class=\"lead\">Mean over repetitions with the half-width of its 95%% confidence interval. "
	    "Overhead is against the baseline <b>");
	esc(fp, r->baseline);
	fputs("</b>, positive is worse; significant when Welch's t-test gives p &lt; 0.05.</p>\n</section>\n", fp);
}

static void para(FILE *fp, const char *head, const char *text)
{
	if (!text)
		return;
	elem(fp, "h3", NULL, head);
	elem(fp, "p", NULL, text);
	fputc('\n', fp);
}

static const char *outcome_class(enum lab_outcome o)
{
	return o == LAB_AGREED ? "agreed" : o == LAB_DISAGREED ? "disagreed" : "unknown";
}

static void lab_section(FILE *fp, const struct experiment *x, const struct report *r)
{
	fputs("<section id=\"lab\">", fp);
	_cleanup_free_ char *h = xasprintf("Lab: %s", x->title);
	elem(fp, "h2", NULL, h);
	elem(fp, "p", "lead", x->question);
	fputc('\n', fp);
	para(fp, "How it works", x->explanation);
	para(fp, "What to watch", x->watch);
	para(fp, "Published", x->published);
	struct lab_verdict v;
	lab_verdict(x, r, &v);
	elem(fp, "h3", NULL, "Measured on this machine");
	if (v.nchecks) {
		fputs("<table class=\"rules\"><thead><tr><th>outcome</th><th>rule</th><th>measured</th></tr></thead><tbody>\n",
		    fp);
		for (size_t i = 0; i < v.nchecks; i++) {
			fputs("<tr>", fp);
			elem(fp, "td", outcome_class(v.checks[i].outcome), lab_outcome_name(v.checks[i].outcome));
			elem(fp, "td", NULL, v.checks[i].claim);
			elem(fp, "td", NULL, v.checks[i].measured);
			fputs("</tr>\n", fp);
		}
		fputs("</tbody></table>\n", fp);
	} else {
		elem(fp, "p", NULL, "This lab has no verdict rule: compare the table with the findings above.");
	}
	_cleanup_free_ char *cls = xasprintf("verdict %s", outcome_class(v.outcome));
	_cleanup_free_ char *sentence = xasprintf("Verdict: %s", lab_outcome_sentence(v.outcome));
	elem(fp, "p", cls, sentence);
	fputs("</section>\n", fp);
	lab_verdict_free(&v);
}

/* A percentage (signed: a change), or a p value; "-" for NAN. */
enum { PCT, PCT_SIGNED, PVAL };
static void pct_cell(FILE *fp, double v, int how)
{
	if (!isfinite(v))
		fputs("<td class=\"n\">-</td>", fp);
	else if (how == PCT_SIGNED)
		fprintf(fp, "<td class=\"n\">%+.1f%%</td>", v);
	else if (how == PCT)
		fprintf(fp, "<td class=\"n\">%.1f%%</td>", v);
	else
		fprintf(fp, "<td class=\"n\">%.3g</td>", v);
}

static void against(FILE *fp, const struct compare *c)
{
	fputs("<section id=\"against\">", fp);
	_cleanup_free_ char *h = xasprintf("Against run %s", c->run_b);
	elem(fp, "h2", NULL, h);
	fputs("<p class=\"lead\">This run is A, run ", fp);
	esc(fp, c->run_b);
	fprintf(fp, " is B, the reference. A cell is <b>worse</b> or <b>better</b> when Welch's t-test over the "
	    "repetitions gives p &lt; %.2f and the change is at least %g%% in that direction; "
	    "<b>small</b> when significant but below %g%%; <b>noisy</b> when a side's coefficient of variation "
	    "exceeds %g%%.</p>\n", COMPARE_ALPHA, c->min_effect_pct, c->min_effect_pct, c->min_effect_pct);
	if (c->ndiffs) {
		elem(fp, "p", "note", "The environments differ, so a change may come from them rather than from the runtimes:");
		fputs("<table><thead><tr><th>what</th><th>B</th><th>A</th></tr></thead><tbody>\n", fp);
		for (size_t i = 0; i < c->ndiffs; i++) {
			fputs("<tr>", fp);
			elem(fp, "td", NULL, c->diffs[i].what);
			elem(fp, "td", NULL, c->diffs[i].b);
			elem(fp, "td", NULL, c->diffs[i].a);
			fputs("</tr>\n", fp);
		}
		fputs("</tbody></table>\n", fp);
	}
	fputs("<table><thead><tr><th>runtime</th><th>workload</th><th>metric</th><th>unit</th><th>mean B</th>"
	    "<th>mean A</th><th>change</th><th>\xc2\xb1 95% CI</th><th>p</th><th>CV B</th><th>CV A</th>"
	    "<th>verdict</th></tr></thead><tbody>\n", fp);
	for (size_t i = 0; i < c->ncells; i++) {
		const struct compare_cell *x = &c->cells[i];
		_cleanup_free_ char *rt = xasprintf("%s%s%s%s%s", x->runtime, strcmp(x->host, "local") ? "@" : "",
		    strcmp(x->host, "local") ? x->host : "", *x->variant ? " / " : "", x->variant);
		fputs("<tr>", fp);
		elem(fp, "td", NULL, rt);
		elem(fp, "td", NULL, x->workload);
		elem(fp, "td", NULL, x->metric);
		elem(fp, "td", NULL, x->unit);
		num_cell(fp, x->b.n ? x->b.mean : NAN);
		num_cell(fp, x->a.n ? x->a.mean : NAN);
		pct_cell(fp, x->change_pct, PCT_SIGNED);
		pct_cell(fp, x->change_ci_pct, PCT);
		pct_cell(fp, x->p_value, PVAL);
		pct_cell(fp, x->cv_b_pct, PCT);
		pct_cell(fp, x->cv_a_pct, PCT);
		_cleanup_free_ char *v = xasprintf("%s%s", compare_verdict_name(x->verdict), x->noisy ? " (noisy)" : "");
		elem(fp, "td", x->verdict == CMP_WORSE ? "worse" : x->verdict == CMP_BETTER ? "better" : NULL, v);
		fputs("</tr>\n", fp);
	}
	fprintf(fp, "</tbody></table>\n<p>%u worse, %u better, %u unchanged, %u small, %u cannot tell, "
	    "%u in one run only.</p>\n</section>\n", c->worse, c->better, c->unchanged, c->small, c->unknown, c->only);
}

static int charts(FILE *fp, const struct figures *f, char **cause)
{
	for (int s = 0; s < FIG__COUNT; s++) {
		size_t n = 0;
		for (size_t i = 0; i < f->n; i++)
			n += f->f[i].section == (enum figure_section)s;
		if (!n)
			continue;
		fprintf(fp, "<section id=\"charts-%d\">", s);
		elem(fp, "h2", NULL, figures_section_name((enum figure_section)s));
		fputs("\n<div class=\"charts\">\n", fp);
		for (size_t i = 0; i < f->n; i++) {
			if (f->f[i].section != (enum figure_section)s)
				continue;
			_cleanup_free_ char *pfx = xasprintf("f%zu-", i);
			char *svg = plot_svg(f->f[i].plot, pfx, cause);
			if (!svg)
				return -1;
			fprintf(fp, "<figure id=\"chart-");
			esc(fp, f->f[i].plot->id);
			fprintf(fp, "\">%s</figure>\n", svg);
			free(svg);
		}
		fputs("</div></section>\n", fp);
	}
	return 0;
}

/* The text report, and its notes pulled out for the top of the page. */
static char *text_report(const struct report *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *tf = open_memstream(&text, &len);
	if (!tf)
		return xstrdup("");
	report_print(r, tf);
	fclose(tf);
	return text;
}

int html_write(const struct html_doc *d, const char *path, char **cause)
{
	const struct report *r = d->rep;
	json_t *env = d->jr ? d->jr->env : NULL;
	char *page = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&page, &len);
	if (!fp)
		return err_errno(cause, "%s", path);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<meta name=\"generator\" content=\"isolab " PACKAGE_VERSION "\">\n<title>isolab report ", fp);
	esc(fp, r->run_id);
	fprintf(fp, "</title>\n<style>\n%s</style></head><body>\n<header>", style);
	_cleanup_free_ char *h1 = xasprintf("isolab report: run %s", r->run_id);
	elem(fp, "h1", NULL, h1);
	_cleanup_free_ char *lead = xasprintf("experiment %s (kind %s), baseline %s%s",
	    r->experiment ? r->experiment : "(unnamed)", experiment_kind_name(r->kind), r->baseline,
	    r->partial ? "; a partial run" : "");
	elem(fp, "p", "lead", lead);
	fputs("</header>\n", fp);

	_cleanup_free_ char *text = text_report(r);
	int notes = 0;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (!strncmp(line, "note: ", 6)) {
			_cleanup_free_ char *n = xstrndup(line + 6, nl ? (size_t)(nl - line - 6) : strlen(line + 6));
			if (!notes++)
				fputs("<ul class=\"note\">", fp);
			elem(fp, "li", NULL, n);
		}
		line = nl ? nl + 1 : NULL;
	}
	if (notes)
		fputs("</ul>\n", fp);

	if (d->lab)
		lab_section(fp, d->lab, r);
	environment(fp, env);
	comparison(fp, r);
	if (d->cmp)
		against(fp, d->cmp);
	if (d->fig && charts(fp, d->fig, cause) < 0) {
		fclose(fp);
		free(page);
		return err_wrap(cause, "%s", path);
	}
	fputs("<section id=\"text\"><h2>As text</h2><pre>", fp);
	esc(fp, text);
	fputs("</pre></section>\n<footer>Made by isolab " PACKAGE_VERSION, fp);
	if (d->command) {
		fputs(" with <code>", fp);
		esc(fp, d->command);
		fputs("</code>", fp);
	}
	fputs(". Charts drawn with cairo; text set in DejaVu Sans.</footer>\n</body></html>\n", fp);
	if (fclose(fp) != 0) {
		free(page);
		return err_errno(cause, "%s", path);
	}
	int rc = journal_write_atomic(path, page, len, cause);
	free(page);
	return rc;
}

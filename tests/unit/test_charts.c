/* test_charts.c — the report's charts: plot.c's outputs (SVG with real
 * text and prefixed ids, PNG, PDF, "no data"), the charts figures.c fills
 * from the shipped journal (tests/data/journal/report: native and runc,
 * 3 measured repetitions each, a runc runtime process at 2% CPU and
 * 6000 kB, runc's create_ms 2.25 of 3.5 ms) and the HTML page around them.
 * Chromium and poppler render them in tests/integration/report-charts.sh. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures.h"
#include "html.h"
#include "journal-fixture.h"
#include "journal.h"
#include "plot.h"
#include "report.h"
#include "util.h"
#include "unit.h"

static struct journal_read jr;
static struct report rep;
static char *tmpdir;

static void setup(void)
{
	journal_fixture_open("report", "charts", &jr, &rep, &tmpdir);
}

static void teardown(void)
{
	journal_fixture_close(&jr, &rep, &tmpdir);
}

static struct plot *bars(void)
{
	struct plot *p = plot_new(PLOT_BARS, "t", "rate <by> runtime & more");
	plot_set(&p->subtitle, "events/s");
	double v = 100;
	struct plot_bar *b = plot_add_bar(p, "native", &v, 5);
	b->base = 1;
	v = 80;
	plot_add_bar(p, "runc", &v, NAN);
	return p;
}

START_TEST(fmt)
{
	char b[32];
	ck_assert_str_eq(plot_fmt(2594, b, sizeof b), "2594");
	ck_assert_str_eq(plot_fmt(11000, b, sizeof b), "11k");
	ck_assert_str_eq(plot_fmt(2345678, b, sizeof b), "2346k");
	ck_assert_str_eq(plot_fmt(12345678, b, sizeof b), "12.3M");
	ck_assert_str_eq(plot_fmt(5000000, b, sizeof b), "5M");
	ck_assert_str_eq(plot_fmt(2000, b, sizeof b), "2k");
	ck_assert_str_eq(plot_fmt(2.5, b, sizeof b), "2.5");
	ck_assert_str_eq(plot_fmt(0.0123, b, sizeof b), "0.0123");
	ck_assert_str_eq(plot_fmt(-40, b, sizeof b), "-40");
	ck_assert_str_eq(plot_fmt(0, b, sizeof b), "0");
	ck_assert_str_eq(plot_fmt(NAN, b, sizeof b), "-");
}
END_TEST

START_TEST(svg_text_and_ids)
{
	struct plot *p = bars();
	char *cause = NULL;
	char *svg = plot_svg(p, "c7-", &cause);
	ck_assert_msg(svg != NULL, "%s", cause);
	ck_assert_msg(!strncmp(svg, "<svg role=\"img\"", 15), "%.60s", svg);
	/* The title, escaped, and every label as real text. */
	static const char *const want[] = { "<title>rate &lt;by&gt; runtime &amp; more</title>", ">native</text>",
		">runc</text>", ">100 \xc2\xb1 5</text>", "DejaVu Sans" };
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		ck_assert_msg(strstr(svg, want[i]), "the SVG lacks %s", want[i]);
	/* No glyph outlines, and no id left unprefixed. */
	ck_assert_ptr_null(strstr(svg, "glyph"));
	for (const char *s = svg; (s = strstr(s, "id=\"")); s += 4)
		ck_assert_msg(!strncmp(s + 4, "c7-", 3), "unprefixed id: %.30s", s);
	for (const char *s = svg; (s = strstr(s, "url(#")); s += 5)
		ck_assert_msg(!strncmp(s + 5, "c7-", 3), "unprefixed reference: %.30s", s);
	ck_assert_ptr_nonnull(strstr(svg, "</svg>"));
	free(svg);
	plot_free(p);
}
END_TEST

START_TEST(png_and_pdf)
{
	struct plot *p = bars();
	char *data = NULL, *cause = NULL;
	size_t len = 0;
	ck_assert_msg(plot_png(p, 2.0, &data, &len, &cause) == 0, "%s", cause);
	ck_assert_uint_gt(len, 8);
	ck_assert_int_eq(memcmp(data, "\x89PNG\r\n\x1a\n", 8), 0);
	free(data);
	struct plot *two[2] = { p, bars() };
	ck_assert_msg(plot_pdf(two, 2, &data, &len, &cause) == 0, "%s", cause);
	ck_assert_int_eq(memcmp(data, "%PDF-", 5), 0);
	free(data);
	ck_assert_int_eq(plot_pdf(two, 0, &data, &len, &cause), -1);
	ck_assert_str_eq(cause, "no charts to write");
	free(cause);
	plot_free(two[1]);
	double w, h;
	plot_size(p, &w, &h);
	ck_assert(w > 100 && h > 60);
	plot_free(p);
}
END_TEST

START_TEST(no_data_is_said)
{
	struct plot *p = plot_new(PLOT_LINES, "empty", "Nothing");
	double gap[3] = { NAN, NAN, NAN };
	plot_add_line(p, "rep 1", gap, 3);
	ck_assert_int_eq(plot_has_data(p), 0);
	plot_set(&p->nodata, "no per-second %s values were recorded", "rate");
	char *svg = plot_svg(p, "e-", NULL);
	ck_assert_ptr_nonnull(svg);
	ck_assert_ptr_nonnull(strstr(svg, ">no data: no per-second rate values were recorded</text>"));
	/* No axis: nothing drawn as if it were zero. */
	ck_assert_ptr_null(strstr(svg, "seconds since launch"));
	free(svg);
	plot_free(p);
}
END_TEST

/* Lines over a sweep's values: each value named under its point, the
 * sweep's name as the x axis, no seconds. */
START_TEST(lines_over_categories)
{
	struct plot *p = plot_new(PLOT_LINES, "sweep-cpu-rate", "cpu rate against threads");
	static const char *const vals[] = { "1", "2", "16" };
	plot_categories(p, vals, 3, "threads");
	double y[3] = { 1000, 1900, NAN };
	plot_add_line(p, "native", y, 3);
	ck_assert_int_eq(plot_has_data(p), 1);
	char *svg = plot_svg(p, "s-", NULL);
	ck_assert_ptr_nonnull(svg);
	ck_assert_ptr_nonnull(strstr(svg, ">threads</text>"));
	ck_assert_ptr_nonnull(strstr(svg, ">16</text>"));
	ck_assert_ptr_null(strstr(svg, "seconds since launch"));
	free(svg);
	char *png = NULL;
	size_t len = 0;
	ck_assert_int_eq(plot_png(p, 1.0, &png, &len, NULL), 0);
	ck_assert_uint_gt(len, 1000);
	free(png);
	plot_free(p);
}
END_TEST

static const struct plot *find(const struct figures *f, const char *id)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->f[i].plot->id, id))
			return f->f[i].plot;
	return NULL;
}

START_TEST(figures_of_the_journal)
{
	struct figures f;
	figures_build(&jr, &rep, &f);
	static const char *const ids[] = { "metric-cpu-rate", "metric-cpu-lat", "series-cpu-native-rate",
		"series-cpu-native-lat", "series-cpu-runc-rate", "series-cpu-runc-lat", "startup", "cpu-by-role",
		"memory-by-role" };
	ck_assert_uint_eq(f.n, ARRAY_SIZE(ids));
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		const struct plot *p = find(&f, ids[i]);
		ck_assert_msg(p != NULL, "no chart %s", ids[i]);
		ck_assert_msg(!p->nodata, "%s: no data: %s", ids[i], p->nodata);
	}

	/* Per metric: a bar per runtime, the baseline marked, the CI as whisker. */
	const struct plot *m = find(&f, "metric-cpu-rate");
	ck_assert_uint_eq(m->nbars, 2);
	ck_assert_str_eq(m->bars[0].label, "native");
	ck_assert_int_eq(m->bars[0].base, 1);
	ck_assert_double_eq_tol(m->bars[0].seg[0], 1100, 1e-9);
	ck_assert_double_eq_tol(m->bars[0].ci, rep.rows[0].st.ci95, 1e-9);
	ck_assert_ptr_nonnull(strstr(m->bars[1].value, "+13.6%"));

	/* Over time: every measured repetition (warm-ups left out), failed ones
	 * marked; the runtimes share the y axis. */
	const struct plot *s = find(&f, "series-cpu-runc-rate");
	ck_assert_uint_eq(s->nlines, 5);
	ck_assert_str_eq(s->lines[0].label, "rep 1");
	ck_assert_str_eq(s->lines[3].label, "rep 4 (did not finish)");
	ck_assert_uint_eq(s->lines[0].n, 2);
	ck_assert_double_eq_tol(s->lines[0].y[1], 900, 1e-9);
	ck_assert_double_eq_tol(s->ymax, find(&f, "series-cpu-native-rate")->ymax, 1e-9);
	ck_assert_double_eq_tol(s->ymax, 1200, 1e-9);
	const struct plot *lat = find(&f, "series-cpu-native-lat");
	ck_assert_double_eq_tol(lat->lines[0].y[0], 103, 1e-9);

	/* Start-up: runc splits into create and start, native is all start. */
	const struct plot *st = find(&f, "startup");
	ck_assert_uint_eq(st->nsegs, 2);
	ck_assert_str_eq(st->segs[0], "create");
	ck_assert_str_eq(st->segs[1], "start");
	ck_assert_double_eq_tol(st->bars[0].seg[0], 0, 1e-9);
	ck_assert_double_eq_tol(st->bars[0].seg[1], 1.5, 1e-9);
	ck_assert_double_eq_tol(st->bars[1].seg[0], 2.25, 1e-9);
	ck_assert_double_eq_tol(st->bars[1].seg[1], 1.25, 1e-9);

	/* CPU by role: CPU-seconds per instance (99% for 2, 2 and 3 s). */
	const struct plot *c = find(&f, "cpu-by-role");
	ck_assert_uint_eq(c->nsegs, 2);
	ck_assert_str_eq(c->segs[0], "workload");
	ck_assert_str_eq(c->segs[1], "runtime");
	ck_assert_double_eq_tol(c->bars[0].seg[0], 0.99 * 7 / 3, 1e-9);
	ck_assert_double_eq_tol(c->bars[0].seg[1], 0, 1e-9);
	ck_assert_double_eq_tol(c->bars[1].seg[0], 0.99 * 5 / 3, 1e-9);
	ck_assert_double_eq_tol(c->bars[1].seg[1], 0.02 * 5 / 3, 1e-9);

	/* Memory: each role's peak RSS, MiB. */
	const struct plot *mem = find(&f, "memory-by-role");
	ck_assert_double_eq_tol(mem->bars[0].seg[0], (1400 + 1400 + 1500) / 3.0 / 1024, 1e-9);
	ck_assert_double_eq_tol(mem->bars[1].seg[1], 6000 / 1024.0, 1e-9);
	figures_free(&f);
}
END_TEST

START_TEST(no_samples_no_bars)
{
	/* A report whose instances have no process samples: the CPU and memory
	 * charts say so rather than drawing zeros. */
	for (size_t i = 0; i < rep.ninsts; i++) {
		rep.insts[i].samples = 0;
		for (int r = 0; r < ROLE__COUNT; r++)
			rep.insts[i].rss_peak_kb[r] = NAN;
	}
	struct figures f;
	figures_build(&jr, &rep, &f);
	const struct plot *c = find(&f, "cpu-by-role"), *m = find(&f, "memory-by-role");
	ck_assert_ptr_nonnull(c->nodata);
	ck_assert_uint_eq(c->nbars, 0);
	ck_assert_ptr_nonnull(m->nodata);
	figures_free(&f);
}
END_TEST

/* A VM's milestones (ms from launch) become its phases; a container's
 * create_ms splits it into create and start; the bar's total is always
 * startup_ms. */
START_TEST(startup_phases)
{
	struct report_instance in[2] = {
		{ .runtime = "qemu", .workload = "cpu", .host = "local", .variant = "", .ok = 1, .startup_ms = 6600,
			.create_ms = 67, .vmm_ms = 67, .kernel_ms = 5822, .init_ms = 6568, .ready_ms = 6590 },
		{ .runtime = "crun", .workload = "cpu", .host = "local", .variant = "", .ok = 1, .startup_ms = 22,
			.create_ms = 15, .vmm_ms = NAN, .kernel_ms = NAN, .init_ms = NAN, .ready_ms = NAN },
	};
	for (int k = 0; k < 2; k++)
		for (int r = 0; r < ROLE__COUNT; r++)
			in[k].cpu_s[r] = in[k].rss_peak_kb[r] = NAN;
	struct report r = { .run_id = "vm", .baseline = "native", .insts = in, .ninsts = 2 };
	struct journal_read none = { 0 };
	struct figures f;
	figures_build(&none, &r, &f);
	const struct plot *st = find(&f, "startup");
	static const char *const segs[] = { "create", "start", "VMM up", "guest kernel", "guest init", "workload ready" };
	ck_assert_uint_eq(st->nsegs, ARRAY_SIZE(segs));
	for (size_t i = 0; i < ARRAY_SIZE(segs); i++)
		ck_assert_str_eq(st->segs[i], segs[i]);
	static const double qemu[] = { 0, 0, 67, 5822 - 67, 6568 - 5822, 6600 - 6568 }, crun[] = { 15, 7, 0, 0, 0, 0 };
	for (size_t i = 0; i < ARRAY_SIZE(segs); i++) {
		ck_assert_double_eq_tol(st->bars[0].seg[i], qemu[i], 1e-9);
		ck_assert_double_eq_tol(st->bars[1].seg[i], crun[i], 1e-9);
	}
	ck_assert_ptr_nonnull(strstr(st->bars[0].value, "6600 (n=1)"));
	/* Nothing was sampled: CPU and memory say so; there are no metric rows
	 * and no time series to draw. */
	ck_assert_ptr_nonnull(find(&f, "cpu-by-role")->nodata);
	ck_assert_ptr_nonnull(find(&f, "memory-by-role")->nodata);
	ck_assert_uint_eq(f.n, 3);
	figures_free(&f);
}
END_TEST

START_TEST(files)
{
	struct figures f;
	figures_build(&jr, &rep, &f);
	char *cause = NULL;
	_cleanup_free_ char *dir = xasprintf("%s/png/deeper", tmpdir);
	ck_assert_msg(figures_write_png(&f, dir, &cause) == 0, "%s", cause);
	_cleanup_free_ char *one = xasprintf("%s/startup.png", dir);
	size_t len = 0;
	char *data = read_file(one, &len);
	ck_assert_ptr_nonnull(data);
	ck_assert_int_eq(memcmp(data, "\x89PNG", 4), 0);
	free(data);
	_cleanup_free_ char *pdf = xasprintf("%s/r.pdf", tmpdir);
	ck_assert_msg(figures_write_pdf(&f, pdf, &cause) == 0, "%s", cause);

	_cleanup_free_ char *html = xasprintf("%s/r.html", tmpdir);
	struct html_doc d = { .jr = &jr, .rep = &rep, .fig = &f, .command = "isolab report <x>" };
	ck_assert_msg(html_write(&d, html, &cause) == 0, "%s", cause);
	char *page = read_file(html, NULL);
	ck_assert_ptr_nonnull(page);
	ck_assert_int_eq(strncmp(page, "<!DOCTYPE html>", 15), 0);
	/* Self-contained: nothing to load, nothing to run. */
	static const char *const never[] = { "<script", "src=", "<link", "@import" };
	for (size_t i = 0; i < ARRAY_SIZE(never); i++)
		ck_assert_msg(!strstr(page, never[i]), "the page has %s", never[i]);
	for (const char *s = page; (s = strstr(s, "url(")); s += 4)
		ck_assert_msg(s[4] == '#', "url() to outside the page: %.40s", s);
	static const char *const want[] = { "<title>isolab report 20261122-171500-ab12</title>", "@media print",
		"<td>test CPU</td>", "<title>Host CPU by role</title>", "id=\"chart-series-cpu-runc-lat\"",
		"isolab report &lt;x&gt;", "2 repetitions failed or timed out" };
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		ck_assert_msg(strstr(page, want[i]), "the page lacks %s", want[i]);
	free(page);
	/* An unwritable place is an error naming it. */
	ck_assert_int_eq(html_write(&d, "/nonexistent/dir/r.html", &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "/nonexistent/dir/r.html"));
	free(cause);
	figures_free(&f);
}
END_TEST

static Suite *charts_suite(void)
{
	Suite *s = suite_create("charts");
	TCase *tc = tcase_create("charts");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, fmt);
	tcase_add_test(tc, svg_text_and_ids);
	tcase_add_test(tc, png_and_pdf);
	tcase_add_test(tc, no_data_is_said);
	tcase_add_test(tc, lines_over_categories);
	tcase_add_test(tc, figures_of_the_journal);
	tcase_add_test(tc, no_samples_no_bars);
	tcase_add_test(tc, startup_phases);
	tcase_add_test(tc, files);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(charts_suite());
}

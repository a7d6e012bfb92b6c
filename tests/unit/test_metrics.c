/* test_metrics.c — pattern matching on real tool output, the limits that
 * protect the engine from hostile output, and line splitting.
 *
 * The captured outputs in tests/data/outputs/ are real runs of each tool
 * (3 s, one thread, 127.0.0.1 for the network): the expected numbers below
 * are copied from those files, first interval line and final report. */
#include "config.h"
#include "metrics.h"
#include "unit.h"
#include "util.h"

#include <check.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char *data_path(const char *name)
{
	const char *top = getenv("top_srcdir");
	return xasprintf("%s/tests/data/outputs/%s", top ? top : ".", name);
}

static char *read_data(const char *name, size_t *len)
{
	_cleanup_free_ char *path = data_path(name);
	char *text = read_file(path, len);
	ck_assert_msg(text != NULL, "cannot read %s", path);
	return text;
}

static double now_s(void)
{
	return (double)mono_ns() / 1e9;
}

/* ---- a hand-built workload ---- */

static struct metric_def mdef(const char *name, const char *pattern, int summary)
{
	struct metric_def d = {
		.name = (char *)name, .pattern = (char *)pattern, .unit = (char *)"x",
		.kind = (char *)"throughput", .higher_is_better = 1, .summary = summary,
		.scale = 1.0, .origin = { .file = (char *)"hand.conf", .line = 7 },
	};
	return d;
}

static struct workload hand_workload(struct metric_def *defs, size_t n, const char *ready)
{
	struct workload wl = {
		.name = (char *)"hand", .ready = (char *)ready, .metrics = defs, .nmetrics = n,
		.origin = { .file = (char *)"hand.conf", .line = 3 },
	};
	return wl;
}

/* Feeds one line; returns the value of metric index `idx`, or NAN. */
static double feed_one(struct metrics *m, const char *line, size_t len, size_t idx)
{
	struct metric_value v[16];
	size_t n = metrics_feed(m, line, len, v, ARRAY_SIZE(v));

	for (size_t i = 0; i < n; i++)
		if (v[i].index == idx)
			return v[i].value;
	return NAN;
}

START_TEST(test_value_group_scale)
{
	struct metric_def defs[3] = {
		mdef("rate", "kind=interval .* rate=(?<value>[0-9.]+) ", 0),
		mdef("p99", "p99_ms=(?<num>[0-9.]+)", 0),
		mdef("rate", "kind=summary .* rate=(?<value>[0-9.]+) ", 1),
	};
	defs[1].group = (char *)"num";
	defs[1].scale = 1e6;
	struct workload wl = hand_workload(defs, 3, NULL);
	char *cause = NULL;
	struct metrics *m = metrics_new(&wl, &cause);
	ck_assert_msg(m != NULL, "%s", cause);

	const char *l = "probe=cpu kind=interval n=1 rate=1234.50 rate_unit=events/s p99_ms=0.25";
	struct metric_value v[8];
	size_t n = metrics_feed(m, l, strlen(l), v, ARRAY_SIZE(v));
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(v[0].index, 0);
	ck_assert_ptr_eq(v[0].def, &defs[0]);
	ck_assert_double_eq_tol(v[0].value, 1234.5, 1e-9);
	ck_assert_uint_eq(v[1].index, 1);
	ck_assert_double_eq_tol(v[1].value, 250000.0, 1e-6);
	/* max bounds what is stored. */
	ck_assert_uint_eq(metrics_feed(m, l, strlen(l), v, 1), 1);
	ck_assert_uint_eq(v[0].index, 0);

	const char *s = "probe=cpu kind=summary elapsed=2.0 rate=99.5 rate_unit=x";
	n = metrics_feed(m, s, strlen(s), v, ARRAY_SIZE(v));
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(v[0].index, 2);
	ck_assert_int_eq(v[0].def->summary, 1);
	ck_assert_double_eq_tol(v[0].value, 99.5, 1e-9);

	/* No ready pattern: ready at once. */
	ck_assert_int_eq(metrics_ready(m, "", 0), 1);
	ck_assert_uint_eq(metrics_errors(m), 0);
	metrics_free(m);
}
END_TEST

START_TEST(test_number_rejects)
{
	struct metric_def defs[1] = { mdef("rate", "rate=(?<value>\\S*)", 0) };
	struct workload wl = hand_workload(defs, 1, NULL);
	struct metrics *m = metrics_new(&wl, NULL);
	ck_assert_ptr_nonnull(m);
	static const char *const bad[] = {
		"rate=nan", "rate=NaN", "rate=inf", "rate=-infinity", "rate=1.5x",
		"rate=", "rate=1e999", "rate=--1", "rate=0x", "rate=1,5",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(isnan(feed_one(m, bad[i], strlen(bad[i]), 0)), "accepted %s", bad[i]);
	ck_assert_double_eq(feed_one(m, "rate=-2.5e3", 11, 0), -2500.0);
	ck_assert_double_eq(feed_one(m, "rate=42", 7, 0), 42.0);
	metrics_free(m);

	double d = 0;
	ck_assert_int_eq(metrics_parse_number(" 7.25 ", 6, &d), 0);
	ck_assert_double_eq(d, 7.25);
	ck_assert_int_eq(metrics_parse_number("7\0" "5", 3, &d), -1);
	ck_assert_int_eq(metrics_parse_number("   ", 3, &d), -1);
}
END_TEST

/* The engine may run under the user's locale (the TUI sets it for
 * ncursesw); a decimal comma there must not change what "1.5" means. */
START_TEST(test_number_locale)
{
	static const char *const locales[] = { "de_DE.UTF-8", "fr_FR.UTF-8", "de_DE", "ru_RU.UTF-8" };
	const char *set = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(locales) && !set; i++)
		set = setlocale(LC_NUMERIC, locales[i]);
	double d = 0;
	ck_assert_int_eq(metrics_parse_number("1234.56", 7, &d), 0);
	ck_assert_double_eq_tol(d, 1234.56, 1e-9);
	ck_assert_int_eq(metrics_parse_number("1234,56", 7, &d), -1);
	setlocale(LC_NUMERIC, "C");
}
END_TEST

START_TEST(test_missing_group)
{
	struct metric_def defs[2] = {
		mdef("rate", "rate=(?<value>[0-9.]+)", 0),
		mdef("p99", "p99_ns=([0-9]+)", 0),
	};
	defs[1].origin.file = (char *)"workloads/x.conf";
	defs[1].origin.line = 42;
	struct workload wl = hand_workload(defs, 2, NULL);
	char *cause = NULL;
	ck_assert_ptr_null(metrics_new(&wl, &cause));
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, "workloads/x.conf:42: ") == cause, "%s", cause);
	ck_assert_msg(strstr(cause, "workload hand") != NULL, "%s", cause);
	ck_assert_msg(strstr(cause, "metric p99") != NULL, "%s", cause);
	ck_assert_msg(strstr(cause, "(?<value>") != NULL, "%s", cause);
	free(cause);

	/* A group of another name is not the one asked for. */
	defs[1].pattern = (char *)"p99_ns=(?<val>[0-9]+)";
	cause = NULL;
	ck_assert_ptr_null(metrics_new(&wl, &cause));
	ck_assert_msg(strstr(cause, "metric p99") != NULL, "%s", cause);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(metrics_check_metric(&defs[1], &cause), -1);
	ck_assert_msg(strstr(cause, "(?<value>") != NULL, "%s", cause);
	free(cause);
	defs[1].group = (char *)"val";
	ck_assert_int_eq(metrics_check_metric(&defs[1], NULL), 0);
}
END_TEST

START_TEST(test_bad_pattern)
{
	struct metric_def defs[1] = { mdef("rate", "rate=(?<value>[0-9.]+", 0) };
	struct workload wl = hand_workload(defs, 1, NULL);
	char *cause = NULL;
	ck_assert_ptr_null(metrics_new(&wl, &cause));
	ck_assert_msg(strstr(cause, "hand.conf:7: workload hand: metric rate: pattern: at offset") == cause,
	    "%s", cause);
	ck_assert_msg(strstr(cause, "parenthesis") != NULL, "%s", cause);
	free(cause);

	/* A bad ready pattern names the workload's own line. */
	defs[0].pattern = (char *)"rate=(?<value>[0-9.]+)";
	wl.ready = (char *)"[z-a]";
	cause = NULL;
	ck_assert_ptr_null(metrics_new(&wl, &cause));
	ck_assert_msg(strstr(cause, "hand.conf:3: workload hand: ready: pattern: ") == cause,
	    "%s", cause);
	free(cause);

	cause = NULL;
	ck_assert_int_eq(metrics_check_pattern("a(b", &cause), -1);
	ck_assert_msg(strstr(cause, "at offset 3") != NULL, "%s", cause);
	free(cause);
	ck_assert_int_eq(metrics_check_pattern("^probe=cpu kind=ready ", NULL), 0);
	ck_assert_int_eq(metrics_check_pattern(NULL, NULL), -1);
}
END_TEST

/* A pattern with exponential backtracking meets a line built to trigger
 * it: the limits must end the match quickly, as no match. */
START_TEST(test_catastrophic)
{
	struct metric_def defs[3] = {
		mdef("bad", "(?<value>)(a+)+$", 0),
		mdef("rate", "rate=(?<value>[0-9]+)", 0),
		/* The same on the interpreter, whether or not JIT exists. */
		mdef("bad2", "(*NO_JIT)(?<value>)(a+)+$", 0),
	};
	struct workload wl = hand_workload(defs, 3, "(a+)+$");
	struct metrics *m = metrics_new(&wl, NULL);
	ck_assert_ptr_nonnull(m);
	size_t len = 30 * 1024;
	char *line = xmalloc(len + 16);
	memset(line, 'a', len);
	memcpy(line + len, "! rate=7", 8);
	len += 8;

	double t0 = now_s();
	struct metric_value v[4];
	size_t n = metrics_feed(m, line, len, v, ARRAY_SIZE(v));
	int ready = metrics_ready(m, line, len);
	double dt = now_s() - t0;

	ck_assert_msg(dt < 1.0, "took %.3f s", dt);
	ck_assert_int_eq(ready, 0);
	/* The costly pattern failed; the other one still matched. */
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(v[0].index, 1);
	ck_assert_double_eq(v[0].value, 7.0);
	ck_assert_uint_ge(metrics_errors(m), 3);
	free(line);
	metrics_free(m);
}
END_TEST

/* Polynomial backtracking over the longest line, with the hostile line
 * each pattern fears most; each must give up (or fail) well under a
 * second, on the JIT path and on the interpreter's where it is safe. */
START_TEST(test_polynomial_long_lines)
{
	static const struct {
		const char *pattern;
		char fill, last;
	} cases[] = {
		{ "(?<value>)a.*b.*c$", 0, 'c' },
		{ "(*NO_JIT)(?<value>)a.*b.*c$", 0, 'c' },
		{ "(?<value>)a.*c$", 0, 'c' },
		{ "(*NO_JIT)(?<value>)a.*c$", 0, 'c' },
		{ "(?<value>)(a|b)+c$", 0, 'c' },
		{ "(*NO_JIT)(?<value>)(a|b)+c$", 0, 'c' },
		{ "(?<value>)[ab]*[ab]*c$", 0, 'c' },
		{ "(?<value>).*.*z$", 'z', 'z' },
		{ "(?<value>)(?:.*a){10}c$", 0, 'c' },
		{ "(?<value>)[^c]*[^c]*c$", 0, 'c' },
		{ "kind=\\S+ .* rate=(?<value>[0-9.]+) .*c$", 0, 'c' },
	};
	size_t len = METRICS_MAX_LINE;
	char *line = xmalloc(len);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct metric_def defs[1] = { mdef("x", cases[i].pattern, 0) };
		struct workload wl = hand_workload(defs, 1, NULL);
		char *cause = NULL;
		struct metrics *m = metrics_new(&wl, &cause);
		ck_assert_msg(m != NULL, "%s", cause);
		if (cases[i].fill) {
			memset(line, cases[i].fill, len);
		} else {
			memset(line, 'a', len / 2);
			memset(line + len / 2, 'b', len / 2);
		}
		line[len - 2] = cases[i].last;
		line[len - 1] = '!';
		double t0 = now_s();
		struct metric_value v[1];
		ck_assert_uint_eq(metrics_feed(m, line, len, v, 1), 0);
		double dt = now_s() - t0;
		ck_assert_msg(dt < 1.0, "%s took %.3f s", cases[i].pattern, dt);
		metrics_free(m);
	}
	free(line);

	/* This verb would switch off what keeps the cost bounded. */
	char *cause = NULL;
	ck_assert_int_eq(metrics_check_pattern("(*NO_START_OPT).*.*z", &cause), -1);
	ck_assert_msg(strstr(cause, "NO_START_OPT") != NULL, "%s", cause);
	free(cause);
}
END_TEST

START_TEST(test_binary_junk)
{
	struct metric_def defs[2] = {
		mdef("rate", "kind=interval .* rate=(?<value>[0-9.]+)", 0),
		/* Asks for UTF itself: invalid input must fail softly. */
		mdef("utf", "(*UTF)caf\xc3\xa9=(?<value>[0-9]+)", 0),
	};
	struct workload wl = hand_workload(defs, 2, "kind=ready");
	char *cause = NULL;
	struct metrics *m = metrics_new(&wl, &cause);
	ck_assert_msg(m != NULL, "%s", cause);

	static const char l1[] = "probe=cpu\0\xff\xfe kind=interval \x80\xc3( n=1 rate=12.5 \0tail";
	ck_assert_double_eq(feed_one(m, l1, sizeof l1 - 1, 0), 12.5);
	static const char l2[] = "\xff\xfe kind=ready \xc0\xaf";
	ck_assert_int_eq(metrics_ready(m, l2, sizeof l2 - 1), 1);
	static const char l3[] = "\xed\xa0\x80 caf\xc3\xa9=77 \xf8\x88\x80\x80\x80";
	ck_assert_double_eq(feed_one(m, l3, sizeof l3 - 1, 1), 77.0);
	static const char l4[] = "caf\xc3=77";
	ck_assert(isnan(feed_one(m, l4, sizeof l4 - 1, 1)));
	/* A NUL inside the number is not a number. */
	static const char l5[] = "kind=interval n=1 rate=1\0" "2";
	ck_assert_double_eq(feed_one(m, l5, sizeof l5 - 1, 0), 1.0);
	ck_assert_uint_eq(metrics_errors(m), 0);
	metrics_free(m);
}
END_TEST

START_TEST(test_truncated_match)
{
	struct metric_def defs[1] = { mdef("rate", "rate=(?<value>[0-9]+)", 0) };
	struct workload wl = hand_workload(defs, 1, "ready$");
	struct metrics *m = metrics_new(&wl, NULL);
	ck_assert_ptr_nonnull(m);
	size_t len = 1024 * 1024;
	char *line = xmalloc(len);
	memset(line, '.', len);
	/* Past METRICS_MAX_LINE the line does not exist. */
	memcpy(line + METRICS_MAX_LINE + 10, "rate=5", 6);
	memcpy(line + len - 5, "ready", 5);
	ck_assert(isnan(feed_one(m, line, len, 0)));
	ck_assert_int_eq(metrics_ready(m, line, len), 0);
	memcpy(line + METRICS_MAX_LINE - 6, "rate=9", 6);
	ck_assert_double_eq(feed_one(m, line, len, 0), 9.0);
	free(line);
	metrics_free(m);
}
END_TEST

/* ---- linebuf ---- */

struct lines {
	char **line;
	size_t *len;
	size_t n;
};

static void collect(const char *line, size_t len, void *arg)
{
	struct lines *ls = arg;
	ls->line = xreallocarray(ls->line, ls->n + 1, sizeof *ls->line);
	ls->len = xreallocarray(ls->len, ls->n + 1, sizeof *ls->len);
	ls->line[ls->n] = xmalloc(len + 1);
	memcpy(ls->line[ls->n], line, len);
	ls->line[ls->n][len] = '\0';
	ls->len[ls->n] = len;
	ls->n++;
}

static void lines_free(struct lines *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		free(ls->line[i]);
	free(ls->line);
	free(ls->len);
	memset(ls, 0, sizeof *ls);
}

/* Splits data fed in chunks of the given sizes (cycled); 0 means whole. */
static size_t split(const char *data, size_t len, const size_t *chunks, size_t nchunks,
    struct lines *out)
{
	struct linebuf lb;
	size_t seen = 0, off = 0, k = 0;

	linebuf_init(&lb);
	while (off < len) {
		size_t c = nchunks ? chunks[k++ % nchunks] : len;
		if (c > len - off)
			c = len - off;
		seen += linebuf_feed(&lb, data + off, c, collect, out);
		off += c;
	}
	linebuf_flush(&lb, collect, out);
	linebuf_free(&lb);
	return seen;
}

static void assert_same(const struct lines *a, const struct lines *b, const char *what)
{
	ck_assert_msg(a->n == b->n, "%s: %zu lines, expected %zu", what, b->n, a->n);
	for (size_t i = 0; i < a->n; i++) {
		ck_assert_msg(a->len[i] == b->len[i], "%s: line %zu: length %zu, expected %zu",
		    what, i, b->len[i], a->len[i]);
		ck_assert_msg(memcmp(a->line[i], b->line[i], a->len[i]) == 0, "%s: line %zu differs",
		    what, i);
	}
}

START_TEST(test_linebuf_basic)
{
	static const char s[] = "one\ntwo\r\n\n\r\nth\rree\nlast";
	struct lines ls = { 0 };
	struct linebuf lb;

	linebuf_init(&lb);
	ck_assert_uint_eq(linebuf_feed(&lb, s, sizeof s - 1, collect, &ls), 5);
	ck_assert_uint_eq(ls.n, 5);
	linebuf_flush(&lb, collect, &ls);
	/* A second flush has nothing left to give. */
	linebuf_flush(&lb, collect, &ls);
	linebuf_free(&lb);
	ck_assert_uint_eq(ls.n, 6);
	ck_assert_str_eq(ls.line[0], "one");
	ck_assert_str_eq(ls.line[1], "two");
	ck_assert_uint_eq(ls.len[2], 0);
	ck_assert_uint_eq(ls.len[3], 0);
	ck_assert_str_eq(ls.line[4], "th\rree");
	ck_assert_str_eq(ls.line[5], "last");
	lines_free(&ls);
}
END_TEST

START_TEST(test_linebuf_overlong)
{
	size_t big = 1024 * 1024;
	size_t len = 6 + big + 1 + 6;
	char *s = xmalloc(len);
	memcpy(s, "first\n", 6);
	memset(s + 6, 'x', big);
	s[6] = 'A';
	s[6 + big] = '\n';
	memcpy(s + 6 + big + 1, "after\n", 6);

	static const size_t chunk_sets[][3] = { { 0 }, { 1 }, { 4096 }, { 65535, 2, 7 } };
	for (size_t c = 0; c < ARRAY_SIZE(chunk_sets); c++) {
		struct lines ls = { 0 };
		size_t n = chunk_sets[c][0] == 0 ? 0 : chunk_sets[c][1] ? 3 : 1;
		ck_assert_uint_eq(split(s, len, chunk_sets[c], n, &ls), 3);
		ck_assert_uint_eq(ls.n, 3);
		ck_assert_str_eq(ls.line[0], "first");
		ck_assert_uint_eq(ls.len[1], METRICS_MAX_LINE);
		ck_assert_int_eq(ls.line[1][0], 'A');
		ck_assert_str_eq(ls.line[2], "after");
		lines_free(&ls);
	}

	/* Exactly METRICS_MAX_LINE bytes is not over-long, one more is. */
	for (size_t extra = 0; extra < 2; extra++) {
		size_t l = METRICS_MAX_LINE + extra;
		char *t = xmalloc(l + 1);
		memset(t, 'y', l);
		t[l] = '\n';
		struct lines whole = { 0 }, bytes = { 0 };
		static const size_t one[] = { 1 };
		split(t, l + 1, NULL, 0, &whole);
		split(t, l + 1, one, 1, &bytes);
		ck_assert_uint_eq(whole.n, 1);
		ck_assert_uint_eq(whole.len[0], METRICS_MAX_LINE);
		assert_same(&whole, &bytes, "edge");
		lines_free(&whole);
		lines_free(&bytes);
		free(t);
	}

	/* An over-long last line without a newline is delivered once too. */
	struct lines ls = { 0 };
	static const size_t c1000[] = { 1000 };
	split(s + 6, big, c1000, 1, &ls);
	ck_assert_uint_eq(ls.n, 1);
	ck_assert_uint_eq(ls.len[0], METRICS_MAX_LINE);
	lines_free(&ls);
	free(s);
}
END_TEST

START_TEST(test_linebuf_chunking)
{
	/* A stream of short, empty, CRLF, binary and over-long lines. */
	unsigned seed = 12345;
	size_t len = 0, cap = 600000;
	char *s = xmalloc(cap);
	while (len < cap - 100000) {
		seed = seed * 1103515245u + 12345u;
		unsigned kind = (seed >> 16) % 32;
		size_t l = kind == 0 ? 0 : kind == 31 ? 70000 + (seed % 3000) :
		    kind == 30 ? METRICS_MAX_LINE - 1 + (seed >> 8) % 3 : (seed >> 4) % 200;
		for (size_t i = 0; i < l; i++) {
			seed = seed * 1103515245u + 12345u;
			char ch = (char)(seed >> 16);
			s[len + i] = ch == '\n' ? 'n' : ch;
		}
		len += l;
		if ((seed >> 20) % 4 == 0)
			s[len++] = '\r';
		s[len++] = '\n';
	}
	memcpy(s + len, "unterminated", 12);
	len += 12;

	struct lines whole = { 0 };
	size_t n = split(s, len, NULL, 0, &whole);
	ck_assert_uint_gt(n, 100);
	ck_assert_uint_eq(whole.n, n + 1);
	for (size_t i = 0; i < whole.n; i++)
		ck_assert_uint_le(whole.len[i], METRICS_MAX_LINE);
	ck_assert_str_eq(whole.line[whole.n - 1], "unterminated");

	static const size_t sets[][4] = {
		{ 1 }, { 2 }, { 3, 1, 4096, 7 }, { 65536 }, { 65537, 1 }, { 13, 8191, 1, 2 },
	};
	static const size_t counts[] = { 1, 1, 4, 1, 2, 4 };
	for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
		struct lines other = { 0 };
		char what[32];
		snprintf(what, sizeof what, "chunks #%zu", i);
		split(s, len, sets[i], counts[i], &other);
		assert_same(&whole, &other, what);
		lines_free(&other);
	}
	lines_free(&whole);
	free(s);
}
END_TEST

/* ---- the real workloads over their captured output ---- */

static char tmpdir[64];

static void setup_config(void)
{
	const char *top = getenv("top_srcdir");
	strcpy(tmpdir, "/tmp/test_metrics.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	/* The defaults come from the source tree; no user file may interfere. */
	setenv("ISOLAB_DATADIR", top ? top : ".", 1);
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	setenv("XDG_STATE_HOME", tmpdir, 1);
}

static void teardown_config(void)
{
	rm_rf(tmpdir);
}

/* What a run of a workload over a file yields, per metric index: the
 * first interval value and the last summary value. */
struct run {
	struct config cfg;
	const struct workload *wl;
	double *first;
	double *last;
	size_t *count;
	int ready_line;    /* 1-based line that made it ready, 0 if none */
	size_t lines;
	struct metrics *m;
};

static void run_line(const char *line, size_t len, void *arg)
{
	struct run *r = arg;
	struct metric_value v[64];
	size_t n = metrics_feed(r->m, line, len, v, ARRAY_SIZE(v));

	r->lines++;
	if (!r->ready_line && r->wl->ready && metrics_ready(r->m, line, len))
		r->ready_line = (int)r->lines;
	for (size_t i = 0; i < n; i++) {
		size_t k = v[i].index;
		if (r->count[k]++ == 0 || v[i].def->summary)
			r->first[k] = v[i].value;
		r->last[k] = v[i].value;
	}
}

static void run_file(struct run *r, const char *workload, const char *file)
{
	char *cause = NULL;
	memset(r, 0, sizeof *r);
	ck_assert_msg(config_load(&r->cfg, NULL, 0, &cause) == 0, "config_load: %s", cause);
	r->wl = config_workload(&r->cfg, workload);
	ck_assert_msg(r->wl != NULL, "no workload %s", workload);
	r->m = metrics_new(r->wl, &cause);
	ck_assert_msg(r->m != NULL, "%s: %s", workload, cause);
	r->first = xcalloc(r->wl->nmetrics, sizeof *r->first);
	r->last = xcalloc(r->wl->nmetrics, sizeof *r->last);
	r->count = xcalloc(r->wl->nmetrics, sizeof *r->count);

	size_t len;
	_cleanup_free_ char *text = read_data(file, &len);
	struct linebuf lb;
	linebuf_init(&lb);
	linebuf_feed(&lb, text, len, run_line, r);
	linebuf_flush(&lb, run_line, r);
	linebuf_free(&lb);
	ck_assert_uint_eq(metrics_errors(r->m), 0);
}

static void run_free(struct run *r)
{
	metrics_free(r->m);
	free(r->first);
	free(r->last);
	free(r->count);
	config_free(&r->cfg);
}

static size_t metric_index(const struct run *r, const char *name, int summary)
{
	for (size_t i = 0; i < r->wl->nmetrics; i++)
		if (!strcmp(r->wl->metrics[i].name, name) && r->wl->metrics[i].summary == summary)
			return i;
	ck_abort_msg("%s: no %s metric %s", r->wl->name, summary ? "summary" : "interval", name);
	return 0;
}

/* First interval value (summary = 0) or final value (summary = 1). */
static void expect(const struct run *r, const char *name, int summary, double want)
{
	size_t i = metric_index(r, name, summary);
	ck_assert_msg(r->count[i] > 0, "%s: %s%s never matched", r->wl->name, name,
	    summary ? " (summary)" : "");
	double got = summary ? r->last[i] : r->first[i];
	ck_assert_msg(fabs(got - want) <= 1e-9 * fabs(want) + 1e-12,
	    "%s: %s%s = %.17g, expected %.17g", r->wl->name, name, summary ? " (summary)" : "",
	    got, want);
}

static void expect_count(const struct run *r, const char *name, int summary, size_t n)
{
	size_t i = metric_index(r, name, summary);
	ck_assert_msg(r->count[i] == n, "%s: %s%s matched %zu lines, expected %zu", r->wl->name,
	    name, summary ? " (summary)" : "", r->count[i], n);
}

/* Every interval metric matches on every interval line, the same number
 * of times, and every summary metric exactly once (fio: every line). */
static void expect_all_matched(const struct run *r, size_t intervals, size_t summaries)
{
	for (size_t i = 0; i < r->wl->nmetrics; i++) {
		const struct metric_def *d = &r->wl->metrics[i];
		size_t want = d->summary ? summaries : intervals;
		ck_assert_msg(r->count[i] == want, "%s: %s%s matched %zu lines, expected %zu",
		    r->wl->name, d->name, d->summary ? " (summary)" : "", r->count[i], want);
	}
}

START_TEST(test_sysbench_cpu)
{
	struct run r;
	run_file(&r, "sysbench-cpu", "sysbench-cpu.txt");
	ck_assert_int_eq(r.ready_line, 13);
	expect(&r, "rate", 0, 4479.72);
	expect(&r, "p95", 0, 0.24e6);
	expect(&r, "rate", 1, 4514.91);
	expect(&r, "p95", 1, 0.24e6);
	expect(&r, "max", 1, 0.32e6);
	expect_all_matched(&r, 2, 1);
	run_free(&r);
}
END_TEST

START_TEST(test_sysbench_memory)
{
	struct run r;
	run_file(&r, "sysbench-memory", "sysbench-memory.txt");
	ck_assert_int_eq(r.ready_line, 17);
	expect(&r, "rate", 0, 6641.36);
	expect(&r, "rate", 1, 6873.51);
	expect(&r, "ops", 1, 7038469.93);
	expect_all_matched(&r, 2, 1);
	run_free(&r);
}
END_TEST

START_TEST(test_sysbench_threads)
{
	struct run r;
	run_file(&r, "sysbench-threads", "sysbench-threads.txt");
	ck_assert_int_eq(r.ready_line, 11);
	expect(&r, "rate", 0, 3613.93);
	expect(&r, "p95", 0, 0.67e6);
	expect(&r, "p95", 1, 0.65e6);
	expect(&r, "max", 1, 3.20e6);
	expect_all_matched(&r, 3, 1);
	run_free(&r);
}
END_TEST

START_TEST(test_sysbench_fileio)
{
	struct run r;
	run_file(&r, "sysbench-fileio", "sysbench-fileio.txt");
	ck_assert_int_gt(r.ready_line, 0);
	expect(&r, "rate", 0, 676.32);
	expect(&r, "write", 0, 450.88);
	expect(&r, "fsyncs", 0, 2884.64);
	expect(&r, "p95", 0, 0.005e6);
	expect(&r, "rate", 1, 594.04);
	expect(&r, "write", 1, 396.03);
	expect(&r, "read_iops", 1, 38018.42);
	expect(&r, "write_iops", 1, 25345.61);
	expect(&r, "p95", 1, 0.01e6);
	expect(&r, "max", 1, 5.55e6);
	expect_all_matched(&r, 3, 1);
	run_free(&r);
}
END_TEST

START_TEST(test_fio)
{
	struct run r;
	run_file(&r, "fio-randrw", "fio-randrw.txt");
	/* First status line, then the final report (the last line). */
	expect(&r, "rate", 0, 18871);
	expect(&r, "bw", 0, 75480);
	expect(&r, "p50", 0, 44e3);
	expect(&r, "p95", 0, 109e3);
	expect(&r, "p99", 0, 191e3);
	expect(&r, "max", 0, 10083e3);
	expect(&r, "rate", 1, 21255);
	expect(&r, "bw", 1, 85022);
	expect(&r, "p50", 1, 43e3);
	expect(&r, "p95", 1, 99e3);
	expect(&r, "p99", 1, 144e3);
	expect(&r, "max", 1, 10083e3);
	expect_all_matched(&r, 4, 4);
	run_free(&r);
}
END_TEST

START_TEST(test_iperf3)
{
	struct run r;
	/* Metrics come from the companion (the client)... */
	run_file(&r, "iperf3", "iperf3-client.txt");
	ck_assert_int_eq(r.wl->companion_metrics, 1);
	expect(&r, "rate", 0, 19775);
	expect(&r, "retransmits", 0, 8);
	expect(&r, "rate", 1, 20323);
	expect(&r, "retransmits", 1, 24);
	expect_all_matched(&r, 3, 1);
	run_free(&r);
	/* ... readiness from the server in the instance. */
	run_file(&r, "iperf3", "iperf3-server.txt");
	ck_assert_int_eq(r.ready_line, 2);
	expect_count(&r, "rate", 0, 0);
	run_free(&r);
}
END_TEST

/* An oracle for probe lines that shares nothing with the patterns: the
 * value of key= in the first line of the given kind, split on spaces. */
static double probe_value(const char *file, const char *kind, const char *key)
{
	size_t len;
	_cleanup_free_ char *text = read_data(file, &len);
	char want[32];
	snprintf(want, sizeof want, " kind=%s ", kind);
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strstr(line, want)) {
			for (char *tok = strtok(line, " "); tok; tok = strtok(NULL, " ")) {
				char *eq = strchr(tok, '=');
				if (eq && (size_t)(eq - tok) == strlen(key) && !strncmp(tok, key, strlen(key)))
					return strtod(eq + 1, NULL);
			}
			ck_abort_msg("%s: no %s= in the first %s line", file, key, kind);
		}
		line = nl ? nl + 1 : NULL;
	}
	ck_abort_msg("%s: no %s line", file, kind);
	return NAN;
}

/* Which probe key each metric name reads. */
static const char *probe_key(const char *metric)
{
	static const char *const map[][2] = {
		{ "rate", "rate" }, { "p50", "p50_ns" }, { "p95", "p95_ns" }, { "p99", "p99_ns" },
		{ "max", "max_ns" }, { "copy", "copy_mbps" }, { "triad", "triad_mbps" },
		{ "ns_per_call", "ns_per_call" }, { "roundtrip", "us_per_roundtrip" },
		{ "read_iops", "read_iops" }, { "write_iops", "write_iops" }, { "rr", "us_per_rr" },
		{ "allocated", "allocated_mb" }, { "procs", "procs" }, { "failed", "failed_s" },
		{ "touched", "touched_mb_s" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcmp(map[i][0], metric))
			return map[i][1];
	ck_abort_msg("no probe key for metric %s", metric);
	return NULL;
}

static const struct {
	const char *workload, *file, *ready_file;
	size_t intervals;
} probe_cases[] = {
	{ "cpu", "probe-cpu.txt", NULL, 3 },
	{ "mem", "probe-mem.txt", NULL, 3 },
	{ "syscall", "probe-syscall.txt", NULL, 3 },
	{ "syscall-open", "probe-syscall.txt", NULL, 3 },
	{ "syscall-stat", "probe-syscall.txt", NULL, 3 },
	{ "ctxsw", "probe-ctxsw.txt", NULL, 3 },
	{ "fork", "probe-fork.txt", NULL, 3 },
	{ "fork-exec", "probe-fork-exec.txt", NULL, 3 },
	{ "file", "probe-file.txt", NULL, 3 },
	{ "rewrite", "probe-rewrite.txt", NULL, 1 },
	{ "start", "probe-start.txt", NULL, 0 },
	{ "net-stream", "probe-net-stream-client.txt", "probe-net-stream-server.txt", 3 },
	{ "net-rr", "probe-net-rr-client.txt", "probe-net-rr-server.txt", 3 },
	{ "mallocbomb", "probe-mallocbomb.txt", NULL, 3 },
	{ "forkbomb", "probe-forkbomb.txt", NULL, 3 },
};

/* Every probe workload over the real probe's output: each metric equals
 * the oracle's value times its scale, on the first interval line and on
 * the summary; every metric matches every line of its kind. */
START_TEST(test_probe_workloads)
{
	const char *w = probe_cases[_i].workload, *file = probe_cases[_i].file;
	struct run r;

	run_file(&r, w, file);
	if (!probe_cases[_i].ready_file)
		ck_assert_int_eq(r.ready_line, 1);
	expect_all_matched(&r, probe_cases[_i].intervals, 1);
	for (size_t i = 0; i < r.wl->nmetrics; i++) {
		const struct metric_def *d = &r.wl->metrics[i];
		double want = probe_value(file, d->summary ? "summary" : "interval", probe_key(d->name));
		expect(&r, d->name, d->summary, want * d->scale);
		/* Latencies are in ns whatever the probe printed. */
		if (!strcmp(d->kind, "latency"))
			ck_assert_str_eq(d->unit, "ns");
	}
	ck_assert(metric_index(&r, "rate", 1) < r.wl->nmetrics);
	run_free(&r);

	if (probe_cases[_i].ready_file) {
		/* The server in the instance says when it listens. */
		run_file(&r, w, probe_cases[_i].ready_file);
		ck_assert_int_eq(r.ready_line, 1);
		ck_assert_int_eq(r.wl->companion_metrics, 1);
		expect_count(&r, "rate", 0, 0);
		run_free(&r);
	}
}
END_TEST

/* The same, with numbers copied from the files by hand. */
START_TEST(test_probe_numbers)
{
	struct run r;
	run_file(&r, "cpu", "probe-cpu.txt");
	expect(&r, "rate", 0, 1800.48);
	expect(&r, "p50", 0, 222208);
	expect(&r, "p99", 0, 8290304);
	expect(&r, "max", 0, 24768606);
	expect(&r, "rate", 1, 1709.24);
	expect(&r, "p95", 1, 4145152);
	run_free(&r);
	run_file(&r, "ctxsw", "probe-ctxsw.txt");
	expect(&r, "roundtrip", 1, 13190);
	run_free(&r);
	run_file(&r, "net-rr", "probe-net-rr-client.txt");
	expect(&r, "rate", 0, 35388.20);
	expect(&r, "rr", 0, 28210);
	expect(&r, "rr", 1, 31980);
	expect(&r, "rate", 1, 31225.73);
	run_free(&r);
	/* The bombs' pressure at their limit: a pids cgroup's EAGAIN, and
	 * the malloc bomb's writes once its 256 MiB were mapped. */
	run_file(&r, "forkbomb", "probe-forkbomb.txt");
	expect(&r, "failed", 0, 7601.9);
	expect(&r, "failed", 1, 7457.8);
	expect(&r, "procs", 1, 98);
	run_free(&r);
	run_file(&r, "mallocbomb", "probe-mallocbomb.txt");
	expect(&r, "touched", 0, 16918.3);
	expect(&r, "touched", 1, 31990.1);
	run_free(&r);
}
END_TEST

static Suite *metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("patterns");
	tcase_add_test(tc, test_value_group_scale);
	tcase_add_test(tc, test_number_rejects);
	tcase_add_test(tc, test_number_locale);
	tcase_add_test(tc, test_missing_group);
	tcase_add_test(tc, test_bad_pattern);
	tcase_add_test(tc, test_catastrophic);
	tcase_add_test(tc, test_polynomial_long_lines);
	tcase_add_test(tc, test_binary_junk);
	tcase_add_test(tc, test_truncated_match);
	suite_add_tcase(s, tc);

	tc = tcase_create("linebuf");
	tcase_add_test(tc, test_linebuf_basic);
	tcase_add_test(tc, test_linebuf_overlong);
	tcase_add_test(tc, test_linebuf_chunking);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("workloads");
	tcase_add_checked_fixture(tc, setup_config, teardown_config);
	tcase_add_test(tc, test_sysbench_cpu);
	tcase_add_test(tc, test_sysbench_memory);
	tcase_add_test(tc, test_sysbench_threads);
	tcase_add_test(tc, test_sysbench_fileio);
	tcase_add_test(tc, test_fio);
	tcase_add_test(tc, test_iperf3);
	tcase_add_loop_test(tc, test_probe_workloads, 0, (int)ARRAY_SIZE(probe_cases));
	tcase_add_test(tc, test_probe_numbers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(metrics_suite());
}

/*
 * metrics.c — workload output lines to metric values, with pcre2.
 *
 * Every pattern of a workload is compiled once, in metrics_new, and JIT
 * compiled when the library can (pcre2_match then uses the JIT code by
 * itself, and falls back to the interpreter when JIT is unavailable).
 *
 * The subject is a line of a workload's output, which isolab does not
 * trust: the workload may be broken, hostile or simply print binary junk.
 * So:
 *   - patterns are compiled in byte mode (no PCRE2_UTF): '.' is any byte but
 *     newline, and NULs or invalid UTF-8 are ordinary bytes. A pattern that
 *     asks for UTF itself with (*UTF) is recompiled with
 *     PCRE2_MATCH_INVALID_UTF, so invalid sequences still only fail to match;
 *   - every match runs under a match limit, a depth limit and a heap limit
 *     (and a bounded JIT stack), so a pattern with catastrophic backtracking
 *     fails on a hostile line within milliseconds instead of stalling the
 *     engine thread, which also owns sampling and the UI's snapshots;
 *   - lines are cut at METRICS_MAX_LINE before matching.
 * A match abandoned at a limit counts as no match; metrics_errors() tells
 * the engine how often that happened so it can say which workload's
 * patterns are too costly.
 *
 * Numbers are parsed in the C locale (the TUI sets the user's locale for
 * ncursesw, and a German LC_NUMERIC would turn "1234.56" into 1234).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* strtod_l */
#endif
#define PCRE2_CODE_UNIT_WIDTH 8

#include "metrics.h"
#include "util.h"

#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Limits. Exponential patterns such as (a+)+$ reach the match limit at the
 * first start position and the whole match stops there. The limit is low
 * because the interpreter restarts its count at each start position, so a
 * pattern that is linear per start (a.*c$) costs up to the line length
 * times the limit: 10000 makes any line longer than that abort at once and
 * bounds the rest to about 10000^2/2 steps. JIT counts in its own way and,
 * in measurements over 64 KiB hostile lines, stopped every polynomial and
 * exponential pattern tried within 200 ms, except with (*NO_START_OPT),
 * which is therefore refused. Without JIT, single-character repeats
 * backtrack uncounted ([ab]*[ab]*c$ is cubic): the interpreter is the
 * fallback, not the protection. Real patterns (a literal prefix, a few .*
 * over a line of a few hundred bytes) stay far below the limit.
 */
#define METRICS_MATCH_LIMIT 10000
#define METRICS_DEPTH_LIMIT 10000
#define METRICS_HEAP_LIMIT_KIB 8192
#define METRICS_JIT_STACK_START (32 * 1024)
#define METRICS_JIT_STACK_MAX (1024 * 1024)

pcre2_match_context *metrics_bounded_context(void)
{
	pcre2_match_context *c = pcre2_match_context_create(NULL);
	if (c) {
		pcre2_set_match_limit(c, METRICS_MATCH_LIMIT);
		pcre2_set_depth_limit(c, METRICS_DEPTH_LIMIT);
		pcre2_set_heap_limit(c, METRICS_HEAP_LIMIT_KIB);
	}
	return c;
}
/* A captured number longer than this is not a number we want. */
#define METRICS_NUMBER_MAX 128

struct metrics_pattern {
	pcre2_code *code;
	const char *group; /* the named group holding the number */
};

struct metrics {
	const struct workload *wl;
	struct metrics_pattern *pats; /* one per wl->metrics[i] */
	size_t npats;
	pcre2_code *ready;             /* NULL: ready at launch */
	pcre2_match_context *mctx;
	pcre2_jit_stack *jit_stack;    /* NULL without JIT */
	pcre2_match_data *md;          /* sized for the largest pattern */
	unsigned long errors;
};

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* Compiles one pattern in byte mode; NULL with "at offset N: message". */
static pcre2_code *metrics_compile(const char *pattern, char **cause)
{
	uint32_t opts = PCRE2_NEVER_BACKSLASH_C;
	int errcode;
	PCRE2_SIZE erroff;
	pcre2_code *code;
	uint32_t all;

	if (!pattern) {
		err_set(cause, "no pattern");
		return NULL;
	}
	code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts,
	    &errcode, &erroff, NULL);
	if (code && pcre2_pattern_info(code, PCRE2_INFO_ALLOPTIONS, &all) == 0 &&
	    (all & PCRE2_UTF)) {
		/* (*UTF) in the pattern: keep UTF, but let invalid subjects
		 * fail to match instead of returning a UTF error. */
		pcre2_code_free(code);
		code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
		    opts | PCRE2_MATCH_INVALID_UTF, &errcode, &erroff, NULL);
	}
	if (code && pcre2_pattern_info(code, PCRE2_INFO_ALLOPTIONS, &all) == 0 &&
	    (all & PCRE2_NO_START_OPTIMIZE)) {
		pcre2_code_free(code);
		err_set(cause, "(*NO_START_OPT) is refused: it disables the checks that keep "
		    "matching hostile output cheap");
		return NULL;
	}
	if (!code) {
		PCRE2_UCHAR msg[256];

		if (pcre2_get_error_message(errcode, msg, sizeof msg) < 0)
			snprintf((char *)msg, sizeof msg, "pcre2 error %d", errcode);
		err_set(cause, "at offset %zu: %s", (size_t)erroff, (char *)msg);
		return NULL;
	}
	/* Failure only means the interpreter runs this pattern. */
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	return code;
}

int metrics_check_pattern(const char *pattern, char **cause)
{
	pcre2_code *code = metrics_compile(pattern, cause);

	if (!code)
		return -1;
	pcre2_code_free(code);
	return 0;
}

static const char *metric_group(const struct metric_def *def)
{
	return def->group && *def->group ? def->group : "value";
}

/* Checks that code has a capture group named name (possibly duplicated
 * with (?J), in which case the first one set at match time is used). */
static int metrics_has_group(pcre2_code *code, const char *name)
{
	int rc = pcre2_substring_number_from_name(code, (PCRE2_SPTR)name);

	return rc > 0 || rc == PCRE2_ERROR_NOUNIQUESUBSTRING;
}

int metrics_check_metric(const struct metric_def *def, char **cause)
{
	pcre2_code *code = metrics_compile(def->pattern, cause);
	int ok;

	if (!code)
		return -1;
	ok = metrics_has_group(code, metric_group(def));
	pcre2_code_free(code);
	if (!ok)
		return err_set(cause, "pattern has no named group (?<%s>...) for the number",
		    metric_group(def));
	return 0;
}

/* Prefixes *cause with "file:line: workload W: what" for metrics_new. */
static void metrics_context(char **cause, const struct workload *wl,
    const struct conf_origin *origin, const char *what)
{
	const struct conf_origin *o = origin && origin->file ? origin : &wl->origin;
	const char *wname = wl->name ? wl->name : "?";

	if (o->file)
		err_wrap(cause, "%s:%d: workload %s: %s", o->file, o->line, wname, what);
	else
		err_wrap(cause, "workload %s: %s", wname, what);
}

struct metrics *metrics_new(const struct workload *wl, char **cause)
{
	struct metrics *m;
	uint32_t top = 0, n;
	size_t i;

	pthread_once(&c_locale_once, c_locale_init);
	if (c_locale == (locale_t)0) {
		err_errno(cause, "metrics: C locale");
		return NULL;
	}

	m = xcalloc(1, sizeof *m);
	m->wl = wl;
	m->pats = xcalloc(wl->nmetrics ? wl->nmetrics : 1, sizeof *m->pats);
	for (i = 0; i < wl->nmetrics; i++) {
		const struct metric_def *def = &wl->metrics[i];
		char *what = xasprintf("metric %s", def->name ? def->name : "?");
		pcre2_code *code = metrics_compile(def->pattern, cause);

		if (!code) {
			err_wrap(cause, "pattern");
			metrics_context(cause, wl, &def->origin, what);
			free(what);
			goto fail;
		}
		m->pats[m->npats].code = code;
		m->pats[m->npats].group = metric_group(def);
		m->npats++;
		if (!metrics_has_group(code, metric_group(def))) {
			err_set(cause, "pattern has no named group (?<%s>...) for the number",
			    metric_group(def));
			metrics_context(cause, wl, &def->origin, what);
			free(what);
			goto fail;
		}
		free(what);
		if (pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &n) == 0 && n > top)
			top = n;
	}
	if (wl->ready) {
		m->ready = metrics_compile(wl->ready, cause);
		if (!m->ready) {
			err_wrap(cause, "pattern");
			metrics_context(cause, wl, NULL, "ready");
			goto fail;
		}
		if (pcre2_pattern_info(m->ready, PCRE2_INFO_CAPTURECOUNT, &n) == 0 && n > top)
			top = n;
	}

	m->mctx = metrics_bounded_context();
	m->md = pcre2_match_data_create(top + 1, NULL);
	if (!m->mctx || !m->md) {
		err_set(cause, "workload %s: out of memory for pcre2", wl->name ? wl->name : "?");
		goto fail;
	}
	/* NULL when the library has no JIT; the interpreter needs no stack. */
	m->jit_stack = pcre2_jit_stack_create(METRICS_JIT_STACK_START,
	    METRICS_JIT_STACK_MAX, NULL);
	if (m->jit_stack)
		pcre2_jit_stack_assign(m->mctx, NULL, m->jit_stack);
	return m;

fail:
	metrics_free(m);
	return NULL;
}

void metrics_free(struct metrics *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->npats; i++)
		pcre2_code_free(m->pats[i].code);
	free(m->pats);
	pcre2_code_free(m->ready);
	pcre2_match_data_free(m->md);
	pcre2_jit_stack_free(m->jit_stack);
	pcre2_match_context_free(m->mctx);
	free(m);
}

unsigned long metrics_errors(const struct metrics *m)
{
	return m->errors;
}

/* Runs code over the line; 1 on a match, 0 otherwise (limits included). */
static int metrics_match(struct metrics *m, pcre2_code *code, const char *line, size_t len)
{
	int rc;

	if (len > METRICS_MAX_LINE)
		len = METRICS_MAX_LINE;
	rc = pcre2_match(code, (PCRE2_SPTR)(line ? line : ""), len, 0, 0, m->md, m->mctx);
	if (rc >= 0)
		return 1;
	if (rc != PCRE2_ERROR_NOMATCH && rc != PCRE2_ERROR_PARTIAL)
		m->errors++;
	return 0;
}

int metrics_parse_number(const char *s, size_t len, double *out)
{
	char buf[METRICS_NUMBER_MAX];
	char *end;
	double v;

	pthread_once(&c_locale_once, c_locale_init);
	if (c_locale == (locale_t)0)
		return -1;
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	while (len > 0 && isspace((unsigned char)*s))
		s++, len--;
	if (len == 0 || len >= sizeof buf || memchr(s, '\0', len))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	v = strtod_l(buf, &end, c_locale);
	if (end != buf + len || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/* Reads the group of the last match as a number times scale. */
static int metrics_value(struct metrics *m, const struct metric_def *def,
    const char *group, double *out)
{
	PCRE2_UCHAR buf[METRICS_NUMBER_MAX];
	PCRE2_SIZE blen = sizeof buf;
	double v, scale = def->scale;

	if (pcre2_substring_copy_byname(m->md, (PCRE2_SPTR)group, buf, &blen) < 0)
		return -1; /* group unset in this match, or absurdly long */
	if (metrics_parse_number((const char *)buf, blen, &v) < 0)
		return -1;
	/* A hand-built metric_def leaves scale 0, which means "unset". */
	if (scale != 0)
		v *= scale;
	if (!isfinite(v))
		return -1;
	*out = v;
	return 0;
}

size_t metrics_feed(struct metrics *m, const char *line, size_t len,
    struct metric_value *out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < m->npats && n < max; i++) {
		const struct metric_def *def = &m->wl->metrics[i];
		double v;

		if (!metrics_match(m, m->pats[i].code, line, len))
			continue;
		if (metrics_value(m, def, m->pats[i].group, &v) < 0)
			continue;
		out[n].index = i;
		out[n].def = def;
		out[n].value = v;
		n++;
	}
	return n;
}

int metrics_ready(struct metrics *m, const char *line, size_t len)
{
	if (!m->ready)
		return 1;
	return metrics_match(m, m->ready, line, len);
}

/*
 * linebuf. A line is complete at '\n'; one '\r' before it is dropped too,
 * because a guest's serial console (QEMU, Firecracker) ends lines with
 * CRLF. A line is over-long when more than METRICS_MAX_LINE bytes precede
 * its '\n' (a '\r' counts): its first METRICS_MAX_LINE bytes are delivered
 * as soon as that is known, unchanged, and the rest is skipped. The
 * decisions depend only on the bytes, never on how they were chunked.
 */
void linebuf_init(struct linebuf *lb)
{
	memset(lb, 0, sizeof *lb);
}

void linebuf_free(struct linebuf *lb)
{
	free(lb->buf);
	memset(lb, 0, sizeof *lb);
}

static void linebuf_deliver(const char *p, size_t n, int complete,
    void (*cb)(const char *, size_t, void *), void *arg)
{
	if (complete && n > 0 && p[n - 1] == '\r')
		n--;
	cb(p, n, arg);
}

static void linebuf_append(struct linebuf *lb, const char *p, size_t n)
{
	if (lb->len + n > lb->cap) {
		size_t cap = lb->cap ? lb->cap * 2 : 256;

		if (cap < lb->len + n)
			cap = lb->len + n;
		if (cap > METRICS_MAX_LINE)
			cap = METRICS_MAX_LINE;
		lb->buf = xrealloc(lb->buf, cap);
		lb->cap = cap;
	}
	memcpy(lb->buf + lb->len, p, n);
	lb->len += n;
}

size_t linebuf_feed(struct linebuf *lb, const char *data, size_t len,
    void (*cb)(const char *line, size_t len, void *arg), void *arg)
{
	size_t lines = 0;

	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t seg = nl ? (size_t)(nl - data) : len;

		if (lb->dropping) {
			if (nl)
				lb->dropping = 0;
		} else if (lb->len == 0 && nl) {
			/* The common case: a whole line in data, no copy. */
			if (seg > METRICS_MAX_LINE)
				linebuf_deliver(data, METRICS_MAX_LINE, 0, cb, arg);
			else
				linebuf_deliver(data, seg, 1, cb, arg);
			lines++;
		} else {
			size_t room = METRICS_MAX_LINE - lb->len;

			linebuf_append(lb, data, seg < room ? seg : room);
			if (seg > room) {
				linebuf_deliver(lb->buf, lb->len, 0, cb, arg);
				lines++;
				lb->len = 0;
				lb->dropping = !nl;
			} else if (nl) {
				linebuf_deliver(lb->buf, lb->len, 1, cb, arg);
				lines++;
				lb->len = 0;
			}
		}
		if (!nl)
			break;
		len -= seg + 1;
		data = nl + 1;
	}
	return lines;
}

void linebuf_flush(struct linebuf *lb, void (*cb)(const char *, size_t, void *), void *arg)
{
	if (!lb->dropping && lb->len > 0)
		linebuf_deliver(lb->buf, lb->len, 1, cb, arg);
	lb->len = 0;
	lb->dropping = 0;
}

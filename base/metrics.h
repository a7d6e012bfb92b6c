/*
 * metrics.h — turns workload output lines into metric values and readiness,
 * with pcre2 patterns compiled once per workload.
 *
 * Output is untrusted: every match runs under match, depth and heap limits,
 * lines longer than METRICS_MAX_LINE are truncated before matching, and
 * NULs or invalid UTF-8 never stop the engine (patterns are compiled without
 * PCRE2_UTF checks on the subject, or with PCRE2_MATCH_INVALID_UTF).
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_METRICS_H
#define ISOLAB_METRICS_H

#include <stddef.h>
#include "config.h"

#define METRICS_MAX_LINE 65536

struct metrics;

struct metric_value {
	size_t index;        /* into workload->metrics */
	const struct metric_def *def;
	double value;        /* already multiplied by def->scale */
};

/* Compiles wl's ready and metric patterns. Returns NULL and a cause naming
 * the workload, the metric, its file:line and pcre2's message on failure
 * (also when a metric's pattern lacks its named group). A NULL group means
 * "value" and a scale of 0 means 1. wl must outlive the result, which is
 * used by one thread at a time; the caller frees it with metrics_free. */
struct metrics *metrics_new(const struct workload *wl, char **cause);
void metrics_free(struct metrics *m);
/* Matches one line (without its newline; may contain NULs) against every
 * metric pattern; stores up to max values into out and returns how many. */
size_t metrics_feed(struct metrics *m, const char *line, size_t len,
    struct metric_value *out, size_t max);
/* Returns 1 when the line matches the readiness pattern (or there is none). */
int metrics_ready(struct metrics *m, const char *line, size_t len);
/* A match context (8-bit pcre2's pcre2_match_context) with the limits a
 * workload's patterns get (metrics.c): a pattern that backtracks without
 * end fails its match rather than hang the caller. NULL when out of
 * memory; free with pcre2_match_context_free. */
struct pcre2_real_match_context_8 *metrics_bounded_context(void);
/* Compiles one pattern alone to validate it; -1 with pcre2's message. */
int metrics_check_pattern(const char *pattern, char **cause);
/* Validates a metric's pattern and that it has the named group; -1 with
 * a message (without file:line, which the caller adds). */
int metrics_check_metric(const struct metric_def *def, char **cause);
/* How many matches were abandoned at a match, depth or heap limit: a
 * pattern too costly for some output line. Counted as no match. */
unsigned long metrics_errors(const struct metrics *m);
/* Parses s[0..len) as a finite number in the C locale (surrounding blanks
 * allowed; nan, inf and trailing garbage rejected). 0 or -1. */
int metrics_parse_number(const char *s, size_t len, double *out);

/* Splits a byte stream into lines: feed bytes as they arrive, get complete
 * lines through the callback, without the '\n' nor one '\r' before it
 * (serial consoles send CRLF). Lines over METRICS_MAX_LINE bytes are
 * delivered truncated, once, and the rest up to the newline is dropped.
 * The lines seen never depend on how the stream was chunked. The line
 * passed to cb is valid only during the call; cb must not feed lb. */
struct linebuf {
	char *buf;
	size_t len, cap;
	int dropping;
};
void linebuf_init(struct linebuf *lb);
void linebuf_free(struct linebuf *lb);
/* Calls cb(line, len, arg) for each complete line in data; returns lines seen. */
size_t linebuf_feed(struct linebuf *lb, const char *data, size_t len,
    void (*cb)(const char *line, size_t len, void *arg), void *arg);
/* Delivers a last unterminated line, if any (at EOF). */
void linebuf_flush(struct linebuf *lb, void (*cb)(const char *, size_t, void *), void *arg);

#endif

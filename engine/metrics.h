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
 * the workload, the metric, its file:line and pcre2's message on failure. */
struct metrics *metrics_new(const struct workload *wl, char **cause);
void metrics_free(struct metrics *m);
/* Matches one line (without its newline; may contain NULs) against every
 * metric pattern; stores up to max values into out and returns how many. */
size_t metrics_feed(struct metrics *m, const char *line, size_t len,
    struct metric_value *out, size_t max);
/* Returns 1 when the line matches the readiness pattern (or there is none). */
int metrics_ready(struct metrics *m, const char *line, size_t len);
/* Compiles one pattern alone to validate it; -1 with pcre2's message. */
int metrics_check_pattern(const char *pattern, char **cause);

/* Splits a byte stream into lines: feed bytes as they arrive, get complete
 * lines through the callback. Lines over METRICS_MAX_LINE are delivered
 * truncated, once, and the rest up to the newline is dropped. */
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

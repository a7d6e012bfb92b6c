/*
 * report.h - one output line of isolab-probe.
 *
 * A line is built in a fixed buffer as space-separated key=value tokens and
 * written with a single write(2), so lines from several threads never
 * interleave and an engine reading a pipe sees each line as soon as it is
 * complete. Values are sanitised: a space, '=', or control character becomes
 * '_', and an empty value becomes '-'. Keys are the caller's literals and
 * must match [a-z0-9_]+.
 */
#ifndef ISOLAB_PROBE_REPORT_H
#define ISOLAB_PROBE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"

#define REPORT_MAX 1024

struct report {
	char buf[REPORT_MAX];
	size_t len;
};

/* Starts a line "probe=<bench> kind=<kind>". */
void report_begin(struct report *r, const char *bench, const char *kind);
/* Appends key=<val>, sanitised. */
void report_str(struct report *r, const char *key, const char *val);
/* Appends key=<v> in decimal. */
void report_u64(struct report *r, const char *key, uint64_t v);
/* Appends key=<v> in decimal, with a '-' when negative. */
void report_i64(struct report *r, const char *key, int64_t v);
/* Appends key=<v> with exactly `decimals` digits after the point; NaN and
 * infinities print as 0, and negative zero as zero. */
void report_fixed(struct report *r, const char *key, double v, int decimals);
/* Appends p50_ns, p95_ns, p99_ns and max_ns of h. */
void report_hist(struct report *r, const struct hist *h);
/* The line built so far, without its newline; owned by r. */
const char *report_text(const struct report *r);
/* Writes the line and a newline to fd with one write(2); 0 or -1. */
int report_write(struct report *r, int fd);
/* report_write to standard output. */
int report_emit(struct report *r);
/* Copies src into dst (size n) with the value sanitisation above. */
void report_sanitize(char *dst, size_t n, const char *src);

#endif

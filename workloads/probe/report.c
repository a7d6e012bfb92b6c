/* report.c - formatting of isolab-probe output lines; see report.h. */
#include "build-config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "report.h"

/* Appends with a trailing-NUL guarantee; a line that would overflow is cut
 * at a token boundary rather than left half-written. */
static void __attribute__((format(printf, 2, 3)))
report_append(struct report *r, const char *fmt, ...)
{
	va_list ap;
	size_t room = sizeof r->buf - r->len;

	va_start(ap, fmt);
	int n = vsnprintf(r->buf + r->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		r->buf[r->len] = '\0';
	else
		r->len += (size_t)n;
}

void
report_sanitize(char *dst, size_t n, const char *src)
{
	size_t i = 0;

	if (n == 0)
		return;
	for (; src[i] != '\0' && i + 1 < n; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[i] = (c <= ' ' || c == '=' || c == 0x7f) ? '_' : (char)c;
	}
	if (i == 0 && n > 1)
		dst[i++] = '-';
	dst[i] = '\0';
}

void
report_begin(struct report *r, const char *bench, const char *kind)
{
	r->len = 0;
	r->buf[0] = '\0';
	report_str(r, "probe", bench);
	report_str(r, "kind", kind);
}

void
report_str(struct report *r, const char *key, const char *val)
{
	char clean[REPORT_MAX];

	report_sanitize(clean, sizeof clean, val);
	report_append(r, "%s%s=%s", r->len ? " " : "", key, clean);
}

void
report_u64(struct report *r, const char *key, uint64_t v)
{
	report_append(r, "%s%s=%" PRIu64, r->len ? " " : "", key, v);
}

void
report_i64(struct report *r, const char *key, int64_t v)
{
	report_append(r, "%s%s=%" PRId64, r->len ? " " : "", key, v);
}

void
report_fixed(struct report *r, const char *key, double v, int decimals)
{
	if (!isfinite(v))
		v = 0.0;
	/* Values that round to zero must not print as "-0.00": a pattern
	 * written for non-negative numbers would miss them. */
	if (v < 0 && v > -0.5 * pow(10.0, -decimals))
		v = 0.0;
	report_append(r, "%s%s=%.*f", r->len ? " " : "", key, decimals, v);
}

void
report_hist(struct report *r, const struct hist *h)
{
	report_u64(r, "p50_ns", hist_percentile(h, 50.0));
	report_u64(r, "p95_ns", hist_percentile(h, 95.0));
	report_u64(r, "p99_ns", hist_percentile(h, 99.0));
	report_u64(r, "max_ns", h->count ? h->max : 0);
}

const char *
report_text(const struct report *r)
{
	return r->buf;
}

int
report_write(struct report *r, int fd)
{
	char line[REPORT_MAX + 1];
	size_t n = r->len, off = 0;

	memcpy(line, r->buf, n);
	line[n++] = '\n';
	while (off < n) {
		ssize_t w = write(fd, line + off, n - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

int
report_emit(struct report *r)
{
	return report_write(r, STDOUT_FILENO);
}

/*
 * fuzz_metrics.c — libFuzzer target for metric extraction (base/metrics.c):
 * workload patterns over arbitrary output bytes.
 *
 * Input layout:  PATTERN '\n' FLAGS OUTPUT...
 *   PATTERN  one more metric pattern, as a person could write in a
 *            workload file (capped at 512 bytes); when it does not compile
 *            the workload runs with the shipped-style patterns alone, and
 *            metrics_new must have said why;
 *   FLAGS    bits 0-5: chunk size - 1 for the chunked pass (times one
 *            more than the stream's length / 256); bit 6: repeat
 *            OUTPUT (without its newlines) past METRICS_MAX_LINE, so very
 *            long lines are reached without a megabyte-sized corpus;
 *            bit 7: end OUTPUT without a newline (linebuf_flush at EOF);
 *   OUTPUT   what the workload printed: any bytes, NULs and invalid UTF-8
 *            included.
 * The output goes through linebuf (as the engine reads pipes) into
 * metrics_feed and metrics_ready. Two properties are checked besides the
 * sanitizers: the lines seen do not depend on how the stream was chunked
 * (linebuf's promise), and every value is finite (metrics_parse_number's).
 */
#include "config.h"
#include "metrics.h"
#include "util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PATTERN_MAX 512

/* Patterns in the style of workloads/probe.conf and workloads/sysbench.conf. */
static const struct metric_def shipped[] = {
	{ .name = "rate", .pattern = "^probe=cpu kind=interval .* rate=(?<value>[0-9.]+) ",
	  .unit = "events/s", .kind = "throughput", .higher_is_better = 1 },
	{ .name = "p99", .pattern = "^probe=cpu kind=interval .* p99_ns=(?<value>[0-9]+)",
	  .unit = "ns", .kind = "latency" },
	{ .name = "rate", .pattern = "^probe=cpu kind=summary .* rate=(?<value>[0-9.]+) ",
	  .unit = "events/s", .kind = "throughput", .higher_is_better = 1, .summary = 1 },
	{ .name = "us", .pattern = "us_per_rr=(?<us>[0-9.eE+-]+)", .group = "us",
	  .unit = "ns", .kind = "latency", .scale = 1000 },
	{ .name = "eps", .pattern = "^\\[ *\\d+s \\] thds: \\d+ eps: (?<value>[\\d.]+) lat \\(ms,95%\\): [\\d.]+",
	  .unit = "events/s", .kind = "throughput", .higher_is_better = 1 },
	{ .name = "lat", .pattern = "(*UTF)lat \\(ms,95%\\): (?<value>[\\d.]+)",
	  .unit = "ns", .kind = "latency", .scale = 1e6 },
};

struct sink {
	struct metrics *m;
	uint64_t hash;     /* FNV-1a over every line and its length */
	size_t lines;
};

/* The harness's own byte loops run over 64 KiB lines: keep libFuzzer's
 * comparison tracing out of them, it would cost more than the code under
 * test and teach the fuzzer nothing. */
#define NO_COVERAGE __attribute__((no_sanitize("coverage")))

NO_COVERAGE static void hash_line(struct sink *s, const char *line, size_t len)
{
	uint64_t h = s->hash;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)line[i]) * 1099511628211ULL;
	h = (h ^ len) * 1099511628211ULL;
	s->hash = h;
	s->lines++;
}

static void on_line(const char *line, size_t len, void *arg)
{
	struct sink *s = arg;
	if (len > METRICS_MAX_LINE)
		abort(); /* linebuf promised to truncate */
	hash_line(s, line, len);
	if (!s->m)
		return;
	struct metric_value vals[16];
	size_t n = metrics_feed(s->m, line, len, vals, ARRAY_SIZE(vals));
	if (n > ARRAY_SIZE(vals))
		abort();
	for (size_t i = 0; i < n; i++)
		if (!isfinite(vals[i].value) || !vals[i].def)
			abort();
	(void)metrics_ready(s->m, line, len);
	double d;
	if (metrics_parse_number(line, len, &d) == 0 && !isfinite(d))
		abort();
}

/* Feeds stream[0..len) in chunks of `chunk` bytes; returns the sink's hash. */
static void run(struct sink *s, const char *stream, size_t len, size_t chunk)
{
	struct linebuf lb;
	linebuf_init(&lb);
	for (size_t off = 0; off < len; off += chunk) {
		size_t k = len - off < chunk ? len - off : chunk;
		linebuf_feed(&lb, stream + off, k, on_line, s);
	}
	linebuf_flush(&lb, on_line, s);
	linebuf_free(&lb);
}

/* The stream: OUTPUT, optionally preceded by one very long line made of it. */
NO_COVERAGE static char *make_stream(const uint8_t *rest, size_t rlen, uint8_t flags, size_t *slen)
{
	size_t reps = (flags & 0x40) && rlen ? (METRICS_MAX_LINE + 100) / rlen + 1 : 0;
	size_t n = reps * rlen + rlen;
	char *stream = xmalloc(n + 1);
	for (size_t i = 0; i < reps; i++)
		memcpy(stream + i * rlen, rest, rlen);
	for (size_t i = 0; i < reps * rlen; i++)
		if (stream[i] == '\n')
			stream[i] = 'x';
	memcpy(stream + reps * rlen, rest, rlen);
	if (!(flags & 0x80))
		stream[n++] = '\n';
	*slen = n;
	return stream;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size < PATTERN_MAX ? size : PATTERN_MAX);
	if (!nl || (size_t)(nl - data) + 1 >= size)
		return -1;
	char *pattern = xstrndup((const char *)data, (size_t)(nl - data));
	const uint8_t *rest = nl + 1;
	size_t rlen = size - (size_t)(rest - data);
	uint8_t flags = rest[0];
	rest++, rlen--;

	size_t slen;
	char *stream = make_stream(rest, rlen, flags, &slen);

	struct workload wl = { .name = "fuzz", .ready = "^probe=\\w+ kind=ready " };
	struct metric_def defs[ARRAY_SIZE(shipped) + 1];
	memcpy(defs, shipped, sizeof shipped);
	defs[ARRAY_SIZE(shipped)] = (struct metric_def){
		.name = "input", .pattern = pattern, .unit = "x", .kind = "other",
		.group = (flags & 1) ? "v" : NULL, .scale = (flags & 2) ? 1e-3 : 0,
	};
	wl.metrics = defs;
	wl.nmetrics = ARRAY_SIZE(defs);

	char *cause = NULL;
	struct metrics *m = metrics_new(&wl, &cause);
	if (!m) {
		if (!cause || strchr(cause, '\n'))
			abort(); /* a failure must say why, in one line */
		free(cause);
		cause = NULL;
		wl.nmetrics--;
		m = metrics_new(&wl, &cause);
		if (!m)
			abort(); /* the shipped-style patterns always compile */
	}
	if (metrics_check_pattern(pattern, &cause) < 0)
		free(cause);

	struct sink whole = { .m = m, .hash = 1469598103934665603ULL };
	run(&whole, stream, slen, slen);
	struct sink chunked = { .m = NULL, .hash = 1469598103934665603ULL };
	/* Tiny chunks over a long stream cost more than they find (each is a
	 * call, traced by the fuzzer): at most about 256 chunks a stream, so
	 * one-byte chunks only up to 256 bytes. */
	size_t chunk = ((size_t)(flags & 0x3f) + 1) * (slen / 256 + 1);
	run(&chunked, stream, slen, chunk);
	if (whole.hash != chunked.hash || whole.lines != chunked.lines)
		abort(); /* lines depended on chunking */
	(void)metrics_errors(m);

	metrics_free(m);
	free(stream);
	free(pattern);
	return 0;
}

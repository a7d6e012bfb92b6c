/*
 * start.c - the start-up probe: the engine measures from launch to the
 * ready line, so this does nothing else and returns at once.
 */
#include "build-config.h"

#include "probe.h"

int
start_run(const struct bench *b, const struct probe_opts *o)
{
	uint64_t t0 = mono_ns();
	struct hist h;
	struct report r;

	probe_ready(b->name);
	uint64_t ns = mono_ns() - t0;
	hist_reset(&h);
	hist_record(&h, ns);
	report_begin(&r, b->name, "summary");
	report_fixed(&r, "elapsed", ns_to_s(ns), 3);
	report_u64(&r, "events", 1);
	report_fixed(&r, "rate", ns ? 1e9 / (double)ns : 0, 2);
	report_str(&r, "rate_unit", "events/s");
	report_hist(&r, &h);
	report_u64(&r, "threads", 1);
	report_emit(&r);
	return 0;
}

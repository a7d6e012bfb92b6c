/*
 * runner.h - the measuring loop shared by the benchmarks.
 *
 * The runner starts N worker threads and becomes the coordinator: at each
 * interval boundary it collects what the workers recorded, prints the
 * interval line, and at the end the summary. Each worker records into its
 * own tally with no lock: a tally is double-buffered, the coordinator flips
 * the buffer index and waits only for a record already in progress (a few
 * nanoseconds, never a whole event) before reading the old buffer. The
 * protocol is the writer/reader phaser of HdrHistogram, with one writer per
 * slot: the writer publishes a sequence number (seq_cst) before reading the
 * phase and another (release) after writing, so the reader knows when the
 * buffer it flipped away from is quiescent.
 *
 * Signals: SIGINT, SIGTERM and SIGUSR1 are blocked in every thread; the
 * coordinator waits for them with sigtimedwait. SIGINT/SIGTERM stop the
 * run (the summary of what was measured is still printed); SIGUSR1 is how
 * the last worker to finish wakes the coordinator early.
 */
#ifndef ISOLAB_PROBE_RUNNER_H
#define ISOLAB_PROBE_RUNNER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "probe.h"
#include "report.h"

#define TALLY_COUNTERS 4

/* What one thread (or, merged, all threads) measured over some time. */
struct tally {
	uint64_t events;
	uint64_t c[TALLY_COUNTERS];	/* benchmark-defined sums */
	struct hist hist;
};

struct runner;

struct worker {
	struct runner *run;
	unsigned id;
	void *state;		/* the benchmark's, from runner_spec */
	struct slot *slot;	/* private to runner.c */
	uint64_t seq;
};

struct runner_spec {
	const char *bench;
	const char *rate_unit;
	unsigned threads;
	double time;		/* seconds; 0 = until events, signal or workers end */
	uint64_t events;	/* 0 = no limit */
	double interval;
	void *state;
	/* Body of each worker thread; returns 0, or -1 after worker_fail. */
	int (*work)(struct worker *w);
	/* Throughput of t over secs; NULL means events per second. */
	double (*rate)(const struct tally *t, double secs, void *state);
	/* Adds benchmark keys to an interval or summary line; may be NULL. */
	void (*extras)(struct report *r, const struct tally *t, double secs,
		       bool summary, void *state);
};

/* Runs the benchmark to its end and prints the interval and summary lines.
 * Returns 0, or -1 with the first worker failure in err. */
int runner_run(const struct runner_spec *spec, char *err, size_t errlen);

/* True when the worker should finish its current event and return. */
bool worker_stopping(const struct worker *w);
/* Claims up to n events under the --events limit; returns how many may be
 * run (n when there is no limit, 0 when the limit is reached). */
uint64_t worker_claim(struct worker *w, uint64_t n);
/* Records one histogram value standing for `events` events, plus counter
 * increments c (TALLY_COUNTERS values, or NULL). Lock-free. */
void worker_add(struct worker *w, uint64_t ns, uint64_t events,
		const uint64_t *c);
/* Adds counter increments c (TALLY_COUNTERS values) without an event or
 * a histogram value: what a benchmark counts beside its timed events. */
void worker_count(struct worker *w, const uint64_t *c);
/* Records a failure; the first one wins and stops the run. */
void worker_fail(struct worker *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Asks every worker to stop, e.g. when one of them has run out of work. */
void worker_stop_all(struct worker *w);

#endif

/*
 * cpu.c - sysbench's cpu test, so that events/s compare one to one.
 *
 * One event counts the primes below --max-prime by trial division, with
 * the same types and bounds as sysbench 1.0 (cpu_execute_event): 64-bit
 * unsigned candidates and divisors, and the divisor bound compared as a
 * double against sqrt(c). The divide instruction dominates, so the integer
 * width matters as much as the algorithm.
 */
#include "build-config.h"

#include <math.h>
#include <stdlib.h>

#include "probe.h"
#include "runner.h"

struct cpu_state {
	unsigned long long max_prime;
};

/* Keeps the compiler from dropping the prime count as dead code. */
static _Thread_local volatile unsigned long long cpu_sink;

/* Number of primes in [3, max_prime). */
static unsigned long long
cpu_count_primes(unsigned long long max_prime)
{
	unsigned long long n = 0;

	for (unsigned long long c = 3; c < max_prime; c++) {
		double t = sqrt((double)c);
		unsigned long long l;
		for (l = 2; (double)l <= t; l++)
			if (c % l == 0)
				break;
		if ((double)l > t)
			n++;
	}
	return n;
}

static int
cpu_work(struct worker *w)
{
	const struct cpu_state *st = w->state;

	while (!worker_stopping(w) && worker_claim(w, 1) == 1) {
		uint64_t t0 = mono_ns();
		cpu_sink = cpu_count_primes(st->max_prime);
		worker_add(w, mono_ns() - t0, 1, NULL);
	}
	return 0;
}

int
cpu_run(const struct bench *b, const struct probe_opts *o)
{
	struct cpu_state st = { .max_prime = o->max_prime ? o->max_prime : 10000 };
	struct runner_spec spec = {
		.bench = b->name,
		.rate_unit = "events/s",
		.threads = o->threads,
		.time = probe_time(o, 10),
		.events = o->events,
		.interval = o->interval,
		.state = &st,
		.work = cpu_work,
	};
	char err[256];

	probe_ready(b->name);
	if (runner_run(&spec, err, sizeof err) != 0)
		probe_fail(b->name, "%s", err);
	return 0;
}

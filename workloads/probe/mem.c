/*
 * mem.c - memory bandwidth, in two modes.
 *
 * STREAM mode (default): three arrays of doubles, each at least four times
 * the largest cache (and at least 32 MiB) so that every pass goes to DRAM.
 * Events alternate one full pass of copy (c = a) and triad (a = b + s*c);
 * bytes are counted as STREAM counts them: 16 per element for copy, 24 for
 * triad. With threads, each thread owns a contiguous slice of the arrays.
 *
 * Block mode (--block): sysbench memory's algorithm (1.0.20), for a
 * like-for-like comparison with `sysbench memory`: every event is one
 * sequential pass of word-sized volatile reads or writes through one
 * shared page-aligned block (sysbench's default global scope); the run
 * stops after --total bytes (default 100G, as sysbench) or the time limit.
 */
#include "build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "probe.h"
#include "runner.h"

enum { C_COPY_B, C_COPY_NS, C_TRIAD_B, C_TRIAD_NS };

struct mem_state {
	bool block_mode;
	bool write;
	double *a, *b, *c;
	size_t n;		/* elements per array */
	unsigned threads;
	void *block;
	size_t block_bytes;
};

/* Largest cache size in bytes from sysfs, 0 when unknown. */
static uint64_t
mem_llc_bytes(void)
{
	uint64_t best = 0;

	for (int i = 0; i < 16; i++) {
		char path[96], buf[64];
		snprintf(path, sizeof path,
			 "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t r = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = '\0';
		char *end;
		uint64_t v = strtoull(buf, &end, 10);
		if (*end == 'K')
			v <<= 10;
		else if (*end == 'M')
			v <<= 20;
		else if (*end == 'G')
			v <<= 30;
		if (v > best)
			best = v;
	}
	return best;
}

static void
mem_copy(double *restrict c, const double *restrict a, size_t n)
{
	for (size_t j = 0; j < n; j++)
		c[j] = a[j];
}

static void
mem_triad(double *restrict a, const double *restrict b,
	  const double *restrict c, double s, size_t n)
{
	for (size_t j = 0; j < n; j++)
		a[j] = b[j] + s * c[j];
}

static int
mem_stream_work(struct worker *w)
{
	const struct mem_state *st = w->state;
	size_t per = st->n / st->threads;
	size_t lo = per * w->id;
	size_t n = w->id + 1 == st->threads ? st->n - lo : per;
	uint64_t c[TALLY_COUNTERS];

	for (unsigned k = 0; !worker_stopping(w) && worker_claim(w, 1) == 1; k++) {
		memset(c, 0, sizeof c);
		uint64_t t0 = mono_ns();
		if (k % 2 == 0)
			mem_copy(st->c + lo, st->a + lo, n);
		else
			mem_triad(st->a + lo, st->b + lo, st->c + lo, 3.0, n);
		uint64_t ns = mono_ns() - t0;
		if (k % 2 == 0) {
			c[C_COPY_B] = 16 * (uint64_t)n;
			c[C_COPY_NS] = ns;
		} else {
			c[C_TRIAD_B] = 24 * (uint64_t)n;
			c[C_TRIAD_NS] = ns;
		}
		worker_add(w, ns, 1, c);
	}
	return 0;
}

/* The loops below are sysbench 1.0.20's event_seq_write/event_seq_read:
 * word-sized accesses the compiler must emit one by one (sysbench uses
 * ConcurrencyKit's ck_pr_store_64/ck_pr_load_64, i.e. volatile accesses),
 * the stored value being the distance to the end of the block. */
static void
mem_block_write(void *block, size_t bytes)
{
	volatile size_t *buf = block, *end = buf + bytes / sizeof(size_t);

	for (; buf < end; buf++)
		*buf = (size_t)(end - buf);
}

static void
mem_block_read(void *block, size_t bytes)
{
	volatile size_t *buf = block, *end = buf + bytes / sizeof(size_t);

	for (; buf < end; buf++)
		(void)*buf;
}

static int
mem_block_work(struct worker *w)
{
	const struct mem_state *st = w->state;
	uint64_t c[TALLY_COUNTERS] = { [C_COPY_B] = st->block_bytes };

	while (!worker_stopping(w) && worker_claim(w, 1) == 1) {
		uint64_t t0 = mono_ns();
		if (st->write)
			mem_block_write(st->block, st->block_bytes);
		else
			mem_block_read(st->block, st->block_bytes);
		worker_add(w, mono_ns() - t0, 1, c);
	}
	return 0;
}

static double
mem_rate(const struct tally *t, double secs, void *state)
{
	return (double)(t->c[C_COPY_B] + t->c[C_TRIAD_B]) / 1e6 / secs;
}

/* Bandwidth of one kernel: its bytes over the wall time its threads spent
 * in it (summed thread time divided by the thread count). */
static double
mem_kernel_mbps(uint64_t bytes, uint64_t ns, unsigned threads)
{
	if (ns == 0)
		return 0;
	return (double)bytes / 1e6 / ((double)ns / 1e9 / threads);
}

static void
mem_extras(struct report *r, const struct tally *t, double secs, bool summary,
	   void *state)
{
	const struct mem_state *st = state;

	if (st->block_mode) {
		report_str(r, "mode", "block");
		report_str(r, "oper", st->write ? "write" : "read");
		report_u64(r, "block", st->block_bytes);
		return;
	}
	report_fixed(r, "copy_mbps", mem_kernel_mbps(t->c[C_COPY_B], t->c[C_COPY_NS], st->threads), 2);
	report_fixed(r, "triad_mbps", mem_kernel_mbps(t->c[C_TRIAD_B], t->c[C_TRIAD_NS], st->threads), 2);
	if (summary) {
		report_str(r, "mode", "stream");
		report_u64(r, "array_bytes", (uint64_t)st->n * sizeof(double));
	}
}

/* Anonymous memory, touched later by the initialisation loops. */
static void *
mem_alloc(const char *bench, size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		probe_fail(bench, "cannot allocate %zu bytes: %s", bytes, strerror(errno));
	return p;
}

int
mem_run(const struct bench *b, const struct probe_opts *o)
{
	static const char *const opers[] = { "read", "write", NULL };
	struct mem_state st = { .threads = o->threads };
	struct runner_spec spec = {
		.bench = b->name,
		.rate_unit = "MB/s",
		.threads = o->threads,
		.time = probe_time(o, 10),
		.events = o->events,
		.interval = o->interval,
		.state = &st,
		.rate = mem_rate,
		.extras = mem_extras,
	};
	char err[256];

	if (o->block) {
		if (o->size)
			probe_usage(b->name, "--size is for STREAM mode, --block for block mode: give one");
		if (o->block % sizeof(size_t) != 0)
			probe_usage(b->name, "--block must be a multiple of %zu", sizeof(size_t));
		st.block_mode = true;
		st.write = o->oper ? probe_choice(b->name, "--oper", o->oper, opers) == 1 : true;
		st.block_bytes = o->block;
		uint64_t total = o->total ? o->total : UINT64_C(100) << 30;
		uint64_t blocks = (total + o->block - 1) / o->block;
		if (spec.events == 0 || blocks < spec.events)
			spec.events = blocks;
		spec.work = mem_block_work;
	} else {
		if (o->oper || o->total)
			probe_usage(b->name, "--oper and --total need --block");
		uint64_t bytes = o->size;
		if (bytes == 0) {
			bytes = 4 * mem_llc_bytes();
			if (bytes < (UINT64_C(32) << 20))
				bytes = UINT64_C(32) << 20;
		}
		st.n = bytes / sizeof(double);
		if (st.n < o->threads)
			probe_usage(b->name, "--size %llu is too small for %u threads",
				    (unsigned long long)bytes, o->threads);
		spec.work = mem_stream_work;
	}

	probe_ready(b->name);
	if (st.block_mode) {
		st.block = mem_alloc(b->name, st.block_bytes);
		memset(st.block, 0, st.block_bytes);
	} else {
		size_t bytes = st.n * sizeof(double);
		st.a = mem_alloc(b->name, bytes);
		st.b = mem_alloc(b->name, bytes);
		st.c = mem_alloc(b->name, bytes);
		/* STREAM's initial values; writing them also faults every page
		 * in, so page faults stay out of the measured passes. */
		for (size_t j = 0; j < st.n; j++) {
			st.a[j] = 1.0;
			st.b[j] = 2.0;
			st.c[j] = 0.0;
		}
	}
	if (runner_run(&spec, err, sizeof err) != 0)
		probe_fail(b->name, "%s", err);
	return 0;
}

/*
 * hist.h - log-bucketed latency histogram (HDR-style).
 *
 * Values are integer nanoseconds. Below 64 every value has its own bucket;
 * above, each power of two [2^k, 2^(k+1)) is split into 64 equal sub-buckets,
 * so a bucket is at most 1/64 (1.56%) of its lower bound wide and the value
 * reported for it (its midpoint) is within 0.8% of any value it holds. The
 * whole uint64_t range fits in a fixed array, so recording never allocates.
 * The count, sum, minimum and maximum are kept exactly.
 *
 * A histogram is plain memory: the caller owns it and serialises access.
 */
#ifndef ISOLAB_PROBE_HIST_H
#define ISOLAB_PROBE_HIST_H

#include <stddef.h>
#include <stdint.h>

#define HIST_SUB_BITS 6
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS (HIST_SUB + (64 - HIST_SUB_BITS) * HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t sum;
	uint64_t min;
	uint64_t max;
	uint64_t bucket[HIST_BUCKETS];
};

/* Empties h. */
void hist_reset(struct hist *h);
/* Adds one value to h. */
void hist_record(struct hist *h, uint64_t v);
/* Adds every value of src to dst. */
void hist_merge(struct hist *dst, const struct hist *src);
/* Value at percentile p (0 < p <= 100): the representative value of the
 * bucket holding that rank, clamped to [min, max]; 0 when h is empty. */
uint64_t hist_percentile(const struct hist *h, double p);
/* Arithmetic mean of the recorded values (exact), 0 when empty. */
double hist_mean(const struct hist *h);
/* Index of the bucket that holds v. */
size_t hist_bucket_of(uint64_t v);
/* Smallest value that bucket i holds. */
uint64_t hist_bucket_low(size_t i);
/* Number of distinct values bucket i holds. */
uint64_t hist_bucket_width(size_t i);
/* The value reported for bucket i (its midpoint). */
uint64_t hist_bucket_value(size_t i);

#endif

/* hist.c - log-bucketed latency histogram; see hist.h for the layout. */
#include "build-config.h"

#include <string.h>

#include "hist.h"

void
hist_reset(struct hist *h)
{
	memset(h, 0, sizeof *h);
	h->min = UINT64_MAX;
}

size_t
hist_bucket_of(uint64_t v)
{
	if (v < HIST_SUB)
		return (size_t)v;
	/* The top HIST_SUB_BITS+1 bits select the sub-bucket; the shift
	 * (how many low bits are dropped) selects the power of two. */
	unsigned msb = 63u - (unsigned)__builtin_clzll(v);
	unsigned shift = msb - HIST_SUB_BITS;
	return HIST_SUB + (size_t)shift * HIST_SUB + (size_t)((v >> shift) - HIST_SUB);
}

uint64_t
hist_bucket_low(size_t i)
{
	if (i < HIST_SUB)
		return i;
	size_t j = i - HIST_SUB;
	unsigned shift = (unsigned)(j / HIST_SUB);
	return (uint64_t)(HIST_SUB + j % HIST_SUB) << shift;
}

uint64_t
hist_bucket_width(size_t i)
{
	if (i < HIST_SUB)
		return 1;
	return UINT64_C(1) << ((i - HIST_SUB) / HIST_SUB);
}

uint64_t
hist_bucket_value(size_t i)
{
	return hist_bucket_low(i) + hist_bucket_width(i) / 2;
}

void
hist_record(struct hist *h, uint64_t v)
{
	h->bucket[hist_bucket_of(v)]++;
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void
hist_merge(struct hist *dst, const struct hist *src)
{
	if (src->count == 0)
		return;
	for (size_t i = 0; i < HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t
hist_percentile(const struct hist *h, double p)
{
	if (h->count == 0)
		return 0;
	if (p >= 100.0)
		return h->max;
	/* Nearest-rank definition: the smallest value with at least p% of
	 * the values at or below it. */
	double want = p / 100.0 * (double)h->count;
	uint64_t rank = (uint64_t)want;
	if ((double)rank < want)
		rank++;
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (size_t i = 0; i < HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			uint64_t v = hist_bucket_value(i);
			if (v > h->max)
				v = h->max;
			if (v < h->min)
				v = h->min;
			return v;
		}
	}
	return h->max;
}

double
hist_mean(const struct hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}

/* test_hist.c - percentile maths of the probe's latency histogram. */
#include "build-config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "hist.h"
#include "unit.h"

/* True when got is within the histogram's bucket error of want. */
static int
close_to(uint64_t got, uint64_t want)
{
	double err = (double)(got > want ? got - want : want - got);
	return err <= (double)want / 64.0 + 1.0;
}

static struct hist *
new_hist(void)
{
	struct hist *h = malloc(sizeof *h);
	ck_assert_ptr_nonnull(h);
	hist_reset(h);
	return h;
}

START_TEST(uniform_1_to_1000)
{
	struct hist *h = new_hist();
	for (uint64_t v = 1; v <= 1000; v++)
		hist_record(h, v);
	ck_assert_uint_eq(h->count, 1000);
	ck_assert_msg(close_to(hist_percentile(h, 50), 500), "p50 %lu",
		      (unsigned long)hist_percentile(h, 50));
	ck_assert_msg(close_to(hist_percentile(h, 95), 950), "p95");
	ck_assert_msg(close_to(hist_percentile(h, 99), 990), "p99 %lu",
		      (unsigned long)hist_percentile(h, 99));
	ck_assert_uint_eq(h->max, 1000);
	ck_assert_uint_eq(h->min, 1);
	ck_assert_uint_eq(hist_percentile(h, 100), 1000);
	ck_assert(hist_mean(h) == 500.5);
	free(h);
}
END_TEST

START_TEST(all_equal)
{
	struct hist *h = new_hist();
	for (int i = 0; i < 500; i++)
		hist_record(h, 123456);
	/* Clamping to [min, max] makes a constant exact, not a bucket midpoint. */
	ck_assert_uint_eq(hist_percentile(h, 50), 123456);
	ck_assert_uint_eq(hist_percentile(h, 99), 123456);
	ck_assert_uint_eq(h->max, 123456);
	free(h);
}
END_TEST

START_TEST(single_value)
{
	struct hist *h = new_hist();
	hist_record(h, 7777777);
	ck_assert_uint_eq(hist_percentile(h, 50), 7777777);
	ck_assert_uint_eq(hist_percentile(h, 99), 7777777);
	ck_assert_uint_eq(h->max, 7777777);
	ck_assert_uint_eq(h->count, 1);
	free(h);
}
END_TEST

START_TEST(empty)
{
	struct hist *h = new_hist();
	ck_assert_uint_eq(h->count, 0);
	ck_assert_uint_eq(hist_percentile(h, 50), 0);
	ck_assert_uint_eq(hist_percentile(h, 99), 0);
	ck_assert(hist_mean(h) == 0.0);
	free(h);
}
END_TEST

START_TEST(merge_equals_union)
{
	struct hist *a = new_hist(), *b = new_hist(), *u = new_hist();
	uint64_t x = 88172645463325252u;
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		uint64_t v = x % 10000000u;
		hist_record(i % 3 ? a : b, v);
		hist_record(u, v);
	}
	hist_merge(a, b);
	ck_assert_uint_eq(a->count, u->count);
	ck_assert_uint_eq(a->sum, u->sum);
	ck_assert_uint_eq(a->min, u->min);
	ck_assert_uint_eq(a->max, u->max);
	for (size_t i = 0; i < HIST_BUCKETS; i++)
		ck_assert_uint_eq(a->bucket[i], u->bucket[i]);
	ck_assert_uint_eq(hist_percentile(a, 50), hist_percentile(u, 50));
	ck_assert_uint_eq(hist_percentile(a, 99), hist_percentile(u, 99));
	/* Merging an empty histogram changes nothing, min included. */
	struct hist *e = new_hist();
	hist_merge(a, e);
	ck_assert_uint_eq(a->min, u->min);
	free(a); free(b); free(u); free(e);
}
END_TEST

START_TEST(span_1ns_to_10s)
{
	struct hist *h = new_hist();
	/* Ten values per decade from 1 ns to 10 s. */
	uint64_t v = 1;
	for (int d = 0; d <= 10; d++, v *= 10)
		for (int k = 0; k < 10; k++)
			hist_record(h, v);
	ck_assert_uint_eq(h->min, 1);
	ck_assert_uint_eq(h->max, UINT64_C(10000000000));
	ck_assert_msg(close_to(hist_percentile(h, 50), 100000), "p50 %lu",
		      (unsigned long)hist_percentile(h, 50));
	ck_assert_msg(close_to(hist_percentile(h, 95), UINT64_C(10000000000)), "p95");
	ck_assert_uint_eq(hist_percentile(h, 5), 1);
	free(h);
}
END_TEST

START_TEST(bucket_error_bound)
{
	/* Every value maps to a bucket that holds it, and that bucket's
	 * reported value is within 1/128 of the value (half of 1/64). */
	uint64_t vals[] = { 0, 1, 63, 64, 65, 127, 128, 129, 1000, 4095, 4096,
			    999999, 1000000, UINT64_C(1) << 40, (UINT64_C(1) << 40) + 12345,
			    UINT64_MAX / 3, UINT64_MAX };
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		uint64_t x = vals[i];
		size_t b = hist_bucket_of(x);
		ck_assert_uint_lt(b, HIST_BUCKETS);
		ck_assert_uint_le(hist_bucket_low(b), x);
		ck_assert_uint_le(x - hist_bucket_low(b), hist_bucket_width(b) - 1);
		uint64_t rep = hist_bucket_value(b);
		double rel = (double)(rep > x ? rep - x : x - rep) / (double)(x ? x : 1);
		ck_assert_msg(rel <= 1.0 / 64, "value %lu rep %lu", (unsigned long)x,
			      (unsigned long)rep);
	}
	/* Buckets tile the range with no gap or overlap. */
	for (size_t b = 0; b + 1 < HIST_BUCKETS; b++)
		ck_assert_uint_eq(hist_bucket_low(b) + hist_bucket_width(b),
				  hist_bucket_low(b + 1));
	/* Sweep: relative error of the bucket width stays below 1/64. */
	for (uint64_t x = 64; x < 5000000; x = x * 1.01 + 1) {
		size_t b = hist_bucket_of(x);
		ck_assert((double)hist_bucket_width(b) / (double)hist_bucket_low(b) <= 1.0 / 64);
	}
}
END_TEST

START_TEST(percentiles_ordered)
{
	struct hist *h = new_hist();
	uint64_t x = 1;
	for (int i = 0; i < 5000; i++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		hist_record(h, (x >> 40) % 100000 + (i % 97 == 0 ? 5000000 : 0));
	}
	ck_assert_uint_le(hist_percentile(h, 50), hist_percentile(h, 95));
	ck_assert_uint_le(hist_percentile(h, 95), hist_percentile(h, 99));
	ck_assert_uint_le(hist_percentile(h, 99), h->max);
	free(h);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hist");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, uniform_1_to_1000);
	tcase_add_test(tc, all_equal);
	tcase_add_test(tc, single_value);
	tcase_add_test(tc, empty);
	tcase_add_test(tc, merge_equals_union);
	tcase_add_test(tc, span_1ns_to_10s);
	tcase_add_test(tc, bucket_error_bound);
	tcase_add_test(tc, percentiles_ordered);
	suite_add_tcase(s, tc);
	return unit_run_suite(s);
}

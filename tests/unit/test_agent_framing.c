/*
 * test_agent_framing.c — the frames between the guest agent and the host
 * (base/frame.h): round trips of any bytes, frames split at
 * every byte, kernel messages cut into frames, garbage, and the parsing of
 * the agent's process lines (runtimes/vm.c).
 */
#include "config.h"
#include "frame.h"
#include "unit.h"
#include "vm.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct got {
	char type[8][16];
	char payload[8][FRAME_MAX + 1];
	size_t len[8];
	int n;
	char noise[65536];
	size_t nnoise;
};

static void on_frame(void *arg, const char *type, const char *payload, size_t len)
{
	struct got *g = arg;
	if (g->n < 8) {
		snprintf(g->type[g->n], sizeof g->type[g->n], "%s", type);
		memcpy(g->payload[g->n], payload, len);
		g->len[g->n] = len;
	}
	g->n++;
}

static void on_noise(void *arg, const char *data, size_t len)
{
	struct got *g = arg;
	if (g->nnoise + len < sizeof g->noise) {
		memcpy(g->noise + g->nnoise, data, len);
		g->nnoise += len;
	}
}

static struct got *got_new(void) { return calloc(1, sizeof(struct got)); }

static size_t enc(char *out, const char *type, const void *data, size_t n)
{
	size_t used = 0;
	size_t len = frame_encode(out, FRAME_WIRE_MAX, type, data, n, &used);
	ck_assert_uint_eq(used, n);
	return len;
}

START_TEST(crc_reference)
{
	/* The CRC-32 check value of "123456789". */
	ck_assert_uint_eq(frame_crc32("123456789", 9), 0xcbf43926u);
}
END_TEST

START_TEST(round_trip_all_bytes)
{
	char data[256], wire[FRAME_WIRE_MAX];
	for (int i = 0; i < 256; i++)
		data[i] = (char)i;
	size_t len = enc(wire, "out", data, sizeof data);
	/* One printable line: nothing below 0x20 but the final newline. */
	for (size_t i = 0; i + 1 < len; i++)
		ck_assert((unsigned char)wire[i] >= 0x20 && (unsigned char)wire[i] < 0x7f);
	ck_assert_int_eq(wire[len - 1], '\n');
	struct frame_decoder *d = malloc(sizeof *d);
	frame_decoder_init(d);
	struct got *g = got_new();
	struct frame_sink s = { .frame = on_frame, .noise = on_noise, .arg = g };
	frame_feed(d, wire, len, &s);
	ck_assert_int_eq(g->n, 1);
	ck_assert_str_eq(g->type[0], "out");
	ck_assert_uint_eq(g->len[0], 256);
	ck_assert_mem_eq(g->payload[0], data, 256);
	ck_assert_uint_eq(g->nnoise, 0);
	free(d);
	free(g);
}
END_TEST

START_TEST(split_at_every_byte)
{
	char wire[2 * FRAME_WIRE_MAX];
	size_t len = enc(wire, "hello", "uptime=1.5 pid=1", 16);
	len += enc(wire + len, "tick", "uptime=2.0 procs=3", 18);
	for (size_t cut = 0; cut <= len; cut++) {
		struct frame_decoder *d = malloc(sizeof *d);
		frame_decoder_init(d);
		struct got *g = got_new();
		struct frame_sink s = { .frame = on_frame, .noise = on_noise, .arg = g };
		frame_feed(d, wire, cut, &s);
		frame_feed(d, wire + cut, len - cut, &s);
		ck_assert_int_eq(g->n, 2);
		ck_assert_str_eq(g->type[0], "hello");
		ck_assert_str_eq(g->type[1], "tick");
		ck_assert_str_eq(g->payload[1], "uptime=2.0 procs=3");
		ck_assert_uint_eq(g->nnoise, 0);
		free(d);
		free(g);
	}
}
END_TEST

/* A kernel message cut into the middle of a frame loses that frame only;
 * the frames around it and the message's text survive. */
START_TEST(interleaved_kernel_message)
{
	char a[FRAME_WIRE_MAX], b[FRAME_WIRE_MAX], c[FRAME_WIRE_MAX];
	size_t la = enc(a, "out", "first line", 10);
	size_t lb = enc(b, "out", "cut line", 8);
	size_t lc = enc(c, "exit", "status=0", 8);
	const char *kmsg = "[    3.737347] ACPI: PM: Preparing to enter system sleep state S5\r\n";
	char stream[4 * FRAME_WIRE_MAX];
	size_t n = 0;
	memcpy(stream + n, a, la);
	n += la;
	memcpy(stream + n, b, lb / 2);
	n += lb / 2;
	memcpy(stream + n, kmsg, strlen(kmsg));
	n += strlen(kmsg);
	memcpy(stream + n, b + lb / 2, lb - lb / 2);
	n += lb - lb / 2;
	memcpy(stream + n, c, lc);
	n += lc;
	struct frame_decoder *d = malloc(sizeof *d);
	frame_decoder_init(d);
	struct got *g = got_new();
	struct frame_sink s = { .frame = on_frame, .noise = on_noise, .arg = g };
	frame_feed(d, stream, n, &s);
	ck_assert_int_eq(g->n, 2);
	ck_assert_str_eq(g->payload[0], "first line");
	ck_assert_str_eq(g->type[1], "exit");
	ck_assert_str_eq(g->payload[1], "status=0");
	g->noise[g->nnoise] = '\0';
	ck_assert_ptr_nonnull(strstr(g->noise, "Preparing to enter system sleep state"));
	ck_assert_uint_ge(d->bad, 1);
	free(d);
	free(g);
}
END_TEST

/* Garbage: a corrupted CRC, a lying length, a bad type, a magic prefix at
 * the very end; the good frame after them is still found. */
START_TEST(garbage_then_frame)
{
	char good[FRAME_WIRE_MAX], bad[FRAME_WIRE_MAX];
	size_t lg = enc(good, "ready", "uptime=2.6", 10);
	size_t lb = enc(bad, "out", "payload", 7);
	bad[lb - 5] ^= 1; /* flip a payload bit: the CRC no longer matches */
	char stream[4 * FRAME_WIRE_MAX];
	size_t n = 0;
	const char *junk[] = { "@@isolab out 99999 00000000 x@@\n", "@@isolab OUT 3 00000000 abc@@\n",
		"@@isolab out 40 12345678 short@@\n", "@@@@isolab@@ noise \x01\x02\xff\n" };
	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		memcpy(stream + n, junk[i], strlen(junk[i]));
		n += strlen(junk[i]);
	}
	memcpy(stream + n, bad, lb);
	n += lb;
	memcpy(stream + n, good, lg);
	n += lg;
	struct frame_decoder *d = malloc(sizeof *d);
	frame_decoder_init(d);
	struct got *g = got_new();
	struct frame_sink s = { .frame = on_frame, .noise = on_noise, .arg = g };
	frame_feed(d, stream, n, &s);
	frame_feed(d, "@@isol", 6, &s); /* a prefix: waits, emits nothing */
	ck_assert_int_eq(g->n, 1);
	ck_assert_str_eq(g->type[0], "ready");
	ck_assert_str_eq(g->payload[0], "uptime=2.6");
	free(d);
	free(g);
}
END_TEST

START_TEST(long_data_is_cut)
{
	char *data = malloc(3 * FRAME_MAX);
	memset(data, '\n', 3 * FRAME_MAX); /* every byte escapes to three */
	char wire[FRAME_WIRE_MAX];
	size_t used = 0;
	size_t len = frame_encode(wire, sizeof wire, "out", data, 3 * FRAME_MAX, &used);
	ck_assert_uint_gt(len, 0);
	ck_assert_uint_eq(used, FRAME_MAX / 3);
	ck_assert_uint_le(len, FRAME_WIRE_MAX);
	ck_assert_uint_eq(frame_encode(wire, sizeof wire, "Bad", data, 1, NULL), 0);
	free(data);
}
END_TEST

START_TEST(proc_line)
{
	struct proc_sample s;
	const char *line = "pid=81 ppid=1 comm=isolab-probe usr=97.50 system=1.25 guest=0.00 wait=0.50 cpu=98.75 "
			   "cpu_num=0 minflt_s=2.00 majflt_s=0.00 vsz_kb=1292 rss_kb=780 mem_pct=0.16 kb_rd_s=0.00 "
			   "kb_wr_s=4.00 kb_ccwr_s=0.00 iodelay=0 cswch_s=1.00 nvcswch_s=12.00 threads=2 first=0 newkey=1";
	ck_assert_int_eq(vm_parse_proc(line, &s), 0);
	ck_assert_int_eq(s.pid, 81);
	ck_assert_int_eq(s.ppid, 1);
	ck_assert_str_eq(s.comm, "isolab-probe");
	ck_assert_int_eq(s.role, ROLE_GUEST);
	ck_assert(s.usr > 97.4 && s.usr < 97.6);
	ck_assert(s.cpu > 98.7 && s.cpu < 98.8);
	ck_assert_uint_eq(s.rss_kb, 780);
	ck_assert_uint_eq(s.threads, 2);
	ck_assert(s.nvcswch_s > 11.9 && s.nvcswch_s < 12.1);
	ck_assert_int_eq(vm_parse_proc("ppid=1 comm=x", &s), -1);
	ck_assert_int_eq(vm_parse_proc("pid=3 garbage", &s), -1);
}
END_TEST

START_TEST(argv_param)
{
	char *argv[] = { (char *)"/usr/bin/isolab-probe", (char *)"cpu", (char *)"--dir", (char *)"/a b,c%d", NULL };
	char *p = vm_argv_param(argv, "/usr/bin/isolab-probe");
	ck_assert_str_eq(p, "isolab.argv=/isolab-probe,cpu,--dir,/a%20b%2Cc%25d");
	/* The agent's decoder reads it back. */
	char buf[64];
	size_t n = frame_unescape(buf, "/a%20b%2Cc%25d", 14);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "/a b,c%d");
	free(p);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("agent_framing");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, crc_reference);
	tcase_add_test(tc, round_trip_all_bytes);
	tcase_add_test(tc, split_at_every_byte);
	tcase_add_test(tc, interleaved_kernel_message);
	tcase_add_test(tc, garbage_then_frame);
	tcase_add_test(tc, long_data_is_cut);
	tcase_add_test(tc, proc_line);
	tcase_add_test(tc, argv_param);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(suite());
}

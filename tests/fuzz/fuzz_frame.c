/*
 * fuzz_frame.c — libFuzzer target for the probe agent's framing
 * (base/frame.h), which the host decodes from a serial console
 * that a guest kernel may scribble on at any byte.
 *
 * Two checks per input. First, the input as console bytes, fed in chunks
 * whose size its first byte picks: every frame the decoder hands out has a
 * valid type and a payload of at most FRAME_MAX bytes, and frames plus noise
 * never exceed what was fed. Second, the input as a payload: encoded, with
 * the input itself spliced in front as console noise, it must come back out
 * exactly once and unchanged (up to what frame_encode took).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "frame.h"

struct seen {
	size_t frames, bytes, noise;
	const char *want;
	size_t want_len;
	int matched;
};

static void on_frame(void *arg, const char *type, const char *payload, size_t len)
{
	struct seen *s = arg;
	size_t tl = strlen(type);
	if (tl == 0 || tl > FRAME_TYPE_MAX || len > FRAME_MAX)
		abort();
	for (size_t i = 0; i < tl; i++)
		if (type[i] < 'a' || type[i] > 'z')
			abort();
	s->frames++;
	s->bytes += len;
	if (s->want && !strcmp(type, "out") && len == s->want_len && !memcmp(payload, s->want, len))
		s->matched++;
}

static void on_noise(void *arg, const char *data, size_t len)
{
	struct seen *s = arg;
	(void)data;
	s->noise += len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct frame_decoder d;
	size_t chunk = size ? (size_t)data[0] % 64 + 1 : 1;
	struct seen s = { 0 };
	struct frame_sink sink = { .frame = on_frame, .noise = on_noise, .arg = &s };

	frame_decoder_init(&d);
	for (size_t off = 0; off < size; off += chunk)
		frame_feed(&d, (const char *)data + off, size - off < chunk ? size - off : chunk, &sink);
	if (s.noise > size)
		abort();

	/* Round trip: noise that cannot hold a newline-free magic, then a frame. */
	static char wire[FRAME_WIRE_MAX + 1];
	size_t used = 0;
	size_t n = frame_encode(wire, sizeof wire, "out", data, size, &used);
	if (n == 0 || used > size)
		abort();
	struct seen r = { .want = (const char *)data, .want_len = used };
	struct frame_sink rs = { .frame = on_frame, .noise = on_noise, .arg = &r };
	frame_decoder_init(&d);
	static const char console[] = "[    1.234567] virtio_net: console text\r\n";
	frame_feed(&d, console, sizeof console - 1, &rs);
	frame_feed(&d, wire, n, &rs);
	frame_feed(&d, "\n", 1, &rs);
	if (r.matched != 1)
		abort();
	return 0;
}

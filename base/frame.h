/*
 * frame.h - the framing between isolab-probe's in-guest agent and the host
 * (header-only, so both the static probe and isolab's qemu driver use the
 * same code without the probe linking anything of the engine).
 *
 * A frame is one line:
 *
 *   @@isolab TYPE LEN CRC PAYLOAD@@\n
 *
 *   TYPE     [a-z]{1,15}: hello, ready, out, proc, tick, exit, log
 *   LEN      decimal length of PAYLOAD as sent (at most FRAME_MAX)
 *   CRC      8 lowercase hex digits, CRC-32 (IEEE 802.3) of PAYLOAD as sent
 *   PAYLOAD  the data with every byte below 0x20, 0x7f and above, and '%'
 *            written as %XX (two uppercase hex digits), so a frame is one
 *            printable line whatever it carries
 *
 * Why: on a serial console the kernel's own messages interleave with what
 * the agent writes, at any byte. A reader scans for the magic "@@isolab ",
 * checks the header, the length, the closing "@@" and the CRC, and treats
 * everything that is not a whole valid frame as console text. A frame that
 * a kernel message cut in two fails its length or CRC and is dropped; the
 * reader never skips more than the magic of a bad frame, so the next good
 * frame is found, and a raw newline inside the claimed payload (payloads
 * never hold one) rejects a frame at once instead of waiting for LEN bytes.
 * Nothing here allocates: the decoder's buffer is inside its struct.
 */
#ifndef ISOLAB_PROBE_FRAME_H
#define ISOLAB_PROBE_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FRAME_MAGIC "@@isolab "
#define FRAME_MAGIC_LEN 9
#define FRAME_MAX 4096          /* payload bytes as sent */
#define FRAME_TYPE_MAX 15
/* Longest frame on the wire: magic, type, two numbers, the payload, "@@\n". */
#define FRAME_WIRE_MAX (FRAME_MAGIC_LEN + FRAME_TYPE_MAX + 1 + 5 + 1 + 8 + 1 + FRAME_MAX + 3)

/* CRC-32 (IEEE, reflected, as zlib's crc32). */
static inline uint32_t
frame_crc32(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return c ^ 0xffffffffu;
}

static inline int
frame_needs_escape(unsigned char c)
{
	return c < 0x20 || c >= 0x7f || c == '%';
}

/*
 * Encodes one frame of type carrying data[0..n) into out (size cap, at
 * least FRAME_WIRE_MAX). Data that would escape to more than FRAME_MAX
 * bytes is cut at a byte boundary; *used (may be NULL) gets how many bytes
 * of data went in. Returns the frame's length, 0 for a bad type.
 */
static inline size_t
frame_encode(char *out, size_t cap, const char *type, const void *data, size_t n, size_t *used)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *d = data;
	size_t tl = strlen(type), i, pl = 0;
	char pay[FRAME_MAX];

	if (tl == 0 || tl > FRAME_TYPE_MAX || cap < FRAME_WIRE_MAX)
		return 0;
	for (i = 0; i < tl; i++)
		if (type[i] < 'a' || type[i] > 'z')
			return 0;
	for (i = 0; i < n; i++) {
		if (frame_needs_escape(d[i])) {
			if (pl + 3 > FRAME_MAX)
				break;
			pay[pl++] = '%';
			pay[pl++] = hex[d[i] >> 4];
			pay[pl++] = hex[d[i] & 15];
		} else {
			if (pl + 1 > FRAME_MAX)
				break;
			pay[pl++] = (char)d[i];
		}
	}
	if (used != NULL)
		*used = i;
	uint32_t crc = frame_crc32(pay, pl);
	size_t o = 0;
	memcpy(out, FRAME_MAGIC, FRAME_MAGIC_LEN);
	o += FRAME_MAGIC_LEN;
	memcpy(out + o, type, tl);
	o += tl;
	out[o++] = ' ';
	/* The length in decimal, most significant digit first. */
	char num[8];
	size_t nd = 0, v = pl;
	do {
		num[nd++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (nd)
		out[o++] = num[--nd];
	out[o++] = ' ';
	for (int k = 7; k >= 0; k--)
		out[o++] = "0123456789abcdef"[(crc >> (k * 4)) & 15];
	out[o++] = ' ';
	memcpy(out + o, pay, pl);
	o += pl;
	out[o++] = '@';
	out[o++] = '@';
	out[o++] = '\n';
	return o;
}

/* The value of an uppercase hex digit, or -1. */
static inline int
frame_hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes %XX escapes of src[0..n) into dst (at least n bytes); returns
 * the decoded length. A malformed escape is kept as it is. */
static inline size_t
frame_unescape(char *dst, const char *src, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (src[i] == '%' && i + 2 < n) {
			int hi = frame_hexval(src[i + 1]), lo = frame_hexval(src[i + 2]);
			if (hi >= 0 && lo >= 0) {
				dst[o++] = (char)(hi << 4 | lo);
				i += 2;
				continue;
			}
		}
		dst[o++] = src[i];
	}
	return o;
}

/* What the decoder hands its callbacks. */
struct frame_sink {
	/* A valid frame: its type and its payload, unescaped (NUL-terminated
	 * as a convenience; it may hold NULs itself). */
	void (*frame)(void *arg, const char *type, const char *payload, size_t len);
	/* Bytes that are not part of a valid frame (console text), as they
	 * come; may be NULL. */
	void (*noise)(void *arg, const char *data, size_t len);
	void *arg;
};

struct frame_decoder {
	char buf[2 * FRAME_WIRE_MAX];
	size_t len;
	int eat_eol;                 /* a frame just ended: its "\r\n" may follow */
	unsigned long frames, bad;   /* counters, for tests and diagnostics */
};

static inline void
frame_decoder_init(struct frame_decoder *d)
{
	d->len = 0;
	d->eat_eol = 0;
	d->frames = d->bad = 0;
}

/* Where the magic (or, at the very end, a prefix of it) starts in b[0..n);
 * n when neither occurs. */
static inline size_t
frame_find_magic(const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (b[i] != '@')
			continue;
		size_t k = n - i < FRAME_MAGIC_LEN ? n - i : FRAME_MAGIC_LEN;
		if (memcmp(b + i, FRAME_MAGIC, k) == 0)
			return i;
	}
	return n;
}

/*
 * Tries to take one frame at the start of b[0..n) (which starts with the
 * magic). Returns its wire length when valid, 0 when more bytes are needed,
 * or -1 when it is not a valid frame.
 */
static inline long
frame_parse_one(const char *b, size_t n, const struct frame_sink *s, char *scratch)
{
	size_t i = FRAME_MAGIC_LEN, t0, tl, len = 0, nd = 0;
	uint32_t crc = 0;

	t0 = i;
	while (i < n && b[i] >= 'a' && b[i] <= 'z' && i - t0 < FRAME_TYPE_MAX)
		i++;
	if (i >= n)
		return 0;
	tl = i - t0;
	if (tl == 0 || b[i] != ' ')
		return -1;
	i++;
	while (i < n && b[i] >= '0' && b[i] <= '9' && nd < 5) {
		len = len * 10 + (size_t)(b[i] - '0');
		i++;
		nd++;
	}
	if (i >= n)
		return 0;
	if (nd == 0 || b[i] != ' ' || len > FRAME_MAX)
		return -1;
	i++;
	for (int k = 0; k < 8; k++, i++) {
		if (i >= n)
			return 0;
		char c = b[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0)
			return -1;
		crc = crc << 4 | (uint32_t)v;
	}
	if (i >= n)
		return 0;
	if (b[i] != ' ')
		return -1;
	i++;
	size_t p0 = i;
	/* A raw newline or a byte that is never sent inside the claimed
	 * payload: something cut into this frame. */
	for (size_t k = p0; k < n && k < p0 + len; k++)
		if (frame_needs_escape((unsigned char)b[k]) && b[k] != '%')
			return -1;
	if (n < p0 + len + 2)
		return 0;
	if (b[p0 + len] != '@' || b[p0 + len + 1] != '@')
		return -1;
	if (frame_crc32(b + p0, len) != crc)
		return -1;
	char type[FRAME_TYPE_MAX + 1];
	memcpy(type, b + t0, tl);
	type[tl] = '\0';
	size_t pl = frame_unescape(scratch, b + p0, len);
	scratch[pl] = '\0';
	if (s->frame != NULL)
		s->frame(s->arg, type, scratch, pl);
	return (long)(p0 + len + 2);
}

/* Feeds bytes read from the channel; calls s for each frame and for the
 * console text between frames. */
static inline void
frame_feed(struct frame_decoder *d, const char *data, size_t n, const struct frame_sink *s)
{
	char scratch[FRAME_MAX + 1];

	while (n > 0) {
		size_t take = sizeof d->buf - d->len;
		if (take > n)
			take = n;
		memcpy(d->buf + d->len, data, take);
		d->len += take;
		data += take;
		n -= take;
		size_t pos = 0;
		for (;;) {
			/* The end of line after a frame is not console text, even
			 * when it arrives in a later read. */
			while (d->eat_eol && pos < d->len) {
				if (d->buf[pos] == '\r') {
					pos++;
				} else {
					if (d->buf[pos] == '\n')
						pos++;
					d->eat_eol = 0;
				}
			}
			size_t m = pos + frame_find_magic(d->buf + pos, d->len - pos);
			if (m > pos && s->noise != NULL)
				s->noise(s->arg, d->buf + pos, m - pos);
			pos = m;
			if (pos >= d->len)
				break;
			if (d->len - pos < FRAME_MAGIC_LEN)
				break; /* a possible magic prefix at the end: wait */
			long r = frame_parse_one(d->buf + pos, d->len - pos, s, scratch);
			if (r > 0) {
				d->frames++;
				pos += (size_t)r;
				d->eat_eol = 1;
				continue;
			}
			if (r == 0)
				break;
			d->bad++;
			/* Not a frame: its first byte is text; rescan after it. */
			if (s->noise != NULL)
				s->noise(s->arg, d->buf + pos, 1);
			pos++;
		}
		memmove(d->buf, d->buf + pos, d->len - pos);
		d->len -= pos;
	}
}

#endif

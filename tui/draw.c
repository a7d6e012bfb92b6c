/*
 * draw.c — clipped text output. Everything goes through draw_text so that
 * no screen ever writes past its rectangle, which is what keeps a resize
 * mid-frame free of garbage.
 */
#include "config.h"
#include "draw.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Decodes one UTF-8 sequence; returns its length (1 for invalid bytes). */
static size_t utf8_next(const char *s, wchar_t *wc)
{
	if ((unsigned char)*s < 0x80) {
		*wc = (wchar_t)(unsigned char)*s;
		return 1;
	}
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t n = mbrtowc(wc, s, MB_CUR_MAX, &st);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*wc = (unsigned char)*s < 0x80 ? (wchar_t)(unsigned char)*s : L'?';
		return 1;
	}
	return n;
}

int draw_width(const char *s)
{
	int w = 0;
	while (*s) {
		wchar_t wc;
		s += utf8_next(s, &wc);
		int cw = wcwidth(wc);
		w += cw < 0 ? 1 : cw;
	}
	return w;
}

int draw_text(int y, int x, int w, attr_t attr, int pad, const char *s)
{
	if (w <= 0 || y < 0 || x < 0 || y >= LINES || x >= COLS)
		return 0;
	if (x + w > COLS)
		w = COLS - x;
	attrset(attr);
	move(y, x);
	int used = 0;
	while (*s && used < w) {
		wchar_t wc;
		size_t n = utf8_next(s, &wc);
		int cw = wc < 0x80 ? 1 : wcwidth(wc);
		if (cw < 0) {
			wc = L'?';
			cw = 1;
		}
		if (used + cw > w)
			break;
		if (wc < 0x80) {
			addch((chtype)(wc < 0x20 ? '?' : wc) | attr);
		} else {
			wchar_t ws[2] = { wc, 0 };
			addnwstr(ws, 1);
		}
		used += cw;
		s += n;
	}
	if (pad && used < w) {
		for (int i = used; i < w; i++)
			addch(' ' | attr);
		used = w;
	}
	attrset(A_NORMAL);
	return used;
}

int draw_printf(int y, int x, int w, attr_t attr, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return draw_text(y, x, w, attr, 0, buf);
}

void draw_fill(int y, int x, int w, attr_t attr)
{
	if (y < 0 || y >= LINES || x < 0 || x >= COLS || w <= 0)
		return;
	if (x + w > COLS)
		w = COLS - x;
	mvhline(y, x, ' ' | attr, w);
}

void draw_box(int y, int x, int h, int w, attr_t attr, const char *title, int utf8)
{
	if (h < 2 || w < 2)
		return;
	attrset(attr);
	if (utf8) {
		mvadd_wch(y, x, WACS_ULCORNER);
		mvadd_wch(y, x + w - 1, WACS_URCORNER);
		mvadd_wch(y + h - 1, x, WACS_LLCORNER);
		mvadd_wch(y + h - 1, x + w - 1, WACS_LRCORNER);
		mvhline_set(y, x + 1, WACS_HLINE, w - 2);
		mvhline_set(y + h - 1, x + 1, WACS_HLINE, w - 2);
		mvvline_set(y + 1, x, WACS_VLINE, h - 2);
		mvvline_set(y + 1, x + w - 1, WACS_VLINE, h - 2);
	} else {
		mvaddch(y, x, '+');
		mvaddch(y, x + w - 1, '+');
		mvaddch(y + h - 1, x, '+');
		mvaddch(y + h - 1, x + w - 1, '+');
		mvhline(y, x + 1, '-', w - 2);
		mvhline(y + h - 1, x + 1, '-', w - 2);
		mvvline(y + 1, x, '|', h - 2);
		mvvline(y + 1, x + w - 1, '|', h - 2);
	}
	attrset(A_NORMAL);
	if (title && *title && w > 6) {
		char buf[256];
		snprintf(buf, sizeof buf, " %s ", title);
		draw_text(y, x + 2, w - 4, attr | A_BOLD, 0, buf);
	}
}

const char *draw_si(double v, char *buf, size_t len)
{
	if (isnan(v)) {
		snprintf(buf, len, "-");
		return buf;
	}
	static const char suf[] = " kMGTP";
	double a = fabs(v);
	int i = 0;
	while (a >= 9999.5 && i < 5) {
		a /= 1000;
		v /= 1000;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, a >= 100 || a == floor(a) ? "%.0f" : a >= 10 ? "%.1f" : "%.2f", v);
	else
		snprintf(buf, len, a >= 100 ? "%.0f%c" : a >= 10 ? "%.1f%c" : "%.2f%c", v, suf[i]);
	return buf;
}

const char *draw_hms(double s, char *buf, size_t len)
{
	if (!(s >= 0) || !isfinite(s))
		s = 0;
	unsigned t = (unsigned)(s + 0.5);
	if (t >= 3600)
		snprintf(buf, len, "%u:%02u:%02u", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, len, "%u:%02u", t / 60, t % 60);
	return buf;
}

const char *draw_kb(unsigned long long kb, char *buf, size_t len)
{
	if (kb < 10000)
		snprintf(buf, len, "%lluK", kb);
	else if (kb < 10000ULL * 1024)
		snprintf(buf, len, "%.1fM", (double)kb / 1024);
	else
		snprintf(buf, len, "%.1fG", (double)kb / 1048576);
	return buf;
}

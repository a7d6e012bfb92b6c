/*
 * draw.h — small text helpers every screen uses: clipped and padded
 * output in display columns, number formatting for narrow columns, and
 * frames that degrade to ASCII when the locale is not UTF-8.
 */
#ifndef ISOLAB_DRAW_H
#define ISOLAB_DRAW_H

#include <curses.h>
#include <stddef.h>

/* Display width of a UTF-8 string (columns). */
int draw_width(const char *s);
/* Writes s at (y, x) in at most w columns with attr; pads with spaces to w
 * when pad is set. Returns the columns written. */
int draw_text(int y, int x, int w, attr_t attr, int pad, const char *s);
/* printf-style draw_text without padding. */
int draw_printf(int y, int x, int w, attr_t attr, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Fills w columns at (y, x) with spaces in attr. */
void draw_fill(int y, int x, int w, attr_t attr);
/* A box with a title; UTF-8 line glyphs or + - | in ASCII. */
void draw_box(int y, int x, int h, int w, attr_t attr, const char *title, int utf8);
/* Formats v in at most 6 characters with a k/M/G suffix ("12.3k"). */
const char *draw_si(double v, char *buf, size_t len);
/* Formats a duration in seconds as m:ss or h:mm:ss. */
const char *draw_hms(double s, char *buf, size_t len);
/* Formats kB as "12.3M" style. */
const char *draw_kb(unsigned long long kb, char *buf, size_t len);

#endif

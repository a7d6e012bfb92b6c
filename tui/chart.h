/*
 * chart.h — time-series charts, sparklines and horizontal bars.
 *
 * A chart plots one value per second per series on a grid of dots: Unicode
 * braille (2×4 dots per cell) when the locale is UTF-8, else ASCII marks
 * (1×3 per cell: _ - '). Consecutive points are joined by vertical runs, so
 * a line stays continuous however steep. When several series share a cell
 * the one drawn last colours it, as in btop.
 */
#ifndef ISOLAB_CHART_H
#define ISOLAB_CHART_H

#include <stddef.h>
#include "theme.h"
#include "tui.h"

struct chart_series {
	const double *v;          /* v[i]: value at second i+1; NAN is a gap */
	size_t n;
	enum theme_elem colour;
};

struct chart_opts {
	const char *title;        /* drawn in the top-left corner of the plot */
	const char *unit;
	size_t window;            /* seconds shown across the width; 0: fit the longest series (at least 10) */
	size_t back;              /* seconds scrolled back from the newest */
	int utf8;
	const char *const *xlabels; /* categories instead of seconds: v[i] at xlabels[i], spread
	                             * across the width, each named on the bottom row (a sweep) */
	size_t nxlabels;
};

/* Draws the series in r: a y axis with 3 labels on the left, the time axis
 * (seconds since launch) on the bottom row. Writes every cell of r. */
void chart_draw(const struct rect *r, const struct chart_series *s, size_t ns, const struct chart_opts *o);
/* One-row sparkline of v[0..n) scaled to max (0: the largest value). */
void chart_spark(int y, int x, int w, const double *v, size_t n, double max, attr_t attr, int utf8);
/* A horizontal bar filling frac (0..1) of w columns, in eighths with UTF-8. */
void chart_hbar(int y, int x, int w, double frac, attr_t attr, int utf8);
/* The host roles in the order a stacked bar draws them, with their
 * letters ("wrvhl": workload, runtime, vmm, helper, load generator); the
 * k-th is drawn in TH_SERIES1 + k, in reverse video. */
#define CHART_NROLES 5
extern const int chart_roles[CHART_NROLES];
extern const char chart_role_letters[CHART_NROLES + 1];
/* A stacked bar of the roles' parts[k] on a scale where scale fills w
 * columns; with min1, a part above 0 gets at least a cell. Returns the
 * columns drawn. */
int chart_stack(int y, int x, int w, const double *parts, double scale, int min1);
/* A "nice" axis maximum at or above v (1, 2, 2.5 or 5 times a power of 10). */
double chart_nice_max(double v);

#endif

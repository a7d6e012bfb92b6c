/*
 * chart.c — braille/ASCII line charts.
 *
 * The plot is rasterised into a grid of dot bits, one byte per cell plus
 * the colour of the series that set a dot there last, then emitted cell by
 * cell. The grid is a static buffer grown on demand: a frame allocates
 * nothing, which keeps a full dashboard redraw well under a millisecond.
 */
#include "config.h"
#include "chart.h"
#include "draw.h"
#include "sampler.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

static unsigned char *grid;        /* dot bits per cell */
static unsigned char *gcol;        /* series index + 1 per cell */
static size_t grid_cap;

/* Braille dot bit of (column 0..1, row 0..3 from the top). */
static const unsigned char braille_bit[2][4] = {
	{ 0x01, 0x02, 0x04, 0x40 },
	{ 0x08, 0x10, 0x20, 0x80 },
};

double chart_nice_max(double v)
{
	if (!(v > 0) || !isfinite(v))
		return 1;
	double p = pow(10, floor(log10(v)));
	static const double steps[] = { 1, 2, 2.5, 5, 10 };
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
		if (steps[i] * p >= v * 0.999999)
			return steps[i] * p;
	return 10 * p;
}

struct raster {
	int w, h, xd, yd, utf8;
};

static void set_dot(const struct raster *ra, int dx, int dy, int series)
{
	if (dx < 0 || dy < 0 || dx >= ra->w * ra->xd || dy >= ra->h * ra->yd)
		return;
	int cx = dx / ra->xd, cy = dy / ra->yd;
	size_t c = (size_t)cy * (size_t)ra->w + (size_t)cx;
	if (ra->utf8)
		grid[c] |= braille_bit[dx % 2][dy % 4];
	else
		grid[c] |= (unsigned char)(1u << (dy % 3));
	gcol[c] = (unsigned char)(series + 1);
}

void chart_draw(const struct rect *r, const struct chart_series *s, size_t ns, const struct chart_opts *o)
{
	for (int y = 0; y < r->h; y++)
		draw_fill(r->y + y, r->x, r->w, th(TH_NORMAL));
	const int axis_w = 7;
	struct raster ra = { .w = r->w - axis_w, .h = r->h - 1, .utf8 = o->utf8 };
	ra.xd = o->utf8 ? 2 : 1;
	ra.yd = o->utf8 ? 4 : 3;
	if (ra.w < 4 || ra.h < 2)
		return;
	size_t cells = (size_t)ra.w * (size_t)ra.h;
	if (cells > grid_cap) {
		grid = xrealloc(grid, cells);
		gcol = xrealloc(gcol, cells);
		grid_cap = cells;
	}
	memset(grid, 0, cells);
	memset(gcol, 0, cells);

	/* The time window: [first, last] in seconds (1-based indexes into v). */
	size_t longest = 0;
	for (size_t i = 0; i < ns; i++)
		longest = s[i].n > longest ? s[i].n : longest;
	size_t dots_w = (size_t)(ra.w * ra.xd);
	size_t window = o->nxlabels ? o->nxlabels : o->window ? o->window : (longest > 10 ? longest : 10);
	size_t last = longest > o->back ? longest - o->back : 0;
	if (last < window)
		last = window;
	size_t first = last - window; /* exclusive */

	double vmax = 0;
	for (size_t i = 0; i < ns; i++)
		for (size_t k = first; k < last && k < s[i].n; k++)
			if (isfinite(s[i].v[k]) && s[i].v[k] > vmax)
				vmax = s[i].v[k];
	vmax = chart_nice_max(vmax);
	int dots_h = ra.h * ra.yd;

	for (size_t i = 0; i < ns; i++) {
		int prev_y = -1;
		int prev_x = -1;
		for (size_t k = first; k < last && k < s[i].n; k++) {
			double v = s[i].v[k];
			if (!isfinite(v)) {
				prev_y = -1;
				continue;
			}
			int dx = (int)((double)(k - first) * (double)(dots_w - 1) / (double)(window > 1 ? window - 1 : 1));
			double f = v / vmax;
			f = f < 0 ? 0 : f > 1 ? 1 : f;
			int dy = dots_h - 1 - (int)lround(f * (dots_h - 1));
			if (prev_y >= 0) {
				/* Join to the previous point: a run of dots between the two
				 * columns, straight from (x0, y0) to (dx, dy). */
				int x0 = prev_x, y0 = prev_y;
				for (int x = prev_x + 1; x <= dx; x++) {
					int yy = y0 + (int)lround((double)(dy - y0) * (x - x0) / (double)(dx - x0));
					int lo = yy < prev_y ? yy : prev_y, hi = yy < prev_y ? prev_y : yy;
					if (x == dx) {
						lo = dy < lo ? dy : lo;
						hi = dy > hi ? dy : hi;
					}
					for (int y = lo; y <= hi; y++)
						set_dot(&ra, x, y, (int)i);
					prev_y = yy;
				}
			} else {
				set_dot(&ra, dx, dy, (int)i);
			}
			prev_x = dx;
			prev_y = dy;
		}
	}

	/* Axes. */
	char buf[32];
	attr_t axis = th(TH_AXIS);
	int px = r->x + axis_w;
	for (int y = 0; y < ra.h; y++) {
		const char *lbl = NULL;
		if (y == 0)
			lbl = draw_si(vmax, buf, sizeof buf);
		else if (y == ra.h / 2 && ra.h >= 4)
			lbl = draw_si(vmax / 2, buf, sizeof buf);
		else if (y == ra.h - 1)
			lbl = "0";
		if (lbl) {
			char tmp[16];
			snprintf(tmp, sizeof tmp, "%6s", lbl);
			draw_text(r->y + y, r->x, 6, axis, 0, tmp);
		}
		draw_text(r->y + y, r->x + 6, 1, axis, 0, o->utf8 ? (lbl ? "\xe2\x94\xa4" : "\xe2\x94\x82") : (lbl ? "+" : "|"));
	}
	int by = r->y + ra.h;
	attrset(axis);
	if (o->utf8)
		mvhline_set(by, px, WACS_HLINE, ra.w);
	else
		mvhline(by, px, '-', ra.w);
	attrset(A_NORMAL);
	if (o->nxlabels) {
		/* Each category under its column, centred, clipped to the plot;
		 * later ones give way to an earlier one they would overlap. */
		int free_from = px;
		for (size_t k = 0; k < o->nxlabels; k++) {
			int dx = (int)((double)k * (double)(dots_w - 1) / (double)(window > 1 ? window - 1 : 1));
			int col = px + dx / ra.xd, len = (int)strlen(o->xlabels[k]);
			int x = col - len / 2;
			x = x < px ? px : x + len > px + ra.w ? px + ra.w - len : x;
			if (x < free_from)
				continue;
			draw_text(by, x, len, axis, 0, o->xlabels[k]);
			free_from = x + len + 1;
		}
	} else {
		snprintf(buf, sizeof buf, "%zus", first);
		draw_text(by, px, ra.w, axis, 0, buf);
		snprintf(buf, sizeof buf, "%zus", last);
		draw_text(by, px + ra.w - (int)strlen(buf), (int)strlen(buf), axis, 0, buf);
	}
	if (o->title) {
		snprintf(buf, sizeof buf, " %s ", o->title);
		int tw = ra.w / 2;
		char t2[96];
		snprintf(t2, sizeof t2, "%s%s%s ", buf, o->unit ? "(" : "", o->unit ? o->unit : "");
		if (o->unit) {
			size_t l = strlen(t2);
			if (l)
				t2[l - 1] = ')';
		}
		draw_text(by, px + (ra.w - draw_width(t2)) / 2, tw, axis | A_BOLD, 0, t2);
	}

	/* Cells. */
	for (int y = 0; y < ra.h; y++) {
		for (int x = 0; x < ra.w; x++) {
			size_t c = (size_t)y * (size_t)ra.w + (size_t)x;
			if (!grid[c])
				continue;
			attr_t a = th((enum theme_elem)(TH_SERIES1 + (gcol[c] - 1) % TH_NSERIES));
			if (ra.utf8) {
				wchar_t wc[2] = { (wchar_t)(0x2800 + grid[c]), 0 };
				cchar_t cc;
				setcchar(&cc, wc, a, PAIR_NUMBER(a), NULL);
				mvadd_wch(r->y + y, px + x, &cc);
			} else {
				unsigned b = grid[c];
				/* bit 0: top third, bit 2: bottom third */
				chtype ch = (b & (b - 1)) ? '|' : b == 1 ? '\'' : b == 2 ? '-' : '_';
				mvaddch(r->y + y, px + x, ch | a);
			}
		}
	}
	attrset(A_NORMAL);
}

void chart_spark(int y, int x, int w, const double *v, size_t n, double max, attr_t attr, int utf8)
{
	static const char *const blocks[8] = {
		"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
		"\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88",
	};
	static const char ascii[] = " .:-=+*#";
	if (w <= 0)
		return;
	if (max <= 0)
		for (size_t i = 0; i < n; i++)
			max = isfinite(v[i]) && v[i] > max ? v[i] : max;
	size_t start = n > (size_t)w ? n - (size_t)w : 0;
	for (int i = 0; i < w; i++) {
		size_t k = start + (size_t)i;
		if (k >= n) {
			draw_text(y, x + i, 1, attr, 1, " ");
			continue;
		}
		double f = max > 0 && isfinite(v[k]) ? v[k] / max : 0;
		int lvl = (int)(f * 7.999);
		lvl = lvl < 0 ? 0 : lvl > 7 ? 7 : lvl;
		if (utf8) {
			draw_text(y, x + i, 1, attr, 0, blocks[lvl]);
		} else {
			char c[2] = { ascii[lvl], 0 };
			draw_text(y, x + i, 1, attr, 0, c);
		}
	}
}

void chart_hbar(int y, int x, int w, double frac, attr_t attr, int utf8)
{
	static const char *const eighths[8] = {
		"", "\xe2\x96\x8f", "\xe2\x96\x8e", "\xe2\x96\x8d", "\xe2\x96\x8c",
		"\xe2\x96\x8b", "\xe2\x96\x8a", "\xe2\x96\x89",
	};
	if (w <= 0)
		return;
	if (!(frac > 0))
		frac = 0;
	if (frac > 1)
		frac = 1;
	int units = (int)lround(frac * w * 8);
	int full = units / 8, part = units % 8;
	int col = 0;
	for (; col < full; col++)
		draw_text(y, x + col, 1, attr, 0, utf8 ? "\xe2\x96\x88" : "#");
	if (part && col < w) {
		draw_text(y, x + col, 1, attr, 0, utf8 ? eighths[part] : (part >= 4 ? "#" : "="));
		col++;
	}
}

const int chart_roles[CHART_NROLES] = { ROLE_WORKLOAD, ROLE_RUNTIME, ROLE_VMM, ROLE_HELPER, ROLE_LOADGEN };
const char chart_role_letters[CHART_NROLES + 1] = "wrvhl";

int chart_stack(int y, int x, int w, const double *parts, double scale, int min1)
{
	int used = 0;
	for (int k = 0; k < CHART_NROLES && used < w; k++) {
		if (!(parts[k] > 0) || !(scale > 0))
			continue;
		int cells = (int)lround(parts[k] / scale * w);
		if (min1 && cells < 1)
			cells = 1;
		if (cells > w - used)
			cells = w - used;
		if (cells <= 0)
			continue;
		char seg[256];
		memset(seg, chart_role_letters[k], sizeof seg);
		seg[cells < (int)sizeof seg ? cells : (int)sizeof seg - 1] = '\0';
		draw_text(y, x + used, cells, th((enum theme_elem)(TH_SERIES1 + k)) | A_REVERSE, 0, seg);
		used += cells;
	}
	return used;
}

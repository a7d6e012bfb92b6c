/*
 * plot.c — report charts with cairo: one layout and one drawing routine
 * per kind of chart, run on whatever surface the caller wants.
 *
 * Layout first, then drawing: plot_size and every output compute the same
 * layout from the same text measurements (a 1×1 image surface is enough
 * to measure text, with hinted metrics off, so SVG, PNG and PDF agree to
 * the point). Bars are horizontal so that runtime names of any length
 * stay readable on the left; the value axis runs along the bottom and
 * includes zero, so bar lengths compare honestly.
 *
 * Colours are the Okabe–Ito palette (readable with the common colour
 * vision deficiencies, and in greyscale print by lightness); the
 * baseline's bar is grey, as in the TUI where it has a colour of its own.
 *
 * SVG text: cairo's SVG surface writes text as glyph outlines (a <symbol>
 * per glyph, per size), which a browser cannot search and which made each
 * chart about 100 kB. On an SVG surface the strings are therefore not
 * shown by cairo but logged, with the position, size, anchor and colour
 * the same layout gave them, and written as SVG <text> in DejaVu Sans: the
 * lines, bars and whiskers are cairo's, the text is real text, and a
 * chart is a few kB. cairo's ids (clip1, surface5) are the same in every
 * chart it writes; an HTML page inlines many charts into one document,
 * where ids are shared, so plot_svg prefixes them.
 *
 * cairo and fontconfig keep fonts in caches for the life of the process,
 * and some of it is unreachable at exit, which leak checkers report. The
 * first drawing registers an exit handler that empties both (a program
 * that draws holds no cairo object at exit: every surface here is
 * destroyed before its function returns).
 */
#include "plot.h"
#include "util.h"

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define FONT "DejaVu Sans"

/* Points. */
enum {
	MARGIN = 14,
	BARS_W = 560,
	LINES_W = 520,
	ROW_H = 20,        /* one bar's row */
	BAR_T = 12,        /* a bar's thickness */
	PLOT_H = 170,      /* the line chart's plot area */
	NODATA_H = 56,
};
static const double title_pt = 13, sub_pt = 9.5, label_pt = 10, tick_pt = 8.5, foot_pt = 7.5;

struct rgb {
	double r, g, b;
};

#define RGB(x) { ((x) >> 16 & 0xff) / 255.0, ((x) >> 8 & 0xff) / 255.0, ((x) & 0xff) / 255.0 }
static const struct rgb palette[] = {
	RGB(0x0072B2), RGB(0xE69F00), RGB(0x009E73), RGB(0xCC79A7),
	RGB(0x56B4E9), RGB(0xD55E00), RGB(0x000000),
};
static const struct rgb ink = RGB(0x222222), muted = RGB(0x666666), gridc = RGB(0xDDDDDD),
	basec = RGB(0x9A9A9A), white = RGB(0xFFFFFF);

/* ---- building ---- */

struct plot *plot_new(enum plot_kind kind, const char *id, const char *title)
{
	struct plot *p = xcalloc(1, sizeof *p);
	p->kind = kind;
	p->id = xstrdup(id);
	p->title = xstrdup(title);
	return p;
}

void plot_free(struct plot *p)
{
	if (!p)
		return;
	free(p->id);
	free(p->title);
	free(p->subtitle);
	free(p->axis);
	free(p->footer);
	free(p->nodata);
	for (size_t i = 0; i < p->nsegs; i++)
		free(p->segs[i]);
	free(p->segs);
	for (size_t i = 0; i < p->nbars; i++) {
		free(p->bars[i].label);
		free(p->bars[i].seg);
		free(p->bars[i].value);
	}
	free(p->bars);
	for (size_t i = 0; i < p->nlines; i++) {
		free(p->lines[i].label);
		free(p->lines[i].y);
	}
	free(p->lines);
	for (size_t i = 0; i < p->nxlabels; i++)
		free(p->xlabels[i]);
	free(p->xlabels);
	free(p->xaxis);
	free(p);
}

void plot_set(char **field, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	free(*field);
	*field = s;
}

void plot_segments(struct plot *p, const char *const *names, size_t n)
{
	p->segs = xcalloc(n ? n : 1, sizeof *p->segs);
	for (size_t i = 0; i < n; i++)
		p->segs[i] = xstrdup(names[i]);
	p->nsegs = n;
}

static size_t nsegs(const struct plot *p)
{
	return p->nsegs ? p->nsegs : 1;
}

struct plot_bar *plot_add_bar(struct plot *p, const char *label, const double *seg, double ci)
{
	p->bars = xreallocarray(p->bars, p->nbars + 1, sizeof *p->bars);
	struct plot_bar *b = &p->bars[p->nbars++];
	*b = (struct plot_bar){ .label = xstrdup(label), .ci = ci };
	b->seg = xmalloc(nsegs(p) * sizeof *b->seg);
	memcpy(b->seg, seg, nsegs(p) * sizeof *b->seg);
	return b;
}

struct plot_line *plot_add_line(struct plot *p, const char *label, const double *y, size_t n)
{
	p->lines = xreallocarray(p->lines, p->nlines + 1, sizeof *p->lines);
	struct plot_line *l = &p->lines[p->nlines++];
	*l = (struct plot_line){ .label = xstrdup(label), .n = n };
	l->y = xmalloc((n ? n : 1) * sizeof *l->y);
	if (n)
		memcpy(l->y, y, n * sizeof *l->y);
	return l;
}

void plot_categories(struct plot *p, const char *const *labels, size_t n, const char *xaxis)
{
	p->xlabels = xcalloc(n ? n : 1, sizeof *p->xlabels);
	for (size_t i = 0; i < n; i++)
		p->xlabels[i] = xstrdup(labels[i]);
	p->nxlabels = n;
	p->xaxis = xaxis ? xstrdup(xaxis) : NULL;
}

/* The sum of a bar's finite segments; NAN when it has none. */
static double bar_total(const struct plot *p, const struct plot_bar *b)
{
	double t = NAN;
	for (size_t k = 0; k < nsegs(p); k++)
		if (isfinite(b->seg[k]))
			t = isnan(t) ? b->seg[k] : t + b->seg[k];
	return t;
}

int plot_has_data(const struct plot *p)
{
	for (size_t i = 0; i < p->nbars; i++)
		if (isfinite(bar_total(p, &p->bars[i])))
			return 1;
	for (size_t i = 0; i < p->nlines; i++)
		for (size_t k = 0; k < p->lines[i].n; k++)
			if (isfinite(p->lines[i].y[k]))
				return 1;
	return 0;
}

const char *plot_fmt(double v, char *buf, size_t len)
{
	if (!isfinite(v)) {
		snprintf(buf, len, "-");
		return buf;
	}
	static const char suffix[] = " kMGTP";
	double a = fabs(v);
	int i = 0;
	/* Round thousands take a suffix too, so an axis reads 5M, not 5000k. */
	while ((a >= 9999.5 || (a >= 1000 && fmod(a, 1000) == 0)) && i < 5) {
		a /= 1000;
		v /= 1000;
		i++;
	}
	int n;
	if (a >= 100 || a == 0 || (i == 0 && a == floor(a)))
		n = snprintf(buf, len, "%.0f", v);
	else if (a >= 10)
		n = snprintf(buf, len, "%.1f", v);
	else if (a >= 1)
		n = snprintf(buf, len, "%.2f", v);
	else
		n = snprintf(buf, len, "%.3g", v);
	/* "2.50" reads as more precise than it is, "10.0k" as odd. */
	if (n > 0 && (size_t)n < len && strchr(buf, '.') && !strchr(buf, 'e')) {
		while (n > 0 && buf[n - 1] == '0')
			buf[--n] = '\0';
		if (n > 0 && buf[n - 1] == '.')
			buf[--n] = '\0';
	}
	if (i && n > 0 && (size_t)n + 1 < len) {
		buf[n] = suffix[i];
		buf[n + 1] = '\0';
	}
	return buf;
}

/* ---- text ---- */

struct textrec {
	double x, y, size;
	int bold, anchor;  /* anchor: 0 start, 1 middle, 2 end */
	struct rgb c;
	char *s;
};

/* What drawing writes to: a cairo context and, for SVG, the text log
 * that replaces cairo's glyphs. */
struct pen {
	cairo_t *cr;
	int log;
	struct textrec *t;
	size_t nt;
};

static void font(cairo_t *cr, double size, int bold)
{
	cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
}

static double text_w(cairo_t *cr, double size, int bold, const char *s)
{
	cairo_text_extents_t e;
	font(cr, size, bold);
	cairo_text_extents(cr, s, &e);
	return e.x_advance;
}

static void colour(cairo_t *cr, const struct rgb *c)
{
	cairo_set_source_rgb(cr, c->r, c->g, c->b);
}

static void text(struct pen *pn, double x, double y, double size, int bold, int anchor, const struct rgb *c,
    const char *s)
{
	if (pn->log) {
		pn->t = xreallocarray(pn->t, pn->nt + 1, sizeof *pn->t);
		pn->t[pn->nt++] = (struct textrec){ .x = x, .y = y, .size = size, .bold = bold, .anchor = anchor,
			.c = *c, .s = xstrdup(s) };
		return;
	}
	double w = text_w(pn->cr, size, bold, s);
	colour(pn->cr, c);
	cairo_move_to(pn->cr, x - (anchor == 1 ? w / 2 : anchor == 2 ? w : 0), y);
	cairo_show_text(pn->cr, s);
}

static void release_caches(void)
{
	cairo_debug_reset_static_data();
	FcFini();
}

/* Called before any cairo call that may load a font (drawing happens on
 * one thread: the CLI's, or the interface's). */
static void caches_once(void)
{
	static int registered;
	if (!registered) {
		registered = 1;
		atexit(release_caches);
	}
}

/* A context for measuring only. */
static cairo_t *measure_cr(cairo_surface_t **s)
{
	*s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
	return cairo_create(*s);
}

static void setup_cr(cairo_t *cr)
{
	caches_once();
	cairo_font_options_t *fo = cairo_font_options_create();
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_set_font_options(cr, fo);
	cairo_font_options_destroy(fo);
}

/* ---- layout ---- */

struct legend_item {
	double x, y;
	const char *text;
	const struct rgb *c;
};

struct layout {
	double w, h;
	double y_title, y_sub;        /* baselines: the title, the subtitle's first line */
	char **sub;                   /* the subtitle wrapped into lines */
	size_t nsub;
	struct legend_item *leg;      /* legend entries, placed */
	size_t nleg;
	double top;                   /* first row below the header */
	double x0, x1;                /* the plot area, horizontally */
	double y0, y1;                /* lines: the plot area, vertically */
	double vmin, vmax, step;      /* the value axis */
	double tmax, tstep;           /* lines: the time axis */
	double y_foot;
};

static void nice_axis(double lo, double hi, int ticks, double *min, double *max, double *step)
{
	if (!(hi > lo)) {
		hi = lo + (lo == 0 ? 1 : fabs(lo));
		if (lo > 0)
			lo = 0;
	}
	double raw = (hi - lo) / ticks;
	double p = pow(10, floor(log10(raw)));
	static const double m[] = { 1, 2, 2.5, 5, 10 };
	double s = 10 * p;
	for (size_t i = 0; i < ARRAY_SIZE(m); i++) {
		if (m[i] * p >= raw * 0.999999) {
			s = m[i] * p;
			break;
		}
	}
	*step = s;
	*min = floor(lo / s + 1e-9) * s;
	*max = ceil(hi / s - 1e-9) * s;
	if (*max <= *min)
		*max = *min + s;
}

static const struct rgb *line_colour(size_t i)
{
	return &palette[i % ARRAY_SIZE(palette)];
}

static const struct rgb *seg_colour(const struct plot *p, const struct plot_bar *b, size_t k)
{
	if (p->nsegs <= 1)
		return b->base ? &basec : &palette[0];
	return &palette[k % ARRAY_SIZE(palette)];
}

/* The text right of a bar. */
static char *bar_text(const struct plot *p, const struct plot_bar *b)
{
	if (b->value)
		return xstrdup(b->value);
	double t = bar_total(p, b);
	if (!isfinite(t))
		return xstrdup("no value");
	char v[32], c[32];
	plot_fmt(t, v, sizeof v);
	if (isfinite(b->ci) && b->ci > 0)
		return xasprintf("%s \xc2\xb1 %s", v, plot_fmt(b->ci, c, sizeof c));
	return xstrdup(v);
}

/* Splits text at blanks into lines no wider than width (a word longer
 * than that gets a line of its own). */
static size_t wrap(cairo_t *cr, double size, const char *text, double width, char ***out)
{
	char **lines = NULL;
	size_t n = 0;
	const char *s = text;
	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		size_t cut = strlen(s);
		for (;;) {
			_cleanup_free_ char *t = xstrndup(s, cut);
			if (text_w(cr, size, 0, t) <= width)
				break;
			size_t b = cut;
			while (b > 0 && s[b] != ' ')
				b--;
			if (!b)
				break;
			cut = b;
		}
		lines = xreallocarray(lines, n + 1, sizeof *lines);
		lines[n++] = xstrndup(s, cut);
		s += cut;
	}
	*out = lines;
	return n;
}

static void layout_free(struct layout *L)
{
	for (size_t i = 0; i < L->nsub; i++)
		free(L->sub[i]);
	free(L->sub);
	free(L->leg);
}

static void layout(const struct plot *p, cairo_t *cr, struct layout *L)
{
	*L = (struct layout){ 0 };
	L->w = p->kind == PLOT_BARS ? BARS_W : LINES_W;
	double y = MARGIN + title_pt;
	L->y_title = y;
	if (p->subtitle) {
		L->nsub = wrap(cr, sub_pt, p->subtitle, L->w - 2 * MARGIN, &L->sub);
		y += sub_pt + 6;
		L->y_sub = y;
		if (L->nsub > 1)
			y += (double)(L->nsub - 1) * (sub_pt + 3);
	}
	/* Legend: segments of stacked bars, or the lines. */
	size_t n = p->kind == PLOT_BARS ? (p->nsegs > 1 ? p->nsegs : 0) : p->nlines;
	if (p->nodata)
		n = 0;
	if (n) {
		L->leg = xcalloc(n, sizeof *L->leg);
		double x = MARGIN;
		y += tick_pt + 8;
		for (size_t i = 0; i < n; i++) {
			const char *s = p->kind == PLOT_BARS ? p->segs[i] : p->lines[i].label;
			double w = 14 + text_w(cr, tick_pt, 0, s) + 12;
			if (x > MARGIN && x + w > L->w - MARGIN) {
				x = MARGIN;
				y += tick_pt + 5;
			}
			L->leg[L->nleg++] = (struct legend_item){ x, y, s,
				p->kind == PLOT_BARS ? &palette[i % ARRAY_SIZE(palette)] : line_colour(i) };
			x += w;
		}
	}
	L->top = y + 10;
	if (p->nodata) {
		L->y_foot = L->top + NODATA_H + foot_pt;
		L->h = L->y_foot + MARGIN - 4;
		return;
	}
	if (p->kind == PLOT_BARS) {
		double lw = 0, vw = 0, lo = 0, hi = 0;
		for (size_t i = 0; i < p->nbars; i++) {
			const struct plot_bar *b = &p->bars[i];
			double w = text_w(cr, label_pt, b->base, b->label);
			lw = w > lw ? w : lw;
			_cleanup_free_ char *v = bar_text(p, b);
			w = text_w(cr, tick_pt, 0, v);
			vw = w > vw ? w : vw;
			double t = bar_total(p, b), ci = isfinite(b->ci) ? b->ci : 0;
			if (isfinite(t)) {
				hi = t + ci > hi ? t + ci : hi;
				lo = t - ci < lo ? t - ci : lo;
			}
		}
		lw = lw > 170 ? 170 : lw;
		vw = vw > 170 ? 170 : vw;
		L->x0 = MARGIN + lw + 8;
		L->x1 = L->w - MARGIN - vw - 8;
		/* Whiskers of positive values may reach below 0: the axis starts at 0
		 * unless a value itself is negative. */
		int negative = 0;
		for (size_t i = 0; i < p->nbars; i++)
			negative |= bar_total(p, &p->bars[i]) < 0;
		nice_axis(negative ? lo : 0, hi, 5, &L->vmin, &L->vmax, &L->step);
		L->y1 = L->top + (double)p->nbars * ROW_H;
		y = L->y1 + 4 + tick_pt + 2;
		if (p->axis)
			y += label_pt + 4;
	} else {
		double lo = 0, hi = 0;
		size_t tn = 1;
		for (size_t i = 0; i < p->nlines; i++) {
			const struct plot_line *l = &p->lines[i];
			tn = l->n > tn ? l->n : tn;
			for (size_t k = 0; k < l->n; k++) {
				if (!isfinite(l->y[k]))
					continue;
				hi = l->y[k] > hi ? l->y[k] : hi;
				lo = l->y[k] < lo ? l->y[k] : lo;
			}
		}
		if (p->ymax > hi)
			hi = p->ymax;
		nice_axis(lo, hi, 4, &L->vmin, &L->vmax, &L->step);
		double tmin;
		if (p->nxlabels) {
			/* Categories at 1..n, half a step of room either side. */
			L->tmax = (double)p->nxlabels + 0.5;
			L->tstep = 1;
		} else {
			nice_axis(0, (double)tn, 6, &tmin, &L->tmax, &L->tstep);
			if (L->tstep < 1) {
				L->tstep = 1;
				L->tmax = ceil(L->tmax);
			}
		}
		double yw = 0;
		for (double v = L->vmin; v <= L->vmax + L->step / 2; v += L->step) {
			char buf[32];
			double w = text_w(cr, tick_pt, 0, plot_fmt(fabs(v) < L->step / 1e6 ? 0 : v, buf, sizeof buf));
			yw = w > yw ? w : yw;
		}
		L->x0 = MARGIN + yw + 6;
		L->x1 = L->w - MARGIN - 6;
		L->y0 = L->top + (p->axis ? tick_pt + 6 : 0);
		L->y1 = L->y0 + PLOT_H;
		y = L->y1 + 4 + tick_pt + 2 + label_pt + 4;
	}
	L->y_foot = y + foot_pt + 4;
	L->h = L->y_foot + MARGIN - 4;
}

void plot_size(const struct plot *p, double *w, double *h)
{
	cairo_surface_t *s;
	cairo_t *cr = measure_cr(&s);
	setup_cr(cr);
	struct layout L;
	layout(p, cr, &L);
	layout_free(&L);
	cairo_destroy(cr);
	cairo_surface_destroy(s);
	*w = L.w;
	*h = ceil(L.h);
}

/* ---- drawing ---- */

static double vx(const struct layout *L, double v)
{
	return L->x0 + (v - L->vmin) / (L->vmax - L->vmin) * (L->x1 - L->x0);
}

static double vy(const struct layout *L, double v)
{
	return L->y1 - (v - L->vmin) / (L->vmax - L->vmin) * (L->y1 - L->y0);
}

static double tx(const struct layout *L, double t)
{
	return L->x0 + t / L->tmax * (L->x1 - L->x0);
}

static void stroke(cairo_t *cr, double x0, double y0, double x1, double y1, const struct rgb *c, double w)
{
	colour(cr, c);
	cairo_set_line_width(cr, w);
	cairo_move_to(cr, x0, y0);
	cairo_line_to(cr, x1, y1);
	cairo_stroke(cr);
}

static void hline(cairo_t *cr, double x0, double x1, double y, const struct rgb *c, double w)
{
	stroke(cr, x0, y, x1, y, c, w);
}

static void vline(cairo_t *cr, double x, double y0, double y1, const struct rgb *c, double w)
{
	stroke(cr, x, y0, x, y1, c, w);
}

/* Shortens text to fit width, with an ellipsis. */
static char *fit(cairo_t *cr, double size, int bold, const char *s, double width)
{
	char *t = xstrdup(s);
	size_t n = strlen(t);
	while (n > 1 && text_w(cr, size, bold, t) > width) {
		do
			n--;
		while (n > 1 && ((unsigned char)t[n] & 0xc0) == 0x80);
		free(t);
		_cleanup_free_ char *head = xstrndup(s, n);
		t = xasprintf("%s\xe2\x80\xa6", head);
	}
	return t;
}

static void draw_bars(const struct plot *p, const struct layout *L, struct pen *pn)
{
	cairo_t *cr = pn->cr;
	char buf[32];
	/* Grid and ticks first, so bars lie on top. */
	for (double v = L->vmin; v <= L->vmax + L->step / 2; v += L->step) {
		double x = vx(L, v);
		vline(cr, x, L->top - 2, L->y1 + 2, &gridc, 0.6);
		text(pn, x, L->y1 + 4 + tick_pt, tick_pt, 0, 1, &muted,
		    plot_fmt(fabs(v) < L->step / 1e6 ? 0 : v, buf, sizeof buf));
	}
	vline(cr, vx(L, 0), L->top - 2, L->y1 + 2, &muted, 0.9);
	if (p->axis)
		text(pn, (L->x0 + L->x1) / 2, L->y1 + 4 + tick_pt + 2 + label_pt + 2, label_pt * 0.9, 0, 1, &muted, p->axis);
	for (size_t i = 0; i < p->nbars; i++) {
		const struct plot_bar *b = &p->bars[i];
		double yc = L->top + (double)i * ROW_H + ROW_H / 2.0;
		_cleanup_free_ char *label = fit(cr, label_pt, b->base, b->label, L->x0 - 8 - MARGIN);
		text(pn, L->x0 - 8, yc + label_pt * 0.35, label_pt, b->base, 2, &ink, label);
		double at = 0, neg = 0;
		for (size_t k = 0; k < nsegs(p); k++) {
			double v = b->seg[k];
			if (!isfinite(v) || v == 0)
				continue;
			double from = v >= 0 ? at : neg, to = from + v;
			if (v >= 0)
				at = to;
			else
				neg = to;
			double xa = vx(L, from < to ? from : to), xb = vx(L, from < to ? to : from);
			colour(cr, seg_colour(p, b, k));
			cairo_rectangle(cr, xa, yc - BAR_T / 2.0, xb - xa, BAR_T);
			cairo_fill(cr);
			if (p->nsegs > 1 && xb - xa > 1.5) {
				/* A thin white seam keeps adjacent segments apart. */
				vline(cr, xb, yc - BAR_T / 2.0, yc + BAR_T / 2.0, &white, 0.8);
			}
		}
		double t = bar_total(p, b), end = isfinite(t) ? t : 0;
		if (isfinite(t) && isfinite(b->ci) && b->ci > 0) {
			/* A whisker past the axis (a CI of a positive value reaching
			 * below 0) stops at the axis without its cap. */
			double lo = t - b->ci, hi = t + b->ci;
			double xa = vx(L, lo < L->vmin ? L->vmin : lo), xb = vx(L, hi > L->vmax ? L->vmax : hi);
			hline(cr, xa, xb, yc, &ink, 1.0);
			if (lo >= L->vmin)
				vline(cr, xa, yc - 4, yc + 4, &ink, 1.0);
			if (hi <= L->vmax)
				vline(cr, xb, yc - 4, yc + 4, &ink, 1.0);
			end = t + b->ci;
		}
		_cleanup_free_ char *v = bar_text(p, b);
		double xt = vx(L, end > 0 ? end : 0) + 5;
		text(pn, xt, yc + tick_pt * 0.35, tick_pt, 0, 0, isfinite(t) ? &ink : &muted, v);
	}
}

static void draw_lines(const struct plot *p, const struct layout *L, struct pen *pn)
{
	cairo_t *cr = pn->cr;
	char buf[32];
	for (double v = L->vmin; v <= L->vmax + L->step / 2; v += L->step) {
		double y = vy(L, v);
		hline(cr, L->x0, L->x1, y, &gridc, 0.6);
		text(pn, L->x0 - 4, y + tick_pt * 0.35, tick_pt, 0, 2, &muted,
		    plot_fmt(fabs(v) < L->step / 1e6 ? 0 : v, buf, sizeof buf));
	}
	for (size_t i = 0; i < p->nxlabels; i++) {
		double x = tx(L, (double)(i + 1));
		vline(cr, x, L->y1, L->y1 + 3, &muted, 0.8);
		text(pn, x, L->y1 + 4 + tick_pt, tick_pt, 0, 1, &muted, p->xlabels[i]);
	}
	for (double t = 0; !p->nxlabels && t <= L->tmax + L->tstep / 2; t += L->tstep) {
		double x = tx(L, t);
		vline(cr, x, L->y1, L->y1 + 3, &muted, 0.8);
		text(pn, x, L->y1 + 4 + tick_pt, tick_pt, 0, 1, &muted, plot_fmt(t, buf, sizeof buf));
	}
	hline(cr, L->x0, L->x1, vy(L, L->vmin > 0 ? L->vmin : 0), &muted, 0.9);
	text(pn, (L->x0 + L->x1) / 2, L->y1 + 4 + tick_pt + 2 + label_pt + 2, label_pt * 0.9, 0, 1, &muted,
	    p->nxlabels ? (p->xaxis ? p->xaxis : "") : "seconds since launch");
	if (p->axis)
		text(pn, L->x0, L->top + tick_pt, tick_pt, 0, 0, &muted, p->axis);
	cairo_save(cr);
	cairo_rectangle(cr, L->x0, L->y0 - 2, L->x1 - L->x0, L->y1 - L->y0 + 4);
	cairo_clip(cr);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
	for (size_t i = 0; i < p->nlines; i++) {
		const struct plot_line *l = &p->lines[i];
		colour(cr, line_colour(i));
		cairo_set_line_width(cr, 1.6);
		for (size_t k = 0; k < l->n; k++) {
			if (!isfinite(l->y[k]))
				continue;
			double x = tx(L, (double)(k + 1)), y = vy(L, l->y[k]);
			int prev = k > 0 && isfinite(l->y[k - 1]), next = k + 1 < l->n && isfinite(l->y[k + 1]);
			if (p->nxlabels) {
				/* A measured point: a dot, and a segment from the one before. */
				if (prev) {
					cairo_move_to(cr, tx(L, (double)k), vy(L, l->y[k - 1]));
					cairo_line_to(cr, x, y);
					cairo_stroke(cr);
				}
				cairo_arc(cr, x, y, 3.0, 0, 2 * M_PI);
				cairo_fill(cr);
			} else if (!prev && !next) {
				cairo_arc(cr, x, y, 2.0, 0, 2 * M_PI);
				cairo_fill(cr);
			} else if (!prev) {
				cairo_move_to(cr, x, y);
			} else {
				cairo_line_to(cr, x, y);
				if (!next)
					cairo_stroke(cr);
			}
		}
	}
	cairo_restore(cr);
}

static void draw(const struct plot *p, struct pen *pn)
{
	cairo_t *cr = pn->cr;
	setup_cr(cr);
	struct layout L;
	layout(p, cr, &L);
	colour(cr, &white);
	cairo_rectangle(cr, 0, 0, L.w, ceil(L.h));
	cairo_fill(cr);
	_cleanup_free_ char *title = fit(cr, title_pt, 1, p->title, L.w - 2 * MARGIN);
	text(pn, MARGIN, L.y_title, title_pt, 1, 0, &ink, title);
	for (size_t i = 0; i < L.nsub; i++)
		text(pn, MARGIN, L.y_sub + (double)i * (sub_pt + 3), sub_pt, 0, 0, &muted, L.sub[i]);
	for (size_t i = 0; i < L.nleg; i++) {
		const struct legend_item *g = &L.leg[i];
		colour(cr, g->c);
		if (p->kind == PLOT_BARS) {
			cairo_rectangle(cr, g->x, g->y - tick_pt + 1, 9, 9);
			cairo_fill(cr);
		} else {
			cairo_set_line_width(cr, 2.0);
			cairo_move_to(cr, g->x, g->y - tick_pt / 2 + 1);
			cairo_line_to(cr, g->x + 10, g->y - tick_pt / 2 + 1);
			cairo_stroke(cr);
		}
		text(pn, g->x + 14, g->y, tick_pt, 0, 0, &ink, g->text);
	}
	if (p->nodata) {
		cairo_set_line_width(cr, 0.8);
		colour(cr, &gridc);
		cairo_rectangle(cr, MARGIN, L.top, L.w - 2 * MARGIN, NODATA_H);
		cairo_stroke(cr);
		_cleanup_free_ char *msg = xasprintf("no data: %s", p->nodata);
		_cleanup_free_ char *m = fit(cr, label_pt, 0, msg, L.w - 2 * MARGIN - 16);
		text(pn, L.w / 2, L.top + NODATA_H / 2.0 + label_pt * 0.35, label_pt, 0, 1, &muted, m);
	} else if (p->kind == PLOT_BARS) {
		draw_bars(p, &L, pn);
	} else {
		draw_lines(p, &L, pn);
	}
	if (p->footer)
		text(pn, L.w - MARGIN, L.y_foot, foot_pt, 0, 2, &muted, p->footer);
	layout_free(&L);
}

/* ---- surfaces ---- */

struct buf {
	char *data;
	size_t len, cap;
};

static cairo_status_t buf_write(void *closure, const unsigned char *data, unsigned int len)
{
	struct buf *b = closure;
	if (b->len + len + 1 > b->cap) {
		b->cap = (b->len + len + 1) * 2;
		b->data = xrealloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return CAIRO_STATUS_SUCCESS;
}

static void pen_free(struct pen *pn)
{
	for (size_t i = 0; i < pn->nt; i++)
		free(pn->t[i].s);
	free(pn->t);
}

/* Finishes a surface and checks that every drawing call worked. */
static int finish(cairo_t *cr, cairo_surface_t *s, const char *what, char **cause)
{
	cairo_status_t st = cairo_status(cr);
	cairo_destroy(cr);
	cairo_surface_finish(s);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(s);
	cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS)
		return err_set(cause, "%s: cairo: %s", what, cairo_status_to_string(st));
	return 0;
}

static void xml_escape(FILE *fp, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		default: fputc(*s, fp);
		}
	}
}

/* Copies cairo's SVG to fp with its ids prefixed, the title after the
 * opening tag and the text layer before the closing one. */
static void svg_rewrite(FILE *fp, const char *svg, const char *pfx, const struct plot *p, const struct pen *pn)
{
	const char *s = strstr(svg, "<svg");
	if (!s)
		s = svg;
	const char *open_end = strchr(s, '>');
	const char *close = open_end ? strstr(open_end, "</svg>") : NULL;
	if (!open_end || !close) {
		fputs(svg, fp);
		return;
	}
	fputs("<svg role=\"img\"", fp);
	fwrite(s + 4, 1, (size_t)(open_end - (s + 4)) + 1, fp);
	fputs("<title>", fp);
	xml_escape(fp, p->title);
	fputs("</title>", fp);
	static const char *const refs[] = { "id=\"", "href=\"#", "url(#" };
	for (const char *c = open_end + 1; c < close;) {
		size_t k;
		for (k = 0; k < ARRAY_SIZE(refs); k++)
			if (!strncmp(c, refs[k], strlen(refs[k])))
				break;
		if (k < ARRAY_SIZE(refs)) {
			fputs(refs[k], fp);
			fputs(pfx, fp);
			c += strlen(refs[k]);
		} else {
			fputc(*c++, fp);
		}
	}
	/* Verdana has DejaVu Sans's proportions (both descend from Vera's
	 * design): the closest fallback where DejaVu is not installed. */
	fputs("<g font-family=\"'" FONT "', Verdana, sans-serif\">\n", fp);
	for (size_t i = 0; i < pn->nt; i++) {
		const struct textrec *t = &pn->t[i];
		fprintf(fp, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%.2f\" fill=\"#%02x%02x%02x\"%s%s>", t->x, t->y,
		    t->size, (unsigned)lround(t->c.r * 255), (unsigned)lround(t->c.g * 255), (unsigned)lround(t->c.b * 255),
		    t->bold ? " font-weight=\"bold\"" : "",
		    t->anchor == 1 ? " text-anchor=\"middle\"" : t->anchor == 2 ? " text-anchor=\"end\"" : "");
		xml_escape(fp, t->s);
		fputs("</text>\n", fp);
	}
	fputs("</g>\n</svg>\n", fp);
}

char *plot_svg(const struct plot *p, const char *idprefix, char **cause)
{
	double w, h;
	plot_size(p, &w, &h);
	struct buf b = { 0 };
	cairo_surface_t *s = cairo_svg_surface_create_for_stream(buf_write, &b, w, h);
	cairo_svg_surface_restrict_to_version(s, CAIRO_SVG_VERSION_1_1);
	cairo_t *cr = cairo_create(s);
	struct pen pn = { .cr = cr, .log = 1 };
	draw(p, &pn);
	if (finish(cr, s, p->id, cause) < 0 || !b.data) {
		if (!b.data)
			err_set(cause, "%s: cairo wrote no SVG", p->id);
		pen_free(&pn);
		free(b.data);
		return NULL;
	}
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);
	if (!fp) {
		pen_free(&pn);
		free(b.data);
		err_errno(cause, "%s: open_memstream", p->id);
		return NULL;
	}
	svg_rewrite(fp, b.data, idprefix, p, &pn);
	fclose(fp);
	pen_free(&pn);
	free(b.data);
	return out;
}

int plot_png(const struct plot *p, double scale, char **data, size_t *len, char **cause)
{
	double w, h;
	plot_size(p, &w, &h);
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)ceil(w * scale), (int)ceil(h * scale));
	cairo_t *cr = cairo_create(s);
	cairo_scale(cr, scale, scale);
	struct pen pn = { .cr = cr };
	draw(p, &pn);
	struct buf b = { 0 };
	cairo_status_t st = cairo_status(cr);
	if (st == CAIRO_STATUS_SUCCESS) {
		cairo_surface_flush(s);
		st = cairo_surface_write_to_png_stream(s, buf_write, &b);
	}
	cairo_destroy(cr);
	cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS || !b.data) {
		free(b.data);
		return err_set(cause, "%s: cairo: %s", p->id, cairo_status_to_string(st));
	}
	*data = b.data;
	*len = b.len;
	return 0;
}

int plot_pdf(struct plot *const *p, size_t n, char **data, size_t *len, char **cause)
{
	if (!n)
		return err_set(cause, "no charts to write");
	double w, h;
	plot_size(p[0], &w, &h);
	struct buf b = { 0 };
	cairo_surface_t *s = cairo_pdf_surface_create_for_stream(buf_write, &b, w, h);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "isolab");
	cairo_t *cr = cairo_create(s);
	for (size_t i = 0; i < n; i++) {
		if (i) {
			plot_size(p[i], &w, &h);
			cairo_pdf_surface_set_size(s, w, h);
		}
		struct pen pn = { .cr = cr };
		draw(p[i], &pn);
		cairo_show_page(cr);
	}
	if (finish(cr, s, "PDF", cause) < 0 || !b.data) {
		if (!b.data)
			err_set(cause, "PDF: cairo wrote nothing");
		free(b.data);
		return -1;
	}
	*data = b.data;
	*len = b.len;
	return 0;
}

/*
 * plot.h — charts for reports, drawn with cairo from plain data, onto an
 * SVG, PNG or PDF surface by one piece of drawing code.
 *
 * A chart knows nothing of journals or runtimes: it is a title, labelled
 * horizontal bars (a bar is one value, or segments stacked left to right,
 * with an optional whisker around its total), or lines over seconds or
 * over named categories (a sweep's values). The
 * caller (figures.c for reports) fills it from wherever the numbers come
 * from. A chart without data carries the reason (plot.nodata) and is
 * drawn as a titled frame saying "no data: <reason>", never as zeros.
 *
 * Text is real text in DejaVu Sans (Debian's fonts-dejavu-core, found
 * through fontconfig by cairo's toy font API): PDF pages embed the font
 * with a Unicode map, so their text can be searched and copied. cairo's
 * SVG surface writes glyphs as outlines, which a browser cannot search, so
 * plot_svg adds each string once more as a transparent <text> element at
 * the same place, in the same font, and the chart's title as <title>.
 * Layout is computed with hinted metrics off, so every surface places text
 * identically.
 *
 * The plot owns every string and array in it (plot_free). Errors follow the
 * contract in util.h.
 */
#ifndef ISOLAB_PLOT_H
#define ISOLAB_PLOT_H

#include <stddef.h>

enum plot_kind { PLOT_BARS, PLOT_LINES };

struct plot_bar {
	char *label;        /* left of the bar */
	double *seg;        /* nsegs values stacked left to right; NAN is an absent segment */
	double ci;          /* whisker: half-width around the total; NAN: none */
	int base;           /* the reference bar (a run's baseline): its own colour */
	char *value;        /* text right of the bar; NULL: the total ± ci */
};

struct plot_line {
	char *label;        /* legend entry */
	double *y;          /* y[i] is the value in second i + 1; NAN is a gap */
	size_t n;
};

struct plot {
	enum plot_kind kind;
	char *id;           /* file name stem, unique within a set of charts ("metric-cpu-rate") */
	char *title;
	char *subtitle;     /* a line under the title: unit, what the whiskers are; or NULL */
	char *axis;         /* the value axis (bars) or the y axis (lines), or NULL */
	char *footer;       /* small, bottom right: where the numbers come from; or NULL */
	char *nodata;       /* non-NULL: there is nothing to draw, and this says why */
	char **segs;        /* bars: segment names (a legend when there are several) */
	size_t nsegs;
	struct plot_bar *bars;
	size_t nbars;
	struct plot_line *lines;
	size_t nlines;
	double ymax;        /* lines: the top of the y axis (shared by related charts); 0: fit */
	char **xlabels;     /* lines: y[i] is at the category xlabels[i] (a sweep's values),
	                     * drawn with a dot each, instead of second i + 1; NULL: seconds */
	size_t nxlabels;
	char *xaxis;        /* lines with xlabels: the x axis's name */
};

/* A new chart; id and title are copied. Free with plot_free. */
struct plot *plot_new(enum plot_kind kind, const char *id, const char *title);
void plot_free(struct plot *p);
/* Sets a string field (subtitle, axis, footer, nodata) to a formatted copy. */
void plot_set(char **field, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Names the bar segments (copied); call before adding bars. */
void plot_segments(struct plot *p, const char *const *names, size_t n);
/* Adds a bar with nsegs values from seg (copied; one value when the plot
 * has no segment names). Returns it, owned by p. */
struct plot_bar *plot_add_bar(struct plot *p, const char *label, const double *seg, double ci);
/* Adds a line of n values (copied). Returns it, owned by p. */
struct plot_line *plot_add_line(struct plot *p, const char *label, const double *y, size_t n);
/* Lines over categories instead of seconds: n labels, copied, and the x axis's name. */
void plot_categories(struct plot *p, const char *const *labels, size_t n, const char *xaxis);
/* Whether any bar or line has a finite value. */
int plot_has_data(const struct plot *p);

/* The chart's size in points (1/72 in) on every surface. */
void plot_size(const struct plot *p, double *w, double *h);
/* An <svg> element for an HTML page (no XML declaration): ids are
 * prefixed with idprefix so several charts can share a page. Returns a
 * malloc'd string, or NULL with cause. */
char *plot_svg(const struct plot *p, const char *idprefix, char **cause);
/* A PNG image at scale pixels per point; *data is malloc'd (the caller's). */
int plot_png(const struct plot *p, double scale, char **data, size_t *len, char **cause);
/* A PDF document, one chart per page sized to the chart; *data is malloc'd. */
int plot_pdf(struct plot *const *p, size_t n, char **data, size_t *len, char **cause);
/* v formatted for a chart: at most four digits, with k, M or G from 10000
 * on (and for round thousands), no trailing zeros ("2594", "11k", "2346k",
 * "5M", "2.5", "0.0123"). */
const char *plot_fmt(double v, char *buf, size_t len);

#endif

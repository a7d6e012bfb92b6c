/*
 * table.c — the table widget.
 */
#include "config.h"
#include "draw.h"
#include "table.h"

#include <string.h>

void table_scroll(struct table *tb, int h)
{
	if (h < 1)
		h = 1;
	if (!tb->nrows) {
		tb->sel = tb->top = 0;
		return;
	}
	if (tb->sel >= tb->nrows)
		tb->sel = tb->nrows - 1;
	if (tb->sel < tb->top)
		tb->top = tb->sel;
	if (tb->sel >= tb->top + (size_t)h)
		tb->top = tb->sel - (size_t)h + 1;
	if (tb->top + (size_t)h > tb->nrows)
		tb->top = tb->nrows > (size_t)h ? tb->nrows - (size_t)h : 0;
}

int table_key(struct table *tb, int key, int h)
{
	size_t page = h > 1 ? (size_t)h - 1 : 1;
	switch (key) {
	case KEY_UP: case 'k':
		if (tb->sel > 0)
			tb->sel--;
		break;
	case KEY_DOWN: case 'j':
		if (tb->sel + 1 < tb->nrows)
			tb->sel++;
		break;
	case KEY_PPAGE:
		tb->sel = tb->sel > page ? tb->sel - page : 0;
		break;
	case KEY_NPAGE:
		tb->sel = tb->sel + page < tb->nrows ? tb->sel + page : (tb->nrows ? tb->nrows - 1 : 0);
		break;
	case KEY_HOME: case 'g':
		tb->sel = 0;
		break;
	case KEY_END: case 'G':
		tb->sel = tb->nrows ? tb->nrows - 1 : 0;
		break;
	default:
		return 0;
	}
	table_scroll(tb, h);
	return 1;
}

/* Widths of the columns laid out in w; the flex column takes the rest. */
static void layout(const struct table *tb, int w, int *out)
{
	int fixed = 0, flex = -1;
	for (int c = 0; c < tb->ncols; c++) {
		out[c] = tb->cols[c].width;
		if (tb->cols[c].flex && flex < 0)
			flex = c;
		else
			fixed += out[c] + 1;
	}
	if (flex >= 0) {
		int rest = w - fixed - 1;
		out[flex] = rest > tb->cols[flex].width ? rest : tb->cols[flex].width;
	}
}

static void draw_cell(int y, int x, int cw, int right, attr_t attr, const char *s)
{
	int sw = draw_width(s);
	if (right && sw < cw) {
		draw_fill(y, x, cw - sw, attr);
		draw_text(y, x + cw - sw, sw, attr, 0, s);
	} else {
		draw_text(y, x, cw, attr, 1, s);
	}
}

void table_draw(struct table *tb, const struct rect *r, int header, table_cell_fn cell, void *arg)
{
	int widths[64];
	if (tb->ncols > 64)
		return;
	layout(tb, r->w, widths);
	int y = r->y;
	int rows = r->h - (header ? 1 : 0);
	if (header) {
		draw_fill(y, r->x, r->w, th(TH_HEADER));
		int x = r->x;
		for (int c = 0; c < tb->ncols && x < r->x + r->w; c++) {
			int cw = widths[c];
			if (x + cw > r->x + r->w)
				cw = r->x + r->w - x;
			attr_t a = c == tb->sort_col ? th(TH_HEADER_SORTED) : th(TH_HEADER);
			draw_cell(y, x, cw, tb->cols[c].right, a, tb->cols[c].title);
			x += widths[c] + 1;
		}
		y++;
	}
	table_scroll(tb, rows);
	char buf[512];
	for (int i = 0; i < rows; i++) {
		size_t row = tb->top + (size_t)i;
		if (row >= tb->nrows) {
			draw_fill(y + i, r->x, r->w, th(TH_NORMAL));
			continue;
		}
		int selected = row == tb->sel;
		attr_t base = selected ? th(tb->focus ? TH_SELECTED : TH_SELECTED_INACTIVE) : th(TH_NORMAL);
		draw_fill(y + i, r->x, r->w, base);
		if (tb->span && tb->span(arg, row)) {
			attr_t a = base;
			buf[0] = 0;
			cell(arg, row, -1, buf, sizeof buf, &a);
			draw_text(y + i, r->x, r->w, selected ? base : a, 1, buf);
			continue;
		}
		int x = r->x;
		for (int c = 0; c < tb->ncols && x < r->x + r->w; c++) {
			int cw = widths[c];
			if (x + cw > r->x + r->w)
				cw = r->x + r->w - x;
			attr_t a = base;
			buf[0] = 0;
			cell(arg, row, c, buf, sizeof buf, &a);
			if (selected)
				a = base;
			draw_cell(y + i, x, cw, tb->cols[c].right, a, buf);
			x += widths[c] + 1;
		}
	}
}

long table_hit(const struct table *tb, const struct rect *r, int header, int y)
{
	int first = r->y + (header ? 1 : 0);
	if (y < first || y >= r->y + r->h)
		return -1;
	size_t row = tb->top + (size_t)(y - first);
	return row < tb->nrows ? (long)row : -1;
}

int table_col_hit(const struct table *tb, const struct rect *r, int x)
{
	int widths[64];
	if (tb->ncols > 64)
		return -1;
	layout(tb, r->w, widths);
	int cx = r->x;
	for (int c = 0; c < tb->ncols; c++) {
		if (x >= cx && x < cx + widths[c] + 1)
			return c;
		cx += widths[c] + 1;
	}
	return -1;
}

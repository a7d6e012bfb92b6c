/*
 * table.h — a scrolling table with a header, a selection and a sorted
 * column, drawn through a cell callback so that the data never has to be
 * copied into the widget. Only visible rows are formatted.
 */
#ifndef ISOLAB_TABLE_H
#define ISOLAB_TABLE_H

#include <stddef.h>
#include "tui.h"

struct table_col {
	const char *title;
	int width;      /* columns; the flex column takes what is left */
	int right;      /* right-aligned (numbers) */
	int flex;
};

struct table {
	const struct table_col *cols;
	int ncols;
	size_t nrows;
	size_t sel;     /* selected row */
	size_t top;     /* first visible row */
	int sort_col;   /* highlighted in the header; -1 for none */
	int focus;      /* the selection uses the active colour */
	/* Optional: rows for which this returns 1 are one cell spanning the
	 * width (group headers); the cell callback gets col -1 for them. */
	int (*span)(void *arg, size_t row);
};

/* Fills buf with the text of (row, col); may change *attr (starts as the
 * row's normal or selected attribute). */
typedef void (*table_cell_fn)(void *arg, size_t row, int col, char *buf, size_t len, attr_t *attr);

/* Keeps sel inside the rows and visible in h rows. */
void table_scroll(struct table *tb, int h);
/* Moves the selection for a navigation key (arrows, j/k, PgUp/PgDn,
 * Home/End, g/G); returns 1 when the key was one of those. */
int table_key(struct table *tb, int key, int h);
/* Draws the header (when header is set) and the visible rows into r. */
void table_draw(struct table *tb, const struct rect *r, int header, table_cell_fn cell, void *arg);
/* The row at screen line y, or -1 (for mouse clicks). */
long table_hit(const struct table *tb, const struct rect *r, int header, int y);
/* The column at screen column x, or -1 (header clicks sort). */
int table_col_hit(const struct table *tb, const struct rect *r, int x);

#endif

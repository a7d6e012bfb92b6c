/*
 * dialog.c — modal yes/no, input and menu dialogs.
 */
#include "config.h"
#include "dialog.h"
#include "draw.h"
#include "util.h"

#include <string.h>

enum dialog_kind { DIALOG_CONFIRM, DIALOG_INPUT, DIALOG_MENU };

struct dialog {
	enum dialog_kind kind;
	char *title, *text;
	char input[256];
	size_t len;
	int secret;          /* an input shown as '*' and wiped when closed */
	char **items;
	size_t nitems, sel, top;
	dialog_done_fn done;
	void *arg;
};

static struct dialog *dialog_new(struct tui *t, enum dialog_kind kind, const char *title, dialog_done_fn done,
    void *arg)
{
	dialog_close(t);
	struct dialog *d = xcalloc(1, sizeof *d);
	d->kind = kind;
	d->title = xstrdup(title);
	d->done = done;
	d->arg = arg;
	t->dialog = d;
	t->damage |= DAMAGE_ALL;
	return d;
}

static void dialog_free(struct dialog *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nitems; i++)
		free(d->items[i]);
	free(d->items);
	free(d->title);
	free(d->text);
	explicit_bzero(d->input, sizeof d->input);
	free(d);
}

void dialog_close(struct tui *t)
{
	dialog_free(t->dialog);
	t->dialog = NULL;
	t->damage |= DAMAGE_ALL;
}

void dialog_confirm(struct tui *t, const char *title, const char *text, dialog_done_fn done, void *arg)
{
	struct dialog *d = dialog_new(t, DIALOG_CONFIRM, title, done, arg);
	d->text = xstrdup(text);
}

void dialog_input(struct tui *t, const char *title, const char *prompt, const char *initial,
    dialog_done_fn done, void *arg)
{
	struct dialog *d = dialog_new(t, DIALOG_INPUT, title, done, arg);
	d->text = xstrdup(prompt);
	snprintf(d->input, sizeof d->input, "%s", initial ? initial : "");
	d->len = strlen(d->input);
}

void dialog_secret(struct tui *t, const char *title, const char *prompt, dialog_done_fn done, void *arg)
{
	struct dialog *d = dialog_new(t, DIALOG_INPUT, title, done, arg);
	d->text = xstrdup(prompt);
	d->secret = 1;
}

void dialog_menu(struct tui *t, const char *title, const char *const *items, size_t n, size_t sel,
    dialog_done_fn done, void *arg)
{
	struct dialog *d = dialog_new(t, DIALOG_MENU, title, done, arg);
	d->items = xcalloc(n ? n : 1, sizeof *d->items);
	for (size_t i = 0; i < n; i++)
		d->items[i] = xstrdup(items[i]);
	d->nitems = n;
	d->sel = sel < n ? sel : 0;
}

static void finish(struct tui *t, int ok)
{
	struct dialog *d = t->dialog;
	t->dialog = NULL;
	t->damage |= DAMAGE_ALL;
	if (d->done)
		d->done(t, ok, d->sel, d->kind == DIALOG_INPUT ? d->input : NULL, d->arg);
	dialog_free(d);
}

int dialog_key(struct tui *t, int key)
{
	struct dialog *d = t->dialog;
	if (!d)
		return TUI_IGNORED;
	if (key == 27 || (d->kind != DIALOG_INPUT && key == 'q')) {
		finish(t, 0);
		return TUI_HANDLED | TUI_REDRAW_ALL;
	}
	switch (d->kind) {
	case DIALOG_CONFIRM:
		if (key == 'y' || key == 'Y')
			finish(t, 1);
		else if (key == 'n' || key == 'N' || key == '\n' || key == KEY_ENTER || key == '\r')
			finish(t, 0);
		break;
	case DIALOG_INPUT:
		if (key == '\n' || key == '\r' || key == KEY_ENTER) {
			finish(t, 1);
		} else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
			if (d->len)
				d->input[--d->len] = 0;
		} else if (key == 21) { /* ^U */
			d->len = 0;
			d->input[0] = 0;
		} else if (key >= 32 && key < 127 && d->len + 1 < sizeof d->input) {
			d->input[d->len++] = (char)key;
			d->input[d->len] = 0;
		}
		break;
	case DIALOG_MENU:
		if (key == KEY_UP || key == 'k') {
			if (d->sel)
				d->sel--;
		} else if (key == KEY_DOWN || key == 'j') {
			if (d->sel + 1 < d->nitems)
				d->sel++;
		} else if (key == KEY_HOME) {
			d->sel = 0;
		} else if (key == KEY_END) {
			d->sel = d->nitems ? d->nitems - 1 : 0;
		} else if (key == '\n' || key == '\r' || key == KEY_ENTER) {
			finish(t, 1);
		}
		break;
	}
	t->damage |= DAMAGE_ALL;
	return TUI_HANDLED;
}

/* Breaks text into lines of at most w columns at spaces (a longer word is
 * cut); stores up to max line starts and lengths, returns the line count. */
static int wrap(const char *text, int w, const char **start, int *len, int max)
{
	int n = 0;
	const char *p = text;
	while (*p && n < max) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		const char *line = p, *brk = NULL;
		int cols = 0;
		while (*p && *p != '\n') {
			if (*p == ' ')
				brk = p;
			if (cols >= w)
				break;
			cols += (*p & 0xc0) != 0x80; /* one column per UTF-8 character */
			p++;
		}
		if (*p && *p != '\n' && brk && brk > line)
			p = brk;
		start[n] = line;
		len[n++] = (int)(p - line);
		if (*p == '\n')
			p++;
	}
	return n;
}

#define DIALOG_MAX_LINES 8

void dialog_draw(struct tui *t)
{
	struct dialog *d = t->dialog;
	if (!d)
		return;
	int w = 50, h;
	if (d->kind == DIALOG_MENU) {
		for (size_t i = 0; i < d->nitems; i++) {
			int iw = draw_width(d->items[i]) + 6;
			w = iw > w ? iw : w;
		}
		h = (int)d->nitems + 4;
	} else {
		int tw = draw_width(d->text) + 4;
		w = tw > w ? tw : w;
		h = d->kind == DIALOG_INPUT ? 6 : 5;
	}
	if (w > 76 && d->kind == DIALOG_CONFIRM)
		w = 76; /* a long question wraps rather than spanning a wide terminal */
	if (w > t->cols - 2)
		w = t->cols - 2;
	const char *lstart[DIALOG_MAX_LINES];
	int llen[DIALOG_MAX_LINES], nlines = 1;
	if (d->kind == DIALOG_CONFIRM) {
		nlines = wrap(d->text, w - 4, lstart, llen, DIALOG_MAX_LINES);
		h = 4 + (nlines ? nlines : 1);
	}
	if (h > t->rows - 2)
		h = t->rows - 2;
	int y = (t->rows - h) / 2, x = (t->cols - w) / 2;
	attr_t body = th(TH_DIALOG);
	for (int i = 0; i < h; i++)
		draw_fill(y + i, x, w, body);
	draw_box(y, x, h, w, body, NULL, t->utf8);
	draw_fill(y, x + 1, w - 2, th(TH_DIALOG_TITLE));
	draw_printf(y, x + 2, w - 4, th(TH_DIALOG_TITLE), "%s", d->title);
	switch (d->kind) {
	case DIALOG_CONFIRM:
		for (int i = 0; i < nlines && 2 + i < h - 2; i++)
			draw_printf(y + 2 + i, x + 2, w - 4, body, "%.*s", llen[i], lstart[i]);
		draw_text(y + h - 2, x + 2, w - 4, body | A_BOLD, 0, "[y] yes   [n/Esc] no");
		break;
	case DIALOG_INPUT:
		draw_text(y + 2, x + 2, w - 4, body, 0, d->text);
		draw_fill(y + 3, x + 2, w - 4, th(TH_INPUT));
		{
			/* Show the end of a long input. */
			size_t room = (size_t)(w - 5);
			const char *s = d->len > room ? d->input + d->len - room : d->input;
			if (d->secret) { /* as many stars as characters typed, never the text */
				char stars[sizeof d->input];
				size_t n = d->len > room ? room : d->len;
				memset(stars, '*', n);
				stars[n] = '\0';
				draw_printf(y + 3, x + 2, w - 4, th(TH_INPUT), "%s_", stars);
			} else {
				draw_printf(y + 3, x + 2, w - 4, th(TH_INPUT), "%s_", s);
			}
		}
		draw_text(y + 4, x + 2, w - 4, body | A_DIM, 0, "Enter: accept   Esc: cancel   ^U: clear");
		break;
	case DIALOG_MENU: {
		int rows = h - 4;
		if (d->sel < d->top)
			d->top = d->sel;
		if (rows > 0 && d->sel >= d->top + (size_t)rows)
			d->top = d->sel - (size_t)rows + 1;
		for (int i = 0; i < rows; i++) {
			size_t k = d->top + (size_t)i;
			if (k >= d->nitems)
				break;
			attr_t a = k == d->sel ? th(TH_SELECTED) : body;
			draw_fill(y + 2 + i, x + 2, w - 4, a);
			draw_text(y + 2 + i, x + 3, w - 6, a, 0, d->items[k]);
		}
		break;
	}
	}
}

/*
 * screen-help.c — the help overlay (F1 or ?): the keys every screen
 * shares, then the current screen's own, straight from the class tables
 * so that help can never drift from what the handlers do.
 */
#include "config.h"
#include "draw.h"
#include "screens.h"
#include "tui.h"

#include <stdio.h>

const struct help_key help_global_keys[] = {
	{ "1 2 3 4 5 6", "Setup, Dashboard, Processes, Results, Messages, Labs ([ and ] cycle, F2 Setup)" },
	{ "F1, ?", "this help (any other key closes it)" },
	{ "t", "switch to the next theme (themes/*.theme)" },
	{ "q, F10, ^C", "quit; during a run, asks first, then tears the run down" },
	{ "^L", "repaint the terminal" },
	{ "mouse", "click a tab or a key hint; wheel help_scrolls" },
	{ NULL, NULL },
};

static int help_scroll;

static void section(int *y, int end, int x, int w, const char *title, const struct help_key *keys, int skip)
{
	if (*y >= end)
		return;
	draw_text(*y, x, w, th(TH_HEADER), 1, title);
	(*y)++;
	for (const struct help_key *k = keys; k && k->key; k++) {
		if (skip-- > 0)
			continue;
		if (*y >= end)
			return;
		draw_fill(*y, x, w, th(TH_NORMAL));
		draw_text(*y, x + 1, 16, th(TH_KEY), 0, k->key);
		draw_text(*y, x + 18, w - 19, th(TH_NORMAL), 0, k->what);
		(*y)++;
	}
}

void help_draw(struct tui *t, const struct rect *r)
{
	int w = r->w - 4 < 100 ? r->w - 4 : 100;
	int x = r->x + (r->w - w) / 2;
	int h = r->h - 2;
	int y = r->y + 1;
	for (int i = 0; i < h; i++)
		draw_fill(y + i, x, w, th(TH_NORMAL));
	draw_box(y, x, h, w, th(TH_BORDER_FOCUS), "Help", t->utf8);
	int end = y + h - 1;
	int yy = y + 1;
	char title[80];
	const struct screen_class *sc = tui_screen(t->screen);
	snprintf(title, sizeof title, " %s screen", sc->name);
	section(&yy, end, x + 1, w - 2, title, sc->help, help_scroll);
	if (yy < end)
		yy++;
	section(&yy, end, x + 1, w - 2, " Every screen", help_global_keys, 0);
	if (yy < end)
		draw_text(end - 1, x + 2, w - 4, th(TH_DIM), 0, "Esc closes; Up/Down help_scroll; man isolab has the rest");
}

int help_key(struct tui *t, int key)
{
	if (key == KEY_DOWN || key == 'j') {
		help_scroll++;
		return TUI_REDRAW;
	}
	if (key == KEY_UP || key == 'k') {
		if (help_scroll)
			help_scroll--;
		return TUI_REDRAW;
	}
	help_scroll = 0;
	return 0;
}

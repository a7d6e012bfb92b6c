/*
 * screen-messages.c — every message of the session, oldest first: the
 * engine's EV_LOG events, failed instances, and the TUI's own notices.
 * Nothing is dropped, so a warning that flashed by during a run can be
 * read here afterwards; the tab shows how many warnings are unseen.
 */
#include "config.h"
#include "draw.h"
#include "screens.h"
#include "table.h"
#include "tui.h"
#include "util.h"

#include <stdio.h>
#include <time.h>

struct msgs {
	struct table tb;
	int follow;                /* keep the newest in view */
	struct rect rect;
};

static const struct table_col msg_cols[] = {
	{ "Time", 8, 0, 0 }, { "Level", 7, 0, 0 }, { "Message", 20, 0, 1 },
};

static void msgs_init(struct tui *t)
{
	t->msgs = xcalloc(1, sizeof *t->msgs);
	t->msgs->tb = (struct table){ .cols = msg_cols, .ncols = 3, .sort_col = -1, .focus = 1 };
	t->msgs->follow = 1;
}

static void msgs_done(struct tui *t)
{
	free(t->msgs);
	t->msgs = NULL;
}

void messages_seen(struct tui *t)
{
	if (t->live.unseen) {
		t->live.unseen = 0;
		t->damage |= DAMAGE_TOP;
	}
}

static void msg_cell(void *arg, size_t row, int col, char *buf, size_t len, attr_t *attr)
{
	struct tui *t = arg;
	const struct live_msg *m = &t->live.msgs[row];
	static const char *const levels[] = { "info", "warning", "error" };
	int lv = m->level >= 0 && m->level <= 2 ? m->level : 0;
	if (lv == LOG_ERROR)
		*attr = th(TH_ERROR);
	else if (lv == LOG_WARN)
		*attr = th(TH_WARN);
	switch (col) {
	case 0: {
		struct tm tm;
		localtime_r(&m->when, &tm);
		strftime(buf, len, "%H:%M:%S", &tm);
		break;
	}
	case 1: snprintf(buf, len, "%s", levels[lv]); break;
	case 2: snprintf(buf, len, "%s", m->text); break;
	}
}

static void msgs_draw(struct tui *t, const struct rect *r)
{
	struct msgs *m = t->msgs;
	m->tb.nrows = t->live.nmsgs;
	if (m->follow && m->tb.nrows)
		m->tb.sel = m->tb.nrows - 1;
	m->rect = *r;
	table_draw(&m->tb, r, 1, msg_cell, t);
	if (!t->live.nmsgs)
		draw_text(r->y + 2, r->x + 2, r->w - 4, th(TH_DIM), 0, "no messages");
}

static int msgs_key(struct tui *t, int key)
{
	struct msgs *m = t->msgs;
	m->tb.nrows = t->live.nmsgs;
	if (table_key(&m->tb, key, m->rect.h - 1)) {
		m->follow = m->tb.nrows == 0 || m->tb.sel + 1 >= m->tb.nrows;
		return TUI_REDRAW;
	}
	return TUI_IGNORED;
}

static const struct help_key msgs_help[] = {
	{ "Up/Down j/k", "scroll; PgUp/PgDn, Home/End jump" },
	{ "End, G", "follow new messages" },
	{ NULL, NULL },
};

static const struct help_key msgs_bar[] = {
	{ "End", "Follow" }, { NULL, NULL },
};

const struct screen_class screen_messages = {
	.name = "Messages",
	.init = msgs_init,
	.done = msgs_done,
	.draw = msgs_draw,
	.key = msgs_key,
	.help = msgs_help,
	.bar = msgs_bar,
	.live_mask = LIVE_MSGS,
};

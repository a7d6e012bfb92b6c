/*
 * screen-labs.c — the Labs screen: the lab scenarios of the configuration
 * (experiments with a title, a question and an explanation), one to read
 * and start, and after its run, the verdict and what was measured next to
 * the explanation and the published findings.
 *
 * A lab starts like any experiment (a deep copy goes to tui_start_run), so
 * the dashboard and processes screens follow it as usual. When the run
 * ends, labs_run_ended builds the report from the journal and judges the
 * lab's expect rules (base/lab.c); the loop then comes back here rather
 * than to the Results screen. Verdicts are kept per lab for the session.
 */
#include "config.h"
#include "draw.h"
#include "journal.h"
#include "lab.h"
#include "report.h"
#include "screens.h"
#include "tui.h"
#include "util.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct lab_result {
	char *run_id;
	enum lab_outcome outcome;
	char **lines;            /* "[agreed] claim", then "  measured" */
	size_t nlines;
};

struct labs {
	const struct experiment **labs;
	size_t n;
	size_t sel, top;
	int scroll;              /* of the text pane */
	int running;             /* index of the lab whose run is in progress, or -1 */
	int show_after;          /* a lab's run just ended: come back here */
	struct lab_result *res;  /* per lab, run_id NULL until judged */
};

static void result_clear(struct lab_result *r)
{
	free(r->run_id);
	for (size_t i = 0; i < r->nlines; i++)
		free(r->lines[i]);
	free(r->lines);
	memset(r, 0, sizeof *r);
}

static void labs_init(struct tui *t)
{
	struct labs *l = xcalloc(1, sizeof *l);
	l->running = -1;
	for (size_t i = 0; i < t->cfg.nexperiments; i++) {
		const struct experiment *x = &t->cfg.experiments[i];
		if (!experiment_is_lab(x) || !x->explanation)
			continue;
		l->labs = xreallocarray(l->labs, l->n + 1, sizeof *l->labs);
		l->labs[l->n++] = x;
	}
	l->res = xcalloc(l->n ? l->n : 1, sizeof *l->res);
	t->labs = l;
}

static void labs_done(struct tui *t)
{
	struct labs *l = t->labs;
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		result_clear(&l->res[i]);
	free(l->res);
	free(l->labs);
	free(l);
	t->labs = NULL;
}

static void push_line(struct lab_result *r, char *line)
{
	r->lines = xreallocarray(r->lines, r->nlines + 1, sizeof *r->lines);
	r->lines[r->nlines++] = line;
}

void labs_run_ended(struct tui *t, const char *run_dir)
{
	struct labs *l = t->labs;
	if (!l || l->running < 0)
		return;
	size_t i = (size_t)l->running;
	l->running = -1;
	struct lab_result *res = &l->res[i];
	result_clear(res);
	char *cause = NULL;
	struct journal_read jr = { 0 };
	struct report rep = { 0 };
	if (!run_dir || report_build_dir(run_dir, NULL, &jr, &rep, &cause) < 0) {
		tui_status(t, "lab: %s", cause ? cause : "the run left no journal");
		free(cause);
		journal_read_free(&jr);
		return;
	}
	struct lab_verdict v;
	lab_verdict(l->labs[i], &rep, &v);
	res->run_id = xstrdup(rep.run_id);
	res->outcome = v.outcome;
	for (size_t k = 0; k < v.nchecks; k++) {
		push_line(res, xasprintf("[%s] %s", lab_outcome_name(v.checks[k].outcome), v.checks[k].claim));
		push_line(res, xasprintf("    %s", v.checks[k].measured));
	}
	if (!v.nchecks)
		push_line(res, xstrdup("This lab has no verdict rule: compare the Results screen with the findings."));
	lab_verdict_free(&v);
	report_free(&rep);
	journal_read_free(&jr);
	l->sel = i;
	l->scroll = 0;
	l->show_after = 1;
	t->damage |= DAMAGE_BODY;
}

int labs_take_screen(struct tui *t)
{
	struct labs *l = t->labs;
	if (!l || !l->show_after)
		return 0;
	l->show_after = 0;
	return 1;
}

/* ---- drawing ---- */

/* Text laid out in the pane: wrapped lines with their attributes. */
struct layout {
	char **text;
	attr_t *attr;
	size_t n;
};

static void lay(struct layout *o, attr_t a, const char *s)
{
	o->text = xreallocarray(o->text, o->n + 1, sizeof *o->text);
	o->attr = xreallocarray(o->attr, o->n + 1, sizeof *o->attr);
	o->text[o->n] = xstrdup(s);
	o->attr[o->n++] = a;
}

/* Wraps s at spaces to w columns (bytes; the texts are ASCII or close). */
static void lay_wrap(struct layout *o, attr_t a, const char *indent, const char *s, int w)
{
	int iw = (int)strlen(indent);
	int room = w - iw > 10 ? w - iw : 10;
	while (*s) {
		while (*s == ' ')
			s++;
		int n = (int)strlen(s), cut = n;
		if (n > room) {
			cut = room;
			while (cut > 0 && s[cut] != ' ')
				cut--;
			if (!cut)
				cut = room;
		}
		char *line = xasprintf("%s%.*s", indent, cut, s);
		lay(o, a, line);
		free(line);
		s += cut;
	}
}

static void layout_free(struct layout *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->text[i]);
	free(o->text);
	free(o->attr);
}

static char *join_names(char **v)
{
	size_t len = 1;
	for (char **p = v; p && *p; p++)
		len += strlen(*p) + 2;
	char *s = xcalloc(len, 1);
	for (char **p = v; p && *p; p++) {
		if (p != v)
			strcat(s, ", ");
		strcat(s, *p);
	}
	return s;
}

static void build(const struct labs *l, const struct experiment *x, const struct lab_result *res, int w,
    struct layout *o)
{
	lay(o, th(TH_HEADER), x->title);
	lay_wrap(o, th(TH_NORMAL), "", x->question, w);
	char *rts = join_names(x->runtimes), *wls = join_names(x->workloads);
	char *what = xasprintf("%s: %s on %s, %u x %.0f s%s", experiment_kind_name(x->kind), wls, rts,
	    x->repetitions, x->duration, l->running >= 0 ? "" : "   (Enter starts it)");
	lay_wrap(o, th(TH_DIM), "", what, w);
	free(what);
	free(rts);
	free(wls);
	if (res->run_id) {
		lay(o, th(TH_NORMAL), "");
		attr_t va = res->outcome == LAB_AGREED ? th(TH_OK) : res->outcome == LAB_DISAGREED ? th(TH_WARN) : th(TH_INFO);
		char *head = xasprintf("Verdict: %s", lab_outcome_sentence(res->outcome));
		lay_wrap(o, va | A_BOLD, "", head, w);
		free(head);
		char *m = xasprintf("Measured on this machine (run %s)", res->run_id);
		lay(o, th(TH_HEADER), m);
		free(m);
		for (size_t i = 0; i < res->nlines; i++)
			lay_wrap(o, th(TH_NORMAL), i % 2 ? "      " : "  ", res->lines[i], w);
	}
	static const struct { const char *title; size_t off; } parts[] = {
		{ "How it works", offsetof(struct experiment, explanation) },
		{ "Published", offsetof(struct experiment, published) },
		{ "What to watch", offsetof(struct experiment, watch) },
	};
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		const char *text = *(char *const *)((const char *)x + parts[i].off);
		if (!text)
			continue;
		lay(o, th(TH_NORMAL), "");
		lay(o, th(TH_HEADER), parts[i].title);
		lay_wrap(o, th(TH_NORMAL), "  ", text, w);
	}
}

static int list_width(const struct rect *r)
{
	return r->w >= 100 ? 34 : 24;
}

static void labs_draw(struct tui *t, const struct rect *r)
{
	struct labs *l = t->labs;
	for (int i = 0; i < r->h; i++)
		draw_fill(r->y + i, r->x, r->w, th(TH_NORMAL));
	if (!l->n) {
		draw_text(r->y + 1, r->x + 2, r->w - 4, th(TH_DIM), 0,
		    "No labs: a lab is an experiment with a title, a question and an explanation (experiments/labs.conf).");
		return;
	}
	int lw = list_width(r);
	draw_box(r->y, r->x, r->h, lw, th(TH_BORDER_FOCUS), "Labs", t->utf8);
	int rows = r->h - 2;
	if (l->sel < l->top)
		l->top = l->sel;
	if (rows > 0 && l->sel >= l->top + (size_t)rows)
		l->top = l->sel - (size_t)rows + 1;
	for (int i = 0; i < rows && l->top + (size_t)i < l->n; i++) {
		size_t k = l->top + (size_t)i;
		attr_t a = k == l->sel ? th(TH_SELECTED) : th(TH_NORMAL);
		const char *mark = l->res[k].run_id ? (l->res[k].outcome == LAB_AGREED ? "+" :
		    l->res[k].outcome == LAB_DISAGREED ? "x" : "?") : (int)k == l->running ? ">" : " ";
		draw_fill(r->y + 1 + i, r->x + 1, lw - 2, a);
		draw_printf(r->y + 1 + i, r->x + 1, lw - 2, a, "%s %s", mark, l->labs[k]->title);
	}
	int x = r->x + lw + 1, w = r->w - lw - 2;
	struct layout o = { 0 };
	build(l, l->labs[l->sel], &l->res[l->sel], w, &o);
	int maxscroll = (int)o.n - r->h > 0 ? (int)o.n - r->h : 0;
	if (l->scroll > maxscroll)
		l->scroll = maxscroll;
	for (int i = 0; i < r->h && (size_t)(l->scroll + i) < o.n; i++)
		draw_text(r->y + i, x, w, o.attr[l->scroll + i], 0, o.text[l->scroll + i]);
	layout_free(&o);
}

/* ---- keys ---- */

static void start_lab(struct tui *t)
{
	struct labs *l = t->labs;
	if (t->engine) {
		tui_status(t, "a run is already in progress (see 2 Dashboard)");
		return;
	}
	struct experiment exp;
	experiment_copy(&exp, l->labs[l->sel]);
	l->running = (int)l->sel;
	if (tui_start_run(t, &exp) < 0)
		l->running = -1;
	else
		tui_status(t, "lab '%s' started; 6 comes back to it", l->labs[l->sel]->title);
}

static int labs_key(struct tui *t, int key)
{
	struct labs *l = t->labs;
	if (!l->n)
		return TUI_IGNORED;
	switch (key) {
	case KEY_UP: case 'k':
		if (l->sel > 0) {
			l->sel--;
			l->scroll = 0;
		}
		return TUI_REDRAW;
	case KEY_DOWN: case 'j':
		if (l->sel + 1 < l->n) {
			l->sel++;
			l->scroll = 0;
		}
		return TUI_REDRAW;
	case KEY_HOME:
		l->sel = 0;
		l->scroll = 0;
		return TUI_REDRAW;
	case KEY_END:
		l->sel = l->n - 1;
		l->scroll = 0;
		return TUI_REDRAW;
	case KEY_NPAGE: case ' ':
		l->scroll += t->body.h / 2;
		return TUI_REDRAW;
	case KEY_PPAGE:
		l->scroll = l->scroll > t->body.h / 2 ? l->scroll - t->body.h / 2 : 0;
		return TUI_REDRAW;
	case '\n': case '\r': case KEY_ENTER: case 's': case KEY_F(5):
		start_lab(t);
		return TUI_REDRAW_ALL;
	}
	return TUI_IGNORED;
}

static int labs_mouse(struct tui *t, const MEVENT *m, const struct rect *r)
{
	struct labs *l = t->labs;
	int lw = list_width(r);
	if (m->x >= r->x + lw || m->y <= r->y || m->y >= r->y + r->h - 1)
		return TUI_IGNORED;
	size_t k = l->top + (size_t)(m->y - r->y - 1);
	if (k < l->n) {
		if (k == l->sel && (m->bstate & BUTTON1_DOUBLE_CLICKED))
			start_lab(t);
		l->sel = k;
		l->scroll = 0;
	}
	return TUI_REDRAW;
}

static const struct help_key labs_help[] = {
	{ "Up/Down, j/k", "choose a lab" },
	{ "Enter, s, F5", "run the lab (the dashboard follows it; the verdict comes back here)" },
	{ "PgUp/PgDn, Space", "scroll the explanation" },
	{ "Home/End", "first / last lab" },
	{ NULL, NULL },
};

static const struct help_key labs_bar[] = {
	{ "Enter", "Run lab" },
	{ "Space", "Scroll" },
	{ NULL, NULL },
};

const struct screen_class screen_labs = {
	.name = "Labs",
	.init = labs_init,
	.done = labs_done,
	.draw = labs_draw,
	.key = labs_key,
	.mouse = labs_mouse,
	.help = labs_help,
	.bar = labs_bar,
	.live_mask = 0,
};

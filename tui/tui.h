/*
 * tui.h — the terminal user interface: shared state, screen classes and
 * the main loop's services.
 *
 * Like htop, each screen is a const class (screen-*.c) with designated
 * initialisers; its key and mouse handlers return a TUI_* mask so the loop
 * redraws only what changed. Like tmux, damage is a set of flags (top bar,
 * body, key bar, everything) consumed once per loop iteration. The screens
 * read the run only through struct live (live.h), which the loop folds
 * from engine events; nothing here touches engine state.
 */
#ifndef ISOLAB_TUI_H
#define ISOLAB_TUI_H

#include <curses.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "live.h"
#include "theme.h"

struct dialog;
struct engine;

/* Minimum terminal size; below it only "terminal too small" is drawn. */
#define TUI_MIN_COLS 60
#define TUI_MIN_ROWS 16

/* Handler results (htop's HandlerResult). */
enum {
	TUI_IGNORED = 0,
	TUI_HANDLED = 1 << 0,
	TUI_REDRAW = 1 << 1,    /* the screen's body changed */
	TUI_REDRAW_ALL = 1 << 2,/* bars too (screen switch, theme) */
};

/* Damage flags, consumed once per loop iteration. */
enum {
	DAMAGE_TOP = 1 << 0,
	DAMAGE_BODY = 1 << 1,
	DAMAGE_BAR = 1 << 2,
	DAMAGE_CLEAR = 1 << 3,  /* repaint the terminal from scratch (resize, theme) */
	DAMAGE_ALL = DAMAGE_TOP | DAMAGE_BODY | DAMAGE_BAR,
};

enum screen_id {
	SCREEN_SETUP, SCREEN_DASHBOARD, SCREEN_PROCESSES, SCREEN_RESULTS, SCREEN_MESSAGES, SCREEN_LABS,
	SCREEN__COUNT
};

struct rect {
	int y, x, h, w;
};

/* One key in help and in the bottom bar. */
struct help_key {
	const char *key;
	const char *what;
};

struct tui;

struct screen_class {
	const char *name;               /* tab label */
	void (*init)(struct tui *t);
	void (*done)(struct tui *t);
	void (*draw)(struct tui *t, const struct rect *r);
	int (*key)(struct tui *t, int key);
	/* A click or wheel event inside r (the body). */
	int (*mouse)(struct tui *t, const MEVENT *m, const struct rect *r);
	const struct help_key *help;    /* every key of the screen; ends with { NULL } */
	const struct help_key *bar;     /* bottom bar hints; ends with { NULL } */
	int live_mask;                  /* LIVE_* changes that damage its body */
};

extern const struct screen_class screen_setup, screen_dashboard, screen_processes,
    screen_results, screen_messages, screen_labs;

struct tui {
	struct config cfg;
	int cfg_in_use;                 /* a detached thread still reads cfg and xs: the exit frees them */
	struct executors *xs;           /* where runtimes run (--host), shared by the probes and the engine */
	const char *state_dir;
	struct theme *theme;
	char **themes;                  /* names found, for the live switch */
	size_t nthemes;
	int utf8;                       /* the locale is UTF-8: braille and box glyphs */
	int rows, cols;
	int screen;                     /* enum screen_id */
	int help;                       /* the help overlay is shown */
	int damage;
	int quit;                       /* leave the loop */
	int stopping;                   /* cancelled to quit: leave at EV_RUN_END */
	struct engine *engine;          /* NULL when no run is in progress */
	struct experiment exp;          /* the running experiment; the engine points into it */
	struct live live;
	struct dialog *dialog;          /* modal, or NULL */
	char status[200];               /* transient bottom-bar message */
	uint64_t status_until;
	uint64_t results_at;            /* when to show the finished run's results (0: not pending) */
	int wake[2];                    /* self-pipe: signals and the probe thread */
	struct rect body;
	/* Screen states, owned by their modules. */
	struct setup *setup;
	struct dash *dash;
	struct procs *procs;
	struct results *results;
	struct msgs *msgs;
	struct labs *labs;
};

/* What the command line gives the interface. */
struct tui_args {
	char *const *config_files;      /* -c FILE, in order */
	size_t nconfig_files;
	const char *state_dir;          /* NULL: the configuration's */
	const char *theme;              /* NULL: the configuration's */
	const char *host;               /* --host, or NULL */
	int accept_new_host_key;
	/* With first (else NULL), a run of it starts before the first frame,
	 * on the Dashboard, and takes first's contents as tui_start_run does;
	 * the caller clears first afterwards (nothing is left to clear once
	 * the run took it). Each of left_out (NULL-terminated, or NULL) is a
	 * runtime the run leaves out, "NAME: why", shown on the Messages
	 * screen. */
	struct experiment *first;
	char *const *left_out;
};

/* Runs the interactive interface until the person quits; the exit status.
 * When it cannot start (no terminal, a bad configuration or theme), *cause
 * says why and the caller prints it. */
int tui_main(const struct tui_args *a, char **cause);
/* Starts a run of exp, taking ownership of its strings and arrays (they are
 * freed with experiment_clear at the run's end). -1 and a message on error. */
int tui_start_run(struct tui *t, struct experiment *exp);
/* Quit: asks first when a run is in progress, then cancels it and leaves
 * once the engine has torn everything down. */
void tui_request_quit(struct tui *t);
void tui_set_screen(struct tui *t, int screen);
/* Shows msg in the bottom bar for a few seconds (and in the messages). */
void tui_status(struct tui *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Switches to the next theme found (or the named one); -1 when it cannot load. */
int tui_switch_theme(struct tui *t, const char *name);
/* Restores the terminal; safe to call twice and from the fatal paths. */
void tui_restore_terminal(void);
/* Sets up curses on the current terminal with t's theme (also used by bench/render). */
void tui_curses_setup(struct tui *t);
/* Draws every damaged region and refreshes (also used by bench/render). */
void tui_draw(struct tui *t);
/* The screen class of id. */
const struct screen_class *tui_screen(int id);

#endif

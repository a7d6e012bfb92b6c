/*
 * tui.c — the main loop of the interactive interface.
 *
 * One thread owns the terminal. It sleeps in poll() on three things: the
 * terminal (keys, mouse, resize), the engine's wakeup fd, and a self-pipe
 * written by signal handlers and the runtime-probe thread. Nothing in the
 * loop blocks, so a key is answered within one poll wake-up (well under
 * 50 ms) however busy the engine is.
 *
 * Drawing is driven by damage flags, as in tmux: handlers and engine
 * events set DAMAGE_TOP / BODY / BAR, and tui_draw() repaints only those
 * regions once per iteration, after every pending key and event has been
 * folded in. curses then sends only the cells that differ.
 *
 * The terminal is restored on every way out: the normal path, an engine
 * error, exit() (atexit), allocation failure (xalloc's fatal hook) and
 * fatal signals (the handler restores, then re-raises with the default
 * action so the exit status and core dump stay truthful).
 */
#include "config.h"
#include "tui.h"
#include "ask.h"
#include "dialog.h"
#include "draw.h"
#include "engine.h"
#include "executor.h"
#include "screens.h"
#include "ssh.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const struct screen_class *const screens[SCREEN__COUNT] = {
	[SCREEN_SETUP] = &screen_setup,
	[SCREEN_DASHBOARD] = &screen_dashboard,
	[SCREEN_PROCESSES] = &screen_processes,
	[SCREEN_RESULTS] = &screen_results,
	[SCREEN_MESSAGES] = &screen_messages,
	[SCREEN_LABS] = &screen_labs,
};

static volatile sig_atomic_t curses_on;
static volatile sig_atomic_t pending_signal;
static int wake_fd_w = -1;

/* Where the tabs and key hints were drawn, for mouse clicks. */
static int tab_x[SCREEN__COUNT + 1];
#define MAX_BAR 16
static struct { int x0, x1, key; } bar_hits[MAX_BAR];
static int nbar_hits;

const struct screen_class *tui_screen(int id)
{
	return id >= 0 && id < SCREEN__COUNT ? screens[id] : NULL;
}

void tui_restore_terminal(void)
{
	if (!curses_on)
		return;
	curses_on = 0;
	endwin();
}

/* The handlers the fatal signals had before ours (the default, or a
 * sanitizer's, which prints its report). */
static struct sigaction fatal_prev[NSIG];

static void fatal_signal(int sig)
{
	tui_restore_terminal();
	/* Back to the previous handler: returning re-runs the faulting
	 * instruction (or the raise below, once unblocked) into it. */
	sigaction(sig, &fatal_prev[sig], NULL);
	raise(sig);
}

static void quit_signal(int sig)
{
	int saved = errno;
	pending_signal = sig;
	if (wake_fd_w >= 0) {
		ssize_t w = write(wake_fd_w, "s", 1);
		(void)w;
	}
	errno = saved;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = fatal_signal;
	sa.sa_flags = SA_RESETHAND;
	int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT };
	for (size_t i = 0; i < ARRAY_SIZE(fatal); i++)
		sigaction(fatal[i], &sa, &fatal_prev[fatal[i]]);
	sa.sa_handler = quit_signal;
	sa.sa_flags = 0;
	int quit[] = { SIGINT, SIGTERM, SIGHUP };
	for (size_t i = 0; i < ARRAY_SIZE(quit); i++)
		sigaction(quit[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

void tui_curses_setup(struct tui *t)
{
	if (!stdscr)
		initscr();  /* bench/render brings its own terminal (newterm) */
	curses_on = 1;
	raw();          /* ^C and ^Z reach us as keys: quitting asks first */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	/* Home/End as tmux, screen and the Linux console send them, whatever
	 * TERM claims: a sequence curses does not know would arrive as loose
	 * characters, and "4~" would switch screens. */
	static const struct { const char *seq; int key; } extra_keys[] = {
		{ "\033[1~", KEY_HOME }, { "\033[7~", KEY_HOME }, { "\033[H", KEY_HOME }, { "\033OH", KEY_HOME },
		{ "\033[4~", KEY_END }, { "\033[8~", KEY_END }, { "\033[F", KEY_END }, { "\033OF", KEY_END },
		{ "\033[5~", KEY_PPAGE }, { "\033[6~", KEY_NPAGE }, { "\033[Z", KEY_BTAB },
	};
	for (size_t i = 0; i < ARRAY_SIZE(extra_keys); i++)
		define_key(extra_keys[i].seq, extra_keys[i].key);
	mousemask(ALL_MOUSE_EVENTS, NULL);
	mouseinterval(0);
	if (has_colors()) {
		start_color();
		use_default_colors();
	}
	theme_use(t->theme);
	/* Until a screen has been left once and come back to, this ncurses
	 * (6.4) takes itself to be in its initial state and flushes its
	 * output after every cursor move: about a hundred write(2)s a frame,
	 * each its own packet over SSH, and most of a frame's time. Leaving
	 * and coming back now makes a frame one or two writes. */
	endwin();
	doupdate();
	t->rows = LINES;
	t->cols = COLS;
	t->damage = DAMAGE_ALL | DAMAGE_CLEAR;
}

void tui_set_screen(struct tui *t, int screen)
{
	if (screen < 0 || screen >= SCREEN__COUNT)
		return;
	t->screen = screen;
	t->help = 0;
	if (screen == SCREEN_MESSAGES)
		messages_seen(t);
	t->damage |= DAMAGE_ALL;
}

void tui_status(struct tui *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->status, sizeof t->status, fmt, ap);
	va_end(ap);
	t->status_until = mono_ns() + 4000000000ULL;
	live_log(&t->live, LOG_INFO, "%s", t->status);
	t->damage |= DAMAGE_BAR;
}

int tui_switch_theme(struct tui *t, const char *name)
{
	if (!name) {
		if (!t->nthemes)
			return -1;
		size_t i = 0;
		for (; i < t->nthemes; i++)
			if (!strcmp(t->themes[i], theme_name(t->theme)))
				break;
		/* The next theme that loads: a broken one is said and passed
		 * over, or it would stop the cycle for good. */
		for (size_t k = 1; k <= t->nthemes; k++) {
			const char *next = t->themes[i < t->nthemes ? (i + k) % t->nthemes : k - 1];
			if (strcmp(next, theme_name(t->theme)) && tui_switch_theme(t, next) == 0)
				return 0;
		}
		return -1;
	}
	_cleanup_free_ char *path = theme_find(name);
	char *cause = NULL;
	struct theme *nt = path ? theme_load(path, &cause) : NULL;
	if (!nt) {
		if (cause)
			live_log(&t->live, LOG_ERROR, "theme: %s", cause);
		else
			live_log(&t->live, LOG_ERROR, "theme '%s' not found", name);
		free(cause);
		return -1;
	}
	theme_free(t->theme);
	t->theme = nt;
	if (curses_on)
		theme_use(nt);
	tui_status(t, "theme: %s", theme_name(nt));
	t->damage |= DAMAGE_ALL | DAMAGE_CLEAR;
	return 0;
}

/* ---- quitting ---- */

static void quit_confirmed(struct tui *t, int ok, size_t choice, const char *text, void *arg)
{
	if (!ok)
		return;
	if (t->engine && engine_running(t->engine)) {
		t->stopping = 1;
		engine_cancel(t->engine);
		tui_status(t, "stopping the run: tearing down its instances...");
	} else {
		t->quit = 1;
	}
}

void tui_request_quit(struct tui *t)
{
	if (t->stopping)
		return;
	if (t->engine && engine_running(t->engine)) {
		dialog_confirm(t, "Quit", "A run is in progress. Stop it and quit? (y/n)", quit_confirmed, NULL);
		return;
	}
	t->quit = 1;
}

/* ---- runs ---- */

int tui_start_run(struct tui *t, struct experiment *exp)
{
	if (t->engine) {
		tui_status(t, "a run is already in progress");
		experiment_clear(exp);
		return -1;
	}
	t->exp = *exp;
	memset(exp, 0, sizeof *exp);
	char *cause = NULL;
	t->engine = engine_new(&t->cfg, t->xs, t->state_dir, &cause);
	if (!t->engine || engine_start(t->engine, &t->exp, &cause) < 0) {
		live_log(&t->live, LOG_ERROR, "cannot start the run: %s", cause ? cause : "unknown error");
		tui_status(t, "cannot start the run: %s", cause ? cause : "unknown error");
		free(cause);
		engine_free(t->engine);
		t->engine = NULL;
		experiment_clear(&t->exp);
		return -1;
	}
	tui_set_screen(t, SCREEN_DASHBOARD);
	return 0;
}

static void run_ended(struct tui *t)
{
	engine_join(t->engine);
	engine_free(t->engine);
	t->engine = NULL;
	experiment_clear(&t->exp);
	if (t->stopping) {
		t->quit = 1;
		return;
	}
	results_refresh_runs(t);
	labs_run_ended(t, t->live.run_dir);
	/* Leave the final second on the dashboard a moment before the results. */
	if (t->live.run_dir && results_load(t, t->live.run_dir) == 0)
		t->results_at = mono_ns() + 1500000000ULL;
}

static void drain_engine(struct tui *t)
{
	struct engine_event *ev;
	int ended = 0;
	while (t->engine && (ev = engine_next_event(t->engine))) {
		int what = live_event(&t->live, ev);
		if (ev->type == EV_RUN_END)
			ended = 1;
		engine_event_free(ev);
		if (what & screens[t->screen]->live_mask)
			t->damage |= DAMAGE_BODY;
		if (what & (LIVE_PROGRESS | LIVE_MSGS | LIVE_END | LIVE_START))
			t->damage |= DAMAGE_TOP;
		if (t->screen == SCREEN_MESSAGES && (what & LIVE_MSGS))
			messages_seen(t);
	}
	if (ended)
		run_ended(t);
}

/* ---- drawing ---- */

static void draw_top(struct tui *t)
{
	draw_fill(0, 0, t->cols, th(TH_TITLE));
	int x = draw_text(0, 0, t->cols, th(TH_TITLE), 0, " isolab ");
	for (int i = 0; i < SCREEN__COUNT; i++) {
		char buf[48];
		if (i == SCREEN_MESSAGES && t->live.unseen)
			snprintf(buf, sizeof buf, " %d %s(%zu) ", i + 1, screens[i]->name, t->live.unseen);
		else
			snprintf(buf, sizeof buf, " %d %s ", i + 1, screens[i]->name);
		tab_x[i] = x;
		x += draw_text(0, x, t->cols - x, th(i == t->screen ? TH_TAB_ACTIVE : TH_TAB), 0, buf);
		x += draw_text(0, x, t->cols - x, th(TH_TITLE), 0, " ");
	}
	tab_x[SCREEN__COUNT] = x;
	char right[160], eta[32];
	const struct live *l = &t->live;
	if (t->stopping)
		snprintf(right, sizeof right, "stopping... ");
	else if (l->active)
		snprintf(right, sizeof right, "run %zu/%zu ETA %s ", l->done + (l->current >= 0), l->total,
		    draw_hms(live_eta(l), eta, sizeof eta));
	else
		snprintf(right, sizeof right, "%s ", theme_name(t->theme));
	int rw = draw_width(right);
	if (x + rw < t->cols)
		draw_text(0, t->cols - rw, rw, th(TH_TITLE), 0, right);
}

static const struct help_key global_bar[] = {
	{ "F1", "Help" }, { "t", "Theme" }, { "F10", "Quit" }, { NULL, NULL },
};

static int key_code(const char *k)
{
	if (k[0] == 'F' && k[1])
		return KEY_F(atoi(k + 1));
	if (!strcmp(k, "Enter"))
		return '\r';
	if (!strcmp(k, "Esc"))
		return 27;
	if (!strcmp(k, "Tab"))
		return '\t';
	if (!strcmp(k, "Space"))
		return ' ';
	return (unsigned char)k[0];
}

static void draw_bar(struct tui *t)
{
	int y = t->rows - 1;
	draw_fill(y, 0, t->cols, th(TH_NORMAL));
	nbar_hits = 0;
	if (t->status[0] && mono_ns() < t->status_until) {
		draw_text(y, 0, t->cols, th(TH_INFO) | A_BOLD, 1, t->status);
		return;
	}
	int x = 0;
	const struct help_key *lists[2] = { screens[t->screen]->bar, global_bar };
	for (int li = 0; li < 2; li++) {
		for (const struct help_key *k = lists[li]; k && k->key; k++) {
			int x0 = x;
			x += draw_text(y, x, t->cols - x, th(TH_KEY), 0, k->key);
			x += draw_text(y, x, t->cols - x, th(TH_KEY_LABEL), 0, k->what);
			x += draw_text(y, x, t->cols - x, th(TH_NORMAL), 0, " ");
			if (nbar_hits < MAX_BAR)
				bar_hits[nbar_hits++] = (typeof(bar_hits[0])){ x0, x, key_code(k->key) };
		}
	}
}

void tui_draw(struct tui *t)
{
	if (t->damage & DAMAGE_CLEAR) {
		clearok(curscr, TRUE);
		erase();
		t->damage |= DAMAGE_ALL;
	}
	if (t->rows < TUI_MIN_ROWS || t->cols < TUI_MIN_COLS) {
		erase();
		char msg[96];
		snprintf(msg, sizeof msg, "terminal too small (need %d%s%d)", TUI_MIN_COLS, t->utf8 ? "\xc3\x97" : "x",
		    TUI_MIN_ROWS);
		int w = draw_width(msg);
		draw_text(t->rows / 2, w < t->cols ? (t->cols - w) / 2 : 0, t->cols, th(TH_WARN), 0, msg);
		snprintf(msg, sizeof msg, "now %dx%d; q quits", t->cols, t->rows);
		w = draw_width(msg);
		if (t->rows > 1)
			draw_text(t->rows / 2 + 1, w < t->cols ? (t->cols - w) / 2 : 0, t->cols, th(TH_DIM), 0, msg);
		wnoutrefresh(stdscr);
		doupdate();
		t->damage = 0;
		return;
	}
	/* The engine journals how long frames take while a run loads the host. */
	uint64_t t0 = mono_ns();
	t->body = (struct rect){ .y = 1, .x = 0, .h = t->rows - 2, .w = t->cols };
	if (t->damage & DAMAGE_TOP)
		draw_top(t);
	if (t->damage & DAMAGE_BODY) {
		screens[t->screen]->draw(t, &t->body);
		if (t->help)
			help_draw(t, &t->body);
		dialog_draw(t);
	}
	if (t->damage & DAMAGE_BAR)
		draw_bar(t);
	wnoutrefresh(stdscr);
	doupdate();
	t->damage = 0;
	if (t->engine)
		engine_note_frame(t->engine, (double)(mono_ns() - t0) / 1e6);
}

/* ---- input ---- */

static int handle_key(struct tui *t, int key);

static void handle_mouse(struct tui *t)
{
	MEVENT m;
	if (getmouse(&m) != OK)
		return;
	if (t->dialog || t->rows < TUI_MIN_ROWS || t->cols < TUI_MIN_COLS)
		return;
	if (m.bstate & BUTTON4_PRESSED) {
		for (int i = 0; i < 3; i++)
			handle_key(t, KEY_UP);
		return;
	}
	if (m.bstate & BUTTON5_PRESSED) {
		for (int i = 0; i < 3; i++)
			handle_key(t, KEY_DOWN);
		return;
	}
	if (!(m.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)))
		return;
	if (m.y == 0) {
		for (int i = 0; i < SCREEN__COUNT; i++)
			if (m.x >= tab_x[i] && m.x < tab_x[i + 1])
				tui_set_screen(t, i);
		return;
	}
	if (m.y == t->rows - 1) {
		for (int i = 0; i < nbar_hits; i++)
			if (m.x >= bar_hits[i].x0 && m.x < bar_hits[i].x1)
				handle_key(t, bar_hits[i].key);
		return;
	}
	if (t->help) {
		t->help = 0;
		t->damage |= DAMAGE_BODY;
		return;
	}
	const struct screen_class *sc = screens[t->screen];
	if (sc->mouse) {
		int r = sc->mouse(t, &m, &t->body);
		if (r & TUI_REDRAW)
			t->damage |= DAMAGE_BODY;
		if (r & TUI_REDRAW_ALL)
			t->damage |= DAMAGE_ALL;
	}
}

static int handle_key(struct tui *t, int key);

/* The terminal's size, asked of it once per loop, besides curses' own
 * SIGWINCH: a resize whose signal curses never got (a parent started
 * isolab with SIGWINCH blocked) or handled only after a frame of the old
 * size went out would otherwise leave that frame on the screen until the
 * next key. One ioctl, cheaper than any frame. */
static void check_size(struct tui *t)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || !ws.ws_row || !ws.ws_col)
		return;
	if (ws.ws_row == LINES && ws.ws_col == COLS)
		return;
	resizeterm(ws.ws_row, ws.ws_col);
	handle_key(t, KEY_RESIZE);
}

static int handle_key(struct tui *t, int key)
{
	if (key == KEY_RESIZE) {
		t->rows = LINES;
		t->cols = COLS;
		t->damage |= DAMAGE_ALL | DAMAGE_CLEAR;
		return TUI_HANDLED;
	}
	if (key == KEY_MOUSE) {
		handle_mouse(t);
		return TUI_HANDLED;
	}
	if (key == 12) { /* ^L */
		t->damage |= DAMAGE_ALL | DAMAGE_CLEAR;
		return TUI_HANDLED;
	}
	if (key == 3) { /* ^C, in raw mode: the same as quit */
		tui_request_quit(t);
		return TUI_HANDLED;
	}
	if (t->dialog)
		return dialog_key(t, key);
	if (t->rows < TUI_MIN_ROWS || t->cols < TUI_MIN_COLS) {
		if (key == 'q' || key == KEY_F(10))
			tui_request_quit(t);
		return TUI_HANDLED;
	}
	if (t->help) {
		int r = help_key(t, key);
		if (!r) {
			t->help = 0;
			t->damage |= DAMAGE_BODY;
		} else {
			t->damage |= DAMAGE_BODY;
		}
		return TUI_HANDLED;
	}
	switch (key) {
	case KEY_F(1): case '?':
		t->help = 1;
		t->damage |= DAMAGE_BODY;
		return TUI_HANDLED;
	case KEY_F(10): case 'q':
		tui_request_quit(t);
		return TUI_HANDLED;
	case KEY_F(2): tui_set_screen(t, SCREEN_SETUP); return TUI_HANDLED;
	case '1': case '2': case '3': case '4': case '5': case '6':
		tui_set_screen(t, key - '1');
		return TUI_HANDLED;
	case ']':
		tui_set_screen(t, (t->screen + 1) % SCREEN__COUNT);
		return TUI_HANDLED;
	case '[':
		tui_set_screen(t, (t->screen + SCREEN__COUNT - 1) % SCREEN__COUNT);
		return TUI_HANDLED;
	case 't':
		tui_switch_theme(t, NULL);
		return TUI_HANDLED;
	}
	int r = screens[t->screen]->key(t, key);
	if (r & TUI_REDRAW)
		t->damage |= DAMAGE_BODY;
	if (r & TUI_REDRAW_ALL)
		t->damage |= DAMAGE_ALL;
	return r;
}

static void fatal_hook(void)
{
	tui_restore_terminal();
	fputs("isolab: out of memory\n", stderr);
}

/* ---- start and end ---- */

static struct theme *initial_theme(struct tui *t, const char *want, char **why)
{
	const char *name = want ? want : t->cfg.theme;
	if (!name || !*name)
		name = "default";
	_cleanup_free_ char *path = theme_find(name);
	char *cause = NULL;
	struct theme *th0 = path ? theme_load(path, &cause) : NULL;
	if (th0)
		return th0;
	if (want) {
		if (cause)
			*why = cause;
		else
			err_set(why, "unknown theme '%s' (themes live in %s/themes)", want, config_datadir());
		return NULL;
	}
	if (cause)
		live_log(&t->live, LOG_WARN, "theme: %s (using the built-in theme)", cause);
	else if (strcmp(name, "default"))
		live_log(&t->live, LOG_WARN, "theme '%s' not found (using the built-in theme)", name);
	free(cause);
	return theme_builtin();
}

int tui_main(const struct tui_args *a, char **cause)
{
	setlocale(LC_ALL, "");
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		err_set(cause, "the interactive interface needs a terminal (try 'isolab run' for a headless run)");
		return 2;
	}
	struct tui *t = xcalloc(1, sizeof *t);
	t->wake[0] = t->wake[1] = -1;
	if (config_load(&t->cfg, a->config_files, a->nconfig_files, cause) < 0) {
		free(t);
		return 2;
	}
	t->state_dir = a->state_dir ? a->state_dir : t->cfg.state_dir;
	t->xs = executors_new(&t->cfg);
	executors_set_default_host(t->xs, a->host);
	executors_set_prompts(t->xs, &(struct ssh_prompts){ .accept_new_host_key = a->accept_new_host_key });
	live_init(&t->live, &t->cfg);
	size_t nleft_out = 0;
	for (; a->left_out && a->left_out[nleft_out]; nleft_out++)
		live_log(&t->live, LOG_WARN, "left out %s", a->left_out[nleft_out]);
	t->theme = initial_theme(t, a->theme, cause);
	if (!t->theme) {
		live_free(&t->live);
		executors_free(t->xs);
		config_free(&t->cfg);
		free(t);
		return 2;
	}
	t->nthemes = theme_list(&t->themes);
	const char *cs = nl_langinfo(CODESET);
	t->utf8 = cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
	if (pipe2(t->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		err_errno(cause, "cannot create a pipe");
		theme_free(t->theme);
		live_free(&t->live);
		executors_free(t->xs);
		config_free(&t->cfg);
		free(t);
		return 1;
	}
	wake_fd_w = t->wake[1];
	ask_init(t);

	xalloc_set_fatal_hook(fatal_hook);
	atexit(tui_restore_terminal);
	install_signals();
	tui_curses_setup(t);
	for (int i = 0; i < SCREEN__COUNT; i++)
		if (screens[i]->init)
			screens[i]->init(t);
	results_refresh_runs(t);
	if (a->first && tui_start_run(t, a->first) == 0 && nleft_out)
		tui_status(t, "%zu runtime%s cannot run here and %s left out: 5 Messages says why", nleft_out,
		    nleft_out == 1 ? "" : "s", nleft_out == 1 ? "is" : "are");

	while (!t->quit) {
		if (t->status[0] && mono_ns() >= t->status_until) {
			t->status[0] = 0;
			t->damage |= DAMAGE_BAR;
		}
		if (t->results_at && mono_ns() >= t->results_at) {
			t->results_at = 0;
			if (t->screen == SCREEN_DASHBOARD && !t->engine)
				tui_set_screen(t, labs_take_screen(t) ? SCREEN_LABS : SCREEN_RESULTS);
		}
		ask_poll(t);
		check_size(t);
		if (t->damage)
			tui_draw(t);
		struct pollfd pfd[3] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = t->wake[0], .events = POLLIN },
			{ .fd = t->engine ? engine_wakeup_fd(t->engine) : -1, .events = POLLIN },
		};
		/* Wake at least once a second while running, for the ETA countdown. */
		int timeout = t->results_at ? 200 : t->engine || t->status[0] ? 500 : 2000;
		int n = poll(pfd, 3, timeout);
		if (n < 0 && errno != EINTR)
			break;
		if (pfd[1].revents & POLLIN) {
			char buf[64];
			while (read(t->wake[0], buf, sizeof buf) > 0)
				;
			setup_poll_probes(t);
		}
		if (pending_signal) {
			int sig = pending_signal;
			pending_signal = 0;
			if (sig == SIGINT) {
				tui_request_quit(t);
			} else if (t->engine && engine_running(t->engine)) {
				/* Nobody is there to answer: stop the run, then leave. */
				ask_shutdown(t);
				t->stopping = 1;
				engine_cancel(t->engine);
			} else {
				t->quit = 1;
			}
			t->damage |= DAMAGE_ALL;
		}
		int key;
		while ((key = getch()) != ERR) {
			if (key == 27) {
				/* An escape sequence curses did not recognise: drop it whole
				 * rather than act on its characters. A lone Esc is a key. */
				int next = getch();
				if (next == '[' || next == 'O') {
					int c;
					while ((c = getch()) != ERR && !(c >= 0x40 && c <= 0x7e))
						;
					continue;
				}
				handle_key(t, 27);
				if (next != ERR)
					handle_key(t, next);
				continue;
			}
			handle_key(t, key);
		}
		drain_engine(t);
		if (t->engine && t->live.active)
			t->damage |= DAMAGE_TOP; /* the ETA counts down */
	}

	/* No thread may stay blocked on a question nobody will answer. */
	ask_shutdown(t);
	/* Leaving with a run still going (a signal while stopping): tear it down. */
	if (t->engine) {
		engine_cancel(t->engine);
		engine_free(t->engine);
		t->engine = NULL;
		experiment_clear(&t->exp);
	}
	dialog_close(t);
	tui_restore_terminal();
	for (int i = 0; i < SCREEN__COUNT; i++)
		if (screens[i]->done)
			screens[i]->done(t);
	xalloc_set_fatal_hook(NULL);
	wake_fd_w = -1;
	close(t->wake[0]);
	close(t->wake[1]);
	int rc = 0;
	if (t->stopping)
		fprintf(stderr, "isolab: the run was stopped; its instances were torn down\n");
	for (size_t i = 0; i < t->nthemes; i++)
		free(t->themes[i]);
	free(t->themes);
	theme_free(t->theme);
	live_free(&t->live);
	if (t->cfg_in_use) {
		/* A probe thread is still inside a driver or an SSH session.
		 * exit() would run the libraries' destructors (libssh's, the
		 * crypto library's) under it, and it would crash there; nothing
		 * is left to save (the run, the journal and the terminal are
		 * done), so the process ends here, its output flushed. */
		fflush(NULL);
		_exit(rc);
	}
	executors_free(t->xs);
	config_free(&t->cfg);
	free(t);
	return rc;
}

# tui/: the interactive interface (ncursesw), built into the isolab program.
# Nothing in engine/ or runtimes/ includes curses; tui/procinfo.c and
# tui/live.c don't either, but they only serve the TUI.
TUI_SOURCES = tui/tui.c tui/tui.h tui/screens.h \
	tui/screen-setup.c tui/screen-dashboard.c tui/screen-processes.c \
	tui/screen-results.c tui/screen-help.c tui/screen-messages.c tui/screen-labs.c \
	tui/chart.c tui/chart.h tui/table.c tui/table.h tui/dialog.c tui/dialog.h tui/ask.c tui/ask.h \
	tui/theme.c tui/theme.h tui/draw.c tui/draw.h tui/live.c tui/live.h \
	tui/procinfo.c tui/procinfo.h
isolab_SOURCES += $(TUI_SOURCES)
isolab_CPPFLAGS += $(NCURSES_CFLAGS) -I$(top_srcdir)/tui
isolab_LDADD += $(NCURSES_LIBS)

themesdir = $(pkgdatadir)/themes
dist_themes_DATA = themes/default.theme themes/light.theme themes/mono.theme

# bench/render: full-frame render cost into an off-screen terminal (a pty).
noinst_PROGRAMS += bench/render-run
bench_render_run_SOURCES = bench/render-run.c $(TUI_SOURCES) cli/cmd.h
bench_render_run_CPPFLAGS = $(AM_CPPFLAGS) $(NCURSES_CFLAGS) -I$(top_srcdir)/tui -I$(top_srcdir)/cli
bench_render_run_LDADD = $(ISOLAB_LIBS) $(CAIRO_LIBS) $(NCURSES_LIBS) -lutil
EXTRA_DIST += bench/render

# tmux-driven tests of the real program.
TUI_TESTS = tests/tui/screens.sh tests/tui/run-cpu.sh tests/tui/processes.sh \
	tests/tui/resize.sh tests/tui/themes.sh tests/tui/quit.sh tests/tui/labs.sh \
	tests/tui/ssh-hostkey.sh tests/tui/ssh-lost.sh tests/tui/ssh-passphrase.sh tests/tui/first-look.sh \
	tests/tui/results-cost.sh tests/tui/dashboard-roles.sh tests/tui/results-sweep.sh \
	tests/tui/setup.sh tests/tui/setup-limits.sh
TESTS += $(TUI_TESTS)
EXTRA_DIST += tests/tui/lib.sh $(TUI_TESTS)

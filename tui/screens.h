/*
 * screens.h — what the screens offer each other and the loop beyond their
 * class tables (screen-*.c).
 */
#ifndef ISOLAB_SCREENS_H
#define ISOLAB_SCREENS_H

#include "tui.h"

/* screen-help.c: the help overlay for the current screen, drawn over r. */
void help_draw(struct tui *t, const struct rect *r);
/* Scrolls the overlay; returns a TUI_* mask (0 when the key closes it). */
int help_key(struct tui *t, int key);
/* The keys every screen shares (for help and the man page test). */
extern const struct help_key help_global_keys[];

/* screen-setup.c: folds finished runtime probes in (called when woken). */
void setup_poll_probes(struct tui *t);

/* screen-results.c: loads the report of run (an id, a directory, or NULL
 * for the latest) and selects it; logs and returns -1 on error. */
int results_load(struct tui *t, const char *run);
/* Refreshes the list of past runs (after a run ends). */
void results_refresh_runs(struct tui *t);

/* screen-labs.c: judges the lab whose run just ended (run_dir: its
 * directory), when the Labs screen started it. */
void labs_run_ended(struct tui *t, const char *run_dir);
/* 1 once after a lab's run ended: show the Labs screen, not the results. */
int labs_take_screen(struct tui *t);

/* screen-messages.c: marks every message seen. */
void messages_seen(struct tui *t);

#endif

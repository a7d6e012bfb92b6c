/*
 * dialog.h — modal dialogs drawn centred over the current screen: a yes/no
 * question, a one-line text input and a menu. While one is open it takes
 * every key; when it closes it calls its done callback once, after
 * detaching itself from the tui (so the callback may open another).
 */
#ifndef ISOLAB_DIALOG_H
#define ISOLAB_DIALOG_H

#include <stddef.h>
#include "tui.h"

/* ok: 1 confirmed (y, Enter on a choice), 0 cancelled (n, Esc);
 * choice: the menu item; text: the input (NULL for other kinds). */
typedef void (*dialog_done_fn)(struct tui *t, int ok, size_t choice, const char *text, void *arg);

/* Opens a dialog in t (replacing none: a second one waits until the first closes). */
void dialog_confirm(struct tui *t, const char *title, const char *text, dialog_done_fn done, void *arg);
void dialog_input(struct tui *t, const char *title, const char *prompt, const char *initial,
    dialog_done_fn done, void *arg);
/* An input whose text shows as stars and is wiped when the dialog closes
 * (a password or passphrase); done gets the text. */
void dialog_secret(struct tui *t, const char *title, const char *prompt, dialog_done_fn done, void *arg);
void dialog_menu(struct tui *t, const char *title, const char *const *items, size_t n, size_t sel,
    dialog_done_fn done, void *arg);
/* Draws t->dialog (if any) over the screen. */
void dialog_draw(struct tui *t);
/* Gives key to t->dialog; returns a TUI_* mask. */
int dialog_key(struct tui *t, int key);
/* Closes t->dialog without calling its callback (on exit). */
void dialog_close(struct tui *t);

#endif

/*
 * ask.h — questions from other threads answered by the person at the TUI.
 *
 * The SSH transport asks whether to trust an unknown host key and for
 * passwords (engine/ssh.h, struct ssh_prompts). In the TUI it asks from the
 * runtime-probe thread or the engine thread, which must not touch curses:
 * the question is handed to the main loop (woken through its self-pipe),
 * shown in a modal dialog, and the asking thread blocks until the person
 * answers. One question is shown at a time; others wait their turn.
 * When the TUI leaves (or a quit signal arrives) every waiting and later
 * question is answered "no", so no thread is left blocked.
 */
#ifndef ISOLAB_ASK_H
#define ISOLAB_ASK_H

struct tui;

/* Installs the TUI's prompts for remote hosts in t's executors (keeping
 * --accept-new-host-key). */
void ask_init(struct tui *t);
/* From the main loop: opens a dialog for a waiting question when none is open. */
void ask_poll(struct tui *t);
/* Answers every waiting and later question "no"; the threads return. */
void ask_shutdown(struct tui *t);

#endif

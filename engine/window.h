/*
 * window.h — the common window of a group whose instances run together
 * (scale, allocation, interference; man isolab.conf, "Instances that run
 * together"), stepped by the engine's group loop. It opens once every
 * member is ready; a member that does not become ready within its
 * allowance (grace + its runtime's start-up allowance, from its launch)
 * or ends first means the group never ran together: nothing is measured.
 * Timed (members that report interval values): every member is measured
 * over [open, open + len], its values those of the seconds that began
 * after the opening and whose middle falls before the end (instance.c,
 * in_window), its RSS/PSS at the window's middle; members are started
 * with a ${duration} that outlasts it and stopped when it closes. A member
 * that ends before (fixed work, a failure) closes it: the window is the
 * overlap, and the group did not run together for the full length.
 * Untimed (an interference target, a workload with only summaries): the
 * window lasts as long as the primary members run, and every other member
 * must still run when they end.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_WINDOW_H
#define ISOLAB_WINDOW_H

#include "instance.h"

#include <jansson.h>

#include <stddef.h>
#include <stdint.h>

struct event_queue;
struct journal;
struct sampler;

struct window {
	int on;                      /* the group runs its members together */
	int timed;
	double len_s;                /* the experiment's duration */
	uint64_t open_ns;            /* 0 until every member is ready */
	uint64_t close_ns;           /* timed: when the members are stopped */
	uint64_t mem_ns;             /* timed: RSS/PSS from the first tick after this */
	int mem_done;
	int closed;                  /* measured, or given up */
	int together;                /* every member ran through the window */
	char *why;                   /* not together: why */
	/* Set by the engine. */
	double grace;                /* the experiment's grace */
	int group;                   /* the group's plan item, 1-based */
	struct journal *journal;
	struct sampler *sampler;
	struct event_queue *events;
};

/* A group's window, off unless x runs its instances together (scale,
 * allocation, interference); timed for copies of a workload wl that
 * reports interval values, or none at all (an idle server: its memory and
 * isolab's cost), with no neighbours (nnb 0). The journal, sampler and
 * event queue are ctx's. */
void window_init(struct window *w, const struct experiment *x, const struct workload *wl, size_t nnb, int group,
    const struct inst_ctx *ctx);
/* Before its prepare: a member of a timed window of n outlasts the window
 * however late the last member is ready (launches on a loaded machine
 * take up to a second or two each, and a held member's clock runs on);
 * the group stops it when the window closes. */
void window_member(const struct window *w, struct inst *it, size_t n);
/* How long a member gets from its launch to its ready line: the grace plus
 * its runtime's start-up allowance. */
double window_allowance_s(const struct window *w, const struct inst *it);
/* The group did not run together: keeps the first reason (why is taken). */
void window_not_together(struct window *w, char *why);
/* Resumes every member held ready; returns how many were. */
size_t window_release(struct inst *m, size_t n);
/* The window never opened: every member still running is over,
 * unmeasured (why is taken). */
void window_give_up(struct window *w, struct inst *m, size_t n, char *why);
/* One step of the window, each turn of the group's loop (pending: the
 * interference target not launched yet, or -1). Returns 1 when the window
 * opened in this step: the engine then counts its seconds from now. */
int window_step(struct window *w, struct inst *m, size_t n, int pending, uint64_t now);
/* The window in a group record: together, timed, window_s, why. */
void window_describe(const struct window *w, const struct inst *m, json_t *rec);

#endif

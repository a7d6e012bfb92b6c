/*
 * events.h — the queue of engine events to the front end (engine.h's
 * struct engine_event): the engine thread pushes, the front end polls
 * events_fd() and pops. A mutex-protected list plus an eventfd, so the
 * front end never blocks on the engine.
 */
#ifndef ISOLAB_EVENTS_H
#define ISOLAB_EVENTS_H

#include "engine.h"

struct journal;
struct event_queue;

/* NULL with errno set when no eventfd can be made. */
struct event_queue *events_new(void);
/* Frees the queue and every event still in it. */
void events_free(struct event_queue *q);
/* Readable while events are pending. Owned by q. */
int events_fd(const struct event_queue *q);
/* A zeroed event of type (instance -1, startup_ms -1); the caller pushes
 * it or frees it with engine_event_free. */
struct engine_event *event_new(enum engine_event_type type);
/* Appends ev (taken) and wakes the front end. */
void events_push(struct event_queue *q, struct engine_event *ev);
/* The oldest event (the caller's), or NULL when none is pending. */
struct engine_event *events_pop(struct event_queue *q);
/* An EV_LOG of level; a warning or an error also goes into j (may be NULL)
 * as an {"type":"error"} record. q NULL: nowhere but j. */
void events_log(struct event_queue *q, struct journal *j, int level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif

/* events.c — the engine's event queue to the front end (events.h). */
#include "events.h"
#include "journal.h"
#include "util.h"

#include <pthread.h>
#include <stdarg.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct event_node {
	struct engine_event *ev;
	struct event_node *next;
};

struct event_queue {
	pthread_mutex_t lock;
	struct event_node *head, *tail;
	int fd;                      /* eventfd: engine -> front end */
};

struct event_queue *events_new(void)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		return NULL;
	struct event_queue *q = xcalloc(1, sizeof *q);
	pthread_mutex_init(&q->lock, NULL);
	q->fd = fd;
	return q;
}

void events_free(struct event_queue *q)
{
	if (!q)
		return;
	struct engine_event *ev;
	while ((ev = events_pop(q)))
		engine_event_free(ev);
	close(q->fd);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

int events_fd(const struct event_queue *q) { return q->fd; }

struct engine_event *event_new(enum engine_event_type type)
{
	struct engine_event *ev = xcalloc(1, sizeof *ev);
	ev->type = type;
	ev->instance = -1;
	ev->startup_ms = -1;
	return ev;
}

void engine_event_free(struct engine_event *ev)
{
	if (!ev)
		return;
	free(ev->metrics);
	free(ev->procs);
	free(ev->status);
	free(ev->error);
	free(ev->run_id);
	free(ev->run_dir);
	free(ev->msg);
	free(ev);
}

void events_push(struct event_queue *q, struct engine_event *ev)
{
	struct event_node *n = xmalloc(sizeof *n);
	n->ev = ev;
	n->next = NULL;
	pthread_mutex_lock(&q->lock);
	if (q->tail)
		q->tail->next = n;
	else
		q->head = n;
	q->tail = n;
	pthread_mutex_unlock(&q->lock);
	uint64_t one = 1;
	ssize_t w = write(q->fd, &one, sizeof one);
	(void)w;
}

struct engine_event *events_pop(struct event_queue *q)
{
	pthread_mutex_lock(&q->lock);
	struct event_node *n = q->head;
	if (n) {
		q->head = n->next;
		if (!q->head)
			q->tail = NULL;
	} else {
		uint64_t v;
		ssize_t r = read(q->fd, &v, sizeof v); /* drained: clear readiness */
		(void)r;
	}
	pthread_mutex_unlock(&q->lock);
	if (!n)
		return NULL;
	struct engine_event *ev = n->ev;
	free(n);
	return ev;
}

void events_log(struct event_queue *q, struct journal *j, int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (j && level >= LOG_WARN) {
		json_t *rec = json_pack("{s:s, s:i, s:s}", "type", "error", "inst", -1, "msg", msg);
		journal_append(j, rec, NULL);
		json_decref(rec);
	}
	if (!q) {
		free(msg);
		return;
	}
	struct engine_event *ev = event_new(EV_LOG);
	ev->msg = msg;
	ev->level = level;
	events_push(q, ev);
}

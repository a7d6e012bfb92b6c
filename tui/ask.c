/*
 * ask.c — the TUI's answers to the SSH transport's questions (see ask.h).
 */
#include "config.h"
#include "ask.h"
#include "dialog.h"
#include "executor.h"
#include "ssh.h"
#include "tui.h"
#include "util.h"

#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

enum ask_kind { ASK_CONFIRM, ASK_SECRET };

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int wake_fd;        /* the loop's self-pipe (a dup owned here) */
	int closed;         /* ask_shutdown: every answer is "no" */
	int busy;           /* a question is in flight */
	int shown;          /* ... and its dialog is open */
	int done;           /* ... and answered */
	enum ask_kind kind;
	char *text;
	int yes;
	char *answer;       /* the secret typed */
} q = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER, .wake_fd = -1 };

/* Blocks the calling (non-UI) thread until the person answers. */
static int ask(enum ask_kind kind, const char *text, char **answer)
{
	int yes = 0;
	pthread_mutex_lock(&q.lock);
	while (q.busy && !q.closed)
		pthread_cond_wait(&q.cond, &q.lock);
	if (!q.closed) {
		q.busy = 1;
		q.shown = q.done = q.yes = 0;
		q.kind = kind;
		q.text = xstrdup(text);
		if (q.wake_fd >= 0) {
			ssize_t w = write(q.wake_fd, "a", 1);
			(void)w;
		}
		while (!q.done && !q.closed)
			pthread_cond_wait(&q.cond, &q.lock);
		yes = q.done && q.yes;
		if (answer) {
			*answer = yes ? q.answer : NULL;
			q.answer = yes ? NULL : q.answer;
		}
		if (q.answer) {
			explicit_bzero(q.answer, strlen(q.answer));
			free(q.answer);
			q.answer = NULL;
		}
		free(q.text);
		q.text = NULL;
		q.busy = 0;
		pthread_cond_broadcast(&q.cond);
	}
	pthread_mutex_unlock(&q.lock);
	return yes;
}

static int tui_confirm(void *arg, const char *question)
{
	(void)arg;
	return ask(ASK_CONFIRM, question, NULL);
}

static char *tui_secret(void *arg, const char *prompt)
{
	(void)arg;
	char *s = NULL;
	return ask(ASK_SECRET, prompt, &s) ? s : NULL;
}

static void answered(struct tui *t, int ok, size_t choice, const char *text, void *arg)
{
	(void)t, (void)choice, (void)arg;
	pthread_mutex_lock(&q.lock);
	if (q.busy && q.shown && !q.done) {
		q.yes = ok;
		q.answer = ok && text ? xstrdup(text) : NULL;
		q.done = 1;
		pthread_cond_broadcast(&q.cond);
	}
	pthread_mutex_unlock(&q.lock);
}

void ask_init(struct tui *t)
{
	pthread_mutex_lock(&q.lock);
	if (q.wake_fd < 0 && t->wake[1] >= 0)
		q.wake_fd = fcntl(t->wake[1], F_DUPFD_CLOEXEC, 0);
	q.closed = 0;
	pthread_mutex_unlock(&q.lock);
	struct ssh_prompts p;
	executors_get_prompts(t->xs, &p);
	p.confirm = tui_confirm;
	p.secret = tui_secret;
	p.arg = NULL;
	executors_set_prompts(t->xs, &p);
}

void ask_poll(struct tui *t)
{
	if (t->dialog)
		return; /* the question waits until the open dialog closes */
	pthread_mutex_lock(&q.lock);
	/* Shown and unanswered with no dialog open: another dialog replaced
	 * it (a quit question after ^C, say); show it again. */
	if (!q.busy || q.done || q.closed) {
		pthread_mutex_unlock(&q.lock);
		return;
	}
	q.shown = 1;
	enum ask_kind kind = q.kind;
	char *text = xstrdup(q.text);
	pthread_mutex_unlock(&q.lock);
	if (kind == ASK_CONFIRM)
		dialog_confirm(t, "Remote host", text, answered, NULL);
	else
		dialog_secret(t, "Remote host", text, answered, NULL);
	free(text);
}

void ask_shutdown(struct tui *t)
{
	struct ssh_prompts p;
	executors_get_prompts(t->xs, &p);
	p.confirm = NULL;
	p.secret = NULL;
	executors_set_prompts(t->xs, &p);
	pthread_mutex_lock(&q.lock);
	q.closed = 1;
	pthread_cond_broadcast(&q.cond);
	if (q.wake_fd >= 0)
		close(q.wake_fd);
	q.wake_fd = -1;
	pthread_mutex_unlock(&q.lock);
}

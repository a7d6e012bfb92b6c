/*
 * window.c — the common window of a group whose instances run together
 * (see window.h).
 */
#include "config.h"
#include "window.h"
#include "events.h"
#include "executor.h"
#include "journal.h"
#include "util.h"

#include <stdlib.h>

void window_init(struct window *w, const struct experiment *x, const struct workload *wl, size_t nnb, int group,
    const struct inst_ctx *ctx)
{
	*w = (struct window){ .len_s = x->duration, .together = 1, .grace = x->grace, .group = group,
		.journal = ctx->journal, .sampler = ctx->sampler, .events = ctx->events };
	w->on = x->kind == EXP_SCALE || x->kind == EXP_ALLOCATION || x->kind == EXP_INTERFERENCE;
	int intervals = !wl->nmetrics;
	for (size_t j = 0; j < wl->nmetrics; j++)
		intervals |= !wl->metrics[j].summary;
	w->timed = (x->kind == EXP_SCALE || x->kind == EXP_ALLOCATION) && !nnb && intervals;
}

void window_member(const struct window *w, struct inst *it, size_t n)
{
	if (!w->timed)
		return;
	it->windowed = 1;
	it->mem_at = 0; /* at the window's middle instead */
	it->duration = w->len_s + window_allowance_s(w, it) + 2.0 * (double)n + 10;
}

double window_allowance_s(const struct window *w, const struct inst *it)
{
	return w->grace + it->caps.startup_allowance_s;
}

void window_not_together(struct window *w, char *why)
{
	if (w->together) {
		w->together = 0;
		free(w->why);
		w->why = why;
	} else {
		free(why);
	}
}

size_t window_release(struct inst *m, size_t n)
{
	size_t k = 0;
	for (size_t j = 0; j < n; j++)
		if (m[j].held) {
			inst_hold(&m[j], 0);
			k++;
		}
	return k;
}

void window_give_up(struct window *w, struct inst *m, size_t n, char *why)
{
	window_release(m, n);
	for (size_t k = 0; k < n; k++)
		if (!m[k].over) {
			char *c = xasprintf("not measured: %s", why);
			inst_over(&m[k], c, 0);
			free(c);
			if (m[k].launched)
				m[k].ex->ops->stop(m[k].ex, &m[k].in, 1, NULL);
		}
	window_not_together(w, why);
	w->closed = 1;
}

static void window_open(struct window *w, struct inst *m, size_t n, uint64_t now)
{
	size_t held = window_release(m, n);
	w->open_ns = now;
	if (w->timed) {
		w->close_ns = now + (uint64_t)(w->len_s * 1e9) + 700000000u;
		w->mem_ns = now + (uint64_t)(w->len_s * 1e9 / 2);
	}
	for (size_t k = 0; k < n; k++) {
		m[k].win_open_ns = now;
		m[k].win_len_ns = (uint64_t)(w->len_s * 1e9);
	}
	json_t *rec = json_pack("{s:s, s:i, s:i, s:b, s:f, s:i}", "type", "window", "group", w->group, "members", (int)n,
	    "timed", w->timed, "len_s", w->len_s, "held", (int)held);
	journal_append(w->journal, rec, NULL);
	json_decref(rec);
}

/* Timed: RSS/PSS of every running member, now (a window shorter than a tick). */
static void window_memory(struct window *w, struct inst *m, size_t n)
{
	const struct proc_sample *ps;
	size_t nps = 0;
	char *cause = NULL;
	for (size_t k = 0; k < n; k++)
		if (m[k].launched && !m[k].over) {
			struct pid_role pr[64];
			inst_track(&m[k], pr, ARRAY_SIZE(pr));
		}
	if (sampler_sample(w->sampler, &ps, &nps, &cause) < 0) {
		events_log(w->events, w->journal, LOG_WARN, "sampler: %s", cause);
		free(cause);
		return;
	}
	for (size_t k = 0; k < n; k++)
		if (m[k].launched && !m[k].over && m[k].role != INST_NEIGHBOUR && !m[k].mem_done)
			inst_memory(&m[k], ps, nps, m[k].ticks);
	w->mem_done = 1;
}

int window_step(struct window *w, struct inst *m, size_t n, int pending, uint64_t now)
{
	int opened = 0;
	if (!w->on || w->closed)
		return 0;
	if (!w->open_ns) {
		size_t ready = 0;
		for (size_t k = 0; k < n; k++) {
			struct inst *it = &m[k];
			if ((int)k == pending)
				continue;
			if (it->over && !it->ready) {
				window_give_up(w, m, n, xasprintf("instance %d (%s) did not become ready: %s", it->in.id,
				    it->in.wl->name, it->cause ? it->cause : it->status));
				return 0;
			}
			/* Its ready line may wait in its pipe (a busy loop reads
			 * only so many fds a turn): read it before judging. */
			if (it->launched && !it->ready && !it->over && it->out_open &&
			    now > it->in.t_launch_ns + (uint64_t)(window_allowance_s(w, it) * 1e9))
				inst_on_fd(it, INST_FD_OUT);
			if (it->launched && !it->ready && !it->over &&
			    now > it->in.t_launch_ns + (uint64_t)(window_allowance_s(w, it) * 1e9)) {
				char *c = xasprintf("did not become ready within %.0f s of its launch (grace + the runtime's "
				    "start-up allowance)", window_allowance_s(w, it));
				inst_over(it, c, 1);
				free(c);
				it->ex->ops->stop(it->ex, &it->in, 1, NULL);
				window_give_up(w, m, n, xasprintf("instance %d (%s) %s", it->in.id, it->in.wl->name, it->cause));
				return 0;
			}
			ready += inst_set_up(it);
		}
		/* Timed: a ready member waits, stopped, so that its work
		 * neither slows the others' start nor runs unmeasured. */
		for (size_t k = 0; w->timed && ready < n && k < n; k++)
			if (inst_set_up(&m[k]) && !m[k].held && !m[k].over)
				inst_hold(&m[k], 1);
		if (pending >= 0 || ready < n)
			return 0;
		window_open(w, m, n, now);
		opened = 1;
		for (size_t k = 0; k < n; k++)
			if (m[k].over) {
				window_not_together(w, xasprintf("instance %d ended before every member was ready", m[k].in.id));
				break;
			}
	}
	/* A member that ended inside the window. */
	int primaries = 0;
	for (size_t k = 0; k < n; k++) {
		struct inst *it = &m[k];
		if (it->role != INST_NEIGHBOUR && !it->over)
			primaries++;
		if (!it->over || (!w->timed && it->role != INST_NEIGHBOUR) || !w->together)
			continue;
		double at = (double)(now - w->open_ns) / 1e9;
		if (w->timed && now < w->open_ns + (uint64_t)(w->len_s * 1e9)) {
			/* The window is the overlap: the others' values up to now. */
			for (size_t j = 0; j < n; j++)
				m[j].win_len_ns = now - w->open_ns;
			w->close_ns = now + 600000000u;
		} else if (w->timed) {
			continue; /* ended after the window's end: it ran through it */
		}
		window_not_together(w, xasprintf("instance %d (%s) ended %.1f s into the window: %s", it->in.id,
		    inst_role_name(it->role), at, it->cause ? it->cause : it->status ? it->status : "its end"));
	}
	if (w->timed && now >= w->close_ns) {
		if (!w->mem_done)
			window_memory(w, m, n);
		for (size_t k = 0; k < n; k++)
			if (m[k].role != INST_NEIGHBOUR)
				inst_window_close(&m[k]);
		w->closed = 1;
	} else if (!w->timed && !primaries) {
		w->closed = 1;
	}
	return opened;
}

void window_describe(const struct window *w, const struct inst *m, json_t *rec)
{
	json_object_set_new(rec, "together", json_boolean(w->together));
	json_object_set_new(rec, "timed", json_boolean(w->timed));
	if (w->open_ns && w->timed)
		json_object_set_new(rec, "window_s", json_real((double)m[0].win_len_ns / 1e9));
	if (w->why)
		json_object_set_new(rec, "why", json_string(w->why));
}

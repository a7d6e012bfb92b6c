/*
 * live.c — the TUI's model of the run, folded from engine events.
 *
 * Series are indexed by second since the instance's launch rather than
 * appended, so a missed tick leaves a gap (NAN) instead of shifting the
 * chart. Process history is a fixed ring per pid: the drill-down shows the
 * last two minutes, and a run with thousands of short-lived processes
 * costs a bounded amount per process.
 */
#include "config.h"
#include "live.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

void live_init(struct live *l, const struct config *cfg)
{
	memset(l, 0, sizeof *l);
	l->cfg = cfg;
	l->current = -1;
}

static void inst_free(struct live_inst *in)
{
	for (size_t k = 0; k < in->nm; k++)
		free(in->m[k].v);
	free(in->m);
	free(in->procs);
	free(in->status);
	free(in->error);
	free(in->runtime);
	free(in->workload);
}

void live_reset(struct live *l)
{
	for (size_t i = 0; i < l->ninst; i++)
		inst_free(&l->inst[i]);
	free(l->inst);
	free(l->hist);
	free(l->run_id);
	free(l->run_dir);
	l->inst = NULL;
	l->hist = NULL;
	l->ninst = l->nhist = 0;
	l->run_id = l->run_dir = NULL;
	l->active = l->ended = l->cancelled = 0;
	l->failed = 0;
	l->done = l->total = 0;
	l->eta_s = 0;
	l->current = -1;
}

void live_free(struct live *l)
{
	live_reset(l);
	for (size_t i = 0; i < l->nmsgs; i++)
		free(l->msgs[i].text);
	free(l->msgs);
	l->msgs = NULL;
	l->nmsgs = l->msgs_cap = 0;
}

static void add_msg(struct live *l, int level, char *text)
{
	if (l->nmsgs == l->msgs_cap) {
		l->msgs_cap = l->msgs_cap ? l->msgs_cap * 2 : 64;
		l->msgs = xreallocarray(l->msgs, l->msgs_cap, sizeof *l->msgs);
	}
	l->msgs[l->nmsgs++] = (struct live_msg){ .when = time(NULL), .level = level, .text = text };
	if (level >= LOG_WARN)
		l->unseen++;
}

void live_log(struct live *l, int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	add_msg(l, level, s);
}

struct live_inst *live_find(struct live *l, int id)
{
	for (size_t i = l->ninst; i-- > 0;)
		if (l->inst[i].id == id)
			return &l->inst[i];
	return NULL;
}

struct live_inst *live_add(struct live *l, int id, const char *runtime, const struct workload *wl)
{
	l->inst = xreallocarray(l->inst, l->ninst + 1, sizeof *l->inst);
	struct live_inst *in = &l->inst[l->ninst++];
	memset(in, 0, sizeof *in);
	in->id = id;
	in->runtime = xstrdup(runtime ? runtime : "?");
	in->wl = wl;
	in->workload = xstrdup(wl ? wl->name : "?");
	in->startup_ms = -1;
	in->nm = wl ? wl->nmetrics : 0;
	in->m = xcalloc(in->nm ? in->nm : 1, sizeof *in->m);
	return in;
}

void live_series_put(struct live_series *s, size_t second, double v)
{
	if (second >= s->cap) {
		size_t cap = s->cap ? s->cap : 64;
		while (cap <= second)
			cap *= 2;
		s->v = xreallocarray(s->v, cap, sizeof *s->v);
		s->cap = cap;
	}
	for (size_t i = s->n; i < second; i++)
		s->v[i] = NAN;
	s->v[second] = v;
	if (second + 1 > s->n)
		s->n = second + 1;
}

static struct live_hist *hist_get(struct live *l, const struct proc_sample *p)
{
	for (size_t i = l->nhist; i-- > 0;)
		if (l->hist[i].pid == p->pid && l->hist[i].instance == p->instance)
			return &l->hist[i];
	l->hist = xreallocarray(l->hist, l->nhist + 1, sizeof *l->hist);
	struct live_hist *h = &l->hist[l->nhist++];
	memset(h, 0, sizeof *h);
	h->pid = p->pid;
	h->instance = p->instance;
	return h;
}

const struct live_hist *live_hist_find(const struct live *l, pid_t pid)
{
	for (size_t i = l->nhist; i-- > 0;)
		if (l->hist[i].pid == pid)
			return &l->hist[i];
	return NULL;
}

size_t live_hist_len(const struct live_hist *h)
{
	return h->n < LIVE_HIST ? h->n : LIVE_HIST;
}

static size_t hist_slot(const struct live_hist *h, size_t i)
{
	size_t first = h->n < LIVE_HIST ? 0 : h->n % LIVE_HIST;
	return (first + i) % LIVE_HIST;
}

float live_hist_cpu(const struct live_hist *h, size_t i) { return h->cpu[hist_slot(h, i)]; }
uint64_t live_hist_rss(const struct live_hist *h, size_t i) { return h->rss[hist_slot(h, i)]; }

double live_eta(const struct live *l)
{
	if (!l->active)
		return 0;
	double s = l->eta_s - (double)(mono_ns() - l->eta_at_ns) / 1e9;
	return s > 0 ? s : 0;
}

int live_metric_index(const struct workload *wl, const char *kind, const char *name)
{
	if (!wl)
		return -1;
	int first = -1;
	for (size_t k = 0; k < wl->nmetrics; k++) {
		const struct metric_def *m = &wl->metrics[k];
		if (m->summary || !m->kind || strcmp(m->kind, kind))
			continue;
		if (first < 0)
			first = (int)k;
		if (name && !strcmp(m->name, name))
			return (int)k;
	}
	return first;
}

int live_event(struct live *l, const struct engine_event *ev)
{
	struct live_inst *in;
	switch (ev->type) {
	case EV_LOG:
		add_msg(l, ev->level, xstrdup(ev->msg ? ev->msg : ""));
		return LIVE_MSGS;
	case EV_RUN_START:
		live_reset(l);
		l->run_id = xstrdup(ev->run_id ? ev->run_id : "");
		l->run_dir = xstrdup(ev->run_dir ? ev->run_dir : "");
		l->total = ev->total;
		l->active = 1;
		live_log(l, LOG_INFO, "run %s started: %zu instance%s", l->run_id, ev->total, ev->total == 1 ? "" : "s");
		return LIVE_PROGRESS | LIVE_START | LIVE_MSGS | LIVE_CHART | LIVE_PROCS;
	case EV_INSTANCE_START: {
		/* Processes of finished instances are gone: keep only the new one's. */
		for (size_t i = 0; i < l->ninst; i++)
			if (l->inst[i].ended) {
				free(l->inst[i].procs);
				l->inst[i].procs = NULL;
				l->inst[i].nprocs = 0;
			}
		in = live_add(l, ev->instance, ev->runtime, l->cfg ? config_workload(l->cfg, ev->workload) : NULL);
		if (!in->wl && ev->workload) {
			free(in->workload);
			in->workload = xstrdup(ev->workload);
		}
		in->rep = ev->rep;
		in->warmup = ev->warmup;
		l->done = ev->done;
		l->total = ev->total;
		l->eta_s = ev->eta_s;
		l->eta_at_ns = mono_ns();
		/* In a group, the progress line follows the target, not its neighbours. */
		if (!ev->role || strcmp(ev->role, "neighbour"))
			l->current = ev->instance;
		return LIVE_PROGRESS | LIVE_CHART | LIVE_PROCS;
	}
	case EV_READY:
		if ((in = live_find(l, ev->instance)))
			in->startup_ms = ev->startup_ms;
		return LIVE_PROGRESS;
	case EV_SETUP:
		if (!(in = live_find(l, ev->instance)))
			return 0;
		in->setting_up = ev->status && !strcmp(ev->status, "start");
		if (in->setting_up)
			in->setup_from = ev->t;
		return LIVE_PROGRESS | LIVE_CHART;
	case EV_SAMPLE: {
		if (!(in = live_find(l, ev->instance)))
			return 0;
		in->t = ev->t;
		size_t sec = ev->t >= 1 ? (size_t)(ev->t + 0.5) - 1 : 0;
		for (size_t i = 0; i < ev->nmetrics; i++) {
			if (!in->wl)
				break;
			ptrdiff_t k = ev->metrics[i].def - in->wl->metrics;
			if (k >= 0 && (size_t)k < in->nm)
				live_series_put(&in->m[k], sec, ev->metrics[i].value);
		}
		free(in->procs);
		in->procs = xmalloc((ev->nprocs ? ev->nprocs : 1) * sizeof *in->procs);
		memcpy(in->procs, ev->procs, ev->nprocs * sizeof *in->procs);
		in->nprocs = ev->nprocs;
		if (ev->nprocs) {
			memset(in->role_cpu, 0, sizeof in->role_cpu);
			for (size_t i = 0; i < ev->nprocs; i++)
				if ((unsigned)ev->procs[i].role < ROLE__COUNT && ev->procs[i].cpu > 0)
					in->role_cpu[ev->procs[i].role] += ev->procs[i].cpu;
			in->has_role_cpu = 1;
		}
		for (size_t i = 0; i < ev->nprocs; i++) {
			struct live_hist *h = hist_get(l, &ev->procs[i]);
			size_t slot = h->n % LIVE_HIST;
			h->cpu[slot] = (float)ev->procs[i].cpu;
			h->rss[slot] = ev->procs[i].rss_kb;
			h->n++;
			h->last = ev->procs[i];
		}
		return LIVE_CHART | LIVE_PROCS | LIVE_PROGRESS;
	}
	case EV_INSTANCE_END:
		if (!(in = live_find(l, ev->instance)))
			return 0;
		in->ended = 1;
		in->setting_up = 0;
		in->status = xstrdup(ev->status ? ev->status : "?");
		in->error = ev->error ? xstrdup(ev->error) : NULL;
		if (ev->startup_ms >= 0)
			in->startup_ms = ev->startup_ms;
		l->done++;
		if (in->error || (ev->status && strcmp(ev->status, "ok") && strcmp(ev->status, "cancelled")))
			live_log(l, LOG_ERROR, "instance %d (%s %s rep %u) %s: %s", in->id, in->runtime, in->workload,
			    in->rep, in->status, in->error ? in->error : "no error message");
		for (size_t i = 0; i < in->nprocs; i++)
			in->procs[i].exited = 1;
		if (l->current == in->id)
			l->current = -1;
		return LIVE_PROGRESS | LIVE_CHART | LIVE_PROCS | LIVE_MSGS;
	case EV_RUN_END:
		l->active = 0;
		l->ended = 1;
		l->cancelled = ev->cancelled;
		l->failed = ev->failed;
		l->current = -1;
		live_log(l, ev->failed || ev->cancelled ? LOG_WARN : LOG_INFO, "run %s %s: %zu of %zu instances, %u failed",
		    ev->run_id ? ev->run_id : "", ev->cancelled ? "cancelled" : "finished", ev->done, ev->total, ev->failed);
		return LIVE_PROGRESS | LIVE_END | LIVE_MSGS | LIVE_PROCS;
	}
	return 0;
}

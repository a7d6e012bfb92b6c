/*
 * screen-setup.c — build an experiment: pick runtimes and workloads, set
 * the options, or load a saved experiment, then start it.
 *
 * Four panes (runtimes, workloads, options, saved experiments) with Tab
 * between them, and a details box that explains whatever is selected: a
 * runtime's version, or why it cannot run here and how to fix that; a
 * workload's parameters; an experiment's question.
 *
 * Probing a runtime may run its binary (runsc --version, docker info), so
 * probes run on a thread of their own at start-up: the screen shows
 * "probing..." until each answer arrives and the UI never waits for one.
 */
#include "config.h"
#include "dialog.h"
#include "draw.h"
#include "executor.h"
#include "runtime.h"
#include "screens.h"
#include "table.h"
#include "tui.h"
#include "util.h"

#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { PANE_RUNTIMES, PANE_WORKLOADS, PANE_OPTIONS, PANE_EXPERIMENTS, PANE__COUNT };

enum opt_row {
	OPT_DURATION, OPT_REPS, OPT_WARMUP, OPT_THREADS, OPT_BASELINE, OPT_CPUS, OPT_MEMORY, OPT_PIDS,
	OPT_IO_WEIGHT, OPT_START, OPT__COUNT
};

static const char *const opt_names[OPT__COUNT] = {
	[OPT_DURATION] = "Duration (s)", [OPT_REPS] = "Repetitions", [OPT_WARMUP] = "Warm-up runs",
	[OPT_THREADS] = "Threads", [OPT_BASELINE] = "Baseline", [OPT_CPUS] = "CPU limit",
	[OPT_MEMORY] = "Memory limit", [OPT_PIDS] = "Pids limit", [OPT_IO_WEIGHT] = "I/O weight",
	[OPT_START] = "",
};

struct rt_row {
	const struct runtime_conf *rt;
	const struct executor *ex;   /* where it runs: this machine, or the --host host */
	char *name;                  /* as run: "gvisor", or "gvisor@lab1" with --host */
	int probed;
	struct driver_status st;
	int selected;
};

struct setup {
	int pane;
	struct table tb[PANE__COUNT];
	struct rt_row *rts;
	size_t nrts;
	int *wl_sel;
	double duration;
	unsigned reps, warmup, threads, pids;
	unsigned io_weight;        /* limits.io_weight, 0: none */
	double cpus;
	uint64_t mem;
	char *baseline;
	const struct experiment *loaded;
	pthread_t thr;
	int thr_started;
	pthread_mutex_t lock;
	atomic_int stop;
	atomic_int finished;       /* the probe thread has returned */
	int wake_fd;               /* the thread's own copy of the loop's wake-up pipe */
	struct rect pane_rect[PANE__COUNT];
};

static const struct table_col rt_cols[] = {
	{ "", 3, 0, 0 }, { "Runtime", 14, 0, 0 }, { "Status", 10, 0, 1 },
};
static const struct table_col wl_cols[] = {
	{ "", 3, 0, 0 }, { "Workload", 14, 0, 0 }, { "Description", 10, 0, 1 },
};
static const struct table_col opt_cols[] = {
	{ "Option", 14, 0, 0 }, { "Value", 10, 0, 1 },
};
static const struct table_col exp_cols[] = {
	{ "Experiment", 14, 0, 0 }, { "Title", 10, 0, 1 },
};

static void *probe_thread(void *arg)
{
	struct setup *s = arg;
	for (size_t i = 0; i < s->nrts && !atomic_load(&s->stop); i++) {
		struct driver_status st = { 0 };
		s->rts[i].ex->ops->probe(s->rts[i].ex, s->rts[i].rt, &st);
		pthread_mutex_lock(&s->lock);
		s->rts[i].st = st;
		s->rts[i].probed = 1;
		if (!strcmp(s->rts[i].rt->name, "native") && st.available)
			s->rts[i].selected = 1;
		pthread_mutex_unlock(&s->lock);
		if (s->wake_fd >= 0) {
			ssize_t w = write(s->wake_fd, "p", 1);
			(void)w;
		}
	}
	atomic_store(&s->finished, 1);
	return NULL;
}

static void setup_init(struct tui *t)
{
	struct setup *s = xcalloc(1, sizeof *s);
	t->setup = s;
	pthread_mutex_init(&s->lock, NULL);
	s->nrts = t->cfg.nruntimes;
	s->rts = xcalloc(s->nrts ? s->nrts : 1, sizeof *s->rts);
	for (size_t i = 0; i < s->nrts; i++) {
		/* With --host every runtime is listed, probed and run on that host
		 * ("gvisor@lab1"); a runtime that already names a host stays as is. */
		char *why = NULL;
		struct rt_row *r = &s->rts[i];
		if (executors_resolve(t->xs, t->cfg.runtimes[i].name, &r->rt, &r->ex, &why) < 0) {
			r->rt = &t->cfg.runtimes[i];
			r->ex = &executor_local;
		}
		free(why);
		r->name = strcmp(r->ex->host, "local") ? xasprintf("%s@%s", r->rt->name, r->ex->host) : xstrdup(r->rt->name);
	}
	s->wl_sel = xcalloc(t->cfg.nworkloads ? t->cfg.nworkloads : 1, sizeof *s->wl_sel);
	for (size_t i = 0; i < t->cfg.nworkloads; i++)
		if (!strcmp(t->cfg.workloads[i].name, "cpu"))
			s->wl_sel[i] = 1;
	struct experiment d;
	experiment_defaults(&d);
	s->duration = d.duration;
	s->reps = d.repetitions;
	s->warmup = d.warmup;
	s->threads = d.threads;
	s->baseline = xstrdup(d.baseline ? d.baseline : "native");
	experiment_clear(&d);
	s->tb[PANE_RUNTIMES] = (struct table){ .cols = rt_cols, .ncols = 3, .nrows = s->nrts, .sort_col = -1 };
	s->tb[PANE_WORKLOADS] = (struct table){ .cols = wl_cols, .ncols = 3, .nrows = t->cfg.nworkloads, .sort_col = -1 };
	s->tb[PANE_OPTIONS] = (struct table){ .cols = opt_cols, .ncols = 2, .nrows = OPT__COUNT, .sort_col = -1 };
	s->tb[PANE_EXPERIMENTS] = (struct table){ .cols = exp_cols, .ncols = 2, .nrows = t->cfg.nexperiments, .sort_col = -1 };
	s->wake_fd = t->wake[1] >= 0 ? fcntl(t->wake[1], F_DUPFD_CLOEXEC, 0) : -1;
	s->thr_started = pthread_create(&s->thr, NULL, probe_thread, s) == 0;
	if (!s->thr_started)
		live_log(&t->live, LOG_WARN, "cannot start the runtime probe thread; runtimes show as unprobed");
}

static void setup_done(struct tui *t)
{
	struct setup *s = t->setup;
	if (!s)
		return;
	atomic_store(&s->stop, 1);
	/* The probe in flight usually ends in a moment (it stops before the
	 * next runtime); wait that long. */
	for (int i = 0; i < 200 && s->thr_started && !atomic_load(&s->finished); i++)
		usleep(10000);
	if (s->thr_started && !atomic_load(&s->finished)) {
		/* A probe may take longer (a daemon that does not answer, a
		 * remote host): never hold up quitting for it. The thread still
		 * uses s and the configuration, so both are left to the process's
		 * end rather than freed under it (tui_main ends it at once). */
		pthread_detach(s->thr);
		t->cfg_in_use = 1;
		t->setup = NULL;
		return;
	}
	if (s->thr_started)
		pthread_join(s->thr, NULL);
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	for (size_t i = 0; i < s->nrts; i++) {
		driver_status_free(&s->rts[i].st);
		free(s->rts[i].name);
	}
	free(s->rts);
	free(s->wl_sel);
	free(s->baseline);
	pthread_mutex_destroy(&s->lock);
	free(s);
	t->setup = NULL;
}

void setup_poll_probes(struct tui *t)
{
	if (t->screen == SCREEN_SETUP)
		t->damage |= DAMAGE_BODY;
}

/* ---- cells ---- */

static void rt_cell(void *arg, size_t row, int col, char *buf, size_t len, attr_t *attr)
{
	struct setup *s = arg;
	struct rt_row *r = &s->rts[row];
	int avail = r->probed && r->st.available;
	if (!avail)
		*attr = th(TH_DIM);
	switch (col) {
	case 0: snprintf(buf, len, "[%c]", r->selected ? 'x' : ' '); break;
	case 1: snprintf(buf, len, "%s", r->name); break;
	case 2:
		if (!r->probed)
			snprintf(buf, len, "probing...");
		else if (avail)
			snprintf(buf, len, "%s", r->st.version ? r->st.version : "available");
		else
			snprintf(buf, len, "unavailable: %s", r->st.reason ? r->st.reason : "unknown reason");
		break;
	}
}

static void wl_cell(void *arg, size_t row, int col, char *buf, size_t len, attr_t *attr)
{
	struct tui *t = arg;
	const struct workload *w = &t->cfg.workloads[row];
	switch (col) {
	case 0: snprintf(buf, len, "[%c]", t->setup->wl_sel[row] ? 'x' : ' '); break;
	case 1: snprintf(buf, len, "%s", w->name); break;
	case 2: snprintf(buf, len, "%s", w->description ? w->description : ""); break;
	}
}

static void opt_value(struct setup *s, int row, char *buf, size_t len)
{
	char tmp[32];
	switch (row) {
	case OPT_DURATION: snprintf(buf, len, "%g", s->duration); break;
	case OPT_REPS: snprintf(buf, len, "%u", s->reps); break;
	case OPT_WARMUP: snprintf(buf, len, "%u", s->warmup); break;
	case OPT_THREADS: snprintf(buf, len, "%u", s->threads); break;
	case OPT_BASELINE: snprintf(buf, len, "%s", s->baseline); break;
	case OPT_CPUS:
		if (s->cpus > 0)
			snprintf(buf, len, "%g CPUs", s->cpus);
		else
			snprintf(buf, len, "none");
		break;
	case OPT_MEMORY:
		if (s->mem)
			snprintf(buf, len, "%s", draw_kb((unsigned long long)(s->mem / 1024), tmp, sizeof tmp));
		else
			snprintf(buf, len, "none");
		break;
	case OPT_PIDS: case OPT_IO_WEIGHT: {
		unsigned v = row == OPT_PIDS ? s->pids : s->io_weight;
		if (v)
			snprintf(buf, len, "%u", v);
		else
			snprintf(buf, len, "none");
		break;
	}
	default: buf[0] = 0;
	}
}

static void opt_cell(void *arg, size_t row, int col, char *buf, size_t len, attr_t *attr)
{
	struct setup *s = arg;
	if (row == OPT_START) {
		if (col == 0)
			snprintf(buf, len, "[ Start (s) ]");
		*attr = th(TH_OK);
		return;
	}
	if (col == 0)
		snprintf(buf, len, "%s", opt_names[row]);
	else
		opt_value(s, (int)row, buf, len);
}

static void exp_cell(void *arg, size_t row, int col, char *buf, size_t len, attr_t *attr)
{
	struct tui *t = arg;
	const struct experiment *x = &t->cfg.experiments[row];
	if (col == 0)
		snprintf(buf, len, "%s%s", x == t->setup->loaded ? "*" : "", x->name);
	else
		snprintf(buf, len, "%s", x->title ? x->title : x->question ? x->question : "");
}

/* ---- drawing ---- */

static void pane(struct tui *t, int id, const struct rect *box, const char *title, table_cell_fn fn, void *arg)
{
	struct setup *s = t->setup;
	int focus = s->pane == id;
	draw_box(box->y, box->x, box->h, box->w, th(focus ? TH_BORDER_FOCUS : TH_BORDER), title, t->utf8);
	struct rect in = { box->y + 1, box->x + 1, box->h - 2, box->w - 2 };
	s->pane_rect[id] = in;
	s->tb[id].focus = focus;
	if (in.h > 0)
		table_draw(&s->tb[id], &in, 0, fn, arg);
}

static void details(struct tui *t, const struct rect *box)
{
	struct setup *s = t->setup;
	draw_box(box->y, box->x, box->h, box->w, th(TH_BORDER), "Details", t->utf8);
	int y = box->y + 1, x = box->x + 2, w = box->w - 4, end = box->y + box->h - 1;
	char buf[512];
	if (s->pane == PANE_RUNTIMES && s->nrts) {
		struct rt_row *r = &s->rts[s->tb[PANE_RUNTIMES].sel];
		snprintf(buf, sizeof buf, "%s (driver %s): %s", r->name, r->rt->driver,
		    r->rt->description ? r->rt->description : "");
		if (y < end)
			draw_text(y++, x, w, th(TH_NORMAL), 0, buf);
		if (!r->probed) {
			if (y < end)
				draw_text(y++, x, w, th(TH_DIM), 0, "probing...");
		} else if (r->st.available) {
			snprintf(buf, sizeof buf, "available, version %s", r->st.version ? r->st.version : "unknown");
			if (y < end)
				draw_text(y++, x, w, th(TH_OK), 0, buf);
		} else {
			snprintf(buf, sizeof buf, "unavailable: %s", r->st.reason ? r->st.reason : "unknown reason");
			if (y < end)
				draw_text(y++, x, w, th(TH_ERROR), 0, buf);
			snprintf(buf, sizeof buf, "fix: %s", r->st.fix ? r->st.fix : "none known");
			if (y < end)
				draw_text(y++, x, w, th(TH_WARN), 0, buf);
		}
	} else if (s->pane == PANE_WORKLOADS && t->cfg.nworkloads) {
		const struct workload *wl = &t->cfg.workloads[s->tb[PANE_WORKLOADS].sel];
		snprintf(buf, sizeof buf, "%s: %s", wl->name, wl->description ? wl->description : "");
		if (y < end)
			draw_text(y++, x, w, th(TH_NORMAL), 0, buf);
		if (!wl->nparams && y < end)
			draw_text(y++, x, w, th(TH_DIM), 0, "no parameters");
		for (size_t i = 0; i < wl->nparams && y < end; i++) {
			snprintf(buf, sizeof buf, "%s = %s  %s", wl->params[i].name, wl->params[i].value ? wl->params[i].value : "",
			    wl->params[i].description ? wl->params[i].description : "");
			draw_text(y++, x, w, th(TH_INFO), 0, buf);
		}
	} else if (s->pane == PANE_EXPERIMENTS && t->cfg.nexperiments) {
		const struct experiment *e = &t->cfg.experiments[s->tb[PANE_EXPERIMENTS].sel];
		snprintf(buf, sizeof buf, "%s (%s): %s", e->name, experiment_kind_name(e->kind), e->title ? e->title : "");
		if (y < end)
			draw_text(y++, x, w, th(TH_NORMAL), 0, buf);
		if (e->question && y < end)
			draw_text(y++, x, w, th(TH_INFO), 0, e->question);
		if (y < end)
			draw_text(y++, x, w, th(TH_DIM), 0, "Enter: load it into the options");
	} else {
		size_t nrt = 0, nwl = 0;
		for (size_t i = 0; i < s->nrts; i++)
			nrt += s->rts[i].selected;
		for (size_t i = 0; i < t->cfg.nworkloads; i++)
			nwl += (size_t)s->wl_sel[i];
		double total = (double)(nrt * nwl * (s->reps + s->warmup)) * s->duration;
		char hms[32];
		snprintf(buf, sizeof buf, "%zu runtime%s x %zu workload%s x %u repetition%s: about %s", nrt,
		    nrt == 1 ? "" : "s", nwl, nwl == 1 ? "" : "s", s->reps + s->warmup, s->reps + s->warmup == 1 ? "" : "s",
		    draw_hms(total, hms, sizeof hms));
		if (y < end)
			draw_text(y++, x, w, th(TH_NORMAL), 0, buf);
		if (y < end)
			draw_text(y++, x, w, th(TH_DIM), 0, "Enter edits, Left/Right adjust, s starts");
	}
}

static void setup_draw(struct tui *t, const struct rect *r)
{
	struct setup *s = t->setup;
	for (int y = 0; y < r->h; y++)
		draw_fill(r->y + y, r->x, r->w, th(TH_NORMAL));
	int lw = r->w / 2;
	int rh = r->h / 2;
	pthread_mutex_lock(&s->lock);
	struct rect b1 = { r->y, r->x, rh, lw };
	pane(t, PANE_RUNTIMES, &b1, "Runtimes", rt_cell, s);
	pthread_mutex_unlock(&s->lock);
	struct rect b2 = { r->y + rh, r->x, r->h - rh, lw };
	pane(t, PANE_WORKLOADS, &b2, "Workloads", wl_cell, t);
	int oh = OPT__COUNT + 2;
	int dh = r->h >= 24 ? 7 : 5;
	int eh = r->h - oh - dh;
	if (eh < 3) {
		dh = 3;
		eh = r->h - oh - dh;
	}
	struct rect b3 = { r->y, r->x + lw, oh, r->w - lw };
	pane(t, PANE_OPTIONS, &b3, "Experiment options", opt_cell, s);
	struct rect b4 = { r->y + oh, r->x + lw, eh, r->w - lw };
	pane(t, PANE_EXPERIMENTS, &b4, "Saved experiments", exp_cell, t);
	struct rect b5 = { r->y + oh + eh, r->x + lw, dh, r->w - lw };
	pthread_mutex_lock(&s->lock);
	details(t, &b5);
	pthread_mutex_unlock(&s->lock);
}

/* ---- actions ---- */

static char **strv_push(char **v, size_t *n, const char *s)
{
	v = xreallocarray(v, *n + 2, sizeof *v);
	v[(*n)++] = xstrdup(s);
	v[*n] = NULL;
	return v;
}

static void start(struct tui *t)
{
	struct setup *s = t->setup;
	if (t->engine) {
		tui_status(t, "a run is already in progress (see 2 Dashboard)");
		return;
	}
	struct experiment exp;
	experiment_defaults(&exp);
	size_t nrt = 0, nwl = 0;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->nrts; i++)
		if (s->rts[i].selected)
			exp.runtimes = strv_push(exp.runtimes, &nrt, s->rts[i].name);
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; i < t->cfg.nworkloads; i++)
		if (s->wl_sel[i])
			exp.workloads = strv_push(exp.workloads, &nwl, t->cfg.workloads[i].name);
	if (!nrt || !nwl) {
		tui_status(t, "select at least one runtime and one workload (Space toggles)");
		experiment_clear(&exp);
		return;
	}
	const struct experiment *x = s->loaded;
	exp.name = xstrdup(x ? x->name : "interactive");
	if (x) {
		exp.kind = x->kind;
		/* What makes the kind (neighbours, N, variants) and a lab's rules
		 * come with it; the panes only set the common options. */
		struct experiment g;
		experiment_copy(&g, x);
		exp.neighbours = g.neighbours;
		exp.nneighbours = g.nneighbours;
		exp.variants = g.variants;
		exp.nvariants = g.nvariants;
		exp.expects = g.expects;
		exp.nexpects = g.nexpects;
		exp.max_instances = g.max_instances;
		exp.instances = g.instances;
		exp.sweep = g.sweep;
		g.sweep = (struct sweep){ 0 };
		g.neighbours = NULL;
		g.variants = NULL;
		g.expects = NULL;
		g.nneighbours = g.nvariants = g.nexpects = 0;
		experiment_clear(&g);
		if (x->title)
			exp.title = xstrdup(x->title);
		if (x->network) {
			free(exp.network);
			exp.network = xstrdup(x->network);
		}
		if (x->grace > 0)
			exp.grace = x->grace;
		/* Every limit of the file (weight, soft memory, cpuset, the
		 * memory pool...); the panes then set the ones they show. */
		exp.limits = x->limits;
		exp.limits.cpuset = x->limits.cpuset ? xstrdup(x->limits.cpuset) : NULL;
		if (x->nparams) {
			exp.params = xcalloc(x->nparams, sizeof *exp.params);
			for (size_t i = 0; i < x->nparams; i++) {
				exp.params[i].key = xstrdup(x->params[i].key);
				exp.params[i].value = xstrdup(x->params[i].value);
			}
			exp.nparams = x->nparams;
		}
	}
	exp.duration = s->duration;
	exp.repetitions = s->reps;
	exp.warmup = s->warmup;
	exp.threads = s->threads;
	exp.limits.cpus = s->cpus;
	exp.limits.mem_hard = s->mem;
	exp.limits.pids = s->pids;
	exp.limits.io_weight = s->io_weight;
	/* The baseline is a runtime's own name: reports compare within each
	 * host ("native" is the baseline of gvisor@lab1 on lab1). */
	int have_base = 0;
	for (char **p = exp.runtimes; *p; p++)
		have_base |= strlen(s->baseline) == strcspn(*p, "@") && !strncmp(*p, s->baseline, strcspn(*p, "@"));
	free(exp.baseline);
	exp.baseline = have_base ? xstrdup(s->baseline) : xstrndup(exp.runtimes[0], strcspn(exp.runtimes[0], "@"));
	/* The workloads chosen here may not take the experiment's sweep. */
	char *why = NULL;
	if (experiment_check_sweep(&t->cfg, &exp, &why) < 0) {
		tui_status(t, "experiment %s: %s", exp.name, why);
		free(why);
		experiment_clear(&exp);
		return;
	}
	tui_start_run(t, &exp);
}

static void load_experiment(struct tui *t, const struct experiment *x)
{
	struct setup *s = t->setup;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->nrts; i++) {
		s->rts[i].selected = 0;
		for (char **p = x->runtimes; p && *p; p++)
			if (!strcmp(*p, s->rts[i].name) || !strcmp(*p, s->rts[i].rt->name))
				s->rts[i].selected = 1;
	}
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; i < t->cfg.nworkloads; i++) {
		s->wl_sel[i] = 0;
		for (char **p = x->workloads; p && *p; p++)
			if (!strcmp(*p, t->cfg.workloads[i].name))
				s->wl_sel[i] = 1;
	}
	if (x->duration > 0)
		s->duration = x->duration;
	if (x->repetitions)
		s->reps = x->repetitions;
	s->warmup = x->warmup;
	if (x->threads)
		s->threads = x->threads;
	if (x->baseline) {
		free(s->baseline);
		s->baseline = xstrdup(x->baseline);
	}
	s->cpus = x->limits.cpus;
	s->mem = x->limits.mem_hard;
	s->pids = x->limits.pids;
	s->io_weight = x->limits.io_weight;
	s->loaded = x;
	tui_status(t, "loaded experiment '%s'; s starts it", x->name);
}

static void toggle(struct tui *t)
{
	struct setup *s = t->setup;
	if (s->pane == PANE_RUNTIMES && s->nrts) {
		pthread_mutex_lock(&s->lock);
		struct rt_row *r = &s->rts[s->tb[PANE_RUNTIMES].sel];
		int ok = r->probed && r->st.available;
		if (ok)
			r->selected = !r->selected;
		pthread_mutex_unlock(&s->lock);
		if (!ok)
			tui_status(t, "%s cannot run here: %s", r->name,
			    r->probed ? (r->st.reason ? r->st.reason : "unavailable") : "still probing");
	} else if (s->pane == PANE_WORKLOADS && t->cfg.nworkloads) {
		size_t i = s->tb[PANE_WORKLOADS].sel;
		s->wl_sel[i] = !s->wl_sel[i];
	}
}

static void adjust(struct tui *t, int row, int dir)
{
	struct setup *s = t->setup;
	switch (row) {
	case OPT_DURATION:
		s->duration += dir * (s->duration >= 10 ? 5 : 1);
		if (s->duration < 1)
			s->duration = 1;
		break;
	case OPT_REPS: if (dir > 0 || s->reps > 1) s->reps = (unsigned)((int)s->reps + dir); break;
	case OPT_WARMUP: if (dir > 0 || s->warmup > 0) s->warmup = (unsigned)((int)s->warmup + dir); break;
	case OPT_THREADS: if (dir > 0 || s->threads > 1) s->threads = (unsigned)((int)s->threads + dir); break;
	case OPT_CPUS:
		s->cpus += dir * 0.5;
		if (s->cpus < 0.5)
			s->cpus = dir > 0 ? 0.5 : 0;
		break;
	case OPT_MEMORY: {
		uint64_t step = 64ULL << 20;
		if (dir > 0)
			s->mem += step;
		else
			s->mem = s->mem > step ? s->mem - step : 0;
		break;
	}
	case OPT_PIDS:
		if (dir > 0)
			s->pids += 16;
		else
			s->pids = s->pids > 16 ? s->pids - 16 : 0;
		break;
	case OPT_IO_WEIGHT:
		/* From none to BFQ's default, then in steps of 50 within 10..1000. */
		if (dir > 0)
			s->io_weight = !s->io_weight ? 100 : s->io_weight >= 950 ? 1000 : s->io_weight + 50;
		else
			s->io_weight = s->io_weight > 50 ? s->io_weight - 50 : 0;
		break;
	case OPT_BASELINE: {
		if (!t->cfg.nruntimes)
			break;
		size_t i = 0;
		for (; i < t->cfg.nruntimes; i++)
			if (!strcmp(t->cfg.runtimes[i].name, s->baseline))
				break;
		size_t n = t->cfg.nruntimes;
		i = i < n ? (i + n + (size_t)(dir > 0 ? 1 : n - 1)) % n : 0;
		free(s->baseline);
		s->baseline = xstrdup(t->cfg.runtimes[i].name);
		break;
	}
	}
}

static void option_entered(struct tui *t, int ok, size_t choice, const char *text, void *arg)
{
	struct setup *s = t->setup;
	int row = (int)(intptr_t)arg;
	if (!ok || !text)
		return;
	char *end;
	double v = strtod(text, &end);
	int num_ok = end != text && !*end && isfinite(v) && v >= 0;
	switch (row) {
	case OPT_DURATION:
		if (!num_ok || v <= 0 || v > 86400) {
			tui_status(t, "duration: expected seconds, more than 0 and at most 86400");
			return;
		}
		s->duration = v;
		break;
	case OPT_REPS: case OPT_WARMUP: case OPT_THREADS: case OPT_PIDS: {
		unsigned min = row == OPT_REPS || row == OPT_THREADS ? 1 : 0;
		unsigned max = row == OPT_PIDS ? 4194304 : row == OPT_WARMUP ? 100 : 1024;
		if (!num_ok || v != floor(v) || v < min || v > max) {
			tui_status(t, "%s: expected a whole number from %u to %u", opt_names[row], min, max);
			return;
		}
		unsigned *dst = row == OPT_REPS ? &s->reps : row == OPT_WARMUP ? &s->warmup
		    : row == OPT_THREADS ? &s->threads : &s->pids;
		*dst = (unsigned)v;
		break;
	}
	case OPT_IO_WEIGHT:
		if (!strcmp(text, "none"))
			v = 0, num_ok = 1;
		if (!num_ok || v != floor(v) || (v != 0 && (v < 10 || v > 1000))) {
			tui_status(t, "I/O weight: expected a whole number from 10 to 1000, as Docker's --blkio-weight (0: none)");
			return;
		}
		s->io_weight = (unsigned)v;
		break;
	case OPT_CPUS:
		if (!num_ok || v > 4096) {
			tui_status(t, "CPU limit: expected a number of CPUs such as 1.5 (0: none)");
			return;
		}
		s->cpus = v;
		break;
	case OPT_MEMORY: {
		uint64_t b = 0;
		if (strcmp(text, "0") && strcmp(text, "none") && parse_size(text, &b) < 0) {
			tui_status(t, "memory limit: expected a size such as 512M or 1G (0: none)");
			return;
		}
		s->mem = b;
		break;
	}
	case OPT_BASELINE:
		if (!config_runtime(&t->cfg, text)) {
			tui_status(t, "baseline: unknown runtime '%s'", text);
			return;
		}
		free(s->baseline);
		s->baseline = xstrdup(text);
		break;
	}
}

static void activate(struct tui *t)
{
	struct setup *s = t->setup;
	if (s->pane == PANE_OPTIONS) {
		int row = (int)s->tb[PANE_OPTIONS].sel;
		if (row == OPT_START) {
			start(t);
			return;
		}
		char val[64];
		opt_value(s, row, val, sizeof val);
		if (!strcmp(val, "none"))
			val[0] = 0;
		if (row == OPT_MEMORY && s->mem)
			snprintf(val, sizeof val, "%lluM", (unsigned long long)(s->mem >> 20));
		if (row == OPT_CPUS && s->cpus > 0)
			snprintf(val, sizeof val, "%g", s->cpus);
		dialog_input(t, opt_names[row], "New value:", val, option_entered, (void *)(intptr_t)row);
	} else if (s->pane == PANE_EXPERIMENTS && t->cfg.nexperiments) {
		load_experiment(t, &t->cfg.experiments[s->tb[PANE_EXPERIMENTS].sel]);
	} else {
		toggle(t);
	}
}

static int setup_key(struct tui *t, int key)
{
	struct setup *s = t->setup;
	struct table *tb = &s->tb[s->pane];
	int h = s->pane_rect[s->pane].h;
	if (table_key(tb, key, h))
		return TUI_REDRAW;
	switch (key) {
	case '\t':
		s->pane = (s->pane + 1) % PANE__COUNT;
		return TUI_REDRAW;
	case KEY_BTAB:
		s->pane = (s->pane + PANE__COUNT - 1) % PANE__COUNT;
		return TUI_REDRAW;
	case ' ':
		if (s->pane == PANE_OPTIONS)
			adjust(t, (int)tb->sel, 1);
		else
			toggle(t);
		return TUI_REDRAW;
	case '\r': case '\n': case KEY_ENTER:
		activate(t);
		return TUI_REDRAW;
	case KEY_RIGHT: case 'l': case '+':
		if (s->pane == PANE_OPTIONS)
			adjust(t, (int)tb->sel, 1);
		else
			s->pane = (s->pane + 1) % PANE__COUNT;
		return TUI_REDRAW;
	case KEY_LEFT: case 'h': case '-':
		if (s->pane == PANE_OPTIONS)
			adjust(t, (int)tb->sel, -1);
		else
			s->pane = (s->pane + PANE__COUNT - 1) % PANE__COUNT;
		return TUI_REDRAW;
	case 's': case KEY_F(5):
		start(t);
		return TUI_REDRAW;
	case 'a':
		if (s->pane == PANE_WORKLOADS)
			for (size_t i = 0; i < t->cfg.nworkloads; i++)
				s->wl_sel[i] = 1;
		return TUI_REDRAW;
	case 'n':
		if (s->pane == PANE_WORKLOADS)
			for (size_t i = 0; i < t->cfg.nworkloads; i++)
				s->wl_sel[i] = 0;
		return TUI_REDRAW;
	}
	return TUI_IGNORED;
}

static int setup_mouse(struct tui *t, const MEVENT *m, const struct rect *r)
{
	struct setup *s = t->setup;
	for (int p = 0; p < PANE__COUNT; p++) {
		const struct rect *pr = &s->pane_rect[p];
		if (m->y < pr->y || m->y >= pr->y + pr->h || m->x < pr->x || m->x >= pr->x + pr->w)
			continue;
		s->pane = p;
		long row = table_hit(&s->tb[p], pr, 0, m->y);
		if (row >= 0) {
			int again = s->tb[p].sel == (size_t)row;
			s->tb[p].sel = (size_t)row;
			if (again || (m->bstate & BUTTON1_DOUBLE_CLICKED) || p <= PANE_WORKLOADS)
				activate(t);
		}
		return TUI_REDRAW;
	}
	return TUI_IGNORED;
}

static const struct help_key setup_help[] = {
	{ "Tab/S-Tab", "next / previous pane (runtimes, workloads, options, experiments)" },
	{ "Up/Down j/k", "move in the pane" },
	{ "Space/Enter", "select or deselect a runtime or workload" },
	{ "Enter", "edit an option; load a saved experiment; start on [Start]" },
	{ "Left/Right +/-", "adjust the selected option" },
	{ "a / n", "select all / no workloads" },
	{ "s, F5", "start the experiment" },
	{ "mouse", "click selects; click again toggles or edits" },
	{ NULL, NULL },
};

static const struct help_key setup_bar[] = {
	{ "Tab", "Pane" }, { "Space", "Select" }, { "Enter", "Edit" }, { "F5", "Start" }, { NULL, NULL },
};

const struct screen_class screen_setup = {
	.name = "Setup",
	.init = setup_init,
	.done = setup_done,
	.draw = setup_draw,
	.key = setup_key,
	.mouse = setup_mouse,
	.help = setup_help,
	.bar = setup_bar,
	.live_mask = 0,
};

/* plan.c — an experiment's groups, by kind (plan.h). */
#include "config.h"
#include "executor.h"
#include "journal.h"
#include "plan.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

const struct limits *plan_neighbour_limits(const struct plan_item *p, const struct neighbour *nb)
{
	return nb->has_limits ? &nb->limits : p->nb_limits ? p->nb_limits : p->limits;
}

/* Adversaries take a host down unless a cgroup holds them: refuse them
 * without both a pids and a memory limit, whatever the runtime, in every
 * variant they run in. */
static int check_adversaries(const struct experiment *x, const struct config *cfg, char **cause)
{
	for (size_t i = 0; i < x->nneighbours; i++) {
		const struct neighbour *nb = &x->neighbours[i];
		int adversarial = (nb->nclass && !strcmp(nb->nclass, "adversarial")) ||
		    !strcmp(nb->workload, "forkbomb") || !strcmp(nb->workload, "mallocbomb");
		if (!adversarial)
			continue;
		for (size_t v = 0; v < (x->nvariants ? x->nvariants : 1); v++) {
			const struct variant *vr = x->nvariants ? &x->variants[v] : NULL;
			struct plan_item it = { .limits = vr ? &vr->limits : &x->limits,
				.nb_limits = vr && vr->has_neighbour_limits ? &vr->neighbour_limits : NULL };
			const struct limits *l = plan_neighbour_limits(&it, nb);
			if (!l->pids || !l->mem_hard)
				return err_set(cause, "experiment %s%s%s: the adversarial neighbour '%s' needs limits.pids and "
				    "limits.memory (it could take the host down without them); set both",
				    x->name ? x->name : "", vr ? ", variant " : "", vr ? vr->name : "", nb->workload);
		}
		if (!config_workload(cfg, nb->workload))
			return err_set(cause, "unknown workload '%s' (see 'isolab list workloads')", nb->workload);
	}
	return 0;
}

const char *neighbour_class(const struct neighbour *nb)
{
	return nb->nclass ? nb->nclass : "competing";
}

/* Whether neighbour i is the first of its class in x. */
static int neighbour_class_first(const struct experiment *x, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (!strcmp(neighbour_class(&x->neighbours[k]), neighbour_class(&x->neighbours[i])))
			return 0;
	return 1;
}

int plan_item_has_neighbour(const struct plan_item *p, const struct neighbour *nb)
{
	return p->with_neighbours && (!p->nclass || !strcmp(p->nclass, neighbour_class(nb)));
}

/* Resolves every runtime of x to its configured runtime and executor. */
static int place_runtimes(struct plan *p, struct executors *xs, const struct experiment *x, char **cause)
{
	size_t nrt = 0;
	while (x->runtimes[nrt])
		nrt++;
	p->runtimes = xcalloc(nrt, sizeof *p->runtimes);
	for (size_t t = 0; t < nrt; t++) {
		struct plan_runtime *pr = &p->runtimes[p->nruntimes];
		if (executors_resolve(xs, x->runtimes[t], &pr->rt, &pr->ex, cause) < 0)
			return -1;
		pr->name = strcmp(pr->ex->host, "local") ? xasprintf("%s@%s", pr->rt->name, pr->ex->host)
		    : xstrdup(pr->rt->name);
		p->nruntimes++;
	}
	return 0;
}

static struct plan_item *push(struct plan *p, size_t *cap, const struct plan_item *it)
{
	if (p->nitems == *cap)
		p->items = xreallocarray(p->items, *cap = *cap ? *cap * 2 : 16, sizeof *p->items);
	p->items[p->nitems] = *it;
	return &p->items[p->nitems++];
}

size_t plan_scale_counts(const struct experiment *x, unsigned **out)
{
	unsigned max = x->max_instances ? x->max_instances : 64;
	unsigned *ns = NULL;
	size_t nn = 0;
	if (x->sweep.param && !strcmp(x->sweep.param, "instances")) {
		for (char **v = x->sweep.values; *v; v++) {
			ns = xreallocarray(ns, nn + 1, sizeof *ns);
			ns[nn++] = (unsigned)strtoul(*v, NULL, 10);
		}
	} else {
		for (unsigned n = 1;; n = n * 2 > max && n < max ? max : n * 2) {
			ns = xreallocarray(ns, nn + 1, sizeof *ns);
			ns[nn++] = n;
			if (n >= max)
				break;
		}
	}
	*out = ns;
	return nn;
}

/* scale: each N of plan_scale_counts, for each workload, repetition and
 * runtime. */
static void plan_scale(struct plan *p, size_t *cap, const struct config *cfg, const struct experiment *x,
    size_t nwl)
{
	unsigned reps = x->warmup + x->repetitions;
	unsigned *ns = NULL;
	size_t nn = plan_scale_counts(x, &ns);
	for (size_t w = 0; w < nwl; w++)
		for (size_t k = 0; k < nn; k++)
			for (unsigned rep = 0; rep < reps; rep++)
				for (size_t t = 0; t < p->nruntimes; t++) {
					struct plan_item it = { .at = &p->runtimes[t], .wl = config_workload(cfg, x->workloads[w]),
						.rep = rep < x->warmup ? rep + 1 : rep - x->warmup + 1, .warmup = rep < x->warmup,
						.limits = &x->limits, .count = ns[k], .scale_n = ns[k] };
					snprintf(it.variant, sizeof it.variant, "N=%u", ns[k]);
					push(p, cap, &it);
				}
	free(ns);
}

/* interference: the target alone, then a phase with its neighbours.
 * Neighbours of one class: one phase, "neighbours". Of several: a phase
 * per class, in the order they first appear, each against the same target
 * alone (the studies measured competing, orthogonal and adversarial
 * neighbours apart). A variant's phases are labelled "VARIANT/PHASE". */
static void plan_phases(struct plan *p, size_t *cap, const struct experiment *x, struct plan_item *it,
    const char *variant)
{
	const char *pre = variant ? variant : "", *sep = variant ? "/" : "";
	snprintf(it->variant, sizeof it->variant, "%s%salone", pre, sep);
	push(p, cap, it);
	size_t nclasses = 0;
	for (size_t i = 0; i < x->nneighbours; i++)
		nclasses += neighbour_class_first(x, i);
	it->with_neighbours = 1;
	for (size_t i = 0; i < x->nneighbours; i++) {
		if (!neighbour_class_first(x, i))
			continue;
		it->nclass = nclasses > 1 ? neighbour_class(&x->neighbours[i]) : NULL;
		snprintf(it->variant, sizeof it->variant, "%s%s%s", pre, sep, it->nclass ? it->nclass : "neighbours");
		push(p, cap, it);
	}
	it->with_neighbours = 0;
	it->nclass = NULL;
}

/* The groups of one repetition, workload and runtime, by kind. */
static void plan_one(struct plan *p, size_t *cap, const struct experiment *x, struct plan_item *it)
{
	switch (x->kind) {
	case EXP_INTERFERENCE:
		if (!x->nvariants)
			plan_phases(p, cap, x, it, NULL);
		/* A variant's target limits and its neighbours': each runs its
		 * own target alone and its own phases ("cpuset/alone",
		 * "cpuset/neighbours"), so each is judged against itself. */
		for (size_t v = 0; v < x->nvariants; v++) {
			const struct variant *vr = &x->variants[v];
			it->limits = &vr->limits;
			it->nb_limits = vr->has_neighbour_limits ? &vr->neighbour_limits : NULL;
			plan_phases(p, cap, x, it, vr->name);
		}
		it->limits = &x->limits;
		it->nb_limits = NULL;
		break;
	case EXP_ALLOCATION:
		if (!x->nvariants) {
			it->count = x->instances ? x->instances : 1;
			push(p, cap, it);
		}
		for (size_t v = 0; v < x->nvariants; v++) {
			it->limits = &x->variants[v].limits;
			it->count = x->variants[v].count ? x->variants[v].count : x->instances ? x->instances : 1;
			snprintf(it->variant, sizeof it->variant, "%s", x->variants[v].name);
			push(p, cap, it);
		}
		break;
	default:
		push(p, cap, it);
		break;
	}
}

int plan_build(struct plan *p, const struct config *cfg, struct executors *xs, const struct experiment *x,
    char **cause)
{
	memset(p, 0, sizeof *p);
	if (!x->runtimes || !x->runtimes[0])
		return err_set(cause, "experiment %s: no runtimes", x->name ? x->name : "");
	if (!x->workloads || !x->workloads[0])
		return err_set(cause, "experiment %s: no workloads", x->name ? x->name : "");
	if (check_adversaries(x, cfg, cause) < 0)
		return -1;
	if (x->sweep.param && x->kind != EXP_BENCHMARK && !(x->kind == EXP_SCALE && !strcmp(x->sweep.param, "instances")))
		return err_set(cause, "experiment %s: a sweep needs a benchmark experiment (or instances in a scale one), "
		    "not %s", x->name ? x->name : "", experiment_kind_name(x->kind));
	if (place_runtimes(p, xs, x, cause) < 0) {
		plan_free(p);
		return -1;
	}
	size_t nwl = 0, cap = 0;
	for (; x->workloads[nwl]; nwl++)
		if (!config_workload(cfg, x->workloads[nwl])) {
			plan_free(p);
			return err_set(cause, "unknown workload '%s' (see 'isolab list workloads')", x->workloads[nwl]);
		}
	if (x->kind == EXP_SCALE) {
		plan_scale(p, &cap, cfg, x, nwl);
		return 0;
	}
	/* A sweep: every value is a group of its own, runtimes still innermost. */
	size_t nvalues = 0;
	while (x->sweep.param && x->sweep.values && x->sweep.values[nvalues])
		nvalues++;
	if (nvalues && !strncmp(x->sweep.param, "limits.", 7)) {
		p->sweep_limits = xcalloc(nvalues, sizeof *p->sweep_limits);
		for (size_t v = 0; v < nvalues; v++) {
			p->sweep_limits[v] = x->limits;
			if (limits_set(&p->sweep_limits[v], x->sweep.param + 7, x->sweep.values[v], cause) < 0) {
				plan_free(p);
				return -1;
			}
		}
	}
	unsigned reps = x->warmup + x->repetitions;
	for (unsigned rep = 0; rep < reps; rep++)
		for (size_t w = 0; w < nwl; w++)
			for (size_t v = 0; v < (nvalues ? nvalues : 1); v++)
				for (size_t t = 0; t < p->nruntimes; t++) {
					struct plan_item it = { .at = &p->runtimes[t], .wl = config_workload(cfg, x->workloads[w]),
						.rep = rep < x->warmup ? rep + 1 : rep - x->warmup + 1, .warmup = rep < x->warmup,
						.limits = p->sweep_limits ? &p->sweep_limits[v] : &x->limits, .count = 1 };
					if (nvalues) {
						it.sweep_value = x->sweep.values[v];
						snprintf(it.variant, sizeof it.variant, "%s=%s", x->sweep.param, it.sweep_value);
					}
					plan_one(p, &cap, x, &it);
				}
	/* startup: the memory of an idle instance, once per runtime, after the cold starts. */
	const struct workload *idle = config_workload(cfg, "idle");
	if (x->kind == EXP_STARTUP && idle)
		for (size_t t = 0; t < p->nruntimes; t++) {
			struct plan_item it = { .at = &p->runtimes[t], .wl = idle, .rep = 1, .limits = &x->limits,
				.count = 1, .footprint = 1 };
			snprintf(it.variant, sizeof it.variant, "idle");
			push(p, &cap, &it);
		}
	return 0;
}

void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->nruntimes; i++)
		free(p->runtimes[i].name);
	free(p->runtimes);
	free(p->items);
	free(p->sweep_limits);
	memset(p, 0, sizeof *p);
}

/* ---- the plan as the journal records it ---- */

static json_t *experiment_json(const struct experiment *x)
{
	json_t *rts = json_array(), *wls = json_array(), *params = json_object();
	for (char **s = x->runtimes; s && *s; s++)
		json_array_append_new(rts, json_string(*s));
	for (char **s = x->workloads; s && *s; s++)
		json_array_append_new(wls, json_string(*s));
	for (size_t i = 0; i < x->nparams; i++)
		json_object_set_new(params, x->params[i].key, json_string(x->params[i].value));
	json_t *shown = NULL;
	for (char **s = x->report_metrics; s && *s; s++) {
		if (!shown)
			shown = json_array();
		json_array_append_new(shown, json_string(*s));
	}
	json_t *sweep = NULL;
	if (x->sweep.param) {
		json_t *vals = json_array();
		for (char **s = x->sweep.values; s && *s; s++)
			json_array_append_new(vals, json_string(*s));
		sweep = json_pack("{s:s, s:o}", "param", x->sweep.param, "values", vals);
	}
	return json_pack("{s:s?, s:s?, s:o, s:o, s:i, s:f, s:i, s:f, s:i, s:s?, s:s?, s:o, s:o?, s:o, s:o?}",
	    "name", x->name, "kind", experiment_kind_name(x->kind), "runtimes", rts, "workloads", wls,
	    "repetitions", (int)x->repetitions, "duration", x->duration, "warmup", (int)x->warmup,
	    "grace", x->grace, "threads", (int)x->threads, "baseline", x->baseline, "network", x->network,
	    "params", params, "report_metrics", shown, "limits", journal_limits(&x->limits), "sweep", sweep);
}

int plan_write_env(const struct plan *p, const struct config *cfg, const struct experiment *x, const char *probe,
    struct journal *j, char **cause)
{
	json_t *env = journal_env_record();
	json_object_set_new(env, "experiment", experiment_json(x));
	json_t *versions = json_object();
	for (size_t t = 0; t < p->nruntimes; t++) {
		const struct plan_runtime *pl = &p->runtimes[t];
		struct driver_status st = { 0 };
		pl->ex->ops->probe(pl->ex, pl->rt, &st);
		json_object_set_new(versions, pl->name, json_pack("{s:s, s:s, s:b, s:s?, s:s?}", "driver",
		    pl->rt->driver, "host", pl->ex->host, "available", st.available, "version", st.version, "reason",
		    st.reason));
		driver_status_free(&st);
	}
	json_object_set_new(env, "runtimes", versions);
	json_object_set_new(env, "probe", json_string(probe));
	int rc = journal_write_env(j, env, cause);
	json_decref(env);
	if (rc < 0)
		return -1;
	/* The targets' workloads, then the neighbours' (the report gives
	 * their load), each once. */
	size_t nw = 0;
	for (char **w = x->workloads; *w; w++)
		nw++;
	const char **names = xcalloc(nw + x->nneighbours + 1, sizeof *names);
	size_t nn = 0;
	for (size_t i = 0; i < nw + x->nneighbours; i++) {
		const char *name = i < nw ? x->workloads[i] : x->neighbours[i - nw].workload;
		int seen = 0;
		for (size_t k = 0; k < nn && !seen; k++)
			seen = !strcmp(names[k], name);
		if (!seen)
			names[nn++] = name;
	}
	for (size_t i = 0; i < nn; i++) {
		const struct workload *wl = config_workload(cfg, names[i]);
		if (!wl)
			continue;
		for (size_t k = 0; k < wl->nmetrics; k++) {
			const struct metric_def *m = &wl->metrics[k];
			json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:b, s:b}", "type", "metric_def",
			    "workload", wl->name, "name", m->name, "unit", m->unit, "kind", m->kind,
			    "higher_is_better", m->higher_is_better, "summary", m->summary);
			journal_append(j, rec, NULL);
			json_decref(rec);
		}
	}
	free(names);
	return journal_flush(j, cause);
}

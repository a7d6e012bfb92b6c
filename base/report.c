/*
 * report.c — the comparison of a run, built from its journal.
 *
 * One row per (runtime, workload, metric, host). Each measured repetition
 * (an "instance" record that is not a warm-up and whose "end" status is
 * "ok") contributes one value per metric: the end record's value when it
 * has one (summary metrics, which the engine stores there), otherwise the
 * mean of that instance's per-second "sample" values. Averaging per
 * instance first keeps the repetition the statistical unit: seconds within
 * one run are not independent, repetitions are.
 *
 * Failed and timed-out repetitions are counted, never averaged in: a run
 * that died half-way would drag the mean toward nothing in particular.
 * Instances without an end record (the run was killed while they ran) are
 * counted as incomplete for the same reason.
 *
 * Rows are ordered for reading: by workload and metric in the order the run
 * met them, the baseline first within each group, then the other runtimes
 * in run order, so each comparison sits in one block of lines.
 *
 * Beside the rows, each measured instance keeps what its samples' process
 * lists say by role (CPU-seconds, peak RSS) and its start-up milestones
 * (struct report_instance), for the charts of where the cost went.
 */
#include "report.h"
#include "samplerec.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Building: borrowed strings point into the journal's JSON, which outlives
 * report_build; rows copy what they keep. Samples are read into a struct
 * samplerec and let go (report_build_dir never keeps them): what a report
 * keeps of them is copied. */

struct acc {
	char *name;
	double sum;
	size_t n;
};

struct inst {
	char *key;             /* the instance id as text */
	const char *runtime, *workload, *host;
	int warmup;
	const char *status;    /* NULL until its "end" record */
	json_t *end_metrics;   /* borrowed */
	json_t *extra;         /* borrowed: the end record's extra numbers */
	json_t *phases;        /* borrowed: a driver's "startup" record (VMs: vmm_ms, kernel_ms, ...) */
	json_t *ready_j;       /* borrowed: the end record's launch-to-ready time (startup_ms), or NULL */
	const char *variant;   /* "" when none */
	int neighbour, target;
	const char *class_name; /* a neighbour's class (competing, orthogonal, adversarial), or "" */
	int emulated;          /* a VM that ran under TCG (the driver's "accelerator: ..." info record) */
	int started;           /* it ran: became ready, or timed out trying */
	long long group;
	json_t *limits;        /* borrowed: the limits it ran under (its instance record), or NULL */
	struct acc *acc;
	size_t nacc;
	int rep;
	json_t *milestones;    /* borrowed: a driver's "startup" record, whatever the kind */
	double startup_ms, create_ms;
	double isolab_pre_ms, isolab_post_ms;
	unsigned psamples;     /* samples that listed processes */
	unsigned csamples;     /* samples in which its processes used CPU */
	double cpu_s[ROLE__COUNT], rss_peak_kb[ROLE__COUNT];
	double io[4][ROLE__COUNT]; /* kB read, kB written, voluntary and involuntary switches: IO_* */
	double rss_sum_kb[ROLE__COUNT];
	unsigned rss_n[ROLE__COUNT];
	double pss_kb[ROLE__COUNT]; /* from its "memory" record, NAN without */
	double disk_kb;        /* from its "storage" record, NAN without */
	const char *disk_what; /* borrowed from that record */
	int running;           /* a sample carried a metric: the workload runs */
	/* the cgroup cross-check: the open run of samples, and the best so far */
	int cg_open;
	uint64_t cg_sig;
	double cg_start[2], cg_end[2], cg_acc, cg_secs;
	double best_secs, best_acc, best_kernel[2];
	double life_kernel[2], life_sampled;
	int cg_seen;
	struct report_component comp[REPORT_MAX_COMPONENTS];
	double comp_rss_sum[REPORT_MAX_COMPONENTS];
	unsigned comp_rss_n[REPORT_MAX_COMPONENTS];
	unsigned ncomp;
	double run_cpu_s;      /* host roles' CPU-seconds since it runs */
	unsigned run_samples;
	double run_secs;       /* the seconds those samples cover */
	double tax_vmm_s, tax_guest_s; /* VMs: over the samples with both */
	double tax_vmm_rss_sum, tax_guest_rss_sum; /* VMs: RSS, kB, over the samples with both */
	unsigned tax_rss_n;
	/* VMs: the VMM's RSS and the guest kernel's used memory, over the
	 * samples with both (the agent sent it) */
	double tax_kern_vmm_sum, tax_kern_used_sum;
	unsigned tax_kern_n;
};

struct mdef {
	const char *workload, *name, *unit, *kind;
	int higher_is_better;
	int summary;
};

struct builder {
	struct inst *insts;
	size_t ninsts;
	size_t last;           /* the instance found last: samples come in runs */
	struct mdef *defs;
	size_t ndefs;
	/* first-appearance orders, for sorting rows */
	const char **runtimes, **groups, **hosts;
	size_t nruntimes, ngroups, nhosts;
	/* rows being built, with their sort keys */
	struct report_row *rows;
	size_t nrows;
	size_t *nvalues;
	size_t (*order)[5];
	long long **vgroup;    /* per row, the group of each value (scale aggregates) */
	const char **variants;
	size_t nvariants;
	int oneshot_startup;   /* one-shot workloads report their start-up (not in startup and scale,
	                        * which report every instance's) */
	json_t *shown;         /* borrowed: the experiment's report_metrics (names), or NULL: all */
	struct samplerec srec; /* the sample being added, when read from a tree */
};

static const char *json_str(json_t *obj, const char *key, const char *def)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : def;
}

static int json_truthy(json_t *v)
{
	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_number(v))
		return json_number_value(v) != 0.0;
	return 0;
}

/* Instance ids are integers in journals the engine writes; accept strings. */
static char *inst_key(json_t *id)
{
	if (json_is_integer(id))
		return xasprintf("%lld", (long long)json_integer_value(id));
	if (json_is_string(id))
		return xstrdup(json_string_value(id));
	if (json_is_real(id))
		return xasprintf("%.17g", json_real_value(id));
	return NULL;
}

static struct inst *find_inst_key(struct builder *b, const char *key)
{
	if (!key)
		return NULL;
	if (b->last < b->ninsts && !strcmp(b->insts[b->last].key, key))
		return &b->insts[b->last];
	/* Newest first: a duplicate id means a newer instance replaced it. */
	for (size_t i = b->ninsts; i-- > 0;) {
		if (!strcmp(b->insts[i].key, key)) {
			b->last = i;
			return &b->insts[i];
		}
	}
	return NULL;
}

static struct inst *find_inst(struct builder *b, json_t *id)
{
	_cleanup_free_ char *key = inst_key(id);
	return find_inst_key(b, key);
}

static size_t order_of(const char ***list, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*list)[i], s))
			return i;
	*list = xreallocarray(*list, *n + 1, sizeof(**list));
	(*list)[*n] = s;
	return (*n)++;
}

static const struct mdef *find_def(const struct builder *b, const char *workload, const char *name)
{
	for (size_t i = 0; i < b->ndefs; i++)
		if (!strcmp(b->defs[i].workload, workload) && !strcmp(b->defs[i].name, name))
			return &b->defs[i];
	return NULL;
}

static void add_def(struct builder *b, json_t *rec)
{
	const char *wl = json_str(rec, "workload", NULL), *name = json_str(rec, "name", NULL);
	if (!wl || !name)
		return;
	struct mdef d = {
		.workload = wl,
		.name = name,
		.unit = json_str(rec, "unit", ""),
		.kind = json_str(rec, "kind", ""),
		.higher_is_better = json_object_get(rec, "higher_is_better") ?
		    json_truthy(json_object_get(rec, "higher_is_better")) : 1,
		.summary = json_truthy(json_object_get(rec, "summary")),
	};
	for (size_t i = 0; i < b->ndefs; i++) {
		if (!strcmp(b->defs[i].workload, wl) && !strcmp(b->defs[i].name, name)) {
			/* A name defined per second and at the end is not summary-only. */
			d.summary &= b->defs[i].summary;
			b->defs[i] = d;
			return;
		}
	}
	b->defs = xreallocarray(b->defs, b->ndefs + 1, sizeof(*b->defs));
	b->defs[b->ndefs++] = d;
}

static void add_inst(struct builder *b, json_t *rec)
{
	char *key = inst_key(json_object_get(rec, "id"));
	if (!key)
		return;
	b->insts = xreallocarray(b->insts, b->ninsts + 1, sizeof(*b->insts));
	const char *host = json_str(rec, "host", NULL);
	const char *role = json_str(rec, "role", "instance");
	json_t *group = json_object_get(rec, "group");
	json_t *rep = json_object_get(rec, "rep");
	struct inst *in = &b->insts[b->ninsts];
	b->insts[b->ninsts++] = (struct inst){
		.key = key,
		.runtime = json_str(rec, "runtime", "?"),
		.workload = json_str(rec, "workload", "?"),
		.host = host && *host ? host : "local",
		.warmup = json_truthy(json_object_get(rec, "warmup")),
		.variant = json_str(rec, "variant", ""),
		.neighbour = !strcmp(role, "neighbour"),
		.class_name = json_str(rec, "class", ""),
		.target = !strcmp(role, "target"),
		.group = json_is_integer(group) ? json_integer_value(group) : -1,
		.limits = json_object_get(rec, "limits"),
		.rep = json_is_integer(rep) ? (int)json_integer_value(rep) : 0,
		.startup_ms = NAN,
		.create_ms = NAN,
		.isolab_pre_ms = NAN,
		.isolab_post_ms = NAN,
		.disk_kb = NAN,
	};
	for (int r = 0; r < ROLE__COUNT; r++) {
		in->cpu_s[r] = in->rss_peak_kb[r] = in->pss_kb[r] = NAN;
		for (int k = 0; k < 4; k++)
			in->io[k][r] = NAN;
	}
}

static int host_role(int role)
{
	return role >= 0 && role < ROLE__COUNT && role != ROLE_GUEST;
}

const char *const report_cg_source[2] = { "cpu.stat", "cpuacct.usage" };

/* The roles whose processes live in the instance's cgroup, where it has
 * one: the relays, CLIs and load generators isolab starts beside it do not. */
static int cgroup_role(int role)
{
	return role == ROLE_WORKLOAD || role == ROLE_RUNTIME || role == ROLE_VMM;
}

/* The seconds a sample covers: its "dt" when recorded, else one. A long
 * one is real: no pass ran while the engine was blocked (a workload's
 * setup against eight emulated VMs took 101 s), and the CPU of that
 * span is in the next sample's rates; bounded as a process's own. */
static double sample_dt(const struct samplerec *rec)
{
	double v = isnan(rec->dt) ? 1.0 : rec->dt;
	return v > 0 && v < 1e7 ? v : 1.0;
}

/* The seconds a process's rates in a sample cover: its own "dt" where the
 * sampler gave one (a first sample, from its birth or from when it was
 * tracked), else the sample's. Sets *own when it had one. */
static double proc_dt(const struct samplerec_proc *p, double sample_dt, int *own)
{
	double v = p->dt;
	*own = v > 0 && v < 1e7;
	return *own ? v : sample_dt;
}

/* One sample's part in the cgroup cross-check (see report_instance). */
static void add_cgroup(struct inst *in, const struct samplerec *rec)
{
	double v[2];
	int any = 0;
	for (int k = 0; k < 2; k++) {
		v[k] = rec->cg[k];
		any |= isfinite(v[k]);
	}
	if (!any) {
		in->cg_open = 0;
		return;
	}
	in->cg_seen = 1;
	memcpy(in->life_kernel, v, sizeof v);
	uint64_t sig = 0;
	double cpu = 0, life = 0, sdt = sample_dt(rec);
	for (size_t i = 0; i < rec->nprocs; i++) {
		const struct samplerec_proc *p = &rec->procs[i];
		if (!cgroup_role(p->role))
			continue;
		sig += ((uint64_t)p->pid + 1) * 0x9e3779b97f4a7c15ull;
		sig ^= sig >> 29;
		int own;
		double dt = proc_dt(p, sdt, &own);
		if (!isnan(p->cpu)) {
			cpu += p->cpu / 100.0 * dt / sdt;
			life += p->cpu / 100.0 * dt;
		}
	}
	in->life_sampled += life;
	if (in->cg_open && sig == in->cg_sig && sig) {
		/* The run so far, without this sample, is a candidate. */
		if (in->cg_secs > in->best_secs) {
			in->best_secs = in->cg_secs;
			in->best_acc = in->cg_acc;
			for (int k = 0; k < 2; k++)
				in->best_kernel[k] = in->cg_end[k] - in->cg_start[k];
		}
		double dt = sample_dt(rec);
		in->cg_acc += cpu * dt;
		in->cg_secs += dt;
		memcpy(in->cg_end, v, sizeof v);
		return;
	}
	in->cg_open = 1;
	in->cg_sig = sig;
	in->cg_acc = in->cg_secs = 0;
	memcpy(in->cg_start, v, sizeof v);
	memcpy(in->cg_end, v, sizeof v);
}

/* One sample's processes: CPU-seconds and RSS by role. %CPU / 100 times
 * the seconds its rates cover is the CPU-seconds a process used. A first
 * sample counting from the process's birth is in its life's costs, not in
 * the rates while the workload ran nor in a VM's tax. */
/* The slot of role's component name in the instance, made when new;
 * -1 when the instance has no room for another. */
static int comp_slot(struct inst *in, int role, const char *name)
{
	unsigned c;
	for (c = 0; c < in->ncomp; c++)
		if (in->comp[c].role == role && !strncmp(in->comp[c].name, name, sizeof in->comp[c].name - 1))
			return (int)c;
	if (c >= REPORT_MAX_COMPONENTS)
		return -1;
	in->comp[c] = (struct report_component){ .role = role, .rss_peak_kb = NAN };
	snprintf(in->comp[c].name, sizeof in->comp[c].name, "%s", name);
	in->ncomp++;
	return (int)c;
}

/* A VMM's threads, where its vCPU threads are told apart: two components
 * of its CPU (their memory is the process's, not theirs). */
static const char *const vcpu_comp[2] = { "vcpu threads", "other threads" };

static void add_procs(struct inst *in, const struct samplerec *rec, double sdt)
{
	if (!rec->nprocs)
		return;
	double rss[ROLE__COUNT] = { 0 }, crss[REPORT_MAX_COMPONENTS] = { 0 }, cpu_now[ROLE__COUNT] = { 0 };
	int has_rss[ROLE__COUNT] = { 0 }, has_crss[REPORT_MAX_COMPONENTS] = { 0 }, seen_now[ROLE__COUNT] = { 0 };
	double used = 0;
	for (size_t i = 0; i < rec->nprocs; i++) {
		const struct samplerec_proc *p = &rec->procs[i];
		int role = p->role;
		if (role < 0)
			continue;
		int own;
		double dt = proc_dt(p, sdt, &own);
		char name[sizeof in->comp[0].name];
		snprintf(name, sizeof name, "%.*s", (int)(p->namelen < sizeof name ? p->namelen : sizeof name - 1),
		    p->name ? p->name : "");
		int c = *name ? comp_slot(in, role, name) : -1;
		if (c >= 0) {
			if (!isnan(p->cpu))
				in->comp[c].cpu_s += p->cpu / 100.0 * dt;
			if (!isnan(p->rss_kb)) {
				crss[c] += p->rss_kb;
				has_crss[c] = 1;
			}
		}
		if (role == ROLE_VMM && p->vcpu_cpu >= 0 && p->vcpu_cpu <= p->cpu) {
			int v = comp_slot(in, role, vcpu_comp[0]), o = comp_slot(in, role, vcpu_comp[1]);
			if (v >= 0 && o >= 0) {
				in->comp[v].cpu_s += p->vcpu_cpu / 100.0 * dt;
				in->comp[o].cpu_s += (p->cpu - p->vcpu_cpu) / 100.0 * dt;
			}
		}
		seen_now[role] = 1;
		for (int k = 0; k < SREC__IO; k++) {
			/* -1: /proc/PID/io was unreadable (another user's process) */
			double x = p->io[k];
			if (x >= 0)
				in->io[k][role] = (isnan(in->io[k][role]) ? 0 : in->io[k][role]) + x * dt;
		}
		if (!isnan(p->cpu)) {
			double s = p->cpu / 100.0 * dt;
			in->cpu_s[role] = (isnan(in->cpu_s[role]) ? 0 : in->cpu_s[role]) + s;
			used += p->cpu;
			if (!own) {
				cpu_now[role] += s;
				if (in->running && host_role(role))
					in->run_cpu_s += s;
			}
		}
		if (!isnan(p->rss_kb)) {
			rss[role] += p->rss_kb;
			has_rss[role] = 1;
		}
	}
	for (int r = 0; r < ROLE__COUNT; r++) {
		if (!has_rss[r])
			continue;
		if (!(rss[r] <= in->rss_peak_kb[r]))
			in->rss_peak_kb[r] = rss[r];
		in->rss_sum_kb[r] += rss[r];
		in->rss_n[r]++;
	}
	for (unsigned c = 0; c < in->ncomp; c++) {
		if (!has_crss[c])
			continue;
		if (!(crss[c] <= in->comp[c].rss_peak_kb))
			in->comp[c].rss_peak_kb = crss[c];
		in->comp_rss_sum[c] += crss[c];
		in->comp_rss_n[c]++;
	}
	if (seen_now[ROLE_VMM] && seen_now[ROLE_GUEST]) {
		in->tax_vmm_s += cpu_now[ROLE_VMM];
		in->tax_guest_s += cpu_now[ROLE_GUEST];
	}
	if (has_rss[ROLE_VMM] && has_rss[ROLE_GUEST]) {
		in->tax_vmm_rss_sum += rss[ROLE_VMM];
		in->tax_guest_rss_sum += rss[ROLE_GUEST];
		in->tax_rss_n++;
	}
	if (has_rss[ROLE_VMM] && rec->guest_used_kb > 0) {
		in->tax_kern_vmm_sum += rss[ROLE_VMM];
		in->tax_kern_used_sum += rec->guest_used_kb;
		in->tax_kern_n++;
	}
	in->psamples++;
	in->csamples += used > 0;
	in->run_samples += in->running;
	in->run_secs += in->running ? sdt : 0;
}

static void add_sample(struct builder *b, const struct samplerec *rec)
{
	struct inst *in = find_inst_key(b, rec->inst);
	if (!in)
		return;
	if (rec->nmetrics)
		in->running = 1;
	add_procs(in, rec, sample_dt(rec));
	add_cgroup(in, rec);
	for (size_t k = 0; k < rec->nmetrics; k++) {
		const struct samplerec_metric *m = &rec->metrics[k];
		if (!m->is_number)
			continue;
		size_t i;
		for (i = 0; i < in->nacc; i++)
			if (strlen(in->acc[i].name) == m->namelen && !memcmp(in->acc[i].name, m->name, m->namelen))
				break;
		if (i == in->nacc) {
			in->acc = xreallocarray(in->acc, in->nacc + 1, sizeof(*in->acc));
			in->acc[in->nacc++] = (struct acc){ .name = xstrndup(m->name, m->namelen) };
		}
		in->acc[i].sum += m->value;
		in->acc[i].n++;
	}
}

static void add_end(struct builder *b, json_t *rec)
{
	struct inst *in = find_inst(b, json_object_get(rec, "inst"));
	if (!in)
		return;
	in->status = json_str(rec, "status", "failed");
	in->started = json_is_number(json_object_get(rec, "startup_ms")) || !strcmp(in->status, "timeout");
	in->ready_j = json_is_number(json_object_get(rec, "startup_ms")) ? json_object_get(rec, "startup_ms") : NULL;
	json_t *m = json_object_get(rec, "metrics");
	in->end_metrics = json_is_object(m) ? m : NULL;
	json_t *x = json_object_get(rec, "extra");
	in->extra = json_is_object(x) ? x : NULL;
	json_t *su = json_object_get(rec, "startup_ms"), *cr = json_object_get(rec, "create_ms");
	in->startup_ms = json_is_number(su) ? json_number_value(su) : NAN;
	in->create_ms = json_is_number(cr) ? json_number_value(cr) : NAN;
	json_t *pre = json_object_get(rec, "isolab_pre_ms"), *post = json_object_get(rec, "isolab_post_ms");
	in->isolab_pre_ms = json_is_number(pre) ? json_number_value(pre) : NAN;
	in->isolab_post_ms = json_is_number(post) ? json_number_value(post) : NAN;
}

/* Units of the end record's extra numbers: by suffix, all lower-is-better. */
static const char *extra_unit(const char *name)
{
	size_t n = strlen(name);
	if (n > 3 && !strcmp(name + n - 3, "_ms"))
		return "ms";
	if (n > 3 && !strcmp(name + n - 3, "_kb"))
		return "kB";
	return "";
}

/* A phase of a driver's start-up breakdown: a number in ms. */
static json_t *phase(const struct inst *in, const char *name)
{
	size_t n = strlen(name);
	json_t *v = in->phases && n > 3 && !strcmp(name + n - 3, "_ms") ? json_object_get(in->phases, name) : NULL;
	return json_is_number(v) ? v : NULL;
}

/* A one-shot workload (every metric a summary: the probe's start) does
 * nothing but start, so its launch-to-ready time, measured by the engine,
 * is what it is run for: the report shows it as startup_ms. */
static int oneshot(const struct builder *b, const char *workload)
{
	int any = 0;
	for (size_t i = 0; i < b->ndefs; i++)
		if (!strcmp(b->defs[i].workload, workload)) {
			if (!b->defs[i].summary)
				return 0;
			any = 1;
		}
	return any;
}

static json_t *oneshot_startup(const struct builder *b, const struct inst *in, const char *name)
{
	return b->oneshot_startup && in->ready_j && !strcmp(name, "startup_ms") && oneshot(b, in->workload)
	    ? in->ready_j : NULL;
}

static int is_extra(const struct builder *b, const struct inst *in, const char *name)
{
	return (in->extra && json_is_number(json_object_get(in->extra, name))) || phase(in, name) ||
	    oneshot_startup(b, in, name);
}

/* startup and scale: the driver's breakdown of an instance's start-up. */
static void add_phases(struct builder *b, json_t *rec, int as_rows)
{
	struct inst *in = find_inst(b, json_object_get(rec, "inst"));
	if (!in)
		return;
	in->milestones = rec;
	if (as_rows)
		in->phases = rec;
}

static double ms_of(json_t *rec, const char *key)
{
	json_t *v = json_object_get(rec, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The workload's main metric: its first throughput counted per second. */
static const struct mdef *main_metric(const struct builder *b, const char *workload)
{
	for (size_t i = 0; i < b->ndefs; i++) {
		const struct mdef *d = &b->defs[i];
		size_t n = strlen(d->unit);
		if (!strcmp(d->workload, workload) && !strcmp(d->kind, "throughput") && d->higher_is_better &&
		    n > 2 && !strcmp(d->unit + n - 2, "/s"))
			return d;
	}
	return NULL;
}

/* An instance's value of a metric as the rows take it: its end record's,
 * else the mean of its samples'; NAN. */
static double inst_value(const struct inst *in, const char *name)
{
	json_t *ev = in->end_metrics ? json_object_get(in->end_metrics, name) : NULL;
	if (json_is_number(ev))
		return json_number_value(ev);
	for (size_t a = 0; a < in->nacc; a++)
		if (!strcmp(in->acc[a].name, name) && in->acc[a].n)
			return in->acc[a].sum / (double)in->acc[a].n;
	return NAN;
}

/* The measured instances, for the charts of cost and start-up. */
static void collect_instances(const struct builder *b, struct report *out)
{
	for (size_t i = 0; i < b->ninsts; i++) {
		const struct inst *in = &b->insts[i];
		if (in->warmup || in->neighbour)
			continue;
		out->insts = xreallocarray(out->insts, out->ninsts + 1, sizeof(*out->insts));
		struct report_instance *ri = &out->insts[out->ninsts++];
		*ri = (struct report_instance){
			.runtime = xstrdup(in->runtime),
			.workload = xstrdup(in->workload),
			.host = xstrdup(in->host),
			.variant = xstrdup(in->variant),
			.rep = in->rep,
			.ok = in->status && !strcmp(in->status, "ok"),
			.samples = in->psamples,
			.startup_ms = in->startup_ms,
			.create_ms = in->create_ms,
			.vmm_ms = ms_of(in->milestones, "vmm_ms"),
			.kernel_ms = ms_of(in->milestones, "kernel_ms"),
			.init_ms = ms_of(in->milestones, "init_ms"),
			.ready_ms = ms_of(in->milestones, "ready_ms"),
			.isolab_pre_ms = in->isolab_pre_ms,
			.isolab_post_ms = in->isolab_post_ms,
			.group = in->group,
			.entitled_cpus = NAN,
			.lim_cpus = json_number_value(json_object_get(in->limits, "cpus")),
			.lim_weight = (double)json_integer_value(json_object_get(in->limits, "weight")),
			.lim_cpuset = xstrdup(json_str(in->limits, "cpuset", "")),
			.disk_kb = in->disk_kb,
			.disk_what = in->disk_what ? xstrdup(in->disk_what) : NULL,
		};
		memcpy(ri->cpu_s, in->cpu_s, sizeof ri->cpu_s);
		memcpy(ri->rss_peak_kb, in->rss_peak_kb, sizeof ri->rss_peak_kb);
		memcpy(ri->pss_kb, in->pss_kb, sizeof ri->pss_kb);
		memcpy(ri->rd_kb, in->io[0], sizeof ri->rd_kb);
		memcpy(ri->wr_kb, in->io[1], sizeof ri->wr_kb);
		memcpy(ri->csw, in->io[2], sizeof ri->csw);
		memcpy(ri->nvcsw, in->io[3], sizeof ri->nvcsw);
		for (int k = 0; k < ROLE__COUNT; k++)
			ri->rss_mean_kb[k] = in->rss_n[k] ? in->rss_sum_kb[k] / in->rss_n[k] : NAN;
		ri->run_cpu_s = in->run_cpu_s;
		ri->run_samples = in->run_samples;
		ri->run_secs = in->run_secs;
		ri->cg_window_s = in->best_secs > 0 ? in->best_secs : NAN;
		ri->cg_life_sampled_s = in->cg_seen ? in->life_sampled : NAN;
		for (int k = 0; k < 2; k++)
			ri->cg_life_kernel_s[k] = in->cg_seen ? in->life_kernel[k] : NAN;
		for (int k = 0; k < 2; k++) {
			ri->cg_kernel_s[k] = in->best_secs > 0 ? in->best_kernel[k] : NAN;
			ri->cg_sampled_s[k] = in->best_secs > 0 && isfinite(in->best_kernel[k]) ? in->best_acc : NAN;
		}
		const struct mdef *d = main_metric(b, in->workload);
		ri->work_rate = d ? inst_value(in, d->name) : NAN;
		ri->ncomp = in->ncomp;
		ri->tax_vmm_s = in->tax_vmm_s;
		ri->tax_guest_s = in->tax_guest_s;
		/* Against the guest kernel's own count of its used memory where
		 * its agent sent it, else against its processes' RSS. */
		ri->tax_guest_kernel = in->tax_kern_n > 0;
		if (ri->tax_guest_kernel) {
			ri->tax_vmm_rss_kb = in->tax_kern_vmm_sum / in->tax_kern_n;
			ri->tax_guest_rss_kb = in->tax_kern_used_sum / in->tax_kern_n;
		} else {
			ri->tax_vmm_rss_kb = in->tax_rss_n ? in->tax_vmm_rss_sum / in->tax_rss_n : NAN;
			ri->tax_guest_rss_kb = in->tax_rss_n ? in->tax_guest_rss_sum / in->tax_rss_n : NAN;
		}
		for (unsigned c = 0; c < in->ncomp; c++) {
			ri->comp[c] = in->comp[c];
			ri->comp[c].rss_mean_kb = in->comp_rss_n[c] ? in->comp_rss_sum[c] / in->comp_rss_n[c] : NAN;
		}
	}
}

/* ---- allocation: each instance's CPU against its entitlement ---- */

/* For each measured group of an allocation run: what each instance was
 * entitled to (stats_fair_shares over the pool of its cpuset, or the
 * machine's CPUs; its demand its threads or its quota; its weight, or
 * cgroup v2's default 100). Left NAN where the members' cpusets differ
 * (pools that overlap have no one answer). */
static void entitlements(struct report *out, const json_t *env)
{
	double cpus = (double)json_integer_value(json_object_get(env, "cpus"));
	json_int_t th = json_integer_value(json_object_get(json_object_get(env, "experiment"), "threads"));
	double threads = th > 0 ? (double)th : 1;
	if (out->kind != EXP_ALLOCATION || cpus <= 0 || !out->ninsts)
		return;
	double *w = xcalloc(out->ninsts, sizeof *w), *d = xcalloc(out->ninsts, sizeof *d);
	double *sh = xcalloc(out->ninsts, sizeof *sh);
	size_t *who = xcalloc(out->ninsts, sizeof *who);
	char *done = xcalloc(out->ninsts, 1);
	for (size_t i = 0; i < out->ninsts; i++) {
		const struct report_instance *ri = &out->insts[i];
		if (ri->group < 0 || done[i])
			continue;
		size_t n = 0;
		int same = 1;
		for (size_t k = i; k < out->ninsts; k++) {
			const struct report_instance *rk = &out->insts[k];
			if (rk->group != ri->group)
				continue;
			done[k] = 1;
			w[n] = rk->lim_weight > 0 ? rk->lim_weight : 100;
			d[n] = rk->lim_cpus > 0 && rk->lim_cpus < threads ? rk->lim_cpus : threads;
			same &= !strcmp(rk->lim_cpuset, ri->lim_cpuset);
			who[n++] = k;
		}
		double pool = *ri->lim_cpuset ? (double)cpuset_count(ri->lim_cpuset) : cpus;
		if (!same || pool <= 0)
			continue;
		stats_fair_shares(w, d, n, pool, sh);
		for (size_t k = 0; k < n; k++)
			out->insts[who[k]].entitled_cpus = sh[k];
	}
	free(w);
	free(d);
	free(sh);
	free(who);
	free(done);
}

/* Whether two instances ran the same runtime, workload and variant on
 * the same host: one group of the report. */
static int same_group(const struct report_instance *a, const struct report_instance *b)
{
	return !strcmp(a->runtime, b->runtime) && !strcmp(a->workload, b->workload) &&
	    !strcmp(a->variant, b->variant) && !strcmp(a->host, b->host);
}

/* The instances of r's group k (runtime, host, workload, variant of
 * insts[k]) with an entitlement and CPU use: their count, the means of
 * both, and the lowest and highest use as % of the entitlement. */
static size_t entitlement_of(const struct report *r, size_t k, double *ent, double *used, double *lo, double *hi)
{
	const struct report_instance *a = &r->insts[k];
	size_t n = 0;
	*ent = *used = 0;
	*lo = INFINITY;
	*hi = -INFINITY;
	for (size_t i = 0; i < r->ninsts; i++) {
		const struct report_instance *b = &r->insts[i];
		if (!isfinite(b->entitled_cpus) || b->entitled_cpus <= 0 || b->run_secs <= 0 || !same_group(a, b))
			continue;
		double u = b->run_cpu_s / b->run_secs, pct = u / b->entitled_cpus * 100;
		*ent += b->entitled_cpus;
		*used += u;
		*lo = pct < *lo ? pct : *lo;
		*hi = pct > *hi ? pct : *hi;
		n++;
	}
	if (n) {
		*ent /= (double)n;
		*used /= (double)n;
	}
	return n;
}

/* Whether insts[k] is the first of its runtime, host, workload and variant. */
static int first_of_variant(const struct report *r, size_t k)
{
	const struct report_instance *a = &r->insts[k];
	for (size_t i = 0; i < k; i++) {
		const struct report_instance *b = &r->insts[i];
		if (same_group(a, b))
			return 0;
	}
	return 1;
}

/* ---- where the cost went: by role, per unit of work ---- */

static const int cost_roles[] = { ROLE_WORKLOAD, ROLE_RUNTIME, ROLE_VMM, ROLE_HELPER, ROLE_LOADGEN, REPORT_TOTAL,
	ROLE_GUEST };

static const char *const qty_names[COST__COUNT] = {
	[COST_CPU_S] = "cpu_s",
	[COST_CPU_SHARE] = "cpu_share_pct",
	[COST_RSS_PEAK] = "rss_peak_kb",
	[COST_RSS_MEAN] = "rss_mean_kb",
	[COST_CPU_PER_UNIT] = "cpu_us_per_unit",
	[COST_WORK_PER_CPU] = "work_per_cpu_s",
	[COST_VIRT_TAX_S] = "virt_tax_cpu_s",
	[COST_VIRT_TAX_PCT] = "virt_tax_pct",
	[COST_READ_KB] = "read_kb",
	[COST_WRITE_KB] = "write_kb",
	[COST_CSW] = "ctxsw_voluntary",
	[COST_NVCSW] = "ctxsw_involuntary",
	[COST_VIRT_MEM_KB] = "virt_tax_rss_kb",
	[COST_VIRT_MEM_X] = "virt_tax_rss_x",
	[COST_PSS] = "pss_kb",
	[COST_DISK_KB] = "disk_kb",
};

int report_tax_vs_kernel(const struct report *r, const struct report_cost *c)
{
	for (size_t i = 0; i < r->ninsts; i++) {
		const struct report_instance *ri = &r->insts[i];
		if (ri->tax_guest_kernel && !strcmp(ri->runtime, c->runtime) && !strcmp(ri->workload, c->workload) &&
		    !strcmp(ri->variant, c->variant) && !strcmp(ri->host, c->host))
			return 1;
	}
	return 0;
}

/* A VM's tax: what its VMM costs beyond what the guest says it uses. */
static int tax_qty(enum cost_qty q)
{
	return q == COST_VIRT_TAX_S || q == COST_VIRT_TAX_PCT || q == COST_VIRT_MEM_KB || q == COST_VIRT_MEM_X;
}

/* Storage I/O and context switches: counted for roles, not components. */
static int io_qty(enum cost_qty q)
{
	return q == COST_READ_KB || q == COST_WRITE_KB || q == COST_CSW || q == COST_NVCSW;
}

const char *report_cost_qty_name(enum cost_qty q)
{
	return (unsigned)q < COST__COUNT ? qty_names[q] : "?";
}

const char *report_cost_role_name(int role)
{
	return role == REPORT_TOTAL ? "total" : role_name((enum proc_role)role);
}

static int cost_sampled(const struct report_instance *ri)
{
	return ri->ok && ri->samples;
}

/* Whether an instance counts for quantity q: sampled, or for the storage
 * its driver measured at its removal, measured (an instance whose work
 * was done before its first sample still left its copies behind). */
static int cost_in(const struct report_instance *ri, enum cost_qty q)
{
	return cost_sampled(ri) || (q == COST_DISK_KB && ri->ok && isfinite(ri->disk_kb));
}

/* An instance's value of a role's quantity; NAN when the role has no
 * process in it. The total is over the host roles, NAN when none has. */
static double cost_value(const struct report_instance *ri, int role, enum cost_qty q)
{
	if (q == COST_VIRT_TAX_S || q == COST_VIRT_TAX_PCT) {
		if (role != ROLE_VMM || !(ri->tax_vmm_s > 0))
			return NAN;
		double tax = ri->tax_vmm_s - ri->tax_guest_s;
		return q == COST_VIRT_TAX_S ? tax : tax / ri->tax_vmm_s * 100.0;
	}
	if (q == COST_VIRT_MEM_KB || q == COST_VIRT_MEM_X) {
		if (role != ROLE_VMM || !(ri->tax_vmm_rss_kb > 0) || !(ri->tax_guest_rss_kb > 0))
			return NAN;
		return q == COST_VIRT_MEM_KB ? ri->tax_vmm_rss_kb - ri->tax_guest_rss_kb
		    : ri->tax_vmm_rss_kb / ri->tax_guest_rss_kb;
	}
	if (q == COST_DISK_KB)
		return role == REPORT_TOTAL ? ri->disk_kb : NAN;
	if (q == COST_CPU_PER_UNIT || q == COST_WORK_PER_CPU) {
		if (role != REPORT_TOTAL || !ri->run_samples || !(ri->work_rate > 0) || !(ri->run_cpu_s > 0))
			return NAN;
		double cpu_per_s = ri->run_cpu_s / (ri->run_secs > 0 ? ri->run_secs : ri->run_samples);
		return q == COST_CPU_PER_UNIT ? cpu_per_s / ri->work_rate * 1e6 : ri->work_rate / cpu_per_s;
	}
	const double *v = q == COST_CPU_S || q == COST_CPU_SHARE ? ri->cpu_s : q == COST_RSS_PEAK ? ri->rss_peak_kb :
	    q == COST_PSS ? ri->pss_kb :
	    q == COST_READ_KB ? ri->rd_kb : q == COST_WRITE_KB ? ri->wr_kb : q == COST_CSW ? ri->csw :
	    q == COST_NVCSW ? ri->nvcsw : ri->rss_mean_kb;
	double total = NAN;
	for (int k = 0; k < ROLE__COUNT; k++)
		if (host_role(k) && isfinite(v[k]))
			total = (isnan(total) ? 0 : total) + v[k];
	if (q == COST_CPU_SHARE) {
		if (role == REPORT_TOTAL || role == ROLE_GUEST || !isfinite(v[role]))
			return NAN;
		return total > 0 ? v[role] / total * 100.0 : 0.0;
	}
	return role == REPORT_TOTAL ? total : v[role];
}

char *report_work_unit(const char *rate_unit)
{
	size_t n = strlen(rate_unit) - 2;
	if (n > 4 && !strncmp(rate_unit + n - 3, "ies", 3)) /* queries -> query */
		return xasprintf("%.*sy", (int)(n - 3), rate_unit);
	if (n > 3 && rate_unit[n - 1] == 's' && rate_unit[n - 2] >= 'a' && rate_unit[n - 2] <= 'z')
		n--;
	return xstrndup(rate_unit, n);
}

static const char *cost_unit_of(enum cost_qty q)
{
	return q == COST_CPU_S || q == COST_VIRT_TAX_S ? "s" : q == COST_CPU_SHARE || q == COST_VIRT_TAX_PCT ? "%" :
	    q == COST_CSW || q == COST_NVCSW ? "switches" : q == COST_VIRT_MEM_X ? "x" : "kB";
}

/* A named component's value in an instance; NAN when it has none. */
static double comp_value(const struct report_instance *ri, int role, const char *name, enum cost_qty q)
{
	for (unsigned c = 0; c < ri->ncomp; c++) {
		const struct report_component *k = &ri->comp[c];
		if (k->role != role || strcmp(k->name, name))
			continue;
		if (q == COST_CPU_S)
			return k->cpu_s;
		if (q == COST_CPU_SHARE) {
			double total = cost_value(ri, REPORT_TOTAL, COST_CPU_S);
			return total > 0 ? k->cpu_s / total * 100.0 : 0.0;
		}
		return q == COST_RSS_PEAK ? k->rss_peak_kb : k->rss_mean_kb;
	}
	return NAN;
}

/* One cost row of group g0 (its runtime, workload, variant and host) over
 * its measured repetitions. */
static void add_cost(struct report *out, const struct report_instance *g0, const struct mdef *md, int role,
    const char *comp, enum cost_qty q)
{
	int per_unit = q == COST_CPU_PER_UNIT || q == COST_WORK_PER_CPU;
	if (per_unit && (role != REPORT_TOTAL || !md || comp[0]))
		return;
	int tax = tax_qty(q);
	if (tax && (role != ROLE_VMM || comp[0]))
		return;
	if (q == COST_CPU_SHARE && (role == REPORT_TOTAL || role == ROLE_GUEST))
		return;
	int io = io_qty(q);
	if (io && comp[0])
		return;
	/* PSS is read once per instance, where a run asks for memory (scale,
	 * footprint): by role, not by component. */
	int pss = q == COST_PSS;
	if (pss && comp[0])
		return;
	/* Storage is the instance's, measured once at its removal: one row. */
	int disk = q == COST_DISK_KB;
	if (disk && (role != REPORT_TOTAL || comp[0]))
		return;
	double *vals = NULL;
	size_t n = 0, seen = 0;
	for (size_t i = 0; i < out->ninsts; i++) {
		const struct report_instance *ri = &out->insts[i];
		if (!cost_in(ri, q) || !same_group(ri, g0))
			continue;
		double v = comp[0] ? comp_value(ri, role, comp, q) : cost_value(ri, role, q);
		seen += isfinite(v);
		/* A role seen in another repetition was idle or gone in this one. */
		vals = xreallocarray(vals, n + 1, sizeof *vals);
		vals[n++] = isfinite(v) ? v : per_unit || tax || io || pss || disk ? NAN : 0.0;
	}
	if (!n) /* a group of instances none of which was sampled: its storage alone */
		return;
	size_t m = 0;
	for (size_t k = 0; k < n; k++)
		if (isfinite(vals[k]))
			vals[m++] = vals[k];
	if (!seen)
		m = 0;
	out->costs = xreallocarray(out->costs, out->ncosts + 1, sizeof *out->costs);
	struct report_cost *c = &out->costs[out->ncosts++];
	char *unit;
	if (per_unit) {
		_cleanup_free_ char *w = report_work_unit(md->unit);
		unit = q == COST_CPU_PER_UNIT ? xasprintf("us/%s", w) : xasprintf("%s/CPU-s", w);
	} else {
		unit = xstrdup(cost_unit_of(q));
	}
	if ((tax || pss || disk) && !seen) { /* not a VM, no guest agent, PSS or storage not read: no row, not "none" */
		free(unit);
		free(vals);
		out->ncosts--;
		return;
	}
	*c = (struct report_cost){
		.runtime = xstrdup(g0->runtime),
		.workload = xstrdup(g0->workload),
		.variant = xstrdup(g0->variant),
		.host = xstrdup(g0->host),
		.role = role,
		.component = xstrdup(comp),
		.qty = q,
		.unit = unit,
		.metric = xstrdup(per_unit ? md->name : ""),
		.none = !seen,
		.values = vals,
		.overhead_pct = NAN,
		.p_value = 1.0,
	};
	stats_compute(vals, m, &c->st);
}

static void build_costs(const struct builder *b, struct report *out)
{
	/* The groups, ordered: workload met first, the baseline first, then
	 * runtimes, variants and hosts as met. */
	size_t ng = 0;
	size_t (*key)[5] = NULL;
	const struct report_instance **first = NULL;
	const char **wls = NULL, **rts = NULL, **vars = NULL, **hosts = NULL;
	size_t nw = 0, nr = 0, nv = 0, nh = 0;
	for (size_t i = 0; i < out->ninsts; i++) {
		const struct report_instance *ri = &out->insts[i];
		if (!cost_in(ri, COST_DISK_KB))
			continue;
		size_t k[5] = { order_of(&wls, &nw, ri->workload), strcmp(ri->runtime, out->baseline) != 0,
			order_of(&rts, &nr, ri->runtime), order_of(&vars, &nv, ri->variant), order_of(&hosts, &nh, ri->host) };
		size_t g;
		for (g = 0; g < ng; g++)
			if (!memcmp(key[g], k, sizeof k))
				break;
		if (g < ng)
			continue;
		key = xreallocarray(key, ng + 1, sizeof *key);
		first = xreallocarray(first, ng + 1, sizeof *first);
		memcpy(key[ng], k, sizeof k);
		first[ng++] = ri;
	}
	size_t *idx = xcalloc(ng + 1, sizeof *idx);
	for (size_t g = 0; g < ng; g++)
		idx[g] = g;
	for (size_t a = 1; a < ng; a++) /* insertion sort, stable: groups are few */
		for (size_t j = a; j > 0; j--) {
			int c = 0;
			for (int f = 0; f < 5 && !c; f++)
				c = key[idx[j - 1]][f] < key[idx[j]][f] ? -1 : key[idx[j - 1]][f] > key[idx[j]][f];
			if (c <= 0)
				break;
			size_t t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}

	for (size_t gi = 0; gi < ng; gi++) {
		const struct report_instance *g0 = first[idx[gi]];
		const struct mdef *md = main_metric(b, g0->workload);
		for (size_t rk = 0; rk < ARRAY_SIZE(cost_roles); rk++) {
			int role = cost_roles[rk];
			/* The whole role, then each named component of it. */
			const char *names[1 + REPORT_MAX_COMPONENTS * 4] = { "" };
			size_t nnames = 1;
			for (size_t i = 0; i < out->ninsts && role >= 0; i++) {
				const struct report_instance *ri = &out->insts[i];
				if (!cost_sampled(ri) || !same_group(ri, g0))
					continue;
				for (unsigned c = 0; c < ri->ncomp; c++) {
					size_t k;
					for (k = 1; k < nnames && strcmp(names[k], ri->comp[c].name); k++)
						;
					if (k == nnames && ri->comp[c].role == role && nnames < ARRAY_SIZE(names))
						names[nnames++] = ri->comp[c].name;
				}
			}
			for (size_t ci = 0; ci < nnames; ci++)
				for (int q = 0; q < COST__COUNT; q++)
					add_cost(out, g0, md, role, names[ci], (enum cost_qty)q);
		}
	}
	/* Against the baseline's same role and quantity, where both have one. */
	for (size_t i = 0; i < out->ncosts; i++) {
		struct report_cost *c = &out->costs[i];
		if (!c->st.n || c->qty == COST_CPU_SHARE || !strcmp(c->runtime, out->baseline))
			continue;
		for (size_t k = 0; k < out->ncosts; k++) {
			const struct report_cost *base = &out->costs[k];
			if (strcmp(base->runtime, out->baseline) || strcmp(base->workload, c->workload) ||
			    strcmp(base->variant, c->variant) || strcmp(base->host, c->host) || base->role != c->role ||
			    strcmp(base->component, c->component) || base->qty != c->qty || !base->st.n)
				continue;
			c->has_baseline = 1;
			c->overhead_pct = stats_overhead_pct(c->st.mean, base->st.mean, c->qty == COST_WORK_PER_CPU);
			c->p_value = stats_welch_p(&c->st, &base->st);
			c->significant = c->p_value < 0.05;
			break;
		}
	}
	free(idx);
	free(key);
	free(first);
	free(wls);
	free(rts);
	free(vars);
	free(hosts);
}

const struct report_cost *report_find_cost(const struct report *r, const char *runtime, const char *variant,
    const char *workload, int role, enum cost_qty qty)
{
	if (!variant)
		variant = "";
	for (size_t i = 0; i < r->ncosts; i++) {
		const struct report_cost *c = &r->costs[i];
		if (c->role == role && c->qty == qty && !c->component[0] && !strcmp(c->runtime, runtime) &&
		    !strcmp(c->variant, variant) && !strcmp(c->workload, workload))
			return c;
	}
	return NULL;
}

static struct report_row *get_row(struct builder *b, const char *baseline, const struct inst *in, const char *metric)
{
	for (size_t i = 0; i < b->nrows; i++) {
		struct report_row *r = &b->rows[i];
		if (!strcmp(r->runtime, in->runtime) && !strcmp(r->workload, in->workload) &&
		    !strcmp(r->metric, metric) && !strcmp(r->host, in->host) && !strcmp(r->variant, in->variant))
			return r;
	}
	b->rows = xreallocarray(b->rows, b->nrows + 1, sizeof(*b->rows));
	b->nvalues = xreallocarray(b->nvalues, b->nrows + 1, sizeof(*b->nvalues));
	b->order = xreallocarray(b->order, b->nrows + 1, sizeof(*b->order));
	b->vgroup = xreallocarray(b->vgroup, b->nrows + 1, sizeof(*b->vgroup));
	b->vgroup[b->nrows] = NULL;
	const struct mdef *d = find_def(b, in->workload, metric);
	_cleanup_free_ char *group = xasprintf("%s\n%s", in->workload, metric);
	size_t gi;
	for (gi = 0; gi < b->ngroups; gi++)
		if (!strcmp(b->groups[gi], group))
			break;
	if (gi == b->ngroups) {
		b->groups = xreallocarray(b->groups, b->ngroups + 1, sizeof(*b->groups));
		b->groups[b->ngroups++] = xstrdup(group);
	}
	size_t rt = order_of(&b->runtimes, &b->nruntimes, in->runtime);
	b->order[b->nrows][0] = gi;
	b->order[b->nrows][1] = strcmp(in->runtime, baseline) != 0;
	b->order[b->nrows][2] = rt;
	b->order[b->nrows][3] = order_of(&b->variants, &b->nvariants, in->variant);
	b->order[b->nrows][4] = order_of(&b->hosts, &b->nhosts, in->host);
	b->nvalues[b->nrows] = 0;
	int extra = !d && is_extra(b, in, metric);
	b->rows[b->nrows] = (struct report_row){
		.runtime = xstrdup(in->runtime),
		.workload = xstrdup(in->workload),
		.metric = xstrdup(metric),
		.unit = xstrdup(d ? d->unit : extra ? extra_unit(metric) : ""),
		.host = xstrdup(in->host),
		.higher_is_better = d ? d->higher_is_better : !extra,
		.p_value = 1.0,
		.overhead_pct = NAN,
		.variant = xstrdup(in->variant),
		.p50 = NAN,
		.p95 = NAN,
		.aggregate = NAN,
		.fairness = NAN,
		.fair_lowest = NAN,
		.degradation_pct = NAN,
		.degradation_ci95 = NAN,
		.target = in->target,
	};
	return &b->rows[b->nrows++];
}

static void push_value(struct builder *b, struct report_row *r, double v, long long group)
{
	size_t i = (size_t)(r - b->rows);
	r->values = xreallocarray(r->values, b->nvalues[i] + 1, sizeof(*r->values));
	b->vgroup[i] = xreallocarray(b->vgroup[i], b->nvalues[i] + 1, sizeof(**b->vgroup));
	b->vgroup[i][b->nvalues[i]] = group;
	r->values[b->nvalues[i]++] = v;
}

/* Every metric an instance has: its workload's definitions, in order,
 * then whatever it reported without a definition. */
static size_t inst_metrics(const struct builder *b, const struct inst *in, const char ***out)
{
	const char **names = NULL;
	size_t n = 0;
	for (size_t i = 0; i < b->ndefs; i++)
		if (!strcmp(b->defs[i].workload, in->workload))
			order_of(&names, &n, b->defs[i].name);
	if (in->end_metrics) {
		const char *name;
		json_t *v;
		json_object_foreach(in->end_metrics, name, v)
			if (json_is_number(v))
				order_of(&names, &n, name);
	}
	for (size_t i = 0; i < in->nacc; i++)
		order_of(&names, &n, in->acc[i].name);
	if (in->extra) {
		const char *name;
		json_t *v;
		json_object_foreach(in->extra, name, v)
			if (json_is_number(v))
				order_of(&names, &n, name);
	}
	if (in->phases) {
		const char *name;
		json_t *v;
		json_object_foreach(in->phases, name, v)
			if (phase(in, name))
				order_of(&names, &n, name);
	}
	if (oneshot_startup(b, in, "startup_ms"))
		order_of(&names, &n, "startup_ms");
	*out = names;
	return n;
}

/* Whether the experiment's report_metrics (if any) name metric, as METRIC
 * or as WORKLOAD.METRIC. */
static int shown(const struct builder *b, const char *workload, const char *metric)
{
	if (!json_is_array(b->shown))
		return 1;
	size_t i, wlen = strlen(workload);
	json_t *v;
	json_array_foreach(b->shown, i, v) {
		const char *s = json_string_value(v);
		if (s && (!strcmp(s, metric) ||
		    (!strncmp(s, workload, wlen) && s[wlen] == '.' && !strcmp(s + wlen + 1, metric))))
			return 1;
	}
	return 0;
}

static void collect(struct builder *b, struct report *out)
{
	for (size_t i = 0; i < b->ninsts; i++) {
		const struct inst *in = &b->insts[i];
		/* Neighbours are the load, not the measurement. */
		if (in->warmup || in->neighbour)
			continue;
		int ok = in->status && !strcmp(in->status, "ok");
		if (!in->status)
			out->incomplete_instances++;
		else if (!ok)
			out->failed_instances++;
		const char **names;
		size_t n = inst_metrics(b, in, &names);
		for (size_t k = 0; k < n; k++) {
			if (!shown(b, in->workload, names[k]))
				continue;
			struct report_row *r = get_row(b, out->baseline, in, names[k]);
			r->emulated |= in->emulated;
			if (!in->status) {
				r->incomplete++;
				continue;
			}
			if (!ok) {
				r->failed++;
				/* A target that never started (its neighbour failed, its
				 * runtime is missing) did not starve: only failed. */
				r->dnf += in->target && in->started;
				continue;
			}
			json_t *ev = in->end_metrics ? json_object_get(in->end_metrics, names[k]) : NULL;
			if (!json_is_number(ev) && in->extra)
				ev = json_object_get(in->extra, names[k]);
			if (!json_is_number(ev))
				ev = phase(in, names[k]);
			if (!json_is_number(ev))
				ev = oneshot_startup(b, in, names[k]);
			if (json_is_number(ev)) {
				push_value(b, r, json_number_value(ev), in->group);
				continue;
			}
			for (size_t a = 0; a < in->nacc; a++)
				if (!strcmp(in->acc[a].name, names[k]) && in->acc[a].n)
					push_value(b, r, in->acc[a].sum / (double)in->acc[a].n, in->group);
		}
		free(names);
	}
}

/* The neighbours' load: per runtime, variant, host, workload and class,
 * the mean of each defined metric of their workload over the instances.
 * A neighbour that ended early (an OOM-killed malloc bomb) still counts
 * with what its samples showed while it pressed. */
static void collect_loads(const struct builder *b, struct report *out)
{
	for (size_t i = 0; i < b->ninsts; i++) {
		const struct inst *in = &b->insts[i];
		if (in->warmup || !in->neighbour)
			continue;
		struct report_load *l = NULL;
		for (size_t k = 0; k < out->nloads && !l; k++) {
			struct report_load *c = &out->loads[k];
			if (!strcmp(c->runtime, in->runtime) && !strcmp(c->variant, in->variant) &&
			    !strcmp(c->host, in->host) && !strcmp(c->workload, in->workload) &&
			    !strcmp(c->class_name, in->class_name))
				l = c;
		}
		if (!l) {
			out->loads = xreallocarray(out->loads, out->nloads + 1, sizeof *out->loads);
			l = &out->loads[out->nloads++];
			*l = (struct report_load){ .runtime = xstrdup(in->runtime), .variant = xstrdup(in->variant),
				.workload = xstrdup(in->workload), .class_name = xstrdup(in->class_name),
				.host = xstrdup(in->host) };
			for (size_t d = 0; d < b->ndefs; d++) {
				const struct mdef *def = &b->defs[d];
				int seen = 0;
				for (size_t m = 0; m < l->nmetrics && !seen; m++)
					seen = !strcmp(l->metrics[m].name, def->name);
				if (seen || strcmp(def->workload, in->workload))
					continue;
				l->metrics = xreallocarray(l->metrics, l->nmetrics + 1, sizeof *l->metrics);
				/* mean holds the sum until the end */
				l->metrics[l->nmetrics++] = (struct report_load_metric){ .name = xstrdup(def->name),
					.unit = xstrdup(def->unit) };
			}
			/* A journal without its definitions: the end record's names. */
			const char *name;
			json_t *v;
			if (!l->nmetrics && in->end_metrics)
				json_object_foreach(in->end_metrics, name, v) {
					if (!json_is_number(v))
						continue;
					l->metrics = xreallocarray(l->metrics, l->nmetrics + 1, sizeof *l->metrics);
					l->metrics[l->nmetrics++] = (struct report_load_metric){ .name = xstrdup(name),
						.unit = xstrdup("") };
				}
		}
		l->n++;
		l->ended_early += !in->status || strcmp(in->status, "ok");
		for (size_t m = 0; m < l->nmetrics; m++) {
			double v = inst_value(in, l->metrics[m].name);
			if (isfinite(v)) {
				l->metrics[m].mean += v;
				l->metrics[m].n++;
			}
		}
	}
	for (size_t k = 0; k < out->nloads; k++)
		for (size_t m = 0; m < out->loads[k].nmetrics; m++) {
			struct report_load_metric *lm = &out->loads[k].metrics[m];
			lm->mean = lm->n ? lm->mean / lm->n : NAN;
		}
}

static int cmp_rows(const void *pa, const void *pb, void *arg)
{
	const struct builder *bl = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	for (int k = 0; k < 5; k++) {
		if (bl->order[a][k] != bl->order[b][k])
			return bl->order[a][k] < bl->order[b][k] ? -1 : 1;
	}
	return a < b ? -1 : a > b;
}

static void builder_free(struct builder *b)
{
	for (size_t i = 0; i < b->ninsts; i++) {
		free(b->insts[i].key);
		for (size_t a = 0; a < b->insts[i].nacc; a++)
			free(b->insts[i].acc[a].name);
		free(b->insts[i].acc);
	}
	samplerec_free(&b->srec);
	free(b->insts);
	free(b->defs);
	free(b->runtimes);
	for (size_t i = 0; i < b->ngroups; i++)
		free((char *)b->groups[i]);
	free(b->groups);
	free(b->hosts);
	free(b->nvalues);
	free(b->order);
	for (size_t i = 0; i < b->nrows; i++)
		free(b->vgroup[i]);
	free(b->vgroup);
	free(b->variants);
}

char *report_run_id(const struct journal_read *jr)
{
	const char *id = json_str(jr->env, "run_id", NULL);
	if (id)
		return xstrdup(id);
	if (!jr->dir)
		return xstrdup("?");
	size_t n = strlen(jr->dir);
	while (n > 1 && jr->dir[n - 1] == '/')
		n--;
	size_t s = n;
	while (s > 0 && jr->dir[s - 1] != '/')
		s--;
	return xstrndup(jr->dir + s, n - s);
}

/* A "group" record: one that did not run together is noted; in scale, it
 * adds to the fit of its runtime and workload. */
static void add_group(struct report *out, json_t *rec)
{
	const char *kind = json_str(rec, "kind", ""), *rt = json_str(rec, "runtime", NULL);
	const char *wl = json_str(rec, "workload", NULL);
	if (!rt || !wl || json_truthy(json_object_get(rec, "warmup")))
		return;
	/* Scale says it in its fit instead. */
	json_t *tog = json_object_get(rec, "together");
	if (json_is_boolean(tog) && !json_is_true(tog) && strcmp(kind, "scale")) {
		out->aparts = xreallocarray(out->aparts, out->naparts + 1, sizeof(*out->aparts));
		out->aparts[out->naparts++] = (struct report_apart){ .runtime = xstrdup(rt), .workload = xstrdup(wl),
			.variant = xstrdup(json_str(rec, "variant", "")),
			.rep = (unsigned)json_integer_value(json_object_get(rec, "rep")),
			.why = xstrdup(json_str(rec, "why", "no reason recorded")) };
	}
	if (strcmp(kind, "scale"))
		return;
	json_int_t n = json_integer_value(json_object_get(rec, "n"));
	json_int_t ok = json_integer_value(json_object_get(rec, "ok"));
	struct report_fit *f = NULL;
	for (size_t i = 0; i < out->nfits; i++)
		if (!strcmp(out->fits[i].runtime, rt) && !strcmp(out->fits[i].workload, wl))
			f = &out->fits[i];
	if (!f) {
		out->fits = xreallocarray(out->fits, out->nfits + 1, sizeof(*out->fits));
		f = &out->fits[out->nfits++];
		*f = (struct report_fit){ .runtime = xstrdup(rt), .workload = xstrdup(wl) };
	}
	if (n > 0 && (unsigned)n > f->tried)
		f->tried = (unsigned)n;
	/* Ran together: every member through one window (journals before
	 * windows: all of them succeeded). */
	json_t *together = json_object_get(rec, "together");
	if (json_is_boolean(together) && !json_is_true(together))
		ok = -1;
	/* A smaller N that failed in another repetition caps the fit. */
	if (ok == n && n > 0 && (unsigned)n > f->fit && !f->capped)
		f->fit = (unsigned)n;
	if (ok != n)
		f->capped = 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of n sorted values. */
static double percentile(const double *v, size_t n, double p);

static const char *const phase_keys[PHASE__COUNT] = {
	"isolab_pre_ms", "create_ms", "start_ms", "vmm_ms", "kernel_ms", "init_ms", "ready_ms", "runtime_ms",
	"isolab_post_ms",
};
static const char *const phase_labels[PHASE__COUNT] = {
	"isolab", "create", "start", "VMM", "kernel", "init", "ready", "runtime", "isolab",
};

const char *report_phase_key(enum report_phase p) { return phase_keys[p]; }

/* One instance's phases (ms, NAN where it has not the phase); 0 when it
 * has none to show (not ready, or no isolab_pre_ms recorded). */
static int instance_phases(const struct report_instance *ri, double ms[PHASE__COUNT])
{
	for (int k = 0; k < PHASE__COUNT; k++)
		ms[k] = NAN;
	if (!ri->ok || !isfinite(ri->startup_ms) || !isfinite(ri->isolab_pre_ms))
		return 0;
	double pre = ri->isolab_pre_ms, post = isfinite(ri->isolab_post_ms) ? ri->isolab_post_ms : 0;
	double end = ri->startup_ms - post; /* the ready line written */
	ms[PHASE_ISOLAB_PRE] = pre;
	ms[PHASE_ISOLAB_POST] = post;
	if (isfinite(ri->vmm_ms) && isfinite(ri->kernel_ms) && isfinite(ri->init_ms)) {
		ms[PHASE_VMM] = ri->vmm_ms - pre;
		ms[PHASE_KERNEL] = ri->kernel_ms - ri->vmm_ms;
		ms[PHASE_INIT] = ri->init_ms - ri->kernel_ms;
		ms[PHASE_READY] = end - ri->init_ms;
	} else if (isfinite(ri->create_ms) && ri->create_ms <= end) {
		ms[PHASE_CREATE] = ri->create_ms - pre;
		ms[PHASE_START] = end - ri->create_ms;
	} else {
		ms[PHASE_RUNTIME] = end - pre;
	}
	return 1;
}

/* The start-up phases per runtime × workload (host and variant apart),
 * p50 over the instances, in the order the instances came. */
static void collect_phases(struct report *out)
{
	for (size_t i = 0; i < out->ninsts; i++) {
		const struct report_instance *ri = &out->insts[i];
		double ms[PHASE__COUNT];
		if (!instance_phases(ri, ms))
			continue;
		size_t g = 0;
		while (g < out->nphases && (strcmp(out->phases[g].runtime, ri->runtime) ||
		    strcmp(out->phases[g].workload, ri->workload)))
			g++;
		if (g < out->nphases)
			continue; /* already gathered with its first instance */
		out->phases = xreallocarray(out->phases, out->nphases + 1, sizeof(*out->phases));
		struct report_phases *p = &out->phases[out->nphases++];
		*p = (struct report_phases){ .runtime = xstrdup(ri->runtime), .workload = xstrdup(ri->workload) };
		double *v = xcalloc(out->ninsts, sizeof(*v));
		double *su = xcalloc(out->ninsts, sizeof(*su)), *own = xcalloc(out->ninsts, sizeof(*own));
		size_t n = 0;
		for (size_t j = i; j < out->ninsts; j++) {
			const struct report_instance *rj = &out->insts[j];
			double mj[PHASE__COUNT];
			if (strcmp(rj->runtime, ri->runtime) || strcmp(rj->workload, ri->workload) ||
			    !instance_phases(rj, mj))
				continue;
			su[n] = rj->startup_ms;
			own[n] = mj[PHASE_ISOLAB_PRE] + mj[PHASE_ISOLAB_POST];
			p->post_known |= isfinite(rj->isolab_post_ms);
			n++;
		}
		p->n = (unsigned)n;
		qsort(su, n, sizeof(*su), cmp_double);
		qsort(own, n, sizeof(*own), cmp_double);
		p->startup_ms = percentile(su, n, 50);
		p->isolab_ms = percentile(own, n, 50);
		for (int k = 0; k < PHASE__COUNT; k++) {
			size_t m = 0;
			for (size_t j = i; j < out->ninsts; j++) {
				const struct report_instance *rj = &out->insts[j];
				double mj[PHASE__COUNT];
				if (!strcmp(rj->runtime, ri->runtime) && !strcmp(rj->workload, ri->workload) &&
				    instance_phases(rj, mj) && isfinite(mj[k]))
					v[m++] = mj[k];
			}
			qsort(v, m, sizeof(*v), cmp_double);
			p->ms[k] = m ? percentile(v, m, 50) : NAN;
		}
		free(v);
		free(su);
		free(own);
	}
}

void report_phases_line(const struct report_phases *p, char *buf, size_t size)
{
	size_t len = (size_t)snprintf(buf, size, "%s/%s:", p->runtime, p->workload);
	for (int k = 0; k < PHASE__COUNT && len < size; k++) {
		if (!isfinite(p->ms[k]) || (k == PHASE_ISOLAB_POST && !p->post_known))
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s %s %.2f", k ? " +" : "", phase_labels[k], p->ms[k]);
	}
	if (len < size)
		snprintf(buf + len, size - len, " = %.2f ms (isolab %.2f ms, %.1f%%%s; p50 of %u)", p->startup_ms,
		    p->isolab_ms, p->startup_ms > 0 ? 100 * p->isolab_ms / p->startup_ms : 0,
		    p->post_known ? "" : "; after the ready line not measurable: not the host's clock", p->n);
}

static double percentile(const double *v, size_t n, double p)
{
	if (!n)
		return NAN;
	size_t k = (size_t)ceil(p / 100.0 * (double)n);
	return v[k ? k - 1 : 0];
}

/* Jain's index, and the lowest share of an equal one, of the values of
 * each group of at least two (group[k] >= 0), averaged over the groups. */
static void fairness(struct report_row *r, const long long *group, size_t n)
{
	double jain = 0, lowest = 0;
	size_t ng = 0;
	for (size_t k = 0; k < n; k++) {
		int seen = group[k] < 0;
		for (size_t j = 0; j < k && !seen; j++)
			seen = group[j] == group[k];
		if (seen)
			continue;
		double s = 0, s2 = 0, lo = INFINITY;
		size_t m = 0;
		for (size_t j = k; j < n; j++) {
			double v = r->values[j];
			if (group[j] != group[k] || !isfinite(v) || v < 0)
				continue;
			s += v;
			s2 += v * v;
			lo = v < lo ? v : lo;
			m++;
		}
		if (m < 2 || !(s2 > 0))
			continue;
		jain += s * s / ((double)m * s2);
		lowest += lo / (s / (double)m);
		ng++;
	}
	if (ng) {
		r->fairness = jain / (double)ng;
		r->fair_lowest = lowest / (double)ng;
	}
}

/* What only groups give: percentiles, per-group sums, fairness, the
 * comparison with the first variant. */
static void group_fields(struct builder *b, struct report *out)
{
	int scale = out->kind == EXP_SCALE;
	for (size_t i = 0; i < b->nrows; i++) {
		struct report_row *r = &b->rows[i];
		size_t n = b->nvalues[i];
		if (n) {
			double *v = xmalloc(n * sizeof(*v));
			memcpy(v, r->values, n * sizeof(*v));
			qsort(v, n, sizeof(*v), cmp_double);
			r->p50 = percentile(v, n, 50);
			r->p95 = percentile(v, n, 95);
			free(v);
		}
		/* Sums mean something for throughput and memory, not for latency. */
		if (scale && n && (r->higher_is_better || !strcmp(r->unit, "kB"))) {
			double sum = 0;
			size_t groups = 0;
			for (size_t k = 0; k < n; k++) {
				int seen = 0;
				for (size_t j = 0; j < k; j++)
					seen |= b->vgroup[i][j] == b->vgroup[i][k];
				if (!seen)
					groups++;
				sum += r->values[k];
			}
			r->aggregate = sum / (double)groups;
		}
		if (r->higher_is_better)
			fairness(r, b->vgroup[i], n);
		/* A sweep's values are not variants of one thing: no degradation
		 * against the first. */
		if (!r->variant[0] || (out->sweep_param && !scale))
			continue;
		/* The reference: the same runtime's row of the first variant met;
		 * for "VARIANT/PHASE" rows (an interference experiment with
		 * variants), the first of the same VARIANT/. */
		const struct report_row *ref = NULL;
		const char *slash = strchr(r->variant, '/');
		size_t pre = slash ? (size_t)(slash - r->variant) + 1 : 0;
		for (size_t k = 0; k < b->nrows; k++) {
			const struct report_row *c = &b->rows[k];
			if (strcmp(c->runtime, r->runtime) || strcmp(c->workload, r->workload) ||
			    strcmp(c->metric, r->metric) || strcmp(c->host, r->host) || !c->st.n ||
			    strncmp(c->variant, r->variant, pre))
				continue;
			if (!ref || b->order[k][3] < b->order[(size_t)(ref - b->rows)][3])
				ref = c;
		}
		if (ref && ref != r && r->st.n && strcmp(ref->variant, r->variant)) {
			r->has_degradation = 1;
			r->degradation_pct = stats_overhead_pct(r->st.mean, ref->st.mean, r->higher_is_better);
			double h = stats_welch_ci95(&r->st, &ref->st);
			r->degradation_ci95 = isfinite(h) && ref->st.mean != 0 ? h / fabs(ref->st.mean) * 100 : NAN;
		}
	}
}

/* The CPUs a single instance (N=1) of row r's runtime and workload used,
 * per second of the samples in which it ran (a process's first sample
 * has no CPU time yet); NAN when none was sampled. */
static double single_cpus(const struct builder *b, const struct report_row *r)
{
	double cpus = 0;
	unsigned n = 0;
	for (size_t i = 0; i < b->ninsts; i++) {
		const struct inst *in = &b->insts[i];
		if (in->warmup || in->neighbour || !in->csamples || strcmp(in->variant, "N=1") ||
		    strcmp(in->runtime, r->runtime) || strcmp(in->workload, r->workload) || strcmp(in->host, r->host))
			continue;
		double s = 0;
		for (int k = 0; k < ROLE__COUNT; k++)
			if (!isnan(in->cpu_s[k]))
				s += in->cpu_s[k];
		cpus += s / in->csamples;
		n++;
	}
	return n ? cpus / n : NAN;
}

/* scale: an aggregate above what the machine's CPUs can do is an error of
 * the measurement, never a result (report.h). What they can do: N_cpus x
 * the single instance's rate per CPU it used, which is its rate when it
 * had a CPU to itself; on a loaded machine it got less, and counting its
 * rate as one CPU's would flag an honest aggregate. */
static void aggregate_check(struct builder *b, long long ncpus)
{
	if (ncpus <= 0)
		return;
	for (size_t i = 0; i < b->nrows; i++) {
		struct report_row *r = &b->rows[i];
		unsigned n = 0;
		if (!isfinite(r->aggregate) || !r->higher_is_better || sscanf(r->variant, "N=%u", &n) != 1 || n < 2)
			continue;
		const struct report_row *one = NULL;
		for (size_t k = 0; k < b->nrows && !one; k++)
			if (!strcmp(b->rows[k].variant, "N=1") && !strcmp(b->rows[k].runtime, r->runtime) &&
			    !strcmp(b->rows[k].workload, r->workload) && !strcmp(b->rows[k].metric, r->metric) &&
			    !strcmp(b->rows[k].host, r->host) && b->rows[k].st.n)
				one = &b->rows[k];
		double c = one ? single_cpus(b, r) : NAN;
		if (!one || !(c >= 0.5) || !(one->st.mean > 0))
			continue;
		double per_cpu = one->st.mean / c;
		if (r->aggregate <= 1.1 * (double)ncpus * per_cpu)
			continue;
		char agg[32], rate[32];
		report_fmt_num(agg, sizeof agg, r->aggregate);
		report_fmt_num(rate, sizeof rate, per_cpu);
		r->error = xasprintf("measurement error: %s/%s %s: the aggregate %s %s is more than %lld CPUs can do "
		    "(%lld x the single instance's %s %s per CPU it used, +10%%)", r->runtime, r->workload, r->variant, agg,
		    r->unit, ncpus, ncpus, rate, r->unit);
	}
}

/* A report being built from a journal's records, one at a time. */
struct feed {
	struct builder b;
	struct report *out;
	double *ui_p50;
};

static void feed_begin(struct feed *f, const struct journal_read *jr, const char *baseline, struct report *out)
{
	*out = (struct report){ 0 };
	if (!baseline)
		baseline = json_str(json_object_get(jr->env, "experiment"), "baseline", NULL);
	out->baseline = xstrdup(baseline && *baseline ? baseline : "native");
	out->run_id = report_run_id(jr);
	out->partial = 1;
	json_t *exp = json_object_get(jr->env, "experiment");
	{
		int k = experiment_kind_parse(json_str(exp, "kind", "benchmark"));
		out->kind = k < 0 ? EXP_BENCHMARK : (enum experiment_kind)k;
	}
	const char *exp_name = json_str(exp, "name", NULL);
	out->experiment = exp_name ? xstrdup(exp_name) : NULL;
	/* A scale run's rows are its own sweep, of N (instances at once). */
	const char *sweep = out->kind == EXP_SCALE ? "N" : json_str(json_object_get(exp, "sweep"), "param", NULL);
	out->sweep_param = sweep && *sweep ? xstrdup(sweep) : NULL;
	out->ui_frame_ms_max = out->ui_frame_ms_p50 = NAN;
	*f = (struct feed){
		.b = {
			.oneshot_startup = out->kind != EXP_STARTUP && out->kind != EXP_SCALE,
			.shown = json_object_get(exp, "report_metrics"),
		},
		.out = out,
	};
}

/* A "storage" record: what the instance added to the host's storage,
 * from its driver at its removal. The record outlives the build. */
static void add_storage(struct builder *b, json_t *rec)
{
	struct inst *in = find_inst(b, json_object_get(rec, "inst"));
	json_t *kb = json_object_get(rec, "kb");
	if (!in || !json_is_number(kb) || json_number_value(kb) < 0)
		return;
	in->disk_kb = json_number_value(kb);
	in->disk_what = json_string_value(json_object_get(rec, "what"));
}

/* A "memory" record: its processes' PSS by role, read once. */
static void add_memory(struct builder *b, json_t *rec)
{
	struct inst *in = find_inst(b, json_object_get(rec, "inst"));
	json_t *roles = json_object_get(rec, "roles"), *v;
	const char *name;
	if (!in)
		return;
	json_object_foreach(roles, name, v) {
		int role = role_parse(name);
		json_t *pss = json_object_get(v, "pss_kb");
		if (role >= 0 && json_is_number(pss) && json_number_value(pss) >= 0)
			in->pss_kb[role] = json_number_value(pss);
	}
}

/* One record; it must outlive the report's building unless a sample. */
static void feed_record(struct feed *f, json_t *rec)
{
	struct builder *b = &f->b;
	struct report *out = f->out;
	const char *type = json_str(rec, "type", "");
	if (!strcmp(type, "metric_def"))
		add_def(b, rec);
	else if (!strcmp(type, "instance"))
		add_inst(b, rec);
	else if (!strcmp(type, "info")) {
		/* A VM driver says which accelerator ran the guest. */
		struct inst *in = find_inst(b, json_object_get(rec, "inst"));
		const char *msg = json_str(rec, "msg", "");
		if (in && !strncmp(msg, "accelerator: emulated", 21))
			in->emulated = 1;
	}
	else if (!strcmp(type, "sample")) {
		samplerec_from_json(&b->srec, rec);
		add_sample(b, &b->srec);
	} else if (!strcmp(type, "end"))
		add_end(b, rec);
	else if (!strcmp(type, "group"))
		add_group(out, rec);
	else if (!strcmp(type, "startup"))
		add_phases(b, rec, out->kind == EXP_STARTUP || out->kind == EXP_SCALE);
	else if (!strcmp(type, "storage"))
		add_storage(b, rec);
	else if (!strcmp(type, "memory"))
		add_memory(b, rec);
	else if (!strcmp(type, "ui")) {
		json_t *mx = json_object_get(rec, "frame_ms_max"), *md = json_object_get(rec, "frame_ms_p50");
		if (!json_is_number(mx) || !json_is_number(md))
			return;
		if (isnan(out->ui_frame_ms_max) || json_number_value(mx) > out->ui_frame_ms_max)
			out->ui_frame_ms_max = json_number_value(mx);
		f->ui_p50 = xreallocarray(f->ui_p50, out->ui_seconds + 1, sizeof(*f->ui_p50));
		f->ui_p50[out->ui_seconds++] = json_number_value(md);
	} else if (!strcmp(type, "run_end")) {
		/* A cancelled run ended cleanly but did not run its whole plan. */
		out->cancelled = json_truthy(json_object_get(rec, "cancelled"));
		out->partial = out->cancelled;
	}
}

static void feed_finish(struct feed *f, const struct journal_read *jr)
{
	struct builder b = f->b;
	struct report *out = f->out;
	double *ui_p50 = f->ui_p50;
	out->bad_lines = jr->bad_lines;
	collect(&b, out);
	collect_loads(&b, out);
	collect_instances(&b, out);
	entitlements(out, jr->env);
	collect_phases(out);
	build_costs(&b, out);
	if (out->ui_seconds) {
		qsort(ui_p50, out->ui_seconds, sizeof(*ui_p50), cmp_double);
		out->ui_frame_ms_p50 = percentile(ui_p50, out->ui_seconds, 50);
	}
	free(ui_p50);

	/* Stats, then the comparison with the baseline row of the same
	 * workload, metric and host: other hosts are other machines. */
	for (size_t i = 0; i < b.nrows; i++)
		stats_compute(b.rows[i].values, b.nvalues[i], &b.rows[i].st);
	for (size_t i = 0; i < b.nrows; i++) {
		struct report_row *r = &b.rows[i];
		if (!strcmp(r->runtime, out->baseline) || r->st.n == 0)
			continue;
		for (size_t k = 0; k < b.nrows; k++) {
			const struct report_row *base = &b.rows[k];
			if (strcmp(base->runtime, out->baseline) || strcmp(base->workload, r->workload) ||
			    strcmp(base->metric, r->metric) || strcmp(base->host, r->host) ||
			    strcmp(base->variant, r->variant) || base->st.n == 0)
				continue;
			r->has_baseline = 1;
			r->overhead_pct = stats_overhead_pct(r->st.mean, base->st.mean, r->higher_is_better);
			r->p_value = stats_welch_p(&r->st, &base->st);
			r->significant = r->p_value < 0.05;
			break;
		}
	}

	group_fields(&b, out);
	if (out->kind == EXP_SCALE)
		aggregate_check(&b, json_integer_value(json_object_get(jr->env, "cpus")));

	size_t *idx = xcalloc(b.nrows ? b.nrows : 1, sizeof(*idx));
	for (size_t i = 0; i < b.nrows; i++)
		idx[i] = i;
	qsort_r(idx, b.nrows, sizeof(*idx), cmp_rows, &b);
	out->rows = xcalloc(b.nrows ? b.nrows : 1, sizeof(*out->rows));
	for (size_t i = 0; i < b.nrows; i++)
		out->rows[i] = b.rows[idx[i]];
	out->nrows = b.nrows;
	free(idx);
	free(b.rows);
	builder_free(&b);
}

int report_build(const struct journal_read *jr, const char *baseline, struct report *out, char **cause)
{
	(void)cause;
	struct feed f;
	feed_begin(&f, jr, baseline, out);
	for (size_t i = 0; i < jr->nrecords; i++)
		feed_record(&f, jr->records[i]);
	feed_finish(&f, jr);
	return 0;
}

/* journal_read's hooks for report_build_dir: a sample the line reader
 * reads whole is added and let go; every other record is kept and fed. */
static int feed_line(const char *line, size_t len, void *arg)
{
	struct feed *f = arg;
	if (samplerec_parse(&f->b.srec, line, len) < 0 || !f->b.srec.is_sample)
		return 0;
	add_sample(&f->b, &f->b.srec);
	return 1;
}

static void feed_rec(json_t *rec, void *arg)
{
	feed_record(arg, rec);
}

struct feed_start {
	struct feed f;         /* first: the hooks' argument is both */
	const char *baseline;
	struct report *out;
};

static void feed_start(const struct journal_read *jr, void *arg)
{
	struct feed_start *fs = arg;
	feed_begin(&fs->f, jr, fs->baseline, fs->out);
}

int report_build_dir(const char *dir, const char *baseline, struct journal_read *jr, struct report *out,
    char **cause)
{
	struct feed_start fs = { .baseline = baseline, .out = out };
	struct journal_hooks h = { .begin = feed_start, .line = feed_line, .record = feed_rec, .arg = &fs };
	if (journal_read_hooked(dir, &h, jr, cause) < 0)
		return -1; /* before the first line: nothing was fed */
	feed_finish(&fs.f, jr);
	return 0;
}

const char *report_sweep_value(const struct report *r, const struct report_row *row)
{
	size_t n = r->sweep_param ? strlen(r->sweep_param) : 0;
	if (!n || strncmp(row->variant, r->sweep_param, n) || row->variant[n] != '=')
		return NULL;
	return row->variant + n + 1;
}

size_t report_sweep_values(const struct report *r, const char ***out)
{
	const char **vals = xcalloc(r->nrows + 1, sizeof *vals);
	size_t nv = 0;
	for (size_t i = 0; i < r->nrows; i++) {
		const char *v = report_sweep_value(r, &r->rows[i]);
		size_t k = 0;
		while (v && k < nv && strcmp(vals[k], v))
			k++;
		if (v && k == nv)
			vals[nv++] = v;
	}
	*out = vals;
	return nv;
}

void report_sweep_line(const struct report *r, const struct report_row *like, const char *const *vals, size_t nv,
    double *y, char *used)
{
	for (size_t j = 0; j < nv; j++)
		y[j] = NAN;
	for (size_t m = 0; m < r->nrows; m++) {
		const struct report_row *o = &r->rows[m];
		const char *v = report_sweep_value(r, o);
		if (!v || strcmp(o->workload, like->workload) || strcmp(o->metric, like->metric) ||
		    strcmp(o->runtime, like->runtime) || strcmp(o->host, like->host))
			continue;
		if (used)
			used[m] = 1;
		for (size_t j = 0; j < nv; j++)
			if (!strcmp(vals[j], v))
				y[j] = o->st.n ? o->st.mean : NAN;
	}
}

void report_free(struct report *r)
{
	free(r->sweep_param);
	for (size_t i = 0; i < r->nrows; i++) {
		struct report_row *row = &r->rows[i];
		free(row->runtime);
		free(row->workload);
		free(row->metric);
		free(row->unit);
		free(row->host);
		free(row->values);
		free(row->variant);
		free(row->error);
	}
	free(r->rows);
	for (size_t i = 0; i < r->nfits; i++) {
		free(r->fits[i].runtime);
		free(r->fits[i].workload);
	}
	free(r->fits);
	for (size_t i = 0; i < r->naparts; i++) {
		free(r->aparts[i].runtime);
		free(r->aparts[i].workload);
		free(r->aparts[i].variant);
		free(r->aparts[i].why);
	}
	free(r->aparts);
	for (size_t i = 0; i < r->ninsts; i++) {
		free(r->insts[i].lim_cpuset);
		free(r->insts[i].disk_what);
		free(r->insts[i].runtime);
		free(r->insts[i].workload);
		free(r->insts[i].host);
		free(r->insts[i].variant);
	}
	free(r->insts);
	for (size_t i = 0; i < r->nphases; i++) {
		free(r->phases[i].runtime);
		free(r->phases[i].workload);
	}
	free(r->phases);
	for (size_t i = 0; i < r->nloads; i++) {
		struct report_load *l = &r->loads[i];
		free(l->runtime);
		free(l->variant);
		free(l->workload);
		free(l->class_name);
		free(l->host);
		for (size_t m = 0; m < l->nmetrics; m++) {
			free(l->metrics[m].name);
			free(l->metrics[m].unit);
		}
		free(l->metrics);
	}
	free(r->loads);
	for (size_t i = 0; i < r->ncosts; i++) {
		struct report_cost *c = &r->costs[i];
		free(c->runtime);
		free(c->workload);
		free(c->variant);
		free(c->host);
		free(c->unit);
		free(c->metric);
		free(c->component);
		free(c->values);
	}
	free(r->costs);
	free(r->experiment);
	free(r->run_id);
	free(r->baseline);
	*r = (struct report){ 0 };
}

/* Printing. */

/* About five significant digits without exponents for the magnitudes
 * benchmarks produce; exponents only for the extremes. */
void report_fmt_num(char *buf, size_t size, double v)
{
	double a = fabs(v);
	if (!isfinite(v))
		snprintf(buf, size, "-");
	else if (v == 0.0)
		snprintf(buf, size, "0");
	else if (a >= 1e12 || a < 1e-3)
		snprintf(buf, size, "%.3e", v);
	else if (a >= 1e5)
		snprintf(buf, size, "%.0f", v);
	else if (a >= 1.0)
		snprintf(buf, size, "%.2f", v);
	else
		snprintf(buf, size, "%.3g", v);
}

enum { COL_RUNTIME, COL_VARIANT, COL_HOST, COL_WORKLOAD, COL_METRIC, COL_UNIT, COL_N, COL_MEAN, COL_CI,
	COL_STDDEV, COL_P50, COL_P95, COL_AGG, COL_OVERHEAD, COL_SIG, COL_DEGR, COL_DNF, COL_FAILED, NCOLS };

static const struct {
	const char *title;
	int right;
} columns[NCOLS] = {
	[COL_RUNTIME] = { "runtime", 0 },
	[COL_VARIANT] = { "variant", 0 },
	[COL_HOST] = { "host", 0 },
	[COL_WORKLOAD] = { "workload", 0 },
	[COL_METRIC] = { "metric", 0 },
	[COL_UNIT] = { "unit", 0 },
	[COL_N] = { "n", 1 },
	[COL_MEAN] = { "mean", 1 },
	[COL_CI] = { "\xc2\xb1" "95% CI", 1 },
	[COL_STDDEV] = { "stddev", 1 },
	[COL_P50] = { "p50", 1 },
	[COL_P95] = { "p95", 1 },
	[COL_AGG] = { "aggregate", 1 },
	[COL_OVERHEAD] = { "overhead", 1 },
	[COL_SIG] = { "sig", 0 },
	[COL_DEGR] = { "degradation", 1 },
	[COL_DNF] = { "dnf", 1 },
	[COL_FAILED] = { "failed", 1 },
};

/* Display width of UTF-8 text: count the bytes that start a character. */
static size_t text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* The text of each column of a row; the caller frees each cell. */
static void row_cells(const struct report_row *row, char *cells[NCOLS])
{
	char num[64];
	cells[COL_RUNTIME] = xstrdup(row->runtime);
	cells[COL_VARIANT] = xstrdup(row->variant[0] ? row->variant : "-");
	cells[COL_HOST] = xstrdup(row->host);
	cells[COL_WORKLOAD] = xstrdup(row->workload);
	cells[COL_METRIC] = xstrdup(row->metric);
	cells[COL_UNIT] = xstrdup(row->unit[0] ? row->unit : "-");
	cells[COL_N] = xasprintf("%zu", row->st.n);
	report_fmt_num(num, sizeof(num), row->st.n ? row->st.mean : NAN);
	cells[COL_MEAN] = xstrdup(num);
	/* One repetition has no spread: "-" rather than a misleading 0. */
	report_fmt_num(num, sizeof(num), row->st.n > 1 ? row->st.ci95 : NAN);
	cells[COL_CI] = xstrdup(num);
	report_fmt_num(num, sizeof(num), row->st.n > 1 ? row->st.stddev : NAN);
	cells[COL_STDDEV] = xstrdup(num);
	report_fmt_num(num, sizeof(num), row->p50);
	cells[COL_P50] = xstrdup(num);
	report_fmt_num(num, sizeof(num), row->p95);
	cells[COL_P95] = xstrdup(num);
	report_fmt_num(num, sizeof(num), row->aggregate);
	cells[COL_AGG] = xstrdup(num);
	if (row->has_degradation && isfinite(row->degradation_pct))
		cells[COL_DEGR] = xasprintf("%+.1f%%", row->degradation_pct);
	else
		cells[COL_DEGR] = xstrdup("-");
	cells[COL_DNF] = row->target ? (row->dnf ? xasprintf("DNF %u", row->dnf) : xstrdup("0")) : xstrdup("");
	if (row->has_baseline && isfinite(row->overhead_pct))
		cells[COL_OVERHEAD] = xasprintf("%+.1f%%", row->overhead_pct);
	else
		cells[COL_OVERHEAD] = xstrdup("-");
	cells[COL_SIG] = xstrdup(row->has_baseline && row->significant ? "*" : "");
	cells[COL_FAILED] = xasprintf("%u", row->failed);
}

static void print_table(const struct report *r, const int show[NCOLS], FILE *fp)
{
	size_t width[NCOLS];
	char *(*cells)[NCOLS] = xcalloc(r->nrows, sizeof(*cells));
	for (int c = 0; c < NCOLS; c++)
		width[c] = text_width(columns[c].title);
	for (size_t i = 0; i < r->nrows; i++) {
		row_cells(&r->rows[i], cells[i]);
		for (int c = 0; c < NCOLS; c++)
			if (text_width(cells[i][c]) > width[c])
				width[c] = text_width(cells[i][c]);
	}
	int last = NCOLS - 1;
	while (!show[last])
		last--;
	for (size_t i = 0; i <= r->nrows; i++) {
		/* Blanks are held back until text follows them, so no line ends
		 * with blanks whatever the last columns hold. */
		size_t blanks = 0;
		int first = 1;
		for (int c = 0; c <= last; c++) {
			if (!show[c])
				continue;
			const char *s = i == 0 ? columns[c].title : cells[i - 1][c];
			size_t pad = width[c] - text_width(s);
			blanks += first ? 0 : 2;
			first = 0;
			if (columns[c].right)
				blanks += pad;
			if (*s) {
				fprintf(fp, "%*s%s", (int)blanks, "", s);
				blanks = 0;
			}
			if (!columns[c].right)
				blanks += pad;
		}
		fputc('\n', fp);
	}
	for (size_t i = 0; i < r->nrows; i++)
		for (int c = 0; c < NCOLS; c++)
			free(cells[i][c]);
	free(cells);
}

/* A table of text cells, column titles first, aligned; right[c] aligns
 * column c to the right. Frees the cells. */
static void print_grid(FILE *fp, char ***cells, size_t nrows, size_t ncols, const int *right)
{
	size_t *width = xcalloc(ncols, sizeof *width);
	for (size_t i = 0; i < nrows; i++)
		for (size_t c = 0; c < ncols; c++)
			if (text_width(cells[i][c]) > width[c])
				width[c] = text_width(cells[i][c]);
	for (size_t i = 0; i < nrows; i++) {
		size_t blanks = 0;
		for (size_t c = 0; c < ncols; c++) {
			const char *s = cells[i][c];
			size_t pad = width[c] - text_width(s);
			blanks += c ? 2 : 0;
			if (right[c])
				blanks += pad;
			if (*s) {
				fprintf(fp, "%*s%s", (int)blanks, "", s);
				blanks = 0;
			}
			if (!right[c])
				blanks += pad;
		}
		fputc('\n', fp);
		for (size_t c = 0; c < ncols; c++)
			free(cells[i][c]);
		free(cells[i]);
	}
	free(cells);
	free(width);
}

static char *fmt_cell(double v, int valid)
{
	char num[64];
	report_fmt_num(num, sizeof num, valid ? v : NAN);
	return xstrdup(num);
}

static char *ci_cell(const struct report_cost *c)
{
	if (!c || c->none)
		return xstrdup("");
	if (c->st.n < 2)
		return xstrdup("-");
	return !strcmp(c->unit, "kB") ? xasprintf("%.0f", c->st.ci95) : fmt_cell(c->st.ci95, 1);
}

static char *mean_cell(const struct report_cost *c)
{
	if (!c)
		return xstrdup("");
	if (c->none)
		return xstrdup("none");
	if (!c->st.n)
		return xstrdup("-");
	/* kB and switches are whole numbers. */
	return !strcmp(c->unit, "kB") || !strcmp(c->unit, "switches") ? xasprintf("%.0f", c->st.mean) : fmt_cell(c->st.mean, 1);
}

static char *overhead_cell(const struct report_cost *c)
{
	if (!c || !c->has_baseline || !isfinite(c->overhead_pct))
		return xstrdup(c && !c->none ? "-" : "");
	return xasprintf("%+.1f%%%s", c->overhead_pct, c->significant ? " *" : "");
}

/* The row of g's group and component (role rows: ""), of role and quantity q. */
static const struct report_cost *cost_at(const struct report *r, const struct report_cost *g, int role,
    enum cost_qty q)
{
	const char *comp = g->role == role ? g->component : "";
	for (size_t i = 0; i < r->ncosts; i++) {
		const struct report_cost *c = &r->costs[i];
		if (c->role == role && c->qty == q && !strcmp(c->component, comp) && !strcmp(c->runtime, g->runtime) &&
		    !strcmp(c->workload, g->workload) && !strcmp(c->variant, g->variant) && !strcmp(c->host, g->host))
			return c;
	}
	return NULL;
}

/* The first row of each group (runtime × variant × workload × host). */
static int group_start(const struct report *r, size_t i)
{
	const struct report_cost *a = &r->costs[i], *p = i ? &r->costs[i - 1] : NULL;
	return !p || strcmp(a->runtime, p->runtime) || strcmp(a->workload, p->workload) ||
	    strcmp(a->variant, p->variant) || strcmp(a->host, p->host);
}

/* Appends a row of the grid made of the ncol shown columns col[] of
 * cell[0..ncell): those move into the row, the others are freed. */
static char ***grid_add_row(char ***cells, size_t *n, char **cell, size_t ncell, const int *col, size_t ncol)
{
	cells = xreallocarray(cells, *n + 1, sizeof *cells);
	cells[*n] = xcalloc(ncol, sizeof **cells);
	for (size_t k = 0; k < ncol; k++) {
		cells[*n][k] = cell[col[k]];
		cell[col[k]] = NULL;
	}
	for (size_t k = 0; k < ncell; k++)
		free(cell[k]);
	(*n)++;
	return cells;
}

/* The columns of a cost table to show: all of ncols but the variant (2)
 * and host (3) unless shown; their alignment from right_all. Returns how
 * many. */
static size_t cost_columns(const struct report *r, size_t ncols, const int *right_all, int *col, int *right)
{
	int show_var = 0, show_host = 0;
	for (size_t i = 0; i < r->ncosts; i++) {
		show_var |= r->costs[i].variant[0] != 0;
		show_host |= strcmp(r->costs[i].host, "local") != 0;
	}
	size_t nc = 0;
	for (size_t c = 0; c < ncols; c++)
		if ((c != 2 || show_var) && (c != 3 || show_host))
			col[nc++] = (int)c;
	for (size_t c = 0; c < nc; c++)
		right[c] = right_all[col[c]];
	return nc;
}

/* What an instance of c's group said its storage was, NULL when none did. */
static const char *disk_what(const struct report *r, const struct report_cost *c)
{
	for (size_t i = 0; i < r->ninsts; i++) {
		const struct report_instance *ri = &r->insts[i];
		if (ri->disk_what && !strcmp(ri->runtime, c->runtime) && !strcmp(ri->workload, c->workload) &&
		    !strcmp(ri->variant, c->variant) && !strcmp(ri->host, c->host))
			return ri->disk_what;
	}
	return NULL;
}

/* The host storage each instance added beside its image: one row a group. */
static void print_storage(const struct report *r, FILE *fp)
{
	int any = 0;
	for (size_t i = 0; i < r->ncosts; i++)
		any |= r->costs[i].qty == COST_DISK_KB && r->costs[i].st.n;
	if (!any)
		return;
	static const char *const titles[] = { "workload", "runtime", "variant", "host", "n", "storage kB",
		"\xc2\xb1" "95% CI", "vs baseline", "what" };
	static const int right_all[] = { 0, 0, 0, 0, 1, 1, 1, 1, 0 };
	enum { NC = ARRAY_SIZE(titles) };
	int col[NC] = { 0 }, right[NC];
	size_t nc = cost_columns(r, NC, right_all, col, right);
	fprintf(fp, "host storage each instance added beside the image it shares (mean over repetitions; measured "
	    "by its driver at its removal)\n");
	char ***cells = NULL;
	size_t n = 0;
	for (size_t i = 0; i <= r->ncosts; i++) {
		char *cell[NC] = { 0 };
		if (i == 0) {
			for (size_t c = 0; c < NC; c++)
				cell[c] = xstrdup(titles[c]);
		} else {
			const struct report_cost *c = &r->costs[i - 1];
			if (c->qty != COST_DISK_KB || !c->st.n)
				continue;
			const char *what = disk_what(r, c);
			cell[0] = xstrdup(c->workload);
			cell[1] = xstrdup(c->runtime);
			cell[2] = xstrdup(c->variant[0] ? c->variant : "-");
			cell[3] = xstrdup(c->host);
			cell[4] = xasprintf("%zu", c->st.n);
			cell[5] = mean_cell(c);
			cell[6] = ci_cell(c);
			cell[7] = overhead_cell(c);
			cell[8] = xstrdup(what ? what : "");
		}
		cells = grid_add_row(cells, &n, cell, NC, col, nc);
	}
	print_grid(fp, cells, n, nc, right);
}

/* Storage I/O and context switches by role: the roles that have them. */
static void print_io(const struct report *r, FILE *fp)
{
	static const char *const titles[] = { "workload", "runtime", "variant", "host", "role", "n", "read kB",
		"written kB", "voluntary switches", "involuntary switches" };
	static const int right_all[] = { 0, 0, 0, 0, 0, 1, 1, 1, 1, 1 };
	static const enum cost_qty qs[4] = { COST_READ_KB, COST_WRITE_KB, COST_CSW, COST_NVCSW };
	enum { NC = ARRAY_SIZE(titles) };
	int col[NC] = { 0 }, right[NC];
	size_t nc = cost_columns(r, NC, right_all, col, right);
	char ***cells = NULL;
	size_t n = 0;
	const struct report_cost *prev = NULL;
	for (size_t i = 0; i <= r->ncosts; i++) {
		char *cell[NC] = { 0 };
		if (i == 0) {
			for (size_t c = 0; c < NC; c++)
				cell[c] = xstrdup(titles[c]);
		} else {
			const struct report_cost *c = &r->costs[i - 1];
			if (c->qty != COST_READ_KB || c->component[0])
				continue;
			const struct report_cost *q[4];
			size_t reps = 0;
			int any = 0;
			for (int k = 0; k < 4; k++) {
				q[k] = cost_at(r, c, c->role, qs[k]);
				any |= q[k] && !q[k]->none;
				if (q[k] && q[k]->st.n > reps)
					reps = q[k]->st.n;
			}
			if (!any)
				continue;
			int lead = !prev || strcmp(c->runtime, prev->runtime) || strcmp(c->workload, prev->workload) ||
			    strcmp(c->variant, prev->variant) || strcmp(c->host, prev->host);
			prev = c;
			cell[0] = xstrdup(lead ? c->workload : "");
			cell[1] = xstrdup(lead ? c->runtime : "");
			cell[2] = xstrdup(lead ? (c->variant[0] ? c->variant : "-") : "");
			cell[3] = xstrdup(lead ? c->host : "");
			cell[4] = xstrdup(c->role == ROLE_GUEST ? "guest (own view)" : report_cost_role_name(c->role));
			cell[5] = xasprintf("%zu", reps);
			for (int k = 0; k < 4; k++)
				cell[6 + k] = q[k] && !q[k]->none ? mean_cell(q[k]) : xstrdup("-");
		}
		cells = grid_add_row(cells, &n, cell, NC, col, nc);
	}
	if (n > 1) {
		fprintf(fp, "storage I/O and context switches by role (mean over repetitions; summed over each "
		    "instance's samples; switches of each process's main thread; -: not readable, e.g. another user's "
		    "process)\n");
		print_grid(fp, cells, n, nc, right);
	} else {
		for (size_t i = 0; i < n; i++) {
			for (size_t k = 0; k < nc; k++)
				free(cells[i][k]);
			free(cells[i]);
		}
		free(cells);
	}
}

/* One line per runtime, workload and throughput whose instances ran
 * together: Jain's index per variant, and the least-served instance's
 * share of an equal one. */
static void print_entitlements(const struct report *r, FILE *fp)
{
	int any = 0;
	for (size_t k = 0; k < r->ninsts; k++) {
		double ent, used, lo, hi;
		if (!first_of_variant(r, k) || !entitlement_of(r, k, &ent, &used, &lo, &hi))
			continue;
		if (!any++)
			fprintf(fp, "entitlement (the CPUs each instance's weight, quota and cpuset give it among those that "
			    "ran with it, against the host CPU it used per second while it ran; a member held stopped "
			    "for the others counts as idle):\n");
		const struct report_instance *a = &r->insts[k];
		fprintf(fp, "  %s%s%s/%s %s: entitled %.2f CPU, used %.2f (%.0f%% to %.0f%% of it)\n", a->runtime,
		    strcmp(a->host, "local") ? "@" : "", strcmp(a->host, "local") ? a->host : "", a->workload,
		    *a->variant ? a->variant : "-", ent, used, lo, hi);
	}
}

static void print_fairness(const struct report *r, FILE *fp)
{
	for (size_t i = 0; i < r->nrows; i++) {
		const struct report_row *a = &r->rows[i];
		int first = 1;
		for (size_t k = 0; k < i && first; k++)
			first = !(isfinite(r->rows[k].fairness) && !strcmp(r->rows[k].runtime, a->runtime) &&
			    !strcmp(r->rows[k].workload, a->workload) && !strcmp(r->rows[k].metric, a->metric) &&
			    !strcmp(r->rows[k].host, a->host));
		if (!isfinite(a->fairness) || !first)
			continue;
		fprintf(fp, "fairness: %s/%s %s (Jain's index of the instances that ran together, 1 = equal shares; "
		    "lowest: the least-served one's share of an equal one):", a->runtime, a->workload, a->metric);
		for (size_t k = i; k < r->nrows; k++) {
			const struct report_row *b = &r->rows[k];
			if (isfinite(b->fairness) && !strcmp(b->runtime, a->runtime) && !strcmp(b->workload, a->workload) &&
			    !strcmp(b->metric, a->metric) && !strcmp(b->host, a->host))
				fprintf(fp, "%s %s%s%.3f, lowest %.2f", k == i ? "" : ";", b->variant, b->variant[0] ? " " : "",
				    b->fairness, b->fair_lowest);
		}
		fputc('\n', fp);
	}
}

/* "neighbours: sandbox/neighbours: forkbomb (adversarial, n 2): rate 1484
 * forks/s, procs 63 processes, failed 5587 forks/s". */
static void print_loads(const struct report *r, FILE *fp)
{
	if (r->nloads)
		fprintf(fp, "neighbours' load (the mean per neighbour instance of what it kept up beside the target):\n");
	for (size_t i = 0; i < r->nloads; i++) {
		const struct report_load *l = &r->loads[i];
		fprintf(fp, "  %s%s%s/%s: %s (%s%sn %u", l->runtime, strcmp(l->host, "local") ? "@" : "",
		    strcmp(l->host, "local") ? l->host : "", l->variant[0] ? l->variant : "-", l->workload,
		    l->class_name, l->class_name[0] ? ", " : "", l->n);
		if (l->ended_early)
			fprintf(fp, ", %u ended early", l->ended_early);
		fputs(")", fp);
		int any = 0;
		for (size_t m = 0; m < l->nmetrics; m++) {
			char v[32];
			if (!l->metrics[m].n)
				continue;
			report_fmt_num(v, sizeof v, l->metrics[m].mean);
			fprintf(fp, "%s %s %s%s%s", any ? "," : ":", l->metrics[m].name, v,
			    l->metrics[m].unit[0] ? " " : "", l->metrics[m].unit);
			any = 1;
		}
		if (!any)
			fputs(": no metric reported", fp);
		fputc('\n', fp);
	}
}

static void print_costs(const struct report *r, FILE *fp)
{
	int show_var = 0, show_host = 0, any_unit = 0, any_pss = 0, any = 0;
	for (size_t i = 0; i < r->ncosts; i++) {
		any |= r->costs[i].qty != COST_DISK_KB; /* storage alone has its own table */
		any_pss |= r->costs[i].qty == COST_PSS && r->costs[i].st.n;
		show_var |= r->costs[i].variant[0] != 0;
		show_host |= strcmp(r->costs[i].host, "local") != 0;
		any_unit |= r->costs[i].qty == COST_CPU_PER_UNIT && r->costs[i].st.n;
	}
	if (!any)
		return;
	static const char *const titles[] = { "workload", "runtime", "variant", "host", "role", "n", "CPU-s",
		"\xc2\xb1" "95% CI", "share", "peak RSS kB", "\xc2\xb1" "95% CI", "mean RSS kB", "PSS kB", "CPU-s vs baseline" };
	static const int right_all[] = { 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	enum { NC = ARRAY_SIZE(titles) };
	int col[NC] = { 0 };
	size_t nc = 0;
	for (size_t c = 0; c < NC; c++)
		if ((c != 2 || show_var) && (c != 3 || show_host) && (c != 12 || any_pss))
			col[nc++] = (int)c;
	int right[NC];
	for (size_t c = 0; c < nc; c++)
		right[c] = right_all[col[c]];

	char ***cells = NULL;
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			if (!any_unit)
				break;
			fprintf(fp, "host CPU per unit of work (host CPU per second while the workload ran, over its main "
			    "metric)\n");
		} else {
			fprintf(fp, "host cost by role (mean over repetitions; CPU-s over each instance's life; share of the "
			    "host roles' CPU; guest: its own view, not in the total%s)\n",
			    any_pss ? "; PSS: read once, mid-run" : "");
		}
		cells = NULL;
		n = 0;
		for (size_t i = 0; i <= r->ncosts; i++) {
			char *cell[NC] = { 0 };
			if (i == 0) {
				for (size_t c = 0; c < NC; c++)
					cell[c] = xstrdup(titles[c]);
				if (pass == 1) {
					free(cell[4]), cell[4] = xstrdup("metric");
					free(cell[6]), cell[6] = xstrdup("host CPU per unit");
					free(cell[8]), cell[8] = xstrdup("unit");
					free(cell[9]), cell[9] = xstrdup("work per CPU-s");
					free(cell[10]), cell[10] = xstrdup("unit");
					free(cell[11]), cell[11] = xstrdup("");
					free(cell[12]), cell[12] = xstrdup("");
					free(cell[13]), cell[13] = xstrdup("vs baseline");
				}
			} else {
				const struct report_cost *c = &r->costs[i - 1];
				/* "none" is said of the workload and the runtime; other
				 * roles show where a runtime has them. */
				int want = pass == 0 ? c->qty == COST_CPU_S && (c->role == ROLE_WORKLOAD || c->role == ROLE_RUNTIME ||
				    c->role == REPORT_TOTAL || !c->none) && (!c->component[0] || !c->none) :
				    c->qty == COST_CPU_PER_UNIT && c->st.n;
				if (!want)
					continue;
				int lead = pass == 1 || group_start(r, i - 1);
				cell[0] = xstrdup(lead ? c->workload : "");
				cell[1] = xstrdup(lead ? c->runtime : "");
				cell[2] = xstrdup(lead ? (c->variant[0] ? c->variant : "-") : "");
				cell[3] = xstrdup(lead ? c->host : "");
				if (pass == 0) {
					const struct report_cost *sh = cost_at(r, c, c->role, COST_CPU_SHARE);
					const struct report_cost *pk = cost_at(r, c, c->role, COST_RSS_PEAK);
					const struct report_cost *mn = cost_at(r, c, c->role, COST_RSS_MEAN);
					const struct report_cost *ps = c->component[0] ? NULL : cost_at(r, c, c->role, COST_PSS);
					if (c->component[0])
						cell[4] = xasprintf("  %s", c->component);
					else if (c->role == ROLE_GUEST)
						cell[4] = xstrdup("guest (own view)");
					else
						cell[4] = xstrdup(report_cost_role_name(c->role));
					cell[5] = c->none ? xstrdup("") : xasprintf("%zu", c->st.n);
					cell[6] = mean_cell(c);
					cell[7] = ci_cell(c);
					cell[8] = sh && !sh->none && sh->st.n ? xasprintf("%.0f%%", sh->st.mean) : xstrdup("");
					cell[9] = c->none ? xstrdup("") : pk && !pk->none ? mean_cell(pk) : xstrdup("-");
					cell[10] = c->none ? xstrdup("") : pk && !pk->none ? ci_cell(pk) : xstrdup("");
					cell[11] = c->none ? xstrdup("") : mn && !mn->none ? mean_cell(mn) : xstrdup("-");
					/* blank for a component or the guest, which are never read */
					cell[12] = c->none || c->component[0] || c->role == ROLE_GUEST ? xstrdup("") :
					    ps && ps->st.n ? mean_cell(ps) : xstrdup("-");
					cell[13] = c->role == ROLE_GUEST ? xstrdup("") : overhead_cell(c);
				} else {
					const struct report_cost *w = cost_at(r, c, REPORT_TOTAL, COST_WORK_PER_CPU);
					cell[4] = xstrdup(c->metric);
					cell[5] = xasprintf("%zu", c->st.n);
					cell[6] = c->st.n ? fmt_cell(c->st.mean, 1) : xstrdup("-");
					cell[7] = c->st.n > 1 ? fmt_cell(c->st.ci95, 1) : xstrdup("-");
					cell[8] = xstrdup(c->unit);
					cell[9] = w && w->st.n ? fmt_cell(w->st.mean, 1) : xstrdup("-");
					cell[10] = xstrdup(w ? w->unit : "");
					cell[11] = xstrdup("");
					cell[12] = xstrdup("");
					cell[13] = overhead_cell(c);
				}
			}
			cells = grid_add_row(cells, &n, cell, NC, col, nc);
		}
		print_grid(fp, cells, n, nc, right);
	}

	/* One sentence per runtime and workload against the baseline. */
	for (size_t i = 0; i < r->ncosts; i++) {
		const struct report_cost *c = &r->costs[i];
		if (c->qty != COST_CPU_PER_UNIT || !c->has_baseline || !c->st.n)
			continue;
		const struct report_row *mine = report_find(r, c->runtime, c->variant, c->workload, c->metric);
		const struct report_row *base = report_find(r, r->baseline, c->variant, c->workload, c->metric);
		const struct report_cost *bc = report_find_cost(r, r->baseline, c->variant, c->workload, REPORT_TOTAL,
		    COST_CPU_PER_UNIT);
		const struct report_cost *rt = cost_at(r, c, ROLE_RUNTIME, COST_CPU_SHARE);
		const struct report_cost *vm = cost_at(r, c, ROLE_VMM, COST_CPU_SHARE);
		if (!mine || !base || !bc || !mine->st.n || !base->st.n || !(mine->st.mean > 0) || !(bc->st.mean > 0))
			continue;
		double speed = base->st.mean / mine->st.mean;
		_cleanup_free_ char *what = report_work_unit(mine->unit);
		fprintf(fp, "%s/%s: ", c->runtime, c->workload);
		if (speed >= 1.0)
			fprintf(fp, "%.3g\xc3\x97 fewer %s", speed, mine->unit);
		else
			fprintf(fp, "%.3g\xc3\x97 more %s", 1.0 / speed, mine->unit);
		fprintf(fp, " than %s, %.3g\xc3\x97 the host CPU per %s", r->baseline, c->st.mean / bc->st.mean, what);
		if (rt && !rt->none && rt->st.n)
			fprintf(fp, ", %.0f%% of it in the runtime", rt->st.mean);
		if (vm && !vm->none && vm->st.n)
			fprintf(fp, ", %.0f%% in the VMM", vm->st.mean);
		fputc('\n', fp);
	}
	/* VMs: the host CPU the guest does not see itself spend, and the
	 * memory the VMM holds beyond what the guest's processes use. */
	for (size_t i = 0; i < r->ncosts; i++) {
		const struct report_cost *c = &r->costs[i];
		const struct report_cost *pct = cost_at(r, c, ROLE_VMM, COST_VIRT_TAX_PCT);
		if (c->qty != COST_VIRT_TAX_S || !c->st.n || !pct || !pct->st.n)
			continue;
		fprintf(fp, "%s/%s: virtualisation tax %.3g CPU-s, %.0f%% of the VMM's host CPU, where the guest's agent "
		    "reported its own busy CPU\n", c->runtime, c->workload, c->st.mean, pct->st.mean);
	}
	for (size_t i = 0; i < r->ncosts; i++) {
		const struct report_cost *c = &r->costs[i];
		const struct report_cost *x = cost_at(r, c, ROLE_VMM, COST_VIRT_MEM_X);
		if (c->qty != COST_VIRT_MEM_KB || !c->st.n || !x || !x->st.n)
			continue;
		int prec = x->st.mean >= 100 ? 0 : x->st.mean >= 10 ? 1 : 2;
		if (report_tax_vs_kernel(r, c))
			fprintf(fp, "%s/%s: memory tax %.1f MiB: the VMM's mean RSS is %.*f\xc3\x97 the memory the guest's "
			    "kernel counts as used (MemTotal - MemAvailable, its own view)\n", c->runtime, c->workload,
			    c->st.mean / 1024.0, prec, x->st.mean);
		else
			fprintf(fp, "%s/%s: memory tax %.1f MiB: the VMM's mean RSS is %.*f\xc3\x97 that of the guest's "
			    "processes (their own view; the guest's kernel and page cache are in the VMM's)\n", c->runtime,
			    c->workload, c->st.mean / 1024.0, prec, x->st.mean);
	}
}

/* Whether an instance's life is in the cgroup cross-check without a
 * window of samples with the same processes (a runtime whose processes
 * come and go, as gVisor's stubs do, may never have two samples in a row
 * with the same ones): when its samples saw some of its CPU. One that
 * ended before its first sample (the start workload, a fixed amount of
 * work done in less than a second) has nothing to check. */
static int cg_life_listed(const struct report_instance *ri, int src)
{
	return isfinite(ri->cg_life_sampled_s) && ri->cg_life_sampled_s > 0 && isfinite(ri->cg_life_kernel_s[src]);
}

/* Whether an instance is in the cgroup cross-check: by a window, or by
 * its life alone. */
static int cg_listed(const struct report_instance *ri)
{
	return isfinite(ri->cg_window_s) || cg_life_listed(ri, 0) || cg_life_listed(ri, 1);
}

/* The sampled CPU of an instance's cgroup roles against the kernel's: one
 * line per runtime and workload, the worst instance's difference. */
static void print_crosscheck(const struct report *r, FILE *fp)
{
	int header = 0;
	for (size_t i = 0; i < r->ninsts; i++) {
		const struct report_instance *a = &r->insts[i];
		if (!cg_listed(a))
			continue;
		int seen = 0;
		for (size_t j = 0; j < i && !seen; j++)
			seen = cg_listed(&r->insts[j]) && same_group(&r->insts[j], a);
		if (seen)
			continue;
		if (!header++)
			fprintf(fp, "cgroup cross-check (sampled CPU of the workload, runtime and vmm roles against the "
			    "kernel's accounting of the instance's cgroup, over the samples with the same processes):\n");
		double worst[2] = { NAN, NAN }, secs = 0, life_k = 0, life_s = 0, pool_s[2] = { 0, 0 }, pool_k[2] = { 0, 0 };
		unsigned n = 0, nlife = 0, nall = 0;
		for (size_t j = i; j < r->ninsts; j++) {
			const struct report_instance *b = &r->insts[j];
			if (!cg_listed(b) || !same_group(b, a))
				continue;
			nall++;
			double lk = isfinite(b->cg_life_kernel_s[0]) ? b->cg_life_kernel_s[0] : b->cg_life_kernel_s[1];
			if (isfinite(lk) && isfinite(b->cg_life_sampled_s)) {
				life_k += lk;
				life_s += b->cg_life_sampled_s;
				nlife++;
			}
			if (!isfinite(b->cg_window_s))
				continue;
			n++;
			secs += b->cg_window_s;
			for (int k = 0; k < 2; k++) {
				double d = report_cg_diff_pct(b, k);
				if (isfinite(d) && !(fabs(d) <= fabs(worst[k])))
					worst[k] = d;
				if (isfinite(d)) {
					pool_s[k] += b->cg_sampled_s[k];
					pool_k[k] += b->cg_kernel_s[k];
				}
			}
		}
		if (n)
			fprintf(fp, "  %s/%s%s%s: %u instance%s, %.1f s:", a->runtime, a->workload, a->variant[0] ? "/" : "",
			    a->variant, n, n == 1 ? "" : "s", secs);
		else
			fprintf(fp, "  %s/%s%s%s: %u instance%s: no two samples in a row saw the same processes, so no window "
			    "to compare over", a->runtime, a->workload, a->variant[0] ? "/" : "", a->variant, nall,
			    nall == 1 ? "" : "s");
		/* Several instances: all of their windows together, and the
		 * instance furthest off (a short window of a small share of a
		 * CPU is a few 10 ms clock ticks of each process: a tick or two
		 * is several per cent). */
		for (int k = 0; k < 2; k++)
			if (isfinite(worst[k]) && n > 1 && pool_k[k] > 0)
				fprintf(fp, " %s %+.1f%% (the instance furthest off %+.1f%%)", report_cg_source[k],
				    (pool_s[k] / pool_k[k] - 1.0) * 100.0, worst[k]);
			else if (isfinite(worst[k]))
				fprintf(fp, " %s %+.1f%%", report_cg_source[k], worst[k]);
		if (life_k > 0)
			fprintf(fp, "; over its life the samples saw %.0f%% of the cgroup's %.2f CPU-s", life_s / life_k * 100.0,
			    life_k / nlife);
		fputc('\n', fp);
	}
}

double report_cg_diff_pct(const struct report_instance *ri, int src)
{
	double k = ri->cg_kernel_s[src], s = ri->cg_sampled_s[src];
	if (!isfinite(k) || !isfinite(s) || !(k > 0))
		return NAN;
	return (s - k) / k * 100.0;
}

void report_print(const struct report *r, FILE *fp)
{
	int show[NCOLS];
	for (int c = 0; c < NCOLS; c++)
		show[c] = 1;
	/* Columns that would say nothing stay hidden. */
	show[COL_HOST] = 0;
	show[COL_FAILED] = 0;
	show[COL_VARIANT] = show[COL_AGG] = show[COL_DEGR] = show[COL_DNF] = 0;
	show[COL_P50] = show[COL_P95] = r->kind == EXP_STARTUP;
	int any_baseline = 0;
	for (size_t i = 0; i < r->nrows; i++) {
		if (strcmp(r->rows[i].host, "local"))
			show[COL_HOST] = 1;
		if (r->rows[i].failed)
			show[COL_FAILED] = 1;
		if (r->rows[i].variant[0])
			show[COL_VARIANT] = 1;
		if (isfinite(r->rows[i].aggregate))
			show[COL_AGG] = 1;
		if (r->rows[i].has_degradation)
			show[COL_DEGR] = 1;
		if (r->rows[i].target)
			show[COL_DNF] = 1;
		if (!strcmp(r->rows[i].runtime, r->baseline) && r->rows[i].st.n)
			any_baseline = 1;
	}

	fprintf(fp, "run %s (baseline %s)\n", r->run_id, r->baseline);
	if (r->nrows)
		print_table(r, show, fp);
	else if (r->ncosts)
		fprintf(fp, "no workload metrics: the workloads of this run report none (an idle instance); "
		    "what was measured is the host cost below\n");
	else
		fprintf(fp, "no results: no repetition of this run was measured\n");

	if (r->partial && r->cancelled)
		fprintf(fp, "note: partial run: it was cancelled before the end of its plan; showing what was measured\n");
	else if (r->partial)
		fprintf(fp, "note: partial run: the journal ends without run_end; showing what was measured\n");
	if (r->bad_lines)
		fprintf(fp, "note: %zu journal line%s could not be read (cut off or not JSON) and %s skipped\n",
		    r->bad_lines, r->bad_lines == 1 ? "" : "s", r->bad_lines == 1 ? "was" : "were");
	if (r->failed_instances)
		fprintf(fp, "note: %u repetition%s failed or timed out and %s left out (column failed)\n",
		    r->failed_instances, r->failed_instances == 1 ? "" : "s",
		    r->failed_instances == 1 ? "is" : "are");
	if (r->incomplete_instances)
		fprintf(fp, "note: %u repetition%s did not finish (no end record) and %s left out\n",
		    r->incomplete_instances, r->incomplete_instances == 1 ? "" : "s",
		    r->incomplete_instances == 1 ? "is" : "are");
	if (r->nrows && !any_baseline)
		fprintf(fp, "note: the baseline '%s' has no results in this run: no overhead shown\n", r->baseline);
	if (r->nrows && any_baseline)
		fprintf(fp, "overhead: positive is worse than %s; sig: * when Welch's t-test gives p < 0.05\n",
		    r->baseline);
	if (r->sweep_param && r->nrows && r->kind != EXP_SCALE)
		fprintf(fp, "sweep: a row per value of %s (the variant %s=VALUE); 'isolab report --png DIR' draws each "
		    "metric against it\n", r->sweep_param, r->sweep_param);
	if (show[COL_DEGR])
		fprintf(fp, "degradation: positive is worse than %s\n", r->kind == EXP_INTERFERENCE ?
		    "the same runtime's target alone (in the same variant where there are variants)" :
		    "the same runtime's first variant (first row of each block)");
	if (show[COL_DNF])
		fprintf(fp, "dnf: repetitions in which the target did not finish (timed out or failed) beside its neighbours\n");
	for (size_t i = 0; i < r->nrows; i++)
		if (r->rows[i].error)
			fprintf(fp, "error: %s\n", r->rows[i].error);
	for (size_t i = 0; i < r->nfits; i++)
		fprintf(fp, "fit: %s/%s: %u of %u instances ran together%s\n", r->fits[i].runtime, r->fits[i].workload,
		    r->fits[i].fit, r->fits[i].tried, r->fits[i].fit < r->fits[i].tried ? " (a larger N did not start or did not run together)" : "");
	for (size_t i = 0; i < r->naparts; i++) {
		const struct report_apart *a = &r->aparts[i];
		fprintf(fp, "warning: %s/%s%s%s, repetition %u: its instances did not run together over one window: %s\n",
		    a->runtime, a->workload, *a->variant ? " " : "", a->variant, a->rep, a->why);
	}
	print_fairness(r, fp);
	print_entitlements(r, fp);
	print_loads(r, fp);
	if (r->ui_seconds)
		fprintf(fp, "interface: slowest frame %.1f ms, median frame %.1f ms over %u s\n", r->ui_frame_ms_max,
		    r->ui_frame_ms_p50, r->ui_seconds);
	if (r->nphases)
		fprintf(fp, "start-up phases (p50, ms; isolab: before the runtime's call, then after the ready line):\n");
	for (size_t i = 0; i < r->nphases; i++) {
		char line[512];
		report_phases_line(&r->phases[i], line, sizeof line);
		fprintf(fp, "  %s\n", line);
	}
	if (r->ncosts) {
		print_costs(r, fp);
		print_io(r, fp);
		print_storage(r, fp);
	}
	print_crosscheck(r, fp);
}

const struct report_row *report_find(const struct report *r, const char *runtime, const char *variant,
    const char *workload, const char *metric)
{
	if (!variant)
		variant = "";
	for (size_t i = 0; i < r->nrows; i++) {
		const struct report_row *row = &r->rows[i];
		if (!strcmp(row->runtime, runtime) && !strcmp(row->variant, variant) &&
		    !strcmp(row->workload, workload) && !strcmp(row->metric, metric))
			return row;
	}
	return NULL;
}

/* Groups add columns to the exports; a benchmark's keep their historical shape. */
static int has_groups(const struct report *r)
{
	return r->kind != EXP_BENCHMARK;
}

/* Exports. */

void report_csv_field(FILE *fp, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static void csv_num(FILE *fp, double v, int valid)
{
	fputc(',', fp);
	if (valid && isfinite(v))
		fprintf(fp, "%.15g", v);
}

/* runtime,workload,metric,unit,host, then higher_is_better through significant. */
static void csv_stats(FILE *fp, const char *const text[5], int higher, const struct stats *st, int has_baseline,
    double overhead, double p, int significant)
{
	for (size_t k = 0; k < 5; k++) {
		if (k)
			fputc(',', fp);
		report_csv_field(fp, text[k]);
	}
	fprintf(fp, ",%d,%zu", higher ? 1 : 0, st->n);
	int has = st->n > 0;
	csv_num(fp, st->mean, has);
	csv_num(fp, st->stddev, has);
	csv_num(fp, st->ci95, has);
	csv_num(fp, st->min, has);
	csv_num(fp, st->max, has);
	csv_num(fp, overhead, has_baseline);
	csv_num(fp, p, has_baseline);
	fprintf(fp, ",%d", has_baseline && significant);
}

int report_write_csv(const struct report *r, const char *path, char **cause)
{
	char *data = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&data, &len);
	if (!fp)
		return err_errno(cause, "%s", path);
	/* RFC 4180: CRLF line ends, fields quoted only when they need it. */
	fputs("runtime,workload,metric,unit,host,higher_is_better,n,mean,stddev,ci95,min,max,"
	      "overhead_pct,p_value,significant,failed,incomplete", fp);
	fputs(has_groups(r) ? ",variant,p50,p95,aggregate,degradation_pct,dnf\r\n" : "\r\n", fp);
	for (size_t i = 0; i < r->nrows; i++) {
		const struct report_row *row = &r->rows[i];
		const char *text[] = { row->runtime, row->workload, row->metric, row->unit, row->host };
		csv_stats(fp, text, row->higher_is_better, &row->st, row->has_baseline, row->overhead_pct, row->p_value,
		    row->significant);
		fprintf(fp, ",%u,%u", row->failed, row->incomplete);
		int has = row->st.n > 0;
		if (has_groups(r)) {
			fputc(',', fp);
			report_csv_field(fp, row->variant);
			csv_num(fp, row->p50, has);
			csv_num(fp, row->p95, has);
			csv_num(fp, row->aggregate, has);
			csv_num(fp, row->degradation_pct, row->has_degradation);
			fprintf(fp, ",%u", row->dnf);
		}
		fputs("\r\n", fp);
	}
	/* The cost by role, in the same columns: metric "host.QUANTITY.ROLE";
	 * a role without processes ("none") has n 0 and no mean. */
	for (size_t i = 0; i < r->ncosts; i++) {
		const struct report_cost *c = &r->costs[i];
		_cleanup_free_ char *metric = xasprintf("host.%s.%s%s%s", report_cost_qty_name(c->qty),
		    report_cost_role_name(c->role), c->component[0] ? "." : "", c->component);
		const char *text[] = { c->runtime, c->workload, metric, c->unit, c->host };
		csv_stats(fp, text, c->qty == COST_WORK_PER_CPU, &c->st, c->has_baseline, c->overhead_pct, c->p_value,
		    c->significant);
		fputs(",0,0", fp);
		if (has_groups(r)) {
			fputc(',', fp);
			report_csv_field(fp, c->variant);
			fputs(",,,,,", fp);
		}
		fputs("\r\n", fp);
	}
	if (fclose(fp) != 0) {
		free(data);
		return err_errno(cause, "%s", path);
	}
	int rc = journal_write_atomic(path, data, len, cause);
	free(data);
	return rc;
}

static json_t *json_num_or_null(double v, int valid)
{
	json_t *j = valid && isfinite(v) ? json_real(v) : NULL;
	return j ? j : json_null();
}

static json_t *json_text(const char *s)
{
	json_t *j = json_string(s);
	return j ? j : json_string("(not UTF-8)");
}

/* n, mean, stddev, ci95, min, max, values (taken) and the comparison. */
static void json_set_stats(json_t *o, const struct stats *st, json_t *values, int has_baseline, double overhead,
    double p, int significant)
{
	int has = st->n > 0;
	json_object_set_new(o, "n", json_integer((json_int_t)st->n));
	json_object_set_new(o, "mean", json_num_or_null(st->mean, has));
	json_object_set_new(o, "stddev", json_num_or_null(st->stddev, has));
	json_object_set_new(o, "ci95", json_num_or_null(st->ci95, has));
	json_object_set_new(o, "min", json_num_or_null(st->min, has));
	json_object_set_new(o, "max", json_num_or_null(st->max, has));
	json_object_set_new(o, "values", values);
	json_object_set_new(o, "overhead_pct", json_num_or_null(overhead, has_baseline));
	json_object_set_new(o, "p_value", json_num_or_null(p, has_baseline));
	json_object_set_new(o, "significant", json_boolean(has_baseline && significant));
}

json_t *report_to_json(const struct report *r)
{
	json_t *rows = json_array();
	for (size_t i = 0; i < r->nrows; i++) {
		const struct report_row *row = &r->rows[i];
		int has = row->st.n > 0;
		json_t *values = json_array();
		for (size_t k = 0; k < row->st.n; k++)
			json_array_append_new(values, json_num_or_null(row->values[k], 1));
		json_t *o = json_object();
		json_object_set_new(o, "runtime", json_text(row->runtime));
		json_object_set_new(o, "workload", json_text(row->workload));
		json_object_set_new(o, "metric", json_text(row->metric));
		json_object_set_new(o, "unit", json_text(row->unit));
		json_object_set_new(o, "host", json_text(row->host));
		json_object_set_new(o, "higher_is_better", json_boolean(row->higher_is_better));
		json_set_stats(o, &row->st, values, row->has_baseline, row->overhead_pct, row->p_value, row->significant);
		json_object_set_new(o, "failed", json_integer(row->failed));
		json_object_set_new(o, "incomplete", json_integer(row->incomplete));
		json_object_set_new(o, "variant", row->variant[0] ? json_text(row->variant) : json_null());
		json_object_set_new(o, "p50", json_num_or_null(row->p50, has));
		json_object_set_new(o, "p95", json_num_or_null(row->p95, has));
		json_object_set_new(o, "aggregate", json_num_or_null(row->aggregate, has));
		json_object_set_new(o, "fairness", isfinite(row->fairness) ? json_pack("{s:f, s:f}", "jain",
		    row->fairness, "lowest_share", row->fair_lowest) : json_null());
		json_object_set_new(o, "degradation_pct", json_num_or_null(row->degradation_pct, row->has_degradation));
		json_object_set_new(o, "degradation_ci95", json_num_or_null(row->degradation_ci95, row->has_degradation));
		json_object_set_new(o, "dnf", row->target ? json_integer(row->dnf) : json_null());
		json_object_set_new(o, "emulated", json_boolean(row->emulated));
		json_object_set_new(o, "error", row->error ? json_text(row->error) : json_null());
		const char *sv = report_sweep_value(r, row);
		if (r->sweep_param)
			json_object_set_new(o, "sweep_value", sv ? json_text(sv) : json_null());
		json_array_append_new(rows, o);
	}
	json_t *doc = json_object();
	json_object_set_new(doc, "run", json_text(r->run_id));
	json_object_set_new(doc, "baseline", json_text(r->baseline));
	json_object_set_new(doc, "partial", json_boolean(r->partial));
	json_object_set_new(doc, "cancelled", json_boolean(r->cancelled));
	json_object_set_new(doc, "bad_lines", json_integer((json_int_t)r->bad_lines));
	json_object_set_new(doc, "failed_instances", json_integer(r->failed_instances));
	json_object_set_new(doc, "incomplete_instances", json_integer(r->incomplete_instances));
	json_object_set_new(doc, "kind", json_text(experiment_kind_name(r->kind)));
	json_object_set_new(doc, "sweep", r->sweep_param ? json_text(r->sweep_param) : json_null());
	json_t *fits = json_array();
	for (size_t i = 0; i < r->nfits; i++)
		json_array_append_new(fits, json_pack("{s:o, s:o, s:i, s:i}", "runtime", json_text(r->fits[i].runtime),
		    "workload", json_text(r->fits[i].workload), "fit", (int)r->fits[i].fit, "tried", (int)r->fits[i].tried));
	json_object_set_new(doc, "fits", fits);
	json_t *aparts = json_array();
	for (size_t i = 0; i < r->naparts; i++)
		json_array_append_new(aparts, json_pack("{s:o, s:o, s:o, s:i, s:o}", "runtime", json_text(r->aparts[i].runtime),
		    "workload", json_text(r->aparts[i].workload), "variant", json_text(r->aparts[i].variant), "rep",
		    (int)r->aparts[i].rep, "why", json_text(r->aparts[i].why)));
	json_object_set_new(doc, "not_together", aparts);
	json_t *ents = json_array();
	for (size_t k = 0; k < r->ninsts; k++) {
		double ent, used, lo, hi;
		size_t n;
		if (!first_of_variant(r, k) || !(n = entitlement_of(r, k, &ent, &used, &lo, &hi)))
			continue;
		const struct report_instance *a = &r->insts[k];
		json_array_append_new(ents, json_pack("{s:o, s:o, s:o, s:o, s:i, s:f, s:f, s:f, s:f}", "runtime",
		    json_text(a->runtime), "host", json_text(a->host), "workload", json_text(a->workload), "variant",
		    json_text(a->variant), "n", (int)n, "entitled_cpus", ent, "used_cpus", used, "lowest_pct", lo,
		    "highest_pct", hi));
	}
	json_object_set_new(doc, "entitlements", ents);
	json_object_set_new(doc, "ui", r->ui_seconds ? json_pack("{s:f, s:f, s:i}", "frame_ms_max", r->ui_frame_ms_max,
	    "frame_ms_p50", r->ui_frame_ms_p50, "seconds", (int)r->ui_seconds) : json_null());
	json_object_set_new(doc, "rows", rows);
	json_t *phases = json_array();
	for (size_t i = 0; i < r->nphases; i++) {
		const struct report_phases *p = &r->phases[i];
		json_t *ms = json_object();
		for (int k = 0; k < PHASE__COUNT; k++)
			if (isfinite(p->ms[k]) && (k != PHASE_ISOLAB_POST || p->post_known))
				json_object_set_new(ms, phase_keys[k], json_real(p->ms[k]));
		json_array_append_new(phases, json_pack("{s:o, s:o, s:i, s:f, s:f, s:o}", "runtime", json_text(p->runtime),
		    "workload", json_text(p->workload), "n", (int)p->n, "startup_ms", p->startup_ms, "isolab_ms",
		    p->isolab_ms, "phases", ms));
	}
	json_object_set_new(doc, "phases", phases);
	json_t *loads = json_array();
	for (size_t i = 0; i < r->nloads; i++) {
		const struct report_load *l = &r->loads[i];
		json_t *ms = json_object();
		for (size_t m = 0; m < l->nmetrics; m++)
			json_object_set_new(ms, l->metrics[m].name, json_pack("{s:o, s:o, s:i}", "mean",
			    json_num_or_null(l->metrics[m].mean, 1), "unit", json_text(l->metrics[m].unit), "n",
			    (int)l->metrics[m].n));
		json_array_append_new(loads, json_pack("{s:o, s:o, s:o, s:o, s:o, s:i, s:i, s:o}", "runtime",
		    json_text(l->runtime), "variant", l->variant[0] ? json_text(l->variant) : json_null(), "host",
		    json_text(l->host), "workload", json_text(l->workload), "class",
		    l->class_name[0] ? json_text(l->class_name) : json_null(), "n", (int)l->n, "ended_early",
		    (int)l->ended_early, "metrics", ms));
	}
	json_object_set_new(doc, "neighbours", loads);
	json_t *costs = json_array();
	for (size_t i = 0; i < r->ncosts; i++) {
		const struct report_cost *c = &r->costs[i];
		json_t *values = json_array();
		for (size_t k = 0; k < c->st.n; k++)
			json_array_append_new(values, json_num_or_null(c->values[k], 1));
		json_t *o = json_object();
		json_object_set_new(o, "runtime", json_text(c->runtime));
		json_object_set_new(o, "workload", json_text(c->workload));
		json_object_set_new(o, "variant", c->variant[0] ? json_text(c->variant) : json_null());
		json_object_set_new(o, "host", json_text(c->host));
		json_object_set_new(o, "role", json_text(report_cost_role_name(c->role)));
		json_object_set_new(o, "component", c->component[0] ? json_text(c->component) : json_null());
		json_object_set_new(o, "quantity", json_text(report_cost_qty_name(c->qty)));
		json_object_set_new(o, "unit", json_text(c->unit));
		json_object_set_new(o, "metric", c->metric[0] ? json_text(c->metric) : json_null());
		json_object_set_new(o, "none", json_boolean(c->none));
		if (c->qty == COST_VIRT_MEM_KB || c->qty == COST_VIRT_MEM_X) /* what the guest's side is */
			json_object_set_new(o, "guest_memory", json_text(report_tax_vs_kernel(r, c) ? "kernel used" :
			    "processes' RSS"));
		if (c->qty == COST_DISK_KB) { /* what the driver measured */
			const char *what = disk_what(r, c);
			json_object_set_new(o, "what", what ? json_text(what) : json_null());
		}
		json_set_stats(o, &c->st, values, c->has_baseline, c->overhead_pct, c->p_value, c->significant);
		json_array_append_new(costs, o);
	}
	json_object_set_new(doc, "cost", costs);
	json_t *cc = json_array();
	for (size_t i = 0; i < r->ninsts; i++) {
		const struct report_instance *ri = &r->insts[i];
		for (int k = 0; k < 2; k++) {
			int win = isfinite(ri->cg_window_s) && isfinite(ri->cg_kernel_s[k]);
			if (!win && !cg_life_listed(ri, k))
				continue;
			json_t *o = json_object();
			json_object_set_new(o, "runtime", json_text(ri->runtime));
			json_object_set_new(o, "workload", json_text(ri->workload));
			json_object_set_new(o, "variant", ri->variant[0] ? json_text(ri->variant) : json_null());
			json_object_set_new(o, "host", json_text(ri->host));
			json_object_set_new(o, "rep", json_integer(ri->rep));
			json_object_set_new(o, "source", json_text(report_cg_source[k]));
			/* No window (processes that come and go): its figures null,
			 * the life's still given. */
			json_object_set_new(o, "window_s", json_num_or_null(ri->cg_window_s, win));
			json_object_set_new(o, "sampled_cpu_s", json_num_or_null(ri->cg_sampled_s[k], win));
			json_object_set_new(o, "cgroup_cpu_s", json_num_or_null(ri->cg_kernel_s[k], win));
			json_object_set_new(o, "diff_pct", json_num_or_null(win ? report_cg_diff_pct(ri, k) : NAN, 1));
			json_object_set_new(o, "life_sampled_cpu_s", json_num_or_null(ri->cg_life_sampled_s, 1));
			json_object_set_new(o, "life_cgroup_cpu_s", json_num_or_null(ri->cg_life_kernel_s[k], 1));
			json_array_append_new(cc, o);
		}
	}
	json_object_set_new(doc, "cgroup_crosscheck", cc);
	return doc;
}

int report_write_json(const struct report *r, const char *path, char **cause)
{
	json_t *doc = report_to_json(r);
	char *data = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!data)
		return err_set(cause, "%s: cannot serialise the report", path);
	size_t len = strlen(data);
	data = xrealloc(data, len + 2);
	data[len++] = '\n';
	data[len] = '\0';
	int rc = journal_write_atomic(path, data, len, cause);
	free(data);
	return rc;
}

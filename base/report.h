/*
 * report.h — the comparison of a run: per runtime × workload × metric, the
 * mean, stddev and 95% CI over repetitions (warm-ups excluded, failed
 * instances excluded and counted), the overhead against the baseline runtime
 * in %, and whether the difference is significant (Welch, p < 0.05).
 *
 * A repetition's value for a metric is its "end" record value when the
 * end record has it (summary metrics), else the mean of its per-second
 * samples. Rows come grouped by workload and metric, the baseline first.
 * overhead_pct and p_value mean something only when has_baseline is set;
 * overhead_pct may still be NAN when the baseline's mean is 0.
 *
 * Experiment kinds other than "benchmark" run groups of instances; their
 * "instance" records name a variant (the group's label: "alone" and
 * "neighbours" for interference, "N=4" for scale, a variant's name for
 * allocation, "idle" for startup's footprint) and a role. Rows are then per
 * runtime × variant × workload × metric; neighbours make no rows of their
 * own. An end record's "extra" numbers (startup_ms, create_ms,
 * startup_nth_ms, rss_kb, pss_kb), and for startup and scale the *_ms
 * phases of a driver's "startup" record (a VM's vmm_ms, kernel_ms, init_ms,
 * ready_ms), become rows like metrics (ms, kB, lower is better). degradation_pct compares a row with the first variant of its
 * runtime/workload/metric (interference: the target alone); dnf counts the
 * target's repetitions that started but did not finish (timed out, failed
 * after it was ready, or made no progress: the engine fails a target whose
 * throughput stayed at 0); aggregate (scale) is the mean
 * over groups of the sum of the group's instance values; p50/p95 are of
 * the row's values (startup). A scale row's aggregate of a CPU-bound
 * workload (its single instance used at least half a CPU) that exceeds
 * N_cpus (env.json's cpus) x the N=1 rate per CPU that instance used (its
 * rate on a CPU of its own) by more than 10% is impossible: the row's
 * error says so.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_REPORT_H
#define ISOLAB_REPORT_H

#include <stdio.h>
#include "config.h"
#include "journal.h"
#include "sampler.h"
#include "stats.h"

struct report_row {
	char *runtime;
	char *workload;
	char *metric;
	char *unit;
	char *host;
	int higher_is_better;
	struct stats st;
	double *values;       /* per repetition */
	int has_baseline;     /* a baseline row exists for this workload/metric */
	double overhead_pct;
	double p_value;
	int significant;
	unsigned failed;      /* failed or timed-out repetitions */
	unsigned incomplete;  /* repetitions without an "end" record (the run was killed) */
	char *variant;        /* "" when the run has none */
	double p50, p95;      /* of values; NAN when there are none */
	double aggregate;     /* scale: mean per group of the sum of its instances' values; NAN */
	/* Instances that ran together (a group of at least two), for a
	 * throughput: how evenly they shared, as Jain's index of their values
	 * ((sum x)^2 / (n sum x^2): 1 when equal, 1/n when one got all), and
	 * the least-served instance's value over the group's mean (its share
	 * of an equal one); each the mean over groups. NAN otherwise. */
	double fairness, fair_lowest;
	int has_degradation;
	double degradation_pct; /* % worse than the first variant (direction-aware) */
	double degradation_ci95; /* half-width, in points, of its 95% CI (Welch's, against that variant's
	                          * row); NAN with fewer than two repetitions on a side */
	unsigned dnf;         /* interference: target repetitions that did not finish */
	int target;           /* the rows of an interference target */
	int emulated;         /* a VM of the row ran emulated (TCG), not hardware-assisted (its "info" record) */
	/* scale: the aggregate is more than the machine can do, an error of
	 * the measurement (a CPU-bound workload above 1.1 x N_cpus x its
	 * single-instance rate per CPU); NULL when it is possible */
	char *error;
};

/* A named component of a role (gVisor's sentry, gofer, stub): the
 * samples' processes that carry a "name". */
#define REPORT_MAX_COMPONENTS 8
struct report_component {
	char name[16];
	int role;
	double cpu_s, rss_peak_kb, rss_mean_kb;
};

/* One measured instance (warm-ups and neighbours left out): where its host
 * CPU and memory went by role, from the processes of its "sample" records,
 * and its start-up, from its "end" record and a driver's "startup" record.
 * Charts aggregate these over repetitions (figures.h); this per-instance
 * record is also the basis for fuller attribution (per component, per
 * unit of work, I/O and context switches by role). */
struct report_instance {
	char *runtime, *workload, *host, *variant;
	int rep;
	long long group;                 /* the group it ran in (instances that ran together), -1 */
	/* allocation: the CPUs it was entitled to by its weight, quota and
	 * cpuset among its group (weighted max-min fair shares of the pool);
	 * NAN when not an allocation run or its group's cpusets differ */
	double entitled_cpus;
	double lim_cpus, lim_weight;     /* the limits it ran under: quota in CPUs, weight; 0 unset */
	char *lim_cpuset;                /* "" unset */
	/* kB of host storage it added beside its image, and what that was,
	 * from its driver's "storage" record; NAN and NULL without one. */
	double disk_kb;
	char *disk_what;
	int ok;                          /* its end record says "ok" */
	unsigned samples;                /* samples that listed processes */
	/* CPU-seconds: each sample covers one second, so the sum over samples
	 * of a process's %CPU / 100. NAN when no process of the role was seen. */
	double cpu_s[ROLE__COUNT];
	/* kB: the largest per-sample sum of the role's processes' RSS; NAN
	 * when no sample of the role carried an RSS. */
	double rss_peak_kb[ROLE__COUNT];
	/* kB: the mean over samples of the role's RSS sum; NAN as above. */
	double rss_mean_kb[ROLE__COUNT];
	/* kB: the role's PSS sum, read once mid-run (scale, footprint); NAN
	 * when not read. */
	double pss_kb[ROLE__COUNT];
	/* Sums over the samples of the role's processes' storage reads and
	 * writes (kB) and context switches (voluntary, involuntary); NAN when
	 * no sample of the role carried them (/proc/PID/io unreadable). */
	double rd_kb[ROLE__COUNT], wr_kb[ROLE__COUNT], csw[ROLE__COUNT], nvcsw[ROLE__COUNT];
	/* While the workload ran (from its first sample carrying a metric on):
	 * the host roles' CPU-seconds and the samples they cover. */
	double run_cpu_s;
	unsigned run_samples;
	double run_secs;                 /* the seconds those samples cover */
	/* The workload's main metric (its first throughput in units per
	 * second): this instance's value, NAN without one. */
	double work_rate;
	/* VMs: over the samples with both, the VMM's host CPU-seconds and the
	 * guest's own busy CPU-seconds; 0 and 0 without such samples. */
	double tax_vmm_s, tax_guest_s;
	double tax_vmm_rss_kb, tax_guest_rss_kb; /* VMs: mean RSS of each over the samples with both, NAN without;
	                                          * with tax_guest_kernel, the guest's is its kernel's count of
	                                          * its used memory (MemTotal - MemAvailable), not its processes' */
	int tax_guest_kernel;
	struct report_component comp[REPORT_MAX_COMPONENTS];
	unsigned ncomp;
	/* The cross-check with the kernel's accounting of the instance's
	 * cgroup (cpu.stat, cpuacct.usage: REPORT_CG_*), over the longest run
	 * of samples in which the processes of the workload, runtime and vmm
	 * roles stayed the same (the last sample of a run left out: a process
	 * about to exit spends CPU no sample shows): their sampled CPU-seconds
	 * and the cgroup's, over window_s seconds. NAN without a cgroup. */
	double cg_window_s;
	double cg_sampled_s[2], cg_kernel_s[2];
	/* Over the instance's life: the cgroup's last count, and the sampled
	 * CPU-seconds of the same roles. A process's first sample counts from
	 * its birth when its instance launched it, and the main process's
	 * last activity is read from its zombie; what other processes did
	 * after their last sample (reaped by a runtime, not by isolab) is
	 * missed. NAN without a cgroup. */
	double cg_life_kernel_s[2], cg_life_sampled_s;
	double startup_ms, create_ms;    /* launch to ready, launch to created; NAN when not recorded */
	double vmm_ms, kernel_ms, init_ms, ready_ms; /* a VM's milestones, ms from launch; NAN */
	double isolab_pre_ms, isolab_post_ms; /* isolab's own share: launch to the runtime's call, the
	                                       * ready line written to its arrival; NAN when not recorded */
};

/* The phases of a start-up, in order: isolab before it calls the runtime,
 * the runtime's own (create and start for OCI, Docker and Podman; VMM,
 * kernel, init and ready for a VM; one "runtime" phase otherwise), and
 * isolab after the ready line was written. */
enum report_phase {
	PHASE_ISOLAB_PRE, PHASE_CREATE, PHASE_START, PHASE_VMM, PHASE_KERNEL, PHASE_INIT, PHASE_READY,
	PHASE_RUNTIME, PHASE_ISOLAB_POST, PHASE__COUNT
};
/* The phase's name as the report's JSON writes it ("isolab_pre_ms"...). */
const char *report_phase_key(enum report_phase p);

/* A runtime × workload's start-up in phases: the p50 of each phase over
 * its measured instances that became ready and recorded isolab's share
 * (NAN for a phase it does not have), the p50 of startup_ms, and of
 * isolab's share (pre + post; post counted 0 where the workload's clock
 * is not the host's, as in a VM or gVisor, and post_known says so). */
struct report_phases {
	char *runtime, *workload;
	unsigned n;
	double startup_ms, isolab_ms;
	double ms[PHASE__COUNT];
	int post_known;
};


/* Where the host's CPU and memory went, per runtime × variant × workload
 * × host over measured repetitions (finished, with process samples):
 * one row per role and quantity. role is an enum proc_role, or
 * REPORT_TOTAL for the host roles together (workload, runtime, vmm,
 * helper, loadgen: never the guest, whose processes are its own view of
 * the same CPU). A role without a process in any repetition is "none"
 * (none set, n 0), never 0 ± 0; where a role was seen in some
 * repetitions, the others count 0. Per unit of work (role REPORT_TOTAL
 * only): the host CPU per second while the workload ran over its main
 * metric, in µs per unit, and its inverse, units per host CPU-second. */
#define REPORT_TOTAL (-1)
enum { REPORT_CG_V2, REPORT_CG_V1 };
/* "cpu.stat", "cpuacct.usage": the sample record's names of the sources. */
extern const char *const report_cg_source[2];
enum cost_qty {
	COST_CPU_S,        /* CPU-seconds over the instance's life */
	COST_CPU_SHARE,    /* % of the host roles' CPU-seconds (not for total or guest) */
	COST_RSS_PEAK,     /* kB */
	COST_RSS_MEAN,     /* kB */
	COST_CPU_PER_UNIT, /* µs of host CPU per unit of the main metric */
	COST_WORK_PER_CPU, /* units of the main metric per host CPU-second */
	COST_VIRT_TAX_S,   /* role vmm: the VMM's host CPU-seconds less the guest's busy CPU-seconds, over
	                    * the samples in which both are seen (the guest's agent answers) */
	COST_VIRT_TAX_PCT, /* role vmm: that, in % of the VMM's CPU over those samples */
	COST_READ_KB,      /* kB read from storage (/proc/PID/io read_bytes) over the samples of the life */
	COST_WRITE_KB,     /* kB written to storage (write_bytes), likewise */
	COST_CSW,          /* voluntary context switches, likewise */
	COST_NVCSW,        /* involuntary context switches, likewise */
	COST_VIRT_MEM_KB,  /* role vmm: the VMM's mean RSS less the guest's used memory as its kernel counts
	                    * it (MemTotal - MemAvailable) where its agent sent it, else less the mean RSS of
	                    * the guest's processes (its agent's view), in kB, over the samples with both */
	COST_VIRT_MEM_X,   /* role vmm: the VMM's mean RSS over the guest's, there: "x" */
	COST_PSS,          /* kB: the role's processes' PSS, where it was read (the "memory" record:
	                    * scale and footprint runs); no row when it was not */
	COST_DISK_KB,      /* role total: kB of host storage the instance added beside the image it
	                    * shares, as its driver measured it at its removal (the "storage"
	                    * record); no row when no driver measured it */
	COST__COUNT
};
struct report_cost {
	char *runtime, *workload, *variant, *host;
	int role;             /* enum proc_role or REPORT_TOTAL */
	char *component;      /* a named component of the role (cpu and memory only), or "": the whole role */
	enum cost_qty qty;
	char *unit;           /* "s", "%", "kB", "us/call", "calls/CPU-s" */
	char *metric;         /* per unit: the main metric's name; else "" */
	int none;             /* no process of the role in any repetition */
	struct stats st;
	double *values;       /* per repetition */
	int has_baseline;     /* the baseline has this role and quantity (not for shares) */
	double overhead_pct;  /* direction-aware: positive costs more than the baseline */
	double p_value;
	int significant;
};
/* "cpu_s", "cpu_share_pct", "rss_peak_kb", "rss_mean_kb", "cpu_us_per_unit", "work_per_cpu_s",
 * "virt_tax_cpu_s", "virt_tax_pct", "read_kb", "write_kb", "ctxsw_voluntary", "ctxsw_involuntary",
 * "virt_tax_rss_kb", "virt_tax_rss_x", "pss_kb". */
const char *report_cost_qty_name(enum cost_qty q);
/* The unit of one piece of work, from a rate's unit ending in "/s"
 * ("calls/s" -> "call", "queries/s" -> "query"); malloc'd. */
char *report_work_unit(const char *rate_unit);
/* A role's name, "total" for REPORT_TOTAL. */
const char *report_cost_role_name(int role);

/* scale: how many instances of a runtime fitted (all ready, measured over one window, finished). */
struct report_fit {
	char *runtime;
	char *workload;
	unsigned fit;         /* largest N where every instance succeeded; 0 when none */
	unsigned tried;       /* largest N attempted */
	int capped;           /* an N failed: larger successes do not count */
};

/* A group whose members did not run together over one window (an
 * interference phase whose neighbour ended early or never became ready,
 * an allocation variant's copies): the report warns. Scale says it in
 * its fit instead. */
struct report_apart {
	char *runtime;
	char *workload;
	char *variant;
	unsigned rep;
	char *why;            /* the engine's reason */
};

/* interference: what a runtime's neighbours of one workload and class kept
 * up beside the target in a variant, the load the degradation is against:
 * the mean over those neighbour instances (every repetition) of each of
 * their workload's metrics (a fork bomb's forks/s, failed forks/s and
 * processes; a malloc bomb's MB allocated and MB/s written). */
struct report_load_metric {
	char *name, *unit;
	double mean;          /* NAN when no instance had it */
	unsigned n;           /* instances with a value */
};
struct report_load {
	char *runtime, *variant, *workload, *class_name, *host;
	unsigned n;           /* neighbour instances */
	unsigned ended_early; /* of them, those that did not end ok (OOM-killed, failed, timed out) */
	struct report_load_metric *metrics;
	size_t nmetrics;
};

struct report {
	char *run_id;
	char *baseline;
	struct report_row *rows;
	size_t nrows;
	size_t bad_lines;     /* journal lines that could not be read */
	int partial;          /* the run did not finish (no "run_end" record, or it was cancelled) */
	int cancelled;        /* "run_end" says the run was cancelled before its plan ended */
	unsigned failed_instances;     /* measured (non-warm-up) instances that failed or timed out */
	unsigned incomplete_instances; /* measured instances without an "end" record */
	enum experiment_kind kind;     /* the experiment's kind (env.json), default benchmark */
	char *experiment;              /* its name, or NULL */
	char *sweep_param;             /* a sweep (env.json): its param, rows labelled PARAM=VALUE; "N" for
	                                * scale (N=4); or NULL */
	struct report_fit *fits;       /* scale */
	size_t nfits;
	struct report_apart *aparts;   /* measured groups that did not run together, in journal order */
	size_t naparts;
	struct report_instance *insts; /* measured instances, in journal order */
	size_t ninsts;
	struct report_cost *costs;     /* grouped by workload, the baseline first, then role and quantity */
	size_t ncosts;
	/* The interface's own frame times ("ui" records): the slowest frame of
	 * the run and the median of the per-second medians; NAN without any. */
	double ui_frame_ms_max, ui_frame_ms_p50;
	unsigned ui_seconds;
	struct report_phases *phases;  /* start-up phases per runtime × workload, where recorded */
	size_t nphases;
	struct report_load *loads;     /* interference: the neighbours' load, in first-appearance order */
	size_t nloads;
};

/* A sweep's value of row (its variant past "PARAM="), or NULL when r has
 * no sweep or row is not one of its values. */
const char *report_sweep_value(const struct report *r, const struct report_row *row);
/* A sweep's values in the order the run took them (pointers into r's
 * rows; free the array only); how many. */
size_t report_sweep_values(const struct report *r, const char ***out);
/* The line of like's runtime, host, workload and metric across the sweep:
 * y[j] the mean at vals[j], NAN where it has none. used (r->nrows flags,
 * or NULL) gets a 1 for each row taken. */
void report_sweep_line(const struct report *r, const struct report_row *like, const char *const *vals, size_t nv,
    double *y, char *used);
/* Builds the report of a journal; baseline NULL takes env.json's experiment.baseline, else "native". */
int report_build(const struct journal_read *jr, const char *baseline, struct report *out, char **cause);
/* The same read from a run directory as it goes (journal_read with hooks):
 * the samples, nearly all of a long run's journal, are read without
 * jansson where they can be and not kept, so jr holds every other record
 * only. For what needs no sample afterwards (the text, JSON and CSV). */
int report_build_dir(const char *dir, const char *baseline, struct journal_read *jr, struct report *out,
    char **cause);
/* Whether a group's memory tax (c's runtime, workload, variant and host)
 * is against the guest kernel's count of its used memory, not its
 * processes' RSS. */
int report_tax_vs_kernel(const struct report *r, const struct report_cost *c);
void report_free(struct report *r);
/* Prints the comparison table for a terminal (plain text, aligned). */
void report_print(const struct report *r, FILE *fp);
/* Exports; -1 with cause when the file cannot be written. */
int report_write_csv(const struct report *r, const char *path, char **cause);
int report_write_json(const struct report *r, const char *path, char **cause);
/* The cost row of runtime/variant/workload/role/qty (variant NULL or "": none), or NULL. */
const struct report_cost *report_find_cost(const struct report *r, const char *runtime, const char *variant,
    const char *workload, int role, enum cost_qty qty);
/* (sampled - cgroup) / cgroup in % for source REPORT_CG_*; NAN without both. */
double report_cg_diff_pct(const struct report_instance *ri, int src);
/* The row of runtime/variant/workload/metric (variant NULL or "": none), or NULL. */
const struct report_row *report_find(const struct report *r, const char *runtime, const char *variant,
    const char *workload, const char *metric);
/* The run's id: env.json's run_id, else its directory's name (malloc'd). */
char *report_run_id(const struct journal_read *jr);
/* A CSV field as RFC 4180 wants it: quoted only when it needs to be. */
void report_csv_field(FILE *fp, const char *s);
/* A value as the table prints it: about five significant digits, "-" for NAN. */
void report_fmt_num(char *buf, size_t size, double v);
/* One line of a start-up's phases: "runc/start: isolab 0.02 + create 22.1 +
 * start 25.3 + isolab 0.10 = 47.5 ms (isolab 0.12 ms, 0.3%)". */
void report_phases_line(const struct report_phases *p, char *buf, size_t size);
/* The report as JSON {run, baseline, partial, rows:[...], phases:[...]} (new reference, the caller's). */
json_t *report_to_json(const struct report *r);

#endif

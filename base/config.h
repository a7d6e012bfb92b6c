/*
 * config.h — isolab's configuration model and its libconfig loader.
 *
 * Sources, later overriding earlier (an entry with the same name replaces
 * the earlier one whole; top-level settings override key by key):
 *   1. $(pkgdatadir)/runtimes/ *.conf, workloads/ *.conf, experiments/ *.conf
 *      (a program run from its build tree uses its source tree instead,
 *      and ISOLAB_DATADIR in the environment replaces either: see
 *      config_datadir);
 *   2. /etc/isolab/isolab.conf, then $(sysconfdir)/isolab/isolab.conf when
 *      the prefix makes that another file (/usr/local/etc/...);
 *   3. $XDG_CONFIG_HOME/isolab/isolab.conf (default ~/.config);
 *   4. each -c FILE, in order.
 * A file may hold any of the top-level groups `runtimes`, `workloads`,
 * `experiments`, `hosts` and the settings `theme`, `state_dir`.
 *
 * Every setting is checked against a schema (type, range, known keys).
 * Errors name "file:line: what was expected". See man/isolab.conf.5.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_CONFIG_H
#define ISOLAB_CONFIG_H

#include <stddef.h>
#include <stdint.h>

/* Where a definition came from, for messages. */
struct conf_origin {
	char *file;
	int line;
};

struct kv {
	char *key;
	char *value;
	struct conf_origin origin; /* where the setting is, for messages; zero when
	                            * it came from elsewhere (the command line) */
};

/* The type of a workload parameter's or a driver option's value. Values
 * are text in the end (they land in an argv), so a type says which texts
 * are valid; see value_check. */
enum value_type {
	VT_STRING,    /* any text (the default) */
	VT_INT,       /* a decimal integer */
	VT_NUMBER,    /* a decimal number */
	VT_SIZE,      /* bytes: "512M", "4k", "100" (parse_size) */
	VT_BOOL,      /* 0 or 1 (true/false, yes/no, on/off accepted) */
	VT_CHOICE,    /* one of choices */
};

struct value_spec {
	enum value_type type;
	int has_min, has_max; /* VT_INT, VT_NUMBER, VT_SIZE: bounds (bytes for a size) */
	double min, max;
	const char *const *choices; /* VT_CHOICE: NULL-terminated */
};

/* One option a driver reads from a runtime's options group. Drivers
 * declare theirs in a const table (struct driver's options). */
struct option_decl {
	const char *name;
	struct value_spec spec;
	const char *doc;      /* one line: what it does, its default */
};

/* A metric pattern: pcre2 with named groups. */
struct metric_def {
	char *name;      /* metric name in results, e.g. "rate", "p99" */
	char *pattern;   /* pcre2; the value is taken from the named group `group` */
	char *group;     /* named group holding the number (default "value") */
	char *unit;      /* e.g. "events/s", "ns", "Mbit/s" */
	char *kind;      /* "throughput", "latency" or "other": which chart shows it */
	int higher_is_better;
	int summary;     /* 1: matched on the summary line (end-of-run value); 0: per interval */
	double scale;    /* the value is multiplied by this (default 1), e.g. ms->ns */
	struct conf_origin origin;
};

struct param {
	char *name;
	char *value;     /* default value, as a string (canonical: see value_check) */
	char *description;
	/* glob: the default is a pattern (the declared one in pattern) and
	 * value is its newest match on this host, in version order
	 * ("/usr/lib/postgresql/17/bin" over ".../9/bin"); with none, value
	 * is the pattern and unmatched is 1 (a run of it fails, saying so). */
	int glob, unmatched;
	char *pattern;
	struct value_spec spec; /* declared type; spec.choices points to choices */
	char **choices;  /* owned, NULL-terminated, or NULL */
	struct conf_origin origin;
};

/* A workload: what runs inside an instance. argv items may contain
 * ${param} and ${probe}, ${addr}, ${port}, ${datadir}, ${duration}, ${threads}
 * references, substituted per instance, never through a shell. */
struct workload {
	char *name;
	char *description;
	char **argv;        /* NULL-terminated */
	char **companion;   /* host-side load generator argv, NULL-terminated, or NULL */
	char **prepare;     /* unmeasured setup argv, or NULL */
	char **setup;       /* unmeasured argv run on the host once the workload is
	                     * ready, before the companion (e.g. loading a data set
	                     * into the server), or NULL */
	char **cleanup;     /* unmeasured teardown argv, or NULL */
	struct kv *files;   /* written into the instance directory before prepare:
	                     * key = plain file name, value = content with ${...}
	                     * references substituted per instance */
	size_t nfiles;
	char *ready;        /* readiness pcre2 pattern, or NULL (ready at launch) */
	char *rootfs;       /* "minimal" (default) or "host" */
	char **guest_files; /* host files and directories a VM's guest needs besides
	                     * argv's programs and their libraries (a server's message
	                     * catalogues, time zones), or NULL; ${...} substituted */
	int companion_metrics; /* 1: metric patterns apply to the companion's output */
	int companion_repeat;  /* 1: restart the companion each time it exits 0 until
	                        * the duration has passed (one-second slices) */
	struct param *params;
	size_t nparams;
	struct metric_def *metrics;
	size_t nmetrics;
	struct conf_origin origin;
};

/* A runtime: a driver plus options (driver-specific key = value strings). */
struct runtime_conf {
	char *name;
	char *driver;
	char *description;
	struct kv *options;
	size_t noptions;
	struct conf_origin origin;
};

/* Limits from the experiment; 0 / NULL means "not set". */
struct limits {
	double cpus;          /* CPU quota in CPUs, e.g. 1.5 */
	char *cpuset;         /* e.g. "0" or "0-1" */
	unsigned weight;      /* CPU weight 1..10000 (cgroup v2 scale) */
	uint64_t mem_hard;    /* bytes */
	uint64_t mem_soft;    /* bytes */
	unsigned pids;        /* pids.max */
	uint64_t mem_pool;    /* bytes the instances running together share: the
	                       * experiment's memory_pool, on their common parent
	                       * cgroup, copied into every member's limits */
	unsigned io_weight;   /* I/O weight 10..1000 (BFQ's and Docker's
	                       * --blkio-weight scale, default 100) */
};

/* The limits as bits: what an experiment asks for, what a driver honours. */
enum {
	LIMIT_CPUS = 1 << 0,
	LIMIT_CPUSET = 1 << 1,
	LIMIT_WEIGHT = 1 << 2,
	LIMIT_MEM_HARD = 1 << 3,
	LIMIT_MEM_SOFT = 1 << 4,
	LIMIT_PIDS = 1 << 5,
	LIMIT_POOL = 1 << 6,
	LIMIT_IO_WEIGHT = 1 << 7,
};

/* interference: a neighbour beside the target, in the same runtime, with
 * the same limits. */
struct neighbour {
	char *workload;
	char *nclass;         /* "competing", "orthogonal" or "adversarial" */
	unsigned count;       /* instances of it, default 1 */
	struct limits limits; /* its own, replacing the target's whole (has_limits) */
	int has_limits;
	struct kv *params;    /* its own workload parameters, over the experiment's */
	size_t nparams;
};

/* allocation: one way of giving the share; each variant runs as its own group. */
struct variant {
	char *name;
	struct limits limits; /* replace the experiment's limits whole */
	unsigned count;       /* concurrent instances, 0: the experiment's `instances` */
	struct limits neighbour_limits; /* interference: the neighbours' in this variant */
	int has_neighbour_limits;
};

/* A lab's verdict rule: a report row, optionally compared with another, and
 * the bounds that mean "this machine agreed with the published finding".
 * Unset numbers are NAN; dnf is -1 when unset. */
struct expect {
	char *workload;       /* NULL: the experiment's first workload */
	char *metric;         /* default "rate"; "host.QUANTITY.ROLE": a cost row (report.h) */
	char *runtime;        /* NULL: the experiment's first runtime */
	char *variant;        /* NULL: the row without a variant, or the kind's measured one */
	char *vs;             /* runtime of the row compared with, or NULL */
	char *vs_variant;     /* its variant, or NULL */
	double ratio_min, ratio_max;        /* mean / vs mean */
	double overhead_min, overhead_max;  /* % worse than vs (direction-aware) */
	double degradation_min, degradation_max; /* interference: % worse than alone */
	double value_min, value_max;        /* the row's own mean (e.g. a role's share of the host CPU) */
	double fairness_min;  /* instances run together: Jain's index of their shares (0..1) at least this */
	int dnf;              /* interference: the target did (1) / did not (0) finish */
	double equivalent;    /* margin in %: the row is as good as vs's within +-margin (two
	                       * one-sided tests at 5%: the 90% CI of the overhead inside it) */
	int needs_kvm;        /* the claim is about hardware-assisted VMs: under TCG, cannot tell */
	char *text;           /* the claim in words, shown with the verdict */
};

/* What an experiment's plan is made of (experiment.kind). */
enum experiment_kind {
	EXP_BENCHMARK,        /* each runtime x workload alone (the default) */
	EXP_INTERFERENCE,     /* a target alone, then beside its neighbours */
	EXP_SCALE,            /* N copies at once, N doubling */
	EXP_ALLOCATION,       /* copies under each variant's limits */
	EXP_STARTUP,          /* cold starts, then an idle instance's footprint */
	EXP_KIND__COUNT
};

/* A benchmark run once per value of one parameter: "threads", a limit
 * ("limits.cpus") or a parameter of the experiment's workloads. */
struct sweep {
	char *param;          /* NULL: no sweep */
	char **values;        /* NULL-terminated, each once, canonical */
};

struct experiment {
	char *name;
	enum experiment_kind kind;
	char *title;          /* lab scenarios: */
	char *question;
	char *explanation;
	char *watch;
	char *published;
	char **runtimes;      /* NULL-terminated names */
	char **workloads;     /* NULL-terminated names */
	unsigned repetitions; /* default 3 */
	double duration;      /* seconds, default 10 */
	unsigned warmup;      /* discarded repetitions before measuring, default 0 */
	double grace;         /* seconds past duration before kill, default 10 */
	unsigned threads;     /* default 1 */
	char *baseline;       /* runtime name, default "native" */
	char *network;        /* "auto" (default), "none", "host", "bridge"; the
	                       * engine resolves "auto" before launch
	                       * (runtimes_plan_network in runtimes/runtime.h) */
	struct limits limits;
	struct kv *params;    /* workload parameter overrides */
	size_t nparams;
	struct neighbour *neighbours; /* interference */
	size_t nneighbours;
	unsigned max_instances;       /* scale: largest N, default 64 */
	unsigned instances;           /* allocation: instances per variant group, default 2 */
	struct variant *variants;     /* allocation */
	size_t nvariants;
	struct sweep sweep;           /* benchmark: one parameter over a list of values */
	struct expect *expects;       /* lab verdict rules, all must hold */
	size_t nexpects;
	int skip_unavailable;         /* runtimes that cannot run here are left out, not failed */
	char **report_metrics;        /* the metrics its report shows, NULL-terminated; NULL: all */
	struct conf_origin origin;
};

struct host_conf {
	char *name;
	char *address;
	char *user;
	char *identity;
	int port;
	char *known_hosts;    /* OpenSSH known_hosts file, or NULL for ~/.ssh/known_hosts */
	int timeout;          /* seconds before a silent link counts as dead; 0: the default */
	struct conf_origin origin;
};

struct config {
	struct runtime_conf *runtimes;
	size_t nruntimes;
	struct workload *workloads;
	size_t nworkloads;
	struct experiment *experiments;
	size_t nexperiments;
	struct host_conf *hosts;
	size_t nhosts;
	char *theme;          /* default "default" */
	char *state_dir;      /* default $XDG_STATE_HOME/isolab */
	char **files;         /* files loaded, in order, NULL-terminated */
};

/* Loads defaults, system, user and each of extra[0..nextra) into cfg (which
 * need not be initialised), then checks the names experiments refer to.
 * Stops at the first invalid file; returns -1 with a "file:line: ..." cause
 * and cfg left empty. Missing system and user files are skipped; a missing
 * extra file is an error. The caller frees cfg with config_free. */
int config_load(struct config *cfg, char *const *extra, size_t nextra, char **cause);
/* Checks one file against the schema; returns the number of errors and
 * stores each malloc'd "file:line: ..." message in *errors (caller frees
 * each and the array). Returns 0 and *errors = NULL when the file is valid.
 * Names defined in other files (an experiment's runtimes) are not checked. */
size_t config_check_file(const char *path, char ***errors);
/* Reads the one file path alone into cfg (which need not be initialised):
 * what config_check_file checks, for the checks that need more than the
 * schema (runtimes/runtime.h: runtimes_check_options). -1 with the first
 * "file:line: ..." and cfg left empty. Free cfg with config_free. */
int config_load_file(struct config *cfg, const char *path, char **cause);
/* A configuration file given as its text: read as if it were the file path
 * (messages name path, @include names are relative to its directory). */
struct config_text {
	const char *path;
	const char *text;
	size_t len;
};
/* config_load and config_check_file with the extra files' text in memory:
 * the same reading and checks, without reading those files. */
int config_load_texts(struct config *cfg, const struct config_text *extra, size_t nextra,
    char **cause);
size_t config_check_text(const struct config_text *t, char ***errors);
/* Frees everything cfg owns and zeroes it. */
void config_free(struct config *cfg);
/* The data directory: $ISOLAB_DATADIR if set; else, for a program run from
 * its build tree, the source tree it was built from; else $(pkgdatadir).
 * Static (the build tree is looked for once). */
const char *config_datadir(void);

/* Lookups by name; return NULL when absent. Pointers are owned by cfg. */
const struct runtime_conf *config_runtime(const struct config *cfg, const char *name);
const struct workload *config_workload(const struct config *cfg, const char *name);
const struct experiment *config_experiment(const struct config *cfg, const char *name);
const struct host_conf *config_host(const struct config *cfg, const char *name);
/* Mask of limits set in l (LIMIT_*). */
unsigned limits_requested(const struct limits *l);
/* Names the first limit in mask ("cpus", "cpuset", ...). */
const char *limit_name(unsigned mask);
/* Returns the option value of a runtime, or def. */
const char *runtime_option(const struct runtime_conf *rt, const char *key, const char *def);

/* "benchmark", "interference", "scale", "allocation", "startup". */
const char *experiment_kind_name(enum experiment_kind k);
/* The kind named s, or -1 when there is none. */
int experiment_kind_parse(const char *s);
/* Sets exp to the built-in defaults (repetitions 3, duration 10, ...),
 * overwriting it; its strings are malloc'd: free with experiment_clear. */
void experiment_defaults(struct experiment *exp);
/* Frees everything exp owns and zeroes it. */
void experiment_clear(struct experiment *exp);
/* Deep-copies src into dst (uninitialised); free dst with experiment_clear. */
void experiment_copy(struct experiment *dst, const struct experiment *src);
/* 1 when exp is a lab scenario (it has a title and a question). */
int experiment_is_lab(const struct experiment *exp);
/* Checks value against spec: 0, with *canon (when canon is not NULL) set
 * to a malloc'd canonical spelling when value has another ("1" for "yes",
 * "4K" for "4096" or "4KiB": the form every shipped tool takes), else NULL;
 * -1 with "expected WHAT, got \"VALUE\"" in *why. */
int value_check(const struct value_spec *spec, const char *value, char **canon, char **why);
/* What spec accepts, as a phrase: "an integer from 0 to 64", "one of pc,
 * microvm", "a size >= 64M". Malloc'd. */
char *value_spec_describe(const struct value_spec *spec);
/* The type's name in declarations: "string", "int", "number", "size",
 * "bool", "choice". Static. */
const char *value_type_name(enum value_type t);
/* 1 when a program wl runs on the host (its companion or setup) connects
 * to the instance (refers to ${addr} or ${port}): the instance must be
 * reachable from the host. */
int workload_serves_host(const struct workload *wl);
/* Checks the parameter name = value for a run of exp (its workloads and
 * neighbours, looked up in cfg). The name must be declared by at least
 * one of them, unless declared_by_any is 0 (then an undeclared name is
 * accepted); the value must be valid for each workload that declares it.
 * 0, with *canon as for value_check; -1 with "expected ..., got ..." (the
 * workloads' parameters named) in *cause. */
int experiment_check_param(const struct config *cfg, const struct experiment *exp, const char *name,
    const char *value, int declared_by_any, char **canon, char **cause);
/* Checks exp's sweep, if it has one, against cfg: exp is a benchmark,
 * its param is "threads", "limits.NAME" or a parameter of its workloads,
 * and each value is valid for it and given once (stored in its canonical
 * spelling). 0, or -1 with "sweep...: expected ..., got ..." in *cause. */
int experiment_check_sweep(const struct config *cfg, struct experiment *exp, char **cause);
/* Sets limit name ("cpus", "cpuset", "weight", "memory", "memory_soft",
 * "pids", "io_weight") of l to value (l keeps a pointer to a cpuset value). 0, or -1
 * with "expected ..., got ..." in *cause. */
int limits_set(struct limits *l, const char *name, const char *value, char **cause);
/* The CPUs a cpuset list names ("0-3,6": 5); -1 when it is not one. */
int cpuset_count(const char *list);
/* Parses "64M", "1G", "512k", "100" into bytes (binary units; "512MiB",
 * "512MB" and "100B" also accepted); 0, or -1 on bad input or overflow. */
int parse_size(const char *s, uint64_t *out);

#endif

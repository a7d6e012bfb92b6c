/*
 * config.c — loads isolab's libconfig files and checks them against a schema.
 *
 * Design notes
 *
 * libconfig only checks syntax; everything else (known keys, types, ranges,
 * enums, required keys, ${param} references, pcre2 patterns) is checked here,
 * while the file is turned into structs, by one walker per group kind
 * (runtime_parse, workload_parse, ...). A walker never stops at an error: it
 * records "file:line: path: expected X, got Y" and goes on, so that
 * `isolab check FILE` can list every mistake of a file in one pass. The
 * loader keeps only the first message (config_load stops at the first
 * invalid file), so both share one code path and cannot disagree.
 *
 * Each file is parsed into a struct config of its own, and merged into the
 * result only when it has no error at all: a half-valid file never leaves a
 * half-built runtime behind. Merging replaces entries by name, whole, so a
 * user's `runtimes.runc` never inherits options from the shipped one (which
 * would make it impossible to remove an option).
 *
 * References between files (an experiment's runtimes, workloads, baseline
 * and params) can only be checked once every file is in, so config_load
 * checks them last and names the experiment's own file:line.
 *
 * The setting paths in messages are dotted, with [i] for list elements:
 * "workloads.cpu.metrics[1].unit", which is what a person greps for.
 *
 * Values that end up as text in an argv (workload parameters, driver
 * options) have declared types (value_check: string, int, number, size,
 * bool, choice). A parameter's default is checked as it is read, an
 * experiment's params once every file is in (check_references), and
 * `isolab run -p` through experiment_check_param, all with the one rule:
 * the name must be declared by a workload of the run, and the value must
 * fit each workload that declares it. Driver options are declared by the
 * drivers (runtimes/runtime.h), which this base layer cannot see: the
 * schema takes any scalar there, keeps each option's file:line, and
 * runtimes_check_options checks them against the drivers once loaded.
 */
#include "conffile.h"
#include "config.h"
#include "metrics.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libconfig.h>
#include <math.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/isolab"
#endif
#ifndef SYSCONFDIR
#define SYSCONFDIR "/usr/local/etc"
#endif

/* The issue asks for /etc/isolab/isolab.conf whatever the prefix. */
#define SYSTEM_CONF "/etc/isolab/isolab.conf"

/* Metrics a report derives from the engine's and the drivers' records
 * rather than from a workload's output (engine/report.c). */
static const char *const derived_metrics[] = {
	"startup_ms", "create_ms", "startup_nth_ms", "rss_kb", "pss_kb",
	"vmm_ms", "kernel_ms", "init_ms", "ready_ms", NULL,
};

/* ${name} references every workload may use without declaring them. */
static const char *const builtin_params[] = {
	"probe", "duration", "threads", "addr", "port", "datadir", "instance",
	"run_dir", NULL,
};

static const char *const top_keys[] = {
	"theme", "state_dir", "runtimes", "workloads", "experiments", "hosts", NULL,
};
static const char *const runtime_keys[] = {
	"driver", "description", "options", NULL,
};
static const char *const workload_keys[] = {
	"description", "argv", "params", "companion", "companion_metrics",
	"companion_repeat", "prepare", "setup", "cleanup", "ready", "rootfs", "guest_files",
	"files", "metrics", NULL,
};
static const char *const file_keys[] = { "name", "content", NULL };
static const char *const param_keys[] = {
	"default", "description", "type", "min", "max", "choices", "glob", NULL,
};
static const char *const metric_keys[] = {
	"name", "kind", "pattern", "group", "unit", "better", "summary", "scale",
	NULL,
};
static const char *const experiment_keys[] = {
	"kind", "title", "question", "explanation", "watch", "published",
	"runtimes", "workloads", "repetitions", "duration", "warmup", "grace",
	"threads", "baseline", "network", "limits", "params", "neighbours",
	"max_instances", "instances", "variants", "expect", "skip_unavailable",
	"report_metrics", "sweep", "memory_pool", NULL,
};
static const char *const sweep_keys[] = { "param", "values", NULL };
static const char *const neighbour_keys[] = { "workload", "class", "count", "limits", "params", NULL };
static const char *const variant_keys[] = { "name", "limits", "count", "neighbour_limits", NULL };
static const char *const expect_keys[] = {
	"workload", "metric", "runtime", "variant", "vs", "vs_variant",
	"ratio_min", "ratio_max", "overhead_min", "overhead_max",
	"degradation_min", "degradation_max", "value_min", "value_max", "dnf", "equivalent", "needs_kvm",
	"fairness_min", "text", NULL,
};
static const char *const neighbour_class_values[] = {
	"competing", "orthogonal", "adversarial", NULL,
};
static const char *const limits_keys[] = {
	"cpus", "cpuset", "weight", "memory", "memory_soft", "pids", "io_weight", NULL,
};
static const char *const host_keys[] = {
	"address", "user", "identity", "port", "known_hosts", "timeout", NULL,
};

static const char *const rootfs_values[] = { "minimal", "host", "cow", NULL };
static const char *const metric_kind_values[] = {
	"throughput", "latency", "other", NULL,
};
static const char *const better_values[] = { "higher", "lower", NULL };
static const char *const experiment_kind_values[EXP_KIND__COUNT + 1] = {
	[EXP_BENCHMARK] = "benchmark", [EXP_INTERFERENCE] = "interference", [EXP_SCALE] = "scale",
	[EXP_ALLOCATION] = "allocation", [EXP_STARTUP] = "startup",
};
static const char *const network_values[] = { "auto", "none", "host", "bridge", NULL };

/* Messages of one file, kept in line order (the walk is in key order). */
struct errlist {
	char **v;
	unsigned *line;
	size_t n;
};

/* What a walker needs: where it is and where to put messages. */
struct ctx {
	const char *path;
	struct errlist *errs;
};

/* Inserts after every message of the same or an earlier line, so that
 * messages of one line stay in the order found. */
static void errlist_add(struct errlist *e, unsigned line, char *msg)
{
	size_t i = e->n;
	/* Messages quote values back, and a value may hold a newline or a
	 * terminal escape: keep each message one printable line. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	e->v = xreallocarray(e->v, e->n + 1, sizeof(*e->v));
	e->line = xreallocarray(e->line, e->n + 1, sizeof(*e->line));
	while (i > 0 && e->line[i - 1] > line) {
		e->v[i] = e->v[i - 1];
		e->line[i] = e->line[i - 1];
		i--;
	}
	e->v[i] = msg;
	e->line[i] = line;
	e->n++;
}

static void errlist_free(struct errlist *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	free(e->line);
	e->v = NULL;
	e->line = NULL;
	e->n = 0;
}

/* The file a setting was written in: the file itself or an @include'd one
 * (conffile_read gives every setting its own). */
static const char *setting_file(struct ctx *c, const config_setting_t *s)
{
	const char *f = s ? config_setting_source_file(s) : NULL;
	return f ? f : c->path;
}

/* Records "file:line: path: <fmt>" for setting s. */
static void __attribute__((format(printf, 4, 5)))
report(struct ctx *c, const config_setting_t *s, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *what = xvasprintf(fmt, ap);
	va_end(ap);
	unsigned line = s ? config_setting_source_line(s) : 0u;
	errlist_add(c->errs, line, xasprintf("%s:%u: %s: %s", setting_file(c, s),
	    line, path, what));
}

static char *path_key(const char *parent, const char *key)
{
	return parent && *parent ? xasprintf("%s.%s", parent, key) : xstrdup(key);
}

static char *path_index(const char *parent, int i)
{
	return xasprintf("%s[%d]", parent, i);
}

/* "a string", "an integer", ...: the "got" half of a type error. */
static const char *type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP: return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a floating-point number";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "a boolean";
	case CONFIG_TYPE_ARRAY: return "an array";
	case CONFIG_TYPE_LIST: return "a list";
	}
	return "nothing";
}

static int is_int(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64;
}

static char *join(const char *const *words)
{
	size_t len = 1;
	for (size_t i = 0; words[i]; i++)
		len += strlen(words[i]) + 2;
	char *s = xmalloc(len);
	s[0] = '\0';
	for (size_t i = 0; words[i]; i++) {
		if (i)
			strcat(s, ", ");
		strcat(s, words[i]);
	}
	return s;
}

static int in_list(const char *const *words, const char *w)
{
	for (size_t i = 0; words[i]; i++)
		if (strcmp(words[i], w) == 0)
			return 1;
	return 0;
}

static int valid_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-')
			return 0;
	return 1;
}

/* Reports every member of group g whose name is not in keys. */
static void check_keys(struct ctx *c, const config_setting_t *g, const char *path,
    const char *const *keys)
{
	_cleanup_free_ char *known = join(keys);
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		if (in_list(keys, config_setting_name(m)))
			continue;
		_cleanup_free_ char *p = path_key(path, config_setting_name(m));
		report(c, m, p, "expected one of the keys %s, got an unknown key", known);
	}
}

/* The walkers below take the parent group and a key: they report a missing
 * required key at the parent's line and return 0 when the key is absent,
 * 1 when a valid value was stored and -1 when an error was reported. */

static config_setting_t *member(const config_setting_t *g, const char *key)
{
	return config_setting_get_member(g, key);
}

static int want_group(struct ctx *c, const config_setting_t *s, const char *path)
{
	if (config_setting_is_group(s))
		return 1;
	report(c, s, path, "expected a group { ... }, got %s", type_name(s));
	return -1;
}

static int get_string(struct ctx *c, const config_setting_t *g, const char *path,
    const char *key, int required, char **out)
{
	config_setting_t *s = member(g, key);
	_cleanup_free_ char *p = path_key(path, key);
	if (!s) {
		if (required)
			report(c, g, p, "expected a string, got nothing");
		return required ? -1 : 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		report(c, s, p, "expected a string, got %s", type_name(s));
		return -1;
	}
	free(*out);
	*out = xstrdup(config_setting_get_string(s));
	return 1;
}

/* A string that must not be empty. */
static int get_nonempty(struct ctx *c, const config_setting_t *g, const char *path,
    const char *key, int required, char **out)
{
	int r = get_string(c, g, path, key, required, out);
	if (r == 1 && !**out) {
		_cleanup_free_ char *p = path_key(path, key);
		report(c, member(g, key), p, "expected a non-empty string, got \"\"");
		return -1;
	}
	return r;
}

static int get_name(struct ctx *c, const config_setting_t *g, const char *path,
    const char *key, int required, char **out)
{
	int r = get_string(c, g, path, key, required, out);
	if (r == 1 && !valid_name(*out)) {
		_cleanup_free_ char *p = path_key(path, key);
		report(c, member(g, key), p, "expected a name of letters, digits, "
		    "'_', '.' and '-', got \"%s\"", *out);
		return -1;
	}
	return r;
}

/* A name, or a sweep's NAME=VALUE ("threads=2", "N=4"). */
static int valid_label_part(const char *s)
{
	const char *eq = strchr(s, '=');
	if (!eq)
		return valid_name(s);
	_cleanup_free_ char *name = xstrndup(s, (size_t)(eq - s));
	return valid_name(name) && valid_name(eq + 1);
}

/* A report row's variant as a rule names it: a name, NAME=VALUE (a sweep's
 * value), or VARIANT/PHASE (an interference experiment with variants:
 * "cpuset/neighbours"). */
static void get_row_label(struct ctx *c, const config_setting_t *g, const char *path, const char *key,
    char **out)
{
	if (get_string(c, g, path, key, 0, out) != 1)
		return;
	const char *slash = strchr(*out, '/');
	_cleanup_free_ char *head = slash ? xstrndup(*out, (size_t)(slash - *out)) : NULL;
	if (slash ? valid_name(head) && valid_name(slash + 1) : valid_label_part(*out))
		return;
	_cleanup_free_ char *p = path_key(path, key);
	report(c, member(g, key), p, "expected a name of letters, digits, '_', '.' and '-', NAME=VALUE or "
	    "VARIANT/PHASE, got \"%s\"", *out);
}

static int get_enum(struct ctx *c, const config_setting_t *g, const char *path,
    const char *key, const char *const *values, char **out)
{
	_cleanup_free_ char *v = NULL;
	int r = get_string(c, g, path, key, 0, &v);
	if (r != 1)
		return r;
	if (!in_list(values, v)) {
		_cleanup_free_ char *p = path_key(path, key);
		_cleanup_free_ char *known = join(values);
		report(c, member(g, key), p, "expected one of %s, got \"%s\"", known, v);
		return -1;
	}
	free(*out);
	*out = v;
	v = NULL;
	return 1;
}

static int get_bool(struct ctx *c, const config_setting_t *g, const char *path,
    const char *key, int *out)
{
	config_setting_t *s = member(g, key);
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		_cleanup_free_ char *p = path_key(path, key);
		report(c, s, p, "expected a boolean (true or false), got %s", type_name(s));
		return -1;
	}
	*out = config_setting_get_bool(s);
	return 1;
}

static int get_int(struct ctx *c, const config_setting_t *g, const char *path,
    const char *key, long long lo, long long hi, long long *out)
{
	config_setting_t *s = member(g, key);
	if (!s)
		return 0;
	_cleanup_free_ char *p = path_key(path, key);
	if (!is_int(s)) {
		report(c, s, p, "expected an integer from %lld to %lld, got %s",
		    lo, hi, type_name(s));
		return -1;
	}
	long long v = config_setting_get_int64(s);
	if (v < lo || v > hi) {
		report(c, s, p, "expected an integer from %lld to %lld, got %lld", lo, hi, v);
		return -1;
	}
	*out = v;
	return 1;
}

/* A number (integer or floating point) with lo < v (lo <= v when lo_incl)
 * and v <= hi; hi = INFINITY for no upper bound. */
static int get_number(struct ctx *c, const config_setting_t *g, const char *path,
    const char *key, double lo, int lo_incl, double hi, double *out)
{
	config_setting_t *s = member(g, key);
	if (!s)
		return 0;
	_cleanup_free_ char *p = path_key(path, key);
	_cleanup_free_ char *want = isinf(hi) ?
	    xasprintf("a number %s %g", lo_incl ? ">=" : ">", lo) :
	    xasprintf("a number %s %g and <= %g", lo_incl ? ">=" : ">", lo, hi);
	if (!is_int(s) && config_setting_type(s) != CONFIG_TYPE_FLOAT) {
		report(c, s, p, "expected %s, got %s", want, type_name(s));
		return -1;
	}
	double v = is_int(s) ? (double)config_setting_get_int64(s) : config_setting_get_float(s);
	if (!isfinite(v) || (lo_incl ? v < lo : v <= lo) || v > hi) {
		report(c, s, p, "expected %s, got %g", want, v);
		return -1;
	}
	*out = v;
	return 1;
}

/* An array [ ... ] or list ( ... ) of strings, at least one. */
static int get_strv(struct ctx *c, const config_setting_t *g, const char *path,
    const char *key, int required, char ***out)
{
	config_setting_t *s = member(g, key);
	_cleanup_free_ char *p = path_key(path, key);
	if (!s) {
		if (required)
			report(c, g, p, "expected an array of strings, got nothing");
		return required ? -1 : 0;
	}
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		report(c, s, p, "expected an array of strings, got %s", type_name(s));
		return -1;
	}
	int n = config_setting_length(s);
	if (n == 0) {
		report(c, s, p, "expected an array of strings, got an empty %s",
		    config_setting_is_array(s) ? "array" : "list");
		return -1;
	}
	int bad = 0;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			_cleanup_free_ char *pi = path_index(p, i);
			report(c, e, pi, "expected a string, got %s", type_name(e));
			bad = 1;
		}
	}
	if (bad)
		return -1;
	char **v = xcalloc((size_t)n + 1, sizeof(*v));
	for (int i = 0; i < n; i++)
		v[i] = xstrdup(config_setting_get_string_elem(s, i));
	argv_free(*out);
	*out = v;
	return 1;
}

/* Scalars become strings: the value of a parameter or a driver option is
 * text in the end (it lands in an argv), and `threads = 4` should not need
 * quotes. */
static char *scalar_string(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_STRING:
		return xstrdup(config_setting_get_string(s));
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return xasprintf("%lld", config_setting_get_int64(s));
	case CONFIG_TYPE_FLOAT:
		return xasprintf("%.17g", config_setting_get_float(s));
	case CONFIG_TYPE_BOOL:
		return xstrdup(config_setting_get_bool(s) ? "true" : "false");
	}
	return NULL;
}

static int want_scalar(struct ctx *c, const config_setting_t *s, const char *path,
    char **out)
{
	char *v = config_setting_is_scalar(s) ? scalar_string(s) : NULL;
	if (!v) {
		report(c, s, path, "expected a string or a number, got %s", type_name(s));
		return -1;
	}
	free(*out);
	*out = v;
	return 1;
}

static void origin_set(struct conf_origin *o, struct ctx *c, const config_setting_t *s)
{
	o->file = xstrdup(setting_file(c, s));
	o->line = (int)config_setting_source_line(s);
}

/* A group of name = scalar pairs (runtime options, experiment params), each
 * with its own file:line for the checks made later (driver options, the
 * workloads' parameter types). */
static int get_kv(struct ctx *c, const config_setting_t *g, const char *path,
    const char *key, struct kv **out, size_t *nout)
{
	config_setting_t *s = member(g, key);
	if (!s)
		return 0;
	_cleanup_free_ char *p = path_key(path, key);
	if (want_group(c, s, p) < 0)
		return -1;
	int n = config_setting_length(s), bad = 0;
	struct kv *kv = xcalloc((size_t)n + 1, sizeof(*kv));
	size_t nkv = 0;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		_cleanup_free_ char *pe = path_key(p, config_setting_name(e));
		char *v = NULL;
		if (want_scalar(c, e, pe, &v) < 0) {
			bad = 1;
			continue;
		}
		kv[nkv].key = xstrdup(config_setting_name(e));
		origin_set(&kv[nkv].origin, c, e);
		kv[nkv++].value = v;
	}
	*out = kv;
	*nout = nkv;
	return bad ? -1 : 1;
}

static void kv_free(struct kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
		free(kv[i].origin.file);
	}
	free(kv);
}

/* Walks each member of the top-level group `key`, checking it is a group with
 * a valid name, and hands it to fn. */
static void each_entry(struct ctx *c, const config_setting_t *root, const char *key,
    void (*fn)(struct ctx *, const config_setting_t *, const char *, void *), void *arg)
{
	config_setting_t *g = member(root, key);
	if (!g || want_group(c, g, key) < 0)
		return;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *e = config_setting_get_elem(g, (unsigned)i);
		_cleanup_free_ char *p = path_key(key, config_setting_name(e));
		if (!valid_name(config_setting_name(e))) {
			report(c, e, p, "expected a name of letters, digits, '_', '.' "
			    "and '-', got \"%s\"", config_setting_name(e));
			continue;
		}
		if (want_group(c, e, p) < 0)
			continue;
		fn(c, e, p, arg);
	}
}

/* ---- values: the types of parameters and driver options ------------------ */

static const char *const value_type_names[] = {
	[VT_STRING] = "string", [VT_INT] = "int", [VT_NUMBER] = "number",
	[VT_SIZE] = "size", [VT_BOOL] = "bool", [VT_CHOICE] = "choice", NULL,
};
static const char *const bool_true[] = { "1", "true", "yes", "on", NULL };
static const char *const bool_false[] = { "0", "false", "no", "off", NULL };

const char *value_type_name(enum value_type t)
{
	return (unsigned)t <= VT_CHOICE ? value_type_names[t] : "?";
}

/* Bytes as the shortest exact "4K", "64M", "1G": what sysbench, fio,
 * MariaDB and isolab-probe all take; plain digits when no suffix divides. */
static char *size_text(uint64_t v)
{
	static const char suffix[] = "KMGT";
	int k = -1;
	while (k < 3 && v >= 1024 && v % 1024 == 0) {
		v /= 1024;
		k++;
	}
	return k < 0 ? xasprintf("%llu", (unsigned long long)v) :
	    xasprintf("%llu%c", (unsigned long long)v, suffix[k]);
}

static char *bound_text(const struct value_spec *spec, double v)
{
	if (spec->type == VT_SIZE)
		return size_text((uint64_t)v);
	return spec->type == VT_INT ? xasprintf("%.0f", v) : xasprintf("%g", v);
}

char *value_spec_describe(const struct value_spec *spec)
{
	const char *what;
	switch (spec->type) {
	case VT_STRING:
		return xstrdup("a string");
	case VT_BOOL:
		return xstrdup("0 or 1 (or true, false, yes, no, on, off)");
	case VT_CHOICE: {
		_cleanup_free_ char *list = spec->choices ? join(spec->choices) : xstrdup("");
		return xasprintf("one of %s", list);
	}
	case VT_INT: what = "an integer"; break;
	case VT_NUMBER: what = "a number"; break;
	case VT_SIZE: what = "a size"; break;
	default: return xstrdup("?");
	}
	_cleanup_free_ char *lo = spec->has_min ? bound_text(spec, spec->min) : NULL;
	_cleanup_free_ char *hi = spec->has_max ? bound_text(spec, spec->max) : NULL;
	if (lo && hi)
		return xasprintf("%s from %s to %s", what, lo, hi);
	if (lo || hi)
		return xasprintf("%s %s %s", what, lo ? ">=" : "<=", lo ? lo : hi);
	return spec->type == VT_SIZE ? xstrdup("a size like 512M") : xstrdup(what);
}

static int in_bounds(const struct value_spec *spec, double v)
{
	return (!spec->has_min || v >= spec->min) && (!spec->has_max || v <= spec->max);
}

/* -?[0-9]+ within a long long. */
static int parse_int_text(const char *s, long long *out)
{
	const char *p = s + (*s == '-');
	if (!isdigit((unsigned char)*p))
		return -1;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -1;
	errno = 0;
	long long v = strtoll(s, NULL, 10);
	if (errno)
		return -1;
	*out = v;
	return 0;
}

/* A decimal number: digits, sign, point and exponent only (no hex, no
 * blanks, no inf or nan). */
static int parse_number_text(const char *s, double *out)
{
	if (!*s || strspn(s, "0123456789+-.eE") != strlen(s))
		return -1;
	return metrics_parse_number(s, strlen(s), out);
}

/* A copy of s to quote back in a one-line message: control bytes become
 * '?' (a value from the command line may hold a newline or an escape). */
static char *printable(const char *s)
{
	char *p = xstrdup(s);
	for (char *q = p; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = '?';
	return p;
}

int value_check(const struct value_spec *spec, const char *value, char **canon, char **why)
{
	const char *norm = NULL;
	char *owned = NULL;
	long long iv;
	double dv;
	uint64_t sv;
	int ok = 0;

	if (canon)
		*canon = NULL;
	switch (spec->type) {
	case VT_STRING:
		ok = 1;
		break;
	case VT_CHOICE:
		ok = spec->choices && in_list(spec->choices, value);
		break;
	case VT_BOOL:
		ok = in_list(bool_true, value) || in_list(bool_false, value);
		norm = in_list(bool_true, value) ? "1" : "0";
		break;
	case VT_INT:
		ok = parse_int_text(value, &iv) == 0 && in_bounds(spec, (double)iv);
		break;
	case VT_NUMBER:
		ok = parse_number_text(value, &dv) == 0 && in_bounds(spec, dv);
		break;
	case VT_SIZE:
		ok = parse_size(value, &sv) == 0 && in_bounds(spec, (double)sv);
		if (ok)
			norm = owned = size_text(sv);
		break;
	}
	if (!ok) {
		_cleanup_free_ char *want = value_spec_describe(spec);
		_cleanup_free_ char *shown = printable(value);
		return err_set(why, "expected %s, got \"%s\"", want, shown);
	}
	if (canon && norm && strcmp(norm, value)) {
		*canon = owned ? owned : xstrdup(norm);
		owned = NULL;
	}
	free(owned);
	return 0;
}

/* ---- runtimes ------------------------------------------------------------ */

static void runtime_clear(struct runtime_conf *rt)
{
	free(rt->name);
	free(rt->driver);
	free(rt->description);
	kv_free(rt->options, rt->noptions);
	free(rt->origin.file);
	memset(rt, 0, sizeof(*rt));
}

static void runtime_parse(struct ctx *c, const config_setting_t *g, const char *path,
    void *arg)
{
	struct config *fc = arg;
	struct runtime_conf rt = { .name = xstrdup(config_setting_name(g)) };

	origin_set(&rt.origin, c, g);
	check_keys(c, g, path, runtime_keys);
	get_name(c, g, path, "driver", 1, &rt.driver);
	get_string(c, g, path, "description", 0, &rt.description);
	get_kv(c, g, path, "options", &rt.options, &rt.noptions);

	fc->runtimes = xreallocarray(fc->runtimes, fc->nruntimes + 1, sizeof(rt));
	fc->runtimes[fc->nruntimes++] = rt;
}

/* ---- workloads ----------------------------------------------------------- */

static void workload_clear(struct workload *wl)
{
	free(wl->name);
	free(wl->description);
	argv_free(wl->argv);
	argv_free(wl->companion);
	argv_free(wl->prepare);
	argv_free(wl->setup);
	argv_free(wl->guest_files);
	argv_free(wl->cleanup);
	kv_free(wl->files, wl->nfiles);
	free(wl->ready);
	free(wl->rootfs);
	for (size_t i = 0; i < wl->nparams; i++) {
		free(wl->params[i].name);
		free(wl->params[i].value);
		free(wl->params[i].description);
		free(wl->params[i].pattern);
		strv_free(wl->params[i].choices);
		free(wl->params[i].origin.file);
	}
	free(wl->params);
	for (size_t i = 0; i < wl->nmetrics; i++) {
		struct metric_def *m = &wl->metrics[i];
		free(m->name);
		free(m->pattern);
		free(m->group);
		free(m->unit);
		free(m->kind);
		free(m->origin.file);
	}
	free(wl->metrics);
	free(wl->origin.file);
	memset(wl, 0, sizeof(*wl));
}

/* Compiles a pattern to validate it, through the metrics module so that the
 * check and the engine can never disagree on the options. */
static int check_pattern(struct ctx *c, const config_setting_t *s, const char *path,
    const char *pattern)
{
	_cleanup_free_ char *why = NULL;
	if (metrics_check_pattern(pattern, &why) == 0)
		return 0;
	report(c, s, path, "expected a valid pcre2 pattern, got an error %s",
	    why ? why : "");
	return -1;
}

static void metric_parse(struct ctx *c, const config_setting_t *g, const char *path,
    struct metric_def *m)
{
	origin_set(&m->origin, c, g);
	check_keys(c, g, path, metric_keys);
	get_name(c, g, path, "name", 1, &m->name);
	m->kind = xstrdup("other");
	get_enum(c, g, path, "kind", metric_kind_values, &m->kind);
	int have_pattern = get_nonempty(c, g, path, "pattern", 1, &m->pattern) == 1;
	m->group = xstrdup("value");
	int have_group = get_name(c, g, path, "group", 0, &m->group) >= 0;
	get_nonempty(c, g, path, "unit", 1, &m->unit);

	/* Latencies are better lower; everything else is usually a rate. */
	char *better = xstrdup(strcmp(m->kind, "latency") == 0 ? "lower" : "higher");
	get_enum(c, g, path, "better", better_values, &better);
	m->higher_is_better = strcmp(better, "higher") == 0;
	free(better);

	get_bool(c, g, path, "summary", &m->summary);
	m->scale = 1.0;
	get_number(c, g, path, "scale", 0, 0, INFINITY, &m->scale);

	if (have_pattern) {
		config_setting_t *ps = member(g, "pattern");
		_cleanup_free_ char *pp = path_key(path, "pattern");
		if (check_pattern(c, ps, pp, m->pattern) == 0 && have_group &&
		    metrics_check_metric(m, NULL) < 0)
			report(c, ps, pp, "expected a named group (?<%s>...) for the "
			    "number, got none", m->group);
	}
}

/* Checks every ${name} of one string against the declared params. */
static void check_refs_str(struct ctx *c, const config_setting_t *e, const char *pi,
    const char *str, const struct workload *wl)
{
	for (const char *s = str; (s = strstr(s, "${")) != NULL;) {
		const char *end = strchr(s + 2, '}');
		if (!end) {
			report(c, e, pi, "expected ${name} closed by '}', got \"%s\"", s);
			break;
		}
		_cleanup_free_ char *name = xstrndup(s + 2, (size_t)(end - s - 2));
		int known = in_list(builtin_params, name);
		for (size_t j = 0; !known && j < wl->nparams; j++)
			known = strcmp(wl->params[j].name, name) == 0;
		if (!known) {
			_cleanup_free_ char *b = join(builtin_params);
			report(c, e, pi, "expected a declared parameter or a built-in "
			    "(%s), got ${%s}", b, name);
		}
		s = end + 1;
	}
}

/* Checks every ${name} of an argv-like array against the declared params. */
static void check_refs(struct ctx *c, const config_setting_t *g, const char *path,
    const char *key, char **argv, const struct workload *wl)
{
	if (!argv)
		return;
	config_setting_t *arr = member(g, key);
	_cleanup_free_ char *p = path_key(path, key);
	for (int i = 0; argv[i]; i++) {
		const config_setting_t *e = config_setting_get_elem(arr, (unsigned)i);
		_cleanup_free_ char *pi = path_index(p, i);
		check_refs_str(c, e, pi, argv[i], wl);
	}
}

/* files: a list of { name; content; }, written into the instance directory
 * by the engine. A name is one plain file name: nothing may land outside
 * the directory. */
static void files_parse(struct ctx *c, const config_setting_t *wg, const char *path,
    struct workload *wl)
{
	config_setting_t *fs = member(wg, "files");
	_cleanup_free_ char *pf = path_key(path, "files");
	if (!fs)
		return;
	if (!config_setting_is_list(fs)) {
		report(c, fs, pf, "expected a list of groups ( { name = ...; content = ...; }, ... ), got %s",
		    type_name(fs));
		return;
	}
	int n = config_setting_length(fs);
	wl->files = xcalloc((size_t)n + 1, sizeof(*wl->files));
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(fs, (unsigned)i);
		_cleanup_free_ char *pi = path_index(pf, i);
		if (want_group(c, e, pi) < 0)
			continue;
		check_keys(c, e, pi, file_keys);
		char *name = NULL, *content = NULL;
		if (get_nonempty(c, e, pi, "name", 1, &name) == 1 &&
		    (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))) {
			_cleanup_free_ char *pn = path_key(pi, "name");
			report(c, member(e, "name"), pn, "expected a plain file name, got \"%s\"", name);
		}
		if (get_string(c, e, pi, "content", 1, &content) == 1) {
			_cleanup_free_ char *pc = path_key(pi, "content");
			check_refs_str(c, member(e, "content"), pc, content, wl);
		}
		if (!name || !content) {
			free(name);
			free(content);
			continue;
		}
		wl->files[wl->nfiles++] = (struct kv){ .key = name, .value = content };
	}
}

/* min or max of a parameter's declaration: an integer for type int, a
 * number for number, a size for size; the others have no bounds. */
static int get_bound(struct ctx *c, const config_setting_t *g, const char *path, const char *key,
    enum value_type t, double *out)
{
	config_setting_t *s = member(g, key);
	if (!s)
		return 0;
	_cleanup_free_ char *p = path_key(path, key);
	uint64_t bytes;
	switch (t) {
	case VT_INT:
		if (is_int(s)) {
			*out = (double)config_setting_get_int64(s);
			return 1;
		}
		report(c, s, p, "expected an integer, got %s", type_name(s));
		return -1;
	case VT_NUMBER:
		if (is_int(s) || config_setting_type(s) == CONFIG_TYPE_FLOAT) {
			*out = is_int(s) ? (double)config_setting_get_int64(s) : config_setting_get_float(s);
			if (isfinite(*out))
				return 1;
		}
		report(c, s, p, "expected a finite number, got %s", type_name(s));
		return -1;
	case VT_SIZE:
		if (is_int(s) && config_setting_get_int64(s) >= 0) {
			*out = (double)config_setting_get_int64(s);
			return 1;
		}
		if (config_setting_type(s) == CONFIG_TYPE_STRING &&
		    parse_size(config_setting_get_string(s), &bytes) == 0) {
			*out = (double)bytes;
			return 1;
		}
		report(c, s, p, "expected a size like \"512M\" or a number of bytes, got %s", type_name(s));
		return -1;
	default:
		report(c, s, p, "expected no %s with type \"%s\" (only int, number and size have "
		    "bounds), got one", key, value_type_name(t));
		return -1;
	}
}

/* A parameter's declared type: type, min, max, choices. 0, or -1 when the
 * declaration is wrong (reported) and values cannot be checked against it. */
static int param_spec_parse(struct ctx *c, const config_setting_t *e, const char *pe, struct param *prm)
{
	_cleanup_free_ char *type = NULL;
	int bad = 0;
	if (get_enum(c, e, pe, "type", value_type_names, &type) < 0)
		return -1;
	for (size_t t = 0; type && value_type_names[t]; t++)
		if (!strcmp(type, value_type_names[t]))
			prm->spec.type = (enum value_type)t;
	int r = get_bound(c, e, pe, "min", prm->spec.type, &prm->spec.min);
	prm->spec.has_min = r == 1;
	bad |= r < 0;
	r = get_bound(c, e, pe, "max", prm->spec.type, &prm->spec.max);
	prm->spec.has_max = r == 1;
	bad |= r < 0;
	if (prm->spec.has_min && prm->spec.has_max && prm->spec.min > prm->spec.max) {
		_cleanup_free_ char *pm = path_key(pe, "max");
		_cleanup_free_ char *lo = bound_text(&prm->spec, prm->spec.min);
		_cleanup_free_ char *hi = bound_text(&prm->spec, prm->spec.max);
		report(c, member(e, "max"), pm, "expected at least min (%s), got %s", lo, hi);
		bad = 1;
	}
	_cleanup_free_ char *pc = path_key(pe, "choices");
	r = get_strv(c, e, pe, "choices", 0, &prm->choices);
	if (r < 0) {
		bad = 1;
	} else if (r == 1 && prm->spec.type != VT_CHOICE) {
		report(c, member(e, "choices"), pc, "expected no choices with type \"%s\" (choices go with "
		    "type \"choice\"), got some", value_type_name(prm->spec.type));
		bad = 1;
	} else if (r == 0 && prm->spec.type == VT_CHOICE) {
		report(c, e, pc, "expected an array of strings with type \"choice\", got nothing");
		bad = 1;
	}
	prm->spec.choices = (const char *const *)prm->choices;
	return bad ? -1 : 0;
}

/* glob = true: the default becomes its pattern's newest match on this
 * host (strverscmp: "17" after "9"), or stays the pattern, unmatched. */
static void param_glob(struct param *prm)
{
	glob_t g;
	prm->pattern = xstrdup(prm->value);
	prm->unmatched = 1;
	if (glob(prm->pattern, GLOB_NOSORT, NULL, &g) != 0)
		return;
	const char *best = NULL;
	for (size_t i = 0; i < g.gl_pathc; i++)
		if (!best || strverscmp(g.gl_pathv[i], best) > 0)
			best = g.gl_pathv[i];
	if (best) {
		free(prm->value);
		prm->value = xstrdup(best);
		prm->unmatched = 0;
	}
	globfree(&g);
}

static void params_parse(struct ctx *c, const config_setting_t *wg, const char *path,
    struct workload *wl)
{
	config_setting_t *g = member(wg, "params");
	_cleanup_free_ char *p = path_key(path, "params");
	if (!g || want_group(c, g, p) < 0)
		return;
	int n = config_setting_length(g);
	wl->params = xcalloc((size_t)n + 1, sizeof(*wl->params));
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(e);
		_cleanup_free_ char *pe = path_key(p, name);
		if (!valid_name(name)) {
			report(c, e, pe, "expected a name of letters, digits, '_', '.' "
			    "and '-', got \"%s\"", name);
			continue;
		}
		if (in_list(builtin_params, name)) {
			_cleanup_free_ char *b = join(builtin_params);
			report(c, e, pe, "expected a name other than the built-ins (%s), "
			    "got %s", b, name);
			continue;
		}
		if (want_group(c, e, pe) < 0)
			continue;
		check_keys(c, e, pe, param_keys);
		struct param *prm = &wl->params[wl->nparams++];
		prm->name = xstrdup(name);
		origin_set(&prm->origin, c, e);
		int spec_ok = param_spec_parse(c, e, pe, prm) == 0;
		config_setting_t *d = member(e, "default");
		_cleanup_free_ char *pd = path_key(pe, "default");
		if (!d) {
			report(c, e, pd, "expected a string or a number, got nothing");
		} else if (want_scalar(c, d, pd, &prm->value) == 1 && spec_ok) {
			/* The default is a value like any other: it must fit the
			 * declared type, and is kept in its canonical spelling. */
			_cleanup_free_ char *why = NULL;
			char *canon = NULL;
			if (value_check(&prm->spec, prm->value, &canon, &why) < 0) {
				report(c, d, pd, "%s", why);
			} else if (canon) {
				free(prm->value);
				prm->value = canon;
			}
		}
		get_string(c, e, pe, "description", 0, &prm->description);
		if (get_bool(c, e, pe, "glob", &prm->glob) == 1 && prm->glob) {
			_cleanup_free_ char *pg = path_key(pe, "glob");
			if (prm->spec.type != VT_STRING)
				report(c, member(e, "glob"), pg, "expected glob only with type \"string\", got type \"%s\"",
				    value_type_name(prm->spec.type));
			else if (prm->value)
				param_glob(prm);
		}
	}
}

static void workload_parse(struct ctx *c, const config_setting_t *g, const char *path,
    void *arg)
{
	struct config *fc = arg;
	struct workload wl = { .name = xstrdup(config_setting_name(g)) };

	origin_set(&wl.origin, c, g);
	check_keys(c, g, path, workload_keys);
	get_string(c, g, path, "description", 0, &wl.description);
	params_parse(c, g, path, &wl);
	if (get_strv(c, g, path, "argv", 1, &wl.argv) == 1)
		check_refs(c, g, path, "argv", wl.argv, &wl);
	if (get_strv(c, g, path, "companion", 0, &wl.companion) == 1)
		check_refs(c, g, path, "companion", wl.companion, &wl);
	if (get_strv(c, g, path, "prepare", 0, &wl.prepare) == 1)
		check_refs(c, g, path, "prepare", wl.prepare, &wl);
	if (get_strv(c, g, path, "setup", 0, &wl.setup) == 1)
		check_refs(c, g, path, "setup", wl.setup, &wl);
	files_parse(c, g, path, &wl);
	if (get_strv(c, g, path, "cleanup", 0, &wl.cleanup) == 1)
		check_refs(c, g, path, "cleanup", wl.cleanup, &wl);
	if (get_bool(c, g, path, "companion_metrics", &wl.companion_metrics) == 1 &&
	    wl.companion_metrics && !member(g, "companion")) {
		_cleanup_free_ char *p = path_key(path, "companion_metrics");
		report(c, member(g, "companion_metrics"), p,
		    "expected a companion to take metrics from, got none");
	}
	if (get_bool(c, g, path, "companion_repeat", &wl.companion_repeat) == 1 &&
	    wl.companion_repeat && !member(g, "companion")) {
		_cleanup_free_ char *p = path_key(path, "companion_repeat");
		report(c, member(g, "companion_repeat"), p,
		    "expected a companion to repeat, got none");
	}
	if (get_nonempty(c, g, path, "ready", 0, &wl.ready) == 1) {
		_cleanup_free_ char *p = path_key(path, "ready");
		check_pattern(c, member(g, "ready"), p, wl.ready);
	}
	wl.rootfs = xstrdup("minimal");
	get_enum(c, g, path, "rootfs", rootfs_values, &wl.rootfs);
	if (get_strv(c, g, path, "guest_files", 0, &wl.guest_files) == 1)
		check_refs(c, g, path, "guest_files", wl.guest_files, &wl);

	config_setting_t *ms = member(g, "metrics");
	_cleanup_free_ char *pm = path_key(path, "metrics");
	if (ms && !config_setting_is_list(ms)) {
		report(c, ms, pm, "expected a list of groups ( { ... }, ... ), got %s",
		    type_name(ms));
	} else if (ms) {
		int n = config_setting_length(ms);
		wl.metrics = xcalloc((size_t)n + 1, sizeof(*wl.metrics));
		for (int i = 0; i < n; i++) {
			const config_setting_t *e = config_setting_get_elem(ms, (unsigned)i);
			_cleanup_free_ char *pi = path_index(pm, i);
			if (want_group(c, e, pi) < 0)
				continue;
			metric_parse(c, e, pi, &wl.metrics[wl.nmetrics++]);
		}
	}

	fc->workloads = xreallocarray(fc->workloads, fc->nworkloads + 1, sizeof(wl));
	fc->workloads[fc->nworkloads++] = wl;
}

/* ---- experiments --------------------------------------------------------- */

const char *experiment_kind_name(enum experiment_kind k)
{
	return (unsigned)k < EXP_KIND__COUNT ? experiment_kind_values[k] : "benchmark";
}

int experiment_kind_parse(const char *s)
{
	for (int k = 0; s && k < EXP_KIND__COUNT; k++)
		if (!strcmp(s, experiment_kind_values[k]))
			return k;
	return -1;
}

void experiment_defaults(struct experiment *exp)
{
	memset(exp, 0, sizeof(*exp));
	exp->repetitions = 3;
	exp->duration = 10.0;
	exp->warmup = 0;
	exp->grace = 10.0;
	exp->threads = 1;
	exp->baseline = xstrdup("native");
	exp->network = xstrdup("auto");
	exp->max_instances = 64;
	exp->instances = 2;
}

void experiment_clear(struct experiment *exp)
{
	free(exp->name);
	exp->kind = EXP_BENCHMARK;
	free(exp->title);
	free(exp->question);
	free(exp->explanation);
	free(exp->watch);
	free(exp->published);
	argv_free(exp->runtimes);
	argv_free(exp->workloads);
	argv_free(exp->report_metrics);
	free(exp->baseline);
	free(exp->network);
	free(exp->limits.cpuset);
	kv_free(exp->params, exp->nparams);
	for (size_t i = 0; i < exp->nneighbours; i++) {
		free(exp->neighbours[i].workload);
		free(exp->neighbours[i].nclass);
		free(exp->neighbours[i].limits.cpuset);
		kv_free(exp->neighbours[i].params, exp->neighbours[i].nparams);
	}
	free(exp->neighbours);
	for (size_t i = 0; i < exp->nvariants; i++) {
		free(exp->variants[i].name);
		free(exp->variants[i].limits.cpuset);
		free(exp->variants[i].neighbour_limits.cpuset);
	}
	free(exp->variants);
	for (size_t i = 0; i < exp->nexpects; i++) {
		struct expect *x = &exp->expects[i];
		free(x->workload);
		free(x->metric);
		free(x->runtime);
		free(x->variant);
		free(x->vs);
		free(x->vs_variant);
		free(x->text);
	}
	free(exp->expects);
	free(exp->sweep.param);
	argv_free(exp->sweep.values);
	free(exp->origin.file);
	memset(exp, 0, sizeof(*exp));
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static char **strv_dup(char *const *v)
{
	if (!v)
		return NULL;
	size_t n = 0;
	while (v[n])
		n++;
	char **out = xcalloc(n + 1, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

static struct kv *kv_dup(const struct kv *src, size_t n)
{
	struct kv *dst = xcalloc(n + 1, sizeof(*dst));
	for (size_t i = 0; i < n; i++) {
		dst[i].key = xstrdup(src[i].key);
		dst[i].value = xstrdup(src[i].value);
		dst[i].origin.file = dup_or_null(src[i].origin.file);
		dst[i].origin.line = src[i].origin.line;
	}
	return dst;
}

void experiment_copy(struct experiment *dst, const struct experiment *src)
{
	*dst = *src;
	dst->name = dup_or_null(src->name);
	dst->title = dup_or_null(src->title);
	dst->question = dup_or_null(src->question);
	dst->explanation = dup_or_null(src->explanation);
	dst->watch = dup_or_null(src->watch);
	dst->published = dup_or_null(src->published);
	dst->runtimes = strv_dup(src->runtimes);
	dst->workloads = strv_dup(src->workloads);
	dst->report_metrics = strv_dup(src->report_metrics);
	dst->baseline = dup_or_null(src->baseline);
	dst->network = dup_or_null(src->network);
	dst->limits.cpuset = dup_or_null(src->limits.cpuset);
	dst->params = kv_dup(src->params, src->nparams);
	dst->neighbours = xcalloc(src->nneighbours + 1, sizeof(*dst->neighbours));
	for (size_t i = 0; i < src->nneighbours; i++) {
		dst->neighbours[i] = src->neighbours[i];
		dst->neighbours[i].workload = dup_or_null(src->neighbours[i].workload);
		dst->neighbours[i].nclass = dup_or_null(src->neighbours[i].nclass);
		dst->neighbours[i].limits.cpuset = dup_or_null(src->neighbours[i].limits.cpuset);
		dst->neighbours[i].params = kv_dup(src->neighbours[i].params, src->neighbours[i].nparams);
	}
	dst->variants = xcalloc(src->nvariants + 1, sizeof(*dst->variants));
	for (size_t i = 0; i < src->nvariants; i++) {
		dst->variants[i] = src->variants[i];
		dst->variants[i].name = dup_or_null(src->variants[i].name);
		dst->variants[i].limits.cpuset = dup_or_null(src->variants[i].limits.cpuset);
		dst->variants[i].neighbour_limits.cpuset = dup_or_null(src->variants[i].neighbour_limits.cpuset);
	}
	dst->expects = xcalloc(src->nexpects + 1, sizeof(*dst->expects));
	for (size_t i = 0; i < src->nexpects; i++) {
		const struct expect *x = &src->expects[i];
		struct expect *y = &dst->expects[i];
		*y = *x;
		y->workload = dup_or_null(x->workload);
		y->metric = dup_or_null(x->metric);
		y->runtime = dup_or_null(x->runtime);
		y->variant = dup_or_null(x->variant);
		y->vs = dup_or_null(x->vs);
		y->vs_variant = dup_or_null(x->vs_variant);
		y->text = dup_or_null(x->text);
	}
	dst->sweep.param = dup_or_null(src->sweep.param);
	dst->sweep.values = strv_dup(src->sweep.values);
	dst->origin.file = dup_or_null(src->origin.file);
}

int experiment_is_lab(const struct experiment *exp)
{
	return exp->title && *exp->title && exp->question && *exp->question;
}

int cpuset_count(const char *s)
{
	int n = 0;
	while (*s) {
		char *end;
		if (!isdigit((unsigned char)*s))
			return -1;
		unsigned long a = strtoul(s, &end, 10), b = a;
		s = end;
		if (*s == '-') {
			if (!isdigit((unsigned char)s[1]))
				return -1;
			b = strtoul(s + 1, &end, 10);
			if (b < a)
				return -1;
			s = end;
		}
		n += (int)(b - a + 1);
		if (*s == ',' && s[1])
			s++;
		else if (*s)
			return -1;
	}
	return n;
}

/* "0", "0-3", "0,2-3": what cpuset.cpus accepts. */
static int valid_cpuset(const char *s)
{
	return cpuset_count(s) > 0;
}

/* Memory: "512M" or an integer number of bytes. */
static int get_size(struct ctx *c, const config_setting_t *g, const char *path,
    const char *key, uint64_t *out)
{
	config_setting_t *s = member(g, key);
	if (!s)
		return 0;
	_cleanup_free_ char *p = path_key(path, key);
	if (is_int(s)) {
		long long v = config_setting_get_int64(s);
		if (v <= 0) {
			report(c, s, p, "expected a size > 0 like \"512M\", got %lld", v);
			return -1;
		}
		*out = (uint64_t)v;
		return 1;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		report(c, s, p, "expected a size like \"512M\", got %s", type_name(s));
		return -1;
	}
	const char *v = config_setting_get_string(s);
	if (parse_size(v, out) < 0 || *out == 0) {
		report(c, s, p, "expected a size > 0 like \"512M\", got \"%s\"", v);
		return -1;
	}
	return 1;
}

/* The group `key` of eg ("limits", "neighbour_limits") into l; 1 when
 * it is there. */
static int limits_parse_key(struct ctx *c, const config_setting_t *eg, const char *path, const char *key,
    struct limits *l)
{
	config_setting_t *g = member(eg, key);
	_cleanup_free_ char *p = path_key(path, key);
	long long v;
	if (!g || want_group(c, g, p) < 0)
		return 0;
	check_keys(c, g, p, limits_keys);
	get_number(c, g, p, "cpus", 0, 0, 1024, &l->cpus);
	if (get_string(c, g, p, "cpuset", 0, &l->cpuset) == 1 && !valid_cpuset(l->cpuset)) {
		_cleanup_free_ char *pc = path_key(p, "cpuset");
		report(c, member(g, "cpuset"), pc, "expected a CPU list like \"0-3,6\", "
		    "got \"%s\"", l->cpuset);
	}
	if (get_int(c, g, p, "weight", 1, 10000, &v) == 1)
		l->weight = (unsigned)v;
	int hard = get_size(c, g, p, "memory", &l->mem_hard);
	int soft = get_size(c, g, p, "memory_soft", &l->mem_soft);
	if (hard == 1 && soft == 1 && l->mem_soft > l->mem_hard) {
		_cleanup_free_ char *ps = path_key(p, "memory_soft");
		report(c, member(g, "memory_soft"), ps, "expected at most memory "
		    "(%llu bytes), got %llu bytes", (unsigned long long)l->mem_hard,
		    (unsigned long long)l->mem_soft);
	}
	if (get_int(c, g, p, "pids", 1, 4194304, &v) == 1)
		l->pids = (unsigned)v;
	if (get_int(c, g, p, "io_weight", 10, 1000, &v) == 1)
		l->io_weight = (unsigned)v;
	return 1;
}

static int limits_parse(struct ctx *c, const config_setting_t *eg, const char *path, struct limits *l)
{
	return limits_parse_key(c, eg, path, "limits", l);
}

/* A list of names, each at most once. */
static void get_names(struct ctx *c, const config_setting_t *g, const char *path,
    const char *key, char ***out)
{
	if (get_strv(c, g, path, key, 1, out) != 1)
		return;
	config_setting_t *s = member(g, key);
	_cleanup_free_ char *p = path_key(path, key);
	for (int i = 0; (*out)[i]; i++) {
		_cleanup_free_ char *pi = path_index(p, i);
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		if (!valid_name((*out)[i])) {
			report(c, e, pi, "expected a name of letters, digits, '_', '.' "
			    "and '-', got \"%s\"", (*out)[i]);
			continue;
		}
		for (int j = 0; j < i; j++)
			if (strcmp((*out)[i], (*out)[j]) == 0) {
				report(c, e, pi, "expected each name once, got \"%s\" again",
				    (*out)[i]);
				break;
			}
	}
}

/* A list ( { ... }, ... ) under key: the number of groups, each handed to
 * fn with its index; -1 when it is not a list of groups. */
static int each_group(struct ctx *c, const config_setting_t *g, const char *path,
    const char *key, void (*fn)(struct ctx *, const config_setting_t *, const char *, size_t, void *),
    void *arg)
{
	config_setting_t *s = member(g, key);
	if (!s)
		return 0;
	_cleanup_free_ char *p = path_key(path, key);
	if (!config_setting_is_list(s)) {
		report(c, s, p, "expected a list of groups ( { ... }, ... ), got %s", type_name(s));
		return -1;
	}
	size_t k = 0;
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		_cleanup_free_ char *pi = path_index(p, i);
		if (want_group(c, e, pi) < 0)
			continue;
		fn(c, e, pi, k++, arg);
	}
	return (int)k;
}

static size_t list_length(const config_setting_t *g, const char *key)
{
	config_setting_t *s = member(g, key);
	return s && config_setting_is_list(s) ? (size_t)config_setting_length(s) : 0;
}

static void neighbour_parse(struct ctx *c, const config_setting_t *g, const char *path,
    size_t i, void *arg)
{
	struct experiment *exp = arg;
	struct neighbour *n = &exp->neighbours[i];
	long long v;
	check_keys(c, g, path, neighbour_keys);
	get_name(c, g, path, "workload", 1, &n->workload);
	n->nclass = xstrdup("competing");
	get_enum(c, g, path, "class", neighbour_class_values, &n->nclass);
	n->count = 1;
	if (get_int(c, g, path, "count", 1, 1024, &v) == 1)
		n->count = (unsigned)v;
	n->has_limits = limits_parse(c, g, path, &n->limits);
	get_kv(c, g, path, "params", &n->params, &n->nparams);
	exp->nneighbours = i + 1;
}

static void neighbours_parse(struct ctx *c, const config_setting_t *g, const char *path,
    struct experiment *exp)
{
	exp->neighbours = xcalloc(list_length(g, "neighbours") + 1, sizeof(*exp->neighbours));
	each_group(c, g, path, "neighbours", neighbour_parse, exp);
}

static void variant_parse(struct ctx *c, const config_setting_t *g, const char *path,
    size_t i, void *arg)
{
	struct experiment *exp = arg;
	struct variant *vr = &exp->variants[i];
	long long v;
	check_keys(c, g, path, variant_keys);
	get_name(c, g, path, "name", 1, &vr->name);
	limits_parse(c, g, path, &vr->limits);
	vr->has_neighbour_limits = limits_parse_key(c, g, path, "neighbour_limits", &vr->neighbour_limits);
	if (vr->has_neighbour_limits && exp->kind != EXP_INTERFERENCE) {
		_cleanup_free_ char *pn = path_key(path, "neighbour_limits");
		report(c, member(g, "neighbour_limits"), pn, "expected only in an interference experiment "
		    "(the limits of its neighbours), got it in a%s %s experiment",
		    exp->kind == EXP_ALLOCATION ? "n" : "", experiment_kind_name(exp->kind));
	}
	if (get_int(c, g, path, "count", 1, 4096, &v) == 1) {
		vr->count = (unsigned)v;
		if (exp->kind == EXP_INTERFERENCE) {
			_cleanup_free_ char *pc = path_key(path, "count");
			report(c, member(g, "count"), pc, "expected no count in an interference experiment "
			    "(its target is one instance; give the neighbours' count in neighbours)");
		}
	}
	exp->nvariants = i + 1;
	for (size_t j = 0; vr->name && j < i; j++)
		if (exp->variants[j].name && !strcmp(exp->variants[j].name, vr->name)) {
			_cleanup_free_ char *pn = path_key(path, "name");
			report(c, member(g, "name"), pn, "expected each variant name once, got \"%s\" again",
			    vr->name);
		}
}

static void variants_parse(struct ctx *c, const config_setting_t *g, const char *path,
    struct experiment *exp)
{
	exp->variants = xcalloc(list_length(g, "variants") + 1, sizeof(*exp->variants));
	if (member(g, "variants") && exp->kind != EXP_ALLOCATION && exp->kind != EXP_INTERFERENCE) {
		_cleanup_free_ char *pv = path_key(path, "variants");
		report(c, member(g, "variants"), pv, "expected only in an allocation or interference "
		    "experiment, got them in a %s experiment", experiment_kind_name(exp->kind));
		return;
	}
	each_group(c, g, path, "variants", variant_parse, exp);
}

/* sweep = { param = "threads"; values = [ 1, 2, 4 ]; }: the values are
 * scalars, kept as text (checked with every file loaded). */
static void sweep_parse(struct ctx *c, const config_setting_t *eg, const char *path, struct sweep *sw)
{
	config_setting_t *g = member(eg, "sweep");
	_cleanup_free_ char *p = path_key(path, "sweep");
	if (!g || want_group(c, g, p) < 0)
		return;
	check_keys(c, g, p, sweep_keys);
	get_nonempty(c, g, p, "param", 1, &sw->param);
	config_setting_t *v = member(g, "values");
	_cleanup_free_ char *pv = path_key(p, "values");
	if (!v) {
		report(c, g, pv, "expected an array of values, got nothing");
		return;
	}
	if (!config_setting_is_array(v) && !config_setting_is_list(v)) {
		report(c, v, pv, "expected an array of values, got %s", type_name(v));
		return;
	}
	int n = config_setting_length(v);
	if (n == 0) {
		report(c, v, pv, "expected an array of values, got an empty one");
		return;
	}
	sw->values = xcalloc((size_t)n + 1, sizeof *sw->values);
	for (int i = 0, k = 0; i < n; i++) {
		_cleanup_free_ char *pi = path_index(pv, i);
		char *val = NULL;
		if (want_scalar(c, config_setting_get_elem(v, (unsigned)i), pi, &val) == 1)
			sw->values[k++] = val;
	}
}

static void expect_parse(struct ctx *c, const config_setting_t *g, const char *path,
    size_t i, void *arg)
{
	struct experiment *exp = arg;
	struct expect *x = &exp->expects[i];
	x->ratio_min = x->ratio_max = NAN;
	x->overhead_min = x->overhead_max = NAN;
	x->degradation_min = x->degradation_max = NAN;
	x->value_min = x->value_max = NAN;
	x->equivalent = NAN;
	x->fairness_min = NAN;
	x->dnf = -1;
	check_keys(c, g, path, expect_keys);
	get_name(c, g, path, "workload", 0, &x->workload);
	x->metric = xstrdup("rate");
	get_nonempty(c, g, path, "metric", 0, &x->metric);
	get_name(c, g, path, "runtime", 0, &x->runtime);
	get_row_label(c, g, path, "variant", &x->variant);
	get_name(c, g, path, "vs", 0, &x->vs);
	get_row_label(c, g, path, "vs_variant", &x->vs_variant);
	if (exp->kind == EXP_INTERFERENCE && exp->nvariants && !x->variant) {
		_cleanup_free_ char *pv = path_key(path, "variant");
		report(c, g, pv, "expected a variant such as \"%s/neighbours\" (the experiment has variants)",
		    exp->variants[0].name ? exp->variants[0].name : "VARIANT");
	}
	get_number(c, g, path, "ratio_min", 0, 1, INFINITY, &x->ratio_min);
	get_number(c, g, path, "ratio_max", 0, 0, INFINITY, &x->ratio_max);
	get_number(c, g, path, "overhead_min", -INFINITY, 0, INFINITY, &x->overhead_min);
	get_number(c, g, path, "overhead_max", -INFINITY, 0, INFINITY, &x->overhead_max);
	get_number(c, g, path, "degradation_min", -INFINITY, 0, INFINITY, &x->degradation_min);
	get_number(c, g, path, "degradation_max", -INFINITY, 0, INFINITY, &x->degradation_max);
	get_number(c, g, path, "value_min", -INFINITY, 0, INFINITY, &x->value_min);
	get_number(c, g, path, "value_max", -INFINITY, 0, INFINITY, &x->value_max);
	get_number(c, g, path, "equivalent", 0, 0, 100, &x->equivalent);
	get_number(c, g, path, "fairness_min", 0, 1, 1, &x->fairness_min);
	get_string(c, g, path, "text", 0, &x->text);
	int dnf;
	if (get_bool(c, g, path, "dnf", &dnf) == 1)
		x->dnf = dnf;
	int kvm;
	if (get_bool(c, g, path, "needs_kvm", &kvm) == 1)
		x->needs_kvm = kvm;
	exp->nexpects = i + 1;
	int bounds = !isnan(x->ratio_min) || !isnan(x->ratio_max) || !isnan(x->overhead_min) ||
	    !isnan(x->overhead_max) || !isnan(x->degradation_min) || !isnan(x->degradation_max) ||
	    !isnan(x->value_min) || !isnan(x->value_max) || x->dnf >= 0 || !isnan(x->equivalent) ||
	    !isnan(x->fairness_min);
	if (!bounds)
		report(c, g, path, "expected at least one of ratio_min, ratio_max, overhead_min, "
		    "overhead_max, equivalent, degradation_min, degradation_max, value_min, value_max, fairness_min "
		    "or dnf, got none");
	int compares = !isnan(x->ratio_min) || !isnan(x->ratio_max) || !isnan(x->overhead_min) ||
	    !isnan(x->overhead_max) || !isnan(x->equivalent);
	if (compares && !x->vs && !x->vs_variant)
		report(c, g, path, "expected vs or vs_variant with a ratio, overhead or equivalent bound, got neither");
	if (!isnan(x->equivalent) && (!isnan(x->overhead_min) || !isnan(x->overhead_max)))
		report(c, g, path, "expected either equivalent or overhead bounds, got both (equivalent is "
		    "the two-sided claim)");
}

static void expects_parse(struct ctx *c, const config_setting_t *g, const char *path,
    struct experiment *exp)
{
	config_setting_t *s = member(g, "expect");
	/* One rule may be written as a group, several as a list. */
	if (s && config_setting_is_group(s)) {
		_cleanup_free_ char *p = path_key(path, "expect");
		exp->expects = xcalloc(2, sizeof(*exp->expects));
		expect_parse(c, s, p, 0, exp);
		return;
	}
	exp->expects = xcalloc(list_length(g, "expect") + 1, sizeof(*exp->expects));
	each_group(c, g, path, "expect", expect_parse, exp);
}

static void experiment_parse(struct ctx *c, const config_setting_t *g, const char *path,
    void *arg)
{
	struct config *fc = arg;
	struct experiment exp;
	long long v;

	experiment_defaults(&exp);
	exp.name = xstrdup(config_setting_name(g));
	origin_set(&exp.origin, c, g);
	check_keys(c, g, path, experiment_keys);
	_cleanup_free_ char *kind = NULL;
	if (get_enum(c, g, path, "kind", experiment_kind_values, &kind) == 1)
		exp.kind = (enum experiment_kind)experiment_kind_parse(kind);
	get_string(c, g, path, "title", 0, &exp.title);
	get_string(c, g, path, "question", 0, &exp.question);
	get_string(c, g, path, "explanation", 0, &exp.explanation);
	get_string(c, g, path, "watch", 0, &exp.watch);
	get_string(c, g, path, "published", 0, &exp.published);
	get_names(c, g, path, "runtimes", &exp.runtimes);
	get_names(c, g, path, "workloads", &exp.workloads);
	if (get_int(c, g, path, "repetitions", 1, 1000, &v) == 1)
		exp.repetitions = (unsigned)v;
	get_number(c, g, path, "duration", 0, 0, 86400, &exp.duration);
	if (get_int(c, g, path, "warmup", 0, 100, &v) == 1)
		exp.warmup = (unsigned)v;
	get_number(c, g, path, "grace", 0, 1, 3600, &exp.grace);
	if (get_int(c, g, path, "threads", 1, 1024, &v) == 1)
		exp.threads = (unsigned)v;
	get_name(c, g, path, "baseline", 0, &exp.baseline);
	get_enum(c, g, path, "network", network_values, &exp.network);
	limits_parse(c, g, path, &exp.limits);
	get_kv(c, g, path, "params", &exp.params, &exp.nparams);
	get_bool(c, g, path, "skip_unavailable", &exp.skip_unavailable);
	if (member(g, "report_metrics"))
		get_names(c, g, path, "report_metrics", &exp.report_metrics);
	if (get_int(c, g, path, "max_instances", 1, 4096, &v) == 1)
		exp.max_instances = (unsigned)v;
	if (get_int(c, g, path, "instances", 1, 4096, &v) == 1)
		exp.instances = (unsigned)v;
	neighbours_parse(c, g, path, &exp);
	variants_parse(c, g, path, &exp);
	/* The pool is the group's, so every member's limits carry it, those
	 * that replace the experiment's whole included. */
	if (get_size(c, g, path, "memory_pool", &exp.limits.mem_pool) == 1) {
		for (size_t i = 0; i < exp.nvariants; i++) {
			exp.variants[i].limits.mem_pool = exp.limits.mem_pool;
			exp.variants[i].neighbour_limits.mem_pool = exp.limits.mem_pool;
		}
		for (size_t i = 0; i < exp.nneighbours; i++)
			exp.neighbours[i].limits.mem_pool = exp.limits.mem_pool;
	}
	sweep_parse(c, g, path, &exp.sweep);
	expects_parse(c, g, path, &exp);

	fc->experiments = xreallocarray(fc->experiments, fc->nexperiments + 1, sizeof(exp));
	fc->experiments[fc->nexperiments++] = exp;
}

/* ---- hosts --------------------------------------------------------------- */

static void host_clear(struct host_conf *h)
{
	free(h->name);
	free(h->address);
	free(h->user);
	free(h->identity);
	free(h->known_hosts);
	free(h->origin.file);
	memset(h, 0, sizeof(*h));
}

static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	if (h && *h)
		return h;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
}

/* "~/x" -> "$HOME/x", so paths in files need not hard-code a home. */
static void expand_tilde(char **path)
{
	const char *home;
	if (!*path || strncmp(*path, "~/", 2) != 0 || !(home = home_dir()))
		return;
	char *p = xasprintf("%s/%s", home, *path + 2);
	free(*path);
	*path = p;
}

static void host_parse(struct ctx *c, const config_setting_t *g, const char *path,
    void *arg)
{
	struct config *fc = arg;
	struct host_conf h = { .name = xstrdup(config_setting_name(g)), .port = 22 };
	long long v;

	origin_set(&h.origin, c, g);
	check_keys(c, g, path, host_keys);
	get_nonempty(c, g, path, "address", 1, &h.address);
	get_nonempty(c, g, path, "user", 0, &h.user);
	if (get_nonempty(c, g, path, "identity", 0, &h.identity) == 1)
		expand_tilde(&h.identity);
	if (get_int(c, g, path, "port", 1, 65535, &v) == 1)
		h.port = (int)v;
	if (get_nonempty(c, g, path, "known_hosts", 0, &h.known_hosts) == 1)
		expand_tilde(&h.known_hosts);
	if (get_int(c, g, path, "timeout", 1, 3600, &v) == 1)
		h.timeout = (int)v;

	fc->hosts = xreallocarray(fc->hosts, fc->nhosts + 1, sizeof(h));
	fc->hosts[fc->nhosts++] = h;
}

/* ---- files --------------------------------------------------------------- */

void config_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->nruntimes; i++)
		runtime_clear(&cfg->runtimes[i]);
	free(cfg->runtimes);
	for (size_t i = 0; i < cfg->nworkloads; i++)
		workload_clear(&cfg->workloads[i]);
	free(cfg->workloads);
	for (size_t i = 0; i < cfg->nexperiments; i++)
		experiment_clear(&cfg->experiments[i]);
	free(cfg->experiments);
	for (size_t i = 0; i < cfg->nhosts; i++)
		host_clear(&cfg->hosts[i]);
	free(cfg->hosts);
	free(cfg->theme);
	free(cfg->state_dir);
	argv_free(cfg->files);
	memset(cfg, 0, sizeof(*cfg));
}

static void walk_root(struct ctx *c, const config_setting_t *root, struct config *fc)
{
	check_keys(c, root, "", top_keys);
	get_name(c, root, "", "theme", 0, &fc->theme);
	if (get_nonempty(c, root, "", "state_dir", 0, &fc->state_dir) == 1) {
		expand_tilde(&fc->state_dir);
		if (fc->state_dir[0] != '/')
			report(c, member(root, "state_dir"), "state_dir", "expected an "
			    "absolute path or ~/path, got \"%s\"", fc->state_dir);
	}
	each_entry(c, root, "runtimes", runtime_parse, fc);
	each_entry(c, root, "workloads", workload_parse, fc);
	each_entry(c, root, "experiments", experiment_parse, fc);
	each_entry(c, root, "hosts", host_parse, fc);
}

/* Reads and checks one file into fc, from text[0..len) when text is not
 * NULL. Every problem goes to errs; returns -2 when the file does not
 * exist (for optional files), else errs->n == 0 on success. */
static int file_read(const char *path, const char *text, size_t len, struct config *fc,
    struct errlist *errs)
{
	config_t lc;
	struct ctx c = { .path = path, .errs = errs };
	char *cause = NULL;

	config_init(&lc);
	struct conffile *cf = conffile_read(&lc, path, text, len, &cause);
	if (!cf) {
		int missing = errno == ENOENT;
		errlist_add(errs, 0, cause);
		config_destroy(&lc);
		return missing ? -2 : -1;
	}
	walk_root(&c, config_root_setting(&lc), fc);
	config_destroy(&lc);
	conffile_free(cf);
	return errs->n ? -1 : 0;
}

size_t config_check_text(const struct config_text *t, char ***errors)
{
	struct config fc = { 0 };
	struct errlist errs = { 0 };

	file_read(t->path, t->text, t->len, &fc, &errs);
	config_free(&fc);
	free(errs.line);
	*errors = errs.v;
	return errs.n;
}

size_t config_check_file(const char *path, char ***errors)
{
	struct config_text t = { .path = path };
	return config_check_text(&t, errors);
}

/* Moves src's entries into *dst, replacing those with the same name. */
#define MERGE(dst, ndst, src, nsrc, clear)                                    \
	do {                                                                  \
		for (size_t i_ = 0; i_ < (nsrc); i_++) {                      \
			size_t j_;                                            \
			for (j_ = 0; j_ < (ndst); j_++)                       \
				if (strcmp((dst)[j_].name, (src)[i_].name) == 0) \
					break;                                \
			if (j_ < (ndst)) {                                    \
				clear(&(dst)[j_]);                            \
			} else {                                              \
				(dst) = xreallocarray((dst), (ndst) + 1,      \
				    sizeof(*(dst)));                          \
				(ndst)++;                                     \
			}                                                     \
			(dst)[j_] = (src)[i_];                                \
		}                                                             \
		free(src);                                                    \
		(src) = NULL;                                                 \
		(nsrc) = 0;                                                   \
	} while (0)

static void merge(struct config *cfg, struct config *fc)
{
	MERGE(cfg->runtimes, cfg->nruntimes, fc->runtimes, fc->nruntimes, runtime_clear);
	MERGE(cfg->workloads, cfg->nworkloads, fc->workloads, fc->nworkloads, workload_clear);
	MERGE(cfg->experiments, cfg->nexperiments, fc->experiments, fc->nexperiments,
	    experiment_clear);
	MERGE(cfg->hosts, cfg->nhosts, fc->hosts, fc->nhosts, host_clear);
	if (fc->theme) {
		free(cfg->theme);
		cfg->theme = fc->theme;
		fc->theme = NULL;
	}
	if (fc->state_dir) {
		free(cfg->state_dir);
		cfg->state_dir = fc->state_dir;
		fc->state_dir = NULL;
	}
}

static size_t strv_len(char **v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

/* Loads one file into cfg (its text when text is not NULL); optional files
 * that do not exist are skipped. */
static int load_one(struct config *cfg, const char *path, const char *text, size_t len,
    int optional, char **cause)
{
	struct config fc = { 0 };
	struct errlist errs = { 0 };
	int r = file_read(path, text, len, &fc, &errs);

	if (r == -2 && optional) {
		errlist_free(&errs);
		return 0;
	}
	if (r < 0) {
		if (cause) {
			*cause = errs.v[0];
			errs.v[0] = NULL;
		}
		errlist_free(&errs);
		config_free(&fc);
		return -1;
	}
	merge(cfg, &fc);
	config_free(&fc);
	size_t n = strv_len(cfg->files);
	cfg->files = xreallocarray(cfg->files, n + 2, sizeof(*cfg->files));
	cfg->files[n] = xstrdup(path);
	cfg->files[n + 1] = NULL;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads dir/ *.conf in sorted order (C locale byte order, so "10-x" sorts
 * before "9-x" everywhere alike). A missing directory holds nothing. */
static int load_dir(struct config *cfg, const char *dir, char **cause)
{
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return err_errno(cause, "%s: cannot open", dir);
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 5 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xasprintf("%s/%s", dir, de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	int r = 0;
	for (size_t i = 0; i < n; i++) {
		if (r == 0 && load_one(cfg, names[i], NULL, 0, 0, cause) < 0)
			r = -1;
		free(names[i]);
	}
	free(names);
	return r;
}

/* A directory holding isolab's data files (a source tree, or an install). */
static int is_datadir(const char *dir)
{
	static const char *const marks[] = { "runtimes/native.conf", "workloads/probe.conf",
		"experiments/default.conf" };
	for (size_t i = 0; i < ARRAY_SIZE(marks); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", dir, marks[i]);
		if (access(p, R_OK) < 0)
			return 0;
	}
	return 1;
}

/* A program run from its build tree (libisolab.a beside it) uses the
 * source tree it was built from: the same directory (an in-tree build),
 * its parent (build/) or its grandparent (make distcheck's _build/sub/).
 * An installed program never looks around its own directory. */
static char *build_tree_datadir(void)
{
	char *lib = path_beside_self("libisolab.a", R_OK);
	if (!lib)
		return NULL;
	char *dir = lib;
	*strrchr(dir, '/') = '\0';
	for (int up = 0; up <= 2 && *dir; up++) {
		if (is_datadir(dir))
			return dir;
		char *slash = strrchr(dir, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	free(dir);
	return NULL;
}

static pthread_once_t datadir_once = PTHREAD_ONCE_INIT;
static const char *datadir_found;

static void datadir_init(void)
{
	if (!(datadir_found = build_tree_datadir()))
		datadir_found = PKGDATADIR;
}

const char *config_datadir(void)
{
	const char *d = getenv("ISOLAB_DATADIR");
	if (d && *d)
		return d;
	pthread_once(&datadir_once, datadir_init);
	return datadir_found;
}

/* $XDG_<var> if set and absolute (the spec says relative ones are invalid),
 * else $HOME/<fallback>. NULL when there is no home at all. */
static char *xdg_dir(const char *var, const char *fallback)
{
	const char *v = getenv(var);
	if (v && v[0] == '/')
		return xstrdup(v);
	const char *home = home_dir();
	return home ? xasprintf("%s/%s", home, fallback) : NULL;
}

static int cross_fail(char **cause, const struct experiment *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int cross_fail(char **cause, const struct experiment *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *what = xvasprintf(fmt, ap);
	va_end(ap);
	return err_set(cause, "%s:%d: experiments.%s.%s", e->origin.file,
	    e->origin.line, e->name, what);
}

static char *param_list(const struct workload *wl);

/* What can only be checked with every file loaded: the names an experiment
 * refers to, and its params against its workloads' declarations (a value
 * is stored in its canonical spelling). */
static int check_references(struct config *cfg, char **cause)
{
	for (size_t i = 0; i < cfg->nexperiments; i++) {
		const struct experiment *e = &cfg->experiments[i];
		for (size_t j = 0; e->runtimes && e->runtimes[j]; j++)
			if (!config_runtime(cfg, e->runtimes[j]))
				return cross_fail(cause, e, "runtimes: expected a defined "
				    "runtime, got \"%s\"", e->runtimes[j]);
		for (size_t j = 0; e->workloads && e->workloads[j]; j++)
			if (!config_workload(cfg, e->workloads[j]))
				return cross_fail(cause, e, "workloads: expected a defined "
				    "workload, got \"%s\"", e->workloads[j]);
		if (!config_runtime(cfg, e->baseline))
			return cross_fail(cause, e, "baseline: expected a defined runtime, "
			    "got \"%s\"", e->baseline);
		for (size_t j = 0; j < e->nneighbours; j++) {
			const struct neighbour *nb = &e->neighbours[j];
			const struct workload *wl = config_workload(cfg, nb->workload);
			if (!wl)
				return cross_fail(cause, e, "neighbours[%zu].workload: expected a "
				    "defined workload, got \"%s\"", j, nb->workload);
			/* Its own parameters: its workload's, each of its type. */
			for (size_t k = 0; k < nb->nparams; k++) {
				struct kv *prm = &nb->params[k];
				const struct param *decl = NULL;
				for (size_t d = 0; d < wl->nparams && !decl; d++)
					if (!strcmp(wl->params[d].name, prm->key))
						decl = &wl->params[d];
				_cleanup_free_ char *list = param_list(wl);
				if (!decl)
					return err_set(cause, "%s:%d: experiments.%s.neighbours[%zu].params.%s: expected a "
					    "parameter of workload %s (%s), got an undeclared one", prm->origin.file,
					    prm->origin.line, e->name, j, prm->key, wl->name, list);
				char *canon = NULL, *why = NULL;
				if (value_check(&decl->spec, prm->value, &canon, &why) < 0) {
					_cleanup_free_ char *want = value_spec_describe(&decl->spec);
					free(why);
					return err_set(cause, "%s:%d: experiments.%s.neighbours[%zu].params.%s: expected %s "
					    "(parameter %s of workload %s), got \"%s\"", prm->origin.file, prm->origin.line,
					    e->name, j, prm->key, want, prm->key, wl->name, prm->value);
				}
				if (canon) {
					free(prm->value);
					prm->value = canon;
				}
			}
		}
		for (size_t j = 0; j < e->nexpects; j++) {
			const struct expect *x = &e->expects[j];
			if (x->runtime && !config_runtime(cfg, x->runtime))
				return cross_fail(cause, e, "expect[%zu].runtime: expected a defined "
				    "runtime, got \"%s\"", j, x->runtime);
			if (x->vs && !config_runtime(cfg, x->vs))
				return cross_fail(cause, e, "expect[%zu].vs: expected a defined "
				    "runtime, got \"%s\"", j, x->vs);
		}
		/* So is a report metric that no workload has: it would hide
		 * every row. */
		for (size_t k = 0; e->report_metrics && e->report_metrics[k]; k++) {
			/* METRIC, or WORKLOAD.METRIC for one workload's only. */
			const char *entry = e->report_metrics[k], *dot = strrchr(entry, '.');
			const char *name = dot ? dot + 1 : entry;
			_cleanup_free_ char *only = dot ? xstrndup(entry, (size_t)(dot - entry)) : NULL;
			int found = 0, wl_found = !only;
			for (size_t j = 0; !found && e->workloads && e->workloads[j]; j++) {
				if (only && strcmp(only, e->workloads[j]))
					continue;
				wl_found = 1;
				const struct workload *wl = config_workload(cfg, e->workloads[j]);
				found = in_list(derived_metrics, name);
				for (size_t m = 0; !found && m < wl->nmetrics; m++)
					found = strcmp(wl->metrics[m].name, name) == 0;
			}
			if (!wl_found)
				return cross_fail(cause, e, "report_metrics[%zu]: expected WORKLOAD.METRIC with one of the "
				    "experiment's workloads, got \"%s\"", k, entry);
			if (!found)
				return cross_fail(cause, e, "report_metrics[%zu]: expected a metric of %s (or one a "
				    "report derives: startup_ms, create_ms, rss_kb, ...), got \"%s\"", k,
				    only ? only : "one of the experiment's workloads", entry);
		}
		if (e->sweep.param) {
			char *why = NULL;
			if (experiment_check_sweep(cfg, (struct experiment *)e, &why) < 0) {
				int r = err_set(cause, "%s:%d: experiments.%s.%s", e->origin.file, e->origin.line, e->name,
				    why);
				free(why);
				return r;
			}
		}
		/* A param no workload declares is a typo that would silently
		 * change nothing; a value of the wrong type would fail late,
		 * inside a tool, or not at all. */
		for (size_t k = 0; k < e->nparams; k++) {
			struct kv *prm = &e->params[k];
			char *canon = NULL, *why = NULL;
			if (experiment_check_param(cfg, e, prm->key, prm->value, 1, &canon, &why) < 0) {
				int r = err_set(cause, "%s:%d: experiments.%s.params.%s: %s",
				    prm->origin.file ? prm->origin.file : e->origin.file,
				    prm->origin.file ? prm->origin.line : e->origin.line, e->name, prm->key, why);
				free(why);
				return r;
			}
			if (canon) {
				free(prm->value);
				prm->value = canon;
			}
		}
	}
	return 0;
}

static int load_all(struct config *cfg, const struct config_text *extra, size_t nextra,
    char **cause)
{
	static const char *const subdirs[] = { "runtimes", "workloads", "experiments" };
	const char *datadir = config_datadir();
	struct stat st;

	int e = stat(datadir, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
	if (e)
		return err_set(cause, "%s: cannot open: %s (is isolab installed? "
		    "ISOLAB_DATADIR names another data directory, such as the source tree)", datadir, strerror(e));
	for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++) {
		_cleanup_free_ char *dir = xasprintf("%s/%s", datadir, subdirs[i]);
		if (load_dir(cfg, dir, cause) < 0)
			return -1;
	}

	if (load_one(cfg, SYSTEM_CONF, NULL, 0, 1, cause) < 0)
		return -1;
	if (strcmp(SYSCONFDIR "/isolab/isolab.conf", SYSTEM_CONF) != 0 &&
	    load_one(cfg, SYSCONFDIR "/isolab/isolab.conf", NULL, 0, 1, cause) < 0)
		return -1;

	_cleanup_free_ char *confhome = xdg_dir("XDG_CONFIG_HOME", ".config");
	if (confhome) {
		_cleanup_free_ char *user = xasprintf("%s/isolab/isolab.conf", confhome);
		if (load_one(cfg, user, NULL, 0, 1, cause) < 0)
			return -1;
	}

	for (size_t i = 0; i < nextra; i++)
		if (load_one(cfg, extra[i].path, extra[i].text, extra[i].len, 0, cause) < 0)
			return -1;

	if (check_references(cfg, cause) < 0)
		return -1;

	if (!cfg->theme)
		cfg->theme = xstrdup("default");
	if (!cfg->state_dir) {
		_cleanup_free_ char *state = xdg_dir("XDG_STATE_HOME", ".local/state");
		if (!state)
			return err_set(cause, "cannot find a state directory: set HOME, "
			    "XDG_STATE_HOME or state_dir");
		cfg->state_dir = xasprintf("%s/isolab", state);
	}
	if (!cfg->files)
		cfg->files = xcalloc(1, sizeof(*cfg->files));
	return 0;
}

int config_load_texts(struct config *cfg, const struct config_text *extra, size_t nextra,
    char **cause)
{
	memset(cfg, 0, sizeof(*cfg));
	if (load_all(cfg, extra, nextra, cause) < 0) {
		config_free(cfg);
		return -1;
	}
	return 0;
}

int config_load_file(struct config *cfg, const char *path, char **cause)
{
	memset(cfg, 0, sizeof(*cfg));
	if (load_one(cfg, path, NULL, 0, 0, cause) < 0) {
		config_free(cfg);
		return -1;
	}
	return 0;
}

int config_load(struct config *cfg, char *const *extra, size_t nextra, char **cause)
{
	_cleanup_free_ struct config_text *t = xcalloc(nextra ? nextra : 1, sizeof *t);
	for (size_t i = 0; i < nextra; i++)
		t[i].path = extra[i];
	return config_load_texts(cfg, t, nextra, cause);
}

/* ---- lookups ------------------------------------------------------------- */

#define FIND(arr, n, name)                                          \
	do {                                                        \
		for (size_t i_ = 0; name && i_ < (n); i_++)         \
			if (strcmp((arr)[i_].name, name) == 0)      \
				return &(arr)[i_];                  \
		return NULL;                                        \
	} while (0)

const struct runtime_conf *config_runtime(const struct config *cfg, const char *name)
{
	FIND(cfg->runtimes, cfg->nruntimes, name);
}

const struct workload *config_workload(const struct config *cfg, const char *name)
{
	FIND(cfg->workloads, cfg->nworkloads, name);
}

const struct experiment *config_experiment(const struct config *cfg, const char *name)
{
	FIND(cfg->experiments, cfg->nexperiments, name);
}

const struct host_conf *config_host(const struct config *cfg, const char *name)
{
	FIND(cfg->hosts, cfg->nhosts, name);
}

const char *runtime_option(const struct runtime_conf *rt, const char *key, const char *def)
{
	for (size_t i = 0; rt && i < rt->noptions; i++)
		if (strcmp(rt->options[i].key, key) == 0)
			return rt->options[i].value;
	return def;
}

/* ---- parameters of a run ------------------------------------------------- */

int workload_serves_host(const struct workload *wl)
{
	char **sides[] = { wl->companion, wl->setup };
	for (size_t i = 0; i < ARRAY_SIZE(sides); i++)
		for (char **a = sides[i]; a && *a; a++)
			if (strstr(*a, "${addr}") || strstr(*a, "${port}"))
				return 1;
	return 0;
}

static void add_unique(const struct workload **v, size_t *n, const struct workload *wl)
{
	for (size_t i = 0; wl && i < *n; i++)
		if (v[i] == wl)
			return;
	if (wl)
		v[(*n)++] = wl;
}

/* The workloads a run of exp starts, each once: its workloads, then its
 * neighbours'. Unknown names are left out (the caller reports them). */
static size_t run_workloads(const struct config *cfg, const struct experiment *exp,
    const struct workload ***out)
{
	size_t n = 0, cap = exp->nneighbours + 1;
	for (size_t i = 0; exp->workloads && exp->workloads[i]; i++)
		cap++;
	const struct workload **v = xcalloc(cap, sizeof(*v));
	for (size_t i = 0; exp->workloads && exp->workloads[i]; i++)
		add_unique(v, &n, config_workload(cfg, exp->workloads[i]));
	for (size_t i = 0; i < exp->nneighbours; i++)
		add_unique(v, &n, config_workload(cfg, exp->neighbours[i].workload));
	*out = v;
	return n;
}

/* "max_prime, seed" or "none". */
static char *param_list(const struct workload *wl)
{
	if (!wl->nparams)
		return xstrdup("none");
	const char **names = xcalloc(wl->nparams + 1, sizeof(*names));
	for (size_t i = 0; i < wl->nparams; i++)
		names[i] = wl->params[i].name;
	char *s = join(names);
	free(names);
	return s;
}

int limits_set(struct limits *l, const char *name, const char *value, char **cause)
{
	char *end;
	long long v;
	errno = 0;
	if (!strcmp(name, "cpus")) {
		double d = strtod(value, &end);
		if (end == value || *end || !(d > 0 && d <= 1024))
			return err_set(cause, "expected a number of CPUs > 0 and <= 1024, got \"%s\"", value);
		l->cpus = d;
	} else if (!strcmp(name, "cpuset")) {
		if (!valid_cpuset(value))
			return err_set(cause, "expected a CPU list like \"0-3,6\", got \"%s\"", value);
		l->cpuset = (char *)value;
	} else if (!strcmp(name, "weight") || !strcmp(name, "pids") || !strcmp(name, "io_weight")) {
		long long min = !strcmp(name, "io_weight") ? 10 : 1;
		long long max = !strcmp(name, "weight") ? 10000 : !strcmp(name, "pids") ? 4194304 : 1000;
		v = strtoll(value, &end, 10);
		if (end == value || *end || errno || v < min || v > max)
			return err_set(cause, "expected an integer from %lld to %lld, got \"%s\"", min, max, value);
		if (!strcmp(name, "weight"))
			l->weight = (unsigned)v;
		else if (!strcmp(name, "pids"))
			l->pids = (unsigned)v;
		else
			l->io_weight = (unsigned)v;
	} else if (!strcmp(name, "memory") || !strcmp(name, "memory_soft")) {
		uint64_t b;
		if (parse_size(value, &b) < 0 || !b)
			return err_set(cause, "expected a size like \"256M\", got \"%s\"", value);
		*(!strcmp(name, "memory") ? &l->mem_hard : &l->mem_soft) = b;
	} else {
		_cleanup_free_ char *known = join(limits_keys);
		return err_set(cause, "expected limits.NAME with NAME one of %s, got limits.%s", known, name);
	}
	return 0;
}

int experiment_check_sweep(const struct config *cfg, struct experiment *exp, char **cause)
{
	struct sweep *sw = &exp->sweep;
	if (!sw->param)
		return 0;
	int instances = !strcmp(sw->param, "instances");
	if (instances && exp->kind != EXP_SCALE)
		return err_set(cause, "sweep: param instances: expected a scale experiment (N instances at once), "
		    "got a%s %s experiment", exp->kind == EXP_ALLOCATION || exp->kind == EXP_INTERFERENCE ? "n" : "",
		    experiment_kind_name(exp->kind));
	if (!instances && exp->kind != EXP_BENCHMARK)
		return err_set(cause, "sweep: expected only in a benchmark experiment (or param instances in a scale "
		    "one), got it in a%s %s experiment", exp->kind == EXP_ALLOCATION || exp->kind == EXP_INTERFERENCE ?
		    "n" : "", experiment_kind_name(exp->kind));
	if (!sw->values || !sw->values[0])
		return err_set(cause, "sweep.values: expected at least one value, got none");
	for (size_t i = 0; sw->values[i]; i++) {
		char *canon = NULL, *why = NULL;
		const char *v = sw->values[i];
		int r;
		if (!strcmp(sw->param, "threads") || instances) {
			char *end;
			errno = 0;
			long long t = strtoll(v, &end, 10), max = instances ? 4096 : 1024;
			r = end == v || *end || errno || t < 1 || t > max ?
			    err_set(&why, "expected an integer from 1 to %lld, got \"%s\"", max, v) : 0;
			if (instances && !r && i && t <= strtoll(sw->values[i - 1], NULL, 10))
				r = err_set(&why, "expected instance counts in increasing order, got %s after %s", v,
				    sw->values[i - 1]);
		} else if (!strncmp(sw->param, "limits.", 7)) {
			struct limits l = { 0 };
			r = limits_set(&l, sw->param + 7, v, &why);
		} else {
			r = experiment_check_param(cfg, exp, sw->param, v, 1, &canon, &why);
		}
		if (r < 0) {
			r = err_set(cause, "sweep.values[%zu]: %s (sweep.param %s)", i, why, sw->param);
			free(why);
			return r;
		}
		if (canon) {
			free(sw->values[i]);
			sw->values[i] = canon;
		}
		for (size_t k = 0; k < i; k++)
			if (!strcmp(sw->values[k], sw->values[i]))
				return err_set(cause, "sweep.values[%zu]: expected each value once, got \"%s\" again", i,
				    sw->values[i]);
	}
	return 0;
}

int experiment_check_param(const struct config *cfg, const struct experiment *exp, const char *name,
    const char *value, int declared_by_any, char **canon, char **cause)
{
	const struct workload **wls = NULL;
	size_t nwl = run_workloads(cfg, exp, &wls);
	char *cur = NULL;
	int declared = 0, r = 0;

	if (canon)
		*canon = NULL;
	for (size_t w = 0; r == 0 && w < nwl; w++)
		for (size_t i = 0; r == 0 && i < wls[w]->nparams; i++) {
			const struct param *p = &wls[w]->params[i];
			char *c = NULL;
			if (strcmp(p->name, name))
				continue;
			declared = 1;
			if (value_check(&p->spec, cur ? cur : value, &c, NULL) < 0) {
				_cleanup_free_ char *want = value_spec_describe(&p->spec);
				_cleanup_free_ char *shown = printable(value);
				r = err_set(cause, "expected %s (parameter %s of workload %s), got \"%s\"", want,
				    name, wls[w]->name, shown);
			} else if (c) {
				free(cur);
				cur = c;
			}
		}
	if (r == 0 && !declared && declared_by_any) {
		if (nwl == 1) {
			_cleanup_free_ char *list = param_list(wls[0]);
			r = err_set(cause, "expected a parameter of workload %s (%s), got an undeclared one",
			    wls[0]->name, list);
		} else {
			char *all = xstrdup("");
			for (size_t w = 0; w < nwl; w++) {
				_cleanup_free_ char *list = param_list(wls[w]);
				char *next = xasprintf("%s%s%s: %s", all, w ? "; " : "", wls[w]->name, list);
				free(all);
				all = next;
			}
			r = err_set(cause, "expected a parameter of one of the workloads (%s), got an "
			    "undeclared one", all);
			free(all);
		}
	}
	free(wls);
	if (r == 0 && canon)
		*canon = cur;
	else
		free(cur);
	return r;
}

int parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0, mult = 1;
	const char *p = s;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	switch (*p) {
	case 'k': case 'K': mult = 1ULL << 10; p++; break;
	case 'm': case 'M': mult = 1ULL << 20; p++; break;
	case 'g': case 'G': mult = 1ULL << 30; p++; break;
	case 't': case 'T': mult = 1ULL << 40; p++; break;
	}
	/* "512M", "512MB", "512MiB" and "100B" all mean what people expect. */
	if (mult > 1 && p[0] == 'i' && p[1] == 'B')
		p += 2;
	else if (*p == 'B')
		p++;
	if (*p)
		return -1;
	if (v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

unsigned limits_requested(const struct limits *l)
{
	unsigned m = 0;
	if (!l)
		return 0;
	if (l->cpus > 0)
		m |= LIMIT_CPUS;
	if (l->cpuset && *l->cpuset)
		m |= LIMIT_CPUSET;
	if (l->weight)
		m |= LIMIT_WEIGHT;
	if (l->mem_hard)
		m |= LIMIT_MEM_HARD;
	if (l->mem_soft)
		m |= LIMIT_MEM_SOFT;
	if (l->pids)
		m |= LIMIT_PIDS;
	if (l->mem_pool)
		m |= LIMIT_POOL;
	if (l->io_weight)
		m |= LIMIT_IO_WEIGHT;
	return m;
}

const char *limit_name(unsigned mask)
{
	static const char *const names[] = { "cpus", "cpuset", "weight", "memory", "memory_soft", "pids", "memory_pool",
		"io_weight" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (mask & (1u << i))
			return names[i];
	return "none";
}

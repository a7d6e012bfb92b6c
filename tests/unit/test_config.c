/* test_config.c — the loader and its schema: good files give the right
 * values, every bad file gives exactly the expected "file:line: ..." message. */
#include "config.h"
#include "runtime.h"
#include "unit.h"
#include "util.h"

#include <check.h>
#include <dirent.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *data_path(const char *name)
{
	const char *top = getenv("top_srcdir");
	return xasprintf("%s/tests/data/config/%s", top ? top : ".", name);
}

/* An empty data directory and an empty config home, so that only the
 * files a test names are loaded (whatever is in ~/.config). */
static char tmpdir[64];

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void setup(void)
{
	strcpy(tmpdir, "/tmp/test_config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	_cleanup_free_ char *data = xasprintf("%s/data", tmpdir);
	_cleanup_free_ char *home = xasprintf("%s/home", tmpdir);
	_cleanup_free_ char *state = xasprintf("%s/state", tmpdir);
	ck_assert_int_eq(mkdir(data, 0700), 0);
	ck_assert_int_eq(mkdir(home, 0700), 0);
	setenv("ISOLAB_DATADIR", data, 1);
	setenv("XDG_CONFIG_HOME", home, 1);
	setenv("XDG_STATE_HOME", state, 1);
}

static void teardown(void)
{
	rm_rf(tmpdir);
}

/* Loads the named fixtures; fails the test with the cause on error. */
static void load_ok(struct config *cfg, const char *a, const char *b)
{
	char *extra[2] = { a ? data_path(a) : NULL, b ? data_path(b) : NULL };
	char *cause = NULL;
	int r = config_load(cfg, extra, b ? 2 : a ? 1 : 0, &cause);
	ck_assert_msg(r == 0, "config_load: %s", cause ? cause : "?");
	free(extra[0]);
	free(extra[1]);
}

/* A table-driven case: a file's text (or part of it) and the message
 * expected for it. */
struct text_case {
	const char *text;
	const char *msg;
};

/* Writes text to the file name in the test's directory and loads it
 * alone; fails the test with the cause on error. */
static void load_text(struct config *cfg, const char *name, const char *text)
{
	char *cause = NULL;
	_cleanup_free_ char *path = xasprintf("%s/%s", tmpdir, name);
	char *extra[] = { path };
	write_text(path, text);
	ck_assert_msg(config_load(cfg, extra, 1, &cause) == 0, "config_load: %s", cause ? cause : "?");
}

/* Checks errs[0..n) against "path:want[i]" each, and frees them. */
static void check_errors(char **errs, size_t n, const char *path, const char *const *want, size_t nwant)
{
	ck_assert_msg(n == nwant, "%zu errors, %zu expected; first: %s", n, nwant, n ? errs[0] : "-");
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *w = xasprintf("%s:%s", path, want[i]);
		ck_assert_str_eq(errs[i], w);
		free(errs[i]);
	}
	free(errs);
}

/* Writes text to path and checks that config_check_file gives exactly the
 * one message "path:msg" (msg starts with the line). */
static void check_text(const char *path, const char *text, const char *msg)
{
	char **errs = NULL;
	write_text(path, text);
	size_t n = config_check_file(path, &errs);
	check_errors(errs, n, path, &msg, 1);
}

/* Checks the one message config_check_file gives for a bad fixture. */
static void check_one(const char *name, int line, const char *msg)
{
	_cleanup_free_ char *path = data_path(name);
	_cleanup_free_ char *want = xasprintf("%s:%d: %s", path, line, msg);
	char **errs = NULL;
	size_t n = config_check_file(path, &errs);

	ck_assert_msg(n == 1, "%s: %zu errors, first: %s", name, n, n ? errs[0] : "-");
	ck_assert_str_eq(errs[0], want);
	free(errs[0]);
	free(errs);

	/* config_load stops at the same first message. */
	struct config cfg;
	char *cause = NULL;
	char *extra[1] = { path };
	ck_assert_int_eq(config_load(&cfg, extra, 1, &cause), -1);
	ck_assert_str_eq(cause, want);
	ck_assert_uint_eq(cfg.nruntimes, 0);
	free(cause);
}

START_TEST(test_good_values)
{
	struct config cfg;
	load_ok(&cfg, "good.conf", NULL);

	ck_assert_str_eq(cfg.theme, "dark");
	ck_assert_str_eq(cfg.state_dir, "/tmp/isolab-state");
	ck_assert_uint_eq(cfg.nruntimes, 2);
	ck_assert_ptr_nonnull(cfg.files);
	ck_assert_ptr_nonnull(strstr(cfg.files[0], "good.conf"));
	ck_assert_ptr_null(cfg.files[1]);

	const struct runtime_conf *rt = config_runtime(&cfg, "runc");
	ck_assert_ptr_nonnull(rt);
	ck_assert_str_eq(rt->driver, "oci");
	ck_assert_str_eq(rt->description, "runc with ptrace");
	ck_assert_uint_eq(rt->noptions, 4);
	ck_assert_str_eq(runtime_option(rt, "platform", "x"), "ptrace");
	ck_assert_str_eq(runtime_option(rt, "cpus", "x"), "2");
	ck_assert_str_eq(runtime_option(rt, "debug", "x"), "true");
	ck_assert_str_eq(runtime_option(rt, "absent", "dflt"), "dflt");
	ck_assert_int_eq(rt->origin.line, 7);
	ck_assert_ptr_nonnull(strstr(rt->origin.file, "good.conf"));
	ck_assert_ptr_null(config_runtime(&cfg, "gvisor"));

	const struct workload *wl = config_workload(&cfg, "cpu");
	ck_assert_ptr_nonnull(wl);
	ck_assert_str_eq(wl->description, "CPU: prime search");
	ck_assert_str_eq(wl->argv[0], "${probe}");
	ck_assert_str_eq(wl->argv[7], "${max_prime}");
	ck_assert_ptr_null(wl->argv[8]);
	ck_assert_ptr_null(wl->companion);
	ck_assert_str_eq(wl->ready, "kind=ready");
	ck_assert_str_eq(wl->rootfs, "host");
	ck_assert_int_eq(wl->companion_metrics, 0);
	ck_assert_uint_eq(wl->nparams, 2);
	ck_assert_str_eq(wl->params[0].name, "max_prime");
	ck_assert_str_eq(wl->params[0].value, "10000");
	ck_assert_str_eq(wl->params[0].description, "highest number tested");
	ck_assert_str_eq(wl->params[1].value, "64");
	ck_assert_ptr_null(wl->params[1].description);
	ck_assert_uint_eq(wl->nmetrics, 3);
	ck_assert_str_eq(wl->metrics[0].name, "rate");
	ck_assert_str_eq(wl->metrics[0].kind, "throughput");
	ck_assert_str_eq(wl->metrics[0].group, "value");
	ck_assert_str_eq(wl->metrics[0].unit, "events/s");
	ck_assert_int_eq(wl->metrics[0].higher_is_better, 1);
	ck_assert_int_eq(wl->metrics[0].summary, 0);
	ck_assert_double_eq(wl->metrics[0].scale, 1.0);
	ck_assert_int_eq(wl->metrics[0].origin.line, 26);
	/* A latency without `better` is better lower. */
	ck_assert_str_eq(wl->metrics[1].kind, "latency");
	ck_assert_int_eq(wl->metrics[1].higher_is_better, 0);
	ck_assert_str_eq(wl->metrics[1].group, "ns");
	ck_assert_double_eq_tol(wl->metrics[1].scale, 0.001, 1e-12);
	ck_assert_int_eq(wl->metrics[2].summary, 1);

	wl = config_workload(&cfg, "web");
	ck_assert_ptr_nonnull(wl);
	ck_assert_str_eq(wl->rootfs, "minimal");
	ck_assert_ptr_null(wl->ready);
	ck_assert_str_eq(wl->companion[3], "${addr}:${port}");
	ck_assert_int_eq(wl->companion_metrics, 1);
	ck_assert_str_eq(wl->prepare[2], "${datadir}");
	ck_assert_str_eq(wl->cleanup[2], "${run_dir}/${instance}");
	ck_assert_str_eq(wl->metrics[0].kind, "other");
	ck_assert_int_eq(wl->metrics[0].higher_is_better, 1);

	const struct experiment *e = config_experiment(&cfg, "quick");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(experiment_kind_name(e->kind), "interference");
	ck_assert_str_eq(e->title, "Quick");
	ck_assert_str_eq(e->question, "Q?");
	ck_assert_str_eq(e->explanation, "E.");
	ck_assert_str_eq(e->watch, "W.");
	ck_assert_str_eq(e->published, "P.");
	ck_assert_str_eq(e->runtimes[1], "runc");
	ck_assert_ptr_null(e->runtimes[2]);
	ck_assert_str_eq(e->workloads[1], "web");
	ck_assert_uint_eq(e->repetitions, 5);
	ck_assert_double_eq(e->duration, 2.0);
	ck_assert_uint_eq(e->warmup, 1);
	ck_assert_double_eq(e->grace, 0.0);
	ck_assert_uint_eq(e->threads, 4);
	ck_assert_str_eq(e->baseline, "runc");
	ck_assert_str_eq(e->network, "bridge");
	ck_assert_double_eq(e->limits.cpus, 1.5);
	ck_assert_str_eq(e->limits.cpuset, "0-1,3");
	ck_assert_uint_eq(e->limits.weight, 100);
	ck_assert_uint_eq(e->limits.mem_hard, 512ULL << 20);
	ck_assert_uint_eq(e->limits.mem_soft, 256ULL << 20);
	ck_assert_uint_eq(e->limits.pids, 100);
	ck_assert_uint_eq(e->nparams, 2);
	ck_assert_str_eq(e->params[0].key, "max_prime");
	ck_assert_str_eq(e->params[0].value, "20000");
	ck_assert_str_eq(e->params[1].value, "16");

	/* Defaults of everything left out. */
	e = config_experiment(&cfg, "minimal");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(experiment_kind_name(e->kind), "benchmark");
	ck_assert_uint_eq(e->repetitions, 3);
	ck_assert_double_eq(e->duration, 10.0);
	ck_assert_uint_eq(e->warmup, 0);
	ck_assert_double_eq(e->grace, 10.0);
	ck_assert_uint_eq(e->threads, 1);
	ck_assert_str_eq(e->baseline, "native");
	ck_assert_str_eq(e->network, "auto");
	ck_assert_ptr_null(e->title);
	ck_assert_double_eq(e->limits.cpus, 0);
	ck_assert_ptr_null(e->limits.cpuset);
	ck_assert_uint_eq(e->limits.mem_hard, 0);
	ck_assert_uint_eq(e->nparams, 0);

	const struct host_conf *h = config_host(&cfg, "lab1");
	ck_assert_ptr_nonnull(h);
	ck_assert_str_eq(h->address, "10.0.0.5");
	ck_assert_str_eq(h->user, "root");
	ck_assert_int_eq(h->port, 2222);
	ck_assert_str_ne(h->identity, "~/.ssh/id_ed25519");
	ck_assert_ptr_nonnull(strstr(h->identity, "/.ssh/id_ed25519"));
	h = config_host(&cfg, "lab2");
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(h->port, 22);
	ck_assert_ptr_null(h->user);

	config_free(&cfg);
	ck_assert_ptr_null(cfg.runtimes);
	ck_assert_uint_eq(cfg.nworkloads, 0);
}
END_TEST

START_TEST(test_override_replaces_whole)
{
	struct config cfg;
	load_ok(&cfg, "good.conf", "override.conf");

	ck_assert_str_eq(cfg.theme, "light");
	/* state_dir was not overridden: settings merge key by key. */
	ck_assert_str_eq(cfg.state_dir, "/tmp/isolab-state");
	ck_assert_uint_eq(cfg.nruntimes, 2);
	const struct runtime_conf *rt = config_runtime(&cfg, "runc");
	ck_assert_ptr_nonnull(rt);
	ck_assert_uint_eq(rt->noptions, 1);
	ck_assert_str_eq(runtime_option(rt, "binary", NULL), "/opt/runc");
	/* Replaced whole: nothing inherited from the earlier definition. */
	ck_assert_ptr_null(runtime_option(rt, "platform", NULL));
	ck_assert_ptr_null(rt->description);
	ck_assert_ptr_nonnull(strstr(rt->origin.file, "override.conf"));
	ck_assert_ptr_nonnull(strstr(cfg.files[1], "override.conf"));
	/* Untouched entries survive. */
	ck_assert_ptr_nonnull(config_runtime(&cfg, "native"));
	config_free(&cfg);
}
END_TEST

/* Data directory in sorted order, then the user file, then -c files. */
START_TEST(test_sources_order)
{
	struct config cfg;
	char *cause = NULL;
	_cleanup_free_ char *rtdir = xasprintf("%s/data/runtimes", tmpdir);
	_cleanup_free_ char *a = xasprintf("%s/10-a.conf", rtdir);
	_cleanup_free_ char *b = xasprintf("%s/9-b.conf", rtdir);
	_cleanup_free_ char *ignored = xasprintf("%s/notes.txt", rtdir);
	_cleanup_free_ char *udir = xasprintf("%s/home/isolab", tmpdir);
	_cleanup_free_ char *user = xasprintf("%s/isolab.conf", udir);
	_cleanup_free_ char *extra = xasprintf("%s/extra.conf", tmpdir);

	ck_assert_int_eq(mkdir_p(rtdir, 0700), 0);
	ck_assert_int_eq(mkdir_p(udir, 0700), 0);
	write_text(a, "runtimes = { x = { driver = \"a\"; }; native = { driver = \"native\"; }; };\n");
	write_text(b, "runtimes = { x = { driver = \"b\"; }; y = { driver = \"b\"; }; };\n");
	write_text(ignored, "not libconfig at all\n");

	ck_assert_int_eq(config_load(&cfg, NULL, 0, &cause), 0);
	/* Byte order: "10-a.conf" < "9-b.conf", so b wins. */
	ck_assert_str_eq(config_runtime(&cfg, "x")->driver, "b");
	ck_assert_str_eq(cfg.theme, "default");
	_cleanup_free_ char *state = xasprintf("%s/state/isolab", tmpdir);
	ck_assert_str_eq(cfg.state_dir, state);
	ck_assert_str_eq(cfg.files[0], a);
	ck_assert_str_eq(cfg.files[1], b);
	ck_assert_ptr_null(cfg.files[2]);
	config_free(&cfg);

	write_text(user, "theme = \"user\";\nruntimes = { y = { driver = \"user\"; }; };\n");
	write_text(extra, "runtimes = { y = { driver = \"extra\"; }; };\n");
	char *ex[1] = { extra };
	ck_assert_int_eq(config_load(&cfg, ex, 1, &cause), 0);
	ck_assert_str_eq(cfg.theme, "user");
	ck_assert_str_eq(config_runtime(&cfg, "y")->driver, "extra");
	ck_assert_str_eq(cfg.files[2], user);
	ck_assert_str_eq(cfg.files[3], extra);
	config_free(&cfg);

	/* An invalid user file stops the load and names itself. */
	write_text(user, "theme = 3;\n");
	ck_assert_int_eq(config_load(&cfg, NULL, 0, &cause), -1);
	_cleanup_free_ char *want = xasprintf("%s:1: theme: expected a string, got an integer", user);
	ck_assert_str_eq(cause, want);
	free(cause);
}
END_TEST

START_TEST(test_missing_files)
{
	struct config cfg;
	char *cause = NULL;
	_cleanup_free_ char *missing = xasprintf("%s/nope.conf", tmpdir);
	char *ex[1] = { missing };

	ck_assert_int_eq(config_load(&cfg, ex, 1, &cause), -1);
	_cleanup_free_ char *want = xasprintf("%s: cannot open: No such file or directory", missing);
	ck_assert_str_eq(cause, want);
	free(cause);
	cause = NULL;

	char **errs = NULL;
	ck_assert_uint_eq(config_check_file(missing, &errs), 1);
	ck_assert_str_eq(errs[0], want);
	free(errs[0]);
	free(errs);

	/* A missing data directory is an error, not an empty configuration. */
	setenv("ISOLAB_DATADIR", missing, 1);
	ck_assert_int_eq(config_load(&cfg, NULL, 0, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "cannot open: No such file or directory"));
	free(cause);
}
END_TEST

START_TEST(test_good_file_checks_clean)
{
	_cleanup_free_ char *path = data_path("good.conf");
	char **errs = (char **)1;
	ck_assert_uint_eq(config_check_file(path, &errs), 0);
	ck_assert_ptr_null(errs);
}
END_TEST

START_TEST(test_bad_syntax)
{
	check_one("bad-syntax.conf", 3, "syntax error: expected a value, got ';'");
}
END_TEST

START_TEST(test_bad_unknown_keys)
{
	check_one("bad-runtime-key.conf", 4, "runtimes.native.colour: expected one of "
	    "the keys driver, description, options, got an unknown key");
	check_one("bad-workload-key.conf", 4, "workloads.cpu.env: expected one of the "
	    "keys description, argv, params, companion, companion_metrics, companion_repeat, "
	    "prepare, setup, cleanup, ready, rootfs, guest_files, files, metrics, got an unknown key");
	check_one("bad-metric-key.conf", 7, "workloads.cpu.metrics[1].units: expected "
	    "one of the keys name, kind, pattern, group, unit, better, summary, scale, "
	    "got an unknown key");
	check_one("bad-limits-key.conf", 7, "experiments.quick.limits.swap: expected "
	    "one of the keys cpus, cpuset, weight, memory, memory_soft, pids, io_weight, got an "
	    "unknown key");
}
END_TEST

START_TEST(test_bad_values)
{
	check_one("bad-type.conf", 5, "experiments.quick.repetitions: expected an "
	    "integer from 1 to 1000, got a string");
	check_one("bad-range.conf", 5, "experiments.quick.duration: expected a number "
	    "> 0 and <= 86400, got 0");
	check_one("bad-enum.conf", 5, "experiments.quick.network: expected one of "
	    "auto, none, host, bridge, got \"wifi\"");
	check_one("bad-required.conf", 3, "runtimes.runc.driver: expected a string, "
	    "got nothing");
}
END_TEST

START_TEST(test_bad_workloads)
{
	check_one("bad-param.conf", 5, "workloads.cpu.argv[3]: expected a declared "
	    "parameter or a built-in (probe, duration, threads, addr, port, datadir, "
	    "instance, run_dir), got ${maxprime}");
	check_one("bad-pattern.conf", 6, "workloads.cpu.metrics[0].pattern: expected "
	    "a valid pcre2 pattern, got an error at offset 21: missing closing "
	    "parenthesis");
	check_one("bad-group.conf", 5, "workloads.cpu.metrics[0].pattern: expected a "
	    "named group (?<value>...) for the number, got none");
}
END_TEST

START_TEST(test_unknown_workload)
{
	_cleanup_free_ char *path = data_path("bad-unknown-workload.conf");
	char **errs = NULL;
	struct config cfg;
	char *cause = NULL;
	char *ex[1] = { path };

	/* Valid alone: the reference can only be checked with everything loaded. */
	ck_assert_uint_eq(config_check_file(path, &errs), 0);
	ck_assert_int_eq(config_load(&cfg, ex, 1, &cause), -1);
	_cleanup_free_ char *want = xasprintf("%s:7: experiments.broken.workloads: "
	    "expected a defined workload, got \"nope\"", path);
	ck_assert_str_eq(cause, want);
	free(cause);
}
END_TEST

START_TEST(test_check_reports_all)
{
	static const char *const want[] = {
		"1: flavour: expected one of the keys theme, state_dir, runtimes, "
		    "workloads, experiments, hosts, got an unknown key",
		"4: runtimes.runc.options.binary: expected a string or a number, got an array",
		"8: workloads.cpu.description: expected a string, got an integer",
		"9: workloads.cpu.argv[1]: expected a declared parameter or a built-in "
		    "(probe, duration, threads, addr, port, datadir, instance, run_dir), "
		    "got ${nope}",
		"10: workloads.cpu.rootfs: expected one of minimal, host, cow, got \"alpine\"",
		"12: workloads.cpu.metrics[0].kind: expected one of throughput, latency, "
		    "other, got \"speed\"",
		"12: workloads.cpu.metrics[0].unit: expected a string, got nothing",
		"12: workloads.cpu.metrics[0].better: expected one of higher, lower, got \"more\"",
		"12: workloads.cpu.metrics[0].pattern: expected a valid pcre2 pattern, got "
		    "an error at offset 15: missing closing parenthesis",
		"17: experiments.quick.workloads: expected an array of strings, got nothing",
		"18: experiments.quick.runtimes[1]: expected each name once, got \"native\" again",
		"19: experiments.quick.repetitions: expected an integer from 1 to 1000, got 1001",
		"20: experiments.quick.threads: expected an integer from 1 to 1024, got a "
		    "floating-point number",
		"21: experiments.quick.limits.cpuset: expected a CPU list like \"0-3,6\", got \"3-1\"",
		"21: experiments.quick.limits.weight: expected an integer from 1 to 10000, got 0",
		"21: experiments.quick.limits.memory: expected a size > 0 like \"512M\", got \"lots\"",
		"21: experiments.quick.limits.pids: expected an integer from 1 to 4194304, got 5000000",
		"24: hosts.lab1.address: expected a string, got nothing",
		"24: hosts.lab1.port: expected an integer from 1 to 65535, got 70000",
	};
	_cleanup_free_ char *path = data_path("bad-many.conf");
	char **errs = NULL;
	size_t n = config_check_file(path, &errs);
	check_errors(errs, n, path, want, ARRAY_SIZE(want));
}
END_TEST

/* Schema corners without a fixture each: one small file per case. */
START_TEST(test_schema_corners)
{
	static const struct text_case cases[] = {
		{ "state_dir = \"relative/dir\";\n",
		  "1: state_dir: expected an absolute path or ~/path, got \"relative/dir\"" },
		{ "theme = \"a b\";\n",
		  "1: theme: expected a name of letters, digits, '_', '.' and '-', got \"a b\"" },
		{ "runtimes = { x = \"oci\"; };\n",
		  "1: runtimes.x: expected a group { ... }, got a string" },
		{ "workloads = { w = { argv = [ ]; }; };\n",
		  "1: workloads.w.argv: expected an array of strings, got an empty array" },
		{ "workloads = { w = { argv = [ \"a\" ];\n metrics = { }; }; };\n",
		  "2: workloads.w.metrics: expected a list of groups ( { ... }, ... ), got a group" },
		{ "workloads = { w = { argv = [ \"${x\" ]; }; };\n",
		  "1: workloads.w.argv[0]: expected ${name} closed by '}', got \"${x\"" },
		{ "workloads = { w = { argv = [ \"a\" ];\n params = { port = { default = \"1\"; }; }; }; };\n",
		  "2: workloads.w.params.port: expected a name other than the built-ins (probe, "
		  "duration, threads, addr, port, datadir, instance, run_dir), got port" },
		{ "workloads = { w = { argv = [ \"a\" ];\n params = { p = { description = \"d\"; }; }; }; };\n",
		  "2: workloads.w.params.p.default: expected a string or a number, got nothing" },
		{ "workloads = { w = { argv = [ \"a\" ];\n companion_metrics = true; }; };\n",
		  "2: workloads.w.companion_metrics: expected a companion to take metrics from, got none" },
		{ "workloads = { w = { argv = [ \"a\" ];\n ready = \"(\"; }; };\n",
		  "2: workloads.w.ready: expected a valid pcre2 pattern, got an error at offset 1: "
		  "missing closing parenthesis" },
		{ "workloads = { w = { argv = [ \"a\" ]; metrics = ( {\n name = \"r\"; "
		  "pattern = \"(?<value>x)\"; unit = \"u\"; summary = 1; } ); }; };\n",
		  "2: workloads.w.metrics[0].summary: expected a boolean (true or false), got an integer" },
		{ "workloads = { w = { argv = [ \"a\" ]; metrics = ( {\n name = \"r\"; "
		  "pattern = \"(?<value>x)\"; unit = \"u\"; scale = 0; } ); }; };\n",
		  "2: workloads.w.metrics[0].scale: expected a number > 0, got 0" },
		{ "experiments = { e = { runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "limits = { memory = \"1G\"; memory_soft = \"2G\"; }; }; };\n",
		  "2: experiments.e.limits.memory_soft: expected at most memory (1073741824 "
		  "bytes), got 2147483648 bytes" },
		{ "experiments = { e = { runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "limits = { cpus = 0; }; }; };\n",
		  "2: experiments.e.limits.cpus: expected a number > 0 and <= 1024, got 0" },
		{ "experiments = { e = { runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "duration = 86401; }; };\n",
		  "2: experiments.e.duration: expected a number > 0 and <= 86400, got 86401" },
		{ "experiments = { e = { runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "grace = -1; }; };\n",
		  "2: experiments.e.grace: expected a number >= 0 and <= 3600, got -1" },
		{ "experiments = { e = { runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "warmup = 101; }; };\n",
		  "2: experiments.e.warmup: expected an integer from 0 to 100, got 101" },
		{ "experiments = { e = { runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "kind = \"race\"; }; };\n",
		  "2: experiments.e.kind: expected one of benchmark, interference, scale, "
		  "allocation, startup, got \"race\"" },
		{ "experiments = { e = { runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "params = { p = [ 1 ]; }; }; };\n",
		  "2: experiments.e.params.p: expected a string or a number, got an array" },
		{ "experiments = { e = { runtimes = [ \"a b\" ]; workloads = [ \"w\" ];\n}; };\n",
		  "1: experiments.e.runtimes[0]: expected a name of letters, digits, '_', '.' "
		  "and '-', got \"a b\"" },
		{ "experiments = { e = { runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "expect = { vs = \"m\"; ratio_min = 1; equivalent = 0; }; }; };\n",
		  "2: experiments.e.expect.equivalent: expected a number > 0 and <= 100, got 0" },
		{ "experiments = { e = { runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "expect = { vs = \"m\"; equivalent = 5; overhead_max = 2; }; }; };\n",
		  "2: experiments.e.expect: expected either equivalent or overhead bounds, got both "
		  "(equivalent is the two-sided claim)" },
		{ "experiments = { e = { runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "expect = { equivalent = 5; }; }; };\n",
		  "2: experiments.e.expect: expected vs or vs_variant with a ratio, overhead or equivalent "
		  "bound, got neither" },
		{ "experiments = { e = { runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "expect = { vs = \"m\"; ratio_min = 1; needs_kvm = 1; }; }; };\n",
		  "2: experiments.e.expect.needs_kvm: expected a boolean (true or false), got an integer" },
		{ "experiments = { e = { runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "sweep = { param = \"threads\"; values = [ ]; }; }; };\n",
		  "2: experiments.e.sweep.values: expected an array of values, got an empty one" },
		{ "experiments = { e = { runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "sweep = { param = \"threads\"; values = [ 1 ]; value = [ 1 ]; }; }; };\n",
		  "2: experiments.e.sweep.value: expected one of the keys param, values, got an unknown key" },
		/* Per-member limits: a neighbour's own, a variant's for its neighbours. */
		{ "experiments = { e = { kind = \"interference\"; runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "neighbours = ( { workload = \"w\"; limits = { cpuset = \"x\"; }; } ); }; };\n",
		  "2: experiments.e.neighbours[0].limits.cpuset: expected a CPU list like \"0-3,6\", got \"x\"" },
		{ "experiments = { e = { kind = \"interference\"; runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "neighbours = ( { workload = \"w\"; limit = { cpus = 1; }; } ); }; };\n",
		  "2: experiments.e.neighbours[0].limit: expected one of the keys workload, class, count, limits, params, "
		  "got an unknown key" },
		{ "experiments = { e = { kind = \"allocation\"; runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "variants = ( { name = \"v\"; neighbour_limits = { cpus = 1; }; } ); }; };\n",
		  "2: experiments.e.variants[0].neighbour_limits: expected only in an interference experiment "
		  "(the limits of its neighbours), got it in an allocation experiment" },
		{ "experiments = { e = { kind = \"interference\"; runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "variants = ( { name = \"v\"; count = 2; } ); }; };\n",
		  "2: experiments.e.variants[0].count: expected no count in an interference experiment "
		  "(its target is one instance; give the neighbours' count in neighbours)" },
		{ "experiments = { e = { runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "variants = ( { name = \"v\"; } ); }; };\n",
		  "2: experiments.e.variants: expected only in an allocation or interference experiment, "
		  "got them in a benchmark experiment" },
		{ "experiments = { e = { kind = \"interference\"; runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "variants = ( { name = \"v\"; } ); expect = ( { degradation_max = 5.0; } ); }; };\n",
		  "2: experiments.e.expect[0].variant: expected a variant such as \"v/neighbours\" (the experiment "
		  "has variants)" },
		{ "experiments = { e = { kind = \"interference\"; runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "variants = ( { name = \"v\"; } ); expect = ( { variant = \"v/a/b\"; degradation_max = 5.0; } ); }; };\n",
		  "2: experiments.e.expect[0].variant: expected a name of letters, digits, '_', '.' and '-', NAME=VALUE "
		  "or VARIANT/PHASE, got \"v/a/b\"" },
		/* The group's memory pool is the experiment's, not a member's. */
		{ "experiments = { e = { runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "memory_pool = \"lots\"; }; };\n",
		  "2: experiments.e.memory_pool: expected a size > 0 like \"512M\", got \"lots\"" },
		{ "experiments = { e = { runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "limits = { memory_pool = \"1G\"; }; }; };\n",
		  "2: experiments.e.limits.memory_pool: expected one of the keys cpus, cpuset, weight, memory, memory_soft, "
		  "pids, io_weight, got an unknown key" },
		/* I/O weights are on BFQ's and Docker's 10..1000 scale. */
		{ "experiments = { e = { runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "limits = { io_weight = 5; }; }; };\n",
		  "2: experiments.e.limits.io_weight: expected an integer from 10 to 1000, got 5" },
		{ "experiments = { e = { kind = \"interference\"; runtimes = [ \"n\" ]; workloads = [ \"w\" ];\n"
		  "neighbours = ( { workload = \"w\"; limits = { io_weight = \"high\"; }; } ); }; };\n",
		  "2: experiments.e.neighbours[0].limits.io_weight: expected an integer from 10 to 1000, got a string" },
	};
	_cleanup_free_ char *path = xasprintf("%s/case.conf", tmpdir);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_text(path, cases[i].text, cases[i].msg);
}
END_TEST

/* memory_pool reaches every member's limits: the experiment's, each
 * variant's (target and neighbours) and a neighbour's own, which replace
 * the experiment's whole. */
START_TEST(test_memory_pool)
{
	static const char text[] =
	    "runtimes = { n = { driver = \"native\"; }; };\n"
	    "workloads = { w = { argv = [ \"true\" ]; }; };\n"
	    "experiments = { e = { kind = \"interference\"; runtimes = [ \"n\" ]; workloads = [ \"w\" ]; baseline = \"n\";\n"
	    "  memory_pool = \"256M\";\n"
	    "  neighbours = ( { workload = \"w\"; limits = { memory = \"64M\"; pids = 8; }; } );\n"
	    "  variants = ( { name = \"hard\"; limits = { memory = \"192M\"; }; },\n"
	    "               { name = \"soft\"; limits = { memory_soft = \"192M\"; }; } ); }; };\n";
	struct config_text t = { .path = "pool.conf", .text = text, .len = sizeof text - 1 };
	struct config cfg;
	char *cause = NULL;
	ck_assert_msg(config_load_texts(&cfg, &t, 1, &cause) == 0, "%s", cause);
	const struct experiment *x = config_experiment(&cfg, "e");
	ck_assert_ptr_nonnull(x);
	const uint64_t pool = 256ull << 20;
	ck_assert_uint_eq(x->limits.mem_pool, pool);
	ck_assert_uint_eq(limits_requested(&x->limits), LIMIT_POOL);
	ck_assert_uint_eq(x->nvariants, 2);
	for (size_t i = 0; i < x->nvariants; i++) {
		ck_assert_uint_eq(x->variants[i].limits.mem_pool, pool);
		ck_assert_uint_eq(x->variants[i].neighbour_limits.mem_pool, pool);
	}
	ck_assert_uint_eq(x->variants[0].limits.mem_hard, 192ull << 20);
	ck_assert_uint_eq(x->neighbours[0].limits.mem_pool, pool);
	ck_assert_uint_eq(x->neighbours[0].limits.mem_hard, 64ull << 20);
	ck_assert_str_eq(limit_name(LIMIT_POOL), "memory_pool");
	config_free(&cfg);
}
END_TEST

/* io_weight: a member's own, beside its other limits; swept as limits.io_weight. */
START_TEST(test_io_weight)
{
	static const char text[] =
	    "runtimes = { n = { driver = \"native\"; }; };\n"
	    "workloads = { w = { argv = [ \"true\" ]; }; };\n"
	    "experiments = { e = { kind = \"interference\"; runtimes = [ \"n\" ]; workloads = [ \"w\" ]; baseline = \"n\";\n"
	    "  limits = { io_weight = 1000; };\n"
	    "  neighbours = ( { workload = \"w\"; limits = { io_weight = 10; memory = \"64M\"; pids = 8; }; } ); }; };\n";
	struct config_text t = { .path = "iow.conf", .text = text, .len = sizeof text - 1 };
	struct config cfg;
	char *cause = NULL;
	ck_assert_msg(config_load_texts(&cfg, &t, 1, &cause) == 0, "%s", cause);
	const struct experiment *x = config_experiment(&cfg, "e");
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->limits.io_weight, 1000);
	ck_assert_uint_eq(limits_requested(&x->limits), LIMIT_IO_WEIGHT);
	ck_assert_uint_eq(x->neighbours[0].limits.io_weight, 10);
	ck_assert_uint_eq(limits_requested(&x->neighbours[0].limits), LIMIT_IO_WEIGHT | LIMIT_MEM_HARD | LIMIT_PIDS);
	ck_assert_str_eq(limit_name(LIMIT_IO_WEIGHT), "io_weight");
	config_free(&cfg);

	struct limits l = { 0 };
	ck_assert_int_eq(limits_set(&l, "io_weight", "250", &cause), 0);
	ck_assert_uint_eq(l.io_weight, 250);
	ck_assert_int_eq(limits_set(&l, "io_weight", "9", &cause), -1);
	ck_assert_str_eq(cause, "expected an integer from 10 to 1000, got \"9\"");
	free(cause);
	cause = NULL;
	ck_assert_int_eq(limits_set(&l, "io_weight", "1001", &cause), -1);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(limits_set(&l, "weight", "0", &cause), -1);
	ck_assert_str_eq(cause, "expected an integer from 1 to 10000, got \"0\"");
	free(cause);
	ck_assert_uint_eq(l.io_weight, 250);
}
END_TEST

/* References checked once everything is loaded. */
START_TEST(test_cross_references)
{
	static const struct text_case cases[] = {
		{ "runtimes = { native = { driver = \"native\"; }; };\n"
		  "workloads = { w = { argv = [ \"a\" ]; }; };\n"
		  "experiments = { e = { runtimes = [ \"runc\" ]; workloads = [ \"w\" ]; }; };\n",
		  "3: experiments.e.runtimes: expected a defined runtime, got \"runc\"" },
		{ "runtimes = { native = { driver = \"native\"; }; };\n"
		  "workloads = { w = { argv = [ \"a\" ]; }; };\n"
		  "experiments = { e = { runtimes = [ \"native\" ]; workloads = [ \"w\" ];\n"
		  "baseline = \"kvm\"; }; };\n",
		  "3: experiments.e.baseline: expected a defined runtime, got \"kvm\"" },
		{ "runtimes = { native = { driver = \"native\"; }; };\n"
		  "workloads = { w = { argv = [ \"a\" ];\n params = { n = { default = 1; }; }; }; };\n"
		  "experiments = {\n e = { runtimes = [ \"native\" ]; workloads = [ \"w\" ];\n"
		  "params = { m = 2; }; }; };\n",
		  "6: experiments.e.params.m: expected a parameter of workload w (n), got an undeclared one" },
		/* Declared, but not of that type; the message names the param's own line. */
		{ "runtimes = { native = { driver = \"native\"; }; };\n"
		  "workloads = { w = { argv = [ \"${n}\" ];\n params = { n = { type = \"int\"; min = 1; max = 9;\n"
		  "default = 1; }; }; }; };\n"
		  "experiments = {\n e = { runtimes = [ \"native\" ]; workloads = [ \"w\" ];\n"
		  "params = {\n n = 10; }; }; };\n",
		  "8: experiments.e.params.n: expected an integer from 1 to 9 (parameter n of workload w), got \"10\"" },
		/* Several workloads: declared by one is enough, a misspelling lists them all... */
		{ "runtimes = { native = { driver = \"native\"; }; };\n"
		  "workloads = { a = { argv = [ \"${x}\" ]; params = { x = { default = 1; }; }; };\n"
		  "b = { argv = [ \"b\" ]; }; };\n"
		  "experiments = { e = { runtimes = [ \"native\" ]; workloads = [ \"a\", \"b\" ];\n"
		  "params = { y = 2; }; }; };\n",
		  "5: experiments.e.params.y: expected a parameter of one of the workloads (a: x; b: none), got an "
		  "undeclared one" },
		/* ... and the value must fit every workload that declares it. */
		{ "runtimes = { native = { driver = \"native\"; }; };\n"
		  "workloads = { a = { argv = [ \"${x}\" ]; params = { x = { type = \"size\"; default = 1; }; }; };\n"
		  "b = { argv = [ \"${x}\" ]; params = { x = { type = \"int\"; default = 1; }; }; }; };\n"
		  "experiments = { e = { runtimes = [ \"native\" ]; workloads = [ \"b\" ];\n"
		  "neighbours = ( { workload = \"a\"; } );\n"
		  "params = { x = \"64M\"; }; }; };\n",
		  "6: experiments.e.params.x: expected an integer (parameter x of workload b), got \"64M\"" },
		{ "runtimes = { native = { driver = \"native\"; }; };\n"
		  "workloads = { w = { argv = [ \"a\" ]; metrics = ( { name = \"rate\"; pattern = \"(?<value>x)\";"
		  " unit = \"x\"; } ); }; };\n"
		  "experiments = { e = { runtimes = [ \"native\" ]; workloads = [ \"w\" ];\n"
		  "report_metrics = [ \"rate\", \"startup_ms\", \"w.rtae\" ]; }; };\n",
		  "3: experiments.e.report_metrics[2]: expected a metric of w (or one a report derives: "
		  "startup_ms, create_ms, rss_kb, ...), got \"w.rtae\"" },
		{ "runtimes = { native = { driver = \"native\"; }; };\n"
		  "workloads = { w = { argv = [ \"a\" ]; }; };\n"
		  "experiments = { e = { runtimes = [ \"native\" ]; workloads = [ \"w\" ];\n"
		  "report_metrics = [ \"cpu.rate\" ]; }; };\n",
		  "3: experiments.e.report_metrics[0]: expected WORKLOAD.METRIC with one of the "
		  "experiment's workloads, got \"cpu.rate\"" },
		/* A neighbour's own params: its workload's, of their type. */
		{ "runtimes = { native = { driver = \"native\"; }; };\n"
		  "workloads = { w = { argv = [ \"${n}\" ];\n params = { n = { type = \"int\"; min = 1; max = 9;\n"
		  "default = 1; }; }; }; };\n"
		  "experiments = {\n e = { kind = \"interference\"; runtimes = [ \"native\" ]; workloads = [ \"w\" ];\n"
		  "neighbours = ( { workload = \"w\";\n params = { n = 12; }; } ); }; };\n",
		  "8: experiments.e.neighbours[0].params.n: expected an integer from 1 to 9 (parameter n of workload w), "
		  "got \"12\"" },
		/* A sweep: its values checked as the param they set. */
		{ "runtimes = { native = { driver = \"native\"; }; };\n"
		  "workloads = { w = { argv = [ \"${n}\" ];\n params = { n = { type = \"int\"; min = 1; max = 9;\n"
		  "default = 1; }; }; }; };\n"
		  "experiments = {\n e = { runtimes = [ \"native\" ]; workloads = [ \"w\" ];\n"
		  "sweep = { param = \"n\"; values = [ 1, 5, 10 ]; }; }; };\n",
		  "6: experiments.e.sweep.values[2]: expected an integer from 1 to 9 (parameter n of workload w), "
		  "got \"10\" (sweep.param n)" },
		{ "runtimes = { native = { driver = \"native\"; }; };\n"
		  "workloads = { w = { argv = [ \"a\" ]; }; };\n"
		  "experiments = { e = { runtimes = [ \"native\" ]; workloads = [ \"w\" ];\n"
		  "sweep = { param = \"thread\"; values = [ 1, 2 ]; }; }; };\n",
		  "3: experiments.e.sweep.values[0]: expected a parameter of workload w (none), got an undeclared one "
		  "(sweep.param thread)" },
		{ "runtimes = { native = { driver = \"native\"; }; };\n"
		  "workloads = { w = { argv = [ \"a\" ]; }; };\n"
		  "experiments = { e = { runtimes = [ \"native\" ]; workloads = [ \"w\" ];\n"
		  "sweep = { param = \"threads\"; values = [ 1, 2, 1 ]; }; }; };\n",
		  "3: experiments.e.sweep.values[2]: expected each value once, got \"1\" again" },
		{ "runtimes = { native = { driver = \"native\"; }; };\n"
		  "workloads = { w = { argv = [ \"a\" ]; }; };\n"
		  "experiments = { e = { runtimes = [ \"native\" ]; workloads = [ \"w\" ];\n"
		  "sweep = { param = \"limits.cpu\"; values = [ 1 ]; }; }; };\n",
		  "3: experiments.e.sweep.values[0]: expected limits.NAME with NAME one of cpus, cpuset, weight, "
		  "memory, memory_soft, pids, io_weight, got limits.cpu (sweep.param limits.cpu)" },
		{ "runtimes = { native = { driver = \"native\"; }; };\n"
		  "workloads = { w = { argv = [ \"a\" ]; }; };\n"
		  "experiments = { e = { runtimes = [ \"native\" ]; workloads = [ \"w\" ];\n"
		  "sweep = { param = \"limits.memory\"; values = [ \"64M\", \"lots\" ]; }; }; };\n",
		  "3: experiments.e.sweep.values[1]: expected a size like \"256M\", got \"lots\" (sweep.param "
		  "limits.memory)" },
		{ "runtimes = { native = { driver = \"native\"; }; };\n"
		  "workloads = { w = { argv = [ \"a\" ]; }; };\n"
		  "experiments = { e = { kind = \"scale\"; runtimes = [ \"native\" ]; workloads = [ \"w\" ];\n"
		  "sweep = { param = \"threads\"; values = [ 1, 2 ]; }; }; };\n",
		  "3: experiments.e.sweep: expected only in a benchmark experiment (or param instances in a scale one), "
		  "got it in a scale experiment" },
		{ "runtimes = { native = { driver = \"native\"; }; };\n"
		  "workloads = { w = { argv = [ \"a\" ]; }; };\n"
		  "experiments = { e = { runtimes = [ \"native\" ]; workloads = [ \"w\" ];\n"
		  "sweep = { param = \"instances\"; values = [ 1, 2 ]; }; }; };\n",
		  "3: experiments.e.sweep: param instances: expected a scale experiment (N instances at once), got a "
		  "benchmark experiment" },
	};
	_cleanup_free_ char *path = xasprintf("%s/case.conf", tmpdir);
	char *ex[1] = { path };

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config cfg;
		char *cause = NULL;
		write_text(path, cases[i].text);
		ck_assert_int_eq(config_load(&cfg, ex, 1, &cause), -1);
		_cleanup_free_ char *want = xasprintf("%s:%s", path, cases[i].msg);
		ck_assert_str_eq(cause, want);
		free(cause);
	}
}
END_TEST

START_TEST(test_include_relative)
{
	_cleanup_free_ char *sub = xasprintf("%s/inc", tmpdir);
	_cleanup_free_ char *main_conf = xasprintf("%s/main.conf", sub);
	_cleanup_free_ char *part = xasprintf("%s/part.conf", sub);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	write_text(part, "runtimes = { r = { driver = \"x\";\n bogus = 1; }; };\n");
	write_text(main_conf, "theme = \"t\";\n@include \"part.conf\"\n");

	/* The error names the included file and its own line. */
	char **errs = NULL;
	ck_assert_uint_eq(config_check_file(main_conf, &errs), 1);
	_cleanup_free_ char *want = xasprintf("%s:2: runtimes.r.bogus: expected one of "
	    "the keys driver, description, options, got an unknown key", part);
	ck_assert_str_eq(errs[0], want);
	free(errs[0]);
	free(errs);
}
END_TEST

/* Found by tests/fuzz/fuzz_config: "@include \"", NUL bytes, then a file
 * name made libconfig's scanner exit() the process ("input in flex scanner
 * failed"). Now it is an error like any other, in both paths. */
START_TEST(test_include_nul)
{
	check_one("include-nul.conf", 2, "a NUL byte: a configuration file is text");
}
END_TEST

/* The in-memory path (config_load_texts, config_check_text) is the file
 * path: the same values, origins and messages. */
START_TEST(test_texts_same_as_files)
{
	_cleanup_free_ char *good = data_path("good.conf");
	_cleanup_free_ char *bad = data_path("bad-many.conf");
	size_t glen = 0, blen = 0;
	_cleanup_free_ char *gtext = read_file(good, &glen);
	_cleanup_free_ char *btext = read_file(bad, &blen);
	ck_assert_ptr_nonnull(gtext);
	ck_assert_ptr_nonnull(btext);

	struct config a, b;
	load_ok(&a, "good.conf", NULL);
	struct config_text t = { .path = good, .text = gtext, .len = glen };
	char *cause = NULL;
	ck_assert_msg(config_load_texts(&b, &t, 1, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(a.nruntimes, b.nruntimes);
	ck_assert_uint_eq(a.nworkloads, b.nworkloads);
	ck_assert_uint_eq(a.nexperiments, b.nexperiments);
	ck_assert_str_eq(a.runtimes[1].origin.file, b.runtimes[1].origin.file);
	ck_assert_int_eq(a.runtimes[1].origin.line, b.runtimes[1].origin.line);
	ck_assert_str_eq(a.files[0], b.files[0]);
	config_free(&a);
	config_free(&b);

	char **ea = NULL, **eb = NULL;
	struct config_text bt = { .path = bad, .text = btext, .len = blen };
	size_t na = config_check_file(bad, &ea), nb = config_check_text(&bt, &eb);
	ck_assert_uint_gt(na, 1);
	ck_assert_uint_eq(na, nb);
	for (size_t i = 0; i < na; i++) {
		ck_assert_str_eq(ea[i], eb[i]);
		free(ea[i]);
		free(eb[i]);
	}
	free(ea);
	free(eb);
}
END_TEST

START_TEST(test_parse_size)
{
	static const struct {
		const char *s;
		int ok;
		uint64_t v;
	} cases[] = {
		{ "100", 1, 100 },
		{ "0", 1, 0 },
		{ "512k", 1, 512ULL << 10 },
		{ "512K", 1, 512ULL << 10 },
		{ "64M", 1, 64ULL << 20 },
		{ "64MB", 1, 64ULL << 20 },
		{ "64MiB", 1, 64ULL << 20 },
		{ "1G", 1, 1ULL << 30 },
		{ "2t", 1, 2ULL << 40 },
		{ "100B", 1, 100 },
		{ "18446744073709551615", 1, UINT64_MAX },
		{ "18446744073709551616", 0, 0 },
		{ "16777216T", 0, 0 },
		{ "", 0, 0 },
		{ "M", 0, 0 },
		{ "-1", 0, 0 },
		{ " 1", 0, 0 },
		{ "1 ", 0, 0 },
		{ "1.5G", 0, 0 },
		{ "1X", 0, 0 },
		{ "1iB", 0, 0 },
		{ "1GG", 0, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t v = 12345;
		int r = parse_size(cases[i].s, &v);
		ck_assert_msg(r == (cases[i].ok ? 0 : -1), "parse_size(\"%s\") = %d",
		    cases[i].s, r);
		if (cases[i].ok)
			ck_assert_msg(v == cases[i].v, "parse_size(\"%s\") = %llu", cases[i].s,
			    (unsigned long long)v);
		else
			ck_assert_uint_eq(v, 12345);
	}
	ck_assert_int_eq(parse_size(NULL, &(uint64_t){ 0 }), -1);
}
END_TEST

START_TEST(test_experiment_defaults)
{
	struct experiment e;
	experiment_defaults(&e);
	ck_assert_str_eq(experiment_kind_name(e.kind), "benchmark");
	ck_assert_uint_eq(e.repetitions, 3);
	ck_assert_double_eq(e.duration, 10.0);
	ck_assert_double_eq(e.grace, 10.0);
	ck_assert_uint_eq(e.threads, 1);
	ck_assert_str_eq(e.baseline, "native");
	ck_assert_str_eq(e.network, "auto");
	experiment_clear(&e);
	ck_assert_int_eq(e.kind, EXP_BENCHMARK);
}
END_TEST

/* The shipped data directory (the source tree) must load and be valid. */
START_TEST(test_shipped_data)
{
	const char *top = getenv("top_srcdir");
	_cleanup_free_ char *topdir = xstrdup(top ? top : ".");
	struct config cfg;
	char *cause = NULL;

	setenv("ISOLAB_DATADIR", topdir, 1);
	ck_assert_msg(config_load(&cfg, NULL, 0, &cause) == 0, "%s", cause);

	const struct runtime_conf *rt = config_runtime(&cfg, "native");
	ck_assert_ptr_nonnull(rt);
	ck_assert_str_eq(rt->driver, "native");
	static const char *const names[] = { "cpu", "mem", "syscall", "ctxsw", "fork",
		"file", "start" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		ck_assert_msg(config_workload(&cfg, names[i]), "no workload %s", names[i]);
	/* A VM's guest gets PostgreSQL's share directory, by reference. */
	const struct workload *pg = config_workload(&cfg, "postgresql");
	ck_assert_ptr_nonnull(pg);
	ck_assert_ptr_nonnull(pg->guest_files);
	ck_assert_str_eq(pg->guest_files[0], "${pgshare}");
	ck_assert_ptr_null(config_workload(&cfg, "cpu")->guest_files);

	const struct experiment *e = config_experiment(&cfg, "quick");
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->repetitions, 2);
	ck_assert_double_eq(e->duration, 2.0);
	ck_assert_str_eq(e->runtimes[0], "native");
	ck_assert_str_eq(e->workloads[0], "cpu");
	ck_assert_str_eq(e->workloads[1], "syscall");
	ck_assert_ptr_null(e->workloads[2]);
	e = config_experiment(&cfg, "default");
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->repetitions, 3);
	ck_assert_double_eq(e->duration, 5.0);
	ck_assert_str_eq(e->workloads[5], "file");
	ck_assert_ptr_null(e->workloads[6]);
	ck_assert_int_eq(e->skip_unavailable, 0);
	ck_assert_ptr_null(e->report_metrics);
	/* What ./quickstart runs: every runtime of the comparison, those this
	 * host cannot run left out. */
	e = config_experiment(&cfg, "first-look");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->skip_unavailable, 1);
	ck_assert_str_eq(e->runtimes[0], "native");
	ck_assert_str_eq(e->report_metrics[0], "cpu.rate");

	/* Every shipped runtime's options are its driver's. */
	char **oerrs = NULL;
	size_t on = runtimes_check_options(&cfg, &oerrs);
	ck_assert_msg(on == 0, "%s", on ? oerrs[0] : "");
	free(oerrs);

	/* Each shipped file is also clean on its own. */
	for (size_t i = 0; cfg.files[i]; i++) {
		char **errs = NULL;
		size_t n = config_check_file(cfg.files[i], &errs);
		ck_assert_msg(n == 0, "%s", n ? errs[0] : "");
	}
	config_free(&cfg);
}
END_TEST

/* Checks one type: each of ok[] is accepted as is, each pair of canon[]
 * (value, canonical spelling) accepted and respelt, and each pair of bad[]
 * (value, message) refused with that message. */
static void check_values(const struct value_spec *spec, const char *const *ok, const char *const *canon,
    const char *const *bad)
{
	for (size_t i = 0; ok && ok[i]; i++) {
		char *c = NULL, *why = NULL;
		ck_assert_msg(value_check(spec, ok[i], &c, &why) == 0, "\"%s\": %s", ok[i], why);
		ck_assert_msg(c == NULL, "\"%s\" respelt \"%s\"", ok[i], c);
		ck_assert_int_eq(value_check(spec, ok[i], NULL, NULL), 0);
	}
	for (size_t i = 0; canon && canon[i]; i += 2) {
		char *c = NULL;
		ck_assert_int_eq(value_check(spec, canon[i], &c, NULL), 0);
		ck_assert_str_eq(c, canon[i + 1]);
		free(c);
	}
	for (size_t i = 0; bad && bad[i]; i += 2) {
		char *c = NULL, *why = NULL;
		ck_assert_msg(value_check(spec, bad[i], &c, &why) == -1, "\"%s\" accepted", bad[i]);
		ck_assert_str_eq(why, bad[i + 1]);
		ck_assert_ptr_null(c);
		free(why);
	}
}

#define STRS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Parameter and option types: what each accepts, the canonical spelling
 * substituted, and the message for the rest. */
START_TEST(test_value_types)
{
	check_values(&(struct value_spec){ .type = VT_STRING }, STRS("any text at all", ""), NULL, NULL);
	check_values(&(struct value_spec){ .type = VT_INT }, STRS("42", "-7"), NULL,
	    STRS("4x", "expected an integer, got \"4x\"", " 4", "expected an integer, got \" 4\"",
		"+4", "expected an integer, got \"+4\"", "", "expected an integer, got \"\"",
		"99999999999999999999", "expected an integer, got \"99999999999999999999\"",
		/* A value quoted back never breaks the message's line. */
		"1\n2", "expected an integer, got \"1?2\""));
	check_values(&(struct value_spec){ .type = VT_INT, .has_min = 1, .min = 1, .has_max = 1, .max = 64 },
	    STRS("1", "64"), NULL, STRS("0", "expected an integer from 1 to 64, got \"0\""));
	check_values(&(struct value_spec){ .type = VT_INT, .has_min = 1, .min = 1 }, NULL, NULL,
	    STRS("0", "expected an integer >= 1, got \"0\""));
	check_values(&(struct value_spec){ .type = VT_INT, .has_max = 1, .max = 5 }, NULL, NULL,
	    STRS("6", "expected an integer <= 5, got \"6\""));
	check_values(&(struct value_spec){ .type = VT_NUMBER }, STRS("0.5", "1e3", "-2"), NULL,
	    STRS("nan", "expected a number, got \"nan\"", "0x10", "expected a number, got \"0x10\"",
		"1,5", "expected a number, got \"1,5\""));
	check_values(&(struct value_spec){ .type = VT_NUMBER, .has_min = 1, .min = 0, .has_max = 1, .max = 1 },
	    STRS("0", "1"), NULL, STRS("1.5", "expected a number from 0 to 1, got \"1.5\""));
	check_values(&(struct value_spec){ .type = VT_SIZE }, STRS("256M", "100", "1536M"),
	    STRS("4096", "4K", "4KiB", "4K", "4k", "4K", "1024M", "1G"),
	    STRS("1.5G", "expected a size like 512M, got \"1.5G\""));
	check_values(&(struct value_spec){ .type = VT_SIZE, .has_min = 1, .min = 64 << 20 }, STRS("64M"), NULL,
	    STRS("32M", "expected a size >= 64M, got \"32M\""));
	check_values(&(struct value_spec){ .type = VT_SIZE, .has_min = 1, .min = 512, .has_max = 1, .max = 64 << 20 },
	    NULL, NULL, STRS("128M", "expected a size from 512 to 64M, got \"128M\""));
	check_values(&(struct value_spec){ .type = VT_BOOL }, STRS("1", "0"),
	    STRS("yes", "1", "true", "1", "on", "1", "off", "0", "false", "0", "no", "0"),
	    STRS("2", "expected 0 or 1 (or true, false, yes, no, on, off), got \"2\""));
	check_values(&(struct value_spec){ .type = VT_CHOICE, .choices = STRS("pc", "microvm") }, STRS("microvm"),
	    NULL, STRS("q35", "expected one of pc, microvm, got \"q35\""));
	ck_assert_str_eq(value_type_name(VT_SIZE), "size");
	ck_assert_str_eq(value_type_name(VT_CHOICE), "choice");
}
END_TEST

/* A workload's parameter declarations: type, bounds, choices, and a
 * default that must fit them (stored canonical). */
START_TEST(test_param_declarations)
{
	static const struct text_case cases[] = {
		{ "type = \"integer\"; default = 1;",
		  "3: workloads.w.params.n.type: expected one of string, int, number, size, bool, choice, got \"integer\"" },
		{ "type = \"string\"; min = 1; default = \"a\";",
		  "3: workloads.w.params.n.min: expected no min with type \"string\" (only int, number and size have "
		  "bounds), got one" },
		{ "type = \"int\"; min = 5; max = 2; default = 3;",
		  "3: workloads.w.params.n.max: expected at least min (5), got 2" },
		{ "type = \"int\"; min = 1.5; default = 3;",
		  "3: workloads.w.params.n.min: expected an integer, got a floating-point number" },
		{ "type = \"size\"; min = \"lots\"; default = \"1M\";",
		  "3: workloads.w.params.n.min: expected a size like \"512M\" or a number of bytes, got a string" },
		{ "type = \"choice\"; default = \"a\";",
		  "3: workloads.w.params.n.choices: expected an array of strings with type \"choice\", got nothing" },
		{ "type = \"int\"; choices = [ \"a\" ]; default = 1;",
		  "3: workloads.w.params.n.choices: expected no choices with type \"int\" (choices go with type "
		  "\"choice\"), got some" },
		{ "type = \"int\"; max = 9; default = 10;",
		  "3: workloads.w.params.n.default: expected an integer <= 9, got \"10\"" },
		{ "type = \"choice\"; choices = [ \"a\", \"b\" ]; default = \"c\";",
		  "3: workloads.w.params.n.default: expected one of a, b, got \"c\"" },
		{ "type = \"bool\"; default = 2;",
		  "3: workloads.w.params.n.default: expected 0 or 1 (or true, false, yes, no, on, off), got \"2\"" },
		{ "type = \"int\"; glob = true; default = 1;",
		  "3: workloads.w.params.n.glob: expected glob only with type \"string\", got type \"int\"" },
	};
	_cleanup_free_ char *path = xasprintf("%s/case.conf", tmpdir);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *text = xasprintf("workloads = { w = { argv = [ \"${n}\" ];\n params = {\n"
		    "  n = { %s };\n }; }; };\n", cases[i].text);
		check_text(path, text, cases[i].msg);
	}

	/* Good declarations: defaults stored in their canonical spelling. */
	struct config cfg;
	load_text(&cfg, "case.conf", "workloads = { w = { argv = [ \"${a}${b}${c}${d}${e}\" ];\n params = {\n"
	    "  a = { type = \"size\"; min = 512; max = \"64M\"; default = 4096; };\n"
	    "  b = { type = \"bool\"; default = true; };\n"
	    "  c = { type = \"choice\"; choices = [ \"x\", \"y\" ]; default = \"y\"; description = \"c\"; };\n"
	    "  d = { type = \"number\"; min = 0; max = 1.5; default = 0.25; };\n"
	    "  e = { default = \"free text\"; };\n"
	    " }; }; };\n");
	const struct workload *wl = config_workload(&cfg, "w");
	ck_assert_uint_eq(wl->nparams, 5);
	ck_assert_str_eq(wl->params[0].value, "4K");
	ck_assert_int_eq(wl->params[0].spec.type, VT_SIZE);
	ck_assert_double_eq(wl->params[0].spec.min, 512);
	ck_assert_double_eq(wl->params[0].spec.max, 64 << 20);
	ck_assert_str_eq(wl->params[1].value, "1");
	ck_assert_str_eq(wl->params[2].spec.choices[1], "y");
	ck_assert_ptr_null(wl->params[2].spec.choices[2]);
	ck_assert_int_eq(wl->params[3].spec.type, VT_NUMBER);
	ck_assert_int_eq(wl->params[4].spec.type, VT_STRING);
	ck_assert_int_eq(wl->params[4].origin.line, 7);
	config_free(&cfg);
}
END_TEST

/* glob = true: a default is its pattern's newest match on this host, in
 * version order (15 over 9, which a plain sort puts last), or the pattern
 * itself, unmatched, when nothing matches. */
START_TEST(test_param_glob)
{
	const char *versions[] = { "9", "10", "15", "15beta" };
	_cleanup_free_ char *top = xasprintf("%s/pg", tmpdir);
	ck_assert_int_eq(mkdir(top, 0700), 0);
	for (size_t i = 0; i < ARRAY_SIZE(versions); i++) {
		_cleanup_free_ char *d = xasprintf("%s/%s", top, versions[i]);
		ck_assert_int_eq(mkdir(d, 0700), 0);
	}
	_cleanup_free_ char *bin = xasprintf("%s/15/bin", top);
	ck_assert_int_eq(mkdir(bin, 0700), 0);
	_cleanup_free_ char *text = xasprintf("workloads = { w = { argv = [ \"${a}${b}${c}\" ];\n params = {\n"
	    "  a = { glob = true; default = \"%s/*/bin\"; };\n"
	    "  b = { glob = true; default = \"%s/[0-9]*\"; };\n"
	    "  c = { type = \"string\"; glob = true; default = \"%s/none/*\"; };\n"
	    " }; }; };\n", top, top, top);
	struct config cfg;
	load_text(&cfg, "case.conf", text);
	const struct workload *wl = config_workload(&cfg, "w");
	ck_assert_str_eq(wl->params[0].value, bin);
	ck_assert_int_eq(wl->params[0].unmatched, 0);
	_cleanup_free_ char *pa = xasprintf("%s/*/bin", top);
	ck_assert_str_eq(wl->params[0].pattern, pa);
	_cleanup_free_ char *beta = xasprintf("%s/15beta", top);
	ck_assert_str_eq(wl->params[1].value, beta);
	_cleanup_free_ char *none = xasprintf("%s/none/*", top);
	ck_assert_int_eq(wl->params[2].unmatched, 1);
	ck_assert_str_eq(wl->params[2].value, none);
	config_free(&cfg);
}
END_TEST

/* What `isolab run -p NAME=VALUE` is checked with. */
START_TEST(test_run_params)
{
	struct config cfg;
	load_text(&cfg, "run.conf", "workloads = {\n"
	    "  cpu = { argv = [ \"${max_prime}\" ]; params = { max_prime = { type = \"int\"; min = 1; default = 10000; }; }; };\n"
	    "  mem = { argv = [ \"m\" ]; };\n"
	    "  file = { argv = [ \"${bs}\" ]; params = { bs = { type = \"size\"; default = \"4K\"; }; }; };\n"
	    "};\n");
	char *cause = NULL;
	struct experiment e;
	experiment_defaults(&e);
	char *one[] = { (char *)"cpu", NULL }, *three[] = { (char *)"cpu", (char *)"mem", (char *)"file", NULL };
	char **saved = e.workloads;
	char *canon = NULL;

	e.workloads = one;
	ck_assert_int_eq(experiment_check_param(&cfg, &e, "max_prim", "20000", 1, &canon, &cause), -1);
	ck_assert_str_eq(cause, "expected a parameter of workload cpu (max_prime), got an undeclared one");
	free(cause);
	ck_assert_int_eq(experiment_check_param(&cfg, &e, "max_prime", "lots", 1, &canon, &cause), -1);
	ck_assert_str_eq(cause, "expected an integer >= 1 (parameter max_prime of workload cpu), got \"lots\"");
	free(cause);
	ck_assert_int_eq(experiment_check_param(&cfg, &e, "max_prime", "20000", 1, &canon, &cause), 0);
	ck_assert_ptr_null(canon);
	/* An undeclared name passes when not required (an experiment's own
	 * params once -w replaced its workloads). */
	ck_assert_int_eq(experiment_check_param(&cfg, &e, "bs", "x", 0, NULL, NULL), 0);

	e.workloads = three;
	ck_assert_int_eq(experiment_check_param(&cfg, &e, "nosuchparam", "3", 1, &canon, &cause), -1);
	ck_assert_str_eq(cause, "expected a parameter of one of the workloads (cpu: max_prime; mem: none; "
	    "file: bs), got an undeclared one");
	free(cause);
	ck_assert_int_eq(experiment_check_param(&cfg, &e, "bs", "8192", 1, &canon, &cause), 0);
	ck_assert_str_eq(canon, "8K");
	free(canon);

	/* A neighbour's parameters count too. */
	struct neighbour nb = { .workload = (char *)"file", .nclass = (char *)"competing", .count = 1 };
	e.workloads = one;
	e.neighbours = &nb;
	e.nneighbours = 1;
	ck_assert_int_eq(experiment_check_param(&cfg, &e, "bs", "1M", 1, NULL, &cause), 0);
	e.neighbours = NULL;
	e.nneighbours = 0;

	e.workloads = saved;
	experiment_clear(&e);
	config_free(&cfg);
}
END_TEST

/* Driver options: every runtime's options against its driver's declarations. */
START_TEST(test_driver_options)
{
	_cleanup_free_ char *path = xasprintf("%s/rt.conf", tmpdir);
	write_text(path, "runtimes = {\n"
	    "  r1 = { driver = \"oci\";\n"
	    "    options = { binray = \"runc\"; }; };\n"
	    "  r2 = { driver = \"qemu\"; options = {\n"
	    "    containers = \"two\";\n"
	    "    memory = \"32M\";\n"
	    "    machine = \"q35\"; }; };\n"
	    "  r3 = { driver = \"native\"; options = { x = 1; }; };\n"
	    "  r4 = { driver = \"no-such-driver\"; options = { anything = 1; }; };\n"
	    "  r5 = { driver = \"qemu\"; options = { machine = \"microvm\"; memory = \"1G\"; containers = 2;\n"
	    "    accel = \"tcg\"; kvm_probe_timeout = 30; disk_cache = \"unsafe\"; }; };\n"
	    "  r6 = { driver = \"oci\"; options = { binary = \"runsc\"; platform = \"systrap\"; network = \"host\";\n"
	    "    hybrid_cgroups = \"v1\"; extra_args = \"--debug\"; }; };\n"
	    "};\n");
	static const char *const want[] = {
		"3: runtimes.r1.options.binray: expected one of the options of driver oci (binary, platform, network, "
		"hybrid_cgroups, extra_args), got an unknown option",
		"5: runtimes.r2.options.containers: expected an integer from 0 to 64, got \"two\"",
		"6: runtimes.r2.options.memory: expected a size >= 64M, got \"32M\"",
		"7: runtimes.r2.options.machine: expected one of pc, microvm, got \"q35\"",
		"8: runtimes.r3.options.x: expected no options (driver native reads none), got one",
	};
	struct config cfg;
	char *cause = NULL;
	ck_assert_msg(config_load_file(&cfg, path, &cause) == 0, "%s", cause);
	char **errs = NULL;
	size_t n = runtimes_check_options(&cfg, &errs);
	check_errors(errs, n, path, want, ARRAY_SIZE(want));
	config_free(&cfg);

	/* The schema takes any scalar (good.conf has options runc's driver
	 * does not read); the drivers' check names them. */
	load_ok(&cfg, "good.conf", NULL);
	n = runtimes_check_options(&cfg, &errs);
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_nonnull(strstr(errs[0], "good.conf:10: runtimes.runc.options.cpus: expected one of the options"));
	ck_assert_ptr_nonnull(strstr(errs[1], "good.conf:10: runtimes.runc.options.debug: expected one of"));
	free(errs[0]);
	free(errs[1]);
	free(errs);
	config_free(&cfg);
}
END_TEST

/* The files of the source tree's directory sub whose names end in suffix,
 * as a NULL-terminated array of malloc'd paths; free with free_paths. */
static char **tree_files(const char *sub, const char *suffix)
{
	const char *top = getenv("top_srcdir");
	_cleanup_free_ char *dir = xasprintf("%s/%s", top ? top : ".", sub);
	DIR *d = opendir(dir);
	ck_assert_msg(d != NULL, "%s", dir);
	char **v = xcalloc(1, sizeof *v);
	size_t n = 0, slen = strlen(suffix);
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len <= slen || strcmp(de->d_name + len - slen, suffix))
			continue;
		v = xreallocarray(v, n + 2, sizeof *v);
		v[n++] = xasprintf("%s/%s", dir, de->d_name);
		v[n] = NULL;
	}
	closedir(d);
	return v;
}

static void free_paths(char **v)
{
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

/* Which driver reads the options of each runtimes/ source file. */
static const struct {
	const char *file;
	const char *drivers[3];
} option_readers[] = {
	{ "docker.c", { "docker", "kata" } },
	{ "firecracker.c", { "firecracker" } },
	{ "guestkernel.c", { "qemu", "firecracker" } },
	{ "kata.c", { "kata" } },
	{ "lxc.c", { "lxc" } },
	{ "oci.c", { "oci" } },
	{ "qemu.c", { "qemu" } },
};

/* Every option a driver reads with runtime_option() is declared, and the
 * declarations are well formed: so a typo in a runtime file cannot pass
 * for an option some driver reads. */
START_TEST(test_driver_declarations)
{
	const struct driver *all[16];
	size_t nd = 0;
	for (const struct driver *const *d = driver_all(); *d; d++)
		all[nd++] = *d;
	for (size_t i = 0; i < nd; i++)
		for (const struct option_decl *o = all[i]->options; o && o->name; o++) {
			ck_assert_msg(o->doc && *o->doc, "%s.%s: no doc", all[i]->name, o->name);
			ck_assert_msg(driver_option(all[i], o->name) == o, "%s.%s declared twice", all[i]->name, o->name);
			ck_assert_msg((o->spec.type == VT_CHOICE) == (o->spec.choices != NULL), "%s.%s: choices",
			    all[i]->name, o->name);
			ck_assert_msg(!o->spec.has_min || !o->spec.has_max || o->spec.min <= o->spec.max, "%s.%s: bounds",
			    all[i]->name, o->name);
		}

	char **files = tree_files("runtimes", ".c");
	size_t readers = 0;
	for (char **f = files; *f; f++) {
		const char *base = strrchr(*f, '/') + 1;
		_cleanup_free_ char *text = read_file(*f, NULL);
		ck_assert_ptr_nonnull(text);
		size_t k = 0;
		while (k < ARRAY_SIZE(option_readers) && strcmp(option_readers[k].file, base))
			k++;
		for (const char *p = text; (p = strstr(p, "runtime_option(")); p++) {
			const char *q = strchr(p, '"'), *end = q ? strchr(q + 1, '"') : NULL;
			const char *close = strchr(p, ')');
			if (!end || (close && close < q))
				continue; /* a declaration or a call without a literal name */
			_cleanup_free_ char *name = xstrndup(q + 1, (size_t)(end - q - 1));
			ck_assert_msg(k < ARRAY_SIZE(option_readers), "%s reads option %s: add it to option_readers",
			    base, name);
			for (size_t j = 0; j < 3 && option_readers[k].drivers[j]; j++) {
				const struct driver *drv = driver_find(option_readers[k].drivers[j]);
				ck_assert_ptr_nonnull(drv);
				ck_assert_msg(driver_option(drv, name), "%s reads option %s, which driver %s does not declare",
				    base, name, drv->name);
			}
			readers++;
		}
	}
	free_paths(files);
	ck_assert_uint_ge(readers, 20);
}
END_TEST

/* The network a run gets, and the runs refused before they start. Only
 * the drivers' declarations are asked: nothing is launched. */
START_TEST(test_network_plan)
{
	struct config cfg;
	load_text(&cfg, "net.conf", "runtimes = {\n"
	    "  native = { driver = \"native\"; };\n"
	    "  runc = { driver = \"oci\"; options = { binary = \"runc\"; }; };\n"
	    "  gvnone = { driver = \"oci\"; options = { binary = \"runsc\"; network = \"none\"; }; };\n"
	    "  docker = { driver = \"docker\"; };\n"
	    "  podman = { driver = \"docker\"; options = { binary = \"podman\"; }; };\n"
	    "  fc = { driver = \"firecracker\"; };\n"
	    "  vm = { driver = \"qemu\"; };\n"
	    "};\n"
	    "workloads = {\n"
	    "  cpu = { argv = [ \"x\" ]; };\n"
	    "  web = { argv = [ \"x\", \"${port}\" ]; companion = [ \"y\", \"${addr}:${port}\" ]; };\n"
	    "};\n");
	char *cause = NULL;
	ck_assert_int_eq(workload_serves_host(config_workload(&cfg, "web")), 1);
	ck_assert_int_eq(workload_serves_host(config_workload(&cfg, "cpu")), 0);

	static const struct {
		const char *runtimes[3];
		const char *workload;
		const char *network;
		const char *got;   /* the network, or NULL when refused */
		const char *msg;   /* the reason given (a prefix), or NULL */
	} cases[] = {
		{ { "native", "runc" }, "cpu", "auto", "none", NULL },
		{ { "native", "runc" }, "web", "auto", "bridge",
		  "web's load generator runs on the host, so the instances get network bridge" },
		{ { "native", "podman" }, "web", "auto", "bridge", NULL },
		{ { "vm" }, "web", "auto", "bridge", NULL },
		{ { "native", "docker" }, "web", "auto", "host",
		  "web's load generator runs on the host, so the instances get network host, the host's own (not "
		  "bridge: docker: docker cannot join" },
		{ { "native" }, "web", "none", "none", NULL },
		{ { "runc", "docker" }, "cpu", "host", "host", NULL },
		{ { "runc", "fc" }, "web", "auto", "bridge", NULL },
		{ { "fc" }, "web", "none", NULL,
		  "web's load generator runs on the host and cannot reach fc on network none: network none gives the "
		  "Firecracker VM no network card" },
		{ { "native", "fc" }, "cpu", "host", NULL, "runtime fc cannot have network host: a Firecracker VM cannot "
		  "share the host's network stack" },
		{ { "gvnone" }, "web", "auto", NULL,
		  "web's load generator runs on the host and cannot reach gvnone on network bridge nor host: gvnone "
		  "runs with --network=none (its option network)" },
		{ { "native", "runc" }, "web", "none", NULL,
		  "web's load generator runs on the host and cannot reach runc on network none: " NET_NONE_UNREACHABLE
		  "; use network host or bridge" },
		{ { "vm" }, "web", "none", NULL,
		  "web's load generator runs on the host and cannot reach vm on network none: network none gives the "
		  "VM no network card" },
		{ { "docker" }, "cpu", "bridge", NULL,
		  "runtime docker cannot have network bridge: docker cannot join isolab's bridge network namespace "
		  "(Docker joins only its own containers' namespaces; podman can); use network none or host" },
		{ { "docker" }, "web", "bridge", NULL,
		  "runtime docker cannot have network bridge: docker cannot join isolab's bridge network namespace "
		  "(Docker joins only its own containers' namespaces; podman can); use network host" },
		{ { "fc" }, "cpu", "host", NULL, "runtime fc cannot have network host: a Firecracker VM cannot share the "
		  "host's network stack and has no user-mode network (bridge puts it on a tap on the instance's bridge); "
		  "use network none or bridge" },
	};
	struct experiment x;
	experiment_defaults(&x);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct runtime_conf *rts[3];
		size_t nrt = 0;
		char *names[4] = { 0 };
		for (; nrt < 3 && cases[i].runtimes[nrt]; nrt++) {
			names[nrt] = (char *)cases[i].runtimes[nrt];
			rts[nrt] = config_runtime(&cfg, names[nrt]);
			ck_assert_ptr_nonnull(rts[nrt]);
		}
		char *wls[] = { (char *)cases[i].workload, NULL };
		struct experiment e = x;
		e.runtimes = names;
		e.workloads = wls;
		e.network = (char *)cases[i].network;
		const char *net = NULL;
		char *why = NULL;
		cause = NULL;
		int r = runtimes_plan_network(&cfg, &e, rts, NULL, nrt, &net, &why, &cause);
		ck_assert_msg(r == (cases[i].got ? 0 : -1), "case %zu: %d %s", i, r, cause ? cause : "");
		if (cases[i].got) {
			ck_assert_str_eq(net, cases[i].got);
			if (cases[i].msg)
				ck_assert_msg(why && !strncmp(why, cases[i].msg, strlen(cases[i].msg)), "case %zu: %s", i,
				    why ? why : "(no reason)");
			else if (!strcmp(cases[i].network, "auto") && strcmp(net, "none"))
				ck_assert_ptr_nonnull(why);
			free(why);
		} else {
			ck_assert_msg(!strncmp(cause, cases[i].msg, strlen(cases[i].msg)), "case %zu: %s", i, cause);
			ck_assert_ptr_null(strchr(cause, '\n'));
			free(cause);
		}
	}
	experiment_clear(&x);
	config_free(&cfg);
}
END_TEST

/* Every parameter of every shipped workload declares its type: none is
 * left to the "string" default. */
START_TEST(test_shipped_params_typed)
{
	char **files = tree_files("workloads", ".conf");
	size_t nparams = 0;
	for (char **f = files; *f; f++) {
		const char *path = *f;
		config_t lc;
		config_init(&lc);
		ck_assert_msg(config_read_file(&lc, path), "%s: %s", path, config_error_text(&lc));
		config_setting_t *wls = config_lookup(&lc, "workloads");
		for (int i = 0; wls && i < config_setting_length(wls); i++) {
			config_setting_t *wl = config_setting_get_elem(wls, (unsigned)i);
			config_setting_t *ps = config_setting_get_member(wl, "params");
			for (int j = 0; ps && j < config_setting_length(ps); j++) {
				config_setting_t *prm = config_setting_get_elem(ps, (unsigned)j);
				ck_assert_msg(config_setting_get_member(prm, "type"), "%s: %s.%s has no type", path,
				    config_setting_name(wl), config_setting_name(prm));
				nparams++;
			}
		}
		config_destroy(&lc);
	}
	free_paths(files);
	ck_assert_uint_ge(nparams, 40);
}
END_TEST

/* Found by tests/fuzz/fuzz_config: a value quoted back in a message may
 * span lines or hold control bytes; every message must stay one line. */
START_TEST(test_messages_one_line)
{
	_cleanup_free_ char *path = xasprintf("%s/nl.conf", tmpdir);
	write_text(path, "workloads = {\n  cpu = {\n    argv = [ \"${pro\x1b[2J (\n  }\", \"cpu\" ];\n"
	    "    metrics = ( { name = \"r\"; unit = \"u\"; pattern = \"r=(?<value>\\d+)\"; } );\n  };\n};\n");
	char **errs = NULL;
	size_t n = config_check_file(path, &errs);
	ck_assert_uint_ge(n, 1);
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(!strchr(errs[i], '\n') && !strchr(errs[i], '\x1b'), "message %zu: %s", i, errs[i]);
		free(errs[i]);
	}
	free(errs);
	struct config cfg;
	char *cause = NULL;
	char *extra[] = { path };
	ck_assert_int_eq(config_load(&cfg, extra, 1, &cause), -1);
	ck_assert_msg(!strchr(cause, '\n') && !strchr(cause, '\x1b'), "%s", cause);
	free(cause);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_good_values);
	tcase_add_test(tc, test_override_replaces_whole);
	tcase_add_test(tc, test_sources_order);
	tcase_add_test(tc, test_missing_files);
	tcase_add_test(tc, test_good_file_checks_clean);
	tcase_add_test(tc, test_bad_syntax);
	tcase_add_test(tc, test_bad_unknown_keys);
	tcase_add_test(tc, test_bad_values);
	tcase_add_test(tc, test_bad_workloads);
	tcase_add_test(tc, test_unknown_workload);
	tcase_add_test(tc, test_check_reports_all);
	tcase_add_test(tc, test_schema_corners);
	tcase_add_test(tc, test_memory_pool);
	tcase_add_test(tc, test_io_weight);
	tcase_add_test(tc, test_cross_references);
	tcase_add_test(tc, test_include_relative);
	tcase_add_test(tc, test_include_nul);
	tcase_add_test(tc, test_texts_same_as_files);
	tcase_add_test(tc, test_parse_size);
	tcase_add_test(tc, test_experiment_defaults);
	tcase_add_test(tc, test_shipped_data);
	tcase_add_test(tc, test_messages_one_line);
	tcase_add_test(tc, test_value_types);
	tcase_add_test(tc, test_param_declarations);
	tcase_add_test(tc, test_run_params);
	tcase_add_test(tc, test_driver_options);
	tcase_add_test(tc, test_driver_declarations);
	tcase_add_test(tc, test_network_plan);
	tcase_add_test(tc, test_shipped_params_typed);
	tcase_add_test(tc, test_param_glob);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(config_suite());
}

/* test_config.c — the loader and its schema: good files give the right
 * values, every bad file gives exactly the expected "file:line: ..." message. */
#include "config.h"
#include "util.h"

#include <check.h>
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
	ck_assert_str_eq(e->network, "none");
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
	check_one("bad-syntax.conf", 3, "syntax error");
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
	    "one of the keys cpus, cpuset, weight, memory, memory_soft, pids, got an "
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
	    "none, host, bridge, got \"wifi\"");
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
		"10: workloads.cpu.rootfs: expected one of minimal, host, got \"alpine\"",
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

	ck_assert_uint_eq(n, ARRAY_SIZE(want));
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *w = xasprintf("%s:%s", path, want[i]);
		ck_assert_str_eq(errs[i], w);
		free(errs[i]);
	}
	free(errs);
}
END_TEST

/* Schema corners without a fixture each: one small file per case. */
START_TEST(test_schema_corners)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
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
	};
	_cleanup_free_ char *path = xasprintf("%s/case.conf", tmpdir);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char **errs = NULL;
		write_text(path, cases[i].text);
		size_t n = config_check_file(path, &errs);
		_cleanup_free_ char *want = xasprintf("%s:%s", path, cases[i].msg);
		ck_assert_msg(n == 1, "case %zu: %zu errors, first: %s", i, n, n ? errs[0] : "-");
		ck_assert_str_eq(errs[0], want);
		free(errs[0]);
		free(errs);
	}
}
END_TEST

/* References checked once everything is loaded. */
START_TEST(test_cross_references)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
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
		  "5: experiments.e.params.m: expected a parameter declared by one of the "
		  "experiment's workloads, got an undeclared one" },
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
	ck_assert_str_eq(e.network, "none");
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

	/* Each shipped file is also clean on its own. */
	for (size_t i = 0; cfg.files[i]; i++) {
		char **errs = NULL;
		size_t n = config_check_file(cfg.files[i], &errs);
		ck_assert_msg(n == 0, "%s", n ? errs[0] : "");
	}
	config_free(&cfg);
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
	tcase_add_test(tc, test_cross_references);
	tcase_add_test(tc, test_include_relative);
	tcase_add_test(tc, test_parse_size);
	tcase_add_test(tc, test_experiment_defaults);
	tcase_add_test(tc, test_shipped_data);
	tcase_add_test(tc, test_messages_one_line);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

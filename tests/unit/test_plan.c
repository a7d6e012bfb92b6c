/* test_plan.c — experiments turned into plans (engine/plan.c): the groups
 * of each kind in their order, runtimes resolved to executors (RUNTIME@HOST
 * names a remote executor without connecting), and the refusals. The
 * runtimes and workloads are the shipped ones (the source tree). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "executor.h"
#include "plan.h"
#include "util.h"
#include "unit.h"

static char tmpdir[64];
static struct config cfg;
static struct executors *xs;

static const char conf_text[] =
	"hosts = { lab1 = { address = \"192.0.2.1\"; user = \"root\"; }; };\n"
	"experiments = {\n"
	"  b = { runtimes = [ \"native\", \"sandbox\" ]; workloads = [ \"cpu\", \"mem\" ];\n"
	"        repetitions = 2; warmup = 1; };\n"
	"  i = { kind = \"interference\"; runtimes = [ \"native\" ]; workloads = [ \"cpu\" ]; repetitions = 1;\n"
	"        neighbours = ( { workload = \"cpu\"; class = \"competing\"; count = 2; } ); };\n"
	"  ic = { kind = \"interference\"; runtimes = [ \"native\" ]; workloads = [ \"cpu\" ]; repetitions = 1;\n"
	"        limits = { pids = 64; memory = \"128M\"; };\n"
	"        neighbours = ( { workload = \"cpu\"; class = \"competing\"; },\n"
	"                       { workload = \"forkbomb\"; class = \"adversarial\"; },\n"
	"                       { workload = \"file\"; class = \"orthogonal\"; },\n"
	"                       { workload = \"mallocbomb\"; class = \"adversarial\"; count = 2; } ); };\n"
	"  bomb = { kind = \"interference\"; runtimes = [ \"sandbox\" ]; workloads = [ \"cpu\" ]; repetitions = 1;\n"
	"        limits = { pids = 64; };\n"
	"        neighbours = ( { workload = \"forkbomb\"; class = \"adversarial\"; } ); };\n"
	"  iv = { kind = \"interference\"; runtimes = [ \"sandbox\" ]; workloads = [ \"cpu\" ]; repetitions = 1;\n"
	"        limits = { pids = 64; memory = \"128M\"; };\n"
	"        neighbours = ( { workload = \"cpu\"; },\n"
	"                       { workload = \"forkbomb\"; class = \"adversarial\"; limits = { pids = 32; memory = \"64M\"; }; } );\n"
	"        variants = ( { name = \"pinned\"; limits = { cpuset = \"0\"; pids = 64; memory = \"128M\"; };\n"
	"                       neighbour_limits = { cpuset = \"1\"; }; },\n"
	"                     { name = \"shared\"; limits = { weight = 100; pids = 64; memory = \"128M\"; }; } ); };\n"
	"  vbomb = { kind = \"interference\"; runtimes = [ \"sandbox\" ]; workloads = [ \"cpu\" ]; repetitions = 1;\n"
	"        neighbours = ( { workload = \"mallocbomb\"; class = \"adversarial\"; } );\n"
	"        variants = ( { name = \"held\"; limits = { pids = 64; memory = \"128M\"; }; },\n"
	"                     { name = \"loose\"; limits = { pids = 64; memory = \"128M\"; }; neighbour_limits = { pids = 9; }; } ); };\n"
	"  sw = { runtimes = [ \"native\", \"sandbox\" ]; workloads = [ \"cpu\" ]; repetitions = 2;\n"
	"        limits = { memory = \"64M\"; }; sweep = { param = \"limits.cpus\"; values = [ 0.5, 1.0 ]; }; };\n"
	"  sp = { runtimes = [ \"native\" ]; workloads = [ \"cpu\" ]; repetitions = 1;\n"
	"        sweep = { param = \"max_prime\"; values = [ 1000, 2000, 4000 ]; }; };\n"
	"  sn = { kind = \"scale\"; runtimes = [ \"native\" ]; workloads = [ \"cpu\" ]; repetitions = 1;\n"
	"        sweep = { param = \"instances\"; values = [ 1, 3, 8 ]; }; };\n"
	"  s = { kind = \"scale\"; runtimes = [ \"native\", \"sandbox\" ]; workloads = [ \"cpu\" ];\n"
	"        repetitions = 1; max_instances = 6; };\n"
	"  a = { kind = \"allocation\"; runtimes = [ \"sandbox\" ]; workloads = [ \"cpu\" ]; repetitions = 1;\n"
	"        instances = 3; variants = ( { name = \"half\"; limits = { cpus = 0.5; }; },\n"
	"                                    { name = \"one\"; count = 1; limits = { cpuset = \"0\"; }; } ); };\n"
	"  st = { kind = \"startup\"; runtimes = [ \"native\", \"sandbox\" ]; workloads = [ \"start\" ];\n"
	"         repetitions = 3; };\n"
	"};\n";

static void setup(void)
{
	strcpy(tmpdir, "/tmp/test_plan.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	const char *top = getenv("top_srcdir");
	setenv("ISOLAB_DATADIR", top ? top : ".", 1);
	_cleanup_free_ char *home = xasprintf("%s/home", tmpdir);
	ck_assert_int_eq(mkdir(home, 0700), 0);
	setenv("XDG_CONFIG_HOME", home, 1);
	char *conf = xasprintf("%s/plan.conf", tmpdir);
	FILE *f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fputs(conf_text, f);
	ck_assert_int_eq(fclose(f), 0);
	char *cause = NULL;
	ck_assert_msg(config_load(&cfg, &conf, 1, &cause) == 0, "%s", cause);
	free(conf);
	xs = executors_new(&cfg);
}

static void teardown(void)
{
	executors_free(xs);
	config_free(&cfg);
	rm_rf(tmpdir);
}

static void build(struct plan *p, const char *name)
{
	const struct experiment *x = config_experiment(&cfg, name);
	ck_assert_ptr_nonnull(x);
	char *cause = NULL;
	ck_assert_msg(plan_build(p, &cfg, xs, x, &cause) == 0, "%s: %s", name, cause);
}

/* "runtime workload rep warmup count variant" of item i, then
 * "+neighbours" and "+footprint" when it has them. */
static void expect(const struct plan *p, size_t i, const char *want)
{
	ck_assert_uint_lt(i, p->nitems);
	const struct plan_item *it = &p->items[i];
	char got[200];
	snprintf(got, sizeof got, "%s %s %u %d %u %s%s%s", it->at->name, it->wl->name, it->rep, it->warmup, it->count,
	    it->variant[0] ? it->variant : "-", !it->with_neighbours ? "" : it->nclass ? " +class" : " +neighbours",
	    it->footprint ? " +footprint" : "");
	ck_assert_str_eq(got, want);
}

START_TEST(benchmark_interleaves_runtimes_inside_repetitions)
{
	struct plan p;
	build(&p, "b");
	ck_assert_uint_eq(p.nitems, 3 * 2 * 2);
	/* The warm-up first, then the measured repetitions; runtimes innermost. */
	expect(&p, 0, "native cpu 1 1 1 -");
	expect(&p, 1, "sandbox cpu 1 1 1 -");
	expect(&p, 2, "native mem 1 1 1 -");
	expect(&p, 3, "sandbox mem 1 1 1 -");
	expect(&p, 4, "native cpu 1 0 1 -");
	expect(&p, 11, "sandbox mem 2 0 1 -");
	for (size_t i = 0; i < p.nitems; i++) {
		ck_assert_ptr_eq(p.items[i].at->ex->ops, &executor_local_ops);
		ck_assert_ptr_eq(p.items[i].limits, &config_experiment(&cfg, "b")->limits);
	}
	plan_free(&p);
}
END_TEST

START_TEST(interference_alone_then_beside)
{
	struct plan p;
	build(&p, "i");
	ck_assert_uint_eq(p.nitems, 2);
	expect(&p, 0, "native cpu 1 0 1 alone");
	expect(&p, 1, "native cpu 1 0 1 neighbours +neighbours");
	plan_free(&p);
}
END_TEST

START_TEST(interference_a_phase_per_class)
{
	struct plan p;
	build(&p, "ic");
	ck_assert_uint_eq(p.nitems, 4);
	expect(&p, 0, "native cpu 1 0 1 alone");
	expect(&p, 1, "native cpu 1 0 1 competing +class");
	expect(&p, 2, "native cpu 1 0 1 adversarial +class");
	expect(&p, 3, "native cpu 1 0 1 orthogonal +class");
	/* Each phase has only its class's neighbours: both bombs, not the file. */
	const struct experiment *x = config_experiment(&cfg, "ic");
	size_t with = 0;
	for (size_t i = 0; i < x->nneighbours; i++)
		if (plan_item_has_neighbour(&p.items[2], &x->neighbours[i]))
			with += x->neighbours[i].count;
	ck_assert_uint_eq(with, 3);
	ck_assert(!plan_item_has_neighbour(&p.items[0], &x->neighbours[0]));
	ck_assert(plan_item_has_neighbour(&p.items[1], &x->neighbours[0]));
	ck_assert(!plan_item_has_neighbour(&p.items[1], &x->neighbours[2]));
	plan_free(&p);
}
END_TEST

/* Variants of an interference experiment: each its own target alone and
 * phases, the target under the variant's limits and the neighbours under
 * neighbour_limits, unless a neighbour has limits of its own. */
START_TEST(interference_variants_per_member_limits)
{
	struct plan p;
	build(&p, "iv");
	const struct experiment *x = config_experiment(&cfg, "iv");
	ck_assert_uint_eq(p.nitems, 6);
	expect(&p, 0, "sandbox cpu 1 0 1 pinned/alone");
	expect(&p, 1, "sandbox cpu 1 0 1 pinned/competing +class");
	expect(&p, 2, "sandbox cpu 1 0 1 pinned/adversarial +class");
	expect(&p, 3, "sandbox cpu 1 0 1 shared/alone");
	expect(&p, 5, "sandbox cpu 1 0 1 shared/adversarial +class");
	const struct neighbour *cpu = &x->neighbours[0], *bomb = &x->neighbours[1];
	ck_assert_ptr_eq(p.items[1].limits, &x->variants[0].limits);
	ck_assert_str_eq(p.items[1].limits->cpuset, "0");
	ck_assert_str_eq(plan_neighbour_limits(&p.items[1], cpu)->cpuset, "1");
	ck_assert_uint_eq(plan_neighbour_limits(&p.items[2], bomb)->pids, 32);
	/* Without neighbour_limits the neighbours share the variant's. */
	ck_assert_ptr_eq(plan_neighbour_limits(&p.items[4], cpu), &x->variants[1].limits);
	ck_assert_uint_eq(plan_neighbour_limits(&p.items[5], bomb)->mem_hard, 64u << 20);
	plan_free(&p);

	/* An adversary held in one variant but not in another is refused,
	 * naming the variant. */
	char *cause = NULL;
	ck_assert_int_eq(plan_build(&p, &cfg, xs, config_experiment(&cfg, "vbomb"), &cause), -1);
	ck_assert_str_eq(cause, "experiment vbomb, variant loose: the adversarial neighbour 'mallocbomb' needs limits.pids "
	    "and limits.memory (it could take the host down without them); set both");
	free(cause);
}
END_TEST

/* A sweep: a group per value inside each repetition, runtimes innermost;
 * a limit's values each in limits of their own on top of the experiment's. */
START_TEST(sweep_a_group_per_value)
{
	struct plan p;
	build(&p, "sw");
	const struct experiment *x = config_experiment(&cfg, "sw");
	ck_assert_uint_eq(p.nitems, 2 * 2 * 2);
	expect(&p, 0, "native cpu 1 0 1 limits.cpus=0.5");
	expect(&p, 1, "sandbox cpu 1 0 1 limits.cpus=0.5");
	expect(&p, 2, "native cpu 1 0 1 limits.cpus=1");
	expect(&p, 7, "sandbox cpu 2 0 1 limits.cpus=1");
	ck_assert_str_eq(p.items[1].sweep_value, "0.5");
	ck_assert_double_eq(p.items[1].limits->cpus, 0.5);
	ck_assert_double_eq(p.items[3].limits->cpus, 1.0);
	ck_assert_uint_eq(p.items[3].limits->mem_hard, 64u << 20);
	ck_assert_ptr_ne(p.items[3].limits, &x->limits);
	ck_assert_double_eq(x->limits.cpus, 0); /* the experiment's own are untouched */
	plan_free(&p);

	/* A scale experiment's instance counts as given, not doubling. */
	build(&p, "sn");
	ck_assert_uint_eq(p.nitems, 3);
	expect(&p, 0, "native cpu 1 0 1 N=1");
	expect(&p, 1, "native cpu 1 0 3 N=3");
	expect(&p, 2, "native cpu 1 0 8 N=8");
	ck_assert_uint_eq(p.items[2].scale_n, 8);
	plan_free(&p);

	build(&p, "sp");
	ck_assert_uint_eq(p.nitems, 3);
	expect(&p, 2, "native cpu 1 0 1 max_prime=4000");
	ck_assert_ptr_eq(p.items[2].limits, &config_experiment(&cfg, "sp")->limits);
	plan_free(&p);
}
END_TEST

START_TEST(scale_doubles_up_to_max)
{
	struct plan p;
	build(&p, "s");
	ck_assert_uint_eq(p.nitems, 4 * 2);
	static const char *const want[] = { "native cpu 1 0 1 N=1", "sandbox cpu 1 0 1 N=1", "native cpu 1 0 2 N=2",
		"sandbox cpu 1 0 2 N=2", "native cpu 1 0 4 N=4", "sandbox cpu 1 0 4 N=4", "native cpu 1 0 6 N=6",
		"sandbox cpu 1 0 6 N=6" };
	for (size_t i = 0; i < p.nitems; i++) {
		expect(&p, i, want[i]);
		ck_assert_uint_eq(p.items[i].scale_n, p.items[i].count);
	}
	plan_free(&p);
}
END_TEST

START_TEST(allocation_variants_with_their_limits)
{
	struct plan p;
	build(&p, "a");
	const struct experiment *x = config_experiment(&cfg, "a");
	ck_assert_uint_eq(p.nitems, 2);
	expect(&p, 0, "sandbox cpu 1 0 3 half");
	expect(&p, 1, "sandbox cpu 1 0 1 one");
	ck_assert_ptr_eq(p.items[0].limits, &x->variants[0].limits);
	ck_assert_ptr_eq(p.items[1].limits, &x->variants[1].limits);
	plan_free(&p);
}
END_TEST

START_TEST(startup_cold_starts_then_footprints)
{
	struct plan p;
	build(&p, "st");
	ck_assert_uint_eq(p.nitems, 3 * 2 + 2);
	expect(&p, 5, "sandbox start 3 0 1 -");
	expect(&p, 6, "native idle 1 0 1 idle +footprint");
	expect(&p, 7, "sandbox idle 1 0 1 idle +footprint");
	plan_free(&p);
}
END_TEST

/* RUNTIME@HOST: the configured runtime on a remote executor, named with its
 * host; @local and the default host; nothing connects. */
START_TEST(hosts_resolve_to_executors)
{
	char *rts[] = { (char *)"native@lab1", (char *)"gvisor@root@192.0.2.9:2222", (char *)"sandbox@local",
		(char *)"runc", NULL };
	char *wls[] = { (char *)"cpu", NULL };
	struct experiment x = { .name = (char *)"h", .runtimes = rts, .workloads = wls, .repetitions = 1 };
	executors_set_default_host(xs, "lab1");
	struct plan p;
	char *cause = NULL;
	ck_assert_msg(plan_build(&p, &cfg, xs, &x, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(p.nruntimes, 4);
	ck_assert_str_eq(p.runtimes[0].name, "native@lab1");
	ck_assert_str_eq(p.runtimes[0].rt->name, "native");
	ck_assert_str_eq(p.runtimes[0].rt->driver, "native");
	ck_assert_ptr_eq(p.runtimes[0].ex->ops, &executor_remote_ops);
	ck_assert_str_eq(p.runtimes[0].ex->host, "lab1");
	ck_assert_str_eq(p.runtimes[1].name, "gvisor@root@192.0.2.9:2222");
	ck_assert_str_eq(p.runtimes[1].rt->driver, "oci");
	ck_assert_ptr_eq(p.runtimes[2].ex->ops, &executor_local_ops);
	ck_assert_str_eq(p.runtimes[2].name, "sandbox");
	/* The default host takes the runtimes named without one, and one
	 * executor serves every runtime on a host. */
	ck_assert_str_eq(p.runtimes[3].name, "runc@lab1");
	ck_assert_ptr_eq(p.runtimes[3].ex, p.runtimes[0].ex);
	plan_free(&p);
	executors_set_default_host(xs, NULL);
}
END_TEST

START_TEST(refusals)
{
	struct plan p;
	char *cause = NULL;
	char *bad_rt[] = { (char *)"nosuch", NULL }, *bad_host[] = { (char *)"native@[::1", NULL };
	char *wls[] = { (char *)"cpu", NULL }, *bad_wl[] = { (char *)"nosuchwl", NULL }, *rts[] = { (char *)"native", NULL };
	struct experiment x = { .name = (char *)"r", .runtimes = bad_rt, .workloads = wls, .repetitions = 1 };
	ck_assert_int_eq(plan_build(&p, &cfg, xs, &x, &cause), -1);
	ck_assert_str_eq(cause, "unknown runtime 'nosuch' (see 'isolab list runtimes')");
	free(cause);
	cause = NULL;
	x.runtimes = bad_host;
	ck_assert_int_eq(plan_build(&p, &cfg, xs, &x, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "invalid host '[::1'"));
	free(cause);
	cause = NULL;
	x.runtimes = rts;
	x.workloads = bad_wl;
	ck_assert_int_eq(plan_build(&p, &cfg, xs, &x, &cause), -1);
	ck_assert_str_eq(cause, "unknown workload 'nosuchwl' (see 'isolab list workloads')");
	free(cause);
	cause = NULL;
	x.workloads = NULL;
	ck_assert_int_eq(plan_build(&p, &cfg, xs, &x, &cause), -1);
	ck_assert_str_eq(cause, "experiment r: no workloads");
	free(cause);
	cause = NULL;
	/* A fork bomb with a pids limit but no memory limit. */
	ck_assert_int_eq(plan_build(&p, &cfg, xs, config_experiment(&cfg, "bomb"), &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "adversarial neighbour 'forkbomb' needs limits.pids and limits.memory"));
	free(cause);
	ck_assert_uint_eq(p.nitems, 0);
	ck_assert_uint_eq(p.nruntimes, 0);
}
END_TEST

static Suite *plan_suite(void)
{
	const TTest *const tests[] = { benchmark_interleaves_runtimes_inside_repetitions,
		interference_alone_then_beside, interference_a_phase_per_class,
		interference_variants_per_member_limits, sweep_a_group_per_value, scale_doubles_up_to_max, allocation_variants_with_their_limits,
		startup_cold_starts_then_footprints, hosts_resolve_to_executors, refusals };
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(plan_suite());
}

/* test_instance.c — an instance's whole life through instance.c, as the
 * engine thread drives it: prepare, stage (the workload's file written
 * with its ${...} substituted), launch, output and readiness, ticks with
 * metrics and the instance's processes, its end, stop, cleanup and the end
 * record; its ways of failing (an exit status, no metric, a deadline, an
 * unavailable runtime, a limit the driver cannot honour); and the agent's
 * relay mode. The runtime is a test driver (the native driver, watched),
 * run by the local executor from a table of its own, whose workload is a
 * small shell script. */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "events.h"
#include "exec.h"
#include "executor.h"
#include "instance.h"
#include "journal.h"
#include "resources.h"
#include "runtime.h"
#include "util.h"
#include "unit.h"

/* ---- the test driver: the native driver's launch, pids and stop, with
 * an availability the test switches and a record of its calls ---- */

static char calls[256];  /* what the driver was asked, in order */
static int available = 1;

static void called(const char *what)
{
	strncat(calls, what, sizeof calls - strlen(calls) - 1);
	strncat(calls, " ", sizeof calls - strlen(calls) - 1);
}

static void t_probe(const struct runtime_conf *rt, struct driver_status *st)
{
	(void)rt;
	st->available = available;
	st->version = xstrdup("test 1.0");
	if (!available)
		st->reason = xstrdup("switched off by the test");
}

static int t_prepare(struct instance *in, char **cause)
{
	called("prepare");
	return driver_native.prepare(in, cause);
}

static int t_stage(struct instance *in, char **cause)
{
	(void)in, (void)cause;
	called("stage");
	return 0;
}

static int t_launch(struct instance *in, char **cause)
{
	called("launch");
	return driver_native.launch(in, cause);
}

static size_t t_pids(struct instance *in, struct pid_role *out, size_t max)
{
	return driver_native.pids(in, out, max);
}

static int t_stop(struct instance *in, int force, char **cause)
{
	called(force ? "kill" : "stop");
	return driver_native.stop(in, force, cause);
}

/* The runtime's own pause: it pauses, and its resume fails when the test
 * says so (as `runsc resume` or QMP `cont` can). The script runs on. */
static int resume_fails;

static int t_hold(struct instance *in, int on, char **cause)
{
	(void)in;
	called(on ? "pause" : "resume");
	if (!on && resume_fails)
		return err_set(cause, "resume refused by the test");
	return 1;
}

static int t_cleanup(struct instance *in, char **cause)
{
	(void)in, (void)cause;
	called("cleanup");
	return 0;
}

static const struct driver driver_test = {
	.name = "test",
	.description = "the native driver, watched (tests only)",
	.probe = t_probe,
	.prepare = t_prepare,
	.stage = t_stage,
	.launch = t_launch,
	.pids = t_pids,
	.hold = t_hold,
	.stop = t_stop,
	.cleanup = t_cleanup,
	.limits_supported = LIMIT_CPUS,
};
static const struct driver *const test_drivers[] = { &driver_test, NULL };
static const struct executor test_executor = { .ops = &executor_local_ops, .host = "local",
	.priv = (void *)test_drivers };

/* ---- the workload: a script, written by the workload's files ---- */

static char script_text[1024];
static char *argv_tmpl[] = { (char *)"/bin/sh", (char *)"${datadir}/w.sh", (char *)"${duration}",
	(char *)"${msg}", NULL };
static struct kv files[] = { { .key = (char *)"w.sh", .value = script_text } };
static struct param params[] = { { .name = (char *)"msg", .value = (char *)"it's $(not run); ok" } };
static struct metric_def metrics[] = {
	{ .name = (char *)"rate", .pattern = (char *)"^rate=(?<value>[0-9]+)$", .unit = (char *)"ops/s",
	  .kind = (char *)"throughput", .higher_is_better = 1 },
	{ .name = (char *)"total", .pattern = (char *)"^total=(?<value>[0-9]+)$", .unit = (char *)"ops",
	  .kind = (char *)"other", .higher_is_better = 1, .summary = 1 },
};
static struct workload wl = { .name = (char *)"script", .argv = argv_tmpl, .files = files, .nfiles = 1,
	.ready = (char *)"^ready$", .params = params, .nparams = 1, .metrics = metrics, .nmetrics = 2 };
static struct runtime_conf rt = { .name = (char *)"test", .driver = (char *)"test" };

/* ---- a run of one instance, as the engine's group loop drives it ---- */

static char tmpdir[64];
static struct journal *journal;
static struct event_queue *events;
static struct sampler *sampler;
static struct resources *res;
static char *dirs;
static atomic_int cancel;
static struct experiment x;
static struct inst_ctx ctx;
static char relayed[4096];
static int readies;
static int hold_at_ready; /* life() holds and resumes the instance once it is ready */

static void on_ready(void *owner, struct inst *it)
{
	(void)owner, (void)it;
	readies++;
}

static void on_line(void *owner, struct inst *it, const char *line, size_t len)
{
	(void)owner, (void)it;
	strncat(relayed, line, len < sizeof relayed - strlen(relayed) - 2 ? len : 0);
	strcat(relayed, "|");
}

static void setup(void)
{
	strcpy(tmpdir, "/tmp/test_instance.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	char *rundir = xasprintf("%s/run", tmpdir);
	setenv("ISOLAB_RUNDIR", rundir, 1);
	free(rundir);
	char *cause = NULL;
	journal = journal_create(tmpdir, "test-run", &cause);
	ck_assert_msg(journal != NULL, "%s", cause);
	res = resources_open("test-run", NULL, &cause);
	ck_assert_msg(res != NULL, "%s", cause);
	events = events_new();
	sampler = sampler_new("/proc");
	dirs = xasprintf("%s/instances", journal_dir(journal));
	experiment_defaults(&x);
	x.duration = 3;
	x.grace = 2;
	ctx = (struct inst_ctx){ .journal = journal, .events = events, .sampler = sampler, .res = res,
		.run_id = "test-run", .probe = "/nonexistent/isolab-probe", .dirs = dirs, .exp = &x,
		.cancel = &cancel, .on_ready = on_ready };
	calls[0] = relayed[0] = '\0';
	available = 1;
	readies = 0;
	hold_at_ready = resume_fails = 0;
}

static void teardown(void)
{
	experiment_clear(&x);
	journal_close(journal, NULL);
	resources_close(res, 1);
	events_free(events);
	sampler_free(sampler);
	free(dirs);
	rm_rf(tmpdir);
}

/* Prepares, runs to its end and ends one instance of the script; it is
 * left for the caller to check and free. */
static void life(struct inst *it, const char *script, double duration)
{
	snprintf(script_text, sizeof script_text, "%s", script);
	inst_init(it, &ctx, 7, &test_executor, &rt, "test", &wl, &x.limits);
	it->duration = duration;
	it->ep = epoll_create1(EPOLL_CLOEXEC);
	it->tag = 0;
	if (inst_available(it) < 0 || inst_prepare(it) < 0 || inst_stage(it) < 0)
		inst_over(it, it->cause, 0);
	else
		inst_launch(it);
	uint64_t next_tick = mono_ns() + 500000000u, give_up = mono_ns() + 20000000000ull;
	int held = 0;
	while (!it->over && mono_ns() < give_up) {
		struct epoll_event evs[8];
		int n = epoll_wait(it->ep, evs, 8, 50);
		for (int i = 0; i < n; i++)
			inst_on_fd(it, (int)(evs[i].data.u64 & 0xff));
		inst_poll(it);
		if (hold_at_ready && it->ready && !held) {
			/* As a group does while a slower member gets ready. */
			ck_assert_uint_eq(inst_hold(it, 1), 1);
			inst_hold(it, 0);
			held = 1;
		}
		if (mono_ns() >= next_tick && it->launched && !it->over) {
			struct pid_role pr[8];
			inst_track(it, pr, 8);
			const struct proc_sample *ps;
			size_t nps;
			ck_assert_int_eq(sampler_sample(sampler, &ps, &nps, NULL), 0);
			inst_tick(it, ps, nps, 0);
			next_tick += 500000000u;
		}
		inst_check(it, mono_ns());
	}
	ck_assert_msg(it->over, "the instance never ended");
	inst_flush(it);
	if (!inst_reap(it, 0)) {
		inst_stop(it, 1, NULL);
		inst_reap(it, 1);
	}
	inst_cleanup(it);
	inst_end(it);
	close(it->ep);
}

/* The events of the run so far, by type: how many, and the last END. */
static size_t drain_events(size_t count[], struct engine_event **end, int *sample_procs)
{
	size_t n = 0;
	struct engine_event *ev;
	*end = NULL;
	*sample_procs = 0;
	while ((ev = events_pop(events))) {
		count[ev->type]++;
		n++;
		if (ev->type == EV_SAMPLE)
			for (size_t i = 0; i < ev->nprocs; i++)
				if (ev->procs[i].role == ROLE_WORKLOAD && ev->procs[i].instance == 7)
					*sample_procs = 1;
		if (ev->type == EV_INSTANCE_END) {
			engine_event_free(*end);
			*end = ev;
		} else {
			engine_event_free(ev);
		}
	}
	return n;
}

/* The value of metric name in an end event, NAN when absent. */
static double end_metric(const struct engine_event *ev, const char *name)
{
	for (size_t i = 0; i < ev->nmetrics; i++)
		if (!strcmp(ev->metrics[i].def->name, name))
			return ev->metrics[i].value;
	return NAN;
}

START_TEST(a_whole_life)
{
	struct inst it;
	life(&it, "echo ready\n"
		  "printf '%s\\n' \"$2\" > msg.txt\n"
		  "for i in 1 2 3 4 5 6; do echo rate=$((i * 10)); sleep 0.2; done\n"
		  "echo total=42\n", 3);
	ck_assert_str_eq(it.status, "ok");
	ck_assert(it.ready && it.startup_ms >= 0);
	ck_assert_int_eq(readies, 1);
	ck_assert_str_eq(calls, "prepare stage launch cleanup ");
	/* The file was written and its parameter reached the script as one
	 * argument, literally. */
	char *msg = xasprintf("%s/7/msg.txt", dirs);
	char *text = read_file(msg, NULL);
	ck_assert_str_eq(text ? text : "(none)", "it's $(not run); ok\n");
	free(text);
	free(msg);
	size_t count[EV_RUN_END + 1] = { 0 };
	struct engine_event *end;
	int procs;
	drain_events(count, &end, &procs);
	ck_assert_uint_eq(count[EV_READY], 1);
	ck_assert_uint_ge(count[EV_SAMPLE], 1);
	ck_assert_msg(procs, "no sample listed the script as the workload");
	ck_assert_ptr_nonnull(end);
	ck_assert_str_eq(end->status, "ok");
	ck_assert_str_eq(end->runtime, "test");
	ck_assert_double_eq(end_metric(end, "total"), 42);
	ck_assert_double_eq_tol(end_metric(end, "rate"), 35, 0.001); /* the mean of 10..60 */
	engine_event_free(end);
	/* The journal holds the samples and the end record, fsynced. */
	struct journal_read jr;
	ck_assert_int_eq(journal_flush(journal, NULL), 0);
	ck_assert_int_eq(journal_read(journal_dir(journal), &jr, NULL), 0);
	int samples = 0, ends = 0, prints = 0;
	for (size_t i = 0; i < jr.nrecords; i++) {
		const char *type = json_string_value(json_object_get(jr.records[i], "type"));
		samples += !strcmp(type, "sample");
		prints += !strcmp(type, "fingerprint");
		if (!strcmp(type, "end")) {
			ends++;
			ck_assert_str_eq(json_string_value(json_object_get(jr.records[i], "status")), "ok");
		}
	}
	journal_read_free(&jr);
	ck_assert_int_ge(samples, 1);
	ck_assert_int_eq(ends, 1);
	ck_assert_int_eq(prints, 1);
	inst_free(&it);
}
END_TEST

/* Its ways of failing once launched, each with its status and cause. */
START_TEST(ways_to_fail)
{
	static const struct {
		const char *script;
		double duration;
		const char *status, *cause, *called;
	} cases[] = {
		{ "echo ready\necho rate=5\necho something broke\nexit 3\n", 3, "failed",
		  "script exited with status 3: something broke", "cleanup" },
		{ "echo ready\necho nothing to see\n", 3, "failed",
		  "no metric matched the output of script (2 lines; last: 'nothing to see')", "cleanup" },
		/* exec: the shell is the sleep, so the kill leaves nothing behind. */
		{ "echo ready\nexec sleep 30\n", 0.5, "timeout", "ran past its duration plus grace", "kill" },
	};
	x.grace = 0.5;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct inst it;
		calls[0] = '\0';
		life(&it, cases[i].script, cases[i].duration);
		ck_assert_str_eq(it.status, cases[i].status);
		ck_assert_str_eq(it.cause, cases[i].cause);
		ck_assert_ptr_nonnull(strstr(calls, cases[i].called));
		inst_free(&it);
	}
}
END_TEST

/* A member held by its runtime's own pause whose resume fails stays
 * paused: it fails with the runtime's cause at once, and is stopped,
 * instead of reaching its window with no values. The held record says by
 * what means it was held. */
START_TEST(failed_resume)
{
	struct inst it;
	hold_at_ready = resume_fails = 1;
	uint64_t t0 = mono_ns();
	life(&it, "echo ready\nfor i in 1 2 3 4 5 6 7 8 9 10; do echo rate=$i; sleep 0.2; done\n", 10);
	uint64_t took = mono_ns() - t0;
	ck_assert_str_eq(it.status, "failed");
	ck_assert_str_eq(it.cause, "test could not resume it after its group's wait: resume refused by the test");
	ck_assert_msg(strstr(calls, "pause resume") != NULL, "calls: %s", calls);
	/* It ended long before its 2 s of output and its 10 s: the failure
	 * ended it, not the script or a deadline. */
	ck_assert_msg(took < 1500000000ull, "it ran %.1f s", (double)took / 1e9);
	inst_free(&it);
	struct journal_read jr;
	ck_assert_int_eq(journal_flush(journal, NULL), 0);
	ck_assert_int_eq(journal_read(journal_dir(journal), &jr, NULL), 0);
	int helds = 0;
	for (size_t i = 0; i < jr.nrecords; i++)
		if (!strcmp(json_string_value(json_object_get(jr.records[i], "type")), "held")) {
			helds++;
			ck_assert_str_eq(json_string_value(json_object_get(jr.records[i], "by")), "runtime");
		}
	journal_read_free(&jr);
	ck_assert_int_eq(helds, 1);

	/* A resume that works: the instance goes on to its end, ok. */
	struct inst ok;
	calls[0] = '\0';
	hold_at_ready = 1;
	resume_fails = 0;
	life(&ok, "echo ready\nfor i in 1 2 3 4 5; do echo rate=$i; sleep 0.2; done\n", 1);
	ck_assert_str_eq(ok.status, "ok");
	ck_assert_msg(strstr(calls, "pause resume") != NULL, "calls: %s", calls);
	inst_free(&ok);
}
END_TEST

START_TEST(refusals_before_launch)
{
	struct inst it;
	available = 0;
	life(&it, "echo ready\n", 1);
	ck_assert_str_eq(it.status, "failed");
	ck_assert_str_eq(it.cause, "runtime test is not available here: switched off by the test");
	ck_assert_str_eq(calls, "");
	inst_free(&it);

	available = 1;
	x.limits.pids = 10;
	life(&it, "echo ready\n", 1);
	ck_assert_str_eq(it.cause, "runtime test (driver test) cannot honour the limit 'pids'; remove it or pick "
	    "another runtime");
	ck_assert_str_eq(calls, "");
	inst_free(&it);
	x.limits.pids = 0;
}
END_TEST

/* The agent's way: no journal, events or readiness; every line relayed. */
START_TEST(relayed_lines)
{
	struct inst it;
	ctx = (struct inst_ctx){ .sampler = sampler, .res = res, .run_id = "test-run", .dirs = dirs, .relay = 1,
		.on_line = on_line };
	snprintf(script_text, sizeof script_text, "unused");
	inst_init(&it, &ctx, 7, &test_executor, &rt, "test", &wl, &x.limits);
	it.deadline = UINT64_MAX;
	it.ep = epoll_create1(EPOLL_CLOEXEC);
	char *argv[] = { xstrdup("/bin/sh"), xstrdup("-c"), xstrdup("echo one; echo; echo 'three $x'"), NULL };
	it.in.argv = xcalloc(4, sizeof *it.in.argv);
	memcpy(it.in.argv, argv, sizeof argv);
	ck_assert_int_eq(inst_prepare(&it), 0);
	ck_assert_int_eq(inst_stage(&it), 0);
	inst_launch(&it);
	ck_assert(it.launched);
	uint64_t give_up = mono_ns() + 10000000000ull;
	while (!inst_main_over(&it) && mono_ns() < give_up) {
		struct epoll_event evs[8];
		int n = epoll_wait(it.ep, evs, 8, 50);
		for (int i = 0; i < n; i++)
			inst_on_fd(&it, (int)(evs[i].data.u64 & 0xff));
		inst_poll(&it);
	}
	ck_assert(inst_main_over(&it));
	ck_assert_str_eq(relayed, "one||three $x|");
	ck_assert_int_eq(it.ready, 0);
	ck_assert(WIFEXITED(it.main_status) && WEXITSTATUS(it.main_status) == 0);
	inst_cleanup(&it);
	close(it.ep);
	inst_free(&it);
}
END_TEST

static Suite *instance_suite(void)
{
	const TTest *const tests[] = { a_whole_life, ways_to_fail, failed_resume, refusals_before_launch, relayed_lines };
	Suite *s = suite_create("instance");
	TCase *tc = tcase_create("life");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(instance_suite());
}

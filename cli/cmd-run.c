/*
 * cmd-run.c — `isolab run`: runs an experiment headless with a line printer
 * instead of the TUI, then prints the report. `isolab tui` takes the same
 * options and opens the interface on that run instead (`isolab tui -e
 * first-look`); without options it is the interface alone, as `isolab` is.
 * Both build the run here, so the interface and the line printer run the
 * very same experiment.
 *
 * The main thread only prints: it polls the engine's wakeup fd together with
 * a signalfd, so SIGINT, SIGTERM and SIGHUP cancel the plan through the
 * engine, which tears every instance down before the run ends.
 */
#include "config.h"
#include "cmd.h"
#include "engine.h"
#include "executor.h"
#include "journal.h"
#include "report.h"
#include "runtime.h"
#include "tui.h"
#include "ssh.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

static void run_usage(FILE *fp, int interface)
{
	if (interface)
		fprintf(fp,
		    "usage: isolab tui [-r RUNTIMES] [-w WORKLOADS] [-n REPS] [-t SECONDS] [-e EXPERIMENT]\n"
		    "                  [--baseline RT] [--warmup N] [--threads N] [-p NAME=VALUE]...\n"
		    "                  [--sweep NAME=V1,V2,...]\n"
		    "                  [--network none|host|bridge|auto] [--host HOST] [--accept-new-host-key]\n"
		    "Opens the interface on a run already going (without options: the interface alone).\n"
		    "The options are those of 'isolab run' but --json, --csv and --quiet:\n");
	else
		fprintf(fp,
		    "usage: isolab run [-r RUNTIMES] [-w WORKLOADS] [-n REPS] [-t SECONDS] [-e EXPERIMENT]\n"
		    "                  [--baseline RT] [--warmup N] [--threads N] [-p NAME=VALUE]...\n"
		    "                  [--sweep NAME=V1,V2,...] [--network none|host|bridge|auto]\n"
		    "                  [--json FILE] [--csv FILE] [--quiet] [--host HOST] [--accept-new-host-key]\n");
	fprintf(fp,
	    "  -r, --runtimes LIST    comma-separated runtimes (default: native); RUNTIME@HOST runs on HOST\n"
	    "  -w, --workloads LIST   comma-separated workloads (default: the experiment's, or cpu)\n"
	    "  -n, --repetitions N    measured repetitions (default 3)\n"
	    "  -t, --time SECONDS     duration of each instance (default 10)\n"
	    "  -e, --experiment NAME  start from a defined experiment (see 'isolab list experiments')\n"
	    "      --baseline RT      runtime the others are compared with (default native)\n"
	    "      --warmup N         discarded repetitions before measuring\n"
	    "      --threads N        threads for workloads that take ${threads}\n"
	    "  -p, --param NAME=VALUE set a workload parameter (see 'isolab list workloads')\n"
	    "      --sweep NAME=V1,V2,...  run once per value of NAME: threads, limits.cpus (or another\n"
	    "                         limit) or a workload parameter; a report row per value\n"
	    "      --network MODE     none, host or bridge; default auto: none, or for a workload whose\n"
	    "                         load generator runs on the host, bridge or else host\n"
	    "      --json FILE        also export the report as JSON\n"
	    "      --csv FILE         also export the report as CSV\n"
	    "  -q, --quiet            no progress lines, only the report\n"	    "      --host HOST        run the whole experiment on HOST over SSH ([user@]host[:port] or a\n"
	    "                         configured host)\n"
	    "      --accept-new-host-key  accept an unknown SSH host key and add it to known_hosts\n"
	    "Exit status: 0 all instances succeeded, 1 any failed, 2 bad usage or configuration.\n");
}

/* Splits "a,b,c" into a NULL-terminated malloc'd array of malloc'd strings. */
static char **split_list(const char *s)
{
	size_t n = 1;
	for (const char *p = s; *p; p++)
		n += *p == ',';
	char **v = xcalloc(n + 1, sizeof *v);
	size_t k = 0;
	char *copy = xstrdup(s), *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (*tok)
			v[k++] = xstrdup(tok);
	free(copy);
	return v;
}

static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static const char *fmt_eta(double s, char *buf, size_t len)
{
	if (s < 0 || !isfinite(s))
		s = 0;
	unsigned t = (unsigned)(s + 0.5);
	snprintf(buf, len, "%u:%02u", t / 60, t % 60);
	return buf;
}

/* Formats a metric value the way a person reads it: no exponent, grouped
 * to a sensible number of decimals for its size. */
static const char *fmt_value(double v, char *buf, size_t len)
{
	double a = fabs(v);
	snprintf(buf, len, a >= 1000 ? "%.0f" : a >= 10 ? "%.1f" : "%.3f", v);
	return buf;
}

/* The throughput metric shown on progress lines: the first of kind throughput. */
static const struct event_metric *main_metric(const struct engine_event *ev)
{
	for (size_t i = 0; i < ev->nmetrics; i++)
		if (ev->metrics[i].def->kind && !strcmp(ev->metrics[i].def->kind, "throughput"))
			return &ev->metrics[i];
	return ev->nmetrics ? &ev->metrics[0] : NULL;
}

struct progress {
	int tty;
	int quiet;
	int line_open;      /* a \r status line is on screen */
	size_t done, total;
	double eta;
	int rt_width, wl_width;  /* the longest runtime and workload names, so the columns line up */
	char label[160];
	/* Groups run several instances at once: each keeps its own label. */
	char (*labels)[160];
	size_t nlabels;
};

static const char *instance_label(const struct progress *pg, int instance)
{
	return instance >= 0 && (size_t)instance < pg->nlabels && pg->labels[instance][0] ? pg->labels[instance] :
	    pg->label;
}

static void progress_event(struct progress *pg, const struct engine_event *ev)
{
	char eta[32];
	switch (ev->type) {
	case EV_RUN_START:
		if (!pg->quiet)
			printf("run %s: %zu instance%s, results in %s\n", ev->run_id, ev->total,
			    ev->total == 1 ? "" : "s", ev->run_dir);
		pg->total = ev->total;
		break;
	case EV_INSTANCE_START:
		pg->done = ev->done;
		pg->eta = ev->eta_s;
		snprintf(pg->label, sizeof pg->label, "[%zu/%zu] %-*s %-*s %s %u%s%s%s", ev->done + 1, ev->total,
		    pg->rt_width, ev->runtime, pg->wl_width, ev->workload, ev->warmup ? "warm-up" : "rep", ev->rep, ev->variant ? " " : "",
		    ev->variant ? ev->variant : "", ev->role && !strcmp(ev->role, "neighbour") ? " (neighbour)" : "");
		if (ev->instance >= 0) {
			if ((size_t)ev->instance >= pg->nlabels) {
				size_t n = (size_t)ev->instance + 16;
				pg->labels = xreallocarray(pg->labels, n, sizeof *pg->labels);
				memset(pg->labels + pg->nlabels, 0, (n - pg->nlabels) * sizeof *pg->labels);
				pg->nlabels = n;
			}
			memcpy(pg->labels[ev->instance], pg->label, sizeof pg->label);
		}
		if (pg->tty && !pg->quiet) {
			printf("\r\033[K%s  starting  ETA %s", pg->label, fmt_eta(pg->eta, eta, sizeof eta));
			fflush(stdout);
			pg->line_open = 1;
		}
		break;
	case EV_SETUP:
		/* A server loading its data (pgbench -i, sysbench prepare):
		 * nothing is measured until it ends. */
		if (pg->tty && !pg->quiet && !strcmp(ev->status, "start")) {
			printf("\r\033[K%s  setting up (t=%.0fs)  ETA %s", instance_label(pg, ev->instance), ev->t,
			    fmt_eta(pg->eta - ev->t, eta, sizeof eta));
			fflush(stdout);
			pg->line_open = 1;
		}
		break;
	case EV_SAMPLE: {
		const struct event_metric *m = main_metric(ev);
		if (pg->tty && !pg->quiet && m) {
			char val[48];
			printf("\r\033[K%s  t=%3.0fs  %s %s  ETA %s", instance_label(pg, ev->instance), ev->t,
			    fmt_value(m->value, val, sizeof val), m->def->unit, fmt_eta(pg->eta - ev->t, eta, sizeof eta));
			fflush(stdout);
			pg->line_open = 1;
		}
		break;
	}
	case EV_INSTANCE_END: {
		if (pg->quiet && !strcmp(ev->status, "ok"))
			break;
		const struct event_metric *m = main_metric(ev);
		if (pg->line_open)
			printf("\r\033[K");
		pg->line_open = 0;
		printf("%s  %-9s", instance_label(pg, ev->instance), ev->status);
		char val[48];
		if (m)
			printf(" %s %s", fmt_value(m->value, val, sizeof val), m->def->unit);
		if (ev->startup_ms >= 0)
			printf("  ready in %.1f ms", ev->startup_ms);
		if (ev->error)
			printf("  error: %s", ev->error);
		printf("\n");
		fflush(stdout);
		break;
	}
	case EV_LOG:
		if (pg->line_open)
			printf("\r\033[K");
		pg->line_open = 0;
		fprintf(stderr, "isolab: %s%s\n", ev->level == LOG_ERROR ? "error: " : ev->level == LOG_WARN ? "warning: " : "",
		    ev->msg);
		break;
	default:
		break;
	}
}

/* Of the runtimes named (NULL-terminated), those that can run here: each is
 * probed, and one that cannot run goes to *left_out as "NAME: why; fix: how"
 * instead. A runtime on another host (RUNTIME@HOST, --host) and a name that
 * is not defined are kept: the run reports on them itself. Both lists are
 * malloc'd, NULL-terminated, of malloc'd strings. */
static char **runnable(struct executors *xs, char *const *names, char ***left_out)
{
	size_t n = 0, nkeep = 0, nout = 0;
	while (names && names[n])
		n++;
	char **keep = xcalloc(n + 1, sizeof *keep), **out = xcalloc(n + 1, sizeof *out);
	for (size_t i = 0; i < n; i++) {
		const struct runtime_conf *rt = NULL;
		const struct executor *ex = NULL;
		char *why = NULL;
		struct driver_status st = { .available = 1 };
		/* Only this machine's runtimes: probing a host connects to it. */
		if (executors_resolve(xs, names[i], &rt, &ex, &why) == 0 && !strcmp(ex->host, "local"))
			runtime_probe(rt, &st);
		if (st.available)
			keep[nkeep++] = xstrdup(names[i]);
		else
			out[nout++] = xasprintf("%s: %s%s%s", names[i], st.reason ? st.reason : "unknown reason",
			    st.fix ? "; fix: " : "", st.fix ? st.fix : "");
		driver_status_free(&st);
		free(why);
	}
	*left_out = out;
	return keep;
}

/* isolab run (interface 0) and isolab tui (1). */
static int run_command(const struct globals *g, int argc, char **argv, int interface)
{
	const char *cmd = interface ? "tui" : "run";
	static const struct option opts[] = {
		{ "runtimes", required_argument, NULL, 'r' },
		{ "workloads", required_argument, NULL, 'w' },
		{ "repetitions", required_argument, NULL, 'n' },
		{ "time", required_argument, NULL, 't' },
		{ "experiment", required_argument, NULL, 'e' },
		{ "param", required_argument, NULL, 'p' },
		{ "sweep", required_argument, NULL, 'S' },
		{ "baseline", required_argument, NULL, 'B' },
		{ "warmup", required_argument, NULL, 'W' },
		{ "threads", required_argument, NULL, 'T' },
		{ "network", required_argument, NULL, 'N' },
		{ "json", required_argument, NULL, 'J' },
		{ "csv", required_argument, NULL, 'C' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "host", required_argument, NULL, 'H' },
		{ "accept-new-host-key", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *runtimes = NULL, *workloads = NULL, *exp_name = NULL, *baseline = NULL;
	const char *json_path = NULL, *csv_path = NULL, *network = NULL, *host = g->host;
	struct executors *xs = NULL;
	unsigned reps = 0, warmup = 0, threads = 0;
	int have_warmup = 0, quiet = 0, accept_key = 0;
	double duration = 0;
	size_t nparams = 0;
	struct kv *params = xcalloc((size_t)argc + 1, sizeof *params);
	struct sweep sweep = { 0 };
	int c, rc = 2;
	while ((c = getopt_long(argc, argv, "r:w:n:t:e:p:qh", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'r': runtimes = optarg; break;
		case 'w': workloads = optarg; break;
		case 'e': exp_name = optarg; break;
		case 'B': baseline = optarg; break;
		case 'J': json_path = optarg; break;
		case 'C': csv_path = optarg; break;
		case 'q': quiet = 1; break;
		case 'N':
			if (strcmp(optarg, "none") && strcmp(optarg, "host") && strcmp(optarg, "bridge") &&
			    strcmp(optarg, "auto")) {
				cli_error("%s: --network: expected none, host, bridge or auto, got '%s'", cmd, optarg);
				goto out;
			}
			network = optarg;
			break;
		case 'H': host = optarg; break;
		case 'A': accept_key = 1; break;
		case 'n':
			if (parse_uint(optarg, 1, 1000, &reps) < 0) {
				cli_error("%s: -n: expected a number of repetitions from 1 to 1000, got '%s'", cmd, optarg);
				goto out;
			}
			break;
		case 'W':
			if (parse_uint(optarg, 0, 100, &warmup) < 0) {
				cli_error("%s: --warmup: expected 0 to 100, got '%s'", cmd, optarg);
				goto out;
			}
			have_warmup = 1;
			break;
		case 'T':
			if (parse_uint(optarg, 1, 1024, &threads) < 0) {
				cli_error("%s: --threads: expected 1 to 1024, got '%s'", cmd, optarg);
				goto out;
			}
			break;
		case 't':
			duration = strtod(optarg, &end);
			if (end == optarg || *end || !(duration > 0 && duration <= 86400)) {
				cli_error("%s: -t: expected seconds, more than 0 and at most 86400, got '%s'", cmd, optarg);
				goto out;
			}
			break;
		case 'p': {
			char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg) {
				cli_error("%s: -p: expected NAME=VALUE, got '%s'", cmd, optarg);
				goto out;
			}
			params[nparams].key = xstrndup(optarg, (size_t)(eq - optarg));
			params[nparams++].value = xstrdup(eq + 1);
			break;
		}
		case 'S': {
			char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg || !eq[1] || strchr(eq + 1, '=')) {
				cli_error("%s: --sweep: expected NAME=V1,V2,... (e.g. threads=1,2,4), got '%s'", cmd, optarg);
				goto out;
			}
			free(sweep.param);
			strv_free(sweep.values);
			sweep.param = xstrndup(optarg, (size_t)(eq - optarg));
			sweep.values = split_list(eq + 1);
			break;
		}
		case 'h': run_usage(stdout, interface); rc = 0; goto out;
		default: run_usage(stderr, interface); goto out;
		}
	}
	if (optind < argc) {
		cli_error("%s: unexpected argument '%s' (try 'isolab %s --help')", cmd, argv[optind], cmd);
		goto out;
	}
	if (interface) {
		if (json_path || csv_path || quiet) {
			cli_error("tui: --json, --csv and --quiet are for a headless run (isolab run)");
			goto out;
		}
		if (argc == 1) {
			struct tui_args ta = { .config_files = g->config_files, .nconfig_files = g->nconfig_files,
				.state_dir = g->state_dir, .theme = g->theme, .host = host,
				.accept_new_host_key = accept_key || g->accept_new_host_key };
			char *why = NULL;
			rc = tui_main(&ta, &why);
			if (why)
				cli_error("%s", why);
			free(why);
			goto out;
		}
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
			cli_error("tui: the interactive interface needs a terminal (try 'isolab run' for a headless run)");
			goto out;
		}
	}

	struct config cfg = { 0 };
	if (cli_load_config(g, &cfg) < 0)
		goto out;

	/* exp is a shallow working copy: its strings belong to the config, to
	 * defaults (freed with experiment_clear) or to the lists below. */
	struct experiment exp, defaults = { 0 };
	if (exp_name) {
		const struct experiment *x = config_experiment(&cfg, exp_name);
		if (!x) {
			cli_error("%s: unknown experiment '%s' (see 'isolab list experiments')", cmd, exp_name);
			config_free(&cfg);
			goto out;
		}
		exp = *x;
	} else {
		experiment_defaults(&defaults);
		exp = defaults;
		exp.name = (char *)"command-line";
	}
	char **rt_list = NULL, **wl_list = NULL, **left_out = NULL;
	/* The interface shows these on its Messages screen. */
	char **notes = xcalloc(1, sizeof *notes);
	size_t nnotes = 0;
	if (runtimes)
		exp.runtimes = rt_list = split_list(runtimes);
	else if (!exp.runtimes)
		exp.runtimes = rt_list = split_list("native");
	if (workloads)
		exp.workloads = wl_list = split_list(workloads);
	else if (!exp.workloads)
		exp.workloads = wl_list = split_list("cpu");
	if (reps)
		exp.repetitions = reps;
	if (duration > 0)
		exp.duration = duration;
	if (have_warmup)
		exp.warmup = warmup;
	if (threads)
		exp.threads = threads;
	if (baseline)
		exp.baseline = (char *)baseline;
	if (network)
		exp.network = (char *)network;
	const struct runtime_conf **rts = NULL;
	const char **hosts = NULL;
	size_t nrt = 0;
	struct kv *all = NULL;
	xs = executors_new(&cfg);
	executors_set_default_host(xs, host);
	struct ssh_prompts prompts;
	cli_ssh_prompts(&prompts, accept_key || g->accept_new_host_key, isatty(STDIN_FILENO));
	executors_set_prompts(xs, &prompts);
	/* An experiment that says so leaves out the runtimes that cannot run
	 * here, saying why, instead of failing their instances. */
	if (exp.skip_unavailable) {
		char **kept = runnable(xs, exp.runtimes, &left_out);
		for (char **s = left_out; *s; s++) {
			notes = xreallocarray(notes, nnotes + 2, sizeof *notes);
			notes[nnotes++] = xasprintf("left out %s", *s);
			notes[nnotes] = NULL;
		}
		strv_free(rt_list);
		exp.runtimes = rt_list = kept;
		if (!kept[0]) {
			cli_error("%s: none of the runtimes of experiment '%s' can run here (see 'isolab list runtimes')",
			    cmd, exp.name);
			rc = 1;
			goto out_cfg;
		}
		int have_base = !exp.baseline;
		for (char **s = kept; !have_base && *s; s++)
			have_base = !strcmp(*s, exp.baseline);
		if (!have_base) {
			notes = xreallocarray(notes, nnotes + 2, sizeof *notes);
			notes[nnotes++] = xasprintf("the baseline %s cannot run here: comparing with %s", exp.baseline,
			    kept[0]);
			notes[nnotes] = NULL;
			exp.baseline = kept[0];
		}
	}
	for (char **s = exp.runtimes; *s; s++) {
		const struct executor *ex;
		char *why = NULL;
		rts = xreallocarray(rts, nrt + 1, sizeof *rts);
		hosts = xreallocarray(hosts, nrt + 1, sizeof *hosts);
		if (executors_resolve(xs, *s, &rts[nrt], &ex, &why) < 0) {
			cli_error("%s: %s", cmd, why);
			free(why);
			goto out_cfg;
		}
		hosts[nrt++] = ex->host;
	}
	for (char **s = exp.workloads; *s; s++)
		if (!config_workload(&cfg, *s)) {
			cli_error("%s: unknown workload '%s' (see 'isolab list workloads')", cmd, *s);
			goto out_cfg;
		}
	if (exp.baseline && !config_runtime(&cfg, exp.baseline)) {
		cli_error("%s: unknown baseline runtime '%s'", cmd, exp.baseline);
		goto out_cfg;
	}
	/* A parameter no workload of the run declares would change nothing,
	 * and a value of the wrong type would fail late inside a tool: both
	 * are refused before anything starts. The experiment's own params
	 * were checked against its workloads when it was loaded; -w may have
	 * replaced them, so their types are checked again. */
	for (size_t i = 0; i < nparams; i++) {
		char *why = NULL, *canon = NULL;
		if (experiment_check_param(&cfg, &exp, params[i].key, params[i].value, 1, &canon, &why) < 0) {
			cli_error("%s: -p %s=%s: %s", cmd, params[i].key, params[i].value, why);
			free(why);
			goto out_cfg;
		}
		if (canon) {
			free(params[i].value);
			params[i].value = canon;
		}
	}
	for (size_t i = 0; i < exp.nparams; i++) {
		char *why = NULL;
		if (experiment_check_param(&cfg, &exp, exp.params[i].key, exp.params[i].value, 0, NULL, &why) < 0) {
			cli_error("%s: experiment %s: params.%s: %s", cmd, exp.name, exp.params[i].key, why);
			free(why);
			goto out_cfg;
		}
	}
	/* A sweep from the command line replaces the experiment's; either is
	 * checked against the run's workloads (-w may have changed them). */
	if (sweep.param)
		exp.sweep = sweep;
	if (exp.sweep.param) {
		char *swhy = NULL;
		if (experiment_check_sweep(&cfg, &exp, &swhy) < 0) {
			cli_error("%s: %s%s: %s", cmd, sweep.param ? "--" : "experiment ", sweep.param ? "sweep" : exp.name,
			    swhy);
			free(swhy);
			goto out_cfg;
		}
		if (sweep.param)
			sweep = exp.sweep; /* canonical values */
	}
	/* The network is resolved by the engine; a run that cannot work on
	 * it is bad usage, refused here before anything starts. */
	const char *net = NULL;
	char *why = NULL;
	if (runtimes_plan_network(&cfg, &exp, rts, hosts, nrt, &net, NULL, &why) < 0) {
		cli_error("%s: %s", cmd, why);
		free(why);
		goto out_cfg;
	}
	/* Command-line parameters come after the experiment's, so they win. */
	all = xcalloc(exp.nparams + nparams + 1, sizeof *all);
	for (size_t i = 0; i < nparams; i++)
		all[i] = params[i];
	for (size_t i = 0; i < exp.nparams; i++)
		all[nparams + i] = exp.params[i];
	exp.params = all;
	exp.nparams += nparams;
	if (interface) {
		struct experiment first;
		experiment_copy(&first, &exp);
		struct tui_args ta = { .config_files = g->config_files, .nconfig_files = g->nconfig_files,
			.state_dir = g->state_dir, .theme = g->theme, .host = host,
			.accept_new_host_key = accept_key || g->accept_new_host_key, .first = &first, .left_out = left_out };
		char *tcause = NULL;
		rc = tui_main(&ta, &tcause);
		if (tcause)
			cli_error("%s", tcause);
		free(tcause);
		experiment_clear(&first);
		goto out_cfg;
	}
	for (char **s = notes; *s; s++)
		fprintf(stderr, "isolab: %s\n", *s);

	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, &old);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

	char *cause = NULL;
	const char *state_dir = cli_state_dir(g, &cfg);
	struct engine *e = engine_new(&cfg, xs, state_dir, &cause);
	if (!e || engine_start(e, &exp, &cause) < 0) {
		cli_error("%s: %s", cmd, cause);
		free(cause);
		engine_free(e);
		rc = 1;
		goto out_sig;
	}
	struct progress pg = { .tty = isatty(STDOUT_FILENO), .quiet = quiet, .rt_width = 10, .wl_width = 12 };
	for (char **r = exp.runtimes; r && *r; r++)
		if ((int)strlen(*r) > pg.rt_width)
			pg.rt_width = (int)strlen(*r);
	for (char **w = exp.workloads; w && *w; w++)
		if ((int)strlen(*w) > pg.wl_width)
			pg.wl_width = (int)strlen(*w);
	for (size_t i = 0; i < exp.nneighbours; i++)
		if ((int)strlen(exp.neighbours[i].workload) > pg.wl_width)
			pg.wl_width = (int)strlen(exp.neighbours[i].workload);
	char *run_id = NULL;
	unsigned failed = 0;
	int cancelled = 0, done = 0;
	while (!done) {
		struct pollfd pfd[2] = { { .fd = engine_wakeup_fd(e), .events = POLLIN },
			{ .fd = sfd, .events = POLLIN } };
		if (poll(pfd, sfd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
			break;
		if (sfd >= 0 && (pfd[1].revents & POLLIN)) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
				if (pg.line_open)
					printf("\n");
				pg.line_open = 0;
				fprintf(stderr, "isolab: %s: stopping the run and tearing down its instances\n",
				    strsignal((int)si.ssi_signo));
				engine_cancel(e);
			}
		}
		struct engine_event *ev;
		while ((ev = engine_next_event(e))) {
			progress_event(&pg, ev);
			if (ev->type == EV_RUN_END) {
				run_id = xstrdup(ev->run_id);
				failed = ev->failed;
				cancelled = ev->cancelled;
				done = 1;
			}
			engine_event_free(ev);
		}
	}
	engine_join(e);
	engine_free(e);
	free(pg.labels);
	if (!quiet)
		printf("\n");
	struct report_opts ro = { .baseline = exp.baseline, .json = json_path, .csv = csv_path, .cfg = &cfg };
	int rrc = run_id ? cli_print_report(state_dir, run_id, &ro) : 1;
	if (left_out && left_out[0]) {
		printf("not run, as they cannot run here:");
		for (char **s = left_out; *s; s++)
			printf(" %.*s", (int)strcspn(*s, ":"), *s);
		printf(" (the reasons are above; 'isolab list runtimes' has them too)\n");
	}
	free(run_id);
	rc = failed || cancelled || rrc ? 1 : 0;
out_sig:
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
out_cfg:
	free(rts);
	free(hosts);
	executors_free(xs);
	strv_free(rt_list);
	strv_free(wl_list);
	strv_free(left_out);
	strv_free(notes);
	free(all);
	experiment_clear(&defaults);
	config_free(&cfg);
out:
	free(sweep.param);
	strv_free(sweep.values);
	for (size_t i = 0; i < nparams; i++) {
		free(params[i].key);
		free(params[i].value);
	}
	free(params);
	return rc;
}

static int cmd_run_exec(const struct globals *g, int argc, char **argv)
{
	return run_command(g, argc, argv, 0);
}

static int cmd_tui_exec(const struct globals *g, int argc, char **argv)
{
	return run_command(g, argc, argv, 1);
}

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.usage = "[-r RTS] [-w WLS] [-n N] [-t S] [-e EXP] ...",
	.summary = "run an experiment headless and print its report",
	.exec = cmd_run_exec,
};


const struct cmd_entry cmd_tui_entry = {
	.name = "tui",
	.usage = "[-e EXP] [-r RTS] [-w WLS] [-n N] [-t S] ...",
	.summary = "the interface, opened on a run (isolab run's options)",
	.exec = cmd_tui_exec,
};

/*
 * cmd-report.c — `isolab report`: the comparison table of a run, its
 * exports (CSV, JSON), its charts (a self-contained HTML page, PNG files,
 * a PDF), and run against run (--against: what changed since a reference
 * run, with a verdict per cell that a CI pipeline can gate on).
 */
#include "config.h"
#include "cmd.h"
#include "compare.h"
#include "figures.h"
#include "html.h"
#include "journal.h"
#include "report.h"
#include "tidy.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct loaded {
	char *dir;
	struct journal_read jr;
	struct report rep;
};

static void loaded_free(struct loaded *l)
{
	report_free(&l->rep);
	journal_read_free(&l->jr);
	free(l->dir);
}

/* samples: whether what follows reads the samples (the figures); without
 * them, they are read as they go and not kept. */
static int load(const char *state_dir, const char *run, const char *baseline, int samples, struct loaded *l)
{
	char *cause = NULL;
	*l = (struct loaded){ 0 };
	l->dir = journal_resolve(state_dir, run, &cause);
	if (!l->dir ||
	    (samples ? journal_read(l->dir, &l->jr, &cause) < 0 || report_build(&l->jr, baseline, &l->rep, &cause) < 0
		     : report_build_dir(l->dir, baseline, &l->jr, &l->rep, &cause) < 0)) {
		cli_error("%s", cause);
		free(cause);
		loaded_free(l);
		return -1;
	}
	return 0;
}

/* Reports an export's failure; returns 1 for the exit status. */
static int failed(char *cause)
{
	cli_error("%s", cause);
	free(cause);
	return 1;
}

int cli_print_report(const char *state_dir, const char *run_id, const struct report_opts *o)
{
	struct loaded a, b;
	int samples = o->html || o->png || o->pdf;
	if (load(state_dir, run_id, o->baseline, samples, &a) < 0)
		return 1;
	int against = o->against != NULL;
	if (against && load(state_dir, o->against, o->baseline, 0, &b) < 0) {
		loaded_free(&a);
		return 1;
	}
	struct compare cmp = { 0 };
	char *cause = NULL;
	int rc = 0;
	if (against) {
		compare_build(&a.rep, a.jr.env, &b.rep, b.jr.env, o->min_effect_pct, &cmp);
		compare_print(&cmp, stdout);
	} else {
		report_print(&a.rep, stdout);
	}
	if (o->json) {
		int wrc;
		if (against) {
			json_t *doc = compare_to_json(&cmp);
			char *data = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			json_decref(doc);
			_cleanup_free_ char *text = data ? xasprintf("%s\n", data) : NULL;
			free(data);
			wrc = text ? journal_write_atomic(o->json, text, strlen(text), &cause)
				   : err_set(&cause, "%s: cannot serialise the comparison", o->json);
		} else {
			wrc = report_write_json(&a.rep, o->json, &cause);
		}
		if (wrc < 0)
			rc = failed(cause), cause = NULL;
	}
	if (o->csv && report_write_csv(&a.rep, o->csv, &cause) < 0)
		rc = failed(cause), cause = NULL;
	if ((o->series_csv || o->procs_csv) && tidy_write_dir(a.dir, o->series_csv, o->procs_csv, &cause) < 0)
		rc = failed(cause), cause = NULL;
	if (o->html || o->png || o->pdf) {
		struct figures fig;
		figures_build(&a.jr, &a.rep, &fig);
		const struct experiment *lab = NULL;
		if (o->cfg && a.rep.experiment) {
			lab = config_experiment(o->cfg, a.rep.experiment);
			if (lab && !experiment_is_lab(lab))
				lab = NULL;
		}
		struct html_doc doc = { .jr = &a.jr, .rep = &a.rep, .fig = &fig, .lab = lab,
			.cmp = against ? &cmp : NULL, .command = o->command };
		if (o->html && html_write(&doc, o->html, &cause) < 0)
			rc = failed(cause), cause = NULL;
		if (o->png && figures_write_png(&fig, o->png, &cause) < 0)
			rc = failed(cause), cause = NULL;
		if (o->pdf && figures_write_pdf(&fig, o->pdf, &cause) < 0)
			rc = failed(cause), cause = NULL;
		figures_free(&fig);
	}
	if (against && o->fail_on_regression && cmp.worse) {
		cli_error("report: %u cell%s of run %s got significantly worse than run %s (--fail-on-regression)",
		    cmp.worse, cmp.worse == 1 ? "" : "s", cmp.run_a, cmp.run_b);
		rc = 1;
	}
	if (against) {
		compare_free(&cmp);
		loaded_free(&b);
	}
	loaded_free(&a);
	return rc;
}

/* The command line, for the HTML page's footer (shown, never run). */
static char *command_line(int argc, char **argv)
{
	char *s = xstrdup("isolab");
	for (int i = 0; i < argc; i++) {
		char *t = xasprintf("%s %s", s, argv[i]);
		free(s);
		s = t;
	}
	return s;
}

static int parse_pct(const char *arg, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v < 0 || v > 1000) {
		cli_error("report: --min-effect expects a percentage from 0 to 1000, got '%s'", arg);
		return -1;
	}
	*out = v;
	return 0;
}

static const char usage_text[] =
    "usage: isolab report [RUN] [--baseline RT] [--json FILE] [--csv FILE]\n"
    "                     [--series-csv FILE] [--procs-csv FILE]\n"
    "                     [--html FILE] [--png DIR] [--pdf FILE]\n"
    "                     [--against B [--min-effect PCT] [--fail-on-regression]] [--list]\n"
    "RUN is a run id, a run directory or 'latest' (the default).\n"
    "  --series-csv FILE  every per-second value, one per row (run,instance,runtime,host,rep,t,\n"
    "                   metric,value): the workload's metrics, each role's host CPU and RSS\n"
    "  --procs-csv FILE every process sample, one per row (run,instance,runtime,rep,t,pid,comm,\n"
    "                   role,component and the pidstat columns)\n"
    "  --html FILE      one self-contained page: environment, table, charts, a lab's verdict\n"
    "  --png DIR        each chart as DIR/<chart>.png; --pdf FILE: every chart, one per page\n"
    "  --against B      compare the run (A) with the reference run B, cell by cell; --json\n"
    "                   then writes the comparison\n"
    "  --min-effect PCT the smallest change called worse or better (default 5)\n"
    "  --fail-on-regression  exit 1 when a cell got significantly worse\n";

static int cmd_report_exec(const struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "baseline", required_argument, NULL, 'B' },
		{ "json", required_argument, NULL, 'J' },
		{ "csv", required_argument, NULL, 'C' },
		{ "series-csv", required_argument, NULL, 'S' },
		{ "procs-csv", required_argument, NULL, 'R' },
		{ "html", required_argument, NULL, 'H' },
		{ "png", required_argument, NULL, 'P' },
		{ "pdf", required_argument, NULL, 'D' },
		{ "against", required_argument, NULL, 'A' },
		{ "min-effect", required_argument, NULL, 'M' },
		{ "fail-on-regression", no_argument, NULL, 'F' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct report_opts o = { .min_effect_pct = 5.0 };
	int list = 0, c, min_effect_set = 0;
	/* 0 makes GNU getopt start afresh, in its permuting mode, so options
	 * may follow the run ("isolab report A --against B"). */
	optind = 0;
	while ((c = getopt_long(argc, argv, "lh", opts, NULL)) != -1) {
		switch (c) {
		case 'B': o.baseline = optarg; break;
		case 'J': o.json = optarg; break;
		case 'C': o.csv = optarg; break;
		case 'S': o.series_csv = optarg; break;
		case 'R': o.procs_csv = optarg; break;
		case 'H': o.html = optarg; break;
		case 'P': o.png = optarg; break;
		case 'D': o.pdf = optarg; break;
		case 'A': o.against = optarg; break;
		case 'M':
			if (parse_pct(optarg, &o.min_effect_pct) < 0)
				return 2;
			min_effect_set = 1;
			break;
		case 'F': o.fail_on_regression = 1; break;
		case 'l': list = 1; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: return 2;
		}
	}
	if (argc - optind > 1) {
		cli_error("report: expected at most one run, got '%s' and '%s'", argv[optind], argv[optind + 1]);
		return 2;
	}
	if (!o.against && (min_effect_set || o.fail_on_regression)) {
		cli_error("report: %s compares two runs: give the reference run with --against RUN",
		    o.fail_on_regression ? "--fail-on-regression" : "--min-effect");
		return 2;
	}
	if (o.against && (o.series_csv || o.procs_csv)) {
		cli_error("report: %s exports one run's time series; it does not go with --against",
		    o.series_csv ? "--series-csv" : "--procs-csv");
		return 2;
	}
	if (o.against && o.csv) {
		cli_error("report: --csv exports one run's table; with --against, use --json for the comparison");
		return 2;
	}
	struct config cfg = { 0 };
	if (cli_load_config(g, &cfg) < 0)
		return 2;
	const char *state_dir = cli_state_dir(g, &cfg);
	int rc;
	if (list) {
		char **ids = NULL;
		size_t n = journal_list_runs(state_dir, &ids);
		for (size_t i = 0; i < n; i++) {
			printf("%s\n", ids[i]);
			free(ids[i]);
		}
		free(ids);
		rc = 0;
	} else {
		_cleanup_free_ char *cmdline = command_line(argc, argv);
		o.cfg = &cfg;
		o.command = cmdline;
		rc = cli_print_report(state_dir, optind < argc ? argv[optind] : NULL, &o);
	}
	config_free(&cfg);
	return rc;
}

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.usage = "[RUN] [--html F] [--pdf F] [--against B] ...",
	.summary = "print, export or draw a run (default: the latest), or compare two",
	.exec = cmd_report_exec,
};

/*
 * cmd-lab.c — `isolab lab`: the lab scenarios. list, show NAME, run NAME
 * (the experiment through `isolab run -e NAME`, then the explanation, the
 * published findings and the verdict), verdict [RUN] (again, for a run
 * already on disk).
 */
#include "config.h"
#include "cmd.h"
#include "journal.h"
#include "lab.h"
#include "plan.h"
#include "report.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void lab_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: isolab lab list\n"
	    "       isolab lab show NAME\n"
	    "       isolab lab run NAME [isolab run options: -r, -t, -n, -q, --json, --csv ...]\n"
	    "       isolab lab verdict [RUN]\n"
	    "A lab is an experiment with a title and a question (experiments/labs.conf):\n"
	    "'run' runs it, prints its report, then what it shows, what was published and\n"
	    "whether this machine agreed. 'verdict' judges a run already on disk (default: latest).\n");
}

/* Prints text wrapped at width, each line after an indent. */
static void wrap(FILE *fp, const char *indent, const char *text, size_t width)
{
	const char *s = text;
	while (*s) {
		while (*s == ' ')
			s++;
		size_t n = strlen(s), cut = n;
		if (n > width) {
			cut = width;
			while (cut > 0 && s[cut] != ' ')
				cut--;
			if (!cut)
				cut = width;
		}
		fprintf(fp, "%s%.*s\n", indent, (int)cut, s);
		s += cut;
	}
}

static void print_lab_text(const struct experiment *x, FILE *fp)
{
	fprintf(fp, "%s\n", x->title);
	wrap(fp, "  ", x->question, 76);
	if (x->explanation) {
		fprintf(fp, "\nHow it works\n");
		wrap(fp, "  ", x->explanation, 76);
	}
	if (x->watch) {
		fprintf(fp, "\nWhat to watch\n");
		wrap(fp, "  ", x->watch, 76);
	}
	if (x->published) {
		fprintf(fp, "\nPublished\n");
		wrap(fp, "  ", x->published, 76);
	}
}

/* A NULL-terminated list as "a, b, c". */
static void print_list(FILE *fp, char *const *v)
{
	for (size_t i = 0; v && v[i]; i++)
		fprintf(fp, "%s%s", i ? ", " : "", v[i]);
}

/* " cpus 0.5 cpuset 1 ..." after label; nothing when l sets none. The
 * memory pool is the group's, printed once by the caller. */
static void print_limits(FILE *fp, const char *label, const struct limits *l)
{
	if (!(limits_requested(l) & ~(unsigned)LIMIT_POOL))
		return;
	fputs(label, fp);
	if (l->cpus > 0)
		fprintf(fp, " cpus %g", l->cpus);
	if (l->cpuset)
		fprintf(fp, " cpuset %s", l->cpuset);
	if (l->weight)
		fprintf(fp, " weight %u", l->weight);
	if (l->mem_hard)
		fprintf(fp, " memory %llu MiB", (unsigned long long)(l->mem_hard >> 20));
	if (l->mem_soft)
		fprintf(fp, " memory_soft %llu MiB", (unsigned long long)(l->mem_soft >> 20));
	if (l->pids)
		fprintf(fp, " pids %u", l->pids);
	if (l->io_weight)
		fprintf(fp, " io_weight %u", l->io_weight);
	fputc('\n', fp);
}

/* What a run of the lab does and how it is judged: its runtimes,
 * workloads, durations, limits and neighbours, then its rules. */
static void print_lab_plan(const struct experiment *x, FILE *fp)
{
	fprintf(fp, "\nThe experiment\n  %s: runtimes ", experiment_kind_name(x->kind));
	print_list(fp, x->runtimes);
	fprintf(fp, "; workloads ");
	print_list(fp, x->workloads);
	fprintf(fp, "\n  %u repetition%s of %g s each", x->repetitions, x->repetitions == 1 ? "" : "s", x->duration);
	if (x->warmup)
		fprintf(fp, " after %u warm-up%s", x->warmup, x->warmup == 1 ? "" : "s");
	fprintf(fp, " (an instance is stopped %g s past it)\n", x->grace);
	if (x->threads > 1)
		fprintf(fp, "  %u threads in every instance\n", x->threads);
	for (size_t k = 0; k < x->nparams; k++)
		fprintf(fp, "%s %s=%s%s", k ? "" : "  parameters:", x->params[k].key, x->params[k].value,
		    k + 1 == x->nparams ? "\n" : "");
	if (x->network && strcmp(x->network, "auto"))
		fprintf(fp, "  network: %s\n", x->network);
	if (x->kind == EXP_SCALE) {
		_cleanup_free_ unsigned *ns = NULL;
		size_t nn = plan_scale_counts(x, &ns);
		fprintf(fp, "  instances together: N =");
		for (size_t k = 0; k < nn; k++)
			fprintf(fp, " %u", ns[k]);
		fprintf(fp, ", measured over one common window once all N are ready\n");
	}
	if (x->sweep.param) {
		fprintf(fp, "  swept: %s = ", x->sweep.param);
		print_list(fp, x->sweep.values);
		fprintf(fp, ", a group and a report row per value\n");
	}
	print_limits(fp, "  limits:", &x->limits);
	if (x->limits.mem_pool)
		fprintf(fp, "  memory pool: %llu MiB shared by the instances that run together (their parent cgroup)\n",
		    (unsigned long long)(x->limits.mem_pool >> 20));
	for (size_t i = 0; i < x->nneighbours; i++) {
		const struct neighbour *nb = &x->neighbours[i];
		fprintf(fp, "  %s %u x %s (%s)\n", i ? "    " : "beside the target:", nb->count, nb->workload,
		    nb->nclass ? nb->nclass : "competing");
		if (nb->has_limits)
			print_limits(fp, "      its limits:", &nb->limits);
		for (size_t k = 0; k < nb->nparams; k++)
			fprintf(fp, "%s %s=%s", k ? "" : "      its parameters:", nb->params[k].key, nb->params[k].value);
		if (nb->nparams)
			fputc('\n', fp);
	}
	for (size_t i = 0; i < x->nvariants; i++) {
		const struct variant *vr = &x->variants[i];
		fprintf(fp, "  variant %s\n", vr->name);
		print_limits(fp, x->kind == EXP_INTERFERENCE ? "    the target:" : "    limits:", &vr->limits);
		if (vr->has_neighbour_limits)
			print_limits(fp, "    the neighbours:", &vr->neighbour_limits);
	}
	if (!x->nexpects)
		return;
	fprintf(fp, "\nVerdict rules (all must hold)\n");
	for (size_t i = 0; i < x->nexpects; i++) {
		_cleanup_free_ char *claim = lab_rule_claim(x, &x->expects[i]);
		fprintf(fp, "  - %s\n", claim);
		const struct expect *e = &x->expects[i];
		if (!isnan(e->equivalent))
			wrap(fp, "    ", "judged by two one-sided tests at 5%: agreed when the 90% CI of the difference "
			    "is inside the margin, not when it is wholly outside, cannot tell in between", 72);
		else if (!isnan(e->overhead_min) || !isnan(e->overhead_max))
			wrap(fp, "    ", "judged by the 95% CI of the overhead: cannot tell while it crosses the bound",
			    72);
		if (e->needs_kvm)
			wrap(fp, "    ", "a finding about hardware-assisted VMs: under TCG (no usable KVM) this "
			    "rule cannot tell, and shows the emulator's figure", 72);
	}
}

/* The verdict of a lab against a report; prints it. */
static void print_verdict(const struct experiment *x, const struct report *r, FILE *fp)
{
	struct lab_verdict v;
	lab_verdict(x, r, &v);
	fprintf(fp, "\nMeasured on this machine (run %s)\n", r->run_id);
	for (size_t i = 0; i < v.nchecks; i++) {
		fprintf(fp, "  [%s] %s\n", lab_outcome_name(v.checks[i].outcome), v.checks[i].claim);
		wrap(fp, "      ", v.checks[i].measured, 72);
	}
	if (!v.nchecks)
		fprintf(fp, "  this lab has no verdict rule (expect): compare the table with the findings above\n");
	fprintf(fp, "\nVerdict: %s\n", lab_outcome_sentence(v.outcome));
	lab_verdict_free(&v);
}

static int lab_list(const struct config *cfg)
{
	size_t n = 0;
	for (size_t i = 0; i < cfg->nexperiments; i++) {
		const struct experiment *x = &cfg->experiments[i];
		if (!experiment_is_lab(x) || !x->explanation)
			continue;
		if (!n++)
			printf("%-22s %-13s %s\n", "LAB", "KIND", "TITLE");
		printf("%-22s %-13s %s\n", x->name, experiment_kind_name(x->kind), x->title);
	}
	if (!n)
		printf("no labs defined (a lab is an experiment with title, question and explanation)\n");
	return 0;
}

static const struct experiment *find_lab(const struct config *cfg, const char *name)
{
	const struct experiment *x = config_experiment(cfg, name);
	if (!x || !experiment_is_lab(x)) {
		cli_error("lab: unknown lab '%s' (see 'isolab lab list')", name);
		return NULL;
	}
	return x;
}

/* Builds the report of run (NULL: latest) and prints the lab's verdict. */
static int lab_judge(const struct config *cfg, const char *state_dir, const char *run, const struct experiment *x)
{
	char *cause = NULL;
	char *dir = journal_resolve(state_dir, run, &cause);
	struct journal_read jr = { 0 };
	struct report rep = { 0 };
	if (!dir || report_build_dir(dir, NULL, &jr, &rep, &cause) < 0) {
		cli_error("lab: %s", cause);
		free(cause);
		free(dir);
		journal_read_free(&jr);
		return 1;
	}
	if (!x) {
		if (!rep.experiment || !(x = config_experiment(cfg, rep.experiment)) || !experiment_is_lab(x)) {
			cli_error("lab: run %s is not a lab's run (experiment '%s')", rep.run_id,
			    rep.experiment ? rep.experiment : "?");
			report_free(&rep);
			journal_read_free(&jr);
			free(dir);
			return 1;
		}
	}
	printf("\n");
	print_lab_text(x, stdout);
	print_verdict(x, &rep, stdout);
	report_free(&rep);
	journal_read_free(&jr);
	free(dir);
	return 0;
}

static int cmd_lab_exec(const struct globals *g, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		lab_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *sub = argv[1];
	struct config cfg = { 0 };
	if (cli_load_config(g, &cfg) < 0)
		return 2;
	int rc = 2;
	if (!strcmp(sub, "list")) {
		rc = lab_list(&cfg);
	} else if (!strcmp(sub, "show") && argc == 3) {
		const struct experiment *x = find_lab(&cfg, argv[2]);
		if (x) {
			print_lab_text(x, stdout);
			print_lab_plan(x, stdout);
			rc = 0;
		}
	} else if (!strcmp(sub, "verdict") && argc <= 3) {
		rc = lab_judge(&cfg, cli_state_dir(g, &cfg), argc == 3 ? argv[2] : NULL, NULL);
	} else if (!strcmp(sub, "run") && argc >= 3) {
		const struct experiment *x = find_lab(&cfg, argv[2]);
		if (x) {
			/* `isolab run -e NAME [options]`: one code path for running. */
			char **rargv = xcalloc((size_t)argc + 2, sizeof *rargv);
			int n = 0;
			rargv[n++] = (char *)"run";
			rargv[n++] = (char *)"-e";
			rargv[n++] = argv[2];
			for (int i = 3; i < argc; i++)
				rargv[n++] = argv[i];
			optind = 1;
			rc = cmd_run_entry.exec(g, n, rargv);
			free(rargv);
			/* A failed instance is still a result to judge (a starved target is the finding). */
			if (rc != 2) {
				int jrc = lab_judge(&cfg, cli_state_dir(g, &cfg), NULL, x);
				if (jrc && !rc)
					rc = jrc;
			}
		}
	} else {
		cli_error("lab: unknown or incomplete subcommand '%s'", sub);
		lab_usage(stderr);
	}
	config_free(&cfg);
	return rc;
}

const struct cmd_entry cmd_lab_entry = {
	.name = "lab",
	.usage = "list | show NAME | run NAME [OPTS] | verdict [RUN]",
	.summary = "lab scenarios: run one and see whether this machine agrees with the studies",
	.exec = cmd_lab_exec,
};

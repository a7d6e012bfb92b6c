/* cmd-list.c — `isolab list runtimes|drivers|workloads|experiments|fingerprints [RUN]`. */
#include "config.h"
#include "cmd.h"
#include "fingerprint.h"
#include "journal.h"
#include "runtime.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static void list_runtimes(const struct config *cfg)
{
	printf("%-16s %-10s %-10s %s\n", "RUNTIME", "DRIVER", "STATUS", "VERSION / REASON");
	for (size_t i = 0; i < cfg->nruntimes; i++) {
		const struct runtime_conf *rt = &cfg->runtimes[i];
		struct driver_status st;
		runtime_probe(rt, &st);
		if (st.available)
			printf("%-16s %-10s %-10s %s\n", rt->name, rt->driver, "available",
			    st.version ? st.version : "");
		else
			printf("%-16s %-10s %-10s %s%s%s\n", rt->name, rt->driver, "missing",
			    st.reason ? st.reason : "unknown reason", st.fix ? "; fix: " : "", st.fix ? st.fix : "");
		driver_status_free(&st);
	}
}

static void list_workloads(const struct config *cfg)
{
	printf("%-16s %-8s %s\n", "WORKLOAD", "ROOTFS", "DESCRIPTION");
	for (size_t i = 0; i < cfg->nworkloads; i++) {
		const struct workload *wl = &cfg->workloads[i];
		printf("%-16s %-8s %s\n", wl->name, wl->rootfs ? wl->rootfs : "minimal",
		    wl->description ? wl->description : "");
		for (size_t p = 0; p < wl->nparams; p++) {
			const struct param *prm = &wl->params[p];
			_cleanup_free_ char *type = value_spec_describe(&prm->spec);
			/* A default found by its pattern says so, and says when
			 * nothing on this host matched it. */
			_cleanup_free_ char *found = !prm->glob ? NULL : prm->unmatched ?
			    xasprintf(" (nothing here matches %s)", prm->pattern) :
			    xasprintf(" (the newest of %s)", prm->pattern);
			printf("%-16s %-8s   ${%s} = %s%s  %s%s%s\n", "", "", prm->name, prm->unmatched ? "none" : prm->value,
			    found ? found : "", prm->description ? prm->description : "", prm->description ? "; " : "", type);
		}
	}
}

/* One line per (driver, option): what `options = { ... }` may hold. */
static void list_driver(const struct driver *d)
{
	if (!d->options || !d->options->name)
		printf("%-12s %-18s %-7s %s\n", d->name, "-", "-", "reads no options");
	for (const struct option_decl *o = d->options; o && o->name; o++) {
		_cleanup_free_ char *type = value_spec_describe(&o->spec);
		printf("%-12s %-18s %-7s %s%s%s\n", d->name, o->name, value_type_name(o->spec.type), o->doc,
		    o->spec.type != VT_STRING ? "; " : "", o->spec.type != VT_STRING ? type : "");
	}
}

static void list_drivers(void)
{
	printf("%-12s %-18s %-7s %s\n", "DRIVER", "OPTION", "TYPE", "DESCRIPTION");
	for (const struct driver *const *d = driver_all(); *d; d++)
		list_driver(*d);
}

static void print_names(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		printf("%s%s", i ? "," : "", v[i]);
}

static void list_experiments(const struct config *cfg)
{
	printf("%-22s %-12s %-5s %-6s %-24s %s\n", "EXPERIMENT", "KIND", "REPS", "TIME", "RUNTIMES", "WORKLOADS");
	for (size_t i = 0; i < cfg->nexperiments; i++) {
		const struct experiment *x = &cfg->experiments[i];
		printf("%-22s %-12s %-5u %-6g ", x->name, experiment_kind_name(x->kind), x->repetitions, x->duration);
		int w = printf("%s", "");
		(void)w;
		print_names(x->runtimes);
		printf("  ");
		print_names(x->workloads);
		printf("\n");
		if (x->title)
			printf("%-22s %s\n", "", x->title);
		if (x->sweep.param) {
			printf("%-22s swept: %s = ", "", x->sweep.param);
			print_names(x->sweep.values);
			printf("\n");
		}
	}
}

/* The isolation fingerprints a run recorded (runtimes/fingerprint.h). */
static int list_fingerprints(const char *state_dir, const char *run)
{
	char *cause = NULL;
	char *dir = journal_resolve(state_dir, run, &cause);
	struct journal_read jr = { 0 };
	if (!dir || journal_read(dir, &jr, &cause) < 0) {
		cli_error("%s", cause);
		free(cause);
		free(dir);
		journal_read_free(&jr);
		return 1;
	}
	size_t n = 0;
	char **lines = fingerprint_table(&jr, &n);
	for (size_t i = 0; lines[i]; i++) {
		printf("%s\n", lines[i]);
		free(lines[i]);
	}
	free(lines);
	if (!n)
		cli_error("run %s has no fingerprint records (they are written when an instance becomes ready)", dir);
	journal_read_free(&jr);
	free(dir);
	return n ? 0 : 1;
}

static int cmd_list_exec(const struct globals *g, int argc, char **argv)
{
	if (argc >= 2 && argc <= 3 && !strcmp(argv[1], "fingerprints")) {
		struct config cfg = { 0 };
		if (cli_load_config(g, &cfg) < 0)
			return 2;
		int rc = list_fingerprints(cli_state_dir(g, &cfg), argc == 3 ? argv[2] : NULL);
		config_free(&cfg);
		return rc;
	}
	if (argc == 2 && !strcmp(argv[1], "drivers")) {
		list_drivers();
		return 0;
	}
	if (argc != 2 || (strcmp(argv[1], "runtimes") && strcmp(argv[1], "workloads") &&
	    strcmp(argv[1], "experiments"))) {
		cli_error("list: expected one of runtimes, drivers, workloads, experiments, fingerprints [RUN]");
		return 2;
	}
	struct config cfg = { 0 };
	if (cli_load_config(g, &cfg) < 0)
		return 2;
	if (!strcmp(argv[1], "runtimes"))
		list_runtimes(&cfg);
	else if (!strcmp(argv[1], "workloads"))
		list_workloads(&cfg);
	else
		list_experiments(&cfg);
	config_free(&cfg);
	return 0;
}

const struct cmd_entry cmd_list_entry = {
	.name = "list",
	.usage = "runtimes|drivers|workloads|experiments|fingerprints [RUN]",
	.summary = "show what is defined, with availability and versions",
	.exec = cmd_list_exec,
};

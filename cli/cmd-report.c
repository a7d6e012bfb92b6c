/* cmd-report.c — `isolab report`: the comparison table of a run, and its exports. */
#include "config.h"
#include "cmd.h"
#include "journal.h"
#include "report.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>

int cli_print_report(const char *state_dir, const char *run_id, const char *baseline,
    const char *json_path, const char *csv_path)
{
	char *cause = NULL;
	char *dir = journal_resolve(state_dir, run_id, &cause);
	struct journal_read jr = { 0 };
	struct report rep = { 0 };
	int rc = 0;
	if (!dir || journal_read(dir, &jr, &cause) < 0 || report_build(&jr, baseline, &rep, &cause) < 0) {
		cli_error("%s", cause);
		free(cause);
		free(dir);
		journal_read_free(&jr);
		return 1;
	}
	report_print(&rep, stdout);
	if (json_path && report_write_json(&rep, json_path, &cause) < 0) {
		cli_error("%s", cause);
		free(cause);
		cause = NULL;
		rc = 1;
	}
	if (csv_path && report_write_csv(&rep, csv_path, &cause) < 0) {
		cli_error("%s", cause);
		free(cause);
		rc = 1;
	}
	report_free(&rep);
	journal_read_free(&jr);
	free(dir);
	return rc;
}

static int cmd_report_exec(const struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "baseline", required_argument, NULL, 'B' },
		{ "json", required_argument, NULL, 'J' },
		{ "csv", required_argument, NULL, 'C' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *baseline = NULL, *json_path = NULL, *csv_path = NULL;
	int list = 0, c;
	while ((c = getopt_long(argc, argv, "lh", opts, NULL)) != -1) {
		switch (c) {
		case 'B': baseline = optarg; break;
		case 'J': json_path = optarg; break;
		case 'C': csv_path = optarg; break;
		case 'l': list = 1; break;
		case 'h':
			printf("usage: isolab report [RUN] [--baseline RT] [--json FILE] [--csv FILE] [--list]\n"
			    "RUN is a run id, a run directory or 'latest' (the default).\n");
			return 0;
		default: return 2;
		}
	}
	if (argc - optind > 1) {
		cli_error("report: expected at most one run, got '%s' and '%s'", argv[optind], argv[optind + 1]);
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
		rc = cli_print_report(state_dir, optind < argc ? argv[optind] : NULL, baseline, json_path, csv_path);
	}
	config_free(&cfg);
	return rc;
}

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.usage = "[RUN] [--baseline RT] [--json F] [--csv F]",
	.summary = "print the comparison of a run (default: the latest)",
	.exec = cmd_report_exec,
};

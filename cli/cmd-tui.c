/*
 * cmd-tui.c — `isolab tui`: the interactive interface, which `isolab` alone
 * also starts, optionally opened on a run of an experiment that is already
 * going (`isolab tui -e first-look`, what ./quickstart runs on a terminal).
 */
#include "cmd.h"
#include "tui.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static void tui_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: isolab tui [-e EXPERIMENT [-n REPS] [-t SECONDS]]\n\n"
	    "Starts the interactive interface (as 'isolab' alone does).\n"
	    "  -e, --experiment NAME  open on a run of NAME, already started (see 'isolab list experiments')\n"
	    "  -n, --repetitions N    measured repetitions (default: the experiment's)\n"
	    "  -t, --time SECONDS     duration of each instance (default: the experiment's)\n");
}

static int cmd_tui_exec(const struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "experiment", required_argument, NULL, 'e' },
		{ "repetitions", required_argument, NULL, 'n' },
		{ "time", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct tui_opening open = { 0 };
	int c;
	while ((c = getopt_long(argc, argv, "e:n:t:h", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'e': open.experiment = optarg; break;
		case 'n': {
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 || v > 1000) {
				cli_error("tui: -n: expected a number of repetitions from 1 to 1000, got '%s'", optarg);
				return 2;
			}
			open.repetitions = (unsigned)v;
			break;
		}
		case 't':
			open.duration = strtod(optarg, &end);
			if (end == optarg || *end || !(open.duration > 0 && open.duration <= 86400)) {
				cli_error("tui: -t: expected seconds, more than 0 and at most 86400, got '%s'", optarg);
				return 2;
			}
			break;
		case 'h': tui_usage(stdout); return 0;
		default: tui_usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		cli_error("tui: unexpected argument '%s' (try 'isolab tui --help')", argv[optind]);
		return 2;
	}
	if (!open.experiment && (open.repetitions || open.duration > 0)) {
		cli_error("tui: -n and -t size the run of -e EXPERIMENT; without -e, the Setup screen sets them");
		return 2;
	}
	return tui_main(g, open.experiment ? &open : NULL);
}

const struct cmd_entry cmd_tui_entry = {
	.name = "tui",
	.usage = "[-e EXPERIMENT [-n N] [-t S]]",
	.summary = "the interactive interface, opened on a run of EXPERIMENT",
	.exec = cmd_tui_exec,
};

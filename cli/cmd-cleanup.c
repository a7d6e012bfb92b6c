/*
 * cmd-cleanup.c — `isolab cleanup [--all]`: reaps what runs left behind.
 *
 * Every resource isolab creates is in a run's resource journal under
 * /run/isolab/<run-id>/ before it exists. A run whose owner process is dead
 * (SIGKILL, a crash, a power cut of the terminal) is reconciled here: each
 * resource not marked done is removed, newest first. --all also reaps runs
 * whose isolab is still alive, for when that isolab is wedged.
 */
#include "cmd.h"
#include "resources.h"
#include "runtime.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void cleanup_usage(FILE *fp)
{
	fprintf(fp, "usage: isolab cleanup [--all] [--quiet]\n\n"
	    "Removes the cgroups, network namespaces, veths, mounts, directories, containers and\n"
	    "processes that isolab runs whose owner has died left behind.\n\n"
	    "  -a, --all     also reap runs whose isolab is still running\n"
	    "  -q, --quiet   print only failures\n");
}

static int cmd_cleanup_exec(const struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int all = 0, quiet = 0, c;
	while ((c = getopt_long(argc, argv, "aqh", opts, NULL)) != -1) {
		switch (c) {
		case 'a': all = 1; break;
		case 'q': quiet = 1; break;
		case 'h': cleanup_usage(stdout); return 0;
		default: cleanup_usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		cli_error("cleanup: unexpected argument '%s' (try 'isolab cleanup --help')", argv[optind]);
		return 2;
	}
	char **log = NULL;
	size_t nlog = 0;
	size_t failed = resources_reap_dead(driver_reaper, all, &log, &nlog);
	for (size_t i = 0; i < nlog; i++) {
		if (strstr(log[i], ": cannot reap "))
			cli_error("cleanup: %s", log[i]);
		else if (!quiet)
			printf("%s\n", log[i]);
		free(log[i]);
	}
	free(log);
	if (!quiet)
		printf("%zu resource%s reaped, %zu left\n", nlog - failed, nlog - failed == 1 ? "" : "s", failed);
	return failed ? 1 : 0;
}

const struct cmd_entry cmd_cleanup_entry = {
	.name = "cleanup",
	.usage = "[--all]",
	.summary = "remove what killed or crashed runs left behind",
	.exec = cmd_cleanup_exec,
};

/*
 * agent-main.c — the static isolab-agent: `isolab agent` alone, linked
 * statically and without libssh, so that isolab can upload it to a host of
 * the same architecture where isolab is not installed (engine/executor-remote.c).
 * It takes the same arguments as `isolab agent` after the word "agent".
 */
#include "cmd.h"

#include <string.h>

int main(int argc, char **argv)
{
	struct globals g = { 0 };
	/* "isolab-agent agent ARGS" and "isolab-agent ARGS" both work. */
	if (argc > 1 && !strcmp(argv[1], "agent")) {
		argv++;
		argc--;
	}
	return cmd_agent_entry.exec(&g, argc, argv);
}

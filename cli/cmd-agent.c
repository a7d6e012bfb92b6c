/*
 * cmd-agent.c — `isolab agent`: its options, then engine/agent.c serves the
 * protocol on stdin and stdout until the channel closes or a signal comes.
 *
 * This file is also, with cli/agent-main.c, the whole of the static
 * isolab-agent that isolab uploads to hosts without isolab.
 */
#include "config.h"
#include "agent.h"
#include "agentproto.h"
#include "cmd.h"
#include "util.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

static void agent_usage(FILE *fp)
{
	fprintf(fp, "usage: isolab agent [--remove-dir DIR]\n"
	    "Speaks the agent protocol on stdin/stdout; started by isolab over SSH for remote runtimes.\n"
	    "  --remove-dir DIR  remove DIR at exit (an uploaded agent's private directory)\n");
}

/* Diagnostics go to stderr, which the local side shows when the agent
 * fails to start; stdout carries protocol lines only. */
static void agent_warn(const char *msg)
{
	fprintf(stderr, "isolab agent: %s\n", msg);
}

static int cmd_agent_exec(const struct globals *g, int argc, char **argv)
{
	(void)g;
	static const struct option opts[] = {
		{ "remove-dir", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct agent_opts o = { .in_fd = STDIN_FILENO, .out_fd = STDOUT_FILENO, .warn = agent_warn };
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'R': o.remove_dir = optarg; break;
		case 'h': agent_usage(stdout); return 0;
		default: agent_usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		agent_usage(stderr);
		return 2;
	}
	if (o.remove_dir && !agentproto_updir_ok(o.remove_dir)) {
		fprintf(stderr, "isolab agent: --remove-dir takes the uploaded agent's directory only\n");
		return 2;
	}
	/* The channel closing (SIGPIPE on a write) or a signal ends the agent
	 * through its loop, which tears everything down first. */
	signal(SIGPIPE, SIG_IGN);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	o.signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	char *cause = NULL;
	int rc = o.signal_fd < 0 ? err_errno(&cause, "cannot set up") : agent_serve(&o, &cause);
	if (rc < 0) {
		agent_warn(cause);
		free(cause);
		if (o.signal_fd < 0 && o.remove_dir)
			rm_rf(o.remove_dir);
	}
	if (o.signal_fd >= 0)
		close(o.signal_fd);
	return rc < 0 ? 1 : 0;
}

const struct cmd_entry cmd_agent_entry = {
	.name = "agent",
	.usage = "[--remove-dir DIR]",
	.summary = "serve a remote isolab over SSH (stdin/stdout)",
	.exec = cmd_agent_exec,
};

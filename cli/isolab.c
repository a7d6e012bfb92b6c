/*
 * isolab.c — the program: global options, then a command from the table.
 * The CLI is thin: everything it does is a call into the engine library.
 */
#include "config.h"
#include "cmd.h"
#include "runtime.h"
#include "tui.h"
#include "util.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct cmd_entry *const commands[] = {
	&cmd_run_entry,
	&cmd_report_entry,
	&cmd_list_entry,
	&cmd_config_entry,
	&cmd_cleanup_entry,
	&cmd_fetch_kernel_entry,
	&cmd_lab_entry,
	&cmd_agent_entry,
	&cmd_tui_entry,
};

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("isolab: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int cli_load_config(const struct globals *g, struct config *cfg)
{
	char *cause = NULL;
	if (config_load(cfg, g->config_files, g->nconfig_files, &cause) < 0) {
		cli_error("%s", cause);
		free(cause);
		return -1;
	}
	/* The schema knows no driver: each driver's options are checked
	 * against its own declarations once everything is loaded. */
	char **errors = NULL;
	size_t n = runtimes_check_options(cfg, &errors);
	if (n)
		cli_error("%s", errors[0]);
	for (size_t i = 0; i < n; i++)
		free(errors[i]);
	free(errors);
	if (n) {
		config_free(cfg);
		return -1;
	}
	return 0;
}

const char *cli_state_dir(const struct globals *g, const struct config *cfg)
{
	return g->state_dir ? g->state_dir : cfg->state_dir;
}

static void usage(FILE *fp)
{
	fprintf(fp, "usage: isolab [-c FILE]... [--state-dir DIR] [--theme NAME] [--host HOST] [COMMAND [ARGS]]\n\n"
	    "Without a command, starts the interactive interface ('isolab tui -e EXPERIMENT' opens it on a run).\n"
	    "Runs the same workload inside different isolation runtimes and compares them.\n\n"
	    "Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(fp, "  %-8s %-44s %s\n", commands[i]->name, commands[i]->usage, commands[i]->summary);
	fprintf(fp, "\nGlobal options:\n"
	    "  -c, --config FILE   read FILE after the default configuration (repeatable)\n"
	    "      --state-dir DIR keep runs under DIR instead of $XDG_STATE_HOME/isolab\n"
	    "      --theme NAME    the interface's colour theme (default, light, mono, ...)\n"
	    "      --host [USER@]HOST[:PORT]  run every runtime on HOST over SSH (runtime@host picks one)\n"
	    "      --accept-new-host-key      accept and remember an unknown SSH host key\n"
	    "  -h, --help          show this help\n"
	    "  -V, --version       show the version\n\n"
	    "'isolab COMMAND --help' shows a command's options; man isolab has the rest.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "theme", required_argument, NULL, 'T' },
		{ "host", required_argument, NULL, 'H' },
		{ "accept-new-host-key", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct globals g = { 0 };
	g.config_files = xcalloc((size_t)argc + 1, sizeof *g.config_files);
	int c;
	/* '+' stops at the command name, so commands parse their own options. */
	while ((c = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': g.config_files[g.nconfig_files++] = optarg; break;
		case 'S': g.state_dir = optarg; break;
		case 'T': g.theme = optarg; break;
		case 'H': g.host = optarg; break;
		case 'A': g.accept_new_host_key = 1; break;
		case 'h': usage(stdout); free(g.config_files); return 0;
		case 'V': printf("isolab %s\n", PACKAGE_VERSION); free(g.config_files); return 0;
		default: usage(stderr); free(g.config_files); return 2;
		}
	}
	if (optind >= argc) {
		/* No command: the interactive interface. */
		struct tui_args a = { .config_files = g.config_files, .nconfig_files = g.nconfig_files,
			.state_dir = g.state_dir, .theme = g.theme, .host = g.host,
			.accept_new_host_key = g.accept_new_host_key };
		char *cause = NULL;
		int rc = tui_main(&a, &cause);
		if (cause)
			cli_error("%s", cause);
		free(cause);
		free(g.config_files);
		return rc;
	}
	const char *name = argv[optind];
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i]->name, name))
			continue;
		int sub_argc = argc - optind;
		char **sub_argv = argv + optind;
		optind = 1;
		int rc = commands[i]->exec(&g, sub_argc, sub_argv);
		free(g.config_files);
		return rc;
	}
	cli_error("unknown command '%s' (try 'isolab --help')", name);
	free(g.config_files);
	return 2;
}

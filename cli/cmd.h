/*
 * cmd.h — isolab's commands: one per file (cmd-*.c), one const table in
 * isolab.c. A command gets the global options already parsed and its own
 * argv (argv[0] is the command name); it returns the process exit status:
 * 0 success, 1 failure (a failed instance, an unreadable run), 2 bad usage
 * or an invalid configuration.
 */
#ifndef ISOLAB_CMD_H
#define ISOLAB_CMD_H

#include <stddef.h>
#include "config.h"

struct globals {
	char **config_files;   /* -c FILE, in order, NULL-terminated */
	size_t nconfig_files;
	const char *state_dir; /* --state-dir, or NULL */
	const char *host;      /* --host, or NULL */
	int accept_new_host_key; /* --accept-new-host-key */
};

struct ssh_prompts;

struct cmd_entry {
	const char *name;
	const char *usage;     /* one line: arguments after the name */
	const char *summary;   /* one line: what it does */
	int (*exec)(const struct globals *g, int argc, char **argv);
};

extern const struct cmd_entry cmd_run_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_list_entry;
extern const struct cmd_entry cmd_config_entry;
extern const struct cmd_entry cmd_cleanup_entry;
extern const struct cmd_entry cmd_fetch_kernel_entry;
extern const struct cmd_entry cmd_lab_entry;
extern const struct cmd_entry cmd_agent_entry;

/* Loads the configuration; prints "isolab: <cause>" and returns -1 on error. */
int cli_load_config(const struct globals *g, struct config *cfg);
/* The state directory: --state-dir, else the configuration's. */
const char *cli_state_dir(const struct globals *g, const struct config *cfg);
/* Prints the report of run (NULL: latest) and writes the exports; 0 or 1. */
int cli_print_report(const char *state_dir, const char *run, const char *baseline,
    const char *json_path, const char *csv_path);
/* How SSH questions are answered on the command line (cli/ssh-prompt.c):
 * accept unknown host keys, and ask on the terminal. Fills p. */
void cli_ssh_prompts(struct ssh_prompts *p, int accept_new_host_key, int ask_on_tty);
/* Prints "isolab: " + message to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

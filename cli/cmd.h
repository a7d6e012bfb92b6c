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
	const char *theme;     /* --theme, or NULL (the interface only) */
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
extern const struct cmd_entry cmd_tui_entry;

/* Loads the configuration; prints "isolab: <cause>" and returns -1 on error. */
int cli_load_config(const struct globals *g, struct config *cfg);
/* The state directory: --state-dir, else the configuration's. */
const char *cli_state_dir(const struct globals *g, const struct config *cfg);
/* What `isolab report` (and `isolab run` after its run) prints and writes. */
struct report_opts {
	const char *baseline;       /* NULL: the run's */
	const char *json, *csv;     /* exports, or NULL */
	const char *series_csv, *procs_csv; /* the time series, long (tidy.h), or NULL */
	const char *html, *png, *pdf; /* charts: a page, a directory of PNGs, a PDF; or NULL */
	const char *against;        /* a reference run: print the comparison instead */
	double min_effect_pct;      /* the smallest change called worse or better */
	int fail_on_regression;     /* with against: 1 when a cell got worse */
	const struct config *cfg;   /* for a lab's text and verdict in the page; or NULL */
	const char *command;        /* the command line, for the page's footer; or NULL */
};
/* Prints the report of run (NULL: latest), or its comparison with
 * o->against, and writes what o asks for; 0, or 1 on any failure (and for
 * a regression with fail_on_regression). */
int cli_print_report(const char *state_dir, const char *run, const struct report_opts *o);
/* How SSH questions are answered on the command line (cli/ssh-prompt.c):
 * accept unknown host keys, and ask on the terminal. Fills p. */
void cli_ssh_prompts(struct ssh_prompts *p, int accept_new_host_key, int ask_on_tty);
/* Prints "isolab: " + message to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

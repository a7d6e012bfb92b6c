/*
 * cmd-config.c — `isolab config check [FILE]...`: every schema error of the
 * given files, or of the whole configuration as it would be loaded. A file
 * without schema errors is then read alone, and its runtimes' options are
 * checked against their drivers' declarations.
 */
#include "config.h"
#include "cmd.h"
#include "runtime.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static int cmd_config_exec(const struct globals *g, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "check")) {
		cli_error("config: expected 'check [FILE]...'");
		return 2;
	}
	if (argc == 2) {
		/* No file: load everything as a run would, and name each file read. */
		struct config cfg = { 0 };
		if (cli_load_config(g, &cfg) < 0)
			return 2;
		for (char **f = cfg.files; f && *f; f++)
			printf("ok: %s\n", *f);
		config_free(&cfg);
		return 0;
	}
	size_t total = 0;
	for (int i = 2; i < argc; i++) {
		char **errors = NULL;
		size_t n = config_check_file(argv[i], &errors);
		struct config fc;
		if (!n && config_load_file(&fc, argv[i], NULL) == 0) {
			free(errors);
			n = runtimes_check_options(&fc, &errors);
			config_free(&fc);
		}
		for (size_t k = 0; k < n; k++) {
			fprintf(stderr, "%s\n", errors[k]);
			free(errors[k]);
		}
		free(errors);
		if (!n)
			printf("ok: %s\n", argv[i]);
		total += n;
	}
	if (total)
		fprintf(stderr, "isolab: config: %zu error%s\n", total, total == 1 ? "" : "s");
	return total ? 2 : 0;
}

const struct cmd_entry cmd_config_entry = {
	.name = "config",
	.usage = "check [FILE]...",
	.summary = "check configuration files against the schema",
	.exec = cmd_config_exec,
};

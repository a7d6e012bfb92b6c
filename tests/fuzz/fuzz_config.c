/*
 * fuzz_config.c — libFuzzer target for the configuration loader and its
 * schema checker (base/config.c).
 *
 * Each input is written to one temporary file, checked with
 * config_check_file (every error collected), then loaded with config_load
 * as the only extra file. ISOLAB_DATADIR, HOME and XDG_CONFIG_HOME point at
 * an empty directory, so the shipped definitions and the user's own file
 * never mix into the result: what the loader sees is the input alone.
 *
 * @include is allowed, but only of names relative to the temporary
 * directory (which holds the input itself): an input naming /dev/zero or a
 * FIFO would measure the machine, not the loader.
 */
#include "config.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char tmpdir[] = "/tmp/isolab-fuzz-config.XXXXXX";
static char *input_path;

static void remove_tmpdir(void)
{
	rm_rf(tmpdir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (!mkdtemp(tmpdir)) {
		perror("fuzz_config: mkdtemp");
		abort();
	}
	atexit(remove_tmpdir);
	input_path = xasprintf("%s/input.conf", tmpdir);
	char *empty = xasprintf("%s/empty", tmpdir);
	if (mkdir_p(empty, 0755) < 0)
		abort();
	setenv("ISOLAB_DATADIR", empty, 1);
	setenv("HOME", empty, 1);
	setenv("XDG_CONFIG_HOME", empty, 1);
	setenv("XDG_STATE_HOME", empty, 1);
	free(empty);
	return 0;
}

/* Includes of anything but a plain name in the temporary directory. */
static int escapes_tmpdir(const uint8_t *data, size_t size)
{
	if (!memmem(data, size, "@include", 8))
		return 0;
	return memchr(data, '/', size) || memchr(data, '\\', size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (escapes_tmpdir(data, size))
		return -1; /* not added to the corpus */
	FILE *fp = fopen(input_path, "w");
	if (!fp || (size && fwrite(data, 1, size, fp) != size) || fclose(fp) != 0)
		abort();

	char **errors = NULL;
	size_t n = config_check_file(input_path, &errors);
	if (n && !errors)
		abort(); /* errors counted but not returned */
	for (size_t i = 0; i < n; i++) {
		/* The contract: one non-empty line per error. */
		if (!errors[i] || !errors[i][0] || strchr(errors[i], '\n'))
			abort();
		free(errors[i]);
	}
	free(errors);

	struct config cfg;
	char *cause = NULL;
	char *extra[] = { input_path };
	int rc = config_load(&cfg, extra, 1, &cause);
	if (rc < 0) {
		if (!cause || strchr(cause, '\n'))
			abort();
		free(cause);
	} else {
		/* Walk what was loaded, as the CLI's list commands do. */
		for (size_t i = 0; i < cfg.nworkloads; i++)
			if (config_workload(&cfg, cfg.workloads[i].name) == NULL)
				abort();
		for (size_t i = 0; i < cfg.nruntimes; i++)
			(void)runtime_option(&cfg.runtimes[i], "binary", NULL);
		for (size_t i = 0; i < cfg.nexperiments; i++)
			if (config_experiment(&cfg, cfg.experiments[i].name) == NULL)
				abort();
		config_free(&cfg);
	}
	/* Sizes are parsed from the same untrusted text. */
	char small[64];
	size_t k = size < sizeof small - 1 ? size : sizeof small - 1;
	memcpy(small, data, k);
	small[k] = 0;
	uint64_t bytes;
	(void)parse_size(small, &bytes);
	return 0;
}

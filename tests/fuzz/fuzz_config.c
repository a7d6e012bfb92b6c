/*
 * fuzz_config.c — libFuzzer target for the configuration loader and its
 * schema checker (base/conffile.c, base/config.c).
 *
 * Each input is the text of one configuration file, named input.conf in a
 * temporary directory, checked with config_check_text (every error
 * collected), then loaded with config_load_texts as the only extra file:
 * the loader's own in-memory path, so no input is written to disk.
 * ISOLAB_DATADIR, HOME and XDG_CONFIG_HOME point at an empty directory, so
 * the shipped definitions and the user's own file never mix into the
 * result: what the loader sees is the input alone.
 *
 * @include is allowed, but only of names relative to the temporary
 * directory, which holds a valid fragment (part.conf), one that includes
 * itself (loop.conf), a directory (dir) and a FIFO (fifo): an input naming
 * /dev/zero or /proc would measure the machine, not the loader.
 *
 * Besides the sanitizers, every message must be one line naming a file of
 * the temporary directory, and none may come from libconfig reading a file
 * or failing on syntax: conffile.c hands libconfig only text that it
 * accepts and that holds no @include.
 */
#include "config.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char tmpdir[] = "/tmp/isolab-fuzz-config.XXXXXX";
static char *input_path;

static void remove_tmpdir(void)
{
	rm_rf(tmpdir);
}

static void put(const char *name, const char *text)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *fp = fopen(path, "w");
	if (!fp || fputs(text, fp) < 0 || fclose(fp) != 0)
		abort();
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
	char *dir = xasprintf("%s/dir", tmpdir);
	char *fifo = xasprintf("%s/fifo", tmpdir);
	if (mkdir_p(empty, 0755) < 0 || mkdir_p(dir, 0755) < 0 || mkfifo(fifo, 0600) < 0)
		abort();
	put("part.conf", "runtimes = { r = { driver = \"native\"; }; };\n"
	    "workloads = { w = { argv = [ \"true\" ]; metrics = ( { name = \"x\"; "
	    "pattern = \"x=(?<value>[0-9]+)\"; unit = \"u\"; } ); }; };\n");
	put("loop.conf", "a = 1;\n@include \"loop.conf\"\n");
	setenv("ISOLAB_DATADIR", empty, 1);
	setenv("HOME", empty, 1);
	setenv("XDG_CONFIG_HOME", empty, 1);
	setenv("XDG_STATE_HOME", empty, 1);
	free(empty);
	free(dir);
	free(fifo);
	return 0;
}

/* Includes of anything but a plain name in the temporary directory. */
static int escapes_tmpdir(const uint8_t *data, size_t size)
{
	if (!memmem(data, size, "@include", 8))
		return 0;
	return memchr(data, '/', size) || memchr(data, '\\', size);
}

/* The contract for every message: one non-empty line that names a file of
 * the temporary directory (file:line: or file: ...), and nothing libconfig
 * said about a file it opened or a syntax it refused. */
static void check_message(const char *m)
{
	if (!m || !m[0] || strchr(m, '\n') || strncmp(m, tmpdir, strlen(tmpdir)))
		abort();
	/* libconfig's own messages, after "file:line": it tried to open a
	 * file itself, or its parser failed on text conffile accepted. */
	static const char *const libconfig_says[] = {
		": cannot open include file", ": include file nesting too deep", ": syntax error",
	};
	size_t n = strlen(m);
	for (size_t i = 0; i < ARRAY_SIZE(libconfig_says); i++) {
		size_t k = strlen(libconfig_says[i]);
		if (n >= k && !strcmp(m + n - k, libconfig_says[i]))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (escapes_tmpdir(data, size))
		return -1; /* not added to the corpus */
	struct config_text text = { .path = input_path, .text = (const char *)data, .len = size };

	char **errors = NULL;
	size_t n = config_check_text(&text, &errors);
	if (n && !errors)
		abort(); /* errors counted but not returned */
	for (size_t i = 0; i < n; i++) {
		check_message(errors[i]);
		free(errors[i]);
	}
	free(errors);

	struct config cfg;
	char *cause = NULL;
	int rc = config_load_texts(&cfg, &text, 1, &cause);
	if (rc < 0) {
		check_message(cause);
		free(cause);
	} else {
		if (n)
			abort(); /* the loader took what the checker refused */
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

/*
 * fuzz_conffile.c — differential libFuzzer target: base/conffile.c's
 * scanner and grammar against libconfig 1.5 itself, on the same text.
 *
 * conffile.c checks a file before libconfig parses it, so the two must
 * agree on what is valid: if conffile refused text libconfig takes, isolab
 * would reject a good configuration; if it passed text libconfig refuses,
 * libconfig's error paths (which leak, see conffile.c) would run again.
 * For each input, without @include (libconfig would open files):
 *   - conffile_read accepts it exactly when config_read_string accepts it
 *     (plus a final newline, which libconfig 1.5 wants after a comment),
 *     except where conffile refuses on purpose: a NUL byte, invalid UTF-8,
 *     a comment or a string still open at the end (libconfig drops the
 *     rest of the file), nesting deeper than 64 levels;
 *   - when both accept, config_write prints the same settings and every
 *     setting has the same line;
 *   - conffile's message is one line that names the file.
 * libconfig alone leaks on some syntax errors, so this target runs with
 * -detect_leaks=0 (tests/fuzz/fuzz-gate.sh); fuzz_config, through which
 * libconfig never sees such text, checks for leaks.
 */
#include "conffile.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "/nonexistent/isolab-fuzz/input.conf"

/* The same lines everywhere in both trees (their shapes are equal: the
 * outputs of config_write matched). */
static void same_lines(const config_setting_t *a, const config_setting_t *b)
{
	if (config_setting_source_line(a) != config_setting_source_line(b))
		abort();
	int n = config_setting_is_aggregate(a) ? config_setting_length(a) : 0;
	for (int i = 0; i < n; i++)
		same_lines(config_setting_get_elem(a, (unsigned)i), config_setting_get_elem(b, (unsigned)i));
}

static char *written(config_t *c)
{
	char *s = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&s, &n);
	if (!fp)
		abort();
	config_write(c, fp);
	fclose(fp);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (memmem(data, size, "@include", 8))
		return -1;
	config_t ours, theirs;
	char *cause = NULL;
	config_init(&ours);
	struct conffile *cf = conffile_read(&ours, NAME, (const char *)data, size, &cause);

	/* libconfig reads up to the first NUL: refused by conffile anyway. */
	char *text = xmalloc(size + 2);
	memcpy(text, data, size);
	text[size] = '\n';
	text[size + 1] = '\0';
	config_init(&theirs);
	int theirs_ok = config_read_string(&theirs, text);

	if (!cf) {
		if (!cause || strchr(cause, '\n') || strncmp(cause, NAME ":", strlen(NAME) + 1))
			abort();
		int on_purpose = memchr(data, '\0', size) || strstr(cause, ": invalid UTF-8") ||
		    strstr(cause, ": a comment (/*) still open") || strstr(cause, ": a string still open") ||
		    strstr(cause, " nested deeper than ");
		if (theirs_ok && !on_purpose)
			abort(); /* conffile refused what libconfig takes */
		free(cause);
	} else {
		if (!theirs_ok)
			abort(); /* conffile passed what libconfig refuses */
		char *a = written(&ours), *b = written(&theirs);
		if (strcmp(a, b))
			abort(); /* not the same settings */
		free(a);
		free(b);
		same_lines(config_root_setting(&ours), config_root_setting(&theirs));
	}
	config_destroy(&ours);
	config_destroy(&theirs);
	conffile_free(cf);
	free(text);
	return 0;
}

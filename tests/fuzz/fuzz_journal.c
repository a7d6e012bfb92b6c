/*
 * fuzz_journal.c — libFuzzer target for the journal reader and the report
 * built from what it reads (base/journal.c, base/report.c, stats.c).
 *
 * Input layout: the input is journal.jsonl, unless it contains a line
 * "----" : then what comes before is env.json and what follows is the
 * journal, so the baseline and experiment that env.json names are fuzzed
 * too. Both are written into one temporary run directory, read back with
 * journal_read, and turned into a report (by env.json's baseline, or by an
 * explicit one when the input's length is odd: one report per input, half
 * the cost of both), which is then printed and converted to JSON as
 * `isolab report` does; nothing is fsynced, and the directory is on
 * /dev/shm when the machine has it, so the target stays fast. The same
 * report is built again as the journal is read (report_build_dir, whose
 * samples are read without jansson where they can be), and the two must
 * be equal.
 */
#include "journal.h"
#include "report.h"
#include "util.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* On a tmpfs when there is one: a disk file system's create, truncate and
 * write-back on every input would cost more than the code under test. */
static char rundir[64];
static char *journal_path, *env_path;
static FILE *devnull;

static void remove_rundir(void)
{
	rm_rf(rundir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct stat st;
	snprintf(rundir, sizeof rundir, "%s/isolab-fuzz-journal.XXXXXX",
	    stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0
	    ? "/dev/shm" : "/tmp");
	if (!mkdtemp(rundir)) {
		perror("fuzz_journal: mkdtemp");
		abort();
	}
	atexit(remove_rundir);
	journal_path = xasprintf("%s/journal.jsonl", rundir);
	env_path = xasprintf("%s/env.json", rundir);
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	return 0;
}

static void write_all(const char *path, const uint8_t *p, size_t n)
{
	FILE *fp = fopen(path, "w");
	if (!fp || (n && fwrite(p, 1, n, fp) != n) || fclose(fp) != 0)
		abort();
}

/* The report built as the journal is read equals the one from memory.
 * Only where the input names a sample (elsewhere both read every record
 * the same way), and for every other such input: it costs as much as the
 * rest of the target, and the gate's time is better spent on new inputs
 * (the first input, as a replayed artifact is, is always checked). */
static int has_sample;
static unsigned long sampled_inputs;

static void check_streamed(const struct report *r, json_t *j, const char *baseline)
{
	struct journal_read jr;
	struct report r2;
	char *cause = NULL;
	if (report_build_dir(rundir, baseline, &jr, &r2, &cause) < 0)
		abort();
	json_t *j2 = report_to_json(&r2);
	if (!j2 || !json_equal(j, j2) || r2.bad_lines != r->bad_lines)
		abort();
	json_decref(j2);
	report_free(&r2);
	journal_read_free(&jr);
}

static void check_report(const struct journal_read *jr, const char *baseline)
{
	struct report r;
	char *cause = NULL;
	if (report_build(jr, baseline, &r, &cause) < 0) {
		if (!cause || strchr(cause, '\n'))
			abort();
		free(cause);
		return;
	}
	if (r.bad_lines != jr->bad_lines)
		abort(); /* the report must say how much it could not read */
	report_print(&r, devnull);
	json_t *j = report_to_json(&r);
	if (!j)
		abort();
	char *s = json_dumps(j, JSON_COMPACT);
	free(s);
	if (has_sample && sampled_inputs++ % 2 == 0)
		check_streamed(&r, j, baseline);
	json_decref(j);
	report_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n----\n";
	const uint8_t *cut = memmem(data, size, sep, sizeof sep - 1);
	has_sample = memmem(data, size, "sample", 6) != NULL;
	unlink(env_path);
	if (cut) {
		write_all(env_path, data, (size_t)(cut - data));
		size_t skip = (size_t)(cut - data) + sizeof sep - 1;
		write_all(journal_path, data + skip, size - skip);
	} else {
		write_all(journal_path, data, size);
	}

	struct journal_read jr;
	char *cause = NULL;
	if (journal_read(rundir, &jr, &cause) < 0)
		abort(); /* the file exists: reading it must not fail */
	if (jr.nrecords && !jr.records)
		abort();
	for (size_t i = 0; i < jr.nrecords; i++)
		if (!json_is_object(jr.records[i]))
			abort(); /* the reader keeps objects only */
	check_report(&jr, size % 2 ? "native" : NULL);
	journal_read_free(&jr);
	return 0;
}

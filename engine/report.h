/*
 * report.h — the comparison of a run: per runtime × workload × metric, the
 * mean, stddev and 95% CI over repetitions (warm-ups excluded, failed
 * instances excluded and counted), the overhead against the baseline runtime
 * in %, and whether the difference is significant (Welch, p < 0.05).
 *
 * A repetition's value for a metric is its "end" record value when the
 * end record has it (summary metrics), else the mean of its per-second
 * samples. Rows come grouped by workload and metric, the baseline first.
 * overhead_pct and p_value mean something only when has_baseline is set;
 * overhead_pct may still be NAN when the baseline's mean is 0.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_REPORT_H
#define ISOLAB_REPORT_H

#include <stdio.h>
#include "journal.h"
#include "stats.h"

struct report_row {
	char *runtime;
	char *workload;
	char *metric;
	char *unit;
	char *host;
	int higher_is_better;
	struct stats st;
	double *values;       /* per repetition */
	int has_baseline;     /* a baseline row exists for this workload/metric */
	double overhead_pct;
	double p_value;
	int significant;
	unsigned failed;      /* failed or timed-out repetitions */
	unsigned incomplete;  /* repetitions without an "end" record (the run was killed) */
};

struct report {
	char *run_id;
	char *baseline;
	struct report_row *rows;
	size_t nrows;
	size_t bad_lines;     /* journal lines that could not be read */
	int partial;          /* the run did not finish (no "run_end" record, or it was cancelled) */
	int cancelled;        /* "run_end" says the run was cancelled before its plan ended */
	unsigned failed_instances;     /* measured (non-warm-up) instances that failed or timed out */
	unsigned incomplete_instances; /* measured instances without an "end" record */
};

/* Builds the report of a journal; baseline NULL takes env.json's experiment.baseline, else "native". */
int report_build(const struct journal_read *jr, const char *baseline, struct report *out, char **cause);
void report_free(struct report *r);
/* Prints the comparison table for a terminal (plain text, aligned). */
void report_print(const struct report *r, FILE *fp);
/* Exports; -1 with cause when the file cannot be written. */
int report_write_csv(const struct report *r, const char *path, char **cause);
int report_write_json(const struct report *r, const char *path, char **cause);
/* The report as JSON {run, baseline, partial, rows:[...]} (new reference, the caller's). */
json_t *report_to_json(const struct report *r);

#endif

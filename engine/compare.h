/*
 * compare.h — run against run: what changed between a reference run B
 * (before) and a run A (after), cell by cell.
 *
 * A cell is one (runtime, host, workload, variant, metric) that either
 * report has. For a cell in both: the change of A's mean against B's in %
 * of B's mean, with its 95% CI (Welch–Satterthwaite); the two-sided p of
 * Welch's t-test over the repetitions of each side; and each side's
 * coefficient of variation (stddev / mean).
 *
 * The verdict needs both significance and size, direction from the
 * metric's "better" (higher or lower):
 *   worse      p < 0.05 and the change is at least min_effect % in the
 *              worse direction: a regression;
 *   better     the same in the better direction;
 *   unchanged  p >= 0.05: no difference that these repetitions can tell
 *              from noise;
 *   small      p < 0.05 but the change is below min_effect %;
 *   cannot tell  fewer than 2 repetitions on a side (no variance), or B's
 *              mean is 0 (no relative change);
 *   only in A / only in B  the other run has no such cell.
 * A cell whose coefficient of variation on either side exceeds min_effect
 * is marked noisy: its repetitions vary by more than the change the
 * verdict asks for, so more repetitions would sharpen it.
 *
 * Why Welch's t-test and not a permutation test: the repetition is the
 * unit (the seconds within one repetition are not independent), and runs
 * have few of them; with 3 a side an exact permutation test has 20
 * arrangements and cannot give a p below 0.1. The report's significance
 * is Welch's at 0.05 too, so both speak the same language.
 *
 * The environment records (env.json) are compared as well: kernel, CPU,
 * memory, governor, cgroups, mitigations, isolab's and each runtime's
 * version, and the experiment's settings that change results.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_COMPARE_H
#define ISOLAB_COMPARE_H

#include <stdio.h>
#include <jansson.h>
#include "report.h"
#include "stats.h"

#define COMPARE_ALPHA 0.05

enum compare_verdict {
	CMP_WORSE,
	CMP_BETTER,
	CMP_UNCHANGED,
	CMP_SMALL,
	CMP_UNKNOWN,
	CMP_ONLY_A,
	CMP_ONLY_B,
};

struct compare_cell {
	char *runtime, *host, *workload, *variant, *metric, *unit;
	int higher_is_better;
	struct stats a, b;        /* n = 0 on the side that lacks the cell */
	double change_pct;        /* (mean A - mean B) / |mean B| * 100; NAN */
	double change_ci_pct;     /* half-width of its 95% CI, in % of |mean B|; NAN */
	double p_value;           /* Welch, two-sided; NAN when not testable */
	double cv_a_pct, cv_b_pct;/* stddev / |mean| * 100; NAN when n < 2 or mean 0 */
	int noisy;                /* a CV above the minimum effect */
	enum compare_verdict verdict;
};

struct compare_diff {
	char *what;               /* "kernel release", "mitigation spectre_v2", "runtime runc" */
	char *a, *b;              /* the values ("(none)" when absent) */
};

struct compare {
	char *run_a, *run_b;
	double min_effect_pct;
	struct compare_cell *cells;
	size_t ncells;
	struct compare_diff *diffs;
	size_t ndiffs;
	unsigned worse, better, unchanged, small, unknown, only;
};

/* Compares report a (with its env.json, or NULL) against the reference b. */
void compare_build(const struct report *a, json_t *env_a, const struct report *b, json_t *env_b,
    double min_effect_pct, struct compare *out);
void compare_free(struct compare *c);
/* "worse", "better", "unchanged", "small", "cannot tell", "only in A", "only in B". Static. */
const char *compare_verdict_name(enum compare_verdict v);
/* The comparison for a terminal: environment differences, the table, the
 * rule and the counts. */
void compare_print(const struct compare *c, FILE *fp);
/* As JSON (new reference, the caller's). */
json_t *compare_to_json(const struct compare *c);

#endif

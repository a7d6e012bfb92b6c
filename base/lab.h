/*
 * lab.h — a lab scenario's verdict: did this machine agree with the
 * published finding?
 *
 * A lab is an experiment with a title and a question (config.h); its
 * `expect` rules say, in numbers, what agreeing means. Each rule picks a
 * report row (runtime × variant × workload × metric) and bounds one of:
 *   - ratio: the row's mean over another row's (vs, vs_variant);
 *   - overhead: % worse than that row, direction-aware (stats.h);
 *   - degradation: an interference target's % worse than alone;
 *   - dnf: whether the target did not finish beside its neighbours;
 *   - equivalent: as good as another row within +-margin %, by two
 *     one-sided tests at 5% (the 90% CI of the overhead inside the margin).
 * Overhead and degradation bounds are judged by their 95% CI, not the mean:
 * an interval across a bound cannot tell. A rule marked needs_kvm is a
 * finding about hardware-assisted VMs: where a VM of the rule ran
 * emulated (TCG) it cannot tell, and shows the emulated figures.
 * A rule whose rows are missing (a runtime not available here, a failed
 * run) cannot be judged: the verdict is then "could not tell" with the
 * reason, never a guess. The verdict agrees when every rule agrees and
 * disagrees when any rule disagrees.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_LAB_H
#define ISOLAB_LAB_H

#include <stddef.h>
#include "config.h"
#include "report.h"

enum lab_outcome { LAB_AGREED, LAB_DISAGREED, LAB_UNKNOWN };

struct lab_check {
	enum lab_outcome outcome;
	char *claim;      /* the rule in words (its text, or made from its bounds) */
	char *measured;   /* what this machine measured, or why it cannot tell */
};

struct lab_verdict {
	enum lab_outcome outcome;
	struct lab_check *checks;
	size_t nchecks;
};

/* Judges every expect rule of exp against r. out is the caller's: free it
 * with lab_verdict_free. A lab without rules gives LAB_UNKNOWN, no checks. */
void lab_verdict(const struct experiment *exp, const struct report *r, struct lab_verdict *out);
void lab_verdict_free(struct lab_verdict *v);
/* A rule in words: its text, else made from its bounds (malloc'd). */
char *lab_rule_claim(const struct experiment *exp, const struct expect *x);
/* "agreed", "did not agree", "could not tell". Static. */
const char *lab_outcome_name(enum lab_outcome o);
/* One plain sentence for the whole verdict ("This machine agreed with the
 * published finding."). Static. */
const char *lab_outcome_sentence(enum lab_outcome o);

#endif

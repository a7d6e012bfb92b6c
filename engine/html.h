/*
 * html.h — a run's report as one self-contained HTML page: the
 * environment record, the comparison table, every chart of figures.h
 * inline (SVG from cairo), a lab's question and verdict, and a run-against-
 * run comparison when there is one. It loads nothing (no scripts, fonts,
 * images or styles from elsewhere) and prints on A4 with each chart kept
 * on one page.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_HTML_H
#define ISOLAB_HTML_H

#include "compare.h"
#include "config.h"
#include "figures.h"
#include "journal.h"
#include "report.h"

struct html_doc {
	const struct journal_read *jr;  /* for env.json */
	const struct report *rep;
	const struct figures *fig;
	const struct experiment *lab;   /* the run's lab scenario, or NULL */
	const struct compare *cmp;      /* run against run, or NULL */
	const char *command;            /* the command that made the page, or NULL */
};

/* Writes the page to path atomically. */
int html_write(const struct html_doc *d, const char *path, char **cause);

#endif

/*
 * figures.h — a run's charts: what `isolab report --html/--png/--pdf`
 * draws, as plain plots (plot.h) filled from the report and its journal.
 *
 *   metric   one chart per workload and metric: a bar per runtime (and
 *            host, variant) with the mean and a 95% CI whisker, the
 *            overhead against the baseline beside it (report rows);
 *   series   per workload, runtime and metric kind (throughput, latency):
 *            the per-second values of every measured repetition overlaid,
 *            on one y axis shared by the runtimes ("sample" records);
 *   startup  launch to ready per runtime, split into create/start where
 *            the journal has create_ms, and VMM/kernel/init/workload where
 *            a VM's "startup" record has its milestones;
 *   cpu      host CPU-seconds per instance by role (workload, runtime,
 *            vmm, helper), mean over repetitions;
 *   memory   each role's peak RSS per instance, mean over repetitions.
 * startup, cpu and memory come from the report's per-instance records
 * (report.h, struct report_instance). A chart without data carries the
 * reason, never zeros.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_FIGURES_H
#define ISOLAB_FIGURES_H

#include <stddef.h>
#include "journal.h"
#include "plot.h"
#include "report.h"

enum figure_section { FIG_METRIC, FIG_SERIES, FIG_STARTUP, FIG_CPU, FIG_MEMORY, FIG__COUNT };

struct figure {
	enum figure_section section;
	struct plot *plot;
};

struct figures {
	struct figure *f;
	size_t n;
};

/* Builds every chart of a run from its journal and report. */
void figures_build(const struct journal_read *jr, const struct report *r, struct figures *out);
void figures_free(struct figures *f);
/* Adds a chart (the set takes p). */
void figures_add(struct figures *f, enum figure_section s, struct plot *p);
/* A section's heading ("Per metric", "Over time", ...). Static. */
const char *figures_section_name(enum figure_section s);
/* One PNG per chart into dir (created when missing), named <id>.png, at
 * 2 pixels per point; each file written atomically. */
int figures_write_png(const struct figures *f, const char *dir, char **cause);
/* Every chart, one per page, into one PDF written atomically. */
int figures_write_pdf(const struct figures *f, const char *path, char **cause);

#endif

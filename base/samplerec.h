/*
 * samplerec.h — a journal's "sample" record as the report reads it: the
 * instance, the metrics, and per process the role, CPU, RSS, I/O and
 * switch rates and the span they cover.
 *
 * Samples are nearly all of a long run's journal (a one-hour run of four
 * instances: 14,400 lines, 93 MB), and a jansson tree per record cost the
 * report ten seconds and a gigabyte. samplerec_parse reads a line straight
 * into this flat form, with no allocation per record, and gives up (-1) on
 * anything it does not expect: an escape or a byte above 0x7f in a string,
 * a duplicate metric, an integer jansson would refuse, invalid JSON. The
 * caller then parses that line with jansson, and samplerec_from_json reads
 * the tree into the same form, so the two give the same record, and the
 * report has one reader of samples.
 */
#ifndef ISOLAB_SAMPLEREC_H
#define ISOLAB_SAMPLEREC_H

#include <jansson.h>
#include <stddef.h>

/* The per-process counters a report sums, as rates per second. */
enum { SREC_KB_RD, SREC_KB_WR, SREC_CSW, SREC_NVCSW, SREC__IO };
extern const char *const samplerec_io_fields[SREC__IO];

struct samplerec_proc {
	int role;              /* role_parse: -1 when missing or unknown */
	long long pid;         /* 0 unless an integer */
	double cpu, rss_kb;    /* NAN unless numbers */
	double io[SREC__IO];   /* NAN unless numbers */
	double dt;             /* its own span, 0 when it has none */
	double vcpu_cpu;       /* a VMM's vCPU threads' %CPU, NAN unless a number */
	const char *name;      /* its component, or NULL; namelen bytes, not terminated */
	size_t namelen;
};

struct samplerec_metric {
	const char *name;      /* namelen bytes, not terminated */
	size_t namelen;
	int is_number;
	double value;
};

struct samplerec {
	int is_sample;         /* its "type" is "sample" */
	const char *inst;      /* the instance id as text (as the report keys it), or NULL */
	char instbuf[40];      /* where inst points when it had to be written */
	double dt;             /* the sample's "dt", NAN when not a number */
	double cg[2];          /* cgroup_cpu_s: cpu.stat and cpuacct.usage, NAN when not numbers */
	double guest_used_kb;  /* a VM guest's own count of its used memory, NAN when not a number */
	int has_metrics;       /* "metrics" is an object */
	struct samplerec_metric *metrics; /* its members, numbers or not */
	size_t nmetrics, metrics_cap;
	struct samplerec_proc *procs;     /* "procs", in order (role -1 for what is not an
	                                   * object); none when not an array */
	size_t nprocs, procs_cap;
};

void samplerec_free(struct samplerec *s);
/* Reads one line; 0 when it is a well-formed record read whole (see
 * is_sample), -1 when jansson must read it. Names point into the line. */
int samplerec_parse(struct samplerec *s, const char *line, size_t len);
/* The same from a parsed record; names point into rec. */
void samplerec_from_json(struct samplerec *s, json_t *rec);

#endif

/*
 * tidy.c — a run's time series as long CSV tables (tidy.h).
 *
 * Rows are written in journal order, so an instance's seconds come in
 * order; the instance record before its samples gives the columns that
 * identify it. A sample of an instance the journal has not introduced
 * before it, or a warm-up's, is left out. The journal is read line by
 * line and only its other records are kept: a one-hour run's samples are
 * about 90 MB of JSON, a gigabyte as trees.
 */
#include "tidy.h"
#include "report.h"
#include "sampler.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tinst {
	json_int_t id;
	char *runtime, *host;
	json_int_t rep;
	int warmup;
};

struct tidy {
	struct tinst *insts;
	size_t n;
	char *run;
	FILE *out[2];          /* series, processes: NULL when not asked for */
	char *tmp[2];          /* where each is written, renamed to its path when whole */
};

static void tidy_add_inst(struct tidy *t, json_t *r)
{
	if (strcmp(json_string_value(json_object_get(r, "type")) ?: "", "instance") ||
	    !json_is_integer(json_object_get(r, "id")))
		return;
	const char *host = json_string_value(json_object_get(r, "host"));
	json_t *w = json_object_get(r, "warmup");
	t->insts = xreallocarray(t->insts, t->n + 1, sizeof *t->insts);
	t->insts[t->n++] = (struct tinst){
		.id = json_integer_value(json_object_get(r, "id")),
		.runtime = xstrdup(json_string_value(json_object_get(r, "runtime")) ?: "?"),
		.host = xstrdup(host && *host ? host : "local"),
		.rep = json_integer_value(json_object_get(r, "rep")),
		.warmup = json_is_true(w) || (json_is_number(w) && json_number_value(w) != 0),
	};
}

/* The instance of a sample: the newest with its id so far (a newer
 * replaces an older). */
static const struct tinst *tidy_inst(const struct tidy *t, json_t *rec)
{
	json_t *id = json_object_get(rec, "inst");
	if (!json_is_integer(id))
		return NULL;
	for (size_t i = t->n; i-- > 0;)
		if (t->insts[i].id == json_integer_value(id))
			return t->insts[i].warmup ? NULL : &t->insts[i];
	return NULL;
}

static void num(FILE *fp, json_t *v)
{
	fputc(',', fp);
	if (json_is_integer(v))
		fprintf(fp, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v) && isfinite(json_real_value(v)))
		fprintf(fp, "%.15g", json_real_value(v));
}

/* run,instance,runtime,host,rep,t */
static void series_key(FILE *fp, const struct tidy *t, const struct tinst *in, json_t *tt)
{
	report_csv_field(fp, t->run);
	fprintf(fp, ",%lld,", (long long)in->id);
	report_csv_field(fp, in->runtime);
	fputc(',', fp);
	report_csv_field(fp, in->host);
	fprintf(fp, ",%lld", (long long)in->rep);
	num(fp, tt);
	fputc(',', fp);
}

static void series_rows(FILE *fp, const struct tidy *t, const struct tinst *in, json_t *r)
{
	json_t *tt = json_object_get(r, "t"), *v;
	const char *name;
	json_object_foreach(json_object_get(r, "metrics"), name, v) {
		if (!json_is_number(v))
			continue;
		series_key(fp, t, in, tt);
		report_csv_field(fp, name);
		num(fp, v);
		fputs("\r\n", fp);
	}
	/* Each role's processes, summed. */
	double cpu[ROLE__COUNT] = { 0 }, rss[ROLE__COUNT] = { 0 };
	int has[ROLE__COUNT] = { 0 };
	size_t k;
	json_t *p;
	json_array_foreach(json_object_get(r, "procs"), k, p) {
		int role = role_parse(json_string_value(json_object_get(p, "role")));
		if (role < 0)
			continue;
		has[role] = 1;
		json_t *c = json_object_get(p, "cpu"), *m = json_object_get(p, "rss_kb");
		cpu[role] += json_is_number(c) ? json_number_value(c) : 0;
		rss[role] += json_is_number(m) ? json_number_value(m) : 0;
	}
	for (int role = 0; role < ROLE__COUNT; role++) {
		if (!has[role])
			continue;
		series_key(fp, t, in, tt);
		fprintf(fp, "cpu_pct.%s,%.15g\r\n", role_name((enum proc_role)role), cpu[role]);
		series_key(fp, t, in, tt);
		fprintf(fp, "rss_kb.%s,%.15g\r\n", role_name((enum proc_role)role), rss[role]);
	}
	v = json_object_get(r, "guest_used_kb");
	if (json_is_number(v)) {
		series_key(fp, t, in, tt);
		fputs("guest_used_kb", fp);
		num(fp, v);
		fputs("\r\n", fp);
	}
	json_object_foreach(json_object_get(r, "cgroup_cpu_s"), name, v) {
		if (!json_is_number(v))
			continue;
		series_key(fp, t, in, tt);
		fputs("cgroup_cpu_s.", fp);
		report_csv_field(fp, name);
		num(fp, v);
		fputs("\r\n", fp);
	}
}

static const char *const proc_cols[] = { "usr", "system", "guest", "wait", "cpu", "cpu_num", "minflt_s", "majflt_s",
	"vsz_kb", "rss_kb", "mem_pct", "kb_rd_s", "kb_wr_s", "kb_ccwr_s", "iodelay", "cswch_s", "nvcswch_s",
	"threads", "vcpu_cpu" };

static void proc_rows(FILE *fp, const struct tidy *t, const struct tinst *in, json_t *r)
{
	size_t k;
	json_t *p;
	json_array_foreach(json_object_get(r, "procs"), k, p) {
		report_csv_field(fp, t->run);
		fprintf(fp, ",%lld,", (long long)in->id);
		report_csv_field(fp, in->runtime);
		fprintf(fp, ",%lld", (long long)in->rep);
		num(fp, json_object_get(r, "t"));
		num(fp, json_object_get(p, "pid"));
		const char *text[] = { json_string_value(json_object_get(p, "comm")),
			json_string_value(json_object_get(p, "role")), json_string_value(json_object_get(p, "name")) };
		for (size_t c = 0; c < ARRAY_SIZE(text); c++) {
			fputc(',', fp);
			report_csv_field(fp, text[c] ? text[c] : "");
		}
		for (size_t c = 0; c < ARRAY_SIZE(proc_cols); c++)
			num(fp, json_object_get(p, proc_cols[c]));
		fputs("\r\n", fp);
	}
}

static void proc_header(FILE *fp)
{
	fputs("run,instance,runtime,rep,t,pid,comm,role,component", fp);
	for (size_t c = 0; c < ARRAY_SIZE(proc_cols); c++)
		fprintf(fp, ",%s", proc_cols[c]);
	fputs("\r\n", fp);
}

static void tidy_begin(const struct journal_read *jr, void *arg)
{
	struct tidy *t = arg;
	t->run = report_run_id(jr);
}

/* A sample is written and let go here; any other line is left to the
 * reader, which keeps it and shows it to tidy_record. */
static int tidy_line(const char *line, size_t len, void *arg)
{
	struct tidy *t = arg;
	json_t *r = json_loadb(line, len, 0, NULL);
	if (!json_is_object(r) || strcmp(json_string_value(json_object_get(r, "type")) ?: "", "sample")) {
		json_decref(r);
		return 0;
	}
	const struct tinst *in = tidy_inst(t, r);
	if (in && t->out[0])
		series_rows(t->out[0], t, in, r);
	if (in && t->out[1])
		proc_rows(t->out[1], t, in, r);
	json_decref(r);
	return 1;
}

static void tidy_record(json_t *rec, void *arg)
{
	tidy_add_inst(arg, rec);
}

int tidy_write_dir(const char *dir, const char *series_path, const char *procs_path, char **cause)
{
	const char *path[2] = { series_path, procs_path };
	struct tidy t = { 0 };
	int rc = 0;
	/* Each table goes to a temporary file beside its path, renamed over
	 * it only when whole: a failed export leaves the old file as it was. */
	for (int k = 0; k < 2 && rc == 0; k++)
		if (path[k] && !(t.out[k] = journal_atomic_open(path[k], &t.tmp[k], cause)))
			rc = -1;
	if (rc == 0) {
		if (t.out[0])
			fputs("run,instance,runtime,host,rep,t,metric,value\r\n", t.out[0]);
		if (t.out[1])
			proc_header(t.out[1]);
		struct journal_hooks h = { .begin = tidy_begin, .line = tidy_line, .record = tidy_record, .arg = &t };
		struct journal_read jr;
		if (journal_read_hooked(dir, &h, &jr, cause) < 0)
			rc = -1;
		else
			journal_read_free(&jr);
	}
	for (int k = 0; k < 2; k++)
		if (t.out[k] && journal_atomic_close(t.out[k], t.tmp[k], path[k], rc == 0, cause) < 0)
			rc = -1;
	for (size_t i = 0; i < t.n; i++) {
		free(t.insts[i].runtime);
		free(t.insts[i].host);
	}
	free(t.insts);
	free(t.run);
	return rc;
}

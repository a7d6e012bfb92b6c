/*
 * tidy.c — a run's time series as long CSV tables (tidy.h).
 *
 * Rows are written in journal order, so an instance's seconds come in
 * order; the instance record before its samples gives the columns that
 * identify it. A sample of an instance the journal never introduced, or a
 * warm-up's, is left out.
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
	const char *runtime, *host;
	json_int_t rep;
	int warmup;
};

struct tidy {
	struct tinst *insts;
	size_t n;
	char *run;
};

static void tidy_load(struct tidy *t, const struct journal_read *jr)
{
	*t = (struct tidy){ .run = report_run_id(jr) };
	for (size_t i = 0; i < jr->nrecords; i++) {
		json_t *r = jr->records[i];
		if (strcmp(json_string_value(json_object_get(r, "type")) ?: "", "instance") ||
		    !json_is_integer(json_object_get(r, "id")))
			continue;
		const char *host = json_string_value(json_object_get(r, "host"));
		json_t *w = json_object_get(r, "warmup");
		t->insts = xreallocarray(t->insts, t->n + 1, sizeof *t->insts);
		t->insts[t->n++] = (struct tinst){
			.id = json_integer_value(json_object_get(r, "id")),
			.runtime = json_string_value(json_object_get(r, "runtime")) ?: "?",
			.host = host && *host ? host : "local",
			.rep = json_integer_value(json_object_get(r, "rep")),
			.warmup = json_is_true(w) || (json_is_number(w) && json_number_value(w) != 0),
		};
	}
}

/* The instance of a sample: the newest with its id (a newer replaces an older). */
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

/* Closes the memory stream (which sets *data and *len) and writes the file. */
static int finish(FILE *fp, char **data, size_t *len, const char *path, char **cause)
{
	if (fclose(fp) != 0) {
		free(*data);
		return err_errno(cause, "%s", path);
	}
	int rc = journal_write_atomic(path, *data, *len, cause);
	free(*data);
	return rc;
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

/* One sample of a measured instance as rows. */
typedef void tidy_rows_fn(FILE *fp, const struct tidy *t, const struct tinst *in, json_t *rec);

/* The header, then rows for every sample of a measured instance, in order. */
static int tidy_write(const struct journal_read *jr, const char *path, const char *header, tidy_rows_fn *rows,
    char **cause)
{
	char *data = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&data, &len);
	if (!fp)
		return err_errno(cause, "%s", path);
	struct tidy t;
	tidy_load(&t, jr);
	fputs(header, fp);
	for (size_t i = 0; i < jr->nrecords; i++) {
		json_t *r = jr->records[i];
		if (strcmp(json_string_value(json_object_get(r, "type")) ?: "", "sample"))
			continue;
		const struct tinst *in = tidy_inst(&t, r);
		if (in)
			rows(fp, &t, in, r);
	}
	free(t.insts);
	free(t.run);
	return finish(fp, &data, &len, path, cause);
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

int tidy_write_series(const struct journal_read *jr, const char *path, char **cause)
{
	return tidy_write(jr, path, "run,instance,runtime,host,rep,t,metric,value\r\n", series_rows, cause);
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

int tidy_write_procs(const struct journal_read *jr, const char *path, char **cause)
{
	_cleanup_free_ char *header = xstrdup("run,instance,runtime,rep,t,pid,comm,role,component");
	for (size_t c = 0; c < ARRAY_SIZE(proc_cols); c++) {
		char *h = xasprintf("%s,%s", header, proc_cols[c]);
		free(header);
		header = h;
	}
	char *h = xasprintf("%s\r\n", header);
	free(header);
	header = h;
	return tidy_write(jr, path, header, proc_rows, cause);
}

/*
 * samplerec.c — a journal's sample record, read straight from its line or
 * from jansson's tree (see samplerec.h).
 *
 * The line reader is strict JSON (RFC 8259) without what it leaves to
 * jansson: it accepts a subset of what jansson accepts and, for that
 * subset, reads the same values. Strings: no escapes, no control bytes, no
 * bytes above 0x7f (jansson checks UTF-8; the engine writes ASCII).
 * Numbers: the JSON grammar; an integer must fit a long long and a real
 * must be finite, as jansson requires, and the text must convert whole
 * (a locale with a decimal comma gives up rather than read 1.5 as 1).
 */
#include "samplerec.h"
#include "sampler.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const samplerec_io_fields[SREC__IO] = { "kb_rd_s", "kb_wr_s", "cswch_s", "nvcswch_s" };

#define MAX_DEPTH 64

struct scan {
	const char *p, *end;
};

static void ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int expect(struct scan *s, char c)
{
	ws(s);
	if (s->p >= s->end || *s->p != c)
		return -1;
	s->p++;
	return 0;
}

/* The next character after white space, without taking it; 0 at the end. */
static char peek(struct scan *s)
{
	ws(s);
	return s->p < s->end ? *s->p : 0;
}

static int string(struct scan *s, const char **str, size_t *len)
{
	if (expect(s, '"') < 0)
		return -1;
	const char *b = s->p;
	while (s->p < s->end && *s->p != '"') {
		unsigned char c = (unsigned char)*s->p;
		if (c < 0x20 || c >= 0x80 || c == '\\')
			return -1;
		s->p++;
	}
	if (s->p >= s->end)
		return -1;
	*str = b;
	*len = (size_t)(s->p - b);
	s->p++;
	return 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A JSON number: *is_int when it has neither fraction nor exponent. */
static int number(struct scan *s, double *v, int *is_int, long long *iv)
{
	ws(s);
	const char *b = s->p, *q = s->p, *e = s->end;
	int integer = 1;
	if (q < e && *q == '-')
		q++;
	if (q >= e || !is_digit(*q))
		return -1;
	if (*q == '0')
		q++;
	else
		while (q < e && is_digit(*q))
			q++;
	if (q < e && *q == '.') {
		integer = 0;
		q++;
		if (q >= e || !is_digit(*q))
			return -1;
		while (q < e && is_digit(*q))
			q++;
	}
	if (q < e && (*q == 'e' || *q == 'E')) {
		integer = 0;
		q++;
		if (q < e && (*q == '+' || *q == '-'))
			q++;
		if (q >= e || !is_digit(*q))
			return -1;
		while (q < e && is_digit(*q))
			q++;
	}
	char buf[64];
	size_t n = (size_t)(q - b);
	if (n >= sizeof buf)
		return -1;
	memcpy(buf, b, n);
	buf[n] = '\0';
	char *stop;
	errno = 0;
	if (integer) {
		long long x = strtoll(buf, &stop, 10);
		if (errno || stop != buf + n)
			return -1;
		*iv = x;
		*v = (double)x;
	} else {
		double x = strtod(buf, &stop);
		if (stop != buf + n || isinf(x))
			return -1;
		*v = x;
	}
	*is_int = integer;
	s->p = q;
	return 0;
}

static int literal(struct scan *s, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n))
		return -1;
	s->p += n;
	return 0;
}

/* Iterates an object's members (open '{') or an array's elements ('['):
 * call first with *first = 1. Returns 1 with the scanner at the next
 * value (an object's key in *k, *kn), 0 at the end, -1 when malformed. */
static int next_item(struct scan *s, char open, int *first, const char **k, size_t *kn)
{
	char close = open == '{' ? '}' : ']';
	if (*first) {
		*first = 0;
		if (expect(s, open) < 0)
			return -1;
		if (peek(s) == close) {
			s->p++;
			return 0;
		}
	} else {
		char c = peek(s);
		s->p++;
		if (c == close)
			return 0;
		if (c != ',')
			return -1;
	}
	if (open == '{' && (string(s, k, kn) < 0 || expect(s, ':') < 0))
		return -1;
	return 1;
}

static int next_member(struct scan *s, int *first, const char **k, size_t *kn)
{
	return next_item(s, '{', first, k, kn);
}

static int next_element(struct scan *s, int *first)
{
	const char *k;
	size_t kn;
	return next_item(s, '[', first, &k, &kn);
}

static int skip(struct scan *s, int depth);

/* Members of an object or elements of an array, each skipped. */
static int skip_container(struct scan *s, char open, int depth)
{
	int first = 1, rc;
	const char *k;
	size_t kn;
	while ((rc = next_item(s, open, &first, &k, &kn)) == 1)
		if (skip(s, depth + 1) < 0)
			return -1;
	return rc;
}

static int skip(struct scan *s, int depth)
{
	if (depth > MAX_DEPTH)
		return -1;
	const char *str;
	size_t n;
	double v;
	long long iv;
	int is_int;
	switch (peek(s)) {
	case '"': return string(s, &str, &n);
	case '{': return skip_container(s, '{', depth);
	case '[': return skip_container(s, '[', depth);
	case 't': return literal(s, "true");
	case 'f': return literal(s, "false");
	case 'n': return literal(s, "null");
	default: return number(s, &v, &is_int, &iv);
	}
}

/* A value that is a number, or anything else (NAN): *was_number says. */
static int number_or_skip(struct scan *s, double *v, int *was_number, long long *iv, int *is_int, int depth)
{
	char c = peek(s);
	if (c == '-' || is_digit(c)) {
		*was_number = 1;
		return number(s, v, is_int, iv);
	}
	*was_number = 0;
	*v = NAN;
	*is_int = 0;
	return skip(s, depth);
}

static int key_is(const char *k, size_t n, const char *word)
{
	return strlen(word) == n && !memcmp(k, word, n);
}

static struct samplerec_proc *push_proc(struct samplerec *r)
{
	if (r->nprocs == r->procs_cap) {
		r->procs_cap = r->procs_cap ? r->procs_cap * 2 : 32;
		r->procs = xreallocarray(r->procs, r->procs_cap, sizeof(*r->procs));
	}
	struct samplerec_proc *p = &r->procs[r->nprocs++];
	*p = (struct samplerec_proc){ .role = -1, .cpu = NAN, .rss_kb = NAN, .vcpu_cpu = NAN };
	for (int k = 0; k < SREC__IO; k++)
		p->io[k] = NAN;
	return p;
}

static struct samplerec_metric *push_metric(struct samplerec *r)
{
	if (r->nmetrics == r->metrics_cap) {
		r->metrics_cap = r->metrics_cap ? r->metrics_cap * 2 : 8;
		r->metrics = xreallocarray(r->metrics, r->metrics_cap, sizeof(*r->metrics));
	}
	return &r->metrics[r->nmetrics++];
}

static int role_of(const char *str, size_t n)
{
	char buf[32];
	if (n >= sizeof buf)
		return -1;
	memcpy(buf, str, n);
	buf[n] = '\0';
	return role_parse(buf);
}

static int parse_proc(struct scan *s, struct samplerec_proc *p)
{
	int first = 1, rc;
	const char *k;
	size_t kn;
	while ((rc = next_member(s, &first, &k, &kn)) == 1) {
		double v;
		long long iv;
		int num, is_int;
		if (key_is(k, kn, "role") || key_is(k, kn, "name")) {
			int role = key_is(k, kn, "role");
			const char *str = NULL;
			size_t n = 0;
			if (peek(s) == '"') {
				if (string(s, &str, &n) < 0)
					return -1;
			} else if (skip(s, 2) < 0) {
				return -1;
			}
			if (role)
				p->role = str ? role_of(str, n) : -1;
			else {
				p->name = str;
				p->namelen = n;
			}
			continue;
		}
		if (number_or_skip(s, &v, &num, &iv, &is_int, 2) < 0)
			return -1;
		if (key_is(k, kn, "pid"))
			p->pid = num && is_int ? iv : 0;
		else if (key_is(k, kn, "cpu"))
			p->cpu = v;
		else if (key_is(k, kn, "rss_kb"))
			p->rss_kb = v;
		else if (key_is(k, kn, "dt"))
			p->dt = num ? v : 0;
		else if (key_is(k, kn, "vcpu_cpu"))
			p->vcpu_cpu = v;
		else
			for (int i = 0; i < SREC__IO; i++)
				if (key_is(k, kn, samplerec_io_fields[i]))
					p->io[i] = v;
	}
	return rc;
}

static int parse_procs(struct samplerec *r, struct scan *s)
{
	r->nprocs = 0;
	if (peek(s) != '[')
		return skip(s, 1);
	int first = 1, rc;
	while ((rc = next_element(s, &first)) == 1) {
		struct samplerec_proc *p = push_proc(r);
		if (peek(s) == '{') {
			if (parse_proc(s, p) < 0)
				return -1;
		} else if (skip(s, 2) < 0) {
			return -1;
		}
	}
	return rc;
}

static int parse_metrics(struct samplerec *r, struct scan *s)
{
	r->nmetrics = 0;
	r->has_metrics = peek(s) == '{';
	if (!r->has_metrics)
		return skip(s, 1);
	int first = 1, rc;
	const char *k;
	size_t kn;
	while ((rc = next_member(s, &first, &k, &kn)) == 1) {
		/* jansson keeps a duplicate's last value: leave that to it */
		for (size_t i = 0; i < r->nmetrics; i++)
			if (r->metrics[i].namelen == kn && !memcmp(r->metrics[i].name, k, kn))
				return -1;
		struct samplerec_metric *m = push_metric(r);
		long long iv;
		int is_int;
		m->name = k;
		m->namelen = kn;
		if (number_or_skip(s, &m->value, &m->is_number, &iv, &is_int, 2) < 0)
			return -1;
	}
	return rc;
}

static int parse_cgroup(struct samplerec *r, struct scan *s)
{
	r->cg[0] = r->cg[1] = NAN;
	if (peek(s) != '{')
		return skip(s, 1);
	int first = 1, rc;
	const char *k;
	size_t kn;
	while ((rc = next_member(s, &first, &k, &kn)) == 1) {
		double v;
		long long iv;
		int num, is_int;
		if (number_or_skip(s, &v, &num, &iv, &is_int, 2) < 0)
			return -1;
		if (key_is(k, kn, "cpu.stat"))
			r->cg[0] = v;
		else if (key_is(k, kn, "cpuacct.usage"))
			r->cg[1] = v;
	}
	return rc;
}

static void reset(struct samplerec *r)
{
	r->is_sample = 0;
	r->inst = NULL;
	r->dt = NAN;
	r->cg[0] = r->cg[1] = NAN;
	r->guest_used_kb = NAN;
	r->has_metrics = 0;
	r->nmetrics = r->nprocs = 0;
}

int samplerec_parse(struct samplerec *r, const char *line, size_t len)
{
	reset(r);
	struct scan s = { line, line + len };
	int first = 1, rc;
	const char *k;
	size_t kn;
	while ((rc = next_member(&s, &first, &k, &kn)) == 1) {
		if (key_is(k, kn, "type")) {
			const char *str = NULL;
			size_t n = 0;
			if (peek(&s) == '"' ? string(&s, &str, &n) < 0 : skip(&s, 1) < 0)
				return -1;
			r->is_sample = str && key_is(str, n, "sample");
		} else if (key_is(k, kn, "inst")) {
			char c = peek(&s);
			r->inst = NULL;
			if (c == '"') {
				const char *str;
				size_t n;
				if (string(&s, &str, &n) < 0 || n >= sizeof r->instbuf)
					return -1;
				memcpy(r->instbuf, str, n);
				r->instbuf[n] = '\0';
				r->inst = r->instbuf;
			} else {
				double v;
				long long iv;
				int num, is_int;
				if (number_or_skip(&s, &v, &num, &iv, &is_int, 1) < 0)
					return -1;
				if (num) {
					if (is_int)
						snprintf(r->instbuf, sizeof r->instbuf, "%lld", iv);
					else
						snprintf(r->instbuf, sizeof r->instbuf, "%.17g", v);
					r->inst = r->instbuf;
				}
			}
		} else if (key_is(k, kn, "dt") || key_is(k, kn, "guest_used_kb")) {
			long long iv;
			int num, is_int;
			double *to = key_is(k, kn, "dt") ? &r->dt : &r->guest_used_kb;
			if (number_or_skip(&s, to, &num, &iv, &is_int, 1) < 0)
				return -1;
		} else if (key_is(k, kn, "metrics")) {
			if (parse_metrics(r, &s) < 0)
				return -1;
		} else if (key_is(k, kn, "procs")) {
			if (parse_procs(r, &s) < 0)
				return -1;
		} else if (key_is(k, kn, "cgroup_cpu_s")) {
			if (parse_cgroup(r, &s) < 0)
				return -1;
		} else if (skip(&s, 1) < 0) {
			return -1;
		}
	}
	if (rc < 0)
		return -1;
	ws(&s);
	return s.p == s.end ? 0 : -1;
}

static double num_or_nan(json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : NAN;
}

void samplerec_from_json(struct samplerec *r, json_t *rec)
{
	reset(r);
	r->is_sample = json_is_string(json_object_get(rec, "type")) &&
	    !strcmp(json_string_value(json_object_get(rec, "type")), "sample");
	json_t *id = json_object_get(rec, "inst");
	if (json_is_string(id))
		r->inst = json_string_value(id);
	else if (json_is_integer(id)) {
		snprintf(r->instbuf, sizeof r->instbuf, "%lld", (long long)json_integer_value(id));
		r->inst = r->instbuf;
	} else if (json_is_real(id)) {
		snprintf(r->instbuf, sizeof r->instbuf, "%.17g", json_real_value(id));
		r->inst = r->instbuf;
	}
	r->dt = num_or_nan(json_object_get(rec, "dt"));
	r->guest_used_kb = num_or_nan(json_object_get(rec, "guest_used_kb"));
	json_t *cg = json_object_get(rec, "cgroup_cpu_s");
	r->cg[0] = num_or_nan(json_object_get(cg, "cpu.stat"));
	r->cg[1] = num_or_nan(json_object_get(cg, "cpuacct.usage"));
	json_t *metrics = json_object_get(rec, "metrics");
	r->has_metrics = json_is_object(metrics);
	const char *name;
	json_t *v;
	json_object_foreach(metrics, name, v) {
		struct samplerec_metric *m = push_metric(r);
		m->name = name;
		m->namelen = strlen(name);
		m->is_number = json_is_number(v);
		m->value = num_or_nan(v);
	}
	json_t *procs = json_object_get(rec, "procs");
	size_t i;
	json_array_foreach(procs, i, v) {
		struct samplerec_proc *p = push_proc(r);
		if (!json_is_object(v))
			continue;
		const char *role = json_string_value(json_object_get(v, "role"));
		p->role = role ? role_parse(role) : -1;
		json_t *pid = json_object_get(v, "pid");
		p->pid = json_is_integer(pid) ? (long long)json_integer_value(pid) : 0;
		p->cpu = num_or_nan(json_object_get(v, "cpu"));
		p->rss_kb = num_or_nan(json_object_get(v, "rss_kb"));
		p->vcpu_cpu = num_or_nan(json_object_get(v, "vcpu_cpu"));
		for (int k = 0; k < SREC__IO; k++)
			p->io[k] = num_or_nan(json_object_get(v, samplerec_io_fields[k]));
		json_t *dt = json_object_get(v, "dt");
		p->dt = json_is_number(dt) ? json_number_value(dt) : 0;
		p->name = json_string_value(json_object_get(v, "name"));
		p->namelen = p->name ? strlen(p->name) : 0;
	}
}

void samplerec_free(struct samplerec *r)
{
	free(r->metrics);
	free(r->procs);
	*r = (struct samplerec){ 0 };
}

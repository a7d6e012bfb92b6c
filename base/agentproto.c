/*
 * agentproto.c — framing and validation of the agent protocol.
 *
 * The decoder is the one place where bytes from another machine become
 * structures, so it is table-driven and strict about what it relies on:
 * each type names the fields it requires and their JSON types, and nothing
 * downstream reads a field the table did not check (optional fields are
 * read with a type test at the point of use). It is fuzzed
 * (tests/fuzz/fuzz_agentproto.c).
 */
#include "agentproto.h"
#include "util.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum ftype { F_INT, F_STR, F_BOOL, F_ARRAY, F_OBJECT, F_NUMBER, F_STR_OR_NULL };

struct field {
	const char *name;
	enum ftype type;
};

struct msg_spec {
	const char *name;
	int has_id;
	struct field fields[6];
};

static const struct msg_spec specs[AGENT_MSG__COUNT] = {
	[AGENT_MSG_HELLO] = { "hello", 0, { { "proto", F_INT } } },
	[AGENT_MSG_LIST] = { "list", 0, { { 0 } } },
	[AGENT_MSG_RUNTIMES] = { "runtimes", 0, { { "drivers", F_ARRAY } } },
	[AGENT_MSG_PROBE] = { "probe", 0, { { "runtime", F_OBJECT } } },
	[AGENT_MSG_STATUS] = { "status", 0, { { "available", F_BOOL } } },
	[AGENT_MSG_PREPARE] = { "prepare", 1, { { "run_id", F_STR }, { "runtime", F_OBJECT } } },
	[AGENT_MSG_LAUNCH] = { "launch", 1, { { "argv", F_ARRAY } } },
	[AGENT_MSG_LAUNCHED] = { "launched", 1, { { "pid", F_INT } } },
	[AGENT_MSG_OUTPUT] = { "output", 1, { { "line", F_STR } } },
	[AGENT_MSG_SAMPLE] = { "sample", 1, { { "t", F_NUMBER }, { "procs", F_ARRAY } } },
	[AGENT_MSG_EXIT] = { "exit", 1, { { "status", F_INT } } },
	[AGENT_MSG_STOP] = { "stop", 1, { { "force", F_BOOL } } },
	[AGENT_MSG_CLEANUP] = { "cleanup", 1, { { 0 } } },
	[AGENT_MSG_OK] = { "ok", 0, { { "op", F_STR } } },
	[AGENT_MSG_ERROR] = { "error", 0, { { "op", F_STR }, { "msg", F_STR } } },
	[AGENT_MSG_PING] = { "ping", 0, { { "seq", F_INT } } },
	[AGENT_MSG_PONG] = { "pong", 0, { { "seq", F_INT } } },
};

static const char *const ftype_names[] = {
	[F_INT] = "an integer", [F_STR] = "a string", [F_BOOL] = "true or false",
	[F_ARRAY] = "an array", [F_OBJECT] = "an object", [F_NUMBER] = "a number",
	[F_STR_OR_NULL] = "a string or null",
};

const char *agentproto_type_name(enum agent_msg_type t)
{
	return (unsigned)t < AGENT_MSG__COUNT ? specs[t].name : "?";
}

static int ftype_ok(const json_t *v, enum ftype t)
{
	switch (t) {
	case F_INT: return json_is_integer(v);
	case F_STR: return json_is_string(v);
	case F_BOOL: return json_is_boolean(v);
	case F_ARRAY: return json_is_array(v);
	case F_OBJECT: return json_is_object(v);
	case F_NUMBER: return json_is_number(v);
	case F_STR_OR_NULL: return json_is_string(v) || json_is_null(v);
	}
	return 0;
}

int agentproto_decode(const char *line, size_t len, struct agent_msg *m, char **cause)
{
	memset(m, 0, sizeof *m);
	m->id = -1;
	if (len && line[len - 1] == '\n')
		len--;
	if (len >= AGENTPROTO_MAX_LINE)
		return err_set(cause, "agent protocol: line of %zu bytes exceeds the limit of %d", len,
		    AGENTPROTO_MAX_LINE);
	json_error_t jerr;
	/* JSON_REJECT_DUPLICATES: one meaning per field, whichever parser reads it. */
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o)
		return err_set(cause, "agent protocol: not JSON at column %d: %s", jerr.column, jerr.text);
	if (!json_is_object(o)) {
		json_decref(o);
		return err_set(cause, "agent protocol: a message must be a JSON object");
	}
	const char *type = json_string_value(json_object_get(o, "type"));
	if (!type) {
		json_decref(o);
		return err_set(cause, "agent protocol: message without a string \"type\"");
	}
	int t = -1;
	for (int i = 0; i < AGENT_MSG__COUNT; i++)
		if (!strcmp(specs[i].name, type))
			t = i;
	if (t < 0) {
		char *shown = xstrndup(type, 64);
		for (char *p = shown; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = '?';
		err_set(cause, "agent protocol: unknown message type '%s'", shown);
		free(shown);
		json_decref(o);
		return -1;
	}
	const struct msg_spec *sp = &specs[t];
	/* The static name from here on: type points into o, freed on errors. */
	type = sp->name;
	if (sp->has_id) {
		json_t *id = json_object_get(o, "id");
		if (!json_is_integer(id) || json_integer_value(id) < 0 || json_integer_value(id) > INT32_MAX) {
			json_decref(o);
			return err_set(cause, "agent protocol: %s: \"id\" must be an integer from 0 to %d", type,
			    INT32_MAX);
		}
		m->id = (int)json_integer_value(id);
	} else {
		json_t *id = json_object_get(o, "id");
		if (json_is_integer(id) && json_integer_value(id) >= 0 && json_integer_value(id) <= INT32_MAX)
			m->id = (int)json_integer_value(id);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sp->fields) && sp->fields[i].name; i++) {
		json_t *v = json_object_get(o, sp->fields[i].name);
		if (!v || !ftype_ok(v, sp->fields[i].type)) {
			err_set(cause, "agent protocol: %s: \"%s\" must be %s", type, sp->fields[i].name,
			    ftype_names[sp->fields[i].type]);
			json_decref(o);
			return -1;
		}
	}
	/* Fields whose contents the receivers walk: check their elements here. */
	if (t == AGENT_MSG_LAUNCH) {
		json_t *argv = json_object_get(o, "argv"), *a;
		size_t i;
		if (json_array_size(argv) == 0) {
			json_decref(o);
			return err_set(cause, "agent protocol: launch: \"argv\" must not be empty");
		}
		json_array_foreach(argv, i, a)
			if (!json_is_string(a) || strlen(json_string_value(a)) != json_string_length(a)) {
				json_decref(o);
				return err_set(cause, "agent protocol: launch: argv[%zu] must be a string without NUL", i);
			}
	}
	if (t == AGENT_MSG_PROBE || t == AGENT_MSG_PREPARE) {
		json_t *rt = json_object_get(o, "runtime");
		if (!json_is_string(json_object_get(rt, "name")) || !json_is_string(json_object_get(rt, "driver"))) {
			json_decref(o);
			return err_set(cause, "agent protocol: %s: runtime needs string \"name\" and \"driver\"", type);
		}
		json_t *opts = json_object_get(rt, "options"), *v;
		const char *k;
		if (opts && !json_is_object(opts)) {
			json_decref(o);
			return err_set(cause, "agent protocol: %s: runtime \"options\" must be an object", type);
		}
		json_object_foreach(opts, k, v)
			if (!json_is_string(v)) {
				json_decref(o);
				return err_set(cause, "agent protocol: %s: runtime option values must be strings", type);
			}
	}
	m->type = (enum agent_msg_type)t;
	m->json = o;
	return 0;
}

void agentproto_msg_free(struct agent_msg *m)
{
	json_decref(m->json);
	m->json = NULL;
}

char *agentproto_encode(json_t *msg, size_t *len, char **cause)
{
	/* JSON_COMPACT never emits a raw newline: strings escape it. */
	char *s = json_dumps(msg, JSON_COMPACT);
	if (!s) {
		err_set(cause, "agent protocol: cannot encode a message");
		return NULL;
	}
	size_t n = strlen(s);
	if (n + 1 > AGENTPROTO_MAX_LINE) {
		free(s);
		err_set(cause, "agent protocol: a message of %zu bytes exceeds the line limit", n + 1);
		return NULL;
	}
	char *line = xmalloc(n + 2);
	memcpy(line, s, n);
	line[n] = '\n';
	line[n + 1] = '\0';
	free(s);
	*len = n + 1;
	return line;
}

int agentproto_check_hello(const struct agent_msg *m, char **cause)
{
	if (m->type != AGENT_MSG_HELLO)
		return err_set(cause, "agent protocol: expected hello, got %s", agentproto_type_name(m->type));
	json_int_t v = json_integer_value(json_object_get(m->json, "proto"));
	if (v != AGENTPROTO_VERSION)
		return err_set(cause, "agent protocol version %lld is not supported (this isolab speaks version %d)",
		    (long long)v, AGENTPROTO_VERSION);
	return 0;
}

int agentproto_has_capability(const struct agent_msg *m, const char *cap)
{
	json_t *caps = json_object_get(m->json, "capabilities"), *c;
	size_t i;
	json_array_foreach(caps, i, c)
		if (json_is_string(c) && !strcmp(json_string_value(c), cap))
			return 1;
	return 0;
}

int agentproto_updir_ok(const char *path)
{
	static const char prefix[] = "isolab-agent.";
	static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	size_t len = strlen(path);
	if (path[0] != '/' || len > PATH_MAX / 2)
		return 0;
	for (const char *p = path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	if (strstr(path, "/./") || strstr(path, "/../"))
		return 0;
	const char *base = strrchr(path, '/') + 1;
	return !strncmp(base, prefix, sizeof prefix - 1) && strlen(base + sizeof prefix - 1) == 8 &&
	    strspn(base + sizeof prefix - 1, alnum) == 8;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return s[0] ? 1 : 0;
	size_t k;
	uint32_t cp;
	if ((s[0] & 0xe0) == 0xc0) {
		k = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		k = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		k = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (k > n)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
	if ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return k;
}

json_t *agentproto_string(const char *s, size_t len)
{
	char *out = xmalloc(len * 3 + 1);
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		size_t k = utf8_seq((const unsigned char *)s + i, len - i);
		if (k) {
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	json_t *j = json_stringn(out, o);
	free(out);
	return j ? j : json_string("");
}

json_t *agentproto_proc_to_json(const struct proc_sample *p)
{
	json_t *o = json_pack("{s:i, s:i, s:o, s:s, s:f, s:f, s:f, s:f, s:f, s:i, s:f, s:f, s:I, s:I, s:f,"
	    " s:f, s:f, s:f, s:I, s:f, s:f, s:i, s:b, s:b, s:f}",
	    "pid", (int)p->pid, "ppid", (int)p->ppid, "comm", agentproto_string(p->comm, strnlen(p->comm, sizeof p->comm)),
	    "role", role_name(p->role),
	    "usr", p->usr, "system", p->system, "guest", p->guest, "wait", p->wait, "cpu", p->cpu,
	    "cpu_num", p->cpu_num, "minflt_s", p->minflt_s, "majflt_s", p->majflt_s,
	    "vsz_kb", (json_int_t)p->vsz_kb, "rss_kb", (json_int_t)p->rss_kb, "mem_pct", p->mem_pct,
	    "kb_rd_s", p->kb_rd_s, "kb_wr_s", p->kb_wr_s, "kb_ccwr_s", p->kb_ccwr_s,
	    "iodelay", (json_int_t)p->iodelay, "cswch_s", p->cswch_s, "nvcswch_s", p->nvcswch_s,
	    "threads", (int)p->threads, "first", p->first, "exited", p->exited, "secs", p->secs);
	/* the runtime's component (gVisor's sentry, gofer, stub), where known */
	if (o && p->name[0])
		json_object_set_new(o, "name", agentproto_string(p->name, strnlen(p->name, sizeof p->name)));
	/* a VMM's vCPU threads' part of its CPU, where they are told apart */
	if (o && p->has_vcpu)
		json_object_set_new(o, "vcpu_cpu", json_real(p->vcpu_cpu));
	return o;
}

static double num(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_number(v) ? json_number_value(v) : 0;
}

/* An int field: 0 unless the number is finite and within int's range. */
static int inum(const json_t *o, const char *k)
{
	double v = num(o, k);
	return isfinite(v) && v >= (double)INT_MIN && v <= (double)INT_MAX ? (int)v : 0;
}

static uint64_t unum(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

int agentproto_proc_from_json(const json_t *o, struct proc_sample *p)
{
	json_t *pid = json_object_get(o, "pid");
	if (!json_is_object(o) || !json_is_integer(pid) || json_integer_value(pid) <= 0 ||
	    json_integer_value(pid) > INT_MAX)
		return -1;
	memset(p, 0, sizeof *p);
	p->pid = (pid_t)json_integer_value(pid);
	p->ppid = (pid_t)inum(o, "ppid");
	const char *comm = json_string_value(json_object_get(o, "comm"));
	snprintf(p->comm, sizeof p->comm, "%s", comm ? comm : "?");
	const char *name = json_string_value(json_object_get(o, "name"));
	snprintf(p->name, sizeof p->name, "%s", name ? name : "");
	const char *role = json_string_value(json_object_get(o, "role"));
	int r = role ? role_parse(role) : -1;
	p->role = r >= 0 ? (enum proc_role)r : ROLE_GUEST;
	p->usr = num(o, "usr");
	p->system = num(o, "system");
	p->guest = num(o, "guest");
	p->wait = num(o, "wait");
	p->cpu = num(o, "cpu");
	p->cpu_num = inum(o, "cpu_num");
	p->minflt_s = num(o, "minflt_s");
	p->majflt_s = num(o, "majflt_s");
	p->vsz_kb = unum(o, "vsz_kb");
	p->rss_kb = unum(o, "rss_kb");
	p->mem_pct = num(o, "mem_pct");
	p->kb_rd_s = num(o, "kb_rd_s");
	p->kb_wr_s = num(o, "kb_wr_s");
	p->kb_ccwr_s = num(o, "kb_ccwr_s");
	p->iodelay = unum(o, "iodelay");
	p->cswch_s = num(o, "cswch_s");
	p->nvcswch_s = num(o, "nvcswch_s");
	uint64_t threads = unum(o, "threads");
	p->threads = threads <= UINT_MAX ? (unsigned)threads : 0;
	p->first = json_is_true(json_object_get(o, "first"));
	p->exited = json_is_true(json_object_get(o, "exited"));
	double secs = num(o, "secs");
	p->secs = secs > 0 && secs < 1e7 ? secs : 0;
	json_t *vcpu = json_object_get(o, "vcpu_cpu");
	if (json_is_number(vcpu) && json_number_value(vcpu) >= 0 && json_number_value(vcpu) <= p->cpu) {
		p->has_vcpu = 1;
		p->vcpu_cpu = json_number_value(vcpu);
	}
	return 0;
}

void agentproto_reader_init(struct agentproto_reader *r)
{
	memset(r, 0, sizeof *r);
}

void agentproto_reader_free(struct agentproto_reader *r)
{
	free(r->buf);
	memset(r, 0, sizeof *r);
}

int agentproto_reader_feed(struct agentproto_reader *r, const char *data, size_t len, char **cause)
{
	if (r->start) {
		memmove(r->buf, r->buf + r->start, r->len - r->start);
		r->len -= r->start;
		r->start = 0;
	}
	if (r->len + len + 1 > r->cap) {
		r->cap = (r->len + len + 1) * 2;
		r->buf = xrealloc(r->buf, r->cap);
	}
	memcpy(r->buf + r->len, data, len);
	r->len += len;
	/* The unterminated last line is what could grow without bound. */
	const char *nl = memrchr(r->buf, '\n', r->len);
	size_t tail = nl ? r->len - (size_t)(nl - r->buf) - 1 : r->len;
	if (tail >= AGENTPROTO_MAX_LINE)
		return err_set(cause, "agent protocol: a line longer than %d bytes", AGENTPROTO_MAX_LINE);
	return 0;
}

int agentproto_reader_next(struct agentproto_reader *r, const char **line, size_t *len)
{
	if (r->start >= r->len)
		return 0;
	char *nl = memchr(r->buf + r->start, '\n', r->len - r->start);
	if (!nl)
		return 0;
	*line = r->buf + r->start;
	*len = (size_t)(nl - (r->buf + r->start));
	r->start = (size_t)(nl - r->buf) + 1;
	return 1;
}

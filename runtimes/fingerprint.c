/*
 * fingerprint.c — the isolation fingerprint of an instance (fingerprint.h).
 *
 * When: the engine calls fingerprint_ready once the workload's ready line
 * is read, the only moment the kernel= value is at hand and the moment a
 * short workload (start) is most likely still alive. Its record is written
 * at once. Some drivers only find their container's processes later —
 * Docker asks `docker inspect` (tens of ms) no sooner than half a second
 * after launch — so when no process inside was visible yet, the instance
 * stays pending and fingerprint_tick, called each second, writes a second,
 * complete record as soon as one is. Readers merge an instance's records,
 * later non-null fields winning (fingerprint_table does).
 *
 * Cost: a dozen readlinks and three small reads, well under a millisecond,
 * after the start-up clock has stopped.
 */
#include "config.h"
#include "fingerprint.h"
#include "journal.h"
#include "runtime.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static const char *const ns_names[] = { "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts" };

/* The target of <root>/<pid>/ns/<name> into buf; 0, or -1 when unreadable. */
static int ns_link(const char *root, pid_t pid, const char *name, char *buf, size_t len)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%d/ns/%s", root, (int)pid, name);
	ssize_t n = readlink(path, buf, len - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* Whether every namespace link of pid can be read (pid 1's may not be). */
static int ns_readable(const char *root, pid_t pid)
{
	char buf[128];
	return ns_link(root, pid, "pid", buf, sizeof buf) == 0 && ns_link(root, pid, "mnt", buf, sizeof buf) == 0;
}

/* The value after "Key:" in a /proc status text, trimmed, malloc'd, or NULL. */
static char *status_field(const char *status, const char *key)
{
	size_t kl = strlen(key);
	for (const char *s = status; s && *s;) {
		if (!strncmp(s, key, kl) && s[kl] == ':') {
			const char *v = s + kl + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			return xstrndup(v, strcspn(v, "\n"));
		}
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	return NULL;
}

/* The path of the line of /proc/PID/cgroup whose controller list holds
 * ctrl ("" for v2's "0::" line), malloc'd, or NULL. */
static char *cgroup_line(const char *text, const char *ctrl)
{
	for (const char *s = text; s && *s;) {
		const char *e = s + strcspn(s, "\n");
		const char *c1 = memchr(s, ':', (size_t)(e - s));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(e - c1 - 1)) : NULL;
		if (c2) {
			size_t cl = (size_t)(c2 - c1 - 1);
			int match = 0;
			if (!*ctrl) {
				match = cl == 0;
			} else {
				/* A comma-separated list: "cpu,cpuacct". */
				for (const char *w = c1 + 1; w < c2;) {
					size_t wl = strcspn(w, ",:");
					if (wl == strlen(ctrl) && !strncmp(w, ctrl, wl))
						match = 1;
					w += wl + 1;
				}
			}
			if (match)
				return xstrndup(c2 + 1, (size_t)(e - c2 - 1));
		}
		s = *e ? e + 1 : e;
	}
	return NULL;
}

static char *squeeze_lines(const char *text)
{
	size_t n = strlen(text);
	char *out = xmalloc(n * 2 + 1), *o = out;
	int space = 0, line_start = 1;
	for (const char *s = text; *s; s++) {
		if (*s == '\n') {
			space = 0;
			if (!line_start) {
				*o++ = ',';
				*o++ = ' ';
			}
			line_start = 1;
		} else if (isspace((unsigned char)*s)) {
			space = !line_start;
		} else {
			if (space)
				*o++ = ' ';
			space = 0;
			line_start = 0;
			*o++ = *s;
		}
	}
	while (o > out && (o[-1] == ' ' || o[-1] == ','))
		o--;
	*o = '\0';
	return out;
}

static json_t *str_or_null(char *s)
{
	json_t *v = s ? json_string(s) : json_null();
	free(s);
	return v ? v : json_null();
}

json_t *fingerprint_of_pid(const char *proc_root, pid_t pid, pid_t ref_pid)
{
	char path[256];
	/* A zombie keeps its status but not its namespaces: gone either way. */
	if (pid <= 0 || !ns_readable(proc_root, pid))
		return NULL;
	const char *ref_name;
	char refbuf[32];
	if (ref_pid > 0) {
		snprintf(refbuf, sizeof refbuf, "pid %d", (int)ref_pid);
		ref_name = refbuf;
	} else if (ns_readable(proc_root, 1)) {
		ref_pid = 1;
		ref_name = "/proc/1";
	} else {
		ref_pid = getpid();
		ref_name = "self";
	}
	json_t *differs = json_array();
	for (size_t i = 0; i < ARRAY_SIZE(ns_names); i++) {
		char a[128], b[128];
		if (ns_link(proc_root, pid, ns_names[i], a, sizeof a) < 0 ||
		    ns_link(proc_root, ref_pid, ns_names[i], b, sizeof b) < 0)
			continue; /* a namespace this kernel lacks */
		if (strcmp(a, b))
			json_array_append_new(differs, json_string(ns_names[i]));
	}
	snprintf(path, sizeof path, "%s/%d/status", proc_root, (int)pid);
	_cleanup_free_ char *status = read_file(path, NULL);
	snprintf(path, sizeof path, "%s/%d/cgroup", proc_root, (int)pid);
	_cleanup_free_ char *cg = read_file(path, NULL);
	snprintf(path, sizeof path, "%s/%d/uid_map", proc_root, (int)pid);
	_cleanup_free_ char *uidmap = read_file(path, NULL);

	char *cgpath = NULL;
	if (cg) {
		/* Pure v2 has only the "0::" line; on v1 and hybrid the pids or
		 * memory controller's path is where limits and tracking live. */
		cgpath = cgroup_line(cg, "pids");
		if (!cgpath)
			cgpath = cgroup_line(cg, "memory");
		if (!cgpath)
			cgpath = cgroup_line(cg, "");
	}
	_cleanup_free_ char *sc = status ? status_field(status, "Seccomp") : NULL;
	const char *seccomp = !sc ? NULL : !strcmp(sc, "0") ? "disabled" : !strcmp(sc, "1") ? "strict"
	    : !strcmp(sc, "2") ? "filter" : sc;
	_cleanup_free_ char *nnp = status ? status_field(status, "NoNewPrivs") : NULL;
	json_t *o = json_object();
	json_object_set_new(o, "pid", json_integer(pid));
	json_object_set_new(o, "ns_ref", json_string(ref_name));
	json_object_set_new(o, "ns_differs", differs);
	json_object_set_new(o, "cgroup", str_or_null(cgpath));
	json_object_set_new(o, "seccomp", seccomp ? json_string(seccomp) : json_null());
	json_object_set_new(o, "cap_eff", str_or_null(status ? status_field(status, "CapEff") : NULL));
	json_object_set_new(o, "no_new_privs", nnp ? json_integer(atoi(nnp)) : json_null());
	json_object_set_new(o, "uid_map", str_or_null(uidmap ? squeeze_lines(uidmap) : NULL));
	return o;
}

char *fingerprint_kernel(const char *line)
{
	for (const char *s = line; s && (s = strstr(s, "kernel=")); s += 7) {
		if (s != line && s[-1] != ' ')
			continue;
		const char *v = s + 7;
		size_t n = strcspn(v, " \t\r\n");
		return n ? xstrndup(v, n) : NULL;
	}
	return NULL;
}

/* The process to read: the driver's first live workload process, else the
 * main process when it is itself inside (gVisor's sandbox, whose workload
 * the host never sees). Not an init the runtime put inside: LXC's keeps
 * the capabilities it drops for the workload, so it would misreport. */
static json_t *probe_instance(const struct instance *in, const struct pid_role *pr, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (pr[i].role != ROLE_WORKLOAD)
			continue;
		json_t *o = fingerprint_of_pid("/proc", pr[i].pid, 0);
		if (o)
			return o;
	}
	char a[128], b[128];
	if (in->main_pid > 0 && ns_link("/proc", in->main_pid, "pid", a, sizeof a) == 0 &&
	    ns_link("/proc", getpid(), "pid", b, sizeof b) == 0 && strcmp(a, b))
		return fingerprint_of_pid("/proc", in->main_pid, 0);
	return NULL;
}

json_t *fingerprint_build(struct instance *in, const char *runtime, const struct pid_role *pr, size_t n,
    const char *ready_line)
{
	struct utsname u;
	json_t *rec = json_pack("{s:s, s:i, s:s, s:s}", "type", "fingerprint", "inst", in->id, "runtime",
	    runtime, "workload", in->wl->name);
	json_object_set_new(rec, "kernel", str_or_null(fingerprint_kernel(ready_line)));
	json_object_set_new(rec, "host_kernel", uname(&u) == 0 ? json_string(u.release) : json_null());
	json_t *p = probe_instance(in, pr, n);
	if (p) {
		json_object_update(rec, p);
		json_decref(p);
	} else {
		static const char *const fields[] = { "pid", "ns_ref", "ns_differs", "cgroup", "seccomp", "cap_eff",
			"no_new_privs", "uid_map" };
		for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
			json_object_set_new(rec, fields[i], json_null());
	}
	return rec;
}

/* Instances whose ready-time record had no process to read: (journal,
 * instance) pairs, retried for a few seconds. Engine thread only. */
#define PENDING_MAX 64
#define PENDING_TRIES 5
static struct pending {
	const struct journal *j;
	int inst;
	int tries;
	char *kernel;
} pending[PENDING_MAX];

static struct pending *pending_find(const struct journal *j, int inst)
{
	for (size_t i = 0; i < PENDING_MAX; i++)
		if (pending[i].j == j && pending[i].inst == inst)
			return &pending[i];
	return NULL;
}

static void pending_drop(struct pending *p)
{
	free(p->kernel);
	memset(p, 0, sizeof *p);
}

void fingerprint_ready(struct instance *in, const char *runtime, const struct pid_role *pr, size_t n,
    const char *ready_line, struct journal *j)
{
	if (!j)
		return;
	json_t *rec = fingerprint_build(in, runtime, pr, n, ready_line);
	journal_append(j, rec, NULL);
	struct pending *p = pending_find(j, in->id);
	if (p)
		pending_drop(p); /* an instance id reused by a new journal at the same address */
	if (json_is_null(json_object_get(rec, "pid"))) {
		p = pending_find(NULL, 0);
		if (!p) /* full: the oldest slot goes */
			pending_drop(p = &pending[0]);
		p->j = j;
		p->inst = in->id;
		const char *k = json_string_value(json_object_get(rec, "kernel"));
		p->kernel = k ? xstrdup(k) : NULL;
	}
	json_decref(rec);
}

void fingerprint_tick(struct instance *in, const char *runtime, const struct pid_role *pr, size_t n,
    struct journal *j)
{
	struct pending *p = j ? pending_find(j, in->id) : NULL;
	if (!p)
		return;
	json_t *o = probe_instance(in, pr, n);
	if (!o) {
		if (++p->tries >= PENDING_TRIES)
			pending_drop(p);
		return;
	}
	json_t *rec = json_pack("{s:s, s:i, s:s, s:s}", "type", "fingerprint", "inst", in->id, "runtime",
	    runtime, "workload", in->wl->name);
	json_object_set_new(rec, "kernel", p->kernel ? json_string(p->kernel) : json_null());
	json_object_update(rec, o);
	json_decref(o);
	journal_append(j, rec, NULL);
	json_decref(rec);
	pending_drop(p);
}

/* ---- reading back ---- */

static const char *field_str(json_t *rec, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(rec, key);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_array(v)) {
		size_t off = 0, i;
		json_t *e;
		buf[0] = '\0';
		json_array_foreach(v, i, e)
			if (json_is_string(e))
				off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s", i ? "," : "",
				    json_string_value(e));
		if (off == 0)
			snprintf(buf, len, "none");
		return buf;
	}
	return "-";
}

char **fingerprint_table(const struct journal_read *jr, size_t *n)
{
	/* One merged object per instance, in order of first appearance. */
	json_t *merged = json_array();
	for (size_t i = 0; i < jr->nrecords; i++) {
		json_t *r = jr->records[i];
		const char *type = json_string_value(json_object_get(r, "type"));
		if (!type || strcmp(type, "fingerprint") || !json_is_integer(json_object_get(r, "inst")))
			continue;
		json_int_t inst = json_integer_value(json_object_get(r, "inst"));
		json_t *m = NULL, *e;
		size_t k;
		json_array_foreach(merged, k, e)
			if (json_integer_value(json_object_get(e, "inst")) == inst)
				m = e;
		if (!m) {
			m = json_object();
			json_array_append_new(merged, m);
		}
		const char *key;
		json_t *v;
		json_object_foreach(r, key, v)
			if (!json_is_null(v) || !json_object_get(m, key))
				json_object_set(m, key, v);
	}
	size_t cnt = json_array_size(merged);
	char **lines = xcalloc(cnt + 2, sizeof *lines);
	lines[0] = xasprintf("%-5s %-14s %-10s %-22s %-28s %-9s %-17s %-4s %-22s %s", "INST", "RUNTIME", "WORKLOAD",
	    "KERNEL", "NAMESPACES", "SECCOMP", "CAPEFF", "NNP", "UID_MAP", "CGROUP");
	for (size_t i = 0; i < cnt; i++) {
		json_t *m = json_array_get(merged, i);
		char b[10][512];
		lines[i + 1] = xasprintf("%-5s %-14s %-10s %-22s %-28s %-9s %-17s %-4s %-22s %s",
		    field_str(m, "inst", b[0], sizeof b[0]), field_str(m, "runtime", b[1], sizeof b[1]),
		    field_str(m, "workload", b[2], sizeof b[2]), field_str(m, "kernel", b[3], sizeof b[3]),
		    field_str(m, "ns_differs", b[4], sizeof b[4]), field_str(m, "seccomp", b[5], sizeof b[5]),
		    field_str(m, "cap_eff", b[6], sizeof b[6]), field_str(m, "no_new_privs", b[7], sizeof b[7]),
		    field_str(m, "uid_map", b[8], sizeof b[8]), field_str(m, "cgroup", b[9], sizeof b[9]));
	}
	json_decref(merged);
	*n = cnt;
	return lines;
}

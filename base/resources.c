/*
 * resources.c — the resource journal and its reapers.
 *
 * The journal is a plain append-only text file, one line per event, each
 * written with a single write() on an O_APPEND fd: a line is in the file
 * whole or not at all, so a SIGKILLed isolab leaves a journal that says
 * exactly what might exist (the page cache outlives the process). A line
 * is also fdatasync'd, so that it outlives a crash of the machine, unless
 * it records what no reboot leaves behind: processes, cgroups, mounts,
 * network namespaces and veths live in the kernel only. Those records are
 * the ones made on the start-up path (a process is recorded once it
 * exists), where an fdatasync took 0.3-4 ms here. Recording happens *before* creation,
 * so the journal can name things that were never made; every reaper
 * therefore treats "already gone" as success.
 *
 * The owner file holds the pid and the process start time (field 22 of
 * /proc/PID/stat): a pid alone could have been reused by an unrelated
 * process since the owner died.
 */
#include "resources.h"
#include "cgroup.h"
#include "exec.h"
#include "netns.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUNDIR_DEFAULT "/run/isolab"

struct reapers {
	resource_reaper_find find; /* the drivers' kinds, or NULL */
};

struct resources {
	char *dir;
	int fd;       /* the resources file, O_APPEND */
	struct reapers reapers;
};

struct entry {
	char *kind, *a, *b; /* b NULL when "-" */
	int done;
};

/* Not root, /run is not ours: the per-user runtime directory instead. */
static const char *rundir(void)
{
	static __thread char buf[4096];
	const char *e = getenv("ISOLAB_RUNDIR");
	if (e && *e)
		return e;
	if (geteuid() == 0)
		return RUNDIR_DEFAULT;
	const char *x = getenv("XDG_RUNTIME_DIR");
	if (x && *x)
		snprintf(buf, sizeof buf, "%s/isolab", x);
	else
		snprintf(buf, sizeof buf, "/tmp/isolab-%u", (unsigned)geteuid());
	return buf;
}

/* Start time of pid in clock ticks since boot, or 0 when it is gone. A
 * zombie counts as gone: a killed isolab whose parent has not reaped it
 * yet must not keep its run from being cleaned up. */
static unsigned long long proc_starttime(pid_t pid)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
	_cleanup_free_ char *t = read_file(p, NULL);
	if (!t)
		return 0;
	char *s = strrchr(t, ')');
	if (!s || !s[1] || s[2] == 'Z' || s[2] == 'X')
		return 0;
	/* After ')': state is field 3, starttime field 22. */
	unsigned long long v = 0;
	s += 2;
	for (int field = 3; field < 22 && s; field++) {
		s = strchr(s, ' ');
		if (s)
			s++;
	}
	if (s)
		v = strtoull(s, NULL, 10);
	return v;
}

static char *escape(const char *s)
{
	if (!s || !*s)
		return xstrdup("-");
	size_t n = strlen(s);
	char *out = xmalloc(n * 3 + 1), *o = out;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c == '%' || c >= 0x7f || (c == '-' && o == out && !s[1])) {
			snprintf(o, 4, "%%%02X", c);
			o += 3;
		} else {
			*o++ = (char)c;
		}
	}
	*o = '\0';
	return out;
}

static char *unescape(const char *s)
{
	if (!strcmp(s, "-"))
		return NULL;
	char *out = xmalloc(strlen(s) + 1), *o = out;
	for (; *s; s++) {
		unsigned v;
		if (s[0] == '%' && sscanf(s + 1, "%2x", &v) == 1 && s[1] && s[2]) {
			*o++ = (char)v;
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

/* Whether a resource of this kind can outlive a reboot (files, directories,
 * a driver's containers and images): only those records need fdatasync. */
static int durable(const char *kind)
{
	static const char *const volatile_kinds[] = { "pid", "pgrp", "cgroup", "mount", "netns", "veth", NULL };
	for (const char *const *k = volatile_kinds; *k; k++)
		if (!strcmp(kind, *k))
			return 0;
	return 1;
}

static int append_line(int fd, const char *prefix, const char *kind, const char *a, const char *b)
{
	_cleanup_free_ char *ea = escape(a);
	_cleanup_free_ char *eb = escape(b);
	_cleanup_free_ char *line = xasprintf("%s%s %s %s\n", prefix, kind, ea, eb);
	size_t len = strlen(line);
	ssize_t w = write(fd, line, len);
	if (w < 0 || (size_t)w != len) {
		if (w >= 0)
			errno = EIO;
		return -1;
	}
	return durable(kind) ? fdatasync(fd) : 0;
}

struct resources *resources_open(const char *run_id, resource_reaper_find find, char **cause)
{
	if (!run_id || !*run_id || strchr(run_id, '/') || run_id[0] == '.') {
		err_set(cause, "invalid run id '%s'", run_id ? run_id : "");
		return NULL;
	}
	if (mkdir_p(rundir(), 0755) < 0) {
		err_errno(cause, "cannot create %s", rundir());
		return NULL;
	}
	struct resources *r = xcalloc(1, sizeof *r);
	r->fd = -1;
	r->reapers.find = find;
	r->dir = xasprintf("%s/%s", rundir(), run_id);
	_cleanup_free_ char *owner = xasprintf("%s/owner", r->dir);
	_cleanup_free_ char *who = xasprintf("%d %llu\n", (int)getpid(), proc_starttime(getpid()));
	_cleanup_free_ char *path = xasprintf("%s/resources", r->dir);
	if (mkdir(r->dir, 0700) < 0 && errno != EEXIST) {
		err_errno(cause, "cannot create %s", r->dir);
		goto fail;
	}
	if (write_file(owner, who, 1) < 0) {
		err_errno(cause, "cannot write %s", owner);
		goto fail;
	}
	r->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (r->fd < 0) {
		err_errno(cause, "cannot open %s", path);
		goto fail;
	}
	return r;
fail:
	resources_close(r, 0);
	return NULL;
}

const char *resources_dir(const struct resources *r) { return r->dir; }

static int kind_ok(const char *kind)
{
	if (!kind || !*kind || !strcmp(kind, "done"))
		return 0;
	for (const char *s = kind; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

int resources_add(struct resources *r, const char *kind, const char *a, const char *b, char **cause)
{
	if (!kind_ok(kind))
		return err_set(cause, "resource journal: invalid kind '%s'", kind ? kind : "");
	if (append_line(r->fd, "", kind, a, b) < 0)
		return err_errno(cause, "resource journal %s: cannot record %s %s", r->dir, kind, a ? a : "");
	return 0;
}

int resources_add_process(struct resources *r, const char *kind, pid_t pid, char **cause)
{
	char a[32], b[32];
	snprintf(a, sizeof a, "%d", (int)pid);
	snprintf(b, sizeof b, "%llu", proc_starttime(pid));
	return resources_add(r, kind, a, b, cause);
}

int resources_done(struct resources *r, const char *kind, const char *a, const char *b)
{
	if (!r || !kind_ok(kind))
		return -1;
	return append_line(r->fd, "done ", kind, a, b);
}

static int eq(const char *x, const char *y)
{
	return x == y || (x && y && !strcmp(x, y));
}

static void entries_free(struct entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].kind);
		free(e[i].a);
		free(e[i].b);
	}
	free(e);
}

/* Parses the journal of dir; a "done" line closes the newest open entry
 * that matches it. Unparseable lines (a torn tail) are ignored. */
static struct entry *entries_read(const char *dir, size_t *n)
{
	*n = 0;
	_cleanup_free_ char *path = xasprintf("%s/resources", dir);
	_cleanup_free_ char *t = read_file(path, NULL);
	if (!t)
		return NULL;
	struct entry *e = NULL;
	size_t cap = 0;
	char *save = NULL;
	for (char *line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[4] = { 0 };
		size_t nf = 0;
		char *s2 = NULL;
		for (char *tok = strtok_r(line, " ", &s2); tok && nf < 4; tok = strtok_r(NULL, " ", &s2))
			f[nf++] = tok;
		int done = nf == 4 && !strcmp(f[0], "done");
		if (!(done || nf == 3) || !kind_ok(f[done]))
			continue;
		char *kind = f[done], *a = unescape(f[done + 1]), *b = unescape(f[done + 2]);
		if (done) {
			for (size_t i = *n; i-- > 0;)
				/* A "done" without b closes the entry whatever its b (a
				 * process's start time is unknowable once it is reaped). */
				if (!e[i].done && !strcmp(e[i].kind, kind) && eq(e[i].a, a) && (!b || eq(e[i].b, b))) {
					e[i].done = 1;
					break;
				}
			free(a);
			free(b);
			continue;
		}
		if (*n == cap)
			e = xreallocarray(e, cap = cap ? cap * 2 : 16, sizeof *e);
		e[(*n)++] = (struct entry){ .kind = xstrdup(kind), .a = a, .b = b };
	}
	return e;
}

static int reap_one(const struct reapers *r, const struct entry *e, char **cause)
{
	const char *k = e->kind, *a = e->a ? e->a : "", *b = e->b;
	if (!strcmp(k, "pid") || !strcmp(k, "pgrp")) {
		char *end;
		long pid = strtol(a, &end, 10);
		if (*end || pid <= 1)
			return err_set(cause, "bad pid '%s'", a);
		unsigned long long st = proc_starttime((pid_t)pid);
		if (!st || (b && strtoull(b, NULL, 10) != st))
			return 0; /* gone, or the pid now belongs to someone else */
		/* A group leader that is still the same process vouches for its group. */
		pid_t target = !strcmp(k, "pgrp") ? -(pid_t)pid : (pid_t)pid;
		if (kill(target, SIGKILL) < 0 && errno != ESRCH)
			return err_errno(cause, "kill %ld", pid);
		return 0;
	}
	if (!strcmp(k, "cgroup"))
		return cgroup_remove(a, cause);
	if (!strcmp(k, "mount")) {
		if (umount2(a, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
			return err_errno(cause, "umount %s", a);
		return 0;
	}
	if (!strcmp(k, "dir")) {
		if (!*a || !strcmp(a, "/"))
			return err_set(cause, "refusing to remove '%s'", a);
		return rm_rf(a) < 0 ? err_errno(cause, "rm -rf %s", a) : 0;
	}
	if (!strcmp(k, "file"))
		return unlink(a) < 0 && errno != ENOENT ? err_errno(cause, "unlink %s", a) : 0;
	if (!strcmp(k, "netns"))
		return netns_delete(a, cause);
	if (!strcmp(k, "veth"))
		return netns_link_delete(a, cause);
	const struct resource_reaper *rp = r->find ? r->find(k) : NULL;
	if (rp)
		return rp->reap(a, b, cause);
	return err_set(cause, "unknown resource kind '%s'", k);
}

static void push(char ***list, size_t *n, char *s)
{
	*list = xreallocarray(*list, *n + 2, sizeof **list);
	(*list)[(*n)++] = s;
	(*list)[*n] = NULL;
}

static void describe(char *buf, size_t size, const struct entry *e)
{
	snprintf(buf, size, "%s %s%s%s", e->kind, e->a ? e->a : "-", e->b ? " " : "", e->b ? e->b : "");
}

static int remove_rundir(const char *dir)
{
	_cleanup_free_ char *o = xasprintf("%s/owner", dir);
	_cleanup_free_ char *r = xasprintf("%s/resources", dir);
	unlink(r);
	unlink(o);
	return rmdir(dir);
}

/* Reaps the open entries of dir newest first, appending "done" lines
 * through fd. Failures go to *errs, successes to *oks (either may be NULL). */
static size_t reap_dir(const struct reapers *rp, const char *dir, int fd, const char *run, char ***errs,
    size_t *nerr, char ***oks, size_t *nok)
{
	size_t n, failed = 0;
	struct entry *e = entries_read(dir, &n);
	for (size_t i = n; i-- > 0;) {
		if (e[i].done)
			continue;
		char what[512];
		describe(what, sizeof what, &e[i]);
		char *cause = NULL;
		if (reap_one(rp, &e[i], &cause) < 0) {
			failed++;
			if (errs)
				push(errs, nerr, xasprintf("run %s: cannot reap %s: %s", run, what, cause ? cause : "?"));
			free(cause);
			continue;
		}
		free(cause); /* a reaper's complaint about what was gone anyway */
		if (fd >= 0)
			append_line(fd, "done ", e[i].kind, e[i].a, e[i].b);
		if (oks)
			push(oks, nok, xasprintf("run %s: reaped %s", run, what));
	}
	entries_free(e, n);
	return failed;
}

size_t resources_reap_all(struct resources *r, char ***errors)
{
	size_t nerr = 0;
	if (errors)
		*errors = NULL;
	const char *run = strrchr(r->dir, '/') ? strrchr(r->dir, '/') + 1 : r->dir;
	return reap_dir(&r->reapers, r->dir, r->fd, run, errors, &nerr, NULL, NULL);
}

void resources_close(struct resources *r, int remove)
{
	if (!r)
		return;
	if (remove) {
		/* Only an empty journal is deleted: one with resources left keeps
		 * them findable by `isolab cleanup` once this process is gone. */
		size_t n, open_left = 0;
		struct entry *e = entries_read(r->dir, &n);
		for (size_t i = 0; i < n; i++)
			open_left += !e[i].done;
		entries_free(e, n);
		if (!open_left)
			remove_rundir(r->dir);
	}
	if (r->fd >= 0)
		close(r->fd);
	free(r->dir);
	free(r);
}

/* 2 when this process owns dir, 1 when its owner is alive (same pid and
 * start time), 0 when the owner is dead. */
static int owner_state(const char *dir)
{
	_cleanup_free_ char *p = xasprintf("%s/owner", dir);
	_cleanup_free_ char *t = read_file(p, NULL);
	int pid = 0;
	unsigned long long st = 0;
	if (!t || sscanf(t, "%d %llu", &pid, &st) < 1 || pid <= 0)
		return 0; /* no owner: a crash before the owner file was complete */
	if (pid == getpid())
		return 2;
	unsigned long long now = proc_starttime(pid);
	return now && (!st || now == st);
}

size_t resources_reap_dead(resource_reaper_find find, int all, char ***log, size_t *nlog)
{
	struct reapers rp = { find };
	size_t failed = 0, dummy = 0;
	if (!nlog)
		nlog = &dummy;
	if (log) {
		*log = NULL;
		*nlog = 0;
	}
	DIR *d = opendir(rundir());
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *dir = xasprintf("%s/%s", rundir(), de->d_name);
		struct stat st;
		int owner = lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? owner_state(dir) : 2;
		if (owner == 2 || (owner == 1 && !all)) {
			free(dir);
			continue;
		}
		_cleanup_free_ char *jp = xasprintf("%s/resources", dir);
		int fd = open(jp, O_WRONLY | O_APPEND | O_CLOEXEC);
		size_t f = reap_dir(&rp, dir, fd, de->d_name, log, nlog, log, nlog);
		if (fd >= 0)
			close(fd);
		failed += f;
		if (!f)
			remove_rundir(dir);
		free(dir);
	}
	closedir(d);
	return failed;
}

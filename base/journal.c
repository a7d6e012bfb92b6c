/*
 * journal.c — a run's directory, its append-only JSONL journal and the
 * environment record; reading them back.
 *
 * Durability: records are serialised into memory by journal_append and
 * reach the file only in journal_flush, which the engine calls once a
 * second, so a busy run makes one write() per second rather than one per
 * record. journal_sync adds an fsync at each instance's end. A write that
 * fails part-way (ENOSPC, EIO) leaves the unwritten tail in the buffer so
 * the next flush retries it: the file never gets a record twice, and what
 * was written before stays readable because every record is one line.
 *
 * Reading is forgiving by design: a run killed mid-write leaves a half
 * line at the end, and a report of everything before it is still worth
 * showing, so the reader skips (and counts) lines it cannot use instead of
 * failing.
 */
#include "config.h"
#include "journal.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define JOURNAL_FILE "journal.jsonl"
#define ENV_FILE "env.json"

struct journal {
	char *id;
	char *dir;
	char *path;        /* dir/journal.jsonl, for messages */
	int fd;
	char *buf;         /* serialised records not yet written */
	size_t len, cap;
	int failed;        /* the last flush did not write everything */
};

static unsigned random16(void)
{
	unsigned short r;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r))
		return r;
	uint64_t t = real_ns() ^ ((uint64_t)getpid() << 16);
	return (unsigned)((t ^ (t >> 16) ^ (t >> 32)) & 0xffff);
}

/* A run id names a directory under runs/: it must stay inside it. */
static int valid_run_id(const char *id)
{
	return id[0] && id[0] != '.' && !strchr(id, '/') && strcmp(id, "latest") != 0;
}

static char *runs_dir(const char *state_dir)
{
	return xasprintf("%s/runs", state_dir);
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Points runs/latest at id. A symlink under a temporary name renamed over
 * the old one, so a reader never sees "latest" missing or half-made. */
static int update_latest(const char *runs, const char *id, char **cause)
{
	for (int tries = 0; tries < 16; tries++) {
		_cleanup_free_ char *tmp = xasprintf("%s/.latest-%ld-%04x", runs, (long)getpid(), random16());
		if (symlink(id, tmp) < 0) {
			if (errno == EEXIST)
				continue;
			return err_errno(cause, "symlink %s", tmp);
		}
		_cleanup_free_ char *latest = xasprintf("%s/latest", runs);
		if (rename(tmp, latest) < 0) {
			err_errno(cause, "rename %s to %s", tmp, latest);
			unlink(tmp);
			return -1;
		}
		return 0;
	}
	return err_set(cause, "%s: cannot find a free temporary name for the latest link", runs);
}

static char *generate_run_id(void)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	return xasprintf("%s-%04x", stamp, random16());
}

struct journal *journal_create(const char *state_dir, const char *run_id, char **cause)
{
	if (run_id && !valid_run_id(run_id)) {
		err_set(cause, "invalid run id '%s': it must be a plain name, not '.', '..', 'latest' or a path", run_id);
		return NULL;
	}
	_cleanup_free_ char *runs = runs_dir(state_dir);
	if (mkdir_p(runs, 0755) < 0) {
		err_errno(cause, "mkdir %s", runs);
		return NULL;
	}
	struct journal *j = xcalloc(1, sizeof(*j));
	j->fd = -1;
	/* A generated id may collide with a run started in the same second:
	 * mkdir + O_EXCL detect it and another random suffix is tried. */
	int made = 0;
	for (int tries = 0; tries < 16 && !made; tries++) {
		free(j->id);
		free(j->dir);
		j->id = run_id ? xstrdup(run_id) : generate_run_id();
		j->dir = xasprintf("%s/%s", runs, j->id);
		if (mkdir(j->dir, 0755) == 0)
			made = 1;
		else if (errno == EEXIST && run_id) {
			err_set(cause, "run '%s' already exists in %s", j->id, runs);
			goto fail;
		} else if (errno != EEXIST) {
			err_errno(cause, "mkdir %s", j->dir);
			goto fail;
		}
	}
	if (!made) {
		err_set(cause, "%s: cannot find a free run id", runs);
		goto fail;
	}
	j->path = xasprintf("%s/%s", j->dir, JOURNAL_FILE);
	j->fd = open(j->path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (j->fd < 0) {
		err_errno(cause, "open %s", j->path);
		goto fail;
	}
	if (update_latest(runs, j->id, cause) < 0)
		goto fail;
	fsync_dir(j->dir);
	fsync_dir(runs);
	return j;
fail:
	if (j->fd >= 0)
		close(j->fd);
	free(j->id);
	free(j->dir);
	free(j->path);
	free(j);
	return NULL;
}

const char *journal_run_id(const struct journal *j)
{
	return j->id;
}

const char *journal_dir(const struct journal *j)
{
	return j->dir;
}

FILE *journal_atomic_open(const char *path, char **tmp, char **cause)
{
	*tmp = xasprintf("%s.XXXXXX", path);
	int fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd < 0) {
		err_errno(cause, "create %s (a temporary file beside it)", path);
		free(*tmp);
		*tmp = NULL;
		return NULL;
	}
	fchmod(fd, 0644);
	FILE *fp = fdopen(fd, "w");
	if (!fp) {
		err_errno(cause, "%s", *tmp);
		close(fd);
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
	}
	return fp;
}

int journal_atomic_close(FILE *fp, char *tmp, const char *path, int ok, char **cause)
{
	int rc = 0;
	if (ok && (fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) < 0))
		rc = err_errno(cause, "write %s", tmp);
	if (fclose(fp) != 0 && ok && rc == 0)
		rc = err_errno(cause, "close %s", tmp);
	if (ok && rc == 0 && rename(tmp, path) < 0)
		rc = err_errno(cause, "rename %s to %s", tmp, path);
	if (!ok || rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

int journal_write_atomic(const char *path, const char *data, size_t len, char **cause)
{
	char *tmp;
	FILE *fp = journal_atomic_open(path, &tmp, cause);
	if (!fp)
		return -1;
	int ok = fwrite(data, 1, len, fp) == len;
	if (!ok)
		err_errno(cause, "write %s", tmp);
	int rc = journal_atomic_close(fp, tmp, path, ok, cause);
	return ok ? rc : -1;
}

int journal_write_env(struct journal *j, json_t *env, char **cause)
{
	if (!json_is_object(env))
		return err_set(cause, "%s/%s: the environment record must be a JSON object", j->dir, ENV_FILE);
	char *data = json_dumps(env, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!data)
		return err_set(cause, "%s/%s: cannot serialise the environment record", j->dir, ENV_FILE);
	size_t len = strlen(data);
	data = xrealloc(data, len + 2);
	data[len++] = '\n';
	data[len] = '\0';
	_cleanup_free_ char *path = xasprintf("%s/%s", j->dir, ENV_FILE);
	int rc = journal_write_atomic(path, data, len, cause);
	free(data);
	return rc;
}

int journal_append(struct journal *j, json_t *rec, char **cause)
{
	if (!json_is_object(rec))
		return err_set(cause, "%s: a journal record must be a JSON object", j->path);
	/* Compact output escapes newlines inside strings, so one record is
	 * always exactly one line. */
	char *line = json_dumps(rec, JSON_COMPACT);
	if (!line)
		return err_set(cause, "%s: cannot serialise a record (a NaN or infinite number?)", j->path);
	size_t n = strlen(line);
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 4096;
		while (cap < j->len + n + 1)
			cap *= 2;
		j->buf = xrealloc(j->buf, cap);
		j->cap = cap;
	}
	memcpy(j->buf + j->len, line, n);
	j->buf[j->len + n] = '\n';
	j->len += n + 1;
	free(line);
	return 0;
}

int journal_flush(struct journal *j, char **cause)
{
	size_t off = 0;
	while (off < j->len) {
		ssize_t w = write(j->fd, j->buf + off, j->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = ENOSPC;
			/* Keep what was not written: the next flush retries it and
			 * completes the line that may have been cut here. */
			int saved = errno;
			memmove(j->buf, j->buf + off, j->len - off);
			j->len -= off;
			j->failed = 1;
			errno = saved;
			return err_errno(cause, "write %s (%zu bytes kept for retry)", j->path, j->len);
		}
		off += (size_t)w;
	}
	j->len = 0;
	j->failed = 0;
	return 0;
}

int journal_sync(struct journal *j, char **cause)
{
	if (journal_flush(j, cause) < 0)
		return -1;
	if (fsync(j->fd) < 0)
		return err_errno(cause, "fsync %s", j->path);
	return 0;
}

int journal_close(struct journal *j, char **cause)
{
	if (!j)
		return 0;
	int rc = journal_sync(j, cause);
	if (close(j->fd) < 0 && rc == 0)
		rc = err_errno(cause, "close %s", j->path);
	free(j->buf);
	free(j->id);
	free(j->dir);
	free(j->path);
	free(j);
	return rc;
}

size_t journal_pending(const struct journal *j)
{
	return j->len;
}

/* Environment record. */

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/* Value of the first "key : value" line of a /proc file, or NULL. */
static char *proc_field(const char *text, const char *key)
{
	size_t klen = strlen(key);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, key, klen) != 0)
			continue;
		const char *p = l + klen;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != ':')
			continue;
		p++;
		const char *end = strchr(p, '\n');
		char *v = end ? xstrndup(p, (size_t)(end - p)) : xstrdup(p);
		char *t = trim(v);
		memmove(v, t, strlen(t) + 1);
		return v;
	}
	return NULL;
}

static json_t *env_cpu_model(void)
{
	_cleanup_free_ char *info = read_file("/proc/cpuinfo", NULL);
	/* x86 says "model name"; other architectures use other keys. */
	static const char *const keys[] = { "model name", "Model", "Hardware", "cpu model", "cpu" };
	for (size_t i = 0; info && i < ARRAY_SIZE(keys); i++) {
		char *v = proc_field(info, keys[i]);
		if (v && *v) {
			json_t *s = json_string(v);
			free(v);
			if (s)
				return s;
		} else {
			free(v);
		}
	}
	return json_string("unknown");
}

static json_t *env_mitigations(void)
{
	const char *dir = "/sys/devices/system/cpu/vulnerabilities";
	json_t *obj = json_object();
	DIR *d = opendir(dir);
	if (!d)
		return obj;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, de->d_name);
		_cleanup_free_ char *v = read_file(path, NULL);
		if (v)
			json_object_set_new(obj, de->d_name, json_string(trim(v)));
	}
	closedir(d);
	return obj;
}

static const char *env_cgroup_mode(void)
{
	struct statfs fs;
	if (statfs("/sys/fs/cgroup", &fs) < 0)
		return "unknown";
	if ((unsigned long)fs.f_type == (unsigned long)CGROUP2_SUPER_MAGIC)
		return "v2";
	if ((unsigned long)fs.f_type != (unsigned long)TMPFS_MAGIC)
		return "unknown";
	if (statfs("/sys/fs/cgroup/unified", &fs) == 0 &&
	    (unsigned long)fs.f_type == (unsigned long)CGROUP2_SUPER_MAGIC)
		return "hybrid";
	return "v1";
}

static void set_string(json_t *obj, const char *key, const char *v)
{
	json_t *s = json_string(v);
	json_object_set_new(obj, key, s ? s : json_string("(not UTF-8)"));
}

json_t *journal_env_record(void)
{
	json_t *env = json_object();
	struct utsname u;
	if (uname(&u) == 0) {
		json_t *k = json_object();
		set_string(k, "sysname", u.sysname);
		set_string(k, "release", u.release);
		set_string(k, "version", u.version);
		set_string(k, "machine", u.machine);
		json_object_set_new(env, "kernel", k);
	}
	json_object_set_new(env, "cpu_model", env_cpu_model());
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	json_object_set_new(env, "cpus", json_integer(ncpu > 0 ? ncpu : 0));

	_cleanup_free_ char *meminfo = read_file("/proc/meminfo", NULL);
	_cleanup_free_ char *memtotal = meminfo ? proc_field(meminfo, "MemTotal") : NULL;
	json_object_set_new(env, "mem_total_kb", json_integer(memtotal ? strtoll(memtotal, NULL, 10) : 0));

	_cleanup_free_ char *gov = read_file("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", NULL);
	set_string(env, "governor", gov && *trim(gov) ? trim(gov) : "unknown");
	json_object_set_new(env, "mitigations", env_mitigations());
	set_string(env, "cgroup", env_cgroup_mode());
	set_string(env, "isolab_version", PACKAGE_VERSION);

	char host[256];
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		set_string(env, "hostname", host);
	}
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	set_string(env, "start_time", stamp);
	return env;
}

/* Reading back. */

static void read_push(struct journal_read *out, json_t *rec, size_t *cap)
{
	if (out->nrecords == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		out->records = xreallocarray(out->records, *cap, sizeof(*out->records));
	}
	out->records[out->nrecords++] = rec;
}

int journal_read(const char *dir, struct journal_read *out, char **cause)
{
	return journal_read_hooked(dir, NULL, out, cause);
}

int journal_read_hooked(const char *dir, const struct journal_hooks *h, struct journal_read *out, char **cause)
{
	static const struct journal_hooks none;
	if (!h)
		h = &none;
	*out = (struct journal_read){ 0 };
	_cleanup_free_ char *jpath = xasprintf("%s/%s", dir, JOURNAL_FILE);
	/* Line by line: a long run's journal is 100 MB, and a reader that
	 * lets its samples go (report_build_dir) then stays small. */
	FILE *fp = fopen(jpath, "re");
	if (!fp)
		return err_errno(cause, "read %s", jpath);

	_cleanup_free_ char *epath = xasprintf("%s/%s", dir, ENV_FILE);
	if (access(epath, F_OK) == 0) {
		json_t *env = json_load_file(epath, 0, NULL);
		if (json_is_object(env))
			out->env = env;
		else {
			json_decref(env);
			out->env_bad = 1;
		}
	}

	out->dir = xstrdup(dir);
	if (h->begin)
		h->begin(out, h->arg);
	size_t cap = 0, linecap = 0;
	char *line = NULL;
	ssize_t got;
	while ((got = getline(&line, &linecap, fp)) > 0) {
		size_t n = (size_t)got;
		if (line[n - 1] == '\n')
			n--;
		if (h->line && h->line(line, n, h->arg))
			continue;
		/* A last line without its newline was cut off mid-write unless it
		 * happens to parse whole (a file edited by hand). */
		json_t *rec = json_loadb(line, n, 0, NULL);
		if (json_is_object(rec)) {
			read_push(out, rec, &cap);
			if (h->record)
				h->record(rec, h->arg);
		} else {
			json_decref(rec);
			out->bad_lines++;
		}
	}
	int err = ferror(fp) ? errno : 0;
	free(line);
	fclose(fp);
	if (err) {
		journal_read_free(out);
		errno = err;
		return err_errno(cause, "read %s", jpath);
	}
	return 0;
}

void journal_read_free(struct journal_read *r)
{
	json_decref(r->env);
	for (size_t i = 0; i < r->nrecords; i++)
		json_decref(r->records[i]);
	free(r->records);
	free(r->dir);
	*r = (struct journal_read){ 0 };
}

static int is_run_dir(const char *dir)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, JOURNAL_FILE);
	return access(p, F_OK) == 0;
}

static int cmp_desc(const void *a, const void *b)
{
	return strcmp(*(char *const *)b, *(char *const *)a);
}

size_t journal_list_runs(const char *state_dir, char ***ids)
{
	*ids = NULL;
	_cleanup_free_ char *runs = runs_dir(state_dir);
	DIR *d = opendir(runs);
	if (!d)
		return 0;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "latest"))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			*ids = xreallocarray(*ids, cap, sizeof(**ids));
		}
		(*ids)[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	/* Generated ids start with the UTC date and time, so name order is
	 * time order. */
	if (n)
		qsort(*ids, n, sizeof(**ids), cmp_desc);
	return n;
}

static char *resolve_latest(const char *state_dir, char **cause)
{
	_cleanup_free_ char *runs = runs_dir(state_dir);
	_cleanup_free_ char *link = xasprintf("%s/latest", runs);
	char target[4096];
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		char *dir = target[0] == '/' ? xstrdup(target) : xasprintf("%s/%s", runs, target);
		if (is_run_dir(dir))
			return dir;
		free(dir);
	}
	/* No usable link (deleted, or pointing at a removed run): fall back to
	 * the newest run directory that holds a journal. */
	char **ids;
	size_t count = journal_list_runs(state_dir, &ids);
	char *found = NULL;
	for (size_t i = 0; i < count; i++) {
		char *dir = xasprintf("%s/%s", runs, ids[i]);
		if (!found && is_run_dir(dir))
			found = dir;
		else
			free(dir);
		free(ids[i]);
	}
	free(ids);
	if (!found)
		err_set(cause, "no runs in %s: run 'isolab run' first", runs);
	return found;
}

char *journal_resolve(const char *state_dir, const char *run, char **cause)
{
	if (!run || !strcmp(run, "latest"))
		return resolve_latest(state_dir, cause);
	if (valid_run_id(run)) {
		_cleanup_free_ char *runs = runs_dir(state_dir);
		char *dir = xasprintf("%s/%s", runs, run);
		if (is_run_dir(dir))
			return dir;
		free(dir);
		if (!is_run_dir(run)) {
			err_set(cause, "no run '%s' in %s", run, runs);
			return NULL;
		}
	}
	if (!is_run_dir(run)) {
		struct stat st;
		if (stat(run, &st) < 0)
			err_errno(cause, "%s", run);
		else
			err_set(cause, "%s: not a run directory (no %s)", run, JOURNAL_FILE);
		return NULL;
	}
	return xstrdup(run);
}

json_t *journal_limits(const struct limits *l)
{
	json_t *o = json_pack("{s:f, s:s?, s:i, s:I, s:I, s:i}", "cpus", l->cpus, "cpuset", l->cpuset, "weight",
	    (int)l->weight, "memory", (json_int_t)l->mem_hard, "memory_soft", (json_int_t)l->mem_soft, "pids",
	    (int)l->pids);
	if (o && l->mem_pool)
		json_object_set_new(o, "memory_pool", json_integer((json_int_t)l->mem_pool));
	if (o && l->io_weight)
		json_object_set_new(o, "io_weight", json_integer((json_int_t)l->io_weight));
	return o;
}

/*
 * container.c — helpers shared by the oci, docker and lxc drivers.
 *
 * The writable root: rootfs_get() hands out a cached directory shared by
 * every instance (and every run), so no driver may write into it. Yet OCI
 * runtimes and LXC create the mount points of bind mounts inside the root,
 * and the instance directory is bound at its own host path (workloads name
 * it through ${datadir}), a path that differs per run. An overlay per
 * instance gives them a private writable layer at the cost of one mount in
 * the unmeasured prepare step; the runtime still mounts it read-only.
 */
#include "config.h"
#include "container.h"
#include "exec.h"
#include "netns.h"
#include "resources.h"
#include "runtime.h"
#include "util.h"

#include <ctype.h>
#include <jansson.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void argvb_add(struct argvb *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = xreallocarray(a->v, a->cap, sizeof *a->v);
	}
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

void argvb_addf(struct argvb *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	argvb_add(a, s);
	free(s);
}

void argvb_add_words(struct argvb *a, const char *s)
{
	if (!s)
		return;
	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		const char *e = s;
		while (*e && !isspace((unsigned char)*e))
			e++;
		if (e > s) {
			char *w = xstrndup(s, (size_t)(e - s));
			argvb_add(a, w);
			free(w);
		}
		s = e;
	}
}

void argvb_free(struct argvb *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof *a);
}

/* The last non-empty line of s, trimmed, malloc'd. */
static char *last_line(const char *s)
{
	if (!s)
		return xstrdup("");
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	size_t b = n;
	while (b && s[b - 1] != '\n')
		b--;
	return xstrndup(s + b, n - b);
}

int ctr_reap_run(char *const *argv, int gone_ok, char **cause)
{
	static const char *const gone[] = { "does not exist", "not exist", "no such", "not found" };
	char *out = NULL;
	int status = 0;
	if (exec_run(argv, NULL, 60000, &out, 4096, &status, cause) < 0)
		return -1;
	int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	for (size_t i = 0; !ok && gone_ok && i < ARRAY_SIZE(gone); i++)
		if (out && strcasestr(out, gone[i]))
			ok = 1;
	if (!ok) {
		size_t len = out ? strlen(out) : 0;
		while (len && out[len - 1] == '\n')
			out[--len] = '\0';
		char *last = out ? strrchr(out, '\n') : NULL;
		char *st = exec_status_str(status);
		err_set(cause, "%s %s: %s", argv[0], st, last ? last + 1 : out ? out : "");
		free(st);
	}
	free(out);
	return ok ? 0 : -1;
}

int ctr_run(char *const *argv, int timeout_ms, char **output, char **cause)
{
	char *out = NULL;
	int status = 0;
	struct exec_opts o = { 0 };
	if (output)
		*output = NULL;
	if (exec_run(argv, &o, timeout_ms, &out, 65536, &status, cause) < 0) {
		free(out);
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* The subcommand is the first argument that is not an option. */
		const char *sub = "";
		for (size_t i = 1; argv[i]; i++)
			if (argv[i][0] != '-') {
				sub = argv[i];
				break;
			}
		char *st = exec_status_str(status);
		char *last = last_line(out);
		err_set(cause, "%s %s %s%s%s", argv[0], sub, st, *last ? ": " : "", last);
		free(st);
		free(last);
		free(out);
		return -1;
	}
	if (output)
		*output = out;
	else
		free(out);
	return 0;
}

char *ctr_first_line(char *const *argv)
{
	char *out = NULL;
	if (ctr_run(argv, 10000, &out, NULL) < 0 || !out)
		return NULL;
	size_t n = strcspn(out, "\n");
	char *line = xstrndup(out, n);
	free(out);
	return line;
}

char *ctr_version(const char *path, const char *marker, const char *ends)
{
	char *argv[] = { (char *)path, (char *)"--version", NULL };
	_cleanup_free_ char *line = ctr_first_line(argv);
	if (!line)
		return NULL;
	const char *v = strstr(line, marker);
	v = v ? v + strlen(marker) : line;
	return xstrndup(v, strcspn(v, ends));
}

int ctr_overlay_root(struct instance *in, const char *base, const char *lower, char **root, char **cause)
{
	/* overlayfs options are comma- and colon-separated: such paths cannot
	 * be expressed, so refuse them rather than mount something else. */
	if (strpbrk(base, ",:") || strpbrk(lower, ",:"))
		return err_set(cause, "overlay: paths with ',' or ':' are not supported (%s, %s)", base, lower);
	if (resources_add(in->res, "dir", base, NULL, cause) < 0)
		return -1;
	_cleanup_free_ char *upper = xasprintf("%s/upper", base);
	_cleanup_free_ char *work = xasprintf("%s/work", base);
	char *merged = xasprintf("%s/root", base);
	if (mkdir_p(upper, 0755) < 0 || mkdir_p(work, 0700) < 0 || mkdir_p(merged, 0755) < 0) {
		err_errno(cause, "overlay: cannot create %s", base);
		free(merged);
		return -1;
	}
	_cleanup_free_ char *opts = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
	if (resources_add(in->res, "mount", merged, NULL, cause) < 0) {
		free(merged);
		return -1;
	}
	if (mount("overlay", merged, "overlay", 0, opts) < 0) {
		err_errno(cause, "overlay: mount at %s", merged);
		resources_done(in->res, "mount", merged, NULL);
		free(merged);
		return -1;
	}
	*root = merged;
	return 0;
}

void ctr_note_info(struct instance *in, const char *msg)
{
	if (in->note)
		in->note(in, json_pack("{s:s, s:s}", "type", "info", "msg", msg));
}

void ctr_note_storage(struct instance *in, double kb, const char *what)
{
	if (in->note && kb >= 0)
		in->note(in, json_pack("{s:s, s:f, s:s}", "type", "storage", "kb", kb, "what", what));
}

void ctr_note_usage(struct instance *in, const char *path, const char *what)
{
	unsigned long long bytes;
	if (path && disk_usage(path, &bytes) == 0)
		ctr_note_storage(in, (double)bytes / 1024.0, what);
}

int ctr_overlay_remove(struct instance *in, const char *base, char **cause)
{
	_cleanup_free_ char *merged = xasprintf("%s/root", base);
	struct stat st;
	if (lstat(base, &st) < 0 && errno == ENOENT)
		return 0;
	/* What the instance added beside the shared image: the upper and work
	 * dirs (the merged root is a mount, which disk_usage does not enter). */
	ctr_note_usage(in, base, "its overlay's upper and work dirs");
	if (umount2(merged, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return err_errno(cause, "overlay: umount %s", merged);
	resources_done(in->res, "mount", merged, NULL);
	if (rm_rf(base) < 0 && errno != ENOENT)
		return err_errno(cause, "overlay: remove %s", base);
	resources_done(in->res, "dir", base, NULL);
	return 0;
}

static size_t read_procs(const char *path, pid_t *out, size_t max)
{
	_cleanup_free_ char *buf = read_file(path, NULL);
	size_t n = 0;
	if (!buf)
		return 0;
	for (char *s = buf, *e; *s && n < max; s = e) {
		long v = strtol(s, &e, 10);
		if (e == s)
			break;
		if (v > 0)
			out[n++] = (pid_t)v;
	}
	return n;
}

size_t ctr_cgroup_pids(const char *relpath, pid_t *out, size_t max)
{
	static const char *const roots[] = {
		"/sys/fs/cgroup/unified", "/sys/fs/cgroup/pids", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/cpu",
	};
	char path[4096];
	while (*relpath == '/')
		relpath++;
	/* Pure v2: the root itself is the v2 hierarchy. */
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
		snprintf(path, sizeof path, "/sys/fs/cgroup/%s/cgroup.procs", relpath);
		return read_procs(path, out, max);
	}
	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		snprintf(path, sizeof path, "%s/%s/cgroup.procs", roots[i], relpath);
		if (access(path, F_OK) == 0)
			return read_procs(path, out, max);
	}
	return 0;
}

void ctr_cgroup_rmdir(const char *relpath)
{
	while (*relpath == '/')
		relpath++;
	char path[4096];
	DIR *d = opendir("/sys/fs/cgroup");
	if (!d)
		return;
	_cleanup_free_ char *parent = xstrdup(relpath);
	char *slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/sys/fs/cgroup/%s/%s", de->d_name, relpath);
		rmdir(path);
		if (slash) {
			snprintf(path, sizeof path, "/sys/fs/cgroup/%s/%s", de->d_name, parent);
			rmdir(path);
		}
	}
	closedir(d);
	/* Pure v2: the hierarchy is /sys/fs/cgroup itself. */
	snprintf(path, sizeof path, "/sys/fs/cgroup/%s", relpath);
	rmdir(path);
	if (slash) {
		snprintf(path, sizeof path, "/sys/fs/cgroup/%s", parent);
		rmdir(path);
	}
}

struct netns *ctr_netns(struct instance *in, char **cause)
{
	struct netns *ns = netns_create(in->res, in->run_id, in->id, cause);
	if (ns && in->note)
		in->note(in, json_pack("{s:s, s:s, s:s, s:s}", "type", "netns", "name", netns_name(ns), "veth",
		    netns_host_if(ns), "addr", netns_addr(ns)));
	return ns;
}

void ctr_proc_argv0(pid_t pid, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	buf[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
}

void ctr_subreaper(void)
{
	static int done;
	if (!done && prctl(PR_SET_CHILD_SUBREAPER, 1) == 0)
		done = 1;
}

pid_t ctr_read_pidfile(const char *path)
{
	_cleanup_free_ char *s = read_file(path, NULL);
	if (!s)
		return 0;
	long v = strtol(s, NULL, 10);
	return v > 0 ? (pid_t)v : 0;
}

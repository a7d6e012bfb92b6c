/* util.c — error contract, allocation wrappers and small file helpers. */
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

static void (*fatal_hook)(void);

void xalloc_set_fatal_hook(void (*hook)(void)) { fatal_hook = hook; }

static void __attribute__((noreturn)) xalloc_die(size_t n)
{
	if (fatal_hook)
		fatal_hook();
	fprintf(stderr, "isolab: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		xalloc_die(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		xalloc_die(nmemb * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		xalloc_die(n);
	return q;
}

void *xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		xalloc_die(SIZE_MAX);
	return xrealloc(p, nmemb * size);
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		xalloc_die(strlen(s) + 1);
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		xalloc_die(n + 1);
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		xalloc_die(strlen(fmt));
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

char *err_quote(const char *s, size_t max)
{
	size_t n = strlen(s), k = n > max ? max : n;
	while (k < n && k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
		k--;
	char *q = xasprintf("%.*s%s", (int)k, s, k < n ? "..." : "");
	for (char *p = q; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return q;
}

int err_set(char **cause, const char *fmt, ...)
{
	if (cause) {
		va_list ap;
		va_start(ap, fmt);
		*cause = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

int err_errno(char **cause, const char *fmt, ...)
{
	int saved = errno;
	if (cause) {
		va_list ap;
		va_start(ap, fmt);
		char *msg = xvasprintf(fmt, ap);
		va_end(ap);
		*cause = xasprintf("%s: %s", msg, strerror(saved));
		free(msg);
	}
	errno = saved;
	return -1;
}

int err_wrap(char **cause, const char *fmt, ...)
{
	if (cause) {
		va_list ap;
		va_start(ap, fmt);
		char *ctx = xvasprintf(fmt, ap);
		va_end(ap);
		char *old = *cause;
		*cause = xasprintf("%s: %s", ctx, old ? old : "unknown error");
		free(ctx);
		free(old);
	}
	return -1;
}

uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void cleanup_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

char *read_fd(int fd, size_t max, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (max && n > max) {
			free(buf);
			errno = EFBIG;
			return NULL;
		}
		if (n + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int saved = errno;
			free(buf);
			errno = saved;
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

char *read_file_at(int dirfd, const char *path, size_t *len)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *buf = read_fd(fd, 0, len);
	int saved = errno;
	close(fd);
	errno = saved;
	return buf;
}

char *read_file(const char *path, size_t *len)
{
	return read_file_at(AT_FDCWD, path, len);
}

int write_file(const char *path, const char *s, int create)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0), 0644);
	if (fd < 0)
		return -1;
	size_t len = strlen(s);
	ssize_t w = write(fd, s, len);
	int saved = errno;
	close(fd);
	if (w < 0 || (size_t)w != len) {
		errno = w < 0 ? saved : EIO;
		return -1;
	}
	return 0;
}

void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

char *path_beside_self(const char *name, int mode)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return NULL;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	char *cand = xasprintf("%s/%s", self, name);
	if (access(cand, mode) == 0)
		return cand;
	free(cand);
	return NULL;
}

int mkdir_p(const char *path, unsigned mode)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			int saved = errno;
			free(p);
			errno = saved;
			return -1;
		}
		*s = '/';
	}
	int r = mkdir(p, mode);
	free(p);
	if (r < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* The directory name under the directory fd parent, opened without
 * following a symbolic link; NULL with errno on failure. */
static DIR *opendir_at(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	DIR *d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

static int rm_rf_at(int parent, const char *name, dev_t dev)
{
	struct stat st;
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(parent, name, 0) < 0 && errno != ENOENT ? -1 : 0;
	if (st.st_dev != dev) {
		errno = EXDEV; /* a mount point: never delete through it */
		return -1;
	}
	DIR *d = opendir_at(parent, name);
	if (!d)
		return -1;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (rm_rf_at(dirfd(d), de->d_name, dev) < 0)
			rc = -1;
	}
	closedir(d);
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		rc = -1;
	return rc;
}

int rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	return rm_rf_at(AT_FDCWD, path, st.st_dev);
}

/* The blocks under name that belong to its file system, in bytes; hard
 * links are counted once per link, as du -l does, which errs high. */
static int du_at(int parent, const char *name, dev_t dev, unsigned long long *bytes)
{
	struct stat st;
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (st.st_dev != dev)
		return 0; /* a mount point: what is under it is not this directory's */
	*bytes += (unsigned long long)st.st_blocks * 512u;
	if (!S_ISDIR(st.st_mode))
		return 0;
	DIR *d = opendir_at(parent, name);
	if (!d)
		return -1;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && du_at(dirfd(d), de->d_name, dev, bytes) < 0)
			rc = -1;
	closedir(d);
	return rc;
}

int disk_usage(const char *path, unsigned long long *bytes)
{
	struct stat st;
	*bytes = 0;
	if (lstat(path, &st) < 0)
		return -1;
	return du_at(AT_FDCWD, path, st.st_dev, bytes);
}

void argv_free(char **argv)
{
	for (char **a = argv; a && *a; a++)
		free(*a);
	free(argv);
}

void self_usage(double *cpu_ms, unsigned long long *rss_kb)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	*cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	unsigned long long pages = 0;
	char *statm = read_file("/proc/self/statm", NULL);
	if (statm)
		sscanf(statm, "%*u %llu", &pages);
	free(statm);
	*rss_kb = pages * (unsigned long long)sysconf(_SC_PAGESIZE) / 1024;
}

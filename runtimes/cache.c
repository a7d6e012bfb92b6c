/* cache.c — content-named cache entries (cache.h). */
#include "cache.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FNV_OFFSET 14695981039346656037ull
#define FNV_PRIME 1099511628211ull

void cache_key_init(struct cache_key *k) { k->h = FNV_OFFSET; }

void cache_key_add(struct cache_key *k, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++)
		k->h = (k->h ^ s[i]) * FNV_PRIME;
}

void cache_key_str(struct cache_key *k, const char *s) { cache_key_add(k, s, strlen(s) + 1); }

int cache_key_file(struct cache_key *k, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			cache_key_add(k, buf, (size_t)n);
	int e = errno;
	close(fd);
	errno = e;
	return n < 0 ? -1 : 0;
}

char *cache_dir(char **cause)
{
	char *dir;
	const char *env = getenv("ISOLAB_CACHE");
	if (env && *env) {
		dir = xstrdup(env);
	} else if (geteuid() == 0) {
		dir = xstrdup("/var/cache/isolab");
	} else {
		const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
		if (xdg && *xdg)
			dir = xasprintf("%s/isolab", xdg);
		else if (home && *home)
			dir = xasprintf("%s/.cache/isolab", home);
		else {
			err_set(cause, "no cache directory: set ISOLAB_CACHE or HOME");
			return NULL;
		}
	}
	if (mkdir_p(dir, 0755) < 0) {
		err_errno(cause, "cannot create the cache directory %s", dir);
		free(dir);
		return NULL;
	}
	return dir;
}

char *cache_subdir(const char *sub, char **cause)
{
	_cleanup_free_ char *cache = cache_dir(cause);
	if (!cache)
		return NULL;
	char *dir = xasprintf("%s/%s", cache, sub);
	if (mkdir_p(dir, 0755) < 0) {
		err_errno(cause, "cannot create %s", dir);
		free(dir);
		return NULL;
	}
	return dir;
}

char *cache_entry(const char *sub, const char *prefix, const struct cache_key *k, const char *suffix,
    char **cause)
{
	_cleanup_free_ char *dir = cache_subdir(sub, cause);
	if (!dir)
		return NULL;
	return xasprintf("%s/%s%016llx%s", dir, prefix ? prefix : "", (unsigned long long)k->h, suffix ? suffix : "");
}

int cache_build(const char *path, int dir, int (*build)(const char *tmp, void *arg, char **cause), void *arg,
    char **cause)
{
	struct stat st;
	if (stat(path, &st) == 0 && (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)))
		return 0;
	/* Hidden, so that no one globbing the cache takes it for an entry. */
	const char *base = strrchr(path, '/');
	_cleanup_free_ char *tmp = base ? xasprintf("%.*s/.%s.tmp-XXXXXX", (int)(base - path), path, base + 1)
	    : xasprintf(".%s.tmp-XXXXXX", path);
	if (dir) {
		if (!mkdtemp(tmp))
			return err_errno(cause, "cannot create a temporary directory beside %s", path);
	} else {
		int fd = mkstemp(tmp);
		if (fd < 0)
			return err_errno(cause, "cannot create a temporary file beside %s", path);
		close(fd);
	}
	int rc = build(tmp, arg, cause);
	if (rc == 0 && chmod(tmp, dir ? 0755 : 0644) < 0)
		rc = err_errno(cause, "cannot chmod %s", tmp);
	if (rc == 0 && rename(tmp, path) < 0) {
		/* A directory that another builder renamed into place first. */
		if (dir && (errno == EEXIST || errno == ENOTEMPTY))
			rm_rf(tmp);
		else
			rc = err_errno(cause, "cannot rename %s to %s", tmp, path);
	}
	if (rc < 0 && dir)
		rm_rf(tmp);
	else if (rc < 0)
		unlink(tmp);
	return rc;
}

/*
 * guestkernel.c — choosing a guest kernel and fetching one without
 * installing it.
 *
 * A bzImage names its release in its setup header (the kernel_version
 * field at 0x20e points at a string 0x200 bytes further), which is how the
 * matching /lib/modules directory is found for any image, wherever it
 * came from.
 */
#include "config.h"
#include "cache.h"
#include "exec.h"
#include "guestkernel.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define FETCH_TIMEOUT_MS (15 * 60 * 1000)

void guestkernel_free(struct guest_kernel *k)
{
	free(k->path);
	free(k->release);
	free(k->modules_dir);
	free(k->origin);
	memset(k, 0, sizeof *k);
}

char *guestkernel_release(const char *bzimage)
{
	int fd = open(bzimage, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	unsigned char hdr[0x210];
	char ver[128];
	char *out = NULL;
	if (pread(fd, hdr, sizeof hdr, 0) == (ssize_t)sizeof hdr && !memcmp(hdr + 0x202, "HdrS", 4)) {
		unsigned off = (unsigned)hdr[0x20e] | (unsigned)hdr[0x20f] << 8;
		ssize_t n = off ? pread(fd, ver, sizeof ver - 1, (off_t)off + 0x200) : -1;
		if (n > 0) {
			ver[n] = '\0';
			size_t l = strcspn(ver, " ");
			if (l > 0 && l < (size_t)n)
				out = xstrndup(ver, l);
		}
	}
	close(fd);
	return out;
}

static int isdir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* <root>/lib/modules/<release> for a kernel at <root>/boot/vmlinuz-*, else
 * the host's /lib/modules/<release>. */
static char *find_modules(const char *kpath, const char *release)
{
	if (!release)
		return NULL;
	_cleanup_free_ char *root = xstrdup(kpath);
	char *b = strstr(root, "/boot/");
	if (b) {
		*b = '\0';
		char *m = xasprintf("%s/lib/modules/%s", root, release);
		if (isdir(m))
			return m;
		free(m);
	}
	char *m = xasprintf("/lib/modules/%s", release);
	if (isdir(m))
		return m;
	free(m);
	return NULL;
}

/* The newest vmlinuz-* in dir (malloc'd path), or NULL. */
static char *newest_vmlinuz(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	char *best = NULL;
	struct dirent *de;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "vmlinuz-", 8) && (!best || strverscmp(de->d_name, best) > 0)) {
			free(best);
			best = xstrdup(de->d_name);
		}
	closedir(d);
	if (!best)
		return NULL;
	char *p = xasprintf("%s/%s", dir, best);
	free(best);
	if (access(p, R_OK) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

/* The newest kernel fetch-kernel unpacked into the cache, or NULL. */
static char *cached_kernel(void)
{
	_cleanup_free_ char *kdir = cache_subdir("kernel", NULL);
	if (!kdir)
		return NULL;
	DIR *d = opendir(kdir);
	if (!d)
		return NULL;
	char *best = NULL;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *boot = xasprintf("%s/%s/boot", kdir, de->d_name);
		char *k = newest_vmlinuz(boot);
		if (k && (!best || strverscmp(strrchr(k, '/'), strrchr(best, '/')) > 0)) {
			free(best);
			best = k;
		} else {
			free(k);
		}
	}
	closedir(d);
	return best;
}

int guestkernel_find(const struct runtime_conf *rt, struct guest_kernel *k, char **cause)
{
	memset(k, 0, sizeof *k);
	const char *opt = rt ? runtime_option(rt, "kernel", NULL) : NULL;
	if (opt) {
		if (access(opt, R_OK) < 0)
			return err_errno(cause, "the kernel %s (runtime option 'kernel')", opt);
		k->path = xstrdup(opt);
		k->origin = xstrdup("option kernel");
	} else if ((k->path = newest_vmlinuz("/boot")) && access(k->path, R_OK) == 0) {
		k->origin = xstrdup("/boot");
	} else {
		free(k->path);
		k->path = cached_kernel();
		if (!k->path)
			return err_set(cause, "no guest kernel: no runtime option 'kernel', no readable /boot/vmlinuz-*, "
					      "and none fetched (run 'isolab fetch-kernel')");
		k->origin = xstrdup("isolab fetch-kernel");
	}
	k->release = guestkernel_release(k->path);
	const char *mopt = rt ? runtime_option(rt, "modules", NULL) : NULL;
	k->modules_dir = mopt ? xstrdup(mopt) : find_modules(k->path, k->release);
	return 0;
}

/* ---- fetch-kernel ---- */

static void logf_(char **log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(char **log, const char *fmt, ...)
{
	if (!log)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *line = xvasprintf(fmt, ap);
	va_end(ap);
	char *n = xasprintf("%s%s\n", *log ? *log : "", line);
	free(*log);
	free(line);
	*log = n;
}

static int run_in(const char *dir, char *const *argv, char **out, char **cause)
{
	struct exec_opts o = { .cwd = dir };
	int status = 0;
	_cleanup_free_ char *buf = NULL;
	if (exec_run(argv, &o, FETCH_TIMEOUT_MS, &buf, 1 << 20, &status, cause) < 0)
		return err_wrap(cause, "%s", argv[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		_cleanup_free_ char *st = exec_status_str(status);
		/* The last line apt or dpkg printed says why. */
		char *last = buf ? buf + strlen(buf) : NULL;
		while (last && last > buf && (last[-1] == '\n' || last[-1] == ' '))
			*--last = '\0';
		char *nl = buf ? strrchr(buf, '\n') : NULL;
		return err_set(cause, "%s %s %s: %s", argv[0], argv[1], st, nl ? nl + 1 : buf ? buf : "");
	}
	if (out) {
		*out = buf;
		buf = NULL;
	}
	return 0;
}

/* The one file in dir whose name starts with prefix and ends in .deb. */
static char *find_deb(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	char *p = NULL;
	struct dirent *de;
	size_t pl = strlen(prefix);
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, prefix, pl) && de->d_name[pl] == '_' && strstr(de->d_name, ".deb")) {
			free(p);
			p = xasprintf("%s/%s", dir, de->d_name);
		}
	closedir(d);
	return p;
}

char *guestkernel_fetch(char **log, char **cause)
{
	_cleanup_free_ char *kdir = cache_subdir("kernel", cause);
	if (!kdir)
		return NULL;
	_cleanup_free_ char *tmp = xasprintf("%s/.fetch-XXXXXX", kdir);
	if (!mkdtemp(tmp)) {
		err_errno(cause, "cannot create a directory in %s", kdir);
		return NULL;
	}
	/* apt drops privileges to _apt for downloads when it can write there. */
	chmod(tmp, 0755);
	char *result = NULL;
	_cleanup_free_ char *deps = NULL, *meta = NULL, *deb = NULL, *pkg = NULL, *dest = NULL, *part = NULL,
			    *boot = NULL;
	const char *metapkg = "linux-image-amd64";
	char *a1[] = { (char *)"apt-get", (char *)"download", (char *)metapkg, NULL };
	logf_(log, "apt-get download %s", metapkg);
	if (run_in(tmp, a1, NULL, cause) < 0)
		goto out;
	meta = find_deb(tmp, metapkg);
	if (!meta) {
		err_set(cause, "apt-get download %s left no .deb", metapkg);
		goto out;
	}
	/* The metapackage depends on the real one: "linux-image-6.1.0-56-amd64 (= 6.1.192-2)". */
	char *a2[] = { (char *)"dpkg-deb", (char *)"-f", meta, (char *)"Depends", NULL };
	if (run_in(tmp, a2, &deps, cause) < 0)
		goto out;
	pkg = xstrndup(deps ? deps : "", strcspn(deps ? deps : "", " ,|\n"));
	if (strncmp(pkg, "linux-image-", 12)) {
		err_set(cause, "%s depends on '%s', not on a linux-image package", metapkg, deps ? deps : "");
		goto out;
	}
	logf_(log, "%s depends on %s; apt-get download %s", metapkg, pkg, pkg);
	char *a3[] = { (char *)"apt-get", (char *)"download", pkg, NULL };
	if (run_in(tmp, a3, NULL, cause) < 0)
		goto out;
	deb = find_deb(tmp, pkg);
	if (!deb) {
		err_set(cause, "apt-get download %s left no .deb", pkg);
		goto out;
	}
	dest = xasprintf("%s/%s", kdir, pkg);
	part = xasprintf("%s/root", tmp);
	logf_(log, "dpkg-deb -x %s %s", deb, dest);
	char *a4[] = { (char *)"dpkg-deb", (char *)"-x", deb, part, NULL };
	if (run_in(tmp, a4, NULL, cause) < 0)
		goto out;
	if (isdir(dest) && rm_rf(dest) < 0) {
		err_errno(cause, "cannot replace %s", dest);
		goto out;
	}
	if (rename(part, dest) < 0) {
		err_errno(cause, "cannot rename %s to %s", part, dest);
		goto out;
	}
	boot = xasprintf("%s/boot", dest);
	result = newest_vmlinuz(boot);
	if (!result)
		err_set(cause, "%s holds no boot/vmlinuz-*", pkg);
	else
		logf_(log, "kernel: %s", result);
out:
	rm_rf(tmp);
	return result;
}

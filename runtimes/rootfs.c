/*
 * rootfs.c — building and caching the root file systems instances run in.
 *
 * A rootfs is named by a hash of everything that goes into it (its kind,
 * the probe's bytes, busybox's bytes, the host layout for "host", and a
 * format version), so a rebuilt probe gets a fresh rootfs and an unchanged
 * one costs a stat. Builders work in a mkdtemp directory beside the cache
 * entry and rename() it into place: readers only ever see complete trees,
 * and when two builders race the loser throws its copy away.
 *
 * Rootfs trees are shared by every instance and run and must stay
 * read-only; drivers give each instance a writable layer of its own.
 */
#include "cache.h"
#include "rootfs.h"
#include "cowfiles.h"
#include "exec.h"
#include "util.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Bump when the layout built below changes. */
#define ROOTFS_FORMAT 1

static const char *const host_candidates[] = { "/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin",
	"/etc" };
static const char *host_binds[ARRAY_SIZE(host_candidates) + 1];
static pthread_once_t host_once = PTHREAD_ONCE_INIT;

/* Real directories only: on merged-/usr hosts /bin, /lib... are symlinks
 * into /usr, which the rootfs reproduces as symlinks instead. */
static void host_binds_init(void)
{
	size_t n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(host_candidates); i++) {
		struct stat st;
		if (lstat(host_candidates[i], &st) == 0 && S_ISDIR(st.st_mode))
			host_binds[n++] = host_candidates[i];
	}
	host_binds[n] = NULL;
}

const char *const *rootfs_host_binds(void)
{
	pthread_once(&host_once, host_binds_init);
	return host_binds;
}

/* A statically linked ELF (no PT_INTERP) runs in an empty rootfs. */
static int is_static_elf(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	Elf64_Ehdr eh;
	int ok = 0;
	if (pread(fd, &eh, sizeof eh, 0) == (ssize_t)sizeof eh && !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
	    eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_phentsize == sizeof(Elf64_Phdr)) {
		ok = 1;
		for (unsigned i = 0; i < eh.e_phnum; i++) {
			Elf64_Phdr ph;
			if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (uint64_t)i * sizeof ph)) != (ssize_t)sizeof ph) {
				ok = 0;
				break;
			}
			if (ph.p_type == PT_INTERP) {
				ok = 0;
				break;
			}
		}
	}
	close(fd);
	return ok;
}

/* busybox to put in a minimal rootfs, or NULL (malloc'd). */
static char *find_busybox(void)
{
	static const char *const cands[] = { "/bin/busybox", "/usr/bin/busybox", "/usr/lib/busybox/busybox-static" };
	for (size_t i = 0; i < ARRAY_SIZE(cands); i++)
		if (access(cands[i], X_OK) == 0 && is_static_elf(cands[i]))
			return xstrdup(cands[i]);
	return NULL;
}

static int copy_file(const char *src, const char *dst, mode_t mode, char **cause)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return err_errno(cause, "cannot open %s", src);
	int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (out < 0) {
		close(in);
		return err_errno(cause, "cannot create %s", dst);
	}
	char buf[65536];
	ssize_t n;
	int rc = 0;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0) {
				rc = err_errno(cause, "cannot write %s", dst);
				goto done;
			}
			off += w;
		}
	}
	if (n < 0)
		rc = err_errno(cause, "cannot read %s", src);
	else if (fchmod(out, mode) < 0)
		rc = err_errno(cause, "cannot chmod %s", dst);
done:
	close(in);
	close(out);
	return rc;
}

static int mkdirs(const char *root, const char *const *dirs, char **cause)
{
	for (size_t i = 0; dirs[i]; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", root, dirs[i]);
		if (mkdir_p(p, 0755) < 0)
			return err_errno(cause, "cannot create %s", p);
	}
	_cleanup_free_ char *tmp = xasprintf("%s/tmp", root);
	chmod(tmp, 01777);
	return 0;
}

static int put(const char *root, const char *name, const char *text, char **cause)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", root, name);
	if (write_file(p, text, 1) < 0)
		return err_errno(cause, "cannot write %s", p);
	return 0;
}

static int build_minimal(const char *root, const char *busybox, char **cause)
{
	static const char *const dirs[] = { "proc", "sys", "dev", "tmp", "etc", "root", "bin", "sbin", "usr/bin",
		"usr/sbin", NULL };
	if (mkdirs(root, dirs, cause) < 0)
		return -1;
	if (put(root, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
	        cause) < 0 ||
	    put(root, "etc/group", "root:x:0:\nnogroup:x:65534:\n", cause) < 0 ||
	    put(root, "etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n", cause) < 0 ||
	    put(root, "etc/resolv.conf", "# isolab: no resolver inside a minimal rootfs\n", cause) < 0)
		return -1;
	if (!busybox)
		return 0;
	_cleanup_free_ char *bb = xasprintf("%s/bin/busybox", root);
	if (copy_file(busybox, bb, 0755, cause) < 0)
		return -1;
	/* Applet links, as `busybox --install -s` would make them. */
	char *argv[] = { (char *)busybox, (char *)"--list-full", NULL };
	char *out = NULL;
	int status = 0;
	if (exec_run(argv, NULL, 10000, &out, 1 << 20, &status, cause) < 0)
		return err_wrap(cause, "busybox --list-full");
	char *save = NULL;
	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!*l || strstr(l, "..") || l[0] == '/')
			continue;
		_cleanup_free_ char *link = xasprintf("%s/%s", root, l);
		if (!strcmp(l, "bin/busybox"))
			continue;
		if (symlink("/bin/busybox", link) < 0 && errno != EEXIST && errno != ENOENT) {
			err_errno(cause, "cannot link %s", link);
			free(out);
			return -1;
		}
	}
	free(out);
	return 0;
}

/* Mount points for rootfs_host_binds(), and symlinks where the host has them. */
static int build_host(const char *root, char **cause)
{
	static const char *const dirs[] = { "proc", "sys", "dev", "tmp", "root", "run", "var/tmp", "var/log",
		"var/lib", "var/run", NULL };
	if (mkdirs(root, dirs, cause) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(host_candidates); i++) {
		const char *h = host_candidates[i];
		_cleanup_free_ char *p = xasprintf("%s%s", root, h);
		struct stat st;
		if (lstat(h, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				return err_errno(cause, "cannot create %s", p);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t n = readlink(h, target, sizeof target - 1);
			if (n < 0)
				return err_errno(cause, "cannot read the link %s", h);
			target[n] = '\0';
			if (symlink(target, p) < 0)
				return err_errno(cause, "cannot link %s", p);
		}
	}
	return 0;
}

/* /isolab-files/f0000..f1023 for the rewrite workload: files of the image,
 * which a copy-on-write root copies up at their first write. */
static int build_cow_files(const char *root, char **cause)
{
	_cleanup_free_ char *dir = xasprintf("%s/isolab-files", root);
	if (mkdir(dir, 0755) < 0)
		return err_errno(cause, "cannot create %s", dir);
	static char chunk[COW_FILE_SIZE];
	memset(chunk, 0xa5, sizeof chunk);
	for (unsigned i = 0; i < COW_FILES; i++) {
		char name[32];
		snprintf(name, sizeof name, "f%04u", i);
		_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		ssize_t n = fd < 0 ? -1 : write(fd, chunk, sizeof chunk);
		if (fd >= 0)
			close(fd);
		if (n != (ssize_t)sizeof chunk)
			return err_errno(cause, "cannot write %s", p);
	}
	return 0;
}

enum kind { KIND_MINIMAL, KIND_HOST, KIND_COW };
static const char *const kind_names[] = { "minimal", "host", "cow" };

struct build {
	enum kind kind;
	const char *probe;
	char *busybox;
};

/* cache_build's builder: the skeleton and the probe in tmp. */
static int build(const char *tmp, void *arg, char **cause)
{
	const struct build *b = arg;
	_cleanup_free_ char *probe_dst = xasprintf("%s/isolab-probe", tmp);
	int rc = b->kind == KIND_HOST ? build_host(tmp, cause) : build_minimal(tmp, b->busybox, cause);
	if (rc == 0 && b->kind == KIND_COW)
		rc = build_cow_files(tmp, cause);
	return rc < 0 ? rc : copy_file(b->probe, probe_dst, 0755, cause);
}

char *rootfs_get(const char *kind, const char *probe_path, char **cause)
{
	enum kind kd = KIND_MINIMAL;
	if (kind && strcmp(kind, "minimal")) {
		if (!strcmp(kind, "host"))
			kd = KIND_HOST;
		else if (!strcmp(kind, "cow"))
			kd = KIND_COW;
		else {
			err_set(cause, "unknown rootfs kind '%s' (expected minimal, host or cow)", kind);
			return NULL;
		}
	}
	int host = kd == KIND_HOST;
	if (!probe_path || access(probe_path, R_OK) < 0) {
		err_errno(cause, "rootfs: cannot read the probe '%s'", probe_path ? probe_path : "");
		return NULL;
	}
	struct cache_key k;
	cache_key_init(&k);
	char fmt[32];
	snprintf(fmt, sizeof fmt, "format %d", ROOTFS_FORMAT);
	cache_key_str(&k, fmt);
	cache_key_str(&k, kind_names[kd]);
	if (cache_key_file(&k, probe_path) < 0) {
		err_errno(cause, "rootfs: cannot read %s", probe_path);
		return NULL;
	}
	struct build b = { .kind = kd, .probe = probe_path, .busybox = host ? NULL : find_busybox() };
	if (b.busybox && cache_key_file(&k, b.busybox) < 0) {
		free(b.busybox);
		b.busybox = NULL;
	}
	cache_key_str(&k, b.busybox ? "busybox" : "no busybox");
	if (host)
		for (size_t i = 0; i < ARRAY_SIZE(host_candidates); i++) {
			struct stat st;
			char target[4096] = "";
			if (lstat(host_candidates[i], &st) < 0)
				continue;
			cache_key_str(&k, host_candidates[i]);
			if (S_ISLNK(st.st_mode)) {
				ssize_t n = readlink(host_candidates[i], target, sizeof target - 1);
				target[n > 0 ? n : 0] = '\0';
			}
			cache_key_str(&k, S_ISDIR(st.st_mode) ? "dir" : target);
		}
	_cleanup_free_ char *prefix = xasprintf("%s-", kind_names[kd]);
	char *final = cache_entry("rootfs", prefix, &k, "", cause);
	if (final && cache_build(final, 1, build, &b, cause) < 0) {
		free(final);
		final = NULL;
	}
	free(b.busybox);
	return final;
}

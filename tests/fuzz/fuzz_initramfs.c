/*
 * fuzz_initramfs.c — libFuzzer target for the initramfs writer's path
 * handling (runtimes/initramfs.c): guest files named any way a workload's
 * guest_files can name them, written to memory, read back with libarchive.
 *
 * Input: up to 16 lines, each a guest file's path relative to a small tree
 * in a temporary directory (the harness prefixes the tree's directory):
 * files, directories, a symlink to a file and one to a directory elsewhere
 * in the tree (so "d/up/.." is the tree on the host but "d" in the guest),
 * spelt with "//", ".", ".." and trailing slashes as the input likes. No
 * symlink makes a cycle: the walk it would cost on every input (the writer
 * stops 16 levels down) would make the target too slow to matter; a unit
 * test covers it. A path whose real location leaves the temporary
 * directory is not tried (it would walk the machine).
 *
 * Properties of every archive written, besides the sanitizers:
 *   - each entry name is relative, non-empty, without "//", "." or "..";
 *   - no name twice; each entry's parent is a directory entry before it;
 *   - /init holds the probe's bytes, /etc/passwd is the generated one;
 *   - each input path that is a regular file on the host is in the
 *     archive, under initramfs_entry_name(path), with its bytes.
 * A write that fails says why in one line.
 */
#include "initramfs.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PATHS 16
#define ARCHIVE_CAP (4u << 20)

static char tmpdir[64];
static char *tree, *probe;
static char *archive_buf;

static void remove_tmpdir(void)
{
	rm_rf(tmpdir);
}

static void put(const char *name, const char *text)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", tree, name);
	if (write_file(path, text, 1) < 0)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* On a tmpfs when there is one: every input stats and reads the tree. */
	struct stat st;
	snprintf(tmpdir, sizeof tmpdir, "%s/isolab-fuzz-initramfs.XXXXXX",
	    stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0
	    ? "/dev/shm" : "/tmp");
	if (!mkdtemp(tmpdir))
		abort();
	atexit(remove_tmpdir);
	tree = xasprintf("%s/tree", tmpdir);
	probe = xasprintf("%s/probe", tmpdir);
	_cleanup_free_ char *e = xasprintf("%s/d/e", tree), *x = xasprintf("%s/x", tree);
	if (mkdir_p(e, 0755) < 0 || mkdir_p(x, 0755) < 0 || write_file(probe, "PROBE", 1) < 0)
		abort();
	put("a", "A");
	put("d/b", "BB");
	put("d/e/c", "CCC");
	put("sp ace", "S");
	put("init", "not the probe");
	put("x/b", "XB");
	_cleanup_free_ char *l = xasprintf("%s/d/l", tree), *up = xasprintf("%s/d/up", tree);
	if (symlink("../a", l) < 0 || symlink("../x", up) < 0)
		abort();
	archive_buf = xmalloc(ARCHIVE_CAP);
	return 0;
}

static int bad_name(const char *n)
{
	if (!n[0] || n[0] == '/' || strstr(n, "//") || n[strlen(n) - 1] == '/')
		return 1;
	for (const char *p = n; p; p = strchr(p, '/')) {
		if (*p == '/')
			p++;
		if ((p[0] == '.' && (p[1] == '/' || !p[1])) ||
		    (p[0] == '.' && p[1] == '.' && (p[2] == '/' || !p[2])))
			return 1;
	}
	return 0;
}

struct entry {
	char *name;
	mode_t type;
	char *data;
	size_t len;
};

static void check_archive(size_t used, char **paths, size_t npaths)
{
	struct archive *a = archive_read_new();
	archive_read_support_format_cpio(a);
	if (archive_read_open_memory(a, archive_buf, used) != ARCHIVE_OK)
		abort();
	struct entry *v = NULL;
	size_t n = 0;
	struct archive_entry *ae;
	while (archive_read_next_header(a, &ae) == ARCHIVE_OK) {
		struct entry en = { .name = xstrdup(archive_entry_pathname(ae)),
			.type = archive_entry_filetype(ae) };
		if (bad_name(en.name))
			abort();
		for (size_t i = 0; i < n; i++)
			if (!strcmp(v[i].name, en.name))
				abort(); /* a name twice */
		char *slash = strrchr(en.name, '/');
		if (slash) {
			size_t k = (size_t)(slash - en.name), i;
			for (i = 0; i < n; i++)
				if (strlen(v[i].name) == k && !strncmp(v[i].name, en.name, k))
					break;
			if (i == n || v[i].type != AE_IFDIR)
				abort(); /* no parent directory before it */
		}
		if (en.type == AE_IFREG) {
			en.len = (size_t)archive_entry_size(ae);
			en.data = xmalloc(en.len + 1);
			if (archive_read_data(a, en.data, en.len) != (la_ssize_t)en.len)
				abort();
		}
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = en;
	}
	archive_read_free(a);

	/* find: the entry named name, or NULL */
#define FIND(nm) ({ struct entry *f_ = NULL; for (size_t i_ = 0; i_ < n; i_++) \
		if (!strcmp(v[i_].name, (nm))) f_ = &v[i_]; f_; })
	struct entry *init = FIND("init"), *pw = FIND("etc/passwd");
	if (!init || init->len != 5 || memcmp(init->data, "PROBE", 5))
		abort();
	if (!pw || pw->len < 5 || memcmp(pw->data, "root:", 5))
		abort();
	for (size_t i = 0; i < npaths; i++) {
		struct stat st;
		if (stat(paths[i], &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		_cleanup_free_ char *name = initramfs_entry_name(paths[i], NULL);
		struct entry *f = name ? FIND(name) : NULL;
		if (!f || f->type != AE_IFREG)
			abort(); /* a guest file missing */
		size_t len = 0;
		_cleanup_free_ char *want = read_file(paths[i], &len);
		/* Another spelling of the same name may have come first, with
		 * other bytes (a .. through a symlink): then it is not ours. */
		if (want && (f->len != len || memcmp(f->data, want, len))) {
			int first = 0;
			for (size_t j = 0; j < i && !first; j++) {
				_cleanup_free_ char *other = initramfs_entry_name(paths[j], NULL);
				first = other && !strncmp(other, name, strlen(other)) &&
				    (name[strlen(other)] == '/' || !name[strlen(other)]);
			}
			if (!first)
				abort();
		}
	}
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].data);
	}
	free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (memchr(data, '\0', size))
		return -1;
	char *paths[MAX_PATHS + 1] = { 0 };
	size_t npaths = 0;
	int ok = 1;
	for (size_t off = 0; off < size && ok;) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t k = nl ? (size_t)(nl - (data + off)) : size - off;
		if (npaths == MAX_PATHS) {
			ok = 0;
			break;
		}
		char *p = xasprintf("%s/%.*s", tree, (int)k, (const char *)data + off);
		paths[npaths++] = p;
		/* Stay in the temporary directory, on the host. */
		char real[PATH_MAX];
		if (realpath(p, real) && strncmp(real, tmpdir, strlen(tmpdir)))
			ok = 0;
		off += k + 1;
	}
	if (ok) {
		struct initramfs_spec spec = { .probe = probe, .files = (const char *const *)paths };
		size_t used = 0;
		char *cause = NULL;
		if (initramfs_write_memory(&spec, archive_buf, ARCHIVE_CAP, &used, &cause) == 0) {
			check_archive(used, paths, npaths);
		} else {
			if (!cause || !cause[0] || strchr(cause, '\n'))
				abort();
			free(cause);
		}
	}
	for (size_t i = 0; i < npaths; i++)
		free(paths[i]);
	return ok ? 0 : -1;
}

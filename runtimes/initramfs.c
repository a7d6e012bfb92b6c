/*
 * initramfs.c — building the initramfs a VM boots, with libarchive.
 *
 * Layout (cpio newc, gzip):
 *   /init                       isolab-probe (static); as PID 1 it is the agent
 *   /isolab-probe               a link to /init, so ${probe} has its usual name
 *   /dev/console                char 5:1: the kernel opens it as init's stdio
 *   /proc /sys /dev /tmp /run   mount points
 *   /lib/modules/isolab/NN-name.ko   modules in load order (agent.c loads them)
 *   /bin/busybox + links        when the host has a static busybox
 *   <program> + <libraries>     host programs at their host paths, with the
 *                               libraries ldd resolves (symlinks followed: the
 *                               archive holds the bytes at each listed path)
 *   <files>                     host files, and directories' regular files
 *                               (recursively, symlinks followed), at their paths
 *   /etc/passwd, /etc/group     root and nobody (65534), for servers that look
 *                               their user up
 *
 * Kernel modules: Debian builds virtio and ext4 as modules, and a kernel
 * unpacked with dpkg-deb has no modules.dep (depmod makes it at install
 * time), so dependencies come from each module's .modinfo "depends=" entry,
 * read straight from the ELF file.
 *
 * The cache key hashes every input's bytes and paths plus a format version.
 */
#include "config.h"
#include "cache.h"
#include "exec.h"
#include "initramfs.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

/* Bump when the layout written below changes. */
#define INITRAMFS_FORMAT 4

static void strv_add(char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 2, sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

/* A set of strings (open addressing): the archive's names and the guest
 * files found, which a directory such as /usr/share/zoneinfo makes
 * thousands of, so that finding one is not a walk through all of them. */
struct strset {
	char **slot;
	size_t cap, n;
};

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static char **strset_find(const struct strset *set, const char *s)
{
	if (!set->cap)
		return NULL;
	for (size_t i = str_hash(s) & (set->cap - 1);; i = (i + 1) & (set->cap - 1))
		if (!set->slot[i] || !strcmp(set->slot[i], s))
			return &set->slot[i];
}

static int strset_has(const struct strset *set, const char *s)
{
	char **p = strset_find(set, s);
	return p && *p;
}

/* Adds a copy of s; 1 when it was there already. */
static int strset_add(struct strset *set, const char *s)
{
	if (strset_has(set, s))
		return 1;
	if ((set->n + 1) * 2 > set->cap) {
		struct strset big = { .cap = set->cap ? set->cap * 2 : 64 };
		big.slot = xcalloc(big.cap, sizeof *big.slot);
		for (size_t i = 0; i < set->cap; i++)
			if (set->slot[i])
				*strset_find(&big, set->slot[i]) = set->slot[i];
		free(set->slot);
		set->slot = big.slot;
		set->cap = big.cap;
	}
	*strset_find(set, s) = xstrdup(s);
	set->n++;
	return 0;
}

static void strset_free(struct strset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slot[i]);
	free(set->slot);
	*set = (struct strset){ 0 };
}

static int strv_has(char **v, const char *s)
{
	for (char **p = v; p && *p; p++)
		if (!strcmp(*p, s))
			return 1;
	return 0;
}

/* ---- kernel modules ---- */

struct modidx {
	char **names;   /* normalised: '-' -> '_' */
	char **paths;
	size_t n;
};

static void norm_name(char *s)
{
	for (; *s; s++)
		if (*s == '-')
			*s = '_';
}

static void modidx_scan(struct modidx *m, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *p = xasprintf("%s/%s", dir, de->d_name);
		struct stat st;
		if (lstat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			modidx_scan(m, p);
			continue;
		}
		size_t l = strlen(de->d_name);
		if (l < 4 || strcmp(de->d_name + l - 3, ".ko"))
			continue;
		char *name = xstrndup(de->d_name, l - 3);
		norm_name(name);
		m->names = xreallocarray(m->names, m->n + 1, sizeof *m->names);
		m->paths = xreallocarray(m->paths, m->n + 1, sizeof *m->paths);
		m->names[m->n] = name;
		m->paths[m->n++] = xstrdup(p);
	}
	closedir(d);
}

static void modidx_free(struct modidx *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->names[i]);
		free(m->paths[i]);
	}
	free(m->names);
	free(m->paths);
}

static const char *modidx_find(const struct modidx *m, const char *name)
{
	_cleanup_free_ char *n = xstrdup(name);
	norm_name(n);
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->names[i], n))
			return m->paths[i];
	return NULL;
}

/* The "depends=" value of a module's .modinfo section, malloc'd ("" when
 * none), or NULL when the file is not a readable ELF64 object. */
static char *modinfo_depends(const char *path)
{
	size_t len = 0;
	_cleanup_free_ char *buf = read_file(path, &len);
	if (!buf || len < sizeof(Elf64_Ehdr))
		return NULL;
	/* Headers are copied out: nothing says a file's offsets are aligned. */
	Elf64_Ehdr ehdr, *eh = &ehdr;
	memcpy(eh, buf, sizeof *eh);
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > len ||
	    (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > len - eh->e_shoff || eh->e_shstrndx >= eh->e_shnum)
		return NULL;
	Elf64_Shdr strs, sec;
	memcpy(&strs, buf + eh->e_shoff + (size_t)eh->e_shstrndx * sizeof strs, sizeof strs);
	if (strs.sh_offset > len || strs.sh_size > len - strs.sh_offset)
		return NULL;
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		memcpy(&sec, buf + eh->e_shoff + (size_t)i * sizeof sec, sizeof sec);
		if (sec.sh_name >= strs.sh_size)
			continue;
		const char *nm = buf + strs.sh_offset + sec.sh_name;
		if (strnlen(nm, strs.sh_size - sec.sh_name) == strs.sh_size - sec.sh_name || strcmp(nm, ".modinfo"))
			continue;
		if (sec.sh_offset > len || sec.sh_size > len - sec.sh_offset)
			return NULL;
		const char *p = buf + sec.sh_offset, *end = p + sec.sh_size;
		while (p < end) {
			size_t l = strnlen(p, (size_t)(end - p));
			if (l > 8 && !strncmp(p, "depends=", 8))
				return xstrndup(p + 8, l - 8);
			p += l + 1;
		}
		return xstrdup("");
	}
	return xstrdup("");
}

static int add_module(const struct modidx *m, const char *name, char ***out, size_t *n, int depth, char **cause)
{
	const char *path = modidx_find(m, name);
	if (!path || strv_has(*out, path))
		return 0; /* built in, absent, or already there */
	if (depth > 32)
		return err_set(cause, "module %s: dependencies nest too deep", name);
	_cleanup_free_ char *deps = modinfo_depends(path);
	if (!deps)
		return err_set(cause, "module %s: %s is not an ELF64 module", name, path);
	char *save = NULL;
	for (char *d = strtok_r(deps, ",", &save); d; d = strtok_r(NULL, ",", &save))
		if (*d && add_module(m, d, out, n, depth + 1, cause) < 0)
			return -1;
	strv_add(out, n, path);
	return 0;
}

char **initramfs_module_order(const char *modules_dir, const char *const *wanted, char **cause)
{
	struct modidx m = { 0 };
	_cleanup_free_ char *kdir = xasprintf("%s/kernel", modules_dir);
	modidx_scan(&m, kdir);
	char **out = xcalloc(1, sizeof *out);
	size_t n = 0;
	for (const char *const *w = wanted; w && *w; w++)
		if (add_module(&m, *w, &out, &n, 0, cause) < 0) {
			modidx_free(&m);
			argv_free(out);
			return NULL;
		}
	modidx_free(&m);
	return out;
}

/* ---- host programs ---- */

char **initramfs_ldd(const char *program, char **cause)
{
	char *argv[] = { (char *)"ldd", (char *)program, NULL };
	struct exec_opts o = { 0 };
	_cleanup_free_ char *out = NULL;
	int status = 0;
	if (exec_run(argv, &o, 20000, &out, 1 << 20, &status, cause) < 0)
		return NULL;
	char **libs = xcalloc(1, sizeof *libs);
	size_t n = 0;
	/* A static program makes ldd exit 1 ("not a dynamic executable"). */
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !out)
		return libs;
	char *save = NULL;
	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or
		 * "\t/lib64/ld-linux-x86-64.so.2 (0x...)"; vdso has no path. */
		char *p = strstr(line, "=> ");
		p = p ? p + 3 : line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '/')
			continue;
		size_t l = strcspn(p, " (");
		char *lib = xstrndup(p, l);
		if (!strv_has(libs, lib))
			strv_add(&libs, &n, lib);
		free(lib);
	}
	return libs;
}

/* busybox to add, or NULL: a static one only (the initramfs has no libc). */
static char *find_busybox(void)
{
	static const char *const cands[] = { "/bin/busybox", "/usr/bin/busybox", "/usr/lib/busybox/busybox-static" };
	for (size_t i = 0; i < ARRAY_SIZE(cands); i++) {
		if (access(cands[i], X_OK) < 0)
			continue;
		char **l = initramfs_ldd(cands[i], NULL);
		int dynamic = l && l[0];
		argv_free(l);
		if (!dynamic)
			return xstrdup(cands[i]);
	}
	return NULL;
}

/* ---- writing ---- */

char *initramfs_entry_name(const char *path, char **cause)
{
	size_t n = strlen(path), len = 0;
	char *out = xmalloc(n + 1);
	for (const char *p = path; *p;) {
		const char *end = strchrnul(p, '/');
		size_t k = (size_t)(end - p);
		if (k == 2 && p[0] == '.' && p[1] == '.') {
			/* Up one, never above the root. */
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
		} else if (k && !(k == 1 && p[0] == '.')) {
			if (len)
				out[len++] = '/';
			memcpy(out + len, p, k);
			len += k;
		}
		p = *end ? end + 1 : end;
	}
	out[len] = '\0';
	if (!len) {
		free(out);
		err_set(cause, "initramfs: '%s' names the root, not a file in it", path);
		return NULL;
	}
	return out;
}

struct writer {
	struct archive *a;
	struct strset dirs;   /* entry names of the directories written */
	struct strset files;  /* entry names of everything else written */
	char **cause;
};

static int ar_fail(struct writer *w, const char *what)
{
	return err_set(w->cause, "initramfs: %s: %s", what, archive_error_string(w->a));
}

static int ar_header(struct writer *w, const char *name, mode_t mode, int64_t size, const char *link, dev_t rdev)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_mode(e, mode);
	archive_entry_set_size(e, size);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_mtime(e, 0, 0); /* the same bytes every build */
	archive_entry_set_nlink(e, S_ISDIR(mode) ? 2 : 1);
	if (link)
		archive_entry_set_symlink(e, link);
	if (rdev)
		archive_entry_set_rdev(e, rdev);
	int rc = archive_write_header(w->a, e);
	archive_entry_free(e);
	return rc == ARCHIVE_OK ? 0 : ar_fail(w, name);
}

/* Writes the directories above entry name that are not written yet; a file
 * already written under one of their names is an error. */
static int ar_parents(struct writer *w, const char *name)
{
	_cleanup_free_ char *p = xstrdup(name);
	for (char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (strset_has(&w->files, p))
			return err_set(w->cause, "initramfs: /%s: /%s is a file in the archive, not a "
			    "directory", name, p);
		if (!strset_has(&w->dirs, p)) {
			if (ar_header(w, p, S_IFDIR | 0755, 0, NULL, 0) < 0)
				return -1;
			strset_add(&w->dirs, p);
		}
		*s = '/';
	}
	return 0;
}

/* One entry at guest path path: its name in the archive is normalised
 * (initramfs_entry_name), so "/usr//lib/./x" and "/usr/lib/x" are one
 * entry. The first entry of a name is kept; a file and a directory of the
 * same name are an error. Returns 1 when the name was there already. */
static int ar_entry(struct writer *w, const char *path, mode_t mode, const void *data, size_t len,
    const char *link, dev_t rdev)
{
	_cleanup_free_ char *name = initramfs_entry_name(path, w->cause);
	if (!name)
		return -1;
	int dir = S_ISDIR(mode);
	if (strset_has(dir ? &w->dirs : &w->files, name))
		return 1;
	if (strset_has(dir ? &w->files : &w->dirs, name))
		return err_set(w->cause, "initramfs: /%s: already in the archive as a %s", name,
		    dir ? "file" : "directory");
	if (ar_parents(w, name) < 0 || ar_header(w, name, mode, (int64_t)len, link, rdev) < 0)
		return -1;
	if (len && archive_write_data(w->a, data, len) != (la_ssize_t)len)
		return ar_fail(w, name);
	strset_add(dir ? &w->dirs : &w->files, name);
	return 0;
}

static int ar_dir(struct writer *w, const char *path, mode_t perm)
{
	return ar_entry(w, path, S_IFDIR | perm, NULL, 0, NULL, 0) < 0 ? -1 : 0;
}

static int ar_symlink(struct writer *w, const char *path, const char *target)
{
	return ar_entry(w, path, S_IFLNK | 0777, NULL, 0, target, 0) < 0 ? -1 : 0;
}

static int ar_node(struct writer *w, const char *path, mode_t mode, dev_t rdev)
{
	return ar_entry(w, path, mode, NULL, 0, NULL, rdev) < 0 ? -1 : 0;
}

/* Adds a small text file at path. */
static int ar_text(struct writer *w, const char *path, const char *text)
{
	return ar_entry(w, path, S_IFREG | 0644, text, strlen(text), NULL, 0) < 0 ? -1 : 0;
}

/* Adds the bytes of host file src at path (symlinks followed). */
static int ar_file(struct writer *w, const char *path, const char *src, mode_t perm)
{
	_cleanup_free_ char *name = initramfs_entry_name(path, w->cause);
	if (!name)
		return -1;
	if (strset_has(&w->files, name))
		return 0; /* read once */
	size_t len = 0;
	_cleanup_free_ char *data = read_file(src, &len);
	if (!data)
		return err_errno(w->cause, "initramfs: cannot read %s", src);
	return ar_entry(w, path, S_IFREG | perm, data, len, NULL, 0) < 0 ? -1 : 0;
}

static int add_busybox(struct writer *w, const char *bb)
{
	if (ar_file(w, "/bin/busybox", bb, 0755) < 0)
		return -1;
	char *argv[] = { (char *)bb, (char *)"--list-full", NULL };
	struct exec_opts o = { 0 };
	_cleanup_free_ char *out = NULL;
	int status = 0;
	if (exec_run(argv, &o, 10000, &out, 1 << 20, &status, w->cause) < 0)
		return err_wrap(w->cause, "busybox --list-full");
	char *save = NULL;
	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!*l || !strcmp(l, "bin/busybox") || strchr(l, ' '))
			continue;
		_cleanup_free_ char *path = xasprintf("/%s", l);
		if (ar_symlink(w, path, "/bin/busybox") < 0)
			return -1;
	}
	return 0;
}

/* The regular files of spec->files: each file, and each directory's
 * regular files recursively (symlinks followed), sorted within a
 * directory so the archive and its hash are stable. */
static int list_tree(const char *path, char ***out, size_t *n, struct strset *seen, int depth,
    char **cause)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return err_errno(cause, "initramfs: guest file %s", path);
	if (S_ISREG(st.st_mode)) {
		if (!strset_add(seen, path))
			strv_add(out, n, path);
		return 0;
	}
	if (!S_ISDIR(st.st_mode) || depth > 16)
		return 0;
	struct dirent **ents = NULL;
	int k = scandir(path, &ents, NULL, alphasort);
	if (k < 0)
		return err_errno(cause, "initramfs: cannot list %s", path);
	int rc = 0;
	for (int i = 0; i < k; i++) {
		if (rc == 0 && strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, "..")) {
			_cleanup_free_ char *sub = xasprintf("%s/%s", path, ents[i]->d_name);
			rc = list_tree(sub, out, n, seen, depth + 1, cause);
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

static char **guest_files(const struct initramfs_spec *s, char **cause)
{
	char **out = xcalloc(1, sizeof *out);
	size_t n = 0;
	struct strset seen = { 0 };
	for (const char *const *p = s->files; p && *p; p++)
		if (list_tree(*p, &out, &n, &seen, 0, cause) < 0) {
			strset_free(&seen);
			argv_free(out);
			return NULL;
		}
	strset_free(&seen);
	return out;
}

static int write_all_entries(struct writer *w, const struct initramfs_spec *s, const char *busybox)
{
	static const char *const dirs[] = { "/dev", "/proc", "/sys", "/tmp", "/run", "/root", "/etc", "/bin" };
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (ar_dir(w, dirs[i], !strcmp(dirs[i], "/tmp") ? 01777 : 0755) < 0)
			return -1;
	if (ar_node(w, "/dev/console", S_IFCHR | 0600, makedev(5, 1)) < 0 ||
	    ar_node(w, "/dev/null", S_IFCHR | 0666, makedev(1, 3)) < 0)
		return -1;
	/* Before the host's files, so that these win over a host /etc/passwd
	 * among the guest files (the first entry of a name is kept). */
	static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n";
	static const char group[] = "root:x:0:\nnogroup:x:65534:\n";
	if (ar_text(w, "/etc/passwd", passwd) < 0 || ar_text(w, "/etc/group", group) < 0)
		return -1;
	if (ar_file(w, "/init", s->probe, 0755) < 0 || ar_symlink(w, "/isolab-probe", "/init") < 0)
		return -1;
	if (s->modules_dir && s->modules) {
		char **mods = initramfs_module_order(s->modules_dir, s->modules, w->cause);
		if (!mods)
			return -1;
		int rc = ar_dir(w, "/lib/modules/isolab", 0755);
		for (size_t i = 0; rc == 0 && mods[i]; i++) {
			const char *base = strrchr(mods[i], '/');
			_cleanup_free_ char *dst = xasprintf("/lib/modules/isolab/%02zu-%s", i, base ? base + 1 : mods[i]);
			rc = ar_file(w, dst, mods[i], 0644);
		}
		argv_free(mods);
		if (rc < 0)
			return -1;
	}
	for (const char *const *p = s->programs; p && *p; p++) {
		if (ar_file(w, *p, *p, 0755) < 0)
			return -1;
		char **libs = initramfs_ldd(*p, w->cause);
		if (!libs)
			return err_wrap(w->cause, "ldd %s", *p);
		int rc = 0;
		for (size_t i = 0; rc == 0 && libs[i]; i++)
			rc = ar_file(w, libs[i], libs[i], 0755);
		argv_free(libs);
		if (rc < 0)
			return -1;
	}
	/* After the programs: a host program wins over busybox's applet of the
	 * same name (util-linux unshare has options busybox's lacks). */
	if (busybox && add_busybox(w, busybox) < 0)
		return -1;
	char **files = guest_files(s, w->cause);
	if (!files)
		return -1;
	int rc = 0;
	for (size_t i = 0; rc == 0 && files[i]; i++) {
		struct stat st;
		rc = stat(files[i], &st) < 0 ? err_errno(w->cause, "initramfs: %s", files[i])
		                               : ar_file(w, files[i], files[i], st.st_mode & 0755);
	}
	argv_free(files);
	return rc < 0 ? -1 : 0;
}

/* Writes the archive to path (gzip-compressed), or when path is NULL into
 * mem[0..cap) uncompressed (*used bytes). */
static int write_with(const struct initramfs_spec *spec, const char *path, void *mem, size_t cap,
    size_t *used, const char *busybox, char **cause)
{
	struct writer w = { .a = archive_write_new(), .cause = cause };
	int rc = -1;
	if (!w.a)
		return err_set(cause, "initramfs: libarchive: out of memory");
	if (archive_write_set_format_cpio_newc(w.a) != ARCHIVE_OK ||
	    (path ? archive_write_add_filter_gzip(w.a) != ARCHIVE_OK ||
	            archive_write_open_filename(w.a, path) != ARCHIVE_OK
	          : archive_write_open_memory(w.a, mem, cap, used) != ARCHIVE_OK)) {
		ar_fail(&w, path ? path : "memory");
		goto out;
	}
	rc = write_all_entries(&w, spec, busybox);
	if (archive_write_close(w.a) != ARCHIVE_OK && rc == 0)
		rc = ar_fail(&w, path ? path : "memory");
out:
	archive_write_free(w.a);
	strset_free(&w.dirs);
	strset_free(&w.files);
	return rc;
}

int initramfs_write(const struct initramfs_spec *spec, const char *path, char **cause)
{
	_cleanup_free_ char *bb = spec->busybox ? find_busybox() : NULL;
	return write_with(spec, path, NULL, 0, NULL, bb, cause);
}

int initramfs_write_memory(const struct initramfs_spec *spec, void *buf, size_t cap, size_t *used,
    char **cause)
{
	_cleanup_free_ char *bb = spec->busybox ? find_busybox() : NULL;
	return write_with(spec, NULL, buf, cap, used, bb, cause);
}

/* ---- the cache ---- */

static int hash_path(struct cache_key *k, const char *path, char **cause)
{
	cache_key_str(k, path);
	return cache_key_file(k, path) < 0 ? err_errno(cause, "initramfs: cannot read %s", path) : 0;
}

/* Hashes each path of v (paths and bytes) and frees v; v NULL (its
 * maker failed, with a cause) is -1. */
static int hash_list(struct cache_key *k, char **v, char **cause)
{
	int rc = v ? 0 : -1;
	for (size_t i = 0; rc == 0 && v[i]; i++)
		rc = hash_path(k, v[i], cause);
	argv_free(v);
	return rc;
}

struct build {
	const struct initramfs_spec *spec;
	const char *busybox;
};

static int build(const char *tmp, void *arg, char **cause)
{
	const struct build *b = arg;
	return write_with(b->spec, tmp, NULL, 0, NULL, b->busybox, cause);
}

char *initramfs_get(const struct initramfs_spec *spec, char **cause)
{
	struct cache_key k;
	cache_key_init(&k);
	char ver[16];
	snprintf(ver, sizeof ver, "format %d", INITRAMFS_FORMAT);
	cache_key_add(&k, ver, strlen(ver));
	if (hash_path(&k, spec->probe, cause) < 0)
		return NULL;
	if (spec->modules_dir && spec->modules &&
	    hash_list(&k, initramfs_module_order(spec->modules_dir, spec->modules, cause), cause) < 0)
		return NULL;
	_cleanup_free_ char *bb = spec->busybox ? find_busybox() : NULL;
	if (bb && hash_path(&k, bb, cause) < 0)
		return NULL;
	for (const char *const *p = spec->programs; p && *p; p++)
		if (hash_path(&k, *p, cause) < 0 || hash_list(&k, initramfs_ldd(*p, cause), cause) < 0)
			return NULL;
	if (hash_list(&k, guest_files(spec, cause), cause) < 0)
		return NULL;
	char *final = cache_entry("initramfs", "", &k, ".cpio.gz", cause);
	struct build b = { spec, bb };
	if (final && cache_build(final, 0, build, &b, cause) < 0) {
		free(final);
		return NULL;
	}
	return final;
}

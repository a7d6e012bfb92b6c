/*
 * test_initramfs.c — the VM initramfs: read back with libarchive (format,
 * compression, entries, device nodes, a host program with its libraries),
 * module load order from .modinfo in hand-made ELF objects, and the cache.
 */
#include "config.h"
#include "initramfs.h"
#include "unit.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/isolab-test-initramfs.XXXXXX";

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	char *cache = xasprintf("%s/cache", tmpdir);
	setenv("ISOLAB_CACHE", cache, 1);
	free(cache);
}

static void teardown(void)
{
	rm_rf(tmpdir);
	strcpy(tmpdir, "/tmp/isolab-test-initramfs.XXXXXX");
}

/* A minimal ELF64 relocatable object whose .modinfo holds info. */
static void write_module(const char *path, const char *info, size_t infolen)
{
	static const char shstr[] = "\0.shstrtab\0.modinfo\0";
	Elf64_Ehdr eh = { 0 };
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_REL;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_ehsize = sizeof eh;
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = 3;
	eh.e_shstrndx = 1;
	size_t off_str = sizeof eh, off_info = off_str + sizeof shstr;
	eh.e_shoff = off_info + infolen;
	Elf64_Shdr sh[3] = { { 0 } };
	sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_STRTAB, .sh_offset = off_str, .sh_size = sizeof shstr };
	sh[2] = (Elf64_Shdr){ .sh_name = 11, .sh_type = SHT_PROGBITS, .sh_offset = off_info, .sh_size = infolen };
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fwrite(&eh, sizeof eh, 1, f);
	fwrite(shstr, sizeof shstr, 1, f);
	fwrite(info, infolen, 1, f);
	fwrite(sh, sizeof sh, 1, f);
	fclose(f);
}

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

START_TEST(module_order)
{
	char *kdir = xasprintf("%s/mods/kernel/drivers/virtio", tmpdir);
	ck_assert_int_eq(mkdir_p(kdir, 0755), 0);
	char *p;
	/* virtio_pci needs virtio_ring and virtio; virtio_ring needs virtio. */
	p = xasprintf("%s/virtio.ko", kdir);
	write_module(p, "license=GPL\0depends=\0", 21);
	free(p);
	p = xasprintf("%s/virtio_ring.ko", kdir);
	write_module(p, "depends=virtio\0", 15);
	free(p);
	p = xasprintf("%s/virtio-pci.ko", kdir);
	write_module(p, "author=x\0depends=virtio_ring,virtio\0", 36);
	free(p);
	p = xasprintf("%s/broken.ko", kdir);
	write_file(p, "not an ELF file", 1);
	free(p);
	char *mdir = xasprintf("%s/mods", tmpdir);
	const char *want[] = { "virtio_pci", "virtio_console", "virtio", NULL };
	char *cause = NULL;
	char **order = initramfs_module_order(mdir, want, &cause);
	ck_assert_msg(order != NULL, "%s", cause ? cause : "");
	ck_assert_ptr_nonnull(order[0]);
	ck_assert_str_eq(base(order[0]), "virtio.ko");
	ck_assert_str_eq(base(order[1]), "virtio_ring.ko");
	ck_assert_str_eq(base(order[2]), "virtio-pci.ko");
	ck_assert_ptr_null(order[3]); /* virtio_console: not a file here (built in) */
	argv_free(order);
	const char *bad[] = { "broken", NULL };
	ck_assert_ptr_null(initramfs_module_order(mdir, bad, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "broken"));
	free(cause);
	free(mdir);
	free(kdir);
}
END_TEST

START_TEST(ldd_parses)
{
	char *cause = NULL;
	char **libs = initramfs_ldd("/bin/true", &cause);
	ck_assert_msg(libs != NULL, "%s", cause ? cause : "");
	int libc = 0;
	for (char **l = libs; *l; l++) {
		ck_assert_int_eq((*l)[0], '/');
		if (strstr(*l, "libc.so"))
			libc = 1;
	}
	ck_assert_msg(libc, "ldd /bin/true lists no libc");
	argv_free(libs);
	/* A static program has no libraries. */
	const char *probe = getenv("ISOLAB_PROBE");
	if (probe && access(probe, X_OK) == 0) {
		libs = initramfs_ldd(probe, &cause);
		ck_assert_ptr_nonnull(libs);
		ck_assert_ptr_null(libs[0]);
		argv_free(libs);
	}
}
END_TEST

START_TEST(archive_contents)
{
	char *probe = xasprintf("%s/fake-probe", tmpdir);
	write_file(probe, "#!/bin/sh\nexit 0\n", 1);
	chmod(probe, 0755);
	const char *progs[] = { "/bin/true", NULL };
	struct initramfs_spec spec = { .probe = probe, .programs = progs, .busybox = 0 };
	char *cause = NULL;
	char *path = initramfs_get(&spec, &cause);
	ck_assert_msg(path != NULL, "%s", cause ? cause : "");
	ck_assert_ptr_nonnull(strstr(path, "/cache/initramfs/"));

	struct archive *a = archive_read_new();
	archive_read_support_format_all(a);
	archive_read_support_filter_all(a);
	ck_assert_int_eq(archive_read_open_filename(a, path, 16384), ARCHIVE_OK);
	struct archive_entry *e;
	int init = 0, console = 0, link = 0, prog = 0, libc = 0, modules = 0;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		ck_assert_int_ne(name[0], '/');
		if (!strcmp(name, "init")) {
			init = 1;
			ck_assert_int_eq(archive_entry_perm(e), 0755);
			char buf[64] = "";
			la_ssize_t n = archive_read_data(a, buf, sizeof buf - 1);
			ck_assert_int_gt(n, 0);
			ck_assert_str_eq(buf, "#!/bin/sh\nexit 0\n");
		} else if (!strcmp(name, "dev/console")) {
			console = 1;
			ck_assert_int_eq(archive_entry_filetype(e), AE_IFCHR);
			ck_assert_int_eq(major(archive_entry_rdev(e)), 5);
			ck_assert_int_eq(minor(archive_entry_rdev(e)), 1);
		} else if (!strcmp(name, "isolab-probe")) {
			link = archive_entry_filetype(e) == AE_IFLNK && !strcmp(archive_entry_symlink(e), "/init");
		} else if (!strcmp(name, "bin/true") || !strcmp(name, "usr/bin/true")) {
			prog = archive_entry_size(e) > 0;
		} else if (strstr(name, "libc.so")) {
			libc = archive_entry_size(e) > 0;
		} else if (strstr(name, "lib/modules")) {
			modules = 1;
		}
	}
	ck_assert_int_eq(archive_filter_code(a, 0), ARCHIVE_FILTER_GZIP);
	ck_assert_int_eq(archive_format(a), ARCHIVE_FORMAT_CPIO_SVR4_NOCRC); /* newc */
	archive_read_free(a);
	ck_assert(init && console && link && prog && libc);
	ck_assert(!modules);

	/* Cached by content: the same inputs give the same file, a changed
	 * probe another one. */
	char *again = initramfs_get(&spec, &cause);
	ck_assert_str_eq(again, path);
	write_file(probe, "#!/bin/sh\nexit 1\n", 1);
	char *other = initramfs_get(&spec, &cause);
	ck_assert_ptr_nonnull(other);
	ck_assert_str_ne(other, path);
	free(other);
	free(again);
	free(path);
	free(probe);
}
END_TEST

/* guest_files: a directory's regular files recursively, at their paths;
 * a changed file changes the cache key; a missing one is an error naming it. */
START_TEST(guest_files)
{
	char *probe = xasprintf("%s/fake-probe", tmpdir);
	write_file(probe, "#!/bin/sh\nexit 0\n", 1);
	char *share = xasprintf("%s/share", tmpdir), *sub = xasprintf("%s/share/tz", tmpdir);
	char *f1 = xasprintf("%s/a.sql", share), *f2 = xasprintf("%s/UTC", sub);
	ck_assert_int_eq(mkdir_p(sub, 0755), 0);
	write_file(f1, "select 1;\n", 1);
	write_file(f2, "TZif", 1);
	const char *files[] = { share, NULL };
	struct initramfs_spec spec = { .probe = probe, .files = files };
	char *cause = NULL;
	char *path = initramfs_get(&spec, &cause);
	ck_assert_msg(path != NULL, "%s", cause ? cause : "");
	struct archive *a = archive_read_new();
	archive_read_support_format_all(a);
	archive_read_support_filter_all(a);
	ck_assert_int_eq(archive_read_open_filename(a, path, 16384), ARCHIVE_OK);
	struct archive_entry *e;
	int got1 = 0, got2 = 0, group = 0;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		if (!strcmp(name, f1 + 1))
			got1 = archive_entry_size(e) == 10;
		else if (!strcmp(name, f2 + 1))
			got2 = archive_entry_size(e) == 4;
		else if (!strcmp(name, "etc/group"))
			group = 1;
	}
	archive_read_free(a);
	ck_assert(got1 && got2 && group);

	write_file(f2, "TZif2", 1);
	char *other = initramfs_get(&spec, &cause);
	ck_assert_ptr_nonnull(other);
	ck_assert_str_ne(other, path);
	free(other);

	const char *missing[] = { "/nonexistent/share", NULL };
	spec.files = missing;
	ck_assert_ptr_null(initramfs_get(&spec, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "/nonexistent/share"));
	free(cause);
	free(path);
	free(f1);
	free(f2);
	free(sub);
	free(share);
	free(probe);
}
END_TEST

START_TEST(missing_probe)
{
	struct initramfs_spec spec = { .probe = "/nonexistent/isolab-probe" };
	char *cause = NULL;
	ck_assert_ptr_null(initramfs_get(&spec, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "/nonexistent/isolab-probe"));
	free(cause);
}
END_TEST

START_TEST(entry_names)
{
	static const char *const cases[][2] = {
		{ "/usr/bin/x", "usr/bin/x" },
		{ "usr/bin/x", "usr/bin/x" },
		{ "//usr///bin//x//", "usr/bin/x" },
		{ "/usr/./bin/./x/.", "usr/bin/x" },
		{ "/usr/lib/../bin/x", "usr/bin/x" },
		{ "/../../etc/passwd", "etc/passwd" },
		{ "/a/b/../../../c", "c" },
		{ "/a/..b/c..", "a/..b/c.." },
		{ "/...", "..." },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *cause = NULL;
		char *n = initramfs_entry_name(cases[i][0], &cause);
		ck_assert_msg(n != NULL, "%s: %s", cases[i][0], cause);
		ck_assert_str_eq(n, cases[i][1]);
		free(n);
	}
	static const char *const root[] = { "", "/", "//", "/./", "/a/..", "..", "/a/b/../../.." };
	for (size_t i = 0; i < ARRAY_SIZE(root); i++) {
		char *cause = NULL;
		ck_assert_ptr_null(initramfs_entry_name(root[i], &cause));
		ck_assert_ptr_nonnull(strstr(cause, "names the root"));
		free(cause);
	}
}
END_TEST

/* Reads an uncompressed archive from memory: "name type" per entry, one
 * per line (type: d, f, l, c). */
static char *listing(const void *buf, size_t len)
{
	struct archive *a = archive_read_new();
	archive_read_support_format_cpio(a);
	ck_assert_int_eq(archive_read_open_memory(a, buf, len), ARCHIVE_OK);
	char *out = xstrdup("");
	struct archive_entry *e;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		mode_t t = archive_entry_filetype(e);
		char *n = xasprintf("%s%s %c\n", out, archive_entry_pathname(e), t == AE_IFDIR ? 'd' :
		    t == AE_IFREG ? 'f' : t == AE_IFLNK ? 'l' : 'c');
		free(out);
		out = n;
	}
	archive_read_free(a);
	return out;
}

/* One entry per name, however the guest path is spelt; parents before
 * children; a name that would be a file and a directory is an error. */
START_TEST(guest_paths)
{
	char *probe = xasprintf("%s/probe", tmpdir);
	write_file(probe, "p", 1);
	char *x = xasprintf("%s/x", tmpdir), *f = xasprintf("%s/x/f", tmpdir);
	ck_assert_int_eq(mkdir_p(x, 0755), 0);
	write_file(f, "F", 1);
	char *p1 = xasprintf("%s//x/./f", tmpdir), *p2 = xasprintf("%s/x/../x/f", tmpdir);
	const char *files[] = { p1, p2, f, NULL };
	struct initramfs_spec spec = { .probe = probe, .files = files };
	size_t cap = 1 << 20, used = 0;
	char *buf = xmalloc(cap), *cause = NULL;
	ck_assert_msg(initramfs_write_memory(&spec, buf, cap, &used, &cause) == 0, "%s", cause);
	char *l = listing(buf, used);
	char *want = xasprintf("%s/x/f f\n", tmpdir + 1);
	char *at = strstr(l, want);
	ck_assert_msg(at && !strstr(at + 1, want), "%s", l);
	char *dir = xasprintf("\n%s/x d\n", tmpdir + 1);
	ck_assert_msg(strstr(l, dir) && strstr(l, dir) < at, "%s", l);
	ck_assert_msg(strstr(l, "\netc/passwd f\n") && !strstr(l, "//") && !strstr(l, "/./") &&
	    !strstr(l, "/../"), "%s", l);
	free(l);
	free(want);
	free(dir);

	/* c is a file; a -> b/c puts b/c's children at c/ too, lexically:
	 * tmp/a/.. is tmp/b on the host but names tmp in the guest. */
	char *c = xasprintf("%s/c", tmpdir), *bc = xasprintf("%s/b/c", tmpdir);
	char *bcx = xasprintf("%s/b/c/x", tmpdir), *a = xasprintf("%s/a", tmpdir);
	char *up = xasprintf("%s/a/..", tmpdir);
	write_file(c, "C", 1);
	ck_assert_int_eq(mkdir_p(bc, 0755), 0);
	write_file(bcx, "X", 1);
	ck_assert_int_eq(symlink(bc, a), 0);
	const char *clash[] = { c, up, NULL };
	spec.files = clash;
	ck_assert_int_eq(initramfs_write_memory(&spec, buf, cap, &used, &cause), -1);
	char *msg = xasprintf("initramfs: %s/c/x: %s/c is a file in the archive, not a directory", tmpdir, tmpdir);
	ck_assert_str_eq(cause, msg);
	free(cause);
	free(msg);

	/* A directory symlink to itself: the walk stops 16 levels down. */
	char *cyc = xasprintf("%s/cyc", tmpdir), *cf = xasprintf("%s/cyc/f", tmpdir);
	char *self = xasprintf("%s/cyc/up", tmpdir);
	ck_assert_int_eq(mkdir_p(cyc, 0755), 0);
	write_file(cf, "F", 1);
	ck_assert_int_eq(symlink(".", self), 0);
	const char *loop[] = { cyc, NULL };
	spec.files = loop;
	ck_assert_msg(initramfs_write_memory(&spec, buf, cap, &used, &cause) == 0, "%s", cause);
	l = listing(buf, used);
	size_t nf = 0;
	for (char *q = l; (q = strstr(q, "/f f\n")); q++)
		nf++;
	ck_assert_uint_eq(nf, 17); /* cyc/f, cyc/up/f, ... 16 ups deep */
	free(l);
	free(cyc), free(cf), free(self);

	free(buf);
	free(probe), free(x), free(f), free(p1), free(p2);
	free(c), free(bc), free(bcx), free(a), free(up);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("initramfs");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, module_order);
	tcase_add_test(tc, ldd_parses);
	tcase_add_test(tc, archive_contents);
	tcase_add_test(tc, guest_files);
	tcase_add_test(tc, missing_probe);
	tcase_add_test(tc, entry_names);
	tcase_add_test(tc, guest_paths);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(suite());
}

/*
 * test_firecracker.c — the firecracker driver as far as this machine
 * allows: Firecracker is not installed here and could not boot a guest
 * anyway (this project's machines have no /dev/kvm, or one whose nested
 * guests hang), so its API is played by a FAKE server (fakehttp.h) that
 * records the requests and answers as
 * Firecracker does (204, or 400 with a fault_message). Checked: the order
 * of the requests and that their bodies carry exactly the fields of
 * Firecracker's API (src/firecracker/swagger/firecracker.yaml: BootSource,
 * Drive, MachineConfiguration, NetworkInterface, InstanceActionInfo); a refusal's
 * fault_message reaching the cause; the ELF vmlinux extracted from
 * synthetic bzImages (xz with the kernel's size trailer, gzip) and a
 * non-kernel refused; probe's reason and fix when the binary is missing.
 */
#include "config.h"
#include "fakehttp.h"
#include "firecracker.h"
#include "runtime.h"
#include "unit.h"
#include "util.h"
#include "vmlinux.h"

#include <archive.h>
#include <archive_entry.h>
#include <elf.h>
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmpdir[] = "/tmp/isolab-test-fc.XXXXXX";
static char *sock;

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	sock = xasprintf("%s/api.sock", tmpdir);
}

static void teardown(void)
{
	rm_rf(tmpdir);
	strcpy(tmpdir, "/tmp/isolab-test-fc.XXXXXX");
	free(sock);
}

#define NO_CONTENT "HTTP/1.1 204 No Content\r\nServer: Firecracker API\r\nConnection: keep-alive\r\n\r\n"

/* Request i as the fake recorded it: its request line, and its body as JSON. */
static json_t *recorded(size_t i, char *line, size_t cap)
{
	char *p = xasprintf("%s/req.%zu", tmpdir, i);
	char *s = read_file(p, NULL);
	free(p);
	ck_assert_msg(s != NULL, "request %zu never arrived", i);
	snprintf(line, cap, "%.*s", (int)strcspn(s, "\r"), s);
	char *body = strstr(s, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	ck_assert_ptr_nonnull(strstr(s, "Content-Type: application/json"));
	json_error_t e;
	json_t *j = json_loads(body + 4, 0, &e);
	ck_assert_msg(j != NULL, "request %zu: body is not JSON: %s", i, e.text);
	free(s);
	return j;
}

/* Every key of o is one of the API's fields for that object. */
static void only_fields(json_t *o, const char *const *fields)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		int known = 0;
		for (const char *const *f = fields; *f; f++)
			known |= !strcmp(k, *f);
		ck_assert_msg(known, "field '%s' is not in Firecracker's API", k);
	}
}

/* Boots b against a fake server answering n requests with 204: the
 * pre-boot requests and the start, all of which must succeed. */
static void boot_against_fake(const struct fc_boot *b, size_t n)
{
	const char *replies[8];
	ck_assert_uint_le(n, 8);
	for (size_t i = 0; i < n; i++)
		replies[i] = NO_CONTENT;
	pid_t srv = fake_serve(sock, tmpdir, replies, n);
	ck_assert_int_gt(srv, 0);
	char *cause = NULL;
	ck_assert_msg(firecracker_configure(sock, b, 2000, &cause) == 0, "%s", cause ? cause : "");
	ck_assert_msg(firecracker_start(sock, 2000, &cause) == 0, "%s", cause ? cause : "");
	fake_stop(srv);
}

START_TEST(request_sequence)
{
	printf("test_firecracker: talking to a FAKE Firecracker API server (a test double): firecracker is not "
	       "installed here and cannot boot guests without working KVM\n");
	struct fc_boot b = { .kernel = "/cache/vmlinux/0123", .initrd = "/cache/initramfs/ab.cpio.gz",
		.boot_args = "console=ttyS0 reboot=k panic=1 pci=off isolab.argv=/isolab-probe,start",
		.disk = "/run/inst/1/scratch.img", .vcpus = 2, .mem_mib = 256 };
	boot_against_fake(&b, 4);

	char line[256];
	json_t *j = recorded(0, line, sizeof line);
	ck_assert_str_eq(line, "PUT /machine-config HTTP/1.1");
	static const char *const mc[] = { "vcpu_count", "mem_size_mib", "smt", "cpu_template", "track_dirty_pages",
		"huge_pages", NULL };
	only_fields(j, mc);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "vcpu_count")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "mem_size_mib")), 256);
	ck_assert(json_is_false(json_object_get(j, "smt")));
	json_decref(j);

	j = recorded(1, line, sizeof line);
	ck_assert_str_eq(line, "PUT /boot-source HTTP/1.1");
	static const char *const bs[] = { "kernel_image_path", "initrd_path", "boot_args", NULL };
	only_fields(j, bs);
	ck_assert_str_eq(json_string_value(json_object_get(j, "kernel_image_path")), b.kernel);
	ck_assert_str_eq(json_string_value(json_object_get(j, "initrd_path")), b.initrd);
	ck_assert_str_eq(json_string_value(json_object_get(j, "boot_args")), b.boot_args);
	json_decref(j);

	j = recorded(2, line, sizeof line);
	ck_assert_str_eq(line, "PUT /drives/scratch HTTP/1.1");
	static const char *const dr[] = { "drive_id", "partuuid", "is_root_device", "cache_type", "is_read_only",
		"path_on_host", "rate_limiter", "io_engine", "socket", NULL };
	only_fields(j, dr);
	/* The path's drive_id and the body's must agree. */
	ck_assert_str_eq(json_string_value(json_object_get(j, "drive_id")), "scratch");
	ck_assert_str_eq(json_string_value(json_object_get(j, "path_on_host")), b.disk);
	ck_assert(json_is_false(json_object_get(j, "is_root_device")));
	ck_assert(json_is_false(json_object_get(j, "is_read_only")));
	json_decref(j);

	j = recorded(3, line, sizeof line);
	ck_assert_str_eq(line, "PUT /actions HTTP/1.1");
	ck_assert_str_eq(json_string_value(json_object_get(j, "action_type")), "InstanceStart");
	ck_assert_int_eq(json_object_size(j), 1);
	json_decref(j);
}
END_TEST

/* Network bridge: the tap in Firecracker's namespace becomes eth0, after
 * the drive and before the start, with exactly the fields of the API's
 * NetworkInterface. */
START_TEST(network_interface_request)
{
	struct fc_boot b = { .kernel = "/k", .initrd = "/i", .boot_args = "isolab.net=10.213.0.2/30,10.213.0.1",
		.disk = "/d", .tap = "tap0", .vcpus = 1, .mem_mib = 128 };
	boot_against_fake(&b, 5);
	char line[256];
	json_t *j = recorded(2, line, sizeof line);
	ck_assert_str_eq(line, "PUT /drives/scratch HTTP/1.1");
	json_decref(j);
	j = recorded(3, line, sizeof line);
	ck_assert_str_eq(line, "PUT /network-interfaces/eth0 HTTP/1.1");
	static const char *const ni[] = { "iface_id", "guest_mac", "host_dev_name", "rx_rate_limiter",
		"tx_rate_limiter", NULL };
	only_fields(j, ni);
	ck_assert_str_eq(json_string_value(json_object_get(j, "iface_id")), "eth0");
	ck_assert_str_eq(json_string_value(json_object_get(j, "host_dev_name")), "tap0");
	json_decref(j);
	j = recorded(4, line, sizeof line);
	ck_assert_str_eq(line, "PUT /actions HTTP/1.1");
	json_decref(j);
}
END_TEST

START_TEST(refusal_carries_fault_message)
{
	const char *replies[] = { NO_CONTENT,
		"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 75\r\n\r\n"
		"{\"fault_message\":\"Cannot load kernel due to invalid memory configuration.\"}" };
	pid_t srv = fake_serve(sock, tmpdir, replies, 2);
	struct fc_boot b = { .kernel = "/k", .initrd = "/i", .boot_args = "console=ttyS0", .disk = "/d",
		.vcpus = 1, .mem_mib = 128 };
	char *cause = NULL;
	ck_assert_int_eq(firecracker_configure(sock, &b, 2000, &cause), -1);
	fake_stop(srv);
	ck_assert_msg(strstr(cause, "PUT /boot-source") && strstr(cause, "400") &&
		strstr(cause, "Cannot load kernel due to invalid memory configuration."),
	    "%s", cause);
	free(cause);
	/* Nothing after the refused request. */
	char *p = xasprintf("%s/req.2", tmpdir);
	ck_assert_int_ne(access(p, F_OK), 0);
	free(p);
}
END_TEST

START_TEST(no_api_socket)
{
	struct fc_boot b = { .kernel = "/k", .boot_args = "", .vcpus = 1, .mem_mib = 128 };
	char *cause = NULL;
	ck_assert_int_eq(firecracker_configure(sock, &b, 500, &cause), -1);
	ck_assert_msg(strstr(cause, "machine-config") && strstr(cause, "connect"), "%s", cause);
	free(cause);
}
END_TEST

/* ---- vmlinux ---- */

/* A fake ELF image: the magic and n patterned bytes. */
static char *fake_elf(size_t n)
{
	char *e = xmalloc(n);
	for (size_t i = 0; i < n; i++)
		e[i] = (char)(i * 7 + i / 251);
	memcpy(e, "\177ELF\2\1\1", 7);
	return e;
}

/* data compressed with libarchive's filter (raw format), into *len bytes. */
static char *compress(const char *data, size_t n, int filter, size_t *len)
{
	size_t cap = n + 65536;
	char *out = xmalloc(cap);
	struct archive *a = archive_write_new();
	ck_assert_int_eq(archive_write_set_format_raw(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_add_filter(a, filter), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_memory(a, out, cap, len), ARCHIVE_OK);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, "vmlinux.bin");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)n);
	ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_data(a, data, n), (la_ssize_t)n);
	archive_entry_free(e);
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return out;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A bzImage around payload: 2 setup sectors + the boot sector, then the
 * protected-mode code whose payload starts 64 bytes in. */
static void write_bzimage(const char *path, const char *payload, size_t plen, int size_trailer, uint32_t usize)
{
	size_t off = 3 * 512 + 64, total = off + plen + (size_trailer ? 4 : 0) + 32;
	unsigned char *img = xcalloc(1, total);
	img[0x1f1] = 2;
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0f;
	img[0x207] = 0x02;
	put32(img + 0x248, 64);
	put32(img + 0x24c, (uint32_t)(plen + (size_trailer ? 4 : 0)));
	memcpy(img + off, payload, plen);
	if (size_trailer)
		put32(img + off + plen, usize);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(img, 1, total, f), total);
	fclose(f);
	free(img);
}

static void check_extract(int filter, int trailer)
{
	size_t n = 300000, clen = 0, olen = 0;
	char *elf = fake_elf(n);
	char *z = compress(elf, n, filter, &clen);
	char *img = xasprintf("%s/bzImage", tmpdir), *out = xasprintf("%s/vmlinux", tmpdir);
	write_bzimage(img, z, clen, trailer, (uint32_t)n);
	char *cause = NULL;
	ck_assert_msg(vmlinux_extract(img, out, &cause) == 0, "%s", cause ? cause : "");
	char *got = read_file(out, &olen);
	ck_assert_uint_eq(olen, n);
	ck_assert_int_eq(memcmp(got, elf, n), 0);
	free(got);
	free(elf);
	free(z);
	free(img);
	free(out);
}

START_TEST(vmlinux_xz_with_size_trailer) { check_extract(ARCHIVE_FILTER_XZ, 1); }
END_TEST

START_TEST(vmlinux_gzip) { check_extract(ARCHIVE_FILTER_GZIP, 0); }
END_TEST

START_TEST(vmlinux_refuses_other_files)
{
	char *p = xasprintf("%s/notakernel", tmpdir), *out = xasprintf("%s/vmlinux", tmpdir);
	char junk[4096];
	memset(junk, 'x', sizeof junk);
	FILE *f = fopen(p, "w");
	fwrite(junk, 1, sizeof junk, f);
	fclose(f);
	char *cause = NULL;
	ck_assert_int_eq(vmlinux_extract(p, out, &cause), -1);
	ck_assert_msg(strstr(cause, "neither an ELF vmlinux nor a bzImage"), "%s", cause);
	free(cause);
	cause = NULL;
	/* A bzImage whose payload is not compressed in a known format. */
	write_bzimage(p, junk, 1000, 0, 0);
	ck_assert_int_eq(vmlinux_extract(p, out, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "vmlinux"));
	free(cause);
	ck_assert_int_ne(access(out, F_OK), 0);
	free(p);
	free(out);
}
END_TEST

START_TEST(probe_without_binary)
{
	struct kv opt = { .key = (char *)"binary", .value = (char *)"isolab-no-such-firecracker" };
	struct runtime_conf rt = { .name = (char *)"firecracker", .driver = (char *)"firecracker", .options = &opt,
		.noptions = 1 };
	struct driver_status st;
	runtime_probe(&rt, &st);
	ck_assert_int_eq(st.available, 0);
	ck_assert_msg(strstr(st.reason, "isolab-no-such-firecracker not found"), "%s", st.reason);
	ck_assert_msg(strstr(st.fix, "GitHub releases") && strstr(st.fix, "/usr/local/bin") &&
		strstr(st.fix, "not packaged in Debian"),
	    "%s", st.fix);
	driver_status_free(&st);
}
END_TEST

/* An ELF64 kernel image with one PT_NOTE segment holding a note of
 * name (NULL: no note segment at all) and type, after a first note "GNU". */
static char *write_elf_note(const char *file, const char *name, uint32_t type)
{
	unsigned char img[512] = { 0 };
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_phoff = sizeof *eh;
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = name ? 1 : 0;
	unsigned char *n = img + 256;
	size_t len = 0;
	put32(n, 4); put32(n + 4, 4); put32(n + 8, 3); memcpy(n + 12, "GNU", 4); put32(n + 16, 0xabcd);
	len = 20;
	if (name) {
		size_t namesz = strlen(name) + 1;
		put32(n + len, (uint32_t)namesz); put32(n + len + 4, 8); put32(n + len + 8, type);
		memcpy(n + len + 12, name, namesz);
		len += 12 + ((namesz + 3) & ~(size_t)3) + 8;
		Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof *eh);
		ph->p_type = PT_NOTE;
		ph->p_offset = 256;
		ph->p_filesz = len;
	}
	char *path = xasprintf("%s/%s", tmpdir, file);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(img, 1, sizeof img, f), sizeof img);
	fclose(f);
	return path;
}

/* QEMU boots the uncompressed kernel only through its PVH entry: the Xen
 * note PHYS32_ENTRY (18); any other note, or none, is not one. */
START_TEST(vmlinux_pvh_note)
{
	char *why = NULL;
	char *pvh = write_elf_note("pvh", "Xen", 18);
	ck_assert_int_eq(vmlinux_has_pvh(pvh, &why), 1);
	ck_assert_ptr_null(why);
	char *other = write_elf_note("other-type", "Xen", 17);
	ck_assert_int_eq(vmlinux_has_pvh(other, &why), 0);
	ck_assert_msg(why && strstr(why, "no PVH entry point") && strstr(why, "other-type"), "%s", why ? why : "");
	free(why);
	why = NULL;
	char *none = write_elf_note("no-notes", NULL, 0);
	ck_assert_int_eq(vmlinux_has_pvh(none, &why), 0);
	ck_assert_msg(why && strstr(why, "no PVH entry point"), "%s", why ? why : "");
	free(why);
	why = NULL;
	char *bz = xasprintf("%s/not-elf", tmpdir);
	FILE *f = fopen(bz, "w");
	ck_assert_ptr_nonnull(f);
	fputs("MZ not an ELF image, a bzImage say", f);
	fclose(f);
	ck_assert_int_eq(vmlinux_has_pvh(bz, &why), 0);
	ck_assert_msg(why && strstr(why, "not a 64-bit ELF kernel"), "%s", why ? why : "");
	free(why);
	why = NULL;
	char *missing = xasprintf("%s/missing", tmpdir);
	ck_assert_int_eq(vmlinux_has_pvh(missing, &why), 0);
	ck_assert_msg(why && strstr(why, "No such file"), "%s", why ? why : "");
	free(why);
	free(pvh);
	free(other);
	free(none);
	free(bz);
	free(missing);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("firecracker");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, request_sequence);
	tcase_add_test(tc, network_interface_request);
	tcase_add_test(tc, refusal_carries_fault_message);
	tcase_add_test(tc, no_api_socket);
	tcase_add_test(tc, vmlinux_xz_with_size_trailer);
	tcase_add_test(tc, vmlinux_gzip);
	tcase_add_test(tc, vmlinux_refuses_other_files);
	tcase_add_test(tc, vmlinux_pvh_note);
	tcase_add_test(tc, probe_without_binary);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(suite());
}

/*
 * vmlinux.c — extracting the ELF vmlinux from a bzImage (see vmlinux.h for
 * why through the setup header and libarchive rather than extract-vmlinux).
 *
 * Setup header fields used (Documentation/arch/x86/boot.rst):
 *   0x1f1  setup_sects    (0 means 4)
 *   0x202  "HdrS"         header magic
 *   0x206  version        boot protocol, >= 0x0208 for the payload fields
 *   0x248  payload_offset from the start of the protected-mode code, which
 *                         begins at (setup_sects + 1) * 512
 *   0x24c  payload_length
 * The kernel's build appends the uncompressed size as 4 little-endian
 * bytes after every format's stream but gzip's (whose own trailer has it):
 * libarchive reads them as the start of a second stream and fails, so they
 * are cut off first.
 */
#include "config.h"
#include "cache.h"
#include "util.h"
#include "vmlinux.h"

#include <archive.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VMLINUX_MAX ((size_t)1 << 30)

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int is_elf(const char *p, size_t n)
{
	return n >= sizeof(Elf64_Ehdr) && !memcmp(p, ELFMAG, SELFMAG);
}

static int write_out(const char *out, const char *data, size_t n, char **cause)
{
	_cleanup_free_ char *tmp = xasprintf("%s.XXXXXX", out);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return err_errno(cause, "vmlinux: create a temporary file beside %s", out);
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(fd, data + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = errno;
			close(fd);
			unlink(tmp);
			errno = e ? e : ENOSPC;
			return err_errno(cause, "vmlinux: write %s", tmp);
		}
		done += (size_t)w;
	}
	if (close(fd) < 0 || chmod(tmp, 0644) < 0 || rename(tmp, out) < 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		return err_errno(cause, "vmlinux: write %s", out);
	}
	return 0;
}

/* The compressor of a kernel payload by its magic, for messages. */
static const char *payload_format(const unsigned char *p, size_t n)
{
	static const struct { const char *name; unsigned char magic[6]; size_t len; } f[] = {
		{ "gzip", { 0x1f, 0x8b }, 2 }, { "xz", { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6 },
		{ "lzma", { 0x5d, 0, 0 }, 3 }, { "bzip2", { 'B', 'Z', 'h' }, 3 },
		{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 }, { "lz4", { 0x02, 0x21, 0x4c, 0x18 }, 4 },
		{ "lzo", { 0x89, 'L', 'Z', 'O' }, 4 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(f); i++)
		if (n >= f[i].len && !memcmp(p, f[i].magic, f[i].len))
			return f[i].name;
	return "an unknown format";
}

/* Decompresses data[0..n) (gzip, xz or lzma) into *out. */
static int decompress(const char *data, size_t n, char **out, size_t *out_len, char **cause)
{
	struct archive *a = archive_read_new();
	if (!a)
		return err_set(cause, "vmlinux: libarchive: out of memory");
	/* Not _all: the static isolab-agent links this too, and only zlib and
	 * liblzma are there to link statically. */
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_format_raw(a);
	struct archive_entry *e;
	int rc = -1;
	size_t cap = 0, len = 0;
	char *buf = NULL;
	if (archive_read_open_memory(a, data, n) != ARCHIVE_OK || archive_read_next_header(a, &e) != ARCHIVE_OK) {
		err_set(cause, "vmlinux: the payload is compressed with %s; isolab reads gzip, xz and lzma kernels — "
			       "give the runtime option kernel an uncompressed vmlinux instead (the kernel's "
			       "scripts/extract-vmlinux makes one)",
		    payload_format((const unsigned char *)data, n));
		goto out;
	}
	if (archive_filter_count(a) < 2) {
		err_set(cause, "vmlinux: the payload is compressed with %s; isolab reads gzip, xz and lzma kernels — "
			       "give the runtime option kernel an uncompressed vmlinux instead",
		    payload_format((const unsigned char *)data, n));
		goto out;
	}
	for (;;) {
		if (cap - len < 1 << 20) {
			cap = cap ? cap * 2 : 32u << 20;
			if (cap > VMLINUX_MAX) {
				err_set(cause, "vmlinux: the kernel decompresses to more than %zu MiB", VMLINUX_MAX >> 20);
				goto out;
			}
			buf = xrealloc(buf, cap);
		}
		la_ssize_t r = archive_read_data(a, buf + len, cap - len);
		if (r == 0)
			break;
		if (r < 0) {
			err_set(cause, "vmlinux: decompressing: %s", archive_error_string(a));
			goto out;
		}
		len += (size_t)r;
	}
	*out = buf;
	*out_len = len;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	archive_read_free(a);
	return rc;
}

int vmlinux_extract(const char *bzimage, const char *out, char **cause)
{
	size_t n = 0;
	_cleanup_free_ char *img = read_file(bzimage, &n);
	if (!img)
		return err_errno(cause, "vmlinux: cannot read %s", bzimage);
	if (is_elf(img, n))
		return write_out(out, img, n, cause);
	const unsigned char *u = (const unsigned char *)img;
	if (n < 0x250 || memcmp(img + 0x202, "HdrS", 4))
		return err_set(cause, "vmlinux: %s is neither an ELF vmlinux nor a bzImage (no HdrS setup header)", bzimage);
	unsigned version = (unsigned)u[0x206] | (unsigned)u[0x207] << 8;
	if (version < 0x0208)
		return err_set(cause, "vmlinux: %s uses boot protocol %u.%02u, before payload fields (2.08)", bzimage,
		    version >> 8, version & 0xff);
	size_t setup = (size_t)(u[0x1f1] ? u[0x1f1] : 4) + 1;
	size_t off = setup * 512 + le32(u + 0x248), plen = le32(u + 0x24c);
	if (off >= n || plen > n - off || plen == 0)
		return err_set(cause, "vmlinux: %s: payload (offset %zu, %zu bytes) lies outside the %zu-byte image", bzimage,
		    off, plen, n);
	static const unsigned char gzip_magic[] = { 0x1f, 0x8b };
	if (plen > 8 && memcmp(u + off, gzip_magic, 2) && le32(u + off + plen - 4) > plen)
		plen -= 4;
	_cleanup_free_ char *elf = NULL;
	size_t elen = 0;
	if (decompress(img + off, plen, &elf, &elen, cause) < 0)
		return err_wrap(cause, "%s", bzimage);
	if (!is_elf(elf, elen))
		return err_set(cause, "vmlinux: %s: the decompressed payload is not an ELF image", bzimage);
	return write_out(out, elf, elen, cause);
}

char *vmlinux_get(const char *bzimage, char **cause)
{
	struct stat st;
	if (stat(bzimage, &st) < 0) {
		err_errno(cause, "vmlinux: %s", bzimage);
		return NULL;
	}
	struct cache_key k;
	cache_key_init(&k);
	_cleanup_free_ char *key = xasprintf("%s|%lld|%lld", bzimage, (long long)st.st_size, (long long)st.st_mtime);
	cache_key_add(&k, key, strlen(key));
	char *path = cache_entry("vmlinux", "", &k, "", cause);
	if (!path || access(path, R_OK) == 0)
		return path;
	if (vmlinux_extract(bzimage, path, cause) < 0) {
		free(path);
		return NULL;
	}
	return path;
}

/* XEN_ELFNOTE_PHYS32_ENTRY (xen/include/public/elfnote.h). */
#define PVH_NOTE_TYPE 18

int vmlinux_has_pvh(const char *path, char **why)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*why = xasprintf("%s: %s", path, strerror(errno));
		return 0;
	}
	Elf64_Ehdr eh;
	int found = 0;
	if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh || !is_elf((const char *)&eh, sizeof eh) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 64) {
		*why = xasprintf("%s is not a 64-bit ELF kernel", path);
		close(fd);
		return 0;
	}
	for (unsigned i = 0; i < eh.e_phnum && !found; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (uint64_t)i * sizeof ph)) != (ssize_t)sizeof ph)
			break;
		if (ph.p_type != PT_NOTE || ph.p_filesz == 0 || ph.p_filesz > (1u << 20))
			continue;
		_cleanup_free_ unsigned char *buf = xmalloc(ph.p_filesz);
		if (pread(fd, buf, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz)
			break;
		/* Notes: namesz, descsz, type, then name and desc, each 4-aligned. */
		for (size_t off = 0; off + 12 <= ph.p_filesz && !found;) {
			uint32_t namesz = le32(buf + off), descsz = le32(buf + off + 4), type = le32(buf + off + 8);
			size_t name = off + 12, next = name + ((namesz + 3u) & ~3u) + ((descsz + 3u) & ~3u);
			if (namesz > ph.p_filesz || descsz > ph.p_filesz || next > ph.p_filesz || next <= off)
				break;
			found = type == PVH_NOTE_TYPE && namesz == 4 && !memcmp(buf + name, "Xen", 4);
			off = next;
		}
	}
	close(fd);
	if (!found)
		*why = xasprintf("%s has no PVH entry point (a kernel built without CONFIG_PVH)", path);
	return found;
}

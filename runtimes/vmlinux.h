/*
 * vmlinux.h — the uncompressed ELF kernel inside a bzImage, for VMMs that
 * load only an ELF vmlinux (Firecracker on x86_64).
 *
 * Why not the kernel's scripts/extract-vmlinux: it is a shell script that
 * greps the image for each compressor's magic and pipes every candidate
 * through gunzip, unxz, ... ; it ships only with linux-headers, which a
 * guest kernel fetched with `isolab fetch-kernel` does not have. The
 * bzImage's own setup header says exactly where the compressed payload is
 * (payload_offset and payload_length, boot protocol 2.08 and later), and
 * libarchive, already isolab's, decompresses it as a raw stream: gzip, xz
 * (Debian's kernels) and lzma, the formats whose libraries the static
 * isolab-agent can link (liblzma is libarchive's own dependency). A zstd,
 * lz4, lzo or bzip2 kernel is refused with its format named; the option
 * `kernel` then takes an uncompressed vmlinux. No magic scanning, no shell.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_VMLINUX_H
#define ISOLAB_VMLINUX_H

/* Writes the ELF vmlinux of bzimage to out (created 0644, replaced). A
 * file that already is an ELF image is copied as is. */
int vmlinux_extract(const char *bzimage, const char *out, char **cause);
/* The vmlinux of bzimage in isolab's cache (<cache>/vmlinux/<hash>),
 * extracted once per image (keyed by path, size and mtime); malloc'd path. */
char *vmlinux_get(const char *bzimage, char **cause);
/* 1 when path is a 64-bit ELF kernel with a PVH entry point (the Xen
 * note PHYS32_ENTRY, CONFIG_PVH), which QEMU boots directly as -kernel;
 * 0 when not, or unreadable (*why says which; malloc'd). Reads only the
 * headers and notes. */
int vmlinux_has_pvh(const char *path, char **why);

#endif

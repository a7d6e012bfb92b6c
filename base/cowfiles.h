/*
 * cowfiles.h — the file set of a "cow" rootfs (runtimes/rootfs.c lays it
 * out in the image as /isolab-files/f0000..f1023) and of the probe's
 * rewrite bench, which lays out the same where an image has none. One
 * definition, so that both measure the same copies.
 */
#ifndef ISOLAB_COWFILES_H
#define ISOLAB_COWFILES_H

#define COW_FILES 1024
#define COW_FILE_SIZE (32u << 10)

#endif

/*
 * conffile.h — libconfig files read without trusting them: the bytes are
 * checked, @include is resolved by isolab, and the syntax is checked before
 * libconfig sees the text, so that libconfig's scanner and parser only ever
 * run on text they accept (see conffile.c for why).
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_CONFFILE_H
#define ISOLAB_CONFFILE_H

#include <libconfig.h>
#include <stddef.h>

/* The largest configuration text read at once, @include'd files included. */
#define CONFFILE_MAX_BYTES (4u << 20)
/* How deep @include may nest (libconfig's own limit). */
#define CONFFILE_MAX_INCLUDE_DEPTH 10
/* How deep groups, lists and arrays may nest inside each other. */
#define CONFFILE_MAX_NESTING 64

struct conffile;

/* Reads the libconfig file path into lc (config_init'ed by the caller),
 * from text[0..len) when text is not NULL (named path all the same), else
 * from the file. Relative @include names are relative to the directory of
 * the file that holds them. Afterwards every setting of lc carries its own
 * file and line (config_setting_source_file/_line): path or an included
 * file's name, as it was opened. Returns the owner of those names, to free
 * with conffile_free after config_destroy(lc); NULL with a one-line cause,
 * "file:line: what" or "file: what", and errno ENOENT when path itself
 * does not exist. */
struct conffile *conffile_read(config_t *lc, const char *path, const char *text, size_t len,
    char **cause);
void conffile_free(struct conffile *cf);

#endif

/*
 * util.h — the error contract, allocation wrappers and cleanup helpers
 * shared by every module of isolab.
 *
 * Error contract (the whole tree follows it):
 *   - A function that can fail returns -1 (or NULL) and, when its caller
 *     passed a non-NULL `char **cause`, stores there a malloc'd one-line
 *     message without a trailing newline. The caller owns and frees it.
 *   - On success *cause is left untouched.
 *   - Callers add context with err_wrap(), e.g. "runc: create: <cause>".
 *   - Library code (base/, runtimes/, engine/) never prints and never
 *     exits; only the CLI and the TUI decide what to show.
 *
 * Allocation: x*alloc never return NULL. On exhaustion they call the fatal
 * hook (the TUI installs one that restores the terminal) and abort.
 */
#ifndef ISOLAB_UTIL_H
#define ISOLAB_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* s as it may be quoted in a one-line message: control bytes as '?', cut
 * after max bytes (on a UTF-8 character boundary) with "..."; malloc'd. */
char *err_quote(const char *s, size_t max);
/* Sets *cause (if cause != NULL) to a formatted message; always returns -1. */
int err_set(char **cause, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like err_set, appending ": strerror(errno)". Returns -1. */
int err_errno(char **cause, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefixes an existing *cause with formatted context. Returns -1. */
int err_wrap(char **cause, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Called before abort() on allocation failure; NULL restores the default. */
void xalloc_set_fatal_hook(void (*hook)(void));
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows an array of nmemb elements of size bytes; aborts on overflow. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a malloc'd formatted string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Frees a NULL-terminated array of malloc'd strings and the array (NULL: nothing). */
void strv_free(char **v);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t mono_ns(void);
/* CLOCK_REALTIME in nanoseconds. */
uint64_t real_ns(void);

/* Reads a whole small file (procfs, sysfs) into a malloc'd NUL-terminated
 * buffer; returns NULL with errno set on failure. *len gets the length. */
char *read_file(const char *path, size_t *len);
/* This process's CPU time so far (user + system, ms) and resident set (kB). */
void self_usage(double *cpu_ms, unsigned long long *rss_kb);
/* Same, relative to a directory fd (openat). */
char *read_file_at(int dirfd, const char *path, size_t *len);
/* Reads fd to its end the same way; past max bytes (0: no limit) NULL
 * with errno EFBIG. */
char *read_fd(int fd, size_t max, size_t *len);
/* Writes a string to a file (procfs, cgroupfs), O_WRONLY without O_CREAT
 * unless create != 0. Returns 0 or -1 with errno set. */
int write_file(const char *path, const char *s, int create);
/* The path of name in the directory of the running program
 * (/proc/self/exe), malloc'd, when access(path, mode) allows; else NULL. */
char *path_beside_self(const char *name, int mode);
/* Frees a NULL-terminated array of malloc'd strings and the array; NULL is fine. */
void argv_free(char **argv);
/* mkdir -p with mode; returns 0 or -1 with errno set. */
int mkdir_p(const char *path, unsigned mode);
/* rm -rf that never crosses a mount point; returns 0 or -1 (errno). */
int rm_rf(const char *path);
/* The space path takes on its file system: the allocated blocks of it and,
 * for a directory, of everything under it that is not behind a mount point
 * (du -sx; sparse files count what they hold). 0, or -1 with errno. */
int disk_usage(const char *path, unsigned long long *bytes);

/* Cleanup attributes: `_cleanup_free_ char *s = NULL;` */
static inline void cleanup_freep(void *p) { free(*(void **)p); }
void cleanup_closep(int *fd);
#define _cleanup_free_ __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_ __attribute__((cleanup(cleanup_closep)))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif

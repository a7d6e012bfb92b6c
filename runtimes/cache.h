/*
 * cache.h — isolab's cache of what it builds from content: root file
 * systems, initramfs archives, vmlinux images, KVM verdicts, fetched guest
 * kernels. The directory is $ISOLAB_CACHE, else /var/cache/isolab as root,
 * else $XDG_CACHE_HOME/isolab or ~/.cache/isolab.
 *
 * An entry is named by a 64-bit FNV-1a hash of everything that goes into
 * it (struct cache_key), so a changed input makes a new entry and an
 * unchanged one is reused. cache_build builds an entry under a temporary
 * name beside it and renames it into place: concurrent builders and a
 * crash never leave a half-built entry behind the final name.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_CACHE_H
#define ISOLAB_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct cache_key {
	uint64_t h;
};

void cache_key_init(struct cache_key *k);
/* Adds n bytes. */
void cache_key_add(struct cache_key *k, const void *p, size_t n);
/* Adds s with its terminating NUL, so "ab","c" and "a","bc" differ. */
void cache_key_str(struct cache_key *k, const char *s);
/* Adds the contents of the file at path; -1 with errno when unreadable. */
int cache_key_file(struct cache_key *k, const char *path);

/* isolab's cache directory (created); malloc'd. */
char *cache_dir(char **cause);
/* <cache>/<sub> (created); malloc'd. */
char *cache_subdir(const char *sub, char **cause);
/* <cache>/<sub>/<prefix><16 hex digits of k><suffix>, <cache>/<sub>
 * created; malloc'd. Nothing is built. */
char *cache_entry(const char *sub, const char *prefix, const struct cache_key *k, const char *suffix,
    char **cause);
/* Makes sure the entry at path exists: when it does not, build(tmp, arg,
 * cause) fills tmp (a new empty directory when dir is set, else an empty
 * file, both beside path) and tmp is renamed to path. Another builder's
 * entry that got there first is as good as ours. Returns 0 or -1. */
int cache_build(const char *path, int dir, int (*build)(const char *tmp, void *arg, char **cause), void *arg,
    char **cause);

#endif

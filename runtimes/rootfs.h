/*
 * rootfs.h — root file systems that instances run in. Nothing is downloaded.
 *
 *   minimal: /isolab-probe (static) and, when busybox-static is installed,
 *            /bin/busybox with its applet links, plus /proc /sys /dev /tmp
 *            /etc (passwd, group, hosts, resolv.conf) skeletons.
 *   host:    a skeleton with empty mount points for /usr /lib /lib64 /bin
 *            /sbin /etc that drivers bind-mount read-only from the host (the
 *            list is rootfs_host_binds()), so host programs run inside, plus
 *            the probe at /isolab-probe.
 *   cow:     minimal, plus /isolab-files/f0000..f1023 (32 KiB each) for the
 *            rewrite workload: files of the image that a copy-on-write
 *            root copies up at their first write. Drivers make it writable.
 * Built directories are cached by content (cache.h) in
 * rootfs/<kind>-<hash of the inputs>/.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_ROOTFS_H
#define ISOLAB_ROOTFS_H

#include <stddef.h>

/* Returns a malloc'd path to a ready rootfs of kind ("minimal", "host" or "cow")
 * containing probe_path as /isolab-probe. */
char *rootfs_get(const char *kind, const char *probe_path, char **cause);
/* Host directories to bind read-only into a "host" rootfs, NULL-terminated
 * (only those that exist on this host). */
const char *const *rootfs_host_binds(void);

#endif

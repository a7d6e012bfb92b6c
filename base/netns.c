/*
 * netns.c — a network namespace and veth pair per instance, through `ip`.
 *
 * `ip netns add` is used rather than unshare in the sandbox itself because
 * a named namespace outlives a crash of isolab in a findable place
 * (/run/netns/<name>), which is what lets `isolab cleanup` reap it, and
 * because other drivers (OCI bundles, docker --network container:) can join
 * it by path. Each `ip` call costs a fork and exec; it happens in prepare,
 * which is outside the measured start-up time.
 */
#include "netns.h"
#include "exec.h"
#include "resources.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <net/if.h>
#include <unistd.h>

#define NETNS_DIR "/run/netns"
#define SLOTS 16384u /* /30s in 10.213.0.0/16 */

struct netns {
	char name[32];
	char path[64];
	char host_if[IF_NAMESIZE];
	char inst_if[IF_NAMESIZE];
	char addr[20];
	char host_addr[20];
	int made_ns, made_link, rec_link;
};

const char *netns_path(const struct netns *ns) { return ns->path; }
const char *netns_name(const struct netns *ns) { return ns->name; }
const char *netns_addr(const struct netns *ns) { return ns->addr; }
const char *netns_host_if(const struct netns *ns) { return ns->host_if; }
const char *netns_host_addr(const struct netns *ns) { return ns->host_addr; }
int netns_prefix(const struct netns *ns) { (void)ns; return 30; }

/* Runs `ip ARGS...`; on failure the cause carries ip's last output line. */
static int ip(char **cause, const char *const *args)
{
	char *argv[16];
	size_t n = 0;
	argv[n++] = (char *)"ip";
	for (; *args && n < ARRAY_SIZE(argv) - 1; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	char *out = NULL;
	int status = 0;
	if (exec_run(argv, NULL, 10000, &out, 2048, &status, cause) < 0)
		return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		free(out);
		return 0;
	}
	size_t len = out ? strlen(out) : 0;
	while (len && out[len - 1] == '\n')
		out[--len] = '\0';
	char *last = out ? strrchr(out, '\n') : NULL;
	char cmd[256] = "";
	for (size_t i = 1; argv[i]; i++) {
		size_t l = strlen(cmd);
		snprintf(cmd + l, sizeof cmd - l, "%s%s", i > 1 ? " " : "", argv[i]);
	}
	err_set(cause, "ip %s: %s", cmd, last ? last + 1 : out && *out ? out : "failed");
	free(out);
	return -1;
}

static unsigned slot_hash(const char *run_id, int inst)
{
	uint32_t h = 2166136261u;
	for (const char *s = run_id; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	h = (h ^ (uint32_t)inst) * 16777619u;
	return h % SLOTS;
}

static void slot_fill(struct netns *ns, unsigned slot)
{
	unsigned base = slot * 4;
	snprintf(ns->name, sizeof ns->name, "isolab-%u", slot);
	snprintf(ns->path, sizeof ns->path, NETNS_DIR "/%s", ns->name);
	snprintf(ns->host_if, sizeof ns->host_if, "isolab%uh", slot);
	snprintf(ns->inst_if, sizeof ns->inst_if, "isolab%uc", slot);
	snprintf(ns->host_addr, sizeof ns->host_addr, "10.213.%u.%u", base >> 8, (base & 255) + 1);
	snprintf(ns->addr, sizeof ns->addr, "10.213.%u.%u", base >> 8, (base & 255) + 2);
}

static int slot_busy(const struct netns *ns)
{
	struct stat st;
	return if_nametoindex(ns->host_if) != 0 || lstat(ns->path, &st) == 0;
}

struct netns *netns_create(struct resources *res, const char *run_id, int inst, char **cause)
{
	struct netns *ns = xcalloc(1, sizeof *ns);
	unsigned start = slot_hash(run_id, inst);
	int found = 0;
	for (unsigned i = 0; i < 64 && !found; i++) {
		slot_fill(ns, (start + i) % SLOTS);
		if (slot_busy(ns))
			continue;
		if (res && resources_add(res, "netns", ns->name, NULL, cause) < 0)
			goto fail;
		const char *add[] = { "netns", "add", ns->name, NULL };
		char *c = NULL;
		if (ip(&c, add) == 0) {
			ns->made_ns = 1;
			found = 1;
			free(c);
			break;
		}
		if (res)
			resources_done(res, "netns", ns->name, NULL);
		/* Lost a race for the slot to another run: try the next. */
		if (!slot_busy(ns)) {
			if (cause)
				*cause = c;
			else
				free(c);
			goto fail;
		}
		free(c);
	}
	if (!found) {
		err_set(cause, "no free network slot in 10.213.0.0/16 near slot %u", start);
		goto fail;
	}
	if (res && resources_add(res, "veth", ns->host_if, ns->name, cause) < 0)
		goto fail;
	ns->rec_link = res != NULL;
	const char *link[] = { "link", "add", ns->host_if, "type", "veth", "peer", "name", ns->inst_if,
		"netns", ns->name, NULL };
	if (ip(cause, link) < 0)
		goto fail;
	ns->made_link = 1;
	char host_cidr[32], inst_cidr[32];
	snprintf(host_cidr, sizeof host_cidr, "%s/30", ns->host_addr);
	snprintf(inst_cidr, sizeof inst_cidr, "%s/30", ns->addr);
	const char *steps[][10] = {
		{ "addr", "add", host_cidr, "dev", ns->host_if, NULL },
		{ "link", "set", ns->host_if, "up", NULL },
		{ "-n", ns->name, "link", "set", ns->inst_if, "name", "eth0", NULL },
		{ "-n", ns->name, "addr", "add", inst_cidr, "dev", "eth0", NULL },
		{ "-n", ns->name, "link", "set", "eth0", "up", NULL },
		{ "-n", ns->name, "link", "set", "lo", "up", NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
		if (ip(cause, steps[i]) < 0)
			goto fail;
	return ns;
fail:
	netns_destroy(ns, res, NULL);
	return NULL;
}

const char *netns_add_tap(struct netns *ns, char **cause)
{
	char inst_cidr[32];
	snprintf(inst_cidr, sizeof inst_cidr, "%s/30", ns->addr);
	const char *steps[][10] = {
		{ "-n", ns->name, "link", "add", "br0", "type", "bridge", NULL },
		{ "-n", ns->name, "tuntap", "add", "dev", "tap0", "mode", "tap", NULL },
		{ "-n", ns->name, "addr", "del", inst_cidr, "dev", "eth0", NULL },
		{ "-n", ns->name, "link", "set", "eth0", "master", "br0", NULL },
		{ "-n", ns->name, "link", "set", "tap0", "master", "br0", NULL },
		{ "-n", ns->name, "link", "set", "tap0", "up", NULL },
		{ "-n", ns->name, "link", "set", "br0", "up", NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
		if (ip(cause, steps[i]) < 0)
			return NULL;
	return "tap0";
}

int netns_link_delete(const char *ifname, char **cause)
{
	if (!if_nametoindex(ifname))
		return 0;
	const char *del[] = { "link", "delete", ifname, NULL };
	char *why = NULL;
	if (ip(cause ? &why : NULL, del) < 0 && if_nametoindex(ifname)) {
		if (cause)
			*cause = why;
		return -1;
	}
	/* Gone meanwhile (a veth goes with its peer's namespace): done, and
	 * ip's complaint about it is no one's. */
	free(why);
	return 0;
}

int netns_delete(const char *name, char **cause)
{
	if (!name || !*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return err_set(cause, "invalid network namespace name '%s'", name ? name : "");
	_cleanup_free_ char *p = xasprintf(NETNS_DIR "/%s", name);
	/* What `ip netns delete` does: the namespace dies with its last user
	 * once the bind mount that pins it is gone. */
	if (umount2(p, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return err_errno(cause, "cannot unmount %s", p);
	if (unlink(p) < 0 && errno != ENOENT)
		return err_errno(cause, "cannot remove %s", p);
	return 0;
}

int netns_destroy(struct netns *ns, struct resources *res, char **cause)
{
	if (!ns)
		return 0;
	int rc = 0;
	if (ns->made_link || ns->rec_link) {
		if (netns_link_delete(ns->host_if, cause) < 0)
			rc = -1;
		else if (res && ns->rec_link)
			resources_done(res, "veth", ns->host_if, ns->name);
	}
	if (ns->made_ns) {
		if (netns_delete(ns->name, rc < 0 ? NULL : cause) < 0)
			rc = -1;
		else if (res)
			resources_done(res, "netns", ns->name, NULL);
	}
	free(ns);
	return rc;
}

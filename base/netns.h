/*
 * netns.h — the `bridge` network mode: a network namespace per instance,
 * joined to the host by a veth pair with a /30 of its own out of
 * 10.213.0.0/16 (host end .1, instance end .2 of the slot).
 *
 * Names: the namespace is /run/netns/isolab-<slot>, the host end of the
 * pair isolab<slot>h, the instance end isolab<slot>c (renamed eth0
 * inside). A slot is free when its host interface does not exist; slots are
 * tried from a hash of the run id and instance, so concurrent runs rarely
 * collide and, when they do, creation fails with EEXIST and the next slot
 * is tried. The instance gets no default route: it reaches the host end and
 * nothing else.
 *
 * Everything is recorded in the resource journal (kinds netns and veth)
 * before it is created. The work is done by `ip` (iproute2) through argv.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_NETNS_H
#define ISOLAB_NETNS_H

struct resources;
struct netns;

/* Creates the namespace and veth pair for instance inst of run_id,
 * recording both in res (may be NULL) first. */
struct netns *netns_create(struct resources *res, const char *run_id, int inst, char **cause);
/* /run/netns/<name>: open it and setns(CLONE_NEWNET) to enter. Owned by ns. */
const char *netns_path(const struct netns *ns);
/* The namespace name ("isolab-<slot>"). Owned by ns. */
const char *netns_name(const struct netns *ns);
/* The instance's address (what the host connects to). Owned by ns. */
const char *netns_addr(const struct netns *ns);
/* The host end's interface name. Owned by ns. */
const char *netns_host_if(const struct netns *ns);
/* The host end's address (the instance's gateway). Owned by ns. */
const char *netns_host_addr(const struct netns *ns);
/* The prefix length of the instance's link (30). */
int netns_prefix(const struct netns *ns);

/* For a VM on the instance's link: makes a bridge br0 in the namespace,
 * puts eth0 (the veth's inside end) and a new persistent tap device on it,
 * and takes eth0's address off, since the guest behind the tap holds it.
 * The host then reaches netns_addr() over veth, bridge and tap. Returns
 * the tap's name ("tap0", inside the namespace: open it from there). Both
 * devices go with the namespace in netns_destroy. */
const char *netns_add_tap(struct netns *ns, char **cause);
/* Deletes the pair and the namespace, marks them done in res, frees ns. */
int netns_destroy(struct netns *ns, struct resources *res, char **cause);

/* Reapers for the journal: delete a named namespace (unmount and unlink
 * /run/netns/<name>) or a link by name. Both succeed when it is gone. */
int netns_delete(const char *name, char **cause);
int netns_link_delete(const char *ifname, char **cause);

#endif

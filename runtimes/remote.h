/*
 * remote.h — runtimes on other hosts: `RUNTIME@HOST` names, resolved to a
 * runtime of the proxy driver `remote` (runtimes/remote.c), and the
 * process-wide settings the CLI gives the transport (default host, prompts).
 *
 * HOST is a host defined in the configuration (hosts = { lab1 = { ... } }),
 * an alias in ~/.ssh/config, or [user@]address[:port]. `@local` and no
 * suffix mean this machine. A synthesized runtime's name is the qualified
 * one ("gvisor@lab1"); its journal records carry the runtime's own name
 * ("gvisor") and the host ("lab1"), so reports compare per host.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_REMOTE_H
#define ISOLAB_REMOTE_H

#include "config.h"

struct ssh_prompts;

/* The runtime named name: a configured one for local names (owned by cfg,
 * *owned = NULL), or for RUNTIME@HOST (and for every name while a default
 * host is set) a new runtime of driver "remote" stored in *owned too, which
 * the caller frees with remote_runtime_free. NULL with a cause when the
 * runtime or the host is unknown. Never connects. */
const struct runtime_conf *remote_resolve(const struct config *cfg, const char *name,
    struct runtime_conf **owned, char **cause);
void remote_runtime_free(struct runtime_conf *rt);
/* The host an instance of rt runs on: "local" or the host's name. Static or owned by rt. */
const char *runtime_host(const struct runtime_conf *rt);
/* rt's own name without the host ("gvisor" for "gvisor@lab1"). Owned by rt. */
const char *runtime_base_name(const struct runtime_conf *rt);

/* Runs every runtime without an explicit host on spec ([user@]host[:port]
 * or a configured host name); NULL or "local" undoes it. Copied. */
void remote_set_default_host(const char *spec);
/* How host keys and passwords are asked; copied. NULL: refuse unknown keys,
 * never ask for a password. */
void remote_set_prompts(const struct ssh_prompts *p);
/* The prompts set last (all NULL and 0 when none were). */
void remote_get_prompts(struct ssh_prompts *p);

#endif

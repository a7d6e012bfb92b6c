/* registry.c — the one static array of drivers, and what every driver shares. */
#include "config.h"
#include "resources.h"
#include "runtime.h"
#include "util.h"

#include <string.h>

extern const struct driver driver_sandbox;
extern const struct driver driver_oci;
extern const struct driver driver_docker;
extern const struct driver driver_qemu;
extern const struct driver driver_lxc;
extern const struct driver driver_firecracker;
extern const struct driver driver_kata;

static const struct driver *const drivers[] = {
	&driver_native,
	&driver_sandbox,
	&driver_oci,
	&driver_docker,
	&driver_qemu,
	&driver_lxc,
	&driver_firecracker,
	&driver_kata,
	NULL,
};

const struct driver *const *driver_all(void) { return drivers; }

const struct driver *driver_find(const char *name)
{
	for (size_t i = 0; drivers[i]; i++)
		if (!strcmp(drivers[i]->name, name))
			return drivers[i];
	return NULL;
}

const struct resource_reaper *driver_reaper(const char *kind)
{
	for (size_t i = 0; drivers[i]; i++)
		for (const struct resource_reaper *r = drivers[i]->reapers; r && r->kind; r++)
			if (!strcmp(r->kind, kind))
				return r;
	return NULL;
}

void runtime_probe(const struct runtime_conf *rt, struct driver_status *st)
{
	memset(st, 0, sizeof *st);
	const struct driver *d = driver_find(rt->driver);
	if (!d) {
		st->reason = xasprintf("unknown driver '%s' (runtime defined at %s:%d)", rt->driver,
		    rt->origin.file ? rt->origin.file : "?", rt->origin.line);
		st->fix = xstrdup("see 'isolab list runtimes' for the drivers this build has");
		return;
	}
	d->probe(rt, st);
}

void driver_status_free(struct driver_status *st)
{
	free(st->version);
	free(st->reason);
	free(st->fix);
	memset(st, 0, sizeof *st);
}

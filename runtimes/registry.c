/* registry.c — the one static array of drivers, and what every driver shares. */
#include "config.h"
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
/* The proxy for RUNTIME@HOST (runtimes/remote.c; driver_find(name) proxy)
 * is found by name but not listed: it is not a kind of isolation. Weak, so
 * the static isolab-agent links every driver but this one (and no libssh). */
extern const struct driver driver_remote __attribute__((weak));

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
	if (&driver_remote && !strcmp(name, driver_remote.name))
		return &driver_remote;
	for (size_t i = 0; drivers[i]; i++)
		if (!strcmp(drivers[i]->name, name))
			return drivers[i];
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

unsigned limits_requested(const struct limits *l)
{
	unsigned m = 0;
	if (!l)
		return 0;
	if (l->cpus > 0)
		m |= LIMIT_CPUS;
	if (l->cpuset && *l->cpuset)
		m |= LIMIT_CPUSET;
	if (l->weight)
		m |= LIMIT_WEIGHT;
	if (l->mem_hard)
		m |= LIMIT_MEM_HARD;
	if (l->mem_soft)
		m |= LIMIT_MEM_SOFT;
	if (l->pids)
		m |= LIMIT_PIDS;
	return m;
}

const char *limit_name(unsigned mask)
{
	static const char *const names[] = { "cpus", "cpuset", "weight", "memory", "memory_soft", "pids" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (mask & (1u << i))
			return names[i];
	return "none";
}

/* ---- options ------------------------------------------------------------- */

const struct option_decl *driver_option(const struct driver *d, const char *name)
{
	for (const struct option_decl *o = d->options; o && o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

/* "binary, platform, network" (the declared names). */
static char *option_names(const struct driver *d)
{
	size_t len = 1;
	for (const struct option_decl *o = d->options; o && o->name; o++)
		len += strlen(o->name) + 2;
	char *s = xmalloc(len);
	s[0] = '\0';
	for (const struct option_decl *o = d->options; o && o->name; o++) {
		if (o != d->options)
			strcat(s, ", ");
		strcat(s, o->name);
	}
	return s;
}

/* A message stays one printable line whatever the value it quotes. */
static char *one_line(char *msg)
{
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return msg;
}

size_t runtimes_check_options(const struct config *cfg, char ***errors)
{
	char **v = NULL;
	size_t n = 0;
	for (size_t i = 0; i < cfg->nruntimes; i++) {
		const struct runtime_conf *rt = &cfg->runtimes[i];
		const struct driver *d = driver_find(rt->driver);
		if (!d)
			continue;
		for (size_t k = 0; k < rt->noptions; k++) {
			const struct kv *o = &rt->options[k];
			const struct option_decl *decl = driver_option(d, o->key);
			const char *file = o->origin.file ? o->origin.file : rt->origin.file ? rt->origin.file : "?";
			int line = o->origin.file ? o->origin.line : rt->origin.line;
			char *msg = NULL, *why = NULL;
			if (!decl && !d->options) {
				msg = xasprintf("%s:%d: runtimes.%s.options.%s: expected no options (driver %s reads none), "
				    "got one", file, line, rt->name, o->key, d->name);
			} else if (!decl) {
				_cleanup_free_ char *known = option_names(d);
				msg = xasprintf("%s:%d: runtimes.%s.options.%s: expected one of the options of driver %s "
				    "(%s), got an unknown option", file, line, rt->name, o->key, d->name, known);
			} else if (value_check(&decl->spec, o->value, NULL, &why) < 0) {
				msg = xasprintf("%s:%d: runtimes.%s.options.%s: %s", file, line, rt->name, o->key, why);
				free(why);
			}
			if (!msg)
				continue;
			v = xreallocarray(v, n + 1, sizeof *v);
			v[n++] = one_line(msg);
		}
	}
	*errors = v;
	return n;
}


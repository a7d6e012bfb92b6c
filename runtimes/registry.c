/* registry.c — the one static array of drivers, and what every driver shares. */
#include "config.h"
#include "resources.h"
#include "runtime.h"
#include "util.h"

#include <string.h>
#include <unistd.h>

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

/* ---- networks ------------------------------------------------------------ */

static const char *const networks[] = { "none", "host", "bridge", NULL };

char *runtime_network_refusal(const struct runtime_conf *rt, const char *net, int serve)
{
	const struct driver *d = driver_find(rt->driver);
	if (!d)
		return NULL; /* runtime_probe says the driver is unknown */
	if (!d->network_refusal)
		return serve && !strcmp(net, "none") ? xstrdup(NET_NONE_UNREACHABLE) : NULL;
	char *why = d->network_refusal(rt, net, 0);
	if (!why && serve)
		why = d->network_refusal(rt, net, 1);
	return why;
}

/* "use network host or bridge" for rt, or "run WHAT without RT". */
static char *network_fix(const struct runtime_conf *rt, const char *skip, int serve, const char *what)
{
	char *fix = NULL;
	for (size_t i = 0; networks[i]; i++) {
		if (!strcmp(networks[i], skip))
			continue;
		char *r = runtime_network_refusal(rt, networks[i], serve);
		if (r) {
			free(r);
			continue;
		}
		char *next = fix ? xasprintf("%s or %s", fix, networks[i]) : xasprintf("use network %s", networks[i]);
		free(fix);
		fix = next;
	}
	return fix ? fix : xasprintf("run %s without %s", what, rt->name);
}

/* The first workload of the run that serves a program on the host, or NULL. */
static const char *serving_workload(const struct config *cfg, const struct experiment *exp)
{
	for (size_t i = 0; exp->workloads && exp->workloads[i]; i++) {
		const struct workload *wl = config_workload(cfg, exp->workloads[i]);
		if (wl && workload_serves_host(wl))
			return wl->name;
	}
	for (size_t i = 0; i < exp->nneighbours; i++) {
		const struct workload *wl = config_workload(cfg, exp->neighbours[i].workload);
		if (wl && workload_serves_host(wl))
			return wl->name;
	}
	return NULL;
}

/* Why rt, run on host (NULL or "local": this machine), cannot have net or
 * be reached on it. On another host the load generator runs on this
 * machine and connects to the host's address, where only a server on the
 * host's own network listens (or a native one). */
static char *placed_refusal(const struct runtime_conf *rt, const char *host, const char *net, int serve)
{
	if (host && strcmp(host, "local")) {
		if (serve && strcmp(net, "host") && strcmp(rt->driver, "native"))
			return xasprintf("the load generator runs on this machine and connects to %s's address, which "
			    "reaches a server in %s on network host only", host, rt->name);
		return runtime_network_refusal(rt, net, 0);
	}
	return runtime_network_refusal(rt, net, serve);
}

/* The first runtime that refuses net (serving when server), with why. */
static const struct runtime_conf *first_refusal(const struct runtime_conf *const *rts, const char *const *hosts,
    size_t nrt, const char *net, int serve, char **why)
{
	for (size_t t = 0; t < nrt; t++)
		if ((*why = placed_refusal(rts[t], hosts ? hosts[t] : NULL, net, serve)))
			return rts[t];
	return NULL;
}

int runtimes_plan_network(const struct config *cfg, const struct experiment *exp,
    const struct runtime_conf *const *rts, const char *const *hosts, size_t nrt, const char **net, char **why, char **cause)
{
	const char *server = serving_workload(cfg, exp);
	const char *want = exp->network && strcmp(exp->network, "auto") ? exp->network : NULL;
	char *r = NULL;

	if (why)
		*why = NULL;
	if (want) {
		size_t i = 0;
		while (networks[i] && strcmp(networks[i], want))
			i++;
		if (!networks[i])
			return err_set(cause, "unknown network '%s' (expected auto, none, host or bridge)", want);
		const struct runtime_conf *rt = first_refusal(rts, hosts, nrt, networks[i], server != NULL, &r);
		if (rt) {
			char *alone = server ? runtime_network_refusal(rt, networks[i], 0) : NULL;
			_cleanup_free_ char *fix = network_fix(rt, networks[i], server != NULL, server ? server : "it");
			int rc = !server || alone ?
			    err_set(cause, "runtime %s cannot have network %s: %s; %s", rt->name, networks[i], r, fix) :
			    err_set(cause, "%s's load generator runs on the host and cannot reach %s on network %s: %s; "
				"%s", server, rt->name, networks[i], r, fix);
			free(alone);
			free(r);
			return rc;
		}
		*net = networks[i];
		return 0;
	}
	if (!server) {
		*net = "none";
		return 0;
	}
	/* A server: bridge gives each instance an address of its own, as
	 * containers usually have; host when some runtime cannot join the
	 * bridge here. */
	char *rb = NULL;
	const struct runtime_conf *bad_b = first_refusal(rts, hosts, nrt, "bridge", 1, &rb);
	if (!bad_b) {
		*net = "bridge";
		if (why)
			*why = xasprintf("%s's load generator runs on the host, so the instances get network bridge, "
			    "an address of their own that it reaches", server);
		return 0;
	}
	const struct runtime_conf *bad_h = first_refusal(rts, hosts, nrt, "host", 1, &r);
	if (!bad_h) {
		*net = "host";
		if (why)
			*why = xasprintf("%s's load generator runs on the host, so the instances get network host, the "
			    "host's own (not bridge: %s: %s)", server, bad_b->name, rb);
		free(rb);
		return 0;
	}
	int rc;
	if (bad_b == bad_h) {
		_cleanup_free_ char *fix = network_fix(bad_h, "", 1, server);
		if (!strcmp(rb, r))
			rc = err_set(cause, "%s's load generator runs on the host and cannot reach %s on network bridge "
			    "nor host: %s; %s", server, bad_h->name, r, fix);
		else
			rc = err_set(cause, "%s's load generator runs on the host and cannot reach %s on network bridge "
			    "(%s) nor host (%s); %s", server, bad_h->name, rb, r, fix);
	} else {
		rc = err_set(cause, "no one network lets %s's load generator on the host reach every runtime (bridge: "
		    "%s: %s; host: %s: %s); run them apart, or choose a network", server, bad_b->name, rb, bad_h->name, r);
	}
	free(rb);
	free(r);
	return rc;
}

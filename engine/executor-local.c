/*
 * executor-local.c — the local executor: instances on this machine, each
 * call going straight to the runtime's driver (runtimes/registry.c). The
 * engine uses it for every runtime without a host, and `isolab agent`
 * (agent.c) for everything a remote isolab asks of it.
 *
 * An executor of this kind whose priv is a NULL-terminated array of
 * drivers looks drivers up there instead of in the registry: how a test
 * runs an instance's whole life with a driver of its own.
 */
#include "cgroup.h"
#include "config.h"
#include "executor.h"
#include "runtime.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static const struct driver *driver_named(const struct executor *ex, const char *name)
{
	const struct driver *const *table = ex->priv;
	for (size_t i = 0; table && table[i]; i++)
		if (!strcmp(table[i]->name, name))
			return table[i];
	return table ? NULL : driver_find(name);
}

/* The driver of in's runtime; prepare has already refused an unknown one. */
static const struct driver *driver_of(const struct executor *ex, const struct instance *in)
{
	return driver_named(ex, in->rt->driver);
}

static void local_probe(const struct executor *ex, const struct runtime_conf *rt, struct driver_status *st)
{
	const struct driver *d = driver_named(ex, rt->driver);
	if (!ex->priv || !d)
		runtime_probe(rt, st);
	else
		d->probe(rt, st);
}

static int local_caps(const struct executor *ex, const struct runtime_conf *rt, struct executor_caps *caps,
    char **cause)
{
	const struct driver *d = driver_named(ex, rt->driver);
	if (!d)
		return err_set(cause, "runtime %s: unknown driver '%s'", rt->name, rt->driver);
	*caps = (struct executor_caps){ .limits = d->limits_supported, .own_kernel = d->own_kernel,
		.startup_allowance_s = d->startup_allowance_s };
	/* The drivers that weight I/O do it through this host's cgroups
	 * (their own, a daemon's or runc's), which may have no weight file:
	 * Docker would drop the weight with a warning only its log shows. */
	_cleanup_free_ char *why = NULL;
	if ((d->limits_supported & LIMIT_IO_WEIGHT) && !cgroup_io_weight_file(&why)) {
		caps->limits &= ~(unsigned)LIMIT_IO_WEIGHT;
		caps->host_lacks |= LIMIT_IO_WEIGHT;
		snprintf(caps->host_why, sizeof caps->host_why, "%s", why);
	}
	return 0;
}

static int local_prepare(const struct executor *ex, struct instance *in, char **cause)
{
	const struct driver *d = driver_of(ex, in);
	if (!d)
		return err_set(cause, "runtime %s: unknown driver '%s'", in->rt->name, in->rt->driver);
	return d->prepare(in, cause);
}

static int local_stage(const struct executor *ex, struct instance *in, char **cause)
{
	const struct driver *d = driver_of(ex, in);
	return d && d->stage ? d->stage(in, cause) : 0;
}

static int local_launch(const struct executor *ex, struct instance *in, char **cause)
{
	return driver_of(ex, in)->launch(in, cause);
}

static size_t local_pids(const struct executor *ex, struct instance *in, struct pid_role *out, size_t max)
{
	return driver_of(ex, in)->pids(in, out, max);
}

static size_t local_foreign(const struct executor *ex, struct instance *in, struct proc_sample *out, size_t max)
{
	const struct driver *d = driver_of(ex, in);
	return d->foreign_samples ? d->foreign_samples(in, out, max) : 0;
}

static int local_hold(const struct executor *ex, struct instance *in, int on, char **cause)
{
	const struct driver *d = driver_of(ex, in);
	if (!d->hold)
		return 0;
	return d->hold(in, on, cause);
}

static int local_stop(const struct executor *ex, struct instance *in, int force, char **cause)
{
	return driver_of(ex, in)->stop(in, force, cause);
}

static int local_cleanup(const struct executor *ex, struct instance *in, char **cause)
{
	const struct driver *d = driver_of(ex, in);
	return d ? d->cleanup(in, cause) : 0;
}

static int local_accepts(const char *host) { return !strcmp(host, "local"); }

static struct executor *local_open(struct executors *set, const char *host, char **cause)
{
	(void)set, (void)host, (void)cause;
	struct executor *ex = xmalloc(sizeof *ex);
	*ex = executor_local;
	return ex;
}

static void local_close(struct executor *ex) { free(ex); }

const struct executor_ops executor_local_ops = {
	.name = "local",
	.accepts = local_accepts,
	.open = local_open,
	.close = local_close,
	.probe = local_probe,
	.caps = local_caps,
	.prepare = local_prepare,
	.stage = local_stage,
	.launch = local_launch,
	.pids = local_pids,
	.foreign_samples = local_foreign,
	.hold = local_hold,
	.stop = local_stop,
	.cleanup = local_cleanup,
};

const struct executor executor_local = { .ops = &executor_local_ops, .host = "local" };

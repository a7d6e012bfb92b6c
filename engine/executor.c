/*
 * executor.c — the table of executor kinds and a process's set of
 * executors (executor.h): names resolved to a runtime and a place.
 *
 * A host is claimed by the first kind in the table that accepts it, so a
 * kind with a name scheme of its own (one day "k8s:CONTEXT") goes before
 * remote, which accepts any host name. One executor is made per host and
 * kept for the life of the set, so its cached probes and its settings
 * serve every run and the interface's runtime list alike.
 */
#include "config.h"
#include "executor.h"
#include "ssh.h"
#include "util.h"

#include <pthread.h>
#include <string.h>

static const struct executor_ops *const kinds[] = {
	&executor_local_ops,
	&executor_remote_ops,
	NULL,
};

struct executors {
	const struct config *cfg;
	pthread_mutex_t lock;      /* guards everything below */
	char *default_host;
	struct ssh_prompts prompts;
	struct executor **open;    /* one per host, made on demand */
	size_t nopen;
};

struct executors *executors_new(const struct config *cfg)
{
	struct executors *xs = xcalloc(1, sizeof *xs);
	xs->cfg = cfg;
	pthread_mutex_init(&xs->lock, NULL);
	return xs;
}

void executors_free(struct executors *xs)
{
	if (!xs)
		return;
	for (size_t i = 0; i < xs->nopen; i++)
		xs->open[i]->ops->close(xs->open[i]);
	free(xs->open);
	free(xs->default_host);
	pthread_mutex_destroy(&xs->lock);
	free(xs);
}

const struct config *executors_config(const struct executors *xs) { return xs->cfg; }

static int is_local(const char *host)
{
	return !host || !*host || !strcmp(host, "local");
}

void executors_set_default_host(struct executors *xs, const char *host)
{
	pthread_mutex_lock(&xs->lock);
	free(xs->default_host);
	xs->default_host = is_local(host) ? NULL : xstrdup(host);
	pthread_mutex_unlock(&xs->lock);
}

void executors_set_prompts(struct executors *xs, const struct ssh_prompts *p)
{
	pthread_mutex_lock(&xs->lock);
	if (p)
		xs->prompts = *p;
	else
		memset(&xs->prompts, 0, sizeof xs->prompts);
	pthread_mutex_unlock(&xs->lock);
}

void executors_get_prompts(struct executors *xs, struct ssh_prompts *p)
{
	pthread_mutex_lock(&xs->lock);
	*p = xs->prompts;
	pthread_mutex_unlock(&xs->lock);
}

/* The executor of host, made the first time; NULL with a cause. */
static const struct executor *executor_for(struct executors *xs, const char *host, char **cause)
{
	pthread_mutex_lock(&xs->lock);
	for (size_t i = 0; i < xs->nopen; i++)
		if (!strcmp(xs->open[i]->host, host)) {
			pthread_mutex_unlock(&xs->lock);
			return xs->open[i];
		}
	pthread_mutex_unlock(&xs->lock);
	const struct executor_ops *kind = NULL;
	for (size_t i = 0; kinds[i] && !kind; i++)
		if (kinds[i]->accepts(host))
			kind = kinds[i];
	if (!kind) {
		err_set(cause, "no executor runs instances on '%s'", host);
		return NULL;
	}
	struct executor *ex = kind->open(xs, host, cause);
	if (!ex)
		return NULL;
	pthread_mutex_lock(&xs->lock);
	/* Another thread may have made it meanwhile: keep the first. */
	for (size_t i = 0; i < xs->nopen; i++)
		if (!strcmp(xs->open[i]->host, host)) {
			pthread_mutex_unlock(&xs->lock);
			kind->close(ex);
			return xs->open[i];
		}
	xs->open = xreallocarray(xs->open, xs->nopen + 1, sizeof *xs->open);
	xs->open[xs->nopen++] = ex;
	pthread_mutex_unlock(&xs->lock);
	return ex;
}

int executors_resolve(struct executors *xs, const char *name, const struct runtime_conf **rt,
    const struct executor **ex, char **cause)
{
	const char *at = strchr(name, '@');
	_cleanup_free_ char *base = at ? xstrndup(name, (size_t)(at - name)) : xstrdup(name);
	_cleanup_free_ char *host = NULL;
	if (at) {
		host = xstrdup(at + 1);
	} else {
		pthread_mutex_lock(&xs->lock);
		host = xs->default_host ? xstrdup(xs->default_host) : NULL;
		pthread_mutex_unlock(&xs->lock);
	}
	*rt = config_runtime(xs->cfg, base);
	if (!*rt) {
		_cleanup_free_ char *q = err_quote(base, 80);
		return err_set(cause, "unknown runtime '%s' (see 'isolab list runtimes')", q);
	}
	*ex = executor_for(xs, is_local(host) ? "local" : host, cause);
	return *ex ? 0 : -1;
}

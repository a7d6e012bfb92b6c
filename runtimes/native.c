/*
 * native.c — bare metal: the workload runs as a plain host process in its
 * own process group. It is the baseline every other runtime is compared
 * against, so it adds nothing: no namespaces, no cgroup of its own, no
 * limits (an experiment that sets limits gets an error naming them, since
 * native cannot honour them without becoming a container).
 */
#include "config.h"
#include "exec.h"
#include "resources.h"
#include "runtime.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static void native_probe(const struct runtime_conf *rt, struct driver_status *st)
{
	struct utsname u;
	st->available = 1;
	if (uname(&u) == 0)
		st->version = xasprintf("Linux %s", u.release);
	else
		st->version = xstrdup("Linux");
}

static int native_prepare(struct instance *in, char **cause) { return 0; }

static int native_launch(struct instance *in, char **cause)
{
	struct exec_opts o = { .cwd = in->dir };
	struct exec_child c;
	in->t_called_ns = mono_ns();
	if (exec_spawn(in->argv, &o, &c, cause) < 0)
		return -1;
	if (c.pidfd >= 0)
		close(c.pidfd); /* the engine opens its own pidfd on main_pid */
	in->out_fd = c.out_fd;
	in->main_pid = c.pid;
	/* A process can only be journalled once it exists; the window is the
	 * few instructions between fork and here. Cleanup after a killed
	 * isolab kills the whole group. */
	if (in->res && resources_add_process(in->res, "pgrp", c.pid, cause) < 0) {
		kill(-c.pid, SIGKILL);
		waitpid(c.pid, NULL, 0);
		close(c.out_fd);
		return -1;
	}
	in->addr = xstrdup("127.0.0.1");
	return 0;
}

static size_t native_pids(struct instance *in, struct pid_role *out, size_t max)
{
	if (!in->main_pid || max == 0)
		return 0;
	out[0] = (struct pid_role){ .pid = in->main_pid, .role = ROLE_WORKLOAD };
	return 1;
}

static int native_stop(struct instance *in, int force, char **cause)
{
	if (!in->main_pid)
		return 0;
	if (kill(-in->main_pid, force ? SIGKILL : SIGTERM) < 0 && errno != ESRCH)
		return err_errno(cause, "native: kill process group %d", (int)in->main_pid);
	return 0;
}

static int native_cleanup(struct instance *in, char **cause)
{
	/* Whatever the workload left in its process group goes too. */
	if (in->main_pid) {
		kill(-in->main_pid, SIGKILL);
		if (in->res) {
			char pid[32];
			snprintf(pid, sizeof pid, "%d", (int)in->main_pid);
			resources_done(in->res, "pgrp", pid, NULL);
		}
	}
	return 0;
}

/* A native instance is a host process on the host's own network stack,
 * whatever the experiment's network: every server in it is reachable. */
static char *native_network_refusal(const struct runtime_conf *rt, const char *net, int serve)
{
	(void)rt;
	(void)net;
	(void)serve;
	return NULL;
}

const struct driver driver_native = {
	.name = "native",
	.description = "bare metal: a plain host process, the baseline",
	.probe = native_probe,
	.prepare = native_prepare,
	.launch = native_launch,
	.pids = native_pids,
	.stop = native_stop,
	.cleanup = native_cleanup,
	.limits_supported = 0,
	.network_refusal = native_network_refusal,
};

/*
 * procinfo.c — one process's isolation-relevant facts from /proc.
 *
 * Everything is read relative to the /proc/PID directory fd, so a pid
 * reused mid-read cannot mix two processes' files beyond the first open.
 */
#include "config.h"
#include "procinfo.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const cap_names[] = {
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid",
	"setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
	"ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
	"sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod",
	"lease", "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog",
	"wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
};

char *procinfo_caps(unsigned long long mask)
{
	unsigned long long all = (1ULL << ARRAY_SIZE(cap_names)) - 1;
	if (!mask)
		return xstrdup("none");
	if ((mask & all) == all)
		return xstrdup("all");
	size_t len = 0;
	char *s = xstrdup("");
	for (size_t i = 0; i < 64; i++) {
		if (!(mask & (1ULL << i)))
			continue;
		char buf[40];
		if (i < ARRAY_SIZE(cap_names))
			snprintf(buf, sizeof buf, "%scap_%s", len ? "," : "", cap_names[i]);
		else
			snprintf(buf, sizeof buf, "%scap_%zu", len ? "," : "", i);
		size_t bl = strlen(buf);
		s = xrealloc(s, len + bl + 1);
		memcpy(s + len, buf, bl + 1);
		len += bl;
	}
	return s;
}

const char *procinfo_seccomp_name(int mode)
{
	switch (mode) {
	case 0: return "disabled";
	case 1: return "strict";
	case 2: return "filter";
	default: return "unknown";
	}
}

static const char *status_field(const char *status, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = status; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == ':')
			return p + kl + 1;
	return NULL;
}

static void read_threads(int dfd, struct procinfo *out)
{
	int tfd = openat(dfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tfd < 0)
		return;
	DIR *d = fdopendir(tfd);
	if (!d) {
		close(tfd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		char path[64];
		snprintf(path, sizeof path, "task/%.40s/stat", de->d_name);
		_cleanup_free_ char *st = read_file_at(dfd, path, NULL);
		if (!st)
			continue;
		struct procinfo_thread th = { .tid = (pid_t)atoi(de->d_name), .state = '?', .cpu_num = -1 };
		char *l = strchr(st, '('), *r = strrchr(st, ')');
		if (l && r && r > l) {
			size_t n = (size_t)(r - l - 1);
			if (n >= sizeof th.comm)
				n = sizeof th.comm - 1;
			memcpy(th.comm, l + 1, n);
			th.comm[n] = 0;
			if (r[1] && r[2])
				th.state = r[2];
			/* Field 39 (processor) counted after ')': it is the 37th token there. */
			char *p = r + 2;
			for (int f = 3; f < 39 && p; f++) {
				p = strchr(p, ' ');
				if (p)
					p++;
			}
			if (p)
				th.cpu_num = atoi(p);
		}
		out->threads = xreallocarray(out->threads, out->nthreads + 1, sizeof *out->threads);
		out->threads[out->nthreads++] = th;
	}
	closedir(d);
}

int procinfo_read(const char *proc_root, pid_t pid, struct procinfo *out, char **cause)
{
	memset(out, 0, sizeof *out);
	out->pid = pid;
	out->seccomp = -1;
	out->no_new_privs = -1;
	char path[512];
	snprintf(path, sizeof path, "%s/%d", proc_root, (int)pid);
	_cleanup_close_ int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_errno(cause, "process %d", (int)pid);

	size_t len = 0;
	char *cl = read_file_at(dfd, "cmdline", &len);
	if (cl && len) {
		for (size_t i = 0; i + 1 < len; i++)
			if (!cl[i])
				cl[i] = ' ';
		out->cmdline = cl;
	} else {
		free(cl);
		_cleanup_free_ char *comm = read_file_at(dfd, "comm", NULL);
		if (comm)
			comm[strcspn(comm, "\n")] = 0;
		out->cmdline = xasprintf("[%s]", comm ? comm : "?");
	}
	char target[512];
	ssize_t n = readlinkat(dfd, "exe", target, sizeof target - 1);
	if (n > 0) {
		target[n] = 0;
		out->exe = xstrdup(target);
	}
	char *cg = read_file_at(dfd, "cgroup", NULL);
	if (cg) {
		size_t l = strlen(cg);
		while (l && cg[l - 1] == '\n')
			cg[--l] = 0;
	}
	out->cgroup = cg;
	_cleanup_free_ char *status = read_file_at(dfd, "status", NULL);
	if (!status) {
		procinfo_free(out);
		return err_errno(cause, "process %d", (int)pid);
	}
	const char *v;
	unsigned ruid = 0, euid = 0, rgid = 0, egid = 0;
	if ((v = status_field(status, "Uid")))
		sscanf(v, "%u %u", &ruid, &euid);
	if ((v = status_field(status, "Gid")))
		sscanf(v, "%u %u", &rgid, &egid);
	out->user = xasprintf("uid %u (effective %u), gid %u (effective %u)", ruid, euid, rgid, egid);
	if ((v = status_field(status, "Seccomp")))
		out->seccomp = atoi(v);
	if ((v = status_field(status, "NoNewPrivs")))
		out->no_new_privs = atoi(v);
	if ((v = status_field(status, "CapEff")))
		out->cap_eff = strtoull(v, NULL, 16);
	if ((v = status_field(status, "CapPrm")))
		out->cap_prm = strtoull(v, NULL, 16);
	if ((v = status_field(status, "CapBnd")))
		out->cap_bnd = strtoull(v, NULL, 16);

	static const char *const nss[] = { "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts" };
	for (size_t i = 0; i < ARRAY_SIZE(nss) && out->nns < ARRAY_SIZE(out->ns); i++) {
		char p[32];
		snprintf(p, sizeof p, "ns/%s", nss[i]);
		n = readlinkat(dfd, p, target, sizeof target - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		struct procinfo_ns *ns = &out->ns[out->nns++];
		snprintf(ns->name, sizeof ns->name, "%s", nss[i]);
		snprintf(ns->target, sizeof ns->target, "%.47s", target);
	}
	read_threads(dfd, out);
	return 0;
}

void procinfo_free(struct procinfo *p)
{
	free(p->cmdline);
	free(p->exe);
	free(p->cgroup);
	free(p->user);
	free(p->threads);
	memset(p, 0, sizeof *p);
}

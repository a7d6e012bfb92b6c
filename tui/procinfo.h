/*
 * procinfo.h — what the processes screen's drill-down shows about one
 * process, read from /proc once when it opens (and on refresh): its
 * threads, command line, cgroup, namespaces, seccomp mode and
 * capabilities. No curses: plain data, testable without a terminal.
 * Errors follow the contract in base/util.h.
 */
#ifndef ISOLAB_PROCINFO_H
#define ISOLAB_PROCINFO_H

#include <stddef.h>
#include <sys/types.h>

struct procinfo_thread {
	pid_t tid;
	char comm[32];
	char state;
	int cpu_num;
};

struct procinfo_ns {
	char name[16];     /* "mnt", "pid", ... */
	char target[48];   /* "mnt:[4026531841]" */
};

struct procinfo {
	pid_t pid;
	char *cmdline;     /* arguments joined by spaces; "[comm]" for kernel threads */
	char *exe;         /* the executable's path, or NULL when unreadable */
	char *cgroup;      /* the cgroup path(s), one per line */
	char *user;        /* "uid 1000 gid 1000" (real, effective) */
	struct procinfo_ns ns[12];
	size_t nns;
	int seccomp;       /* 0 disabled, 1 strict, 2 filter, -1 unknown */
	int no_new_privs;  /* -1 unknown */
	unsigned long long cap_eff, cap_prm, cap_bnd;
	struct procinfo_thread *threads;
	size_t nthreads;
};

/* Reads /proc/PID under proc_root ("/proc"). -1 with a cause when the
 * process is gone; unreadable parts (another user's) are left empty. */
int procinfo_read(const char *proc_root, pid_t pid, struct procinfo *out, char **cause);
void procinfo_free(struct procinfo *p);
/* Names the capabilities in mask ("cap_net_admin,cap_sys_admin"), "none",
 * or "all" for the full set; malloc'd. */
char *procinfo_caps(unsigned long long mask);
/* "disabled", "strict", "filter" or "unknown". Static. */
const char *procinfo_seccomp_name(int mode);

#endif

/*
 * sandbox.c — isolab's own container: namespaces, pivot_root and cgroups,
 * with no runtime binary in between. It is the zero-dependency default and
 * the OS-level virtualisation of the studies (VServer, LXC).
 *
 * Processes, as the host sees them:
 *
 *   engine ──fork──▶ A "isolab-sandbox"   (main_pid; host pid ns)
 *                    │  joins the cgroup, [user ns], [enters the bridge
 *                    │  netns], unshare(CLONE_NEWPID), forks:
 *                    └─▶ B "isolab-init"  (pid 1 of the new pid ns)
 *                        │  unshare(mount, uts, ipc, cgroup[, net]), sets
 *                        │  the hostname, builds the root, pivot_root, forks:
 *                        └─▶ C the workload (execve)
 *
 * A exists because a process cannot move itself into a new pid namespace:
 * only its children are born there. B stays as a tiny init instead of
 * exec'ing the workload as pid 1, because pid 1 ignores signals it has no
 * handler for (SIGTERM would do nothing) and must reap orphans (a fork
 * bomb's zombies would otherwise count against pids.max). B forwards
 * SIGTERM/SIGINT/SIGHUP to C, reaps everything, and when C ends hands C's
 * wait status to A over a pipe; A then ends the same way (the same exit
 * code, or the same signal), so the engine sees the workload's status on
 * main_pid. When C was SIGKILLed and the cgroup's OOM counter rose, A
 * prints one line saying so, which becomes the instance's error.
 *
 * A joins the cgroup before it forks, so nothing the workload starts can
 * escape it. A and B set oom_score_adj -1000 (C resets it to 0), so at a
 * memory limit the kernel kills the workload, not its init.
 *
 * The root: the rootfs from rootfs_get() is shared and read-only, so B
 * mounts a tmpfs on a staging directory (/run/isolab/<run>/sandbox-<id>,
 * recorded in the journal) and an overlay on it with the rootfs as the
 * lower layer: the instance gets a writable root that vanishes with it,
 * and mount points such as the instance directory can be created in it.
 * Without overlayfs, the rootfs's top-level entries are bind-mounted into
 * the tmpfs instead. All mounts happen in B's private mount namespace, so
 * the host only ever sees an empty staging directory.
 *
 * ${probe}: the engine substitutes the host path of isolab-probe. When the
 * workload's argv[0] equals in->probe the sandbox runs /isolab-probe, the
 * copy inside the rootfs. The instance directory (in->dir) is bind-mounted
 * read-write at the same absolute path, so paths in argv stay valid.
 *
 * Network: "none" gives an empty net namespace with loopback up; "host"
 * shares the host's; "bridge" joins the per-instance namespace made by
 * base/netns.c, and in->addr is the instance's address there.
 *
 * Start-up splits into create (until the init has built the container,
 * just before it forks the workload: t_created_ns) and start (exec until
 * the ready line). On a hybrid cgroup machine most of create is the first
 * write to cgroup.procs, which waits for an RCU grace period in the kernel.
 *
 * The children of the fork only call what is safe after fork() in a
 * multi-threaded program with glibc (no locks held by other threads).
 */
#include "cgroup.h"
#include "config.h"
#include "container.h"
#include "exec.h"
#include "netns.h"
#include "resources.h"
#include "rootfs.h"
#include "runtime.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define BRIDGE_NEEDS_ROOT "the bridge network needs root (it creates a veth pair on the host)"

#define CONTAINER_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct sandbox {
	struct cgroup *cg;
	char *cg_rel;
	struct netns *ns;
	char *rootfs;
	int host_rootfs;
	char *stage;
	int stage_recorded;
};

/* Steps of the set-up, reported by the children on the status pipe. */
enum step {
	S_CGROUP = 1, S_USERNS, S_SETNS, S_NEWPID, S_FORK, S_UNSHARE, S_HOSTNAME, S_LOOPBACK, S_PRIVATE,
	S_STAGE, S_ROOT, S_HOSTBIND, S_PROC, S_SYS, S_DEV, S_TMP, S_DATA, S_PIVOT, S_EXEC,
};

static const char *const step_names[] = {
	[S_CGROUP] = "join its cgroup",
	[S_USERNS] = "create a user namespace",
	[S_SETNS] = "enter the network namespace",
	[S_NEWPID] = "create a pid namespace",
	[S_FORK] = "fork into the pid namespace",
	[S_UNSHARE] = "create the mount, uts, ipc, cgroup and net namespaces",
	[S_HOSTNAME] = "set the hostname",
	[S_LOOPBACK] = "bring the loopback interface up",
	[S_PRIVATE] = "make the mounts private",
	[S_STAGE] = "mount a tmpfs on the staging directory",
	[S_ROOT] = "mount the root file system",
	[S_HOSTBIND] = "bind-mount a host directory read-only",
	[S_PROC] = "mount /proc",
	[S_SYS] = "mount /sys",
	[S_DEV] = "populate /dev",
	[S_TMP] = "mount /tmp",
	[S_DATA] = "bind-mount the instance directory",
	[S_PIVOT] = "pivot_root into the root file system",
	[S_EXEC] = "execute the workload",
};

/* Everything the children need, computed before fork. */
struct plan {
	const struct instance *in;
	struct sandbox *sb;
	char *const *argv;
	char *const *envp;
	const char *const *procs;
	int netfd;           /* bridge: the netns to enter, else -1 */
	int new_net;         /* none: a fresh empty netns */
	int userns;          /* not root: map ourselves to root in a user ns */
	uid_t uid;
	gid_t gid;
	char hostname[64];
	char oom_path[512];  /* "" without a memory controller */
	unsigned long long mem_hard;
	int st_w;            /* status pipe, CLOEXEC */
	int ws_r, ws_w;      /* B -> A: C's wait status */
	int out_w;
};

/* A record on the status pipe: a failed step, or (step 0) "created". */
struct status_msg {
	int step, err, index;
	uint64_t t_ns;
};

static void __attribute__((noreturn)) child_fail(int st, enum step what, int index)
{
	struct status_msg m = { .step = what, .err = errno, .index = index };
	ssize_t w = write(st, &m, sizeof m);
	(void)w;
	_exit(127);
}

static volatile pid_t forward_to;

static void forward(int sig)
{
	if (forward_to > 0)
		kill(forward_to, sig);
}

static void forward_signals(pid_t to)
{
	forward_to = to;
	struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void reset_signals(void)
{
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static int bind_ro(const char *src, const char *dst)
{
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return -1;
	unsigned long fl = MS_REMOUNT | MS_BIND | MS_RDONLY;
	if (mount(NULL, dst, NULL, fl, NULL) == 0)
		return 0;
	/* In a user namespace the source's locked flags must be kept. */
	struct statvfs sv;
	if (statvfs(dst, &sv) < 0)
		return -1;
	if (sv.f_flag & ST_NOSUID)
		fl |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		fl |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		fl |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		fl |= MS_NOATIME;
	if (sv.f_flag & ST_RELATIME)
		fl |= MS_RELATIME;
	return mount(NULL, dst, NULL, fl, NULL);
}

/* Creates an empty regular file to bind a device or file onto. */
static int touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* root + rel into buf; NULL (ENAMETOOLONG) when it does not fit. */
static char *join(char *buf, size_t size, const char *root, const char *rel, const char *rel2)
{
	int n = snprintf(buf, size, "%s%s%s", root, rel, rel2 ? rel2 : "");
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return buf;
}

/* Without overlayfs: bind each top-level entry of the rootfs into root. */
static int root_by_binds(const char *rootfs, const char *root)
{
	DIR *d = opendir(rootfs);
	if (!d)
		return -1;
	struct dirent *de;
	char src[4096], dst[4096];
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!join(src, sizeof src, rootfs, "/", de->d_name) || !join(dst, sizeof dst, root, "/", de->d_name))
			goto fail;
		struct stat st;
		if (lstat(src, &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t n = readlink(src, target, sizeof target - 1);
			if (n < 0)
				continue;
			target[n] = '\0';
			if (symlink(target, dst) < 0)
				goto fail;
			continue;
		}
		if (S_ISDIR(st.st_mode) ? mkdir(dst, st.st_mode & 07777) < 0 : touch(dst) < 0)
			goto fail;
		/* Mount points stay empty writable directories on the tmpfs. */
		if (!strcmp(de->d_name, "proc") || !strcmp(de->d_name, "sys") || !strcmp(de->d_name, "dev") ||
		    !strcmp(de->d_name, "tmp"))
			continue;
		if (bind_ro(src, dst) < 0)
			goto fail;
	}
	closedir(d);
	return 0;
fail:
	closedir(d);
	return -1;
}

/* In B: builds the root under the staging directory and pivots into it.
 * Returns 0, or the failed step with errno set (*index for lists). */
static enum step build_root(const struct plan *p, int *index)
{
	const struct sandbox *sb = p->sb;
	char root[4096], path[4096];
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return S_PRIVATE;
	if (mount("isolab", sb->stage, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return S_STAGE;
	char upper[4096], work[4096];
	if (!join(root, sizeof root, sb->stage, "/root", NULL) || !join(upper, sizeof upper, sb->stage, "/upper", NULL) ||
	    !join(work, sizeof work, sb->stage, "/work", NULL))
		return S_STAGE;
	if (mkdir(root, 0755) < 0 || mkdir(upper, 0755) < 0 || mkdir(work, 0755) < 0)
		return S_STAGE;
	char opts[16384];
	int on = snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s,workdir=%s", sb->rootfs, upper, work);
	if (on < 0 || (size_t)on >= sizeof opts)
		return S_ROOT;
	if (mount("overlay", root, "overlay", 0, opts) < 0 && root_by_binds(sb->rootfs, root) < 0)
		return S_ROOT;

	if (sb->host_rootfs) {
		const char *const *binds = rootfs_host_binds();
		for (int i = 0; binds[i]; i++) {
			if (!join(path, sizeof path, root, binds[i], NULL)) {
				*index = i;
				return S_HOSTBIND;
			}
			mkdir(path, 0755);
			if (bind_ro(binds[i], path) < 0) {
				*index = i;
				return S_HOSTBIND;
			}
		}
	}
	static const char *const dirs[] = { "proc", "sys", "dev", "tmp" };
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (!join(path, sizeof path, root, "/", dirs[i]))
			return S_ROOT;
		mkdir(path, 0755);
	}
	if (!join(path, sizeof path, root, "/proc", NULL))
		return S_PROC;
	if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return S_PROC;
	if (!join(path, sizeof path, root, "/sys", NULL))
		return S_SYS;
	if (mount("sysfs", path, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 &&
	    bind_ro("/sys", path) < 0)
		return S_SYS;

	if (!join(path, sizeof path, root, "/dev", NULL))
		return S_DEV;
	if (mount("isolab-dev", path, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=65536k") < 0)
		return S_DEV;
	static const char *const devs[] = { "null", "zero", "full", "random", "urandom", "tty" };
	for (size_t i = 0; i < ARRAY_SIZE(devs); i++) {
		char src[64];
		snprintf(src, sizeof src, "/dev/%s", devs[i]);
		if (!join(path, sizeof path, root, "/dev/", devs[i]) || touch(path) < 0 || mount(src, path, NULL, MS_BIND, NULL) < 0) {
			*index = (int)i;
			return S_DEV;
		}
	}
	static const char *const links[][2] = { { "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" } };
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		if (!join(path, sizeof path, root, "/dev/", links[i][1]) || symlink(links[i][0], path) < 0)
			return S_DEV;
	}
	if (!join(path, sizeof path, root, "/dev/shm", NULL))
		return S_DEV;
	if (mkdir(path, 01777) < 0 || mount("shm", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
		return S_DEV;

	if (!join(path, sizeof path, root, "/tmp", NULL))
		return S_TMP;
	if (mount("isolab-tmp", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
		return S_TMP;

	if (p->in->dir) {
		if (!join(path, sizeof path, root, p->in->dir, NULL) || mkdir_p(path, 0755) < 0 || mount(p->in->dir, path, NULL, MS_BIND | MS_REC, NULL) < 0)
			return S_DATA;
	}

	/* pivot_root(".", ".") stacks the old root under the new one; the
	 * detach then drops it, without needing a directory to put it in. */
	if (chdir(root) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 ||
	    chdir("/") < 0)
		return S_PIVOT;
	return 0;
}

static int loopback_up(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
	if (rc == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return rc;
}

/* C: the workload. */
static void __attribute__((noreturn)) run_workload(const struct plan *p)
{
	reset_signals();
	write_file("/proc/self/oom_score_adj", "0", 0);
	if (!p->in->dir || chdir(p->in->dir) < 0)
		if (chdir("/") < 0)
			child_fail(p->st_w, S_EXEC, 0);
	for (int fd = 3; fd < 1024; fd++)
		if (fd != p->st_w)
			close(fd);
	const char *a0 = p->argv[0];
	if (strchr(a0, '/')) {
		execve(a0, p->argv, p->envp);
		child_fail(p->st_w, S_EXEC, 0);
	}
	int err = ENOENT;
	char path[4096];
	for (const char *d = CONTAINER_PATH; *d;) {
		size_t n = strcspn(d, ":");
		snprintf(path, sizeof path, "%.*s/%s", (int)n, d, a0);
		execve(path, p->argv, p->envp);
		if (errno != ENOENT)
			err = errno;
		d += n + (d[n] == ':');
	}
	errno = err;
	child_fail(p->st_w, S_EXEC, 0);
}

/* B: pid 1 of the instance's pid namespace. */
static void __attribute__((noreturn)) run_init(const struct plan *p)
{
	prctl(PR_SET_NAME, "isolab-init");
	/* If A dies (isolab was killed), the whole namespace goes with us. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close(p->ws_r);
	int flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP | (p->new_net ? CLONE_NEWNET : 0);
	if (unshare(flags) < 0)
		child_fail(p->st_w, S_UNSHARE, 0);
	if (sethostname(p->hostname, strlen(p->hostname)) < 0)
		child_fail(p->st_w, S_HOSTNAME, 0);
	if (p->new_net && loopback_up() < 0)
		child_fail(p->st_w, S_LOOPBACK, 0);
	int index = 0;
	enum step failed = build_root(p, &index);
	if (failed)
		child_fail(p->st_w, failed, index);

	/* The container exists; what follows is starting the workload. The
	 * monotonic clock is shared with the host (no time namespace). */
	struct status_msg created = { .t_ns = mono_ns() };
	if (write(p->st_w, &created, sizeof created) != (ssize_t)sizeof created)
		child_fail(p->st_w, S_FORK, 0);
	pid_t c = fork();
	if (c < 0)
		child_fail(p->st_w, S_FORK, 0);
	if (c == 0)
		run_workload(p);
	close(p->st_w);
	forward_signals(c);
	int cstatus = 0;
	for (;;) {
		int ws;
		pid_t w = waitpid(-1, &ws, 0);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (w == c) {
			cstatus = ws;
			break;
		}
	}
	ssize_t n = write(p->ws_w, &cstatus, sizeof cstatus);
	(void)n;
	/* Our exit kills whatever the workload left in the namespace. */
	_exit(0);
}

static unsigned long read_oom(int fd)
{
	char buf[512];
	if (fd < 0)
		return 0;
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return cgroup_parse_oom_kills(buf);
}

/* A: the host-side end of the instance, the engine's main_pid. */
static void __attribute__((noreturn)) run_outer(const struct plan *p)
{
	setpgid(0, 0);
	reset_signals();
	prctl(PR_SET_NAME, "isolab-sandbox");
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nul < 0 || dup2(nul, 0) < 0 || dup2(p->out_w, 1) < 0 || dup2(p->out_w, 2) < 0)
		child_fail(p->st_w, S_EXEC, 0);
	for (int i = 0; p->procs && p->procs[i]; i++) {
		int fd = open(p->procs[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1)
			child_fail(p->st_w, S_CGROUP, i);
		close(fd);
	}
	write_file("/proc/self/oom_score_adj", "-1000", 0);
	int oomfd = p->oom_path[0] ? open(p->oom_path, O_RDONLY | O_CLOEXEC) : -1;
	unsigned long oom0 = read_oom(oomfd);
	if (p->userns) {
		char map[64];
		if (unshare(CLONE_NEWUSER) < 0)
			child_fail(p->st_w, S_USERNS, 0);
		write_file("/proc/self/setgroups", "deny", 0);
		snprintf(map, sizeof map, "0 %u 1", (unsigned)p->uid);
		if (write_file("/proc/self/uid_map", map, 0) < 0)
			child_fail(p->st_w, S_USERNS, 1);
		snprintf(map, sizeof map, "0 %u 1", (unsigned)p->gid);
		if (write_file("/proc/self/gid_map", map, 0) < 0)
			child_fail(p->st_w, S_USERNS, 2);
	}
	if (p->netfd >= 0 && setns(p->netfd, CLONE_NEWNET) < 0)
		child_fail(p->st_w, S_SETNS, 0);
	if (unshare(CLONE_NEWPID) < 0)
		child_fail(p->st_w, S_NEWPID, 0);
	pid_t b = fork();
	if (b < 0)
		child_fail(p->st_w, S_FORK, 0);
	if (b == 0)
		run_init(p);
	close(p->st_w);
	close(p->ws_w);
	forward_signals(b);
	int bstatus = 0;
	while (waitpid(b, &bstatus, 0) < 0 && errno == EINTR)
		;
	int status;
	if (read(p->ws_r, &status, sizeof status) != (ssize_t)sizeof status)
		status = bstatus; /* init itself died (killed with the cgroup) */
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && oomfd >= 0) {
		unsigned long oom = read_oom(oomfd);
		if (oom > oom0)
			dprintf(1, "isolab sandbox: the workload was OOM-killed at its memory limit of %llu MiB"
			    " (cgroup oom_kill count %lu)\n", p->mem_hard >> 20, oom);
	}
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		struct rlimit no_core = { 0, 0 };
		setrlimit(RLIMIT_CORE, &no_core);
		forward_to = 0;
		signal(sig, SIG_DFL);
		kill(getpid(), sig);
		_exit(128 + sig);
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

/* ---- the driver ---- */

static void sandbox_probe(const struct runtime_conf *rt, struct driver_status *st)
{
	struct utsname u;
	enum cgroup_mode m = cgroup_mode();
	if (uname(&u) < 0)
		snprintf(u.release, sizeof u.release, "?");
	st->version = xasprintf("isolab sandbox (Linux %s, cgroups %s)", u.release, cgroup_mode_name(m));
	if (m == CGROUP_NONE) {
		st->reason = xstrdup("no cgroup file system is mounted at /sys/fs/cgroup");
		st->fix = xstrdup("mount cgroup2 on /sys/fs/cgroup");
		return;
	}
	if (access("/proc/self/ns/pid", F_OK) < 0 || access("/proc/self/ns/cgroup", F_OK) < 0) {
		st->reason = xstrdup("the kernel lacks pid or cgroup namespaces");
		st->fix = xstrdup("use a kernel with CONFIG_PID_NS and CONFIG_CGROUPS (4.6 or later)");
		return;
	}
	if (geteuid() != 0) {
		/* Unprivileged, isolab can make the namespaces (through a user
		 * namespace) but not cgroups outside a delegated subtree. */
		const char *dir = m == CGROUP_HYBRID ? "/sys/fs/cgroup/unified/isolab" : "/sys/fs/cgroup/isolab";
		if (m != CGROUP_V2 || access(dir, W_OK) < 0) {
			st->reason = xasprintf("not root: cannot create cgroups (%s is not writable%s)", dir,
			    m != CGROUP_V2 ? ", and v1 hierarchies cannot be delegated" : "");
			st->fix = xasprintf("run isolab as root%s", m == CGROUP_V2 ?
			    ", or delegate the cgroup: mkdir /sys/fs/cgroup/isolab and chown it and its files to you" : "");
			return;
		}
		_cleanup_free_ char *userns = read_file("/proc/sys/kernel/unprivileged_userns_clone", NULL);
		if (userns && userns[0] == '0') {
			st->reason = xstrdup("not root, and unprivileged user namespaces are disabled");
			st->fix = xstrdup("run as root, or sysctl kernel.unprivileged_userns_clone=1");
			return;
		}
	}
	st->available = 1;
}

static int sandbox_prepare(struct instance *in, char **cause)
{
	struct sandbox *sb = xcalloc(1, sizeof *sb);
	in->priv = sb;
	const char *net = in->network ? in->network : "none";
	if (strcmp(net, "none") && strcmp(net, "host") && strcmp(net, "bridge"))
		return err_set(cause, "unknown network mode '%s' (none, host or bridge)", net);
	if (!strcmp(net, "bridge") && geteuid() != 0)
		return err_set(cause, "%s", BRIDGE_NEEDS_ROOT);

	sb->host_rootfs = in->wl->rootfs && !strcmp(in->wl->rootfs, "host");
	sb->rootfs = rootfs_get(in->wl->rootfs ? in->wl->rootfs : "minimal", in->probe, cause);
	if (!sb->rootfs)
		return err_wrap(cause, "rootfs");

	/* The staging directory only ever holds mounts of the instance's own
	 * mount namespace; on the host it is an empty directory. */
	if (in->res) {
		sb->stage = xasprintf("%s/sandbox-%d", resources_dir(in->res), in->id);
		if (resources_add(in->res, "dir", sb->stage, NULL, cause) < 0)
			return -1;
		sb->stage_recorded = 1;
		if (mkdir(sb->stage, 0700) < 0 && errno != EEXIST)
			return err_errno(cause, "cannot create %s", sb->stage);
	} else {
		sb->stage = xstrdup("/tmp/isolab-sandbox-XXXXXX");
		if (!mkdtemp(sb->stage)) {
			free(sb->stage);
			sb->stage = NULL;
			return err_errno(cause, "cannot create a staging directory in /tmp");
		}
	}

	sb->cg_rel = xasprintf("isolab/%s/%d", in->run_id ? in->run_id : "norun", in->id);
	if (in->res && resources_add(in->res, "cgroup", sb->cg_rel, NULL, cause) < 0)
		return -1;
	sb->cg = cgroup_create(sb->cg_rel, in->limits, cause);
	if (!sb->cg)
		return err_wrap(cause, "cgroup %s", sb->cg_rel);
	in->cgroup = sb->cg_rel;

	if (!strcmp(net, "bridge")) {
		sb->ns = ctr_netns(in, cause);
		if (!sb->ns)
			return err_wrap(cause, "bridge network");
		in->addr = xstrdup(netns_addr(sb->ns));
	} else if (!strcmp(net, "host")) {
		in->addr = xstrdup("127.0.0.1");
	}
	return 0;
}

static int sandbox_launch(struct instance *in, char **cause)
{
	struct sandbox *sb = in->priv;
	if (!sb || !sb->cg)
		return err_set(cause, "not prepared");
	size_t argc = 0;
	while (in->argv[argc])
		argc++;
	if (!argc)
		return err_set(cause, "empty command");
	_cleanup_free_ char **argv = xcalloc(argc + 1, sizeof *argv);
	for (size_t i = 0; i < argc; i++)
		argv[i] = in->argv[i];
	if (in->probe && !strcmp(argv[0], in->probe))
		argv[0] = (char *)"/isolab-probe";
	_cleanup_free_ char *host_env = xasprintf("HOSTNAME=isolab-%d", in->id);
	char *envp[] = { (char *)"PATH=" CONTAINER_PATH, (char *)"HOME=/root", (char *)"container=isolab",
		host_env, NULL };

	struct plan p = {
		.in = in, .sb = sb, .argv = argv, .envp = envp, .procs = cgroup_procs_files(sb->cg),
		.netfd = -1, .new_net = !strcmp(in->network ? in->network : "none", "none"),
		.userns = geteuid() != 0, .uid = geteuid(), .gid = getegid(),
		.mem_hard = in->limits ? in->limits->mem_hard : 0,
	};
	snprintf(p.hostname, sizeof p.hostname, "isolab-%d", in->id);
	_cleanup_free_ char *oom = cgroup_oom_events_path(sb->cg);
	if (oom)
		snprintf(p.oom_path, sizeof p.oom_path, "%s", oom);
	if (sb->ns) {
		p.netfd = open(netns_path(sb->ns), O_RDONLY | O_CLOEXEC);
		if (p.netfd < 0)
			return err_errno(cause, "cannot open %s", netns_path(sb->ns));
	}
	int outp[2], st[2], ws[2];
	if (pipe2(outp, O_CLOEXEC) < 0) {
		if (p.netfd >= 0)
			close(p.netfd);
		return err_errno(cause, "pipe");
	}
	if (pipe2(st, O_CLOEXEC) < 0 || pipe2(ws, O_CLOEXEC) < 0) {
		int e = errno;
		close(outp[0]);
		close(outp[1]);
		if (p.netfd >= 0)
			close(p.netfd);
		errno = e;
		return err_errno(cause, "pipe");
	}
	p.st_w = st[1];
	p.ws_r = ws[0];
	p.ws_w = ws[1];
	p.out_w = outp[1];
	in->t_called_ns = mono_ns();
	pid_t a = fork();
	if (a == 0)
		run_outer(&p);
	int fork_errno = errno;
	close(st[1]);
	close(ws[0]);
	close(ws[1]);
	close(outp[1]);
	if (p.netfd >= 0)
		close(p.netfd);
	if (a < 0) {
		close(st[0]);
		close(outp[0]);
		errno = fork_errno;
		return err_errno(cause, "fork");
	}
	/* EOF on the status pipe: the workload was exec'd (or a child died
	 * before it could say anything, which the engine sees on main_pid). */
	struct status_msg m;
	ssize_t r;
	for (;;) {
		do
			r = read(st[0], &m, sizeof m);
		while (r < 0 && errno == EINTR);
		if (r != (ssize_t)sizeof m || m.step != 0)
			break;
		in->t_created_ns = m.t_ns;
	}
	close(st[0]);
	int msg[3] = { m.step, m.err, m.index };
	if (r == (ssize_t)sizeof m) {
		while (waitpid(a, NULL, 0) < 0 && errno == EINTR)
			;
		close(outp[0]);
		errno = msg[1];
		const char *what = msg[0] > 0 && (size_t)msg[0] < ARRAY_SIZE(step_names) && step_names[msg[0]] ?
		    step_names[msg[0]] : "set up";
		if (msg[0] == S_EXEC)
			return err_errno(cause, "cannot execute %s in the container", argv[0]);
		if (msg[0] == S_HOSTBIND)
			return err_errno(cause, "cannot %s (%s)", what, rootfs_host_binds()[msg[2]]);
		if (msg[0] == S_CGROUP)
			return err_errno(cause, "cannot %s (%s)", what, p.procs[msg[2]]);
		return err_errno(cause, "cannot %s", what);
	}
	fcntl(outp[0], F_SETFL, fcntl(outp[0], F_GETFL) | O_NONBLOCK);
	in->out_fd = outp[0];
	in->main_pid = a;
	return 0;
}

static pid_t ppid_of(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	_cleanup_free_ char *t = read_file(path, NULL);
	char *s = t ? strrchr(t, ')') : NULL;
	int ppid = 0;
	if (s && sscanf(s + 2, "%*c %d", &ppid) != 1)
		ppid = 0;
	return ppid;
}

static size_t sandbox_pids(struct instance *in, struct pid_role *out, size_t max)
{
	struct sandbox *sb = in->priv;
	if (!sb || !sb->cg || !in->main_pid)
		return 0;
	pid_t *pids = NULL;
	size_t n = cgroup_pids(sb->cg, &pids), k = 0;
	/* A and the namespace's init are the runtime's overhead, not the workload. */
	for (size_t i = 0; i < n && k < max; i++) {
		int rt = pids[i] == in->main_pid || ppid_of(pids[i]) == in->main_pid;
		out[k++] = (struct pid_role){ .pid = pids[i], .role = rt ? ROLE_RUNTIME : ROLE_WORKLOAD };
	}
	free(pids);
	if (!k && max) /* not yet visible in the cgroup */
		out[k++] = (struct pid_role){ .pid = in->main_pid, .role = ROLE_RUNTIME };
	return k;
}

static int sandbox_stop(struct instance *in, int force, char **cause)
{
	struct sandbox *sb = in->priv;
	if (!in->main_pid)
		return 0;
	if (!force) {
		/* A forwards to the init, the init to the workload. */
		if (kill(in->main_pid, SIGTERM) < 0 && errno != ESRCH)
			return err_errno(cause, "sandbox: kill %d", (int)in->main_pid);
		return 0;
	}
	if (sb && sb->cg)
		return cgroup_kill(sb->cg, cause);
	kill(-in->main_pid, SIGKILL);
	return 0;
}

static int sandbox_cleanup(struct instance *in, char **cause)
{
	struct sandbox *sb = in->priv;
	if (!sb)
		return 0;
	int rc = 0;
	char *c = NULL;
	in->cgroup = NULL;
	if (sb->cg) {
		if (cgroup_destroy(sb->cg, &c) < 0) {
			rc = -1;
			err_wrap(&c, "cgroup %s", sb->cg_rel);
		} else if (in->res) {
			resources_done(in->res, "cgroup", sb->cg_rel, NULL);
		}
		sb->cg = NULL;
	} else if (sb->cg_rel && in->res) {
		/* A failed create may have left parents behind. */
		cgroup_remove(sb->cg_rel, NULL);
		resources_done(in->res, "cgroup", sb->cg_rel, NULL);
	}
	if (sb->ns) {
		char *c2 = NULL;
		if (netns_destroy(sb->ns, in->res, &c2) < 0) {
			rc = -1;
			if (!c)
				c = c2;
			else
				free(c2);
		}
		sb->ns = NULL;
	}
	if (sb->stage) {
		/* The mounts died with the instance's mount namespace. */
		if (rmdir(sb->stage) < 0 && errno != ENOENT && rm_rf(sb->stage) < 0) {
			if (!c)
				err_errno(&c, "cannot remove %s", sb->stage);
			rc = -1;
		} else if (sb->stage_recorded) {
			resources_done(in->res, "dir", sb->stage, NULL);
		}
	}
	free(sb->stage);
	free(sb->rootfs);
	free(sb->cg_rel);
	free(sb);
	in->priv = NULL;
	if (rc < 0) {
		if (cause)
			*cause = c;
		else
			free(c);
	}
	return rc;
}

static char *sandbox_network_refusal(const struct runtime_conf *rt, const char *net, int serve)
{
	(void)rt;
	if (!strcmp(net, "bridge") && geteuid() != 0)
		return xstrdup(BRIDGE_NEEDS_ROOT);
	return serve && !strcmp(net, "none") ? xstrdup(NET_NONE_UNREACHABLE) : NULL;
}

const struct driver driver_sandbox = {
	.name = "sandbox",
	.description = "isolab's own container: namespaces, pivot_root and cgroup limits",
	.probe = sandbox_probe,
	.prepare = sandbox_prepare,
	.launch = sandbox_launch,
	.pids = sandbox_pids,
	.stop = sandbox_stop,
	.cleanup = sandbox_cleanup,
	.limits_supported = LIMIT_CPUS | LIMIT_CPUSET | LIMIT_WEIGHT | LIMIT_MEM_HARD | LIMIT_MEM_SOFT | LIMIT_PIDS |
	    LIMIT_POOL | LIMIT_IO_WEIGHT,
	.network_refusal = sandbox_network_refusal,
};

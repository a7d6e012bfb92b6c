/*
 * agent.c - `isolab-probe agent`: the probe as a VM guest's PID 1.
 *
 * isolab boots a kernel with an initramfs whose /init is this static probe
 * (see runtimes/initramfs.c). As PID 1 the agent:
 *
 *   1. says hello at once (its uptime then is the kernel's boot time);
 *   2. mounts proc, sys, dev (devtmpfs), /dev/shm and /tmp, and loads the kernel
 *      modules the initramfs carries in /lib/modules/isolab/NN-name.ko, in
 *      name order (the host wrote them in dependency order), each with the
 *      name.param=value settings of the kernel command line, as modprobe
 *      would have passed them;
 *   3. finds the virtio-serial port named "isolab" and sends every later
 *      frame there (the serial console stays the fallback), and mounts the
 *      scratch disk (/dev/vda, ext4) at isolab.disk when it is given;
 *      brings lo up, and eth0 as isolab.net=ADDR/PREFIX,GATEWAY says;
 *   4. says ready, runs the workload from isolab.argv (arguments separated
 *      by ',', each %XX-escaped) with stdout and stderr on a pipe, and
 *      relays each output line; with isolab.containers=N it runs N copies,
 *      each in a container of its own (namespaces and a cgroup in the
 *      guest), all on that pipe;
 *   5. once a second samples the guest's /proc with the columns of isolab's
 *      host sampler (base/pidstat.c, built into the probe too) and sends
 *      one frame per process, then a tick with the guest kernel's used
 *      memory (MemTotal - MemAvailable);
 *   6. when the workload has exited and its output is read, sends its exit
 *      status, syncs and powers the guest off (or reboots it, with
 *      isolab.halt=reboot, where the VMM exits on a reboot instead).
 *
 * Every message is a frame (frame.h), so it survives interleaving with the
 * kernel's console messages. The agent never exits: PID 1 exiting panics
 * the kernel; anything that goes wrong is a log frame and a power-off.
 */
#include "build-config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "pidstat.h"
#include "probe.h"

#define AGENT_MAX_ARGS 64
#define AGENT_MAX_PROCS 1024
#define MODULE_DIR "/lib/modules/isolab"

static int chan_fd = 1;		/* where frames go: the port, else the console */
static char cmdline[4096];

/* Writes all of buf, retrying short writes and EINTR. */
static void
write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		n -= (size_t)w;
	}
}

static void
send_frame(const char *type, const char *data, size_t n)
{
	char wire[FRAME_WIRE_MAX];

	do {
		size_t used = 0;
		size_t len = frame_encode(wire, sizeof wire, type, data, n, &used);
		if (len == 0)
			return;
		write_all(chan_fd, wire, len);
		data += used;
		n -= used;
	} while (n > 0);
}

static void __attribute__((format(printf, 2, 3)))
send_fmt(const char *type, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	send_frame(type, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* Seconds since boot, from CLOCK_BOOTTIME (no /proc needed). */
static double
uptime_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1: end the guest with a reboot instead of a power-off (isolab.halt=reboot):
 * Firecracker has no ACPI power-off, and exits when the guest reboots. */
static int halt_by_reboot;

static noreturn void
power_off(void)
{
	sync();
	if (halt_by_reboot)
		reboot(RB_AUTOBOOT);
	reboot(RB_POWER_OFF);
	/* Machines without a power-off device: QEMU runs with -no-reboot. */
	sleep(1);
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

static noreturn void
agent_fail(const char *what)
{
	send_fmt("log", "fatal: %s", what);
	send_fmt("exit", "status=125 error=agent");
	power_off();
}

/* The value of key=... on the kernel command line into out, or 0. */
static int
cmdline_get(const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	const char *p = cmdline;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		const char *e = p;
		while (*e != '\0' && *e != ' ' && *e != '\n')
			e++;
		if ((size_t)(e - p) > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
			size_t n = (size_t)(e - p) - kl - 1;
			if (n >= cap)
				n = cap - 1;
			memcpy(out, p + kl + 1, n);
			out[n] = '\0';
			return 1;
		}
		p = e;
		while (*p == '\n')
			p++;
	}
	return 0;
}

/* Unescapes %XX in place (the driver escapes ',', ' ', '%' and controls). */
static void
unescape_inplace(char *s)
{
	size_t n = frame_unescape(s, s, strlen(s));
	s[n] = '\0';
}

static void
mount_basics(void)
{
	mkdir("/proc", 0555);
	mkdir("/sys", 0555);
	mkdir("/dev", 0755);
	mkdir("/tmp", 01777);
	mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	/* POSIX shared memory (shm_open), which PostgreSQL's dynamic shared
	 * memory needs. */
	mkdir("/dev/shm", 01777);
	mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads MODULE_DIR's modules in name order; returns how many loaded. */
static int
load_modules(void)
{
	DIR *d = opendir(MODULE_DIR);
	char *names[128];
	int n = 0, loaded = 0;
	struct dirent *de;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && n < (int)(sizeof names / sizeof names[0]))
		if (strstr(de->d_name, ".ko") != NULL)
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof names[0], name_cmp);
	for (int i = 0; i < n; i++) {
		char path[512], mod[128], params[1024] = "";
		if (names[i] == NULL)
			continue;
		snprintf(path, sizeof path, MODULE_DIR "/%s", names[i]);
		/* "NN-name.ko" -> "name", with '-' as '_' as the kernel names it. */
		const char *s = strchr(names[i], '-');
		snprintf(mod, sizeof mod, "%s", s ? s + 1 : names[i]);
		mod[strcspn(mod, ".")] = '\0';
		for (char *c = mod; *c; c++)
			if (*c == '-')
				*c = '_';
		/* Its settings on the command line, "mod.key=value". */
		size_t ml = strlen(mod), pl = 0;
		for (const char *p = cmdline; *p;) {
			while (*p == ' ' || *p == '\n')
				p++;
			const char *e = p;
			while (*e && *e != ' ' && *e != '\n')
				e++;
			if ((size_t)(e - p) > ml + 1 && strncmp(p, mod, ml) == 0 && p[ml] == '.' &&
			    pl + (size_t)(e - p) + 2 < sizeof params) {
				if (pl)
					params[pl++] = ' ';
				memcpy(params + pl, p + ml + 1, (size_t)(e - p) - ml - 1);
				pl += (size_t)(e - p) - ml - 1;
				params[pl] = '\0';
			}
			p = e;
		}
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (syscall(SYS_finit_module, fd, params, 0) == 0)
				loaded++;
			else if (errno != EEXIST)
				send_fmt("log", "module %s: %s", mod, strerror(errno));
			close(fd);
		}
		free(names[i]);
	}
	return loaded;
}

/* The /dev node of the virtio-serial port named "isolab", waiting up to
 * wait_ms for the host to announce it; 0 when there is none. */
static int
find_port(char *dev, size_t cap, int wait_ms)
{
	for (int waited = 0;; waited += 20) {
		DIR *d = opendir("/sys/class/virtio-ports");
		struct dirent *de;
		while (d != NULL && (de = readdir(d)) != NULL) {
			char path[300], name[64] = "";
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "/sys/class/virtio-ports/%s/name", de->d_name);
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			ssize_t r = read(fd, name, sizeof name - 1);
			close(fd);
			name[r > 0 ? r : 0] = '\0';
			name[strcspn(name, "\n")] = '\0';
			if (strcmp(name, "isolab") == 0) {
				snprintf(dev, cap, "/dev/%s", de->d_name);
				closedir(d);
				/* devtmpfs creates the node shortly after sysfs. */
				for (int i = 0; i < 100 && access(dev, F_OK) != 0; i++)
					usleep(10000);
				return 1;
			}
		}
		if (d != NULL)
			closedir(d);
		if (waited >= wait_ms)
			return 0;
		usleep(20000);
	}
}

static int
mkdir_p(const char *path)
{
	char buf[1024];

	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	return mkdir(buf, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

/* Mounts the scratch disk at dir; says what it is on ("ext4" or, when the
 * disk is missing or unformatted, "tmpfs"). */
static const char *
mount_disk(const char *dir)
{
	if (mkdir_p(dir) < 0)
		return "none";
	for (int i = 0; i < 300 && access("/dev/vda", F_OK) != 0; i++)
		usleep(10000);
	if (mount("/dev/vda", dir, "ext4", MS_NOATIME, NULL) == 0)
		return "ext4";
	send_fmt("log", "scratch disk: mount /dev/vda at %s: %s; using tmpfs", dir, strerror(errno));
	mount("tmpfs", dir, "tmpfs", 0, "mode=0755");
	return "tmpfs";
}

/* ---- the network ---- */

/* Sets an interface's flags (plus set); 0 or -1. */
static int
if_up(int sk, const char *ifname)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
	if (ioctl(sk, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return ioctl(sk, SIOCSIFFLAGS, &ifr);
}

static void
set_sin(struct sockaddr *sa, in_addr_t a)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = a;
	memcpy(sa, &sin, sizeof sin);
}

/*
 * Brings lo up, and with isolab.net=ADDR/PREFIX,GATEWAY eth0 with that
 * address and a default route, by ioctl (no netlink library, no busybox
 * needed). The kernel's own ip= autoconfiguration would run before the
 * agent loads virtio_net (a module on Debian's kernels), too early.
 * Says what it did in out ("none", "eth0:10.0.2.15", "error").
 */
static void
net_setup(char *out, size_t cap)
{
	char spec[64], *slash, *comma;
	int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(out, cap, "none");
	if (sk < 0)
		return;
	if (if_up(sk, "lo") < 0)
		send_fmt("log", "network: bring lo up: %s", strerror(errno));
	if (!cmdline_get("isolab.net", spec, sizeof spec)) {
		close(sk);
		return;
	}
	snprintf(out, cap, "error");
	slash = strchr(spec, '/');
	comma = strchr(spec, ',');
	if (slash == NULL || comma == NULL || comma < slash) {
		send_fmt("log", "network: bad isolab.net=%s (ADDR/PREFIX,GATEWAY)", spec);
		close(sk);
		return;
	}
	*slash = *comma = '\0';
	int prefix = atoi(slash + 1);
	struct in_addr addr, gw;
	if (inet_pton(AF_INET, spec, &addr) != 1 || inet_pton(AF_INET, comma + 1, &gw) != 1 || prefix < 1 ||
	    prefix > 32) {
		send_fmt("log", "network: bad address in isolab.net");
		close(sk);
		return;
	}
	/* virtio_net registers eth0 while its module loads; allow for a slow probe. */
	for (int i = 0; i < 300 && if_nametoindex("eth0") == 0; i++)
		usleep(10000);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "eth0");
	set_sin(&ifr.ifr_addr, addr.s_addr);
	const char *step = "set its address";
	int ok = ioctl(sk, SIOCSIFADDR, &ifr) == 0;
	if (ok) {
		step = "set its netmask";
		set_sin(&ifr.ifr_netmask, htonl(prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix)));
		ok = ioctl(sk, SIOCSIFNETMASK, &ifr) == 0;
	}
	if (ok) {
		step = "bring it up";
		ok = if_up(sk, "eth0") == 0;
	}
	if (ok) {
		struct rtentry rt;
		memset(&rt, 0, sizeof rt);
		set_sin(&rt.rt_dst, INADDR_ANY);
		set_sin(&rt.rt_genmask, INADDR_ANY);
		set_sin(&rt.rt_gateway, gw.s_addr);
		rt.rt_flags = RTF_UP | RTF_GATEWAY;
		step = "add the default route";
		ok = ioctl(sk, SIOCADDRT, &rt) == 0 || errno == EEXIST;
	}
	if (!ok)
		send_fmt("log", "network: eth0: %s: %s", step, strerror(errno));
	else
		snprintf(out, cap, "eth0:%.40s", spec);
	close(sk);
}

/* ---- the guest's /proc, sampled with isolab's host sampler's columns ---- */

struct pstate {
	int pid;
	unsigned long long start;
	struct pidstat_counters c;
	int seen;
};

static struct pstate pst[AGENT_MAX_PROCS];
static size_t npst;
static struct pidstat_host guest = { .hz = 100, .page_kb = 4 };

static ssize_t
read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static struct pstate *
pstate_find(int pid, unsigned long long start, int *first)
{
	for (size_t i = 0; i < npst; i++)
		if (pst[i].pid == pid) {
			*first = pst[i].start != start;
			if (*first)
				memset(&pst[i], 0, sizeof pst[i]);
			pst[i].pid = pid;
			pst[i].start = start;
			return &pst[i];
		}
	if (npst == AGENT_MAX_PROCS)
		return NULL;
	*first = 1;
	memset(&pst[npst], 0, sizeof pst[npst]);
	pst[npst].pid = pid;
	pst[npst].start = start;
	return &pst[npst++];
}

/* The counters of pid beyond stat's; 1 when its io was readable. */
static int
read_counters(int pid, struct pidstat_counters *c)
{
	char path[64], text[1024];
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	if (read_small(path, text, sizeof text) > 0)
		pidstat_from_status(text, c);
	snprintf(path, sizeof path, "/proc/%d/schedstat", pid);
	if (read_small(path, text, sizeof text) > 0)
		pidstat_from_schedstat(text, c);
	snprintf(path, sizeof path, "/proc/%d/io", pid);
	if (read_small(path, text, sizeof text) <= 0)
		return 0;
	pidstat_from_io(text, c);
	return 1;
}

/* The guest kernel's count of its used memory, MemTotal - MemAvailable
 * (free(1)'s "used" since procps 3.3.10), in kB; 0 when unknown. */
static unsigned long long
guest_used_kb(void)
{
	char text[4096];
	unsigned long long total = 0, avail = 0, v;
	int have_avail = 0;
	if (read_small("/proc/meminfo", text, sizeof text) <= 0)
		return 0;
	for (char *line = text; line != NULL && *line != '\0';) {
		if (sscanf(line, "MemTotal: %llu kB", &v) == 1)
			total = v;
		else if (sscanf(line, "MemAvailable: %llu kB", &v) == 1)
			avail = v, have_avail = 1;
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return have_avail && total > avail ? total - avail : 0;
}

/* One frame per process (kernel threads only when they ran), then a tick
 * with the guest's used memory. */
static void
sample_procs(double dt)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	unsigned count = 0;

	if (d == NULL)
		return;
	for (size_t i = 0; i < npst; i++)
		pst[i].seen = 0;
	while ((de = readdir(d)) != NULL) {
		char path[64], buf[2048];
		int pid = atoi(de->d_name);
		if (pid <= 0)
			continue;
		snprintf(path, sizeof path, "/proc/%d/stat", pid);
		struct pidstat_stat st;
		if (read_small(path, buf, sizeof buf) <= 0 || pidstat_parse_stat(buf, &st) < 0)
			continue;
		int first = 0;
		struct pstate *p = pstate_find(pid, st.f[PIDSTAT_STARTTIME], &first);
		if (p == NULL)
			continue;
		p->seen = 1;
		struct pidstat_counters c = { 0 };
		pidstat_from_stat(&st, &c);
		int have_io = read_counters(pid, &c);
		struct proc_sample row = { .pid = pid };
		pidstat_row(&guest, &st, first ? NULL : &p->c, &c, dt, have_io, &row);
		int ran = c.utime + c.stime != p->c.utime + p->c.stime;
		p->c = c;
		/* Kernel threads only when they ran: the guest has dozens. */
		if ((pid == 2 || row.ppid == 2) && (first || !ran))
			continue;
		for (char *ch = row.comm; *ch; ch++)
			if (*ch == ' ' || *ch == '=' || (unsigned char)*ch < 0x20)
				*ch = '_';
		send_fmt("proc",
			 "pid=%d ppid=%d comm=%s usr=%.2f system=%.2f guest=%.2f wait=%.2f cpu=%.2f cpu_num=%d "
			 "minflt_s=%.2f majflt_s=%.2f vsz_kb=%llu rss_kb=%llu mem_pct=%.2f kb_rd_s=%.2f "
			 "kb_wr_s=%.2f kb_ccwr_s=%.2f iodelay=%llu cswch_s=%.2f nvcswch_s=%.2f threads=%u first=%d",
			 pid, (int)row.ppid, row.comm, row.usr, row.system, row.guest, row.wait, row.cpu, row.cpu_num,
			 row.minflt_s, row.majflt_s, (unsigned long long)row.vsz_kb, (unsigned long long)row.rss_kb,
			 row.mem_pct, row.kb_rd_s, row.kb_wr_s, row.kb_ccwr_s, (unsigned long long)row.iodelay,
			 row.cswch_s, row.nvcswch_s, row.threads, row.first);
		count++;
	}
	closedir(d);
	/* Forget the processes that are gone. */
	size_t w = 0;
	for (size_t i = 0; i < npst; i++)
		if (pst[i].seen)
			pst[w++] = pst[i];
	npst = w;
	unsigned long long used_kb = guest_used_kb();
	if (used_kb)
		send_fmt("tick", "uptime=%.3f procs=%u mem_used_kb=%llu", uptime_s(), count, used_kb);
	else
		send_fmt("tick", "uptime=%.3f procs=%u", uptime_s(), count);
}

/* ---- the workload ---- */

/* In the child: stdin from /dev/null, stdout and stderr to out, cwd, and
 * exec argv (a bare name is looked up in the usual directories). */
static void __attribute__((__noreturn__))
exec_workload(char **argv, const char *cwd, int out)
{
	static char *const envp[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=/root", "TERM=dumb", NULL };
	int null = open("/dev/null", O_RDONLY);
	if (null >= 0)
		dup2(null, 0);
	dup2(out, 1);
	dup2(out, 2);
	if (cwd != NULL && chdir(cwd) < 0)
		(void)chdir("/");
	if (strchr(argv[0], '/') != NULL) {
		execve(argv[0], argv, envp);
	} else {
		static const char *const dirs[] = { "/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin" };
		for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
			char path[512];
			snprintf(path, sizeof path, "%s/%s", dirs[i], argv[0]);
			execve(path, argv, envp);
		}
	}
	dprintf(2, "isolab-probe agent: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* A pipe for the workload's output and a child in a session of its own
 * with default signals; like fork(), returns 0 in the child (p[1] is the
 * write end there), else the child's pid (*out_fd is the read end) or -1. */
static pid_t
fork_workload(int p[2], int *out_fd)
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		probe_child_signals();
		setsid();
		return 0;
	}
	close(p[1]);
	*out_fd = p[0];
	return pid;
}

static pid_t
spawn_workload(char **argv, const char *cwd, int *out_fd)
{
	int p[2];
	pid_t pid = fork_workload(p, out_fd);

	if (pid == 0)
		exec_workload(argv, cwd, p[1]);
	return pid;
}

/* ---- containers inside the VM (isolab.containers=N) ---- */

#define CGROOT "/sys/fs/cgroup"

static int
write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, s, strlen(s));
	int e = errno;
	close(fd);
	errno = e;
	return w == (ssize_t)strlen(s) ? 0 : -1;
}

/* What a container gets of its own at these names instead of the guest's
 * (sys stays an empty directory). */
static const struct {
	const char *dir, *src, *type, *data;
	unsigned long flags;
} fresh[] = {
	{ "proc", "proc", "proc", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC },
	{ "dev", "/dev", NULL, NULL, MS_BIND | MS_REC },
	{ "tmp", "tmpfs", "tmpfs", "mode=1777", MS_NOSUID | MS_NODEV },
	{ "run", "tmpfs", "tmpfs", "mode=0755", MS_NOSUID | MS_NODEV },
	{ "sys", NULL, NULL, NULL, 0 },
};

static int
is_fresh(const char *name)
{
	for (size_t k = 0; k < sizeof fresh / sizeof fresh[0]; k++)
		if (strcmp(name, fresh[k].dir) == 0)
			return 1;
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* In a fresh mount namespace: a root at /run/isolab-c<i> holding the guest
 * root's directories and files bound read-only (the initramfs's programs
 * and libraries; submounts such as the scratch disk keep their mode), its
 * own proc (of its pid namespace), the guest's /dev, and private /tmp and
 * /run; then that root replaces "/" (MS_MOVE and chroot: pivot_root cannot
 * leave an initramfs). Returns 0, or -1 with a message on fd err. */
static int
container_root(unsigned i, int err)
{
	char root[64], path[600];

	snprintf(root, sizeof root, "/run/isolab-c%u", i);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || mkdir_p(root) < 0 ||
	    mount("tmpfs", root, "tmpfs", MS_NOSUID, "mode=0755") < 0) {
		dprintf(err, "container %u: root at %s: %s\n", i, root, strerror(errno));
		return -1;
	}
	DIR *d = opendir("/");
	if (d == NULL)
		return -1;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (is_fresh(e->d_name))
			continue;
		char src[300];
		struct stat st;
		snprintf(src, sizeof src, "/%s", e->d_name);
		snprintf(path, sizeof path, "%s/%s", root, e->d_name);
		if (lstat(src, &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			char to[512];
			ssize_t n = readlink(src, to, sizeof to - 1);
			if (n > 0) {
				to[n] = '\0';
				(void)symlink(to, path);
			}
			continue;
		}
		if (S_ISDIR(st.st_mode))
			mkdir(path, 0755);
		else if (S_ISREG(st.st_mode))
			close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0755));
		else
			continue;
		if (mount(src, path, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0) {
			dprintf(err, "container %u: bind %s: %s\n", i, src, strerror(errno));
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	for (size_t k = 0; k < sizeof fresh / sizeof fresh[0]; k++) {
		snprintf(path, sizeof path, "%s/%s", root, fresh[k].dir);
		mkdir(path, 0755);
		if (fresh[k].src && mount(fresh[k].src, path, fresh[k].type, fresh[k].flags, fresh[k].data) < 0) {
			dprintf(err, "container %u: /%s: %s\n", i, fresh[k].dir, strerror(errno));
			return -1;
		}
	}
	if (chdir(root) < 0 || mount(root, "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0) {
		dprintf(err, "container %u: switching root: %s\n", i, strerror(errno));
		return -1;
	}
	return 0;
}

/* One container: its own cgroup (container-<i>), then new mount, pid, uts,
 * ipc and cgroup namespaces (and network, unless the VM has one the
 * workload serves on); its first process (PID 1 there) sets up the root
 * and runs the workload. This process waits for it and exits with its
 * status, as `unshare --fork` does. */
static void __attribute__((__noreturn__))
run_container(unsigned i, char **argv, const char *cwd, int out, int own_net)
{
	char path[128], me[32], host[32];

	snprintf(host, sizeof host, "container-%u", i);
	(void)prctl(PR_SET_NAME, host);
	snprintf(path, sizeof path, CGROOT "/container-%u", i);
	mkdir(path, 0755);
	snprintf(path, sizeof path, CGROOT "/container-%u/cgroup.procs", i);
	snprintf(me, sizeof me, "%d", (int)getpid());
	if (write_str(path, me) < 0)
		dprintf(out, "container %u: joining its cgroup: %s\n", i, strerror(errno));
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP;
	if (own_net)
		flags |= CLONE_NEWNET;
	if (unshare(flags) < 0) {
		dprintf(out, "container %u: unshare: %s\n", i, strerror(errno));
		_exit(126);
	}
	pid_t pid = fork();
	if (pid < 0)
		_exit(126);
	if (pid == 0) {
		(void)sethostname(host, strlen(host));
		if (own_net) {
			int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			if (sk >= 0) {
				(void)if_up(sk, "lo");
				close(sk);
			}
		}
		if (container_root(i, out) < 0)
			_exit(126);
		exec_workload(argv, cwd, out);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			_exit(126);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0));
}

/*
 * Runs n copies of the workload, each in a container of its own, all
 * writing to one pipe (a line written whole by one write() stays whole).
 * The returned pid is a supervisor that waits for every copy and exits
 * with the first nonzero status. The guest's cgroup v2 hierarchy is
 * mounted at /sys/fs/cgroup with cpu, memory and pids enabled, so each
 * container is a cgroup of its own, as the sandbox runtime makes on a host.
 */
static pid_t
spawn_containers(char **argv, const char *cwd, unsigned n, int own_net, int *out_fd)
{
	int p[2];

	if (mount("cgroup2", CGROOT, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 && errno != EBUSY)
		send_fmt("log", "containers: mount cgroup2 at " CGROOT ": %s", strerror(errno));
	static const char *const ctl[] = { "+cpu", "+memory", "+pids" };
	for (size_t k = 0; k < sizeof ctl / sizeof ctl[0]; k++)
		if (write_str(CGROOT "/cgroup.subtree_control", ctl[k]) < 0)
			send_fmt("log", "containers: enabling %s: %s", ctl[k] + 1, strerror(errno));
	pid_t sup = fork_workload(p, out_fd);
	if (sup == 0) {
		(void)prctl(PR_SET_NAME, "containers");
		for (unsigned i = 0; i < n; i++) {
			pid_t c = fork();
			if (c == 0)
				run_container(i, argv, cwd, p[1], own_net);
			if (c < 0)
				dprintf(p[1], "container %u: fork: %s\n", i, strerror(errno));
		}
		close(p[1]);
		int st, first = 0;
		for (;;) {
			if (wait(&st) < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
			if (code && !first)
				first = code;
		}
		_exit(first);
	}
	return sup;
}

/* Sends each complete line in buf as an "out" frame; keeps the rest. */
static void
relay_lines(char *buf, size_t *len, int flush)
{
	size_t start = 0;

	for (size_t i = 0; i < *len; i++)
		if (buf[i] == '\n') {
			send_frame("out", buf + start, i - start);
			start = i + 1;
		}
	if (flush && start < *len) {
		send_frame("out", buf + start, *len - start);
		start = *len;
	}
	/* A line longer than the buffer goes out in pieces. */
	if (start == 0 && *len == FRAME_MAX) {
		send_frame("out", buf, *len);
		start = *len;
	}
	memmove(buf, buf + start, *len - start);
	*len -= start;
}

int
agent_run(const struct bench *b, const struct probe_opts *o)
{
	char *argv[AGENT_MAX_ARGS + 1];
	static char argbuf[4096], dir[1024], dev[300];
	const char *disk = "none", *chan = "console";

	send_fmt("hello", "uptime=%.3f pid=%d", uptime_s(), (int)getpid());
	if (getpid() != 1)
		send_fmt("log", "not PID 1: the agent only runs as a VM's init");
	mount_basics();
	if (read_small("/proc/cmdline", cmdline, sizeof cmdline) < 0)
		cmdline[0] = '\0';
	guest.hz = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
	guest.page_kb = sysconf(_SC_PAGESIZE) > 0 ? (uint64_t)sysconf(_SC_PAGESIZE) / 1024 : 4;
	char mi[512];
	if (read_small("/proc/meminfo", mi, sizeof mi) > 0)
		guest.mem_total_kb = pidstat_field(mi, "MemTotal:");
	char how[16];
	halt_by_reboot = cmdline_get("isolab.halt", how, sizeof how) && strcmp(how, "reboot") == 0;
	int mods = load_modules();
	char val[16];
	if (cmdline_get("isolab.port", val, sizeof val) && find_port(dev, sizeof dev, 3000)) {
		int fd = open(dev, O_WRONLY | O_CLOEXEC | O_NOCTTY);
		if (fd >= 0) {
			chan_fd = fd;
			chan = dev;
		} else {
			send_fmt("log", "open %s: %s; frames stay on the console", dev, strerror(errno));
		}
	}
	if (cmdline_get("isolab.disk", dir, sizeof dir)) {
		unescape_inplace(dir);
		disk = mount_disk(dir);
	} else {
		snprintf(dir, sizeof dir, "/tmp");
	}
	if (!cmdline_get("isolab.argv", argbuf, sizeof argbuf))
		agent_fail("no isolab.argv= on the kernel command line");
	int argc = 0;
	for (char *s = argbuf; s != NULL && argc < AGENT_MAX_ARGS;) {
		char *comma = strchr(s, ',');
		if (comma != NULL)
			*comma = '\0';
		unescape_inplace(s);
		argv[argc++] = s;
		s = comma ? comma + 1 : NULL;
	}
	argv[argc] = NULL;
	if (argc == 0 || argv[0][0] == '\0')
		agent_fail("empty isolab.argv");

	char net[64];
	net_setup(net, sizeof net);
	send_fmt("ready", "uptime=%.3f modules=%d channel=%s disk=%s net=%s", uptime_s(), mods, chan, disk, net);
	int out_fd = -1;
	unsigned ncont = 0;
	if (cmdline_get("isolab.containers", val, sizeof val))
		ncont = (unsigned)strtoul(val, NULL, 10);
	if (ncont > 64)
		agent_fail("isolab.containers: at most 64");
	pid_t child = ncont ? spawn_containers(argv, dir, ncont, strcmp(net, "none") == 0, &out_fd)
			    : spawn_workload(argv, dir, &out_fd);
	if (child < 0)
		agent_fail("cannot fork the workload");

	static char line[FRAME_MAX];
	size_t llen = 0;
	int status = 0, exited = 0, out_open = 1;
	uint64_t next = mono_ns() + 1000000000u, last = mono_ns(), exit_at = 0;
	while (!exited || out_open) {
		uint64_t now = mono_ns();
		if (now >= next) {
			sample_procs((double)(now - last) / 1e9);
			last = now;
			next = now + 1000000000u;
		}
		struct pollfd pfd = { .fd = out_fd, .events = POLLIN };
		int wait_ms = (int)((next - now) / 1000000u) + 1;
		if (exited)
			wait_ms = wait_ms > 50 ? 50 : wait_ms;
		int n = poll(&pfd, out_open ? 1 : 0, wait_ms);
		if (n > 0) {
			ssize_t r = read(out_fd, line + llen, sizeof line - llen);
			if (r > 0) {
				llen += (size_t)r;
				relay_lines(line, &llen, 0);
			} else if (r == 0 || errno != EINTR) {
				relay_lines(line, &llen, 1);
				out_open = 0;
			}
		}
		/* PID 1 reaps every orphan; the workload's status is kept. */
		pid_t w;
		int st;
		while ((w = waitpid(-1, &st, WNOHANG)) > 0)
			if (w == child) {
				status = st;
				exited = 1;
				exit_at = mono_ns();
			}
		/* A grandchild that keeps the pipe open does not hold the VM. */
		if (exited && out_open && mono_ns() - exit_at > 500000000u) {
			relay_lines(line, &llen, 1);
			out_open = 0;
		}
	}
	sample_procs((double)(mono_ns() - last) / 1e9);
	if (WIFEXITED(status))
		send_fmt("exit", "status=%d uptime=%.3f", WEXITSTATUS(status), uptime_s());
	else
		send_fmt("exit", "signal=%d uptime=%.3f", WIFSIGNALED(status) ? WTERMSIG(status) : 0, uptime_s());
	if (strcmp(disk, "ext4") == 0)
		umount2(dir, 0);
	power_off();
}

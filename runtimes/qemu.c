/*
 * qemu.c — QEMU as isolab's traditional VM (machine pc) and as a
 * Firecracker-like micro-VM (machine microvm, virtio-mmio, no PCI, no
 * firmware tables beyond what Linux needs).
 *
 * The guest: the kernel guestkernel.c finds, the initramfs initramfs.c
 * builds (isolab-probe as the agent, /init), one vCPU per thread of the
 * experiment (or its cpus limit, rounded up), memory from the memory limit
 * (default 512M, option `memory`), a raw scratch disk in the instance
 * directory (virtio-blk, formatted ext4 on the host with mkfs.ext4 when it
 * exists) that the agent mounts at ${datadir}, so the file workload
 * measures virtio-blk and the guest's ext4 — with cache=none by default,
 * so the host's page cache does not flatter it (Xie 2019 saw exactly that).
 *
 * Accelerator: KVM when the bounded boot probe (kvm.c) says it works,
 * else TCG, named "emulated (TCG)" in the status version and in an info
 * record of every instance. The option accel = "tcg" skips the probe;
 * accel = "kvm" insists and fails when the probe says no.
 *
 * Start-up: QEMU starts paused (-S) with its QMP, serial and virtio-serial
 * sockets listening; the driver connects all three, starts the relay
 * (vm.h), then sends "cont". Milestones, in ms from launch: vmm (QEMU up,
 * its devices built: "cont" answered), kernel (the agent's hello: the
 * kernel has booted and run /init), init (the agent's ready: file systems,
 * modules, channel and disk set up), ready (the workload's ready line) —
 * Kata's breakdown. They go into the journal as a "startup" record.
 *
 * Resources: the instance's cgroup (QEMU runs in it; its cpus, cpuset and
 * weight limits apply to QEMU's host threads), QEMU's and the relay's pids
 * with their start times, the socket directory under the run's resource
 * directory and the scratch disk are all in the resource journal, so
 * `isolab cleanup` reaps a VM whose isolab was killed.
 *
 * Network: "none" gives the guest no NIC. "bridge" is the containers'
 * network, with the VM on it: the instance's namespace and veth pair
 * (netns.h), a bridge in the namespace with a tap device on it, and QEMU,
 * started in the namespace, gives the guest a virtio-net NIC on the tap
 * (vhost-net under KVM where /dev/vhost-net opens). The guest holds the instance's
 * address (the agent configures eth0 from isolab.net=ADDR/30,HOSTADDR), so
 * the host reaches it at ${addr} as it reaches a container: host veth end,
 * bridge, tap, virtio-net — no NAT. The option netdev = "user" (the runtime
 * qemu-usernet), and network "host" (a VM cannot share the host's stack),
 * give QEMU's user-mode network (slirp) instead: the guest at 10.0.2.15/24
 * behind 10.0.2.2, the instance's ${port} forwarded from 127.0.0.1 on the
 * host, which is then ${addr}; it needs no privileges, and what it costs
 * (a user-space TCP/IP stack in QEMU) is part of what it measures. Either
 * way the workload binds the guest's address (in->bind_addr: ${addr} in its
 * argv, files and prepare), and a literal "127.0.0.1:PORT" in argv is
 * rewritten to the guest's address (and, user-mode, its port forwarded).
 *
 * Applications (rootfs "host"): the initramfs carries the programs argv
 * names and their libraries plus the workload's guest_files, and the
 * scratch disk is made with mkfs.ext4 -d from the instance directory after
 * the prepare phase (the stage hook), so the generated configuration and a
 * database made on the host are at ${datadir} in the guest. The disk lives
 * beside the instance directory, not in it.
 *
 * Containers inside the VM (option containers = N, the runtime
 * qemu-containers): isolab.containers=N on the kernel command line has the
 * agent run N copies of the workload, each in namespaces and a cgroup of
 * its own in the guest (see workloads/probe/agent.c), on one output pipe;
 * in->copies tells the engine to take each metric as the copies' mean. The
 * VM gets threads x N vCPUs. isolab's sandbox driver itself is not in the
 * guest: the agent is static and alone there, so it makes the containers
 * with the same kernel calls (unshare, a cgroup v2 group, a read-only root).
 *
 * Not done: per-vCPU-thread rows (QEMU names them "CPU n/TCG" with
 * debug-threads; the table shows the QEMU process with its thread count).
 */
#include "config.h"
#include "cgroup.h"
#include "container.h"
#include "exec.h"
#include "guestkernel.h"
#include "initramfs.h"
#include "kvm.h"
#include "metrics.h"
#include "netns.h"
#include "resources.h"
#include "runtime.h"
#include "util.h"
#include "vm.h"
#include "vmlinux.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define QEMU_CONNECT_MS 15000
#define QEMU_QMP_MS 15000
#define CMDLINE_MAX 2000 /* x86 COMMAND_LINE_SIZE is 2048 */

struct qemu {
	char *binary;
	char *version;
	int microvm;
	struct guest_kernel k;
	char *vmlinux;       /* the kernel booted uncompressed (boot_kernel vmlinux), or NULL: k.path */
	char *initrd;
	int kvm;
	char *rdir;
	char *qmp_path, *ser_path, *port_path;
	char *scratch;
	struct vm_host h;    /* QEMU, the relay, the console log, the cgroup */
	int qmp_fd;
	struct metrics *m;
	int net;             /* a NIC: user-mode network with port forwards, or tap */
	char *hostfwd;       /* ",hostfwd=tcp:127.0.0.1:P-:P..." (user-mode) */
	struct netns *ns;    /* network bridge with netdev tap: the instance's namespace */
	const char *tap;     /* the tap device in it */
	int vhost;           /* /dev/vhost-net opens (used under KVM) */
};

#define QEMU_GUEST_ADDR "10.0.2.15"
#define QEMU_GUEST_NET QEMU_GUEST_ADDR "/24,10.0.2.2"

static const char *qemu_binary_name(const struct runtime_conf *rt)
{
	return runtime_option(rt, "binary", "qemu-system-x86_64");
}

/* Network bridge through a tap on the instance's bridge (netdev tap, the
 * default), rather than QEMU's user-mode network. */
static int on_tap(const struct runtime_conf *rt, const char *net)
{
	return !strcmp(net, "bridge") && !strcmp(runtime_option(rt, "netdev", "tap"), "tap");
}

static int is_microvm(const struct runtime_conf *rt)
{
	return !strcmp(runtime_option(rt, "machine", "pc"), "microvm");
}

static void qemu_probe(const struct runtime_conf *rt, struct driver_status *st)
{
	const char *bin = qemu_binary_name(rt);
	const char *machine = runtime_option(rt, "machine", "pc");
	if (strcmp(machine, "pc") && strcmp(machine, "microvm")) {
		st->reason = xasprintf("unknown machine '%s'", machine);
		st->fix = xstrdup("set the runtime option machine to \"pc\" or \"microvm\"");
		return;
	}
	_cleanup_free_ char *path = exec_which(bin);
	if (!path) {
		st->reason = xasprintf("%s not found in PATH", bin);
		st->fix = xstrdup("apt-get install qemu-system-x86");
		return;
	}
	_cleanup_free_ char *ver = kvm_qemu_version(path);
	if (!ver) {
		st->reason = xasprintf("%s --version failed", path);
		st->fix = xstrdup("check the installation of qemu-system-x86");
		return;
	}
	struct guest_kernel k;
	char *cause = NULL;
	if (guestkernel_find(rt, &k, &cause) < 0) {
		st->reason = cause;
		st->fix = xstrdup("isolab fetch-kernel (downloads Debian's kernel into isolab's cache, installs nothing)");
		return;
	}
	const char *accel = runtime_option(rt, "accel", "auto");
	_cleanup_free_ char *why = NULL;
	int tcg = !strcmp(accel, "tcg"), kvm = !strcmp(accel, "kvm");
	enum kvm_verdict v = tcg ? KVM_UNUSABLE : kvm_cached(ver, k.path, &why);
	if (kvm && v == KVM_UNUSABLE) {
		/* Insists on KVM: a run would be refused, so say it here. */
		st->reason = xasprintf("accel = \"kvm\" but KVM is unusable here: %s", why ? why : "the boot probe said so");
		st->fix = xstrdup("run qemu (KVM when usable, else TCG) or qemu-tcg instead; for KVM, a host whose /dev/kvm boots guests");
		guestkernel_free(&k);
		return;
	}
	const char *label = v == KVM_USABLE ? "KVM"
	    : v == KVM_UNKNOWN && kvm		? "KVM if its boot probe passes at the first run, else refused"
	    : v == KVM_UNKNOWN			? "KVM if its boot probe passes at the first run, else emulated (TCG)"
	    : tcg				? "emulated (TCG), as its option accel says"
						: "emulated (TCG)";
	st->available = 1;
	st->version = xasprintf("QEMU %s, machine %s, %s, kernel %s", ver, machine, label,
	    k.release ? k.release : k.path);
	guestkernel_free(&k);
}

/* ---- prepare ---- */

static uint64_t mem_bytes(const struct instance *in)
{
	if (in->limits && in->limits->mem_hard)
		return in->limits->mem_hard;
	uint64_t v = 0;
	if (parse_size(runtime_option(in->rt, "memory", "512M"), &v) < 0 || v < (64u << 20))
		v = 512u << 20;
	return v;
}

/* With containers = N the guest runs N copies, each with the experiment's
 * threads: the VM gets a vCPU per thread of each, so every copy has what a
 * VM of its own would have. */
static unsigned vcpus(const struct instance *in)
{
	if (in->limits && in->limits->cpus > 0)
		return (unsigned)ceil(in->limits->cpus);
	return (in->threads ? in->threads : 1) * (in->copies > 1 ? in->copies : 1);
}

/* The option containers: 0 (the workload runs as the guest's own process)
 * or 1..MAX_COPIES copies, each in a container made by the guest's agent. */
static int containers_option(struct instance *in, char **cause)
{
	const char *v = runtime_option(in->rt, "containers", "0");
	char *end = NULL;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (errno || end == v || *end || n > MAX_COPIES)
		return err_set(cause, "qemu: bad containers '%s' (0 to %d copies of the workload, each in a container "
				      "inside the guest)", v, MAX_COPIES);
	int serves = in->wl->companion != NULL;
	for (char **a = in->wl->argv; a && *a; a++)
		serves |= strstr(*a, "${port}") != NULL;
	if (n && serves)
		return err_set(cause, "qemu: containers = %lu runs copies of one workload side by side, but %s serves a "
				      "port to a load generator on the host (one server per VM): use a runtime without "
				      "containers", n, in->wl->name);
	in->copies = (unsigned)n;
	return 0;
}

/* The host programs a "host"-rootfs workload runs, for the initramfs:
 * argv[0] (through PATH) and every other argument that is the absolute
 * path of an executable file (postgres behind `unshare ... /usr/lib/
 * postgresql/15/bin/postgres`). malloc'd, NULL-terminated. */
static char **host_programs(const struct instance *in)
{
	size_t n = 0;
	char **v = xcalloc(1, sizeof *v);
	for (size_t i = 0; in->argv && in->argv[i]; i++) {
		const char *a = in->argv[i];
		char *path = NULL;
		struct stat st;
		if (i == 0)
			path = a[0] == '/' ? xstrdup(a) : exec_which(a);
		else if (a[0] == '/' && stat(a, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
			path = xstrdup(a);
		if (!path)
			continue;
		v = xreallocarray(v, n + 2, sizeof *v);
		v[n++] = path;
		v[n] = NULL;
	}
	return v;
}

static int make_scratch(struct instance *in, struct qemu *q, char **cause)
{
	uint64_t size = 0;
	if (parse_size(runtime_option(in->rt, "disk_size", "1G"), &size) < 0 || size < (16u << 20))
		return err_set(cause, "qemu: bad disk_size '%s'", runtime_option(in->rt, "disk_size", "1G"));
	/* Beside the instance directory, not in it: the disk holds a copy of it. */
	q->scratch = xasprintf("%s.scratch.img", in->dir);
	if (resources_add(in->res, "file", q->scratch, NULL, cause) < 0)
		return -1;
	int fd = open(q->scratch, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_errno(cause, "qemu: create %s", q->scratch);
	int rc = ftruncate(fd, (off_t)size);
	close(fd);
	if (rc < 0)
		return err_errno(cause, "qemu: size %s", q->scratch);
	_cleanup_free_ char *mkfs = exec_which("mkfs.ext4");
	if (!mkfs) {
		vm_note_info(in, "no mkfs.ext4 on the host: the scratch disk stays raw and the guest uses tmpfs for ${datadir}");
		return 0;
	}
	/* Inode tables and journal written now, not by the guest's
	 * ext4lazyinit thread while the file workload is measured. -d copies
	 * the instance directory in (generated configuration, a database made
	 * by the prepare phase), so the guest finds it at ${datadir}, where
	 * the agent mounts the disk. */
	char *argv[] = { mkfs, (char *)"-q", (char *)"-F", (char *)"-E",
		(char *)"nodiscard,lazy_itable_init=0,lazy_journal_init=0", (char *)"-d", (char *)in->dir,
		q->scratch, NULL };
	return ctr_run(argv, 60000, NULL, cause) < 0 ? err_wrap(cause, "qemu: format the scratch disk") : 0;
}

static int choose_accel(struct instance *in, struct qemu *q, char **cause)
{
	const char *accel = runtime_option(in->rt, "accel", "auto");
	if (!strcmp(accel, "tcg")) {
		q->kvm = 0;
		vm_note_info(in, "accelerator: emulated (TCG), as the runtime's option accel says");
		return 0;
	}
	if (strcmp(accel, "auto") && strcmp(accel, "kvm"))
		return err_set(cause, "qemu: unknown accel '%s' (auto, kvm or tcg)", accel);
	_cleanup_free_ char *why = NULL;
	enum kvm_verdict v = kvm_cached(q->version, q->k.path, &why);
	if (v == KVM_UNKNOWN) {
		free(why);
		why = NULL;
		double ms = 0;
		int timeout = atoi(runtime_option(in->rt, "kvm_probe_timeout", "20"));
		v = kvm_probe(q->binary, q->version, q->k.path, q->initrd, (timeout > 0 ? timeout : 20) * 1000, &why, &ms);
		vm_note_info(in, "KVM boot probe: %s after %.1f s%s%s (verdict cached)", v == KVM_USABLE ? "usable" : "unusable",
		    ms / 1000, why ? ": " : "", why ? why : "");
	}
	q->kvm = v == KVM_USABLE;
	if (!q->kvm && !strcmp(accel, "kvm"))
		return err_set(cause, "qemu: accel = \"kvm\" but KVM is unusable here: %s", why ? why : "?");
	vm_note_info(in, "accelerator: %s%s%s", kvm_accel_label(q->kvm), q->kvm ? "" : " — KVM: ", q->kvm ? "" : why ? why : "");
	return 0;
}

static int qemu_prepare(struct instance *in, char **cause)
{
	if (!in->res)
		return err_set(cause, "qemu: no resource journal for this run");
	const char *net = in->network ? in->network : "none";
	if (strcmp(net, "none") && strcmp(net, "bridge") && strcmp(net, "host"))
		return err_set(cause, "qemu: unknown network mode '%s'", net);
	if (containers_option(in, cause) < 0)
		return -1;
	struct qemu *q = xcalloc(1, sizeof *q);
	in->priv = q;
	q->net = strcmp(net, "none") != 0;
	if (on_tap(in->rt, net)) {
		q->vhost = access(vhost_device(), R_OK | W_OK) == 0;
		_cleanup_free_ char *how = q->vhost ? xstrdup("vhost-net under KVM: the host kernel moves the packets; under "
		    "TCG QEMU moves them itself") : xasprintf("no vhost-net: %s does not open, QEMU moves the packets "
		    "itself", vhost_device());
		q->ns = vm_net_bridge(in, how, &q->tap, cause);
		if (!q->ns)
			return err_wrap(cause, "qemu: network bridge");
	} else {
		/* ${addr}, substituted after prepare: the host reaches forwarded
		 * ports there, and the workload binds the guest's address, where
		 * slirp delivers them. */
		in->addr = xstrdup("127.0.0.1");
		if (q->net)
			in->bind_addr = QEMU_GUEST_ADDR;
		if (q->net)
			vm_note_info(in, "network %s: QEMU user-mode networking (slirp), the guest at %s, its listening "
				      "ports forwarded from 127.0.0.1%s",
			    net, QEMU_GUEST_ADDR, !strcmp(net, "host") ? " (a VM cannot share the host's network stack)"
			    : " (netdev user)");
	}
	q->h.who = "qemu";
	q->qmp_fd = q->h.console_fd = -1;
	q->microvm = is_microvm(in->rt);
	q->binary = exec_which(qemu_binary_name(in->rt));
	if (!q->binary)
		return err_set(cause, "%s not found in PATH (apt-get install qemu-system-x86)", qemu_binary_name(in->rt));
	q->version = kvm_qemu_version(q->binary);
	if (!q->version)
		return err_set(cause, "%s --version failed", q->binary);
	if (guestkernel_find(in->rt, &q->k, cause) < 0)
		return -1;
	if (!q->k.modules_dir)
		vm_note_info(in, "no /lib/modules for kernel %s: virtio must be built in, else the console and tmpfs are used",
		    q->k.release ? q->k.release : q->k.path);
	q->rdir = xasprintf("%s/qemu-%d", resources_dir(in->res), in->id);
	if (resources_add(in->res, "dir", q->rdir, NULL, cause) < 0)
		return -1;
	if (mkdir_p(q->rdir, 0700) < 0)
		return err_errno(cause, "qemu: create %s", q->rdir);
	q->qmp_path = xasprintf("%s/qmp.sock", q->rdir);
	q->ser_path = xasprintf("%s/serial.sock", q->rdir);
	q->port_path = xasprintf("%s/port.sock", q->rdir);
	if (strlen(q->ser_path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return err_set(cause, "qemu: socket path too long: %s", q->ser_path);

	/* The VMM's host threads get the CPU limits; its memory is the VM's. */
	struct limits lim = { 0 };
	if (in->limits) {
		lim.cpus = in->limits->cpus;
		lim.cpuset = in->limits->cpuset;
		lim.weight = in->limits->weight;
		lim.io_weight = in->limits->io_weight; /* its disk is its host I/O */
	}
	q->h.cg_rel = xasprintf("isolab/%s/%d", in->run_id, in->id);
	if (resources_add(in->res, "cgroup", q->h.cg_rel, NULL, cause) < 0)
		return -1;
	q->h.cg = cgroup_create(q->h.cg_rel, &lim, cause);
	if (!q->h.cg)
		return err_wrap(cause, "qemu: cgroup");
	in->cgroup = q->h.cg_rel;
	if (cgroup_apply(q->h.cg, &lim, cause) < 0)
		return err_wrap(cause, "qemu: cgroup limits");
	return 0;
}

/* A bzImage decompresses itself at every boot: a fraction of a second
 * under KVM, seconds under TCG (Debian's xz kernel: 6.1 s to power-off
 * against 2.4 s uncompressed, machine pc, here). So the guest boots the
 * ELF vmlinux inside it, extracted once into the cache, through its PVH
 * entry point, which QEMU loads directly. Where that cannot be, the
 * bzImage boots as it is, and the messages say why. */
static char *choose_kernel(struct instance *in, struct qemu *q)
{
	if (strcmp(runtime_option(in->rt, "boot_kernel", "vmlinux"), "vmlinux"))
		return xstrdup("booted compressed, as the option boot_kernel says");
	char *why = NULL;
	char *path = vmlinux_get(q->k.path, &why);
	if (path && vmlinux_has_pvh(path, &why)) {
		q->vmlinux = path;
		return xasprintf("booted uncompressed through its PVH entry: %s", path);
	}
	char *how = xasprintf("booted compressed: %s", why ? why : "?");
	free(why);
	free(path);
	return how;
}

/* After the workload's files and prepare phase: the initramfs with the
 * programs argv names, the accelerator (whose boot probe needs an
 * initramfs), the scratch disk with a copy of the instance directory, and
 * the instance's port forwarded. */
static int qemu_stage(struct instance *in, char **cause)
{
	struct qemu *q = in->priv;
	char **progs = in->wl->rootfs && !strcmp(in->wl->rootfs, "host") ? host_programs(in) : NULL;
	struct initramfs_spec spec = { .probe = in->probe, .modules_dir = q->k.modules_dir,
		.modules = vm_guest_modules, .programs = (const char *const *)progs,
		.files = (const char *const *)in->guest_files, .busybox = 1 };
	q->initrd = initramfs_get(&spec, cause);
	argv_free(progs);
	if (!q->initrd)
		return err_wrap(cause, "qemu: initramfs");
	_cleanup_free_ char *boot = choose_kernel(in, q);
	vm_note_info(in, "guest: kernel %s (%s), initramfs %s, scratch disk cache=%s", q->k.path, boot, q->initrd,
	    runtime_option(in->rt, "disk_cache", "none"));
	if (choose_accel(in, q, cause) < 0 || make_scratch(in, q, cause) < 0)
		return -1;
	if (q->net && !q->ns && in->port > 0)
		q->hostfwd = xasprintf(",hostfwd=tcp:127.0.0.1:%d-:%d", in->port, in->port);
	return 0;
}

/* ---- launch ---- */

static void build_argv(struct instance *in, struct qemu *q, struct argvb *a, const char *append)
{
	const char *bus = q->microvm ? "device" : "pci";
	argvb_add(a, q->binary);
	argvb_addf(a, "-name");
	argvb_addf(a, "isolab-%s-%d,debug-threads=on", in->run_id, in->id);
	argvb_add(a, "-machine");
	/* microvm's second IOAPIC (virtio-mmio interrupts above 15) stalls a
	 * Debian 6.1 guest during TSC calibration under TCG; the legacy IRQs
	 * are plenty for isolab's three devices. */
	argvb_addf(a, "%s,accel=%s", q->microvm ? "microvm,ioapic2=off" : "pc", q->kvm ? "kvm" : "tcg");
	argvb_add(a, "-cpu");
	argvb_add(a, q->kvm ? "host" : "max");
	argvb_add(a, "-m");
	argvb_addf(a, "%llu", (unsigned long long)(mem_bytes(in) >> 20));
	argvb_add(a, "-smp");
	argvb_addf(a, "%u", vcpus(in));
	argvb_add(a, "-nodefaults");
	argvb_add(a, "-no-user-config");
	argvb_add(a, "-display");
	argvb_add(a, "none");
	argvb_add(a, "-no-reboot");
	argvb_add(a, "-S");
	argvb_add(a, "-qmp");
	argvb_addf(a, "unix:%s,server=on,wait=off", q->qmp_path);
	argvb_add(a, "-chardev");
	argvb_addf(a, "socket,id=ser0,path=%s,server=on,wait=off", q->ser_path);
	argvb_add(a, "-serial");
	argvb_add(a, "chardev:ser0");
	argvb_add(a, "-device");
	argvb_addf(a, "virtio-serial-%s,id=vser0", bus);
	argvb_add(a, "-chardev");
	argvb_addf(a, "socket,id=port0,path=%s,server=on,wait=off", q->port_path);
	argvb_add(a, "-device");
	argvb_add(a, "virtserialport,bus=vser0.0,chardev=port0,name=isolab");
	argvb_add(a, "-drive");
	argvb_addf(a, "file=%s,format=raw,if=none,id=disk0,cache=%s", q->scratch,
	    runtime_option(in->rt, "disk_cache", "none"));
	argvb_add(a, "-device");
	argvb_addf(a, "virtio-blk-%s,drive=disk0", bus);
	if (q->ns) {
		argvb_add(a, "-netdev");
		/* vhost-net's in-kernel path relies on KVM's ioeventfd and irqfd. */
		argvb_addf(a, "tap,id=net0,ifname=%s,script=no,downscript=no%s", q->tap,
		    q->vhost && q->kvm ? ",vhost=on" : "");
	} else if (q->net) {
		argvb_add(a, "-netdev");
		argvb_addf(a, "user,id=net0%s", q->hostfwd ? q->hostfwd : "");
	}
	if (q->net) {
		argvb_add(a, "-device");
		/* Under TCG the guest's virtio-net path has stalled for good with
		 * event_idx (notification suppression) on: Redis through the
		 * user-mode network stopped after a few seconds in 4 of 16 runs
		 * on a 2-core host, every connection and new ones too, while the
		 * guest itself ran on (its agent's samples kept coming); with it
		 * off, 16 of 16 ran through. Under KVM it stays on: it saves
		 * exits, and the stall has not been seen there. */
		argvb_addf(a, "virtio-net-%s,netdev=net0%s", bus, q->kvm ? "" : ",event_idx=off");
	} else {
		argvb_add(a, "-nic");
		argvb_add(a, "none");
	}
	argvb_add(a, "-kernel");
	argvb_add(a, q->vmlinux ? q->vmlinux : q->k.path);
	argvb_add(a, "-initrd");
	argvb_add(a, q->initrd);
	argvb_add(a, "-append");
	argvb_add(a, append);
	argvb_add_words(a, runtime_option(in->rt, "extra_args", ""));
}

static int connect_unix(const char *path, pid_t owner, int timeout_ms, char **cause)
{
	uint64_t t0 = mono_ns();
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return err_errno(cause, "socket");
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			return fd;
		int e = errno;
		close(fd);
		if (e != ENOENT && e != ECONNREFUSED) {
			errno = e;
			return err_errno(cause, "connect %s", path);
		}
		int st;
		if (waitpid(owner, &st, WNOHANG) == owner) {
			_cleanup_free_ char *s = exec_status_str(st);
			return err_set(cause, "QEMU %s before it opened %s", s, path);
		}
		if (mono_ns() - t0 > (uint64_t)timeout_ms * 1000000u)
			return err_set(cause, "QEMU did not open %s within %d s", path, timeout_ms / 1000);
		usleep(5000);
	}
}

/* Sends one QMP command and waits for its answer (events are skipped). */
static int qmp_cmd(int fd, const char *cmd, char **cause)
{
	_cleanup_free_ char *line = xasprintf("{\"execute\":\"%s\"}\n", cmd);
	size_t n = strlen(line);
	if (write(fd, line, n) != (ssize_t)n)
		return err_errno(cause, "QMP %s", cmd);
	char buf[8192];
	size_t len = 0;
	uint64_t t0 = mono_ns();
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = QEMU_QMP_MS - (int)((mono_ns() - t0) / 1000000u);
		if (left <= 0)
			return err_set(cause, "QMP %s: no answer within %d s", cmd, QEMU_QMP_MS / 1000);
		if (poll(&p, 1, left) <= 0)
			continue;
		ssize_t r = read(fd, buf + len, sizeof buf - 1 - len);
		if (r <= 0)
			return err_set(cause, "QMP %s: QEMU closed its monitor", cmd);
		len += (size_t)r;
		buf[len] = '\0';
		char *nl;
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			if (strstr(buf, "\"return\""))
				return 0;
			if (strstr(buf, "\"error\""))
				return err_set(cause, "QMP %s: %s", cmd, buf);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len + 1);
		}
		if (len == sizeof buf - 1)
			len = 0;
	}
}

/* Reads QMP's greeting line. */
static int qmp_greeting(int fd, char **cause)
{
	char c;
	uint64_t t0 = mono_ns();
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (mono_ns() - t0 > (uint64_t)QEMU_QMP_MS * 1000000u)
			return err_set(cause, "QMP: no greeting");
		if (poll(&p, 1, 200) <= 0)
			continue;
		ssize_t r = read(fd, &c, 1);
		if (r <= 0)
			return err_set(cause, "QMP: QEMU closed its monitor");
		if (c == '\n')
			return 0;
	}
}

/* The host's TSC frequency in kHz from /proc/cpuinfo, or 0. */
static unsigned long host_tsc_khz(void)
{
	_cleanup_free_ char *ci = read_file("/proc/cpuinfo", NULL);
	const char *p = ci ? strstr(ci, "cpu MHz") : NULL;
	p = p ? strchr(p, ':') : NULL;
	return p ? (unsigned long)(strtod(p + 1, NULL) * 1000 + 0.5) : 0;
}

/* The guest's view of argv when it has a network: each "127.0.0.1:PORT"
 * becomes the guest's address and PORT (under user-mode networking the
 * port is added to q->hostfwd); a bare "127.0.0.1" argument becomes the
 * guest's address. malloc'd, NULL-terminated. */
static char **guest_argv(struct qemu *q, const char *guest, char *const *argv)
{
	static const char host[] = "127.0.0.1";
	size_t n = 0;
	while (argv[n])
		n++;
	char **out = xcalloc(n + 1, sizeof *out);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(argv[i], host)) {
			out[i] = xstrdup(guest);
			continue;
		}
		char *o = xstrdup("");
		const char *p = argv[i], *hit;
		while ((hit = strstr(p, host))) {
			const char *after = hit + strlen(host);
			size_t digits = after[0] == ':' ? strspn(after + 1, "0123456789") : 0;
			int port = digits && digits <= 5 ? atoi(after + 1) : 0;
			int boundary = hit == argv[i] || !strchr("0123456789.", hit[-1]);
			char *next;
			if (port > 0 && port < 65536 && boundary) {
				next = xasprintf("%s%.*s%s", o, (int)(hit - p), p, guest);
				_cleanup_free_ char *fwd = xasprintf(",hostfwd=tcp:127.0.0.1:%d-:%d", port, port);
				if (!q->ns && (!q->hostfwd || !strstr(q->hostfwd, fwd))) {
					char *h = xasprintf("%s%s", q->hostfwd ? q->hostfwd : "", fwd);
					free(q->hostfwd);
					q->hostfwd = h;
				}
			} else {
				next = xasprintf("%s%.*s", o, (int)(after - p), p);
			}
			free(o);
			o = next;
			p = after;
		}
		out[i] = xasprintf("%s%s", o, p);
		free(o);
	}
	return out;
}

static int qemu_launch(struct instance *in, char **cause)
{
	struct qemu *q = in->priv;
	char **gargv = q->net ? guest_argv(q, q->ns ? netns_addr(q->ns) : QEMU_GUEST_ADDR, in->argv) : NULL;
	_cleanup_free_ char *argp = vm_argv_param(gargv ? gargv : in->argv, in->probe);
	argv_free(gargv);
	_cleanup_free_ char *disk = vm_escape(in->dir);
	/* microvm has no HPET or ACPI PM timer to calibrate the TSC against;
	 * on a loaded host the PIT calibration fails and the guest can stall
	 * before init. Telling it the frequency (TCG's TSC runs at the host's)
	 * skips the calibration. */
	unsigned long khz = q->microvm ? host_tsc_khz() : 0;
	_cleanup_free_ char *tsc = khz ? xasprintf(" tsc_early_khz=%lu", khz) : xstrdup("");
	_cleanup_free_ char *copies = in->copies ? xasprintf(" isolab.containers=%u", in->copies) : xstrdup("");
	_cleanup_free_ char *bridged = q->ns ? vm_net_param(q->ns) : NULL;
	_cleanup_free_ char *netp = q->net ? xasprintf(" isolab.net=%s", bridged ? bridged : QEMU_GUEST_NET) : xstrdup("");
	_cleanup_free_ char *append = xasprintf("console=ttyS0 quiet panic=-1%s isolab.port=1 isolab.disk=%s%s%s %s",
	    tsc, disk, netp, copies, argp);
	if (strlen(append) > CMDLINE_MAX)
		return err_set(cause, "qemu: the workload's argv makes the kernel command line %zu bytes (at most %d)",
		    strlen(append), CMDLINE_MAX);
	q->m = metrics_new(in->wl, cause);
	if (!q->m)
		return -1;
	_cleanup_free_ char *console = xasprintf("%s/console.log", in->dir);
	q->h.console_fd = open(console, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_APPEND, 0644);

	struct argvb a = { 0 };
	build_argv(in, q, &a, append);
	struct exec_opts o = { .cwd = in->dir, .cgroup_procs = cgroup_procs_files(q->h.cg),
		.netns = q->ns ? netns_path(q->ns) : NULL };
	struct exec_child c;
	in->t_called_ns = mono_ns();
	int rc = exec_spawn(a.v, &o, &c, cause);
	argvb_free(&a);
	if (rc < 0)
		return err_wrap(cause, "qemu");
	if (c.pidfd >= 0)
		close(c.pidfd);
	q->h.vmm_pid = c.pid;
	int qemu_out = c.out_fd;
	if (vm_record_pid(in, c.pid, &q->h.vmm_pid_s, &q->h.vmm_start_s, cause) < 0) {
		close(qemu_out);
		return -1;
	}
	int fds[3] = { -1, -1, qemu_out };
	q->qmp_fd = connect_unix(q->qmp_path, q->h.vmm_pid, QEMU_CONNECT_MS, cause);
	if (q->qmp_fd < 0 || qmp_greeting(q->qmp_fd, cause) < 0 || qmp_cmd(q->qmp_fd, "qmp_capabilities", cause) < 0)
		goto fail;
	fds[0] = connect_unix(q->ser_path, q->h.vmm_pid, QEMU_CONNECT_MS, cause);
	if (fds[0] < 0)
		goto fail;
	fds[1] = connect_unix(q->port_path, q->h.vmm_pid, QEMU_CONNECT_MS, cause);
	if (fds[1] < 0)
		goto fail;
	if (vm_relay_start(&q->h.relay, fds, 3, q->m, q->h.console_fd, cause) < 0)
		goto fail;
	q->h.relay_started = 1;
	if (vm_record_pid(in, q->h.relay.pid, &q->h.relay_pid_s, &q->h.relay_start_s, cause) < 0)
		return -1;
	in->out_fd = q->h.relay.out_fd;
	q->h.relay.out_fd = -1; /* the instance owns it now */
	in->main_pid = q->h.relay.pid;
	if (qmp_cmd(q->qmp_fd, "cont", cause) < 0)
		return err_wrap(cause, "qemu");
	q->h.t_vmm = mono_ns();
	in->t_created_ns = q->h.t_vmm;
	return 0;
fail:
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	/* QEMU's own message, when it refused to start, says why. */
	return err_wrap(cause, "qemu");
}

/* ---- while it runs ---- */

static size_t qemu_pids(struct instance *in, struct pid_role *out, size_t max)
{
	struct qemu *q = in->priv;
	return q ? vm_host_pids(in, &q->h, out, max) : 0;
}

static size_t qemu_foreign(struct instance *in, struct proc_sample *out, size_t max)
{
	struct qemu *q = in->priv;
	return q ? vm_host_samples(in, &q->h, out, max) : 0;
}

/* The guest, vCPUs and clock together: QMP's stop and cont, so that the
 * guest's time does not run on while it waits. */
static int qemu_hold(struct instance *in, int on, char **cause)
{
	struct qemu *q = in->priv;
	if (!q || q->qmp_fd < 0)
		return 0;
	return qmp_cmd(q->qmp_fd, on ? "stop" : "cont", cause) < 0 ? err_wrap(cause, "qemu") : 1;
}

static int qemu_stop(struct instance *in, int force, char **cause)
{
	struct qemu *q = in->priv;
	return q ? vm_host_stop(&q->h, force, cause) : 0;
}

static int qemu_cleanup(struct instance *in, char **cause)
{
	struct qemu *q = in->priv;
	if (!q)
		return 0;
	int rc = vm_host_cleanup(in, &q->h, cause);
	/* After QEMU is gone: it held the tap. */
	if (vm_net_release(in, q->ns, rc < 0 ? NULL : cause) < 0)
		rc = -1;
	q->ns = NULL;
	if (q->qmp_fd >= 0)
		close(q->qmp_fd);
	q->qmp_fd = -1;
	vm_note_scratch(in, q->scratch);
	if (q->scratch && (unlink(q->scratch) == 0 || errno == ENOENT))
		resources_done(in->res, "file", q->scratch, NULL);
	if (q->rdir && (rm_rf(q->rdir) == 0 || errno == ENOENT))
		resources_done(in->res, "dir", q->rdir, NULL);
	metrics_free(q->m);
	guestkernel_free(&q->k);
	free(q->vmlinux);
	free(q->binary);
	free(q->version);
	free(q->initrd);
	free(q->rdir);
	free(q->qmp_path);
	free(q->ser_path);
	free(q->port_path);
	free(q->scratch);
	free(q->hostfwd);
	free(q);
	in->priv = NULL;
	return rc;
}

static const struct option_decl qemu_options[] = {
	{ .name = "machine", .spec = { .type = VT_CHOICE, .choices = (const char *const[]){ "pc", "microvm", NULL } },
	  .doc = "pc (the traditional PC, default) or microvm (minimal, virtio-mmio)" },
	{ .name = "accel", .spec = { .type = VT_CHOICE, .choices = (const char *const[]){ "auto", "kvm", "tcg", NULL } },
	  .doc = "auto (KVM when its bounded boot probe passes, else TCG; default), kvm or tcg" },
	{ .name = "kvm_probe_timeout", .spec = { .type = VT_INT, .has_min = 1, .min = 1, .has_max = 1, .max = 3600 },
	  .doc = "seconds the KVM boot probe may take (default 20)" },
	{ .name = "containers", .spec = { .type = VT_INT, .has_min = 1, .min = 0, .has_max = 1, .max = MAX_COPIES },
	  .doc = "0 (default): the workload is the guest's own process; N: N copies, each in a container in the guest" },
	VM_OPTIONS,
	{ .name = "disk_cache", .spec = { .type = VT_CHOICE, .choices = (const char *const[]){ "none", "writeback",
	  "writethrough", "directsync", "unsafe", NULL } }, .doc = "QEMU's cache mode for the scratch disk (default none)" },
	GUESTKERNEL_OPTIONS,
	{ .name = "boot_kernel", .spec = { .type = VT_CHOICE, .choices = (const char *const[]){ "vmlinux", "bzimage", NULL } },
	  .doc = "vmlinux (default): boot the kernel uncompressed, through its PVH entry (extracted once into the cache); "
		 "bzimage: boot the compressed kernel, which decompresses itself at every boot" },
	{ .name = "netdev", .spec = { .type = VT_CHOICE, .choices = (const char *const[]){ "tap", "user", NULL } },
	  .doc = "with network bridge: tap (default: virtio-net on a tap on the instance's bridge, vhost-net under KVM where "
		 "/dev/vhost-net opens) or user (QEMU's user-mode network, the port forwarded from 127.0.0.1)" },
	{ .name = "binary", .doc = "the QEMU program (default qemu-system-x86_64)" },
	{ .name = "extra_args", .doc = "more QEMU arguments, split on white space" },
	{ 0 },
};

static char *qemu_network_refusal(const struct runtime_conf *rt, const char *net, int serve)
{
	if (on_tap(rt, net) && geteuid() != 0)
		return xstrdup("network bridge puts the VM on a tap on the instance's bridge, which needs root (the "
			       "runtime option netdev = \"user\", as in qemu-usernet, needs none)");
	return serve && !strcmp(net, "none") ? xstrdup("network none gives the VM no network card (bridge puts it on "
	    "the instance's bridge through a tap, host gives it QEMU's user-mode network)") : NULL;
}

const struct driver driver_qemu = {
	.name = "qemu",
	.description = "QEMU virtual machines (pc or microvm; KVM when usable, else TCG) with isolab's in-guest agent",
	.probe = qemu_probe,
	.prepare = qemu_prepare,
	.stage = qemu_stage,
	.launch = qemu_launch,
	.pids = qemu_pids,
	.foreign_samples = qemu_foreign,
	.hold = qemu_hold,
	.stop = qemu_stop,
	.cleanup = qemu_cleanup,
	.limits_supported = LIMIT_CPUS | LIMIT_CPUSET | LIMIT_WEIGHT | LIMIT_MEM_HARD | LIMIT_IO_WEIGHT,
	.own_kernel = 1,
	/* A guest booting under TCG takes 5-15 s here; a loaded machine more. */
	.startup_allowance_s = 180,
	.options = qemu_options,
	.network_refusal = qemu_network_refusal,
};

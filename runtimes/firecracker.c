/*
 * firecracker.c — Firecracker micro-VMs, driven through the API socket of
 * the real `firecracker` binary with isolab's own HTTP client (httpunix.h).
 *
 * The guest is the qemu driver's: the kernel guestkernel.c finds, the
 * initramfs initramfs.c builds with isolab-probe as /init (the agent), a
 * raw scratch disk (ext4 when mkfs.ext4 exists) mounted at ${datadir}.
 * Differences that matter:
 *   - Firecracker loads only an ELF vmlinux on x86_64, never a bzImage:
 *     vmlinux.c extracts it once per kernel into the cache.
 *   - Its devices are virtio-mmio, announced on the kernel command line
 *     (virtio_mmio.device=...) which Firecracker appends itself; the agent
 *     passes those settings when it loads virtio_mmio, as modprobe would.
 *   - There is no virtio-serial: the agent's frames go over the serial
 *     console (ttyS0), which Firecracker writes to its stdout, where the
 *     relay (vm.h) separates them from kernel messages and Firecracker's
 *     own log lines.
 *   - Without ACPI power-off the guest ends by rebooting (reboot=k through
 *     the i8042), which makes Firecracker exit: isolab.halt=reboot tells
 *     the agent to do that instead of powering off.
 * Sequence: spawn `firecracker --api-sock S --id ID` in the instance's
 * cgroup, wait for S, PUT /machine-config, /boot-source, /drives/scratch,
 * start the relay, PUT /actions InstanceStart (the "vmm" milestone).
 * No jailer: isolab runs Firecracker as root in its cgroup, as QEMU.
 * Network: "none", or "bridge" as the qemu driver has it (vm.h,
 * vm_net_bridge): Firecracker starts in the instance's namespace and gets
 * the tap there as eth0 through PUT /network-interfaces/eth0, and the
 * guest holds the instance's address. "host" is refused: a VM cannot share
 * the host's stack, and Firecracker has no user-mode network.
 *
 * Resources: the instance's cgroup, the socket directory (API socket
 * inside), the scratch disk, Firecracker's and the relay's pids, all in
 * the resource journal, so `isolab cleanup` reaps a killed run's VM.
 */
#include "config.h"
#include "cgroup.h"
#include "container.h"
#include "exec.h"
#include "firecracker.h"
#include "guestkernel.h"
#include "httpunix.h"
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
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define FC_API_MS 10000
#define FC_SOCKET_MS 10000
#define FC_CMDLINE_MAX 2000
#define FC_FIX_MISSING                                                                                           \
	"download the static release binary from the Firecracker project's GitHub releases "                      \
	"(github.com/firecracker-microvm/firecracker/releases: firecracker-vX.Y.Z-x86_64.tgz) into /usr/local/bin " \
	"as 'firecracker' (x86_64) — it is not packaged in Debian"

/* ---- the API requests ---- */

static int fc_put(const char *sock, const char *path, json_t *body, int timeout_ms, char **cause)
{
	_cleanup_free_ char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!text)
		return err_set(cause, "firecracker: PUT %s: cannot encode the request", path);
	struct http_response r;
	int rc = httpunix_request(sock, "PUT", path, text, timeout_ms, &r, cause);
	if (rc < 0) {
		httpunix_free(&r);
		return err_wrap(cause, "firecracker: PUT %s", path);
	}
	if (r.status / 100 != 2) {
		/* Firecracker explains a refusal in {"fault_message": "..."}. */
		json_t *j = r.body ? json_loadb(r.body, r.body_len, 0, NULL) : NULL;
		const char *fm = json_string_value(json_object_get(j, "fault_message"));
		rc = err_set(cause, "firecracker: PUT %s: %d %s: %s", path, r.status, r.reason ? r.reason : "",
		    fm ? fm : r.body ? r.body : "(no explanation)");
		json_decref(j);
	}
	httpunix_free(&r);
	return rc;
}

int firecracker_configure(const char *api_sock, const struct fc_boot *b, int timeout_ms, char **cause)
{
	if (fc_put(api_sock, "/machine-config",
		json_pack("{s:i, s:i, s:b}", "vcpu_count", (int)b->vcpus, "mem_size_mib", (int)b->mem_mib, "smt", 0),
		timeout_ms, cause) < 0)
		return -1;
	json_t *boot = json_pack("{s:s, s:s}", "kernel_image_path", b->kernel, "boot_args", b->boot_args);
	if (boot && b->initrd)
		json_object_set_new(boot, "initrd_path", json_string(b->initrd));
	if (fc_put(api_sock, "/boot-source", boot, timeout_ms, cause) < 0)
		return -1;
	if (b->disk && fc_put(api_sock, "/drives/scratch",
			   json_pack("{s:s, s:s, s:b, s:b}", "drive_id", "scratch", "path_on_host", b->disk,
			       "is_root_device", 0, "is_read_only", 0),
			   timeout_ms, cause) < 0)
		return -1;
	if (b->tap && fc_put(api_sock, "/network-interfaces/eth0",
			  json_pack("{s:s, s:s}", "iface_id", "eth0", "host_dev_name", b->tap), timeout_ms, cause) < 0)
		return -1;
	return 0;
}

int firecracker_start(const char *api_sock, int timeout_ms, char **cause)
{
	return fc_put(api_sock, "/actions", json_pack("{s:s}", "action_type", "InstanceStart"), timeout_ms, cause);
}

/* ---- probe ---- */

struct fc {
	char *binary;
	struct guest_kernel k;
	char *vmlinux;
	char *initrd;
	char *rdir, *sock, *scratch;
	struct vm_host h;    /* firecracker, the relay, the console log, the cgroup */
	struct metrics *m;
	struct netns *ns;    /* network bridge: the instance's namespace */
	const char *tap;     /* the tap device in it */
};

static const char *fc_binary_name(const struct runtime_conf *rt)
{
	return runtime_option(rt, "binary", "firecracker");
}

/* "1.7.0" from "Firecracker v1.7.0". */
static char *fc_version(const char *path)
{
	return ctr_version(path, " v", " \n");
}

/* KVM as the qemu driver's bounded boot probe judged it for this kernel
 * (the verdict is per QEMU version and kernel; without QEMU only /dev/kvm
 * can be checked). *why gets a malloc'd reason when not usable. */
static enum kvm_verdict fc_kvm(const struct guest_kernel *k, char **why)
{
	_cleanup_free_ char *ver = kvm_qemu_version(NULL);
	return kvm_cached(ver, k->path, why);
}

static void fc_probe(const struct runtime_conf *rt, struct driver_status *st)
{
	const char *bin = fc_binary_name(rt);
	_cleanup_free_ char *path = exec_which(bin);
	if (!path) {
		st->reason = xasprintf("%s not found (not in PATH)", bin);
		st->fix = xstrdup(FC_FIX_MISSING);
		return;
	}
	_cleanup_free_ char *ver = fc_version(path);
	if (!ver) {
		st->reason = xasprintf("%s --version failed", path);
		st->fix = xstrdup(FC_FIX_MISSING);
		return;
	}
	struct guest_kernel k;
	char *cause = NULL;
	if (guestkernel_find(rt, &k, &cause) < 0) {
		st->reason = cause;
		st->fix = xstrdup("isolab fetch-kernel (downloads Debian's kernel into isolab's cache, installs nothing)");
		return;
	}
	_cleanup_free_ char *why = NULL;
	enum kvm_verdict v = fc_kvm(&k, &why);
	if (v == KVM_UNUSABLE) {
		st->reason = xasprintf("Firecracker needs KVM, and KVM is unusable here: %s", why ? why : "?");
		st->fix = xstrdup("run on a host whose /dev/kvm works (bare metal, or a VM with working nested "
				  "virtualisation); Firecracker has no emulation fallback — use qemu-microvm under TCG");
		guestkernel_free(&k);
		return;
	}
	st->available = 1;
	st->version = xasprintf("Firecracker %s, KVM%s, kernel %s", ver,
	    v == KVM_USABLE ? "" : " (not yet proven by the qemu driver's boot probe)", k.release ? k.release : k.path);
	guestkernel_free(&k);
}

/* ---- prepare ---- */

static unsigned fc_mem_mib(const struct instance *in)
{
	uint64_t v = 0;
	if (in->limits && in->limits->mem_hard)
		v = in->limits->mem_hard;
	else if (parse_size(runtime_option(in->rt, "memory", "512M"), &v) < 0 || v < (64u << 20))
		v = 512u << 20;
	return (unsigned)(v >> 20);
}

static unsigned fc_vcpus(const struct instance *in)
{
	unsigned n = in->limits && in->limits->cpus > 0 ? (unsigned)ceil(in->limits->cpus)
						       : in->threads ? in->threads : 1;
	return n > 32 ? 32 : n; /* Firecracker's range is 1..32 */
}

static int fc_scratch(struct instance *in, struct fc *f, char **cause)
{
	uint64_t size = 0;
	const char *ds = runtime_option(in->rt, "disk_size", "1G");
	if (parse_size(ds, &size) < 0 || size < (16u << 20))
		return err_set(cause, "firecracker: bad disk_size '%s'", ds);
	f->scratch = xasprintf("%s/scratch.img", in->dir);
	if (resources_add(in->res, "file", f->scratch, NULL, cause) < 0)
		return -1;
	int fd = open(f->scratch, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_errno(cause, "firecracker: create %s", f->scratch);
	int rc = ftruncate(fd, (off_t)size);
	close(fd);
	if (rc < 0)
		return err_errno(cause, "firecracker: size %s", f->scratch);
	_cleanup_free_ char *mkfs = exec_which("mkfs.ext4");
	if (!mkfs) {
		vm_note_info(in, "no mkfs.ext4 on the host: the guest uses tmpfs for ${datadir}");
		return 0;
	}
	char *argv[] = { mkfs, (char *)"-q", (char *)"-F", (char *)"-E",
		(char *)"nodiscard,lazy_itable_init=0,lazy_journal_init=0", f->scratch, NULL };
	return ctr_run(argv, 60000, NULL, cause) < 0 ? err_wrap(cause, "firecracker: format the scratch disk") : 0;
}

static char *fc_network_refusal(const struct runtime_conf *rt, const char *net, int serve)
{
	(void)rt;
	if (!strcmp(net, "host"))
		return xstrdup("a Firecracker VM cannot share the host's network stack and has no user-mode network "
			       "(bridge puts it on a tap on the instance's bridge)");
	if (!strcmp(net, "bridge") && geteuid() != 0)
		return xstrdup("network bridge puts the Firecracker VM on a tap on the instance's bridge, which needs root");
	return serve && !strcmp(net, "none") ? xstrdup("network none gives the Firecracker VM no network card, which "
	    "no host program reaches (bridge puts it on a tap on the instance's bridge)") : NULL;
}

static int fc_prepare(struct instance *in, char **cause)
{
	if (!in->res)
		return err_set(cause, "firecracker: no resource journal for this run");
	_cleanup_free_ char *net = in->network ? fc_network_refusal(in->rt, in->network, 0) : NULL;
	if (net)
		return err_set(cause, "firecracker: network %s: %s", in->network, net);
	struct fc *f = xcalloc(1, sizeof *f);
	in->priv = f;
	f->h.who = "firecracker";
	f->h.console_fd = -1;
	in->addr = xstrdup("127.0.0.1");
	f->binary = exec_which(fc_binary_name(in->rt));
	if (!f->binary)
		return err_set(cause, "%s not found; fix: %s", fc_binary_name(in->rt), FC_FIX_MISSING);
	if (guestkernel_find(in->rt, &f->k, cause) < 0)
		return -1;
	_cleanup_free_ char *why = NULL;
	if (fc_kvm(&f->k, &why) == KVM_UNUSABLE)
		return err_set(cause, "firecracker: Firecracker needs KVM, and KVM is unusable here: %s", why ? why : "?");
	f->vmlinux = vmlinux_get(f->k.path, cause);
	if (!f->vmlinux)
		return err_wrap(cause, "firecracker: the ELF vmlinux Firecracker loads");
	struct initramfs_spec spec = { .probe = in->probe, .modules_dir = f->k.modules_dir,
		.modules = vm_guest_modules, .busybox = 1 };
	f->initrd = initramfs_get(&spec, cause);
	if (!f->initrd)
		return err_wrap(cause, "firecracker: initramfs");
	vm_note_info(in, "guest: kernel %s (as ELF %s), initramfs %s", f->k.path, f->vmlinux, f->initrd);
	if (in->network && !strcmp(in->network, "bridge")) {
		f->ns = vm_net_bridge(in, "Firecracker's virtio-net, the tap given through its API", &f->tap, cause);
		if (!f->ns)
			return err_wrap(cause, "firecracker: network bridge");
	}

	f->rdir = xasprintf("%s/firecracker-%d", resources_dir(in->res), in->id);
	if (resources_add(in->res, "dir", f->rdir, NULL, cause) < 0)
		return -1;
	if (mkdir_p(f->rdir, 0700) < 0)
		return err_errno(cause, "firecracker: create %s", f->rdir);
	f->sock = xasprintf("%s/api.sock", f->rdir);
	if (strlen(f->sock) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return err_set(cause, "firecracker: socket path too long: %s", f->sock);
	if (fc_scratch(in, f, cause) < 0)
		return -1;
	struct limits lim = { 0 };
	if (in->limits) {
		lim.cpus = in->limits->cpus;
		lim.cpuset = in->limits->cpuset;
		lim.weight = in->limits->weight;
		lim.io_weight = in->limits->io_weight; /* its disk is its host I/O */
	}
	f->h.cg_rel = xasprintf("isolab/%s/%d", in->run_id, in->id);
	if (resources_add(in->res, "cgroup", f->h.cg_rel, NULL, cause) < 0)
		return -1;
	f->h.cg = cgroup_create(f->h.cg_rel, &lim, cause);
	if (!f->h.cg)
		return err_wrap(cause, "firecracker: cgroup");
	in->cgroup = f->h.cg_rel;
	if (cgroup_apply(f->h.cg, &lim, cause) < 0)
		return err_wrap(cause, "firecracker: cgroup limits");
	return 0;
}

/* ---- launch ---- */

/* Waits until Firecracker listens on its API socket. */
static int wait_api(const char *sock, pid_t owner, char **cause)
{
	uint64_t t0 = mono_ns();
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return err_errno(cause, "socket");
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
		int ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
		close(fd);
		if (ok)
			return 0;
		int st;
		if (waitpid(owner, &st, WNOHANG) == owner) {
			_cleanup_free_ char *s = exec_status_str(st);
			return err_set(cause, "firecracker %s before it opened its API socket", s);
		}
		if (mono_ns() - t0 > (uint64_t)FC_SOCKET_MS * 1000000u)
			return err_set(cause, "firecracker did not open %s within %d s", sock, FC_SOCKET_MS / 1000);
		usleep(5000);
	}
}

static int fc_launch(struct instance *in, char **cause)
{
	struct fc *f = in->priv;
	if (!f || !f->sock)
		return err_set(cause, "firecracker: launch without prepare");
	_cleanup_free_ char *argp = vm_argv_param(in->argv, in->probe);
	_cleanup_free_ char *disk = vm_escape(in->dir);
	_cleanup_free_ char *bridged = f->ns ? vm_net_param(f->ns) : NULL;
	_cleanup_free_ char *netp = bridged ? xasprintf(" isolab.net=%s", bridged) : xstrdup("");
	_cleanup_free_ char *args = xasprintf("console=ttyS0 reboot=k panic=1 pci=off quiet i8042.noaux "
					      "isolab.halt=reboot isolab.disk=%s%s %s",
	    disk, netp, argp);
	if (strlen(args) > FC_CMDLINE_MAX)
		return err_set(cause, "firecracker: the workload's argv makes the kernel command line %zu bytes (at most %d)",
		    strlen(args), FC_CMDLINE_MAX);
	f->m = metrics_new(in->wl, cause);
	if (!f->m)
		return -1;
	_cleanup_free_ char *console = xasprintf("%s/console.log", in->dir);
	f->h.console_fd = open(console, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_APPEND, 0644);
	/* --id: Firecracker accepts [A-Za-z0-9-] only. */
	_cleanup_free_ char *id = xasprintf("isolab-%s-%d", in->run_id, in->id);
	for (char *c = id; *c; c++)
		if (!(*c == '-' || (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
			*c = '-';
	if (strlen(id) > 64)
		id[64] = '\0';
	if (resources_add(in->res, "file", f->sock, NULL, cause) < 0)
		return -1;
	struct argvb a = { 0 };
	argvb_add(&a, f->binary);
	argvb_add(&a, "--api-sock");
	argvb_add(&a, f->sock);
	argvb_add(&a, "--id");
	argvb_add(&a, id);
	argvb_add_words(&a, runtime_option(in->rt, "extra_args", ""));
	struct exec_opts o = { .cwd = in->dir, .cgroup_procs = cgroup_procs_files(f->h.cg),
		.netns = f->ns ? netns_path(f->ns) : NULL };
	struct exec_child c;
	in->t_called_ns = mono_ns();
	int rc = exec_spawn(a.v, &o, &c, cause);
	argvb_free(&a);
	if (rc < 0)
		return err_wrap(cause, "firecracker");
	if (c.pidfd >= 0)
		close(c.pidfd);
	f->h.vmm_pid = c.pid;
	int fds[1] = { c.out_fd };
	if (vm_record_pid(in, c.pid, &f->h.vmm_pid_s, &f->h.vmm_start_s, cause) < 0)
		goto fail;
	struct fc_boot b = { .kernel = f->vmlinux, .initrd = f->initrd, .boot_args = args, .disk = f->scratch,
		.tap = f->tap, .vcpus = fc_vcpus(in), .mem_mib = fc_mem_mib(in) };
	if (wait_api(f->sock, f->h.vmm_pid, cause) < 0 || firecracker_configure(f->sock, &b, FC_API_MS, cause) < 0)
		goto fail;
	/* Firecracker's stdout carries the serial console (and its own log). */
	if (vm_relay_start(&f->h.relay, fds, 1, f->m, f->h.console_fd, cause) < 0)
		goto fail;
	fds[0] = -1;
	f->h.relay_started = 1;
	if (vm_record_pid(in, f->h.relay.pid, &f->h.relay_pid_s, &f->h.relay_start_s, cause) < 0)
		return -1;
	in->out_fd = f->h.relay.out_fd;
	f->h.relay.out_fd = -1; /* the instance owns it now */
	in->main_pid = f->h.relay.pid;
	if (firecracker_start(f->sock, FC_API_MS, cause) < 0)
		return -1;
	f->h.t_vmm = mono_ns();
	in->t_created_ns = f->h.t_vmm;
	return 0;
fail:
	if (fds[0] >= 0)
		close(fds[0]);
	return -1;
}

/* ---- while it runs ---- */

static size_t fc_pids(struct instance *in, struct pid_role *out, size_t max)
{
	struct fc *f = in->priv;
	return f ? vm_host_pids(in, &f->h, out, max) : 0;
}

static size_t fc_foreign(struct instance *in, struct proc_sample *out, size_t max)
{
	struct fc *f = in->priv;
	return f ? vm_host_samples(in, &f->h, out, max) : 0;
}

static int fc_stop(struct instance *in, int force, char **cause)
{
	struct fc *f = in->priv;
	return f ? vm_host_stop(&f->h, force, cause) : 0;
}

static int fc_cleanup(struct instance *in, char **cause)
{
	struct fc *f = in->priv;
	if (!f)
		return 0;
	int rc = vm_host_cleanup(in, &f->h, cause);
	/* After Firecracker is gone: it held the tap. */
	if (vm_net_release(in, f->ns, rc < 0 ? NULL : cause) < 0)
		rc = -1;
	f->ns = NULL;
	if (f->sock && (unlink(f->sock) == 0 || errno == ENOENT))
		resources_done(in->res, "file", f->sock, NULL);
	vm_note_scratch(in, f->scratch);
	if (f->scratch && (unlink(f->scratch) == 0 || errno == ENOENT))
		resources_done(in->res, "file", f->scratch, NULL);
	if (f->rdir && (rm_rf(f->rdir) == 0 || errno == ENOENT))
		resources_done(in->res, "dir", f->rdir, NULL);
	metrics_free(f->m);
	guestkernel_free(&f->k);
	free(f->binary);
	free(f->vmlinux);
	free(f->initrd);
	free(f->rdir);
	free(f->sock);
	free(f->scratch);
	free(f);
	in->priv = NULL;
	return rc;
}

static const struct option_decl fc_options[] = {
	{ .name = "binary", .doc = "the Firecracker program (default firecracker)" },
	GUESTKERNEL_OPTIONS,
	VM_OPTIONS,
	{ .name = "extra_args", .doc = "more firecracker arguments, split on white space" },
	{ 0 },
};

const struct driver driver_firecracker = {
	.name = "firecracker",
	.description = "Firecracker micro-VMs through their API socket (KVM only) with isolab's in-guest agent",
	.probe = fc_probe,
	.prepare = fc_prepare,
	.launch = fc_launch,
	.pids = fc_pids,
	.foreign_samples = fc_foreign,
	.stop = fc_stop,
	.cleanup = fc_cleanup,
	.limits_supported = LIMIT_CPUS | LIMIT_CPUSET | LIMIT_WEIGHT | LIMIT_MEM_HARD | LIMIT_IO_WEIGHT,
	.own_kernel = 1,
	/* Under KVM a guest boots in well under a second; a loaded host, and
	 * the first run's vmlinux extraction, take longer. */
	.startup_allowance_s = 60,
	.options = fc_options,
	.network_refusal = fc_network_refusal,
};

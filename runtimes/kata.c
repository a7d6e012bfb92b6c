/*
 * kata.c — Kata Containers: each container in its own lightweight VM,
 * through Docker with the Kata shim as the container runtime.
 *
 * Everything an instance does is the docker driver's (docker.c: import,
 * create --runtime=kata, start --attach, rm), because Kata is an OCI
 * runtime to Docker: the driver's option `runtime` already passes it. What
 * this driver adds is what Docker cannot say:
 *   - probe: is Kata installed (containerd-shim-kata-v2, which containerd
 *     finds as io.containerd.kata.v2; kata-runtime is its CLI), does KVM
 *     work (Kata's hypervisors — QEMU, Cloud Hypervisor, Firecracker — all
 *     need it; the verdict is the qemu driver's bounded boot probe), and
 *     has dockerd registered the runtime — each with its own fix, since
 *     Kata is not packaged in Debian 12;
 *   - pids: the VMM the shim starts (qemu-system-*, cloud-hypervisor,
 *     firecracker) and virtiofsd, as the VMM's rows, beside the shim.
 * Podman is not offered: Kata 2 and later dropped the runc-compatible CLI
 * that Podman drives. `ctr run --runtime io.containerd.kata.v2` is the
 * other way in; it needs no daemon.json but an image in containerd's own
 * store, which isolab does not keep.
 */
#include "config.h"
#include "container.h"
#include "exec.h"
#include "guestkernel.h"
#include "kvm.h"
#include "runtime.h"
#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

extern const struct driver driver_docker;

#define KATA_FIX_INSTALL                                                                                      \
	"Kata is not packaged in Debian 12: unpack the release tarball kata-static-<version>-amd64.tar.xz from "   \
	"github.com/kata-containers/kata-containers/releases into / (it installs /opt/kata) and link "            \
	"/opt/kata/bin/containerd-shim-kata-v2 and kata-runtime into /usr/local/bin; or 'snap install "           \
	"kata-containers --classic'; Fedora, CentOS Stream and openSUSE package it as kata-containers"

/* The shim's version: "3.2.0" from "... version: 3.2.0, commit: ...", or
 * the first line as it is. */
static char *kata_version(const char *shim)
{
	char *argv[] = { (char *)shim, (char *)"--version", NULL };
	_cleanup_free_ char *line = ctr_first_line(argv);
	if (!line)
		return NULL;
	const char *v = strstr(line, "version: ");
	if (v)
		return xstrndup(v + 9, strcspn(v + 9, ", \n"));
	return xstrdup(line);
}

/* KVM as far as this host can tell: /dev/kvm, then the qemu driver's
 * cached boot-probe verdict for the default guest kernel. */
static enum kvm_verdict kata_kvm(char **why)
{
	_cleanup_free_ char *ver = kvm_qemu_version(NULL);
	struct guest_kernel k;
	char *cause = NULL;
	if (guestkernel_find(NULL, &k, &cause) < 0) {
		free(cause);
		return kvm_cached(ver, "", why);
	}
	enum kvm_verdict v = kvm_cached(ver, k.path, why);
	guestkernel_free(&k);
	return v;
}

static void kata_probe(const struct runtime_conf *rt, struct driver_status *st)
{
	const char *shim_name = runtime_option(rt, "shim", "containerd-shim-kata-v2");
	_cleanup_free_ char *shim = exec_which(shim_name);
	_cleanup_free_ char *cli = exec_which("kata-runtime");
	if (!shim) {
		st->reason = xasprintf("Kata Containers is not installed: %s not found in PATH%s", shim_name,
		    cli ? " (kata-runtime is, but containerd needs the shim)" : " (nor kata-runtime)");
		st->fix = xstrdup(KATA_FIX_INSTALL);
		return;
	}
	_cleanup_free_ char *ver = kata_version(shim);
	_cleanup_free_ char *why = NULL;
	if (kata_kvm(&why) == KVM_UNUSABLE) {
		st->reason = xasprintf("Kata runs each container in a VM and needs KVM, which is unusable here: %s",
		    why ? why : "?");
		st->fix = xstrdup("run on a host whose /dev/kvm works (bare metal, or nested virtualisation that works)");
		return;
	}
	struct driver_status ds;
	driver_docker.probe(rt, &ds);
	if (!ds.available) {
		const char *runtime = runtime_option(rt, "runtime", "kata");
		st->reason = ds.reason;
		ds.reason = NULL;
		if (st->reason && strstr(st->reason, "has no runtime"))
			st->fix = xasprintf("register the shim with dockerd: in /etc/docker/daemon.json \"runtimes\": "
					    "{\"%s\": {\"runtimeType\": \"io.containerd.kata.v2\"}} (Docker 23 or later; "
					    "older Docker cannot run shim-v2 runtimes), then restart dockerd",
			    runtime);
		else
			st->fix = ds.fix, ds.fix = NULL;
		driver_status_free(&ds);
		return;
	}
	st->available = 1;
	st->version = xasprintf("Kata Containers %s, %s", ver ? ver : "?", ds.version ? ds.version : "docker");
	driver_status_free(&ds);
}

static int is_vmm(const char *comm)
{
	static const char *const names[] = { "qemu-system-", "qemu-kvm", "cloud-hyperviso", "firecracker",
		"virtiofsd" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strncmp(comm, names[i], strlen(names[i])))
			return 1;
	return 0;
}

/* Adds the children of pid that are a VMM (or its virtiofsd) as ROLE_VMM. */
static size_t add_vmm_children(pid_t pid, struct pid_role *out, size_t n, size_t max)
{
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *p = xasprintf("%s/%s/children", dir, de->d_name);
		_cleanup_free_ char *kids = read_file(p, NULL);
		char *save = NULL;
		for (char *t = kids ? strtok_r(kids, " \n", &save) : NULL; t && n < max; t = strtok_r(NULL, " \n", &save)) {
			pid_t k = (pid_t)atoi(t);
			_cleanup_free_ char *cp = xasprintf("/proc/%d/comm", (int)k);
			_cleanup_free_ char *comm = read_file(cp, NULL);
			int dup = 0;
			for (size_t i = 0; i < n; i++)
				dup |= out[i].pid == k;
			if (k > 0 && comm && is_vmm(comm) && !dup)
				out[n++] = (struct pid_role){ .pid = k, .role = ROLE_VMM };
		}
	}
	if (d)
		closedir(d);
	return n;
}

static size_t kata_pids(struct instance *in, struct pid_role *out, size_t max)
{
	size_t n = driver_docker.pids(in, out, max);
	size_t base = n;
	for (size_t i = 0; i < base; i++)
		if (out[i].role == ROLE_RUNTIME)
			n = add_vmm_children(out[i].pid, out, n, max);
	return n;
}

/* The rest is the docker driver's, with the runtime option it passes. */
static int kata_prepare(struct instance *in, char **cause) { return driver_docker.prepare(in, cause); }
static int kata_launch(struct instance *in, char **cause) { return driver_docker.launch(in, cause); }
static int kata_stop(struct instance *in, int force, char **cause) { return driver_docker.stop(in, force, cause); }
static int kata_cleanup(struct instance *in, char **cause) { return driver_docker.cleanup(in, cause); }
static char *kata_network_refusal(const struct runtime_conf *rt, const char *net, int serve)
{
	return driver_docker.network_refusal(rt, net, serve);
}

/* The docker driver's options, and the shim this driver looks for. */
static const struct option_decl kata_options[] = {
	DOCKER_CLI_OPTIONS,
	{ .name = "runtime", .doc = "the runtime name Docker knows Kata by (default kata)" },
	{ .name = "shim", .doc = "the shim program looked for in PATH (default containerd-shim-kata-v2)" },
	{ 0 },
};

const struct driver driver_kata = {
	.name = "kata",
	.description = "Kata Containers (a VM per container) through Docker's --runtime with the Kata shim",
	.probe = kata_probe,
	.prepare = kata_prepare,
	.launch = kata_launch,
	.pids = kata_pids,
	.stop = kata_stop,
	.cleanup = kata_cleanup,
	.limits_supported = LIMIT_CPUS | LIMIT_CPUSET | LIMIT_WEIGHT | LIMIT_MEM_HARD | LIMIT_MEM_SOFT | LIMIT_PIDS,
	.own_kernel = 1,
	.startup_allowance_s = 60,
	.options = kata_options,
	.network_refusal = kata_network_refusal,
};

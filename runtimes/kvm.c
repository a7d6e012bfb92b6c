/*
 * kvm.c — the bounded KVM boot probe and its cached verdict.
 *
 * Why a boot and not an ioctl: on this project's machines /dev/kvm opens,
 * KVM_CREATE_VM succeeds, and a nested guest then hangs right after the
 * kernel's decompressor. Only a real boot tells. The probe boots the same
 * kernel and initramfs the qemu driver uses, on the smallest machine
 * (microvm, 256M, one vCPU), with the agent running `start`, and waits for
 * the agent's exit frame. A working KVM answers in about a second; the
 * timeout only bounds the broken case. A killed QEMU whose vCPU is stuck
 * may take a moment to die, so the wait for it is bounded too.
 *
 * ISOLAB_KVM_DEVICE names another device than /dev/kvm. The tests use it to
 * stand for the kinds of machine this machine is not: a path that does not
 * exist for a host without KVM, a character device that opens (/dev/null)
 * for one whose /dev/kvm opens, together with a stand-in QEMU that hangs
 * or boots (tests/integration/qemu-sim). The device is part of the
 * verdict's key. ISOLAB_VHOST_DEVICE does the same for /dev/vhost-net,
 * which QEMU itself opens when asked for vhost=on: only the stand-in that
 * plays a machine where KVM works takes a device other than the real one.
 */
#include "config.h"
#include "cache.h"
#include "container.h"
#include "exec.h"
#include "kvm.h"
#include "util.h"
#include "frame.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

const char *kvm_accel_label(int kvm) { return kvm ? "KVM" : "emulated (TCG)"; }

const char *kvm_device(void)
{
	const char *e = getenv("ISOLAB_KVM_DEVICE");
	return e && *e ? e : "/dev/kvm";
}

const char *vhost_device(void)
{
	const char *e = getenv("ISOLAB_VHOST_DEVICE");
	return e && *e ? e : "/dev/vhost-net";
}

char *kvm_qemu_version(const char *path)
{
	_cleanup_free_ char *found = path ? NULL : exec_which("qemu-system-x86_64");
	if (!path && !(path = found))
		return NULL;
	return ctr_version(path, "version ", " ");
}

static char *verdict_path(const char *qemu_version, const char *kernel)
{
	struct cache_key k;
	struct stat st;
	struct utsname u;
	char buf[512];
	memset(&st, 0, sizeof st);
	stat(kernel, &st);
	if (uname(&u) < 0)
		u.release[0] = '\0';
	snprintf(buf, sizeof buf, "%s|%s|%lld|%lld|%s%s%s", qemu_version ? qemu_version : "", kernel,
	    (long long)st.st_size, (long long)st.st_mtime, u.release,
	    strcmp(kvm_device(), "/dev/kvm") ? "|" : "", strcmp(kvm_device(), "/dev/kvm") ? kvm_device() : "");
	cache_key_init(&k);
	cache_key_add(&k, buf, strlen(buf));
	return cache_entry("kvm", "", &k, "", NULL);
}

static int dev_kvm_ok(char **why)
{
	int fd = open(kvm_device(), O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (why)
			*why = xasprintf("%s: %s", kvm_device(), strerror(errno));
		return 0;
	}
	close(fd);
	return 1;
}

enum kvm_verdict kvm_cached(const char *qemu_version, const char *kernel, char **why)
{
	if (!dev_kvm_ok(why))
		return KVM_UNUSABLE;
	_cleanup_free_ char *path = verdict_path(qemu_version, kernel);
	_cleanup_free_ char *v = path ? read_file(path, NULL) : NULL;
	if (!v) {
		if (why)
			*why = xasprintf("%s opens; the boot probe has not run with this QEMU and kernel", kvm_device());
		return KVM_UNKNOWN;
	}
	v[strcspn(v, "\n")] = '\0';
	if (!strcmp(v, "usable"))
		return KVM_USABLE;
	if (why)
		*why = xstrdup(!strncmp(v, "unusable ", 9) ? v + 9 : v);
	return KVM_UNUSABLE;
}

static void save_verdict(const char *qemu_version, const char *kernel, const char *line)
{
	_cleanup_free_ char *path = verdict_path(qemu_version, kernel);
	if (!path)
		return;
	_cleanup_free_ char *dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	if (mkdir_p(dir, 0755) < 0)
		return;
	_cleanup_free_ char *tmp = xasprintf("%s.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return;
	size_t n = strlen(line);
	int ok = write(fd, line, n) == (ssize_t)n;
	close(fd);
	if (!ok || chmod(tmp, 0644) < 0 || rename(tmp, path) < 0)
		unlink(tmp);
}

struct probe_state {
	int exited;
	int status;
	int hello;
};

static void on_frame(void *arg, const char *type, const char *payload, size_t len)
{
	struct probe_state *s = arg;
	if (!strcmp(type, "hello"))
		s->hello = 1;
	if (!strcmp(type, "exit")) {
		s->exited = 1;
		s->status = !strncmp(payload, "status=", 7) ? atoi(payload + 7) : 255;
	}
}

/* Kills pid and waits for it at most wait_ms; 1 when reaped. */
static int kill_bounded(pid_t pid, int wait_ms)
{
	kill(pid, SIGKILL);
	for (int i = 0; i < wait_ms / 20; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return 1;
		usleep(20000);
	}
	return 0;
}

enum kvm_verdict kvm_probe(const char *qemu, const char *qemu_version, const char *kernel, const char *initrd,
    int timeout_ms, char **why, double *elapsed_ms)
{
	uint64_t t0 = mono_ns();
	if (elapsed_ms)
		*elapsed_ms = 0;
	if (!dev_kvm_ok(why))
		return KVM_UNUSABLE;
	char *argv[] = { (char *)qemu, (char *)"-machine", (char *)"microvm,accel=kvm", (char *)"-cpu", (char *)"host",
		(char *)"-m", (char *)"256", (char *)"-smp", (char *)"1", (char *)"-nodefaults", (char *)"-no-user-config",
		(char *)"-display", (char *)"none", (char *)"-no-reboot", (char *)"-serial", (char *)"stdio",
		(char *)"-kernel", (char *)kernel, (char *)"-initrd", (char *)initrd, (char *)"-append",
		(char *)"console=ttyS0 quiet panic=-1 isolab.argv=/init,start", NULL };
	struct exec_opts o = { 0 };
	struct exec_child c;
	char *cause = NULL;
	if (exec_spawn(argv, &o, &c, &cause) < 0) {
		if (why)
			*why = xasprintf("cannot run the boot probe: %s", cause);
		free(cause);
		return KVM_UNUSABLE;
	}
	if (c.pidfd >= 0)
		close(c.pidfd);
	struct probe_state ps = { 0 };
	struct frame_sink sink = { .frame = on_frame, .arg = &ps };
	struct frame_decoder *dec = xmalloc(sizeof *dec);
	frame_decoder_init(dec);
	char tail[256] = "";
	int eof = 0;
	while (!ps.exited && !eof) {
		int64_t left = (int64_t)timeout_ms - (int64_t)((mono_ns() - t0) / 1000000u);
		if (left <= 0)
			break;
		struct pollfd p = { .fd = c.out_fd, .events = POLLIN };
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		char buf[4096];
		ssize_t n = read(c.out_fd, buf, sizeof buf);
		if (n > 0) {
			frame_feed(dec, buf, (size_t)n, &sink);
			/* QEMU's own complaint, if it refuses to start. */
			size_t k = (size_t)n < sizeof tail - 1 ? (size_t)n : sizeof tail - 1;
			memcpy(tail, buf + n - k, k);
			tail[k] = '\0';
		} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			eof = 1;
		}
	}
	double ms = (double)(mono_ns() - t0) / 1e6;
	kill_bounded(c.pid, 5000);
	close(c.out_fd);
	free(dec);
	if (elapsed_ms)
		*elapsed_ms = ms;
	char line[512];
	enum kvm_verdict v;
	if (ps.exited && ps.status == 0) {
		v = KVM_USABLE;
		snprintf(line, sizeof line, "usable\n");
	} else {
		v = KVM_UNUSABLE;
		for (char *s = tail; *s; s++)
			if (*s == '\n' || *s == '\r')
				*s = ' ';
		if (eof && !ps.exited)
			snprintf(line, sizeof line, "unusable QEMU with KVM ended without booting the guest: %.200s\n", tail);
		else if (ps.exited)
			snprintf(line, sizeof line, "unusable the guest under KVM failed (status %d)\n", ps.status);
		else
			snprintf(line, sizeof line, "unusable a guest under KVM did not boot within %d s (%s)\n", timeout_ms / 1000,
			    ps.hello ? "its kernel started, its init did not finish" : "not even its kernel started");
	}
	save_verdict(qemu_version, kernel, line);
	if (why && v == KVM_UNUSABLE) {
		*why = xstrdup(line + 9);
		(*why)[strcspn(*why, "\n")] = '\0';
	}
	return v;
}

/*
 * vm.c — the parts of a VM instance every VMM shares: the agent's kernel
 * command line, the relay process, guest samples and the start-up
 * breakdown. See vm.h for the processes and why the relay exists.
 */
#include "config.h"
#include "cgroup.h"
#include "container.h"
#include "metrics.h"
#include "netns.h"
#include "resources.h"
#include "runtime.h"
#include "util.h"
#include "vm.h"
#include "frame.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

const char *const vm_guest_modules[] = { "virtio_pci", "virtio_mmio", "virtio_console", "virtio_blk",
	"crc32c_generic", "ext4", "virtio_net", NULL };

char *vm_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *o = xmalloc(n * 3 + 1), *p = o;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c <= 0x20 || *c >= 0x7f || *c == ',' || *c == '"' || *c == '%') {
			*p++ = '%';
			*p++ = hex[*c >> 4];
			*p++ = hex[*c & 15];
		} else {
			*p++ = (char)*c;
		}
	}
	*p = '\0';
	return o;
}

char *vm_argv_param(char *const *argv, const char *probe)
{
	char *out = xstrdup("isolab.argv=");
	for (size_t i = 0; argv && argv[i]; i++) {
		const char *a = probe && !strcmp(argv[i], probe) ? "/isolab-probe" : argv[i];
		_cleanup_free_ char *e = vm_escape(a);
		char *n = xasprintf("%s%s%s", out, i ? "," : "", e);
		free(out);
		out = n;
	}
	return out;
}

void vm_pid_starttime(pid_t pid, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	_cleanup_free_ char *st = read_file(path, NULL);
	char *rp = st ? strrchr(st, ')') : NULL;
	snprintf(buf, len, "0");
	if (!rp)
		return;
	/* After ')': state is field 3; starttime is field 22. */
	char *save = NULL, *t = strtok_r(rp + 1, " ", &save);
	for (int f = 3; t && f < 22; f++)
		t = strtok_r(NULL, " ", &save);
	if (t)
		snprintf(buf, len, "%s", t);
}

/* ---- the relay process ---- */

struct relay_ctx {
	int out_w, side_w, console_fd;
	struct metrics *m;
	int wready;
	int have_exit, exit_status, exit_signal;
};

static void write_full(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* One side record: "<mono_ns> <type> <payload>\n", payload on one line.
 * Dropped when the driver is too slow to read (never blocks the relay). */
static void side(struct relay_ctx *c, const char *type, const char *payload, size_t len)
{
	char line[FRAME_MAX + 64];
	int h = snprintf(line, sizeof line, "%llu %s ", (unsigned long long)mono_ns(), type);
	if (h < 0)
		return;
	size_t o = (size_t)h;
	for (size_t i = 0; i < len && o < sizeof line - 1; i++)
		line[o++] = payload[i] == '\n' || payload[i] == '\r' ? ' ' : payload[i];
	line[o++] = '\n';
	ssize_t w = write(c->side_w, line, o);
	(void)w;
}

static void relay_frame(void *arg, const char *type, const char *payload, size_t len)
{
	struct relay_ctx *c = arg;
	if (!strcmp(type, "out")) {
		struct iovec iov[2] = { { (void *)payload, len }, { (void *)"\n", 1 } };
		ssize_t w = writev(c->out_w, iov, 2);
		if (w >= 0 && (size_t)w < len + 1)
			write_full(c->out_w, w < (ssize_t)len ? payload + w : "\n", w < (ssize_t)len ? len - (size_t)w : 1);
		if (!c->wready && c->m && metrics_ready(c->m, payload, len)) {
			c->wready = 1;
			side(c, "wready", "", 0);
		}
		return;
	}
	if (!strcmp(type, "exit")) {
		c->have_exit = 1;
		if (!strncmp(payload, "status=", 7))
			c->exit_status = atoi(payload + 7);
		else if (!strncmp(payload, "signal=", 7))
			c->exit_signal = atoi(payload + 7);
	}
	side(c, type, payload, len);
}

static void relay_noise(void *arg, const char *data, size_t len)
{
	struct relay_ctx *c = arg;
	if (c->console_fd >= 0)
		write_full(c->console_fd, data, len);
}

static __attribute__((noreturn)) void relay_main(const int *fds, size_t nfds, struct frame_decoder *dec, struct relay_ctx *c)
{
	prctl(PR_SET_NAME, "isolab-vmrelay");
	/* The engine thread blocks every signal; the relay must die on SIGTERM. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct frame_sink sink = { .frame = relay_frame, .noise = relay_noise, .arg = c };
	struct pollfd pfd[8];
	size_t n = nfds < 8 ? nfds : 8;
	size_t open_n = 0;
	for (size_t i = 0; i < n; i++) {
		pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		if (fds[i] >= 0)
			open_n++;
	}
	char buf[16384];
	while (open_n > 0) {
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (size_t i = 0; i < n; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			ssize_t r = read(pfd[i].fd, buf, sizeof buf);
			if (r > 0) {
				frame_feed(&dec[i], buf, (size_t)r, &sink);
			} else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_n--;
			}
		}
	}
	if (c->have_exit && c->exit_signal) {
		dprintf(c->out_w, "isolab: the workload was killed by signal %d inside the guest\n", c->exit_signal);
		_exit(128 + (c->exit_signal & 127));
	}
	if (c->have_exit)
		_exit(c->exit_status & 255);
	dprintf(c->out_w, "isolab: the VM ended before its agent reported the workload's exit status "
			  "(the guest console is in console.log in the instance directory)\n");
	_exit(125);
}

int vm_relay_start(struct vm_relay *r, const int *fds, size_t nfds, struct metrics *m, int console_fd,
    char **cause)
{
	int out[2], sp[2];
	memset(r, 0, sizeof *r);
	r->out_fd = r->side_fd = -1;
	if (pipe2(out, O_CLOEXEC) < 0)
		return err_errno(cause, "pipe");
	if (pipe2(sp, O_CLOEXEC) < 0) {
		close(out[0]);
		close(out[1]);
		return err_errno(cause, "pipe");
	}
	/* A second of samples from a busy guest fits with room to spare. */
	fcntl(sp[1], F_SETPIPE_SZ, 1 << 20);
	fcntl(sp[1], F_SETFL, O_NONBLOCK);
	/* Everything the child needs is allocated before the fork. */
	struct frame_decoder *dec = xcalloc(nfds ? nfds : 1, sizeof *dec);
	for (size_t i = 0; i < nfds; i++)
		frame_decoder_init(&dec[i]);
	struct relay_ctx ctx = { .out_w = out[1], .side_w = sp[1], .console_fd = console_fd, .m = m };
	pid_t pid = fork();
	if (pid < 0) {
		free(dec);
		close(out[0]);
		close(out[1]);
		close(sp[0]);
		close(sp[1]);
		return err_errno(cause, "fork the VM relay");
	}
	if (pid == 0) {
		close(out[0]);
		close(sp[0]);
		relay_main(fds, nfds, dec, &ctx);
	}
	free(dec);
	close(out[1]);
	close(sp[1]);
	for (size_t i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(sp[0], F_SETFL, O_NONBLOCK);
	r->pid = pid;
	r->out_fd = out[0];
	r->side_fd = sp[0];
	return 0;
}

/* ---- the driver's side ---- */

static double kv_double(const char *s, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = s; (p = strstr(p, key)); p += kl)
		if ((p == s || p[-1] == ' ') && p[kl] == '=')
			return strtod(p + kl + 1, NULL);
	return 0;
}

int vm_parse_proc(const char *payload, struct proc_sample *s)
{
	memset(s, 0, sizeof *s);
	s->role = ROLE_GUEST;
	int have_pid = 0;
	_cleanup_free_ char *copy = xstrdup(payload);
	char *save = NULL;
	for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(t, '=');
		if (!eq)
			return -1;
		*eq = '\0';
		const char *k = t, *v = eq + 1;
		double d = strtod(v, NULL);
		if (!strcmp(k, "pid")) {
			s->pid = (pid_t)d;
			have_pid = s->pid > 0;
		} else if (!strcmp(k, "ppid")) s->ppid = (pid_t)d;
		else if (!strcmp(k, "comm")) snprintf(s->comm, sizeof s->comm, "%s", v);
		else if (!strcmp(k, "usr")) s->usr = d;
		else if (!strcmp(k, "system")) s->system = d;
		else if (!strcmp(k, "guest")) s->guest = d;
		else if (!strcmp(k, "wait")) s->wait = d;
		else if (!strcmp(k, "cpu")) s->cpu = d;
		else if (!strcmp(k, "cpu_num")) s->cpu_num = (int)d;
		else if (!strcmp(k, "minflt_s")) s->minflt_s = d;
		else if (!strcmp(k, "majflt_s")) s->majflt_s = d;
		else if (!strcmp(k, "vsz_kb")) s->vsz_kb = strtoull(v, NULL, 10);
		else if (!strcmp(k, "rss_kb")) s->rss_kb = strtoull(v, NULL, 10);
		else if (!strcmp(k, "mem_pct")) s->mem_pct = d;
		else if (!strcmp(k, "kb_rd_s")) s->kb_rd_s = d;
		else if (!strcmp(k, "kb_wr_s")) s->kb_wr_s = d;
		else if (!strcmp(k, "kb_ccwr_s")) s->kb_ccwr_s = d;
		else if (!strcmp(k, "iodelay")) s->iodelay = strtoull(v, NULL, 10);
		else if (!strcmp(k, "cswch_s")) s->cswch_s = d;
		else if (!strcmp(k, "nvcswch_s")) s->nvcswch_s = d;
		else if (!strcmp(k, "threads")) s->threads = (unsigned)d;
		else if (!strcmp(k, "first")) s->first = (int)d;
		/* Unknown keys are a newer agent's: ignored. */
	}
	return have_pid ? 0 : -1;
}

static void side_record(struct vm_relay *r, char *line)
{
	char *sp1 = strchr(line, ' ');
	if (!sp1)
		return;
	*sp1 = '\0';
	uint64_t t = strtoull(line, NULL, 10);
	char *type = sp1 + 1, *sp2 = strchr(type, ' ');
	const char *payload = "";
	if (sp2) {
		*sp2 = '\0';
		payload = sp2 + 1;
	}
	if (!strcmp(type, "hello") && !r->t_hello) {
		r->t_hello = t;
		r->hello_uptime = kv_double(payload, "uptime");
	} else if (!strcmp(type, "ready") && !r->t_ready) {
		r->t_ready = t;
		r->ready_uptime = kv_double(payload, "uptime");
		snprintf(r->ready_info, sizeof r->ready_info, "%s", payload);
	} else if (!strcmp(type, "wready") && !r->t_wready) {
		r->t_wready = t;
	} else if (!strcmp(type, "exit")) {
		r->t_exit = t;
	} else if (!strcmp(type, "proc")) {
		struct proc_sample s;
		if (vm_parse_proc(payload, &s) < 0)
			return;
		if (r->nbatch == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 64;
			r->batch = xreallocarray(r->batch, r->cap, sizeof *r->batch);
			r->last = xreallocarray(r->last, r->cap, sizeof *r->last);
		}
		r->batch[r->nbatch++] = s;
	} else if (!strcmp(type, "tick")) {
		r->last_used_kb = kv_double(payload, "mem_used_kb");
		if (r->nbatch)
			memcpy(r->last, r->batch, r->nbatch * sizeof *r->batch);
		r->nlast = r->nbatch;
		r->nbatch = 0;
		r->fresh = 1;
	} else if (!strcmp(type, "log")) {
		r->logs = xreallocarray(r->logs, r->nlogs + 1, sizeof *r->logs);
		r->logs[r->nlogs++] = xstrdup(payload);
	}
}

void vm_relay_poll(struct vm_relay *r)
{
	if (r->side_fd < 0)
		return;
	for (;;) {
		ssize_t n = read(r->side_fd, r->buf + r->len, sizeof r->buf - r->len);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		r->len += (size_t)n;
		size_t start = 0;
		for (size_t i = 0; i < r->len; i++)
			if (r->buf[i] == '\n') {
				r->buf[i] = '\0';
				side_record(r, r->buf + start);
				start = i + 1;
			}
		/* A record never exceeds a frame, so a full buffer without a
		 * newline is garbage: drop it. */
		if (start == 0 && r->len == sizeof r->buf)
			start = r->len;
		memmove(r->buf, r->buf + start, r->len - start);
		r->len -= start;
	}
}

size_t vm_relay_samples(struct vm_relay *r, struct proc_sample *out, size_t max)
{
	vm_relay_poll(r);
	if (!r->fresh)
		return 0;
	r->fresh = 0;
	size_t n = r->nlast < max ? r->nlast : max;
	memcpy(out, r->last, n * sizeof *out);
	return n;
}

void vm_relay_free(struct vm_relay *r)
{
	if (r->out_fd >= 0)
		close(r->out_fd);
	if (r->side_fd >= 0)
		close(r->side_fd);
	r->out_fd = r->side_fd = -1;
	free(r->batch);
	free(r->last);
	for (size_t i = 0; i < r->nlogs; i++)
		free(r->logs[i]);
	free(r->logs);
	r->batch = r->last = NULL;
	r->logs = NULL;
	r->nbatch = r->nlast = r->cap = r->nlogs = 0;
}

static json_t *ms_or_null(uint64_t t, uint64_t t0)
{
	return t && t >= t0 ? json_real((double)(t - t0) / 1e6) : json_null();
}

void vm_note_startup(struct instance *in, const struct vm_relay *r, uint64_t t_vmm, int *done)
{
	if (*done || !in->note)
		return;
	*done = 1;
	uint64_t t0 = in->t_launch_ns;
	json_t *rec = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "type", "startup",
	    "vmm_ms", ms_or_null(t_vmm, t0), "kernel_ms", ms_or_null(r->t_hello, t0),
	    "init_ms", ms_or_null(r->t_ready, t0), "ready_ms", ms_or_null(r->t_wready, t0),
	    "guest_kernel_s", r->t_hello ? json_real(r->hello_uptime) : json_null(),
	    "guest_init_s", r->t_ready ? json_real(r->ready_uptime) : json_null());
	if (rec)
		in->note(in, rec);
}

void vm_note_logs(struct instance *in, struct vm_relay *r)
{
	for (size_t i = 0; i < r->nlogs; i++) {
		if (in->note)
			in->note(in, json_pack("{s:s, s:s}", "type", "info", "msg", r->logs[i]));
		free(r->logs[i]);
	}
	r->nlogs = 0;
}

/* ---- the host side of a VM ---- */

int vm_record_pid(struct instance *in, pid_t pid, char **pid_s, char **start_s, char **cause)
{
	char st[32];
	vm_pid_starttime(pid, st, sizeof st);
	*pid_s = xasprintf("%d", (int)pid);
	*start_s = xstrdup(st);
	return resources_add(in->res, "pid", *pid_s, *start_s, cause);
}

void vm_host_poll(struct instance *in, struct vm_host *h)
{
	if (!h->relay_started)
		return;
	vm_relay_poll(&h->relay);
	vm_note_logs(in, &h->relay);
	if (h->relay.t_wready)
		vm_note_startup(in, &h->relay, h->t_vmm, &h->startup_done);
}

size_t vm_host_pids(struct instance *in, struct vm_host *h, struct pid_role *out, size_t max)
{
	size_t n = 0;
	vm_host_poll(in, h);
	if (h->vmm_pid && n < max)
		out[n++] = (struct pid_role){ .pid = h->vmm_pid, .role = ROLE_VMM };
	if (h->relay_started && n < max)
		out[n++] = (struct pid_role){ .pid = h->relay.pid, .role = ROLE_HELPER };
	return n;
}

size_t vm_host_samples(struct instance *in, struct vm_host *h, struct proc_sample *out, size_t max)
{
	if (!h->relay_started)
		return 0;
	vm_host_poll(in, h);
	size_t n = vm_relay_samples(&h->relay, out, max);
	if (n)
		in->guest_used_kb = h->relay.last_used_kb;
	return n;
}

int vm_host_stop(struct vm_host *h, int force, char **cause)
{
	/* The VMM ends the guest on SIGTERM; the relay follows when its
	 * channels close. */
	if (h->vmm_pid && kill(h->vmm_pid, force ? SIGKILL : SIGTERM) < 0 && errno != ESRCH)
		return err_errno(cause, "%s: kill %d", h->who, (int)h->vmm_pid);
	if (force && h->relay_started)
		kill(h->relay.pid, SIGKILL);
	return 0;
}

int vm_host_cleanup(struct instance *in, struct vm_host *h, char **cause)
{
	int rc = 0;
	if (h->relay_started) {
		vm_host_poll(in, h);
		vm_note_startup(in, &h->relay, h->t_vmm, &h->startup_done);
	}
	if (h->vmm_pid) {
		kill(h->vmm_pid, SIGKILL);
		/* A vCPU stuck in a broken KVM can hold a killed VMM for a while. */
		int reaped = 0;
		for (int i = 0; i < 500 && !reaped; i++) {
			pid_t w = waitpid(h->vmm_pid, NULL, WNOHANG);
			reaped = w == h->vmm_pid || (w < 0 && errno == ECHILD);
			if (!reaped)
				usleep(10000);
		}
		if (reaped)
			resources_done(in->res, "pid", h->vmm_pid_s, h->vmm_start_s);
		else
			rc = err_set(cause, "%s: the VMM (pid %d) did not die within 5 s of SIGKILL", h->who,
			    (int)h->vmm_pid);
		h->vmm_pid = 0;
	}
	if (h->relay_started) {
		/* The engine reaps main_pid; a relay it gave up on is killed here. */
		kill(h->relay.pid, SIGKILL);
		resources_done(in->res, "pid", h->relay_pid_s, h->relay_start_s);
		vm_relay_free(&h->relay);
		h->relay_started = 0;
	}
	if (h->console_fd >= 0)
		close(h->console_fd);
	h->console_fd = -1;
	in->cgroup = NULL;
	if (h->cg) {
		/* A VMM the host killed for the memory limit ends like a crash:
		 * say why, never leave it to be guessed. */
		unsigned long oom = cgroup_oom_kills(h->cg);
		if (oom && in->note) {
			_cleanup_free_ char *msg = xasprintf("the host's OOM killer killed %lu process%s of the VM (its "
			    "memory limit is below what the VMM and guest need)", oom, oom == 1 ? "" : "es");
			in->note(in, json_pack("{s:s, s:s}", "type", "info", "msg", msg));
		}
		char *c2 = NULL;
		if (cgroup_destroy(h->cg, &c2) < 0) {
			if (rc == 0)
				rc = err_set(cause, "%s: %s", h->who, c2);
			free(c2);
		} else {
			resources_done(in->res, "cgroup", h->cg_rel, NULL);
		}
		h->cg = NULL;
	}
	free(h->vmm_pid_s);
	free(h->vmm_start_s);
	free(h->relay_pid_s);
	free(h->relay_start_s);
	free(h->cg_rel);
	h->vmm_pid_s = h->vmm_start_s = h->relay_pid_s = h->relay_start_s = h->cg_rel = NULL;
	return rc;
}

void vm_note_scratch(struct instance *in, const char *path)
{
	ctr_note_usage(in, path, "its scratch disk, the blocks it holds (the kernel and initramfs are shared)");
}

void vm_note_info(struct instance *in, const char *fmt, ...)
{
	if (!in->note)
		return;
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	ctr_note_info(in, msg);
}

/* ---- network bridge ---- */

struct netns *vm_net_bridge(struct instance *in, const char *detail, const char **tap, char **cause)
{
	struct netns *ns = netns_create(in->res, in->run_id, in->id, cause);
	if (!ns)
		return NULL;
	*tap = netns_add_tap(ns, cause);
	if (!*tap) {
		netns_destroy(ns, in->res, NULL);
		return NULL;
	}
	free(in->addr);
	in->addr = xstrdup(netns_addr(ns));
	in->bind_addr = netns_addr(ns);
	if (in->note)
		in->note(in, json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "netns", "name", netns_name(ns), "veth",
		    netns_host_if(ns), "addr", netns_addr(ns), "tap", *tap));
	vm_note_info(in, "network bridge: virtio-net on tap %s, on a bridge in namespace %s with veth %s, the guest at %s "
		    "(%s); no NAT between the host and the guest",
	    *tap, netns_name(ns), netns_host_if(ns), netns_addr(ns), detail);
	return ns;
}

char *vm_net_param(const struct netns *ns)
{
	return xasprintf("%s/%d,%s", netns_addr(ns), netns_prefix(ns), netns_host_addr(ns));
}

int vm_net_release(struct instance *in, struct netns *ns, char **cause)
{
	if (!ns)
		return 0;
	unsigned long long v[4] = { 0 };
	static const char *const names[] = { "rx_packets", "tx_packets", "rx_bytes", "tx_bytes" };
	int have = 1;
	for (size_t i = 0; i < ARRAY_SIZE(names) && have; i++) {
		_cleanup_free_ char *path = xasprintf("/sys/class/net/%s/statistics/%s", netns_host_if(ns), names[i]);
		_cleanup_free_ char *s = read_file(path, NULL);
		have = s != NULL;
		v[i] = s ? strtoull(s, NULL, 10) : 0;
	}
	/* The host end's tx is what went to the guest. */
	if (have)
		vm_note_info(in, "network: veth %s carried %llu packets (%llu bytes) to the guest and %llu (%llu bytes) from it",
		    netns_host_if(ns), v[1], v[3], v[0], v[2]);
	return netns_destroy(ns, in->res, cause);
}

/*
 * vm.h — what the VM drivers (qemu, firecracker) share: the guest kernel
 * and initramfs, the kernel command line that carries the workload's argv
 * to the agent, the relay process that turns the agent's frames into the
 * workload's output and guest samples, and the start-up breakdown.
 *
 * Processes, as the host sees them:
 *
 *   engine ──spawn──▶ the VMM (qemu / firecracker; in the instance's cgroup)
 *          ──fork───▶ the relay "isolab-vmrelay" (main_pid)
 *
 * The relay reads the VMM's channels (serial console, virtio-serial port,
 * the VMM's own stdout), decodes the agent's frames (workloads/probe/
 * frame.h), writes each "out" frame as a line to the instance's output
 * pipe, every other frame with its arrival time to a side pipe that the
 * driver reads, and console text to <instance dir>/console.log. When the
 * VMM's channels close it exits with the workload's exit status from the
 * agent's "exit" frame — the VMM's own status says nothing about the
 * workload — or with 125 and a line saying the VM ended without one.
 * The relay is forked without exec and only reads, writes, polls and runs
 * the frame decoder and the readiness pattern, as the sandbox's children do.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_VM_H
#define ISOLAB_VM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "sampler.h"

struct instance;
struct metrics;

/* Modules the agent loads when the guest kernel has them as modules. */
extern const char *const vm_guest_modules[];

/* The kernel command line argument isolab.argv=... for argv (each item
 * %-escaped, joined with ','), with argv[0] == probe mapped to /isolab-probe (a link to /init, so
 * the process is named isolab-probe).
 * malloc'd. */
char *vm_argv_param(char *const *argv, const char *probe);
/* %-escapes s for the kernel command line (space, ',', '"', '%', controls). */
char *vm_escape(const char *s);

struct vm_relay {
	pid_t pid;            /* the relay process (main_pid) */
	int out_fd;           /* read end of the workload's output (the instance's out_fd) */
	int side_fd;          /* read end of the side pipe (non-blocking) */
	/* What the driver has read from the side pipe: */
	char buf[65536];
	size_t len;
	uint64_t t_hello, t_ready, t_wready, t_exit; /* mono_ns of arrival, 0 when not yet */
	double hello_uptime, ready_uptime;           /* the guest's own clock then */
	char ready_info[256];                        /* the agent's ready payload */
	struct proc_sample *batch, *last;            /* guest processes: being filled, last complete */
	size_t nbatch, nlast, cap;
	int fresh;            /* last holds a batch not yet handed out */
	double last_used_kb;  /* the guest's used memory with the last complete batch: its kernel's
	                       * MemTotal - MemAvailable (kB), 0 when unknown */
	char **logs;          /* agent "log" frames not yet reported */
	size_t nlogs;
};

/* Forks the relay over the VMM's channel fds (any may be -1), closing them
 * in the parent. m (may be NULL) is the workload's readiness pattern set;
 * console_fd receives console text. */
int vm_relay_start(struct vm_relay *r, const int *fds, size_t nfds, struct metrics *m, int console_fd,
    char **cause);
/* Reads what the relay sent so far (never blocks). */
void vm_relay_poll(struct vm_relay *r);
/* Copies the last complete batch of guest samples to out (at most max),
 * once; returns how many. The guest's used memory then is last_used_kb. */
size_t vm_relay_samples(struct vm_relay *r, struct proc_sample *out, size_t max);
/* Closes the relay's pipes and frees what it holds (the process is the
 * engine's to reap as main_pid). */
void vm_relay_free(struct vm_relay *r);
/* Parses one "proc" payload into s; 0 or -1. Exposed for tests. */
int vm_parse_proc(const char *payload, struct proc_sample *s);

/* Notes the start-up breakdown through in->note: milliseconds from launch
 * (t0 = in->t_launch_ns) to the VMM ready (t_vmm), the kernel done (agent
 * hello), init done (agent ready) and the workload ready, plus the guest's
 * own uptimes. Once per instance; *done guards it. */
void vm_note_startup(struct instance *in, const struct vm_relay *r, uint64_t t_vmm, int *done);
/* Reports each pending agent log line through in->note as "info". */
void vm_note_logs(struct instance *in, struct vm_relay *r);
/* Reads pid's start time (field 22 of /proc/PID/stat) as a decimal
 * string into buf, for the resource journal's pid records. */
void vm_pid_starttime(pid_t pid, char *buf, size_t len);

/* The host side every VM driver keeps the same way: the VMM process, the
 * relay, the console log, the instance's cgroup, their resource-journal
 * records and the start-up milestones. A driver embeds one, fills it as
 * it launches, and hands its pids, foreign_samples, stop and cleanup
 * calls to the functions below. console_fd starts at -1. */
struct cgroup;
struct pid_role;
struct vm_host {
	const char *who;                /* the driver's name, for messages */
	pid_t vmm_pid;                  /* 0 when none */
	char *vmm_pid_s, *vmm_start_s;  /* its resource-journal record */
	struct vm_relay relay;
	int relay_started;
	char *relay_pid_s, *relay_start_s;
	int console_fd;
	struct cgroup *cg;
	char *cg_rel;                   /* its resource-journal name */
	uint64_t t_vmm;                 /* the VMM was ready (mono_ns), for the breakdown */
	int startup_done;
};

/* Records pid (with its start time) in the run's resource journal; the
 * strings go into *pid_s and *start_s (malloc'd). */
int vm_record_pid(struct instance *in, pid_t pid, char **pid_s, char **start_s, char **cause);
/* Reads the relay's side channel: agent logs, the start-up breakdown. */
void vm_host_poll(struct instance *in, struct vm_host *h);
/* The VMM (ROLE_VMM) and the relay (ROLE_HELPER). */
size_t vm_host_pids(struct instance *in, struct vm_host *h, struct pid_role *out, size_t max);
/* The guest's processes of the last second. */
size_t vm_host_samples(struct instance *in, struct vm_host *h, struct proc_sample *out, size_t max);
/* SIGTERM (the VMM ends the guest) or, forced, SIGKILL to both. */
int vm_host_stop(struct vm_host *h, int force, char **cause);
/* Kills and reaps the VMM (5 s at most), kills the relay, closes the
 * console log, removes the cgroup, marks each done in the resource
 * journal, and frees what h holds. */
int vm_host_cleanup(struct instance *in, struct vm_host *h, char **cause);

/* An info record in the run's journal (shown as a message of the run). */
void vm_note_info(struct instance *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Journals the blocks the scratch disk at path (may be NULL) holds as the
 * instance's storage (ctr_note_storage): the VM's own disk, beside the
 * kernel and initramfs every VM shares. Call before removing it. */
void vm_note_scratch(struct instance *in, const char *path);

/* Network bridge for a VM, as a container has it: the instance's
 * namespace and veth pair (netns.h) with a bridge in the namespace and a
 * tap device on it, which the VMM, started in the namespace (exec_opts
 * netns: netns_path()), backs with the guest's virtio-net card. The guest
 * holds the instance's address (vm_net_param() for the agent), so the host
 * reaches it at in->addr with no NAT. Sets in->addr and in->bind_addr,
 * records the namespace in the run's journal (with the tap) and says in an
 * info record what it made; detail says how the VMM moves the packets.
 * *tap gets the tap's name. NULL on error. */
struct netns;
struct netns *vm_net_bridge(struct instance *in, const char *detail, const char **tap, char **cause);
/* The agent's isolab.net= value for it: "ADDR/PREFIX,GATEWAY". malloc'd. */
char *vm_net_param(const struct netns *ns);
/* Once the VMM is gone: notes what the veth carried each way over the
 * instance's life, then removes the veth and the namespace (with the
 * bridge and tap in it). */
int vm_net_release(struct instance *in, struct netns *ns, char **cause);

/* The options every VM driver reads for its guest, as entries of its
 * option table (struct option_decl, runtime.h). */
#define VM_OPTIONS                                                                                 \
	{ .name = "memory", .spec = { .type = VT_SIZE, .has_min = 1, .min = 64 << 20 },               \
	  .doc = "guest memory when the experiment sets no memory limit (default 512M)" },           \
	{ .name = "disk_size", .spec = { .type = VT_SIZE, .has_min = 1, .min = 16 << 20 },            \
	  .doc = "the scratch disk mounted at ${datadir} (default 1G)" }

#endif

/*
 * pidstat.h — the columns of a pidstat-style process row computed from
 * /proc/PID/{stat,schedstat,status,io} text: the one definition of those
 * columns, shared by the host's sampler (sampler.c) and the guest's
 * (workloads/probe/agent.c, a VM's init). It depends on nothing but libc,
 * reads no file and allocates nothing, so the static probe builds it too.
 *
 * Field definitions follow sysstat's pidstat (Irix mode, its default: %CPU
 * is relative to ONE CPU, so a process with two busy threads shows 200):
 *   %usr    = d(utime - gtime) ticks, clamped at 0
 *   %system = d(stime), %guest = d(gtime)
 *   %wait   = d(run_delay) from schedstat (time runnable but waiting for a
 *             CPU); kept in ns rather than pidstat's truncated ticks
 *   %CPU    = d(utime + stime)
 *   each over the elapsed ticks of the interval, times 100.
 *   VSZ = stat vsize / 1024, RSS = stat rss * page size, %MEM = RSS over
 *   MemTotal, iodelay = d(delayacct_blkio_ticks), kB_*_s from io
 *   read_bytes/write_bytes/cancelled_write_bytes.
 */
#ifndef ISOLAB_PIDSTAT_H
#define ISOLAB_PIDSTAT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum proc_role {
	ROLE_WORKLOAD = 0, /* the workload and its children */
	ROLE_RUNTIME,      /* runtime processes: runsc sandbox/gofer, shims, conmon, runc */
	ROLE_VMM,          /* qemu, firecracker: the VM as the host sees it */
	ROLE_HELPER,       /* relays, container CLIs, anything else isolab started beside the instance */
	ROLE_GUEST,        /* a process inside a VM or gVisor, sampled from inside */
	ROLE_LOADGEN,      /* the workload's companion on the host: its load generator or client */
	ROLE__COUNT
};

struct proc_sample {
	pid_t pid;
	pid_t ppid;
	int instance;         /* owner instance id, as given to sampler_track */
	enum proc_role role;
	char comm[32];
	double usr, system, guest, wait, cpu; /* percent of one CPU */
	int cpu_num;          /* last CPU it ran on */
	double minflt_s, majflt_s;
	uint64_t vsz_kb, rss_kb;
	double mem_pct;
	double kb_rd_s, kb_wr_s, kb_ccwr_s; /* -1 when /proc/PID/io is unreadable */
	uint64_t iodelay;     /* clock ticks of block I/O delay in the interval */
	double cswch_s, nvcswch_s;
	unsigned threads;
	char name[16];        /* the runtime's component it is ("sentry", "gofer", "stub"), from its
	                       * driver, where comm cannot tell ("exe"); "" when none */
	int first;            /* first sample of this pid: rates are 0 */
	double secs;          /* > 0: the seconds its rates cover, when not the sample's interval (a
	                       * first sample, from its birth or from when it was tracked) */
	int exited;           /* the process is gone; last report */
	/* A VMM's vCPU threads (QEMU's "CPU 0/KVM", "CPU 1/TCG"; Firecracker's
	 * "fc_vcpu 0"): their %CPU, part of cpu, when has_vcpu. */
	int has_vcpu;
	double vcpu_cpu;
};
/* Whether a thread's comm names a VMM's vCPU thread. */
int pidstat_is_vcpu_thread(const char *comm);

/* stat fields used, numbered as in proc(5). */
enum {
	PIDSTAT_STATE = 3,
	PIDSTAT_PPID = 4,
	PIDSTAT_MINFLT = 10,
	PIDSTAT_MAJFLT = 12,
	PIDSTAT_UTIME = 14,
	PIDSTAT_STIME = 15,
	PIDSTAT_CUTIME = 16,
	PIDSTAT_CSTIME = 17,
	PIDSTAT_NUM_THREADS = 20,
	PIDSTAT_STARTTIME = 22,
	PIDSTAT_VSIZE = 23,
	PIDSTAT_RSS = 24,
	PIDSTAT_PROCESSOR = 39,
	PIDSTAT_BLKIO_TICKS = 42,
	PIDSTAT_GUEST_TIME = 43,
	PIDSTAT_LAST = PIDSTAT_GUEST_TIME
};

/* A parsed /proc/PID/stat: comm, state and the numeric fields by number. */
struct pidstat_stat {
	char comm[32];
	char state;
	uint64_t f[PIDSTAT_LAST + 1];
};

/* The cumulative counters a rate is computed from. */
struct pidstat_counters {
	uint64_t utime, stime, gtime;
	uint64_t minflt, majflt;
	uint64_t blkio;
	uint64_t exec_ns, run_delay_ns, pcount; /* schedstat */
	uint64_t rd, wr, ccwr;                  /* io */
	uint64_t nvcsw, nivcsw;                 /* status */
};

/* What a row's sizes are relative to. */
struct pidstat_host {
	long hz;               /* clock ticks per second */
	uint64_t page_kb;
	uint64_t mem_total_kb; /* 0: %MEM stays 0 */
};

/* Parses a stat line: comm lies between the first '(' and the LAST ')'
 * (it may hold spaces and parens), numbers follow. Returns 0, or -1 when
 * the line is malformed or ends before the processor field. */
int pidstat_parse_stat(const char *buf, struct pidstat_stat *st);
/* The number after key (and any ' ', '\t', ':') in buf; 0 when absent. */
uint64_t pidstat_field(const char *buf, const char *key);
/* Counters from the stat line (times, faults, block I/O delay). */
void pidstat_from_stat(const struct pidstat_stat *st, struct pidstat_counters *c);
/* schedstat's run time, run delay and timeslices; 1 when sched_info
 * counts (its "0 0 0" says it is off), else 0. */
int pidstat_from_schedstat(const char *buf, struct pidstat_counters *c);
/* The voluntary and involuntary context switches of a status text. */
void pidstat_from_status(const char *buf, struct pidstat_counters *c);
/* The bytes read, written and cancelled of an io text. */
void pidstat_from_io(const char *buf, struct pidstat_counters *c);
/* Fills out's identity (pid and instance left alone), sizes and, over secs
 * since prev, rates; prev NULL (or secs <= 0) is a first sample: rates 0,
 * out->first set. Without io (io_ok 0) the kB_*_s columns are -1. */
void pidstat_row(const struct pidstat_host *h, const struct pidstat_stat *st, const struct pidstat_counters *prev,
    const struct pidstat_counters *cur, double secs, int io_ok, struct proc_sample *out);

#endif

/*
 * probe.h - what every isolab-probe benchmark shares: parsed options, the
 * benchmark table entry, and the few helpers that print the common lines
 * and the two kinds of failure (usage: exit 2, runtime: exit 1).
 */
#ifndef ISOLAB_PROBE_PROBE_H
#define ISOLAB_PROBE_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include "report.h"

/* Option bits: a benchmark lists the options it accepts; any other option
 * is a usage error, so a typo never silently measures something else. */
enum {
	OPT_TIME = 1u << 0,
	OPT_EVENTS = 1u << 1,
	OPT_INTERVAL = 1u << 2,
	OPT_THREADS = 1u << 3,
	OPT_MAX_PRIME = 1u << 4,
	OPT_SIZE = 1u << 5,
	OPT_BLOCK = 1u << 6,
	OPT_OPER = 1u << 7,
	OPT_TOTAL = 1u << 8,
	OPT_CALL = 1u << 9,
	OPT_CPU_PIN = 1u << 10,
	OPT_EXEC = 1u << 11,
	OPT_RW = 1u << 12,
	OPT_BS = 1u << 13,
	OPT_DIR = 1u << 14,
	OPT_FSYNC = 1u << 15,
	OPT_LISTEN = 1u << 16,
	OPT_ONCE = 1u << 17,
	OPT_CONNECT = 1u << 18,
	OPT_MODE = 1u << 19,
	OPT_STEP = 1u << 20,
	OPT_LIMIT_SIZE = 1u << 21,
	OPT_LIMIT_COUNT = 1u << 22,
	OPT_FROM = 1u << 23,
	OPT_BUFFERED = 1u << 24,
};

/* The common trio every measuring benchmark takes. */
#define OPT_COMMON (OPT_TIME | OPT_EVENTS | OPT_INTERVAL)

/* Parsed command line. Zero / NULL means "not given": each benchmark
 * applies its own default, so defaults live next to the code they affect. */
struct probe_opts {
	double time;		/* seconds; 0 = not given */
	uint64_t events;	/* 0 = no event limit */
	double interval;	/* seconds, always set (default 1) */
	unsigned threads;	/* always set (default 1) */
	uint64_t max_prime;
	uint64_t size;
	uint64_t block;
	const char *oper;
	uint64_t total;
	const char *call;
	bool cpu_pin;
	bool exec;
	const char *rw;
	uint64_t bs;
	const char *dir;
	const char *from;
	bool fsync;
	bool buffered;
	const char *listen;
	bool once;
	const char *connect;
	const char *mode;
	uint64_t step;
	uint64_t limit;
	const char *argv0;	/* as invoked, for self-exec without /proc */
};

struct bench {
	const char *name;
	const char *description;
	unsigned options;
	bool hidden;
	/* Returns the exit status; usage and runtime failures exit directly
	 * through probe_usage and probe_fail. */
	int (*run)(const struct bench *b, const struct probe_opts *o);
};

/* The run time in seconds: --time, else none when --events alone bounds
 * the run, else `def` (0 means no limit). */
static inline double
probe_time(const struct probe_opts *o, double def)
{
	return o->time > 0 ? o->time : (o->events ? 0 : def);
}

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t mono_ns(void);
/* Nanoseconds to seconds. */
static inline double ns_to_s(uint64_t ns) { return (double)ns / 1e9; }

/* Starts the ready line (pid, clocks, uptime) in r; the caller may add
 * keys, then emits it. */
void probe_ready_begin(struct report *r, const char *bench);
/* Prints the plain ready line. */
void probe_ready(const char *bench);
/* Bad option or value: one line on stderr, exit 2. */
noreturn void probe_usage(const char *bench, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Runtime failure: a kind=error line on stdout, one line on stderr, exit 1. */
noreturn void probe_fail(const char *bench, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Index of `value` in the NULL-terminated `choices`, or probe_usage. */
int probe_choice(const char *bench, const char *option, const char *value,
		 const char *const *choices);
/* True once SIGINT or SIGTERM has arrived (they are blocked in every
 * thread and collected here or by the runner); never blocks. */
bool probe_interrupted(void);
/* Marks the probe interrupted (used by the runner when it takes the signal). */
void probe_set_interrupted(void);
/* Restores default signal dispositions and an empty mask; for children. */
void probe_child_signals(void);
/* Resolves the path of the running executable, for self-exec; NULL if none. */
const char *probe_self_path(const struct probe_opts *o);

/* The benchmarks, one file each. */
int cpu_run(const struct bench *b, const struct probe_opts *o);
int mem_run(const struct bench *b, const struct probe_opts *o);
int syscall_run(const struct bench *b, const struct probe_opts *o);
int ctxsw_run(const struct bench *b, const struct probe_opts *o);
int fork_run(const struct bench *b, const struct probe_opts *o);
int file_run(const struct bench *b, const struct probe_opts *o);
int rewrite_run(const struct bench *b, const struct probe_opts *o);
int net_server_run(const struct bench *b, const struct probe_opts *o);
int net_client_run(const struct bench *b, const struct probe_opts *o);
int start_run(const struct bench *b, const struct probe_opts *o);
int mallocbomb_run(const struct bench *b, const struct probe_opts *o);
int forkbomb_run(const struct bench *b, const struct probe_opts *o);
int agent_run(const struct bench *b, const struct probe_opts *o);

#endif

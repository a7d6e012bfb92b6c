/*
 * probe.c - isolab-probe: one static binary that runs the same benchmark in
 * every isolation runtime, and the contract of what it prints.
 *
 * Output format (stable: the engine's pcre2 patterns depend on it):
 *
 *   Every line on standard output is a list of space-separated key=value
 *   tokens. Keys match [a-z0-9_]+; values never contain a space or '='
 *   (both become '_', an empty value becomes '-'). The first token is always
 *   probe=<bench>, the second kind=<ready|interval|summary|info|error>.
 *
 *   ready     pid= mono_ns= real_ns= uptime_s= kernel=  (before any work; the
 *             engine starts clocks and companions on it)
 *   interval  n= t= events= rate= rate_unit= p50_ns= p95_ns= p99_ns= max_ns=
 *             then the benchmark's own keys
 *   summary   elapsed= events= rate= rate_unit= p50_ns= p95_ns= p99_ns=
 *             max_ns= threads= then the benchmark's own keys
 *   info      anything worth knowing that is not a measurement
 *   error     msg=  (a runtime failure, then exit status 1)
 *
 *   Latencies are integer nanoseconds from a log-bucketed histogram (hist.h);
 *   t and elapsed are seconds with 3 decimals, rate has 2.
 *
 * Each line is written with one write(2) (report.c), never through stdio,
 * so lines are complete and unbuffered whatever stdout is, and threads
 * never interleave. Diagnostics go to standard error as one line
 * "isolab-probe: <bench>: <what>"; usage errors exit 2, runtime errors 1.
 *
 * The probe never includes engine headers: it must build and run alone, in
 * a rootfs that holds nothing else (hence static, no NSS, no /proc needed).
 */
#include "build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

static int
true_run(const struct bench *b, const struct probe_opts *o)
{
	return 0;
}

static const struct bench benches[] = {
	{ .name = "cpu", .description = "prime search by trial division, as sysbench cpu",
	  .options = OPT_COMMON | OPT_THREADS | OPT_MAX_PRIME, .run = cpu_run },
	{ .name = "mem", .description = "memory bandwidth: STREAM copy/triad, or sysbench-style blocks",
	  .options = OPT_COMMON | OPT_THREADS | OPT_SIZE | OPT_BLOCK | OPT_OPER | OPT_TOTAL,
	  .run = mem_run },
	{ .name = "syscall", .description = "system call cost (raw getppid, open, stat, clock_gettime)",
	  .options = OPT_COMMON | OPT_THREADS | OPT_CALL, .run = syscall_run },
	{ .name = "ctxsw", .description = "pipe ping-pong between two processes, as lmbench lat_pipe",
	  .options = OPT_COMMON | OPT_CPU_PIN, .run = ctxsw_run },
	{ .name = "fork", .description = "fork + exit + wait, or fork + exec of itself",
	  .options = OPT_COMMON | OPT_EXEC, .run = fork_run },
	{ .name = "file", .description = "random reads and writes on a file, as fio randrw",
	  .options = OPT_COMMON | OPT_THREADS | OPT_RW | OPT_BS | OPT_SIZE | OPT_DIR | OPT_FSYNC | OPT_BUFFERED,
	  .run = file_run },
	{ .name = "rewrite", .description = "the first write to each file of a set that exists (copy-on-write)",
	  .options = OPT_TIME | OPT_EVENTS | OPT_INTERVAL | OPT_BS | OPT_DIR | OPT_FROM, .run = rewrite_run },
	{ .name = "net-server", .description = "TCP server for net-client (stream and rr)",
	  .options = OPT_COMMON | OPT_LISTEN | OPT_ONCE, .run = net_server_run },
	{ .name = "net-client", .description = "TCP stream throughput or request/response latency",
	  .options = OPT_COMMON | OPT_CONNECT | OPT_MODE, .run = net_client_run },
	{ .name = "start", .description = "prints its ready line and exits (start-up time)",
	  .options = 0, .run = start_run },
	{ .name = "mallocbomb", .description = "allocates and touches memory up to a limit or ENOMEM, then keeps touching it",
	  .options = OPT_COMMON | OPT_STEP | OPT_LIMIT_SIZE, .run = mallocbomb_run },
	{ .name = "forkbomb", .description = "forks sleeping children up to a limit or EAGAIN, then keeps forking",
	  .options = OPT_COMMON | OPT_LIMIT_COUNT, .run = forkbomb_run },
	{ .name = "agent", .description = "a VM guest's init: runs isolab.argv, relays it in frames (isolab's VMs)",
	  .options = 0, .run = agent_run },
	/* The target of fork --exec: exits at once, prints nothing. */
	{ .name = "true", .description = "exit 0", .hidden = true, .run = true_run },
};

static const char usage_text[] =
"Usage: isolab-probe BENCH [OPTION]...\n"
"       isolab-probe --help | --version\n"
"\n"
"Runs one benchmark and prints key=value lines (see isolab-probe(1)).\n"
"\n"
"Benchmarks:\n"
"%s"
"\n"
"Common options:\n"
"  --time S        run for S seconds (default 10; no limit with --events alone)\n"
"  --events N      stop after N events\n"
"  --interval S    seconds between interval lines (default 1)\n"
"  --threads N     worker threads (cpu, mem, syscall, file; default 1)\n"
"\n"
"Benchmark options:\n"
"  cpu         --max-prime N        (default 10000)\n"
"  mem         --size BYTES         bytes per STREAM array (default 4 x LLC, >= 32M)\n"
"              --block BYTES        sysbench mode: pass over a block per event\n"
"              --oper read|write    sysbench mode operation (default write)\n"
"              --total BYTES        sysbench mode: stop after BYTES (default 100G)\n"
"  syscall     --call getppid|open|stat|clock_gettime   (default getppid)\n"
"  ctxsw       --cpu-pin            pin both processes to one CPU\n"
"  fork        --exec               also execve the probe itself\n"
"  file        --rw randrw|randread|randwrite (default randrw)\n"
"              --bs BYTES (default 4096)  --size BYTES (default 256M)\n"
"              --dir DIR (default .)      --fsync (fdatasync after each write)\n"
"              --buffered (through the page cache, as fio --direct=0)\n"
"  rewrite     --from DIR (its f0000, f0001, ...; none: laid out under --dir)\n"
"              --bs BYTES written at offset 0 of each (default 4096)  --dir DIR\n"
"  net-server  --listen ADDR:PORT   (default 127.0.0.1:7000)  --once\n"
"  net-client  --connect ADDR:PORT  (default 127.0.0.1:7000)  --mode stream|rr\n"
"  mallocbomb  --step BYTES (default 16M)  --limit BYTES (default 1G)\n"
"  forkbomb    --limit N (default 1000)\n"
"\n"
"BYTES take a K, M, G or T suffix (powers of 1024). IPv6 addresses are\n"
"written [ADDR]:PORT.\n"
"Exit status: 0 done (also after SIGINT/SIGTERM), 1 runtime error, 2 usage.\n";

static atomic_bool interrupted;

uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Reads the first field of /proc/uptime into buf, or "-1". */
static void
read_uptime(char *buf, size_t n)
{
	int fd = open("/proc/uptime", O_RDONLY | O_CLOEXEC);
	ssize_t r = fd >= 0 ? read(fd, buf, n - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (r <= 0) {
		snprintf(buf, n, "-1");
		return;
	}
	buf[r] = '\0';
	buf[strcspn(buf, " \n")] = '\0';
	if (buf[0] == '\0')
		snprintf(buf, n, "-1");
}

void
probe_ready_begin(struct report *r, const char *bench)
{
	struct timespec rt;
	char up[64];

	/* The system calls first, the clocks last: mono_ns is as close to
	 * the line's write as can be (isolab's share after the ready line is
	 * counted from it). */
	read_uptime(up, sizeof up);
	/* The kernel as the workload sees it: a user-space kernel (gVisor's
	 * Sentry) answers with its own release. */
	struct utsname u;
	int have_u = uname(&u) == 0;
	clock_gettime(CLOCK_REALTIME, &rt);
	uint64_t mono = mono_ns();
	report_begin(r, bench, "ready");
	report_i64(r, "pid", getpid());
	report_u64(r, "mono_ns", mono);
	report_u64(r, "real_ns", (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec);
	report_str(r, "uptime_s", up);
	report_str(r, "kernel", have_u ? u.release : "-");
}

void
probe_ready(const char *bench)
{
	struct report r;

	probe_ready_begin(&r, bench);
	report_emit(&r);
}

noreturn void
probe_usage(const char *bench, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (bench != NULL)
		fprintf(stderr, "isolab-probe: %s: %s (try 'isolab-probe --help')\n", bench, msg);
	else
		fprintf(stderr, "isolab-probe: %s (try 'isolab-probe --help')\n", msg);
	exit(2);
}

noreturn void
probe_fail(const char *bench, const char *fmt, ...)
{
	char msg[512];
	struct report r;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	report_begin(&r, bench, "error");
	report_str(&r, "msg", msg);
	report_emit(&r);
	fprintf(stderr, "isolab-probe: %s: %s\n", bench, msg);
	exit(1);
}

int
probe_choice(const char *bench, const char *option, const char *value,
	     const char *const *choices)
{
	for (int i = 0; choices[i] != NULL; i++)
		if (strcmp(value, choices[i]) == 0)
			return i;
	probe_usage(bench, "invalid value '%s' for %s", value, option);
}

void
probe_set_interrupted(void)
{
	atomic_store(&interrupted, true);
}

bool
probe_interrupted(void)
{
	static const struct timespec zero;
	sigset_t set;

	if (atomic_load(&interrupted))
		return true;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigtimedwait(&set, NULL, &zero) > 0)
		atomic_store(&interrupted, true);
	return atomic_load(&interrupted);
}

void
probe_child_signals(void)
{
	sigset_t none;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

const char *
probe_self_path(const struct probe_opts *o)
{
	static char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);

	if (n > 0) {
		path[n] = '\0';
		return path;
	}
	/* No /proc (a bare rootfs): argv[0] works when it holds a path. */
	if (o->argv0 != NULL && strchr(o->argv0, '/') != NULL)
		return o->argv0;
	return NULL;
}

/* Seconds: a finite positive decimal. */
static double
parse_seconds(const char *bench, const char *opt, const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);

	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v <= 0 || v > 1e8)
		probe_usage(bench, "invalid value '%s' for %s: want seconds > 0", s, opt);
	return v;
}

/* A positive integer no larger than max. */
static uint64_t
parse_count(const char *bench, const char *opt, const char *s, uint64_t max)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);

	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v == 0 || v > max)
		probe_usage(bench, "invalid value '%s' for %s: want an integer from 1 to %llu",
			    s, opt, (unsigned long long)max);
	return v;
}

/* Bytes with an optional K/M/G/T suffix (binary), optionally followed by
 * "B" or "iB", so 16M, 16MB and 16MiB all mean 16 x 2^20. */
static uint64_t
parse_size(const char *bench, const char *opt, const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;

	if (errno != 0 || end == s || s[0] == '-')
		goto bad;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: break;
	}
	if (shift != 0 && (strcmp(end, "B") == 0 || strcmp(end, "iB") == 0))
		end += strlen(end);
	if (*end != '\0' || v == 0 || (shift && v > (UINT64_MAX >> shift)))
		goto bad;
	return (uint64_t)v << shift;
bad:
	probe_usage(bench, "invalid size '%s' for %s: want bytes, e.g. 4096, 64K, 16M, 1G", s, opt);
}

static noreturn void
print_usage(void)
{
	char list[2048];
	size_t len = 0;

	list[0] = '\0';
	for (size_t i = 0; i < sizeof benches / sizeof benches[0]; i++) {
		if (benches[i].hidden)
			continue;
		int n = snprintf(list + len, sizeof list - len, "  %-11s %s\n",
				 benches[i].name, benches[i].description);
		if (n > 0 && (size_t)n < sizeof list - len)
			len += (size_t)n;
	}
	printf(usage_text, list);
	exit(fflush(stdout) == 0 ? 0 : 1);
}

enum {
	LO_TIME = 256, LO_EVENTS, LO_INTERVAL, LO_THREADS, LO_MAX_PRIME, LO_SIZE,
	LO_BLOCK, LO_OPER, LO_TOTAL, LO_CALL, LO_CPU_PIN, LO_EXEC, LO_RW, LO_BS,
	LO_DIR, LO_FSYNC, LO_LISTEN, LO_ONCE, LO_CONNECT, LO_MODE, LO_STEP,
	LO_LIMIT, LO_FROM, LO_BUFFERED, LO_HELP, LO_VERSION,
};

static const struct option long_options[] = {
	{ "time", required_argument, NULL, LO_TIME },
	{ "events", required_argument, NULL, LO_EVENTS },
	{ "interval", required_argument, NULL, LO_INTERVAL },
	{ "threads", required_argument, NULL, LO_THREADS },
	{ "max-prime", required_argument, NULL, LO_MAX_PRIME },
	{ "size", required_argument, NULL, LO_SIZE },
	{ "block", required_argument, NULL, LO_BLOCK },
	{ "oper", required_argument, NULL, LO_OPER },
	{ "total", required_argument, NULL, LO_TOTAL },
	{ "call", required_argument, NULL, LO_CALL },
	{ "cpu-pin", no_argument, NULL, LO_CPU_PIN },
	{ "exec", no_argument, NULL, LO_EXEC },
	{ "rw", required_argument, NULL, LO_RW },
	{ "bs", required_argument, NULL, LO_BS },
	{ "dir", required_argument, NULL, LO_DIR },
	{ "fsync", no_argument, NULL, LO_FSYNC },
	{ "buffered", no_argument, NULL, LO_BUFFERED },
	{ "listen", required_argument, NULL, LO_LISTEN },
	{ "once", no_argument, NULL, LO_ONCE },
	{ "connect", required_argument, NULL, LO_CONNECT },
	{ "mode", required_argument, NULL, LO_MODE },
	{ "step", required_argument, NULL, LO_STEP },
	{ "limit", required_argument, NULL, LO_LIMIT },
	{ "from", required_argument, NULL, LO_FROM },
	{ "help", no_argument, NULL, LO_HELP },
	{ "version", no_argument, NULL, LO_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* The option bit that long option `id` needs. */
static unsigned
option_bit(int id, const struct bench *b)
{
	switch (id) {
	case LO_TIME: return OPT_TIME;
	case LO_EVENTS: return OPT_EVENTS;
	case LO_INTERVAL: return OPT_INTERVAL;
	case LO_THREADS: return OPT_THREADS;
	case LO_MAX_PRIME: return OPT_MAX_PRIME;
	case LO_SIZE: return OPT_SIZE;
	case LO_BLOCK: return OPT_BLOCK;
	case LO_OPER: return OPT_OPER;
	case LO_TOTAL: return OPT_TOTAL;
	case LO_CALL: return OPT_CALL;
	case LO_CPU_PIN: return OPT_CPU_PIN;
	case LO_EXEC: return OPT_EXEC;
	case LO_RW: return OPT_RW;
	case LO_BS: return OPT_BS;
	case LO_DIR: return OPT_DIR;
	case LO_FSYNC: return OPT_FSYNC;
	case LO_BUFFERED: return OPT_BUFFERED;
	case LO_LISTEN: return OPT_LISTEN;
	case LO_ONCE: return OPT_ONCE;
	case LO_CONNECT: return OPT_CONNECT;
	case LO_MODE: return OPT_MODE;
	case LO_STEP: return OPT_STEP;
	case LO_FROM: return OPT_FROM;
	case LO_LIMIT: return b->options & (OPT_LIMIT_SIZE | OPT_LIMIT_COUNT);
	default: return 0;
	}
}

/* Fills o from argv (argv[0] is the benchmark name); exits on bad input. */
static void
parse_options(const struct bench *b, int argc, char **argv, struct probe_opts *o)
{
	const char *name = b->name;

	opterr = 0;
	optind = 1;
	for (;;) {
		int longidx = -1;
		int c = getopt_long(argc, argv, ":", long_options, &longidx);
		if (c == -1)
			break;
		if (c == '?') {
			if (optopt != 0)
				probe_usage(name, "unknown option '-%c'", optopt);
			probe_usage(name, "unknown option '%s'", argv[optind - 1]);
		}
		if (c == ':')
			probe_usage(name, "option '%s' needs a value", argv[optind - 1]);
		if (c == LO_HELP)
			print_usage();
		if (c == LO_VERSION) {
			printf("isolab-probe %s\n", PACKAGE_VERSION);
			exit(0);
		}
		unsigned bit = option_bit(c, b);
		if (bit == 0 || (b->options & bit) == 0)
			probe_usage(name, "option '--%s' does not apply to %s",
				    long_options[longidx].name, name);
		switch (c) {
		case LO_TIME: o->time = parse_seconds(name, "--time", optarg); break;
		case LO_EVENTS: o->events = parse_count(name, "--events", optarg, UINT64_MAX / 2); break;
		case LO_INTERVAL: o->interval = parse_seconds(name, "--interval", optarg); break;
		case LO_THREADS: o->threads = (unsigned)parse_count(name, "--threads", optarg, 1024); break;
		case LO_MAX_PRIME: o->max_prime = parse_count(name, "--max-prime", optarg, UINT32_MAX); break;
		case LO_SIZE: o->size = parse_size(name, "--size", optarg); break;
		case LO_BLOCK: o->block = parse_size(name, "--block", optarg); break;
		case LO_OPER: o->oper = optarg; break;
		case LO_TOTAL: o->total = parse_size(name, "--total", optarg); break;
		case LO_CALL: o->call = optarg; break;
		case LO_CPU_PIN: o->cpu_pin = true; break;
		case LO_EXEC: o->exec = true; break;
		case LO_RW: o->rw = optarg; break;
		case LO_BS: o->bs = parse_size(name, "--bs", optarg); break;
		case LO_DIR: o->dir = optarg; break;
		case LO_FROM: o->from = optarg; break;
		case LO_FSYNC: o->fsync = true; break;
		case LO_BUFFERED: o->buffered = true; break;
		case LO_LISTEN: o->listen = optarg; break;
		case LO_ONCE: o->once = true; break;
		case LO_CONNECT: o->connect = optarg; break;
		case LO_MODE: o->mode = optarg; break;
		case LO_STEP: o->step = parse_size(name, "--step", optarg); break;
		case LO_LIMIT:
			if (b->options & OPT_LIMIT_SIZE)
				o->limit = parse_size(name, "--limit", optarg);
			else
				o->limit = parse_count(name, "--limit", optarg, 1000000);
			break;
		default: break;
		}
	}
	if (optind < argc)
		probe_usage(name, "unexpected argument '%s'", argv[optind]);
}

int
main(int argc, char **argv)
{
	struct probe_opts o = { .interval = 1.0, .threads = 1, .argv0 = argv[0] };
	const struct bench *b = NULL;
	sigset_t set;

	/* The fork --exec target must cost nothing beyond the exec itself. */
	if (argc == 2 && strcmp(argv[1], "true") == 0)
		return 0;
	/* As a VM's /init the kernel may pass no arguments: be its agent. */
	if (getpid() == 1 && argc < 2)
		return agent_run(NULL, &o);
	if (argc < 2)
		probe_usage(NULL, "no benchmark given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		print_usage();
	if (strcmp(argv[1], "--version") == 0) {
		printf("isolab-probe %s\n", PACKAGE_VERSION);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (argv[1][0] == '-')
		probe_usage(NULL, "no benchmark given before '%s'", argv[1]);
	for (size_t i = 0; i < sizeof benches / sizeof benches[0]; i++)
		if (strcmp(argv[1], benches[i].name) == 0)
			b = &benches[i];
	if (b == NULL)
		probe_usage(argv[1], "unknown benchmark");
	parse_options(b, argc - 1, argv + 1, &o);

	/* Blocked everywhere, collected with sigtimedwait: a benchmark stopped
	 * by SIGINT/SIGTERM still prints its summary and cleans up, and no
	 * handler runs at an awkward moment. Threads inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	/* A shell starts background jobs with SIGINT ignored; the probe must
	 * still stop cleanly on it. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return b->run(b, &o);
}

/*
 * sampler-cost-run.c — the isolab side of bench/sampler-cost: tracks the given
 * pids and samples them once a second, then reports its own CPU time.
 *
 *   sampler-cost-run [-s SECONDS] [-p] PID...
 *   sampler-cost-run -w      (a "waking" target: sleeps 100 ms in a loop)
 *
 * It takes SECONDS + 1 samples (at 0, 1, ... SECONDS), as
 * `pidstat ... 1 SECONDS` does SECONDS + 1 reads. The CPU time (user + sys
 * from getrusage, so the kernel's cost of generating /proc text is in it)
 * excludes setup: sampler_new and tracking, which open the fds once. With
 * -p it also formats one pidstat-like line per pid and sample to stdout,
 * so that it can be compared with pidstat including pidstat's printing.
 * The result goes to stderr as one line of key=value pairs.
 */
#include "sampler.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double cpu_ms(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void print_samples(const struct proc_sample *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct proc_sample *p = &v[i];
		printf("%9d %7.2f %7.2f %7.2f %7.2f %7.2f %5d %9.2f %9.2f %8llu %8llu %6.2f "
		       "%9.2f %9.2f %9.2f %7llu %9.2f %9.2f %7u %s\n",
		       (int)p->pid, p->usr, p->system, p->guest, p->wait, p->cpu, p->cpu_num,
		       p->minflt_s, p->majflt_s, (unsigned long long)p->vsz_kb,
		       (unsigned long long)p->rss_kb, p->mem_pct, p->kb_rd_s, p->kb_wr_s,
		       p->kb_ccwr_s, (unsigned long long)p->iodelay, p->cswch_s, p->nvcswch_s,
		       p->threads, p->comm);
	}
}

int main(int argc, char **argv)
{
	int seconds = 10, print = 0, opt;
	while ((opt = getopt(argc, argv, "s:pw")) != -1) {
		switch (opt) {
		case 'w':
			/* A process that is never idle for a whole second, so the
			 * sampler cannot skip its status and io. */
			for (;;) {
				struct timespec ts = { 0, 100 * 1000 * 1000 };
				nanosleep(&ts, NULL);
			}
		case 's':
			seconds = atoi(optarg);
			break;
		case 'p':
			print = 1;
			break;
		default:
			fprintf(stderr, "usage: %s [-s SECONDS] [-p] PID...\n", argv[0]);
			return 2;
		}
	}
	if (seconds < 1 || optind >= argc) {
		fprintf(stderr, "usage: %s [-s SECONDS] [-p] PID...\n", argv[0]);
		return 2;
	}

	struct sampler *s = sampler_new("/proc");
	if (!s) {
		fprintf(stderr, "sampler-cost-run: /proc: %s\n", strerror(errno));
		return 1;
	}
	for (int i = optind; i < argc; i++) {
		char *cause = NULL;
		if (sampler_track(s, (pid_t)atoi(argv[i]), 0, ROLE_WORKLOAD, &cause) < 0) {
			fprintf(stderr, "sampler-cost-run: %s\n", cause);
			free(cause);
			return 1;
		}
	}
	size_t tracked = sampler_count(s);

	double cpu0 = cpu_ms();
	double worst_ms = 0;
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (int i = 0; i <= seconds; i++) {
		if (i > 0) {
			next.tv_sec++;
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
				;
		}
		uint64_t t = mono_ns();
		const struct proc_sample *v;
		size_t n;
		char *cause = NULL;
		if (sampler_sample(s, &v, &n, &cause) < 0) {
			fprintf(stderr, "sampler-cost-run: %s\n", cause);
			free(cause);
			return 1;
		}
		if (print)
			print_samples(v, n);
		double ms = (double)(mono_ns() - t) / 1e6;
		if (ms > worst_ms)
			worst_ms = ms;
	}
	fflush(stdout);
	double used = cpu_ms() - cpu0;
	fprintf(stderr, "pids=%zu seconds=%d samples=%d cpu_ms=%.2f cpu_ms_per_s=%.3f worst_sample_ms=%.3f\n",
		tracked, seconds, seconds + 1, used, used / seconds, worst_ms);
	sampler_free(s);
	return 0;
}

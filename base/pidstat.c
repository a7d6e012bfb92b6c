/* pidstat.c — a process row's columns from /proc text (pidstat.h). libc only. */
#include "pidstat.h"

#include <stdlib.h>
#include <string.h>

int pidstat_parse_stat(const char *buf, struct pidstat_stat *st)
{
	const char *open = strchr(buf, '(');
	const char *close = strrchr(buf, ')');
	if (!open || !close || close < open)
		return -1;
	size_t len = (size_t)(close - open - 1);
	if (len >= sizeof(st->comm))
		len = sizeof(st->comm) - 1;
	memcpy(st->comm, open + 1, len);
	st->comm[len] = '\0';

	/* Negative fields (cutime, priority...) are never ones used, so they
	 * are parsed as their magnitude. */
	const char *p = close + 1;
	int field = PIDSTAT_STATE;
	while (field <= PIDSTAT_LAST) {
		while (*p == ' ')
			p++;
		if (*p == '\0' || *p == '\n')
			break;
		if (field == PIDSTAT_STATE) {
			st->state = *p++;
		} else {
			if (*p == '-')
				p++;
			uint64_t v = 0;
			while (*p >= '0' && *p <= '9')
				v = v * 10 + (uint64_t)(*p++ - '0');
			st->f[field] = v;
		}
		while (*p != ' ' && *p != '\0' && *p != '\n')
			p++;
		field++;
	}
	/* guest_time arrived in 2.6.24; everything up to processor must be there. */
	if (field <= PIDSTAT_PROCESSOR)
		return -1;
	for (; field <= PIDSTAT_LAST; field++)
		st->f[field] = 0;
	return 0;
}

uint64_t pidstat_field(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);
	if (!p)
		return 0;
	p += strlen(key);
	while (*p == ' ' || *p == '\t' || *p == ':')
		p++;
	return strtoull(p, NULL, 10);
}

void pidstat_from_stat(const struct pidstat_stat *st, struct pidstat_counters *c)
{
	c->utime = st->f[PIDSTAT_UTIME];
	c->stime = st->f[PIDSTAT_STIME];
	c->gtime = st->f[PIDSTAT_GUEST_TIME];
	c->minflt = st->f[PIDSTAT_MINFLT];
	c->majflt = st->f[PIDSTAT_MAJFLT];
	c->blkio = st->f[PIDSTAT_BLKIO_TICKS];
}

int pidstat_from_schedstat(const char *buf, struct pidstat_counters *c)
{
	char *q = (char *)buf;
	c->exec_ns = strtoull(q, &q, 10);
	c->run_delay_ns = strtoull(q, &q, 10);
	c->pcount = strtoull(q, NULL, 10);
	return c->pcount > 0;
}

void pidstat_from_status(const char *buf, struct pidstat_counters *c)
{
	/* The leading newline keeps "voluntary" from matching inside
	 * "nonvoluntary". */
	c->nvcsw = pidstat_field(buf, "\nvoluntary_ctxt_switches:");
	c->nivcsw = pidstat_field(buf, "\nnonvoluntary_ctxt_switches:");
}

void pidstat_from_io(const char *buf, struct pidstat_counters *c)
{
	c->rd = pidstat_field(buf, "\nread_bytes:");
	c->wr = pidstat_field(buf, "\nwrite_bytes:");
	c->ccwr = pidstat_field(buf, "\ncancelled_write_bytes:");
}

/* Rate per second of a counter that should only grow; 0 if it went back. */
static double rate(uint64_t prev, uint64_t cur, double secs)
{
	return cur >= prev ? (double)(cur - prev) / secs : 0.0;
}

/* Percent of one CPU for a delta of clock ticks over ticks_elapsed. */
static double pct(uint64_t prev, uint64_t cur, double ticks_elapsed)
{
	return cur >= prev ? (double)(cur - prev) * 100.0 / ticks_elapsed : 0.0;
}

void pidstat_row(const struct pidstat_host *h, const struct pidstat_stat *st, const struct pidstat_counters *prev,
    const struct pidstat_counters *c, double secs, int io_ok, struct proc_sample *out)
{
	pid_t pid = out->pid;
	int instance = out->instance;
	enum proc_role role = out->role;
	memset(out, 0, sizeof(*out));
	out->pid = pid;
	out->instance = instance;
	out->role = role;
	out->ppid = (pid_t)st->f[PIDSTAT_PPID];
	memcpy(out->comm, st->comm, sizeof(out->comm));
	out->cpu_num = (int)st->f[PIDSTAT_PROCESSOR];
	out->vsz_kb = st->f[PIDSTAT_VSIZE] / 1024;
	out->rss_kb = st->f[PIDSTAT_RSS] * h->page_kb;
	out->mem_pct = h->mem_total_kb ? (double)out->rss_kb * 100.0 / (double)h->mem_total_kb : 0.0;
	out->threads = (unsigned)st->f[PIDSTAT_NUM_THREADS];
	if (!prev || secs <= 0) {
		out->first = !prev;
		if (!io_ok)
			out->kb_rd_s = out->kb_wr_s = out->kb_ccwr_s = -1;
		return;
	}
	const struct pidstat_counters *o = prev;
	double ticks = secs * (double)h->hz;
	uint64_t u_prev = o->utime >= o->gtime ? o->utime - o->gtime : 0;
	uint64_t u_cur = c->utime >= c->gtime ? c->utime - c->gtime : 0;
	out->usr = pct(u_prev, u_cur, ticks);
	out->system = pct(o->stime, c->stime, ticks);
	out->guest = pct(o->gtime, c->gtime, ticks);
	out->cpu = pct(o->utime + o->stime, c->utime + c->stime, ticks);
	out->wait = c->run_delay_ns >= o->run_delay_ns
		? (double)(c->run_delay_ns - o->run_delay_ns) * 100.0 / (secs * 1e9) : 0.0;
	out->minflt_s = rate(o->minflt, c->minflt, secs);
	out->majflt_s = rate(o->majflt, c->majflt, secs);
	if (io_ok) {
		out->kb_rd_s = rate(o->rd, c->rd, secs) / 1024.0;
		out->kb_wr_s = rate(o->wr, c->wr, secs) / 1024.0;
		out->kb_ccwr_s = rate(o->ccwr, c->ccwr, secs) / 1024.0;
	} else {
		out->kb_rd_s = out->kb_wr_s = out->kb_ccwr_s = -1;
	}
	out->iodelay = c->blkio >= o->blkio ? c->blkio - o->blkio : 0;
	out->cswch_s = rate(o->nvcsw, c->nvcsw, secs);
	out->nvcswch_s = rate(o->nivcsw, c->nivcsw, secs);
}

int pidstat_is_vcpu_thread(const char *comm)
{
	/* QEMU with debug-threads=on: "CPU <n>/<accelerator>"; Firecracker: "fc_vcpu <n>" */
	if (!strncmp(comm, "CPU ", 4))
		return comm[4] >= '0' && comm[4] <= '9' && strchr(comm + 4, '/') != NULL;
	return !strncmp(comm, "fc_vcpu ", 8) && comm[8] >= '0' && comm[8] <= '9';
}

/*
 * file.c - random file I/O, as fio --rw=randrw --ioengine=sync --direct=1.
 *
 * The file is created with O_EXCL under a name holding the pid, laid out
 * by writing it fully first (not measured: reads of a hole would never
 * reach the disk), and removed at the end, including after SIGINT/SIGTERM
 * (the runner turns those into a normal end). O_DIRECT keeps the page
 * cache out of the measurement; where the filesystem refuses it (tmpfs,
 * some overlay and 9p setups) the probe falls back to buffered I/O and
 * says so with direct=0, since the numbers then mean something else.
 * --buffered asks for the page cache on purpose: the layout then leaves
 * the file cached as far as the memory (and the instance's limit) allow.
 */
#include "build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"
#include "runner.h"

enum { C_READS, C_WRITES };
enum rw { RW_RANDRW, RW_RANDREAD, RW_RANDWRITE };

struct file_state {
	int fd;
	enum rw rw;
	uint64_t bs;
	uint64_t blocks;
	bool fsync;
	bool direct;
};

/* xorshift64*: cheap and good enough to spread offsets evenly. */
static uint64_t
file_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static int
file_work(struct worker *w)
{
	const struct file_state *st = w->state;
	uint64_t seed = mono_ns() ^ ((uint64_t)getpid() << 32) ^ ((uint64_t)w->id + 1) * 0x9e3779b97f4a7c15u;
	void *buf;

	if (posix_memalign(&buf, 4096, st->bs) != 0) {
		worker_fail(w, "out of memory for a %llu-byte buffer", (unsigned long long)st->bs);
		return -1;
	}
	for (uint64_t i = 0; i < st->bs; i++)
		((unsigned char *)buf)[i] = (unsigned char)file_rand(&seed);
	while (!worker_stopping(w) && worker_claim(w, 1) == 1) {
		uint64_t r = file_rand(&seed);
		off_t off = (off_t)((r >> 1) % st->blocks * st->bs);
		bool write_op = st->rw == RW_RANDWRITE || (st->rw == RW_RANDRW && (r & 1));
		uint64_t c[TALLY_COUNTERS] = { 0 };
		uint64_t t0 = mono_ns();
		ssize_t n = write_op ? pwrite(st->fd, buf, st->bs, off)
				     : pread(st->fd, buf, st->bs, off);
		if (n != (ssize_t)st->bs) {
			worker_fail(w, "%s at offset %lld: %s", write_op ? "write" : "read",
				    (long long)off, n < 0 ? strerror(errno) : "short transfer");
			free(buf);
			return -1;
		}
		if (write_op && st->fsync && fdatasync(st->fd) != 0) {
			worker_fail(w, "fdatasync: %s", strerror(errno));
			free(buf);
			return -1;
		}
		c[write_op ? C_WRITES : C_READS] = 1;
		worker_add(w, mono_ns() - t0, 1, c);
	}
	free(buf);
	return 0;
}

static void
file_extras(struct report *r, const struct tally *t, double secs, bool summary,
	    void *state)
{
	const struct file_state *st = state;
	static const char *const names[] = { "randrw", "randread", "randwrite" };

	report_fixed(r, "read_iops", secs > 0 ? (double)t->c[C_READS] / secs : 0, 2);
	report_fixed(r, "write_iops", secs > 0 ? (double)t->c[C_WRITES] / secs : 0, 2);
	if (summary) {
		report_u64(r, "direct", st->direct);
		report_str(r, "rw", names[st->rw]);
		report_u64(r, "bs", st->bs);
		report_u64(r, "size", st->blocks * st->bs);
		report_u64(r, "fsync", st->fsync);
	}
}

/* Writes the whole file once; on EINVAL from O_DIRECT, drops to buffered.
 * Returns 0, or an errno value. */
static int
file_layout(struct file_state *st)
{
	const size_t chunk = 1 << 20;
	void *buf;

	if (posix_memalign(&buf, 4096, chunk) != 0)
		return ENOMEM;
	memset(buf, 0xa5, chunk);
	uint64_t size = st->blocks * st->bs, off = 0;
	while (off < size && !probe_interrupted()) {
		size_t n = size - off < chunk ? (size_t)(size - off) : chunk;
		ssize_t w = pwrite(st->fd, buf, n, (off_t)off);
		if (w < 0 && errno == EINVAL && st->direct) {
			int fl = fcntl(st->fd, F_GETFL);
			if (fl < 0 || fcntl(st->fd, F_SETFL, fl & ~O_DIRECT) != 0)
				break;
			st->direct = false;
			continue;
		}
		if (w <= 0) {
			int e = w < 0 ? errno : ENOSPC;
			free(buf);
			return e;
		}
		off += (uint64_t)w;
	}
	free(buf);
	return fdatasync(st->fd) != 0 ? errno : 0;
}

int
file_run(const struct bench *b, const struct probe_opts *o)
{
	static const char *const rws[] = { "randrw", "randread", "randwrite", NULL };
	struct file_state st = {
		.rw = o->rw ? (enum rw)probe_choice(b->name, "--rw", o->rw, rws) : RW_RANDRW,
		.bs = o->bs ? o->bs : 4096,
		.fsync = o->fsync,
		.direct = true,
	};
	uint64_t size = o->size ? o->size : UINT64_C(256) << 20;
	const char *dir = o->dir ? o->dir : ".";
	struct runner_spec spec = {
		.bench = b->name,
		.rate_unit = "iops",
		.threads = o->threads,
		.time = probe_time(o, 10),
		.events = o->events,
		.interval = o->interval,
		.state = &st,
		.work = file_work,
		.extras = file_extras,
	};
	char path[4096], err[256];

	if (st.bs > (UINT64_C(64) << 20))
		probe_usage(b->name, "--bs %llu is larger than 64M", (unsigned long long)st.bs);
	if (size < st.bs)
		probe_usage(b->name, "--size must be at least --bs (%llu)", (unsigned long long)st.bs);
	st.blocks = size / st.bs;
	if ((size_t)snprintf(path, sizeof path, "%s/isolab-probe.file.%ld", dir,
			     (long)getpid()) >= sizeof path)
		probe_usage(b->name, "--dir is too long");

	probe_ready(b->name);
	/* O_DIRECT needs sector-aligned transfers; an odd --bs goes buffered,
	 * and --buffered asks for the page cache (its hits are then measured,
	 * and a memory limit that evicts the file shows as misses). */
	int flags = O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC;
	st.direct = st.bs % 512 == 0 && !o->buffered;
	st.fd = open(path, flags | (st.direct ? O_DIRECT : 0), 0600);
	if (st.fd < 0 && errno == EINVAL && st.direct) {
		/* Some filesystems create the file and only then refuse
		 * O_DIRECT; the name is ours (O_EXCL got that far). */
		unlink(path);
		st.direct = false;
		st.fd = open(path, flags, 0600);
	}
	if (st.fd < 0)
		probe_fail(b->name, "cannot create %s: %s", path, strerror(errno));

	uint64_t t0 = mono_ns();
	int e = file_layout(&st);
	if (e != 0) {
		unlink(path);
		probe_fail(b->name, "cannot lay out %s: %s", path, strerror(e));
	}
	struct report r;
	report_begin(&r, b->name, "info");
	report_fixed(&r, "layout_s", ns_to_s(mono_ns() - t0), 3);
	report_u64(&r, "direct", st.direct);
	report_u64(&r, "size", st.blocks * st.bs);
	report_emit(&r);

	int rc = runner_run(&spec, err, sizeof err);
	close(st.fd);
	unlink(path);
	if (rc != 0)
		probe_fail(b->name, "%s", err);
	return 0;
}

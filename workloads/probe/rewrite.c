/*
 * rewrite.c - the first write to each of a set of files that already
 * exist: open, one write of --bs bytes at offset 0, close.
 *
 * In a container whose root is a copy-on-write union (overlayfs), a file
 * of the image lives in a read-only lower layer, and the first open for
 * writing copies the whole file up into the instance's writable layer
 * before the write lands. Elsewhere the same write goes in place. The
 * files are --from DIR's f0000, f0001, ... (a rootfs of kind "cow" has
 * them at /isolab-files); where DIR has none (on the host, in a VM), the
 * probe lays out the same set under --dir first, unmeasured, and says
 * source=created. Either way every file is read once before the ready
 * line, so both find their data in the page cache and the clock sees the
 * copy, not the disk (after the ready line, as file's layout: the line
 * contract puts ready first; the info line then says how long it took). Each file is rewritten once: the run ends when all
 * have been, or at --time.
 */
#include "build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe.h"
#include "runner.h"
#include "cowfiles.h" /* the set a rootfs of kind "cow" carries */


struct rewrite_state {
	char dir[4096];		/* where the files are */
	unsigned nfiles;
	uint64_t file_size;
	uint64_t bs;
	bool created;		/* laid out by the probe under --dir */
};

static int
rewrite_path(const struct rewrite_state *st, unsigned i, char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%s/f%04u", st->dir, i) < len ? 0 : -1;
}

static int
rewrite_work(struct worker *w)
{
	const struct rewrite_state *st = w->state;
	char path[4200];
	void *buf = malloc(st->bs);

	if (!buf) {
		worker_fail(w, "out of memory for a %llu-byte buffer", (unsigned long long)st->bs);
		return -1;
	}
	memset(buf, 0x5a, st->bs);
	for (unsigned i = 0; i < st->nfiles && !worker_stopping(w) && worker_claim(w, 1) == 1; i++) {
		rewrite_path(st, i, path, sizeof path);
		uint64_t t0 = mono_ns();
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : pwrite(fd, buf, st->bs, 0);
		int e = errno;
		if (fd >= 0 && close(fd) != 0 && n >= 0) {
			n = -1;
			e = errno;
		}
		if (n != (ssize_t)st->bs) {
			worker_fail(w, "%s %s: %s", fd < 0 ? "open" : "write", path, n < 0 ? strerror(e) : "short write");
			free(buf);
			return -1;
		}
		worker_add(w, mono_ns() - t0, 1, NULL);
	}
	free(buf);
	return 0;
}

static void
rewrite_extras(struct report *r, const struct tally *t, double secs, bool summary, void *state)
{
	const struct rewrite_state *st = state;

	(void)t;
	(void)secs;
	if (summary) {
		report_str(r, "source", st->created ? "created" : "image");
		report_u64(r, "files", st->nfiles);
		report_u64(r, "file_size", st->file_size);
		report_u64(r, "bs", st->bs);
	}
}

/* The image's files in st->dir: how many f%04u there are, in a row, and
 * their size (the first one's; all must have it). 0 when there are none. */
static unsigned
rewrite_count(struct rewrite_state *st, const char *bench)
{
	char path[4200];
	struct stat s;
	unsigned n = 0;

	while (n < 10000 && rewrite_path(st, n, path, sizeof path) == 0 && stat(path, &s) == 0) {
		if (!S_ISREG(s.st_mode))
			probe_fail(bench, "%s is not a regular file", path);
		if (n == 0)
			st->file_size = (uint64_t)s.st_size;
		else if ((uint64_t)s.st_size != st->file_size)
			probe_fail(bench, "%s has %lld bytes, not %llu as f0000", path, (long long)s.st_size,
				   (unsigned long long)st->file_size);
		n++;
	}
	return n;
}

/* Lays the set out under st->dir, written and synced. */
static void
rewrite_layout(struct rewrite_state *st, const char *bench)
{
	char path[4200];
	static char chunk[COW_FILE_SIZE];

	if (mkdir(st->dir, 0700) != 0)
		probe_fail(bench, "cannot create %s: %s", st->dir, strerror(errno));
	st->created = true;
	memset(chunk, 0xa5, sizeof chunk);
	for (unsigned i = 0; i < COW_FILES && !probe_interrupted(); i++) {
		rewrite_path(st, i, path, sizeof path);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, chunk, sizeof chunk) != (ssize_t)sizeof chunk) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			probe_fail(bench, "cannot lay out %s: %s", path, strerror(e));
		}
		close(fd);
		st->nfiles = i + 1;
	}
	st->file_size = COW_FILE_SIZE;
	/* On disk, as an image's files are: one sync for the lot. */
	int dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || syncfs(dfd) != 0)
		probe_fail(bench, "cannot sync %s: %s", st->dir, strerror(errno));
	close(dfd);
}

/* Reads every file once, so the measured copies find it in the page cache. */
static void
rewrite_warm(const struct rewrite_state *st, const char *bench)
{
	char path[4200];
	static char buf[64 << 10];

	for (unsigned i = 0; i < st->nfiles && !probe_interrupted(); i++) {
		rewrite_path(st, i, path, sizeof path);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			probe_fail(bench, "cannot read %s: %s", path, strerror(errno));
		while (read(fd, buf, sizeof buf) > 0)
			;
		close(fd);
	}
}

static void
rewrite_remove(const struct rewrite_state *st)
{
	char path[4200];

	for (unsigned i = 0; i < st->nfiles; i++)
		if (rewrite_path(st, i, path, sizeof path) == 0)
			unlink(path);
	rmdir(st->dir);
}

int
rewrite_run(const struct bench *b, const struct probe_opts *o)
{
	struct rewrite_state st = { .bs = o->bs ? o->bs : 4096 };
	struct runner_spec spec = {
		.bench = b->name,
		.rate_unit = "files/s",
		.threads = 1,
		.time = probe_time(o, 10),
		.events = o->events,
		.interval = o->interval,
		.state = &st,
		.work = rewrite_work,
		.extras = rewrite_extras,
	};
	char err[256];

	if (st.bs > (UINT64_C(1) << 20))
		probe_usage(b->name, "--bs %llu is larger than 1M", (unsigned long long)st.bs);
	if (o->from && (size_t)snprintf(st.dir, sizeof st.dir, "%s", o->from) >= sizeof st.dir)
		probe_usage(b->name, "--from is too long");
	probe_ready(b->name);
	if (o->from)
		st.nfiles = rewrite_count(&st, b->name);
	uint64_t t0 = mono_ns();
	if (!st.nfiles) {
		if ((size_t)snprintf(st.dir, sizeof st.dir, "%s/isolab-probe.rewrite.%ld", o->dir ? o->dir : ".",
				     (long)getpid()) >= sizeof st.dir)
			probe_usage(b->name, "--dir is too long");
		rewrite_layout(&st, b->name);
	}
	if (st.bs > st.file_size) {
		if (st.created)
			rewrite_remove(&st);
		probe_usage(b->name, "--bs %llu is larger than the files (%llu bytes)", (unsigned long long)st.bs,
			    (unsigned long long)st.file_size);
	}
	rewrite_warm(&st, b->name);
	struct report r;
	report_begin(&r, b->name, "info");
	report_str(&r, "source", st.created ? "created" : "image");
	report_u64(&r, "files", st.nfiles);
	report_u64(&r, "file_size", st.file_size);
	report_fixed(&r, "layout_s", ns_to_s(mono_ns() - t0), 3);
	report_emit(&r);

	int rc = runner_run(&spec, err, sizeof err);
	if (st.created)
		rewrite_remove(&st);
	if (rc != 0)
		probe_fail(b->name, "%s", err);
	return 0;
}

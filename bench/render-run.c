/*
 * render-run.c — bench/render's harness: the cost of a full frame.
 *
 * Renders the dashboard (8 series × 600 points in both charts) and the
 * processes screen (500 processes as a tree) into an off-screen terminal:
 * newterm() on a pty whose other end a thread drains, so every byte curses
 * emits is really written. Each frame changes the data (one new second per
 * series, new %CPU values) and redraws every widget; a second pass also
 * forces curses to re-send every cell (clearok), the worst case of a resize
 * or a theme switch. Prints the median and 95th percentile frame times,
 * and how many write(2) calls a frame took.
 *
 * usage: render-run [COLS ROWS FRAMES]   (default 160 48 200)
 */
#include "engine.h"
#include "live.h"
#include "screens.h"
#include "theme.h"
#include "tui.h"
#include "util.h"

#include <locale.h>
#include <langinfo.h>
#include <math.h>
#include <pthread.h>
#include <pty.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

static size_t drained;

static void *drain(void *arg)
{
	int fd = *(int *)arg;
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		drained += (size_t)n;
	return NULL;
}

/* This process's write(2) calls so far (/proc/self/io's syscw), -1 when
 * unreadable; the drain thread only reads. */
static long long write_calls(void)
{
	FILE *fp = fopen("/proc/self/io", "re");
	long long n = -1;
	char line[128];
	while (fp && fgets(line, sizeof line, fp))
		if (sscanf(line, "syscw: %lld", &n) == 1)
			break;
	if (fp)
		fclose(fp);
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static struct metric_def metrics[2] = {
	{ .name = "rate", .unit = "events/s", .kind = "throughput", .higher_is_better = 1 },
	{ .name = "p99", .unit = "ns", .kind = "latency" },
};
static struct workload wl = { .name = "cpu", .description = "synthetic", .metrics = metrics, .nmetrics = 2 };

static double median(double *v, size_t n, double *p95)
{
	qsort(v, n, sizeof *v, cmp_double);
	*p95 = v[(size_t)((double)(n - 1) * 0.95)];
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	int cols = argc > 1 ? atoi(argv[1]) : 160, rows = argc > 2 ? atoi(argv[2]) : 48;
	size_t frames = argc > 3 ? (size_t)atol(argv[3]) : 200;
	if (cols < TUI_MIN_COLS || rows < TUI_MIN_ROWS || frames < 1) {
		fprintf(stderr, "usage: render-run [COLS ROWS FRAMES] (at least %dx%d)\n", TUI_MIN_COLS, TUI_MIN_ROWS);
		return 2;
	}
	if (!setlocale(LC_ALL, "C.UTF-8"))
		setlocale(LC_ALL, "");
	int master, slave;
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
	if (openpty(&master, &slave, NULL, NULL, &ws) < 0) {
		perror("render-run: openpty");
		return 1;
	}
	pthread_t thr;
	pthread_create(&thr, NULL, drain, &master);
	FILE *out = fdopen(slave, "w"), *in = fdopen(dup(slave), "r");
	setenv("TERM", "xterm-256color", 1);
	SCREEN *scr = newterm("xterm-256color", out, in);
	if (!scr) {
		fprintf(stderr, "render-run: no terminfo entry for xterm-256color\n");
		return 1;
	}
	set_term(scr);

	struct tui *t = xcalloc(1, sizeof *t);
	t->wake[0] = t->wake[1] = -1;
	t->state_dir = "/nonexistent";
	t->theme = theme_builtin();
	const char *cs = nl_langinfo(CODESET);
	t->utf8 = cs && !strcasecmp(cs, "UTF-8");
	live_init(&t->live, &t->cfg);
	tui_curses_setup(t);
	for (int i = 0; i < SCREEN__COUNT; i++)
		if (tui_screen(i)->init)
			tui_screen(i)->init(t);

	/* 8 instances of 600 seconds each, and 500 processes in a tree. */
	struct live *l = &t->live;
	l->run_id = xstrdup("bench");
	l->run_dir = xstrdup("/nonexistent");
	l->active = 1;
	l->total = 16;
	l->done = 7;
	for (int i = 0; i < 8; i++) {
		struct live_inst *li = live_add(l, i + 1, i % 2 ? "runc" : "native", &wl);
		li->rep = (unsigned)i / 2 + 1;
		for (size_t s = 0; s < 600; s++) {
			live_series_put(&li->m[0], s, 1000 + 400 * sin((double)s / (20 + i)) + 30 * i);
			live_series_put(&li->m[1], s, 50000 + 20000 * cos((double)s / (15 + i)));
		}
		li->t = 600;
	}
	l->current = 8;
	struct live_inst *cur = live_find(l, 8);
	cur->nprocs = 500;
	cur->procs = xcalloc(500, sizeof *cur->procs);
	for (int i = 0; i < 500; i++) {
		struct proc_sample *p = &cur->procs[i];
		p->pid = 1000 + i;
		p->ppid = i == 0 ? 1 : 1000 + (i - 1) / 4;
		p->instance = 8;
		p->role = (enum proc_role)(i < 450 ? ROLE_WORKLOAD : i < 490 ? ROLE_RUNTIME : ROLE_HELPER);
		snprintf(p->comm, sizeof p->comm, "worker-%d", i);
		p->rss_kb = 1000 + (uint64_t)i * 13;
		p->vsz_kb = 50000;
		p->threads = 1 + (unsigned)i % 7;
	}

	double *dash = xmalloc(frames * sizeof *dash), *procs = xmalloc(frames * sizeof *procs);
	long long writes0 = write_calls();
	double res[2][2][2]; /* [repaint][screen][median, p95] */
	for (int repaint = 0; repaint < 2; repaint++)
	for (size_t f = 0; f < frames; f++) {
		for (size_t i = 0; i < l->ninst; i++) {
			struct live_inst *li = &l->inst[i];
			live_series_put(&li->m[0], li->m[0].n, 1000 + 400 * sin((double)(li->m[0].n + f) / 17));
			live_series_put(&li->m[1], li->m[1].n, 50000 + 20000 * cos((double)(li->m[1].n + f) / 13));
			/* the legend's CPU by role: three roles, changing */
			li->has_role_cpu = 1;
			li->role_cpu[ROLE_WORKLOAD] = 80 + 15 * sin((double)(f + i) / 7);
			li->role_cpu[ROLE_RUNTIME] = i % 2 ? 20 + 10 * cos((double)f / 5) : 0;
			li->role_cpu[ROLE_HELPER] = 3;
		}
		tui_set_screen(t, SCREEN_DASHBOARD);
		t->damage |= DAMAGE_ALL | (repaint ? DAMAGE_CLEAR : 0);
		uint64_t t0 = mono_ns();
		tui_draw(t);
		dash[f] = (double)(mono_ns() - t0) / 1e6;

		for (int i = 0; i < 500; i++)
			cur->procs[i].cpu = fmod(i * 7.3 + (double)f * 3.1, 100);
		tui_set_screen(t, SCREEN_PROCESSES);
		t->damage |= DAMAGE_ALL | (repaint ? DAMAGE_CLEAR : 0);
		t0 = mono_ns();
		tui_draw(t);
		procs[f] = (double)(mono_ns() - t0) / 1e6;
		if (f + 1 == frames) {
			res[repaint][0][0] = median(dash, frames, &res[repaint][0][1]);
			res[repaint][1][0] = median(procs, frames, &res[repaint][1][1]);
		}
	}

	long long writes = write_calls() - writes0;
	for (int i = 0; i < SCREEN__COUNT; i++)
		if (tui_screen(i)->done)
			tui_screen(i)->done(t);
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
	close(master);
	pthread_join(thr, NULL);

	printf("terminal %dx%d (%s), %zu full frames each, %zu bytes written to the pty\n", cols, rows,
	    t->utf8 ? "UTF-8, braille" : "ASCII", frames, drained);
	static const char *const what[2] = { "dashboard (8 series x 600 points, 2 charts)",
		"processes (500 rows, tree, sorted)         " };
	for (int r = 0; r < 2; r++) {
		printf("%s:\n", r ? "full repaint (clearok: every cell re-sent, as after a resize)"
				    : "full redraw (every widget redrawn; curses sends what changed)");
		for (int s = 0; s < 2; s++)
			printf("  %s: median %.3f ms, p95 %.3f ms\n", what[s], res[r][s][0], res[r][s][1]);
	}
	double full = res[0][0][0] > res[0][1][0] ? res[0][0][0] : res[0][1][0];
	double rep = res[1][0][0] > res[1][1][0] ? res[1][0][0] : res[1][1][0];
	printf("median full frame: %.3f ms redraw, %.3f ms repaint (target < 2 ms; the dashboard's redraw < 1 ms)\n",
	    full, rep);
	if (writes0 >= 0 && writes >= 0)
		printf("write(2) calls per frame: %.1f (curses should send a frame in one or two)\n",
		    (double)writes / (double)(4 * frames));
	live_free(&t->live);
	theme_free(t->theme);
	free(t);
	free(dash);
	free(procs);
	return 0;
}

/*
 * screen-processes.c — every process of every instance with pidstat's
 * columns, as a tree: instance, then role (workload / runtime / vmm /
 * helper / guest), then the processes by parent. Sortable by any column
 * (F6 menu, < and > to move, I to invert, a header click), filtered by a
 * pcre2 pattern (/), and Enter drills into one process: its threads,
 * command line, cgroup, namespaces, seccomp mode and capabilities, with its
 * own CPU and RSS history.
 *
 * Rows are rebuilt from the live model on every draw (a few hundred
 * processes cost microseconds); the selection follows the selected pid, not
 * the row number, so it stays put while the tree reorders under it.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "config.h"
#include "chart.h"
#include "dialog.h"
#include "draw.h"
#include "metrics.h"
#include "procinfo.h"
#include "screens.h"
#include "table.h"
#include "tui.h"
#include "util.h"

#include <math.h>
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

enum pcol {
	PC_PID, PC_USR, PC_SYS, PC_GUEST, PC_WAIT, PC_CPU, PC_CPUNUM, PC_MINFLT, PC_MAJFLT, PC_VSZ, PC_RSS,
	PC_MEM, PC_RD, PC_WR, PC_CCWR, PC_IODELAY, PC_CSWCH, PC_NVCSWCH, PC_THREADS, PC_COMMAND, PC__COUNT
};

static const struct table_col all_cols[PC__COUNT] = {
	[PC_PID] = { "PID", 7, 1, 0 }, [PC_USR] = { "%usr", 6, 1, 0 }, [PC_SYS] = { "%system", 7, 1, 0 },
	[PC_GUEST] = { "%guest", 6, 1, 0 }, [PC_WAIT] = { "%wait", 6, 1, 0 }, [PC_CPU] = { "%CPU", 6, 1, 0 },
	[PC_CPUNUM] = { "CPU", 3, 1, 0 }, [PC_MINFLT] = { "minflt/s", 8, 1, 0 },
	[PC_MAJFLT] = { "majflt/s", 8, 1, 0 }, [PC_VSZ] = { "VSZ", 7, 1, 0 }, [PC_RSS] = { "RSS", 7, 1, 0 },
	[PC_MEM] = { "%MEM", 5, 1, 0 }, [PC_RD] = { "kB_rd/s", 8, 1, 0 }, [PC_WR] = { "kB_wr/s", 8, 1, 0 },
	[PC_CCWR] = { "kB_ccwr/s", 9, 1, 0 }, [PC_IODELAY] = { "iodelay", 7, 1, 0 },
	[PC_CSWCH] = { "cswch/s", 8, 1, 0 }, [PC_NVCSWCH] = { "nvcswch/s", 9, 1, 0 },
	[PC_THREADS] = { "THR", 4, 1, 0 }, [PC_COMMAND] = { "Command", 20, 0, 1 },
};
/* Which columns survive on a narrow terminal, most important first. */
static const int col_priority[PC__COUNT] = {
	PC_PID, PC_COMMAND, PC_CPU, PC_RSS, PC_USR, PC_SYS, PC_MEM, PC_THREADS, PC_CSWCH, PC_NVCSWCH,
	PC_MINFLT, PC_VSZ, PC_CPUNUM, PC_RD, PC_WR, PC_MAJFLT, PC_WAIT, PC_GUEST, PC_CCWR, PC_IODELAY,
};

enum row_kind { ROW_INSTANCE, ROW_ROLE, ROW_PROC };

struct prow {
	enum row_kind kind;
	struct live_inst *in;
	int role;
	const struct proc_sample *p;
	char prefix[48];
};

struct procs {
	struct table tb;
	int sort;                  /* enum pcol */
	int desc;
	int flat;                  /* a sorted list instead of the parent tree */
	char *filter;
	pcre2_code *re;
	pcre2_match_data *md;
	pcre2_match_context *mc;   /* bounded: a filter never hangs the interface */
	size_t gave_up;            /* rows of this frame the filter gave up on (its limit) */
	struct prow *rows;
	size_t nrows, cap;
	pid_t sel_pid;             /* the selection, by identity */
	int sel_inst;
	struct table_col vis[PC__COUNT];
	int vmap[PC__COUNT];
	int nvis;
	struct rect trect;
	/* Drill-down. */
	int detail;
	uint64_t info_at;          /* mono_ns() of the last /proc read */
	pid_t dpid;
	int dinst;
	struct procinfo info;
	int info_ok;
	char info_err[256];
	int dscroll;
	char sort_title[PC__COUNT][24];
};

static int proc_span(void *arg, size_t row);

static void procs_init(struct tui *t)
{
	struct procs *p = xcalloc(1, sizeof *p);
	p->sort = PC_CPU;
	p->desc = 1;
	p->tb.span = proc_span;
	p->sel_inst = -1;
	t->procs = p;
}

static void procs_done(struct tui *t)
{
	struct procs *p = t->procs;
	if (!p)
		return;
	free(p->rows);
	free(p->filter);
	pcre2_code_free(p->re);
	pcre2_match_data_free(p->md);
	pcre2_match_context_free(p->mc);
	if (p->info_ok)
		procinfo_free(&p->info);
	free(p);
	t->procs = NULL;
}

static double col_value(const struct proc_sample *s, int c)
{
	switch (c) {
	case PC_PID: return s->pid;
	case PC_USR: return s->usr;
	case PC_SYS: return s->system;
	case PC_GUEST: return s->guest;
	case PC_WAIT: return s->wait;
	case PC_CPU: return s->cpu;
	case PC_CPUNUM: return s->cpu_num;
	case PC_MINFLT: return s->minflt_s;
	case PC_MAJFLT: return s->majflt_s;
	case PC_VSZ: return (double)s->vsz_kb;
	case PC_RSS: return (double)s->rss_kb;
	case PC_MEM: return s->mem_pct;
	case PC_RD: return s->kb_rd_s;
	case PC_WR: return s->kb_wr_s;
	case PC_CCWR: return s->kb_ccwr_s;
	case PC_IODELAY: return (double)s->iodelay;
	case PC_CSWCH: return s->cswch_s;
	case PC_NVCSWCH: return s->nvcswch_s;
	case PC_THREADS: return s->threads;
	}
	return 0;
}

static struct procs *sort_ctx;

static int cmp_proc(const void *a, const void *b)
{
	const struct proc_sample *x = *(const struct proc_sample *const *)a, *y = *(const struct proc_sample *const *)b;
	int r;
	if (sort_ctx->sort == PC_COMMAND) {
		r = strcmp(x->comm, y->comm);
	} else {
		double u = col_value(x, sort_ctx->sort), v = col_value(y, sort_ctx->sort);
		r = u < v ? -1 : u > v ? 1 : 0;
	}
	if (!r)
		r = x->pid < y->pid ? -1 : x->pid > y->pid;
	return sort_ctx->desc ? -r : r;
}

static int matches(struct procs *p, const struct proc_sample *s)
{
	if (!p->re)
		return 1;
	char buf[64];
	snprintf(buf, sizeof buf, "%d %s%s%s", (int)s->pid, s->comm, s->name[0] ? " " : "", s->name);
	int rc = pcre2_match(p->re, (PCRE2_SPTR)buf, strlen(buf), 0, 0, p->md, p->mc);
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT)
		p->gave_up++; /* too costly to decide: shown as not matching, and said */
	return rc >= 0;
}

static struct prow *push_row(struct procs *p)
{
	if (p->nrows == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		p->rows = xreallocarray(p->rows, p->cap, sizeof *p->rows);
	}
	struct prow *r = &p->rows[p->nrows++];
	memset(r, 0, sizeof *r);
	return r;
}

struct pid_idx {
	pid_t pid;
	size_t idx;
};

static int cmp_pid_idx(const void *a, const void *b)
{
	const struct pid_idx *x = a, *y = b;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

struct forest {
	const struct proc_sample **v;
	long *first, *next;        /* children lists, in sorted order; -1 ends */
};

static void emit_tree(struct procs *p, struct live_inst *in, const struct forest *f, long node, const char *prefix,
    int last, int depth, int utf8)
{
	struct prow *r = push_row(p);
	r->kind = ROW_PROC;
	r->in = in;
	r->role = (int)f->v[node]->role;
	r->p = f->v[node];
	if (depth > 0)
		snprintf(r->prefix, sizeof r->prefix, "%s%s", prefix,
		    utf8 ? (last ? "\xe2\x94\x94\xe2\x94\x80 " : "\xe2\x94\x9c\xe2\x94\x80 ") : (last ? "`- " : "|- "));
	char sub[48];
	snprintf(sub, sizeof sub, "%s%s", depth > 0 ? prefix : "",
	    depth > 0 ? (last ? "   " : (utf8 ? "\xe2\x94\x82  " : "|  ")) : "");
	for (long c = f->first[node]; c >= 0; c = f->next[c]) {
		/* Deeper than the prefix can show: flatten instead of recursing on. */
		emit_tree(p, in, f, c, strlen(sub) + 8 < sizeof sub ? sub : prefix, f->next[c] < 0,
		    depth < 12 ? depth + 1 : depth, utf8);
	}
}

/* Adds v[0..n) (sorted) as a forest by parent pid: each process under its
 * parent when the parent is in the same group, siblings in sorted order. */
static void add_tree(struct procs *p, struct live_inst *in, const struct proc_sample **v, size_t n, int utf8)
{
	struct pid_idx *byp = xmalloc(n * sizeof *byp);
	long *first = xmalloc(n * sizeof *first), *next = xmalloc(n * sizeof *next);
	for (size_t i = 0; i < n; i++) {
		byp[i] = (struct pid_idx){ v[i]->pid, i };
		first[i] = next[i] = -1;
	}
	qsort(byp, n, sizeof *byp, cmp_pid_idx);
	long root_first = -1;
	/* Walk backwards and prepend, so that lists keep the sorted order. */
	for (size_t k = n; k-- > 0;) {
		struct pid_idx key = { v[k]->ppid, 0 };
		struct pid_idx *par = v[k]->ppid != v[k]->pid ? bsearch(&key, byp, n, sizeof *byp, cmp_pid_idx) : NULL;
		long *head = par ? &first[par->idx] : &root_first;
		next[k] = *head;
		*head = (long)k;
	}
	struct forest f = { v, first, next };
	size_t before = p->nrows;
	for (long r = root_first; r >= 0; r = next[r])
		emit_tree(p, in, &f, r, "", next[r] < 0, 0, utf8);
	/* A parent cycle (pid reuse mid-sample) leaves nodes unreached: list them flat. */
	if (p->nrows - before < n) {
		p->nrows = before;
		for (size_t k = 0; k < n; k++) {
			struct prow *row = push_row(p);
			row->kind = ROW_PROC;
			row->in = in;
			row->role = (int)v[k]->role;
			row->p = v[k];
		}
	}
	free(byp);
	free(first);
	free(next);
}

static void build_rows(struct tui *t)
{
	struct procs *p = t->procs;
	struct live *l = &t->live;
	p->nrows = 0;
	p->gave_up = 0;
	sort_ctx = p;
	const struct proc_sample **v = NULL;
	size_t vcap = 0;
	for (size_t i = 0; i < l->ninst; i++) {
		struct live_inst *in = &l->inst[i];
		if (!in->nprocs)
			continue;
		size_t inst_row = p->nrows;
		struct prow *hr = push_row(p);
		hr->kind = ROW_INSTANCE;
		hr->in = in;
		int any = 0;
		for (int role = 0; role < ROLE__COUNT; role++) {
			size_t n = 0;
			for (size_t k = 0; k < in->nprocs; k++) {
				if ((int)in->procs[k].role != role || !matches(p, &in->procs[k]))
					continue;
				if (n == vcap) {
					vcap = vcap ? vcap * 2 : 64;
					v = xreallocarray(v, vcap, sizeof *v);
				}
				v[n++] = &in->procs[k];
			}
			if (!n)
				continue;
			any = 1;
			qsort(v, n, sizeof *v, cmp_proc);
			struct prow *rr = push_row(p);
			rr->kind = ROW_ROLE;
			rr->in = in;
			rr->role = role;
			if (p->re || p->flat) {
				for (size_t k = 0; k < n; k++) {
					struct prow *r = push_row(p);
					r->kind = ROW_PROC;
					r->in = in;
					r->role = role;
					r->p = v[k];
				}
			} else {
				add_tree(p, in, v, n, t->utf8);
			}
		}
		if (!any)
			p->nrows = inst_row;
	}
	free(v);
	p->tb.nrows = p->nrows;
	/* Keep the selection on the same process. */
	for (size_t i = 0; i < p->nrows; i++) {
		const struct prow *r = &p->rows[i];
		if (r->kind == ROW_PROC && r->p->pid == p->sel_pid && r->in->id == p->sel_inst) {
			p->tb.sel = i;
			break;
		}
	}
}

static void remember_sel(struct procs *p)
{
	if (p->tb.sel < p->nrows && p->rows[p->tb.sel].kind == ROW_PROC) {
		p->sel_pid = p->rows[p->tb.sel].p->pid;
		p->sel_inst = p->rows[p->tb.sel].in->id;
	} else {
		p->sel_pid = 0;
		p->sel_inst = -1;
	}
}

static void layout_cols(struct procs *p, int w)
{
	int keep[PC__COUNT] = { 0 };
	int used = 0;
	for (int i = 0; i < PC__COUNT; i++) {
		int c = col_priority[i];
		int need = all_cols[c].width + 1;
		if (used + need > w && c != PC_COMMAND)
			continue;
		keep[c] = 1;
		used += need;
	}
	p->nvis = 0;
	for (int c = 0; c < PC__COUNT; c++) {
		if (!keep[c])
			continue;
		p->vis[p->nvis] = all_cols[c];
		if (c == p->sort) {
			snprintf(p->sort_title[c], sizeof p->sort_title[c], "%s%s", all_cols[c].title,
			    p->desc ? "\xe2\x96\xbc" : "\xe2\x96\xb2");
			p->vis[p->nvis].title = p->sort_title[c];
		}
		p->vmap[p->nvis++] = c;
	}
	p->tb.cols = p->vis;
	p->tb.ncols = p->nvis;
	p->tb.sort_col = -1;
	for (int i = 0; i < p->nvis; i++)
		if (p->vmap[i] == p->sort)
			p->tb.sort_col = i;
}

static void fmt_rate(char *buf, size_t len, double v)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, v >= 100 ? "%.0f" : "%.2f", v);
}

static int proc_span(void *arg, size_t row)
{
	struct tui *t = arg;
	return t->procs->rows[row].kind != ROW_PROC;
}

static void proc_cell(void *arg, size_t row, int vcol, char *buf, size_t len, attr_t *attr)
{
	struct tui *t = arg;
	struct procs *p = t->procs;
	const struct prow *r = &p->rows[row];
	if (r->kind == ROW_INSTANCE) {
		*attr = th(TH_GROUP);
		snprintf(buf, len, "%s #%d %s %s %s%u  %s", t->utf8 ? "\xe2\x96\xbe" : "v", r->in->id, r->in->runtime,
		    r->in->workload, r->in->warmup ? "warm-up " : "rep ", r->in->rep, r->in->ended ? r->in->status : "running");
		return;
	}
	if (r->kind == ROW_ROLE) {
		*attr = th(TH_TREE) | A_BOLD;
		snprintf(buf, len, "   %s", role_name((enum proc_role)r->role));
		return;
	}
	int c = p->vmap[vcol];
	const struct proc_sample *s = r->p;
	if (s->exited || r->in->ended)
		*attr = th(TH_DIM);
	char tmp[32];
	switch (c) {
	case PC_PID: snprintf(buf, len, "%d", (int)s->pid); break;
	case PC_CPUNUM: snprintf(buf, len, "%d", s->cpu_num); break;
	case PC_VSZ: snprintf(buf, len, "%s", draw_kb(s->vsz_kb, tmp, sizeof tmp)); break;
	case PC_RSS: snprintf(buf, len, "%s", draw_kb(s->rss_kb, tmp, sizeof tmp)); break;
	case PC_IODELAY: snprintf(buf, len, "%llu", (unsigned long long)s->iodelay); break;
	case PC_THREADS: snprintf(buf, len, "%u", s->threads); break;
	case PC_RD: case PC_WR: case PC_CCWR: fmt_rate(buf, len, col_value(s, c)); break;
	case PC_MINFLT: case PC_MAJFLT: case PC_CSWCH: case PC_NVCSWCH: fmt_rate(buf, len, col_value(s, c)); break;
	case PC_COMMAND:
		/* A runtime's component by name ("exe [sentry]"): runsc's are all "exe". */
		snprintf(buf, len, "  %s%s%s%s%s%s", r->prefix, s->comm, s->name[0] ? " [" : "", s->name,
		    s->name[0] ? "]" : "", s->exited ? " (exited)" : "");
		if (c == PC_COMMAND && s->cpu >= 50 && !s->exited && !r->in->ended)
			*attr |= A_BOLD;
		break;
	default: snprintf(buf, len, "%.1f", col_value(s, c)); break;
	}
}

/* ---- drill-down ---- */

static void load_info(struct procs *p)
{
	if (p->info_ok)
		procinfo_free(&p->info);
	char *cause = NULL;
	p->info_ok = procinfo_read("/proc", p->dpid, &p->info, &cause) == 0;
	p->info_at = mono_ns();
	snprintf(p->info_err, sizeof p->info_err, "%s", p->info_ok ? "" : cause ? cause : "gone");
	free(cause);
}

static int detail_line(int *y, int end, int x, int w, attr_t a, const char *label, const char *text)
{
	if (*y >= end)
		return 0;
	int lw = draw_text(*y, x, w, th(TH_INFO) | A_BOLD, 0, label);
	draw_text(*y, x + lw, w - lw, a, 0, text);
	(*y)++;
	return 1;
}

static void draw_detail(struct tui *t, const struct rect *r)
{
	struct procs *p = t->procs;
	const struct live_hist *h = live_hist_find(&t->live, p->dpid);
	char buf[1024], b1[32], b2[32];
	/* Threads come and go: re-read at most once a second, with the samples. */
	if (mono_ns() - p->info_at > 900000000ULL)
		load_info(p);
	int y = r->y, x = r->x + 1, w = r->w - 2, end = r->y + r->h;
	const struct proc_sample *last = h ? &h->last : NULL;
	struct live_inst *in = live_find(&t->live, p->dinst);
	snprintf(buf, sizeof buf, " Process %d %s%s%s%s, %s of #%d %s %s  (Esc: back, r: refresh)", (int)p->dpid,
	    last ? last->comm : "", last && last->name[0] ? " [" : "", last ? last->name : "",
	    last && last->name[0] ? "]" : "", last ? role_name(last->role) : "?", p->dinst, in ? in->runtime : "?",
	    in ? in->workload : "?");
	draw_text(y++, r->x, r->w, th(TH_HEADER), 1, buf);
	y -= p->dscroll;
	if (!p->info_ok) {
		snprintf(buf, sizeof buf, "process exited (%s); last sample below", p->info_err);
		if (y >= r->y + 1)
			detail_line(&y, end, x, w, th(TH_WARN), "", buf);
		else
			y++;
	}
#define LINE(label, attr, ...) do { \
		snprintf(buf, sizeof buf, __VA_ARGS__); \
		if (y >= r->y + 1) detail_line(&y, end, x, w, attr, label, buf); else y++; \
	} while (0)
	if (p->info_ok) {
		LINE("Command:      ", th(TH_NORMAL), "%s", p->info.cmdline);
		LINE("Executable:   ", th(TH_NORMAL), "%s", p->info.exe ? p->info.exe : "(unreadable)");
		LINE("User:         ", th(TH_NORMAL), "%s", p->info.user ? p->info.user : "?");
		const char *cg = p->info.cgroup ? p->info.cgroup : "(unreadable)";
		LINE("Cgroup:       ", th(TH_NORMAL), "%s", cg);
		buf[0] = 0;
		size_t off = 0;
		for (size_t i = 0; i < p->info.nns && off < sizeof buf; i++)
			off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s", i ? "  " : "", p->info.ns[i].target);
		char ns[sizeof buf];
		memcpy(ns, buf, sizeof ns);
		LINE("Namespaces:   ", th(TH_NORMAL), "%s", p->info.nns ? ns : "(unreadable)");
		LINE("Seccomp:      ", p->info.seccomp == 2 ? th(TH_OK) : th(TH_NORMAL), "%s   no_new_privs: %s",
		    procinfo_seccomp_name(p->info.seccomp),
		    p->info.no_new_privs < 0 ? "?" : p->info.no_new_privs ? "yes" : "no");
		char *eff = procinfo_caps(p->info.cap_eff), *prm = procinfo_caps(p->info.cap_prm),
		     *bnd = procinfo_caps(p->info.cap_bnd);
		LINE("Capabilities: ", th(TH_NORMAL), "effective %s; permitted %s; bounding %s", eff, prm, bnd);
		free(eff);
		free(prm);
		free(bnd);
	}
	if (h) {
		double cpu[LIVE_HIST], rss[LIVE_HIST];
		size_t n = live_hist_len(h);
		double cmax = 0, rmax = 0;
		for (size_t i = 0; i < n; i++) {
			cpu[i] = live_hist_cpu(h, i);
			rss[i] = (double)live_hist_rss(h, i);
			cmax = cpu[i] > cmax ? cpu[i] : cmax;
			rmax = rss[i] > rmax ? rss[i] : rmax;
		}
		int sw = w - 40 > 10 ? w - 40 : 10;
		if (y >= r->y + 1 && y < end) {
			int lw = draw_text(y, x, w, th(TH_INFO) | A_BOLD, 0, "CPU history:  ");
			chart_spark(y, x + lw, sw, cpu, n, cmax > 100 ? cmax : 100, th(TH_SERIES1), t->utf8);
			snprintf(buf, sizeof buf, " now %.1f%%  max %.1f%%  (%zus)", n ? cpu[n - 1] : 0, cmax, n);
			draw_text(y, x + lw + sw, w - lw - sw, th(TH_NORMAL), 0, buf);
		}
		y++;
		if (y >= r->y + 1 && y < end) {
			int lw = draw_text(y, x, w, th(TH_INFO) | A_BOLD, 0, "RSS history:  ");
			chart_spark(y, x + lw, sw, rss, n, rmax, th(TH_SERIES2), t->utf8);
			snprintf(buf, sizeof buf, " now %s  max %s", draw_kb(n ? (unsigned long long)rss[n - 1] : 0, b1, sizeof b1),
			    draw_kb((unsigned long long)rmax, b2, sizeof b2));
			draw_text(y, x + lw + sw, w - lw - sw, th(TH_NORMAL), 0, buf);
		}
		y++;
		if (last)
			LINE("Last sample:  ", th(TH_NORMAL), "%%usr %.1f  %%system %.1f  %%CPU %.1f  cswch/s %.0f  nvcswch/s %.0f  minflt/s %.0f  VSZ %s",
			    last->usr, last->system, last->cpu, last->cswch_s, last->nvcswch_s, last->minflt_s,
			    draw_kb(last->vsz_kb, b1, sizeof b1));
		/* Its part of the instance's host processes in the same sample
		 * (the guest's own rows are its view of that CPU, not more). */
		double icpu = 0, irss = 0;
		for (size_t i = 0; in && last && i < in->nprocs; i++)
			if (in->procs[i].role != ROLE_GUEST) {
				icpu += in->procs[i].cpu;
				irss += (double)in->procs[i].rss_kb;
			}
		if (last && last->role != ROLE_GUEST && (icpu > 0 || irss > 0))
			LINE("Share:        ", th(TH_NORMAL), "%.0f%% of the CPU and %.0f%% of the RSS of #%d's host processes "
			    "(%.1f%% CPU, %s)", icpu > 0 ? last->cpu / icpu * 100 : 0, irss > 0 ? (double)last->rss_kb / irss * 100 : 0,
			    p->dinst, icpu, draw_kb((unsigned long long)irss, b2, sizeof b2));
	}
	if (p->info_ok) {
		LINE("Threads:      ", th(TH_NORMAL), "%zu", p->info.nthreads);
		for (size_t i = 0; i < p->info.nthreads; i++) {
			const struct procinfo_thread *tt = &p->info.threads[i];
			LINE("  ", th(TH_NORMAL), "%7d  %c  cpu %-3d %s", (int)tt->tid, tt->state, tt->cpu_num, tt->comm);
		}
	}
#undef LINE
}

static void procs_draw(struct tui *t, const struct rect *r)
{
	struct procs *p = t->procs;
	for (int y = 0; y < r->h; y++)
		draw_fill(r->y + y, r->x, r->w, th(TH_NORMAL));
	if (p->detail) {
		draw_detail(t, r);
		return;
	}
	build_rows(t);
	layout_cols(p, r->w);
	char info[300];
	size_t nproc = 0;
	for (size_t i = 0; i < p->nrows; i++)
		nproc += p->rows[i].kind == ROW_PROC;
	char gave[96] = "";
	if (p->gave_up)
		snprintf(gave, sizeof gave, " (too costly for %zu row%s: hidden)", p->gave_up, p->gave_up == 1 ? "" : "s");
	snprintf(info, sizeof info, " %zu process%s%s%s%s%s%s   sort: %s %s", nproc, nproc == 1 ? "" : "es",
	    p->flat || p->filter ? "   list" : "   tree",
	    p->filter ? "   filter: /" : "", p->filter ? p->filter : "", p->filter ? "/" : "", gave,
	    all_cols[p->sort].title, p->desc ? "descending" : "ascending");
	draw_text(r->y, r->x, r->w, th(TH_DIM), 1, info);
	p->trect = (struct rect){ r->y + 1, r->x, r->h - 1, r->w };
	p->tb.focus = 1;
	if (!p->nrows) {
		table_draw(&p->tb, &p->trect, 1, proc_cell, t);
		const char *msg = p->filter ? "no process matches the filter (Esc clears it)"
		    : t->live.active ? "waiting for the first sample..." : "no processes: start a run in 1 Setup";
		draw_text(r->y + 3, r->x + 2, r->w - 4, th(TH_DIM), 0, msg);
		return;
	}
	table_draw(&p->tb, &p->trect, 1, proc_cell, t);
	remember_sel(p);
}

/* ---- keys ---- */

static void set_filter(struct tui *t, const char *pat)
{
	struct procs *p = t->procs;
	pcre2_code_free(p->re);
	pcre2_match_data_free(p->md);
	p->re = NULL;
	p->md = NULL;
	free(p->filter);
	p->filter = NULL;
	if (!pat || !*pat)
		return;
	int err;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_CASELESS, &err, &off, NULL);
	if (!re) {
		PCRE2_UCHAR msg[128];
		pcre2_get_error_message(err, msg, sizeof msg);
		tui_status(t, "filter: %s at offset %zu", (const char *)msg, (size_t)off);
		return;
	}
	p->re = re;
	p->md = pcre2_match_data_create_from_pattern(re, NULL);
	if (!p->mc)
		p->mc = metrics_bounded_context();
	p->filter = xstrdup(pat);
}

static void filter_entered(struct tui *t, int ok, size_t choice, const char *text, void *arg)
{
	if (ok)
		set_filter(t, text);
	t->procs->tb.sel = 0;
	t->procs->tb.top = 0;
}

static void sort_chosen(struct tui *t, int ok, size_t choice, const char *text, void *arg)
{
	struct procs *p = t->procs;
	if (!ok || choice >= PC__COUNT)
		return;
	if (p->sort == (int)choice)
		p->desc = !p->desc;
	p->sort = (int)choice;
}

static void open_detail(struct tui *t)
{
	struct procs *p = t->procs;
	if (p->tb.sel >= p->nrows || p->rows[p->tb.sel].kind != ROW_PROC)
		return;
	p->detail = 1;
	p->dpid = p->rows[p->tb.sel].p->pid;
	p->dinst = p->rows[p->tb.sel].in->id;
	p->dscroll = 0;
	load_info(p);
}

static void move_sort(struct procs *p, int dir)
{
	int i = 0;
	for (; i < p->nvis; i++)
		if (p->vmap[i] == p->sort)
			break;
	if (i >= p->nvis)
		i = 0;
	else
		i = (i + dir + p->nvis) % p->nvis;
	p->sort = p->vmap[i];
}

static int procs_key(struct tui *t, int key)
{
	struct procs *p = t->procs;
	if (p->detail) {
		switch (key) {
		case 27: case KEY_BACKSPACE: case KEY_LEFT: case 'h':
			p->detail = 0;
			return TUI_REDRAW;
		case 'r':
			load_info(p);
			return TUI_REDRAW;
		case KEY_DOWN: case 'j': p->dscroll++; return TUI_REDRAW;
		case KEY_UP: case 'k': if (p->dscroll) p->dscroll--; return TUI_REDRAW;
		case KEY_NPAGE: p->dscroll += 10; return TUI_REDRAW;
		case KEY_PPAGE: p->dscroll = p->dscroll > 10 ? p->dscroll - 10 : 0; return TUI_REDRAW;
		case KEY_HOME: p->dscroll = 0; return TUI_REDRAW;
		}
		return TUI_IGNORED;
	}
	if (table_key(&p->tb, key, p->trect.h - 1)) {
		remember_sel(p);
		return TUI_REDRAW;
	}
	switch (key) {
	case '\r': case '\n': case KEY_ENTER:
		open_detail(t);
		return TUI_REDRAW;
	case '<': case ',':
		move_sort(p, -1);
		return TUI_REDRAW;
	case '>': case '.':
		move_sort(p, 1);
		return TUI_REDRAW;
	case 'I':
		p->desc = !p->desc;
		return TUI_REDRAW;
	case KEY_F(5):
		p->flat = !p->flat;
		return TUI_REDRAW;
	case KEY_F(6): {
		const char *items[PC__COUNT];
		for (int c = 0; c < PC__COUNT; c++)
			items[c] = all_cols[c].title;
		dialog_menu(t, "Sort by", items, PC__COUNT, (size_t)p->sort, sort_chosen, NULL);
		return TUI_REDRAW;
	}
	case '/': case KEY_F(4): case KEY_F(3):
		dialog_input(t, "Filter processes", "pcre2 pattern, matched against \"PID command\":", p->filter,
		    filter_entered, NULL);
		return TUI_REDRAW;
	case 27:
		if (p->filter) {
			set_filter(t, NULL);
			return TUI_REDRAW;
		}
		return TUI_IGNORED;
	case '\t':
		tui_set_screen(t, SCREEN_DASHBOARD);
		return TUI_REDRAW_ALL;
	}
	return TUI_IGNORED;
}

static int procs_mouse(struct tui *t, const MEVENT *m, const struct rect *r)
{
	struct procs *p = t->procs;
	if (p->detail)
		return TUI_IGNORED;
	if (m->y == p->trect.y) {
		int vc = table_col_hit(&p->tb, &p->trect, m->x);
		if (vc >= 0) {
			if (p->vmap[vc] == p->sort)
				p->desc = !p->desc;
			p->sort = p->vmap[vc];
		}
		return TUI_REDRAW;
	}
	long row = table_hit(&p->tb, &p->trect, 1, m->y);
	if (row < 0)
		return TUI_IGNORED;
	int again = p->tb.sel == (size_t)row;
	p->tb.sel = (size_t)row;
	remember_sel(p);
	if (again || (m->bstate & BUTTON1_DOUBLE_CLICKED))
		open_detail(t);
	return TUI_REDRAW;
}

static const struct help_key procs_help[] = {
	{ "Up/Down j/k", "select a process; PgUp/PgDn, Home/End jump" },
	{ "Enter", "drill into the process: threads, cmdline, cgroup, namespaces, seccomp, capabilities, history" },
	{ "Esc", "back from the drill-down; clear the filter" },
	{ "F6", "choose the sort column (again: invert)" },
	{ "< >", "sort by the previous / next column" },
	{ "I", "invert the sort order" },
	{ "F5", "tree by parent (siblings sorted) / flat sorted list" },
	{ "/, F4", "filter with a pcre2 pattern (case-insensitive) on \"PID command\"" },
	{ "r", "drill-down: re-read /proc" },
	{ "mouse", "click a header to sort; click a row twice to drill in" },
	{ NULL, NULL },
};

static const struct help_key procs_bar[] = {
	{ "Enter", "Detail" }, { "F5", "Tree" }, { "F6", "Sort" }, { "<>", "Column" }, { "/", "Filter" }, { NULL, NULL },
};

const struct screen_class screen_processes = {
	.name = "Processes",
	.init = procs_init,
	.done = procs_done,
	.draw = procs_draw,
	.key = procs_key,
	.mouse = procs_mouse,
	.help = procs_help,
	.bar = procs_bar,
	.live_mask = LIVE_PROCS | LIVE_START | LIVE_END,
};

/*
 * tidy.h — a run's time series in a long ("tidy") layout, one observation
 * per CSV row, which pandas, R and gnuplot read as is (RFC 4180, CRLF).
 *
 * Series: every per-second value of every measured instance (warm-ups
 * left out), with the columns
 *   run,instance,runtime,host,rep,t,metric,value
 * where metric is the workload's own (rate, p50, ...) or, from the
 * sample's processes, cpu_pct.ROLE and rss_kb.ROLE (each role's sum; the
 * guest role's are the guest's own view, not the host's),
 * cgroup_cpu_s.SOURCE (the instance's cgroup's CPU so far: cpu.stat,
 * cpuacct.usage) and guest_used_kb (a VM guest kernel's MemTotal -
 * MemAvailable) where the sample carries them.
 *
 * Processes: every process of every sample of those instances, with
 *   run,instance,runtime,rep,t,pid,comm,role,component, then the pidstat
 *   columns usr,system,guest,wait,cpu,cpu_num,minflt_s,majflt_s,vsz_kb,
 *   rss_kb,mem_pct,kb_rd_s,kb_wr_s,kb_ccwr_s,iodelay,cswch_s,nvcswch_s,threads
 * (component: a runtime's part, such as gVisor's sentry; empty when none;
 * a column a sample lacks is empty).
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_TIDY_H
#define ISOLAB_TIDY_H

#include "journal.h"

/* Writes the series to series_path and the processes to procs_path (either
 * may be NULL) from the run directory dir, in one pass over its journal:
 * each sample is parsed, written and let go, so a one-hour run's journal
 * is never held whole. */
int tidy_write_dir(const char *dir, const char *series_path, const char *procs_path, char **cause);

#endif

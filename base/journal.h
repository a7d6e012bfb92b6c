/*
 * journal.h — a run's results on disk, and reading them back.
 *
 * Layout: <state_dir>/runs/<run-id>/
 *   env.json      the environment record (kernel, CPU model, governor,
 *                 mitigations, versions, the resolved experiment), written
 *                 once at the start, atomically (write + rename).
 *   journal.jsonl append-only, one complete JSON object per line. Buffered
 *                 in memory and written + flushed once a second (journal_flush),
 *                 fsynced at each instance's end (journal_sync). A killed
 *                 isolab loses at most the last second.
 * <state_dir>/runs/latest is a symlink to the newest run directory.
 *
 * Record types (field "type"):
 *   "instance" {id, runtime, driver, workload, rep, warmup, host; in grouped
 *               experiments also group, role ("instance"|"target"|"neighbour"),
 *               variant, class}  — an instance begins
 *   "sample"   {inst, t, metrics:{name:value}, procs:[{pid, ppid, comm, role,
 *               usr, system, guest, wait, cpu, cpu_num, minflt_s, majflt_s,
 *               vsz_kb, rss_kb, mem_pct, kb_rd_s, kb_wr_s, kb_ccwr_s, iodelay,
 *               cswch_s, nvcswch_s, threads}], dt, cgroup_cpu_s:{...},
 *               guest_used_kb (a VM guest's MemTotal - MemAvailable, when its
 *               agent sent it)}
 *   "end"      {inst, status:"ok"|"failed"|"timeout"|"cancelled", error,
 *               metrics:{name:value}, startup_ms, create_ms, elapsed_s, extra:{...};
 *               once ready also isolab_pre_ms (launch to the driver's call of
 *               the runtime) and isolab_post_ms (the ready line's mono_ns to
 *               its arrival), each null when not known}
 *   "group"    {group, kind, variant, runtime, workload, rep, warmup, n, ok,
 *               failed, members:[id...]}  — a non-benchmark group ended
 *   "group_skipped" {group, variant, runtime, workload, rep, why}  — scale: N not tried
 *   "memory"   {inst, t, rss_kb, pss_kb, roles:{ROLE:{rss_kb, pss_kb}}}  — the
 *               instance's processes, once mid-run, in all and by role
 *   "fingerprint" {inst, runtime, ...}  — isolation seen at ready (runtimes/fingerprint.h)
 *   "startup"  {inst, vmm_ms, kernel_ms, init_ms, ready_ms, guest_kernel_s,
 *               guest_init_s}  — a VM's start-up milestones, ms from launch
 *   "info"     {inst, msg}  — a driver's note (the accelerator chosen, ...)
 *   "ui"       {t, frame_ms_max, frame_ms_p50, frames}  — the front end's frame
 *               times in one second, while a run is on
 *   "error"    {inst (or -1), msg}
 *   "metric_def" {workload, name, unit, kind, higher_is_better, summary} — once per metric of
 *               each workload the experiment runs, its neighbours' included
 *   "run_end"  {}  — the last record of a run that finished; without it the run is partial
 *   any other type is kept and ignored by the reader.
 * The reader skips a last line cut off mid-write and any line that is not a
 * JSON object, counting them.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_JOURNAL_H
#define ISOLAB_JOURNAL_H

#include <stddef.h>
#include <jansson.h>

struct journal;

/* Creates <state_dir>/runs/<run_id>/ (mode 0755) and opens the journal.
 * run_id is generated ("YYYYmmdd-HHMMSS-<4 hex>", UTC) when NULL; a given
 * one must be a plain name and not exist yet. Updates the "latest" symlink. */
struct journal *journal_create(const char *state_dir, const char *run_id, char **cause);
/* Run id and directory; owned by the journal. */
const char *journal_run_id(const struct journal *j);
const char *journal_dir(const struct journal *j);
/* Writes env.json atomically. Steals nothing; env stays the caller's. */
int journal_write_env(struct journal *j, json_t *env, char **cause);
/* Appends one record (a JSON object) to the buffer. Does not steal rec. */
int journal_append(struct journal *j, json_t *rec, char **cause);
/* Writes buffered records to the file (called once a second). */
int journal_flush(struct journal *j, char **cause);
/* Flushes and fsyncs (at each instance's end). */
int journal_sync(struct journal *j, char **cause);
/* Flushes, syncs and frees. Returns -1 when the last flush failed. */
int journal_close(struct journal *j, char **cause);
/* Bytes appended but not yet written (kept after a failed flush). */
size_t journal_pending(const struct journal *j);
/* Writes data to path atomically (temp file + fsync + rename); for env.json and exports. */
int journal_write_atomic(const char *path, const char *data, size_t len, char **cause);
/* The same as a stream: a temporary file beside path (*tmp, malloc'd), or
 * NULL; then journal_atomic_close renames it over path when ok and the
 * writes went well, else removes it; it frees tmp either way. */
FILE *journal_atomic_open(const char *path, char **tmp, char **cause);
int journal_atomic_close(FILE *fp, char *tmp, const char *path, int ok, char **cause);

/* Builds the environment record (new reference, the caller's): kernel{sysname,
 * release, version, machine}, cpu_model, cpus, mem_total_kb, governor, mitigations{},
 * cgroup ("v2"|"hybrid"|"v1"|"unknown"), isolab_version, hostname, start_time
 * (ISO 8601 UTC). The caller adds runtime versions and the experiment
 * (as "experiment", whose "baseline" the report uses). */
json_t *journal_env_record(void);

struct limits;
/* Limits as records carry them: cpus, cpuset, weight, memory, memory_soft
 * (bytes), pids; 0 (or no cpuset) where unset. */
json_t *journal_limits(const struct limits *l);

/* Reading back. */
struct journal_read {
	json_t *env;          /* env.json, or NULL when missing */
	json_t **records;     /* every valid record, in order */
	size_t nrecords;
	size_t bad_lines;     /* lines skipped: cut off or not a JSON object */
	int env_bad;          /* env.json exists but is not a JSON object (env is NULL) */
	char *dir;
};
/* Resolves a run: NULL or "latest" -> the latest run; a run id; or a path
 * to a run directory. Returns the malloc'd directory path. */
char *journal_resolve(const char *state_dir, const char *run, char **cause);
/* Reads a run directory; fails only when journal.jsonl cannot be read. */
int journal_read(const char *dir, struct journal_read *out, char **cause);
/* journal_read with a say in each line: begin once env.json is read (out
 * has env and dir), line for each line, which returns 1 when it took the
 * line itself (it is then neither kept nor counted bad), else the line is
 * parsed and kept as journal_read does, and record sees it. Any hook may
 * be NULL. */
struct journal_hooks {
	void (*begin)(const struct journal_read *jr, void *arg);
	int (*line)(const char *line, size_t len, void *arg);
	void (*record)(json_t *rec, void *arg);
	void *arg;
};
int journal_read_hooked(const char *dir, const struct journal_hooks *h, struct journal_read *out, char **cause);
void journal_read_free(struct journal_read *r);
/* Lists run ids under state_dir, newest first; returns count; caller frees. */
size_t journal_list_runs(const char *state_dir, char ***ids);

#endif

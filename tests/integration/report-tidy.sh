#!/bin/bash
# report-tidy.sh — `isolab report --series-csv --procs-csv` on a journal
# made for it (tests/data/journal/attrib; see test_cost.c), read back by a
# reader that is not isolab's own (python3's csv module): every per-second
# value and every process sample of the measured instances is one row,
# warm-ups left out, in the long layout the header names.
. "$top_srcdir/tests/integration/lib.sh"

j=$top_srcdir/tests/data/journal/attrib
isolab report "$j" --series-csv "$test_state/series.csv" --procs-csv "$test_state/procs.csv" >"$test_state/out" 2>&1 ||
	fail "report exited $?: $(cat "$test_state/out")"
python3 - "$j/journal.jsonl" "$test_state/series.csv" "$test_state/procs.csv" <<'PY' || fail "the exports do not read back"
import csv, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
insts = {r["id"]: r for r in recs if r["type"] == "instance"}
samples = [r for r in recs if r["type"] == "sample" and not insts[r["inst"]]["warmup"]]

with open(sys.argv[2], newline="") as f:
    rows = list(csv.DictReader(f))
assert list(rows[0].keys()) == ["run", "instance", "runtime", "host", "rep", "t", "metric", "value"], rows[0].keys()
assert {r["run"] for r in rows} == {"20261204-090000-at21"}
# every workload metric of every measured sample, nothing of the warm-up
want = sorted((str(s["inst"]), float(s["t"]), m, float(v)) for s in samples for m, v in s["metrics"].items())
got = sorted((r["instance"], float(r["t"]), r["metric"], float(r["value"])) for r in rows
             if "." not in r["metric"])
assert got == want, (got[:5], want[:5])
assert "0" not in {r["instance"] for r in rows}, "the warm-up was exported"
# each role's CPU and RSS per second: gVisor's runtime is the Sentry and the gofer
g = [float(r["value"]) for r in rows if r["runtime"] == "gvisor" and r["rep"] == "1" and r["metric"] == "cpu_pct.runtime"]
assert g == [10, 60, 60], g
cg = [float(r["value"]) for r in rows if r["runtime"] == "sandbox" and r["metric"] == "cgroup_cpu_s.cpu.stat"]
assert cg == [0.2, 1.2, 1.7, 2.9, 3.0], cg

with open(sys.argv[3], newline="") as f:
    procs = list(csv.DictReader(f))
cols = ["run", "instance", "runtime", "rep", "t", "pid", "comm", "role", "component", "usr", "system", "guest",
        "wait", "cpu", "cpu_num", "minflt_s", "majflt_s", "vsz_kb", "rss_kb", "mem_pct", "kb_rd_s", "kb_wr_s",
        "kb_ccwr_s", "iodelay", "cswch_s", "nvcswch_s", "threads", "vcpu_cpu"]
assert list(procs[0].keys()) == cols, procs[0].keys()
# QEMU's vCPU thread's part: where the sampler told it apart, else empty
vcpu = [p["vcpu_cpu"] for p in procs if p["runtime"] == "qemu" and p["role"] == "vmm"]
assert vcpu[:3] == ["60", "70", "50"], vcpu
assert all(p["vcpu_cpu"] == "" for p in procs if p["role"] != "vmm"), "vcpu_cpu outside a VMM"
assert len(procs) == sum(len(s["procs"]) for s in samples), (len(procs), sum(len(s["procs"]) for s in samples))
sentry = [p for p in procs if p["component"] == "sentry"]
assert len(sentry) == 6 and all(p["comm"] == "exe" and p["role"] == "runtime" and p["pid"] == "21" for p in sentry)
assert sum(float(p["cpu"]) for p in sentry) == 260
print("series: %d rows, processes: %d rows" % (len(rows), len(procs)))
PY
# an export that cannot be written fails by its path, and leaves nothing
# half-written beside either file
isolab report "$j" --series-csv "$test_state/no/such/dir/s.csv" --procs-csv "$test_state/p2.csv" >"$test_state/out" 2>&1 &&
	fail "an export into a missing directory was accepted"
grep -q "create $test_state/no/such/dir/s.csv" "$test_state/out" || fail "the error does not name the file: $(cat "$test_state/out")"
ls "$test_state" | grep -q '\.csv\.' && fail "a temporary export was left: $(ls "$test_state")"
[ -e "$test_state/p2.csv" ] && fail "the other export was written though the run's exports failed"
# one run's series only: not with --against
isolab report "$j" --against "$j" --series-csv "$test_state/x.csv" >"$test_state/out" 2>&1 &&
	fail "--series-csv with --against was accepted"
grep -q -- "--series-csv exports one run's time series" "$test_state/out" || fail "unclear refusal: $(cat "$test_state/out")"
ok "the time series export in a long layout that python's csv reads"

#!/bin/bash
# sweep.sh — `isolab run --sweep`: one group per value with a report row
# each; the value reaches the workload (threads: the probe's thread count in
# the process samples; limits.cpus: the sandbox's CPU quota holds each
# instance to its value); the report's charts draw each metric against the
# values; and bad sweeps are one-line errors before anything runs.
. "$top_srcdir/tests/integration/lib.sh"
command -v python3 >/dev/null || skip "python3 is needed to read the journal"

out=$test_state/out
# Bad input first: refused with exit 2 and one line naming the sweep.
bad() {
	local want=$1; shift
	isolab run -w cpu -t 1 -n 1 -q "$@" >"$out" 2>&1
	local rc=$?
	[ $rc -eq 2 ] || fail "isolab run $*: exit $rc, expected 2: $(cat "$out")"
	[ "$(wc -l <"$out")" -eq 1 ] || fail "isolab run $*: not one line: $(cat "$out")"
	grep -q -- "$want" "$out" || fail "isolab run $*: '$want' not in: $(cat "$out")"
}
bad "sweep.values\[1\]: expected an integer from 1 to 1024, got \"0\" (sweep.param threads)" --sweep threads=1,0
bad "sweep.values\[0\]: expected a parameter of workload cpu (max_prime), got an undeclared one (sweep.param max_primes)" \
	--sweep max_primes=10,20
bad "expected NAME=V1,V2,... (e.g. threads=1,2,4), got 'threads'" --sweep threads
bad "sweep.values\[1\]: expected each value once, got \"1\" again" --sweep threads=1,1
bad "sweep: expected only in a benchmark experiment (or param instances in a scale one), got it in a scale experiment" \
	-e scale --sweep threads=1,2
bad "sweep: param instances: expected a scale experiment (N instances at once), got a benchmark experiment" \
	--sweep instances=1,2
bad "expected instance counts in increasing order, got 2 after 4" -e scale --sweep instances=1,4,2
[ -z "$(ls "$test_state/runs" 2>/dev/null)" ] || fail "a refused sweep left a run: $(ls "$test_state/runs")"
ok "bad sweeps: one line each, nothing run"

isolab run -r native -w cpu --sweep threads=1,4 -t 1 -n 2 -q --json "$test_state/t.json" >"$out" 2>&1 ||
	fail "the threads sweep failed: $(cat "$out")"
grep -q "^sweep: a row per value of threads" "$out" || fail "the report does not say it is a sweep: $(cat "$out")"
run=$(ls -d "$test_state"/runs/2* | head -1)
PYTHONPATH=$top_srcdir/tests/integration python3 - "$run/journal.jsonl" "$test_state/t.json" <<'EOF' || fail "the threads sweep did not reach the workload"
import json, sys
import journal_procs
insts, procs = journal_procs.read(sys.argv[1])
threads = {i: max(p.get("threads", 0) for p in ps) for i, ps in procs.items()}
by = {}
for i, r in insts.items():
    sw = r.get("sweep") or {}
    if sw.get("param") != "threads" or r.get("variant") != "threads=" + str(sw.get("value")):
        print("FAIL: instance %d: sweep %s, variant %s" % (i, sw, r.get("variant"))); sys.exit(1)
    by.setdefault(sw["value"], []).append(threads.get(i, 0))
if sorted(by) != ["1", "4"] or any(len(v) != 2 for v in by.values()):
    print("FAIL: instances per value: %s" % by); sys.exit(1)
if not min(by["4"]) >= max(by["1"]) + 3:
    print("FAIL: the workload's threads: %s (threads=4 should run 3 more than threads=1)" % by); sys.exit(1)
rows = [r for r in json.load(open(sys.argv[2]))["rows"] if r["metric"] == "rate"]
vals = sorted((r["sweep_value"], r["n"]) for r in rows)
if vals != [("1", 2), ("4", 2)]:
    print("FAIL: rate rows: %s" % vals); sys.exit(1)
print("ok: threads per value %s" % by)
EOF
ok "threads=1,4: a row per value, and the workload ran that many threads"

isolab report "$(basename "$run")" --png "$test_state/png" >"$out" 2>&1 || fail "report --png: $(cat "$out")"
[ -s "$test_state/png/sweep-cpu-rate.png" ] || fail "no sweep chart: $(ls "$test_state/png")"
isolab report "$(basename "$run")" --html "$test_state/r.html" >"$out" 2>&1 || fail "report --html: $(cat "$out")"
grep -q "cpu .* rate against threads" "$test_state/r.html" || fail "the page has no sweep chart"
ok "the charts draw each metric against threads"

[ "$(id -u)" -eq 0 ] || skip "the limits.cpus half needs root (cgroups); the threads half passed"
isolab list runtimes 2>/dev/null | awk '$1 == "sandbox" && $3 == "available"' | grep -q . ||
	fail "the sandbox runtime is not available: $(isolab list runtimes 2>&1 | grep sandbox)"
rm -rf "$test_state/runs"
isolab run -r sandbox -w cpu --sweep limits.cpus=0.25,1.0 -t 2 -n 1 -q >"$out" 2>&1 ||
	fail "the limits sweep failed: $(cat "$out")"
run=$(ls -d "$test_state"/runs/2* | head -1)
PYTHONPATH=$top_srcdir/tests/integration python3 - "$run/journal.jsonl" <<'EOF' || fail "the limits sweep did not reach the cgroup"
import sys
import journal_procs
insts, procs = journal_procs.read(sys.argv[1])
cpu = {i: [p["cpu"] for p in ps if p.get("dt", 0) >= 0.5] for i, ps in procs.items()}
for i, r in insts.items():
    want = float(r["sweep"]["value"])
    if r.get("limits", {}).get("cpus") != want:
        print("FAIL: instance %d ran under %s, expected cpus %s" % (i, r.get("limits"), want)); sys.exit(1)
    # A quota of 0.25 CPUs holds the probe at about 25% of a CPU, whatever the load.
    if want == 0.25 and (not cpu.get(i) or max(cpu[i]) > 40):
        print("FAIL: instance %d at cpus 0.25 used %s%% CPU" % (i, cpu.get(i))); sys.exit(1)
print("ok: cpu%% at 0.25: %s" % [cpu.get(i) for i, r in insts.items() if r["sweep"]["value"] == "0.25"])
EOF
ok "limits.cpus=0.25,1.0: each instance under its own quota"

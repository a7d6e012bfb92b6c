#!/bin/bash
# forkbomb.sh — a fork bomb beside a target, in the sandbox and in runc:
# the bomb stops at its pids limit, the host stays responsive (a probe
# started on the host while it runs is ready quickly), the report says
# whether the target finished, and afterwards nothing is left: no process,
# no cgroup, no resource journal.
. "$top_srcdir/tests/integration/sandbox-lib.sh"
command -v python3 >/dev/null || skip "python3 is needed to read the JSON report"

rts=sandbox
isolab list runtimes 2>/dev/null | awk '$1 == "runc" && $3 == "available"' | grep -q . && rts=sandbox,runc

cat >"$test_state/bomb.conf" <<'EOF'
experiments = {
  t-bomb = { kind = "interference"; runtimes = [ "sandbox" ]; workloads = [ "fork" ]; repetitions = 1;
    duration = 3.0; limits = { memory = "128M"; pids = 128; };
    params = { limit = "100000"; };
    neighbours = ( { workload = "forkbomb"; class = "adversarial"; count = 2; } ); };
};
EOF

# Start-up latency of a probe on the host, every 100 ms while the run goes on.
probe_latency() {
	while [ -e "$test_state/measuring" ]; do
		local t0 t1
		t0=$(date +%s%N)
		"$ISOLAB_PROBE" start >/dev/null 2>&1
		t1=$(date +%s%N)
		echo $(( (t1 - t0) / 1000000 )) >>"$test_state/latency"
		sleep 0.1
	done
}
touch "$test_state/measuring"
probe_latency &
lat_pid=$!
isolab -c "$test_state/bomb.conf" run -e t-bomb -r "$rts" --json "$test_state/r.json" >"$test_state/out" 2>&1
rc=$?
rm -f "$test_state/measuring"
wait "$lat_pid"
[ $rc -le 1 ] || { cat "$test_state/out"; fail "run exited $rc"; }
[ -s "$test_state/r.json" ] || { cat "$test_state/out"; fail "no report"; }

# The bomb really went off: it reached its pids limit (or its own limit).
python3 - "$test_state" <<'PY' || fail "the bomb did not fork up to its limit"
import glob, json, sys
procs = 0
for line in open(glob.glob(sys.argv[1] + "/runs/2*/journal.jsonl")[0]):
    r = json.loads(line)
    if r.get("type") == "sample":
        procs = max(procs, r["metrics"].get("procs", 0))
sys.exit(0 if procs >= 50 else "max procs %d" % procs)
PY
ok "the bomb forked up to its limit"

n=$(wc -l <"$test_state/latency")
[ "$n" -ge 5 ] || fail "only $n host latency samples"
max=$(sort -n "$test_state/latency" | tail -1)
p50=$(sort -n "$test_state/latency" | awk -v n="$n" 'NR == int((n + 1) / 2)')
echo "host probe start latency during the bomb: p50 ${p50} ms, max ${max} ms over $n starts"
[ "$p50" -lt 100 ] || fail "the host slowed down: median probe start ${p50} ms"
[ "$max" -lt 1000 ] || fail "the host stalled: a probe start took ${max} ms"
ok "the host stayed responsive"

python3 - "$test_state/r.json" "$rts" <<'PY' || fail "report: target rows"
import json, sys
d = json.load(open(sys.argv[1]))
for rt in sys.argv[2].split(","):
    rows = [r for r in d["rows"] if r["runtime"] == rt and r["variant"] == "neighbours" and r["metric"] == "rate"]
    assert rows and rows[0]["dnf"] is not None, rt
    print("%s beside the bomb: dnf %d, degradation %s" % (rt, rows[0]["dnf"], rows[0]["degradation_pct"]))
PY
ok "the report says whether each target finished"

# The bombs kept pressing at their pids limit, and the report says how hard.
python3 - "$test_state/r.json" "$rts" <<'PY' || fail "report: the neighbours' load"
import json, sys
d = json.load(open(sys.argv[1]))
for rt in sys.argv[2].split(","):
    l = [x for x in d["neighbours"] if x["runtime"] == rt and x["workload"] == "forkbomb"]
    assert l and l[0]["class"] == "adversarial" and l[0]["n"] == 2, (rt, l)
    m = l[0]["metrics"]
    assert m["failed"]["unit"] == "forks/s" and m["failed"]["mean"] > 100, (rt, m)
    print("%s: each bomb held %.0f processes and kept up %.0f failed forks/s" % (rt, m["procs"]["mean"], m["failed"]["mean"]))
PY
grep -Eq "^  sandbox/neighbours: forkbomb \(adversarial, n 2\): .*failed [0-9.]+ forks/s" "$test_state/out" ||
	fail "the text report does not give the bombs' load: $(grep -A3 "neighbours' load" "$test_state/out")"
ok "the report gives the bombs' load: failed forks/s at the limit"

run=$(basename "$(ls -d "$test_state"/runs/2* | head -1)")
assert_no_leftovers "$run"
for pid in $(pgrep -f isolab-probe); do
	grep -qF "$run" "/proc/$pid/cgroup" 2>/dev/null && fail "probe $pid of the bomb's run left behind"
done
ok "everything reaped: no process, cgroup or resource journal of run $run"

#!/bin/bash
# member-params.sh — a neighbour's own parameters and limits: a malloc bomb
# beside a cpu target in the sandbox, given limit = 48M and a 128M memory
# limit of its own while the target has neither. The bomb holds what it
# was told (the report's neighbours' load: allocated 48 MiB), the
# target ran under no memory limit, and a parameter the bomb's workload
# does not declare is a file:line error before anything runs.
. "$top_srcdir/tests/integration/sandbox-lib.sh"
command -v python3 >/dev/null || skip "python3 is needed to read the report"
isolab list runtimes 2>/dev/null | awk '$1 == "sandbox" && $3 == "available"' | grep -q . ||
	fail "the sandbox runtime is not available: $(isolab list runtimes 2>&1 | grep sandbox)"

conf=$test_state/member.conf
cat >"$conf" <<'CONF'
experiments = {
  member = {
    kind = "interference";
    runtimes = [ "sandbox" ];
    workloads = [ "cpu" ];
    repetitions = 1;
    duration = 3.0;
    neighbours = ( { workload = "mallocbomb"; class = "adversarial";
                     limits = { memory = "128M"; pids = 64; }; params = { limit = "48M"; step = "8M"; }; } );
  };
};
CONF
out=$test_state/out
isolab -c "$conf" run -e member -q --json "$test_state/r.json" >"$out" 2>&1 || fail "the run failed: $(cat "$out")"
run=$(run_dir)
PYTHONPATH=$top_srcdir/tests/integration python3 - "$run/journal.jsonl" "$test_state/r.json" <<'PY' || fail "the neighbour's own settings did not hold"
import json, sys
import journal_procs
insts, _ = journal_procs.read(sys.argv[1])
bombs = [i for i in insts.values() if i["workload"] == "mallocbomb"]
targets = [i for i in insts.values() if i["workload"] == "cpu"]
if len(bombs) != 1 or bombs[0].get("limits", {}).get("memory") != 128 << 20:
    print("FAIL: the bomb's limits: %s" % [b.get("limits") for b in bombs]); sys.exit(1)
if any("limits" in t for t in targets):
    print("FAIL: a target ran under limits: %s" % [t.get("limits") for t in targets]); sys.exit(1)
loads = json.load(open(sys.argv[2]))["neighbours"]
alloc = [l["metrics"]["allocated"]["mean"] for l in loads if l["workload"] == "mallocbomb"]
# 48 MiB is 50.3 MB; the workload's default limit would be 1 GiB.
if len(alloc) != 1 or not 46 <= alloc[0] <= 52:
    print("FAIL: the bomb allocated %s MB, expected about 50.3 (48 MiB, its own limit parameter)" % alloc); sys.exit(1)
print("ok: the bomb allocated %.1f MB under its own 128 MiB limit" % alloc[0])
PY
ok "a neighbour's own params and limits hold, the target's do not change"

cat >"$conf" <<'CONF'
experiments = {
  member = {
    kind = "interference";
    runtimes = [ "sandbox" ];
    workloads = [ "cpu" ];
    neighbours = ( { workload = "mallocbomb"; class = "adversarial"; limits = { memory = "128M"; pids = 64; };
                     params = { limits = "48M"; }; } );
  };
};
CONF
isolab -c "$conf" run -e member -q >"$out" 2>&1
rc=$?
[ $rc -eq 2 ] || fail "a misspelt neighbour parameter: exit $rc, expected 2: $(cat "$out")"
grep -q "member.conf:7: experiments.member.neighbours\[0\].params.limits: expected a parameter of workload mallocbomb (step, limit), got an undeclared one" "$out" ||
	fail "a misspelt neighbour parameter: $(cat "$out")"
ok "a misspelt neighbour parameter: $(cat "$out")"

#!/bin/bash
# Limits on the OCI runtimes: a cpuset of one CPU caps a 2-thread cpu probe
# near one CPU, a 64M hard limit stops a malloc bomb there, and pids.max
# stops a fork bomb (runc and crun; gVisor refuses pids and says why).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/runtimes-lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root"
for r in runc crun gvisor; do need_runtime "$r"; done
[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs for the cpuset test"

conf=$test_state/limits.conf
cat >"$conf" <<'CONF'
experiments = {
  lim-cpuset = { runtimes = [ "runc", "crun", "gvisor" ]; workloads = [ "cpu" ];
    repetitions = 1; duration = 3.0; threads = 2; limits = { cpuset = "0"; }; };
  lim-memory = { runtimes = [ "runc", "crun", "gvisor" ]; workloads = [ "mallocbomb" ];
    repetitions = 1; duration = 4.0; limits = { memory = "64M"; };
    params = { step = "8M"; limit = "512M"; }; };
  lim-pids = { runtimes = [ "runc", "crun" ]; workloads = [ "forkbomb" ];
    repetitions = 1; duration = 2.0; limits = { pids = 32; memory = "512M"; };
    params = { limit = "500"; }; };
  lim-pids-gvisor = { runtimes = [ "gvisor" ]; workloads = [ "forkbomb" ];
    repetitions = 1; duration = 2.0; limits = { pids = 32; memory = "512M"; }; };
};
CONF

# cpuset: the workload's processes together stay near one CPU (sampled %CPU).
isolab -c "$conf" run -e lim-cpuset >"$test_state/cpuset" 2>&1 || { cat "$test_state/cpuset"; fail "lim-cpuset run failed"; }
dir=$(latest_run)
python3 - "$dir/journal.jsonl" <<'PY' || fail "a cpuset of one CPU did not cap the 2-thread cpu probe"
import json, sys
inst = {}
per = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("type") == "instance":
        inst[r["id"]] = r["runtime"]
    if r.get("type") == "sample" and r["t"] >= 2:
        tot = sum(p["cpu"] for p in r["procs"] if p["role"] == "workload")
        per.setdefault(inst[r["inst"]], []).append(tot)
for rt, v in per.items():
    m = max(v)
    print(f"{rt}: workload %CPU per second {v}")
    assert m < 130, f"{rt} used {m}% CPU with cpuset 0"
assert len(per) == 3, per
PY
ok "cpuset caps runc, crun and gvisor near one CPU"

# memory: each bomb is stopped near 64M, never reaching its 512M goal.
isolab -c "$conf" run -e lim-memory >"$test_state/mem" 2>&1
cat "$test_state/mem"
dir=$(latest_run)
python3 - "$dir/journal.jsonl" <<'PY' || fail "the memory limit did not stop the malloc bomb"
import json, sys, re
inst, ends = {}, {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("type") == "instance":
        inst[r["id"]] = r["runtime"]
    if r.get("type") == "end":
        ends[inst[r["inst"]]] = r
for rt, e in ends.items():
    mb = e["metrics"].get("allocated_mb")
    print(rt, e["status"], e["error"], mb)
    # Killed by the OOM killer at the limit, or stopped by ENOMEM below it.
    assert (mb is not None and mb <= 72) or ("SIGKILL" in (e["error"] or "")), rt
assert len(ends) == 3, ends
PY
ok "a 64M hard limit stops the malloc bomb on runc, crun and gvisor"

# pids: the bomb stops at EAGAIN under 32, far from its 500.
isolab -c "$conf" run -e lim-pids >"$test_state/pids" 2>&1 || { cat "$test_state/pids"; fail "lim-pids run failed"; }
dir=$(latest_run)
python3 - "$dir/journal.jsonl" <<'PY' || fail "pids.max did not stop the fork bomb"
import json, sys
inst, ends = {}, {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("type") == "instance":
        inst[r["id"]] = r["runtime"]
    if r.get("type") == "end":
        ends[inst[r["inst"]]] = r
for rt, e in ends.items():
    print(rt, e["status"], e["metrics"].get("procs"))
    assert e["status"] == "ok" and e["metrics"]["procs"] < 32, rt
assert len(ends) == 2
PY
ok "pids.max stops the fork bomb on runc and crun"

isolab -c "$conf" run -e lim-pids-gvisor >"$test_state/pg" 2>&1 && fail "gvisor accepted a pids limit"
grep -q "gVisor cannot honour the limit 'pids'" "$test_state/pg" || { cat "$test_state/pg"; fail "gvisor did not say why it refuses pids"; }
ok "gvisor refuses a pids limit and says why"

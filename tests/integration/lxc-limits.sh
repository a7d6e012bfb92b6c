#!/bin/bash
# Limits on LXC (lxc.cgroup.* on v1 and hybrid, lxc.cgroup2.* on v2): a
# cpuset of one CPU caps a 2-thread cpu probe near one CPU, a 64M hard
# limit stops a malloc bomb there, and pids.max stops a fork bomb.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/runtimes-lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root"
need_runtime lxc
[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs for the cpuset test"

conf=$test_state/limits.conf
cat >"$conf" <<'CONF'
experiments = {
  lim-cpuset = { runtimes = [ "lxc" ]; workloads = [ "cpu" ];
    repetitions = 1; duration = 3.0; threads = 2; limits = { cpuset = "0"; }; };
  lim-memory = { runtimes = [ "lxc" ]; workloads = [ "mallocbomb" ];
    repetitions = 1; duration = 4.0; limits = { memory = "64M"; };
    params = { step = "8M"; limit = "512M"; }; };
  lim-pids = { runtimes = [ "lxc" ]; workloads = [ "forkbomb" ];
    repetitions = 1; duration = 2.0; limits = { pids = 32; memory = "512M"; };
    params = { limit = "500"; }; };
};
CONF

# cpuset: the workload's processes together stay near one CPU (sampled %CPU).
isolab -c "$conf" run -e lim-cpuset >"$test_state/cpuset" 2>&1 || { cat "$test_state/cpuset"; fail "lim-cpuset run failed"; }
dir=$(latest_run)
grep -q '^lxc.cgroup2\{0,1\}.cpuset.cpus = 0$' "$dir"/instances/*/lxc.conf || fail "the config does not carry the cpuset"
python3 - "$dir/journal.jsonl" <<'PY' || fail "a cpuset of one CPU did not cap the 2-thread cpu probe"
import json, sys
v = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("type") == "sample" and r["t"] >= 2:
        v.append(sum(p["cpu"] for p in r["procs"] if p["role"] == "workload"))
print(f"lxc: workload %CPU per second {v}")
assert v and max(v) < 130, v
PY
ok "cpuset caps lxc near one CPU"

# memory: the bomb is stopped near 64M, never reaching its 512M goal.
isolab -c "$conf" run -e lim-memory >"$test_state/mem" 2>&1
dir=$(latest_run)
python3 - "$dir/journal.jsonl" <<'PY' || { cat "$test_state/mem"; fail "the memory limit did not stop the malloc bomb"; }
import json, sys
ends = [json.loads(l) for l in open(sys.argv[1]) if '"type":"end"' in l]
assert len(ends) == 1, ends
e = ends[0]
mb = e["metrics"].get("allocated_mb")
print("lxc", e["status"], e["error"], mb)
# Killed by the OOM killer at the limit, or stopped by ENOMEM below it.
assert (mb is not None and mb <= 72) or ("SIGKILL" in (e["error"] or "")) or ("status 137" in (e["error"] or ""))
PY
ok "a 64M hard limit stops the malloc bomb on lxc"

# pids: the bomb stops at EAGAIN under 32, far from its 500.
isolab -c "$conf" run -e lim-pids >"$test_state/pids" 2>&1 || { cat "$test_state/pids"; fail "lim-pids run failed"; }
dir=$(latest_run)
python3 - "$dir/journal.jsonl" <<'PY' || fail "pids.max did not stop the fork bomb"
import json, sys
ends = [json.loads(l) for l in open(sys.argv[1]) if '"type":"end"' in l]
e = ends[0]
print("lxc", e["status"], e["metrics"].get("procs"))
assert e["status"] == "ok" and e["metrics"]["procs"] < 32
PY
ok "pids.max stops the fork bomb on lxc"
for d in "$test_state"/runs/2*/; do assert_nothing_left "$(basename "$d")"; done

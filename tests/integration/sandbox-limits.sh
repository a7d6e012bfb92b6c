#!/bin/bash
# Limits in the sandbox, enforced by its cgroup:
#  - a cpuset of one CPU caps a 2-thread cpu probe near one CPU;
#  - a memory hard limit stops a mallocbomb at the limit (OOM-killed);
#  - pids.max stops a forkbomb.
. "$top_srcdir/tests/integration/sandbox-lib.sh"
[ "$(nproc)" -ge 2 ] || skip "the cpuset test needs 2 CPUs, this machine has $(nproc)"

conf=$test_state/limits.conf
cat >"$conf" <<'CONF'
experiments = {
  free2 = { runtimes = [ "sandbox" ]; workloads = [ "cpu" ]; threads = 2; duration = 3.0; };
  cpuset1 = { runtimes = [ "sandbox" ]; workloads = [ "cpu" ]; threads = 2; duration = 3.0;
              limits = { cpuset = "0"; }; };
  mem64 = { runtimes = [ "sandbox" ]; workloads = [ "membomb" ]; duration = 10.0;
            limits = { memory = "64M"; pids = 64; }; params = { step = "8M"; limit = "512M"; }; };
  pids20 = { runtimes = [ "sandbox" ]; workloads = [ "forkbomb" ]; duration = 3.0;
             limits = { memory = "256M"; pids = 20; }; params = { limit = "500"; }; };
};
workloads = {
  # mallocbomb, plus its per-step info lines as a summary metric: the last
  # step printed before the OOM kill is how far it got.
  membomb = {
    argv = [ "${probe}", "mallocbomb", "--time", "${duration}", "--step", "${step}", "--limit", "${limit}" ];
    params = { step = { default = "8M"; }; limit = { default = "512M"; }; };
    ready = "^probe=mallocbomb kind=ready ";
    metrics = ( { name = "allocated"; kind = "other"; unit = "MB"; better = "higher"; summary = true;
                  pattern = "^probe=mallocbomb kind=info .* allocated_mb=(?<value>[0-9.]+)"; } );
  };
};
CONF

# Mean %CPU of the workload processes over the samples, and the run's rate.
cpu_of() {
	python3 - "$1" <<'PY'
import json, sys
tot = []
for line in open(sys.argv[1] + "/journal.jsonl"):
    r = json.loads(line)
    if r.get("type") == "sample":
        tot.append(sum(p["cpu"] for p in r["procs"] if p["role"] == "workload"))
# The first second includes start-up: skip it when there is more.
tot = tot[1:] if len(tot) > 2 else tot
print("%.1f" % (sum(tot) / len(tot) if tot else -1))
PY
}
run_exp() {
	rm -rf "$test_state/runs"
	isolab -c "$conf" run -e "$1" -n 1 >"$test_state/out.$1" 2>&1
	echo $? >"$test_state/rc.$1"
	cat "$test_state/out.$1"
}

run_exp free2
[ "$(cat "$test_state/rc.free2")" -eq 0 ] || fail "the unlimited run failed"
free_cpu=$(cpu_of "$(run_dir)")
free_rate=$(awk '$1=="sandbox" && $2=="cpu" && $3=="rate" {print $6}' "$test_state/out.free2")
run_exp cpuset1
[ "$(cat "$test_state/rc.cpuset1")" -eq 0 ] || fail "the cpuset run failed"
one_cpu=$(cpu_of "$(run_dir)")
one_rate=$(awk '$1=="sandbox" && $2=="cpu" && $3=="rate" {print $6}' "$test_state/out.cpuset1")
echo "unlimited: ${free_cpu}% CPU, ${free_rate} events/s; cpuset 0: ${one_cpu}% CPU, ${one_rate} events/s"
awk -v c="$one_cpu" 'BEGIN { exit !(c > 10 && c <= 110) }' || fail "cpuset=0 gave ${one_cpu}% CPU, not about one CPU"
# Whatever the load on the machine, every sample must show CPU 0 only.
python3 - "$(run_dir)" <<'PY' || fail "a workload process of the cpuset=0 run ran on another CPU"
import json, sys
cpus = set()
for line in open(sys.argv[1] + "/journal.jsonl"):
    r = json.loads(line)
    if r.get("type") == "sample":
        cpus |= {p["cpu_num"] for p in r["procs"] if p["role"] == "workload"}
print("CPUs the workload ran on:", sorted(cpus))
sys.exit(0 if cpus == {0} else 1)
PY
# Only meaningful when the unlimited run really got more than one CPU (a
# busy machine may not give it that).
if awk -v c="$free_cpu" 'BEGIN { exit !(c > 140) }'; then
	awk -v a="$one_rate" -v b="$free_rate" 'BEGIN { exit !(a < 0.75 * b) }' ||
		fail "cpuset=0 rate $one_rate is not well below the unlimited $free_rate"
fi
ok "cpuset of one CPU caps 2 threads at ${one_cpu}% CPU (unlimited ${free_cpu}%)"

run_exp mem64
dir=$(run_dir)
grep -q '"type":"end".*"status":"failed"' "$dir/journal.jsonl" || fail "the mallocbomb was not stopped"
grep '"type":"end"' "$dir/journal.jsonl" | grep -q 'OOM-killed at its memory limit of 64 MiB' ||
	fail "the end record does not say the memory limit OOM-killed it"
top=$(python3 - "$dir" <<'PY'
import json, sys
m = 0
for line in open(sys.argv[1] + "/journal.jsonl"):
    r = json.loads(line)
    if r.get("type") in ("sample", "end"):
        m = max(m, r.get("metrics", {}).get("allocated", 0))
print(m)
PY
)
awk -v m="$top" 'BEGIN { exit !(m > 0 && m <= 64 * 1.048576) }' || fail "the mallocbomb reported ${top} MB allocated, over 64 MiB"
ok "memory=64M stopped the mallocbomb at ${top} MB and recorded the OOM kill"

run_exp pids20
dir=$(run_dir)
read -r procs failed <<EOF2
$(python3 - "$dir" <<'PY'
import json, sys
m = f = 0
for line in open(sys.argv[1] + "/journal.jsonl"):
    r = json.loads(line)
    if r.get("type") in ("sample", "end"):
        m = max(m, r.get("metrics", {}).get("procs", 0))
        f = max(f, r.get("metrics", {}).get("failed", 0))
print(int(m), int(f))
PY
)
EOF2
[ "$procs" -gt 0 ] && [ "$procs" -le 20 ] || fail "the forkbomb reached $procs processes with pids=20"
ok "pids=20 stopped the forkbomb at $procs processes"
# ... and it kept calling fork(): failed forks each second at the limit.
[ "$failed" -ge 100 ] || fail "the forkbomb stopped pressing at pids=20: at most $failed failed forks/s"
ok "at pids=20 the forkbomb kept forking: up to $failed failed forks/s"

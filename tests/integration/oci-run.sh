#!/bin/bash
# runc, crun and gVisor run cpu, syscall and start for real, beside native,
# and the results agree with the studies: runc's CPU throughput is within
# 5% of native (a container adds no instructions to computation) and
# gVisor's system calls cost at least 5 times runc's (the Sentry intercepts
# each one; with ptrace, two context switches per call).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/runtimes-lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root"
for r in runc crun gvisor; do need_runtime "$r"; done

run_isolab run -r native,runc,crun,gvisor -w cpu,syscall,start -n 2 -t 2 --baseline native
r=$out
for rt in runc crun gvisor; do
	for w in cpu syscall start; do
		grep -Eq "^$rt +$w +rate +[^ ]+ +2 " "$r" || fail "no '$rt $w rate' row with n=2"
	done
done
dir=$(latest_run)
[ "$(grep '"type":"end"' "$dir/journal.jsonl" | grep -vc '"status":"ok"')" -eq 0 ] || fail "an instance did not end ok"
# The start-up split: every OCI instance became ready, with a start-up time.
grep '"type":"end"' "$dir/journal.jsonl" | grep -q '"startup_ms":null' && fail "an instance never became ready"

# CPU: the best of 3 interleaved repetitions each, since a shared machine's
# other load only ever slows a repetition down; the best shows what the
# runtime itself costs. Load that lasts a whole round still can; up to
# three rounds, and a runtime that really costs 5% misses in every one.
cpu_round() {
	run_isolab run -r native,runc -w cpu -n 3 -t 2 --baseline native
	cdir=$(latest_run)
	cdirs="$cdirs $cdir"
	read -r native_cpu runc_cpu < <(python3 - "$cdir/journal.jsonl" <<'PY'
import json, sys
inst, best = {}, {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("type") == "instance":
        inst[r["id"]] = r["runtime"]
    if r.get("type") == "end" and r["status"] == "ok":
        rt = inst[r["inst"]]
        best[rt] = max(best.get(rt, 0), r["metrics"]["rate"])
print(best.get("native", 0), best.get("runc", 0))
PY
)
	awk -v n="$native_cpu" -v c="$runc_cpu" 'BEGIN { d = (c - n) / n; if (d < 0) d = -d; exit !(n > 0 && d <= 0.05) }'
}
rounds="" cdirs=""
for round in 1 2 3; do
	cpu_round && break
	rounds="$rounds round $round: runc $runc_cpu, native $native_cpu;"
	[ "$round" -lt 3 ] || fail "runc cpu (best of 3) is not within 5% of native in any of 3 rounds:$rounds"
done
ok "runc cpu $runc_cpu events/s vs native $native_cpu (best of 3, round $round)"

runc_sys=$(report_mean runc syscall ns_per_call "$r")
gv_sys=$(report_mean gvisor syscall ns_per_call "$r")
awk -v a="$runc_sys" -v b="$gv_sys" 'BEGIN { exit !(b >= 5 * a) }' ||
	fail "gvisor syscall $gv_sys ns is not at least 5x runc's $runc_sys ns"
ok "syscall: gvisor $gv_sys ns/call vs runc $runc_sys ns/call"

# gVisor's processes are attributed: the Sentry and the gofer as runtime,
# named by component although every one of them is "exe"; the report
# breaks the runtime's CPU down by component, the Sentry doing the work.
grep '"type":"sample"' "$dir/journal.jsonl" | grep -q '"role":"runtime"' ||
	fail "no runtime-role process sampled (gVisor's sandbox and gofer)"
for c in '"comm":"exe","role":"runtime".*"name":"sentry"' '"comm":"exe","role":"runtime".*"name":"gofer"' \
	'"comm":"runsc","role":"runtime".*"name":"create"'; do
	grep '"type":"sample"' "$dir/journal.jsonl" | grep -Eq "$c" || fail "no sample matches $c"
done
isolab report "$(basename "$dir")" --json "$test_state/cost.json" >/dev/null || fail "report --json"
python3 - "$test_state/cost.json" <<'PY' || fail "the report does not attribute gVisor's runtime CPU to the Sentry, or runc's, crun's and gVisor's over their life"
import json, sys
cost = json.load(open(sys.argv[1]))["cost"]
def get(comp):
    return [c for c in cost if c["runtime"] == "gvisor" and c["workload"] == "syscall" and c["role"] == "runtime"
            and c["quantity"] == "cpu_s" and c["component"] == comp][0]
sentry, gofer, create, whole = get("sentry"), get("gofer"), get("create"), get(None)
print("gvisor/syscall runtime %.2f CPU-s: sentry %.2f, gofer %.2f, runsc create %.3f"
      % (whole["mean"], sentry["mean"], gofer["mean"], create["mean"]))
assert sentry["mean"] > 0.3 and sentry["mean"] > 5 * gofer["mean"]
# runsc create, from its rusage: tens of ms, never nothing; and no memory,
# since it was gone before the Sentry's and the gofer's first sample.
assert 0.001 < create["mean"] < 0.5, create
peak = [c for c in cost if c["runtime"] == "gvisor" and c["role"] == "runtime" and c["quantity"] == "rss_peak_kb"
        and c["component"] == "create"]
assert peak and all(c["mean"] == 0 for c in peak), peak
assert abs(sentry["mean"] + gofer["mean"] + create["mean"] - whole["mean"]) <= 0.1 * whole["mean"]
native = [c for c in cost if c["runtime"] == "native" and c["role"] == "runtime" and c["quantity"] == "cpu_s"]
assert native and all(c["none"] and c["mean"] is None for c in native), native
# Over each container's life, from the workload's birth to its exit, the
# samples add up to what its cgroup counted.
life = [c for c in json.load(open(sys.argv[1]))["cgroup_crosscheck"]
        if c["runtime"] in ("runc", "crun") and c["workload"] == "cpu"]
for c in life:
    print("%s/cpu rep %d %s: over its life the samples saw %.2f of %.2f CPU-s" % (c["runtime"], c["rep"],
          c["source"], c["life_sampled_cpu_s"], c["life_cgroup_cpu_s"]))
assert {c["runtime"] for c in life} == {"runc", "crun"}, life
assert all(abs(c["life_sampled_cpu_s"] / c["life_cgroup_cpu_s"] - 1) <= 0.05 for c in life), "more than 5% apart"
# gVisor's too, though its stubs come and go so that no two samples in a
# row may have the same processes (no window: its figures are null). What
# no sample can see is what exits before the first one: runsc create
# while it is in the cgroup, which the driver reports from its rusage (its
# whole life, 40-60 ms of CPU with what it reaped), and a little more (a
# umount helper, a first short-lived sandbox process: 30-50 ms) of a 2 s
# instance's 2.3 CPU-s: 98% seen here on a quiet machine, 95.6-96.3%
# without runsc create's row. The workload's stub, killed with the
# Sentry, may still be exiting when the Sentry is reaped: sampler_final
# gives its last part second then.
gv = [c for c in json.load(open(sys.argv[1]))["cgroup_crosscheck"]
      if c["runtime"] == "gvisor" and c["workload"] == "cpu"]
for c in gv:
    print("gvisor/cpu rep %d %s: over its life the samples saw %.2f of %.2f CPU-s%s" % (c["rep"], c["source"],
          c["life_sampled_cpu_s"], c["life_cgroup_cpu_s"], "" if c["window_s"] else " (no window)"))
assert {c["rep"] for c in gv} == {1, 2}, gv
seen = [c["life_sampled_cpu_s"] / c["life_cgroup_cpu_s"] for c in gv]
assert all(abs(f - 1) <= 0.05 for f in seen), "gVisor's life: more than 5%% apart: %s" % seen
PY
# The workload inside gVisor is invisible on the host; runsc ps shows it from
# inside, as a guest process with the CPU the cpu probe burns.
python3 - "$dir/journal.jsonl" <<'PY' || fail "gVisor's workload was not sampled from inside (runsc ps)"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
gv = {r["id"] for r in recs if r.get("type") == "instance" and r["runtime"] == "gvisor" and r["workload"] == "cpu"}
cpu = [p["cpu"] for r in recs if r.get("type") == "sample" and r["inst"] in gv
       for p in r["procs"] if p["role"] == "guest" and p["comm"] == "isolab-probe"]
sys.exit(0 if cpu and max(cpu) > 20 else "guest rows: %r" % cpu)
PY
# Each OCI instance kept its generated bundle.
ls "$dir"/instances/*/bundle/config.json >/dev/null 2>&1 || fail "no bundle/config.json kept"
python3 -c "import json,sys; c=json.load(open(sys.argv[1])); assert c['root']['readonly'] and c['process']['args'][0]=='/isolab-probe'" \
	$(ls "$dir"/instances/*/bundle/config.json | head -1) || fail "config.json is not what the driver should write"
assert_nothing_left "$(basename "$dir")"
for c in $cdirs; do assert_nothing_left "$(basename "$c")"; done
ok "runc, crun and gvisor ran cpu, syscall and start"

#!/bin/bash
# The sandbox runtime runs cpu, syscall and start for real; the report has
# their rows, the samples attribute the probe to the workload and the
# sandbox's own processes to the runtime, and nothing is left behind.
# The report says where the host CPU went by role, and its cross-check
# with the kernel holds: the sampled CPU of the instance's processes is
# within 5% of its cgroup's cpu.stat (and cpuacct.usage where v1 has it),
# over the samples with the same processes and over the instance's life.
. "$top_srcdir/tests/integration/sandbox-lib.sh"

out=$test_state/out
isolab run -r sandbox -w cpu,syscall,start -n 1 -t 3 --json "$test_state/r.json" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] || fail "isolab run exited $rc"
grep -Eq '^sandbox +cpu +rate +events/s +1 ' "$out" || fail "no sandbox cpu rate row"
grep -Eq '^sandbox +syscall +rate +calls/s +1 ' "$out" || fail "no sandbox syscall rate row"
grep -Eq '^sandbox +start ' "$out" || fail "no sandbox start row"
dir=$(run_dir)
run=$(basename "$dir")
[ "$(grep '"type":"end"' "$dir/journal.jsonl" | grep -c '"status":"ok"')" -eq 3 ] || fail "not every instance ended ok"
grep '"type":"sample"' "$dir/journal.jsonl" | grep -q '"comm":"isolab-probe","role":"workload"' ||
	fail "samples do not list the probe as the workload"
grep '"type":"sample"' "$dir/journal.jsonl" | grep -q '"comm":"isolab-sandbox","role":"runtime"' ||
	fail "samples do not list the sandbox process as the runtime"
grep -Eq '^cpu +sandbox +workload +1 ' "$out" || fail "no host CPU of the workload role in the report"
grep -Eq '^ +runtime +1 ' "$out" || fail "no host CPU of the runtime role in the report"
v1=0
[ -f /sys/fs/cgroup/cpuacct/cpuacct.usage ] && v1=1
python3 - "$test_state/r.json" "$v1" <<'EOF' || fail "the cgroup cross-check does not hold"
import json, sys
d = json.load(open(sys.argv[1]))
want = {"cpu.stat"} | ({"cpuacct.usage"} if sys.argv[2] == "1" else set())
seen = {}
for c in d["cgroup_crosscheck"]:
    if c["runtime"] != "sandbox" or c["workload"] not in ("cpu", "syscall"):
        continue
    print("%s/%s %s: sampled %.3f s, cgroup %.3f s over %.2f s: %+.2f%%" % (c["runtime"], c["workload"],
          c["source"], c["sampled_cpu_s"], c["cgroup_cpu_s"], c["window_s"], c["diff_pct"]))
    assert c["window_s"] >= 0.9, "window too short"
    assert c["cgroup_cpu_s"] > 0.3, "the cgroup counted almost no CPU"
    assert abs(c["diff_pct"]) <= 5, "more than 5% apart"
    # over the whole life too: the workload's last partial second, after
    # its last sample, comes from the sandbox's zombie (its reaped children)
    life = c["life_sampled_cpu_s"] / c["life_cgroup_cpu_s"]
    print("  over its life: sampled %.3f of the cgroup's %.3f CPU-s (%.1f%%)" % (c["life_sampled_cpu_s"],
          c["life_cgroup_cpu_s"], 100 * life))
    assert 0.95 <= life <= 1.05, "over its life more than 5% apart"
    seen.setdefault(c["workload"], set()).add(c["source"])
assert seen.get("cpu") == want and seen.get("syscall") == want, "sources %s, want %s for cpu and syscall" % (seen, want)
total = [c for c in d["cost"] if c["runtime"] == "sandbox" and c["workload"] == "cpu" and c["role"] == "total"
         and c["quantity"] == "cpu_s"][0]
assert total["n"] == 1 and total["mean"] > 0.3, total
EOF
assert_no_leftovers "$run"
ok "sandbox runs cpu, syscall and start; its CPU by role matches its cgroup's"

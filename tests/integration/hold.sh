#!/bin/bash
# A member of a group that runs together (scale), ready before the
# others, waits for them held, whatever isolates it: runc's workload by
# SIGSTOP, gVisor's sandbox by `runsc pause` (its workload runs in stubs
# the Sentry ptraces, which a SIGSTOP does not hold), a QEMU guest by QMP
# stop. Held, an instance's cgroup uses almost no CPU; not held, a cpu
# workload would use most of one. The second member of each pair (even
# ids: launched after the first) has a host-side setup of 4 s, so the
# first, ready before it, waits that long, whatever the runtime's
# start-up time. The journal's "held" record of each says how
# long, by what means, and the CPU its cgroup used meanwhile.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/vm-lib.sh"
for r in runc gvisor; do need_runtime "$r"; done

conf=$test_state/hold.conf
cat >"$conf" <<'CONF'
workloads = {
  holdcpu = {
    description = "the cpu workload, whose even instances set up for 4 s on the host first";
    argv = [ "${probe}", "cpu", "--time", "${duration}" ];
    ready = "^probe=cpu kind=ready ";
    setup = [ "sh", "-c", "echo setting up; sleep $(( (${instance} + 1) % 2 * 4 ))" ];
    rootfs = "minimal";
    metrics = ( { name = "rate"; kind = "throughput"; unit = "events/s"; better = "higher";
                  pattern = "^probe=cpu kind=interval .* rate=(?<value>[0-9.]+) "; } );
  };
};
experiments = {
  hold = { kind = "scale"; runtimes = [ "runc", "gvisor", "qemu" ]; workloads = [ "holdcpu" ];
    repetitions = 1; duration = 2.0; grace = 60.0; sweep = { param = "instances"; values = [ 2 ]; }; };
};
CONF
run_isolab -c "$conf" run -e hold
python3 - "$(latest_run)/journal.jsonl" <<'PY' || fail "the members ready first were not held"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
rt = {r["id"]: r["runtime"] for r in recs if r["type"] == "instance"}
ends = [r for r in recs if r["type"] == "end"]
assert len(ends) == 6 and all(r["status"] == "ok" for r in ends), "not 6 instances ok: %s" % \
    [(rt[r["inst"]], r["status"], r.get("error")) for r in ends]
want = {"runc": "signal", "gvisor": "runtime", "qemu": "runtime"}
seen = set()
for h in (r for r in recs if r["type"] == "held"):
    name = rt[h["inst"]]
    use = h["cgroup_cpu_s"]
    print("%s: instance %d held %.2f s by %s, its cgroup used %s CPU-s meanwhile" % (name, h["inst"], h["s"], h["by"],
          "no" if use is None else "%.3f" % use))
    assert h["by"] == want[name], "%s held by %s, not %s" % (name, h["by"], want[name])
    if h["s"] < 2.0:
        continue
    # Held: a few per cent of a CPU at most (gVisor's Sentry answers
    # `runsc ps` every second); not held, the cpu workload takes most of
    # one, or half of each of two.
    assert use is not None and use / h["s"] < 0.15, "%s: %.3f CPU-s over %.2f s held" % (name, use, h["s"])
    seen.add(name)
missing = set(want) - seen
assert not missing, "no member of %s was held 2 s or more" % sorted(missing)
groups = [r for r in recs if r["type"] == "group"]
assert len(groups) == 3 and all(g["together"] for g in groups), groups
PY
ok "held while the others got ready: runc by SIGSTOP, gVisor by runsc pause, QEMU by QMP stop"

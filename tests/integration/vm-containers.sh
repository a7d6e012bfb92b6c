#!/bin/bash
# Containers inside a VM (qemu's option containers, the runtime
# qemu-containers): the guest's agent runs two copies of the workload, each
# in a container of its own, and the lab "Containers inside a VM" gives a
# verdict.
#  - A shell workload reports what it sees from inside: it is PID 1 (its
#    own pid namespace), /proc holds only its own processes (no kernel
#    threads, no agent), its hostname names its container, the guest's
#    files are read-only to it, and its cgroup namespace is rooted at its
#    own cgroup. The hostnames' mean (0.5 for container-0 and container-1)
#    shows that both copies ran and that a metric is the copies' mean.
#  - cpu: both copies busy at once in the guest, each under its own
#    container-N process, on a VM with a vCPU per copy.
#  - A server workload is refused with the reason (one port per VM).
#  - The lab runs (one repetition) and ends with a verdict, not "cannot tell".
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/vm-lib.sh"
bb=
for b in /bin/busybox /usr/bin/busybox; do [ -x "$b" ] && bb=$b && break; done
[ -n "$bb" ] && ! ldd "$bb" >/dev/null 2>&1 || need_pkgs busybox-static ||
	skip "busybox-static is not installed (apt-get install busybox-static)"

conf=$test_state/inside.conf
cat >"$conf" <<'CONF'
workloads = {
  inside = {
    description = "what a container inside the guest sees";
    argv = [ "sh", "-c", "echo inside pid=$$ host=$(hostname) procs=$(ls -d /proc/[0-9]* | wc -l) ro=$(touch /bin/isolab-x 2>/dev/null && echo 0 || echo 1) cgns=$(test \"$(cat /proc/self/cgroup)\" = 0::/ && echo 1 || echo 0)" ];
    metrics = (
      { name = "pid"; kind = "other"; unit = "pid"; summary = true; pattern = "^inside pid=(?<value>[0-9]+) "; },
      { name = "host"; kind = "other"; unit = "id"; summary = true; pattern = " host=container-(?<value>[0-9]+) "; },
      { name = "procs"; kind = "other"; unit = "processes"; summary = true; pattern = " procs=(?<value>[0-9]+) "; },
      { name = "ro"; kind = "other"; unit = "bool"; summary = true; pattern = " ro=(?<value>[01]) "; },
      { name = "cgns"; kind = "other"; unit = "bool"; summary = true; pattern = " cgns=(?<value>[01])$"; }
    );
  };
};
experiments = {
  inside = { runtimes = [ "qemu-containers" ]; workloads = [ "inside" ]; repetitions = 1; duration = 2.0;
             grace = 60.0; baseline = "qemu-containers"; };
};
CONF
run_isolab -c "$conf" run -e inside -q
run=$(latest_run)
python3 - "$run/journal.jsonl" <<'PY' || fail "what the containers saw: $(grep '"type":"end"' "$run/journal.jsonl")"
import json, sys
ends = [json.loads(l) for l in open(sys.argv[1]) if '"type":"end"' in l]
assert len(ends) == 1 and ends[0]["status"] == "ok", ends
m = ends[0]["metrics"]
print("inside the guest's containers:", m)
assert m["pid"] == 1, "not PID 1 of its own pid namespace"
assert m["host"] == 0.5, "hostnames container-0 and container-1 (mean 0.5) expected"
assert m["procs"] <= 5, "/proc shows more than the container's own processes"
assert m["ro"] == 1, "the guest's /bin is writable from a container"
assert m["cgns"] == 1, "the container's cgroup namespace is not rooted at its cgroup"
PY
ok "two containers in one guest: each PID 1 of its own pid namespace, own hostname, read-only guest files, own cgroup namespace"

vm_run -r qemu-containers -w cpu -n 1
run=$(latest_run)
python3 - "$run/journal.jsonl" <<'PY' || fail "cpu in two containers"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ends = [r for r in recs if r["type"] == "end"]
assert len(ends) == 1 and ends[0]["status"] == "ok" and ends[0]["metrics"]["rate"] > 0, ends
busy = 0
for s in (r for r in recs if r["type"] == "sample"):
    guest = {p["pid"]: p for p in s["procs"] if p["role"] == "guest"}
    workers = [p for p in guest.values() if p["comm"] == "isolab-probe" and p["cpu"] > 50
               and guest.get(p["ppid"], {}).get("comm", "").startswith("container-")]
    if len({guest[p["ppid"]]["comm"] for p in workers}) == 2:
        busy += 1
print("seconds with both copies busy, each under its container-N:", busy)
assert busy >= 1
PY
ok "cpu: both copies busy at once in one guest, $(python3 -c "import json,sys; print(round([json.loads(l) for l in open(sys.argv[1]) if '\"type\":\"end\"' in l][0]['metrics']['rate']))" "$run/journal.jsonl") events/s each"

isolab run -r qemu-containers -w nginx -n 1 -q >"$test_state/nginx.out" 2>&1
grep -q "one server per VM" "$test_state/nginx.out" || fail "nginx on qemu-containers: $(cat "$test_state/nginx.out")"
ok "a server workload is refused on qemu-containers, with the reason"

isolab lab run lab-containers-in-vm -n 1 -q >"$test_state/lab.out" 2>&1
rc=$?
[ $rc -le 1 ] || fail "lab run exited $rc: $(cat "$test_state/lab.out")"
grep -Eq "^Verdict: This machine (agreed|did not agree)" "$test_state/lab.out" ||
	fail "the lab gave no verdict: $(cat "$test_state/lab.out")"
grep -E "^Verdict|^  \[" "$test_state/lab.out"
ok "lab-containers-in-vm: $(grep '^Verdict' "$test_state/lab.out")"
assert_nothing_left "$(basename "$(latest_run)")"
# This test's QEMUs only (their disks are in its state directory): another test's may run.
pgrep -f -- "file=$test_state/" >/dev/null && fail "a QEMU of this test survived its runs"
ok "nothing left"

#!/bin/bash
# Kill isolab with SIGKILL while a VM runs, then `isolab cleanup`: no QEMU
# or relay process, no scratch disk, sockets, cgroup or run directory left,
# and no network: the VM is on network bridge, so its namespace (with the
# bridge and tap in it) and veth pair must go too.
# The QEMU and relay watched are this run's own: the processes of role vmm
# and helper in the run's journal samples, each also in the run's resource
# journal (so cleanup knows it) and QEMU named after the run (-name
# isolab-<run>-1); another QEMU on this machine is none of this test's
# business.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/vm-lib.sh"
# Not through the isolab function: $! must be isolab's own pid.
"$ISOLAB" --state-dir "$test_state" -c "$vm_conf" run -e vm -r qemu-microvm -w cpu -t 60 --network bridge >"$test_state/leak" 2>&1 &
pid=$!
# Wait (bounded: a TCG boot) until the guest's workload reports: a sample
# with the guest's processes in the run's journal.
run=
for i in $(seq 1 900); do
	run=$(latest_run) && [ -n "$run" ] && grep -q '"role":"guest"' "$run/journal.jsonl" 2>/dev/null && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
[ -n "$run" ] || { cat "$test_state/leak"; fail "no run started"; }
grep -q '"role":"guest"' "$run/journal.jsonl" || { kill $pid; cat "$test_state/leak"; fail "the guest never reported (90 s)"; }
id=$(basename "$run")
res=/run/isolab/$id/resources
# The newest sample's processes of a role: "pid comm".
procs_of() {
	python3 - "$run/journal.jsonl" "$1" <<'PY'
import json, sys
last = None
for l in open(sys.argv[1]):
    if '"type":"sample"' in l:
        try:
            last = json.loads(l)
        except ValueError:
            pass  # a line being written
for p in (last or {}).get("procs", []):
    if p["role"] == sys.argv[2]:
        print(p["pid"], p["comm"])
PY
}
qpid=$(procs_of vmm | awk '$2 ~ /^qemu/ {print $1}' | head -n1)
rpid=$(procs_of helper | awk '$2 == "isolab-vmrelay" {print $1}' | head -n1)
[ -n "$qpid" ] || fail "no QEMU (role vmm) in the run's samples: $(procs_of vmm)"
[ -n "$rpid" ] || fail "no relay (role helper) in the run's samples: $(procs_of helper)"
grep -q "^pid $qpid " "$res" || fail "QEMU $qpid is not in the run's resource journal $res"
grep -q "^pid $rpid " "$res" || fail "the relay $rpid is not in the run's resource journal $res"
tr '\0' ' ' <"/proc/$qpid/cmdline" | grep -q -- "-name isolab-$id-1," || fail "process $qpid is not this run's QEMU"
scratch=$run/instances/1.scratch.img
grep -q "^file $scratch " "$res" && [ -f "$scratch" ] || fail "no scratch disk $scratch in the resource journal and on disk"
ns=$(sed -n 's/.*"type":"netns","name":"\([^"]*\)".*"tap":"\([^"]*\)".*/\1 \2/p' "$run/journal.jsonl" | head -n1)
[ -n "$ns" ] || fail "no netns record with a tap in the run's journal"
set -- $ns
grep -q "^netns $1" "$res" || fail "namespace $1 is not in the run's resource journal $res"
ip -n "$1" link show "$2" >/dev/null 2>&1 || fail "no tap $2 in namespace $1 while the VM runs"
kill -KILL $pid
wait $pid 2>/dev/null
for p in $qpid $rpid; do
	ps -p "$p" >/dev/null || fail "process $p died with isolab: cleanup would prove nothing"
done
isolab cleanup >"$test_state/cleanup" 2>&1 || { cat "$test_state/cleanup"; fail "isolab cleanup failed"; }
cat "$test_state/cleanup"
gone() { ! ps -p "$1" -o stat= 2>/dev/null | grep -qv Z; }
for i in $(seq 1 50); do gone "$qpid" && gone "$rpid" && break; sleep 0.1; done
gone "$qpid" || fail "QEMU $qpid survived cleanup"
gone "$rpid" || fail "the relay $rpid survived cleanup"
[ -e "$scratch" ] && fail "the scratch disk $scratch was left"
assert_nothing_left "$id"
[ -e "/run/netns/$1" ] && fail "namespace $1 was left"
ok "after SIGKILL, isolab cleanup left no QEMU, relay, disk, sockets, cgroup or network namespace"

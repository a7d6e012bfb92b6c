#!/bin/bash
# Kill isolab with SIGKILL while a VM runs, then `isolab cleanup`: no QEMU
# or relay process, no scratch disk, sockets, cgroup or run directory left.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/vm-lib.sh"
"$ISOLAB" --state-dir "$test_state" -c "$vm_conf" run -e vm -r qemu-microvm -w cpu -t 60 >"$test_state/leak" 2>&1 &
pid=$!
# Wait (bounded: a TCG boot) until the guest's workload reports.
for i in $(seq 1 600); do
	grep -q "rep 1" "$test_state/leak" 2>/dev/null && run=$(latest_run) && [ -n "$run" ] &&
		ls "$run"/instances/1/scratch.img >/dev/null 2>&1 && grep -q '"guest"' "$run/journal.jsonl" 2>/dev/null && break
	sleep 0.1
done
run=$(latest_run)
[ -n "$run" ] || fail "no run started"
grep -q '"guest"' "$run/journal.jsonl" || { cat "$test_state/leak"; fail "the guest never reported (60 s)"; }
id=$(basename "$run")
qpid=$(ps -eo pid,comm | awk '$2 ~ /^qemu-system/ {print $1}' | head -1)
[ -n "$qpid" ] || fail "no QEMU running"
kill -KILL $pid
wait $pid 2>/dev/null
ps -p "$qpid" >/dev/null || fail "QEMU died with isolab: cleanup would prove nothing"
isolab cleanup >"$test_state/cleanup" 2>&1 || { cat "$test_state/cleanup"; fail "isolab cleanup failed"; }
cat "$test_state/cleanup"
for i in $(seq 1 50); do ps -p "$qpid" >/dev/null || break; sleep 0.1; done
ps -p "$qpid" -o stat= 2>/dev/null | grep -qv Z && fail "QEMU $qpid survived cleanup"
ps -eo comm | grep -q '^isolab-vmrelay' && fail "the relay survived cleanup"
[ -e "$run/instances/1/scratch.img" ] && fail "the scratch disk was left"
assert_nothing_left "$id"
ok "after SIGKILL, isolab cleanup left no QEMU, relay, disk, sockets or cgroup"

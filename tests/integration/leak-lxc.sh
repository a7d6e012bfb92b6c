#!/bin/bash
# Kill isolab with SIGKILL in the middle of an LXC run, then `isolab
# cleanup` must leave nothing: no LXC container or monitor, cgroups
# (isolab/<run>/<inst>/lxc.{payload,monitor}.*, lxc.pivot), mounts,
# lxcpath or overlay dirs, or processes.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/runtimes-lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root"
need_runtime lxc
# The binary itself in the background (not the isolab function, whose
# subshell would take the SIGKILL instead).
"$ISOLAB" --state-dir "$test_state" run -r lxc -w cpu -n 1 -t 30 >"$test_state/leak" 2>&1 &
pid=$!
for i in $(seq 1 100); do
	pgrep -f "isolab-probe cpu --time 30" >/dev/null && break
	sleep 0.1
done
sleep 1
run=$(basename "$(latest_run)")
[ -n "$run" ] || fail "no run started"
[ -e "/run/isolab/$run/resources" ] || fail "no resource journal for $run"
grep -q "^lxc " "/run/isolab/$run/resources" || fail "the container is not in the resource journal"
pgrep -f "lxc-execute -P /run/isolab/$run/" >/dev/null || fail "no lxc-execute running for $run"
kill -KILL $pid
wait $pid 2>/dev/null
# The container outlives isolab: lxc-execute is not its child any more.
pgrep -f "isolab-probe cpu --time 30" >/dev/null || fail "the workload died with isolab (nothing to clean up)"
isolab cleanup >"$test_state/cleanup" 2>&1 || { cat "$test_state/cleanup"; fail "isolab cleanup failed"; }
sleep 0.5
assert_nothing_left "$run"
pgrep -f "lxc-execute -P /run/isolab/$run/" >/dev/null && fail "lxc-execute survived"
pgrep -f "isolab-probe cpu --time 30" >/dev/null && fail "the workload survived"
d=$(find /sys/fs/cgroup -maxdepth 4 -path "*isolab/$run*" 2>/dev/null | head -3)
[ -z "$d" ] && ok "lxc: nothing left after SIGKILL + cleanup" || fail "cgroups left: $d"

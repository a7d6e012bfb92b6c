#!/bin/bash
# Kill isolab with SIGKILL in the middle of a Docker, Docker with gVisor and Podman run,
# then `isolab cleanup` must leave nothing: no labelled containers,
# cgroups or processes.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/runtimes-lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root"
for rt in docker docker-gvisor podman; do
	need_runtime "$rt"
	# The binary itself in the background (not the isolab function, whose
	# subshell would take the SIGKILL instead).
	"$ISOLAB" --state-dir "$test_state" run -r "$rt" -w cpu -n 1 -t 30 >"$test_state/leak-$rt" 2>&1 &
	pid=$!
	# Wait (bounded) for the container's workload to be running.
	for i in $(seq 1 100); do
		grep -q "probe=cpu kind=ready\|rep 1" "$test_state/leak-$rt" 2>/dev/null && pgrep -f "isolab-probe cpu" >/dev/null && break
		sleep 0.1
	done
	sleep 1
	run=$(basename "$(latest_run)")
	[ -n "$run" ] || fail "$rt: no run started"
	[ -e "/run/isolab/$run/resources" ] || fail "$rt: no resource journal for $run"
	kill -KILL $pid
	wait $pid 2>/dev/null
	isolab cleanup >"$test_state/cleanup-$rt" 2>&1 || { cat "$test_state/cleanup-$rt"; fail "$rt: isolab cleanup failed"; }
	sleep 0.5
	assert_nothing_left "$run"
	pgrep -f "isolab-probe cpu --time 30" >/dev/null && fail "$rt: the workload survived"
	ok "$rt: nothing left after SIGKILL + cleanup"
done

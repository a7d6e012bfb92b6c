#!/bin/bash
# A native cpu run of 3 s from the TUI: the dashboard's chart moves from
# one second to the next (braille dots appear and change), then the run's
# result replaces it: mean ± CI for native cpu rate.
. "$top_srcdir/tests/tui/lib.sh"

experiment tui-cpu '"native"' '"cpu"' 3.0
for size in "80 24" "160 48"; do
	set -- $size
	cols=$1 rows=$2
	tui_start "$cols" "$rows" -c "$test_state/test.conf"
	start_last_experiment
	wait_for 'native cpu rep 1 +t=1s' 8
	a=$(screen)
	wait_for 'native cpu rep 1 +t=2s' 5
	b=$(screen)
	printf '%s\n' "$b" | LC_ALL=C.UTF-8 grep -qP '[\x{2801}-\x{28FF}]' || fail "$size: no braille dots in the chart: $b"
	# The chart rows (not the progress line) changed between two seconds.
	[ "$(printf '%s\n' "$a" | sed -n '3,20p')" != "$(printf '%s\n' "$b" | sed -n '3,20p')" ] ||
		fail "$size: the chart did not move: $b"
	printf '%s\n' "$b" | grep -Eq 'rate \(events/s\)' || fail "$size: no throughput chart title"
	printf '%s\n' "$b" | grep -Eq '#1 native rep 1 +[0-9]' || fail "$size: no legend row with values"
	assert_frame "$cols" "$rows"
	# The run ends and its result shows.
	wait_for 'Mean ± 95% CI' 15
	wait_for '(^| )native +cpu +rate +[0-9.]+[kM]? ± ' 2
	screen | grep -q 'base' || fail "$size: the baseline row is not marked"
	assert_frame "$cols" "$rows"
	keys 5
	wait_for 'finished: 1 of 1 instances, 0 failed' 3
	keys q
	wait_exit 5
	[ "$exit_status" = 0 ] || fail "$size: exit $exit_status"
	tm kill-server
	ok "native cpu run at ${cols}x${rows}: moving chart, then its result"
done
# The run is on disk too.
[ "$(ls "$test_state/runs" | grep -vc latest)" -eq 2 ] || fail "expected two runs in the journal"

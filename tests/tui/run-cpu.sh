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
	# The first dots, then a later second whose chart rows differ.
	braille() { LC_ALL=C.UTF-8 grep -qP '[\x{2801}-\x{28FF}]'; }
	chart_rows() { printf '%s\n' "$1" | sed -n '3,20p'; }
	a= b= moved=0
	for ((i = 0; i < 60; i++)); do
		s=$(screen)
		printf '%s\n' "$s" | grep -Eq 'rate \(events/s\)' || break    # the results replaced it
		if [ -z "$a" ]; then
			chart_rows "$s" | braille && a=$s
		elif [ "$(chart_rows "$a")" != "$(chart_rows "$s")" ] && chart_rows "$s" | braille; then
			b=$s moved=1
			break
		fi
		sleep 0.1
	done
	[ -n "$a" ] || fail "$size: no braille dots in the chart: $(screen)"
	[ $moved = 1 ] || fail "$size: the chart did not move: $a"
	printf '%s\n' "$b" | grep -Eq 'rate \(events/s\)' || fail "$size: no throughput chart title"
	printf '%s\n' "$b" | grep -Eq '#1 native rep 1( done)? +[0-9]' || fail "$size: no legend row with values"
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
	exited_ok || fail "$size: exit $exit_status"
	tui_stop
	ok "native cpu run at ${cols}x${rows}: moving chart, then its result"
done
# The run is on disk too.
[ "$(ls "$test_state/runs" | grep -vc latest)" -eq 2 ] || fail "expected two runs in the journal"

# The Results screen: the run's start-up in phases (isolab's share before
# and after the runtime's), the newest run exported as a page with its
# charts, then compared with the older run (one repetition each: no
# verdict), then the cost by role.
tui_start 160 48 -c "$test_state/test.conf"
wait_for 'Runtimes' 10
keys 4
wait_for 'Past runs' 3
keys Tab Enter
wait_for '(^| )native +cpu +rate +[0-9.]+[kM]? ± ' 5
wait_for 'Start-up phases \(p50 ms\)' 2
wait_for 'native/cpu: isolab [0-9.]+ \+ runtime [0-9.]+ \+ isolab [0-9.]+ = [0-9.]+ ms \(isolab [0-9.]+ ms' 2
keys e
wait_for 'HTML \(report.html' 3
keys Down Down Enter
wait_for 'exported .*/report\.html' 10
page=$(ls "$test_state"/runs/*/report.html 2>/dev/null | head -n 1)
[ -n "$page" ] || fail "no report.html in a run directory"
grep -q '<figure id="chart-series-cpu-native-rate"><svg' "$page" || fail "the exported page lacks the time series"
keys c
wait_for 'Compare with \(the reference run\)' 3
keys Enter
wait_for 'run [0-9a-f-]+ \(A\) against [0-9a-f-]+ \(B\)' 5
wait_for 'native +cpu +rate .*cannot tell' 3
assert_frame 160 48
keys c
wait_for 'Mean ± 95% CI' 3
# a: where the host's CPU went, by role: native's is all the workload's.
keys a
wait_for 'host cost by role' 3
wait_for '(^| )native +cpu +[0-9.]+ +[0-9.]+ us/event +[0-9.]+ MiB +w{20,}' 3
wait_for 'workload 100%  runtime none' 2
assert_frame 160 48
keys a
wait_for 'Mean ± 95% CI' 3
keys q
wait_exit 5
exited_ok || fail "results: exit $exit_status"
tui_stop
ok "Results: HTML export, compare with an earlier run, the cost by role"

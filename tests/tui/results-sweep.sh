#!/bin/bash
# A sweep on the Results screen: a real headless run of cpu on native with
# --sweep threads=1,2 (a row per value), then the interface opens it and
# draws, under the table, the selected row's metric against the swept
# value: the title names the metric and the sweep, the bottom axis names
# each value, and the line is drawn (braille dots). Selecting a p50 row
# switches the chart to that metric.
. "$top_srcdir/tests/tui/lib.sh"

isolab run -r native -w cpu --sweep threads=1,2 -t 1 -n 1 -q >"$test_state/run.out" 2>&1 ||
	fail "the sweep run failed: $(cat "$test_state/run.out")"
grep -Eq '^native +threads=1 +cpu +rate ' "$test_state/run.out" &&
	grep -Eq '^native +threads=2 +cpu +rate ' "$test_state/run.out" ||
	fail "no row per value: $(cat "$test_state/run.out")"
grep -q "^sweep: a row per value of threads" "$test_state/run.out" || fail "the report does not say it is a sweep"

tui_start 120 40
wait_for 'Runtimes' 10
keys 4
wait_for 'Past runs' 3
keys Tab Enter
wait_for '(^| )native / threads=1 +cpu +rate' 5
wait_for ' cpu rate \(events/s\) against threads: native' 3
# the axis row: 1 at the left end of the rule and 2 at its right end
wait_for '^ +1(─)+2 *$' 2
# dots, not rows: two values that came out alike (both threads on a
# loaded machine) draw a flat line on a single row
n=$(screen | LC_ALL=C.UTF-8 grep -oP '[\x{2801}-\x{28FF}]' | wc -l)
[ "$n" -ge 20 ] || fail "the sweep chart has no line ($n braille cells): $(screen)"
# the p50 row: the chart follows the selection
keys Down Down
wait_for ' cpu p50 \(ns\) against threads: native' 3
assert_frame 120 40
keys q
wait_exit 5
exited_ok || fail "exit $exit_status"
tui_stop
ok "Results: a sweep's metric drawn against its values"

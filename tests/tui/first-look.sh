#!/bin/bash
# The terminal path of ./quickstart: `isolab tui -e first-look` opens on the
# Dashboard of a comparison that is already running (at test size: 1 s per
# instance). The throughput chart moves and its legend fills with one
# runtime after another, at least four with values; the process table
# shows the instance's processes; quitting stops the run.
. "$top_srcdir/tests/tui/lib.sh"

[ "$(id -u)" -eq 0 ] || skip "the container runtimes need root"
tui_start 120 40 tui -e first-look -t 1 -n 1
wait_for 'run [0-9]+/[0-9]+ ETA' 20
screen | grep -q '2 Dashboard' || fail "no tabs: $(screen)"
chart_rows() { printf '%s\n' "$1" | sed -n '3,20p'; }
braille() { LC_ALL=C.UTF-8 grep -qP '[\x{2801}-\x{28FF}]'; }
prev= moves=0 n=0
for ((i = 0; i < 600; i++)); do
	s=$(screen)
	if chart_rows "$s" | braille; then
		[ -n "$prev" ] && [ "$(chart_rows "$s")" != "$(chart_rows "$prev")" ] && moves=$((moves + 1))
		prev=$s
	fi
	# Legend rows with a current value: "#3 runc rep 1 done   1497 ...".
	n=$(printf '%s\n' "$s" | sed -nE 's/.*#[0-9]+ ([a-z0-9-]+) rep [0-9]+( [a-z]+)? +[0-9][0-9.]*[kMG]? .*/\1/p' | sort -u | wc -l)
	[ "$n" -ge 4 ] && [ $moves -ge 4 ] && break
	sleep 0.1
done
[ "$n" -ge 4 ] || fail "the legend shows values for $n runtimes, not four: $s"
[ $moves -ge 4 ] || fail "the chart moved $moves times: $s"
ok "the Dashboard charts moved ($moves changes) for $n runtimes"
keys 3
wait_for '^ +[0-9]+ +[0-9.]+ +[0-9.]+ .*isolab-probe' 10
ok "the process table shows the instance's processes"
keys q
wait_for 'Stop it and quit' 5
keys y
wait_exit 60
exited_ok || fail "exit $exit_status"

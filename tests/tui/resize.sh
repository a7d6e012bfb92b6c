#!/bin/bash
# Resizing in the middle of a run keeps the screen whole: after each
# resize the frame is redrawn at the new size (top bar, key bar, charts),
# with no line wider than the terminal, and the run goes on.
. "$top_srcdir/tests/tui/lib.sh"

experiment tui-resize '"native"' '"cpu"' 5.0
tui_start 160 48 -c "$test_state/test.conf"
start_last_experiment
wait_for 't=1s' 8
for size in "80 24" "120 30" "61 16" "160 48" "80 24"; do
	set -- $size
	tm resize-window -t t -x "$1" -y "$2"
	wait_frame "$1" "$2"
	wait_for 'rate \(events/s\)' 3
	[ "$(screen | grep -c 'rate (events/s)')" -eq 1 ] || fail "${1}x$2: the chart is drawn twice: $(screen)"
done
keys 3
wait_for 'isolab-probe' 3
tm resize-window -t t -x 100 -y 30
wait_frame 100 30
wait_for 'isolab-probe' 3
keys 2
wait_for 'Mean ± 95% CI' 15
assert_frame 100 30
ok "resizes during a run"
keys q
wait_exit 5
tui_stop

# Started with SIGWINCH blocked (a parent's mask, kept across exec), so
# that curses never hears of a resize: the loop's own look at the
# terminal's size still redraws.
TUI_PREFIX="python3 -c 'import os, signal, sys; signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGWINCH}); os.execv(sys.argv[1], sys.argv[1:])' "
tui_start 120 30 -c "$test_state/test.conf"
start_last_experiment
wait_for 't=1s' 8
blk=$(awk '/^SigBlk:/ { print $2 }' "/proc/$isolab_pid/status")
[ -n "$blk" ] && (( 0x$blk & (1 << 27) )) || fail "SIGWINCH is not blocked in isolab (pid $isolab_pid): SigBlk $blk"
for size in "80 24" "100 30"; do
	set -- $size
	tm resize-window -t t -x "$1" -y "$2"
	wait_frame "$1" "$2"
	wait_for 'rate \(events/s\)' 3
done
ok "resizes with SIGWINCH blocked"
keys 2
wait_for 'Mean ± 95% CI' 15
assert_frame 100 30
keys q
wait_exit 5

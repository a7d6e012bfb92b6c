#!/bin/bash
# Every screen renders, at 80x24 and at 160x48: setup (runtimes with their
# version, workloads, options, saved experiments), dashboard, processes,
# results, messages, help; a terminal below the minimum says so; and a
# non-UTF-8 locale falls back to ASCII frames.
. "$top_srcdir/tests/tui/lib.sh"

# A runtime that cannot run here: shown greyed, with the reason and the fix.
printf 'runtimes = { nowhere = { driver = "oci"; description = "not installed"; options = { binary = "/nonexistent/runq"; }; }; };\n' \
	>"$test_state/rt.conf"
for size in "80 24" "160 48"; do
	set -- $size
	cols=$1 rows=$2
	tui_start "$cols" "$rows" -c "$test_state/rt.conf"
	wait_for 'Runtimes' 10
	wait_for '\[x\] native +Linux' 10        # available, selected, with its version
	keys End                                 # the last runtime, with its details
	wait_for '\[ \] nowhere +unavailable: ' 10
	wait_for 'fix: ' 3
	keys Space
	wait_for 'nowhere cannot run here' 3     # it cannot be selected
	screen | grep -q '\[x\] nowhere' && fail "$size: an unavailable runtime was selected"
	keys Home
	screen | grep -q 'Workloads' || fail "$size: no workloads pane"
	screen | grep -Eq '\[x\] cpu ' || fail "$size: cpu is not preselected"
	screen | grep -q 'Experiment options' || fail "$size: no options"
	screen | grep -q 'Saved experiments' || fail "$size: no saved experiments"
	screen | grep -q 'quick' || fail "$size: the default experiments are not listed"
	assert_frame "$cols" "$rows"
	# Details follow the focused pane: a workload's parameters.
	keys Tab
	wait_for 'Details' 2
	keys 2; wait_for 'No run yet' 3; assert_frame "$cols" "$rows"
	keys 3; wait_for 'no processes' 3; wait_for 'PID' 1; assert_frame "$cols" "$rows"
	keys 4; wait_for 'no (results|run selected)' 3; assert_frame "$cols" "$rows"
	keys 5; wait_for 'Time +Level +Message' 3; assert_frame "$cols" "$rows"
	keys F1; wait_for 'Every screen' 3; wait_for 'Messages screen' 1
	keys Escape; wait_gone 'Every screen' 3
	keys 3 '?'; wait_for 'Processes screen' 3; wait_for 'pcre2' 1
	keys Escape 1; wait_for 'Runtimes' 3
	# Below the minimum size, a clear message; back above, the screen again.
	tm resize-window -t t -x 50 -y 12
	wait_for 'terminal too small \(need 60.16\)' 5
	tm resize-window -t t -x "$cols" -y "$rows"
	wait_for 'Runtimes' 5
	assert_frame "$cols" "$rows"
	keys q
	wait_exit 5
	exited_ok || fail "$size: q exited $exit_status"
	tui_stop
	ok "every screen renders at ${cols}x${rows}"
done

# ASCII fallback: no UTF-8 in the locale, no line-drawing glyphs.
TUI_LANG=C tui_start 80 24
wait_for '\+- Runtimes -+' 10
screen | grep -q '[─│┌]' && fail "box glyphs in a C locale"
keys q
wait_exit 5
ok "ASCII frames in the C locale"

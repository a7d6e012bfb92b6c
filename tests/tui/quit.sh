#!/bin/bash
# q during a run asks first; n keeps the run going; y stops it, tears the
# instance down through the engine, exits, and leaves no process behind.
# Ctrl-C asks the same way.
. "$top_srcdir/tests/tui/lib.sh"

experiment tui-quit '"native"' '"cpu"' 60.0
for how in q C-c; do
	tui_start 80 24 -c "$test_state/test.conf"
	start_last_experiment
	wait_for 't=1s' 8
	kids=$(pgrep -P "$isolab_pid" | tr '\n' ' ')
	[ -n "$kids" ] || fail "no child processes of isolab during the run"
	keys "$how"
	wait_for 'Stop it and quit' 3
	keys n
	wait_gone 'Stop it and quit' 3
	wait_for 't=[2-9]s' 5                 # still running
	keys "$how"
	wait_for 'Stop it and quit' 3
	keys y
	wait_exit 20
	exited_ok || fail "$how: exit $exit_status"
	# An exited process its parent has not reaped yet (a zombie) is gone;
	# anything else still there is a leak.
	for p in $isolab_pid $kids; do
		[ -d "/proc/$p" ] && ! grep -q '^State:.*zombie' "/proc/$p/status" 2>/dev/null &&
			fail "$how: process $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)) is still running after quitting"
	done
	# The journal says how it ended.
	run=$(ls "$test_state/runs" | grep -v latest | tail -1)
	grep -q '"cancelled":true' "$test_state/runs/$run/journal.jsonl" || fail "$how: the run is not marked cancelled"
	tui_stop
	rm -rf "$test_state/runs"
	ok "$how during a run: asks, then stops the run and leaves nothing behind ($kids)"
done

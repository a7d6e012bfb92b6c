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

# q while a remote host's probe is still waiting (its sshd accepted the
# connection and says nothing): quitting does not wait for the probe's
# 15 s timeout, and the probe thread left inside libssh does not crash
# the process's end (exit status 0, no sanitizer report).
command -v socat >/dev/null || skip "socat is not installed (apt-get install socat)"
port=
for p in $(shuf -i 20000-60000 -n 20); do
	ss -Hltn "sport = :$p" | grep -q . || { port=$p; break; }
done
[ -n "$port" ] || fail "no free port for the silent listener"
socat -u TCP-LISTEN:"$port",bind=127.0.0.1,reuseaddr,fork SYSTEM:'sleep 60' </dev/null >/dev/null 2>&1 &
mute_pid=$!
trap 'kill $mute_pid 2>/dev/null; tm kill-server 2>/dev/null; rm -rf "${cleanup_dirs[@]}"' EXIT
for _ in $(seq 1 50); do ss -Hltn "sport = :$port" | grep -q . && break; sleep 0.1; done
cat >"$test_state/mute.conf" <<EOC
hosts = { mute = { address = "127.0.0.1"; port = $port; user = "root"; timeout = 15; }; };
EOC
tui_start 100 30 -c "$test_state/mute.conf" --host mute
wait_for 'Runtimes' 10
wait_for 'native@mute' 5
sleep 1
screen | grep -q 'native@mute.*probing' || fail "the probe of native@mute is not in flight: $(screen)"
t0=$(date +%s%N)
keys q
wait_exit 10
exited_ok || fail "quitting while a probe waits: exit $exit_status: $(screen)"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
screen | grep -q 'Sanitizer' && fail "a sanitizer report at the end: $(screen)"
tui_stop
ok "q while a remote probe waits: exited 0 in $ms ms, before the probe's timeout"

#!/bin/bash
# An unknown SSH host key asked about where a person is watching, against a
# real sshd on 127.0.0.1 (tests/integration/ssh-lib.sh):
#  - `isolab run` on a terminal asks "(yes/no)" with the key's SHA-256
#    fingerprint, asks again on any other answer, refuses on "no" (nothing
#    written to known_hosts) and runs on "yes" (the key remembered);
#  - the TUI with --host lists the runtimes as RUNTIME@HOST and asks in a
#    dialog, once for all of them: "n" leaves them unavailable with the
#    reason, "y" adds the key and a run on the host goes through; the
#    probes of all its runtimes share one connection.
. "$top_srcdir/tests/tui/lib.sh"
. "$top_srcdir/tests/integration/ssh-lib.sh"
trap 'tm kill-server 2>/dev/null; stop_sshd; rm -rf "${cleanup_dirs[@]}"' EXIT
fp=$(ssh-keygen -l -E sha256 -f "$ssh_dir/host_key.pub" | awk '{print $2}')
key=$(echo "$host_pub" | cut -d' ' -f2)

# 1. The command line on a terminal: a shell in the pane keeps isolab's
# output and exit status in files (tmux may be slow to reap it under
# load); the question goes to the terminal itself (/dev/tty).
cli_start -c "$conf" run -r native@test -w cpu -n 1 -t 1
wait_for '\(yes/no\):' 20
screen | grep -qF "$fp" || fail "the question lacks the fingerprint $fp: $(screen)"
keys maybe Enter
wait_for "Please type 'yes' or 'no'" 5
keys no Enter
cli_wait
[ "$exit_status" = 1 ] || fail "declined on a terminal: exit $exit_status, expected 1: $(cat "$test_state/out")"
grep -q "was declined" "$test_state/out" || fail "no 'declined' message: $(cat "$test_state/out")"
[ ! -s "$known" ] || fail "known_hosts was written after 'no': $(cat "$known")"
tui_stop
ok "run on a terminal: asked with the fingerprint, asked again on 'maybe', refused on 'no'"

cli_start -c "$conf" run -r native@test -w cpu -n 1 -t 1
wait_for '\(yes/no\):' 20
keys yes Enter
cli_wait
[ "$exit_status" = 0 ] || fail "accepted on a terminal: exit $exit_status: $(cat "$test_state/out")"
grep -Eq '^native +test +cpu +rate +events/s +1 +[0-9]' "$test_state/out" || fail "no result for native on test: $(cat "$test_state/out")"
grep -q "$key" "$known" || fail "the accepted key is not in known_hosts"
tui_stop
ok "run on a terminal: 'yes' adds the key and the run goes through"

# 2. The TUI: declined once for every runtime on the host.
: >"$known"
experiment tui-remote '"native"' '"cpu"' 2.0
tui_start 120 40 -c "$conf" -c "$test_state/test.conf" --host test
wait_for 'Remote host' 20
s=$(screen)
printf '%s\n' "$s" | grep -qF "$fp" || fail "the dialog lacks the fingerprint $fp: $s"
printf '%s\n' "$s" | grep -q 'native@test' || fail "the runtimes are not listed as RUNTIME@HOST: $s"
keys n
wait_gone 'Remote host' 5
# Every other runtime's probe meets the same key: none may ask again.
for ((i = 0; i < 50; i++)); do
	screen | grep -q 'Remote host' && fail "asked a second time about the same key: $(screen)"
	screen | grep -q 'probing' || break
	sleep 0.2
done
[ ! -s "$known" ] || fail "known_hosts was written after 'n'"
keys q
wait_exit 10
exited_ok || fail "quitting after 'n': exit $exit_status"
tui_stop
ok "TUI: the host key asked once in a dialog with its fingerprint; 'n' writes nothing"

# 3. The TUI: accepted, then a run on the host.
tui_start 120 40 -c "$conf" -c "$test_state/test.conf" --host test
wait_for 'Remote host' 20
keys y
wait_gone 'Remote host' 5
# Each runtime is probed over its own link to the host's agent.
wait_for '\[x\] native@test' 120
# Every runtime of the host was probed over one connection, kept open for
# the next: one agent there, one directory.
for ((i = 0; i < 100; i++)); do
	screen | grep -q 'probing' || break
	sleep 0.2
done
agents=$(pgrep -fc "$remote_tmp/isolab-agent\.[A-Za-z0-9]+/isolab-agent agent" || true)
[ "$agents" = 1 ] || fail "$agents agents on the host after the probes, expected the one kept: $(remote_leftovers)"
start_last_experiment
wait_for 'Mean ± 95% CI' 60
wait_for 'native@test +cpu +rate +[0-9.]+[kM]? ± ' 5
grep -q "$key" "$known" || fail "the key accepted in the TUI is not in known_hosts"
[ "$(grep -c "$key" "$known")" -eq 1 ] || fail "the key was added more than once: $(cat "$known")"
keys q
wait_exit 10
exited_ok || fail "quitting after the run: exit $exit_status"
tui_stop
ok "TUI: 'y' adds the key once and a run on the host shows its result"
[ -z "$(remote_leftovers)" ] || fail "left behind on the remote side: $(remote_leftovers)"

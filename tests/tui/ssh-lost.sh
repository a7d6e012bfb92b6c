#!/bin/bash
# A link that dies mid-run in the TUI (the sshd processes serving it are
# killed, tests/integration/ssh-lib.sh): the interface stays up and says so
# on the dashboard and in the messages, naming the host and the reason,
# and the run ends with that instance failed while the samples so far stay
# in the journal.
. "$top_srcdir/tests/tui/lib.sh"
. "$top_srcdir/tests/integration/ssh-lib.sh"
trap 'tm kill-server 2>/dev/null; stop_sshd; rm -rf "${cleanup_dirs[@]}"' EXIT
trust_host_key

experiment tui-lost '"native"' '"cpu"' 30.0
tui_start 120 40 -c "$conf" -c "$test_state/test.conf" --host test
wait_for '\[x\] native@test' 120
start_last_experiment
wait_for 'native@test cpu rep 1 +t=3s' 30
for c in $(pgrep -P "$sshd_pid"); do kill -KILL "$c"; done
wait_for 'lost the connection to test' 30
s=$(screen)
printf '%s\n' "$s" | grep -q 'isolab  1 Setup' || fail "the interface is not whole after the link died: $s"
keys 5
wait_for 'failed: .*lost the connection to' 5
wait_for 'finished: 1 of 1 instances, 1 failed' 30
j=$test_state/runs/$(basename "$(readlink "$test_state/runs/latest")")/journal.jsonl
samples=$(grep -c '"type":"sample"' "$j")
[ "$samples" -ge 3 ] || fail "the journal lost its samples ($samples)"
ok "the dead link is shown (dashboard and messages) and $samples samples stay in the journal"
keys q
wait_exit 10
exited_ok || fail "quitting after a lost link: exit $exit_status"
for i in $(seq 50); do [ -z "$(remote_leftovers)" ] && break; sleep 0.2; done
[ -z "$(remote_leftovers)" ] || fail "left behind on the remote side: $(remote_leftovers)"
ok "the TUI quits cleanly and nothing is left on the remote side"

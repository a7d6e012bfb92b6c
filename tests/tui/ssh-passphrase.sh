#!/bin/bash
# A passphrase-protected identity file, against a real sshd on 127.0.0.1
# (tests/integration/ssh-lib.sh): the passphrase is asked where a person
# is watching and never shown or kept.
#  - `isolab run` on a terminal asks for it without echo: a wrong one is
#    refused with the reason, the right one runs;
#  - the TUI with --host asks in a dialog that shows stars, once for every
#    runtime on the host (the key is read once per process), and the runs
#    go through.
. "$top_srcdir/tests/tui/lib.sh"
. "$top_srcdir/tests/integration/ssh-lib.sh"
trap 'tm kill-server 2>/dev/null; stop_sshd; rm -rf "${cleanup_dirs[@]}"' EXIT
trust_host_key
pass=correct-horse-42
ssh-keygen -q -t ed25519 -N "$pass" -C isolab-test-locked -f "$ssh_dir/locked_key" || fail "ssh-keygen"
cat "$ssh_dir/locked_key.pub" >>"$ssh_dir/authorized_keys"
sed -i "s|identity = \"$client_key\"|identity = \"$ssh_dir/locked_key\"|" "$conf"
grep -q locked_key "$conf" || fail "the test configuration does not name the locked key"

# 1. The command line: a wrong passphrase, then the right one.
cli_start -c "$conf" run -r native@test -w cpu -n 1 -t 1
wait_for '[Pp]assphrase' 20
keys wrong-one Enter
cli_wait
[ "$exit_status" = 1 ] || fail "a wrong passphrase: exit $exit_status, expected 1: $(cat "$test_state/out")"
grep -q "cannot read the identity file .*locked_key.*passphrase" "$test_state/out" ||
	fail "no reason for the wrong passphrase: $(cat "$test_state/out")"
screen | grep -q wrong-one && fail "the passphrase was echoed: $(screen)"
tui_stop
cli_start -c "$conf" run -r native@test -w cpu -n 1 -t 1
wait_for '[Pp]assphrase' 20
keys "$pass" Enter
cli_wait
[ "$exit_status" = 0 ] || fail "the right passphrase: exit $exit_status: $(cat "$test_state/out")"
screen | grep -q "$pass" && fail "the passphrase was echoed: $(screen)"
grep -rq "$pass" "$test_state" && fail "the passphrase was written to the state directory"
tui_stop
ok "run on a terminal: passphrase asked without echo; wrong refused, right runs"

# 2. The TUI: one dialog with stars for all the runtimes on the host.
experiment tui-locked '"native"' '"cpu"' 2.0
tui_start 120 40 -c "$conf" -c "$test_state/test.conf" --host test
wait_for 'Remote host' 30
screen | grep -q '[Pp]assphrase' || fail "the dialog does not ask for the passphrase: $(screen)"
keys "$pass"
wait_for '\*{16}_' 5
screen | grep -q "$pass" && fail "the dialog shows the passphrase: $(screen)"
keys Enter
wait_gone 'Remote host' 5
wait_for '\[x\] native@test' 120
screen | grep -q 'Remote host' && fail "asked a second time: $(screen)"
start_last_experiment
wait_for 'Mean ± 95% CI' 60
keys q
wait_exit 15
exited_ok || fail "quitting: exit $exit_status"
tui_stop
grep -rq "$pass" "$test_state" && fail "the passphrase was written to the state directory"
ok "TUI: one passphrase dialog (stars only) for every runtime on the host, then a run"
[ -z "$(remote_leftovers)" ] || fail "left behind on the remote side: $(remote_leftovers)"

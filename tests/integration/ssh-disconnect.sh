#!/bin/bash
# The link dies mid-run: the sshd child serving the connection is killed.
# The remote side must leave no process and no resource behind; the local
# journal keeps the samples measured so far and marks the instance failed
# with the reason.
. "$top_srcdir/tests/integration/ssh-lib.sh"
trust_host_key
out=$test_state/out

isolab -c "$conf" run -r native@test -w cpu -n 1 -t 30 >"$out" 2>&1 &
run_pid=$!
# Wait for a few samples of the remote instance.
j=
for i in $(seq 150); do
	l=$(readlink "$test_state/runs/latest" 2>/dev/null) && j=$test_state/runs/$(basename "$l")/journal.jsonl
	[ -n "$j" ] && [ -f "$j" ] && [ "$(grep -c '"type":"sample"' "$j")" -ge 3 ] && break
	sleep 0.2
done
[ -n "$j" ] && [ "$(grep -c '"type":"sample"' "$j")" -ge 3 ] || { kill $run_pid; cat "$out"; fail "no samples came"; }
[ -n "$(remote_leftovers)" ] || fail "the remote agent is not visible while it runs"

# Kill the sshd processes serving the connection (children of our sshd only).
for c in $(pgrep -P "$sshd_pid"); do kill -KILL "$c"; done

for i in $(seq 100); do kill -0 $run_pid 2>/dev/null || break; sleep 0.2; done
if kill -0 $run_pid 2>/dev/null; then
	kill $run_pid
	fail "isolab did not notice the dead link within 20 s"
fi
wait $run_pid
rc=$?
cat "$out"
[ $rc -eq 1 ] || fail "a lost link: exit $rc, expected 1"
samples=$(grep -c '"type":"sample"' "$j")
[ "$samples" -ge 3 ] || fail "the journal lost its samples ($samples)"
grep '"type":"end"' "$j" | grep '"status":"failed"' | grep -q "lost the connection to test" ||
	fail "the instance is not marked failed with the reason"
ok "local journal keeps $samples samples; the instance failed with the reason"

# The agent notices its channel closed and tears everything down.
for i in $(seq 50); do [ -z "$(remote_leftovers)" ] && break; sleep 0.2; done
left=$(remote_leftovers)
[ -z "$left" ] || fail "left behind on the remote side: $left"
ok "nothing left behind remotely"

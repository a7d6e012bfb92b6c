#!/bin/bash
# The link dies (the sshd processes serving the connection are SIGKILLed)
# at each moment of a remote run on a host without isolab, where the agent
# is uploaded:
#  1. before the guard shell has said the name of the agent's directory
#     (it makes the directory once the link is already dead);
#  2. once the directory is made, before the upload starts;
#  3. in the middle of the upload;
#  4. while the agent runs the workload.
# Each time isolab fails the instance with the reason and the remote side
# is left with nothing: no directory, no agent, no workload, no data
# directory, no resource journal (ssh-lib.sh's remote_leftovers, which
# sees only this test's). In 4 the local journal keeps the samples
# measured so far.
#
# The moments are held by this test's sshd: ForceCommand runs every
# command through a gate that, when told to, waits before running the
# guard or the sftp server, or lets the sftp server read only the start of
# the upload; the test kills the link while it waits, then lets it go on.
# The commands themselves are isolab's, unchanged.
. "$top_srcdir/tests/integration/lib.sh"
sftp_server=
for f in /usr/lib/openssh/sftp-server /usr/libexec/openssh/sftp-server /usr/lib/ssh/sftp-server; do
	[ -x "$f" ] && sftp_server=$f && break
done
[ -n "$sftp_server" ] || skip "no sftp-server program (apt-get install openssh-sftp-server)"
gate=$test_state/gate
mkdir -p "$gate"
cat >"$gate/force" <<EOF
#!/bin/bash
# ForceCommand: runs the client's command, held where $gate/mode says.
cmd=\$SSH_ORIGINAL_COMMAND
hold() { touch "$gate/held"; while [ ! -e "$gate/go" ] && [ -d "$gate" ]; do sleep 0.05; done; }
case "\$(cat "$gate/mode" 2>/dev/null),\$cmd" in
guard,*isolab-agent.XXXXXXXX*) hold; bash -c "\$cmd" ;;
sftp,*sftp-server) hold; "\$cmd" ;;
upload,*sftp-server) { dd bs=65536 count=200000 iflag=count_bytes status=none; hold; } | "\$cmd" ;;
*) exec bash -c "\$cmd" ;;
esac
touch "$gate/done"
EOF
chmod 755 "$gate/force"
ssh_sftp=$sftp_server
ssh_extra_config="ForceCommand $gate/force"
. "$top_srcdir/tests/integration/ssh-lib.sh"
trust_host_key
out=$test_state/out

# Kills the sshd sessions and waits until each is dead (its sockets closed).
kill_link() {
	local c i pids
	pids=$(pgrep -P "$sshd_pid")
	for c in $pids; do kill -KILL "$c"; done
	for c in $pids; do
		for i in $(seq 50); do grep -q '^State:.*[ZX]' "/proc/$c/status" 2>/dev/null || [ ! -e "/proc/$c" ] && break; sleep 0.1; done
	done
}
# No leftovers within 10 s, else fail naming them and the moment.
assert_clean() {
	local i left
	for i in $(seq 50); do [ -z "$(remote_leftovers)" ] && break; sleep 0.2; done
	left=$(remote_leftovers)
	[ -z "$left" ] || fail "$1: left behind on the remote side: $left"
}
# isolab's run ends within 20 s, failed (exit 1), the instance marked failed.
wait_failed() {
	local i rc
	for i in $(seq 100); do kill -0 $run_pid 2>/dev/null || break; sleep 0.2; done
	if kill -0 $run_pid 2>/dev/null; then
		kill $run_pid
		fail "$1: isolab did not notice the dead link within 20 s"
	fi
	wait $run_pid
	rc=$?
	cat "$out"
	[ $rc -eq 1 ] || fail "$1: a lost link: exit $rc, expected 1"
	grep -q "rep 1  failed" "$out" || fail "$1: the instance is not marked failed"
}

# 1-3: held at a moment of the start-up, the link killed there.
for mode in guard sftp upload; do
	rm -f "$gate/held" "$gate/go" "$gate/done"
	echo "$mode" >"$gate/mode"
	"$ISOLAB" --state-dir "$test_state" -c "$conf" run -r native@test -w cpu -n 1 -t 2 >"$out" 2>&1 &
	run_pid=$!
	for i in $(seq 900); do [ -e "$gate/held" ] || ! kill -0 $run_pid 2>/dev/null && break; sleep 0.1; done
	[ -e "$gate/held" ] || { kill $run_pid; cat "$out"; fail "$mode: isolab never reached the moment"; }
	dirs=$(ls -d "$remote_tmp"/isolab-agent.* 2>/dev/null)
	case "$mode" in
	guard) [ -z "$dirs" ] || fail "guard: a directory exists before the guard ran: $dirs"
		what="before the guard named the directory" ;;
	sftp) [ -n "$dirs" ] && [ -z "$(ls -A $dirs)" ] || fail "sftp: not one empty directory before the upload: $dirs"
		what="with the directory made, before the upload" ;;
	upload)
		sleep 0.5 # the sftp server writes what it was given
		size=$(stat -c %s "$dirs/isolab-agent" 2>/dev/null || echo 0)
		full=$(stat -c %s "$top_builddir/isolab-agent")
		[ "$size" -gt 0 ] && [ "$size" -lt "$full" ] || fail "upload: not part of the agent uploaded ($size of $full bytes)"
		what="in the middle of the upload ($size of $full bytes)" ;;
	esac
	kill_link
	touch "$gate/go"
	wait_failed "$mode"
	# The held command has run its course on the dead link (the guard
	# made and said its directory, the sftp server met its end of input).
	for i in $(seq 100); do [ -e "$gate/done" ] && break; sleep 0.1; done
	[ -e "$gate/done" ] || fail "$mode: the held command did not finish within 10 s"
	assert_clean "$mode"
	ok "the link died $what: the run failed and nothing is left on the remote side"
done
rm -f "$gate/mode"

# 4. While the agent runs: wait for a few samples of the remote instance.
"$ISOLAB" --state-dir "$test_state" -c "$conf" run -r native@test -w cpu -n 1 -t 30 >"$out" 2>&1 &
run_pid=$!
j=
for i in $(seq 450); do
	l=$(readlink "$test_state/runs/latest" 2>/dev/null) && j=$test_state/runs/$(basename "$l")/journal.jsonl
	[ -n "$j" ] && [ -f "$j" ] && [ "$(grep -c '"type":"sample"' "$j")" -ge 3 ] && break
	sleep 0.2
done
[ -n "$j" ] && [ "$(grep -c '"type":"sample"' "$j")" -ge 3 ] || { kill $run_pid; cat "$out"; fail "no samples came"; }
left=$(remote_leftovers)
echo "$left" | grep -q "isolab-agent agent" && echo "$left" | grep -q "isolab-probe cpu" ||
	fail "the remote agent and its workload are not visible while they run: $left"
kill_link
wait_failed "while the agent runs"
samples=$(grep -c '"type":"sample"' "$j")
[ "$samples" -ge 3 ] || fail "the journal lost its samples ($samples)"
grep '"type":"end"' "$j" | grep '"status":"failed"' | grep -q "lost the connection to test" ||
	fail "the instance is not marked failed with the reason"
ok "local journal keeps $samples samples; the instance failed with the reason"
# The agent notices its channel closed and tears everything down.
assert_clean "while the agent runs"
ok "the link died while the agent ran: nothing left behind remotely"

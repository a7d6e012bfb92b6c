#!/bin/bash
# The Labs screen: 6 opens it, a lab's question and explanation show, Enter
# runs it (the gVisor system-call lab where runsc can run, else the
# container-vs-metal lab), and when the run ends the screen comes back with
# the verdict computed from the lab's rules next to the explanation. The
# interface's frame times reach the journal while it runs.
. "$top_srcdir/tests/tui/lib.sh"
command -v python3 >/dev/null || skip "python3 is needed to read the journal"

lab=lab-container-metal title='Is a container as fast as bare metal' words='namespaces'
if [ "$(id -u)" -eq 0 ] && "$ISOLAB" list runtimes 2>/dev/null | awk '$1 == "gvisor" && $3 == "available"' | grep -q .; then
	lab=lab-gvisor-syscalls title='Why are system calls slow in gVisor' words='Sentry'
elif ! { [ "$(id -u)" -eq 0 ] && "$ISOLAB" list runtimes 2>/dev/null | awk '$1 == "runc" && $3 == "available"' | grep -q .; }; then
	skip "neither runsc nor runc can run here (root and an OCI runtime are needed)"
fi
# The shipped lab, text unchanged, made short: one repetition of one second.
{
	echo 'experiments = {'
	awk -v l="  $lab = {" '$0 == l { on = 1 } on { print } on && $0 == "  };" { exit }' "$top_srcdir/experiments/labs.conf" |
		sed -E 's/repetitions = [0-9]+;/repetitions = 1;/; s/duration = [0-9.]+;/duration = 1.0;/'
	echo '};'
} >"$test_state/lab.conf"
grep -q "repetitions = 1;" "$test_state/lab.conf" || fail "cannot cut $lab out of labs.conf"

tui_start 120 50 -c "$test_state/lab.conf"
wait_for ' 6 Labs ' 5
keys 6
wait_for 'How it works' 3
# Choose the lab: the text pane's first line (screen line 2) is its title.
for ((i = 0; i < 12; i++)); do
	screen | sed -n 2p | grep -q "$title" && break
	keys Down
	sleep 0.2
done
screen | sed -n 2p | grep -q "$title" || fail "could not select $lab: $(screen)"
wait_for 'How it works' 2
screen | grep -q "$words" || fail "the explanation of $lab is not shown"
keys Enter
wait_for 'Dashboard|rep 1' 5
wait_for 'Verdict: This' 60
s=$(screen)
printf '%s\n' "$s" | grep -Eq 'Verdict: This (machine agreed|machine did not agree|run cannot tell)' || fail "no plain verdict: $s"
printf '%s\n' "$s" | grep -q 'Measured on this machine' || fail "no measured result: $s"
printf '%s\n' "$s" | grep -Eq '\[(agreed|did not agree|could not tell)\]' || fail "no rule line: $s"
printf '%s\n' "$s" | grep -q 'How it works' || fail "the explanation is not shown beside the verdict: $s"
printf '%s\n' "$s" | grep -q "$words" || fail "the explanation text is missing: $s"
ok "$lab: explanation and verdict on the Labs screen"

python3 - "$test_state" <<'PY' || fail "no ui records (frame times) in the journal"
import glob, json, sys
j = glob.glob(sys.argv[1] + "/runs/2*/journal.jsonl")[0]
ui = [json.loads(l) for l in open(j) if '"type":"ui"' in l]
assert ui and all(r["frame_ms_max"] >= r["frame_ms_p50"] >= 0 for r in ui), ui
print("ui records: %d, slowest frame %.1f ms" % (len(ui), max(r["frame_ms_max"] for r in ui)))
PY
ok "frame times journaled"
screen >"$test_state/final.screen"
keys q
wait_exit 10
exited_ok || fail "exit $exit_status"

#!/bin/bash
# The sandbox runtime runs cpu, syscall and start for real; the report has
# their rows, the samples attribute the probe to the workload and the
# sandbox's own processes to the runtime, and nothing is left behind.
. "$top_srcdir/tests/integration/sandbox-lib.sh"

out=$test_state/out
isolab run -r sandbox -w cpu,syscall,start -n 1 -t 2 >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] || fail "isolab run exited $rc"
grep -Eq '^sandbox +cpu +rate +events/s +1 ' "$out" || fail "no sandbox cpu rate row"
grep -Eq '^sandbox +syscall +rate +calls/s +1 ' "$out" || fail "no sandbox syscall rate row"
grep -Eq '^sandbox +start ' "$out" || fail "no sandbox start row"
dir=$(run_dir)
run=$(basename "$dir")
[ "$(grep '"type":"end"' "$dir/journal.jsonl" | grep -c '"status":"ok"')" -eq 3 ] || fail "not every instance ended ok"
grep '"type":"sample"' "$dir/journal.jsonl" | grep -q '"comm":"isolab-probe","role":"workload"' ||
	fail "samples do not list the probe as the workload"
grep '"type":"sample"' "$dir/journal.jsonl" | grep -q '"comm":"isolab-sandbox","role":"runtime"' ||
	fail "samples do not list the sandbox process as the runtime"
assert_no_leftovers "$run"
ok "sandbox runs cpu, syscall and start"

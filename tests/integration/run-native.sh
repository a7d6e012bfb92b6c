#!/bin/bash
# End to end: `isolab run -r native -w cpu,syscall -n 2 -t 2`, then the
# report, the journal and the exports it leaves behind.
. "$top_srcdir/tests/integration/lib.sh"

out=$test_state/out
isolab run -r native -w cpu,syscall -n 2 -t 2 --json "$test_state/r.json" --csv "$test_state/r.csv" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] || fail "isolab run exited $rc"

# The report: one row per workload metric, n=2, with a mean.
grep -Eq '^native +cpu +rate +events/s +2 ' "$out" || fail "no 'native cpu rate events/s 2' row in the report"
grep -Eq '^native +syscall +rate +calls/s +2 ' "$out" || fail "no 'native syscall rate calls/s 2' row"
cpu_mean=$(awk '$1=="native" && $2=="cpu" && $3=="rate" {print $6}' "$out")
awk -v m="$cpu_mean" 'BEGIN { exit !(m > 10) }' || fail "cpu mean '$cpu_mean' events/s is not plausible"

run=$(ls "$test_state/runs" | grep -v latest)
dir=$test_state/runs/$run
[ -s "$dir/env.json" ] || fail "no env.json"
grep -q '"kernel"' "$dir/env.json" || fail "env.json has no kernel"
# 4 instances, each with an end record marked ok, and samples with processes.
[ "$(grep -c '"type":"end"' "$dir/journal.jsonl")" -eq 4 ] || fail "expected 4 end records"
[ "$(grep '"type":"end"' "$dir/journal.jsonl" | grep -c '"status":"ok"')" -eq 4 ] || fail "not every instance ended ok"
grep '"type":"sample"' "$dir/journal.jsonl" | grep -q '"comm":"isolab-probe"' || fail "samples do not list the probe process"
grep -q '"type":"run_end"' "$dir/journal.jsonl" || fail "no run_end record"

# The exports parse and agree with the table.
python3 -c "
import json,sys
r=json.load(open('$test_state/r.json'))
rows=[x for x in r['rows'] if x['runtime']=='native' and x['workload']=='cpu' and x['metric']=='rate']
assert rows and rows[0]['n']==2, rows
" || fail "JSON export is wrong"
grep -q '^runtime,' "$test_state/r.csv" || fail "CSV export has no header"

# `isolab report` reprints the same run.
isolab report >"$test_state/rep" 2>&1 || fail "isolab report failed"
grep -q "$run" "$test_state/rep" || fail "isolab report does not show the latest run"

# The progress lines' columns line up whatever the names' lengths: a
# runtime named longer than the usual width (here 27 characters).
cat >"$test_state/long.conf" <<'CONF'
runtimes = { native-under-a-longer-name = { driver = "native"; }; };
CONF
isolab -c "$test_state/long.conf" run -r native,native-under-a-longer-name -w syscall -n 1 -t 1 >"$test_state/long" 2>&1 ||
	{ cat "$test_state/long"; fail "the run with a long runtime name failed"; }
cols=$(grep '^\[' "$test_state/long" | awk '{ print index($0, " rep 1 ") }' | sort -u)
[ "$(grep -c '^\[' "$test_state/long")" -eq 2 ] && [ "$(echo "$cols" | wc -l)" -eq 1 ] ||
	fail "the progress lines' columns do not line up: $(grep '^\[' "$test_state/long")"
ok "native run, report, journal and exports"

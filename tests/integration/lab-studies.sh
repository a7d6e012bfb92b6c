#!/bin/bash
# lab-studies.sh — the labs that reproduce the studies' designs on the
# container runtimes, each at a small size, each rule reaching a verdict
# (agreed or did not agree: every runtime they name runs here):
# lab-fair-share (four instances on two cores, equal weights and a quarter
# of a CPU each: Jain's index and the quota) and lab-threads (a sweep over
# threads, runc against native).
. "$top_srcdir/tests/integration/sandbox-lib.sh"
. "$top_srcdir/tests/integration/lab-lib.sh"
[ "$(nproc --all)" -ge 2 ] || skip "the labs share cores 0-1: this machine has one CPU"
for rt in sandbox runc; do
	isolab list runtimes 2>/dev/null | awk -v rt=$rt '$1 == rt && $3 == "available"' | grep -q . ||
		fail "the $rt runtime is not available: $(isolab list runtimes 2>&1 | grep "^$rt ")"
done
out=$test_state/out

# run_lab NAME ARGS... then each expected rule text: a verdict on each.
verdicts() {
	local lab=$1 rule
	shift
	for rule in "$@"; do
		lab_verdict "$rule"
	done
	ok "$lab: $(lab_outcomes)"
}

isolab lab run lab-fair-share -t 2 -n 2 -q >"$out" 2>&1
[ $? -le 1 ] || fail "lab-fair-share exited badly: $(cat "$out")"
verdicts lab-fair-share "four sandboxes of equal weight share two cores evenly" \
	"four runc containers of equal weight share two cores evenly" "a quarter of a CPU holds"
grep -Eq "sandbox/equal cpu rate: Jain's index (0\.9[0-9]{2}|1\.000)" "$out" ||
	fail "lab-fair-share: Jain's index not shown: $(cat "$out")"
# Each instance against its entitlement: half of cores 0-1 by weight, a
# quarter by quota, which a capped instance cannot pass.
isolab report --json "$test_state/fair.json" >"$out" 2>&1 || fail "report of lab-fair-share: $(cat "$out")"
grep -q "^  sandbox/cpu equal: entitled 0.50 CPU, used " "$out" &&
	grep -q "^  runc/cpu quarter: entitled 0.25 CPU, used " "$out" || fail "no entitlements: $(cat "$out")"
python3 - "$test_state/fair.json" <<'EOF' || fail "lab-fair-share: the entitlements are wrong"
import json, sys
ents = {(e["runtime"], e["variant"]): e for e in json.load(open(sys.argv[1]))["entitlements"]}
for rt in ("sandbox", "runc"):
    eq, qu = ents[(rt, "equal")], ents[(rt, "quarter")]
    if abs(eq["entitled_cpus"] - 0.5) > 1e-9 or abs(qu["entitled_cpus"] - 0.25) > 1e-9 or eq["n"] != 8:
        print("FAIL: %s: %s %s" % (rt, eq, qu)); sys.exit(1)
    if qu["highest_pct"] > 110 or qu["lowest_pct"] < 50:
        print("FAIL: %s quarter used %.0f%% to %.0f%% of its quota" % (rt, qu["lowest_pct"], qu["highest_pct"])); sys.exit(1)
print("ok: quarter used %s" % [(rt, round(ents[(rt, "quarter")]["lowest_pct"]), round(ents[(rt, "quarter")]["highest_pct"])) for rt in ("sandbox", "runc")])
EOF

isolab lab show lab-threads >"$out" 2>&1 || fail "lab show lab-threads: $(cat "$out")"
grep -q "^  swept: threads = 1, 2, 4, a group and a report row per value$" "$out" ||
	fail "lab show does not give the sweep: $(cat "$out")"
isolab lab run lab-threads -t 1 -n 2 -q >"$out" 2>&1
[ $? -le 1 ] || fail "lab-threads exited badly: $(cat "$out")"
verdicts lab-threads "with 1 thread, runc reaches 80-90% of native" "with 2 threads, runc reaches 80-90%" \
	"with 4 threads, runc reaches 80-90%"
grep -q "runc/threads=4 cpu rate = " "$out" || fail "lab-threads: no threads=4 figure: $(cat "$out")"
for run in "$test_state"/runs/2*; do
	assert_no_leftovers "$(basename "$run")"
done
ok "nothing left behind"

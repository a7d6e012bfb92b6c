#!/bin/bash
# lab-postgres-scale.sh — lab-postgres-scale's container half at the lab's
# own N = 1, 2, 4, 8 PostgreSQL servers in runc, with 3 s windows:
#  - each step has its N instances' rows and its aggregate;
#  - all eight ran together ("8 of 8"), over the step's common window;
#  - the rule on the aggregate (eight together against one) reaches a
#    verdict, judged on the sum, not the per-instance mean.
# The VM half (eight VMs, each booting a kernel and starting PostgreSQL)
# is not run here: under TCG it takes minutes, and its rule is about
# hardware-assisted VMs, so there it can only say "cannot tell".
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/runtimes-lib.sh"
. "$top_srcdir/tests/integration/lab-lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (runc, cgroups)"
need_pkgs postgresql postgresql-client || skip "cannot install postgresql and postgresql-client"
[ -x /usr/lib/postgresql/15/bin/postgres ] || skip "PostgreSQL 15 is not where workloads/postgresql.conf looks (pgbin)"
need_runtime runc
out=$test_state/out

isolab lab run lab-postgres-scale -r runc -t 3 -q >"$out" 2>&1
[ $? -le 1 ] || fail "lab-postgres-scale exited badly: $(cat "$out")"
rule="eight containers together keep at least 70% of the total throughput of one"
lab_verdict "$rule"
for n in 1 2 4 8; do
	grep -Eq "^runc +N=$n +postgresql +rate +tps +$n +[0-9.]+ .* [0-9.]+ +- " "$out" ||
		fail "no N=$n rate row with its aggregate: $(grep -E '^runc +N=' "$out" | head -8)"
done
grep -q "^fit: runc/postgresql: 8 of 8 instances ran together$" "$out" || fail "the eight did not run together: $(grep '^fit' "$out")"
# The rule judged the aggregates: N=8's sum over N=1's, as the rows give them.
agg() { awk -v n="N=$1" '$1 == "runc" && $2 == n && $4 == "rate" { print $(NF-2) }' "$out"; }
a1=$(agg 1) a8=$(agg 8)
grep -A2 -E "^  \[[a-z ]+\] $rule" "$out" | tr -s ' \n' ' ' |
	grep -q "runc/N=8 postgresql aggregate.rate = [0-9.,]* tps, runc/N=1 = [0-9.,]*: ratio" ||
	fail "the verdict is not on the aggregates ($a8 against $a1): $(grep -A3 -E "^  \[[a-z ]+\] $rule" "$out")"
run=$(latest_run)
[ "$(grep -c '"type":"end"' "$run/journal.jsonl")" -eq 15 ] &&
	[ "$(grep '"type":"end"' "$run/journal.jsonl" | grep -vc '"status":"ok"')" -eq 0 ] ||
	fail "not 15 instances (1+2+4+8) ended ok: $(grep '"type":"end"' "$run/journal.jsonl" | grep -v '"status":"ok"')"
assert_nothing_left "$(basename "$run")"
ok "lab-postgres-scale, runc: aggregate $a1 tps at N=1, $a8 at N=8: $(lab_outcomes)"

#!/bin/bash
# report-compare.sh — `isolab report A --against B` on two journals made
# for it (tests/data/journal/compare-a, compare-b; see test_compare.c for
# the numbers): the verdict of every cell, the environments' differences,
# --fail-on-regression's exit status with one regression and without,
# --min-effect, the comparison as JSON and in the HTML page, and bad usage.
. "$top_srcdir/tests/integration/lib.sh"

a=$top_srcdir/tests/data/journal/compare-a
b=$top_srcdir/tests/data/journal/compare-b
out=$test_state/out

isolab report "$a" --against "$b" >"$out" 2>&1 || fail "report --against exited $?: $(cat "$out")"
line() { # line RUNTIME METRIC VERDICT
	grep -Eq "^$1 +cpu +$2 .* $3\$" "$out" || fail "$1 $2 is not '$3': $(grep -E "^$1 +cpu +$2 " "$out")"
}
line native rate unchanged
line native lat worse
line runc rate better
line runc lat small
line crun rate "cannot tell"
line gvisor lat "only in B"
grep -q '^1 worse, 1 better, 1 unchanged, 1 small, 2 cannot tell, 2 in one run only$' "$out" ||
	fail "counts: $(tail -n 1 "$out")"
grep -q '^  kernel release: 6.1.0 (B) -> 6.18.0 (A)$' "$out" || fail "no kernel difference: $(cat "$out")"
grep -q '^  runtime runc: runc version 1.1.5 (B) -> runc version 1.1.12 (A)$' "$out" ||
	fail "no runc version difference"
ok "verdicts per cell and the environments' differences"

isolab report "$a" --against "$b" --fail-on-regression >"$out" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "--fail-on-regression with a regression exited $rc"
grep -q "1 cell of run 20261202-100000-a000 got significantly worse than run 20261201-100000-b000" "$out" ||
	fail "no regression message: $(tail -n 2 "$out")"
isolab report "$a" --against "$b" --fail-on-regression --min-effect 25 >"$out" 2>&1 ||
	fail "--min-effect 25 still failed: $(tail -n 3 "$out")"
line native lat small
# B against A: the regression is an improvement, runc's improvement a regression.
isolab report "$b" --against "$a" --fail-on-regression >"$out" 2>&1 && fail "B against A passed the gate"
line native lat better
line runc rate worse
ok "--fail-on-regression exits 1 on a regression, 0 when --min-effect puts it below the bar"

isolab report "$a" --against "$b" --json "$test_state/c.json" --html "$test_state/c.html" >"$out" 2>&1 ||
	fail "--json --html: $(cat "$out")"
grep -q '"verdict": "worse"' "$test_state/c.json" || fail "the JSON lacks the verdict"
grep -q '"worse": 1' "$test_state/c.json" || fail "the JSON lacks the counts"
grep -q '<h2>Against run 20261201-100000-b000</h2>' "$test_state/c.html" || fail "the page lacks the comparison"
grep -q '<td class="worse">worse</td>' "$test_state/c.html" || fail "the page lacks the worse cell"
ok "the comparison as JSON and in the page"

for bad in "--min-effect 5" "--fail-on-regression" "--against $b --min-effect -3" "--against $b --min-effect x" \
	"--against $b --csv $test_state/x.csv"; do
	# shellcheck disable=SC2086
	isolab report "$a" $bad >"$out" 2>&1
	rc=$?
	[ $rc -eq 2 ] || fail "report $bad exited $rc, not 2"
	[ "$(wc -l <"$out")" -eq 1 ] && grep -q '^isolab: report: ' "$out" || fail "report $bad: $(cat "$out")"
done
isolab report "$a" --against no-such-run >"$out" 2>&1 && fail "an unknown reference run passed"
grep -q "no-such-run" "$out" || fail "unknown run: $(cat "$out")"
ok "bad usage: one line, exit 2; an unknown run: exit 1"

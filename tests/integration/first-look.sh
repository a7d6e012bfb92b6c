#!/bin/bash
# first-look.sh — what ./quickstart runs without a terminal, `isolab run -e
# first-look`, at test size (-w start -t 1: one start of each runtime, where
# quickstart runs three workloads of 3 s), from the build tree with
# ISOLAB_DATADIR and ISOLAB_PROBE unset, so the program finds its data and
# its probe beside itself. The report names every runtime of the
# experiment that `isolab list runtimes` calls available; each one it
# calls missing is left out with its reason, and the run still succeeds.
. "$top_srcdir/tests/integration/lib.sh"

[ "$(id -u)" -eq 0 ] || skip "the container runtimes need root"
bare() { env -u ISOLAB_DATADIR -u ISOLAB_PROBE "$ISOLAB" --state-dir "$test_state" "$@"; }
cd /

bare list runtimes >"$test_state/list" 2>&1 || { cat "$test_state/list"; fail "isolab list runtimes failed without ISOLAB_DATADIR"; }
runtimes=$(bare list experiments | awk '$1 == "first-look" { print $5 }')
[ -n "$runtimes" ] || fail "no experiment first-look: $(bare list experiments 2>&1)"
t0=$(date +%s)
rc=0
bare run -e first-look -w start -t 1 -n 1 >"$test_state/out" 2>"$test_state/err" || rc=$?
cat "$test_state/err" "$test_state/out"
[ $rc -eq 0 ] || fail "isolab run -e first-look exited $rc"
avail=0
for rt in ${runtimes//,/ }; do
	status=$(awk -v r="$rt" '$1 == r { print $3 }' "$test_state/list")
	if [ "$status" = available ]; then
		grep -Eq "^$rt +start +startup_ms +ms +1 +[0-9.]+" "$test_state/out" ||
			fail "$rt is available, yet the report has no start-up row for it"
		avail=$((avail + 1))
	else
		grep -q "^isolab: left out $rt: ." "$test_state/err" || fail "$rt is $status, yet no line says it is left out and why"
		grep -q "^not run, as they cannot run here:.* $rt[ ]" "$test_state/out" || fail "the end of the run does not name $rt"
	fi
done
[ $avail -ge 2 ] || fail "only $avail of the experiment's runtimes can run here: $(cat "$test_state/list")"
ok "first-look: $avail available runtimes reported, the rest left out with the reason ($(( $(date +%s) - t0 )) s)"

#!/bin/sh
# isolab-probe(1) formats without warnings and documents every benchmark
# and option that --help lists.
. "${top_srcdir:-.}/tests/integration/probe-lib.sh"

page="${top_srcdir:-.}/man/isolab-probe.1"
[ -f "$page" ] || fail "no $page"
command -v man >/dev/null || skip "man (man-db) is not installed"
man --warnings -l "$page" >/dev/null 2>"$tmp/warn"
[ -s "$tmp/warn" ] && { cat "$tmp/warn"; fail "man --warnings reports problems"; }
echo "ok: no groff warnings"

"$PROBE" --help >"$tmp/help"
for opt in $(grep -o -- '--[a-z][a-z-]*' "$tmp/help" | sort -u); do
	esc=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
	grep -q -- "$esc" "$page" || fail "option $opt is not in the man page"
done
for bench in $(sed -n '/^Benchmarks:/,/^$/s/^  \([a-z-]*\) .*/\1/p' "$tmp/help"); do
	grep -q "^\\.B $(printf '%s' "$bench" | sed 's/-/\\\\-/g')\$" "$page" || fail "benchmark $bench is not in the man page"
done
for unit in 'events/s' 'MB/s' 'Mbit/s' iops 'calls/s' 'roundtrips/s' 'forks/s' 'files/s'; do
	grep -q "$unit" "$page" || fail "rate unit $unit is not in the man page"
done
echo "ok: every option, benchmark and unit documented"
exit 0

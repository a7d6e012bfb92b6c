#!/bin/bash
# man/isolab.1 renders without warnings and documents every command.
. "$top_srcdir/tests/integration/lib.sh"
command -v man >/dev/null || skip "man is not installed (apt-get install man-db)"
page=$top_srcdir/man/isolab.1
warn=$(man --warnings -l "$page" 2>&1 >/dev/null)
[ -z "$warn" ] || fail "man warnings: $warn"
text=$(MANWIDTH=100 man -l "$page" 2>/dev/null)
for cmd in run report list config tui; do
	"$ISOLAB" --help | grep -q "^  $cmd " || fail "isolab --help has no $cmd"
	grep -q "isolab $cmd" <<<"$text" || fail "man isolab does not document '$cmd'"
done
ok "man isolab"

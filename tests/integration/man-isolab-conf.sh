#!/bin/bash
# man/isolab.conf.5 must render without a single groff or man warning (a
# warning usually means text silently lost or misformatted), and its
# DRIVERS section must list exactly the options the drivers declare
# (`isolab list drivers`, from each driver's table), each with its type.
page="${top_srcdir:-.}/man/isolab.conf.5"
if ! command -v man >/dev/null 2>&1; then
	echo "SKIP: man is not installed"
	exit 77
fi
out=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
if [ -n "$out" ]; then
	printf '%s\n' "$out"
	exit 1
fi

fail() { echo "FAIL: $*"; exit 1; }
declared=$("$ISOLAB" list drivers) || fail "isolab list drivers failed"
# "driver option heading" for each option under .SH DRIVERS: a driver is a
# .TP heading outside .RS, an option one inside its .RS ... .RE.
documented=$(awk '
	/^\.SH / { in_drivers = ($2 == "DRIVERS"); next }
	!in_drivers { next }
	/^\.RS/ { depth++; next }
	/^\.RE/ { depth--; next }
	/^\.TP/ { heading = 1; next }
	heading {
		heading = 0
		if (depth == 0 && $1 == ".B") driver = $2
		else if (depth == 1 && ($1 == ".B" || $1 == ".BR")) {
			name = $2; $1 = ""; $2 = ""
			print driver, name, $0
		}
	}' "$page")
[ -n "$documented" ] || fail "no driver options found in the DRIVERS section of $page"

# One awk for the comparison: declared options first, then documented ones.
n=$(awk '
	FNR == NR {
		if ($1 == "DRIVER" || $2 == "-") next
		key = $1 " " $2
		if ($3 == "string") want[key] = "(string"
		else if ($3 == "int") want[key] = "(integer"
		else if ($3 == "number") want[key] = "(number"
		else if ($3 == "size") want[key] = "(size"
		else if ($3 == "bool") want[key] = "(boolean"
		else if ($3 == "choice") { s = $0; sub(/.*; one of /, "(one of ", s); want[key] = s }
		else { print "unknown type " $3 " of " key; bad = 1 }
		next
	}
	{ key = $1 " " $2; doc[key] = $0 }
	END {
		if (bad) exit 1
		for (k in want) {
			if (!(k in doc)) { print "isolab.conf(5) does not document option " k; exit 1 }
			if (!index(doc[k], want[k])) { print "isolab.conf(5): " k " should say \"" want[k] "\", says: " doc[k]; exit 1 }
			n++
		}
		for (k in doc)
			if (!(k in want)) { print "isolab.conf(5) documents option " k ", which its driver does not declare"; exit 1 }
		print n
	}' <(printf '%s\n' "$declared") <(printf '%s\n' "$documented")) || fail "$n"
echo "ok: isolab.conf(5) renders cleanly and documents the $n declared driver options with their types"
exit 0

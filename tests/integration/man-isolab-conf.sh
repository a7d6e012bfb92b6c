#!/bin/sh
# man/isolab.conf.5 must render without a single groff or man warning:
# a warning usually means text silently lost or misformatted.
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
exit 0

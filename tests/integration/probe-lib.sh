# probe-lib.sh - shared helpers for the isolab-probe integration tests
# (sourced, POSIX sh). The checker encodes the output contract of
# isolab-probe(1) once, so every test holds every line to it.

: "${ISOLAB_PROBE:=${top_builddir:-.}/isolab-probe}"
PROBE=$ISOLAB_PROBE

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

[ -x "$PROBE" ] || fail "no probe binary at $PROBE"

# probe_check FILE BENCH [MIN_INTERVALS] [POSITIVE_INTERVAL_RATES]
# Checks the stdout of one run of BENCH: every line is key=value tokens
# with probe=BENCH then a known kind; one ready line first; at least
# MIN_INTERVALS (default 1) interval lines, numbered from 1; exactly one
# summary, last, with a rate > 0; p50 <= p95 <= p99 <= max everywhere;
# interval rates > 0 unless POSITIVE_INTERVAL_RATES is 0.
probe_check() {
	awk -v bench="$2" -v min_int="${3:-1}" -v pos="${4:-1}" '
	function bad(msg) { printf "line %d: %s: %s\n", NR, msg, $0; err = 1; exit 1 }
	function need(k) { if (!(k in kv)) bad("missing key " k) }
	function num(k) { need(k); if (kv[k] !~ /^-?[0-9]+(\.[0-9]+)?$/) bad(k " is not a number") }
	{
		delete kv
		for (i = 1; i <= NF; i++) {
			if ($i !~ /^[a-z0-9_]+=[^ =]+$/) bad("bad token \"" $i "\"")
			p = index($i, "=")
			kv[substr($i, 1, p - 1)] = substr($i, p + 1)
		}
		if ($0 ~ /^ | $|  /) bad("stray space")
		if ($1 != "probe=" bench) bad("first token is not probe=" bench)
		if ($2 !~ /^kind=(ready|interval|summary|info|error)$/) bad("bad kind")
		kind = kv["kind"]
		if (NR == 1 && kind != "ready") bad("first line is not ready")
		if (kind == "error") bad("error line")
		if (done) bad("line after the summary")
		if (kind == "ready") {
			ready++
			num("pid"); num("mono_ns"); num("real_ns"); num("uptime_s"); need("kernel")
		}
		if (kind == "interval" || kind == "summary") {
			num("events"); num("rate"); need("rate_unit")
			num("p50_ns"); num("p95_ns"); num("p99_ns"); num("max_ns")
			if (kv["rate_unit"] !~ /^(events\/s|MB\/s|Mbit\/s|iops|calls\/s|roundtrips\/s|forks\/s|files\/s)$/)
				bad("unknown rate_unit")
			if (kv["p50_ns"] + 0 > kv["p95_ns"] + 0 || kv["p95_ns"] + 0 > kv["p99_ns"] + 0 ||
			    kv["p99_ns"] + 0 > kv["max_ns"] + 0)
				bad("percentiles out of order")
			if (kv["rate"] + 0 < 0) bad("negative rate")
		}
		if (kind == "interval") {
			num("n"); num("t")
			intervals++
			if (kv["n"] != intervals) bad("interval numbered " kv["n"] ", want " intervals)
			if (pos && kv["rate"] + 0 <= 0) bad("interval rate not > 0")
			if (kv["t"] !~ /\.[0-9][0-9][0-9]$/) bad("t without 3 decimals")
		}
		if (kind == "summary") {
			summaries++; done = 1
			num("elapsed"); num("threads")
			if (kv["rate"] + 0 <= 0) bad("summary rate not > 0")
			if (kv["events"] + 0 <= 0) bad("summary without events")
		}
	}
	END {
		if (err) exit 1
		if (ready != 1) { print "want one ready line, got " ready + 0; exit 1 }
		if (intervals < min_int) { print "want >= " min_int " interval lines, got " intervals + 0; exit 1 }
		if (summaries != 1) { print "want one summary line, got " summaries + 0; exit 1 }
	}' "$1"
}

# summary_value FILE KEY: the value of KEY on the summary line.
summary_value() {
	awk -v k="$2" '/ kind=summary / { for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2) }' "$1"
}

# run_probe NAME BENCH [ARGS...]: runs the probe, output in $tmp/NAME.out
# and .err; fails on a non-zero exit or anything on stderr.
run_probe() {
	rp_name=$1; shift
	"$PROBE" "$@" >"$tmp/$rp_name.out" 2>"$tmp/$rp_name.err"
	rc=$?
	[ $rc -eq 0 ] || { cat "$tmp/$rp_name.out" "$tmp/$rp_name.err"; fail "$* exited $rc"; }
	[ -s "$tmp/$rp_name.err" ] && { cat "$tmp/$rp_name.err"; fail "$* wrote to stderr"; }
	return 0
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/probe-test.XXXXXX") || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT

#!/bin/sh
# Usage errors exit 2 with one diagnostic line and nothing on stdout;
# runtime errors exit 1 with one diagnostic line and a kind=error line.
. "${top_srcdir:-.}/tests/integration/probe-lib.sh"

# usage BENCH_FOR_MESSAGE ARGS...: expects exit 2 and the one-line format.
usage() {
	who=$1; shift
	"$PROBE" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc -eq 2 ] || fail "'$*' exited $rc, want 2"
	[ -s "$tmp/out" ] && fail "'$*' wrote to stdout"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || { cat "$tmp/err"; fail "'$*' wrote more than one line"; }
	grep -q "^isolab-probe: ${who}.* (try 'isolab-probe --help')\$" "$tmp/err" ||
		{ cat "$tmp/err"; fail "'$*': diagnostic not in the documented form"; }
	echo "ok (usage): $*"
}

usage "" 
usage "" --time 1
usage "frob: unknown benchmark" frob
usage "cpu: unknown option" cpu --bogus
usage "cpu: invalid value 'abc' for --time" cpu --time abc
usage "cpu: option '--time' needs a value" cpu --time
usage "cpu: invalid value '0' for --time" cpu --time 0
usage "cpu: invalid value '-3' for --events" cpu --events -3
usage "cpu: unexpected argument" cpu extra
usage "ctxsw: option '--threads' does not apply" ctxsw --threads 2
usage "syscall: invalid value 'nope' for --call" syscall --call nope
usage "mem: invalid size '12Q'" mem --size 12Q
usage "mem: --oper and --total need --block" mem --oper read
usage "file: invalid value 'seq' for --rw" file --rw seq
usage "forkbomb: invalid value '0' for --limit" forkbomb --limit 0
usage "net-client: invalid --connect 'localhost:80'" net-client --connect localhost:80
usage "net-server: invalid --listen '1.2.3.4'" net-server --listen 1.2.3.4
usage "start: option '--time' does not apply" start --time 1

# runtime BENCH ARGS...: expects exit 1, one stderr line, an error line.
runtime() {
	bench=$1
	"$PROBE" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc -eq 1 ] || fail "'$*' exited $rc, want 1"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || { cat "$tmp/err"; fail "'$*' wrote more than one line"; }
	grep -q "^isolab-probe: $bench: " "$tmp/err" || fail "'$*': diagnostic not in the documented form"
	grep -q "^probe=$bench kind=error msg=[^ ]*\$" "$tmp/out" || { cat "$tmp/out"; fail "'$*': no error line"; }
	echo "ok (runtime): $*"
}

# A port nothing listens on: bind one, close it, connect to it.
runtime net-client --connect 127.0.0.1:1 --time 1
runtime file --dir "$tmp/does-not-exist" --time 1 --size 1M

"$PROBE" --help >"$tmp/out" 2>&1 || fail "--help exited $?"
grep -q '^Usage: isolab-probe BENCH' "$tmp/out" || fail "--help: no usage"
"$PROBE" cpu --help >/dev/null 2>&1 || fail "cpu --help exited $?"
"$PROBE" --version >"$tmp/out" || fail "--version exited $?"
grep -q '^isolab-probe [0-9][0-9.]*' "$tmp/out" || fail "--version: $(cat "$tmp/out")"
"$PROBE" true >"$tmp/out" 2>&1 || fail "true exited $?"
[ -s "$tmp/out" ] && fail "true printed something"
exit 0

#!/bin/bash
# Bad usage gets one line naming the problem and exit status 2.
. "$top_srcdir/tests/integration/lib.sh"

expect() { # expect STATUS PATTERN -- ARGS...
	local want=$1 pat=$2; shift 3
	local err rc
	err=$(isolab "$@" 2>&1 >/dev/null); rc=$?
	[ "$rc" -eq "$want" ] || fail "isolab $*: exit $rc, expected $want ($err)"
	[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "isolab $*: expected one line, got: $err"
	printf '%s\n' "$err" | grep -q -- "$pat" || fail "isolab $*: '$err' does not match '$pat'"
}
expect 2 "unknown command 'frobnicate'" -- frobnicate
expect 2 "unknown runtime 'nosuch'" -- run -r nosuch -w cpu -t 1
expect 2 "unknown workload 'nosuch'" -- run -w nosuch -t 1
expect 2 "expected a number of repetitions" -- run -n 0
expect 2 "expected seconds" -- run -t abc
expect 2 "cannot open" -- -c /nonexistent/isolab.conf list runtimes
expect 2 "expected one of runtimes" -- list nothing
expect 2 "expected none, host, bridge or auto, got 'wifi'" -- run --network wifi -w cpu
expect 2 "expected a parameter of workload cpu (max_prime)" -- run -w cpu -p max_prim=1
"$ISOLAB" --version | grep -q '^isolab [0-9]' || fail "--version"
"$ISOLAB" --help | grep -q 'run' || fail "--help"
isolab list runtimes | grep -Eq '^native +native +available' || fail "list runtimes does not show native as available"
isolab list workloads | grep -q '^cpu ' || fail "list workloads has no cpu"
isolab list workloads | grep -q 'max_prime} = 10000 .*an integer' || fail "list workloads shows no parameter types"
isolab list drivers | grep -Eq '^qemu +machine +choice .*one of pc, microvm' || fail "list drivers does not show qemu's options"
ok "usage errors"

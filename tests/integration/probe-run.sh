#!/bin/sh
# Every benchmark runs briefly and its output holds to the line contract.
. "${top_srcdir:-.}/tests/integration/probe-lib.sh"

# check NAME MIN_INTERVALS BENCH [ARGS...]
check() {
	name=$1; min=$2; bench=$3; shift 3
	run_probe "$name" "$bench" "$@"
	probe_check "$tmp/$name.out" "$bench" "$min" || { cat "$tmp/$name.out"; fail "$bench $*: bad output"; }
	echo "ok: $bench $*"
}

check cpu 1 cpu --time 1 --interval 0.5 --max-prime 2000
check cpu2 1 cpu --time 1 --threads 2
check mem 1 mem --time 1 --size 8M
check memthr 1 mem --time 1 --size 8M --threads 2
check memblk 1 mem --time 1 --block 1K --oper write
check memrd 1 mem --time 1 --block 1M --oper read
for call in getppid open stat clock_gettime; do
	check "sys-$call" 1 syscall --time 1 --call "$call"
done
check sys2 1 syscall --time 1 --threads 2
check ctxsw 1 ctxsw --time 1
check ctxswpin 1 ctxsw --time 1 --cpu-pin
check fork 1 fork --time 1
check forkexec 1 fork --time 1 --exec
mkdir "$tmp/dir"
check file 1 file --time 1 --size 16M --dir "$tmp/dir"
check fileread 1 file --time 1 --size 16M --dir "$tmp/dir" --rw randread --threads 2
check filesync 1 file --time 1 --size 4M --dir "$tmp/dir" --rw randwrite --fsync --bs 8K
[ -z "$(ls "$tmp/dir")" ] || fail "file left $(ls "$tmp/dir") behind"
grep -q 'kind=info layout_s=[0-9.]* direct=[01]' "$tmp/file.out" || fail "file: no layout info line"
check start 0 start
check mallocbomb 1 mallocbomb --time 1 --limit 64M --step 8M
[ "$(summary_value "$tmp/mallocbomb.out" stopped)" = limit ] || fail "mallocbomb did not stop at its limit"
[ "$(summary_value "$tmp/mallocbomb.out" allocated_mb)" = 67.1 ] || fail "mallocbomb allocated the wrong amount"
check forkbomb 1 forkbomb --time 1 --limit 20
[ "$(summary_value "$tmp/forkbomb.out" procs)" = 20 ] || fail "forkbomb did not reach 20 children"
[ "$(summary_value "$tmp/forkbomb.out" stopped)" = limit ] || fail "forkbomb did not stop at its limit"

# --events alone bounds the run exactly.
check events 0 cpu --events 7
[ "$(summary_value "$tmp/events.out" events)" = 7 ] || fail "cpu --events 7 did not run 7 events"
check sysevents 0 syscall --events 2500
[ "$(summary_value "$tmp/sysevents.out" events)" = 2500 ] || fail "syscall --events 2500"
exit 0

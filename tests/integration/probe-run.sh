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
check filebuf 1 file --time 1 --size 4M --dir "$tmp/dir" --rw randread --buffered
[ "$(summary_value "$tmp/filebuf.out" direct)" = 0 ] || fail "file --buffered went direct: $(cat "$tmp/filebuf.out")"
[ -z "$(ls "$tmp/dir")" ] || fail "file left $(ls "$tmp/dir") behind"
grep -q 'kind=info layout_s=[0-9.]* direct=[01]' "$tmp/file.out" || fail "file: no layout info line"
# rewrite: with no files to rewrite it lays out its own 1,024 and removes
# them; given some, it rewrites each once, at its start, and stops.
check rewrite 0 rewrite --time 10 --dir "$tmp/dir"
[ "$(summary_value "$tmp/rewrite.out" source)" = created ] && [ "$(summary_value "$tmp/rewrite.out" events)" = 1024 ] ||
	fail "rewrite did not lay out and rewrite 1,024 files: $(cat "$tmp/rewrite.out")"
[ -z "$(ls "$tmp/dir")" ] || fail "rewrite left $(ls "$tmp/dir") behind"
mkdir "$tmp/img"
for i in 0 1 2 3 4 5 6 7 8 9; do head -c 8192 /dev/zero >"$tmp/img/f000$i"; done
check rewriteimg 0 rewrite --time 10 --from "$tmp/img" --bs 1K --dir "$tmp/dir"
[ "$(summary_value "$tmp/rewriteimg.out" source)" = image ] && [ "$(summary_value "$tmp/rewriteimg.out" events)" = 10 ] &&
	[ "$(summary_value "$tmp/rewriteimg.out" file_size)" = 8192 ] || fail "rewrite of 10 files: $(cat "$tmp/rewriteimg.out")"
[ "$(head -c 1024 "$tmp/img/f0009" | tr -d 'Z' | wc -c)" -eq 0 ] && [ "$(tail -c 7168 "$tmp/img/f0009" | tr -d '\0' | wc -c)" -eq 0 ] ||
	fail "rewrite did not write 1K of 'Z' at the start of f0009 and leave the rest"
head -c 4096 /dev/zero >"$tmp/img/f0010"
"$PROBE" rewrite --time 1 --from "$tmp/img" >"$tmp/rwbad.out" 2>&1
[ $? -eq 1 ] && grep -q "f0010 has 4096 bytes, not 8192" "$tmp/rwbad.out" || fail "rewrite took files of two sizes: $(cat "$tmp/rwbad.out")"
rm "$tmp/img/f0010"
"$PROBE" rewrite --time 1 --from "$tmp/img" --bs 16K >"$tmp/rwbad.out" 2>&1
[ $? -eq 2 ] && grep -q "larger than the files" "$tmp/rwbad.out" || fail "rewrite took --bs above the files' size: $(cat "$tmp/rwbad.out")"
echo "ok: rewrite, created and from a directory; files of two sizes and a --bs too large refused"
check start 0 start
check mallocbomb 1 mallocbomb --time 1 --limit 64M --step 8M
[ "$(summary_value "$tmp/mallocbomb.out" stopped)" = limit ] || fail "mallocbomb did not stop at its limit"
[ "$(summary_value "$tmp/mallocbomb.out" allocated_mb)" = 67.1 ] || fail "mallocbomb allocated the wrong amount"
# At its limit it keeps writing what it holds: 64 MiB many times over in
# the second after the allocation (a bomb that only held would say 0).
awk -v v="$(summary_value "$tmp/mallocbomb.out" touched_mb_s)" 'BEGIN { exit !(v > 67.1) }' ||
	fail "mallocbomb did not keep touching its memory: touched_mb_s=$(summary_value "$tmp/mallocbomb.out" touched_mb_s)"
check forkbomb 1 forkbomb --time 1 --limit 20
[ "$(summary_value "$tmp/forkbomb.out" procs)" = 20 ] || fail "forkbomb did not reach 20 children"
[ "$(summary_value "$tmp/forkbomb.out" stopped)" = limit ] || fail "forkbomb did not stop at its limit"
# At its own limit it keeps forking (children that exit at once): far more
# than the 20 forks a bomb that only held would make, and never more than
# 21 processes below it.
"$PROBE" forkbomb --time 2 --limit 20 >"$tmp/fbp.out" 2>&1 &
fbp=$!
most=0
for _ in $(seq 1 30); do
	sleep 0.05
	k=$(pgrep -P "$fbp" | wc -l)
	[ "$k" -gt "$most" ] && most=$k
done
wait "$fbp" || fail "forkbomb --time 2 --limit 20 exited $?"
[ "$most" -ge 20 ] && [ "$most" -le 21 ] || fail "forkbomb held $most children at a limit of 20"
events=$(summary_value "$tmp/fbp.out" events)
[ "${events:-0}" -gt 200 ] || fail "forkbomb did not keep forking at its limit: $events forks in 2 s"
echo "ok: forkbomb kept forking at its limit ($events forks in 2 s, at most $most children)"

# --events alone bounds the run exactly.
check events 0 cpu --events 7
[ "$(summary_value "$tmp/events.out" events)" = 7 ] || fail "cpu --events 7 did not run 7 events"
check sysevents 0 syscall --events 2500
[ "$(summary_value "$tmp/sysevents.out" events)" = 2500 ] || fail "syscall --events 2500"
exit 0

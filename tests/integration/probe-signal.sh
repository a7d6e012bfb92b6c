#!/bin/sh
# SIGINT/SIGTERM end a run cleanly: a summary, exit 0, nothing left behind.
. "${top_srcdir:-.}/tests/integration/probe-lib.sh"

# stop_after NAME SIGNAL SECONDS BENCH ARGS...: runs in the background,
# sends SIGNAL after SECONDS, expects exit 0 and a valid output.
stop_after() {
	name=$1; sig=$2; secs=$3; shift 3
	"$PROBE" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid=$!
	sleep "$secs"
	kill -s "$sig" $pid
	wait $pid
	rc=$?
	[ $rc -eq 0 ] || { cat "$tmp/$name.err"; fail "$* exited $rc after SIG$sig"; }
	probe_check "$tmp/$name.out" "$1" 1 || { cat "$tmp/$name.out"; fail "$*: bad output after SIG$sig"; }
	echo "ok: $* stopped by SIG$sig"
}

stop_after cpu TERM 1.5 cpu --time 60
stop_after sys INT 1.2 syscall --time 60 --threads 2
mkdir "$tmp/dir"
stop_after file INT 1.5 file --time 60 --size 8M --dir "$tmp/dir"
[ -z "$(ls "$tmp/dir")" ] || fail "file left $(ls "$tmp/dir") behind after SIGINT"

"$PROBE" forkbomb --time 60 --limit 30 >"$tmp/fb.out" 2>&1 &
pid=$!
i=0
until grep -q 'procs=30' "$tmp/fb.out"; do
	i=$((i + 1)); [ $i -lt 100 ] || { kill $pid; fail "forkbomb never reached 30 children"; }
	sleep 0.05
done
# Children are in their own process group: collect it before the kill.
pgid=$(ps -o pgid= --ppid $pid | head -n 1 | tr -d ' ')
[ -n "$pgid" ] || fail "forkbomb: no children seen"
kill -TERM $pid
wait $pid || fail "forkbomb exited $? after SIGTERM"
sleep 0.2
left=$(ps -e -o pgid= | tr -d ' ' | grep -cx "$pgid")
[ "$left" -eq 0 ] || fail "forkbomb left $left processes in group $pgid"
grep -q 'kind=summary .* stopped=limit' "$tmp/fb.out" || fail "forkbomb: no summary after SIGTERM"
echo "ok: forkbomb cleaned up its group on SIGTERM"
exit 0

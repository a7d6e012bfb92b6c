#!/bin/bash
# The processes screen during a run: the probe is listed with a plausible
# %CPU (a busy single thread: well above 0, at most one CPU); sorting moves
# the sort column and reorders a list; a pcre2 filter narrows the table;
# Enter drills into a process (cmdline, cgroup, namespaces, seccomp,
# capabilities, threads, its CPU history).
. "$top_srcdir/tests/tui/lib.sh"

experiment tui-procs '"native"' '"cpu", "ctxsw"' 6.0
tui_start 160 48 -c "$test_state/test.conf"
start_last_experiment
keys 3
wait_for 'isolab-probe' 8
wait_for '#1 native cpu rep 1' 1
# %CPU: the header gives the column; wait for a non-first sample.
cpu_ok=0
for i in $(seq 1 40); do
	s=$(screen)
	v=$(printf '%s\n' "$s" | awk '
		/PID/ && /%CPU/ { split($0, h, ""); n = split($0, f, " "); for (k = 1; k <= n; k++) if (f[k] ~ /^%CPU/) col = k; next }
		col && /isolab-probe/ { print $col; exit }')
	if [ -n "$v" ] && awk -v v="$v" 'BEGIN { exit !(v >= 30 && v <= 105) }'; then cpu_ok=1; break; fi
	sleep 0.25
done
[ $cpu_ok = 1 ] || { screen; fail "isolab-probe %CPU '$v' is not plausible for a busy thread"; }
ok "the probe runs at $v %CPU"

# Drill into it.
keys Home Down Down Enter
wait_for 'Process [0-9]+ isolab-probe' 3
wait_for 'Command: .*isolab-probe cpu' 2
screen | grep -q 'Cgroup:' || fail "drill-down: no cgroup"
screen | grep -Eq 'Namespaces: +cgroup:\[' || fail "drill-down: no namespaces"
screen | grep -Eq 'Seccomp: +(disabled|filter|strict)' || fail "drill-down: no seccomp mode"
screen | grep -q 'Capabilities: effective' || fail "drill-down: no capabilities"
screen | grep -Eq 'CPU history: ' || fail "drill-down: no CPU history"
screen | grep -Eq 'Threads: +[0-9]' || fail "drill-down: no threads"
# native: the probe is the instance's only host process, so nearly all of it.
share=$(screen | sed -n 's/.*Share: *\([0-9]*\)% of the CPU.*/\1/p' | head -1)
[ -n "$share" ] && [ "$share" -ge 50 ] && [ "$share" -le 100 ] || { screen; fail "drill-down: share of the instance '$share'"; }
keys Escape
wait_for 'sort: %CPU descending' 3
ok "drill-down"

# The ctxsw instance has two probe processes (parent and child).
wait_for '#2 native ctxsw rep 1' 12
for i in $(seq 1 30); do
	[ "$(screen | grep -c 'isolab-probe')" -ge 2 ] && break
	sleep 0.2
done
[ "$(screen | grep -c 'isolab-probe')" -ge 2 ] || { screen; fail "ctxsw: expected two probe processes"; }
keys F5                                   # flat list: sorting orders every row
wait_for '   list   sort' 3
keys F6
wait_for 'Sort by' 3
keys Home Enter                           # PID
wait_for 'sort: PID (a|de)scending' 3
pids1=$(screen | awk '/isolab-probe/ { print $1 }' | tr '\n' ' ')
dir1=$(screen | grep -Eo 'sort: PID (a|de)scending')
keys I
wait_gone "$dir1" 3
pids2=$(screen | awk '/isolab-probe/ { print $1 }' | tr '\n' ' ')
[ "$pids1" != "$pids2" ] || fail "inverting the sort did not reorder the rows ($pids1)"
if screen | grep -q 'sort: PID ascending'; then pids_asc=$pids2; pids_desc=$pids1; else pids_asc=$pids1; pids_desc=$pids2; fi
[ "$(echo $pids_asc | tr ' ' '\n' | sort -n | tr '\n' ' ')" = "$(echo $pids_asc | tr ' ' '\n' | tr '\n' ' ')" ] ||
	fail "ascending PIDs are not ascending: $pids_asc"
keys '>'
wait_for 'sort: %usr' 3
keys '<'
wait_for 'sort: PID' 3
ok "sort: $pids_asc / $pids_desc"

# Filter: one pid only, then nothing, then cleared.
first=$(echo $pids_asc | awk '{ print $1 }')
keys /
wait_for 'Filter processes' 3
keys "^$first " Enter
wait_for "filter: /\\^$first /" 3
[ "$(screen | grep -c 'isolab-probe')" -eq 1 ] || { screen; fail "the filter did not narrow the table to one process"; }
keys / C-u 'nomatch[0-9]' Enter
wait_for 'no process matches the filter' 3
# A pattern that backtracks without end gives up within pcre2's bounded
# limits, row by row, and says so: the interface keeps answering.
keys / C-u '^((.)*)*((.)*)*\d$' Enter
wait_for 'too costly for [0-9]+ rows?: hidden' 3
keys Escape
wait_gone 'filter:' 3
ok "filter, and one too costly to decide"
keys 5 q
# Still running (6 s per instance): q asks.
wait_for 'Stop it and quit' 3
keys y
wait_exit 20

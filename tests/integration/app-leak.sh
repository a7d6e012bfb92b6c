#!/bin/bash
# No server outlives its run: isolab is interrupted (SIGINT) while MariaDB
# and PostgreSQL serve their load, on native (a process group) and in the
# sandbox (a cgroup); then a run is SIGKILLed, and `isolab cleanup` reaps
# what its resource journal names. Nothing of either run may survive.
. "$top_srcdir/tests/integration/app-lib.sh"

conf=$test_state/leak.conf
cat >"$conf" <<'CONF'
experiments = {
  leak = { runtimes = [ "native", "sandbox" ]; workloads = [ "postgresql", "mariadb" ];
           repetitions = 1; duration = 30.0; network = "bridge"; };
};
CONF

# Waits until a run directory holds a running server, then signals isolab.
interrupt() { # interrupt SIGNAL NTH_INSTANCE
	# The binary itself, not lib.sh's isolab function: $! must be isolab.
	"$ISOLAB" --state-dir "$test_state" -c "$conf" run -e leak -q >"$test_state/out.$1" 2>&1 &
	local pid=$! i dir=""
	for i in $(seq 1 300); do
		dir=$(latest_run)
		[ -n "$dir" ] && grep -q "\"type\":\"instance\",\"id\":$2," "$dir/journal.jsonl" 2>/dev/null &&
			[ -n "$(app_procs "$dir")" ] && break
		sleep 0.2
	done
	[ -n "$(app_procs "$dir")" ] || { kill -KILL $pid; echo "FAIL: no server of instance $2 started: $(cat "$test_state/out.$1")" >&2; exit 1; }
	sleep 2 # the load is running
	kill -"$1" $pid
	wait $pid
	echo "$dir"
}

dir=$(interrupt INT 2) || exit 1
sleep 0.5
left=$(app_procs "$dir")
[ -z "$left" ] || fail "after SIGINT, processes survived: $(ps -o pid=,args= -p "$(echo $left | tr ' ' ,)")"
assert_nothing_left "$(basename "$dir")"
ok "SIGINT during the sandbox's PostgreSQL run: nothing left"

dir=$(interrupt KILL 1) || exit 1
isolab cleanup >"$test_state/cleanup.out" 2>&1 || { cat "$test_state/cleanup.out"; fail "isolab cleanup failed"; }
sleep 0.5
left=$(app_procs "$dir")
[ -z "$left" ] || fail "after SIGKILL and cleanup, processes survived: $(ps -o pid=,args= -p "$(echo $left | tr ' ' ,)")"
assert_nothing_left "$(basename "$dir")"
ok "SIGKILL during native PostgreSQL, then isolab cleanup: nothing left"

#!/bin/bash
# Leak test for the sandbox: start a bridged run, SIGKILL isolab mid-run,
# run `isolab cleanup`, then nothing of the run may be left: no cgroup in any
# hierarchy, no netns, no veth, no /run/isolab/<run>, no staging directory,
# no process.
. "$top_srcdir/tests/integration/sandbox-lib.sh"
command -v ip >/dev/null || skip "iproute2 (ip) is not installed"

conf=$test_state/leak.conf
cat >"$conf" <<'CONF'
experiments = {
  leak = { runtimes = [ "sandbox" ]; workloads = [ "cpu" ]; duration = 30.0; network = "bridge";
           limits = { memory = "128M"; pids = 64; }; };
};
CONF
# Directly, not through the isolab() function: $! must be isolab itself.
"$ISOLAB" --state-dir "$test_state" -c "$conf" run -e leak -n 1 -q >"$test_state/out" 2>&1 &
pid=$!
# Wait for the workload to be running (its cgroup holds the probe).
run=
for _ in $(seq 1 100); do
	sleep 0.1
	d=$(ls -d "$test_state"/runs/2* 2>/dev/null | head -1)
	[ -n "$d" ] && run=$(basename "$d")
	[ -n "$run" ] && [ -f "/run/isolab/$run/resources" ] && grep -q '^veth ' "/run/isolab/$run/resources" &&
		ls /sys/fs/cgroup/isolab/"$run"/1/cgroup.procs /sys/fs/cgroup/*/isolab/"$run"/1/cgroup.procs \
			>/dev/null 2>&1 && break
done
[ -n "$run" ] || { kill -9 $pid; cat "$test_state/out"; fail "the run did not start"; }
sleep 2
# v2 (pure, or the unified tracking hierarchy of a hybrid) lists every process.
procs_file=$(ls /sys/fs/cgroup/isolab/"$run"/1/cgroup.procs /sys/fs/cgroup/unified/isolab/"$run"/1/cgroup.procs \
	/sys/fs/cgroup/*/isolab/"$run"/1/cgroup.procs 2>/dev/null | head -1)
pids=$(cat "$procs_file")
[ -n "$pids" ] || { kill -9 $pid; cat "$test_state/out"; fail "no process in the instance's cgroup (${procs_file:-no cgroup.procs})"; }
netns=$(awk '$1=="netns" {print $2}' "/run/isolab/$run/resources" | head -1)
veth=$(awk '$1=="veth" {print $2}' "/run/isolab/$run/resources" | head -1)
[ -e "/run/netns/$netns" ] || fail "netns $netns does not exist during the run"
ip link show "$veth" >/dev/null 2>&1 || fail "veth $veth does not exist during the run"

kill -9 $pid
# No wait: a killed isolab that nobody has reaped yet (a zombie) is dead
# for cleanup's purposes.
ok "isolab SIGKILLed with run $run, processes $(echo $pids), netns $netns, veth $veth"

out=$test_state/cleanup
"$ISOLAB" cleanup >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] || fail "isolab cleanup exited $rc"
grep -q "run $run: reaped cgroup isolab/$run/1" "$out" || fail "cleanup did not report the cgroup"

for d in /sys/fs/cgroup/*/isolab/"$run" /sys/fs/cgroup/isolab/"$run"; do
	[ -e "$d" ] && fail "cgroup $d is left"
done
[ -e "/run/netns/$netns" ] && fail "netns $netns is left"
ip link show "$veth" >/dev/null 2>&1 && fail "veth $veth is left"
[ -e "/run/isolab/$run" ] && fail "/run/isolab/$run is left"
# Dead processes whose parent died too are zombies until init reaps them.
alive() { [ -r "/proc/$1/stat" ] && ! awk '{ exit !($3 == "Z") }' "/proc/$1/stat" 2>/dev/null; }
for p in $pids; do
	alive "$p" && fail "process $p ($(cat /proc/$p/comm 2>/dev/null)) is still alive"
done
# A second cleanup has nothing left to do.
"$ISOLAB" cleanup -q || fail "a second cleanup failed"
ok "cleanup left no cgroup, netns, veth, journal or process of run $run"

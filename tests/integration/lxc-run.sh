#!/bin/bash
# LXC runs cpu, syscall and start for real beside native, through
# lxc-execute with a generated config: every instance ends ok with a
# start-up time, the config is kept beside the results, the runtime's own
# process (lxc-execute, the monitor) is sampled as runtime, and the
# bridge network reaches the instance in its own namespace. Nothing is left.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/runtimes-lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root"
need_runtime lxc

run_isolab run -r native,lxc -w cpu,syscall,start -n 2 -t 1 --baseline native
r=$out
for w in cpu syscall start; do
	grep -Eq "^lxc +$w +rate +[^ ]+ +2 " "$r" || fail "no 'lxc $w rate' row with n=2"
done
dir=$(latest_run)
[ "$(grep '"type":"end"' "$dir/journal.jsonl" | grep -vc '"status":"ok"')" -eq 0 ] || fail "an instance did not end ok"
grep '"type":"end"' "$dir/journal.jsonl" | grep -q '"startup_ms":null' && fail "an instance never became ready"
conf=$(ls "$dir"/instances/*/lxc.conf 2>/dev/null | head -1)
[ -n "$conf" ] || fail "no instances/N/lxc.conf kept"
grep -q '^lxc.rootfs.managed = 0$' "$conf" || fail "the config lets lxc-destroy manage the shared rootfs"
grep -q '^lxc.net.0.type = empty$' "$conf" || fail "network none is not lxc.net.0.type = empty"
grep '"type":"sample"' "$dir/journal.jsonl" | grep -q '"comm":"lxc-execute","role":"runtime"' ||
	fail "lxc-execute was not sampled as the runtime"
grep '"type":"sample"' "$dir/journal.jsonl" | grep -q '"comm":"isolab-probe","role":"workload"' ||
	fail "the probe was not sampled as the workload"
ok "lxc ran cpu, syscall and start"

conf2=$test_state/lxc.conf
cat >"$conf2" <<'CONF'
experiments = {
  br = { runtimes = [ "lxc" ]; workloads = [ "net-rr" ]; duration = 2.0; network = "bridge"; };
};
CONF
run_isolab -c "$conf2" run -e br -n 1
grep -Eq '^lxc +net-rr +rate +roundtrips/s +1 ' "$out" || fail "no bridged net-rr rate row"
d3=$(latest_run)
grep '"type":"sample"' "$d3/journal.jsonl" | grep -q '"role":"loadgen"' || fail "no host-side client (role loadgen) was sampled"
ok "bridge network: the host reached the lxc instance in its own netns"
for d in "$dir" "$d3"; do assert_nothing_left "$(basename "$d")"; done
ok "nothing left"

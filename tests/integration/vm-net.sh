#!/bin/bash
# net-rr over a VM's network: the probe's TCP server runs in a qemu-microvm
# guest under TCG, its client (the companion) on the host against
# ${addr}:${port}. Network "bridge" is QEMU's user-mode network for VMs:
# the guest's agent brings eth0 up at 10.0.2.15/24 (virtio-net, the module
# from the initramfs) and QEMU forwards 127.0.0.1:${port} to the guest's
# port. Passes when round trips were measured (nonzero rate) and nothing
# of the run is left.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/vm-lib.sh"
cat >"$test_state/net.conf" <<CONF
experiments = {
  vmnet = {
    runtimes = [ "qemu-microvm" ];
    workloads = [ "net-rr" ];
    repetitions = 1;
    duration = 5.0;
    grace = 60.0;
    network = "bridge";
  };
};
CONF
t0=$(date +%s)
run_isolab -c "$test_state/net.conf" run -e vmnet
grep -q "user-mode networking" "$out" || fail "the run does not say the VM's network is user-mode networking"
run=$(latest_run)
[ "$(grep -c '"type":"end".*"status":"ok"' "$run/journal.jsonl")" -eq 1 ] || fail "the net-rr instance did not succeed"
rate=$(report_mean qemu-microvm net-rr rate "$out")
[ -n "$rate" ] || fail "no round-trip rate in the report"
awk -v r="$rate" 'BEGIN { exit !(r > 0) }' || fail "round trips/s is $rate"
# (QEMU is named isolab-<run>-<inst>: assert_nothing_left finds it; other
# runs may have their own VMs on this machine.)
assert_nothing_left "$(basename "$run")"
ok "net-rr into a qemu-microvm guest (TCG, user-mode network, hostfwd): $rate round trips/s in $(( $(date +%s) - t0 )) s"

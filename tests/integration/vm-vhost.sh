#!/bin/bash
# vhost-net for a VM on the bridge: asked of QEMU where /dev/vhost-net opens
# and KVM works, and not otherwise, each said in the journal.
#
# This machine has neither a working KVM nor /dev/vhost-net, so both are
# played (vm-lib.sh's vm_sim works, and ISOLAB_VHOST_DEVICE at /dev/null, a
# character device that opens read-write as /dev/vhost-net does). The
# stand-in QEMU logs what isolab asked of it and boots the guest under TCG
# with QEMU's own packet path, so what is checked is isolab's side: the
# tap's netdev carries vhost=on exactly when the device opens, and the
# guest answers net-rr over the tap either way. The kernel's vhost-net
# itself cannot be exercised on this machine (no /dev/vhost-net, no KVM).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/vm-lib.sh"
# The test plays its own kind of machine, whatever ISOLAB_TEST_KVM played.
vm_sim works
cat >"$test_state/vhost.conf" <<CONF
experiments = {
  vhost = {
    runtimes = [ "qemu-microvm" ];
    workloads = [ "net-rr" ];
    repetitions = 1;
    duration = 3.0;
    grace = 60.0;
    network = "bridge";
  };
};
CONF

# run_vhost DEVICE WANT: a run with ISOLAB_VHOST_DEVICE=DEVICE; WANT is yes
# when QEMU must be asked for vhost-net.
run_vhost() {
	local dev=$1 want=$2
	: >"$vm_sim_log"
	ISOLAB_VHOST_DEVICE=$dev run_isolab -c "$test_state/vhost.conf" run -e vhost
	local run j
	run=$(latest_run)
	j=$run/journal.jsonl
	grep -q '"type":"end".*"status":"ok"' "$j" || fail "vhost device $dev: the net-rr instance did not end ok"
	local rate
	rate=$(report_mean qemu-microvm net-rr rate "$out")
	awk -v r="$rate" 'BEGIN { exit !(r > 0) }' || fail "vhost device $dev: no round trips ($rate)"
	local netdev
	netdev=$(grep -o 'tap,id=net0,[^ ]*' "$vm_sim_log" | grep -v '^$' | tail -1)
	[ -n "$netdev" ] || fail "QEMU was given no tap netdev: $(cat "$vm_sim_log")"
	if [ "$want" = yes ]; then
		case "$netdev" in *,vhost=on*) ;; *) fail "the device opens, KVM works, and QEMU was not asked for vhost-net: $netdev" ;; esac
		grep -q '"msg":"network bridge: virtio-net on tap tap0, .*(vhost-net under KVM' "$j" ||
			fail "the journal does not say vhost-net moves the packets"
	else
		case "$netdev" in *vhost=on*) fail "QEMU was asked for vhost-net without $dev: $netdev" ;; esac
		grep -q "\"msg\":\"network bridge: virtio-net on tap tap0, .*(no vhost-net: $dev does not open" "$j" ||
			fail "the journal does not say there is no vhost-net at $dev"
	fi
	assert_nothing_left "$(basename "$run")"
	echo "vhost device $dev: $netdev, $rate round trips/s"
}

run_vhost /dev/null yes
run_vhost "$test_state/no-vhost-net" no
ok "a tap's netdev asks for vhost-net exactly where its device opens under KVM (played), and net-rr answers both ways"

#!/bin/bash
# net-rr over a VM's network, both ways a qemu guest can have one: the
# probe's TCP server runs in a qemu-microvm guest under TCG, its client
# (the companion) on the host against ${addr}:${port}.
# - network "bridge", netdev tap (the default): the guest is on the
#   instance's bridge, virtio-net on a tap in the instance's namespace, and
#   holds the instance's 10.213.x.y address itself; the host reaches it over
#   the veth, with no port forward (QEMU is given none) and no NAT.
# - netdev user: QEMU's user-mode network, the guest at 10.0.2.15 and
#   127.0.0.1:${port} forwarded to it.
# Passes when both measured round trips (nonzero rate), the tap instance's
# namespace record names its tap and address, and nothing of the run is
# left: no QEMU, no namespace, no veth.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/vm-lib.sh"
cat >"$test_state/net.conf" <<CONF
runtimes = {
  microvm-usernet = { driver = "qemu"; options = { machine = "microvm"; netdev = "user"; }; };
};
experiments = {
  vmnet = {
    runtimes = [ "qemu-microvm", "microvm-usernet" ];
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
run=$(latest_run)
j=$run/journal.jsonl
[ "$(grep -c '"type":"end".*"status":"ok"' "$j")" -eq 2 ] || fail "not both net-rr instances succeeded"
grep -q '"msg":"network bridge: virtio-net on tap tap0, on a bridge in namespace isolab-[0-9]*' "$j" ||
	fail "the tap instance does not say it is on a tap on the instance's bridge"
grep -q '"msg":"network bridge: QEMU user-mode networking (slirp), the guest at 10.0.2.15' "$j" ||
	fail "the netdev user instance does not say it is on user-mode networking"
rec=$(grep '"type":"netns"' "$j")
[ "$(echo "$rec" | grep -c .)" -eq 1 ] || fail "expected one netns record (the tap instance's), got: $rec"
echo "$rec" | grep -q '"addr":"10\.213\.[0-9]*\.[0-9]*","tap":"tap0"' || fail "the netns record has no 10.213 address and tap: $rec"
# The round trips went over the veth: the driver's count of the host end's
# packets, read before the link went, has at least one each way per round
# trip it measured for a second.
veth=$(echo "$rec" | sed -n 's/.*"veth":"\([^"]*\)".*/\1/p')
traffic=$(grep -o "\"network: veth $veth carried [0-9]* packets ([0-9]* bytes) to the guest and [0-9]* " "$j")
[ -n "$traffic" ] || fail "no count of veth $veth's traffic in the journal"
tap=$(report_mean qemu-microvm net-rr rate "$out")
user=$(report_mean microvm-usernet net-rr rate "$out")
[ -n "$tap" ] && [ -n "$user" ] || fail "no round-trip rate in the report (tap '$tap', user '$user')"
awk -v t="$tap" -v u="$user" 'BEGIN { exit !(t > 0 && u > 0) }' || fail "round trips/s: tap $tap, user $user"
set -- $(echo "$traffic" | sed 's/.* carried \([0-9]*\) packets ([0-9]* bytes) to the guest and \([0-9]*\) /\1 \2/')
awk -v to="$1" -v from="$2" -v r="$tap" 'BEGIN { exit !(to >= r && from >= r) }' ||
	fail "veth $veth carried $1 packets to the guest and $2 from it, fewer than a second of $tap round trips"
# (QEMU is named isolab-<run>-<inst>: assert_nothing_left finds it, and the
# namespace and veth of the journal's netns record; other runs may have
# their own VMs on this machine.)
assert_nothing_left "$(basename "$run")"
ok "net-rr into qemu-microvm guests (TCG): tap on the bridge $tap ($1 packets to the guest over veth $veth), user-mode $user round trips/s, in $(( $(date +%s) - t0 )) s"

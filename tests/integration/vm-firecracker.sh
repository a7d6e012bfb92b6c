#!/bin/bash
# Firecracker as far as this machine allows. Always: `isolab list
# runtimes` names the firecracker runtime, and when it cannot run says why
# with the fix (the binary missing: where to get it; KVM unusable: that
# Firecracker needs it). The driver's API requests are checked against a
# fake API server in tests/unit/test_firecracker. Only where firecracker
# is installed and KVM works does this boot real micro-VMs (start and cpu)
# and check the start-up breakdown and the guest's process table, then
# run net-rr with the guest on the instance's bridge (the tap given through
# Firecracker's API) and check the veth carried its round trips;
# otherwise, after the checks above, it is skipped (77) with exactly what
# it did not run and why.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/vm-lib.sh"
line=$(isolab list runtimes 2>&1 | awk '$1 == "firecracker"')
[ -n "$line" ] || fail "isolab list runtimes does not list firecracker"
echo "listed: $line"
if ! echo "$line" | awk '{ exit $3 != "available" }'; then
	if ! command -v firecracker >/dev/null; then
		echo "$line" | grep -q "firecracker not found" || fail "no 'not found' reason without a firecracker binary"
		echo "$line" | grep -q "GitHub releases.*/usr/local/bin.*not packaged in Debian" ||
			fail "the fix does not say where to get firecracker"
		why="firecracker is not installed (not packaged in Debian)"
	else
		echo "$line" | grep -q "needs KVM" || fail "firecracker is installed but the reason is not KVM: $line"
		why="KVM is unusable here, and Firecracker has no emulation fallback"
	fi
	ok "list runtimes says why firecracker cannot run, with the fix"
	skip "booting Firecracker micro-VMs (start, cpu; net-rr on the bridge): $why"
fi
run_isolab -c "$vm_conf" run -e vm -r firecracker -w start,cpu -n 1
run=$(latest_run)
[ "$(grep -c '"type":"end".*"status":"ok"' "$run/journal.jsonl")" -eq 2 ] || fail "not both Firecracker instances succeeded"
python3 - "$run/journal.jsonl" <<'PY' || fail "journal checks"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
for s in (r for r in recs if r["type"] == "startup"):
    ms = [s[k] for k in ("vmm_ms", "kernel_ms", "init_ms", "ready_ms")]
    assert all(m is not None for m in ms) and ms == sorted(ms), s
    print("startup firecracker vmm %.0f kernel %.0f init %.0f ready %.0f ms" % tuple(ms))
procs = [p for s in recs if s["type"] == "sample" for p in s["procs"]]
assert any(p["role"] == "vmm" and p["comm"].startswith("firecracker") for p in procs), "firecracker on the host side"
assert any(p["role"] == "guest" and p["comm"] == "isolab-probe" for p in procs), "the workload in the guest"
PY
assert_nothing_left "$(basename "$run")"
ok "firecracker ran start and cpu in real micro-VMs"

run_isolab -c "$vm_conf" run -e vm -r firecracker -w net-rr -n 1 -t 3 --network bridge
run=$(latest_run)
j=$run/journal.jsonl
grep -q '"type":"end".*"status":"ok"' "$j" || fail "net-rr in Firecracker on the bridge did not succeed"
grep -q '"msg":"network bridge: virtio-net on tap tap0, on a bridge in namespace isolab-[0-9]*' "$j" ||
	fail "the Firecracker instance does not say it is on a tap on the instance's bridge"
rate=$(report_mean firecracker net-rr rate "$out")
traffic=$(grep -o '"network: veth isolab[0-9]*h carried [0-9]* packets' "$j" | grep -o '[0-9]* packets' | grep -o '[0-9]*')
[ -n "$rate" ] && [ -n "$traffic" ] || fail "no round-trip rate ('$rate') or veth count ('$traffic')"
awk -v t="$traffic" -v r="$rate" 'BEGIN { exit !(r > 0 && t >= r) }' || fail "rate $rate, $traffic packets to the guest"
assert_nothing_left "$(basename "$run")"
ok "net-rr into a Firecracker guest on the bridge: $rate round trips/s, $traffic packets to it over the veth"

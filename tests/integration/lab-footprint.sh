#!/bin/bash
# lab-footprint.sh — lab-memory-footprint (an idle instance in runc,
# gVisor and a micro-VM) and lab-startup-order (runc, Docker, Podman, a
# micro-VM and a classic VM) at a small size.
#  - Rules that need no KVM reach a verdict (agreed or did not agree).
#  - Rules about hardware-assisted VMs say "cannot tell: emulated (TCG)"
#    under TCG, and reach a verdict where qemu ran with KVM.
#  - An idle workload reports no metric of its own: the report says so and
#    points at the host cost, which has each runtime's memory by role.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/vm-lib.sh"
. "$top_srcdir/tests/integration/lab-lib.sh"
for r in runc gvisor docker podman; do need_runtime "$r"; done
out=$test_state/out

# --- lab-memory-footprint --------------------------------------------------
isolab lab run lab-memory-footprint -t 2 -n 2 -q >"$out" 2>&1
[ $? -le 1 ] || fail "lab-memory-footprint exited badly: $(cat "$out")"
lab_verdict "a container's runtime holds no memory once its workload runs"
lab_verdict "gVisor's own kernel and gofer hold tens of MiB"
lab_verdict "an idle micro-VM holds at least 10 times the host memory of an idle container"
grep -q "^no workload metrics: the workloads of this run report none" "$out" && ! grep -q "^no results" "$out" ||
	fail "the idle run's report does not say why it has no workload rows: $(head -3 "$out")"
# Every runtime's memory, from the host cost rows: runc's runtime none,
# gVisor's sentry and gofer, the micro-VM's VMM.
isolab report --json "$test_state/fp.json" >/dev/null 2>&1 || fail "report --json of lab-memory-footprint"
python3 - "$test_state/fp.json" <<'EOF' || fail "lab-memory-footprint: the memory by role"
import json, sys
costs = json.load(open(sys.argv[1]))["cost"]
def peak(rt, role, comp=None):
    for c in costs:
        if (c["runtime"], c["role"], c.get("component") or None, c["quantity"]) == (rt, role, comp, "rss_peak_kb"):
            return c
    return None
assert peak("runc", "runtime")["none"], peak("runc", "runtime")
for comp in ("sentry", "gofer"):
    c = peak("gvisor", "runtime", comp)
    assert c and c["mean"] > 1024, (comp, c)
vmm = peak("qemu-microvm", "vmm")
assert vmm and vmm["mean"] > 10 * peak("runc", "total")["mean"], (vmm, peak("runc", "total"))
print("peak RSS kB: runc %d, gvisor %d, qemu-microvm %d" % tuple(peak(rt, "total")["mean"] for rt in ("runc", "gvisor", "qemu-microvm")))
EOF
run=$(latest_run)
assert_nothing_left "$(basename "$run")"
ok "lab-memory-footprint: $(lab_outcomes)"

# --- lab-startup-order -----------------------------------------------------
isolab lab run lab-startup-order -n 2 -q >"$out" 2>&1
[ $? -le 1 ] || fail "lab-startup-order exited badly: $(cat "$out")"
lab_verdict "Docker's daemon, containerd and shim make a start markedly slower than runc alone"
lab_verdict "Docker starts a container in under a second"
lab_vm_verdict "a micro-VM starts slower than a Docker container"
lab_vm_verdict "a micro-VM starts in under 0.8 s"
lab_vm_verdict "a classic VM starts slower than a micro-VM"
for rt in runc docker podman qemu-microvm qemu; do
	grep -Eq "^$rt +- +start +startup_ms +ms +2 " "$out" || fail "lab-startup-order: no startup_ms of $rt over 2 starts: $(cat "$out")"
done
run=$(latest_run)
assert_nothing_left "$(basename "$run")"
ok "lab-startup-order: $(lab_outcomes)"

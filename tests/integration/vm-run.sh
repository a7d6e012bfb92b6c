#!/bin/bash
# Boots qemu (machine pc) and qemu-microvm (under KVM where its probe says
# it works, else TCG, as on this machine) and runs cpu, syscall
# and start in each: every instance succeeds, the start-up breakdown is in
# the journal in order (VMM < kernel < init < ready), the process table has
# QEMU on the host side, its vCPU thread's CPU told apart, and the workload
# inside the guest, the guest kernel's used memory is in the samples and
# the memory tax is against it, and nothing of the run is left behind.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/vm-lib.sh"
t0=$(date +%s)
vm_run -r qemu,qemu-microvm -w start,cpu,syscall -n 1
grep -q "emulated (TCG)\|accelerator: KVM" "$out" || fail "the accelerator is not named in the run's output"
# The guest boots the kernel uncompressed (an ELF with a PVH entry, from
# the cache) unless the kernel cannot be; either way the output says which.
boot=$(grep -o "guest: kernel [^ ]* ([^)]*)" "$out" | sort -u)
[ "$(echo "$boot" | grep -c .)" -eq 1 ] || fail "not one kernel line for all six VMs: $boot"
case "$boot" in
*"(booted uncompressed through its PVH entry: "*)
	vmlinux=${boot##*: } vmlinux=${vmlinux%)}
	[ "$(head -c 4 "$vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ] || fail "the booted kernel is not an ELF image: $vmlinux"
	echo "booted uncompressed: $vmlinux ($(stat -c %s "$vmlinux") bytes)" ;;
*"(booted compressed: "*) echo "booted compressed, as said: $boot" ;;
*) fail "the kernel line does not say how the kernel booted: $boot" ;;
esac
run=$(latest_run)
j=$run/journal.jsonl
[ "$(grep -c '"type":"end".*"status":"ok"' "$j")" -eq 6 ] || fail "not all 6 VM instances succeeded"
python3 - "$j" <<'PY' || fail "journal checks"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
inst = {r["id"]: r for r in recs if r["type"] == "instance"}
for s in (r for r in recs if r["type"] == "startup"):
    ms = [s[k] for k in ("vmm_ms", "kernel_ms", "init_ms", "ready_ms")]
    assert all(m is not None for m in ms), s
    assert ms == sorted(ms), ("milestones out of order", s)
    print("startup %-13s %-8s vmm %6.0f ms  kernel %6.0f ms  init %6.0f ms  ready %6.0f ms  (guest: kernel %.2f s)"
          % (inst[s["inst"]]["runtime"], inst[s["inst"]]["workload"], *ms, s["guest_kernel_s"]))
assert sum(1 for r in recs if r["type"] == "startup") == 6
for i, r in inst.items():
    procs = [p for s in recs if s["type"] == "sample" and s["inst"] == i for p in s["procs"]]
    roles = {p["role"] for p in procs}
    if r["workload"] == "start":
        continue  # over before the first sample
    vmm = [p for p in procs if p["role"] == "vmm"]
    guest = [p for p in procs if p["role"] == "guest"]
    assert vmm and vmm[0]["comm"].startswith("qemu"), (r, roles)
    assert max(p["threads"] for p in vmm) > 1, "qemu's threads"
    assert any(p["comm"] == "init" for p in guest), "the guest's init (the agent)"
    assert any(p["comm"] == "isolab-probe" and p["cpu"] > 10 for p in guest), \
        "the guest's workload, busy: " + str([(p["comm"], p["cpu"]) for p in guest])
    # QEMU's vCPU thread ("CPU 0/TCG" or "CPU 0/KVM") told apart, busy with cpu
    vc = [p for p in vmm if "vcpu_cpu" in p]
    assert vc and all(0 <= p["vcpu_cpu"] <= p["cpu"] for p in vc), ("vcpu_cpu", vmm)
    if r["workload"] == "cpu":
        assert max(p["vcpu_cpu"] for p in vc) > 30, ("the vCPU thread, busy", [p["vcpu_cpu"] for p in vc])
    # the guest kernel's own count of its used memory: more than its
    # processes' RSS (it holds the kernel's own), less than QEMU's RSS
    used = [s["guest_used_kb"] for s in recs if s["type"] == "sample" and s["inst"] == i and "guest_used_kb" in s]
    assert used, "no guest_used_kb in the samples of %s" % r
    assert all(0 < u < max(p["rss_kb"] for p in vmm) for u in used), ("guest_used_kb", used)
    assert max(used) > max(p["rss_kb"] for p in guest), ("used vs a guest process", used)
    print("procs %-13s %-8s host: %s; guest: %s" % (r["runtime"], r["workload"],
          sorted({p["comm"] for p in procs if p["role"] != "guest"}), sorted({p["comm"] for p in guest})))
PY
grep -Eq '^ +vcpu threads +[0-9]+ +[0-9.]+' "$out" || fail "the report does not split QEMU's vCPU threads from the rest"
grep -Eq "^qemu/cpu: memory tax [0-9.]+ MiB: the VMM's mean RSS is [0-9.]+.* the memory the guest's kernel counts as used" "$out" ||
	fail "the memory tax is not against the guest kernel's used memory: $(grep 'memory tax' "$out")"
# The report knows which rows an emulator made (lab rules about
# hardware-assisted VMs cannot tell from them).
tcg=false
grep -q "emulated (TCG)" "$out" && tcg=true
isolab report --json "$test_state/vm.json" >/dev/null 2>&1 || fail "report --json of the VM run"
python3 - "$test_state/vm.json" "$tcg" <<'PY' || fail "the report's rows do not say whether TCG ran them"
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
want = sys.argv[2] == "true"
assert rows and all(r["emulated"] is want for r in rows if r["runtime"].startswith("qemu")), \
    [(r["runtime"], r["emulated"]) for r in rows]
PY
assert_nothing_left "$(basename "$run")"
# This test's QEMUs only (their disks are in its state directory): another test's may run.
pgrep -f -- "file=$test_state/" >/dev/null && fail "a QEMU of this test survived its run"
ok "qemu and qemu-microvm ran start, cpu and syscall ($(grep -o 'emulated (TCG)\|accelerator: KVM' "$out" | head -1)) in $(( $(date +%s) - t0 )) s"

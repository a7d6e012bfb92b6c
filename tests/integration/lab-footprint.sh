#!/bin/bash
# lab-footprint.sh — lab-memory-footprint (an idle instance in runc,
# gVisor and a micro-VM), lab-copy-on-write (a container's first writes
# to its image's files against the host's), lab-storage-increment (the
# storage one more runc container, Docker container and micro-VM adds) and
# lab-startup-order (runc, Docker, Podman, a micro-VM and a classic VM) at
# a small size.
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

# --- lab-storage-increment -------------------------------------------------
# Each driver measures its instance's own storage at its removal; the
# figures are checked against what the host says independently.
isolab lab run lab-storage-increment -q >"$out" 2>&1
[ $? -le 1 ] || fail "lab-storage-increment exited badly: $(cat "$out")"
lab_verdict "one more container from an image on the host adds at most 1 MiB of storage"
lab_verdict "one more VM adds at least 100 times the storage of one more container"
lab_ends_ok 6
isolab report >"$test_state/st.txt" 2>&1 || fail "report of lab-storage-increment: $(cat "$test_state/st.txt")"
row() { sed -n '/^host storage each instance added/,/^[a-z]* *(\|^cgroup/p' "$test_state/st.txt" | grep -E "^idle +$1 +2 "; }
kb() { row "$1" | awk '{print $4}'; }
[ -n "$(row runc)" ] && [ -n "$(row docker)" ] && [ -n "$(row qemu-microvm)" ] ||
	fail "lab-storage-increment: a runtime has no storage row of 2 instances: $(cat "$test_state/st.txt")"
# runc: the overlay's upper and work dirs, a few mount points: above 0, at most 1 MiB
row runc | grep -q "its overlay's upper and work dirs" && [ "$(kb runc)" -gt 0 ] && [ "$(kb runc)" -le 1024 ] ||
	fail "lab-storage-increment: runc's storage: $(row runc)"
# docker: the storage driver dockerd reports; with vfs, a whole copy of the image
driver=$(docker info --format '{{.Driver}}' 2>/dev/null)
row docker | grep -q "storage driver $driver" || fail "lab-storage-increment: docker's row does not name $driver: $(row docker)"
# The row names the image the containers were made from (several
# isolab-rootfs images are on the host: one per rootfs kind and probe).
if [ "$driver" = vfs ]; then
	image=$(row docker | grep -o 'the image isolab-rootfs:[^ ]*' | cut -d' ' -f3)
	[ -n "$image" ] || fail "lab-storage-increment: docker's vfs row names no image: $(row docker)"
	image_kb=$(( $(docker image inspect --format '{{.Size}}' "$image") / 1024 ))
	[ "$(kb docker)" -ge $((image_kb * 8 / 10)) ] && [ "$(kb docker)" -le $((image_kb * 12 / 10)) ] ||
		fail "lab-storage-increment: docker (vfs) took $(kb docker) kB, the image $image is $image_kb kB"
fi
# the JSON report has the same rows, with what each driver measured
isolab report --json "$test_state/st.json" >/dev/null 2>&1 || fail "report --json of lab-storage-increment"
python3 - "$test_state/st.json" "$(kb docker)" <<'EOF' || fail "lab-storage-increment: the JSON report's storage rows"
import json, sys
rows = {c["runtime"]: c for c in json.load(open(sys.argv[1]))["cost"] if c["quantity"] == "disk_kb"}
assert set(rows) == {"runc", "docker", "qemu-microvm"}, rows
assert all(c["role"] == "total" and c["n"] == 2 and c["unit"] == "kB" for c in rows.values()), rows
assert rows["runc"]["what"] == "its overlay's upper and work dirs", rows["runc"]
assert "storage driver" in rows["docker"]["what"] and round(rows["docker"]["mean"]) == int(sys.argv[2]), rows["docker"]
assert rows["qemu-microvm"]["what"].startswith("its scratch disk"), rows["qemu-microvm"]
EOF
# the micro-VM: its scratch disk's blocks, sparse: more than 1 MiB of file
# system, less than its 1 GiB size
[ "$(kb qemu-microvm)" -gt 1024 ] && [ "$(kb qemu-microvm)" -lt 1048576 ] ||
	fail "lab-storage-increment: the micro-VM's storage: $(row qemu-microvm)"
ok "lab-storage-increment: $(lab_outcomes) (kB: runc $(kb runc), docker $(kb docker) with $driver, qemu-microvm $(kb qemu-microvm))"

# --- lab-copy-on-write -----------------------------------------------------
# runc rewrites the 1,024 files of its image (rootfs cow), each copied up
# into its overlay at the first write; native rewrites the same files,
# laid out beforehand, in place. The copies are the runc instance's storage.
isolab lab run lab-copy-on-write -t 5 -n 3 -q >"$out" 2>&1
[ $? -le 1 ] || fail "lab-copy-on-write exited badly: $(cat "$out")"
lab_verdict "a container's first writes to the files of its image are at least 40% slower than on the host"
lab_ends_ok 6
isolab report >"$test_state/cow.txt" 2>&1 || fail "report of lab-copy-on-write: $(cat "$test_state/cow.txt")"
cow_kb=$(sed -n '/^host storage each instance added/,/^cgroup/p' "$test_state/cow.txt" | grep -E "^rewrite +runc +3 " | awk '{print $4}')
# 1,024 x 32 KiB = 32,768 kB of copies, plus the upper layer's directories
[ -n "$cow_kb" ] && [ "$cow_kb" -ge 32768 ] && [ "$cow_kb" -le 36864 ] ||
	fail "lab-copy-on-write: runc's storage is not the 1,024 files copied up: $(cat "$test_state/cow.txt")"
run=$(latest_run)
grep -q '"type":"storage"' "$run/journal.jsonl" && ! grep '"type":"storage"' "$run/journal.jsonl" | grep -q '"kb":0' ||
	fail "lab-copy-on-write: the journal's storage records: $(grep '"type":"storage"' "$run/journal.jsonl")"
ok "lab-copy-on-write: $(grep -A2 -E "^  \[[a-z ]+\] a container's first writes" "$out" | tr -s ' \n' ' ' | cut -c1-220); runc's copies $cow_kb kB"

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

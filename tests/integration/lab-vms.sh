#!/bin/bash
# lab-vms.sh — the VM labs that give a verdict on any machine, because
# both sides run the same way under TCG or KVM: lab-vm-disk-cache (the
# same VM with its scratch disk through the host's page cache, or not),
# at a small size. QEMU is told the cache mode the runtime names (the
# guest line of every instance says it), and the rule reaches a verdict.
# Under ISOLAB_TEST_KVM the machine played is whatever vm-lib.sh plays.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/vm-lib.sh"
. "$top_srcdir/tests/integration/lab-lib.sh"
out=$test_state/out

isolab lab run lab-vm-disk-cache -t 2 -n 2 -q >"$out" 2>&1
[ $? -le 1 ] || fail "lab-vm-disk-cache exited badly: $(cat "$out")"
rule="with the host's page cache under its disk, the same VM's random I/O is markedly faster"
lab_verdict "$rule"
run=$(latest_run)
python3 - "$run/journal.jsonl" <<'PY' || fail "lab-vm-disk-cache: the cache modes"
import json, re, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
rt = {r["id"]: r["runtime"] for r in recs if r["type"] == "instance"}
want = {"qemu": "none", "qemu-writeback": "writeback"}
seen = {}
for r in recs:
    if r["type"] == "info" and r.get("msg", "").startswith("guest: kernel "):
        m = re.search(r", scratch disk cache=(\S+)$", r["msg"])
        assert m, r["msg"]
        seen.setdefault(rt[r["inst"]], set()).add(m.group(1))
assert {k: {v} for k, v in want.items()} == seen, seen
ends = [r for r in recs if r["type"] == "end"]
assert len(ends) == 4 and all(e["status"] == "ok" for e in ends), ends
print("cache modes:", {k: sorted(v) for k, v in seen.items()})
PY
ok "lab-vm-disk-cache: $(lab_outcomes)$(grep -Eo 'qemu-writeback file rate = [0-9]+ IOPS, qemu = [0-9]+: ratio [0-9.]+' "$out")"
assert_nothing_left "$(basename "$run")"

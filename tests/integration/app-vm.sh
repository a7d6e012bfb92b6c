#!/bin/bash
# Each application workload for 3 s in a QEMU VM (KVM when the boot probe
# says it works, else TCG, as on this machine): the server and its
# libraries boot in the guest's initramfs, the instance directory
# (generated configuration, the database made by the prepare phase) reaches
# the guest on its scratch disk, and the load generator on the host reaches
# the server over the instance's bridge: virtio-net on a tap, the guest at
# the instance's address, every instance's veth having carried its traffic
# (counted by the driver before the link goes). Every instance ends ok with
# nonzero throughput and its latencies parsed, per second too, and nothing
# survives: no QEMU, no server, no scratch disk, no database directory.
. "$top_srcdir/tests/integration/app-lib.sh"
. "$top_srcdir/tests/integration/vm-lib.sh"

conf=$test_state/apps-vm.conf
cat >"$conf" <<CONF
experiments = {
  apps-vm = { runtimes = [ "qemu" ];
    workloads = [ "nginx", "mariadb", "redis", "postgresql" ];
    repetitions = 1; duration = 3.0; grace = 60.0; network = "bridge"; baseline = "qemu"; };
};
CONF
# Redis slices of 5000 requests: an emulated guest serves a few thousand a second.
# Its warm-up SETs 10,000 keys, not 100,000: once, the SETs through QEMU's
# user-mode network stalled after 35,000 (0 replies a second for 30 s) and
# the setup failed; ten times fewer keys spend ten times less there.
# Four connections, not sixteen: each slice connects anew through the
# user-mode network, and a connection whose reply never comes holds
# redis-benchmark (it has no timeout) until the grace ends. That stall,
# Redis timing out with every other instance ok, has come back in about
# one full CI run in two (once in the ASan pass, with the host loaded),
# and once Redis alone failed in 5 s where it had always timed out; once,
# in the ASan pass, its warm-up stalled the same way when Redis ran again
# alone. The cause was found on 2026-12-05: under TCG the guest's
# virtio-net path stalls for good with event_idx on (4 of 16 Redis runs
# here, every connection and new ones too, the guest itself running on);
# the qemu driver turns it off under TCG, and 16 of 16 then ran through.
# (All of that was on QEMU's user-mode network, before the guest was put on
# a tap on the instance's bridge; the small sizes keep the test short.)
# The retry stays, for what has not been seen yet: when Redis alone did
# not end ok (its error is printed), it runs alone up to twice more, and
# one of those runs must pass. Any other failure, or three of Redis,
# fails the test.
isolab -c "$conf" run -e apps-vm -q -p requests=5000 -p keyspace=10000 -p connections=4 >"$test_state/out" 2>&1
rc=$?
cat "$test_state/out"
run=$(latest_run)
run2=
extra=()
journals=("$run/journal.jsonl")
if [ $rc -ne 0 ]; then
	python3 - "$run/journal.jsonl" "$test_state/others.jsonl" <<'PY' || fail "isolab run -e apps-vm exited $rc"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
inst = {r["id"]: r["workload"] for r in recs if r.get("type") == "instance"}
bad = [r for r in recs if r.get("type") == "end" and r["status"] != "ok"]
for r in bad:
    print("not ok: %s %s: %s" % (inst[r["inst"]], r["status"], r.get("error")), file=sys.stderr)
if not bad or any(inst[r["inst"]] != "redis" for r in bad):
    sys.exit(1)
stalled = {r["inst"] for r in bad}
with open(sys.argv[2], "w") as out:
    for r in recs:
        if r.get("inst", r.get("id") if r.get("type") == "instance" else None) not in stalled:
            out.write(json.dumps(r) + "\n")
PY
	for attempt in 1 2; do
		echo "note: Redis in the VM did not end ok, every other instance did: Redis alone, attempt $attempt of 2"
		isolab -c "$conf" run -e apps-vm -w redis -q -p requests=5000 -p keyspace=10000 -p connections=4 \
			>"$test_state/redis.out" 2>&1
		rc2=$?
		cat "$test_state/redis.out"
		r=$(latest_run)
		[ "$r" != "$run" ] && [ "$r" != "$run2" ] || fail "no new run of Redis alone"
		extra+=("$r")
		run2=$r
		[ $rc2 -eq 0 ] && break
		[ "$attempt" -eq 2 ] && fail "Redis in the VM failed three times (see above)"
	done
	journals=("$test_state/others.jsonl" "$run2/journal.jsonl")
fi

app_journal_check qemu "${journals[@]}" || fail "journal check"

# Served over virtio-net on the bridge: each of the first run's four
# instances says so, and its veth carried packets to the guest and back.
python3 - "$run/journal.jsonl" <<'PY' || fail "not every server in the VM was served over a tap on the bridge"
import json, re, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
inst = {r["id"]: r["workload"] for r in recs if r.get("type") == "instance"}
for i, w in sorted(inst.items()):
    msgs = [r["msg"] for r in recs if r.get("type") == "info" and r.get("inst") == i]
    if not any(m.startswith("network bridge: virtio-net on tap tap0") for m in msgs):
        sys.exit("%s: no virtio-net tap on the bridge: %s" % (w, msgs))
    t = [re.search(r"carried (\d+) packets .* to the guest and (\d+) ", m) for m in msgs]
    t = [m for m in t if m]
    if not t or int(t[0].group(1)) < 100 or int(t[0].group(2)) < 100:
        sys.exit("%s: its veth carried too little: %s" % (w, [m.group(0) for m in t]))
    print("%s: veth %s" % (w, t[0].group(0)))
PY

ls "$run"/instances/*/nginx.conf >/dev/null 2>&1 || fail "no generated nginx.conf in $run"
ls -d "$run"/instances/*/mysql "$run"/instances/*/pg 2>/dev/null | grep -q . && fail "a database directory was left in $run"
ls "$run"/instances/*.scratch.img 2>/dev/null | grep -q . && fail "a scratch disk was left in $run"
for r in "$run" "${extra[@]}"; do
	pgrep -f "qemu-system.*$(basename "$r")" >/dev/null && fail "a QEMU of $r survived"
	left=$(app_procs "$r")
	[ -z "$left" ] || fail "processes of $r survived: $(ps -o pid=,args= -p "$(echo $left | tr ' ' ,)")"
	assert_nothing_left "$(basename "$r")"
done
ok "nginx, MariaDB, Redis and PostgreSQL ran in a QEMU VM, loaded from the host over virtio-net on the bridge"

#!/bin/bash
# lab-overcommit.sh — memory pools and lab-soft-hard-memory.
#  - A pool binds: an experiment's memory_pool becomes the hard limit of
#    its instances' parent cgroup (seen in the cgroup file while the run
#    goes on), and a page-cache reader whose file is larger than the pool
#    reads it again from the disk, though it has no limit of its own.
#  - A runtime that cannot put its instances in a pool is refused by name.
#  - lab-soft-hard-memory at a small size, in the sandbox and runc: two
#    members promised 192 MiB each in a pool of 256 MiB. The one that needs
#    224 MiB reads at least a third faster under soft limits than under
#    hard ones (the rules agree), because under the hard limit its file is
#    read again from the disk and under the soft one it is not.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/runtimes-lib.sh"
. "$top_srcdir/tests/integration/lab-lib.sh"
command -v python3 >/dev/null || skip "python3 is needed to read the report"
need_runtime runc
out=$test_state/out

# The memory hierarchy's file that holds a cgroup's hard limit: v1's
# memory controller, else v2's, which a hybrid machine mounts at unified/.
v2=/sys/fs/cgroup
[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || v2=/sys/fs/cgroup/unified
if [ -d /sys/fs/cgroup/memory ] && [ "$(stat -f -c %T /sys/fs/cgroup/memory)" = cgroupfs ]; then
	pool_file=/sys/fs/cgroup/memory/isolab/*/memory.limit_in_bytes
elif grep -qw memory "$v2/cgroup.controllers" 2>/dev/null; then
	pool_file=$v2/isolab/*/memory.max
else
	skip "no memory controller in this machine's cgroups"
fi

# --- a pool binds --------------------------------------------------------
conf=$test_state/pool.conf
cat >"$conf" <<'CONF'
experiments = {
  pool = {
    runtimes = [ "sandbox" ];
    workloads = [ "cacheread" ];
    params = { size = "160M"; };
    repetitions = 1;
    duration = 3.0;
    memory_pool = "96M";
  };
  pool-native = {
    runtimes = [ "native" ];
    workloads = [ "cacheread" ];
    params = { size = "8M"; };
    repetitions = 1;
    duration = 1.0;
    memory_pool = "96M";
  };
};
CONF
# 96 MiB = 100663296 bytes, looked for in every isolab run's parent cgroup
# while the run goes on (another test's pools have other sizes).
(
	for _ in $(seq 200); do
		cat $pool_file 2>/dev/null | grep -qx 100663296 && { echo seen >"$test_state/pool-seen"; break; }
		sleep 0.1
	done
) &
poller=$!
isolab -c "$conf" run -e pool -q --json "$test_state/pool.json" >"$out" 2>&1 || fail "the pooled run failed: $(cat "$out")"
wait "$poller"
[ -f "$test_state/pool-seen" ] || fail "no isolab parent cgroup had the pool's 96 MiB as its limit ($pool_file)"
run=$(latest_run)
python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["experiment"]["limits"].get("memory_pool") != 96 << 20)' \
	"$run/env.json" || fail "the run's environment record has no memory_pool of 96 MiB: $(grep -A9 '"limits"' "$run/env.json")"
python3 - "$test_state/pool.json" <<'EOF' || fail "the pool did not bind the reader"
import json, sys
rows = [c for c in json.load(open(sys.argv[1]))["cost"] if c["quantity"] == "read_kb" and c["role"] == "workload"]
assert len(rows) == 1, rows
# 160 MiB of file in 96 MiB: at least a third of it cannot stay cached, and
# 3 s of random reads go to the disk for those pages again and again.
assert rows[0]["mean"] > 32768, "the reader read %s kB from the disk, expected above 32768" % rows[0]["mean"]
print("ok: in a 96 MiB pool the 160 MiB reader read %.0f kB from the disk" % rows[0]["mean"])
# The sandbox's init reaps the reader, and the kernel then adds the
# reader's whole count to the init's: counted once, as the workload's,
# its last part second too (which only the init's count holds).
init = [c for c in json.load(open(sys.argv[1]))["cost"] if c["quantity"] == "read_kb" and c["role"] == "runtime"]
assert len(init) == 1 and init[0]["mean"] is not None, init
assert init[0]["mean"] <= 0.05 * rows[0]["mean"] + 1024, \
    "the sandbox's runtime read %.0f kB beside the reader's %.0f" % (init[0]["mean"], rows[0]["mean"])
print("ok: the sandbox's runtime read %.0f kB beside it" % init[0]["mean"])
EOF
assert_nothing_left "$(basename "$run")"
ok "a pool binds: the parent cgroup's limit is 96 MiB, the reader without a limit of its own reads from disk"

isolab -c "$conf" run -e pool-native -q >"$out" 2>&1 && fail "native ran in a memory pool: $(cat "$out")"
grep -q "runtime native (driver native) cannot honour the limit 'memory_pool'" "$out" ||
	fail "native's refusal does not name the limit: $(cat "$out")"
ok "native is refused by name: $(grep -o "runtime native[^;]*" "$out" | head -1)"

# --- lab-soft-hard-memory ------------------------------------------------
isolab lab run lab-soft-hard-memory -t 2 -n 2 -q >"$out" 2>&1
[ $? -le 1 ] || fail "lab-soft-hard-memory exited badly: $(cat "$out")"
for rule in "with soft limits the member that needs more than its share" "so it does in runc containers"; do
	grep -q "^  \[agreed\] $rule" "$out" || fail "'$rule' did not agree: $(sed -n '/^Measured on/,$p' "$out")"
done
# sandbox and runc, each: hard and soft variants, 2 targets alone and 2 with their neighbour
lab_ends_ok 24
isolab report --json "$test_state/lab.json" >/dev/null 2>&1 || fail "report --json of lab-soft-hard-memory"
python3 - "$test_state/lab.json" "$(latest_run)/journal.jsonl" <<'EOF' || fail "lab-soft-hard-memory: the limits and the reads"
import json, sys
reads = {(c["runtime"], c["variant"]): c["mean"] for c in json.load(open(sys.argv[1]))["cost"]
         if c["quantity"] == "read_kb" and c["role"] == "workload"}
for rt in ("sandbox", "runc"):
    hard, soft = reads[(rt, "hard/neighbours")], reads[(rt, "soft/neighbours")]
    # Under the hard limit a seventh of the 224 MiB file is evicted again and
    # again; under the soft one it all stays cached.
    assert hard > 16384 and soft < hard / 10, (rt, hard, soft)
    print("ok: %s read %.0f kB from the disk under hard limits, %.0f under soft ones" % (rt, hard, soft))
insts = [json.loads(l) for l in open(sys.argv[2]) if '"type":"instance"' in l]
for i in insts:
    lim = i.get("limits", {})
    assert lim.get("memory_pool") == 256 << 20, i
    want = {"hard": ("memory", 192 << 20), "soft": ("memory_soft", 192 << 20)}[i["variant"].split("/")[0]]
    assert lim.get(want[0]) == want[1], (want, i)
print("ok: %d instances, each in the 256 MiB pool with its variant's limit" % len(insts))
EOF
ok "lab-soft-hard-memory: $(grep -A2 '^  \[agreed\] with soft' "$out" | tr -s ' \n' ' ' | cut -c1-260)"

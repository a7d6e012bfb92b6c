#!/bin/bash
# Each application workload for 3 s on native, sandbox and runc (bridge
# network) and on gVisor (host network): every instance ends ok with
# nonzero throughput and its latencies parsed, the per-second samples carry
# them, the generated configuration stayed in the instance directory, the
# big data directories were removed by cleanup, and nothing survives.
. "$top_srcdir/tests/integration/app-lib.sh"
for r in runc gvisor; do need_runtime "$r"; done

# Redis slices of 10000 requests: under gVisor (~7000 GETs/s with ptrace) the
# default 40000 would make one slice longer than the whole 3 s run.
conf=$test_state/apps.conf
apps_conf "$conf" 3
run_isolab -c "$conf" run -e apps-bridge -q -p requests=10000
bridge=$(latest_run)
run_isolab -c "$conf" run -e apps-host -q -p requests=10000
host=$(latest_run)

python3 - "$bridge/journal.jsonl" "$host/journal.jsonl" <<'PY' || fail "journal check"
import json, sys
need = {"nginx": ["rate", "p50", "p95", "p99"], "mariadb": ["rate", "qps", "p95"],
        "redis": ["rate", "p50", "p95", "p99"], "postgresql": ["rate", "avg"]}
seen = set()
for path in sys.argv[1:]:
    inst, per_second = {}, {}
    for line in open(path):
        r = json.loads(line)
        if r.get("type") == "instance":
            inst[r["id"]] = (r["runtime"], r["workload"])
        elif r.get("type") == "sample" and r["metrics"]:
            per_second.setdefault(r["inst"], set()).update(r["metrics"])
        elif r.get("type") == "end":
            rt, wl = inst[r["inst"]]
            if r["status"] != "ok":
                sys.exit(f"{rt} {wl}: {r['status']}: {r['error']}")
            m = r["metrics"]
            for k in need[wl]:
                if not (m.get(k, 0) > 0):
                    sys.exit(f"{rt} {wl}: metric {k} missing or zero: {m}")
            if "rate" not in per_second.get(r["inst"], ()):
                sys.exit(f"{rt} {wl}: no per-second rate in the samples")
            print(f"ok: {rt:8} {wl:11} rate {m['rate']:.1f}")
            seen.add((rt, wl))
want = {(rt, wl) for rt in ("native", "sandbox", "runc", "gvisor") for wl in need}
if seen != want:
    sys.exit(f"missing: {sorted(want - seen)}")
PY

for dir in "$bridge" "$host"; do
	# The generated configuration is kept as a record; the data is gone.
	ls "$dir"/instances/*/nginx.conf >/dev/null 2>&1 || fail "no generated nginx.conf in $dir"
	ls "$dir"/instances/*/pg_hba.conf >/dev/null 2>&1 || fail "no generated pg_hba.conf in $dir"
	ls -d "$dir"/instances/*/mysql "$dir"/instances/*/pg 2>/dev/null | grep -q . &&
		fail "a database directory was left in $dir"
	left=$(app_procs "$dir")
	[ -z "$left" ] || fail "processes of $dir survived: $(ps -o pid=,args= -p "$(echo $left | tr ' ' ,)")"
	assert_nothing_left "$(basename "$dir")"
done
ok "nginx, MariaDB, Redis and PostgreSQL ran on native, sandbox, runc and gVisor"

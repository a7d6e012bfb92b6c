#!/bin/bash
# Each application workload for 3 s on native, sandbox, runc and gVisor
# (bridge network), and nginx on gVisor (host network): every instance ends ok with
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
bridge=$(latest_run) bridge_out=$out
# apps-host runs nginx only, which has no parameter requests: passing it
# would be refused as a parameter no workload of the run declares.
run_isolab -c "$conf" run -e apps-host -q
host=$(latest_run)

app_journal_check native,sandbox,runc,gvisor "$bridge/journal.jsonl" "$host/journal.jsonl" || fail "journal check"
# gVisor on the bridge: the server is in the instance's own network
# namespace (the fingerprint), reached at its veth address; where this runsc
# refuses its own netstack there, every gVisor instance says so in the
# journal and the run's output says it once.
python3 - "$bridge/journal.jsonl" <<'PY' || fail "gVisor on the bridge"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
gv = {r["id"] for r in recs if r["type"] == "instance" and r["runtime"] == "gvisor"}
fps = [r for r in recs if r["type"] == "fingerprint" and r["inst"] in gv]
assert len(fps) == 4 and all("net" in f["ns_differs"] for f in fps), fps
marked = {r["inst"] for r in recs if r["type"] == "network" and r["inst"] in gv}
assert marked in (set(), gv), ("some gVisor instances marked, not all", marked, gv)
print("gVisor on the bridge, own netns:", len(fps), "instances;",
      "host kernel's stack (this runsc refuses netstack in a namespace)" if marked else "gVisor's netstack")
PY
if grep -q '"type":"network"' "$bridge/journal.jsonl"; then
	[ "$(grep -c 'gvisor on the bridge: this runsc refuses' "$bridge_out")" -eq 1 ] ||
		fail "the netstack fallback is not said exactly once: $(grep -c 'gvisor on the bridge' "$bridge_out")"
fi

for dir in "$bridge" "$host"; do
	# The generated configuration is kept as a record; the data is gone.
	ls "$dir"/instances/*/nginx.conf >/dev/null 2>&1 || fail "no generated nginx.conf in $dir"
	[ "$dir" = "$host" ] || ls "$dir"/instances/*/pg_hba.conf >/dev/null 2>&1 || fail "no generated pg_hba.conf in $dir"
	ls -d "$dir"/instances/*/mysql "$dir"/instances/*/pg 2>/dev/null | grep -q . &&
		fail "a database directory was left in $dir"
	left=$(app_procs "$dir")
	[ -z "$left" ] || fail "processes of $dir survived: $(ps -o pid=,args= -p "$(echo $left | tr ' ' ,)")"
	assert_nothing_left "$(basename "$dir")"
done
ok "nginx, MariaDB, Redis and PostgreSQL ran on native, sandbox, runc and gVisor (bridge), and nginx on gVisor (host)"

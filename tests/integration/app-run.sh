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

app_journal_check native,sandbox,runc,gvisor "$bridge/journal.jsonl" "$host/journal.jsonl" || fail "journal check"

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

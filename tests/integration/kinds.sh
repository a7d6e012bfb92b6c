#!/bin/bash
# kinds.sh — each experiment kind at a small size (N up to 4, 2 s) on
# native, sandbox and runc, checking the report fields each kind adds:
# degradation and DNF (interference), per-instance RSS/PSS, aggregates and
# fits (scale), variant rows (allocation), start-up percentiles and the idle
# footprint (startup). Then nothing of the runs is left behind.
. "$top_srcdir/tests/integration/sandbox-lib.sh"
command -v python3 >/dev/null || skip "python3 is needed to read the JSON report"

rts=(native sandbox)
isolab list runtimes 2>/dev/null | awk '$1 == "runc" && $3 == "available"' | grep -q . && rts+=(runc)
contained=$(IFS=,; echo "${rts[*]:1}")
all=$(IFS=,; echo "${rts[*]}")

# Events for about 1 s of native cpu at this machine's best speed (other
# tests may load it), to size the starved target below: it must finish
# alone within 5 s and cannot beside eleven others on its core.
rate=$(isolab run -r native -w cpu -n 3 -t 1 -q --json "$test_state/cal.json" >/dev/null 2>&1 &&
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(int(max([r for r in d['rows'] if r['metric']=='rate'][0]['values'])))" "$test_state/cal.json")
[ -n "$rate" ] && [ "$rate" -gt 0 ] || fail "calibration run gave no cpu rate"

cat >"$test_state/kinds.conf" <<EOF
workloads = {
  cpu-events = {
    description = "cpu until a number of events, however long it takes";
    argv = [ "\${probe}", "cpu", "--events", "$rate" ];
    ready = "^probe=cpu kind=ready ";
    metrics = (
      { name = "rate"; kind = "throughput"; unit = "events/s"; better = "higher"; summary = true;
        pattern = "^probe=cpu kind=summary .* rate=(?<value>[0-9.]+) "; }
    );
  };
  fixedport = {
    description = "a server on one fixed port: a second instance on the same network cannot start";
    argv = [ "\${probe}", "net-server", "--listen", "127.0.0.1:$((20000 + RANDOM % 20000))", "--time", "\${duration}" ];
    ready = "^probe=net-server kind=ready ";
  };
  zero = {
    description = "a target that reports it did no work";
    argv = [ "echo", "done rate=0 " ];
    metrics = ( { name = "rate"; kind = "throughput"; unit = "ops/s"; better = "higher"; summary = true;
                  pattern = "rate=(?<value>[0-9.]+) "; } );
  };
};
experiments = {
  t-zero = { kind = "interference"; runtimes = [ "native" ]; workloads = [ "zero" ]; repetitions = 1; duration = 1.0;
    neighbours = ( { workload = "cpu"; class = "competing"; } ); };
  t-fit = { kind = "scale"; runtimes = [ "native" ]; workloads = [ "fixedport" ]; repetitions = 1;
    duration = 1.0; grace = 2.0; max_instances = 8; };
  t-interference = { kind = "interference"; runtimes = [ "native", "sandbox" ]; workloads = [ "cpu" ];
    repetitions = 1; duration = 2.0;
    neighbours = ( { workload = "cpu"; class = "competing"; } ); };
  t-classes = { kind = "interference"; runtimes = [ "sandbox" ]; workloads = [ "cpu" ];
    repetitions = 1; duration = 2.0; limits = { pids = 64; memory = "128M"; };
    neighbours = ( { workload = "cpu"; class = "competing"; }, { workload = "forkbomb"; class = "adversarial"; } ); };
  t-starve = { kind = "interference"; runtimes = [ "sandbox" ]; workloads = [ "cpu-events" ];
    repetitions = 1; duration = 1.0; grace = 4.0; limits = { cpuset = "0"; };
    neighbours = ( { workload = "cpu"; class = "competing"; count = 11; } ); };
  t-scale = { kind = "scale"; runtimes = [ "native" ]; workloads = [ "cpu" ]; repetitions = 1;
    duration = 2.0; max_instances = 4; };
  t-allocation = { kind = "allocation"; runtimes = [ "sandbox" ]; workloads = [ "cpu" ]; repetitions = 1;
    duration = 2.0; instances = 2;
    variants = ( { name = "cpuset"; limits = { cpuset = "0"; }; }, { name = "shares"; limits = { weight = 50; }; },
                 { name = "quota"; limits = { cpus = 0.5; }; } ); };
  t-startup = { kind = "startup"; runtimes = [ "native" ]; workloads = [ "start" ]; repetitions = 3; duration = 2.0; };
  t-flood = { kind = "interference"; runtimes = [ "sandbox" ]; workloads = [ "cpu" ]; repetitions = 1; duration = 3.0;
    limits = { pids = 64; memory = "128M"; };
    neighbours = ( { workload = "udpflood"; class = "adversarial"; } ); };
  t-refused = { kind = "interference"; runtimes = [ "sandbox" ]; workloads = [ "cpu" ]; repetitions = 1; duration = 1.0;
    limits = { pids = 64; };
    neighbours = ( { workload = "mallocbomb"; class = "adversarial"; } ); };
};
EOF
conf=$test_state/kinds.conf

# Runs experiment $1 with more options; the report JSON lands in $json.
run_exp() {
	local name=$1
	shift
	json=$test_state/$name.json
	isolab -c "$conf" run -e "$name" -q --json "$json" "$@" >"$test_state/$name.out" 2>&1
	[ -s "$json" ] || { cat "$test_state/$name.out"; fail "$name: no JSON report"; }
}

# check EXPR: a Python expression over d (the report) that must hold.
check() {
	python3 - "$json" "$1" <<'PY' || { cat "$test_state"/*.out | tail -40; fail "$2"; }
import json, sys
d = json.load(open(sys.argv[1]))
rows = d["rows"]
def row(rt, variant, metric, workload=None):
    for r in rows:
        if r["runtime"] == rt and (r["variant"] or "") == variant and r["metric"] == metric and \
           (workload is None or r["workload"] == workload):
            return r
    raise SystemExit("no row %s/%s %s in %s" % (rt, variant, metric, [(r["runtime"], r["variant"], r["metric"]) for r in rows]))
if not eval(sys.argv[2]):
    raise SystemExit("does not hold: " + sys.argv[2])
PY
}

# interference: the target alone, then beside a competing neighbour.
run_exp t-interference -r "$all"
for rt in "${rts[@]}"; do
	check "row('$rt','neighbours','rate')['degradation_pct'] is not None and row('$rt','neighbours','rate')['dnf'] == 0 and row('$rt','alone','rate')['n'] == 1" \
		"interference on $rt: the target's degradation and dnf"
done
# Neighbours make no rows of their own.
check "all(r['variant'] in ('alone', 'neighbours') for r in rows) and d['kind'] == 'interference'" "interference: only target rows"
grep -q '"role":"neighbour"' "$test_state"/runs/*/journal.jsonl || fail "interference: no neighbour instance journaled"
ok "interference: degradation per runtime (${rts[*]})"

# Neighbours of two classes: a phase for each, against the same target
# alone, each with only its class's neighbours.
run_exp t-classes
check "row('sandbox','competing','rate')['degradation_pct'] is not None and row('sandbox','adversarial','rate')['degradation_pct'] is not None and row('sandbox','alone','rate')['n'] == 1" \
	"interference by class: a degradation per class"
check "all(r['variant'] in ('alone', 'competing', 'adversarial') for r in rows)" "interference by class: a row per class"
check "sorted((l['variant'], l['workload'], l['class']) for l in d['neighbours']) == [('adversarial', 'forkbomb', 'adversarial'), ('competing', 'cpu', 'competing')]" \
	"interference by class: each phase had only its class's neighbours"
ok "interference: a phase per neighbour class"

# A target that needs one CPU-second of work, pinned with eleven neighbours
# to one core: alone it finishes, beside them it cannot within duration + grace.
run_exp t-starve
check "row('sandbox','alone','rate')['n'] == 1 and row('sandbox','neighbours','rate')['dnf'] == 1 and row('sandbox','neighbours','rate')['n'] == 0" \
	"starved target: DNF"
grep -q "ran past its duration plus grace" "$test_state/t-starve.out" || fail "starved target: no timeout reported"
ok "interference: a starved target is DNF"

# A target that ran its time but did nothing beside its neighbours is DNF too.
run_exp t-zero
check "row('native','neighbours','rate')['dnf'] == 1" "a target without progress: DNF"
grep -q "made no progress beside its neighbours" "$test_state/t-zero.out" || fail "no-progress target: no reason given"
ok "interference: a target that made no progress is DNF"

# A UDP flood inside the neighbour's own network namespace: it sends (its
# socat burns CPU) and the target still finishes.
command -v socat >/dev/null || fail "socat is missing: the udpflood neighbour needs it (./quickstart installs it)"
run_exp t-flood -r "$contained"
for rt in "${rts[@]:1}"; do
	check "row('$rt','neighbours','rate')['n'] == 1 and row('$rt','neighbours','rate')['dnf'] == 0" "udp flood on $rt: the target finishes"
done
python3 - "$test_state" <<'PY' || fail "udp flood: the neighbour did not send"
import glob, json, sys
# runs/latest, not the last id by name: two runs started in the same second
# sort by their random suffix.
cpu = 0
for line in open(sys.argv[1] + "/runs/latest/journal.jsonl"):
    r = json.loads(line)
    if r.get("type") == "sample":
        cpu = max([cpu] + [p["cpu"] for p in r["procs"] if p["comm"] == "socat"])
sys.exit(0 if cpu > 5 else "socat at most %.1f%% CPU" % cpu)
PY
ok "interference: a UDP flood on the neighbour's own netns"

# Adversaries without both pids and memory limits are refused before anything starts.
isolab -c "$conf" run -e t-refused -q >"$test_state/refused.out" 2>&1 && fail "an adversary without a memory limit ran"
grep -q "needs limits.pids and limits.memory" "$test_state/refused.out" || fail "refusal does not say why: $(cat "$test_state/refused.out")"
ok "adversary refused without limits"

# scale: N = 1, 2, 4.
run_exp t-scale -r "$all"
for rt in "${rts[@]}"; do
	check "row('$rt','N=4','rss_kb')['n'] == 4 and row('$rt','N=4','rss_kb')['mean'] > 100 and row('$rt','N=4','pss_kb')['mean'] > 0" \
		"scale on $rt: RSS and PSS per instance"
	check "row('$rt','N=4','rate')['n'] == 4 and abs(row('$rt','N=4','rate')['aggregate'] - 4 * row('$rt','N=4','rate')['mean']) < 1e-6 * row('$rt','N=4','rate')['aggregate'] + 1e-9" \
		"scale on $rt: aggregate is the sum of the instances"
	# how evenly the instances shared: Jain's index between 1/N and 1
	check "0.25 < row('$rt','N=4','rate')['fairness']['jain'] <= 1 and 0 < row('$rt','N=4','rate')['fairness']['lowest_share'] <= 1 and row('$rt','N=1','rate')['fairness'] is None" \
		"scale on $rt: fairness of the instances' rates"
	# PSS by role: every instance's workload, and in all what the instance's row says
	check "[(c['n'], c['mean'] > 0) for c in d['cost'] if c['runtime'] == '$rt' and c['variant'] == 'N=4' and c['role'] == 'workload' and c['quantity'] == 'pss_kb' and not c['component']] == [(4, True)]" \
		"scale on $rt: PSS of the workload role in every instance"
	check "abs([c['mean'] for c in d['cost'] if c['runtime'] == '$rt' and c['variant'] == 'N=4' and c['role'] == 'total' and c['quantity'] == 'pss_kb'][0] - row('$rt','N=4','pss_kb')['mean']) <= 0.01 * row('$rt','N=4','pss_kb')['mean']" \
		"scale on $rt: PSS by role adds up to the instance's"
	check "row('$rt','N=4','startup_nth_ms')['n'] == 1 and row('$rt','N=1','rate')['n'] == 1" "scale on $rt: start-up of the N-th"
	check "any(f['runtime'] == '$rt' and f['fit'] == 4 and f['tried'] == 4 for f in d['fits'])" "scale on $rt: 4 of 4 fit"
done
ok "scale: per-instance RSS/PSS, aggregate, N-th start-up, fit (${rts[*]})"

# One window per N. The aggregate at N=4 is at most what the machine's CPUs
# can do (10% of noise): min(CPUs, 4) x the single instance's rate per CPU
# it used (its rate on a CPU of its own, which other tests' load may have
# denied it); no row is flagged as impossible. Every member of every N was
# ready before its group's window opened, has samples and its memory from
# inside it, and the group says it ran together.
cpus=$(nproc)
python3 - "$test_state/runs/latest/journal.jsonl" "$json" "$cpus" <<'PY' || fail "scale: not measured over one window per N"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
rep, cpus = json.load(open(sys.argv[2])), int(sys.argv[3])
inst = {r["id"]: r for r in recs if r.get("type") == "instance"}
used = {}   # N=1 instance -> CPU-seconds and samples in which it ran
inside, groups = {}, 0
for r in recs:
    t = r.get("type")
    if t == "window":
        inside = {"sample": set(), "memory": set()}
    elif t in ("sample", "memory") and inside:
        inside[t].add(r["inst"])
    if t == "sample" and inst[r["inst"]].get("variant") == "N=1":
        c = sum(p["cpu"] for p in r["procs"]) / 100
        if c > 0:
            u = used.setdefault(r["inst"], [0, 0])
            u[0] += c
            u[1] += 1
    elif t == "group" and r.get("kind") == "scale":
        groups += 1
        m = set(r["members"])
        if not inside or not r.get("together") or r.get("window_s", 0) < 1.9:
            sys.exit("group %s: no window, or not together: %s" % (r["group"], r))
        for what in ("sample", "memory"):
            if not m <= inside[what]:
                sys.exit("group %s: instances %s have no %s inside the window" % (r["group"], sorted(m - inside[what]), what))
        inside = {}
if groups < 3:
    sys.exit("only %d scale groups" % groups)
def row(rt, v):
    return [x for x in rep["rows"] if x["runtime"] == rt and x["variant"] == v and x["metric"] == "rate"][0]
for x in rep["rows"]:
    if x["error"]:
        sys.exit(x["error"])
for rt in sorted({x["runtime"] for x in rep["rows"]}):
    one = [i for i, r in inst.items() if r["runtime"] == rt and r.get("variant") == "N=1"][0]
    c = used[one][0] / used[one][1]
    most = min(cpus, 4) * row(rt, "N=1")["mean"] / max(c, 0.5)
    agg = row(rt, "N=4")["aggregate"]
    print("%s: N=1 %.0f events/s on %.2f CPU; N=4 aggregate %.0f, at most %.0f" % (rt, row(rt, "N=1")["mean"], c, agg, most))
    if agg > 1.1 * most:
        sys.exit("%s: the aggregate at N=4 (%.0f) is more than %d CPUs can do (%.0f)" % (rt, agg, cpus, most))
PY
ok "scale: one window per N, the aggregate within what $cpus CPUs can do"

# Growing stops at the first N that does not fit: two servers cannot share
# one port on the host, so N=2 fails and N=4, N=8 are skipped.
run_exp t-fit
check "d['fits'] == [{'runtime': 'native', 'workload': 'fixedport', 'fit': 1, 'tried': 2}]" "scale: how many fit"
cat "$test_state"/runs/2*/journal.jsonl | grep -c '"type":"group_skipped"' | grep -qx 2 ||
	fail "scale: N=4 and N=8 were not skipped"
grep -q "1 of 2 instances ran together" "$test_state/t-fit.out" || fail "scale: the table does not say how many fit"
ok "scale: stops growing at the first N that does not fit"

# allocation: one group per variant, two instances each.
run_exp t-allocation -r "$contained"
for rt in "${rts[@]:1}"; do
	check "all(row('$rt', v, 'rate')['n'] == 2 for v in ('cpuset', 'shares', 'quota'))" "allocation on $rt: variant rows"
	check "row('$rt','shares','rate')['degradation_pct'] is not None" "allocation on $rt: compared with the first variant"
done
ok "allocation: variant rows (${rts[*]:1})"

# startup: three cold starts per runtime, then an idle instance's memory.
run_exp t-startup -r "$all"
for rt in "${rts[@]}"; do
	check "row('$rt','','startup_ms','start')['n'] == 3 and row('$rt','','startup_ms','start')['p95'] >= row('$rt','','startup_ms','start')['p50'] > 0" \
		"startup on $rt: percentiles"
	check "row('$rt','idle','rss_kb','idle')['mean'] > 100" "startup on $rt: idle footprint"
done
isolab report --csv "$test_state/startup.csv" >/dev/null || fail "report --csv"
head -1 "$test_state/startup.csv" | grep -q ",variant,p50,p95,aggregate,degradation_pct,dnf" || fail "CSV lacks the kind columns"
isolab report | grep -q "p95" || fail "the table shows no percentiles for startup"
ok "startup: p50/p95 of startup_ms and the idle footprint (${rts[*]})"

# Other tests may run probes at the same time: only ours count, found by
# their working directory (native) or their cgroup (containers).
runs=()
for d in "$test_state"/runs/2*; do
	runs+=("$(basename "$d")")
	assert_no_leftovers "${runs[-1]}"
done
for pid in $(pgrep -f isolab-probe); do
	cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || continue
	case "$cwd" in "$test_state"/*) fail "probe $pid left behind in $cwd" ;; esac
	for r in "${runs[@]}"; do
		grep -qF "$r" "/proc/$pid/cgroup" 2>/dev/null && fail "probe $pid of run $r left behind"
	done
done
ok "nothing left behind"

#!/bin/bash
# A workload's setup phase (loading tables into a server) runs from the
# engine's loop, beside the rest of the run: the run is sampled while it
# runs, a cancel stops it at once, a failed setup fails its instance with
# its last line, and groups that run together wait for it (a scale
# window, an interference target). Native only: no root needed.
. "$top_srcdir/tests/integration/lib.sh"

conf=$test_state/setup.conf
cat >"$conf" <<'CONF'
workloads = {
  slowset = {
    description = "a server whose setup takes ${secs} s and exits ${rc}";
    argv = [ "sh", "-c", "echo up; exec sleep 3600" ];
    ready = "^up$";
    setup = [ "sh", "-c", "echo loading tables; sleep ${secs}; exit ${rc}" ];
    companion = [ "sh", "-c", "for i in $(seq ${duration}); do echo n=5; sleep 1; done" ];
    companion_metrics = true;
    rootfs = "host";
    params = {
      secs = { type = "int"; min = 0; max = 100000; default = "4"; description = "seconds the setup takes"; };
      rc = { type = "int"; min = 0; max = 255; default = "0"; description = "the setup's exit status"; };
    };
    metrics = ( { name = "rate"; kind = "throughput"; unit = "ops/s"; better = "higher";
                  pattern = "^n=(?<value>[0-9]+)"; } );
  };
};
experiments = {
  slow-scale = { kind = "scale"; runtimes = [ "native" ]; workloads = [ "slowset" ]; repetitions = 1;
    duration = 3.0; max_instances = 2; params = { secs = "2"; }; };
  slow-neighbour = { kind = "interference"; runtimes = [ "native" ]; workloads = [ "syscall" ];
    repetitions = 1; duration = 2.0;
    neighbours = ( { workload = "slowset"; class = "competing"; count = 1; params = { secs = "3"; }; } ); };
};
CONF
journal() { echo "$test_state/runs/latest/journal.jsonl"; }

# 1. Sampled while it sets up: a 5 s setup and 2 s of load give the
# instance a sample every second of both (a setup run inside the loop
# gave none until it ended), and the journal's setup record its time.
isolab -c "$conf" run -r native -w slowset -n 1 -t 2 -p secs=5 >"$test_state/o1" 2>&1 ||
	{ cat "$test_state/o1"; fail "the run with a 5 s setup failed"; }
python3 - "$(journal)" <<'PY' || fail "the journal does not show the run sampled during its setup"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
setup = [r for r in recs if r["type"] == "setup"]
assert len(setup) == 1 and setup[0]["ok"] and 4.5 < setup[0]["setup_s"] < 8, setup
samples = [r for r in recs if r["type"] == "sample" and r.get("inst") == setup[0]["inst"]]
assert len(samples) >= 6, "%d samples over a 5 s setup and 2 s of load" % len(samples)
end = [r for r in recs if r["type"] == "end"][0]
assert end["status"] == "ok" and end["metrics"]["rate"] == 5.0, end
PY
ok "sampled through a 5 s setup"

# 2. A failed setup fails its instance, with its status and last line.
isolab -c "$conf" run -r native -w slowset -n 1 -t 2 -p secs=0 -p rc=3 >"$test_state/o2" 2>&1 &&
	{ cat "$test_state/o2"; fail "a run whose setup failed exited 0"; }
grep -q 'error: setup exited with status 3: loading tables' "$test_state/o2" ||
	{ cat "$test_state/o2"; fail "the failed setup is not reported with its status and last line"; }
ok "a failed setup fails its instance"

# 3. A cancel during a long setup ends the run at once and kills the setup.
# (isolab itself, not the shell function's subshell, gets the signal.)
"$ISOLAB" --state-dir "$test_state" -c "$conf" run -r native -w slowset -n 1 -t 2 -p secs=4321 >"$test_state/o3" 2>&1 &
pid=$!
for _ in $(seq 100); do pgrep -f 'sleep 4321' >/dev/null && break; sleep 0.1; done
pgrep -f 'sleep 4321' >/dev/null || { kill -9 $pid; cat "$test_state/o3"; fail "the setup never started"; }
t0=$SECONDS
kill -TERM $pid
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then
	kill -9 $pid
	pkill -9 -f 'sleep 4321'
	fail "isolab still ran 10 s after SIGTERM during a setup"
fi
wait $pid
grep -q 'cancelled' "$test_state/o3" || { cat "$test_state/o3"; fail "the cancelled run does not say so"; }
pgrep -f 'sleep 4321' >/dev/null && { pkill -9 -f 'sleep 4321'; fail "the setup outlived the cancelled run"; }
ok "a cancel during a setup ends the run in $((SECONDS - t0)) s and kills the setup"

# 4. Together: N=2's window opens only once both instances are set up,
# and an interference target starts only once its neighbour is.
cat >"$test_state/order.py" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
kind = sys.argv[2]
groups = {}
for r in recs:
    if r["type"] == "instance" and "group" in r:
        groups.setdefault(r["group"], {})[r["id"]] = r
pos = lambda pred: [i for i, r in enumerate(recs) if pred(r)]
checked = 0
for g, ids in groups.items():
    setups = pos(lambda r: r["type"] == "setup" and r["inst"] in ids)
    variants = {r.get("variant") for r in ids.values()}
    if kind == "scale" and variants == {"N=2"}:
        window = pos(lambda r: r["type"] == "window" and r["group"] == g)
        assert len(setups) == 2 and window and max(setups) < window[0], (g, setups, window)
        checked += 1
    if kind == "interference" and variants == {"neighbours"}:
        target = [i for i, r in ids.items() if r["role"] == "target"][0]
        launched = pos(lambda r: r["type"] == "fingerprint" and r["inst"] == target)
        assert len(setups) == 1 and launched and setups[0] < launched[0], (g, setups, launched)
        checked += 1
assert checked == 1, groups
PY
isolab -c "$conf" run -e slow-scale >"$test_state/o4" 2>&1 || { cat "$test_state/o4"; fail "slow-scale failed"; }
grep -q 'fit: native/slowset: 2 of 2 instances ran together' "$test_state/o4" ||
	{ cat "$test_state/o4"; fail "N=2's two instances were not measured together"; }
python3 "$test_state/order.py" "$(journal)" scale || fail "N=2's window opened before both were set up"
isolab -c "$conf" run -e slow-neighbour >"$test_state/o5" 2>&1 || { cat "$test_state/o5"; fail "slow-neighbour failed"; }
python3 "$test_state/order.py" "$(journal)" interference || fail "the target started before its neighbour was set up"
ok "windows and targets wait for the members' setup"

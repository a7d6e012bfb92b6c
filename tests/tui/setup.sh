#!/bin/bash
# A workload whose setup phase takes a while (a server loading its tables)
# says so while it runs: the Dashboard's progress line reads "setting up"
# and its chart says the load begins when the setup ends; then the run
# goes on as usual. `isolab run` on a terminal says "setting up" too.
. "$top_srcdir/tests/tui/lib.sh"

cat >"$test_state/test.conf" <<'CONF'
workloads = {
  slowset = {
    description = "a server whose setup takes ${secs} s";
    argv = [ "sh", "-c", "echo up; exec sleep 3600" ];
    ready = "^up$";
    setup = [ "sh", "-c", "echo loading tables; sleep ${secs}" ];
    companion = [ "sh", "-c", "for i in $(seq ${duration}); do echo n=5; sleep 1; done" ];
    companion_metrics = true;
    rootfs = "host";
    params = { secs = { type = "int"; min = 0; max = 100; default = "6"; description = "seconds the setup takes"; }; };
    metrics = ( { name = "rate"; kind = "throughput"; unit = "ops/s"; better = "higher";
                  pattern = "^n=(?<value>[0-9]+)"; } );
  };
};
CONF
experiment tui-setup '"native"' '"slowset"' 2.0

tui_start 120 32 -c "$test_state/test.conf"
start_last_experiment
wait_for 'native slowset rep 1 +setting up [0-9]+s' 8
wait_for "native: slowset's setup phase runs; its load begins when the setup ends" 3
# the seconds of the setup count up while it runs
wait_for 'native slowset rep 1 +setting up [3-9]s' 8
assert_frame 120 32
# then the load: the line counts the run's time, the setup's words are gone
wait_for 'native slowset rep 1 +t=[0-9]+s' 10
screen | grep -q "setup phase runs" && fail "the chart still says the setup runs: $(screen)"
wait_for 'Mean ± 95% CI' 15
keys q
wait_exit 5
exited_ok || fail "exit $exit_status"
tui_stop
ok "the Dashboard says the setup runs while it runs, then the run goes on"

# isolab run on a terminal: its progress line says so too.
# (On the pane itself, not cli_start's file: the line is for terminals.)
rm -f "$test_state/rc"
tm new-session -d -s t -x 200 -y 30 \
	"'$ISOLAB' --state-dir '$test_state' -c '$test_state/test.conf' run -r native -w slowset -n 1 -t 1 -p secs=4; echo \$? >'$test_state/rc'; sleep 600" ||
	fail "tmux cannot start a session"
for ((i = 0; i < 80; i++)); do
	screen | grep -Eq 'native +slowset +rep 1 +setting up \(t=[0-9]+s\)' && break
	sleep 0.1
done
screen | grep -Eq 'native +slowset +rep 1 +setting up \(t=[0-9]+s\)' ||
	fail "isolab run on a terminal does not say the setup runs: $(screen)"
cli_wait
[ "$exit_status" = 0 ] || fail "isolab run: exit $exit_status: $(screen)"
tui_stop
ok "isolab run says the setup runs"

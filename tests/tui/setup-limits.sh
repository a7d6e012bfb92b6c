#!/bin/bash
# The Setup screen's limits reach the run. Its I/O weight row takes
# io_weight from a loaded experiment, from Left/Right and from its dialog
# (which refuses what the limit does not take). A loaded experiment's
# limits that no row shows (here memory_pool) go with it into the run.
# Native honours neither, on any machine, so each run must be refused
# naming that limit: a limit lost on the way would let native run.
. "$top_srcdir/tests/tui/lib.sh"

cat >"$test_state/test.conf" <<'CONF'
experiments = {
  tui-iow = { title = "tui test"; runtimes = [ "native" ]; workloads = [ "cpu" ]; repetitions = 1;
              duration = 1.0; limits = { io_weight = 432; }; };
  tui-pool = { title = "tui test"; runtimes = [ "native" ]; workloads = [ "cpu" ]; repetitions = 1;
               duration = 1.0; memory_pool = "256M"; };
};
CONF

# option_row: the I/O weight row's value on the screen.
option_row() { screen | sed -n 's/.*I\/O weight *\([^ │|]*\).*/\1/p' | head -n1; }

tui_start 180 32 -c "$test_state/test.conf"
wait_for '\[x\] native' 10
wait_for 'I/O weight +none' 3
# The saved experiments pane: tui-pool is the last, tui-iow the one above.
keys Tab Tab Tab End Up Enter
wait_for "loaded experiment 'tui-iow'" 5
[ "$(option_row)" = 432 ] || fail "the loaded io_weight is not on its row: '$(option_row)': $(screen)"
ok "a loaded experiment's io_weight shows on the I/O weight row"

# The options pane: the I/O weight row is the one above [Start].
keys BTab End Up
keys Right
wait_for 'I/O weight +482' 3
keys Left Left
wait_for 'I/O weight +382' 3
keys Enter
wait_for 'New value:' 3
keys C-u 5 Enter
wait_for 'I/O weight: expected a whole number from 10 to 1000' 3
[ "$(option_row)" = 382 ] || fail "a refused value changed the row: '$(option_row)'"
keys Enter
wait_for 'New value:' 3
keys C-u 250 Enter
wait_for 'I/O weight +250' 3
ok "Left/Right step the weight; the dialog takes 250 and refuses 5 with the range"

keys s
# The run ends at once; the Results screen then says it failed.
wait_for 'some instances failed' 30
keys 5
wait_for "failed: runtime native \(driver native\) cannot honour the limit 'io_weight'" 5
j=$test_state/runs/$(basename "$(readlink "$test_state/runs/latest")")/journal.jsonl
grep -q '"type":"sample"' "$j" && fail "native ran with the weight it cannot honour: $j"
grep -q '"io_weight": *250' "${j%/*}/env.json" || fail "the run's env.json does not hold io_weight 250: $(grep -o '"limits"[^}]*' "${j%/*}/env.json")"
ok "the run gets io_weight 250, and native refuses it by name"

keys 1
wait_for 'Saved experiments' 5
# The options pane still has the focus: the next is the experiments'.
keys Tab End Enter
wait_for "loaded experiment 'tui-pool'" 5
[ "$(option_row)" = none ] || fail "tui-pool has no io_weight, yet the row reads '$(option_row)'"
keys s
keys 5
wait_for "failed: runtime native \(driver native\) cannot honour the limit 'memory_pool'" 30
ok "a loaded experiment's memory_pool, which no row shows, goes into the run"

keys q
wait_exit 10
exited_ok || fail "exit $exit_status"
tui_stop

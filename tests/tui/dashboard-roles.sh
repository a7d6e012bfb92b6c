#!/bin/bash
# The Dashboard's legend shows each instance's host CPU by role in its last
# second, as a stacked bar (w workload, r runtime, v vmm, h helper, l load
# generator) on one scale for every row: native's syscall load is all its
# workload's, while gVisor's Sentry (the runtime role) does most of the
# work of gVisor's. A narrow terminal leaves the column out rather than
# crowd the legend.
. "$top_srcdir/tests/tui/lib.sh"
. "$top_srcdir/tests/integration/runtimes-lib.sh"
need_runtime gvisor

experiment tui-roles '"native", "gvisor"' '"syscall"' 4.0
tui_start 160 48 -c "$test_state/test.conf"
start_last_experiment
wait_for 'host CPU by role, last second \(w r v h l\)' 10
wait_for '#1 native rep 1( done)? .* [0-9]+% w{20,}$' 10
wait_for '#2 gvisor rep 1( done)? .* [0-9]+% w*r{5,}' 30
assert_frame 160 48
# the bar is in the role's colour (reverse video), as on the Results screen
screen_e | grep '#2 gvisor' | grep -Eq $'\e\\[7m(\e\\[[0-9;]*m|w)*r{5}' || fail "the gVisor row's bar is not in reverse video"
wait_for 'Mean ± 95% CI' 30
keys q
wait_exit 5
exited_ok || fail "exit $exit_status"
tui_stop

rm -f "$test_state/test.conf"
experiment tui-roles-narrow '"native"' '"syscall"' 3.0
tui_start 80 24 -c "$test_state/test.conf"
start_last_experiment
wait_for '#[0-9]+ native rep 1' 10
screen | grep -q 'host CPU by role' && fail "80 columns: the CPU by role column crowds the legend"
assert_frame 80 24
wait_for 'Mean ± 95% CI' 30
keys q
wait_exit 5
exited_ok || fail "exit $exit_status"
tui_stop
ok "Dashboard: host CPU by role per instance, live, and left out when narrow"

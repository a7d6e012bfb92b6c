#!/bin/bash
# The Results screen's cost by role (a) on a shipped journal with native,
# gvisor, qemu and sandbox (tests/data/journal/attrib): per runtime a bar
# of the host CPU by role, and a bar of each role's peak RSS, every row on
# one scale, the largest footprint's bar the whole width. The fixture's
# figures: native's workload 1.0 MiB; gvisor's workload 1.0 and runtime
# (Sentry and gofer) 24.4 MiB; qemu's VMM 293.0, relay 5.9 and load
# generator 2.9 MiB; so qemu's bar is nearly all VMM and gvisor's a few
# cells, and a role with any memory shows at least one cell.
. "$top_srcdir/tests/tui/lib.sh"

mkdir -p "$test_state/runs"
cp -r "$top_srcdir/tests/data/journal/attrib" "$test_state/runs/20261204-120000-attr"
# gVisor's instances removed with 20 and 40 kB of storage beside their
# image (their driver's "storage" records); the others measured none.
printf '%s\n' '{"type":"storage","inst":3,"kb":20,"what":"its overlay'"'"'s upper and work dirs"}' \
	'{"type":"storage","inst":4,"kb":40,"what":"its overlay'"'"'s upper and work dirs"}' \
	>>"$test_state/runs/20261204-120000-attr/journal.jsonl"
tui_start 160 48
wait_for 'Runtimes' 10
keys 4
wait_for 'Past runs' 3
keys Tab Enter
wait_for '(^| )native +syscall +rate' 5
keys a
wait_for 'host cost by role' 3
wait_for 'peak RSS by role, one scale for all' 2
# the CPU bars, then the memory bars: 160 columns leave 67 cells for a bar
wait_for 'gvisor +syscall +[0-9.]+ +[0-9.]+ us/call +25\.4 MiB +w{20,30}r{30,}$' 2
wait_for 'peak RSS: workload 1\.0 MiB +w$' 2
wait_for 'peak RSS: workload 1\.0 runtime 24\.4 MiB +wr{4,6}$' 2
wait_for 'peak RSS: vmm 293\.0 helper 5\.9 loadgen 2\.9 MiB +v{60,66}hl$' 2
wait_for 'peak RSS: workload 0\.9 runtime 0\.5 loadgen 2\.0 MiB +wrl$' 2
# the storage each instance added, on its runtime's line of shares only
wait_for 'runtime [0-9]+%.* +storage added 30 kB$' 2
[ "$(screen | grep -c 'storage added')" -eq 1 ] || fail "storage shown for a runtime that measured none: $(screen)"
assert_frame 160 48
# the memory bar is in the role's colour, as the CPU bar is
screen_e | grep 'peak RSS: vmm' | grep -q $'\e\[[0-9;]*7[;m]' || fail "the memory bar is not drawn in reverse video"
keys q
wait_exit 5
exited_ok || fail "exit $exit_status"
tui_stop
ok "Results: the cost by role, with CPU and memory bars on one scale"

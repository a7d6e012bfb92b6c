#!/bin/bash
# lab-cli.sh — `isolab lab`: the shipped labs are listed and shown, a lab
# runs and ends with its explanation, the published findings and a computed
# verdict, and `lab verdict` judges the same run again from disk.
. "$top_srcdir/tests/integration/lib.sh"

out=$test_state/out
isolab lab list >"$out" 2>&1 || fail "lab list: $(cat "$out")"
for l in lab-container-metal lab-gvisor-syscalls lab-forkbomb lab-startup lab-vm-cpu lab-cpusets-shares lab-fair-share lab-threads \
	lab-disk-hypervisor lab-containers-in-vm lab-sandbox-cost lab-emulated-vm lab-vm-disk-cache \
	lab-malloc-bomb lab-disk-neighbour lab-memory-footprint lab-storage-increment lab-copy-on-write lab-startup-order lab-postgres-scale \
	lab-soft-hard-memory; do
	grep -q "^$l " "$out" || fail "lab list lacks $l"
done
[ "$(tail -n +2 "$out" | grep -c '^lab-')" -eq 21 ] || fail "lab list: not 21 labs: $(cat "$out")"
ok "lab list: the twenty-one labs"

isolab lab show lab-gvisor-syscalls >"$out" 2>&1 || fail "lab show"
grep -q "How it works" "$out" && grep -q "Sentry" "$out" && grep -q "15-60x" "$out" || fail "lab show: $(cat "$out")"
# Before a run: what the lab runs, how long, and its rules with how each is judged.
isolab lab show lab-vm-cpu >"$out" 2>&1 || fail "lab show lab-vm-cpu"
grep -q "^  benchmark: runtimes native, qemu; workloads cpu$" "$out" &&
	grep -q "^  3 repetitions of 5 s each" "$out" &&
	grep -q "^  - computation in a hardware-assisted VM runs within 5% of native" "$out" &&
	grep -q "under TCG (no usable KVM) this" "$out" || fail "lab show: no plan or rules: $(cat "$out")"
# Xie's emulated VM: the shipped qemu-tcg, on every machine.
isolab lab show lab-emulated-vm >"$out" 2>&1 || fail "lab show lab-emulated-vm"
grep -q "^  benchmark: runtimes native, runc, qemu-tcg; workloads cpu, mem$" "$out" &&
	grep -q "^  5 repetitions of 3 s each" "$out" &&
	grep -q "^  - computation in an emulated VM is markedly slower than native, at least 30%" "$out" ||
	fail "lab show lab-emulated-vm: no plan or rules: $(cat "$out")"
isolab lab show lab-container-metal >"$out" 2>&1 || fail "lab show lab-container-metal"
grep -q "two one-sided tests at 5%" "$out" || fail "lab show: the equivalence rule is not explained: $(cat "$out")"
# A scale lab's instance counts and workload parameters, from its
# configuration (max_instances 8; clients 2, scale 1).
isolab lab show lab-postgres-scale >"$out" 2>&1 || fail "lab show lab-postgres-scale"
grep -q "^  parameters: clients=2 scale=1$" "$out" && grep -q "^  instances together: N = 1 2 4 8, " "$out" ||
	fail "lab show lab-postgres-scale: no parameters or instance counts: $(cat "$out")"
isolab lab show no-such-lab >"$out" 2>&1 && fail "lab show of an unknown lab succeeded"
grep -q "unknown lab 'no-such-lab'" "$out" || fail "unknown lab: $(cat "$out")"
ok "lab show"

# The native half of the container lab runs anywhere; runc joins where it can.
rts=native
[ "$(id -u)" -eq 0 ] && isolab list runtimes 2>/dev/null | awk '$1 == "runc" && $3 == "available"' | grep -q . && rts=native,runc
isolab lab run lab-container-metal -r "$rts" -t 1 -n 1 -q >"$out" 2>&1
rc=$?
[ $rc -le 1 ] || fail "lab run exited $rc: $(cat "$out")"
grep -q "^How it works" "$out" || fail "lab run: no explanation"
grep -q "^Published" "$out" || fail "lab run: no published findings"
grep -Eq "^Verdict: This (machine agreed|machine did not agree|run cannot tell)" "$out" || fail "lab run: no verdict: $(cat "$out")"
grep -Eq "^  \[(agreed|did not agree|could not tell)\] runc computes as fast as bare metal, within 5%" "$out" || fail "lab run: no rule line"
if [ "$rts" = native ]; then
	grep -q "Verdict: This run cannot tell" "$out" || fail "without runc the verdict must be 'cannot tell'"
fi
ok "lab run: explanation, findings and verdict"

isolab lab verdict >"$test_state/again" 2>&1 || fail "lab verdict: $(cat "$test_state/again")"
[ "$(grep '^Verdict:' "$out")" = "$(grep '^Verdict:' "$test_state/again")" ] || fail "lab verdict disagrees with lab run"
ok "lab verdict of the latest run"

# The same run as a page: the lab's question, findings, rules and verdict.
isolab report --html "$test_state/lab.html" >"$test_state/again" 2>&1 || fail "report --html: $(cat "$test_state/again")"
grep -q '<h2>Lab: Is a container as fast as bare metal?</h2>' "$test_state/lab.html" || fail "the page lacks the lab"
grep -q '<h3>Published</h3>' "$test_state/lab.html" || fail "the page lacks the published findings"
grep -q '<td>runc computes as fast as bare metal, within 5% (cpu rate; an equivalence test)</td>' "$test_state/lab.html" ||
	fail "the page lacks the rule"
verdict=$(grep '^Verdict:' "$out")
grep -qF "<p class=\"verdict $(case "$verdict" in *"machine agreed"*) echo agreed ;; *"did not"*) echo disagreed ;; *) echo unknown ;; esac)\">$verdict</p>" \
	"$test_state/lab.html" || fail "the page's verdict is not '$verdict'"
ok "the lab's page: question, findings, rules and the same verdict"

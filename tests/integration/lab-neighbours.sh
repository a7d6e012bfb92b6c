#!/bin/bash
# lab-neighbours.sh — the study's adversaries beside lab-forkbomb, at a
# small size: lab-malloc-bomb and lab-disk-neighbour, each container half
# on runc and VM half on qemu.
#  - The container rules reach the outcome their 95% CI gives: a verdict
#    (agreed or did not agree), or "could not tell" for the malloc bomb
#    when its interval still crosses the bound at the second attempt.
#  - The VM rules are about hardware-assisted VMs: under TCG they say
#    "cannot tell: emulated (TCG)" with the emulator's figure; where qemu
#    ran with KVM they reach a verdict.
#  - Every neighbour kept its pressure over its phase (the neighbours'
#    load: touched MB/s, IOPS), every instance ended ok, nothing is left.
# The halves run apart so that each gets the repetitions it needs: the
# target's mem rate on this shared machine spread by up to 20% between
# 3 s repetitions (95% CI of the container's degradation -16..+14% at five
# repetitions unpinned; the lab pins target and bomb to cores of their own).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/vm-lib.sh"
. "$top_srcdir/tests/integration/lab-lib.sh"
need_runtime runc
out=$test_state/out

# The VM halves: under TCG their rules cannot tell whatever the size, so
# one repetition shows that they run; with KVM, three give a verdict.
vm_n=3
isolab list runtimes 2>/dev/null | grep -q '^qemu .*emulated (TCG)' && vm_n=1

# load RT WORKLOAD METRIC: the neighbours' load line's METRIC is above 0.
load() {
	local v
	v=$(grep -E "^  $1/neighbours: $2 \(adversarial, n [0-9]+\):" "$out" | grep -Eo "$3 [0-9.]+" | awk '{print $2}')
	awk -v v="$v" 'BEGIN { exit !(v > 0) }' || fail "$1: the $2 neighbour kept no $3: $(grep -A3 "neighbours' load" "$out")"
	echo "$v"
}

# --- lab-malloc-bomb -------------------------------------------------------
# A second attempt, with more repetitions, only when the first could not
# tell: the host's memory bandwidth moved under one of its repetitions (a
# 95% CI of -22..+33% was seen once, against -0.9..+10.0% for the same lab
# minutes before). On a
# machine where the bomb costs the target about as much as the rule's
# bound (+23%, 95% CI +8..+38% was seen in CI), both attempts may cross
# the bound: "could not tell" is then the right answer, and lab_judged
# checks that each outcome follows from its interval.
rule="a container beside a malloc bomb loses about a third"
for n in 6 10; do
	isolab lab run lab-malloc-bomb -r runc -t 3 -n $n -q >"$out" 2>&1
	[ $? -le 1 ] || fail "lab-malloc-bomb (runc) exited badly: $(cat "$out")"
	touched=$(load runc mallocbomb touched)
	lab_ends_ok $((3 * n))
	lab_judged "$rule" 30 ""
	[ "$judged" != couldnottell ] && break
	[ $n -eq 6 ] && echo "lab-malloc-bomb, runc: no verdict at the first attempt, again with 10 repetitions: $(grep -A2 -E "^  \[could not tell\] $rule" "$out" | tr -s ' \n' ' ')"
done
ok "lab-malloc-bomb, runc: $(grep -A2 -E '^  \[[a-z ]+\] a container beside a malloc bomb' "$out" | tr -s ' \n' ' ' | cut -c1-200); the bomb touched $touched MB/s"

isolab lab run lab-malloc-bomb -r qemu -t 2 -n $vm_n -q >"$out" 2>&1
[ $? -le 1 ] || fail "lab-malloc-bomb (qemu) exited badly: $(cat "$out")"
lab_vm_verdict "a VM beside a malloc bomb loses less"
touched=$(load qemu mallocbomb touched)
lab_ends_ok $((3 * vm_n))
ok "lab-malloc-bomb, qemu: $(grep -Eo '^  \[[a-z ]+\] a VM beside' "$out"); the bomb in its VM touched $touched MB/s"

# --- lab-disk-neighbour ----------------------------------------------------
isolab lab run lab-disk-neighbour -r runc -t 2 -n 3 -q >"$out" 2>&1
[ $? -le 1 ] || fail "lab-disk-neighbour (runc) exited badly: $(cat "$out")"
lab_verdict "a container's I/O latency beside a disk hog at least doubles"
iops=$(load runc file rate)
lab_ends_ok 9
ok "lab-disk-neighbour, runc: $(grep -A2 -E "^  \[[a-z ]+\] a container's I/O latency" "$out" | tr -s ' \n' ' ' | cut -c1-200); the hog did $iops IOPS"

isolab lab run lab-disk-neighbour -r qemu -t 2 -n $vm_n -q >"$out" 2>&1
[ $? -le 1 ] || fail "lab-disk-neighbour (qemu) exited badly: $(cat "$out")"
lab_vm_verdict "a VM's I/O latency beside a disk hog at most doubles"
iops=$(load qemu file rate)
lab_ends_ok $((3 * vm_n))
ok "lab-disk-neighbour, qemu: $(grep -Eo "^  \[[a-z ]+\] a VM's I/O latency" "$out"); the hog in its VM did $iops IOPS"

# lab-lib.sh — sourced by the lab tests after lib.sh: how a lab's rule is
# judged in the output of `isolab lab run`, kept in $out.

# lab_verdict RULE: RULE (the start of its text) reached a verdict,
# agreed or did not agree.
lab_verdict() {
	grep -Eq "^  \[(agreed|did not agree)\] $1" "$out" || fail "no verdict on '$1': $(cat "$out")"
}

# lab_vm_verdict RULE: a rule about hardware-assisted VMs. Where qemu ran
# under TCG it says "cannot tell: emulated (TCG)" with the emulator's
# figure; where it ran with KVM it reaches a verdict. On a machine where
# KVM works as vm-lib.sh plays it (ISOLAB_TEST_KVM=works), isolab sees KVM
# but the guests run emulated underneath, at TCG's speed and spread: the
# rule must be judged (not "emulated"), and an interval too wide for its
# bound may still leave it "could not tell".
lab_vm_verdict() {
	if grep -q "accelerator: emulated (TCG)" "$out"; then
		grep -A1 -E "^  \[could not tell\] $1" "$out" | grep -q "cannot tell: emulated (TCG)" ||
			fail "under TCG, '$1' does not say it cannot tell: $(cat "$out")"
	elif [ "${vm_kind:-}" = works ]; then
		grep -Eq "^  \[(agreed|did not agree|could not tell)\] $1" "$out" || fail "no outcome for '$1': $(cat "$out")"
		grep -A1 -E "^  \[[a-z ]+\] $1" "$out" | grep -q "emulated" &&
			fail "with KVM (played), '$1' was taken as emulated: $(cat "$out")"
		return 0
	else
		lab_verdict "$1"
	fi
}

# lab_outcomes: the outcome of each rule in $out, on one line.
lab_outcomes() { grep -Eo '^  \[[a-z ]+\]' "$out" | tr -d ' ' | tr '\n' ' '; }

# lab_ends_ok N: the latest run's N instances all ended ok, and nothing of
# it is left.
lab_ends_ok() {
	local run
	run=$(latest_run)
	[ "$(grep -c '"type":"end"' "$run/journal.jsonl")" -eq "$1" ] &&
		[ "$(grep '"type":"end"' "$run/journal.jsonl" | grep -vc '"status":"ok"')" -eq 0 ] ||
		fail "$(basename "$run"): not $1 instances ended ok: $(grep '"type":"end"' "$run/journal.jsonl")"
	assert_nothing_left "$(basename "$run")"
}

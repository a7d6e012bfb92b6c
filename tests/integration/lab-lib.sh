# lab-lib.sh — sourced by the lab tests after lib.sh: how a lab's rule is
# judged in the output of `isolab lab run`, kept in $out.

# lab_verdict RULE: RULE (the start of its text) reached a verdict,
# agreed or did not agree.
lab_verdict() {
	grep -Eq "^  \[(agreed|did not agree)\] $1" "$out" || fail "no verdict on '$1': $(cat "$out")"
}

# lab_vm_verdict RULE: a rule about hardware-assisted VMs. Where qemu ran
# under TCG it says "cannot tell: emulated (TCG)" with the emulator's
# figure; where it ran with KVM it reaches a verdict.
lab_vm_verdict() {
	if grep -q "accelerator: emulated (TCG)" "$out"; then
		grep -A1 -E "^  \[could not tell\] $1" "$out" | grep -q "cannot tell: emulated (TCG)" ||
			fail "under TCG, '$1' does not say it cannot tell: $(cat "$out")"
	else
		lab_verdict "$1"
	fi
}

# lab_outcomes: the outcome of each rule in $out, on one line.
lab_outcomes() { grep -Eo '^  \[[a-z ]+\]' "$out" | tr -d ' ' | tr '\n' ' '; }

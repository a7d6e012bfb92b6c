# lab-lib.sh — sourced by the lab tests after lib.sh: how a lab's rule is
# judged in the output of `isolab lab run`, kept in $out.

# lab_verdict RULE: RULE (the start of its text) reached a verdict,
# agreed or did not agree.
lab_verdict() {
	grep -Eq "^  \[(agreed|did not agree)\] $1" "$out" || fail "no verdict on '$1': $(cat "$out")"
}

# lab_judged RULE MIN MAX: RULE's outcome is the one its printed 95% CI
# gives against its bound (MIN or MAX, empty for none): agreed when the
# whole interval is on the bound's side, did not agree when the whole of
# it is past the bound, could not tell while it crosses the bound. For a
# rule whose measured effect is near its bound on a machine whose memory
# bandwidth moves between repetitions, "could not tell" is the right
# answer; this checks that the answer follows from the interval.
lab_judged() {
	local block outcome ci
	block=$(awk -v r="$1" '/^$/ { on = 0 } index($0, "  [") == 1 { on = index($0, "] " r) > 0 } on' "$out" |
		tr -s ' \n' ' ')
	outcome=$(echo "$block" | grep -Eo '^ ?\[[a-z ]+\]' | tr -d ' []')
	ci=$(echo "$block" | sed -nE 's/.*95% CI ([-+][0-9.]+)% to ([-+][0-9.]+)%.*/\1 \2/p')
	[ -n "$outcome" ] && [ -n "$ci" ] || fail "no outcome with a 95% CI for '$1': $(cat "$out")"
	awk -v o="$outcome" -v ci="$ci" -v mn="$2" -v mx="$3" 'BEGIN {
		split(ci, v, " "); lo = v[1] + 0; hi = v[2] + 0
		# The printed ends are rounded to 0.1: within 0.05 of a bound,
		# either side of it is right.
		if ((mn != "" && (lo - mn < 0.05 && mn - lo < 0.05 || hi - mn < 0.05 && mn - hi < 0.05)) ||
		    (mx != "" && (lo - mx < 0.05 && mx - lo < 0.05 || hi - mx < 0.05 && mx - hi < 0.05)))
			exit 0
		want = "agreed"
		if ((mn != "" && hi < mn + 0) || (mx != "" && lo > mx + 0))
			want = "didnotagree"
		else if ((mn != "" && lo < mn + 0) || (mx != "" && hi > mx + 0))
			want = "couldnottell"
		exit o != want }' || fail "'$1' is [$outcome] with a 95% CI of ${ci/ /% to }% against min '$2' max '$3': $block"
	judged=$outcome
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

#!/bin/bash
# Kata Containers as far as this machine allows. Always: `isolab list
# runtimes` lists kata, and when it cannot run names what is missing (the
# Kata shim, KVM, dockerd's runtime registration, the daemon) with the fix.
# Only where all of that is in place does it run start and cpu in Kata
# containers and look for the VMM beside the shim; otherwise, after the
# checks above, it is skipped (77) with exactly what it did not run and
# why. Nothing here pretends Kata exists.
. "$top_srcdir/tests/integration/lib.sh"
# vm-lib: KVM's verdict is the qemu driver's, on whichever kind of host
# ISOLAB_TEST_KVM plays.
. "$top_srcdir/tests/integration/vm-lib.sh"
line=$(isolab list runtimes 2>&1 | awk '$1 == "kata"')
[ -n "$line" ] || fail "isolab list runtimes does not list kata"
echo "listed: $line"
if ! echo "$line" | awk '{ exit $3 != "available" }'; then
	if ! command -v containerd-shim-kata-v2 >/dev/null; then
		echo "$line" | grep -q "Kata Containers is not installed: containerd-shim-kata-v2 not found" ||
			fail "no 'not installed' reason without the Kata shim"
		echo "$line" | grep -q "not packaged in Debian 12.*kata-containers/releases" ||
			fail "the fix does not say how to install Kata"
		why="Kata Containers is not installed (not packaged in Debian 12)"
	elif echo "$line" | grep -q "needs KVM"; then
		why="KVM is unusable here"
	else
		why=$(echo "$line" | cut -c 40-)
	fi
	ok "list runtimes says why kata cannot run, with the fix"
	# The next check, reached with a stand-in for the shim (true(1), which
	# is not Kata: the runtime must still be unavailable): KVM.
	cat >"$test_state/kata.conf" <<CONF
runtimes = { kata-standin = { driver = "kata"; options = { binary = "docker"; runtime = "kata"; shim = "true"; }; }; };
CONF
	s=$(isolab -c "$test_state/kata.conf" list runtimes 2>&1 | awk '$1 == "kata-standin"')
	echo "with a stand-in shim: $s"
	echo "$s" | awk '{ exit $3 == "available" }' || fail "kata is available with true(1) as its shim"
	# The qemu runtime shows "emulated (TCG)" alone when KVM was judged unusable.
	if ! [ -c "${ISOLAB_KVM_DEVICE:-/dev/kvm}" ] || isolab list runtimes 2>&1 | awk '$1 == "qemu"' | grep -q "emulated (TCG), kernel"; then
		echo "$s" | grep -q "needs KVM" || fail "KVM is unusable here but kata's reason is not KVM"
	fi
	echo "$s" | grep -q "not installed" && fail "a present shim is still called not installed"
	skip "start and cpu in Kata containers through docker --runtime=kata: $why"
fi
start_dockerd || skip "docker: cannot start dockerd"
run_isolab run -r kata -w start,cpu -n 1 -t 3
run=$(latest_run)
[ "$(grep -c '"type":"end".*"status":"ok"' "$run/journal.jsonl")" -eq 2 ] || fail "not both Kata instances succeeded"
grep -q '"role":"vmm"' "$run/journal.jsonl" || fail "no VMM process beside the Kata shim"
assert_nothing_left "$(basename "$run")"
ok "kata ran start and cpu in Kata containers"

#!/bin/bash
# The KVM boot probe decides in bounded time, and the qemu runtime works
# whatever it decides, on each kind of machine this project runs on, each
# played here whatever this machine is (vm-lib.sh's vm_sim), each from an
# empty verdict cache of the test's own:
#  - absent: no KVM device; no probe runs, the run names the reason and
#    runs under TCG;
#  - hangs: the device opens but a guest under KVM never boots; the probe
#    says "unusable" within its timeout (4 s here), the run goes on under
#    TCG, and the verdict is cached: `list runtimes` says TCG without
#    probing again;
#  - works: the probe boots the guest and says "usable", and the run's QEMU
#    is asked for KVM (-accel kvm, -cpu host); `list runtimes` says KVM.
# One qemu-microvm `start` per kind, plus the probe's boot where KVM works.
# The shipped variants follow the verdict on each: qemu-tcg is emulated
# everywhere, even where KVM works (a run of accel = "tcg" there asks QEMU
# for TCG), and qemu-kvm is listed as missing, with the reason, wherever
# KVM is unusable, and as KVM where it works.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/vm-lib.sh"
vm_private_verdicts
t0=$(date +%s)
listed() { isolab -c "$test_state/kvm.conf" list runtimes 2>&1 | awk -v r="${1:-kvm-probe}" '$1 == r'; }
summary=()
for kind in absent hangs works; do
	vm_sim "$kind"
	rm -rf "$ISOLAB_CACHE/kvm"
	timeout=4
	[ "$kind" = works ] && timeout=90 # the probe's guest boots, emulated
	cat >"$test_state/kvm.conf" <<CONF
runtimes = { kvm-probe = { driver = "qemu"; description = "qemu-microvm with a short KVM probe";
                           options = { machine = "microvm"; kvm_probe_timeout = $timeout; }; };
             tcg-only = { driver = "qemu"; description = "qemu-microvm, accel tcg";
                          options = { machine = "microvm"; accel = "tcg"; }; }; };
CONF
	before=$(listed)
	kvm_before=$(listed qemu-kvm)
	echo "$kind, before: $before"
	t1=$(date +%s)
	run_isolab -c "$test_state/kvm.conf" -c "$vm_conf" run -e vm -r kvm-probe -w start
	t2=$(date +%s)
	after=$(listed)
	echo "$kind, after: $after"
	kvm_after=$(listed qemu-kvm) tcg_after=$(listed qemu-tcg)
	echo "$kind, qemu-kvm: $kvm_after"
	echo "$kind, qemu-tcg: $tcg_after"
	echo "$tcg_after" | grep -q "available .*, emulated (TCG), as its option accel says, kernel" ||
		fail "$kind: qemu-tcg is not listed as emulated: $tcg_after"
	probe=$(grep -o "KVM boot probe: [a-z]* after [0-9.]* s.*" "$out")
	case "$kind" in
	absent)
		[ -z "$probe" ] || fail "absent: a KVM boot probe ran without a KVM device: $probe"
		grep -q "accelerator: emulated (TCG) — KVM: $ISOLAB_KVM_DEVICE: No such file or directory" "$out" ||
			fail "absent: the run does not say it is emulated because the device is missing"
		echo "$after" | grep -q "emulated (TCG)" || fail "absent: list runtimes does not say TCG: $after"
		echo "$kvm_after" | grep -q "missing .*accel = \"kvm\" but KVM is unusable here: $ISOLAB_KVM_DEVICE: No such file" ||
			fail "absent: qemu-kvm is not listed as missing, with the reason: $kvm_after"
		summary+=("absent: no probe, TCG, $((t2 - t1)) s")
		;;
	hangs)
		echo "$before" | grep -q "KVM if its boot probe passes" || fail "hangs: the verdict cache is not empty: $before"
		echo "$probe" | grep -q "^KVM boot probe: unusable after .*did not boot within $timeout s" ||
			fail "hangs: no 'unusable' verdict from the probe: ${probe:-none}"
		secs=$(echo "$probe" | awk '{print $6}')
		awk -v s="$secs" -v t="$timeout" 'BEGIN { exit !(s <= t + 5) }' ||
			fail "hangs: the probe took $secs s (bound: $timeout s + 5 s to kill)"
		grep -q "accelerator: emulated (TCG)" "$out" || fail "hangs: KVM unusable but TCG not named"
		[ "$(grep -c 'accel=kvm' "$vm_sim_log")" -eq 1 ] || fail "hangs: QEMU was asked for KVM other than by the probe: $(cat "$vm_sim_log")"
		grep -q 'accel=tcg' "$vm_sim_log" || fail "hangs: the run's QEMU was not asked for TCG"
		echo "$after" | grep -q "emulated (TCG)" || fail "hangs: the cached verdict is not used: $after"
		echo "$kvm_before" | grep -q "available .*KVM if its boot probe passes at the first run, else refused" ||
			fail "hangs: before the probe, qemu-kvm is not listed as depending on it: $kvm_before"
		echo "$kvm_after" | grep -q "missing .*accel = \"kvm\" but KVM is unusable here: .*did not boot" ||
			fail "hangs: after the probe, qemu-kvm is not listed as missing, with the reason: $kvm_after"
		summary+=("hangs: unusable in $secs s, TCG, $((t2 - t1)) s")
		;;
	works)
		echo "$probe" | grep -q "^KVM boot probe: usable after" || fail "works: no 'usable' verdict from the probe: ${probe:-none}"
		grep -q "accelerator: KVM" "$out" || fail "works: the run does not say KVM"
		[ "$(grep -c 'accel=kvm' "$vm_sim_log")" -eq 2 ] || fail "works: not the probe and the run asked for KVM: $(cat "$vm_sim_log")"
		grep 'accel=kvm' "$vm_sim_log" | tail -n1 | grep -q -- '-cpu host' || fail "works: the run's QEMU was not given -cpu host"
		echo "$after" | grep -q ", KVM, kernel" || fail "works: the cached verdict is not used: $after"
		echo "$kvm_after" | grep -q "available .*, KVM, kernel" || fail "works: qemu-kvm is not listed as KVM: $kvm_after"
		: >"$vm_sim_log"
		run_isolab -c "$test_state/kvm.conf" -c "$vm_conf" run -e vm -r tcg-only -w start
		grep -q "accelerator: emulated (TCG), as the runtime's option accel says" "$out" ||
			fail "works: accel = tcg did not say it was emulated on purpose"
		grep -q 'accel=kvm' "$vm_sim_log" && fail "works: accel = tcg, but QEMU was asked for KVM: $(cat "$vm_sim_log")"
		grep -q 'accel=tcg' "$vm_sim_log" || fail "works: accel = tcg, but QEMU was not asked for TCG: $(cat "$vm_sim_log")"
		summary+=("works: usable in $(echo "$probe" | awk '{print $6}') s (emulated underneath), KVM, $((t2 - t1)) s")
		;;
	esac
	ls "$ISOLAB_CACHE"/kvm/* >/dev/null 2>&1 || [ "$kind" = absent ] || fail "$kind: the verdict was not cached"
	assert_nothing_left "$(basename "$(latest_run)")"
done
ok "$(IFS=';'; echo "${summary[*]}"); $(( $(date +%s) - t0 )) s in all"

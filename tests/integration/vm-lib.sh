# vm-lib.sh — sourced by the VM tests: QEMU installed, a guest kernel (the
# host's /boot/vmlinuz-*, else `isolab fetch-kernel`), a shared cache (so
# the kernel, initramfs and KVM verdict are fetched and built once), and
# an experiment whose grace covers a TCG boot: the engine's deadline runs
# from launch, and an emulated VM spends 5-15 s booting before the
# workload's own duration starts.
#
# The kind of machine: the VM tests pass on a host without /dev/kvm, on one
# whose /dev/kvm opens but whose (nested) guests hang, and on one where KVM
# works. ISOLAB_TEST_KVM=absent|hangs|works plays that kind whatever this
# machine is (vm_sim below); unset, the tests run on the machine as it is.
. "$top_srcdir/tests/integration/runtimes-lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (cgroups, /run/isolab)"
need_pkgs qemu-system-x86 || skip "cannot install qemu-system-x86"
export ISOLAB_CACHE=${ISOLAB_CACHE:-/var/cache/isolab}
if ! ls /boot/vmlinuz-* >/dev/null 2>&1 && ! ls "$ISOLAB_CACHE"/kernel/*/boot/vmlinuz-* >/dev/null 2>&1; then
	echo "no guest kernel: isolab fetch-kernel"
	if ! isolab fetch-kernel; then
		# A failure of isolab's is a failure. Only when apt itself, alone,
		# cannot download the package isolab asked for is the mirror
		# unreachable from here, which this machine cannot help: a skip.
		mkdir -p "$test_state/apt" && chmod 755 "$test_state/apt"
		(cd "$test_state/apt" && apt-get download linux-image-amd64) >"$test_state/apt.out" 2>&1 ||
			skip "no guest kernel: the package mirror is unreachable (apt-get download linux-image-amd64: $(tail -n1 "$test_state/apt.out"))"
		fail "isolab fetch-kernel failed, although apt-get download linux-image-amd64 works here"
	fi
fi
vm_conf=$test_state/vm.conf
cat >"$vm_conf" <<CONF
experiments = {
  vm = {
    runtimes = [ "qemu" ];
    workloads = [ "start" ];
    repetitions = 1;
    duration = 3.0;
    grace = 60.0;
  };
};
CONF
# isolab run with the VM experiment's grace; the rest of the arguments follow.
vm_run() { run_isolab -c "$vm_conf" run -e vm "$@"; }

# vm_sim KIND: from here on, isolab sees a machine of that kind.
#   absent  ISOLAB_KVM_DEVICE names a path that does not exist;
#   hangs   it names /dev/null, which opens as /dev/kvm does on a nested
#           host, and tests/integration/qemu-sim stands in for
#           qemu-system-x86_64 (first in PATH): asked for KVM it hangs;
#   works   the same device, and qemu-sim boots a guest asked for KVM (under
#           TCG, unseen by isolab).
# qemu-sim's calls are logged to $vm_sim_log. The stand-in's version names
# the simulation, so verdicts are cached apart from the real QEMU's; a
# machine's own kind (ISOLAB_TEST_KVM unset) is not touched.
vm_path=$PATH
vm_real_qemu=$(command -v qemu-system-x86_64) || fail "qemu-system-x86 is installed but qemu-system-x86_64 is not in PATH"
vm_sim() {
	vm_kind=$1
	PATH=$vm_path
	case "$vm_kind" in
	absent) export ISOLAB_KVM_DEVICE=$test_state/no-kvm ;;
	hangs | works)
		export ISOLAB_KVM_DEVICE=/dev/null
		local bin=$test_state/sim-$vm_kind
		mkdir -p "$bin"
		vm_sim_log=$bin/qemu.log
		: >"$vm_sim_log"
		printf '#!/bin/sh\nexec %q %q %q %q "$@"\n' "$top_srcdir/tests/integration/qemu-sim" "$vm_kind" \
			"$vm_real_qemu" "$vm_sim_log" >"$bin/qemu-system-x86_64"
		chmod 755 "$bin/qemu-system-x86_64"
		PATH=$bin:$vm_path
		;;
	*) fail "ISOLAB_TEST_KVM: unknown kind '$vm_kind' (absent, hangs or works)" ;;
	esac
	export PATH
	echo "simulating a machine where KVM $vm_kind (ISOLAB_KVM_DEVICE=$ISOLAB_KVM_DEVICE)"
	# Where KVM works the probe's guest boots in about a second; the
	# stand-in boots it emulated, which can take longer than the probe's
	# 20 s on a loaded machine. So the shared verdict is made once, by a
	# probe given room for that (vm-kvm, with verdicts of its own, probes
	# itself).
	if [ "$vm_kind" = works ] && [ "$ISOLAB_CACHE" != "$test_state/cache" ] &&
		isolab list runtimes 2>&1 | awk '$1 == "qemu-microvm"' | grep -q "KVM if its boot probe passes"; then
		printf 'runtimes = { sim-probe = { driver = "qemu"; options = { machine = "microvm"; kvm_probe_timeout = 180; }; }; };\n' \
			>"$test_state/sim-probe.conf"
		"$ISOLAB" --state-dir "$test_state/sim-probe" -c "$test_state/sim-probe.conf" -c "$vm_conf" \
			run -e vm -r sim-probe -w start >"$test_state/sim-probe.out" 2>&1 ||
			{ cat "$test_state/sim-probe.out"; fail "works: the first KVM probe's run failed"; }
		grep -q "KVM boot probe: usable" "$test_state/sim-probe.out" ||
			{ cat "$test_state/sim-probe.out"; fail "works: the KVM probe did not find KVM usable"; }
	fi
}

# vm_private_verdicts: KVM verdicts in a cache of this test's own (empty),
# the kernel, initramfs and root file systems still shared.
vm_private_verdicts() {
	local shared=$ISOLAB_CACHE d
	[ "$shared" != "$test_state/cache" ] || { rm -rf "$shared/kvm"; return 0; }
	mkdir -p "$test_state/cache" "$shared/kernel" "$shared/initramfs" "$shared/rootfs"
	for d in "$shared"/*; do
		[ "$(basename "$d")" = kvm ] || ln -s "$d" "$test_state/cache/"
	done
	export ISOLAB_CACHE=$test_state/cache
}

vm_kind=
[ -z "${ISOLAB_TEST_KVM:-}" ] || vm_sim "$ISOLAB_TEST_KVM"

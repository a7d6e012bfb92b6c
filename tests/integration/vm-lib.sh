# vm-lib.sh — sourced by the VM tests: QEMU installed, a guest kernel (the
# host's /boot/vmlinuz-*, else `isolab fetch-kernel`), a shared cache (so
# the kernel, initramfs and KVM verdict are fetched and built once), and
# an experiment whose grace covers a TCG boot: the engine's deadline runs
# from launch, and an emulated VM spends 5-15 s booting before the
# workload's own duration starts.
. "$top_srcdir/tests/integration/runtimes-lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (cgroups, /run/isolab)"
need_pkgs qemu-system-x86 || skip "cannot install qemu-system-x86"
export ISOLAB_CACHE=${ISOLAB_CACHE:-/var/cache/isolab}
if ! ls /boot/vmlinuz-* >/dev/null 2>&1 && ! ls "$ISOLAB_CACHE"/kernel/*/boot/vmlinuz-* >/dev/null 2>&1; then
	echo "no guest kernel: isolab fetch-kernel"
	isolab fetch-kernel || skip "isolab fetch-kernel failed (no package mirror?)"
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

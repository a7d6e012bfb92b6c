#!/bin/bash
# The KVM boot probe decides in bounded time, and the runtime works
# whatever it decides. With an empty verdict cache the first VM run probes;
# where /dev/kvm opens but nested guests hang or crash (this project's
# machines) the verdict must be "unusable" within the probe's timeout, and
# the run must still succeed through TCG; a second run reuses the verdict.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/vm-lib.sh"
rm -rf "$ISOLAB_CACHE/kvm"
t0=$(date +%s)
vm_run -r qemu-microvm -w start
t1=$(date +%s)
grep -q "KVM boot probe: " "$out" || fail "no KVM boot probe ran with an empty verdict cache"
probe_line=$(grep -o "KVM boot probe: [a-z]* after [0-9.]* s" "$out")
secs=$(echo "$probe_line" | awk '{print $(NF-1)}')
awk -v s="$secs" 'BEGIN { exit !(s <= 25) }' || fail "the KVM probe took $secs s (bound: 20 s + 5 s to kill)"
if [ -c /dev/kvm ] && echo "$probe_line" | grep -q unusable; then
	grep -q "emulated (TCG)" "$out" || fail "KVM unusable but TCG not named"
	verdict="unusable in $secs s, ran under TCG"
else
	verdict="$(echo "$probe_line" | awk '{print $4}') in $secs s"
fi
ls "$ISOLAB_CACHE"/kvm/* >/dev/null 2>&1 || fail "the verdict was not cached"
vm_run -r qemu-microvm -w start
grep -q "KVM boot probe: " "$out" && fail "the cached verdict was not reused"
isolab list runtimes | grep -E '^qemu-microvm ' | grep -q "KVM\|TCG" || fail "list runtimes does not name the accelerator"
ok "KVM probe: $verdict; whole first run $((t1 - t0)) s; the second run reused the verdict"

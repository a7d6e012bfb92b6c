#!/bin/sh
# The probe is a static binary that runs in an otherwise empty root.
. "${top_srcdir:-.}/tests/integration/probe-lib.sh"

command -v readelf >/dev/null || skip "readelf (binutils) is not installed"
readelf -lW "$PROBE" >"$tmp/ph" || fail "readelf -l failed"
grep -q INTERP "$tmp/ph" && fail "the probe has a program interpreter: not static"
readelf -dW "$PROBE" >"$tmp/dyn" 2>&1
grep -q NEEDED "$tmp/dyn" && { cat "$tmp/dyn"; fail "the probe needs shared libraries"; }
echo "ok: static (no INTERP, no NEEDED)"

[ "$(id -u)" -eq 0 ] || skip "the chroot check needs root (static check passed)"
root="$tmp/root"
mkdir "$root" && cp "$PROBE" "$root/isolab-probe" || fail "cannot populate $root"
if ! chroot "$root" /isolab-probe start >"$tmp/start.out" 2>"$tmp/start.err"; then
	if grep -q 'Operation not permitted' "$tmp/start.err"; then
		skip "chroot is not permitted here (no CAP_SYS_CHROOT); static check passed"
	fi
	cat "$tmp/start.err"
	fail "the probe does not run in an empty chroot"
fi
probe_check "$tmp/start.out" start 0 || fail "start in chroot: bad output"
grep -q 'uptime_s=-1' "$tmp/start.out" || fail "no /proc in the chroot, yet uptime_s is not -1"
echo "ok: start runs in an empty chroot"
# Without /proc, fork --exec must find itself through argv[0].
chroot "$root" /isolab-probe fork --exec --time 0.5 >"$tmp/fork.out" 2>&1 ||
	{ cat "$tmp/fork.out"; fail "fork --exec fails in an empty chroot"; }
probe_check "$tmp/fork.out" fork 1 || fail "fork --exec in chroot: bad output"
echo "ok: fork --exec runs in an empty chroot"
exit 0

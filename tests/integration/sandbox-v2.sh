#!/bin/bash
# The sandbox on a pure cgroup v2 machine, as root and rootless. Most
# people's machines are pure v2; where this one is hybrid (v1 controllers,
# v2 at /sys/fs/cgroup/unified), the test gives isolab a pure-v2 view: a
# private mount namespace with the cgroup2 hierarchy mounted over
# /sys/fs/cgroup. That hierarchy holds no controllers on a hybrid host, so
# limits cannot be shown here; what is shown is cgroup creation, placement
# and removal through the v2 code, and the rootless path: as nobody, with
# /sys/fs/cgroup/isolab delegated, the sandbox enters a user namespace
# (uid 0 inside mapped to 65534) and still runs the workload.
. "$top_srcdir/tests/integration/sandbox-lib.sh"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
command -v unshare >/dev/null || skip "unshare (util-linux) is not installed"
unshare -m --propagation private sh -c 'mount -t cgroup2 none /sys/fs/cgroup' 2>/dev/null ||
	skip "cannot mount the cgroup2 hierarchy in a mount namespace"
[ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 1 ] ||
	skip "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone=0)"

# The v2 hierarchy as the host mounts it, for the checks from outside.
v2=/sys/fs/cgroup
[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || v2=/sys/fs/cgroup/unified
[ "$(stat -f -c %T "$v2" 2>/dev/null)" = cgroup2fs ] || skip "no cgroup2 hierarchy on this host"


view=$test_state/v2view.sh
cat >"$view" <<'SH'
#!/bin/sh
# $0 MOVE CMD...: /sys/fs/cgroup becomes the cgroup2 hierarchy; with MOVE=1
# this shell moves into /sys/fs/cgroup/isolab first (a delegated process
# may only move processes within its subtree).
set -e
mount -t cgroup2 none /sys/fs/cgroup
move=$1; shift
[ "$move" = 1 ] && echo $$ >/sys/fs/cgroup/isolab/cgroup.procs
exec "$@"
SH
chmod 755 "$view"
in_v2() { unshare -m --propagation private "$view" "$@"; }

# 1. Root, pure-v2 view.
out=$test_state/out
in_v2 0 "$ISOLAB" --state-dir "$test_state/root" run -r sandbox -w cpu,syscall -n 1 -t 1 >"$out" 2>&1 ||
	{ cat "$out"; fail "sandbox as root in a pure-v2 view failed"; }
run=$(ls -d "$test_state"/root/runs/2* | head -1)
[ "$(grep '"type":"end"' "$run/journal.jsonl" | grep -c '"status":"ok"')" -eq 2 ] ||
	{ cat "$out"; fail "not every instance ended ok"; }
grep '"type":"fingerprint"' "$run/journal.jsonl" | head -1 | grep -q '"ns_differs":\[[^]]*"pid"' ||
	fail "the pid namespace does not differ: $(grep fingerprint "$run/journal.jsonl" | head -1)"
[ -e "$v2/isolab/$(basename "$run")" ] && fail "the run's cgroup $v2/isolab/$(basename "$run") is left behind"
ok "root in a pure-v2 view: cpu and syscall ok, cgroups removed"

# 2. Rootless: nobody, with /sys/fs/cgroup/isolab delegated.
# /sys/fs/cgroup/isolab is delegated to nobody for the rootless part (made
# here when missing: isolab removes it when its last run's cgroups go);
# its owner is put back at exit (root runs of isolab use it on a v2 host).
deleg=$v2/isolab
made_deleg=
[ -d "$deleg" ] || { mkdir "$deleg" && made_deleg=1; }
owner=$(stat -c %u:%g "$deleg")
restore() {
	if [ -n "$made_deleg" ]; then
		# Nothing of the test may live on in the cgroup it made.
		[ -e "$deleg/cgroup.kill" ] && echo 1 >"$deleg/cgroup.kill" && sleep 0.2
		find "$deleg" -depth -type d -exec rmdir {} + 2>/dev/null
	else
		chown "$owner" "$deleg" "$deleg"/cgroup.procs "$deleg"/cgroup.subtree_control "$deleg"/cgroup.threads 2>/dev/null
	fi
	rm -rf "${cleanup_dirs[@]}"
}
trap restore EXIT
chown 65534:65534 "$deleg" "$deleg"/cgroup.procs "$deleg"/cgroup.subtree_control "$deleg"/cgroup.threads
# nobody may not reach the build tree (a private clone): it gets copies of
# the programs and of the data directory's configuration.
nb=$test_state/nobody
mkdir -p "$nb/state" "$nb/cache" "$nb/home" "$nb/bin"
cp "$ISOLAB" "$ISOLAB_PROBE" "$nb/bin/"
for d in runtimes workloads experiments; do
	mkdir -p "$nb/data/$d" && cp "$ISOLAB_DATADIR/$d"/*.conf "$nb/data/$d/"
done
chown -R 65534:65534 "$nb"
chmod 755 "$test_state"
nobody_env=(env HOME="$nb/home" ISOLAB_CACHE="$nb/cache" ISOLAB_DATADIR="$nb/data"
	ISOLAB_PROBE="$nb/bin/$(basename "$ISOLAB_PROBE")" "$nb/bin/$(basename "$ISOLAB")" --state-dir "$nb/state")
as_nobody() { in_v2 1 setpriv --reuid=65534 --regid=65534 --clear-groups "${nobody_env[@]}" "$@"; }
# (Not `isolab list runtimes`: probing rootless podman as nobody would
# leave podman's pause process behind.)
as_nobody run -r sandbox -w cpu -n 1 -t 1 >"$out" 2>&1 || { cat "$out"; fail "the rootless sandbox failed"; }
run=$(ls -d "$nb"/state/runs/2* | head -1)
fp=$(grep '"type":"fingerprint"' "$run/journal.jsonl" | head -1)
printf '%s\n' "$fp" | grep -q '"ns_differs":\[[^]]*"user"' || fail "no user namespace: $fp"
printf '%s\n' "$fp" | grep -q '"uid_map":"0 65534 1"' || fail "uid 0 inside is not nobody outside: $fp"
grep '"type":"end"' "$run/journal.jsonl" | grep -q '"status":"ok"' || { cat "$out"; fail "the rootless instance did not end ok"; }
[ -e "$deleg/$(basename "$run")" ] && fail "the rootless run's cgroup is left behind"
ok "rootless: nobody ran the sandbox in a user namespace (uid 0 -> 65534), cgroup removed"

# 3. On a hybrid host, nobody without the v2 view gets the reason, not a crash.
if [ "$v2" != /sys/fs/cgroup ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "${nobody_env[@]}" run -r sandbox -w cpu -n 1 -t 1 >"$out" 2>&1
	rc=$?
	[ $rc -ne 0 ] || { cat "$out"; fail "the rootless sandbox ran on a hybrid host without delegation"; }
	grep -q 'not available here: not root: cannot create cgroups.*v1 hierarchies cannot be delegated' "$out" ||
		{ cat "$out"; fail "no reason for the hybrid host"; }
	ok "rootless on the hybrid host itself: unavailable, with the reason"
fi

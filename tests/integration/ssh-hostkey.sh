#!/bin/bash
# Host keys against known_hosts: an unknown key is refused in a headless run
# (one clear line with the SHA-256 fingerprint and the remedy), accepted
# with --accept-new-host-key (and remembered), and a changed key is refused
# even then.
. "$top_srcdir/tests/integration/ssh-lib.sh"
out=$test_state/out
fp=$(ssh-keygen -l -E sha256 -f "$ssh_dir/host_key.pub" | awk '{print $2}')

isolab -c "$conf" run -r native@test -w cpu -n 1 -t 1 </dev/null >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 1 ] || fail "an unknown host key: exit $rc, expected 1"
grep -q "unknown host key" "$out" || fail "no 'unknown host key' message"
grep -F "$fp" "$out" | grep -q -- "--accept-new-host-key" || fail "the message lacks the fingerprint $fp or the remedy"
[ ! -s "$known" ] || fail "known_hosts was written without consent"
ok "unknown key refused headless, with fingerprint and remedy"

isolab -c "$conf" run --accept-new-host-key -r native@test -w cpu -n 1 -t 1 </dev/null >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] || fail "--accept-new-host-key: exit $rc"
grep -q "$(echo "$host_pub" | cut -d' ' -f2)" "$known" || fail "the accepted key is not in known_hosts"
ok "unknown key accepted with --accept-new-host-key and remembered"

# A changed key: known_hosts names another key for the same host and port.
ssh-keygen -q -t ed25519 -N '' -f "$ssh_dir/other_key"
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$ssh_dir/other_key.pub")" >"$known"
isolab -c "$conf" run --accept-new-host-key -r native@test -w cpu -n 1 -t 1 </dev/null >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 1 ] || fail "a changed host key: exit $rc, expected 1"
grep -q "HOST KEY CHANGED" "$out" || fail "no 'HOST KEY CHANGED' message"
grep -F "$fp" "$out" | grep -q "refusing" || fail "the changed-key message lacks the offered fingerprint"
ok "changed key refused, even with --accept-new-host-key"
[ -z "$(remote_leftovers)" ] || fail "left behind on the remote side: $(remote_leftovers)"

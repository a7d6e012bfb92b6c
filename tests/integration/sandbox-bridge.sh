#!/bin/bash
# The bridge network: the instance gets a netns of its own with an address
# in 10.213.0.0/16 that the host reaches (the host-side net-client of
# net-rr connects to the server inside), and the netns and veth go away
# with the instance (its journal is gone once everything was removed).
. "$top_srcdir/tests/integration/sandbox-lib.sh"
command -v ip >/dev/null || skip "iproute2 (ip) is not installed"

conf=$test_state/bridge.conf
cat >"$conf" <<'CONF'
experiments = {
  br = { runtimes = [ "sandbox" ]; workloads = [ "net-rr" ]; duration = 2.0; network = "bridge"; };
};
CONF
out=$test_state/out
isolab -c "$conf" run -e br -n 1 >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] || fail "the bridged net-rr run exited $rc"
grep -Eq '^sandbox +net-rr +rate +roundtrips/s +1 ' "$out" || fail "no net-rr rate row"
dir=$(run_dir)
run=$(basename "$dir")
# The client ran on the host against the instance's own address.
grep '"type":"sample"' "$dir/journal.jsonl" | grep -q '"role":"loadgen"' || fail "no host-side client (role loadgen) was sampled"
assert_no_leftovers "$run"
ok "bridge network: the host reached the instance in its own netns"

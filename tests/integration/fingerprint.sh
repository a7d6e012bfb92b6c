#!/bin/bash
# The isolation fingerprint, recorded when each instance becomes ready and
# shown by `isolab list fingerprints`: the pid namespace differs from the
# host's for runc and the sandbox and not for native, and gVisor reports a
# kernel of its own (the Sentry answers uname), unlike runc, which shares
# the host's.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/runtimes-lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root"
for r in runc gvisor; do need_runtime "$r"; done

run_isolab run -r native,sandbox,runc,gvisor -w cpu -n 1 -t 1
dir=$(latest_run)
isolab list fingerprints >"$test_state/fp" 2>&1 || { cat "$test_state/fp"; fail "isolab list fingerprints failed"; }
cat "$test_state/fp"
[ "$(grep -Ec '^[0-9]+ ' "$test_state/fp")" -eq 4 ] || fail "not one fingerprint row per instance"
python3 - "$dir/journal.jsonl" "$(uname -r)" <<'PY' || fail "the fingerprints are wrong"
import json, sys
fp = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("type") == "fingerprint":
        m = fp.setdefault(r["runtime"], {})
        m.update({k: v for k, v in r.items() if v is not None or k not in m})
host = sys.argv[2]
for rt in ("runc", "sandbox"):
    assert "pid" in fp[rt]["ns_differs"], f"{rt}: pid namespace not different: {fp[rt]}"
    assert fp[rt]["kernel"] == host, f"{rt} kernel {fp[rt]['kernel']} != host {host}"
assert fp["native"]["ns_differs"] == [], f"native: {fp['native']}"
assert fp["native"]["kernel"] == host
assert fp["gvisor"]["kernel"] and fp["gvisor"]["kernel"] != host, f"gvisor kernel {fp['gvisor']['kernel']}"
# runc drops capabilities and sets no_new_privs; native keeps what isolab has.
assert fp["runc"]["no_new_privs"] == 1 and fp["runc"]["cap_eff"] != fp["native"]["cap_eff"]
print("gvisor kernel", fp["gvisor"]["kernel"], "host", host)
PY
ok "pid namespace differs for runc and sandbox, not native; gVisor reports kernel $(awk '$2=="gvisor"{print $4}' "$test_state/fp")"
isolab list fingerprints no-such-run >/dev/null 2>&1 && fail "a run that does not exist listed fingerprints"
assert_nothing_left "$(basename "$dir")"

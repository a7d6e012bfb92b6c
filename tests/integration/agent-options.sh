#!/bin/bash
# `isolab agent` checks the driver options a client sends against this
# host's driver, as `isolab config check` checks them locally: a probe of
# a runtime with an option the driver does not declare is unavailable
# with the option named, a prepare is refused naming it, and a runtime
# whose options fit is probed as usual. The agent speaks the protocol on
# stdin/stdout here, with no SSH between (docs/agent-protocol.md).
. "$top_srcdir/tests/integration/lib.sh"

export TMPDIR=$test_state ISOLAB_RUNDIR=$test_state/run
mkdir -p "$ISOLAB_RUNDIR"
rid=$(date +%Y%m%d-%H%M%S)-a0a0
out=$test_state/out
{
	echo '{"type":"hello","proto":1,"client":"isolab 0.1.0"}'
	echo '{"type":"probe","runtime":{"name":"runc","driver":"oci","options":{"binnary":"runc"}}}'
	echo '{"type":"probe","runtime":{"name":"runc","driver":"oci","options":{"platform":"sputnik"}}}'
	echo '{"type":"probe","runtime":{"name":"native","driver":"native","options":{}}}'
	echo "{\"type\":\"prepare\",\"id\":1,\"run_id\":\"$rid\",\"runtime\":{\"name\":\"native\",\"driver\":\"native\",\"options\":{\"bogus\":\"1\"}},\"limits\":{},\"network\":\"none\",\"threads\":1,\"workload\":{\"name\":\"cpu\",\"rootfs\":\"minimal\"}}"
} | timeout 20 "$ISOLAB" agent >"$out" 2>&1
rc=$?
[ $rc -eq 0 ] || { cat "$out"; fail "isolab agent exited $rc at the end of its input"; }
line() { sed -n "${1}p" "$out"; }
line 2 | grep -q '"available":false' || fail "a misspelt option was probed as available: $(line 2)"
line 2 | grep -q 'runtimes.runc.options.binnary: expected one of the options of driver oci' ||
	fail "the probe's reason does not name the misspelt option: $(line 2)"
line 3 | grep -q 'runtimes.runc.options.platform: .*sputnik' || fail "a bad choice was not refused: $(line 3)"
line 4 | grep -q '"available":true' || fail "native with no options is not available: $(line 4)"
line 5 | grep -q '"type":"error","op":"prepare","id":1' || fail "the prepare was not refused: $(line 5)"
line 5 | grep -q 'runtimes.native.options.bogus: expected no options' || fail "the refusal does not name the option: $(line 5)"
[ ! -e "$ISOLAB_RUNDIR/$rid/resources" ] || ! grep -q . "$ISOLAB_RUNDIR/$rid/resources" ||
	fail "the refused prepare recorded resources: $(cat "$ISOLAB_RUNDIR/$rid/resources")"
ok "the agent refuses options its driver does not declare, by name, in a probe and a prepare"

#!/bin/bash
# Remote runs through a real sshd on 127.0.0.1: `cpu` and `syscall` on
# native@test (the static agent is uploaded, since isolab is not installed
# for the remote user), then native@local next to native@test in one run,
# and `run --host`. Results carry their host; nothing stays behind remotely.
. "$top_srcdir/tests/integration/ssh-lib.sh"
trust_host_key

out=$test_state/out
# The parts this machine cannot run: the others run, then the test skips
# naming these, rather than pass without them.
not_run=
isolab -c "$conf" run -r native@test -w cpu,syscall -n 1 -t 2 >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] || fail "isolab run -r native@test exited $rc"
grep -Eq '^native +test +cpu +rate +events/s +1 ' "$out" || fail "no 'native cpu rate events/s test 1' row"
grep -Eq '^native +test +syscall +rate +calls/s +1 ' "$out" || fail "no 'native syscall ... test 1' row"
dir=$test_state/runs/$(readlink "$test_state/runs/latest" | xargs basename)
j=$dir/journal.jsonl
[ "$(grep '"type":"instance"' "$j" | grep -c '"host":"test"')" -eq 2 ] || fail "instances do not record host test"
[ "$(grep '"type":"end"' "$j" | grep -c '"status":"ok"')" -eq 2 ] || fail "not every remote instance ended ok"
# The remote processes come back with their role, sampled by the agent.
grep '"type":"sample"' "$j" | grep '"comm":"isolab-probe"' | grep -q '"role":"workload"' ||
	fail "samples do not list the remote probe as the workload"
ok "cpu and syscall on native@test"

left=$(remote_leftovers)
[ -z "$left" ] || fail "left behind on the remote side: $left"
ok "nothing left behind remotely"

isolab -c "$conf" run -r native@local,native@test -w cpu -n 1 -t 1 >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] || fail "native@local,native@test exited $rc"
grep -Eq '^native +local +cpu +rate +events/s +1 ' "$out" || fail "no local row"
grep -Eq '^native +test +cpu +rate +events/s +1 ' "$out" || fail "no test row"
ok "local and remote side by side, one row per host"

isolab -c "$conf" run --host test -w cpu -n 1 -t 1 >"$out" 2>&1 || { cat "$out"; fail "run --host test failed"; }
grep -Eq '^native +test +cpu +rate +events/s +1 ' "$out" || { cat "$out"; fail "run --host test: no test row"; }
ok "run --host"
[ -z "$(remote_leftovers)" ] || fail "left behind on the remote side: $(remote_leftovers)"

# A container on the remote host: the agent's drivers read the workload's
# root file system kind, sent with prepare.
if command -v runc >/dev/null; then
	isolab -c "$conf" run -r runc@test -w cpu -n 1 -t 1 >"$out" 2>&1 || { cat "$out"; fail "runc@test failed"; }
	grep -Eq '^runc +test +cpu +rate +events/s +1 ' "$out" || { cat "$out"; fail "runc@test: no test row"; }
	ok "runc@test: a container on the remote host"
	[ -z "$(remote_leftovers)" ] || fail "left behind on the remote side: $(remote_leftovers)"

	# io_weight on the remote host: the agent decides, by that machine's
	# schedulers and cgroups (here the same machine, read by the test).
	io_weight_machine
	printf 'experiments = { riow = { runtimes = [ "native", "runc" ]; workloads = [ "file" ]; repetitions = 1; duration = 2.0; limits = { io_weight = 432; }; }; };\n' >"$test_state/riow.conf"
	isolab -c "$conf" -c "$test_state/riow.conf" run --host test -e riow >"$out" 2>&1
	rc=$?
	j=$test_state/runs/latest/journal.jsonl
	grep -q '"error":"native@test: prepare: test: agent: runtime native (driver native) cannot honour the limit .io_weight.; remove it' "$j" ||
		{ cat "$out"; fail "native@test was not refused io_weight by the agent"; }
	if [ "$can" = no ]; then
		[ $rc -ne 0 ] || { cat "$out"; fail "a run whose every instance must be refused exited 0"; }
		e=$(grep -o "\"error\":\"runc@test: prepare: test: agent: runtime runc (driver oci) cannot honour the limit 'io_weight' on this machine: [^\"]*" "$j")
		[ -n "$e" ] || { grep '"type":"end"' "$j"; fail "runc@test was not refused io_weight with the remote machine's reason"; }
		for s in $scheds; do
			case "$e" in *"block schedulers: "*"$s"*) ;; *) fail "the agent's refusal does not name the scheduler $s: $e" ;; esac
		done
		grep -q '"type":"sample"' "$j" && fail "an instance refused io_weight still ran"
		ok "io_weight on the remote host: the agent refuses it with that machine's reason (and native by name)"
	else
		grep -q '"inst":2,"status":"ok"' "$j" || { grep '"type":"end"' "$j"; fail "runc@test did not run with io_weight"; }
		ok "io_weight on the remote host: runc@test runs weighted, native is refused by name"
	fi
	[ -z "$(remote_leftovers)" ] || fail "left behind on the remote side: $(remote_leftovers)"
else
	not_run+=" runc@test and io_weight on the remote host (runc is not installed);"
fi

# A VM on the remote host: the agent runs the qemu driver's stage (its
# initramfs and disk) before launch, as the engine does locally.
if command -v qemu-system-x86_64 >/dev/null && { ls /boot/vmlinuz-* || ls "${ISOLAB_CACHE:-/var/cache/isolab}"/kernel/*/boot/vmlinuz-*; } >/dev/null 2>&1; then
	printf 'experiments = { rvm = { runtimes = [ "qemu" ]; workloads = [ "cpu" ]; repetitions = 1; duration = 3.0; grace = 60.0; baseline = "qemu"; }; };\n' >"$test_state/rvm.conf"
	isolab -c "$conf" -c "$test_state/rvm.conf" run --host test -e rvm >"$out" 2>&1 || { cat "$out"; fail "qemu@test failed"; }
	grep -Eq '^qemu +test +cpu +rate +events/s +1 ' "$out" || { cat "$out"; fail "qemu@test: no test row"; }
	# The guest kernel's count of its used memory comes across with the
	# samples, and the memory tax is taken against it, as locally.
	python3 - "$test_state/runs/latest/journal.jsonl" <<'PY' || { cat "$out"; fail "qemu@test: no guest_used_kb in the remote VM's samples"; }
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
samples = [r for r in recs if r["type"] == "sample"]
used = [r["guest_used_kb"] for r in samples if "guest_used_kb" in r]
vmm = [p["rss_kb"] for r in samples for p in r["procs"] if p["role"] == "vmm"]
guest = [r["t"] for r in samples if any(p["role"] == "guest" for p in r["procs"])]
assert used and vmm, ("samples", len(samples), "with guest_used_kb", len(used), "with guest processes at t", guest)
assert all(0 < u < max(vmm) for u in used), ("guest_used_kb", used, max(vmm))
print("qemu@test: guest_used_kb %.0f-%.0f KiB in %d samples" % (min(used), max(used), len(used)))
PY
	grep -Eq "^qemu/cpu: memory tax [0-9.]+ MiB: the VMM's mean RSS is [0-9.]+.* the memory the guest's kernel counts as used" "$out" ||
		fail "qemu@test: the memory tax is not against the guest kernel's used memory: $(grep 'memory tax' "$out")"
	ok "qemu@test: a VM on the remote host"
	# Containers inside a remote VM: the agent says how many copies ran, so
	# the metric here is their mean (container-0 and container-1: 0.5).
	cat >"$test_state/rvmc.conf" <<'CONF'
workloads = { whoami = { description = "the container's number, from its hostname"; argv = [ "hostname" ];
  metrics = ( { name = "copy"; kind = "other"; unit = "id"; summary = true; pattern = "^container-(?<value>[0-9]+)$"; } ); }; };
experiments = { rvmc = { runtimes = [ "qemu-containers" ]; workloads = [ "whoami" ]; repetitions = 1; duration = 2.0; grace = 60.0; baseline = "qemu-containers"; }; };
CONF
	isolab -c "$conf" -c "$test_state/rvmc.conf" run --host test -e rvmc >"$out" 2>&1 ||
		{ cat "$out"; fail "qemu-containers@test failed"; }
	grep -Eq '^qemu-containers +test +whoami +copy +id +1 +0\.5 ' "$out" ||
		{ cat "$out"; fail "qemu-containers@test: not the two copies' mean"; }
	ok "qemu-containers@test: two containers in a remote VM, their mean"
	[ -z "$(remote_leftovers)" ] || fail "left behind on the remote side: $(remote_leftovers)"
else
	not_run+=" qemu@test (no qemu-system-x86_64 or no guest kernel here; the VM tests fetch one);"
fi
[ -z "$not_run" ] || skip "not run here:${not_run%;}"

#!/bin/bash
# io-weight.sh — the limit io_weight, end to end, on whichever kind of
# machine this is.
#
# Where the machine can weight I/O (the BFQ scheduler is loaded, or cgroup
# v2's io controller has io.cost), the sandbox, runc and Docker must write
# the weight where the kernel reads it: the leaf cgroup's weight file for
# the first two, Docker's HostConfig for the last, seen while the run goes
# on. Where it cannot (this project's CI machines: schedulers none,
# mq-deadline and kyber, and v1 blkio with throttling only), each of them
# must refuse the limit before anything starts, naming the reason, rather
# than run unweighted as Docker itself would (it drops --blkio-weight with a
# warning in its own log). Native cannot honour it anywhere and says so.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/runtimes-lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (cgroups)"
[ -d /sys/fs/cgroup ] || skip "no /sys/fs/cgroup"
command -v python3 >/dev/null || skip "python3 is needed to read the journal"
for r in runc docker; do need_runtime "$r"; done

# The test's own reading of the machine, apart from isolab's.
io_weight_machine

conf=$test_state/iow.conf
cat >"$conf" <<'CONF'
experiments = {
  iow = { runtimes = [ "native", "sandbox", "runc", "docker" ]; workloads = [ "file" ];
    repetitions = 1; duration = 4.0; limits = { io_weight = 432; }; };
};
CONF

if [ "$can" = no ]; then
	out=$test_state/out
	isolab -c "$conf" run -e iow >"$out" 2>&1 && { cat "$out"; fail "a run whose every instance must be refused exited 0"; }
	cat "$out"
	run=$(basename "$(latest_run)")
	[ -n "$run" ] || fail "no run was recorded"
	python3 - "$test_state/runs/$run/journal.jsonl" "$io" <<'PY' || fail "io_weight was not refused as it should be"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
rt = {r["id"]: r["runtime"] for r in recs if r.get("type") == "instance"}
ends = {rt[r["inst"]]: r for r in recs if r.get("type") == "end"}
assert set(ends) == {"native", "sandbox", "runc", "docker"}, ends
for name, e in ends.items():
    print("%s: %s: %s" % (name, e["status"], e["error"]))
    assert e["status"] == "failed", name
assert ends["native"]["error"] == ("runtime native (driver native) cannot honour the limit 'io_weight'; "
                                   "remove it or pick another runtime"), ends["native"]["error"]
why = {"v1": "the v1 blkio controller has no weight without the BFQ scheduler",
       "v2": "the io controller has no weight without the BFQ scheduler or io.cost",
       "none": "there is no I/O controller"}[sys.argv[2]]
for name, driver in (("sandbox", "sandbox"), ("runc", "oci"), ("docker", "docker")):
    err = ends[name]["error"]
    assert err.startswith("runtime %s (driver %s) cannot honour the limit 'io_weight' on this machine: %s"
                          % (name, driver, why)), err
    # Refused before anything ran: no ready time, no sample.
    assert not [r for r in recs if r.get("type") == "sample" and rt.get(r.get("inst")) == name], name
PY
	# The schedulers isolab names are this machine's.
	for s in $scheds; do
		grep -q "block schedulers: .*$s" "$out" || fail "the refusal does not name the scheduler $s"
	done
	assert_nothing_left "$run"
	ok "io_weight refused by name, with the reason, by the sandbox, runc and Docker; native cannot"
	exit 0
fi

# This machine weights I/O: the weight must reach the kernel while the run
# goes on.
isolab -c "$conf" run -e iow -r sandbox,runc,docker >"$test_state/out" 2>&1 &
pid=$!
seen=""
for _ in $(seq 1 200); do
	run=$(latest_run) && run=$(basename "$run")
	if [ -n "$run" ]; then
		for f in /sys/fs/cgroup/blkio/isolab/"$run"/*/blkio.bfq.weight /sys/fs/cgroup/blkio/isolab/"$run"/*/blkio.weight \
			"$v2"/isolab/"$run"/*/io.bfq.weight "$v2"/isolab/"$run"/*/io.weight; do
			[ -e "$f" ] || continue
			grep -qE '(^| )432$' "$f" && case "$seen" in *"$f"*) ;; *) seen+=" $f" ;; esac
		done
		for c in $(docker ps -q --filter "label=isolab.run=$run" 2>/dev/null); do
			[ "$(docker inspect -f '{{.HostConfig.BlkioWeight}}' "$c")" = 432 ] &&
				case "$seen" in *"docker:$c"*) ;; *) seen+=" docker:$c" ;; esac
		done
	fi
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
wait $pid || { cat "$test_state/out"; fail "the run with io_weight failed"; }
echo "weights seen: $seen"
[ "$(echo "$seen" | wc -w)" -ge 3 ] ||
	fail "io_weight 432 was seen in $(echo "$seen" | wc -w) of 3 places (the sandbox's and runc's cgroups, Docker's container)"
case "$seen" in *docker:*) ;; *) fail "Docker's container did not carry the weight" ;; esac
assert_nothing_left "$run"
ok "io_weight 432 reached the kernel for the sandbox, runc and Docker"

#!/bin/bash
# Docker, Docker with gVisor and Podman run cpu, syscall and start for
# real; gVisor under Docker still costs at least 5x per system call; every
# container carried the isolab.run label and none is left; limits: a 64M
# hard limit stops a malloc bomb and pids.max a fork bomb; rewrite runs on
# a writable cow root, its storage the daemon's count of the files.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/runtimes-lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root"
for r in docker docker-gvisor podman; do need_runtime "$r"; done

run_isolab run -r docker,docker-gvisor,podman -w cpu,syscall,start -n 1 -t 2 --baseline docker
r=$out
for rt in docker docker-gvisor podman; do
	for w in cpu syscall start; do
		grep -Eq "^$rt +$w +rate +[^ ]+ +1 " "$r" || fail "no '$rt $w rate' row"
	done
done
dir=$(latest_run)
run=$(basename "$dir")
[ "$(grep '"type":"end"' "$dir/journal.jsonl" | grep -vc '"status":"ok"')" -eq 0 ] || fail "an instance did not end ok"
d_sys=$(report_mean docker syscall ns_per_call "$r")
g_sys=$(report_mean docker-gvisor syscall ns_per_call "$r")
awk -v a="$d_sys" -v b="$g_sys" 'BEGIN { exit !(b >= 5 * a) }' ||
	fail "docker-gvisor syscall $g_sys ns is not at least 5x docker's $d_sys ns"
ok "syscall: docker-gvisor $g_sys ns/call vs docker $d_sys ns/call"
# The shim (docker) and conmon (podman) are sampled as the runtime.
grep '"type":"sample"' "$dir/journal.jsonl" | grep -q '"role":"runtime"' || fail "no runtime-role process sampled"
assert_nothing_left "$run"
# The cached rootfs image is labelled as a cache, not as a run's.
docker images --filter label=isolab.cache=1 -q | grep -q . || fail "no isolab.cache image"
# The storage each container added, as its daemon counts it, named by
# storage driver (Docker's is vfs here: a whole copy of the image).
for rt in docker podman; do
	d=$( [ $rt = docker ] && docker info --format '{{.Driver}}' || podman info --format '{{.Store.GraphDriverName}}')
	sed -n '/^host storage each instance added/,/^cgroup/p' "$r" | grep -Eq "^cpu +$rt +1 +[0-9]+ .*storage driver $d" ||
		fail "no storage row for $rt naming storage driver $d: $(cat "$r")"
done
ok "storage: docker and podman, each naming its storage driver"

# Where the daemon does not answer `inspect --size`, the run goes on and
# says the storage was not measured (a wrapper that fails only that call).
cat >"$test_state/docker-nosize" <<'SH'
#!/bin/sh
case " $* " in *" inspect --size "*) echo "simulated: no size" >&2; exit 1 ;; esac
exec docker "$@"
SH
chmod +x "$test_state/docker-nosize"
cat >"$test_state/nosize.conf" <<CONF
runtimes = { docker-nosize = { driver = "docker"; description = "docker whose inspect --size fails";
  options = { binary = "$test_state/docker-nosize"; }; }; };
CONF
isolab -c "$test_state/nosize.conf" run -r docker-nosize -w cpu -n 1 -t 1 >"$test_state/nosize" 2>&1 ||
	fail "a failing inspect --size failed the run: $(cat "$test_state/nosize")"
j=$(latest_run)/journal.jsonl
grep '"type":"info"' "$j" | grep -q 'its storage was not measured: .*simulated: no size' ||
	fail "the journal does not say the storage was not measured: $(grep '"type":"info"' "$j")"
grep -q '"type":"storage"' "$j" && fail "a storage record without a measure"
grep -q '^host storage each instance added' "$test_state/nosize" && fail "a storage table without a measure"
assert_nothing_left "$(basename "$(latest_run)")"
ok "storage: an unanswered inspect --size is said, the run goes on"

# rewrite on a cow root: the container's root is writable and holds the
# image's 1,024 files of 32 KiB, which the probe rewrites (a read-only
# root, or no files, would fail the instance). What that adds is the
# daemon's count: with copy-on-write (overlay) the files copied up, with
# vfs the whole image, files included: at least their 32,768 kB either way.
run_isolab run -r docker,podman -w rewrite -n 1 -t 5 --baseline docker
[ "$(grep '"type":"end"' "$(latest_run)/journal.jsonl" | grep -vc '"status":"ok"')" -eq 0 ] ||
	fail "rewrite on docker or podman did not end ok: $(cat "$out")"
rw=
for rt in docker podman; do
	grep -Eq "^$rt +rewrite +rate +files/s +1 " "$out" || fail "no '$rt rewrite rate' row: $(cat "$out")"
	kb=$(sed -n '/^host storage each instance added/,/^cgroup/p' "$out" | grep -E "^rewrite +$rt +1 " | awk '{print $4}')
	[ -n "$kb" ] && [ "$kb" -ge 32768 ] || fail "$rt rewrite: storage added ${kb:-none} kB, not the files: $(cat "$out")"
	rw="$rw $rt $(report_mean "$rt" rewrite rate "$out") files/s, $kb kB;"
done
assert_nothing_left "$(basename "$(latest_run)")"
ok "rewrite on a cow root:$rw"

conf=$test_state/limits.conf
cat >"$conf" <<'CONF'
experiments = {
  lim-memory = { runtimes = [ "docker", "podman" ]; workloads = [ "mallocbomb" ];
    repetitions = 1; duration = 4.0; limits = { memory = "64M"; pids = 4096; };
    params = { step = "8M"; limit = "512M"; }; };
  lim-pids = { runtimes = [ "docker", "podman" ]; workloads = [ "forkbomb" ];
    repetitions = 1; duration = 2.0; limits = { pids = 32; memory = "512M"; };
    params = { limit = "500"; }; };
};
CONF
isolab -c "$conf" run -e lim-memory >"$test_state/mem" 2>&1
cat "$test_state/mem"
python3 - "$(latest_run)/journal.jsonl" <<'PY' || fail "the memory limit did not stop the malloc bomb"
import json, sys
inst, ends = {}, {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("type") == "instance":
        inst[r["id"]] = r["runtime"]
    if r.get("type") == "end":
        ends[inst[r["inst"]]] = r
for rt, e in ends.items():
    mb = e["metrics"].get("allocated_mb")
    print(rt, e["status"], e["error"], mb)
    # docker start --attach reports the OOM kill as exit status 137.
    assert (mb is not None and mb <= 72) or "137" in (e["error"] or "") or "SIGKILL" in (e["error"] or ""), rt
assert len(ends) == 2, ends
PY
ok "a 64M hard limit stops the malloc bomb on docker and podman"
isolab -c "$conf" run -e lim-pids >"$test_state/pids" 2>&1 || { cat "$test_state/pids"; fail "lim-pids failed"; }
python3 - "$(latest_run)/journal.jsonl" <<'PY' || fail "pids.max did not stop the fork bomb"
import json, sys
inst, ends = {}, {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("type") == "instance":
        inst[r["id"]] = r["runtime"]
    if r.get("type") == "end":
        ends[inst[r["inst"]]] = r
for rt, e in ends.items():
    print(rt, e["status"], e["metrics"].get("procs"))
    assert e["status"] == "ok" and e["metrics"]["procs"] < 32, rt
assert len(ends) == 2
PY
ok "pids.max stops the fork bomb on docker and podman"

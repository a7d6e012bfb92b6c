#!/bin/bash
# Kill isolab with SIGKILL in the middle of a Docker, Docker with gVisor and Podman run,
# then `isolab cleanup` must leave nothing: no labelled containers,
# cgroups or processes. With Docker and gVisor, cleanup comes while the
# container's removal is already under way, as when isolab is killed in
# its teardown: dockerd refuses a second removal until the first is done,
# and cleanup must not give up on it. Podman once more, killed while its
# `podman create` runs: that create goes on, and cleanup must remove the
# container it makes, not come before it. (bench/kill-trials found both.)
# The create is made to wait 2 s before it begins, as on a loaded machine,
# by a wrapper the runtime names as its binary, so the kill falls in it.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/runtimes-lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root"
slow=$test_state/slow
mkdir -p "$slow"
for round in docker docker-gvisor podman podman@create; do
	rt=${round%@*}
	need_runtime "$rt"
	conf=()
	if [ "$round" = podman@create ]; then
		cat >"$slow/podman" <<EOF
#!/bin/bash
case " \$* " in *" create "*) touch "$slow/creating"; sleep 2 ;; esac
exec $(command -v podman) "\$@"
EOF
		chmod 755 "$slow/podman"
		cat >"$slow/podman.conf" <<EOF
runtimes = { podman-slow = { driver = "docker"; description = "podman, its create 2 s late";
  options = { binary = "$slow/podman"; global_args = "--cgroup-manager=cgroupfs --runtime=runc --events-backend=file"; }; }; };
EOF
		conf=(-c "$slow/podman.conf")
		rt=podman-slow
	fi
	# The binary itself in the background (not the isolab function, whose
	# subshell would take the SIGKILL instead).
	"$ISOLAB" --state-dir "$test_state" "${conf[@]}" run -r "$rt" -w cpu -n 1 -t 30 >"$test_state/leak-$rt" 2>&1 &
	pid=$!
	bin=docker
	[ "${rt%-slow}" = podman ] && bin=podman
	if [ "$round" = podman@create ]; then
		# Kill isolab while its `podman create --name isolab-<run>-1` waits.
		for i in $(seq 1 300); do [ -e "$slow/creating" ] && break; sleep 0.1; done
		[ -e "$slow/creating" ] || { kill $pid; cat "$test_state/leak-$rt"; fail "$round: podman create never ran"; }
		run=$(basename "$(latest_run)")
		kill -KILL $pid
		wait $pid 2>/dev/null
		isolab cleanup >"$test_state/cleanup-$round" 2>&1 || { cat "$test_state/cleanup-$round"; fail "$round: isolab cleanup failed"; }
		# The create, if cleanup did not wait for it, makes its container now.
		for i in $(seq 1 100); do pgrep -f "create --name isolab-$run-1 " >/dev/null || break; sleep 0.1; done
		assert_nothing_left "$run"
		ok "$round: killed during podman create, nothing left after cleanup"
		continue
	fi
	# Wait (bounded) for the container's workload to report (a sample with
	# its rate in the run's journal); wpid: the container's first process.
	wpid=
	for i in $(seq 1 150); do
		run=$(latest_run) && run=$(basename "$run") &&
			grep -q '"type":"sample".*"rate"' "$test_state/runs/$run/journal.jsonl" 2>/dev/null &&
			wpid=$($bin inspect --format '{{.State.Pid}}' "isolab-$run-1" 2>/dev/null) && [ "${wpid:-0}" -gt 0 ] && break
		wpid=
		sleep 0.1
	done
	[ -n "$wpid" ] || { cat "$test_state/leak-$rt"; fail "$rt: the container's workload never reported"; }
	[ -e "/run/isolab/$run/resources" ] || fail "$rt: no resource journal for $run"
	kill -KILL $pid
	wait $pid 2>/dev/null
	rmpid=
	if [ "$rt" = docker-gvisor ]; then
		$bin rm -f "isolab-$run-1" >"$test_state/rm-$rt" 2>&1 &
		rmpid=$!
		sleep 0.05
	fi
	isolab cleanup >"$test_state/cleanup-$rt" 2>&1 || { cat "$test_state/cleanup-$rt"; fail "$rt: isolab cleanup failed"; }
	[ -z "$rmpid" ] || wait $rmpid
	sleep 0.5
	assert_nothing_left "$run"
	ps -p "$wpid" >/dev/null && fail "$rt: the workload (pid $wpid) survived"
	ok "$rt: nothing left after SIGKILL + cleanup${rmpid:+, with the removal of the container already under way}"
done

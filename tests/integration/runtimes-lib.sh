# runtimes-lib.sh — sourced by the container tests: installs the runtime a
# test needs from Debian when it is missing, and starts a Docker daemon of
# isolab's own when none answers. It never stops what it started: later
# tests reuse the daemon, and a machine's own daemon is left alone.
#
# The test daemon: vfs storage (works on any file system, no overlay-in-
# overlay trouble), no iptables and no default bridge (isolab does its own
# networking), its data under /var/lib/isolab-test-docker, runsc registered
# as the runtime "runsc" with the ptrace platform and its own network
# stack disabled (--network=none: runsc 2022 cannot set up its netstack
# from the namespace this daemon gives it). It listens on the
# default socket, so the plain `docker` CLI reaches it.

: "${ISOLAB_TEST_DOCKER:=/var/lib/isolab-test-docker}"

# apt-get install the packages that dpkg does not list as installed.
need_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || return 1
	echo "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
		{ apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; }
}

# Starts the test dockerd unless a daemon already answers; bounded wait.
start_dockerd() {
	docker info >/dev/null 2>&1 && return 0
	command -v dockerd >/dev/null || return 1
	mkdir -p "$ISOLAB_TEST_DOCKER"
	local runsc
	runsc=$(command -v runsc || echo /usr/bin/runsc)
	cat >"$ISOLAB_TEST_DOCKER/daemon.json" <<EOF
{
  "data-root": "$ISOLAB_TEST_DOCKER/data",
  "exec-root": "/run/isolab-test-docker",
  "pidfile": "/run/isolab-test-docker.pid",
  "storage-driver": "vfs",
  "iptables": false,
  "ip-forward": false,
  "bridge": "none",
  "runtimes": { "runsc": { "path": "$runsc", "runtimeArgs": ["--platform=ptrace", "--network=none"] } }
}
EOF
	setsid dockerd --config-file "$ISOLAB_TEST_DOCKER/daemon.json" \
		>"$ISOLAB_TEST_DOCKER/dockerd.log" 2>&1 </dev/null &
	local i
	for i in $(seq 1 120); do
		docker info >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	tail -5 "$ISOLAB_TEST_DOCKER/dockerd.log"
	return 1
}

# Makes runtime $1 runnable here or skips the test with the reason.
need_runtime() {
	case "$1" in
	runc) need_pkgs runc ;;
	crun) need_pkgs crun ;;
	gvisor) need_pkgs runsc ;;
	docker) need_pkgs docker.io && start_dockerd || skip "docker: cannot start dockerd (see $ISOLAB_TEST_DOCKER/dockerd.log)" ;;
	docker-gvisor) need_pkgs docker.io runsc && start_dockerd || skip "docker: cannot start dockerd" ;;
	podman) need_pkgs podman ;;
	lxc) need_pkgs lxc ;;
	esac
	local line
	line=$(isolab list runtimes 2>&1 | awk -v r="$1" '$1 == r')
	[ -n "$line" ] || fail "runtime $1 is not listed by 'isolab list runtimes'"
	[ "$(echo "$line" | awk '{print $3}')" = available ] || skip "$1 cannot run here: $line"
}

# Runs `isolab run` with the remaining arguments into $out; fails on error.
run_isolab() {
	out=$test_state/out.$RANDOM
	isolab "$@" >"$out" 2>&1
	local rc=$?
	cat "$out"
	[ $rc -eq 0 ] || fail "isolab $* exited $rc"
}

# The mean of metric $3 of workload $2 on runtime $1 in report $4.
report_mean() {
	awk -v r="$1" -v w="$2" -v m="$3" '$1==r && $2==w && $3==m {print $6; exit}' "$4"
}

# The newest run directory of this test's state.
# The newest run, through the journal's own runs/latest link: run ids sort by
# their random suffix when two runs start in the same second.
# Nothing (status 1) until a run exists: leak tests poll it while isolab starts.
latest_run() {
	[ -L "$test_state/runs/latest" ] && readlink -f "$test_state/runs/latest"
}

# Fails when isolab left anything of run $1 (of this test's state
# directory): its resource journal, cgroups, mounts, processes, the network
# namespaces and veths its journal says its instances had, its containers
# and images. Nothing of other runs: another test may be running.
assert_nothing_left() {
	local run=$1 left="" j=$test_state/runs/$1/journal.jsonl
	[ -f "$j" ] || fail "no journal for run $run in $test_state"
	[ -e "/run/isolab/$run" ] && left+=" /run/isolab/$run"
	local d
	for d in /sys/fs/cgroup/*/isolab/"$run" /sys/fs/cgroup/isolab/"$run"; do
		[ -e "$d" ] && left+=" $d"
	done
	grep -q "isolab/$run\|$run" /proc/self/mountinfo && left+=" mounts"
	local n
	for n in $(grep '"type":"netns"' "$j" | sed -n 's/.*"name":"\([^"]*\)".*/\1/p'); do
		[ -e "/run/netns/$n" ] && left+=" netns:$n"
	done
	for n in $(grep '"type":"netns"' "$j" | sed -n 's/.*"veth":"\([^"]*\)".*/\1/p'); do
		[ -e "/sys/class/net/$n" ] && left+=" veth:$n"
	done
	pgrep -f "isolab-$run" >/dev/null && left+=" processes:$(pgrep -f "isolab-$run" | tr '\n' ' ')"
	pgrep -f "/run/isolab/$run" >/dev/null && left+=" processes:$(pgrep -f "/run/isolab/$run" | tr '\n' ' ')"
	if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
		[ -n "$(docker ps -aq --filter "label=isolab.run=$run")" ] && left+=" docker-containers"
		[ -n "$(docker images -q --filter "label=isolab.run=$run")" ] && left+=" docker-images"
	fi
	if command -v podman >/dev/null; then
		[ -n "$(podman ps -aq --filter "label=isolab.run=$run" 2>/dev/null)" ] && left+=" podman-containers"
	fi
	[ -z "$left" ] || fail "left behind by run $run:$left"
}

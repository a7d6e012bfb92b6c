# app-lib.sh — sourced by the application tests: installs the servers and
# load generators when missing, without letting Debian start its own
# services (they would linger on the default ports), and names the
# processes of one run.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/runtimes-lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root"
command -v ip >/dev/null || skip "iproute2 (ip) is not installed"

app_pkgs=(nginx wrk mariadb-server sysbench redis-server redis-tools postgresql postgresql-client)

# policy-rc.d exit 101 tells invoke-rc.d not to start services; one the
# machine already has is left as it is, and ours is removed after.
need_app_pkgs() {
	local p missing=()
	for p in "${app_pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	local ours=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && ours=1
	fi
	need_pkgs "${missing[@]}"
	local rc=$?
	[ -n "$ours" ] && rm -f /usr/sbin/policy-rc.d
	return $rc
}
need_app_pkgs || skip "cannot install ${app_pkgs[*]}"
[ -x /usr/lib/postgresql/15/bin/postgres ] || skip "PostgreSQL 15 is not where workloads/postgresql.conf looks (pgbin)"

# Experiments of this test: containers on the bridge, gVisor on the host
# network (runsc refuses the bridge's namespace), native on loopback.
apps_conf() { # apps_conf FILE DURATION
	cat >"$1" <<CONF
experiments = {
  apps-bridge = { runtimes = [ "native", "sandbox", "runc" ];
    workloads = [ "nginx", "mariadb", "redis", "postgresql" ];
    repetitions = 1; duration = $2; network = "bridge"; };
  apps-host = { runtimes = [ "gvisor" ];
    workloads = [ "nginx", "mariadb", "redis", "postgresql" ];
    repetitions = 1; duration = $2; network = "host"; };
};
CONF
}

# Pids of server or load-generator processes whose command line names
# directory $1 (each instance's servers carry their instance directory).
app_procs() {
	local d pid comm
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		comm=$(cat "$d/comm" 2>/dev/null) || continue
		case "$comm" in
		nginx | mariadbd | postgres | wrk | sysbench | pgbench | redis-benchmark | unshare)
			tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -qF "$1" && echo "$pid" ;;
		redis-server)
			# redis-server rewrites its command line; its working directory names it.
			case "$(readlink "$d/cwd" 2>/dev/null)" in "$1"*) echo "$pid" ;; esac ;;
		esac
	done
}

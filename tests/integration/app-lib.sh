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

# Experiments of this test: containers on the bridge, gVisor on the host
# network (runsc refuses the bridge's namespace), native on loopback.
apps_conf() { # apps_conf FILE DURATION
	cat >"$1" <<CONF
experiments = {
  apps-bridge = { runtimes = [ "native", "sandbox", "runc", "gvisor" ];
    workloads = [ "nginx", "mariadb", "redis", "postgresql" ];
    repetitions = 1; duration = $2; network = "bridge"; };
  apps-host = { runtimes = [ "gvisor" ];
    workloads = [ "nginx" ];
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

# app_journal_check RUNTIMES JOURNAL...: every instance of the journals
# ended ok with nonzero throughput and its latencies (per workload), and a
# per-second rate in its samples; each of the four apps ran on each of the
# comma-separated RUNTIMES.
app_journal_check() {
	python3 - "$@" <<'PY'
import json, sys
need = {"nginx": ["rate", "p50", "p95", "p99"], "mariadb": ["rate", "qps", "p95"],
        "redis": ["rate", "p50", "p95", "p99"], "postgresql": ["rate", "avg"]}
seen = set()
for path in sys.argv[2:]:
    inst, per_second = {}, {}
    for line in open(path):
        r = json.loads(line)
        if r.get("type") == "instance":
            inst[r["id"]] = (r["runtime"], r["workload"])
        elif r.get("type") == "sample" and r["metrics"]:
            per_second.setdefault(r["inst"], set()).update(r["metrics"])
        elif r.get("type") == "end":
            rt, wl = inst[r["inst"]]
            if r["status"] != "ok":
                sys.exit(f"{rt} {wl}: {r['status']}: {r['error']}")
            m = r["metrics"]
            for k in need[wl]:
                if not (m.get(k, 0) > 0):
                    sys.exit(f"{rt} {wl}: metric {k} missing or zero: {m}")
            if "rate" not in per_second.get(r["inst"], ()):
                sys.exit(f"{rt} {wl}: no per-second rate in the samples")
            print(f"ok: {rt:8} {wl:11} rate {m['rate']:.1f}")
            seen.add((rt, wl))
want = {(rt, wl) for rt in sys.argv[1].split(",") for wl in need}
if seen != want:
    sys.exit(f"missing: {sorted(want - seen)}")
PY
}

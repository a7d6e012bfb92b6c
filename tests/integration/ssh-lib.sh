# ssh-lib.sh — a private sshd for the remote-host tests (sourced, not run).
#
# Starts /usr/sbin/sshd (installing openssh-server with apt-get when it is
# missing) on 127.0.0.1 and a free port, with a temporary host key, a
# temporary authorized_keys for root, StrictModes no, UsePAM no and its own
# pid file: the system's sshd and its configuration are never touched. It
# is stopped at exit. Only loopback traffic.
# Sets: ssh_dir port client_key host_pub known conf (an isolab config
# defining host "test" with known_hosts = $known, initially empty).
#
# What runs through this sshd gets a TMPDIR and an ISOLAB_RUNDIR of this
# test's own (sshd_config SetEnv): an uploaded agent's directory, the
# agent's data directory and its resource journal are made there, so
# remote_leftovers sees only what this test left, never another test's.
# Before sourcing, a test may set ssh_sftp (the sftp subsystem's command;
# default internal-sftp) and ssh_extra_config (more sshd_config lines).
. "$top_srcdir/tests/integration/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (a private sshd that logs root in)"
if [ ! -x /usr/sbin/sshd ]; then
	command -v apt-get >/dev/null || skip "no sshd and no apt-get to install openssh-server"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-server \
		>/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-server \
		>/dev/null 2>&1; } || skip "cannot install openssh-server"
fi
command -v ssh-keygen >/dev/null || skip "ssh-keygen is missing (openssh-client)"

ssh_dir=$(mktemp -d "${TMPDIR:-/tmp}/isolab-sshd.XXXXXX")
cleanup_dirs+=("$ssh_dir")
remote_tmp=$ssh_dir/tmp
remote_run=$ssh_dir/run
mkdir -p "$remote_tmp" "$remote_run"
# Stops the listener and the sessions it started.
stop_sshd() {
	if [ -s "$ssh_dir/sshd.pid" ]; then
		local p c
		p=$(cat "$ssh_dir/sshd.pid")
		for c in $(pgrep -P "$p"); do kill "$c" 2>/dev/null; done
		kill "$p" 2>/dev/null
	fi
}
trap 'stop_sshd; rm -rf "${cleanup_dirs[@]}"' EXIT

ssh-keygen -q -t ed25519 -N '' -C isolab-test-host -f "$ssh_dir/host_key" || fail "ssh-keygen host key"
ssh-keygen -q -t ed25519 -N '' -C isolab-test-client -f "$ssh_dir/client_key" || fail "ssh-keygen client key"
cp "$ssh_dir/client_key.pub" "$ssh_dir/authorized_keys"
client_key=$ssh_dir/client_key
host_pub=$(cut -d' ' -f1,2 "$ssh_dir/host_key.pub")
known=$ssh_dir/known_hosts
: >"$known"
# sshd refuses to start without its privilege separation directory.
[ -d /run/sshd ] || mkdir -p -m 0755 /run/sshd

port=
for try in 1 2 3 4 5 6 7 8; do
	p=$(( (RANDOM % 20000) + 30000 ))
	cat >"$ssh_dir/sshd_config" <<EOC
Port $p
ListenAddress 127.0.0.1
HostKey $ssh_dir/host_key
PidFile $ssh_dir/sshd.pid
AuthorizedKeysFile $ssh_dir/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp ${ssh_sftp:-internal-sftp}
SetEnv TMPDIR=$remote_tmp ISOLAB_RUNDIR=$remote_run
LogLevel ERROR
${ssh_extra_config:-}
EOC
	rm -f "$ssh_dir/sshd.pid"
	if /usr/sbin/sshd -f "$ssh_dir/sshd_config" -E "$ssh_dir/sshd.log"; then
		for i in $(seq 50); do [ -s "$ssh_dir/sshd.pid" ] && break; sleep 0.1; done
		if [ -s "$ssh_dir/sshd.pid" ] && kill -0 "$(cat "$ssh_dir/sshd.pid")" 2>/dev/null; then
			port=$p
			break
		fi
	fi
done
[ -n "$port" ] || { cat "$ssh_dir/sshd.log" 2>/dev/null; fail "cannot start a private sshd"; }
sshd_pid=$(cat "$ssh_dir/sshd.pid")

# timeout: a login shell whose startup files take seconds on a loaded
# machine must not pass for a dead link (a killed link is seen at once).
conf=$ssh_dir/isolab.conf
cat >"$conf" <<EOC
hosts = {
  test = { address = "127.0.0.1"; port = $port; user = "root";
           identity = "$client_key"; known_hosts = "$known"; timeout = 15; };
};
EOC

# Makes the known_hosts file hold the server's real key.
trust_host_key() { echo "[127.0.0.1]:$port $host_pub" >"$known"; }

# What an agent of this test may leave behind on the "remote" side (this
# machine): processes run from an uploaded agent's directory, that
# directory, the agent's data directory, its resource journal.
remote_leftovers() {
	pgrep -af "$remote_tmp/isolab-agent\.[A-Za-z0-9]+/isolab-(agent|probe)" || true
	ls -d "$remote_tmp"/isolab-agent.* "$remote_tmp"/isolab-agent-data.* 2>/dev/null || true
	ls -d "$remote_run"/*.agent* 2>/dev/null || true
}

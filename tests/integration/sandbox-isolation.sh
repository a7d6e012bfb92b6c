#!/bin/bash
# What the workload sees inside the sandbox: its own pid, mount, uts and
# network namespaces (a workload that prints the namespace inode as its
# metric), pid 1 is isolab's init, and the hostname is the instance's.
. "$top_srcdir/tests/integration/sandbox-lib.sh"
# busybox-static gives the minimal rootfs readlink and hostname.
bb=
for b in /bin/busybox /usr/bin/busybox; do [ -x "$b" ] && bb=$b && break; done
[ -n "$bb" ] && ! ldd "$bb" >/dev/null 2>&1 || skip "busybox-static is not installed (apt-get install busybox-static)"

conf=$test_state/ns.conf
cat >"$conf" <<'CONF'
workloads = {
  ns = {
    description = "prints a namespace inode";
    argv = [ "readlink", "/proc/self/ns/${ns}" ];
    params = { ns = { default = "pid"; }; };
    metrics = ( { name = "inode"; kind = "other"; unit = "inode"; better = "lower"; summary = true;
                  pattern = ":\\[(?<value>[0-9]+)\\]"; } );
  };
  hostname = {
    description = "prints the hostname as a number";
    argv = [ "hostname" ];
    metrics = ( { name = "instance"; kind = "other"; unit = "id"; better = "lower"; summary = true;
                  pattern = "^isolab-(?<value>[0-9]+)$"; } );
  };
};
CONF
inode_inside() {
	rm -rf "$test_state/runs"
	isolab -c "$conf" run -r sandbox -w ns -p ns="$1" -n 1 -t 1 -q >"$test_state/out.$1" 2>&1 ||
		{ cat "$test_state/out.$1"; fail "the ns workload failed for $1"; }
	awk '$1=="sandbox" && $2=="ns" && $3=="inode" {print $6}' "$test_state/out.$1"
}
for ns in pid mnt uts net ipc cgroup; do
	host=$(readlink /proc/self/ns/$ns | sed 's/.*\[\([0-9]*\)\]/\1/')
	inside=$(inode_inside $ns)
	[ -n "$inside" ] || fail "no $ns inode reported from inside"
	[ "$inside" != "$host" ] || fail "the $ns namespace is the host's ($host)"
	ok "$ns namespace differs: host $host, sandbox $inside"
done
rm -rf "$test_state/runs"
isolab -c "$conf" run -r sandbox -w hostname -n 1 -t 1 -q >"$test_state/out.h" 2>&1 ||
	{ cat "$test_state/out.h"; fail "hostname workload failed"; }
grep -Eq '^sandbox +hostname +instance +id +1 +1(\.0+)? ' "$test_state/out.h" ||
	{ cat "$test_state/out.h"; fail "the hostname inside is not isolab-1"; }
ok "hostname inside is isolab-1"

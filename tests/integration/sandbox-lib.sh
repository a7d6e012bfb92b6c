# sandbox-lib.sh — shared by the sandbox integration tests (sourced).
. "$top_srcdir/tests/integration/lib.sh"

[ "$(id -u)" -eq 0 ] || skip "the sandbox tests need root (cgroups, namespaces)"
[ -d /sys/fs/cgroup ] || skip "no /sys/fs/cgroup"

# The only run directory of this test's state dir.
run_dir() { ls -d "$test_state"/runs/2* | head -1; }

# Asserts that nothing of run $1 is left: cgroups in every hierarchy, the
# resource journal, staging directories.
assert_no_leftovers() {
	local run=$1 d
	for d in /sys/fs/cgroup/*/isolab/"$run" /sys/fs/cgroup/isolab/"$run"; do
		[ -e "$d" ] && fail "cgroup $d is left behind"
	done
	[ -e "/run/isolab/$run" ] && fail "/run/isolab/$run is left behind"
	return 0
}

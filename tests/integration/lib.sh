# lib.sh — shared helpers for integration tests (sourced, not run).
# Tests exit 0 on success, 1 on failure, 77 to skip (printing why).
set -u
# Sourced once per test, even through several helper libraries.
[ -z "${isolab_test_lib:-}" ] || return 0
isolab_test_lib=1

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
ok() { echo "ok (${SECONDS}s): $*"; }

# A private state directory per test, removed at exit.
test_state=$(mktemp -d "${TMPDIR:-/tmp}/isolab-test.XXXXXX")
cleanup_dirs=("$test_state")
trap 'rm -rf "${cleanup_dirs[@]}"' EXIT

isolab() { "$ISOLAB" --state-dir "$test_state" "$@"; }

# io_weight_machine: the test's own reading of whether this machine can
# weight I/O, apart from isolab's. Sets io (the I/O controller: v1, v2 or
# none), v2 (where the v2 hierarchy is mounted), scheds (the block
# schedulers, space-separated) and can (yes/no):
# yes where BFQ is among the schedulers, or v2's io controller has
# io.cost, or v1 blkio has CFQ's blkio.weight.
io_weight_machine() {
	v2=/sys/fs/cgroup
	scheds=$(cat /sys/block/*/queue/scheduler 2>/dev/null | tr -d '[]' | tr ' ' '\n' | sort -u | grep . | tr '\n' ' ')
	[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || v2=/sys/fs/cgroup/unified
	if [ "$v2" != /sys/fs/cgroup ] && [ "$(stat -f -c %T /sys/fs/cgroup/blkio 2>/dev/null)" = cgroupfs ]; then
		io=v1
	elif grep -qw io "$v2/cgroup.controllers" 2>/dev/null; then
		io=v2
	else
		io=none
	fi
	can=no
	case " $scheds " in *" bfq "*) [ "$io" != none ] && can=yes ;; esac
	[ "$io" = v2 ] && [ -e "$v2/io.cost.qos" ] && can=yes
	[ "$io" = v1 ] && [ -e /sys/fs/cgroup/blkio/blkio.weight ] && can=yes
	echo "I/O controller: $io; block schedulers: $scheds; can weight I/O: $can"
}

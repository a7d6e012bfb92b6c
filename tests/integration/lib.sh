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

#!/usr/bin/env bash
# fuzz-gate.sh — builds the fuzzing configuration and runs every libFuzzer
# target for a fixed time: CI's regression gate (20 s each) and the engine
# of bench/fuzz-smoke (60 s each).
#
# usage: fuzz-gate.sh [--seconds N] BUILD_DIR
#   BUILD_DIR   a build directory of its own (configured here with
#               CC=clang --enable-fuzzing the first time), e.g. build-fuzz/
# Prints one line per target:
#   PASS: fuzz_config execs=123456 execs_per_s=6172 crashes=0
#   FAIL: fuzz_metrics execs=... crashes=1 artifact=BUILD_DIR/fuzz/artifacts/crash-...
# then the target's last output when it failed. Exits 0 when no target
# failed, 1 otherwise, 77 when clang is missing (the gate cannot run here).
#
# New inputs go to BUILD_DIR/fuzz/corpus/<name>/; the seed corpus in the
# source tree (tests/fuzz/corpus/<name>/) is only read, so a CI run never
# changes the tree. A crash artifact is replayed with
#   BUILD_DIR/tests/fuzz/fuzz_<name> ARTIFACT
# and becomes a unit test of the module it is in before it is fixed.
set -uo pipefail

seconds=20
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds=$2; shift 2 ;;
	-h|--help) sed -n '2,20s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { echo "usage: fuzz-gate.sh [--seconds N] BUILD_DIR" >&2; exit 2; }
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
targets=(config metrics journal agentproto frame)

command -v clang >/dev/null || { echo "SKIP: fuzz gate: clang is not installed (apt-get install clang)"; exit 77; }
mkdir -p "$build" && build=$(cd "$build" && pwd) || exit 2
cd "$build" || exit 2
# Without --enable-werror: warnings are CI's gcc build's gate; clang's own
# extra ones must not stop the fuzzers from running.
if [ ! -f Makefile ]; then
	"$src/configure" CC=clang --enable-fuzzing >configure.out 2>&1 ||
		{ cat configure.out; echo "FAIL: fuzz gate: configure"; exit 1; }
fi
progs=()
for t in "${targets[@]}"; do progs+=("tests/fuzz/fuzz_$t"); done
make -j"$(nproc)" "${progs[@]}" >make.out 2>&1 ||
	{ tail -n 40 make.out; echo "FAIL: fuzz gate: build"; exit 1; }

# Each target stops at its first crash, leak or timeout; libFuzzer writes
# the input that caused it into the artifact directory.
max_len() { case "$1" in metrics) echo 70000 ;; *) echo 16384 ;; esac; }
failed=0
for t in "${targets[@]}"; do
	work=fuzz/corpus/$t art=fuzz/artifacts/$t/ log=fuzz/$t.log
	mkdir -p "$work" "$art"
	rm -f "$art"/*
	ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1} \
	LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/tests/fuzz/lsan.supp:print_suppressions=0} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"./tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-max_len="$(max_len "$t")" -dict="$src/tests/fuzz/fuzz_$t.dict" \
		-print_final_stats=1 -artifact_prefix="$art" \
		"$work" "$src/tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
	crashes=$(find "$art" -type f | wc -l)
	line="fuzz_$t execs=${execs:-0} execs_per_s=${rate:-0} crashes=$crashes"
	if [ "$rc" -eq 0 ] && [ "$crashes" -eq 0 ]; then
		echo "PASS: $line"
	else
		failed=$((failed + 1))
		echo "FAIL: $line exit=$rc artifact=$(find "$art" -type f | head -n1)"
		grep -v '^#[0-9]' "$log" | tail -n 40
	fi
done
[ "$failed" -eq 0 ]

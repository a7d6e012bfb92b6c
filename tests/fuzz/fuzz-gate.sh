#!/usr/bin/env bash
# fuzz-gate.sh — builds the fuzzing configuration and runs every libFuzzer
# target: CI's regression gate, and the engine of bench/fuzz-smoke.
#
# usage: fuzz-gate.sh [--runs N | --seconds N] [--parallel P] BUILD_DIR [TARGET...]
#        fuzz-gate.sh --merge BUILD_DIR [TARGET...]
#   BUILD_DIR   a build directory of its own (configured here with
#               CC=clang --enable-fuzzing the first time), e.g. build-fuzz/
#   TARGET      config, conffile, metrics, journal, agentproto, frame,
#               subst, initramfs, remote (default: all of them)
#   --runs N    fuzz each target for N inputs (default 100000: CI's gate),
#               stopping at 600 s, which fails the target: one that cannot
#               run N inputs in 10 minutes has become too slow for CI
#   --seconds N fuzz each target for N seconds instead (bench/fuzz-smoke)
#   --parallel P  run P targets at a time (default 2; each is one process)
#   --merge     add to the seed corpus in the source tree
#               (tests/fuzz/corpus/<name>/) the inputs of BUILD_DIR's
#               corpus that reach code (edges) the seeds do not
#               (libFuzzer -merge=1 -use_counters=0)
# For each target, first every input of its seed corpus, of its regression
# inputs (tests/fuzz/regress/<name>/: inputs that once crashed it) and any
# artifact left in BUILD_DIR by an earlier run is replayed once, whole;
# then the target is fuzzed. One line per target:
#   PASS: fuzz_config replayed=12 execs=100000 execs_per_s=2500 secs=40 crashes=0
#   FAIL: fuzz_metrics replayed=30 execs=... crashes=1 artifact=BUILD_DIR/fuzz/artifacts/metrics/crash-...
# then the target's last output when it failed. Exits 0 when no target
# failed, 1 otherwise, 77 when clang is missing (the gate cannot run here).
#
# New inputs go to BUILD_DIR/fuzz/corpus/<name>/; the source tree is only
# read, except by --merge. A crash artifact is replayed with
#   BUILD_DIR/tests/fuzz/fuzz_<name> ARTIFACT
# becomes a unit test of the module it is in, and goes into
# tests/fuzz/regress/<name>/, before it is fixed.
set -uo pipefail

runs=100000 seconds= parallel=2 merge= cap=600
# Slowest first (fuzz_journal takes about 300 s of the gate's 320, the
# rest 170 s together), so the others run beside it, not after it.
all=(journal metrics initramfs config frame agentproto conffile remote subst)
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2 seconds=; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--parallel) parallel=$2; shift 2 ;;
	--merge) merge=1; shift ;;
	-h|--help) sed -n '2,32s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { echo "usage: fuzz-gate.sh [--runs N | --seconds N] [--parallel P] BUILD_DIR [TARGET...]" >&2; exit 2; }
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
for t in "${targets[@]}"; do
	case " ${all[*]} " in *" $t "*) ;; *) echo "fuzz-gate.sh: unknown target '$t'" >&2; exit 2 ;; esac
done

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

# The sanitizers: a small quarantine, since a fuzz input is small and a
# 256 MiB one makes every allocation fault in fresh pages (it halved
# fuzz_config's rate); fuzz_conffile compares with libconfig alone, which
# leaks by design (see its header), so it does not check for leaks.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/tests/fuzz/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
asan_options() {
	local leaks=1
	[ "$1" = conffile ] && leaks=0
	echo "${ASAN_OPTIONS:-abort_on_error=0:quarantine_size_mb=16:detect_leaks=$leaks}"
}
max_len() { echo 16384; }

if [ -n "$merge" ]; then
	for t in "${targets[@]}"; do
		before=$(find "$src/tests/fuzz/corpus/$t" -type f | wc -l)
		# Edges only (no hit counts or compared values): an input joins
		# the tree for code no seed reaches, which keeps the corpus small.
		ASAN_OPTIONS=$(asan_options "$t") "./tests/fuzz/fuzz_$t" -merge=1 -use_counters=0 \
			-use_value_profile=0 -max_len="$(max_len "$t")" \
			"$src/tests/fuzz/corpus/$t" "fuzz/corpus/$t" >"fuzz/$t.merge.log" 2>&1 ||
			{ tail -n 20 "fuzz/$t.merge.log"; echo "FAIL: fuzz_$t merge"; exit 1; }
		after=$(find "$src/tests/fuzz/corpus/$t" -type f | wc -l)
		echo "fuzz_$t: $before -> $after seed inputs ($(du -sh "$src/tests/fuzz/corpus/$t" | cut -f1))"
	done
	exit 0
fi

# run_one TARGET: replays, then fuzzes; writes its result line to fuzz/TARGET.result.
run_one() {
	local t=$1 work=fuzz/corpus/$1 art=fuzz/artifacts/$1/ log=fuzz/$1.log
	local seeds=$src/tests/fuzz/corpus/$t regress=$src/tests/fuzz/regress/$t
	local -a inputs dirs=("$seeds")
	mkdir -p "$work" "$art" "$seeds"
	[ -d "$regress" ] && dirs+=("$regress")
	export ASAN_OPTIONS
	ASAN_OPTIONS=$(asan_options "$t")
	# Replay, whole (no -max_len): seeds, regression inputs, leftovers.
	mapfile -t inputs < <(find "${dirs[@]}" "$art" -type f | sort)
	if [ ${#inputs[@]} -gt 0 ] &&
	   ! "./tests/fuzz/fuzz_$t" -timeout=10 -rss_limit_mb=2048 "${inputs[@]}" >"$log" 2>&1; then
		{ echo "FAIL: fuzz_$t replay of ${#inputs[@]} inputs"; grep -v '^#[0-9]' "$log" | tail -n 40; } >"fuzz/$t.result"
		return
	fi
	rm -f "$art"/*
	local limit=(-runs="$runs" -max_total_time="$cap")
	[ -n "$seconds" ] && limit=(-max_total_time="$seconds")
	local start end rc
	start=$(date +%s.%N)
	# Stops at the first crash, leak, timeout or out-of-memory; libFuzzer
	# writes the input that caused it into the artifact directory.
	"./tests/fuzz/fuzz_$t" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 \
		-max_len="$(max_len "$t")" -dict="$src/tests/fuzz/fuzz_$t.dict" \
		-print_final_stats=1 -artifact_prefix="$art" \
		"$work" "${dirs[@]}" >"$log" 2>&1
	rc=$?
	end=$(date +%s.%N)
	local execs rate crashes secs line
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
	crashes=$(find "$art" -type f | wc -l)
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }')
	line="fuzz_$t replayed=${#inputs[@]} execs=${execs:-0} execs_per_s=${rate:-0} secs=$secs crashes=$crashes"
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
		{ echo "FAIL: $line exit=$rc artifact=$(find "$art" -type f | head -n1)"
		  grep -v '^#[0-9]' "$log" | tail -n 40; } >"fuzz/$t.result"
	elif [ -z "$seconds" ] && [ "${execs:-0}" -lt "$runs" ]; then
		{ echo "FAIL: $line: ran fewer than $runs inputs in ${cap} s: the target has become too slow"; } >"fuzz/$t.result"
	else
		echo "PASS: $line" >"fuzz/$t.result"
	fi
}

mkdir -p fuzz
rm -f fuzz/*.result
gate_start=$(date +%s)
running=0
for t in "${targets[@]}"; do
	if [ "$running" -ge "$parallel" ]; then
		wait -n
		running=$((running - 1))
	fi
	run_one "$t" &
	running=$((running + 1))
done
wait
failed=0
for t in "${targets[@]}"; do
	if [ -f "fuzz/$t.result" ]; then cat "fuzz/$t.result"; else echo "FAIL: fuzz_$t: no result"; fi
	grep -q '^PASS: ' "fuzz/$t.result" 2>/dev/null || failed=$((failed + 1))
done
echo "fuzz gate: ${#targets[@]} targets in $(($(date +%s) - gate_start)) s"
[ "$failed" -eq 0 ]

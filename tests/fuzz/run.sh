#!/usr/bin/env bash
# tests/fuzz/run.sh: runs each libFuzzer harness (build/fuzz/fuzz_*) for a bounded time.
#
# Each harness starts from a fresh corpus in a temporary directory.  A harness
# with a dictionary of its own, tests/fuzz/NAME.dict (fuzz_NAME: JSON bodies,
# host answers), is seeded from tests/fuzz/seeds/NAME/ only; the YAML ones
# share tests/fuzz/yaml.dict and every YAML seed: tests/fuzz/seeds/*/*.yaml,
# the example project files and the CLI test cases.  Prints "ok - ..." or
# "not ok - ..." per harness and ends with "fuzz: N passed, M failed".
# A crashing input is kept as build/fuzz/artifacts/<harness>-crash-...; replay
# it with `build/fuzz/<harness> FILE`.
#
#   FUZZ_TIME=12    seconds per harness (five harnesses: about a minute in all)
set -u
cd "$(dirname "$0")/../.."

time=${FUZZ_TIME:-12}
passed=0 failed=0
harnesses=()
for src in tests/fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	harnesses+=("$name")
done

if [ "${#harnesses[@]}" -eq 0 ]; then
	echo "not ok - fuzz: no harness in tests/fuzz/"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi

# The harnesses need clang with libFuzzer; without it this suite fails, loudly.
if ! command -v clang >/dev/null 2>&1; then
	for name in "${harnesses[@]}"; do
		echo "not ok - $name: clang is not installed (make deps installs clang and libclang-rt-14-dev)"
	done
	echo "fuzz: 0 passed, ${#harnesses[@]} failed"
	exit 1
fi
if ! build_log=$(make --no-print-directory fuzz 2>&1); then
	echo "$build_log" | tail -n 20
	for name in "${harnesses[@]}"; do
		echo "not ok - $name: 'make fuzz' failed (is libFuzzer installed? make deps installs libclang-rt-14-dev)"
	done
	echo "fuzz: 0 passed, ${#harnesses[@]} failed"
	exit 1
fi

# UBSan recovers by default in the fuzz build: make its findings crashes.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
mkdir -p build/fuzz/artifacts

for name in "${harnesses[@]}"; do
	bin=build/fuzz/$name
	if [ ! -x "$bin" ]; then
		echo "not ok - $name: $bin was not built"
		failed=$((failed + 1))
		continue
	fi
	corpus=$(mktemp -d "${TMPDIR:-/tmp}/hnsp-fuzz-$name.XXXXXX")
	log=$(mktemp "${TMPDIR:-/tmp}/hnsp-fuzz-$name.log.XXXXXX")
	dict=tests/fuzz/${name#fuzz_}.dict
	if [ -f "$dict" ]; then
		cp -- "tests/fuzz/seeds/${name#fuzz_}"/* "$corpus"/ 2>/dev/null
	else
		dict=tests/fuzz/yaml.dict
		cp -- tests/fuzz/seeds/*/*.yaml inventory/examples/*.yaml tests/cli/cases/*.yaml \
			"$corpus"/ 2>/dev/null
	fi
	seeded=$(find "$corpus" -type f | wc -l)
	"$bin" -max_total_time="$time" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
		-dict="$dict" -artifact_prefix="build/fuzz/artifacts/$name-" "$corpus" >"$log" 2>&1
	rc=$?
	runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)
	runs=${runs:-0}
	if [ "$rc" -eq 0 ] && [ "$runs" -gt 0 ]; then
		echo "ok - $name: $runs runs, no crash ($seeded seeds, corpus grew to $(find "$corpus" -type f | wc -l))"
		passed=$((passed + 1))
	else
		artifact=$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$log" | tail -n 1)
		echo "not ok - $name: exit $rc after $runs runs${artifact:+; input kept as $artifact}"
		grep -E 'ERROR|runtime error|SUMMARY|deadly signal|#[0-9]+ 0x' "$log" | head -n 25 | sed 's/^/    /'
		failed=$((failed + 1))
	fi
	rm -rf -- "$corpus" "$log"
done

echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# tests/unit/run.sh: runs the cmocka unit tests (built with ASan and UBSan).
set -u
cd "$(dirname "$0")/../.."
passed=0 failed=0
for t in build/tests/test_*; do
	[ -x "$t" ] || continue
	out=$(CMOCKA_MESSAGE_OUTPUT=stdout "$t" 2>&1)
	rc=$?
	echo "$out" | grep -E '^\[ +(OK|FAILED|ERROR) +\]|^\[  (PASSED|FAILED)  \]|ERROR|runtime error' || true
	p=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) test.*/\1/p' <<<"$out" | tail -n 1)
	f=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) test.*/\1/p' <<<"$out" | tail -n 1)
	p=${p:-0} f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $t exited with $rc"
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f))
done
echo "unit: $passed passed, $failed failed"

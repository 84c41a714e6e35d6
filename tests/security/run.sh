#!/usr/bin/env bash
# tests/security/run.sh: the security suite: each abuse that issue 11 names,
# tried as an attacker would (an operator of the web GUI, a project file, a
# second process), asserting the harm does not happen: no canary file, the
# victim directory intact, no user lost, the old session refused, and each
# refusal naming the offending key or path.
#
# Each part tests/security/t_*.sh is a script of its own that sources
# tests/security/lib.sh and ends with "PART: N passed, N failed"; this sums
# them.  A part that ends without that line counts as one failure.
set -u
cd "$(dirname "$0")/../.."
passed=0 failed=0
for part in tests/security/t_*.sh; do
	[ -e "$part" ] || continue
	name=$(basename "$part" .sh)
	echo "# $name"
	log=$(mktemp)
	bash "$part" 2>&1 | tee "$log"
	line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed$" "$log" | tail -n 1)
	rm -f "$log"
	if [ -z "$line" ]; then
		echo "not ok - $name ended without its summary line"
		failed=$((failed + 1))
		continue
	fi
	read -r p f <<<"$(sed -E 's/^[^:]+: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/' <<<"$line")"
	passed=$((passed + p))
	failed=$((failed + f))
done
[ $((passed + failed)) -gt 0 ] || { echo "not ok - no part in tests/security/"; failed=1; }
echo "security: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

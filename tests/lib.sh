# tests/lib.sh: what every test suite script shares; source it, never run it.
#
# Suites print "ok - ..." / "not ok - ..." lines and end with
# "SUITE: N passed, N failed" (see tests/run).  The binary under test is the
# sanitizer build: a leak or undefined behaviour fails the command.
export ASAN_OPTIONS=detect_leaks=1:exitcode=99 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export NO_COLOR=1
passed=0 failed=0

ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1"; failed=$((failed + 1)); }
# verdict DESC: ok when the condition just before it held; returns that status.
verdict() { if [ $? = 0 ]; then ok "$1"; else not_ok "$1"; return 1; fi; }
# has TEXT REGEX: TEXT has a line matching REGEX.
has() { grep -q -- "$2" <<<"$1"; }

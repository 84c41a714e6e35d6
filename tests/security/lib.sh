# tests/security/lib.sh: what each part of the security suite shares; source it.
#
# Gives the test helpers (tests/lib.sh, tests/web/lib.sh), $bin, a private
# $tmp removed on exit with the server stopped, and $state with three users:
# admin alice, operator olga, viewer vic (passwords below).
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bin=$PWD/build/hnsp-installer-asan
. tests/lib.sh
. tests/web/lib.sh
tmp=$(mktemp -d)
state=$tmp/state
ADMIN_PW=Adm1n-pass-word OPERATOR_PW=Op3rator-pass VIEWER_PW=V1ewer-pass-x
security_cleanup() {
	web_stop
	rm -rf "$tmp"
}
trap security_cleanup EXIT
echo "$ADMIN_PW" | "$bin" --state "$state" user add alice --role admin >/dev/null &&
	echo "$OPERATOR_PW" | "$bin" --state "$state" user add olga --role operator >/dev/null &&
	echo "$VIEWER_PW" | "$bin" --state "$state" user add vic --role viewer >/dev/null ||
	echo "# warning: could not add the test users" >&2
# part_end NAME: the part's closing line.
part_end() {
	echo "$1: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

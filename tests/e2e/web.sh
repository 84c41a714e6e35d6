#!/usr/bin/env bash
# tests/e2e/web.sh: the web GUI end to end in a real browser, on the lab.
#
# Starts the server on an empty state directory (one admin made with the
# CLI), then tests/e2e/web.mjs drives Debian's chromium (headless, through
# playwright-core) as a person would: log in, create a project for three lab
# hosts in the forms, select a component, save, run preflight, build the
# bundle, apply it for real and watch the live progress reach success (with
# the browser closed and reopened mid-run), and open the verification
# report.  Screenshots go to build/e2e/web/.  Uses the default lab (brought
# up if needed).
set -u
cd "$(dirname "$0")/../.."
root=$PWD
bin=$root/build/hnsp-installer-asan
. tests/lib.sh
tmp=$(mktemp -d)
state=$tmp/state
shots=$root/build/e2e/web
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if ! timeout 600 tests/lab/lab.sh up >"$tmp/up.log" 2>&1; then
	not_ok "lab up: $(tail -n 3 "$tmp/up.log")"
	echo "browser: $passed passed, $failed failed"
	exit 0
fi

echo 'E2e-admin-pass' | "$bin" --state "$state" user add admin --role admin >/dev/null
# The lab's host keys are in the state's known_hosts, which every project
# kept in the state directory uses, as an admin of the installer host puts
# them there; the project then checks them strictly.  The key comes in
# through the GUI's upload form (web.mjs).
cp build/lab/known_hosts "$state/known_hosts"
"$bin" --state "$state" web --listen 127.0.0.1:0 >"$tmp/web.out" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q '^serving' "$tmp/web.out" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$tmp/web.out")
rm -rf "$shots" && mkdir -p "$shots"

# web.mjs prints the same "ok - " / "not ok - " lines.
E2E_URL=$url E2E_USER=admin E2E_PASSWORD=E2e-admin-pass E2E_SHOTS=$shots \
	E2E_KEY=$root/build/lab/id_ed25519 \
	timeout 1500 node tests/e2e/web.mjs >"$tmp/mjs.out" 2>&1
rc=$?
cat "$tmp/mjs.out"
passed=$((passed + $(grep -c '^ok - ' "$tmp/mjs.out")))
failed=$((failed + $(grep -c '^not ok - ' "$tmp/mjs.out")))
[ $rc = 0 ]
verdict "the browser test ran to its end (exit $rc)"

# What the browser did is on disk, in the form the CLI reads: the uploaded
# key is the lab's, kept private, and the project names it and the bundle
# by name only.
project=$state/projects/weblab.yaml
cmp -s "$state/keys/weblab" build/lab/id_ed25519 &&
	[ "$(stat -c %a "$state/keys/weblab")" = 600 ] &&
	grep -q '^  key_file: weblab$' "$project" && grep -q '^  bundle: weblab$' "$project" &&
	! grep -q known_hosts "$project" && [ -d "$state/bundles/weblab" ]
verdict "the key uploaded in the browser is the lab's (mode 0600), and the project names it and its bundle by name"

run=$(ls -1t "$state/runs" 2>/dev/null | head -n 1)
"$bin" --state "$state" validate "$project" >/dev/null 2>&1 &&
	[ "$(/usr/bin/python3 -c "import json; d=json.load(open('$state/runs/$run/summary.json')); print(d['project'], d['state'])" 2>/dev/null)" = "weblab succeeded" ]
verdict "the project made in the browser validates with the CLI, and its run is in the journal as succeeded"

out=$("$bin" --state "$state" verify "$project" 2>&1); rc=$?
[ $rc = 0 ] && has "$out" "verified:"
verdict "the CLI verifies what the browser installed (exit 0)"

kill "$server" && wait "$server"; rc=$?
server=
[ $rc = 0 ]
verdict "the server stops cleanly after the browser test (no sanitizer report)"

echo "browser: $passed passed, $failed failed"

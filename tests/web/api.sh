#!/usr/bin/env bash
# tests/web/api.sh: the web server's API against a running server on loopback.
#
# Users from the CLI, login, sessions, CSRF, roles, bearer tokens, the rate
# limit, the body cap, static files and traversal attempts, projects written
# only when valid (and read by the CLI), a run started through the API that
# lands in the journal, and its event stream with Last-Event-ID.  No lab:
# the run's hosts refuse connections, so it fails at once, for real.
set -u
cd "$(dirname "$0")/../.."
bin=$PWD/build/hnsp-installer-asan
. tests/lib.sh
. tests/web/lib.sh
tmp=$(mktemp -d)
state=$tmp/state
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# ---- users from the CLI; the server needs an admin
out=$("$bin" --state "$state" web --listen 127.0.0.1:0 2>&1); rc=$?
[ $rc = 2 ] && has "$out" "no admin user yet" && has "$out" "user add NAME --role admin"
verdict "web refuses to start without an admin and says how to make one (exit 2)"

out=$(echo short | "$bin" --state "$state" user add alice --role admin 2>&1); rc=$?
[ $rc = 2 ] && has "$out" "8 to 1024 characters" && [ ! -e "$state/web/users.json" ]
verdict "user add: a short password is refused, nothing written"

echo 'Adm1n-pass-word' | "$bin" --state "$state" user add alice --role admin >/dev/null &&
	echo 'Op3rator-pass' | "$bin" --state "$state" user add olga --role operator >/dev/null &&
	echo 'V1ewer-pass-x' | "$bin" --state "$state" user add vic --role viewer >/dev/null
out=$(echo 'Adm1n-pass-word' | "$bin" --state "$state" user add alice --role viewer 2>&1); rc=$?
[ $rc = 2 ] && has "$out" "exists already" &&
	[ "$(stat -c %a "$state/web/users.json")" = 600 ] &&
	grep -q '"hash": "\$argon2id\$' "$state/web/users.json" &&
	! grep -q -e 'Adm1n-pass-word' -e 'Op3rator-pass' "$state/web/users.json" &&
	[ "$("$bin" --state "$state" user list | awk '{print $1 "=" $2}' | tr '\n' ' ')" = "alice=admin olga=operator vic=viewer " ]
verdict "user add: three users with Argon2id hashes in a 0600 file, no plain password, no duplicate"

token=$("$bin" --state "$state" user token olga)
[[ $token =~ ^hnsp_[0-9a-f]{64}$ ]] && ! grep -q "$token" "$state/web/users.json"
verdict "user token: printed once, only its hash is kept"

# ---- the server
web_start "$state"
verdict "web prints the URL it serves ($url)"

r=$(req GET /api/projects)
[ "$(status "$r")" = 401 ] && has "$(body "$r")" '"error"'
verdict "401 without a session"

r=$(req -D "$tmp/h" -H 'Content-Type: application/json' -d '{"name":"alice","password":"nope-nope"}' POST /api/login)
[ "$(status "$r")" = 401 ] && ! grep -qi '^set-cookie' "$tmp/h"
verdict "a wrong password: 401 and no cookie"

csrf=$(login alice Adm1n-pass-word "$tmp/alice")
cookie=$(grep -i '^set-cookie' "$tmp/alice.h")
[ -n "$csrf" ] && has "$cookie" 'HttpOnly' && has "$cookie" 'SameSite=Strict' && ! has "$cookie" 'Secure'
verdict "login: session cookie HttpOnly, SameSite=Strict (no Secure over plain HTTP), a CSRF token"

r=$(req -D "$tmp/h" -b "$tmp/alice" GET /api/session)
[ "$(status "$r")" = 200 ] && [ "$(field "$(body "$r")" "d['user'], d['role']")" = "alice admin" ] &&
	grep -qi "^content-security-policy: default-src 'self'; frame-ancestors 'none'" "$tmp/h" &&
	grep -qi '^x-frame-options: DENY' "$tmp/h" && grep -qi '^x-content-type-options: nosniff' "$tmp/h" &&
	grep -qi '^cache-control: no-store' "$tmp/h"
verdict "the session answers who is logged in, with the security headers"

# ---- projects
yaml_json <inventory/examples/small.yaml >"$tmp/small.json"
r=$(req -b "$tmp/alice" --data @"$tmp/small.json" PUT /api/projects/small)
[ "$(status "$r")" = 403 ] && has "$(body "$r")" "CSRF" && [ ! -e "$state/projects/small.yaml" ]
verdict "403 without the CSRF token, nothing written"

r=$(req -b "$tmp/alice" -H "X-CSRF-Token: $csrf" --data @"$tmp/small.json" PUT /api/projects/small)
[ "$(status "$r")" = 201 ] && cmp -s inventory/examples/small.yaml "$state/projects/small.yaml" &&
	"$bin" validate "$state/projects/small.yaml" >/dev/null 2>&1
verdict "PUT a valid project: 201, the same YAML file in STATE/projects, and the CLI validates it"

printf 'name: small\nssh:\n  user: debian\nhosts:\n  - name: master1\n    address: 10.0.0.300\n    roles: [master]\n' |
	yaml_json >"$tmp/bad.json"
r=$(req -b "$tmp/alice" -H "X-CSRF-Token: $csrf" --data @"$tmp/bad.json" PUT /api/projects/small)
[ "$(status "$r")" = 400 ] &&
	[ "$(field "$(body "$r")" "[(y['line'], y['column']) for y in d['diagnostics'] if '10.0.0.300' in y['message']]")" = "[(6, 14)]" ] &&
	cmp -s inventory/examples/small.yaml "$state/projects/small.yaml" && [ -z "$(ls -A "$state/projects" | grep -v '^small.yaml$')" ]
verdict "400 with the error at its line and column (6:14); the saved file is unchanged and no temp file is left"

r=$(req -b "$tmp/alice" -H "X-CSRF-Token: $csrf" --data @"$tmp/small.json" PUT /api/projects/other)
[ "$(status "$r")" = 400 ] && has "$(body "$r")" "must be the project's name 'other'"
verdict "a project's name must match its URL"

r=$(req -b "$tmp/alice" -H "X-CSRF-Token: $csrf" -d '{"yaml": ' PUT /api/projects/small)
[ "$(status "$r")" = 400 ] && has "$(body "$r")" "not a JSON object"
verdict "400 on a body that is not JSON"

head -c 1100000 /dev/zero | tr '\0' a >"$tmp/big"
r=$(req -b "$tmp/alice" -H "X-CSRF-Token: $csrf" --data-binary @"$tmp/big" POST /api/validate)
r2=$(head -c 1100000 "$tmp/big" | req -b "$tmp/alice" -H "X-CSRF-Token: $csrf" -H 'Transfer-Encoding: chunked' --data-binary @- POST /api/validate)
[ "$(status "$r")" = 413 ] && [ "$(status "$r2")" = 413 ]
verdict "413 on a body over 1 MiB (with a length, and chunked)"

r=$(req -b "$tmp/alice" GET /api/projects/small)
[ "$(status "$r")" = 200 ] && [ "$(field "$(body "$r")" "d['valid'], d['doc']['hosts'][0]['name'], len(d['yaml'])>100")" = "True master1 True" ]
verdict "GET a project: its YAML text and the same as a JSON document"

r=$(req -b "$tmp/alice" GET /api/projects/small/plan)
[ "$(status "$r")" = 200 ] &&
	[ "$(body "$r" | py 'import json,sys; print(json.load(sys.stdin))')" = "$("$bin" plan "$state/projects/small.yaml" --json | py 'import json,sys; print(json.load(sys.stdin))')" ]
verdict "the API's plan is what 'plan --json' prints"

# ---- the GUI's own files
r=$(req -D "$tmp/h" GET /)
r2=$(req GET /app.js)
[ "$(status "$r")" = 200 ] && has "$(body "$r")" '<script src="/app.js"' && ! has "$(body "$r")" '<script>' &&
	grep -qi '^content-type: text/html' "$tmp/h" && grep -qi "^content-security-policy: default-src 'self'" "$tmp/h" &&
	[ "$(status "$r2")" = 200 ] && [ "$(body "$r2")" = "$(cat installer/web/app.js)" ]
verdict "the GUI's page and script are served, with the CSP and no inline script"

# ---- paths outside the GUI's files
bad=0
for p in '/../../../../etc/passwd' '/%2e%2e/%2e%2e/etc/passwd' '/app.js/../../../etc/passwd' \
	'/installer/web/app.js' '/..%2f..%2fetc%2fpasswd' '/api/runs/..%2f..%2fweb%2fusers.json' \
	'/api/runs/../web/users.json/events' '/api/projects/..%2fweb%2fusers/plan' '/api/nothing'; do
	code=$(curl -s --path-as-is -b "$tmp/alice" -o "$tmp/t" -w '%{http_code}' "${url%/}$p")
	if [ "$code" != 404 ] || grep -q -e 'root:' -e argon2 "$tmp/t"; then
		echo "# $p: $code"
		bad=1
	fi
done
[ $bad = 0 ]
verdict "404 on traversal attempts and unknown paths, and no file's content"

# ---- roles and tokens
vcsrf=$(login vic V1ewer-pass-x "$tmp/vic")
r=$(req -b "$tmp/vic" GET /api/projects)
r2=$(req -b "$tmp/vic" -H "X-CSRF-Token: $vcsrf" -d '{}' POST /api/projects/small/runs)
r3=$(req -b "$tmp/vic" -H "X-CSRF-Token: $vcsrf" --data @"$tmp/small.json" PUT /api/projects/small)
r4=$(req -b "$tmp/vic" GET /api/users)
[ "$(status "$r")" = 200 ] && [ "$(status "$r2")" = 403 ] && has "$(body "$r2")" "operator" &&
	[ "$(status "$r3")" = 403 ] && [ "$(status "$r4")" = 403 ] && [ -z "$(ls "$state/runs" 2>/dev/null)" ]
verdict "a viewer reads projects but cannot start a run (403, no run made), edit, or list users"

r=$(req -H "Authorization: Bearer $token" -d '{}' POST /api/projects/nosuch/preflight)
r2=$(req -H "Authorization: Bearer hnsp_$(printf '0%.0s' $(seq 64))" GET /api/projects)
[ "$(status "$r")" = 404 ] && [ "$(status "$r2")" = 401 ]
verdict "a bearer token works without a CSRF token (an operator's: 404 for no project); a wrong one gets 401"

r=$(req -b "$tmp/alice" GET /api/users)
[ "$(status "$r")" = 200 ] && [ "$(field "$(body "$r")" "sorted(d[0].keys())")" = "['name', 'role']" ] &&
	! has "$(body "$r")" argon2
verdict "the users list carries names and roles, never a hash"

r=$(req -b "$tmp/alice" -H "X-CSRF-Token: $csrf" -d '{"name":"pat","role":"viewer","password":"Pat-pass-123"}' POST /api/users)
r2=$(req -b "$tmp/alice" -H "X-CSRF-Token: $csrf" DELETE /api/users/alice)
[ "$(status "$r")" = 201 ] && [ "$(status "$r2")" = 400 ] && has "$(body "$r2")" "last admin" &&
	"$bin" --state "$state" user list | grep -q '^pat '
verdict "an admin adds a user through the API (the CLI sees it); the last admin cannot be removed"

# ---- a run through the API: same engine, same journal as the CLI
new_key "$state" key
closed_project closed key >"$tmp/closed.yaml"
yaml_json <"$tmp/closed.yaml" >"$tmp/closed.json"
req -b "$tmp/alice" -H "X-CSRF-Token: $csrf" --data @"$tmp/closed.json" PUT /api/projects/closed >/dev/null
r=$(req -H "Authorization: Bearer $token" -d '{"mode":"new","only":"base"}' POST /api/projects/closed/runs)
run=$(field "$(body "$r")" "d['id']" 2>/dev/null)
[ "$(status "$r")" = 202 ] && [ -n "$run" ] && [ -f "$state/runs/$run/events.jsonl" ]
verdict "POST runs: 202 with the run's id, and its journal exists"

# The stream from the start: every event with its line number, ending at run_end.
curl -s -m 120 -b "$tmp/alice" "${url}api/runs/$run/events" >"$tmp/sse"
lines=$(wc -l <"$state/runs/$run/events.jsonl")
ids=$(grep -c '^id: ' "$tmp/sse")
[ "$lines" -gt 3 ] && [ "$ids" = "$lines" ] && grep -q '^data: {"event": *"run_end"' "$tmp/sse" &&
	[ "$(grep '^id: ' "$tmp/sse" | tail -n 1)" = "id: $lines" ]
verdict "the event stream sends every journal line with its number ($ids of $lines) and ends after run_end"

curl -s -m 60 -b "$tmp/alice" -H 'Last-Event-ID: 3' "${url}api/runs/$run/events" >"$tmp/sse2"
[ "$(grep '^id: ' "$tmp/sse2" | head -n 1)" = "id: 4" ] && [ "$(grep -c '^id: ' "$tmp/sse2")" = $((lines - 3)) ]
verdict "a client reconnecting with Last-Event-ID 3 continues at event 4"

r=$(req -b "$tmp/alice" GET "/api/runs/$run")
out=$("$bin" --state "$state" runs show "$run" 2>&1)
[ "$(field "$(body "$r")" "d['state'], d['live']")" = "failed False" ] && has "$out" "failed" &&
	has "$out" "a1"
verdict "the run failed (its host refuses SSH) and 'runs show' reads the same journal"

r=$(req -b "$tmp/alice" -H "X-CSRF-Token: $csrf" -d '{}' POST /api/runs/20990101-000000-nosuch-1/stop)
[ "$(status "$r")" = 404 ]
verdict "stopping a run that does not exist is 404"

# --only base: phase 1 (artefacts) was skipped and has no log; phase 2 ran.
r=$(req -b "$tmp/alice" GET "/api/runs/$run/log/2")
r1=$(req -b "$tmp/alice" GET "/api/runs/$run/log/1")
r2=$(req -b "$tmp/alice" GET "/api/runs/$run/log/9")
[ "$(status "$r")" = 200 ] && has "$(body "$r")" "PLAY" && [ "$(status "$r1")" = 404 ] && [ "$(status "$r2")" = 404 ]
verdict "a phase's Ansible log is served; a skipped phase or one that does not exist is 404"

# ---- the CLI's user changes reach the running server
pcsrf=$(login pat Pat-pass-123 "$tmp/pat")
"$bin" --state "$state" user remove pat >/dev/null
token2=$("$bin" --state "$state" user token vic)
r=$(req -b "$tmp/pat" GET /api/projects)
r2=$(req -H "Authorization: Bearer $token2" GET /api/projects)
[ -n "$pcsrf" ] && [ "$(status "$r")" = 401 ] && [ "$(status "$r2")" = 200 ]
verdict "a user removed with the CLI is logged out at once, and a token made with the CLI works at once"

# ---- the rate limit (last: it locks this address out for a minute)
# From 127.0.0.2, an address with no failure yet.
codes=
for i in 1 2 3 4 5 6; do
	codes+="$(status "$(req --interface 127.0.0.2 -d '{"name":"vic","password":"wrong-wrong"}' POST /api/login)") "
done
r=$(req --interface 127.0.0.2 -D "$tmp/h" -d '{"name":"vic","password":"V1ewer-pass-x"}' POST /api/login)
r2=$(req -d '{"name":"vic","password":"V1ewer-pass-x"}' POST /api/login)
[ "$codes" = "401 401 401 401 401 429 " ] && [ "$(status "$r")" = 429 ] && grep -qi '^retry-after: [0-9]' "$tmp/h" &&
	[ "$(status "$r2")" = 200 ]
verdict "after 5 failed logins an address gets 429 with Retry-After, even with the right password; others still log in"

# Guesses sent at once count as they arrive, not after the slow hash.
pids=()
for i in $(seq 20); do
	{ req --interface 127.0.0.3 -d '{"name":"vic","password":"wrong-wrong"}' POST /api/login | tail -n 1; echo; } >"$tmp/par.$i" &
	pids+=($!)
done
wait "${pids[@]}"
n401=$(cat "$tmp"/par.* | grep -c '^401$')
n429=$(cat "$tmp"/par.* | grep -c '^429$')
[ "$n401" -le 5 ] && [ $((n401 + n429)) = 20 ]
verdict "20 parallel wrong logins: at most 5 are checked ($n401), the rest get 429 ($n429)"

kill "$server" && wait "$server"; rc=$?
server=
[ $rc = 0 ] && has "$(cat "$tmp/web.out")" "^stopping"
verdict "SIGTERM stops the server cleanly (exit 0, no sanitizer report)"

# ---- HTTPS: the cookie is Secure
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
	-keyout "$tmp/tls.key" -out "$tmp/tls.crt" 2>/dev/null
web_start "$state" --tls-cert "$tmp/tls.crt" --tls-key "$tmp/tls.key"
r=$(req --cacert "$tmp/tls.crt" -D "$tmp/h" -d '{"name":"olga","password":"Op3rator-pass"}' POST /api/login)
[ -n "$url" ] && [ "$(status "$r")" = 200 ] && grep -i '^set-cookie' "$tmp/h" | grep -q '; Secure' &&
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://${url#https://}api/session")" != 200 ]
verdict "with --tls-cert and --tls-key: HTTPS only, and the session cookie is Secure"
kill "$server" && wait "$server"
server=

echo "web: $passed passed, $failed failed"

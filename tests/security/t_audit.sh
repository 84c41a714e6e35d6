#!/usr/bin/env bash
# tests/security/t_audit.sh: the audit log, STATE/audit.jsonl, against a live
# server: logins (failed, good, rate-limited) with the client's address, user
# changes from the API and the CLI, a project change by an operator with its
# diff summary, a run started and stopped through the API and one applied by
# the CLI (who started it is in its summary too); then `audit` and
# GET /api/audit show them, to an admin only, and no password is ever in the
# file.  The runs' hosts never answer, so nothing reaches a real host.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

me=$(id -un)
log=$state/audit.jsonl
PAT_PW=Pat-pass-1234 CARL_PW=Carl-pass-5678 WRONG_PW=Wr0ng-guess-99
# entry ACTION [PYTHON CONDITION]: the newest entry of ACTION in `audit
# --json` for which the condition over e holds, as JSON ("" when none).
entry() {
	"$bin" --state "$state" audit --json 2>/dev/null | py "
import json, sys
found = ''
for line in sys.stdin:
    e = json.loads(line)
    if e.get('action') == sys.argv[1] and (${2:-True}):
        found = line.strip()
print(found)" "$1"
}
# is ENTRY PYTHON: the condition over e holds for the entry.
is() { [ -n "$1" ] && [ "$(py "import json,sys; e=json.loads(sys.argv[1]); print(bool($2))" "$1")" = True ]; }

# A host that takes the connection and never says a word: a run against
# it waits in ssh until it is stopped.
/usr/bin/python3 -c '
import socket, os
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True)
os.close(1)
held = []
while True:
    held.append(s.accept()[0])
' >"$tmp/mute.port" 2>/dev/null &
mute=$!
trap 'kill $mute 2>/dev/null; security_cleanup' EXIT
for _ in $(seq 50); do [ -s "$tmp/mute.port" ] && break; sleep 0.1; done
new_key "$state" key

web_start "$state" || { not_ok "the server starts"; part_end t_audit; exit; }

# ---- logins
r=$(req -d "{\"name\":\"alice\",\"password\":\"$WRONG_PW\"}" POST /api/login)
e=$(entry login.fail "e.get('actor') == 'alice'")
[ "$(status "$r")" = 401 ] &&
	is "$e" "e['via'] == 'web' and e['address'] == '127.0.0.1' and e['time'].endswith('Z')"
verdict "a failed login is recorded: login.fail, actor alice, via web, address 127.0.0.1"

acsrf=$(login alice "$ADMIN_PW" "$tmp/alice")
e=$(entry login.ok "e.get('actor') == 'alice'")
[ -n "$acsrf" ] && is "$e" "e['via'] == 'web' and e['address'] == '127.0.0.1'"
verdict "a good login is recorded: login.ok, actor alice, address 127.0.0.1"

# A password typed into the name field is not written down as the actor.
req -d "{\"name\":\"$PAT_PW\",\"password\":\"x-x-x-x-x\"}" POST /api/login >/dev/null
e=$(entry login.fail "e.get('address') == '127.0.0.1'")
is "$e" "e['actor'] != '$PAT_PW'" && ! grep -q "$PAT_PW" "$log"
verdict "a login whose name is not a user name is recorded without that name"

# Seven guesses from 127.0.0.2: five refused as wrong, the rest by the rate
# limit, which is recorded once per window (a flood does not fill the disk).
for _ in 1 2 3 4 5 6 7; do
	r=$(req --interface 127.0.0.2 -d "{\"name\":\"vic\",\"password\":\"$WRONG_PW\"}" POST /api/login)
done
e=$(entry login.fail "e.get('address') == '127.0.0.2' and 'rate' in e.get('reason', '')")
[ "$(status "$r")" = 429 ] && is "$e" "e['actor'] == 'vic'" &&
	[ "$(grep -c '"address":"127.0.0.2"' "$log")" = 6 ]
verdict "a rate-limited login is recorded as login.fail with the reason and address 127.0.0.2"

# ---- users through the API
r=$(req -b "$tmp/alice" -H "X-CSRF-Token: $acsrf" -d "{\"name\":\"pat\",\"role\":\"viewer\",\"password\":\"$PAT_PW\"}" POST /api/users)
e=$(entry user.add "e.get('user') == 'pat'")
[ "$(status "$r")" = 201 ] && is "$e" "e['actor'] == 'alice' and e['via'] == 'web' and e['role'] == 'viewer' and e['address'] == '127.0.0.1'"
verdict "a user added through the API is recorded: user.add pat by alice"

r=$(req -b "$tmp/alice" -H "X-CSRF-Token: $acsrf" DELETE /api/users/pat)
e=$(entry user.remove "e.get('user') == 'pat'")
[ "$(status "$r")" = 200 ] && is "$e" "e['actor'] == 'alice' and e['via'] == 'web'"
verdict "a user removed through the API is recorded: user.remove pat by alice"

# ---- a project changed by operator olga
ocsrf=$(login olga "$OPERATOR_PW" "$tmp/olga")
closed_project hang key "$(cat "$tmp/mute.port")" 30 | yaml_json >"$tmp/hang.json"
r=$(req -b "$tmp/olga" -H "X-CSRF-Token: $ocsrf" --data @"$tmp/hang.json" PUT /api/projects/hang)
closed_project hang key "$(cat "$tmp/mute.port")" 5 | yaml_json >"$tmp/hang.json"
r2=$(req -b "$tmp/olga" -H "X-CSRF-Token: $ocsrf" --data @"$tmp/hang.json" PUT /api/projects/hang)
e1=$(entry project.put "e.get('project') == 'hang' and e.get('created')")
e2=$(entry project.put "e.get('project') == 'hang' and not e.get('created')")
[ "$(status "$r")" = 201 ] && [ "$(status "$r2")" = 200 ] &&
	is "$e1" "e['actor'] == 'olga' and 'hosts' in e['diff']['keys']" &&
	is "$e2" "e['actor'] == 'olga' and e['via'] == 'web' and e['diff']['keys'] == ['ssh'] and e['diff']['lines_added'] == 1 and e['diff']['lines_removed'] == 1"
verdict "a project PUT by olga is recorded with its diff: key 'ssh' changed, 1 line added, 1 removed"

# A refused PUT changes nothing and records nothing.
before=$(wc -l <"$log")
r=$(req -b "$tmp/olga" -H "X-CSRF-Token: $ocsrf" -d '{"yaml":"name: hang\nhosts: 3\n"}' PUT /api/projects/hang)
[ "$(status "$r")" = 400 ] && [ "$before" -gt 0 ] && [ "$(wc -l <"$log")" = "$before" ]
verdict "a refused project PUT records nothing"

# ---- a run started and stopped through the API
r=$(req -b "$tmp/olga" -H "X-CSRF-Token: $ocsrf" -d '{"mode":"new","only":"base"}' POST /api/projects/hang/runs)
run=$(field "$(body "$r")" "d['id']" 2>/dev/null)
r2=$(req -b "$tmp/olga" -H "X-CSRF-Token: $ocsrf" -d '{}' POST "/api/runs/$run/stop")
e1=$(entry run.start "e.get('run') == '$run'")
e2=$(entry run.stop "e.get('run') == '$run'")
[ "$(status "$r")" = 202 ] && [ "$(status "$r2")" = 202 ] &&
	is "$e1" "e['actor'] == 'olga' and e['via'] == 'web' and e['project'] == 'hang' and e['only'] == 'base'" &&
	is "$e2" "e['actor'] == 'olga' and e['via'] == 'web' and e['address'] == '127.0.0.1'"
verdict "a run started and stopped through the API is recorded: run.start and run.stop by olga"

[ "$(field "$(cat "$state/runs/$run/summary.json")" "d['started_by']" 2>/dev/null)" = "{'user': 'olga', 'via': 'web'}" ]
verdict "the run's summary.json says who started it: started_by olga via web"

r=$(req -b "$tmp/olga" GET "/api/runs/$run")
out=$("$bin" --state "$state" runs show "$run")
[ "$(field "$(body "$r")" "d['started_by']['user']")" = olga ] && has "$out" "started by olga (web)"
verdict "the API's run and 'runs show' say who started the run"

r=$(req -b "$tmp/olga" -H "X-CSRF-Token: $ocsrf" -d '{}' POST /api/projects/hang/verify)
e=$(entry verify.run "e.get('project') == 'hang'")
[ "$(status "$r")" = 200 ] && is "$e" "e['actor'] == 'olga' and e['ok'] is False"
verdict "a verification run through the API is recorded: verify.run by olga, not ok"

r=$(req -b "$tmp/olga" -H "X-CSRF-Token: $ocsrf" DELETE /api/projects/hang)
e=$(entry project.delete "e.get('project') == 'hang'")
[ "$(status "$r")" = 200 ] && is "$e" "e['actor'] == 'olga' and e['via'] == 'web'"
verdict "a project deleted through the API is recorded: project.delete by olga"

# ---- the CLI
echo "$CARL_PW" | "$bin" --state "$state" user add carl --role viewer >/dev/null
"$bin" --state "$state" user token carl >/dev/null
"$bin" --state "$state" user remove carl >/dev/null
e1=$(entry user.add "e.get('user') == 'carl'")
e2=$(entry user.token "e.get('user') == 'carl'")
e3=$(entry user.remove "e.get('user') == 'carl'")
is "$e1" "e['actor'] == '$me' and e['via'] == 'cli' and 'address' not in e and e['role'] == 'viewer'" &&
	is "$e2" "e['actor'] == '$me' and e['via'] == 'cli'" && is "$e3" "e['via'] == 'cli'"
verdict "user add, token and remove from the CLI are recorded with the local user ($me) via cli"

# apply (and the TUI's apply, which passes --via tui), each stopped with Ctrl-C.
# apply_until_recorded ACTION [apply options]: runs apply on the mute host
# until it has recorded ACTION, then interrupts it.
closed_project mute key "$(cat "$tmp/mute.port")" 5 >"$tmp/mute.yaml"
apply_until_recorded() {
	local action=$1 pid
	shift
	"$bin" --state "$state" apply "$tmp/mute.yaml" --yes --json "$@" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 100); do [ -n "$(entry "$action" "e.get('project') == 'mute'")" ] && break; sleep 0.2; done
	kill -INT $pid
	wait $pid
}
apply_until_recorded run.start --only base
apply_until_recorded run.resume --resume --via tui
e1=$(entry run.start "e.get('project') == 'mute'")
crun=$(field "$e1" "d['run']" 2>/dev/null)
e2=$(entry run.resume "e.get('project') == 'mute'")
s1=$(entry run.stop "e.get('run') == '$crun' and e.get('via') == 'cli'")
s2=$(entry run.stop "e.get('run') == '$crun' and e.get('via') == 'tui'")
is "$e1" "e['actor'] == '$me' and e['via'] == 'cli' and e['only'] == 'base'" &&
	is "$e2" "e['actor'] == '$me' and e['via'] == 'tui' and e['run'] == '$crun'" &&
	[ "$(field "$(cat "$state/runs/$crun/summary.json")" "d['started_by']")" = "{'user': '$me', 'via': 'cli'}" ]
verdict "apply records run.start (and --via tui a resume) with the local user; summary.json has started_by"

is "$s1" "e['actor'] == '$me' and e['signal'] == 'SIGINT'" && is "$s2" "e['actor'] == '$me'"
verdict "Ctrl-C on apply is recorded as run.stop by the local user, via cli or tui"

out=$("$bin" --state "$state" apply "$tmp/mute.yaml" --yes --via web 2>&1); rc=$?
[ $rc = 2 ] && has "$out" "'web'" && has "$out" "cli or tui" && [ -z "$(entry run.start "e.get('via') == 'web' and e.get('project') == 'mute'")" ]
verdict "apply --via takes only cli or tui: 'web' is refused (exit 2), nothing recorded"

# ---- reading the log
out=$("$bin" --state "$state" audit 2>&1); rc=$?
[ $rc = 0 ] && has "$out" "^TIME .*ACTOR .*VIA .*ADDRESS .*ACTION .*WHAT" &&
	has "$out" "olga .*web .*127.0.0.1 .*project.put .*hang" && has "$out" "$me .*cli .*user.add .*carl"
verdict "audit prints a table: time, actor, via, address, action, what"

[ "$("$bin" --state "$state" audit --json --limit 2 | wc -l)" = 2 ] &&
	[ -z "$("$bin" --state "$state" audit --json --since 2099-01-01)" ] &&
	[ -n "$("$bin" --state "$state" audit --json --since 1h)" ]
verdict "audit --limit N keeps the newest N; --since skips what is older"

refused=0
for bad in "--limit x" "--limit 0" "--since yesterday" "--bogus"; do
	# shellcheck disable=SC2086
	out=$("$bin" --state "$state" audit $bad 2>&1); rc=$?
	[ $rc = 2 ] && has "$out" "usage: hnsp-installer audit" && refused=$((refused + 1))
done
[ $refused = 4 ]
verdict "audit: each bad option (--limit x, --limit 0, --since yesterday, --bogus) exits 2 with the usage"

r=$(req -b "$tmp/olga" GET /api/audit)
r2=$(req -b "$tmp/alice" GET '/api/audit?limit=3')
[ "$(status "$r")" = 403 ] && ! has "$(body "$r")" login &&
	[ "$(status "$r2")" = 200 ] && [ "$(field "$(body "$r2")" "len(d['entries'])")" = 3 ] &&
	[ "$(field "$(body "$r2")" "d['entries'][0]['time'] >= d['entries'][2]['time']")" = True ]
verdict "GET /api/audit: 403 for operator olga; 200 for admin alice, newest first, limited"

vcsrf=$(login vic "$VIEWER_PW" "$tmp/vic")
r=$(req -b "$tmp/vic" GET /api/audit)
[ -n "$vcsrf" ] && [ "$(status "$r")" = 403 ]
verdict "GET /api/audit: 403 for viewer vic"

req -b "$tmp/vic" -H "X-CSRF-Token: $vcsrf" -d '{}' POST /api/logout >/dev/null
e=$(entry logout "e.get('actor') == 'vic'")
is "$e" "e['via'] == 'web' and e['address'] == '127.0.0.1'"
verdict "a logout is recorded"

# ---- keys, and guesses at the current password
ssh-keygen -q -t ed25519 -N '' -C '' -f "$tmp/upload"
r=$(py 'import json,sys; print(json.dumps({"key": open(sys.argv[1]).read()}))' "$tmp/upload" |
	req -b "$tmp/olga" -H "X-CSRF-Token: $ocsrf" --data @- PUT /api/keys/uploaded)
e=$(entry key.import "e.get('key') == 'uploaded'")
[ "$(status "$r")" = 200 ] &&
	is "$e" "e['actor'] == 'olga' and e['via'] == 'web' and e['fingerprint'].startswith('SHA256:')"
verdict "a key uploaded through the API is recorded: key.import by olga, with its fingerprint"

"$bin" --state "$state" key remove uploaded >/dev/null
e=$(entry key.remove "e.get('key') == 'uploaded'")
is "$e" "e['via'] == 'cli'"
verdict "a key removed with the CLI is recorded: key.remove via cli"

r=$(req -b "$tmp/olga" -H "X-CSRF-Token: $ocsrf" -d "{\"current\":\"$WRONG_PW\",\"new\":\"$WRONG_PW-2\"}" \
	POST /api/session/password)
e=$(entry passwd.fail "e.get('actor') == 'olga'")
[ "$(status "$r")" = 403 ] && is "$e" "e['reason'] == 'wrong password' and e['address'] == '127.0.0.1'"
verdict "a wrong current password on a password change is recorded: passwd.fail by olga"

# ---- the file itself
[ "$(stat -c %a "$log")" = 600 ]
verdict "audit.jsonl is 0600"

leaked=
for pw in "$ADMIN_PW" "$OPERATOR_PW" "$VIEWER_PW" "$PAT_PW" "$CARL_PW" "$WRONG_PW"; do
	grep -qF -- "$pw" "$log" && leaked="$leaked $pw"
done
[ -z "$leaked" ] && [ "$(wc -l <"$log")" -gt 20 ]
verdict "no password is in audit.jsonl (${leaked:-none of six found})"

lines=$(wc -l <"$log")
printf '{"time": "2026-01-01T00:00:00Z", "actor": broken\n' >>"$log"
echo '{"time":"2026-01-01T00:00:01Z","actor":"x","via":"cli","action":"late.line"}' >>"$log"
out=$("$bin" --state "$state" audit 2>&1 >/dev/null); rc=$?
out2=$("$bin" --state "$state" audit --json 2>/dev/null)
[ $rc = 0 ] && has "$out" "audit.jsonl:$((lines + 1)): .*damaged" && has "$out2" late.line &&
	[ "$("$bin" --state "$state" audit 2>/dev/null | grep -c .)" -gt 20 ]
verdict "a damaged line is reported with its line number ($((lines + 1))) and skipped; the rest is shown"

part_end t_audit

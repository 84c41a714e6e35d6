#!/usr/bin/env bash
# tests/security/t_users.sh: users.json keeps every change made at once by
# several CLI processes and the web server; a session or a token never
# outlives its user (removed and added again under the same name) or a
# change of password; a password changes only with the current one, or by
# an admin.
set -u
. "$(dirname "$0")/lib.sh"

# user_count STATE: how many users `user list` shows.
user_count() { "$bin" --state "$1" user list | wc -l; }

# ---- (a) concurrent adds lose no user
race=$tmp/race
echo "$ADMIN_PW" | "$bin" --state "$race" user add root --role admin >/dev/null
for pair in 1 2 3 4 5 6 7 8; do
	echo "Pair-pass-$pair" | "$bin" --state "$race" user add "p$pair-a" --role viewer >/dev/null &
	echo "Pair-pass-$pair" | "$bin" --state "$race" user add "p$pair-b" --role viewer >/dev/null &
	wait
done
n=$(user_count "$race")
[ "$n" = 17 ]
verdict "8 pairs of concurrent CLI 'user add': all 16 users kept ($n of 17 with the admin)"

web_start "$race"
csrf=$(login root "$ADMIN_PW" "$tmp/root")
pids=
for i in 1 2 3 4 5; do
	echo "Cli-pass-$i" | "$bin" --state "$race" user add "cli$i" --role viewer >/dev/null &
	pids+=" $!"
	req -b "$tmp/root" -H "X-CSRF-Token: $csrf" \
		-d "{\"name\":\"api$i\",\"role\":\"viewer\",\"password\":\"Api-pass-$i\"}" \
		POST /api/users >"$tmp/add.$i" &
	pids+=" $!"
done
wait $pids
codes=$(for i in 1 2 3 4 5; do status "$(cat "$tmp/add.$i")"; done | sort -u | tr '\n' ' ')
n=$(user_count "$race")
r=$(req -b "$tmp/root" GET /api/users)
m=$(field "$(body "$r")" "len(d)")
[ "$codes" = "201 " ] && [ "$n" = 27 ] && [ "$m" = 27 ]
verdict "5 CLI adds racing 5 API adds: all 10 kept (API: $codes; the file: $n, the server: $m of 27)"
web_stop
for f in "$race"/web/*; do
	case $f in */users.json | */users.lock) ;; *) echo "# left behind: $f"; false ;; esac
done
verdict "no temporary file is left beside users.json"

# ---- (b) a name removed and added again does not revive its sessions or tokens
echo 'Bob-first-pass' | "$bin" --state "$state" user add bob --role viewer >/dev/null
old_token=$("$bin" --state "$state" user token bob)
web_start "$state"
bcsrf=$(login bob Bob-first-pass "$tmp/bob")
acsrf=$(login alice "$ADMIN_PW" "$tmp/alice")
r=$(req -b "$tmp/alice" -H "X-CSRF-Token: $acsrf" DELETE /api/users/bob)
r2=$(req -b "$tmp/alice" -H "X-CSRF-Token: $acsrf" \
	-d '{"name":"bob","role":"admin","password":"Bob-second-pass"}' POST /api/users)
[ -n "$bcsrf" ] && [ "$(status "$r")" = 200 ] && [ "$(status "$r2")" = 201 ]
verdict "bob logs in, alice removes bob and adds a new admin named bob through the API"
r=$(req -b "$tmp/bob" GET /api/users)
r2=$(req -b "$tmp/bob" GET /api/session)
[ "$(status "$r")" = 401 ] && [ "$(status "$r2")" = 401 ] && has "$(body "$r")" "log in first"
verdict "the old bob's cookie gets 401, not the new bob's admin rights"
r=$(req -H "Authorization: Bearer $old_token" GET /api/users)
[ "$(status "$r")" = 401 ] && has "$(body "$r")" "log in first"
verdict "the old bob's token gets 401"
login bob Bob-second-pass "$tmp/bob2" >/dev/null &&
	[ "$(status "$(req -b "$tmp/bob2" GET /api/users)")" = 200 ]
verdict "the new bob logs in with his own password and is admin"

# The same through the CLI, behind the running server's back.
"$bin" --state "$state" user remove bob >/dev/null &&
	echo 'Bob-third-pass' | "$bin" --state "$state" user add bob --role admin >/dev/null
r=$(req -b "$tmp/bob2" GET /api/users)
[ "$(status "$r")" = 401 ]
verdict "removed and added again with the CLI: the running server refuses the old cookie"

# ---- (c) user passwd
ccsrf=$(login olga "$OPERATOR_PW" "$tmp/olga")
otoken=$("$bin" --state "$state" user token olga)
out=$(echo 'short' | "$bin" --state "$state" user passwd olga 2>&1); rc=$?
[ $rc = 2 ] && has "$out" "8 to 1024 characters" && login olga "$OPERATOR_PW" "$tmp/o0" >/dev/null
verdict "user passwd: a short password is refused (exit 2), the old one still works"
out=$(echo 'Olga-new-pass' | "$bin" --state "$state" user passwd nobody 2>&1); rc=$?
[ $rc = 2 ] && has "$out" "no user 'nobody'"
verdict "user passwd: an unknown user is named (exit 2)"
out=$(echo 'Olga-new-pass' | "$bin" --state "$state" user passwd olga 2>&1); rc=$?
[ $rc = 0 ] && has "$out" "changed the password of olga" && [ -n "$ccsrf" ]
verdict "user passwd olga: the password is read from stdin"
r=$(req --interface 127.0.0.5 -d "{\"name\":\"olga\",\"password\":\"$OPERATOR_PW\"}" POST /api/login)
[ "$(status "$r")" = 401 ]
verdict "the old password fails"
login olga Olga-new-pass "$tmp/olga2" >/dev/null
verdict "the new password works"
r=$(req -b "$tmp/olga" GET /api/session)
[ "$(status "$r")" = 401 ] && has "$(body "$r")" "log in first"
verdict "the session from before the change is refused"
r=$(req -H "Authorization: Bearer $otoken" GET /api/session)
[ "$(status "$r")" = 200 ]
verdict "a token survives a password change (documented)"
grep '"action":"user.passwd"' "$state/audit.jsonl" | grep -q '"user":"olga"' &&
	! grep -q 'Olga-new-pass' "$state/audit.jsonl" "$state/web/users.json"
verdict "the audit log records user.passwd for olga, and no file holds the password"

# ---- (d) through the API
vcsrf=$(login vic "$VIEWER_PW" "$tmp/vic")
login vic "$VIEWER_PW" "$tmp/vic-other" >/dev/null
r=$(req --interface 127.0.0.6 -b "$tmp/vic" -H "X-CSRF-Token: $vcsrf" \
	-d '{"current":"not-my-password","new":"Vic-new-pass-1"}' POST /api/session/password)
[ "$(status "$r")" = 403 ] && has "$(body "$r")" "current password" && login vic "$VIEWER_PW" "$tmp/v0" >/dev/null
verdict "own password: a wrong current password gets 403, nothing changes"
r=$(req -b "$tmp/vic" -d "{\"current\":\"$VIEWER_PW\",\"new\":\"Vic-new-pass-1\"}" POST /api/session/password)
[ "$(status "$r")" = 403 ] && has "$(body "$r")" "CSRF"
verdict "own password: refused without the CSRF token"
r=$(req -b "$tmp/vic" -H "X-CSRF-Token: $vcsrf" -d "{\"current\":\"$VIEWER_PW\",\"new\":\"short\"}" POST /api/session/password)
[ "$(status "$r")" = 400 ] && has "$(body "$r")" "8 to 1024 characters"
verdict "own password: a short new password gets 400"
r=$(req -b "$tmp/vic" -H "X-CSRF-Token: $vcsrf" -d "{\"current\":\"$VIEWER_PW\",\"new\":\"Vic-new-pass-1\"}" POST /api/session/password)
[ "$(status "$r")" = 200 ]
verdict "own password: changed with the right current password"
r=$(req -b "$tmp/vic" GET /api/session)
r2=$(req -b "$tmp/vic-other" GET /api/session)
[ "$(status "$r")" = 200 ] && [ "$(status "$r2")" = 401 ]
verdict "own password: the caller's session stays, the user's other session ends"
login vic Vic-new-pass-1 "$tmp/v1" >/dev/null &&
	[ "$(status "$(req --interface 127.0.0.6 -d "{\"name\":\"vic\",\"password\":\"$VIEWER_PW\"}" POST /api/login)")" = 401 ]
verdict "own password: the new one works, the old one fails"

r=$(req -b "$tmp/vic" -H "X-CSRF-Token: $vcsrf" -d '{"password":"Stolen-pass-1"}' PUT /api/users/alice/password)
[ "$(status "$r")" = 403 ] && has "$(body "$r")" "needs the admin role" && login alice "$ADMIN_PW" "$tmp/a0" >/dev/null
verdict "a viewer cannot set another's password (403), alice's still works"
r=$(req -b "$tmp/alice" -H "X-CSRF-Token: $acsrf" -d '{"password":"Vic-set-by-admin"}' PUT /api/users/vic/password)
r2=$(req -b "$tmp/vic" GET /api/session)
v2csrf=$(login vic Vic-set-by-admin "$tmp/v2")
[ "$(status "$r")" = 200 ] && [ "$(status "$r2")" = 401 ] && [ -n "$v2csrf" ]
verdict "an admin sets vic's password: vic's sessions end, the new one works"
login alice "$ADMIN_PW" "$tmp/alice-other" >/dev/null
r=$(req -b "$tmp/alice" -H "X-CSRF-Token: $acsrf" -d '{"password":"Alice-new-pass"}' PUT /api/users/alice/password)
[ "$(status "$r")" = 200 ] && [ "$(status "$(req -b "$tmp/alice" GET /api/users)")" = 200 ] &&
	[ "$(status "$(req -b "$tmp/alice-other" GET /api/users)")" = 401 ]
verdict "an admin setting their own password keeps this session and ends their other one"
r=$(req -b "$tmp/alice" -H "X-CSRF-Token: $acsrf" -d '{"password":"Whatever-123"}' PUT /api/users/nobody/password)
[ "$(status "$r")" = 404 ] && has "$(body "$r")" "no user 'nobody'"
verdict "an admin setting an unknown user's password gets 404 naming it"
[ "$(grep -c '"action":"user.passwd"' "$state/audit.jsonl")" = 4 ] &&
	grep '"action":"user.passwd"' "$state/audit.jsonl" | grep '"via":"web"' | grep -q '"actor":"alice"' &&
	! grep -q -e 'Vic-new-pass-1' -e 'Vic-set-by-admin' "$state/audit.jsonl" "$tmp/web.out"
verdict "the audit log records the API changes with the actor, and no password"

# Guessing the current password counts like failed logins.
for i in 1 2 3 4 5 6; do
	r=$(req --interface 127.0.0.7 -b "$tmp/v2" -H "X-CSRF-Token: $v2csrf" \
		-d "{\"current\":\"guess-$i-xx\",\"new\":\"Vic-new-pass-2\"}" POST /api/session/password)
done
[ "$(status "$r")" = 429 ] && login vic Vic-set-by-admin "$tmp/v3" >/dev/null
verdict "guessing the current password is rate-limited like a login (429 at the 6th)"

web_stop
part_end t_users

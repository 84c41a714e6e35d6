#!/usr/bin/env bash
# tests/security/t_secrets.sh: the secrets store (issue 11, item 6).  A value
# set from the CLI or by an operator through the API never shows again: not
# in a listing, an API answer, the state directory, a run's files or argv;
# a viewer cannot set one; a key file others can read is refused; a project
# refers to a secret by name only, and a bad name is reported at its line.
set -u
. "$(dirname "$0")/lib.sh"

V1='cli-Va1ue-7f3e9'      # set from the CLI
V2='api-Va1ue-c41d2'      # set through the API by the operator
V3='vic-Va1ue-0b9a8'      # tried by the viewer
key=$state.key
# no_value_in WHERE...: true when neither value occurs in any file under WHERE.
no_value_in() { ! grep -rqF -e "$V1" -e "$V2" -e "$V3" "$@" 2>/dev/null; }

# ---- the CLI
out=$(echo "$V1" | "$bin" --state "$state" secret set db 2>&1)
rc=$?
[ "$rc" = 0 ] && has "$out" "set db" && ! has "$out" "$V1" && [ -f "$key" ] &&
	[ "$(stat -c %a "$key")" = 600 ] && [ "$(stat -c %a "$state/secrets.json")" = 600 ]
verdict "secret set reads the value from stdin; the key file $key (0600) is made beside the state"

out=$("$bin" --state "$state" secret set db "$V3" 2>&1)
rc=$?
[ "$rc" = 2 ] && has "$out" "never given on the command line" && ! grep -qF "$V3" "$state/audit.jsonl"
verdict "secret set refuses a value given as an argument (exit $rc), where other users would see it"

out=$("$bin" --state "$state" secret set 'Bad/Name' </dev/null 2>&1)
[ $? = 2 ] && has "$out" "'Bad/Name' is not a secret name"
verdict "secret set refuses a bad name, naming it"

chmod 644 "$key"
out=$(echo "$V3" | "$bin" --state "$state" secret set other 2>&1)
rc=$?
chmod 600 "$key"
[ "$rc" = 2 ] && has "$out" "key file '$key' is open to others (mode 0644)" &&
	! "$bin" --state "$state" secret list | grep -q '^other '
verdict "a key file that others can read is refused, naming it and its mode"

out=$(HNSP_SECRETS_KEY=$state/inner.key "$bin" --state "$state" secret set other <<<"$V3" 2>&1)
[ $? = 2 ] && has "$out" "inside the state directory" && [ ! -e "$state/inner.key" ]
verdict "a key file inside the state directory is refused"

# ---- the API, as the operator and the viewer
web_start "$state"
olga=$(login olga "$OPERATOR_PW" "$tmp/olga")
vic=$(login vic "$VIEWER_PW" "$tmp/vic")
r=$(req -b "$tmp/olga" -H "X-CSRF-Token: $olga" -d "{\"value\":\"$V2\"}" PUT /api/secrets/api_token)
[ "$(status "$r")" = 200 ] && ! has "$r" "$V2" && [ "$(field "$(body "$r")" "d['name']")" = api_token ]
verdict "an operator sets a secret through the API; the answer holds its name, not its value"

r=$(req -b "$tmp/vic" -H "X-CSRF-Token: $vic" -d "{\"value\":\"$V3\"}" PUT /api/secrets/vic_try)
r2=$(req -b "$tmp/vic" -H "X-CSRF-Token: $vic" DELETE /api/secrets/db)
[ "$(status "$r")" = 403 ] && [ "$(status "$r2")" = 403 ] &&
	! "$bin" --state "$state" secret list | grep -q '^vic_try ' &&
	"$bin" --state "$state" secret list | grep -q '^db '
verdict "a viewer gets 403 on PUT and DELETE; nothing is set or removed"

r=$(req -b "$tmp/vic" GET /api/secrets)
names=$(field "$(body "$r")" "' '.join(sorted(s['name'] for s in d))")
keys=$(field "$(body "$r")" "' '.join(sorted(set(k for s in d for k in s)))")
[ "$(status "$r")" = 200 ] && [ "$names" = "api_token db" ] && [ "$keys" = "name set" ] &&
	! has "$r" "$V1" && ! has "$r" "$V2"
verdict "GET /api/secrets gives names and times only ($keys), to a viewer too"

r=$(req -b "$tmp/olga" -H "X-CSRF-Token: $olga" -d '{"value":"x"}' PUT /api/secrets/Bad.Name)
[ "$(status "$r")" = 400 ] && has "$(body "$r")" "'Bad.Name' is not a secret name"
verdict "PUT with a bad name: 400 naming it"

out=$("$bin" --state "$state" secret list 2>&1; "$bin" --state "$state" secret list --json 2>&1)
has "$out" "api_token" && has "$out" "db" && ! has "$out" "$V1" && ! has "$out" "$V2"
verdict "secret list (and --json) shows the names, never a value"

no_value_in "$state" && no_value_in "$tmp/web.out"
verdict "no value in plaintext anywhere in the state directory or the server's output"

grep -q '"via":"web".*"action":"secret.set","secret":"api_token"' "$state/audit.jsonl" &&
	grep -q '"actor":"olga"' "$state/audit.jsonl" &&
	grep -q '"via":"cli".*"action":"secret.set","secret":"db"' "$state/audit.jsonl"
verdict "the audit log records who set each secret, from the CLI and the web"

# ---- a project refers to secrets by name
new_key "$state" key
project() { # NAME TZ_REF: a project on a closed loopback port
	cat <<EOF
name: $1
ssh:
  user: root
  port: 1
  key_file: key
  connect_timeout: 2
  become_password: {secret: db}
hosts:
  - {name: a1, address: 127.0.0.1, roles: [master, etcd, worker]}
network:
  host_cidrs: [127.0.0.0/8]
components:
  base: {}
ansible_vars:
  base_timezone: $2
EOF
}
project closed '{secret: api_token}' >"$tmp/closed.yaml"
project bad '{secret: "Not Valid"}' >"$tmp/bad.yaml"
project missing '{secret: nosuch}' >"$tmp/missing.yaml"
out=$("$bin" validate "$tmp/closed.yaml" 2>&1)
rc=$?
out2=$("$bin" validate "$tmp/bad.yaml" 2>&1)
rc2=$?
[ "$rc" = 0 ] && [ "$rc2" = 2 ] &&
	has "$out2" "$tmp/bad.yaml:15:27: error: 'ansible_vars.base_timezone.secret': the quoted string 'Not Valid' is not a secret name"
verdict "a project that refers to a secret validates; a bad name is reported at FILE:LINE:COL"

r=$(req -b "$tmp/olga" -H "X-CSRF-Token: $olga" --data @<(yaml_json <"$tmp/closed.yaml") PUT /api/projects/closed)
r2=$(req -b "$tmp/vic" GET /api/projects/closed)
[ "$(status "$r2")" = 200 ] && has "$r2" "secret: api_token" && ! has "$r2" "$V2"
verdict "a project file holds the reference only: a viewer reading it sees no value"

out=$("$bin" --state "$state" apply --yes --only base "$tmp/missing.yaml" 2>&1)
[ $? = 2 ] && has "$out" "no secret 'nosuch'"
verdict "apply of a project that refers to a missing secret stops before any run, naming it"

out=$("$bin" --state "$state" apply --yes --only base --runner remote:a1 "$tmp/closed.yaml" 2>&1)
[ $? = 2 ] && has "$out" "the remote runner does not carry them"
verdict "the remote runner refuses secrets in variables, saying why"

sed 's/^  become_password: .*/  password: {secret: nossh}/; s/^name: missing/name: nossh/' \
	"$tmp/missing.yaml" >"$tmp/nossh.yaml"
out=$("$bin" --state "$state" preflight "$tmp/nossh.yaml" 2>&1)
rc=$?
req -b "$tmp/olga" -H "X-CSRF-Token: $olga" --data @<(yaml_json <"$tmp/nossh.yaml") PUT /api/projects/nossh >/dev/null
r=$(req -b "$tmp/olga" -H "X-CSRF-Token: $olga" -d '{}' POST /api/projects/nossh/preflight)
[ "$rc" = 2 ] && has "$out" "no secret 'nossh'" && [ "$(status "$r")" = 400 ] && has "$(body "$r")" "no secret 'nossh'"
verdict "preflight (CLI and API) with ssh.password from a missing secret stops, naming it"

before=$(ls -d /tmp/hnsp-vars-* /tmp/hnsp-become-* 2>/dev/null | sort)
out=$(timeout 300 "$bin" --state "$state" apply --yes --only base "$tmp/closed.yaml" 2>&1)
rc=$?
after=$(ls -d /tmp/hnsp-vars-* /tmp/hnsp-become-* 2>/dev/null | sort)
run=$(ls -t "$state/runs" | head -n 1)
[ "$rc" = 1 ] && [ -n "$run" ] && grep -qF "hnsp_secrets['api_token']" "$state/runs/$run/inventory.json" &&
	no_value_in "$state" && ! has "$out" "$V1" && ! has "$out" "$V2" && [ "$before" = "$after" ]
verdict "an apply that uses secrets (closed port, exit $rc) leaves no value in STATE/runs or /tmp"

# What Ansible gets: a stand-in ansible-playbook notes how the values came.
mkdir -p "$tmp/shim"
cat >"$tmp/shim/ansible-playbook" <<'EOF'
#!/bin/sh
while [ $# -gt 0 ]; do
	case $1 in
	-e) f=${2#@}; shift ;;
	--become-password-file) b=$2; shift ;;
	esac
	shift
done
{
	echo "vars $(stat -c %a "$f") dir $(stat -c %a "$(dirname "$f")")"
	grep -qF "{\"hnsp_secrets\":{\"api_token\":{\"__ansible_unsafe\":\"$V2\"}}}" "$f" && echo "vars unsafe"
	[ "$(cat "$b")" = "$V1" ] && echo "become through a fifo"
	echo "file $f"
} >"$SHIM_OUT"
exit 2
EOF
chmod +x "$tmp/shim/ansible-playbook"
out=$(PATH=$tmp/shim:$PATH SHIM_OUT=$tmp/shim.out V1=$V1 V2=$V2 \
	"$bin" --state "$state" apply --yes --only base "$tmp/closed.yaml" 2>&1)
rc=$?
vars=$(sed -n 's/^file //p' "$tmp/shim.out")
[ "$rc" = 1 ] && grep -q '^vars 600 dir 700$' "$tmp/shim.out" && grep -q '^vars unsafe$' "$tmp/shim.out" &&
	grep -q '^become through a fifo$' "$tmp/shim.out" && [ -n "$vars" ] && [ ! -e "$vars" ] &&
	[ ! -e "$(dirname "$vars")" ] && no_value_in "$state"
verdict "Ansible gets the values in a 0600 file of a 0700 directory, marked unsafe, removed after"

r=$(req -b "$tmp/olga" -H "X-CSRF-Token: $olga" DELETE /api/secrets/api_token)
[ "$(status "$r")" = 200 ] && ! "$bin" --state "$state" secret list | grep -q '^api_token ' &&
	grep -q '"action":"secret.remove","secret":"api_token"' "$state/audit.jsonl"
verdict "an operator removes a secret; the audit log records it"

part_end t_secrets

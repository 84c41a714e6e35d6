#!/usr/bin/env bash
# tests/security/t_hostkeys.sh: issue 11 item 7: ssh's control sockets stay
# private to a run, and host_key_policy off is shown where a run starts.
#
# A ControlMaster socket in the shared ~/.ansible/cp lets whoever reaches it
# run commands on a managed host without a key: a run must keep its sockets in
# a private 0700 directory of its own, with a path short enough for a unix
# socket (108 bytes), gone after the run.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

home=$tmp/home
mkdir -p "$home"
new_key "$state" key
# A host that refuses SSH (port 1): the run starts ansible-playbook, which
# prepares its control socket, and fails quickly.
closed_project closed key >"$tmp/closed.yaml"

HOME=$home "$bin" --state "$state" apply "$tmp/closed.yaml" --yes --only base >"$tmp/apply.out" 2>&1 &
apply=$!
# While the run lives: its ansible.cfg names the socket directory; catch its mode.
cfg="" dir="" mode=""
for _ in $(seq 1 600); do
	cfg=$(ls "$state"/runs/*/ansible.cfg 2>/dev/null | head -n 1)
	if [ -n "$cfg" ]; then
		dir=$(sed -nE 's/^control_path_dir = (.*)$/\1/p' "$cfg")
		[ -n "$dir" ] && mode=$(stat -c '%a %U' "$dir" 2>/dev/null) && break
	fi
	kill -0 "$apply" 2>/dev/null || break
	sleep 0.05
done
wait "$apply"
rc=$?
events=$(cat "$state"/runs/*/events.jsonl 2>/dev/null)

[ "$rc" -ne 0 ] && has "$events" '"run_end"' && [ -f "$cfg" ] &&
	grep -q '^\[ssh_connection\]' "$cfg" && has "$(cat "$tmp/apply.out")" "a1"
verdict "a run against a closed port ran Ansible and failed (the setting below was exercised)"

[ ! -e "$home/.ansible/cp" ]
verdict "the run created nothing in the shared ~/.ansible/cp"

[ "$mode" = "700 $(id -un)" ]
verdict "ansible.cfg's control_path_dir '$dir' was a 0700 directory of ours during the run (it was '$mode')"

# ssh adds ".XXXXXXXXXXXXXXXX" to the socket's name while it binds; Ansible's
# name is 10 characters: the directory must leave room in 107 bytes.
[ -n "$dir" ] && [ $((${#dir} + 1 + 10 + 17)) -lt 108 ]
verdict "a socket path in '$dir' fits in a unix socket's 108 bytes"

[ -n "$dir" ] && [ ! -e "$dir" ]
verdict "the run removed its socket directory '$dir' when it ended"

# ---- host_key_policy off: the web API gives every front-end the warning
# (the GUI shows it on the project page and before a run; the TUI takes the
# same text from project_host_key_warning, tests/unit/test_project.c).
web_start "$state"
csrf=$(login olga "$OPERATOR_PW" "$tmp/olga")
# No key_file: a project kept in the state directory may not name outside paths.
sed -e 's/host_key_policy: accept-new/host_key_policy: off/' -e 's/^name: closed/name: keysoff/' \
	-e '/key_file:/d' "$tmp/closed.yaml" | yaml_json >"$tmp/off.json"
r=$(req -b "$tmp/olga" -H "X-CSRF-Token: $csrf" --data @"$tmp/off.json" PUT /api/projects/keysoff)
r2=$(req -b "$tmp/olga" GET /api/projects/keysoff)
w=$(field "$(body "$r2")" "[x['message'] for x in d['diagnostics'] if x['severity'] == 'warning']")
[ "$(status "$r")" = 201 ] && [ "$(status "$r2")" = 200 ] &&
	has "$w" "'ssh.host_key_policy': 'off' does not verify host keys" &&
	[ "$(field "$(body "$r2")" "d['doc']['ssh']['host_key_policy']")" = off ] ||
	{ echo "# $r / $r2" | head -c 600; false; }
verdict "an operator saves host_key_policy off: the project's API answer carries the warning naming 'ssh.host_key_policy'"

# A relative --state: Ansible runs from inside the run's directory, where a
# relative path names nothing; the run must still reach its host (and fail).
mkdir -p "$tmp/cwd"
cp -r "$state" "$tmp/cwd/rel"
rm -rf "$tmp/cwd/rel/runs"
out=$(cd "$tmp/cwd" && HOME=$home "$bin" --state rel apply "$tmp/closed.yaml" --yes --only base 2>&1)
rc=$?
cfg=$(ls "$tmp"/cwd/rel/runs/*/ansible.cfg 2>/dev/null | head -n 1)
[ "$rc" = 1 ] && has "$out" "a1" && grep -q "^inventory = $tmp/cwd/rel/runs/" "$cfg"
verdict "apply with a relative --state names its run's files absolutely and reaches the host (exit $rc)"

part_end t_hostkeys

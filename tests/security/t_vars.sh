#!/usr/bin/env bash
# tests/security/t_vars.sh: project variables never run code on the installer
# host (issue 11, item 1).  As the operator olga, through the web API: every
# variable that Ansible reads as a setting (ssh arguments, connection, become,
# interpreter), the installer's own and those of the plays on the installer
# host, and a typed path bound for a shell, are refused with a 400 that names
# the key, and nothing is written.  A
# Jinja lookup in an allowed tunable is accepted as data: a run writes it into
# inventory.json marked unsafe, and the real Ansible (ansible-inventory,
# ansible-playbook) prints it literally and never runs it.
. "$(dirname "$0")/lib.sh"
canary=$tmp/CANARY

web_start "$state"
verdict "the server starts" || { part_end t_vars; exit 1; }
csrf=$(login olga "$OPERATOR_PW" "$tmp/olga")
[ -n "$csrf" ]
verdict "olga (operator) logs in"

# put NAME HOSTPART TOPPART [OPTIONS [SSH]]: PUTs, as olga, project NAME: a
# valid base with HOSTPART in its host, TOPPART at the end, OPTIONS for the
# component base and SSH added to its ssh settings.
put() {
	local options=${4:-} ssh=${5:+, $5}
	cat >"$tmp/$1.yaml" <<EOF
name: $1
ssh: {port: 1, connect_timeout: 2$ssh}
hosts:
  - name: a1
    address: 127.0.0.1
    roles: [master, etcd, worker]
$2
network:
  host_cidrs: [127.0.0.0/8]
components:
  base: ${options:-"{}"}
$3
EOF
	yaml_json <"$tmp/$1.yaml" >"$tmp/$1.json"
	req -b "$tmp/olga" -H "X-CSRF-Token: $csrf" --data @"$tmp/$1.json" PUT "/api/projects/$1"
}

# refused NAME KEY LINE DESC HOSTPART TOPPART [OPTIONS [SSH]]: a 400 whose
# diagnostic names KEY at LINE, no project file written, no canary.
refused() {
	local name=$1 key=$2 line=$3 desc=$4 r
	r=$(put "$name" "${@:5}")
	[ "$(status "$r")" = 400 ] &&
		[ "$(field "$(body "$r")" "[y['line'] for y in d['diagnostics'] if \"'$key'\" in y['message']]")" = "[$line]" ] &&
		[ ! -e "$state/projects/$name.yaml" ] && [ ! -e "$canary" ]
	verdict "$desc: 400 naming '$key' at line $line, nothing written, no canary"
}

refused v1 ansible_vars.ansible_ssh_common_args 13 "a ProxyCommand in ansible_ssh_common_args" "" \
	"ansible_vars:
  ansible_ssh_common_args: -o ProxyCommand=\"sh -c 'touch $canary'\""
refused v2 hosts[0].vars.ansible_connection 7 "ansible_connection: local in a host's vars" \
	"    vars: {ansible_connection: local}" ""
refused v3 ansible_vars.ansible_become_exe 12 "ansible_become_exe" "" \
	"ansible_vars: {ansible_become_exe: \"sh -c 'touch $canary' --\"}"
refused v4 ansible_vars.ansible_python_interpreter 12 "ansible_python_interpreter" "" \
	"ansible_vars: {ansible_python_interpreter: \"sh -c 'touch $canary'\"}"
refused v5 hosts[0].vars.ansible_ssh_executable 7 "ansible_ssh_executable in a host's vars" \
	"    vars: {ansible_ssh_executable: /bin/true}" ""
refused v6 ansible_vars.pki_dir 12 "pki_dir, read by the PKI play on the installer host" "" \
	"ansible_vars: {pki_dir: $tmp/victim}"
refused v7 ansible_vars.hnsp_pki_dir 12 "hnsp_pki_dir, the installer's own" "" \
	"ansible_vars: {hnsp_pki_dir: $tmp/victim}"
[ ! -e "$tmp/victim" ]
verdict "no PKI directory appeared where the refused projects pointed"

# A typed path reaches the jump host's ProxyCommand, which a shell runs.
refused v8 ssh.known_hosts 2 "\$(...) in ssh.known_hosts, bound for a ProxyCommand" "" "" "" \
	"known_hosts: kh\$(touch\$IFS$canary), jump_host: {address: 127.0.0.1, port: 1}"

# ---- a Jinja lookup in tunables, a host's vars, a label and an option: data
lookup="{{ lookup('pipe', 'touch $canary') }}"
r=$(put jinja "    vars: {etcd_data_dir: \"$lookup\"}
    labels: {zone: \"$lookup\"}" "ansible_vars: {base_timezone: \"$lookup\"}" \
	"{timezone: \"$lookup\"}")
[ "$(status "$r")" = 201 ] && [ -f "$state/projects/jinja.yaml" ]
verdict "a Jinja lookup in an allowed tunable is accepted, as data (201)"

# The run fails at once (port 1 is closed) but writes its inventory first.
r=$(req -b "$tmp/olga" -H "X-CSRF-Token: $csrf" -d '{"mode":"new"}' POST /api/projects/jinja/runs)
run=$(field "$(body "$r")" "d['id']" 2>/dev/null)
[ "$(status "$r")" = 202 ] && [ -n "$run" ]
verdict "olga starts a run of it (202)"
curl -s -m 120 -b "$tmp/olga" "${url}api/runs/$run/events" >/dev/null
inv=$state/runs/$run/inventory.json
n=$(py "import json,sys
def walk(v):
    if isinstance(v, dict):
        if set(v) == {'__ansible_unsafe'}:
            yield v['__ansible_unsafe']
        else:
            for x in v.values(): yield from walk(x)
    elif isinstance(v, list):
        for x in v: yield from walk(x)
    elif isinstance(v, str):
        yield None
vals = list(walk(json.load(open(sys.argv[1]))))
print(sum(1 for s in vals if s is not None and 'lookup' in s), sum(1 for s in vals if s is None))" "$inv" 2>/dev/null)
[ "$n" = "4 0" ] && [ ! -e "$canary" ]
verdict "inventory.json holds the 4 lookups, and every string, as {\"__ansible_unsafe\": ...} (got: $n)"

# The real Ansible on a copy of that inventory, local connection.
mkdir -p "$tmp/copy" && cp "$inv" "$tmp/copy/inventory.json"
cd "$tmp/copy"
out=$(ansible-inventory -i inventory.json --list 2>&1)
[ "$(py "import json,sys; d=json.loads(sys.stdin.read()); print(d['_meta']['hostvars']['a1']['etcd_data_dir'])" <<<"$out" 2>&1)" = "{'__ansible_unsafe': \"$lookup\"}" ]
verdict "ansible-inventory reads the JSON inventory's values as unsafe"
cat >pb.yml <<'EOF'
- name: Print what the project set
  hosts: all
  gather_facts: false
  tasks:
    - name: Template every value that came from the project
      ansible.builtin.debug:
        msg: "{{ base_timezone }}|{{ etcd_data_dir }}|{{ hnsp_labels.zone }}|{{ hnsp_components.base.timezone }}"
EOF
out=$(ANSIBLE_NOCOLOR=1 ansible-playbook -i inventory.json -c local pb.yml 2>&1)
has "$out" "\"msg\": \"$(sed 's/[][\\.*^$]/\\&/g' <<<"$lookup|$lookup|$lookup|$lookup")\"" && [ ! -e "$canary" ]
verdict "ansible-playbook prints the four lookups literally, and the canary is never created"
cd - >/dev/null

# Without the marker the same value runs: the check above can fail.
py "import json,sys; print(json.dumps({'all': {'hosts': {'a1': {'x': sys.argv[1]}}}}))" "$lookup" >"$tmp/plain.json"
ansible -i "$tmp/plain.json" all -c local -m ansible.builtin.debug -a 'msg="{{ x }}"' >/dev/null 2>&1
[ -e "$canary" ] && rm -f "$canary"
verdict "control: the same lookup, not marked unsafe, does run (the canary appears)"

web_stop
part_end t_vars

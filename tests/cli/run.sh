#!/usr/bin/env bash
# tests/cli/run.sh: the command line as a user meets it, on the sanitizer build.
#
# cases/NAME.yaml is validated from inside cases/; its exit code and output
# (stdout and stderr) must equal cases/NAME.out ("exit N" on the first line).
# Regenerate an .out after a deliberate message change with UPDATE=1, then
# read the diff.  Hostile inputs (binary, huge, deep, alias bombs) are made
# here at run time and each must give exit 2 and its exact message.
set -u
cd "$(dirname "$0")/../.."
root=$PWD
bin=$root/build/hnsp-installer-asan
. tests/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT


# check DESC WANT_EXIT WANT_OUTPUT CMD... : runs CMD, compares exit code and output.
check() {
	local desc=$1 want_rc=$2 want_out=$3 out rc
	shift 3
	out=$(timeout 60 "$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want_rc" ] && [ "$out" = "$want_out" ]; then
		ok "$desc"
	else
		not_ok "$desc (exit $rc, wanted $want_rc)"
		diff <(printf '%s\n' "$want_out") <(printf '%s\n' "$out") | head -n 20 | sed 's/^/    /'
	fi
}

# ---- the corpus: every case file against its recorded exit code and output
cd tests/cli/cases
for f in *.yaml; do
	name=${f%.yaml}
	out=$(timeout 60 "$bin" validate "$f" 2>&1)
	rc=$?
	got=$(printf 'exit %s\n%s' "$rc" "$out")
	if [ "${UPDATE:-0}" = 1 ]; then
		printf '%s\n' "$got" >"$name.out"
	fi
	if [ ! -f "$name.out" ]; then
		not_ok "case $name: no $name.out (run with UPDATE=1 and review it)"
	elif [ "$got" = "$(cat "$name.out")" ]; then
		ok "case $name"
	else
		not_ok "case $name"
		diff "$name.out" <(printf '%s\n' "$got") | head -n 20 | sed 's/^/    /'
	fi
done

# ---- cases/state/NAME.yaml: the same, as a project kept in a state directory
# (STATE/projects/NAME.yaml, validated with --state; "STATE" in NAME.out
# stands for it), where STATE/bundles/out is a symbolic link out of it.
st=$tmp/state
mkdir -p "$st/projects" "$st/bundles"
ln -s "$tmp" "$st/bundles/out"
for f in state/*.yaml; do
	name=${f%.yaml}
	cp "$f" "$st/projects/"
	out=$(timeout 60 "$bin" --state "$st" validate "$st/projects/${f#state/}" 2>&1)
	rc=$?
	got=$(printf 'exit %s\n%s' "$rc" "$out" | sed "s|$(realpath "$st")|STATE|g; s|$tmp|TMP|g")
	if [ "${UPDATE:-0}" = 1 ]; then
		printf '%s\n' "$got" >"$name.out"
	fi
	if [ "$got" = "$(cat "$name.out" 2>/dev/null)" ]; then
		ok "case $name"
	else
		not_ok "case $name"
		diff "$name.out" <(printf '%s\n' "$got") | head -n 20 | sed 's/^/    /'
	fi
done
cd "$root"

# ---- every example validates, and the lab example matches what lab-up writes
for f in inventory/examples/*.yaml; do
	out=$("$bin" validate "$f" 2>&1)
	rc=$?
	if [ "$rc" = 0 ] && ! grep -q warning <<<"$out"; then ok "example $f is valid"
	else not_ok "example $f is valid (exit $rc): $out"; fi
done

# ---- hostile input: exit 2, an exact message, no sanitizer report, no hang
cd "$tmp"
: >empty.yaml
check "empty file" 2 "empty.yaml:1:1: error: the file is empty; a project needs at least 'name', 'hosts', 'network' and 'components'
empty.yaml: 1 error, 0 warnings" "$bin" validate empty.yaml

printf 'name: a\n\0b: c\n' >nul.yaml
check "NUL byte" 2 "nul.yaml:2:1: error: not valid YAML: control characters are not allowed (byte 0x00)
nul.yaml: 1 error, 0 warnings" "$bin" validate nul.yaml

printf 'name: caf\xe9\n' >latin1.yaml
check "invalid UTF-8" 2 "latin1.yaml:1:10: error: not valid YAML: incomplete UTF-8 octet sequence
latin1.yaml: 1 error, 0 warnings" "$bin" validate latin1.yaml

printf '\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00' >garbage.yaml
check "binary garbage" 2 "garbage.yaml:1:1: error: not valid YAML: control characters are not allowed (byte 0x7f)
garbage.yaml: 1 error, 0 warnings" "$bin" validate garbage.yaml

printf 'name: a\nhosts:\n\t- name: b\n' >tabs.yaml
check "tab indentation" 2 "tabs.yaml:3:1: error: tab character where YAML allows only spaces; indent with spaces
tabs.yaml: 1 error, 0 warnings" "$bin" validate tabs.yaml

printf 'name: "lab\nhosts: []\n' >quote.yaml
check "unclosed quote" 2 "quote.yaml:3:1: error: not valid YAML: found unexpected end of stream (while scanning a quoted scalar at 1:7)
quote.yaml: 1 error, 0 warnings" "$bin" validate quote.yaml

printf 'name: a\nhosts: []\nname: b\n' >dupkey.yaml
check "duplicate key" 2 "dupkey.yaml:3:1: error: duplicate key 'name' (first defined at 1:1)
dupkey.yaml: 1 error, 0 warnings" "$bin" validate dupkey.yaml

printf 'name: a\nhosts: 42\nnetwork: {host_cidrs: [10.0.0.0/24]}\ncomponents: {base: {}}\n' >type.yaml
check "wrong type (hosts: 42)" 2 "type.yaml:2:8: error: 'hosts': expected a list of hosts, found '42'
type.yaml: 1 error, 0 warnings" "$bin" validate type.yaml

{
	echo 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
	prev=a
	for n in b c d e f g h i j; do
		echo "$n: &$n [*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev]"
		prev=$n
	done
} >bomb.yaml
check "alias bomb (billion laughs)" 2 "bomb.yaml:7:8: error: aliases expand to more than 1000000 nodes; a project file needs far fewer
bomb.yaml: 1 error, 0 warnings" "$bin" validate bomb.yaml

python3 -c 'print("[" * 10000 + "]" * 10000)' >deep.yaml
check "10,000-deep nesting" 2 "deep.yaml:1:65: error: nesting is deeper than 64 levels; a project file needs far fewer
deep.yaml: 1 error, 0 warnings" "$bin" validate deep.yaml

python3 -c 'import sys; sys.stdout.write("a" * (50 << 20))' >big.yaml
check "50 MB file" 2 "big.yaml: error: file is 52428800 bytes; the limit is 4194304 bytes (4 MiB)
big.yaml: 1 error, 0 warnings" "$bin" validate big.yaml
rm -f big.yaml

check "50 MB on a pipe" 2 "/dev/stdin: error: file is larger than the limit of 4194304 bytes (4 MiB)
/dev/stdin: 1 error, 0 warnings" bash -c "head -c 52428800 /dev/zero | '$bin' validate /dev/stdin"

mkdir adir
check "a directory" 2 "adir: error: is a directory; expected a YAML file
adir: 1 error, 0 warnings" "$bin" validate adir
check "a missing file" 2 "nope.yaml: error: cannot open: No such file or directory
nope.yaml: 1 error, 0 warnings" "$bin" validate nope.yaml

{
	echo 'name: many'
	echo 'hosts:'
	for i in $(seq 1 3000); do echo "  - {name: h$i, address: 10.1.$((i / 250)).$((i % 250 + 1)), rols: [worker]}"; done
	echo 'network: {host_cidrs: [10.1.0.0/16]}'
	echo 'components: {base: {}}'
} >many.yaml
out=$(timeout 60 "$bin" validate many.yaml 2>&1); rc=$?
if [ $rc = 2 ] && grep -q '^many.yaml: 6000 errors, 0 warnings$' <<<"$out" &&
	grep -q '^hnsp-installer: 5000 more problems not shown$' <<<"$out"; then
	ok "6,000 errors are counted, 1,000 shown"
else
	not_ok "6,000 errors are counted, 1,000 shown (exit $rc): $(tail -n 2 <<<"$out")"
fi
cd "$root"

# ---- the command line
check "no command: usage, exit 2" 2 "$("$bin" --help)" "$bin"
check "--version" 0 "hnsp-installer 0.1.0" "$bin" --version
check "unknown command" 2 "hnsp-installer: unknown command 'vaildate'; did you mean 'validate'?" "$bin" vaildate x
check "validate without a file" 2 "hnsp-installer validate: missing the project file
usage: hnsp-installer validate PROJECT" "$bin" validate
check "plan with an unknown option" 2 "hnsp-installer plan: unknown option '--jsn'
usage: hnsp-installer plan PROJECT [--json]" "$bin" plan --jsn inventory/examples/lab.yaml
out=$("$bin" plan --help); rc=$?
if [ $rc = 0 ] && grep -q -- '--json' <<<"$out"; then ok "plan --help"; else not_ok "plan --help"; fi

# Colour only on a terminal, never with NO_COLOR.
colored=$(NO_COLOR= script -qec "'$bin' validate tests/cli/cases/warnings.yaml" /dev/null 2>&1)
plain=$(NO_COLOR=1 script -qec "'$bin' validate tests/cli/cases/warnings.yaml" /dev/null 2>&1)
piped=$(NO_COLOR= "$bin" validate tests/cli/cases/warnings.yaml 2>&1)
esc=$(printf '\033')
if [[ $colored == *"$esc["* ]] && [[ $plain != *"$esc"* ]] && [[ $piped != *"$esc"* ]]; then
	ok "colour on a terminal only, and never with NO_COLOR"
else
	not_ok "colour on a terminal only, and never with NO_COLOR"
fi

# ---- plan: dependency order in --json
order=$("$bin" plan --json inventory/examples/production.yaml | python3 -c '
import json, sys
plan = json.load(sys.stdin)
print(" ".join(p["component"] for p in plan["phases"]))')
before() { # before A B: A is listed before B in $order
	local a b i=0 ia=-1 ib=-1
	for c in $order; do [ "$c" = "$1" ] && ia=$i; [ "$c" = "$2" ] && ib=$i; i=$((i + 1)); done
	[ $ia -ge 0 ] && [ $ib -ge 0 ] && [ $ia -lt $ib ]
}
for pair in "etcd kubernetes" "kubernetes metallb" "kubernetes storage" \
	"kubernetes hnsp-controllers" "artefacts base" "base etcd" "api-lb kubernetes" "cni multus" \
	"metallb ingress" "storage kubevirt"; do
	if before $pair; then ok "plan: ${pair% *} before ${pair#* }"
	else not_ok "plan: ${pair% *} before ${pair#* } (order: $order)"; fi
done
if [ "${order##* }" = verify ]; then ok "plan: verify last"; else not_ok "plan: verify last ($order)"; fi

json=$("$bin" plan --json inventory/examples/small.yaml)
if python3 - "$json" <<'PY'
import json, sys
plan = json.loads(sys.argv[1])
phases = {p["component"]: p for p in plan["phases"]}
assert set(plan) >= {"phases"}, plan
assert "api-lb" not in phases, "api-lb is only for HA"
assert phases["etcd"]["reason"] == "needed by kubernetes", phases["etcd"]
assert phases["kubernetes"]["reason"] == "selected"
assert phases["etcd"]["hosts"] == ["master1"], phases["etcd"]
assert phases["etcd"]["playbook"] == "playbooks/etcd.yml"
assert phases["base"]["hosts"] == ["master1", "worker1", "worker2"]
PY
then ok "plan --json: reasons, hosts, playbooks, no api-lb without HA"
else not_ok "plan --json: reasons, hosts, playbooks, no api-lb without HA"; fi

# A broken catalog: a cycle and a missing component are errors with positions.
mkdir -p "$tmp/data/playbooks"
cat >"$tmp/data/playbooks/catalog.yaml" <<'YAML'
roles:
  - {name: master, description: m}
components:
  - {id: base, description: b, playbook: base.yml, hosts: [all], depends: [verify]}
  - {id: verify, description: v, playbook: verify.yml, hosts: [master], depends: [base, nosuch]}
YAML
check "catalog: cycle and unknown dependency" 2 "$tmp/data/playbooks/catalog.yaml:5:5: error: dependency cycle: base -> verify -> base
$tmp/data/playbooks/catalog.yaml:5:89: error: 'components.verify.depends': unknown component 'nosuch'
$tmp/data/playbooks/catalog.yaml: 2 errors, 0 warnings" env HNSP_DATA_DIR="$tmp/data" "$bin" plan inventory/examples/small.yaml

# A catalog that would hand a project a variable it must never set.
cat >"$tmp/data/playbooks/catalog.yaml" <<'YAML'
roles:
  - {name: master, description: m}
components:
  - {id: base, description: b, playbook: base.yml, hosts: [all]}
tunables:
  - {role: base, vars: [base_x, ansible_connection, etcd_y]}
  - {role: pki, installer_host: true, vars: [pki_dir]}
YAML
check "catalog: tunables must be the role's own, and none for an installer-host role" 2 "$tmp/data/playbooks/catalog.yaml:6:33: error: 'tunables.base.vars': 'ansible_connection' is not named base_*
$tmp/data/playbooks/catalog.yaml:6:53: error: 'tunables.base.vars': 'etcd_y' is not named base_*
$tmp/data/playbooks/catalog.yaml:7:45: error: 'tunables.pki.vars': a role whose plays run on the installer host has no tunables
$tmp/data/playbooks/catalog.yaml: 3 errors, 0 warnings" env HNSP_DATA_DIR="$tmp/data" "$bin" plan inventory/examples/small.yaml

# make install: the binary, catalog, playbooks, roles and docs land under PREFIX.
if make -s install DESTDIR="$tmp/root" PREFIX=/usr/local >"$tmp/install.log" 2>&1 &&
	[ -f "$tmp/root/usr/local/share/hnsp-installer/docs/project-file.md" ] &&
	HNSP_DATA_DIR="$tmp/root/usr/local/share/hnsp-installer" \
		"$tmp/root/usr/local/bin/hnsp-installer" validate inventory/examples/small.yaml >/dev/null
then ok "make install DESTDIR=...: the installed binary validates with the installed catalog"
else not_ok "make install: $(tail -n 3 "$tmp/install.log")"; fi

echo "cli: $passed passed, $failed failed"

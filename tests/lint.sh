#!/usr/bin/env bash
# tests/lint.sh: yamllint and ansible-lint (production profile) on playbooks/
# and roles/, ansible-playbook --syntax-check of every component playbook, and
# the catalog's list of role tunables against the roles themselves.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

out=$(yamllint -s playbooks roles 2>&1)
verdict "yamllint passes on playbooks/ and roles/"
[ -n "$out" ] && echo "$out" | head -20

# The same settings reject what they should: the check can fail.
printf -- '---\nkey: yes\nother:  [ 1,2 ]\n' >"$tmp/bad.yml"
! yamllint -s -c .yamllint "$tmp/bad.yml" >/dev/null 2>&1
verdict "yamllint rejects a planted bad file"

out=$(ansible-lint -q -p playbooks roles 2>&1)
verdict "ansible-lint (production profile) passes on playbooks/ and roles/"
[ -n "$out" ] && echo "$out" | head -20

bad=0
for pb in playbooks/*.yml; do
	if ! o=$(ANSIBLE_ROLES_PATH=roles ansible-playbook --syntax-check -i localhost, "$pb" 2>&1); then
		echo "    $pb: $(tail -n 3 <<<"$o")"
		bad=1
	fi
done
[ $bad = 0 ]
verdict "every playbook passes ansible-playbook --syntax-check"

# tunables ROOT: the catalog's tunables are exactly the roles' defaults (and
# docs/project-file.md lists them), and the roles it marks installer_host are
# exactly those that run on the installer host (a play on localhost, or a task
# delegated there).
tunables() {
	python3 - "$1" <<'PY'
import glob, os, sys, yaml
root = sys.argv[1]
cat = yaml.safe_load(open(f"{root}/playbooks/catalog.yaml"))
listed = {t["role"]: t for t in cat.get("tunables", [])}
problems = []
local = set()
for pb in glob.glob(f"{root}/playbooks/*.yml"):
    for play in yaml.safe_load(open(pb)) or []:
        if str(play.get("hosts")) in ("localhost", "127.0.0.1") or play.get("connection") == "local":
            local |= {r["role"] if isinstance(r, dict) else r for r in play.get("roles", [])}
for role in sorted(os.listdir(f"{root}/roles")):
    if not os.path.isdir(f"{root}/roles/{role}"):
        continue
    for f in glob.glob(f"{root}/roles/{role}/*/*.yml"):
        if any(w in open(f).read() for w in ("delegate_to:", "local_action:", "connection: local")):
            local.add(role)
    path = f"{root}/roles/{role}/defaults/main.yml"
    defaults = set((yaml.safe_load(open(path)) or {}) if os.path.exists(path) else {})
    t = listed.pop(role, None)
    if t is None:
        problems.append(f"role {role} is missing from the catalog's tunables")
    elif bool(t.get("installer_host")) != (role in local):
        problems.append(f"role {role}: installer_host is {bool(t.get('installer_host'))}, but it "
                        f"{'runs' if role in local else 'does not run'} on the installer host")
    elif not t.get("installer_host") and set(t.get("vars", [])) != defaults:
        problems.append(f"role {role}: the catalog lists {sorted(set(t.get('vars', [])) - defaults)} "
                        f"that its defaults lack, and lacks {sorted(defaults - set(t.get('vars', [])))}")
problems += [f"the catalog lists tunables of {r}, which is no role" for r in listed]
if os.path.exists(f"{root}/docs/project-file.md"):
    doc = open(f"{root}/docs/project-file.md").read()
    problems += [f"docs/project-file.md does not list {v}" for t in cat.get("tunables", [])
                 for v in t.get("vars", []) if f"`{v}`" not in doc]
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
}
out=$(tunables . 2>&1)
verdict "the catalog's tunables are the roles' defaults, and installer_host the roles that run on it"
[ -n "$out" ] && echo "$out" | sed 's/^/    /'

# The same check catches a drift: a new default, and a role moved to localhost.
for d in default play; do
	mkdir -p "$tmp/$d" && cp -r playbooks roles "$tmp/$d/"
done
echo 'etcd_new_knob: 1' >>"$tmp/default/roles/etcd/defaults/main.yml"
sed -i 's/^  hosts: etcd$/  hosts: localhost/' "$tmp/play/playbooks/etcd.yml"
has "$(tunables "$tmp/default" 2>&1)" "lacks \['etcd_new_knob'\]" &&
	has "$(tunables "$tmp/play" 2>&1)" "role etcd: installer_host is False, but it runs on the installer host"
verdict "the tunables check catches a default missing from the catalog and a role moved to the installer host"

echo "lint: $passed passed, $failed failed"

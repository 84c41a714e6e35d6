#!/usr/bin/env bash
# tests/apply/remote.sh: the remote runner gives the same events as the local one.
#
# Installs ansible-core on master1 from Debian packages fetched here and pushed
# there (the lab has no route out: this is what an offline bundle does), then
# applies the test catalog once with the local runner and once with
# --runner remote:master1 and a PATH without Ansible, and compares the events.
set -u
cd "$(dirname "$0")/../.."
root=$PWD
bin=$root/build/hnsp-installer-asan
lab=tests/lab/lab.sh
. tests/lib.sh
tmp=$(mktemp -d)
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT

if ! timeout 600 "$lab" up >"$tmp/up.log" 2>&1; then
	not_ok "lab up: $(tail -n 3 "$tmp/up.log")"
	echo "remote: $passed passed, $failed failed"
	exit 0
fi
lab_project=build/lab/project.yaml

# ---- ansible-core on master1, from packages pushed there
"$lab" exec master1 cat /var/lib/dpkg/status >"$tmp/status"
mapfile -t pkgs < <(apt-get -o Dir::State::status="$tmp/status" -s install --no-install-recommends ansible-core 2>/dev/null |
	awk '/^Inst/ {print $2}')
mkdir -p "$tmp/debs"
if [ ${#pkgs[@]} -gt 0 ]; then # none when an earlier run installed it
	(cd "$tmp/debs" && apt-get download "${pkgs[@]}" >/dev/null 2>&1)
	"$root/build/hnsp-installer" push "$lab_project" --hosts master1 "$tmp/debs" /root/hnsp-debs >/dev/null 2>&1
	"$root/build/hnsp-installer" exec "$lab_project" --hosts master1 -- \
		sh -c 'dpkg -i /root/hnsp-debs/*.deb' >"$tmp/install.log" 2>&1
fi
"$root/build/hnsp-installer" exec "$lab_project" --hosts master1 -- sh -c 'command -v ansible-playbook' 2>&1 |
	grep -q "^/usr/bin/ansible-playbook"
verdict "ansible-core installed on master1 from ${#pkgs[@]} pushed packages"

# ---- the same run, locally and through master1
d=$tmp/data
mkdir -p "$d/playbooks" "$d/roles"
sed "s/VERIFY_PLAYBOOK/fail.yml/" tests/apply/catalog.yaml >"$d/playbooks/catalog.yaml"
cp tests/apply/playbooks/*.yml "$d/playbooks/"
cp -r playbooks/callback_plugins "$d/playbooks/"
cat >"$tmp/t.yaml" <<YAML
name: remote-test
ssh:
  key_file: $root/build/lab/id_ed25519
  known_hosts: $root/build/lab/known_hosts
  host_key_policy: strict
hosts:
  - {name: master1, address: 10.77.0.11, roles: [master, etcd]}
  - {name: worker1, address: 10.77.0.14, roles: [worker]}
  - {name: worker2, address: 10.77.0.15, roles: [worker]}
network:
  host_cidrs: [10.77.0.0/24]
components:
  base: {}
  verify: {}
YAML
HNSP_DATA_DIR=$d timeout 300 "$bin" --state "$tmp/local" apply "$tmp/t.yaml" --yes --json >"$tmp/local.jsonl" 2>"$tmp/local.err"
rc_local=$?
mkdir -p "$tmp/nopath"
HNSP_DATA_DIR=$d PATH=$tmp/nopath /usr/bin/timeout 300 "$bin" --state "$tmp/remote" apply "$tmp/t.yaml" --yes --json \
	--runner remote:master1 >"$tmp/remote.jsonl" 2>"$tmp/remote.err"
rc_remote=$?
[ $rc_local = 1 ] && [ $rc_remote = 1 ]
verdict "both runs end the same way: the planted failure, exit 1 (local $rc_local, remote $rc_remote)"

same_events() {
	/usr/bin/python3 - "$tmp/local.jsonl" "$tmp/remote.jsonl" <<'PY'
import json, sys
def shape(path):
    seen = []
    for line in open(path):
        e = json.loads(line)
        if e["event"] in ("play_start", "task_start", "host_result", "phase_start", "phase_end", "stats"):
            seen.append((e["event"], e.get("component"), e.get("task"), e.get("host"), e.get("status"),
                         e.get("msg") if e["event"] == "host_result" and e.get("status") == "failed" else None))
    return sorted(seen, key=repr)
a, b = shape(sys.argv[1]), shape(sys.argv[2])
if a != b:
    print("local only:", [x for x in a if x not in b][:5]); print("remote only:", [x for x in b if x not in a][:5])
sys.exit(0 if a == b and a else 1)
PY
}
same_events
verdict "the remote runner's events equal the local runner's (plays, tasks, per-host results)"
grep -q "hnsp-test: planned failure" "$tmp"/remote/runs/*/phase-02-verify.log
verdict "the deployer's ansible log comes back into the phase log"
! "$root/build/hnsp-installer" exec "$lab_project" --hosts master1 -- \
	sh -c 'ls /var/lib/hnsp-installer/runs/*/id_key' >/dev/null 2>&1 &&
	! grep -rlq "PRIVATE KEY" "$tmp/remote"
verdict "the key's copies are gone: none on the deployer, none in the journal"
"$root/build/hnsp-installer" exec "$lab_project" --hosts master1 -- sh -c 'rm -rf /root/hnsp-debs /var/lib/hnsp-installer' >/dev/null 2>&1
echo "remote: $passed passed, $failed failed"

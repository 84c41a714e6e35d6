#!/usr/bin/env bash
# tests/host/run.sh: the platform's host layer, installed for real on a fresh
# default lab (3 masters, 5 workers, 1 registry), air-gapped, from the bundle.
#
# A bundle missing a package is refused before anything changes; the full
# apply succeeds; a second apply changes nothing; verify passes; the fault
# test stops the master holding the VIP and sees the VIP move, etcd keep
# quorum and the master rejoin; with the registry host stopped, verify names
# the failing checks and exits 1.  Prints the apply times for
# docs/benchmarks.md.
set -u
cd "$(dirname "$0")/../.."
root=$PWD
bin=$root/build/hnsp-installer-asan
lab=tests/lab/lab.sh
. tests/lib.sh
tmp=$(mktemp -d)
state=$tmp/state
project=build/lab/project.yaml
cleanup() {
	"$lab" start registry1 >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
hi() { timeout 1800 "$bin" --state "$state" "$@"; }
py() { /usr/bin/python3 -c "$@"; }
finish() {
	echo "host: $passed passed, $failed failed"
	exit 0
}

# A fresh lab: nothing of an earlier run on the hosts.
"$lab" down >/dev/null 2>&1
if ! timeout 900 "$lab" up >"$tmp/up.log" 2>&1; then
	not_ok "lab up: $(tail -n 3 "$tmp/up.log")"
	finish
fi

# ---- the bundle
start=$SECONDS
out=$(hi bundle "$project" 2>&1); rc=$?
echo "    bundle built in $((SECONDS - start)) s"
[ $rc = 0 ] && has "$out" "^bundle .*: [0-9]* packages, 6 binaries, 1 images" &&
	has "$out" "^  etcd  *3\.4\.[0-9]*  *debian package etcd-server" &&
	[ -s build/lab/bundle/manifest.json ] && [ -s build/lab/bundle/apt/Packages ]
verdict "bundle: packages, binaries with their versions, the test image, a manifest"
[ $rc = 0 ] || echo "$out" | tail -n 5
py "
import hashlib, json, os, sys
m = json.load(open('build/lab/bundle/manifest.json'))
for rel, f in m['files'].items():
    p = os.path.join('build/lab/bundle', rel)
    if hashlib.sha256(open(p, 'rb').read()).hexdigest() != f['sha256'] or os.path.getsize(p) != f['size']:
        sys.exit('bad: ' + rel)
assert {b['name'] for b in m['binaries']} == {'etcd', 'etcdctl', 'containerd', 'containerd-shim-runc-v2', 'ctr', 'runc'}
assert all(b['version'] for b in m['binaries'])
assert any(p['name'] == 'haproxy' for p in m['packages'])
"
verdict "the manifest's SHA-256 and size match every file, and it names each binary's version"

# A data directory whose catalog wants a package no source offers.
mkdir -p "$tmp/data/playbooks"
ln -s "$root/roles" "$tmp/data/roles"
sed 's/packages: \[keepalived, haproxy\]/packages: [keepalived, haproxy, hnsp-no-such-package]/' \
	playbooks/catalog.yaml >"$tmp/data/playbooks/catalog.yaml"
ln -s "$root/playbooks/tools" "$tmp/data/playbooks/tools"
out=$(HNSP_DATA_DIR=$tmp/data hi bundle "$project" -o "$tmp/nobundle" 2>&1); rc=$?
[ $rc = 1 ] && has "$out" "component api-lb: package hnsp-no-such-package: no package source offers it" &&
	[ ! -e "$tmp/nobundle" ]
verdict "bundle: a package without a source is named with its component, nothing is written"

# A bundle that lost a package: refused before any host is touched.
cp -al build/lab/bundle "$tmp/bundle"
rm -f "$tmp"/bundle/apt/haproxy_*.deb
sed "s|^  bundle: bundle|  bundle: $tmp/bundle|" "$project" >build/lab/broken.yaml
out=$(hi apply build/lab/broken.yaml --yes 2>&1); rc=$?
runs=$(ls -A "$state/runs" 2>/dev/null | wc -l)
"$lab" exec master1 test -e /var/lib/hnsp-installer/bundle; pushed=$?
[ $rc = 2 ] && has "$out" "offline bundle $tmp/bundle is missing apt/haproxy_.*\.deb" &&
	[ "$runs" = 0 ] && [ $pushed = 1 ]
verdict "apply with a bundle missing a package: exit 2, names the file, no run, no host changed"
rm -f build/lab/broken.yaml

# ---- the full host layer
start=$SECONDS
hi apply "$project" --yes >"$tmp/apply1.log" 2>&1; rc=$?
first=$((SECONDS - start))
echo "    first apply: $first s"
[ $rc = 0 ] && has "$(cat "$tmp/apply1.log")" "^run .*: succeeded"
verdict "the full host-layer apply on the default lab succeeds"
[ $rc = 0 ] || tail -n 30 "$tmp/apply1.log"
grep -E "^phase [0-9]+/[0-9]+ .*: succeeded in" "$tmp/apply1.log" | sed 's/^/    /'

start=$SECONDS
hi apply "$project" --yes --json >"$tmp/apply2.jsonl" 2>"$tmp/apply2.err"; rc=$?
second=$((SECONDS - start))
echo "    second apply: $second s"
changed=$(py "
import json
n = 0
for line in open('$tmp/apply2.jsonl'):
    e = json.loads(line)
    if e.get('event') == 'host_result' and e.get('status') == 'changed':
        n += 1
        print('    changed:', e['host'], e['task'])
print(n)
")
echo "$changed" | head -n -1
[ $rc = 0 ] && [ "$(tail -n 1 <<<"$changed")" = 0 ]
verdict "a second apply succeeds and changes nothing (0 changed tasks)"

# ---- verify
out=$(hi verify "$project" 2>&1); rc=$?
echo "$out" | sed 's/^/    /'
[ $rc = 0 ] && [ "$(grep -c ' pass ' <<<"$out")" = 9 ] && has "$out" "^verified: 9 checks, 0 failed"
verdict "verify: all 9 checks pass (exit 0)"
json=$(hi verify "$project" --json 2>&1)
py "
import json, sys
d = json.loads(sys.argv[1])
assert d['ok'] is True
names = {(c['component'], c['name']) for c in d['checks']}
assert ('etcd', 'members') in names and ('api-lb', 'vip-holder') in names, names
assert all(c['status'] == 'pass' for c in d['checks'])
" "$json"
verdict "verify --json: ok true, a status per component check"

# ---- a master failure
out=$(hi verify "$project" --fault-test --stop-with "$root/$lab stop" --start-with "$root/$lab start" 2>&1); rc=$?
grep "^fault-test" <<<"$out" | sed 's/^/    /'
[ $rc = 0 ] && has "$out" "^fault-test  *vip-moves  *pass" && has "$out" "^fault-test  *etcd-quorum  *pass" &&
	has "$out" "^fault-test  *rejoin  *pass"
verdict "fault test: the VIP moves, etcd keeps quorum and takes a write, the master rejoins"
[ $rc = 0 ] || echo "$out" | tail -n 8

# ---- the registry host down
"$lab" stop registry1 >/dev/null 2>&1
out=$(hi verify "$project" 2>&1); rc=$?
[ $rc = 1 ] && has "$out" "^registry  *catalog  *fail .*registry1" &&
	has "$out" "^container-runtime  *pull  *fail" && has "$out" "^NOT verified"
verdict "with the registry host stopped, verify names the failing checks and exits 1"
[ $rc = 1 ] || echo "$out"
"$lab" start registry1 >/dev/null 2>&1

echo "    host-layer apply on the default lab: first ${first} s, second (no change) ${second} s"
finish

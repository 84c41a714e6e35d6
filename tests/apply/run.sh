#!/usr/bin/env bash
# tests/apply/run.sh: the engine and `apply` on real lab hosts with real Ansible.
#
# The components of a test catalog (tests/apply/catalog.yaml) run the test
# playbooks, so a run takes seconds: success with per-host counts, a failure
# with its root cause, SIGKILL then --resume, a second apply refused, Ctrl-C,
# --only/--from, runs log --follow, and a planted secret that must appear
# nowhere.  Uses the default lab (brought up if needed; left up for the next suite).
set -u
cd "$(dirname "$0")/../.."
root=$PWD
bin=$root/build/hnsp-installer-asan
lab=tests/lab/lab.sh
. tests/lib.sh
tmp=$(mktemp -d)
state=$tmp/state
cleanup() {
	pkill -f "hnsp-installer-asan --state $state" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

py() { /usr/bin/python3 -c "$@"; }

if ! timeout 600 "$lab" up >"$tmp/up.log" 2>&1; then
	not_ok "lab up: $(tail -n 3 "$tmp/up.log")"
	echo "apply: $passed passed, $failed failed"
	exit 0
fi

# A data directory: the test catalog, the test playbooks, our callback plugin.
datadir() { # NAME VERIFY-PLAYBOOK
	local d=$tmp/$1
	mkdir -p "$d/playbooks" "$d/roles"
	sed "s/VERIFY_PLAYBOOK/$2/" tests/apply/catalog.yaml >"$d/playbooks/catalog.yaml"
	ln -sf "$root"/tests/apply/playbooks/*.yml "$d/playbooks/"
	ln -sfn "$root/playbooks/callback_plugins" "$d/playbooks/callback_plugins"
	echo "$d"
}
good=$(datadir good ok.yml)
bad=$(datadir bad fail.yml)
project=$tmp/t.yaml
cat >"$project" <<YAML
name: apply-test
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
  etcd: {}
  verify: {}
YAML
apply() { HNSP_DATA_DIR=$1 timeout 300 "$bin" --state "$state" apply "$project" "${@:2}"; }
newest() { ls -1t "$state/runs" | head -n 1; }
summary() { py "import json; d=json.load(open('$state/runs/$1/summary.json')); print($2)"; }
events() { py "import json; ev=[json.loads(l) for l in open('$state/runs/$1/events.jsonl')]; print($2)"; }

# ---- a run that succeeds: per-host counts in summary.json match the events
out=$(apply "$good" --yes 2>&1); rc=$?
run=$(newest)
[ $rc = 0 ] && has "$out" "run $run: succeeded in .*journal: $state/runs/$run"
verdict "apply --yes succeeds (exit 0) and names the journal"
[ "$(summary "$run" "d['state'], [(p['component'], p['status']) for p in d['phases']]")" = \
	"succeeded [('base', 'succeeded'), ('etcd', 'succeeded'), ('verify', 'succeeded')]" ]
verdict "summary.json: state succeeded, phases base etcd verify succeeded"
counts_match() { # RUN: summary.json's per-host counts equal a count of the events
	/usr/bin/python3 - "$state/runs/$1" <<'PY'
import json, sys, collections
run = sys.argv[1]
summary = json.load(open(run + "/summary.json"))
counted = collections.defaultdict(collections.Counter)
for line in open(run + "/events.jsonl"):
    e = json.loads(line)
    if e["event"] == "host_result":
        counted[(e["component"], e["host"])][e["status"]] += 1
recorded = {(p["component"], h): collections.Counter({k: v for k, v in c.items() if v})
            for p in summary["phases"] for h, c in p["results"].items()}
sys.exit(0 if recorded == dict(counted) and recorded else 1)
PY
}
counts_match "$run"
verdict "summary.json per-host counts equal the host_result events"
[ "$(summary "$run" "sorted((h, c['ok']) for h, c in d['phases'][1]['results'].items())")" = \
	"[('master1', 3), ('worker1', 3), ('worker2', 3)]" ]
verdict "slow phase: 3 hosts x 3 tasks ok"
[ "$(events "$run" "ev[0]['event'], ev[-1]['event'], ev[-1]['status']")" = "run_start run_end succeeded" ]
verdict "events.jsonl: every line is JSON, run_start first, run_end last"
test -f "$state/runs/$run/project.yaml" -a -f "$state/runs/$run/inventory.json" -a \
	-f "$state/runs/$run/ansible.cfg" -a -f "$state/runs/$run/phase-02-etcd.log"
verdict "the journal keeps the project, inventory, ansible.cfg and one log per phase"

# ---- a failing task: root cause and exit 1
out=$(apply "$bad" --yes 2>&1); rc=$?
run=$(newest)
[ $rc = 1 ] && has "$out" "^  worker1 failed: Apply test | Fail on one host" &&
	has "$out" "hnsp-test: planned failure" &&
	has "$out" "full log: $state/runs/$run/phase-03-verify.log" &&
	grep -q "planned failure" "$state/runs/$run/phase-03-verify.log"
verdict "a failed task: exit 1, the host, the task, its stderr and the log's path"
[ "$(summary "$run" "d['state'], d['phases'][2]['status'], d['phases'][2]['failures'][0]['host']")" = "failed failed worker1" ]
verdict "summary.json records the failure"
out=$("$bin" --state "$state" runs show "$run" 2>&1)
has "$out" "verify .*failed" && has "$out" "worker1 failed: Apply test | Fail on one host"
verdict "runs show names the failed phase and its cause"

# ---- --resume after the fix continues from the failed phase
out=$(apply "$good" --yes --resume 2>&1); rc=$?
[ $rc = 0 ] && has "$out" "phase 1 base: skipped, completed earlier in this run" &&
	has "$out" "phase 2 etcd: skipped, completed earlier in this run" && [ "$(newest)" = "$run" ]
verdict "--resume runs only the failed phase and succeeds"

# ---- SIGKILL in the middle, then --resume: completed phases are not repeated
before=$(newest)
HNSP_DATA_DIR=$good "$bin" --state "$state" apply "$project" --yes >"$tmp/killed.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
	run=$(newest 2>/dev/null)
	[ "$run" != "$before" ] &&
		grep -q '"task": *"Apply test | Sleep 1"\|"task":"Apply test | Sleep 1"' "$state/runs/$run/events.jsonl" 2>/dev/null && break
	sleep 0.2
done
kill -KILL $pid
wait $pid 2>/dev/null
# ansible-playbook gets SIGTERM when we die; its workers end with their task.
for _ in $(seq 1 75); do pgrep -f "$good/playbooks/slow.yml" >/dev/null || break; sleep 0.2; done
[ "$(summary "$run" "d['state'], d['phases'][1]['status']")" = "running running" ] &&
	! pgrep -f "$good/playbooks/slow.yml" >/dev/null
verdict "after SIGKILL: the summary still says running, ansible-playbook is gone too"
out=$(apply "$good" --yes --resume 2>&1); rc=$?
[ $rc = 0 ] && [ "$(newest)" = "$run" ] &&
	[ "$(events "$run" "sum(1 for e in ev if e['event'] == 'phase_start' and e['component'] == 'base')")" = 1 ] &&
	[ "$(events "$run" "sum(1 for e in ev if e['event'] == 'phase_start' and e['component'] == 'etcd')")" = 2 ] &&
	[ "$(summary "$run" "d['state']")" = succeeded ]
verdict "--resume after SIGKILL finishes the same run without repeating base"

# ---- a second apply of the same project is refused while one runs; Ctrl-C stops cleanly
HNSP_DATA_DIR=$good "$bin" --state "$state" apply "$project" --yes --only etcd >"$tmp/first.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q "task 1" "$tmp/first.log" && break; sleep 0.2; done
run=$(newest)
out=$(apply "$good" --yes 2>&1); rc=$?
[ $rc = 2 ] && has "$out" "project 'apply-test' is being applied by another hnsp-installer (pid $pid)"
verdict "a concurrent apply is refused, naming the other process"
"$bin" --state "$state" runs log "$run" --follow >"$tmp/follow.log" 2>&1 &
follower=$!
kill -INT $pid
wait $pid; rc=$?
wait $follower
[ $rc = 1 ] && [ "$(summary "$run" "d['state'], d['phases'][1]['status']")" = "interrupted interrupted" ] &&
	has "$(cat "$tmp/first.log")" "interrupted: resume with"
verdict "Ctrl-C: exit 1, the phase and the run are marked interrupted"
has "$(cat "$tmp/follow.log")" "^run $run: interrupted"
verdict "runs log --follow printed the live run and ended with it"

# ---- --only runs one phase, and the stale lock of a killed run is taken over
out=$(apply "$good" --yes --only base 2>&1); rc=$?
[ $rc = 0 ] && has "$out" "phase 2 etcd: skipped, not selected by --only" && has "$out" "phase 1/3 base: succeeded"
verdict "--only base: only base runs"

# ---- a planted secret (the sudo password) appears nowhere
secret="S3cr3t-$RANDOM-planted"
# Typed once the prompt shows, as a person would: typeahead is discarded when
# echo goes off, so the test waits for the prompt however slow the machine.
mkfifo "$tmp/keys"
HNSP_DATA_DIR=$good script -qfec "timeout --foreground 300 '$bin' --state '$state' apply '$project' --yes --ask-become-pass" /dev/null \
	<"$tmp/keys" >"$tmp/pw.out" 2>&1 &
pid=$!
exec 7>"$tmp/keys"
for _ in $(seq 600); do grep -q "sudo password:" "$tmp/pw.out" && break; sleep 0.1; done
printf '%s\n' "$secret" >&7
wait $pid; rc=$?
exec 7>&-
out=$(cat "$tmp/pw.out")
run=$(newest)
[ $rc = 0 ] && has "$out" "succeeded"
verdict "a run with a sudo password given at the prompt succeeds" ||
	{ echo "# exit $rc; the terminal showed:"; sed "s/$secret/<SECRET>/g; s/^/#   /" <<<"$out" | tail -n 15; }
secret_absent() {
	! grep -q -- "$secret" <<<"$out" && ! grep -rq -- "$secret" "$state" &&
		[ ! -e "$state/runs/$run/.become" ]
}
secret_absent
verdict "the secret is in no output, event, summary, log or file of the run"

echo "apply: $passed passed, $failed failed"

#!/usr/bin/env bash
# tests/apply/test_callback.sh: the hnsp_events callback plugin, end to end through ansible-playbook.
#
# Runs the test playbooks (tests/apply/playbooks) with the plugin enabled and the event channel
# on an inherited fd, as the engine will, and checks the events: order and per-host counts
# against Ansible's own stats, a failing host's msg/rc/stderr, tasks_total, loops folded into
# one result, handlers, no trace of a no_log secret, and the plugin's behaviour when the fd is
# missing, closed, read-only or its reader goes away.  Runs once on two local hosts
# (ansible_connection=local, always available) and once on the real lab hosts over SSH when
# the lab is up; this script never starts or stops the lab (its owner does).
set -u
cd "$(dirname "$0")/../.."
root=$PWD
py=/usr/bin/python3   # the Python that has ansible; the pyenv python3 on PATH has not
books=$root/tests/apply/playbooks
lab=tests/lab/lab.sh
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=0
export PYTHONDONTWRITEBYTECODE=1   # no __pycache__ left in the plugin directory
unset HNSP_EVENTS_FD
passed=0 failed=0
tmp=$(mktemp -d)
trap '[ -n "${KEEP_TMP:-}" ] && echo "# kept $tmp" || rm -rf "$tmp"' EXIT

ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1"; failed=$((failed + 1)); }
# expect DESC CONDITION-COMMAND...: ok when the command succeeds.
expect() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
# CONDITION...; is DESC: ok when the condition list just run succeeded (for lists with && and !).
is() { if [ $? = 0 ]; then ok "$1"; else not_ok "$1"; fi; }
# checks PREFIX CHECK-ARGS...: runs check.py, counting the ok/not ok lines it prints; a checker
# that dies without saying anything is a failure too.
checks() {
	local prefix=$1 line seen=0
	shift
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "$prefix: ${line#ok - }" ;;
		"not ok - "*) not_ok "$prefix: ${line#not ok - }" ;;
		*) echo "# $line" ;;
		esac
		seen=1
	done < <("$py" "$tmp/check.py" "$@" 2>&1)
	[ $seen = 1 ] || not_ok "$prefix: the checker printed nothing"
}

# The checker: reads an events file, prints one "ok - " / "not ok - " line per assertion.
cat >"$tmp/check.py" <<'EOF'
import json, sys

mode, path = sys.argv[1], sys.argv[2]
args = sys.argv[3:]

def say(good, desc):
    print(('ok - ' if good else 'not ok - ') + desc)

with open(path, 'rb') as f:
    raw = f.read()
lines = raw.decode('utf-8').split('\n')
say(lines[-1] == '', 'the channel ends with a complete line')
events = []
bad = 0
for ln in lines[:-1]:
    try:
        e = json.loads(ln)
        assert isinstance(e, dict) and isinstance(e['event'], str) and isinstance(e['ts'], float)
        events.append(e)
    except Exception:
        bad += 1
say(bad == 0 and events, '%d lines, each one JSON object with "event" and a float "ts"' % len(events))
say(all(a['ts'] <= b['ts'] for a, b in zip(events, events[1:])), 'timestamps never go back')
kinds = [e['event'] for e in events]
say(kinds[:2] == ['playbook_start', 'play_start'] and kinds[-1] == 'stats' and kinds.count('stats') == 1,
    'playbook_start, play_start first, one stats last')

play = next((e for e in events if e['event'] == 'play_start'), {})
starts = [e for e in events if e['event'] == 'task_start']
hstarts = [e for e in events if e['event'] == 'handler_start']
results = [e for e in events if e['event'] == 'host_result']
stats = events[-1].get('hosts', {}) if events else {}
hosts = args[0].split(',') if args else []

# Every result follows the start of its task, and carries that task's name and index.
last = {}
order_ok = True
for e in events:
    if e['event'] in ('task_start', 'handler_start'):
        last[(e['event'] == 'handler_start', e['index'])] = e['task']
    elif e['event'] == 'host_result':
        order_ok &= last.get((e['handler'], e['index'])) == e['task']
say(order_ok and results, 'each host_result comes after its task_start, with the same task and index')
say([s['index'] for s in starts] == list(range(1, len(starts) + 1)), 'task indexes run 1..%d' % len(starts))
say(all(isinstance(s['path'], str) and ':' in s['path'] and s['action'] and s['play'] == play.get('play')
        for s in starts + hstarts), 'task starts carry play, action and file:line')
say(sorted(play.get('hosts', [])) == sorted(hosts), 'play_start lists the hosts %s' % ','.join(hosts))
say(all(isinstance(r['duration_ms'], int) and r['duration_ms'] >= 0 and isinstance(r['ignored'], bool)
        and isinstance(r['changed'], bool) and (r['changed'] == (r['status'] == 'changed') or r['status'] == 'failed')
        and (r['rc'] is None or isinstance(r['rc'], int))
        and r['status'] in ('ok', 'changed', 'failed', 'unreachable', 'skipped') for r in results),
    'host_result fields have their types')

# Per host, the results add up to Ansible's own recap (its "ok" counts changed results too).
def count(h, *st, ignored=None):
    return sum(1 for r in results if r['host'] == h and r['status'] in st
               and (ignored is None or r['ignored'] == ignored))
match = sorted(stats) == sorted(hosts)
for h in hosts:
    s = stats.get(h, {})
    match &= s.get('ok') == count(h, 'ok', 'changed') + count(h, 'failed', ignored=True)
    match &= s.get('changed') == count(h, 'changed') + sum(1 for r in results if r['host'] == h
                                                         and r['status'] == 'failed' and r['ignored'] and r['changed'])
    match &= s.get('failed', -1) + s.get('rescued', -1) == count(h, 'failed', ignored=False)
    match &= s.get('skipped') == count(h, 'skipped') and s.get('unreachable') == count(h, 'unreachable')
    match &= s.get('ignored') == count(h, 'failed', ignored=True)
say(match, 'per-host result counts match the stats event')
by = {}
for r in results:
    by.setdefault((r['host'], r['handler'], r['index']), []).append(r)
say(all(len(v) == 1 for v in by.values()), 'one host_result per host per task (loops folded)')

def result(h, task):
    return next((r for r in results if r['host'] == h and r['task'] == task), None)

if mode in ('ok', 'idempotent'):
    say(play.get('tasks_total') == len(starts) == 5, 'tasks_total %s = task_starts %d = 5'
        % (play.get('tasks_total'), len(starts)))
    say(all(count(h, 'ok', 'changed') == 5 for h in hosts), 'every host has 5 successful results')
    say(all(('written by hnsp-installer apply tests on %s' % h) in
            (result(h, 'Apply test | Read the file back') or {}).get('stdout_tail', '') for h in hosts),
        "each host's stdout_tail shows its file")
    loop = [result(h, 'Apply test | Create two subdirectories (a loop)') for h in hosts]
    say(all(r and r['msg'] == 'All items completed' for r in loop), 'a loop gives one result with its summary msg')
    if mode == 'idempotent':
        say(all(r['status'] != 'changed' for r in results), 'a second run changes nothing')

elif mode == 'fail':
    bad_host = args[1]
    fails = [r for r in results if r['status'] == 'failed']
    f = fails[0] if len(fails) == 1 else {}
    say(len(fails) == 1 and f['host'] == bad_host and f['task'] == 'Apply test | Fail on one host',
        'exactly one failure, on %s, task "Fail on one host"' % bad_host)
    say(f.get('msg') == 'non-zero return code' and f.get('rc') == 3 and not f.get('ignored'),
        'the failure says msg "non-zero return code", rc 3, not ignored')
    say(f.get('stderr_tail') == 'hnsp-test: planned failure' and f.get('stdout_tail') == '',
        'the failure carries its stderr tail')
    others = [h for h in hosts if h != bad_host]
    say(all((result(h, 'Apply test | Fail on one host') or {}).get('status') == 'skipped' and
            (result(h, 'Apply test | Run after the failure') or {}).get('status') == 'ok' for h in others),
        'the other hosts skip the failing task and run the next one')
    say(result(bad_host, 'Apply test | Run after the failure') is None, 'the failed host runs nothing after it')
    say(stats.get(bad_host, {}).get('failed') == 1, 'stats count the failure')
    say(play.get('tasks_total') == len(starts) == 3, 'tasks_total %s = task_starts %d = 3'
        % (play.get('tasks_total'), len(starts)))

elif mode == 'secret':
    hidden = [r for r in results if r['task'] in ('Apply test | Write the secret to a private file',
                                                  'Apply test | Echo the secret')]
    say(len(hidden) == 2 * len(hosts) and all(r['msg'] == '(output hidden by no_log)' and r['rc'] is None
        and r['stdout_tail'] == '' and r['stderr_tail'] == '' for r in hidden),
        'no_log results say only "(output hidden by no_log)"')
    say(all(r['status'] in ('ok', 'changed') for r in hidden), 'no_log results keep their status')

elif mode == 'total':
    want = int(args[1])
    say(play.get('tasks_total') == len(starts) == want, 'tasks_total %s = task_starts %d = %d'
        % (play.get('tasks_total'), len(starts), want))

elif mode == 'unreachable':
    dead = [r for r in results if r['host'] == 'ghost']
    say(len(dead) == 1 and dead[0]['status'] == 'unreachable' and dead[0]['task'] == 'Gathering Facts'
        and 'Connection refused' in dead[0]['msg'] and not dead[0]['ignored'],
        'the unreachable host: one result, its connection error as msg'
        + ('' if len(dead) == 1 and 'Connection refused' in dead[0]['msg'] else ' (got %r)' % dead))
    say(stats.get('ghost', {}).get('unreachable') == 1 and count('local1', 'ok', 'changed') == 5,
        'stats count it; the other host runs to the end')

elif mode == 'edge':
    h = hosts[0]
    loop = result(h, 'Edge | Loop with a failing item')
    say(loop and loop['status'] == 'failed' and loop['ignored'] and loop['rc'] == 4
        and loop['msg'] == 'non-zero return code' and 'item-out-4' in loop['stdout_tail'],
        'a failing loop: one result, ignored, rc and msg of the failing item, items\' stdout')
    big = result(h, 'Edge | Long output')
    say(big and big['stdout_tail'].split('\n') == ['line %d' % i for i in range(181, 201)],
        'stdout_tail keeps the last 20 lines')
    wide = result(h, 'Edge | Wide output')
    say(wide and len(wide['stdout_tail'].encode()) <= 4096 and wide['stdout_tail'].endswith('zzz'),
        'stdout_tail keeps at most the last 4 KiB')
    for name in ('Edge | Fail under no_log', 'Edge | Loop under no_log', 'Edge | Item-templated no_log',
                 'Edge | Debug under no_log'):
        r = result(h, name)
        say(r and r['msg'] == '(output hidden by no_log)' and r['stdout_tail'] == r['stderr_tail'] == '',
            '"%s" is hidden' % name)
    say(result(h, 'Edge | Fail under no_log')['status'] == 'failed', 'a no_log failure still says failed')
    hres = [r for r in results if r['task'] == 'Edge | Handler' and r['host'] == h]
    say([(s['index'], s['task']) for s in hstarts] == [(1, 'Edge | Handler'), (2, 'Edge | Handler')]
        and [(r['index'], r['handler']) for r in hres] == [(1, True), (2, True)],
        'a handler flushed twice: two handler_starts (index 1, 2), a result for each')
    say(result(h, 'Edge | Skipped by when')['msg'] == 'Conditional result was False',
        'a skipped result says why')
    say(play.get('tasks_total') == len(starts) == 14,
        'tasks_total %s = task_starts %d = 14 (role and dependency, blocks, always, meta, tags)'
        % (play.get('tasks_total'), len(starts)))
    say([s['task'] for s in starts[:2]] == ['hnsp_edge_dep : Edge dep task', 'hnsp_edge_role : Edge role task'],
        'role tasks are named "role : task", dependency first')
EOF

# The plugin's edge cases, as a playbook of their own (the secret comes in -e @file too), with a
# role that has a dependency, for tasks_total.
mkdir -p "$tmp/roles/hnsp_edge_role/tasks" "$tmp/roles/hnsp_edge_role/meta" "$tmp/roles/hnsp_edge_dep/tasks"
echo '- {name: Edge dep task, ansible.builtin.command: {argv: ["true"]}, changed_when: false}' \
	>"$tmp/roles/hnsp_edge_dep/tasks/main.yml"
echo '{dependencies: [hnsp_edge_dep]}' >"$tmp/roles/hnsp_edge_role/meta/main.yml"
echo '- {name: Edge role task, ansible.builtin.command: {argv: ["true"]}, changed_when: false}' \
	>"$tmp/roles/hnsp_edge_role/tasks/main.yml"
cat >"$tmp/edge.yml" <<'EOF'
- name: Edge
  hosts: all
  gather_facts: false
  vars:
    hnsp_hide: true
  roles:
    - hnsp_edge_role
  tasks:
    - name: Edge | Loop with a failing item
      ansible.builtin.command:
        argv: [/bin/sh, -c, 'echo item-out-{{ item }}; exit {{ item }}']
      loop: [0, 4, 0]
      ignore_errors: true
      changed_when: false
    - name: Edge | Long output
      ansible.builtin.command:
        argv: [seq, -f, 'line %g', '1', '200']
      changed_when: false
    - name: Edge | Wide output
      ansible.builtin.command:
        argv: [/bin/sh, -c, 'head -c 9000 /dev/zero | tr "\0" y; echo zzz']
      changed_when: false
    - name: Edge | Fail under no_log
      ansible.builtin.command:
        argv: [/bin/sh, -c, 'echo "{{ hnsp_test_secret }}"; echo "{{ hnsp_test_secret }}" >&2; exit 1']
      no_log: true
      ignore_errors: true
    - name: Edge | Loop under no_log
      ansible.builtin.command:
        argv: [echo, "{{ item }}"]
      loop: ["{{ hnsp_test_secret }}", plain]
      no_log: true
      changed_when: false
    - name: Edge | Item-templated no_log
      ansible.builtin.command:
        argv: [echo, "{{ item }}"]
      loop: ["{{ hnsp_test_secret }}"]
      no_log: "{{ hnsp_hide }}"
      changed_when: false
    - name: Edge | Debug under no_log
      ansible.builtin.debug:
        msg: "{{ hnsp_test_secret }}"
      no_log: true
    - name: Edge | Skipped by when
      ansible.builtin.command:
        argv: ["true"]
      when: false
    - name: Edge | Block
      block:
        - name: Edge | In a block
          ansible.builtin.command:
            argv: ["true"]
          changed_when: true
          notify: Edge | Handler
      rescue:
        - name: Edge | Never rescued
          ansible.builtin.command:
            argv: ["true"]
      always:
        - name: Edge | Always
          ansible.builtin.command:
            argv: ["true"]
          changed_when: false
    - name: Edge | Flush handlers
      ansible.builtin.meta: flush_handlers
    - name: Edge | Notify again
      ansible.builtin.command:
        argv: ["true"]
      changed_when: true
      notify: Edge | Handler
    - name: Edge | Tagged away
      ansible.builtin.command:
        argv: ["true"]
      tags: [hnsp_skipped]
  handlers:
    - name: Edge | Handler
      ansible.builtin.command:
        argv: ["true"]
      changed_when: false
EOF

secret="hnsp-SECRET-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
(umask 077 && printf 'hnsp_test_secret: "%s"\n' "$secret" >"$tmp/secret.yml")

# cfg NAME: an ansible.cfg as the engine writes one, into $tmp/NAME.cfg
cfg() {
	cat >"$tmp/$1.cfg" <<EOF
[defaults]
callbacks_enabled = hnsp_events
callback_plugins = $root/playbooks/callback_plugins
interpreter_python = /usr/bin/python3
forks = 10
remote_user = root
private_key_file = $root/build/lab/id_ed25519
host_key_checking = True
[ssh_connection]
pipelining = True
control_path_dir = $tmp/cp
ssh_args = -C -o ControlMaster=auto -o ControlPersist=20s -o IdentitiesOnly=yes -o UserKnownHostsFile=$root/build/lab/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=10
EOF
}

# play TARGET NAME PLAYBOOK [ARGS...]: ansible-playbook with the events channel on fd 9, into
# $tmp/TARGET-NAME.{events,out,err}; sets rc.
play() {
	local target=$1 name=$2 book=$3
	shift 3
	local base=$tmp/$target-$name
	exec 9>"$base.events"
	HNSP_EVENTS_FD=9 ANSIBLE_CONFIG=$tmp/$target.cfg \
		ansible-playbook -i "$tmp/$target.ini" "$book" "$@" >"$base.out" 2>"$base.err"
	rc=$?
	exec 9>&-
}

# suite TARGET HOSTS FAIL-HOST READ-SECRET-COMMAND...: the playbooks and checks on one inventory;
# the command prints the secret file secret.yml left on the first host.
suite() {
	local t=$1 hosts=$2 bad=$3 f
	shift 3
	play "$t" ok "$books/ok.yml"
	[ $rc = 0 ] && grep -q '^PLAY RECAP' "$tmp/$t-ok.out"
	is "$t: ok.yml exits 0 and the human log still goes to stdout"
	checks "$t ok.yml" ok "$tmp/$t-ok.events" "$hosts"
	play "$t" ok2 "$books/ok.yml"
	checks "$t ok.yml again" idempotent "$tmp/$t-ok2.events" "$hosts"

	play "$t" fail "$books/fail.yml"
	expect "$t: fail.yml exits 2" [ $rc = 2 ]
	checks "$t fail.yml" fail "$tmp/$t-fail.events" "$hosts" "$bad"

	play "$t" secret "$books/secret.yml" -e "@$tmp/secret.yml"
	expect "$t: secret.yml exits 0" [ $rc = 0 ]
	checks "$t secret.yml" secret "$tmp/$t-secret.events" "$hosts"
	expect "$t: secret.yml really used the secret (the file on the host holds it)" \
		[ "$("$@" 2>/dev/null)" = "$secret" ]
	play "$t" edge "$tmp/edge.yml" -e "@$tmp/secret.yml" --skip-tags hnsp_skipped
	checks "$t edge" edge "$tmp/$t-edge.events" "$hosts"
	for f in secret edge; do
		! grep -qF -- "$secret" "$tmp/$t-$f.events" "$tmp/$t-$f.out" "$tmp/$t-$f.err"
		is "$t: the secret is in none of the events, the log or stderr of $f"
	done
}

# ---- local: two hosts on this machine, each with its own directory
cfg local
{
	echo "local1 ansible_connection=local hnsp_test_dir=$tmp/local1"
	echo "local2 ansible_connection=local hnsp_test_dir=$tmp/local2"
} >"$tmp/local.ini"
suite local local1,local2 local2 cat "$tmp/local1/secret"

# ---- gathering=smart (as the engine sets it): with every host's facts cached, no fact gathering
for i in 1 2; do
	ANSIBLE_GATHERING=smart ANSIBLE_CACHE_PLUGIN=jsonfile ANSIBLE_CACHE_PLUGIN_CONNECTION=$tmp/facts \
		play local smart$i "$books/ok.yml"
done
checks "smart, facts not cached" total "$tmp/local-smart1.events" local1,local2 5
checks "smart, facts cached" total "$tmp/local-smart2.events" local1,local2 4

# ---- the plugin's own failure modes (local, one host)
echo "local1 ansible_connection=local hnsp_test_dir=$tmp/local1" >"$tmp/one.ini"
one() { # ENV... : slow.yml on one local host with fd 9 open on $tmp/one.events
	env "$@" ANSIBLE_CONFIG="$tmp/local.cfg" ansible-playbook -i "$tmp/one.ini" "$books/slow.yml" \
		>"$tmp/one.out" 2>"$tmp/one.err" 9>"$tmp/one.events"
	rc=$?
}
errs() { grep -c 'hnsp_events' "$tmp/one.err"; }
one
[ $rc = 0 ] && [ ! -s "$tmp/one.events" ] && [ "$(errs)" = 0 ]
is "without HNSP_EVENTS_FD the plugin writes nothing and says nothing"
one HNSP_EVENTS_FD=57
[ $rc = 0 ] && [ "$(errs)" = 1 ] && grep -q 'HNSP_EVENTS_FD=57: Bad file descriptor' "$tmp/one.err" &&
	grep -q '^PLAY RECAP' "$tmp/one.out"
is "a closed fd: one error on stderr, the run goes on (exit 0, recap on stdout)"
one HNSP_EVENTS_FD=nine
[ $rc = 0 ] && [ "$(errs)" = 1 ] && grep -q "HNSP_EVENTS_FD='nine' is not a file descriptor number" "$tmp/one.err"
is "a non-number: one error, the run goes on"
: >"$tmp/ro"
env ANSIBLE_CONFIG="$tmp/local.cfg" HNSP_EVENTS_FD=8 ansible-playbook -i "$tmp/one.ini" "$books/slow.yml" \
	>"$tmp/one.out" 2>"$tmp/one.err" 8<"$tmp/ro"
rc=$?
[ $rc = 0 ] && [ "$(errs)" = 1 ] && grep -q 'HNSP_EVENTS_FD=8 is open read-only' "$tmp/one.err"
is "a read-only fd: one error, the run goes on"
# A reader that stops after the first line: the next write hits EPIPE.
{ HNSP_EVENTS_FD=9 ANSIBLE_CONFIG="$tmp/local.cfg" ansible-playbook -i "$tmp/one.ini" "$books/slow.yml" \
	9>&1 >"$tmp/one.out" 2>"$tmp/one.err"; echo $? >"$tmp/one.rc"; } | head -n 1 >"$tmp/one.events"
[ "$(cat "$tmp/one.rc")" = 0 ] && [ "$(errs)" = 1 ] && grep -q 'the reader went away' "$tmp/one.err" &&
	grep -q '"event":"playbook_start"' "$tmp/one.events" && grep -q '^PLAY RECAP' "$tmp/one.out"
is "a reader that goes away: one error, the run goes on to the end"

# ---- a host that refuses connections: unreachable, with its error
{
	echo "local1 ansible_connection=local hnsp_test_dir=$tmp/local1"
	echo "ghost ansible_host=127.0.0.1 ansible_port=1"
} >"$tmp/ghost.ini"
exec 9>"$tmp/ghost.events"
HNSP_EVENTS_FD=9 ANSIBLE_CONFIG=$tmp/local.cfg ansible-playbook -i "$tmp/ghost.ini" "$books/ok.yml" \
	>"$tmp/ghost.out" 2>"$tmp/ghost.err"
rc=$?
exec 9>&-
expect "ok.yml with an unreachable host exits 4" [ $rc = 4 ]
checks "unreachable" unreachable "$tmp/ghost.events" local1,ghost

# ---- the lab, when its owner has it up (this script never starts or stops it)
lab_hosts=$("$lab" status 2>/dev/null | awk 'NR > 1 && $3 == "up" && $4 == "yes" { print $1, $2 }')
if [ -z "$lab_hosts" ]; then
	echo "# the lab is down: lab checks not run (tests/lab/lab.sh up brings it up)"
else
	cfg lab
	while read -r name addr; do
		echo "$name ansible_host=$addr"
	done <<<"$lab_hosts" >"$tmp/lab.ini"
	names=$(awk '{ print $1 }' <<<"$lab_hosts" | paste -sd,)
	first=$(awk 'NR == 1 { print $2 }' <<<"$lab_hosts")
	second=$(awk 'NR == 2 { print $1 } END { if (NR == 1) print $1 }' <<<"$lab_hosts" | head -n 1)
	suite lab "$names" "$second" ssh -i build/lab/id_ed25519 -o IdentitiesOnly=yes -o BatchMode=yes \
		-o UserKnownHostsFile=build/lab/known_hosts -o StrictHostKeyChecking=yes "root@$first" cat /tmp/hnsp-test/secret

	# The engine reads the channel until EOF: no process Ansible leaves behind (the SSH
	# ControlPersist masters) may hold the fd open after ansible-playbook exits.
	start=$SECONDS
	{ HNSP_EVENTS_FD=9 ANSIBLE_CONFIG="$tmp/lab.cfg" timeout 120 ansible-playbook -i "$tmp/lab.ini" \
		"$books/slow.yml" 9>&1 >"$tmp/eof.out" 2>"$tmp/eof.err"; echo $((SECONDS - start)) >"$tmp/eof.t"; } |
		cat >"$tmp/eof.events"
	waited=$((SECONDS - start - $(cat "$tmp/eof.t")))
	[ "$waited" -le 2 ] && grep -q '"event":"stats"' "$tmp/eof.events"
	is "lab: the events pipe reaches EOF when ansible-playbook exits (ssh masters don't hold it; ${waited}s after)"
fi

echo "callback: $passed passed, $failed failed"

#!/usr/bin/env bash
# tests/e2e/tui.sh: the TUI end to end in tmux, on the lab.
#
# Runs `hnsp-installer tui` (the sanitizer build) in an 80x24 tmux window on
# a fresh state directory, and does what a person would: make a project from
# the lab example (its key and host keys brought into the state directory),
# narrowed to three lab hosts, open the project, read the component checklist, give
# a host an invalid address (the error shows at the field, the file stays
# byte for byte the same), resize to 200x50 and back (nothing wider than the
# window), run preflight (every host ok), apply the plan for real and watch
# it reach success (Ctrl-C on the way asks to stop or detach), open the
# verification report (all pass), replay the run from the runs screen, see
# a run that fails (a host that does not answer) with its root cause, and
# quit: exit status 0, no sanitizer report, the terminal back in cooked mode.
# Then: the ASCII fallback without a UTF-8 locale, and SIGTERM.  The offline
# bundle is built from the TUI (b) while the first steps run.  Uses the
# default lab (brought up if needed).
set -u
cd "$(dirname "$0")/../.."
root=$PWD
bin=$root/build/hnsp-installer-asan
. tests/lib.sh
export LANG=C.UTF-8 LC_ALL=C.UTF-8 # what tmux and the TUI speak, whatever the caller's locale
tmp=$(mktemp -d)
state=$tmp/state
project=$state/projects/tuilab.yaml
sock=hnsp-tui-test
cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if ! timeout 600 tests/lab/lab.sh up >"$tmp/up.log" 2>&1; then
	not_ok "lab up: $(tail -n 3 "$tmp/up.log")"
	echo "tui: $passed passed, $failed failed"
	exit 0
fi

# ---- helpers: the screen as a person sees it ----

screen() { tmux -u -L "$sock" capture-pane -p -J; }
# keys KEY...: types them, one at a time (an Esc followed at once by a key
# would read as Alt+key).
keys() { for k in "$@"; do tmux -u -L "$sock" send-keys "$k"; sleep 0.15; done; }
# wait_for REGEX [SECONDS]: until the screen shows REGEX.
wait_for() {
	local deadline=$((SECONDS + ${2:-20}))
	until screen | grep -Eq -- "$1"; do
		[ $SECONDS -ge $deadline ] && { echo "# waited ${2:-20} s for: $1"; return 1; }
		sleep 0.2
	done
}
# seen DESC: verdict DESC on what came before; on failure the screen as it
# is goes to the output, for whoever reads why.
seen() { verdict "$1" || { screen | sed 's/^/# /' | grep -v '^# *$'; return 1; }; }
# shows REGEX: the screen has a line matching REGEX (extended).
shows() { screen | grep -Eq -- "$1"; }
# measure: the number of lines, the widest line and the length of the last
# (its keys), in characters.
measure() {
	screen | python3 -c 'import sys
lines = sys.stdin.read().split("\n")[:-1]
print(len(lines), max(len(l) for l in lines), len(lines[-1].rstrip()))'
}
# fits W H: the screen is redrawn at W x H - the bottom line holds the keys,
# the app's at the right end - and no line is wider than W.
fits() {
	local deadline=$((SECONDS + 5)) n wide keys
	tmux -u -L "$sock" resize-window -x "$1" -y "$2"
	while [ $SECONDS -lt $deadline ]; do
		read -r n wide keys <<<"$(measure)"
		[ "$n" -eq "$2" ] && [ "$wide" -le "$1" ] && [ "$keys" -gt $(($1 - 6)) ] &&
			shows "q quit *$" && return 0
		sleep 0.2
	done
	echo "# at ${1}x$2: $n lines, the widest $wide, the keys' line $keys long"
	return 1
}
# every_host_ok: each host's row of the preflight table starts with ok cells.
every_host_ok() {
	for h in master1 worker1 registry1; do shows "^ $h +ok +ok +ok" || return 1; done
}
# start NAME ENV...: the TUI in a new 80x24 window; when it ends, its exit
# status and the terminal's modes are written down.
start() {
	local name=$1
	shift
	tmux -u -L "$sock" new-session -d -s "$name" -x 80 -y 24 \
		"cd '$root' && env $* '$bin' --state '$state' tui 2>'$tmp/$name.err'; echo \$? >'$tmp/$name.rc'; stty -a >'$tmp/$name.stty'; sleep 600"
}
# ended NAME: the TUI of window NAME ended with a restored terminal and no
# sanitizer report (what it wrote to stderr meanwhile is in its stderr, and
# its log of that is gone); prints its exit status.
ended() {
	for _ in $(seq 100); do [ -s "$tmp/$1.rc" ] && break; sleep 0.1; done
	[ -s "$tmp/$1.rc" ] && ! grep -Eq 'Sanitizer|runtime error' "$tmp/$1.err" &&
		[ ! -e "$state/tui-stderr.log" ] &&
		grep -Eq '(^| )icanon( |$)' "$tmp/$1.stty" && grep -Eq '(^| )echo( |$)' "$tmp/$1.stty" &&
		[ "$(tmux -u -L "$sock" display -p -t "$1" '#{alternate_on}')" = 0 ] &&
		cat "$tmp/$1.rc"
}

# ---- the walk ----

# The project comes from the lab example, made in the TUI as a person makes
# one (n, the lab example, a name).  A project kept in the state directory
# names no path outside it, so the TUI imports the example's key into
# STATE/keys/, adds the lab's host keys to STATE/known_hosts (which every
# kept project uses) and names the bundle after the project.
start create
wait_for "No project yet" && keys n && wait_for "New project from an example" &&
	shows "\(•\) lab\.yaml" && keys tuilab Enter && wait_for "valid: 9 hosts" &&
	shows "made project tuilab"
seen "n makes project tuilab from the lab example, valid with the example's 9 hosts"
cmp -s "$state/keys/tuilab" build/lab/id_ed25519 && [ "$(stat -c %a "$state/keys/tuilab")" = 600 ] &&
	grep -Eq '^ +key_file: tuilab$' "$project" && grep -Eq '^ +bundle: tuilab$' "$project" &&
	! grep -q known_hosts "$project" && ! grep -q "$root" "$project" &&
	grep -v '^#' build/lab/known_hosts | grep . | {
		n=0
		while IFS= read -r line; do
			[ "$(grep -cxF -- "$line" "$state/known_hosts")" = 1 ] || exit 1
			n=$((n + 1))
		done
		[ $n -ge 9 ]
	}
verdict "the lab key is imported as STATE/keys/tuilab (0600), each lab host key is in STATE/known_hosts once, and the project names only the key and bundle 'tuilab'"
keys q
[ "$(ended create)" = 0 ]
verdict "q quits the TUI that made the project, with exit status 0"

# The walk below works on three of the lab's hosts with base alone (what a
# person would change in the editors; the walk tests those further on).
python3 - "$project" <<'EOF'
import sys, yaml
path = sys.argv[1]
doc = yaml.safe_load(open(path))
doc['hosts'] = [h for h in doc['hosts'] if h['name'] in ('master1', 'worker1', 'registry1')]
doc['network'] = {'host_cidrs': doc['network']['host_cidrs']}
doc['components'] = {'base': {}}
open(path, 'w').write(yaml.safe_dump(doc, sort_keys=False))
EOF
"$bin" --state "$state" validate "$project" >/dev/null
verdict "the project narrowed to three hosts and base validates"

start main
wait_for "tuilab +3 +valid"
seen "the picker lists the project of the state directory as valid, with 3 hosts"

keys Enter
wait_for "valid: 3 hosts" && shows "master1 +10.77.0.11 +master, etcd" &&
	shows "registry1 +10.77.0.19 +registry, monitoring" &&
	shows "offline bundle: not built yet, b builds it"
seen "the overview shows the project valid, with its hosts and roles, and no bundle yet"

# The bundle builds on the TUI's worker while the next steps go on.
keys b
wait_for "offline bundle: being built"
seen "b starts building the offline bundle, and the overview says so"

keys c
wait_for "pulls in:" && shows "\[x\] base +selected" &&
	shows "\[\+\] artefacts +needed by base" && keys Down &&
	wait_for "pulls in: +artefacts" && shows "depends on: artefacts"
seen "the component checklist shows what is selected, what it needs and what it pulls in"
keys Escape

before=$(sha256sum <"$project")
keys h
wait_for "worker1 +10.77.0.14" && keys Down Enter && wait_for "Address +\[10.77.0.14" &&
	keys Down C-u 10.0.0.300 Enter &&
	wait_for "! '10.0.0.300' is not an IPv4 or IPv6 address" &&
	screen | grep -A1 "Address" | grep -q "is not an IPv4" &&
	shows "not saved, the file is unchanged" &&
	[ "$(sha256sum <"$project")" = "$before" ]
seen "a host form given 10.0.0.300 shows the error at the address field and writes nothing"
keys Escape Escape

wait_for "Overview" && fits 200 50 && shows "worker1 +10.77.0.14" && fits 80 24
seen "the overview redraws at 200x50 and at 80x24 with no line wider than the window"

wait_for "offline bundle: built" 300 && [ -s "$state/bundles/tuilab/manifest.json" ]
seen "the bundle is built (its manifest is there) and the screens stayed usable meanwhile"

keys p
wait_for "preflight: 3 hosts" 120 && shows "preflight: 3 hosts, 0 failures" && ! shows "FAIL" &&
	every_host_ok
seen "preflight shows the host x check table with every host ok"
keys Escape

keys a
wait_for "Plan of tuilab: 2 phases" && shows "1 +artefacts" && shows "2 +base" &&
	keys Enter && wait_for "Apply this plan to the 3 hosts of 'tuilab'" && keys y &&
	wait_for "Run [0-9]+-[0-9]+-tuilab-[0-9]+ · tuilab" 60
seen "the plan lists its phases and, once confirmed, the run starts"
run=$(screen | grep -Eo "[0-9]+-[0-9]+-tuilab-[0-9]+" | head -n 1)

keys C-c
wait_for "A run is in progress" && shows "s  stop the run" && shows "d  detach" &&
	keys Escape && sleep 0.5 && ! shows "A run is in progress"
seen "Ctrl-C during the run asks whether to stop it or detach; Esc carries on"

wait_for "Phase [12]/2" 60 && fits 200 50 && fits 80 24
seen "the live run redraws at 200x50 and at 80x24 with no line wider than the window"

wait_for "· tuilab · succeeded ·" 420 && shows "artefacts +█+ [0-9]+/[0-9]+ +succeeded" &&
	shows "base +█+ [0-9]+/[0-9]+ +succeeded" && ! shows "failed in"
seen "the run's progress reaches success: both phases' bars full and succeeded"
[ "$(python3 -c "import json; print(json.load(open('$state/runs/$run/summary.json'))['state'])" 2>/dev/null)" = succeeded ]
verdict "the journal has the run as succeeded"
me=$(id -un)
[ "$(python3 -c "import json; print(json.load(open('$state/runs/$run/summary.json'))['started_by'])" 2>/dev/null)" = "{'user': '$me', 'via': 'tui'}" ] &&
	"$bin" --state "$state" audit --json | grep -q "\"actor\":\"$me\",\"via\":\"tui\",\"action\":\"run.start\",\"run\":\"$run\""
verdict "the run is the TUI user's ($me): started_by and the audit log's run.start say via tui"

keys v
wait_for "verified: [0-9]+ checks, 0 failed" 300 && shows "base +time-skew +pass"
seen "the verification report shows every check passed"

keys Escape Escape r
wait_for "$run +tuilab +succeeded +2/2" && keys Enter && wait_for "Run $run · tuilab · succeeded" &&
	shows "base +█+ [0-9]+/[0-9]+ +succeeded"
seen "the runs screen lists the run, and opening it replays it to its end"

# A run that fails: a host that does not answer.  Its root cause is on the
# run screen, the failure whole below it, and the overview offers to resume.
sed -e 's/^name: tuilab/name: tuibad/' -e 's/registry1/ghost/' -e 's/10.77.0.19/10.77.0.98/' \
	-e 's/^  host_key_policy: strict/&\n  connect_timeout: 2/' "$project" >"$state/projects/tuibad.yaml"
for _ in 1 2 3 4 5 6; do shows "Projects in" && break; keys Escape; done
wait_for "tuibad +3 +valid" && keys Enter && wait_for "Project tuibad" && keys a &&
	wait_for "Plan of tuibad" && keys Enter && wait_for "Apply this plan" && keys y &&
	wait_for "· tuibad · failed ·" 120 &&
	shows "Root cause: ghost, task 'push the offline bundle': cannot create" &&
	shows "What failed" && shows "ghost unreachable in phase 1 artefacts" &&
	shows "10.77.0.98 port 22 within 2000 ms" &&
	shows "artefacts +░+ [0-9/?]+ +failed" && keys Escape && wait_for "failed; R resumes it"
seen "a failed run shows its root cause and the failure whole, and the overview offers to resume it"

keys q
[ "$(ended main)" = 0 ]
verdict "q quits with exit status 0, the terminal restored and no sanitizer report"

# ---- without UTF-8, and on SIGTERM ----

start ascii LANG=C LC_ALL=C
wait_for "tuilab" && keys Enter && wait_for "valid: 3 hosts" && keys c && wait_for "pulls in:" &&
	! screen | LC_ALL=C grep -q '[^ -~]' && keys q && [ "$(ended ascii)" = 0 ]
seen "without a UTF-8 locale every character on the screen is ASCII"

start term
wait_for "tuilab" && keys Enter && wait_for "valid: 3 hosts" &&
	kill -TERM "$(pgrep -P "$(tmux -u -L "$sock" display -p -t term '#{pane_pid}')")" &&
	[ "$(ended term)" = 1 ]
verdict "SIGTERM ends the TUI with exit status 1 and the terminal restored"

echo "tui: $passed passed, $failed failed"

#!/usr/bin/env bash
# test_lab.sh: integration test of the built-in lab (tests/lab/lab.sh).
#
# Boots a 3-host lab (1 master, 1 worker, 1 registry) in the standard LAB_DIR
# (build/lab, so the cached base image is shared), talks to it with the OpenSSH
# client as the installer will, injects faults, and tears it down, asserting
# nothing is left. Namespace, bridge and veth names are machine-wide: a lab that
# is already up is replaced. Prints "ok - …" / "not ok - …" per check and
# "lab: N passed, M failed" last; exits 0 only when nothing failed.
set -uo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
LAB=$SCRIPT_DIR/lab.sh
export LAB_DIR=${LAB_DIR:-$REPO_ROOT/build/lab}
unset LAB_HOSTS LAB_SUBNET
export LAB_MASTERS=1 LAB_WORKERS=1 LAB_REGISTRIES=1
SUBNET=10.77.0
HOSTS=(master1 worker1 registry1)
declare -A ADDR=([master1]=$SUBNET.11 [worker1]=$SUBNET.12 [registry1]=$SUBNET.13)

PASSED=0
FAILED=0
LOG=$(mktemp)

ok() { echo "ok - $1"; PASSED=$((PASSED + 1)); }
not_ok() {
	echo "not ok - $1"
	FAILED=$((FAILED + 1))
	if [[ -s $LOG ]]; then sed 's/^/#   /' "$LOG" | tail -n 15; fi
}
# check DESCRIPTION CMD...: runs CMD (output to $LOG), ok when it exits 0.
check() {
	local desc=$1
	shift
	if "$@" >"$LOG" 2>&1; then ok "$desc"; else not_ok "$desc"; fi
}

finish() {
	local rc=$?
	trap - EXIT INT TERM
	timeout 120 "$LAB" down >/dev/null 2>&1 || echo "# warning: lab.sh down failed" >&2
	rm -f "$LOG"
	echo "lab: $PASSED passed, $FAILED failed"
	if ((FAILED > 0 || rc > 128)); then exit 1; fi
	exit 0
}
trap finish EXIT
trap 'exit 130' INT TERM

sshh() { # HOST CMD...: OpenSSH, strict host keys, the lab's known_hosts
	local h=$1
	shift
	timeout 20 ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes \
		-o UserKnownHostsFile="$LAB_DIR/known_hosts" -o GlobalKnownHostsFile=/dev/null \
		-o IdentitiesOnly=yes -i "$LAB_DIR/id_ed25519" -o ConnectTimeout=5 -o LogLevel=ERROR \
		"root@${ADDR[$h]}" "$@" </dev/null
}

# ------------------------------------------------------------- no lab needed

if [[ $EUID -ne 0 ]]; then not_ok "runs as root (the lab needs network namespaces)"; exit 1; fi

t_usage() {
	"$LAB" >/dev/null 2>&1
	[[ $? -eq 2 ]] || return 1
	"$LAB" frobnicate >/dev/null 2>&1
	[[ $? -eq 2 ]] || return 1
	"$LAB" stop >/dev/null 2>&1
	[[ $? -eq 2 ]]
}
check "lab.sh exits 2 on bad usage" t_usage

t_too_many() {
	local out
	out=$(LAB_HOSTS=230 "$LAB" up 2>&1) && return 1
	grep -q 'at most 229' <<<"$out"
}
check "lab.sh refuses more than 229 hosts" t_too_many

# The example inventory is the default lab's project file with paths from
# inventory/examples/ and its own header; both are checked against lab.sh.
t_example() {
	local ex=$REPO_ROOT/inventory/examples/lab.yaml gen
	gen=$(env -u LAB_MASTERS -u LAB_WORKERS -u LAB_REGISTRIES "$LAB" project) || return 1
	diff <(grep -v '^#' "$ex" | sed -e 's|^  key_file: ../../build/lab/id_ed25519$|  key_file: id_ed25519|' \
		-e 's|^  known_hosts: ../../build/lab/known_hosts$|  known_hosts: known_hosts|' \
		-e 's|^  bundle: ../../build/lab/bundle$|  bundle: bundle|') <(grep -v '^#' <<<"$gen") || return 1
	head -n 1 "$ex" | grep -q 'Reference lab: 3 masters, 5 workers, 1 registry' || return 1
	grep -q 'make lab-up' "$ex" || return 1
	diff "$ex" <(env -u LAB_MASTERS -u LAB_WORKERS -u LAB_REGISTRIES "$LAB" project --example)
}
check "inventory/examples/lab.yaml matches the default lab's project file" t_example

t_no_registry() {
	local y
	y=$(LAB_REGISTRIES=0 "$LAB" project) || return 1
	! grep -q '^  registry: {}' <<<"$y" || return 1
	grep -A2 'name: master1$' <<<"$y" | grep -q 'roles: \[master, etcd, monitoring\]'
}
check "without registries, monitoring goes on master1 and no registry component" t_no_registry

# ------------------------------------------------------------- lab up

echo "# lab.sh up (1 master, 1 worker, 1 registry); replaces any running lab"
t_up() {
	timeout 900 "$LAB" up || return 1
}
if t_up >"$LOG" 2>&1; then
	ok "lab.sh up brings up 3 hosts"
	grep '^lab: .* up in' "$LOG" | sed 's/^/# /'
else
	not_ok "lab.sh up brings up 3 hosts"
	exit 1
fi

t_files() {
	[[ -f $LAB_DIR/id_ed25519 && -f $LAB_DIR/id_ed25519.pub && -f $LAB_DIR/known_hosts ]] || return 1
	[[ $(stat -c %a "$LAB_DIR/id_ed25519") == 600 ]] || return 1
	diff "$LAB_DIR/project.yaml" <("$LAB" project) || return 1
	local h
	for h in "${HOSTS[@]}"; do
		grep -q "^${ADDR[$h]} ssh-ed25519 " "$LAB_DIR/known_hosts" || return 1
	done
	[[ $(wc -l <"$LAB_DIR/known_hosts") -eq 3 ]]
}
check "project.yaml, id_ed25519 and known_hosts (one key per address) handed over" t_files

t_keys_distinct() {
	[[ $(awk '{print $3}' "$LAB_DIR/known_hosts" | sort -u | wc -l) -eq 3 ]]
}
check "each host has its own host key" t_keys_distinct

t_running() {
	local st
	st=$(sshh "$1" timeout 60 systemctl is-system-running --wait) || true
	echo "is-system-running: $st"
	[[ $st == running ]] || { sshh "$1" systemctl --failed --no-legend; return 1; }
}
t_ident() { [[ $(sshh "$1" hostname) == "$1" ]] && [[ $(sshh "$1" "python3 -c 'print(6*7)'") == 42 ]]; }
t_containerd() {
	local fs
	fs=$(sshh "$1" findmnt -n -o FSTYPE --target /var/lib/containerd) || return 1
	echo "/var/lib/containerd: $fs"
	[[ -n $fs && $fs != overlay ]]
}
for h in "${HOSTS[@]}"; do
	check "$h answers SSH with strict host key checking" sshh "$h" true
	check "$h: systemctl is-system-running says running" t_running "$h"
	check "$h: hostname is $h and python3 runs" t_ident "$h"
	check "$h: /var/lib/containerd is a real directory, not on the overlay" t_containerd "$h"
done

t_airgap() {
	local h r
	for h in "${HOSTS[@]}"; do
		# route lookups only: nothing is sent
		r=$(sshh "$h" ip -4 route show default) || return 1
		[[ -z $r ]] || { echo "$h has a default route: $r"; return 1; }
		sshh "$h" ip route get 192.0.2.1 >/dev/null 2>&1 && { echo "$h can route to 192.0.2.1"; return 1; }
	done
	[[ $(sysctl -n net.ipv4.conf.hnsplab0.forwarding) == 0 ]] || return 1
	if command -v iptables-save >/dev/null 2>&1; then
		! iptables-save 2>/dev/null | grep -i masquerade | grep -q "$SUBNET" || return 1
	fi
	if command -v nft >/dev/null 2>&1; then
		! nft list ruleset 2>/dev/null | grep -i masquerade | grep -q "$SUBNET" || return 1
	fi
	true
}
check "air-gapped: no default route in hosts, no forwarding or NAT for the bridge" t_airgap

t_lan() { sshh master1 ping -c 1 -W 2 "${ADDR[registry1]}" >/dev/null && sshh worker1 getent hosts registry1; }
check "hosts reach each other by address and by name" t_lan

t_exec() {
	"$LAB" exec worker1 sh -c 'exit 3'
	[[ $? -eq 3 ]] || return 1
	[[ $("$LAB" exec registry1 hostname) == registry1 ]]
}
check "lab.sh exec runs in the host and returns the command's exit code" t_exec

t_status() {
	local out
	out=$("$LAB" status) || return 1
	echo "$out"
	[[ $(grep -cE '^(master1|worker1|registry1) +10\.77\.0\.1[1-3] +up +yes$' <<<"$out") -eq 3 ]]
}
check "lab.sh status lists 3 hosts up and answering SSH" t_status

t_idempotent() {
	local out
	out=$(timeout 120 "$LAB" up) || return 1
	echo "$out"
	grep -q 'already up' <<<"$out"
}
check "lab.sh up again leaves the lab up and says so" t_idempotent

# ------------------------------------------------------------- faults

check "lab.sh stop worker1" timeout 60 "$LAB" stop worker1
t_stopped() { ! sshh worker1 true && sshh master1 true && sshh registry1 true; }
check "stopped worker1 no longer answers SSH, the others do" t_stopped
t_status_stopped() {
	local out
	out=$("$LAB" status) || return 1
	echo "$out"
	grep -qE '^worker1 +10\.77\.0\.12 +stopped +no$' <<<"$out"
}
check "lab.sh status shows worker1 stopped" t_status_stopped
check "lab.sh start worker1" timeout 180 "$LAB" start worker1
check "worker1 answers SSH again with the same host key" sshh worker1 true

t_persist() { sshh worker1 'echo kept >/root/mark' && timeout 60 "$LAB" stop worker1 &&
	timeout 180 "$LAB" start worker1 && [[ $(sshh worker1 cat /root/mark) == kept ]]; }
check "a host's disk survives stop and start" t_persist

check "lab.sh kill worker1" timeout 60 "$LAB" kill worker1
t_killed() { ! sshh worker1 true && sshh master1 true; }
check "killed worker1 no longer answers SSH, master1 does" t_killed
t_reup() {
	local out
	out=$(timeout 300 "$LAB" up) || return 1
	echo "$out"
	grep -q 'restarting 1 host' <<<"$out" && sshh worker1 true
}
check "lab.sh up restarts the killed host" t_reup

# ------------------------------------------------------------- resize

t_resize() {
	LAB_WORKERS=2 timeout 600 "$LAB" up || return 1
	ADDR[worker2]=$SUBNET.13
	[[ $(sshh worker2 hostname) == worker2 ]] || return 1
	local out
	out=$(LAB_WORKERS=2 "$LAB" status) || return 1
	echo "$out"
	[[ $(grep -cE ' up +yes$' <<<"$out") -eq 4 ]]
}
check "lab.sh up with another size rebuilds the lab (4 hosts)" t_resize

# ------------------------------------------------------------- down

check "lab.sh down" timeout 120 "$LAB" down
t_clean() {
	local left
	left=$(ip netns list | grep '^hnsplab-') && { echo "netns left: $left"; return 1; }
	left=$(ip -o link show | awk -F': ' '{print $2}' | grep -E '^(hnsplab0|hlv[0-9]+)(@|$)') &&
		{ echo "links left: $left"; return 1; }
	left=$(findmnt -rn -o TARGET | grep -E "^$LAB_DIR/hosts|^/run/netns/hnsplab-") &&
		{ echo "mounts left: $left"; return 1; }
	left=$(find /sys/fs/cgroup -maxdepth 4 -type d -name hnsp-lab 2>/dev/null) &&
		[[ -n $left ]] && { echo "cgroups left: $left"; return 1; }
	# nspawn processes that were killed may stay zombies a moment until reaped
	for _ in $(seq 1 50); do
		left=$(pgrep -af 'systemd-nspawn.*hnsplab-') || break
		sleep 0.2
	done
	[[ -z $left ]] || { echo "processes left: $left"; return 1; }
	if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
		left=$(systemctl list-units --all --no-legend 'hnsp-lab*' 2>/dev/null) && [[ -n $left ]] &&
			{ echo "units left: $left"; return 1; }
	fi
	[[ ! -e $LAB_DIR/hosts && ! -e $LAB_DIR/project.yaml && ! -e $LAB_DIR/lab.conf ]] ||
		{ echo "files left in $LAB_DIR"; return 1; }
	true
}
check "after down no netns, link, mount, cgroup, process or lab file is left" t_clean
t_down_again() {
	local out
	out=$("$LAB" down) || return 1
	echo "$out"
	grep -q 'no lab' <<<"$out"
}
check "lab.sh down again has nothing to remove" t_down_again

#!/usr/bin/env bash
# lab.sh: the built-in lab, real Debian hosts (systemd + sshd) on one machine.
#
# Each host is a systemd-nspawn container booting systemd as PID 1, with its own
# network namespace and address on a private bridge that has no route out, a
# copy-on-write overlay over one cached Debian 12 base, and its own SSH host key.
# See docs/lab.md for the contract (names, addresses, files handed over).
set -euo pipefail

PROG=lab.sh
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)

LAB_DIR=${LAB_DIR:-$REPO_ROOT/build/lab}
case $LAB_DIR in /*) ;; *) LAB_DIR=$PWD/$LAB_DIR ;; esac
LAB_CACHE=${LAB_CACHE:-$LAB_DIR/cache}
LAB_MIRROR=${LAB_MIRROR:-http://deb.debian.org/debian}
LAB_SUITE=bookworm
LAB_BOOT_TIMEOUT=${LAB_BOOT_TIMEOUT:-120}   # seconds per host, from its launch
LAB_PARALLEL=${LAB_PARALLEL:-12}            # hosts booting at the same time

BRIDGE=hnsplab0
NETNS_PREFIX=hnsplab-
VETH_PREFIX=hlv          # root-side veth: hlv<last octet>, e.g. hlv11
CG_NAME=hnsp-lab         # our cgroup, one child per host
LOCK_FILE=/run/hnsp-lab.lock
MAX_HOSTS=229            # .11 .. .239
FIRST_OCTET=11

# Packages of the base image; the cache key hashes this list and customize_base.
# No libpam-systemd: each SSH login would start a systemd --user manager (about
# 10 MB and a second of CPU), which a lab of 100 hosts cannot afford.
BASE_PACKAGES=(systemd systemd-sysv dbus openssh-server python3 sudo
	iproute2 iputils-ping ca-certificates procps)

# Units that waste memory or time, or fail, in a container.
MASK_UNITS=(getty.target console-getty.service container-getty@.service getty@.service
	serial-getty@.service apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer
	fstrim.timer e2scrub_all.timer e2scrub_reap.service systemd-networkd-wait-online.service
	systemd-networkd.service systemd-networkd.socket systemd-resolved.service
	systemd-timesyncd.service systemd-pstore.service systemd-binfmt.service
	proc-sys-fs-binfmt_misc.automount sys-kernel-debug.mount sys-kernel-tracing.mount
	sys-kernel-config.mount sys-fs-fuse-connections.mount dev-hugepages.mount
	dev-mqueue.mount modprobe@.service kmod-static-nodes.service systemd-modules-load.service)

SSH_OPTS=()   # filled by ssh_opts_init

usage() {
	cat <<EOF
usage: $PROG COMMAND [ARGS]

commands:
  up              create and boot the lab hosts, wait until each answers SSH
  down            remove every host, namespace, link, process and file of the lab
  status          list hosts: name, address, state, whether SSH answers
  stop HOST       clean poweroff of HOST (its disk is kept)
  start HOST      boot a stopped HOST again
  kill HOST       abrupt power loss of HOST (SIGKILL)
  exec HOST CMD…  run CMD inside HOST, exit with its exit code
  project [--example]  print the project file for the current environment

environment:
  LAB_MASTERS=3 LAB_WORKERS=5 LAB_REGISTRIES=1   host counts
  LAB_HOSTS=N       total hosts; overrides LAB_WORKERS as N - masters - registries
  LAB_SUBNET=10.77.0  the lab /24 (bridge .1, API VIP .10, hosts from .11)
  LAB_DIR=build/lab   where the lab state and handed-over files live
  LAB_CACHE=\$LAB_DIR/cache  where the Debian base image is cached
  LAB_BOOT_TIMEOUT=120  seconds a host may take to answer SSH
  LAB_PARALLEL=12       hosts booting at once
EOF
}

die() { echo "$PROG: error: $*" >&2; exit 1; }
usage_error() { echo "$PROG: $*" >&2; usage >&2; exit 2; }
say() { echo "lab: $*"; }
sizes() { # "3 masters, 5 workers, 1 registry"
	local r=registries
	((R == 1)) && r=registry
	echo "$M master$( ((M == 1)) || echo s), $W worker$( ((W == 1)) || echo s), $R $r"
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

require_root() { [[ $EUID -eq 0 ]] || die "must run as root (network namespaces, nspawn)"; }

need_cmds() {
	local c missing=()
	for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
	((${#missing[@]} == 0)) || die "missing commands: ${missing[*]} (install: mmdebstrap systemd-container iproute2 openssh-client util-linux)"
}

take_lock() {
	exec 9>"$LOCK_FILE"
	flock -w 900 9 || die "another lab.sh holds $LOCK_FILE"
}

# ---------------------------------------------------------------- configuration

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

# Reads LAB_* from the environment into M W R SUBNET, validated.
read_size() {
	M=${LAB_MASTERS:-3}
	R=${LAB_REGISTRIES:-1}
	W=${LAB_WORKERS:-5}
	SUBNET=${LAB_SUBNET:-10.77.0}
	is_uint "$M" || usage_error "LAB_MASTERS must be a number, not '$M'"
	is_uint "$R" || usage_error "LAB_REGISTRIES must be a number, not '$R'"
	is_uint "$W" || usage_error "LAB_WORKERS must be a number, not '$W'"
	M=$((10#$M)) R=$((10#$R)) W=$((10#$W))
	((M >= 1)) || usage_error "LAB_MASTERS must be at least 1"
	if [[ -n ${LAB_HOSTS:-} ]]; then
		is_uint "$LAB_HOSTS" || usage_error "LAB_HOSTS must be a number, not '$LAB_HOSTS'"
		local h=$((10#$LAB_HOSTS))
		((h >= M + R)) || usage_error "LAB_HOSTS=$h is fewer than $M masters + $R registries"
		W=$((h - M - R))
	fi
	if ((M + W + R > MAX_HOSTS)); then
		die "$((M + W + R)) hosts asked, the lab holds at most $MAX_HOSTS (addresses .11-.239 of one /24)"
	fi
	[[ $SUBNET =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] ||
		usage_error "LAB_SUBNET must be three octets like 10.77.0, not '$SUBNET'"
	local o
	for o in "${BASH_REMATCH[@]:1}"; do ((10#$o <= 255)) || usage_error "LAB_SUBNET '$SUBNET' has an octet over 255"; done
}

# Prints one line per host: index name address roles (roles comma-separated).
host_table() {
	local i=0 n name roles
	for ((n = 1; n <= M; n++)); do
		roles=master,etcd
		((R == 0 && n == 1)) && roles=master,etcd,monitoring
		echo "$i master$n $SUBNET.$((FIRST_OCTET + i)) $roles"
		i=$((i + 1))
	done
	for ((n = 1; n <= W; n++)); do
		echo "$i worker$n $SUBNET.$((FIRST_OCTET + i)) worker"
		i=$((i + 1))
	done
	for ((n = 1; n <= R; n++)); do
		roles=registry
		((n == 1)) && roles=registry,monitoring
		echo "$i registry$n $SUBNET.$((FIRST_OCTET + i)) $roles"
		i=$((i + 1))
	done
}

# The project file the installer reads; paths relative to the file's directory.
project_yaml() {
	local key=${1:-id_ed25519} kh=${2:-known_hosts} bundle=${3:-bundle}
	local header=${4:-"# Generated by tests/lab/lab.sh for the built-in lab; do not edit."}
	local i name addr roles
	echo "$header"
	cat <<EOF
name: lab
ssh:
  user: root
  port: 22
  key_file: $key
  known_hosts: $kh
  host_key_policy: strict
hosts:
EOF
	while read -r i name addr roles; do
		printf '  - name: %s\n    address: %s\n    roles: [%s]\n' "$name" "$addr" "${roles//,/, }"
	done < <(host_table)
	cat <<EOF
network:
  host_cidrs: [$SUBNET.0/24]
  api_vip: $SUBNET.10
  api_port: 8443
  apiserver_port: 6443
  pod_cidr: 10.244.0.0/16
  service_cidr: 10.96.0.0/12
  metallb_pools:
    - name: default
      addresses: [$SUBNET.240-$SUBNET.250]
components:
  base: {}
  artefacts: {}
  container-runtime: {}
EOF
	((R > 0)) && echo "  registry: {}"
	cat <<EOF
  etcd: {}
  api-lb: {}
  monitoring: {}
  verify: {}
artefacts:
  source: offline
  bundle: $bundle
EOF
}

# Loads the size of the lab that is up (written by `up`) into M W R SUBNET.
load_conf() {
	[[ -f $LAB_DIR/lab.conf ]] || die "no lab in $LAB_DIR (run: $PROG up)"
	# shellcheck source=/dev/null
	. "$LAB_DIR/lab.conf"
	M=$LAB_CONF_MASTERS W=$LAB_CONF_WORKERS R=$LAB_CONF_REGISTRIES SUBNET=$LAB_CONF_SUBNET
}

# Sets HIDX HNAME HADDR for host NAME of the loaded lab, or dies.
find_host() {
	local i name addr roles
	while read -r i name addr roles; do
		if [[ $name == "$1" ]]; then HNAME=$name HADDR=$addr; return 0; fi
	done < <(host_table)
	die "no host '$1' in the lab (see: $PROG status)"
}

ssh_opts_init() {
	SSH_OPTS=(-F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes
		-o UserKnownHostsFile="$LAB_DIR/known_hosts" -o GlobalKnownHostsFile=/dev/null
		-o IdentitiesOnly=yes -i "$LAB_DIR/id_ed25519" -o ConnectTimeout=3 -o LogLevel=ERROR)
}

ssh_ok() { timeout 10 ssh "${SSH_OPTS[@]}" "root@$1" true </dev/null >/dev/null 2>&1; }

# ---------------------------------------------------------------- base image

# Runs on the freshly built root file system; its text is part of the cache key.
customize_base() {
	local root=$1
	rm -f "$root"/etc/ssh/ssh_host_*
	cat >"$root/etc/ssh/sshd_config.d/hnsp-lab.conf" <<'EOF'
# hnsp lab: root by key only, one ed25519 host key per host.
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
MaxStartups 50:30:200
EOF
	mkdir -p "$root/etc/systemd/journald.conf.d" "$root/etc/systemd/system.conf.d"
	cat >"$root/etc/systemd/journald.conf.d/hnsp-lab.conf" <<'EOF'
[Journal]
Storage=volatile
RuntimeMaxUse=8M
ForwardToConsole=no
EOF
	cat >"$root/etc/systemd/system.conf.d/hnsp-lab.conf" <<'EOF'
[Manager]
DefaultTimeoutStopSec=10s
EOF
	printf '# hnsp lab: air-gapped, no DNS; lab names are in /etc/hosts\n' >"$root/etc/resolv.conf"
	rm -f "$root/etc/hostname"
	: >"$root/etc/machine-id"
	install -d -m 0700 "$root/root/.ssh"
	install -d -m 0755 "$root/var/lib/containerd"
	systemctl --root="$root" mask "${MASK_UNITS[@]}" >/dev/null 2>&1
	systemctl --root="$root" enable ssh.service >/dev/null 2>&1
	rm -rf "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/*
}

base_key() {
	{ printf '%s\n' "$LAB_SUITE" "$LAB_MIRROR" "${BASE_PACKAGES[@]}" "${MASK_UNITS[@]}"
	  declare -f customize_base; } | sha256sum | cut -c1-16
}

# Sets BASE to the cached root file system, building it once.
ensure_base() {
	local key t0 tmp
	key=$(base_key)
	BASE=$LAB_CACHE/base-$key
	if [[ -f $BASE/.hnsp-lab-ok ]]; then
		say "base image $LAB_SUITE cached ($BASE)"
		return 0
	fi
	mkdir -p "$LAB_CACHE"
	tmp=$LAB_CACHE/.build-$key
	rm -rf --one-file-system "$tmp"
	t0=$(now)
	say "building base image $LAB_SUITE with mmdebstrap (once, about a minute)"
	local inc
	inc=$(IFS=,; echo "${BASE_PACKAGES[*]}")
	if ! mmdebstrap --quiet --variant=apt --include="$inc" \
		--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-include=/usr/share/doc/*/copyright' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		"$LAB_SUITE" "$tmp" "$LAB_MIRROR" >"$LAB_CACHE/build-$key.log" 2>&1; then
		tail -n 20 "$LAB_CACHE/build-$key.log" >&2
		rm -rf --one-file-system "$tmp"
		die "mmdebstrap failed (log: $LAB_CACHE/build-$key.log)"
	fi
	customize_base "$tmp"
	touch "$tmp/.hnsp-lab-ok"
	rm -rf --one-file-system "$BASE"
	mv "$tmp" "$BASE"
	say "base image built in $(elapsed "$t0") s"
}

# ---------------------------------------------------------------- cgroups

# Prints "mountpoint path" for each hierarchy the lab places hosts in: the
# unified one (nspawn keeps its payload there), name=systemd (hybrid hosts) and
# memory v1 (for per-host figures). Paths are where this script runs.
cgroup_parents() {
	local ctl path mnt
	while IFS=: read -r _ ctl path; do
		mnt=
		if [[ -z $ctl ]]; then
			if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then mnt=/sys/fs/cgroup
			elif [[ -d /sys/fs/cgroup/unified ]]; then mnt=/sys/fs/cgroup/unified; fi
		elif [[ $ctl == name=systemd ]]; then mnt=/sys/fs/cgroup/systemd
		elif [[ $ctl == memory ]]; then mnt=/sys/fs/cgroup/memory
		fi
		if [[ -n $mnt && -d $mnt ]]; then echo "$mnt ${path%/}"; fi
	done </proc/self/cgroup
}

# Every lab cgroup directory that exists, wherever an earlier run made it.
lab_cgroups() {
	local mnt
	for mnt in /sys/fs/cgroup /sys/fs/cgroup/unified /sys/fs/cgroup/systemd /sys/fs/cgroup/memory; do
		[[ -d $mnt ]] || continue
		find "$mnt" -maxdepth 4 -type d -name "$CG_NAME" 2>/dev/null || true
	done | sort -u
}

cgroup_pids() { # DIR...: every pid in the trees
	local d
	for d in "$@"; do
		if [[ -d $d ]]; then find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null || true; fi
	done | sort -un
}

# Kills every process in the trees and waits until they are gone.
cgroup_kill() {
	local pids
	for _ in $(seq 1 50); do
		pids=$(cgroup_pids "$@")
		[[ -z $pids ]] && return 0
		# shellcheck disable=SC2086
		kill -9 $pids 2>/dev/null || true
		sleep 0.1
	done
	echo "$PROG: warning: processes survive in $*: $(cgroup_pids "$@" | tr '\n' ' ')" >&2
}

cgroup_rmtree() {
	local d
	for d in "$@"; do
		if [[ -d $d ]]; then find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
	done
}

host_cgroups() { # NAME: the host's cgroup directories (may not exist)
	local mnt path
	while read -r mnt path; do echo "$mnt$path/$CG_NAME/$1"; done < <(cgroup_parents)
}

# ---------------------------------------------------------------- hosts

host_dir() { echo "$LAB_DIR/hosts/$1"; }
nspawn_pid() { # NAME: pid of the host's nspawn if it runs
	local f pid
	f=$(host_dir "$1")/nspawn.pid
	[[ -f $f ]] || return 1
	pid=$(<"$f")
	[[ -n $pid && -d /proc/$pid ]] || return 1
	tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | grep -q -- "--machine=$1 " || return 1
	echo "$pid"
}
init_pid() { # NAME: pid of the host's PID 1 seen from here
	local p c
	p=$(nspawn_pid "$1") || return 1
	c=$(pgrep -o -P "$p") || return 1
	echo "$c"
}
host_running() { nspawn_pid "$1" >/dev/null; }

# Creates the network namespace, veth and address; the host's upper dir with
# hostname, host key, authorized_keys. Host key pairs are made here so that
# known_hosts is written without asking the host.
create_host() {
	local name=$1 addr=$2 octet ns dir veth
	octet=${addr##*.}
	ns=$NETNS_PREFIX$name
	veth=$VETH_PREFIX$octet
	dir=$(host_dir "$name")
	ip netns add "$ns"
	ip link add "$veth" type veth peer name eth0 netns "$ns"
	ip link set "$veth" master "$BRIDGE" up
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$addr/24" dev eth0
	ip -n "$ns" link set eth0 up

	mkdir -p "$dir/containerd"
	install -d -m 0755 "$dir/upper" "$dir/upper/etc" "$dir/upper/etc/ssh"
	install -d -m 0700 "$dir/upper/root" "$dir/upper/root/.ssh"
	echo "$name" >"$dir/upper/etc/hostname"
	cp "$LAB_DIR/etc-hosts" "$dir/upper/etc/hosts"
	systemd-id128 new >"$dir/upper/etc/machine-id"
	ssh-keygen -q -t ed25519 -N '' -C "root@$name" -f "$dir/upper/etc/ssh/ssh_host_ed25519_key"
	install -m 0600 "$LAB_DIR/id_ed25519.pub" "$dir/upper/root/.ssh/authorized_keys"
	echo "$addr $(cut -d' ' -f1,2 "$dir/upper/etc/ssh/ssh_host_ed25519_key.pub")" >"$dir/known_host"
}

# Boots the host: nspawn runs in the background in the host's own cgroups.
launch_host() {
	local name=$1 dir cg q
	dir=$(host_dir "$name")
	rm -rf --one-file-system "$dir"/.#upper* 2>/dev/null || true   # stale overlay workdirs
	local cgs=()
	while read -r cg; do mkdir -p "$cg"; cgs+=("$cg/cgroup.procs"); done < <(host_cgroups "$name")
	local args=(systemd-nspawn --quiet --boot --register=no --keep-unit
		--machine="$name" --hostname="$name"
		--directory="$BASE" --overlay="$BASE:$dir/upper:/"
		--bind="$dir/containerd:/var/lib/containerd"
		--network-namespace-path="/run/netns/$NETNS_PREFIX$name"
		--capability=CAP_NET_ADMIN
		--resolv-conf=off --timezone=off --link-journal=no --console=read-only)
	printf -v q '%q ' "${args[@]}"
	# The inner shell joins the cgroups, records its pid and becomes nspawn;
	# setsid keeps it out of the caller's terminal signals.
	# The subshell exits at once, so nspawn is not our child and `wait` ignores it.
	# shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
	(setsid bash -c 'for f in "$@"; do echo $$ >"$f"; done; echo $$ >'"$(printf %q "$dir/nspawn.pid")"'; exec '"$q" \
		_ "${cgs[@]}" </dev/null >>"$dir/console.log" 2>&1 9>&- &)
	for _ in $(seq 1 50); do nspawn_pid "$name" >/dev/null && return 0; sleep 0.05; done
	die "$name: systemd-nspawn did not start (log: $dir/console.log)"
}

# Waits until the host answers SSH; writes ok or fail to $dir/boot.
wait_host() {
	local name=$1 addr=$2 deadline dir pid
	dir=$(host_dir "$name")
	deadline=$((SECONDS + LAB_BOOT_TIMEOUT))
	rm -f "$dir/boot"
	pid=$(nspawn_pid "$name") || { echo "fail nspawn exited at once" >"$dir/boot"; return 1; }
	while ((SECONDS < deadline)); do
		if [[ ! -d /proc/$pid ]]; then echo "fail nspawn exited" >"$dir/boot"; return 1; fi
		# the address answers (RST) from the start, so this probe never waits long
		if (exec 3<>"/dev/tcp/$addr/22") 2>/dev/null && ssh_ok "$addr"; then
			echo ok >"$dir/boot"; return 0
		fi
		sleep 0.5
	done
	echo "fail no SSH after ${LAB_BOOT_TIMEOUT} s" >"$dir/boot"
	return 1
}

# Stops a host: clean (SIGTERM to nspawn = poweroff of the container) or hard.
stop_host() {
	local name=$1 how=$2 p cgs=()
	mapfile -t cgs < <(host_cgroups "$name")
	if [[ $how == clean ]] && p=$(nspawn_pid "$name"); then
		kill -TERM "$p" 2>/dev/null || true
		for _ in $(seq 1 300); do host_running "$name" || break; sleep 0.1; done
		if host_running "$name"; then echo "$PROG: warning: $name did not power off in 30 s, killing it" >&2; fi
	fi
	cgroup_kill "${cgs[@]}"
	cgroup_rmtree "${cgs[@]}"
	rm -f "$(host_dir "$name")/nspawn.pid"
}

# ---------------------------------------------------------------- lab-wide

check_subnet_free() {
	local dev
	dev=$(ip -o route get "$SUBNET.11" 2>/dev/null | sed -n 's/.* dev \([^ ]*\).*/\1/p')
	[[ -z $dev || $dev == "$BRIDGE" ]] && return 0
	# A route other than the lab's covers the subnet: refuse rather than shadow it.
	if ip -o route show to match "$SUBNET.11" | grep -v '^default' | grep -q .; then
		die "subnet $SUBNET.0/24 is already routed via $dev on this machine; pick another LAB_SUBNET"
	fi
}

raise_limits() {
	local k want cur
	for kv in fs.inotify.max_user_instances=8192 fs.inotify.max_user_watches=1048576 \
		kernel.keys.maxkeys=20000 kernel.keys.maxbytes=2000000 kernel.pid_max=4194304; do
		k=${kv%%=*} want=${kv#*=}
		cur=$(sysctl -n "$k" 2>/dev/null) || continue
		((cur >= want)) || sysctl -q -w "$k=$want" >/dev/null
	done
}

# Removes everything a lab (this one or a crashed one) left, found by name.
teardown() {
	local cgs ns l m pid
	mapfile -t cgs < <(lab_cgroups)
	# nspawn processes of the lab not in our cgroups (e.g. started by hand)
	for pid in $(pgrep -f -- "--network-namespace-path=/run/netns/$NETNS_PREFIX" || true); do
		kill -9 "$pid" 2>/dev/null || true
	done
	((${#cgs[@]})) && { cgroup_kill "${cgs[@]}"; cgroup_rmtree "${cgs[@]}"; }
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NETNS_PREFIX" || true); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 |
		grep -E "^(${VETH_PREFIX}[0-9]+|$BRIDGE)$" || true); do
		ip link del "$l" 2>/dev/null || true
	done
	while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(
		findmnt -rn -o TARGET | grep -E "^($LAB_DIR/hosts/|/run/netns/$NETNS_PREFIX)" | sort -r || true)
	if [[ -d $LAB_DIR ]]; then
		rm -rf --one-file-system "$LAB_DIR/hosts" "$LAB_DIR/lab.conf" "$LAB_DIR/project.yaml" \
			"$LAB_DIR/known_hosts" "$LAB_DIR/etc-hosts" "$LAB_DIR/id_ed25519" "$LAB_DIR/id_ed25519.pub"
	fi
}

lab_is_present() {
	ip link show "$BRIDGE" >/dev/null 2>&1 && return 0
	ip netns list 2>/dev/null | grep -q "^$NETNS_PREFIX" && return 0
	[[ -n $(lab_cgroups) ]] && return 0
	[[ -f $LAB_DIR/lab.conf ]]
}

conf_text() {
	printf 'LAB_CONF_MASTERS=%s\nLAB_CONF_WORKERS=%s\nLAB_CONF_REGISTRIES=%s\nLAB_CONF_SUBNET=%s\nLAB_CONF_BASE=%s\n' \
		"$M" "$W" "$R" "$SUBNET" "$BASE"
}

# ---------------------------------------------------------------- commands

cmd_up() {
	local t0 n i name addr roles
	read_size
	require_root
	need_cmds mmdebstrap systemd-nspawn ip ssh ssh-keygen nsenter setsid flock timeout systemd-id128
	take_lock
	n=$((M + W + R))
	t0=$(now)
	mkdir -p "$LAB_DIR"
	ensure_base
	ssh_opts_init

	# Already up with the same size: reconcile stopped hosts, otherwise leave it.
	if [[ -f $LAB_DIR/lab.conf && $(conf_text) == "$(<"$LAB_DIR/lab.conf")" ]] &&
		ip link show "$BRIDGE" >/dev/null 2>&1; then
		local down=()
		while read -r i name addr roles; do
			host_running "$name" && ssh_ok "$addr" && continue
			down+=("$name $addr")
		done < <(host_table)
		if ((${#down[@]} == 0)); then
			say "already up: $n hosts ($(sizes))"
			return 0
		fi
		say "already up; restarting ${#down[@]} host(s) that do not answer"
		boot_hosts restart "${down[@]}"
		say "$n hosts up in $(elapsed "$t0") s"
		return 0
	fi

	if lab_is_present; then
		say "removing the earlier lab"
		teardown
	fi
	check_subnet_free
	raise_limits
	# base images of other package lists are no longer used by any host
	local old
	for old in "$LAB_CACHE"/base-* "$LAB_CACHE"/build-*.log; do
		[[ -e $old && $old != "$BASE" && $old != "$LAB_CACHE/build-${BASE##*/base-}.log" ]] || continue
		rm -rf --one-file-system "$old"
	done

	say "creating $n hosts ($(sizes)) on $SUBNET.0/24"
	mkdir -p "$LAB_DIR/hosts"
	rm -f "$LAB_DIR/id_ed25519" "$LAB_DIR/id_ed25519.pub"
	ssh-keygen -q -t ed25519 -N '' -C "hnsp-lab" -f "$LAB_DIR/id_ed25519"
	{
		printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'
		printf '%s\thnsplab-gateway\n' "$SUBNET.1"
		host_table | while read -r i name addr roles; do printf '%s\t%s\n' "$addr" "$name"; done
	} >"$LAB_DIR/etc-hosts"

	# The bridge has an address for the controller and no route anywhere else:
	# forwarding is off for it whatever the machine's ip_forward says.
	ip link add "$BRIDGE" type bridge forward_delay 0
	sysctl -q -w "net.ipv4.conf.$BRIDGE.forwarding=0" >/dev/null
	sysctl -q -w "net.ipv6.conf.$BRIDGE.disable_ipv6=1" >/dev/null
	ip addr add "$SUBNET.1/24" dev "$BRIDGE"
	ip link set "$BRIDGE" up

	local hosts=()
	while read -r i name addr roles; do hosts+=("$name $addr"); done < <(host_table)
	local pids=() p
	for ((i = 0; i < n; i++)); do
		read -r name addr <<<"${hosts[i]}"
		create_host "$name" "$addr" &
		pids+=($!)
		if ((${#pids[@]} >= 16)); then for p in "${pids[@]}"; do wait "$p" || die "creating hosts failed"; done; pids=(); fi
	done
	for p in "${pids[@]}"; do wait "$p" || die "creating hosts failed"; done
	# known_hosts in host order
	: >"$LAB_DIR/known_hosts.tmp"
	for ((i = 0; i < n; i++)); do
		read -r name addr <<<"${hosts[i]}"
		cat "$(host_dir "$name")/known_host" >>"$LAB_DIR/known_hosts.tmp"
	done
	mv "$LAB_DIR/known_hosts.tmp" "$LAB_DIR/known_hosts"
	project_yaml id_ed25519 >"$LAB_DIR/project.yaml.tmp" && mv "$LAB_DIR/project.yaml.tmp" "$LAB_DIR/project.yaml"
	conf_text >"$LAB_DIR/lab.conf"
	say "network, keys and project.yaml ready in $(elapsed "$t0") s; booting"

	boot_hosts fresh "${hosts[@]}"
	say "$n hosts up in $(elapsed "$t0") s"
	say "project file: $LAB_DIR/project.yaml"
}

# Boots the given "name addr" hosts, at most LAB_PARALLEL at once, and waits
# for SSH on each. Dies naming the hosts that did not come up.
boot_hosts() {
	local mode=$1 h name addr booting waiters=() wpids=() failed=() w
	shift
	for h in "$@"; do
		read -r name addr <<<"$h"
		[[ $mode == restart ]] && stop_host "$name" hard
		while :; do
			booting=0
			for w in "${waiters[@]}"; do [[ -f $(host_dir "$w")/boot ]] || booting=$((booting + 1)); done
			((booting < LAB_PARALLEL)) && break
			sleep 0.2
		done
		rm -f "$(host_dir "$name")/boot"
		launch_host "$name"
		wait_host "$name" "$addr" &
		wpids+=($!)
		waiters+=("$name")
	done
	for w in "${wpids[@]}"; do wait "$w" || true; done
	for name in "${waiters[@]}"; do
		[[ $(cat "$(host_dir "$name")/boot" 2>/dev/null) == ok ]] || failed+=("$name")
	done
	if ((${#failed[@]})); then
		for name in "${failed[@]}"; do
			echo "$PROG: $name: $(cat "$(host_dir "$name")/boot" 2>/dev/null || echo 'no result'); console: $(host_dir "$name")/console.log" >&2
		done
		die "${#failed[@]} host(s) did not come up: ${failed[*]} (the lab is left up for inspection; $PROG down removes it)"
	fi
}

cmd_down() {
	require_root
	take_lock
	if ! lab_is_present; then
		teardown
		say "no lab to remove"
		return 0
	fi
	local t0
	t0=$(now)
	teardown
	say "lab removed in $(elapsed "$t0") s"
}

cmd_status() {
	require_root
	load_conf
	ssh_opts_init
	local i name addr roles tmp
	tmp=$(mktemp -d)
	local jobs=0
	while read -r i name addr roles; do
		(
			st=stopped s=no
			host_running "$name" && st=up
			[[ $st == up ]] && ssh_ok "$addr" && s=yes
			printf '%-12s %-15s %-8s %s\n' "$name" "$addr" "$st" "$s" >"$tmp/$i"
		) &
		jobs=$((jobs + 1))
		if ((jobs % 16 == 0)); then wait; fi   # a burst of 100 logins swamps 2 cores
	done < <(host_table)
	wait
	printf '%-12s %-15s %-8s %s\n' NAME ADDRESS STATE SSH
	for ((i = 0; i < M + W + R; i++)); do cat "$tmp/$i"; done
	rm -rf "$tmp"
}

cmd_stop() {
	[[ $# -eq 1 ]] || usage_error "stop takes one HOST"
	require_root
	load_conf
	find_host "$1"
	take_lock
	if ! host_running "$HNAME"; then say "$HNAME is already stopped"; return 0; fi
	stop_host "$HNAME" clean
	say "$HNAME stopped"
}

cmd_kill() {
	[[ $# -eq 1 ]] || usage_error "kill takes one HOST"
	require_root
	load_conf
	find_host "$1"
	take_lock
	if ! host_running "$HNAME"; then say "$HNAME is already stopped"; return 0; fi
	stop_host "$HNAME" hard
	say "$HNAME killed"
}

cmd_start() {
	[[ $# -eq 1 ]] || usage_error "start takes one HOST"
	require_root
	load_conf
	find_host "$1"
	take_lock
	BASE=$LAB_CONF_BASE
	ssh_opts_init
	if host_running "$HNAME"; then say "$HNAME is already up"; return 0; fi
	local t0
	t0=$(now)
	stop_host "$HNAME" hard   # clears a half-dead host's cgroups
	boot_hosts start "$HNAME $HADDR"
	say "$HNAME up in $(elapsed "$t0") s"
}

cmd_exec() {
	[[ $# -ge 2 ]] || usage_error "exec takes HOST and a command"
	require_root
	load_conf
	find_host "$1"
	shift
	local p
	p=$(init_pid "$HNAME") || die "$HNAME is not running"
	exec nsenter --target "$p" --mount --uts --ipc --net --pid --root --wd -- \
		/usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root USER=root LOGNAME=root LANG=C.UTF-8 TERM="${TERM:-dumb}" "$@"
}

cmd_project() {
	read_size
	case ${1:-} in
	"") project_yaml ;;
	--example) # inventory/examples/lab.yaml: the reference lab, paths from inventory/examples/
		project_yaml ../../build/lab/id_ed25519 ../../build/lab/known_hosts ../../build/lab/bundle \
			"# Reference lab: $M masters, $W workers, $R registry, the hosts \`make lab-up\` creates
# (tests/lab/lab.sh). Paths are relative to this file; \`make lab-up\` writes them." ;;
	*) usage_error "project takes no arguments but --example" ;;
	esac
}

main() {
	[[ $# -ge 1 ]] || usage_error "missing command"
	local cmd=$1
	shift
	case $cmd in
	up | down | status)
		[[ $# -eq 0 ]] || usage_error "$cmd takes no arguments"
		"cmd_$cmd" ;;
	stop | start | kill | exec | project) "cmd_$cmd" "$@" ;;
	-h | --help | help) usage ;;
	*) usage_error "unknown command '$cmd'" ;;
	esac
}

main "$@"

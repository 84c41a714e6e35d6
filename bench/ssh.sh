#!/usr/bin/env bash
# bench/ssh.sh: the SSH engine against Ansible and OpenSSH on the same lab hosts, in one run.
#
#   bench/ssh.sh [SIZES]        default: "8 32 100"
#
# For each size the lab is grown to that many hosts, then each tool connects,
# authenticates (host keys verified: strict, from the lab's known_hosts) and
# runs `true` on every host, 3 times; the median wall time and the peak
# controller memory (RSS) are reported, with the ratios.  Pushing files is
# measured by bench/push.sh.  Prints a Markdown table for docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=$root/build/hnsp-installer
lab=tests/lab/lab.sh
sizes=${1:-8 32 100}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v ansible >/dev/null || { echo "bench: ansible is missing (make deps)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (make deps)" >&2; exit 2; }
[ -x "$bin" ] || make -s all

# run_timed OUT CMD...: wall ms and peak RSS KiB of CMD appended to OUT as "ms kib".
run_timed() {
	local out=$1 start end
	shift
	start=$(date +%s%N)
	/usr/bin/time -f %M -o "$tmp/rss" "$@" >"$tmp/log" 2>&1 || { echo "bench: failed: $*" >&2; tail -n 5 "$tmp/log" >&2; exit 1; }
	end=$(date +%s%N)
	echo "$(( (end - start) / 1000000 )) $(cat "$tmp/rss")" >>"$out"
}
median() { sort -n "$1" | awk '{a[NR]=$1; m[NR]=$2} END {print a[int((NR+1)/2)], m[int((NR+1)/2)]}'; }

echo "| hosts | hnsp-installer exec | ansible -m ping | ssh via xargs -P | vs ansible | vs ssh | memory hnsp / ansible / ssh (MiB) |"
echo "|---:|---:|---:|---:|---:|---:|---|"
for n in $sizes; do
	LAB_HOSTS=$n "$lab" up >"$tmp/up.log" 2>&1 || { cat "$tmp/up.log" >&2; exit 1; }
	project=build/lab/project.yaml
	awk '/address:/ {print $2}' "$project" >"$tmp/addrs"
	{
		echo "[lab]"
		awk '{print $1}' "$tmp/addrs"
		echo "[lab:vars]"
		echo "ansible_user=root"
		echo "ansible_ssh_private_key_file=$root/build/lab/id_ed25519"
		echo "ansible_ssh_common_args='-o UserKnownHostsFile=$root/build/lab/known_hosts -o StrictHostKeyChecking=yes'"
	} >"$tmp/inventory"
	rm -f "$tmp"/{hnsp,ansible,ssh}
	for _ in 1 2 3; do
		run_timed "$tmp/hnsp" "$bin" exec "$project" -- true
		ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
			run_timed "$tmp/ansible" ansible all -i "$tmp/inventory" -m ping -f "$n"
		run_timed "$tmp/ssh" xargs -P "$n" -I{} ssh -o BatchMode=yes -o StrictHostKeyChecking=yes \
			-o UserKnownHostsFile="$root/build/lab/known_hosts" -i "$root/build/lab/id_ed25519" \
			root@{} true <"$tmp/addrs"
	done
	read -r h hm <<<"$(median "$tmp/hnsp")"
	read -r a am <<<"$(median "$tmp/ansible")"
	read -r s sm <<<"$(median "$tmp/ssh")"
	awk -v n="$n" -v h="$h" -v a="$a" -v s="$s" -v hm="$hm" -v am="$am" -v sm="$sm" 'BEGIN {
		printf "| %d | %.2f s | %.2f s | %.2f s | %.1fx faster | %.1fx faster | %.0f / %.0f / %.0f |\n",
			n, h / 1000, a / 1000, s / 1000, a / h, s / h, hm / 1024, am / 1024, sm / 1024 }'
done

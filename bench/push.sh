#!/usr/bin/env bash
# bench/push.sh: SFTP push against scp on the same lab hosts, in one run.
#
#   bench/push.sh [MB]          default 200
#
# Pushes one file of MB megabytes of random data to 1 host and to 8 hosts
# with `hnsp-installer push` (SHA-256 checked on each host, atomic rename)
# and with scp (plain copy, 8 in parallel for 8 hosts), 3 times each, median
# wall time, throughput in MB/s summed over hosts, and the ratio.  The lab
# must hold at least 8 hosts (the default has 9).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=$root/build/hnsp-installer
mb=${1:-200}
tmp=$(mktemp -d)
project=build/lab/project.yaml
trap 'rm -rf "$tmp"; "$bin" exec "$project" -- rm -f /root/bench.bin >/dev/null 2>&1 || true' EXIT

[ -f "$project" ] || { echo "bench: no lab (make lab-up)" >&2; exit 2; }
[ -x "$bin" ] || make -s all
head -c $((mb * 1000000)) /dev/urandom >"$tmp/bench.bin"
mapfile -t addrs < <(awk '/address:/ {print $2}' "$project" | head -n 8)
mapfile -t names < <(awk '/- name:/ {print $3}' "$project" | head -n 8)
ssh_opts=(-o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$root/build/lab/known_hosts" -i "$root/build/lab/id_ed25519")

ms() { local s=$(date +%s%N); "$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; exit 1; }; echo $(( ($(date +%s%N) - s) / 1000000 )); }
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
clean() { "$bin" exec "$project" -- rm -f /root/bench.bin >/dev/null 2>&1 || true; }

echo "| hosts | hnsp-installer push | scp | push throughput | scp throughput | push / scp |"
echo "|---:|---:|---:|---:|---:|---:|"
for n in 1 8; do
	hosts=$(IFS=,; echo "${names[*]:0:$n}")
	p=() s=()
	for _ in 1 2 3; do
		clean
		p+=("$(ms "$bin" push "$project" --hosts "$hosts" "$tmp/bench.bin" /root/bench.bin)")
		clean
		s+=("$(ms bash -c 'printf "%s\n" "${@:2}" | xargs -P 8 -I{} scp -q '"${ssh_opts[*]}"' "$1" root@{}:/root/bench.bin' _ "$tmp/bench.bin" "${addrs[@]:0:$n}")")
	done
	pm=$(median "${p[@]}") sm=$(median "${s[@]}")
	awk -v n="$n" -v p="$pm" -v s="$sm" -v mb="$mb" 'BEGIN {
		printf "| %d | %.2f s | %.2f s | %.0f MB/s | %.0f MB/s | %.2f |\n",
			n, p / 1000, s / 1000, n * mb / (p / 1000), n * mb / (s / 1000), s / p }'
done

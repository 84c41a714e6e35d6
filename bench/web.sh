#!/usr/bin/env bash
# bench/web.sh: the web server under load, in one run on loopback.
#
#   bench/web.sh [SECONDS]        default 10 per wrk run
#
# 1. API requests per second and latency percentiles with wrk (2 threads, 64
#    connections, bearer token): GET /api/session (authentication only) and
#    GET /api/catalog (a 20 KB JSON answer), with no run going.
# 2. A live run on the lab (the engine tests' catalog: 3 hosts, 3 phases,
#    about 20 s) with 100 event-stream clients attached: the server's
#    resident memory before and at its peak, whether every client saw
#    run_end, and wrk's figures for GET /api/session while the 100 streams
#    are served.
# Needs the lab (make lab-up).  The release build is measured.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=$root/build/hnsp-installer
secs=${1:-10}
tmp=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; pkill -P $$ curl 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

[ -f build/lab/project.yaml ] || { echo "bench: no lab (make lab-up)" >&2; exit 2; }
make -s all
command -v wrk >/dev/null || { echo "bench: no wrk (make deps)" >&2; exit 2; }

# The engine tests' catalog and playbooks as the data directory.
data=$tmp/data
mkdir -p "$data/playbooks" "$data/installer"
sed "s/VERIFY_PLAYBOOK/ok.yml/" tests/apply/catalog.yaml >"$data/playbooks/catalog.yaml"
ln -s "$root"/tests/apply/playbooks/*.yml "$data/playbooks/"
ln -s "$root/playbooks/callback_plugins" "$data/playbooks/callback_plugins"
ln -s "$root/installer/web" "$data/installer/web"

state=$tmp/state
echo 'bench-admin-pass' | "$bin" --state "$state" user add admin --role admin >/dev/null
echo 'bench-operator-pass' | "$bin" --state "$state" user add op --role operator >/dev/null
token=$("$bin" --state "$state" user token op)
# A project kept in the state directory names only the state's places: the
# lab key imported into STATE/keys/, the lab's host keys in STATE/known_hosts.
"$bin" --state "$state" key import "$root/build/lab/id_ed25519" --name lab >/dev/null
cp "$root/build/lab/known_hosts" "$state/known_hosts"
HNSP_DATA_DIR=$data "$bin" --state "$state" web --listen 127.0.0.1:0 >"$tmp/web.out" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q '^serving' "$tmp/web.out" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$tmp/web.out")
auth="Authorization: Bearer $token"
json='Content-Type: application/json' # every POST, PUT and DELETE needs it
rss() { awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$server/status"; }
hwm() { awk '/^VmHWM/ {print int($2 / 1024)}' "/proc/$server/status"; }

# wrk's summary as "REQ/S | p50 | p99".
load() {
	wrk -t2 -c64 -d"${secs}s" --latency -H "$auth" "$url$1" >"$tmp/wrk" 2>&1
	awk '/Requests\/sec/ {r=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF}
		END {printf "%d | %s | %s%s\n", r, p50, p99, bad ? " (" bad " non-2xx)" : ""}' "$tmp/wrk"
}

echo "| request | requests/s | p50 | p99 |"
echo "|---|---:|---:|---:|"
echo "| GET /api/session, idle | $(load api/session) |"
echo "| GET /api/catalog, idle | $(load api/catalog) |"

cat >"$tmp/p.yaml" <<YAML
name: bench
ssh:
  key_file: lab
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
/usr/bin/python3 -c 'import json,sys; print(json.dumps({"yaml": open(sys.argv[1]).read()}))' "$tmp/p.yaml" |
	curl -sf -H "$auth" -H "$json" -X PUT --data @- "${url}api/projects/bench" >/dev/null
before=$(rss)
run=$(curl -sf -H "$auth" -H "$json" -d '{}' "${url}api/projects/bench/runs" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
start=$(date +%s%N)
# The server holds at most 64 connections per address, and wrk takes 64 from
# 127.0.0.1: the streams come from 127.0.0.2 to 127.0.0.5, 25 each.
for i in $(seq 100); do
	curl -sN -m 300 --interface "127.0.0.$((2 + i % 4))" -H "$auth" "${url}api/runs/$run/events" >"$tmp/sse.$i" &
done
sleep 2
during=$(load api/session)
peak=$(rss)
wait $(jobs -p | grep -v "^$server$") 2>/dev/null || true
ended=$(grep -l '"run_end"' "$tmp"/sse.* | wc -l)
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
echo "| GET /api/session, a live run with 100 event streams | $during |"
echo
echo "| live run with 100 event-stream clients | value |"
echo "|---|---|"
echo "| server memory before the run (RSS) | $before MiB |"
echo "| server memory with 100 streams attached (RSS; peak of the process $(hwm) MiB) | $peak MiB |"
echo "| clients that received run_end | $ended of 100 |"
echo "| run length as the clients saw it | $((elapsed / 1000)) s |"
echo "| events per client | $(grep -c '^id: ' "$tmp/sse.1") |"

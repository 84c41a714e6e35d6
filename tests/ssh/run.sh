#!/usr/bin/env bash
# tests/ssh/run.sh: the SSH engine, exec and preflight against real lab hosts.
#
# Brings up the default lab (3 masters, 5 workers, 1 registry), breaks hosts in
# the ways operators meet (unknown and changed host keys, a wrong user, a
# stopped host, an address nobody holds, sshd killed mid-command, a busy port,
# python3 missing), checks each gives its own classified reason while the other
# hosts carry on, then grows the lab to 32 hosts for fan-out.  The lab is
# removed at the end.
set -u
cd "$(dirname "$0")/../.."
root=$PWD
bin=$root/build/hnsp-installer-asan
lab=tests/lab/lab.sh
. tests/lib.sh
tmp=$(mktemp -d)
cleanup() {
	"$lab" down >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

if ! timeout 600 "$lab" up >"$tmp/up.log" 2>&1; then
	not_ok "lab up: $(tail -n 3 "$tmp/up.log")"
	echo "ssh: $passed passed, $((failed)) failed"
	exit 0
fi
project=build/lab/project.yaml
kh=build/lab/known_hosts

# A variant of the lab project: SED is applied to a copy, in $tmp (paths absolute).
variant() { # NAME SED-SCRIPT
	sed -e "s|key_file: id_ed25519|key_file: $root/build/lab/id_ed25519|" \
		-e "s|known_hosts: known_hosts|known_hosts: $root/$kh|" \
		-e "s|bundle: bundle|bundle: $root/build/lab/bundle|" -e "$2" "$project" >"$tmp/$1.yaml"
	echo "$tmp/$1.yaml"
}

# ---- key auth with strict host keys
out=$("$bin" exec "$project" -- uname -n 2>&1); rc=$?
[ $rc = 0 ] && has "$out" "exec: 9 hosts, 9 ok, 0 failed"
verdict "exec on 9 hosts with strict host keys: all ok"
[ "$(grep -A1 '^== ' <<<"$out" | grep -v '^==\|^--' | tr '\n' ' ')" = \
	"master1 master2 master3 worker1 worker2 worker3 worker4 worker5 registry1 " ]
verdict "each host's output comes whole and in order"

# ---- accept-new records keys; strict refuses an unknown one
p=$(variant accept "s|host_key_policy: strict|host_key_policy: accept-new|; s|known_hosts: $root/$kh|known_hosts: $tmp/kh-new|")
out=$("$bin" exec "$p" -- true 2>&1); rc=$?
lab_keys=$(awk '{print $1, $3}' "$kh" | sort)
new_keys=$(awk '{print $1, $3}' "$tmp/kh-new" 2>/dev/null | sort)
[ $rc = 0 ] && [ "$new_keys" = "$lab_keys" ] && [ "$(wc -l <"$tmp/kh-new")" = 9 ]
verdict "accept-new: first contact succeeds and records the 9 real host keys"
out=$("$bin" exec "$p" -- true 2>&1); rc=$?
[ $rc = 0 ] && [ "$(wc -l <"$tmp/kh-new")" = 9 ]
verdict "accept-new: second contact adds nothing"
grep -v '^10.77.0.12 ' "$tmp/kh-new" >"$tmp/kh-partial"
p=$(variant strict-unknown "s|known_hosts: $root/$kh|known_hosts: $tmp/kh-partial|")
out=$("$bin" exec "$p" -- true 2>&1); rc=$?
fp12=$(ssh-keygen -lf <(grep '^10.77.0.12 ' "$kh") | awk '{print $2}')
[ $rc = 1 ] && has "$out" "== master2 \[host key mismatch\] master2: host key $fp12 is not in $tmp/kh-partial and the policy is strict" &&
	has "$out" "exec: 9 hosts, 8 ok, 1 failed"
verdict "strict: an unknown key is refused, naming host and fingerprint; others run"

# ---- a regenerated host key is refused with both fingerprints
"$lab" exec worker3 sh -c 'cp -a /etc/ssh/ssh_host_ed25519_key /root/k && cp -a /etc/ssh/ssh_host_ed25519_key.pub /root/k.pub &&
	rm -f /etc/ssh/ssh_host_ed25519_key* && ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key && systemctl restart ssh'
old=$(ssh-keygen -lf <(grep '^10.77.0.16 ' "$kh") | awk '{print $2}')
new=$("$lab" exec worker3 ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub | awk '{print $2}')
out=$("$bin" exec "$project" -- true 2>&1); rc=$?
[ $rc = 1 ] && [ "$old" != "$new" ] &&
	has "$out" "worker3: host key changed: $root/$kh has $old, the server offered $new; if the host was reinstalled, remove the old key with 'ssh-keygen -R 10.77.0.16 -f $root/$kh'" &&
	has "$out" "exec: 9 hosts, 8 ok, 1 failed"
verdict "changed host key: refused with both fingerprints and the fix; others run"
"$lab" exec worker3 sh -c 'mv /root/k /etc/ssh/ssh_host_ed25519_key && mv /root/k.pub /etc/ssh/ssh_host_ed25519_key.pub && systemctl restart ssh'

# ---- unreachable address, wrong user, stopped host: each classified, others run
p=$(variant faults "s|^ssh:|ssh:\n  connect_timeout: 5|")
python3 - "$p" <<'PY'
import sys
t = open(sys.argv[1]).read()
# worker4's address, logged into as a user that does not exist; and an address nobody holds.
t = t.replace("  - name: worker4\n    address: 10.77.0.17\n",
              "  - name: stranger\n    address: 10.77.0.17\n    user: nobody\n")
t = t.replace("network:\n", "  - name: ghost\n    address: 10.77.0.200\n    roles: [worker]\nnetwork:\n", 1)
open(sys.argv[1], "w").write(t)
PY
"$lab" stop worker2 >/dev/null 2>&1
out=$("$bin" exec "$p" --json -- true 2>/dev/null); rc=$?
status() { json "next(h['status'] + ' | ' + h['reason'] for h in d['hosts'] if h['name'] == '$1')" <<<"$out"; }
has "$(status ghost)" "^unreachable | ghost: cannot connect to 10.77.0.200 port 22: No route to host"
verdict "ghost address: unreachable (no route), named"
has "$(status stranger)" "^auth failed | stranger: authentication as 'nobody' failed (tried key $root/build/lab/id_ed25519)"
verdict "wrong user: auth failed, names the user and what was tried"
has "$(status worker2)" "^unreachable | worker2: cannot connect to 10.77.0.15 port 22"
verdict "stopped host: unreachable, connection refused or no route"
[ $rc = 1 ] && [ "$(json "sum(h['status'] == 'ok' for h in d['hosts'])" <<<"$out")" = 7 ]
verdict "the other hosts ran, exit 1 overall"
"$lab" start worker2 >/dev/null 2>&1

# ---- sshd killed in the middle of a command: a prompt classified failure, no hang
( sleep 1.5; "$lab" exec worker1 sh -c 'pkill -KILL -x sshd; pkill -KILL -f "[s]shd:"' ) &
start=$SECONDS
out=$(timeout 60 "$bin" exec "$project" --hosts worker1,worker4 -- sleep 20 2>&1); rc=$?
wait
[ $rc = 1 ] && has "$out" "== worker1 \[unreachable\] worker1: connection lost while 'sleep' ran" &&
	has "$out" "== worker4 \[exit 0"
verdict "sshd killed mid-command: 'connection lost' for that host, the other finishes"
"$lab" exec worker1 systemctl start ssh

# ---- a command timeout
out=$("$bin" exec "$project" --hosts master1 --timeout 1 -- sleep 5 2>&1); rc=$?
[ $rc = 1 ] && has "$out" "== master1 \[timeout\] master1: 'sleep' did not finish within 1000 ms"
verdict "--timeout: the command is stopped and reported as a timeout"

# ---- arguments are passed as they are, never through a shell
out=$("$bin" exec "$project" --hosts master1 -- printf '%s|' 'a b' '$(id)' "'q'" ';' 2>&1)
has "$out" "^a b|\$(id)|'q'|;|"
verdict "argv reaches the host unchanged (spaces, \$(), quotes, ;)"

# ---- sudo with a typed password; never the command's input when sudo does not ask
"$lab" exec master1 sh -c '{ id deploy || useradd -m -s /bin/sh deploy; } &&
	echo "deploy:Pw-secret1" | chpasswd && mkdir -p /home/deploy/.ssh &&
	cp /root/.ssh/authorized_keys /home/deploy/.ssh/ && chown -R deploy /home/deploy/.ssh &&
	echo "deploy ALL=(ALL) ALL" >/etc/sudoers.d/deploy' >/dev/null 2>&1
p=$(variant deploy "s|user: root|user: deploy|")
# The password is typed after the prompt, as a person would (typeahead is discarded).
typed() { (sleep 2; printf 'Pw-%s\n' "$1") | script -qec "'$bin' exec '$p' --hosts master1 --become --ask-pass -- sh -c 'id -un; cat'" /dev/null 2>&1; }
out=$(typed secret1)
has "$out" "^root" && has "$out" "exec: 1 host, 1 ok"
verdict "--become with a typed password: sudo gets it on stdin, the command runs as root"
"$lab" exec master1 sh -c 'echo "deploy ALL=(ALL) NOPASSWD: ALL" >/etc/sudoers.d/deploy'
out=$(typed secret1)
has "$out" "^root" && ! has "$out" "Pw-secret1"
verdict "sudo without a password: the typed password does not reach the command's stdin"
"$lab" exec master1 sh -c 'rm -f /etc/sudoers.d/deploy; userdel -r deploy' >/dev/null 2>&1

# ---- jump host: master1 forwards to the others
p=$(variant jump "s|^ssh:|ssh:\n  jump_host:\n    address: 10.77.0.11|")
out=$("$bin" exec "$p" --hosts worker,registry -- uname -n 2>&1); rc=$?
[ $rc = 0 ] && has "$out" "exec: 6 hosts, 6 ok"
verdict "jump host: 6 hosts reached through master1"

# ---- push: checksum, skip unchanged, resume after an interrupted transfer, modes, trees
head -c 200000000 /dev/urandom >"$tmp/big.bin"
sum=$(sha256sum <"$tmp/big.bin" | cut -d' ' -f1)
(timeout -s KILL 1 "$root/build/hnsp-installer" push "$project" --hosts worker2 "$tmp/big.bin" /root/big.bin >/dev/null) 2>/dev/null
part=$("$lab" exec worker2 sh -c 'stat -c %s /root/.big.bin.hnsp-part 2>/dev/null || echo 0')
out=$("$bin" push "$project" --hosts worker2,worker3 --json "$tmp/big.bin" /root/big.bin 2>&1); rc=$?
[ $rc = 0 ] && [ "$part" -gt 0 ] &&
	[ "$(json "[h['resumed'] for h in d['hosts']]" <<<"$out")" = "[1, 0]" ]
verdict "push after a killed transfer resumes the part ($part bytes were there)"
[ "$("$lab" exec worker2 sha256sum /root/big.bin | cut -d' ' -f1)" = "$sum" ] &&
	[ "$("$lab" exec worker3 sha256sum /root/big.bin | cut -d' ' -f1)" = "$sum" ] &&
	! "$lab" exec worker2 test -e /root/.big.bin.hnsp-part
verdict "pushed file has the same SHA-256 on both hosts"
out=$("$bin" push "$project" --hosts worker2,worker3 --json "$tmp/big.bin" /root/big.bin 2>&1); rc=$?
[ $rc = 0 ] && [ "$(json "[(h['files'], h['skipped'], h['bytes_sent']) for h in d['hosts']]" <<<"$out")" = "[(0, 1, 0), (0, 1, 0)]" ]
verdict "pushing again sends nothing: unchanged files are skipped"
"$lab" exec worker2 rm -f /root/big.bin
"$lab" exec worker3 rm -f /root/big.bin
rm -f "$tmp/big.bin"
mkdir -p "$tmp/tree/sub dir"
echo hello >"$tmp/tree/a.txt"; chmod 0640 "$tmp/tree/a.txt"
printf '#!/bin/sh\necho run\n' >"$tmp/tree/sub dir/run.sh"; chmod 0755 "$tmp/tree/sub dir/run.sh"
ln -s a.txt "$tmp/tree/link"
out=$("$bin" push "$project" --hosts master3 "$tmp/tree" /opt/hnsp-test 2>&1); rc=$?
[ $rc = 0 ] && [ "$("$lab" exec master3 stat -c '%a %N' /opt/hnsp-test/a.txt "/opt/hnsp-test/sub dir/run.sh" /opt/hnsp-test/link | tr '\n' ' ')" = \
	"640 '/opt/hnsp-test/a.txt' 755 '/opt/hnsp-test/sub dir/run.sh' 777 '/opt/hnsp-test/link' -> 'a.txt' " ]
verdict "push of a tree keeps modes and symlinks"
"$lab" exec master3 rm -rf /opt/hnsp-test

# A managed host is not trusted: a part or a directory of the tree planted as a
# symlink is never written through (issue 11 item 7).
"$lab" exec worker2 sh -c 'echo canary >/root/victim && ln -sfn /root/victim /root/.pushed.txt.hnsp-part &&
	mkdir -p /root/victim-dir /opt/hnsp-sl && ln -sfn /root/victim-dir /opt/hnsp-sl/sub'
echo "pushed content" >"$tmp/pushed.txt"
out=$("$bin" push "$project" --hosts worker2 "$tmp/pushed.txt" /root/pushed.txt 2>&1); rc=$?
[ $rc = 0 ] && [ "$("$lab" exec worker2 cat /root/victim)" = canary ] &&
	[ "$("$lab" exec worker2 cat /root/pushed.txt)" = "pushed content" ] &&
	"$lab" exec worker2 test ! -L /root/pushed.txt -a ! -e /root/.pushed.txt.hnsp-part
verdict "push removes a part planted as a symlink to another file: the target is unchanged, the file is right"
mkdir -p "$tmp/sltree/sub"
echo planted >"$tmp/sltree/sub/f"
out=$("$bin" push "$project" --hosts worker2 "$tmp/sltree" /opt/hnsp-sl 2>&1); rc=$?
[ $rc != 0 ] && has "$out" "'/opt/hnsp-sl/sub' is a symlink, refusing to write through it" &&
	[ -z "$("$lab" exec worker2 ls -A /root/victim-dir)" ]
verdict "push refuses a directory of the tree planted as a symlink on the host, naming it"
"$lab" exec worker2 rm -rf /root/victim /root/victim-dir /root/pushed.txt /opt/hnsp-sl

# ---- preflight: passes on the lab, fast; fails with the reason when a host breaks a rule
start=$(date +%s%N)
out=$("$bin" preflight "$project" --json 2>&1); rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $rc = 0 ] && [ "$(json "d['ok']" <<<"$out")" = True ]
verdict "preflight passes on the default lab (exit 0, ok true)"
[ "$(json "' '.join(h['name'] + ':' + h['checks'][0]['name'] + '=' + h['checks'][0]['status'] for h in d['hosts'])" <<<"$out")" = \
	"master1:reachable=ok master2:reachable=ok master3:reachable=ok worker1:reachable=ok worker2:reachable=ok worker3:reachable=ok worker4:reachable=ok worker5:reachable=ok registry1:reachable=ok" ]
verdict "preflight JSON has every host and the reachable check"
echo "    preflight on 9 hosts: $ms ms"
[ "$ms" -lt 4000 ]
verdict "preflight answers within 2 s for 9 hosts ($ms ms, sanitizer build)"

"$lab" exec master2 systemd-run --unit=hnsp-test-hog python3 -m http.server 2379 >/dev/null 2>&1
"$lab" exec worker5 mv /usr/bin/python3 /usr/bin/python3.hidden
sleep 1
out=$("$bin" preflight "$project" 2>&1); rc=$?
has "$out" "^master2      ports     FAIL in use: 2379"
verdict "preflight: a busy etcd port fails on master2 with the port"
has "$out" "^worker5      python3   FAIL python3 is missing"
verdict "preflight: missing python3 fails on worker5"
[ $rc = 1 ] && has "$out" "preflight: 9 hosts, 2 failures"
verdict "preflight exits 1 and counts the failures"
"$lab" exec master2 systemctl stop hnsp-test-hog >/dev/null 2>&1
"$lab" exec worker5 mv /usr/bin/python3.hidden /usr/bin/python3

# ---- fan-out over 32 hosts
if LAB_HOSTS=32 timeout 600 "$lab" up >"$tmp/up32.log" 2>&1; then
	out=$("$bin" exec "$project" --json -- true 2>&1); rc=$?
	[ $rc = 0 ] && [ "$(json "len(d['hosts'])" <<<"$out")" = 32 ]
	verdict "fan-out: 32 hosts, all ok"
	echo "    exec true on 32 hosts: $(json "d['elapsed_ms']" <<<"$out") ms"
else
	not_ok "lab of 32 hosts: $(tail -n 3 "$tmp/up32.log")"
fi

echo "ssh: $passed passed, $failed failed"

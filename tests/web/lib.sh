# tests/web/lib.sh: what the tests of the web server share; source it after tests/lib.sh.
#
# Needs $bin (the binary) and $tmp (a private directory).  web_start sets
# $server (its pid) and $url; web_stop ends it.  Requests carry
# "Content-Type: application/json" like the GUI's, unless they are given
# another with -H 'Content-Type: ...'.
server= url=

py() { /usr/bin/python3 -c "$@"; }
# field JSON EXPR: a Python expression over d, the parsed JSON.
field() { py "import json,sys; d=json.loads(sys.argv[1]); print($2)" "$1"; }
# req [curl options] METHOD PATH: the body, then the status on the last line.
req() {
	local args=("${@:1:$#-2}") method=${*: -2:1} path=${*: -1} type='Content-Type: application/json'
	local a
	for a in "${args[@]}"; do [[ ${a,,} == content-type:* ]] && type=; done
	curl -s -m 60 -X "$method" ${type:+-H "$type"} "${args[@]}" -w '\n%{http_code}' "$url${path#/}"
}
status() { tail -n 1 <<<"$1"; }
body() { sed '$d' <<<"$1"; }
yaml_json() { py 'import json,sys; print(json.dumps({"yaml": sys.stdin.read()}))'; }

# new_key STATE NAME: a new key $tmp/NAME, imported into STATE as NAME, so a
# project's "key_file: NAME" names it both in STATE/projects and in $tmp.
new_key() {
	ssh-keygen -q -t ed25519 -N '' -C '' -f "$tmp/$2" &&
		"$bin" --state "$1" key import "$tmp/$2" --name "$2" >/dev/null
}
# closed_project NAME KEY [PORT [TIMEOUT]]: a project NAME whose one host is
# port PORT of loopback (default 1, which refuses SSH), with KEY as its key
# file: a run of it starts Ansible and fails fast (in TIMEOUT s, default 2).
closed_project() {
	cat <<EOF
name: $1
ssh:
  user: root
  port: ${3:-1}
  key_file: $2
  host_key_policy: accept-new
  connect_timeout: ${4:-2}
hosts:
  - {name: a1, address: 127.0.0.1, roles: [master, etcd, worker]}
network:
  host_cidrs: [127.0.0.0/8]
components:
  base: {}
EOF
}

# web_start STATE [web options]: starts the server on a free loopback port,
# its output in $tmp/web.out.  Returns 1 when it does not say it is serving.
web_start() {
	local state=$1
	shift
	"$bin" --state "$state" web --listen 127.0.0.1:0 "$@" >"$tmp/web.out" 2>&1 &
	server=$!
	for _ in $(seq 100); do grep -q '^serving' "$tmp/web.out" && break; sleep 0.1; done
	url=$(grep -o 'https\?://127.0.0.1:[0-9]*/' "$tmp/web.out")
	[ -n "$url" ]
}
# web_stop: SIGTERM, and the server's exit status.
web_stop() {
	local rc=0
	if [ -n "$server" ]; then
		kill "$server" 2>/dev/null
		wait "$server" 2>/dev/null || rc=$?
	fi
	server=
	return $rc
}
# login NAME PASSWORD JAR: logs in, keeps the cookie in JAR (headers in
# JAR.h) and prints the CSRF token.
login() {
	local r
	r=$(req -c "$3" -D "$3.h" -d "{\"name\":\"$1\",\"password\":\"$2\"}" POST /api/login)
	[ "$(status "$r")" = 200 ] && field "$(body "$r")" "d['csrf']"
}

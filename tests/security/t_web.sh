#!/usr/bin/env bash
# tests/security/t_web.sh: the web server's doors (issue 11, items 3 and 5).
#
# Slow connections: idle sockets from one address cannot lock others out,
# and a socket that sends no request header is closed soon.  Login CSRF and
# DNS rebinding: a change needs a JSON body and an Origin (or Host) of this
# server; a Host that is not this server's is refused for every request;
# HSTS under TLS; a loud warning when serving plain HTTP beyond loopback.
set -u
. "$(dirname "$0")/lib.sh"

web_start "$state"
port=${url##*:}
port=${port%/}
login_json='{"name":"olga","password":"'"$OPERATOR_PW"'"}'

# ---- item 3: 500 idle sockets from 127.0.0.2 (half of them with half a
# request header), then a login from 127.0.0.1.  The helper prints how many
# of its sockets the server still holds after 2 s, the login's status and
# time (ms), and how many it still holds 12 s later (the header timeout is 10 s).
# It closes every socket it opened and gives up after 30 s whatever happens.
cat >"$tmp/idle.py" <<'PY'
import http.client, json, select, socket, sys, time
port, body = int(sys.argv[1]), sys.argv[2]
socks = []
def login():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5, source_address=("127.0.0.1", 0))
    t = time.monotonic()
    try:
        c.request("POST", "/api/login", body, {"Content-Type": "application/json"})
        status = c.getresponse().status
    except OSError as e:
        status = "error:" + type(e).__name__
    took = time.monotonic() - t
    c.close()
    return status, took
def still_open():
    n = 0
    for s in socks:
        try:
            r, _, _ = select.select([s], [], [], 0)
            if not r or s.recv(1, socket.MSG_PEEK):
                n += 1
        except OSError:
            pass
    return n
_, base = login()  # the same login on this machine, now, with no idle socket
try:
    for i in range(500):
        s = socket.socket()
        s.settimeout(2)
        s.bind(("127.0.0.2", 0))
        try:
            s.connect(("127.0.0.1", port))
            if i % 2:
                s.sendall(b"GET /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        except OSError:
            pass
        socks.append(s)
    time.sleep(2)
    held = still_open()
    status, took = login()
    time.sleep(12)
    print(held, status, int(took * 1000), still_open(), int(base * 1000))
finally:
    for s in socks:
        s.close()
PY
# Meanwhile, from 127.0.0.4, three that trickle a byte a second, forever: a
# header, a login's body, and the body of a change refused for want of a
# session.  It prints after how many seconds the server cut each (or "open"
# after 20 s).
cat >"$tmp/trickle.py" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
heads = [b"GET /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",
         b"POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         b"Content-Length: 4000\r\n\r\n{\"name\": \"",
         b"PUT /api/projects/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         b"Content-Length: 100000\r\n\r\n{\"yaml\": \""]
socks, cut, start = [], [None, None, None], time.monotonic()
try:
    for h in heads:
        s = socket.socket()
        s.settimeout(0.5)
        s.bind(("127.0.0.4", 0))
        s.connect(("127.0.0.1", port))
        s.sendall(h)
        s.setblocking(False)
        socks.append(s)
    while None in cut and time.monotonic() - start < 20:
        time.sleep(1)
        for i, s in enumerate(socks):
            if cut[i] is None:
                try:
                    s.sendall(b"a")
                    if s.recv(1, socket.MSG_PEEK) == b"":
                        cut[i] = time.monotonic() - start
                except BlockingIOError:
                    pass
                except OSError:
                    cut[i] = time.monotonic() - start
    print(*["open" if c is None else int(c) for c in cut])
finally:
    for s in socks:
        s.close()
PY
timeout 30 /usr/bin/python3 "$tmp/trickle.py" "$port" >"$tmp/trickle.out" &
trickle=$!
read -r held code took left base < <(timeout 30 /usr/bin/python3 "$tmp/idle.py" "$port" "$login_json")
echo "# idle sockets held: ${held:-?} of 500; login: ${code:-?} in ${took:-?} ms (${base:-?} ms with none); held 14 s after connecting: ${left:-?}"
# Within 1 s; on a machine so loaded that a login alone takes longer (the
# Argon2 hash under ASan), within three times that: locked out, it never came.
limit=$((3 * ${base:-1000}))
[ "$limit" -lt 1000 ] && limit=1000
[ "${code:-}" = 200 ] && [ "${took:-99999}" -lt "$limit" ]
verdict "a login from 127.0.0.1 answers 200 within 1 s, or 3x a lone login when loaded (${took:-?} ms), while 127.0.0.2 holds 500 idle sockets"
[ -n "${held:-}" ] && [ "$held" -ge 1 ] && [ "$held" -le 64 ]
verdict "one address holds at most 64 connections (held ${held:-?} of 500)"
[ "${left:-}" = 0 ]
verdict "sockets that send no complete request header are closed after the header timeout"

wait "$trickle"
read -r cut_header cut_body cut_refused <"$tmp/trickle.out"
echo "# trickling a byte a second, cut after: header ${cut_header:-?} s, login body ${cut_body:-?} s, refused body ${cut_refused:-?} s"
[ "${cut_header:-99}" != open ] && [ "${cut_header:-99}" -le 12 ] &&
	[ "${cut_body:-99}" != open ] && [ "${cut_body:-99}" -le 12 ]
verdict "a header or a login body trickled a byte a second is cut at the 10 s deadline"
[ "${cut_refused:-99}" != open ] && [ "${cut_refused:-99}" -le 12 ]
verdict "the body of a change refused without a session, trickled, is cut at the deadline too"

r=$(req GET /api/catalog)
[ "$(status "$r")" = 401 ]
verdict "the server still answers after the idle sockets are gone"

# ---- item 5: Content-Type on every change, login included
r=$(req -D "$tmp/h" -H 'Content-Type: application/x-www-form-urlencoded' \
	-d "name=olga&password=$OPERATOR_PW" POST /api/login)
[ "$(status "$r")" = 415 ] && ! grep -qi '^set-cookie' "$tmp/h" && has "$(body "$r")" "Content-Type"
verdict "a form-encoded login gets 415 naming Content-Type, and no cookie"

r=$(req -D "$tmp/h" -H 'Content-Type: text/plain' -d "$login_json" POST /api/login)
r2=$(curl -s -D "$tmp/h2" -X POST -d "$login_json" -w '\n%{http_code}' "${url}api/login")
[ "$(status "$r")" = 415 ] && [ "$(status "$r2")" = 415 ] &&
	! grep -qi '^set-cookie' "$tmp/h" "$tmp/h2"
verdict "a JSON login sent as text/plain, or with no Content-Type, gets 415 and no cookie"

r=$(req -D "$tmp/h" -H 'Content-Type: application/json' -H 'Content-Type: text/plain' -d "$login_json" POST /api/login)
[ "$(status "$r")" = 400 ] && ! grep -qi '^set-cookie' "$tmp/h" && has "$(body "$r")" "Content-Type header is repeated"
verdict "a login with two Content-Type headers gets 400 naming the header, and no cookie"

csrf=$(login olga "$OPERATOR_PW" "$tmp/olga")
[ -n "$csrf" ]
verdict "a JSON login from curl (no Origin, Host 127.0.0.1:PORT) works"

yaml_json <inventory/examples/small.yaml >"$tmp/small.json"
req -b "$tmp/olga" -H "X-CSRF-Token: $csrf" --data @"$tmp/small.json" PUT /api/projects/small >/dev/null
r=$(curl -s -b "$tmp/olga" -H "X-CSRF-Token: $csrf" -X DELETE -w '\n%{http_code}' "${url}api/projects/small")
r2=$(req -b "$tmp/olga" -H "X-CSRF-Token: $csrf" -H 'Content-Type: multipart/form-data; boundary=x' \
	--data @"$tmp/small.json" PUT /api/projects/small)
[ "$(status "$r")" = 415 ] && [ "$(status "$r2")" = 415 ] && [ -e "$state/projects/small.yaml" ]
verdict "DELETE without Content-Type and PUT as multipart get 415; the project is still there"

r=$(req -b "$tmp/olga" -H "X-CSRF-Token: $csrf" -H 'Content-Type: Application/JSON; charset=utf-8' \
	DELETE /api/projects/small)
[ "$(status "$r")" = 200 ] && [ ! -e "$state/projects/small.yaml" ]
verdict "Content-Type is matched without case and with parameters (DELETE with application/json; charset=utf-8 works)"

# ---- item 5: Origin
r=$(req -D "$tmp/h" -H 'Origin: http://evil.example' -d "$login_json" POST /api/login)
[ "$(status "$r")" = 403 ] && ! grep -qi '^set-cookie' "$tmp/h" && has "$(body "$r")" "evil.example"
verdict "a login with Origin: http://evil.example gets 403 naming the origin, and no cookie"

bad=
for o in "null" "https://127.0.0.1:$port" "http://127.0.0.1:$((port == 65535 ? 1 : port + 1))" \
	"http://attacker.example:$port" "http://127.0.0.1:$port.evil.example" "http://127.0.0.1:$port/x"; do
	code=$(status "$(req -D "$tmp/h" -H "Origin: $o" -d "$login_json" POST /api/login)")
	if [ "$code" != 403 ] || grep -qi '^set-cookie' "$tmp/h"; then echo "# Origin $o: $code"; bad=1; fi
done
[ -z "$bad" ]
verdict "403 for an Origin of null, of another scheme, port or host, or with a path"

r=$(req -H "Origin: http://127.0.0.1:$port" -d "$login_json" POST /api/login)
r2=$(req -H "Host: localhost:$port" -H "Origin: http://localhost:$port" -d "$login_json" POST /api/login)
r3=$(req -H "Host: LOCALHOST:$port" -H "Origin: http://localhost:$port" -d "$login_json" POST /api/login)
[ "$(status "$r")" = 200 ] && [ "$(status "$r2")" = 200 ] && [ "$(status "$r3")" = 200 ]
verdict "a login from the page at http://127.0.0.1:PORT or http://localhost:PORT works"

r=$(req -b "$tmp/olga" -H "X-CSRF-Token: $csrf" -H 'Origin: http://evil.example' \
	--data @"$tmp/small.json" PUT /api/projects/small)
[ "$(status "$r")" = 403 ] && [ ! -e "$state/projects/small.yaml" ]
verdict "a PUT with a session, its CSRF token and Origin: http://evil.example gets 403, nothing written"

# ---- item 5: Host (DNS rebinding): for every request, GET included
bad=
for h in "attacker.example:$port" "attacker.example" "127.0.0.2:$port" "localhost.attacker.example:$port" \
	"127.0.0.1.attacker.example:$port" "[::1]:$port"; do
	r=$(req -b "$tmp/olga" -H "Host: $h" GET /api/session)
	code2=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $h" "$url")
	if [ "$(status "$r")" != 421 ] || [ "$code2" != 421 ] || ! has "$(body "$r")" "'${h//[/\\[}'" ||
		has "$(body "$r")" olga; then
		echo "# Host $h: $(status "$r") $code2 $(body "$r")"
		bad=1
	fi
done
[ -z "$bad" ]
verdict "a Host that is not this server's address or localhost gets 421 naming it, on the API and the page"

r=$(req -H "Host: attacker.example:$port" -d "$login_json" POST /api/login)
[ "$(status "$r")" = 421 ]
verdict "a login through a rebinding name (Host: attacker.example:PORT) gets 421"
web_stop

web_start "$state" --hostname Installer.Example --hostname other.example.
r=$(req -H "Host: installer.example:$port" -H "Origin: http://installer.example:$port" -d "$login_json" POST /api/login)
r2=$(req -H "Host: other.example:$port" GET /api/session)
r3=$(req -H "Host: attacker.example:$port" GET /api/session)
r4=$(req -H "Host: 127.0.0.1:$port" GET /api/session)
[ "$(status "$r")" = 200 ] && [ "$(status "$r2")" = 401 ] && [ "$(status "$r3")" = 421 ] &&
	[ "$(status "$r4")" = 401 ]
verdict "web --hostname NAME: that name (and the address) is served, another is still refused"
web_stop

out=$("$bin" --state "$state" web --hostname 'evil.example/x' --listen 127.0.0.1:0 2>&1); rc=$?
[ $rc = 2 ] && has "$out" "'evil.example/x'" && has "$out" "hostname"
verdict "web --hostname with a name that is not a DNS name exits 2 naming it"

# ---- item 5: HSTS under TLS only
r=$(req -D "$tmp/h" GET /)
grep -qi '^strict-transport-security' "$tmp/h" 2>/dev/null
[ $? != 0 ]
verdict "plain HTTP answers carry no Strict-Transport-Security"

# A config of its own: the test does not depend on the system's openssl.cnf.
printf '[req]\ndistinguished_name = dn\n[dn]\n' >"$tmp/openssl.cnf"
openssl req -config "$tmp/openssl.cnf" -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-days 2 -subj /CN=127.0.0.1 -keyout "$tmp/tls.key" -out "$tmp/tls.crt" 2>/dev/null
web_start "$state" --tls-cert "$tmp/tls.crt" --tls-key "$tmp/tls.key"
curl -s --cacert "$tmp/tls.crt" -D "$tmp/h1" -o /dev/null "$url"
curl -s --cacert "$tmp/tls.crt" -D "$tmp/h2" -o /dev/null "${url}api/session"
port=${url##*:}
port=${port%/}
r=$(req --cacert "$tmp/tls.crt" -D "$tmp/h3" -H "Origin: https://127.0.0.1:$port" \
	-d "$login_json" POST /api/login)
hsts='^strict-transport-security: max-age=[1-9][0-9]\{6,\}'
grep -qi "$hsts" "$tmp/h1" && grep -qi "$hsts" "$tmp/h2" && grep -qi "$hsts" "$tmp/h3" &&
	[ "$(status "$r")" = 200 ]
verdict "under TLS the page, a 401 and a login all carry Strict-Transport-Security; Origin https://... logs in"
web_stop

# ---- item 5: the warning for plain HTTP beyond loopback.  0.0.0.0:0 listens
# on every address of this machine: the server is stopped as soon as it says
# it serves, well within a second, and nothing connects to it.
web_start "$state"
grep -qi 'warning' "$tmp/web.out"
[ $? != 0 ]
verdict "no warning when listening on 127.0.0.1"
web_stop

"$bin" --state "$state" web --listen 0.0.0.0:0 >"$tmp/any.out" 2>"$tmp/any.err" &
server=$!
for _ in $(seq 100); do grep -q '^serving' "$tmp/any.out" && break; sleep 0.01; done
web_stop
grep -q 'WARNING' "$tmp/any.err" && grep -q '0.0.0.0' "$tmp/any.err" && grep -qi 'tls' "$tmp/any.err" &&
	! grep -q 'WARNING' "$tmp/any.out"
verdict "web --listen 0.0.0.0:0 without TLS warns loudly on stderr, naming the address and TLS"

part_end t_web

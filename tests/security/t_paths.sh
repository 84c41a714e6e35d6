#!/usr/bin/env bash
# t_paths.sh: issue 11 item 2, project paths that wipe or overwrite directories.
#
# An operator of the web GUI writes projects kept in the state directory; the
# paths they name (artefacts.bundle, ssh.key_file, ssh.known_hosts) must stay
# in the state directory's places, and the bundle builder must never replace
# a directory it did not build.  A victim directory beside the state
# directory, with a canary file, must come out of every try unchanged; each
# refusal must name the field and the path.
. "$(dirname "$0")/lib.sh"

victim=$tmp/victim
mkdir -p "$victim/sub" "$state/bundles"
echo canary >"$victim/canary"
echo deeper >"$victim/sub/file"
ln -s "$victim" "$state/bundles/evil"
listing() { (cd "$1" && find . -printf '%p %m %s\n' | sort && find . -type f -exec sha256sum {} + | sort); }
before=$(listing "$victim")
web_before=$(listing "$state/web")

# project NAME KEY VALUE: a project file whose KEY (ssh.key_file,
# ssh.known_hosts or artefacts.bundle) is VALUE.
project() {
	local ssh='' bundle=good
	case $2 in
	ssh.key_file) ssh="  key_file: $3" ;;
	ssh.known_hosts) ssh="  known_hosts: $3" ;;
	artefacts.bundle) bundle=$3 ;;
	esac
	cat <<EOF
name: $1
ssh:
  user: root
$ssh
hosts:
  - {name: a1, address: 10.0.0.1, roles: [master, etcd, worker]}
network:
  host_cidrs: [10.0.0.0/24]
components:
  base: {}
artefacts:
  source: offline
  bundle: $bundle
EOF
}

web_start "$state" || not_ok "the server starts: $(cat "$tmp/web.out")"
csrf=$(login olga "$OPERATOR_PW" "$tmp/olga")
vcsrf=$(login vic "$VIEWER_PW" "$tmp/vic")
put() { req -b "$tmp/olga" -H "X-CSRF-Token: $csrf" --data @- PUT "/api/projects/$1"; }

# ---- a refused path first proves that a good one is accepted
r=$(project good artefacts.bundle good | yaml_json | put good)
[ "$(status "$r")" = 201 ]
verdict "an operator saves a project whose bundle is a name under STATE/bundles (201)"

# ---- every hostile path, through the API as an operator, then bundle and run
n=0
while IFS='|' read -r key value; do
	n=$((n + 1))
	name=p$n
	r=$(project "$name" "$key" "$value" | yaml_json | put "$name")
	[ "$(status "$r")" = 400 ] && has "$(body "$r")" "'$key': '$value'" &&
		[ ! -e "$state/projects/$name.yaml" ]
	verdict "PUT $key: $value is refused (400, naming the field and the path), nothing saved"
	# The same file planted in STATE/projects (an older version wrote it):
	# refused before the bundle is built or a run starts.  Only paths inside
	# $tmp are planted: against a build without the fix, bundle: /etc really
	# replaces /etc (it did, on the machine this test was written on).
	case $value in /* | ../web*) case $value in "$tmp"/*) ;; *) continue ;; esac ;; esac
	project "$name" "$key" "$value" >"$state/projects/$name.yaml"
	r=$(req -b "$tmp/olga" -H "X-CSRF-Token: $csrf" -d '{}' POST "/api/projects/$name/bundle")
	[ "$(status "$r")" = 400 ] && has "$(body "$r")" "'$key': '$value'"
	verdict "POST bundle of a planted project with $key: $value is refused, naming it"
	r=$(req -b "$tmp/olga" -H "X-CSRF-Token: $csrf" -d '{"mode":"new"}' POST "/api/projects/$name/runs")
	[ "$(status "$r")" = 400 ] && has "$(body "$r")" "'$key': '$value'"
	verdict "POST runs of a planted project with $key: $value is refused, naming it"
	out=$("$bin" --state "$state" validate "$state/projects/$name.yaml" 2>&1)
	[ $? = 2 ] && has "$out" "^$state/projects/$name.yaml:[0-9]*:[0-9]*: error: '$key': '$value'"
	verdict "validate of the planted project exits 2 with FILE:LINE:COL, the field and the path"
	rm -f "$state/projects/$name.yaml"
done <<EOF
artefacts.bundle|../web
artefacts.bundle|/etc
artefacts.bundle|../../victim
artefacts.bundle|evil
artefacts.bundle|evil/sub
artefacts.bundle|$victim
ssh.key_file|/etc/shadow
ssh.key_file|../web/users.json
ssh.known_hosts|/tmp/x
ssh.known_hosts|../known_hosts
EOF

r=$(project sym artefacts.bundle evil | yaml_json | put sym)
has "$(body "$r")" "symbolic link $state/bundles/evil"
verdict "the refusal of a symbolic link names the link"

# ---- keys come in through the API, are kept 0600 and never go out
ssh-keygen -q -t ed25519 -N '' -C '' -f "$tmp/id"
fp=$(ssh-keygen -lf "$tmp/id.pub" | awk '{print $2}')
keyjson() { py 'import json,sys; print(json.dumps({"key": open(sys.argv[1]).read()}))' "$1"; }
r=$(keyjson "$tmp/id" | req -b "$tmp/olga" -H "X-CSRF-Token: $csrf" --data @- PUT /api/keys/lab)
[ "$(status "$r")" = 200 ] && [ "$(field "$(body "$r")" "d['name'], d['fingerprint']")" = "lab $fp" ] &&
	cmp -s "$tmp/id" "$state/keys/lab" &&
	[ "$(stat -c %a "$state/keys/lab")" = 600 ]
verdict "an operator uploads a key: kept as STATE/keys/lab, mode 0600, its name and fingerprint answered"
r=$(keyjson "$tmp/id" | req -b "$tmp/vic" -H "X-CSRF-Token: $vcsrf" --data @- PUT /api/keys/other)
[ "$(status "$r")" = 403 ] && [ ! -e "$state/keys/other" ]
verdict "a viewer may not upload a key (403, nothing written)"
r=$(req -b "$tmp/vic" GET /api/keys)
secret=$(sed -n 2p "$tmp/id")
[ "$(status "$r")" = 200 ] && has "$(body "$r")" "\"lab\"" && has "$(body "$r")" "$fp" &&
	! has "$(body "$r")" "${secret:0:20}" && ! has "$(body "$r")" PRIVATE
verdict "the keys list has names and fingerprints, never a key"
r=$(py 'import json; print(json.dumps({"key": open("/etc/hostname").read()}))' |
	req -b "$tmp/olga" -H "X-CSRF-Token: $csrf" --data @- PUT /api/keys/junk)
[ "$(status "$r")" = 400 ] && has "$(body "$r")" "not a private key" && [ ! -e "$state/keys/junk" ]
verdict "a file that is not a private key is refused (400, nothing written)"
r=$(keyjson "$tmp/id" | req -b "$tmp/olga" -H "X-CSRF-Token: $csrf" --data @- PUT /api/keys/..%2Fweb)
[ "$(status "$r")" = 400 ] || [ "$(status "$r")" = 404 ]
verdict "a key name with a slash or dots is refused"
r=$(project withkey ssh.key_file lab | yaml_json | put withkey)
[ "$(status "$r")" = 201 ]
verdict "a project names the uploaded key as 'key_file: lab' (201)"

# ---- the bundle builder never replaces a directory it did not build
cat >"$tmp/cli.yaml" <<EOF
$(project cli artefacts.bundle "$victim")
EOF
out=$(timeout 20 "$bin" --state "$state" bundle "$tmp/cli.yaml" 2>&1)
rc=$?
[ "$rc" = 2 ] && has "$out" "$victim is not empty and is not a bundle built by hnsp-installer"
verdict "bundle of a CLI project into an unmarked non-empty directory exits 2, naming it (exit $rc)"
out=$(timeout 20 "$bin" --state "$state" bundle -o "$state/bundles/evil" "$tmp/cli.yaml" 2>&1)
rc=$?
[ "$rc" = 2 ] && has "$out" "$state/bundles/evil is a symbolic link"
verdict "bundle -o through a symbolic link exits 2, naming it (exit $rc)"

web_stop
[ "$(listing "$victim")" = "$before" ]
verdict "the victim directory beside the state directory is unchanged (checksum listing)"
[ "$(listing "$state/web")" = "$web_before" ]
verdict "the server's own STATE/web is unchanged"
part_end t_paths

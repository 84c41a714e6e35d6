#!/usr/bin/env bash
# tests/lint.sh: yamllint and ansible-lint (production profile) on playbooks/
# and roles/, and ansible-playbook --syntax-check of every component playbook.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

out=$(yamllint -s playbooks roles 2>&1)
verdict "yamllint passes on playbooks/ and roles/"
[ -n "$out" ] && echo "$out" | head -20

# The same settings reject what they should: the check can fail.
printf -- '---\nkey: yes\nother:  [ 1,2 ]\n' >"$tmp/bad.yml"
! yamllint -s -c .yamllint "$tmp/bad.yml" >/dev/null 2>&1
verdict "yamllint rejects a planted bad file"

out=$(ansible-lint -q -p playbooks roles 2>&1)
verdict "ansible-lint (production profile) passes on playbooks/ and roles/"
[ -n "$out" ] && echo "$out" | head -20

bad=0
for pb in playbooks/*.yml; do
	if ! o=$(ANSIBLE_ROLES_PATH=roles ansible-playbook --syntax-check -i localhost, "$pb" 2>&1); then
		echo "    $pb: $(tail -n 3 <<<"$o")"
		bad=1
	fi
done
[ $bad = 0 ]
verdict "every playbook passes ansible-playbook --syntax-check"

echo "lint: $passed passed, $failed failed"

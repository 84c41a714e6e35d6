#!/usr/bin/env bash
# tests/demo.sh: the main job on the built-in lab.  Brings the lab up (3
# masters, 5 workers, 1 registry), checks the project and the hosts, builds the
# offline bundle, installs the platform's host layer with live progress, and
# proves it with verify.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/hnsp-installer
project=build/lab/project.yaml

step() { printf '\n== %s\n' "$*"; }

step "the built-in lab (3 masters, 5 workers, 1 registry)"
tests/lab/lab.sh up
step "hnsp-installer validate $project"
"$bin" validate "$project"
step "hnsp-installer plan $project"
"$bin" plan "$project"
step "hnsp-installer preflight $project"
"$bin" preflight "$project" || echo "(preflight warnings and failures above; the lab's hosts are containers)"
step "hnsp-installer bundle $project"
"$bin" bundle "$project"
step "hnsp-installer apply $project --yes"
"$bin" apply "$project" --yes
step "hnsp-installer verify $project"
"$bin" verify "$project"
echo
echo "The run's journal: 'hnsp-installer runs list' and 'hnsp-installer runs show ID'."
echo "The lab stays up: 'make lab-status' lists it, 'make lab-down' removes it."

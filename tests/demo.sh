#!/usr/bin/env bash
# tests/demo.sh: the main job on the built-in lab, as far as the installer goes today:
# bring the lab up, validate and plan its project, check every host with preflight,
# and run a command on all of them at once.
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
"$bin" preflight "$project"
step "hnsp-installer exec $project -- uname -sr"
"$bin" exec "$project" -- uname -sr
echo
echo "The lab stays up: 'make lab-status' lists it, 'make lab-down' removes it."

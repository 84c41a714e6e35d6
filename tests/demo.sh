#!/usr/bin/env bash
# tests/demo.sh: the main job on the built-in lab, as far as the installer goes today:
# bring the lab up, then validate and plan the project the lab hands over.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/hnsp-installer

echo "== the built-in lab (3 masters, 5 workers, 1 registry)"
tests/lab/lab.sh up
echo
echo "== validate"
"$bin" validate build/lab/project.yaml
echo
echo "== plan"
"$bin" plan build/lab/project.yaml
echo
echo "The lab stays up: 'make lab-status' lists it, 'make lab-down' removes it."

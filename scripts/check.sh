#!/usr/bin/env bash
# Usage: scripts/check.sh [lab ...]
#
# Checks your "Your turn" exercises: runs the labs headless through a Jupyter kernel (quick
# mode) and prints a scoreboard per lab: passed / wrong / not attempted, with the message of
# every wrong exercise. Exits 0 only when every exercise you attempted passes.
# A lab is a number (2), a name (backpropagation) or a path to a lab file. Default: all labs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

case "${1:-}" in -h | --help) usage; exit 0 ;; esac
"$REPO/scripts/setup.sh" --if-needed
exec "$VPY" -m dllab.exercises.scoreboard "$@"

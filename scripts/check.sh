#!/usr/bin/env bash
# Usage: scripts/check.sh [--json FILE] [--junit FILE] [--student WHO] [lab ...]
#
# Checks your "Your turn" exercises: runs the labs headless through a Jupyter kernel (quick
# mode) and prints a scoreboard per lab: passed / wrong / not attempted, with the message of
# every wrong exercise. A lab is a number (2), a name (backpropagation) or a path to a lab
# file. Default: all labs. No network, no account.
#   --json FILE    also write the report as JSON, one record per exercise (the schema is in
#                  lib/dllab/exercises/report.py); an earlier report there is replaced
#   --junit FILE   also write it as JUnit XML (what most CI systems display)
#   --student WHO  who the report is for: 'Name <email>', a name or an email
#                  (default: git config user.name and user.email)
# Exit status: 0 every exercise you attempted passes, 1 something is wrong (or a cell failed),
# 2 bad arguments, 3 nothing attempted yet.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

case "${1:-}" in -h | --help) usage; exit 0 ;; esac
"$REPO/scripts/setup.sh" --if-needed
exec "$VPY" -m dllab.exercises.scoreboard "$@"

#!/usr/bin/env bash
# Usage: scripts/class_report.sh DIR [--top N]
#
# For the teaching team: reads the check.sh --json reports of a class (one file per student,
# *.json anywhere under DIR) and prints a table per exercise (students, attempted, passed,
# wrong, not attempted, share passed) and the N most frequent mistakes by hint (default 10).
# Saves the figure "share passed per exercise" and the table as CSV into a new folder
# runs/class_report/<time>/. Files that are not reports are named and skipped.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

case "${1:-}" in -h | --help) usage; exit 0 ;; esac
"$REPO/scripts/setup.sh" --if-needed
exec "$VPY" -m dllab.exercises.class_report "$@"

#!/usr/bin/env bash
# Usage: scripts/new_lab.sh NN name [--title TITLE] [--question QUESTION]
#
# For the teaching team: scaffolds lab NN: labs/NN_name.py (title, goals, setup and settings
# cells, two "Your turn" cells with their checks, a figure with its sentence, exercises, a
# summary), its exercise spec lib/dllab/exercises/specs/labNN.py (references, random inputs,
# three usual mistakes each) and its row in the README's table. The new lab passes every test
# as it is; then replace the example with the lab's content, keeping the rules of the README's
# "Adding a lab". Refuses a number that is taken; changes nothing else.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

case "${1:-}" in -h | --help) usage; exit 0 ;; esac
exec python3 "$REPO/scripts/new_lab.py" "$@"

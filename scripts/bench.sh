#!/usr/bin/env bash
# Usage: scripts/bench.sh [--quick] [--repeat N] [lab number ...]
#
# Runs labs top to bottom in full mode (or quick mode with --quick), headless, one after the
# other, and prints per lab: wall time (the median and the fastest of N runs with --repeat N),
# peak memory, and the size of its largest run folder (figures and TensorBoard event files).
# Runs go to a temporary folder, not to runs/.
# Example: scripts/bench.sh --repeat 5 4
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

case "${1:-}" in -h | --help) usage; exit 0 ;; esac
"$REPO/scripts/setup.sh" --if-needed
exec "$VPY" "$REPO/scripts/bench.py" "$@"

#!/usr/bin/env bash
# Usage: scripts/bench.sh [--quick] [--repeat N] [lab number ...]
#        scripts/bench.sh --suite [-- pytest arguments]
#        scripts/bench.sh --overhead [--repeat N]
#
# Runs labs top to bottom in full mode (or quick mode with --quick), headless, one after the
# other, and prints per lab: wall time (the median and the fastest of N runs with --repeat N),
# peak memory, and the size of its largest run folder (figures and TensorBoard event files).
# Runs go to a temporary folder, not to runs/.
# --suite: runs ./scripts/test.sh (with the pytest arguments after --) and prints its seconds.
# --overhead: prints what scripts/lab.sh costs beyond `python LAB.py` (a stand-in lab that does
# nothing, N runs each, default 10).
# Examples: scripts/bench.sh --repeat 5 4   scripts/bench.sh --suite   scripts/bench.sh --overhead
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

case "${1:-}" in -h | --help) usage; exit 0 ;; esac
"$REPO/scripts/setup.sh" --if-needed
exec "$VPY" "$REPO/scripts/bench.py" "$@"

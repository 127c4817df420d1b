#!/usr/bin/env bash
# Usage: scripts/lab.sh <number|name|all> [...]
#
# Runs labs top to bottom as plain Python scripts, headless: figures are saved as PNG files and
# TensorBoard logs written, each run into a new folder under runs/. Sets up the environment first
# if needed. Examples: scripts/lab.sh 3   scripts/lab.sh spiral   scripts/lab.sh 1 2   scripts/lab.sh all
#
# Environment: LAB_QUICK=1 for a fast run with smaller sizes; LAB_DEVICE=cpu to force the CPU.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

# The registry of labs (standard library only, so it answers before the environment exists).
registry() { python3 "$REPO/lib/dllab/labs.py" "$@"; }

[[ $# -ge 1 ]] || { usage >&2; echo >&2; echo "Labs:" >&2; registry list >&2; exit 2; }
case "$1" in -h | --help) usage; echo; echo "Labs:"; registry list; exit 0 ;; esac

paths="$(registry resolve "$@" 2>&1)" || { echo "lab.sh: $paths" >&2; exit 2; }

"$REPO/scripts/setup.sh" --if-needed
runs="$(registry runs)"
while IFS= read -r path; do
    stem="$(basename "$path" .py)"
    marker="$(mktemp)"
    echo "=== lab ${stem%%_*}: labs/$stem.py$([[ "${LAB_QUICK:-}" == 1 ]] && echo ' (quick mode)')"
    # The lab's own folder as working directory, as in VS Code's Interactive Window.
    (cd "$(dirname "$path")" && "$VPY" "$stem.py") || { rm -f "$marker"; die "lab $stem failed (see the traceback above)"; }
    echo "=== lab ${stem%%_*} done; figures and logs of this run:"
    find "$runs/$stem" -mindepth 1 -maxdepth 1 -type d -newer "$marker" 2>/dev/null | sort | sed 's/^/  /'
    rm -f "$marker"
done <<<"$paths"

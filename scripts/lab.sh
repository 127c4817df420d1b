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

# The registry of labs (standard library only, so it answers before the environment exists):
# run by the environment's Python when there is one, which starts faster than a python3 shim.
registry() {
    if [[ -x "$VPY" ]]; then "$VPY" "$REPO/lib/dllab/labs.py" "$@"; else python3 "$REPO/lib/dllab/labs.py" "$@"; fi
}

[[ $# -ge 1 ]] || { usage >&2; echo >&2; echo "Labs:" >&2; registry list >&2; exit 2; }
case "$1" in -h | --help) usage; echo; echo "Labs:"; registry list; exit 0 ;; esac

paths="$(registry resolve "$@" 2>&1)" || { echo "lab.sh: $paths" >&2; exit 2; }

"$REPO/scripts/setup.sh" --if-needed
failed=()
while IFS= read -r path; do
    stem="$(basename "$path" .py)"
    number="${stem%%_*}"
    created="$(mktemp)" # the lab's library appends every folder it creates (LAB_RUN_LOG)
    echo "=== lab $number: labs/$stem.py$([[ "${LAB_QUICK:-}" == 1 ]] && echo ' (quick mode)')"
    # The lab's own folder as working directory, as in VS Code's Interactive Window.
    if (cd "$(dirname "$path")" && LAB_RUN_LOG="$created" "$VPY" "$stem.py" </dev/null); then
        outcome="done"
    else
        outcome="FAILED (exit status $?; see the traceback above)"
        failed+=("$stem")
    fi
    # The folders this run created that still exist (a finished run renames its -unfinished one).
    folders="$(sort -u "$created" | while IFS= read -r d; do if [[ -d "$d" ]]; then echo "  $d"; fi; done)"
    rm -f "$created"
    if [[ -n "$folders" ]]; then
        echo "=== lab $number $outcome; figures and logs of this run:"
        echo "$folders"
    else
        echo "=== lab $number $outcome; this run saved no figures or logs"
    fi
done <<<"$paths"

if ((${#failed[@]})); then
    die "${#failed[@]} lab(s) failed: ${failed[*]}"
fi

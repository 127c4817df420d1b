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

LABS=(01_gradient_descent 02_backpropagation 03_spiral 04_tensorboard 05_weight_initialization)

available() {
    local stem
    for stem in "${LABS[@]}"; do
        if [[ -f "$REPO/labs/$stem.py" ]]; then echo "  ${stem%%_*}  $stem"; else echo "  ${stem%%_*}  $stem (not there yet)"; fi
    done
}

# Echo the lab's file stem for a number (3, 03), a name (spiral, 03_spiral, labs/03_spiral.py).
resolve() {
    local arg="${1##*/}" stem
    arg="${arg%.py}"
    for stem in "${LABS[@]}"; do
        if [[ "$arg" =~ ^0*([1-9])$ && "${stem%%_*}" == "0${BASH_REMATCH[1]}" ]] ||
            [[ "$arg" == "$stem" || "$arg" == "${stem#*_}" ]]; then
            echo "$stem"
            return 0
        fi
    done
    return 1
}

[[ $# -ge 1 ]] || { usage >&2; echo >&2; echo "Labs:" >&2; available >&2; exit 2; }
case "$1" in -h | --help) usage; echo; echo "Labs:"; available; exit 0 ;; esac

stems=()
for arg in "$@"; do
    if [[ "$arg" == all ]]; then
        stems+=("${LABS[@]}")
    elif stem="$(resolve "$arg")"; then
        stems+=("$stem")
    else
        { echo "lab.sh: unknown lab '$arg'. Available labs:"; available; } >&2
        exit 2
    fi
done
for stem in "${stems[@]}"; do
    [[ -f "$REPO/labs/$stem.py" ]] || die "lab ${stem%%_*} ($stem) is not there yet; it will be labs/$stem.py"
done

"$REPO/scripts/setup.sh" --if-needed
runs="$("$VPY" -c 'from dllab.runs import runs_root; print(runs_root())')"
for stem in "${stems[@]}"; do
    marker="$(mktemp)"
    echo "=== lab ${stem%%_*}: labs/$stem.py$([[ "${LAB_QUICK:-}" == 1 ]] && echo ' (quick mode)')"
    # The lab's own folder as working directory, as in VS Code's Interactive Window.
    (cd "$REPO/labs" && "$VPY" "$stem.py") || { rm -f "$marker"; die "lab $stem failed (see the traceback above)"; }
    echo "=== lab ${stem%%_*} done; figures and logs of this run:"
    find "$runs/$stem" -mindepth 1 -maxdepth 1 -type d -newer "$marker" 2>/dev/null | sort | sed 's/^/  /'
    rm -f "$marker"
done

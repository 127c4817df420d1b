# Shared by the scripts in this folder (sourced, not run): paths and small helpers.
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LAB_VENV:-$REPO/.venv}"
VPY="$VENV/bin/python"

die() {
    echo "$(basename "$0"): $*" >&2
    exit 1
}

# Print the comment block under the shebang: every script's usage header.
usage() {
    awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
}

#!/usr/bin/env bash
# Usage: scripts/setup.sh [--help]
#
# Creates the Python environment for the labs: a virtual environment with the exact versions of
# requirements.lock and this project installed editable (so `import dllab` works everywhere and
# edits to lib/ need no reinstall). Idempotent: when nothing changed, a second run does nothing.
#
# Environment:
#   LAB_VENV  where the environment lives (default: .venv in the repository; /opt/venv in the dev
#             container, whose image already holds the locked dependencies)
#   PYTHON    the interpreter that creates a new environment (default: python3); Python 3.11+
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

case "${1:-}" in
    -h | --help) usage; exit 0 ;;
    "") ;;
    *) die "unknown argument '$1' (allowed: --help)" ;;
esac

# What the environment was built from; the stamp records it, so an unchanged setup is a no-op.
fingerprint() {
    { cat "$REPO/requirements.lock" "$REPO/pyproject.toml"; echo "$REPO"; } | sha256sum | cut -d' ' -f1
}
stamp="$VENV/.dllab-setup"
want="$(fingerprint)"
if [[ -x "$VPY" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] &&
    "$VPY" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('dllab') is None)"; then
    echo "setup: up to date ($VENV)"
    exit 0
fi

if [[ ! -x "$VPY" ]]; then
    py="${PYTHON:-python3}"
    command -v "$py" >/dev/null 2>&1 ||
        die "no Python found ('$py'); install Python 3.11 or newer, or set PYTHON=/path/to/python3.11"
    version="$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" ||
        die "'$py' did not run; set PYTHON to a working Python 3.11+"
    if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        die "Python $version ('$py') is too old; the labs need Python 3.11 or newer (set PYTHON=/path/to/python3.11)"
    fi
    echo "setup: creating $VENV with Python $version"
    "$py" -m venv "$VENV" ||
        die "could not create $VENV (on Debian/Ubuntu: apt install python3-venv)"
fi

echo "setup: installing the locked dependencies and dllab (editable); the first time takes a few minutes"
"$VPY" -m pip install --quiet --disable-pip-version-check \
    -c "$REPO/requirements.lock" -e "$REPO[dev]"
echo "$want" >"$stamp"
echo "setup: done ($VENV)"

#!/usr/bin/env bash
# Usage: scripts/test.sh [pytest arguments]
#
# Sets up the environment if needed (scripts/setup.sh), then runs the test suite with pytest.
# Examples: scripts/test.sh            all tests
#           scripts/test.sh -k spiral  only tests whose name mentions spiral
#           scripts/test.sh -m "not kernel"  skip the tests that run labs through a Jupyter kernel
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

case "${1:-}" in -h | --help) usage; exit 0 ;; esac
"$REPO/scripts/setup.sh"
cd "$REPO"
# Two workers (pytest-xdist): the tests spend most of their time in kernels and subprocesses; each
# lab still runs once in a kernel (tests/kernel.py shares it). `-n 0` runs them in one process.
exec "$VPY" -m pytest -n 2 "$@"

#!/usr/bin/env bash
# Usage: scripts/tensorboard.sh [logdir]
#
# Starts TensorBoard on logdir (default: runs/ of the repository, created if missing), bound to
# 127.0.0.1 on port 6006, or the next free port if 6006 is taken. Open the printed URL; in the dev
# container VS Code forwards the port. Ctrl-C (or SIGTERM) stops it.
#
# Environment: TB_PORT  the first port to try (default: 6006)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

case "${1:-}" in -h | --help) usage; exit 0 ;; esac
[[ $# -le 1 ]] || die "expected at most one argument (the logdir), got $#: $*"
first="${TB_PORT:-6006}"
[[ "$first" =~ ^[0-9]+$ ]] && ((first >= 1024 && first <= 65000)) ||
    die "TB_PORT='$first' is not a port; allowed: a number from 1024 to 65000"

"$REPO/scripts/setup.sh" --if-needed
logdir="${1:-$(cd "$REPO" && "$VPY" -c 'from dllab.runs import runs_root; print(runs_root())')}"
[[ ! -e "$logdir" || -d "$logdir" ]] || die "logdir '$logdir' exists but is not a directory"
mkdir -p "$logdir"

port="$("$VPY" - "$first" <<'PY'
import socket, sys
first = int(sys.argv[1])
for port in range(first, first + 50):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
PY
)"
[[ -n "$port" ]] || die "no free port between $first and $((first + 49))"
[[ "$port" == "$first" ]] || echo "tensorboard.sh: port $first is taken; using port $port instead"
echo "TensorBoard on $logdir: http://127.0.0.1:$port/ (Ctrl-C to stop)"
# exec: the signal reaches TensorBoard itself; --load_fast=false keeps it one process, no helper left.
exec "$VENV/bin/tensorboard" --logdir "$logdir" --host 127.0.0.1 --port "$port" --load_fast=false

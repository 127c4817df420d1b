#!/usr/bin/env bash
# Usage: scripts/tensorboard.sh [logdir]
#
# Starts TensorBoard on logdir (an existing folder; default: runs/ of the repository, created if
# missing), bound to 127.0.0.1 on port 6006, or the next free port if 6006 is taken. Open the
# printed URL; in the dev container VS Code forwards the port. Ctrl-C (or SIGTERM) stops it.
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
if [[ $# -eq 1 ]]; then # a folder the user names must exist: a typo should not serve nothing
    logdir="$1"
    [[ -e "$logdir" ]] || die "logdir '$logdir' does not exist; allowed: an existing folder" \
        "(e.g. runs/04_tensorboard), or no argument for all runs"
    [[ -d "$logdir" ]] || die "logdir '$logdir' exists but is not a directory"
else
    logdir="$(cd "$REPO" && "$VPY" -c 'from dllab.session import runs_root; print(runs_root())')"
    mkdir -p "$logdir"
fi

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
# --samples_per_plugin: TensorBoard keeps only 10 images per tag unless told; lab 4 logs 13.
exec "$VENV/bin/tensorboard" --logdir "$logdir" --host 127.0.0.1 --port "$port" --load_fast=false \
    --samples_per_plugin images=100

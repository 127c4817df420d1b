#!/usr/bin/env bash
# Usage: scripts/tensorboard.sh [logdir]
#
# Starts TensorBoard bound to 127.0.0.1 on port 6006, or the next free port if 6006 is taken.
# Without an argument it serves the newest run of each lab in runs/ (search trials left out, so
# that TensorBoard shows every curve without a click) and prints the other views: every run of a
# lab (runs/04_tensorboard) and each search's trials (…/random, …/grid, …/optuna-tpe), each
# with an HParams table of its own. With an argument it serves that folder (it must exist).
# Open the printed URL; in the dev container VS Code forwards the port. Ctrl-C (or SIGTERM)
# stops it.
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
# As a file: `python -m dllab.tbviews` would import the package, and with it torch (seconds).
tbviews=("$VPY" "$REPO/lib/dllab/tbviews.py")
if [[ $# -eq 1 ]]; then # a folder the user names must exist: a typo should not serve nothing
    logdir="$1"
    [[ -e "$logdir" ]] || die "logdir '$logdir' does not exist; allowed: an existing folder" \
        "(e.g. runs/04_tensorboard), or no argument for the newest run of each lab"
    [[ -d "$logdir" ]] || die "logdir '$logdir' exists but is not a directory"
    n="$("${tbviews[@]}" count "$logdir")"
    if ((n > 40)); then
        echo "tensorboard.sh: $logdir holds $n runs; above 40 TensorBoard ticks none of them:" \
            "tick runs in its run list, or serve a smaller folder:"
        "${tbviews[@]}" list "$("$VPY" "$REPO/lib/dllab/labs.py" runs)" | sed -n '/^Other views/,$p'
    fi
    source=(--logdir "$logdir")
    serving="$logdir"
else
    logdir="$("$VPY" "$REPO/lib/dllab/labs.py" runs)"
    mkdir -p "$logdir"
    spec="$("${tbviews[@]}" spec "$logdir")"
    "${tbviews[@]}" list "$logdir"
    if [[ -n "$spec" ]]; then
        source=(--logdir_spec "$spec")
        serving="the default view above"
        echo "(runs started after this are not in the default view: restart, or serve their folder)"
    else # no lab run yet outside searches: serve whatever there is (trials too), or an empty runs/
        source=(--logdir "$logdir")
        serving="$logdir"
        echo "(the default view is empty: serving everything in $logdir, search trials included;" \
            "runs added later appear too)"
    fi
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
# TensorBoard looks up the name localhost before serving, whatever --host says.
"$VPY" -c 'import socket; socket.getaddrinfo("localhost", None)' 2>/dev/null ||
    die "the name localhost does not resolve on this machine, and TensorBoard needs it;" \
        "add the line '127.0.0.1 localhost' to /etc/hosts"
[[ "$port" == "$first" ]] || echo "tensorboard.sh: port $first is taken; using port $port instead"
echo "TensorBoard on $serving: http://127.0.0.1:$port/ (Ctrl-C to stop)"
# exec: the signal reaches TensorBoard itself; --load_fast=false keeps it one process, no helper left.
# --samples_per_plugin: TensorBoard keeps only 10 images per tag unless told; lab 4 logs 13.
# Its notice "TensorFlow installation not found" is left out: TensorBoard needs no TensorFlow here,
# and a student would take the line for an error.
exec "$VENV/bin/tensorboard" "${source[@]}" --host 127.0.0.1 --port "$port" --load_fast=false \
    --samples_per_plugin images=100 2> >(grep -v --line-buffered 'TensorFlow installation not found' >&2)

#!/usr/bin/env bash
# Usage: scripts/setup.sh [--cpu] [--if-needed] [--help]
#
# Creates the Python environment for the labs: a virtual environment with the exact versions of
# requirements.lock and this project installed editable (so `import dllab` works everywhere and
# edits to lib/ need no reinstall). Idempotent: when nothing changed, a second run does nothing.
# The first run downloads up to 3 GB (on Linux, PyPI's PyTorch is the CUDA build) and shows pip's
# progress; an environment that an earlier run left half-made is detected and made again.
#
#   --cpu        install PyTorch's CPU-only build from PyTorch's CPU wheel index (about 0.4 GB in
#                all instead of 3 GB on Linux; for machines without an NVIDIA GPU). Remembered; an
#                existing environment with the CUDA build is made again. When the CPU index cannot
#                be reached, setup stops (it never falls back to the CUDA build).
#   --if-needed  print nothing when the environment is up to date (how the other scripts call it)
#
# Environment:
#   LAB_VENV  where the environment lives (default: .venv in the repository; /opt/venv in the dev
#             container, whose image already holds the locked dependencies)
#   PYTHON    the interpreter that creates a new environment (default: python3); Python 3.11+
#   LAB_TORCH_CPU_INDEX  PyTorch's CPU wheel index (default: https://download.pytorch.org/whl/cpu)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

cpu=0 quiet=0
for arg in "$@"; do
    case "$arg" in
        -h | --help) usage; exit 0 ;;
        --cpu) cpu=1 ;;
        --if-needed) quiet=1 ;;
        *) die "unknown argument '$arg' (allowed: --cpu, --if-needed, --help)" ;;
    esac
done
say() { echo "setup: $*"; }
LOCK="$REPO/requirements.lock"
CPU_INDEX="${LAB_TORCH_CPU_INDEX:-https://download.pytorch.org/whl/cpu}"
TORCH="$(sed -n 's/^torch==//p' "$LOCK")"
# PyPI's torch for Linux is the CUDA build; PyTorch's CPU index has the CPU build as X.Y.Z+cpu.
# For macOS (and other systems) PyPI's build is the CPU build already.
cpu_build_differs=0
[[ "$(uname -s)" != Linux ]] || cpu_build_differs=1
KERNEL_CONFIG="$VENV/etc/ipython/ipython_kernel_config.py"
KERNEL_CONFIG_TEXT='# Written by scripts/setup.sh: kernels of this environment reload edited modules before
# each cell (%autoreload 2); LAB_AUTORELOAD=0 turns that off (the tests do, for speed).
import os

if os.environ.get("LAB_AUTORELOAD") != "0":
    c.InteractiveShellApp.extensions = ["autoreload"]
    c.InteractiveShellApp.exec_lines = ["%autoreload 2"]'

# The labs write their runs into the repository; a clone that belongs to another user (root, when
# cloned with sudo or opened by a container CLI run as root) cannot take them.
if [[ ! -w "$REPO" ]]; then
    owner="$(stat -c '%U (uid %u)' "$REPO" 2>/dev/null || echo "another user")"
    me="$(id -un 2>/dev/null || echo "uid $(id -u)") (uid $(id -u))"
    fix="clone the repository again as your own user (without sudo), or give it to your user"
    if [[ "${DLLAB_CONTAINER:-}" == 1 ]]; then
        fix="on the host, clone the repository as your normal user (not as root, not with sudo) and open that clone; or give this clone to the container's user with 'sudo chown -R $(id -u):$(id -g) <the clone>' on the host; then rebuild the container"
    fi
    die "cannot write to $REPO: it belongs to $owner and this is $me, so the labs could not save their runs nor install dllab. Fix: $fix"
fi

# A hook installed by `pre-commit install` in the dev container names the container's Python;
# on the host every `git commit` then fails with "`pre-commit` not found".
hook="$(cd "$REPO" && git rev-parse --git-path hooks/pre-commit 2>/dev/null || true)"
[[ -z "$hook" || "$hook" == /* ]] || hook="$REPO/$hook"
if [[ -n "$hook" && -f "$hook" ]] && hook_python="$(sed -n 's/^INSTALL_PYTHON=//p' "$hook")" &&
    [[ -n "$hook_python" && ! -x "$hook_python" ]]; then
    echo "setup: warning: the git pre-commit hook ($hook) runs $hook_python, which this machine lacks" \
        "(installed in the dev container?), so 'git commit' fails here. Fix: rm $hook" \
        "(or '$VENV/bin/pre-commit install' to run the hooks from this environment)" >&2
fi

# The installed torch's version (e.g. 2.13.0+cpu), without importing it; empty when missing.
installed_torch() {
    "$VPY" -c "from importlib.metadata import version; print(version('torch'))" 2>/dev/null || true
}

# --cpu on an environment that holds the CUDA build (or that was asked for the CPU build before and
# did not get it): make it again, since swapping torch in place would leave 3 GB of CUDA libraries.
if ((cpu_build_differs)) && [[ -x "$VPY" ]] && { ((cpu)) || [[ -f "$VENV/.dllab-cpu" ]]; }; then
    have="$(installed_torch)"
    if [[ -n "$have" && "$have" != *+cpu ]]; then
        [[ "$VENV" == "$REPO/.venv" ]] ||
            die "$VENV holds torch $have (the CUDA build) and --cpu asks for the CPU build; delete it (rm -rf $VENV) and run scripts/setup.sh --cpu again"
        say "--cpu: $VENV holds torch $have (the CUDA build); deleting it and making it again with the CPU build"
        rm -rf -- "$VENV"
    fi
fi
if ((cpu)) && [[ -d "$VENV" ]]; then touch "$VENV/.dllab-cpu"; fi

# What the environment was built from; the stamp records it, so an unchanged setup is a no-op.
fingerprint() {
    { cat "$LOCK" "$REPO/requirements-cuda.lock" "$REPO/pyproject.toml"; echo "$REPO"; } |
        sha256sum | cut -d' ' -f1
}
stamp="$VENV/.dllab-setup"
want="$(fingerprint)"
up_to_date() {
    [[ -x "$VPY" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] &&
        [[ "$(cat "$KERNEL_CONFIG" 2>/dev/null)" == "$KERNEL_CONFIG_TEXT" ]] &&
        "$VPY" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('dllab') is None)" 2>/dev/null
}
if up_to_date; then
    ((quiet)) || say "up to date ($VENV)"
    exit 0
fi
# Two scripts started at once on a machine not yet set up (two terminals, the README's two
# searches) must not run pip into one environment together: one waits for the other (a lock
# that the system ends with its holder, even one killed with kill -9), then looks again.
lock_file="${TMPDIR:-/tmp}/dllab-setup-$(printf '%s' "$VENV" | sha256sum | cut -c1-16).lock"
# flock on fd 9, which this shell keeps open: the lock lasts until setup ends. Exit status 75:
# another setup holds it; any other failure (no usable Python yet) leaves setup unlocked, and the
# checks below name the problem.
lock_python="${PYTHON:-python3}"
if exec 9>>"$lock_file"; then
    status=0
    "$lock_python" -c 'import fcntl, sys
try:
    fcntl.flock(9, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    sys.exit(75)' 2>/dev/null || status=$?
    if ((status == 75)); then
        say "another setup of $VENV is running (a second script started at the same time?); waiting for it"
        "$lock_python" -c 'import fcntl; fcntl.flock(9, fcntl.LOCK_EX)'
    fi
fi
if up_to_date; then # the other setup made it
    ((quiet)) || say "up to date ($VENV)"
    exit 0
fi

# A half-made environment (a setup stopped half way, a venv made without pip, a Python that is gone,
# the dev container's .venv link seen from the host) is made again if it is ours, else named.
if [[ -e "$VENV" || -L "$VENV" ]]; then
    problem=""
    if ! "$VPY" -c "" >/dev/null 2>&1; then
        problem="its Python ($VPY) does not run"
    elif ! "$VPY" -m pip --version >/dev/null 2>&1; then
        problem="it has no pip"
    fi
    if [[ -n "$problem" ]]; then
        [[ "$VENV" == "$REPO/.venv" ]] ||
            die "$VENV is not a usable environment ($problem). Delete it (rm -rf $VENV) or set LAB_VENV to another folder, then run scripts/setup.sh again"
        say "$VENV is half-made ($problem); deleting it and starting over"
        rm -rf -- "$VENV"
    fi
fi

if [[ ! -e "$VENV" ]]; then
    py="${PYTHON:-python3}"
    command -v "$py" >/dev/null 2>&1 ||
        die "no Python found ('$py'); install Python 3.11 or newer, or set PYTHON=/path/to/python3.11"
    version="$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" ||
        die "'$py' did not run; set PYTHON to a working Python 3.11+"
    if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        die "Python $version ('$py') is too old; the labs need Python 3.11 or newer (set PYTHON=/path/to/python3.11)"
    fi
    say "creating $VENV with Python $version"
    if ! "$py" -m venv "$VENV" || ! "$VPY" -m pip --version >/dev/null 2>&1; then
        rm -rf -- "$VENV"
        die "could not create $VENV with pip in it (on Debian/Ubuntu: sudo apt install python$version-venv), then run scripts/setup.sh again"
    fi
fi

site="$("$VPY" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
[[ -w "$site" ]] ||
    die "cannot write to $site (it belongs to $(stat -c '%U:%G' "$site" 2>/dev/null)); this is $(id -un) with groups $(id -Gn)"

# --cpu is remembered, so that later runs never swap in the CUDA build.
[[ "$cpu" == 0 ]] || touch "$VENV/.dllab-cpu"
constraints=(-c "$LOCK" -c "$REPO/requirements-cuda.lock")
wheels="$VENV/.dllab-torch-cpu"
# pip, saying every 10 s that it is still working when it prints nothing (it unpacks in silence).
pip_install() {
    "$VPY" "$REPO/scripts/heartbeat.py" --prefix "setup: " -- \
        "$VPY" -m pip install --disable-pip-version-check "$@"
}

if ! "$VPY" "$REPO/scripts/locks.py" check --quiet "$LOCK"; then
    count="$(grep -c '==' "$LOCK")"
    if [[ -f "$VENV/.dllab-cpu" ]]; then
        size="about 0.4 GB to download (PyTorch's CPU build), 1.6 GB on disk"
    elif [[ "$(uname -s)-$(uname -m)" == Linux-x86_64 ]]; then
        size="about 3 GB to download (PyPI's PyTorch for Linux is the CUDA build), 5.4 GB on disk; without an NVIDIA GPU, stop (Ctrl-C) and run scripts/setup.sh --cpu for 0.4 GB"
    else
        size="about 0.4 GB to download, 1.6 GB on disk"
    fi
    say "installing the $count packages of requirements.lock into $VENV, once: $size."
    if [[ -f "$VENV/.dllab-cpu" ]] && ((cpu_build_differs)); then
        # Only torch comes from the CPU index, fetched first and alone: if that index cannot be
        # reached, setup stops here instead of retrying every package and taking PyPI's CUDA build.
        say "fetching torch $TORCH+cpu from PyTorch's CPU index ($CPU_INDEX)"
        rm -rf -- "$wheels"
        if ! "$VPY" -m pip download --disable-pip-version-check --no-deps --timeout 15 \
            --retries 1 --index-url "$CPU_INDEX" --dest "$wheels" "torch==$TORCH+cpu"; then
            rm -rf -- "$wheels"
            die "PyTorch's CPU index ($CPU_INDEX) did not give torch $TORCH+cpu (pip's message above); nothing else was installed. Check the network or proxy and run scripts/setup.sh --cpu again, or run scripts/setup.sh without --cpu for PyPI's CUDA build (about 3 GB)"
        fi
        echo "torch==$TORCH+cpu" >"$VENV/.dllab-torch-cpu.txt"
        constraints+=(--find-links "$wheels" -c "$VENV/.dllab-torch-cpu.txt")
    fi
    say "pip lists every download with its size, then unpacks and installs them (several minutes for PyTorch; setup says every 10 s that it is still working)."
    # The CUDA lock as constraints too: on Linux the CUDA build's nvidia-* packages get its pins.
    # --no-compile, then compileall on every core: pip would compile the packages' thousands of
    # files one by one, the longest part of the install after the download.
    pip_install "${constraints[@]}" --no-compile -r "$LOCK"
    rm -rf -- "$wheels"
    say "compiling the installed Python files to bytecode, on $(nproc 2>/dev/null || echo all) cores"
    platlib="$("$VPY" -c 'import sysconfig; print(sysconfig.get_path("platlib"))')"
    site_dirs=("$site")
    [[ -z "$platlib" || "$platlib" -ef "$site" ]] || site_dirs+=("$platlib")
    # Status ignored: a few files of the packages are not valid Python 3.11 (torch's Python 3.12
    # test helpers), as pip's own compile step ignores them; Python reads any file it failed on
    # from source.
    "$VPY" "$REPO/scripts/heartbeat.py" --prefix "setup: " -- \
        "$VPY" -m compileall -q -q -j 0 "${site_dirs[@]}" || true
fi

# The project itself, editable: no download (--no-index), built with the locked setuptools.
say "installing dllab from $REPO/lib (editable: this checkout's code is what the environment imports)"
"$VPY" -m pip install --quiet --disable-pip-version-check --no-index --no-build-isolation \
    -c "$LOCK" -e "$REPO[dev]"

# Every Jupyter kernel of this environment (VS Code's Interactive Window, notebooks) reloads the
# edited modules of lib/ before each cell. VS Code's own setting for that (jupyter.runStartupCommands)
# is a user setting, which neither the repository nor the dev container can set.
mkdir -p "$(dirname "$KERNEL_CONFIG")"
echo "$KERNEL_CONFIG_TEXT" >"$KERNEL_CONFIG"

# In the dev container .venv links to the image's environment, so that `.venv/bin/python` (the
# interpreter .vscode/settings.json names) is the right one there too.
if [[ "${DLLAB_CONTAINER:-}" == 1 && "$VENV" != "$REPO/.venv" ]]; then
    if [[ ! -e "$REPO/.venv" && ! -L "$REPO/.venv" ]]; then
        ln -s "$VENV" "$REPO/.venv"
    elif [[ "$(readlink "$REPO/.venv")" != "$VENV" ]]; then
        say "note: $REPO/.venv is another environment (made on the host?); in VS Code select $VENV/bin/python as the interpreter here"
    fi
fi

echo "$want" >"$stamp"
# doctor.py run as a file: the package would import torch, which takes seconds.
say "done ($VENV; $("$VPY" "$REPO/lib/dllab/doctor.py" --build))"

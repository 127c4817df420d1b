"""Benchmark: run labs top to bottom as scripts and print wall time, peak memory and output size.

Usage: scripts/bench.sh [--quick] [--repeat N] [lab ...]   (default: every lab)
A maintainer's tool, not part of the student package: it runs the labs of dllab.labs.
With --repeat N each lab runs N times and the wall time is the median and the fastest of those
runs: on a shared machine single runs vary by ±20 %.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dllab.labs import Lab, all_labs, find

USAGE = "usage: scripts/bench.sh [--quick] [--repeat N] [lab ...]"


def folder_size(path: Path) -> int:
    """Bytes of all files below `path`."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def measure(lab: Lab, *, quick: bool) -> dict:
    """Run one lab as `python lab.py` from its folder, with its runs in a temporary folder."""
    with tempfile.TemporaryDirectory() as runs:
        env = {**os.environ, "LAB_QUICK": "1" if quick else "0", "LAB_RUNS_DIR": runs}
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, lab.path.name], cwd=lab.path.parent, env=env, stdout=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise RuntimeError(f"{lab.stem} failed with exit code {proc.returncode}")
        runs_dirs = [d for d in Path(runs).glob("*/*") if d.is_dir()]
        largest = max((folder_size(d) for d in runs_dirs), default=0)
    # ru_maxrss is in KiB on Linux.
    return {
        "seconds": seconds,
        "peak_mb": usage.ru_maxrss / 1024,
        "largest_run_mb": largest / 2**20,
    }


def parse(argv: list[str]):
    """(quick, repeat, labs to run) from the command line; ValueError with a message if bad."""
    quick, repeat, wanted = False, 1, []
    args = iter(argv)
    for arg in args:
        if arg == "--quick":
            quick = True
        elif arg == "--repeat":
            value = next(args, "")
            if not value.isdigit() or int(value) < 1:
                raise ValueError(f"--repeat needs a whole number ≥ 1, got {value!r}")
            repeat = int(value)
        else:
            wanted.append(arg)
    return quick, repeat, find(wanted) if wanted else all_labs()


def main(argv: list[str]) -> int:
    try:
        quick, repeat, labs = parse(argv)
    except ValueError as err:
        print(f"bench: {err}\n{USAGE}", file=sys.stderr)
        return 2
    mode = "quick" if quick else "full"
    print(
        f"{'lab':28s} {'mode':>5s} {'wall s':>8s} {'fastest':>8s} {'runs':>5s} "
        f"{'peak MB':>8s} {'largest run MB':>15s}"
    )
    for lab in labs:
        runs = [measure(lab, quick=quick) for _ in range(repeat)]
        seconds = [m["seconds"] for m in runs]
        peak = max(m["peak_mb"] for m in runs)
        size = max(m["largest_run_mb"] for m in runs)
        print(
            f"{lab.stem:28s} {mode:>5s} {statistics.median(seconds):8.1f} {min(seconds):8.1f} "
            f"{repeat:5d} {peak:8.0f} {size:15.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

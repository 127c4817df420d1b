"""Benchmark: run labs top to bottom as scripts and print wall time, peak memory and output size.

Usage: python -m dllab.bench [--quick] [lab number ...]   (default: every lab there is)
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LABS = Path(__file__).resolve().parents[2] / "labs"


def folder_size(path: Path) -> int:
    """Bytes of all files below `path`."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def measure(lab: Path, *, quick: bool) -> dict:
    """Run one lab as `python lab.py` from its folder, with its runs in a temporary folder."""
    with tempfile.TemporaryDirectory() as runs:
        env = {**os.environ, "LAB_QUICK": "1" if quick else "0", "LAB_RUNS_DIR": runs}
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, lab.name], cwd=lab.parent, env=env, stdout=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise RuntimeError(f"{lab.name} failed with exit code {proc.returncode}")
        runs_dirs = [d for d in Path(runs).glob("*/*") if d.is_dir()]
        largest = max((folder_size(d) for d in runs_dirs), default=0)
    # ru_maxrss is in KiB on Linux.
    return {
        "seconds": seconds,
        "peak_mb": usage.ru_maxrss / 1024,
        "largest_run_mb": largest / 2**20,
    }


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    wanted = [a for a in argv if a != "--quick"]
    labs = sorted(LABS.glob("[0-9][0-9]_*.py"))
    bad = [
        w
        for w in wanted
        if not w.isdigit() or not any(lab.name.startswith(f"{int(w):02d}_") for lab in labs)
    ]
    if bad:
        names = ", ".join(lab.stem for lab in labs)
        print(f"bench: no lab {', '.join(bad)}; available: {names}", file=sys.stderr)
        return 2
    if wanted:
        labs = [lab for lab in labs if int(lab.name[:2]) in {int(w) for w in wanted}]
    mode = "quick" if quick else "full"
    print(f"{'lab':28s} {'mode':>5s} {'wall s':>8s} {'peak MB':>8s} {'largest run MB':>15s}")
    for lab in labs:
        m = measure(lab, quick=quick)
        size = m["largest_run_mb"]
        print(f"{lab.stem:28s} {mode:>5s} {m['seconds']:8.1f} {m['peak_mb']:8.0f} {size:15.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

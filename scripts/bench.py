"""Benchmarks that print figures: the labs, the test suite, and what lab.sh adds to a lab.

    scripts/bench.sh [--quick] [--repeat N] [lab ...]   run labs as scripts (default: every lab)
    scripts/bench.sh --suite [-- PYTEST ARGS]           time ./scripts/test.sh (with PYTEST ARGS)
    scripts/bench.sh --overhead [--repeat N]            what lab.sh costs beyond the lab itself

A maintainer's tool, not part of the student package. With --repeat N each measurement is taken
N times and reported as the median and the fastest: on a shared machine single runs vary by ±20 %.
Standard library only (dllab.labs starts without torch), so a usage error comes back at once.
"""

import argparse
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dllab.labs import Lab, all_labs, find

REPO = Path(__file__).resolve().parents[1]


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


def bench_labs(labs: list[Lab], *, quick: bool, repeat: int) -> int:
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


def seconds_of(command: list[str], **kwargs) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of `command` and all it starts; RuntimeError if it fails.
    CPU time counts what the command itself computed, whatever else runs on the machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, **kwargs)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed with exit code {done.returncode}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu


def bench_overhead(repeat: int) -> int:
    """lab.sh on a stand-in lab that does nothing, against `python` on the same file."""
    with tempfile.TemporaryDirectory() as folder:
        stand_in = Path(folder) / "00_stand_in.py"
        stand_in.write_text("# a lab that does nothing: what lab.sh adds to any lab\n")
        direct = [sys.executable, stand_in.name]
        script = [str(REPO / "scripts" / "lab.sh"), str(stand_in)]
        env = {**os.environ, "LAB_RUNS_DIR": folder}
        alone, wrapped = [], []
        for _ in range(repeat):  # interleaved: a load that comes and goes hits both alike
            alone.append(seconds_of(direct, cwd=folder, env=env))
            wrapped.append(seconds_of(script, env=env))
    print(f"{'':24s} {'wall s':>7s} {'fastest':>8s} {'CPU s':>6s} {'runs':>5s}")
    for name, runs in [("python LAB.py", alone), ("scripts/lab.sh LAB.py", wrapped)]:
        wall, cpu = zip(*runs, strict=True)
        print(
            f"{name:24s} {statistics.median(wall):7.3f} {min(wall):8.3f} "
            f"{statistics.median(cpu):6.3f} {repeat:5d}"
        )
    extra = [w[0] - a[0] for w, a in zip(wrapped, alone, strict=True)]
    extra_cpu = [w[1] - a[1] for w, a in zip(wrapped, alone, strict=True)]
    print(
        f"lab.sh overhead: {statistics.median(extra):.3f} s wall, "
        f"{statistics.median(extra_cpu):.3f} s CPU (medians of {repeat})"
    )
    return 0


def bench_suite(pytest_args: list[str]) -> int:
    """Run ./scripts/test.sh once, its output shown, and print how long it took."""
    command = [str(REPO / "scripts" / "test.sh"), *pytest_args]
    start = time.perf_counter()
    status = subprocess.run(command, cwd=REPO).returncode
    seconds = time.perf_counter() - start
    args = f" {shlex.join(pytest_args)}" if pytest_args else ""
    outcome = "passed" if status == 0 else f"FAILED (exit status {status})"
    print(f"test suite: {seconds:.1f} s for ./scripts/test.sh{args} ({outcome})")
    return status


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/bench.sh", description=__doc__.split("\n\n")[0], allow_abbrev=False
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--suite", action="store_true", help="time ./scripts/test.sh")
    what.add_argument("--overhead", action="store_true", help="what lab.sh adds to a lab")
    parser.add_argument("--quick", action="store_true", help="labs in quick mode")
    parser.add_argument("--repeat", metavar="N", help="runs of each measurement")
    parser.add_argument(
        "args", nargs="*", metavar="lab", help="labs (default: all); with --suite: pytest args"
    )
    args = parser.parse_args(argv)
    if args.repeat is not None and (not args.repeat.isdigit() or int(args.repeat) < 1):
        parser.error(f"--repeat needs a whole number ≥ 1, got {args.repeat!r}")
    repeat = int(args.repeat) if args.repeat else None
    if args.suite:
        if args.quick or repeat:
            parser.error("--suite runs ./scripts/test.sh once: no --quick, no --repeat")
        return bench_suite(args.args)
    if args.overhead:
        if args.quick or args.args:
            got = " ".join(args.args) or "--quick"
            parser.error(f"--overhead takes only --repeat N, got {got}")
        return bench_overhead(repeat or 10)
    try:
        labs = find(args.args) if args.args else all_labs()
    except ValueError as err:
        parser.error(str(err))
    return bench_labs(labs, quick=args.quick, repeat=repeat or 1)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

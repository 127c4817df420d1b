"""Scoreboard of the "Your turn" exercises: run labs headless through a kernel and count.

Usage: python -m dllab.exercises.scoreboard [lab ...]   (what scripts/check.sh runs)
A lab is a number, a name, or a path to a lab file; default: every lab. Exit 0 only when every attempted exercise passed and every lab ran.
"""

import json
import sys
import tempfile
from pathlib import Path

from nbclient.exceptions import CellExecutionError

from dllab.exercises import NOT_ATTEMPTED, PASSED, WRONG
from dllab.exercises.notebook import run_percent_file
from dllab.labs import find


def run_lab(path: Path) -> tuple[list[dict], str | None]:
    """Run one lab in quick mode; returns its verdicts and the error that stopped it, if any."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "verdicts.jsonl"
        env = {
            "LAB_QUICK": "1",
            "LAB_CHECK_REPORT": str(report),
            "LAB_RUNS_DIR": str(Path(tmp) / "runs"),
        }
        error = None
        try:
            run_percent_file(path, env=env)
        except CellExecutionError as err:
            error = f"{err.ename}: {err.evalue}"
        lines = report.read_text(encoding="utf-8").splitlines() if report.exists() else []
    return [json.loads(line) for line in lines], error


def main(argv: list[str]) -> int:
    try:
        labs = find(argv or ["all"])
    except ValueError as err:
        print(f"check: {err}", file=sys.stderr)
        return 2
    print(f"{'lab':28s} {'passed':>7s} {'wrong':>6s} {'not attempted':>14s}")
    ok = True
    details = []
    for lab in labs:
        verdicts, error = run_lab(lab.path)
        count = {s: sum(v["status"] == s for v in verdicts) for s in (PASSED, WRONG, NOT_ATTEMPTED)}
        print(
            f"{lab.stem:28s} {count[PASSED]:7d} {count[WRONG]:6d} {count[NOT_ATTEMPTED]:14d}"
            + (f"   stopped by an error: {error}" if error else ""),
            flush=True,
        )
        details += [
            f"  {lab.stem}: {v['exercise']}: {v['message']}"
            for v in verdicts
            if v["status"] == WRONG
        ]
        ok = ok and error is None and count[WRONG] == 0
    if details:
        print("\nWrong:")
        print("\n".join(details))
    print("\nall attempted exercises pass" if ok else "\nnot yet: fix what is listed above")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

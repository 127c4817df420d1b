"""Scoreboard of the "Your turn" exercises: run labs headless through a kernel and count.

Usage: python -m dllab.exercises.scoreboard [lab ...]   (what scripts/check.sh runs)
A lab is a number, a name, or a path to a lab file; default: every lab. Each lab runs cell by
cell and goes on after a failing cell, so one broken answer does not hide the others: a "Your
turn" cell that fails counts as wrong and the lab goes on with the reference. A later cell that
fails is listed with its line and the answers it ran. Exit 0 when nothing is wrong and every
lab ran (also when nothing was attempted yet, which the summary says).
"""

import importlib
import json
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import jupytext

from dllab.exercises import NOT_ATTEMPTED, PASSED, WRONG
from dllab.exercises.notebook import run_cell_by_cell
from dllab.labs import find

CHECK = re.compile(r"^(\w+) = check\(\"(\w+)\", \1\)", re.MULTILINE)
FRAME = re.compile(r"Cell In\[(\d+)\], line (\d+)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
KERNEL_FILE = re.compile(r"\(\d+\.py, line (\d+)\)")  # a SyntaxError's place in the kernel
IN_CELL = r"(line \1 of the cell)"


@dataclass
class LabResult:
    verdicts: list = field(default_factory=list)  # {"exercise", "status", "message"}
    errors: list = field(default_factory=list)  # one line per cell that failed, for the student


def _first_line(source: str) -> str:
    lines = [line for line in source.splitlines() if line.strip() and not line.startswith("#")]
    text = lines[0].strip() if lines else source.strip()
    return text if len(text) <= 60 else text[:57] + "…"


def run_lab(path: Path, timeout: int = 600) -> LabResult:
    """Run one lab in quick mode, cell by cell; its verdicts and the cells that failed.

    timeout: seconds a cell may run before it is stopped (and counts as failed)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    result = LabResult()
    answers = {}  # execution count of a "Your turn" cell → its exercise
    cells = [
        (i, c)
        for i, c in enumerate(jupytext.read(path, fmt="py:percent").cells)
        if c.cell_type == "code"
    ]
    # a "Your turn" cell is the code cell before `name = check("name", name)`
    exercise_of = {
        i: match.group(2)
        for (i, _), (_, after) in zip(cells, cells[1:], strict=False)
        if (match := CHECK.search(after.source))
    }
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "verdicts.jsonl"
        env = {
            "LAB_QUICK": "1",
            "LAB_CHECK_REPORT": str(report),
            "LAB_RUNS_DIR": str(Path(tmp) / "runs"),
        }

        def line_of(source):
            found = text.find(source)
            return text[:found].count("\n") + 1 if found >= 0 else None

        def wrong(name, message):
            with report.open("a", encoding="utf-8") as f:
                f.write(json.dumps({"exercise": name, "status": WRONG, "message": message}) + "\n")

        def use_reference(name):
            return f"from dllab.exercises import reference as _r\n{name} = _r({name!r})"

        def on_cell(index, cell, error):
            name = exercise_of.get(index)
            if name and cell.get("execution_count"):
                answers[cell.execution_count] = name
            if error is None:
                return None
            evalue = KERNEL_FILE.sub(IN_CELL, error.evalue)
            if name:  # the student's own cell: wrong, and the lab goes on with the reference
                line = line_of(cell.source)
                wrong(
                    name, f"the cell with your answer (line {line}) failed: {error.ename}: {evalue}"
                )
                return use_reference(name), True  # instead of the check cell
            checked = CHECK.search(cell.source)
            if checked:  # the check itself did not finish (an endless loop, a KeyboardInterrupt)
                name = checked.group(2)
                wrong(name, f"its check did not finish: {error.ename}: {evalue}")
                return use_reference(name), False
            result.errors.append(_describe(error, cell, line_of(cell.source), answers, report))
            return None

        run_cell_by_cell(path, on_cell, env=env, timeout=timeout)
        lines = report.read_text(encoding="utf-8").splitlines() if report.exists() else []
    result.verdicts = _last_per_exercise([json.loads(line) for line in lines])
    return result


def _last_per_exercise(verdicts: list) -> list:
    latest = {}
    for v in verdicts:
        latest[v["exercise"]] = v
    return list(latest.values())


def _describe(error, cell, line, answers: dict, report: Path) -> str:
    """'line 104 (`for lr in …`): NameError: …, inside your log_gradients (it passed its check)'."""
    text = f"the cell at line {line} (`{_first_line(cell.source)}`) failed: {error.ename}: {error.evalue}"
    traceback = ANSI.sub("", error.traceback or "")
    inside = [answers[int(n)] for n, _ in FRAME.findall(traceback) if int(n) in answers]
    if report.exists():
        passed = {
            json.loads(v)["exercise"]
            for v in report.read_text(encoding="utf-8").splitlines()
            if json.loads(v)["status"] == PASSED
        }
    else:
        passed = set()
    if inside:
        name = inside[-1]
        state = " (it passed its check)" if name in passed else ""
        return f"{text}\n    inside your {name}{state}"
    used = sorted(name for name in passed if re.search(rf"\b{name}\b", cell.source))
    if used:
        return f"{text}\n    this cell uses your {', '.join(used)}"
    return text


def _exercises_of(lab) -> list[str]:
    """The names in the lab's exercise spec (none when the lab has no spec)."""
    try:
        return list(importlib.import_module(lab.spec).EXERCISES)
    except ModuleNotFoundError:
        return []


def main(argv: list[str]) -> int:
    try:
        labs = find(argv or ["all"])
    except ValueError as err:
        print(f"check: {err}", file=sys.stderr)
        return 2
    print(f"{'lab':28s} {'passed':>7s} {'wrong':>6s} {'not attempted':>14s}")
    counts = {PASSED: 0, WRONG: 0, NOT_ATTEMPTED: 0}
    wrong, errors, todo = [], [], []
    for lab in labs:
        result = run_lab(lab.path)
        checked = {v["exercise"] for v in result.verdicts}
        for name in _exercises_of(lab):
            if name not in checked:  # its check cell was deleted or renamed
                message = f'not checked: no cell `{name} = check("{name}", {name})` ran'
                result.verdicts.append({"exercise": name, "status": WRONG, "message": message})
        count = {s: sum(v["status"] == s for v in result.verdicts) for s in counts}
        for status in counts:
            counts[status] += count[status]
        failed = f"   {len(result.errors)} cell(s) failed" if result.errors else ""
        print(
            f"{lab.stem:28s} {count[PASSED]:7d} {count[WRONG]:6d} {count[NOT_ATTEMPTED]:14d}{failed}",
            flush=True,
        )
        for v in result.verdicts:
            if v["status"] == WRONG:
                wrong.append(f"  {lab.stem}: {v['exercise']}: {v['message']}")
            elif v["status"] == NOT_ATTEMPTED:
                todo.append(v["exercise"])
        if result.errors:
            errors.append(f"  {lab.stem}: {result.errors[0]}")
        if len(result.errors) > 1:
            later = len(result.errors) - 1
            errors.append(f"    and {later} later cell(s) of {lab.stem}, maybe because of this one")
    if wrong:
        print("\nWrong:")
        print("\n".join(wrong))
    if errors:
        print("\nA cell failed (the lab went on with the next cells):")
        print("\n".join(errors))
    total = sum(counts.values())
    if wrong or errors:
        print("\nnot yet: fix what is listed above")
        return 1
    if counts[PASSED] == 0:
        print(
            f"\nnothing attempted yet: none of the {total} exercises has an answer "
            '(replace the `raise NotImplementedError` line of a "Your turn" cell)'
        )
    elif todo:
        print(f"\n{counts[PASSED]} of {total} exercises pass; not attempted yet: {', '.join(todo)}")
    else:
        print(f"\nall {total} exercises pass")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Scoreboard of the "Your turn" exercises: run labs headless through a kernel and count.

Usage: python -m dllab.exercises.scoreboard [--json FILE] [--junit FILE] [--student WHO] [lab ...]
(what scripts/check.sh runs). A lab is a number, a name, or a path to a lab file; default: every
lab. Each lab runs cell by cell and goes on after a failing cell, so one broken answer does not
hide the others: a "Your turn" cell that fails counts as wrong and the lab goes on with the
reference. A later cell that fails is listed with its line and the answers of the student it
was running. --json/--junit write the report of report.py (one record per exercise).
Exit status: 0 every attempted exercise passes, 1 something is wrong (or a cell failed),
2 bad arguments, 3 nothing attempted yet (and nothing wrong).
"""

import argparse
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import jupytext

from dllab.exercises import NOT_ATTEMPTED, PASSED, WRONG, report, specs
from dllab.exercises.cells import checked_name
from dllab.exercises.notebook import run_cell_by_cell, your_turn_cells
from dllab.exercises.verdicts import append_verdict, now_utc, read_verdicts
from dllab.labs import LABS_DIR, find

FRAME = re.compile(r"Cell In\[(\d+)\], line (\d+)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
KERNEL_FILE = re.compile(r"\(\d+\.py, line (\d+)\)")  # a SyntaxError's place in the kernel
IN_CELL = r"(line \1 of the cell)"


@dataclass
class LabResult:
    verdicts: list = field(default_factory=list)  # {"exercise", "status", "message"}
    errors: list = field(default_factory=list)  # one line per cell that failed, for the student
    failed: list = field(default_factory=list)  # the same as records: {"line", "error", "answers"}


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
    exercise_of = your_turn_cells(jupytext.read(path, fmt="py:percent"))
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
            append_verdict(report, name, WRONG, message)

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
            name = checked_name(cell.source)
            if name:  # the check itself did not finish (an endless loop, a KeyboardInterrupt)
                wrong(name, f"its check did not finish: {error.ename}: {evalue}")
                return use_reference(name), False
            line = line_of(cell.source)
            text, used = _describe(error, cell, line, answers, report)
            result.errors.append(text)
            result.failed.append(
                {"line": line, "error": f"{error.ename}: {error.evalue}", "answers": used}
            )
            return None

        run_cell_by_cell(path, on_cell, env=env, timeout=timeout)
        result.verdicts = _last_per_exercise(read_verdicts(report))
    return result


def _last_per_exercise(verdicts: list) -> list:
    latest = {}
    for v in verdicts:
        latest[v["exercise"]] = v
    return list(latest.values())


def _describe(error, cell, line, answers: dict, report: Path) -> tuple[str, list]:
    """What failed, for the student, and the names of the answers it ran:
    'the cell at line 104 (`for lr in …`) failed: NameError: …' and then
    '    inside your log_gradients (it passed its check)' when the traceback runs through an
    answer's cell, else '    this cell uses your …' for the passed answers the cell names, else
    '    your answers in use: …' (every answer that had passed: the lab uses them from then on)."""
    text = f"the cell at line {line} (`{_first_line(cell.source)}`) failed: {error.ename}: {error.evalue}"
    traceback = ANSI.sub("", error.traceback or "")
    inside = [answers[int(n)] for n, _ in FRAME.findall(traceback) if int(n) in answers]
    passed = []
    for v in read_verdicts(report):
        if v["status"] == PASSED and v["exercise"] not in passed:
            passed.append(v["exercise"])
        elif v["status"] != PASSED and v["exercise"] in passed:  # checked again: not in use
            passed.remove(v["exercise"])
    if inside:
        name = inside[-1]
        state = " (it passed its check)" if name in passed else ""
        return f"{text}\n    inside your {name}{state}", [name]
    used = sorted(name for name in passed if re.search(rf"\b{name}\b", cell.source))
    if used:
        return f"{text}\n    this cell uses your {', '.join(used)}", used
    if passed:
        return (
            f"{text}\n    your answers in use: {', '.join(passed)} (each passed its check)",
            passed,
        )
    return f"{text}\n    it ran none of your answers (the lab uses the references)", []


def _exercises_of(lab) -> list[str]:
    """The names in the lab's exercise spec (none when the lab has no spec)."""
    return [name for name, module in specs.modules().items() if module == lab.spec]


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], capture_output=True, text=True, cwd=LABS_DIR, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def _student(given: str | None) -> dict:
    """{"name", "email", "source"}: from --student ("Name <email>", a name or an email),
    else from git config user.name and user.email."""
    if given is not None:
        given = given.strip()
        if not given:
            raise ValueError("--student is empty; give a name, an email or 'Name <email>'")
        match = re.fullmatch(r"(.*?)\s*<([^<>\s]+@[^<>\s]+)>", given)
        if match:
            return {"name": match.group(1) or None, "email": match.group(2), "source": "--student"}
        if re.fullmatch(r"[^@\s]+@[^@\s]+", given):
            return {"name": None, "email": given, "source": "--student"}
        return {"name": given, "email": None, "source": "--student"}
    name, email = _git("config", "user.name"), _git("config", "user.email")
    return {"name": name, "email": email, "source": "git config" if name or email else "unknown"}


def _commit() -> str | None:
    head = _git("rev-parse", "--short=12", "HEAD")
    if head and _git("status", "--porcelain", "--untracked-files=no", "--", "labs", "lib"):
        head += "+changes"
    return head


def _arguments(argv: list[str]):
    parser = argparse.ArgumentParser(
        prog="check.sh",
        description="Check the 'Your turn' exercises of the labs.",
        epilog="Exit status: 0 every attempted exercise passes, 1 something is wrong or a cell "
        "failed, 2 bad arguments, 3 nothing attempted yet.",
    )
    parser.add_argument("labs", nargs="*", help="number, name or path of a lab (default: all)")
    parser.add_argument("--json", metavar="FILE", help="write the report as JSON (report.py)")
    parser.add_argument("--junit", metavar="FILE", help="write the report as JUnit XML")
    parser.add_argument(
        "--student",
        metavar="WHO",
        help="'Name <email>', a name or an email (default: git config user.name/user.email)",
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    try:
        args = _arguments(argv)
    except SystemExit as stop:  # argparse printed the problem or the help
        return report.EXIT_USAGE if stop.code else 0
    try:
        labs = find(args.labs or ["all"])
        report.check_output_paths(args.json, args.junit)
        student = _student(args.student)
    except ValueError as err:
        print(f"check: {err}", file=sys.stderr)
        return report.EXIT_USAGE
    started = now_utc()
    print(f"{'lab':28s} {'passed':>7s} {'wrong':>6s} {'not attempted':>14s}")
    counts = {PASSED: 0, WRONG: 0, NOT_ATTEMPTED: 0}
    wrong, errors, todo = [], [], []
    records, failed_cells = [], []
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
            records.append(
                {
                    "lab": lab.stem,
                    "exercise": v["exercise"],
                    "verdict": v["status"],
                    "message": v["message"],
                    "hint": report.hint_of(v["message"]) if v["status"] == WRONG else None,
                    "time": v.get("time") or now_utc(),
                    "student": student,
                }
            )
        for text, cell in zip(result.errors, result.failed, strict=False):
            failed_cells.append({"lab": lab.stem, **cell, "message": text})
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
        code = report.EXIT_WRONG
    elif counts[PASSED] == 0:
        print(
            f"\nnothing attempted yet: none of the {total} exercises has an answer "
            '(replace the `raise NotImplementedError` line of a "Your turn" cell)'
        )
        code = report.EXIT_NOTHING
    elif todo:
        print(f"\n{counts[PASSED]} of {total} exercises pass; not attempted yet: {', '.join(todo)}")
        code = report.EXIT_PASSED
    else:
        print(f"\nall {total} exercises pass")
        code = report.EXIT_PASSED
    if args.json or args.junit:
        document = {
            "schema": report.SCHEMA,
            "student": student,
            "commit": _commit(),
            "started": started,
            "finished": now_utc(),
            "labs": [lab.stem for lab in labs],
            "totals": counts | {"failed cells": len(failed_cells)},
            "exit_code": code,
            "exercises": records,
            "failed_cells": failed_cells,
        }
        for path, write in ((args.json, report.write_json), (args.junit, report.write_junit)):
            if path:
                write(document, path)
                print(f"report written: {path}")
        if student["source"] == "unknown":
            print(
                "note: the report names no student: set `git config user.name` and "
                "`git config user.email`, or pass --student 'Name <email>'"
            )
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

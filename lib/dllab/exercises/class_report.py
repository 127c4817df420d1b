"""A class's results: many students' `check.sh --json` reports, one table per exercise.

Usage: python -m dllab.exercises.class_report DIR [--top N]   (what scripts/class_report.sh runs)
DIR holds one JSON report per student (any *.json file name; sub-folders are searched too, so a
folder of cloned repositories with their reports inside works). Prints, per exercise, how many
students attempted it, passed, were wrong and did not attempt it; one line per student; then the
most frequent mistakes, by the hint the students got; and saves one figure, the share of students passing
each exercise, into a new run folder runs/class_report/<time>/ (with the table as CSV).
A file that is not a report is named and skipped; two reports of one student: the later counts.
"""

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

from dllab.display import plot_exercise_shares
from dllab.exercises import NOT_ATTEMPTED, PASSED, WRONG, report


def read_reports(folder: Path) -> tuple[list[dict], list[str]]:
    """The reports under `folder` (one per student, the latest finished wins) and the problems
    with the files that were skipped."""
    latest, problems = {}, []
    for path in sorted(folder.rglob("*.json")):
        try:
            r = report.read(path)
        except ValueError as err:
            problems.append(str(err))
            continue
        key = report.who(r["student"])
        if key == "unknown student":
            key = f"unknown student ({path.relative_to(folder)})"
        if key in latest and latest[key][1]["finished"] >= r["finished"]:
            problems.append(
                f"{path}: an earlier report of {key} than {latest[key][0]}; not counted"
            )
            continue
        if key in latest:
            problems.append(f"{latest[key][0]}: a later report of {key} is {path}; not counted")
        latest[key] = (path, r)
    return [r for _, r in latest.values()], problems


def tally(reports: list[dict]) -> dict:
    """{(lab, exercise): Counter of verdicts}, in the order the labs list them."""
    counts = {}
    for r in reports:
        for record in r["exercises"]:
            counts.setdefault((record["lab"], record["exercise"]), Counter())[
                record["verdict"]
            ] += 1
    return dict(sorted(counts.items(), key=lambda item: item[0][0]))


def mistakes(reports: list[dict]) -> Counter:
    """{(exercise, mistake): number of students}, a mistake being the hint they got."""
    found = Counter()
    for r in reports:
        for record in r["exercises"]:
            if record["verdict"] == WRONG:
                found[(record["exercise"], report.mistake_of(record))] += 1
    return found


def table(counts: dict) -> str:
    wide = max(len(lab) for lab, _ in counts)
    named = max(len(name) for _, name in counts)
    header = (
        f"{'lab':{wide}s} {'exercise':{named}s} {'students':>8s} {'attempted':>9s} {'passed':>6s} "
        f"{'wrong':>5s} {'not attempted':>13s} {'share passed':>12s}"
    )
    lines = [header]
    for (lab, name), c in counts.items():
        n = sum(c.values())
        lines.append(
            f"{lab:{wide}s} {name:{named}s} {n:8d} {c[PASSED] + c[WRONG]:9d} {c[PASSED]:6d} "
            f"{c[WRONG]:5d} {c[NOT_ATTEMPTED]:13d} {c[PASSED] / n:12.0%}"
        )
    return "\n".join(lines)


def students(reports: list[dict]) -> str:
    """One line per student, by name: the totals of their report and its commit."""
    rows = sorted(reports, key=lambda r: report.who(r["student"]).lower())
    names = [report.who(r["student"]) for r in rows]
    wide = max(len("student"), *map(len, names))
    lines = [
        f"{'student':{wide}s} {'passed':>6s} {'wrong':>5s} {'not attempted':>13s} "
        f"{'failed cells':>12s}  commit"
    ]
    for name, r in zip(names, rows, strict=True):
        t = r["totals"]
        lines.append(
            f"{name:{wide}s} {t[PASSED]:6d} {t[WRONG]:5d} {t[NOT_ATTEMPTED]:13d} "
            f"{t['failed cells']:12d}  {r['commit'] or '?'}"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="class_report.sh", description="Summarize many students' check.sh --json reports."
    )
    parser.add_argument("folder", help="a folder with one check.sh --json report per student")
    parser.add_argument("--top", type=int, default=10, help="how many mistakes to list")
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return 2 if stop.code else 0
    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"class_report: {folder} is not a folder", file=sys.stderr)
        return 2
    if args.top < 1:
        print(f"class_report: --top {args.top}; allowed: 1 or more", file=sys.stderr)
        return 2
    reports, problems = read_reports(folder)
    for problem in problems:
        print(f"class_report: skipped {problem}", file=sys.stderr)
    if not reports:
        print(f"class_report: no check.sh --json report in {folder}", file=sys.stderr)
        return 2
    counts = tally(reports)
    print(f"{len(reports)} student{'' if len(reports) == 1 else 's'} ({folder})\n")
    print(table(counts))
    print(f"\n{students(reports)}")
    cells = sum(r["totals"]["failed cells"] for r in reports)
    with_cells = sum(bool(r["totals"]["failed cells"]) for r in reports)
    if cells:
        print(f"\n{with_cells} student(s) had a later cell fail ({cells} cells in all)")
    found = mistakes(reports)
    wrong = sum(found.values())
    print(f"\nMost frequent mistakes ({wrong} wrong answer{'' if wrong == 1 else 's'} in all):")
    if not found:
        print("  none")
    for (name, mistake), n in found.most_common(args.top):
        print(f"  {n:3d} × {name}: {mistake}")

    from dllab import new_run_dir, show

    print()
    run = new_run_dir("class_report")
    fig = plot_exercise_shares(counts, len(reports), folder.resolve().name)
    show(fig, "share_passed", run)  # prints "figure saved: <path>"
    with (run / "exercises.csv").open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["lab", "exercise", "students", PASSED, WRONG, NOT_ATTEMPTED])
        for (lab, name), c in counts.items():
            out.writerow([lab, name, sum(c.values()), c[PASSED], c[WRONG], c[NOT_ATTEMPTED]])
    print(f"table saved: {run / 'exercises.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The report of one `check.sh` run, for a CI or a TA: JSON (the schema below), JUnit XML,
Markdown. It collects the verdict lines of each lab run (verdicts.py, the one place they are
written).

    ./scripts/check.sh --json check.json --junit check.xml [--student "Ada <ada@uni.edu>"]
    python -m dllab.exercises.report check.json        # Markdown, e.g. >> $GITHUB_STEP_SUMMARY

The JSON report (SCHEMA = "dllab-check/1", as JSON Schema in check-report.schema.json), one
file per student and run:
    {
      "schema": "dllab-check/1",
      "student": {"name": str | null, "email": str | null, "source": "--student" | "git config" | "unknown"},
      "commit": str | null,        # git HEAD of the checked repository, "+changes" if uncommitted edits
      "started": time, "finished": time,  # ISO 8601, UTC
      "labs": [stem, ...],         # the labs that ran, e.g. "02_backpropagation"
      "totals": {"passed": n, "wrong": n, "not attempted": n, "failed cells": n},
      "exit_code": 0 | 1 | 3,      # what check.sh exited with (EXIT_* below)
      "exercises": [               # one record per exercise of every lab that ran
        {"lab": stem, "exercise": name, "verdict": "passed" | "wrong" | "not attempted",
         "message": str,           # what the student saw after the verdict
         "hint": str | null,       # the usual mistake it matched (the text after "Hint: ")
         "time": time,             # when the check ran (the scoreboard's time if it never ran)
         "student": {...}}         # as above, so that a record read alone says whose it is
      ],
      "failed_cells": [            # later cells (not "Your turn" cells) that raised an error
        {"lab": stem, "line": int | null, "error": str, "answers": [name, ...], "message": str}
      ]                            # answers: the student's passed answers that cell was running
    }
"""

import argparse
import functools
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from dllab.exercises.verdicts import NOT_ATTEMPTED, PASSED, WRONG

SCHEMA = "dllab-check/1"
SCHEMA_FILE = Path(__file__).with_name("check-report.schema.json")  # the same, as JSON Schema
VERDICTS = (PASSED, WRONG, NOT_ATTEMPTED)
EXIT_PASSED, EXIT_WRONG, EXIT_USAGE, EXIT_NOTHING = 0, 1, 2, 3


def hint_of(message: str) -> str | None:
    """The hint of a verdict's message (the text after its last "Hint: "), or None."""
    if "Hint: " not in message:
        return None
    return message.rsplit("Hint: ", 1)[1].strip() or None


def mistake_of(record: dict) -> str:
    """A wrong record's mistake, to count alike ones: its hint, else the kind of failure."""
    if record["hint"]:
        return record["hint"]
    message = record["message"]
    if error := re.search(r"(?:raised|failed: )\s*(\w+(?:Error|Exception|Interrupt))", message):
        return f"(no hint) raised {error.group(1)}"
    if "not checked:" in message:
        return "(no hint) the check cell did not run"
    if "did not finish" in message:
        return "(no hint) the check did not finish"
    if "shape expected" in message:
        return "(no hint) wrong shape"
    if "got None" in message:
        return "(no hint) returns None"
    return "(no hint) other values than the reference"


# ---------------------------------------------------------------- writing a report


def _refuse_to_overwrite(path: Path, ours) -> None:
    """Only an earlier report of check.sh may be overwritten (a student's file never is)."""
    if path.is_dir():
        raise ValueError(f"{path} is a folder; give a file name for the report")
    if path.exists() and path.stat().st_size and not ours(path.read_text(errors="replace")):
        raise ValueError(
            f"{path} exists and is not a report of check.sh; give a new file name "
            "(only an earlier report is replaced)"
        )


def check_output_paths(json_path: str | None, junit_path: str | None) -> None:
    """Raise ValueError before any lab runs when a report could not be written there."""
    if json_path:
        _refuse_to_overwrite(Path(json_path), lambda text: f'"schema": "{SCHEMA}"' in text)
    if junit_path:
        _refuse_to_overwrite(Path(junit_path), lambda text: f'name="{SCHEMA}"' in text)
    if json_path and junit_path and Path(json_path).resolve() == Path(junit_path).resolve():
        raise ValueError(f"--json and --junit name the same file {json_path}")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)  # a reader never sees half a report


def write_json(report: dict, path) -> None:
    _write(Path(path), json.dumps(report, indent=1, ensure_ascii=False) + "\n")


def junit_xml(report: dict) -> str:
    """JUnit XML: one test suite per lab, one test case per exercise (wrong: a failure; not
    attempted: skipped) and one per failed cell (an error)."""
    root = ET.Element("testsuites", name=SCHEMA)
    props = ET.SubElement(root, "properties")
    student = report["student"]
    for key in ("name", "email"):
        ET.SubElement(props, "property", name=f"student.{key}", value=student[key] or "")
    ET.SubElement(props, "property", name="commit", value=report["commit"] or "")
    for lab in report["labs"]:
        records = [r for r in report["exercises"] if r["lab"] == lab]
        cells = [c for c in report["failed_cells"] if c["lab"] == lab]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=lab,
            tests=str(len(records) + len(cells)),
            failures=str(sum(r["verdict"] == WRONG for r in records)),
            errors=str(len(cells)),
            skipped=str(sum(r["verdict"] == NOT_ATTEMPTED for r in records)),
            timestamp=report["started"],
        )
        for r in records:
            case = ET.SubElement(suite, "testcase", classname=f"labs.{lab}", name=r["exercise"])
            case.set("time", "0")
            if r["verdict"] == WRONG:
                ET.SubElement(case, "failure", message=r["hint"] or "wrong").text = r["message"]
            elif r["verdict"] == NOT_ATTEMPTED:
                ET.SubElement(case, "skipped", message="not attempted").text = r["message"]
            else:
                ET.SubElement(case, "system-out").text = r["message"]
        for c in cells:
            case = ET.SubElement(
                suite, "testcase", classname=f"labs.{lab}", name=f"cell at line {c['line']}"
            )
            case.set("time", "0")
            ET.SubElement(case, "error", message=c["error"]).text = c["message"]
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(report: dict, path) -> None:
    _write(Path(path), junit_xml(report))


# ---------------------------------------------------------------- reading


def read(path) -> dict:
    """A JSON report, checked against the schema; ValueError naming the file and the problem."""
    import jsonschema

    path = Path(path)
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path}: not a JSON report of check.sh ({err})") from None
    if not isinstance(report, dict) or report.get("schema") != SCHEMA:
        found = report.get("schema") if isinstance(report, dict) else type(report).__name__
        raise ValueError(f"{path}: schema {found!r}, expected {SCHEMA!r} (check.sh --json)")
    problem = jsonschema.exceptions.best_match(_validator().iter_errors(report))
    if problem is not None:
        where = "/".join(map(str, problem.absolute_path)) or "the top level"
        raise ValueError(f"{path}: at {where}: {problem.message}")
    return report


@functools.cache
def _validator():
    import jsonschema

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def who(student: dict) -> str:
    name, email = student.get("name"), student.get("email")
    if name and email:
        return f"{name} <{email}>"
    return name or email or "unknown student"


# ---------------------------------------------------------------- Markdown (a CI's summary)

_MARK = {PASSED: "✔ passed", WRONG: "✘ wrong", NOT_ATTEMPTED: "… not attempted"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def markdown(report: dict) -> str:
    """One student's report as Markdown: totals, a table of every exercise, the failed cells."""
    t = report["totals"]
    lines = [
        f"## Exercises: {who(report['student'])}",
        "",
        f"{t[PASSED]} passed, {t[WRONG]} wrong, {t[NOT_ATTEMPTED]} not attempted"
        + (f", {t['failed cells']} failed cell(s)" if t["failed cells"] else "")
        + f" (commit `{report['commit'] or 'unknown'}`, checked {report['finished']})",
        "",
        "| lab | exercise | verdict | message |",
        "| --- | --- | --- | --- |",
    ]
    for r in report["exercises"]:
        lines.append(
            f"| {r['lab']} | `{r['exercise']}` | {_MARK[r['verdict']]} | {_cell(r['message'])} |"
        )
    if report["failed_cells"]:
        lines += ["", "**Cells that failed** (the lab went on with the next cells):", ""]
        lines += [f"- {c['lab']}: {_cell(c['message'])}" for c in report["failed_cells"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dllab.exercises.report",
        description="Print a check.sh --json report as Markdown.",
    )
    parser.add_argument("report", help="the JSON file check.sh --json wrote")
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return 2 if stop.code else 0
    try:
        print(markdown(read(args.report)), end="")
    except ValueError as err:
        print(f"report: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

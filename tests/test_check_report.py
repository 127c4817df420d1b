"""check.sh's reports for a CI or a TA (JSON, JUnit, Markdown), the student workflow's steps and
the class report over many students. The labs' kernel runs are stubbed where only the
bookkeeping is tested."""

import csv
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import yaml
from kernel import REPO, STUDENT_WORKFLOW

from dllab.exercises import class_report, report, scoreboard
from dllab.exercises.specs import exercise, modules
from dllab.labs import find

WORKFLOW = REPO / ".github/student-template/workflows/check.yml"


def run_check(monkeypatch, capsys, verdicts: dict, *args, errors=(), failed=()):
    """scoreboard.main on `labs` with run_lab stubbed: {lab: [(exercise, status, message)]}."""

    def fake_run_lab(path):
        stem = path.stem
        found = [
            {"exercise": n, "status": s, "message": m, "time": "2026-12-01T10:00:00+00:00"}
            for n, s, m in verdicts.get(stem, [])
        ]
        return scoreboard.LabResult(found, list(errors), list(failed))

    monkeypatch.setattr(scoreboard, "run_lab", fake_run_lab)
    labs = [str(int(stem[:2])) for stem in verdicts]
    code = scoreboard.main([*args, *labs])
    return code, capsys.readouterr()


LAB5 = "05_weight_initialization"
HINT = "a gain multiplies the standard deviation: take the square root"


def lab5(he="passed", xavier="passed", gain="passed"):
    message = {
        "passed": "what was checked",
        "wrong": f"with alpha=0.1: result: expected 1.4, got 1.9. Hint: {HINT}",
        "not attempted": "The lab goes on with the reference solution",
    }
    return {
        LAB5: [
            ("he_std", he, message[he]),
            ("xavier_std", xavier, message[xavier]),
            ("leaky_relu_gain", gain, message[gain]),
        ]
    }


@pytest.mark.parametrize(
    ("statuses", "code"),
    [
        (("passed", "passed", "passed"), 0),
        (("passed", "not attempted", "not attempted"), 0),  # every attempted one passes
        (("passed", "passed", "wrong"), 1),
        (("not attempted", "not attempted", "wrong"), 1),
        (("not attempted", "not attempted", "not attempted"), 3),  # nothing attempted
    ],
)
def test_exit_status_and_json_record_per_exercise(monkeypatch, capsys, tmp_path, statuses, code):
    path = tmp_path / "out" / "report.json"  # the folder is made
    got, _ = run_check(
        monkeypatch,
        capsys,
        lab5(*statuses),
        "--json",
        str(path),
        "--student",
        "Ada L <ada@uni.edu>",
    )
    assert got == code
    data = report.read(path)
    assert data["exit_code"] == code and data["labs"] == [LAB5]
    assert [(r["exercise"], r["verdict"]) for r in data["exercises"]] == list(
        zip(["he_std", "xavier_std", "leaky_relu_gain"], statuses, strict=True)
    )
    student = {"name": "Ada L", "email": "ada@uni.edu", "source": "--student"}
    assert data["student"] == student
    for r in data["exercises"]:
        assert set(r) == {"lab", "exercise", "verdict", "message", "hint", "time", "student"}
        assert r["lab"] == LAB5 and r["student"] == student
        assert r["time"] == "2026-12-01T10:00:00+00:00"
        assert r["hint"] == (HINT if r["verdict"] == "wrong" else None)
    assert data["totals"] == {
        s: statuses.count(s) for s in ("passed", "wrong", "not attempted")
    } | {"failed cells": 0}


def test_a_failed_later_cell_is_recorded_with_the_answers_it_ran(monkeypatch, capsys, tmp_path):
    text = "the cell at line 40 (`x = he_std(3)`) failed: ValueError: no"
    text += "\n    this cell uses your he_std"
    cell = {"line": 40, "error": "ValueError: no", "answers": ["he_std"]}
    path = tmp_path / "r.json"
    code, out = run_check(
        monkeypatch, capsys, lab5(), "--json", str(path), errors=[text], failed=[cell]
    )
    assert code == 1 and "this cell uses your he_std" in out.out
    data = report.read(path)
    assert data["failed_cells"] == [{"lab": LAB5, **cell, "message": text}]
    assert data["totals"]["failed cells"] == 1


def test_junit_xml_has_a_case_per_exercise(monkeypatch, capsys, tmp_path):
    path = tmp_path / "r.xml"
    statuses = ("passed", "wrong", "not attempted")
    code, _ = run_check(monkeypatch, capsys, lab5(*statuses), "--junit", str(path))
    assert code == 1
    root = ET.parse(path).getroot()
    (suite,) = root.iter("testsuite")
    assert suite.get("name") == LAB5
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "1", "1")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"he_std", "xavier_std", "leaky_relu_gain"}
    assert cases["xavier_std"].find("failure").get("message") == HINT
    assert cases["leaky_relu_gain"].find("skipped") is not None
    assert cases["he_std"].find("failure") is None and cases["he_std"].find("skipped") is None


def test_student_from_git_config_or_the_option():
    assert scoreboard._student("ada@uni.edu") == {
        "name": None,
        "email": "ada@uni.edu",
        "source": "--student",
    }
    assert scoreboard._student("Ada")["name"] == "Ada"
    with pytest.raises(ValueError, match="--student is empty"):
        scoreboard._student("  ")
    name = subprocess.run(["git", "config", "user.name"], capture_output=True, text=True, cwd=REPO)
    found = scoreboard._student(None)
    assert found["name"] == (name.stdout.strip() or None)
    assert found["source"] in ("git config", "unknown")


def test_a_file_that_is_not_a_report_is_never_overwritten(monkeypatch, capsys, tmp_path):
    lab = tmp_path / "02_backpropagation.py"
    lab.write_text("my answers\n")
    code, out = run_check(monkeypatch, capsys, lab5(), "--json", str(lab))
    assert code == 2 and "is not a report of check.sh" in out.err
    assert lab.read_text() == "my answers\n"
    same = tmp_path / "r"
    code, out = run_check(monkeypatch, capsys, lab5(), "--json", str(same), "--junit", str(same))
    assert code == 2 and "name the same file" in out.err
    earlier = tmp_path / "r.json"  # an earlier report is replaced
    for statuses in [("passed",) * 3, ("wrong",) * 3]:
        run_check(monkeypatch, capsys, lab5(*statuses), "--json", str(earlier))
    assert report.read(earlier)["totals"]["wrong"] == 3


def _a_report() -> dict:
    student = {"name": "Ada", "email": None, "source": "--student"}
    time = "2026-12-01T10:00:00+00:00"
    records = [
        {"lab": LAB5, "exercise": n, "verdict": v, "message": "…", "hint": None, "time": time}
        for n, v in [("he_std", "passed"), ("xavier_std", "wrong")]
    ]
    return {
        "schema": "dllab-check/1",
        "student": student,
        "commit": None,
        "started": time,
        "finished": time,
        "labs": [LAB5],
        "totals": {"passed": 1, "wrong": 1, "not attempted": 0, "failed cells": 0},
        "exit_code": 1,
        "exercises": [r | {"student": student} for r in records],
        "failed_cells": [],
    }


def test_read_names_the_file_and_the_problem(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text('{"schema": "other/2"}')
    with pytest.raises(ValueError, match=r"x\.json: schema 'other/2', expected 'dllab-check/1'"):
        report.read(bad)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_a_report()))
    assert report.read(good)["exit_code"] == 1
    broken = _a_report()
    broken["exercises"][1]["verdict"] = "almost"
    bad.write_text(json.dumps(broken))
    with pytest.raises(
        ValueError, match=r"x\.json: at exercises/1/verdict: 'almost' is not one of"
    ):
        report.read(bad)
    bad.write_text("not json")
    with pytest.raises(ValueError, match=r"x\.json: not a JSON report"):
        report.read(bad)


# ---------------------------------------------------------------- the student workflow


def _steps():
    return {
        step.get("name", step.get("uses")): step
        for step in yaml.safe_load(WORKFLOW.read_text())["jobs"]["check"]["steps"]
    }


def test_student_workflow_is_not_active_here_and_runs_check_sh():
    assert not (REPO / STUDENT_WORKFLOW).exists() or not (REPO / ".dllab-upstream").exists()
    steps = _steps()
    assert "./scripts/setup.sh --cpu" in steps["Set up (PyTorch's CPU build)"]["run"]
    check = steps["Check the exercises"]["run"]
    assert "./scripts/check.sh --json check-report.json --junit check-report.xml" in check
    upload = steps["Upload the reports"]
    assert upload["uses"].startswith("actions/upload-artifact") and upload["if"] == "always()"
    assert "check-report.json" in upload["with"]["path"]


def test_student_workflow_summary_step_writes_the_step_summary(monkeypatch, capsys, tmp_path):
    """The workflow's own Summary command, run as the runner runs it, with a fake summary file."""
    work = tmp_path / "student"
    work.mkdir()
    (work / ".venv").symlink_to(sys.prefix)
    run_check(
        monkeypatch,
        capsys,
        lab5("passed", "wrong", "not attempted"),
        "--json",
        str(work / "check-report.json"),
        "--student",
        "Ada <ada@uni.edu>",
    )
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier step\n")
    command = _steps()["Summary"]["run"]
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary)}
    done = subprocess.run(
        ["bash", "-ec", command], cwd=work, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr  # no warning in the CI log
    text = summary.read_text()
    assert text.startswith("earlier step\n## Exercises: Ada <ada@uni.edu>")  # appended
    rows = re.findall(r"^\| (\S+) \| `(\w+)` \| ([^|]+) \|", text, re.M)
    assert [(lab, name, verdict.strip()) for lab, name, verdict in rows] == [
        (LAB5, "he_std", "✔ passed"),
        (LAB5, "xavier_std", "✘ wrong"),
        (LAB5, "leaky_relu_gain", "… not attempted"),
    ]
    verdict = _steps()["Verdict"]["run"]
    codes = {}
    for code in ("0", "1", "2", "3", ""):
        done = subprocess.run(
            ["bash", "-ec", verdict], env={**os.environ, "CODE": code}, capture_output=True
        )
        codes[code] = done.returncode
    assert codes == {"0": 0, "1": 1, "2": 1, "3": 0, "": 1}


# ---------------------------------------------------------------- the class report


def class_of_30(monkeypatch, capsys, folder):
    """30 students' reports on labs 1 and 2, written by check.sh's own code; returns what was
    drawn: {(lab, exercise): [verdicts]} and {(exercise, hint): count}."""
    exercises = {name: exercise(name) for name in modules()}
    labs = {
        lab.stem: list(__import__(lab.spec, fromlist=["x"]).EXERCISES) for lab in find(["1", "2"])
    }
    rng = np.random.default_rng(0)
    drawn, hints = {}, {}
    for i in range(30):
        verdicts = {}
        for stem, names in labs.items():
            verdicts[stem] = []
            for k, name in enumerate(names):
                p_pass = 0.9 - 0.25 * k  # later exercises are harder
                status = rng.choice(
                    ["passed", "wrong", "not attempted"],
                    p=[p_pass, 0.07 + 0.2 * k, 0.03 + 0.05 * k],
                )
                if status == "wrong":
                    hint = exercises[name].mistakes[int(rng.integers(2))].hint
                    message = f"with x of shape (5, 3): expected 1, got 2. Hint: {hint}"
                    hints[(name, hint)] = hints.get((name, hint), 0) + 1
                else:
                    message = "…"
                verdicts[stem].append((name, str(status), message))
                drawn.setdefault((stem, name), []).append(str(status))
        student = f"Student {i:02d} <s{i:02d}@uni.edu>"
        run_check(
            monkeypatch,
            capsys,
            verdicts,
            "--json",
            str(folder / f"s{i:02d}.json"),
            "--student",
            student,
        )
    return drawn, hints


def test_class_report_of_30_students(monkeypatch, capsys, tmp_path):
    folder = tmp_path / "reports"
    drawn, hints = class_of_30(monkeypatch, capsys, folder)
    (folder / "notes.json").write_text('{"not": "a report"}')  # named and skipped
    code = class_report.main([str(folder), "--top", "3"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "notes.json" in out.err and "skipped" in out.err
    assert out.out.startswith("30 students")
    png = re.search(r"figure saved: (\S+)", out.out).group(1)
    table = re.search(r"table saved: (\S+)", out.out).group(1)
    assert os.path.getsize(png) > 10_000
    with open(table, newline="") as f:
        rows = {(r["lab"], r["exercise"]): r for r in csv.DictReader(f)}
    assert set(rows) == set(drawn)
    for key, verdicts in drawn.items():
        row = rows[key]
        assert int(row["students"]) == 30
        for status in ("passed", "wrong", "not attempted"):
            assert int(row[status]) == verdicts.count(status), (key, status)
    for i in range(30):  # one line per student with the totals of their report
        line = re.search(
            rf"^Student {i:02d} <s{i:02d}@uni.edu>\s+(\d+)\s+(\d+)\s+(\d+)", out.out, re.M
        )
        mine = [verdicts[i] for verdicts in drawn.values()]
        expected = [mine.count(s) for s in ("passed", "wrong", "not attempted")]
        assert [int(n) for n in line.groups()] == expected
    top = re.findall(r"^\s+(\d+) × (\w+): (.+)$", out.out, re.M)
    assert len(top) == 3
    assert int(top[0][0]) == max(hints.values())
    for n, name, hint in top:
        assert hints[(name, hint)] == int(n)


def test_class_report_counts_a_students_latest_report_once(monkeypatch, capsys, tmp_path):
    folder = tmp_path / "reports"
    for i, statuses in enumerate([("wrong",) * 3, ("passed",) * 3]):
        run_check(
            monkeypatch,
            capsys,
            lab5(*statuses),
            "--json",
            str(folder / f"try{i}.json"),
            "--student",
            "Ada <a@u.edu>",
        )
        data = json.loads((folder / f"try{i}.json").read_text())
        data["finished"] = f"2026-12-0{i + 1}T10:00:00+00:00"
        (folder / f"try{i}.json").write_text(json.dumps(data))
    assert class_report.main([str(folder)]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("1 student (") and "try0.json" in out.err
    counts = class_report.tally(class_report.read_reports(folder)[0])
    assert all(c == {"passed": 1} for c in counts.values())


def test_class_report_rejects_a_folder_without_reports(tmp_path, capsys):
    assert class_report.main([str(tmp_path / "missing")]) == 2
    assert class_report.main([str(tmp_path)]) == 2
    assert "no check.sh --json report" in capsys.readouterr().err

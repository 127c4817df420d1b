"""scripts/check.sh: the scoreboard a student runs from a terminal (labs run through a kernel)."""

import re
import subprocess

import pytest
from kernel import REPO, exercise_cells, shipped_stubs, with_answers

# An answer that passes its check and then fails in the lab's own cell: it counts its calls and
# fails on the first call after the checker's (in the lab's own cells).
HE_STD_PASSES_THEN_CRASHES = """\
from dllab.exercises.engine import TRIALS

calls = []


def he_std(fan_in):
    calls.append(fan_in)
    if len(calls) > TRIALS:
        raise RuntimeError("my he_std breaks later")
    return (2 / fan_in) ** 0.5"""


def check_sh(*labs):
    return subprocess.run(
        [REPO / "scripts/check.sh", *map(str, labs)], capture_output=True, text=True, timeout=600
    )


@pytest.mark.script
def test_broken_answer_does_not_hide_the_others_and_a_later_crash_names_the_answer(tmp_path):
    # lab 5's exercise cells (not its experiments), then a cell of the lab that uses he_std
    source = exercise_cells("05_weight_initialization") + "# %%\nprint(he_std(100))\n"
    answers = {
        "he_std": HE_STD_PASSES_THEN_CRASHES,
        "xavier_std": "def xavier_std(fan_in, fan_out)\n    return (2 / (fan_in + fan_out)) ** 0.5",
        # a usual mistake: the variance, not its square root
        "leaky_relu_gain": "def leaky_relu_gain(alpha):\n    return 2 / (1 + alpha**2)",
    }
    lab = tmp_path / "05_weight_initialization.py"
    lab.write_text(with_answers(source, answers))
    done = check_sh(lab)
    assert done.returncode == 1, done.stdout + done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("05_"))
    assert row.split()[1:4] == ["1", "2", "0"]  # passed, wrong, not attempted
    assert "xavier_std: the cell with your answer (line" in done.stdout
    assert "SyntaxError: expected ':' (line 1 of the cell)" in done.stdout
    assert "Hint: a gain multiplies the standard deviation: take the square root" in done.stdout
    assert "RuntimeError: my he_std breaks later" in done.stdout
    assert "inside your he_std (it passed its check)" in done.stdout
    assert re.search(r"the cell at line \d+ \(`.+`\) failed", done.stdout)  # named by its line


@pytest.mark.script
def test_nothing_attempted_says_so_with_its_own_exit_status(tmp_path):
    if not shipped_stubs():
        pytest.skip("a student's copy (made by scripts/make_template.sh): the labs hold answers")
    lab = tmp_path / "02_backpropagation.py"  # lab 2's exercise cells as shipped
    lab.write_text(exercise_cells("02_backpropagation"))
    done = check_sh(lab)
    assert done.returncode == 3, done.stdout + done.stderr
    assert done.stdout.splitlines()[1].split()[1:] == ["0", "0", "3"]
    assert "nothing attempted yet" in done.stdout and "pass" not in done.stdout.split("\n\n")[-1]


def test_unknown_lab_is_rejected():
    bad = subprocess.run([REPO / "scripts/check.sh", "9"], capture_output=True, text=True)
    assert bad.returncode == 2 and "no lab '9'" in bad.stderr


# The summary and the bookkeeping of the scoreboard, without a kernel: run_lab stubbed.


def _scoreboard(monkeypatch, capsys, statuses: dict):
    from dllab.exercises import scoreboard

    verdicts = [{"exercise": n, "status": s, "message": "…"} for n, s in statuses.items()]
    monkeypatch.setattr(scoreboard, "run_lab", lambda path: scoreboard.LabResult(verdicts, []))
    code = scoreboard.main(["5"])
    return code, capsys.readouterr().out


def test_summary_when_all_pass(monkeypatch, capsys):
    names = {"he_std": "passed", "xavier_std": "passed", "leaky_relu_gain": "passed"}
    code, out = _scoreboard(monkeypatch, capsys, names)
    assert code == 0 and out.rstrip().endswith("all 3 exercises pass")


def test_summary_names_what_is_not_attempted(monkeypatch, capsys):
    names = {"he_std": "passed", "xavier_std": "not attempted", "leaky_relu_gain": "passed"}
    code, out = _scoreboard(monkeypatch, capsys, names)
    assert code == 0
    assert out.rstrip().endswith("2 of 3 exercises pass; not attempted yet: xavier_std")


def test_an_exercise_whose_check_did_not_run_is_listed(monkeypatch, capsys):
    code, out = _scoreboard(monkeypatch, capsys, {"he_std": "passed", "leaky_relu_gain": "passed"})
    assert code == 1
    assert (
        'xavier_std: not checked: no cell `xavier_std = check("xavier_std", xavier_std)` ran' in out
    )


# A lab that goes wrong twice, run once in a kernel for the two tests below: a check cell that
# fails (the student renamed he_std: its check raises NameError), and after it a later cell that
# names no answer and whose traceback runs through none. By then one answer passed its check
# (leaky_relu_gain), one did not (xavier_std: the lab uses the reference).
TWO_FAILURES = """\
# %%
from dllab.exercises import check


# %%
def he_sdt(fan_in):
    return (2 / fan_in) ** 0.5


# %%
he_std = check("he_std", he_std)

# %%
print(he_std(200))


# %%
# YOUR TURN: xavier_std
def xavier_std(fan_in, fan_out):
    return 1.0


# %%
xavier_std = check("xavier_std", xavier_std)


# %%
# YOUR TURN: leaky_relu_gain
def leaky_relu_gain(alpha):
    return (2 / (1 + alpha**2)) ** 0.5


# %%
leaky_relu_gain = check("leaky_relu_gain", leaky_relu_gain)

# %%
raise RuntimeError("the lab's own cell fails")
"""
TWO_FAILURES_GROUP = pytest.mark.xdist_group("check_script_two_failures")  # one kernel run


@pytest.fixture(scope="module")
def two_failures(tmp_path_factory):
    from dllab.exercises.scoreboard import run_lab

    lab = tmp_path_factory.mktemp("lab") / "05_two_failures.py"
    lab.write_text(TWO_FAILURES)
    return run_lab(lab)


def _verdict(result, name) -> dict:
    (verdict,) = [dict(v) for v in result.verdicts if v["exercise"] == name]
    assert verdict.pop("time")  # when it was judged
    return verdict


@pytest.mark.script
@TWO_FAILURES_GROUP
def test_a_check_cell_that_fails_counts_as_wrong_and_the_lab_goes_on(two_failures):
    message = "its check did not finish: NameError: name 'he_std' is not defined"
    assert _verdict(two_failures, "he_std") == {
        "exercise": "he_std",
        "status": "wrong",
        "message": message,
    }
    # the next cell ran, with the reference, and so did every later one: the only cell that
    # failed is the lab's own last one
    assert [cell["error"] for cell in two_failures.failed] == [
        "RuntimeError: the lab's own cell fails"
    ]


@pytest.mark.script
@TWO_FAILURES_GROUP
def test_a_failing_later_cell_names_the_answers_in_use(two_failures):
    statuses = {v["exercise"]: v["status"] for v in two_failures.verdicts}
    assert statuses == {"he_std": "wrong", "xavier_std": "wrong", "leaky_relu_gain": "passed"}
    line = TWO_FAILURES.splitlines().index('raise RuntimeError("the lab\'s own cell fails")')
    assert two_failures.failed == [
        {
            "line": line + 1,
            "error": "RuntimeError: the lab's own cell fails",
            "answers": ["leaky_relu_gain"],
        }
    ]
    assert two_failures.errors[0].endswith(
        "your answers in use: leaky_relu_gain (each passed its check)"
    )

"""Every lab: read like a lesson, run through a real kernel, run as a script via scripts/lab.sh."""

import os
import re
import subprocess

import jupytext
import pytest
from kernel import (
    LABS,
    REPO,
    execute,
    executed_lab,
    exercise_names,
    images,
    text_output,
    with_answers,
)

from dllab.labs import all_labs

STEMS = [lab.stem for lab in all_labs()]


def test_every_lab_has_an_exercise_spec():
    import importlib

    for lab in all_labs():
        assert importlib.import_module(lab.spec).EXERCISES, lab.stem


@pytest.mark.parametrize("stem", STEMS)
def test_lab_reads_like_a_lesson(stem):
    cells = jupytext.read(LABS / f"{stem}.py", fmt="py:percent").cells
    assert cells[0].cell_type == "markdown"
    assert (
        cells[0].source.startswith(f"# Lab {int(stem[:2])} — ") and "**Goals**" in cells[0].source
    )
    headings = [c.source for c in cells if c.cell_type == "markdown"]
    assert any(h.startswith("## Exercises") or "\n## Exercises" in h for h in headings)
    assert any("## Summary" in h for h in headings)
    for i, cell in enumerate(cells[:-1]):
        if cell.cell_type == "code" and "dllab.show(" in cell.source:
            nxt = cells[i + 1]
            assert nxt.cell_type == "markdown", f"cell {i} shows a plot without a sentence after it"
    source = (LABS / f"{stem}.py").read_text()
    assert '"cuda"' not in source and "MPLBACKEND" not in source


@pytest.mark.kernel
@pytest.mark.parametrize("stem", STEMS)
def test_lab_runs_in_kernel(stem):
    nb, _ = executed_lab(stem)
    plots = (LABS / f"{stem}.py").read_text().count("dllab.show(")
    assert len(images(nb)) >= plots


@pytest.mark.script
@pytest.mark.parametrize("stem", STEMS)
def test_lab_runs_as_script_and_saves_figures(stem, tmp_path):
    done = subprocess.run(
        [REPO / "scripts/lab.sh", stem[:2]],
        capture_output=True,
        text=True,
        env={**os.environ, "LAB_QUICK": "1", "LAB_RUNS_DIR": str(tmp_path)},
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    made = sorted((tmp_path / stem).glob("*/"))
    assert made, "no run folder written"
    assert all(str(d) in done.stdout for d in made)  # lab.sh says where everything went
    if "dllab.show(" in (LABS / f"{stem}.py").read_text():
        assert list((tmp_path / stem).rglob("*.png"))


NUMBER = r"-?\d+\.\d+(?:e[+-]\d+)?"
ROW = re.compile(rf"^(\S.*?)\s{{2,}}({NUMBER}(?:\s+{NUMBER})*)\s*$")


@pytest.mark.parametrize("stem", STEMS)
def test_lab_has_two_to_four_checked_exercises(stem):
    source = (LABS / f"{stem}.py").read_text()
    names = exercise_names(source)
    assert 2 <= len(names) <= 4
    for name in names:
        assert f'{name} = check("{name}", {name})' in source
        assert "raise NotImplementedError" in source


@pytest.mark.kernel
@pytest.mark.parametrize("stem", STEMS)
def test_shipped_lab_reports_every_exercise_not_attempted(stem):
    out = text_output(executed_lab(stem)[0])
    for name in exercise_names((LABS / f"{stem}.py").read_text()):
        assert f"… {name}: not attempted" in out
    assert "✘" not in out and "✔" not in out


@pytest.mark.kernel
@pytest.mark.parametrize("stem", STEMS)
def test_lab_with_reference_answers_passes_every_exercise(stem, tmp_path):
    source = (LABS / f"{stem}.py").read_text()
    names = exercise_names(source)
    solved = tmp_path / f"{stem}.py"
    solved.write_text(
        with_answers(
            source,
            # the reference's own function, as if the student had written it (reference(n)
            # itself is marked and would be reported as the reference, not as an answer)
            {
                n: f"from dllab.exercises import reference as ref\n{n} = ref({n!r}).__wrapped__"
                for n in names
            },
        )
    )
    out = text_output(execute(solved, env={"LAB_RUNS_DIR": str(tmp_path / "runs")}))
    for name in names:
        assert f"✔ {name}: passed" in out
    assert "not attempted" not in out and "✘" not in out


def table_after(text: str, label: str) -> dict:
    """The rows of the format_table printed under the header line that starts with `label`."""
    lines = text.split("\n" + label, 1)[1].splitlines()[1:]
    rows = {}
    for line in lines:
        match = ROW.match(line)
        if not match:
            break
        rows[match.group(1)] = [float(v) for v in match.group(2).split()]
    return rows


def table_rows(text: str, prefix: str) -> dict:
    """Rows of a printed format_table whose names start with `prefix`: {name: [numbers]}."""
    rows = {}
    for line in text.splitlines():
        if line.startswith(prefix):
            name, _, rest = re.split(r"(\s{2,})", line, maxsplit=1)
            rows[name] = [float(v) for v in rest.split()]
    return rows


@pytest.mark.kernel
def test_lab1_every_rung_reaches_least_squares():
    out = text_output(executed_lab("01_gradient_descent")[0])
    reference = table_rows(out, "least squares")["least squares"]
    rungs = table_rows(out, "rung ")
    assert set(rungs) == {"rung 1: numpy", "rung 2: autograd", "rung 3: nn.Linear"}
    for name, values in rungs.items():
        assert max(abs(v - r) for v, r in zip(values[:4], reference, strict=True)) < 0.05, name
    assert re.search(r"raw inputs, α = 0\.001: stopped after [\d,]+ epochs", out)
    grads = table_rows(out, "autograd (.grad)")["autograd (.grad)"]
    assert grads == table_rows(out, "by hand")["by hand"]


@pytest.mark.kernel
def test_lab2_scratch_network_agrees_with_autograd():
    out = text_output(executed_lab("02_backpropagation")[0])
    assert "all agree with autograd to 1e-06" in out
    saturated = table_rows(out, "sigmoid + binary_cross_entropy")
    assert saturated["sigmoid + binary_cross_entropy"] == [100.0, 0.0]
    assert table_rows(out, "binary_cross_entropy_with_logits")[
        "binary_cross_entropy_with_logits"
    ] == [40.0, 1.0]
    error = float(re.search(r"numerical gradient (\S+)", out).group(1))
    assert error < 1e-7


@pytest.mark.kernel
@pytest.mark.full
def test_lab1_full_mode_reaches_least_squares_within_001():
    out = text_output(executed_lab("01_gradient_descent", quick=False)[0])
    reference = table_rows(out, "least squares")["least squares"]
    for name, values in table_rows(out, "rung ").items():
        assert max(abs(v - r) for v, r in zip(values[:4], reference, strict=True)) < 0.01, name
        assert values[4] < 0.01  # the table's own column says so too


@pytest.mark.kernel
def test_lab3_quick_mode_trains_every_model():
    nb, runs = executed_lab("03_spiral")
    out = text_output(nb)
    rows = table_after(out, "all models")
    assert list(rows) == [
        "linear",
        "deep linear",
        "ReLU 12-6",
        "MLP 20-15-10-5",
        "MLP, outside r",
        "polar MLP, outside r",
    ]
    assert all(0 <= v <= 1 for values in rows.values() for v in values)
    gap = float(re.search(r"one collapsed layer: (\S+)", out).group(1))
    assert gap < 1e-4  # three linear layers are one linear layer
    assert len(list(runs.rglob("*.png"))) == 0  # inside a kernel figures are shown, not saved


@pytest.mark.kernel
@pytest.mark.full
def test_lab3_full_mode_reproduces_the_lecture():
    out = text_output(executed_lab("03_spiral", quick=False)[0])
    acc = {name: values[0] for name, values in table_after(out, "all models").items()}
    assert acc["linear"] < 0.65 and acc["deep linear"] < 0.65  # lecture: 0.60, 0.59
    assert 0.75 <= acc["ReLU 12-6"] < 0.99  # lecture: 0.81
    assert acc["MLP 20-15-10-5"] >= 0.99  # lecture: 1.00
    assert acc["MLP, outside r"] < 0.6  # lecture: 0.51, chance
    assert acc["polar MLP, outside r"] >= 0.95


@pytest.mark.kernel
def test_lab4_logs_three_runs_with_every_dashboard():
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    nb, runs = executed_lab("04_tensorboard")
    run_dirs = sorted((runs / "04_tensorboard").iterdir())
    assert [d.name.split("-")[-1] for d in run_dirs] == ["lr0.001", "lr0.01", "lr0.1"]
    for d in run_dirs:
        events = EventAccumulator(str(d), size_guidance={"images": 0, "histograms": 0})
        events.Reload()
        tags = events.Tags()
        assert {"loss/train", "loss/valid", "hparam/accuracy"} <= set(tags["scalars"])
        assert any(t.startswith("grads/") for t in tags["histograms"])
        assert tags["images"] == ["decision_boundary"] and tags["graph"]
    lecture = EventAccumulator(str(run_dirs[1]), size_guidance={"images": 0})
    lecture.Reload()
    assert [e.step for e in lecture.Images("decision_boundary")] == [0, 10, 20]  # quick: 20 epochs


@pytest.mark.kernel
def test_lab5_shows_explosion_vanishing_and_matching_initializers():
    out = text_output(executed_lab("05_weight_initialization")[0])
    stds = table_after(out, "scheme")
    assert stds["normal(0, 1)"][1] > 1e6 and stds["normal(0, 0.01)"][1] < 1e-6  # layer 10
    he = stds["He normal √(2/D)"]
    assert 0.5 < he[-1] / he[0] < 2
    for name, (formula, ours, theirs) in table_after(out, "std").items():
        assert ours == pytest.approx(formula, rel=0.05), name
        assert ours == pytest.approx(theirs, rel=0.05), name
    assert set(table_after(out, "initialization")) == {"normal(0, 0.01)", "He normal"}


def test_bench_runs_and_reports(tmp_path):
    done = subprocess.run(
        [REPO / "scripts/bench.sh", "--quick", "--repeat", "2", "2"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines() if line.startswith("0")]
    assert [row[0] for row in rows] == ["02_backpropagation"]
    mode, median, fastest, runs = rows[0][1:5]
    assert mode == "quick" and 0 < float(fastest) <= float(median) and runs == "2"
    for args, message in [(["9"], "no lab '9'"), (["--repeat", "0", "2"], "--repeat needs")]:
        bad = subprocess.run([REPO / "scripts/bench.sh", *args], capture_output=True, text=True)
        assert bad.returncode == 2 and message in bad.stderr, bad.stderr

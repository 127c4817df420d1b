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
    lab_session,
    normalized,
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


@pytest.mark.kernel
@pytest.mark.parametrize("stem", STEMS)
def test_lab_cells_rerun_in_any_order_keep_their_results(stem):
    """After a first run, every code cell runs once more in a shuffled order (the Interactive
    Window way): nothing fails, each cell prints what it printed the first time, and no
    empty run folders pile up."""
    session = lab_session(stem)
    for i in session.order:
        source = session.nb.cells[i].source
        if "= check(" in source:  # a check cell re-run reports on the name's current value
            assert "passed" not in session.again[i], source
            continue
        assert normalized(session.again[i]) == normalized(session.first[i]), (
            f"re-running this cell changed what it prints:\n{source}"
        )
    assert session.empty_after_again <= session.empty_after_first


@pytest.mark.script
@pytest.mark.parametrize("stem", STEMS)
def test_lab_with_reference_answers_runs_as_script(stem, tmp_path):
    """The lab with every exercise answered by its reference, run by lab.sh as a plain script:
    every check passes, figures are saved as PNGs and lab.sh says where."""
    source = (LABS / f"{stem}.py").read_text()
    names = exercise_names(source)
    answers = {n: f"from dllab.exercises import reference as ref\n{n} = ref({n!r})" for n in names}
    solved = tmp_path / "labs" / f"{stem}.py"
    solved.parent.mkdir()
    solved.write_text(with_answers(source, answers))
    runs = tmp_path / "runs"
    done = subprocess.run(
        [REPO / "scripts/lab.sh", solved],
        capture_output=True,
        text=True,
        env={**os.environ, "LAB_QUICK": "1", "LAB_RUNS_DIR": str(runs)},
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for name in names:
        assert f"✔ {name}: passed" in done.stdout
    assert "not attempted" not in done.stdout and "✘" not in done.stdout
    made = sorted((runs / stem).glob("*/"))
    assert made, "no run folder written"
    assert all(str(d) in done.stdout for d in made)  # lab.sh says where everything went
    if "dllab.show(" in source:
        assert list((runs / stem).rglob("*.png"))


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


@pytest.mark.script
def test_check_script_scoreboard(tmp_path):
    source = (LABS / "05_weight_initialization.py").read_text()
    answers = {
        "he_std": "def he_std(fan_in):\n    return (2 / fan_in) ** 0.5",
        # the usual mistake: 1 / (fan_in + fan_out) instead of 2 / (…)
        "xavier_std": "def xavier_std(fan_in, fan_out):\n    return (fan_in + fan_out) ** -0.5",
    }
    lab = tmp_path / "05_weight_initialization.py"
    lab.write_text(with_answers(source, answers))
    done = subprocess.run(
        [REPO / "scripts/check.sh", lab], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 1, done.stdout + done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("05_"))
    assert row.split()[1:] == ["1", "1", "1"]  # passed, wrong, not attempted
    assert "xavier_std: std: expected" in done.stdout
    assert "Hint: Xavier averages fan_in and fan_out" in done.stdout


@pytest.mark.script
def test_check_script_passes_when_nothing_is_wrong_and_rejects_unknown_lab():
    done = subprocess.run(
        [REPO / "scripts/check.sh", "2"], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[1].split()[1:] == ["0", "0", "3"]
    bad = subprocess.run([REPO / "scripts/check.sh", "9"], capture_output=True, text=True)
    assert bad.returncode == 2 and "no lab '9'" in bad.stderr


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
def test_lab1_full_mode_reaches_least_squares_within_001(tmp_path):
    nb = execute(LABS / "01_gradient_descent.py", quick=False, env={"LAB_RUNS_DIR": str(tmp_path)})
    out = text_output(nb)
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
    # "from here on this is dllab.train.fit": the lab's loop and fit take the same steps
    assert float(re.search(r"our loop's weights and fit's: (\S+)", out).group(1)) == 0
    assert len(list(runs.rglob("*.png"))) == 0  # inside a kernel figures are shown, not saved


@pytest.mark.kernel
@pytest.mark.full
def test_lab3_full_mode_reproduces_the_lecture(tmp_path):
    nb = execute(LABS / "03_spiral.py", quick=False, env={"LAB_RUNS_DIR": str(tmp_path)})
    out = text_output(nb)
    acc = {name: values[0] for name, values in table_after(out, "all models").items()}
    assert acc["linear"] < 0.65 and acc["deep linear"] < 0.65  # lecture: 0.60, 0.59
    assert 0.75 <= acc["ReLU 12-6"] < 0.99  # lecture: 0.81
    assert acc["MLP 20-15-10-5"] >= 0.99  # lecture: 1.00
    assert acc["MLP, outside r"] < 0.6  # lecture: 0.51, chance
    assert acc["polar MLP, outside r"] == 1.0  # "every point outside is classified right"
    assert acc["MLP 20-15-10-5"] == 1.0  # "every test point is right"
    # The ReLU 12-6 text: every error is a false negative inside one central class-0 region.
    assert re.search(r"test points wrong: 0 false positives, [1-9]\d* false negatives", out)
    assert re.search(r"in there 0% of the \d+ points are called class 1", out)
    # The linear model's losses end just under log 2.
    lowest, last = (
        float(v) for v in re.search(r"lowest (\S+) after epoch \d+, (\S+) after", out).groups()
    )
    assert 0.6 < lowest <= last < 0.6931


@pytest.mark.kernel
def test_lab4_logs_three_runs_with_every_dashboard():
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    nb, runs = executed_lab("04_tensorboard")
    run_dirs = sorted((runs / "04_tensorboard").iterdir())
    # name first (what differs), then the timestamp; the session re-ran the training cell
    first = {}
    for d in run_dirs:
        first.setdefault(d.name.split("-")[0], d)
    assert sorted(first) == ["lr0.001", "lr0.01", "lr0.1"]
    assert all(re.fullmatch(r"lr[\d.]+-\d{8}-\d{6}(\.\d+)?", d.name) for d in run_dirs)
    for d in first.values():
        events = EventAccumulator(str(d), size_guidance={"images": 0, "histograms": 0})
        events.Reload()
        tags = events.Tags()
        assert set(tags["scalars"]) == {"loss/train", "loss/valid"}  # no hparams charts
        assert "grads/layers.hidden1.weight" in tags["histograms"]
        assert not any(re.search(r"layers\.\d", t) for t in tags["histograms"])
        assert tags["images"] == ["decision_boundary"] and tags["graph"]
        assert "_hparams_/session_start_info" in events.PluginTagToContent("hparams")
    lecture = EventAccumulator(str(first["lr0.01"]), size_guidance={"images": 0})
    lecture.Reload()
    assert [e.step for e in lecture.Images("decision_boundary")] == [0, 10, 20]  # quick: 20 epochs
    frame = float(re.search(r"pictures span ±(\S+)", text_output(nb)).group(1))
    from dllab.data import spiral

    X, _ = spiral(300, seed=1234)  # the lab's quick-mode data: every point inside the frame
    assert abs(X).max() <= frame


@pytest.mark.kernel
@pytest.mark.full
def test_lab4_full_mode_curves_and_gradients_are_as_the_text_says(tmp_path):
    """The numbers behind lab 4's prose, in full mode (the student's mode)."""
    import numpy as np
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    nb = execute(LABS / "04_tensorboard.py", quick=False, env={"LAB_RUNS_DIR": str(tmp_path)})
    out = text_output(nb)
    last = {
        lr: float(
            re.search(
                rf"lr = {lr}: validation loss (\S+) after epoch 1, .*, (\S+) after", out
            ).group(2)
        )
        for lr in ("0.001", "0.01", "0.1")
    }
    first = float(re.search(r"lr = 0\.001: validation loss (\S+) after epoch 1", out).group(1))
    assert 0.3 < last["0.001"] < 0.42 and 0.4 < last["0.001"] / first < 0.6  # "about half"
    assert last["0.01"] < 0.01
    lowest = float(re.search(r"lr = 0\.1: .*lowest (\S+)", out).group(1))
    assert lowest > 0.69  # "never leaves log 2"
    assert re.search(r"largest jump: epoch \d+", out)

    def spread(run, tag):
        events = EventAccumulator(str(run), size_guidance={"histograms": 0, "images": 0})
        events.Reload()
        stds = []
        for e in events.Histograms(tag):
            h = e.histogram_value
            stds.append(np.sqrt(max(h.sum_squares / h.num - (h.sum / h.num) ** 2, 0)))
        return events, stds

    runs = {d.name.split("-")[0]: d for d in (tmp_path / "04_tensorboard").glob("lr*")}
    events, lecture = spread(runs["lr0.01"], "grads/layers.hidden1.weight")
    assert lecture[-1] < 0.1 * max(lecture[:2])  # wide early, shrinking
    assert len(events.Images("decision_boundary")) == 13
    _, slow = spread(runs["lr0.001"], "grads/layers.hidden1.weight")
    assert slow[-1] > 2 * slow[0]  # growing
    events, _ = spread(runs["lr0.1"], "grads/layers.hidden1.weight")
    for tag in events.Tags()["histograms"]:
        if tag.startswith("grads/") and tag != "grads/layers.output.bias":
            assert all(
                e.histogram_value.max == e.histogram_value.min == 0 for e in events.Histograms(tag)
            ), tag
    assert list((tmp_path / "04_tensorboard").glob("comparison-*")) == []  # kernel: shown inline


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

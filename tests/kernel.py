"""Kernel harness: execute a percent-cell file through a real ipykernel, as VS Code would."""

import copy
import json
import os
import random
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

from dllab.exercises import cells
from dllab.exercises.notebook import kernel_client, kernel_env, your_turn_cells

REPO = Path(__file__).resolve().parents[1]
LABS = REPO / "labs"
UPSTREAM_MARKER = ".dllab-upstream"
STUDENT_WORKFLOW = ".github/workflows/check.yml"


def shipped_stubs(repo: Path = REPO) -> bool:
    """True in the labs' own repository (it holds the marker .dllab-upstream), whose labs ship
    with every "Your turn" cell unanswered; False in a student's copy made by
    scripts/make_template.sh (no marker, the student workflow instead), whose cells hold the
    student's answers. Neither: the marker was lost, which must not pass unnoticed."""
    if (repo / UPSTREAM_MARKER).exists():
        return True
    if (repo / STUDENT_WORKFLOW).exists():
        return False
    pytest.fail(
        f"{repo} has neither {UPSTREAM_MARKER} (the labs' own repository) nor "
        f"{STUDENT_WORKFLOW} (a student's copy made by scripts/make_template.sh): "
        "restore the marker",
        pytrace=False,
    )


def execute(path: Path, *, quick: bool = True, env: dict | None = None, timeout: int = 600):
    """Run every cell of `path` in a fresh kernel (LAB_QUICK set) and return the notebook.

    A failing cell fails the test with the cell's source and traceback.
    """
    env = kernel_env({"LAB_QUICK": "1" if quick else "0", **(env or {})})
    nb = jupytext.read(path, fmt="py:percent")
    try:
        return kernel_client(nb, Path(path), timeout).execute(env=env)
    except CellExecutionError as err:
        pytest.fail(f"{Path(path).name}: a cell failed\n{err}", pytrace=False)


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def text_output(nb) -> str:
    """Everything the cells printed (stdout streams and text/plain results), in order."""
    parts = []
    for cell in code_cells(nb):
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stdout":
                parts.append(out.text)
            elif "data" in out and "text/plain" in out.data:
                parts.append(out.data["text/plain"] + "\n")
    return "".join(parts)


def images(nb) -> list[str]:
    """The base64 PNGs the cells displayed inline."""
    return [
        out.data["image/png"]
        for cell in code_cells(nb)
        for out in cell.get("outputs", [])
        if "data" in out and "image/png" in out.data
    ]


def cell_stdout(cell) -> str:
    """What one executed code cell printed to stdout."""
    return "".join(
        out.text
        for out in cell.get("outputs", [])
        if out.output_type == "stream" and out.name == "stdout"
    )


# Printed paths (run folders, saved figures) and wall times differ from run to run by design.
_VOLATILE = re.compile(r"\S*runs\S*|\d{8}-\d{6}\S*")
_SECONDS = re.compile(r"\b\d+(\.\d+)? s\b")


def normalized(text: str) -> str:
    """Printed output without the parts that differ on every run (paths, timestamps, seconds)."""
    return _SECONDS.sub("<t> s", _VOLATILE.sub("<path>", text))


def empty_folders(root: Path) -> set[Path]:
    return {d for d in root.rglob("*") if d.is_dir() and not any(d.iterdir())}


@dataclass
class LabSession:
    """A lab run top to bottom in one kernel, then every code cell run once more, shuffled."""

    nb: object  # the notebook after the first, top-to-bottom run
    results: dict  # its RESULTS after the first run
    after: list  # Experiment of each cell of AFTER_THE_LAB, run after the re-runs
    runs: Path  # the runs folder (LAB_RUNS_DIR) of the session
    order: list[int]  # indices of the code cells in the order they were re-run
    first: dict  # cell index → stdout of the first run
    again: dict  # cell index → stdout of the re-run
    empty_after_first: set  # empty folders under runs after the first run
    empty_after_again: set  # … and after the re-runs


def valid_order(nb, code: list[int], rng: random.Random) -> list[int]:
    """The code cells `code` shuffled by `rng`, except that a "Your turn" cell and the check
    cell after it stay together: re-running an answer means checking it again, because the
    check decides which function the later cells use (the student's or the reference)."""
    checks = {answer: code[code.index(answer) + 1] for answer in your_turn_cells(nb)}
    order = [i for i in code if i not in checks.values()]
    rng.shuffle(order)
    return [j for i in order for j in ((i, checks[i]) if i in checks else (i,))]


def run_and_rerun(path: Path, *, runs: Path, seed: int = 0, timeout: int = 600) -> LabSession:
    """Run a lab in a kernel (quick mode) as a student first does, then re-run each code cell
    once in a shuffled order in the same kernel, as a student does in the Interactive Window
    (valid_order: a "Your turn" cell is followed by its check).

    A failing cell fails the test, with the cell and its traceback; the message says whether it
    failed in the first run or in the re-runs (and after which cells).
    """
    nb = jupytext.read(path, fmt="py:percent")
    env = kernel_env({"LAB_QUICK": "1", "LAB_RUNS_DIR": str(runs)})
    client = kernel_client(nb, path, timeout)
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    order = valid_order(nb, code, random.Random(seed))
    first, again = {}, {}
    with client.setup_kernel(env=env):
        for i, cell in enumerate(nb.cells):
            try:
                client.execute_cell(cell, i)
            except CellExecutionError as err:
                pytest.fail(f"{path.name}: a cell failed in the first run\n{err}", pytrace=False)
            if cell.cell_type == "code":
                first[i] = cell_stdout(cell)
        empty_after_first = empty_folders(runs) if runs.exists() else set()
        results = results_of(client)
        for n, i in enumerate(order):
            cell = copy.deepcopy(nb.cells[i])
            try:
                client.execute_cell(cell, i)
            except CellExecutionError as err:
                before = ", ".join(str(code.index(j) + 1) for j in order[:n]) or "none"
                pytest.fail(
                    f"{path.name}: code cell {code.index(i) + 1} failed when re-run "
                    f"(re-run before it: code cells {before})\n{err}",
                    pytrace=False,
                )
            again[i] = cell_stdout(cell)
        empty_after_again = empty_folders(runs) if runs.exists() else set()
        after = []
        for source in AFTER_THE_LAB.get(path.stem, lambda nb: [])(nb):
            try:
                cell = run_cell(client, source)
            except CellExecutionError as err:
                pytest.fail(f"{path.name}: a cell run after the lab failed\n{err}", pytrace=False)
            after.append(Experiment(cell_stdout(cell), results_of(client)))
    return LabSession(
        nb, results, after, runs, order, first, again, empty_after_first, empty_after_again
    )


# The lab's RESULTS dict as JSON (numpy and torch values as lists and numbers).
DUMP_RESULTS = "import json as _json\nprint(_json.dumps(RESULTS, default=lambda v: v.tolist()))"


def run_cell(client, source: str):
    """Run `source` as one more cell in `client`'s kernel (not kept in its notebook)."""
    cell = nbformat.v4.new_code_cell(source)
    client.nb.cells.append(cell)
    try:
        client.execute_cell(cell, len(client.nb.cells) - 1)
    finally:
        client.nb.cells.pop()
    return cell


def results_of(client) -> dict:
    """The RESULTS dict of the lab running in `client`'s kernel, read back as JSON."""
    return json.loads(cell_stdout(run_cell(client, DUMP_RESULTS)))


def lab2_experiments(nb) -> list[str]:
    """Lab 2's exercises 1 and 2, as a student runs them after the whole lab: model.double()
    with AGREE = 1e-12, then a broken relu_backward assigned in a new cell (no check after
    it), followed by the comparison and the numerical check (each may fail its assertion)."""

    def cell(marker: str) -> str:
        (source,) = [c.source for c in nb.cells if c.cell_type == "code" and marker in c.source]
        return source

    compare, numeric = cell("differences = {"), cell("numerical_gradient(")
    data = cell("torch.manual_seed(SEED)")

    def attempt(code: str, label: str) -> str:
        body = "\n".join("    " + line for line in code.splitlines())
        return f"try:\n{body}\nexcept AssertionError:\n    print('{label}: disagreement')\n"

    return [
        "\n".join(["model.double()", "AGREE = 1e-12", compare]),
        "\n".join(
            [
                data,
                "AGREE = 1e-6",
                "relu_backward = lambda dout, x: dout",
                attempt(compare, "comparison"),
                attempt(numeric, "numerical check"),
            ]
        ),
    ]


# Cells run after a lab's re-runs, in the same kernel: {stem: nb → [cell source]}.
AFTER_THE_LAB = {"02_backpropagation": lab2_experiments}


@dataclass
class Experiment:
    """A cell run after the lab (AFTER_THE_LAB): what it printed and RESULTS after it."""

    stdout: str
    results: dict


class LabRuns:
    """Each lab run once per test session (per pytest-xdist worker; the tests of one lab share
    an xdist_group, so one worker runs them all), in a private folder of tmp_path_factory:
    a kernel session (quick mode) and a script run with the reference answers (full mode, lab 6
    quick). A failure is remembered and fails every test of that run alike."""

    def __init__(self, tmp_path_factory):
        self.tmp = tmp_path_factory
        self.done: dict = {}

    def _once(self, key: str, compute):
        if key not in self.done:
            try:
                self.done[key] = compute(self.tmp.mktemp(key))
            except pytest.fail.Exception as failure:
                self.done[key] = str(failure)
        if isinstance(self.done[key], str):
            pytest.fail(self.done[key], pytrace=False)
        return self.done[key]

    def session(self, stem: str) -> "LabSession":
        """labs/<stem>.py run and re-run in a kernel (run_and_rerun), quick mode."""
        return self._once(
            f"kernel-{stem}", lambda tmp: run_and_rerun(LABS / f"{stem}.py", runs=tmp / "runs")
        )

    def script(self, stem: str) -> "ScriptRun":
        """labs/<stem>.py with the reference answers, run by lab.sh (script_run)."""
        quick = stem in QUICK_SCRIPT_RUNS
        return self._once(f"script-{stem}", lambda tmp: script_run(stem, tmp, quick=quick))


# Labs whose script run is in quick mode (lab 6's full mode is a long search); the others run
# in full mode, the students' mode, whose results the full-mode tests read.
QUICK_SCRIPT_RUNS = {"06_lightning_search"}


@dataclass
class ScriptRun:
    """A lab with reference answers, run top to bottom by scripts/lab.sh."""

    returncode: int
    stdout: str
    stderr: str
    runs: Path  # its LAB_RUNS_DIR
    names: list  # its exercises
    results: dict  # its RESULTS at the end ({} if it failed before)


def script_run(stem: str, tmp: Path, *, quick: bool) -> ScriptRun:
    """labs/<stem>.py with every exercise answered by its reference (the reference's own
    function, as if the student had written it), run as a plain script by lab.sh; a cell
    added at the end writes its RESULTS to a JSON file."""
    source = (LABS / f"{stem}.py").read_text()
    names = exercise_names(source)
    answers = {
        n: f"from dllab.exercises import reference as ref\n{n} = ref({n!r}).__wrapped__"
        for n in names
    }
    saved = tmp / "results.json"
    dump = DUMP_RESULTS.replace("print(", f"open({str(saved)!r}, 'w').write(")
    solved = tmp / "labs" / f"{stem}.py"
    solved.parent.mkdir(parents=True)
    solved.write_text(with_answers(source, answers) + f"\n\n# %%\n{dump}\n")
    runs = tmp / "runs"
    env = {**os.environ, "LAB_QUICK": "1" if quick else "0", "LAB_RUNS_DIR": str(runs)}
    done = subprocess.run(
        [REPO / "scripts/lab.sh", solved], capture_output=True, text=True, env=env, timeout=600
    )
    results = json.loads(saved.read_text()) if saved.exists() else {}
    return ScriptRun(done.returncode, done.stdout, done.stderr, runs, names, results)


def exercise_cells(stem: str) -> str:
    """A stand-in for labs/<stem>.py: its first code cell (the imports), its "Your turn" cells
    and their check cells, nothing else; the lab's exercises without its work."""
    nb = jupytext.read(LABS / f"{stem}.py", fmt="py:percent")
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    answers = cells.your_turn_cells(code)
    kept = [code[0]] + [s for k, s in enumerate(code) if k in answers or k - 1 in answers]
    return "".join(f"# %%\n{s}\n\n\n" for s in kept)


def with_answers(source: str, answers: dict) -> str:
    """A lab's source with the "Your turn" cell of each exercise replaced by answers[name]."""
    parts = cells.percent_cells(source)
    code = [i for i, part in enumerate(parts) if cells.is_code(part)]
    at = {name: code[k] for k, name in cells.your_turn_cells([parts[i] for i in code]).items()}
    for name, answer in answers.items():
        assert name in at, f"no exercise cell for {name}"
        parts[at[name]] = f"# %%\n{answer}\n\n\n"
    return "".join(parts)


def exercise_names(source: str) -> list[str]:
    """The exercises of a lab, in the order of their "Your turn" cells."""
    return cells.exercise_names(source)

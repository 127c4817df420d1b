"""Kernel harness: execute a percent-cell file through a real ipykernel, as VS Code would."""

import copy
import os
import pickle
import random
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jupytext
import pytest
from filelock import FileLock
from nbclient.exceptions import CellExecutionError

from dllab.exercises import cells
from dllab.exercises.notebook import kernel_client, kernel_env, run_percent_file

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
    try:
        return run_percent_file(
            path, env={"LAB_QUICK": "1" if quick else "0", **(env or {})}, timeout=timeout
        )
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
    checks = {
        answer: code[k + 1]
        for k, answer in enumerate(code[:-1])
        if nb.cells[answer].source.startswith("# YOUR TURN:")
    }
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
    return LabSession(nb, runs, order, first, again, empty_after_first, empty_after_again)


_SESSIONS: dict = {}  # stem → LabSession, or the failure message, in this process


def _shared_folder() -> Path:
    """One folder for the whole test run, shared by its worker processes (scripts/test.sh runs
    pytest -n 2: the workers are children of the process that started them)."""
    owner = os.getppid() if "PYTEST_XDIST_WORKER" in os.environ else os.getpid()
    folder = Path(tempfile.gettempdir()) / f"dllab-test-labs-{owner}"
    folder.mkdir(exist_ok=True)
    return folder


def _shared(key: str, compute):
    """compute() once per test run, whichever worker asks first; the others wait (a file lock)
    and read its result back. A failed test's message is shared the same way."""
    if key not in _SESSIONS:
        shared = _shared_folder()
        saved = shared / f"{key}.pickle"
        with FileLock(shared / f"{key}.lock"):
            if saved.exists():
                _SESSIONS[key] = pickle.loads(saved.read_bytes())
            else:
                try:
                    _SESSIONS[key] = compute(shared)
                except pytest.fail.Exception as failure:  # every test of it fails alike
                    _SESSIONS[key] = str(failure)
                saved.write_bytes(pickle.dumps(_SESSIONS[key]))
    if isinstance(_SESSIONS[key], str):
        pytest.fail(_SESSIONS[key], pytrace=False)
    return _SESSIONS[key]


def lab_session(stem: str) -> LabSession:
    """labs/<stem>.py run and re-run once per test run (in quick mode), shared by its tests."""
    return _shared(
        stem, lambda shared: run_and_rerun(LABS / f"{stem}.py", runs=shared / f"runs-{stem}")
    )


@dataclass
class ScriptRun:
    """A lab with reference answers, run top to bottom by scripts/lab.sh."""

    returncode: int
    stdout: str
    stderr: str
    runs: Path  # its LAB_RUNS_DIR
    names: list  # its exercises


def script_run(stem: str, *, quick: bool) -> ScriptRun:
    """labs/<stem>.py with every exercise answered by its reference (the reference's own
    function, as if the student had written it), run once per test run as a plain script."""

    def run(shared: Path) -> ScriptRun:
        source = (LABS / f"{stem}.py").read_text()
        names = exercise_names(source)
        answers = {
            n: f"from dllab.exercises import reference as ref\n{n} = ref({n!r}).__wrapped__"
            for n in names
        }
        solved = shared / f"script-{stem}" / "labs" / f"{stem}.py"
        solved.parent.mkdir(parents=True)
        solved.write_text(with_answers(source, answers))
        runs = solved.parent.parent / "runs"
        env = {**os.environ, "LAB_QUICK": "1" if quick else "0", "LAB_RUNS_DIR": str(runs)}
        done = subprocess.run(
            [REPO / "scripts/lab.sh", solved], capture_output=True, text=True, env=env, timeout=600
        )
        return ScriptRun(done.returncode, done.stdout, done.stderr, runs, names)

    return _shared(f"script-{stem}-{'quick' if quick else 'full'}", run)


def executed_lab(stem: str):
    """(notebook after the first run, its runs folder) of lab_session(stem)."""
    session = lab_session(stem)
    return session.nb, session.runs


def remove_sessions() -> None:
    """Delete the lab sessions' folder (called where the test run started, when it ends)."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        shutil.rmtree(_shared_folder(), ignore_errors=True)
    _SESSIONS.clear()


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

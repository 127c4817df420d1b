"""Kernel harness: execute a percent-cell file through a real ipykernel, as VS Code would."""

import functools
import tempfile
from pathlib import Path

import pytest
from nbclient.exceptions import CellExecutionError

from dllab.notebook import run_percent_file

REPO = Path(__file__).resolve().parents[1]
LABS = REPO / "labs"


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


# The runs folders of executed_lab, kept for the whole session; conftest.py removes them at its end.
SESSION_RUNS: list[Path] = []


@functools.cache
def executed_lab(stem: str, quick: bool = True):
    """labs/<stem>.py run once per test session; returns (notebook, the runs folder it wrote)."""
    runs = Path(tempfile.mkdtemp(prefix=f"runs-{stem}-"))
    SESSION_RUNS.append(runs)
    return execute(LABS / f"{stem}.py", quick=quick, env={"LAB_RUNS_DIR": str(runs)}), runs


def with_answers(source: str, answers: dict) -> str:
    """A lab's source with the cell of each `# YOUR TURN: name` replaced by answers[name]."""
    cells = source.split("\n# %%")
    for name, code in answers.items():
        marked = [i for i, cell in enumerate(cells) if f"# YOUR TURN: {name}\n" in cell]
        assert len(marked) == 1, f"no exercise cell for {name}"
        cells[marked[0]] = f"\n{code}\n\n"
    return "\n# %%".join(cells)


def exercise_names(source: str) -> list[str]:
    """The exercises of a lab, in order: the names after `# YOUR TURN:`."""
    return [
        line.split(":", 1)[1].strip()
        for line in source.splitlines()
        if line.startswith("# YOUR TURN:")
    ]

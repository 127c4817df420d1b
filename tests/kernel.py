"""Kernel harness: execute a percent-cell file through a real ipykernel, as VS Code would."""

import functools
import os
import tempfile
from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

REPO = Path(__file__).resolve().parents[1]
LABS = REPO / "labs"


def execute(path: Path, *, quick: bool = True, env: dict | None = None, timeout: int = 600):
    """Run every cell of `path` in a fresh kernel with the file's folder as working directory.

    Returns the executed notebook (nbformat) so tests can read outputs; a failing cell fails the
    test with the cell's source and traceback.
    """
    path = Path(path)
    nb = jupytext.read(path, fmt="py:percent")
    kernel_env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # keep inline plots
    kernel_env["LAB_QUICK"] = "1" if quick else "0"
    kernel_env.update(env or {})
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        return client.execute(env=kernel_env)
    except CellExecutionError as err:
        pytest.fail(f"{path.name}: a cell failed\n{err}", pytrace=False)


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


@functools.cache
def executed_lab(stem: str, quick: bool = True):
    """labs/<stem>.py run once per test session; returns (notebook, the runs folder it wrote)."""
    runs = Path(tempfile.mkdtemp(prefix=f"runs-{stem}-"))
    return execute(LABS / f"{stem}.py", quick=quick, env={"LAB_RUNS_DIR": str(runs)}), runs

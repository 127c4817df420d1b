"""Run a percent-cell file (# %%) through a real Jupyter kernel, as VS Code does."""

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import jupytext
import nbformat
from jupyter_core.paths import jupyter_runtime_dir
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from traitlets.config import Config

from dllab.exercises import cells


def your_turn_cells(nb) -> dict[int, str]:
    """{index in nb.cells: exercise} of a notebook's "Your turn" cells (cells.py says which)."""
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    found = cells.your_turn_cells([nb.cells[i].source for i in code])
    return {code[k]: name for k, name in found.items()}


def _local_sockets() -> dict:
    """KernelManager settings for a kernel that talks to its client over Unix sockets in
    Jupyter's private runtime folder, not over TCP ports: two kernels started at the same moment
    (check.sh beside a notebook, parallel tests) could pick the same free port, and the second
    then dies with "Address already in use". TCP ({}) where ZeroMQ has no such sockets
    (Windows) or the runtime folder's path is too long for one."""
    if os.name == "nt":
        return {}
    runtime = jupyter_runtime_dir()
    prefix = os.path.join(runtime, f"dllab-{uuid.uuid4().hex[:12]}")  # sockets <prefix>-1 … -5
    if len(os.fsencode(prefix)) > 100:  # a socket's path has at most 103 bytes on macOS
        return {}
    os.makedirs(runtime, mode=0o700, exist_ok=True)
    return {"transport": "ipc", "ip": prefix}


def kernel_client(nb, path: Path, timeout: int) -> NotebookClient:
    """A client that runs `nb` in a fresh kernel, with the folder of `path` as working directory."""
    return NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        config=Config({"KernelManager": _local_sockets()}),
        # The kernel runs on this machine only; its warning about unencrypted local TCP (where
        # _local_sockets falls back to TCP) would be the first thing a student reads. Errors
        # still show.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        resources={"metadata": {"path": str(path.parent)}},
    )


def kernel_env(env: dict | None) -> dict:
    """This process's environment plus `env`, without MPLBACKEND (plots stay inline)."""
    kernel_env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    kernel_env.update(env or {})
    return kernel_env


def run_cell_by_cell(path, on_cell: Callable, *, env: dict | None = None, timeout: int = 600):
    """Execute the code cells of `path` one by one in one kernel, going on after a failing cell.

    on_cell(index, cell, error) is called after each code cell (index: its place in the
    notebook's cells; error: its CellExecutionError, or None; a cell that runs past `timeout`
    seconds is interrupted and counts as a TimeoutError). It returns None, or (code, skip):
    code to run in the kernel right away (e.g. a stand-in for what the cell should have
    defined), and whether to skip the next code cell. Returns the executed notebook.
    """
    path = Path(path)
    nb = jupytext.read(path, fmt="py:percent")
    client = kernel_client(nb, path, timeout)
    client.interrupt_on_timeout = True  # an endless loop in one cell must not stop the rest
    skip = False
    with client.setup_kernel(env=kernel_env(env)):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or skip:
                skip = skip and cell.cell_type != "code"
                continue
            error = None
            try:
                client.execute_cell(cell, index)
            except CellExecutionError as err:
                error = err
            if error is not None and error.ename == "KeyboardInterrupt":  # stopped at `timeout`
                error = CellExecutionError("", "TimeoutError", f"stopped after {timeout} s")
            then = on_cell(index, cell, error)
            if then:
                code, skip = then
                if code:
                    for _ in range(2):  # a second time if an interrupt's echo stopped the first
                        try:
                            client.execute_cell(nbformat.v4.new_code_cell(code), index)
                            break
                        except CellExecutionError:
                            continue
    return nb

"""Run a percent-cell file (# %%) through a real Jupyter kernel, as VS Code does."""

import os
from pathlib import Path

import jupytext
from nbclient import NotebookClient


def run_percent_file(path, *, env: dict | None = None, timeout: int = 600):
    """Execute every cell of `path` in a fresh kernel with the file's folder as working directory.

    env: variables added to the kernel's environment (MPLBACKEND is removed: plots stay inline).
    Returns the executed notebook; a failing cell raises nbclient's CellExecutionError, whose
    message shows the cell and its traceback.
    """
    path = Path(path)
    nb = jupytext.read(path, fmt="py:percent")
    kernel_env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    kernel_env.update(env or {})
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        # The kernel runs on this machine only; its warning about unencrypted local TCP would
        # be the first thing a student reads. Errors still show.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        resources={"metadata": {"path": str(path.parent)}},
    )
    return client.execute(env=kernel_env)

"""Show a figure: inline inside a Jupyter kernel, as a PNG file in a plain script run."""

import os
from pathlib import Path

import matplotlib


def in_kernel() -> bool:
    """True when running inside an IPython kernel (Interactive Window, notebook, nbclient)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


# A plain script has no screen to draw on here; a kernel keeps its inline backend.
# The choice is made in code, never through MPLBACKEND, which would also reach the kernel.
if not in_kernel() and "MPLBACKEND" not in os.environ:
    matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after the backend choice)


def _free_path(folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    k = 2
    while path.exists():  # never overwrite a figure saved earlier
        path = folder / f"{name}-{k}.png"
        k += 1
    return path


def show(fig, name: str, run_dir: Path | str | None = None) -> Path | None:
    """Display `fig` inline in a kernel; in a script, save run_dir/<name>.png and print its path."""
    if in_kernel():
        from IPython.display import display

        display(fig)
        plt.close(fig)
        return None
    if run_dir is None:
        raise ValueError(f"show(fig, {name!r}) in a plain script needs run_dir= to save the figure")
    folder = Path(run_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = _free_path(folder, name)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"figure saved: {path}")
    return path

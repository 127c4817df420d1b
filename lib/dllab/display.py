"""Display: show a figure (inline in a kernel, a PNG file in a script), line plots, text tables."""

import numbers
import os
import re
import sys
from pathlib import Path

import matplotlib
import numpy as np

from dllab import validate


def in_kernel() -> bool:
    """True when running inside an IPython kernel (Interactive Window, notebook, nbclient)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def progress_wanted() -> bool:
    """True where a progress bar helps: in a notebook or a terminal, and not in quick mode."""
    from dllab.session import is_quick

    return not is_quick() and (in_kernel() or sys.stderr.isatty())


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
    _check_figure(fig, name)
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


def _check_figure(fig, name) -> None:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        hint = "an Axes? pass ax.figure" if isinstance(fig, Axes) else ""
        allowed = "a matplotlib Figure, e.g. from fig, ax = plt.subplots()"
        validate.fail("fig", allowed, validate.describe(fig), hint=hint, error=TypeError)
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        allowed = "a file name of letters, digits, '.', '_' and '-', e.g. 'loss_curves'"
        validate.fail("name", allowed, validate.describe(name))


# ---------------------------------------------------------------- line plots


def _check_curves(curves: dict, *, n: int | None = None, positive: bool = False) -> None:
    """curves: {label: a sequence of numbers}, each of length n if given, > 0 for a log axis."""
    if not isinstance(curves, dict) or not curves:
        allowed = "a dict {label: values}, e.g. {'train': history.train_loss}"
        validate.fail("curves", allowed, validate.describe(curves), error=TypeError)
    for label, values in curves.items():
        name = f"curves[{label!r}]"
        validate.array(name, values, ndim=1, finite=False)
        if n is not None and len(values) != n:
            validate.fail(name, f"{n} values, one per x", validate.describe(values))
        if positive and np.any(np.asarray(values) <= 0):
            got = f"{validate.describe(values)} with values ≤ 0"
            validate.fail(name, "positive numbers on a log axis", got, hint="pass logy=False")


# Curves that coincide must stay tellable apart: each line gets its own dash pattern and marker.
LINESTYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P")


def _lines(
    series: dict,
    *,
    xlabel: str,
    ylabel: str,
    title: str,
    logx=False,
    logy=False,
    legend: str = "right",
):
    """One line per entry of series {label: (x, y)}, each with its own line style and marker.

    legend: "right" or "below" the axes (never over the data), or "none".
    """
    if legend not in ("right", "below", "none"):
        raise ValueError(f"legend={legend!r}; allowed: 'right', 'below', 'none'")
    fig, ax = plt.subplots(figsize=(8, 4.5 if legend == "below" else 4), layout="constrained")
    for i, (label, (x, y)) in enumerate(series.items()):
        ax.plot(
            x,
            y,
            label=label,
            linestyle=LINESTYLES[i % len(LINESTYLES)],
            marker=MARKERS[i % len(MARKERS)],
            # evenly spaced along the drawn line (linear and log axes alike), each line's marks
            # shifted so that marks of curves lying on top of each other do not hide each other
            markevery=(0.03 * (i % 3), 0.1),
            markersize=5,
            markerfacecolor="none",
        )
    if logy:
        ax.set_yscale("log")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if legend == "right":
        fig.legend(loc="outside right upper")
    elif legend == "below":
        fig.legend(loc="outside lower center", ncols=2)
    ax.grid(alpha=0.3)
    return fig


def plot_loss_curves(
    curves: dict,
    *,
    title: str = "",
    logy: bool = True,
    logx: bool = False,
    ylabel: str = "loss",
    legend: str = "right",
):
    """One line per entry of curves {label: losses per epoch}, epochs counted from 1."""
    _check_curves(curves, positive=logy)
    series = {label: (range(1, len(losses) + 1), losses) for label, losses in curves.items()}
    return _lines(
        series, xlabel="epoch", ylabel=ylabel, title=title, logx=logx, logy=logy, legend=legend
    )


def plot_curves(
    x, curves: dict, *, xlabel: str, ylabel: str, title: str = "", legend: str = "right"
):
    """Several y-series against one x.  x: (K,), curves: {label: (K,) values}."""
    validate.array("x", x, ndim=1, finite=False)
    _check_curves(curves, n=len(x))
    series = {label: (x, values) for label, values in curves.items()}
    return _lines(series, xlabel=xlabel, ylabel=ylabel, title=title, legend=legend)


# ---------------------------------------------------------------- tables


def _number(value: float, digits: int) -> str:
    """Fixed point, or scientific where fixed point would be too long or show only zeros."""
    if abs(value) >= 1e5 or 0 < abs(value) < 10.0**-digits:
        return f"{value:.{max(digits - 2, 1)}e}"
    return f"{value:.{digits}f}"


def format_table(rows: dict, columns: list[str], *, digits: int = 4, label: str = "") -> str:
    """One line per row: the row name, then its values under the column names.

    rows: {name: sequence of numbers (or None for an empty cell)}.
    """
    _check_table(rows, columns, digits)
    width = max(len(label), *(len(name) for name in rows))
    col = max(digits + 6, *(len(c) for c in columns))
    lines = [f"{label:<{width}}" + "".join(f"{c:>{col + 2}}" for c in columns)]
    for name, values in rows.items():
        if len(values) > len(columns):
            raise ValueError(f"row {name!r} has {len(values)} values for {len(columns)} columns")
        cells = "".join(
            " " * (col + 2) if v is None else f"{_number(v, digits):>{col + 2}}" for v in values
        )
        lines.append(f"{name:<{width}}{cells}")
    return "\n".join(lines)


def _check_table(rows, columns, digits) -> None:
    if not isinstance(rows, dict):
        allowed = "a dict {row name: values}, e.g. {'fit': [2.9, -1.8]}"
        validate.fail("rows", allowed, validate.describe(rows), error=TypeError)
    if not isinstance(columns, list | tuple) or not all(isinstance(c, str) for c in columns):
        allowed = "a list of column names, e.g. ['a', 'b']"
        validate.fail("columns", allowed, validate.describe(columns), error=TypeError)
    validate.integer("digits", digits, minimum=0)
    for name, values in rows.items():
        if isinstance(values, str) or not hasattr(values, "__len__"):
            allowed = "a list of numbers, one per column"
            validate.fail(f"rows[{name!r}]", allowed, validate.describe(values), error=TypeError)
        for i, value in enumerate(values):
            if value is not None and not isinstance(value, numbers.Real):
                if getattr(value, "ndim", None) != 0:  # 0-d arrays and tensors print as numbers
                    allowed = "a number, or None for an empty cell"
                    got = validate.describe(value)
                    validate.fail(f"rows[{name!r}][{i}]", allowed, got, error=TypeError)

"""Display: every figure of the labs, and text tables.

show: a figure inline in a kernel, a PNG file in a script. Then the figures, each a function that
takes numbers and returns a matplotlib Figure: line plots (loss curves, curves against x, lab 5's
activation statistics), the plane of a 2-D classifier (its points, probability surface and
decision boundary), lab 6's search figure and the class report's shares passed. One line-style
list (LINESTYLES) serves them all.
"""

import numbers
import os
import re
import sys
from pathlib import Path

import matplotlib
import numpy as np

from dllab import validate
from dllab.exercises.verdicts import NOT_ATTEMPTED, PASSED, WRONG


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


# ---------------------------------------------------------------- the plane of a 2-D classifier


def probability_grid(model, lim: float, *, steps: int = 200):
    """P(class 1) on a grid over [−lim, lim]².  → xs: (steps,), ys: (steps,), P: (steps, steps)."""
    import torch  # here, not above: a figure of numbers needs no torch

    from dllab.metrics import predict_proba

    validate.number("lim", lim, positive=True)
    validate.integer("steps", steps, minimum=2)
    xs = np.linspace(-lim, lim, steps, dtype=np.float32)
    gx, gy = np.meshgrid(xs, xs)
    with torch.no_grad():
        P = predict_proba(model, np.column_stack([gx.ravel(), gy.ravel()]), batch_size=8192)
    return xs, xs, P.reshape(steps, steps)


CLASS_COLORS = ("tab:blue", "tab:orange")


def plot_spiral(X, y, *, lim: float, title: str = ""):
    """Scatter of the two classes.  X: (N, 2), y: (N,) in {0, 1}. The legend sits below the axes."""
    validate.array("X", X, columns=2)
    y = validate.labels("y", y, n=len(X))
    validate.number("lim", lim, positive=True)
    fig, ax = plt.subplots(figsize=(5, 5.6))
    for label, color in enumerate(CLASS_COLORS):
        points = X[y == label]
        ax.scatter(points[:, 0], points[:, 1], s=3, color=color, label=f"class {label}")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title, fontsize=10)
    legend_below(ax)
    return fig


def legend_below(ax, *, ncol: int = 2, fontsize: float = 8) -> None:
    """The axes' legend centred under its x label, off the data."""
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.13),
        ncol=ncol,
        fontsize=fontsize,
        markerscale=2,
        frameon=False,
    )
    ax.figure.subplots_adjust(bottom=0.2)


def plot_decision_boundary(
    xs,
    ys,
    P,
    X,
    y,
    prob,
    *,
    metrics: dict | None = None,
    title: str = "",
    points: str = "",
    dpi: int = 100,
    compact: bool = False,
):
    """Probability surface P(class 1) with points marked as true/false positives/negatives.

    xs: (W,), ys: (H,), P: (H, W) from probability_grid; X: (N, 2) points, y: (N,) their
    labels, prob: (N,) the model's probabilities for them. points: which points these are (e.g.
    "test"); the title then says "<points> points, n = N". compact: a small preview without
    colorbar, legend and tick labels (TensorBoard's images; eight times cheaper to draw).
    """
    validate.array("xs", xs, ndim=1)
    validate.array("ys", ys, ndim=1)
    if np.shape(P) != (len(ys), len(xs)):
        allowed = f"an array of shape (len(ys), len(xs)) = {(len(ys), len(xs))}"
        validate.fail("P", allowed, validate.describe(P))
    validate.array("X", X, columns=2)
    y = validate.labels("y", y, n=len(X))
    validate.array("prob", prob, ndim=1)
    if len(prob) != len(X):
        validate.fail(
            "prob", f"one probability per row of X ({len(X)} rows)", validate.describe(prob)
        )
    fig, ax = plt.subplots(figsize=(4, 4) if compact else (5.5, 5.8), dpi=dpi)
    # Fixed range: the same colour means the same probability in every figure.
    extent = (xs[0], xs[-1], ys[0], ys[-1])
    surface = ax.imshow(P, extent=extent, origin="lower", cmap="RdBu_r", vmin=0, vmax=1, alpha=0.8)
    if not compact:
        fig.colorbar(surface, ax=ax, label="P(class 1)")
    ax.contour(xs, ys, P, levels=[0.5], colors="k", linewidths=1)
    predicted = prob >= 0.5
    truth = y.astype(bool)
    # Markers visible on every shade of the surface, dark or pale, red or blue, also for
    # red-green colour blindness: each has an edge of the opposite lightness to its fill, and
    # the two errors are light colours that read apart from red and blue alike.
    kinds = {  # label: (which points, marker, fill, edge)
        "true positive": (predicted & truth, "o", "white", "black"),
        "true negative": (~predicted & ~truth, "o", "black", "white"),
        "false positive": (predicted & ~truth, "X", "cyan", "black"),
        "false negative": (~predicted & truth, "X", "yellow", "black"),
    }
    for label, (mask, marker, color, edge) in kinds.items():
        if mask.any():
            ax.scatter(
                X[mask, 0],
                X[mask, 1],
                s=12,
                marker=marker,
                color=color,
                edgecolors=edge,
                linewidths=0.6,
                label=f"{label} ({mask.sum()})",
            )
    ax.set_xlim(xs[0], xs[-1])  # the surface's square; points beyond it are cut off
    ax.set_ylim(ys[0], ys[-1])
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$", labelpad=2 if compact else 4)
    ax.set_ylabel("$x_2$", labelpad=2 if compact else 4)
    if compact:
        ax.set_xticks([])  # ticks and their labels cost more than the rest of a preview
        ax.set_yticks([])
    if points:
        title = f"{title}, {points} points (n = {len(X):,})" if title else f"{points} points"
    if metrics:
        scores = ", ".join(
            f"{METRIC_LABELS.get(name, name)} {value:.2f}" for name, value in metrics.items()
        )
        title = f"{title}\n{scores}" if title else scores
    ax.set_title(title, fontsize=9)
    # Fixed margins instead of tight_layout, which costs more than the rest of the figure.
    if compact:
        fig.subplots_adjust(left=0.07, right=0.97, bottom=0.07, top=0.91)
    else:
        fig.subplots_adjust(left=0.12, right=0.95, top=0.9)
        legend_below(ax)
    return fig


METRIC_LABELS = {"accuracy": "accuracy", "average_precision": "avg precision", "roc_auc": "ROC AUC"}


def decision_boundary(
    model,
    X,
    y,
    *,
    lim: float,
    title: str = "",
    points: str = "",
    metrics: dict | None = None,
    steps: int = 200,
    dpi: int = 100,
    compact: bool = False,
):
    """Figure of P(class 1) over [−lim, lim]² with the points X: (N, 2), labels y: (N,) marked.

    points: which points X are (e.g. "test"), named in the title with their number.
    compact: a small preview without colorbar, legend and ticks (see plot_decision_boundary).
    """
    from dllab.metrics import predict_proba

    validate.array("X", X, columns=2)
    validate.labels("y", y, n=len(X))
    xs, ys, P = probability_grid(model, lim, steps=steps)
    return plot_decision_boundary(
        xs,
        ys,
        P,
        X,
        y,
        predict_proba(model, X),
        metrics=metrics,
        title=title,
        points=points,
        dpi=dpi,
        compact=compact,
    )


def boundary_image(model, X, y, *, lim: float, title: str, steps: int = 100):
    """The decision boundary as a figure for writer.add_figure: P(class 1) with its colour bar,
    the test points X: (N, 2) with labels y: (N,) and a legend of their markers."""
    return decision_boundary(model, X, y, lim=lim, title=title, points="test", steps=steps, dpi=80)


# ---------------------------------------------------------------- lab 6: the search


# One style per strategy: searches that share trials (TPE starts like the random sampler) draw
# on top of each other, so each later one is thinner, smaller and hollow, and both stay visible.
SEARCH_MARKERS = ("o", "x", "s", "^")
SEARCH_LINEWIDTHS = (3.0, 2.2, 1.6, 1.2)
SEARCH_MARKERSIZES = (10, 8, 6, 4)


def coinciding(tried, losses, *, decimals: int = 2) -> dict:
    """{(value, loss): number of trials} for the points of one search that land on the same spot
    of a log-log plot (equal to `decimals` digits of log10), where there are at least two."""
    spots: dict = {}
    for x, loss in zip(tried, losses, strict=True):
        if loss is None or not np.isfinite(loss) or loss <= 0:
            continue
        key = (round(float(np.log10(x)), decimals), round(float(np.log10(loss)), decimals))
        spots.setdefault(key, []).append((x, loss))
    return {points[0]: len(points) for points in spots.values() if len(points) > 1}


def plot_search(runs: dict, *, param: str = "lr", title: str = ""):
    """Left: best validation loss so far against the trial number, one line per strategy.
    Right: each trial's validation loss against its value of `param` (log scale); "×k" beside
    a marker counts k trials of one strategy on the same spot. One legend below both panels,
    with each strategy's number of trials and of distinct values of param.

    runs: {strategy: (values of param per trial, validation losses per trial)}.
    """
    from dllab.lightning.search import best_so_far

    if len(runs) > len(SEARCH_MARKERS):
        n = len(SEARCH_MARKERS)
        raise ValueError(f"plot_search draws at most {n} strategies, got {len(runs)}")
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.8), layout="constrained")
    for i, (name, (tried, losses)) in enumerate(runs.items()):
        trials = np.arange(1, len(losses) + 1)
        distinct = len(np.unique(np.round(np.asarray(tried, dtype=float), 12)))
        style = dict(
            marker=SEARCH_MARKERS[i],
            ms=SEARCH_MARKERSIZES[i],
            mfc="none",
            mew=1.5,
            color=f"C{i}",
        )
        left.step(
            trials,
            best_so_far(losses),
            where="post",
            linestyle=LINESTYLES[i],
            lw=SEARCH_LINEWIDTHS[i],
            label=f"{name}: {len(losses)} trials, {distinct} distinct {param}",
            **style,
        )
        right.plot(tried, losses, linestyle="none", **style)
        for (lr, loss), count in coinciding(tried, losses).items():
            right.annotate(
                f"×{count}",
                (lr, loss),
                xytext=(7, 5 - 11 * i),  # each strategy's count on its own line
                textcoords="offset points",
                color=f"C{i}",
                fontsize=8,
            )
    left.set(xlabel="trial", ylabel="best validation loss so far", yscale="log")
    left.set_title("best so far")
    right.set(xlabel=param, ylabel="validation loss", xscale="log", yscale="log")
    right.set_title(f"every trial against its {param}")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    left.xaxis.get_major_locator().set_params(integer=True)
    fig.legend(loc="outside lower center", ncols=2)
    if title:
        fig.suptitle(title)
    return fig


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


def plot_activation_stats(stats: dict, *, title: str, float32_limits: bool = False):
    """The std of each layer's output (log scale) and its mean ÷ std, one line per scheme.

    stats: {name: (means, stds)}, arrays (depth,) with layer 1 first. float32_limits: also mark
    the largest float32, its smallest normal and its smallest subnormal number on the std axis.
    """
    from dllab.weight_init import FLOAT32_MAX, FLOAT32_SUBNORMAL, FLOAT32_TINY

    fig, (ax_std, ax_ratio) = plt.subplots(1, 2, figsize=(11, 4.8))
    for k, (name, (means, stds)) in enumerate(stats.items()):
        layers = np.arange(1, len(stds) + 1)
        style = {"color": f"C{k}", "linestyle": LINESTYLES[k % len(LINESTYLES)], "linewidth": 1.6}
        ax_std.plot(layers, stds, label=name, **style)
        ax_ratio.plot(layers, np.asarray(means) / np.asarray(stds), **style)
    ax_std.set_yscale("log")
    if float32_limits:
        ax_std.axhspan(
            FLOAT32_TINY,
            FLOAT32_MAX,
            color="0.5",
            alpha=0.12,
            label=f"float32 normal range {FLOAT32_TINY:.1e} … {FLOAT32_MAX:.1e}",
        )
        ax_std.axhline(
            FLOAT32_SUBNORMAL,
            color="0.3",
            linestyle=":",
            linewidth=1,
            label=f"smallest float32 > 0 (subnormal) {FLOAT32_SUBNORMAL:.1e}",
        )
    else:
        low, high = ax_std.get_ylim()
        if high / low < 100:  # at least two decades, so that noise does not look like drift
            middle = (low * high) ** 0.5
            ax_std.set_ylim(middle / 10, middle * 10)
    ax_ratio.axhline(0.0, color="0.5", linewidth=0.8)
    ax_std.set_ylabel("std of the layer's output (input: std 1)")
    ax_ratio.set_ylabel("mean ÷ std of the layer's output")
    ax_std.set_title("scale of the activations")
    ax_ratio.set_title("their centre, in units of their scale")
    for ax in (ax_std, ax_ratio):
        ax.set_xlabel("layer")
        ax.grid(alpha=0.3)
    handles, labels = ax_std.get_legend_handles_labels()
    ncol = 2 if len(labels) > 2 else len(labels)
    rows = -(-len(labels) // ncol)
    fig.legend(handles, labels, loc="lower center", ncol=ncol, fontsize=9, frameon=False)
    fig.suptitle(title)
    # Fixed margins (tight_layout on log axes costs more than drawing); room for the legend.
    bottom = 0.13 + 0.055 * rows
    fig.subplots_adjust(left=0.08, right=0.98, bottom=bottom, top=0.86, wspace=0.25)
    return fig


def plot_exercise_shares(counts: dict, students: int, source: str):
    """Horizontal bars, one per exercise: the shares passed, wrong and not attempted."""
    labels = [f"{name} (lab {int(lab[:2])})" for lab, name in counts]
    shares = {
        status: [c[status] / sum(c.values()) for c in counts.values()]
        for status in (PASSED, WRONG, NOT_ATTEMPTED)
    }
    colors = {PASSED: "#1b7837", WRONG: "#c51b7d", NOT_ATTEMPTED: "#bdbdbd"}
    hatches = {PASSED: "", WRONG: "//", NOT_ATTEMPTED: ".."}  # told apart without colour too
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.4 * len(labels)), layout="constrained")
    left = [0.0] * len(labels)
    for status, values in shares.items():
        bars = ax.barh(
            labels,
            values,
            left=left,
            color=colors[status],
            hatch=hatches[status],
            edgecolor="white",
            label=status,
        )
        if status == PASSED:  # the share passed, written on its bar (beside a short one)
            for bar, v in zip(bars, values, strict=True):
                y = bar.get_y() + bar.get_height() / 2
                inside = v >= 0.12
                x, color = (v / 2, "white") if inside else (v + 0.01, "black")
                ha = "center" if inside else "left"
                box = None if inside else {"facecolor": "white", "edgecolor": "none", "pad": 1}
                ax.text(x, y, f"{v:.0%} passed", ha=ha, va="center", color=color, bbox=box)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.invert_yaxis()  # the first lab on top, as in the table
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel("share of the students with a report for the lab")
    ax.set_ylabel("exercise")
    ax.set_title(f"Exercises passed by {students} students (check.sh reports in {source})")
    ax.legend(title="verdict", loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig

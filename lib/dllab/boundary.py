"""The plane of a 2-D classifier: its points, its probability surface and decision boundary."""

import matplotlib.pyplot as plt
import numpy as np
import torch

from dllab import validate
from dllab.metrics import predict_proba


@torch.no_grad()
def probability_grid(model, lim: float, *, steps: int = 200):
    """P(class 1) on a grid over [−lim, lim]².  → xs: (steps,), ys: (steps,), P: (steps, steps)."""
    validate.number("lim", lim, positive=True)
    validate.integer("steps", steps, minimum=2)
    xs = np.linspace(-lim, lim, steps, dtype=np.float32)
    gx, gy = np.meshgrid(xs, xs)
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

    xs: (W,), ys: (H,), P: (H, W) from metrics.probability_grid; X: (N, 2) points, y: (N,) their
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

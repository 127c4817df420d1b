"""Plots: each function takes numbers, returns a matplotlib Figure and computes nothing itself."""

import matplotlib.pyplot as plt


def _lines(series: dict, *, xlabel: str, ylabel: str, title: str, logx=False, logy=False):
    """One line per entry of series {label: (x, y)}."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, (x, y) in series.items():
        ax.plot(x, y, label=label)
    if logy:
        ax.set_yscale("log")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_loss_curves(
    curves: dict, *, title: str = "", logy: bool = True, logx: bool = False, ylabel: str = "loss"
):
    """One line per entry of curves {label: losses per epoch}, epochs counted from 1."""
    series = {label: (range(1, len(losses) + 1), losses) for label, losses in curves.items()}
    return _lines(series, xlabel="epoch", ylabel=ylabel, title=title, logx=logx, logy=logy)


def plot_curves(x, curves: dict, *, xlabel: str, ylabel: str, title: str = ""):
    """Several y-series against one x.  x: (K,), curves: {label: (K,) values}."""
    series = {label: (x, values) for label, values in curves.items()}
    return _lines(series, xlabel=xlabel, ylabel=ylabel, title=title)


CLASS_COLORS = ("tab:blue", "tab:orange")


def plot_spiral(X, y, *, lim: float, title: str = ""):
    """Scatter of the two classes.  X: (N, 2), y: (N,) in {0, 1}."""
    fig, ax = plt.subplots(figsize=(5, 5))
    for label, color in enumerate(CLASS_COLORS):
        points = X[y == label]
        ax.scatter(points[:, 0], points[:, 1], s=3, color=color, label=f"class {label}")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_title(title)
    ax.legend(loc="upper right", markerscale=4)
    return fig


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
    dpi: int = 100,
    compact: bool = False,
):
    """Probability surface P(class 1) with points marked as true/false positives/negatives.

    xs: (W,), ys: (H,), P: (H, W) from metrics.probability_grid; X: (N, 2) points, y: (N,) their
    labels, prob: (N,) the model's probabilities for them. compact: a small preview without
    colorbar, legend and tick labels (TensorBoard's images; eight times cheaper to draw).
    """
    fig, ax = plt.subplots(figsize=(4, 4) if compact else (5.5, 5), dpi=dpi)
    # Fixed range: the same colour means the same probability in every figure.
    extent = (xs[0], xs[-1], ys[0], ys[-1])
    surface = ax.imshow(P, extent=extent, origin="lower", cmap="RdBu_r", vmin=0, vmax=1, alpha=0.8)
    if not compact:
        fig.colorbar(surface, ax=ax, label="P(class 1)")
    ax.contour(xs, ys, P, levels=[0.5], colors="k", linewidths=1)
    predicted = prob >= 0.5
    truth = y.astype(bool)
    # Markers that stay visible on both the red and the blue end of the surface.
    kinds = {
        "true positive": (predicted & truth, "o", "white"),
        "true negative": (~predicted & ~truth, "o", "black"),
        "false positive": (predicted & ~truth, "X", "yellow"),
        "false negative": (~predicted & truth, "X", "magenta"),
    }
    for label, (mask, marker, color) in kinds.items():
        if mask.any():
            ax.scatter(
                X[mask, 0],
                X[mask, 1],
                s=8,
                marker=marker,
                color=color,
                edgecolors="black",
                linewidths=0.3,
                label=f"{label} ({mask.sum()})",
            )
    ax.set_xlim(xs[0], xs[-1])  # the surface's square; points beyond it are cut off
    ax.set_ylim(ys[0], ys[-1])
    ax.set_aspect("equal")
    if compact:
        ax.set_xticks([])  # ticks and their labels cost more than the rest of a preview
        ax.set_yticks([])
    else:
        ax.legend(loc="upper right", fontsize=7, markerscale=2)
    if metrics:
        scores = ", ".join(
            f"{name.replace('_', ' ')} {value:.2f}" for name, value in metrics.items()
        )
        title = f"{title}\n{scores}" if title else scores
    ax.set_title(title, fontsize=9)
    # Fixed margins instead of tight_layout, which costs more than the rest of the figure.
    if compact:
        fig.subplots_adjust(left=0.03, right=0.97, bottom=0.03, top=0.91)
    else:
        fig.subplots_adjust(left=0.1, right=0.95, bottom=0.07, top=0.9)
    return fig


def plot_activation_stats(stats: dict, *, title: str = ""):
    """|mean| and std of each layer's output against depth, one line per scheme, log scale.

    stats: {name: Stats} from weight_init.activation_stats.
    """
    fig, (ax_mean, ax_std) = plt.subplots(1, 2, figsize=(11, 4))
    for name, s in stats.items():
        layers = range(1, len(s.std) + 1)
        ax_mean.plot(layers, abs(s.mean), label=name)
        ax_std.plot(layers, s.std, label=name)
    for ax, what in [
        (ax_mean, "|mean| of the layer's output"),
        (ax_std, "std of the layer's output"),
    ]:
        ax.set_yscale("log")
        low, high = ax.get_ylim()
        if high / low < 100:  # at least two decades, so that noise does not look like drift
            middle = (low * high) ** 0.5
            ax.set_ylim(middle / 10, middle * 10)
        ax.set_xlabel("layer")
        ax.set_ylabel(what)
        ax.grid(alpha=0.3)
    ax_std.legend(fontsize=8)
    fig.suptitle(title)
    # Fixed margins: tight_layout on log axes costs more than drawing the figure.
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.13, top=0.9, wspace=0.25)
    return fig

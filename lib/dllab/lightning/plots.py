"""Lab 6's search figures: each function takes numbers and returns a matplotlib Figure."""

import matplotlib.pyplot as plt
import numpy as np

from dllab.lightning.search import best_so_far

# One style per strategy: searches that share trials (TPE starts like the random sampler) draw
# on top of each other, so each later one is thinner, smaller and hollow, and both stay visible.
MARKERS = ("o", "x", "s", "^")
LINESTYLES = ("-", "--", "-.", ":")
LINEWIDTHS = (3.0, 2.2, 1.6, 1.2)
MARKERSIZES = (10, 8, 6, 4)


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
    if len(runs) > len(MARKERS):
        raise ValueError(f"plot_search draws at most {len(MARKERS)} strategies, got {len(runs)}")
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.8), layout="constrained")
    for i, (name, (tried, losses)) in enumerate(runs.items()):
        trials = np.arange(1, len(losses) + 1)
        distinct = len(np.unique(np.round(np.asarray(tried, dtype=float), 12)))
        style = dict(
            marker=MARKERS[i],
            ms=MARKERSIZES[i],
            mfc="none",
            mew=1.5,
            color=f"C{i}",
        )
        left.step(
            trials,
            best_so_far(losses),
            where="post",
            linestyle=LINESTYLES[i],
            lw=LINEWIDTHS[i],
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

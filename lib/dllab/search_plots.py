"""Lab 6's search figures: each function takes numbers and returns a matplotlib Figure."""

import matplotlib.pyplot as plt
import numpy as np

from dllab.search import best_so_far

MARKERS = ("o", "x", "s", "^")


def plot_search(runs: dict, *, param: str = "lr", title: str = ""):
    """Left: best validation loss so far against the trial number, one line per strategy.
    Right: each trial's validation loss against its value of `param` (log scale), with the
    number of distinct values each strategy tried in the legend.

    runs: {strategy: (values of param per trial, validation losses per trial)}.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for (name, (tried, losses)), marker in zip(runs.items(), MARKERS, strict=False):
        trials = np.arange(1, len(losses) + 1)
        left.step(trials, best_so_far(losses), where="post", label=name, marker=marker, ms=4)
        distinct = len(np.unique(np.round(np.asarray(tried, dtype=float), 12)))
        right.scatter(tried, losses, marker=marker, label=f"{name}: {distinct} distinct {param}")
    left.set(xlabel="trial", ylabel="best validation loss so far", yscale="log")
    left.set_title("best so far")
    right.set(xlabel=param, ylabel="validation loss", xscale="log", yscale="log")
    right.set_title(f"every trial against its {param}")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    left.xaxis.get_major_locator().set_params(integer=True)
    left.legend(loc="lower left")
    right.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig

"""Plots: each function takes numbers, returns a matplotlib Figure and computes nothing itself."""

import matplotlib.pyplot as plt


def plot_loss_curves(
    curves: dict, *, title: str = "", logy: bool = True, logx: bool = False, ylabel: str = "loss"
):
    """One line per entry of curves {label: losses per epoch}, epochs counted from 1."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, losses in curves.items():
        ax.plot(range(1, len(losses) + 1), losses, label=label)
    if logy:
        ax.set_yscale("log")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_curves(x, curves: dict, *, xlabel: str, ylabel: str, title: str = ""):
    """Several y-series against one x.  x: (K,), curves: {label: (K,) values}."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, values in curves.items():
        ax.plot(x, values, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig

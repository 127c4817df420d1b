"""Weight initialization by hand, and what each scheme does to activations in a deep stack.

Shapes follow nn.Linear: a weight has shape (fan_out, fan_in). Every initializer is a scale
times a standard draw (N(0, 1) or U(−1, 1)) from an explicit generator.
"""

import math
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

NONLINEARITIES = ("linear", "relu", "leaky_relu", "tanh")
DISTRIBUTIONS = ("normal", "uniform")


def gain(nonlinearity: str, alpha: float = 0.01) -> float:
    """Factor that makes up for what the activation does to the variance (as torch.nn.init).

    relu √2 (it zeroes half of its input), leaky_relu √(2 / (1 + α²)), tanh 5/3, linear 1.
    """
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"nonlinearity={nonlinearity!r} is unknown; allowed: {NONLINEARITIES}")
    return {
        "linear": 1.0,
        "relu": math.sqrt(2.0),
        "leaky_relu": math.sqrt(2.0 / (1 + alpha**2)),
        "tanh": 5.0 / 3,
    }[nonlinearity]


def _fans(shape) -> tuple[int, int]:
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"a weight needs a shape (fan_out, fan_in) of positive sizes, got {shape}")
    return shape[1], shape[0]


def normal(shape, std: float, *, generator: torch.Generator) -> torch.Tensor:
    """W ~ N(0, std²): Var(W) = std²."""
    return std * torch.randn(shape, generator=generator)


def uniform(shape, bound: float, *, generator: torch.Generator) -> torch.Tensor:
    """W ~ U(−bound, bound): Var(W) = bound² / 3."""
    return bound * (2 * torch.rand(shape, generator=generator) - 1)


def xavier_std(fan_in: int, fan_out: int, gain: float = 1.0) -> float:
    """Glorot & Bengio 2010: Var(W) = gain² · 2 / (fan_in + fan_out)."""
    return gain * math.sqrt(2.0 / (fan_in + fan_out))


def kaiming_std(fan_in: int, gain: float = math.sqrt(2.0)) -> float:
    """He et al. 2015: Var(W) = gain² / fan_in, i.e. 2 / fan_in for ReLU."""
    return gain / math.sqrt(fan_in)


def uniform_bound(std: float) -> float:
    """The bound b of U(−b, b) with standard deviation `std`: b = √3 · std."""
    return math.sqrt(3.0) * std


def xavier_normal(shape, *, gain: float = 1.0, generator: torch.Generator) -> torch.Tensor:
    """Var(W) = gain² · 2 / (fan_in + fan_out), normal."""
    return normal(shape, xavier_std(*_fans(shape), gain), generator=generator)


def xavier_uniform(shape, *, gain: float = 1.0, generator: torch.Generator) -> torch.Tensor:
    """Var(W) = gain² · 2 / (fan_in + fan_out), uniform: bound gain · √(6 / (fan_in + fan_out))."""
    return uniform(shape, uniform_bound(xavier_std(*_fans(shape), gain)), generator=generator)


def kaiming_normal(
    shape, *, nonlinearity: str = "relu", alpha: float = 0.01, generator: torch.Generator
) -> torch.Tensor:
    """Var(W) = gain(nonlinearity, α)² / fan_in, normal: 2 / fan_in for ReLU."""
    return normal(
        shape, kaiming_std(_fans(shape)[0], gain(nonlinearity, alpha)), generator=generator
    )


def kaiming_uniform(
    shape, *, nonlinearity: str = "relu", alpha: float = 0.01, generator: torch.Generator
) -> torch.Tensor:
    """Var(W) = gain(nonlinearity, α)² / fan_in, uniform: bound √(6 / fan_in) for ReLU."""
    std = kaiming_std(_fans(shape)[0], gain(nonlinearity, alpha))
    return uniform(shape, uniform_bound(std), generator=generator)


@torch.no_grad()
def initialize(model: nn.Module, init, *, generator: torch.Generator) -> nn.Module:
    """Set every nn.Linear weight of `model` to init(shape, generator=…) and its bias to 0."""
    for layer in model.modules():
        if isinstance(layer, nn.Linear):
            layer.weight.copy_(init(tuple(layer.weight.shape), generator=generator))
            if layer.bias is not None:
                layer.bias.zero_()
    return model


@dataclass(frozen=True)
class Scheme:
    """One experiment of a deep stack: W = scale · standard draw, then the activation."""

    dist: str  # "normal": N(0, 1) draws, "uniform": U(−1, 1) draws
    scale: float  # the std of a normal scheme, the bound of a uniform one
    activation: str = "relu"
    alpha: float = 0.2  # slope of leaky_relu for negative inputs


@dataclass(frozen=True)
class Stats:
    """Mean and standard deviation of each layer's output, layer 1 first: arrays (depth,)."""

    mean: np.ndarray
    std: np.ndarray


def _activate(z, scheme: Scheme):
    if scheme.activation == "relu":
        return np.maximum(z, 0.0)
    if scheme.activation == "leaky_relu":
        return np.where(z > 0, z, scheme.alpha * z)
    if scheme.activation == "tanh":
        return np.tanh(z)
    return z


def _column_std(H):
    """Standard deviation of each column of H, divided by its largest |value| first, so that
    activations near the float64 limit do not overflow when squared."""
    top = np.abs(H).max(axis=0)
    top[top == 0] = 1.0
    return (H / top).std(axis=0) * top


def activation_stats(schemes: dict, *, depth: int = 100, width: int = 1000, seed: int = 0) -> dict:
    """Push one standardized input through `depth` bias-free layers of `width` per scheme.

    schemes: {name: Scheme}. The input is x ~ U(−1, 1)^width, standardized. Every scheme sees
    the same standard draws, scaled (common random numbers), so the schemes differ by their
    scale and activation only; activations are float64 so explosions up to ~1e300 stay finite.
    Returns {name: Stats}.
    """
    if not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be an int of at least 1, got {depth!r}")
    if not isinstance(width, int) or width < 1:
        raise ValueError(f"width must be an int of at least 1, got {width!r}")
    for name, s in schemes.items():
        if s.dist not in DISTRIBUTIONS:
            raise ValueError(
                f"scheme {name!r}: dist={s.dist!r} is unknown; allowed: {DISTRIBUTIONS}"
            )
        if s.activation not in NONLINEARITIES:
            raise ValueError(
                f"scheme {name!r}: activation={s.activation!r} is unknown; "
                f"allowed: {NONLINEARITIES}"
            )
    rng = np.random.default_rng(seed)
    normal_draws = torch.Generator().manual_seed(seed)  # torch draws normals twice as fast
    x = rng.uniform(-1.0, 1.0, size=width)
    x = (x - x.mean()) / x.std()
    H = np.repeat(x[:, None], len(schemes), axis=1)  # one column per scheme: (width, S)
    scale = np.array([s.scale for s in schemes.values()])
    columns = {d: [i for i, s in enumerate(schemes.values()) if s.dist == d] for d in DISTRIBUTIONS}
    means, stds = np.empty((len(schemes), depth)), np.empty((len(schemes), depth))
    Z = np.empty_like(H)
    for layer in range(depth):
        # One draw per kind and layer, shared by every scheme of that kind; drawn in float32
        # (faster), multiplied in float64.
        if columns["normal"]:
            W = torch.randn(width, width, generator=normal_draws).numpy().astype(np.float64)
            Z[:, columns["normal"]] = W @ H[:, columns["normal"]]
        if columns["uniform"]:
            W = (2 * rng.random((width, width), dtype=np.float32) - 1).astype(np.float64)
            Z[:, columns["uniform"]] = W @ H[:, columns["uniform"]]
        for i, s in enumerate(schemes.values()):
            H[:, i] = _activate(scale[i] * Z[:, i], s)
        means[:, layer] = H.mean(axis=0)
        stds[:, layer] = _column_std(H)
    return {name: Stats(means[i], stds[i]) for i, name in enumerate(schemes)}


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

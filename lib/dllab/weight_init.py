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

from dllab import validate

NONLINEARITIES = ("linear", "relu", "leaky_relu", "tanh")
DISTRIBUTIONS = ("normal", "uniform")


def gain(nonlinearity: str, alpha: float = 0.01) -> float:
    """Factor that makes up for what the activation does to the variance (as torch.nn.init).

    relu √2 (it zeroes half of its input), leaky_relu √(2 / (1 + α²)), tanh 5/3, linear 1.
    """
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"nonlinearity={nonlinearity!r} is unknown; allowed: {NONLINEARITIES}")
    validate.number("alpha", alpha, minimum=0)
    return {
        "linear": 1.0,
        "relu": math.sqrt(2.0),
        "leaky_relu": math.sqrt(2.0 / (1 + alpha**2)),
        "tanh": 5.0 / 3,
    }[nonlinearity]


def _shape(shape) -> tuple:
    """A weight's shape as a tuple of positive ints (fan_out, fan_in), as nn.Linear stores it."""
    allowed = "a weight's shape (fan_out, fan_in): two positive ints"
    if not isinstance(shape, tuple | list | torch.Size):
        validate.fail("shape", allowed, validate.describe(shape), error=TypeError)
    if len(shape) != 2:
        validate.fail("shape", allowed, repr(tuple(shape)))
    return tuple(validate.integer(f"shape[{i}]", size) for i, size in enumerate(shape))


def _generator(generator) -> torch.Generator:
    if not isinstance(generator, torch.Generator):
        allowed = "a torch.Generator, e.g. torch.Generator().manual_seed(seed)"
        validate.fail("generator", allowed, validate.describe(generator), error=TypeError)
    return generator


def _fans(shape) -> tuple[int, int]:
    fan_out, fan_in = _shape(shape)
    return fan_in, fan_out


def normal(shape, std: float, *, generator: torch.Generator) -> torch.Tensor:
    """W ~ N(0, std²): Var(W) = std²."""
    shape = _shape(shape)
    validate.number("std", std, minimum=0)
    _generator(generator)
    return std * torch.randn(shape, generator=generator)


def uniform(shape, bound: float, *, generator: torch.Generator) -> torch.Tensor:
    """W ~ U(−bound, bound): Var(W) = bound² / 3."""
    shape = _shape(shape)
    validate.number("bound", bound, minimum=0)
    _generator(generator)
    return bound * (2 * torch.rand(shape, generator=generator) - 1)


def xavier_std(fan_in: int, fan_out: int, gain: float = 1.0) -> float:
    """Glorot & Bengio 2010: Var(W) = gain² · 2 / (fan_in + fan_out)."""
    validate.integer("fan_in", fan_in)
    validate.integer("fan_out", fan_out)
    validate.number("gain", gain, positive=True)
    return gain * math.sqrt(2.0 / (fan_in + fan_out))


def kaiming_std(fan_in: int, gain: float = math.sqrt(2.0)) -> float:
    """He et al. 2015: Var(W) = gain² / fan_in, i.e. 2 / fan_in for ReLU."""
    validate.integer("fan_in", fan_in)
    validate.number("gain", gain, positive=True)
    return gain / math.sqrt(fan_in)


def uniform_bound(std: float) -> float:
    """The bound b of U(−b, b) with standard deviation `std`: b = √3 · std."""
    validate.number("std", std, minimum=0)
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
    validate.model(model)
    allowed = "a function init(shape, generator=…) that returns a new weight, e.g. kaiming_normal"
    if getattr(getattr(init, "func", init), "__module__", None) == "torch.nn.init":
        hint = (
            "torch.nn.init functions fill an existing tensor in place; use those of "
            "dllab.weight_init, e.g. kaiming_normal or functools.partial(normal, std=0.01)"
        )
        validate.fail("init", allowed, validate.describe(init), hint=hint, error=TypeError)
    validate.function("init", init, allowed)
    _generator(generator)
    # Every new weight is drawn and checked before the first is copied: a bad init leaves the
    # model as it was.
    linears = [layer for layer in model.modules() if isinstance(layer, nn.Linear)]
    weights = []
    for layer in linears:
        shape = tuple(layer.weight.shape)
        try:
            W = init(shape, generator=generator)
        except TypeError as e:
            validate.fail("init", allowed, validate.describe(init), hint=str(e), error=TypeError)
        if not isinstance(W, torch.Tensor) or W.shape != shape or not W.isfinite().all():
            validate.fail(
                f"init({shape})", f"a finite tensor of shape {shape}", validate.describe(W)
            )
        weights.append(W)
    for layer, W in zip(linears, weights, strict=True):
        layer.weight.copy_(W)
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
    validate.seed("seed", seed)
    if not isinstance(schemes, dict) or not all(isinstance(s, Scheme) for s in schemes.values()):
        allowed = "a dict {name: Scheme}, e.g. {'He': Scheme('normal', 0.045)}"
        validate.fail("schemes", allowed, validate.describe(schemes), error=TypeError)
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
        validate.number(f"scheme {name!r}: scale", s.scale, minimum=0)
        validate.number(f"scheme {name!r}: alpha", s.alpha, minimum=0)
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

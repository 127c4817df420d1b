"""The formulas of lab 5 (gains, Xavier and He standard deviations), `initialize` and float32's
limits (its figure is display.plot_activation_stats).

Shapes follow nn.Linear: a weight has shape (fan_out, fan_in). An initializer is a function
init(shape, generator=…) that draws a new weight from an explicit generator.
"""

import math

import numpy as np
import torch
from torch import nn

from dllab import validate


def gain(nonlinearity: str, alpha: float = 0.01) -> float:
    """Factor that makes up for what the activation does to the variance (as torch.nn.init).

    nonlinearity: "linear", "relu", "leaky_relu" or "tanh". relu √2 (it zeroes half of its
    input), leaky_relu √(2 / (1 + α²)), tanh 5/3, linear 1.
    """
    return {
        "linear": 1.0,
        "relu": math.sqrt(2.0),
        "leaky_relu": math.sqrt(2.0 / (1 + alpha**2)),
        "tanh": 5.0 / 3,
    }[nonlinearity]


def xavier_std(fan_in: int, fan_out: int, gain: float = 1.0) -> float:
    """Glorot & Bengio 2010: Var(W) = gain² · 2 / (fan_in + fan_out)."""
    return gain * math.sqrt(2.0 / (fan_in + fan_out))


def kaiming_std(fan_in: int, gain: float = math.sqrt(2.0)) -> float:
    """He et al. 2015: Var(W) = gain² / fan_in, i.e. 2 / fan_in for ReLU."""
    return gain / math.sqrt(fan_in)


@torch.no_grad()
def initialize(model: nn.Module, init, *, generator: torch.Generator) -> nn.Module:
    """Set every nn.Linear weight of `model` to init(shape, generator=…) and its bias to 0."""
    validate.instance("model", model, nn.Module, validate.MODEL)
    allowed = "a function init(shape, generator=…) that returns a new weight, e.g. he_normal"
    if getattr(getattr(init, "func", init), "__module__", None) == "torch.nn.init":
        hint = (
            "torch.nn.init functions fill an existing tensor in place; write one that returns "
            "a new tensor, e.g. std * torch.randn(shape, generator=generator)"
        )
        validate.fail("init", allowed, validate.describe(init), hint=hint, error=TypeError)
    validate.function("init", init, allowed)
    example = "a torch.Generator, e.g. torch.Generator().manual_seed(seed)"
    validate.instance("generator", generator, torch.Generator, example)
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


# float32's limits, as exact constants: numpy computes its smallest subnormal on each access,
# and gets 0 once something has switched the CPU to flushing subnormals to zero.
FLOAT32_MAX = float(np.finfo(np.float32).max)  # ≈ 3.4e38, the largest float32
FLOAT32_TINY = 2.0**-126  # ≈ 1.2e-38, the smallest normal float32
FLOAT32_SUBNORMAL = 2.0**-149  # ≈ 1.4e-45, the smallest positive (subnormal) float32

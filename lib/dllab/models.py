"""Models of lab 3: an MLP from a list of hidden sizes, and polar features of the plane."""

from collections import OrderedDict

import torch
from torch import nn

from dllab import validate

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "leaky_relu": nn.LeakyReLU, "sigmoid": nn.Sigmoid}


class MLP(nn.Module):
    """Linear layers of the given hidden sizes with `activation` between them; one logit out.

    x: (N, n_features) → logits (N, 1). hidden=[] is one linear layer; activation=None stacks
    linear layers without anything in between (a deep *linear* network). The layers are named
    hidden1, relu1, hidden2, …, output, so parameters read `layers.hidden1.weight` (TensorBoard
    tags, state dicts) instead of positions such as `layers.2.weight`.
    """

    def __init__(self, n_features: int, hidden: list[int], activation: str | None = "relu"):
        super().__init__()
        validate.choice("activation", activation, (*ACTIVATIONS, None))
        allowed = "a list of hidden-layer sizes, e.g. [10] or [12, 6] ([] for none)"
        validate.instance("hidden", hidden, list | tuple, allowed)
        sizes = [validate.integer("n_features", n_features)]
        sizes += [validate.integer(f"hidden[{i}]", size) for i, size in enumerate(hidden)]
        layers = OrderedDict()
        for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
            layers[f"hidden{k}"] = nn.Linear(n_in, n_out)
            if activation is not None:
                layers[f"{activation}{k}"] = ACTIVATIONS[activation]()
        layers["output"] = nn.Linear(sizes[-1], 1)  # no activation after it: it returns logits
        self.layers = nn.Sequential(layers)

    def forward(self, x):
        return self.layers(x)


def polar_features(x):
    """(x, y) → (cos θ, sin θ, cos r, sin r): angle and radius as periodic features.

    x: (N, 2) → (N, 4). A spiral arm is where θ + r is constant (mod 2π), so the class depends
    on these features alone, whatever the radius: a model on them can extrapolate.
    """
    theta = torch.atan2(x[:, 1], x[:, 0])
    r = torch.linalg.vector_norm(x, dim=1)
    return torch.stack([theta.cos(), theta.sin(), r.cos(), r.sin()], dim=1)


class Features(nn.Module):
    """A layer without parameters that applies a fixed function, e.g. Features(polar_features)."""

    def __init__(self, fn):
        super().__init__()
        validate.function("fn", fn, "a function of a tensor, e.g. polar_features")
        self.fn = fn

    def forward(self, x):
        return self.fn(x)

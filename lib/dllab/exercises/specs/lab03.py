"""Exercises of lab 3 (spiral): references, random inputs and the usual mistakes."""

import numpy as np
import torch
from torch import nn

from dllab.exercises.engine import Exercise, kind, torch_result
from dllab.models import polar_features

# ---------------------------------------------------------------- references


def mlp_forward(layers, x):
    """Apply the layers in order, each to the previous one's output."""
    for layer in layers:
        x = layer(x)
    return x


# ---------------------------------------------------------------- inputs and mistakes


def _layer_stack(rng):
    torch.manual_seed(int(rng.integers(2**31)))
    layers = [nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 1)]
    return {"layers": layers, "x": torch.randn(int(rng.integers(1, 9)), 3)}


def _output_tensor(args, out):
    if isinstance(out, list | tuple):
        return f"got {kind(out)}; return only the last layer's output, one tensor"
    return torch_result("output", out, args["x"], "the model's output feeds the loss")


def _point_inputs(rng):
    r = rng.uniform(0.5, 25, 40)
    angle = rng.uniform(-np.pi, np.pi, 40)
    return {
        "x": torch.tensor(
            np.column_stack([r * np.cos(angle), r * np.sin(angle)]), dtype=torch.float32
        )
    }


def _axis_points():
    """Points on the axes, left of the origin included: where atan(y / x) goes wrong."""
    return {"x": torch.tensor([[3.0, 0.0], [0.0, 2.0], [-4.0, 0.0], [0.0, -1.5], [-1.0, -1.0]])}


def _on_any_device(student):
    """The lab calls polar_features on dllab.get_device(), maybe a GPU: try a tensor that lives
    on no CPU (torch's "meta" device, shapes without data) to see that the answer stays in torch."""
    x = torch.zeros(5, 2, device="meta")
    try:
        out = student(x)
    except Exception:
        out = None
    if isinstance(out, torch.Tensor) and out.device == x.device and tuple(out.shape) == (5, 4):
        return None
    return (
        "it works only on tensors in the CPU's memory (it goes through numpy or Python numbers), "
        "but the lab runs the network on dllab.get_device(), which may be a GPU: compute with "
        "torch functions on x (torch.atan2, torch.cos, …) and return their result"
    )


def _polar(theta, r):
    return torch.stack([theta.cos(), theta.sin(), r.cos(), r.sin()], dim=1)


EXERCISES = {
    "mlp_forward": Exercise(
        mlp_forward,
        _layer_stack,
        "the output equals applying the layers in order",
        outputs=("output",),
        contract=_output_tensor,
        in_place="leave the list of layers as it is (no pop or remove): loop over it",
        mistakes={
            "return the output of the last layer, not the input x": lambda layers, x: x,
            "apply every layer, not only the first": lambda layers, x: layers[0](x),
            "apply the activations too: every layer of the list, in order": lambda layers, x: (
                layers[-1](layers[-3](layers[-5](x)))
            ),
            "apply every layer, the last one too": lambda layers, x: mlp_forward(layers[:-1], x),
        },
        raised={
            "shapes cannot be multiplied": "a layer got an input of the wrong width: apply the layers "
            "in order, each to the previous layer's output"
        },
        rtol=1e-5,
    ),
    "polar_features": Exercise(
        polar_features,
        _point_inputs,
        "(cos θ, sin θ, cos r, sin r) for points all around the plane, as float32 tensors",
        outputs=("features",),
        contract=lambda args, out: torch_result(
            "features", out, args["x"], "the network's next layer needs a tensor"
        ),
        cases=(_axis_points,),
        probe=_on_any_device,
        in_place="compute new tensors (x[:, 0], torch.atan2(...)); the network still needs x",
        mistakes={
            "θ needs atan2(y, x): atan(y / x) loses the quadrant": lambda x: _polar(
                torch.atan(x[:, 1] / x[:, 0]), x.norm(dim=1)
            ),
            "atan2 takes (y, x), in that order": lambda x: _polar(
                torch.atan2(x[:, 0], x[:, 1]), x.norm(dim=1)
            ),
            "r is the distance √(x² + y²), not its square": lambda x: _polar(
                torch.atan2(x[:, 1], x[:, 0]), (x**2).sum(dim=1)
            ),
            "the features are in the order (cos θ, sin θ, cos r, sin r)": lambda x: _polar(
                x.norm(dim=1), torch.atan2(x[:, 1], x[:, 0])
            ),
            "put the four features side by side, as columns: torch.stack([...], dim=1) is "
            "(N, 4)": lambda x: torch.cat(
                [f.unsqueeze(0) for f in _polar(torch.atan2(x[:, 1], x[:, 0]), x.norm(dim=1)).T]
            ).ravel(),
            "return the four periodic features, not θ and r themselves": lambda x: torch.stack(
                [torch.atan2(x[:, 1], x[:, 0]), x.norm(dim=1)], dim=1
            ),
        },
        rtol=1e-4,
    ),
}

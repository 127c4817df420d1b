"""Exercises of lab 3 (spiral): references, random inputs and the usual mistakes."""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from dllab.exercises.records import Exercise, Mistake, TorchTensor, is_number, kind
from dllab.models import polar_features

# ---------------------------------------------------------------- references


def mlp_forward(layers, x):
    """Apply the layers in order, each to the previous one's output."""
    for layer in layers:
        x = layer(x)
    return x


def train_epoch(model, optimizer, X, y, order, batch_size):
    """One pass over the shuffled training set in minibatches; the mean minibatch loss."""
    n_batches = len(X) // batch_size  # the last partial minibatch is dropped
    total = 0.0
    for k in range(n_batches):
        batch = order[k * batch_size : (k + 1) * batch_size]
        optimizer.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(X[batch]), y[batch])
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / n_batches


# ---------------------------------------------------------------- inputs and mistakes


def _layer_stack(rng):
    """Layers and at least two inputs whose outputs lie on both sides of 0 (the last bias is
    shifted to put 0 halfway between the lowest and the highest), so that an answer that
    changes only the negative or only the positive outputs (a ReLU at the end) shows."""
    torch.manual_seed(int(rng.integers(2**31)))
    layers = [nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 1)]
    x = torch.randn(int(rng.integers(2, 9)), 3)
    with torch.no_grad():
        out = mlp_forward(layers, x)
        layers[-1].bias -= (out.min() + out.max()) / 2
    return {"layers": layers, "x": x}


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
    """The lab calls polar_features on dllab.get_device(), maybe a GPU: the answer must stay in
    torch. A detour through numpy or Python numbers cuts autograd's graph (or fails on an input
    that requires grad), so the result of an input that requires grad shows it; reading a value
    in an `if` or `assert` does not, and works on a GPU too."""
    x = (torch.rand(5, 2, generator=torch.Generator().manual_seed(0)) * 10 - 5).requires_grad_()
    try:
        out = student(x)
    except Exception:
        out = None
    if isinstance(out, torch.Tensor) and out.requires_grad and tuple(out.shape) == (5, 4):
        return None
    return (
        "it works only on tensors in the CPU's memory (it goes through numpy or Python numbers), "
        "but the lab runs the network on dllab.get_device(), which may be a GPU: compute with "
        "torch functions on x (torch.atan2, torch.cos, …) and return their result"
    )


def _polar(theta, r):
    return torch.stack([theta.cos(), theta.sin(), r.cos(), r.sin()], dim=1)


def _epoch_inputs(rng):
    """A small network with its Adam optimizer, and a training set whose size is not a multiple
    of the batch size (so a kept partial minibatch shows)."""
    torch.manual_seed(int(rng.integers(2**31)))
    model = nn.Sequential(nn.Linear(2, 6), nn.ReLU(), nn.Linear(6, 1))
    batch_size = int(rng.integers(4, 9))
    n = batch_size * int(rng.integers(3, 6)) + int(rng.integers(1, batch_size))
    X = torch.tensor(rng.normal(size=(n, 2)), dtype=torch.float32)
    y = torch.tensor(rng.integers(0, 2, size=(n, 1)), dtype=torch.float32)
    order = torch.as_tensor(rng.permutation(n))
    return {
        "model": model,
        "optimizer": torch.optim.Adam(model.parameters(), lr=0.05),
        "X": X,
        "y": y,
        "order": order,
        "batch_size": batch_size,
    }


class _Described(nn.Sequential):
    """A network that says what is special about it in a verdict's "with …" line."""

    described_as = ""


def _confident_epoch():
    """A network whose logits are confident (up to about ±30), some on the wrong side: there
    the sigmoid rounds to 0 or 1 in float32, and sigmoid + binary_cross_entropy gives another
    loss than binary_cross_entropy_with_logits (lab 2 shows why)."""
    rng = np.random.default_rng(19)
    args = _epoch_inputs(rng)
    layers = list(args["model"])
    model = _Described(*layers)
    with torch.no_grad():
        z = model(args["X"])
        layers[-1].weight.mul_(30 / z.std())
        layers[-1].bias.sub_(model(args["X"]).mean())
        z = model(args["X"])
    model.described_as = (
        f"a network whose logits are confident here, from {z.min():.0f} to {z.max():.0f}"
    )
    args["model"] = model
    args["optimizer"] = torch.optim.Adam(model.parameters(), lr=0.05)
    return args


def _loss_is_a_number(args, returned, before):
    """The lab prints the mean loss and plots it: it must be a plain number."""
    if isinstance(returned, torch.Tensor):
        graph = ", and this tensor keeps every minibatch's graph" if returned.requires_grad else ""
        return (
            f"the mean loss is {kind(returned)}; add up loss.item() (a float) instead: the lab "
            f"prints and plots the losses{graph}"
        )
    if not is_number(returned):
        return f"the mean loss should be one number (a float), got {kind(returned)}"
    return None


def _loss_and_weights(args, returned):
    """What the lab relies on: the mean minibatch loss, and the weights the steps left behind."""
    return returned, [p.detach().clone() for p in args["model"].parameters()]


def _batches(X, y, order, batch_size, *, keep_partial=False, shuffled=True):
    n = len(X) if keep_partial else len(X) // batch_size * batch_size
    for i in range(0, n, batch_size):
        index = order[i : i + batch_size] if shuffled else torch.arange(i, min(i + batch_size, n))
        yield X[index], y[index]


def _mean(losses):
    return sum(losses) / len(losses)


def _last(losses):
    return losses[-1]


def _epoch_with(
    model, optimizer, X, y, order, batch_size, *, zero=True, step_each=True, loss_of=None, **kw
):
    losses = []
    for X_batch, y_batch in _batches(X, y, order, batch_size, **kw):
        if zero and step_each:
            optimizer.zero_grad()
        loss = (loss_of or F.binary_cross_entropy_with_logits)(model(X_batch), y_batch)
        loss.backward()
        if step_each:
            optimizer.step()
        losses.append(loss.item())
    if not step_each:
        optimizer.step()
    return losses


EXERCISES = {
    "mlp_forward": Exercise(
        mlp_forward,
        _layer_stack,
        "the output equals applying the layers in order",
        outputs=("output",),
        returns=TorchTensor(
            "output",
            like="x",
            why="the model's output feeds the loss",
            several="return only the last layer's output, one tensor",
            graph=True,
        ),
        in_place={
            "layers": "leave the list of layers as it is (no pop or remove): loop over it",
            "x": "compute new tensors (`x = layer(x)` gives the name a new tensor; an in-place "
            "operation such as `x.relu_()` or `x += …` changes the caller's input)",
        },
        mistakes=(
            Mistake(
                "returns_x",
                "return the output of the last layer, not the input x",
                lambda layers, x: x,
            ),
            Mistake(
                "first_layer_only",
                "apply every layer, not only the first",
                lambda layers, x: layers[0](x),
            ),
            Mistake(
                "skips_activations",
                "apply the activations too: every layer of the list, in order",
                lambda layers, x: layers[-1](layers[-3](layers[-5](x))),
            ),
            Mistake(
                "skips_last_layer",
                "apply every layer, the last one too",
                lambda layers, x: mlp_forward(layers[:-1], x),
            ),
            Mistake(
                "sigmoid_on_output",
                "return the last layer's output as it is, the logits: the loss "
                "(binary_cross_entropy_with_logits) applies the sigmoid",
                lambda layers, x: torch.sigmoid(mlp_forward(layers, x)),
            ),
            Mistake(
                "relu_on_output",
                "return the last layer's output as it is: a ReLU after it turns every negative "
                "logit into 0, so the network can no longer say class 0 with confidence",
                lambda layers, x: torch.relu(mlp_forward(layers, x)),
            ),
        ),
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
        returns=TorchTensor("features", like="x", why="the network's next layer needs a tensor"),
        cases=(_axis_points,),
        probe=_on_any_device,
        in_place="compute new tensors (x[:, 0], torch.atan2(...)); the network still needs x",
        mistakes=(
            Mistake(
                "atan",
                "θ needs atan2(y, x): atan(y / x) loses the quadrant",
                lambda x: _polar(torch.atan(x[:, 1] / x[:, 0]), x.norm(dim=1)),
            ),
            Mistake(
                "atan2_arguments",
                "the first two features are cos θ, then sin θ, with θ = atan2(y, x): check the "
                "order of atan2's arguments (y first) and of cos and sin",
                lambda x: _polar(torch.atan2(x[:, 0], x[:, 1]), x.norm(dim=1)),
            ),
            Mistake(
                "r_squared",
                "r is the distance √(x² + y²), not its square",
                lambda x: _polar(torch.atan2(x[:, 1], x[:, 0]), (x**2).sum(dim=1)),
            ),
            Mistake(
                "theta_r_swapped",
                "the features are in the order (cos θ, sin θ, cos r, sin r)",
                lambda x: _polar(x.norm(dim=1), torch.atan2(x[:, 1], x[:, 0])),
            ),
            Mistake(
                "sin_cos_swapped",
                "cos comes first, then sin: (cos θ, sin θ, cos r, sin r)",
                lambda x: _polar(torch.atan2(x[:, 1], x[:, 0]), x.norm(dim=1))[:, [1, 0, 3, 2]],
            ),
            Mistake(
                "sin_cos_swapped_r",
                "for r too, cos comes first, then sin: (cos θ, sin θ, cos r, sin r)",
                lambda x: _polar(torch.atan2(x[:, 1], x[:, 0]), x.norm(dim=1))[:, [0, 1, 3, 2]],
            ),
            Mistake(
                "rows_not_columns",
                "put the four features side by side, as columns: torch.stack([...], dim=1) is "
                "(N, 4)",
                lambda x: torch.cat(
                    [f.unsqueeze(0) for f in _polar(torch.atan2(x[:, 1], x[:, 0]), x.norm(dim=1)).T]
                ).ravel(),
            ),
            Mistake(
                "theta_and_r",
                "return the four periodic features, not θ and r themselves",
                lambda x: torch.stack([torch.atan2(x[:, 1], x[:, 0]), x.norm(dim=1)], dim=1),
            ),
        ),
        rtol=1e-4,
    ),
    "train_epoch": Exercise(
        train_epoch,
        _epoch_inputs,
        "the mean minibatch loss and the weights after one epoch match the reference",
        outputs=("mean loss", "weights after the epoch"),
        result=_loss_and_weights,
        returns=_loss_is_a_number,
        changes=("model", "optimizer"),
        cases=(_confident_epoch,),
        mistakes=(
            Mistake(
                "sigmoid_bce",
                "sigmoid + binary_cross_entropy is the same loss only while the logits are "
                "moderate: for confident logits the sigmoid rounds to 0 or 1 and the log is clipped "
                "at −100 (lab 2); use F.binary_cross_entropy_with_logits on the logits",
                lambda *a: _mean(
                    _epoch_with(
                        *a, loss_of=lambda z, y: F.binary_cross_entropy(torch.sigmoid(z), y)
                    )
                ),
            ),
            Mistake(
                "sigmoid_on_logits",
                "the model returns logits; binary_cross_entropy_with_logits applies the sigmoid "
                "itself",
                lambda *a: _mean(
                    _epoch_with(
                        *a,
                        loss_of=lambda z, y: F.binary_cross_entropy_with_logits(
                            torch.sigmoid(z), y
                        ),
                    )
                ),
            ),
            Mistake(
                "mse",
                "the loss of a classifier is the binary cross-entropy "
                "(F.binary_cross_entropy_with_logits), not the mean squared error",
                lambda *a: _mean(_epoch_with(*a, loss_of=F.mse_loss)),
            ),
            Mistake(
                "no_zero_grad",
                "call optimizer.zero_grad() before each backward pass: otherwise each step uses "
                "the gradients of all earlier minibatches added up",
                lambda *a: _mean(_epoch_with(*a, zero=False)),
            ),
            Mistake(
                "unshuffled",
                "take minibatch k through the shuffled order, X[order[k·B : (k+1)·B]], "
                "not X[k·B : (k+1)·B]",
                lambda *a: _mean(_epoch_with(*a, shuffled=False)),
            ),
            Mistake(
                "partial_batch",
                "drop the last partial minibatch: only len(X) // batch_size full ones",
                lambda *a: _mean(_epoch_with(*a, keep_partial=True)),
            ),
            Mistake(
                "last_loss",
                "return the mean of the minibatch losses, not the last one",
                lambda *a: _last(_epoch_with(*a)),
            ),
            Mistake(
                "one_step",
                "one optimizer.step() per minibatch, not one per epoch",
                lambda *a: _mean(_epoch_with(*a, step_each=False)),
            ),
        ),
        raised={
            "should be between 0 and 1": "the model returns logits: use "
            "F.binary_cross_entropy_with_logits, not binary_cross_entropy",
            "does not require grad": "the loss has no graph to backpropagate through: compute "
            "it from model(X[batch]) with torch functions, without torch.no_grad(), .detach() "
            "or torch.tensor(...) on the way, and call loss.backward() on that tensor",
        },
        rtol=1e-5,
    ),
}

"""TEMP shim (issue 13): checkers for lab 6's two exercises, in today's Exercise format.

Only here until lab 6's spec joins dllab/exercises/specs/lab06.py; see LAB6_EXERCISES.md for
the contracts and the usual mistakes. exercises.check hands lab 6's names to `check` here.
"""

import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from dllab.exercises import PASSED, Exercise, _judge
from dllab.lightning_mlp import SpiralMLP
from dllab.models import MLP
from dllab.search import log_uniform

# ---------------------------------------------------------------- log_uniform


def _range_inputs(rng):
    return {
        "low": float(10 ** rng.uniform(-6, -2)),
        "high": float(10 ** rng.uniform(-1, 1)),
        "size": int(rng.integers(200, 400)),
        "rng": np.random.default_rng(int(rng.integers(2**32))),
    }


# ---------------------------------------------------------------- training_step


class StepRecorder(nn.Module):
    """Stands in for the LightningModule: a small MLP as `self.model` and `self(X)`, and a
    `log` that remembers what was logged."""

    def __init__(self, rng):
        super().__init__()
        self.model = MLP(2, [4, 3])
        with torch.no_grad():
            for p in self.model.parameters():
                p.copy_(torch.as_tensor(rng.normal(0, 1, p.shape), dtype=torch.float32))
        self.logged = {}

    def forward(self, x):
        return self.model(x)

    def log(self, name, value, *args, **kwargs):
        self.logged[name] = float(value.detach() if isinstance(value, torch.Tensor) else value)


def _step_inputs(rng):
    n = int(rng.integers(16, 64))
    return {
        "self": StepRecorder(rng),
        "batch": (
            torch.as_tensor(rng.normal(0, 5, (n, 2)), dtype=torch.float32),
            torch.as_tensor(rng.integers(0, 2, (n, 1)), dtype=torch.float32),
        ),
        "batch_idx": int(rng.integers(0, 10)),
    }


def _step_result(args, returned):
    """What a training_step must get right: the loss, the logged loss, and leaving the graph
    and the gradients to Lightning."""
    module = args["self"]
    is_tensor = isinstance(returned, torch.Tensor)
    return (
        float(returned.detach()) if is_tensor else float(returned),
        module.logged.get("loss/train", -1.0),
        float(is_tensor and returned.ndim == 0 and returned.requires_grad),
        float(all(p.grad is None for p in module.parameters())),
    )


def _step_mistake(loss_of, *, backward=False, log=True, item=False):
    def step(self, batch, batch_idx):
        X, y = batch
        loss = loss_of(self(X), y)
        if log:
            self.log("loss/train", loss)
        if backward:
            loss.backward()
        return loss.item() if item else loss

    return step


_bce = F.binary_cross_entropy_with_logits

LAB6 = {
    "log_uniform": Exercise(
        log_uniform,
        _range_inputs,
        "exp of uniform draws between log(low) and log(high), from the given rng",
        outputs=("samples",),
        mistakes={
            "this is uniform between low and high: almost all draws land in the top decade. Draw the exponent uniformly: np.exp(rng.uniform(np.log(low), np.log(high), size))": lambda low, high, size, rng: (
                rng.uniform(low, high, size)
            ),
            "these are the logarithms of the samples: exponentiate them (np.exp)": lambda low, high, size, rng: (
                rng.uniform(np.log(low), np.log(high), size)
            ),
            "one base throughout: np.log with np.exp, or np.log10 with 10 ** …, not log10 with exp": lambda low, high, size, rng: (
                np.exp(rng.uniform(np.log10(low), np.log10(high), size))
            ),
            "evenly spaced values are a grid, not a random sample: draw with rng.uniform": lambda low, high, size, rng: (
                np.logspace(np.log10(low), np.log10(high), size)
            ),
        },
        rtol=1e-6,
    ),
    "training_step": Exercise(
        SpiralMLP.training_step,
        _step_inputs,
        "mean BCE-with-logits loss returned with its graph, logged as loss/train, no backward",
        outputs=(
            "loss",
            "logged loss/train",
            "returns a scalar tensor with grad",
            ".grad untouched",
        ),
        result=_step_result,
        mistakes={
            "return the loss tensor itself: Lightning calls backward() on it, which a float from .item() cannot do": _step_mistake(
                _bce, item=True
            ),
            "leave backward() and the optimizer to Lightning: it calls them after training_step returns": _step_mistake(
                _bce, backward=True
            ),
            "the loss is the mean over the batch (the default reduction), not the sum": _step_mistake(
                lambda z, y: _bce(z, y, reduction="sum")
            ),
            "the model returns logits; binary_cross_entropy_with_logits applies the sigmoid itself": _step_mistake(
                lambda z, y: _bce(torch.sigmoid(z), y)
            ),
            "the arguments are (logits, targets): binary_cross_entropy_with_logits(self(X), y)": _step_mistake(
                lambda z, y: _bce(y, z)
            ),
            'log the loss: self.log("loss/train", loss, on_epoch=True), so TensorBoard shows it': _step_mistake(
                _bce, log=False
            ),
        },
        raised={
            "between 0 and 1": "binary_cross_entropy expects probabilities; on logits use binary_cross_entropy_with_logits",
            "not enough values to unpack": "a batch is the pair (X, y): X, y = batch",
        },
    ),
}


def check(name: str, student, *, seed: int | None = None):
    """exercises.check for lab 6's exercises: print the verdict, return the function to use."""
    verdict = _judge(name, LAB6[name], student, np.random.default_rng(seed))
    print(verdict)
    report = os.environ.get("LAB_CHECK_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as f:
            line = {"exercise": name, "status": verdict.status, "message": verdict.message}
            f.write(json.dumps(line) + "\n")
    return student if verdict.status == PASSED else LAB6[name].reference

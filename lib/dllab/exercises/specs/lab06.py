"""Exercises of lab 6 (Lightning and random search): references, random inputs, usual mistakes."""

import numpy as np
import torch
import torch.nn.functional as F

from dllab.exercises.engine import Exercise, kind
from dllab.lightning.search import log_uniform
from dllab.models import MLP

# ---------------------------------------------------------------- references


def training_step(self, batch, batch_idx):
    """The mean BCE-with-logits loss of the minibatch, logged per epoch (as SpiralMLP's)."""
    X, y = batch
    loss = F.binary_cross_entropy_with_logits(self(X), y)
    self.log("loss/train", loss, on_step=False, on_epoch=True, sync_dist=True)
    return loss  # Lightning calls backward() and the optimizer on it


# ---------------------------------------------------------------- log_uniform


_FRESH_STATES: dict = {}  # id of a generator handed to the student → its state before the call


def _generator(seed: int) -> np.random.Generator:
    rng = np.random.default_rng(seed)
    _FRESH_STATES[id(rng)] = rng.bit_generator.state
    return rng


def _range_inputs(rng):
    return {
        "low": float(10 ** rng.uniform(-6, -2)),
        "high": float(10 ** rng.uniform(-1, 1)),
        "size": int(rng.integers(200, 400)),
        "rng": _generator(int(rng.integers(2**32))),
    }


def _lab_range():
    """The lab's own call: the learning rate between 0.0001 and 1, 16 draws."""
    return {"low": 1e-4, "high": 1.0, "size": 16, "rng": _generator(1234)}


def _samples_contract(args, returned):
    rng = args["rng"]
    if _FRESH_STATES.pop(id(rng), None) == rng.bit_generator.state:
        return (
            "the generator rng was not used: draw from it (rng.uniform(...)), so that the same "
            "seed gives the same search"
        )
    if isinstance(returned, list | tuple):
        return f"the samples are {kind(returned)}; return one numpy array of shape (size,)"
    if not isinstance(returned, np.ndarray):
        return f"the samples are {kind(returned)}; return a numpy array (np.exp of rng.uniform)"
    if returned.dtype != np.float64:
        return (
            f"the samples are {kind(returned)}; leave them float64, as rng.uniform and np.exp "
            "give them (no .astype)"
        )
    if returned.shape != (args["size"],):
        return (
            f"the samples have shape {returned.shape}; the search needs one draw per "
            f"configuration, shape (size,) = ({args['size']},)"
        )
    return None


# ---------------------------------------------------------------- training_step


def _module(rng):
    """A small LightningModule as training_step sees it: self(X) gives logits, self.device and
    the rest of Lightning's API are there, and self.log / self.log_dict record what is logged
    with its options. (Lightning is imported here, when lab 6's check runs, not before.)"""
    import lightning as L

    class Module(L.LightningModule):
        described_as = "a small LightningModule (self(X) gives logits)"

        def __init__(self):
            super().__init__()
            self.model = MLP(2, [4, 3])
            self.logged, self.options = {}, {}

        def forward(self, x):
            return self.model(x)

        def log(self, name, value, *args, **kwargs):
            self.logged[name] = float(value.detach() if isinstance(value, torch.Tensor) else value)
            self.options[name] = kwargs

        def log_dict(self, dictionary, *args, **kwargs):
            for name, value in dictionary.items():
                self.log(name, value, **kwargs)

    Module.__name__ = Module.__qualname__ = "LitModule"  # as errors name it
    module = Module()
    with torch.no_grad():
        for p in module.model.parameters():
            # weights of the scale training starts from, so the logits stay moderate
            p.copy_(torch.as_tensor(rng.normal(0, 0.5, p.shape), dtype=torch.float32))
    return module


def _step_inputs(rng):
    n = int(rng.integers(16, 64))
    return {
        "self": _module(rng),
        "batch": (
            torch.as_tensor(rng.normal(0, 2, (n, 2)), dtype=torch.float32),
            torch.as_tensor(rng.integers(0, 2, (n, 1)), dtype=torch.float32),
        ),
        "batch_idx": int(rng.integers(0, 10)),
    }


def _loss_of(returned):
    """Lightning takes the loss itself, or a dict with the loss under "loss"."""
    return returned["loss"] if isinstance(returned, dict) and "loss" in returned else returned


def _step_result(args, returned):
    """The loss, the logged loss/train (−1 when none), 1 when the result is a scalar tensor
    with its graph, 1 when every .grad is untouched (backward is the Trainer's job)."""
    module = args["self"]
    returned = _loss_of(returned)
    is_tensor = isinstance(returned, torch.Tensor)
    return (
        float(returned.detach()) if is_tensor else float(returned),
        module.logged.get("loss/train", -1.0),
        float(is_tensor and returned.ndim == 0 and returned.requires_grad),
        float(all(p.grad is None for p in module.parameters())),
    )


def _step_contract(args, returned):
    returned = _loss_of(returned)
    if not isinstance(returned, torch.Tensor):
        return (
            f"the step returns {kind(returned)}; return the loss tensor itself: the Trainer "
            "calls backward() on it"
        )
    if returned.ndim != 0:
        return f"the step returns {kind(returned)}; return the mean loss, a scalar (shape ())"
    logged, options = args["self"].logged, args["self"].options
    if "loss/train" not in logged:
        names = ", ".join(repr(n) for n in logged) or "nothing"
        return f'the step logged {names}; log the loss under the tag "loss/train"'
    given = options["loss/train"]
    if given.get("on_epoch") is not True or given.get("on_step", True) is not False:
        return (
            'log the loss per epoch: self.log("loss/train", loss, on_step=False, '
            "on_epoch=True); Lightning's default in training_step logs every step instead, "
            "and the lab's curves are per epoch"
        )
    return None


def _step_with(loss_of, *, backward=False, log=True, item=False):
    def step(self, batch, batch_idx):
        X, y = batch
        loss = loss_of(self(X), y)
        if log:
            self.log("loss/train", loss, on_step=False, on_epoch=True)
        if backward:
            loss.backward()
        return loss.item() if item else loss

    return step


_bce = F.binary_cross_entropy_with_logits

EXERCISES = {
    "training_step": Exercise(
        training_step,
        _step_inputs,
        "the mean BCE-with-logits loss, returned with its graph and logged as loss/train; "
        "no backward",
        outputs=(
            "loss",
            "logged loss/train",
            "returns a scalar tensor with its graph (1 = yes)",
            "every .grad still None (1 = yes)",
        ),
        result=_step_result,
        contract=_step_contract,
        changes=("self",),  # self.log records what was logged
        mistakes={
            "return the loss tensor itself: Lightning calls backward() on it, which a float "
            "from .item() cannot do": _step_with(_bce, item=True),
            "leave backward() and the optimizer to Lightning: it calls them after "
            "training_step returns": _step_with(_bce, backward=True),
            "the loss is the mean over the batch (the default reduction), not the sum": _step_with(
                lambda z, y: _bce(z, y, reduction="sum")
            ),
            "the model returns logits; binary_cross_entropy_with_logits applies the sigmoid "
            "itself": _step_with(lambda z, y: _bce(torch.sigmoid(z), y)),
            "the arguments are (logits, targets): binary_cross_entropy_with_logits(self(X), y)": (
                _step_with(lambda z, y: _bce(y, z))
            ),
            'log the loss under the name "loss/train": self.log("loss/train", loss, '
            "on_step=False, on_epoch=True); TensorBoard and early stopping look for that name": (
                _step_with(_bce, log=False)
            ),
        },
        raised={
            "between 0 and 1": "binary_cross_entropy expects probabilities; on logits use "
            "binary_cross_entropy_with_logits",
            "values to unpack": "a batch is the pair (X, y): X, y = batch",
            "is not attached to a `Trainer`": "leave the optimizer and backward() to the "
            "Trainer: training_step only computes, logs and returns the loss",
        },
    ),
    "log_uniform": Exercise(
        log_uniform,
        _range_inputs,
        "exp of uniform draws between log(low) and log(high), taken from the given rng",
        outputs=("samples",),
        contract=_samples_contract,
        cases=(_lab_range,),
        changes=("rng",),  # drawing from a generator advances it
        mistakes={
            "this is uniform between low and high: almost all draws land in the top decade. "
            "Draw the exponent uniformly: np.exp(rng.uniform(np.log(low), np.log(high), size))": (
                lambda low, high, size, rng: rng.uniform(low, high, size)
            ),
            "these are the logarithms of the samples: exponentiate them (np.exp)": (
                lambda low, high, size, rng: rng.uniform(np.log(low), np.log(high), size)
            ),
            "one base throughout: np.log with np.exp, or np.log10 with 10 ** …, not log10 "
            "with exp": lambda low, high, size, rng: np.exp(
                rng.uniform(np.log10(low), np.log10(high), size)
            ),
            "evenly spaced values are a grid, not a random sample: draw with rng.uniform": (
                lambda low, high, size, rng: np.logspace(np.log10(low), np.log10(high), size)
            ),
        },
    ),
}

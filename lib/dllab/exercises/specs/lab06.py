"""Exercises of lab 6 (Lightning and random search): references, random inputs, usual mistakes."""

import numpy as np
import torch
import torch.nn.functional as F

from dllab.exercises.records import Exercise, Mistake, kind
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


def _range_inputs(rng):
    return {
        "low": float(10 ** rng.uniform(-6, -2)),
        "high": float(10 ** rng.uniform(-1, 1)),
        "size": int(rng.integers(2000, 4000)),  # enough draws to judge their distribution
        "rng": np.random.default_rng(int(rng.integers(2**32))),
    }


def _lab_range():
    """The lab's own call: the learning rate between 0.0001 and 1, 16 draws."""
    return {"low": 1e-4, "high": 1.0, "size": 16, "rng": np.random.default_rng(1234)}


def _samples_contract(args, returned, before):
    if args["rng"].bit_generator.state == before["rng"].bit_generator.state:
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


def _log_uniform_compare(args, expected, got):
    """What the exercise asks of the samples, whatever the recipe: all within [low, high], no
    value twice, and spread evenly on a log scale as independent draws are (a Kolmogorov–Smirnov
    distance within chance for `size` draws: above 3/√size by chance with probability about
    3e-8, below 0.25/√size, as a grid is, about as rarely)."""
    low, high = args["low"], args["high"]
    x = np.asarray(got, dtype=float)
    outside = ~(np.isfinite(x) & (x >= low * (1 - 1e-12)) & (x <= high * (1 + 1e-12)))
    if outside.any():
        i = int(np.argmax(outside))
        return (
            f"samples at index ({i},): expected a value in [low, high) = [{low:.4g}, "
            f"{high:.4g}), got {x[i]:.6g} ({int(outside.sum())} of {len(x)} lie outside)"
        )
    values, counts = np.unique(x, return_counts=True)
    if len(values) < len(x):  # float64 draws from a continuous range repeat with odds about 1e-9
        most = int(np.argmax(counts))
        return (
            f"samples: only {len(values)} distinct values among {len(x)} ({values[most]:.6g} "
            f"appears {counts[most]} times); draws from the continuous range between low and "
            "high do not repeat a value"
        )
    u = np.sort((np.log(x) - np.log(low)) / (np.log(high) - np.log(low)))
    n = len(u)
    ks = max(np.max(np.arange(1, n + 1) / n - u), np.max(u - np.arange(n) / n))
    if n >= 100 and ks < 0.25 / np.sqrt(n):  # by chance with probability about 3e-8
        return (
            f"samples: they follow log-uniform's spread more closely than {n} random draws do "
            f"(the largest gap between the share of samples below a value and log-uniform's is "
            f"{ks:.2g}, below {0.25 / np.sqrt(n):.2g}): they look like a grid, not independent "
            "draws"
        )
    if ks <= 3 / np.sqrt(n):
        return None
    middle = np.sqrt(low * high)
    return (
        f"samples: all lie in [low, high), but they are not spread evenly over its orders of "
        f"magnitude: {np.mean(x < middle):.0%} lie below the geometric midpoint √(low·high) = "
        f"{middle:.4g} (expected about 50%); the largest gap between the share of samples below "
        f"a value and log-uniform's is {ks:.3f}, more than chance allows for {n} draws "
        f"({3 / np.sqrt(n):.3f})"
    )


def _same_seed_same_samples(student):
    """The search is reproducible only if the samples come from rng alone: the same seed must
    give the same samples, another seed other samples."""
    try:
        first, again, other = (
            np.asarray(student(1e-4, 1.0, 16, np.random.default_rng(seed)), dtype=float)
            for seed in (7, 7, 8)
        )
    except Exception:
        return None  # its errors showed on the inputs already
    if not np.array_equal(first, again):
        return (
            "two generators with the same seed gave different samples (e.g. log_uniform(1e-4, "
            "1, 16, np.random.default_rng(7)) twice): draw only from rng, so that the same seed "
            "gives the same search"
        )
    if np.array_equal(first, other):
        return (
            "generators with the seeds 7 and 8 gave the same samples: draw them from rng, so "
            "that another seed gives another search"
        )
    return None


# ---------------------------------------------------------------- training_step


def _module(rng):
    """A small LightningModule as training_step sees it: self(X) gives logits, self.device and
    the rest of Lightning's API are there, and self.log / self.log_dict record what is logged
    with its options."""
    # Imported here: judging log_uniform, or looking up any other exercise, needs no Lightning.
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


def _confident_step():
    """Confident logits (|z| up to about 30), some on the wrong side: where the sigmoid rounds to
    0 or 1 in float32 and sigmoid + binary_cross_entropy gives another loss than the logits
    version (lab 2 shows why)."""
    rng = np.random.default_rng(19)
    module = _module(rng)
    X = torch.as_tensor(rng.normal(0, 2, (32, 2)), dtype=torch.float32)
    y = torch.as_tensor(rng.integers(0, 2, (32, 1)), dtype=torch.float32)
    with torch.no_grad():  # logits spread over about ±30, centred on 0
        output = module.model.layers.output
        z = module(X)
        output.weight.mul_(30 / z.std())
        output.bias.sub_(module(X).mean())
        z = module(X)
    module.described_as = (
        f"a small LightningModule whose logits self(X) are confident here, from "
        f"{z.min():.0f} to {z.max():.0f}"
    )
    return {"self": module, "batch": (X, y), "batch_idx": 0}


def _loss_of(returned):
    """Lightning takes the loss itself, or a dict with the loss under "loss"."""
    return returned["loss"] if isinstance(returned, dict) and "loss" in returned else returned


def _step_result(args, returned):
    """The loss; the logged loss/train (the loss itself when nothing is logged under that
    name: `returns` says so, naming what was logged); whether the result is a tensor,
    whether it has its graph; whether every .grad is untouched (backward is the Trainer's job)."""
    module = args["self"]
    returned = _loss_of(returned)
    is_tensor = isinstance(returned, torch.Tensor)
    loss = float(returned.detach()) if is_tensor else float(returned)
    return (
        loss,
        module.logged.get("loss/train", loss),
        is_tensor,
        bool(is_tensor and returned.requires_grad),
        all(p.grad is None for p in module.parameters()),
    )


def _step_contract(args, returned, before):
    returned = _loss_of(returned)
    if not isinstance(returned, torch.Tensor):
        return (
            f"the step returns {kind(returned)}; return the loss tensor itself: the Trainer "
            "calls backward() on it"
        )
    if returned.ndim != 0:
        return f"the step returns {kind(returned)}; return the mean loss, a scalar (shape ())"
    if not returned.requires_grad:
        return (
            "the loss it returns has no graph (requires_grad is False: it was detached, or "
            "computed under torch.no_grad()); return the loss as computed from self(X): the "
            "Trainer calls backward() on it"
        )
    if any(p.grad is not None for p in args["self"].parameters()):
        return (
            "after the step the parameters have gradients: backward() was called; leave "
            "backward() and the optimizer to the Trainer, which calls them after training_step"
        )
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
    reduce_fx = given.get("reduce_fx", "mean")  # Lightning reads "avg" and torch.mean as mean
    if not (reduce_fx is torch.mean or str(reduce_fx).lower() in ("mean", "avg")):
        return (
            f"the loss is logged with reduce_fx={reduce_fx!r}; leave Lightning's "
            "default, the mean: the epoch's point is then the mean minibatch loss, as in the "
            "lab's other curves"
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
            "returns a tensor",
            "the returned loss has its graph",
            "every .grad still None",
        ),
        result=_step_result,
        returns=_step_contract,
        cases=(_confident_step,),
        changes=("self",),  # self.log records what was logged
        mistakes=(
            Mistake(
                "item",
                "return the loss tensor itself: Lightning calls backward() on it, which a float "
                "from .item() cannot do",
                _step_with(_bce, item=True),
            ),
            Mistake(
                "backward",
                "leave backward() and the optimizer to Lightning: it calls them after "
                "training_step returns",
                _step_with(_bce, backward=True),
            ),
            Mistake(
                "sum",
                "the loss is the mean over the batch (the default reduction), not the sum",
                _step_with(lambda z, y: _bce(z, y, reduction="sum")),
            ),
            Mistake(
                "sigmoid_on_logits",
                "the model returns logits; binary_cross_entropy_with_logits applies the sigmoid "
                "itself",
                _step_with(lambda z, y: _bce(torch.sigmoid(z), y)),
            ),
            Mistake(
                "sigmoid_bce",
                "sigmoid + binary_cross_entropy is the same loss only while the logits are "
                "moderate: for confident logits the sigmoid rounds to 0 or 1 and the log is clipped "
                "at −100 (lab 2); use F.binary_cross_entropy_with_logits on the logits",
                _step_with(lambda z, y: F.binary_cross_entropy(torch.sigmoid(z), y)),
            ),
            Mistake(
                "mse",
                "the loss of a classifier is the binary cross-entropy "
                "(F.binary_cross_entropy_with_logits), not the mean squared error",
                _step_with(F.mse_loss),
            ),
            Mistake(
                "swapped_arguments",
                "the arguments are (logits, targets): binary_cross_entropy_with_logits(self(X), y)",
                (_step_with(lambda z, y: _bce(y, z))),
            ),
        ),
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
        "samples lie in [low, high), spread evenly over its orders of magnitude (a "
        "Kolmogorov–Smirnov test), drawn from the given rng: the same seed gives the same samples",
        outputs=("samples",),
        returns=_samples_contract,
        compare=_log_uniform_compare,
        probe=_same_seed_same_samples,
        cases=(_lab_range,),
        changes=("rng",),  # drawing from a generator advances it
        mistakes=(
            Mistake(
                "uniform",
                "this is uniform between low and high: almost all draws land in the top decade. "
                "Draw the exponent uniformly: np.exp(rng.uniform(np.log(low), np.log(high), size))",
                (lambda low, high, size, rng: rng.uniform(low, high, size)),
            ),
            Mistake(
                "logarithms",
                "these are the logarithms of the samples: exponentiate them (np.exp)",
                (lambda low, high, size, rng: rng.uniform(np.log(low), np.log(high), size)),
            ),
            Mistake(
                "mixed_bases",
                "one base throughout: np.log with np.exp, or np.log10 with 10 ** …, not log10 "
                "with exp",
                lambda low, high, size, rng: np.exp(
                    rng.uniform(np.log10(low), np.log10(high), size)
                ),
            ),
            Mistake(
                "grid",
                "evenly spaced values are a grid, not a random sample: draw with rng.uniform",
                (lambda low, high, size, rng: np.logspace(np.log10(low), np.log10(high), size)),
            ),
        ),
    ),
}

"""One training loop for every lab: shuffled minibatches, validation, early stopping, callbacks.

fit is the loop of lab 3 plus early stopping, a progress bar and callbacks; the checks of its
arguments follow it, at the end of this file.
"""

import copy
import math
import warnings
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from dllab import validate
from dllab.display import progress_wanted
from dllab.session import get_device


@dataclass
class History:
    """Mean training and validation loss per epoch; where training stopped and why."""

    train_loss: list[float] = field(default_factory=list)
    valid_loss: list[float] = field(default_factory=list)
    best_epoch: int | None = None  # epoch (from 1) of the best validation loss, where a new
    # best must beat the old one by more than fit's min_delta
    stopped_early: bool = False

    @property
    def epochs(self) -> int:
        return len(self.train_loss)


def fit(
    model,
    data: dict,
    *,
    optimizer,
    num_epochs: int,
    batch_size: int,
    loss_fn=F.binary_cross_entropy_with_logits,
    valid_batch_size: int = 1024,
    seed: int = 0,
    patience: int | None = None,
    min_delta: float = 0.0,
    callbacks=(),
    progress: bool | None = None,
    device=None,
) -> History:
    """Train `model` on data["train"], report data["valid"] (optional) after every epoch.

    loss_fn: a function loss_fn(logits, y) or a loss module such as nn.BCEWithLogitsLoss(),
    averaging over the batch; with a binary cross-entropy, y must hold class labels 0 and 1.
    Everything is checked by the two calls at the top, before training starts (see fit's
    checks below), so that a mistake is named instead of trained on.
    data: {"train": (X, y), "valid": (X, y)} with X: (N, D), y: (N,) or (N, 1). Each epoch
    permutes the training set with a generator seeded from `seed` and slices minibatches of
    `batch_size` (the last partial one is dropped). patience: stop when the validation loss has
    not improved by more than `min_delta` for that many epochs, and restore the best weights.
    callbacks: functions f(epoch, model, history), called with epoch 0 before training and
    after every epoch.
    progress: a tqdm bar (None: in a notebook or a terminal, not in quick mode); a run that
    stops early ends its bar as finished, at the epoch where it stopped.
    """
    device = _check_arguments(model, data, optimizer, loss_fn, callbacks, device)
    _check_settings(data, num_epochs, batch_size, valid_batch_size, seed, patience, min_delta)
    model.to(device)
    X, y = _tensors(data["train"], device)
    valid = _tensors(data["valid"], device) if "valid" in data else None

    generator = torch.Generator().manual_seed(int(seed))  # int: also numpy's ints
    history = History()
    best, best_state = math.inf, None
    for callback in callbacks:
        callback(0, model, history)
    if progress is None:
        progress = progress_wanted()
    bar = tqdm(total=num_epochs, disable=not progress, desc="epochs", leave=False)
    n_batches = len(X) // batch_size
    for epoch in range(1, num_epochs + 1):
        model.train()
        order = torch.randperm(len(X), generator=generator).to(device)
        X_shuffled, y_shuffled = X[order], y[order]
        # Summed where the model is: .item() waits for a GPU, so one per epoch, not per step.
        total = torch.zeros((), device=device)
        for i in range(0, n_batches * batch_size, batch_size):
            optimizer.zero_grad()
            loss = loss_fn(model(X_shuffled[i : i + batch_size]), y_shuffled[i : i + batch_size])
            loss.backward()
            optimizer.step()
            total += loss.detach()
        train_loss = total.item() / n_batches
        if not math.isfinite(train_loss):
            lr = optimizer.param_groups[0].get("lr")
            raise FloatingPointError(
                f"the training loss became {train_loss} in epoch {epoch}; "
                f"try a smaller learning rate (now lr={lr})"
            )
        history.train_loss.append(train_loss)
        if valid is not None:
            model.eval()
            history.valid_loss.append(_mean_loss(model, *valid, loss_fn, valid_batch_size))
            if history.valid_loss[-1] < best - min_delta:
                best, history.best_epoch = history.valid_loss[-1], epoch
                if patience is not None:
                    best_state = copy.deepcopy(model.state_dict())
        bar.set_postfix(train=f"{train_loss:.4f}", refresh=False)
        bar.update()
        for callback in callbacks:
            callback(epoch, model, history)
        if patience is not None and epoch - history.best_epoch >= patience:
            history.stopped_early = True
            model.load_state_dict(best_state)
            bar.total = epoch  # the run is complete: the bar ends full, not failed at epoch/1000
            break
    bar.close()
    return history


@torch.no_grad()
def _mean_loss(model, X, y, loss_fn, batch_size: int) -> float:
    # Each batch's mean loss weighted by its size: any loss_fn with a mean reduction works.
    total = sum(
        loss_fn(model(X[i : i + batch_size]), y[i : i + batch_size]).item()
        * len(X[i : i + batch_size])
        for i in range(0, len(X), batch_size)
    )
    return total / len(X)


def _tensors(pair, device):
    """(X, y) as float32 tensors on `device`, y as one column like the logits."""
    X, y = (torch.as_tensor(a, dtype=torch.float32, device=device) for a in pair)
    return X, y.reshape(-1, 1)


# ---------------------------------------------------------------- fit's checks, before training
# Everything fit is given is checked before the first step, so that a mistake is named instead
# of trained on: the kinds and values of the arguments, the data (finite numbers, labels 0 and 1
# for a binary cross-entropy, the same columns in every split), and what the model and the loss
# do with the first rows (one logit per row; one loss per batch, averaged, that depends on the
# logits and is never below 0).

# Losses whose targets are class labels 0 and 1: fit checks the labels before it trains.
BINARY_LOSSES = (F.binary_cross_entropy_with_logits, F.binary_cross_entropy)
BINARY_LOSS_MODULES = (nn.BCEWithLogitsLoss, nn.BCELoss)
DATA = "a dict {'train': (X, y), 'valid': (X, y)} ('valid' and 'test' are optional)"


def _check_arguments(model, data, optimizer, loss_fn, callbacks, device) -> torch.device:
    """The model, the data, the optimizer, the loss, the callbacks; returns the device."""
    validate.instance("model", model, nn.Module, validate.MODEL)
    validate.instance("data", data, dict, DATA)
    if "train" not in data or not set(data) <= {"train", "valid", "test"}:
        validate.fail("data", DATA, f"the keys {sorted(data)}")
    example = "a torch optimizer, e.g. torch.optim.Adam(model.parameters(), lr=0.01)"
    validate.instance("optimizer", optimizer, torch.optim.Optimizer, example)
    _check_optimizer_holds_the_model(model, optimizer)
    validate.function("loss_fn", loss_fn, "a loss function loss_fn(logits, y)")
    example = "a list of functions f(epoch, model, history), e.g. callbacks=[logger]"
    validate.instance("callbacks", callbacks, tuple | list, example)
    for i, callback in enumerate(callbacks):
        validate.function(f"callbacks[{i}]", callback, "a function f(epoch, model, history)")
    device = get_device() if device is None else validate.device("device", device)
    binary = getattr(loss_fn, "func", loss_fn) in BINARY_LOSSES  # also functools.partial(...)
    binary = binary or isinstance(loss_fn, BINARY_LOSS_MODULES)
    X, y = _check_pair("train", data["train"], binary=binary)
    if "valid" in data:
        _check_pair("valid", data["valid"], binary=binary, columns=len(X[0]))
    _check_loss(model, X, y, loss_fn, binary=binary)
    return device


def _check_settings(data, num_epochs, batch_size, valid_batch_size, seed, patience, min_delta):
    validate.integer("num_epochs", num_epochs)
    validate.integer("batch_size", batch_size)
    validate.integer("valid_batch_size", valid_batch_size)
    validate.seed("seed", seed)
    validate.number("min_delta", min_delta, minimum=0)
    if patience is not None:
        validate.integer("patience", patience)
        if "valid" not in data:
            allowed = "None without data['valid'] (early stopping watches the validation loss)"
            validate.fail("patience", allowed, repr(patience))
    n = len(data["train"][0])
    if batch_size > n:
        validate.fail("batch_size", f"at most the {n} training points", repr(batch_size))


def _check_pair(name: str, pair, *, binary: bool, columns: int | None = None):
    """One entry of fit's data, (X, y): finite rows of `columns` columns, one label per row."""
    if not isinstance(pair, tuple | list) or len(pair) != 2:
        validate.fail(f"data[{name!r}]", "a pair (X, y)", validate.describe(pair), error=TypeError)
    X, y = pair
    validate.array(f"data[{name!r}] X", X, columns=columns)
    if binary:
        validate.labels(f"data[{name!r}] y", y, n=len(X))
    else:
        validate.targets(f"data[{name!r}] y", y, n=len(X))
    return X, y


def _check_optimizer_holds_the_model(model, optimizer) -> None:
    """An error for an optimizer of another model, a warning naming the tensors it leaves out."""
    held = {id(p) for group in optimizer.param_groups for p in group["params"]}
    params = dict(model.named_parameters())
    if params and not held & {id(p) for p in params.values()}:
        validate.fail(
            "optimizer",
            "an optimizer of this model's parameters, e.g. torch.optim.Adam(model.parameters())",
            f"an optimizer of {len(held)} other tensors",
            hint="was it made for another model, or before the model was created again?",
        )
    left_out = [name for name, p in params.items() if p.requires_grad and id(p) not in held]
    if left_out:
        warnings.warn(
            f"optimizer holds {len(params) - len(left_out)} of the model's {len(params)} "
            f"parameter tensors; these will not train: {', '.join(left_out)} "
            "(pass model.parameters() to train them all)",
            stacklevel=4,
        )


def _check_loss(model, X, y, loss_fn, *, binary: bool) -> None:
    """What loss_fn makes of the first rows: one number, their mean; an unknown loss must also
    change with the logits and stay ≥ 0 (a cross-entropy of labels 1 and 2 falls without end)."""
    logits = validate.one_logit_per_row(model, X, "data['train'] X")  # of the first n ≤ 8 rows
    n = len(logits)
    y = torch.as_tensor(y[:n], dtype=torch.float32, device=logits.device).reshape(-1, 1)
    with torch.no_grad():
        loss = loss_fn(logits, y)
        if not isinstance(loss, torch.Tensor) or loss.ndim != 0:
            got, hint = validate.describe(loss), "average over the batch: reduction='mean'"
            validate.fail("loss_fn(logits, y)", "one number (a tensor of shape ())", got, hint=hint)
        mean = torch.stack([loss_fn(logits[i : i + 1], y[i : i + 1]) for i in range(n)]).mean()
        if n > 1 and torch.isclose(loss, n * mean, rtol=1e-3) and not torch.isclose(loss, mean):
            got = f"a loss of {loss:.4g} for {n} rows whose own losses average {mean:.4g}"
            hint = "it sums over the batch; use reduction='mean' (the default)"
            validate.fail("loss_fn", "a loss averaged over the batch", got, hint=hint)
        if binary:  # the labels are 0 and 1: a binary cross-entropy is ≥ 0 and never flat
            return
        probes = []  # the loss far to either side of the logits, on the CPU
        for shift in (-10.0, 0.0, 10.0):
            try:
                probes.append(loss_fn(logits.cpu() + shift, y.cpu()).item())
            except (RuntimeError, ValueError):  # e.g. a loss of probabilities: shift out of range
                pass
    if len(probes) > 1 and len(set(probes)) == 1:
        got = f"a loss of {probes[0] + 0.0:g} whatever the logits"  # + 0.0: no "-0"
        hint = (
            "F.cross_entropy of one logit per row is always 0; for two classes use "
            "F.binary_cross_entropy_with_logits"
        )
        validate.fail("loss_fn", "a loss that changes with the logits", got, hint=hint)
    if probes and min(probes) < 0:
        labels = ", ".join(f"{v:g}" for v in torch.unique(y).tolist())
        warnings.warn(
            f"loss_fn gives {min(probes):.4g} < 0 on the first rows of data['train'] (labels "
            f"{labels}), and training will push it down without end; a cross-entropy needs "
            "labels 0 and 1",
            stacklevel=4,
        )

"""One training loop for every lab: shuffled minibatches, validation, early stopping, callbacks."""

import copy
import math
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


# Losses whose targets are class labels 0 and 1: fit checks the labels before it trains.
BINARY_LOSSES = (F.binary_cross_entropy_with_logits, F.binary_cross_entropy)
BINARY_LOSS_MODULES = (nn.BCEWithLogitsLoss, nn.BCELoss)


def _as_tensors(name: str, pair, device, *, binary: bool):
    """Check one entry of fit's data, (X, y), and return it as float32 tensors on `device`."""
    if not isinstance(pair, tuple | list) or len(pair) != 2:
        validate.fail(f"data[{name!r}]", "a pair (X, y)", validate.describe(pair), error=TypeError)
    X, y = pair
    validate.array(f"data[{name!r}] X", X)
    if binary:
        validate.labels(f"data[{name!r}] y", y, n=len(X))
    else:
        validate.targets(f"data[{name!r}] y", y, n=len(X))
    X, y = (torch.as_tensor(a, dtype=torch.float32) for a in (X, y))
    return X.to(device), y.reshape(-1, 1).to(device)


def _check_arguments(model, data, optimizer, loss_fn, callbacks) -> None:
    """What fit needs before it trains: checked once per call, so the loop itself stays plain."""
    validate.model(model)
    if not isinstance(data, dict):
        allowed = "a dict {'train': (X, y), 'valid': (X, y)} ('valid' is optional)"
        validate.fail("data", allowed, validate.describe(data), error=TypeError)
    unknown = sorted(set(data) - {"train", "valid", "test"})
    if unknown:
        allowed = "a dict with the keys 'train', 'valid' (optional) and 'test' (not used by fit)"
        validate.fail("data", allowed, f"the keys {sorted(data)}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        example = "a torch optimizer, e.g. torch.optim.Adam(model.parameters(), lr=0.01)"
        validate.fail("optimizer", example, validate.describe(optimizer), error=TypeError)
    own = {id(p) for p in model.parameters()}
    held = [p for group in optimizer.param_groups for p in group["params"]]
    if not any(id(p) in own for p in held):
        validate.fail(
            "optimizer",
            "an optimizer of this model's parameters, e.g. torch.optim.Adam(model.parameters())",
            f"an optimizer of {len(held)} other tensors",
            hint="was it made for another model, or before the model was created again?",
        )
    validate.function("loss_fn", loss_fn, "a loss function loss_fn(logits, y)")
    if getattr(loss_fn, "reduction", "mean") != "mean":
        got = f"{type(loss_fn).__name__}(reduction={loss_fn.reduction!r})"
        validate.fail("loss_fn", "a loss with reduction='mean' (the default)", got)
    if callable(callbacks) or not isinstance(callbacks, tuple | list):
        allowed = "a list of functions f(epoch, model, history), e.g. callbacks=[logger]"
        validate.fail("callbacks", allowed, validate.describe(callbacks), error=TypeError)
    for i, callback in enumerate(callbacks):
        validate.function(f"callbacks[{i}]", callback, "a function f(epoch, model, history)")


@torch.no_grad()
def _check_loss(model, X, y, loss_fn) -> None:
    """The model takes X and gives one logit per row, and the loss of two rows is one number."""
    out = validate.one_logit_per_row(model, X, "data['train'] X")
    loss = loss_fn(out, y[:2])
    if not isinstance(loss, torch.Tensor) or loss.ndim != 0:
        validate.fail(
            "loss_fn(logits, y)",
            "one number (a tensor of shape ())",
            validate.describe(loss),
            hint="average over the batch: reduction='mean'",
        )


@torch.no_grad()
def _mean_loss(model, X, y, loss_fn, batch_size: int) -> float:
    # Each batch's mean loss weighted by its size: any loss_fn with a mean reduction works.
    total = sum(
        loss_fn(model(X[i : i + batch_size]), y[i : i + batch_size]).item()
        * len(X[i : i + batch_size])
        for i in range(0, len(X), batch_size)
    )
    return total / len(X)


def _device(device) -> torch.device:
    try:
        return torch.device(device)
    except (RuntimeError, TypeError):
        allowed = "a torch device or its name, e.g. 'cpu', 'cuda', dllab.get_device()"
        validate.fail("device", allowed, validate.describe(device), error=TypeError)


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
    The arguments, the data (finite numbers, labels) and one forward pass of two rows are
    checked before training starts, so that a mistake is named instead of trained on.
    data: {"train": (X, y), "valid": (X, y)} with X: (N, D), y: (N,) or (N, 1). Each epoch
    permutes the training set with a generator seeded from `seed` and slices minibatches of
    `batch_size` (the last partial one is dropped). patience: stop when the validation loss has
    not improved by more than `min_delta` for that many epochs, and restore the best weights.
    callbacks: functions f(epoch, model, history), called with epoch 0 before training and
    after every epoch.
    progress: a tqdm bar (None: in a notebook or a terminal, not in quick mode); a run that
    stops early ends its bar as finished, at the epoch where it stopped.
    """
    if not isinstance(batch_size, int) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if not isinstance(num_epochs, int) or num_epochs <= 0:
        raise ValueError(f"num_epochs must be a positive int, got {num_epochs!r}")
    _check_arguments(model, data, optimizer, loss_fn, callbacks)
    validate.integer("valid_batch_size", valid_batch_size)
    validate.seed("seed", seed)
    validate.number("min_delta", min_delta, minimum=0)
    binary = loss_fn in BINARY_LOSSES or isinstance(loss_fn, BINARY_LOSS_MODULES)
    if patience is not None:
        validate.integer("patience", patience)
    if "train" not in data:
        raise ValueError(f"data needs a 'train' entry, got keys {sorted(data)}")
    if patience is not None and "valid" not in data:
        raise ValueError("early stopping (patience) needs data['valid']")
    device = _device(device) if device is not None else get_device()
    model.to(device)
    X, y = _as_tensors("train", data["train"], device, binary=binary)
    valid = _as_tensors("valid", data["valid"], device, binary=binary) if "valid" in data else None
    _check_loss(model, X, y, loss_fn)
    if len(X) < batch_size:
        raise ValueError(f"batch_size={batch_size} is larger than the {len(X)} training points")

    generator = torch.Generator().manual_seed(seed)
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

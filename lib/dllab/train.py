"""One training loop for every lab: shuffled minibatches, validation, early stopping, callbacks."""

import copy
import math
import sys
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from dllab.display import in_kernel
from dllab.session import get_device, is_quick


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


def _as_tensors(name: str, pair, device):
    X, y = (torch.as_tensor(a, dtype=torch.float32) for a in pair)
    if len(X) == 0:
        raise ValueError(f"data[{name!r}] is empty")
    if len(X) != len(y):
        raise ValueError(f"data[{name!r}]: X has {len(X)} rows but y has {len(y)}")
    return X.to(device), y.reshape(-1, 1).to(device)


@torch.no_grad()
def _mean_loss(model, X, y, loss_fn, batch_size: int) -> float:
    total = sum(
        loss_fn(model(X[i : i + batch_size]), y[i : i + batch_size], reduction="sum").item()
        for i in range(0, len(X), batch_size)
    )
    return total / len(X)


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
    if patience is not None and patience <= 0:
        raise ValueError(f"patience must be a positive int or None, got {patience!r}")
    if "train" not in data:
        raise ValueError(f"data needs a 'train' entry, got keys {sorted(data)}")
    if patience is not None and "valid" not in data:
        raise ValueError("early stopping (patience) needs data['valid']")
    device = device or get_device()
    model.to(device)
    X, y = _as_tensors("train", data["train"], device)
    valid = _as_tensors("valid", data["valid"], device) if "valid" in data else None
    if len(X) < batch_size:
        raise ValueError(f"batch_size={batch_size} is larger than the {len(X)} training points")

    generator = torch.Generator().manual_seed(seed)
    history = History()
    best, best_state = math.inf, None
    for callback in callbacks:
        callback(0, model, history)
    if progress is None:
        progress = not is_quick() and (in_kernel() or sys.stderr.isatty())
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

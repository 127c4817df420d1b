"""Exercises of lab 4 (TensorBoard): references, random inputs and the usual mistakes."""

import numpy as np
import torch
from torch import nn

from dllab.exercises.records import Exercise, Mistake, as_array, is_number, kind
from dllab.tblog import log_gradients, log_losses
from dllab.train import History

# ---------------------------------------------------------------- a writer that records


class RecordingWriter:
    """Stands in for a SummaryWriter: takes the same calls and remembers them.

    Its errors speak of the call a student made, never of this class.
    """

    def __init__(self):
        self.calls = []  # (method, tag, value, step) of every call

    def __repr__(self):
        return "<SummaryWriter (the checker's, which records what is logged)>"

    def add_scalar(self, tag, scalar_value, global_step=None, *args, **kwargs):
        value = (
            scalar_value.item()
            if hasattr(scalar_value, "item") and np.size(scalar_value) == 1
            else scalar_value
        )
        if not is_number(value):
            raise TypeError(
                f"writer.add_scalar({tag!r}, value, step): value must be one number, got {kind(scalar_value)}"
            )
        self.calls.append(("add_scalar", tag, float(value), global_step))

    def add_histogram(self, tag, values, global_step=None, *args, **kwargs):
        if values is None:
            raise TypeError(f"writer.add_histogram({tag!r}, values, step): values is None")
        self.calls.append(("add_histogram", tag, as_array(values).ravel(), global_step))

    def __getattr__(self, method):
        if method.startswith("add_") or method in ("flush", "close"):
            return lambda *args, **kwargs: self.calls.append(
                (method, args[0] if args else None, None, None)
            )
        raise AttributeError(f"a SummaryWriter has no method {method!r}")


def _logged(method):
    """(arguments, returned) → {tag: value} of the writer's calls of `method` (their steps are
    checked by `returns`)."""
    return lambda args, returned: {
        tag: value for m, tag, value, _ in args["writer"].calls if m == method
    }


def _only(method, example):
    """What `returns` checks: the function calls only writer.<method>, each tag once, with a
    step (and writer.flush, if it likes: it only writes out what is buffered)."""

    def calls_only(args, returned, before):
        calls = [call for call in args["writer"].calls if call[0] != "flush"]
        for m, *_ in calls:
            if m != method:
                return (
                    f"it called writer.{m}; this exercise asks for writer.{method}, e.g. {example}"
                )
        tags = [tag for _, tag, _, _ in calls]
        for tag in dict.fromkeys(tags):
            if tags.count(tag) > 1:
                return (
                    f"it logged {tag!r} {tags.count(tag)} times in one call: the lab calls it "
                    f"after every epoch, so log each tag once, for this epoch"
                )
        for _, tag, _, step in calls:
            if step is None:
                return f"{tag!r} was logged without a step: pass epoch as the third argument, {example}"
            if step != args["epoch"]:
                return f"{tag!r} was logged at step {step}, not at epoch={args['epoch']}: {example}"
        return None

    return calls_only


# ---------------------------------------------------------------- inputs and mistakes


def _gradient_inputs(rng):
    """A model after a backward pass in which one layer took no part: its .grad are None."""
    torch.manual_seed(int(rng.integers(2**31)))
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
    frozen = model[int(rng.choice([0, 2, 4]))]
    for param in frozen.parameters():
        param.requires_grad_(False)
    model(torch.randn(8, 2)).pow(2).mean().backward()
    for param in frozen.parameters():
        param.requires_grad_(True)
    return {"writer": RecordingWriter(), "model": model, "epoch": int(rng.integers(1, 500))}


def _before_training():
    """Epoch 0 of the lab: no backward pass yet, every .grad is None."""
    torch.manual_seed(4)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    return {"writer": RecordingWriter(), "model": model, "epoch": 0}


def _loss_inputs(rng):
    n = int(rng.integers(2, 20))
    history = History(train_loss=list(rng.uniform(0, 1, n)), valid_loss=list(rng.uniform(0, 1, n)))
    return {"writer": RecordingWriter(), "history": history, "epoch": n}


def _first_epoch():
    history = History(train_loss=[0.69], valid_loss=[0.7])
    return {"writer": RecordingWriter(), "history": history, "epoch": 1}


def _mean(v):
    return sum(v) / len(v)


EXERCISES = {
    "log_gradients": Exercise(
        log_gradients,
        _gradient_inputs,
        "one histogram grads/<name> of each gradient at step epoch, none for a missing gradient",
        outputs=("logged histograms",),
        result=_logged("add_histogram"),
        returns=_only("add_histogram", 'writer.add_histogram(f"grads/{name}", param.grad, epoch)'),
        cases=(_before_training,),
        in_place="log the gradients without changing them: the optimizer's step still needs "
        "param.grad (use param.grad itself, or a copy)",
        mistakes=(
            Mistake(
                "parameter_not_grad",
                "log param.grad, the gradient, not the parameter itself",
                lambda w, model, epoch: [
                    w.add_histogram(f"grads/{n}", p.detach(), epoch)
                    for n, p in model.named_parameters()
                    if p.grad is not None
                ],
            ),
            Mistake(
                "tag_without_prefix",
                "name the tags grads/<parameter name>, e.g. grads/0.weight",
                lambda w, model, epoch: [
                    w.add_histogram(n, p.grad, epoch)
                    for n, p in model.named_parameters()
                    if p.grad is not None
                ],
            ),
            Mistake(
                "weights_only",
                "log every parameter that has a gradient, biases included",
                lambda w, model, epoch: [
                    w.add_histogram(f"grads/{n}", p.grad, epoch)
                    for n, p in model.named_parameters()
                    if p.grad is not None and n.endswith("weight")
                ],
            ),
        ),
        raised={
            "values is None": "before the first backward pass, and for a layer that took no part "
            "in it, param.grad is None: skip those (`if param.grad is not None`)",
            "ambiguous": "test `param.grad is not None`: `if param.grad:` asks whether a whole "
            "tensor is true",
        },
    ),
    "log_losses": Exercise(
        log_losses,
        _loss_inputs,
        "loss/train and loss/valid of the last epoch at step epoch",
        outputs=("logged scalars",),
        result=_logged("add_scalar"),
        returns=_only(
            "add_scalar", 'writer.add_scalar("loss/train", history.train_loss[-1], epoch)'
        ),
        cases=(_first_epoch,),
        raised={
            "value must be one number": "log one number per tag, this epoch's loss: "
            "history.train_loss[-1]"
        },
        in_place="read the history without changing it (history.train_loss[-1], not .pop()): "
        "the training loop keeps appending to it",
        mistakes=(
            Mistake(
                "first_epoch",
                "log this epoch's loss, the last entry history.train_loss[-1]",
                lambda w, h, epoch: (
                    w.add_scalar("loss/train", h.train_loss[0], epoch),
                    w.add_scalar("loss/valid", h.valid_loss[0], epoch),
                ),
            ),
            Mistake(
                "mean_over_epochs",
                "log this epoch's loss, not the mean over all epochs",
                lambda w, h, epoch: (
                    w.add_scalar("loss/train", _mean(h.train_loss), epoch),
                    w.add_scalar("loss/valid", _mean(h.valid_loss), epoch),
                ),
            ),
            Mistake(
                "tags_without_loss",
                "use the tags loss/train and loss/valid, so TensorBoard draws both in one section",
                lambda w, h, epoch: (
                    w.add_scalar("train", h.train_loss[-1], epoch),
                    w.add_scalar("valid", h.valid_loss[-1], epoch),
                ),
            ),
            Mistake(
                "train_only",
                "log both losses: loss/train from history.train_loss, loss/valid from history.valid_loss",
                lambda w, h, epoch: (w.add_scalar("loss/train", h.train_loss[-1], epoch),),
            ),
            Mistake(
                "valid_from_train",
                "loss/valid comes from history.valid_loss",
                lambda w, h, epoch: (
                    w.add_scalar("loss/train", h.train_loss[-1], epoch),
                    w.add_scalar("loss/valid", h.train_loss[-1], epoch),
                ),
            ),
        ),
    ),
}

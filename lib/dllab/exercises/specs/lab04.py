"""Exercises of lab 4 (TensorBoard): references, random inputs and the usual mistakes."""

import torch
from torch import nn

from dllab.exercises.engine import Exercise, as_array
from dllab.tblog import log_gradients, log_losses
from dllab.train import History

# ---------------------------------------------------------------- inputs and mistakes


class RecordingWriter:
    """Stands in for a SummaryWriter and remembers what was logged."""

    def __init__(self):
        self.scalars, self.histograms = {}, {}

    def add_scalar(self, tag, value, global_step=None, *args, **kwargs):
        self.scalars[tag] = (global_step, float(value))

    def add_histogram(self, tag, values, global_step=None, *args, **kwargs):
        self.histograms[tag] = (global_step, as_array(values).ravel())


def _gradient_inputs(rng):
    torch.manual_seed(int(rng.integers(2**31)))
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    model(torch.randn(8, 2)).pow(2).mean().backward()
    return {"writer": RecordingWriter(), "model": model, "epoch": int(rng.integers(1, 500))}


def _loss_inputs(rng):
    n = int(rng.integers(2, 20))
    history = History(train_loss=list(rng.uniform(0, 1, n)), valid_loss=list(rng.uniform(0, 1, n)))
    return {"writer": RecordingWriter(), "history": history, "epoch": n}


def _by_tag(kind):
    return lambda args, returned: getattr(args["writer"], kind)


def _mean(v):
    return sum(v) / len(v)


EXERCISES = {
    "log_gradients": Exercise(
        log_gradients,
        _gradient_inputs,
        "one histogram grads/<name> of each parameter's gradient",
        outputs=("logged histograms",),
        result=_by_tag("histograms"),
        mistakes={
            "log param.grad, the gradient, not the parameter itself": lambda w, model, epoch: [
                w.add_histogram(f"grads/{n}", p.detach(), epoch)
                for n, p in model.named_parameters()
            ],
            "name the tags grads/<parameter name>, e.g. grads/0.weight": lambda w, model, epoch: [
                w.add_histogram(n, p.grad, epoch) for n, p in model.named_parameters()
            ],
            "log at global_step=epoch, so TensorBoard's slider shows the epoch": lambda w, model, epoch: [
                w.add_histogram(f"grads/{n}", p.grad) for n, p in model.named_parameters()
            ],
        },
    ),
    "log_losses": Exercise(
        log_losses,
        _loss_inputs,
        "loss/train and loss/valid of the last epoch at step epoch",
        outputs=("logged scalars",),
        result=_by_tag("scalars"),
        mistakes={
            "log this epoch's loss, the last entry history.train_loss[-1]": lambda w, h, epoch: (
                w.add_scalar("loss/train", h.train_loss[0], epoch),
                w.add_scalar("loss/valid", h.valid_loss[0], epoch),
            ),
            "log this epoch's loss, not the mean over all epochs": lambda w, h, epoch: (
                w.add_scalar("loss/train", _mean(h.train_loss), epoch),
                w.add_scalar("loss/valid", _mean(h.valid_loss), epoch),
            ),
            "use the tags loss/train and loss/valid, so TensorBoard draws both in one section": lambda w, h, epoch: (
                w.add_scalar("train", h.train_loss[-1], epoch),
                w.add_scalar("valid", h.valid_loss[-1], epoch),
            ),
        },
    ),
}

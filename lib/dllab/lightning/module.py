"""Lab 6: lab 3's MLP as a LightningModule, the spiral splits as DataLoaders, a quiet Trainer.

The lab trains `SpiralMLP` and prints its hooks (all but `training_step`, the exercise); the
search workers (`python -m dllab.lightning search`) and the DDP script (`python -m
dllab.lightning ddp`) import the same class, which a class defined inside a notebook kernel could
not offer them.
"""

import logging
import warnings

import lightning as L
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, default_convert

from dllab import validate
from dllab.models import MLP

# Lightning's banners ("GPU available: False", tips) are info-level log lines; warnings stay.
logging.getLogger("lightning.pytorch").setLevel(logging.WARNING)
# The data lives in memory and each batch is one indexing operation: worker processes would
# only add start-up time, so Lightning's advice to use them does not apply here.
warnings.filterwarnings("ignore", message=r".*does not have many workers.*")
warnings.filterwarnings("ignore", message=r".*smaller than the logging interval.*")
warnings.filterwarnings("ignore", message=r".*LeafSpec.*")


class SpiralMLP(L.LightningModule):
    """Lab 3's MLP (hidden sizes, ReLU, one logit) with its training, validation and test step.

    x: (N, 2) → logits (N, 1). Logs loss/train, loss/valid and metrics/acc_valid per epoch,
    and loss/test and metrics/acc_test in trainer.test (TensorBoard's Scalars tab orders its
    groups by name: loss before metrics).
    """

    def __init__(self, hidden=(20, 15, 10, 5), lr: float = 0.01):
        super().__init__()
        lr = validate.number("lr", lr, positive=True)
        self.save_hyperparameters()  # stored in every checkpoint and shown by the logger
        self.model = MLP(2, list(hidden), activation="relu")

    def forward(self, x):
        return self.model(x)

    def training_step(self, batch, batch_idx):
        X, y = batch
        loss = F.binary_cross_entropy_with_logits(self(X), y)
        self.log("loss/train", loss, on_step=False, on_epoch=True, sync_dist=True)
        return loss  # Lightning calls backward() and the optimizer on it

    def validation_step(self, batch, batch_idx):
        self._evaluate(batch, "valid")

    def test_step(self, batch, batch_idx):
        self._evaluate(batch, "test")

    def _evaluate(self, batch, stage: str):
        X, y = batch
        logits = self(X)
        # sync_dist: under DDP each process sees part of the data; average over all of them.
        self.log(f"loss/{stage}", F.binary_cross_entropy_with_logits(logits, y), sync_dist=True)
        self.log(f"metrics/acc_{stage}", ((logits > 0).float() == y).float().mean(), sync_dist=True)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)


class BestValidation(L.Callback):
    """Remembers the lowest validation loss of a run and the accuracy at that check."""

    def __init__(self):
        self.loss, self.acc = float("nan"), float("nan")

    def on_validation_end(self, trainer, module):
        loss = float(trainer.callback_metrics["loss/valid"])
        if not loss >= self.loss:  # also replaces the first NaN
            self.loss, self.acc = loss, float(trainer.callback_metrics["metrics/acc_valid"])


class Points(Dataset):
    """Points X: (N, D) with labels y: (N, 1) in memory, as float32 tensors.

    `__getitems__` hands the DataLoader a whole minibatch with one indexing operation; the
    default would index and then stack the points one by one, several times slower here.
    """

    def __init__(self, X, y):
        self.X = torch.as_tensor(X, dtype=torch.float32)
        self.y = torch.as_tensor(y, dtype=torch.float32).reshape(-1, 1)
        if len(self.X) != len(self.y):
            validate.fail("y", f"{len(self.X)} labels, one per row of X", f"{len(self.y)}")

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return self.X[i], self.y[i]

    def __getitems__(self, indices):
        return self.X[indices], self.y[indices]


def loader(part, *, batch_size: int, train: bool = False) -> DataLoader:
    """A DataLoader over part = (X, y): shuffled, last partial batch dropped when `train`.

    Batches are (X: (B, D), y: (B, 1)). Under DDP Lightning swaps the sampler for a
    DistributedSampler, so each process draws its own share of every epoch.
    """
    batch_size = validate.integer("batch_size", batch_size)
    points = Points(*part)
    if train and len(points) < batch_size:
        validate.fail("batch_size", f"at most the {len(points)} training points", str(batch_size))
    return DataLoader(
        points, batch_size=batch_size, shuffle=train, drop_last=train, collate_fn=default_convert
    )


def loaders(splits: dict, *, batch_size: int, eval_batch_size: int = 1024) -> dict:
    """DataLoaders for {"train", "valid", "test"} splits of (X, y) pairs, as lab 3 batches them."""
    return {
        name: loader(
            part,
            batch_size=batch_size if name == "train" else eval_batch_size,
            train=name == "train",
        )
        for name, part in splits.items()
    }

"""Lab 6's LightningModule and DataLoaders on tiny data: steps, logging, checkpoints."""

import lightning as L
import pytest
import torch
import torch.nn.functional as F

from dllab.data import spiral, split
from dllab.lightning.module import BestValidation, Points, SpiralMLP, loader, loaders


@pytest.fixture(scope="module")
def splits():
    X, y = spiral(100, n_loops=1.5, seed=1234)
    return split(X, y, n_test=40, n_valid=40, seed=1234)


class Recorder(SpiralMLP):
    """SpiralMLP whose self.log writes into a dict, so steps can run without a Trainer."""

    def log(self, name, value, *args, **kwargs):
        self.logged = {**getattr(self, "logged", {}), name: float(value.detach())}


def test_training_step_returns_the_mean_bce_with_its_graph_and_logs_it():
    torch.manual_seed(0)
    model = Recorder(hidden=[4, 3])
    X, y = torch.randn(8, 2), torch.randint(0, 2, (8, 1)).float()
    loss = model.training_step((X, y), 0)
    assert loss.ndim == 0 and loss.requires_grad
    assert loss.item() == pytest.approx(F.binary_cross_entropy_with_logits(model(X), y).item())
    assert model.logged == {"loss/train": pytest.approx(loss.item())}
    assert all(p.grad is None for p in model.parameters())  # backward is the Trainer's job


def test_validation_and_test_steps_log_loss_and_accuracy():
    model = Recorder(hidden=[3])
    X = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    with torch.no_grad():
        logits = model(X)
    y = (logits > 0).float()  # labels the model gets right by construction
    model.validation_step((X, y), 0)
    model.test_step((X, 1 - y), 0)
    assert model.logged["metrics/acc_valid"] == 1.0 and model.logged["metrics/acc_test"] == 0.0
    assert model.logged["loss/valid"] == pytest.approx(
        F.binary_cross_entropy_with_logits(logits, y).item()
    )


def test_configure_optimizers_is_adam_with_the_learning_rate():
    optimizer = SpiralMLP(lr=0.003).configure_optimizers()
    assert isinstance(optimizer, torch.optim.Adam)
    assert optimizer.param_groups[0]["lr"] == 0.003


def test_bad_learning_rate_is_refused():
    with pytest.raises(ValueError, match="lr must be a finite number > 0, got -0.1"):
        SpiralMLP(lr=-0.1)


def test_loader_batches_by_indexing_and_drops_the_last_partial_batch(splits):
    X, y = splits["train"]
    batches = list(loader((X, y), batch_size=32, train=True))
    assert len(batches) == len(X) // 32
    assert all(b[0].shape == (32, 2) and b[1].shape == (32, 1) for b in batches)
    assert sum(len(b[0]) for b in loader((X, y), batch_size=32)) == len(X)  # eval: every point
    assert Points(X, y)[3][0].tolist() == pytest.approx(X[3].tolist())
    with pytest.raises(ValueError, match="batch_size must be at most the 120 training points"):
        loader((X, y), batch_size=500, train=True)
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        loader((X, y), batch_size=0)


def test_trainer_fits_logs_checkpoints_and_tests(splits, tmp_path):
    L.seed_everything(0, verbose=False)
    data = loaders(splits, batch_size=32)
    checkpoint = L.pytorch.callbacks.ModelCheckpoint(
        dirpath=tmp_path / "ckpt", monitor="loss/valid"
    )
    best = BestValidation()
    trainer = L.Trainer(
        max_epochs=3,
        accelerator="cpu",
        logger=L.pytorch.loggers.TensorBoardLogger(tmp_path, name="tb", version=""),
        callbacks=[checkpoint, best],
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    model = SpiralMLP(hidden=[8, 8], lr=0.01)
    trainer.fit(model, data["train"], data["valid"])
    assert trainer.current_epoch == 3
    assert {"loss/train", "loss/valid", "metrics/acc_valid"} <= set(trainer.callback_metrics)
    assert best.loss == pytest.approx(float(checkpoint.best_model_score))
    assert list((tmp_path / "tb").glob("events.out.tfevents.*"))
    restored = SpiralMLP.load_from_checkpoint(checkpoint.best_model_path)
    assert restored.hparams.hidden == [8, 8] and restored.hparams.lr == 0.01
    tested = trainer.test(restored, data["test"], verbose=False)[0]
    assert set(tested) == {"loss/test", "metrics/acc_test"}
    X_test, y_test = (torch.as_tensor(a, dtype=torch.float32) for a in splits["test"])
    with torch.no_grad():
        right = (restored(X_test).squeeze(1) > 0).float() == y_test
    assert tested["metrics/acc_test"] == pytest.approx(right.float().mean().item(), abs=1e-6)

import functools
import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dllab.data import spiral, split
from dllab.metrics import binary_metrics, evaluate, predict_proba
from dllab.models import MLP
from dllab.train import fit


@pytest.fixture(scope="module")
def data():
    X, y = spiral(300, n_loops=1.5, seed=1234)  # one and a half turns: learnable in seconds
    return split(X, y, n_test=100, n_valid=100, seed=1234)


def train(data, *, seed=0, lr=0.01, **kwargs):
    torch.manual_seed(seed)
    model = MLP(2, [16, 8])
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    options = {"num_epochs": 30, "batch_size": 64, "seed": seed, "progress": False} | kwargs
    return model, fit(model, data, optimizer=optimizer, device="cpu", **options)


def test_fit_lowers_the_loss_and_returns_history(data):
    _, history = train(data)
    assert history.epochs == 30 and len(history.valid_loss) == 30
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert history.valid_loss[-1] < history.valid_loss[0]
    assert 1 <= history.best_epoch <= 30 and not history.stopped_early


def test_fit_is_reproducible_with_a_seed(data):
    torch.set_num_threads(1)
    model_a, a = train(data, seed=3)
    model_b, b = train(data, seed=3)
    assert a.train_loss == b.train_loss
    for p, q in zip(model_a.parameters(), model_b.parameters(), strict=True):
        assert torch.equal(p, q)
    assert train(data, seed=4)[1].train_loss != a.train_loss


def test_early_stopping_stops_and_restores_best_weights(data):
    model, history = train(data, lr=0.05, num_epochs=500, patience=5, min_delta=0.05)
    assert history.stopped_early and history.epochs < 500
    assert history.epochs - history.best_epoch == 5
    X_valid, y_valid = data["valid"]
    loss = nn.functional.binary_cross_entropy_with_logits(
        model(torch.as_tensor(X_valid)), torch.as_tensor(y_valid).reshape(-1, 1)
    )
    assert loss.item() == pytest.approx(history.valid_loss[history.best_epoch - 1], rel=1e-5)


def test_nan_loss_raises_floating_point_error_naming_the_epoch(data):
    class Exploding(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(2, 1))

        def forward(self, x):
            return x @ self.w * float("nan")

    model = Exploding()
    with pytest.raises(
        FloatingPointError, match=r"epoch 1; try a smaller learning rate \(now lr=0.1\)"
    ):
        fit(
            model,
            data,
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
            num_epochs=3,
            batch_size=32,
            progress=False,
            device="cpu",
        )


def test_fit_takes_numpy_ints_and_a_loss_module_like_the_default(data):
    """np.int64 sizes and seed, nn.BCEWithLogitsLoss() (the PyTorch tutorials' style) or a
    partial of the default: the same run as the default loss with plain ints."""
    _, reference = train(data, num_epochs=3, batch_size=20, seed=2)
    _, numpy_ints = train(data, num_epochs=np.int64(3), batch_size=np.int64(20), seed=np.int64(2))
    _, module = train(data, num_epochs=3, batch_size=20, seed=2, loss_fn=nn.BCEWithLogitsLoss())
    assert numpy_ints.train_loss == reference.train_loss
    assert module.train_loss == reference.train_loss
    assert module.valid_loss == pytest.approx(reference.valid_loss, rel=1e-6)


@pytest.mark.parametrize(
    ("model", "loss_fn", "labels"),
    [
        (
            None,
            functools.partial(F.binary_cross_entropy_with_logits, pos_weight=torch.tensor(2.0)),
            None,
        ),
        (None, lambda logits, y: F.binary_cross_entropy_with_logits(logits, y), None),
        (None, F.mse_loss, lambda y: 3 * y - 1.5),  # regression targets, any sign
        (None, nn.HuberLoss(), lambda y: 3 * y - 1.5),
        (lambda: nn.Sequential(MLP(2, [8]), nn.Sigmoid()), F.binary_cross_entropy, None),
        (lambda: nn.Sequential(MLP(2, [8]), nn.Sigmoid()), nn.BCELoss(), None),
    ],
    ids=["pos_weight", "wrapped BCE", "mse", "huber", "probabilities", "BCELoss"],
)
def test_fit_trains_valid_losses_without_a_warning(data, model, loss_fn, labels):
    relabel = labels or (lambda y: y)
    splits = {k: (X, relabel(y)) for k, (X, y) in data.items() if k != "test"}
    torch.manual_seed(0)
    net = model() if model else MLP(2, [8])
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = fit(
            net,
            splits,
            optimizer=optimizer,
            loss_fn=loss_fn,
            num_epochs=5,
            batch_size=64,
            progress=False,
            device="cpu",
        )
    assert history.train_loss[-1] < history.train_loss[0]


def test_an_optimizer_of_some_tensors_is_named_and_trains_only_those(data):
    torch.manual_seed(0)
    model = MLP(2, [8])
    hidden = model.layers.hidden1.weight.detach().clone()
    optimizer = torch.optim.SGD([model.layers.output.weight, model.layers.output.bias], lr=0.1)
    with pytest.warns(UserWarning, match="optimizer holds 2 of the model's 4") as caught:
        fit(model, data, optimizer=optimizer, num_epochs=1, batch_size=64, progress=False)
    left_out = str(caught[0].message).split("will not train: ")[1]
    assert left_out.startswith("layers.hidden1.weight, layers.hidden1.bias ")
    assert torch.equal(model.layers.hidden1.weight, hidden)  # as the warning says


def test_callbacks_see_every_epoch_from_zero(data):
    seen = []
    train(data, num_epochs=4, callbacks=[lambda epoch, model, h: seen.append((epoch, h.epochs))])
    assert seen == [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4)]


def test_binary_metrics_against_hand_computed_values():
    y = np.array([0, 0, 1, 1])
    prob = np.array([0.1, 0.6, 0.4, 0.9])
    m = binary_metrics(y, prob)
    assert m["accuracy"] == 0.5  # predictions 0, 1, 0, 1
    assert m["roc_auc"] == 0.75  # 3 of the 4 (positive, negative) pairs ranked right
    # ranked: 0.9 (pos), 0.6 (neg), 0.4 (pos): precision 1 at recall ½, ⅔ at recall 1
    assert m["average_precision"] == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)


@pytest.mark.parametrize("seed", range(20))
def test_binary_metrics_equal_scikit_learns(seed):
    """Random labels and probabilities, with ties (rounded to 1, 2 or 6 decimals)."""
    from sklearn.metrics import accuracy_score, average_precision_score, roc_auc_score

    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 300))
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    prob = rng.random(n).round(int(rng.choice([1, 2, 6])))
    m = binary_metrics(y, prob)
    assert m["accuracy"] == pytest.approx(accuracy_score(y, prob >= 0.5), abs=1e-12)
    assert m["average_precision"] == pytest.approx(average_precision_score(y, prob), abs=1e-12)
    assert m["roc_auc"] == pytest.approx(roc_auc_score(y, prob), abs=1e-12)


def test_predict_proba_keeps_training_mode_and_evaluate_is_perfect_on_separable_data():
    model = nn.Sequential(nn.Linear(1, 1))
    with torch.no_grad():
        model[0].weight.fill_(10.0)
        model[0].bias.fill_(0.0)
    X = np.array([[-1.0], [-0.5], [0.5], [1.0]], dtype=np.float32)
    model.train()
    prob = predict_proba(model, X, batch_size=np.int64(3))
    assert model.training and prob.shape == (4,)
    np.testing.assert_allclose(prob, 1 / (1 + np.exp(-10 * X[:, 0])), rtol=1e-6)
    assert evaluate(model, X, np.array([0, 0, 1, 1])) == {
        "accuracy": 1.0,
        "average_precision": 1.0,
        "roc_auc": 1.0,
    }
    assert math.isclose(prob.sum(), 2.0, rel_tol=1e-6)


def test_early_stopped_run_ends_its_progress_bar_as_finished(data, monkeypatch):
    """A bar left at n < total turns red ("failed") in a notebook; an early stop is a success."""
    import io

    from tqdm import tqdm as std_tqdm

    import dllab.train

    closed = []

    class Recording(std_tqdm):
        def close(self):
            if not self.disable:
                closed.append((self.n, self.total))
            super().close()

    monkeypatch.setattr(dllab.train, "tqdm", lambda *a, **k: Recording(*a, file=io.StringIO(), **k))
    _, history = train(data, lr=0.05, num_epochs=500, patience=5, min_delta=0.05, progress=True)
    assert history.stopped_early
    assert closed == [(history.epochs, history.epochs)]
    closed.clear()
    _, history = train(data, num_epochs=7, progress=True)
    assert closed == [(7, 7)]

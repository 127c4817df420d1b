"""Bad input where data enters dllab: an error (or, for a case that may be meant, a warning)
whose message names the argument, in the form "<argument> must be <allowed>, got <value>".

One table, one test: each case is a call with one mistake, the error type it must raise and
the argument its message must start with. Never silent nonsense (a loss summed or always 0,
labels 1 and 2, NaN data), never a bare error from deep inside numpy or torch.
"""

import functools
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dllab import data, display, gradcheck, linreg, metrics, models, weight_init
from dllab.train import fit

NAN = float("nan")
X, y = data.spiral(60, seed=1)  # 120 points, 2 columns, labels 0 and 1
GEN = torch.Generator().manual_seed(0)


def with_nan(X):
    X = X.copy()
    X[5, 1] = NAN
    X[9] = np.inf
    return X


def one_hot(y):
    return np.eye(2, dtype=np.float32)[y.astype(int)]


def nan_label(y):
    y = y.copy()
    y[3] = NAN
    return y


def absent_device() -> str:
    """A device this machine lacks: CUDA without a GPU, else the index past its last GPU."""
    return f"cuda:{torch.cuda.device_count()}" if torch.cuda.is_available() else "cuda"


def no_epoch(epoch, model, history):
    assert epoch == 0, "fit trained an epoch before it refused its input"


def train(data=None, model=None, **change):
    """fit on the spiral with one change; the callback fails the test if an epoch ran first."""

    def call():
        net = model() if model else models.MLP(2, [4])
        options = {
            "optimizer": None,
            "num_epochs": 1,
            "batch_size": 10,
            "callbacks": [no_epoch],
            "progress": False,
            "device": "cpu",
        }
        options |= {k: v(net) if k == "optimizer" else v for k, v in change.items()}
        if isinstance(net, nn.Module) and options["optimizer"] is None:
            options["optimizer"] = torch.optim.SGD(net.parameters(), lr=0.1)
        fit(net, {"train": (X, y)} if data is None else data, **options)

    return call


def ax():
    return plt.subplots()[1]


# (the call, the error, the argument its message names)
CASES = {
    # ------------------------------------------------------------ data sets
    "spiral float size": (lambda: data.spiral(2.5, seed=1), TypeError, "n_per_class"),
    "spiral size 0": (lambda: data.spiral(0, seed=1), ValueError, "n_per_class"),
    "spiral NaN noise": (lambda: data.spiral(10, noise=NAN, seed=1), ValueError, "noise"),
    "spiral negative loops": (lambda: data.spiral(10, n_loops=-1, seed=1), ValueError, "n_loops"),
    "spiral float seed": (lambda: data.spiral(10, seed=1.5), TypeError, "seed"),
    "linear_data NaN noise": (lambda: data.linear_data(10, noise=NAN, seed=1), ValueError, "noise"),
    "linear_data float n": (lambda: data.linear_data(10.0, seed=1), TypeError, "n"),
    "linear_data NaN coef": (
        lambda: data.linear_data(10, coef=(1, 2, NAN, 4), seed=1),
        ValueError,
        "coef",
    ),
    "linear_data two coef": (lambda: data.linear_data(10, coef=(1, 2), seed=1), ValueError, "coef"),
    "binary_points bool n": (lambda: data.binary_points(True, seed=1), TypeError, "n"),
    "split fraction test": (
        lambda: data.split(X, y, n_test=0.2, n_valid=0.2, seed=1),
        TypeError,
        "n_test",
    ),
    "split fraction valid": (
        lambda: data.split(X, y, n_test=10, n_valid=0.5, seed=1),
        TypeError,
        "n_valid",
    ),
    "split leaves nothing": (
        lambda: data.split(X, y, n_test=60, n_valid=60, seed=1),
        ValueError,
        "n_test + n_valid",
    ),
    "split short y": (
        lambda: data.split(X, y[:-1], n_test=10, n_valid=10, seed=1),
        ValueError,
        "y",
    ),
    "split NaN X": (
        lambda: data.split(with_nan(X), y, n_test=10, n_valid=10, seed=1),
        ValueError,
        "X",
    ),
    "split NaN label": (
        lambda: data.split(X, nan_label(y), n_test=10, n_valid=10, seed=1),
        ValueError,
        "y",
    ),
    "radius_split NaN": (lambda: data.radius_split(X, y, NAN), ValueError, "r_max"),
    "radius_split one side": (lambda: data.radius_split(X, y, 100.0), ValueError, "r_max"),
    "radius_split 3 columns": (
        lambda: data.radius_split(np.zeros((120, 3)), y, 1.0),
        ValueError,
        "X",
    ),
    # ------------------------------------------------------------ models
    "MLP hidden int": (lambda: models.MLP(2, 10), TypeError, "hidden"),
    "MLP hidden float": (lambda: models.MLP(2, [10.5]), TypeError, "hidden[0]"),
    "MLP hidden 0": (lambda: models.MLP(2, [8, 0]), ValueError, "hidden[1]"),
    "MLP float features": (lambda: models.MLP(2.0, [4]), TypeError, "n_features"),
    "MLP activation": (lambda: models.MLP(2, [4], activation="swish"), ValueError, "activation"),
    "Features not callable": (lambda: models.Features(3), TypeError, "fn"),
    # ------------------------------------------------------------ fit: data
    "fit labels 1 2": (train({"train": (X, y + 1)}), ValueError, "data['train'] y"),
    "fit labels -1 1": (train({"train": (X, 2 * y - 1)}), ValueError, "data['train'] y"),
    "fit one-hot": (train({"train": (X, one_hot(y))}), ValueError, "data['train'] y"),
    "fit valid labels": (
        train({"train": (X, y), "valid": (X[:10], y[:10] + 1)}),
        ValueError,
        "data['valid'] y",
    ),
    "fit valid width": (
        train({"train": (X, y), "valid": (np.zeros((10, 3)), y[:10])}),
        ValueError,
        "data['valid'] X",
    ),
    "fit NaN X": (train({"train": (with_nan(X), y)}), ValueError, "data['train'] X"),
    "fit short y": (train({"train": (X, y[:-1])}), ValueError, "data['train'] y"),
    "fit empty X": (
        train({"train": (np.zeros((0, 2)), np.zeros(0))}),
        ValueError,
        "data['train'] X",
    ),
    "fit data tuple": (train((X, y)), TypeError, "data"),
    "fit data no pair": (train({"train": X}), TypeError, "data['train']"),
    "fit data key": (train({"train": (X, y), "validation": (X, y)}), ValueError, "data"),
    "fit no train": (train({"valid": (X, y)}), ValueError, "data"),
    "fit width": (train({"train": (X[:, :1], y)}), ValueError, "data['train'] X"),
    # ------------------------------------------------------------ fit: arguments
    "fit model class": (train(model=lambda: models.MLP), TypeError, "model"),
    "fit two outputs": (train(model=lambda: nn.Linear(2, 2)), ValueError, "model(X)"),
    "fit other optimizer": (
        train(optimizer=lambda net: torch.optim.SGD(models.MLP(2, [4]).parameters(), lr=0.1)),
        ValueError,
        "optimizer",
    ),
    "fit optimizer of one tensor": (
        train(optimizer=lambda net: torch.optim.SGD([net.layers.output.weight], lr=0.1)),
        UserWarning,
        "optimizer",
    ),
    "fit optimizer class": (train(optimizer=lambda net: torch.optim.SGD), TypeError, "optimizer"),
    "fit loss class": (train(loss_fn=nn.BCEWithLogitsLoss), TypeError, "loss_fn"),
    "fit loss module sum": (
        train(loss_fn=nn.BCEWithLogitsLoss(reduction="sum")),
        ValueError,
        "loss_fn",
    ),
    "fit loss partial sum": (
        train(loss_fn=functools.partial(F.binary_cross_entropy_with_logits, reduction="sum")),
        ValueError,
        "loss_fn",
    ),
    "fit loss per row": (
        train(loss_fn=lambda logits, y: (logits - y) ** 2),
        ValueError,
        "loss_fn(logits, y)",
    ),
    "fit cross_entropy one logit": (train(loss_fn=F.cross_entropy), ValueError, "loss_fn"),
    "fit wrapped BCE labels 1 2": (
        train(
            {"train": (X, y + 1)},
            loss_fn=lambda logits, y: F.binary_cross_entropy_with_logits(logits, y),
        ),
        UserWarning,
        "loss_fn",
    ),
    "fit partial BCE labels 1 2": (
        train(
            {"train": (X, y + 1)},
            loss_fn=functools.partial(F.binary_cross_entropy_with_logits, pos_weight=None),
        ),
        ValueError,
        "data['train'] y",
    ),
    "fit callbacks function": (train(callbacks=print), TypeError, "callbacks"),
    "fit callbacks None": (train(callbacks=[None]), TypeError, "callbacks[0]"),
    "fit float batch_size": (train(batch_size=2.5), TypeError, "batch_size"),
    "fit batch_size 0": (train(batch_size=0), ValueError, "batch_size"),
    "fit batch_size > N": (train(batch_size=10_000), ValueError, "batch_size"),
    "fit num_epochs 0": (train(num_epochs=0), ValueError, "num_epochs"),
    "fit seed -1": (train(seed=-1), ValueError, "seed"),
    "fit NaN min_delta": (train(min_delta=NAN), ValueError, "min_delta"),
    "fit valid_batch_size 0": (train(valid_batch_size=0), ValueError, "valid_batch_size"),
    "fit float patience": (train(patience=2.5), TypeError, "patience"),
    "fit patience 0": (
        train({"train": (X, y), "valid": (X, y)}, patience=0),
        ValueError,
        "patience",
    ),
    "fit patience no valid": (train(patience=3), ValueError, "patience"),
    "fit device name": (train(device="gpu"), TypeError, "device"),
    "fit absent device": (train(device=absent_device()), ValueError, "device"),
    # ------------------------------------------------------------ metrics
    "predict_proba width": (
        lambda: metrics.predict_proba(models.MLP(3, [4]), X),
        ValueError,
        "X",
    ),
    "predict_proba two outputs": (
        lambda: metrics.predict_proba(nn.Linear(2, 2), X),
        ValueError,
        "model(X)",
    ),
    "predict_proba float batch": (
        lambda: metrics.predict_proba(models.MLP(2, [4]), X, batch_size=0.5),
        TypeError,
        "batch_size",
    ),
    "evaluate labels 1 2": (
        lambda: metrics.evaluate(models.MLP(2, [4]), X, y + 1),
        ValueError,
        "y",
    ),
    "evaluate empty": (lambda: metrics.evaluate(models.MLP(2, [4]), X[:0], y[:0]), ValueError, "X"),
    "evaluate short y": (lambda: metrics.evaluate(models.MLP(2, [4]), X, y[:-1]), ValueError, "y"),
    "evaluate NaN X": (
        lambda: metrics.evaluate(models.MLP(2, [4]), with_nan(X), y),
        ValueError,
        "X",
    ),
    "binary_metrics logits": (lambda: metrics.binary_metrics(y, X[:, 0]), ValueError, "prob"),
    "binary_metrics one class": (
        lambda: metrics.binary_metrics(np.ones(4), np.full(4, 0.5)),
        ValueError,
        "y_true",
    ),
    "binary_metrics lengths": (
        lambda: metrics.binary_metrics(np.array([0, 1, 1]), np.full(4, 0.5)),
        ValueError,
        "y_true",
    ),
    "binary_metrics threshold": (
        lambda: metrics.binary_metrics(y, np.full(len(y), 0.5), threshold=50),
        ValueError,
        "threshold",
    ),
    # ------------------------------------------------------------ weight initialization
    "initialize model": (
        lambda: weight_init.initialize("model", lambda shape, generator: None, generator=GEN),
        TypeError,
        "model",
    ),
    "initialize torch.nn.init": (
        lambda: weight_init.initialize(models.MLP(2, [4]), nn.init.kaiming_normal_, generator=GEN),
        TypeError,
        "init",
    ),
    "initialize no generator": (
        lambda: weight_init.initialize(
            models.MLP(2, [4]), lambda shape: torch.zeros(shape), generator=GEN
        ),
        TypeError,
        "init",
    ),
    "initialize scalar": (
        lambda: weight_init.initialize(
            models.MLP(2, [4]), lambda shape, generator: torch.tensor(0.1), generator=GEN
        ),
        ValueError,
        "init((4, 2))",
    ),
    "initialize transposed": (
        lambda: weight_init.initialize(
            models.MLP(2, [4]), lambda shape, generator: torch.zeros(shape[::-1]), generator=GEN
        ),
        ValueError,
        "init((4, 2))",
    ),
    "initialize numpy generator": (
        lambda: weight_init.initialize(
            models.MLP(2, [4]),
            lambda shape, generator: torch.zeros(shape),
            generator=np.random.default_rng(0),
        ),
        TypeError,
        "generator",
    ),
    # ------------------------------------------------------------ display
    "show axes": (lambda: display.show(ax(), "loss", "."), TypeError, "fig"),
    "show lines": (lambda: display.show(ax().plot([1, 2]), "loss", "."), TypeError, "fig"),
    "show name with slash": (
        lambda: display.show(ax().figure, "loss/train", "."),
        ValueError,
        "name",
    ),
    "loss curves list": (lambda: display.plot_loss_curves([0.5, 0.4]), TypeError, "curves"),
    "loss curves negative": (
        lambda: display.plot_loss_curves({"train": [0.5, -0.1]}),
        ValueError,
        "curves['train']",
    ),
    "loss curves empty": (
        lambda: display.plot_loss_curves({"train": []}),
        ValueError,
        "curves['train']",
    ),
    "curves length": (
        lambda: display.plot_curves([1, 2, 3], {"a": [1, 2]}, xlabel="x", ylabel="y"),
        ValueError,
        "curves['a']",
    ),
    "table columns string": (
        lambda: display.format_table({"fit": [1.0, 2.0]}, "ab"),
        TypeError,
        "columns",
    ),
    "table row number": (
        lambda: display.format_table({"fit": 1.0}, ["a"]),
        TypeError,
        "rows['fit']",
    ),
    "table cell string": (
        lambda: display.format_table({"fit": ["1.0"]}, ["a"]),
        TypeError,
        "rows['fit'][0]",
    ),
    "table digits": (
        lambda: display.format_table({"fit": [1.0]}, ["a"], digits=-1),
        ValueError,
        "digits",
    ),
    # ------------------------------------------------------------ decision boundary
    "grid NaN lim": (lambda: display.probability_grid(models.MLP(2, [4]), NAN), ValueError, "lim"),
    "grid one step": (
        lambda: display.probability_grid(models.MLP(2, [4]), 5.0, steps=1),
        ValueError,
        "steps",
    ),
    "plot_spiral labels": (lambda: display.plot_spiral(X, y + 1, lim=5), ValueError, "y"),
    "plot_spiral width": (lambda: display.plot_spiral(X[:, :1], y, lim=5), ValueError, "X"),
    "decision_boundary short y": (
        lambda: display.decision_boundary(models.MLP(2, [4]), X, y[:10], lim=5),
        ValueError,
        "y",
    ),
    "boundary grid shape": (
        lambda: display.plot_decision_boundary(
            np.zeros(3), np.zeros(3), np.zeros((2, 3)), X, y, np.zeros(len(y))
        ),
        ValueError,
        "P",
    ),
    "boundary prob length": (
        lambda: display.plot_decision_boundary(
            np.zeros(3), np.zeros(3), np.zeros((3, 3)), X, y, np.zeros(5)
        ),
        ValueError,
        "prob",
    ),
    # ------------------------------------------------------------ linear regression
    "least_squares short y": (
        lambda: linreg.least_squares(np.zeros((5, 3)), np.zeros(4)),
        ValueError,
        "y",
    ),
    "least_squares NaN X": (
        lambda: linreg.least_squares(np.full((5, 3), NAN), np.zeros(5)),
        ValueError,
        "X",
    ),
    "standardize 1-D": (lambda: linreg.standardize(np.zeros(5)), ValueError, "X"),
    "standardize constant": (lambda: linreg.standardize(np.ones((5, 2))), ValueError, "X"),
    "to_original_units length": (
        lambda: linreg.to_original_units([1.0, 2.0], np.zeros(3), np.ones(3)),
        ValueError,
        "params",
    ),
    "relative_change NaN": (
        lambda: linreg.relative_change(1.0, NAN),
        FloatingPointError,
        "current",
    ),
}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize(("call", "error", "name"), CASES.values(), ids=CASES.keys())
def test_bad_input_is_refused_naming_the_argument(call, error, name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # bad input writes nothing
    with warnings.catch_warnings():
        if issubclass(error, Warning):
            warnings.simplefilter("error", error)  # the warning stops fit before training
        with pytest.raises(error) as raised:
            call()
    message = str(raised.value)
    assert message.startswith(name + " "), message
    if not issubclass(error, Warning):
        assert message.startswith(f"{name} must be ") and ", got " in message, message
    assert list(tmp_path.iterdir()) == []


def test_numerical_gradient_restores_x_when_f_fails():
    x = np.array([1.0, 2.0])

    def f():
        if x[0] != 1.0:
            raise ZeroDivisionError("the student's loss failed")
        return 0.0

    with pytest.raises(ZeroDivisionError):
        gradcheck.numerical_gradient(f, x)
    assert x.tolist() == [1.0, 2.0]

"""Bad input to the library a student calls: an error naming the value and what is allowed.

Each case calls one public function with one mistake and checks the exception type and that
the message names the argument, the bad value and what is allowed. Never silent nonsense (NaN
data, a negative loss), never a bare error from deep inside numpy or torch.
"""

import re

import numpy as np
import pytest
import torch
from torch import nn

from dllab import boundary, data, display, gradcheck, linreg, metrics, models, weight_init
from dllab.train import fit

NAN = float("nan")


def raises(error, *fragments):
    """pytest.raises that also checks that every fragment appears in the message, in order."""
    return pytest.raises(error, match=".*".join(re.escape(f) for f in fragments))


@pytest.fixture(scope="module")
def spiral_data():
    X, y = data.spiral(60, seed=1)
    return X, y


# ---------------------------------------------------------------- data sets


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (
            lambda: data.spiral(2.5, seed=1),
            TypeError,
            ["n_per_class must be a positive int", "got 2.5"],
        ),
        (
            lambda: data.spiral(0, seed=1),
            ValueError,
            ["n_per_class must be a positive int", "got 0"],
        ),
        (
            lambda: data.spiral(10, noise=NAN, seed=1),
            ValueError,
            ["noise must be a finite number ≥ 0", "got nan"],
        ),
        (
            lambda: data.spiral(10, n_loops=-1, seed=1),
            ValueError,
            ["n_loops must be a finite number > 0", "got -1"],
        ),
        (
            lambda: data.spiral(10, seed=1.5),
            TypeError,
            ["seed must be an int in [0, 2**32)", "got 1.5"],
        ),
        (
            lambda: data.linear_data(10, noise=NAN, seed=1),
            ValueError,
            ["noise must be a finite number ≥ 0", "got nan"],
        ),
        (
            lambda: data.linear_data(10.0, seed=1),
            TypeError,
            ["n must be a positive int", "got 10.0"],
        ),
        (
            lambda: data.linear_data(10, coef=(1, 2, NAN, 4), seed=1),
            ValueError,
            ["coef c must be a finite number", "got nan"],
        ),
        (
            lambda: data.binary_points(True, seed=1),
            TypeError,
            ["n must be a positive int", "got True"],
        ),
    ],
)
def test_data_generators_reject_bad_sizes_and_nan(call, error, fragments):
    with raises(error, *fragments):
        call()


def test_split_refuses_fractions_and_says_how_to_ask_for_them(spiral_data):
    X, y = spiral_data
    with raises(
        TypeError,
        "n_test must be a number of points, a positive int, got 0.2",
        "round(0.2 * len(X))",
    ):
        data.split(X, y, n_test=0.2, n_valid=0.2, seed=1)
    with raises(TypeError, "n_valid must be a number of points, a positive int, got 0.5"):
        data.split(X, y, n_test=10, n_valid=0.5, seed=1)
    with raises(ValueError, "n_test + n_valid = 120 leaves no training data out of 120 points"):
        data.split(X, y, n_test=60, n_valid=60, seed=1)


def test_split_and_radius_split_check_their_arrays(spiral_data):
    X, y = spiral_data
    with raises(
        ValueError, "y must be one label per row of X (120 rows)", "got an array of shape (119,)"
    ):
        data.split(X, y[:-1], n_test=10, n_valid=10, seed=1)
    X_nan = X.copy()
    X_nan[[3, 7]] = NAN
    with raises(ValueError, "X must be finite numbers (no NaN or inf)", "NaN/inf in rows 3, 7"):
        data.split(X_nan, y, n_test=10, n_valid=10, seed=1)
    with raises(ValueError, "r_max must be a finite number > 0, got nan"):
        data.radius_split(X, y, NAN)
    with raises(ValueError, "X must be an array of shape (N, 2), got an array of shape (120, 3)"):
        data.radius_split(np.zeros((120, 3)), y, 1.0)


# ---------------------------------------------------------------- models


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (
            lambda: models.MLP(2, 10),
            TypeError,
            ["hidden must be a list of hidden-layer sizes", "[10]", "got 10"],
        ),
        (
            lambda: models.MLP(2, [10.5]),
            TypeError,
            ["hidden[0] must be a positive int", "got 10.5"],
        ),
        (lambda: models.MLP(2, [8, 0]), ValueError, ["hidden[1] must be a positive int", "got 0"]),
        (lambda: models.MLP(2.0, [4]), TypeError, ["n_features must be a positive int", "got 2.0"]),
        (lambda: models.Features(3), TypeError, ["fn must be a function of a tensor", "got 3"]),
    ],
)
def test_models_reject_bad_sizes(call, error, fragments):
    with raises(error, *fragments):
        call()


# ---------------------------------------------------------------- training


def one_hot(y):
    return np.eye(2, dtype=np.float32)[y.astype(int)]


def with_nan(X):
    X = X.copy()
    X[5, 1] = NAN
    X[9] = np.inf
    return X


@pytest.mark.parametrize(
    ("make_data", "error", "fragments"),
    [
        (
            lambda X, y: {"train": (X, y + 1)},
            ValueError,
            ["data['train'] y must be class labels 0 and 1", "the values {1, 2}", "subtract 1"],
        ),
        (
            lambda X, y: {"train": (X, 2 * y - 1)},
            ValueError,
            ["data['train'] y must be class labels 0 and 1", "the values {-1, 1}"],
        ),
        (
            lambda X, y: {"train": (X, one_hot(y))},
            ValueError,
            [
                "data['train'] y must be class labels 0 and 1 of shape (N,) or (N, 1)",
                "got an array of shape (120, 2)",
                "y[:, 1]",
            ],
        ),
        (
            lambda X, y: {"train": (X, y), "valid": (X[:10], y[:10] + 1)},
            ValueError,
            ["data['valid'] y must be class labels 0 and 1", "{1, 2}"],
        ),
        (
            lambda X, y: {"train": (with_nan(X), y)},
            ValueError,
            ["data['train'] X must be finite numbers (no NaN or inf)", "NaN/inf in rows 5, 9"],
        ),
        (
            lambda X, y: (X, y),
            TypeError,
            [
                "data must be a dict {'train': (X, y), 'valid': (X, y)}",
                "got a tuple (an array of shape (120, 2)",
            ],
        ),
        (
            lambda X, y: {"train": X},
            TypeError,
            ["data['train'] must be a pair (X, y)", "got an array of shape (120, 2)"],
        ),
        (
            lambda X, y: {"train": (X, y), "validation": (X, y)},
            ValueError,
            [
                "data must be a dict with the keys 'train', 'valid' (optional)",
                "got the keys ['train', 'validation']",
            ],
        ),
        (
            lambda X, y: {"train": (X[:, :1], y)},
            ValueError,
            ["data['train'] X must be rows the model can take", "shape (120, 1)", "mat1 and mat2"],
        ),
    ],
)
def test_fit_refuses_bad_data_before_training(spiral_data, make_data, error, fragments):
    X, y = spiral_data
    model = models.MLP(2, [4])
    before = [p.clone() for p in model.parameters()]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with raises(error, *fragments):
        fit(model, make_data(X, y), optimizer=optimizer, num_epochs=1, batch_size=10, device="cpu")
    assert all(torch.equal(p, q) for p, q in zip(before, model.parameters(), strict=True))


@pytest.mark.parametrize(
    ("change", "error", "fragments"),
    [
        (
            {"optimizer": torch.optim.SGD(models.MLP(2, [4]).parameters(), lr=0.1)},
            ValueError,
            [
                "optimizer must be an optimizer of this model's parameters",
                "got an optimizer of 4 other tensors",
                "another model",
            ],
        ),
        (
            {"optimizer": torch.optim.SGD},
            TypeError,
            ["optimizer must be a torch optimizer", "got the class SGD"],
        ),
        (
            {"loss_fn": nn.BCEWithLogitsLoss},
            TypeError,
            [
                "loss_fn must be a loss function",
                "got the class BCEWithLogitsLoss",
                "BCEWithLogitsLoss()",
            ],
        ),
        (
            {"loss_fn": nn.BCEWithLogitsLoss(reduction="sum")},
            ValueError,
            [
                "loss_fn must be a loss with reduction='mean'",
                "got BCEWithLogitsLoss(reduction='sum')",
            ],
        ),
        (
            {"loss_fn": lambda logits, y: (logits - y) ** 2},
            ValueError,
            ["loss_fn(logits, y) must be one number", "got a tensor of shape (2, 1)"],
        ),
        (
            {"callbacks": print},
            TypeError,
            [
                "callbacks must be a list of functions f(epoch, model, history)",
                "callbacks=[logger]",
            ],
        ),
        (
            {"callbacks": [None]},
            TypeError,
            ["callbacks[0] must be a function f(epoch, model, history)", "got None"],
        ),
        ({"seed": -1}, ValueError, ["seed must be an int in [0, 2**32)", "got -1"]),
        ({"min_delta": NAN}, ValueError, ["min_delta must be a finite number ≥ 0", "got nan"]),
        ({"valid_batch_size": 0}, ValueError, ["valid_batch_size must be a positive int", "got 0"]),
        ({"patience": 2.5}, TypeError, ["patience must be a positive int", "got 2.5"]),
        ({"device": "gpu"}, TypeError, ["device must be a torch device or its name", "got 'gpu'"]),
    ],
)
def test_fit_refuses_bad_arguments(spiral_data, change, error, fragments):
    X, y = spiral_data
    model = models.MLP(2, [4])
    options = {"optimizer": torch.optim.SGD(model.parameters(), lr=0.1), "device": "cpu"} | change
    with raises(error, *fragments):
        fit(model, {"train": (X, y)}, num_epochs=1, batch_size=10, **options)


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (
            lambda X, y: fit(
                models.MLP, {"train": (X, y)}, optimizer=None, num_epochs=1, batch_size=10
            ),
            TypeError,
            ["model must be a torch model (nn.Module)", "got the class MLP", "MLP(...)"],
        ),
        (
            lambda X, y: metrics.predict_proba(models.MLP(3, [4]), X),
            ValueError,
            [
                "X must be rows the model can take",
                "got an array of shape (120, 2)",
                "mat1 and mat2",
            ],
        ),
        (
            lambda X, y: weight_init.initialize("model", torch.zeros, generator=GEN),
            TypeError,
            ["model must be a torch model (nn.Module)", "got 'model'"],
        ),
    ],
)
def test_functions_of_a_model_say_what_a_model_is(spiral_data, call, error, fragments):
    with raises(error, *fragments):
        call(*spiral_data)


def test_fit_refuses_a_model_with_two_outputs(spiral_data):
    X, y = spiral_data
    model = nn.Linear(2, 2)
    with raises(
        ValueError,
        "model(X) must be one logit per row, a tensor of shape (N, 1)",
        "got a tensor of shape (2, 2)",
    ):
        fit(
            model,
            {"train": (X, y)},
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
            num_epochs=1,
            batch_size=10,
            device="cpu",
        )


def test_fit_takes_a_loss_module_as_the_functional_loss(spiral_data):
    """nn.BCEWithLogitsLoss() (PyTorch tutorials' style) trains exactly like the default."""
    X, y = spiral_data
    histories = []
    for loss_fn in (nn.functional.binary_cross_entropy_with_logits, nn.BCEWithLogitsLoss()):
        torch.manual_seed(0)
        model = models.MLP(2, [8])
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
        histories.append(
            fit(
                model,
                {"train": (X, y), "valid": (X, y)},
                optimizer=optimizer,
                loss_fn=loss_fn,
                num_epochs=3,
                batch_size=20,
                device="cpu",
                progress=False,
            )
        )
    assert histories[0].train_loss == histories[1].train_loss
    assert histories[0].valid_loss == pytest.approx(histories[1].valid_loss, rel=1e-6)


# ---------------------------------------------------------------- metrics


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (
            lambda m, X, y: metrics.evaluate(m, X, y + 1),
            ValueError,
            ["y must be class labels 0 and 1", "the values {1, 2}"],
        ),
        (
            lambda m, X, y: metrics.evaluate(m, X[:0], y[:0]),
            ValueError,
            [
                "X must be an array of shape (N, D) with at least one row",
                "got an array of shape (0, 2)",
            ],
        ),
        (
            lambda m, X, y: metrics.evaluate(m, X, y[:-1]),
            ValueError,
            ["y must be one label per row of X (120 rows)", "got an array of shape (119,)"],
        ),
        (
            lambda m, X, y: metrics.evaluate(m, with_nan(X), y),
            ValueError,
            ["X must be finite numbers", "rows 5, 9"],
        ),
        (
            lambda m, X, y: metrics.predict_proba(nn.Linear(2, 2), X),
            ValueError,
            [
                "model(X) must be one logit per row",
                "got a tensor of shape (2, 2)",
                "for the first 2 rows of X",
            ],
        ),
        (
            lambda m, X, y: metrics.predict_proba(m, X, batch_size=0.5),
            TypeError,
            ["batch_size must be a positive int", "got 0.5"],
        ),
        (
            lambda m, X, y: metrics.binary_metrics(y, X[:, 0]),
            ValueError,
            ["prob must be probabilities in [0, 1]", "logits? apply torch.sigmoid"],
        ),
        (
            lambda m, X, y: metrics.binary_metrics(np.ones(4), np.full(4, 0.5)),
            ValueError,
            ["y_true must be labels of both classes, 0 and 1", "got only class 1 in 4 labels"],
        ),
        (
            lambda m, X, y: metrics.binary_metrics(y, np.full(len(y), 0.5), threshold=50),
            ValueError,
            ["threshold must be a number between 0 and 1", "got 50"],
        ),
    ],
)
def test_metrics_refuse_bad_labels_and_data(spiral_data, call, error, fragments):
    X, y = spiral_data
    with raises(error, *fragments):
        call(models.MLP(2, [4]), X, y)


# ---------------------------------------------------------------- weight initialization

GEN = torch.Generator().manual_seed(0)


@pytest.mark.parametrize(
    ("init", "error", "fragments"),
    [
        (
            nn.init.kaiming_normal_,
            TypeError,
            [
                "init must be a function init(shape, generator=…) that returns a new weight",
                "got the function torch.nn.init.kaiming_normal_",
                "fill an existing tensor in place",
            ],
        ),
        (
            lambda shape: torch.zeros(shape),
            TypeError,
            [
                "init must be a function init(shape, generator=…)",
                "unexpected keyword argument 'generator'",
            ],
        ),
        (
            lambda shape, generator: torch.tensor(0.1),
            ValueError,
            ["init((4, 2)) must be a finite tensor of shape (4, 2)", "got a tensor of shape ()"],
        ),
        (
            lambda shape, generator: torch.zeros(shape[::-1]),
            ValueError,
            [
                "init((4, 2)) must be a finite tensor of shape (4, 2)",
                "got a tensor of shape (2, 4)",
            ],
        ),
        (
            # NaN only in the last layer: the layers before it are not changed either
            lambda shape, generator: torch.full(shape, NAN if shape == (1, 4) else 0.5),
            ValueError,
            ["init((1, 4)) must be a finite tensor of shape (1, 4)"],
        ),
    ],
)
def test_initialize_explains_what_init_must_be(init, error, fragments):
    model = models.MLP(2, [4])
    before = [p.clone() for p in model.parameters()]
    with raises(error, *fragments):
        weight_init.initialize(model, init, generator=torch.Generator().manual_seed(0))
    assert all(torch.equal(p, q) for p, q in zip(before, model.parameters(), strict=True))


# ---------------------------------------------------------------- display


@pytest.fixture
def figure():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    yield fig, ax
    plt.close(fig)


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (
            lambda fig, ax, d: display.show(ax, "loss", d),
            TypeError,
            ["fig must be a matplotlib Figure", "got <Axes", "pass ax.figure"],
        ),
        (
            lambda fig, ax, d: display.show(ax.plot([1, 2]), "loss", d),
            TypeError,
            ["fig must be a matplotlib Figure", "got [<matplotlib.lines.Line2D"],
        ),
        (
            lambda fig, ax, d: display.show(fig, "loss/train", d),
            ValueError,
            ["name must be a file name of letters, digits", "got 'loss/train'"],
        ),
        (
            lambda fig, ax, d: display.plot_loss_curves([0.5, 0.4]),
            TypeError,
            ["curves must be a dict {label: values}", "history.train_loss", "got [0.5, 0.4]"],
        ),
        (
            lambda fig, ax, d: display.plot_loss_curves({"train": [0.5, -0.1]}),
            ValueError,
            ["curves['train'] must be positive numbers on a log axis", "logy=False"],
        ),
        (
            lambda fig, ax, d: display.plot_loss_curves({"train": []}),
            ValueError,
            ["curves['train'] must be an array of shape (N,) with at least one row"],
        ),
        (
            lambda fig, ax, d: display.plot_curves(
                [1, 2, 3], {"a": [1, 2]}, xlabel="x", ylabel="y"
            ),
            ValueError,
            ["curves['a'] must be 3 values, one per x", "got [1, 2]"],
        ),
        (
            lambda fig, ax, d: display.format_table({"fit": [1.0, 2.0]}, "ab"),
            TypeError,
            ["columns must be a list of column names", "got 'ab'"],
        ),
        (
            lambda fig, ax, d: display.format_table({"fit": 1.0}, ["a"]),
            TypeError,
            ["rows['fit'] must be a list of numbers, one per column", "got 1.0"],
        ),
        (
            lambda fig, ax, d: display.format_table({"fit": ["1.0"]}, ["a"]),
            TypeError,
            ["rows['fit'][0] must be a number, or None for an empty cell", "got '1.0'"],
        ),
        (
            lambda fig, ax, d: display.format_table({"fit": [1.0]}, ["a"], digits=-1),
            ValueError,
            ["digits must be an int ≥ 0", "got -1"],
        ),
    ],
)
def test_display_refuses_what_it_cannot_draw_or_save(figure, tmp_path, call, error, fragments):
    fig, ax = figure
    with raises(error, *fragments):
        call(fig, ax, tmp_path)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- decision boundary, TensorBoard


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (
            lambda m, X, y: boundary.probability_grid(m, NAN),
            ValueError,
            ["lim must be a finite number > 0", "got nan"],
        ),
        (
            lambda m, X, y: boundary.probability_grid(m, 5.0, steps=1),
            ValueError,
            ["steps must be an int ≥ 2", "got 1"],
        ),
        (
            lambda m, X, y: boundary.plot_spiral(X, y + 1, lim=5),
            ValueError,
            ["y must be class labels 0 and 1", "{1, 2}"],
        ),
        (
            lambda m, X, y: boundary.plot_spiral(X[:, :1], y, lim=5),
            ValueError,
            ["X must be an array of shape (N, 2)", "got an array of shape (120, 1)"],
        ),
        (
            lambda m, X, y: boundary.decision_boundary(m, X, y[:10], lim=5),
            ValueError,
            ["y must be one label per row of X (120 rows)", "got an array of shape (10,)"],
        ),
        (
            lambda m, X, y: boundary.plot_decision_boundary(
                np.zeros(3), np.zeros(3), np.zeros((2, 3)), X, y, np.zeros(len(y))
            ),
            ValueError,
            [
                "P must be an array of shape (len(ys), len(xs)) = (3, 3)",
                "got an array of shape (2, 3)",
            ],
        ),
        (
            lambda m, X, y: boundary.plot_decision_boundary(
                np.zeros(3), np.zeros(3), np.zeros((3, 3)), X, y, np.zeros(5)
            ),
            ValueError,
            ["prob must be one probability per row of X (120 rows)", "got an array of shape (5,)"],
        ),
    ],
)
def test_boundary_plots_refuse_bad_data(spiral_data, call, error, fragments):
    X, y = spiral_data
    with raises(error, *fragments):
        call(models.MLP(2, [4]), X, y)


# ---------------------------------------------------------------- linear regression, gradient check


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (
            lambda: linreg.least_squares(np.zeros((5, 3)), np.zeros(4)),
            ValueError,
            ["y must be one target per row of X (5 rows)", "got an array of shape (4,)"],
        ),
        (
            lambda: linreg.least_squares(np.full((5, 3), NAN), np.zeros(5)),
            ValueError,
            ["X must be finite numbers (no NaN or inf)", "rows 0, 1, 2, 3, 4"],
        ),
        (
            lambda: linreg.standardize(np.zeros(5)),
            ValueError,
            ["X must be an array of shape (N, D)", "got an array of shape (5,)"],
        ),
        (
            lambda: linreg.to_original_units([1.0, 2.0], np.zeros(3), np.ones(3)),
            ValueError,
            ["params must be [a, w_1, …, w_D]: 4 numbers for 3 columns", "got [1.0, 2.0]"],
        ),
        (
            lambda: linreg.relative_change(1.0, NAN),
            FloatingPointError,
            ["current must be a finite loss", "got nan", "try a smaller learning rate"],
        ),
    ],
)
def test_linreg_and_gradcheck_refuse_bad_input(call, error, fragments):
    with raises(error, *fragments):
        call()


def test_numerical_gradient_restores_x_when_f_fails():
    x = np.array([1.0, 2.0])

    def f():
        if x[0] != 1.0:
            raise ZeroDivisionError("the student's loss failed")
        return 0.0

    with pytest.raises(ZeroDivisionError):
        gradcheck.numerical_gradient(f, x)
    assert x.tolist() == [1.0, 2.0]

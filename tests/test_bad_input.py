"""Bad input to the library a student calls: an error naming the value and what is allowed.

Each case calls one public function with one mistake and checks the exception type and that
the message names the argument, the bad value and what is allowed. Never silent nonsense (NaN
data, a negative loss), never a bare error from deep inside numpy or torch.
"""

import re

import numpy as np
import pytest
import torch

from dllab import data, models, scratch

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
    with raises(ValueError, "X has 120 rows but y has 119", "one label per row"):
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
        (
            lambda: models.polar_features(np.zeros((3, 2))),
            TypeError,
            ["x must be a tensor of shape (N, 2)", "got an array of shape (3, 2)"],
        ),
        (
            lambda: models.polar_features(torch.zeros(3, 4)),
            ValueError,
            ["x must be a tensor of shape (N, 2)", "got a tensor of shape (3, 4)"],
        ),
        (lambda: models.Features(3), TypeError, ["fn must be a function of a tensor", "got 3"]),
    ],
)
def test_models_reject_bad_sizes(call, error, fragments):
    with raises(error, *fragments):
        call()


# ---------------------------------------------------------------- layers from scratch

RNG = np.random.default_rng(0)


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (
            lambda: scratch.Linear(0, 4, rng=RNG),
            ValueError,
            ["n_in must be a positive int", "got 0"],
        ),
        (
            lambda: scratch.Linear(2, 4.0, rng=RNG),
            TypeError,
            ["n_out must be a positive int", "got 4.0"],
        ),
        (
            lambda: scratch.Linear(2, 4, rng=1234),
            TypeError,
            ["rng must be a numpy Generator", "default_rng(seed)", "got 1234"],
        ),
        (
            lambda: scratch.ReLU().backward(np.ones((2, 2))),
            RuntimeError,
            ["ReLU.backward needs a forward call first"],
        ),
        (
            lambda: scratch.Sigmoid().backward(np.ones((2, 2))),
            RuntimeError,
            ["Sigmoid.backward needs a forward call first"],
        ),
        (
            lambda: scratch.ReLU().forward([1.0, -1.0]),
            TypeError,
            ["ReLU.forward: x must be a numpy array", "got [1.0, -1.0]"],
        ),
        (
            lambda: scratch.Linear(3, 2, rng=RNG).forward(torch.zeros(4, 3)),
            TypeError,
            ["x must be a numpy array of shape (N, 3)", "got a tensor of shape (4, 3)"],
        ),
        (
            lambda: scratch.linear_backward(torch.zeros(4, 2), np.zeros((4, 3)), np.zeros((3, 2))),
            TypeError,
            ["linear_backward: dout must be a numpy array of shape (4, 2)", "got a tensor"],
        ),
        (
            lambda: scratch.linear_backward(np.zeros((4, 2)), np.zeros((4, 2)), np.zeros((3, 2))),
            ValueError,
            [
                "linear_backward: x must be a numpy array of shape (N, 3)",
                "got an array of shape (4, 2)",
            ],
        ),
        (
            lambda: scratch.relu_backward(np.zeros(3), np.zeros((3, 1))),
            ValueError,
            [
                "relu_backward: dout must be a numpy array of shape (3, 1)",
                "got an array of shape (3,)",
            ],
        ),
        (
            lambda: scratch.bce(np.full((3, 1), 1.5), np.zeros((3, 1))),
            ValueError,
            ["bce: p must be probabilities in [0, 1]", "1.5"],
        ),
        (
            lambda: scratch.bce(np.full((3, 1), 0.5), np.full((3, 1), 2.0)),
            ValueError,
            ["bce: y must be class labels 0 and 1", "the values {2}"],
        ),
        (
            lambda: scratch.bce_backward(np.full((3, 1), NAN), np.zeros((3, 1))),
            ValueError,
            ["bce_backward: p must be probabilities in [0, 1]", "nan"],
        ),
    ],
)
def test_scratch_layers_reject_bad_input(call, error, fragments):
    with raises(error, *fragments):
        call()

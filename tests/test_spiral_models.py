import numpy as np
import torch
from torch import nn

from dllab.data import radius_split, spiral, split
from dllab.models import MLP, Features, polar_features


def test_spiral_shapes_balance_and_determinism():
    X, y = spiral(500, seed=1234)
    assert X.shape == (1000, 2) and y.shape == (1000,)
    assert X.dtype == np.float32 and (y == 1).sum() == 500
    X2, y2 = spiral(500, seed=1234)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.array_equal(X, spiral(500, seed=1)[0])
    # class 1 is the mirror image of class 0
    np.testing.assert_allclose(np.sort(X[y == 1], axis=0), np.sort(-X[y == 0], axis=0))
    assert np.linalg.norm(X, axis=1).max() < 3.5 * 2 * np.pi + 1


def test_split_sizes_and_seed():
    X, y = spiral(1000, seed=0)
    parts = split(X, y, n_test=300, n_valid=200, seed=5)
    assert [len(parts[k][0]) for k in ("train", "valid", "test")] == [1500, 200, 300]
    again = split(X, y, n_test=300, n_valid=200, seed=5)
    assert np.array_equal(parts["test"][0], again["test"][0])
    assert np.array_equal(
        split(X, y, n_test=np.int64(300), n_valid=np.int64(200), seed=np.int64(5))["test"][0],
        parts["test"][0],
    )
    assert len(split(X, y, n_test=1000, n_valid=999, seed=0)["train"][0]) == 1  # all but one


def test_radius_split():
    X, y = spiral(1000, seed=0)
    parts = radius_split(X, y, 16.1)
    r_in = np.linalg.norm(parts["inside"][0], axis=1)
    r_out = np.linalg.norm(parts["outside"][0], axis=1)
    assert r_in.max() <= 16.1 < r_out.min()
    assert len(r_in) + len(r_out) == len(X)


def linear_sizes(model):
    return [(m.in_features, m.out_features) for m in model.modules() if isinstance(m, nn.Linear)]


def test_mlp_structure():
    assert linear_sizes(MLP(2, [])) == [(2, 1)]
    deep_linear = MLP(2, [12, 6], activation=None)
    assert linear_sizes(deep_linear) == [(2, 12), (12, 6), (6, 1)]
    assert all(isinstance(m, nn.Linear) for m in deep_linear.layers)
    config = MLP(2, [20, 15, 10, 5])
    assert linear_sizes(config) == [(2, 20), (20, 15), (15, 10), (10, 5), (5, 1)]
    kinds = [type(m).__name__ for m in config.layers]
    assert kinds == ["Linear", "ReLU"] * 4 + ["Linear"]  # logits out: no final activation
    assert config(torch.zeros(7, 2)).shape == (7, 1)


def test_mlp_takes_every_activation_and_numpy_sizes():
    for name in ("relu", "tanh", "leaky_relu", "sigmoid"):
        assert linear_sizes(MLP(2, [3], activation=name)) == [(2, 3), (3, 1)]
    assert linear_sizes(MLP(np.int64(2), (np.int64(5),))) == [(2, 5), (5, 1)]


def test_polar_features_are_periodic_in_radius():
    angle = torch.tensor([0.3])
    r = torch.tensor([5.0])
    point = torch.stack([r * angle.cos(), r * angle.sin()], dim=1)
    further = point * (r + 2 * torch.pi) / r  # same angle, one full period further out
    features = Features(polar_features)
    assert features(point).shape == (1, 4)
    torch.testing.assert_close(features(point), features(further), atol=1e-5, rtol=0)


def test_mlp_layers_have_names_and_compute_what_a_plain_stack_computes():
    torch.manual_seed(0)
    mlp = MLP(2, [20, 15], activation="relu")
    assert list(dict(mlp.layers.named_children())) == [
        "hidden1",
        "relu1",
        "hidden2",
        "relu2",
        "output",
    ]
    assert [name for name, _ in mlp.named_parameters()][:2] == [
        "layers.hidden1.weight",
        "layers.hidden1.bias",
    ]
    assert list(dict(MLP(2, [12, 6], activation=None).layers.named_children())) == [
        "hidden1",
        "hidden2",
        "output",
    ]
    assert list(dict(MLP(2, []).layers.named_children())) == ["output"]
    # the same seed draws the same weights as an unnamed Sequential of the same layers
    torch.manual_seed(0)
    plain = nn.Sequential(
        nn.Linear(2, 20), nn.ReLU(), nn.Linear(20, 15), nn.ReLU(), nn.Linear(15, 1)
    )
    x = torch.randn(9, 2)
    torch.testing.assert_close(mlp(x), plain(x), rtol=0, atol=0)

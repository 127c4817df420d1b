"""Scratch layers against torch autograd and against centred finite differences."""

import numpy as np
import pytest
import torch

from dllab.gradcheck import numerical_gradient, relative_error
from dllab.scratch import Linear, ReLU, Sigmoid, bce, bce_backward


def make(kind, rng):
    """A scratch layer, the torch function it stands for, and its parameters by name."""
    if kind == "linear":
        layer = Linear(3, 5, rng=rng)
        layer.b = rng.normal(size=5)  # non-zero, so db is tested for real
        return layer, lambda x, W, b: x @ W + b, {"W": layer.W, "b": layer.b}
    if kind == "relu":
        return ReLU(), torch.relu, {}
    return Sigmoid(), torch.sigmoid, {}


@pytest.mark.parametrize("kind", ["linear", "relu", "sigmoid"])
@pytest.mark.parametrize("batch", [1, 4, 17])
def test_backward_matches_autograd(kind, batch):
    rng = np.random.default_rng(batch)
    layer, torch_fn, params = make(kind, rng)
    x = rng.normal(size=(batch, 3))
    out = layer.forward(x)
    dout = rng.normal(size=out.shape)
    dx = layer.backward(dout)

    x_t = torch.tensor(x, requires_grad=True)
    p_t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    out_t = torch_fn(x_t, *p_t.values())
    out_t.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, x_t.grad.numpy(), rtol=1e-10, atol=1e-12)
    for name, tensor in p_t.items():
        np.testing.assert_allclose(getattr(layer, "d" + name), tensor.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("kind", ["linear", "relu", "sigmoid"])
def test_backward_matches_numerical_gradient(kind):
    rng = np.random.default_rng(0)
    layer, _, params = make(kind, rng)
    x = rng.normal(size=(6, 3))
    dout = rng.normal(size=layer.forward(x).shape)

    def loss():  # L = sum(out · dout), so ∂L/∂out = dout
        return float(np.sum(layer.forward(x) * dout))

    layer.forward(x)
    dx = layer.backward(dout)
    assert relative_error(numerical_gradient(loss, x), dx) < 1e-7
    for name, value in params.items():
        assert relative_error(numerical_gradient(loss, value), getattr(layer, "d" + name)) < 1e-7


@pytest.mark.parametrize("kind", ["linear", "relu", "sigmoid"])
def test_backward_leaves_dout_unchanged(kind):
    rng = np.random.default_rng(1)
    layer, _, _ = make(kind, rng)
    out = layer.forward(rng.normal(size=(4, 3)))
    dout = rng.normal(size=out.shape)
    before = dout.copy()
    layer.backward(dout)
    assert np.array_equal(dout, before)


def test_linear_is_he_initialized_from_its_generator():
    layer = Linear(1000, 200, rng=np.random.default_rng(5))
    assert layer.W.std() == pytest.approx(np.sqrt(2 / 1000), rel=0.02)
    assert np.array_equal(layer.b, np.zeros(200))
    assert np.array_equal(layer.W, Linear(1000, 200, rng=np.random.default_rng(5)).W)


def test_bce_and_its_gradient_match_torch():
    rng = np.random.default_rng(2)
    p = rng.uniform(0.05, 0.95, size=(7, 1))
    y = rng.integers(0, 2, size=(7, 1)).astype(float)
    p_t = torch.tensor(p, requires_grad=True)
    loss_t = torch.nn.functional.binary_cross_entropy(p_t, torch.tensor(y))
    loss_t.backward()
    assert bce(p, y) == pytest.approx(loss_t.item(), rel=1e-12)
    np.testing.assert_allclose(bce_backward(p, y), p_t.grad.numpy(), rtol=1e-10)


def test_numerical_gradient_restores_input():
    x = np.array([1.0, 2.0, 3.0])
    grad = numerical_gradient(lambda: float(np.sum(x**2)), x)
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-8)
    assert np.array_equal(x, [1.0, 2.0, 3.0])

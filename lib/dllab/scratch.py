"""Layers from scratch in numpy: each forward caches what its backward needs.

Convention (cs231n): forward(x) returns the output; backward(dout) takes ∂L/∂out and returns
∂L/∂x, storing parameter gradients (dW, db) on the layer. backward never changes dout.
"""

import numpy as np

from dllab import validate


def _check(name: str, array, shape: tuple | None) -> None:
    """Raise an error naming the expected shape (None = any size) unless `array` is a numpy
    array of that shape (of any shape when `shape` is None)."""
    if shape is None:
        if not isinstance(array, np.ndarray):
            validate.fail(name, "a numpy array", validate.describe(array), error=TypeError)
        return
    expected = str(tuple("N" if s is None else s for s in shape)).replace("'", "")
    allowed = f"a numpy array of shape {expected}"
    if not isinstance(array, np.ndarray):
        validate.fail(name, allowed, validate.describe(array), error=TypeError)
    sizes_differ = any(s is not None and s != a for s, a in zip(shape, array.shape, strict=False))
    if array.ndim != len(shape) or sizes_differ:
        validate.fail(name, allowed, validate.describe(array))


def _forward_first(layer: str, cache) -> None:
    if cache is None:
        raise RuntimeError(f"{layer}.backward needs a forward call first (it uses forward's cache)")


class Linear:
    """Dense layer out = x @ W + b.  x: (N, n_in) → out: (N, n_out); W: (n_in, n_out), b: (n_out,).

    He-initialized: W ~ N(0, 2/n_in), b = 0, drawn from the generator `rng`.
    """

    def __init__(self, n_in: int, n_out: int, *, rng: np.random.Generator):
        validate.integer("n_in", n_in)
        validate.integer("n_out", n_out)
        if not isinstance(rng, np.random.Generator):
            allowed = "a numpy Generator, e.g. rng=np.random.default_rng(seed)"
            validate.fail("rng", allowed, validate.describe(rng), error=TypeError)
        self.W = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
        self.b = np.zeros(n_out)
        self.x = self.dW = self.db = None

    def forward(self, x):
        _check("Linear.forward: x", x, (None, self.W.shape[0]))
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        """dout: (N, n_out) → dx: (N, n_in); stores dW: (n_in, n_out) and db: (n_out,)."""
        _forward_first("Linear", self.x)
        _check("Linear.backward: dout", dout, (len(self.x), self.W.shape[1]))
        dx, self.dW, self.db = linear_backward(dout, self.x, self.W)
        return dx


class ReLU:
    """max(0, x), elementwise.  x: any shape → same shape."""

    def __init__(self):
        self.x = None

    def forward(self, x):
        _check("ReLU.forward: x", x, None)
        self.x = x
        return np.maximum(x, 0.0)

    def backward(self, dout):
        _forward_first("ReLU", self.x)
        _check("ReLU.backward: dout", dout, self.x.shape)
        return relu_backward(dout, self.x)


class Sigmoid:
    """1 / (1 + exp(−x)), elementwise.  x: any shape → same shape."""

    def __init__(self):
        self.out = None

    def forward(self, x):
        _check("Sigmoid.forward: x", x, None)
        self.out = 1.0 / (1.0 + np.exp(-x))
        return self.out

    def backward(self, dout):
        _forward_first("Sigmoid", self.out)
        _check("Sigmoid.backward: dout", dout, self.out.shape)
        return dout * self.out * (1.0 - self.out)  # σ' = σ(1 − σ), from the cached output


def linear_backward(dout, x, W):
    """Gradients of out = x @ W + b.  dout: (N, n_out), x: (N, n_in), W: (n_in, n_out).

    Returns dx: (N, n_in), dW: (n_in, n_out), db: (n_out,): each is dout pulled back through
    the product (chain rule), summed over the batch for the parameters.
    """
    _check("linear_backward: W", W, None)
    if W.ndim != 2:
        allowed = "a numpy array of shape (n_in, n_out)"
        validate.fail("linear_backward: W", allowed, validate.describe(W))
    _check("linear_backward: x", x, (None, W.shape[0]))
    _check("linear_backward: dout", dout, (len(x), W.shape[1]))
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def relu_backward(dout, x):
    """Gradient of max(0, x).  dout, x: same shape → dx: same shape (0 where x ≤ 0)."""
    _check("relu_backward: x", x, None)
    _check("relu_backward: dout", dout, x.shape)
    return dout * (x > 0)  # local gradient: 1 where the input was positive, a new array


def bce(p, y) -> float:
    """Binary cross-entropy, mean over the batch.  p, y: (N, 1), p in (0, 1), y in {0, 1}."""
    _check("bce: p", p, (None, 1))
    _check("bce: y", y, p.shape)
    _probabilities("bce: p", p)
    validate.labels("bce: y", y)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def bce_backward(p, y):
    """∂bce/∂p = (p − y) / (p·(1 − p)) / N.  p, y: (N, 1) → (N, 1)."""
    _check("bce_backward: p", p, (None, 1))
    _check("bce_backward: y", y, p.shape)
    _probabilities("bce_backward: p", p)
    validate.labels("bce_backward: y", y)
    return (p - y) / (p * (1 - p)) / len(p)


def _probabilities(name: str, p) -> None:
    outside = ~((p >= 0) & (p <= 1))  # also catches NaN
    if outside.any():
        got = f"{validate.describe(p)} with {p[outside].ravel()[:3]} outside"
        validate.fail(name, "probabilities in [0, 1], e.g. Sigmoid outputs", got)

"""Layers from scratch in numpy: each forward caches what its backward needs.

Convention (cs231n): forward(x) returns the output; backward(dout) takes ∂L/∂out and returns
∂L/∂x, storing parameter gradients (dW, db) on the layer. backward never changes dout. Inputs are
numpy arrays of the shapes in the docstrings; backward needs a forward call first.
"""

import numpy as np


class Linear:
    """Dense layer out = x @ W + b.  x: (N, n_in) → out: (N, n_out); W: (n_in, n_out), b: (n_out,).

    He-initialized: W ~ N(0, 2/n_in), b = 0, drawn from the generator `rng`.
    """

    def __init__(self, n_in: int, n_out: int, *, rng: np.random.Generator):
        self.W = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
        self.b = np.zeros(n_out)
        self.x = self.dW = self.db = None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        """dout: (N, n_out) → dx: (N, n_in); stores dW: (n_in, n_out) and db: (n_out,)."""
        dx, self.dW, self.db = linear_backward(dout, self.x, self.W)
        return dx


class ReLU:
    """max(0, x), elementwise.  x: any shape → same shape."""

    def __init__(self):
        self.x = None

    def forward(self, x):
        self.x = x
        return np.maximum(x, 0.0)

    def backward(self, dout):
        return relu_backward(dout, self.x)


class Sigmoid:
    """1 / (1 + exp(−x)), elementwise.  x: any shape → same shape."""

    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = 1.0 / (1.0 + np.exp(-x))
        return self.out

    def backward(self, dout):
        return dout * self.out * (1.0 - self.out)  # σ' = σ(1 − σ), from the cached output


def linear_backward(dout, x, W):
    """Gradients of out = x @ W + b.  dout: (N, n_out), x: (N, n_in), W: (n_in, n_out).

    Returns dx: (N, n_in), dW: (n_in, n_out), db: (n_out,): each is dout pulled back through
    the product (chain rule), summed over the batch for the parameters.
    """
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def relu_backward(dout, x):
    """Gradient of max(0, x).  dout, x: same shape → dx: same shape (0 where x ≤ 0)."""
    return dout * (x > 0)  # local gradient: 1 where the input was positive, a new array


def bce(p, y) -> float:
    """Binary cross-entropy, mean over the batch.  p, y: (N, 1), p in (0, 1), y in {0, 1}."""
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def bce_backward(p, y):
    """∂bce/∂p = (p − y) / (p·(1 − p)) / N.  p, y: (N, 1) → (N, 1)."""
    return (p - y) / (p * (1 - p)) / len(p)

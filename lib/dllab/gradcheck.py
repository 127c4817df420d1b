"""Numerical gradient check: centred finite differences, to trust an analytic gradient."""

import numpy as np


def numerical_gradient(f, x, *, eps: float = 1e-6):
    """∂f/∂x by centred differences (f(x + ε) − f(x − ε)) / 2ε, one entry at a time.

    f: function of no arguments returning a float that reads `x`; x: float64 array, changed in
    place during the check and restored afterwards. Returns an array of x's shape.
    """
    if x.dtype != np.float64:
        raise ValueError(f"numerical_gradient needs a float64 array for accuracy, got {x.dtype}")
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + eps
        up = f()
        x[i] = original - eps
        down = f()
        x[i] = original
        grad[i] = (up - down) / (2 * eps)
    return grad


def relative_error(a, b) -> float:
    """max |a − b| / max(|a| + |b|): near 1e-8 or below means the gradients agree."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a) + np.abs(b)), 1e-300))

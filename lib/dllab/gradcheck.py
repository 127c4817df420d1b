"""Numerical gradient check: centred finite differences, to trust an analytic gradient."""

import numpy as np


def numerical_gradient(f, x, *, eps: float = 1e-6):
    """∂f/∂x by centred differences (f(x + ε) − f(x − ε)) / 2ε, one entry at a time.

    f: function of no arguments returning a float that reads `x`; x: float64 array (float32 is
    too coarse for differences of ε = 1e-6), changed in place during the check and restored
    afterwards. Returns an array of x's shape.
    """
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        original = x[i]
        try:
            x[i] = original + eps
            up = f()
            x[i] = original - eps
            down = f()
        finally:
            x[i] = original  # restored even when f fails
        grad[i] = (up - down) / (2 * eps)
    return grad


def relative_error(a, b) -> float:
    """max |a − b| / max(|a| + |b|), a and b of the same shape: near 1e-8 or below means the
    gradients agree."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a) + np.abs(b)), 1e-300))

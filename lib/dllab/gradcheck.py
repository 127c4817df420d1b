"""Numerical gradient check: centred finite differences, to trust an analytic gradient."""

import numbers

import numpy as np

from dllab import validate


def numerical_gradient(f, x, *, eps: float = 1e-6):
    """∂f/∂x by centred differences (f(x + ε) − f(x − ε)) / 2ε, one entry at a time.

    f: function of no arguments returning a float that reads `x`; x: float64 array, changed in
    place during the check and restored afterwards. Returns an array of x's shape.
    """
    validate.function("f", f, "a function of no arguments returning the loss, e.g. lambda: loss()")
    if not isinstance(x, np.ndarray):
        validate.fail("x", "a float64 numpy array", validate.describe(x), error=TypeError)
    if x.dtype != np.float64:  # float32 is too coarse for differences of ε = 1e-6
        validate.fail("x", "a float64 numpy array", validate.describe(x))
    validate.number("eps", eps, positive=True)
    loss = f()
    if not isinstance(loss, numbers.Real) and getattr(loss, "size", None) != 1:
        validate.fail("f()", "one number, the loss", validate.describe(loss), error=TypeError)
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
    """max |a − b| / max(|a| + |b|): near 1e-8 or below means the gradients agree."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:  # broadcasting (4,) against (4, 1) would compare every pair
        allowed = f"an array of a's shape {a.shape}"
        validate.fail("b", allowed, validate.describe(b))
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a) + np.abs(b)), 1e-300))

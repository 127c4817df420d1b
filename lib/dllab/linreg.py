"""Linear-regression plumbing for lab 1: the least-squares reference and input standardization."""

import math

import numpy as np

from dllab import validate


def least_squares(X, y):
    """Exact minimizer of ½·mean((a + X·w − y)²).  X: (N, D), y: (N,) → array [a, w_1, …, w_D]."""
    validate.array("X", X)
    validate.targets("y", y, n=len(X))
    A = np.column_stack([np.ones(len(X)), X])
    return np.linalg.lstsq(A, y, rcond=None)[0]


def standardize(X):
    """Centre and scale each column.  X: (N, D) → (Xs, mean, std), mean and std of shape (D,)."""
    validate.array("X", X)
    mean, std = X.mean(axis=0), X.std(axis=0)
    if np.any(std == 0):
        got = f"{validate.describe(X)} with constant columns {np.flatnonzero(std == 0).tolist()}"
        validate.fail("X", "columns that vary (a constant column cannot be scaled)", got)
    return (X - mean) / std, mean, std


def to_original_units(params, mean, std):
    """Coefficients fitted on standardized inputs, in the units of the raw inputs.

    params = [a, w_1, …, w_D] of ŷ = a + Σ w_j·(x_j − mean_j)/std_j → [a', b_1, …, b_D] of
    ŷ = a' + Σ b_j·x_j.
    """
    validate.array("params", params, ndim=1)
    if len(params) != len(mean) + 1:
        allowed = f"[a, w_1, …, w_D]: {len(mean) + 1} numbers for {len(mean)} columns"
        validate.fail("params", allowed, validate.describe(params))
    params = np.asarray(params, dtype=float)
    w = params[1:] / std
    return np.concatenate([[params[0] - w @ mean], w])


def relative_change(previous: float, current: float) -> float:
    """|previous − current| / |current|: the stopping rule's measure of a converged loss."""
    for name, loss in (("previous", previous), ("current", current)):
        if not math.isfinite(loss):
            hint = "the loss diverged: try a smaller learning rate"
            validate.fail(name, "a finite loss", repr(loss), hint=hint, error=FloatingPointError)
    return abs(previous - current) / max(abs(current), 1e-300)

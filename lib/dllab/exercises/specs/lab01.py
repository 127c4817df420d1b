"""Exercises of lab 1 (gradient descent): references, random inputs and the usual mistakes."""

import numpy as np
import torch

from dllab.exercises.records import Exercise, Mistake, is_number, kind

# ---------------------------------------------------------------- references


def gradients(x1, x2, x3, y, a, b, c, d):
    """∂L/∂a, ∂L/∂b, ∂L/∂c, ∂L/∂d of L = ½·mean((a + b·x1 + c·x2 + d·x3 − y)²)."""
    r = a + b * x1 + c * x2 + d * x3 - y  # ∂L/∂ŷ for each point, before the mean
    n = len(r)
    # each mean as a sum over n; mean(r·x1) as the dot product r @ x1 = Σ r·x1, in one call
    return r.sum() / n, r @ x1 / n, r @ x2 / n, r @ x3 / n


def sgd_step(params, grads, lr):
    """One gradient-descent step: new parameters, params − lr·grads (params left unchanged)."""
    return params - lr * np.asarray(grads)


# ---------------------------------------------------------------- inputs and mistakes


def _linear_inputs(rng):
    n = int(rng.integers(20, 60))
    x1, x2, x3 = (rng.normal(m, 1.0, n) for m in (2.0, 3.0, 1.0))
    y = 3 - 2 * x1 + x2 - x3 + rng.normal(0, 1, n)
    # fit_numpy unpacks a numpy array (numpy floats), the autograd cell passes Python floats
    as_number = float if rng.integers(2) else np.float64
    a, b, c, d = (as_number(v) for v in rng.uniform(-1, 1, 4))
    return {"x1": x1, "x2": x2, "x3": x3, "y": y, "a": a, "b": b, "c": c, "d": d}


def _four_numbers(what, advice, names):
    """What the result must be: four numbers, in a tuple, a list or an array of shape (4,) (the
    lab turns them into np.array(...) of shape (4,) or unpacks them)."""
    return lambda args, returned, before: _check_four(returned, what, advice, names)


def _check_four(returned, what, advice, names):
    if isinstance(returned, np.ndarray):
        if returned.shape == (4,) and returned.dtype.kind == "f":
            return None
        return f"got {kind(returned)}; {advice}"
    if isinstance(returned, torch.Tensor):
        return f"got {kind(returned)}; this lab works in numpy here: {advice}"
    if is_number(returned):
        return f"got one number; {advice}"
    if not isinstance(returned, tuple | list) or len(returned) != 4:
        return f"got {kind(returned)}; {advice}"
    for name, value in zip(names, returned, strict=True):
        if value is None:
            return f"{name} is None: {advice}"
        if not is_number(value) or isinstance(value, torch.Tensor):
            return f"{name} is {kind(value)}; each of the four is one {what}"
    return None


def _as_four(args, returned):
    return tuple(returned)


def _residual(x1, x2, x3, y, a, b, c, d):
    return a + b * x1 + c * x2 + d * x3 - y


def _gradients_summed(x1, x2, x3, y, a, b, c, d):
    r = _residual(x1, x2, x3, y, a, b, c, d)
    return r.sum(), (r * x1).sum(), (r * x2).sum(), (r * x3).sum()


def _gradients_without_x(x1, x2, x3, y, a, b, c, d):
    r = _residual(x1, x2, x3, y, a, b, c, d)
    return (r.mean(),) * 4


def _gradients_without_a(x1, x2, x3, y, a, b, c, d):
    r = b * x1 + c * x2 + d * x3 - y
    return r.mean(), (r * x1).mean(), (r * x2).mean(), (r * x3).mean()


def _gradients_of_mean_r(x1, x2, x3, y, a, b, c, d):
    r = _residual(x1, x2, x3, y, a, b, c, d).mean()
    return r, r * x1.mean(), r * x2.mean(), r * x3.mean()


def _sgd_step_inputs(rng):
    return {
        "params": rng.normal(size=4),
        "grads": rng.normal(size=4),
        "lr": float(rng.uniform(0.01, 0.5)),
    }


EXERCISES = {
    "gradients": Exercise(
        gradients,
        _linear_inputs,
        "all four gradients equal the reference",
        outputs=("da", "db", "dc", "dd"),
        returns=_four_numbers(
            "number (a mean over the N points)",
            "return the four gradients, e.g. `return da, db, dc, dd` or an array of shape (4,)",
            ("da", "db", "dc", "dd"),
        ),
        result=_as_four,
        in_place="compute r = ŷ − y as a new array; the caller still needs x1, x2, x3 and y",
        mistakes=(
            Mistake(
                "sum_not_mean",
                "L is a mean over the N points, so its gradients are means too: use .mean(), "
                "not .sum()",
                _gradients_summed,
            ),
            Mistake(
                "no_factor_x",
                "∂L/∂b needs the factor x1 (chain rule: ∂ŷ/∂b = x1), likewise x2 for c and x3 "
                "for d",
                _gradients_without_x,
            ),
            Mistake(
                "factor_two",
                "the ½ in L cancels the 2 from the square: there is no factor 2",
                lambda x1, x2, x3, y, a, b, c, d: tuple(
                    2 * g for g in gradients(x1, x2, x3, y, a, b, c, d)
                ),
            ),
            Mistake(
                "no_intercept",
                "ŷ includes the intercept a: r = a + b·x1 + c·x2 + d·x3 − y",
                _gradients_without_a,
            ),
            Mistake(
                "mean_r_times_mean_x",
                "multiply r by x1 point by point, then take the mean: mean(r·x1), not "
                "mean(r)·mean(x1)",
                _gradients_of_mean_r,
            ),
        ),
    ),
    "sgd_step": Exercise(
        sgd_step,
        _sgd_step_inputs,
        "params − lr·grads, leaving params unchanged",
        outputs=("new params",),
        returns=_four_numbers(
            "number",
            "return the four new parameters as an array of shape (4,), e.g. `params - lr * grads`",
            ("a", "b", "c", "d"),
        ),
        result=_as_four,
        in_place={
            "params": "`params -= lr * grads` changes the caller's array; "
            "return a new one: `return params - lr * grads`",
            "grads": "`grads *= lr` changes the caller's gradients; compute a new array: "
            "`return params - lr * grads`",
        },
        mistakes=(
            Mistake(
                "plus",
                "step against the gradient: params − lr·grads, not +",
                lambda p, g, lr: p + lr * g,
            ),
            Mistake("no_lr", "the step is scaled by the learning rate lr", lambda p, g, lr: p - g),
            Mistake(
                "step_only",
                "return the new parameters, params − lr·grads, not only the step lr·grads",
                lambda p, g, lr: lr * g,
            ),
            Mistake(
                "divide_by_lr",
                "multiply by lr, don't divide: params − lr·grads",
                lambda p, g, lr: p - g / lr,
            ),
        ),
    ),
}

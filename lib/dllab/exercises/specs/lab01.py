"""Exercises of lab 1 (gradient descent): references, random inputs and the usual mistakes."""

import numpy as np

from dllab.exercises.engine import Exercise

# ---------------------------------------------------------------- references


def gradients(x1, x2, x3, y, a, b, c, d):
    """∂L/∂a, ∂L/∂b, ∂L/∂c, ∂L/∂d of L = ½·mean((a + b·x1 + c·x2 + d·x3 − y)²)."""
    r = a + b * x1 + c * x2 + d * x3 - y  # ∂L/∂ŷ for each point, before the mean
    return r.mean(), (r * x1).mean(), (r * x2).mean(), (r * x3).mean()


def sgd_step(params, grads, lr):
    """One gradient-descent step: new parameters, params − lr·grads (params left unchanged)."""
    return params - lr * np.asarray(grads)


# ---------------------------------------------------------------- inputs and mistakes


def _linear_inputs(rng):
    n = int(rng.integers(20, 60))
    x1, x2, x3 = (rng.normal(m, 1.0, n) for m in (2.0, 3.0, 1.0))
    y = 3 - 2 * x1 + x2 - x3 + rng.normal(0, 1, n)
    a, b, c, d = (float(v) for v in rng.uniform(-1, 1, 4))
    return {"x1": x1, "x2": x2, "x3": x3, "y": y, "a": a, "b": b, "c": c, "d": d}


def _step_inputs(rng):
    return {
        "params": rng.normal(size=4),
        "grads": rng.normal(size=4),
        "lr": float(rng.uniform(0.01, 0.5)),
    }


def _gradients_summed(x1, x2, x3, y, a, b, c, d):
    r = a + b * x1 + c * x2 + d * x3 - y
    return r.sum(), (r * x1).sum(), (r * x2).sum(), (r * x3).sum()


def _gradients_without_x(x1, x2, x3, y, a, b, c, d):
    r = a + b * x1 + c * x2 + d * x3 - y
    return (r.mean(),) * 4


EXERCISES = {
    "gradients": Exercise(
        gradients,
        _linear_inputs,
        "all four gradients equal the reference",
        outputs=("da", "db", "dc", "dd"),
        mistakes={
            "L is a mean over the N points, so its gradients are means too: use .mean(), not .sum()": _gradients_summed,
            "∂L/∂b needs the factor x1 (chain rule: ∂ŷ/∂b = x1), likewise x2 for c and x3 for d": _gradients_without_x,
            "the ½ in L cancels the 2 from the square: there is no factor 2": lambda x1, x2, x3, y, a, b, c, d: (
                tuple(2 * g for g in gradients(x1, x2, x3, y, a, b, c, d))
            ),
        },
    ),
    "sgd_step": Exercise(
        sgd_step,
        _step_inputs,
        "params − lr·grads, a new array",
        outputs=("new params",),
        mistakes={
            "step against the gradient: params − lr·grads, not +": lambda p, g, lr: p + lr * g,
            "the step is scaled by the learning rate lr": lambda p, g, lr: p - g,
        },
    ),
}

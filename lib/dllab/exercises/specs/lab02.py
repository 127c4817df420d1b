"""Exercises of lab 2 (backpropagation): references, random inputs and the usual mistakes."""

import numpy as np

from dllab.exercises.records import Exercise, Mistake, NumpyArray, is_number, kind
from dllab.scratch import bce_backward as bce_grad
from dllab.scratch import linear_backward, relu_backward

NUMPY = "the scratch network of this lab works in numpy (the next layer's backward gets it)"
# what each of linear_backward's results is for, in the scratch network
USES = {
    "dx": "the backward of the layer before gets dx as its dout, in numpy",
    "dW": "the update W -= lr * dW needs a numpy array of W's shape",
    "db": "the update b -= lr * db needs a numpy array of b's shape, one entry per output unit",
}

# ---------------------------------------------------------------- inputs and contracts


def _relu_inputs(rng):
    x = rng.normal(size=(int(rng.integers(2, 8)), int(rng.integers(2, 8))))
    x[0, 0] = 0.0  # PyTorch's convention at the kink: gradient 0
    return {"dout": rng.normal(size=x.shape), "x": x}


def _linear_layer_inputs(rng):
    n, n_in, n_out = (int(v) for v in rng.integers(2, 9, 3))
    n_out = n_in + 1 if n_out == n_in else n_out  # different sizes make transposes visible
    return {
        "dout": rng.normal(size=(n, n_out)),
        "x": rng.normal(size=(n, n_in)),
        "W": rng.normal(size=(n_in, n_out)),
    }


def _one_output_inputs():
    """The lab's second layer: one output unit, so a transpose or a sum(1) can go unnoticed."""
    rng = np.random.default_rng(2)
    return {
        "dout": rng.normal(size=(8, 1)),
        "x": rng.normal(size=(8, 4)),
        "W": rng.normal(size=(4, 1)),
    }


def _bce_inputs(rng):
    n = int(rng.integers(3, 10))
    return {"p": rng.uniform(0.05, 0.95, (n, 1)), "y": rng.integers(0, 2, (n, 1)).astype(float)}


def _three_arrays(args, returned, before):
    if not isinstance(returned, tuple | list) or len(returned) != 3:
        return f"expected three arrays, `return dx, dW, db`; got {kind(returned)}"
    for name, value in zip(("dx", "dW", "db"), returned, strict=True):
        if name == "db" and is_number(value) and not isinstance(value, np.ndarray):
            return (
                f"db is {kind(value)}, one number; b has one entry per output unit, so db is an "
                f"array of shape ({args['W'].shape[1]},) = (n_out,): sum dout over the batch "
                "axis only"
            )
        if problem := NumpyArray(name, like="x", why=USES[name]).problem(args, value):
            return problem
    return None


def _relu_dout_of_dout(dout, x):
    return np.where(dout > 0, dout, 0.0)


EXERCISES = {
    "relu_backward": Exercise(
        relu_backward,
        _relu_inputs,
        "dx = dout where x > 0, else 0",
        outputs=("dx",),
        returns=NumpyArray("dx", like="dout", why=NUMPY),
        in_place={
            "dout": "compute a new array (e.g. `dout * (x > 0)`, not `dout[x <= 0] = 0`): the "
            "caller still needs the original dout",
            "x": "compute a new array from x's mask (e.g. `dout * (x > 0)`) without changing x "
            "(not `x[x <= 0] = 0` or `np.maximum(x, 0, out=x)`): x is the layer's forward "
            "input, which the caller still needs",
        },
        mistakes=(
            Mistake(
                "no_dout",
                "chain rule: dx = dout · relu'(x); multiply by dout",
                lambda dout, x: (x > 0).astype(float),
            ),
            Mistake(
                "no_mask",
                "the local gradient is 0 where x ≤ 0: mask dout with x > 0",
                lambda dout, x: dout,
            ),
            Mistake(
                "kink_at_zero",
                "at x = 0 the gradient is taken as 0 (as in PyTorch): use x > 0, not x >= 0",
                lambda dout, x: dout * (x >= 0),
            ),
            Mistake(
                "mask_from_dout",
                "the mask comes from the forward input x, not from dout: dout · (x > 0)",
                _relu_dout_of_dout,
            ),
        ),
    ),
    "linear_backward": Exercise(
        linear_backward,
        _linear_layer_inputs,
        "dx, dW and db equal the reference",
        outputs=("dx", "dW", "db"),
        returns=_three_arrays,
        cases=(_one_output_inputs,),
        in_place="compute new arrays; the caller still needs dout, x and W",
        mistakes=(
            Mistake(
                "dW_transposed",
                "dW = xᵀ · dout has the shape of W, (n_in, n_out)",
                lambda dout, x, W: (dout @ W.T, dout.T @ x, dout.sum(0)),
            ),
            Mistake(
                "db_not_summed",
                "db sums dout over the batch axis (0): one entry per output unit",
                lambda dout, x, W: (dout @ W.T, x.T @ dout, dout),
            ),
            Mistake(
                "db_mean",
                "sum over the batch, don't average: the 1/N is already inside dout",
                lambda dout, x, W: (dout @ W.T, x.T @ dout, dout.mean(0)),
            ),
            Mistake(
                "db_wrong_axis",
                "db sums over the batch (axis 0), not over the output units",
                lambda dout, x, W: (dout @ W.T, x.T @ dout, dout.sum(1)),
            ),
            Mistake(
                "db_keepdims",
                "db has the shape of b, (n_out,): dout.sum(axis=0) without keepdims",
                lambda dout, x, W: (dout @ W.T, x.T @ dout, dout.sum(0, keepdims=True)),
            ),
        ),
        raised={
            "matmul": "check the shapes: dx = dout · Wᵀ is (N, n_in), dW = xᵀ · dout is (n_in, n_out)",
            "shapes": "check the shapes: dx = dout · Wᵀ is (N, n_in), dW = xᵀ · dout is (n_in, n_out)",
        },
    ),
    "bce_grad": Exercise(
        bce_grad,
        _bce_inputs,
        "∂L/∂p = (p − y) / (p(1 − p)) / N",
        outputs=("dp",),
        returns=NumpyArray("dp", like="p", why=NUMPY),
        in_place="compute a new array; the caller still needs p and y",
        mistakes=(
            Mistake(
                "no_mean",
                "the loss is a mean over the batch: divide by N",
                lambda p, y: (p - y) / (p * (1 - p)),
            ),
            Mistake(
                "logit_gradient",
                "(p − y) is the gradient with respect to the logits, not the probabilities",
                lambda p, y: (p - y) / len(p),
            ),
            Mistake(
                "one_term",
                "both terms of L depend on p: ∂/∂p of (1 − y)·log(1 − p) is −(1 − y)/(1 − p)",
                lambda p, y: -y / p / len(p),
            ),
            Mistake(
                "sign",
                "L has a minus sign in front: ∂L/∂p = −(y/p − (1 − y)/(1 − p)) / N",
                lambda p, y: (y / p - (1 - y) / (1 - p)) / len(p),
            ),
        ),
    ),
}

"""Exercises of lab 2 (backpropagation): references, random inputs and the usual mistakes."""

from dllab.exercises.engine import Exercise
from dllab.scratch import bce_backward as bce_grad
from dllab.scratch import linear_backward, relu_backward

# ---------------------------------------------------------------- inputs and mistakes


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


def _bce_inputs(rng):
    n = int(rng.integers(3, 10))
    return {"p": rng.uniform(0.05, 0.95, (n, 1)), "y": rng.integers(0, 2, (n, 1)).astype(float)}


EXERCISES = {
    "relu_backward": Exercise(
        relu_backward,
        _relu_inputs,
        "dx = dout where x > 0, else 0",
        outputs=("dx",),
        mistakes={
            "chain rule: dx = dout · relu'(x); multiply by dout": lambda dout, x: (x > 0).astype(
                float
            ),
            "the local gradient is 0 where x ≤ 0: mask dout with x > 0": lambda dout, x: dout,
            "at x = 0 the gradient is taken as 0 (as in PyTorch): use x > 0, not x >= 0": lambda dout, x: (
                dout * (x >= 0)
            ),
        },
    ),
    "linear_backward": Exercise(
        linear_backward,
        _linear_layer_inputs,
        "dx, dW and db equal the reference",
        outputs=("dx", "dW", "db"),
        mistakes={
            "dW = xᵀ · dout has the shape of W, (n_in, n_out)": lambda dout, x, W: (
                dout @ W.T,
                dout.T @ x,
                dout.sum(0),
            ),
            "db sums dout over the batch axis (0): one entry per output unit": lambda dout, x, W: (
                dout @ W.T,
                x.T @ dout,
                dout,
            ),
            "sum over the batch, don't average: the 1/N is already inside dout": lambda dout, x, W: (
                dout @ W.T,
                x.T @ dout,
                dout.mean(0),
            ),
            "db sums over the batch (axis 0), not over the output units": lambda dout, x, W: (
                dout @ W.T,
                x.T @ dout,
                dout.sum(1),
            ),
        },
        raised={
            "matmul": "check the shapes: dx = dout · Wᵀ is (N, n_in), dW = xᵀ · dout is (n_in, n_out)"
        },
    ),
    "bce_grad": Exercise(
        bce_grad,
        _bce_inputs,
        "∂L/∂p = (p − y) / (p(1 − p)) / N",
        outputs=("dp",),
        mistakes={
            "the loss is a mean over the batch: divide by N": lambda p, y: (p - y) / (p * (1 - p)),
            "(p − y) is the gradient with respect to the logits, not the probabilities": lambda p, y: (
                (p - y) / len(p)
            ),
        },
    ),
}

"""Checkers for the labs' "Your turn" exercises.

After a student's cell a lab calls `fn = check("relu_backward", relu_backward)`. The checker
runs the function on fresh random inputs against the reference and prints one verdict:
passed, wrong (the first concrete difference, and a hint when the mistake is a usual one) or
not attempted (the body still raises NotImplementedError). It returns the function the rest
of the lab uses: the student's when it passed, the reference otherwise, so every lab runs to
the end. With LAB_CHECK_REPORT=<file> each verdict is also appended there as a JSON line.
"""

import json
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from dllab import solutions
from dllab.train import History

PASSED, WRONG, NOT_ATTEMPTED = "passed", "wrong", "not attempted"
TRIALS = 3  # fresh random inputs per check


@dataclass
class Exercise:
    """What to check: the reference, how to draw inputs, and the usual mistakes."""

    reference: Callable
    inputs: Callable  # rng → dict of the arguments, in the function's order
    checked: str  # what a pass means, for the verdict
    outputs: tuple = ("result",)  # names of the returned values
    mistakes: dict = field(default_factory=dict)  # hint → a typical wrong implementation
    raised: dict = field(default_factory=dict)  # part of an error message → hint
    result: Callable | None = None  # (arguments, returned) → what to compare; default: returned
    rtol: float = 1e-6


@dataclass
class Verdict:
    exercise: str
    status: str
    message: str

    def __str__(self) -> str:
        mark = {PASSED: "✔", WRONG: "✘", NOT_ATTEMPTED: "…"}[self.status]
        return f"{mark} {self.exercise}: {self.status} — {self.message}"


# ---------------------------------------------------------------- comparing results


def _array(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().double().numpy()
    return np.asarray(value, dtype=float)


def _difference(expected, got, label, rtol: float, top: bool = True) -> str | None:
    """The first concrete difference between two results, or None when they agree."""
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            have = sorted(got) if isinstance(got, dict) else type(got).__name__
            return f"{label}: expected {sorted(expected)}, got {have}"
        for key in expected:
            found = _difference(expected[key], got[key], f"{label}[{key!r}]", rtol, top=False)
            if found:
                return found
        return None
    if isinstance(expected, tuple | list):
        if not isinstance(got, tuple | list) or len(got) != len(expected):
            n = len(got) if isinstance(got, tuple | list) else 1
            return f"{label}: expected {len(expected)} values, got {n}"
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            name = label[i] if isinstance(label, tuple) else f"{label}[{i}]"
            found = _difference(e, g, name, rtol, top=False)
            if found:
                return found
        return None
    if expected is None:
        return None if got is None else f"{label}: expected None, got {got!r}"
    if got is None and top:
        return f"{label}: got None — is a `return` missing?"
    if got is None:
        return f"{label}: expected {expected!r}, got None"
    try:
        e, g = _array(expected), _array(got)
    except (TypeError, ValueError):
        return f"{label}: expected numbers, got {type(got).__name__}"
    if e.shape != g.shape:
        return f"{label}: shape expected {e.shape}, got {g.shape}"
    scale = max(np.nanmax(np.abs(e), initial=0), 1e-3)
    close = np.isclose(g, e, rtol=rtol, atol=rtol * scale, equal_nan=True)
    if close.all():
        return None
    if e.ndim == 0:
        return f"{label}: expected {e.item():.6g}, got {g.item():.6g}"
    index = np.unravel_index(np.argmin(close), e.shape)
    return f"{label} at index {tuple(int(i) for i in index)}: expected {e[index]:.6g}, got {g[index]:.6g}"


def _generic_hint(expected, got, batch: int | None) -> str | None:
    """Hints that fit many exercises: a flipped sign, a transpose, the batch size."""
    try:
        e, g = _array(expected), _array(got)
    except (TypeError, ValueError):
        return None
    if e.shape == g.shape and np.allclose(g, -e, rtol=1e-6):
        return "every value has the wrong sign: check the direction of a difference or a step"
    if e.ndim == 2 and g.shape == e.T.shape and np.allclose(g, e.T, rtol=1e-6):
        return "the result is transposed: a transpose is missing or extra"
    if batch and e.shape == g.shape:
        if np.allclose(g, e * batch, rtol=1e-6):
            return f"the values are {batch} (the batch size) times too large: divide by N"
        if np.allclose(g, e / batch, rtol=1e-6):
            return f"the values are {batch} (the batch size) times too small: sum, don't average"
    return None


def _normalize(exercise: Exercise, args: dict, returned):
    value = exercise.result(args, returned) if exercise.result else returned
    return tuple(value) if len(exercise.outputs) > 1 and isinstance(value, tuple | list) else value


def _label(exercise: Exercise):
    return exercise.outputs if len(exercise.outputs) > 1 else exercise.outputs[0]


def _changed(before, after) -> bool:
    if isinstance(before, np.ndarray | torch.Tensor):
        return not np.array_equal(_array(before), _array(after))
    return False


# ---------------------------------------------------------------- checking


def _judge(name: str, exercise: Exercise, student, rng) -> Verdict:
    for _ in range(TRIALS):
        trial = int(rng.integers(2**32))

        def fresh(trial=trial):  # the same inputs again, for each function that may change them
            return exercise.inputs(np.random.default_rng(trial))

        reference_args = fresh()
        expected = _normalize(
            exercise, reference_args, exercise.reference(*reference_args.values())
        )
        args, pristine = fresh(), fresh()
        try:
            returned = student(*args.values())
        except NotImplementedError:
            return Verdict(
                name, NOT_ATTEMPTED, "using the reference solution so the rest of the lab runs"
            )
        except Exception as err:  # a student's bug must not crash the lab
            print(traceback.format_exc())
            hint = next((h for part, h in exercise.raised.items() if part in str(err)), None)
            message = f"raised {type(err).__name__}: {err} (traceback above)"
            return Verdict(name, WRONG, message + (f". Hint: {hint}" if hint else ""))
        for arg, before in pristine.items():
            if _changed(before, args[arg]):
                return Verdict(
                    name,
                    WRONG,
                    f"it changes its argument `{arg}` in place. Hint: compute a new array instead (e.g. `dout * mask`, not `dout[...] = 0`); the caller still needs the original",
                )
        got = _normalize(exercise, args, returned)
        difference = _difference(expected, got, _label(exercise), exercise.rtol)
        if difference is not None:
            return Verdict(
                name, WRONG, difference + _hint(exercise, fresh, expected, got, pristine)
            )
    return Verdict(name, PASSED, f"{exercise.checked} ({TRIALS} sets of fresh random inputs)")


def _hint(exercise: Exercise, fresh, expected, got, args: dict) -> str:
    """ ". Hint: …" for a usual mistake that produces exactly `got`, else ""."""
    for text, mistake in exercise.mistakes.items():
        wrong_args = fresh()
        try:
            wrong = _normalize(exercise, wrong_args, mistake(*wrong_args.values()))
        except Exception:  # a mistake that fails on these inputs matches nothing
            continue
        if _difference(wrong, got, "", exercise.rtol) is None:
            return f". Hint: {text}"
    arrays = [v for v in args.values() if isinstance(v, np.ndarray | torch.Tensor) and v.ndim]
    batch = len(arrays[0]) if arrays else None
    both = isinstance(expected, tuple) and isinstance(got, tuple)
    for e, g in zip(expected, got, strict=False) if both else [(expected, got)]:
        if hint := _generic_hint(e, g, batch):
            return f". Hint: {hint}"
    return ""


def check(name: str, student, *, seed: int | None = None):
    """Judge `student` against the reference of exercise `name`, print the verdict, and return
    the function to use from now on: the student's if it passed, else the reference."""
    if name not in EXERCISES:
        raise ValueError(f"no exercise {name!r}; allowed: {sorted(EXERCISES)}")
    exercise = EXERCISES[name]
    verdict = _judge(name, exercise, student, np.random.default_rng(seed))
    print(verdict)
    report = os.environ.get("LAB_CHECK_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as f:
            f.write(
                json.dumps({"exercise": name, "status": verdict.status, "message": verdict.message})
                + "\n"
            )
    return student if verdict.status == PASSED else exercise.reference


# ---------------------------------------------------------------- inputs of the exercises


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


def _layer_stack(rng):
    torch.manual_seed(int(rng.integers(2**31)))
    layers = [nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 1)]
    return {"layers": layers, "x": torch.randn(int(rng.integers(2, 9)), 3)}


def _point_inputs(rng):
    r = rng.uniform(0.5, 25, 40)
    angle = rng.uniform(-np.pi, np.pi, 40)
    return {
        "x": torch.tensor(
            np.column_stack([r * np.cos(angle), r * np.sin(angle)]), dtype=torch.float32
        )
    }


class RecordingWriter:
    """Stands in for a SummaryWriter and remembers what was logged."""

    def __init__(self):
        self.scalars, self.histograms = {}, {}

    def add_scalar(self, tag, value, global_step=None, *args, **kwargs):
        self.scalars[tag] = (global_step, float(value))

    def add_histogram(self, tag, values, global_step=None, *args, **kwargs):
        self.histograms[tag] = (global_step, _array(values).ravel())


def _gradient_inputs(rng):
    torch.manual_seed(int(rng.integers(2**31)))
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    model(torch.randn(8, 2)).pow(2).mean().backward()
    return {"writer": RecordingWriter(), "model": model, "epoch": int(rng.integers(1, 500))}


def _loss_inputs(rng):
    n = int(rng.integers(2, 20))
    history = History(train_loss=list(rng.uniform(0, 1, n)), valid_loss=list(rng.uniform(0, 1, n)))
    return {"writer": RecordingWriter(), "history": history, "epoch": n}


def _fan_inputs(rng):
    return {"fan_in": int(rng.integers(10, 2000)), "fan_out": int(rng.integers(10, 2000))}


def _he_inputs(rng):
    return {"fan_in": int(rng.integers(10, 2000))}


def _alpha_inputs(rng):
    return {"alpha": float(rng.uniform(0.05, 0.5))}


def _gradients_summed(x1, x2, x3, y, a, b, c, d):
    r = a + b * x1 + c * x2 + d * x3 - y
    return r.sum(), (r * x1).sum(), (r * x2).sum(), (r * x3).sum()


def _gradients_without_x(x1, x2, x3, y, a, b, c, d):
    r = a + b * x1 + c * x2 + d * x3 - y
    return (r.mean(),) * 4


def _polar(theta, r):
    return torch.stack([theta.cos(), theta.sin(), r.cos(), r.sin()], dim=1)


def _by_tag(kind):
    return lambda args, returned: getattr(args["writer"], kind)


def _mean(v):
    return sum(v) / len(v)


EXERCISES = {
    # Lab 1
    "gradients": Exercise(
        solutions.gradients,
        _linear_inputs,
        "all four gradients equal the reference",
        outputs=("da", "db", "dc", "dd"),
        mistakes={
            "L is a mean over the N points, so its gradients are means too: use .mean(), not .sum()": _gradients_summed,
            "∂L/∂b needs the factor x1 (chain rule: ∂ŷ/∂b = x1), likewise x2 for c and x3 for d": _gradients_without_x,
            "the ½ in L cancels the 2 from the square: there is no factor 2": lambda x1, x2, x3, y, a, b, c, d: (
                tuple(2 * g for g in solutions.gradients(x1, x2, x3, y, a, b, c, d))
            ),
        },
    ),
    "sgd_step": Exercise(
        solutions.sgd_step,
        _step_inputs,
        "params − lr·grads, a new array",
        outputs=("new params",),
        mistakes={
            "step against the gradient: params − lr·grads, not +": lambda p, g, lr: p + lr * g,
            "the step is scaled by the learning rate lr": lambda p, g, lr: p - g,
        },
    ),
    # Lab 2
    "relu_backward": Exercise(
        solutions.relu_backward,
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
        solutions.linear_backward,
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
        solutions.bce_grad,
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
    # Lab 3
    "mlp_forward": Exercise(
        solutions.mlp_forward,
        _layer_stack,
        "the output equals applying the layers in order",
        outputs=("output",),
        mistakes={
            "return the output of the last layer, not the input x": lambda layers, x: x,
            "apply every layer, not only the first": lambda layers, x: layers[0](x),
            "apply the activations too: every layer of the list, in order": lambda layers, x: (
                layers[-1](layers[-3](layers[-5](x)))
            ),
        },
        raised={
            "shapes cannot be multiplied": "a layer got an input of the wrong width: apply the layers "
            "in order, each to the previous layer's output"
        },
        rtol=1e-5,
    ),
    "polar_features": Exercise(
        solutions.polar_features,
        _point_inputs,
        "(cos θ, sin θ, cos r, sin r) for points all around the plane",
        outputs=("features",),
        mistakes={
            "θ needs atan2(y, x): atan(y / x) loses the quadrant": lambda x: _polar(
                torch.atan(x[:, 1] / x[:, 0]), x.norm(dim=1)
            ),
            "atan2 takes (y, x), in that order": lambda x: _polar(
                torch.atan2(x[:, 0], x[:, 1]), x.norm(dim=1)
            ),
            "r is the distance √(x² + y²), not its square": lambda x: _polar(
                torch.atan2(x[:, 1], x[:, 0]), (x**2).sum(dim=1)
            ),
        },
        rtol=1e-4,
    ),
    # Lab 4
    "log_gradients": Exercise(
        solutions.log_gradients,
        _gradient_inputs,
        "one histogram grads/<name> of each parameter's gradient",
        outputs=("logged histograms",),
        result=_by_tag("histograms"),
        mistakes={
            "log param.grad, the gradient, not the parameter itself": lambda w, model, epoch: [
                w.add_histogram(f"grads/{n}", p.detach(), epoch)
                for n, p in model.named_parameters()
            ],
            "name the tags grads/<parameter name>, e.g. grads/0.weight": lambda w, model, epoch: [
                w.add_histogram(n, p.grad, epoch) for n, p in model.named_parameters()
            ],
            "log at global_step=epoch, so TensorBoard's slider shows the epoch": lambda w, model, epoch: [
                w.add_histogram(f"grads/{n}", p.grad) for n, p in model.named_parameters()
            ],
        },
    ),
    "log_losses": Exercise(
        solutions.log_losses,
        _loss_inputs,
        "loss/train and loss/valid of the last epoch at step epoch",
        outputs=("logged scalars",),
        result=_by_tag("scalars"),
        mistakes={
            "log this epoch's loss, the last entry history.train_loss[-1]": lambda w, h, epoch: (
                w.add_scalar("loss/train", h.train_loss[0], epoch),
                w.add_scalar("loss/valid", h.valid_loss[0], epoch),
            ),
            "log this epoch's loss, not the mean over all epochs": lambda w, h, epoch: (
                w.add_scalar("loss/train", _mean(h.train_loss), epoch),
                w.add_scalar("loss/valid", _mean(h.valid_loss), epoch),
            ),
            "use the tags loss/train and loss/valid, so TensorBoard draws both in one section": lambda w, h, epoch: (
                w.add_scalar("train", h.train_loss[-1], epoch),
                w.add_scalar("valid", h.valid_loss[-1], epoch),
            ),
        },
    ),
    # Lab 5
    "he_std": Exercise(
        solutions.he_std,
        _he_inputs,
        "√(2 / fan_in) for several fan_in",
        outputs=("std",),
        mistakes={
            "that is the variance 2/fan_in; the standard deviation is its square root": lambda fan_in: (
                2 / fan_in
            ),
            "ReLU zeroes half of its input, which halves the variance: the numerator is 2": lambda fan_in: (
                (1 / fan_in) ** 0.5
            ),
        },
    ),
    "xavier_std": Exercise(
        solutions.xavier_std,
        _fan_inputs,
        "√(2 / (fan_in + fan_out)) for several fans",
        outputs=("std",),
        mistakes={
            "that is the variance; the standard deviation is its square root": lambda fan_in, fan_out: (
                2 / (fan_in + fan_out)
            ),
            "Xavier averages fan_in and fan_out: 2 / (fan_in + fan_out), not 1 / (…)": lambda fan_in, fan_out: (
                (1 / (fan_in + fan_out)) ** 0.5
            ),
            "Xavier uses both fans, fan_in + fan_out": lambda fan_in, fan_out: (2 / fan_in) ** 0.5,
        },
    ),
    "leaky_relu_gain": Exercise(
        solutions.leaky_relu_gain,
        _alpha_inputs,
        "√(2 / (1 + α²)) for several α",
        outputs=("gain",),
        mistakes={
            "the negative half keeps α² of its variance, not α: 1 + α²": lambda alpha: (
                (2 / (1 + alpha)) ** 0.5
            ),
            "a gain multiplies the standard deviation: take the square root": lambda alpha: (
                2 / (1 + alpha**2)
            ),
        },
    ),
}


# TEMP shim (issue 13): lab 6's two checkers live in dllab/lab6_exercises_temp.py until lab 6's
# spec joins the exercises package; imported on demand, as they need Lightning.
_check_labs_1_to_5 = check


def check(name: str, student, *, seed: int | None = None):  # noqa: F811
    """Judge `student` against the reference of exercise `name`, print the verdict, and return
    the function to use from now on: the student's if it passed, else the reference."""
    if name in ("log_uniform", "training_step"):
        from dllab import lab6_exercises_temp

        return lab6_exercises_temp.check(name, student, seed=seed)
    return _check_labs_1_to_5(name, student, seed=seed)

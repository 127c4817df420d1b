"""The checks dllab runs where data enters (data sets, fit, evaluate, the scripts): one function
per rule, one message form.

Every message reads "<argument> must be <what is allowed>, got <value>", an array summarised by
its shape, its dtype and the offending values or rows. Wrong kinds (a float for a size, a class
for an instance) raise TypeError, wrong values (a size of 0, NaN, labels 2) raise ValueError.
numpy numbers count as numbers: np.int64(32) is an int. Call a check once, at the top of an entry
point, never inside a training loop or a teaching function.
"""

import functools
import inspect
import math
import numbers
import sys
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch


def _is_tensor(value) -> bool:
    """Whether `value` is a torch tensor. torch is imported where it is used, not here (the
    scripts check their arguments before they need it); a tensor exists only once it is loaded."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def describe(value) -> str:
    """A short description of `value` for a message: arrays by shape and dtype, others by repr.

    The exercise checker words a student's result with the same array description."""
    if isinstance(value, np.ndarray) or _is_tensor(value):
        return array_kind(value)
    if isinstance(value, tuple | list) and any(
        isinstance(v, np.ndarray) or _is_tensor(v) for v in value
    ):
        kind = "a tuple" if isinstance(value, tuple) else "a list"
        items = [describe(v) for v in value[:4]] + (["…"] if len(value) > 4 else [])
        return f"{kind} ({', '.join(items)})"
    if isinstance(value, type):
        return f"the class {value.__name__}"
    if isinstance(value, functools.partial):
        return f"functools.partial({describe(value.func)}, …)"
    if inspect.isfunction(value) or inspect.isbuiltin(value):
        return f"the function {value.__module__}.{value.__qualname__}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def array_kind(value: "np.ndarray | torch.Tensor") -> str:
    """'a numpy array of shape (5, 3), float64' or 'a torch tensor of shape (5,), float32'."""
    if _is_tensor(value):
        where = "" if value.device.type == "cpu" else f" on {value.device}"
        return f"a torch tensor of shape {tuple(value.shape)}, {str(value.dtype)[6:]}{where}"
    return f"a numpy array of shape {value.shape}, {value.dtype}"


def fail(name: str, allowed: str, got: str, *, hint: str = "", error=ValueError):
    """Raise `error` with the message "<name> must be <allowed>, got <got>[; <hint>]"."""
    message = f"{name} must be {allowed}, got {got}"
    raise error(f"{message}; {hint}" if hint else message)


# ---------------------------------------------------------------- kinds and choices


def instance(name: str, value, kind, allowed: str):
    """`value` if it is an instance of `kind`; a class is refused with the hint to create one."""
    if not isinstance(value, kind):
        hint = ""
        if isinstance(value, type):
            hint = f"call the class to create one: {value.__name__}(...)"
        fail(name, allowed, describe(value), hint=hint, error=TypeError)
    return value


def function(name: str, value, allowed: str):
    """`value` if it can be called; a class is refused with the hint to create an instance."""
    if isinstance(value, type) or not callable(value):
        hint = (
            f"call the class to create one: {value.__name__}()" if isinstance(value, type) else ""
        )
        fail(name, allowed, describe(value), hint=hint, error=TypeError)
    return value


def choice(name: str, value, allowed: tuple):
    """`value` if it is one of `allowed`."""
    if value not in allowed:
        fail(name, f"one of {', '.join(repr(a) for a in allowed)}", repr(value))
    return value


# ---------------------------------------------------------------- numbers


def integer(name: str, value, *, minimum: int = 1) -> int:
    """`value` as an int ≥ minimum; numpy ints are ints, a float (even 4.0) or a bool is not."""
    allowed = "a positive int" if minimum == 1 else f"an int ≥ {minimum}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        hint = "use // or int() for a whole number" if isinstance(value, float) else ""
        fail(name, allowed, describe(value), hint=hint, error=TypeError)
    if value < minimum:
        fail(name, allowed, describe(value))
    return int(value)


def number(name: str, value, *, minimum: float | None = None, positive: bool = False) -> float:
    """`value` as a finite float, at least `minimum` (or above 0 when positive=True)."""
    allowed = "a finite number" + (" > 0" if positive else "")
    if minimum is not None:
        allowed += f" ≥ {minimum:g}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        fail(name, allowed, describe(value), error=TypeError)
    low = (positive and value <= 0) or (minimum is not None and value < minimum)
    if not math.isfinite(value) or low:
        fail(name, allowed, describe(value))
    return float(value)


def seed(name: str, value) -> int:
    """A seed: an int in [0, 2**32), the range numpy and torch both accept."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        fail(name, "an int in [0, 2**32)", describe(value), error=TypeError)
    if not 0 <= value < 2**32:
        fail(name, "an int in [0, 2**32)", describe(value))
    return int(value)


# ---------------------------------------------------------------- arrays


ARRAY = "an array (numpy array, tensor or list of numbers)"


def _numpy(name: str, value):
    """A numpy view of a numpy array, a tensor or a nested list of numbers, for checking."""
    if _is_tensor(value):
        return value.detach().cpu().numpy()
    if isinstance(value, str | dict) or value is None:
        fail(name, ARRAY, describe(value), error=TypeError)
    try:
        return np.asarray(value)
    except ValueError:  # ragged lists
        fail(name, ARRAY, describe(value), error=TypeError)


def _rows(mask) -> str:
    rows = np.flatnonzero(mask)
    shown = ", ".join(str(r) for r in rows[:5])
    return f"row{'s' if len(rows) > 1 else ''} {shown}{', …' if len(rows) > 5 else ''}"


def array(name: str, value, *, ndim: int = 2, columns: int | None = None, empty=False, finite=True):
    """Check a data array: numbers, `ndim` dimensions, `columns` columns, not empty, finite.

    Returns `value` unchanged (numpy, tensor or list), so callers keep their own conversion.
    """
    a = _numpy(name, value)
    shape = "(N,)" if ndim == 1 else f"(N, {'D' if columns is None else columns})"
    if a.dtype.kind not in "biuf":
        fail(name, f"an array of numbers of shape {shape}", describe(value), error=TypeError)
    if a.ndim != ndim or (columns is not None and a.shape[1] != columns):
        fail(name, f"an array of shape {shape}", describe(value))
    if not empty and len(a) == 0:
        fail(name, f"an array of shape {shape} with at least one row", describe(value))
    if finite and not np.isfinite(a).all():
        where = _rows(~np.isfinite(a).reshape(len(a), -1).all(axis=1))
        fail(name, "finite numbers (no NaN or inf)", f"{describe(value)} with NaN/inf in {where}")
    return value


def labels(name: str, value, *, n: int | None = None, per: str = "row of X"):
    """Check class labels: shape (N,) or (N, 1), every value 0 or 1, N = n (one per `per`).

    Returns the labels as a flat numpy array of shape (N,).
    """
    y = _numpy(name, value)
    allowed = "class labels 0 and 1 of shape (N,) or (N, 1)"
    if y.dtype.kind not in "biuf":
        fail(name, allowed, describe(value), error=TypeError)
    if y.ndim == 2 and y.shape[1] > 1:
        hint = "one-hot labels? pass the label of class 1, y[:, 1]"
        fail(name, allowed, describe(value), hint=hint)
    if y.ndim not in (1, 2):
        fail(name, allowed, describe(value))
    y = y.reshape(-1)
    if n is not None and len(y) != n:
        fail(name, f"{n} labels, one per {per}", describe(value))
    if not np.isin(y, (0, 1)).all():  # NaN is neither
        values = np.unique(y)
        shown = ", ".join(f"{v:g}" for v in values[:6]) + (", …" if len(values) > 6 else "")
        hint = ""
        if set(values.tolist()) == {1, 2}:
            hint = "labels 1 and 2? subtract 1"
        elif set(values.tolist()) == {-1, 1}:
            hint = "labels −1 and 1? use (y + 1) / 2"
        fail(name, allowed, f"{describe(value)} with the values {{{shown}}}", hint=hint)
    return y


def targets(name: str, value, *, n: int):
    """Check targets (labels or numbers): finite, shape (N,) or (N, 1), one per row of X."""
    y = _numpy(name, value)
    if y.ndim not in (1, 2) or (y.ndim == 2 and y.shape[1] != 1):
        fail(name, "an array of shape (N,) or (N, 1)", describe(value))
    if len(y) != n:
        fail(name, f"{n} targets, one per row of X", describe(value))
    array(name, y.reshape(-1), ndim=1)
    return value


# ---------------------------------------------------------------- devices and models


def device(name: str, value) -> "torch.device":
    """A device this machine has: a torch.device or its name, such as dllab.get_device() gives."""
    import torch

    from dllab import session

    allowed = "a device this machine has, e.g. dllab.get_device()"
    try:
        chosen = torch.device(value)
    except (RuntimeError, TypeError):
        fail(name, allowed, describe(value), error=TypeError)
    try:
        torch.empty(0, device=chosen)  # torch answers an absent device with an AssertionError
    except (AssertionError, RuntimeError, NotImplementedError):
        picked = session.get_device()
        fail(name, allowed, repr(value), hint=f"dllab.get_device() picks {picked} here")
    return chosen


MODEL = "a torch model (nn.Module), e.g. MLP(2, [12, 6])"


def one_logit_per_row(model, X, name: str = "X") -> "torch.Tensor":
    """Run `model` on the first rows of X (array or tensor, at most 8), in eval mode (no dropout
    draws, no batch-norm updates): it must take them and return one logit per row, shape (n, 1)."""
    import torch

    device = next(model.parameters(), torch.empty(0)).device  # a model may have no parameters
    rows = X[:8]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(torch.as_tensor(rows, dtype=torch.float32).to(device))
    except RuntimeError as e:
        fail(name, "rows the model can take", describe(X), hint=f"the model says: {e}")
    finally:
        model.train(was_training)
    if not isinstance(out, torch.Tensor) or out.shape != (len(rows), 1):
        got = f"{describe(out)} for the first {len(rows)} rows of {name}"
        fail("model(X)", "one logit per row, a tensor of shape (N, 1)", got)
    return out

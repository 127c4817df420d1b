"""Comparing results: the inputs in one line, the first concrete difference, in-place changes.

Pure functions of values, shared by the engine (engine.py) and the explainers (explain.py).
"""

import copy
import dataclasses

import numpy as np
import torch
from torch import nn

from dllab.exercises.records import Exercise, as_array, kind


def describe_inputs(args: dict) -> str:
    """The input in one line: numbers by value, arrays by shape ('fan_in=1234, x (5, 2))'."""
    parts, shaped = [], []  # shaped: arrays in a row with the same shape, named together

    def flush():
        if shaped:
            parts.append(f"{', '.join(shaped)} of shape {shape}")
            shaped.clear()

    shape = None
    for name, value in args.items():
        if isinstance(value, np.ndarray | torch.Tensor):
            if tuple(value.shape) != shape:
                flush()
            shape = tuple(value.shape)
            shaped.append(name)
            continue
        flush()
        if isinstance(value, bool | int | float | np.number):
            parts.append(f"{name}={value:.4g}" if isinstance(value, float) else f"{name}={value}")
        elif hasattr(value, "described_as"):  # a stand-in that says what it stands for
            parts.append(f"{name} = {value.described_as}")
        elif (
            isinstance(value, tuple | list)
            and value
            and all(isinstance(v, np.ndarray | torch.Tensor) for v in value)
        ):
            shapes = ", ".join(str(tuple(v.shape)) for v in value)
            parts.append(f"{name} of shapes {shapes}")
        elif isinstance(value, nn.Module):
            named = list(value.named_parameters())
            if all(p.grad is None for _, p in named):  # nothing to tell them apart by
                parts.append(f"{name} with {len(named)} parameter tensors, no gradients yet")
            else:
                params = [n + ("" if p.grad is not None else " (grad None)") for n, p in named]
                parts.append(f"{name} whose parameters are {', '.join(params)}")
        elif isinstance(value, list) and value and all(isinstance(m, nn.Module) for m in value):
            parts.append(f"{name}=[{', '.join(_short(m) for m in value)}]")
        elif dataclasses.is_dataclass(value):
            parts += [
                f"len({name}.{f.name})={len(getattr(value, f.name))}"
                for f in dataclasses.fields(value)
                if isinstance(getattr(value, f.name), list)
            ]
    flush()
    return ", ".join(parts)


def _short(module: nn.Module) -> str:
    if isinstance(module, nn.Linear):
        return f"Linear({module.in_features}→{module.out_features})"
    return type(module).__name__


def fmt(value: float) -> str:
    """A number for a message: 6 significant digits, and 0 rather than "-0"."""
    text = f"{float(value):.6g}"
    return text[1:] if text in ("-0", "-0.0") else text


def _yes_no(value) -> str:
    return "yes" if value else "no"


def difference(expected, got, label, rtol: float, top: bool = True) -> str | None:
    """The first concrete difference between two results, or None when they agree."""
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            have = sorted(got) if isinstance(got, dict) else kind(got)
            return f"{label}: expected {sorted(expected)}, got {have}"
        for key in expected:
            found = difference(expected[key], got[key], f"{label}[{key!r}]", rtol, top=False)
            if found:
                return found
        return None
    if isinstance(expected, tuple | list):
        if not isinstance(got, tuple | list) or len(got) != len(expected):
            return f"{label}: expected {len(expected)} values, got {kind(got)}"
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            name = label[i] if isinstance(label, tuple) else f"{label}[{i}]"
            found = difference(e, g, name, rtol, top=False)
            if found:
                return found
        return None
    if expected is None:
        return None if got is None else f"{label}: expected None, got {kind(got)}"
    if got is None and top:
        return f"{label}: got None — is a `return` missing?"
    if got is None:
        return f"{label}: expected a value, got None"
    if isinstance(expected, bool | np.bool_):  # a yes/no property of the result
        if isinstance(got, bool | np.bool_) and bool(got) == bool(expected):
            return None
        return f"{label}: expected {_yes_no(expected)}, got {_yes_no(got)}"
    try:
        e, g = as_array(expected), as_array(got)
    except (TypeError, ValueError, RuntimeError):
        return f"{label}: expected numbers, got {kind(got)}"
    if e.shape != g.shape:
        return f"{label}: shape expected {e.shape}, got {g.shape}"
    scale = max(np.max(np.abs(e[np.isfinite(e)]), initial=0), 1e-3)
    close = np.isclose(g, e, rtol=rtol, atol=rtol * scale, equal_nan=True)
    if close.all():
        return None
    if e.ndim == 0:
        return f"{label}: expected {fmt(e.item())}, got {fmt(g.item())}"
    index = np.unravel_index(np.argmin(close), e.shape)
    at = tuple(int(i) for i in index)
    return f"{label} at index {at}: expected {fmt(e[index])}, got {fmt(g[index])}"


def normalize(exercise: Exercise, args: dict, returned):
    value = exercise.result(args, returned) if exercise.result else returned
    return tuple(value) if len(exercise.outputs) > 1 and isinstance(value, tuple | list) else value


def label_of(exercise: Exercise):
    return exercise.outputs if len(exercise.outputs) > 1 else exercise.outputs[0]


def snapshot(value):
    """A copy of what can be changed in place: arrays, a model's weights and gradients, lists."""
    if isinstance(value, np.ndarray | torch.Tensor):
        return as_array(value).copy()
    if isinstance(value, nn.Module):
        return [
            (name, as_array(p), None if p.grad is None else as_array(p.grad))
            for name, p in value.named_parameters()
        ]
    if isinstance(value, list):
        return [id(v) for v in value]
    if dataclasses.is_dataclass(value):
        return copy.deepcopy(value)
    return None


def same(before, after) -> bool:
    if isinstance(before, np.ndarray):
        return before.shape == after.shape and np.array_equal(before, after, equal_nan=True)
    if isinstance(before, list) and before and isinstance(before[0], tuple):
        return len(before) == len(after) and all(
            b[0] == a[0]
            and same(b[1], a[1])
            and (b[2] is None) == (a[2] is None)
            and (b[2] is None or same(b[2], a[2]))
            for b, a in zip(before, after, strict=True)
        )
    return before == after


def draw(exercise: Exercise, seed: int) -> dict:
    """The inputs of `exercise` drawn with `seed`: the same seed gives the same inputs again."""
    return exercise.inputs(np.random.default_rng(seed))

"""The judging engine of the "Your turn" exercises: run a student's function, compare, hint.

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


def as_array(value):
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
        e, g = as_array(expected), as_array(got)
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
        e, g = as_array(expected), as_array(got)
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
        return not np.array_equal(as_array(before), as_array(after))
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
    from dllab.exercises.specs import all_exercises

    exercises = all_exercises()
    if name not in exercises:
        raise ValueError(f"no exercise {name!r}; allowed: {sorted(exercises)}")
    exercise = exercises[name]
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

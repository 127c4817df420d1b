"""The explainers of a wrong result: each looks at one input an answer got wrong and returns
the sentence to add after the difference (". Hint: …"), or "" when it has nothing to say.

engine.EXPLAINERS lists them in the order they are asked; the first that speaks is shown.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from dllab.exercises.compare import describe_inputs, difference, draw, fmt, normalize
from dllab.exercises.records import Exercise, as_array, kind


@dataclass
class Trial:
    """One input an answer was judged on, and what came of it: what an explainer reads."""

    exercise: Exercise
    student: Callable
    fresh: Callable  # () → the same inputs again, for each function that may change them
    seed: int  # the first random seed of the check (another input is drawn from seed + 1)
    shown: dict  # the inputs as they were before the call, for the message
    expected: object  # the reference's result, normalized
    got: object  # the answer's result, normalized (None when it could not be read)


def usual_mistake(trial: Trial) -> str:
    """A usual mistake of the spec that gives exactly the answer's result, here and on another
    input: on an edge case (α = 1, say) different mistakes can give the same number."""
    if trial.got is None:
        return ""
    exercise = trial.exercise
    for mistake in exercise.mistakes:
        wrong_args = trial.fresh()
        try:
            wrong = normalize(exercise, wrong_args, mistake.wrong(*wrong_args.values()))
        except Exception:  # a mistake that fails on these inputs matches nothing
            continue
        if difference(wrong, trial.got, "", exercise.rtol) is None and _same_elsewhere(
            trial, mistake.wrong
        ):
            return f". Hint: {mistake.hint}"
    return ""


_FAILED = object()  # what _on_next_draw gives for a function that raised


def _on_next_draw(trial: Trial, function: Callable):
    """function's result (normalized) on the input drawn from the check's next seed, a fresh
    copy for each call since a function may change its inputs; _FAILED if it raised."""
    args = draw(trial.exercise, trial.seed + 1)
    try:
        return normalize(trial.exercise, args, function(*args.values()))
    except Exception:
        return _FAILED


def _same_elsewhere(trial: Trial, wrong: Callable) -> bool:
    """Whether the answer and a mistake also agree on the input drawn from the next seed."""
    mine, theirs = _on_next_draw(trial, trial.student), _on_next_draw(trial, wrong)
    if mine is _FAILED or theirs is _FAILED:
        return mine is theirs
    return difference(theirs, mine, "", trial.exercise.rtol) is None


def _generic(expected, got, batch: int | None) -> str | None:
    try:
        e, g = as_array(expected), as_array(got)
    except (TypeError, ValueError, RuntimeError):
        return None
    if e.shape == g.shape and np.allclose(g, -e, rtol=1e-6):
        return "every value has the wrong sign: check the direction of a difference or a step"
    if e.ndim == 2 and g.shape == e.T.shape and np.allclose(g, e.T, rtol=1e-6):
        return "the result is transposed: a transpose is missing or extra"
    if batch and batch > 1 and e.shape == g.shape:
        if np.allclose(g, e * batch, rtol=1e-6):
            return f"the values are {batch} (the batch size) times too large: a division by N is missing"
        if np.allclose(g, e / batch, rtol=1e-6):
            return f"the values are {batch} (the batch size) times too small: one division by N too many"
    return None


def generic_mistake(trial: Trial) -> str:
    """A mistake that fits many exercises: a flipped sign, a transpose, the batch size."""
    if trial.got is None:
        return ""
    arrays = [
        v for v in trial.shown.values() if isinstance(v, np.ndarray | torch.Tensor) and v.ndim
    ]
    batch = len(arrays[0]) if arrays else None
    expected, got = trial.expected, trial.got
    if isinstance(expected, tuple) and isinstance(got, tuple):
        # the output the message shows (the first that differs), not another one
        pairs = zip(expected, got, strict=False)
        expected, got = next(
            ((e, g) for e, g in pairs if difference(e, g, "", trial.exercise.rtol)), (None, None)
        )
    if hint := _generic(expected, got, batch):
        return f". Hint: {hint}"
    return ""


def _names_read(code) -> set:
    """The global names a function's code (nested functions and lambdas included) reads."""
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _names_read(const)
    return names


def reads_the_notebook(trial: Trial) -> str:
    """An answer that reads data from the notebook (N, BATCH_SIZE, X) instead of its arguments:
    the checker calls it with other inputs, so such a value does not fit."""
    student, args = trial.student, trial.shown
    code, scope = getattr(student, "__code__", None), getattr(student, "__globals__", {})
    if code is None:
        return ""
    data = sorted(
        name
        for name in _names_read(code) - set(args)
        if name in scope
        and "seed" not in name.lower()  # a seed is a constant, not a size or data
        and isinstance(scope[name], int | np.ndarray | torch.Tensor)
        and not isinstance(scope[name], bool)
    )
    if not data:
        return ""
    values = ", ".join(
        f"{n} = {scope[n]}" if isinstance(scope[n], int) else f"{n} ({kind(scope[n])})"
        for n in data
    )
    return (
        f". Hint: it reads the notebook's {values}, not only its arguments; the check calls it "
        "with other inputs (above): take sizes and data from the arguments (e.g. len(x), "
        "batch_size)"
    )


def constant_result(trial: Trial) -> str:
    """A function of numbers that gives the same result for other numbers (a constant written
    in, e.g. the lab's width D), while the reference's result changes. Says what it saw, not a
    guess at why (no "Hint")."""
    exercise, student, args = trial.exercise, trial.student, trial.shown
    if not args or not all(isinstance(v, int | float) for v in args.values()):
        return ""
    other = draw(exercise, trial.seed + 1)
    if other == args:
        return ""
    again, reference = _on_next_draw(trial, student), _on_next_draw(trial, exercise.reference)
    if again is _FAILED or reference is _FAILED:
        return ""
    if difference(trial.got, again, "", 1e-12) is None and difference(
        trial.got, reference, "", 1e-6
    ):
        shown = describe_inputs(other)
        try:
            expected = f" (expected {fmt(reference)})"
        except (TypeError, ValueError):
            expected = ""
        return (
            f". It gives the same result with {shown}{expected}: the result must change "
            "with the arguments"
        )
    return ""

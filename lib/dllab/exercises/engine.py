"""The judging engine of the "Your turn" exercises: run a student's function, compare, hint.

After a student's cell a lab calls `fn = check("relu_backward", relu_backward)`. The checker
runs the function on a few inputs (the spec's fixed cases, then fresh random ones) against the
reference and prints one verdict: passed, wrong (the input it failed on, the first concrete
difference, and a hint when the mistake is a usual one) or not attempted (the body still raises
NotImplementedError). It also checks that the arguments were left unchanged and what the lab
needs of the result (numpy or torch, dtype, device), so a passing answer works in later cells.

It returns the function the rest of the lab uses: the student's when it passed, otherwise the
reference wrapped in a `ReferenceAnswer`, so every lab runs to the end and a second check of
that name says it holds the reference instead of judging the reference.
With LAB_CHECK_REPORT=<file> each verdict is also appended there as a JSON line
{"exercise", "status", "message", "time"} (what scripts/check.sh collects; see report.py).
"""

import copy
import dataclasses
import functools
import json
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import torch
from torch import nn

PASSED, WRONG, NOT_ATTEMPTED = "passed", "wrong", "not attempted"
UNCHECKED = "not checked yet"  # a "Your turn" def cell ran, its check cell not yet
TRIALS = 3  # fresh random inputs per check, after the spec's fixed cases


@dataclass
class Exercise:
    """What to check: the reference, how to draw inputs, what the lab needs, the usual mistakes.

    contract(arguments, returned) → None, or a sentence saying what the lab needs of the
    result that `returned` lacks (numpy vs torch, dtype, device). When the numbers differ too,
    a usual mistake's hint is shown instead, as it says more.
    cases: fixed inputs checked before the random ones, each a function () → arguments
    (the edge cases the lab meets: α = 0, one sample, parameters without gradients).
    in_place: the hint when the function changes one of its arguments; a dict gives one hint
    per argument name (with "" for the others).
    compare(arguments, expected, got) → None, or the difference, where the exercise asks for a
    property rather than exact values (a sampler: its support and distribution, not one
    recipe's draws). Usual mistakes are still recognised by their exact results.
    changes: the arguments the function is meant to change (a training step changes the model
    and its optimizer); the others must come back as they were.
    probe(student) → None, or what fails where the lab may call the function but the random
    inputs cannot show it (e.g. a tensor on another device); run after all inputs passed.
    """

    reference: Callable
    inputs: Callable  # rng → dict of the arguments, in the function's order
    checked: str  # what a pass means, for the verdict
    outputs: tuple = ("result",)  # names of the returned values
    mistakes: dict = field(default_factory=dict)  # hint → a typical wrong implementation
    raised: dict = field(default_factory=dict)  # part of an error message → hint, or
    # → a function (arguments → hint or None) where the input tells which mistake raised it
    result: Callable | None = None  # (arguments, returned) → what to compare; default: returned
    rtol: float = 1e-6
    contract: Callable | None = None
    cases: tuple = ()
    in_place: str | dict = "compute a new value instead; the caller still needs the original"
    changes: tuple = ()
    probe: Callable | None = None
    compare: Callable | None = None

    def in_place_hint(self, arg: str) -> str:
        if isinstance(self.in_place, dict):
            return self.in_place.get(arg, self.in_place.get("", Exercise.in_place))
        return self.in_place


@dataclass
class Verdict:
    exercise: str
    status: str
    message: str

    def __str__(self) -> str:
        mark = {PASSED: "✔", WRONG: "✘", NOT_ATTEMPTED: "…"}[self.status]
        return f"{mark} {self.exercise}: {self.status} — {self.message}"


class ReferenceAnswer:
    """The reference solution of one exercise, marked as such: what `check` hands back when a
    student's answer did not pass, and what `reference(name)` returns. Calls go through to it."""

    calls: dict = {}  # exercise → how often its reference was called, to spot an answer using it
    answer: Callable | None = None  # the student's function, while it waits for its check
    _told = False  # whether the note "not checked yet" was printed

    def __init__(self, exercise: str, fn: Callable, status: str, origin: str):
        functools.update_wrapper(self, fn)
        self.exercise, self.status, self.origin = exercise, status, origin

    def __call__(self, *args, **kwargs):
        ReferenceAnswer.calls[self.exercise] = ReferenceAnswer.calls.get(self.exercise, 0) + 1
        if self.answer is not None and not self._told:
            self._told = True
            print(
                f"(`{self.exercise}` uses the reference solution until your answer passes its "
                "check: run the check cell after your def cell)"
            )
        return self.__wrapped__(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<the reference solution of {self.exercise} ({self.origin})>"


def your_turn(fn: Callable) -> ReferenceAnswer:
    """Decorates the function of a "Your turn" cell: until the check cell after it passes it,
    the name holds the reference solution, marked, so later cells run even while the body is
    still `raise NotImplementedError` (or wrong). `check(name, name)` judges the function
    written in the cell; `name.answer` is that function, to try it by hand."""
    from dllab.exercises.specs import all_exercises

    exercises = all_exercises()
    name = getattr(fn, "__name__", None)
    if name not in exercises:
        raise ValueError(
            f"@your_turn decorates an exercise's function; got {name!r}, allowed: "
            f"{sorted(exercises)}"
        )
    held = ReferenceAnswer(name, exercises[name].reference, UNCHECKED, "your answer: " + UNCHECKED)
    held.answer = fn
    return held


# ---------------------------------------------------------------- describing values


def as_array(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().double().numpy()
    return np.asarray(value, dtype=float)


def kind(value) -> str:
    """What a value is, in a student's words: 'a numpy array of shape (5, 3), float64'."""
    if value is None:
        return "None"
    if isinstance(value, torch.Tensor):
        where = "" if value.device.type == "cpu" else f" on {value.device}"
        return f"a torch tensor of shape {tuple(value.shape)}, {str(value.dtype)[6:]}{where}"
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape}, {value.dtype}"
    if isinstance(value, bool | np.bool_):
        return f"the truth value {value}"
    if isinstance(value, int | float | np.number):
        return f"the number {float(value):.6g}"
    if isinstance(value, list | tuple):
        return f"a {type(value).__name__} of {len(value)} value{'' if len(value) == 1 else 's'}"
    return f"a {type(value).__name__}"


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


def is_number(value) -> bool:
    """A single number: int, float, numpy scalar or 0-d array/tensor (not a bool)."""
    if isinstance(value, bool | np.bool_):
        return False
    if isinstance(value, int | float | np.number):
        return True
    return isinstance(value, np.ndarray | torch.Tensor) and value.ndim == 0


# ---------------------------------------------------------------- comparing results


def _fmt(value: float) -> str:
    """A number for a message: 6 significant digits, and 0 rather than "-0"."""
    text = f"{float(value):.6g}"
    return text[1:] if text in ("-0", "-0.0") else text


def _yes_no(value) -> str:
    return "yes" if value else "no"


def _difference(expected, got, label, rtol: float, top: bool = True) -> str | None:
    """The first concrete difference between two results, or None when they agree."""
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            have = sorted(got) if isinstance(got, dict) else kind(got)
            return f"{label}: expected {sorted(expected)}, got {have}"
        for key in expected:
            found = _difference(expected[key], got[key], f"{label}[{key!r}]", rtol, top=False)
            if found:
                return found
        return None
    if isinstance(expected, tuple | list):
        if not isinstance(got, tuple | list) or len(got) != len(expected):
            return f"{label}: expected {len(expected)} values, got {kind(got)}"
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            name = label[i] if isinstance(label, tuple) else f"{label}[{i}]"
            found = _difference(e, g, name, rtol, top=False)
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
        return f"{label}: expected {_fmt(e.item())}, got {_fmt(g.item())}"
    index = np.unravel_index(np.argmin(close), e.shape)
    at = tuple(int(i) for i in index)
    return f"{label} at index {at}: expected {_fmt(e[index])}, got {_fmt(g[index])}"


def _generic_hint(expected, got, batch: int | None) -> str | None:
    """Hints that fit many exercises: a flipped sign, a transpose, the batch size."""
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
            return f"the values are {batch} (the batch size) times too large: divide by N"
        if np.allclose(g, e / batch, rtol=1e-6):
            return f"the values are {batch} (the batch size) times too small: sum, don't average"
    return None


def _normalize(exercise: Exercise, args: dict, returned):
    value = exercise.result(args, returned) if exercise.result else returned
    return tuple(value) if len(exercise.outputs) > 1 and isinstance(value, tuple | list) else value


def _label(exercise: Exercise):
    return exercise.outputs if len(exercise.outputs) > 1 else exercise.outputs[0]


def _snapshot(value):
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


def _same(before, after) -> bool:
    if isinstance(before, np.ndarray):
        return before.shape == after.shape and np.array_equal(before, after, equal_nan=True)
    if isinstance(before, list) and before and isinstance(before[0], tuple):
        return len(before) == len(after) and all(
            b[0] == a[0]
            and _same(b[1], a[1])
            and (b[2] is None) == (a[2] is None)
            and (b[2] is None or _same(b[2], a[2]))
            for b, a in zip(before, after, strict=True)
        )
    return before == after


# ---------------------------------------------------------------- checking


def _wrong(name: str, args: dict, text: str) -> Verdict:
    shown = describe_inputs(args)
    return Verdict(name, WRONG, f"with {shown}: {text}" if shown else text)


def _judge(name: str, exercise: Exercise, student, rng) -> Verdict:
    seeds = [int(rng.integers(2**32)) for _ in range(TRIALS)]
    draws = [*exercise.cases, *(functools.partial(_draw, exercise, s) for s in seeds)]
    for fresh in draws:  # fresh(): the same inputs again, for each function that may change them
        reference_args = fresh()
        reference_returned = exercise.reference(*reference_args.values())
        expected = _normalize(exercise, reference_args, reference_returned)
        args = fresh()
        shown = fresh()  # the inputs as they were, for the message
        before = {arg: _snapshot(value) for arg, value in args.items()}
        calls = ReferenceAnswer.calls.get(name, 0)
        try:
            returned = student(*args.values())
        except NotImplementedError:
            return Verdict(name, NOT_ATTEMPTED, "")
        except Exception as err:  # a student's bug must not crash the lab
            print(traceback.format_exc())
            hint = next((h for part, h in exercise.raised.items() if part in str(err)), None)
            hint = hint(shown) if callable(hint) else hint  # a hint that depends on the input
            text = f"raised {type(err).__name__}: {err} (traceback above)"
            return _wrong(name, shown, text + (f". Hint: {hint}" if hint else ""))
        if ReferenceAnswer.calls.get(name, 0) > calls:
            return Verdict(
                name, NOT_ATTEMPTED, "your function calls the reference solution of this exercise"
            )
        for arg, value in args.items():
            if arg in exercise.changes:
                continue
            if before[arg] is not None and not _same(before[arg], _snapshot(value)):
                return _wrong(
                    name,
                    shown,
                    f"it changes its argument `{arg}` in place. Hint: {exercise.in_place_hint(arg)}",
                )
        if returned is None and reference_returned is not None:
            label = "" if len(exercise.outputs) > 1 else f"{exercise.outputs[0]}: "
            return _wrong(name, shown, f"{label}got None — is a `return` missing?")
        problem = exercise.contract(args, returned) if exercise.contract else None
        if (
            problem
            and isinstance(returned, tuple | list)
            and not isinstance(reference_returned, tuple | list)
        ):  # several results where one is due: comparing them as one array only misleads
            return _wrong(name, shown, problem)
        try:
            got = _normalize(exercise, args, returned)
            if exercise.compare:
                difference = exercise.compare(shown, expected, got)
            else:
                difference = _difference(expected, got, _label(exercise), exercise.rtol)
        except Exception:  # a result of a kind the comparison cannot read: the contract says why
            got, difference = None, problem or f"expected numbers, got {kind(returned)}"
        if difference is not None:
            # a usual mistake's hint says most; else what the lab needs, else the difference
            hint = _hint(exercise, fresh, expected, got, shown) if got is not None else ""
            hint = hint or _globals_hint(student, shown)
            hint = hint or _constant_hint(exercise, student, shown, got, seeds[0])
            return _wrong(name, shown, problem if problem and not hint else difference + hint)
        if problem:  # the values agree, what the lab needs does not; a usual mistake says most
            # (with `compare`, a usual mistake can pass it: a grid is spread evenly too)
            hint = _mistake_hint(exercise, fresh, got) if exercise.compare else ""
            return _wrong(name, shown, problem + hint)
    if exercise.probe and (problem := exercise.probe(student)):
        return Verdict(name, WRONG, problem)
    n = len(exercise.cases)
    tried = f"{n} edge case{'s' if n > 1 else ''} and " if n else ""
    return Verdict(
        name, PASSED, f"{exercise.checked} ({tried}{TRIALS} sets of fresh random inputs)"
    )


def _constant_hint(exercise: Exercise, student, args: dict, got, seed: int) -> str:
    """A hint when a function of numbers gives the same result for other numbers (a constant
    written in, e.g. the lab's width D), while the reference's result changes."""
    if not args or not all(isinstance(v, int | float) for v in args.values()):
        return ""
    other = _draw(exercise, seed + 1)
    if other == args:
        return ""
    try:
        again = _normalize(exercise, other, student(*other.values()))
        reference = _normalize(exercise, other, exercise.reference(*other.values()))
    except Exception:
        return ""
    if _difference(got, again, "", 1e-12) is None and _difference(got, reference, "", 1e-6):
        shown = describe_inputs(other)
        try:
            expected = f" (expected {_fmt(reference)})"
        except (TypeError, ValueError):
            expected = ""
        return (
            f". It gives the same result with {shown}{expected}: the result must change "
            "with the arguments"
        )
    return ""


def _names_read(code) -> set:
    """The global names a function's code (nested functions and lambdas included) reads."""
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _names_read(const)
    return names


def _globals_hint(student, args: dict) -> str:
    """A hint when a wrong answer reads data from the notebook (N, BATCH_SIZE, X) instead of
    its arguments: the checker calls it with other inputs, so such a value does not fit."""
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


def _draw(exercise: Exercise, seed: int) -> dict:
    return exercise.inputs(np.random.default_rng(seed))


def _mistake_hint(exercise: Exercise, fresh, got) -> str:
    """ ". Hint: …" for a usual mistake that produces exactly `got`, else ""."""
    for text, mistake in exercise.mistakes.items():
        wrong_args = fresh()
        try:
            wrong = _normalize(exercise, wrong_args, mistake(*wrong_args.values()))
        except Exception:  # a mistake that fails on these inputs matches nothing
            continue
        if _difference(wrong, got, "", exercise.rtol) is None:
            return f". Hint: {text}"
    return ""


def _hint(exercise: Exercise, fresh, expected, got, args: dict) -> str:
    """ ". Hint: …" for a usual mistake that produces exactly `got`, or for a generic one (a
    flipped sign, a transpose, the batch size), else ""."""
    if found := _mistake_hint(exercise, fresh, got):
        return found
    arrays = [v for v in args.values() if isinstance(v, np.ndarray | torch.Tensor) and v.ndim]
    batch = len(arrays[0]) if arrays else None
    both = isinstance(expected, tuple) and isinstance(got, tuple)
    for e, g in zip(expected, got, strict=False) if both else [(expected, got)]:
        if hint := _generic_hint(e, g, batch):
            return f". Hint: {hint}"
    return ""


# ---------------------------------------------------------------- the entry point

_GOES_ON = "The lab goes on with the reference solution"
_GOES_BACK = "The lab goes on with your answer that passed its check earlier"
_PASSED: dict = {}  # exercise → the student's answer that passed last, in this kernel
_RETRY = "to check your answer again, run your `def {name}` cell, then this cell"


def _report(verdict: Verdict, advice: str = "") -> None:
    """Print the verdict (and what happens next); append it to $LAB_CHECK_REPORT if set."""
    print(verdict, f"\n  {advice}" if advice else "", sep="")
    report = os.environ.get("LAB_CHECK_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as f:
            line = {"exercise": verdict.exercise, "status": verdict.status}
            line |= {"message": verdict.message, "time": now_utc()}
            f.write(json.dumps(line) + "\n")


def now_utc() -> str:
    """The time of a verdict in its report line: ISO 8601, UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _holds_reference(name: str, student: ReferenceAnswer) -> Verdict:
    if student.origin == "from reference()":
        text = f"this is the reference solution from reference({name!r}), not your own answer"
        return Verdict(name, NOT_ATTEMPTED, f"{text}. {_GOES_ON} until you write yours.")
    before = {WRONG: "your answer was wrong", NOT_ATTEMPTED: "it was not attempted"}
    text = (
        f"`{name}` still holds the reference solution since its last check "
        f"({before[student.status]}), so nothing new was checked. {_GOES_ON}; "
        + _RETRY.format(name=name)
    )
    return Verdict(name, student.status, text + ".")


def check(name: str, student, *, seed: int | None = None):
    """Judge `student` against the reference of exercise `name`, print the verdict, and return
    the function to use from now on: the student's if it passed, else the reference, wrapped
    in a ReferenceAnswer so that checking it again says so instead of "passed"."""
    from dllab.exercises.specs import all_exercises

    exercises = all_exercises()
    if name not in exercises:
        raise ValueError(f"no exercise {name!r}; allowed: {sorted(exercises)}")
    exercise = exercises[name]
    if isinstance(student, ReferenceAnswer) and student.answer is not None:
        student = student.answer  # a @your_turn cell: judge the function written there
    if isinstance(student, ReferenceAnswer) and student.exercise == name:
        verdict = _holds_reference(name, student)
        _report(verdict)
        return student
    if not callable(student):
        verdict = Verdict(
            name, WRONG, f"expected your function `{name}`, got {kind(student)}. {_GOES_ON}."
        )
    else:
        verdict = _judge(name, exercise, student, np.random.default_rng(seed))
    if verdict.status == PASSED:
        _PASSED[name] = student
        _report(verdict)
        return student
    if name in _PASSED and verdict.status == WRONG:
        # e.g. a deliberately broken function checked after a passed answer: this verdict is
        # about it, but the lab keeps the answer that passed rather than the reference
        _report(verdict, f"{_GOES_BACK}; " + _RETRY.format(name=name) + ".")
        return _PASSED[name]
    if verdict.status == NOT_ATTEMPTED and not verdict.message:
        verdict.message = (
            f"{_GOES_ON} until you replace the `raise NotImplementedError` line; "
            + _RETRY.format(name=name).replace("check your answer again", "check it")
            + "."
        )
        _report(verdict)
    elif verdict.status == NOT_ATTEMPTED:
        _report(verdict, f"{_GOES_ON} until you write your own.")
    else:
        _report(verdict, f"{_GOES_ON}; " + _RETRY.format(name=name) + ".")
    return ReferenceAnswer(
        name, exercise.reference, verdict.status, f"your answer: {verdict.status}"
    )


# ---------------------------------------------------------------- contracts, for the specs


def numpy_result(label: str, value, like: np.ndarray, why: str) -> str | None:
    """None when `value` is a numpy array with the dtype of `like`, else what is wrong.

    why: what in the lab needs numpy, e.g. "the scratch network of this lab works in numpy".
    """
    if not isinstance(value, np.ndarray):
        return f"{label} is {kind(value)}; {why}: return a numpy array"
    if value.dtype != like.dtype:
        return (
            f"{label} is {kind(value)}, but the lab's arrays are {like.dtype}: "
            f"compute with the arrays you get, without converting them"
        )
    return None


def torch_result(label: str, value, like: torch.Tensor, why: str) -> str | None:
    """None when `value` is a tensor with the dtype and device of `like`, else what is wrong."""
    if not isinstance(value, torch.Tensor):
        return (
            f"{label} is {kind(value)}; {why}: return a torch tensor, computed with torch functions"
        )
    if value.dtype != like.dtype:
        return (
            f"{label} is {kind(value)}, but the input is {str(like.dtype)[6:]} and so are the "
            f"network's weights (mixing them fails with 'must have the same dtype'): keep the "
            f"input's dtype; a conversion on the way changes it (.double() or .to(...), a "
            f"detour through numpy, torch.tensor(...) of Python numbers)"
        )
    if value.device != like.device:
        return f"{label} is on {value.device}, the input on {like.device}: keep the result on the input's device"
    return None


def number_result(label: str, value) -> str | None:
    """None when `value` is one plain number (int, float, numpy scalar), else what is wrong."""
    if isinstance(value, torch.Tensor):
        return f"{label} is {kind(value)}; return a plain number (e.g. with math.sqrt or ** 0.5)"
    if not is_number(value):
        return f"{label} should be one number, got {kind(value)}"
    return None

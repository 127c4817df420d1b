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

import functools
import os
import traceback
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np

from dllab.exercises import compare, explain, specs
from dllab.exercises.records import Exercise, kind
from dllab.exercises.verdicts import NOT_ATTEMPTED, PASSED, WRONG, append_verdict

UNCHECKED = "not checked yet"  # a "Your turn" def cell ran, its check cell not yet
TRIALS = 3  # fresh random inputs per check, after the spec's fixed cases

# On each input (the spec's cases, then TRIALS fresh random ones) an answer is judged in this
# order; the first step that finds something gives the verdict (see _judge_one):
#   1. it raises NotImplementedError: not attempted; another error: wrong, with the spec's
#      `raised` hint for that error
#   2. it called this exercise's reference: not attempted
#   3. it changed an argument the spec does not list in `changes`: the spec's `in_place` hint
#   4. it returned None where the reference returns a value
#   5. several values where one is due, and the spec's `returns` is not met: what the lab needs
#   6. its values differ from the reference's: the first difference, then the first
#      explainer below that speaks; when none speaks, what the lab needs (if not met) instead
#   7. the values agree, but the spec's `returns` is not met: what the lab needs (with the
#      usual mistake that matches, where the spec compares properties, not values)
# After every input passed, the spec's `probe` (what the inputs cannot show).

# How a wrong result is explained: asked in this order, the first that speaks is shown.
EXPLAINERS = (
    explain.usual_mistake,  # a usual mistake of the spec gives exactly this result
    explain.generic_mistake,  # a flipped sign, a transpose, a factor of the batch size
    explain.reads_the_notebook,  # it reads the notebook's N or X instead of its arguments
    explain.constant_result,  # other numbers give the same result (a constant written in)
)


@dataclass
class Verdict:
    exercise: str
    status: str
    message: str

    def __str__(self) -> str:
        mark = {PASSED: "✔", WRONG: "✘", NOT_ATTEMPTED: "…"}[self.status]
        return f"{mark} {self.exercise}: {self.status} — {self.message}"


@dataclass
class _Watch:
    """What a judgement watches while a student's function runs: whether it calls the
    reference of the exercise being judged."""

    exercise: str
    called_reference: bool = False


# set by _judge only while a student's function runs (a reference cannot be handed this
# value: the student's function reaches it through the notebook's names, or reference(...))
_WATCH: ContextVar[_Watch | None] = ContextVar("dllab_exercise_watch", default=None)


class ReferenceAnswer:
    """The reference solution of one exercise, marked as such: what `check` hands back when a
    student's answer did not pass, and what `reference(name)` returns. Calls go through to it."""

    answer: Callable | None = None  # the student's function, while it waits for its check
    _told = False  # whether the note "not checked yet" was printed

    def __init__(self, exercise: str, fn: Callable, status: str, origin: str):
        functools.update_wrapper(self, fn)
        self.exercise, self.status, self.origin = exercise, status, origin

    def __call__(self, *args, **kwargs):
        watch = _WATCH.get()
        if watch is not None and watch.exercise == self.exercise:
            watch.called_reference = True
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
    name = getattr(fn, "__name__", None)
    if name not in specs.names():
        raise ValueError(
            f"@your_turn decorates an exercise's function; got {name!r}, allowed: "
            f"{sorted(specs.names())}"
        )
    exercise = specs.exercise(name)
    held = ReferenceAnswer(name, exercise.reference, UNCHECKED, "your answer: " + UNCHECKED)
    held.answer = fn
    return held


# ---------------------------------------------------------------- judging


def _wrong(name: str, args: dict, text: str) -> Verdict:
    shown = compare.describe_inputs(args)
    return Verdict(name, WRONG, f"with {shown}: {text}" if shown else text)


def _explain(trial: explain.Trial) -> str:
    """The first explainer's sentence that speaks, else ""."""
    for explainer in EXPLAINERS:
        if said := explainer(trial):
            return said
    return ""


def _judge_one(name: str, exercise: Exercise, student, fresh, seed: int) -> Verdict | None:
    """The verdict of `student` on the inputs fresh() draws (None: right on them), in the
    order at the top of this file."""
    reference_args = fresh()
    reference_returned = exercise.reference(*reference_args.values())
    expected = compare.normalize(exercise, reference_args, reference_returned)
    args = fresh()
    shown = fresh()  # the inputs as they were, for the message
    before = {arg: compare.snapshot(value) for arg, value in args.items()}
    watch = _Watch(name)
    token = _WATCH.set(watch)
    try:  # 1
        returned = student(*args.values())
    except NotImplementedError:
        return Verdict(name, NOT_ATTEMPTED, "")
    except Exception as err:  # a student's bug must not crash the lab
        print(traceback.format_exc())
        hint = next((h for part, h in exercise.raised.items() if part in str(err)), None)
        hint = hint(shown) if callable(hint) else hint  # a hint that depends on the input
        text = f"raised {type(err).__name__}: {err} (traceback above)"
        return _wrong(name, shown, text + (f". Hint: {hint}" if hint else ""))
    finally:
        _WATCH.reset(token)
    if watch.called_reference:  # 2
        return Verdict(
            name, NOT_ATTEMPTED, "your function calls the reference solution of this exercise"
        )
    for arg, value in args.items():  # 3
        if arg in exercise.changes:
            continue
        if before[arg] is not None and not compare.same(before[arg], compare.snapshot(value)):
            hint = exercise.in_place_hint(arg)
            return _wrong(name, shown, f"it changes its argument `{arg}` in place. Hint: {hint}")
    if returned is None and reference_returned is not None:  # 4
        label = "" if len(exercise.outputs) > 1 else f"{exercise.outputs[0]}: "
        return _wrong(name, shown, f"{label}got None — is a `return` missing?")
    problem = exercise.problem(args, returned, shown)
    several = isinstance(returned, tuple | list) and not isinstance(
        reference_returned, tuple | list
    )
    if problem and several:  # 5: comparing them as one array only misleads
        return _wrong(name, shown, problem)
    try:
        got = compare.normalize(exercise, args, returned)
        if exercise.compare:
            differs = exercise.compare(shown, expected, got)
        else:
            differs = compare.difference(expected, got, compare.label_of(exercise), exercise.rtol)
    except Exception:  # a result of a kind the comparison cannot read: `returns` says why
        got, differs = None, problem or f"expected numbers, got {kind(returned)}"
    trial = explain.Trial(exercise, student, fresh, seed, shown, expected, got)
    if differs is not None:  # 6
        said = _explain(trial)
        return _wrong(name, shown, problem if problem and not said else differs + said)
    if problem:  # 7 (with `compare`, a usual mistake can pass it: a grid is spread evenly too)
        return _wrong(
            name, shown, problem + (explain.usual_mistake(trial) if exercise.compare else "")
        )
    return None


def _judge(name: str, exercise: Exercise, student, rng) -> Verdict:
    seeds = [int(rng.integers(2**32)) for _ in range(TRIALS)]
    draws = [*exercise.cases, *(functools.partial(compare.draw, exercise, s) for s in seeds)]
    for fresh in draws:  # fresh(): the same inputs again, for each function that may change them
        verdict = _judge_one(name, exercise, student, fresh, seeds[0])
        if verdict is not None:
            return verdict
    if exercise.probe and (problem := exercise.probe(student)):
        return Verdict(name, WRONG, problem)
    n = len(exercise.cases)
    tried = f"{n} edge case{'s' if n > 1 else ''} and " if n else ""
    return Verdict(
        name, PASSED, f"{exercise.checked} ({tried}{TRIALS} sets of fresh random inputs)"
    )


# ---------------------------------------------------------------- the entry point

_GOES_ON = "The lab goes on with the reference solution"
_GOES_BACK = "The lab goes on with your answer that passed its check earlier"
_PASSED: dict = {}  # exercise → the student's answer that passed last, in this kernel
_RETRY = "to check your answer again, run your `def {name}` cell, then this cell"
_FIRST_TRY = "to check it, run your `def {name}` cell, then this cell"


def _report(verdict: Verdict, advice: str = "") -> None:
    """Print the verdict (and what happens next); append it to $LAB_CHECK_REPORT if set."""
    print(verdict, f"\n  {advice}" if advice else "", sep="")
    if os.environ.get("LAB_CHECK_REPORT"):
        append_verdict(
            os.environ["LAB_CHECK_REPORT"], verdict.exercise, verdict.status, verdict.message
        )


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
    exercise = specs.exercise(name)
    if isinstance(student, ReferenceAnswer) and student.answer is not None:
        student = student.answer  # a @your_turn cell: judge the function written there
    if isinstance(student, ReferenceAnswer) and student.exercise == name:
        _report(_holds_reference(name, student))
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
    if verdict.status == NOT_ATTEMPTED and not verdict.message:  # the body still raises
        text = f"{_GOES_ON} until you replace the `raise NotImplementedError` line; "
        _report(Verdict(name, NOT_ATTEMPTED, text + _FIRST_TRY.format(name=name) + "."))
    elif verdict.status == NOT_ATTEMPTED:
        _report(verdict, f"{_GOES_ON} until you write your own.")
    else:
        _report(verdict, f"{_GOES_ON}; " + _RETRY.format(name=name) + ".")
    return ReferenceAnswer(
        name, exercise.reference, verdict.status, f"your answer: {verdict.status}"
    )

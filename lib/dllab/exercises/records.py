"""What a spec declares: an exercise, its usual mistakes and what its result must be, as records.

A spec (specs/labNN.py) is a dict EXERCISES = {name: Exercise(...)}. An exercise names its
reference, how to draw inputs, what a pass means, and as data:
- `returns`: what the lab needs of the result, a record below (NumpyArray, TorchTensor,
  Number), or a function (args, returned, before) → None or a sentence, where a record cannot
  say it (before: the inputs as they were before the call);
- `mistakes`: Mistake records, each a usual wrong implementation with an id and its hint.
engine.py judges an answer against the record; nothing here runs a student's function.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from dllab.validate import array_kind

# ---------------------------------------------------------------- describing values


def as_array(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().double().numpy()
    return np.asarray(value, dtype=float)


def kind(value) -> str:
    """What a value is, in a student's words: 'a numpy array of shape (5, 3), float64'."""
    if value is None:
        return "None"
    if isinstance(value, torch.Tensor | np.ndarray):
        return array_kind(value)
    if isinstance(value, bool | np.bool_):
        return f"the truth value {value}"
    if isinstance(value, int | float | np.number):
        return f"the number {float(value):.6g}"
    if isinstance(value, list | tuple):
        return f"a {type(value).__name__} of {len(value)} value{'' if len(value) == 1 else 's'}"
    return f"a {type(value).__name__}"


def is_number(value) -> bool:
    """A single number: int, float, numpy scalar or 0-d array/tensor (not a bool)."""
    if isinstance(value, bool | np.bool_):
        return False
    if isinstance(value, int | float | np.number):
        return True
    return isinstance(value, np.ndarray | torch.Tensor) and value.ndim == 0


# ---------------------------------------------------------------- what a result must be


@dataclass(frozen=True)
class NumpyArray:
    """A numpy array with the dtype of the argument `like`.

    why: what in the lab needs numpy, e.g. "the scratch network of this lab works in numpy"."""

    label: str  # the result's name in a message, e.g. "dx"
    like: str  # the argument whose dtype it keeps
    why: str

    def problem(self, args: dict, value, before: dict | None = None) -> str | None:
        if not isinstance(value, np.ndarray):
            return f"{self.label} is {kind(value)}; {self.why}: return a numpy array"
        like = args[self.like]
        if value.dtype != like.dtype:
            return (
                f"{self.label} is {kind(value)}, but the lab's arrays are {like.dtype}: "
                f"compute with the arrays you get, without converting them"
            )
        return None


@dataclass(frozen=True)
class TorchTensor:
    """A torch tensor with the dtype and device of the argument `like`.

    several: what to say when a list or tuple comes back instead (None: judge it as a value).
    graph: the result must carry autograd's graph (requires_grad), as a model's output does."""

    label: str
    like: str
    why: str
    several: str | None = None
    graph: bool = False

    def problem(self, args: dict, value, before: dict | None = None) -> str | None:
        if self.several and isinstance(value, list | tuple):
            return f"got {kind(value)}; {self.several}"
        like = args[self.like]
        if not isinstance(value, torch.Tensor):
            return (
                f"{self.label} is {kind(value)}; {self.why}: return a torch tensor, computed "
                "with torch functions"
            )
        if value.dtype != like.dtype:
            return (
                f"{self.label} is {kind(value)}, but the input is {str(like.dtype)[6:]} and so "
                f"are the network's weights (mixing them fails with 'must have the same dtype'): "
                f"keep the input's dtype; a conversion on the way changes it (.double() or "
                f".to(...), a detour through numpy, torch.tensor(...) of Python numbers)"
            )
        if value.device != like.device:
            return (
                f"{self.label} is on {value.device}, the input on {like.device}: keep the "
                "result on the input's device"
            )
        if self.graph and not value.requires_grad:
            return (
                f"{self.label} has no graph (requires_grad is False: it was detached, or computed "
                f"under torch.no_grad()); {self.why}, and the gradients flow back through it"
            )
        return None


@dataclass(frozen=True)
class Number:
    """One plain number (int, float, numpy scalar), not a tensor."""

    label: str

    def problem(self, args: dict, value, before: dict | None = None) -> str | None:
        if isinstance(value, torch.Tensor):
            return (
                f"{self.label} is {kind(value)}; return a plain number (e.g. with math.sqrt or "
                "** 0.5)"
            )
        if not is_number(value):
            return f"{self.label} should be one number, got {kind(value)}"
        return None


# ---------------------------------------------------------------- an exercise


@dataclass(frozen=True)
class Mistake:
    """A usual mistake: a wrong implementation, called like the reference, and the hint a
    student gets when their answer gives exactly its result."""

    id: str  # short and stable, e.g. "sum_not_mean"
    hint: str
    wrong: Callable


@dataclass
class Exercise:
    """What to check: the reference, how to draw inputs, what the lab needs, the usual mistakes.

    returns: what the lab needs of the result (a record above, or a function (args, returned,
    before) → None or a sentence). When the numbers differ too, a usual mistake's hint is shown
    instead, as it says more.
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
    returns: object = None  # NumpyArray, TorchTensor, Number, or a function (see above)
    mistakes: tuple = ()  # Mistake records, tried in this order
    raised: dict = field(default_factory=dict)  # part of an error message → hint, or
    # → a function (arguments → hint or None) where the input tells which mistake raised it
    result: Callable | None = None  # (arguments, returned) → what to compare; default: returned
    rtol: float = 1e-6
    cases: tuple = ()
    in_place: str | dict = "compute a new value instead; the caller still needs the original"
    changes: tuple = ()
    probe: Callable | None = None
    compare: Callable | None = None

    def __post_init__(self):
        ids = [m.id for m in self.mistakes]
        if len(set(ids)) != len(ids):
            raise ValueError(f"mistake ids must differ within an exercise; got {ids}")

    def in_place_hint(self, arg: str) -> str:
        if isinstance(self.in_place, dict):
            return self.in_place.get(arg, self.in_place.get("", Exercise.in_place))
        return self.in_place

    def problem(self, args: dict, returned, before: dict) -> str | None:
        """What the lab needs of `returned` that it lacks, or None."""
        if self.returns is None:
            return None
        if hasattr(self.returns, "problem"):
            return self.returns.problem(args, returned, before)
        return self.returns(args, returned, before)

    def mistake(self, id: str) -> Mistake:
        """The usual mistake with this id."""
        for m in self.mistakes:
            if m.id == id:
                return m
        raise KeyError(f"no mistake {id!r}; allowed: {[m.id for m in self.mistakes]}")

"""The "Your turn" exercises: `check` judges a student's function, `reference` gives the answer.

Layout: records.py declares what a spec says (Exercise, Mistake, what a result must be);
specs/labNN.py holds each lab's exercises as such records; engine.py judges (runs, compares,
asks the explainers of explain.py for a hint); cells.py finds a lab's "Your turn" cells;
scoreboard.py runs labs headless and counts verdicts (scripts/check.sh), report.py writes
verdict records; notebook.py runs a percent-cell file through a Jupyter kernel.
The engine (numpy, torch) is imported on first use of check, your_turn or reference, so that
check.sh's scoreboard, which only runs kernels and counts, starts without torch.
"""

import importlib
from typing import TYPE_CHECKING

from dllab.exercises import specs
from dllab.exercises.verdicts import NOT_ATTEMPTED, PASSED, WRONG

if TYPE_CHECKING:  # for editors: what they are, without importing torch at run time
    from dllab.exercises.engine import ReferenceAnswer, check, your_turn

_FROM_ENGINE = ("ReferenceAnswer", "check", "your_turn")


def __getattr__(name: str):
    if name in _FROM_ENGINE:
        return getattr(importlib.import_module("dllab.exercises.engine"), name)
    raise AttributeError(f"module 'dllab.exercises' has no attribute {name!r}")


def reference(name: str) -> "ReferenceAnswer":
    """The reference solution of exercise `name` (read it after trying).

    It is callable like your function, and marked: `check(name, reference(name))` says it is the
    reference, not your answer. Its source: `import inspect; print(inspect.getsource(ref.__wrapped__))`.
    """
    from dllab.exercises.engine import ReferenceAnswer

    return ReferenceAnswer(name, specs.exercise(name).reference, NOT_ATTEMPTED, "from reference()")


__all__ = [
    "NOT_ATTEMPTED",
    "PASSED",
    "WRONG",
    "ReferenceAnswer",
    "check",
    "reference",
    "your_turn",
]

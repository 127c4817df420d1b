"""The "Your turn" exercises: `check` judges a student's function, `reference` gives the answer.

Layout: records.py declares what a spec says (Exercise, Mistake, what a result must be);
specs/labNN.py holds each lab's exercises as such records; engine.py judges (runs, compares,
asks the explainers of explain.py for a hint); cells.py finds a lab's "Your turn" cells;
scoreboard.py runs labs headless and counts verdicts (scripts/check.sh), report.py writes
verdict records; notebook.py runs a percent-cell file through a Jupyter kernel.
"""

from dllab.exercises import specs
from dllab.exercises.engine import ReferenceAnswer, check, your_turn
from dllab.exercises.records import NOT_ATTEMPTED, PASSED, WRONG


def reference(name: str) -> ReferenceAnswer:
    """The reference solution of exercise `name` (read it after trying).

    It is callable like your function, and marked: `check(name, reference(name))` says it is the
    reference, not your answer. Its source: `import inspect; print(inspect.getsource(ref.__wrapped__))`.
    """
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

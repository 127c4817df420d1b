"""The "Your turn" exercises: `check` judges a student's function, `reference` gives the answer.

Layout: engine.py judges (runs, compares, hints); specs/labNN.py holds each lab's exercises
(reference, random inputs, what the lab needs of a result, the usual mistakes); scoreboard.py
runs labs headless and counts verdicts (scripts/check.sh); notebook.py runs a percent-cell file
through a Jupyter kernel.
"""

from dllab.exercises.engine import (
    NOT_ATTEMPTED,
    PASSED,
    WRONG,
    ReferenceAnswer,
    check,
    your_turn,
)


def reference(name: str) -> ReferenceAnswer:
    """The reference solution of exercise `name` (read it after trying).

    It is callable like your function, and marked: `check(name, reference(name))` says it is the
    reference, not your answer. Its source: `import inspect; print(inspect.getsource(ref.__wrapped__))`.
    """
    from dllab.exercises.specs import all_exercises

    exercises = all_exercises()
    if name not in exercises:
        raise ValueError(f"no exercise {name!r}; allowed: {sorted(exercises)}")
    return ReferenceAnswer(name, exercises[name].reference, NOT_ATTEMPTED, "from reference()")


__all__ = [
    "NOT_ATTEMPTED",
    "PASSED",
    "WRONG",
    "ReferenceAnswer",
    "check",
    "reference",
    "your_turn",
]

"""The "Your turn" exercises: `check` judges a student's function, `reference` gives the answer.

Layout: engine.py judges (runs, compares, hints); specs/labNN.py holds each lab's exercises
(reference, random inputs, the usual mistakes); scoreboard.py runs labs headless and counts
verdicts (scripts/check.sh); notebook.py runs a percent-cell file through a Jupyter kernel.
"""

from dllab.exercises.engine import NOT_ATTEMPTED, PASSED, WRONG, check


def reference(name: str):
    """The reference solution of exercise `name` (read it after trying)."""
    from dllab.exercises.specs import all_exercises

    exercises = all_exercises()
    if name not in exercises:
        raise ValueError(f"no exercise {name!r}; allowed: {sorted(exercises)}")
    return exercises[name].reference


__all__ = ["NOT_ATTEMPTED", "PASSED", "WRONG", "check", "reference"]

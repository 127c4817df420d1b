"""TEMP shim (issue 13): lab 6's checkers pass the reference and name every usual mistake.
Drop with lib/dllab/lab6_exercises_temp.py when lab 6's spec lands."""

import numpy as np
import pytest

from dllab.exercises import NOT_ATTEMPTED, PASSED, WRONG, _judge
from dllab.lab6_exercises_temp import LAB6

MISTAKES = [(name, hint) for name, ex in LAB6.items() for hint in ex.mistakes]


def judge(name, fn, seed=0):
    return _judge(name, LAB6[name], fn, np.random.default_rng(seed))


@pytest.mark.parametrize("name", sorted(LAB6))
def test_reference_passes_and_stub_is_not_attempted(name):
    assert judge(name, LAB6[name].reference).status == PASSED

    def stub(*args):
        raise NotImplementedError

    assert judge(name, stub).status == NOT_ATTEMPTED


@pytest.mark.parametrize(("name", "hint"), MISTAKES)
def test_usual_mistake_is_wrong_with_its_hint(name, hint):
    verdict = judge(name, LAB6[name].mistakes[hint], seed=1)
    assert verdict.status == WRONG
    assert verdict.message.endswith(f"Hint: {hint}") and "expected" in verdict.message


def test_equivalent_log10_answer_passes():
    def log10_version(low, high, size, rng):
        return 10 ** rng.uniform(np.log10(low), np.log10(high), size)

    assert judge("log_uniform", log10_version).status == PASSED

"""The exercise checkers: right answers pass, usual mistakes get their hint, nothing crashes."""

import json

import numpy as np
import pytest

from dllab.exercises import NOT_ATTEMPTED, PASSED, WRONG, check, engine, reference
from dllab.exercises.specs import all_exercises

EXERCISES = all_exercises()

MISTAKES = [(name, hint) for name, ex in EXERCISES.items() for hint in ex.mistakes]


def judge(name, fn, seed=0):
    return engine._judge(name, EXERCISES[name], fn, np.random.default_rng(seed))


def test_every_lab_exercise_has_a_checker_and_a_solution():
    assert set(EXERCISES) == {
        "gradients",
        "sgd_step",
        "relu_backward",
        "linear_backward",
        "bce_grad",
        "mlp_forward",
        "polar_features",
        "train_epoch",
        "log_losses",
        "log_gradients",
        "he_std",
        "xavier_std",
        "leaky_relu_gain",
    }
    assert all(reference(name) is EXERCISES[name].reference for name in EXERCISES)


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_reference_passes(name):
    verdict = judge(name, EXERCISES[name].reference)
    assert verdict.status == PASSED, verdict.message


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_at_least_two_usual_mistakes_are_known(name):
    assert len(EXERCISES[name].mistakes) >= 2


@pytest.mark.parametrize(("name", "hint"), MISTAKES)
def test_usual_mistake_is_wrong_with_its_hint(name, hint):
    verdict = judge(name, EXERCISES[name].mistakes[hint], seed=1)
    assert verdict.status == WRONG
    assert verdict.message.endswith(f"Hint: {hint}")
    assert "expected" in verdict.message  # the first concrete difference comes first


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_untouched_stub_is_not_attempted(name):
    def stub(*args):
        raise NotImplementedError

    assert judge(name, stub).status == NOT_ATTEMPTED


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_function_that_raises_is_wrong_not_a_crash(name, capsys):
    def buggy(*args):
        return {}["missing"]

    verdict = judge(name, buggy)
    assert verdict.status == WRONG and "raised KeyError" in verdict.message
    assert "Traceback" in capsys.readouterr().out  # the student sees where it failed


def test_changing_dout_in_place_is_wrong_with_hint():
    def in_place(dout, x):
        dout[x <= 0] = 0
        return dout

    verdict = judge("relu_backward", in_place)
    assert verdict.status == WRONG and "changes its argument `dout` in place" in verdict.message


def test_shape_difference_is_reported_first():
    verdict = judge("linear_backward", lambda dout, x, W: (dout @ W.T, x.T @ dout, dout.sum(0)[:1]))
    assert verdict.status == WRONG and "db: shape expected" in verdict.message


def test_sign_error_gets_the_generic_hint():
    verdict = judge("bce_grad", lambda p, y: -reference("bce_grad")(p, y))
    assert "wrong sign" in verdict.message


def test_missing_return_is_named():
    verdict = judge("he_std", lambda fan_in: None)
    assert "got None — is a `return` missing?" in verdict.message


def test_check_returns_the_function_to_use_and_reports(tmp_path, monkeypatch, capsys):
    report = tmp_path / "verdicts.jsonl"
    monkeypatch.setenv("LAB_CHECK_REPORT", str(report))

    def mine(fan_in):
        return (2 / fan_in) ** 0.5

    def stub(fan_in):
        raise NotImplementedError

    assert check("he_std", mine) is mine
    assert check("he_std", stub) is reference("he_std")
    assert check("he_std", lambda fan_in: 1.0) is reference("he_std")
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("✔ he_std: passed") and out[1].startswith("… he_std: not attempted")
    assert out[2].startswith("✘ he_std: wrong")
    statuses = [json.loads(line)["status"] for line in report.read_text().splitlines()]
    assert statuses == [PASSED, NOT_ATTEMPTED, WRONG]


def test_unknown_exercise_lists_the_allowed_names():
    with pytest.raises(ValueError, match=r"no exercise 'relu'; allowed: \['bce_grad'"):
        check("relu", lambda: None)

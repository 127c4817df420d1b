"""The exercise checkers: right answers pass, usual mistakes get their hint, nothing crashes."""

import importlib
import json
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

from dllab.exercises import (
    NOT_ATTEMPTED,
    PASSED,
    WRONG,
    cells,
    check,
    compare,
    engine,
    reference,
    specs,
)
from dllab.exercises.records import Exercise
from dllab.exercises.specs import exercise, modules
from dllab.labs import all_labs

EXERCISES = {name: exercise(name) for name in modules()}

MISTAKES = [(name, mistake.id) for name, ex in EXERCISES.items() for mistake in ex.mistakes]


@pytest.fixture(autouse=True)
def _no_answer_passed_earlier():
    """Each test starts like a fresh kernel: no answer of an earlier test counts as passed."""
    engine._PASSED.clear()
    yield
    engine._PASSED.clear()


def judge(name, fn, seed=0):
    return engine._judge(name, EXERCISES[name], fn, np.random.default_rng(seed))


def test_every_lab_exercise_has_a_spec_and_every_spec_a_lab_cell():
    for lab in all_labs():
        source = lab.path.read_text()
        marked = re.findall(r"^# YOUR TURN: (\w+)$", source, flags=re.MULTILINE)
        assert cells.exercise_names(source) == marked, lab.stem  # the marker is where it counts
        spec = importlib.import_module(lab.spec).EXERCISES
        assert sorted(marked) == sorted(spec), lab.stem
        assert [n for n, m in specs.modules().items() if m == lab.spec] == list(spec)
    assert all(reference(name).__wrapped__ is EXERCISES[name].reference for name in EXERCISES)


def test_a_your_turn_cell_is_found_by_its_check_cell_not_its_comment():
    source = (
        "# %% [markdown]\n# ## Your turn\n\n# %%\nimport numpy as np\n\n\n"
        "# %%\ndef he_std(fan_in):  # the student deleted the `# YOUR TURN` line\n"
        '    return 1.0\n\n\n# %%\nhe_std = check("he_std", he_std)\n\n'
        '# %%\nx = check("xavier_std", y)\n'  # not a check cell: another name
    )
    assert "".join(cells.percent_cells(source)) == source
    assert cells.exercise_names(source) == ["he_std"]
    code = [c for c in cells.percent_cells(source) if cells.is_code(c)]
    assert cells.your_turn_cells(code) == {1: "he_std"}


@pytest.mark.parametrize(
    ("answer", "spec"),
    [
        ("check('relu_backward', lambda dout, x: dout * (x > 0))", "lab02"),
        # lab 6's other exercise needs Lightning; this one does not import it
        ("from dllab.lightning.search import log_uniform as f\ncheck('log_uniform', f)", "lab06"),
    ],
)
def test_looking_up_an_exercise_imports_only_its_labs_spec(answer, spec):
    code = (
        "import sys\n"
        "from dllab.exercises import check\n"
        f"{answer}\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('dllab.exercises.specs.'))\n"
        "print(loaded, 'lightning' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "passed" in done.stdout
    assert done.stdout.splitlines()[-1] == f"['dllab.exercises.specs.{spec}'] False"


def test_mistake_ids_are_unique_and_a_mistake_is_found_by_its_id():
    for ex in EXERCISES.values():
        assert all(ex.mistake(m.id) is m for m in ex.mistakes)
    with pytest.raises(ValueError, match="mistake ids must differ"):
        Exercise(abs, dict, "", mistakes=(ex.mistakes[0], ex.mistakes[0]))


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_reference_passes(name):
    verdict = judge(name, EXERCISES[name].reference)
    assert verdict.status == PASSED, verdict.message


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_at_least_three_usual_mistakes_are_known(name):
    assert len(EXERCISES[name].mistakes) >= 3


@pytest.mark.parametrize(("name", "mistake_id"), MISTAKES)
def test_usual_mistake_is_wrong_with_its_hint(name, mistake_id):
    mistake = EXERCISES[name].mistake(mistake_id)
    verdict = judge(name, mistake.wrong, seed=1)
    assert verdict.status == WRONG
    assert verdict.message.endswith(f"Hint: {mistake.hint}")
    # the first concrete difference (or the error, or what the lab needs) comes first
    before = verdict.message.split(" Hint: ")[0]
    assert "expected" in before or "raised" in before or "was not used" in before


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
    verdict = judge("relu_backward", lambda dout, x: -dout * (x > 0))
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
    assert check("he_std", stub).__wrapped__ is EXERCISES["he_std"].reference
    assert check("he_std", lambda fan_in: 1.0) is mine  # wrong, but an answer passed before
    engine._PASSED.clear()  # a fresh kernel: nothing passed before
    assert check("he_std", lambda fan_in: 1.0).__wrapped__ is EXERCISES["he_std"].reference
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("✔ he_std: passed") and out[1].startswith("… he_std: not attempted")
    assert out[2].startswith("✘ he_std: wrong")
    statuses = [json.loads(line)["status"] for line in report.read_text().splitlines()]
    assert statuses == [PASSED, NOT_ATTEMPTED, WRONG, WRONG]


def test_unknown_exercise_lists_the_allowed_names():
    with pytest.raises(ValueError, match=r"no exercise 'relu'; allowed: \['bce_grad'"):
        check("relu", lambda: None)


# ---------------------------------------------------------------- never "passed" for the reference


def stub(*args):
    raise NotImplementedError


def test_rerunning_a_check_cell_after_a_wrong_answer_does_not_pass_the_reference(capsys):
    gradients = check("gradients", lambda x1, x2, x3, y, a, b, c, d: (0.0, 0.0, 0.0, 0.0))
    first = capsys.readouterr().out
    assert first.startswith("✘ gradients: wrong")
    assert "The lab goes on with the reference solution" in first
    assert "run your `def gradients` cell, then this cell" in first
    again = check("gradients", gradients)  # the check cell run a second time
    out = capsys.readouterr().out
    assert again is gradients and "passed" not in out and "✔" not in out
    assert "`gradients` still holds the reference solution since its last check" in out
    assert "(your answer was wrong)" in out and "run your `def gradients` cell" in out


def test_rerunning_a_check_cell_after_not_attempted_says_so(tmp_path, monkeypatch, capsys):
    report = tmp_path / "verdicts.jsonl"
    monkeypatch.setenv("LAB_CHECK_REPORT", str(report))
    relu_backward = check("relu_backward", stub)
    check("relu_backward", relu_backward)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("… relu_backward: not attempted — The lab goes on with the reference")
    assert out[1].startswith("… relu_backward: not attempted — `relu_backward` still holds")
    assert [json.loads(line)["status"] for line in report.read_text().splitlines()] == [
        NOT_ATTEMPTED,
        NOT_ATTEMPTED,
    ]


def test_the_reference_from_reference_is_not_an_answer(capsys):
    ref = reference("he_std")
    assert ref(200) == pytest.approx(0.1)  # callable like the student's function
    assert check("he_std", ref) is ref
    out = capsys.readouterr().out
    assert out.startswith("… he_std: not attempted — this is the reference solution from")


def test_an_answer_that_calls_the_reference_is_not_an_answer():
    verdict = judge("xavier_std", lambda fan_in, fan_out: reference("xavier_std")(fan_in, fan_out))
    assert verdict.status == NOT_ATTEMPTED and "calls the reference" in verdict.message


def test_a_passed_answer_is_handed_back_and_passes_again():
    def he_std(fan_in):
        return (2 / fan_in) ** 0.5

    assert check("he_std", check("he_std", he_std)) is he_std


# ---------------------------------------------------------------- what the lab needs


def _gradients_into_column(x1, x2, x3, y, a, b, c, d):
    return np.array(EXERCISES["gradients"].reference(x1, x2, x3, y, a, b, c, d)).reshape(4, 1)


def _polar_in_numpy(x):
    a = x.numpy()
    theta, r = np.arctan2(a[:, 1], a[:, 0]), np.hypot(a[:, 0], a[:, 1])
    return np.stack([np.cos(theta), np.sin(theta), np.cos(r), np.sin(r)], axis=1)


def _polar_via_float64(x):
    return torch.tensor(_polar_in_numpy(x).astype(np.float64))


def _log_gradients_without_none_check(writer, model, epoch):
    for name, param in model.named_parameters():
        writer.add_histogram(f"grads/{name}", param.grad, epoch)


def _sgd_step_in_place(params, grads, lr):
    params -= lr * grads
    return params


def _mlp_forward_to_numpy(layers, x):
    for layer in layers:
        x = layer(x)
    return x.detach().numpy()


def _log_losses_with_add_scalars(writer, history, epoch):
    writer.add_scalars("loss", {"train": history.train_loss[-1]}, epoch)


def _log_losses_without_step(writer, history, epoch):
    writer.add_scalar("loss/train", history.train_loss[-1])
    writer.add_scalar("loss/valid", history.valid_loss[-1])


# (exercise, an answer that the lab could not use, a part of the message)
BROKEN_CONTRACTS = [
    ("relu_backward", lambda dout, x: torch.tensor(dout * (x > 0)), "return a numpy array"),
    (
        "linear_backward",
        lambda dout, x, W: (dout @ W.T, x.T @ dout, torch.tensor(dout.sum(0))),
        "db is a torch tensor",
    ),
    (
        "bce_grad",
        lambda p, y: ((p - y) / (p * (1 - p)) / len(p)).astype(np.float32),
        "float32, but the lab's arrays are float64",
    ),
    ("gradients", _gradients_into_column, "got a numpy array of shape (4, 1)"),
    (
        "sgd_step",
        _sgd_step_in_place,
        "changes its argument `params` in place. Hint: `params -= lr * grads`",
    ),
    ("polar_features", _polar_in_numpy, "features is a numpy array"),
    ("polar_features", _polar_via_float64, "float64, but the input is float32"),
    ("mlp_forward", _mlp_forward_to_numpy, "return a torch tensor"),
    ("log_gradients", _log_gradients_without_none_check, "param.grad is None: skip those"),
    (
        "log_losses",
        _log_losses_with_add_scalars,
        "it called writer.add_scalars; this exercise asks for writer.add_scalar",
    ),
    ("log_losses", _log_losses_without_step, "'loss/train' was logged without a step"),
    ("he_std", lambda fan_in: torch.tensor(2 / fan_in).sqrt(), "return a plain number"),
    (
        "leaky_relu_gain",
        lambda alpha: np.array([2 / (1 + alpha**2)]) ** 0.5,
        "should be one number",
    ),
]


@pytest.mark.parametrize(("name", "answer", "said"), BROKEN_CONTRACTS)
def test_an_answer_the_lab_cannot_use_is_wrong_in_the_labs_terms(name, answer, said, capsys):
    verdict = judge(name, answer)
    assert verdict.status == WRONG and said in verdict.message, verdict.message
    assert "RecordingWriter" not in verdict.message + capsys.readouterr().out


def _gradients_vectorised(x1, x2, x3, y, a, b, c, d):
    X = np.column_stack([np.ones_like(x1), x1, x2, x3])
    r = X @ np.array([a, b, c, d]) - y
    return X.T @ r / len(r)


def _gradients_looped(x1, x2, x3, y, a, b, c, d):
    n, grads = len(y), [0.0, 0.0, 0.0, 0.0]
    for i in range(n):
        r = a + b * x1[i] + c * x2[i] + d * x3[i] - y[i]
        for j, factor in enumerate((1.0, x1[i], x2[i], x3[i])):
            grads[j] += r * factor / n
    return grads


def _polar_with_hypot(x):
    theta, r = torch.atan2(x[:, 1], x[:, 0]), torch.hypot(x[:, 0], x[:, 1])
    return torch.column_stack([theta.cos(), theta.sin(), r.cos(), r.sin()])


def _log_gradients_as_numpy(writer, model, epoch):
    for name, param in model.named_parameters():
        if param.grad is not None:
            writer.add_histogram("grads/" + name, param.grad.cpu().numpy(), global_step=epoch)


def _log_losses_as_tensors(writer, history, epoch):
    writer.add_scalar("loss/valid", torch.tensor(history.valid_loss[-1]), global_step=epoch)
    writer.add_scalar("loss/train", np.float32(history.train_loss[-1]), epoch)


# (exercise, a right answer in another form than the reference)
OTHER_RIGHT_FORMS = [
    ("gradients", _gradients_vectorised),
    ("gradients", _gradients_looped),
    (
        "sgd_step",
        lambda params, grads, lr: [p - lr * g for p, g in zip(params, grads, strict=True)],
    ),
    ("relu_backward", lambda dout, x: np.where(x > 0, dout, 0.0)),
    ("linear_backward", lambda dout, x, W: [dout @ W.T, x.T @ dout, np.sum(dout, axis=0)]),
    ("bce_grad", lambda p, y: (-y / p + (1 - y) / (1 - p)) / p.shape[0]),
    ("mlp_forward", lambda layers, x: torch.nn.Sequential(*layers)(x)),
    ("polar_features", _polar_with_hypot),
    ("log_gradients", _log_gradients_as_numpy),
    ("log_losses", _log_losses_as_tensors),
    ("he_std", lambda fan_in: np.sqrt(2 / fan_in)),
    ("xavier_std", lambda fan_in, fan_out: (1 / ((fan_in + fan_out) / 2)) ** 0.5),
    ("leaky_relu_gain", lambda alpha: (2 / (1 + alpha * alpha)) ** 0.5),
]


@pytest.mark.parametrize(("name", "answer"), OTHER_RIGHT_FORMS)
def test_every_right_form_passes(name, answer):
    for seed in range(3):
        verdict = judge(name, answer, seed=seed)
        assert verdict.status == PASSED, verdict.message


# ---------------------------------------------------------------- messages a student can act on


def test_a_constant_written_in_is_shown_with_the_inputs():
    verdict = judge("he_std", lambda fan_in: (2 / 200) ** 0.5)
    assert verdict.message.startswith("with fan_in=")
    assert "It gives the same result with fan_in=" in verdict.message
    assert "the result must change with the arguments" in verdict.message
    assert "Hint" not in verdict.message  # what it saw, not a guess at why


def test_an_edge_case_is_named_by_its_input():
    verdict = judge("leaky_relu_gain", lambda alpha: 2**0.5)  # ReLU's gain, whatever α
    assert verdict.message.startswith("with alpha=1: gain: expected 1, got 1.41421")


def test_in_place_hint_belongs_to_the_exercise():
    verdict = judge("sgd_step", _sgd_step_in_place)
    assert "dout" not in verdict.message


def test_history_changed_in_place_is_wrong():
    def pops(writer, history, epoch):
        writer.add_scalar("loss/train", history.train_loss.pop(), epoch)
        writer.add_scalar("loss/valid", history.valid_loss.pop(), epoch)

    verdict = judge("log_losses", pops)
    assert "changes its argument `history` in place" in verdict.message


def test_gradients_changed_in_place_are_wrong():
    def zeroes(writer, model, epoch):
        for name, param in model.named_parameters():
            if param.grad is not None:
                writer.add_histogram(f"grads/{name}", param.grad, epoch)
                param.grad.zero_()

    verdict = judge("log_gradients", zeroes)
    assert "changes its argument `model` in place" in verdict.message
    assert "the optimizer's step still needs param.grad" in verdict.message


def test_polar_features_through_numpy_is_wrong_even_when_it_returns_float32():
    def through_numpy(x):
        return torch.from_numpy(_polar_in_numpy(x))  # float32 on the CPU, but not on a GPU

    verdict = judge("polar_features", through_numpy)
    assert verdict.status == WRONG and "which may be a GPU" in verdict.message


def test_logging_the_whole_loss_list_gets_its_hint():
    def whole_list(writer, history, epoch):
        writer.add_scalar("loss/train", history.train_loss, epoch)

    verdict = judge("log_losses", whole_list)
    assert "value must be one number, got a list" in verdict.message
    assert verdict.message.endswith(
        "Hint: log one number per tag, this epoch's loss: history.train_loss[-1]"
    )


@pytest.mark.parametrize(
    "draw",
    [
        "np.random.uniform(np.log(low), np.log(high), size)",  # numpy's global generator
        "np.random.default_rng(0).uniform(np.log(low), np.log(high), size)",  # a new one
    ],
)
def test_log_uniform_must_draw_from_the_given_generator(draw):
    code = f"def log_uniform(low, high, size, rng):\n    return np.exp({draw})"
    namespace = {"np": np}
    exec(code, namespace)
    verdict = judge("log_uniform", namespace["log_uniform"])
    assert verdict.status == WRONG
    assert "the generator rng was not used" in verdict.message


# ---------------------------------------------------------------- judged by what the statement asks


def _log_uniform_from_high_down(low, high, size, rng):
    u = rng.uniform(0, 1, size)
    return np.exp(np.log(high) - u * (np.log(high) - np.log(low)))


def _log_uniform_base_ten(low, high, size, rng):
    return 10 ** rng.uniform(np.log10(low), np.log10(high), size)


def _log_uniform_by_power(low, high, size, rng):
    return low * (high / low) ** rng.random(size)


@pytest.mark.parametrize(
    "answer", [_log_uniform_from_high_down, _log_uniform_base_ten, _log_uniform_by_power]
)
def test_log_uniform_is_judged_by_its_distribution_not_one_recipe(answer):
    for seed in range(3):
        verdict = judge("log_uniform", answer, seed=seed)
        assert verdict.status == PASSED, verdict.message


def _log_uniform_squared(low, high, size, rng):
    return np.exp(np.log(low) + (np.log(high) - np.log(low)) * rng.random(size) ** 2)


def _log_uniform_shuffled_grid(low, high, size, rng):
    return rng.permutation(np.logspace(np.log10(low), np.log10(high), size, endpoint=False))


def _log_uniform_choosing_from_20_values(low, high, size, rng):
    return rng.choice(np.logspace(np.log10(low), np.log10(high), 20), size)


def test_log_uniform_choosing_from_a_fixed_set_is_wrong_on_every_draw():
    """Twenty log-spaced values to choose from passed the distribution test on 3 of 30 seeds."""
    for seed in range(30):
        verdict = judge("log_uniform", _log_uniform_choosing_from_20_values, seed=seed)
        assert verdict.status == WRONG and "distinct values among" in verdict.message, seed
    # clipped samples repeat low and high: the message names the repeated value
    clipped = judge(
        "log_uniform", lambda low, high, size, rng: rng.uniform(0, 2 * high, size).clip(low, high)
    )
    assert re.search(r"\(\S+ appears \d+ times\)", clipped.message), clipped.message


def _log_uniform_mixing_the_global_generator(low, high, size, rng):
    samples = np.exp(rng.uniform(np.log(low), np.log(high), size))
    return samples[np.random.permutation(size)]  # noqa: NPY002 (the mistake under test)


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (_log_uniform_squared, "not spread evenly over its orders of magnitude"),
        (_log_uniform_shuffled_grid, "they look like a grid, not independent draws"),
        (
            _log_uniform_mixing_the_global_generator,
            "two generators with the same seed gave different samples",
        ),
        (lambda low, high, size, rng: np.exp(rng.uniform(0, 1, size)), "expected a value in [low"),
    ],
)
def test_log_uniform_off_its_distribution_is_wrong_without_a_guess(answer, said):
    for seed in range(2):
        verdict = judge("log_uniform", answer, seed=seed)
        assert verdict.status == WRONG and said in verdict.message, verdict.message
        assert "Hint" not in verdict.message


def _step(loss_of, *, returned=lambda loss: loss, tag="loss/train"):
    def training_step(self, batch, batch_idx):
        X, y = batch
        loss = loss_of(self(X), y)
        if tag:
            self.log(tag, loss, on_step=False, on_epoch=True)
        return returned(loss)

    return training_step


def _sigmoid_bce(z, y):
    return torch.nn.functional.binary_cross_entropy(torch.sigmoid(z), y)


def _stable_bce(z, y):
    logsigmoid = torch.nn.functional.logsigmoid
    return -(y * logsigmoid(z) + (1 - y) * logsigmoid(-z)).mean()


def test_training_step_with_sigmoid_and_bce_is_wrong_on_confident_logits():
    for seed in range(2):
        verdict = judge("training_step", _step(_sigmoid_bce), seed=seed)
        assert verdict.status == WRONG
        assert "are confident here" in verdict.message
        assert "sigmoid rounds to 0 or 1" in verdict.message
        assert judge("training_step", _step(_stable_bce), seed=seed).status == PASSED
        bce_module = torch.nn.BCEWithLogitsLoss()
        assert judge("training_step", _step(bce_module), seed=seed).status == PASSED


def test_mlp_forward_with_a_relu_at_the_end_is_wrong_on_every_draw():
    """Random layers alone gave every output the same sign in some draws (2 of 30 seeds), and
    there a ReLU after the last layer passed; the inputs now straddle 0 in every draw."""
    relu_at_the_end = EXERCISES["mlp_forward"].mistake("relu_on_output").wrong
    for seed in range(30):
        assert judge("mlp_forward", relu_at_the_end, seed=seed).status == WRONG, seed


def test_mlp_forward_detached_is_wrong_because_the_loss_needs_its_graph():
    def detached(layers, x):
        for layer in layers:
            x = layer(x).detach()
        return x

    verdict = judge("mlp_forward", detached, seed=0)
    assert verdict.status == WRONG and "output has no graph" in verdict.message


def _epoch(loss_of):
    def train_epoch(model, optimizer, X, y, order, batch_size):
        losses = []
        for k in range(len(X) // batch_size):
            batch = order[k * batch_size : (k + 1) * batch_size]
            optimizer.zero_grad()
            loss = loss_of(model(X[batch]), y[batch])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return float(np.mean(losses))

    return train_epoch


def test_train_epoch_with_sigmoid_and_bce_is_wrong_on_confident_logits():
    for seed in range(2):
        verdict = judge("train_epoch", _epoch(_sigmoid_bce), seed=seed)
        assert verdict.status == WRONG and "sigmoid rounds to 0 or 1" in verdict.message
        assert judge("train_epoch", _epoch(_stable_bce), seed=seed).status == PASSED
    mse = judge("train_epoch", _epoch(torch.nn.functional.mse_loss))
    assert "not the mean squared error" in mse.message


def test_training_step_logging_nothing_or_another_tag_gets_one_message():
    nothing = judge("training_step", _step(_stable_bce, tag=None)).message
    other = judge("training_step", _step(_stable_bce, tag="train_loss")).message
    assert "the step logged nothing; log the loss under the tag" in nothing
    assert "the step logged 'train_loss'; log the loss under the tag" in other
    assert "got -1" not in nothing + other


@pytest.mark.parametrize(
    ("reduce_fx", "status"), [("sum", WRONG), ("avg", PASSED), (torch.mean, PASSED)]
)
def test_training_step_must_log_the_epochs_mean(reduce_fx, status):
    def training_step(self, batch, batch_idx):
        X, y = batch
        loss = _stable_bce(self(X), y)
        self.log("loss/train", loss, on_step=False, on_epoch=True, reduce_fx=reduce_fx)
        return loss

    verdict = judge("training_step", training_step, seed=0)
    assert verdict.status == status, verdict.message
    assert status == PASSED or "reduce_fx='sum'" in verdict.message


def test_training_step_detach_is_not_told_about_item_and_yes_no_reads_yes_no():
    detached = judge("training_step", _step(_stable_bce, returned=lambda loss: loss.detach()))
    assert "has no graph" in detached.message and ".item()" not in detached.message
    item = judge("training_step", _step(_stable_bce, returned=lambda loss: loss.item()))
    assert "returns a tensor: expected yes, got no" in item.message
    assert ".item()" in item.message and "1 = yes" not in item.message


# ---------------------------------------------------------------- hints about the mistake made


def test_a_mistake_that_only_coincides_on_an_edge_case_gets_no_hint():
    """At α = 1, √(2 / (1 + α)²) gives 0.7071 like the known mistake √2 / (1 + α²); the hint
    of that mistake ("the square root covers the whole fraction") would describe a mistake this
    answer did not make. The known mistake itself still gets it."""
    squared_sum = judge("leaky_relu_gain", lambda alpha: (2 / (1 + alpha) ** 2) ** 0.5, seed=0)
    assert squared_sum.status == WRONG and "Hint" not in squared_sum.message
    known = EXERCISES["leaky_relu_gain"].mistake("sqrt_of_numerator")
    assert judge("leaky_relu_gain", known.wrong, seed=0).message.endswith(known.hint)


def test_a_factor_of_the_batch_size_is_named_without_guessing_sum_or_mean():
    """bce_grad is the gradient of a mean: dividing by N twice is one division too many (not
    "sum, don't average", which this answer did not do); not dividing at all is a known mistake."""
    twice = judge("bce_grad", lambda p, y: (p - y) / (p * (1 - p)) / len(p) ** 2, seed=0)
    assert twice.status == WRONG
    assert twice.message.endswith("times too small: one division by N too many")


def test_a_generic_hint_is_about_the_output_the_message_shows():
    """dx doubled and dW negated: the message shows dx, so no hint about a sign (dW's)."""
    verdict = judge(
        "linear_backward", lambda dout, x, W: (dout @ W.T * 2, -(x.T @ dout), dout.sum(0))
    )
    assert "dx at index" in verdict.message
    assert "wrong sign" not in verdict.message
    # the sign alone on dx: the hint is about dx
    negated = judge("linear_backward", lambda dout, x, W: (-(dout @ W.T), x.T @ dout, dout.sum(0)))
    assert (
        "dx at index" in negated.message
        and "Hint: every value has the wrong sign" in negated.message
    )


def test_flushing_the_writer_is_allowed():
    def log_losses(writer, history, epoch):
        writer.add_scalar("loss/train", history.train_loss[-1], epoch)
        writer.add_scalar("loss/valid", history.valid_loss[-1], epoch)
        writer.flush()

    assert judge("log_losses", log_losses).status == PASSED


def test_polar_features_may_check_its_input_in_an_if():
    """An if on a tensor reads one value (it works on a GPU): only a detour through numpy or
    Python numbers is told it works only in the CPU's memory."""

    def guarded(x):
        r = torch.linalg.vector_norm(x, dim=1)
        if (r == 0).any():
            raise ValueError("a point at the origin has no angle")
        theta = torch.atan2(x[:, 1], x[:, 0])
        return torch.stack([theta.cos(), theta.sin(), r.cos(), r.sin()], dim=1)

    assert judge("polar_features", guarded).status == PASSED


def test_changing_x_in_place_is_told_about_x_not_dout():
    def in_place(dout, x):
        x[x <= 0] = 0
        return dout * (x > 0)

    verdict = judge("relu_backward", in_place)
    assert "changes its argument `x` in place" in verdict.message
    assert "forward input" in verdict.message and "dout[x <= 0]" not in verdict.message


def test_db_as_one_number_is_told_its_shape_not_the_next_layer():
    verdict = judge("linear_backward", lambda dout, x, W: (dout @ W.T, x.T @ dout, dout.sum()))
    assert verdict.status == WRONG and "one entry per output unit" in verdict.message
    assert "next layer" not in verdict.message


def test_calculate_gain_without_alpha_is_named():
    verdict = judge("leaky_relu_gain", lambda alpha: torch.nn.init.calculate_gain("leaky_relu"))
    assert verdict.message.endswith("calculate_gain('leaky_relu', alpha)")
    assert "fixed number" not in verdict.message


def test_float64_from_double_names_the_conversion_without_blaming_numpy_alone():
    verdict = judge("polar_features", lambda x: _polar_with_hypot(x.double()))
    assert verdict.status == WRONG and ".double()" in verdict.message


N = 200  # a notebook global an answer may read instead of its arguments


def test_a_notebook_global_read_by_a_wrong_answer_is_named():
    verdict = judge("bce_grad", lambda p, y: (p - y) / (p * (1 - p)) / N)
    assert "it reads the notebook's N = 200" in verdict.message


def test_swapped_sin_and_cos_get_their_hint():
    def swapped(x):
        return _polar_with_hypot(x)[:, [1, 0, 3, 2]]

    verdict = judge("polar_features", swapped)
    assert verdict.message.endswith("cos comes first, then sin: (cos θ, sin θ, cos r, sin r)")


def test_sigmoid_on_the_output_gets_its_hint():
    def with_sigmoid(layers, x):
        return torch.sigmoid(torch.nn.Sequential(*layers)(x))

    assert "applies the sigmoid" in judge("mlp_forward", with_sigmoid).message


def test_no_minus_zero_in_messages():
    assert compare.difference(-0.0, 1.0, "g", 1e-6) == "g: expected 0, got 1"


# ---------------------------------------------------------------- the def cell and the check cell


def test_a_your_turn_stub_leaves_the_name_usable_until_its_answer_passes(capsys):
    from dllab.exercises import your_turn

    @your_turn
    def he_std(fan_in):
        raise NotImplementedError  # your code here

    assert he_std(200) == pytest.approx(0.1)  # a later cell runs with the reference
    assert "uses the reference solution until your answer passes" in capsys.readouterr().out
    assert "not checked yet" in repr(he_std)
    assert check("he_std", he_std).status == NOT_ATTEMPTED

    @your_turn
    def he_std(fan_in):  # noqa: F811 (the student's second attempt)
        return (2 / fan_in) ** 0.5

    passed = check("he_std", he_std)
    assert passed is he_std.answer and check("he_std", passed) is passed


def test_checking_a_broken_function_after_a_passed_answer_keeps_the_passed_answer(capsys):
    def relu_backward(dout, x):
        return dout * (x > 0)

    passed = check("relu_backward", relu_backward)
    broken = lambda dout, x: dout  # noqa: E731 (lab 2's exercise 2)
    after = check("relu_backward", broken)
    out = capsys.readouterr().out
    assert "✘ relu_backward: wrong" in out and after is passed
    assert "goes on with your answer that passed its check earlier" in out
    assert check("relu_backward", after) is passed  # re-running the check cell: passed again


def test_a_loss_without_graph_in_train_epoch_is_not_blamed_on_item():
    def detached(model, optimizer, X, y, order, batch_size):
        losses = []
        for k in range(len(X) // batch_size):
            batch = order[k * batch_size : (k + 1) * batch_size]
            optimizer.zero_grad()
            with torch.no_grad():
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    model(X[batch]), y[batch]
                )
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return sum(losses) / len(losses)

    verdict = judge("train_epoch", detached)
    assert "no graph to backpropagate through" in verdict.message
    assert ".item()" not in verdict.message


def test_a_division_by_alpha_is_not_told_about_one_minus_alpha_squared():
    verdict = judge("leaky_relu_gain", lambda alpha: (2 / (alpha + alpha**2)) ** 0.5)
    assert "raised ZeroDivisionError" in verdict.message and "1 − α²" not in verdict.message

import functools
import math

import numpy as np
import pytest
import torch
from torch import nn

from dllab.models import MLP
from dllab.weight_init import (
    Scheme,
    activation_stats,
    gain,
    initialize,
    kaiming_normal,
    kaiming_uniform,
    normal,
    uniform,
    xavier_normal,
    xavier_uniform,
)

D = 1000
ALPHA = 0.2


@pytest.fixture(scope="module")
def stats():
    corrected = math.sqrt(2 / ((1 + ALPHA**2) * D))
    schemes = {
        "normal(0, 1)": Scheme("normal", 1.0),
        "normal(0, 0.01)": Scheme("normal", 0.01),
        "He": Scheme("normal", math.sqrt(2 / D)),
        "leaky He": Scheme("normal", math.sqrt(2 / D), "leaky_relu", ALPHA),
        "leaky corrected": Scheme("normal", corrected, "leaky_relu", ALPHA),
    }
    return activation_stats(schemes, depth=50, width=D, seed=1234)


def test_relu_he_keeps_the_std_within_a_factor_2_over_50_layers(stats):
    std = stats["He"].std
    assert len(std) == 50
    assert 0.5 < std[49] / std[0] < 2


def test_normal_1_explodes_and_normal_001_vanishes_by_layer_10(stats):
    assert stats["normal(0, 1)"].std[9] > 1e6
    assert stats["normal(0, 0.01)"].std[9] < 1e-6
    assert np.all(np.isfinite(stats["normal(0, 1)"].std))


def test_leaky_relu_correction_stays_closer_to_constant(stats):
    def drift(s):
        return abs(math.log(s.std[-1] / s.std[0]))

    assert drift(stats["leaky corrected"]) < drift(stats["leaky He"])


def test_common_random_numbers_make_relu_schemes_exact_rescalings(stats):
    # ReLU is positively homogeneous, so with the same draws scale s gives s^layer times scale 1.
    ratio = stats["normal(0, 0.01)"].std / stats["normal(0, 1)"].std
    np.testing.assert_allclose(ratio, 0.01 ** np.arange(1, 51), rtol=1e-9)


def test_activation_stats_is_deterministic_and_seeded():
    schemes = {"a": Scheme("uniform", 0.05, "tanh")}
    first = activation_stats(schemes, depth=3, width=50, seed=7)["a"]
    again = activation_stats(schemes, depth=3, width=50, seed=7)["a"]
    other = activation_stats(schemes, depth=3, width=50, seed=8)["a"]
    assert np.array_equal(first.std, again.std) and not np.array_equal(first.std, other.std)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"depth": 0}, "depth must be an int of at least 1, got 0"),
        ({"width": 0}, "width must be an int of at least 1"),
        (
            {"schemes": {"x": Scheme("normal", 1.0, "swish")}},
            r"activation='swish' is unknown; allowed: \('linear', 'relu', 'leaky_relu', 'tanh'\)",
        ),
        (
            {"schemes": {"x": Scheme("cauchy", 1.0)}},
            r"dist='cauchy' is unknown; allowed: \('normal', 'uniform'\)",
        ),
    ],
)
def test_activation_stats_rejects_bad_arguments(kwargs, message):
    args = {"schemes": {"x": Scheme("normal", 1.0)}, "depth": 2, "width": 10} | kwargs
    with pytest.raises(ValueError, match=message):
        activation_stats(args.pop("schemes"), **args)


def test_gain_values_and_unknown_name():
    assert gain("relu") == pytest.approx(nn.init.calculate_gain("relu"))
    assert gain("tanh") == pytest.approx(nn.init.calculate_gain("tanh"))
    assert gain("leaky_relu", 0.2) == pytest.approx(nn.init.calculate_gain("leaky_relu", 0.2))
    with pytest.raises(ValueError, match=r"nonlinearity='gelu' is unknown; allowed: \("):
        gain("gelu")


SHAPE = (600, 400)  # (fan_out, fan_in): 240,000 draws, sampling error of the std ≈ 0.15 %
FAN_OUT, FAN_IN = SHAPE


@pytest.mark.parametrize(
    ("ours", "theirs", "formula"),
    [
        (functools.partial(normal, std=0.05), functools.partial(nn.init.normal_, std=0.05), 0.05),
        (
            functools.partial(uniform, bound=0.3),
            functools.partial(nn.init.uniform_, a=-0.3, b=0.3),
            0.3 / math.sqrt(3),
        ),
        (xavier_normal, nn.init.xavier_normal_, math.sqrt(2 / (FAN_IN + FAN_OUT))),
        (xavier_uniform, nn.init.xavier_uniform_, math.sqrt(2 / (FAN_IN + FAN_OUT))),
        (
            functools.partial(xavier_normal, gain=5 / 3),
            functools.partial(nn.init.xavier_normal_, gain=5 / 3),
            5 / 3 * math.sqrt(2 / (FAN_IN + FAN_OUT)),
        ),
        (
            kaiming_normal,
            functools.partial(nn.init.kaiming_normal_, nonlinearity="relu"),
            math.sqrt(2 / FAN_IN),
        ),
        (
            kaiming_uniform,
            functools.partial(nn.init.kaiming_uniform_, nonlinearity="relu"),
            math.sqrt(2 / FAN_IN),
        ),
        (
            functools.partial(kaiming_normal, nonlinearity="leaky_relu", alpha=ALPHA),
            functools.partial(nn.init.kaiming_normal_, a=ALPHA, nonlinearity="leaky_relu"),
            math.sqrt(2 / ((1 + ALPHA**2) * FAN_IN)),
        ),
        (
            functools.partial(kaiming_uniform, nonlinearity="tanh"),
            functools.partial(nn.init.kaiming_uniform_, nonlinearity="tanh"),
            5 / 3 / math.sqrt(FAN_IN),
        ),
    ],
    ids=[
        "normal",
        "uniform",
        "xavier_normal",
        "xavier_uniform",
        "xavier_gain",
        "kaiming_normal",
        "kaiming_uniform",
        "kaiming_leaky",
        "kaiming_tanh",
    ],
)
def test_initializer_std_matches_formula_and_torch(ours, theirs, formula):
    generator = torch.Generator().manual_seed(0)
    mine = ours(SHAPE, generator=generator)
    reference = theirs(torch.empty(SHAPE), generator=generator)
    assert mine.shape == SHAPE
    assert mine.mean().abs() < 0.01 * formula + 1e-4
    assert mine.std().item() == pytest.approx(formula, rel=0.05)
    assert mine.std().item() == pytest.approx(reference.std().item(), rel=0.05)


def test_initializers_use_their_generator():
    a = kaiming_normal((20, 10), generator=torch.Generator().manual_seed(3))
    b = kaiming_normal((20, 10), generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    with pytest.raises(
        ValueError, match=r"shape \(fan_out, fan_in\): two positive ints, got \(5,\)"
    ):
        xavier_normal((5,), generator=torch.Generator())


def test_initialize_sets_every_linear_layer():
    model = MLP(3, [8, 4])
    initialize(
        model, functools.partial(normal, std=0.5), generator=torch.Generator().manual_seed(1)
    )
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    expected = torch.Generator().manual_seed(1)
    for layer in linears:
        assert torch.equal(layer.weight, 0.5 * torch.randn(layer.weight.shape, generator=expected))
        assert torch.count_nonzero(layer.bias) == 0

import functools
import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch import nn

from dllab.display import plot_activation_stats
from dllab.models import MLP
from dllab.weight_init import (
    FLOAT32_MAX,
    FLOAT32_SUBNORMAL,
    FLOAT32_TINY,
    gain,
    initialize,
    kaiming_std,
    xavier_std,
)

ALPHA = 0.2


def test_plot_activation_stats_marks_float32_limits_and_keeps_the_legend_off_the_axes():
    layers = np.arange(1, 31)
    stats = {"up": (0.7 * 10.0**layers, 10.0**layers), "down": (0.7 * 0.1**layers, 0.1**layers)}
    fig = plot_activation_stats(stats, title="ReLU, scale 1: 30 layers", float32_limits=True)
    ax_std, ax_ratio = fig.axes
    assert ax_std.get_yscale() == "log" and ax_ratio.get_yscale() == "linear"
    low, high = ax_std.get_ylim()
    assert low <= FLOAT32_SUBNORMAL and high >= 1e30  # every limit and the data show
    ys = [line.get_ydata() for line in ax_std.get_lines()]
    assert any(np.isclose(y[0], FLOAT32_SUBNORMAL) for y in ys)  # the dotted line
    np.testing.assert_allclose(ax_ratio.get_lines()[0].get_ydata(), 0.7)  # mean ÷ std
    assert ax_std.get_legend() is None and ax_ratio.get_legend() is None
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[:2] == ["up", "down"] and any("float32" in label for label in labels)
    assert all(ax.get_xlabel() == "layer" and ax.get_ylabel() for ax in fig.axes)
    assert fig._suptitle.get_text() == "ReLU, scale 1: 30 layers"
    styles = [line.get_linestyle() for line in ax_std.get_lines()[:2]]
    assert styles[0] != styles[1]  # curves that coincide stay distinguishable
    plt.close(fig)


def test_plot_activation_stats_shows_two_decades_around_small_wiggles():
    stds = np.array([0.8, 0.9, 0.7, 0.85])
    fig = plot_activation_stats({"He": (0.68 * stds, stds)}, title="He")
    low, high = fig.axes[0].get_ylim()
    assert high / low >= 99 and low < 0.7 and high > 0.9  # no float32 band: no such range
    plt.close(fig)


def test_gain_values_and_unknown_name():
    assert gain("linear") == nn.init.calculate_gain("linear")
    assert gain("relu") == pytest.approx(nn.init.calculate_gain("relu"))
    assert gain("tanh") == pytest.approx(nn.init.calculate_gain("tanh"))
    assert gain("leaky_relu", 0.2) == pytest.approx(nn.init.calculate_gain("leaky_relu", 0.2))
    with pytest.raises(KeyError, match="gelu"):
        gain("gelu")


SHAPE = (600, 400)  # (fan_out, fan_in): 240,000 draws, sampling error of the std ≈ 0.15 %
FAN_OUT, FAN_IN = SHAPE


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (xavier_std(FAN_IN, FAN_OUT), nn.init.xavier_normal_),
        (xavier_std(FAN_IN, FAN_OUT, 5 / 3), functools.partial(nn.init.xavier_normal_, gain=5 / 3)),
        (kaiming_std(FAN_IN), nn.init.kaiming_normal_),
        (
            kaiming_std(FAN_IN, gain("leaky_relu", ALPHA)),
            functools.partial(nn.init.kaiming_normal_, a=ALPHA, nonlinearity="leaky_relu"),
        ),
        (
            kaiming_std(FAN_IN, gain("tanh")),
            functools.partial(nn.init.kaiming_normal_, nonlinearity="tanh"),
        ),
    ],
    ids=["xavier", "xavier_gain", "kaiming", "kaiming_leaky", "kaiming_tanh"],
)
def test_std_formulas_match_torch(ours, theirs):
    reference = theirs(torch.empty(SHAPE), generator=torch.Generator().manual_seed(0))
    assert reference.std().item() == pytest.approx(ours, rel=0.01)


def test_initialize_sets_every_linear_layer_and_accepts_numpy_ints():
    model = MLP(np.int64(3), [np.int64(8), 4])
    initialize(
        model,
        lambda shape, generator: 0.5 * torch.randn(shape, generator=generator),
        generator=torch.Generator().manual_seed(1),
    )
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert [tuple(m.weight.shape) for m in linears] == [(8, 3), (4, 8), (1, 4)]
    expected = torch.Generator().manual_seed(1)
    for layer in linears:
        assert torch.equal(layer.weight, 0.5 * torch.randn(layer.weight.shape, generator=expected))
        assert torch.count_nonzero(layer.bias) == 0


def test_a_bad_init_leaves_the_model_as_it_was():
    """NaN only in the last layer: the layers before it are not changed either."""
    model = MLP(2, [4])
    before = [p.clone() for p in model.parameters()]
    with pytest.raises(ValueError, match=r"init\(\(1, 4\)\)"):
        initialize(
            model,
            lambda shape, generator: torch.full(shape, math.nan if shape == (1, 4) else 0.5),
            generator=torch.Generator().manual_seed(0),
        )
    assert all(torch.equal(p, q) for p, q in zip(before, model.parameters(), strict=True))


def test_float32_limits_are_numpys():
    finfo = np.finfo(np.float32)
    assert FLOAT32_MAX == float(finfo.max) and FLOAT32_TINY == float(finfo.tiny)
    assert FLOAT32_SUBNORMAL == FLOAT32_TINY * finfo.eps  # 2^-126 · 2^-23 = 2^-149


def test_nn_linear_default_is_kaiming_uniform_with_a_sqrt5():
    # What lab 5's summary says: bound gain(leaky_relu, √5) · √3 / √fan_in = 1 / √fan_in.
    torch.manual_seed(0)
    weight = nn.Linear(400, 600).weight.detach()
    bound = gain("leaky_relu", math.sqrt(5)) * math.sqrt(3) / math.sqrt(400)
    assert bound == pytest.approx(1 / math.sqrt(400))
    assert weight.abs().max() <= bound and weight.abs().max() > 0.99 * bound
    assert weight.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.02)

"""The figures: curves that coincide stay tellable apart, legends stay off the data, markers
stay visible on every background."""

import numpy as np
import pytest

from dllab.display import plot_curves, plot_loss_curves


def _legend_and_axes_boxes(fig):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (ax,) = fig.axes
    (legend,) = fig.legends
    return legend.get_window_extent(renderer), ax.get_window_extent(renderer), ax


@pytest.mark.parametrize("where", ["right", "below"])
def test_coinciding_curves_get_distinct_styles_and_the_legend_sits_outside_the_axes(where):
    same = np.exp(-np.arange(50) / 10)
    fig = plot_loss_curves(
        {"one": same, "two": same, "three": same, "four": same, "five": same},
        title="five equal curves",
        legend=where,
    )
    legend, axes, ax = _legend_and_axes_boxes(fig)
    looks = {(line.get_linestyle(), line.get_marker()) for line in ax.get_lines()}
    assert len(looks) == 5  # no two lines drawn alike
    assert not legend.overlaps(axes)
    assert legend.x0 >= axes.x1 if where == "right" else legend.y1 <= axes.y0


def test_plot_curves_keeps_its_labels_and_rejects_an_unknown_legend_place():
    x = np.linspace(0, 1, 5)
    fig = plot_curves(x, {"a": x, "b": x**2}, xlabel="x (m)", ylabel="y (m)", title="t")
    legend, axes, ax = _legend_and_axes_boxes(fig)
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("x (m)", "y (m)", "t")
    assert not legend.overlaps(axes)
    with pytest.raises(ValueError, match="legend='inside'; allowed: 'right', 'below', 'none'"):
        plot_curves(x, {"a": x}, xlabel="x", ylabel="y", legend="inside")


def test_search_figure_keeps_its_legend_below_both_panels_and_tells_coinciding_searches_apart():
    from dllab.display import plot_search

    trials = ([0.1, 0.01, 0.001, 0.0001], [0.5, 0.33, 0.25, 0.2])  # (lr per trial, losses)
    runs = {"Optuna random": trials, "Optuna tpe": trials}  # the same points, as TPE's start
    fig = plot_search(runs, title="two searches")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (legend,) = fig.legends
    box = legend.get_window_extent(renderer)
    assert all(not box.overlaps(ax.get_window_extent(renderer)) for ax in fig.axes)
    markers = {line.get_marker() for line in fig.axes[0].get_lines()}
    assert len(markers) == 2
    with pytest.raises(ValueError, match="at most 4 strategies, got 5"):
        plot_search({f"s{i}": trials for i in range(5)})


def _luminance(rgba) -> float:
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_boundary_markers_have_an_edge_of_the_opposite_lightness_to_their_fill():
    """Every kind of point stays visible on the dark and the pale ends of the surface: a black
    marker has a light edge, a light one a dark edge."""
    import torch

    from dllab.data import spiral
    from dllab.display import decision_boundary

    X, y = spiral(200, seed=1)
    model = torch.nn.Linear(2, 1)
    with torch.no_grad():  # a line through the spiral: every kind of point, right and wrong
        model.weight.copy_(torch.tensor([[0.15, 0.05]]))
        model.bias.fill_(0.3)
    fig = decision_boundary(model, X, y, lim=25, points="test")
    kinds = [
        c
        for c in fig.axes[0].collections
        if c.get_label().split(" (")[0]
        in {"true positive", "true negative", "false positive", "false negative"}
    ]
    assert len(kinds) == 4
    for points in kinds:
        fill, edge = points.get_facecolor()[0], points.get_edgecolor()[0]
        assert abs(_luminance(fill) - _luminance(edge)) > 0.5, points.get_label()

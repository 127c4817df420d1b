"""Line plots: curves that coincide stay tellable apart, the legend stays off the data."""

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
    from dllab.lightning.plots import plot_search

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

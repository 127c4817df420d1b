"""A model's decision boundary as a figure: the numbers from metrics, the drawing from plots."""

from dllab.metrics import predict_proba, probability_grid
from dllab.plots import plot_decision_boundary


def decision_boundary(
    model,
    X,
    y,
    *,
    lim: float,
    title: str = "",
    metrics: dict | None = None,
    steps: int = 200,
    dpi: int = 100,
    compact: bool = False,
):
    """Figure of P(class 1) over [−lim, lim]² with the points X: (N, 2), labels y: (N,) marked.

    compact: a small preview without colorbar, legend and ticks (see plots.plot_decision_boundary).
    """
    xs, ys, P = probability_grid(model, lim, steps=steps)
    return plot_decision_boundary(
        xs,
        ys,
        P,
        X,
        y,
        predict_proba(model, X),
        metrics=metrics,
        title=title,
        dpi=dpi,
        compact=compact,
    )

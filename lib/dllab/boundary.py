"""Moved to dllab.display, the one home of the figures.

Kept only while tests/test_bad_input.py still imports these names from here: delete this file
once it imports them from dllab.display (issue 21's merge).
"""

from dllab.display import decision_boundary, plot_decision_boundary, plot_spiral, probability_grid

__all__ = ["decision_boundary", "plot_decision_boundary", "plot_spiral", "probability_grid"]

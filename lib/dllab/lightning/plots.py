"""Moved to dllab.display, the one home of the figures.

Kept only while tests/test_lab6_search.py still imports these names from here: delete this file
once it imports them from dllab.display (issue 21's merge).
"""

from dllab.display import coinciding, plot_search

__all__ = ["coinciding", "plot_search"]

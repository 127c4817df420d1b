from pathlib import Path

import pytest
from kernel import execute, images, text_output

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.kernel
def test_harness_shows_plot_inline(tmp_path):
    nb = execute(FIXTURES / "plot_cells.py")
    assert len(images(nb)) == 1
    out = text_output(nb)
    assert "quick: True" in out
    assert "backend: agg" not in out.lower()  # the kernel keeps its inline backend
    assert not list((tmp_path / "runs").rglob("*.png"))  # inline, not saved, inside a kernel


@pytest.mark.kernel
def test_harness_failing_cell_shows_cell_and_traceback():
    with pytest.raises(pytest.fail.Exception) as info:
        execute(FIXTURES / "failing_cell.py")
    message = str(info.value)
    assert 'raise ValueError("this cell fails on purpose")' in message
    assert "ValueError" in message and "failing_cell.py" in message

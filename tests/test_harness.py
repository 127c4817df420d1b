from glob import glob
from pathlib import Path

import jupytext
import pytest
from jupyter_core.paths import jupyter_runtime_dir
from kernel import execute, images, text_output

from dllab.exercises.notebook import kernel_client

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


@pytest.mark.kernel
def test_kernels_talk_over_private_sockets_that_go_with_them(tmp_path):
    """Kernels started at the same moment over TCP could pick one free port; the second died
    with "Address already in use" (seen as "Kernel died before replying to kernel_info" in a
    suite run). kernel_client's kernels use Unix sockets of their own in Jupyter's runtime
    folder, removed with the kernel."""
    nb = jupytext.reads("# %%\nprint('hello')\n", fmt="py:percent")
    clients = [kernel_client(nb, tmp_path / "lab.py", 60) for _ in range(2)]
    with clients[0].setup_kernel(), clients[1].setup_kernel():
        infos = [client.km.get_connection_info() for client in clients]
        sockets = [sorted(glob(info["ip"] + "-*")) for info in infos]
        clients[1].execute_cell(nb.cells[0], 0)
    assert [info["transport"] for info in infos] == ["ipc", "ipc"]
    assert infos[0]["ip"] != infos[1]["ip"]
    assert all(Path(info["ip"]).parent == Path(jupyter_runtime_dir()) for info in infos)
    assert [len(found) for found in sockets] == [5, 5]  # shell, iopub, stdin, control, heartbeat
    assert not any(glob(info["ip"] + "*") for info in infos)
    assert nb.cells[0].outputs[0]["text"] == "hello\n"

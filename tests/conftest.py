import shutil
import sys

import pytest


@pytest.fixture(autouse=True)
def _isolated_runs(tmp_path, monkeypatch):
    """Tests write their runs into a temporary folder, never into the student's runs/."""
    monkeypatch.setenv("LAB_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.delenv("LAB_DEVICE", raising=False)
    # No autoreload in the kernels the tests start: nothing is edited while they run.
    monkeypatch.setenv("LAB_AUTORELOAD", "0")


@pytest.fixture(autouse=True, scope="session")
def _remove_session_runs():
    """The runs folders that tests/kernel.py keeps for the session go when the session ends."""
    yield
    kernel = sys.modules.get("kernel")
    for runs in getattr(kernel, "SESSION_RUNS", []):
        shutil.rmtree(runs, ignore_errors=True)

import pytest


@pytest.fixture(autouse=True)
def _isolated_runs(tmp_path, monkeypatch):
    """Tests write their runs into a temporary folder, never into the student's runs/."""
    monkeypatch.setenv("LAB_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.delenv("LAB_DEVICE", raising=False)
    # No autoreload in the kernels the tests start: nothing is edited while they run.
    monkeypatch.setenv("LAB_AUTORELOAD", "0")


def pytest_sessionstart(session):
    """No lab session is left from an earlier test run (tests/kernel.py shares them by folder)."""
    from kernel import remove_sessions

    remove_sessions()


def pytest_sessionfinish(session, exitstatus):
    """The kernel runs' folders are shared by several tests; remove them at the very end."""
    from kernel import remove_sessions

    remove_sessions()

import pytest


@pytest.fixture(autouse=True)
def _isolated_runs(tmp_path, monkeypatch):
    """Tests write their runs into a temporary folder, never into the student's runs/."""
    monkeypatch.setenv("LAB_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.delenv("LAB_DEVICE", raising=False)
    # No autoreload in the kernels the tests start: nothing is edited while they run.
    monkeypatch.setenv("LAB_AUTORELOAD", "0")


@pytest.fixture(scope="session")
def labs(tmp_path_factory):
    """The labs' runs of this test session (tests/kernel.py's LabRuns): each lab once in a
    kernel and once as a script, shared by the tests of that lab (one xdist_group per lab)."""
    from kernel import LabRuns

    return LabRuns(tmp_path_factory)

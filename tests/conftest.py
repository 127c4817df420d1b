import pytest


@pytest.fixture(autouse=True)
def _isolated_runs(tmp_path, monkeypatch, request):
    """Tests write their runs into a temporary folder, never into the student's runs/."""
    _grouped_on_one_worker(request)
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


def _grouped_on_one_worker(request):
    """Under `--dist loadgroup` (scripts/test.sh) a pytest-xdist worker gives each test with an
    xdist_group mark the node id suffix "@<group>", by which the tests of one lab are sent to one
    worker. Should that stop (pytest 9.2 with xdist 3.8 does it silently), each lab would run
    once per worker: such a test fails instead."""
    node = request.node
    if getattr(request.config.option, "loadgroup", False) and node.get_closest_marker(
        "xdist_group"
    ):
        if "@" not in node.nodeid:
            pytest.fail(
                f"pytest-xdist did not group {node.nodeid} by its xdist_group mark: "
                "install the versions of requirements.lock (scripts/setup.sh)",
                pytrace=False,
            )

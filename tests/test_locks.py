"""The locks, pyproject.toml and the Dockerfile agree; scripts/locks.py writes and checks locks."""

import importlib.util
import json
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("locks", REPO / "scripts/locks.py")
locks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(locks)

LOCK = locks.read_lock(REPO / "requirements.lock")
CUDA_LOCK = locks.read_lock(REPO / "requirements-cuda.lock")
CUDA_ONLY = re.compile(r"nvidia-.*|cuda-.*|triton")


def test_every_project_dependency_is_pinned():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["dev"]
    missing = [name for name in wanted if locks.canonical(Requirement(name).name) not in LOCK]
    assert not missing, f"not pinned in requirements.lock: {missing}"
    assert LOCK["torch"] == "2.13.0"


def test_the_lock_is_closed_over_the_installed_requirements():
    """Each locked package's own requirements (for this platform) are locked too."""
    unpinned = set()
    for name in LOCK:
        for text in metadata.requires(name) or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                dep = locks.canonical(req.name)
                if dep not in LOCK and dep not in CUDA_LOCK:
                    unpinned.add(f"{dep} (for {name})")
    assert not unpinned, f"required but not locked: {sorted(unpinned)}"


def test_cuda_lock_is_the_lock_plus_only_cuda_packages():
    differing = {n: (v, CUDA_LOCK.get(n)) for n, v in LOCK.items() if CUDA_LOCK.get(n) != v}
    assert not differing, f"pinned differently in requirements-cuda.lock: {differing}"
    extra = set(CUDA_LOCK) - set(LOCK)
    assert extra and all(CUDA_ONLY.fullmatch(name) for name in extra), sorted(extra)
    # The three that floated before: now pinned like every other package.
    assert {"cuda-bindings", "cuda-pathfinder", "nvidia-nvjitlink"} <= extra


def test_cuda_lock_header_names_the_command_and_the_cuda_version():
    header = (REPO / "requirements-cuda.lock").read_text().split("\n", 8)[:8]
    text = "\n".join(header)
    assert ".venv/bin/python scripts/locks.py cuda" in text
    assert f"torch's CUDA: {locks.cuda_version(CUDA_LOCK)};" in text


def test_base_image_cuda_matches_torch_cuda():
    dockerfile = (REPO / ".devcontainer/Dockerfile").read_text()
    base = re.search(r"^FROM nvidia/cuda:(\d+\.\d+)\.\d+-base-ubuntu24\.04$", dockerfile, re.M)
    assert base, "FROM must name an nvidia/cuda:X.Y.Z-base-ubuntu24.04 image"
    assert base.group(1) == locks.cuda_version(CUDA_LOCK) == "13.0"


def fake_report(pins: dict[str, str]) -> dict:
    return {"install": [{"metadata": {"name": n, "version": v}} for n, v in pins.items()]}


def test_lock_text_from_a_report():
    base = {"torch": "2.13.0", "typing-extensions": "4.16.0"}
    report = fake_report(
        {
            "typing_extensions": "4.16.0",
            "torch": "2.13.0",
            "nvidia-cuda-runtime": "13.0.96",
            "triton": "3.7.1",
        }
    )
    text = locks.lock_text(report, base)
    body = [line for line in text.splitlines() if not line.startswith("#")]
    assert body == [
        "nvidia-cuda-runtime==13.0.96",
        "torch==2.13.0",
        "triton==3.7.1",
        "typing_extensions==4.16.0",
    ]
    assert "torch's CUDA: 13.0;" in text
    assert "# Not in requirements.lock: nvidia-cuda-runtime, triton" in text


def test_lock_text_refuses_a_resolution_that_differs_from_the_lock():
    report = fake_report({"torch": "2.12.0", "nvidia-cuda-runtime": "13.0.96"})
    with pytest.raises(ValueError, match=r"torch==2\.12\.0 but requirements.lock pins 2\.13\.0"):
        locks.lock_text(report, {"torch": "2.13.0"})
    with pytest.raises(ValueError, match="not a CUDA build"):
        locks.lock_text(fake_report({"torch": "2.13.0"}), {"torch": "2.13.0"})


def test_cuda_subcommand_writes_the_lock_from_a_report(tmp_path):
    report = tmp_path / "report.json"
    report.write_text(json.dumps(fake_report(CUDA_LOCK)))
    out = tmp_path / "cuda.lock"
    assert locks.main(["cuda", "--from-report", str(report), "--output", str(out)]) == 0
    assert locks.read_lock(out) == CUDA_LOCK


def test_differences_between_a_lock_and_an_environment():
    have = {
        "torch": ("2.13.0+cpu", False),
        "numpy": ("2.4.5", False),
        "dllab": ("0.1.0", True),
        "pip": ("25.0", False),
        "ipdb": ("0.13", False),
    }
    lock = {"torch": "2.13.0", "numpy": "2.4.6", "scipy": "1.17.1"}
    assert locks.differences(lock, have, exact=False) == [
        "numpy 2.4.5 is installed, the lock pins 2.4.6",
        "scipy==1.17.1 is not installed",
    ]
    exact = locks.differences(lock, have, exact=True)
    assert exact[2:] == ["ipdb 0.13 is installed but not in the lock"]


def test_check_subcommand_on_this_environment(tmp_path, capsys):
    assert locks.main(["check", str(REPO / "requirements.lock")]) == 0
    wrong = tmp_path / "wrong.lock"
    wrong.write_text("torch==1.0.0\nno-such-package==1.0\n")
    assert locks.main(["check", str(wrong)]) == 1
    out = capsys.readouterr().out
    assert "locks: no-such-package==1.0 is not installed" in out
    assert re.search(r"locks: torch 2\.13\.0\S* is installed, the lock pins 1\.0\.0", out)


def test_read_lock_names_an_unpinned_line(tmp_path):
    bad = tmp_path / "bad.lock"
    bad.write_text("# comment\ntorch>=2\n")
    with pytest.raises(ValueError, match="'torch>=2' is not pinned"):
        locks.read_lock(bad)

"""The dev container cannot be built here (no image registry): its files are parsed and checked."""

import json
import re
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
DEVCONTAINER = REPO / ".devcontainer"


@pytest.fixture(scope="module")
def config():
    return json.loads((DEVCONTAINER / "devcontainer.json").read_text())


@pytest.fixture(scope="module")
def dockerfile():
    return (DEVCONTAINER / "Dockerfile").read_text()


def test_devcontainer_json_matches_the_spec_schema(config):
    schema = json.loads(
        (Path(__file__).parent / "schemas/devContainer.base.schema.json").read_text()
    )
    jsonschema.Draft201909Validator(schema).validate(config)


def test_gpu_is_optional_and_never_forced(config):
    assert config["hostRequirements"]["gpu"] == "optional"
    assert not any("--gpus" in arg for arg in config.get("runArgs", []))
    assert {"cpus", "memory", "storage"} <= config["hostRequirements"].keys()
    assert config["hostRequirements"]["cpus"] >= 2


def test_shared_memory_sized_for_dataloader_workers(config):
    shm = [a for a in config["runArgs"] if a.startswith("--shm-size=")]
    assert shm and re.fullmatch(r"--shm-size=\d+g", shm[0]) and int(shm[0][11:-1]) >= 1


def test_tensorboard_port_is_forwarded_and_labelled(config):
    assert 6006 in config["forwardPorts"]
    assert config["portsAttributes"]["6006"]["label"] == "TensorBoard"


def test_vscode_extensions_and_settings(config, dockerfile):
    vscode = config["customizations"]["vscode"]
    assert {
        "ms-python.python",
        "ms-toolsai.jupyter",
        "ms-toolsai.tensorboard",
        "charliermarsh.ruff",
    } <= set(vscode["extensions"])
    settings = vscode["settings"]
    venv = re.search(r"LAB_VENV=(\S+)", dockerfile).group(1)
    assert settings["python.defaultInterpreterPath"] == f"{venv}/bin/python"
    assert settings["jupyter.interactiveWindow.creationMode"] == "perFile"
    startup = " ".join(settings["jupyter.runStartupCommands"])
    assert "%load_ext autoreload" in startup and "%autoreload 2" in startup
    assert settings["[python]"]["editor.defaultFormatter"] == "charliermarsh.ruff"


def test_codespaces_opens_readme_and_lab_1(config):
    files = config["customizations"]["codespaces"]["openFiles"]
    assert files == ["README.md", "labs/01_gradient_descent.py"]


def test_lifecycle_commands(config):
    assert "scripts/setup.sh" in config["updateContentCommand"]
    assert config["postCreateCommand"] == "pre-commit install"
    assert "dllab.doctor" in config["postStartCommand"]
    setup = REPO / "scripts/setup.sh"
    assert setup.exists() and setup.stat().st_mode & 0o111


def test_every_referenced_file_exists(config):
    build = config["build"]
    context = DEVCONTAINER / build["context"]
    assert (DEVCONTAINER / build["dockerfile"]).is_file()
    for line in (DEVCONTAINER / build["dockerfile"]).read_text().splitlines():
        if line.startswith("COPY"):
            for src in line.split()[1:-1]:
                if not src.startswith("--"):
                    assert (context / src).exists(), src


def test_mplbackend_is_never_set():
    files = [
        DEVCONTAINER / "devcontainer.json",
        DEVCONTAINER / "Dockerfile",
        *REPO.glob("scripts/*.sh"),
        *REPO.glob(".github/workflows/*.yml"),
        REPO / ".ci/run",
    ]
    for path in files:
        assert "MPLBACKEND" not in path.read_text(), path


def test_dockerfile_base_flavour_user_and_layers(dockerfile):
    base = re.search(r"^FROM\s+(\S+)", dockerfile, re.M).group(1)
    assert re.fullmatch(r"nvidia/cuda:1[23]\.\d+(\.\d+)?-base-ubuntu(22|24)\.04", base), base
    assert re.search(r"^USER vscode$", dockerfile, re.M)
    assert "useradd" in dockerfile and "chown -R vscode:vscode /opt/venv" in dockerfile
    lines = dockerfile.splitlines()
    copies = [i for i, line in enumerate(lines) if line.startswith("COPY")]
    install = next(i for i, line in enumerate(lines) if "pip install" in line)
    # Only the lock is copied before the heavy install; no project source in the image.
    assert len(copies) == 1 and "requirements.lock" in lines[copies[0]] and copies[0] < install
    assert "--no-cache-dir" in lines[install] and "--no-deps" not in lines[install]


def test_one_lock_for_setup_dockerfile_and_ci(dockerfile):
    lock = (REPO / "requirements.lock").read_text()
    assert re.search(r"^torch==2\.13\.0$", lock, re.M)
    assert not re.search(r"==\S*\+cpu", lock)
    assert "-c /tmp/requirements.lock" in dockerfile
    assert '-c "$REPO/requirements.lock"' in (REPO / "scripts/setup.sh").read_text()
    assert (REPO / ".ci/run").read_text().strip().endswith("./scripts/test.sh")


def test_lock_pins_every_dependency_exactly():
    lock = {
        line.split("==")[0].lower().replace("_", "-"): line.split("==")[1]
        for line in (REPO / "requirements.lock").read_text().splitlines()
        if line and not line.startswith("#")
    }
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["dev"]
    missing = [name for name in wanted if name.lower().replace("_", "-") not in lock]
    assert not missing, f"not pinned in requirements.lock: {missing}"


def test_precommit_hook_versions_match_the_lock():
    lock = (REPO / "requirements.lock").read_text()
    hooks = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())["repos"]
    assert all(repo["repo"] == "local" for repo in hooks)
    ruff = {
        d for h in hooks[0]["hooks"] for d in h.get("additional_dependencies", []) if "ruff" in d
    }
    assert ruff == {re.search(r"^ruff==\S+$", lock, re.M).group(0)}


def test_github_workflow_runs_readme_command_and_devcontainer():
    workflow = yaml.safe_load((REPO / ".github/workflows/tests.yml").read_text())
    jobs = workflow["jobs"]
    steps = [step for job in jobs.values() for step in job["steps"]]
    assert any(step.get("run") == "./scripts/test.sh" for step in steps)
    ci = [s for s in steps if s.get("uses", "").startswith("devcontainers/ci@")]
    assert ci and ci[0]["with"]["runCmd"] == "./scripts/test.sh"
    assert all(job["runs-on"] == "ubuntu-latest" for job in jobs.values())

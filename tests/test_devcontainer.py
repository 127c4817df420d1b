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


def test_host_requirements_fit_the_2_core_machine_the_labs_are_sized_for(config):
    host = config["hostRequirements"]
    # The image alone is about 6 GB; a lab's runs and the kernel need memory to spare.
    assert int(host["memory"].removesuffix("gb")) >= 8
    assert int(host["storage"].removesuffix("gb")) >= 32


def test_vscode_extensions_and_settings(config):
    """Shared settings live in .vscode/ (local VS Code and the container read them)."""
    extensions = config["customizations"]["vscode"]["extensions"]
    assert {
        "ms-python.python",
        "ms-toolsai.jupyter",
        "ms-toolsai.tensorboard",
        "charliermarsh.ruff",
    } <= set(extensions)
    recommended = json.loads((REPO / ".vscode/extensions.json").read_text())["recommendations"]
    assert recommended == extensions
    # Workspace settings win over the container's; one place for them, no copy to drift.
    assert "settings" not in config["customizations"]["vscode"]
    settings = json.loads((REPO / ".vscode/settings.json").read_text())
    assert settings["python.defaultInterpreterPath"] == "${workspaceFolder}/.venv/bin/python"
    assert settings["jupyter.interactiveWindow.creationMode"] == "perFile"
    assert settings["jupyter.notebookFileRoot"] == "${fileDirname}"
    assert settings["[python]"]["editor.defaultFormatter"] == "charliermarsh.ruff"
    # An application-scoped setting, ignored in a workspace: setup.sh configures the kernels.
    assert "jupyter.runStartupCommands" not in settings


def test_lifecycle_commands(config):
    assert config["updateContentCommand"] == "scripts/setup.sh"
    assert "dllab.doctor" in config["postStartCommand"]
    setup = REPO / "scripts/setup.sh"
    assert setup.exists() and setup.stat().st_mode & 0o111
    # A hook installed in the container names its Python and breaks commits on the host.
    commands = [v for k, v in config.items() if k.endswith("Command")]
    assert not any("pre-commit" in json.dumps(command) for command in commands)


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
    assert re.fullmatch(r"nvidia/cuda:13\.0\.\d+-base-ubuntu24\.04", base), base
    assert re.search(r"^USER vscode$", dockerfile, re.M)
    lines = dockerfile.splitlines()
    copies = [i for i, line in enumerate(lines) if line.startswith("COPY")]
    install = next(i for i, line in enumerate(lines) if "pip install" in line)
    # Only the lock is copied before the heavy install; no project source in the image.
    assert "requirements-cuda.lock" in lines[copies[0]] and copies[0] < install < copies[1]
    assert "--no-cache-dir" in lines[install] and "--no-deps" not in lines[install]
    assert "-c /tmp/requirements-cuda.lock -r /tmp/requirements-cuda.lock" in lines[install]
    assert "locks.py check --exact /tmp/requirements-cuda.lock" in dockerfile


def test_environment_writable_whatever_uid_the_container_user_gets(dockerfile):
    """VS Code gives `vscode` the host's uid and gid; membership of `labenv` stays."""
    assert "useradd --create-home --shell /bin/bash --uid 1000 --user-group vscode" in dockerfile
    assert "usermod --append --groups labenv vscode" in dockerfile
    for step in ("chgrp -R labenv /opt/venv", "chmod -R g+w /opt/venv", "chmod g+s"):
        assert step in dockerfile
    assert "chown" not in dockerfile


def test_image_has_the_tools_of_the_standard_dev_container_images(dockerfile):
    apt = re.search(r"apt-get install[^&]*", dockerfile).group(0).split()
    assert {"curl", "less", "nano", "openssh-client", "sudo", "git"} <= set(apt)
    assert re.search(r"^\s*EDITOR=nano", dockerfile, re.M)
    assert 'echo "vscode ALL=(ALL) NOPASSWD:ALL" >/etc/sudoers.d/vscode' in dockerfile
    assert "chmod 0440 /etc/sudoers.d/vscode" in dockerfile


def test_dockerignore_keeps_the_build_context_to_what_the_image_copies(dockerfile):
    rules = [
        line
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line and line[0] != "#"
    ]
    copied = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("COPY")]
    assert rules == ["*"] + [f"!{src}" for src in copied]


def test_lock_and_ci_use_the_readme_command(dockerfile):
    lock = (REPO / "requirements.lock").read_text()
    assert re.search(r"^torch==2\.13\.0$", lock, re.M)
    assert not re.search(r"==\S*\+cpu", lock)


def test_pyproject_license_is_an_spdx_string():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert isinstance(project["project"]["license"], str)  # not the deprecated {text = ...} table
    # setuptools reads SPDX strings from 77 on; the editable install builds with the locked one.
    assert project["build-system"]["requires"] == ["setuptools>=77"]
    lock = (REPO / "requirements.lock").read_text()
    assert int(re.search(r"^setuptools==(\d+)", lock, re.M).group(1)) >= 77


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

"""Lab 6's wrapper scripts answer --help like the other scripts; .ci/run installs PostgreSQL."""

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.script
@pytest.mark.parametrize("script", ["search.sh", "ddp.sh"])
def test_lab6_scripts_have_help(script):
    done = subprocess.run([REPO / "scripts" / script, "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    assert done.stdout.startswith(f"Usage: scripts/{script}")


def test_ci_installs_postgresql_only_when_missing_and_then_runs_the_tests():
    lines = (REPO / ".ci/run").read_text().strip().splitlines()
    assert lines[-1] == "./scripts/test.sh"
    install = next(line for line in lines if "apt-get install" in line)
    assert "postgresql" in install
    assert any('compgen -G "/usr/lib/postgresql/*/bin/initdb"' in line for line in lines)

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


def test_ci_runs_exactly_the_readmes_test_command_and_nothing_that_needs_root():
    readme = (REPO / "README.md").read_text()
    first_block = readme.split("```bash\n", 1)[1].split("```", 1)[0]
    test_command = next(
        line.split("#")[0].strip() for line in first_block.splitlines() if "test" in line
    )
    lines = [
        line.strip()
        for line in (REPO / ".ci/run").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines == ["set -euo pipefail", 'cd "$(dirname "$0")/.."', f"exec {test_command}"]

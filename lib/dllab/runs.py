"""Run directories: each run writes into a new runs/<lab>/<timestamp>[-name]/, never reused."""

import os
import re
from datetime import datetime
from pathlib import Path

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def runs_root() -> Path:
    """runs/ of the repository (or LAB_RUNS_DIR): the same place whatever the working directory."""
    if os.environ.get("LAB_RUNS_DIR"):
        return Path(os.environ["LAB_RUNS_DIR"]).expanduser().resolve()
    repo = Path(__file__).resolve().parents[2]
    return repo / "runs" if (repo / "pyproject.toml").exists() else Path.cwd() / "runs"


def _check_name(what: str, value: str) -> None:
    if not isinstance(value, str) or not _SAFE.match(value):
        raise ValueError(
            f"{what}={value!r} is not a valid directory name; "
            "allowed: letters, digits, '.', '_' and '-', starting with a letter or digit"
        )


def new_run_dir(lab: str, name: str | None = None) -> Path:
    """Create and return a fresh directory runs/<lab>/<YYYYmmdd-HHMMSS>[-name][.k]/."""
    _check_name("lab", lab)
    if name is not None:
        _check_name("name", name)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = f"{stamp}-{name}" if name else stamp
    parent = runs_root() / lab
    parent.mkdir(parents=True, exist_ok=True)
    k = 0
    while True:
        candidate = parent / (base if k == 0 else f"{base}.{k}")
        try:
            candidate.mkdir()  # atomic: fails if another run took this name first
        except FileExistsError:
            k += 1
            continue
        return candidate

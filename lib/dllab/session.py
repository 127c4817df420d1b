"""The session of a lab: quick mode, seeds, the compute device and the run folders.

quick mode: LAB_QUICK=1 shrinks epochs and sizes (pick) so tests run the labs' own code path fast.
device: CUDA, then Apple MPS, then CPU; LAB_DEVICE overrides (get_device).
run folders: each run writes into a new runs/<lab>/<timestamp>[-name]/, never reused.
"""

import os
import random
import re
from datetime import datetime
from pathlib import Path

import numpy as np
import torch

from dllab.labs import runs_root

# ---------------------------------------------------------------- quick mode

_ON = {"1", "true", "yes", "on"}
_OFF = {"", "0", "false", "no", "off"}


def is_quick() -> bool:
    """True when the environment variable LAB_QUICK asks for quick mode."""
    value = os.environ.get("LAB_QUICK", "").strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise ValueError(
        f"LAB_QUICK={value!r} is not understood; allowed: 1/true/yes/on or 0/false/no/off"
    )


def pick(full, quick):
    """Return `quick` in quick mode and `full` otherwise: the one place a lab's sizes shrink."""
    return quick if is_quick() else full


# ---------------------------------------------------------------- seeds


def set_seed(seed: int) -> None:
    """Seed `random`, numpy's global generator and torch, so a run is repeatable."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an int in [0, 2**32), got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002  (students' own np.random.* calls use the global state)
    torch.manual_seed(seed)  # also seeds every CUDA device


# ---------------------------------------------------------------- device

ALLOWED = ("cpu", "cuda", "cuda:N", "mps")


def _available(kind: str) -> bool:
    if kind == "cuda":
        return torch.cuda.is_available()
    if kind == "mps":
        return torch.backends.mps.is_available()
    return True


def get_device() -> torch.device:
    """The best available device, or the one named by LAB_DEVICE (e.g. LAB_DEVICE=cpu)."""
    requested = os.environ.get("LAB_DEVICE", "").strip().lower()
    if not requested:
        for kind in ("cuda", "mps"):
            if _available(kind):
                return torch.device(kind)
        return torch.device("cpu")
    kind, _, index = requested.partition(":")
    if kind not in ("cpu", "cuda", "mps") or (index and not (kind == "cuda" and index.isdigit())):
        raise ValueError(f"LAB_DEVICE={requested!r} is not a device; allowed: {', '.join(ALLOWED)}")
    if not _available(kind):
        raise RuntimeError(
            f"LAB_DEVICE={requested!r} but no {kind.upper()} device is visible here; "
            "use LAB_DEVICE=cpu or unset it to pick automatically"
        )
    return torch.device(requested)


# ---------------------------------------------------------------- run folders

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _check_name(what: str, value: str) -> None:
    if not isinstance(value, str) or not _SAFE.match(value):
        raise ValueError(
            f"{what}={value!r} is not a valid directory name; "
            "allowed: letters, digits, '.', '_' and '-', starting with a letter or digit"
        )


def new_run_dir(lab: str, name: str | None = None, *, create: bool = True) -> Path:
    """A fresh directory runs/<lab>/[<name>-]<YYYYmmdd-HHMMSS>[.k]/, never used before.

    The name comes first, so that TensorBoard's legends (which cut long names) show what
    differs between runs. create=False returns the path without making the folder: the first
    figure saved into it makes it, so a kernel session that only shows figures inline (or a
    re-run cell) leaves no empty folder behind.
    """
    _check_name("lab", lab)
    if name is not None:
        _check_name("name", name)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = f"{name}-{stamp}" if name else stamp
    parent = runs_root() / lab
    k = 0
    while True:
        candidate = parent / (base if k == 0 else f"{base}.{k}")
        if not create:
            if not candidate.exists():
                return candidate
        else:
            parent.mkdir(parents=True, exist_ok=True)
            try:
                candidate.mkdir()  # atomic: fails if another run took this name first
                return candidate
            except FileExistsError:
                pass
        k += 1

"""The session of a lab: quick mode, seeds, the compute device and the run folders.

quick mode: LAB_QUICK=1 shrinks epochs and sizes (pick) so tests run the labs' own code path fast.
device: CUDA, then Apple MPS, then CPU; LAB_DEVICE overrides (get_device).
run folders: each run writes into a new runs/<lab>/[<name>-]<timestamp>/, never reused;
    a TensorBoard run is named <name>-unfinished until it is finished (start_run, finish_run).
numpy and torch are imported where seeds and the device need them: starting and finishing a
run folder (start_run, finish_run) needs neither.
"""

import os
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dllab.labs import runs_root

if TYPE_CHECKING:
    import torch

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
    import random

    import numpy as np
    import torch

    from dllab import validate

    seed = validate.seed("seed", seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002  (students' own np.random.* calls use the global state)
    torch.manual_seed(seed)  # also seeds every CUDA device


# ---------------------------------------------------------------- device

ALLOWED = ("cpu", "cuda", "cuda:N", "mps")


def _available(kind: str) -> bool:
    import torch

    if kind == "cuda":
        return torch.cuda.is_available()
    if kind == "mps":
        return torch.backends.mps.is_available()
    return True


def get_device() -> "torch.device":
    """The best available device, or the one named by LAB_DEVICE (e.g. LAB_DEVICE=cpu)."""
    import torch

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


def _record(path: Path) -> Path:
    """Append a folder this process created to $LAB_RUN_LOG (lab.sh lists them after the lab)."""
    log = os.environ.get("LAB_RUN_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{path}\n")
    return path


def _claim(parent: Path, base: str, suffix: str = "") -> Path:
    """Create parent/<base>[.k]<suffix> with one atomic mkdir, k = 1, 2, … until one is free.

    A name counts as taken when either its finished or its unfinished form exists, so a run
    renamed by finish_run and a run still writing never share a name.
    """
    parent.mkdir(parents=True, exist_ok=True)
    k = 0
    while True:
        name = base if k == 0 else f"{base}.{k}"
        k += 1
        if (parent / name).exists():
            continue
        candidate = parent / f"{name}{suffix}"
        try:
            candidate.mkdir()  # atomic: fails if another process took this name first
        except FileExistsError:
            continue
        if suffix and (parent / name).exists():  # finished by its owner between the two looks
            candidate.rmdir()
            continue
        return _record(candidate)


def new_run_dir(lab: str, name: str | None = None, *, create: bool = True) -> Path:
    """A new directory runs/<lab>/[<name>-]<YYYYmmdd-HHMMSS>[.k]/, created by this call.

    The name is claimed with one atomic mkdir, so two runs started in the same second, in
    parallel processes too, get two folders (the second with .1), and no folder is reused.
    create=False: in a kernel, where figures are shown inline and nothing is saved, the path
    is returned without making the folder (no empty folder per session); in a script it is
    created like any other.
    """
    _check_name("lab", lab)
    if name is not None:
        _check_name("name", name)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = f"{name}-{stamp}" if name else stamp
    parent = runs_root() / lab
    if not create:
        from dllab.display import in_kernel

        if in_kernel():
            return parent / base
    return _claim(parent, base)


# ---------------------------------------------------------------- unfinished runs

UNFINISHED = "-unfinished"


def start_run(parent, name: str) -> Path:
    """A new folder parent/<name>-unfinished/ for a run that is about to be written.

    The name says "unfinished" until finish_run renames the folder: a run stopped by Ctrl-C,
    SIGTERM, SIGKILL, a full disk or an error keeps that name, in the file system and in
    TensorBoard's run list. Taken names get .1, .2, … (parent/<name>.1-unfinished/).
    """
    _check_name("name", name)
    return _claim(Path(parent), name, UNFINISHED)


def finish_run(run_dir) -> Path:
    """Rename parent/<name>-unfinished/ to parent/<name>/ once every file is closed; the new path.

    Call it only after the run's writers are closed without error: the rename is what tells a
    finished run from one that stopped.
    """
    run_dir = Path(run_dir)
    if not run_dir.name.endswith(UNFINISHED) or not run_dir.is_dir():
        raise ValueError(f"{run_dir} is not a folder made by start_run (…{UNFINISHED})")
    done = run_dir.with_name(run_dir.name[: -len(UNFINISHED)])
    if done.exists():  # cannot happen through start_run; never replace another run
        raise FileExistsError(f"{done} exists already; {run_dir} keeps its name")
    run_dir.rename(done)
    return _record(done)

"""Pick the compute device: CUDA, then Apple MPS, then CPU; LAB_DEVICE overrides."""

import os

import torch

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

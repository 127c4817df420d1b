"""One seeding helper for Python, numpy's global state and torch (CPU and CUDA)."""

import random

import numpy as np
import torch


def set_seed(seed: int) -> None:
    """Seed `random`, numpy's global generator and torch, so a run is repeatable."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an int in [0, 2**32), got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002  (students' own np.random.* calls use the global state)
    torch.manual_seed(seed)  # also seeds every CUDA device

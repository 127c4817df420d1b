"""Quick mode: LAB_QUICK=1 shrinks epochs and sizes so tests run the labs' own code path fast."""

import os

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

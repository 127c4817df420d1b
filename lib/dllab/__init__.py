"""dllab: the shared plumbing of the lecture's labs (data, layers, training loop, plots).

The labs call the session helpers as dllab.<name> (dllab.set_seed(1), dllab.show(fig, ...)).
Each is imported on first use, so that `dllab.labs`, the registry lab.sh and the benchmark ask
before anything else, starts without torch and matplotlib.
"""

import importlib

# name: the module of dllab that holds it
_HOMES = {
    "get_device": "session",
    "is_quick": "session",
    "new_run_dir": "session",
    "pick": "session",
    "set_seed": "session",
    "progress_wanted": "display",
    "show": "display",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(f"dllab.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'dllab' has no attribute {name!r}")

"""dllab: the shared plumbing of the lecture's labs (data, layers, training loop, plots).

The labs call the session helpers as dllab.<name> (dllab.set_seed(1), dllab.show(fig, ...)).
Each is imported on first use, so that `dllab.labs`, the registry lab.sh and the benchmark ask
before anything else, starts without torch and matplotlib.
"""

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for editors: what dllab.<name> is, without importing torch at run time
    from dllab.display import progress_wanted, show
    from dllab.session import get_device, is_quick, new_run_dir, pick, set_seed

__all__ = ["get_device", "is_quick", "new_run_dir", "pick", "progress_wanted", "set_seed", "show"]
# name: the module of dllab that holds it
_HOMES = {name: "display" if name in ("progress_wanted", "show") else "session" for name in __all__}


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(f"dllab.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'dllab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))

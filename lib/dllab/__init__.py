"""dllab: the shared plumbing of the lecture's labs (data, layers, training loop, plots)."""

import atexit
import gc

from dllab.config import is_quick, pick
from dllab.device import get_device
from dllab.display import show
from dllab.runs import new_run_dir
from dllab.seed import set_seed

__all__ = ["get_device", "is_quick", "new_run_dir", "pick", "set_seed", "show"]

# torch, numpy and matplotlib (imported above) bring ~200,000 objects that live as long as the
# lab does, yet Python's cycle collector rescans all of them at every full collection and
# several times at exit: about a second per lab. Frozen, they are left out of those scans; at
# exit everything is frozen, so the interpreter ends without them (refcounting still frees).
gc.freeze()
atexit.register(gc.freeze)

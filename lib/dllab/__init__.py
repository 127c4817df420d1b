"""dllab: the shared plumbing of the lecture's labs (data, layers, training loop, plots)."""

from dllab.config import is_quick, pick
from dllab.device import get_device
from dllab.display import show
from dllab.runs import new_run_dir
from dllab.seed import set_seed

__all__ = ["get_device", "is_quick", "new_run_dir", "pick", "set_seed", "show"]

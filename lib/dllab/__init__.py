"""dllab: the shared plumbing of the lecture's labs (data, layers, training loop, plots)."""

from dllab.display import progress_wanted, show
from dllab.session import get_device, is_quick, new_run_dir, pick, set_seed

__all__ = ["get_device", "is_quick", "new_run_dir", "pick", "progress_wanted", "set_seed", "show"]

"""Lab 6's small spiral, one split shared by the search and the DDP script."""


def split_sizes(n_per_class: int) -> dict:
    """How many points search_data puts in each part: {"train", "valid", "test"}."""
    n_held = (2 * n_per_class) // 4
    return {"train": 2 * n_per_class - 2 * n_held, "valid": n_held, "test": n_held}


def search_data(n_per_class: int, *, n_loops: float = 1.5, seed: int) -> dict:
    """A smaller spiral (1.5 turns by default, so that a trial of a few hundred steps already
    tells good settings from bad): {"train", "valid", "test"} of (X: (N, 2), y: (N,)), a quarter
    each for validation and test, half for training."""
    from dllab.data import spiral, split

    X, y = spiral(n_per_class, n_loops=n_loops, seed=seed)
    sizes = split_sizes(n_per_class)
    return split(X, y, n_test=sizes["test"], n_valid=sizes["valid"], seed=seed)

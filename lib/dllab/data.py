"""Small synthetic data sets of labs 1 and 2, each drawn from an explicit seed."""

import numpy as np

TRUE_COEF = (3.0, -2.0, 1.0, -1.0)  # a, b, c, d of the lecture's linear model
INPUT_MEANS = (2.0, 3.0, 1.0)  # x1 ~ N(2, 1), x2 ~ N(3, 1), x3 ~ N(1, 1)


def linear_data(n: int = 1000, *, seed: int, coef=TRUE_COEF, noise: float = 1.0):
    """Lab 1's data: y = a + b·x1 + c·x2 + d·x3 + ε, ε ~ N(0, noise²).

    Returns X of shape (n, 3) and y of shape (n,), float64.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if len(coef) != 4:
        raise ValueError(f"coef must be (a, b, c, d), got {coef!r}")
    rng = np.random.default_rng(seed)
    X = rng.normal(loc=INPUT_MEANS, scale=1.0, size=(n, 3))
    a, b, c, d = coef
    y = a + X @ np.array([b, c, d]) + rng.normal(0.0, noise, size=n)
    return X, y


def binary_points(n: int = 8, *, seed: int):
    """Lab 2's data: n points uniform in [-1, 1]² with random labels in {0, 1}.

    Returns X of shape (n, 2) and y of shape (n, 1), float64.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = rng.integers(0, 2, size=(n, 1)).astype(np.float64)
    return X, y

"""The labs' synthetic data sets, each drawn from an explicit seed, and their splits."""

import numpy as np

from dllab import validate

TRUE_COEF = (3.0, -2.0, 1.0, -1.0)  # a, b, c, d of the lecture's linear model
INPUT_MEANS = (2.0, 3.0, 1.0)  # x1 ~ N(2, 1), x2 ~ N(3, 1), x3 ~ N(1, 1)


def linear_data(n: int = 1000, *, seed: int, coef=TRUE_COEF, noise: float = 1.0):
    """Lab 1's data: y = a + b·x1 + c·x2 + d·x3 + ε, ε ~ N(0, noise²).

    Returns X of shape (n, 3) and y of shape (n,), float64.
    """
    n, seed = validate.integer("n", n), validate.seed("seed", seed)
    validate.number("noise", noise, minimum=0)
    validate.array("coef", coef, ndim=1)
    if len(coef) != 4:
        validate.fail("coef", "(a, b, c, d): four numbers", validate.describe(coef))
    rng = np.random.default_rng(seed)
    X = rng.normal(loc=INPUT_MEANS, scale=1.0, size=(n, 3))
    a, b, c, d = coef
    y = a + X @ np.array([b, c, d]) + rng.normal(0.0, noise, size=n)
    return X, y


def binary_points(n: int = 8, *, seed: int):
    """Lab 2's data: n points uniform in [-1, 1]² with random labels in {0, 1}.

    Returns X of shape (n, 2) and y of shape (n, 1), float64.
    """
    n, seed = validate.integer("n", n), validate.seed("seed", seed)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = rng.integers(0, 2, size=(n, 1)).astype(np.float64)
    return X, y


# ---------------------------------------------------------------- the lecture's two spirals


def spiral(n_per_class: int, *, n_loops: float = 3.5, noise: float = 0.6, seed: int):
    """Two spirals, class 1 the mirror image of class 0, shuffled.

    r = sqrt(U(0,1))·n_loops·2π; class 0 = (−cos(r)·r + U(0,1)·noise, sin(r)·r + U(0,1)·noise).
    Returns X of shape (2·n_per_class, 2) and y of shape (2·n_per_class,), both float32.
    """
    n_per_class, seed = validate.integer("n_per_class", n_per_class), validate.seed("seed", seed)
    validate.number("n_loops", n_loops, positive=True)
    validate.number("noise", noise, minimum=0)
    rng = np.random.default_rng(seed)
    r = np.sqrt(rng.uniform(size=n_per_class)) * n_loops * 2 * np.pi
    class0 = np.column_stack(
        [
            -np.cos(r) * r + rng.uniform(size=n_per_class) * noise,
            np.sin(r) * r + rng.uniform(size=n_per_class) * noise,
        ]
    )
    X = np.concatenate([class0, -class0])
    y = np.concatenate([np.zeros(n_per_class), np.ones(n_per_class)])
    order = rng.permutation(len(X))
    return X[order].astype(np.float32), y[order].astype(np.float32)


def split(X, y, *, n_test: int = 1024, n_valid: int = 1024, seed: int) -> dict:
    """Seeded splits of fixed sizes: {"train": (X, y), "valid": (X, y), "test": (X, y)}.

    X: (N, D), y: (N,). n_test and n_valid count points; for a fraction f of the data pass
    round(f * len(X)). The test points are split off first, then the validation points, each as
    scikit-learn's train_test_split(..., random_state=seed) draws them: the same points (lab 3
    calls train_test_split itself; the other labs need not import scikit-learn for it).
    """
    validate.array("X", X)
    validate.targets("y", y, n=len(X))
    for name, size in {"n_test": n_test, "n_valid": n_valid}.items():
        if isinstance(size, float) and 0 < size < 1:
            hint = f"for a fraction of the {len(X)} points pass round({size} * len(X))"
            validate.fail(
                name, "a number of points, a positive int", repr(size), hint=hint, error=TypeError
            )
    n_test, n_valid = validate.integer("n_test", n_test), validate.integer("n_valid", n_valid)
    seed = validate.seed("seed", seed)
    if n_test + n_valid >= len(X):
        allowed = f"fewer than the {len(X)} points, to leave training data"
        validate.fail("n_test + n_valid", allowed, str(n_test + n_valid))
    rest, test = _shuffle_split(len(X), n_test, seed)
    X_rest, y_rest = _take(X, rest), _take(y, rest)
    train, valid = _shuffle_split(len(rest), n_valid, seed)
    return {
        "train": (_take(X_rest, train), _take(y_rest, train)),
        "valid": (_take(X_rest, valid), _take(y_rest, valid)),
        "test": (_take(X, test), _take(y, test)),
    }


def _shuffle_split(n: int, n_out: int, seed: int):
    """(kept, taken out): index arrays of n - n_out and n_out of range(n), as sklearn's
    ShuffleSplit draws them (one permutation of a RandomState(seed), taken out first)."""
    order = np.random.RandomState(seed).permutation(n)
    return order[n_out:], order[:n_out]


def _take(a, index):
    """The rows `index` of a numpy array, a tensor or a list, in the same container."""
    return [a[i] for i in index] if isinstance(a, list) else a[index]


def radius_split(X, y, r_max: float) -> dict:
    """Points with radius ≤ r_max as "inside", the rest as "outside": {"inside": (X, y), …}.

    X: (N, 2) numpy array, y: (N,).
    """
    validate.array("X", X, columns=2)
    validate.targets("y", y, n=len(X))
    validate.number("r_max", r_max, positive=True)
    r = np.linalg.norm(X, axis=1)
    inside = r <= r_max
    if inside.all() or not inside.any():
        allowed = f"between the smallest and the largest radius, {r.min():.1f} and {r.max():.1f}"
        validate.fail("r_max", allowed, repr(r_max), hint="else every point is on one side")
    return {"inside": (X[inside], y[inside]), "outside": (X[~inside], y[~inside])}

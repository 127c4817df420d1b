import numpy as np
import pytest
import torch

from dllab.data import INPUT_MEANS, TRUE_COEF, binary_points, linear_data, spiral, split
from dllab.display import format_table
from dllab.linreg import least_squares, relative_change, standardize, to_original_units


def test_linear_data_shapes_and_determinism():
    X, y = linear_data(1000, seed=1234)
    assert X.shape == (1000, 3) and y.shape == (1000,)
    X2, y2 = linear_data(1000, seed=1234)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.array_equal(X, linear_data(1000, seed=1)[0])
    np.testing.assert_allclose(X.mean(axis=0), INPUT_MEANS, atol=0.1)


def test_least_squares_recovers_true_coefficients_within_noise():
    X, y = linear_data(50_000, seed=3)
    np.testing.assert_allclose(least_squares(X, y), TRUE_COEF, atol=0.05)


def test_linear_data_takes_numpy_ints_and_its_coefficients():
    X, y = linear_data(np.int64(200), seed=np.int64(1234), coef=np.array([1.0, 0, 0, 0]), noise=0)
    assert X.shape == (200, 3) and np.array_equal(y, np.ones(200))
    assert np.array_equal(X, linear_data(200, seed=1234)[0])


def test_binary_points():
    X, y = binary_points(8, seed=1234)
    assert X.shape == (8, 2) and y.shape == (8, 1)
    assert np.all(np.abs(X) <= 1) and set(np.unique(y)) <= {0.0, 1.0}
    assert np.array_equal(X, binary_points(8, seed=1234)[0])


def test_standardize_and_back_to_original_units():
    X, y = linear_data(500, seed=0)
    Xs, mean, std = standardize(X)
    np.testing.assert_allclose(Xs.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Xs.std(axis=0), 1)
    # The least-squares fit on standardized inputs, converted back, is the fit on raw inputs.
    np.testing.assert_allclose(
        to_original_units(least_squares(Xs, y), mean, std), least_squares(X, y)
    )


def test_standardize_names_the_constant_columns():
    X = np.column_stack([np.arange(5.0), np.ones(5), np.arange(5.0), np.zeros(5)])
    with pytest.raises(ValueError, match=r"constant columns \[1, 3\]"):
        standardize(X)


def test_relative_change():
    assert relative_change(1.1, 1.0) == pytest.approx(0.1)
    assert relative_change(0.0, 0.0) == 0.0


def test_format_table_aligns_columns():
    text = format_table({"truth": [3.0, -2.0], "fit": [2.95, None]}, ["a", "b"], digits=2)
    lines = text.splitlines()
    assert len({len(line.rstrip()) for line in lines[:2]}) == 1
    assert lines[1].split() == ["truth", "3.00", "-2.00"]
    assert lines[2].split() == ["fit", "2.95"]
    with pytest.raises(ValueError, match="row 'x' has 3 values for 2 columns"):
        format_table({"x": [1, 2, 3]}, ["a", "b"])


@pytest.mark.parametrize("container", [np.asarray, torch.as_tensor, list])
def test_split_draws_the_points_sklearns_train_test_split_draws(container):
    from sklearn.model_selection import train_test_split

    X, y = spiral(60, seed=3)
    parts = split(container(X), container(y), n_test=17, n_valid=11, seed=42)
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=17, random_state=42)
    X_train, X_valid, y_train, y_valid = train_test_split(
        X_rest, y_rest, test_size=11, random_state=42
    )
    expected = {"train": (X_train, y_train), "valid": (X_valid, y_valid), "test": (X_test, y_test)}
    for name, (X_part, y_part) in expected.items():
        assert type(parts[name][0]) is type(container(X))
        assert np.array_equal(np.asarray(parts[name][0]), X_part), name
        assert np.array_equal(np.asarray(parts[name][1]), y_part), name

"""Exercises of lab 5 (weight initialization): references, random inputs and the usual mistakes."""

from dllab.exercises.engine import Exercise
from dllab.weight_init import gain, kaiming_std, xavier_std

# ---------------------------------------------------------------- references


def he_std(fan_in):
    """Standard deviation of He/Kaiming initialization for ReLU: √(2 / fan_in)."""
    return kaiming_std(fan_in, gain("relu"))


def leaky_relu_gain(alpha):
    """The gain √(2 / (1 + α²)) that keeps the variance of LeakyReLU layers constant."""
    return gain("leaky_relu", alpha)


# ---------------------------------------------------------------- inputs and mistakes


def _fan_inputs(rng):
    return {"fan_in": int(rng.integers(10, 2000)), "fan_out": int(rng.integers(10, 2000))}


def _he_inputs(rng):
    return {"fan_in": int(rng.integers(10, 2000))}


def _alpha_inputs(rng):
    return {"alpha": float(rng.uniform(0.05, 0.5))}


EXERCISES = {
    "he_std": Exercise(
        he_std,
        _he_inputs,
        "√(2 / fan_in) for several fan_in",
        outputs=("std",),
        mistakes={
            "that is the variance 2/fan_in; the standard deviation is its square root": lambda fan_in: (
                2 / fan_in
            ),
            "ReLU zeroes half of its input, which halves the variance: the numerator is 2": lambda fan_in: (
                (1 / fan_in) ** 0.5
            ),
        },
    ),
    "xavier_std": Exercise(
        xavier_std,
        _fan_inputs,
        "√(2 / (fan_in + fan_out)) for several fans",
        outputs=("std",),
        mistakes={
            "that is the variance; the standard deviation is its square root": lambda fan_in, fan_out: (
                2 / (fan_in + fan_out)
            ),
            "Xavier averages fan_in and fan_out: 2 / (fan_in + fan_out), not 1 / (…)": lambda fan_in, fan_out: (
                (1 / (fan_in + fan_out)) ** 0.5
            ),
            "Xavier uses both fans, fan_in + fan_out": lambda fan_in, fan_out: (2 / fan_in) ** 0.5,
        },
    ),
    "leaky_relu_gain": Exercise(
        leaky_relu_gain,
        _alpha_inputs,
        "√(2 / (1 + α²)) for several α",
        outputs=("gain",),
        mistakes={
            "the negative half keeps α² of its variance, not α: 1 + α²": lambda alpha: (
                (2 / (1 + alpha)) ** 0.5
            ),
            "a gain multiplies the standard deviation: take the square root": lambda alpha: (
                2 / (1 + alpha**2)
            ),
        },
    ),
}

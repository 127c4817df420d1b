"""Exercises of lab 5 (weight initialization): references, random inputs and the usual mistakes."""

from torch import nn

from dllab.exercises.records import Exercise, Mistake, Number
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


_PLUS = "α lets a part of the negative half through, adding variance: 1 + α², not 1 − α²"


EXERCISES = {
    "he_std": Exercise(
        he_std,
        _he_inputs,
        "√(2 / fan_in) for several fan_in",
        outputs=("std",),
        returns=Number("std"),
        mistakes=(
            Mistake(
                "variance",
                "that is the variance 2/fan_in; the standard deviation is its square root",
                lambda fan_in: 2 / fan_in,
            ),
            Mistake(
                "numerator_one",
                "ReLU zeroes half of its input, which halves the variance: the numerator is 2",
                lambda fan_in: (1 / fan_in) ** 0.5,
            ),
            Mistake(
                "sqrt_of_numerator",
                "the square root covers the whole fraction: √(2 / fan_in), not √2 / fan_in",
                lambda fan_in: 2**0.5 / fan_in,
            ),
            Mistake(
                "integer_division",
                "2 // fan_in is integer division (0 for fan_in > 2): use 2 / fan_in",
                lambda fan_in: (2 // fan_in) ** 0.5,
            ),
            Mistake(
                "fixed_width",
                "compute it from the argument fan_in, not from a fixed width such as D",
                lambda fan_in: (2 / 1000) ** 0.5,
            ),
        ),
    ),
    "xavier_std": Exercise(
        xavier_std,
        _fan_inputs,
        "√(2 / (fan_in + fan_out)) for several fans",
        outputs=("std",),
        returns=Number("std"),
        mistakes=(
            Mistake(
                "variance",
                "that is the variance; the standard deviation is its square root",
                lambda fan_in, fan_out: 2 / (fan_in + fan_out),
            ),
            Mistake(
                "numerator_one",
                "Xavier averages fan_in and fan_out: 2 / (fan_in + fan_out), not 1 / (…)",
                lambda fan_in, fan_out: (1 / (fan_in + fan_out)) ** 0.5,
            ),
            Mistake(
                "fan_in_only",
                "Xavier uses both fans, fan_in + fan_out",
                lambda fan_in, fan_out: (2 / fan_in) ** 0.5,
            ),
            Mistake(
                "uniform_bound",
                "√(6 / (fan_in + fan_out)) is the bound b of Xavier's uniform U(−b, b); its std is "
                "b/√3 = √(2 / (fan_in + fan_out))",
                lambda fan_in, fan_out: (6 / (fan_in + fan_out)) ** 0.5,
            ),
        ),
    ),
    "leaky_relu_gain": Exercise(
        leaky_relu_gain,
        _alpha_inputs,
        "√(2 / (1 + α²)) for α = 0 (ReLU), α = 1 (no activation) and several α between",
        outputs=("gain",),
        returns=Number("gain"),
        cases=(lambda: {"alpha": 0.0}, lambda: {"alpha": 1.0}),
        mistakes=(
            Mistake(
                "alpha_not_squared",
                "the negative half keeps α² of its variance, not α: 1 + α²",
                lambda alpha: (2 / (1 + alpha)) ** 0.5,
            ),
            Mistake(
                "no_sqrt",
                "a gain multiplies the standard deviation: take the square root",
                lambda alpha: 2 / (1 + alpha**2),
            ),
            Mistake(
                "sqrt_of_numerator",
                "the square root covers the whole fraction: √(2 / (1 + α²))",
                lambda alpha: 2**0.5 / (1 + alpha**2),
            ),
            Mistake(
                "one_minus",
                _PLUS,
                lambda alpha: (2 / (1 - alpha**2)) ** 0.5,
            ),
            Mistake(
                "default_slope",
                "calculate_gain('leaky_relu') uses its default slope 0.01 unless you pass α: "
                "calculate_gain('leaky_relu', alpha)",
                lambda alpha: nn.init.calculate_gain("leaky_relu"),
            ),
        ),
        # at α = 1 only 1 − α² is 0; at α = 0 another mistake divides by α
        raised={"division by zero": lambda args: _PLUS if args["alpha"] == 1 else None},
    ),
}

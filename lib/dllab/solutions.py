"""Reference solutions of the labs' "Your turn" exercises. Try first, check, then compare.

Most of them are the library's own implementations, imported from where the labs use them.
"""

import numpy as np

from dllab.models import polar_features
from dllab.scratch import bce_backward as bce_grad
from dllab.scratch import linear_backward, relu_backward
from dllab.tblog import log_gradients, log_losses
from dllab.weight_init import gain, kaiming_std, xavier_std

__all__ = [
    "bce_grad",
    "gradients",
    "he_std",
    "leaky_relu_gain",
    "linear_backward",
    "log_gradients",
    "log_losses",
    "mlp_forward",
    "polar_features",
    "relu_backward",
    "sgd_step",
    "xavier_std",
]


# Lab 1
def gradients(x1, x2, x3, y, a, b, c, d):
    """∂L/∂a, ∂L/∂b, ∂L/∂c, ∂L/∂d of L = ½·mean((a + b·x1 + c·x2 + d·x3 − y)²)."""
    r = a + b * x1 + c * x2 + d * x3 - y  # ∂L/∂ŷ for each point, before the mean
    return r.mean(), (r * x1).mean(), (r * x2).mean(), (r * x3).mean()


def sgd_step(params, grads, lr):
    """One gradient-descent step: new parameters, params − lr·grads (params left unchanged)."""
    return params - lr * np.asarray(grads)


# Lab 3
def mlp_forward(layers, x):
    """Apply the layers in order, each to the previous one's output."""
    for layer in layers:
        x = layer(x)
    return x


# Lab 5
def he_std(fan_in):
    """Standard deviation of He/Kaiming initialization for ReLU: √(2 / fan_in)."""
    return kaiming_std(fan_in, gain("relu"))


def leaky_relu_gain(alpha):
    """The gain √(2 / (1 + α²)) that keeps the variance of LeakyReLU layers constant."""
    return gain("leaky_relu", alpha)

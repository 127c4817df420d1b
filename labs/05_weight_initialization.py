# %% [markdown]
# # Lab 5 — Weight initialization
#
# **Goals**
# - see activations explode or vanish in a deep stack of layers when the weights have the
#   wrong scale, and stay stable with the right one;
# - derive that scale from a variance argument: He/Kaiming for ReLU, its correction for
#   LeakyReLU, Xavier/Glorot for tanh;
# - check hand-written initializers against `torch.nn.init`;
# - see what a bad initialization does to learning.

# %%
import functools

import numpy as np
import torch
from torch import nn

import dllab
from dllab.data import spiral
from dllab.display import format_table, plot_loss_curves
from dllab.exercises import check
from dllab.metrics import predict_proba
from dllab.models import MLP
from dllab.train import fit
from dllab.weight_init import (
    Scheme,
    activation_stats,
    initialize,
    kaiming_normal,
    kaiming_uniform,
    normal,
    plot_activation_stats,
    xavier_normal,
    xavier_uniform,
)

# %%
SEED = 1234
D = dllab.pick(full=1000, quick=200)  # width of every layer
L = dllab.pick(full=100, quick=30)  # number of layers
ALPHA = 0.2  # LeakyReLU slope
# The learning experiment: a deep MLP on the spiral.
N_PER_CLASS = dllab.pick(full=750, quick=150)  # training points per class
N_TEST_PER_CLASS = dllab.pick(full=250, quick=50)
HIDDEN = [32] * 10
NUM_EPOCHS = dllab.pick(full=50, quick=5)
LR, BATCH_SIZE = 0.003, 128

dllab.set_seed(SEED)
torch.set_num_threads(1)  # the MLP is small; threads cost more than they save
device = dllab.get_device()
run = dllab.new_run_dir("05_weight_initialization", create=False)
print(f"device: {device}; outputs of this run: {run}")

# %% [markdown]
# ## Why a deep stack explodes or vanishes
# Take one layer $z = W h$ with $D$ inputs, weights $w_{ji}$ drawn independently with mean 0
# and variance $\mathrm{Var}(w)$, independent of the inputs. Each output sums $D$ products:
# $$\mathrm{Var}(z_j) = \sum_{i=1}^{D} \mathrm{Var}(w_{ji} h_i)
# = D\,\mathrm{Var}(w)\,\mathbb E[h^2].$$
# ReLU zeroes the negative half of a symmetric $z$, so $\mathbb E[\mathrm{relu}(z)^2] =
# \tfrac12\mathrm{Var}(z)$. Layer by layer the second moment is multiplied by the same factor:
# $$\mathbb E[h_l^2] = \tfrac12 D\,\mathrm{Var}(w)\;\mathbb E[h_{l-1}^2]
# = \big(\tfrac12 D\,\mathrm{Var}(w)\big)^l\,\mathbb E[h_0^2].$$
# After 100 layers any factor above 1 explodes and any factor below 1 vanishes. The factor is
# exactly 1 for $\mathrm{Var}(w) = 2/D$: **He (Kaiming) initialization**, $w \sim \mathcal
# N(0, 2/D)$ or $w \sim U(-\sqrt{6/D}, \sqrt{6/D})$ (a uniform $U(-b, b)$ has variance
# $b^2/3$).
#
# - **LeakyReLU** with slope $\alpha$ keeps $\alpha^2$ of the negative half:
#   $\mathbb E[f(z)^2] = \tfrac{1+\alpha^2}{2}\mathrm{Var}(z)$, so $\mathrm{Var}(w) =
#   \frac{2}{(1+\alpha^2)D}$.
# - **tanh** is close to the identity near 0, so $\mathrm{Var}(w) = 1/D$ keeps the forward
#   pass stable. Glorot & Bengio asked for the backward pass to be stable too, which needs
#   $1/\text{fan\_out}$, and compromised on **Xavier**: $\mathrm{Var}(w) =
#   \frac{2}{\text{fan\_in} + \text{fan\_out}}$ (equal to $1/D$ for square layers).
#
# ### Your turn 1–3: the scales
# Turn the three results into code; the experiments below use your functions.


# %%
# YOUR TURN: he_std
def he_std(fan_in):
    """Standard deviation of He initialization for ReLU layers with `fan_in` inputs."""
    raise NotImplementedError  # your code here


# %%
he_std = check("he_std", he_std)


# %%
# YOUR TURN: xavier_std
def xavier_std(fan_in, fan_out):
    """Standard deviation of Xavier (Glorot) initialization."""
    raise NotImplementedError  # your code here


# %%
xavier_std = check("xavier_std", xavier_std)


# %%
# YOUR TURN: leaky_relu_gain
def leaky_relu_gain(alpha):
    """The factor g such that std = g / √fan_in keeps LeakyReLU(α) layers stable."""
    raise NotImplementedError  # your code here


# %%
leaky_relu_gain = check("leaky_relu_gain", leaky_relu_gain)

# %% [markdown]
# ## The experiment
# One input vector of width $D = 1{,}000$ from $U(-1, 1)$, standardized, goes through
# $L = 100$ layers of width 1,000 without biases; after every layer we record the mean and the
# standard deviation of its output. All schemes use the **same** random draws, only scaled,
# so any difference between them comes from the scheme and not from luck.

# %%
he = he_std(D)  # √(2/D)
corrected = leaky_relu_gain(ALPHA) / D**0.5  # √(2 / ((1 + α²)·D))
to_bound = 3**0.5  # U(−b, b) has std b/√3
schemes = {
    "normal(0, 1)": Scheme("normal", 1.0),
    "uniform(-1, 1)": Scheme("uniform", 1.0),
    "normal(0, 0.01)": Scheme("normal", 0.01),
    "uniform(-0.01, 0.01)": Scheme("uniform", 0.01),
    "He normal √(2/D)": Scheme("normal", he),
    "He uniform √(6/D)": Scheme("uniform", to_bound * he),
    "leaky: He normal": Scheme("normal", he, "leaky_relu", ALPHA),
    "leaky: corrected normal": Scheme("normal", corrected, "leaky_relu", ALPHA),
    "leaky: He uniform": Scheme("uniform", to_bound * he, "leaky_relu", ALPHA),
    "leaky: corrected uniform": Scheme("uniform", to_bound * corrected, "leaky_relu", ALPHA),
    "tanh: Xavier √(1/D)": Scheme("normal", xavier_std(D, D), "tanh"),
    "tanh: He √(2/D)": Scheme("normal", he, "tanh"),
}
stats = activation_stats(schemes, depth=L, width=D, seed=SEED)
layers = [1, 10, L // 2, L]
print(
    format_table(
        {name: [s.std[k - 1] for k in layers] for name, s in stats.items()},
        [f"std @ {k}" for k in layers],
        digits=3,
        label="scheme",
    )
)


def show_group(names, title, filename):
    """Plot the statistics of some schemes of `stats` in one figure."""
    fig = plot_activation_stats({name: stats[name] for name in names}, title=title)
    dllab.show(fig, filename, run)


# %% [markdown]
# ### ReLU with weights of scale 1: explosion

# %%
show_group(["normal(0, 1)", "uniform(-1, 1)"], "ReLU, weights of scale 1", "relu_explode")

# %% [markdown]
# Both lines are straight on the log scale: each layer multiplies the scale by the same
# factor, about $\sqrt{D/2} \approx 22$ for normal(0, 1), until the numbers reach $10^{100}$
# and more. Uniform(−1, 1) has a smaller variance (1/3) and grows a little slower, but grows.
#
# ### ReLU with weights of scale 0.01: vanishing

# %%
show_group(
    ["normal(0, 0.01)", "uniform(-0.01, 0.01)"], "ReLU, weights of scale 0.01", "relu_vanish"
)

# %% [markdown]
# The mirror image: the factor per layer is about $0.01\sqrt{D/2} \approx 0.22$, and after a
# few dozen layers the activations are smaller than anything a float32 network could hold;
# such a network passes no signal forward and no gradient back.
#
# ### ReLU with He initialization: stable

# %%
show_group(["He normal √(2/D)", "He uniform √(6/D)"], "ReLU, He initialization", "relu_he")

# %% [markdown]
# Flat lines: mean and standard deviation stay of order 1 through all layers, normal and
# uniform alike, because both have $\mathrm{Var}(w) = 2/D$. The small wiggles are sampling
# noise of one input vector; they do not grow with depth.
#
# ### LeakyReLU (α = 0.2): He's scale is slightly too large

# %%
show_group(
    [
        "leaky: He normal",
        "leaky: corrected normal",
        "leaky: He uniform",
        "leaky: corrected uniform",
    ],
    f"LeakyReLU α = {ALPHA}",
    "leaky_relu",
)

# %% [markdown]
# With plain He weights the standard deviation creeps upwards: the factor per layer is
# $1 + \alpha^2 = 1.04$, which compounds to $1.04^{100/2} \approx 7$ after 100 layers. The
# corrected scale $\sqrt{2/((1+\alpha^2)D)}$ keeps it flat.
#
# ## Beyond the lecture
# ### tanh: Xavier or He?

# %%
show_group(["tanh: Xavier √(1/D)", "tanh: He √(2/D)"], "tanh", "tanh")

# %% [markdown]
# With Xavier's variance $1/D$ the standard deviation shrinks slowly with depth: tanh
# squeezes large values, so each layer loses a little. He's larger variance pushes tanh into
# its flat tails, where it saturates at a stable scale but passes small gradients; that is why
# `torch.nn.init` uses the gain 5/3 for tanh, a value between the two.
#
# ### Hand-written initializers against `torch.nn.init`
# Our functions (`lib/dllab/weight_init.py`) draw a weight of shape (fan_out, fan_in) =
# (512, 256); `torch.nn.init` fills one of the same shape. Both should match the formula.

# %%
shape, g = (512, 256), torch.Generator().manual_seed(SEED)
fan_out, fan_in = shape
pairs = {
    "xavier_normal": (xavier_normal, nn.init.xavier_normal_, (2 / (fan_in + fan_out)) ** 0.5),
    "xavier_uniform": (xavier_uniform, nn.init.xavier_uniform_, (2 / (fan_in + fan_out)) ** 0.5),
    "kaiming_normal": (
        kaiming_normal,
        functools.partial(nn.init.kaiming_normal_, nonlinearity="relu"),
        (2 / fan_in) ** 0.5,
    ),
    "kaiming_uniform": (
        kaiming_uniform,
        functools.partial(nn.init.kaiming_uniform_, nonlinearity="relu"),
        (2 / fan_in) ** 0.5,
    ),
}
rows = {}
for name, (ours, theirs, formula) in pairs.items():
    mine = ours(shape, generator=g)
    reference = theirs(torch.empty(shape), generator=g)
    rows[name] = [formula, mine.std().item(), reference.std().item()]
print(format_table(rows, ["formula", "ours", "torch.nn.init"], digits=4, label="std"))

# %% [markdown]
# The same standard deviation within sampling error (about 0.2 % for 131,072 draws).
#
# ### What it means for learning
# The same deep MLP, 10 hidden layers of 32 ReLU units, trained on the spiral (inputs scaled
# to standard deviation 1) twice: once with the "small random numbers" normal(0, 0.01), once
# with He initialization. Same data, same optimizer, same seed; the accuracy is measured on
# fresh points of the same spirals.

# %%
X, y = spiral(N_PER_CLASS, seed=SEED)
X_test, y_test = spiral(N_TEST_PER_CLASS, seed=SEED + 1)  # fresh points of the same spirals
scale = X.std()  # the variance argument assumes inputs of scale 1
X, X_test = X / scale, X_test / scale
inits = {"normal(0, 0.01)": functools.partial(normal, std=0.01), "He normal": kaiming_normal}
curves, accuracy = {}, {}
for name, init in inits.items():
    torch.manual_seed(SEED)
    model = initialize(MLP(2, HIDDEN), init, generator=torch.Generator().manual_seed(SEED))
    history = fit(
        model,
        {"train": (X, y)},
        optimizer=torch.optim.Adam(model.parameters(), lr=LR),
        num_epochs=NUM_EPOCHS,
        batch_size=BATCH_SIZE,
        seed=SEED,
        device=device,
    )
    curves[name] = history.train_loss
    accuracy[name] = [np.mean((predict_proba(model, X_test) >= 0.5) == y_test)]
print(format_table(accuracy, ["test accuracy"], label="initialization"))
fig = plot_loss_curves(curves, title="A 10-layer MLP on the spiral", ylabel="training loss")
dllab.show(fig, "learning", run)

# %% [markdown]
# With normal(0, 0.01) the loss stays at $\log 2 \approx 0.693$, the loss of answering 50 %:
# the signal vanishes before the output and the gradient vanishes before the first layers, so
# not even Adam can move the weights. With He initialization the same network learns the
# spiral. Nothing else differs.
#
# ## Exercises
# The three "Your turn" cells above are checked; `scripts/check.sh 5` checks them from a
# terminal. After trying, compare with `lib/dllab/weight_init.py` (see `lib/dllab/solutions.py`).
#
# 1. Add `"normal(0, 0.05)"` to `schemes`. Predict the factor per layer before running, then
#    check the slope of its line.
# 2. Train the deep MLP with `normal(0, 1)` weights. What does the loss curve show now?
# 3. Repeat the LeakyReLU experiment with α = 0.5. How much larger is the drift of plain He?
#
# ## Summary
# - In a deep stack the scale of the activations is multiplied by the same factor at every
#   layer, so it explodes or vanishes unless that factor is 1.
# - The variance argument gives the factor 1: $\mathrm{Var}(w) = 2/D$ for ReLU (He),
#   $2/((1+\alpha^2)D)$ for LeakyReLU, $2/(\text{fan\_in} + \text{fan\_out})$ for tanh (Xavier).
# - `torch.nn.init` implements exactly these formulas (`nn.Linear` uses its own default,
#   a Kaiming uniform with $a = \sqrt 5$); a bad scale can stop a deep network from learning
#   at all.

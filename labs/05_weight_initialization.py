# %% [markdown]
# # Lab 5 — Weight initialization
#
# **Goals**
# - see activations explode or vanish in a deep stack of layers when the weights have the
#   wrong scale, and keep their scale with the right one;
# - derive that scale from a variance argument: He/Kaiming for ReLU, its correction for
#   LeakyReLU; see what Xavier/Glorot and larger scales do for tanh;
# - write initializers by hand and check them against `torch.nn.init`;
# - see what a bad initialization does to learning.

# %%
import functools

import numpy as np
import torch
from torch import nn

import dllab
from dllab.data import spiral
from dllab.display import format_table, plot_activation_stats, plot_loss_curves
from dllab.exercises import check, your_turn
from dllab.metrics import predict_proba
from dllab.models import MLP
from dllab.train import fit
from dllab.weight_init import FLOAT32_MAX, FLOAT32_SUBNORMAL, FLOAT32_TINY, initialize

# %%
SEED = 1234
# The lecture's stack is 1,000 wide; 500 keeps the lab's fifteen runs of it quick, and the
# predicted factors depend on D only through the product D·Var(w).
D = dllab.pick(full=500, quick=200)  # width of every layer
L = dllab.pick(full=100, quick=30)  # number of layers
D_LECTURE = 1000  # the lecture's width
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
RESULTS = {}  # what this run computed, by name
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
# = \big(\tfrac12 D\,\mathrm{Var}(w)\big)^l\,\mathbb E[h_0^2],$$
# so the standard deviation is multiplied by $\sqrt{\tfrac12 D\,\mathrm{Var}(w)}$ per layer.
# Over 100 layers any factor above 1 explodes and any factor below 1 vanishes. The factor is
# exactly 1 for $\mathrm{Var}(w) = 2/D$: **He (Kaiming) initialization**, $w \sim \mathcal
# N(0, 2/D)$ or $w \sim U(-\sqrt{6/D}, \sqrt{6/D})$ (a uniform $U(-b, b)$ has variance
# $b^2/3$).
#
# - **LeakyReLU** with slope $\alpha$ keeps $\alpha^2$ of the negative half:
#   $\mathbb E[f(z)^2] = \tfrac{1+\alpha^2}{2}\mathrm{Var}(z)$, so $\mathrm{Var}(w) =
#   \frac{2}{(1+\alpha^2)D}$.
# - **tanh** has slope 1 at 0 and squeezes everything else, so the argument gives no exact
#   answer: $\mathrm{Var}(w) = 1/D$ keeps the scale of small activations, where tanh is nearly
#   the identity. Glorot & Bengio asked for the backward pass to be stable too, which needs
#   $1/\text{fan\_out}$, and compromised on **Xavier**: $\mathrm{Var}(w) =
#   \frac{2}{\text{fan\_in} + \text{fan\_out}}$ (equal to $1/D$ for square layers).
#   Initializers write $\mathrm{Var}(w) = \text{gain}^2 / \text{fan\_in}$: the gain is 1 for
#   Xavier on square layers, $\sqrt 2 \approx 1.41$ for He, and `torch.nn.init` recommends
#   $5/3 \approx 1.67$ for tanh, larger than both. The experiment below compares the three.
#
# ### Your turn 1–3: the scales
# Turn the three results into code; the experiments below use your functions.


# %%
# YOUR TURN: he_std
@your_turn
def he_std(fan_in):
    """Standard deviation of He initialization for ReLU layers with `fan_in` inputs."""
    raise NotImplementedError  # your code here


# %%
he_std = check("he_std", he_std)


# %%
# YOUR TURN: xavier_std
@your_turn
def xavier_std(fan_in, fan_out):
    """Standard deviation of Xavier (Glorot) initialization."""
    raise NotImplementedError  # your code here


# %%
xavier_std = check("xavier_std", xavier_std)


# %%
# YOUR TURN: leaky_relu_gain
@your_turn
def leaky_relu_gain(alpha):
    """The factor g such that std = g / √fan_in keeps LeakyReLU(α) layers stable."""
    raise NotImplementedError  # your code here


# %%
leaky_relu_gain = check("leaky_relu_gain", leaky_relu_gain)

# %% [markdown]
# ## Initializers by hand
# An initializer draws a weight of shape (fan_out, fan_in), the shape of `nn.Linear.weight`,
# with the right scale. Two kinds of draws, then He and Xavier built from your scales:


# %%
def normal_init(shape, std, *, generator):
    """W ~ N(0, std²), shape (fan_out, fan_in)."""
    return torch.empty(shape).normal_(0.0, std, generator=generator)


def uniform_init(shape, bound, *, generator):
    """W ~ U(−bound, bound), whose variance is bound² / 3."""
    return torch.empty(shape).uniform_(-bound, bound, generator=generator)


def he_normal(shape, *, generator):
    fan_out, fan_in = shape
    return normal_init(shape, he_std(fan_in), generator=generator)


def he_uniform(shape, *, generator):
    fan_out, fan_in = shape
    return uniform_init(shape, 3**0.5 * he_std(fan_in), generator=generator)  # std = b/√3


def xavier_normal(shape, *, generator):
    fan_out, fan_in = shape
    return normal_init(shape, xavier_std(fan_in, fan_out), generator=generator)


def xavier_uniform(shape, *, generator):
    fan_out, fan_in = shape
    return uniform_init(shape, 3**0.5 * xavier_std(fan_in, fan_out), generator=generator)


# %% [markdown]
# Before trusting them, compare with `torch.nn.init`, which fills an existing tensor in
# place: draw a (512, 256) weight with ours and one with theirs, and compare both standard
# deviations with the formula.

# %%
shape = (512, 256)
fan_out, fan_in = shape
pairs = {  # name: (ours, torch's, the std of the formula)
    "He normal": (he_normal, nn.init.kaiming_normal_, (2 / fan_in) ** 0.5),
    "He uniform": (he_uniform, nn.init.kaiming_uniform_, (2 / fan_in) ** 0.5),
    "Xavier normal": (xavier_normal, nn.init.xavier_normal_, (2 / (fan_in + fan_out)) ** 0.5),
    "Xavier uniform": (xavier_uniform, nn.init.xavier_uniform_, (2 / (fan_in + fan_out)) ** 0.5),
}
generator = torch.Generator().manual_seed(SEED)
rows = {}
for name, (ours, theirs, formula) in pairs.items():
    mine = ours(shape, generator=generator)
    reference = theirs(torch.empty(shape), generator=generator)  # default: ReLU's gain
    rows[name] = [formula, mine.std().item(), reference.std().item()]
RESULTS["std: formula, ours, torch"] = rows
print(format_table(rows, ["formula", "ours", "torch.nn.init"], digits=5, label="std"))
n = fan_out * fan_in
RESULTS["sampling error of a std"] = (2 * n) ** -0.5
print(f"sampling error of a std from {n:,} normal draws ≈ 1/√(2n) = {(2 * n) ** -0.5:.2%}")

# %% [markdown]
# Ours, torch's and the formula differ by about the sampling error printed below the table,
# the size of a chance difference (uniform draws vary even less than normal ones).
#
# ## The experiment
# One input vector of width $D$ from $U(-1, 1)$, standardized, goes through $L$ layers of
# width $D$ without biases. Here the lab departs from the lecture, whose $D$ is 1,000: a
# narrower stack keeps the lab's fifteen runs of it quick. The width enters the fixed scales'
# factors, $\sqrt{\tfrac12 D\,\mathrm{Var}(w)}$, which are smaller here: the weights of scale
# 1 explode more slowly than in the lecture, those of scale 0.01 vanish faster. Each of their
# cells prints the lecture's factor and float32 limit beside this lab's. He's scale
# $\sqrt{2/D}$ cancels $D$: its factor is 1 at any width.
# The loop is the whole experiment: draw $W$, multiply, activate, record the mean and the
# standard deviation of the layer's output. Every run starts its
# generator from the same seed, so schemes of the same kind (normal or uniform) use the same
# draws, only scaled: the differences between them come from the scheme, not from luck.

# %%
generator = torch.Generator().manual_seed(SEED)
x = torch.empty(D, dtype=torch.float64).uniform_(-1, 1, generator=generator)
x = (x - x.mean()) / x.std()  # standardized: mean 0, std 1


def deep_stack(init, activation, *, seed=SEED):
    """Push x through L layers h ← activation(W h), a fresh W = init((D, D)) per layer.

    Returns the mean and the std of each layer's output, arrays (L,), and the last output (D,).
    """
    generator = torch.Generator().manual_seed(seed)
    h = x
    means, stds = np.empty(L), np.empty(L)
    for layer in range(L):
        W = init((D, D), generator=generator).double()  # float64: room up to 1.8e308
        h = activation(W @ h)
        means[layer], stds[layer] = h.mean().item(), h.std().item()
    return means, stds, h


# %% [markdown]
# Each run is summarised in a table: the std at the first, middle and last layer; the
# average factor by which one layer multiplied the std, $(\text{std}_L /
# \text{std}_1)^{1/(L-1)}$, next to the factor the variance argument predicts; and the mean ÷
# std of the last layer's output ("mean/std"), which says how far from centred the
# activations are. The
# plots mark float32's limits where the numbers come near them.


# %%
def factor_per_layer(stds):
    """The average factor by which one layer multiplied the std: (std_L / std_1)^(1/(L−1))."""
    return (stds[-1] / stds[0]) ** (1 / (len(stds) - 1))


def predicted_factor(var_w, fan_in=D, alpha=0.0):
    """√(½(1 + α²)·fan_in·Var(w)): the variance argument's factor per (Leaky)ReLU layer."""
    return (0.5 * (1 + alpha**2) * fan_in * var_w) ** 0.5


def print_stds(results, predicted):
    """Print a table of the std at a few layers, the factors per layer and mean ÷ std at
    layer L, and return its rows: {name: [std @ 1, std @ L/2, std @ L, factor, predicted,
    mean/std]}."""
    rows = {}
    for name, (means, stds, _) in results.items():
        factor = factor_per_layer(stds)
        rows[name] = [stds[0], stds[L // 2 - 1], stds[-1], factor, predicted[name]]
        rows[name].append(means[-1] / stds[-1])
    columns = ["std @ 1", f"std @ {L // 2}", f"std @ {L}", "factor", "predicted", "mean/std"]
    print(format_table(rows, columns, digits=3, label="scheme"))
    return rows


def crossing(factor, limit):
    """The first layer at which std = factor^layer (input std 1) passes `limit`."""
    return int(np.ceil(np.log(limit) / np.log(factor)))


def beside_the_lecture(schemes, limit, what):
    """Each scheme's predicted factor and float32 limit layer here and at the lecture's width.

    → {name: [factor, the lecture's factor, limit layer, the lecture's limit layer]}."""
    rows = {}
    for name, (_, var_w) in schemes.items():
        ours, lecture = predicted_factor(var_w), predicted_factor(var_w, fan_in=D_LECTURE)
        rows[name] = [ours, lecture, crossing(ours, limit), crossing(lecture, limit)]
        print(
            f"{name}: predicted factor {ours:.3g} at D = {D} (the lecture's D = {D_LECTURE:,}: "
            f"{lecture:.3g}); {what} at layer {crossing(ours, limit)} "
            f"(at D = {D_LECTURE:,}: layer {crossing(lecture, limit)})"
        )
    return rows


def first(condition):
    """The first layer (counted from 1) where `condition`, an array (L,), holds, or None."""
    layers = np.flatnonzero(condition) + 1
    return int(layers[0]) if layers.size else None


def layer_text(k):
    """Layer k as the lab prints it (k from `first`)."""
    return f"layer {k}" if k else f"none of the {L} layers"


def plot(results, what, filename, float32_limits=False):
    """The std and mean ÷ std of every layer's output, one line per scheme."""
    stats = {name: (means, stds) for name, (means, stds, _) in results.items()}
    title = f"{what}: {L} layers of width D = {D}, one input vector"
    dllab.show(
        plot_activation_stats(stats, title=title, float32_limits=float32_limits), filename, run
    )


print(
    f"float32: largest {FLOAT32_MAX:.1e}, smallest normal {FLOAT32_TINY:.1e}, "
    f"smallest subnormal {FLOAT32_SUBNORMAL:.1e}; "
    f"float64: largest {np.finfo(np.float64).max:.1e}"
)

# %% [markdown]
# ### ReLU with weights of scale 1: explosion

# %%
schemes = {  # name: (initializer, Var(w))
    "normal(0, 1)": (functools.partial(normal_init, std=1.0), 1.0),
    "uniform(-1, 1)": (functools.partial(uniform_init, bound=1.0), 1 / 3),
}
explode = {}
for name, (init, _) in schemes.items():
    explode[name] = deep_stack(init, torch.relu)
predicted = {name: predicted_factor(var_w) for name, (_, var_w) in schemes.items()}
RESULTS["ReLU, scale 1"] = print_stds(explode, predicted)
for name, (_, stds, _) in explode.items():
    RESULTS[f"{name}: first layer above float32's largest"] = first(stds > FLOAT32_MAX)
    print(
        f"{name}: first layer with std above float32's largest number:",
        layer_text(first(stds > FLOAT32_MAX)),
    )
what = "float32's largest number passed, predicted,"
RESULTS["ReLU, scale 1: beside the lecture"] = beside_the_lecture(schemes, FLOAT32_MAX, what)
plot(explode, "ReLU, weights of scale 1", "relu_explode", float32_limits=True)

# %% [markdown]
# Both lines are straight on the log scale: each layer multiplies the standard deviation by
# the same factor, and the measured factor matches $\sqrt{\tfrac12 D\,\mathrm{Var}(w)}$ (the
# table's "factor" and "predicted"). Uniform(−1, 1) has the smaller variance (1/3), so it
# grows more slowly, but it grows. The experiment computes in float64 to watch the whole
# climb; a network in float32, PyTorch's default, would pass float32's largest number (the top
# of the grey band) at the layer printed above (measured, and predicted from the factor for
# stacks deeper than this one) and hold `inf`, then `nan`, from there on.
#
# The right panel is the centre of the activations in units of their spread. ReLU's outputs
# are never centred, since it cuts off the negative half; for a centred normal input their
# mean is a fixed fraction of their std, whatever the scale of the weights. The lines scatter
# around that fraction because one vector of $D$ units is a sample.
#
# ### ReLU with weights of scale 0.01: vanishing

# %%
schemes = {  # name: (initializer, Var(w))
    "normal(0, 0.01)": (functools.partial(normal_init, std=0.01), 0.01**2),
    "uniform(-0.01, 0.01)": (functools.partial(uniform_init, bound=0.01), 0.01**2 / 3),
}
vanish = {}
for name, (init, _) in schemes.items():
    vanish[name] = deep_stack(init, torch.relu)
predicted = {name: predicted_factor(var_w) for name, (_, var_w) in schemes.items()}
RESULTS["ReLU, scale 0.01"] = print_stds(vanish, predicted)
for name, (_, stds, _) in vanish.items():
    RESULTS[f"{name}: first layer below float32's normal"] = first(stds < FLOAT32_TINY)
    RESULTS[f"{name}: first layer below float32's subnormal"] = first(stds < FLOAT32_SUBNORMAL)
    print(f"{name}: first layer with std below float32's")
    print("  smallest normal number:", layer_text(first(stds < FLOAT32_TINY)))
    print("  smallest subnormal number:", layer_text(first(stds < FLOAT32_SUBNORMAL)))
what = "float32's smallest subnormal passed, predicted,"
RESULTS["ReLU, scale 0.01: beside the lecture"] = beside_the_lecture(
    schemes, FLOAT32_SUBNORMAL, what
)
plot(vanish, "ReLU, weights of scale 0.01", "relu_vanish", float32_limits=True)

# %% [markdown]
# The mirror image: the factor per layer is $0.01\sqrt{D/2}$ for normal(0, 0.01), and the
# line falls straight down. The layers printed above say when float32 would give out: below
# its smallest normal number (the bottom of the grey band) precision is lost, and once the
# std is below its smallest subnormal number (the dotted line), a float32 network rounds its
# activations to 0 within a layer or two. Long before that, the signal is too small to learn
# from: the experiment at the end of the lab shows what that does to training.
#
# ### ReLU with He initialization

# %%
schemes = {  # name: (initializer, seed)
    "He normal √(2/D)": (he_normal, SEED),
    "He uniform √(6/D)": (he_uniform, SEED),
    "He normal, seed + 1": (he_normal, SEED + 1),
    "He normal, seed + 2": (he_normal, SEED + 2),
}
stable = {}
for name, (init, seed) in schemes.items():
    stable[name] = deep_stack(init, torch.relu, seed=seed)
predicted = {name: predicted_factor(he_std(D) ** 2) for name in schemes}
RESULTS["ReLU, He"] = print_stds(stable, predicted)
for name, (_, stds, _) in stable.items():
    RESULTS[f"{name}: std range"] = [stds.min(), stds.max()]
    print(f"{name}: std between {stds.min():.2f} and {stds.max():.2f} over the {L} layers")
plot(stable, "ReLU, He initialization", "relu_he")

# %% [markdown]
# No line climbs or falls steadily: the measured factor per layer is within a few hundredths
# of 1, where the scales 1 and 0.01 gave factors far from 1. The lines are not flat either:
# each one wanders within the range printed above. The factor is exactly 1 only on average
# over random weights; one draw of $D \times D$ weights acting on one vector of $D$ units
# gives 1 plus a small random error (it shrinks like $1/\sqrt D$), and $L$ such errors
# compound. The three He normal lines differ only in their draws, and they wander
# differently: the wander is luck, not the scheme, and it stays far from the explosion and the
# vanishing above.
#
# ### LeakyReLU (α = 0.2): He's scale is slightly too large

# %%
corrected = leaky_relu_gain(ALPHA) / D**0.5  # √(2 / ((1 + α²)·D))
schemes = {  # name: (initializer, Var(w))
    "He normal": (he_normal, he_std(D) ** 2),
    "corrected normal": (functools.partial(normal_init, std=corrected), corrected**2),
    "He uniform": (he_uniform, he_std(D) ** 2),
    "corrected uniform": (functools.partial(uniform_init, bound=3**0.5 * corrected), corrected**2),
}
leaky = {}
for name, (init, _) in schemes.items():
    leaky[name] = deep_stack(
        init, functools.partial(torch.nn.functional.leaky_relu, negative_slope=ALPHA)
    )
predicted = {name: predicted_factor(var_w, alpha=ALPHA) for name, (_, var_w) in schemes.items()}
RESULTS["LeakyReLU"] = print_stds(leaky, predicted)
RESULTS["LeakyReLU: growth predicted for He"] = predicted["He normal"] ** (L - 1)
print(
    f"growth over layers 1 → {L}, predicted for He: {predicted['He normal'] ** (L - 1):.1f}×;",
    "measured:",
    ", ".join(f"{name} {stds[-1] / stds[0]:.1f}×" for name, (_, stds, _) in leaky.items()),
)
plot(leaky, f"LeakyReLU (α = {ALPHA})", "leaky_relu")

# %% [markdown]
# With plain He weights the predicted factor per layer is $\sqrt{1 + \alpha^2}$, barely
# above 1, but it compounds over the layers (the growth printed above). The corrected scale
# $\sqrt{2/((1+\alpha^2)D)}$ brings the factor back to 1, and its lines only wander, as He's
# did for ReLU. Each He line and the corrected line of its kind use the same draws, only
# scaled: they start together and drift apart by that factor at every layer, the He line on
# top. The right panel shows four schemes as two lines for the same reason: scaling the
# weights scales a LeakyReLU layer's output, its mean and its std alike, so mean ÷ std of He
# and of the corrected scale coincide, one line for the normal pair and one for the uniform
# pair. LeakyReLU keeps part of the negative half, so its outputs are closer to centred than
# ReLU's.
#
# ## Beyond the lecture
# ### tanh: Xavier, He, or torch's 5/3?
# For tanh a second table gives two numbers at layer $L$: the mean slope $\tanh'(z) = 1 -
# \tanh(z)^2$ of its units (1 near 0, 0 in the flat tails), and the factor by which the
# gradient grows (above 1) or shrinks (below 1) per layer on its way back, from the same
# variance argument applied to $g_{l-1} = W^\top (\tanh'(z) \odot g_l)$:
# gain $\cdot\sqrt{\mathrm{mean}(\tanh'(z)^2)}$.

# %%
gains = {"Xavier, gain 1": 1.0, "He, gain √2": 2**0.5, "torch, gain 5/3": 5 / 3}
saturation = {}
tanh_runs = {}
for name, gain in gains.items():
    init = functools.partial(normal_init, std=gain / D**0.5)
    tanh_runs[name] = deep_stack(init, torch.tanh)
    slope = 1 - tanh_runs[name][2] ** 2  # tanh'(z) at layer L
    saturation[name] = [slope.mean().item(), gain * (slope**2).mean().sqrt().item()]
RESULTS["tanh"] = print_stds(tanh_runs, {name: None for name in gains})
RESULTS["tanh: slope and backward factor"] = saturation
RESULTS["tanh: 1/√(2L)"] = (2 * L) ** -0.5
print(format_table(saturation, [f"mean tanh' @ {L}", "backward factor"], digits=3, label="scheme"))
print(
    f"Xavier: std at layer {L} {tanh_runs['Xavier, gain 1'][1][-1]:.3f};",
    f"1/√(2L) = {(2 * L) ** -0.5:.3f}",
)
plot(tanh_runs, "tanh", "tanh")

# %% [markdown]
# - **Xavier** (gain 1): the standard deviation keeps falling, but not by a constant factor
#   per layer as ReLU's did at the wrong scales; near 0, $\tanh(z) \approx z - z^3/3$ takes
#   away a little variance at each layer, less and less as the activations shrink, so the std
#   falls roughly like $1/\sqrt{2l}$ (compare the last printed line). The deep layers work
#   near 0, where tanh is almost linear: their mean slope is close to 1 and the gradient
#   passes back almost unchanged (backward factor close to 1).
# - **He** (gain √2) and **torch's 5/3**: after a few layers the std settles at a fixed value,
#   where tanh's squeezing balances the larger weights. These layers are not in tanh's flat
#   tails, where the slope is near 0: their mean slope (printed) is more than half of tanh's
#   largest slope, 1. The price of the stable forward pass is a backward factor above 1: over
#   many layers the gradient grows on its way back, the more so the larger the gain.
# - tanh is centred: mean ÷ std scatters around 0 (right panel).
#
# None of the three keeps both the forward scale and the backward factor at 1. All three are
# mild next to ReLU at a wrong scale: no std in the tanh table leaves the range 0.01 to 1.
#
# ### What it means for learning
# The same deep MLP, 10 hidden layers of 32 ReLU units, trained on the spiral (inputs scaled
# to standard deviation 1) twice: once with the "small random numbers" normal(0, 0.01), once
# with your He initialization. Same data, same optimizer, same seed; the accuracy is measured
# on fresh points of the same spirals.

# %%
X, y = spiral(N_PER_CLASS, seed=SEED)
X_test, y_test = spiral(N_TEST_PER_CLASS, seed=SEED + 1)  # fresh points of the same spirals
scale = X.std()  # the variance argument assumes inputs of scale 1
X, X_test = X / scale, X_test / scale
inits = {"normal(0, 0.01)": functools.partial(normal_init, std=0.01), "He normal": he_normal}
curves, results = {}, {}
for name, init in inits.items():
    torch.manual_seed(SEED)
    model = initialize(MLP(2, HIDDEN), init, generator=torch.Generator().manual_seed(SEED))
    history = fit(
        model,
        {"train": (X, y)},
        optimizer=torch.optim.Adam(model.parameters(), lr=LR, fused=True),
        num_epochs=NUM_EPOCHS,
        batch_size=BATCH_SIZE,
        seed=SEED,
        device=device,
    )
    curves[name] = history.train_loss
    accuracy = np.mean((predict_proba(model, X_test) >= 0.5) == y_test)
    results[name] = [history.train_loss[-1], accuracy]
RESULTS["learning: final loss, test accuracy"] = results
print(
    format_table(
        results,
        ["final training loss", f"test accuracy (n = {len(y_test)})"],
        label="initialization",
    )
)
shrink = predicted_factor(0.01**2, fan_in=HIDDEN[0])  # a hidden layer after the first
print(
    f"log 2 = {np.log(2):.4f}; normal(0, 0.01) multiplies the scale by {shrink:.2f} in each "
    f"hidden layer with {HIDDEN[0]} inputs, by {shrink ** (len(HIDDEN) - 1):.0e} over those "
    f"{len(HIDDEN) - 1}"
)
fig = plot_loss_curves(
    curves,
    title=f"{len(HIDDEN)} hidden layers of {HIDDEN[0]} ReLU units, spiral train set (n = {len(y)})",
    ylabel="training loss (binary cross-entropy)",
    legend="none",
)
fig.axes[0].legend(title="initialization", loc="center left", bbox_to_anchor=(1.01, 0.5))
dllab.show(fig, "learning", run)

# %% [markdown]
# With normal(0, 0.01) the training loss stays at $\log 2$, the loss of answering 50 % for
# every point: each hidden layer after the first shrinks the signal by the factor printed
# above, so almost nothing reaches the output, and by the same argument run backwards the
# gradient shrinks by about the same factor per layer on its way back to the first layers.
# With He initialization the signal reaches the output of the same network, on the same data
# with the same optimizer and seed, so its loss can fall below $\log 2$: how far it falls in
# `NUM_EPOCHS` epochs, and the accuracy that follows, are in the table. Nothing else differs.
#
# ## Exercises
# The three "Your turn" cells above are checked; `scripts/check.sh 5` checks them from a
# terminal. After trying, compare with the references in `lib/dllab/exercises/specs/lab05.py`.
#
# 1. Add `"normal(0, 0.05)"` to the schemes of the vanishing cell. Predict the factor per
#    layer before running, then check it in the table.
# 2. Train the deep MLP with `normal(0, 1)` weights. What does the loss curve show now?
# 3. Repeat the LeakyReLU experiment with α = 0.5. How much larger is the growth of plain He?
# 4. Set `D = 2000` (then `D = 100`) in the settings cell and run the lab again up to the He
#    cell. Does the wander of the He lines change?
#
# ## Summary
# - In a deep stack the scale of the activations is multiplied by about the same factor at
#   every layer, so it explodes or vanishes unless that factor is 1; at the scales 1 and 0.01
#   float32 would overflow or underflow within tens of layers.
# - The variance argument gives the factor 1: $\mathrm{Var}(w) = 2/D$ for ReLU (He),
#   $2/((1+\alpha^2)D)$ for LeakyReLU. Even then one run's scale wanders: each layer adds a
#   random error of order $1/\sqrt D$ to the factor 1.
# - For tanh no scale keeps both directions stable: Xavier's
#   $2/(\text{fan\_in} + \text{fan\_out})$ lets the activations shrink slowly with a stable
#   backward pass; larger gains (He's √2, torch's 5/3) hold the forward scale and let
#   gradients grow slowly on the way back.
# - `torch.nn.init` implements these formulas (`nn.Linear` uses its own default, a Kaiming
#   uniform with $a = \sqrt 5$); a bad scale can stop a deep network from learning at all.

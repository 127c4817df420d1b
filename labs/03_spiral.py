# %% [markdown]
# # Lab 3 — A first neural network: the spiral
#
# **Goals**
# - build models in PyTorch from `nn.Linear` layers and activations, and train them with a
#   minibatch loop, Adam and `binary_cross_entropy_with_logits`;
# - see why stacking linear layers without an activation gains nothing, and what ReLU changes;
# - measure a classifier (accuracy, average precision, ROC AUC) and look at its decision
#   boundary;
# - watch a network fail to extrapolate, and fix it with a better representation of the data.

# %%
import matplotlib.pyplot as plt
import torch
from sklearn.model_selection import train_test_split
from torch import nn

import dllab
from dllab.boundary import decision_boundary, plot_spiral
from dllab.data import radius_split, spiral, split
from dllab.display import format_table
from dllab.exercises import check
from dllab.metrics import evaluate
from dllab.models import MLP, Features
from dllab.train import fit

# %%
SEED = 1234
N_PER_CLASS = dllab.pick(full=4000, quick=600)  # points per spiral arm
N_LOOPS, NOISE, LIM = 3.5, 0.6, 25  # spiral shape; plots span ±LIM
N_TEST = N_VALID = dllab.pick(full=1024, quick=256)
BATCH_SIZE = dllab.pick(full=512, quick=128)
NUM_EPOCHS = dllab.pick(full=1000, quick=30)
LR = 0.01
PATIENCE, MIN_DELTA = dllab.pick(full=50, quick=10), 1e-3  # early stopping on validation loss
CONFIG = [20, 15, 10, 5]  # hidden sizes of the general MLP
R_MAX = 16.1  # extrapolation: train inside this radius, test outside
EXTRAP_EPOCHS = dllab.pick(full=300, quick=30)  # enough to fit the inside perfectly

dllab.set_seed(SEED)
# These networks are tiny: splitting each operation over CPU threads costs more than it saves.
torch.set_num_threads(1)
device = dllab.get_device()
run = dllab.new_run_dir("03_spiral", create=False)
print(f"device: {device}; outputs of this run: {run}")

# %% [markdown]
# ## The data
# Two interleaved spirals, class 1 the mirror image of class 0, with a little noise.

# %%
X, y = spiral(N_PER_CLASS, n_loops=N_LOOPS, noise=NOISE, seed=SEED)
splits = split(X, y, n_test=N_TEST, n_valid=N_VALID, seed=SEED)
X_test, y_test = splits["test"]
print({name: len(part[0]) for name, part in splits.items()})
dllab.show(plot_spiral(X, y, lim=LIM, title="Two spirals"), "data", run)

# %% [markdown]
# No straight line separates the two arms: a point's class depends on where along the spiral
# it lies, which changes with both its angle and its distance from the centre.
#
# ## Training
# Every model below is trained the same way: Adam with learning rate 0.01, minibatches of 512
# shuffled points (the last partial batch dropped), `binary_cross_entropy_with_logits`, and the
# validation loss after every epoch. The loop lives in `dllab.train.fit` (read it in
# `lib/dllab/train.py`); its heart is the same four lines as in lab 1:
#
# ```python
# for X_batch, y_batch in minibatches:
#     optimizer.zero_grad()
#     loss = loss_fn(model(X_batch), y_batch)
#     loss.backward()
#     optimizer.step()
# ```
#
# It stops early when the validation loss has not improved for `PATIENCE` epochs and keeps the
# best weights, so models that have learned all they can do not run the full 1,000 epochs.

# %%
results = {}


def train_and_evaluate(name, model, data=splits, test=splits["test"], num_epochs=NUM_EPOCHS):
    """Train `model` on data["train"], then record and print its metrics on `test`."""
    # fused=True: one update kernel for all parameters instead of a Python loop over them.
    optimizer = torch.optim.Adam(model.parameters(), lr=LR, fused=True)
    history = fit(
        model,
        data,
        optimizer=optimizer,
        num_epochs=num_epochs,
        batch_size=BATCH_SIZE,
        patience=PATIENCE,
        min_delta=MIN_DELTA,
        seed=SEED,
        device=device,
    )
    results[name] = evaluate(model, *test)
    print(f"{name}: {history.epochs} epochs, best validation loss at epoch {history.best_epoch}")
    print(format_table({name: list(results[name].values())}, list(results[name])))
    return results[name]


def print_results(label):
    """One row of test metrics per model trained so far."""
    rows = {name: list(m.values()) for name, m in results.items()}
    print(format_table(rows, ["accuracy", "avg precision", "ROC AUC"], label=label))


# %% [markdown]
# ## Model 1 — one linear layer
# A single `nn.Linear(2, 1)`: the logit is $w_1 x_1 + w_2 x_2 + b$, so the decision boundary
# (logit 0, probability ½) is a straight line.

# %%
torch.manual_seed(SEED)
linear = MLP(2, [])
print(linear)
metrics = train_and_evaluate("linear", linear)

# %%
dllab.show(
    decision_boundary(linear, X_test, y_test, lim=LIM, title="one linear layer", metrics=metrics),
    "boundary_linear",
    run,
)

# %% [markdown]
# One straight line through the middle: it gets little more than half of the test points
# right, as the lecture found (0.60).
#
# ## Model 2 — three linear layers, no activation
# Linear(2→12) → Linear(12→6) → Linear(6→1). More layers, more parameters. **Before running
# the next cell: will it do better?**

# %%
torch.manual_seed(SEED)
deep_linear = MLP(2, [12, 6], activation=None)
print(deep_linear)
metrics = train_and_evaluate("deep linear", deep_linear)

# %%
dllab.show(
    decision_boundary(
        deep_linear, X_test, y_test, lim=LIM, title="three linear layers", metrics=metrics
    ),
    "boundary_deep_linear",
    run,
)

# %% [markdown]
# No better: still one straight line. A composition of linear maps is linear,
# $W_3(W_2(W_1x + b_1) + b_2) + b_3 = (W_3W_2W_1)\,x + (W_3W_2b_1 + W_3b_2 + b_3)$,
# so the three layers collapse into one. We can check it with the trained weights:

# %%
with torch.no_grad():
    (W1, b1), (W2, b2), (W3, b3) = [(m.weight, m.bias) for m in deep_linear.layers]
    collapsed = nn.Linear(2, 1).to(device)
    collapsed.weight.copy_(W3 @ W2 @ W1)
    collapsed.bias.copy_(W3 @ W2 @ b1 + W3 @ b2 + b3)
    X_dev = torch.as_tensor(X_test, device=device)
    gap = (deep_linear(X_dev) - collapsed(X_dev)).abs().max().item()
print(f"largest difference between the three layers and one collapsed layer: {gap:.1e}")

# %% [markdown]
# ## Model 3 — the same layers with ReLU in between
# A nonlinearity between the layers stops the collapse: each ReLU bends the boundary.

# %%
torch.manual_seed(SEED)
relu_net = MLP(2, [12, 6], activation="relu")
print(relu_net)
metrics = train_and_evaluate("ReLU 12-6", relu_net)

# %%
dllab.show(
    decision_boundary(
        relu_net, X_test, y_test, lim=LIM, title="ReLU network 12-6", metrics=metrics
    ),
    "boundary_relu",
    run,
)

# %% [markdown]
# The boundary is no longer one straight line: it is made of straight pieces, with a kink
# wherever a ReLU switches on or off. With 12 and 6 units there are too few pieces to follow
# three and a half turns, so whole stretches of the arms still lie on the wrong side.
#
# ## Model 4 — a general MLP
# `MLP` builds the network from a list of hidden sizes, so a deeper, wider model is one line.
# The lecture's configuration is [20, 15, 10, 5]. Inside, the model is just a list of layers
# (`nn.Linear`, `nn.ReLU`, …) applied one after the other.
#
# ### Your turn 1: the forward pass of an MLP
# Given the list of layers (each is callable: `layer(x)`), compute the network's output.


# %%
# YOUR TURN: mlp_forward
def mlp_forward(layers, x):
    """Apply `layers` to x: (N, n_features) in order → the last layer's output (N, 1)."""
    raise NotImplementedError  # your code here


# %%
mlp_forward = check("mlp_forward", mlp_forward)

# %%
torch.manual_seed(SEED)
mlp = MLP(2, CONFIG, activation="relu")
print(mlp)
metrics = train_and_evaluate("MLP 20-15-10-5", mlp)

# %%
with torch.no_grad():
    X_dev = torch.as_tensor(X_test, device=device)
    gap = (mlp_forward(list(mlp.layers), X_dev) - mlp(X_dev)).abs().max().item()
print(f"your forward pass vs the model's: largest difference {gap:.1e}")

# %%
dllab.show(
    decision_boundary(mlp, X_test, y_test, lim=LIM, title="MLP 20-15-10-5", metrics=metrics),
    "boundary_mlp",
    run,
)

# %% [markdown]
# The boundary winds between the arms all the way out: (nearly) every test point is right,
# as in the lecture (1.00).

# %%
print_results("test set")

# %% [markdown]
# ## Extrapolation
# Now train only on the points within radius 16.1 and test on the points outside it, where the
# spiral continues the same way.

# %%
parts = radius_split(X, y, R_MAX)
X_in, X_valid_in, y_in, y_valid_in = train_test_split(
    *parts["inside"], test_size=N_VALID // 2, random_state=SEED
)
inside = {"train": (X_in, y_in), "valid": (X_valid_in, y_valid_in)}
X_out, y_out = parts["outside"]
print(
    f"inside r ≤ {R_MAX}: {len(X_in)} training, {len(X_valid_in)} validation points; "
    f"outside: {len(X_out)} test points"
)

fig = plot_spiral(X_in, y_in, lim=LIM, title="train inside the circle, test outside")
fig.axes[0].scatter(X_out[:, 0], X_out[:, 1], s=2, color="grey", alpha=0.3, label="test")
fig.axes[0].add_patch(plt.Circle((0, 0), R_MAX, fill=False, linestyle="--"))
fig.axes[0].legend(loc="upper right", markerscale=4)
dllab.show(fig, "extrapolation_data", run)

# %% [markdown]
# The grey points are never seen in training. A model that understood "spiral" would continue
# the arms outward.

# %%
torch.manual_seed(SEED)
mlp_inside = MLP(2, CONFIG, activation="relu")
metrics = train_and_evaluate(
    "MLP, outside r", mlp_inside, data=inside, test=parts["outside"], num_epochs=EXTRAP_EPOCHS
)
dllab.show(
    decision_boundary(
        mlp_inside,
        X_out,
        y_out,
        lim=LIM,
        metrics=metrics,
        title="MLP trained inside, tested outside",
    ),
    "extrap_mlp",
    run,
)

# %% [markdown]
# Chance level outside the circle (the lecture: 0.51). Inside the training region the boundary
# is right; outside it the ReLU network simply continues its last linear pieces in straight
# lines. It learned *where* the classes are, not the rule that generates them.
#
# ### How can we fix this?
# Give the model a representation in which the outside looks like the inside. A spiral arm is
# where the angle $\theta$ and the radius $r$ grow together: class 0 lies where
# $\theta + r \equiv \pi$ and class 1 where $\theta + r \equiv 0 \pmod{2\pi}$. With the
# periodic features $(\cos\theta, \sin\theta, \cos r, \sin r)$ a point at radius 20 has the same
# kind of features as one at radius 20 − 2π, which lies inside the training region.
#
# ### Your turn 2: polar features
# Compute $(\cos\theta, \sin\theta, \cos r, \sin r)$ for each point $(x, y)$, with the angle
# $\theta$ in $(-\pi, \pi]$ (`torch.atan2`) and the radius $r = \sqrt{x^2 + y^2}$.


# %%
# YOUR TURN: polar_features
def polar_features(x):
    """(x, y) → (cos θ, sin θ, cos r, sin r).  x: tensor (N, 2) → tensor (N, 4)."""
    raise NotImplementedError  # your code here


# %%
polar_features = check("polar_features", polar_features)

# %% [markdown]
# `Features(polar_features)` turns the function into the network's first layer; the rest is
# the same MLP.

# %%
torch.manual_seed(SEED)
polar = nn.Sequential(Features(polar_features), MLP(4, CONFIG, activation="relu"))
metrics = train_and_evaluate(
    "polar MLP, outside r", polar, data=inside, test=parts["outside"], num_epochs=EXTRAP_EPOCHS
)
dllab.show(
    decision_boundary(
        polar, X_out, y_out, lim=LIM, metrics=metrics, title="polar features, tested outside"
    ),
    "extrap_polar",
    run,
)

# %% [markdown]
# The boundary continues the spiral far beyond the training radius, and the points outside are
# classified (almost) perfectly. Nothing about the network changed; the **inductive bias** did:
# we built in the knowledge that the pattern repeats with the angle and the radius, and the
# model could then apply what it learned inside to the outside. A flexible model fits the data
# it sees; what it does beyond that depends on the assumptions built into it.

# %%
print_results("all models")

# %% [markdown]
# ## Exercises
# The two "Your turn" cells above are checked; `scripts/check.sh 3` checks them from a
# terminal. After trying, compare with `lib/dllab/solutions.py`.
#
# 1. Replace ReLU with `"tanh"` in model 3. Is the boundary smoother? Is it better?
# 2. Train the [20, 15, 10, 5] MLP with learning rates 0.1 and 0.001. What happens to the
#    number of epochs until early stopping, and to the accuracy?
# 3. Use only $(\cos\theta, \sin\theta)$ or only $(\cos r, \sin r)$ as features. Why does
#    neither alone work?
#
# ## Summary
# - A network is layers; `nn.Linear` without activations stays linear however deep it is.
# - Nonlinear activations let a network bend its decision boundary; width and depth give it
#   enough pieces to follow the spiral.
# - Accuracy, average precision and ROC AUC summarise a classifier; the decision boundary shows
#   *how* it decides.
# - A network that fits its training region perfectly can still fail just outside it. The
#   right representation (inductive bias) makes it extrapolate.

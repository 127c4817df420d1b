# %% [markdown]
# # Lab 3 — A first neural network: the spiral
#
# **Goals**
# - write a network as an `nn.Module` from `nn.Linear` layers and activations, and write the
#   minibatch training loop (Adam, `binary_cross_entropy_with_logits`) before `dllab.train.fit`
#   takes it over;
# - see why stacking linear layers without an activation gains nothing, and what ReLU changes;
# - measure a classifier (accuracy, average precision, ROC AUC) and look at its decision
#   boundary;
# - watch a network fail to extrapolate, and fix it with a better representation of the data.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from sklearn.model_selection import train_test_split
from torch import nn
from tqdm.auto import trange

import dllab
from dllab.data import radius_split, spiral, split
from dllab.display import (
    decision_boundary,
    format_table,
    legend_below,
    plot_loss_curves,
    plot_spiral,
)
from dllab.exercises import check, your_turn
from dllab.metrics import evaluate, predict_proba
from dllab.models import MLP, Features
from dllab.train import fit

# %%
SEED = 1234
N_PER_CLASS = dllab.pick(full=4000, quick=400)  # points per spiral arm
N_LOOPS, NOISE, LIM = 3.5, 0.6, 25  # spiral shape; plots span ±LIM
N_TEST = N_VALID = dllab.pick(full=1024, quick=256)
BATCH_SIZE = dllab.pick(full=512, quick=128)
NUM_EPOCHS = dllab.pick(full=1000, quick=10)
LINEAR_EPOCHS = dllab.pick(full=25, quick=10)  # our loop has no early stopping; a line is quick
LR = 0.01
PATIENCE, MIN_DELTA = dllab.pick(full=30, quick=5), 1e-3  # early stopping on validation loss
CONFIG = [20, 15, 10, 5]  # hidden sizes of the general MLP
R_MAX = 16.1  # extrapolation: train inside this radius, test outside
EXTRAP_EPOCHS = dllab.pick(full=100, quick=10)  # enough to fit the inside perfectly
LECTURE_EPOCHS = 1000  # the lecture trains every model this long
LECTURE_ACCURACY = {  # the lecture's test accuracies, on its own sample of the spiral
    "linear": 0.60,
    "deep linear": 0.59,
    "ReLU 12-6": 0.81,
    "MLP 20-15-10-5": 1.00,
    "MLP, outside r": 0.51,
}

RESULTS = {}  # what this run computed, by name

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
dllab.show(
    plot_spiral(X, y, lim=LIM, title=f"Two spirals: all {len(X):,} points (train, valid, test)"),
    "data",
    run,
)

# %% [markdown]
# No straight line separates the two arms: a point's class depends on where along the spiral
# it lies, which changes with both its angle and its distance from the centre.
#
# ## Training: the minibatch loop
# Every model below is trained the same way. One **epoch** is one pass over the training set in
# minibatches of `BATCH_SIZE` points (the lecture's are 512), drawn in a new random order each
# epoch (the last, partial minibatch is dropped). For each minibatch it is the four steps of
# lab 1's `nn.Linear` rung: zero the gradients, compute the loss, backpropagate, let the
# optimizer step. The loss is `binary_cross_entropy_with_logits` on the model's logits (lab 2
# showed why logits).
#
# ### Your turn 1: one epoch
# `order` is a random permutation of the row numbers 0 … N−1; minibatch k holds the rows
# `order[k·batch_size : (k+1)·batch_size]`. Run the four steps on each full minibatch and
# return the mean of the minibatch losses (a float: `loss.item()`).


# %%
# YOUR TURN: train_epoch
@your_turn
def train_epoch(model, optimizer, X, y, order, batch_size):
    """One pass over X: (N, 2), y: (N, 1) in minibatches along `order`: (N,).  → mean loss."""
    raise NotImplementedError  # your code here


# %%
train_epoch = check("train_epoch", train_epoch)

# %% [markdown]
# Around one epoch goes the rest of the loop: Adam with learning rate 0.01, a new order every
# epoch from a seeded generator (so every run repeats exactly), and after each epoch the loss
# on the validation set, with the model in evaluation mode and without gradients.


# %%
def train(model, data, *, num_epochs, lr=LR, seed=SEED):
    """Adam on data["train"] for num_epochs epochs.  → (training losses, validation losses)."""
    model.to(device)
    X, y = (torch.as_tensor(a, device=device) for a in data["train"])
    X_valid, y_valid = (torch.as_tensor(a, device=device) for a in data["valid"])
    y, y_valid = y.reshape(-1, 1), y_valid.reshape(-1, 1)  # one column, like the logits
    # fused=True: one update kernel for all parameters instead of a Python loop over them.
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, fused=True)
    generator = torch.Generator().manual_seed(seed)
    train_losses, valid_losses = [], []
    for _ in trange(num_epochs, desc="epochs", leave=False, disable=not dllab.progress_wanted()):
        model.train()
        order = torch.randperm(len(X), generator=generator).to(device)
        train_losses.append(train_epoch(model, optimizer, X, y, order, BATCH_SIZE))
        model.eval()
        with torch.no_grad():
            valid_loss = F.binary_cross_entropy_with_logits(model(X_valid), y_valid)
        valid_losses.append(valid_loss.item())
    return train_losses, valid_losses


def print_metrics(label, models):
    """Print one row of metrics per model and return the rows.

    models: {name: (model, X, y)}, X: (N, 2), y: (N,) → {name: [accuracy, AP, ROC AUC]}.
    """
    rows = {name: list(evaluate(model, X, y).values()) for name, (model, X, y) in models.items()}
    print(format_table(rows, ["accuracy", "avg precision", "ROC AUC"], label=label))
    lecture = [f"{name} {LECTURE_ACCURACY[name]:.2f}" for name in rows if name in LECTURE_ACCURACY]
    if lecture:
        print(
            f"the lecture's accuracy ({LECTURE_EPOCHS:,} epochs, its sample):", ", ".join(lecture)
        )
    return rows


# %% [markdown]
# ## Model 1 — one linear layer
# A single `nn.Linear(2, 1)`: the logit is $w_1 x_1 + w_2 x_2 + b$, so the decision boundary
# (logit 0, probability ½) is a straight line. Our loop trains it for a fixed number of epochs.
#
# Here the lab departs from the lecture: the lecture trains every model for 1,000 epochs,
# this lab trains the line for `LINEAR_EPOCHS` epochs (the last number printed below) and the
# other models with early stopping (below), to keep the lab short. A model whose validation
# loss has stopped falling gains nothing from more epochs, and the line's lowest validation
# loss comes before its last epoch (printed below).

# %%
torch.manual_seed(SEED)
linear = nn.Linear(2, 1)
print(linear)
train_losses, valid_losses = train(linear, splits, num_epochs=LINEAR_EPOCHS)
best = int(np.argmin(valid_losses))
RESULTS["linear: validation losses"] = valid_losses
print(
    f"validation loss: {valid_losses[0]:.4f} after epoch 1, lowest {valid_losses[best]:.4f} "
    f"after epoch {best + 1}, {valid_losses[-1]:.4f} after epoch {LINEAR_EPOCHS}"
)
print_metrics("test set", {"linear": (linear, X_test, y_test)})
n_train, n_valid = len(splits["train"][0]), len(splits["valid"][0])
fig = plot_loss_curves(
    {f"training (n = {n_train:,})": train_losses, f"validation (n = {n_valid:,})": valid_losses},
    title="One linear layer, trained by our loop",
    ylabel="mean BCE loss",
    logx=True,
    logy=False,
    legend="none",  # one legend, drawn once the log 2 line is there too
)
ax = fig.axes[0]
ax.lines[1].set_linestyle("--")  # the two curves lie on top of each other
ax.axhline(np.log(2), color="grey", linestyle=":", label="log 2: P = ½ everywhere")
fig.legend(loc="outside right upper")
dllab.show(fig, "loss_linear", run)

# %% [markdown]
# Both losses fall in the first epochs and then stay flat just under $\log 2 \approx 0.693$,
# the loss of answering ½ for every point: the best straight line is hardly better than a
# guess, and every epoch after the lowest validation loss (printed above) is wasted.
#
# ## From here on this is `dllab.train.fit`
# `fit` (read it in `lib/dllab/train.py`) is this loop: the same shuffles from the same seed,
# the same four steps per minibatch, the validation loss after every epoch. It adds what
# longer experiments need: **early stopping** (stop when the validation loss has not improved
# by more than `MIN_DELTA` for `PATIENCE` epochs, and restore the weights of the best epoch),
# a progress bar, and callbacks (lab 4 hooks TensorBoard in there). Trained from the same
# initial weights for a few epochs, our loop and `fit` end with the same weights:

# %%
torch.manual_seed(SEED)
ours = nn.Linear(2, 1)
torch.manual_seed(SEED)
theirs = nn.Linear(2, 1)
train(ours, splits, num_epochs=5)
fit(
    theirs,
    splits,
    optimizer=torch.optim.Adam(theirs.parameters(), lr=LR, fused=True),
    num_epochs=5,
    batch_size=BATCH_SIZE,
    seed=SEED,
    device=device,
)
gap = max(
    (p - q).abs().max().item() for p, q in zip(ours.parameters(), theirs.parameters(), strict=True)
)
RESULTS["our loop vs fit: largest weight difference"] = gap
print(f"after 5 epochs, largest difference between our loop's weights and fit's: {gap:.1e}")


# %%
def train_and_evaluate(name, model, data, test, *, num_epochs=NUM_EPOCHS, label="test set"):
    """Train `model` with fit on data["train"], then print its metrics on test = (X, y)."""
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
    stop = "stopped early" if history.stopped_early else "ran every epoch"
    best = history.best_epoch
    print(f"{name}: {history.epochs} epochs ({stop}), best validation loss at epoch {best}")
    print_metrics(label, {name: (model, *test)})


# %%
dllab.show(
    decision_boundary(
        linear,
        X_test,
        y_test,
        lim=LIM,
        title="one linear layer",
        points="test",
        metrics=evaluate(linear, X_test, y_test),
    ),
    "boundary_linear",
    run,
)

# %% [markdown]
# One straight line through the middle. It gets little more than half of the test points
# right (accuracy, the first number in the title; the lecture's 0.60 is printed beside ours
# above). The lecture draws its spiral with another random generator, so its points are
# another sample, and how much better than a coin a straight line does through two spirals
# depends on where the arms of that sample happen to cross it. Average precision and ROC AUC
# score how well the probabilities *rank* the points, whatever the threshold: 0.5 is chance
# for ROC AUC.
#
# ## Model 2 — three linear layers, no activation
# Linear(2→12) → Linear(12→6) → Linear(6→1). Here is the network written as a PyTorch
# module: `__init__` creates the layers (each `nn.Linear` registers its weights as parameters
# of the module), `forward` says what the network computes. Model 3 will pass an activation.


# %%
class TwoHidden(nn.Module):
    """2 → 12 → 6 → 1 linear layers, `activation` after each hidden one.  x: (N, 2) → (N, 1)."""

    def __init__(self, activation=None):
        super().__init__()
        self.hidden1 = nn.Linear(2, 12)
        self.hidden2 = nn.Linear(12, 6)
        self.output = nn.Linear(6, 1)
        self.activation = activation if activation is not None else nn.Identity()

    def forward(self, x):
        x = self.activation(self.hidden1(x))
        x = self.activation(self.hidden2(x))
        return self.output(x)  # logits: the loss applies the sigmoid


# %% [markdown]
# More layers, more parameters. **Before running the next cell: will it do better?**

# %%
torch.manual_seed(SEED)
deep_linear = TwoHidden()
print(deep_linear)
train_and_evaluate("deep linear", deep_linear, splits, (X_test, y_test))

# %%
dllab.show(
    decision_boundary(
        deep_linear,
        X_test,
        y_test,
        lim=LIM,
        title="three linear layers",
        points="test",
        metrics=evaluate(deep_linear, X_test, y_test),
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
    (W1, b1), (W2, b2), (W3, b3) = [
        (m.weight, m.bias) for m in (deep_linear.hidden1, deep_linear.hidden2, deep_linear.output)
    ]
    collapsed = nn.Linear(2, 1).to(device)
    collapsed.weight.copy_(W3 @ W2 @ W1)
    collapsed.bias.copy_(W3 @ W2 @ b1 + W3 @ b2 + b3)
    X_dev = torch.as_tensor(X_test, device=device)
    gap = (deep_linear(X_dev) - collapsed(X_dev)).abs().max().item()
RESULTS["three linear layers vs one: largest difference"] = gap
print(f"largest difference between the three layers and one collapsed layer: {gap:.1e}")

# %% [markdown]
# ## Model 3 — the same layers with ReLU in between
# A nonlinearity between the layers stops the collapse: each ReLU can bend the boundary.

# %%
torch.manual_seed(SEED)
relu_net = TwoHidden(activation=nn.ReLU())
print(relu_net)
train_and_evaluate("ReLU 12-6", relu_net, splits, (X_test, y_test))

# %%
predicted = predict_proba(relu_net, X_test) >= 0.5
wrong = predicted != y_test.astype(bool)
radius = np.linalg.norm(X_test, axis=1)
r_wrong = radius[wrong].max()
central = radius <= r_wrong
RESULTS["ReLU 12-6: false positives"] = int((wrong & predicted).sum())
RESULTS["ReLU 12-6: false negatives"] = int((wrong & ~predicted).sum())
RESULTS["ReLU 12-6: test points"] = len(X_test)
print(
    f"{wrong.sum()} of {len(X_test):,} test points wrong: "
    f"{(wrong & predicted).sum()} false positives, {(wrong & ~predicted).sum()} false negatives"
)
print(
    f"every wrong point lies within radius {r_wrong:.1f}; in there "
    f"{predicted[central].mean():.0%} of the {central.sum()} points are called class 1"
)
dllab.show(
    decision_boundary(
        relu_net,
        X_test,
        y_test,
        lim=LIM,
        title="ReLU network 12-6",
        points="test",
        metrics=evaluate(relu_net, X_test, y_test),
    ),
    "boundary_relu",
    run,
)

# %% [markdown]
# The boundary is no longer one straight line: it is made of straight pieces, with a kink wherever a
# ReLU switches on or off. But 12 and 6 units give few pieces for three and a half turns. The
# two lines printed above say where they fall short: every wrong point lies within the radius
# printed, and the share of the points in there that the network calls class 1 says how it
# treats that disc — the further that share is from the true half, the more of the disc is
# one region of one class, where every point of the other class is wrong. Compare the
# accuracy with the lecture's 0.81, printed beside ours.
#
# ## Model 4 — a general MLP
# `MLP` builds the network from a list of hidden sizes, so a deeper, wider model is one line.
# The lecture's configuration is [20, 15, 10, 5]. Inside, the model is a list of named layers
# (`hidden1`, `relu1`, …, `output`: `nn.Linear` and `nn.ReLU`) applied one after the other,
# the same `forward` as `TwoHidden`, written as a loop.
#
# ### Your turn 2: the forward pass of an MLP
# Given the list of layers (each is callable: `layer(x)`), compute the network's output.


# %%
# YOUR TURN: mlp_forward
@your_turn
def mlp_forward(layers, x):
    """Apply `layers` to x: (N, n_features) in order → the last layer's output (N, 1)."""
    raise NotImplementedError  # your code here


# %%
mlp_forward = check("mlp_forward", mlp_forward)

# %%
torch.manual_seed(SEED)
mlp = MLP(2, CONFIG, activation="relu")
print(mlp)
train_and_evaluate("MLP 20-15-10-5", mlp, splits, (X_test, y_test))

# %%
with torch.no_grad():
    X_dev = torch.as_tensor(X_test, device=device)
    gap = (mlp_forward(list(mlp.layers), X_dev) - mlp(X_dev)).abs().max().item()
RESULTS["mlp_forward vs the model: largest difference"] = gap
print(f"your forward pass vs the model's: largest difference {gap:.1e}")

# %%
dllab.show(
    decision_boundary(
        mlp,
        X_test,
        y_test,
        lim=LIM,
        title="MLP 20-15-10-5",
        points="test",
        metrics=evaluate(mlp, X_test, y_test),
    ),
    "boundary_mlp",
    run,
)

# %% [markdown]
# Compare the title's accuracy with the lecture's 1.00, printed beside ours above: the general
# MLP has far more pieces to bend its boundary with than the ReLU network 12-6, and how
# closely the boundary follows the arms depends on how long it trains (`NUM_EPOCHS`, with
# early stopping) and how many points it sees (`N_PER_CLASS`).

# %%
trained = {
    "linear": linear,
    "deep linear": deep_linear,
    "ReLU 12-6": relu_net,
    "MLP 20-15-10-5": mlp,
}
print_metrics("test set", {name: (model, X_test, y_test) for name, model in trained.items()})

# %% [markdown]
# ## Extrapolation
# Now train only on the points within radius 16.1 and test on the points outside it, where the
# spiral continues the same way. As before, the lab departs from the lecture's 1,000 epochs:
# at most `EXTRAP_EPOCHS`, with early stopping, to keep the lab short.

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

fig = plot_spiral(
    X_in, y_in, lim=LIM, title=f"training points inside r = {R_MAX} (n = {len(X_in):,})"
)
ax = fig.axes[0]
ax.scatter(
    X_out[:, 0], X_out[:, 1], s=2, color="grey", alpha=0.3, label=f"test (n = {len(X_out):,})"
)
ax.add_patch(plt.Circle((0, 0), R_MAX, fill=False, linestyle="--", label=f"r = {R_MAX}"))
legend_below(ax, ncol=4)
dllab.show(fig, "extrapolation_data", run)

# %% [markdown]
# The grey points are never seen in training. A model that understood "spiral" would continue
# the arms outward.

# %%
torch.manual_seed(SEED)
mlp_inside = MLP(2, CONFIG, activation="relu")
train_and_evaluate(
    "MLP, outside r",
    mlp_inside,
    inside,
    (X_out, y_out),
    num_epochs=EXTRAP_EPOCHS,
    label=f"outside r > {R_MAX}",
)
dllab.show(
    decision_boundary(
        mlp_inside,
        X_out,
        y_out,
        lim=LIM,
        metrics=evaluate(mlp_inside, X_out, y_out),
        title=f"MLP trained on r ≤ {R_MAX}",
        points="outside test",
    ),
    "extrap_mlp",
    run,
)

# %% [markdown]
# Outside the circle compare the accuracy with the lecture's 0.51, chance, printed beside ours
# above. Beyond the training radius the ReLU network continues its last linear pieces as long
# straight boundaries instead of the arms: nothing in what it learned says that the arms go
# on turning. It learned *where* the classes are, not the rule that generates them.
#
# ### How can we fix this?
# Give the model a representation in which the outside looks like the inside. A spiral arm is
# where the angle $\theta$ and the radius $r$ grow together: class 0 lies where
# $\theta + r \equiv \pi$ and class 1 where $\theta + r \equiv 0 \pmod{2\pi}$. With the
# periodic features $(\cos\theta, \sin\theta, \cos r, \sin r)$ a point at radius 20 has the same
# kind of features as one at radius 20 − 2π, which lies inside the training region.
#
# ### Your turn 3: polar features
# Compute $(\cos\theta, \sin\theta, \cos r, \sin r)$ for each point $(x, y)$, with the angle
# $\theta$ in $(-\pi, \pi]$ (`torch.atan2`) and the radius $r = \sqrt{x^2 + y^2}$.


# %%
# YOUR TURN: polar_features
@your_turn
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
train_and_evaluate(
    "polar MLP, outside r",
    polar,
    inside,
    (X_out, y_out),
    num_epochs=EXTRAP_EPOCHS,
    label=f"outside r > {R_MAX}",
)
dllab.show(
    decision_boundary(
        polar,
        X_out,
        y_out,
        lim=LIM,
        metrics=evaluate(polar, X_out, y_out),
        title=f"polar features, trained on r ≤ {R_MAX}",
        points="outside test",
    ),
    "extrap_polar",
    run,
)

# %% [markdown]
# The boundary continues the spiral beyond the training radius; compare the accuracy outside
# (in the title and the table above) with the plain MLP's. Nothing about the network
# changed; the **inductive bias** did: we built in the knowledge that the pattern repeats with
# the angle and the radius, and the model could then apply what it learned inside to the
# outside. A flexible model fits the data it sees; what it does beyond that depends on the
# assumptions built into it.

# %%
RESULTS["metrics"] = print_metrics(
    "all models",
    {
        "linear": (linear, X_test, y_test),
        "deep linear": (deep_linear, X_test, y_test),
        "ReLU 12-6": (relu_net, X_test, y_test),
        "MLP 20-15-10-5": (mlp, X_test, y_test),
        "MLP, outside r": (mlp_inside, X_out, y_out),
        "polar MLP, outside r": (polar, X_out, y_out),
    },
)

# %% [markdown]
# ## Exercises
# The three "Your turn" cells above are checked; `scripts/check.sh 3` checks them from a
# terminal. After trying, compare with the reference solutions in
# `lib/dllab/exercises/specs/lab03.py`.
#
# 1. Build model 3 with `TwoHidden(activation=nn.Tanh())` instead of ReLU. Is the boundary
#    smoother? Is it better?
# 2. Train the [20, 15, 10, 5] MLP with learning rates 0.1 and 0.001. What happens to the
#    number of epochs until early stopping, and to the accuracy?
# 3. Use only $(\cos\theta, \sin\theta)$ or only $(\cos r, \sin r)$ as features. Why does
#    neither alone work?
#
# ## Summary
# - Training is four steps per minibatch (zero the gradients, loss, backward, step) inside a
#   loop over epochs; `dllab.train.fit` is that loop plus early stopping, a progress bar and
#   callbacks.
# - A network is an `nn.Module`: layers made in `__init__`, the computation in `forward`.
#   `nn.Linear` without activations stays linear however deep it is.
# - Nonlinear activations let a network bend its decision boundary; width and depth give it
#   enough pieces to follow the spiral.
# - Accuracy, average precision and ROC AUC summarise a classifier; the decision boundary shows
#   *how* it decides.
# - A network that fits its training region perfectly can still fail just outside it. The
#   right representation (inductive bias) makes it extrapolate.

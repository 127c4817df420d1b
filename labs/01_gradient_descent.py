# %% [markdown]
# # Lab 1 — Gradient descent on a linear model
#
# **Goals**
# - write the gradients of a loss by hand and use them to fit a model with gradient descent;
# - let PyTorch's autograd compute the same gradients, and check that they agree;
# - solve the same problem a third time with `torch.nn`, `nn.MSELoss` and `optim.SGD`;
# - see why standardizing the inputs turns 100,000 epochs into about a hundred.
#
# The model is $\hat y = a + b\,x_1 + c\,x_2 + d\,x_3$ and the loss
# $L = \tfrac12\,\mathrm{mean}\big((\hat y - y)^2\big)$. The same problem is solved three times,
# each rung of the ladder shorter than the one before, with the same names `a`, `b`, `c`, `d`.

# %%
import numpy as np
import torch
from torch import nn

import dllab
from dllab.data import TRUE_COEF, linear_data
from dllab.display import format_table, plot_loss_curves
from dllab.exercises import check
from dllab.linreg import least_squares, relative_change, standardize, to_original_units

# %%
SEED = 1234
N = 1000  # data points
LR_LECTURE = 1e-3  # α of the lecture, on the raw inputs
MAX_EPOCHS_LECTURE = dllab.pick(full=100_000, quick=2_000)
LR = 0.1  # α on standardized inputs
MAX_EPOCHS = 2_000  # a cap; the loops below stop as soon as the loss has converged
TOL = 1e-10  # converged: the loss changed by less than this fraction in one epoch
COLUMNS = ["a", "b", "c", "d"]

dllab.set_seed(SEED)
run = dllab.new_run_dir("01_gradient_descent")
device = dllab.get_device()
print(f"device: {device}; outputs of this run: {run}")

# %% [markdown]
# ## The data
# $N = 1{,}000$ points with $x_1 \sim \mathcal N(2, 1)$, $x_2 \sim \mathcal N(3, 1)$,
# $x_3 \sim \mathcal N(1, 1)$ and $y = 3 - 2x_1 + x_2 - x_3 + \varepsilon$,
# $\varepsilon \sim \mathcal N(0, 1)$.
#
# Because of the noise no method can recover the true coefficients exactly. The best any method
# can do is the **least-squares fit**, which `numpy.linalg.lstsq` computes directly. It is the
# reference every rung of the ladder must reach.

# %%
X, y = linear_data(N, seed=SEED)
reference = least_squares(X, y)
best_loss = 0.5 * np.mean((reference[0] + X @ reference[1:] - y) ** 2)
print(f"X: {X.shape}, y: {y.shape}; least-squares loss {best_loss:.4f}")
print(format_table({"truth": TRUE_COEF, "least squares": reference}, COLUMNS))

# %% [markdown]
# ## Rung 1 — numpy, gradients by hand
# With $r = \hat y - y$ the chain rule gives
# $\partial L/\partial a = \mathrm{mean}(r)$, $\partial L/\partial b = \mathrm{mean}(r\,x_1)$,
# $\partial L/\partial c = \mathrm{mean}(r\,x_2)$, $\partial L/\partial d = \mathrm{mean}(r\,x_3)$,
# and each step moves a parameter against its gradient:
# $a \leftarrow a - \alpha\,\partial L/\partial a$.
#
# ### Your turn 1: the gradients
# Write them in numpy: replace the `raise` line. The cell after it checks your function on
# fresh random data against the reference and says what, if anything, is off. Until you have
# written it, the lab uses the reference, so every later cell still runs.


# %%
# YOUR TURN: gradients
def gradients(x1, x2, x3, y, a, b, c, d):
    """∂L/∂a, ∂L/∂b, ∂L/∂c, ∂L/∂d of L = ½·mean((a + b·x1 + c·x2 + d·x3 − y)²).

    x1, x2, x3, y: arrays of shape (N,); a, b, c, d: floats → four numbers (da, db, dc, dd),
    as a tuple, a list or an array of shape (4,).
    """
    raise NotImplementedError  # your code here


# %%
gradients = check("gradients", gradients)

# %% [markdown]
# ### Your turn 2: the update step
# One step of gradient descent for all four parameters at once: `params` and `grads` are
# arrays $[a, b, c, d]$ and $[\partial L/\partial a, \dots]$. Return the new parameters as a
# new array (a list of four numbers works too) and leave `params` unchanged.


# %%
# YOUR TURN: sgd_step
def sgd_step(params, grads, lr):
    """New parameters after one gradient-descent step.  params, grads: (4,), lr: float → (4,)."""
    raise NotImplementedError  # your code here


# %%
sgd_step = check("sgd_step", sgd_step)

# %% [markdown]
# With both pieces, gradient descent is a short loop: compute the loss, the gradients, a step;
# stop when the loss no longer changes.


# %%
def fit_numpy(X, y, lr, max_epochs, seed):
    """Gradient descent with hand-written gradients.  X: (N, 3), y: (N,) → [a, b, c, d], losses."""
    x1, x2, x3 = X.T
    params = np.random.default_rng(seed).uniform(-1, 1, size=4)  # a, b, c, d
    losses = []
    for epoch in range(max_epochs):
        a, b, c, d = params
        losses.append(0.5 * np.mean((a + b * x1 + c * x2 + d * x3 - y) ** 2))
        params = sgd_step(params, np.array(gradients(x1, x2, x3, y, a, b, c, d)), lr)
        if epoch > 0 and relative_change(losses[-2], losses[-1]) < TOL:
            break
    return params, losses


# %% [markdown]
# First the lecture's setting: the raw inputs and $\alpha = 10^{-3}$.

# %%
params_raw, losses_raw = fit_numpy(X, y, LR_LECTURE, MAX_EPOCHS_LECTURE, SEED)
gap_raw = np.abs(params_raw - reference).max()
print(
    f"raw inputs, α = {LR_LECTURE}: stopped after {len(losses_raw):,} epochs, "
    f"loss {losses_raw[-1]:.4f}, max |Δ| to least squares {gap_raw:.4f}"
)

# %% [markdown]
# That took tens of thousands of epochs. The reason is **conditioning**: the inputs are not
# centred (their means are 2, 3 and 1), so changing $a$ and changing $b$, $c$, $d$ have almost
# the same effect on $\hat y$. The loss surface is a long, narrow valley, and a step size small
# enough not to diverge across the valley crawls along it. The condition number of the
# problem's curvature matrix $A^\top A / N$ measures how narrow the valley is:


# %%
def curvature_condition(X):
    """Condition number of the loss's Hessian AᵀA/N, A = [1, X].  X: (N, D)."""
    A = np.column_stack([np.ones(len(X)), X])
    return np.linalg.cond(A.T @ A / len(A))


Xs, x_mean, x_std = standardize(X)
print(f"condition number, raw inputs:          {curvature_condition(X):8.1f}")
print(f"condition number, standardized inputs: {curvature_condition(Xs):8.1f}")

# %% [markdown]
# Standardized inputs, $(x - \text{mean}) / \text{std}$, make the valley round (condition
# number close to 1), so a much larger step is safe. The fitted coefficients are converted back
# to the units of the raw inputs to compare them with the reference.

# %%
params_std, losses_numpy = fit_numpy(Xs, y, LR, MAX_EPOCHS, SEED)
rung1 = to_original_units(params_std, x_mean, x_std)
print(
    f"standardized inputs, α = {LR}: stopped after {len(losses_numpy):,} epochs "
    f"(raw inputs: {len(losses_raw):,}), max |Δ| to least squares "
    f"{np.abs(rung1 - reference).max():.2e}"
)

# %% [markdown]
# From here on every rung works on the standardized inputs.
#
# ## Rung 2 — PyTorch autograd
# The same four parameters, now as scalar tensors with `requires_grad=True`. We keep four
# scalars rather than one vector so that `a.grad` is literally $\partial L/\partial a$ of
# rung 1. Before training, compare what autograd computes with the hand-written gradient.

# %%
x1, x2, x3 = torch.tensor(Xs).T  # float64, like numpy
y_t = torch.tensor(y)
generator = torch.Generator().manual_seed(SEED)
a, b, c, d = (
    torch.empty((), dtype=torch.float64).uniform_(-1, 1, generator=generator) for _ in range(4)
)
for p in (a, b, c, d):
    p.requires_grad_()

loss = 0.5 * ((a + b * x1 + c * x2 + d * x3 - y_t) ** 2).mean()
loss.backward()
by_hand = gradients(*Xs.T, y, *(p.item() for p in (a, b, c, d)))  # your function, rung 1
print(
    format_table(
        {"autograd (.grad)": [p.grad.item() for p in (a, b, c, d)], "by hand": list(by_hand)},
        COLUMNS,
        digits=6,
    )
)
for p in (a, b, c, d):
    p.grad = None  # gradients accumulate: reset before training

# %% [markdown]
# They agree. Now train: `loss.backward()` fills `.grad`, the update runs under
# `torch.no_grad()` (it must not become part of the graph), and the gradients are reset.

# %%
losses_autograd = []
for epoch in range(MAX_EPOCHS):
    loss = 0.5 * ((a + b * x1 + c * x2 + d * x3 - y_t) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        for p in (a, b, c, d):
            p -= LR * p.grad
            p.grad = None
    losses_autograd.append(loss.item())
    if epoch > 0 and relative_change(losses_autograd[-2], losses_autograd[-1]) < TOL:
        break
rung2 = to_original_units([p.item() for p in (a, b, c, d)], x_mean, x_std)
print(f"autograd: stopped after {len(losses_autograd):,} epochs")

# %% [markdown]
# ## Rung 3 — `torch.nn`
# `nn.Linear(3, 1)` holds $b, c, d$ as its weight and $a$ as its bias; `optim.SGD` does the
# update and `zero_grad` the reset. `nn.MSELoss` has no ½, so we multiply by ½ to keep the
# lecture's $L$ (and the same step size). The model and data move to `device`.

# %%
torch.manual_seed(SEED)
model = nn.Linear(3, 1).to(device)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=LR)
X_dev = torch.tensor(Xs, dtype=torch.float32, device=device)
y_dev = torch.tensor(y, dtype=torch.float32, device=device).unsqueeze(1)

losses_nn = []
for epoch in range(MAX_EPOCHS):
    optimizer.zero_grad()
    loss = 0.5 * loss_fn(model(X_dev), y_dev)
    loss.backward()
    optimizer.step()
    losses_nn.append(loss.item())
    if epoch > 0 and relative_change(losses_nn[-2], losses_nn[-1]) < TOL:
        break
fitted = [model.bias.item(), *model.weight.detach().cpu().numpy().ravel()]
rung3 = to_original_units(fitted, x_mean, x_std)
print(f"nn.Linear: stopped after {len(losses_nn):,} epochs")

# %% [markdown]
# ## All rungs side by side
# Coefficients in the units of the raw inputs; the last column is the largest distance of a
# row's coefficients from the least-squares fit.

# %%
rungs = {"rung 1: numpy": rung1, "rung 2: autograd": rung2, "rung 3: nn.Linear": rung3}
rows = {"truth": TRUE_COEF, "least squares": reference}
rows |= {name: [*coef, np.abs(coef - reference).max()] for name, coef in rungs.items()}
print(format_table(rows, [*COLUMNS, "max|Δ| lstsq"]))

# %% [markdown]
# Every rung reaches the least-squares fit; none reaches the truth, because the noise
# in $y$ moves the best fit away from it.
#
# ## Loss curves
# The loss minus the least-squares loss (the part that training can still remove), on log
# scales so that 100,000 epochs and about a hundred fit in one picture.

# %%
excess = {
    f"raw inputs, α={LR_LECTURE} (numpy)": np.array(losses_raw) - best_loss,
    f"rung 1: numpy, α={LR}": np.array(losses_numpy) - best_loss,
    "rung 2: autograd": np.array(losses_autograd) - best_loss,
    "rung 3: nn.Linear": np.array(losses_nn) - best_loss,
}
fig = plot_loss_curves(
    excess,
    logx=True,
    ylabel="loss − least-squares loss",
    title="Gradient descent: same fit, very different speed",
)
dllab.show(fig, "loss_curves", run)

# %% [markdown]
# The three rungs on standardized inputs draw nearly one curve: they are the same algorithm
# written three ways, started from different random points (rung 3 in float32 stops earlier, at
# float32's precision). Their remaining loss shrinks by a constant factor every epoch and is gone
# after about a hundred epochs; on the raw inputs the same factor is so close to 1 that the
# lecture's setting needs hundreds of times more epochs for the same fit.
#
# ## Exercises
# The two "Your turn" cells above are checked; `scripts/check.sh 1` checks them from a
# terminal. After trying, compare with the reference in `lib/dllab/solutions.py`.
#
# 1. Set `LR = 1.0`, then `LR = 2.5`, and re-run rung 1. What happens, and why is the largest
#    safe step about $2/\lambda_{\max}$ of the curvature matrix?
# 2. Centre the inputs without scaling them (`X - X.mean(0)`). How many epochs does the
#    lecture's $\alpha$ now need? What does the condition number say?
# 3. Replace the four scalars of rung 2 by one parameter vector `w` and a bias. Which lines
#    get shorter?
#
# ## Summary
# - Gradient descent only needs the gradient of the loss; by hand it is the chain rule, in
#   PyTorch it is `loss.backward()`, and both agree.
# - `torch.nn` packages the model, the loss and the update, so the loop shrinks to
#   `zero_grad`, `backward`, `step`.
# - All methods converge to the least-squares fit, not to the true coefficients.
# - How fast they converge depends on conditioning: standardized inputs need about a hundred
#   epochs where raw inputs need a hundred thousand.

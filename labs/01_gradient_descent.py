# %% [markdown]
# # Lab 1 — Gradient descent on a linear model
#
# **Goals**
# - write the gradients of a loss by hand and use them to fit a model with gradient descent;
# - let PyTorch's autograd compute the same gradients, and check that they agree;
# - solve the same problem a third time with `torch.nn`, `nn.MSELoss` and `optim.SGD`;
# - see why the lecture needs 100,000 epochs on the raw inputs, while standardized inputs
#   converge in about a hundred.
#
# The model is $\hat y = a + b\,x_1 + c\,x_2 + d\,x_3$ and the loss
# $L = \tfrac12\,\mathrm{mean}\big((\hat y - y)^2\big)$. The same problem is solved three times,
# each rung of the ladder shorter than the one before, with the same names `a`, `b`, `c`, `d`.

# %%
import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

import dllab
from dllab.data import TRUE_COEF, linear_data
from dllab.display import format_table, plot_loss_curves
from dllab.exercises import check, your_turn
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
LECTURE_FIT = [2.90, -1.99, 1.04, -1.02]  # the lecture's estimates (every method), its own sample
LECTURE_LOSS = 0.473  # the lecture's final loss

RESULTS = {}  # what this run computed, by name

dllab.set_seed(SEED)
run = dllab.new_run_dir("01_gradient_descent", create=False)
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
#
# This lab departs from the lecture in one place here: it draws the same distributions with
# numpy's `default_rng(1234)`, another random generator than the lecture's, so its 1,000 points
# are another sample. The lecture's fit of its own sample is printed beside ours: the two differ
# by about one standard error of each estimate (the last row), which is what a new sample of
# noise moves a least-squares fit by.

# %%
X, y = linear_data(N, seed=SEED)
reference = least_squares(X, y)
residual = reference[0] + X @ reference[1:] - y
best_loss = 0.5 * np.mean(residual**2)
A = np.column_stack([np.ones(N), X])
standard_error = np.sqrt(np.diag(np.linalg.inv(A.T @ A)) * (residual @ residual) / (N - 4))
RESULTS["least squares"] = reference
RESULTS["least-squares loss"] = best_loss
RESULTS["standard error"] = standard_error
print(f"X: {X.shape}, y: {y.shape}")
print(f"least-squares loss {best_loss:.4f} (the lecture's, on its sample: {LECTURE_LOSS})")
rows = {
    "truth": TRUE_COEF,
    "least squares (this lab)": reference,
    "lecture (its sample)": LECTURE_FIT,
}
rows["standard error (this lab)"] = standard_error
print(format_table(rows, COLUMNS))

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
# fresh random data against the reference and says what, if anything, is off. Until your
# answer passes its check, the name holds the reference (that is what `@your_turn` does), so
# every later cell still runs. Whenever you run your cell again, run the check after it too:
# the check decides which function the lab uses.


# %%
# YOUR TURN: gradients
@your_turn
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
@your_turn
def sgd_step(params, grads, lr):
    """New parameters after one gradient-descent step.  params, grads: (4,), lr: float → (4,)."""
    raise NotImplementedError  # your code here


# %%
sgd_step = check("sgd_step", sgd_step)

# %% [markdown]
# With both pieces, gradient descent is a short loop: compute the loss, the gradients, a step;
# stop when the loss no longer changes, or at the cap `max_epochs`. In a notebook or a
# terminal a progress bar shows how far a long run has got.


# %%
def fit_numpy(X, y, lr, max_epochs, seed):
    """Gradient descent with hand-written gradients.  X: (N, 3), y: (N,) → [a, b, c, d], losses."""
    x1, x2, x3 = X.T.copy()  # a copy: each column one contiguous array, quicker to loop over
    params = np.random.default_rng(seed).uniform(-1, 1, size=4)  # a, b, c, d
    losses = []
    bar = tqdm(
        total=max_epochs,
        desc=f"α = {lr}",
        unit="epoch",
        disable=not dllab.progress_wanted(),
        leave=False,
    )
    for epoch in range(max_epochs):
        a, b, c, d = params
        losses.append(0.5 * np.mean((a + b * x1 + c * x2 + d * x3 - y) ** 2))
        params = sgd_step(params, np.array(gradients(x1, x2, x3, y, a, b, c, d)), lr)
        bar.update()
        if epoch > 0 and relative_change(losses[-2], losses[-1]) < TOL:
            break
    bar.total = bar.n  # a converged run ends its bar as finished, not short of the cap
    bar.close()
    return params, losses


def stopped(losses, cap):
    """How a loop ended: converged (with the epoch count) or stopped by its cap."""
    if len(losses) < cap:
        return f"converged after {len(losses):,} epochs"
    trend = "still falling" if losses[-1] < losses[-2] else "no longer falling"
    return f"stopped by the cap of {cap:,} epochs, loss {trend}"


# %% [markdown]
# First the lecture's setting: the raw inputs, $\alpha = 10^{-3}$ and a cap of
# `MAX_EPOCHS_LECTURE` epochs (the first line below says how many ran; the lecture's 100,000
# take several seconds).

# %%
params_raw, losses_raw = fit_numpy(X, y, LR_LECTURE, MAX_EPOCHS_LECTURE, SEED)
gap_raw = np.abs(params_raw - reference).max()
RESULTS["raw: epochs"] = len(losses_raw)
RESULTS["raw: still falling"] = bool(losses_raw[-1] < losses_raw[-2])
RESULTS["raw: max |Δ| to least squares"] = gap_raw
print(f"raw inputs, α = {LR_LECTURE}: {stopped(losses_raw, MAX_EPOCHS_LECTURE)}")
print(
    f"loss {losses_raw[-1]:.7f} (least squares {best_loss:.7f}, "
    f"{losses_raw[-1] - best_loss:.1e} above it); the last 1,000 epochs lowered it by "
    f"{losses_raw[-1001] - losses_raw[-1]:.1e}; max |Δ| to least squares {gap_raw:.4f}"
)
rows = {
    f"raw inputs, {len(losses_raw):,} epochs": params_raw,
    "least squares (this lab)": reference,
    "lecture's raw run, 100,000 epochs": LECTURE_FIT,
}
print(format_table(rows, COLUMNS))

# %% [markdown]
# The loop stops at its cap while the loss is still falling, and the printed gap says how
# close to the least-squares fit it got. The lecture ran 100,000 epochs on its sample and
# reports its estimates (last row) at the least-squares fit of that sample: that many epochs
# are **needed** on these inputs, for a linear model with four parameters. The reason is
# **conditioning**. The inputs are not centred (their means are 2, 3 and 1), so changing $a$
# and changing $b$, $c$, $d$ have almost the same effect on $\hat y$: the loss surface is a
# long, narrow valley. Its curvature matrix (the Hessian) $A^\top A / N$, with $A = [1, X]$,
# has eigenvalues $\lambda$; along each eigenvector one step multiplies the remaining error
# by $1 - \alpha\lambda$. The step must stay below $2/\lambda_{\max}$ or the steepest
# direction diverges, and then the flattest direction, $\lambda_{\min}$, crawls. The ratio
# $\lambda_{\max}/\lambda_{\min}$ is the condition number.


# %%
def curvature(X):
    """Eigenvalues of the loss's Hessian AᵀA/N, A = [1, X], smallest first.  X: (N, D) → (D+1,)."""
    A = np.column_stack([np.ones(len(X)), X])
    return np.linalg.eigvalsh(A.T @ A / len(A))


def epochs_per_tenfold(lam, lr):
    """Epochs gradient descent needs to shrink its slowest error component tenfold."""
    factor = np.max(np.abs(1 - lr * lam))  # per epoch, along the slowest eigenvector
    return np.inf if factor >= 1 else np.log(10) / -np.log(factor)


Xs, x_mean, x_std = standardize(X)
lam_raw, lam_std = curvature(X), curvature(Xs)
lr_best = 2 / (lam_raw[0] + lam_raw[-1])  # the step that best balances both ends
for name, lam in [("raw inputs", lam_raw), ("standardized inputs", lam_std)]:
    print(f"{name:20s} eigenvalues {np.round(lam, 3)}, condition number {lam[-1] / lam[0]:.1f}")
for name, lam, lr in [
    ("raw inputs, lecture's", lam_raw, LR_LECTURE),
    ("raw inputs, best", lam_raw, lr_best),
    ("standardized inputs,", lam_std, LR),
]:
    label = f"{name} α = {lr:.3g}"
    RESULTS[f"epochs per tenfold: {label}"] = epochs_per_tenfold(lam, lr)
    print(f"{label:34s} {epochs_per_tenfold(lam, lr):7,.0f} epochs per tenfold")

# %% [markdown]
# On the raw inputs the lecture's $\alpha = 10^{-3}$ needs tens of thousands of epochs for each
# tenfold shrink of the slowest error, so 100,000 epochs remove less than three digits of it.
# A larger step helps only up to a point: even the best $\alpha$ still needs hundreds of epochs
# per digit, because of the condition number. Standardized inputs, $(x - \text{mean}) /
# \text{std}$, make the valley round (condition number close to 1): every direction shrinks at
# nearly the same rate, a large step is safe, and each digit of the error takes a couple of
# dozen epochs.
# The fitted coefficients are converted back to the units of the raw inputs to compare them
# with the reference.

# %%
params_std, losses_numpy = fit_numpy(Xs, y, LR, MAX_EPOCHS, SEED)
rung1 = to_original_units(params_std, x_mean, x_std)
RESULTS["rung 1: epochs"] = len(losses_numpy)
print(
    f"standardized inputs, α = {LR}: {stopped(losses_numpy, MAX_EPOCHS)}; "
    f"max |Δ| to least squares {np.abs(rung1 - reference).max():.2e} "
    f"(raw inputs after {len(losses_raw):,} epochs: {gap_raw:.4f})"
)

# %% [markdown]
# From here on every rung works on the standardized inputs.
#
# ## Rung 2 — PyTorch autograd
# The same four parameters, now as scalar tensors with `requires_grad=True`. We keep four
# scalars rather than one vector so that `a.grad` is literally $\partial L/\partial a$ of
# rung 1. Before training, compare what autograd computes with the hand-written gradient.


# %%
def fresh_parameters(seed):
    """a, b, c, d: float64 scalar tensors drawn from U(−1, 1), tracked by autograd."""
    generator = torch.Generator().manual_seed(seed)
    return [
        torch.empty((), dtype=torch.float64).uniform_(-1, 1, generator=generator).requires_grad_()
        for _ in range(4)
    ]


x1, x2, x3 = torch.tensor(Xs).T  # float64, like numpy
y_t = torch.tensor(y)
a, b, c, d = fresh_parameters(SEED)

loss = 0.5 * ((a + b * x1 + c * x2 + d * x3 - y_t) ** 2).mean()
loss.backward()
by_hand = gradients(*Xs.T, y, *(p.item() for p in (a, b, c, d)))  # your function, rung 1
RESULTS["gradient: autograd"] = [p.grad.item() for p in (a, b, c, d)]
RESULTS["gradient: by hand"] = list(by_hand)
print(
    format_table(
        {"autograd (.grad)": [p.grad.item() for p in (a, b, c, d)], "by hand": list(by_hand)},
        COLUMNS,
        digits=6,
    )
)

# %% [markdown]
# They agree. Now train, from fresh parameters (so that re-running the cell starts over):
# `loss.backward()` fills `.grad`, the update runs under `torch.no_grad()` (it must not become
# part of the graph), and the gradients are reset, because `backward` adds to `.grad`.

# %%
a, b, c, d = fresh_parameters(SEED)
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
RESULTS["rung 2: epochs"] = len(losses_autograd)
print(f"autograd: {stopped(losses_autograd, MAX_EPOCHS)}")

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
RESULTS["rung 3: epochs"] = len(losses_nn)
RESULTS["rung 3: last two losses"] = losses_nn[-2:]
print(f"nn.Linear: {stopped(losses_nn, MAX_EPOCHS)}")
print(
    f"its last two float32 losses: {losses_nn[-2]:.9f}, {losses_nn[-1]:.9f} "
    f"(float32 steps near this loss: {np.spacing(np.float32(losses_nn[-1])):.1e})"
)

# %% [markdown]
# ## All rungs side by side
# Coefficients in the units of the raw inputs; the last column is the largest distance of a
# row's coefficients from the least-squares fit.

# %%
rungs = {"rung 1: numpy": rung1, "rung 2: autograd": rung2, "rung 3: nn.Linear": rung3}
RESULTS["rungs"] = rungs
rows = {"truth": TRUE_COEF, "least squares": reference}
rows |= {name: [*coef, np.abs(coef - reference).max()] for name, coef in rungs.items()}
print(format_table(rows, [*COLUMNS, "max|Δ| lstsq"]))
gaps = [np.abs(coef - reference).max() for coef in rungs.values()]
print(
    f"every rung within {max(gaps):.0e} of least squares; "
    f"least squares is {np.abs(reference - TRUE_COEF).max():.3f} from the truth"
)

# %% [markdown]
# Every rung ends within about 0.001 of the least-squares fit. The float32 rung 3 is the least
# precise: it stops where its float32 loss stops changing, and where exactly that happens
# depends on the processor's arithmetic, so its last digits differ from one machine to
# another. None reaches the truth, because the noise in $y$ moves the best fit away from it,
# by far more than the rungs differ from each other.
#
# ## Loss curves
# The training loss minus the least-squares loss (the part that training can still remove),
# on log scales so that the long raw run and the hundred-odd epochs of the rungs fit in one
# picture.

# %%
excess = {
    f"raw inputs, α={LR_LECTURE} (numpy)": np.array(losses_raw) - best_loss,
    f"rung 1: numpy, α={LR}": np.array(losses_numpy) - best_loss,
    f"rung 2: autograd, α={LR}": np.array(losses_autograd) - best_loss,
    f"rung 3: nn.Linear (float32), α={LR}": np.array(losses_nn) - best_loss,
}
fig = plot_loss_curves(
    excess,
    logx=True,
    ylabel="loss − least-squares loss",
    title=f"Training loss above the least-squares fit (N = {N:,} points)",
    legend="below",
)
dllab.show(fig, "loss_curves", run)

# %% [markdown]
# The three rungs on standardized inputs draw nearly one curve (rungs 2 and 3 lie on top of
# each other until rung 3 stops): they are the same algorithm written three ways, started from
# different random points. Rung 3 stops earlier because its float32 loss stops changing (the
# last two values printed above are equal). Past the first few epochs each of them loses about
# two digits of loss for every tenfold shrink of the error predicted above: the loss is
# quadratic in the error. On the raw inputs the curve falls in stages set by the eigenvalues:
# first the directions with $\lambda \gtrsim 1$ (a few thousand epochs at
# $\alpha = 10^{-3}$), then, far more slowly, the flattest one ($\lambda_{\min}$), which is
# still being worked off when the cap ends the run.
#
# ## Exercises
# The two "Your turn" cells above are checked; `scripts/check.sh 1` checks them from a
# terminal. After trying, compare with the references in `lib/dllab/exercises/specs/lab01.py`
# (or `dllab.exercises.reference("gradients")`).
#
# 1. Set `LR = 1.0`, then `LR = 2.5`, and re-run rung 1. What happens, and why is the largest
#    safe step $2/\lambda_{\max}$ of the curvature matrix (printed above)?
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
# - All three rungs converge to the least-squares fit, not to the true coefficients.
# - How fast they converge depends on conditioning: standardized inputs converge in about a
#   hundred epochs; on the raw inputs the lecture's α needs tens of thousands of epochs per
#   digit of the error, which is why the lecture runs 100,000.

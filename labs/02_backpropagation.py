# %% [markdown]
# # Lab 2 — Backpropagation
#
# **Goals**
# - run a small network forward and backward in PyTorch and read every gradient;
# - see why `binary_cross_entropy_with_logits` is preferred over sigmoid + `binary_cross_entropy`;
# - build the same network from scratch in numpy — layers with a `forward` and a `backward` —
#   and show that it computes what autograd computes, to float32's precision;
# - check an analytic gradient numerically, trusting neither implementation.
#
# The network: Linear(2 → 4) → ReLU → Linear(4 → 1) → sigmoid, with binary cross-entropy, on
# 8 points.

# %%
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import dllab
from dllab.data import binary_points
from dllab.display import format_table, plot_curves
from dllab.exercises import check, your_turn
from dllab.gradcheck import numerical_gradient, relative_error
from dllab.scratch import Linear, ReLU, Sigmoid, bce

# %%
SEED = 1234
N_POINTS = 8
HIDDEN = 4
AGREE = 1e-6  # numpy (float64) and PyTorch (float32) must agree to this

RESULTS = {}  # what this run computed, by name

dllab.set_seed(SEED)
run = dllab.new_run_dir("02_backpropagation", create=False)
print(f"device: {dllab.get_device()} (this lab's network is tiny; it runs on the CPU)")
print(f"outputs of this run: {run}")

# %% [markdown]
# ## The data and the network in PyTorch

# %%
X, y = binary_points(N_POINTS, seed=SEED)
X_t, y_t = torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
print(format_table({f"point {i}": [*X[i], y[i, 0]] for i in range(N_POINTS)}, ["x1", "x2", "y"]))

torch.manual_seed(SEED)
model = nn.Sequential(nn.Linear(2, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 1))
print(model)

# %% [markdown]
# ## Step 1 — forward and backward in PyTorch
# The model returns **logits** $z$; the sigmoid turns them into probabilities
# $p = \sigma(z)$. `loss.backward()` fills `.grad` of every parameter.

# %%
model.zero_grad()
p_t = torch.sigmoid(model(X_t))
loss = F.binary_cross_entropy(p_t, y_t)
loss.backward()
print(f"loss {loss.item():.6f}")
for name, param in model.named_parameters():
    print(f"{name:9s} grad {tuple(param.grad.shape)}:\n{param.grad.numpy().round(6)}")

# %% [markdown]
# ## Step 2 — why logits?
# `binary_cross_entropy_with_logits` takes $z$ directly and fuses the sigmoid into the loss.
# On ordinary inputs it gives the same gradients, up to float32 rounding:

# %%
grads = {}
for name, loss_of_logits in {
    "sigmoid + binary_cross_entropy": lambda z: F.binary_cross_entropy(torch.sigmoid(z), y_t),
    "binary_cross_entropy_with_logits": lambda z: F.binary_cross_entropy_with_logits(z, y_t),
}.items():
    model.zero_grad()
    loss_of_logits(model(X_t)).backward()
    grads[name] = [param.grad.clone() for param in model.parameters()]
gap = max((g1 - g2).abs().max().item() for g1, g2 in zip(*grads.values(), strict=True))
RESULTS["two ways' gradients: largest difference"] = gap
print(f"largest difference between the two ways' gradients: {gap:.1e}")

# %% [markdown]
# So why prefer it? Take a confidently wrong prediction: logit $z = 40$ for a point of class 0.
# The true loss is $\log(1 + e^{40}) \approx 40$ and its gradient $\sigma(40) - 0 \approx 1$: a
# strong signal to fix the mistake.

# %%
z = torch.tensor([40.0], requires_grad=True)
target = torch.tensor([0.0])
results = {}
for name, loss_of in {
    "sigmoid + binary_cross_entropy": lambda z: F.binary_cross_entropy(torch.sigmoid(z), target),
    "binary_cross_entropy_with_logits": lambda z: F.binary_cross_entropy_with_logits(z, target),
}.items():
    z.grad = None
    value = loss_of(z)
    value.backward()
    results[name] = [value.item(), z.grad.item()]
with np.errstate(divide="ignore"):
    p_np = np.float32(1) / (np.float32(1) + np.exp(np.float32(-40)))  # rounds to exactly 1.0
    results["numpy by hand: -log(1 - sigmoid(z))"] = [float(-np.log(1 - p_np)), None]
results["exact"] = [float(np.logaddexp(0, 40)), 1.0]
RESULTS["z = 40: loss and gradient"] = results
print(format_table(results, ["loss", "dloss/dz"], digits=4))

# %% [markdown]
# In float32, $\sigma(40)$ rounds to exactly 1. The two-step version then takes $\log(0)$: by
# hand that is `inf`; PyTorch clamps the log at −100 and reports a loss of 100, and its gradient
# is **0**, because $\sigma'(40) = \sigma(1-\sigma)$ is 0 — the network would never learn to
# fix this point. The logits version computes $\log(1 + e^{z})$ stably (the log-sum-exp trick)
# and gets both the loss and the gradient right.
#
# The same comparison over a range of logits, for a point of class 0:

# %%
zs = torch.linspace(-50, 50, 201, requires_grad=True)
zeros = torch.zeros_like(zs)
curves = {}
for name, loss_fn in {
    "sigmoid + BCE": lambda z: F.binary_cross_entropy(torch.sigmoid(z), zeros, reduction="sum"),
    "BCE with logits": lambda z: F.binary_cross_entropy_with_logits(z, zeros, reduction="sum"),
}.items():
    zs.grad = None
    loss_fn(zs).backward()
    curves[name] = zs.grad.clone()
saturated = zs[(zs > 0) & (curves["sigmoid + BCE"] == 0)]
RESULTS["two-step gradient 0 from z"] = saturated.min().item()
print(f"two-step gradient exactly 0 from z = {saturated.min().item():g} (grid step 0.5)")
fig = plot_curves(
    zs.detach(),
    curves,
    xlabel="logit z of one point of class 0",
    ylabel="dloss/dz",
    title="Gradient of the loss for one point, float32: two steps vs fused",
)
dllab.show(fig, "saturation", run)

# %% [markdown]
# With logits the gradient grows with the mistake and levels off at 1. The two-step version
# follows it until $z \approx 17$ (printed above), where $\sigma(z)$ rounds to 1 in float32,
# and then drops to exactly 0: the more confidently wrong the network is, the less it learns.
#
# ## Step 3 — the same network from scratch
# `dllab.scratch` holds the layers `Linear`, `ReLU` and `Sigmoid`. Each `forward(x)` computes
# its output and caches what the backward pass needs (its input `x`, or its output). The
# backward pass is yours: each piece receives $\partial L/\partial \text{out}$ (`dout`) and
# returns $\partial L/\partial x$ for the layer below, plus the parameter gradients. After
# each "Your turn" cell a check cell tests your function and hands the lab the function to use
# (yours once it passes, the reference until then): whenever you run your cell again, run its
# check too.
#
# ### Your turn 1: ReLU's backward
# $\mathrm{relu}(x) = \max(0, x)$ has the local gradient 1 where $x > 0$ and 0 elsewhere
# (at exactly 0 we take 0, as PyTorch does). Return a new numpy array (the scratch network
# works in numpy); do not change `dout`.


# %%
# YOUR TURN: relu_backward
@your_turn
def relu_backward(dout, x):
    """∂L/∂x of out = max(0, x).  dout: ∂L/∂out, x: the forward input, same shape → dx."""
    raise NotImplementedError  # your code here


# %%
relu_backward = check("relu_backward", relu_backward)

# %% [markdown]
# ### Your turn 2: Linear's backward
# For $\text{out} = xW + b$ with $x$: (N, n_in), $W$: (n_in, n_out), $b$: (n_out,), return
# $\partial L/\partial x$, $\partial L/\partial W$ and $\partial L/\partial b$. Let the shapes
# guide you: each gradient has the shape of what it is the gradient of.


# %%
# YOUR TURN: linear_backward
@your_turn
def linear_backward(dout, x, W):
    """Gradients of out = x @ W + b.  dout: (N, n_out), x: (N, n_in), W: (n_in, n_out).

    Returns dx: (N, n_in), dW: (n_in, n_out), db: (n_out,).
    """
    raise NotImplementedError  # your code here


# %%
linear_backward = check("linear_backward", linear_backward)

# %% [markdown]
# ### Your turn 3: the gradient of the loss
# $L = -\frac1N\sum_i \big(y_i\log p_i + (1-y_i)\log(1-p_i)\big)$. Its gradient with respect
# to the probabilities starts the backward pass.


# %%
# YOUR TURN: bce_grad
@your_turn
def bce_grad(p, y):
    """∂L/∂p of the mean binary cross-entropy.  p: (N, 1) in (0, 1), y: (N, 1) in {0, 1}."""
    raise NotImplementedError  # your code here


# %%
bce_grad = check("bce_grad", bce_grad)

# %% [markdown]
# Now build the network, give it PyTorch's initial weights, run it forward, and run the
# backward pass with your three functions, last layer first. All three steps are functions, so
# that the cells below can build a fresh copy whenever they need one.


# %%
def numpy_copy(model):
    """Our layers, holding the current weights of the PyTorch `model` (as float64)."""
    rng = np.random.default_rng(SEED)
    layers = [Linear(2, HIDDEN, rng=rng), ReLU(), Linear(HIDDEN, 1, rng=rng), Sigmoid()]
    # nn.Linear stores W as (out, in); ours is (in, out).
    for ours, theirs in [(layers[0], model[0]), (layers[2], model[2])]:
        ours.W = theirs.weight.detach().numpy().T.astype(np.float64)
        ours.b = theirs.bias.detach().numpy().astype(np.float64)
    return layers


def forward(layers, x):
    """Run x: (N, 2) through every layer in order → probabilities (N, 1)."""
    for layer in layers:
        x = layer.forward(x)
    return x


def backward(layers, p, y):
    """The backward pass after forward(layers, x) = p, with your three functions.

    p, y: (N, 1) → {"dW1": (2, 4), "db1": (4,), "dW2": (4, 1), "db2": (1,)}.
    """
    # In reverse: each line applies one local gradient (the chain rule).
    dout = bce_grad(p, y)  # ∂L/∂p
    dout = layers[3].backward(dout)  # through the sigmoid: σ' = σ(1 − σ)
    dout, dW2, db2 = linear_backward(dout, layers[2].x, layers[2].W)
    dout = relu_backward(dout, layers[1].x)
    dx, dW1, db1 = linear_backward(dout, layers[0].x, layers[0].W)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


layers = numpy_copy(model)
p = forward(layers, X)
grads_np = backward(layers, p, y)
shapes = ", ".join(f"{name} {grad.shape}" for name, grad in grads_np.items())
print(f"numpy network: loss {bce(p, y):.6f}; gradients {shapes}")

# %% [markdown]
# Now compare everything with autograd. The cell builds both sides afresh, PyTorch's and
# ours, from the same weights, so what it compares does not depend on which cells ran before.

# %%
layers = numpy_copy(model)
p = forward(layers, X)
grads_np = backward(layers, p, y)

dtype = model[0].weight.dtype  # float32, PyTorch's default
model.zero_grad()
p_t = torch.sigmoid(model(torch.tensor(X, dtype=dtype)))
loss_t = F.binary_cross_entropy(p_t, torch.tensor(y, dtype=dtype))
loss_t.backward()

differences = {
    "probabilities": np.abs(p - p_t.detach().numpy()).max(),
    "loss": abs(bce(p, y) - loss_t.item()),
    "dW of layer 1": np.abs(grads_np["dW1"] - model[0].weight.grad.numpy().T).max(),
    "db of layer 1": np.abs(grads_np["db1"] - model[0].bias.grad.numpy()).max(),
    "dW of layer 2": np.abs(grads_np["dW2"] - model[2].weight.grad.numpy().T).max(),
    "db of layer 2": np.abs(grads_np["db2"] - model[2].bias.grad.numpy()).max(),
}
RESULTS["max |numpy − torch|"] = differences
print(format_table({k: [v] for k, v in differences.items()}, ["max |numpy − torch|"], digits=9))
assert all(v < AGREE for v in differences.values()), f"disagreement above {AGREE}"
print(f"all agree with autograd to {AGREE:g} (PyTorch in {dtype})")

# %% [markdown]
# Every number agrees to 1e-6 or better (the table shows by how much). The scratch network is
# the same computation as PyTorch's, and now we know what `loss.backward()` does: the chain
# rule, one local gradient per layer, in reverse. The layers of `dllab.scratch` package exactly
# these steps (their `Linear.backward` calls the library's `linear_backward` and keeps `dW`,
# `db`), so a whole backward pass could also be
# `for layer in reversed(layers): dout = layer.backward(dout)`.
#
# ## A numerical gradient check
# Agreement with PyTorch could still mean that both are wrong in the same way. A finite
# difference needs no calculus at all: nudge one weight by $\pm\varepsilon$ and watch the loss,
# $\partial L/\partial w \approx \frac{L(w + \varepsilon) - L(w - \varepsilon)}{2\varepsilon}$.
# In float64 the relative error between the two should be around $10^{-8}$ or smaller. The
# cell again builds its own copy of the network, from the same weights.

# %%
layers = numpy_copy(model)
analytic = backward(layers, forward(layers, X), y)["dW1"]  # your backward pass
numeric = numerical_gradient(lambda: bce(forward(layers, X), y), layers[0].W)  # forward only
error = relative_error(numeric, analytic)
RESULTS["numerical gradient: relative error"] = error
print(f"dW of layer 1: relative error between analytic and numerical gradient {error:.1e}")
assert error < 1e-7

# %% [markdown]
# ## Exercises
# The three "Your turn" cells above are checked; `scripts/check.sh 2` checks them from a
# terminal. After trying, compare with `lib/dllab/scratch.py` (the references are in
# `lib/dllab/exercises/specs/lab02.py`).
#
# 1. Change `AGREE` to `1e-9`, re-run the settings cell and the comparison. Which quantities
#    fail, and why does float32 (PyTorch's default) explain it? Check: run `model.double()` in
#    a new cell and re-run the comparison (it feeds the model `X` in the model's dtype).
#    Re-running the data cell brings back the float32 model.
# 2. Break `relu_backward` on purpose: in a new cell, `relu_backward = lambda dout, x: dout`
#    (no check cell after it, so the lab really uses it). Re-run the comparison and the
#    numerical check. Which numbers change, and why only those? Does the numerical check, which
#    uses the layers' forward pass only, notice? Then re-run the check cell of
#    `relu_backward`: it judges the lambda (wrong) and returns to your answer if that passed
#    before, to the reference otherwise.
# 3. Add a second hidden layer, Linear(4 → 4) + ReLU, to both networks. What changes in
#    `forward`? (Nothing: that is the point of the layer interface.) What changes in
#    `backward`, which names each layer, and how does a loop over `reversed(layers)` avoid it?
#
# ## Summary
# - Backpropagation is the chain rule organised by layers: each layer knows only its local
#   gradient, and `backward` multiplies it with the gradient coming from above.
# - Fuse the sigmoid into the loss (`binary_cross_entropy_with_logits`): the two-step version
#   saturates and returns a wrong loss and a zero gradient for confident mistakes.
# - A from-scratch implementation agrees with autograd to 1e-6, and a numerical check confirms
#   the analytic gradients without trusting either library.

# %% [markdown]
# # Lab 4 — Watching a network learn with TensorBoard
#
# **Goals**
# - log a training run for TensorBoard: losses as scalars, weights and gradients as
#   histograms, the decision boundary as images, the settings and results as hyperparameters,
#   and the model's graph;
# - compare three learning rates side by side;
# - know which TensorBoard tab answers which question.
#
# The setup is lab 3's: two spirals (2,000 points per class), the MLP [20, 15, 10, 5] with
# ReLU, Adam, 1,000 epochs. The logger is a callback of the same training loop (`fit`), so
# nothing about training changes.

# %%
import torch

import dllab
from dllab.data import spiral, split
from dllab.display import format_table, plot_loss_curves
from dllab.exercises import check
from dllab.metrics import evaluate
from dllab.models import MLP
from dllab.tblog import TensorBoardLogger
from dllab.train import fit

# %%
SEED = 1234
N_PER_CLASS = dllab.pick(full=2000, quick=300)
LIM = 20  # plots span ±LIM
N_TEST = N_VALID = dllab.pick(full=1024, quick=128)
BATCH_SIZE = dllab.pick(full=512, quick=128)
NUM_EPOCHS = dllab.pick(full=1000, quick=20)
CONFIG = [20, 15, 10, 5]
LEARNING_RATES = [0.001, 0.01, 0.1]
HIST_EVERY = dllab.pick(full=100, quick=5)  # histograms every this many epochs
# Images for the lecture's learning rate at the lecture's epochs (0, 10, …, 100, 500, 1000),
# for the other runs at the last epoch only (each image costs as much as ~30 epochs).
IMAGE_EPOCHS = sorted({e for e in [*range(0, 101, 10), 500] if e < NUM_EPOCHS} | {NUM_EPOCHS})
LECTURE_LR = 0.01

dllab.set_seed(SEED)
# These networks are tiny: splitting each operation over CPU threads costs more than it saves.
torch.set_num_threads(1)
device = dllab.get_device()
print(f"device: {device}; decision boundary images at epochs {IMAGE_EPOCHS}")

# %% [markdown]
# ## Data

# %%
X, y = spiral(N_PER_CLASS, seed=SEED)
splits = split(X, y, n_test=N_TEST, n_valid=N_VALID, seed=SEED)
X_train, _ = splits["train"]
X_test, y_test = splits["test"]
print({name: len(part[0]) for name, part in splits.items()})

# %% [markdown]
# ## What the logger writes
# `TensorBoardLogger` is called by `fit` after every epoch. It writes through a
# `SummaryWriter`: `writer.add_scalar(tag, value, step)` adds one point to a curve,
# `writer.add_histogram(tag, values, step)` one histogram to a stack. Two of its jobs are yours.
#
# ### Your turn 1: the losses
# Log the epoch's training and validation loss (the last entries of `history.train_loss` and
# `history.valid_loss`) under the tags `loss/train` and `loss/valid`, at step `epoch`.


# %%
# YOUR TURN: log_losses
def log_losses(writer, history, epoch):
    """Add this epoch's loss/train and loss/valid scalars to `writer` at step `epoch`."""
    raise NotImplementedError  # your code here


# %%
log_losses = check("log_losses", log_losses)

# %% [markdown]
# ### Your turn 2: gradient histograms
# For every parameter of the model (`model.named_parameters()` gives names such as
# `layers.0.weight`), add a histogram of its gradient `param.grad` under the tag
# `grads/<name>` at step `epoch`. Skip parameters without a gradient (before the first
# backward pass `param.grad` is `None`).


# %%
# YOUR TURN: log_gradients
def log_gradients(writer, model, epoch):
    """Add a histogram grads/<name> of each parameter's gradient to `writer` at step `epoch`."""
    raise NotImplementedError  # your code here


# %%
log_gradients = check("log_gradients", log_gradients)

# %% [markdown]
# ## Three runs, one per learning rate
# Each run gets its own folder `runs/04_tensorboard/<timestamp>-lr<rate>/`, so running this
# cell again adds three new runs instead of mixing new curves into old ones. Every run starts
# from the same initial weights (same seed), so the learning rate is the only difference.

# %%
histories, results, run_dirs = {}, {}, []
for lr in LEARNING_RATES:
    torch.manual_seed(SEED)
    model = MLP(2, CONFIG, activation="relu").to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, fused=True)
    hparams = {"lr": lr, "hidden": CONFIG, "batch_size": BATCH_SIZE, "num_epochs": NUM_EPOCHS}
    images = IMAGE_EPOCHS if lr == LECTURE_LR else [NUM_EPOCHS]
    with TensorBoardLogger(
        "04_tensorboard",
        f"lr{lr:g}",
        hparams=hparams,
        every=HIST_EVERY,
        image_epochs=images,
        boundary=(X_test, y_test, LIM),
        losses=log_losses,  # your functions (or the reference until they pass)
        gradients=log_gradients,
    ) as logger:
        logger.log_graph(model, X_train[:8])
        histories[f"lr = {lr:g}"] = fit(
            model,
            splits,
            optimizer=optimizer,
            num_epochs=NUM_EPOCHS,
            batch_size=BATCH_SIZE,
            seed=SEED,
            device=device,
            callbacks=[logger],
        )
        results[f"lr = {lr:g}"] = evaluate(model, X_test, y_test)
        logger.log_hparams(results[f"lr = {lr:g}"])
    run_dirs.append(logger.run_dir)
    print(f"lr = {lr:g}: logged to {logger.run_dir}")
print(
    format_table(
        {k: list(v.values()) for k, v in results.items()},
        ["accuracy", "avg precision", "ROC AUC"],
        label="test set",
    )
)

# %% [markdown]
# The same validation curves as TensorBoard's Scalars tab will show, drawn here:

# %%
fig = plot_loss_curves(
    {k: h.valid_loss for k, h in histories.items()},
    ylabel="validation loss",
    title="Three learning rates",
)
dllab.show(fig, "valid_loss", run_dirs[-1])

# %% [markdown]
# With lr = 0.001 the loss falls slowly: after 1,000 epochs it is near 0.36, about half of
# where it started. The lecture's 0.01 ends some seventy times lower (≈ 0.005), after a spike
# (here near epoch 250) that it recovers from; from about epoch 600 on it barely moves, so
# more epochs would buy little. With 0.1 the loss never leaves $\log 2 \approx 0.69$, the
# loss of answering 50 % for every point: the first large steps pushed the ReLUs into their
# flat negative side, where the gradient is 0, and the network never recovers (the Histograms
# tab shows its gradients collapsed to 0).
#
# ## Open TensorBoard
# - **Terminal:** `./scripts/tensorboard.sh` serves `runs/` at http://127.0.0.1:6006/ (the next
#   free port if 6006 is taken). In the dev container VS Code forwards port 6006: the *Ports*
#   tab shows it as "TensorBoard", and Codespaces opens it in the browser.
# - **VS Code:** *Command Palette → Python: Launch TensorBoard*, then choose the `runs` folder.
#
# Each run appears under its folder name, e.g. `04_tensorboard/20261122-101500-lr0.01`; type
# `lr0.01` in the run filter to see one learning rate across several executions of this lab.
#
# ## What each tab shows
# - **Scalars**: `loss/train` and `loss/valid` per epoch for the three runs, one colour each.
#   Look for the gap between training and validation loss (overfitting) and for spikes.
# - **Images**: `decision_boundary` of the lr = 0.01 run at epochs 0, 10, …, 100, 500 and
#   1,000 (the other runs: the last epoch); drag the slider to watch the boundary wind itself
#   into the spiral, from the centre outwards.
# - **Histograms / Distributions**: `params/…` (weights and biases) and `grads/…` (their
#   gradients) per layer. Early on the gradients are wide; as the loss falls they shrink
#   towards 0. Gradients that are 0 from the start in one layer point to dead ReLUs or a
#   broken connection.
# - **Graphs**: the model as traced from one batch: the chain of Linear and ReLU layers.
# - **HParams**: one row per run with its learning rate, hidden sizes, batch size and final
#   accuracy, average precision and ROC AUC: the place to compare runs by their results.
#
# ## Exercises
# The two "Your turn" cells above are checked; `scripts/check.sh 4` checks them from a
# terminal. After trying, compare with `lib/dllab/tblog.py` (see `lib/dllab/solutions.py`).
#
# 1. Add a fourth learning rate, 0.03. Where does it land in the Scalars and HParams tabs?
# 2. In the Histograms tab, compare `grads/layers.0.weight` for lr = 0.001 and lr = 0.1 at
#    the last epoch. Which is wider, and why?
# 3. Log the learning rate itself as a scalar (`logger.writer.add_scalar`) and add a
#    `torch.optim.lr_scheduler.StepLR` that halves it every 200 epochs.
#
# ## Summary
# - A logger is a callback of the training loop: training code stays the same, and every run
#   writes into its own folder, so runs never mix.
# - Scalars show *whether* training works, histograms show *how* the weights and gradients
#   evolve, images show *what* the model has learned, HParams compare runs by their results.

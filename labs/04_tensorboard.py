# %% [markdown]
# # Lab 4 — Watching a network learn with TensorBoard
#
# **Goals**
# - log a training run for TensorBoard: losses as scalars, weights and gradients as
#   histograms, the decision boundary as images, the settings as hyperparameters (with the
#   final losses as their metrics), and the model's graph;
# - compare three learning rates side by side;
# - know which TensorBoard tab answers which question.
#
# The setup is lab 3's (two spirals, the MLP [20, 15, 10, 5] with ReLU, Adam, 1,000 epochs),
# with 2,000 points per class as in the lecture's TensorBoard notebook (lab 3 has 4,000). Only
# the run of the largest learning rate is shorter, 100 epochs: its network stops learning in its
# first epochs, and the text below shows why more epochs would change nothing.
# Logging is a callback of lab 3's training loop, `fit`: a function of this lab that `fit`
# calls after every epoch, so nothing about training changes.

# %%
import numpy as np
import torch
from torch.utils.tensorboard import SummaryWriter

import dllab
from dllab.data import spiral, split
from dllab.display import boundary_image, format_table, plot_loss_curves
from dllab.exercises import check, your_turn
from dllab.metrics import evaluate
from dllab.models import MLP
from dllab.session import finish_run, start_run
from dllab.tblog import FLUSH_SECS, log_graph, log_hparams, log_parameters
from dllab.train import fit

# %%
SEED = 1234
N_PER_CLASS = dllab.pick(full=2000, quick=300)
N_TEST = N_VALID = dllab.pick(full=1024, quick=128)
BATCH_SIZE = dllab.pick(full=512, quick=128)
NUM_EPOCHS = dllab.pick(full=1000, quick=10)
CONFIG = [20, 15, 10, 5]
LEARNING_RATES = [0.001, 0.01, 0.1]
SHORT_RUNS = {0.1: dllab.pick(full=100, quick=5)}  # {lr: its epochs}; every other lr: NUM_EPOCHS
HIST_EVERY = dllab.pick(full=50, quick=2)  # histograms every this many epochs
# Images for the lecture's learning rate at the lecture's epochs (0, 10, …, 100, 500, 1000),
# for the other runs at the last epoch only (an image costs far more than an epoch).
IMAGE_EPOCHS = sorted({e for e in [*range(0, 101, 10), 500] if e < NUM_EPOCHS} | {NUM_EPOCHS})
LECTURE_LR = 0.01
RESULTS = {}  # what this run computed, by name

dllab.set_seed(SEED)
# These networks are tiny: splitting each operation over CPU threads costs more than it saves.
torch.set_num_threads(1)
device = dllab.get_device()
short = "".join(f" (lr = {lr:g}: {epochs})" for lr, epochs in SHORT_RUNS.items())
print(f"device: {device}; {NUM_EPOCHS} epochs{short}, histograms every {HIST_EVERY} epochs")
print(f"decision boundary images of lr = {LECTURE_LR:g} at epochs {IMAGE_EPOCHS}")

# %% [markdown]
# ## Data

# %%
X, y = spiral(N_PER_CLASS, seed=SEED)
splits = split(X, y, n_test=N_TEST, n_valid=N_VALID, seed=SEED)
X_train, _ = splits["train"]
X_test, y_test = splits["test"]
LIM = float(np.ceil(np.abs(X).max()))  # the pictures span ±LIM: every point inside the frame
RESULTS["pictures span ±"] = LIM
print({name: len(part[0]) for name, part in splits.items()}, f"pictures span ±{LIM:g}")

# %% [markdown]
# ## What a run logs
# A `SummaryWriter(folder)` writes one run into an event file in that folder:
# `writer.add_scalar(tag, value, step)` adds one point to a curve,
# `writer.add_histogram(tag, values, step)` one histogram to a stack,
# `writer.add_figure(tag, figure, step)` one image. Below, `fit` calls a function of ours after
# every epoch, and that function logs through the writer. Two of its parts are yours.
#
# ### Your turn 1: the losses
# Log the epoch's training and validation loss (the last entries of `history.train_loss` and
# `history.valid_loss`) under the tags `loss/train` and `loss/valid`, at step `epoch`.


# %%
# YOUR TURN: log_losses
@your_turn
def log_losses(writer, history, epoch):
    """Add this epoch's loss/train and loss/valid scalars to `writer` at step `epoch`."""
    raise NotImplementedError  # your code here


# %%
log_losses = check("log_losses", log_losses)

# %% [markdown]
# ### Your turn 2: gradient histograms
# For every parameter of the model (`model.named_parameters()` gives names such as
# `layers.hidden1.weight`), add a histogram of its gradient `param.grad` under the tag
# `grads/<name>` at step `epoch`. Skip parameters without a gradient (before the first
# backward pass `param.grad` is `None`).


# %%
# YOUR TURN: log_gradients
@your_turn
def log_gradients(writer, model, epoch):
    """Add a histogram grads/<name> of each parameter's gradient to `writer` at step `epoch`."""
    raise NotImplementedError  # your code here


# %%
log_gradients = check("log_gradients", log_gradients)

# %% [markdown]
# ## The logging callback
# `fit(..., callbacks=[log_epoch])` calls `log_epoch(epoch, model, history)` with epoch 0
# before the first epoch and then after every epoch, so the histograms at step 0 show the
# initial weights. It logs the losses with your `log_losses`, every `HIST_EVERY` epochs the
# weights and your gradient histograms, and the decision boundary at the epochs in `images`.


# %%
def make_log_epoch(writer, images, title):
    """The callback fit calls after every epoch; it writes into `writer`."""

    def log_epoch(epoch, model, history):
        if epoch > 0:  # epoch 0 comes before training: no loss yet
            log_losses(writer, history, epoch)  # yours, once it passed its check
        if epoch % HIST_EVERY == 0:
            log_parameters(writer, model, epoch)  # params/<name>: the weights and biases
            log_gradients(writer, model, epoch)  # grads/<name>: yours, once it passed
        if epoch in images:
            figure = boundary_image(model, X_test, y_test, lim=LIM, title=f"{title}, epoch {epoch}")
            writer.add_figure("decision_boundary", figure, epoch)  # also closes the figure

    return log_epoch


# %% [markdown]
# ## Three runs, one per learning rate
# Each execution of this cell gets a new folder `runs/04_tensorboard/<date>-<time>/`, and each
# learning rate a folder inside it: serving that folder, TensorBoard lists the runs `lr0.001`,
# `lr0.01` and `lr0.1`. Running the cell again makes a new folder: new curves never mix into old
# ones. Every run starts from the same initial weights (same seed), so the learning rate is the
# only difference (and the length of a run in SHORT_RUNS: the same curve, cut short).
#
# While a run is being written its folder is called `lr0.01-unfinished`; only after the writer
# is closed is it renamed to `lr0.01`. A run that stops early (an error, the interrupt button,
# the process killed, a full disk) keeps "unfinished" in its name, in TensorBoard too, so it is
# never taken for a complete one.

# %%
run = dllab.new_run_dir("04_tensorboard")  # this execution of the lab
histories, results, run_dirs = {}, {}, {}
for lr in LEARNING_RATES:
    num_epochs = SHORT_RUNS.get(lr, NUM_EPOCHS)
    torch.manual_seed(SEED)
    model = MLP(2, CONFIG, activation="relu").to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, fused=True)
    log_dir = start_run(run, f"lr{lr:g}")  # …/lr0.01-unfinished/
    # flush_secs: the curves reach TensorBoard (and the disk) within seconds, not minutes
    with SummaryWriter(log_dir, flush_secs=FLUSH_SECS) as writer:  # closed also after an error
        log_hparams(
            writer, {"lr": lr, "hidden": CONFIG, "batch_size": BATCH_SIZE, "num_epochs": num_epochs}
        )
        log_graph(writer, model, X_train[:8])
        images = IMAGE_EPOCHS if lr == LECTURE_LR else [num_epochs]
        log_epoch = make_log_epoch(writer, images, title=f"lr = {lr:g}")
        histories[f"lr = {lr:g}"] = fit(
            model,
            splits,
            optimizer=optimizer,
            num_epochs=num_epochs,
            batch_size=BATCH_SIZE,
            seed=SEED,
            device=device,
            callbacks=[log_epoch],
        )
    run_dirs[f"lr = {lr:g}"] = finish_run(log_dir)  # …/lr0.01/: complete
    results[f"lr = {lr:g}"] = evaluate(model, X_test, y_test)
    print(f"lr = {lr:g}: logged to {run_dirs[f'lr = {lr:g}']}")
print(f"to see them: ./scripts/tensorboard.sh {run}")
print(
    format_table(
        {k: list(v.values()) for k, v in results.items()},
        ["accuracy", "avg precision", "ROC AUC"],
        label=f"test set (n = {len(X_test):,})",
    )
)

# %% [markdown]
# The same validation curves as TensorBoard's Scalars tab will show, drawn here. A figure
# that compares runs belongs to none of them: run as a script, the lab saves it beside them,
# in this execution's folder, which holds no event file of its own, so TensorBoard does not
# list it as a run.

# %%
for label, h in histories.items():
    RESULTS[f"{label}: validation losses"] = h.valid_loss
    best = int(np.argmin(h.valid_loss))
    print(
        f"{label}: validation loss {h.valid_loss[0]:.3f} after epoch 1, "
        f"lowest {h.valid_loss[best]:.4f} after epoch {best + 1}, "
        f"{h.valid_loss[-1]:.4f} after epoch {h.epochs}"
    )
    jumps = np.diff(h.valid_loss)
    if jumps.max() > 0.05:
        spike = int(np.argmax(jumps))
        print(
            f"  largest jump: epoch {spike + 1} → {spike + 2}, "
            f"{h.valid_loss[spike]:.4f} → {h.valid_loss[spike + 1]:.4f}"
        )
fig = plot_loss_curves(
    {k: h.valid_loss for k, h in histories.items()},
    ylabel="validation loss (mean BCE)",
    title=f"Three learning rates: validation loss (n = {len(splits['valid'][0]):,})",
)
dllab.show(fig, "valid_loss", run)

# %% [markdown]
# The lines above give each run's validation loss after its first epoch, at its lowest and
# at its last epoch, and its largest jump from one epoch to the next where one exceeds 0.05.
# Read the figure with them. A loss near $\log 2 \approx 0.69$ is the loss of answering 50 %
# for every point: a run that stays there has learned nothing. A larger learning rate takes
# larger steps: it can descend faster, and it can overshoot, so that a jump throws the loss
# back up for a while. Too large, the first steps can push the ReLUs into their flat negative
# side, where the gradient is 0, and the network never recovers.
#
# Over the lecture's 1,000 epochs (lr = 0.1: 100) the three rates show all of this:
# lr = 0.001 falls slowly all the way and ends at a half to three quarters of where it
# started; the lecture's 0.01 ends far lower (below 0.05), and in most of our runs a jump
# around epoch 250 threw it back up for a while (the line under it above says whether yours
# had one, and where); 0.1 settles at $\log 2$ within its first epochs and never leaves it.
# Its ReLUs are dead (the Histograms tab below shows it), so nothing can bring it back: its
# 100 epochs end where 1,000 would, which is why its run is the short one.
#
# After the first hundred epochs your numbers can differ from these, and so can the jump.
# The maths library picks different vector instructions on different processors, and these
# add up the numbers of a sum in different orders; each order rounds differently, so the same
# code with the same seed gives results that differ in their last digits. Training feeds each
# step's result into the next, and over hundreds of epochs these differences grow into
# visibly different curves, most where training is close to unstable, as lr = 0.01 is at its
# jump. The lines above are your run's; the pattern of the three rates is the same everywhere.
#
# ## Open TensorBoard
# - **Terminal:** `./scripts/tensorboard.sh runs/04_tensorboard` serves every run of this lab
#   at http://127.0.0.1:6006/ (the next free port if 6006 is taken), also the runs still being
#   written: start it while the cell above runs to watch the curves grow.
#   `./scripts/tensorboard.sh` without an argument serves the newest runs of every lab, this
#   execution's included, and lists the other folders it can serve. In the dev container VS
#   Code forwards port 6006: the *Ports* tab shows it as "TensorBoard", and Codespaces opens it
#   in the browser.
# - **VS Code:** *Command Palette → Python: Launch TensorBoard*, then choose the folder.
#
# Serving `runs/04_tensorboard`, each run appears as `<date>-<time>/lr0.01`: type `lr0.01` in
# the run filter to see one learning rate across several executions of this lab.
#
# ## What each tab shows
# - **Scalars**: `loss/train` and `loss/valid` per epoch, one colour per run. Where a loss
#   falls far (lr = 0.01 over 1,000 epochs, from 0.69 to below 0.05), its curve soon lies
#   flat near 0 on the linear axis: switch the chart to a log y axis with the middle button
#   under it (*Toggle y-axis log scale*). **Time Series**, the first tab, shows every tag at
#   once (images and histograms too): type `loss` in *Filter tags* to keep the two loss
#   charts; there the log axis is in each chart's ⋮ menu. Look for the gap between training
#   and validation loss (overfitting) and for jumps.
# - **Images**: `decision_boundary` of the lr = 0.01 run at the epochs printed at the start
#   (the other runs: the last epoch), titled with the learning rate and the epoch; the colour
#   bar gives P(class 1), the legend the markers of the two classes. Drag the slider above the
#   image to watch the boundary wind itself into the spiral from the centre outwards; over
#   1,000 epochs, by epoch 100 the inner turns are carved out, by epoch 500 nearly all of them.
# - **Histograms / Distributions**: `params/…` (weights and biases) and `grads/…` (their
#   gradients) per layer, named as in the model: `layers.hidden1.weight`, …,
#   `layers.output.bias`, every `HIST_EVERY` epochs (printed at the start), the earliest at the
#   back. What the gradients do depends on the run; over 1,000 epochs: with lr = 0.01 they are
#   narrow at first, wide from about epoch 100 to 250, while the loss falls fastest, and from
#   epoch 350 on they shrink towards 0 as the loss settles. With lr = 0.001 they *grow* over the
#   1,000 epochs: that network is still in the middle of learning. With lr = 0.1, from its
#   first histogram (epoch 50) on, every gradient is exactly 0 except the output bias's: its
#   ReLUs are dead, so no weight can change, and only the constant answer (P ≈ ½ everywhere)
#   still moves.
# - **Graphs**: the model as traced from one batch: `input` → `MLP` → `output`, folded into
#   one box. Double-click `MLP`, then `Sequential[layers]` inside it, to expand the chain
#   `Linear[hidden1]` → `ReLU[relu1]` → … → `Linear[output]`.
# - **HParams**: one row per run (*Table view*, rows named by their run) with its batch size,
#   hidden sizes, learning rate and epochs, and as metrics the last `loss/train` and
#   `loss/valid`: the place to compare runs by their settings. `log_hparams` writes only the
#   row; TensorBoard takes the metrics from the runs' own loss curves, so the Scalars tab gets
#   no extra one-point charts. The test metrics are in the table printed above.
#
# ## Exercises
# The two "Your turn" cells above are checked; `scripts/check.sh 4` checks them from a
# terminal. After trying, compare with `log_losses` and `log_gradients` in
# `lib/dllab/tblog.py`.
#
# 1. Add a fourth learning rate, 0.03. Where does it land in the Scalars and HParams tabs?
# 2. The text above says that with lr = 0.1 the ReLUs are dead. Find the evidence yourself:
#    in the Distributions tab, from which epoch on is `grads/layers.hidden1.weight` flat at 0,
#    and what does `loss/train` do from that epoch on?
# 3. Log the learning rate itself as a scalar (`writer.add_scalar` in `log_epoch`) and add a
#    `torch.optim.lr_scheduler.StepLR` that halves it every 200 epochs.
#
# ## Summary
# - Logging is a callback of the training loop: training code stays the same. A
#   `SummaryWriter` writes one run into one folder, and every run gets a new folder, so runs
#   never mix.
# - Scalars show *whether* training works, histograms show *how* the weights and gradients
#   evolve, images show *what* the model has learned, HParams compare runs by their settings
#   and final losses.
# - A run that did not finish keeps "unfinished" in its name; a comparison of runs is saved
#   beside them, not inside one of them.

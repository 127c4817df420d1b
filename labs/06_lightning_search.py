# %% [markdown]
# # Lab 6 — From your loop to Lightning, from hand-tuning to random search, from one process to many
#
# **Goals**
# - write lab 3's spiral MLP as a PyTorch Lightning `LightningModule` and see which lines of
#   your own training loop each hook replaces, and what Lightning adds on top (checkpoints,
#   logging, devices, precision, many processes);
# - search hyper-parameters at random and on a grid with the same budget, and see why random
#   search wins (Bergstra & Bengio, "Random Search for Hyper-Parameter Optimization", 2012);
# - let Optuna run the search (random sampling, then TPE), with a study in a database that
#   several worker processes, or machines, share;
# - train the same model with DistributedDataParallel across two processes.

# %%
import inspect
import itertools
import json
import subprocess
import sys
from pathlib import Path

import lightning as L
import numpy as np
import optuna
import torch
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint

import dllab
from dllab.data import spiral, split
from dllab.display import decision_boundary, format_table, plot_search
from dllab.exercises import check, your_turn
from dllab.lightning import ddp, search
from dllab.lightning.module import SpiralMLP, loaders
from dllab.metrics import evaluate
from dllab.tblog import lightning_logger, log_hparams

# %%
SEED = 1234
# Lab 3's data and model: two spirals of 3.5 turns, MLP [20, 15, 10, 5], Adam with lr 0.01.
N_PER_CLASS = dllab.pick(full=4000, quick=600)
N_TEST = N_VALID = dllab.pick(full=1024, quick=256)
BATCH_SIZE = dllab.pick(full=512, quick=128)
MAX_EPOCHS = dllab.pick(full=1000, quick=15)
LR, CONFIG, LIM = 0.01, [20, 15, 10, 5], 25
PATIENCE, MIN_DELTA = dllab.pick(full=20, quick=5), 1e-3  # early stopping on validation loss
# The search: a smaller spiral of 1.5 turns, a few steps per trial, the same budget for each
# strategy (16 = a grid of 2 values for each of the 4 hyper-parameters).
SEARCH_POINTS = dllab.pick(full=1000, quick=300)  # per class; half of them for training
SEARCH_STEPS = dllab.pick(full=100, quick=10)  # minibatches per trial
BUDGET = 16
OPTUNA_TRIALS = dllab.pick(full=BUDGET, quick=4)  # per Optuna study
# DDP: the small spiral, the same effective minibatch as one process; 2 CPU processes here
# (one per GPU on a machine with several GPUs).
DDP_EPOCHS = dllab.pick(full=20, quick=1)
RESULTS = {}  # what this run computed, by name

dllab.set_seed(SEED)
# These networks are tiny: splitting each operation over CPU threads costs more than it saves.
torch.set_num_threads(1)
device = dllab.get_device()
run = dllab.new_run_dir("06_lightning_search")
print(f"device: {device}; outputs of this run: {run}")

# %% [markdown]
# ## The data
# Lab 3's spirals, split the same way (same sizes, same seed).

# %%
X, y = spiral(N_PER_CLASS, seed=SEED)
splits = split(X, y, n_test=N_TEST, n_valid=N_VALID, seed=SEED)
data = loaders(splits, batch_size=BATCH_SIZE)
X_test, y_test = splits["test"]
print({name: len(part[0]) for name, part in splits.items()})
print(f"{len(data['train'])} minibatches of {BATCH_SIZE} per epoch (the last partial one dropped)")

# %% [markdown]
# ## Your loop, as a LightningModule
# In lab 3 you trained with a loop (`dllab.train.fit`). Lightning asks you only for the parts
# that are about *your* model; the loop around them is its `Trainer`:
#
# | lab 3's loop | Lightning |
# | --- | --- |
# | `model = MLP(2, [20, 15, 10, 5])` | `__init__` builds `self.model` |
# | `optimizer = Adam(model.parameters(), lr=0.01)` | `configure_optimizers` returns it |
# | `for epoch in …:` and `for X_batch, y_batch in …:` | `Trainer(max_epochs=…)`, `DataLoader` |
# | `loss = loss_fn(model(X_batch), y_batch)` | `training_step` returns the loss |
# | `zero_grad()`, `loss.backward()`, `optimizer.step()` | the Trainer, with that loss |
# | `model.eval()`, `torch.no_grad()`, validation loss | `validation_step` |
# | early stopping, keeping the best weights | callbacks `EarlyStopping`, `ModelCheckpoint` |
# | `model.to(device)`, `X_batch.to(device)` | the Trainer (`accelerator=`) |
#
# The module is `SpiralMLP` in `lib/dllab/lightning/module.py` (the search workers and the DDP
# script, other processes, import it from there). Its `__init__` keeps lab 3's `MLP` as
# `self.model`, so `self(X)` returns logits, and `configure_optimizers` returns lab 3's Adam.
#
# `self.log(name, value)` hands a number to the Trainer, which averages it over the epoch,
# passes it to the logger (TensorBoard) and to callbacks such as early stopping.
#
# ### Your turn 1: the training step
# Write `training_step` as the method it is (its first argument is the module, `self`): take
# the minibatch `(X, y)`, return the mean `binary_cross_entropy_with_logits` of `self(X)` and
# `y`, and log it as `"loss/train"` per epoch (`on_step=False, on_epoch=True`). Do not call
# `backward()` or the optimizer: that is the Trainer's job.


# %%
# YOUR TURN: training_step
@your_turn
def training_step(self, batch, batch_idx):
    """batch = (X: (B, 2), y: (B, 1)) → the mean BCE-with-logits loss, a scalar tensor."""
    raise NotImplementedError  # your code here


# %%
training_step = check("training_step", training_step)


# %% [markdown]
# The model this lab trains is `SpiralMLP` with your `training_step` (or the reference one
# until yours passes):


# %%
class LabMLP(SpiralMLP):
    def training_step(self, batch, batch_idx):
        return training_step(self, batch, batch_idx)  # yours, once it passed its check


# %% [markdown]
# The rest of the module, as Lightning calls it (its own `training_step` is the answer above:
# compare after trying, see the Exercises section):

# %%
for hook in ("__init__", "forward", "validation_step", "_evaluate", "configure_optimizers"):
    print(inspect.getsource(getattr(SpiralMLP, hook)))


# %% [markdown]
# ## Train with the Trainer
# Everything around the model is configuration: the logger writes TensorBoard files into this
# run's folder, `EarlyStopping` stops when the validation loss has not improved by `MIN_DELTA`
# for `PATIENCE` epochs, and `ModelCheckpoint` saves the weights of the best epoch to disk.

# %%
torch.manual_seed(SEED)  # the same initial weights as lab 3's MLP
model = LabMLP(hidden=CONFIG, lr=LR)
# Each run of this cell gets its own folder lightning/version_N/ (logs and checkpoints).
# lightning_logger: Lightning's TensorBoardLogger, steps counted in epochs as in lab 4.
logger = lightning_logger(run, name="lightning")
checkpoint = ModelCheckpoint(filename="best-{epoch}", monitor="loss/valid", mode="min")
early_stopping = EarlyStopping("loss/valid", patience=PATIENCE, min_delta=MIN_DELTA)
trainer = L.Trainer(
    max_epochs=MAX_EPOCHS,
    accelerator=device.type,
    devices=1,
    logger=logger,
    callbacks=[early_stopping, checkpoint],
    enable_progress_bar=dllab.progress_wanted(),
    enable_model_summary=False,
)
trainer.fit(model, data["train"], data["valid"])
# stopped_epoch stays 0 unless early stopping ended the run.
if early_stopping.stopped_epoch > 0:
    print(f"stopped early after {trainer.current_epoch} epochs (of at most {MAX_EPOCHS})")
else:
    print(f"ran the maximum {trainer.current_epoch} epochs: early stopping did not trigger")
# Lightning counts epochs from 0 in file names: best-epoch=0 holds the weights after epoch 1.
best_epoch = int(Path(checkpoint.best_model_path).stem.split("=")[-1]) + 1
print(
    f"best validation loss {checkpoint.best_model_score:.4f} after epoch {best_epoch}, "
    f"in {checkpoint.best_model_path}"
)

# %% [markdown]
# The best epoch's weights are a file; loading them gives back the model as it was then, with
# its hyper-parameters (`save_hyperparameters` stored them in the checkpoint). `trainer.test`
# runs `test_step` over the test set.

# %%
best = LabMLP.load_from_checkpoint(checkpoint.best_model_path)
tested = trainer.test(best, data["test"], verbose=False)[0]
metrics = evaluate(best, X_test, y_test)
# One row in TensorBoard's HParams tab; its metrics are the last values of the run's curves,
# the test loss and accuracy (trainer.test logged them) included.
log_hparams(
    logger.experiment,
    {"hidden": str(CONFIG), "depth": len(CONFIG), "lr": LR, "batch_size": BATCH_SIZE},
)
print(f"test_step: loss {tested['loss/test']:.4f}, accuracy {tested['metrics/acc_test']:.4f}")
n_right = round(metrics["accuracy"] * len(y_test))
print(f"{n_right:,} of the {len(y_test):,} test points lie on their side of the boundary")
print(
    format_table(
        {"Lightning MLP": list(metrics.values()), "lecture (lab 3's loop)": [1.00, None, None]},
        ["accuracy", "avg precision", "ROC AUC"],
    )
)
dllab.show(
    decision_boundary(
        best, X_test, y_test, lim=LIM, title="Lightning MLP 20-15-10-5, test set", metrics=metrics
    ),
    "boundary_lightning",
    run,
)

# %% [markdown]
# The lines printed above say how training ended, which epoch the checkpoint kept (counted
# from 1; the file name counts from 0) and how many test points the best epoch gets right; the
# table puts its test accuracy beside the lecture's (lab 3's own loop, 1.00). The boundary
# shows where the model puts the two arms. Nothing about the model changed, only who runs the
# loop.
#
# ## What Lightning adds
# The `Trainer` did more than your loop, and each of these is one argument away:
# - **checkpoints**: the best epoch on disk (above), and `trainer.fit(…, ckpt_path=…)` resumes
#   an interrupted run from a checkpoint;
# - **logging**: losses and accuracy per epoch in TensorBoard, in this run's folder;
# - **devices**: `accelerator=` (here `device.type`, as `dllab.get_device()` picked it) moves
#   the model and every batch to a GPU, nothing else changes;
# - **precision**: `precision="bf16-mixed"` trains in bfloat16 where the hardware supports it;
# - **many processes**: `devices=4, strategy="ddp"` (last section), `num_nodes=2` for machines.

# %%
# The folder as it is now: re-run cells add to it (re-running the setup cell starts a new one).
for path in sorted(run.rglob("*")):
    if path.is_file():
        print(path.relative_to(run), f"{path.stat().st_size:,} bytes")

# %% [markdown]
# ## Random search by hand
# Which learning rate, width, depth and batch size? Trying combinations on a grid is the
# obvious plan. Bergstra & Bengio's argument: usually only one or two hyper-parameters matter
# much, and which ones is not known in advance. A grid of 16 points over 4 hyper-parameters
# tries only **2** values of each. 16 random points draw a new value of each hyper-parameter in
# every trial: the learning rate, continuous and here the one that matters most, gets **16**
# distinct values instead of 2, 8 times more finely explored for the same cost. Width, depth
# and batch size come from lists of 4 values, so random search tries at most those 4 of each
# (still twice the grid's 2).
#
# A learning rate is searched on a log scale: 0.0001 to 0.001 matters as much as 0.1 to 1.
# Drawing it uniformly from [0.0001, 1] would put 90 % of the draws above 0.1.
#
# ### Your turn 2: a log-uniform sampler
# Return `size` numbers whose logarithm is uniform between `log(low)` and `log(high)`, drawn
# from the numpy generator `rng` (`rng.uniform(a, b, size)`; `np.log`, `np.exp`).


# %%
# YOUR TURN: log_uniform
@your_turn
def log_uniform(low, high, size, rng):
    """size draws with log(x) ~ U(log low, log high) → numpy array (size,), float64."""
    raise NotImplementedError  # your code here


# %%
log_uniform = check("log_uniform", log_uniform)

# %% [markdown]
# The search space (`search.LR_RANGE`, `search.CHOICES`): the learning rate log-uniform in
# [0.0001, 1], width, depth and batch size from lists of 4 values. Random search draws each
# hyper-parameter of each trial independently: the learning rate with your sampler, the others
# uniformly from their lists.

# %%
print("space:", {"lr": search.LR_RANGE, **search.CHOICES})


def random_search_configs(n, seed):
    """n configurations, every hyper-parameter drawn independently."""
    rng = np.random.default_rng(seed)
    lrs = log_uniform(*search.LR_RANGE, n, rng)
    columns = {name: rng.choice(values, n) for name, values in search.CHOICES.items()}
    return [
        {"lr": float(lrs[i]), **{name: int(column[i]) for name, column in columns.items()}}
        for i in range(n)
    ]


random_configs = random_search_configs(BUDGET, SEED)

# %% [markdown]
# The grid takes k values of each hyper-parameter and tries every combination: k**4 trials, so
# the same budget of 16 allows k = 2. A careful person places the k values away from the edges,
# at the centres of k equal cells of each range: for the learning rate the centres of the two
# halves of its log range (0.001 and 0.1), for each list the entries nearest those centres
# (width 24 and 32, depth 3 and 4, batch size 32 and 64), as printed.

# %%
K = round(BUDGET ** (1 / len(search.PARAMS)))  # values per hyper-parameter: K**4 = BUDGET


def grid_search_configs(k):
    """Every combination of k values per hyper-parameter (the centres of k equal cells)."""
    centres = (np.arange(k) + 0.5) / k  # as fractions of each range
    low, high = np.log(search.LR_RANGE)
    axes = {"lr": [float(np.exp(low + c * (high - low))) for c in centres]}
    for name, values in search.CHOICES.items():
        axes[name] = [values[int(np.floor(c * (len(values) - 1) + 0.5))] for c in centres]
    return [dict(zip(axes, point, strict=True)) for point in itertools.product(*axes.values())]


grid_configs = grid_search_configs(K)


def rounded(config):
    """A configuration to print: the learning rate to 3 significant digits."""
    return {k: float(f"{v:.3g}") if k == "lr" else v for k, v in config.items()}


print("grid values:", {p: sorted({rounded(c)[p] for c in grid_configs}) for p in search.PARAMS})
for name, configs in {"random": random_configs, "grid": grid_configs}.items():
    distinct = {p: len({c[p] for c in configs}) for p in search.PARAMS}
    RESULTS[f"{name}: distinct values per hyper-parameter"] = distinct
    print(f"{name}: {len(configs)} trials; distinct values per hyper-parameter: {distinct}")

# %% [markdown]
# Each trial trains a fresh model for `SEARCH_STEPS` minibatches on a smaller spiral (1.5 turns, so
# that a few steps already separate good settings from bad), checks the validation loss 5 times on
# the way and reports the best of these checks. Every trial writes its own TensorBoard folder with
# its hyper-parameters and results.

# %%
search_data = search.search_data(SEARCH_POINTS, seed=SEED)
results = {}
for name, configs in {"random": random_configs, "grid": grid_configs}.items():
    results[name] = search.run_configs(
        configs, search_data, num_steps=SEARCH_STEPS, seed=SEED, run_dir=run / name
    )
    losses = [r["val_loss"] for r in results[name]]
    i = int(np.nanargmin(losses))
    print(f"{name}: best validation loss {losses[i]:.4f} with {rounded(configs[i])}")

# %%
strategies = {"random search": ("random", random_configs), "grid search": ("grid", grid_configs)}
by_hand = {
    label: ([c["lr"] for c in configs], [r["val_loss"] for r in results[name]])
    for label, (name, configs) in strategies.items()
}
dllab.show(
    plot_search(
        by_hand,
        title=f"Small spiral (1.5 turns): random and grid search, {SEARCH_STEPS} steps per trial",
    ),
    "random_vs_grid",
    run,
)
for label, (lrs, losses) in by_hand.items():
    i = int(np.nanargmin(losses))
    print(f"{label}: best {losses[i]:.4f} at trial {i + 1}, lr {lrs[i]:.3g}")
grid_best = np.nanmin(by_hand["grid search"][1])
random_best = np.nanmin(by_hand["random search"][1])
below = [lr for lr, loss in zip(*by_hand["random search"], strict=True) if loss < grid_best]
print(
    f"{len(below)} of {BUDGET} random trials end below the grid's best, at lr "
    + (", ".join(f"{lr:.3g}" for lr in sorted(below)) or "–")
)
print(f"the grid's best loss over the random search's best: {grid_best / random_best:.2f}")

# %% [markdown]
# On the right, the grid's 16 trials stand in two columns: it tried only lr = 0.001 and
# lr = 0.1, and spent 8 trials on each varying width, depth and batch size; where several
# trials end at the same loss their markers coincide, and a number (×3) beside a marker counts
# them. The random trials are spread over the whole range of learning rates and trace how the
# loss depends on it. The lines printed above give each search's best, the random trials that
# beat the grid's best and how many times lower the random search ended (a ratio above 1: the
# random search won). On the left, each search's best validation loss so far after each trial:
# the lead can change hands, for 16 trials are few, and with few steps per trial every trial
# stays near a guess and luck decides.
#
# ### In TensorBoard
# Each search is a view of its own: `./scripts/tensorboard.sh` with the search's folder (this
# run's folder, printed at the start, then `random` or `grid`) serves its trials, and the
# **HParams** tab shows one row per trial (`trial-00`, …) with lr, width, depth, batch size and
# the trial's best validation loss and the accuracy at that check (`loss/valid_best`,
# `metrics/acc_valid_best`). The *Parallel Coordinates* view shows which learning rates the
# low losses pass through. `./scripts/tensorboard.sh` without an argument leaves the trials out
# (it shows the newest run of each lab) and prints these folders.
#
# ## Let a library do it: Optuna
# Optuna runs the same search: it asks for each trial's hyper-parameters
# (`trial.suggest_float("lr", 1e-4, 1, log=True)`, …) and remembers every result in a
# *study*. Its `RandomSampler` draws as you did; its `TPESampler` (Tree-structured Parzen
# Estimator) starts at random and then draws more often where the good trials so far were.
# The study lives in an SQLite file in this run's folder, so it survives the kernel and can be
# shared by other processes.

# %%
storage = f"sqlite:///{run / 'optuna.db'}"


def objective(trial):
    params = search.suggest(trial)  # lr log-uniform, width, depth, batch size from the lists
    result = search.run_trial(
        params,
        search_data,
        num_steps=SEARCH_STEPS,
        seed=SEED,
        log_dir=run / trial.study.study_name / f"trial-{trial.number:02d}",
    )
    return result["val_loss"]


optuna.logging.set_verbosity(optuna.logging.WARNING)
studies = {}
for name in ("random", "tpe"):
    studies[name] = optuna.create_study(
        study_name=f"optuna-{name}",
        storage=storage,
        sampler=search.sampler(name, SEED),
        direction="minimize",
        load_if_exists=True,
    )
    # Run again, this cell resumes: it only adds the trials still missing.
    finished = studies[name].get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    studies[name].optimize(objective, n_trials=max(0, OPTUNA_TRIALS - len(finished)))
    best = studies[name].best_trial
    print(f"Optuna {name}: best validation loss {best.value:.4f} with {rounded(best.params)}")

# %%
everything = {
    **by_hand,
    **{
        f"Optuna {name}": ([t.params["lr"] for t in s.trials], [t.value for t in s.trials])
        for name, s in studies.items()
    },
}
dllab.show(
    plot_search(
        everything,
        title=f"Small spiral (1.5 turns): {len(everything)} searches, "
        f"{SEARCH_STEPS} steps per trial",
    ),
    "four_searches",
    run,
)
for label, (lrs, losses) in everything.items():
    i = int(np.nanargmin(losses))
    print(f"{label}: {len(losses)} trials, best {losses[i]:.4f} at lr {lrs[i]:.3g}")
random_trials, tpe_trials = studies["random"].trials, studies["tpe"].trials
same = next(
    (
        i
        for i, (a, b) in enumerate(zip(random_trials, tpe_trials, strict=False))
        if a.params != b.params
    ),
    min(len(random_trials), len(tpe_trials)),
)
print(f"TPE's first {same} trials are the random sampler's")

# %% [markdown]
# TPE starts at random: with the same seed its first trials (up to 5, its `n_startup_trials`)
# are exactly the random sampler's; the last line above counts them. Only the trials after
# those are guided, and a model of the loss built from a handful of trials knows little, so
# over 16 trials TPE need not beat random sampling: compare their bests above. Model-based
# samplers pay off over dozens or hundreds of trials: try the script below with `--trials 60`.

# %% [markdown]
# ### Many workers, many machines
# A study in a database can be shared: several processes each ask it for a new trial and
# report back, and none of them needs to know about the others. From a terminal:
#
# ```bash
# ./scripts/search.sh --workers 2 --trials 40 --sampler tpe
# ```
#
# starts 2 worker processes (`python -m dllab.lightning search`, code in
# `lib/dllab/lightning/workers.py`) on one SQLite study in a new run folder, until it holds
# exactly 40 finished trials. A finished trial is in the database at once, so a crashed or
# interrupted worker loses only the trial it was running; the command the script prints when it
# stops early resumes the study. Across machines, point every worker at one database server:
# `--storage postgresql://user@host/db` (see the README).
#
# ## Many processes: DistributedDataParallel
# With `strategy="ddp"` Lightning starts one process per device (GPU, or here CPU process).
# Each holds a copy of the model, takes its own share of every epoch's minibatches, and after
# each backward pass the processes average their gradients, so every copy takes the same step.
# DDP runs from a script, not inside a notebook kernel (Lightning starts the other processes by
# running the script again), so this cell calls `python -m dllab.lightning ddp` and reads its
# result.

# %%
ddp_dir = search.fresh_dir(run / "ddp")  # ddp/, or ddp-2/, … when the cell runs again
done = subprocess.run(
    [sys.executable, "-m", "dllab.lightning", "ddp", "--epochs", str(DDP_EPOCHS)]
    + ["--out", str(ddp_dir)],
    capture_output=True,
    text=True,
)
if done.returncode != 0:
    raise RuntimeError(f"the DDP script failed:\n{done.stderr[-3000:]}")
print(done.stdout.strip().splitlines()[-1])
distributed = json.loads((ddp_dir / "result.json").read_text())
RESULTS["DDP"] = distributed
for epoch in distributed["per_epoch"][:3]:
    print(epoch)
first = distributed["per_epoch"][0]
print(
    f"per process {first['per_process']} of the {distributed['train_points']} training points, "
    f"overlap {first['overlap']}, together {first['union']}; minibatches of "
    f"{distributed['batch_size_per_process']} per process, "
    f"{distributed['batch_size_per_process'] * distributed['processes']} together"
)

# %% [markdown]
# The last line counts what the epochs above show: each process saw its own share of the
# training points (the overlap is 0), together as many as one process would in whole
# minibatches, and each process used minibatches of half the size, so every averaged step is
# the same step as one process with the full minibatch, only computed in two halves.
#
# Does it learn the same? One process, the same epochs, with two seeds to see the noise:

# %%
single = {seed: ddp.train(1, epochs=DDP_EPOCHS, seed=seed) for seed in (SEED, SEED + 1)}
table = {
    f"DDP, {distributed['processes']} processes": distributed,
    **{f"1 process, seed {seed}": r for seed, r in single.items()},
}
print(
    format_table(
        {k: [r["val_loss"], r["test"]["accuracy"]] for k, r in table.items()},
        ["valid loss", "test accuracy"],
    )
)
twin, other = single[SEED], single[SEED + 1]
print(
    f"DDP against 1 process with the same seed: valid loss differs by "
    f"{abs(distributed['val_loss'] - twin['val_loss']):.3f}, test accuracy by "
    f"{abs(distributed['test']['accuracy'] - twin['test']['accuracy']):.3f}; "
    f"the two seeds differ by {abs(twin['val_loss'] - other['val_loss']):.3f} and "
    f"{abs(twin['test']['accuracy'] - other['test']['accuracy']):.3f}"
)
print(
    f"training time: DDP {distributed['seconds']:.1f} s, one process {twin['seconds']:.1f} s "
    f"(DDP {'slower' if distributed['seconds'] > twin['seconds'] else 'faster'})"
)

# %% [markdown]
# The line before last compares DDP's difference from one process with the same seed with the
# difference between two seeds, the noise of training: the order of the minibatches is the only
# difference between DDP and one process. The last line compares their training times. Each DDP
# step waits for the processes to exchange their gradients, and with a model this small that
# exchange costs about as much as the halved minibatch saves; DDP pays off when each process
# has a GPU and a large model.
#
# ## Exercises
# The two "Your turn" cells above are checked; `scripts/check.sh 6` checks them from a
# terminal. After trying, compare with `SpiralMLP.training_step` in
# `lib/dllab/lightning/module.py` and `log_uniform` in `lib/dllab/lightning/search.py`.
#
# 1. Train the Lightning MLP with `precision="bf16-mixed"`. Is the accuracy the same?
# 2. Search the learning rate alone, with width 32, depth 3 and batch size 64 fixed: a grid of
#    3 learning rates (log-spaced over `search.LR_RANGE`) against 3 from `log_uniform`, each
#    trained with `search.run_configs` as above. Which finds the lower validation loss, and
#    does the answer change with another `SEED`?
# 3. Run `./scripts/search.sh --workers 2 --trials 30`, stop it with Ctrl-C half-way, and run
#    the command it prints. How many finished trials does the study hold, and how many did the
#    second run add?
#
# ## Summary
# - A `LightningModule` holds what is yours (model, step, optimizer); the `Trainer` runs the
#   loop, and adds checkpoints, logging, devices, precision and many processes by arguments.
# - Random search beats a grid of the same size when few hyper-parameters matter: each trial
#   draws a new value of a continuous one, so the learning rate got 16 distinct values instead
#   of the grid's 2 (from lists of 4 values it can try at most those 4). Search learning rates
#   on a log scale.
# - Optuna keeps a study in a database: workers in several processes or on several machines
#   share it, crashes lose nothing finished, and TPE spends later trials where earlier ones
#   went well.
# - DDP splits each epoch's data between processes and averages their gradients: the same
#   training, spread out.

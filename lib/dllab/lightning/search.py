"""Lab 6: hyper-parameter search for the spiral MLP: its space, one trial, Optuna studies.

The search space: a log-uniform learning rate, and width, depth and batch size from short
lists. One trial trains `SpiralMLP` with Lightning for a fixed number of steps and logs its
hyper-parameters and final validation metrics to TensorBoard's HParams dashboard, one folder
per trial.

Optuna runs the same trials in a study (`optimize`); several worker processes, on one machine or
many, can share one study in a database: `python -m dllab.lightning search` (workers.py).
"""

import os
import time
import warnings
from datetime import datetime
from pathlib import Path

import numpy as np

from dllab import validate
from dllab.lightning.data import search_data  # noqa: F401  (the lab and the workers use it here)

LR_RANGE = (1e-4, 1.0)  # the learning rate is drawn log-uniformly from this range (Adam)
CHOICES = {
    "width": (16, 24, 32, 48),  # units per hidden layer
    "depth": (2, 3, 4, 5),  # hidden layers
    "batch_size": (16, 32, 64, 128),
}
PARAMS = ("lr", *CHOICES)


def log_uniform(low: float, high: float, size: int, rng) -> np.ndarray:
    """`size` draws spread evenly over the orders of magnitude between low and high.

    log(x) ~ U(log low, log high). rng: a numpy Generator. Returns float64 of shape (size,).
    """
    return np.exp(rng.uniform(np.log(low), np.log(high), size))


def run_trial(params: dict, data: dict, *, num_steps: int, seed: int, log_dir) -> dict:
    """Train SpiralMLP with `params` for num_steps minibatches on data["train"], validating
    every num_steps // 5; return the best validation loss and the accuracy at that check,
    {"val_loss", "val_acc"}, and log params and these metrics to TensorBoard in log_dir.

    The budget is counted in steps, not epochs, so every trial costs about the same whatever
    its batch size."""
    # Imported here: a search's parent process only starts workers and needs no Lightning.
    import lightning as L

    from dllab import get_device
    from dllab.lightning.module import BestValidation, SpiralMLP, loaders
    from dllab.tblog import lightning_logger

    missing = set(PARAMS) - set(params)
    if missing:
        validate.fail("params", f"a dict with {list(PARAMS)}", f"one without {sorted(missing)}")
    L.seed_everything(seed, verbose=False)  # same initial weights and order for every trial
    model = SpiralMLP(hidden=[params["width"]] * params["depth"], lr=params["lr"])
    dl = loaders(data, batch_size=params["batch_size"])
    logger = lightning_logger(log_dir, name="", version="", steps="minibatches")
    best = BestValidation()
    trainer = L.Trainer(
        max_steps=num_steps,
        val_check_interval=max(1, num_steps // 5),
        check_val_every_n_epoch=None,  # validate every val_check_interval steps, across epochs
        callbacks=[best],
        accelerator=get_device().type,
        devices=1,
        logger=logger,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
    )
    trainer.fit(model, dl["train"], dl["valid"])
    result = {"val_loss": best.loss, "val_acc": best.acc}
    # The HParams tab's metrics, named like the curves, so that Scalars shows them beside them.
    logger.log_hyperparams(
        params, {"loss/valid_best": result["val_loss"], "metrics/acc_valid_best": result["val_acc"]}
    )
    logger.finalize("success")
    return result


def fresh_dir(path) -> Path:
    """Create and return `path`, or path-2, path-3, … if it exists: runs never mix."""
    path, k = Path(path), 1
    while True:
        candidate = path if k == 1 else path.with_name(f"{path.name}-{k}")
        try:
            candidate.mkdir(parents=True)
            return candidate
        except FileExistsError:
            k += 1


def run_configs(configs: list[dict], data: dict, *, num_steps: int, seed: int, run_dir) -> list:
    """run_trial for each configuration, in order, into run_dir/trial-NN/ (run_dir-2/… when
    run_dir exists already); the results."""
    run_dir = fresh_dir(run_dir)
    results = []
    for i, params in enumerate(configs):
        results.append(
            run_trial(
                params,
                data,
                num_steps=num_steps,
                seed=seed,
                log_dir=Path(run_dir) / f"trial-{i:02d}",
            )
        )
    return results


def best_so_far(values) -> np.ndarray:
    """The running minimum of a sequence of losses (NaN, a failed trial, never counts)."""
    values = np.asarray(values, dtype=float)
    return np.fmin.accumulate(np.where(np.isnan(values), np.inf, values))


# ---------------------------------------------------------------- Optuna


def sampler(name: str, seed: int):
    """Optuna's RandomSampler or TPESampler (constant liar: workers avoid each other's
    running trials), seeded."""
    import optuna

    validate.choice("sampler", name, ("random", "tpe"))
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=5, constant_liar=True)


def storage(url: str):
    """Optuna's database storage at `url`, safe to open from several processes at once
    (dllab.lightning.storage)."""
    from dllab.lightning.storage import storage as rdb_storage

    return rdb_storage(url)


def suggest(trial) -> dict:
    """The search space in Optuna's words (the same as lab 6's random search by hand)."""
    params = {"lr": trial.suggest_float("lr", *LR_RANGE, log=True)}
    for name, values in CHOICES.items():
        params[name] = trial.suggest_categorical(name, values)
    return params


def run_until(
    study,
    objective,
    n_trials: int,
    *,
    poll: float = 0.5,
    stop=lambda: False,
    unstarted_after: float = 60,
) -> None:
    """Run trials of `study` with `objective` until it holds n_trials finished ones, never more,
    even with other workers on the same study.

    A trial counts when fewer than n_trials trials before it (by number) are finished or running;
    one that does not is ended at once as pruned (user attribute "surplus"). While the finished
    and running trials together reach n_trials, this worker waits: a running one may still fail
    (its worker killed: marked failed once its heartbeat is stale, and retried). A running trial
    that never started its objective (no user attribute "started") after `unstarted_after`
    seconds is failed too: its worker died between creating it and its first heartbeat (the
    database went away), and Optuna's heartbeat check passes over a trial without heartbeats.
    Returns early when stop() is true (checked between trials).
    """
    import optuna
    from optuna.trial import TrialState

    live = (TrialState.COMPLETE, TrialState.RUNNING)

    def fail_unstarted():
        now = datetime.now()
        for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            started = t.datetime_start or now
            if "started" not in t.user_attrs and (now - started).total_seconds() > unstarted_after:
                study.tell(t.number, state=TrialState.FAIL, skip_if_finished=True)

    def counted(trial):
        trial.set_user_attr("started", True)
        ahead = sum(t.number < trial.number for t in study.get_trials(deepcopy=False, states=live))
        if ahead >= n_trials:
            trial.set_user_attr("surplus", True)
            raise optuna.TrialPruned(f"the study has its {n_trials} trials finished or running")
        return objective(trial)

    while not stop():
        with warnings.catch_warnings():
            # Heartbeats are an "experimental" Optuna feature; the warning says nothing to act on.
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            optuna.storages.fail_stale_trials(study)
        states = [t.state for t in study.get_trials(deepcopy=False, states=live)]
        if states.count(TrialState.COMPLETE) >= n_trials:
            return
        if len(states) >= n_trials:
            fail_unstarted()
            time.sleep(poll)
            continue
        study.optimize(counted, n_trials=1)


def optimize(
    study,
    data: dict,
    *,
    n_trials: int,
    num_steps: int,
    seed: int,
    log_root,
    worker: int = 0,
) -> None:
    """Run trials in `study` until it holds n_trials finished ones (run_until); each logs to
    log_root/trial-NNN/ and records which worker (and process) ran it."""

    def objective(trial):
        trial.set_user_attr("worker", worker)
        trial.set_user_attr("pid", os.getpid())
        params = suggest(trial)
        log_dir = Path(log_root) / f"trial-{trial.number:03d}"
        result = run_trial(params, data, num_steps=num_steps, seed=seed, log_dir=log_dir)
        trial.set_user_attr("val_acc", result["val_acc"])
        return result["val_loss"]

    run_until(study, objective, n_trials)


def trials_table(study) -> list[dict]:
    """Every trial of `study` as a row: number, state, value, params, worker, search, process."""
    return [
        {
            "number": t.number,
            "state": t.state.name,
            "value": t.value,
            **t.params,
            "worker": t.user_attrs.get("worker"),
            "search": t.user_attrs.get("search"),
            "pid": t.user_attrs.get("pid"),
        }
        for t in study.get_trials(deepcopy=False)
    ]

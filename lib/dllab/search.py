"""Lab 6: hyper-parameter search for the spiral MLP, by hand (random vs grid) and with Optuna.

The search space: a log-uniform learning rate, and width, depth and batch size from short
lists. One trial trains `SpiralMLP` with Lightning for a fixed number of steps and logs its
hyper-parameters and final validation metrics to TensorBoard's HParams dashboard, one folder
per trial.

As a script, several worker processes share one Optuna study stored in a database:
    python -m dllab.search --workers 2 --trials 40 --sampler tpe
    python -m dllab.search --storage postgresql://user:pw@host/db --study spiral --workers 4
A study in SQLite lives in the run folder (study.db); running the same command with the same
--run-dir (or --storage and --study) again resumes it: finished trials are kept, and the
workers run only the trials still missing.
"""

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

LR_RANGE = (1e-4, 1.0)  # the learning rate is drawn log-uniformly from this range (Adam)
CHOICES = {
    "width": (16, 24, 32, 48),  # units per hidden layer
    "depth": (2, 3, 4, 5),  # hidden layers
    "batch_size": (16, 32, 64, 128),
}
PARAMS = ("lr", *CHOICES)
LAB = "06_lightning_search"


def log_uniform(low: float, high: float, size: int, rng) -> np.ndarray:
    """`size` draws spread evenly over the orders of magnitude between low and high.

    log(x) ~ U(log low, log high). rng: a numpy Generator. Returns float64 of shape (size,).
    """
    return np.exp(rng.uniform(np.log(low), np.log(high), size))


def random_configs(n: int, *, seed: int, log_uniform=log_uniform) -> list[dict]:
    """n configurations drawn independently: lr log-uniform, the others uniform from CHOICES."""
    _check_budget(n)
    rng = np.random.default_rng(seed)
    lrs = log_uniform(*LR_RANGE, n, rng)
    columns = {name: rng.choice(values, n) for name, values in CHOICES.items()}
    return [
        {"lr": float(lr), **{name: int(col[i]) for name, col in columns.items()}}
        for i, lr in enumerate(lrs)
    ]


def grid_configs(n: int) -> list[dict]:
    """The full grid with k values per parameter where k**4 = n (n = 1, 16, 81, …).

    Every parameter takes the centres of k equal cells of its range, as a careful person
    would place them (away from the edges): the learning rate on a log scale, the others
    along their list (the nearest entry).
    """
    _check_budget(n)
    k = round(n ** (1 / len(PARAMS)))
    if k ** len(PARAMS) != n:
        allowed = ", ".join(str(j ** len(PARAMS)) for j in range(1, 5))
        raise ValueError(
            f"a grid over {len(PARAMS)} parameters has k**{len(PARAMS)} points; "
            f"n={n} is not one of them (allowed: {allowed}, …)"
        )
    low, high = np.log(LR_RANGE[0]), np.log(LR_RANGE[1])
    centres = (np.arange(k) + 0.5) / k  # as fractions of each range
    axes = {"lr": [float(np.exp(low + c * (high - low))) for c in centres]}
    for name, values in CHOICES.items():
        axes[name] = [values[int(np.floor(c * (len(values) - 1) + 0.5))] for c in centres]
    return [dict(zip(axes, point, strict=True)) for point in itertools.product(*axes.values())]


def _check_budget(n) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"the number of trials must be a positive int, got {n!r}")


def search_data(n_per_class: int, *, n_loops: float = 1.5, seed: int) -> dict:
    """A smaller spiral for the search (1.5 turns by default, so that a trial of a few hundred steps
    already tells good settings from bad): {"train", "valid", "test"}, a quarter each for
    validation and test."""
    from dllab.data import spiral, split

    X, y = spiral(n_per_class, n_loops=n_loops, seed=seed)
    n_held = len(X) // 4
    return split(X, y, n_test=n_held, n_valid=n_held, seed=seed)


def run_trial(params: dict, data: dict, *, num_steps: int, seed: int, log_dir) -> dict:
    """Train SpiralMLP with `params` for num_steps minibatches on data["train"], validating
    every num_steps // 5; return the best validation loss and the accuracy at that check,
    {"val_loss", "val_acc"}, and log params and these metrics to TensorBoard in log_dir.

    The budget is counted in steps, not epochs, so every trial costs about the same whatever
    its batch size."""
    # Imported here: a search's parent process only starts workers and needs no Lightning.
    import lightning as L

    from dllab import get_device
    from dllab.lightning_mlp import BestValidation, SpiralMLP, loaders
    from dllab.tblog import lightning_logger

    missing = set(PARAMS) - set(params)
    if missing:
        raise ValueError(f"params lacks {sorted(missing)}; a trial needs {list(PARAMS)}")
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

    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=5, constant_liar=True)
    raise ValueError(f"sampler {name!r} is unknown; allowed: 'random', 'tpe'")


def storage(url: str):
    """Optuna's database storage at `url`; a worker that stops sending heartbeats (killed) has
    its running trial marked failed and retried once by the next worker."""
    import optuna
    from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with warnings.catch_warnings():
        # Heartbeats are an "experimental" Optuna feature; the warning says nothing to act on.
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return RDBStorage(
            url,
            heartbeat_interval=2,
            grace_period=10,
            heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=1),
        )


def suggest(trial) -> dict:
    """The search space in Optuna's words (the same as random_configs')."""
    params = {"lr": trial.suggest_float("lr", *LR_RANGE, log=True)}
    for name, values in CHOICES.items():
        params[name] = trial.suggest_categorical(name, values)
    return params


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
    """Run trials in `study` until it holds n_trials finished ones; each logs to
    log_root/trial-NNN/ and records which worker (and process) ran it."""
    import optuna
    from optuna.study import MaxTrialsCallback
    from optuna.trial import TrialState

    def objective(trial):
        trial.set_user_attr("worker", worker)
        trial.set_user_attr("pid", os.getpid())
        params = suggest(trial)
        log_dir = Path(log_root) / f"trial-{trial.number:03d}"
        result = run_trial(params, data, num_steps=num_steps, seed=seed, log_dir=log_dir)
        trial.set_user_attr("val_acc", result["val_acc"])
        return result["val_loss"]

    done = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
    if done >= n_trials:
        return
    with warnings.catch_warnings():
        # Heartbeats are an "experimental" Optuna feature; the warning says nothing to act on.
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.optimize(
            objective,
            callbacks=[MaxTrialsCallback(n_trials, states=(TrialState.COMPLETE,))],
        )


def trials_table(study) -> list[dict]:
    """Every trial of `study` as a row: number, state, value, params, worker."""
    return [
        {
            "number": t.number,
            "state": t.state.name,
            "value": t.value,
            **t.params,
            "worker": t.user_attrs.get("worker"),
            "pid": t.user_attrs.get("pid"),
        }
        for t in study.get_trials(deepcopy=False)
    ]


# ---------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m dllab.search",
        description="Hyper-parameter search for lab 6's spiral MLP with Optuna, "
        "in one or several worker processes that share one study.",
    )
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--trials", type=int, default=20, help="finished trials the study should hold")
    p.add_argument("--sampler", default="tpe", help="random or tpe (default tpe)")
    p.add_argument(
        "--storage",
        help="database URL shared by the workers (default: sqlite:///<run dir>/study.db); "
        "e.g. postgresql://user:password@host:5432/db for workers on several machines",
    )
    p.add_argument("--study", default="spiral", help="study name (default spiral)")
    p.add_argument(
        "--run-dir",
        help="folder for the study's TensorBoard logs and summary (default: a new run folder "
        "under runs/06_lightning_search/); the same folder again resumes a SQLite study",
    )
    p.add_argument("--seed", type=int, default=1234, help="data, initial weights and sampler")
    p.add_argument("--points", type=int, default=1000, help="spiral points per class")
    p.add_argument("--loops", type=float, default=1.5, help="turns of each spiral arm")
    p.add_argument("--steps", type=int, default=100, help="training steps (minibatches) per trial")
    p.add_argument("--worker", type=int, help=argparse.SUPPRESS)  # set for the worker processes
    return p


def _validate(p, args) -> None:
    for name in ("workers", "trials", "points", "steps"):
        value = getattr(args, name)
        if value < 1:
            p.error(f"--{name} must be a positive integer, got {value}")
    if args.sampler not in ("random", "tpe"):
        p.error(f"--sampler {args.sampler!r} is unknown; allowed: random, tpe")


def _worker(args) -> None:
    import optuna

    study = optuna.create_study(
        study_name=args.study,
        storage=storage(args.storage),
        sampler=sampler(args.sampler, args.seed + args.worker),  # workers draw differently
        direction="minimize",
        load_if_exists=True,
    )
    data = search_data(args.points, n_loops=args.loops, seed=args.seed)
    optimize(
        study,
        data,
        n_trials=args.trials,
        num_steps=args.steps,
        seed=args.seed,
        log_root=Path(args.run_dir) / args.study,
        worker=args.worker,
    )


def main(argv=None) -> int:
    p = _parser()
    args = p.parse_args(argv)
    _validate(p, args)
    if args.worker is not None:
        _worker(args)
        return 0

    from dllab.session import new_run_dir

    if args.run_dir:
        run_dir = Path(args.run_dir).resolve()
        run_dir.mkdir(parents=True, exist_ok=True)
    else:
        run_dir = new_run_dir(LAB, "search")
    url = args.storage or f"sqlite:///{run_dir / 'study.db'}"
    import optuna

    # Created once here, so that workers starting together do not race to create it.
    optuna.create_study(
        study_name=args.study, storage=storage(url), direction="minimize", load_if_exists=True
    )
    print(f"search: study '{args.study}' in {url}; {args.workers} worker(s); logs in {run_dir}")
    common = [sys.executable, "-m", "dllab.search", "--storage", url, "--run-dir", str(run_dir)]
    for name in ("trials", "sampler", "study", "seed", "points", "loops", "steps"):
        common += [f"--{name}", str(getattr(args, name))]
    start = time.perf_counter()
    workers = [subprocess.Popen([*common, "--worker", str(i)]) for i in range(args.workers)]
    codes = [w.wait() for w in workers]
    study = optuna.load_study(study_name=args.study, storage=storage(url))
    rows = trials_table(study)
    complete = [r for r in rows if r["state"] == "COMPLETE"]
    summary = {
        "storage": url,
        "study": args.study,
        "workers": args.workers,
        "exit_codes": codes,
        "seconds": time.perf_counter() - start,
        "complete": len(complete),
        "trials_per_worker": {
            str(w): sum(r["worker"] == w for r in complete) for w in range(args.workers)
        },
        "best": None if not complete else {"value": study.best_value, **study.best_params},
        "trials": rows,
    }
    (run_dir / f"summary-{args.study}.json").write_text(json.dumps(summary, indent=1))
    print(f"search: {len(complete)} finished trials, per worker {summary['trials_per_worker']}")
    if summary["best"]:
        best = summary["best"]
        print(
            f"search: best validation loss {best['value']:.4f} with "
            + f"lr={best['lr']:.3g}, "
            + ", ".join(f"{k}={best[k]}" for k in CHOICES)
        )
    failed = [i for i, c in enumerate(codes) if c != 0]
    if failed:
        print(
            f"search: worker(s) {failed} stopped with exit codes {[codes[i] for i in failed]}; "
            "their finished trials are in the study; run the same command again to resume",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

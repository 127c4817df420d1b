"""Lab 6's search from a terminal: one parent process starts N worker processes that share one
Optuna study in a database (`python -m dllab.lightning search`, or scripts/search.sh).

    python -m dllab.lightning search --workers 2 --trials 40 --sampler tpe
    python -m dllab.lightning search --run-dir runs/06_lightning_search/search-<time>   # resume
    python -m dllab.lightning search --storage postgresql://lab@db:5432/optuna --workers 4

The parent checks every argument and opens the study before any worker starts; it hands the
storage URL to the workers through the environment (never on a command line), stops them when it
is interrupted or terminated (they also stop if it is killed), and writes a new summary file per
invocation, atomically. A finished trial is in the database at once: a stopped worker, a killed
parent or a database that goes away loses only the trials that were running.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

from dllab import validate
from dllab.lightning import storage as st

LAB = "06_lightning_search"
SAMPLERS = ("random", "tpe")
BATCH_SIZES = (16, 32, 64, 128)  # search.CHOICES["batch_size"], without importing numpy here
STUDY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
SETTINGS = ("steps", "points", "loops", "seed", "sampler")  # what a study's trials depend on
STOP_WAIT = 30  # seconds the parent gives stopping workers before it kills them
POLL = 1  # seconds between the parent's looks at the study


class Stopped(BaseException):
    """Raised in a worker by SIGTERM/SIGINT, or when its parent is gone."""


class TrialStopped(Exception):
    """A trial cut short by Stopped: an Exception, so that Optuna records the trial as failed."""


# ---------------------------------------------------------------- arguments


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=os.environ.get("DLLAB_PROG", "python -m dllab.lightning search"),
        description="Hyper-parameter search for lab 6's spiral MLP with Optuna, "
        "in one or several worker processes that share one study.",
    )
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--trials", type=int, default=20, help="finished trials the study should hold")
    p.add_argument("--sampler", default="tpe", help="random or tpe (default tpe)")
    p.add_argument(
        "--storage",
        help="database URL shared by all workers (default: sqlite:///<run dir>/study.db), e.g. "
        "postgresql://lab@db:5432/optuna for workers on several machines (give the password "
        "in ~/.pgpass or $PGPASSWORD, not in the URL)",
    )
    p.add_argument("--study", default="spiral", help="study name (default spiral)")
    p.add_argument(
        "--run-dir",
        help="an existing folder of an earlier search, to resume it (its study.db) and add its "
        "logs and a new summary; default: a new folder runs/06_lightning_search/search-<time>/",
    )
    p.add_argument("--new", action="store_true", help="create --run-dir for a new search")
    p.add_argument("--seed", type=int, default=1234, help="data, initial weights and sampler")
    p.add_argument("--points", type=int, default=1000, help="spiral points per class")
    p.add_argument("--loops", type=float, default=1.5, help="turns of each spiral arm")
    p.add_argument("--steps", type=int, default=100, help="training steps (minibatches) per trial")
    p.add_argument("--worker", type=int, help=argparse.SUPPRESS)  # set for the worker processes
    p.add_argument("--search-id", help=argparse.SUPPRESS)  # which search a worker belongs to
    return p


def check_arguments(args) -> None:
    """Every argument, before anything starts: a ValueError or TypeError naming the value and
    what is allowed."""
    from dllab.lightning.data import split_sizes

    for name in ("workers", "trials", "steps", "points"):
        validate.integer(f"--{name}", getattr(args, name))
    if args.workers > 256:
        validate.fail("--workers", "at most 256", str(args.workers))
    validate.number("--loops", args.loops, positive=True)
    validate.seed("--seed", args.seed)
    if args.seed + args.workers > 2**32:
        validate.fail("--seed", f"below 2**32 - --workers = {2**32 - args.workers}", args.seed)
    if args.sampler not in SAMPLERS:
        validate.fail("--sampler", "random or tpe", repr(args.sampler))
    sizes = split_sizes(args.points)
    if sizes["train"] < max(BATCH_SIZES):
        validate.fail(
            "--points",
            f"at least {max(BATCH_SIZES)} (half the 2 × --points points train, and a trial may "
            f"draw batch size {max(BATCH_SIZES)})",
            str(args.points),
        )
    if not STUDY_NAME.fullmatch(args.study):
        validate.fail(
            "--study",
            "a plain name of letters, digits, '_', '.' and '-' (at most 64, not starting with "
            "'.' or '-')",
            repr(args.study),
        )
    if args.storage is not None:
        st.check_url(args.storage)
    if args.new and not args.run_dir:
        validate.fail(
            "--new",
            "given with --run-dir DIR (without --run-dir every search makes a new folder)",
            "--new alone",
        )


def settings(args) -> dict:
    return {name: getattr(args, name) for name in SETTINGS}


# ---------------------------------------------------------------- worker


_WORKER = {"stop": None, "in_trial": False}


def _stop(signum, frame):
    """Stop at once inside a trial's training; elsewhere (asking the study for a trial, reporting
    one) only note it, so that the study is never left with a half-recorded trial."""
    _WORKER["stop"] = _WORKER["stop"] or signal.Signals(signum).name
    if _WORKER["in_trial"]:
        _WORKER["in_trial"] = False
        raise Stopped(_WORKER["stop"])


def _watch_parent(parent: int) -> None:
    """Stop this worker when its parent is gone (killed with SIGKILL, it cannot stop us)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)


def _quiet_thread_errors(hook):
    """Optuna's heartbeat thread dies with a traceback when the database goes away; the main
    thread reports that in one line, so the thread's storage errors are not printed."""

    def excepthook(info):
        if not st.is_storage_error(info.exc_value):
            hook(info)

    return excepthook


def worker(args) -> int:
    import optuna

    from dllab.lightning import search

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    threading.excepthook = _quiet_thread_errors(threading.excepthook)
    # Optuna logs every failed trial with a traceback; this worker names the cause in one line.
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    url = st.from_environment()
    name = f"search: worker {args.worker}"
    try:
        study = st.open_study(
            url, args.study, sampler=search.sampler(args.sampler, args.seed + args.worker)
        )
        data = search.search_data(args.points, n_loops=args.loops, seed=args.seed)
        log_root = Path(args.run_dir) / args.study

        def objective(trial):
            trial.set_user_attr("worker", args.worker)
            trial.set_user_attr("search", args.search_id)
            trial.set_user_attr("pid", os.getpid())
            params = search.suggest(trial)
            # Imported here: a worker that finds the study finished trains nothing.
            import torch

            torch.set_num_threads(1)  # the workers share the cores; tiny layers gain nothing
            try:
                _WORKER["in_trial"] = True
                if _WORKER["stop"]:
                    raise Stopped(_WORKER["stop"])
                result = search.run_trial(
                    params,
                    data,
                    num_steps=args.steps,
                    seed=args.seed,
                    log_dir=log_root / f"trial-{trial.number:03d}",
                )
            except Stopped as stop:
                raise TrialStopped(f"stopped by {stop}") from stop
            finally:
                _WORKER["in_trial"] = False
            trial.set_user_attr("val_acc", result["val_acc"])
            return result["val_loss"]

        search.run_until(study, objective, args.trials, stop=lambda: _WORKER["stop"])
        if _WORKER["stop"]:
            raise Stopped(_WORKER["stop"])
    except (Stopped, TrialStopped) as stop:
        print(f"{name} stopped ({stop}); its running trial, if any, is marked failed", flush=True)
        return 128 + signal.SIGTERM
    except Exception as error:
        if not st.is_storage_error(error):
            raise
        print(
            f"{name} stopped: the storage {st.masked(url)} failed: {st.first_line(error)}",
            file=sys.stderr,
            flush=True,
        )
        return 3
    return 0


# ---------------------------------------------------------------- parent


def write_summary(run_dir: Path, study: str, summary: dict, started: datetime) -> Path:
    """Write summary as run_dir/summary-<study>-<time>.json, a new file per invocation (-2, -3, …
    if taken), atomically: the file appears complete or not at all, and no earlier one changes."""
    base = f"summary-{study}-{started:%Y%m%d-%H%M%S}"
    fd, tmp = tempfile.mkstemp(prefix=f".{base}.", suffix=".tmp", dir=run_dir)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(summary, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        k = 1
        while True:
            path = run_dir / (f"{base}.json" if k == 1 else f"{base}-{k}.json")
            try:
                os.link(tmp, path)  # fails if the name is taken: never replaces a summary
                return path
            except FileExistsError:
                k += 1
    finally:
        os.unlink(tmp)


def resume_command(args, run_dir: Path) -> str:
    """The command that resumes this search (the storage's password shown as ***)."""
    words = shlex.split(os.environ.get("DLLAB_PROG", "python -m dllab.lightning search"))
    words += ["--workers", str(args.workers), "--trials", str(args.trials)]
    words += ["--study", args.study, "--run-dir", str(run_dir)]
    if args.storage:
        words += ["--storage", st.masked(args.storage)]
    for name in SETTINGS:
        words += [f"--{name}", str(getattr(args, name))]
    return shlex.join(words)


def _prepare_run_dir(args) -> tuple[Path, bool]:
    """(the run folder, whether this invocation created it), checked before anything starts."""
    from dllab.session import new_run_dir

    if not args.run_dir:
        return new_run_dir(LAB, "search"), True
    run_dir = Path(args.run_dir).expanduser().resolve()
    if args.new:
        if run_dir.exists() and (not run_dir.is_dir() or any(run_dir.iterdir())):
            validate.fail(
                "--run-dir with --new",
                "a folder that does not exist yet (or is empty)",
                f"{str(run_dir)!r}, which exists",
                hint="drop --new to resume the search there",
            )
        created = not run_dir.exists()
        run_dir.mkdir(parents=True, exist_ok=True)
        return run_dir, created
    if not run_dir.is_dir():
        validate.fail(
            "--run-dir",
            "the folder of an earlier search",
            f"{str(run_dir)!r}, which does not exist",
            hint="add --new to start a new search there",
        )
    if not args.storage and not (run_dir / "study.db").exists():
        validate.fail(
            "--run-dir",
            "the folder of an earlier search (with its study.db)",
            f"{str(run_dir)!r}, which holds no study.db",
            hint="add --new to start one there",
        )
    return run_dir, False


def parent(args) -> int:
    import optuna

    from dllab.lightning import search

    optuna.logging.set_verbosity(optuna.logging.WARNING)

    started = datetime.now()
    try:
        if args.storage:  # opened before any folder is made: a bad URL leaves nothing behind
            study = st.open_study(args.storage, args.study, settings(args))
        run_dir, created = _prepare_run_dir(args)
    except (ValueError, TypeError) as error:
        print(f"search: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        if not st.is_storage_error(error):
            raise
        print(
            f"search: cannot open the storage {st.masked(args.storage)}: {st.first_line(error)}",
            file=sys.stderr,
        )
        return 2
    url = args.storage or f"sqlite:///{run_dir / 'study.db'}"
    if not args.storage:
        try:
            study = st.open_study(url, args.study, settings(args))
        except (ValueError, TypeError) as error:
            print(f"search: {error}", file=sys.stderr)
            return 2
        except BaseException:
            if created:
                shutil.rmtree(run_dir, ignore_errors=True)
            raise

    print(
        f"search: study '{args.study}' in {st.masked(url)}; {args.workers} worker(s); "
        f"logs in {run_dir}",
        flush=True,
    )
    stop = {"signal": None}

    def on_signal(signum, frame):
        stop["signal"] = stop["signal"] or signal.Signals(signum).name

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    search_id = f"{socket.gethostname()}:{os.getpid()}:{started:%Y%m%d-%H%M%S}"
    command = [sys.executable, "-m", "dllab.lightning", "search", "--run-dir", str(run_dir)]
    command += ["--search-id", search_id]
    for name in ("trials", "study", *SETTINGS):
        command += [f"--{name}", str(getattr(args, name))]
    env = {**os.environ, st.ENV: url}
    start = time.perf_counter()
    workers = [
        subprocess.Popen([*command, "--worker", str(i)], env=env) for i in range(args.workers)
    ]
    rows, storage_error, stop_sent, shown = None, None, None, None
    while any(w.poll() is None for w in workers):
        if stop["signal"] and stop_sent is None:
            stop_sent = time.monotonic()
            for w in workers:
                if w.poll() is None:
                    w.send_signal(signal.SIGTERM)
        if stop_sent is not None and time.monotonic() - stop_sent > STOP_WAIT:
            for w in workers:
                w.kill()
        rows, storage_error = _look(study, rows, storage_error)
        shown = _progress(rows, args.trials, shown)
        _sleep_until_one_exits(workers, POLL)
    codes = [w.wait() for w in workers]
    rows, storage_error = _look(study, rows, storage_error)
    complete = [r for r in rows or [] if r["state"] == "COMPLETE"]
    mine = [r for r in complete if r["search"] == search_id]
    best = min(complete, key=lambda r: r["value"], default=None)
    summary = {
        "storage": st.masked(url),
        "study": args.study,
        "settings": settings(args),
        "trials_wanted": args.trials,
        "workers": args.workers,
        "exit_codes": codes,
        "stopped_by": stop["signal"],
        "storage_error": storage_error,
        "seconds": time.perf_counter() - start,
        "search_id": search_id,
        "complete": len(complete),
        "trials_per_worker": {  # this search's workers (other searches may share the study)
            str(w): sum(r["worker"] == w for r in mine) for w in range(args.workers)
        },
        "best": best and {"value": best["value"], **{k: best[k] for k in search.PARAMS}},
        "trials": rows,
    }
    try:
        path = write_summary(run_dir, args.study, summary, started)
        wrote = f"summary in {path}"
    except OSError as error:
        wrote = f"could not write the summary into {run_dir}: {error.strerror or error}"
    as_of = " (as last seen)" if storage_error else ""
    print(
        f"search: {len(complete)} finished trials in the study{as_of}, {len(mine)} of them by "
        f"this search's workers {summary['trials_per_worker']}; {wrote}",
        flush=True,
    )
    if best:
        print(
            f"search: best validation loss {best['value']:.4f} with lr={best['lr']:.3g}, "
            + ", ".join(f"{k}={best[k]}" for k in search.CHOICES)
        )
    problem = None
    if stop["signal"]:
        problem = f"stopped by {stop['signal']}"
    elif storage_error and (any(codes) or len(complete) < args.trials):
        problem = f"the storage {st.masked(url)} failed: {storage_error}"
    elif any(codes):
        problem = f"worker exit codes {codes}"
    elif "could not" in wrote:
        problem = wrote
    if problem is None and len(complete) >= args.trials:
        return 0
    print(
        f"search: {problem or 'the study is not complete'}; finished trials are kept in the "
        f"study. To resume{' (once the storage is reachable)' if storage_error else ''}:\n"
        f"  {resume_command(args, run_dir)}",
        file=sys.stderr,
        flush=True,
    )
    if stop["signal"]:
        return 128 + signal.Signals[stop["signal"]].value
    return 1


def _progress(rows, wanted: int, shown):
    """Print a line when the number of finished trials changed since `shown`; the number."""
    values = [r["value"] for r in rows or [] if r["state"] == "COMPLETE"]
    if rows is not None and len(values) != shown:
        best = f"; best validation loss so far {min(values):.4f}" if values else ""
        print(f"search: {len(values)} of {wanted} trials finished{best}", flush=True)
    return len(values) if rows is not None else shown


def _look(study, rows, error):
    """(the study's trials as rows, None), or the last rows seen and the storage's error."""
    from dllab.lightning import search

    try:
        return search.trials_table(study), None
    except Exception as e:
        if not st.is_storage_error(e):
            raise
        return rows, st.first_line(e)


def _sleep_until_one_exits(workers, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and all(w.poll() is None for w in workers):
        time.sleep(0.1)


def main(argv=None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.worker is not None:
        return worker(args)
    try:
        check_arguments(args)
    except (ValueError, TypeError) as error:
        p.error(str(error))
    return parent(args)

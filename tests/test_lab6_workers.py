"""Lab 6's search script: worker processes sharing one Optuna study (SQLite and PostgreSQL),
a killed worker loses no finished trial, and the same command resumes the study."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from postgres import PostgresServer

from dllab.lightning import search

REPO = Path(__file__).resolve().parents[1]
# Tiny trials: 300 training points (every batch size fits), a few steps each.
TINY = ["--points", "300", "--steps", "4", "--seed", "3"]


def search_command(*args):
    return [sys.executable, "-m", "dllab.lightning.search", *TINY, *map(str, args)]


def finished(url, study="spiral"):
    """{trial number: (params, value)} of the finished trials of a study."""
    try:
        loaded = optuna.load_study(study_name=study, storage=search.storage(url))
    except KeyError:  # not created yet
        return {}
    return {
        t.number: (t.params, t.value)
        for t in loaded.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "0"], "--workers must be a positive integer, got 0"),
        (["--sampler", "grid"], "--sampler 'grid' is unknown; allowed: random, tpe"),
    ],
)
def test_bad_arguments_are_named(args, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        search.main([*args, "--run-dir", str(tmp_path)])
    assert stop.value.code == 2 and message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # nothing created


def test_killed_worker_loses_no_finished_trial_and_the_same_command_resumes(tmp_path):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    command = search_command("--workers", "1", "--trials", "6", "--run-dir", tmp_path)
    first = subprocess.Popen(
        command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 240
    while len(finished(url)) < 2 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(first.pid, signal.SIGKILL)  # the parent and its worker, mid-search
    first.wait()
    before = finished(url)
    assert 2 <= len(before) < 6, "the search should have been killed half-way"

    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    after = finished(url)
    assert len(after) >= 6
    assert all(after[number] == before[number] for number in before)  # nothing lost or redone
    assert "finished trials" in done.stdout and (tmp_path / "summary-spiral.json").exists()


# ---------------------------------------------------------------- PostgreSQL on loopback


@pytest.fixture
def postgres_url():
    """A real PostgreSQL server on 127.0.0.1 (tests/postgres.py), in the README's URL spelling."""
    with PostgresServer() as server:
        yield server.url


def test_two_workers_share_one_study_on_postgresql(postgres_url, tmp_path):
    done = subprocess.run(
        search_command(
            "--workers", "2", "--trials", "8", "--storage", postgres_url, "--run-dir", tmp_path
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    study = optuna.load_study(study_name="spiral", storage=search.storage(postgres_url))
    complete = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    assert len(complete) >= 8
    assert {t.user_attrs["worker"] for t in complete} == {0, 1}  # both wrote into one study
    assert len({t.user_attrs["pid"] for t in complete}) == 2

"""Lab 6's search script: its arguments checked before anything starts, and worker processes
on two machines sharing one Optuna study in PostgreSQL. (A killed worker, which loses no
finished trial, and the command that resumes the study: tests/test_lab6_faults.py.)"""

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import optuna
import psutil
import pytest
from postgres import PostgresServer, free_port

from dllab.lightning import search, workers
from dllab.lightning import storage as st

REPO = Path(__file__).resolve().parents[1]
# Tiny trials: 300 training points (every batch size fits), a few steps each.
TINY = ["--points", "300", "--steps", "4", "--seed", "3"]


def search_command(*args):
    return [sys.executable, "-m", "dllab.lightning", "search", *TINY, *map(str, args)]


_STORAGES = {}  # url: the storage the test reads it through, opened once (polls are cheap)


def trials(url, study="spiral"):
    """The trials of a study ([] before it exists)."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return []  # not created yet (opening it would create the file)
    if url not in _STORAGES:
        _STORAGES[url] = search.storage(url)
    try:
        return optuna.load_study(study_name=study, storage=_STORAGES[url]).get_trials()
    except KeyError:  # not created yet
        return []


def finished(url, study="spiral"):
    """{trial number: (params, value)} of the finished trials of a study."""
    complete = optuna.trial.TrialState.COMPLETE
    return {t.number: (t.params, t.value) for t in trials(url, study) if t.state == complete}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "0"], "--workers must be a positive int, got 0"),
        (["--sampler", "grid"], "--sampler must be random or tpe, got 'grid'"),
        (["--loops", "-1"], "--loops must be a finite number > 0, got -1.0"),
        (["--seed", "-1"], "--seed must be an int in [0, 2**32), got -1"),
        (["--points", "1"], "--points must be at least 128"),
        (["--points", "100"], "--points must be at least 128"),
        (["--study", "a/b"], "--study must be a plain name"),
        (["--study", "../../../x"], "--study must be a plain name"),
        (["--study", ""], "--study must be a plain name"),
        (["--storage", "nonsense"], "--storage must be a database URL"),
        (["--storage", "redis://host/0"], "--storage must be a URL like sqlite:///"),
        (
            ["--storage", "sqlite:////nonexistent-dllab/x/study.db"],
            "the folder '/nonexistent-dllab/x' does not exist",
        ),
    ],
)
def test_bad_arguments_are_named_before_anything_starts(args, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        workers.main([*args, "--run-dir", str(tmp_path / "new"), "--new"])
    assert stop.value.code == 2 and message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # nothing created


def test_new_without_a_run_dir_says_what_was_given(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        workers.main([*TINY, "--new"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "--new must be given with --run-dir DIR" in err and err.rstrip().endswith(
        "got --new alone"
    )
    assert not list(tmp_path.iterdir())


def test_the_command_line_names_its_subcommands(capsys):
    from dllab.lightning.__main__ import main

    assert main(["serach"]) == 2
    assert "must be one of search, ddp, got 'serach'" in capsys.readouterr().err


def test_run_dir_must_exist_unless_new_and_settings_must_match(tmp_path, capsys):
    missing = tmp_path / "typo"
    assert workers.main([*TINY, "--run-dir", str(missing)]) == 2
    assert "which does not exist; add --new" in capsys.readouterr().err
    assert not missing.exists()
    url = f"sqlite:///{tmp_path / 'study.db'}"
    st.open_study(
        url, "spiral", {"steps": 4, "points": 300, "loops": 1.5, "seed": 3, "sampler": "tpe"}
    )
    assert (
        workers.main(["--steps", "5", "--points", "300", "--seed", "3", "--run-dir", str(tmp_path)])
        == 2
    )
    err = capsys.readouterr().err
    assert "was started with --steps 4 (this command: 5)" in err
    assert not list(tmp_path.glob("summary-*"))


def test_bad_storage_gives_one_line_and_leaves_no_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = f"postgresql://lab:secret@127.0.0.1:{free_port()}/optuna"  # nothing listens there
    assert workers.main([*TINY, "--storage", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("search: cannot open the storage postgresql://lab:***@127.0.0.1")
    assert len(err.strip().splitlines()) == 1 and "secret" not in err
    assert not (tmp_path / "runs").exists()


# ---------------------------------------------------------------- PostgreSQL on loopback


def test_two_machines_share_one_postgresql_study_with_a_password(tmp_path, capsys):
    """The README's across-machines recipe on loopback: two search.sh started at the same moment
    on one new study, one with the password in $PGPASSWORD (the README's URL), one with it in
    the URL; the server checks passwords (scram-sha-256)."""
    with PostgresServer(passwords=True) as server:
        server.execute("CREATE ROLE lab LOGIN PASSWORD 'secret'")
        server.execute("CREATE DATABASE optuna OWNER lab")
        readme_url = f"postgresql://lab@127.0.0.1:{server.port}/optuna"
        with_password = f"postgresql://lab:secret@127.0.0.1:{server.port}/optuna"
        wrong_password = with_password.replace("secret", "wrong")
        assert workers.main([*TINY, "--storage", wrong_password]) == 2
        out, err = capsys.readouterr()
        assert "password authentication failed" in err
        assert "wrong" not in out + err and not (tmp_path / "runs").exists()  # $LAB_RUNS_DIR

        script = REPO / "scripts" / "search.sh"
        common = ["--workers", "1", "--trials", "6", *TINY]
        machines = [
            subprocess.Popen(
                [script, *common, "--storage", url, "--run-dir", tmp_path / name, "--new"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, **env},
            )
            for name, url, env in [
                ("a", readme_url, {"PGPASSWORD": "secret"}),
                ("b", with_password, {}),
            ]
        ]
        command_lines = []
        while any(m.poll() is None for m in machines):
            for m in machines:
                with contextlib.suppress(psutil.Error):
                    for p in psutil.Process(m.pid).children(recursive=True):
                        # A subshell bash forks (e.g. for `$(dirname ...)`) shows search.sh's
                        # own command line, which is the one the user typed: only the
                        # processes the search starts must not carry the password.
                        if str(script) not in p.cmdline():
                            command_lines.append(" ".join(p.cmdline()))
            time.sleep(0.5)
        outputs = [m.communicate(timeout=300) for m in machines]
        for m, (out, err) in zip(machines, outputs, strict=True):
            assert m.returncode == 0, out + err
            assert "secret" not in out + err
        assert command_lines and not any("secret" in line for line in command_lines)
        study = optuna.load_study(study_name="spiral", storage=search.storage(with_password))
        complete = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    assert len(complete) == 6  # exactly --trials, although two machines finish trials together
    assert len({t.user_attrs["pid"] for t in complete}) == 2  # both machines added trials
    shares = []
    for name in ("a", "b"):
        (summary,) = (tmp_path / name).glob("summary-spiral-*.json")
        text = summary.read_text()
        assert "secret" not in text and json.loads(text)["complete"] == 6
        shares.append(sum(json.loads(text)["trials_per_worker"].values()))
    assert sum(shares) == 6 and all(shares)  # each machine counts its own share

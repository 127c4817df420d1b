"""Lab 6's search when things go wrong, tried for real: a PostgreSQL server stopped and restarted
mid-search, the parent terminated (SIGTERM), the parent and a worker killed (SIGKILL), a full
disk for the summary, and two searches that create the same new study at the same moment.
Nothing finished is lost, and the command the search prints resumes it.

Every test is bounded in time (timeouts) and uses tiny trials (128 points per class, 2 steps;
300 steps, about a second, where a search must still be running when the fault strikes). Each
search process costs seconds to start (torch, Lightning), so the tests start few of them.
"""

import json
import multiprocessing
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import psutil
import pytest
from postgres import PostgresServer

from dllab.lightning import search, workers
from dllab.lightning import storage as st

TINY = ["--points", "128", "--steps", "2", "--seed", "3"]
# Trials long enough (300 steps, about a second with one thread) that a fault strikes while
# the search is still running, and catches its workers inside a trial.
SLOWER = ["--points", "128", "--steps", "300", "--seed", "3"]
COMPLETE = optuna.trial.TrialState.COMPLETE


@pytest.fixture(scope="module")
def postgres():
    """One PostgreSQL server for this module's tests; each creates a database of its own."""
    with PostgresServer() as server:
        yield server


def new_database(server, name: str) -> str:
    server.execute(f"CREATE DATABASE {name}")
    return server.url.rsplit("/", 1)[0] + f"/{name}"


def search_command(*args, settings=TINY):
    return [sys.executable, "-m", "dllab.lightning", "search", *settings, *map(str, args)]


_STORAGES = {}  # url: the storage the test reads it through, opened once (polls are cheap)


def trials(url, study="spiral"):
    """The trials of a study ([] before it exists)."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return []  # not created yet (opening it would create the file)
    if url not in _STORAGES:
        _STORAGES[url] = st.storage(url)
    try:
        return optuna.load_study(study_name=study, storage=_STORAGES[url]).get_trials()
    except KeyError:
        return []


def finished(url, study="spiral"):
    """{trial number: (params, value)} of the finished trials of a study ({} before it exists)."""
    return {t.number: (t.params, t.value) for t in trials(url, study) if t.state == COMPLETE}


def mid_training(url, n_finished, n_workers=2):
    """Whether n_finished trials are finished and every worker is inside a trial's training
    (neither between trials nor creating one: its objective has recorded the worker's pid):
    the moment a fault should strike."""
    found = trials(url)
    training = [
        t for t in found if t.state == optuna.trial.TrialState.RUNNING and "pid" in t.user_attrs
    ]
    return sum(t.state == COMPLETE for t in found) >= n_finished and len(training) == n_workers


def wait_for(condition, timeout, what, process=None):
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"the search ended ({process.returncode}) before {what}:\n{err}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)


def resume_words(stderr: str) -> list[str]:
    """The resume command the parent printed, ready to run with this Python."""
    line = stderr.strip().splitlines()[-1].strip()
    words = shlex.split(line)
    assert words[:4] == ["python", "-m", "dllab.lightning", "search"], line
    return [sys.executable, *words[1:]]


def summaries(run_dir: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(run_dir.glob("summary-*.json"))]


def children(pid: int) -> list[int]:
    return [c.pid for c in psutil.Process(pid).children()]


def gone(pids) -> bool:
    """Whether none of the processes pids runs any more (ended, or a zombie)."""
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                return False
        except psutil.NoSuchProcess:
            pass
    return True


# ---------------------------------------------------------------- the database goes away

# A search's parent on a disk that is full when it writes its summary.
LIMITED_PARENT = """
import resource, signal, sys
from dllab.lightning import workers

write = workers.write_summary

def full_disk_write(*args):
    # From here on this process cannot grow a file past 100 bytes, as on a full disk.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (100, resource.RLIM_INFINITY))
    return write(*args)

workers.write_summary = full_disk_write
sys.exit(workers.main(sys.argv[1:]))
"""


def test_database_stopped_mid_search_then_the_printed_commands_finish_it_on_a_full_disk(
    tmp_path, postgres
):
    """The database server stopped mid-search: the search writes its summary all the same and
    prints the resume command. That command, run while the disk is full for its summary,
    finishes the study but leaves no summary file (neither a 0-byte nor a half file, nor a
    temporary one) and prints the resume command again, which writes one; no earlier summary
    changes, nothing finished is lost.

    One worker (the parent-stop test has two): every worker process costs seconds to start."""
    n_trials = 4
    run_dir = tmp_path / "run"
    url = new_database(postgres, "stopped")
    first = subprocess.Popen(
        search_command(
            *("--workers", 1, "--trials", n_trials, "--storage", url),
            *("--run-dir", run_dir, "--new"),
            settings=SLOWER,
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: mid_training(url, 2, 1), 180, "2 finished trials, a third started", first)
        postgres.stop("fast")
        out, err = first.communicate(timeout=120)
    finally:
        first.kill()
        if not postgres.running():
            postgres.start()  # the database comes back (for the module's other tests too)
    assert first.returncode == 1, out + err
    assert "Traceback" not in out + err
    worker_lines = [line for line in err.splitlines() if line.startswith("search: worker")]
    assert len(worker_lines) <= 1  # at most one line per worker, naming the storage
    assert all(f"the storage {url} failed: OperationalError" in w for w in worker_lines)
    (earlier,) = run_dir.glob("*summary*")  # complete JSON, written although the database is gone
    summary = earlier.read_text()
    assert json.loads(summary)["storage_error"].startswith("OperationalError")
    before = finished(url)
    assert 2 <= len(before) < n_trials and json.loads(summary)["complete"] <= len(before)

    full_disk = [sys.executable, "-c", LIMITED_PARENT, *resume_words(err)[4:]]
    done = subprocess.run(full_disk, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "could not write the summary" in done.stdout
    assert "File too large" in done.stdout or "No space" in done.stdout
    assert list(run_dir.glob("*summary*")) == [earlier] and earlier.read_text() == summary
    after = finished(url)
    assert len(after) == n_trials
    assert all(after[n] == before[n] for n in before)  # nothing finished lost or changed

    again = subprocess.run(resume_words(done.stderr), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert earlier.read_text() == summary and finished(url) == after
    (newest,) = set(run_dir.glob("*summary*")) - {earlier}
    assert json.loads(newest.read_text())["complete"] == n_trials
    print(f"database stopped: {len(before)} finished before, {len(after)} after, lost 0")


# ---------------------------------------------------------------- the parent is stopped


def stop(search, url, n_finished, n_trials, sig, *, kill_a_worker=False):
    """Once the study holds n_finished finished trials, send sig to the search's parent (only, as
    `kill` would), with kill_a_worker first SIGKILL to one of its 2 workers that is inside a
    trial's training (the one that started its trial last); wait until the parent and both
    workers are gone. (stdout, stderr, finished trials, the killed worker's pid or None)."""
    training = []  # pids of the workers inside a trial's training, latest start last

    def ready():
        found = trials(url)
        running = [
            t for t in found if t.state == optuna.trial.TrialState.RUNNING and "pid" in t.user_attrs
        ]
        running.sort(key=lambda t: t.datetime_start)
        training[:] = [t.user_attrs["pid"] for t in running]
        n_done = sum(t.state == COMPLETE for t in found)
        return n_done >= n_finished and (training or not kill_a_worker)

    killed = None
    try:
        wait_for(ready, 180, f"{n_finished} trials finished, a worker training", search)
        pids = children(search.pid)
        assert len(pids) == 2
        if kill_a_worker:
            killed = training[-1]
            assert killed in pids
            os.kill(killed, signal.SIGKILL)
        search.send_signal(sig)
        out, err = search.communicate(timeout=60)
        wait_for(lambda: gone(pids), 30, "the workers to stop")  # no orphans
    finally:
        search.kill()
    done = finished(url)
    assert n_finished <= len(done) < n_trials, "the search should have been stopped half-way"
    return out, err, done, killed


def test_stopped_parent_or_killed_worker_and_the_resume_keeps_every_finished_trial(tmp_path):
    """One search of 2 workers stopped twice, each time resumed with the command it printed:
    terminated (SIGTERM: the parent stops its workers, writes its summary and prints the resume
    command); then, while that command runs, its parent and one of its workers killed (SIGKILL,
    as `kill -9` on both): the other worker notices that its parent is gone and stops, marking
    its trial failed; the killed worker's trial stays running, without heartbeats, and the
    parent writes nothing. The printed command, run once more, fails that trial once its
    heartbeat is stale and finishes the study, with every trial finished before either stop,
    saying how far the study is each time a trial finishes.

    8 trials: each stop may let the 2 running trials finish, and the second stop must still
    find the study unfinished."""
    n_trials = 8
    run_dir = tmp_path / "run"
    url = f"sqlite:///{run_dir / 'study.db'}"
    popen = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    first = subprocess.Popen(
        search_command(
            "--workers", 2, "--trials", n_trials, "--run-dir", run_dir, "--new", settings=SLOWER
        ),
        **popen,
    )
    out, err, before, _ = stop(first, url, 2, n_trials, signal.SIGTERM)
    assert first.returncode == 128 + signal.SIGTERM
    assert "Traceback" not in out + err
    (summary,) = summaries(run_dir)
    assert summary["stopped_by"] == "SIGTERM" and summary["complete"] <= len(before)
    command = resume_words(err)

    second = subprocess.Popen(command, **popen)
    _, _, killed, dead = stop(
        second, url, len(before) + 1, n_trials, signal.SIGKILL, kill_a_worker=True
    )
    assert second.returncode == -signal.SIGKILL
    assert all(killed[n] == before[n] for n in before)
    assert len(summaries(run_dir)) == 1  # a killed parent writes nothing; the resume does
    running = optuna.trial.TrialState.RUNNING
    left = [t for t in trials(url) if t.state == running]
    # The killed worker's trial is left running; the worker that stopped failed its own.
    assert [t.user_attrs["pid"] for t in left] == [dead]

    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    after = finished(url)
    assert len(after) == n_trials and all(after[n] == killed[n] for n in killed)
    states = {t.number: t.state for t in trials(url)}
    assert states[left[0].number] == optuna.trial.TrialState.FAIL  # its heartbeat went stale
    assert summaries(run_dir)[-1]["complete"] == n_trials
    # While it runs, the parent says how far the study is, each time a trial finishes.
    progress = [
        int(line.split()[1])
        for line in done.stdout.splitlines()
        if f" of {n_trials} trials finished" in line
    ]
    assert progress[0] == len(killed) and progress[-1] == n_trials
    assert progress == sorted(set(progress))
    print(f"parent stopped: {len(before)} and {len(killed)} finished before, {len(after)} after")


def test_a_trial_whose_worker_died_before_its_first_heartbeat_is_failed_and_redone(tmp_path):
    """The database went away between a trial's creation and its first heartbeat: the trial stays
    RUNNING without heartbeats, which Optuna's stale check passes over. The next search fails it
    instead of waiting for it forever, and runs a trial in its place."""
    url = f"sqlite:///{tmp_path / 'study.db'}"
    study = st.open_study(url, "spiral", {"steps": 1})
    with pytest.warns(UserWarning, match="Heartbeat"):  # ask() outside optimize, on purpose
        orphan = study.ask()  # RUNNING, no heartbeat, its objective never started
    deadline = time.monotonic() + 60
    search.run_until(
        study,
        lambda t: t.suggest_float("x", 0, 1),
        1,
        poll=0.05,
        stop=lambda: time.monotonic() > deadline,
        unstarted_after=0.5,
    )
    states = {t.number: t.state for t in study.get_trials()}
    assert states[orphan.number] == optuna.trial.TrialState.FAIL
    assert list(states.values()).count(COMPLETE) == 1


def test_summary_write_is_atomic_and_never_replaces_one(tmp_path):
    started = workers.datetime(2026, 1, 2, 3, 4, 5)
    first = workers.write_summary(tmp_path, "spiral", {"a": 1}, started)
    second = workers.write_summary(tmp_path, "spiral", {"a": 2}, started)
    assert first.name == "summary-spiral-20260102-030405.json"
    assert second.name == "summary-spiral-20260102-030405-2.json"
    assert json.loads(first.read_text()) == {"a": 1} and json.loads(second.read_text()) == {"a": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.name, second.name])


# ---------------------------------------------------------------- racing starts


def _race(url, barrier, n_trials, results):
    """One of two searches: open the new study and run zero-work trials, as a worker does."""
    barrier.wait()
    try:
        study = st.open_study(
            url, "race", {"steps": 1}, sampler=search.sampler("random", os.getpid())
        )
        search.run_until(study, lambda t: t.suggest_float("x", 0, 1), n_trials, poll=0.05)
        results.put("ok")
    except BaseException as error:  # reported to the test, which fails
        results.put(f"{type(error).__name__}: {error}")


# fork, not spawn: two searches must start within milliseconds of each other, ten times, and a
# spawned child would import this module anew each time. The children run only _race, which
# opens its own connections; Python 3.12+ warns about any fork from a process with threads.
FORK_WARNING = "ignore:This process .* is multi-threaded, use of fork:DeprecationWarning"


def race_ten_times(make_url, n_trials=3):
    context = multiprocessing.get_context("fork")
    for attempt in range(10):
        url = make_url(attempt)
        barrier, results = context.Barrier(2), context.Queue()
        searches = [
            context.Process(target=_race, args=(url, barrier, n_trials, results)) for _ in range(2)
        ]
        for p in searches:
            p.start()
        for p in searches:
            p.join(timeout=60)
        for p in searches:
            if p.is_alive():
                p.kill()
                raise AssertionError(f"attempt {attempt}: a search hung")
        assert [results.get(timeout=5) for _ in searches] == ["ok", "ok"], f"attempt {attempt}"
        trials = optuna.load_study(study_name="race", storage=st.storage(url)).get_trials()
        complete = [t for t in trials if t.state == COMPLETE]
        assert len(complete) == n_trials, f"attempt {attempt}: {len(complete)} finished"
        assert len({t.number for t in trials}) == len(trials)  # no duplicate
        # The only other trials are surplus ones, ended at once and marked so.
        assert all(t.user_attrs.get("surplus") for t in trials if t.state != COMPLETE)


@pytest.mark.filterwarnings(FORK_WARNING)
def test_two_searches_create_the_same_new_sqlite_study_at_once(tmp_path):
    race_ten_times(lambda k: f"sqlite:///{tmp_path / f'race-{k}.db'}")


@pytest.mark.filterwarnings(FORK_WARNING)
def test_two_searches_create_the_same_new_postgresql_study_at_once(postgres):
    race_ten_times(lambda k: new_database(postgres, f"race{k}"))

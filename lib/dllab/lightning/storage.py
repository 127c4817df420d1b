"""Where a search's Optuna study lives: a database URL, checked, opened safely by several
processes at once, and printed without its password.

One machine: an SQLite file in the run folder (sqlite:///<run dir>/study.db). Several machines:
a database server all of them reach (postgresql://user@host:5432/db, psycopg 3).

Optuna's RDBStorage creates its tables and stamps their version on first use; two processes
doing that on a new database at the same moment collide (UNIQUE constraint failed:
alembic_version). Every process here opens the storage, and creates or loads the study, while
holding a lock: a file lock beside an SQLite file, a PostgreSQL advisory lock on a server.
"""

import contextlib
import os
import sqlite3
import time
import warnings
from pathlib import Path

SCHEMES = ("sqlite", "postgresql", "mysql")
ENV = "DLLAB_SEARCH_STORAGE"  # how the parent hands the URL to its workers (not in `ps`)
LOCK_KEY = 61_706_276  # the PostgreSQL advisory lock this project takes while creating a study
HEARTBEAT_INTERVAL, GRACE_PERIOD = 2, 10  # seconds: a worker silent for 10 s counts as dead


class StorageError(RuntimeError):
    """The storage cannot be reached or used; the message names it (password masked)."""


def check_url(url: str) -> str:
    """`url` if SQLAlchemy can parse it and its database is one Optuna supports, else a
    ValueError naming it (password masked) and what is allowed."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    allowed = "sqlite:///path/study.db or postgresql://user@host:5432/db (or mysql://…)"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError(f"--storage must be a database URL like {allowed}, got {url!r}") from None
    scheme = parsed.get_backend_name()
    if scheme not in SCHEMES:
        raise ValueError(f"--storage must be a URL like {allowed}, got {masked(url)!r}")
    if scheme == "sqlite" and not parsed.database:
        raise ValueError(f"--storage {url!r} names no file; allowed: {allowed}")
    folder = Path(parsed.database).expanduser().parent if scheme == "sqlite" else None
    if folder and not folder.is_dir():
        raise ValueError(
            f"--storage {url!r}: the folder {str(folder)!r} does not exist; allowed: an SQLite"
            " file in an existing folder (SQLite creates the file, not folders)"
        )
    if scheme != "sqlite" and not (parsed.host and parsed.database):
        raise ValueError(
            f"--storage {masked(url)!r} lacks a host or a database; allowed: {allowed}"
        )
    return url


def masked(url: str) -> str:
    """The URL with its password replaced by ***: safe to print and to store."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<not a URL>"


def is_storage_error(error: BaseException) -> bool:
    """Whether `error` (or what caused it) comes from the database: it went away, refused us."""
    import optuna
    from sqlalchemy.exc import DBAPIError

    kinds = (DBAPIError, optuna.exceptions.StorageInternalError, sqlite3.Error, ConnectionError)
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, kinds):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def first_line(error: BaseException) -> str:
    """The first line of the deepest database error in `error`'s chain (no SQL, no traceback)."""
    deepest, seen = error, set()
    while deepest is not None and id(deepest) not in seen:
        seen.add(id(deepest))
        if getattr(deepest, "orig", None) is not None:  # SQLAlchemy wraps the driver's error
            deepest = deepest.orig
            break
        nxt = deepest.__cause__ or deepest.__context__
        if nxt is None:
            break
        deepest = nxt
    text = str(deepest).strip().splitlines()
    return f"{type(deepest).__name__}: {text[0] if text else ''}".strip()


@contextlib.contextmanager
def _creation_lock(url: str, timeout: float = 60):
    """Held while a process creates tables or the study: one process at a time per database."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    scheme = parsed.get_backend_name()
    if scheme == "sqlite":
        import fcntl

        path = Path(parsed.database).resolve()
        with open(path.with_name(path.name + ".lock"), "a") as lock:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise StorageError(f"{path} stayed locked for {timeout:.0f} s") from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    elif scheme == "postgresql":
        engine = create_engine(url, connect_args={"connect_timeout": 10})
        try:
            with engine.connect() as connection:
                connection.execute(text(f"SET lock_timeout = '{int(timeout * 1000)}ms'"))
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
                connection.commit()
                try:
                    yield
                finally:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                    connection.commit()
        finally:
            engine.dispose()
    else:  # MySQL and others: tables are created once by whoever comes first; no lock
        yield


def storage(url: str):
    """Optuna's database storage at `url`, its tables created under the creation lock.

    A worker that stops sending heartbeats (killed) has its running trial marked failed after
    GRACE_PERIOD seconds and retried once by the next worker that asks for a trial."""
    import optuna
    from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback

    scheme = url.split(":", 1)[0].split("+", 1)[0]
    # Fail fast when a server does not answer; wait for a busy SQLite file rather than fail.
    connect = {"postgresql": {"connect_timeout": 10}, "sqlite": {"timeout": 60}}.get(scheme, {})
    with warnings.catch_warnings(), _creation_lock(url):
        # Heartbeats are an "experimental" Optuna feature; the warning says nothing to act on.
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return RDBStorage(
            url,
            engine_kwargs={"connect_args": connect, "pool_pre_ping": True},
            heartbeat_interval=HEARTBEAT_INTERVAL,
            grace_period=GRACE_PERIOD,
            heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=1),
        )


def open_study(url: str, name: str, settings: dict | None = None, *, sampler=None):
    """Create the study `name` in the storage at `url`, or load it if it exists, under the
    creation lock. A new study records `settings` (what its trials depend on); an existing one
    must have been started with the same settings, else a ValueError names the differences.
    settings=None loads without checking (a worker, after its parent checked)."""
    import optuna

    opened = storage(url)
    with _creation_lock(url):
        study = optuna.create_study(
            study_name=name,
            storage=opened,
            sampler=sampler,
            direction="minimize",
            load_if_exists=True,
        )
        if settings is not None:
            recorded = study.user_attrs.get("settings")
            if recorded is None:
                study.set_user_attr("settings", settings)
            elif recorded != settings:
                differ = [
                    f"--{k.replace('_', '-')} {recorded.get(k)} (this command: {settings.get(k)})"
                    for k in sorted(set(recorded) | set(settings))
                    if recorded.get(k) != settings.get(k)
                ]
                raise ValueError(
                    f"the study '{name}' in {masked(url)} was started with "
                    + ", ".join(differ)
                    + "; resume it with the same settings, or start another with --study NAME"
                )
    return study


def from_environment() -> str:
    """The storage URL a parent handed to this worker process."""
    url = os.environ.get(ENV)
    if not url:
        raise RuntimeError(f"a search worker needs the storage URL in ${ENV}")
    return url

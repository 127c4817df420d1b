"""The shell scripts, run as a student runs them."""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "scripts"
pytestmark = pytest.mark.script


def run(*args, env=None, **kwargs):
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
        **kwargs,
    )


@pytest.mark.parametrize(
    "script",
    [
        "setup.sh",
        "lab.sh",
        "test.sh",
        "tensorboard.sh",
        "bench.sh",
        "check.sh",
        "class_report.sh",
        "new_lab.sh",
        "make_template.sh",
    ],
)
def test_every_script_has_help(script):
    done = run(SCRIPTS / script, "--help")
    assert done.returncode == 0
    assert done.stdout.startswith(f"Usage: scripts/{script}")


def test_setup_second_run_is_a_no_op():
    venv = Path(os.environ.get("LAB_VENV", REPO / ".venv"))
    stamp = venv / ".dllab-setup"
    before = stamp.stat().st_mtime_ns
    done = run(SCRIPTS / "setup.sh")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"setup: up to date ({venv})"
    assert stamp.stat().st_mtime_ns == before


def test_setup_refuses_old_python(tmp_path):
    fake = tmp_path / "python3.10"
    # Answers the version query like Python 3.10 and fails the ">= 3.11" check like it.
    fake.write_text('#!/bin/sh\ncase "$2" in *print*) echo 3.10 ;; *) exit 1 ;; esac\n')
    fake.chmod(0o755)
    done = run(SCRIPTS / "setup.sh", env={"LAB_VENV": tmp_path / "venv", "PYTHON": fake})
    assert done.returncode != 0
    assert "Python 3.10" in done.stderr and "3.11 or newer" in done.stderr
    assert not (tmp_path / "venv").exists()


def test_setup_says_when_python_is_missing(tmp_path):
    done = run(
        SCRIPTS / "setup.sh", env={"LAB_VENV": tmp_path / "venv", "PYTHON": "no-such-python"}
    )
    assert done.returncode != 0 and "no Python found" in done.stderr


def test_lab_unknown_name_lists_available_labs():
    done = run(SCRIPTS / "lab.sh", "nonsense")
    assert done.returncode == 2
    assert "no lab 'nonsense'" in done.stderr
    for name in ["1 (gradient_descent)", "3 (spiral)", "5 (weight_initialization)"]:
        assert name in done.stderr


def test_lab_without_argument_prints_usage():
    done = run(SCRIPTS / "lab.sh")
    assert done.returncode == 2 and "Usage:" in done.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_tensorboard(logdir, first_port, env=None):
    """Start tensorboard.sh on logdir (None: no argument, the default runs/)."""
    proc = subprocess.Popen(
        [str(SCRIPTS / "tensorboard.sh"), *([] if logdir is None else [str(logdir)])],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "TB_PORT": str(first_port), **(env or {})},
    )
    lines = []
    while True:  # the script prints its URL before TensorBoard starts
        line = proc.stdout.readline()
        assert line, f"tensorboard.sh ended early:\n{''.join(lines)}"
        lines.append(line)
        if "http://127.0.0.1:" in line:
            port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
            return proc, port, "".join(lines)


def wait_for_http(port, proc, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "TensorBoard exited"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:
                return answer.status
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"no HTTP answer on port {port} within {seconds} s")


def stop_cleanly(proc, logdir) -> str:
    """SIGTERM; no process left behind; what the script printed after its URL line."""
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) is not None
    rest = proc.stdout.read()
    proc.stdout.close()
    leftovers = [
        p for p in Path("/proc").iterdir() if p.name.isdigit() and str(logdir) in _cmdline(p)
    ]
    assert not leftovers, "processes left behind after SIGTERM"
    return rest


def _cmdline(proc_dir: Path) -> str:
    try:
        return (proc_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_tensorboard_serves_default_runs_creating_it_and_stops(tmp_path):
    logdir = tmp_path / "fresh" / "runs"
    port = free_port()
    proc, got, printed = start_tensorboard(None, port, env={"LAB_RUNS_DIR": str(logdir)})
    try:
        assert got == port and logdir.is_dir() and f"TensorBoard on {logdir}:" in printed
        assert f"the default view is empty: serving everything in {logdir}" in printed
        assert wait_for_http(got, proc) == 200
    finally:
        printed += stop_cleanly(proc, logdir)
    # TensorBoard's own lines still come through; its TensorFlow notice, which reads like an
    # error, does not.
    assert "TensorBoard 2." in printed and "TensorFlow" not in printed


def test_tensorboard_refuses_a_logdir_that_does_not_exist(tmp_path):
    missing = tmp_path / "runs" / "04_tensorbord"  # a typo
    done = run(SCRIPTS / "tensorboard.sh", missing)
    assert done.returncode != 0
    assert f"logdir '{missing}' does not exist; allowed: an existing folder" in done.stderr
    assert not missing.exists() and not missing.parent.exists()


def test_tensorboard_moves_to_next_port_when_taken(tmp_path):
    # A taken port and a free one after it, below the range the system hands out to outgoing
    # connections (ip_local_port_range, from 32768): there, any connection on the machine could
    # take the next port between the script's check and TensorBoard's start (TensorBoard exits).
    start = 10000 + (os.getpid() * 7919 + time.monotonic_ns()) % 20000
    for taken in range(start, start + 1000, 2):
        with socket.socket() as busy, socket.socket() as probe:
            try:
                busy.bind(("127.0.0.1", taken))
                probe.bind(("127.0.0.1", taken + 1))
            except OSError:
                continue
            probe.close()
            busy.listen()
            proc, got, printed = start_tensorboard(tmp_path, taken)
            try:
                assert got != taken
                assert f"port {taken} is taken; using port {got}" in printed
                assert wait_for_http(got, proc) == 200
            finally:
                stop_cleanly(proc, tmp_path)
            return
    raise AssertionError(f"no free pair of ports from {start} to {start + 1000}")


def test_tensorboard_rejects_a_file_as_logdir(tmp_path):
    file = tmp_path / "notes.txt"
    file.write_text("mine")
    done = run(SCRIPTS / "tensorboard.sh", file)
    assert done.returncode != 0 and "is not a directory" in done.stderr
    assert file.read_text() == "mine"


def test_tensorboard_rejects_bad_port():
    done = run(SCRIPTS / "tensorboard.sh", env={"TB_PORT": "abc"})
    assert done.returncode != 0 and "TB_PORT='abc'" in done.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_precommit_passes_on_all_files(tmp_path):
    """pre-commit run --all-files on a copy of the repository: fixers never touch the original."""
    files = run("git", "ls-files", "--cached", "--others", "--exclude-standard", cwd=REPO)
    copy = tmp_path / "repo"
    for name in files.stdout.splitlines():
        if (REPO / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, copy / name)
    for args in (["init", "-q"], ["add", "-A"]):
        assert run("git", *args, cwd=copy).returncode == 0
    precommit = Path(os.environ.get("LAB_VENV", REPO / ".venv")) / "bin" / "pre-commit"
    done = run(precommit, "run", "--all-files", "--show-diff-on-failure", cwd=copy)
    assert done.returncode == 0, done.stdout + done.stderr

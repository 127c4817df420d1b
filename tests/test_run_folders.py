"""Run folders at a course's scale: unique under races, and an unfinished run is marked as such."""

import contextlib
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from dllab.session import UNFINISHED, finish_run, start_run
from dllab.tbviews import runs_in

# Four racers forked by one process once it has imported dllab (what new_run_dir imports too):
# separate processes, each with its own LAB_RUN_LOG, printing the folders it was given.
RACERS = """
import os, sys, time
import dllab, dllab.display
from dllab.session import finish_run, new_run_dir, start_run
n, parent, tmp = int(sys.argv[1]), sys.argv[2], sys.argv[3]
start = time.time() + 0.2
pids = []
for i in range(4):
    pid = os.fork()
    if pid == 0:
        os.environ["LAB_RUN_LOG"] = f"{tmp}/log{i}"
        with open(f"{tmp}/printed{i}", "w") as out:
            while time.time() < start:  # every racer leaves the line at the same moment
                pass
            for _ in range(n):
                print(new_run_dir("lab", "race"), file=out)
                print(dllab.new_run_dir("lab", create=False), file=out)  # a script: claimed at once
                print(finish_run(start_run(parent, "lr0.01")), file=out)
        os._exit(0)
    pids.append(pid)
sys.exit(sum(os.waitpid(pid, 0)[1] != 0 for pid in pids))
"""


def test_racing_processes_never_share_a_folder(tmp_path):
    """Four processes creating folders in the same second: every folder made exactly once, and
    each process's LAB_RUN_LOG lists the folders it made and no other (what lab.sh prints after
    a lab: two runs of a lab in the same second each list their own)."""
    parent, n = tmp_path / "exec", 15
    args = [sys.executable, "-c", RACERS, str(n), str(parent), str(tmp_path)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    logs = [(tmp_path / f"log{i}").read_text().split() for i in range(4)]
    claimed = [path for log in logs for path in log]
    assert len(claimed) == len(set(claimed)) == 4 * n * 4  # 3 folders + the finished rename
    for i, log in enumerate(logs):  # start_run's folder, then its rename
        printed = (tmp_path / f"printed{i}").read_text().split()
        assert [path for path in log if not path.endswith(UNFINISHED)] == printed
    runs = tmp_path / "runs" / "lab"
    assert len([d for d in runs.iterdir() if d.name.startswith("race-")]) == 4 * n
    assert len([d for d in runs.iterdir() if not d.name.startswith("race-")]) == 4 * n
    finished = sorted(d.name for d in parent.iterdir())
    assert len(finished) == 4 * n and not any(name.endswith(UNFINISHED) for name in finished)
    assert finished[0] == "lr0.01" and "lr0.01.1" in finished


def test_finish_run_never_replaces_another_run(tmp_path):
    first = start_run(tmp_path, "lr0.01")
    assert first.name == "lr0.01-unfinished"
    second = start_run(tmp_path, "lr0.01")  # while the first is still being written
    assert second.name == "lr0.01.1-unfinished"
    assert finish_run(second).name == "lr0.01.1"
    assert finish_run(first).name == "lr0.01"
    assert start_run(tmp_path, "lr0.01").name == "lr0.01.2-unfinished"  # names never reused
    with pytest.raises(ValueError, match="not a folder made by start_run"):
        finish_run(tmp_path / "lr0.01")


# A lab 4 run as the lab writes it: folder, SummaryWriter, many epochs, then finish_run.
WRITER = """
import os, signal, sys, time
# Ctrl-C's default, which a test runner's worker process may have left ignored for its children
signal.signal(signal.SIGINT, signal.default_int_handler)
from torch.utils.tensorboard import SummaryWriter
from dllab.session import finish_run, start_run
from dllab.tblog import FLUSH_SECS
log_dir = start_run(sys.argv[1], "lr0.01")
# FLUSH_SECS: a Ctrl-C inside add_scalar delays the close by at most that (tblog.py says why)
with SummaryWriter(log_dir, flush_secs=FLUSH_SECS) as writer:
    for epoch in range(1, 100000):
        writer.add_scalar("loss/train", 1 / epoch, epoch)
        if epoch == 50:
            writer.flush()
            # one write: print() writes the word and the newline apart, and the runs started
            # beside this one on the same pipe would cut in between ("writingwriting")
            os.write(1, b"writing\\n")
        time.sleep(0.001)
finish_run(log_dir)
"""


def _finished_run(parent: Path) -> Path:
    from torch.utils.tensorboard import SummaryWriter

    log_dir = start_run(parent, "lr0.001")
    with SummaryWriter(log_dir) as writer:
        writer.add_scalar("loss/train", 0.5, 1)
    return finish_run(log_dir)


FULL_DISK = """
import errno, sys
from torch.utils.tensorboard import SummaryWriter
from dllab.session import finish_run, start_run

class FullDisk(SummaryWriter):
    def close(self):
        super().close()
        raise OSError(errno.ENOSPC, "No space left on device")

log_dir = start_run(sys.argv[1], "lr0.01")
with FullDisk(log_dir) as writer:
    writer.add_scalar("loss/train", 0.5, 1)
finish_run(log_dir)
"""

# Lab 4's run on a disk that fills up: every epoch writes 4 kB more.
PADDED_WRITER = WRITER.replace("time.sleep(0.001)", "writer.add_text('pad', 'x' * 4000, epoch)")

# Runs of the scripts above, each in its own process, forked once SummaryWriter is imported (one
# import for all). argv: a JSON list of [script, folder, stderr file, file size limit or None];
# prints "<pid> <folder>" as each run starts and "<pid> exit <status>" as each ends.
RUNS = """
import json, os, resource, signal, sys, traceback
from torch.utils.tensorboard import SummaryWriter
runs = []
for script, folder, stderr, limit in json.loads(sys.argv[1]):
    pid = os.fork()
    if pid == 0:
        os.dup2(os.open(stderr, os.O_WRONLY | os.O_CREAT), 2)
        if limit:  # files may not grow past it, and a write past it fails (EFBIG) instead of
            # killing the process (SIGXFSZ): the disk is full as far as this process sees
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        sys.argv = [sys.argv[0], folder]
        try:
            exec(script)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    os.write(1, f"{pid} {folder}\\n".encode())  # one write: the runs print on this pipe too
    runs.append(pid)
for pid in runs:
    os.write(1, f"{pid} exit {os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])}\\n".encode())
"""

STOPS = [signal.SIGINT, signal.SIGTERM, signal.SIGKILL]


@dataclass
class Run:
    folder: Path
    earlier: dict  # {file: bytes} of the finished run beside it, before ({} if none)
    status: int  # its exit status (negative: the signal that ended it)
    stderr: str


@pytest.fixture(scope="module")
def unfinished_runs(tmp_path_factory):
    """Lab 4 runs that cannot finish, run at once for the tests below: stopped by each of STOPS
    while writing, a writer whose close() fails as on a full disk, and a real full disk: a
    64 KiB tmpfs as root (as CI runs), for any other user a file size limit (no mount without
    root). {"SIGINT": Run, …, "close fails": Run, "full disk": Run, "mounted": bool}."""
    tmp = tmp_path_factory.mktemp("unfinished")
    disk = tmp / "disk"
    disk.mkdir()
    mounted = (
        os.geteuid() == 0
        and not subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True
        ).returncode
    )
    try:
        yield {**_run_unfinished(tmp, disk, mounted), "mounted": mounted}
    finally:
        if mounted:
            subprocess.run(["umount", str(disk)], check=True)


def _run_unfinished(tmp: Path, disk: Path, mounted: bool) -> dict:
    jobs = {signum.name: (WRITER, tmp / signum.name, None) for signum in STOPS}
    jobs["close fails"] = (FULL_DISK, tmp / "close", None)
    jobs["full disk"] = (PADDED_WRITER, disk, None if mounted else 64 * 1024)
    earlier = {}
    for name, (_, folder, _) in jobs.items():
        if folder != disk:  # a finished run beside it, which must never be touched
            folder.mkdir()
            earlier[name] = {p.name: p.read_bytes() for p in _finished_run(folder).iterdir()}
    argv = [
        [code, str(folder), str(tmp / f"{name}.err"), limit]
        for name, (code, folder, limit) in jobs.items()
    ]
    proc = subprocess.Popen(
        [sys.executable, "-c", RUNS, json.dumps(argv)], stdout=subprocess.PIPE, text=True
    )
    pids = {}
    try:
        lines = [proc.stdout.readline().split() for _ in range(len(jobs) + len(STOPS))]
        pids = {folder: int(pid) for pid, folder in (line for line in lines if len(line) == 2)}
        assert lines.count(["writing"]) == len(STOPS), lines  # every run to stop is writing
        for signum in STOPS:
            os.kill(pids[str(tmp / signum.name)], signum)
        out = proc.communicate(timeout=120)[0]
    except BaseException:  # the runs still writing, should it stop half way
        for pid in pids.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        raise
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    ended = {
        int(pid): int(status) for pid, status in (line.split(" exit ") for line in out.splitlines())
    }
    return {
        name: Run(
            folder,
            earlier.get(name, {}),
            ended[pids[str(folder)]],
            (tmp / f"{name}.err").read_text(),
        )
        for name, (_, folder, _) in jobs.items()
    }


UNFINISHED_RUNS = pytest.mark.xdist_group("run_folders_unfinished")  # one process for all


@UNFINISHED_RUNS
@pytest.mark.parametrize("signum", STOPS, ids=lambda signum: signum.name)
def test_a_stopped_run_keeps_unfinished_in_its_name(unfinished_runs, signum):
    run = unfinished_runs[signum.name]
    assert run.status != 0, run.stderr
    names = sorted(p.name for p in run.folder.iterdir())
    assert names == ["lr0.001", "lr0.01-unfinished"]
    # TensorBoard names a run by its folder: the stopped run says so in its run list
    assert [r.name for r in runs_in(run.folder)] == ["lr0.001", "lr0.01-unfinished"]
    assert {p.name: p.read_bytes() for p in (run.folder / "lr0.001").iterdir()} == run.earlier


@UNFINISHED_RUNS
def test_a_run_whose_files_cannot_be_closed_stays_unfinished(unfinished_runs):
    """A full disk shows when the writer closes its file: close() raises, no rename follows."""
    run = unfinished_runs["close fails"]
    assert run.status != 0 and "No space left on device" in run.stderr
    assert sorted(p.name for p in run.folder.iterdir()) == ["lr0.001", "lr0.01-unfinished"]
    assert {p.name: p.read_bytes() for p in (run.folder / "lr0.001").iterdir()} == run.earlier


@UNFINISHED_RUNS
def test_a_real_full_disk_leaves_the_run_unfinished(unfinished_runs):
    """Writes that really fail in the kernel: "No space left on device" on the tmpfs, "File too
    large" under the file size limit."""
    run = unfinished_runs["full disk"]
    assert run.status != 0
    expected = "No space left on device" if unfinished_runs["mounted"] else "File too large"
    assert expected in run.stderr, run.stderr
    assert [p.name for p in run.folder.iterdir()] == ["lr0.01-unfinished"]

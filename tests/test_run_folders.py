"""Run folders at a course's scale: unique under races, and an unfinished run is marked as such."""

import contextlib
import os
import resource
import signal
import subprocess
import sys
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
import signal, sys, time
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
            print("writing", flush=True)
        time.sleep(0.001)
finish_run(log_dir)
"""


def _finished_run(parent: Path) -> Path:
    from torch.utils.tensorboard import SummaryWriter

    log_dir = start_run(parent, "lr0.001")
    with SummaryWriter(log_dir) as writer:
        writer.add_scalar("loss/train", 0.5, 1)
    return finish_run(log_dir)


# One lab 4 run (WRITER) per folder given, each in its own process, forked once SummaryWriter
# is imported: "<pid> <folder>" per run as it starts, "<pid> exit <status>" as it ends.
WRITERS = f"""
import os, sys, traceback
from torch.utils.tensorboard import SummaryWriter
runs = []
for folder in sys.argv[1:]:
    pid = os.fork()
    if pid == 0:
        sys.argv = [sys.argv[0], folder]
        try:
            exec({WRITER!r})
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    print(pid, folder, flush=True)
    runs.append(pid)
for pid in runs:
    print(pid, "exit", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
"""

STOPS = [signal.SIGINT, signal.SIGTERM, signal.SIGKILL]


def test_a_stopped_run_keeps_unfinished_in_its_name(tmp_path):
    """Three lab 4 runs, stopped while writing by Ctrl-C (SIGINT), SIGTERM and SIGKILL: each
    keeps -unfinished in its name, and the finished run beside it is never touched."""
    folders = [tmp_path / signum.name for signum in STOPS]
    earlier = [_finished_run(folder) for folder in folders]
    before = [{p.name: p.read_bytes() for p in run.iterdir()} for run in earlier]
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITERS, *map(str, folders)], stdout=subprocess.PIPE, text=True
    )
    pids = {}
    try:
        lines = [proc.stdout.readline().split() for _ in range(2 * len(STOPS))]
        pids = {folder: int(pid) for pid, folder in (line for line in lines if len(line) == 2)}
        assert lines.count(["writing"]) == len(STOPS), lines  # every run is writing
        for folder, signum in zip(folders, STOPS, strict=True):
            os.kill(pids[str(folder)], signum)
        ended = {
            line.split()[0]: int(line.split()[2])
            for line in proc.communicate(timeout=60)[0].splitlines()
        }
    except BaseException:  # the runs still writing, should the test stop half way
        for pid in pids.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        raise
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    assert proc.returncode == 0 and len(ended) == len(STOPS)
    for folder, run, files in zip(folders, earlier, before, strict=True):
        assert ended[str(pids[str(folder)])] != 0, folder.name  # stopped, not finished
        names = sorted(p.name for p in folder.iterdir())
        assert names == ["lr0.001", "lr0.01-unfinished"]
        # TensorBoard names a run by its folder: the stopped run says so in its run list
        assert [r.name for r in runs_in(folder)] == ["lr0.001", "lr0.01-unfinished"]
        assert {p.name: p.read_bytes() for p in run.iterdir()} == files  # never touched


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


def test_a_run_whose_files_cannot_be_closed_stays_unfinished(tmp_path):
    """A full disk shows when the writer closes its file: close() raises, no rename follows."""
    earlier = _finished_run(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(tmp_path)], capture_output=True, text=True
    )
    assert done.returncode != 0 and "No space left on device" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [earlier.name, "lr0.01-unfinished"]


def _limit_file_size():
    """In the child: files may not grow past 64 KiB, and a write past that fails (EFBIG)
    instead of killing the process (SIGXFSZ): the disk is full as far as this process sees."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def test_a_real_full_disk_leaves_the_run_unfinished(tmp_path):
    """Writes that really fail in the kernel: a 64 KiB tmpfs as root (as CI runs), for any
    other user the same through a file size limit (no mount without root)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    script = WRITER.replace("time.sleep(0.001)", "writer.add_text('pad', 'x' * 4000, epoch)")
    mounted = (
        os.geteuid() == 0
        and not subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True
        ).returncode
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", script, str(disk)],
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=None if mounted else _limit_file_size,
        )
        assert done.returncode != 0
        expected = "No space left on device" if mounted else "File too large"
        assert expected in done.stderr, done.stderr
        assert [p.name for p in disk.iterdir()] == ["lr0.01-unfinished"]
    finally:
        if mounted:
            subprocess.run(["umount", str(disk)], check=True)

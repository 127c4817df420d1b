"""Lab 6's DDP script: 2 CPU processes (gloo) on loopback, each sees its own half of every
epoch; bad arguments fail before training; --nodes without the other machines gives up."""

import json
import os
import socket
import subprocess
import sys
import time

import psutil
import pytest
import torch

from dllab.lightning import ddp

SMALL = {"epochs": 2, "n_per_class": 200, "batch_size": 32, "seed": 5}


def listening(pid: int) -> set:
    """(address, port) of every socket the process and its children listen on."""
    found = set()
    try:
        for process in [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]:
            for c in process.net_connections(kind="inet"):
                if c.status == psutil.CONN_LISTEN:
                    found.add((c.laddr.ip, c.laddr.port))
    except psutil.Error:
        pass
    return found


def test_two_processes_split_every_epoch_and_learn_like_one_on_loopback(tmp_path):
    command = [sys.executable, "-m", "dllab.lightning", "ddp", "--processes", "2"]
    command += ["--accelerator", "cpu", "--points", "200", "--batch-size", "32", "--seed", "5"]
    run = subprocess.Popen(
        [*command, "--epochs", "2", "--out", tmp_path],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    sockets = set()
    while run.poll() is None:
        sockets |= listening(run.pid)
        time.sleep(0.1)
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, out + err
    assert sockets and {address for address, _ in sockets} == {"127.0.0.1"}  # loopback only
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["processes"] == 2 and result["strategy"] == "DDPStrategy"
    assert result["batch_size_per_process"] == 16 and result["train_points"] == 200

    single = ddp.train(1, accelerator="cpu", **SMALL)
    assert single["strategy"] == "SingleDeviceStrategy"
    one_epoch = single["per_epoch"][0]["union"]
    assert one_epoch == (200 // 32) * 32  # whole minibatches of one epoch
    assert len(result["per_epoch"]) == 2
    for epoch in result["per_epoch"]:
        # Each process its own half, no point twice, together one process's epoch.
        assert epoch["per_process"] == [one_epoch // 2, one_epoch // 2]
        assert epoch["overlap"] == 0 and epoch["union"] == one_epoch
    # The same training, spread out: the same number of steps on the same kind of batches.
    assert abs(result["val_loss"] - single["val_loss"]) < 0.1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--processes", "3", "--batch-size", "32"], "--batch-size 32 must be divisible by"),
        (["--points", "100"], "--points must be at least 128 per class"),
        (["--epochs", "0"], "--epochs must be a positive int, got 0"),
        (
            ["--accelerator", "cuda", "--processes", "64"],
            "at most the" if torch.cuda.device_count() else "it has no GPU that torch can use",
        ),
        (["--nodes", "2"], "--nodes 2 must be run on every machine under torchrun or SLURM"),
        (["--out", "{tmp}"], "which holds one"),  # an earlier result.json stays
        (["--out", "{tmp}/file/x"], "--out must be a folder this user can write"),
        (["--out", "{tmp}/file"], "--out must be a folder, got"),
    ],
)
def test_bad_arguments_fail_before_training(args, message, tmp_path, capsys, monkeypatch):
    for name in ("MASTER_ADDR", "MASTER_PORT", "NODE_RANK"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "file").write_text("")
    (tmp_path / "result.json").write_text("{}")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    with pytest.raises(SystemExit) as stop:
        ddp.main(["--accelerator", "cpu", "--processes", "2", *args])
    assert stop.value.code == 2
    assert message in capsys.readouterr().err
    assert (tmp_path / "result.json").read_text() == "{}"


def test_nodes_without_the_other_machine_give_up_after_the_timeout(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "NODE_RANK": "0"}
    command = [sys.executable, "-m", "dllab.lightning", "ddp", "--nodes", "2", "--processes", "1"]
    command += ["--accelerator", "cpu", "--points", "200", "--batch-size", "32", "--epochs", "1"]
    done = subprocess.run(
        [*command, "--timeout", "1", "--out", tmp_path / "out"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 1
    assert "did not all meet within --timeout 1 s" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()  # the folder it made for the result is gone again


@pytest.mark.parametrize(("gpus", "message"), [(0, "it has no GPU"), (1, "at most the 1 GPU(s)")])
def test_cuda_processes_are_counted_against_the_gpus(gpus, message, capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: gpus)
    with pytest.raises(SystemExit) as stop:
        ddp.main(["--accelerator", "cuda", "--processes", "2"])
    assert stop.value.code == 2 and message in capsys.readouterr().err

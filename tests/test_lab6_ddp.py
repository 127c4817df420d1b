"""Lab 6's DDP script: 2 CPU processes (gloo), each sees its own half of every epoch."""

import json
import subprocess
import sys

import pytest

from dllab.lightning import ddp

SMALL = {"epochs": 2, "n_per_class": 200, "batch_size": 32, "seed": 5}


def test_two_processes_split_every_epoch_and_learn_like_one(tmp_path):
    command = [
        sys.executable,
        "-m",
        "dllab.lightning.ddp",
        "--processes",
        "2",
        "--accelerator",
        "cpu",
    ]
    command += ["--epochs", "2", "--points", "200", "--batch-size", "32", "--seed", "5"]
    done = subprocess.run(
        [*command, "--out", tmp_path], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
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


def test_bad_process_count_is_named(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        ddp.main(["--processes", "3", "--batch-size", "32", "--out", str(tmp_path)])
    assert stop.value.code == 2
    assert "--batch-size 32 must be divisible by --processes 3" in capsys.readouterr().err

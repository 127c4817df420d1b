import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from dllab.data import spiral, split
from dllab.models import MLP
from dllab.tblog import TensorBoardLogger
from dllab.train import fit


def test_logger_writes_every_dashboard(tmp_path):
    X, y = spiral(100, seed=0)
    data = split(X, y, n_test=40, n_valid=40, seed=0)
    torch.manual_seed(0)
    model = MLP(2, [4])
    hparams = {"lr": 0.01, "hidden": [4]}
    with TensorBoardLogger(
        "lab",
        "lr0.01",
        hparams=hparams,
        every=2,
        image_epochs=[0, 4],
        boundary=(*data["test"], 20),
        grid_steps=20,
    ) as logger:
        logger.log_graph(model, data["train"][0][:4])
        fit(
            model,
            data,
            optimizer=torch.optim.Adam(model.parameters(), lr=0.01),
            num_epochs=4,
            batch_size=32,
            progress=False,
            device="cpu",
            callbacks=[logger],
        )
    assert logger.run_dir.parent == tmp_path / "runs" / "lab"
    assert logger.run_dir.name.startswith("lr0.01-")  # what differs first: legends cut names

    events = EventAccumulator(str(logger.run_dir), size_guidance={"histograms": 0, "images": 0})
    events.Reload()
    tags = events.Tags()
    # the hparams' metrics are the loss curves' last values: no one-point charts in Scalars
    assert set(tags["scalars"]) == {"loss/train", "loss/valid"}
    assert [e.step for e in events.Scalars("loss/train")] == [1, 2, 3, 4]
    assert set(tags["histograms"]) == {
        f"{kind}/layers.{layer}.{p}"
        for kind in ("params", "grads")
        for layer in ("hidden1", "output")
        for p in ("weight", "bias")
    }
    assert [e.step for e in events.Histograms("params/layers.hidden1.weight")] == [0, 2, 4]
    assert [e.step for e in events.Histograms("grads/layers.hidden1.weight")] == [2, 4]
    assert [e.step for e in events.Images("decision_boundary")] == [0, 4]
    assert tags["graph"] is True
    content = events.PluginTagToContent("hparams")
    assert set(content) == {
        "_hparams_/experiment",
        "_hparams_/session_start_info",
        "_hparams_/session_end_info",
    }
    experiment = content["_hparams_/experiment"]
    assert b"loss/train" in experiment and b"loss/valid" in experiment and b"lr" in experiment


def test_two_runs_get_two_directories():
    with TensorBoardLogger("lab", "same", hparams={}) as first:
        pass
    with TensorBoardLogger("lab", "same", hparams={}) as second:
        pass
    assert first.run_dir != second.run_dir and first.run_dir.is_dir() and second.run_dir.is_dir()


def test_logger_rejects_bad_arguments():
    with pytest.raises(ValueError, match="every must be a positive int, got 0"):
        TensorBoardLogger("lab", "x", hparams={}, every=0)
    with pytest.raises(ValueError, match="image_epochs needs boundary"):
        TensorBoardLogger("lab", "x", hparams={}, image_epochs=[0])


def test_failed_run_leaves_no_folder_and_says_so(tmp_path):
    with TensorBoardLogger("lab", "lr0.01", hparams={"lr": 0.01}) as done:
        done.writer.add_scalar("loss/train", 0.5, 1)
    with pytest.raises(FloatingPointError) as failure:
        with TensorBoardLogger("lab", "lr0.1", hparams={"lr": 0.1}) as failed:
            failed.writer.add_scalar("loss/train", 0.5, 1)
            raise FloatingPointError("the training loss became nan in epoch 2")
    assert not failed.run_dir.exists()  # TensorBoard would list a half-written run
    assert f"removed the unfinished run {failed.run_dir}" in failure.value.__notes__[0]
    assert [d.name for d in (tmp_path / "runs" / "lab").iterdir()] == [done.run_dir.name]
    assert len(list(done.run_dir.glob("events.out.tfevents.*"))) == 1


@pytest.mark.script
def test_tensorboard_script_shows_every_logged_image(tmp_path):
    """TensorBoard keeps 10 images per tag unless told; lab 4 logs 13 for one run."""
    import json
    import os
    import subprocess
    import time
    import urllib.request
    from pathlib import Path

    import numpy as np

    with TensorBoardLogger("lab", "images", hparams={}) as logger:
        for step in range(13):
            logger.writer.add_image("decision_boundary", np.zeros((3, 4, 4)), step)
    script = Path(__file__).resolve().parents[1] / "scripts" / "tensorboard.sh"
    proc = subprocess.Popen(
        [str(script), str(logger.run_dir.parent)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "TB_PORT": "6300"},
    )
    try:
        line = ""
        while "http://127.0.0.1:" not in line:
            line = proc.stdout.readline()
            assert line, "tensorboard.sh ended early"
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        url = (
            f"http://127.0.0.1:{port}/data/plugin/images/images"
            f"?run={logger.run_dir.name}&tag=decision_boundary"
        )
        steps, deadline = [], time.monotonic() + 90
        while len(steps) < 13 and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:
                    steps = [image["step"] for image in json.load(answer)]
            except (OSError, ValueError):
                pass
            time.sleep(0.5)
        assert steps == list(range(13))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stdout.close()

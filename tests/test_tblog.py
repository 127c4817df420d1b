import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch.utils.tensorboard import SummaryWriter

from dllab.data import spiral, split
from dllab.display import boundary_image
from dllab.models import MLP
from dllab.session import finish_run, new_run_dir, start_run
from dllab.tblog import (
    lightning_logger,
    log_gradients,
    log_graph,
    log_hparams,
    log_losses,
    log_parameters,
)
from dllab.train import fit


def events_of(folder):
    events = EventAccumulator(str(folder), size_guidance={"histograms": 0, "images": 0})
    events.Reload()
    return events


def test_lab4s_callback_writes_every_dashboard():
    """The pattern of lab 4's cell: start_run, a SummaryWriter, fit with a callback, finish_run."""
    X, y = spiral(100, seed=0)
    data = split(X, y, n_test=40, n_valid=40, seed=0)
    torch.manual_seed(0)
    model = MLP(2, [4])
    log_dir = start_run(new_run_dir("lab"), "lr0.01")
    assert log_dir.name == "lr0.01-unfinished"
    with SummaryWriter(log_dir) as writer:
        log_hparams(writer, {"lr": 0.01, "hidden": [4]})
        log_graph(writer, model, data["train"][0][:4])

        def log_epoch(epoch, model, history):
            if epoch > 0:
                log_losses(writer, history, epoch)
            if epoch % 2 == 0:
                log_parameters(writer, model, epoch)
                log_gradients(writer, model, epoch)
            if epoch in (0, 4):
                figure = boundary_image(model, *data["test"], lim=20, title="lr = 0.01", steps=20)
                writer.add_figure("decision_boundary", figure, epoch)

        fit(
            model,
            data,
            optimizer=torch.optim.Adam(model.parameters(), lr=0.01),
            num_epochs=4,
            batch_size=32,
            progress=False,
            device="cpu",
            callbacks=[log_epoch],
        )
    run = finish_run(log_dir)
    assert run.name == "lr0.01" and not log_dir.exists()

    events = events_of(run)
    tags = events.Tags()
    assert set(tags["scalars"]) == {"loss/train", "loss/valid"}  # no one-point charts
    assert [e.step for e in events.Scalars("loss/train")] == [1, 2, 3, 4]
    assert set(tags["histograms"]) == {
        f"{kind}/layers.{layer}.{p}"
        for kind in ("params", "grads")
        for layer in ("hidden1", "output")
        for p in ("weight", "bias")
    }
    assert [e.step for e in events.Histograms("params/layers.hidden1.weight")] == [0, 2, 4]
    assert [e.step for e in events.Histograms("grads/layers.hidden1.weight")] == [2, 4]
    images = events.Images("decision_boundary")
    assert [e.step for e in images] == [0, 4]
    assert images[0].width >= 400 and images[0].height >= 300  # the spiral readable
    assert tags["graph"] is True
    # A session row without an "experiment": TensorBoard takes the columns from all runs it
    # serves, so another lab's runs beside these keep their own hyper-parameters and metrics.
    content = events.PluginTagToContent("hparams")
    assert set(content) == {"_hparams_/session_start_info"}
    assert b"lr" in content["_hparams_/session_start_info"]


def test_boundary_image_says_what_colours_and_markers_mean():
    X, y = spiral(50, seed=0)
    torch.manual_seed(0)
    fig = boundary_image(MLP(2, [4]), X, y, lim=20, title="lr = 0.01, epoch 10", steps=20)
    assert "lr = 0.01, epoch 10" in fig.axes[0].get_title()
    assert len(fig.axes) == 2  # the plot and its colour bar
    assert fig.axes[0].get_legend() is not None and fig.axes[0].get_xticks().size


def test_log_hparams_rejects_a_list():
    with SummaryWriter(new_run_dir("lab")) as writer, pytest.raises(TypeError, match="a dict"):
        log_hparams(writer, [("lr", 0.01)])


@pytest.mark.parametrize(("steps", "expected"), [("epochs", [1, 2]), ("minibatches", [2, 5])])
def test_lightning_logger_counts_steps_and_drops_the_epoch_chart(tmp_path, steps, expected):
    import lightning as L

    from dllab.lightning.module import SpiralMLP, loaders

    X, y = spiral(100, seed=0)
    data = loaders(split(X, y, n_test=40, n_valid=40, seed=0), batch_size=32)
    logger = lightning_logger(tmp_path, name="tb", version="", steps=steps)
    trainer = L.Trainer(
        max_epochs=2,
        logger=logger,
        accelerator="cpu",
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(SpiralMLP(hidden=[4]), data["train"], data["valid"])
    log_hparams(logger.experiment, {"lr": 0.01})  # after fit closed the writer, as in lab 6
    events = events_of(tmp_path / "tb")
    assert "epoch" not in events.Tags()["scalars"]
    assert "_hparams_/session_start_info" in events.PluginTagToContent("hparams")
    assert [e.step for e in events.Scalars("loss/valid")] == expected


def test_lightning_logger_rejects_an_unknown_unit(tmp_path):
    with pytest.raises(ValueError, match="steps='batches' is not allowed"):
        lightning_logger(tmp_path, name="tb", steps="batches")


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

    run = new_run_dir("lab", "images")
    with SummaryWriter(run) as writer:
        for step in range(13):
            writer.add_image("decision_boundary", np.zeros((3, 4, 4)), step)
    script = Path(__file__).resolve().parents[1] / "scripts" / "tensorboard.sh"
    proc = subprocess.Popen(
        [str(script), str(run.parent)],
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
            f"?run={run.name}&tag=decision_boundary"
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

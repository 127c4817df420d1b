import threading

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
        logger.log_hparams({"accuracy": 0.5})
    assert logger.run_dir.parent == tmp_path / "runs" / "lab"
    assert logger.run_dir.name.endswith("-lr0.01")

    events = EventAccumulator(str(logger.run_dir), size_guidance={"histograms": 0, "images": 0})
    events.Reload()
    tags = events.Tags()
    assert {"loss/train", "loss/valid", "hparam/accuracy"} <= set(tags["scalars"])
    assert [e.step for e in events.Scalars("loss/train")] == [1, 2, 3, 4]
    assert {"params/layers.0.weight", "params/layers.2.bias", "grads/layers.0.weight"} <= set(
        tags["histograms"]
    )
    assert [e.step for e in events.Histograms("params/layers.0.weight")] == [0, 2, 4]
    assert [e.step for e in events.Histograms("grads/layers.0.weight")] == [2, 4]  # none at 0
    assert [e.step for e in events.Images("decision_boundary")] == [0, 4]
    assert tags["graph"] is True
    plugins = {p for p in events.PluginTagToContent("hparams")}  # session start/end, experiment
    assert {"_hparams_/experiment", "_hparams_/session_start_info"} <= plugins


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


def test_events_are_written_in_place_without_a_writer_thread():
    threads = threading.active_count()
    with TensorBoardLogger("lab", "inline", hparams={}) as logger:
        assert threading.active_count() == threads  # the EventFileWriter's thread is gone
        for step in range(3):
            logger.writer.add_scalar("loss/train", 1.0 / (step + 1), step)
        # Not flushed, not closed: TensorBoard already sees every event, as it would live.
        events = EventAccumulator(str(logger.run_dir))
        events.Reload()
        assert [e.value for e in events.Scalars("loss/train")] == pytest.approx([1, 0.5, 1 / 3])
    assert len(list(logger.run_dir.glob("events.out.tfevents.*"))) == 1  # one file per run

"""Lab 6 through a real Jupyter kernel in quick mode: every cell runs, and the run folder holds
what the lab says it writes."""

import re

import pytest
from kernel import LABS, images, shipped_stubs, text_output

from dllab import tbviews

STEM = "06_lightning_search"


@pytest.mark.kernel
@pytest.mark.xdist_group(STEM)
def test_lab6_runs_in_a_kernel_and_writes_its_run_folder(labs):
    session = labs.session(STEM)
    nb, runs, results = session.nb, session.runs, session.results
    assert len(images(nb)) >= (LABS / f"{STEM}.py").read_text().count("dllab.show(")
    out = text_output(nb)
    if shipped_stubs():
        assert "… training_step: not attempted" in out and "… log_uniform: not attempted" in out
    run = min((runs / STEM).iterdir())  # the first run's folder (re-runs add others)
    assert list((run / "lightning/version_0/checkpoints").glob("best-epoch=*.ckpt"))
    assert list((run / "lightning/version_0").glob("events.out.tfevents.*"))
    for strategy in ("random", "grid"):  # one TensorBoard folder per trial
        trials = sorted(p.name for p in (run / strategy).iterdir())
        assert trials == [f"trial-{i:02d}" for i in range(16)]
    assert (run / "optuna.db").exists()
    # tensorboard.sh's default view: the Lightning run, no trial, so every run is ticked
    view = tbviews.default_view(runs)
    assert view and all(name.startswith("lab6/lightning") for name in view)
    served = [r for folder in view.values() for r in tbviews.runs_in(folder)]
    assert 1 <= len(served) <= tbviews.MAX_ENABLED and not any(map(tbviews.is_trial, served))
    assert {p.name for p in run.glob("optuna-*")} == {"optuna-random", "optuna-tpe"}
    assert (run / "ddp" / "result.json").is_file()
    ddp = results["DDP"]
    assert ddp["processes"] == 2 and all(e["overlap"] == 0 for e in ddp["per_epoch"])
    # The lab builds both searches itself: 16 trials each, the grid 2 values per hyper-parameter.
    grid = results["grid: distinct values per hyper-parameter"]
    assert grid == {"lr": 2, "width": 2, "depth": 2, "batch_size": 2}
    assert results["random: distinct values per hyper-parameter"]["lr"] == 16
    # The exercise's answer (SpiralMLP.training_step) is not printed before the student tries.
    assert 'self.log("loss/train"' not in out and "def configure_optimizers" in out
    # The DDP statements come with their numbers.
    assert f"overlap 0, together {ddp['per_epoch'][0]['union']}" in out
    assert re.search(r"training time: DDP \d+\.\d s, one process \d+\.\d s", out)

"""Lab 6's search: the sampler, seeded trials, Optuna studies, the search figure."""

import numpy as np
import optuna
import pytest
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

from dllab.lightning import search


@pytest.fixture(scope="module")
def data():
    return search.search_data(300, seed=1234)  # 300 training points: every batch size fits


def test_log_uniform_is_uniform_in_the_exponent_and_seeded():
    draws = search.log_uniform(1e-5, 1e-1, 20_000, np.random.default_rng(0))
    assert draws.shape == (20_000,) and draws.dtype == np.float64
    assert draws.min() >= 1e-5 and draws.max() <= 1e-1
    # Each of the 4 decades gets a quarter of the draws (uniform would put 90 % in the last).
    decades = np.histogram(np.log10(draws), bins=[-5, -4, -3, -2, -1])[0] / len(draws)
    assert np.allclose(decades, 0.25, atol=0.02)
    again = search.log_uniform(1e-5, 1e-1, 20_000, np.random.default_rng(0))
    assert np.array_equal(draws, again)


def test_best_so_far_skips_failed_trials():
    assert search.best_so_far([0.5, np.nan, 0.7, 0.2]).tolist() == [0.5, 0.5, 0.5, 0.2]


def hparams_logged(folder):
    """The names of the hyper-parameters and metrics in a trial folder's HParams summary."""
    names = set()
    for path in folder.glob("events.out.tfevents.*"):
        for event in EventFileLoader(str(path)).Load():
            for value in event.summary.value:
                if value.metadata.plugin_data.plugin_name == "hparams":
                    names.add(value.tag)
    return names


def test_seeded_trials_are_reproducible_and_log_hparams(data, tmp_path):
    configs = [
        {"lr": 0.01, "width": 16, "depth": 2, "batch_size": 32},
        {"lr": 0.3, "width": 24, "depth": 3, "batch_size": 64},
    ]
    first = search.run_configs(configs, data, num_steps=6, seed=1, run_dir=tmp_path / "a")
    again = search.run_configs(configs, data, num_steps=6, seed=1, run_dir=tmp_path / "b")
    assert first == again
    assert all(0 < r["val_loss"] < 5 and 0 <= r["val_acc"] <= 1 for r in first)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["trial-00", "trial-01"]
    search.run_configs(configs[:1], data, num_steps=2, seed=1, run_dir=tmp_path / "a")
    assert sorted(p.name for p in (tmp_path / "a-2").iterdir()) == ["trial-00"]  # never mixed
    # The three summaries TensorBoard's HParams tab reads: experiment, session start and end.
    assert hparams_logged(tmp_path / "a" / "trial-00") == {
        "_hparams_/experiment",
        "_hparams_/session_start_info",
        "_hparams_/session_end_info",
    }


def test_run_trial_names_missing_parameters(data, tmp_path):
    with pytest.raises(
        ValueError, match=r"params must be a dict with .*, got one without \['depth'\]"
    ):
        search.run_trial(
            {"lr": 0.01, "width": 8, "batch_size": 32}, data, num_steps=2, seed=0, log_dir=tmp_path
        )


def test_seeded_optuna_study_is_reproducible(data, tmp_path):
    def study_values(name):
        study = optuna.create_study(sampler=search.sampler(name, 7), direction="minimize")
        search.optimize(study, data, n_trials=3, num_steps=4, seed=1, log_root=tmp_path / name)
        return [(t.params, t.value) for t in study.trials]

    assert study_values("random") == study_values("random")
    with pytest.raises(ValueError, match="sampler must be one of 'random', 'tpe', got 'grid'"):
        search.sampler("grid", 0)


def test_search_figure_counts_trials_that_land_on_one_spot():
    from dllab.display import coinciding, plot_search

    lrs, losses = [1e-3] * 3 + [1e-1, 1e-1], [0.69, 0.6901, 0.69, 0.2, 0.5]
    assert coinciding(lrs, losses) == {(1e-3, 0.69): 3}  # the two at lr 0.1 are apart
    fig = plot_search({"grid search": (lrs, losses)})
    labels = [t.get_text() for t in fig.axes[1].texts]
    assert labels == ["×3"]

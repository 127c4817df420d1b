"""TensorBoard's views of runs/ after every lab ran: the default view enables every run it shows."""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from torch.utils.tensorboard import SummaryWriter

from dllab import tbviews
from dllab.session import finish_run, new_run_dir, runs_root, start_run

REPO = Path(__file__).resolve().parents[1]


def _events(folder: Path, tag="loss/train") -> None:
    with SummaryWriter(folder) as writer:
        writer.add_scalar(tag, 0.5, 1)


def all_labs_layout(executions_of_lab4: int = 2) -> Path:
    """The run folders `lab.sh all` (full mode) leaves, made with the labs' own functions:
    labs 1–3 and 5 save figures only; lab 4 three runs per execution; lab 6 its Lightning run,
    16 trials for each of random, grid and two Optuna studies; scripts/search.sh 40 trials."""
    for lab in ("01_gradient_descent", "02_backpropagation", "03_spiral", "05_weight_init"):
        (new_run_dir(lab, create=False) / "figure.png").write_bytes(b"png")
    for _ in range(executions_of_lab4):
        run = new_run_dir("04_tensorboard")
        for lr in ("0.001", "0.01", "0.1"):
            log_dir = start_run(run, f"lr{lr}")
            _events(log_dir)
            finish_run(log_dir)
        (run / "valid_loss.png").write_bytes(b"png")
    run = new_run_dir("06_lightning_search")
    _events(run / "lightning" / "version_0")
    for search in ("random", "grid", "optuna-random", "optuna-tpe"):
        for i in range(16):
            _events(run / search / f"trial-{i:02d}")
    search = new_run_dir("06_lightning_search", "search")
    for i in range(40):
        _events(search / "spiral" / f"trial-{i:03d}")
    return runs_root()


def test_default_view_of_all_labs_stays_under_tensorboards_limit():
    root = all_labs_layout()
    assert len(tbviews.runs_in(root)) > tbviews.MAX_ENABLED  # served whole, no run is ticked
    view = tbviews.default_view(root)
    newest_lab4 = max((root / "04_tensorboard").iterdir())
    (lab6,) = (root / "06_lightning_search").glob("2*")
    assert view == {"lab4": newest_lab4, "lab6/lightning": lab6 / "lightning"}
    assert tbviews.enabled_runs(view) == 4 <= tbviews.MAX_ENABLED
    assert tbviews.spec(view) == f"lab4:{newest_lab4},lab6/lightning:{lab6}/lightning"
    listed = tbviews.describe(root)
    for group in ("random", "grid", "optuna-random", "optuna-tpe"):
        assert f"{lab6 / group}  search trials: 16" in listed
    assert "search trials: 40" in listed and "every run of lab4: 6\n" in listed
    assert "every run of lab6: 105  (over 40: tick the runs to show)" in listed


def test_default_view_stays_under_the_limit_after_many_executions():
    root = all_labs_layout(executions_of_lab4=20)  # 60 runs of lab 4
    assert tbviews.enabled_runs(tbviews.default_view(root)) == 4
    assert "every run of lab4: 60  (over 40: tick the runs to show)" in tbviews.describe(root)


def test_unfinished_runs_are_shown_as_such():
    run = new_run_dir("04_tensorboard")
    _events(start_run(run, "lr0.01"))  # killed: never finished
    assert [r.name for r in tbviews.runs_in(tbviews.default_view(runs_root())["lab4"])] == [
        "lr0.01-unfinished"
    ]


def test_spec_refuses_names_tensorboard_cannot_parse(tmp_path):
    with pytest.raises(ValueError, match="no ',' or ':'"):
        tbviews.spec({"lab4": tmp_path / "a,b"})


@pytest.mark.script
def test_tensorboard_sh_default_view_enables_every_run(tmp_path):
    """The real server: its run list after all labs is the default view, at most 40 runs."""
    root = all_labs_layout()
    port = 6400 + os.getpid() % 500
    proc = subprocess.Popen(
        [str(REPO / "scripts" / "tensorboard.sh")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "TB_PORT": str(port), "LAB_RUNS_DIR": str(root)},
    )
    try:
        printed, line = "", ""
        while "http://127.0.0.1:" not in line:
            line = proc.stdout.readline()
            assert line, f"tensorboard.sh ended early:\n{printed}"
            printed += line
        assert "search trials: 16" in printed and "Default view" in printed
        assert "TensorBoard on the default view above: http://127.0.0.1:" in printed
        port = int(printed.split("http://127.0.0.1:")[1].split("/")[0])
        runs, deadline = [], time.monotonic() + 90
        while len(runs) < 4 and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/data/runs", timeout=2) as r:
                    runs = json.load(r)
            except (OSError, ValueError):
                pass
            time.sleep(0.5)
        assert sorted(runs) == [
            "lab4/lr0.001",
            "lab4/lr0.01",
            "lab4/lr0.1",
            "lab6/lightning/version_0",
        ]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stdout.close()


LABS = {
    # a figure saved into its run folder (what dllab.show does in a script)
    "01_fine.py": "# # Lab 1 — Fine\nimport dllab\n"
    "(dllab.new_run_dir('01_fine') / 'x.png').write_bytes(b'png')\n",
    "02_broken.py": "# # Lab 2 — Broken\nraise RuntimeError('lab 2 breaks')\n",
    "03_quiet.py": "# # Lab 3 — Quiet\nprint('no figures here')\n",
    # a finished TensorBoard run: its -unfinished folder was renamed, the last one recorded
    "04_logs.py": "# # Lab 4 — Logs\nimport dllab\n"
    "from dllab.session import finish_run, start_run\n"
    "run = dllab.new_run_dir('04_logs')\nfinish_run(start_run(run, 'lr0.1'))\n",
}


@pytest.mark.script
def test_lab_sh_reports_every_lab_and_goes_on_after_a_failure(tmp_path):
    repo = tmp_path / "repo"
    for part in ("scripts", "lib/dllab"):
        (repo / part).mkdir(parents=True)
    for script in ("lab.sh", "_common.sh"):
        shutil.copy2(REPO / "scripts" / script, repo / "scripts" / script)
    setup = repo / "scripts" / "setup.sh"  # the environment exists: this copy must not touch it
    setup.write_text("#!/usr/bin/env bash\nexit 0\n")
    setup.chmod(0o755)
    shutil.copy2(REPO / "lib/dllab/labs.py", repo / "lib/dllab/labs.py")
    (repo / "labs").mkdir()
    for name, code in LABS.items():
        (repo / "labs" / name).write_text(code)
    venv = Path(os.environ.get("LAB_VENV", REPO / ".venv"))
    done = subprocess.run(
        [str(repo / "scripts" / "lab.sh"), "2", "1", "3", "4"],
        capture_output=True,
        text=True,
        env={**os.environ, "LAB_VENV": str(venv), "LAB_RUNS_DIR": str(tmp_path / "runs")},
        timeout=300,
    )
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "=== lab 02 FAILED" in out and "lab 2 breaks" in done.stderr
    (folder,) = (tmp_path / "runs" / "01_fine").iterdir()
    assert f"=== lab 01 done; figures and logs of this run:\n  {folder}\n" in out
    assert "=== lab 03 done; this run saved no figures or logs" in out
    assert "1 lab(s) failed: 02_broken" in done.stderr
    (logs,) = (tmp_path / "runs" / "04_logs").iterdir()
    assert f"=== lab 04 done; figures and logs of this run:\n  {logs}\n  {logs}/lr0.1\n" in out
    assert out.index("lab 02") < out.index("lab 01") < out.index("lab 03") < out.index("lab 04")


def test_count_cli(tmp_path):
    _events(tmp_path / "a")
    _events(tmp_path / "b" / "c")
    out = subprocess.run(
        [sys.executable, "-m", "dllab.tbviews", "count", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "2"


def test_a_search_trial_has_its_own_hparams_table(tmp_path):
    """A trial folder's HParams: width, depth, lr, batch size and its best validation loss and
    accuracy; Scalars opens on the loss group (no `acc` or `epoch` group above it)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.plugins.hparams import plugin_data_pb2

    from dllab.lightning import search

    data = search.search_data(60, seed=0)
    params = {"lr": 0.01, "width": 8, "depth": 2, "batch_size": 16}
    search.run_trial(params, data, num_steps=4, seed=0, log_dir=tmp_path / "trial-00")
    events = EventAccumulator(str(tmp_path / "trial-00"))
    events.Reload()
    raw = events.PluginTagToContent("hparams")["_hparams_/experiment"]
    experiment = plugin_data_pb2.HParamsPluginData.FromString(raw).experiment
    assert {h.name for h in experiment.hparam_infos} == set(params)
    metrics = {m.name.tag for m in experiment.metric_infos}
    assert metrics == {"loss/valid_best", "metrics/acc_valid_best"}
    scalars = set(events.Tags()["scalars"])
    assert metrics <= scalars and "epoch" not in scalars
    # TensorBoard's Scalars tab opens its first two groups, sorted by name: loss first
    assert sorted({tag.split("/")[0] for tag in scalars}) == ["loss", "metrics"]

"""scripts/setup.sh on half-made, fake and foreign environments: offline, a second or less each.

A fake Python (a shell script that logs its arguments) stands in for the environment's Python,
so the pip commands setup.sh would run are checked without installing anything.
"""

import ensurepip
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.script

FAKE_PYTHON = """#!/usr/bin/env bash
# Logs every call; answers like an environment where the lock is missing and pip works.
# heartbeat.py runs the command after its `--` (this fake again), which is what gets logged.
case "$1" in */heartbeat.py) while [[ "$1" != -- ]]; do shift; done; shift; exec "$@" ;; esac
echo "$*" >>"$FAKE_LOG"
if [[ "$1 $2 $3" == "-m pip install" && -n "${FAKE_PIP_SECONDS:-}" ]]; then
    echo "pip starts" >>"$FAKE_LOG"; sleep "$FAKE_PIP_SECONDS"; echo "pip ends" >>"$FAKE_LOG"
fi
case "$1" in
    -c) case "$2" in *sysconfig*) echo "$FAKE_SITE" ;; *find_spec*) exit 1 ;;
        *"version('torch')"*) [[ -z "${FAKE_TORCH:-}" ]] || echo "$FAKE_TORCH" ;; esac ;;
    */locks.py) exit 1 ;;
esac
exit 0
"""


def run(*args, env=None, cwd=None, fresh_pip=False):
    """Run a command; fresh_pip: without any pip configuration, as on a fresh machine."""
    base = {k: v for k, v in os.environ.items() if k not in ("LAB_VENV", "DLLAB_CONTAINER")}
    if fresh_pip:
        base = {k: v for k, v in base.items() if not k.startswith("PIP_")}
        base["PIP_CONFIG_FILE"] = os.devnull
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        cwd=cwd,
        timeout=120,
    )


def fake_venv(tmp_path) -> tuple[Path, Path]:
    """A folder with bin/python that logs its calls; returns (venv, log)."""
    venv, log = tmp_path / "venv", tmp_path / "calls.log"
    (venv / "bin").mkdir(parents=True)
    (venv / "site").mkdir()
    python = venv / "bin/python"
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    return venv, log


def setup_env(venv, log):
    return {"LAB_VENV": str(venv), "FAKE_LOG": str(log), "FAKE_SITE": str(venv / "site")}


def pip_installs(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if line.startswith("-m pip install")]


def test_first_setup_says_what_and_how_big_then_installs_with_progress(tmp_path):
    venv, log = fake_venv(tmp_path)
    done = run(REPO / "scripts/setup.sh", env=setup_env(venv, log))
    assert done.returncode == 0, done.stderr
    count = sum("==" in line for line in (REPO / "requirements.lock").read_text().splitlines())
    assert f"setup: installing the {count} packages of requirements.lock into {venv}" in done.stdout
    assert "GB to download" in done.stdout and "pip lists every download" in done.stdout
    locked, editable = pip_installs(log)
    lock = REPO / "requirements.lock"
    # pip's own progress: neither --quiet nor output thrown away for the big install.
    cuda_lock = REPO / "requirements-cuda.lock"
    assert locked == (
        "-m pip install --disable-pip-version-check"
        f" -c {lock} -c {cuda_lock} --no-compile -r {lock}"
    )
    # pip's one-by-one compile left out, then every installed file compiled on every core
    (compile,) = [line for line in log.read_text().splitlines() if "compileall" in line]
    assert compile == f"-m compileall -q -q -j 0 {venv / 'site'}"
    assert editable.split() == [
        "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-index",
        "--no-build-isolation", "-c", str(lock), "-e", f"{REPO}[dev]",
    ]  # fmt: skip
    assert (venv / ".dllab-setup").is_file()
    config = (venv / "etc/ipython/ipython_kernel_config.py").read_text()
    assert '"%autoreload 2"' in config and '["autoreload"]' in config


def test_two_setups_at_once_never_run_pip_together(tmp_path):
    """Two scripts started together on a machine not yet set up: one setup waits for the other."""
    venv, log = fake_venv(tmp_path)
    env = {**os.environ, **setup_env(venv, log), "FAKE_PIP_SECONDS": "1"}
    env.pop("DLLAB_CONTAINER", None)
    setups = [
        subprocess.Popen(
            [REPO / "scripts/setup.sh"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env,
        )
        for _ in range(2)
    ]  # fmt: skip
    outputs = [p.communicate(timeout=120) for p in setups]
    assert [p.returncode for p in setups] == [0, 0], outputs
    marks = [line for line in log.read_text().splitlines() if line.startswith("pip ")]
    assert marks and marks == ["pip starts", "pip ends"] * (len(marks) // 2)  # never overlapping
    waited = [out for out, _ in outputs if "another setup of" in out]
    assert len(waited) == 1 and f"another setup of {venv} is running" in waited[0]


CPU_INDEX = "https://download.pytorch.org/whl/cpu"
TORCH = next(
    line.split("==")[1]
    for line in (REPO / "requirements.lock").read_text().splitlines()
    if line.startswith("torch==")
)


def test_cpu_switch_fetches_torch_alone_from_the_cpu_index_and_is_remembered(tmp_path):
    venv, log = fake_venv(tmp_path)
    done = run(REPO / "scripts/setup.sh", "--cpu", env=setup_env(venv, log))
    assert done.returncode == 0, done.stderr
    assert "PyTorch's CPU build" in done.stdout
    (venv / ".dllab-setup").unlink()
    done = run(REPO / "scripts/setup.sh", env=setup_env(venv, log))
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    fetches = [line for line in calls if line.startswith("-m pip download")]
    assert len(fetches) == 2 and all(
        f"--index-url {CPU_INDEX} --dest {venv}/.dllab-torch-cpu torch=={TORCH}+cpu" in line
        for line in fetches
    )
    locked = [line for line in pip_installs(log) if " -r " in line]
    assert len(locked) == 2  # the CPU wheel and the constraint that only it satisfies
    assert all(
        f"--find-links {venv}/.dllab-torch-cpu -c {venv}/.dllab-torch-cpu.txt" in x for x in locked
    )
    assert not any(CPU_INDEX in line for line in locked)  # no other package from that index
    assert (venv / ".dllab-torch-cpu.txt").read_text() == f"torch=={TORCH}+cpu\n"


def test_cpu_switch_never_falls_back_to_the_cuda_build_when_the_index_is_unreachable(tmp_path):
    """A real pip against a closed port (no pip configuration: a fresh machine): one clear
    line within a minute, and nothing installed."""
    venv = tmp_path / "venv"
    # The pip that `python -m venv` would install: Python's own wheel of it, unpacked and put on
    # the venv's path rather than installed into the venv, which takes seconds (pip runs from
    # the wheel itself too, but imports slower from a zip file).
    wheels = sorted((Path(ensurepip.__file__).parent / "_bundled").glob("pip-*.whl"))
    without_pip = ["--without-pip"] if wheels else []
    subprocess.run([sys.executable, "-m", "venv", *without_pip, venv], check=True)
    if wheels:
        zipfile.ZipFile(wheels[-1]).extractall(tmp_path / "bundled-pip")
        (site_packages(venv) / "bundled-pip.pth").write_text(f"{tmp_path / 'bundled-pip'}\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/simple"
    start = time.monotonic()
    done = run(
        REPO / "scripts/setup.sh",
        "--cpu",
        env={"LAB_VENV": str(venv), "LAB_TORCH_CPU_INDEX": closed},
        fresh_pip=True,
    )
    assert time.monotonic() - start < 60
    assert done.returncode != 0
    assert f"PyTorch's CPU index ({closed}) did not give torch {TORCH}+cpu" in done.stderr
    assert f"No matching distribution found for torch=={TORCH}+cpu" in done.stderr  # pip's
    assert "nothing else was installed" in done.stderr and "without --cpu" in done.stderr
    site = site_packages(venv)
    assert not list(site.glob("torch*")) and not list(site.glob("numpy*"))


def site_packages(venv: Path) -> Path:
    done = subprocess.run(
        [venv / "bin/python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(done.stdout.strip())


@pytest.mark.parametrize("asked", [["--cpu"], []])
def test_cpu_choice_on_an_environment_with_the_cuda_build_makes_it_again(tmp_path, asked):
    """--cpu (or the remembered choice) where torch is the CUDA build: .venv is made again."""
    repo = copy_of_repo(tmp_path)
    venv, log = fake_venv(tmp_path)
    shutil.move(venv, repo / ".venv")
    if not asked:
        (repo / ".venv/.dllab-cpu").touch()
    env = {"FAKE_LOG": str(log), "FAKE_TORCH": TORCH, "PYTHON": python_without_venv(tmp_path)}
    done = run(repo / "scripts/setup.sh", *asked, env=env)
    assert (
        f"setup: --cpu: {repo}/.venv holds torch {TORCH} (the CUDA build); deleting it and making "
        "it again with the CPU build" in done.stdout
    )
    assert f"setup: creating {repo}/.venv with Python 3.12" in done.stdout


def test_cpu_switch_on_a_cuda_environment_elsewhere_is_named_not_deleted(tmp_path):
    venv, log = fake_venv(tmp_path)
    done = run(
        REPO / "scripts/setup.sh", "--cpu", env={**setup_env(venv, log), "FAKE_TORCH": TORCH}
    )
    assert done.returncode != 0
    assert f"{venv} holds torch {TORCH} (the CUDA build)" in done.stderr
    assert f"rm -rf {venv}" in done.stderr and (venv / "bin/python").exists()


def test_default_setup_never_uses_the_cpu_index(tmp_path):
    venv, log = fake_venv(tmp_path)
    assert run(REPO / "scripts/setup.sh", env=setup_env(venv, log)).returncode == 0
    assert not any("download.pytorch.org" in line for line in pip_installs(log))


def test_unknown_argument_names_the_allowed_ones():
    done = run(REPO / "scripts/setup.sh", "--gpu")
    assert done.returncode != 0
    assert "unknown argument '--gpu' (allowed: --cpu, --if-needed, --help)" in done.stderr


def test_if_needed_is_silent_when_up_to_date():
    done = run(
        REPO / "scripts/setup.sh",
        "--if-needed",
        env={"LAB_VENV": os.environ.get("LAB_VENV", str(REPO / ".venv"))},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize(
    "script", ["lab.sh", "check.sh", "tensorboard.sh", "bench.sh", "class_report.sh"]
)
def test_scripts_that_trigger_setup_let_its_progress_through(script):
    text = (REPO / "scripts" / script).read_text()
    calls = [line for line in text.splitlines() if "scripts/setup.sh" in line]
    assert calls == ['"$REPO/scripts/setup.sh" --if-needed']


def copy_of_repo(root: Path) -> Path:
    """The files setup.sh reads, copied into root/repo: a repository of our own to break."""
    repo = root / "repo"
    for name in ("scripts/setup.sh", "scripts/_common.sh", "scripts/locks.py"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, repo / name)
    for name in ("requirements.lock", "requirements-cuda.lock", "pyproject.toml"):
        shutil.copy2(REPO / name, repo / name)
    return repo


def python_without_venv(tmp_path) -> Path:
    """A Python 3.12 whose `-m venv` leaves a venv without pip, as without python3-venv."""
    fake = tmp_path / "python3.12"
    fake.write_text(
        "#!/usr/bin/env bash\n"
        'case "$1 $2" in\n'
        '    "-m venv") mkdir -p "$3/bin"; ln -s "$(command -v python3)" "$3/bin/python";'
        ' echo "ensurepip is not available" >&2; exit 1 ;;\n'
        '    -c*) case "$2" in *print*) echo 3.12 ;; esac ;;\n'
        "esac\n"
    )
    fake.chmod(0o755)
    return fake


def test_venv_without_pip_is_removed_with_the_package_to_install(tmp_path):
    repo = copy_of_repo(tmp_path)
    done = run(repo / "scripts/setup.sh", env={"PYTHON": python_without_venv(tmp_path)})
    assert done.returncode != 0
    assert f"could not create {repo}/.venv with pip in it" in done.stderr
    assert "sudo apt install python3.12-venv" in done.stderr
    # Nothing half-made left behind to break the next run.
    assert not (repo / ".venv").exists()


def venv_without_pip(venv: Path):
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)


def link_to_the_container_venv(venv: Path):
    venv.symlink_to("/opt/no-such-venv")


@pytest.mark.parametrize(
    "make, problem",
    [(venv_without_pip, "it has no pip"), (link_to_the_container_venv, "does not run")],
)
def test_half_made_dot_venv_is_deleted_and_made_again(tmp_path, make, problem):
    repo = copy_of_repo(tmp_path)
    make(repo / ".venv")
    done = run(repo / "scripts/setup.sh", env={"PYTHON": python_without_venv(tmp_path)})
    assert f"setup: {repo}/.venv is half-made (" in done.stdout and problem in done.stdout
    assert "deleting it and starting over" in done.stdout
    # It went on to create a new one (which the fake Python then fails to finish).
    assert f"setup: creating {repo}/.venv with Python 3.12" in done.stdout


def test_half_made_environment_elsewhere_is_named_not_deleted(tmp_path):
    venv = tmp_path / "elsewhere"
    venv_without_pip(venv)
    done = run(REPO / "scripts/setup.sh", env={"LAB_VENV": str(venv)})
    assert done.returncode != 0
    assert f"{venv} is not a usable environment (it has no pip)" in done.stderr
    assert f"rm -rf {venv}" in done.stderr
    assert (venv / "bin/python").exists()


def test_pre_commit_hook_of_the_container_is_reported_with_the_fix(tmp_path):
    repo = copy_of_repo(tmp_path)
    subprocess.run(["git", "init", "-q", repo], check=True)
    hook = repo / ".git/hooks/pre-commit"
    # A Python this machine lacks, as /opt/venv/bin/python on the host (not /opt/venv itself:
    # the tests also run in the container, where that one exists).
    hook.write_text("#!/usr/bin/env bash\nINSTALL_PYTHON=/opt/no-such-venv/bin/python\n")
    done = run(repo / "scripts/setup.sh", env={"PYTHON": "no-such-python"})
    assert f"the git pre-commit hook ({hook}) runs /opt/no-such-venv/bin/python" in done.stderr
    assert f"Fix: rm {hook}" in done.stderr
    assert "No such file" not in done.stderr


def test_a_clone_the_user_cannot_write_stops_setup_with_the_fix():
    """As a root-owned clone is for the container user: cause and fix, nothing installed."""
    as_other_user = []
    if os.geteuid() == 0:  # root writes everywhere: run the script as nobody instead
        as_other_user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    with tempfile.TemporaryDirectory(prefix="setup-test-") as tmp:
        os.chmod(tmp, 0o755)
        repo = copy_of_repo(Path(tmp))
        repo.chmod(0o555)
        try:
            done = run(*as_other_user, repo / "scripts/setup.sh", env={"DLLAB_CONTAINER": "1"})
        finally:
            repo.chmod(0o755)
    assert done.returncode != 0
    assert f"cannot write to {repo}: it belongs to" in done.stderr
    assert "clone the repository as your normal user" in done.stderr
    assert "then rebuild the container" in done.stderr


def test_in_the_container_dot_venv_links_to_the_image_environment(tmp_path):
    repo = copy_of_repo(tmp_path)
    venv, log = fake_venv(tmp_path)
    env = {**setup_env(venv, log), "DLLAB_CONTAINER": "1"}
    done = run(repo / "scripts/setup.sh", env=env)
    assert done.returncode == 0, done.stderr
    assert os.readlink(repo / ".venv") == str(venv)


def test_in_the_container_a_host_dot_venv_is_kept_and_named(tmp_path):
    repo = copy_of_repo(tmp_path)
    (repo / ".venv").mkdir()
    venv, log = fake_venv(tmp_path)
    done = run(repo / "scripts/setup.sh", env={**setup_env(venv, log), "DLLAB_CONTAINER": "1"})
    assert done.returncode == 0, done.stderr
    assert f"{repo}/.venv is another environment" in done.stdout
    assert f"select {venv}/bin/python" in done.stdout
    assert (repo / ".venv").is_dir() and not (repo / ".venv").is_symlink()


@pytest.mark.kernel
@pytest.mark.parametrize("switch, reloads", [(None, True), ("0", False)], ids=["default", "off"])
def test_kernels_of_the_environment_reload_edited_modules(tmp_path, monkeypatch, switch, reloads):
    """setup.sh's kernel config: %autoreload 2 in every kernel, unless LAB_AUTORELOAD=0."""
    from kernel import execute, text_output

    if switch is None:
        monkeypatch.delenv("LAB_AUTORELOAD", raising=False)
    else:
        monkeypatch.setenv("LAB_AUTORELOAD", switch)
    # not autoreload.py: the kernel runs in tmp_path, and "%load_ext autoreload" would import it
    cell = tmp_path / "reload_check.py"
    cell.write_text(
        "# %%\n"
        "magics = get_ipython().magics_manager.registry.get('AutoreloadMagics')\n"
        "print(bool(magics and magics._reloader.enabled))\n"
    )
    assert text_output(execute(cell, timeout=60)).strip() == str(reloads)


def test_heartbeat_speaks_when_the_command_is_quiet_and_passes_its_status_on():
    """pip unpacks for minutes without a word: heartbeat.py fills every quiet stretch."""
    script = (
        "print('Installing collected packages: torch', flush=True); import time; time.sleep(2.6)"
    )
    done = run(
        sys.executable, REPO / "scripts/heartbeat.py", "--every", "1", "--prefix", "setup: ", "--",
        sys.executable, "-c", script + "; raise SystemExit(3)",
    )  # fmt: skip
    assert done.returncode == 3
    lines = done.stdout.splitlines()
    assert lines[0] == "Installing collected packages: torch"
    beats = [line for line in lines[1:] if line.startswith("setup: pip is unpacking")]
    assert len(beats) >= 2 and all(line.endswith("s so far)") for line in beats)

import ast
import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import dllab
from dllab import doctor
from dllab.session import runs_root

REPO = Path(__file__).resolve().parents[1]


def test_set_seed_makes_torch_numpy_and_random_repeatable():
    import random

    dllab.set_seed(7)
    first = (torch.randn(3), np.random.rand(3), random.random())  # noqa: NPY002
    dllab.set_seed(7)
    second = (torch.randn(3), np.random.rand(3), random.random())  # noqa: NPY002
    assert torch.equal(first[0], second[0])
    assert np.array_equal(first[1], second[1])
    assert first[2] == second[2]


@pytest.mark.parametrize(
    ("bad", "error"),
    [(-1, ValueError), (2**32, ValueError), (1.5, TypeError), ("7", TypeError), (True, TypeError)],
)
def test_set_seed_rejects_bad_seed(bad, error):
    with pytest.raises(error, match="seed must be an int"):
        dllab.set_seed(bad)


def test_set_seed_takes_a_numpy_integer():
    dllab.set_seed(np.int64(7))
    first = torch.rand(2)
    dllab.set_seed(7)
    assert torch.equal(first, torch.rand(2))


def test_get_device_honours_lab_device(monkeypatch):
    monkeypatch.setenv("LAB_DEVICE", "cpu")
    assert dllab.get_device() == torch.device("cpu")


def test_get_device_rejects_unknown_name(monkeypatch):
    monkeypatch.setenv("LAB_DEVICE", "tpu")
    with pytest.raises(ValueError, match=r"'tpu'.*allowed: cpu, cuda, cuda:N, mps"):
        dllab.get_device()


@pytest.mark.skipif(
    torch.cuda.is_available(), reason="checks the message on a machine without CUDA"
)
def test_get_device_says_when_requested_gpu_is_missing(monkeypatch):
    monkeypatch.setenv("LAB_DEVICE", "cuda")
    with pytest.raises(RuntimeError, match="no CUDA device is visible"):
        dllab.get_device()


def test_get_device_default_is_available_device():
    device = dllab.get_device()
    assert torch.zeros(1, device=device).device.type == device.type


@pytest.mark.parametrize(
    ("value", "quick"), [("1", True), ("true", True), ("0", False), ("", False)]
)
def test_quick_mode(monkeypatch, value, quick):
    monkeypatch.setenv("LAB_QUICK", value)
    assert dllab.is_quick() is quick
    assert dllab.pick(full=1000, quick=10) == (10 if quick else 1000)


def test_quick_mode_rejects_unknown_value(monkeypatch):
    monkeypatch.setenv("LAB_QUICK", "maybe")
    with pytest.raises(ValueError, match="LAB_QUICK='maybe'"):
        dllab.is_quick()


def test_run_dirs_never_collide(tmp_path):
    dirs = [dllab.new_run_dir("lab") for _ in range(5)] + [dllab.new_run_dir("lab", "lr0.01")]
    assert len(set(dirs)) == 6
    assert all(d.is_dir() and d.parent == tmp_path / "runs" / "lab" for d in dirs)
    assert re.fullmatch(r"\d{8}-\d{6}(\.\d+)?", dirs[1].name)
    assert re.fullmatch(r"lr0\.01-\d{8}-\d{6}", dirs[-1].name)  # what differs comes first


def test_run_dir_without_create_is_made_only_where_figures_are_saved(tmp_path, monkeypatch):
    monkeypatch.setattr("dllab.display.in_kernel", lambda: True)  # figures inline: no folder
    shown = dllab.new_run_dir("lab", create=False)
    assert not shown.exists() and shown.parent == tmp_path / "runs" / "lab"
    monkeypatch.undo()
    monkeypatch.setenv("LAB_RUNS_DIR", str(tmp_path / "runs"))
    run = dllab.new_run_dir("lab", create=False)  # a script saves figures: claimed at once
    assert run.is_dir() and run.parent == tmp_path / "runs" / "lab"
    fig, ax = plt.subplots()
    dllab.show(fig, "curve", run)
    assert (run / "curve.png").is_file()


def test_run_dir_rejects_bad_names():
    with pytest.raises(ValueError, match=r"lab='\.\./x'.*allowed"):
        dllab.new_run_dir("../x")
    with pytest.raises(ValueError, match="name='a b'"):
        dllab.new_run_dir("lab", "a b")


def test_runs_root_is_repository_runs_without_override(monkeypatch):
    monkeypatch.delenv("LAB_RUNS_DIR")
    repo = Path(dllab.__file__).resolve().parents[2]
    assert (repo / "pyproject.toml").exists()
    assert runs_root() == repo / "runs"


def test_show_saves_png_in_script_mode_without_overwriting(tmp_path, capsys):
    run = dllab.new_run_dir("lab")
    paths, figures = [], []
    for _ in range(2):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0])
        figures.append(fig.number)
        paths.append(dllab.show(fig, "curve", run))
    assert [p.name for p in paths] == ["curve.png", "curve-2.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths)
    assert f"figure saved: {paths[0]}" in capsys.readouterr().out
    assert not any(plt.fignum_exists(n) for n in figures)  # closed after saving


def test_show_needs_a_run_dir_in_script_mode():
    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="needs run_dir"):
        dllab.show(fig, "x")
    plt.close(fig)


def test_doctor_report_and_banner(monkeypatch):
    monkeypatch.setenv("LAB_DEVICE", "cpu")
    facts = doctor.report()
    assert facts["torch"] == torch.__version__
    assert facts["device"] == "cpu"
    assert facts["dllab"].endswith(os.path.join("lib", "dllab"))
    assert facts["cuda_available"] is torch.cuda.is_available()
    line = doctor.banner(facts)
    # The build as setup.sh names it, from torch's metadata: PyPI's CUDA wheel says 2.13.0 there
    # where torch.__version__ says 2.13.0+cu130.
    built = "CPU build" if torch.version.cuda is None else f"CUDA {torch.version.cuda} build"
    assert "\n" not in line and f"torch {metadata.version('torch')} ({built})" in line


def test_doctor_hints_when_driver_visible_but_no_cuda(monkeypatch):
    monkeypatch.setattr(doctor, "host_has_nvidia", lambda: True)
    monkeypatch.setattr(doctor, "nvidia_driver", lambda: None)
    monkeypatch.setattr(torch.version, "cuda", "13.0")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert "NVIDIA Container Toolkit" in doctor.report()["hint"]


def test_doctor_runs_as_module():
    done = subprocess.run(
        [sys.executable, "-m", "dllab.doctor", "--full"], capture_output=True, text=True, check=True
    )
    assert re.search(r"^torch\s+2\.13\.0", done.stdout, re.M)
    assert "in_container" in done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "dllab.doctor", "--bogus"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "usage" in bad.stderr


def _run_stdlib_only(script: str, *args: str) -> str:
    """Run lib/dllab/<script> as a file; its output, after checking that it imported none of
    torch, numpy, matplotlib and the dllab package (what makes a script start at once)."""
    code = (
        f"import runpy, sys; sys.argv = {[script, *args]!r}; "
        f"runpy.run_path('lib/dllab/{script}', run_name='__main__')"
    )
    probe = (
        "import atexit, sys; atexit.register(lambda: print(sorted("
        "m for m in sys.modules if m.split('.')[0] in {'torch', 'numpy', 'matplotlib', 'dllab'}"
        "), file=sys.stderr))\n" + code
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "[]"
    return done.stdout.strip()


def test_the_lab_registry_answers_without_importing_torch():
    """lab.sh asks labs.py for the labs and runs/ before anything heavy: standard library only."""
    assert _run_stdlib_only("labs.py", "runs") == str(runs_root())


def test_importing_the_lab_registry_loads_the_standard_library_only():
    """`import dllab.labs` in a fresh interpreter (as the benchmark and check.sh do): the package
    dllab itself must not pull in torch, numpy or matplotlib on the way."""
    probe = (
        "import sys; before = set(sys.modules); import dllab.labs; "
        "new = {m.split('.')[0] for m in set(sys.modules) - before}; "
        "print(sorted(new - set(sys.stdlib_module_names)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "['dllab']"


def test_tensorboard_views_are_worked_out_without_importing_torch(tmp_path):
    """tensorboard.sh asks tbviews.py for the default view before TensorBoard starts."""
    run = tmp_path / "04_tensorboard" / "20260101-000000" / "lr0.01"
    run.mkdir(parents=True)
    (run / "events.out.tfevents.1.host").write_bytes(b"")
    assert _run_stdlib_only("tbviews.py", "spec", str(tmp_path)) == f"lab4:{run.parent}"


def test_doctor_names_the_torch_build_from_its_metadata():
    cuda = [
        "filelock",
        'cuda-toolkit[cublas,cudart]==13.0.3; platform_system == "Linux"',
        'nvidia-cudnn-cu13==9.20.0.48; platform_system == "Linux"',
    ]
    assert doctor.describe_build("2.13.0", cuda) == "torch 2.13.0 (CUDA 13.0 build)"
    older = ['nvidia-cuda-runtime-cu12==12.8.90; platform_system == "Linux"']
    assert doctor.describe_build("2.7.0", older) == "torch 2.7.0 (CUDA 12.8 build)"
    assert doctor.describe_build("2.13.0+cpu", ["filelock"]) == "torch 2.13.0+cpu (CPU build)"
    # The installed one, as setup.sh prints it, agrees with what torch itself says.
    built = doctor.torch_build()
    assert built.startswith(f"torch {torch.__version__.split('+')[0]}")
    assert ("CPU build" in built) == (torch.version.cuda is None)


# ---------------------------------------------------------------- no dead code

LIB = REPO / "lib" / "dllab"


def _module_of(dotted: str) -> str:
    """'dllab.lightning.search' -> 'lightning/search.py' ('…/__init__.py' for a package)."""
    path = "/".join(dotted.split(".")[1:]) or "."
    return f"{path}/__init__.py".removeprefix("./") if (LIB / path).is_dir() else f"{path}.py"


def _uses(tree: ast.AST, local: dict) -> set:
    """The (module, name) pairs a piece of code refers to: a bare name defined at the top of its
    own module (local: {name: module}), a name imported from dllab, and for x.name the name of
    any module ("*")."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dllab"):
            found |= {(_module_of(node.module), alias.name) for alias in node.names}
        elif isinstance(node, ast.Name) and node.id in local:
            found.add((local[node.id], node.id))
        elif isinstance(node, ast.Attribute):
            found.add(("*", node.attr))
    return found


def _defined(node: ast.stmt) -> list[str]:
    """The names a top-level statement defines (def, class, NAME = …)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return [t.id for t in targets if isinstance(t, ast.Name)]


def test_every_public_function_and_class_of_the_library_is_used():
    """Each public function or class of lib/dllab is used by a lab, a script, a README example
    or library code that is itself used; tests do not count. Read from the syntax trees, from
    those users on, nothing imported."""
    definitions, public, used = {}, [], set()  # definitions: (module, name) -> what it uses
    for path in sorted(LIB.rglob("*.py")):
        module = path.relative_to(LIB).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        local = {name: module for node in tree.body for name in _defined(node)}
        for node in tree.body:
            for name in _defined(node):
                definitions[(module, name)] = _uses(node, local)
                if not name.startswith("_") and not isinstance(node, ast.Assign | ast.AnnAssign):
                    public.append((module, name))
            if not _defined(node):  # imports, `if __name__ == "__main__":` and the like run
                used |= _uses(node, local)
    for path in [*sorted(REPO.glob("labs/*.py")), *sorted(REPO.glob("scripts/*.py"))]:
        used |= _uses(ast.parse(path.read_text(encoding="utf-8")), {})
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"```\w*\n(.*?)```", readme, re.S) + re.findall(r"`([^`\n]+)`", readme)
    shell = [path.read_text(encoding="utf-8") for path in sorted(REPO.glob("scripts/*.sh"))]
    used |= {("*", word) for word in re.findall(r"\w+", " ".join(examples + shell))}
    reached, todo = set(), list(used)
    while todo:
        module, name = todo.pop()
        for key in [(module, name)] if module != "*" else [k for k in definitions if k[1] == name]:
            if key in definitions and key not in reached:
                reached.add(key)
                todo += definitions[key]
    dead = {f"{module}:{name}" for module, name in public if (module, name) not in reached}
    assert dead == set(), "unused: remove them, or make them private (_name)"

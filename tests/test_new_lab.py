"""The teaching team's scripts: new_lab.sh (a scaffolded lab passes the labs' tests at once) and
make_template.sh (the repository the students get)."""

import os
import shutil
import subprocess
import sys
import sysconfig

import pytest
from kernel import REPO, STUDENT_WORKFLOW, UPSTREAM_MARKER, shipped_stubs


def _files() -> list[str]:
    """The repository's files as a fresh clone would have them, plus new files not ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return [f for f in listed.stdout.split("\0") if f and (REPO / f).is_file()]


def copy_repo(dest):
    for name in _files():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, dest / name)
    return dest


def light_venv(copy):
    """An environment for the copy that reuses this one's packages (no download, seconds):
    a venv whose .pth file adds this environment's site-packages; setup.sh then installs the
    copy's dllab editable into it, ahead of ours."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", copy / ".venv"], check=True)
    python = copy / ".venv/bin/python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with open(os.path.join(site, "_dllab_base.pth"), "w") as f:
        f.write(sysconfig.get_path("purelib") + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("LAB_VENV", "VIRTUAL_ENV")}
    done = subprocess.run(
        [copy / "scripts/setup.sh"], capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    where = subprocess.run(
        [python, "-c", "import dllab; print(dllab.__file__)"], capture_output=True, text=True
    )
    assert where.stdout.strip() == str(copy / "lib/dllab/__init__.py")
    return env


@pytest.mark.script
def test_a_scaffolded_lab_passes_the_lab_tests_at_once(tmp_path):
    copy = copy_repo(tmp_path / "repo")
    done = subprocess.run(
        [copy / "scripts/new_lab.sh", "07", "demo", "--title", "A demo lab"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    lab, spec = copy / "labs/07_demo.py", copy / "lib/dllab/exercises/specs/lab07.py"
    assert lab.read_text().startswith("# %% [markdown]\n# # Lab 7 — A demo lab\n")
    assert "| 7 | `labs/07_demo.py` |" in (copy / "README.md").read_text()
    ruff = [sys.executable, "-m", "ruff"]
    for args in (["check"], ["format", "--check"]):  # what pre-commit runs
        done = subprocess.run([*ruff, *args, lab, spec], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    env = light_venv(copy)
    # every test of tests/test_labs.py and tests/test_exercises.py that covers lab 7 or its
    # exercises (by name) or every lab; the other labs' runs are left out
    done = subprocess.run(
        [
            copy / ".venv/bin/python",
            "-m",
            "pytest",
            "-n",
            "0",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_labs.py",
            "tests/test_exercises.py",
            "-k",
            "07_demo or demo_mse or every_lab",
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        env={**env, "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "skipped" not in summary and "failed" not in summary
    passed = int(summary.split(" passed")[0].split()[-1])
    assert passed >= 20, summary  # 7 lab tests + 2 × (reference, stub, raise, 3 mistakes…)
    # and check.sh grades it: nothing attempted yet
    done = subprocess.run(
        [copy / "scripts/check.sh", "7"], capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 3, done.stdout + done.stderr
    assert done.stdout.splitlines()[1].split() == ["07_demo", "0", "0", "2"]


def _tree(tmp_path):
    """The files new_lab.sh reads and writes, in a small copy."""
    copy = tmp_path / "repo"
    for name in (
        "scripts/new_lab.sh",
        "scripts/new_lab.py",
        "scripts/_common.sh",
        "README.md",
        "lib/dllab/exercises/cells.py",
    ):
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, copy / name)
    shutil.copytree(REPO / "labs", copy / "labs")
    shutil.copytree(REPO / "lib/dllab/exercises/specs", copy / "lib/dllab/exercises/specs")
    return copy


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["3", "again"], "lab 3 exists already: "),
        (["0", "zero"], "number '0': allowed 1 to 99"),
        (["x7", "demo"], "number 'x7': allowed 1 to 99"),
        (["7", "Demo-Lab"], "name 'Demo-Lab': allowed lowercase letters, digits and _"),
        (["7", "demo", "--title", "a | b"], "--title 'a | b': one line, without '|'"),
    ],
)
def test_new_lab_refuses_bad_arguments_and_changes_nothing(tmp_path, args, message):
    copy = _tree(tmp_path)
    readme = (copy / "README.md").read_text()
    labs = sorted(p.name for p in (copy / "labs").iterdir())
    done = subprocess.run([copy / "scripts/new_lab.sh", *args], capture_output=True, text=True)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert (copy / "README.md").read_text() == readme
    assert sorted(p.name for p in (copy / "labs").iterdir()) == labs


def test_new_lab_puts_the_readme_row_in_order(tmp_path):
    copy = _tree(tmp_path)
    for number in ("9", "8"):
        done = subprocess.run(
            [copy / "scripts/new_lab.sh", number, f"lab{number}", "--question", f"Q{number}?"],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
    rows = [line for line in (copy / "README.md").read_text().splitlines() if line[:2] == "| "]
    numbers = [row.split("|")[1].strip() for row in rows[1:]]
    assert numbers[-3:] == ["6", "8", "9"] and rows[-1].endswith("| Q9? |")


def test_make_template_writes_the_students_repository(tmp_path):
    dest = tmp_path / "template"
    done = subprocess.run([REPO / "scripts/make_template.sh", dest], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (dest / STUDENT_WORKFLOW).read_text() == (
        REPO / ".github/student-template/workflows/check.yml"
    ).read_text()
    assert not (dest / UPSTREAM_MARKER).exists()
    assert not (dest / ".github/student-template").exists()
    assert (dest / ".github/workflows/tests.yml").exists()  # the project's tests run there too
    committed = subprocess.run(
        ["git", "show", "HEAD:labs/02_backpropagation.py"], cwd=REPO, capture_output=True, text=True
    ).stdout
    assert (dest / "labs/02_backpropagation.py").read_text() == committed
    assert shipped_stubs(REPO) and not shipped_stubs(dest)
    again = subprocess.run(
        [REPO / "scripts/make_template.sh", dest], capture_output=True, text=True
    )
    assert again.returncode == 2 and "is not empty" in again.stderr


def test_without_marker_and_without_student_workflow_the_tests_say_so(tmp_path):
    with pytest.raises(pytest.fail.Exception, match="restore the marker"):
        shipped_stubs(tmp_path)

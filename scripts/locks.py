"""The lock files: regenerate requirements-cuda.lock, or check an environment against a lock.

Usage:
  .venv/bin/python scripts/locks.py cuda              rewrite requirements-cuda.lock
  python scripts/locks.py check LOCK [--exact]        is every pin of LOCK installed here?

requirements.lock pins what every environment installs. On Linux x86_64, PyPI's torch==2.13.0 is
the CUDA build, which brings its own packages (nvidia-*, cuda-*, triton) that no CPU machine sees.
`cuda` asks pip which packages the dev container's Python (3.12 on Ubuntu 24.04, x86_64) installs
for requirements.lock, without downloading a wheel (`pip install --dry-run --report` reads the
index's metadata only), and writes them all, pinned, to requirements-cuda.lock. It resolves
against PyPI with no pip configuration file, as the container's pip does. Run it after every
change to requirements.lock; tests/test_locks.py checks that the two agree.

`check` reads the installed packages of the Python that runs it: exit 0 when every pin of LOCK is
installed at that version; with --exact also nothing else (but pip and editable installs).
Only the standard library is used, so any Python 3.11+ can run this file.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASE_LOCK = REPO / "requirements.lock"
CUDA_LOCK = REPO / "requirements-cuda.lock"
PYTHON_VERSION = "3.12"  # Ubuntu 24.04's python3, the container's interpreter
# pip checks platform tags literally: list every glibc a manylinux wheel may target, up to 24.04's.
PLATFORMS = [f"manylinux_2_{minor}_x86_64" for minor in range(39, 4, -1)] + [
    "manylinux2014_x86_64",
    "manylinux2010_x86_64",
    "manylinux1_x86_64",
]


def canonical(name: str) -> str:
    """The normalised package name of PEP 503 (lower case, runs of -_. as one -)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path) -> dict[str, str]:
    """Pins of a lock file as {canonical name: version}; comments and blank lines skipped."""
    pins = {}
    for line in Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        if not sep:
            raise ValueError(f"{Path(path).name}: '{line}' is not pinned as name==version")
        pins[canonical(name)] = version.strip()
    return pins


def cuda_version(pins: dict[str, str]) -> str:
    """CUDA major.minor of the torch build, read from the pinned CUDA runtime package."""
    if "nvidia-cuda-runtime" not in pins:
        raise ValueError("no nvidia-cuda-runtime among the packages: not a CUDA build of torch")
    return ".".join(pins["nvidia-cuda-runtime"].split(".")[:2])


def lock_text(report: dict, base: dict[str, str]) -> str:
    """The text of requirements-cuda.lock for a pip installation report."""
    pins = {item["metadata"]["name"]: item["metadata"]["version"] for item in report["install"]}
    resolved = {canonical(name): version for name, version in pins.items()}
    for name, version in base.items():
        if resolved.get(name) != version:
            raise ValueError(
                f"pip resolved {name}=={resolved.get(name)} but requirements.lock pins {version}"
            )
    cuda = cuda_version(resolved)
    extra = sorted(name for name in pins if canonical(name) not in base)
    header = [
        "# Every package the dev container installs (Linux x86_64, Python 3.12), pinned:",
        "# requirements.lock plus the CUDA build's own packages (nvidia-*, cuda-*, triton).",
        f"# torch's CUDA: {cuda}; .devcontainer/Dockerfile starts FROM a matching"
        f" nvidia/cuda:{cuda}.x image.",
        "# Generated, do not edit: after changing requirements.lock run",
        "#   .venv/bin/python scripts/locks.py cuda",
        "# (pip install --dry-run --report against PyPI: metadata only, no wheel downloaded).",
    ]
    header += textwrap.wrap(
        "Not in requirements.lock: " + ", ".join(extra),
        98,
        initial_indent="# ",
        subsequent_indent="#   ",
        break_on_hyphens=False,
    )
    body = [f"{name}=={pins[name]}" for name in sorted(pins, key=canonical)]
    return "\n".join(header + body) + "\n"


def resolve(report_path: Path) -> None:
    """Run pip's resolver for the container's platform; it writes the report to report_path."""
    cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed"]
    cmd += ["--report", str(report_path), "--only-binary=:all:"]
    cmd += ["--python-version", PYTHON_VERSION, "--index-url", "https://pypi.org/simple"]
    for platform in PLATFORMS:
        cmd += ["--platform", platform]
    # Older pip accepts platform options only together with --target; nothing is written there.
    cmd += ["--target", str(report_path.parent / "unused-target")]
    cmd += ["-c", str(BASE_LOCK), "-r", str(BASE_LOCK)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") or k == "PIP_CERT"}
    env["PIP_CONFIG_FILE"] = os.devnull
    print("locks: resolving requirements.lock for the container (about a minute)", flush=True)
    subprocess.run(cmd, check=True, env=env)


def installed() -> dict[str, tuple[str, bool]]:
    """Installed distributions of this Python: {canonical name: (version, editable)}."""
    found = {}
    for dist in metadata.distributions():
        direct_url = dist.read_text("direct_url.json") or "{}"
        editable = json.loads(direct_url).get("dir_info", {}).get("editable", False)
        found.setdefault(canonical(dist.metadata["Name"]), (dist.version, editable))
    return found


def differences(lock: dict[str, str], have: dict[str, tuple[str, bool]], exact: bool) -> list:
    """What differs between the pins and the installed packages, one sentence each."""
    problems = []
    for name, version in sorted(lock.items()):
        if name not in have:
            problems.append(f"{name}=={version} is not installed")
        # A local label (2.13.0+cpu, +cu130) names the build, not another version.
        elif have[name][0].split("+")[0] != version:
            problems.append(f"{name} {have[name][0]} is installed, the lock pins {version}")
    if exact:
        for name, (version, editable) in sorted(have.items()):
            if name not in lock and name != "pip" and not editable:
                problems.append(f"{name} {version} is installed but not in the lock")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cuda = sub.add_parser("cuda", help="rewrite requirements-cuda.lock")
    cuda.add_argument("--from-report", type=Path, help="a pip report to use instead of pip")
    cuda.add_argument("--output", type=Path, default=CUDA_LOCK, help="where to write the lock")
    check = sub.add_parser("check", help="compare the installed packages with a lock")
    check.add_argument("lock", type=Path)
    check.add_argument("--exact", action="store_true", help="nothing installed beyond the lock")
    check.add_argument("--quiet", action="store_true", help="only the exit status")
    args = parser.parse_args(argv)

    if args.command == "check":
        problems = differences(read_lock(args.lock), installed(), args.exact)
        if not args.quiet:
            for problem in problems:
                print(f"locks: {problem}")
        return 1 if problems else 0

    if args.from_report:
        report = json.loads(args.from_report.read_text())
    else:
        with tempfile.TemporaryDirectory(prefix="lock-cuda-") as tmp:
            path = Path(tmp) / "report.json"
            resolve(path)
            report = json.loads(path.read_text())
    args.output.write_text(lock_text(report, read_lock(BASE_LOCK)))
    print(f"locks: wrote {args.output} ({len(report['install'])} packages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

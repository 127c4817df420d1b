"""Environment report: `python -m dllab.doctor` prints one banner line, `--full` one fact a line."""

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path


def in_container() -> bool:
    """True inside the dev container, a Codespace or any Docker container."""
    return (
        os.environ.get("DLLAB_CONTAINER") == "1"
        or os.environ.get("CODESPACES") == "true"
        or os.environ.get("REMOTE_CONTAINERS") == "true"
        or Path("/.dockerenv").exists()
    )


def host_has_nvidia() -> bool:
    """True when an NVIDIA driver is visible (nvidia-smi or a /dev/nvidia0 device node)."""
    return shutil.which("nvidia-smi") is not None or Path("/dev/nvidia0").exists()


# The oldest Linux driver that runs a CUDA major version (NVIDIA's minor version compatibility).
MIN_DRIVER = {"13": "580.65.06", "12": "525.60.13", "11": "450.80.02"}


def nvidia_driver() -> str | None:
    """The driver version nvidia-smi reports for the first GPU, or None without one."""
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        done = subprocess.run(
            ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=20,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = done.stdout.split()
    return lines[0] if done.returncode == 0 and lines else None


def driver_too_old(driver: str, torch_cuda: str) -> str | None:
    """The driver version torch's CUDA needs when `driver` is older than that, else None."""
    need = MIN_DRIVER.get(torch_cuda.split(".")[0])
    if need and _numbers(driver) < _numbers(need):
        return need
    return None


def _numbers(version: str) -> list[int]:
    """'580.65.06' -> [580, 65, 6], for comparing driver versions."""
    return [int(part) for part in version.split(".") if part.isdigit()]


def gpu_hint(torch_cuda: str | None, driver: str | None) -> str:
    """Why torch sees no GPU although an NVIDIA driver is visible, and what to do."""
    if torch_cuda is None:
        return (
            "an NVIDIA GPU is visible but torch is the CPU-only build (setup.sh --cpu); "
            "for the GPU delete .venv and run scripts/setup.sh without --cpu"
        )
    if driver and (need := driver_too_old(driver, torch_cuda)):
        return (
            f"the NVIDIA driver {driver} is too old for torch's CUDA {torch_cuda}: it needs "
            f"driver {need} or newer; update the driver (on the host, for a container)"
        )
    return (
        "an NVIDIA driver is visible but torch sees no GPU: check the driver version "
        "(nvidia-smi) and, in a container, the NVIDIA Container Toolkit on the host"
    )


def report() -> dict:
    """The facts a TA asks for first, as a dict of strings and booleans."""
    import torch

    import dllab
    from dllab.session import get_device

    cuda = torch.cuda.is_available()
    mps = torch.backends.mps.is_available()
    facts = {
        "python": platform.python_version(),
        "executable": sys.executable,
        "torch": torch.__version__,
        "torch_cuda": torch.version.cuda or "none (CPU build)",
        "build": torch_build(),
        "nvidia_driver": nvidia_driver() or "none",
        "cuda_available": cuda,
        "mps_available": mps,
        "device": str(get_device()),
        "device_name": torch.cuda.get_device_name(0) if cuda else platform.processor() or "CPU",
        "dllab": str(Path(dllab.__file__).parent),
        "in_container": in_container(),
        "hint": "",
    }
    if not cuda and host_has_nvidia():
        driver = facts["nvidia_driver"] if facts["nvidia_driver"] != "none" else None
        facts["hint"] = gpu_hint(torch.version.cuda, driver)
    elif not cuda and in_container() and not mps:
        facts["hint"] = (
            "no GPU in this container (normal in Codespaces); labs run on the CPU. "
            "On a GPU host install the NVIDIA Container Toolkit and rebuild the container"
        )
    return facts


def describe_build(version: str, requires: list[str]) -> str:
    """'torch 2.13.0 (CUDA 13.0 build)' or 'torch 2.13.0+cpu (CPU build)', from torch's version
    and the requirements in its metadata (the CUDA build requires CUDA's own packages)."""
    for requirement in requires:
        cuda = re.match(
            r"(cuda-toolkit|nvidia-cuda-runtime(-cu\d+)?)\b[^=;]*==(\d+\.\d+)", requirement
        )
        if cuda:
            return f"torch {version} (CUDA {cuda.group(3)} build)"
    return f"torch {version} (CPU build)"


def torch_build() -> str:
    """Which torch is installed, without importing it (seconds); setup.sh's last line says it."""
    try:
        return describe_build(metadata.version("torch"), metadata.requires("torch") or [])
    except metadata.PackageNotFoundError:
        return "torch is not installed"


def banner(facts: dict) -> str:
    """One line for the terminal at container start."""
    where = "container" if facts["in_container"] else "local"
    line = (
        f"dllab ({where}): Python {facts['python']}, {facts['build']}, "
        f"device {facts['device']} ({facts['device_name']})"
    )
    return line + (f" | hint: {facts['hint']}" if facts["hint"] else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dllab.doctor", description=__doc__)
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--full", action="store_true", help="one fact a line")
    what.add_argument("--build", action="store_true", help="only the torch build (no import)")
    args = parser.parse_args(argv)
    if args.build:
        print(torch_build())
        return 0
    facts = report()
    if args.full:
        for key, value in facts.items():
            print(f"{key:15s} {value}")
    else:
        print(banner(facts))
    return 0


if __name__ == "__main__":
    sys.exit(main())

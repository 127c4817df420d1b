"""Environment report: `python -m dllab.doctor` prints one banner line, `--full` one fact a line."""

import os
import platform
import shutil
import sys
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
        "cuda_available": cuda,
        "mps_available": mps,
        "device": str(get_device()),
        "device_name": torch.cuda.get_device_name(0) if cuda else platform.processor() or "CPU",
        "dllab": str(Path(dllab.__file__).parent),
        "in_container": in_container(),
        "hint": "",
    }
    if not cuda and host_has_nvidia():
        facts["hint"] = (
            "an NVIDIA driver is visible but torch sees no GPU: check the driver version "
            "(nvidia-smi) and, in a container, the NVIDIA Container Toolkit on the host"
        )
    elif not cuda and in_container() and not mps:
        facts["hint"] = (
            "no GPU in this container (normal in Codespaces); labs run on the CPU. "
            "On a GPU host install the NVIDIA Container Toolkit and rebuild the container"
        )
    return facts


def banner(facts: dict) -> str:
    """One line for the terminal at container start."""
    where = "container" if facts["in_container"] else "local"
    line = (
        f"dllab ({where}): Python {facts['python']}, torch {facts['torch']}, "
        f"device {facts['device']} ({facts['device_name']})"
    )
    return line + (f" | hint: {facts['hint']}" if facts["hint"] else "")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["--full"]):
        print(f"usage: python -m dllab.doctor [--full]; got {' '.join(args)!r}", file=sys.stderr)
        return 2
    facts = report()
    if args == ["--full"]:
        for key, value in facts.items():
            print(f"{key:15s} {value}")
    else:
        print(banner(facts))
    return 0


if __name__ == "__main__":
    sys.exit(main())

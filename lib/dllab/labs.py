"""The registry of labs: every labs/NN_name.py on disk, with its number, title and exercise spec.

lab.sh, check.sh, the benchmark and the tests all ask this module, so adding a lab means adding
its file (and its spec, exercises/specs/labNN.py); nothing else lists the labs. Standard library
only, and so is `import dllab.labs`: scripts/lab.sh runs this file with any Python 3.11+ (the
system's, before the environment exists), and the benchmark answers at once:
    python3 lib/dllab/labs.py list             one line per lab: number, stem, title
    python3 lib/dllab/labs.py resolve ARG ...  the paths of labs given by number, name or "all"
    python3 lib/dllab/labs.py runs             the folder that holds every lab's runs
"""

import argparse
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

LABS_DIR = Path(__file__).resolve().parents[2] / "labs"


def runs_root() -> Path:
    """runs/ of the repository (or LAB_RUNS_DIR): the same place whatever the working directory."""
    if os.environ.get("LAB_RUNS_DIR"):
        return Path(os.environ["LAB_RUNS_DIR"]).expanduser().resolve()
    repo = Path(__file__).resolve().parents[2]
    return repo / "runs" if (repo / "pyproject.toml").exists() else Path.cwd() / "runs"


_FILE = re.compile(r"^(\d\d)_([a-z0-9_]+)\.py$")


@dataclass(frozen=True)
class Lab:
    number: int
    stem: str  # file name without .py, e.g. "03_spiral"
    path: Path

    @property
    def name(self) -> str:
        """The stem without its number, e.g. "spiral"."""
        return self.stem[3:]

    @property
    def spec(self) -> str:
        """The module holding this lab's exercises."""
        return f"dllab.exercises.specs.lab{self.number:02d}"

    @property
    def title(self) -> str:
        """The lab's title, from its first line "# # Lab N — title"."""
        with self.path.open(encoding="utf-8") as f:
            for line in f:
                if line.startswith("# # Lab"):
                    return line.split("—", 1)[-1].strip()
        return self.name.replace("_", " ")


def all_labs(folder: Path = LABS_DIR) -> list[Lab]:
    """Every lab file in `folder`, by number."""
    labs = []
    for path in sorted(folder.glob("*.py")):
        match = _FILE.match(path.name)
        if match:
            labs.append(Lab(int(match.group(1)), path.stem, path))
    return labs


def find(args: list[str], folder: Path = LABS_DIR) -> list[Lab]:
    """Labs named by number (3, 03), name (spiral, 03_spiral), path of a lab file, or "all".

    Raises ValueError naming the unknown argument and the labs there are.
    """
    labs = all_labs(folder)
    found = []
    for arg in args:
        if arg == "all":
            found += labs
            continue
        path = Path(arg)
        if path.suffix == ".py" and path.is_file():
            match = _FILE.match(path.name)
            number = int(match.group(1)) if match else 0
            found.append(Lab(number, path.stem, path.resolve()))
            continue
        key = path.stem if path.suffix == ".py" else arg
        matches = [
            lab
            for lab in labs
            if (key.isdigit() and int(key) == lab.number) or key in (lab.stem, lab.name)
        ]
        if not matches:
            listing = ", ".join(f"{lab.number} ({lab.name})" for lab in labs)
            raise ValueError(f"no lab {arg!r}; there are: {listing}, or all")
        found += matches
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="labs.py", description="The registry of labs (standard library only)."
    )
    command = parser.add_subparsers(dest="command", required=True)
    command.add_parser("list", help="one line per lab: number, stem, title")
    resolve = command.add_parser("resolve", help='the paths of labs given by number, name or "all"')
    resolve.add_argument("labs", nargs="+", metavar="lab")
    command.add_parser("runs", help="the folder that holds every lab's runs")
    args = parser.parse_args(argv)
    if args.command == "list":
        for lab in all_labs():
            print(f"{lab.number:>2}  {lab.stem:28s} {lab.title}")
    elif args.command == "runs":
        print(runs_root())
    else:
        try:
            labs = find(args.labs)
        except ValueError as err:
            print(err, file=sys.stderr)
            return 2
        print("\n".join(str(lab.path) for lab in labs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Which runs TensorBoard shows: the default view of runs/ and the list of the other views.

TensorBoard's frontend ticks no run at all when a logdir holds more than 40 runs, and its
HParams tab makes one table of everything it serves. So `scripts/tensorboard.sh` without an
argument serves the newest execution of each lab, search trials left out (a handful of runs,
named lab4/lr0.01, lab6/lightning/version_0, …), and prints the other views: all runs of a lab,
and each search's trials (random, grid, each Optuna study) with a table of their own.

    python lib/dllab/tbviews.py spec [root]  the --logdir_spec of the default view (one line)
    python lib/dllab/tbviews.py list [root]  the default view's runs and the other views, for people
    python lib/dllab/tbviews.py count LOGDIR how many runs TensorBoard finds in LOGDIR
(run as a file, it imports the standard library only: tensorboard.sh starts at once)
"""

import argparse
import re
import sys
from pathlib import Path

# TensorBoard's runs store enables runs by default only up to this many
# (MAX_NUM_RUNS_TO_ENABLE_BY_DEFAULT in its frontend).
MAX_ENABLED = 40

_STAMP = re.compile(r"(\d{8}-\d{6})(?:\.(\d+))?$")
_TRIAL = re.compile(r"^trial-\d+")
_LAB = re.compile(r"^(\d\d)_")


def runs_in(logdir) -> list[Path]:
    """The folders under logdir (itself included) that hold an event file: TensorBoard's runs."""
    logdir = Path(logdir)
    found = {p.parent for p in logdir.rglob("*tfevents*") if p.is_file()}
    return sorted(found)


def is_trial(run: Path) -> bool:
    """A search trial: a run inside a folder trial-NN (search.py's and lab 6's layout)."""
    return any(_TRIAL.match(part) for part in run.parts)


def _newest(folders):
    def key(folder):
        match = _STAMP.search(folder.name)
        return (match.group(1), int(match.group(2) or 0)) if match else ("", 0)

    dated = [f for f in folders if _STAMP.search(f.name)]
    return max(dated, key=key) if dated else None


def _short(lab: str) -> str:
    match = _LAB.match(lab)
    return f"lab{int(match.group(1))}" if match else lab


def default_view(root) -> dict[str, Path]:
    """{name: folder} for TensorBoard's --logdir_spec: per lab folder of root, the newest
    execution (a dated folder holding runs other than search trials), trials left out.

    An execution without trials is served as one folder (runs added to it later appear too);
    one with trials, folder by folder around them.
    """
    root = Path(root)
    view = {}
    if not root.is_dir():
        return view
    for lab in sorted(p for p in root.iterdir() if p.is_dir()):
        executions = [
            e for e in lab.iterdir() if e.is_dir() and any(not is_trial(r) for r in runs_in(e))
        ]
        newest = _newest(executions)
        if newest is None:
            continue
        runs = runs_in(newest)
        if not any(is_trial(r) for r in runs):
            view[_short(lab.name)] = newest
            continue
        for run in runs:
            if is_trial(run):
                continue
            # Serve the run's parent where it holds no trials: TensorBoard names a logdir that
            # is itself a run "<name>/.", but a run below a logdir "<name>/<folder>".
            group = run.parent
            if group == newest or any(is_trial(r) for r in runs_in(group)):
                group = run
            view[f"{_short(lab.name)}/{group.relative_to(newest).as_posix()}"] = group
    return view


def spec(view: dict[str, Path]) -> str:
    """The --logdir_spec argument: name:path pairs, comma-separated."""
    for name, path in view.items():
        if set(",:") & set(name + str(path)):
            raise ValueError(
                f"{name}:{path}: TensorBoard's --logdir_spec allows no ',' or ':' here"
            )
    return ",".join(f"{name}:{path}" for name, path in view.items())


def enabled_runs(view: dict[str, Path]) -> int:
    """How many runs the default view serves (each is ticked when there are at most 40)."""
    return sum(len(runs_in(path)) for path in view.values())


def trial_groups(root) -> list[Path]:
    """Folders whose runs are the trials of one search (random/, grid/, optuna-tpe/, …)."""
    return sorted({run.parent for run in runs_in(root) if _TRIAL.match(run.name)})


def describe(root) -> str:
    """The default view and the other views, as tensorboard.sh prints them."""
    root = Path(root)
    view = default_view(root)
    lines = [f"Default view: the newest run of each lab ({enabled_runs(view)} runs):"]
    lines += [f"  {name:<28} {path}" for name, path in view.items()] or ["  (no runs yet)"]
    lines.append("Other views (./scripts/tensorboard.sh FOLDER; each has its own HParams table):")
    for lab in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        runs = runs_in(lab)  # all that serving this folder shows, trials included
        if runs:
            warn = "  (over 40: tick the runs to show)" if len(runs) > MAX_ENABLED else ""
            lines.append(f"  {lab}  every run of {_short(lab.name)}: {len(runs)}{warn}")
        for group in trial_groups(lab):
            n = len([r for r in runs_in(group) if _TRIAL.match(r.name)])
            lines.append(f"  {group}  search trials: {n}")
    return "\n".join(lines)


def main(argv) -> int:
    parser = argparse.ArgumentParser(
        prog="tbviews.py", description="Which runs tensorboard.sh serves (standard library only)."
    )
    command = parser.add_subparsers(dest="command", required=True)
    for name, what in [("spec", "the default view's --logdir_spec"), ("list", "every view")]:
        sub = command.add_parser(name, help=f"{what}, of ROOT (default: runs/)")
        sub.add_argument("root", nargs="?", type=Path, help="a runs folder")
    command.add_parser("count", help="how many runs TensorBoard finds").add_argument(
        "logdir", type=Path
    )
    args = parser.parse_args(argv)
    if args.command == "count":
        print(len(runs_in(args.logdir)))
        return 0
    if args.root is None:
        from dllab.labs import runs_root

        args.root = runs_root()
    print(spec(default_view(args.root)) if args.command == "spec" else describe(args.root))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

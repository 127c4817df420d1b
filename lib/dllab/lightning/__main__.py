"""Lab 6's command lines:

    python -m dllab.lightning search [...]   hyper-parameter search in worker processes (workers.py)
    python -m dllab.lightning ddp [...]      DistributedDataParallel training (ddp.py)

`python -m dllab.lightning search --help` (or ddp --help) lists the options.
"""

import sys

COMMANDS = ("search", "ddp")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] not in COMMANDS:
        got = repr(argv[0]) if argv else "nothing"
        print(
            f"python -m dllab.lightning: the first argument must be one of {', '.join(COMMANDS)}, "
            f"got {got}\n{__doc__}",
            file=sys.stderr,
        )
        return 2
    if argv[0] == "search":
        from dllab.lightning.workers import main as run
    else:
        from dllab.lightning.ddp import main as run
    return run(argv[1:])


if __name__ == "__main__":
    sys.exit(main())

"""Lab 6's command lines:

    python -m dllab.lightning search [...]   hyper-parameter search in worker processes (workers.py)
    python -m dllab.lightning ddp [...]      DistributedDataParallel training (ddp.py)

`python -m dllab.lightning search --help` (or ddp --help) lists the options.
"""

import argparse
import sys

COMMANDS = ("search", "ddp")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dllab.lightning",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", metavar="|".join(COMMANDS))
    parser.add_argument("options", nargs=argparse.REMAINDER, help="the command's own options")
    args = parser.parse_args(argv)
    if args.command not in COMMANDS:
        print(
            f"{parser.prog}: the first argument must be one of {', '.join(COMMANDS)}, "
            f"got {args.command!r}",
            file=sys.stderr,
        )
        return 2
    if args.command == "search":
        from dllab.lightning.workers import main as run
    else:
        from dllab.lightning.ddp import main as run
    return run(args.options)


if __name__ == "__main__":
    sys.exit(main())

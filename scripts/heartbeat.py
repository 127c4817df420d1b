"""Run a command, pass its output through, and say that it is still working when it is quiet.

Usage: python scripts/heartbeat.py [--every SECONDS] [--prefix TEXT] -- COMMAND [ARG ...]

pip prints nothing while it unpacks and installs the packages it downloaded (minutes for
PyTorch's CUDA build), which looks like a hang. This runs COMMAND and, whenever it has printed
nothing for SECONDS (default 10), prints one line saying how long it has been running and what
its last line was doing. On a terminal COMMAND runs in a pseudo-terminal, so pip still draws its
progress bars. Exits with COMMAND's exit status. Standard library only.
"""

import argparse
import os
import select
import subprocess
import sys
import time


def phase(last_line: str, installing: bool) -> str:
    """What pip is doing, judged from the lines it printed."""
    if installing:
        return "pip is unpacking and installing the packages (the longest step; no output)"
    if "Downloading" in last_line or "━" in last_line:
        return "pip is downloading"
    return "still working"


def open_output(interactive: bool):
    """(fd to read the command's output from, fd to give the command) — a pty on a terminal."""
    if interactive:
        import fcntl
        import pty
        import termios

        reader, writer = pty.openpty()
        try:  # the same width as the terminal, so that progress bars fit on one line
            size = fcntl.ioctl(sys.stdout.fileno(), termios.TIOCGWINSZ, b"\0" * 8)
            fcntl.ioctl(writer, termios.TIOCSWINSZ, size)
        except OSError:
            pass
        return reader, writer
    return os.pipe()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--every", type=float, default=10.0)
    parser.add_argument("--prefix", default="")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args(argv)
    if args.every <= 0:
        parser.error(f"--every must be a positive number of seconds, got {args.every}")

    interactive = sys.stdout.isatty() and os.name == "posix"
    reader, writer = open_output(interactive)
    start = time.monotonic()
    process = subprocess.Popen(args.command, stdout=writer, stderr=writer, stdin=subprocess.DEVNULL)
    os.close(writer)
    out = sys.stdout.buffer
    last_output, last_line, partial, installing = start, "", b"", False
    while True:
        ready, _, _ = select.select([reader], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(reader, 65536)
            except OSError:  # a pty whose other end closed
                chunk = b""
            if not chunk:
                break
            out.write(chunk)
            out.flush()
            last_output = time.monotonic()
            partial = (partial + chunk)[-4096:]
            lines = [line for line in partial.replace(b"\r", b"\n").split(b"\n") if line.strip()]
            if lines:
                last_line = lines[-1].decode("utf-8", "replace").strip()
            installing = installing or b"Installing collected packages" in partial
        elif time.monotonic() - last_output >= args.every:
            elapsed = time.monotonic() - start
            newline = "" if partial.endswith(b"\n") or not partial else "\n"
            said = f"{args.prefix}{phase(last_line, installing)} ({elapsed:.0f} s so far)"
            out.write(f"{newline}{said}\n".encode())
            partial += b"\n"
            out.flush()
            last_output = time.monotonic()
    os.close(reader)
    return process.wait()


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)

"""The verdicts of one lab run: check() appends each verdict as a JSON line to the file named by
$LAB_CHECK_REPORT; scripts/check.sh reads them back into its report (report.py).

A line: {"exercise", "status", "message", "time"}; the status is one of the three below.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

PASSED, WRONG, NOT_ATTEMPTED = "passed", "wrong", "not attempted"


def now_utc() -> str:
    """The time of a verdict in its record: ISO 8601, UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def append_verdict(path, exercise: str, status: str, message: str) -> None:
    """Append one verdict to the JSON lines file `path`, with the time it was given."""
    record = {"exercise": exercise, "status": status, "message": message, "time": now_utc()}
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")


def read_verdicts(path) -> list[dict]:
    """The verdicts append_verdict wrote to `path`, in order (none if it does not exist)."""
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

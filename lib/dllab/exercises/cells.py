"""The "Your turn" cells of a lab, found one way (standard library only).

A "Your turn" cell is the code cell right before its check cell `name = check("name", name)`;
the lab marks it `# YOUR TURN: name` for the student, but the check cell is what counts (a
student may delete a comment). Used by the scoreboard (through notebook.py), the scaffold
(scripts/new_lab.py loads this file by its path, before any environment exists) and the tests.
"""

import re

CHECK = re.compile(r"^(\w+) = check\(\"(\w+)\", \1\)", re.MULTILINE)


def checked_name(source: str) -> str | None:
    """The exercise a check cell `name = check("name", name)` checks, or None."""
    match = CHECK.search(source)
    return match.group(2) if match else None


def your_turn_cells(code: list[str]) -> dict[int, str]:
    """{index: exercise} of the "Your turn" cells among the sources of a lab's code cells, in
    order: each is the cell right before the check cell of its exercise."""
    return {
        i: name for i, after in enumerate(code[1:]) if (name := checked_name(after)) is not None
    }


def percent_cells(text: str) -> list[str]:
    """A percent-cell file (# %%) cut into its cells, each starting with its `# %%` line;
    "".join(cells) is the text again (what comes before the first marker is a cell too)."""
    cells = re.split(r"(?m)^(?=# %%)", text)
    return [c for c in cells if c]


def is_code(cell: str) -> bool:
    """Whether a cell of percent_cells is a code cell (not `# %% [markdown]`)."""
    return not cell.startswith("# %% [markdown]")


def exercise_names(text: str) -> list[str]:
    """The exercises of a lab's source, in the order of their "Your turn" cells."""
    code = [c for c in percent_cells(text) if is_code(c)]
    return list(your_turn_cells(code).values())

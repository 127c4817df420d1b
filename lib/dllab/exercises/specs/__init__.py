"""One module per lab, labNN.py, each with a dict EXERCISES = {name: Exercise(...)}.

Looking an exercise up imports only its lab's spec: which spec holds a name is read from the
specs' source (the keys of their EXERCISES), so check("relu_backward", …) in lab 2 never
imports lab 6's spec and what it needs (Lightning). A name in two specs is an error.
"""

import ast
import functools
import importlib
from pathlib import Path

FOLDER = Path(__file__).parent


def _declared(path: Path) -> list[str]:
    """The keys of the dict EXERCISES = {"name": Exercise(...), ...} in a spec's source."""
    for node in ast.parse(path.read_text(encoding="utf-8"), str(path)).body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["EXERCISES"]
            and isinstance(node.value, ast.Dict)
        ):
            return [key.value for key in node.value.keys if isinstance(key, ast.Constant)]
    raise RuntimeError(f"{path} has no EXERCISES = {{name: Exercise(...), ...}}")


@functools.cache
def modules() -> dict:
    """{exercise name: the module of its spec}, without importing any spec."""
    found = {}
    for path in sorted(FOLDER.glob("lab[0-9][0-9].py")):
        for name in _declared(path):
            if name in found:
                raise RuntimeError(f"exercise {name!r} is in both {found[name]} and {path.stem}")
            found[name] = f"{__name__}.{path.stem}"
    return found


def names() -> list[str]:
    """Every exercise's name, by lab."""
    return list(modules())


def exercise(name: str):
    """The Exercise record `name`; imports its lab's spec only."""
    if name not in modules():
        raise ValueError(f"no exercise {name!r}; allowed: {sorted(modules())}")
    return importlib.import_module(modules()[name]).EXERCISES[name]

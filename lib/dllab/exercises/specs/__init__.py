"""One module per lab, labNN.py, each with a dict EXERCISES = {name: Exercise}.

A spec keeps its top-level imports light (numpy, torch, the lab's own library module), so that
looking an exercise up does not slow a lab down.
"""

import functools
import importlib
import pkgutil


@functools.cache
def all_exercises() -> dict:
    """{name: Exercise} of every lab's spec; a name used twice is an error."""
    found, where = {}, {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("lab"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name, exercise in module.EXERCISES.items():
            if name in found:
                raise RuntimeError(f"exercise {name!r} is in both {where[name]} and {info.name}")
            found[name], where[name] = exercise, info.name
    return found

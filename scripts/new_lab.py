"""Scaffold a new lab: the lab file, its exercise spec and the README row (standard library only).

Usage: python3 scripts/new_lab.py NN name [--title TITLE] [--question QUESTION]
(what scripts/new_lab.sh runs). The lab passes every test of the labs as it is written; replace
its example (a line fitted by gradient descent with the student's MSE and its gradient) by the
lab's content, keeping the rules of the README's "Adding a lab".
"""

import argparse
import importlib.util
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
TABLE_ROW = re.compile(r"^\| (\d+) \| `labs/\d\d_[a-z0-9_]+\.py` \|")

LAB = '''\
# %% [markdown]
# # Lab {number} — {title}
#
# **Goals**
# - TODO: the lab's goals, one line each (this example's are below);
# - write a loss and its gradient yourself, and fit a line with them by gradient descent;
# - read a loss curve.

# %%
import numpy as np

import dllab
from dllab.display import plot_curves
from dllab.exercises import check, your_turn

# %%
SEED = 1234
N = dllab.pick(full=200, quick=50)  # number of data points
NUM_STEPS = dllab.pick(full=200, quick=100)  # gradient descent steps
lr = 0.5  # learning rate
RESULTS = {{}}  # what this run computed, by name

dllab.set_seed(SEED)
run = dllab.new_run_dir("{stem}", create=False)
print(f"outputs of this run: {{run}}")

# %% [markdown]
# ## The data
# {n_text} points on the line $y = 0.5x + 0.2$ with Gaussian noise of standard deviation 0.1.

# %%
rng = np.random.default_rng(SEED)
X = np.linspace(-1, 1, N)
y = 0.5 * X + 0.2 + 0.1 * rng.normal(size=N)
print(f"X: {{X.shape}}, y: {{y.shape}}")

# %% [markdown]
# ## Your turn: the loss and its gradient
# The mean squared error of predictions $\\hat y$ is $L = \\frac1N \\sum_i (\\hat y_i - y_i)^2$.
# Write it, then its gradient $\\partial L / \\partial \\hat y_i = \\frac2N (\\hat y_i - y_i)$.
# Run each check cell after your cell: until your answer passes, the lab uses the reference.


# %%
# YOUR TURN: {mse}
@your_turn
def {mse}(y_hat, y):
    """The mean squared error of predictions y_hat (N,) against targets y (N,): one number."""
    raise NotImplementedError  # your code here


# %%
{mse} = check("{mse}", {mse})


# %%
# YOUR TURN: {grad}
@your_turn
def {grad}(y_hat, y):
    """The gradient of {mse} with respect to y_hat (N,): an array of shape (N,)."""
    raise NotImplementedError  # your code here


# %%
{grad} = check("{grad}", {grad})

# %% [markdown]
# ## Gradient descent
# The model is $\\hat y = w x + b$; by the chain rule $\\partial L/\\partial w = \\sum_i
# \\frac{{\\partial L}}{{\\partial \\hat y_i}} x_i$ and $\\partial L/\\partial b = \\sum_i
# \\frac{{\\partial L}}{{\\partial \\hat y_i}}$.

# %%
w, b = 0.0, 0.0
losses = []
for _ in range(NUM_STEPS):
    y_hat = w * X + b
    losses.append({mse}(y_hat, y))
    dy = {grad}(y_hat, y)
    w, b = w - lr * float(dy @ X), b - lr * float(dy.sum())
print(f"after {{NUM_STEPS}} steps: w = {{w:.3f}}, b = {{b:.3f}}, loss {{losses[-1]:.4f}}")
RESULTS["w, b"] = (w, b)

fig = plot_curves(
    np.arange(1, NUM_STEPS + 1),
    {{"training loss": np.array(losses)}},
    xlabel="step",
    ylabel="mean squared error",
    title=f"Gradient descent on {{N}} noisy points of y = 0.5x + 0.2",
)
dllab.show(fig, "loss", run)

# %% [markdown]
# The loss falls steeply in the first steps and then levels off near 0.01, the variance of
# the noise: no line fits the noise, and $w$ and $b$ end close to 0.5 and 0.2 (printed above).
#
# ## Exercises
# The two "Your turn" cells above are checked; `scripts/check.sh {number}` checks them from a
# terminal. After trying, compare with the references in
# `lib/dllab/exercises/specs/lab{nn}.py`.
#
# 1. Set `lr = 1.5` in the settings cell. What does the loss curve do now, and why?
# 2. Double the noise. Where does the loss level off?
#
# ## Summary
# - The mean squared error averages the squared differences; its gradient is
#   $\\frac2N(\\hat y - y)$.
# - The chain rule turns the gradient with respect to the predictions into the gradients of
#   the parameters.
'''

SPEC = '''\
"""Exercises of lab {number} ({title}): references, random inputs and the usual mistakes.

Each exercise is a record: its reference, `inputs(rng)` → the arguments (a dict, in the
function's order), what a pass means, what the result must be (`returns`), and at least three
usual mistakes, each a Mistake(id, hint, wrong implementation) caught with its own hint
(tests/test_exercises.py checks all of this).
"""

import numpy as np

from dllab.exercises.records import Exercise, Mistake, Number, NumpyArray

# ---------------------------------------------------------------- references


def {mse}(y_hat, y):
    """The mean squared error of y_hat (N,) against y (N,): one number."""
    return float(np.mean((y_hat - y) ** 2))


def {grad}(y_hat, y):
    """The gradient of the mean squared error with respect to y_hat: (N,)."""
    return 2 * (y_hat - y) / len(y)


# ---------------------------------------------------------------- inputs and mistakes


def _inputs(rng):
    n = int(rng.integers(5, 50))
    return {{"y_hat": rng.normal(size=n), "y": rng.normal(size=n)}}


EXERCISES = {{
    "{mse}": Exercise(
        reference={mse},
        inputs=_inputs,
        checked="the mean of the squared differences",
        returns=Number("the loss"),
        mistakes=(
            Mistake(
                "sum_not_mean",
                "average the squares: divide their sum by N",
                lambda y_hat, y: float(np.sum((y_hat - y) ** 2)),
            ),
            Mistake(
                "absolute",
                "square the differences instead of taking their absolute values",
                lambda y_hat, y: float(np.mean(np.abs(y_hat - y))),
            ),
            Mistake(
                "square_of_mean",
                "square each difference, then average (not the square of the mean difference)",
                lambda y_hat, y: float(np.mean(y_hat - y) ** 2),
            ),
        ),
    ),
    "{grad}": Exercise(
        reference={grad},
        inputs=_inputs,
        checked="2 (y_hat − y) / N, element by element",
        returns=NumpyArray(
            "the gradient", like="y", why="the lab's gradient descent works in numpy"
        ),
        mistakes=(
            Mistake(
                "no_two",
                "the derivative of (ŷ − y)² is 2(ŷ − y): the factor 2 is missing",
                lambda y_hat, y: (y_hat - y) / len(y),
            ),
            Mistake("no_mean", "the loss is a mean: divide by N", lambda y_hat, y: 2 * (y_hat - y)),
            Mistake(
                "sign",
                "differentiate with respect to y_hat: 2(ŷ − y), not 2(y − ŷ)",
                lambda y_hat, y: 2 * (y - y_hat) / len(y),
            ),
        ),
    ),
}}
'''


def your_turn_names(lab_text: str) -> list[str]:
    """The exercises of a lab's "Your turn" cells, found as the scoreboard and the tests find
    them: lib/dllab/exercises/cells.py, loaded by its path (it needs only the standard library,
    and this script runs before any environment exists)."""
    path = REPO / "lib" / "dllab" / "exercises" / "cells.py"
    spec = importlib.util.spec_from_file_location("dllab_exercise_cells", path)
    cells = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cells)
    return cells.exercise_names(lab_text)


def readme_with_row(readme: str, number: int, stem: str, question: str) -> str:
    """The README with the lab's row added to the table at its top, in the order of numbers."""
    lines = readme.splitlines(keepends=True)
    rows = [i for i, line in enumerate(lines) if TABLE_ROW.match(line)]
    if not rows:
        raise ValueError("README.md has no table of labs (rows like '| 1 | `labs/01_x.py` | … |')")
    numbers = {int(TABLE_ROW.match(lines[i]).group(1)): i for i in rows}
    if number in numbers:
        raise ValueError(f"README.md already has a row for lab {number}")
    before = [i for n, i in numbers.items() if n > number]
    at = min(before) if before else max(rows) + 1
    lines.insert(at, f"| {number} | `labs/{stem}.py` | {question} |\n")
    return "".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="new_lab.sh", description="Scaffold a new lab.")
    parser.add_argument("number", help="the lab's number, 1 to 99 (e.g. 07)")
    parser.add_argument("name", help="its name: lowercase letters, digits and _ (e.g. attention)")
    parser.add_argument("--title", help="the title (default: the name, words capitalized)")
    parser.add_argument("--question", help="the README's question (default: a placeholder)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return 2 if stop.code else 0

    def fail(text: str) -> int:
        print(f"new_lab.sh: {text}", file=sys.stderr)
        return 2

    if not args.number.isdigit() or not 1 <= int(args.number) <= 99:
        return fail(f"number {args.number!r}: allowed 1 to 99")
    if not NAME.match(args.name):
        return fail(
            f"name {args.name!r}: allowed lowercase letters, digits and _, starting with a letter"
        )
    number = int(args.number)
    nn, stem = f"{number:02d}", f"{number:02d}_{args.name}"
    lab = REPO / "labs" / f"{stem}.py"
    spec = REPO / "lib" / "dllab" / "exercises" / "specs" / f"lab{nn}.py"
    taken = [p for p in (REPO / "labs").glob(f"{nn}_*.py")] + ([spec] if spec.exists() else [])
    if taken:
        return fail(f"lab {number} exists already: {', '.join(map(str, taken))}")
    title = args.title or args.name.replace("_", " ").capitalize()
    question = args.question or f"TODO: the question lab {number} answers"
    for text, what in ((title, "--title"), (question, "--question")):
        if "\n" in text or "|" in text or not text.strip():
            return fail(f"{what} {text!r}: one line, without '|'")
    readme = REPO / "README.md"
    try:
        new_readme = readme_with_row(readme.read_text(encoding="utf-8"), number, stem, question)
    except ValueError as err:
        return fail(str(err))
    names = {"mse": f"{args.name}_mse", "grad": f"{args.name}_mse_gradient"}
    fields = dict(number=number, nn=nn, stem=stem, title=title, **names)
    lab_text = LAB.format(**fields, n_text="`N`")
    if your_turn_names(lab_text) != list(names.values()):  # the template and its spec disagree
        return fail(
            f"the lab template's 'Your turn' cells are {your_turn_names(lab_text)}, "
            f"its spec's exercises {list(names.values())}"
        )
    lab.write_text(lab_text, encoding="utf-8")
    spec.write_text(SPEC.format(**fields), encoding="utf-8")
    readme.write_text(new_readme, encoding="utf-8")
    print(f"created {lab.relative_to(REPO)}, {spec.relative_to(REPO)} and the README row")
    print(f"next: replace the example; then ./scripts/lab.sh {number}, ./scripts/check.sh {number}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

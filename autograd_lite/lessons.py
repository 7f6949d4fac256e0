"""``autograd-lite lessons``: the list of lessons, and how to find and load them.

The lessons are scripts in the repository's ``examples/`` folder, one per
idea of backpropagation (``python examples/toast_robot.py``). They are not
part of the installed package: they are found in the source tree, next to
the package folder, which is where ``pip install -e .`` (the Quick start)
leaves them. Set ``AUTOGRAD_LITE_EXAMPLES`` to a folder of lesson scripts to
use another copy (for example after a plain ``pip install``).

``autograd-lite lesson NAME`` (``autograd_lite.lesson``) runs one of them.

>>> from autograd_lite.lessons import lesson_names
>>> lesson_names()[:2]
['five_steps', 'toast_robot']
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

HELP = "list the lessons (runnable examples of each idea of backpropagation)"

#: The environment variable that points at another folder of lesson scripts.
ENV_VAR = "AUTOGRAD_LITE_EXAMPLES"

#: The order in which to take the lessons: each builds on the ones before it.
#: Scripts in examples/ that are missing here are listed after these.
ORDER: tuple[str, ...] = (
    "five_steps",
    "toast_robot",
    "chain_rule",
    "affine_layer",
    "activations",
    "losses",
    "gradient_checking",
    "learning_rate",
    "optimizers",
    "batch_size",
    "normalization",
    "initialization",
    "vanishing_gradients",
    "regularization",
    "convolution",
    "evaluation",
    "fine_tuning",
    "newton",
)


def examples_dir() -> Path:
    """The folder of lesson scripts, or ``FileNotFoundError`` saying where it looked."""
    override = os.environ.get(ENV_VAR)
    folder = Path(override) if override else Path(__file__).resolve().parent.parent / "examples"
    if (folder / "_lesson.py").is_file():
        return folder
    raise FileNotFoundError(
        f"no lesson scripts in {folder} (looked for {folder / '_lesson.py'}). The lessons "
        "live in the examples/ folder of the source tree: clone the repository and run "
        f"`pip install -e .` in it, or set {ENV_VAR} to a copy of that folder."
    )


def lesson_names() -> list[str]:
    """Every lesson in ``examples_dir()``, in teaching order."""
    found = {p.stem for p in examples_dir().glob("*.py") if not p.name.startswith("_")}
    return [n for n in ORDER if n in found] + sorted(found.difference(ORDER))


def lesson_path(name: str) -> Path:
    """The script of lesson ``name``; ``ValueError`` naming the choices if there is none."""
    if not isinstance(name, str):
        raise TypeError(f"a lesson name is a str, got {type(name).__name__}")
    names = lesson_names()
    if name not in names:
        raise ValueError(f"no lesson named {name!r}; choose one of: {', '.join(names)}")
    return examples_dir() / f"{name}.py"


def describe(name: str) -> str:
    """The lesson's one-line description: the first line of its docstring (not run)."""
    tree = ast.parse(lesson_path(name).read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def load(name: str) -> ModuleType:
    """Import lesson ``name`` as a module, without running it: call its ``main(argv)``.

    The examples folder is added to the end of ``sys.path`` so that the
    lesson finds its helper module ``_lesson`` (a script run on its own has
    its folder first on the path); at the end, its file names cannot shadow
    an installed module.
    """
    path = lesson_path(name)
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.append(folder)
    module_name = f"_autograd_lite_lesson_{name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py file always has one
        raise ImportError(f"cannot load lesson {name!r} from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look modules up here
    spec.loader.exec_module(module)
    return module


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``autograd-lite lessons`` takes no arguments."""


def run(args: argparse.Namespace) -> int:
    try:
        names = lesson_names()
    except FileNotFoundError as error:
        print(f"autograd-lite lessons: {error}", file=sys.stderr)
        return 1
    width = max(len(n) for n in names) if names else 0
    for name in names:
        print(f"{name:<{width}}  {describe(name)}")
    print(f"\nRun one with `autograd-lite lesson NAME` (or `python {examples_dir()}/NAME.py`).")
    return 0

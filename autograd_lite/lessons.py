"""The lessons: find them, list them, run one, or write one as a Jupyter notebook.

The lessons are the scripts in the repository's ``examples/`` folder, one per
idea of backpropagation; ``python examples/toast_robot.py`` runs one from a
checkout. The wheel installs the same folder inside the package, as
``autograd_lite/examples/``, so that after a normal ``pip install`` these work
from any folder:

- ``autograd-lite lessons`` lists them, in teaching order (``ListLessons``);
- ``autograd-lite lesson NAME`` runs one (``RunLesson``): it prints what it
  shows and writes its pictures to ``./autograd_lite_output/NAME/``;
- ``autograd-lite lesson NAME --notebook`` writes ``NAME.ipynb`` instead: the
  lesson's sections as cells, its pictures shown inline when run (``notebook``).

Set ``AUTOGRAD_LITE_EXAMPLES`` to a folder of lesson scripts to use another copy.

>>> from autograd_lite.lessons import lesson_names
>>> lesson_names()[:2]
['five_steps', 'toast_robot']
"""

from __future__ import annotations

import argparse
import ast
import copy
import functools
import html
import importlib.util
import json
import os
import reprlib
import sys
import tempfile
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

from autograd_lite import i18n

#: The environment variable that points at another folder of lesson scripts.
ENV_VAR = "AUTOGRAD_LITE_EXAMPLES"

#: The order in which to take the lessons: each builds on the ones before it.
#: Scripts in examples/ that are missing here are listed after these.
ORDER: tuple[str, ...] = (
    "five_steps",
    "toast_robot",
    "chain_rule",
    "topological_order",
    "affine_layer",
    "activations",
    "losses",
    "gradient_checking",
    "backprop_efficiency",
    "learning_rate",
    "optimizers",
    "batch_size",
    "normalization",
    "initialization",
    "vanishing_gradients",
    "regularization",
    "convolution",
    "evaluation",
    "digits",
    "fine_tuning",
    "newton",
    "derivative_graphs",
)


# -- finding and loading -----------------------------------------------------------


def examples_dir() -> Path:
    """The folder of lesson scripts, or ``FileNotFoundError`` saying where it looked.

    In order: the folder named by ``AUTOGRAD_LITE_EXAMPLES``, if set; else
    the copy installed inside the package (a normal install); else the
    ``examples/`` folder next to the package (a source checkout, or
    ``pip install -e .``).
    """
    override = os.environ.get(ENV_VAR)
    package = Path(__file__).resolve().parent
    folders = [Path(override)] if override else [package / "examples", package.parent / "examples"]
    for folder in folders:
        if (folder / "_lesson.py").is_file():
            return folder
    where = " or ".join(str(folder) for folder in folders)
    fix = (
        f"{ENV_VAR} must name a folder of lesson scripts, such as examples/ in the source tree"
        if override
        else "reinstall autograd_lite (its wheel includes the lessons), or set "
        f"{ENV_VAR} to a copy of the source tree's examples/ folder"
    )
    raise FileNotFoundError(f"no lesson scripts in {where} (no _lesson.py there): {fix}")


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
        raise ValueError(f"no lesson named {reprlib.repr(name)}; choose one of: {', '.join(names)}")
    return examples_dir() / f"{name}.py"


def _docstring(name: str) -> str:
    """The lesson's module docstring, read without running the lesson."""
    tree = ast.parse(lesson_path(name).read_text(encoding="utf-8"))
    return (ast.get_docstring(tree) or "").strip()


def describe(name: str) -> str:
    """The lesson's one-line description: the first line of its docstring (not run).

    In the current language (``autograd_lite.i18n``): the lessons' catalogue has it.
    """
    doc = _docstring_in_language(name)
    return doc.splitlines()[0] if doc else ""


def _docstring_in_language(name: str) -> str:
    """``_docstring(name)`` in the current language, from the lessons' catalogue ``_ja.py``."""
    english = _docstring(name)
    if i18n.language() == "en":
        return english
    _add_lessons_catalogue(examples_dir())
    return i18n.doc(name, english)


@functools.cache
def _add_lessons_catalogue(folder: Path) -> None:
    """Add ``folder/_ja.py`` (the lessons' Japanese) to ``i18n``, once; none: English stays."""
    catalogue = folder / "_ja.py"
    if not catalogue.is_file():
        return
    spec = importlib.util.spec_from_file_location("_autograd_lite_lessons_ja", catalogue)
    if spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        i18n.add_catalogue("ja", module.MESSAGES, module.DOCS)


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


# -- a lesson as a notebook --------------------------------------------------------

#: How every lesson's ``main`` begins; the notebook names the lesson instead of ``__file__``.
START = "start(__file__, __doc__, argv)"
#: How every lesson imports its helper module, found by its bare name beside the script.
HELPER_IMPORT = "from _lesson import "
#: In a notebook, when the lesson is the installed one: the helper by its package name.
PACKAGED_HELPER = "from autograd_lite.examples._lesson import "
#: Before the lesson's code in a notebook of a lesson from another folder (``ENV_VAR``).
SETUP = """\
import sys  # the lesson's helper module, _lesson, sits next to the lesson scripts

sys.path.append({folder!r})
"""
#: A notebook's metadata: it runs in the standard Python 3 kernel.
METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def notebook(name: str, *, quick: bool = False) -> dict[str, Any]:
    """Lesson ``name`` as a Jupyter notebook: a dict in nbformat 4, ready for ``json.dump``.

    The cells follow the script: its docstring (Markdown, saying how to run
    it with ``autograd-lite lesson NAME``), the script's imports, constants
    and functions, then ``main``'s body cut at each ``section(...)`` call,
    one cell per section; the last one leaves the lesson's numbers in
    ``outcome``. Run in Jupyter, each picture shows below the cell that draws
    it (the lesson's ``--inline`` option); ``quick`` makes it the smaller run.
    The lesson is read, never run, here. ``ValueError`` if the script does
    not have a lesson's shape (a ``main(argv)`` that begins with ``START``).

    >>> cells = notebook("toast_robot")["cells"]
    >>> cells[0]["source"].splitlines()[0]
    '# Lesson toast_robot: The toast robot: one input, one weight, one output, one step of \
learning worked by hand.'
    >>> [c["source"].splitlines()[0] for c in cells[3:5]]
    ['section("one step of learning, number by number")', \
'section("training on: {steps} more steps of the same", steps=STEPS)']
    """
    source = lesson_path(name).read_text(encoding="utf-8")
    tree = ast.parse(source)
    main = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main"), None)
    if main is None:
        raise ValueError(f"lesson {name!r} has no main(argv) function")
    lines = source.splitlines()
    argv = ["--inline", "--quick"] if quick else ["--inline"]  # --inline: pictures in the notebook
    if i18n.language() != "en":
        argv += ["--lang", i18n.language()]
    chunks = _sections(main, lines)
    if not chunks or START not in chunks[0].splitlines()[0]:
        raise ValueError(f"lesson {name!r}: main must begin with {START}")
    # the name as data: Python string literals, whatever characters it holds
    call = f"start({name + '.py'!r}, {describe(name)!r}, {argv!r})"  # repr: a literal of any str
    chunks[0] = chunks[0].replace(START, call, 1)
    code = _module_level(tree, lines, main)
    if _is_packaged(lesson_path(name).parent):
        code = code.replace(HELPER_IMPORT, PACKAGED_HELPER)
    else:
        code = SETUP.format(folder=str(lesson_path(name).parent)) + "\n" + code
    # the docstring's "Run: python examples/NAME.py" names a path that only a checkout has
    doc = _docstring_in_language(name).replace(
        f"python examples/{name}.py", f"autograd-lite lesson {name}"
    )
    cells = [
        _cell(
            "markdown", "# " + i18n.tr("Lesson {name}: {title}", name=html.escape(name), title=doc)
        ),
        _cell("code", code),
        *(_cell("code", chunk) for chunk in chunks),
    ]
    for index, cell in enumerate(cells):
        cell["id"] = _cell_id(name, index)
        if cell["cell_type"] == "code":
            try:
                ast.parse(cell["source"])
            except SyntaxError as error:
                message = f"lesson {name!r}: cell {index} is not valid Python: {error}"
                raise ValueError(message) from None
    metadata = copy.deepcopy(METADATA)  # the caller's to change
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def _cell_id(name: str, index: int) -> str:
    """``NAME-INDEX``, kept to what nbformat allows in an id (1 to 64 of ``[a-zA-Z0-9-_]``)."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in name)
    suffix = f"-{index}"
    return safe[: 64 - len(suffix)] + suffix


def _is_packaged(folder: Path) -> bool:
    """Whether ``folder`` is where ``autograd_lite.examples`` is imported from."""
    spec = importlib.util.find_spec("autograd_lite.examples")
    places = spec.submodule_search_locations if spec is not None else None
    return any(Path(place).resolve() == folder.resolve() for place in places or ())


def _cell(kind: str, text: str) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {}, "source": text.strip("\n")}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _module_level(tree: ast.Module, lines: list[str], main: ast.FunctionDef) -> str:
    """The script without its docstring, ``__future__`` imports, ``main`` and ``__main__`` block."""
    keep = [True] * len(lines)
    for node in tree.body:
        docstring = node is tree.body[0] and isinstance(node, ast.Expr)
        future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
        guard = isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)
        if docstring or future or guard or node is main:
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            end = node.end_lineno or node.lineno
            keep[first - 1 : end] = [False] * (end - first + 1)
    text = "\n".join(line for line, kept in zip(lines, keep, strict=True) if kept)
    while "\n\n\n\n" in text:
        text = text.replace("\n\n\n\n", "\n\n\n")
    return text.strip("\n")


def _sections(main: ast.FunctionDef, lines: list[str]) -> list[str]:
    """``main``'s body, dedented, cut before each top-level ``section(...)`` call.

    The final ``return lesson.finish(...)`` becomes ``outcome = lesson.finish(...)``:
    the notebook ends with the lesson's last words, and ``outcome`` holds its numbers.
    """
    body = main.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # main's own docstring
    starts = [body[0].lineno] if body else []
    starts += [
        node.lineno
        for node in body[1:]
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id == "section"
    ]
    last = body[-1] if body else None
    if isinstance(last, ast.Return) and last.value is not None:
        lines = list(lines)
        line = lines[last.lineno - 1]
        lines[last.lineno - 1] = line.replace("return ", "outcome = ", 1)  # its first word
    end = main.end_lineno or main.lineno
    return [
        textwrap.dedent("\n".join(lines[first - 1 : after - 1]))
        for first, after in zip(starts, [*starts[1:], end + 1], strict=True)
    ]


def write_notebook(name: str, folder: Path, *, quick: bool = False) -> Path:
    """Write ``notebook(name)`` as ``folder/NAME.ipynb``; ``FileExistsError`` if it is there."""
    path = folder / f"{name}.ipynb"
    text = json.dumps(notebook(name, quick=quick), indent=1, ensure_ascii=False) + "\n"
    with open(path, "x", encoding="utf-8") as file:  # "x": never overwrite a user's edits
        file.write(text)
    return path


# -- the commands ------------------------------------------------------------------


class ListLessons:
    """``autograd-lite lessons``: one line per lesson, in teaching order."""

    HELP = "list the lessons (runnable examples of each idea of backpropagation)"

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        """It takes no arguments."""

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        try:
            names = lesson_names()
        except FileNotFoundError as error:
            print(f"autograd-lite lessons: {error}", file=sys.stderr)
            return 1
        from autograd_lite.exercises.track import LESSON_EXERCISES

        width = max(len(n) for n in names) if names else 0
        for name in names:
            practise = ", ".join(LESSON_EXERCISES.get(name, ()))
            print(
                f"{name:<{width}}  {describe(name)}"
                + (i18n.tr("  [exercise: {names}]", names=practise) if practise else "")
            )
        hint = i18n.tr(
            "\nRun one with `autograd-lite lesson NAME` (`--notebook` to get it as a notebook),"
            "\nor `python {folder}/NAME.py`.",
            folder=examples_dir(),
        )
        print(hint)
        return 0


class RunLesson:
    """``autograd-lite lesson NAME``: the same as ``python examples/NAME.py``.

    The lesson prints what it shows and writes its pictures to
    ``./autograd_lite_output/NAME/`` (``--out DIR`` to change); with
    ``--notebook`` it is written as ``NAME.ipynb`` (in ``--out DIR``, or
    the current folder) instead of being run.
    """

    HELP = "run one lesson: print what it shows and draw its pictures (or --notebook)"

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("name", metavar="NAME", help="the lesson (see `autograd-lite lessons`)")
        parser.add_argument(
            "--out",
            metavar="DIR",
            help="folder for the pictures (default: ./autograd_lite_output/NAME/), "
            "or for the notebook with --notebook (default: the current folder)",
        )
        parser.add_argument(
            "--quick", action="store_true", help="a smaller, faster run that makes the same point"
        )
        parser.add_argument(
            "--notebook",
            action="store_true",
            help="write NAME.ipynb, the lesson as a Jupyter notebook, instead of running it",
        )

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        prog = "autograd-lite lesson"
        try:
            path = lesson_path(args.name)
        except FileNotFoundError as error:
            print(f"{prog}: {error}", file=sys.stderr)
            return 1
        except ValueError as error:  # an unknown name: a usage error
            print(f"{prog}: error: {error}", file=sys.stderr)
            return 2
        if args.out or args.notebook:  # the folder it writes in (else the lesson makes its own)
            folder = args.out or "."
            problem = _unwritable(folder, make=bool(args.out))
            if problem:  # e.g. --out names a file, a read-only folder or /proc: a usage error
                where = "argument --out: " if args.out else ""
                print(f"{prog}: error: {where}{problem}", file=sys.stderr)
                return 2
        try:
            if args.notebook:
                try:
                    written = write_notebook(args.name, Path(args.out or "."), quick=args.quick)
                except FileExistsError as error:
                    print(
                        f"{prog}: {error.filename} exists already: remove it first", file=sys.stderr
                    )
                    return 1
                print(
                    i18n.tr(
                        "wrote {path}: open it in Jupyter (or VS Code) and run all cells",
                        path=written,
                    )
                )
                return 0
            argv = ["--out", args.out] if args.out else []
            argv += ["--lang", i18n.language()]
            if args.quick:
                argv.append("--quick")
            load(path.stem).main(argv)
        except OSError as error:  # a folder that refuses a file half way, a full disk
            where = f"{error.filename}: " if error.filename else ""
            print(f"{prog}: {where}{error.strerror or error}", file=sys.stderr)
            return 1
        return 0


def _unwritable(folder: str, *, make: bool) -> str | None:
    """Why no file can be written in ``folder`` (made first if ``make``), or None if one can.

    It tries: a temporary file is made and removed at once, which also
    catches what permission bits do not show (a read-only mount, ``/proc``).
    """
    try:
        if make:
            os.makedirs(folder, exist_ok=True)
    except OSError as error:
        return f"cannot make the folder {folder}: {error.strerror or error}"
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        return f"cannot write in {folder}: {error.strerror or error}"
    return None

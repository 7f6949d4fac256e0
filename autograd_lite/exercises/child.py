"""The child process of a check: loads the learner's file and runs the checks beside it.

``main([NAME, FILE, PARTS])`` runs in a new ``python -I`` that
``runner.check_file`` starts with limits on CPU time, memory and file size, no
stdin and a wall-clock timeout. The learner's prints go to stderr; the one
line on stdout is the outcome, as JSON (never pickle). Before the learner's
file runs, an import hook refuses ``autograd_lite`` (and the other engines in
``BLOCKED``) to it: the file must build its own engine. ``refusal`` is the
same rule read statically from the source, which the parent applies first.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import errno
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import resource
import sys
import types
from collections.abc import Sequence
from typing import Any

#: Libraries a learner's file may not import: they would do the exercise for it.
BLOCKED = (
    "autograd_lite",
    "visualize",
    "micrograd",
    "torch",
    "jax",
    "tensorflow",
    "autograd",
    "sympy",
    "tinygrad",
    "numdifftools",
    "scipy",
)
#: Text that only serves to reach around the import hook (or into the checker).
EVASIONS = (
    "importlib",
    "__import__",
    "sys.modules",
    "__globals__",
    "__builtins__",
    "__subclasses__",
    "get_objects",
    "get_referrers",
    "_getframe",
    "f_back",
)
#: The module name the learner's file runs as.
MODULE = "exercise"
#: The functions that write the outcome, bound before the learner's file runs, which may
#: replace ``json.dumps`` or ``dataclasses.asdict`` in their modules to fake a pass.
_DUMPS, _ASDICT = json.dumps, dataclasses.asdict


def _why(name: str) -> str:
    return (
        f"it imports {name}: the exercise asks you to build this yourself, and the "
        "checker compares your engine with autograd_lite's, so yours may not use one"
    )


def refusal(source: str) -> str:
    """Why the checker will not run ``source`` ("" if it will): a syntax error, an engine import."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        return f"it is not valid Python: line {error.lineno}: {error.msg}"
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            if name.split(".")[0] in BLOCKED:
                return f"line {getattr(node, 'lineno', 0)}: {_why(name)}"
    for word in ("autograd_lite", *EVASIONS):
        if word in source:
            line = source[: source.index(word)].count("\n") + 1
            return f"line {line}: it uses {word!r}, which the checker does not allow in an exercise"
    return ""


def _from_learner() -> bool:
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_globals.get("__name__") == MODULE:
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


class _Refuse(importlib.abc.MetaPathFinder):
    """Refuses a blocked library to the learner's code (a first import, by any route)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.split(".")[0] in BLOCKED and _from_learner():
            raise ImportError(_why(fullname))
        return None


def _guard() -> None:
    """From here on, the learner's code cannot import a blocked library, loaded or not.

    Both hooks look up the stack for a frame of the learner's module: an import
    statement, ``__import__`` called by hand or ``exec`` of a built string are
    all the learner's, wherever the import machinery is entered.
    """
    real = builtins.__import__

    def guarded(
        name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
    ) -> types.ModuleType:
        if level == 0 and name.split(".")[0] in BLOCKED and _from_learner():
            raise ImportError(_why(name))
        return real(name, globals, locals, fromlist, level)

    builtins.__import__ = guarded
    sys.meta_path.insert(0, _Refuse())


def limit(cpu: int, memory: int, output: int) -> None:
    """Limit this process: CPU seconds, address space and file size (bytes), no core dump.

    Set here, by the child itself, rather than between fork and exec in the
    parent (``preexec_fn`` is unsafe in a process with threads, such as a
    Jupyter kernel). Soft and hard limits are equal: the learner's code
    cannot raise them again.
    """
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (output, output))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main(argv: Sequence[str]) -> int:
    name, path, parts, cpu, memory, output = argv
    limit(int(cpu), int(memory), int(output))
    result = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # the learner's prints go to stderr; stdout is for the outcome only
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - for the process's life
    from autograd_lite.exercises import checks  # the reference engine, before the guard

    checks.LEARNER_FILE = path
    outcome = checks.Outcome(False, message="your file could not be loaded")
    spec = importlib.util.spec_from_file_location(MODULE, path)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py file always has one
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE] = module  # dataclasses and the like look their module up here
    _guard()
    try:
        spec.loader.exec_module(module)
    except SystemExit:
        outcome.message = "your file called exit() while loading: the checker calls your functions"
    except MemoryError:
        outcome.message = "your file ran out of memory while loading"
    except Exception as error:
        outcome.message = (
            f"your file raised {type(error).__name__} while loading: "
            f"{checks.quote(str(error))}{checks._where(error)}"
        )
        if isinstance(error, OSError) and error.errno == errno.EFBIG:  # the output limit
            outcome.message = (
                f"your file printed more than {int(output) >> 20} MB while loading: print less"
            )
    else:
        try:
            outcome = checks.run(name, module, int(parts) or None)
        except SystemExit:
            outcome.message = "your code called exit(): return a value instead"
        except MemoryError:
            outcome.message = "your code ran out of memory: does something grow without end?"
    result.write(_DUMPS(_ASDICT(outcome)) + "\n")
    result.close()
    return 0

"""The ``autograd-lite`` command: one sub-command per job.

Each sub-command is a module, or a class in a module (``"module:Class"``),
that provides ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int``. Modules import
heavy libraries (matplotlib, torch) inside ``run`` only, so that every
command starts quickly.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from autograd_lite import __version__, i18n

#: sub-command -> the module (or "module:Class") that implements it
COMMANDS: dict[str, str] = {
    "demo": "autograd_lite.demo",
    "lessons": "autograd_lite.lessons:ListLessons",
    "lesson": "autograd_lite.lessons:RunLesson",
    "graph": "visualize.cli",
    "exercises": "autograd_lite.exercises.commands:ListExercises",
    "exercise": "autograd_lite.exercises.commands:WriteExercise",
    "check": "autograd_lite.exercises.commands:CheckExercise",
}


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments: -"):
            # e.g. autograd-lite graph "-x*2": argparse takes it for an option
            message += "; put '--' before an argument that starts with '-'"
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="autograd-lite",
        description="Scalar automatic differentiation you can run and inspect.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for name, where in COMMANDS.items():
        module_name, _, class_name = where.partition(":")
        module = importlib.import_module(module_name)
        command = getattr(module, class_name) if class_name else module
        sub = subparsers.add_parser(name, help=command.HELP, description=command.HELP)
        command.add_arguments(sub)
        sub.add_argument(
            "--lang",
            choices=i18n.LANGUAGES,
            default=None,
            help=f"language of the text and pictures (default: ${i18n.ENV_VAR}, else en)",
        )
        sub.set_defaults(_run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``autograd-lite`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    i18n.set_language(args.lang)
    try:
        i18n.language()
    except ValueError as error:  # a wrong $AUTOGRAD_LITE_LANG
        parser.error(str(error))
    try:
        code: int = args._run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. autograd-lite lessons | head: the reader left early
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error at exit
        return 141
    return code


if __name__ == "__main__":
    sys.exit(main())

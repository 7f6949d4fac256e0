"""The commands: ``autograd-lite exercises``, ``exercise NAME`` and ``check NAME FILE``.

A learner's files live in ``./exercises/`` by default (``--folder`` to change):
``exercise NAME`` writes the starter there as ``NAME.py``, ``check NAME``
checks that file, and ``exercises`` lists the track with each file's status.
A passed check is remembered in ``FOLDER/.passed.json`` (the exercise and the
file's SHA-256), so that the list shows it without running it again.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import sys
from pathlib import Path

from autograd_lite.checks import read_regular_file
from autograd_lite.exercises.runner import MAX_BYTES, Report, check_file
from autograd_lite.exercises.track import EXERCISES, exercise

#: Where a learner's files are, unless --folder says otherwise.
FOLDER = "exercises"
#: The file in that folder that remembers which files passed.
PASSED = ".passed.json"
#: The most of that file the list reads (twelve names and digests need about 1,000 bytes).
RECORD_BYTES = 100_000
#: Where a failure's diagram goes: autograd_lite_output/exercises/NAME.svg, as lessons do.
OUTPUT = Path("autograd_lite_output") / "exercises"


def _folder_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--folder",
        metavar="DIR",
        default=FOLDER,
        help=f"the folder of your exercise files (default: ./{FOLDER})",
    )


def _digest(path: Path) -> str:
    try:
        with open(path, "rb") as file:
            return hashlib.sha256(file.read(MAX_BYTES + 1)).hexdigest()
    except OSError:
        return ""


def _passed(folder: Path) -> dict[str, str]:
    """The record of passed files: {exercise: SHA-256}; empty if missing or not ours."""
    try:
        data, _ = read_regular_file(str(folder / PASSED), "record", RECORD_BYTES)
        record = json.loads(data[:RECORD_BYTES].decode("utf-8"))
    except (OSError, ValueError):  # missing, a FIFO, cut short, not JSON: check again
        return {}
    if not isinstance(record, dict):
        return {}
    return {k: v for k, v in record.items() if isinstance(k, str) and isinstance(v, str)}


def _remember(folder: Path, name: str, path: Path) -> None:
    if path.parent.resolve() != folder.resolve() or path.name != f"{name}.py":
        return  # only the files in the folder are listed
    record = _passed(folder)
    record[name] = _digest(path)
    target = folder / PASSED
    if target.exists() and not target.is_file():
        return  # a FIFO or a folder in its place: never write into it
    spare = folder / f"{PASSED}.{os.getpid()}"
    with contextlib.suppress(OSError):  # a read-only folder: the list will check again
        spare.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        os.replace(spare, target)  # whole or not at all, even with two checks at once


class ListExercises:
    """``autograd-lite exercises``: the track, what each asks, and which files pass."""

    HELP = "list the exercises (build the engine yourself) and which of your files pass"

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        _folder_argument(parser)
        parser.add_argument(
            "--no-check",
            action="store_true",
            help="do not check files that were not checked since their last edit",
        )

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        folder = Path(args.folder)
        record = _passed(folder)
        width = max(len(e.name) for e in EXERCISES)
        done = 0
        for number, e in enumerate(EXERCISES, 1):
            path = folder / f"{e.name}.py"
            if not path.is_file():
                status = "no file yet"
            elif record.get(e.name) == _digest(path):
                status = "passed"
            elif args.no_check:
                status = "not checked"
            else:
                report = _check(e.name, path, folder)
                status = "passed" if report is not None and report.passed else "not yet"
            done += status == "passed"
            print(f"{number:2}. {e.name:<{width}}  {e.asks}  [lesson {e.lesson}]  ({status})")
        print(
            f"\n{done} of {len(EXERCISES)} passed. Start one with `autograd-lite exercise NAME`"
            f" (writes {folder}/NAME.py), check it with `autograd-lite check NAME`."
        )
        return 0


def _check(name: str, path: Path, folder: Path) -> Report | None:
    try:
        report = check_file(name, path)
    except (OSError, ValueError) as error:
        print(f"autograd-lite check: {error}", file=sys.stderr)
        return None
    if report.passed:
        _remember(folder, name, path)
    return report


class WriteExercise:
    """``autograd-lite exercise NAME``: write the starter (or a notebook), or show the solution."""

    HELP = "start an exercise: write its starter file (--notebook, --solution for teachers)"

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "name", metavar="NAME", help="the exercise (see `autograd-lite exercises`)"
        )
        _folder_argument(parser)
        parser.add_argument(
            "--notebook",
            action="store_true",
            help="write NAME.ipynb, with a check cell after each part, instead",
        )
        parser.add_argument(
            "--solution",
            action="store_true",
            help="print our reference solution instead (for teachers)",
        )

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        prog = "autograd-lite exercise"
        try:
            e = exercise(args.name)
        except ValueError as error:
            print(f"{prog}: error: {error}", file=sys.stderr)
            return 2
        if args.solution:
            print(e.solution(), end="")
            return 0
        folder = Path(args.folder)
        try:
            os.makedirs(folder, exist_ok=True)
            if args.notebook:
                from autograd_lite.exercises.notebook import write_notebook

                path = write_notebook(e.name, folder)
            else:
                path = folder / f"{e.name}.py"
                with open(
                    path, "x", encoding="utf-8"
                ) as file:  # never overwrite the learner's work
                    file.write(e.starter())
        except FileExistsError as error:
            print(f"{prog}: {error.filename} exists already: remove it first", file=sys.stderr)
            return 1
        except OSError as error:
            print(f"{prog}: cannot write in {folder}: {error.strerror or error}", file=sys.stderr)
            return 1
        how = (
            "open it in Jupyter and run the cells"
            if args.notebook
            else (f"fill in the parts, then: autograd-lite check {e.name}")
        )
        print(f"wrote {path}: {how}")
        return 0


class CheckExercise:
    """``autograd-lite check NAME [FILE]``: exit 0 when it passes, 1 with the first failing case."""

    HELP = "check your solution of an exercise (FILE defaults to ./exercises/NAME.py)"

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "name", metavar="NAME", help="the exercise (see `autograd-lite exercises`)"
        )
        parser.add_argument(
            "file", metavar="FILE", nargs="?", help=f"your solution (default: {FOLDER}/NAME.py)"
        )
        _folder_argument(parser)

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        prog = "autograd-lite check"
        try:
            exercise(args.name)
        except ValueError as error:
            print(f"{prog}: error: {error}", file=sys.stderr)
            return 2
        folder = Path(args.folder)
        path = Path(args.file) if args.file else folder / f"{args.name}.py"
        report = _check(args.name, path, folder)
        if report is None:
            return 1
        print(report.text())
        if report.graph:
            from autograd_lite.exercises.feedback import write

            title = f"{args.name}: the smallest case that shows it (wrong in red)"
            try:
                drawn = write(report.graph, title, OUTPUT / f"{args.name}.svg")
                print(f"the case, drawn: {drawn}")
            except (OSError, RuntimeError) as error:
                print(f"(could not draw the case: {error})", file=sys.stderr)
        return 0 if report.passed else 1

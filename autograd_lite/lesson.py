"""``autograd-lite lesson NAME``: run one lesson from ``examples/``.

The same as ``python examples/NAME.py``: the lesson prints what it shows
and writes its pictures to ``./autograd_lite_output/NAME/`` (``--out DIR``
to change). ``autograd-lite lessons`` lists the names; see
``autograd_lite.lessons`` for where the scripts are found.
"""

from __future__ import annotations

import argparse
import os
import sys

from autograd_lite.lessons import load

HELP = "run one lesson: print what it shows and draw its pictures"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the lesson (see `autograd-lite lessons`)")
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="folder for the pictures (default: ./autograd_lite_output/NAME/)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smaller, faster run that makes the same point"
    )


def run(args: argparse.Namespace) -> int:
    try:
        module = load(args.name)
    except FileNotFoundError as error:
        print(f"autograd-lite lesson: {error}", file=sys.stderr)
        return 1
    except ValueError as error:  # an unknown name: a usage error
        print(f"autograd-lite lesson: error: {error}", file=sys.stderr)
        return 2
    if args.out:
        try:
            os.makedirs(args.out, exist_ok=True)
        except OSError as error:  # e.g. --out names a file: a usage error
            reason = error.strerror or error
            print(
                f"autograd-lite lesson: error: argument --out: cannot make the folder "
                f"{args.out}: {reason}",
                file=sys.stderr,
            )
            return 2
    argv = ["--out", args.out] if args.out else []
    if args.quick:
        argv.append("--quick")
    module.main(argv)
    return 0

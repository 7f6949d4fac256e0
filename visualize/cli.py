"""``autograd-lite graph EXPR NAME=VALUE ...``: an expression's value, gradients and diagram.

Example::

    autograd-lite graph "tanh(x*w + b)" x=2 w=-3 b=6.88 -o graph.svg --backward-view

prints the value and d(value)/d(name) for every variable as a small table,
and writes the diagram (``.svg``, ``.png`` or ``.dot``) and, with
``--animate``, a step-by-step HTML page of the backward pass. The
expression language is in ``visualize.expr``: a whitelist over Python's
syntax, never evaluated by Python. Every error is one line on stderr and
exit code 2.
"""

from __future__ import annotations

import argparse
import keyword
import math
import reprlib
import sys
import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from autograd_lite import i18n
from autograd_lite.engine import Value, topological_order
from visualize.animate import DEFAULT_MAX_FRAMES, page_path
from visualize.expr import FUNCTIONS, evaluate
from visualize.graph import DEFAULT_MAX_NODES
from visualize.renderer import LayoutTimeoutError, check_timeout, format_of
from visualize.style import fmt, printable

HELP = "compute an expression's gradients and draw its graph"

_SHOWN = 60  # characters of the expression echoed in the table
#: Seconds that laying out the diagram and the animation may take, together.
DEFAULT_TIMEOUT_S = 10.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "expression",
        metavar="EXPR",
        help="numbers, variables, + - * / **, and " + ", ".join(sorted(FUNCTIONS)),
    )
    parser.add_argument(
        "assignments", metavar="NAME=VALUE", nargs="*", help="a value for each variable"
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write the diagram (.svg, .png, .dot or .gv)"
    )
    parser.add_argument(
        "--backward-view",
        action="store_true",
        help="draw edges output to inputs, labelled with the chain rule's products",
    )
    parser.add_argument(
        "--animate", metavar="FILE.html", help="write a step-by-step backward-pass page"
    )
    parser.add_argument(
        "--params",
        metavar="NAMES",
        default="",
        help="comma-separated variables to draw as parameters (e.g. w,b)",
    )
    parser.add_argument(
        "--max-nodes",
        type=int,
        default=DEFAULT_MAX_NODES,
        metavar="N",
        help=f"refuse to draw graphs with more values (default {DEFAULT_MAX_NODES}); "
        f"an animation has at most {DEFAULT_MAX_FRAMES} frames, one per value and one more",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="SECONDS",
        help=f"stop laying out the pictures after this long (default {DEFAULT_TIMEOUT_S:g})",
    )


def parse_assignments(items: Sequence[str]) -> dict[str, float]:
    """``["x=2", "w=-3"]`` -> ``{"x": 2.0, "w": -3.0}``, or a ``ValueError`` naming the bad item."""
    values: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        # Python reads identifiers in NFKC form, so the expression's "ｘ" is "x": so is ours
        name = unicodedata.normalize("NFKC", name.strip())
        if not sep:
            raise ValueError(f"expected NAME=VALUE, got {reprlib.repr(item)}")
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(f"{reprlib.repr(item)}: {reprlib.repr(name)} is not a variable name")
        if name in FUNCTIONS:
            raise ValueError(f"{reprlib.repr(item)}: {name} is a function, not a variable")
        if name in values:
            raise ValueError(f"{reprlib.repr(name)} is given twice")
        try:
            x = float(text)
        except ValueError:
            raise ValueError(
                f"{reprlib.repr(item)}: {reprlib.repr(text.strip())} is not a number"
            ) from None
        if not math.isfinite(x):
            raise ValueError(f"{reprlib.repr(item)}: the value must be finite")
        values[name] = x
    return values


def _table(expression: str, out: Value, leaves: dict[str, Value]) -> str:
    shown = expression if len(expression) <= _SHOWN else expression[: _SHOWN - 1] + "…"
    shown = printable(shown)  # e.g. a form feed, which Python reads as a space
    lines = [f"{shown} = {fmt(out.data)}"]
    if leaves:
        rows = [(i18n.tr("variable"), i18n.tr("value"), i18n.tr("gradient"))]
        rows += [(n, fmt(v.data), fmt(float(v.grad))) for n, v in leaves.items()]
        w0, w1, w2 = (max(i18n.display_width(r[i]) for r in rows) for i in range(3))
        lines += [
            f"{i18n.ljust(a, w0)}  {i18n.rjust(b, w1)}  {i18n.rjust(c, w2)}" for a, b, c in rows
        ]
    return "\n".join(lines)


def _check_files(args: argparse.Namespace) -> None:
    """Bad file names and options fail before any work."""
    check_timeout(args.timeout)
    if args.output:
        format_of(args.output)
    if args.animate:
        page = page_path(args.animate)
        if args.output and Path(args.output).resolve() == page.resolve():
            raise ValueError("-o and --animate name the same file: give two different files")


def _compute(args: argparse.Namespace) -> int:
    _check_files(args)
    values = parse_assignments(args.assignments)
    out, leaves = evaluate(args.expression, values)
    names = [n.strip() for n in args.params.split(",") if n.strip()]
    for n in names:
        if n not in leaves:
            raise ValueError(f"--params: {reprlib.repr(n)} is not one of the variables")
    params = [leaves[n] for n in names]
    used = set(topological_order(out))
    unused = [name for name, leaf in leaves.items() if leaf not in used]
    if unused:  # most likely a typo in a name: refuse rather than show a gradient of 0
        listed = ", ".join(unused)
        verb = "is" if len(unused) == 1 else "are"
        raise ValueError(f"{listed} {verb} given a value but not used in the expression (a typo?)")
    if out.requires_grad:
        out.backward()
    for name, leaf in leaves.items():
        if not math.isfinite(float(leaf.grad)):
            raise ValueError(f"the gradient with respect to {name} is not finite")
    print(_table(args.expression, out, leaves))
    if args.output or args.animate:
        _draw(args, out, params)
    return 0


def _draw(args: argparse.Namespace, out: Value, params: list[Value]) -> None:
    """Write the diagram and the page, both within ``--timeout`` seconds."""
    from visualize.animate import animate_backward
    from visualize.graph import draw_graph
    from visualize.renderer import render

    deadline = time.monotonic() + args.timeout
    try:
        if args.output:
            fmt = format_of(args.output)
            with i18n.diagram_format(fmt):  # an SVG's viewer draws any language; a PNG may not
                dot = draw_graph(
                    out, backward_view=args.backward_view, params=params, max_nodes=args.max_nodes
                )
                if i18n.diagram_language() != i18n.language():
                    print(
                        i18n.tr(
                            "(the PNG keeps English legends: graphviz-pure, which draws it, has "
                            "no Japanese font; write .svg to get them in Japanese)"
                        )
                    )
            left = max(deadline - time.monotonic(), 1e-9)
            written = printable(str(render(dot, args.output, timeout=left)))
            print(i18n.tr("wrote {path}", path=written))
        if args.animate:
            frames = min(DEFAULT_MAX_FRAMES, args.max_nodes + 1)  # its own limit, or a lower one
            left = max(deadline - time.monotonic(), 1e-9)
            with i18n.diagram_format("svg"):  # the page shows SVG frames in a browser
                page = animate_backward(
                    out, args.animate, params=params, max_frames=frames, timeout=left
                )
            print(i18n.tr("wrote {path}", path=printable(str(page))))
    except LayoutTimeoutError as error:
        raise LayoutTimeoutError(f"{error} (--timeout, now {args.timeout:g} s)") from None


def run(args: argparse.Namespace) -> int:
    """Print the table and write the files; any error is one line on stderr, exit code 2."""
    try:
        return _compute(args)
    except (ValueError, ArithmeticError, RuntimeError, OSError) as error:
        # RuntimeError covers a missing renderer and RecursionError; OSError a bad path.
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"autograd-lite graph: error: {message}", file=sys.stderr)
        return 2

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
import sys
from collections.abc import Sequence

from autograd_lite import Value
from visualize.expr import FUNCTIONS, evaluate
from visualize.graph import DEFAULT_MAX_NODES
from visualize.renderer import format_of
from visualize.style import fmt

HELP = "compute an expression's gradients and draw its graph"

_SHOWN = 60  # characters of the expression echoed in the table


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
        help=f"refuse to draw graphs with more values (default {DEFAULT_MAX_NODES})",
    )


def parse_assignments(items: Sequence[str]) -> dict[str, float]:
    """``["x=2", "w=-3"]`` -> ``{"x": 2.0, "w": -3.0}``, or a ``ValueError`` naming the bad item."""
    values: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep:
            raise ValueError(f"expected NAME=VALUE, got {item!r}")
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(f"{item!r}: {name!r} is not a variable name")
        if name in FUNCTIONS:
            raise ValueError(f"{item!r}: {name} is a function, not a variable")
        if name in values:
            raise ValueError(f"{name} is given twice")
        try:
            x = float(text)
        except ValueError:
            raise ValueError(f"{item!r}: {text.strip()!r} is not a number") from None
        if not math.isfinite(x):
            raise ValueError(f"{item!r}: the value must be finite")
        values[name] = x
    return values


def _table(expression: str, out: Value, leaves: dict[str, Value]) -> str:
    shown = expression if len(expression) <= _SHOWN else expression[: _SHOWN - 1] + "…"
    lines = [f"{shown} = {fmt(out.data)}"]
    if leaves:
        rows = [("variable", "value", "gradient")]
        rows += [(n, fmt(v.data), fmt(float(v.grad))) for n, v in leaves.items()]
        w0 = max(len(r[0]) for r in rows)
        w1 = max(len(r[1]) for r in rows)
        w2 = max(len(r[2]) for r in rows)
        lines += [f"{a:<{w0}}  {b:>{w1}}  {c:>{w2}}" for a, b, c in rows]
    return "\n".join(lines)


def _compute(args: argparse.Namespace) -> int:
    if args.output:
        format_of(args.output)  # a bad suffix fails before any work
    values = parse_assignments(args.assignments)
    out, leaves = evaluate(args.expression, values)
    names = [n.strip() for n in args.params.split(",") if n.strip()]
    for n in names:
        if n not in leaves:
            raise ValueError(f"--params: {n!r} is not one of the variables")
    params = [leaves[n] for n in names]
    if out.requires_grad:
        out.backward()
    for name, leaf in leaves.items():
        if not math.isfinite(float(leaf.grad)):
            raise ValueError(f"the gradient with respect to {name} is not finite")
    print(_table(args.expression, out, leaves))
    if args.output or args.animate:
        from visualize.graph import draw_graph
        from visualize.renderer import render

        if args.output:
            dot = draw_graph(
                out, backward_view=args.backward_view, params=params, max_nodes=args.max_nodes
            )
            print(f"wrote {render(dot, args.output)}")
        if args.animate:
            from visualize.animate import animate_backward

            page = animate_backward(out, args.animate, params=params, max_frames=args.max_nodes)
            print(f"wrote {page}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Print the table and write the files; any error is one line on stderr, exit code 2."""
    try:
        return _compute(args)
    except (ValueError, ArithmeticError, RuntimeError, OSError) as error:
        # RuntimeError covers a missing renderer and RecursionError; OSError a bad path.
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"autograd-lite graph: error: {message}", file=sys.stderr)
        return 2

"""The python backend: a tape as straight-line Python for one sample, in a loop over the batch.

Each operation is written by its row of ``PRIMITIVES`` (its ``code`` and
``grad_code`` templates, calling the helpers the row declares, or a call of
its functions), so ``step.source`` shows what backpropagation unrolls to.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from autograd_lite.checks import plain_list
from autograd_lite.compile.backend import Backend, Replayed
from autograd_lite.compile.batch import _one_length, _plain_samples
from autograd_lite.compile.codegen import (
    _contributions,
    _forward_line,
    _library,
    _names,
    _unpack,
)
from autograd_lite.compile.tape import Tape, _Layout
from autograd_lite.engine import Edges, walk_back
from autograd_lite.ops import python_names

__all__ = ["PythonBackend"]


def _python_source(tape: Tape, layout: _Layout) -> str:
    """The tape as one Python function: a loop over the batch, straight-line code inside."""
    nodes = tape.nodes
    names = _names(tape)
    lines = [
        f"# {len(nodes)} nodes in topological order. p0..: parameters (their .data at each "
        "step); x0..: one sample's input; y0..: its target",
        "# vN: the value of node N; gN: d(loss)/d(vN); GJ: the gradient of pJ, summed over "
        "the batch",
        "def replay(P, X, Y):",
    ]
    body = []
    if layout.nparams:
        body.append(_unpack("p", layout.nparams, False, "P"))
    trained = [j for j in range(layout.nparams) if layout.trainable[j]]
    if trained:
        body.append(f"{' = '.join(f'G{j}' for j in trained)} = 0.0")
    body += ["losses = []", "check = 0.0", "outs = []", "for x, y in zip(X, Y):"]
    loop = [
        _unpack("x", layout.nx, layout.x_scalar, "x"),
        _unpack("y", layout.ny, layout.y_scalar, "y"),
        "# forward",
    ]
    for i, n in enumerate(nodes):
        if n.op is None:
            continue
        args = [names[j] for j in n.inputs]
        loop.append(_forward_line(n.op, tape.row(n.op), names[i], args, numpy=False))
        if n.op.hides_overflow:  # an inf or NaN here could vanish: watch it
            watched = [a for a, j in zip(args, n.inputs, strict=True) if nodes[j].kind != "const"]
            if watched:
                loop.append(f"check += {' + '.join(watched)}")
    loop.append(f"losses.append({names[tape.root]})")
    if tape.outputs:
        loop.append(f"outs.append(({', '.join(names[i] for i in tape.outputs)},))")
    loop.append("# backward")
    loop += _python_backward(tape, names)
    body += ["    " + line for line in loop]
    result = "".join(f"G{j}, " if layout.trainable[j] else "0.0, " for j in range(layout.nparams))
    body.append(f"return fsum(losses), ({result}), check, outs  # summed as the engine sums")
    return "\n".join(lines + ["    " + line for line in body]) + "\n"


def _python_backward(tape: Tape, names: list[str]) -> list[str]:
    """The backward pass as lines: the engine's walk over the tape, each edge a line."""
    nodes = tape.nodes
    if not tape.needs[tape.root]:
        return []
    root = nodes[tape.root]
    if root.kind == "param":  # the loss is a parameter itself
        return [f"G{root.index} += 1.0"]
    lines = [f"g{tape.root} = 1.0"]

    def rule(i: int, g: str) -> Edges:
        op = nodes[i].op
        if op is None:
            return ()
        if op.hides_overflow:
            lines.append(f"check += {g}")
        pre, edges = _contributions(tape, names, i, numpy=False)
        lines.extend(pre)
        return edges

    def send(grads: dict[int, str], j: int, expr: str) -> None:
        if nodes[j].kind == "param":
            lines.append(f"G{nodes[j].index} += {expr}")
        elif j in grads:
            lines.append(f"g{j} += {expr}")
        else:
            grads[j] = f"g{j}"  # its gradient variable exists from here on
            lines.append(f"g{j} = {expr}")

    for _ in walk_back(range(len(nodes)), {tape.root: f"g{tape.root}"}, rule, send):
        pass
    return lines


class PythonBackend(Backend):
    """Straight-line Python, one sample at a time: the batch as lists, results as floats."""

    name = "python"

    def source(self, tape: Tape, layout: _Layout) -> tuple[str, dict[str, Any]]:
        # the helpers the rows' templates call, as the rows declare them
        namespace = {"fsum": math.fsum, **python_names(filter(_library, tape.rows))}
        for k, row in enumerate(tape.rows):
            namespace[f"f{k}"] = row.forward
            namespace[f"d{k}"] = row.vjp
        return _python_source(tape, layout), namespace

    def batch(self, xs: Any, ys: Any, layout: _Layout) -> tuple[Any, Any, Any, Any]:
        xs, ys = plain_list(xs), plain_list(ys)
        _one_length(xs, ys)
        X = _plain_samples(xs, layout.x_shape, "input")
        Y = _plain_samples(ys, layout.y_shape, "target")
        return xs, ys, X, Y

    def run(
        self, replay: Callable[..., Any], P: list[float], X: Any, Y: Any, trained: list[int]
    ) -> Replayed | None:
        total, G, check, outs = replay(P, X, Y)
        G = [G[j] for j in trained]
        spread = sum(G)  # inf or NaN if one of them is (or, rarely, if they overflow)
        if spread - spread != 0.0 and not all(math.isfinite(g) for g in G):
            return None
        if not math.isfinite(total + check):
            return None
        return float(total), G, outs

    def means(self, G: Any, n: int) -> list[float]:
        return [g / n for g in G]

    def some(
        self, xs: Any, ys: Any, X: Any, Y: Any, at: list[int]
    ) -> tuple[list[Any], list[Any], Any, Any]:
        return [xs[i] for i in at], [ys[i] for i in at], [X[i] for i in at], [Y[i] for i in at]

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
    LONGEST_EXPRESSION,
    _contributions,
    _forward_line,
    _library,
    _unpack,
)
from autograd_lite.compile.names import Names, comment_text
from autograd_lite.compile.tape import Tape, _Layout
from autograd_lite.compile.wrap import WIDTH, comment_lines, wrap_lines
from autograd_lite.engine import Edges, walk_back
from autograd_lite.ops import python_names

__all__ = ["PythonBackend"]


def _python_source(tape: Tape, layout: _Layout) -> str:
    """The tape as one Python function: a loop over the batch, straight-line code inside."""
    nodes = tape.nodes
    names = Names(tape, layout)
    body = []
    if layout.nparams == 1:
        body.append(f"{names.params[0]} = P[0]")
    elif layout.nparams:
        body.append(f"{', '.join(names.params)} = P")
    trained = [names.sums[j] for j in range(layout.nparams) if layout.trainable[j]]
    for chunk in _chunks(trained, WIDTH - 2 * len(_TAB) - len(" = 0.0")):
        body.append(f"{' = '.join(chunk)} = 0.0")
    body += ["losses = []", "check = 0.0", "outs = []", "for x, y in zip(X, Y):"]
    loop = [
        _unpack("x", layout.nx, layout.x_scalar, "x"),
        _unpack("y", layout.ny, layout.y_scalar, "y"),
        "# forward",
    ]
    watched: list[str] = []  # inputs of rows that can hide an inf or a NaN (relu(nan) is 0)
    layer = None
    for i, n in enumerate(nodes):
        if n.op is None:
            continue
        args = [names.value(j) for j in n.inputs]
        layer = _layer_comment(names, i, layer, loop)
        loop.append(_forward_line(n.op, tape.row(n.op), names.value(i), args, numpy=False))
        if n.op.hides_overflow:
            watched += [a for a, j in zip(args, n.inputs, strict=True) if nodes[j].kind != "const"]
    loop.append(f"losses.append({names.value(tape.root)})")
    if tape.outputs:
        loop.append(f"outs.append(({', '.join(names.value(i) for i in tape.outputs)},))")
    loop.append("# backward")
    loop += _python_backward(tape, names, watched)
    if watched:
        loop.append("# what an operation could hide (relu(inf) is inf, relu(nan) is 0), once")
        if len(watched) <= LONGEST_EXPRESSION:
            loop.append(f"check += {' + '.join(watched)}")
        else:  # a sum too deep for Python's compiler as a + b + ...
            loop.append(f"check += sum(({', '.join(watched)}))")
    body += [_TAB + line for line in loop]
    result = ", ".join(
        names.sums[j] if layout.trainable[j] else "0.0" for j in range(layout.nparams)
    )
    body.append(f"grads = ({result}{',' if layout.nparams == 1 else ''})")
    body.append("return fsum(losses), grads, check, outs  # the losses summed as the engine sums")
    lines = comment_lines(
        f"{len(nodes)} nodes in topological order, named by what they compute: "
        + names.header(sums=True)
    )
    lines.append("def replay(P, X, Y):")
    return "\n".join(wrap_lines(lines + [_TAB + line for line in body])) + "\n"


_TAB = "    "


def _layer_comment(names: Names, i: int, layer: str | None, lines: list[str]) -> str | None:
    """A comment naming the layer where node ``i`` starts one (it computes a neuron of a
    layer other than the last one seen); the layer seen now."""
    now = names.layer(i)
    if now is not None and now != layer:
        lines.append(f"# layer {comment_text(now)}")
        return now
    return layer


def _chunks(items: list[str], width: int) -> list[list[str]]:
    """``items`` in runs whose ``" = "``-joined text fits in ``width`` (at least one each)."""
    chunks: list[list[str]] = []
    size = width + 1
    for item in items:
        if chunks and size + 3 + len(item) <= width:
            chunks[-1].append(item)
            size += 3 + len(item)
        else:
            chunks.append([item])
            size = len(item)
    return chunks


def _python_backward(tape: Tape, names: Names, watched: list[str]) -> list[str]:
    """The backward pass as lines: the engine's walk over the tape, each edge a line; the
    gradients an operation could hide an inf or a NaN in are added to ``watched``."""
    nodes = tape.nodes
    if not tape.needs[tape.root]:
        return []
    root = nodes[tape.root]
    if root.kind == "param":  # the loss is a parameter itself
        return [f"{names.sums[root.index]} += 1.0"]
    lines = [f"{names.grad(tape.root)} = 1.0"]
    layer: list[str | None] = [None]  # the layer of the last comment

    def rule(i: int, g: str) -> Edges:
        op = nodes[i].op
        if op is None:
            return ()
        if op.hides_overflow:
            watched.append(g)
        layer[0] = _layer_comment(names, i, layer[0], lines)
        pre, edges = _contributions(tape, names, i, numpy=False)
        lines.extend(pre)
        return edges

    def send(grads: dict[int, str], j: int, expr: str) -> None:
        if nodes[j].kind == "param":
            lines.append(f"{names.sums[nodes[j].index]} += {expr}")
        elif j in grads:
            lines.append(f"{names.grad(j)} += {expr}")
        else:
            grads[j] = names.grad(j)  # its gradient variable exists from here on
            lines.append(f"{names.grad(j)} = {expr}")

    seeds = {tape.root: names.grad(tape.root)}
    for _ in walk_back(range(len(nodes)), seeds, rule, send):
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

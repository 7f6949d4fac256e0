"""What every backend writes the same way: one node of a tape as a line of code.

A node's forward line and its gradient expressions, from its row's ``code``
/ ``grad_code`` templates (or their numpy forms), in the names ``names.Names``
gives the nodes (``L0_n3_w1``, ``x0``, ``relu_L0_n3``, ``v2``, a constant's
literal). Only the
library's own rows, known by identity, have their templates pasted into
generated source; a row of the user's own is called by number (``f3``,
``d3``), and its name appears only in an escaped comment.
"""

from __future__ import annotations

from collections.abc import Callable

from autograd_lite.compile.names import Names, literal
from autograd_lite.compile.tape import Tape
from autograd_lite.ops import PRIMITIVES, Primitive, dot_layout

__all__ = ["LONGEST_EXPRESSION"]


#: The library's rows are the very objects in PRIMITIVES (see _library): only their code
#: templates are pasted into generated source, and the compiler's special cases are chosen
#: by identity, never by a name.
_SUM, _DOT = PRIMITIVES["sum"], PRIMITIVES["dot"]


_literal = literal  # numpy_conv writes its padding constants with it


def _library(op: Primitive) -> bool:
    return PRIMITIVES.get(op.name) is op  # this very row is in the table


#: An n-ary node with more inputs than this is compiled as a call of its row's function:
#: one long expression would be too deep for Python's compiler.
LONGEST_EXPRESSION = 100


def _templates(op: Primitive, numpy: bool) -> tuple[str | None, tuple[str, ...] | None]:
    """A row's code templates (forward, gradients): the library's rows only. A row of the
    user's own is compiled as a call of its functions, so none of its text reaches the code."""
    if not _library(op):
        return None, None
    return (op.np_code, op.np_grad_code) if numpy else (op.code, op.grad_code)


def _forward_line(op: Primitive, k: int, out: str, args: list[str], numpy: bool) -> str:
    """Node ``out = op(args)`` as one line; ``k``: the row's number on the tape (``f{k}``)."""
    code = _templates(op, numpy)[0]
    if code is not None:
        return f"{out} = {code.format(*args)}"
    if op is _SUM and numpy:  # the engine's fsum, on each sample: see _numpy_namespace
        return f"{out} = np_fsum({', '.join(args)})"
    if len(args) > LONGEST_EXPRESSION:
        return f"{out} = f{k}({', '.join(args)})"
    if op is _SUM:
        return f"{out} = fsum(({', '.join(args)}{',' if len(args) == 1 else ''}))"
    if op is _DOT:  # b + w_1 x_1 + ... + w_n x_n, summed in the engine's order
        w, x, b = dot_layout(len(args))
        terms = [f"{wk} * {xk}" for wk, xk in zip(args[w], args[x], strict=True)]
        start = [] if b is None else [args[b]]
        return f"{out} = {' + '.join(start + terms) or '0.0'}"
    return f"{out} = f{k}({', '.join(args)})"


def _grad_exprs(
    op: Primitive, k: int, g: str, out: str, args: list[str], numpy: bool, temp: Callable[[], str]
) -> tuple[list[str], list[str]]:
    """(lines to run first, one gradient expression per input) for one node."""
    templates = _templates(op, numpy)[1]
    if templates is not None and op.arity is None:  # one template, for each input in turn
        return [], [templates[0].format(a, g=g, out=out) for a in args]
    if templates is not None:
        return [], [t.format(*args, g=g, out=out) for t in templates]
    if op is _DOT:  # d/dw_i = x_i, d/dx_i = w_i, d/db = 1
        w, x, b = dot_layout(len(args))
        grads = [f"{g} * {a}" for a in args[x]] + [f"{g} * {a}" for a in args[w]]
        return [], grads + ([] if b is None else [g])
    t = temp()  # named only when a rule is called by number
    call = f"{t} = d{k}({g}, {out}, {', '.join(args)})"
    return [call], [f"{t}[{j}]" for j in range(len(args))]


def _unpack(prefix: str, count: int, scalar: bool, source: str) -> str:
    """``x0, x1 = x``: a sample's numbers (or rows) as names; ``x0 = x`` for a number,
    ``x0 = x[0]`` for a list of one."""
    if scalar:
        return f"{prefix}0 = {source}"
    if count == 1:
        return f"{prefix}0 = {source}[0]"
    return f"{', '.join(f'{prefix}{k}' for k in range(count))} = {source}"


def _contributions(
    tape: Tape, names: Names, i: int, *, numpy: bool
) -> tuple[list[str], list[tuple[int, int, str]]]:
    """Node i's rule, written out: (lines to run first, its edges for ``engine.walk_back``:
    (input position, input, gradient expression) for each input that needs a gradient)."""
    n = tape.nodes[i]
    wanted = [k for k, j in enumerate(n.inputs) if tape.needs[j]]
    if n.op is None or not wanted:
        return [], []
    args = [names.value(j) for j in n.inputs]
    k = tape.row(n.op)
    g, out = names.grad(i), names.value(i)
    pre, exprs = _grad_exprs(n.op, k, g, out, args, numpy=numpy, temp=lambda: names.temp(i))
    return pre, [(k, n.inputs[k], exprs[k]) for k in wanted]


def _row_comments(tape: Tape) -> str:
    """One comment line per row called by number (f3, d3): the row's name, escaped."""
    lines = [
        f"# f{k}, d{k}: the row {ascii(row.name)[:80]}\n"
        for k, row in enumerate(tape.rows)
        if not _library(row) or (row.code is None and row.np_code is None)
    ]
    return "".join(lines)

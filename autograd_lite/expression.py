"""Graphs and primitives written as one line of Python-like text: ``tanh(x * y + 1.5)``.

The error messages of ``gradcheck``, the Hypothesis expressions of
``testing`` and the node names of ``visualize`` all write operations with
``format_operation``, so an expression reads the same everywhere: infix
``+ * **`` with only the parentheses needed, every other primitive as a
call. An n-ary row with a ``layout`` (``dot``) is written by that layout:
``dot([w1, w2], [x1, x2], b)``.

>>> from autograd_lite import Value
>>> x, y = Value(0.5, label="x"), Value(2.0, label="y")
>>> expression_text((x * y + 1.5).tanh())
'tanh(x * y + 1.5)'
"""

from __future__ import annotations

from collections.abc import Sequence

from autograd_lite.engine import Value, topological_order
from autograd_lite.ops import Primitive

__all__ = ["ATOM", "Text", "expression_text", "format_operation", "number_text"]

#: A piece of expression text and how tightly it binds (for parentheses).
Text = tuple[str, float]

_SUM, _PRODUCT, _POWER = 1.0, 2.0, 3.0
#: How tightly a name, a number or a call binds: it never needs parentheses.
ATOM = 4.0
_NEGATIVE = 2.5  # a leading minus binds tighter than * but looser than **: -2**2 == -4
_INFIX = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT, "**": _POWER}


def expression_text(output: Value, *, max_chars: int = 300) -> str | None:
    """``output``'s graph written as one expression, or None if it is longer than ``max_chars``.

    Leaves are written by label, or by value when unlabelled; a node used
    twice is written out twice. Derived operations show as the primitives
    they are made of (``x - y`` reads ``x + y * -1``).

    >>> from autograd_lite import Value
    >>> x, y = Value(0.5, label="x"), Value(2.0, label="y")
    >>> expression_text((x * y + 1.5).tanh())
    'tanh(x * y + 1.5)'
    """
    texts: dict[Value, Text] = {}
    for v in topological_order(output):
        if v.op is None:
            texts[v] = (v.label, ATOM) if v.label else number_text(v.data)
        else:
            texts[v] = format_operation(v.op, [texts[p] for p in v.parents])
        if len(texts[v][0]) > max_chars:
            return None
    return texts[output][0]


def format_operation(op: Primitive, args: Sequence[Text]) -> Text:
    """One primitive applied to already-written arguments, with only the parentheses needed.

    ``+ * **`` are written infix (Python's precedence and associativity);
    every other primitive as a call: ``tanh(a)``, ``leaky_relu(a, 0.01)``,
    ``sum([a, b])``, ``dot([w1, w2], [x1, x2])``.

    >>> from autograd_lite import PRIMITIVES
    >>> format_operation(PRIMITIVES["mul"], [("a + b", 1.0), ("c", 4.0)])
    ('(a + b) * c', 2.0)
    """
    binding = _INFIX.get(op.symbol)
    if binding is not None and len(args) == 2:
        (left, lb), (right, rb) = args
        power = op.symbol == "**"  # right-associative: a ** b ** c is a ** (b ** c)
        if lb < binding or (lb == binding and power):
            left = f"({left})"
        if rb < binding or (rb == binding and not power):
            right = f"({right})"
        return f"{left} {op.symbol} {right}", binding
    texts = [text for text, _ in args]
    if op.name == "neg":
        (arg, bound) = args[0]
        return f"-({arg})" if bound < _NEGATIVE else f"-{arg}", _NEGATIVE
    if op.layout is not None:  # dot: [weights], [inputs], and the bias if there is one
        w, x, b = op.layout(len(texts))
        parts = [f"[{', '.join(texts[w])}]", f"[{', '.join(texts[x])}]"]
        return f"{op.name}({', '.join(parts if b is None else [*parts, texts[b]])})", ATOM
    if op.arity is None:
        return f"{op.name}([{', '.join(texts)}])", ATOM
    return f"{op.name}({', '.join(texts)})", ATOM


def number_text(x: float) -> Text:
    """A constant as expression text: six significant digits (``-1`` binds as a unary minus)."""
    text = f"{x:.6g}"
    return text, _NEGATIVE if text.startswith("-") else ATOM

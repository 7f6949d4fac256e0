"""The engine's operations as functions: ``exp(x)`` is ``Value.exp(x)``, and so on.

Each takes a ``Value`` or a plain number (which becomes a constant) and
returns a ``Value``. ``sum`` and ``dot`` build one n-ary node instead of a
chain of binary ones: fewer nodes, a faster backward pass, a smaller diagram.

>>> from autograd_lite import Value, functional as F
>>> w = [Value(0.5), Value(-1.0)]
>>> y = F.tanh(F.dot(w, [2.0, 3.0]) + 1.0)
>>> round(y.data, 4)
-0.7616
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence

from autograd_lite.checks import bounded_list
from autograd_lite.engine import Value, apply
from autograd_lite.ops import PRIMITIVES

__all__ = [
    "abs",
    "cos",
    "dot",
    "exp",
    "leaky_relu",
    "log",
    "log_clamped",
    "logsumexp",
    "relu",
    "sigmoid",
    "sin",
    "softplus",
    "sqrt",
    "sum",
    "tanh",
]


def _unary(name: str, x: Value | float) -> Value:
    return apply(PRIMITIVES[name], x)


def exp(x: Value | float) -> Value:
    """e ** x."""
    return _unary("exp", x)


def log(x: Value | float) -> Value:
    """Natural logarithm (x > 0)."""
    return _unary("log", x)


def log_clamped(x: Value | float) -> Value:
    """max(log(x), -100) for x >= 0: the log of binary cross-entropy, finite at 0."""
    return _unary("log_clamped", x)


def sqrt(x: Value | float) -> Value:
    """Square root (x >= 0)."""
    return _unary("sqrt", x)


def sin(x: Value | float) -> Value:
    return _unary("sin", x)


def cos(x: Value | float) -> Value:
    return _unary("cos", x)


def tanh(x: Value | float) -> Value:
    return _unary("tanh", x)


def sigmoid(x: Value | float) -> Value:
    """1 / (1 + e ** -x)."""
    return _unary("sigmoid", x)


def relu(x: Value | float) -> Value:
    """max(x, 0)."""
    return _unary("relu", x)


def leaky_relu(x: Value | float, negative_slope: float = 0.01) -> Value:
    """x if x > 0 else negative_slope * x."""
    return apply(PRIMITIVES["leaky_relu"], x, negative_slope)


def softplus(x: Value | float) -> Value:
    """log(1 + e ** x)."""
    return _unary("softplus", x)


def abs(x: Value | float) -> Value:
    """|x|."""
    return _unary("abs", x)


def _listed(
    values: Iterable[Value | float], name: str, what: str = "values"
) -> Sequence[Value | float]:
    """``values`` as a list or tuple; an endless iterator is refused (``checks.MAX_ITEMS``)."""
    if isinstance(values, (list, tuple)):  # the common case, not copied
        return values
    try:
        return bounded_list(values, f"{name}()'s {what}")
    except TypeError:
        raise TypeError(
            f"{name}() takes an iterable of Values or numbers, got {type(values).__name__}"
        ) from None


def sum(values: Iterable[Value | float]) -> Value:
    """x_1 + ... + x_n as one node (``0.0`` for no values)."""
    xs = _listed(values, "sum")
    if not xs:
        return Value(0.0, requires_grad=False)
    return apply(PRIMITIVES["sum"], *xs)


def logsumexp(values: Iterable[Value | float]) -> Value:
    """log(e^x_1 + ... + e^x_n) as one node, exact where the exponentials would overflow."""
    xs = _listed(values, "logsumexp")
    if not xs:
        raise ValueError("logsumexp() of no values is -inf; give at least one value")
    return apply(PRIMITIVES["logsumexp"], *xs)


def dot(
    weights: Iterable[Value | float],
    inputs: Iterable[Value | float],
    bias: Value | float | None = None,
) -> Value:
    """w_1 x_1 + ... + w_n x_n (+ bias) as one node: a neuron's weighted sum."""
    weights = _listed(weights, "dot", "weights")
    inputs = _listed(inputs, "dot", "inputs")
    if builtins.len(weights) != builtins.len(inputs):
        raise ValueError(
            f"dot() needs sequences of equal length, got {len(weights)} and {len(inputs)}"
        )
    if bias is not None:
        return apply(_DOT, *weights, *inputs, bias)
    if not weights:
        return Value(0.0, requires_grad=False)
    return apply(_DOT, *weights, *inputs)


_DOT = PRIMITIVES["dot"]

"""The engine's operations as functions: ``exp(x)`` is ``Value.exp(x)``, and so on.

Each takes a ``Value`` or a plain number (which becomes a constant) and
returns a ``Value``. ``sum`` and ``dot`` build one n-ary node instead of a
chain of binary ones: fewer nodes, a faster backward pass, a smaller diagram.

>>> from autograd_lite import Value, functional as F
>>> w = [Value(0.5), Value(-1.0)]
>>> y = F.tanh(F.dot(w, [2.0, 3.0]) + 1.0)
>>> print(f"{y.data:.4f}")  # (this module's round is the engine's)
-0.7616
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence

from autograd_lite.checks import bounded_list
from autograd_lite.engine import Value, apply
from autograd_lite.ops import PRIMITIVES, clamp_bounds, gelu_row

__all__ = [
    "abs",
    "absolute",
    "acos",
    "acosh",
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctan2",
    "arctanh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "ceil",
    "celu",
    "clamp",
    "clip",
    "copysign",
    "cos",
    "cosh",
    "dot",
    "elu",
    "erf",
    "erfc",
    "exp",
    "exp2",
    "expm1",
    "floor",
    "fmod",
    "gelu",
    "gelu_tanh",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "hypot",
    "leaky_relu",
    "log",
    "log1p",
    "log2",
    "log10",
    "log_clamped",
    "logaddexp",
    "logaddexp2",
    "logsigmoid",
    "logsumexp",
    "maximum",
    "minimum",
    "mish",
    "neg",
    "reciprocal",
    "relu",
    "relu6",
    "remainder",
    "round",
    "rsqrt",
    "selu",
    "sigmoid",
    "sign",
    "silu",
    "sin",
    "sinc",
    "sinh",
    "softplus",
    "softsign",
    "sqrt",
    "square",
    "sum",
    "swish",
    "tan",
    "tanh",
    "trunc",
    "xlogy",
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


def neg(x: Value | float) -> Value:
    """-x."""
    return _unary("neg", x)


def tan(x: Value | float) -> Value:
    """Tangent."""
    return _unary("tan", x)


def asin(x: Value | float) -> Value:
    """Inverse sine (-1 <= x <= 1)."""
    return _unary("asin", x)


def acos(x: Value | float) -> Value:
    """Inverse cosine (-1 <= x <= 1)."""
    return _unary("acos", x)


def atan(x: Value | float) -> Value:
    """Inverse tangent."""
    return _unary("atan", x)


def sinh(x: Value | float) -> Value:
    """Hyperbolic sine."""
    return _unary("sinh", x)


def cosh(x: Value | float) -> Value:
    """Hyperbolic cosine."""
    return _unary("cosh", x)


def asinh(x: Value | float) -> Value:
    """Inverse hyperbolic sine."""
    return _unary("asinh", x)


def acosh(x: Value | float) -> Value:
    """Inverse hyperbolic cosine (x >= 1)."""
    return _unary("acosh", x)


def atanh(x: Value | float) -> Value:
    """Inverse hyperbolic tangent (-1 < x < 1)."""
    return _unary("atanh", x)


def sinc(x: Value | float) -> Value:
    """sin(pi x) / (pi x), 1 at 0."""
    return _unary("sinc", x)


def exp2(x: Value | float) -> Value:
    """2 ** x."""
    return _unary("exp2", x)


def expm1(x: Value | float) -> Value:
    """e ** x - 1, exact near 0."""
    return _unary("expm1", x)


def log2(x: Value | float) -> Value:
    """Base-2 logarithm (x > 0)."""
    return _unary("log2", x)


def log10(x: Value | float) -> Value:
    """Base-10 logarithm (x > 0)."""
    return _unary("log10", x)


def log1p(x: Value | float) -> Value:
    """log(1 + x), exact near 0 (x > -1)."""
    return _unary("log1p", x)


def square(x: Value | float) -> Value:
    """x * x as one node."""
    return _unary("square", x)


def reciprocal(x: Value | float) -> Value:
    """1 / x (x != 0)."""
    return _unary("reciprocal", x)


def rsqrt(x: Value | float) -> Value:
    """1 / sqrt(x) (x > 0)."""
    return _unary("rsqrt", x)


def sign(x: Value | float) -> Value:
    """-1, 0 or 1; derivative 0."""
    return _unary("sign", x)


def floor(x: Value | float) -> Value:
    """Largest whole number <= x; derivative 0."""
    return _unary("floor", x)


def ceil(x: Value | float) -> Value:
    """Smallest whole number >= x; derivative 0."""
    return _unary("ceil", x)


def round(x: Value | float) -> Value:
    """Nearest whole number, halves to even; derivative 0."""
    return _unary("round", x)


def trunc(x: Value | float) -> Value:
    """x without its fraction; derivative 0."""
    return _unary("trunc", x)


def selu(x: Value | float) -> Value:
    """scale * elu(x, alpha) with PyTorch's constants."""
    return _unary("selu", x)


def silu(x: Value | float) -> Value:
    """x * sigmoid(x) (swish)."""
    return _unary("silu", x)


def mish(x: Value | float) -> Value:
    """x * tanh(softplus(x))."""
    return _unary("mish", x)


def softsign(x: Value | float) -> Value:
    """x / (1 + |x|)."""
    return _unary("softsign", x)


def logsigmoid(x: Value | float) -> Value:
    """log(sigmoid(x)), finite for any x."""
    return _unary("logsigmoid", x)


def hardtanh(x: Value | float) -> Value:
    """x clamped to [-1, 1]; derivative 0 at -1 and 1."""
    return _unary("hardtanh", x)


def relu6(x: Value | float) -> Value:
    """x clamped to [0, 6]; derivative 0 at 0 and 6."""
    return _unary("relu6", x)


def hardsigmoid(x: Value | float) -> Value:
    """relu6(x + 3) / 6."""
    return _unary("hardsigmoid", x)


def hardswish(x: Value | float) -> Value:
    """x * relu6(x + 3) / 6."""
    return _unary("hardswish", x)


def erf(x: Value | float) -> Value:
    """The error function."""
    return _unary("erf", x)


def erfc(x: Value | float) -> Value:
    """1 - erf(x), exact in the tail."""
    return _unary("erfc", x)


def atan2(a: Value | float, b: Value | float) -> Value:
    """The angle of the point (b, a), in (-pi, pi]."""
    return apply(PRIMITIVES["atan2"], a, b)


def hypot(a: Value | float, b: Value | float) -> Value:
    """sqrt(a ** 2 + b ** 2) without overflow."""
    return apply(PRIMITIVES["hypot"], a, b)


def logaddexp(a: Value | float, b: Value | float) -> Value:
    """log(e ** a + e ** b), never overflowing."""
    return apply(PRIMITIVES["logaddexp"], a, b)


def logaddexp2(a: Value | float, b: Value | float) -> Value:
    """log2(2 ** a + 2 ** b), never overflowing."""
    return apply(PRIMITIVES["logaddexp2"], a, b)


def fmod(a: Value | float, b: Value | float) -> Value:
    """a - trunc(a / b) * b: the sign of a (b != 0)."""
    return apply(PRIMITIVES["fmod"], a, b)


def remainder(a: Value | float, b: Value | float) -> Value:
    """a - floor(a / b) * b: the sign of b, as ``a % b`` (b != 0)."""
    return apply(PRIMITIVES["remainder"], a, b)


def minimum(a: Value | float, b: Value | float) -> Value:
    """The smaller of a and b; a tie splits the gradient in half."""
    return apply(PRIMITIVES["minimum"], a, b)


def maximum(a: Value | float, b: Value | float) -> Value:
    """The larger of a and b; a tie splits the gradient in half."""
    return apply(PRIMITIVES["maximum"], a, b)


def copysign(a: Value | float, b: Value | float) -> Value:
    """|a| with the sign of b."""
    return apply(PRIMITIVES["copysign"], a, b)


def xlogy(x: Value | float, y: Value | float) -> Value:
    """x * log(y), 0 where x is 0 (y > 0 elsewhere)."""
    return apply(PRIMITIVES["xlogy"], x, y)


def clamp(
    x: Value | float, min: Value | float | None = None, max: Value | float | None = None
) -> Value:
    """x clamped to [min, max], either bound may be None; hi where min > max (PyTorch).

    The gradient goes to the input the output is: to x inside and at the bounds, to a
    bound beyond it.
    """
    return apply(PRIMITIVES["clamp"], x, *clamp_bounds(min, max))


def elu(x: Value | float, alpha: Value | float = 1.0) -> Value:
    """x if x > 0 else alpha * (e ** x - 1)."""
    return apply(PRIMITIVES["elu"], x, alpha)


def celu(x: Value | float, alpha: Value | float = 1.0) -> Value:
    """x if x > 0 else alpha * (e ** (x / alpha) - 1), alpha != 0."""
    return apply(PRIMITIVES["celu"], x, alpha)


def gelu(x: Value | float, approximate: str = "none") -> Value:
    """x * Phi(x), Phi the normal distribution function; ``approximate="tanh"`` for
    the tanh approximation (PyTorch's two forms)."""
    return apply(gelu_row(approximate), x)


def gelu_tanh(x: Value | float) -> Value:
    """gelu's tanh approximation: ``gelu(x, approximate="tanh")``."""
    return _unary("gelu_tanh", x)


# numpy's names, where the peers (HIPS autograd, tinygrad) use them
clip = clamp
swish = silu
absolute = abs
arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
arcsinh, arccosh, arctanh = asinh, acosh, atanh

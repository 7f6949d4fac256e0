"""The table of primitive operations: the only place where math is defined.

Every primitive is one row of ``PRIMITIVES``: a forward function on plain
floats and, right beside it, its derivative rule. Everything else in the
library is composed from these rows. Subtraction, negation and division are
rows of their own (not ``a + b * -1`` and ``a * b ** -1``), because that is
what a learner writes and expects to see drawn.

A derivative rule is a pure function ``vjp(g, out, *inputs)`` that *returns*
one gradient per input, given ``g`` (the gradient arriving at the output),
``out`` (the output) and the inputs. Rules are written with ordinary
arithmetic, so the same rule runs on two kinds of argument:

* plain floats, on the everyday first-order backward pass (the fast path);
* ``Value`` objects, when ``create_graph=True``: the backward pass is then
  itself recorded as a graph, which can be differentiated again.

The helpers ``_exp``, ``_log``, ... below dispatch on that: a float goes to
the forward function, anything else to the ``Value`` method of that name.
Comparisons such as ``a > 0`` work on both, because ``Value`` compares its
``data``.

Each row also says where its derivative is smooth (``smooth``); the gradient
checker and the Hypothesis strategies use it to stay away from kinks and
poles, where a numerical derivative means nothing.

An n-ary row whose inputs have a layout says so in its ``layout`` column:
``dot`` takes ``(w_1..w_n, x_1..x_n[, b])``, and ``dot_layout(count)``
names the slices of weights and inputs and the bias's index (None without
one). The rule, the printer, the strategies and the compiler all read it.

Each row can also write itself as code, for ``autograd_lite.compile``:
``code`` is the forward pass and ``grad_code`` the derivative rule as short
Python templates (``{0}``, ``{1}`` the inputs, ``{out}`` the output, ``{g}``
the gradient arriving), and ``np_code`` / ``np_grad_code`` the same on numpy
arrays of a whole batch. A row without templates is compiled as a call of
its ``forward`` and ``vjp`` functions, so a new row works at once and its
templates are only ever a speed-up, checked against the functions by the tests.

>>> PRIMITIVES["mul"].forward(3.0, 4.0)
12.0
>>> PRIMITIVES["mul"].vjp(1.0, 12.0, 3.0, 4.0)
(4.0, 3.0)
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

__all__ = ["LOG_FLOOR", "PRIMITIVES", "DotLayout", "Primitive", "dot_layout", "is_smooth"]


class DotLayout(NamedTuple):
    """Where ``dot``'s inputs sit: weights, then inputs, then an optional bias."""

    weights: slice
    inputs: slice
    bias: int | None


def dot_layout(count: int) -> DotLayout:
    """``dot``'s layout for ``count`` inputs: ``(w_1..w_n, x_1..x_n)``, and ``b`` last if odd.

    >>> dot_layout(5)
    DotLayout(weights=slice(0, 2, None), inputs=slice(2, 4, None), bias=4)
    >>> dot_layout(4).bias is None
    True
    """
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ValueError(f"dot_layout needs a count of inputs (an int >= 0), got {count!r}")
    return _DOT_LAYOUTS[count]


class _Layouts(dict[int, DotLayout]):
    """``dot_layout``'s answers, made once per count: the rule reads them on the hot path."""

    def __missing__(self, count: int) -> DotLayout:
        n = count // 2
        made = self[count] = DotLayout(slice(0, n), slice(n, 2 * n), 2 * n if count % 2 else None)
        return made


_DOT_LAYOUTS = _Layouts()


@dataclass(frozen=True, slots=True)
class Primitive:
    """One row of the table: a named operation and its derivative rule."""

    name: str
    #: How diagrams write the operation (``"*"``, ``"tanh"``, ...).
    symbol: str
    #: Number of inputs, or ``None`` for any number (``sum``, ``dot``).
    arity: int | None
    #: ``forward(*floats) -> float``; raises ``ValueError`` /
    #: ``ZeroDivisionError`` / ``OverflowError`` outside its domain.
    forward: Callable[..., float]
    #: ``vjp(g, out, *inputs) -> tuple`` of one gradient per input.
    vjp: Callable[..., tuple[Any, ...]]
    #: ``smooth(*floats) -> bool``: True where the function is differentiable
    #: with some room to spare (used by gradient checks and strategies).
    smooth: Callable[..., bool]
    #: One line for people: what the operation and its derivative are.
    doc: str
    #: The forward pass as a Python template (``"{0} * {1}"``), or None to call ``forward``.
    code: str | None = None
    #: One template per input for its gradient (``"{g} * {1}"``), or None to call ``vjp``.
    grad_code: tuple[str, ...] | None = None
    #: The same two on numpy arrays (a batch at a time), or None.
    np_code: str | None = None
    np_grad_code: tuple[str, ...] | None = None
    #: True where an infinite or NaN input can give a finite output (tanh(inf) = 1), so
    #: that a compiled replay must check its input to raise where the engine raises.
    hides_overflow: bool = False
    #: For an n-ary row whose inputs play different parts (``dot``): where each part sits.
    layout: Callable[[int], DotLayout] | None = None
    #: ``smooth_fixed(fixed, *floats) -> bool``: as ``smooth`` when the inputs marked True
    #: in ``fixed`` are constants, which are not differentiated (``x ** 2``'s exponent);
    #: None where that is ``smooth`` itself. Read it through ``is_smooth``.
    smooth_fixed: Callable[..., bool] | None = None

    def __post_init__(self) -> None:
        for field in ("name", "symbol", "doc"):
            if not isinstance(getattr(self, field), str):
                got = type(getattr(self, field)).__name__
                raise TypeError(f"Primitive {field} must be a str, got {got}")
        arity = self.arity
        if arity is not None and (not isinstance(arity, int) or isinstance(arity, bool)):
            raise TypeError(f"Primitive arity must be an int or None, got {type(arity).__name__}")
        if arity is not None and arity < 1:
            raise ValueError(f"Primitive arity must be at least 1 (or None for any), got {arity}")
        for field in ("forward", "vjp", "smooth"):
            if not callable(getattr(self, field)):
                raise TypeError(f"Primitive {field} must be callable")

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


def _anywhere(*_: float) -> bool:
    return True


def _away_from_zero(x: float, *_: float) -> bool:
    return abs(x) > 1e-3  # clear of the kink at 0


def _positive(x: float) -> bool:
    return x > 1e-3  # clear of the pole or branch point at 0


# -- forward functions on floats (domain errors name the problem) ----------


def _pow(a: float, b: float) -> float:
    if a == 0.0 and b < 0.0:
        raise ZeroDivisionError("0 cannot be raised to a negative power")
    if a < 0.0 and not b.is_integer():
        raise ValueError("a negative base needs an integer exponent (the result is not real)")
    return math.pow(a, b)


def _log(x: float) -> float:
    if x <= 0.0:
        raise ValueError("log needs a positive input")
    return math.log(x)


def _sqrt(x: float) -> float:
    if x < 0.0:
        raise ValueError("sqrt needs a non-negative input")
    return math.sqrt(x)


def _div(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError("division by zero")
    return a / b


#: ``log_clamped`` never goes below this (PyTorch's clamp in binary cross-entropy).
LOG_FLOOR = -100.0


def _log_clamped_f(x: float) -> float:
    if x < 0.0:
        raise ValueError("log_clamped needs a non-negative input")
    return math.log(x) if x > math.exp(LOG_FLOOR) else LOG_FLOOR


def _logsumexp_f(*xs: float) -> float:
    # log sum_j e^x_j = m + log sum_j e^(x_j - m) with m = max x: every e^(...) <= 1
    m = max(xs)
    return m + math.log(math.fsum([math.exp(x - m) for x in xs]))


def _sigmoid_f(x: float) -> float:
    # Two branches so that exp never overflows: sigmoid(+-1000) is 1.0 / 0.0.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _softplus_f(x: float) -> float:
    # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): finite for any finite x.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _dot_f(*xs: float) -> float:
    # summed from the bias upwards, in the order micrograd's neuron uses
    w, x, b = _DOT_LAYOUTS[len(xs)]  # dot_layout, without a call on the hot path
    return sum(map(operator.mul, xs[w], xs[x]), 0.0 if b is None else xs[b])


# -- helpers that let one rule run on floats and on Values ------------------


def _exp(x: Any) -> Any:
    return math.exp(x) if type(x) is float else x.exp()


def _log_any(x: Any) -> Any:
    return _log(x) if type(x) is float else x.log()


def _sin(x: Any) -> Any:
    return math.sin(x) if type(x) is float else x.sin()


def _cos(x: Any) -> Any:
    return math.cos(x) if type(x) is float else x.cos()


def _sigmoid(x: Any) -> Any:
    return _sigmoid_f(x) if type(x) is float else x.sigmoid()


# -- derivative rules --------------------------------------------------------


def _pow_vjp(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # d(a^b) = b a^(b-1) da + a^b ln(a) db, with PyTorch's conventions where a <= 0:
    # d/db is 0 there (for a < 0 the exponent is a constant, as Value.__pow__ refuses a
    # differentiable one; at a = 0 with b > 0, 0 is the limit of a^b ln a); at a = 0,
    # d/da is 0 for b = 0, b 0^(b-1) otherwise (+inf for 0 < b < 1: a vertical tangent).
    db = g * out * _log_any(a) if a > 0 else 0.0
    if not getattr(a, "requires_grad", True):
        return 0.0, db  # a constant base (on Values): its gradient is neither asked for nor made
    if float(b) == 0.0 and not getattr(b, "requires_grad", False):
        return 0.0, db  # d(a^0)/da = 0 for every a, also where b a^(b-1) reads 0 * inf
    # at a = 0, d/db a^(b-1) is taken as 0 (as PyTorch): b - 1 is held fixed there
    power = b - 1 if float(a) != 0.0 else float(b) - 1.0
    if isinstance(a, float):  # the float path cannot tell a constant base: never fail here
        try:
            return g * b * a**power, db
        except (ZeroDivisionError, OverflowError):  # 0 ** -0.86, 1e-300 ** -2: infinite
            odd = a < 0 and power % 2 == 1  # a negative base to an odd power is negative
            return g * b * (-math.inf if odd else math.inf), db  # refused if a needs it
    return g * b * a**power, db


def _log_clamped_vjp(g: Any, out: Any, a: Any) -> tuple[Any]:
    # flat where the log is clamped: that piece adds no gradient
    return (g / a if out > LOG_FLOOR else 0.0,)


def _logsumexp_vjp(g: Any, out: Any, *xs: Any) -> tuple[Any, ...]:
    # d lse / dx_i = e^(x_i - lse) = softmax(x)_i
    return tuple(g * _exp(x - out) for x in xs)


def _dot_vjp(g: Any, out: Any, *xs: Any) -> tuple[Any, ...]:
    # d(b + sum_i w_i x_i) = sum_i (x_i dw_i + w_i dx_i) + db
    w, x, b = _DOT_LAYOUTS[len(xs)]
    gx = [g * v for v in xs[: x.stop]]  # g w_1 .. g w_n, g x_1 .. g x_n
    return (*gx[x], *gx[w]) if b is None else (*gx[x], *gx[w], g)  # d/dw_i = g x_i, ...


def _pow_smooth(a: float, b: float) -> bool:
    return a > 1e-3  # a positive base: both partial derivatives exist


def _pow_smooth_fixed(fixed: tuple[bool, bool], a: float, b: float) -> bool:
    if not fixed[1]:
        return a > 1e-3  # a varying exponent needs ln a
    if float(b).is_integer():  # a polynomial in a, or 1 / polynomial with its pole at 0
        return b >= 0 or abs(a) > 1e-3
    return a > 1e-3  # a fractional power: real for a > 0 only, a branch point at 0


def is_smooth(op: Primitive, inputs: Sequence[float], fixed: Sequence[bool] = ()) -> bool:
    """Whether ``op`` is smooth at ``inputs`` in those that vary (``fixed[i]``: a constant).

    What the gradient checker and the strategies ask: a constant exponent of ``pow``
    is smooth for any base if it is an integer (away from 0 if it is negative), and
    for a positive base otherwise; only a varying one needs a positive base.

    >>> pow_ = PRIMITIVES["pow"]
    >>> is_smooth(pow_, [-2.0, 2.0]), is_smooth(pow_, [-2.0, 2.0], fixed=[False, True])
    (False, True)
    """
    if fixed and len(fixed) != len(inputs):
        raise ValueError(f"is_smooth: {len(inputs)} inputs but {len(fixed)} flags in fixed")
    if fixed and all(fixed):
        return True  # a constant: nothing to differentiate
    if any(fixed) and op.smooth_fixed is not None:
        return bool(op.smooth_fixed(tuple(fixed), *inputs))
    return bool(op.smooth(*inputs))


def _row(
    name: str,
    symbol: str,
    arity: int | None,
    forward: Callable[..., float],
    vjp: Callable[..., tuple[Any, ...]],
    doc: str,
    smooth: Callable[..., bool] = _anywhere,
    *,
    code: tuple[str, tuple[str, ...]] | None = None,
    np_code: tuple[str, tuple[str, ...]] | None = None,
    hides_overflow: bool = False,
    layout: Callable[[int], DotLayout] | None = None,
    smooth_fixed: Callable[..., bool] | None = None,
) -> Primitive:
    return Primitive(
        name, symbol, arity, forward, vjp, smooth, doc,
        code=code[0] if code else None,
        grad_code=code[1] if code else None,
        np_code=np_code[0] if np_code else None,
        np_grad_code=np_code[1] if np_code else None,
        hides_overflow=hides_overflow,
        layout=layout,
        smooth_fixed=smooth_fixed,
    )  # fmt: skip


def _away_from_pole(a: float, b: float) -> bool:
    return abs(b) > 1e-3  # clear of the pole of a / b at b = 0


# fmt: off
_ROWS = [
    # d(a + b) = da + db
    _row("add", "+", 2, operator.add,
         lambda g, out, a, b: (g, g),
         "a + b; both partial derivatives are 1",
         code=("{0} + {1}", ("{g}", "{g}")),
         np_code=("{0} + {1}", ("{g}", "{g}"))),
    # d(a - b) = da - db
    _row("sub", "-", 2, operator.sub,
         lambda g, out, a, b: (g, -g),
         "a - b; d/da = 1, d/db = -1",
         code=("{0} - {1}", ("{g}", "-{g}")),
         np_code=("{0} - {1}", ("{g}", "-{g}"))),
    # d(-a) = -da
    _row("neg", "neg", 1, operator.neg,
         lambda g, out, a: (-g,),
         "-a; d/da = -1",
         code=("-{0}", ("-{g}",)),
         np_code=("-{0}", ("-{g}",))),
    # d(ab) = b da + a db
    _row("mul", "*", 2, operator.mul,
         lambda g, out, a, b: (g * b, g * a),
         "a * b; d/da = b, d/db = a",
         code=("{0} * {1}", ("{g} * {1}", "{g} * {0}")),
         np_code=("{0} * {1}", ("{g} * {1}", "{g} * {0}"))),
    # d(a / b) = da / b - (a / b^2) db = (da - out db) / b
    _row("div", "/", 2, _div,
         lambda g, out, a, b: (g / b, -g * out / b),
         "a / b; d/da = 1/b, d/db = -a/b^2", smooth=_away_from_pole,
         code=("{0} / {1}", ("{g} / {1}", "-{g} * {out} / {1}")),
         np_code=("{0} / {1}", ("{g} / {1}", "-{g} * {out} / {1}")),
         hides_overflow=True),  # 1 / inf = 0
    # d(a^b) = b a^(b-1) da + a^b ln(a) db
    _row("pow", "**", 2, _pow, _pow_vjp,
         "a ** b; d/da = b a^(b-1), d/db = a^b ln a", smooth=_pow_smooth,
         smooth_fixed=_pow_smooth_fixed, hides_overflow=True),  # inf ** -1 = 0
    # d(e^a) = e^a da
    _row("exp", "exp", 1, math.exp,
         lambda g, out, a: (g * out,),
         "e^a; its own derivative",
         code=("exp({0})", ("{g} * {out}",)),
         np_code=("np.exp({0})", ("{g} * {out}",)),
         hides_overflow=True),  # e^-inf = 0
    # d(ln a) = da / a
    _row("log", "log", 1, _log,
         lambda g, out, a: (g / a,),
         "natural logarithm; d/da = 1/a", smooth=_positive,
         code=("log({0})", ("{g} / {0}",)),
         np_code=("np.log({0})", ("{g} / {0}",))),
    # d(max(ln a, -100)) = [ln a > -100] da / a
    _row("log_clamped", "log≥-100", 1, _log_clamped_f, _log_clamped_vjp,
         "max(ln a, -100), the log of binary cross-entropy; d/da = 1/a where not clamped",
         smooth=_positive, hides_overflow=True),
    # d(sqrt a) = da / (2 sqrt a)
    _row("sqrt", "sqrt", 1, _sqrt,
         lambda g, out, a: (g * 0.5 / out,),
         "square root; d/da = 1 / (2 sqrt a)", smooth=_positive,
         code=("sqrt({0})", ("{g} * 0.5 / {out}",)),
         np_code=("np.sqrt({0})", ("{g} * 0.5 / {out}",))),
    # d(sin a) = cos(a) da
    _row("sin", "sin", 1, math.sin,
         lambda g, out, a: (g * _cos(a),),
         "sine; d/da = cos a",
         code=("sin({0})", ("{g} * cos({0})",)),
         np_code=("np.sin({0})", ("{g} * np.cos({0})",))),
    # d(cos a) = -sin(a) da
    _row("cos", "cos", 1, math.cos,
         lambda g, out, a: (g * -_sin(a),),
         "cosine; d/da = -sin a",
         code=("cos({0})", ("{g} * -sin({0})",)),
         np_code=("np.cos({0})", ("{g} * -np.sin({0})",))),
    # d(tanh a) = (1 - tanh(a)^2) da
    _row("tanh", "tanh", 1, math.tanh,
         lambda g, out, a: (g * (1 - out * out),),
         "hyperbolic tangent; d/da = 1 - tanh(a)^2",
         code=("tanh({0})", ("{g} * (1 - {out} * {out})",)),
         np_code=("np.tanh({0})", ("{g} * (1 - {out} * {out})",)),
         hides_overflow=True),
    # d(s(a)) = s(a) (1 - s(a)) da
    _row("sigmoid", "sigmoid", 1, _sigmoid_f,
         lambda g, out, a: (g * out * (1 - out),),
         "logistic sigmoid 1/(1+e^-a); d/da = s(a) (1 - s(a))",
         code=("sigmoid({0})", ("{g} * {out} * (1 - {out})",)),
         np_code=("np_sigmoid({0})", ("{g} * {out} * (1 - {out})",)),
         hides_overflow=True),
    # d(max(a, 0)) = [a > 0] da
    _row("relu", "relu", 1, lambda a: a if a > 0.0 else 0.0,
         lambda g, out, a: (g if a > 0 else 0.0,),
         "max(a, 0); d/da = 1 for a > 0, else 0", smooth=_away_from_zero,
         code=("{0} if {0} > 0.0 else 0.0", ("{g} if {0} > 0.0 else 0.0",)),
         np_code=("np.maximum({0}, 0.0)", ("np.where({0} > 0.0, {g}, 0.0)",)),
         hides_overflow=True),
    # d(a if a > 0 else s a) = [a > 0] da + [a <= 0] (s da + a ds)
    _row("leaky_relu", "leaky_relu", 2, lambda a, s: a if a > 0.0 else s * a,
         lambda g, out, a, s: (g, 0.0) if a > 0 else (g * s, g * a),
         "a if a > 0 else slope * a; d/da = 1 or slope", smooth=_away_from_zero,
         code=("{0} if {0} > 0.0 else {1} * {0}",
               ("{g} if {0} > 0.0 else {g} * {1}", "0.0 if {0} > 0.0 else {g} * {0}")),
         np_code=("np.where({0} > 0.0, {0}, {1} * {0})",
                  ("np.where({0} > 0.0, {g}, {g} * {1})", "np.where({0} > 0.0, 0.0, {g} * {0})")),
         hides_overflow=True),
    # d(ln(1 + e^a)) = sigmoid(a) da
    _row("softplus", "softplus", 1, _softplus_f,
         lambda g, out, a: (g * _sigmoid(a),),
         "ln(1 + e^a), a smooth ReLU; d/da = sigmoid(a)",
         code=("softplus({0})", ("{g} * sigmoid({0})",)),
         np_code=("np.logaddexp({0}, 0.0)", ("{g} * np_sigmoid({0})",)),
         hides_overflow=True),
    # d|a| = sign(a) da
    _row("abs", "abs", 1, abs,
         lambda g, out, a: (g if a > 0 else -g if a < 0 else 0.0,),
         "|a|; d/da = sign(a)", smooth=_away_from_zero,
         code=("abs({0})", ("{g} if {0} > 0.0 else -{g} if {0} < 0.0 else 0.0",)),
         np_code=("np.abs({0})", ("{g} * np.sign({0})",))),
    # d(x_1 + ... + x_n) = dx_1 + ... + dx_n
    _row("sum", "sum", None, lambda *xs: math.fsum(xs),
         lambda g, out, *xs: (g,) * len(xs),
         "x_1 + ... + x_n in one node; each partial derivative is 1"),
    # d(w_1 x_1 + ... + w_n x_n) = sum_i x_i dw_i + w_i dx_i
    _row("dot", "dot", None, _dot_f, _dot_vjp,
         "b + w_1 x_1 + ... + w_n x_n in one node (inputs w..., x..., and b last if given); "
         "d/dw_i = x_i, d/dx_i = w_i, d/db = 1", layout=dot_layout),
    # d(log sum_j e^x_j) = sum_i softmax(x)_i dx_i
    _row("logsumexp", "logsumexp", None, _logsumexp_f, _logsumexp_vjp,
         "log(e^x_1 + ... + e^x_n), never overflowing; d/dx_i = softmax(x)_i",
         hides_overflow=True),
]
# fmt: on

#: Every primitive by name. Tests, the renderer and the gradient checker
#: loop over this; nothing else in the library defines a derivative.
PRIMITIVES: dict[str, Primitive] = {row.name: row for row in _ROWS}

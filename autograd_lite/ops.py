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
templates (``{0}``, ``{1}`` the inputs, ``{out}`` the output, ``{g}`` the
gradient arriving), written once for both backends: a helper a template calls
(``exp``, ``sigmoid``) is declared by the row in ``names``, as a ``Helper``
with its Python function and a maker of its numpy form, so the compiler builds
each backend's namespace from the table. Only where numpy needs other text (a
comparison becomes ``np.where``) does a row give ``np_code`` / ``np_grad_code``.
A row without templates is compiled as a call of its ``forward`` and ``vjp``
(on numpy, of ``np_forward`` / ``np_vjp`` where it has them, else element by
element), so a new row works at once and its templates are only ever a
speed-up, checked against the functions by the tests. numpy is imported only
when the numpy backend asks for these forms: ``import autograd_lite`` stays
pure Python.

Where a function has a kink, a tie, a jump or a pole, ``kinks`` lists such
points: there the rule gives PyTorch's derivative (or refuses, where PyTorch's
is inf or NaN). The tests compare them with PyTorch and README's table of
conventions is written from them.

>>> PRIMITIVES["mul"].forward(3.0, 4.0)
12.0
>>> PRIMITIVES["mul"].vjp(1.0, 12.0, 3.0, 4.0)
(4.0, 3.0)
"""

from __future__ import annotations

import dataclasses
import math
import operator
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

__all__ = [
    "LOG_FLOOR",
    "PRIMITIVES",
    "TEMPLATE_BUILTINS",
    "DotLayout",
    "Helper",
    "Primitive",
    "clamp_bounds",
    "dot_layout",
    "gelu_row",
    "is_smooth",
    "numpy_names",
    "python_names",
]


class Helper(NamedTuple):
    """A name that a row's code templates call, on each backend.

    ``python`` is the function the python backend runs (None: numpy only);
    ``numpy`` makes the numpy form from the numpy module (None: python only).

    >>> import math
    >>> Helper(math.cosh, np_attr("cosh")).numpy is not None
    True
    """

    python: Callable[..., Any] | None
    numpy: Callable[[Any], Callable[..., Any]] | None


def np_attr(name: str) -> Callable[[Any], Callable[..., Any]]:
    """The maker of numpy's own function ``name``: ``np_attr("cosh")(np)`` is ``np.cosh``."""
    getter: Callable[[Any], Callable[..., Any]] = operator.attrgetter(name)
    return getter


#: Names a template may use without declaring them: these builtins on both backends
#: (``np`` itself is there too in numpy templates).
TEMPLATE_BUILTINS = frozenset({"abs", "max", "min"})


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
    #: One template per input for its gradient (``"{g} * {1}"``), or None to call ``vjp``;
    #: for an n-ary row, one template that writes each input's (``{0}``: that input).
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
    #: The helpers the templates call, by name (see ``Helper``).
    names: Mapping[str, Helper] = dataclasses.field(default_factory=dict, hash=False)
    #: Makers of numpy forms of ``forward`` and ``vjp`` (given the numpy module), for a row
    #: without numpy templates; None: the float function, element by element.
    np_forward: Callable[[Any], Callable[..., Any]] | None = None
    np_vjp: Callable[[Any], Callable[..., tuple[Any, ...]]] | None = None
    #: Points (one value per input) where the function has a kink, a tie, a jump or a
    #: pole: there the rule gives PyTorch's derivative, or refuses where PyTorch's is not
    #: finite. Tests compare them with PyTorch; README's table of conventions lists them.
    kinks: tuple[tuple[float, ...], ...] = ()

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

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # Hypothesis and IPython: the short form, not every field


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


def _on_both(name: str, on_floats: Callable[[float], float]) -> Callable[[Any], Any]:
    """``on_floats(x)`` for a float, else the ``Value`` method ``name``: for rules."""

    def helper(x: Any) -> Any:
        return on_floats(x) if type(x) is float else getattr(x, name)()

    return helper


_sqrt_any = _on_both("sqrt", _sqrt)
_sinh = _on_both("sinh", math.sinh)
_cosh = _on_both("cosh", math.cosh)
_tanh = _on_both("tanh", math.tanh)
_expm1 = _on_both("expm1", math.expm1)
_erf = _on_both("erf", math.erf)
_softplus = _on_both("softplus", _softplus_f)


def _hypot(a: Any, b: Any) -> Any:
    if type(a) is float and type(b) is float:
        return math.hypot(a, b)
    return a.hypot(b) if type(a) is not float else b.hypot(a)  # hypot is symmetric


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
    np_code: tuple[str | None, tuple[str, ...] | None] | None = None,
    names: Iterable[str] = (),
    hides_overflow: bool = False,
    layout: Callable[[int], DotLayout] | None = None,
    smooth_fixed: Callable[..., bool] | None = None,
    np_forward: Callable[[Any], Callable[..., Any]] | None = None,
    np_vjp: Callable[[Any], Callable[..., tuple[Any, ...]]] | None = None,
    kinks: tuple[tuple[float, ...], ...] = (),
    grad_each: str | None = None,
) -> Primitive:
    """A row of the table; ``np_code`` gives only the numpy templates that differ from
    ``code`` (None for one that is the same), ``names`` the helpers ``_HELPERS`` holds."""
    np_fwd, np_grads = np_code or (None, None)
    return Primitive(
        name, symbol, arity, forward, vjp, smooth, doc,
        code=code[0] if code else None,
        grad_code=code[1] if code else None if grad_each is None else (grad_each,),
        np_code=np_fwd or (code[0] if code else None),
        np_grad_code=np_grads or (code[1] if code else None if grad_each is None else (grad_each,)),
        hides_overflow=hides_overflow,
        layout=layout,
        smooth_fixed=smooth_fixed,
        names={n: _HELPERS[n] for n in names},
        np_forward=np_forward,
        np_vjp=np_vjp,
        kinks=kinks,
    )  # fmt: skip


def _away_from_pole(a: float, b: float) -> bool:
    return abs(b) > 1e-3  # clear of the pole of a / b at b = 0


# -- forward functions of the elementwise vocabulary (PyTorch's definitions) ----------------

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_SQRT1_2 = math.sqrt(0.5)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_K = math.sqrt(2.0 / math.pi)  # gelu's tanh approximation: tanh(K (x + C x^3))
_GELU_C = 0.044715
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_NEG = _SELU_ALPHA * _SELU_SCALE  # selu's slope at 0 from the left: scale * alpha


def _checked(
    name: str, f: Callable[[float], float], ok: Callable[[float], bool], domain: str
) -> Callable[[float], float]:
    """``f`` that refuses inputs outside ``domain`` with a message naming it."""

    def checked(x: float) -> float:
        if not ok(x):
            raise ValueError(f"{name} needs {domain}, got {x!r}")
        return f(x)

    checked.__name__ = f"_{name}_f"
    return checked


_asin_f = _checked("asin", math.asin, lambda x: -1.0 <= x <= 1.0, "an input in [-1, 1]")
_acos_f = _checked("acos", math.acos, lambda x: -1.0 <= x <= 1.0, "an input in [-1, 1]")
_acosh_f = _checked("acosh", math.acosh, lambda x: x >= 1.0, "an input >= 1")
_atanh_f = _checked("atanh", math.atanh, lambda x: -1.0 < x < 1.0, "an input in (-1, 1)")
_log2_f = _checked("log2", math.log2, lambda x: x > 0.0, "a positive input")
_log10_f = _checked("log10", math.log10, lambda x: x > 0.0, "a positive input")
_log1p_f = _checked("log1p", math.log1p, lambda x: x > -1.0, "an input > -1")


def _exp2_f(x: float) -> float:
    return math.pow(2.0, x)  # OverflowError beyond the float range


def _sinc_f(x: float) -> float:
    return 1.0 if x == 0.0 else math.sin(math.pi * x) / (math.pi * x)


def _logaddexp_f(a: float, b: float) -> float:
    # log(e^a + e^b) = max + log1p(e^-|a - b|): no exponential overflows
    return max(a, b) + math.log1p(math.exp(-abs(a - b)))


def _logaddexp2_f(a: float, b: float) -> float:
    return max(a, b) + math.log1p(2.0 ** -abs(a - b)) / _LN2


def _xlogy_f(x: float, y: float) -> float:
    if x == 0.0:
        return 0.0  # 0 log y = 0 for every y, as in PyTorch
    if y <= 0.0:
        raise ValueError(f"xlogy needs y > 0 where x is not 0, got y={y!r}")
    return x * math.log(y)


def _reciprocal_f(x: float) -> float:
    if x == 0.0:
        raise ZeroDivisionError("reciprocal of 0")
    return 1.0 / x


def _rsqrt_f(x: float) -> float:
    if x == 0.0:
        raise ZeroDivisionError("rsqrt of 0")
    if x < 0.0:
        raise ValueError(f"rsqrt needs a positive input, got {x!r}")
    return 1.0 / math.sqrt(x)


def _sign_f(x: float) -> float:
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0


def _floor_f(x: float) -> float:
    return float(math.floor(x))


def _ceil_f(x: float) -> float:
    return float(math.ceil(x))


def _round_f(x: float) -> float:
    return float(round(x))  # halves to even, as PyTorch and numpy


def _trunc_f(x: float) -> float:
    return float(math.trunc(x))


def _fmod_f(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError("fmod by 0")
    return math.fmod(a, b)  # the sign of a


def _remainder_f(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError("remainder by 0")
    return a % b  # the sign of b, as Python and PyTorch


def _clamp_f(x: float, lo: float, hi: float) -> float:
    return min(max(x, lo), hi)  # hi where lo > hi, as PyTorch


def _elu_f(x: float, alpha: float) -> float:
    return x if x > 0.0 else alpha * math.expm1(x)


def _selu_f(x: float) -> float:
    return _SELU_SCALE * x if x > 0.0 else _SELU_NEG * math.expm1(x)


def _celu_f(x: float, alpha: float) -> float:
    if alpha == 0.0:
        raise ZeroDivisionError("celu needs alpha != 0")
    return x if x > 0.0 else alpha * math.expm1(x / alpha)


def _silu_f(x: float) -> float:
    return x * _sigmoid_f(x)


def _gelu_f(x: float) -> float:
    return x * 0.5 * (1.0 + math.erf(x * _SQRT1_2))


def _gelu_tanh_f(x: float) -> float:
    return 0.5 * x * (1.0 + math.tanh(_GELU_K * (x + _GELU_C * (x * x * x))))


def _mish_f(x: float) -> float:
    return x * math.tanh(_softplus_f(x))


def _logsigmoid_f(x: float) -> float:
    return -_softplus_f(-x)


def _hardtanh_f(x: float) -> float:
    return min(max(x, -1.0), 1.0)


def _relu6_f(x: float) -> float:
    return min(max(x, 0.0), 6.0)


def _hardsigmoid_f(x: float) -> float:
    return min(max(x + 3.0, 0.0), 6.0) / 6.0


def _hardswish_f(x: float) -> float:
    return x * min(max(x + 3.0, 0.0), 6.0) / 6.0


# -- their rules ---------------------------------------------------------------------------


def _atan2_vjp(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # d atan2(a, b) = (b da - a db) / r^2 with r = hypot(a, b) (a^2 + b^2 would underflow
    # near the origin); 0 at the origin itself, as PyTorch
    if float(a) == 0.0 and float(b) == 0.0:
        return 0.0, 0.0
    r = _hypot(a, b)
    return g * (b / r) / r, -g * (a / r) / r


def _sinc_vjp(g: Any, out: Any, a: Any) -> tuple[Any]:
    # d sinc(a) = (cos(pi a) - sinc(a)) / a da; 0 at a = 0 (sinc is even)
    return (0.0 if float(a) == 0.0 else g * (_cos(math.pi * a) - out) / a,)


def _xlogy_vjp(g: Any, out: Any, x: Any, y: Any) -> tuple[Any, Any]:
    # d(x ln y) = ln(y) dx + x / y dy; d/dx is taken as 0 where y <= 0 (then x = 0), as PyTorch
    return (g * _log_any(y) if y > 0 else 0.0), g * x / y


def _quotient_vjp(rounded: Callable[[float, float], float]) -> Callable[..., tuple[Any, Any]]:
    # a - q b with q = rounded(a / b), constant between jumps: d/da = 1, d/db = -q
    def vjp(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
        return g, -g * rounded(float(a), float(b))

    return vjp


def _clamp_vjp(g: Any, out: Any, x: Any, lo: Any, hi: Any) -> tuple[Any, Any, Any]:
    # the gradient goes to whichever input is the output; x keeps it at the bounds (PyTorch)
    if lo > hi or x > hi:
        return 0.0, 0.0, g
    if x < lo:
        return 0.0, g, 0.0
    return g, 0.0, 0.0


def _extremum_vjp(bigger: bool) -> Callable[..., tuple[Any, Any]]:
    # the gradient goes to the chosen input; a tie splits it in half (PyTorch)
    def vjp(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
        if float(a) == float(b):
            return g * 0.5, g * 0.5
        return (g, 0.0) if (a > b) == bigger else (0.0, g)

    return vjp


def _copysign_vjp(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # |a| sign(b): d/da = out / a (that is, +-1), 0 at a = 0; d/db = 0 (PyTorch)
    return (0.0 if float(a) == 0.0 else g * (float(out) / float(a))), 0.0


def _elu_vjp(g: Any, out: Any, x: Any, alpha: Any) -> tuple[Any, Any]:
    # x > 0: (1, 0); else d/dx = alpha e^x (alpha at 0, as PyTorch), d/dalpha = e^x - 1
    return (g, 0.0) if x > 0 else (g * alpha * _exp(x), g * _expm1(x))


def _celu_vjp(g: Any, out: Any, x: Any, alpha: Any) -> tuple[Any, Any]:
    # x > 0: (1, 0); else with u = x / alpha: d/dx = e^u, d/dalpha = e^u - 1 - u e^u
    if x > 0:
        return g, 0.0
    u = x / alpha
    e = _exp(u)
    return g * e, g * (_expm1(u) - u * e)


def _gelu_vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
    # d(x Phi(x)) = Phi(x) + x phi(x)
    cdf = 0.5 * (1.0 + _erf(x * _SQRT1_2))
    return (g * (cdf + x * (_exp(-0.5 * x * x) * _INV_SQRT_2PI)),)


def _gelu_tanh_vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
    # with t = tanh(K (x + C x^3)): d = (1 + t) / 2 + x / 2 (1 - t^2) K (1 + 3 C x^2)
    t = _tanh(_GELU_K * (x + _GELU_C * (x * x * x)))
    slope = 0.5 * x * (1.0 - t * t) * (_GELU_K * (1.0 + 3.0 * _GELU_C * (x * x)))
    return (g * (0.5 * (1.0 + t) + slope),)


def _mish_vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
    # with t = tanh(softplus(x)): d(x t) = t + x (1 - t^2) sigmoid(x)
    t = _tanh(_softplus(x))
    return (g * (t + x * _sigmoid(x) * (1.0 - t * t)),)


def _hardswish_vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
    # 0 up to -3, x / 3 + 1/2 inside, 1 from 3: PyTorch takes 0 at -3 and 1 at 3
    return (0.0 if x <= -3.0 else g if x >= 3.0 else g * (x / 3.0 + 0.5),)


def _inside(lo: float, hi: float) -> Callable[..., tuple[Any]]:
    # flat outside (lo, hi) and at its ends (PyTorch's hardtanh, relu6), slope 1 inside
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (g if lo < x < hi else 0.0,)

    return vjp


def _flat(g: Any, out: Any, *xs: Any) -> tuple[Any, ...]:
    # a step function: 0 wherever it is differentiable, and 0 at its jumps (PyTorch)
    return (0.0,) * len(xs)


# -- where they are smooth -------------------------------------------------------------


def _inside_unit(x: float) -> bool:
    return abs(x) < 1.0 - 1e-3


def _above_one(x: float) -> bool:
    return x > 1.0 + 1e-3


def _above_minus_one(x: float) -> bool:
    return x > -1.0 + 1e-3


def _tan_smooth(x: float) -> bool:
    return abs(math.cos(x)) > 1e-3  # clear of the poles at pi/2 + k pi


def _off_origin(a: float, b: float) -> bool:
    return math.hypot(a, b) > 1e-3


def _atan2_smooth(a: float, b: float) -> bool:
    return _off_origin(a, b) and not (b < 0.0 and abs(a) < 1e-3)  # the jump from pi to -pi


def _off_integers(x: float) -> bool:
    return abs(x - round(x)) > 1e-3


def _off_halves(x: float) -> bool:
    return abs(x - math.floor(x) - 0.5) > 1e-3


def _quotient_smooth(a: float, b: float) -> bool:
    # the quotient jumps where a / b is whole: keep it whole-free while a and b move by up to
    # 1e-3 each, which moves a / b by up to 1e-3 (1/|b| + |a|/b^2)
    if abs(b) <= 1e-3:
        return False
    q = a / b
    return abs(q - round(q)) > 1e-3 * (1.0 + 1.0 / abs(b) + abs(a) / (b * b))


def _apart(*xs: float) -> bool:
    return all(abs(x - y) > 1e-3 for i, x in enumerate(xs) for y in xs[i + 1 :])


def _copysign_smooth(a: float, b: float) -> bool:
    return abs(a) > 1e-3 and abs(b) > 1e-3


def _celu_smooth(x: float, alpha: float) -> bool:
    return abs(x) > 1e-3 and abs(alpha) > 1e-3


def _away_from(*kinks: float) -> Callable[..., bool]:
    def smooth(x: float, *_: float) -> bool:
        return all(abs(x - k) > 1e-3 for k in kinks)

    return smooth


# -- numpy forms (numpy is imported by the numpy backend, which passes it in) ---------------


def _np_sigmoid(np: Any) -> Callable[..., Any]:
    def sigmoid(a: Any) -> Any:
        return np.exp(-np.logaddexp(0.0, -a))

    return sigmoid


def _np_softplus(np: Any) -> Callable[..., Any]:
    def softplus(a: Any) -> Any:
        return np.logaddexp(a, 0.0)

    return softplus


def _np_elementwise(f: Callable[[float], float]) -> Callable[[Any], Callable[..., Any]]:
    """The maker of ``f`` on arrays, one element at a time (numpy has no ``erf``)."""

    def make(np: Any) -> Callable[..., Any]:
        return np.vectorize(f, otypes=[float])  # type: ignore[no-any-return]

    return make


def _np_log_clamped(np: Any) -> Callable[..., Any]:
    def log_clamped(a: Any) -> Any:
        if np.any(a < 0.0):
            raise ValueError("log_clamped needs a non-negative input")
        big = a > math.exp(LOG_FLOOR)
        return np.where(big, np.log(np.where(big, a, 1.0)), LOG_FLOOR)

    return log_clamped


def _np_log_clamped_vjp(np: Any) -> Callable[..., tuple[Any]]:
    def vjp(g: Any, out: Any, a: Any) -> tuple[Any]:
        open_ = out > LOG_FLOOR
        return (np.where(open_, g / np.where(open_, a, 1.0), 0.0),)

    return vjp


def _np_logsumexp(np: Any) -> Callable[..., Any]:
    def logsumexp(*xs: Any) -> Any:
        stacked = np.stack(np.broadcast_arrays(*xs))
        m = stacked.max(axis=0)
        return m + np.log(np.exp(stacked - m).sum(axis=0))

    return logsumexp


def _np_fsum(np: Any) -> Callable[..., Any]:
    def exact_sum(stacked: Any) -> Any:
        # The engine adds with math.fsum (exactly, rounded once). numpy's sum along axis 0
        # is within (m - 1) * 2**-53 * sum(|x|) of that: where this bound is below 2**-44
        # of the result keep it; elsewhere (cancellation: [1e16, 1, -1e16]) add that
        # column with math.fsum.
        m = len(stacked)
        total = stacked.sum(axis=0)
        bound = np.abs(stacked).sum(axis=0) * (m * 2.0**-53)
        rough = np.atleast_1d(bound > 2.0**-44 * np.abs(total))
        if rough.any():
            total = np.array(total, dtype=float, ndmin=1)
            columns = stacked.reshape(m, -1)
            for c in np.flatnonzero(rough).tolist():
                total[c] = math.fsum(columns[:, c].tolist())
            total = total.reshape(stacked.shape[1:])
        return total

    def fsum(*xs: Any) -> Any:
        return exact_sum(np.stack(np.broadcast_arrays(*xs)))

    return fsum


def _np_dot(np: Any) -> Callable[..., Any]:
    def dot(*xs: Any) -> Any:
        w, x, b = dot_layout(len(xs))
        terms = (wk * xk for wk, xk in zip(xs[w], xs[x], strict=True))
        return sum(terms, 0.0 if b is None else xs[b])

    return dot


def _np_pow_vjp(np: Any) -> Callable[..., tuple[Any, Any]]:
    def vjp(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
        pos = a > 0.0
        return g * b * np.power(a, b - 1.0), np.where(
            pos, g * out * np.log(np.where(pos, a, 1.0)), 0.0
        )

    return vjp


#: Every helper the library's templates call, declared once; a row names those it uses.
_HELPERS: dict[str, Helper] = {
    "exp": Helper(math.exp, np_attr("exp")),
    "log": Helper(math.log, np_attr("log")),
    "sqrt": Helper(math.sqrt, np_attr("sqrt")),
    "sin": Helper(math.sin, np_attr("sin")),
    "cos": Helper(math.cos, np_attr("cos")),
    "tan": Helper(math.tan, np_attr("tan")),
    "tanh": Helper(math.tanh, np_attr("tanh")),
    "sigmoid": Helper(_sigmoid_f, _np_sigmoid),
    "softplus": Helper(_softplus_f, _np_softplus),
    "asin": Helper(math.asin, np_attr("arcsin")),
    "acos": Helper(math.acos, np_attr("arccos")),
    "atan": Helper(math.atan, np_attr("arctan")),
    "atan2": Helper(math.atan2, np_attr("arctan2")),
    "sinh": Helper(math.sinh, np_attr("sinh")),
    "cosh": Helper(math.cosh, np_attr("cosh")),
    "asinh": Helper(math.asinh, np_attr("arcsinh")),
    "acosh": Helper(math.acosh, np_attr("arccosh")),
    "atanh": Helper(math.atanh, np_attr("arctanh")),
    "hypot": Helper(math.hypot, np_attr("hypot")),
    "sinc": Helper(_sinc_f, np_attr("sinc")),
    "exp2": Helper(_exp2_f, np_attr("exp2")),
    "expm1": Helper(math.expm1, np_attr("expm1")),
    "log2": Helper(math.log2, np_attr("log2")),
    "log10": Helper(math.log10, np_attr("log10")),
    "log1p": Helper(math.log1p, np_attr("log1p")),
    "logaddexp": Helper(_logaddexp_f, np_attr("logaddexp")),
    "logaddexp2": Helper(_logaddexp2_f, np_attr("logaddexp2")),
    "sign": Helper(_sign_f, np_attr("sign")),
    "floor": Helper(_floor_f, np_attr("floor")),
    "ceil": Helper(_ceil_f, np_attr("ceil")),
    "round": Helper(_round_f, np_attr("round")),
    "trunc": Helper(_trunc_f, np_attr("trunc")),
    "fmod": Helper(math.fmod, np_attr("fmod")),
    "copysign": Helper(math.copysign, np_attr("copysign")),
    "erf": Helper(math.erf, _np_elementwise(math.erf)),
    "erfc": Helper(math.erfc, _np_elementwise(math.erfc)),
}


def _namespace(
    rows: Iterable[Primitive], form: Callable[[Helper], Any], backend: str
) -> dict[str, Any]:
    found: dict[str, tuple[Helper, str]] = {}
    for row in rows:
        for name, helper in row.names.items():
            seen = found.setdefault(name, (helper, row.name))
            if seen[0] != helper:
                raise ValueError(
                    f"the rows {seen[1]!r} and {row.name!r} declare different helpers "
                    f"named {name!r}: give one of them another name"
                )
    made = {name: form(helper) for name, (helper, _) in found.items()}
    missing = sorted(name for name, f in made.items() if f is None)
    if missing:
        raise ValueError(f"no {backend} form for the helpers {', '.join(missing)}")
    return made


def python_names(rows: Iterable[Primitive]) -> dict[str, Any]:
    """The helpers that ``rows``' templates call, as the python backend runs them.

    >>> python_names([PRIMITIVES["sin"]])["cos"](0.0)
    1.0
    """
    return _namespace(rows, lambda h: h.python, "python")


def numpy_names(np: Any, rows: Iterable[Primitive]) -> dict[str, Any]:
    """The same on numpy arrays (``np``: the numpy module, imported by the caller)."""
    return _namespace(rows, lambda h: None if h.numpy is None else h.numpy(np), "numpy")


_PI = repr(math.pi)
_GELU_GRAD = (
    f"{{g}} * (0.5 * (1.0 + erf({{0}} * {_SQRT1_2!r})) "
    f"+ {{0}} * (exp(-0.5 * {{0}} * {{0}}) * {_INV_SQRT_2PI!r}))"
)
_GELU_TANH_T = f"tanh({_GELU_K!r} * ({{0}} + {_GELU_C!r} * ({{0}} * {{0}} * {{0}})))"


# fmt: off
_ROWS = [
    # d(a + b) = da + db
    _row("add", "+", 2, operator.add,
         lambda g, out, a, b: (g, g),
         "a + b; both partial derivatives are 1",
         code=("{0} + {1}", ("{g}", "{g}"))),
    # d(a - b) = da - db
    _row("sub", "-", 2, operator.sub,
         lambda g, out, a, b: (g, -g),
         "a - b; d/da = 1, d/db = -1",
         code=("{0} - {1}", ("{g}", "-{g}"))),
    # d(-a) = -da
    _row("neg", "neg", 1, operator.neg,
         lambda g, out, a: (-g,),
         "-a; d/da = -1",
         code=("-{0}", ("-{g}",))),
    # d(ab) = b da + a db
    _row("mul", "*", 2, operator.mul,
         lambda g, out, a, b: (g * b, g * a),
         "a * b; d/da = b, d/db = a",
         code=("{0} * {1}", ("{g} * {1}", "{g} * {0}"))),
    # d(a / b) = da / b - (a / b^2) db = (da - out db) / b
    _row("div", "/", 2, _div,
         lambda g, out, a, b: (g / b, -g * out / b),
         "a / b; d/da = 1/b, d/db = -a/b^2", smooth=_away_from_pole,
         code=("{0} / {1}", ("{g} / {1}", "-{g} * {out} / {1}")),
         hides_overflow=True),  # 1 / inf = 0
    # d(a^b) = b a^(b-1) da + a^b ln(a) db
    _row("pow", "**", 2, _pow, _pow_vjp,
         "a ** b; d/da = b a^(b-1), d/db = a^b ln a", smooth=_pow_smooth,
         smooth_fixed=_pow_smooth_fixed, hides_overflow=True,  # inf ** -1 = 0
         np_forward=np_attr("power"), np_vjp=_np_pow_vjp),
    # d(e^a) = e^a da
    _row("exp", "exp", 1, math.exp,
         lambda g, out, a: (g * out,),
         "e^a; its own derivative",
         code=("exp({0})", ("{g} * {out}",)), names=["exp"],
         hides_overflow=True),  # e^-inf = 0
    # d(ln a) = da / a
    _row("log", "log", 1, _log,
         lambda g, out, a: (g / a,),
         "natural logarithm; d/da = 1/a", smooth=_positive,
         code=("log({0})", ("{g} / {0}",)), names=["log"]),
    # d(max(ln a, -100)) = [ln a > -100] da / a
    _row("log_clamped", "log≥-100", 1, _log_clamped_f, _log_clamped_vjp,
         "max(ln a, -100), the log of binary cross-entropy; d/da = 1/a where not clamped",
         smooth=_positive, hides_overflow=True,
         np_forward=_np_log_clamped, np_vjp=_np_log_clamped_vjp),
    # d(sqrt a) = da / (2 sqrt a)
    _row("sqrt", "sqrt", 1, _sqrt,
         lambda g, out, a: (g * 0.5 / out,),
         "square root; d/da = 1 / (2 sqrt a)", smooth=_positive,
         code=("sqrt({0})", ("{g} * 0.5 / {out}",)), names=["sqrt"]),
    # d(sin a) = cos(a) da
    _row("sin", "sin", 1, math.sin,
         lambda g, out, a: (g * _cos(a),),
         "sine; d/da = cos a",
         code=("sin({0})", ("{g} * cos({0})",)), names=["sin", "cos"]),
    # d(cos a) = -sin(a) da
    _row("cos", "cos", 1, math.cos,
         lambda g, out, a: (g * -_sin(a),),
         "cosine; d/da = -sin a",
         code=("cos({0})", ("{g} * -sin({0})",)), names=["sin", "cos"]),
    # d(tanh a) = (1 - tanh(a)^2) da
    _row("tanh", "tanh", 1, math.tanh,
         lambda g, out, a: (g * (1 - out * out),),
         "hyperbolic tangent; d/da = 1 - tanh(a)^2",
         code=("tanh({0})", ("{g} * (1 - {out} * {out})",)), names=["tanh"],
         hides_overflow=True),
    # d(s(a)) = s(a) (1 - s(a)) da
    _row("sigmoid", "sigmoid", 1, _sigmoid_f,
         lambda g, out, a: (g * out * (1 - out),),
         "logistic sigmoid 1/(1+e^-a); d/da = s(a) (1 - s(a))",
         code=("sigmoid({0})", ("{g} * {out} * (1 - {out})",)), names=["sigmoid"],
         hides_overflow=True),
    # d(max(a, 0)) = [a > 0] da
    _row("relu", "relu", 1, lambda a: a if a > 0.0 else 0.0,
         lambda g, out, a: (g if a > 0 else 0.0,),
         "max(a, 0); d/da = 1 for a > 0, else 0", smooth=_away_from_zero,
         code=("{0} if {0} > 0.0 else 0.0", ("{g} if {0} > 0.0 else 0.0",)),
         # numpy: a mask product (+ 0.0: no -0.0 where the rule gives 0.0), 1.5-4x faster
         # than np.where; an infinite g times 0 raises there, and the engine says why
         np_code=("np.maximum({0}, 0.0)", ("{g} * ({0} > 0.0) + 0.0",)),
         hides_overflow=True, kinks=((0.0,),)),
    # d(a if a > 0 else s a) = [a > 0] da + [a <= 0] (s da + a ds)
    _row("leaky_relu", "leaky_relu", 2, lambda a, s: a if a > 0.0 else s * a,
         lambda g, out, a, s: (g, 0.0) if a > 0 else (g * s, g * a),
         "a if a > 0 else slope * a; d/da = 1 or slope", smooth=_away_from_zero,
         code=("{0} if {0} > 0.0 else {1} * {0}",
               ("{g} if {0} > 0.0 else {g} * {1}", "0.0 if {0} > 0.0 else {g} * {0}")),
         np_code=("np.where({0} > 0.0, {0}, {1} * {0})",
                  ("np.where({0} > 0.0, {g}, {g} * {1})", "np.where({0} > 0.0, 0.0, {g} * {0})")),
         hides_overflow=True, kinks=((0.0, 0.01),)),
    # d(ln(1 + e^a)) = sigmoid(a) da
    _row("softplus", "softplus", 1, _softplus_f,
         lambda g, out, a: (g * _sigmoid(a),),
         "ln(1 + e^a), a smooth ReLU; d/da = sigmoid(a)",
         code=("softplus({0})", ("{g} * sigmoid({0})",)), names=["softplus", "sigmoid"],
         hides_overflow=True),
    # d|a| = sign(a) da
    _row("abs", "abs", 1, abs,
         lambda g, out, a: (g if a > 0 else -g if a < 0 else 0.0,),
         "|a|; d/da = sign(a)", smooth=_away_from_zero,
         code=("abs({0})", ("{g} if {0} > 0.0 else -{g} if {0} < 0.0 else 0.0",)),
         np_code=("np.abs({0})", ("{g} * np.sign({0})",)), kinks=((0.0,),)),
    # d(x_1 + ... + x_n) = dx_1 + ... + dx_n
    _row("sum", "sum", None, lambda *xs: math.fsum(xs),
         lambda g, out, *xs: (g,) * len(xs),
         "x_1 + ... + x_n in one node; each partial derivative is 1",
         grad_each="{g}", np_forward=_np_fsum),
    # d(w_1 x_1 + ... + w_n x_n) = sum_i x_i dw_i + w_i dx_i
    _row("dot", "dot", None, _dot_f, _dot_vjp,
         "b + w_1 x_1 + ... + w_n x_n in one node (inputs w..., x..., and b last if given); "
         "d/dw_i = x_i, d/dx_i = w_i, d/db = 1", layout=dot_layout, np_forward=_np_dot),
    # d(log sum_j e^x_j) = sum_i softmax(x)_i dx_i
    _row("logsumexp", "logsumexp", None, _logsumexp_f, _logsumexp_vjp,
         "log(e^x_1 + ... + e^x_n), never overflowing; d/dx_i = softmax(x)_i",
         grad_each="{g} * exp({0} - {out})", names=["exp"],
         hides_overflow=True, np_forward=_np_logsumexp),

    # -- trigonometric and hyperbolic --
    # d(tan a) = (1 + tan(a)^2) da
    _row("tan", "tan", 1, math.tan,
         lambda g, out, a: (g * (1 + out * out),),
         "tangent; d/da = 1 + tan(a)^2", smooth=_tan_smooth,
         code=("tan({0})", ("{g} * (1 + {out} * {out})",)), names=["tan"]),
    # d(asin a) = da / sqrt(1 - a^2)
    _row("asin", "asin", 1, _asin_f,
         lambda g, out, a: (g / _sqrt_any(1 - a * a),),
         "inverse sine on [-1, 1]; d/da = 1 / sqrt(1 - a^2)", smooth=_inside_unit,
         code=("asin({0})", ("{g} / sqrt(1 - {0} * {0})",)), names=["asin", "sqrt"],
         kinks=((1.0,),)),
    # d(acos a) = -da / sqrt(1 - a^2)
    _row("acos", "acos", 1, _acos_f,
         lambda g, out, a: (-g / _sqrt_any(1 - a * a),),
         "inverse cosine on [-1, 1]; d/da = -1 / sqrt(1 - a^2)", smooth=_inside_unit,
         code=("acos({0})", ("-{g} / sqrt(1 - {0} * {0})",)), names=["acos", "sqrt"],
         kinks=((-1.0,),)),
    # d(atan a) = da / (1 + a^2)
    _row("atan", "atan", 1, math.atan,
         lambda g, out, a: (g / (1 + a * a),),
         "inverse tangent; d/da = 1 / (1 + a^2)",
         code=("atan({0})", ("{g} / (1 + {0} * {0})",)), names=["atan"],
         hides_overflow=True),  # atan(inf) = pi/2
    # d atan2(a, b) = (b da - a db) / (a^2 + b^2)
    _row("atan2", "atan2", 2, math.atan2, _atan2_vjp,
         "the angle of the point (b, a); d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2)",
         smooth=_atan2_smooth,
         code=("atan2({0}, {1})",
               ("0.0 if {0} == {1} == 0.0 else {g} * ({1} / hypot({0}, {1})) / hypot({0}, {1})",
                "0.0 if {0} == {1} == 0.0 else -{g} * ({0} / hypot({0}, {1})) / hypot({0}, {1})")),
         np_code=(None, ("np.where(hypot({0}, {1}) == 0.0, 0.0, {g} * ({1} / "
                         "np.where(hypot({0}, {1}) == 0.0, 1.0, hypot({0}, {1}))) "
                         "/ np.where(hypot({0}, {1}) == 0.0, 1.0, hypot({0}, {1})))",
                         "np.where(hypot({0}, {1}) == 0.0, 0.0, -{g} * ({0} / "
                         "np.where(hypot({0}, {1}) == 0.0, 1.0, hypot({0}, {1}))) "
                         "/ np.where(hypot({0}, {1}) == 0.0, 1.0, hypot({0}, {1})))")),
         names=["atan2", "hypot"], hides_overflow=True, kinks=((0.0, 0.0), (0.0, -1.0))),
    # d(sinh a) = cosh(a) da
    _row("sinh", "sinh", 1, math.sinh,
         lambda g, out, a: (g * _cosh(a),),
         "hyperbolic sine; d/da = cosh a",
         code=("sinh({0})", ("{g} * cosh({0})",)), names=["sinh", "cosh"]),
    # d(cosh a) = sinh(a) da
    _row("cosh", "cosh", 1, math.cosh,
         lambda g, out, a: (g * _sinh(a),),
         "hyperbolic cosine; d/da = sinh a",
         code=("cosh({0})", ("{g} * sinh({0})",)), names=["sinh", "cosh"]),
    # d(asinh a) = da / sqrt(a^2 + 1)
    _row("asinh", "asinh", 1, math.asinh,
         lambda g, out, a: (g / _sqrt_any(a * a + 1),),
         "inverse hyperbolic sine; d/da = 1 / sqrt(a^2 + 1)",
         code=("asinh({0})", ("{g} / sqrt({0} * {0} + 1)",)), names=["asinh", "sqrt"]),
    # d(acosh a) = da / sqrt(a^2 - 1)
    _row("acosh", "acosh", 1, _acosh_f,
         lambda g, out, a: (g / _sqrt_any(a * a - 1),),
         "inverse hyperbolic cosine for a >= 1; d/da = 1 / sqrt(a^2 - 1)", smooth=_above_one,
         code=("acosh({0})", ("{g} / sqrt({0} * {0} - 1)",)), names=["acosh", "sqrt"],
         kinks=((1.0,),)),
    # d(atanh a) = da / (1 - a^2)
    _row("atanh", "atanh", 1, _atanh_f,
         lambda g, out, a: (g / (1 - a * a),),
         "inverse hyperbolic tangent on (-1, 1); d/da = 1 / (1 - a^2)", smooth=_inside_unit,
         code=("atanh({0})", ("{g} / (1 - {0} * {0})",)), names=["atanh"]),
    # d sqrt(a^2 + b^2) = (a da + b db) / out
    _row("hypot", "hypot", 2, math.hypot,
         lambda g, out, a, b: (g * a / out, g * b / out),
         "sqrt(a^2 + b^2) without overflow; d/da = a / out, d/db = b / out",
         smooth=_off_origin,
         code=("hypot({0}, {1})", ("{g} * {0} / {out}", "{g} * {1} / {out}")), names=["hypot"],
         kinks=((0.0, 0.0),)),
    # d(sin(pi a) / (pi a)) = (cos(pi a) - sinc(a)) / a da
    _row("sinc", "sinc", 1, _sinc_f, _sinc_vjp,
         "sin(pi a) / (pi a), 1 at 0; d/da = (cos(pi a) - sinc(a)) / a, 0 at 0",
         smooth=_away_from_zero,
         code=("sinc({0})",
               (f"0.0 if {{0}} == 0.0 else {{g}} * (cos({_PI} * {{0}}) - {{out}}) / {{0}}",)),
         np_code=(None, (f"np.where({{0}} == 0.0, 0.0, {{g}} * (cos({_PI} * {{0}}) - {{out}}) "
                         "/ np.where({0} == 0.0, 1.0, {0}))",)),
         names=["sinc", "cos"], kinks=((0.0,),)),

    # -- exponential and logarithmic --
    # d(2^a) = 2^a ln 2 da
    _row("exp2", "exp2", 1, _exp2_f,
         lambda g, out, a: (g * out * _LN2,),
         "2^a; d/da = 2^a ln 2",
         code=("exp2({0})", (f"{{g}} * {{out}} * {_LN2!r}",)), names=["exp2"],
         hides_overflow=True),  # 2^-inf = 0
    # d(e^a - 1) = e^a da
    _row("expm1", "expm1", 1, math.expm1,
         lambda g, out, a: (g * (out + 1),),
         "e^a - 1, exact near 0; d/da = e^a",
         code=("expm1({0})", ("{g} * ({out} + 1)",)), names=["expm1"],
         hides_overflow=True),  # e^-inf - 1 = -1
    # d(log2 a) = da / (a ln 2)
    _row("log2", "log2", 1, _log2_f,
         lambda g, out, a: (g / (a * _LN2),),
         "base-2 logarithm; d/da = 1 / (a ln 2)", smooth=_positive,
         code=("log2({0})", (f"{{g}} / ({{0}} * {_LN2!r})",)), names=["log2"]),
    # d(log10 a) = da / (a ln 10)
    _row("log10", "log10", 1, _log10_f,
         lambda g, out, a: (g / (a * _LN10),),
         "base-10 logarithm; d/da = 1 / (a ln 10)", smooth=_positive,
         code=("log10({0})", (f"{{g}} / ({{0}} * {_LN10!r})",)), names=["log10"]),
    # d ln(1 + a) = da / (1 + a)
    _row("log1p", "log1p", 1, _log1p_f,
         lambda g, out, a: (g / (1 + a),),
         "ln(1 + a), exact near 0; d/da = 1 / (1 + a)", smooth=_above_minus_one,
         code=("log1p({0})", ("{g} / (1 + {0})",)), names=["log1p"]),
    # d ln(e^a + e^b) = e^(a - out) da + e^(b - out) db
    _row("logaddexp", "logaddexp", 2, _logaddexp_f,
         lambda g, out, a, b: (g * _exp(a - out), g * _exp(b - out)),
         "ln(e^a + e^b), never overflowing; d/da = e^(a - out), d/db = e^(b - out)",
         code=("logaddexp({0}, {1})", ("{g} * exp({0} - {out})", "{g} * exp({1} - {out})")),
         names=["logaddexp", "exp"], hides_overflow=True),  # logaddexp(-inf, 0) = 0
    # d log2(2^a + 2^b) = 2^(a - out) da + 2^(b - out) db
    _row("logaddexp2", "logaddexp2", 2, _logaddexp2_f,
         lambda g, out, a, b: (g * _exp((a - out) * _LN2), g * _exp((b - out) * _LN2)),
         "log2(2^a + 2^b), never overflowing; d/da = 2^(a - out), d/db = 2^(b - out)",
         code=("logaddexp2({0}, {1})", (f"{{g}} * exp(({{0}} - {{out}}) * {_LN2!r})",
                                         f"{{g}} * exp(({{1}} - {{out}}) * {_LN2!r})")),
         names=["logaddexp2", "exp"], hides_overflow=True),
    # d(x ln y) = ln(y) dx + x / y dy
    _row("xlogy", "xlogy", 2, _xlogy_f, _xlogy_vjp,
         "x ln y, 0 where x = 0; d/dx = ln y (0 where y <= 0), d/dy = x / y",
         smooth=lambda x, y: y > 1e-3,
         code=("0.0 if {0} == 0.0 else {0} * log({1})",
               ("{g} * log({1}) if {1} > 0.0 else 0.0", "{g} * {0} / {1}")),
         np_code=("np.where({0} == 0.0, 0.0, {0} * log(np.where({0} == 0.0, 1.0, {1})))",
                  ("np.where({1} > 0.0, {g} * log(np.where({1} > 0.0, {1}, 1.0)), 0.0)",
                   "{g} * {0} / {1}")),
         names=["log"], hides_overflow=True, kinks=((0.0, 0.0), (0.0, -1.0))),

    # -- powers --
    # d(a^2) = 2a da
    _row("square", "square", 1, lambda a: a * a,
         lambda g, out, a: (g * 2.0 * a,),
         "a^2; d/da = 2a",
         code=("{0} * {0}", ("{g} * 2.0 * {0}",))),
    # d(1 / a) = -da / a^2
    _row("reciprocal", "reciprocal", 1, _reciprocal_f,
         lambda g, out, a: (-g * out * out,),
         "1 / a; d/da = -1 / a^2", smooth=_away_from_zero,
         code=("1.0 / {0}", ("-{g} * {out} * {out}",)),
         hides_overflow=True),  # 1 / inf = 0
    # d(a^-1/2) = -a^-3/2 / 2 da
    _row("rsqrt", "rsqrt", 1, _rsqrt_f,
         lambda g, out, a: (-0.5 * g * out * out * out,),
         "1 / sqrt(a) for a > 0; d/da = -1 / (2 a^(3/2))", smooth=_positive,
         code=("1.0 / sqrt({0})", ("-0.5 * {g} * {out} * {out} * {out}",)), names=["sqrt"],
         hides_overflow=True),

    # -- piecewise: the derivative PyTorch gives at kinks, ties and jumps --
    _row("sign", "sign", 1, _sign_f, _flat,
         "-1, 0 or 1; d/da = 0 (also at 0)", smooth=_away_from_zero,
         code=("sign({0})", ("{g} * 0.0",)), names=["sign"],
         hides_overflow=True, kinks=((0.0,),)),
    _row("floor", "floor", 1, _floor_f, _flat,
         "the largest whole number <= a; d/da = 0 (also at the jumps)", smooth=_off_integers,
         code=("floor({0})", ("{g} * 0.0",)), names=["floor"], kinks=((1.0,),)),
    _row("ceil", "ceil", 1, _ceil_f, _flat,
         "the smallest whole number >= a; d/da = 0 (also at the jumps)", smooth=_off_integers,
         code=("ceil({0})", ("{g} * 0.0",)), names=["ceil"], kinks=((1.0,),)),
    _row("round", "round", 1, _round_f, _flat,
         "the nearest whole number, halves to even; d/da = 0 (also at the jumps)",
         smooth=_off_halves,
         code=("round({0})", ("{g} * 0.0",)), names=["round"], kinks=((0.5,),)),
    _row("trunc", "trunc", 1, _trunc_f, _flat,
         "a without its fraction, toward 0; d/da = 0 (also at the jumps)", smooth=_off_integers,
         code=("trunc({0})", ("{g} * 0.0",)), names=["trunc"], kinks=((1.0,),)),
    # d(a - trunc(a / b) b) = da - trunc(a / b) db
    _row("fmod", "fmod", 2, _fmod_f, _quotient_vjp(lambda a, b: float(math.trunc(a / b))),
         "a - trunc(a / b) b, the sign of a; d/da = 1, d/db = -trunc(a / b)",
         smooth=_quotient_smooth,
         code=("fmod({0}, {1})", ("{g}", "-{g} * trunc({0} / {1})")), names=["fmod", "trunc"],
         hides_overflow=True, kinks=((3.0, 1.5), (-3.0, 1.5))),
    # d(a - floor(a / b) b) = da - floor(a / b) db
    _row("remainder", "remainder", 2, _remainder_f, _quotient_vjp(operator.floordiv),
         "a - floor(a / b) b, the sign of b (Python's and PyTorch's %); "
         "d/da = 1, d/db = -floor(a / b)", smooth=_quotient_smooth,
         code=("{0} % {1}", ("{g}", "-{g} * ({0} // {1})")),
         hides_overflow=True, kinks=((3.0, 1.5), (-3.0, 1.5))),
    _row("clamp", "clamp", 3, _clamp_f, _clamp_vjp,
         "min(max(x, lo), hi); the gradient goes to the input the output is, "
         "to x at the bounds, to hi if lo > hi",
         smooth=_apart,
         code=("min(max({0}, {1}), {2})",
               ("{g} if {1} <= {0} <= {2} else 0.0", "{g} if {0} < {1} <= {2} else 0.0",
                "{g} if {1} > {2} or {0} > {2} else 0.0")),
         np_code=("np.minimum(np.maximum({0}, {1}), {2})",
                  ("np.where(({1} <= {0}) & ({0} <= {2}), {g}, 0.0)",
                   "np.where(({0} < {1}) & ({1} <= {2}), {g}, 0.0)",
                   "np.where(({1} > {2}) | ({0} > {2}), {g}, 0.0)")),
         hides_overflow=True,
         kinks=((0.0, 0.0, 1.0), (1.0, 0.0, 1.0), (0.0, 0.0, 0.0), (1.0, 1.0, 0.0))),
    _row("minimum", "minimum", 2, min, _extremum_vjp(False),
         "the smaller of a and b; the gradient goes to it, half to each at a tie",
         smooth=_apart,
         code=("min({0}, {1})", ("{g} if {0} < {1} else 0.5 * {g} if {0} == {1} else 0.0",
                                 "{g} if {1} < {0} else 0.5 * {g} if {0} == {1} else 0.0")),
         np_code=("np.minimum({0}, {1})",
                  ("np.where({0} < {1}, {g}, np.where({0} == {1}, 0.5 * {g}, 0.0))",
                   "np.where({1} < {0}, {g}, np.where({0} == {1}, 0.5 * {g}, 0.0))")),
         hides_overflow=True, kinks=((1.0, 1.0),)),
    _row("maximum", "maximum", 2, max, _extremum_vjp(True),
         "the larger of a and b; the gradient goes to it, half to each at a tie",
         smooth=_apart,
         code=("max({0}, {1})", ("{g} if {0} > {1} else 0.5 * {g} if {0} == {1} else 0.0",
                                 "{g} if {1} > {0} else 0.5 * {g} if {0} == {1} else 0.0")),
         np_code=("np.maximum({0}, {1})",
                  ("np.where({0} > {1}, {g}, np.where({0} == {1}, 0.5 * {g}, 0.0))",
                   "np.where({1} > {0}, {g}, np.where({0} == {1}, 0.5 * {g}, 0.0))")),
         hides_overflow=True, kinks=((1.0, 1.0),)),
    _row("copysign", "copysign", 2, math.copysign, _copysign_vjp,
         "|a| with the sign of b; d/da = +-1 (0 at a = 0), d/db = 0",
         smooth=_copysign_smooth,
         code=("copysign({0}, {1})", ("0.0 if {0} == 0.0 else {g} * ({out} / {0})", "{g} * 0.0")),
         np_code=(None, ("np.where({0} == 0.0, 0.0, {g} * ({out} "
                         "/ np.where({0} == 0.0, 1.0, {0})))", "{g} * 0.0")),
         names=["copysign"], hides_overflow=True,
         kinks=((0.0, 1.0), (1.0, 0.0), (1.0, -0.0))),

    # -- activations --
    _row("elu", "elu", 2, _elu_f, _elu_vjp,
         "x if x > 0 else alpha (e^x - 1); d/dx = 1 or alpha e^x (alpha at 0)",
         smooth=_away_from_zero,
         code=("{0} if {0} > 0.0 else {1} * expm1({0})",
               ("{g} if {0} > 0.0 else {g} * {1} * exp({0})",
                "0.0 if {0} > 0.0 else {g} * expm1({0})")),
         np_code=("np.where({0} > 0.0, {0}, {1} * expm1(np.minimum({0}, 0.0)))",
                  ("np.where({0} > 0.0, {g}, {g} * {1} * exp(np.minimum({0}, 0.0)))",
                   "np.where({0} > 0.0, 0.0, {g} * expm1(np.minimum({0}, 0.0)))")),
         names=["exp", "expm1"], hides_overflow=True, kinks=((0.0, 1.0), (0.0, 0.5))),
    _row("selu", "selu", 1, _selu_f,
         lambda g, out, x: (g * _SELU_SCALE if x > 0 else g * _SELU_NEG * _exp(x),),
         "scale * elu(x, alpha) with PyTorch's constants; d/dx = scale or scale alpha e^x",
         smooth=_away_from_zero,
         code=(f"{_SELU_SCALE!r} * {{0}} if {{0}} > 0.0 else {_SELU_NEG!r} * expm1({{0}})",
               (f"{{g}} * {_SELU_SCALE!r} if {{0}} > 0.0 "
                f"else {{g}} * {_SELU_NEG!r} * exp({{0}})",)),
         np_code=(f"np.where({{0}} > 0.0, {_SELU_SCALE!r} * {{0}}, "
                  f"{_SELU_NEG!r} * expm1(np.minimum({{0}}, 0.0)))",
                  (f"np.where({{0}} > 0.0, {{g}} * {_SELU_SCALE!r}, "
                   f"{{g}} * {_SELU_NEG!r} * exp(np.minimum({{0}}, 0.0)))",)),
         names=["exp", "expm1"], hides_overflow=True, kinks=((0.0,),)),
    _row("celu", "celu", 2, _celu_f, _celu_vjp,
         "x if x > 0 else alpha (e^(x/alpha) - 1); d/dx = 1 or e^(x/alpha)",
         smooth=_celu_smooth, hides_overflow=True, kinks=((0.0, 1.0),)),
    # d(x sigmoid(x)) = s (1 + x (1 - s))
    _row("silu", "silu", 1, _silu_f,
         lambda g, out, x: (g * _sigmoid(x) * (1 + x * (1 - _sigmoid(x))),),
         "x sigmoid(x) (swish); d/dx = s (1 + x (1 - s))",
         code=("{0} * sigmoid({0})", ("{g} * sigmoid({0}) * (1 + {0} * (1 - sigmoid({0})))",)),
         names=["sigmoid"]),
    _row("gelu", "gelu", 1, _gelu_f, _gelu_vjp,
         "x Phi(x), Phi the normal distribution function (exact, with erf); "
         "d/dx = Phi(x) + x phi(x)",
         code=(f"{{0}} * 0.5 * (1.0 + erf({{0}} * {_SQRT1_2!r}))", (_GELU_GRAD,)),
         names=["erf", "exp"]),
    _row("gelu_tanh", "gelu_tanh", 1, _gelu_tanh_f, _gelu_tanh_vjp,
         "gelu's tanh approximation x (1 + tanh(K (x + 0.044715 x^3))) / 2, K = sqrt(2/pi)",
         code=(f"0.5 * {{0}} * (1.0 + {_GELU_TANH_T})",
               (f"{{g}} * (0.5 * (1.0 + {_GELU_TANH_T}) + 0.5 * {{0}} * (1.0 - {_GELU_TANH_T} "
                f"* {_GELU_TANH_T}) * ({_GELU_K!r} "
                f"* (1.0 + {3.0 * _GELU_C!r} * ({{0}} * {{0}}))))",)),
         names=["tanh"]),
    # d(x tanh(softplus x)) = t + x (1 - t^2) sigmoid(x)
    _row("mish", "mish", 1, _mish_f, _mish_vjp,
         "x tanh(softplus(x)); d/dx = t + x (1 - t^2) sigmoid(x), t = tanh(softplus(x))",
         code=("{0} * tanh(softplus({0}))",
               ("{g} * (tanh(softplus({0})) + {0} * sigmoid({0}) "
                "* (1.0 - tanh(softplus({0})) * tanh(softplus({0}))))",)),
         names=["tanh", "softplus", "sigmoid"]),
    # d(x / (1 + |x|)) = dx / (1 + |x|)^2
    _row("softsign", "softsign", 1, lambda x: x / (1.0 + abs(x)),
         lambda g, out, x: (g / ((1 + abs(x)) * (1 + abs(x))),),
         "x / (1 + |x|); d/dx = 1 / (1 + |x|)^2 (its second derivative jumps at 0)",
         smooth=_away_from_zero,
         code=("{0} / (1.0 + abs({0}))", ("{g} / ((1.0 + abs({0})) * (1.0 + abs({0})))",)),
         kinks=((0.0,),)),
    # d(-softplus(-x)) = sigmoid(-x) dx
    _row("logsigmoid", "logsigmoid", 1, _logsigmoid_f,
         lambda g, out, x: (g * _sigmoid(-x),),
         "ln sigmoid(x) = -softplus(-x), never overflowing; d/dx = sigmoid(-x)",
         code=("-softplus(-{0})", ("{g} * sigmoid(-{0})",)), names=["softplus", "sigmoid"],
         hides_overflow=True),  # logsigmoid(inf) = 0
    _row("hardtanh", "hardtanh", 1, _hardtanh_f, _inside(-1.0, 1.0),
         "x clamped to [-1, 1]; d/dx = 1 inside, 0 outside and at -1 and 1 (PyTorch)",
         smooth=_away_from(-1.0, 1.0),
         code=("min(max({0}, -1.0), 1.0)", ("{g} if -1.0 < {0} < 1.0 else 0.0",)),
         np_code=("np.minimum(np.maximum({0}, -1.0), 1.0)",
                  ("np.where((-1.0 < {0}) & ({0} < 1.0), {g}, 0.0)",)),
         hides_overflow=True, kinks=((-1.0,), (1.0,))),
    _row("relu6", "relu6", 1, _relu6_f, _inside(0.0, 6.0),
         "x clamped to [0, 6]; d/dx = 1 inside, 0 outside and at 0 and 6 (PyTorch)",
         smooth=_away_from(0.0, 6.0),
         code=("min(max({0}, 0.0), 6.0)", ("{g} if 0.0 < {0} < 6.0 else 0.0",)),
         np_code=("np.minimum(np.maximum({0}, 0.0), 6.0)",
                  ("np.where((0.0 < {0}) & ({0} < 6.0), {g}, 0.0)",)),
         hides_overflow=True, kinks=((0.0,), (6.0,))),
    _row("hardsigmoid", "hardsigmoid", 1, _hardsigmoid_f,
         lambda g, out, x: (g / 6.0 if -3.0 < x < 3.0 else 0.0,),
         "relu6(x + 3) / 6; d/dx = 1/6 inside (-3, 3), 0 elsewhere and at -3 and 3",
         smooth=_away_from(-3.0, 3.0),
         code=("min(max({0} + 3.0, 0.0), 6.0) / 6.0", ("{g} / 6.0 if -3.0 < {0} < 3.0 else 0.0",)),
         np_code=("np.minimum(np.maximum({0} + 3.0, 0.0), 6.0) / 6.0",
                  ("np.where((-3.0 < {0}) & ({0} < 3.0), {g} / 6.0, 0.0)",)),
         hides_overflow=True, kinks=((-3.0,), (3.0,))),
    _row("hardswish", "hardswish", 1, _hardswish_f, _hardswish_vjp,
         "x relu6(x + 3) / 6; d/dx = 0 up to -3, x/3 + 1/2 inside, 1 from 3 (PyTorch)",
         smooth=_away_from(-3.0, 3.0),
         code=("{0} * min(max({0} + 3.0, 0.0), 6.0) / 6.0",
               ("0.0 if {0} <= -3.0 else {g} if {0} >= 3.0 else {g} * ({0} / 3.0 + 0.5)",)),
         np_code=("{0} * np.minimum(np.maximum({0} + 3.0, 0.0), 6.0) / 6.0",
                  ("np.where({0} <= -3.0, 0.0, "
                   "np.where({0} >= 3.0, {g}, {g} * ({0} / 3.0 + 0.5)))",)),
         kinks=((-3.0,), (3.0,))),
    # d erf(x) = 2 / sqrt(pi) e^(-x^2) dx
    _row("erf", "erf", 1, math.erf,
         lambda g, out, x: (g * _TWO_OVER_SQRT_PI * _exp(-(x * x)),),
         "the error function; d/dx = 2 / sqrt(pi) e^(-x^2)",
         code=("erf({0})", (f"{{g}} * {_TWO_OVER_SQRT_PI!r} * exp(-({{0}} * {{0}}))",)),
         names=["erf", "exp"], hides_overflow=True),  # erf(inf) = 1
    _row("erfc", "erfc", 1, math.erfc,
         lambda g, out, x: (-g * _TWO_OVER_SQRT_PI * _exp(-(x * x)),),
         "1 - erf(x), exact in the tail; d/dx = -2 / sqrt(pi) e^(-x^2)",
         code=("erfc({0})", (f"-{{g}} * {_TWO_OVER_SQRT_PI!r} * exp(-({{0}} * {{0}}))",)),
         names=["erfc", "exp"], hides_overflow=True),
]
# fmt: on

#: Every primitive by name. Tests, the renderer and the gradient checker
#: loop over this; nothing else in the library defines a derivative.
PRIMITIVES: dict[str, Primitive] = {row.name: row for row in _ROWS}


def clamp_bounds(lo: Any, hi: Any) -> tuple[Any, Any]:
    """``clamp``'s bounds, a missing one (None) as the largest float: every finite input is
    inside it, so the gradient goes to x, as PyTorch's clamp with one bound gives.

    >>> clamp_bounds(None, 1.0)
    (-1.7976931348623157e+308, 1.0)
    """
    if lo is None and hi is None:
        raise ValueError("clamp() needs min or max (or both); got neither")
    return (-sys.float_info.max if lo is None else lo), (sys.float_info.max if hi is None else hi)


def gelu_row(approximate: str) -> Primitive:
    """PyTorch's two gelus: ``"none"`` (exact, with erf) or ``"tanh"`` (its approximation)."""
    if approximate == "none":
        return PRIMITIVES["gelu"]
    if approximate == "tanh":
        return PRIMITIVES["gelu_tanh"]
    raise ValueError(f"gelu's approximate must be 'none' or 'tanh', got {approximate!r}")

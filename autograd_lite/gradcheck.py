"""Gradient checking: compare what backprop says with what the function does.

``gradcheck(f, inputs)`` computes every partial derivative of ``f`` twice:
once by backpropagation (``autograd_lite.grad``), once numerically by the
central difference (f(x + h) - f(x - h)) / 2h in double precision. If any
pair disagrees by more than ``atol + rtol * |numerical|`` it raises a
``GradcheckError`` that names the input, both numbers, the difference, the
tolerance and the expression. ``gradgradcheck`` does the same for second
derivatives: the Hessian that backprop builds with ``create_graph=True``
against central differences of backprop's own first derivatives.

A numerical derivative means nothing at a kink (``relu`` at 0) or next to a
pole (``log`` near 0); when a check fails there, the error says so, using
each primitive's ``smooth`` predicate from ``autograd_lite.ops``.

>>> from autograd_lite import gradcheck, gradgradcheck
>>> gradcheck(lambda x, y: (x * y + 1.5).tanh(), [0.5, -1.2])
True
>>> gradgradcheck(lambda x, y: (x * y + 1.5).tanh(), [0.5, -1.2])
True
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Iterable, Sequence

from autograd_lite.engine import Value, enable_grad, grad, topological_order
from autograd_lite.ops import Primitive

__all__ = [
    "ATOM",
    "GradcheckError",
    "expression_text",
    "format_operation",
    "gradcheck",
    "gradgradcheck",
    "nonsmooth_nodes",
    "number_text",
]

#: A piece of expression text and how tightly it binds (for parentheses).
Text = tuple[str, float]

_SUM, _PRODUCT, _POWER = 1.0, 2.0, 3.0
#: How tightly a name, a number or a call binds: it never needs parentheses.
ATOM = 4.0
_NEGATIVE = 2.5  # a leading minus binds tighter than * but looser than **: -2**2 == -4
_INFIX = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT, "**": _POWER}
#: n-ary primitives whose functional form takes several lists: F.dot(weights, inputs).
_LISTS = {"dot": 2}


class GradcheckError(AssertionError):
    """Backprop and the numerical derivative disagree; the message says where and by how much.

    A subclass of ``AssertionError``, so pytest reports it as a failed check.

    >>> from autograd_lite import gradcheck
    >>> try:
    ...     gradcheck(lambda x: x.relu(), [0.0])   # relu has a kink at 0
    ... except GradcheckError as error:
    ...     print(str(error).splitlines()[0])
    gradcheck: d(output)/d(x) (input 0) does not match its central difference
    """


def gradcheck(
    f: Callable[..., Value],
    inputs: Iterable[Value | float] | Value | float,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check every first derivative of ``f`` at ``inputs`` against central differences.

    ``f`` takes one ``Value`` per input and returns a ``Value``. ``inputs``
    are numbers, or ``Value``s whose ``data`` (and ``label``) are used; an
    input Value with ``requires_grad=False`` is held constant and not
    checked. Returns ``True``, or raises ``GradcheckError`` on a mismatch.

    >>> gradcheck(lambda x: x.log() * x, [2.0])          # d/dx x ln x = ln x + 1
    True
    """
    check = _Check("gradcheck", f, inputs, eps, atol, rtol)
    out, active = check.forward(check.point)
    analytic = grad(out, active)
    for i, a in zip(check.active, analytic, strict=True):
        (numeric,) = check.central(lambda point: [check.forward(point)[0].data], i)
        if not check.close(a, numeric):
            name = check.names[i]
            raise check.mismatch(f"d(output)/d({name}) (input {i})", a, numeric, out)
    return True


def gradgradcheck(
    f: Callable[..., Value],
    inputs: Iterable[Value | float] | Value | float,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check every second derivative of ``f`` at ``inputs`` against central differences.

    The analytic Hessian comes from differentiating, again, the gradients
    that ``grad(..., create_graph=True)`` returns; each column is compared
    with the central difference of backprop's first derivatives. Arguments
    and errors are those of ``gradcheck`` (run that too: this one does not
    check first derivatives).

    >>> gradgradcheck(lambda x, y: x * x * y + y.exp(), [1.5, 0.3])
    True
    """
    check = _Check("gradgradcheck", f, inputs, eps, atol, rtol)
    out, active = check.forward(check.point)
    first = grad(out, active, create_graph=True)
    # hessian[j][k] = d/dx_k (d out / dx_j), all by backprop
    hessian = [grad(g, active) for g in first]

    def backprop_gradient(point: list[float]) -> list[float]:
        return [float(g) for g in grad(*check.forward(point))]

    for k, i in enumerate(check.active):
        column = check.central(backprop_gradient, i)
        for j, numeric in enumerate(column):
            a = hessian[j][k]
            if not check.close(a, numeric):
                name_j, name_i = check.names[check.active[j]], check.names[i]
                what = f"d2(output)/d({name_j})d({name_i}) (inputs {check.active[j]} and {i})"
                raise check.mismatch(what, a, numeric, out)
    return True


class _Check:
    """What both checks share: validated arguments, evaluation, comparison, messages."""

    def __init__(
        self,
        kind: str,
        f: Callable[..., Value],
        inputs: Iterable[Value | float] | Value | float,
        eps: float,
        atol: float,
        rtol: float,
    ) -> None:
        if not callable(f):
            raise TypeError(f"{kind}() needs a callable f, got {type(f).__name__}")
        self.kind = kind
        self.f = f
        self.eps = _tolerance("eps", eps, positive=True)
        self.atol = _tolerance("atol", atol, positive=False)
        self.rtol = _tolerance("rtol", rtol, positive=False)
        items = _input_list(kind, inputs)
        self.point = [_input_number(kind, i, x) for i, x in enumerate(items)]
        params = _parameter_names(f, len(items))
        self.names = [
            x.label if isinstance(x, Value) and x.label else params[i] if params else f"x{i}"
            for i, x in enumerate(items)
        ]
        #: Indices of the inputs that are checked (the others are held constant).
        self.active = [
            i for i, x in enumerate(items) if not isinstance(x, Value) or x.requires_grad
        ]

    def forward(self, point: list[float]) -> tuple[Value, list[Value]]:
        """``f`` at ``point``: the output, and the leaves of the checked inputs."""
        active = set(self.active)
        leaves = [
            Value(x, label=name, requires_grad=i in active)
            for i, (x, name) in enumerate(zip(point, self.names, strict=True))
        ]
        with enable_grad():  # even inside a caller's no_grad()
            out = self.f(*leaves)
        if not isinstance(out, Value):
            raise TypeError(f"{self.kind}(): f must return a Value, got {type(out).__name__}")
        return out, [leaves[i] for i in self.active]

    def central(self, fn: Callable[[list[float]], list[float]], i: int) -> list[float]:
        """(fn(x + h e_i) - fn(x - h e_i)) / 2h, for each component of ``fn``."""
        up, down = list(self.point), list(self.point)
        up[i] += self.eps
        down[i] -= self.eps
        try:
            above, below = fn(up), fn(down)
        except (ArithmeticError, ValueError) as error:
            raise ValueError(
                f"{self.kind}(): f fails at {self.names[i]} = {self.point[i]!r} +- eps "
                f"({error}); check at a point further inside f's domain, or use a smaller eps"
            ) from error
        step = up[i] - down[i]  # exactly the step taken, after rounding
        return [(a - b) / step for a, b in zip(above, below, strict=True)]

    def close(self, analytic: float | Value, numeric: float) -> bool:
        # |analytic - numeric| <= atol + rtol * |numeric|, as numpy.isclose
        return abs(float(analytic) - numeric) <= self.atol + self.rtol * abs(numeric)

    def mismatch(
        self, what: str, analytic: float | Value, numeric: float, out: Value
    ) -> GradcheckError:
        a = float(analytic)
        tolerance = self.atol + self.rtol * abs(numeric)
        at = ", ".join(f"{n}={x!r}" for n, x in zip(self.names, self.point, strict=True))
        lines = [
            f"{self.kind}: {what} does not match its central difference",
            f"  backprop:           {a!r}",
            f"  central difference: {numeric!r}",
            f"  |difference| {abs(a - numeric):.3g} > tolerance {tolerance:.3g} "
            f"(atol {self.atol:g} + rtol {self.rtol:g} * |central difference|, eps {self.eps:g})",
            f"  at: {at}",
        ]
        text = expression_text(out)
        if text is not None:
            lines.append(f"  expression: {text}")
        rough = nonsmooth_nodes(out)
        if rough:
            places = ", ".join(
                f"{v.op.name}({', '.join(number_text(p.data)[0] for p in v.parents)})"
                for v in rough[:3]
                if v.op is not None
            )
            lines.append(
                f"  note: not smooth at {places}: a kink, pole or domain edge, "
                "where a numerical derivative means little"
            )
        return GradcheckError("\n".join(lines))


def _tolerance(name: str, x: object, *, positive: bool) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    value = float(x)
    if not math.isfinite(value) or value < 0.0 or (positive and value == 0.0):
        need = "positive" if positive else "non-negative"
        raise ValueError(f"{name} must be a finite {need} number, got {value!r}")
    return value


def _input_list(kind: str, inputs: object) -> list[object]:
    if isinstance(inputs, (Value, numbers.Real)):
        return [inputs]
    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Iterable):
        raise TypeError(
            f"{kind}() needs inputs as a sequence of numbers or Values, got {type(inputs).__name__}"
        )
    items = list(inputs)
    if not items:
        raise ValueError(f"{kind}() needs at least one input")
    return items


def _input_number(kind: str, i: int, x: object) -> float:
    if isinstance(x, Value):
        return x.data
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(
            f"{kind}(): inputs[{i}] must be a number or a Value, got {type(x).__name__}"
        )
    value = float(x)
    if not math.isfinite(value):
        raise ValueError(f"{kind}(): inputs[{i}] must be finite, got {value!r}")
    return value


def _parameter_names(f: Callable[..., object], n: int) -> list[str] | None:
    """The names of ``f``'s first ``n`` positional parameters, if it has them."""
    try:
        parameters = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in parameters if p.kind in positional]
    return names[:n] if len(names) >= n else None


# -- where the graph is not smooth, and how it reads ---------------------------------


def nonsmooth_nodes(output: Value) -> list[Value]:
    """Nodes of ``output``'s graph whose primitive is not smooth at its inputs.

    Uses each row's ``smooth`` predicate: a kink (``relu``, ``abs`` near 0),
    a pole or a domain edge (``log``, ``sqrt`` near 0; ``pow`` with a base
    near or below 0). Derivatives there are conventions, not limits.

    >>> from autograd_lite import Value
    >>> x = Value(0.0)
    >>> [v.op.name for v in nonsmooth_nodes((x * 2).relu() + x.exp())]
    ['relu']
    """
    return [
        v
        for v in topological_order(output)
        if v.op is not None and not v.op.smooth(*[p.data for p in v.parents])
    ]


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
    if op.arity is None:
        lists = _LISTS.get(op.name, 1)
        size = len(texts) // lists
        parts = [", ".join(texts[k * size : (k + 1) * size]) for k in range(lists)]
        bias = texts[lists * size :]  # dot's bias, last when the count of inputs is odd
        return f"{op.name}({', '.join([f'[{part}]' for part in parts] + bias)})", ATOM
    return f"{op.name}({', '.join(texts)})", ATOM


def number_text(x: float) -> Text:
    """A constant as expression text: six significant digits (``-1`` binds as a unary minus)."""
    text = f"{x:.6g}"
    return text, _NEGATIVE if text.startswith("-") else ATOM

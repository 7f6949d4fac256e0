"""Calculus on functions: derivatives, gradients, Jacobians, Hessians, Hessian-vector products.

Each helper takes a function ``f`` written with Values (``lambda x: x.tanh()``)
and answers a question about it at a point, in one call:

* ``derivative(f, order=1)`` is the function x -> f'(x) (or f'', f''', ...);
* ``value_and_grad(f)`` is the function xs -> (f(xs), gradient of f at xs);
* ``jacobian(f, xs)`` is the matrix of d f_i / d x_j, as a list of rows;
* ``hessian(f, xs)`` is the symmetric matrix of d2 f / dx_i dx_j;
* ``hvp(f, xs, v)`` is the Hessian times ``v``, without forming the Hessian.

They are built on ``autograd_lite.grad(..., create_graph=True)``: a first
backward pass recorded as a graph, and further backward passes over it.

Inputs are plain numbers (or Values, whose ``data`` is used) and results are
plain floats. With ``create_graph=True`` results are Values instead, whose
graph leads back to the inputs given as Values, so that they can be
differentiated again (as in ``torch.autograd.functional``). No helper
touches any ``.grad``, and each works inside ``no_grad()``, like ``gradcheck``.
An ``f`` whose result takes no gradient (a constant) has derivatives 0.

>>> from autograd_lite import derivative
>>> d_tanh = derivative(lambda x: x.tanh())
>>> round(d_tanh(0.5), 6)                 # 1 - tanh(0.5)^2
0.786448
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, overload

from autograd_lite import functional as F
from autograd_lite.checks import bounded_list, flag, number, real, shown
from autograd_lite.checks import items as listed
from autograd_lite.engine import Value, enable_grad, grad

__all__ = [
    "MAX_ENTRIES",
    "MAX_ORDER",
    "derivative",
    "hessian",
    "hvp",
    "jacobian",
    "value_and_grad",
]

#: The highest ``order`` that ``derivative`` takes. Each derivative's graph is
#: built from the one before it and is several times larger, so memory grows
#: geometrically with the order.
MAX_ORDER = 10
#: The most entries a Jacobian or Hessian may have (each row is one backward pass).
MAX_ENTRIES = 1_000_000

#: A function of Values, as the helpers take it.
Function = Callable[..., Value]


# -- the transforms --------------------------------------------------------------------


@overload
def derivative(
    f: Function, *, order: int = 1, create_graph: Literal[False] = False
) -> Callable[[Value | float], float]: ...
@overload
def derivative(
    f: Function, *, order: int = 1, create_graph: Literal[True]
) -> Callable[[Value | float], Value]: ...
def derivative(
    f: Function, *, order: int = 1, create_graph: bool = False
) -> Callable[[Value | float], Any]:
    """The function x -> d^order f / dx^order, for ``f`` of one Value.

    Each order is one backward pass over the graph of the one before
    (``grad(..., create_graph=True)``). ``order`` is 1 to ``MAX_ORDER``.

    >>> d2 = derivative(lambda x: x ** 3, order=2)    # 6x
    >>> d2(2.0)
    12.0
    >>> round(derivative(lambda x: x.sin(), order=3)(0.0), 12)   # -cos(0)
    -1.0
    """
    kind = "derivative"
    _check_function(kind, f)
    n = _check_order(order)
    keep = flag(create_graph, "create_graph")

    def df(x: Value | float) -> Any:
        (leaf,) = _leaves(kind, [x], keep, single=True)
        out: Any = _call(kind, f, [leaf])
        for k in range(n):  # every pass but the last records its own graph
            (out,) = grad(out, leaf, create_graph=keep or k < n - 1)
        return _result(out, keep)

    df.__qualname__ = df.__name__ = f"derivative_{n}" if n > 1 else "derivative"
    df.__doc__ = f"d^{n} f / dx^{n} at x, for f = {_name(f)}."
    return df


@overload
def value_and_grad(
    f: Function, *, create_graph: Literal[False] = False
) -> Callable[..., tuple[float, tuple[float, ...]]]: ...
@overload
def value_and_grad(
    f: Function, *, create_graph: Literal[True]
) -> Callable[..., tuple[Value, tuple[Value, ...]]]: ...
def value_and_grad(f: Function, *, create_graph: bool = False) -> Callable[..., Any]:
    """The function (x_1, ..., x_n) -> (f(x_1, ..., x_n), (df/dx_1, ..., df/dx_n)).

    One forward and one backward pass per call, as a training step needs.

    >>> f = value_and_grad(lambda x, y: x * y + y)
    >>> f(3.0, 2.0)                                    # (xy + y, (y, x + 1))
    (8.0, (2.0, 4.0))
    """
    kind = "value_and_grad"
    _check_function(kind, f)
    keep = flag(create_graph, "create_graph")

    def vg(*xs: Value | float) -> Any:
        leaves = _leaves(kind, xs, keep)
        out = _call(kind, f, leaves)
        gradient = grad(out, leaves, create_graph=keep)
        return _result(out, keep), tuple(_result(g, keep) for g in gradient)

    vg.__qualname__ = vg.__name__ = "value_and_grad"
    vg.__doc__ = f"(f(*xs), gradient of f at xs), for f = {_name(f)}."
    return vg


@overload
def jacobian(
    f: Callable[..., Value | Sequence[Value]],
    xs: Iterable[Value | float] | Value | float,
    *,
    create_graph: Literal[False] = False,
) -> list[list[float]]: ...
@overload
def jacobian(
    f: Callable[..., Value | Sequence[Value]],
    xs: Iterable[Value | float] | Value | float,
    *,
    create_graph: Literal[True],
) -> list[list[Value]]: ...
def jacobian(
    f: Callable[..., Value | Sequence[Value]],
    xs: Iterable[Value | float] | Value | float,
    *,
    create_graph: bool = False,
) -> list[list[Any]]:
    """The Jacobian of ``f`` at ``xs``: row i holds d f_i / d x_1, ..., d f_i / d x_n.

    ``f`` takes one Value per input and returns a Value (one row) or a
    sequence of Values (one row each). One backward pass per row.

    >>> jacobian(lambda x, y: [x * y, x + y * y], [2.0, 3.0])
    [[3.0, 2.0], [1.0, 6.0]]
    """
    kind = "jacobian"
    _check_function(kind, f)
    keep = flag(create_graph, "create_graph")
    leaves = _leaves(kind, listed(_bounded(xs, f"{kind}(): xs"), f"{kind}(): xs"), keep)
    with enable_grad():  # even inside a caller's no_grad()
        result = f(*leaves)
    outputs = _outputs(kind, result, columns=len(leaves))
    return [[_result(g, keep) for g in grad(o, leaves, create_graph=keep)] for o in outputs]


@overload
def hessian(
    f: Function,
    xs: Iterable[Value | float] | Value | float,
    *,
    create_graph: Literal[False] = False,
) -> list[list[float]]: ...
@overload
def hessian(
    f: Function,
    xs: Iterable[Value | float] | Value | float,
    *,
    create_graph: Literal[True],
) -> list[list[Value]]: ...
def hessian(
    f: Function,
    xs: Iterable[Value | float] | Value | float,
    *,
    create_graph: bool = False,
) -> list[list[Any]]:
    """The Hessian of ``f`` at ``xs``: entry (i, j) is d2 f / dx_i dx_j.

    The gradient is computed once with its graph recorded; each row is one
    backward pass over it, so n inputs cost 1 + n backward passes. The
    matrix is symmetric up to rounding.

    >>> hessian(lambda x, y: x * x * y, [3.0, 2.0])     # [[2y, 2x], [2x, 0]]
    [[4.0, 6.0], [6.0, 0.0]]
    """
    kind = "hessian"
    _check_function(kind, f)
    keep = flag(create_graph, "create_graph")
    items = listed(_bounded(xs, f"{kind}(): xs"), f"{kind}(): xs")
    _check_size(kind, len(items), len(items), "; hvp() gives H v in two backward passes")
    leaves = _leaves(kind, items, keep)
    first = _gradient(kind, f, leaves)
    return [[_result(h, keep) for h in grad(g, leaves, create_graph=keep)] for g in first]


@overload
def hvp(
    f: Function,
    xs: Iterable[Value | float] | Value | float,
    v: Iterable[float] | float,
    *,
    create_graph: Literal[False] = False,
) -> list[float]: ...
@overload
def hvp(
    f: Function,
    xs: Iterable[Value | float] | Value | float,
    v: Iterable[float] | float,
    *,
    create_graph: Literal[True],
) -> list[Value]: ...
def hvp(
    f: Function,
    xs: Iterable[Value | float] | Value | float,
    v: Iterable[float] | float,
    *,
    create_graph: bool = False,
) -> list[Any]:
    """The Hessian of ``f`` at ``xs`` times the vector ``v``, without forming the Hessian.

    H v is the gradient of (grad f) . v: the gradient is computed once with
    its graph recorded, dotted with ``v``, and differentiated in one more
    backward pass. Two passes in all, for any number of inputs.

    >>> hvp(lambda x, y: x * x * y, [3.0, 2.0], [1.0, 0.0])   # the first column
    [4.0, 6.0]
    """
    kind = "hvp"
    _check_function(kind, f)
    keep = flag(create_graph, "create_graph")
    items = listed(_bounded(xs, f"{kind}(): xs"), f"{kind}(): xs")
    direction = _vector(kind, v, len(items))
    leaves = _leaves(kind, items, keep)
    first = _gradient(kind, f, leaves)
    with enable_grad():
        along = F.dot(first, direction)  # (grad f) . v, a Value on the recorded backward
        return [_result(h, keep) for h in grad(along, leaves, create_graph=keep)]


# -- what the transforms share -----------------------------------------------------------


def _gradient(kind: str, f: Function, leaves: list[Value]) -> tuple[Value, ...]:
    """The gradient of ``f`` at ``leaves`` as Values whose graph records the backward pass."""
    first: tuple[Value, ...] = grad(_call(kind, f, leaves), leaves, create_graph=True)
    return first


def _call(kind: str, f: Function, leaves: list[Value]) -> Value:
    """``f(*leaves)``, recorded even inside a caller's ``no_grad()``; it must be a Value."""
    with enable_grad():
        out = f(*leaves)
    (checked,) = _outputs(kind, out, single=True)
    return checked


def _outputs(kind: str, out: object, *, single: bool = False, columns: int = 1) -> list[Value]:
    """What ``f`` returned as a list of Values, or a clear error.

    An output that takes no gradient (a constant: a number, ``detach()``, or
    a derivative that came out constant, as ``3 * x``'s does) is a constant
    function of the inputs, whose derivatives are all 0, as in
    ``torch.func`` and JAX: so ``derivative(derivative(f, create_graph=True))``
    is 0 wherever f' is a constant.
    """
    if isinstance(out, Value):
        return [out]
    if single or isinstance(out, (str, bytes)) or not isinstance(out, Sequence):
        need = "a Value" if single else "a Value or a sequence of Values"
        raise TypeError(f"{kind}(): f must return {need}, got {shown(out)}")
    try:
        rows = len(out)
    except OverflowError:  # a range too long for an index
        rows = MAX_ENTRIES + 1
    _check_size(kind, rows, columns)  # before listing: f may return range(10**12)
    outputs = list(out)
    if not outputs:
        raise ValueError(f"{kind}(): f returned an empty {type(out).__name__}: no outputs")
    for i, o in enumerate(outputs):
        if not isinstance(o, Value):
            raise TypeError(f"{kind}(): output {i} of f must be a Value, got {shown(o)}")
    return outputs


def _leaves(
    kind: str, items: Sequence[object], create_graph: bool, *, single: bool = False
) -> list[Value]:
    """One fresh input Value per item (numbers and Values checked).

    Without ``create_graph`` every input is a new leaf holding the number (a
    Value's ``data``), so nothing leads back to the caller's graph. With it,
    a Value that takes a gradient is used through an identity node
    (``x + 0``): results then lead back to it, and an input listed twice
    still has its own partial derivative.
    """
    if not single and not items:
        raise ValueError(f"{kind}() needs at least one input")
    leaves: list[Value] = []
    for i, x in enumerate(items):
        where = "x" if single else f"inputs[{i}]"
        if isinstance(x, Value):
            if create_graph and x.requires_grad:
                with enable_grad():
                    leaves.append(x + 0.0)
            else:
                leaves.append(Value(x.data, label=x.label))
        else:
            leaves.append(Value(number(x, f"{kind}(): {where}")))
    return leaves


def _vector(kind: str, v: object, n: int) -> list[float]:
    """``v`` as ``n`` finite floats, or a clear error."""
    if isinstance(v, numbers.Real):
        v = [v]
    if isinstance(v, (str, bytes, Value)) or not isinstance(v, Iterable):
        raise TypeError(f"{kind}() needs v as a sequence of numbers, got {type(v).__name__}")
    vector = [real(x, f"{kind}(): v[{i}]") for i, x in enumerate(_bounded(v, f"{kind}(): v"))]
    if len(vector) != n:
        raise ValueError(f"{kind}() needs v of length {n}, one entry per input; got {len(vector)}")
    return vector


def _bounded(value: Any, what: str) -> Any:
    """``value``, or the items of a lazy iterable as a list: at most ``MAX_ENTRIES`` of them.

    Every helper takes one entry (a row, a column, a partial derivative) per input,
    so more inputs than ``MAX_ENTRIES`` are refused, and an iterator is read at most
    one item past that (``itertools.count()`` is refused instead of read forever).
    Lists, tuples, numbers and what is no iterable pass unchanged, to the usual checks.
    """
    if isinstance(value, (list, tuple, str, bytes, Value, numbers.Real)) or not isinstance(
        value, Iterable
    ):
        return value
    return bounded_list(value, what, limit=MAX_ENTRIES)


def _check_function(kind: str, f: object) -> None:
    if not callable(f):
        raise TypeError(f"{kind}() needs a callable f, got {shown(f)}")


def _check_order(order: object) -> int:
    if isinstance(order, bool) or not isinstance(order, numbers.Integral):
        raise TypeError(f"order must be a positive integer, got {shown(order)}")
    n = operator.index(order)
    if not 1 <= n <= MAX_ORDER:
        raise ValueError(
            f"order must be a positive integer of at most {MAX_ORDER}, got {n} (each order "
            "differentiates the graph of the one before, which grows with every order)"
        )
    return n


def _check_size(kind: str, rows: int, columns: int, hint: str = "") -> None:
    if rows * columns > MAX_ENTRIES:
        raise ValueError(
            f"{kind}() would have {rows:,} x {columns:,} = {rows * columns:,} entries, more "
            f"than {MAX_ENTRIES:,} (MAX_ENTRIES){hint}"
        )


def _result(x: Value | float, create_graph: bool) -> Any:
    """A plain float, unless the caller asked for Values (``grad`` then returns them)."""
    return x if create_graph else float(x)


def _name(f: object) -> str:
    return getattr(f, "__qualname__", None) or type(f).__name__

"""``Value``: a scalar that records the computation graph, and the backward pass.

Every arithmetic operation on a ``Value`` looks up its primitive in
``autograd_lite.ops.PRIMITIVES``, computes the result on plain floats, and
returns a new ``Value`` that remembers the primitive and its inputs
(``parents``, a tuple, so the graph's order is the same on every run).

``backward()`` visits the graph in reverse topological order, found with an
explicit stack (no recursion: a chain of millions of operations is fine).
For each node it asks the primitive's rule for the gradients of the node's
inputs and adds them up in a dictionary that belongs to that one call, so
calling ``backward()`` twice gives exactly twice the gradients. A node holds
its parents but nothing holds its consumers, so a graph has no reference
cycles and is freed the moment the last reference to its output goes.

What is not the idea lives beside it: whether a thread records graphs in
``grad_mode`` (``no_grad()``), and what ``compile`` watches while it records
in ``tracing`` (its hook here: ``_TRACE.tracer``). Both are re-exported here.

>>> from autograd_lite import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x          # y = x^2 + 3x
>>> y.backward()
>>> x.grad                      # dy/dx = 2x + 3
7.0
"""

from __future__ import annotations

import contextlib
import copy
import functools
import math
import numbers
import reprlib
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, SupportsIndex, TypeVar

from autograd_lite import tracing as _tracing
from autograd_lite.grad_mode import MODE as _MODE
from autograd_lite.grad_mode import (
    enable_grad,
    grad_mode,
    is_grad_enabled,
    no_grad,
    watch_threads_off,
)
from autograd_lite.ops import PRIMITIVES, Primitive, clamp_bounds, gelu_row
from autograd_lite.tracing import LEAVES as _LEAVES
from autograd_lite.tracing import TRACE as _TRACE
from autograd_lite.tracing import TraceError, is_tracing
from autograd_lite.tracing import compared as _compared
from autograd_lite.tracing import read as _read

__all__ = [
    "TraceError",
    "Value",
    "add_to_grad",
    "backward",
    "backward_replay",
    "enable_grad",
    "grad",
    "grad_passes",
    "is_grad_enabled",
    "is_tracing",
    "no_grad",
    "set_display",
    "topological_order",
    "trainable",
    "walk_back",
]

_F = TypeVar("_F", bound=Callable[..., Any])

_ADD = PRIMITIVES["add"]
_SUB = PRIMITIVES["sub"]
_MUL = PRIMITIVES["mul"]
_DIV = PRIMITIVES["div"]
_POW = PRIMITIVES["pow"]
_NEG = PRIMITIVES["neg"]
_TANH = PRIMITIVES["tanh"]
_RELU = PRIMITIVES["relu"]
_DOT = PRIMITIVES["dot"]

#: How many threads have grad mode off (kept by ``grad_mode``): making a node reads its
#: thread's mode only while this is not 0.
_THREADS_OFF = 0


def _threads_off(count: int) -> None:
    global _THREADS_OFF
    _THREADS_OFF = count


watch_threads_off(_threads_off)


# -- Value ---------------------------------------------------------------------


def _fmt(x: Any) -> str:
    if isinstance(x, Value):
        return repr(x)
    if x == 0.0 or 1e-4 <= abs(x) < 1e6:
        return repr(round(x, 4))
    return f"{x:.4g}"


def _check_number(data: object, what: str) -> float:
    """``data`` as a finite float, or a ``TypeError`` / ``ValueError`` that says why not."""
    if isinstance(data, (float, int)) or (
        isinstance(data, numbers.Real) and not isinstance(data, Value)
    ):
        try:
            x = float(data)
        except OverflowError:  # an int such as 10**400 (and its repr may be huge)
            size = f"{data.bit_length():,} bits" if isinstance(data, int) else "too large"
            raise ValueError(
                f"{what} must fit in a float (at most ±{sys.float_info.max:.4g}), "
                f"got {type(data).__name__} ({size})"
            ) from None
        if not math.isfinite(x):
            raise ValueError(f"{what} must be finite, got {x!r}")
        return x
    raise TypeError(
        f"{what} must be a real number (int or float), got {type(data).__name__}: "
        + reprlib.repr(data)
    )


# -- making a node: one idea, written out ------------------------------------------
# Every node the engine makes is the same slot writes: data, grad = 0.0,
# requires_grad (_rg), the primitive (_row), and its parents: _a and _b for one or two inputs,
# or _inputs for n-ary rows (see Value.__slots__; _label only when named).
# _leaf and _nary_node write them, and the functions that _unary and _binary
# make write them inline, because making nodes is the engine's hot path: one
# more Python call per node shows in benchmarks/bench_engine.py. For the same
# reason Value's arithmetic methods *are* those functions (``Value.__mul__`` is
# ``_binary(mul)``), rather than methods that call them. A new kind of node
# writes all the slots too.

_new = object.__new__


def _leaf(data: float, requires_grad: bool) -> Value:
    """A leaf without the checks of ``Value.__init__`` (data is a finite float)."""
    v: Value = _new(Value)
    v._data = data
    v._grad = 0.0
    v._rg = requires_grad
    v._row = None
    v._a = None
    v._b = None
    v._inputs = ()
    return v


def _nary_node(data: float, op: Primitive, inputs: tuple[Value, ...]) -> Value:
    v: Value = _new(Value)
    v._data = data
    v._grad = 0.0
    v._rg = True
    v._row = op
    v._a = None
    v._b = None
    v._inputs = inputs
    return v


def _failure(op: Primitive, inputs: Sequence[Value], error: Exception | None) -> Exception:
    """The error to raise when ``op`` fails on ``inputs``: it names both."""
    args = ", ".join(_fmt(p.data) for p in inputs)
    if error is None or isinstance(error, OverflowError):
        return OverflowError(f"{op.name}({args}) overflows the float range")
    return type(error)(f"{op.name}({args}): {error}")


def _named(method: _F, name: str, doc: str | None) -> _F:
    """``method`` as ``Value.<name>`` for ``help()`` and tracebacks, with its docstring."""
    method.__name__, method.__qualname__, method.__doc__ = name, f"Value.{name}", doc
    return method


def _unary(op: Primitive, name: str, doc: str | None = None) -> Callable[[Value], Value]:
    """The method that applies ``op`` to a Value: ``Value.tanh`` is ``_unary(tanh, "tanh")``."""

    forward = op.forward  # read once: an attribute of op costs a lookup on every call

    def apply1(self: Value) -> Value:
        try:
            data = forward(self._data)
        except (ArithmeticError, ValueError) as error:
            raise _failure(op, (self,), error) from None
        if data - data != 0.0:  # inf or nan
            raise _failure(op, (self,), None)
        if not (self._rg and (_THREADS_OFF == 0 or _MODE.enabled)):
            if _TRACE.tracer is not None and self._rg:
                _TRACE.tracer.folded(op, (self,))
            return _leaf(data, False)
        out: Value = _new(Value)
        out._data = data
        out._grad = 0.0
        out._rg = True
        out._row = op
        out._a = self
        out._b = None
        return out

    return _named(apply1, name, doc)


def _binary(
    op: Primitive, name: str, *, swap: bool = False
) -> Callable[[Value, Value | float], Value]:
    """The method that applies ``op`` to two operands: ``Value.__mul__`` is
    ``_binary(mul, "__mul__")``.

    Operands are Values or numbers (a number becomes a constant). With
    ``swap=True`` it is a reflected method: ``x.__rsub__(2)`` is ``2 - x``.
    """

    forward = op.forward  # read once: an attribute of op costs a lookup on every call

    def apply2(self: object, other: object) -> Value:  # self: the left operand
        x = self if type(self) is Value else _operand(self)
        y = other if type(other) is Value else _operand(other)
        if x is None or y is None:
            # so that Python tries the other operand, then raises its usual TypeError
            return NotImplemented  # type: ignore[no-any-return]
        try:
            data = forward(x._data, y._data)
        except (ArithmeticError, ValueError) as error:
            raise _failure(op, (x, y), error) from None
        if data - data != 0.0:  # inf or nan
            raise _failure(op, (x, y), None)
        if not ((x._rg or y._rg) and (_THREADS_OFF == 0 or _MODE.enabled)):
            if _TRACE.tracer is not None and (x._rg or y._rg):
                _TRACE.tracer.folded(op, (x, y))
            return _leaf(data, False)
        if op is _POW and y._rg and (x.data < 0.0 or (x.data == 0.0 and y.data <= 0.0)):
            raise ValueError(
                f"pow({_fmt(x.data)}, {_fmt(y.data)}): a differentiable exponent needs a "
                "positive base, or base 0 with a positive exponent (d/db a**b = a**b * ln a); "
                "use a plain number or .detach() as the exponent"
            )
        out: Value = _new(Value)
        out._data = data
        out._grad = 0.0
        out._rg = True
        out._row = op
        out._a = x
        out._b = y
        return out

    if not swap:
        return _named(apply2, name, None)

    def swapped(self: object, other: object) -> Value:
        return apply2(other, self)

    return _named(swapped, name, None)


class Value:
    """A scalar in a computation graph: its ``data``, and its ``grad`` after ``backward()``.

    ``Value(data, *, label="", requires_grad=True)``. Plain numbers mixed into
    arithmetic become constants (``requires_grad=False``): they take no
    gradient.

    ``grad`` holds d(root)/d(this node) summed over every ``backward()`` call,
    as in PyTorch: set ``grad = 0.0`` (or call an optimiser's ``zero_grad()``)
    between steps. Unlike PyTorch, intermediate nodes keep their gradient too,
    so that a diagram can show it.

    >>> a = Value(2.0, label="a")
    >>> b = Value(-3.0, label="b")
    >>> c = a * b + a           # c = ab + a
    >>> c.backward()
    >>> a.grad, b.grad          # dc/da = b + 1, dc/db = a
    (-2.0, 2.0)
    """

    # No __dict__, and parents in slots rather than a tuple: one small object
    # per node, which keeps memory and the garbage collector's work down.
    # Unary and binary nodes use _a and _b (None when absent); n-ary nodes
    # (sum, dot) keep _a None and their inputs in _inputs, which unary and
    # binary nodes never set. _label is set only when someone names the node.
    # _data and _grad hold data and grad: the engine reads and writes them
    # directly, and the properties check what the user assigns.
    # _passes, set only by a backward pass, counts the passes summed in grad (see grad_passes).
    __slots__ = ("_a", "_b", "_data", "_grad", "_inputs", "_label", "_passes", "_rg", "_row")

    _data: float
    _grad: float
    _label: str
    _rg: bool
    _row: Primitive | None
    _a: Value | None
    _b: Value | None
    _inputs: tuple[Value, ...]
    _passes: int

    def __init__(self, data: float, *, label: str = "", requires_grad: bool = True) -> None:
        self._data = _check_number(data, "Value(data)")
        self._grad = 0.0
        self.label = label
        if not isinstance(requires_grad, bool):
            raise TypeError(f"requires_grad must be a bool, got {type(requires_grad).__name__}")
        self._rg = requires_grad
        if requires_grad:
            _LEAVES.epoch += 1
        self._row = None
        self._a = None
        self._b = None
        self._inputs = ()

    @property
    def data(self) -> float:
        """The number this node holds. Assigning it checks it: a finite int or float."""
        return self._data

    @data.setter
    def data(self, data: float) -> None:
        self._data = _check_number(data, "Value.data")

    @property
    def grad(self) -> float:
        """d(root)/d(this node), summed over ``backward()`` calls (a Value with create_graph).

        Assigning it checks it: a number (kept as a float, NaN and inf too, as
        clipping may leave them) or a Value; anything else is a ``TypeError``.
        """
        return self._grad

    @grad.setter
    def grad(self, grad: float) -> None:
        self._grad = grad if type(grad) is float else _checked_grad(grad)

    @property
    def label(self) -> str:
        """A name for diagrams and ``repr`` (empty by default)."""
        try:
            return self._label
        except AttributeError:  # a node nobody has named
            return ""

    @label.setter
    def label(self, name: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"label must be a str, got {type(name).__name__}")
        self._label = name

    # -- graph structure (read-only views) ---------------------------------

    @property
    def op(self) -> Primitive | None:
        """The primitive that made this node, or ``None`` for a leaf."""
        return self._row

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of ``op``, in order (empty for a leaf)."""
        a = self._a
        if a is None:
            return self._inputs
        b = self._b
        return (a,) if b is None else (a, b)

    @property
    def is_leaf(self) -> bool:
        """True for Values made by the user (inputs, parameters, constants)."""
        return self._row is None

    # -- micrograd's names, so that code written along its lecture runs unchanged ----

    @property
    def _prev(self) -> set[Value]:
        """micrograd's name for the inputs, as a set (read-only; ``parents`` keeps their order).

        As in micrograd, a constant exponent is not an input: ``x ** 2`` has
        ``_prev == {x}`` and writes the 2 in ``_op``.
        """
        row = self._row
        if row is _POW and self._b is not None and not self._b._rg and self._b._row is None:
            return {self._a} if self._a is not None else set()
        return set(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's name for the operation: its symbol as a string, ``''`` for a leaf.

        The one mapping from our rows to micrograd's strings: ``add`` is
        ``'+'``, ``mul`` ``'*'``, ``relu`` ``'ReLU'``, ``x ** 2`` (a constant
        exponent) ``'**2'`` (``'**0.5'`` for 0.5), ``tanh`` ``'tanh'`` and
        ``exp`` ``'exp'`` as in the lecture. micrograd builds ``-``, ``/`` and
        unary minus from ``+``, ``*`` and ``**-1``; here they are rows of their
        own and read ``'-'``, ``'/'`` and ``'neg'``, as every other row reads
        its diagram symbol (``Primitive.symbol``: ``'**'`` for a Value exponent).
        """
        row = self._row
        if row is None:
            return ""
        if row is _POW and self._b is not None and not self._b._rg and self._b._row is None:
            k = self._b._data
            return f"**{int(k)}" if k.is_integer() and abs(k) < 2.0**53 else f"**{k!r}"
        return "ReLU" if row is _RELU else row.symbol

    @property
    def requires_grad(self) -> bool:
        """Whether gradients flow to this node. Only a leaf's flag can be changed."""
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if not isinstance(flag, bool):
            raise TypeError(f"requires_grad must be a bool, got {type(flag).__name__}")
        if self._row is not None:
            raise ValueError(
                "requires_grad can only be changed on a leaf; use .detach() to cut the graph"
            )
        self._rg = flag
        _LEAVES.epoch += 1

    def detach(self) -> Value:
        """A new constant leaf with the same ``data``: the graph stops here."""
        _read(self, "detach()")
        return Value(self.data, label=self.label, requires_grad=False)

    def item(self) -> float:
        """``data`` as a float (PyTorch's name)."""
        _read(self, "item()")
        return self.data

    def __float__(self) -> float:
        _read(self, "float()")
        return self.data

    def __repr__(self) -> str:
        _read(self, "repr() or str()")
        label = f", label={self.label!r}" if self.label else ""
        return f"{type(self).__name__}(data={_fmt(self.data)}, grad={_fmt(self.grad)}{label})"

    def __format__(self, spec: str) -> str:
        """``f"{v:.2f}"`` formats ``data`` as a float would; ``f"{v}"`` is the repr."""
        _read(self, "format() or an f-string")
        return format(self.data, spec) if spec else repr(self)

    def __bool__(self) -> bool:
        # PyTorch reads a one-element tensor's truth from its data. Here == and hash go by
        # identity (so that Values can be dictionary keys), so "v == 0" is always False and a
        # data-based truth would give zero two meanings: refuse, and say what to write.
        raise TypeError(
            "the truth of a Value is ambiguous: test its number (v.data != 0, v.item() > 0) "
            "or whether it exists (v is not None)"
        )

    # -- copies and pickling --------------------------------------------------------

    def __copy__(self) -> Value:
        """A new node with the same data, grad, label and inputs (the graph is shared)."""
        _read(self, "copy.copy")
        _LEAVES.epoch += 1
        twin: Value = _new(type(self))  # a subclass (nn.Parameter) stays one
        for name in Value.__slots__:
            with contextlib.suppress(AttributeError):  # slots a node never set
                setattr(twin, name, getattr(self, name))
        return twin

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """A copy of the whole graph behind this Value, made without recursion (any depth).

        Nodes already in ``memo`` are reused, so Values copied together keep
        sharing their common nodes; primitives are shared, not copied.
        """
        _read(self, "copy.deepcopy")
        _LEAVES.epoch += 1
        order = topological_order(self)
        memo.setdefault(id(memo), []).append(order)  # keeps the ids in memo valid
        made: list[tuple[Value, Value]] = []
        for node in order:
            if id(node) in memo:
                continue
            twin: Value = _new(type(node))
            twin._data, twin._grad = node._data, node._grad
            twin._rg, twin._row = node._rg, node._row
            a = node._a
            if a is None:
                twin._a = twin._b = None
                twin._inputs = tuple([memo[id(p)] for p in node._inputs])
            else:
                b = node._b
                twin._a, twin._b = memo[id(a)], None if b is None else memo[id(b)]
            label = getattr(node, "_label", None)  # most nodes have none
            if label is not None:
                twin._label = label
            memo[id(node)] = twin
            made.append((node, twin))
        for node, twin in made:  # a create_graph gradient is a graph of its own
            if type(node.grad) is not float:
                twin.grad = copy.deepcopy(node.grad, memo)
        copied: Value = memo[id(self)]
        return copied

    def __reduce_ex__(self, protocol: SupportsIndex) -> str | tuple[Any, ...]:
        if self._row is not None:
            raise TypeError(
                f"cannot pickle a Value made by {self._row.name}: its graph holds the engine's "
                "functions. Pickle v.item() or v.detach(), or save a model with "
                "autograd_lite.checkpoint"
            )
        return object.__reduce_ex__(self, protocol)

    def __setstate__(self, state: object) -> None:
        """Restore a pickled leaf, refusing what no leaf holds (``TypeError``/``ValueError``).

        It checks that ``data`` is a finite number, ``grad`` a number (or a
        Value), the flag a bool, the label a str, and that there is no graph
        (only leaves pickle). It cannot make loading an untrusted pickle safe: ``pickle``
        can run any code while it reads, before this is called. Load pickles
        you made yourself; share models with ``autograd_lite.checkpoint``.
        """
        extra, slots = state if isinstance(state, tuple) and len(state) == 2 else (state, None)
        if not isinstance(slots, dict):
            raise TypeError(f"cannot unpickle a {type(self).__name__}: no data in its state")
        fields = {_OLD_SLOT_NAMES.get(k, k): v for k, v in slots.items()}
        unknown = sorted(map(str, set(fields) - set(Value.__slots__)))
        if unknown:
            raise ValueError(f"cannot unpickle a Value: unknown fields {reprlib.repr(unknown)}")
        if "_data" not in fields:
            raise TypeError(f"cannot unpickle a {type(self).__name__}: no data in its state")
        for name in ("_row", "_a", "_b"):
            if fields.get(name) is not None:
                raise ValueError(f"cannot unpickle a Value with a graph ({name} is set)")
        if fields.get("_inputs", ()) != ():
            raise ValueError("cannot unpickle a Value with a graph (_inputs is set)")
        self._data = _check_number(fields["_data"], "an unpickled Value's data")
        self._grad = _checked_grad(fields.get("_grad", 0.0))  # a number, or a pickled leaf
        requires_grad = fields.get("_rg", True)
        _check_flag(requires_grad, "an unpickled Value's requires_grad")
        self._rg = requires_grad
        _LEAVES.epoch += 1  # a new leaf, as Value() makes (see compile's checks)
        self._row = self._a = self._b = None
        self._inputs = ()
        if "_label" in fields:
            self.label = fields["_label"]  # a TypeError if it is not a str
        if extra is not None:
            if not isinstance(extra, dict) or not hasattr(self, "__dict__"):
                raise TypeError(f"cannot unpickle a {type(self).__name__}: unexpected state")
            self.__dict__.update(extra)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """What Jupyter shows: the repr, or what ``visualize`` registered (``set_display``)."""
        show = _DISPLAY[0]
        return {"text/plain": repr(self)} if show is None else show(self)

    # -- primitives (see "making a node" above) ------------------------------------

    __add__ = _binary(_ADD, "__add__")
    __radd__ = _binary(_ADD, "__radd__", swap=True)
    __mul__ = _binary(_MUL, "__mul__")
    __rmul__ = _binary(_MUL, "__rmul__", swap=True)
    __pow__ = _binary(_POW, "__pow__")
    __rpow__ = _binary(_POW, "__rpow__", swap=True)
    __sub__ = _binary(_SUB, "__sub__")
    __rsub__ = _binary(_SUB, "__rsub__", swap=True)
    __truediv__ = _binary(_DIV, "__truediv__")
    __rtruediv__ = _binary(_DIV, "__rtruediv__", swap=True)
    __neg__ = _unary(_NEG, "__neg__")
    __abs__ = _unary(PRIMITIVES["abs"], "__abs__")
    exp = _unary(PRIMITIVES["exp"], "exp", "e ** self.")
    log = _unary(PRIMITIVES["log"], "log", "Natural logarithm; needs ``data > 0``.")
    sqrt = _unary(
        PRIMITIVES["sqrt"],
        "sqrt",
        "Square root; needs ``data >= 0`` (the derivative at 0 is infinite).",
    )
    sin = _unary(PRIMITIVES["sin"], "sin")
    cos = _unary(PRIMITIVES["cos"], "cos")
    tanh = _unary(_TANH, "tanh")
    sigmoid = _unary(
        PRIMITIVES["sigmoid"], "sigmoid", "1 / (1 + e ** -self), finite for any input."
    )
    relu = _unary(_RELU, "relu", "max(self, 0); its derivative at 0 is taken as 0, as in PyTorch.")
    softplus = _unary(
        PRIMITIVES["softplus"],
        "softplus",
        "log(1 + e ** self), a smooth ReLU; finite for any input.",
    )

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        """self if self > 0 else negative_slope * self."""
        return apply(PRIMITIVES["leaky_relu"], self, negative_slope)  # a TypeError for a str

    # -- the elementwise vocabulary (PyTorch's names; see ops.py for each rule) --
    neg = _unary(_NEG, "neg", "-self, as a method (PyTorch's ``neg``).")
    abs = _unary(
        PRIMITIVES["abs"],
        "abs",
        "|self|, as a method; its derivative at 0 is taken as 0, as in PyTorch.",
    )
    tan = _unary(PRIMITIVES["tan"], "tan")
    asin = _unary(PRIMITIVES["asin"], "asin", "Inverse sine; needs ``-1 <= data <= 1``.")
    acos = _unary(PRIMITIVES["acos"], "acos", "Inverse cosine; needs ``-1 <= data <= 1``.")
    atan = _unary(PRIMITIVES["atan"], "atan")
    sinh = _unary(PRIMITIVES["sinh"], "sinh")
    cosh = _unary(PRIMITIVES["cosh"], "cosh")
    asinh = _unary(PRIMITIVES["asinh"], "asinh")
    acosh = _unary(PRIMITIVES["acosh"], "acosh", "Inverse hyperbolic cosine; needs ``data >= 1``.")
    atanh = _unary(
        PRIMITIVES["atanh"], "atanh", "Inverse hyperbolic tangent; needs ``-1 < data < 1``."
    )
    sinc = _unary(PRIMITIVES["sinc"], "sinc", "sin(pi self) / (pi self), 1 at 0.")
    exp2 = _unary(PRIMITIVES["exp2"], "exp2", "2 ** self.")
    expm1 = _unary(PRIMITIVES["expm1"], "expm1", "e ** self - 1, exact near 0.")
    log2 = _unary(PRIMITIVES["log2"], "log2", "Base-2 logarithm; needs ``data > 0``.")
    log10 = _unary(PRIMITIVES["log10"], "log10", "Base-10 logarithm; needs ``data > 0``.")
    log1p = _unary(
        PRIMITIVES["log1p"], "log1p", "log(1 + self), exact near 0; needs ``data > -1``."
    )
    square = _unary(PRIMITIVES["square"], "square", "self * self as one node.")
    reciprocal = _unary(PRIMITIVES["reciprocal"], "reciprocal", "1 / self; needs ``data != 0``.")
    rsqrt = _unary(PRIMITIVES["rsqrt"], "rsqrt", "1 / sqrt(self); needs ``data > 0``.")
    sign = _unary(PRIMITIVES["sign"], "sign", "-1, 0 or 1; its derivative is 0.")
    floor = _unary(PRIMITIVES["floor"], "floor", "Its derivative is 0.")
    ceil = _unary(PRIMITIVES["ceil"], "ceil", "Its derivative is 0.")
    round = _unary(PRIMITIVES["round"], "round", "Halves to even, as PyTorch; its derivative is 0.")
    trunc = _unary(PRIMITIVES["trunc"], "trunc", "Its derivative is 0.")
    selu = _unary(PRIMITIVES["selu"], "selu", "scale * elu(self, alpha) with PyTorch's constants.")
    silu = _unary(PRIMITIVES["silu"], "silu", "self * sigmoid(self), also called swish.")
    mish = _unary(PRIMITIVES["mish"], "mish", "self * tanh(softplus(self)).")
    softsign = _unary(PRIMITIVES["softsign"], "softsign", "self / (1 + |self|).")
    logsigmoid = _unary(
        PRIMITIVES["logsigmoid"], "logsigmoid", "log(sigmoid(self)), finite for any input."
    )
    hardtanh = _unary(
        PRIMITIVES["hardtanh"],
        "hardtanh",
        "self clamped to [-1, 1]; its derivative at -1 and 1 is 0, as in PyTorch.",
    )
    relu6 = _unary(
        PRIMITIVES["relu6"],
        "relu6",
        "self clamped to [0, 6]; its derivative at 0 and 6 is 0, as in PyTorch.",
    )
    hardsigmoid = _unary(PRIMITIVES["hardsigmoid"], "hardsigmoid", "relu6(self + 3) / 6.")
    hardswish = _unary(PRIMITIVES["hardswish"], "hardswish", "self * relu6(self + 3) / 6.")
    erf = _unary(PRIMITIVES["erf"], "erf", "The error function.")
    erfc = _unary(PRIMITIVES["erfc"], "erfc", "1 - erf(self), exact in the tail.")
    __mod__ = _binary(PRIMITIVES["remainder"], "__mod__")
    __rmod__ = _binary(PRIMITIVES["remainder"], "__rmod__", swap=True)
    atan2 = _binary(PRIMITIVES["atan2"], "atan2")
    hypot = _binary(PRIMITIVES["hypot"], "hypot")
    logaddexp = _binary(PRIMITIVES["logaddexp"], "logaddexp")
    logaddexp2 = _binary(PRIMITIVES["logaddexp2"], "logaddexp2")
    xlogy = _binary(PRIMITIVES["xlogy"], "xlogy")
    fmod = _binary(PRIMITIVES["fmod"], "fmod")
    remainder = _binary(PRIMITIVES["remainder"], "remainder")
    minimum = _binary(PRIMITIVES["minimum"], "minimum")
    maximum = _binary(PRIMITIVES["maximum"], "maximum")
    copysign = _binary(PRIMITIVES["copysign"], "copysign")

    def clamp(self, min: Value | float | None = None, max: Value | float | None = None) -> Value:
        """self clamped to [min, max] (either may be None); at a bound the gradient goes to
        self, as in PyTorch."""
        return apply(PRIMITIVES["clamp"], self, *clamp_bounds(min, max))

    clip = clamp

    def elu(self, alpha: Value | float = 1.0) -> Value:
        """self if self > 0 else alpha * (e ** self - 1)."""
        return apply(PRIMITIVES["elu"], self, alpha)

    def celu(self, alpha: Value | float = 1.0) -> Value:
        """self if self > 0 else alpha * (e ** (self / alpha) - 1); alpha != 0."""
        return apply(PRIMITIVES["celu"], self, alpha)

    def gelu(self, approximate: str = "none") -> Value:
        """self * Phi(self) (exact, with erf), or its tanh approximation (``"tanh"``)."""
        return apply(gelu_row(approximate), self)

    # -- comparisons look at data; == and hash stay identity-based -------------

    def __lt__(self, other: Value | float) -> bool:
        x = _compare_data(other)
        if _TRACE.tracer is not None:
            _compared(self, other, "<")
        return x if x is NotImplemented else self.data < x

    def __le__(self, other: Value | float) -> bool:
        x = _compare_data(other)
        if _TRACE.tracer is not None:
            _compared(self, other, "<=")
        return x if x is NotImplemented else self.data <= x

    def __gt__(self, other: Value | float) -> bool:
        x = _compare_data(other)
        if _TRACE.tracer is not None:
            _compared(self, other, ">")
        return x if x is NotImplemented else self.data > x

    def __ge__(self, other: Value | float) -> bool:
        x = _compare_data(other)
        if _TRACE.tracer is not None:
            _compared(self, other, ">=")
        return x if x is NotImplemented else self.data >= x

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    # -- gradients -------------------------------------------------------------

    def backward(self, gradient: float = 1.0, *, create_graph: bool = False) -> None:
        """Add d(self)/d(node) * gradient to ``node.grad`` for every node in the graph.

        Gradients accumulate across calls, as in PyTorch: reset them
        (``x.grad = 0.0``, ``module.zero_grad()``) between steps. With
        ``create_graph=True`` the gradients are ``Value``s whose graph can be
        differentiated again; ``autograd_lite.grad`` is usually clearer for that.
        """
        backward(self, gradient, create_graph=create_graph)


def _compare_data(other: object) -> Any:
    """The number to compare with, or NotImplemented (Python then raises TypeError)."""
    if isinstance(other, Value):
        return other.data
    if isinstance(other, (int, float)):
        return other
    return NotImplemented


def _operand(x: object) -> Value | None:
    """``x`` as a Value (a number becomes a constant), or None if it is not a number."""
    if isinstance(x, Value):
        return x
    if isinstance(x, (float, int, numbers.Real)):
        return _leaf(_check_number(x, "operand"), False)
    return None


#: Slots renamed since: a pickle made before still loads.
_OLD_SLOT_NAMES = {"data": "_data", "grad": "_grad", "_op": "_row"}

_tracing.watch(Value)  # the one hook of autograd_lite.tracing: the class whose data it watches

#: How Jupyter shows a Value (``Value._repr_mimebundle_``): None shows its repr. ``visualize``
#: sets a diagram here when it is imported; the engine never imports ``visualize``.
_DISPLAY: list[Callable[[Value], dict[str, str]] | None] = [None]


def set_display(show: Callable[[Value], dict[str, str]] | None) -> None:
    """Show Values in Jupyter with ``show(value) -> {mime type: data}`` (None: as their repr)."""
    if show is not None and not callable(show):
        raise TypeError(f"set_display() takes a function or None, got {type(show).__name__}")
    _DISPLAY[0] = show


def _checked_grad(grad: object) -> Any:
    """``grad`` as a float, or a Value (what ``create_graph=True`` leaves), or a ``TypeError``."""
    if isinstance(grad, Value):
        return grad
    if isinstance(grad, numbers.Real) and not isinstance(grad, bool):
        try:
            return float(grad)
        except OverflowError:  # an int such as 10**400
            raise ValueError("Value.grad must fit in a float, got a larger int") from None
    raise TypeError(
        "Value.grad must be a real number (or a Value, with create_graph=True), got "
        f"{type(grad).__name__}: {reprlib.repr(grad)}"
    )


def _applyn(op: Primitive, inputs: tuple[Value, ...]) -> Value:
    try:
        data = op.forward(*[p._data for p in inputs])
    except (ArithmeticError, ValueError) as error:
        raise _failure(op, inputs, error) from None
    if data - data != 0.0:  # inf or nan
        raise _failure(op, inputs, None)
    if (
        (_THREADS_OFF == 0 or _MODE.enabled)
        and inputs
        and (inputs[0]._rg or any(p._rg for p in inputs))
    ):
        return _nary_node(data, op, inputs)
    if _TRACE.tracer is not None and any(p._rg for p in inputs):
        _TRACE.tracer.folded(op, inputs)
    return _leaf(data, False)


#: How many rows' functions ``_method_of`` keeps: every row of the table, with room for
#: the user's own; rows applied once and dropped are forgotten, not kept for ever.
_METHODS_KEPT = 256


@functools.lru_cache(maxsize=_METHODS_KEPT)
def _method_of(op: Primitive) -> Callable[..., Value]:
    """The function of a unary or binary row, made once per row (``apply``'s fast path)."""
    return _unary(op, op.name) if op.arity == 1 else _binary(op, op.name)


def apply(op: Primitive, *inputs: Value | float) -> Value:
    """Apply a primitive from the table to Values or numbers (any arity)."""
    if not isinstance(op, Primitive):
        raise TypeError(f"apply() takes a Primitive from PRIMITIVES, got {type(op).__name__}")
    if op.arity is not None and len(inputs) != op.arity:
        raise TypeError(f"{op.name} takes {op.arity} inputs, got {len(inputs)}")
    if op.arity == 2:
        forward: Any = _method_of(op)  # either operand may be a number
        out: Value = forward(inputs[0], inputs[1])
        if out is NotImplemented:
            raise TypeError(f"{op.name} takes numbers or Values, got {_type_names(inputs)}")
        return out
    parents: tuple[Any, ...] = inputs
    for x in inputs:
        if not isinstance(x, Value):  # numbers become constants; anything else is refused
            parents = tuple([_operand(y) for y in inputs])
            if None in parents:
                raise TypeError(f"{op.name} takes numbers or Values, got {_type_names(inputs)}")
            break
    if op.arity == 1:
        return _method_of(op)(parents[0])
    return _applyn(op, parents)


def _type_names(xs: Iterable[object]) -> str:
    return ", ".join(type(x).__name__ for x in xs)


# -- graph traversal ---------------------------------------------------------


_EMIT = object()  # on the traversal stack: "the node below is finished"


def topological_order(*roots: Value, constants: bool = True) -> list[Value]:
    """Every node that ``roots`` depend on, each after all of its inputs.

    Deterministic: parents are visited in order. With ``constants=False``,
    nodes that take no gradient are left out. Iterative (an explicit stack),
    so graphs of any depth work at the default recursion limit.
    """
    for i, r in enumerate(roots):
        if not isinstance(r, Value):
            raise TypeError(f"topological_order() takes Values, got {type(r).__name__} at {i}")
    order: list[Value] = []
    seen: set[Value] = set()
    # Plain references only (no tuple per entry): a deep graph keeps millions of
    # entries on the stack, and tuples would make the garbage collector walk them.
    stack: list[object] = list(reversed(roots))
    push = stack.append
    pop = stack.pop
    while stack:
        node: Any = pop()
        if node is _EMIT:  # the node below has all of its inputs in order already
            order.append(pop())  # type: ignore[arg-type]
            continue
        if node in seen:
            continue
        a = node._a
        # an operation's node always takes gradients: only a leaf's flag is read
        if a is None and not (constants or node._rg):
            continue
        seen.add(node)
        push(node)
        push(_EMIT)
        if a is None:
            for p in reversed(node._inputs):
                if p not in seen:
                    push(p)
        else:
            b = node._b
            if b is not None and b not in seen:
                push(b)
            if a not in seen:
                push(a)
    return order


# -- the reverse walk: one loop over the graph, output first -----------------------------------

_N = TypeVar("_N")
_G = TypeVar("_G")

#: What a rule gives for one node: (input position, input, its contribution) per input.
Edges = Sequence[tuple[int, Any, Any]]


class _Failed(Exception):
    """(node, error): a derivative rule failed at node."""


def _sum_into(grads: dict[Any, Any], p: Any, c: Any) -> None:
    grads[p] = grads[p] + c if p in grads else c


def walk_back(
    order: Sequence[_N],
    grads: dict[_N, _G],
    rule: Callable[[_N, _G], Edges],
    send: Callable[[dict[_N, _G], Any, Any], None] = _sum_into,
) -> Iterator[tuple[_N, _G, Edges]]:
    """The backward pass's walk, which the engine, the diagrams and the compiler share.

    ``order`` lists the nodes inputs first (``topological_order``); ``grads``
    holds the seeds (the output's gradient). From the output back, a node
    that has a gradient has it complete (every node that reads it came
    first): its ``rule(node, g)`` gives each input's contribution, ``send``
    hands each to its input (by default adding it into ``grads``), and the
    walk yields ``(node, g, edges)``. Nodes without a gradient are skipped.
    A rule (or a sum) that fails raises ``_Failed(node, error)``.

    >>> def rule(v, g):  # each input's contribution, from the row's rule on floats
    ...     if v.op is None:
    ...         return []
    ...     gs = v.op.vjp(g, v.data, *[p.data for p in v.parents])
    ...     return [(k, p, c) for k, (p, c) in enumerate(zip(v.parents, gs))]
    >>> x = Value(3.0)
    >>> y = x * x
    >>> walk = walk_back(topological_order(y), {y: 1.0}, rule)
    >>> [(g, [c for _, _, c in edges]) for _, g, edges in walk]
    [(1.0, [3.0, 3.0]), (6.0, [])]
    """
    node = None
    try:
        for node in reversed(order):
            if node in grads:
                g = grads.pop(node)
                edges = rule(node, g)
                for _, p, c in edges:
                    send(grads, p, c)
                yield node, g, edges
    except (ArithmeticError, ValueError) as error:
        raise _Failed(node, error) from None


# -- the backward pass -----------------------------------------------------------
#
# Gradients are summed in a dictionary that belongs to one call, so that a
# second backward() never sees the first one's intermediate sums, and they
# reach .grad only once the whole pass has succeeded: a pass that fails half
# way changes nothing. There are two loops: one on plain floats, where rules
# get the nodes' data (the fast, everyday path), and one on Values, where
# rules get the nodes themselves so that the backward pass is recorded as a
# graph (create_graph=True).


class _NotFinite(OverflowError):
    """A gradient overflowed on its way back; the message already says where."""


def _describe(node: Value) -> str:
    op = node._row.name if node._row is not None else "leaf"
    args = ", ".join(_fmt(p.data) for p in node.parents)
    name = f" {node.label!r}" if node.label else ""
    return f"{op}({args}) = {_fmt(node.data)}{name}"


def _backward_failure(node: Value, error: Exception) -> Exception:
    if isinstance(error, _NotFinite):
        return error
    if isinstance(error, ValueError) and "values to unpack" in str(error) and node._row:
        return ValueError(  # a user's rule that returns too many or too few gradients
            f"backward through {_describe(node)}: the derivative rule of {node._row.name!r} "
            f"must return one gradient per input ({error})"
        )
    return type(error)(
        f"backward through {_describe(node)}: {error} (the derivative is not finite here)"
    )


def _backprop_floats(
    order: list[Value], grads: dict[Value, float], strict: bool = True, wanted: Any = None
) -> list[float]:
    """Each node's gradient, in the order of ``reversed(order)``.

    With ``strict=False`` (for diagrams) a rule that fails sends NaN to the
    node's inputs and the pass goes on, instead of raising. Only the gradients
    of ``wanted`` (all, if None) must be finite: an infinite slope at a leaf
    nobody asked for (the base of ``0.0 ** y``) is no error.
    """
    get = grads.get
    found: list[float] = []
    keep = found.append
    nodes = reversed(order)
    while True:
        try:
            _float_steps(nodes, grads, keep)
            break
        except _Failed as failed:
            node, error = failed.args
            if strict:
                raise _backward_failure(node, error) from None
            for p in node.parents:
                if p._rg:
                    grads[p] = get(p, 0.0) + math.nan
    if strict:
        _check_finite(order, found, wanted)
    return found


def _float_steps(nodes: Iterator[Value], grads: dict[Value, float], keep: Any) -> None:
    """The float backward loop over ``nodes`` (output first), until done or a rule fails.

    The one backward pass that does not go through ``walk_back``: it is the everyday path,
    and the walk (a generator, a rule call and a tuple per node) takes about twice its time
    for the same gradients, bit for bit (``benchmarks/bench_walk.py``). Its order of
    summing is the walk's order with a binary node's second input sent first; the diagrams
    send in that order too.
    """
    get = grads.get
    pop = grads.pop
    mul, add, tanh, relu = _MUL, _ADD, _TANH, _RELU  # local names: the loop runs per node
    node = None
    try:
        for node in nodes:
            g = pop(node)  # every consumer has added its share by now
            keep(g)
            op = node._row
            if op is None:
                continue
            a = node._a
            if a is None:  # n-ary
                inputs = node._inputs
                gs = op.vjp(g, node._data, *[p._data for p in inputs])
                for p, gp in zip(inputs, gs, strict=True):
                    if p._rg:
                        grads[p] = get(p, 0.0) + gp
                continue
            # The rules of the commonest rows, written out: the same formulas as their
            # rows in ops.py (the tests compare the two), without a call and a tuple each.
            if op is tanh:
                out = node._data
                ga = g * (1 - out * out)
            elif op is relu:
                ga = g if a._data > 0 else 0.0
            else:
                b = node._b
                if b is None:
                    (ga,) = op.vjp(g, node._data, a._data)
                else:
                    if op is mul:
                        ga = g * b._data
                        gb = g * a._data
                    elif op is add:
                        ga = gb = g
                    else:
                        ga, gb = op.vjp(g, node._data, a._data, b._data)
                    if b._rg:
                        grads[b] = get(b, 0.0) + gb
            if a._rg:
                grads[a] = get(a, 0.0) + ga
    except (ArithmeticError, ValueError) as error:
        raise _Failed(node, error) from None


def _check_finite(order: list[Value], found: list[float], wanted: Any = None) -> None:
    total = sum(found)  # inf or NaN if any gradient is: then find the first, output first
    if total - total != 0.0:
        for node, g in zip(reversed(order), found, strict=True):
            if g - g != 0.0 and (wanted is None or node in wanted):
                raise _NotFinite(
                    f"backward: the gradient reaching {_describe(node)} is {g}: a derivative "
                    "on its way from the output is infinite there, or overflowed the float range"
                )


def _backprop_values(order: list[Value], grads: dict[Value, Any]) -> list[Value]:
    """Each node's gradient as a Value, in the order of ``reversed(order)``: the walk with each
    row's rule applied to Values, so that the backward pass is itself a graph."""
    grads = {node: _as_value(g) for node, g in grads.items()}
    try:
        return [g for _, g, _ in walk_back(order, grads, _value_edges, _sum_values)]
    except _Failed as failed:
        raise _backward_failure(*failed.args) from None


def _as_value(g: Any) -> Value:
    return g if type(g) is Value else _leaf(float(g), False)


def _value_edges(node: Value, g: Value) -> Edges:
    """The node's rule on Values: one contribution per input that takes a gradient."""
    op = node._row
    if op is None:
        return ()
    inputs = node.parents
    gs = op.vjp(g, node, *inputs)
    return [(k, p, gp) for k, (p, gp) in enumerate(zip(inputs, gs, strict=True)) if p._rg]


def _sum_values(grads: dict[Value, Value], p: Value, c: Any) -> None:
    c = _as_value(c)
    grads[p] = grads[p] + c if p in grads else c


def backward_replay(
    order: Sequence[Value], seed: float = 1.0, *, strict: bool = True
) -> list[float]:
    """d(root)/d(node) for each node of ``order``, by the engine's own backward loop.

    ``order`` is a topological order of nodes that take gradients, the root
    last (``topological_order(root, constants=False)``). Nothing is written to
    ``.grad``. With ``strict=False`` a derivative that is not defined gives
    NaN instead of an error (what a diagram shows).

    >>> x = Value(3.0)
    >>> backward_replay(topological_order(x * x, constants=False))   # d/dx, d/d(x*x)
    [6.0, 1.0]
    """
    nodes = list(order)
    if not nodes:
        return []
    return _backprop_floats(nodes, {nodes[-1]: seed}, strict)[::-1]


#: Held while a backward pass adds its gradients to ``.grad``: a read-add-write that
#: another thread's pass on a graph sharing a leaf could otherwise interleave and lose.
_ACCUMULATE = threading.Lock()


def _backprop(
    roots: Sequence[Value],
    seeds: Sequence[Any],
    create_graph: bool,
    wanted: set[Value] | None,
) -> dict[Value, Any]:
    """Send gradients from ``roots`` to every node; the engine alone sums them.

    With ``wanted=None`` each node's gradient is added to its ``.grad``;
    otherwise ``.grad`` is left alone and the gradients of the ``wanted``
    nodes are returned.
    """
    order = topological_order(*roots, constants=False)
    if not order:
        return {}
    grads: dict[Value, Any] = {}
    for root, seed in zip(roots, seeds, strict=True):
        grads[root] = grads[root] + seed if root in grads else seed
    with grad_mode(True) if create_graph else contextlib.nullcontext():
        if create_graph:
            found: list[Any] = _backprop_values(order, grads)
        else:
            found = _backprop_floats(order, grads, wanted=wanted)
        pairs = zip(reversed(order), found, strict=True)
        if wanted is not None:
            return {node: g for node, g in pairs if node in wanted}
        if not create_graph:
            add_to_grad(pairs)
            return {}
        with _ACCUMULATE:  # graphs in other threads may share these nodes: add atomically
            for node, g in pairs:
                old: Any = node.grad
                fresh = type(old) is float and old == 0.0
                # .grad becomes a Value, as in PyTorch with create_graph=True
                node.grad = g if fresh else old + g
                node._passes = 1 if fresh else grad_passes(node) + 1
    return {}


def add_to_grad(pairs: Iterable[tuple[Value, float]]) -> None:
    """``node.grad += g`` for each pair, atomically with every other thread's backward pass.

    The one way gradients reach ``.grad`` on floats: ``backward()`` and a
    compiled step (``autograd_lite.compile``) both use it, so that passes in
    several threads over shared parameters lose no update.
    """
    with _ACCUMULATE:
        for node, g in pairs:
            old = node._grad
            node._grad = old + g
            node._passes = 1 if old == 0.0 else grad_passes(node) + 1


def grad_passes(node: Value) -> int:
    """How many backward passes ``node.grad`` sums: 0 before any, counted from its last 0.0.

    A diagram tells "not computed yet" from a gradient of 0 with it, and says
    when a gradient is the sum of several passes (``zero_grad()`` forgotten).

    >>> x = Value(3.0)
    >>> y = x * x
    >>> grad_passes(x), [y.backward() for _ in range(2)] and grad_passes(x), x.grad
    (0, 2, 12.0)
    """
    return getattr(node, "_passes", 0)  # the slot is set by the first pass only


def trainable(values: Iterable[Value]) -> list[Value]:
    """The Values among ``values`` that take gradients (``requires_grad``), in order.

    What optimisers and clipping step over, read straight from the slot:
    one property call per parameter costs a tenth of an SGD step.

    >>> w, frozen = Value(1.0), Value(2.0, requires_grad=False)
    >>> trainable([w, frozen]) == [w]
    True
    """
    return [v for v in values if v._rg]


def _check_flag(flag: object, what: str) -> None:
    if not isinstance(flag, bool):
        raise TypeError(
            f"{what} must be True or False, got {type(flag).__name__}: {reprlib.repr(flag)}"
        )


def _as_values(xs: Value | Sequence[Value], what: str) -> list[Value]:
    if isinstance(xs, Value):
        return [xs]
    try:
        items = list(xs)
    except TypeError:
        raise TypeError(
            f"{what} must be a Value or a sequence of Values, got {type(xs).__name__}"
        ) from None
    for i, x in enumerate(items):
        if not isinstance(x, Value):
            raise TypeError(f"{what}[{i}] must be a Value, got {type(x).__name__}")
    return items


def backward(root: Value, gradient: float = 1.0, *, create_graph: bool = False) -> None:
    """The function behind ``Value.backward``."""
    if not isinstance(root, Value):
        raise TypeError(f"backward() needs a Value, got {type(root).__name__}")
    _check_flag(create_graph, "create_graph")
    if not root._rg:
        raise ValueError(
            "backward() on a Value that takes no gradient (a constant, a detached "
            "Value, or one computed under no_grad())"
        )
    seed: Any = _check_number(
        gradient.data if isinstance(gradient, Value) else gradient, "gradient"
    )
    if create_graph and isinstance(gradient, Value):
        seed = gradient
    _backprop([root], [seed], create_graph, None)


def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    *,
    create_graph: bool = False,
) -> tuple[Any, ...]:
    """The gradients of ``outputs`` (summed) with respect to each of ``inputs``.

    Like ``torch.autograd.grad``: returns a tuple with one gradient per input
    and leaves every ``.grad`` alone. An input that the outputs do not depend
    on gets ``0.0``. With ``create_graph=True`` the gradients are ``Value``s
    that can be differentiated again (second derivatives, Hessians, Newton).

    >>> x = Value(3.0)
    >>> (dy,) = grad(x ** 3, x, create_graph=True)    # 3x^2
    >>> (d2y,) = grad(dy, x)                           # 6x
    >>> dy.data, d2y
    (27.0, 18.0)
    """
    _check_flag(create_graph, "create_graph")
    outs = _as_values(outputs, "outputs")
    ins = _as_values(inputs, "inputs")
    for i, x in enumerate(ins):
        if not x._rg:
            raise ValueError(f"inputs[{i}] takes no gradient (requires_grad is False)")
    roots = [o for o in outs if o._rg]
    found = _backprop(roots, [1.0] * len(roots), create_graph, set(ins))
    zero: Any = _operand(0.0) if create_graph else 0.0
    return tuple(found.get(x, zero) for x in ins)

"""Hypothesis strategies for property-based gradient checks of your own code.

``expressions()`` draws random expression trees over named variables, made
of the rows of ``autograd_lite.PRIMITIVES`` (a new row takes part by
itself); they shrink to small trees, so a failure reads like
``tanh(x * y + 1.5)``. ``expressions_with_inputs()`` draws a tree *and*
inputs at which every operation in it is smooth (away from kinks, poles and
domain edges), so that numerical derivatives mean something there.
``check_gradients()`` runs ``gradcheck`` and ``gradgradcheck``, skipping
points where the function is not smooth, and failing with a ``ValueError``
that says why once a test has skipped most of its points.

A property test of the engine on random graphs, in five lines::

    from hypothesis import given
    from autograd_lite.testing import check_gradients, expressions_with_inputs

    @given(expressions_with_inputs(variables=("x", "y")))
    def test_random_expressions(sample):
        check_gradients(sample.expression, sample.inputs)

And of your own function, at random points (those where it is not smooth
are skipped; a constant exponent such as ``** 2`` is smooth at any base)::

    from hypothesis import given, strategies as st
    from autograd_lite.testing import check_gradients

    @given(st.floats(-3, 3), st.floats(-3, 3))
    def test_my_function(a, b):
        check_gradients(lambda x, y: (x * y).tanh() + (x * x + 1).log(), [a, b])

To check a new primitive of your own, list it in ``ops=[my_row, "add",
"mul", ...]``: it is then drawn inside random trees like the table's rows.

A sample's expression uses every variable (``every_variable=False`` lets
some go unused) and takes its inputs by keyword or by position, so
``value_and_grad(sample.expression)(*sample.inputs.values())`` works. To
compute the same tree in PyTorch, ``in_torch(sample)`` is a function of
float64 tensors (torch is imported on first use, never by this module);
``in_library(sample, apply, wrap)`` does it for any other library.

Only ``hypothesis`` is needed (a dependency of autograd_lite).
"""

from __future__ import annotations

import functools
import importlib
import math
import os
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from hypothesis import assume, currently_in_test_context, reject
from hypothesis import strategies as st

from autograd_lite.calculus import _bounded
from autograd_lite.checks import count, flag, number, real
from autograd_lite.engine import Value, apply
from autograd_lite.expression import ATOM, Text, format_operation, number_text
from autograd_lite.gradcheck import (
    ATOL,
    EPS,
    RTOL,
    GradcheckError,
    gradcheck,
    gradgradcheck,
    nonsmooth_nodes,
)
from autograd_lite.ops import PRIMITIVES, Primitive, is_smooth

__all__ = [
    "JUDGE_AFTER",
    "LARGEST",
    "MARGIN",
    "MAX_DISCARDED",
    "Apply",
    "Constant",
    "Expression",
    "Sample",
    "Variable",
    "check_gradients",
    "expressions",
    "expressions_with_inputs",
    "in_library",
    "in_torch",
    "torch_apply",
    "torch_functions",
]

#: Largest |value| a drawn sample may have at any node: beyond it rounding
#: swamps a numerical derivative taken with steps of 1e-6.
LARGEST = 1e4
#: How far each input may move while every operation stays smooth.
MARGIN = 1e-4
#: ``check_gradients`` fails once more than this share of one test's points was skipped ...
MAX_DISCARDED = 0.5
#: ... counted after this many calls from that test (fewer say little).
JUDGE_AFTER = 50


# -- expression trees -----------------------------------------------------------------


class Expression:
    """A tree of primitives over named variables; prints as Python-like text.

    Build one by hand or draw one with ``expressions()``.

    >>> from autograd_lite import PRIMITIVES
    >>> x, y = Variable("x"), Variable("y")
    >>> e = Apply(PRIMITIVES["tanh"], (Apply(PRIMITIVES["mul"], (x, y)),))
    >>> e
    tanh(x * y)
    >>> round(e.evaluate({"x": 0.5, "y": 2.0}).data, 4)
    0.7616
    """

    __slots__ = ()

    def fold(self, env: Mapping[str, Any], apply: Callable[..., Any]) -> Any:
        """Evaluate with ``apply(primitive, *args)`` at each node; constants arrive as floats.

        ``evaluate`` is ``fold`` with the engine's ``apply``; pass another to
        compute the same tree elsewhere (the PyTorch parity tests do).
        """
        raise NotImplementedError

    def text(self) -> Text:
        """The expression as text, and how tightly it binds (for parentheses)."""
        raise NotImplementedError

    def evaluate(self, env: Mapping[str, Value | float]) -> Value:
        """Build the graph: ``env`` maps each variable to a ``Value`` or a number.

        A number becomes a fresh leaf labelled with the variable's name.
        """
        leaves = {
            name: x if isinstance(x, Value) else Value(x, label=name) for name, x in env.items()
        }
        out = self.fold(leaves, apply)
        return out if isinstance(out, Value) else Value(out, requires_grad=False)

    def __call__(self, *args: Value | float, **env: Value | float) -> Value:
        """``expression(x=..., y=...)`` is ``expression.evaluate({"x": ..., "y": ...})``.

        Positions fill ``variables`` in their (sorted) order, so that the
        calculus helpers, which call with positions, take an expression as a
        function: ``e(2.0, 3.0)`` is ``e(x=2.0, y=3.0)`` for ``variables ==
        ("x", "y")``. Positions and keywords mix as in a Python call.
        """
        names = self.variables
        if len(args) > len(names):
            raise TypeError(
                f"{self} takes {len(names)} positional inputs {names!r} (its variables, "
                f"sorted), got {len(args)}"
            )
        for name, x in zip(names, args, strict=False):
            if name in env:
                raise TypeError(f"{self} got two values for the variable {name!r}")
            env[name] = x
        return self.evaluate(env)

    @property
    def variables(self) -> tuple[str, ...]:
        """The variables the expression uses, sorted."""
        return tuple(sorted({e.name for e in self.nodes() if isinstance(e, Variable)}))

    @property
    def primitives(self) -> frozenset[str]:
        """The names of the primitives the expression uses."""
        return frozenset(e.op.name for e in self.nodes() if isinstance(e, Apply))

    def nodes(self) -> list[Expression]:
        """Every subexpression, the whole first."""
        found: list[Expression] = []
        stack: list[Expression] = [self]
        while stack:
            e = stack.pop()
            found.append(e)
            if isinstance(e, Apply):
                stack.extend(reversed(e.args))
        return found

    def __str__(self) -> str:
        return self.text()[0]

    def __repr__(self) -> str:  # Hypothesis prints falsifying examples with repr
        return str(self)


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class Variable(Expression):
    """A named input, such as ``x``."""

    name: str

    def fold(self, env: Mapping[str, Any], apply: Callable[..., Any]) -> Any:
        if self.name not in env:
            raise ValueError(f"no value given for the variable {self.name!r}")
        return env[self.name]

    def text(self) -> Text:
        return self.name, ATOM


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class Constant(Expression):
    """A fixed number; it takes no gradient."""

    value: float

    def fold(self, env: Mapping[str, Any], apply: Callable[..., Any]) -> Any:
        return self.value

    def text(self) -> Text:
        return number_text(self.value)


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class Apply(Expression):
    """A primitive applied to subexpressions (as many as its arity)."""

    op: Primitive
    args: tuple[Expression, ...]

    def fold(self, env: Mapping[str, Any], apply: Callable[..., Any]) -> Any:
        return apply(self.op, *[a.fold(env, apply) for a in self.args])

    def text(self) -> Text:
        return format_operation(self.op, [a.text() for a in self.args])


# -- strategies --------------------------------------------------------------------------

_ADD = PRIMITIVES["add"]
#: Constants in trees: whole numbers as often as fractions (``x ** 2`` is smooth for a
#: negative x, ``x ** 2.5`` is not), and two decimals, so that they read well.
_CONSTANTS = st.one_of(
    st.integers(-3, 3).map(float), st.floats(-3.0, 3.0).map(lambda c: round(c, 2) + 0.0)
)


class Sample(NamedTuple):
    """An expression and a point inside every operation's smooth region."""

    expression: Expression
    inputs: dict[str, float]


def expressions(
    variables: Sequence[str] = ("x", "y"),
    *,
    ops: Iterable[str | Primitive] | None = None,
    max_leaves: int = 8,
    every_variable: bool = False,
) -> st.SearchStrategy[Expression]:
    """Random expression trees over ``variables``, with constants in [-3, 3].

    ``ops`` names the primitives to use (default: every row of
    ``PRIMITIVES``); a ``Primitive`` of your own may be listed too. Each
    row gets as many arguments as its arity; n-ary rows (``sum``, ``dot``)
    get 2 to 5 (``dot`` reads them by its ``layout``: weights, inputs, and a
    bias when the count is odd). Trees grow
    from leaves with ``st.recursive``, so failures shrink to small trees.

    With ``every_variable=True`` each tree uses every variable: a missing
    one takes the place of a constant leaf, or of a variable that appears
    twice, and where no such leaf is left it is added on (``tree + y``).

    >>> from hypothesis import find
    >>> find(expressions(ops=["exp", "mul"]), lambda e: "exp" in e.primitives)
    exp(x)
    """
    names = _variable_names(variables)
    rows = _primitive_rows(ops)
    count(max_leaves, "max_leaves")
    flag(every_variable, "every_variable")
    leaves = st.one_of(st.sampled_from(names).map(Variable), _CONSTANTS.map(Constant))
    trees = st.recursive(leaves, functools.partial(_applications, rows), max_leaves=max_leaves)
    return _using_every_variable(trees, names) if every_variable else trees


@st.composite
def _using_every_variable(
    draw: st.DrawFn, trees: st.SearchStrategy[Expression], names: tuple[str, ...]
) -> Expression:
    """A tree from ``trees`` in which each of ``names`` appears (see ``expressions``)."""
    tree = draw(trees)
    for name in names:
        if name in tree.variables:
            continue
        uses: dict[str, int] = {}
        for e in tree.nodes():
            if isinstance(e, Variable):
                uses[e.name] = uses.get(e.name, 0) + 1
        spare = [
            i
            for i, e in enumerate(tree.nodes())
            if isinstance(e, Constant) or (isinstance(e, Variable) and uses[e.name] > 1)
        ]
        if spare:
            tree = _replace(tree, draw(st.sampled_from(spare)), Variable(name))
        else:
            tree = Apply(_ADD, (tree, Variable(name)))
    return tree


def _replace(tree: Expression, index: int, leaf: Expression) -> Expression:
    """``tree`` with its ``index``-th node (in ``nodes()`` order) replaced by ``leaf``."""
    # nodes() lists a node, then its arguments' subtrees one after another
    if index == 0:
        return leaf
    if not isinstance(tree, Apply):
        raise IndexError(index)
    index -= 1
    args = list(tree.args)
    for i, a in enumerate(args):
        size = len(a.nodes())
        if index < size:
            args[i] = _replace(a, index, leaf)
            return Apply(tree.op, tuple(args))
        index -= size
    raise IndexError(index)


def _applications(
    rows: Sequence[Primitive], children: st.SearchStrategy[Expression]
) -> st.SearchStrategy[Expression]:
    """One more level of tree: any row applied to subtrees drawn from ``children``."""
    options: list[st.SearchStrategy[Expression]] = []
    for row in rows:
        if row.arity is None:  # 2 to 5: dot then also draws biased neurons (an odd count)
            args = st.one_of([st.tuples(*[children] * n) for n in range(2, 6)])
        else:
            args = st.tuples(*[children] * row.arity)
        options.append(args.map(functools.partial(Apply, row)))
    return st.one_of(options)


def expressions_with_inputs(
    variables: Sequence[str] = ("x", "y"),
    *,
    ops: Iterable[str | Primitive] | None = None,
    max_leaves: int = 8,
    low: float = -2.0,
    high: float = 2.0,
    every_variable: bool = True,
) -> st.SearchStrategy[Sample]:
    """Random expressions with inputs in [low, high] where every operation is smooth.

    Each expression uses every variable (``every_variable=False`` lets some
    go unused, as ``expressions()`` does by default), so that a check of the
    gradient in ``x`` always has an ``x`` to check. ``sample.inputs`` lists
    the variables sorted by name, the order in which ``sample.expression``
    takes positions, so both ``sample.expression(**sample.inputs)`` and
    ``grad(sample.expression, list(sample.inputs.values()))`` work.

    The tree is evaluated node by node with each primitive's ``smooth``
    predicate. Where an operation would be outside it (``log`` of a negative
    number, ``relu`` at 0), its argument is shifted by a whole number into
    the region: ``log(x)`` at x = -1.5 becomes ``log(x + 3)``. Samples whose
    values exceed ``LARGEST`` in size, or that would leave the smooth region
    when any input moves by ``MARGIN``, are rejected (rarely).

    >>> from hypothesis import find
    >>> find(expressions_with_inputs(("x",), ops=["log"]), lambda s: "log" in str(s))
    Sample(expression=log(x + 1), inputs={'x': 0.0})
    """
    names = _variable_names(variables)
    trees = expressions(names, ops=ops, max_leaves=max_leaves, every_variable=every_variable)
    low, high = real(low, "low"), real(high, "high")
    if not low < high:
        raise ValueError(f"low must be below high, got low={low!r}, high={high!r}")
    points = st.fixed_dictionaries({name: st.floats(low, high) for name in names})
    return _samples(trees, points)


@st.composite
def _samples(
    draw: st.DrawFn,
    trees: st.SearchStrategy[Expression],
    points: st.SearchStrategy[dict[str, float]],
) -> Sample:
    tree, drawn = draw(trees), draw(points)
    inputs = {name: drawn[name] for name in sorted(drawn)}  # the order of positions
    moved = _into_domain(tree, inputs)
    if moved is None:
        reject()
    expression = moved[0]
    names = list(inputs)
    assume(
        _smooth_near(
            lambda p: expression.evaluate(dict(zip(names, p, strict=True))), list(inputs.values())
        )
    )
    return Sample(expression, inputs)


def _into_domain(e: Expression, env: Mapping[str, float]) -> tuple[Expression, float] | None:
    """``e`` with arguments shifted into each operation's smooth region, and its value."""
    if isinstance(e, Variable):
        return e, env[e.name]
    if isinstance(e, Constant):
        return e, e.value
    if not isinstance(e, Apply):
        raise TypeError(f"not an expression: {type(e).__name__}")
    args: list[Expression] = []
    values: list[float] = []
    for a in e.args:
        done = _into_domain(a, env)
        if done is None:
            return None
        args.append(done[0])
        values.append(done[1])
    fixed = [not a.variables for a in args]  # constants: not differentiated
    if not is_smooth(e.op, values, fixed) and not _shift(e.op, args, values, fixed):
        return None
    try:
        y = e.op.forward(*values)
    except (ArithmeticError, ValueError):
        return None
    if not abs(y) <= LARGEST:  # also False for nan
        return None
    return Apply(e.op, tuple(args)), y


def _shift(
    op: Primitive, args: list[Expression], values: list[float], fixed: Sequence[bool]
) -> bool:
    """Move one argument by a whole number so that ``op`` is smooth; False if none works."""
    for i, v in enumerate(values):
        for step in (math.ceil(1.0 - v), math.floor(-1.0 - v)):  # to [1, 2) or (-2, -1]
            trial = [*values[:i], v + step, *values[i + 1 :]]
            if is_smooth(op, trial, fixed):
                args[i] = Apply(_ADD, (args[i], Constant(float(step))))
                values[:] = trial
                return True
    return False


def _smooth_near(call: Callable[[list[float]], object], point: list[float]) -> bool:
    """True if ``call`` succeeds and every node is smooth at ``point`` and +-MARGIN around it."""
    return _why_not_smooth(call, point) is None


def _why_not_smooth(call: Callable[[list[float]], object], point: list[float]) -> str | None:
    """None if ``call`` succeeds and every node is smooth at ``point`` and +-MARGIN around
    it; otherwise what fails, in words."""
    nearby = [point]
    for i in range(len(point)):
        for step in (MARGIN, -MARGIN):
            moved = list(point)
            moved[i] += step
            nearby.append(moved)
    for p in nearby:
        try:
            out = call(p)
        except (ArithmeticError, ValueError) as error:
            return f"f fails at {p}: {error}"
        for v in nonsmooth_nodes(out) if isinstance(out, Value) else []:
            name = v.op.name if v.op is not None else "?"
            args = ", ".join(number_text(q.data)[0] for q in v.parents)
            return f"not smooth at {name}({args}), at {p}"
    return None


class _Tally:
    """How many points ``check_gradients`` checked and discarded, per test.

    A test is pytest's current test (``PYTEST_CURRENT_TEST``), or else the place
    that calls ``check_gradients``. Once a test has failed a gradient check, its
    skips are no longer judged (Hypothesis then shrinks the failure, and tries
    many points that are not smooth); once it has been judged to skip too much,
    it stays so, so that Hypothesis sees the same error each time it replays.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[str, list[int]] = {}  # test: [discarded, calls, state]

    def add(self, test: str, discarded: bool) -> tuple[int, int, bool]:
        """Count one call; (discarded, calls, too many) so far for ``test``."""
        with self.lock:
            count = self.counts.setdefault(test, [0, 0, _JUDGED])
            count[0] += discarded
            count[1] += 1
            judged = count[2] == _JUDGED and count[1] >= JUDGE_AFTER
            if judged and count[0] > MAX_DISCARDED * count[1]:
                count[2] = _TOO_MANY
            return count[0], count[1], count[2] == _TOO_MANY

    def failed(self, test: str) -> None:
        """``test`` found a wrong derivative: stop judging its skips."""
        with self.lock:
            count = self.counts.setdefault(test, [0, 0, _JUDGED])
            if count[2] == _JUDGED:
                count[2] = _FAILED


_JUDGED, _FAILED, _TOO_MANY = 0, 1, 2


def _current_test(caller: Any) -> str:
    """pytest's current test id, or the file and line of the function that called."""
    running = os.environ.get("PYTEST_CURRENT_TEST", "")
    return running.rsplit(" (", 1)[0] or f"{caller.co_filename}:{caller.co_firstlineno}"


_TALLY = _Tally()


def check_gradients(
    f: Callable[..., Value],
    inputs: Mapping[str, Value | float] | Sequence[Value | float],
    *,
    order: int = 2,
    eps: float = EPS,
    atol: float = ATOL,
    rtol: float = RTOL,
) -> None:
    """``gradcheck`` (and with ``order=2`` also ``gradgradcheck``) inside a Hypothesis test.

    ``f`` is an ``Expression`` or any function of Values. ``inputs`` is a
    mapping from names to numbers (``f`` is called with keywords; a
    ``Sample``'s inputs) or a sequence (``f`` is called positionally).
    Points where ``f`` fails or is not smooth, at the point or within
    ``MARGIN`` of it, are skipped (``hypothesis.reject()``; outside a
    Hypothesis test, a ``ValueError``). A mismatch raises ``GradcheckError``.
    Skipping is not silent: once a test has called it ``JUDGE_AFTER`` times,
    more than ``MAX_DISCARDED`` of its points skipped is a ``ValueError`` that
    says how many and why (most of the property would go untested).

    >>> check_gradients(lambda x, y: (x * y).sin(), [0.5, 2.0])
    """
    if isinstance(order, bool) or order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, got {order!r}")
    if isinstance(inputs, Mapping):
        names = list(inputs)
        given: list[Value | float] = [
            x if isinstance(x, Value) else Value(number(x, name), label=name)
            for name, x in inputs.items()
        ]

        def fn(*values: Value) -> Value:
            return f(**dict(zip(names, values, strict=True)))

    else:
        given, fn = list(_bounded(inputs, "check_gradients(): inputs")), f
    point = [number(x, f"inputs[{i}]") for i, x in enumerate(given)]
    why = _why_not_smooth(lambda p: fn(*[Value(x) for x in p]), point)
    test = None
    if not currently_in_test_context():
        if why is not None:
            raise ValueError(f"f fails or is not smooth at or near {point}: {why}")
    else:
        caller = sys._getframe(1).f_code
        test = _current_test(caller)
        discarded, calls, too_many = _TALLY.add(test, why is not None)
        if too_many:
            raise ValueError(
                f"check_gradients discarded {discarded} of the {calls} points drawn by "
                f"{caller.co_name} (more than {MAX_DISCARDED:.0%} after {JUDGE_AFTER}): "
                "f fails or is not smooth at them, so most of the property goes untested. "
                f"At this one: {why or 'smooth'}. Draw points inside f's smooth domain "
                "(expressions_with_inputs does), or narrow the strategy"
            )
        if why is not None:
            reject()
    try:
        gradcheck(fn, given, eps=eps, atol=atol, rtol=rtol)
        if order == 2:
            gradgradcheck(fn, given, eps=eps, atol=atol, rtol=rtol)
    except GradcheckError:
        if test is not None:
            _TALLY.failed(test)
        raise


# -- the same expression in another library ------------------------------------------


def in_library(
    expression: Expression | Sample, apply: Callable[..., Any], wrap: Callable[[float], Any]
) -> Callable[..., Any]:
    """``expression`` as a function of another library's numbers, via ``Expression.fold``.

    ``apply(primitive, *args)`` computes one node there (its arguments are
    that library's numbers); ``wrap(c)`` turns a constant into one (an
    expression that uses no variable is a constant too). The function takes
    one argument per variable, by position in sorted order (``sample.inputs``'
    order) or by keyword, as ``Expression.__call__`` does.

    >>> import math
    >>> e = Apply(PRIMITIVES["exp"], (Variable("x"),))
    >>> f = in_library(e, lambda op, *a: {"exp": math.exp}[op.name](*a), float)
    >>> f(0.0), f(x=1.0) == math.e
    (1.0, True)
    """
    tree = expression.expression if isinstance(expression, Sample) else expression
    if not isinstance(tree, Expression):
        raise TypeError(f"expected an Expression or a Sample, got {type(expression).__name__}")
    names = tuple(expression.inputs) if isinstance(expression, Sample) else tree.variables

    def f(*args: Any, **env: Any) -> Any:
        if len(args) > len(names):
            raise TypeError(f"{tree} takes {len(names)} inputs {names!r}, got {len(args)}")
        for name, x in zip(names, args, strict=False):
            if name in env:
                raise TypeError(f"{tree} got two values for the variable {name!r}")
            env[name] = x
        out = tree.fold(env, apply)
        return wrap(out) if isinstance(out, float) else out

    return f


@functools.cache
def torch_functions() -> dict[str, Callable[..., Any]]:
    """Each row of ``PRIMITIVES`` as a PyTorch function on tensors (imports torch on first call).

    ``leaky_relu``'s slope is an input, as in the table; ``dot`` reads its
    inputs by the row's layout (weights, inputs, and a bias last when the
    count is odd). A row of your own can be added to the returned dict.
    """
    torch: Any = importlib.import_module("torch")  # a reference, never a dependency
    functional = torch.nn.functional

    def dot(*xs: Any) -> Any:
        n = len(xs) // 2
        out = torch.dot(torch.stack(xs[:n]), torch.stack(xs[n : 2 * n]))
        return out + xs[-1] if len(xs) % 2 else out

    return {
        "add": torch.add,
        "sub": torch.sub,
        "neg": torch.neg,
        "mul": torch.mul,
        "div": torch.div,
        "log_clamped": lambda a: torch.clamp(torch.log(a), min=-100.0),
        "logsumexp": lambda *xs: torch.logsumexp(torch.stack(xs), 0),
        "pow": torch.pow,
        "exp": torch.exp,
        "log": torch.log,
        "sqrt": torch.sqrt,
        "sin": torch.sin,
        "cos": torch.cos,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "relu": torch.relu,
        "leaky_relu": lambda a, slope: torch.where(a > 0, a, slope * a),
        "softplus": torch.nn.functional.softplus,
        "abs": torch.abs,
        "sum": lambda *xs: torch.stack(xs).sum(),
        "dot": dot,
        "tan": torch.tan,
        "asin": torch.asin,
        "acos": torch.acos,
        "atan": torch.atan,
        "atan2": torch.atan2,
        "sinh": torch.sinh,
        "cosh": torch.cosh,
        "asinh": torch.asinh,
        "acosh": torch.acosh,
        "atanh": torch.atanh,
        "hypot": torch.hypot,
        "sinc": torch.sinc,
        "exp2": torch.exp2,
        "expm1": torch.expm1,
        "log2": torch.log2,
        "log10": torch.log10,
        "log1p": torch.log1p,
        "logaddexp": torch.logaddexp,
        "logaddexp2": torch.logaddexp2,
        "xlogy": torch.xlogy,
        "square": torch.square,
        "reciprocal": torch.reciprocal,
        "rsqrt": torch.rsqrt,
        "sign": torch.sign,
        "floor": torch.floor,
        "ceil": torch.ceil,
        "round": torch.round,
        "trunc": torch.trunc,
        "fmod": torch.fmod,
        "remainder": torch.remainder,
        "clamp": torch.clamp,
        "minimum": torch.minimum,
        "maximum": torch.maximum,
        "copysign": torch.copysign,
        # alpha is an input here, as in the table: PyTorch's F.elu / F.celu take a float
        "elu": lambda x, alpha: torch.where(x > 0, x, alpha * torch.expm1(x)),
        "selu": functional.selu,
        "celu": lambda x, alpha: torch.where(x > 0, x, alpha * torch.expm1(x / alpha)),
        "silu": functional.silu,
        "gelu": functional.gelu,
        "gelu_tanh": lambda x: functional.gelu(x, approximate="tanh"),
        "mish": functional.mish,
        "softsign": functional.softsign,
        "logsigmoid": functional.logsigmoid,
        "hardtanh": functional.hardtanh,
        "relu6": functional.relu6,
        # relu6(x + 3) / 6: PyTorch's hardsigmoid has no second derivative; the same gradients
        "hardsigmoid": lambda x: functional.relu6(x + 3.0) / 6.0,
        "hardswish": functional.hardswish,
        "erf": torch.erf,
        "erfc": torch.erfc,
    }


def torch_apply(op: Primitive, *args: Any) -> Any:
    """One node in PyTorch, float64: numbers become tensors, then ``torch_functions()[op.name]``."""
    torch: Any = importlib.import_module("torch")
    table = torch_functions()
    if op.name not in table:
        raise ValueError(
            f"no PyTorch function for the primitive {op.name!r}: add one to torch_functions()"
        )
    tensors = [
        a if isinstance(a, torch.Tensor) else torch.tensor(a, dtype=torch.float64) for a in args
    ]
    return table[op.name](*tensors)


def in_torch(expression: Expression | Sample) -> Callable[..., Any]:
    """``expression`` as a PyTorch function of float64 tensors, for parity tests.

    ``in_torch(sample)(*tensors)`` takes the tensors in ``sample.inputs``'
    order and returns a tensor (a constant expression gives a constant
    tensor), so ``torch.autograd.grad`` and ``torch.autograd.functional.hessian``
    apply to it. torch is imported on the first call, not with this module.
    """

    def wrap(c: float) -> Any:
        torch: Any = importlib.import_module("torch")
        return torch.tensor(c, dtype=torch.float64)

    return in_library(expression, torch_apply, wrap)


def _variable_names(variables: Sequence[str]) -> tuple[str, ...]:
    if isinstance(variables, str) or not isinstance(variables, Iterable):
        raise TypeError(
            f"variables must be a sequence of names such as ('x', 'y'), got {variables!r}"
        )
    names = tuple(variables)
    if not names:
        raise ValueError("variables must name at least one variable")
    for name in names:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"each variable must be a name such as 'x', got {name!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"variables must be distinct, got {names!r}")
    return names


def _primitive_rows(ops: Iterable[str | Primitive] | None) -> list[Primitive]:
    if ops is None:
        return list(PRIMITIVES.values())
    if isinstance(ops, (str, Primitive)) or not isinstance(ops, Iterable):
        raise TypeError(f"ops must be a list of primitive names, got {ops!r}")
    rows: list[Primitive] = []
    for op in ops:
        if isinstance(op, Primitive):
            rows.append(op)
        elif isinstance(op, str) and op in PRIMITIVES:
            rows.append(PRIMITIVES[op])
        else:
            raise ValueError(f"unknown primitive {op!r}; the table has: {', '.join(PRIMITIVES)}")
    if not rows:
        raise ValueError("ops must name at least one primitive")
    return rows

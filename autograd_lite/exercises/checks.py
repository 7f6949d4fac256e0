"""The checks: what each exercise's parts must do, tried on random inputs and random graphs.

This module runs in the child process only (``autograd_lite.exercises.child``),
next to the learner's code, never in the process that called the checker.
Each part's check draws cases with Hypothesis and asks ``hypothesis.find``
for one that the learner's code gets wrong; Hypothesis then shrinks it, so
the failure shown is a smallest one: ``a + a`` rather than a graph of six
nodes. The expected numbers come from autograd_lite's own engine
(``Value``, ``grad``, the rules of ``ops.PRIMITIVES``). A wrong answer that
matches a typical mistake (a model of it runs beside the reference) gets
that mistake's hint.
"""

from __future__ import annotations

import errno
import math
import operator
import random
import traceback
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample, Unsatisfiable

import autograd_lite.functional as F
from autograd_lite.calculus import derivative as reference_derivative
from autograd_lite.data import make_moons
from autograd_lite.engine import Value, grad
from autograd_lite.ops import PRIMITIVES

#: The learner's file, as the child loaded it (set by the child): tracebacks name its lines.
LEARNER_FILE = "<exercise>"
#: How many random cases a part is tried on before it counts as passed.
EXAMPLES = 60
_SETTINGS = settings(
    max_examples=EXAMPLES,
    database=None,
    deadline=None,
    phases=(Phase.generate, Phase.shrink),
    suppress_health_check=list(HealthCheck),
)


class Failure(Exception):
    """A part is wrong: what happened (with numbers), a hint, and the case as a graph."""

    def __init__(self, message: str, *, hint: str = "", graph: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.graph = graph


@dataclass(frozen=True)
class Check:
    """The check of one part: what passing it shows, and the test itself."""

    shows: str
    run: Callable[[types.ModuleType], None]


# -- calling the learner's code ----------------------------------------------------------


#: The longest piece of the learner's own text (an error message, a line) a report quotes.
QUOTED = 200


def quote(text: str) -> str:
    """``text`` cut to ``QUOTED`` characters: a report stays readable whatever the file holds."""
    return text if len(text) <= QUOTED else text[: QUOTED - 3] + "..."


def _where(error: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == LEARNER_FILE]
    if not frames:
        return ""
    last = frames[-1]
    return f" (line {last.lineno} of your file: {quote((last.line or '').strip())})"


def call(what: str, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` for a function of the learner's; an exception becomes a ``Failure``."""
    try:
        return fn(*args)
    except Failure:
        raise
    except NotImplementedError:
        raise Failure(f"{what}: not written yet (it raises NotImplementedError)") from None
    except RecursionError as error:
        raise Failure(
            f"{what} raised RecursionError{_where(error)}",
            hint="a function that calls itself without end: check the case that stops it",
        ) from None
    except Exception as error:
        message = f"{what} raised {type(error).__name__}: {quote(str(error))}{_where(error)}"
        raise Failure(message, hint=_error_hint(error)) from None


def _error_hint(error: Exception) -> str:
    text = str(error)
    if isinstance(error, OSError) and error.errno == errno.EFBIG:  # the child's output limit
        return "your code printed more than the checker keeps: print less"
    if isinstance(error, AttributeError) and "has no attribute 'data'" in text:
        return "a plain number reached code that expects a Value: wrap it, Value(number)"
    if isinstance(error, TypeError) and "unsupported operand" in text:
        return "Python asks the right operand's __radd__ / __rmul__ when the left is a number"
    if isinstance(error, OverflowError):
        return "exp of a large number overflows: subtract the largest score first"
    return ""


def need(module: types.ModuleType, name: str) -> Any:
    """The learner's ``name``, or a ``Failure`` saying that the file does not define it."""
    if not hasattr(module, name):
        raise Failure(f"your file defines no {name}: the exercise asks for it (see the starter)")
    return getattr(module, name)


def as_float(what: str, got: object) -> float:
    """The learner's answer as a float, or a ``Failure`` saying what came back instead."""
    if _ours(got):
        raise Failure(f"{what} returned one of autograd_lite's own objects: use your own engine")
    if isinstance(got, bool) or not isinstance(got, int | float):
        kind = type(got).__name__
        hint = "use .data to get the number out of a Value" if hasattr(got, "data") else ""
        raise Failure(f"{what} returned a {kind} ({got!r:.60}), not a float", hint=hint)
    return float(got)


def _ours(obj: object) -> bool:
    return type(obj).__module__.split(".")[0] in ("autograd_lite", "visualize")


def close(got: float, want: float, *, rel: float = 1e-6, tol: float = 1e-9) -> bool:
    """Equal up to rounding: within ``rel`` of the larger size, or ``tol`` absolutely."""
    return math.isfinite(got) and abs(got - want) <= max(tol, rel * max(abs(got), abs(want)))


def num(x: float) -> str:
    """A number as a message shows it: four significant digits, more where needed."""
    return f"{x:.4g}" if abs(x - float(f"{x:.4g}")) < 1e-9 else f"{x:.8g}"


def falsify(strategy: st.SearchStrategy[Any], check: Callable[[Any], None]) -> None:
    """Look for a case ``check`` fails on; raise the ``Failure`` of the smallest one found."""

    def fails(case: Any) -> bool:
        try:
            check(case)
        except Failure:
            return True
        return False

    try:
        case = find(strategy, fails, settings=_SETTINGS)
    except (NoSuchExample, Unsatisfiable):
        return
    check(case)
    raise Failure(
        "your code failed on a case, then passed the same case when run again",
        hint="does it keep state between calls (a global, a default list that grows)?",
    )


def _clean(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with only ``math`` in its globals: the learner cannot reach the checker through it."""
    return types.FunctionType(
        fn.__code__, {"math": math, "__builtins__": {}}, fn.__name__, None, fn.__closure__
    )


def _mistake(got: Sequence[float], models: Sequence[tuple[Sequence[float], str]]) -> str:
    """The hint of the first typical mistake whose numbers the learner's answer matches."""
    for numbers, hint in models:
        if len(numbers) == len(got) and all(close(g, m) for g, m in zip(got, numbers, strict=True)):
            return hint
    return ""


_SMALL = st.integers(-20, 20).map(lambda k: k / 10)  # -2.0 to 2.0 by 0.1: readable, shrinks to 0
_NONZERO = _SMALL.filter(lambda x: x != 0)


def _distinct(n: int) -> st.SearchStrategy[tuple[float, ...]]:
    """``n`` numbers, none 0 or ±1 and no two of the same size: no mistake hides behind them."""
    usable = _NONZERO.filter(lambda x: abs(x) != 1)
    return st.lists(usable, min_size=n, max_size=n, unique_by=abs).map(tuple)


# -- random graphs ---------------------------------------------------------------------


@dataclass(frozen=True)
class Graph:
    """A graph as data: leaf values, then steps (op, input indices), the last one the root."""

    leaves: tuple[float, ...]
    steps: tuple[tuple[Any, ...], ...]
    names: tuple[str, ...] = ()  # a name per node, if not a, b, c, n1, n2, ...

    def __repr__(self) -> str:
        return "; ".join(self.lines())

    def name(self, i: int) -> str:
        if self.names:
            return self.names[i]
        n = len(self.leaves)
        return "abc"[i] if i < n else f"n{i - n + 1}"

    def lines(self) -> list[str]:
        out = [f"{self.name(i)} = {x:g}" for i, x in enumerate(self.leaves)]
        for k, (op, *args) in enumerate(self.steps):
            target = self.name(len(self.leaves) + k)
            if op in ("+", "*"):
                out.append(f"{target} = {self.name(args[0])} {op} {self.name(args[1])}")
            else:
                out.append(f"{target} = {op}({self.name(args[0])})")
        return out

    def build(
        self, value: Callable[[float], Any], unary: dict[str, Callable[[Any], Any]]
    ) -> list[Any]:
        nodes = [value(x) for x in self.leaves]
        for op, *args in self.steps:
            if op == "+":
                nodes.append(nodes[args[0]] + nodes[args[1]])
            elif op == "*":
                nodes.append(nodes[args[0]] * nodes[args[1]])
            else:
                nodes.append(unary[op](nodes[args[0]]))
        return nodes

    def reachable(self) -> list[int]:
        """The indices of the nodes the root depends on, the root included, in index order."""
        seen = {len(self.leaves) + len(self.steps) - 1}
        for k in range(len(self.steps) - 1, -1, -1):
            if len(self.leaves) + k in seen:
                seen.update(self.steps[k][1:])
        return sorted(seen)

    def inputs(self, i: int) -> list[int]:
        return [] if i < len(self.leaves) else list(self.steps[i - len(self.leaves)][1:])


@st.composite
def graphs(draw: st.DrawFn, ops: Sequence[str] = ("+", "*"), max_steps: int = 6) -> Graph:
    """A random graph: one to three leaves, then one to ``max_steps`` operations on them."""
    leaves = tuple(draw(st.lists(_SMALL, min_size=1, max_size=3)))
    steps: list[tuple[Any, ...]] = []
    for k in range(draw(st.integers(1, max_steps))):
        n = len(leaves) + k
        op = draw(st.sampled_from(ops))
        first = draw(st.integers(0, n - 1))
        if op in ("+", "*"):
            steps.append((op, first, draw(st.integers(0, n - 1))))
        else:
            steps.append((op, first))
    return Graph(leaves, tuple(steps))


_REFERENCE_UNARY: dict[str, Callable[[Any], Any]] = {"tanh": F.tanh, "exp": F.exp}


def reference_grads(graph: Graph) -> list[float]:
    """d root / d node for every node, by autograd_lite's engine."""
    nodes = graph.build(Value, _REFERENCE_UNARY)
    return [float(g) for g in grad(nodes[-1], nodes)]


def _local(op: str, g: float, values: list[float], ins: list[int], out: float) -> list[float]:
    if op == "+":
        return [g, g]
    if op == "*":
        return [g * values[ins[1]], g * values[ins[0]]]
    return [g * (1 - out**2)] if op == "tanh" else [g * out]


def mistaken_grads(graph: Graph, how: str) -> list[float]:
    """The gradients a typical wrong backward pass gives, to recognise the learner's mistake.

    ``assign``: ``x.grad = g`` instead of ``+=``; ``recursive``: each node passes its
    gradient on every time it is reached, so a node on two paths counts twice; ``forward``:
    the nodes taken inputs-first; ``no_seed``: the root's gradient left at 0.
    """
    values = [float(v.data) for v in graph.build(Value, _REFERENCE_UNARY)]
    n = len(values)
    grads = [0.0] * n
    grads[-1] = 0.0 if how == "no_seed" else 1.0
    order = graph.reachable()
    if how == "recursive":

        def visit(i: int) -> None:
            if i >= len(graph.leaves):
                op = graph.steps[i - len(graph.leaves)][0]
                ins = graph.inputs(i)
                for x, g in zip(ins, _local(op, grads[i], values, ins, values[i]), strict=True):
                    grads[x] += g
                    visit(x)

        visit(n - 1)
        return grads
    if how != "forward":
        order = order[::-1]
    for i in order:
        if i < len(graph.leaves):
            continue
        op = graph.steps[i - len(graph.leaves)][0]
        ins = graph.inputs(i)
        for x, g in zip(ins, _local(op, grads[i], values, ins, values[i]), strict=True):
            grads[x] = g if how == "assign" else grads[x] + g
    return grads


_BACKWARD_HINTS = (
    (
        "assign",
        "a node used twice (a * a, b = a + a) must get the gradient of both uses: "
        "x.grad += ..., not x.grad = ...",
    ),
    (
        "recursive",
        "a node reached along two paths passed its gradient on twice: visit each node "
        "once, in reversed topological order, instead of recursing from the root",
    ),
    ("forward", "take the nodes outputs-first: reversed(topological_order(root))"),
    ("no_seed", "set root.grad = 1.0 before passing gradients down"),
)


def graph_picture(graph: Graph, wrong: set[int], notes: dict[int, str]) -> dict[str, Any]:
    """The case as a diagram to draw: nodes with their labels, edges, the wrong ones marked."""
    keep = graph.reachable()
    values = [float(v.data) for v in graph.build(Value, _REFERENCE_UNARY)]
    nodes = []
    for i in keep:
        line = graph.lines()[i]
        label = f"{line}\ndata {num(values[i])}"
        if i in notes:
            label += "\n" + notes[i]
        nodes.append({"id": i, "label": label, "wrong": i in wrong})
    edges = [[x, i] for i in keep for x in graph.inputs(i)]
    return {"nodes": nodes, "edges": edges}


#: Small graphs on which the typical wrong backward passes all differ: they tell apart
#: mistakes that a smallest failing case (a + a) cannot.
_PROBES = (
    Graph((0.5, -1.5), (("*", 0, 1), ("*", 2, 0), ("+", 3, 2))),
    Graph((0.7,), (("+", 0, 0), ("*", 1, 1), ("+", 2, 0))),
)


def _matching(
    graph: Graph, got: list[float], hints: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    keep = graph.reachable()
    return [
        (how, hint)
        for how, hint in hints
        if _mistake([got[i] for i in keep], [([mistaken_grads(graph, how)[i] for i in keep], "!")])
    ]


def compare_grads(
    graph: Graph,
    got: list[float],
    what: str,
    rerun: Callable[[Graph], list[float]] | None = None,
) -> None:
    """Fail, with the first wrong node marked on a diagram, unless ``got`` matches the engine.

    The hint is that of the typical mistake the learner's numbers match; when several
    match the failing case, ``rerun`` (the learner's backward on another graph) on
    ``_PROBES`` decides between them.
    """
    want = reference_grads(graph)
    keep = graph.reachable()
    wrong = [i for i in keep if not close(got[i], want[i])]
    if not wrong:
        return
    first = max(wrong)  # the wrong node nearest the root: where the error starts
    notes = {i: f"grad: yours {num(got[i])}, expected {num(want[i])}" for i in keep}
    matching = _matching(graph, got, list(_BACKWARD_HINTS))
    for probe in _PROBES:
        if rerun is None or len(matching) < 2:
            break
        try:
            theirs = rerun(probe)
        except Failure:
            break
        matching = _matching(probe, theirs, matching) or matching
    hint = matching[0][1] if matching else ""
    raise Failure(
        f"{what} on the graph  {graph!r}:  d{graph.name(len(got) - 1)}/d{graph.name(first)} "
        f"is {num(want[first])}, yours is {num(got[first])}",
        hint=hint,
        graph=graph_picture(graph, {first}, notes),
    )


def learner_grads(module: types.ModuleType, graph: Graph, unary: dict[str, Any]) -> list[float]:
    """Build ``graph`` with the learner's Value, run their backward, read every node's grad."""
    value = need(module, "Value")
    nodes = call(f"building {graph!r}", graph.build, value, unary)
    call("backward(root)", need(module, "backward"), nodes[-1])
    return [as_float("a node's .grad", node.grad) for node in nodes]


# -- 1. derivative ---------------------------------------------------------------------

_FUNCTIONS: tuple[tuple[str, Callable[[float], float]], ...] = tuple(
    (text, _clean(fn))
    for text, fn in (
        ("x**3 - 2*x", lambda x: x**3 - 2 * x),
        ("sin(x) * x", lambda x: math.sin(x) * x),
        ("exp(x / 2)", lambda x: math.exp(x / 2)),
        ("1 / (1 + x*x)", lambda x: 1 / (1 + x * x)),
        ("cos(3*x)", lambda x: math.cos(3 * x)),
    )
)


def _derivative(module: types.ModuleType) -> None:
    learner = need(module, "derivative")
    cases = st.tuples(
        st.integers(0, len(_FUNCTIONS) - 1), _SMALL, st.sampled_from([None, 1e-2, 1e-3, 1e-4])
    )

    def check(case: tuple[int, float, float | None]) -> None:
        k, x, step = case
        text, f = _FUNCTIONS[k]
        h = 1e-5 if step is None else step
        shown = f"derivative(f, {x:g})" if step is None else f"derivative(f, {x:g}, h={h:g})"
        args = (f, x) if step is None else (f, x, h)
        got = as_float(shown, call(shown, learner, *args))
        want = (f(x + h) - f(x - h)) / (2 * h)
        if close(got, want, rel=1e-7, tol=1e-9):
            return
        models = [
            (
                [(f(x + h) - f(x)) / h],
                "that is the forward difference (f(x+h) - f(x)) / h: "
                "step to both sides, x - h and x + h",
            ),
            ([(f(x) - f(x - h)) / h], "that is the backward difference: step to both sides"),
            ([(f(x + h) - f(x - h)) / h], "the two points are 2h apart: divide by 2 * h"),
            ([(f(x + h) - f(x - h)) / 2 * h], "a / 2 * h is (a / 2) * h: write a / (2 * h)"),
            ([f(x + h) - f(x - h) / (2 * h)], "brackets: (f(x + h) - f(x - h)) / (2 * h)"),
            ([(f(x + 1e-5) - f(x - 1e-5)) / 2e-5], "use the step h you are given"),
        ]
        raise Failure(
            f"{shown} for f(x) = {text} returned {num(got)}; the central difference is {num(want)}",
            hint=_mistake([got], models),
        )

    falsify(cases, check)


# -- 2. value --------------------------------------------------------------------------


def _value(module: types.ModuleType) -> None:
    value = need(module, "Value")
    step = st.tuples(
        st.sampled_from(["+", "*"]),
        st.sampled_from(["node op node", "node op number", "number op node"]),
        st.integers(0, 5),
        st.integers(0, 5),
        st.integers(-5, 5),
    )
    cases = st.tuples(
        st.lists(_SMALL, min_size=1, max_size=3), st.lists(step, min_size=1, max_size=5)
    )

    def check(case: tuple[list[float], list[tuple[str, str, int, int, int]]]) -> None:
        leaves, steps = case
        nodes = [call(f"Value({x:g})", value, x) for x in leaves]
        ours = [Value(x) for x in leaves]
        names = [*"abc"[: len(leaves)]]
        for op, form, i, j, c in steps:
            i, j = i % len(nodes), j % len(nodes)
            apply = operator.add if op == "+" else operator.mul
            expected_inputs: list[Any] = [nodes[i], float(c)]  # a number must be wrapped
            if form == "node op node":
                text, expected_inputs = f"{names[i]} {op} {names[j]}", [nodes[i], nodes[j]]
                got, want = call(text, apply, nodes[i], nodes[j]), apply(ours[i], ours[j])
            elif form == "node op number":
                text = f"{names[i]} {op} {c}"
                got, want = call(text, apply, nodes[i], c), apply(ours[i], c)
            else:
                text = f"{c} {op} {names[i]}"
                got, want = call(text, apply, c, nodes[i]), apply(c, ours[i])
            where = "; ".join(f"{n} = {v.data:g}" for n, v in zip(names, ours, strict=True))
            context = f"with {where}: {text}"
            _check_node(value, got, want, op, expected_inputs, context)
            nodes.append(got)
            ours.append(want)
            names.append(f"n{len(names) - len(leaves) + 1}")

    falsify(cases, check)


def _check_node(
    value: type, got: Any, want: Value, op: str, inputs: list[Any], context: str
) -> None:
    if not isinstance(got, value):
        raise Failure(f"{context} gave a {type(got).__name__}, not a Value")
    data = as_float(f"{context}: .data", getattr(got, "data", None))
    if not close(data, want.data):
        raise Failure(f"{context}: .data is {num(data)}, expected {num(want.data)}")
    if getattr(got, "op", None) != op:
        raise Failure(f"{context}: .op is {getattr(got, 'op', None)!r}, expected {op!r}")
    recorded = list(getattr(got, "inputs", ()))
    if len(recorded) != 2:
        hint = (
            "a set keeps a once in a + a: record the inputs in a tuple, (self, other)"
            if len(recorded) == 1 and inputs[0] is inputs[1]
            else "record both operands: Value(..., (self, other), op)"
        )
        raise Failure(f"{context}: .inputs has {len(recorded)} entries, expected 2", hint=hint)
    if isinstance(inputs[1], float):  # one operand was a plain number: it must be wrapped
        nodes = [x for x in recorded if x is inputs[0]]
        others = [x for x in recorded if x is not inputs[0]]
        if not nodes or not others or not isinstance(others[0], value):
            raise Failure(
                f"{context}: .inputs should hold the Value and the number wrapped in a Value",
                hint="wrap a plain number: if not isinstance(other, Value): other = Value(other)",
            )
        wrapped = as_float(
            f"{context}: the wrapped number's .data", getattr(others[0], "data", None)
        )
        if wrapped != inputs[1]:
            raise Failure(
                f"{context}: the wrapped number holds {num(wrapped)}, not {num(inputs[1])}"
            )
    elif recorded[0] is not inputs[0] or recorded[1] is not inputs[1]:
        raise Failure(f"{context}: .inputs are not the two operands, in order (self, other)")


# -- 3. local derivatives ----------------------------------------------------------------


def _rule_check(module: types.ModuleType, name: str, row: str) -> None:
    learner = need(module, name)
    symbol = "+" if row == "add" else "*"

    def check(case: tuple[float, float, float]) -> None:
        g, a, b = case
        out = a + b if row == "add" else a * b
        shown = f"{name}(g={g:g}, out={out:g}, a={a:g}, b={b:g})"
        got = call(shown, learner, g, out, a, b)
        if not isinstance(got, tuple | list) or len(got) != 2:
            raise Failure(
                f"{shown} returned {got!r:.60}; expected a tuple of two gradients (da, db)"
            )
        da, db = (as_float(shown, x) for x in got)
        want = [float(x) for x in PRIMITIVES[row].vjp(g, out, a, b)]
        if close(da, want[0]) and close(db, want[1]):
            return
        models = [
            ([g * a, g * b], "swapped: d(a * b)/da is b, and d(a * b)/db is a"),
            ([b, a], "multiply the local derivative by g, the gradient arriving from above"),
            ([1.0, 1.0], "multiply the local derivative by g, the gradient arriving from above"),
            ([g, g], "d(a * b)/da is b, not 1: times g that is g * b"),
            ([g, 0.0], "out = a + b depends on b as much as on a: both get g"),
        ]
        raise Failure(
            f"out = a {symbol} b: {shown} returned ({num(da)}, {num(db)}), "
            f"expected ({num(want[0])}, {num(want[1])})",
            hint=_mistake([da, db], models),
        )

    falsify(_distinct(3), check)


# -- 4. chain rule ---------------------------------------------------------------------

_CHAIN = Graph((0.0, 0.0, 0.0, 0.0), (("*", 0, 1), ("+", 4, 2), ("*", 5, 3)))
_CHAIN_NAMES = ("a", "b", "c", "f", "d", "e", "L")


def _chain_rule(module: types.ModuleType) -> None:
    learner = need(module, "gradients")

    def check(case: tuple[float, float, float, float]) -> None:
        a, b, c, f = case
        shown = f"gradients(a={a:g}, b={b:g}, c={c:g}, f={f:g})"
        got = call(shown, learner, a, b, c, f)
        if not isinstance(got, tuple | list) or len(got) != 4:
            raise Failure(f"{shown} returned {got!r:.60}; expected four numbers")
        mine = [as_float(shown, x) for x in got]
        leaves = [Value(x) for x in case]
        loss = (leaves[0] * leaves[1] + leaves[2]) * leaves[3]
        want = [float(x) for x in grad(loss, leaves)]
        wrong = [i for i in range(4) if not close(mine[i], want[i])]
        if not wrong:
            return
        d, e = a * b, a * b + c
        models = [
            ([b, a, 1.0, e], "you stopped at d: multiply on along the path up to L, dL/de = f"),
            ([b * f, a * f, 1.0, e], "dL/dc: c reaches L through e = d + c, then L = e * f"),
            ([b * f, a * f, f, d], "dL/df is e = a * b + c, not d"),
            ([a * f, b * f, f, e], "swapped: d(a * b)/da is b"),
        ]
        graph = Graph(case, _CHAIN.steps, _CHAIN_NAMES)
        notes = {
            i: f"dL/d{_CHAIN_NAMES[i]}: yours {num(mine[i])}, expected {num(want[i])}"
            for i in range(4)
        }
        first = wrong[0]
        raise Failure(
            f"{shown}: dL/d{_CHAIN_NAMES[first]} is {num(want[first])}, "
            f"yours is {num(mine[first])}",
            hint=_mistake(mine, models),
            graph=graph_picture(graph, set(wrong), notes),
        )

    falsify(_distinct(4), check)


# -- 5. topological order ----------------------------------------------------------------


def _topological_order(module: types.ModuleType) -> None:
    value, learner = need(module, "Value"), need(module, "topological_order")

    def check(graph: Graph) -> None:
        nodes = call(f"building {graph!r}", graph.build, value, {})
        got = call("topological_order(root)", learner, nodes[-1])
        if not isinstance(got, list | tuple):
            raise Failure(f"topological_order(root) returned a {type(got).__name__}, not a list")
        index = {id(node): i for i, node in enumerate(nodes)}
        listed = [index.get(id(x), -1) for x in got]
        keep = graph.reachable()
        notes = {i: f"listed {listed.count(i)} times" for i in keep}
        where = f"on the graph  {graph!r}"
        if -1 in listed:
            raise Failure(f"{where}: your list holds something that is not a node of the graph")
        twice = [i for i in keep if listed.count(i) > 1]
        if twice:
            raise Failure(
                f"{where}: {graph.name(twice[0])} is listed {listed.count(twice[0])} times",
                hint="a node reached along two paths (b = a + a) must be listed once: "
                "keep a set of the nodes already visited",
                graph=graph_picture(graph, set(twice), notes),
            )
        missing = [i for i in keep if i not in listed]
        if missing:
            raise Failure(
                f"{where}: {graph.name(missing[0])} is missing from your list",
                hint="visit every input of every node, down to the leaves",
                graph=graph_picture(graph, set(missing), notes),
            )
        position = {i: k for k, i in enumerate(listed)}
        for i in keep:
            early = [x for x in graph.inputs(i) if position[x] > position[i]]
            if early:
                raise Failure(
                    f"{where}: {graph.name(i)} comes before its input {graph.name(early[0])}",
                    hint="append a node after visiting its inputs, not before"
                    if position[len(nodes) - 1] == 0
                    else "every node must come after all of its inputs",
                    graph=graph_picture(graph, {i}, notes),
                )

    falsify(graphs(), check)


# -- 6. backward -------------------------------------------------------------------------


def _backward(module: types.ModuleType) -> None:
    def rerun(graph: Graph) -> list[float]:
        return learner_grads(module, graph, {})

    def check(graph: Graph) -> None:
        compare_grads(graph, rerun(graph), "backward(root)", rerun)

    falsify(graphs(), check)


# -- 7. tanh and exp ---------------------------------------------------------------------


def _forward(module: types.ModuleType, name: str, f: Callable[[float], float]) -> None:
    value, learner = need(module, "Value"), need(module, name)

    def check(x: float) -> None:
        leaf = call(f"Value({x:g})", value, x)
        got = call(f"{name}(Value({x:g}))", learner, leaf)
        shown = f"{name}(Value({x:g}))"
        if not isinstance(got, value):
            raise Failure(f"{shown} gave a {type(got).__name__}, not a Value")
        data = as_float(f"{shown}.data", got.data)
        if not close(data, f(x)):
            raise Failure(f"{shown}.data is {num(data)}, expected {num(f(x))}")
        if getattr(got, "op", None) != name or list(getattr(got, "inputs", ())) != [leaf]:
            raise Failure(f"{shown} must record op {name!r} and its one input: (x,)")

    falsify(_SMALL, check)


def _unary_rule(module: types.ModuleType, name: str, f: Callable[[float], float]) -> None:
    learner = need(module, f"{name}_rule")

    def check(case: tuple[float, float]) -> None:
        g, x = case
        out = f(x)
        shown = f"{name}_rule(g={g:g}, out={num(out)}, x={x:g})"
        got = call(shown, learner, g, out, x)
        if not isinstance(got, tuple | list) or len(got) != 1:
            raise Failure(
                f"{shown} returned {got!r:.60}; expected a tuple of one gradient",
                hint="a tuple of one: (value,) with the comma",
            )
        mine = as_float(shown, got[0])
        h = 1e-6
        want = g * (f(x + h) - f(x - h)) / (2 * h)
        if close(mine, want, rel=1e-5, tol=1e-7):
            return
        local = f"your local derivative of {name} at {x:g} (times g = {g:g}) is {num(mine)}; "
        models = [
            ([g * (1 - x**2)], "1 - tanh² uses the output: 1 - out**2, not 1 - x**2"),
            ([g * out**2], "the slope of tanh is 1 - tanh(x)², not tanh(x)²"),
            ([g * (1 - out)], "the slope of tanh is 1 - tanh(x)²: square it"),
            ([1 - out**2], "multiply by g, the gradient arriving from above"),
            ([out], "multiply by g, the gradient arriving from above"),
            ([g * x], "the slope of exp is exp(x), which is out"),
            ([g], "the slope of exp is exp(x), which is out: g * out"),
        ]
        raise Failure(
            local + f"central differences give {num(want)}", hint=_mistake([mine], models)
        )

    falsify(st.tuples(_NONZERO, _NONZERO), check)


def _unary_graphs(module: types.ModuleType) -> None:
    unary = {"tanh": need(module, "tanh"), "exp": need(module, "exp")}

    def check(graph: Graph) -> None:
        compare_grads(graph, learner_grads(module, graph, unary), "backward(root)")

    falsify(graphs(("+", "*", "tanh", "exp"), max_steps=5).filter(_moderate), check)


#: The largest number a graph of the checks may hold: exp(exp(16)) would overflow any engine.
MODERATE = 1e6


def _moderate(graph: Graph) -> bool:
    """Whether every node of ``graph`` stays within ``MODERATE`` (no overflow to blame on you)."""
    try:
        nodes = graph.build(Value, _REFERENCE_UNARY)
    except (OverflowError, ValueError):
        return False
    return all(abs(node.data) <= MODERATE for node in nodes)


def _exp(module: types.ModuleType) -> None:
    _forward(module, "exp", math.exp)
    _unary_rule(module, "exp", math.exp)
    _unary_graphs(module)


# -- 8. neuron and layer -----------------------------------------------------------------


def _parameters(module: types.ModuleType, obj: Any, what: str, count: int) -> list[Any]:
    value = need(module, "Value")
    params = call(f"{what}.parameters()", obj.parameters)
    if not isinstance(params, list | tuple) or not all(isinstance(p, value) for p in params):
        raise Failure(f"{what}.parameters() must return a list of Values, got {params!r:.60}")
    if len(params) != count:
        raise Failure(
            f"{what}.parameters() has {len(params)} Values, expected {count}",
            hint="one weight per input and one bias per neuron",
        )
    if len({id(p) for p in params}) != count:
        raise Failure(
            f"{what}.parameters() lists the same Value more than once",
            hint="[Neuron(n)] * k is one neuron k times: build each one, "
            "[Neuron(n) for _ in range(k)]",
        )
    return list(params)


def _neuron_reference(
    w: Sequence[float], b: float, xs: Sequence[float]
) -> tuple[float, list[float]]:
    ws, bias = [Value(x) for x in w], Value(b)
    out = F.tanh(sum((wi * x for wi, x in zip(ws, xs, strict=True)), bias))
    return out.data, [float(g) for g in grad(out, [*ws, bias])]


@st.composite
def _neuron_case(
    draw: st.DrawFn, max_outputs: int = 1
) -> tuple[int, list[list[float]], list[float]]:
    n_in = draw(st.integers(1, 3))
    n_out = draw(st.integers(1, max_outputs))
    params = [draw(st.lists(_SMALL, min_size=n_in + 1, max_size=n_in + 1)) for _ in range(n_out)]
    return n_out, params, draw(st.lists(_SMALL, min_size=n_in, max_size=n_in))


def _neuron(module: types.ModuleType) -> None:
    neuron = need(module, "Neuron")

    def check(case: tuple[int, list[list[float]], list[float]]) -> None:
        _, (params,), xs = case
        n_in = len(xs)
        made = call(f"Neuron({n_in})", neuron, n_in)
        mine = _parameters(module, made, f"Neuron({n_in})", n_in + 1)
        w, b = params[:-1], params[-1]
        for p, x in zip(mine, params, strict=True):
            p.data, p.grad = x, 0.0
        shown = f"a neuron with w = {w}, b = {b:g} on xs = {xs}"
        out = call(f"{shown}: neuron(xs)", made, xs)
        data = as_float(f"{shown}: neuron(xs).data", getattr(out, "data", out))
        want, grads = _neuron_reference(w, b, xs)
        z = sum(wi * x for wi, x in zip(w, xs, strict=True))
        models = [
            ([math.tanh(z)], "add the bias b: tanh(w · x + b)"),
            ([z + b], "the neuron's output goes through tanh: tanh(w · x + b)"),
        ]
        if not close(data, want):
            raise Failure(
                f"{shown}: neuron(xs) is {num(data)}, expected tanh({num(z + b)}) = {num(want)}",
                hint=_mistake([data], models)
                or "parameters() must be w + [b], the weights in input order, then the bias",
            )
        call("backward(output)", need(module, "backward"), out)
        mine_g = [as_float("a parameter's .grad", p.grad) for p in mine]
        if not all(close(g, e) for g, e in zip(mine_g, grads, strict=True)):
            no_bias = mine_g[-1] == 0 and grads[-1] != 0
            raise Failure(
                f"{shown}: the gradients of w + [b] are {[num(g) for g in mine_g]}, "
                f"expected {[num(g) for g in grads]}",
                hint="add the bias b: tanh(w · x + b), so that b gets a gradient"
                if no_bias
                else "build the output from the parameters themselves, not from copies",
            )

    falsify(_neuron_case(), check)


def _layer(module: types.ModuleType) -> None:
    layer = need(module, "Layer")

    def check(case: tuple[int, list[list[float]], list[float]]) -> None:
        n_out, params, xs = case
        n_in = len(xs)
        made = call(f"Layer({n_in}, {n_out})", layer, n_in, n_out)
        mine = _parameters(module, made, f"Layer({n_in}, {n_out})", n_out * (n_in + 1))
        for p, x in zip(mine, [x for row in params for x in row], strict=True):
            p.data = x
        outs = call(f"Layer({n_in}, {n_out})(xs)", made, xs)
        if not isinstance(outs, list | tuple) or len(outs) != n_out:
            raise Failure(f"Layer({n_in}, {n_out})(xs) must return a list of {n_out} outputs")
        for k, (row, out) in enumerate(zip(params, outs, strict=True)):
            want, _ = _neuron_reference(row[:-1], row[-1], xs)
            data = as_float("an output's .data", getattr(out, "data", out))
            if not close(data, want):
                raise Failure(
                    f"Layer({n_in}, {n_out}) with parameters {params} on xs = {xs}: output {k} "
                    f"is {num(data)}, expected {num(want)}",
                    hint="parameters() lists neuron 0's, then neuron 1's; output k is neuron k's",
                )

    falsify(_neuron_case(3), check)


# -- 9. loss, sgd step, fit ----------------------------------------------------------------

_POINTS = st.integers(1, 4).flatmap(
    lambda n: st.tuples(
        st.lists(_SMALL, min_size=n, max_size=n), st.lists(_SMALL, min_size=n, max_size=n)
    )
)


def _loss(module: types.ModuleType) -> None:
    value, learner = need(module, "Value"), need(module, "loss")

    def check(case: tuple[list[float], list[float]]) -> None:
        ys, ts = case
        leaves = [value(y) for y in ys]
        shown = f"loss({ys}, {ts})"
        out = call(shown, learner, leaves, ts)
        data = as_float(f"{shown}.data", getattr(out, "data", out))
        n = len(ys)
        sq = [(y - t) ** 2 for y, t in zip(ys, ts, strict=True)]
        want = 0.5 * sum(sq) / n
        models = [
            ([0.5 * sum(sq)], "take the mean: divide the sum by the number of examples"),
            ([sum(sq) / n], "the error of one example is 1/2 (y - t)²"),
            ([0.5 * sum(y - t for y, t in zip(ys, ts, strict=True)) / n], "square the difference"),
        ]
        if not close(data, want):
            raise Failure(
                f"{shown} is {num(data)}, expected {num(want)}", hint=_mistake([data], models)
            )
        call("backward(loss)", need(module, "backward"), out)
        for y, t, leaf in zip(ys, ts, leaves, strict=True):
            g = as_float("dloss/dy", leaf.grad)
            if not close(g, (y - t) / n):
                raise Failure(
                    f"{shown}: dloss/dy for y = {y:g} is {num(g)}, expected {num((y - t) / n)}"
                )

    falsify(_POINTS, check)


def _sgd_step(module: types.ModuleType) -> None:
    value, learner = need(module, "Value"), need(module, "sgd_step")
    cases = st.tuples(
        st.lists(st.tuples(_SMALL, _NONZERO), min_size=1, max_size=3),
        st.sampled_from([0.01, 0.1, 0.5]),
    )

    def check(case: tuple[list[tuple[float, float]], float]) -> None:
        pairs, lr = case
        params = []
        for data, g in pairs:
            p = value(data)
            p.grad = g
            params.append(p)
        shown = f"sgd_step(params with (data, grad) = {pairs}, lr={lr:g})"
        call(shown, learner, params, lr)
        for (data, g), p in zip(pairs, params, strict=True):
            got, want = as_float("p.data", p.data), data - lr * g
            if not close(got, want):
                models = [
                    ([data + lr * g], "step against the gradient: p.data -= lr * p.grad"),
                    ([data - g], "scale the step by the learning rate lr"),
                ]
                raise Failure(
                    f"{shown}: a parameter with data {data:g} and grad {g:g} became "
                    f"{num(got)}, expected {num(want)}",
                    hint=_mistake([got], models),
                )

    falsify(cases, check)


def _fit_reference(
    xs: list[float], ts: list[float], lr: float, steps: int, how: str = ""
) -> tuple[float, float]:
    """The line after ``steps`` steps, by the engine; ``how`` plays a typical mistake."""
    w, b = Value(0.0), Value(0.0)
    for _ in range(steps):
        error = sum(
            (0.5 * (w * x + b - t) ** 2 for x, t in zip(xs, ts, strict=True)), Value(0.0)
        ) / len(xs)
        gw, gb = grad(error, [w, b])
        if how == "no_zero":
            w.grad, b.grad = w.grad + gw, b.grad + gb
        else:
            w.grad, b.grad = gw, gb
        if how == "zero_after":
            w.grad = b.grad = 0.0
        w.data -= lr * w.grad
        b.data -= lr * b.grad
    return w.data, b.data


def _fit(module: types.ModuleType) -> None:
    learner = need(module, "fit")
    cases = st.tuples(_POINTS, st.sampled_from([0.05, 0.1, 0.2]), st.integers(1, 4))

    def check(case: tuple[tuple[list[float], list[float]], float, int]) -> None:
        (xs, ts), lr, steps = case
        shown = f"fit(xs={xs}, ts={ts}, lr={lr:g}, steps={steps})"
        got = call(shown, learner, list(xs), list(ts), lr, steps)
        if not isinstance(got, tuple | list) or len(got) != 2:
            raise Failure(f"{shown} returned {got!r:.60}; expected (w, b)")
        w, b = (as_float(shown, x) for x in got)
        want = _fit_reference(xs, ts, lr, steps)
        if close(w, want[0]) and close(b, want[1]):
            return
        models = [
            (
                list(_fit_reference(xs, ts, lr, steps, "no_zero")),
                "gradient not zeroed between steps: backward() adds into .grad, so set each "
                "parameter's grad to 0 before each backward pass",
            ),
            (
                [0.0, 0.0],
                "zero the gradients before backward(), not between backward() and the step",
            ),
        ]
        raise Failure(
            f"{shown} returned w = {num(w)}, b = {num(b)}; "
            f"expected w = {num(want[0])}, b = {num(want[1])}",
            hint=_mistake([w, b], models),
        )

    falsify(cases, check)


# -- 10. MLP ---------------------------------------------------------------------------


@st.composite
def _mlp_case(draw: st.DrawFn) -> tuple[int, list[int], list[float], list[float]]:
    n_in = draw(st.integers(1, 3))
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    ins = [n_in, *sizes[:-1]]
    count = sum((i + 1) * o for i, o in zip(ins, sizes, strict=True))
    params = draw(st.lists(_SMALL, min_size=count, max_size=count))
    return n_in, sizes, params, draw(st.lists(_SMALL, min_size=n_in, max_size=n_in))


def _mlp_reference(
    sizes: list[int], params: list[float], xs: list[float], *, last_tanh: bool = False
) -> list[float]:
    values: list[Any] = list(xs)
    it = iter(params)
    for k, size in enumerate(sizes):
        outs = []
        for _ in range(size):
            ws = [next(it) for _ in values]
            z = sum((w * x for w, x in zip(ws, values, strict=True)), next(it))
            outs.append(z if k == len(sizes) - 1 and not last_tanh else math.tanh(z))
        values = outs
    return [float(v) for v in values]


def _mlp(module: types.ModuleType) -> None:
    mlp = need(module, "MLP")

    def check(case: tuple[int, list[int], list[float], list[float]]) -> None:
        n_in, sizes, params, xs = case
        shown = f"MLP({n_in}, {sizes})"
        model = call(shown, mlp, n_in, list(sizes))
        mine = _parameters(module, model, shown, len(params))
        for p, x in zip(mine, params, strict=True):
            p.data = x
        outs = call(f"{shown}(xs)", model, xs)
        if not isinstance(outs, list | tuple) or len(outs) != sizes[-1]:
            raise Failure(
                f"{shown}(xs) must return the list of the last layer's {sizes[-1]} outputs"
            )
        got = [as_float("an output's .data", getattr(o, "data", o)) for o in outs]
        want = _mlp_reference(sizes, params, xs)
        if all(close(g, w) for g, w in zip(got, want, strict=True)):
            return
        models = [
            (
                _mlp_reference(sizes, params, xs, last_tanh=True),
                "the last layer is linear: Layer(..., linear=True)",
            )
        ]
        raise Failure(
            f"{shown} with parameters {params} on xs = {xs} gives {[num(g) for g in got]}, "
            f"expected {[num(w) for w in want]}",
            hint=_mistake(got, models) or "each layer's inputs are the previous layer's outputs",
        )

    falsify(_mlp_case(), check)


#: The training check: points of the two moons, steps, learning rate, and the accuracy to reach.
MOONS, STEPS, LR, ACCURACY = 30, 100, 0.5, 0.75
#: The real run's moons and weights: fixed, since a correct loop falls short on some draws
#: (one seed in a few hundred left the reference solution at 16 of 30).
TRAIN_SEED = 0


def _train(module: types.ModuleType) -> None:
    mlp, learner = need(module, "MLP"), need(module, "train")
    rng = random.Random()
    seed = rng.randrange(10**6)
    xs, labels = make_moons(MOONS, noise=0.1, seed=seed)
    ts = [2.0 * y - 1.0 for y in labels]
    # first the loop itself, for three steps from known weights, against the engine
    model = call("MLP(2, [3, 1])", mlp, 2, [3, 1])
    params = _parameters(module, model, "MLP(2, [3, 1])", 13)
    start = [round(rng.uniform(-1, 1), 1) for _ in params]
    for p, x in zip(params, start, strict=True):
        p.data = x
    shown = f"train(MLP(2, [3, 1]) with parameters {start}, {MOONS} moons, lr={LR}, steps=3)"
    got = call(shown, learner, model, xs, ts, LR, 3)
    if not isinstance(got, list | tuple) or len(got) != 3:
        raise Failure(f"{shown} returned {got!r:.60}; expected a list of 3 losses")
    losses = [as_float("a loss", x) for x in got]
    want = _train_reference(start, xs, ts, 3)
    if not all(close(g, w) for g, w in zip(losses, want, strict=True)):
        stuck = _train_reference(start, xs, ts, 3, zero=False)
        hint = _mistake(
            losses,
            [
                (
                    stuck,
                    "gradient not zeroed between steps: set every "
                    "parameter's grad to 0 before each backward pass",
                )
            ],
        )
        raise Failure(
            f"{shown}: losses {[num(x) for x in losses]}, expected {[num(x) for x in want]}",
            hint=hint or "the loss before each step, then zero, backward, sgd_step",
        )
    # then a real run, on fixed moons and weights: it must learn them
    seed = TRAIN_SEED
    xs, labels = make_moons(MOONS, noise=0.1, seed=seed)
    ts = [2.0 * y - 1.0 for y in labels]
    random.seed(seed)
    model = call("MLP(2, [8, 1])", mlp, 2, [8, 1])
    call(f"train(MLP(2, [8, 1]), ..., steps={STEPS})", learner, model, xs, ts, LR, STEPS)
    right = sum((model(x)[0].data > 0) == (t > 0) for x, t in zip(xs, ts, strict=True))
    if right < ACCURACY * MOONS:
        raise Failure(
            f"after {STEPS} steps of train on {MOONS} moons (seed {seed}), the "
            f"MLP(2, [8, 1]) classifies {right} of {MOONS} right; it should reach "
            f"{ACCURACY:.0%}"
        )


def _train_reference(
    start: list[float], xs: list[list[float]], ts: list[float], steps: int, *, zero: bool = True
) -> list[float]:
    ps = [Value(x) for x in start]
    acc = [0.0] * len(ps)
    losses = []
    for _ in range(steps):
        outs = []
        for x in xs:
            hidden = [
                F.tanh(ps[3 * k] * x[0] + ps[3 * k + 1] * x[1] + ps[3 * k + 2]) for k in range(3)
            ]
            outs.append(ps[12] + sum((ps[9 + k] * h for k, h in enumerate(hidden)), Value(0.0)))
        error = sum((0.5 * (y - t) ** 2 for y, t in zip(outs, ts, strict=True)), Value(0.0)) / len(
            xs
        )
        losses.append(error.data)
        gs = grad(error, ps)
        acc = [float(g) if zero else a + float(g) for a, g in zip(acc, gs, strict=True)]
        for p, g in zip(ps, acc, strict=True):
            p.data -= LR * g
    return losses


# -- 11. softmax and cross-entropy ----------------------------------------------------------

_SCORES = st.tuples(
    st.lists(_SMALL.map(lambda x: 2 * x), min_size=2, max_size=4, unique=True), st.booleans()
)


def _softmax_reference(zs: list[float]) -> list[float]:
    top = max(zs)
    es = [math.exp(z - top) for z in zs]
    return [e / sum(es) for e in es]


def _softmax(module: types.ModuleType) -> None:
    value, learner = need(module, "Value"), need(module, "softmax")

    def check(case: tuple[list[float], bool]) -> None:
        zs = [z + 1000.0 for z in case[0]] if case[1] else case[0]
        shown = f"softmax({[round(z, 6) for z in zs]})"
        out = call(shown, learner, [value(z) for z in zs])
        if not isinstance(out, list | tuple) or len(out) != len(zs):
            raise Failure(f"{shown} must return a list of {len(zs)} Values")
        got = [as_float("a probability's .data", getattr(p, "data", p)) for p in out]
        want = _softmax_reference(zs)
        if not all(close(g, w) for g, w in zip(got, want, strict=True)):
            plain = sum(zs)
            top = max(zs)
            models = [
                (
                    [z / plain for z in zs] if plain else [],
                    "p_i = exp(z_i) / sum_j exp(z_j): the exps, not the scores",
                ),
                (
                    [math.exp(z - top) for z in zs],
                    "divide each exp by the sum of them all, so that the p's add up to 1",
                ),
                ([math.exp(z) for z in zs], "divide each exp by the sum of them all"),
            ]
            raise Failure(
                f"{shown} is {[num(g) for g in got]}, expected {[num(w) for w in want]}",
                hint=_mistake(got, models),
            )

    falsify(_SCORES, check)


def _cross_entropy(module: types.ModuleType) -> None:
    value, learner = need(module, "Value"), need(module, "cross_entropy")

    def check(case: tuple[tuple[list[float], bool], int]) -> None:
        (zs, big), k = case
        zs = [z + 1000.0 for z in zs] if big else zs
        k %= len(zs)
        leaves = [value(z) for z in zs]
        shown = f"cross_entropy({[round(z, 6) for z in zs]}, {k})"
        out = call(shown, learner, leaves, k)
        data = as_float(f"{shown}.data", getattr(out, "data", out))
        p = _softmax_reference(zs)
        want = -math.log(p[k])
        if not close(data, want):
            models = [
                ([-want], "cross-entropy is -log p_k: the minus sign makes it a loss >= 0"),
                ([-sum(math.log(q) for q in p)], "only the true class k counts: -log p_k"),
            ]
            raise Failure(
                f"{shown} is {num(data)}, expected -log p_{k} = {num(want)}",
                hint=_mistake([data], models),
            )
        call("backward(loss)", need(module, "backward"), out)
        got = [as_float("dL/dz", x.grad) for x in leaves]
        expected = [q - (i == k) for i, q in enumerate(p)]
        if not all(close(g, e, tol=1e-7) for g, e in zip(got, expected, strict=True)):
            raise Failure(
                f"{shown}: dL/dz is {[num(g) for g in got]}, expected p - onehot = "
                f"{[num(e) for e in expected]}",
                hint="build the loss from the scores' Values so that backward reaches them",
            )

    falsify(st.tuples(_SCORES, st.integers(0, 3)), check)


# -- 12. Newton ----------------------------------------------------------------------------

_POLY = st.tuples(  # a x**4 + b x**2 + c x, a and b > 0 (convex), from x; c, x not 0 (f' = 0)
    st.integers(1, 10).map(lambda k: k / 10),
    st.integers(1, 20).map(lambda k: k / 10),
    _NONZERO,
    _NONZERO,
)


def _polynomial(a: float, b: float, c: float) -> Callable[[Any], Any]:
    return _clean(lambda x: a * x**4 + b * x**2 + c * x)


def _second_derivative(module: types.ModuleType) -> None:
    learner = need(module, "second_derivative")

    def check(case: tuple[float, float, float, float]) -> None:
        a, b, c, x = case
        f = _polynomial(a, b, c)
        shown = f"second_derivative(f, {x:g}) for f(x) = {a:g} x**4 + {b:g} x**2 + {c:g} x"
        got = as_float(shown, call(shown, learner, f, x))
        want = reference_derivative(f, order=2)(x)
        if not close(got, want):
            first = reference_derivative(f)(x)
            hint = _mistake(
                [got], [([first], "that is f'(x): differentiate the gradient again, grad(grad(f))")]
            )
            raise Failure(f"{shown} returned {num(got)}, expected {num(want)}", hint=hint)

    falsify(_POLY, check)


def _newton(module: types.ModuleType) -> None:
    learner = need(module, "newton")

    def check(case: tuple[tuple[float, float, float, float], int]) -> None:
        (a, b, c, x0), steps = case
        f = _polynomial(a, b, c)
        shown = f"newton(f, {x0:g}, {steps}) for f(x) = {a:g} x**4 + {b:g} x**2 + {c:g} x"
        got = as_float(shown, call(shown, learner, f, x0, steps))
        d1, d2 = reference_derivative(f), reference_derivative(f, order=2)
        want, plus, root = x0, x0, x0
        for _ in range(steps):
            want -= d1(want) / d2(want)
            plus += d1(plus) / d2(plus)
            root = root - f(root) / d1(root) if d1(root) else root
        if not close(got, want):
            models = [
                ([plus], "step downhill: x - f'(x) / f''(x)"),
                ([root], "that finds where f = 0; the minimum is where f' = 0: x - f'/f''"),
            ]
            raise Failure(
                f"{shown} returned {num(got)}, expected {num(want)}", hint=_mistake([got], models)
            )

    falsify(st.tuples(_POLY, st.integers(1, 4)), check)


# -- the table ------------------------------------------------------------------------------

#: exercise name -> the checks of its parts, in order
CHECKS: dict[str, tuple[Check, ...]] = {
    "derivative": (
        Check("the central difference of five functions at random points and steps", _derivative),
    ),
    "value": (Check("Values record + and * with their inputs, numbers on either side", _value),),
    "local_derivatives": (
        Check("the rule of + on random inputs", lambda m: _rule_check(m, "add_rule", "add")),
        Check("the rule of * on random inputs", lambda m: _rule_check(m, "mul_rule", "mul")),
    ),
    "chain_rule": (
        Check("the four gradients of L = (a * b + c) * f at random points", _chain_rule),
    ),
    "topological_order": (
        Check("each node once, after its inputs, on random graphs", _topological_order),
    ),
    "backward": (
        Check("every gradient of random graphs with shared nodes, as the engine's", _backward),
    ),
    "tanh_exp": (
        Check("tanh's forward", lambda m: _forward(m, "tanh", math.tanh)),
        Check(
            "tanh's rule against central differences", lambda m: _unary_rule(m, "tanh", math.tanh)
        ),
        Check(
            "exp's forward and rule, and backward through random graphs of + * tanh exp",
            _exp,
        ),
    ),
    "neuron": (
        Check("a neuron's output and gradients for random weights and inputs", _neuron),
        Check("a layer of separate neurons, in order", _layer),
    ),
    "sgd": (
        Check("the loss and its gradient", _loss),
        Check("one step of gradient descent", _sgd_step),
        Check("a training loop, step by step as the engine's", _fit),
    ),
    "mlp": (
        Check("an MLP's outputs for random shapes and weights", _mlp),
        Check(
            f"a training loop that learns the two moons ({ACCURACY:.0%} of {MOONS} points)", _train
        ),
    ),
    "softmax": (
        Check("softmax of random scores, large ones too", _softmax),
        Check("cross-entropy and its gradient p - onehot", _cross_entropy),
    ),
    "newton": (
        Check("second derivatives of random quartics", _second_derivative),
        Check("Newton's method, step by step as the engine's", _newton),
    ),
}


@dataclass
class Outcome:
    """What the child reports, as JSON: passed, or the first failing part and why."""

    passed: bool
    shows: list[str] = field(default_factory=list)
    part: int = 0
    message: str = ""
    hint: str = ""
    graph: dict[str, Any] | None = None


def run(name: str, module: types.ModuleType, upto: int | None = None) -> Outcome:
    """Check ``module`` (the learner's code, loaded by the child) against exercise ``name``."""
    checks = CHECKS[name][:upto]
    shows: list[str] = []
    for number, check in enumerate(checks, 1):
        try:
            check.run(module)
        except Failure as failure:
            return Outcome(False, shows, number, failure.message, failure.hint, failure.graph)
        shows.append(check.shows)
    return Outcome(True, shows)

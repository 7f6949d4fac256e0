"""The tape: one sample's loss recorded once and flattened into a list of nodes.

``_tape(fn, params, example)`` calls ``fn`` on the example under a tracer
(``autograd_lite.tracing``) that refuses Python decisions on data and stops
at ``MAX_NODES`` nodes, then flattens the graph once (``topological_order``)
into a ``Tape``: each node's kind (a parameter, an input, a target, a
constant or an operation), its row, and its inputs by position on the tape.
A backend (``backend.Backend``) writes a tape out as code.
"""

from __future__ import annotations

import itertools
import math
import numbers
import reprlib
import sysconfig
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from autograd_lite.engine import Value, topological_order
from autograd_lite.ops import Primitive
from autograd_lite.tracing import TraceError, tracing

__all__ = ["MAX_DEPTH", "MAX_NODES", "GraphTooLargeError", "Tape"]


#: The largest recording compile keeps, a bound on its memory: the digits lesson's CNN
#: records 12,193 nodes per sample in 9 MB (tracemalloc peak), the MLP 64-128-128-10 26,721.
#: The work of compiling the code is bounded apart, by ``step.MAX_LINES``.
MAX_NODES = 100_000
_STDLIB = sysconfig.get_paths()["stdlib"]


class GraphTooLargeError(ValueError):
    """One sample's graph has more than ``MAX_NODES`` nodes: too large to write out as code."""


class _Tracer:
    """Watches a recording: data of Values that depend on the slots must not reach Python,
    and the recording stops as soon as it has made more than ``limit`` nodes."""

    def __init__(self, slots: set[Value], limit: int) -> None:
        self.slots = slots
        self.memo: dict[Value, bool] = {}
        self.limit = limit
        self.fresh: set[int] = set()  # ids of the Values made while recording

    def made(self, v: Value) -> None:
        self.fresh.add(id(v))
        self.check_size()

    def check_size(self) -> None:
        if len(self.fresh) > self.limit:
            raise GraphTooLargeError(
                f"compile: the recording made more than MAX_NODES = {self.limit:,} nodes for "
                "one sample (stopped there): code that long takes Python many seconds and "
                "gigabytes to compile. Compile a smaller per-sample function, or train "
                "without compile"
            )

    def depends(self, v: Value) -> bool:
        """Whether ``v`` is computed from a slot (an input, target or parameter)."""
        memo = self.memo
        stack = [v]
        while stack:
            node = stack[-1]
            if node in memo:
                stack.pop()
                continue
            parents = node.parents
            pending = [p for p in parents if p not in memo]
            if pending:
                stack.extend(pending)
                continue
            memo[node] = node in self.slots or any(memo[p] for p in parents)
            stack.pop()
        return memo[v]

    def read(self, v: Value, what: str, frame: Any) -> None:
        if not self.depends(v):
            return
        while frame.f_back is not None and frame.f_code.co_filename.startswith(_STDLIB):
            frame = frame.f_back  # copy.copy, reprlib: name the line that called them
        where = f"{frame.f_code.co_filename}, line {frame.f_lineno}"
        raise TraceError(
            f"compile: {where}: {what} of a Value that depends on the input, the target or a "
            "parameter. A compiled step records operations, not Python decisions (nor text or "
            "copies made from a number): it would replay what was chosen for the example at "
            "every step. Use a primitive instead (relu, abs, leaky_relu, "
            "functional.logsumexp, ...), pass the number as data (an argument of the step, "
            "not read from a Value), or print and copy outside the compiled function"
        )

    def folded(self, op: Primitive, inputs: Sequence[Value]) -> None:
        if any(self.depends(v) for v in inputs):
            raise TraceError(
                f"compile: {op.name!r} on a Value that depends on the input, the target or a "
                "parameter was computed under no_grad(), so the recording holds a constant "
                "where the replay needs the operation; do not use no_grad() inside the "
                "compiled function"
            )


#: How deeply an example's lists may nest (an image with channels needs 3).
MAX_DEPTH = 8


def _shape_of(sample: object, what: str, depth: int = 0) -> tuple[int, ...]:
    """The nested-list shape of one sample: () for a number, (2,) for [a, b], and so on."""
    if isinstance(sample, Value):
        raise TypeError(f"{what} must hold plain numbers, not Values")
    if isinstance(sample, numbers.Real) and not isinstance(sample, bool):
        try:
            finite = math.isfinite(float(sample))
        except OverflowError:  # an int too large for a float
            finite = False
        if not finite:
            raise ValueError(f"{what} must be a finite float, got {reprlib.repr(sample)}")
        return ()
    if depth >= MAX_DEPTH:
        raise ValueError(f"{what} nests lists deeper than {MAX_DEPTH}")
    if isinstance(sample, (list, tuple)) and sample:
        if len(sample) > MAX_NODES:
            raise GraphTooLargeError(
                f"{what} holds {len(sample):,} items, more than MAX_NODES = {MAX_NODES:,}"
            )
        inner = _shape_of(sample[0], f"{what}[0]", depth + 1)
        if len(sample) * math.prod(inner) > MAX_NODES:
            raise GraphTooLargeError(f"{what} holds more than MAX_NODES = {MAX_NODES:,} numbers")
        for i, item in enumerate(sample[1:], 1):
            if _shape_of(item, f"{what}[{i}]", depth + 1) != inner:
                raise ValueError(f"{what}[{i}] has another shape than {what}[0]")
        return (len(sample), *inner)
    raise TypeError(
        f"{what} must be a number or a non-empty (nested) list of numbers, "
        f"got {type(sample).__name__}"
    )


def _flat(sample: Any, depth: int) -> Iterator[Any]:
    if depth == 0:
        yield sample
    else:
        for item in sample:
            yield from _flat(item, depth - 1)


def _nest(flat: Sequence[Any], shape: tuple[int, ...]) -> Any:
    if not shape:
        return flat[0]
    if len(shape) == 1:
        return list(flat)
    step = len(flat) // shape[0]
    return [_nest(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


@dataclass(frozen=True)
class _Node:
    kind: str  #: "param", "x", "y", "const" or "op"
    index: int  #: the parameter's, input's or target's position; -1 otherwise
    op: Primitive | None
    inputs: tuple[int, ...]  #: tape positions of the inputs
    value: float  #: the constant's value (and the traced value of every node)


@dataclass(frozen=True)
class Tape:
    """A recorded graph in the engine's topological order, slots and constants marked."""

    nodes: tuple[_Node, ...]
    root: int
    outputs: tuple[int, ...]  #: tape positions of the extra outputs (fn returned (loss, out))
    needs: tuple[bool, ...]  #: whether each node depends on a trainable parameter
    #: the distinct rows on the tape, by identity: row k is called as f{k} / d{k} in the code
    rows: tuple[Primitive, ...] = ()

    def row(self, op: Primitive) -> int:
        """``op``'s number among the tape's rows (by identity, never by name)."""
        for k, row in enumerate(self.rows):
            if row is op:
                return k
        raise KeyError(op)  # the tape lists every row it holds: see _tape


@dataclass(frozen=True)
class _Layout:
    nparams: int
    trainable: tuple[bool, ...]
    x_shape: tuple[int, ...]
    y_shape: tuple[int, ...]
    #: each parameter's label (a module's from ``named_parameters()``): names in the source
    labels: tuple[str, ...] = ()

    @property
    def nx(self) -> int:
        return math.prod(self.x_shape)

    @property
    def ny(self) -> int:
        return math.prod(self.y_shape)

    @property
    def x_scalar(self) -> bool:
        return not self.x_shape

    @property
    def y_scalar(self) -> bool:
        return not self.y_shape


def _record(
    order: Sequence[Value],
    params: Sequence[Value],
    xs: Sequence[Value],
    ys: Sequence[Value],
    fresh: set[int],
    at: dict[Value, int],
) -> tuple[list[_Node], list[Value], tuple[Value, Primitive] | None]:
    """The tape's nodes; the leaves it holds that existed before the recording and are not
    parameters (closed-over Values: their data is baked in, so the step watches it); and
    the first operation computed before the recording (which a step cannot replay), if any.
    ``at``: each node's position in ``order``."""
    place: dict[Value, tuple[str, int]] = {}
    for kind, group in (("param", params), ("x", xs), ("y", ys)):
        for i, v in enumerate(group):
            place.setdefault(v, (kind, i))
    nodes = []
    outside: list[Value] = []
    stale: tuple[Value, Primitive] | None = None
    for v in order:
        op = v.op
        if op is not None:
            if id(v) not in fresh and stale is None:
                stale = v, op
            nodes.append(_Node("op", -1, op, tuple(at[p] for p in v.parents), v.data))
        elif v in place:
            kind, i = place[v]
            nodes.append(_Node(kind, i, None, (), v.data))
        else:
            nodes.append(_Node("const", -1, None, (), v.data))
            if id(v) not in fresh:
                outside.append(v)
    return nodes, outside, stale


def _from_slots(nodes: Sequence[_Node]) -> list[bool]:
    """Whether each node depends on a slot (a parameter, the input or the target)."""
    found: list[bool] = []
    for n in nodes:
        found.append(n.kind in ("param", "x", "y") or any(found[j] for j in n.inputs))
    return found


def _needs(nodes: Sequence[_Node], trainable: Sequence[bool]) -> tuple[bool, ...]:
    needs: list[bool] = []
    for n in nodes:
        if n.kind == "param":
            needs.append(trainable[n.index])
        else:
            needs.append(n.kind == "op" and any(needs[i] for i in n.inputs))
    return tuple(needs)


def _split(result: object) -> tuple[Value, list[Value]]:
    """``fn``'s result as (loss, extra outputs)."""
    extra: object = []
    if isinstance(result, tuple) and len(result) == 2:
        result, extra = result
    if not isinstance(result, Value):
        raise TypeError(
            "the compiled function must return a Value (the loss), or (loss, outputs); "
            f"got {type(result).__name__}: {result!r:.80}"
        )
    outs = [extra] if isinstance(extra, Value) else extra
    if not isinstance(outs, (list, tuple)) or not all(isinstance(v, Value) for v in outs):
        raise TypeError("the outputs returned beside the loss must be a Value or a list of Values")
    if len(outs) > MAX_NODES:
        raise GraphTooLargeError(
            f"the function returns {len(outs):,} outputs beside the loss, more than MAX_NODES = "
            f"{MAX_NODES:,}: return fewer (the step keeps each sample's outputs)"
        )
    return result, list(outs)


def _constants(sample: Any) -> Any:
    """A sample's numbers as constant Values, nested as the sample is."""
    if isinstance(sample, (list, tuple)):
        return [_constants(s) for s in sample]
    return Value(sample, requires_grad=False)


def _tape(
    fn: Callable[[Any, Any], Any], params: list[Value], example: tuple[Any, Any]
) -> tuple[Tape, _Layout, list[Value]]:
    """``fn`` recorded on the example: its tape, layout, and the closed-over Values it read."""
    (x_shape, x0), (y_shape, y0) = example
    xs = [Value(v) for v in x0]
    ys = [Value(v) for v in y0]
    slots = {*params, *xs, *ys}
    tracer = _Tracer(slots, MAX_NODES)
    loss, outs = _trace(fn, params, _nest(xs, x_shape), _nest(ys, y_shape), tracer)
    order = topological_order(loss, *outs)  # the one flattening: the tape is made from it
    at = {v: i for i, v in enumerate(order)}
    nodes, outside, stale = _record(order, params, xs, ys, tracer.fresh, at)
    if not _from_slots(nodes)[at[loss]]:
        raise ValueError("the compiled function's loss depends on neither the sample nor params")
    if len(order) > MAX_NODES:
        raise GraphTooLargeError(
            f"compile: one sample's graph has {len(order):,} nodes, more than MAX_NODES = "
            f"{MAX_NODES:,}: code that long takes Python many seconds and gigabytes to compile. "
            "Compile a smaller per-sample function, or train without compile"
        )
    if stale is not None:
        old, op = stale
        raise TraceError(
            f"compile: the loss uses a Value computed before compile() by {op.name!r} "
            f"(data {old.data!r}): the step would replay its computation from today's "
            "inputs, the engine would read its old data. Compute it inside the "
            "compiled function, or pass v.detach() for a constant"
        )
    for v in outside:
        if v.requires_grad:
            raise TraceError(
                f"compile: the loss reads a Value that takes gradients but is not in params "
                f"(data {v.data!r}{', label ' + ascii(v.label) if v.label else ''}): the step "
                "would give it no gradient. Pass it in params, or use it as a constant "
                "(requires_grad=False, or .detach())"
            )
    trainable = tuple(p.requires_grad for p in params)
    labels = tuple(str.__str__(p.label) for p in params)  # set by modules while recording
    layout = _Layout(len(params), trainable, x_shape, y_shape, labels)
    rows: list[Primitive] = []
    for n in nodes:
        if n.op is not None and not any(r is n.op for r in rows):
            rows.append(n.op)
    tape = Tape(
        tuple(nodes), at[loss], tuple(at[o] for o in outs), _needs(nodes, trainable), tuple(rows)
    )
    return tape, layout, outside


def _trace(
    fn: Callable[[Any, Any], Any], params: list[Value], x: Any, y: Any, tracer: _Tracer
) -> tuple[Value, list[Value]]:
    """``fn(x, y)`` recorded under the tracer: its loss and outputs, every Python decision on
    data refused. Frozen parameters are recorded too, so that none is baked in."""
    frozen = [p for p in params if not p.requires_grad]
    for p in frozen:
        p._rg = True  # the slot itself: a flag set for the recording is no change of the model
    try:
        with tracing(tracer):
            loss, outs = _split(fn(x, y))
    finally:
        for p in frozen:
            p._rg = False
    tracer.check_size()  # again, in case fn caught the error and went on
    return loss, outs


def _params(params: Sequence[Value]) -> list[Value]:
    if isinstance(params, (str, bytes)) or not hasattr(params, "__iter__"):
        raise TypeError(f"params must be a sequence of Values, got {type(params).__name__}")
    ps = list(itertools.islice(params, MAX_NODES + 1))  # an endless iterator ends here
    if len(ps) > MAX_NODES:
        raise GraphTooLargeError(
            f"params holds more than MAX_NODES = {MAX_NODES:,} Values (or never ends): a "
            "step that large cannot be written out; train without compile"
        )
    seen: set[Value] = set()
    for i, p in enumerate(ps):
        if not isinstance(p, Value):
            raise TypeError(f"params[{i}] must be a Value, got {type(p).__name__}")
        if not p.is_leaf:
            raise ValueError(f"params[{i}] is computed from other Values; parameters are leaves")
        if p in seen:
            raise ValueError(f"params[{i}] appears twice")
        seen.add(p)
    return ps


def _structure(tape: Tape) -> list[tuple[Any, ...]]:
    """What a tape computes: each node's kind, row (by identity), inputs and constant."""
    return [
        (n.kind, n.index, id(n.op), n.inputs, n.value if n.kind == "const" else None)
        for n in tape.nodes
    ]

"""``compile``: record a per-sample loss once, then replay it on whole batches, fast.

Eager training rebuilds the graph of every example at every step and walks
it node by node. When the graph's shape does not change between steps (the
same network, the same loss), it can be recorded once, flattened into a
tape, and written out as plain code that runs forward and backward without
building a single ``Value``:

>>> from autograd_lite import compile, nn
>>> from autograd_lite.losses import hinge_loss
>>> model = nn.MLP(2, [4, 1], seed=0)
>>> step = compile(lambda x, y: hinge_loss(model(x), y), model.parameters(),
...                example=([0.5, -1.0], 1.0))
>>> loss = step([[0.5, -1.0], [1.0, 2.0]], [1.0, -1.0])   # mean loss; adds to each .grad
>>> print(step.source.splitlines()[0])
# autograd_lite.compile: one sample's loss and its backward pass, unrolled (python backend)

``step(xs, ys)`` does what building ``mean(fn(x, y) for ...)`` and calling
``backward()`` does: it returns the mean loss and *adds* its gradient to
each parameter's ``.grad``, so ``zero_grad()`` and the optimisers work
unchanged. Two backends write the tape out:

* ``"python"``: straight-line Python for one sample, in a loop over the
  batch. Each operation is written by its row of ``PRIMITIVES`` (its
  ``code`` and ``grad_code`` templates, or a call of its functions).
  ``step.source`` shows what backpropagation unrolls to. Every name in it
  is made by the compiler (``v12``, ``f3``); a row of the user's own is
  called by number, and its name appears only in an escaped comment.
* ``"numpy"``: the same tape with one array per node across the batch; the
  ``dot`` nodes of a layer (same inputs, parameter weights) become one
  matrix product, and an activation of the whole layer one operation on
  that matrix. numpy is imported only here.

A replay never silently differs from the engine: the recording refuses
Python decisions on data (``TraceError``); what the recording read besides
the parameters' data (their flags, fn's globals and closure, closed-over
Values, the parameters of modules fn reads) is re-checked at every call,
and recorded again or refused when it changed (see ``compile``); the first
call and every ``check_every``-th are checked against the eager engine on
``CHECK_SAMPLES`` samples, after which a step that failed refuses every
call; and a step whose numbers stop being finite is re-run eagerly, so
that the engine's own error names the operation and its input.
"""

from __future__ import annotations

import builtins
import functools
import itertools
import math
import numbers
import reprlib
import sysconfig
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from autograd_lite import engine as _engine
from autograd_lite import functional as F
from autograd_lite.checks import plain_list
from autograd_lite.engine import (
    TraceError,
    Value,
    add_to_grad,
    grad,
    topological_order,
    tracing,
)
from autograd_lite.ops import PRIMITIVES, Primitive, dot_layout, numpy_names, python_names

__all__ = ["CompiledStep", "GraphTooLargeError", "ReplayMismatchError", "TraceError", "compile"]

BACKENDS = ("python", "numpy")
#: The largest recording compile writes out. Measured on a chain of 25,000 nodes: 0.45 s
#: and 150 MB to compile its code; at 100,000 nodes, 6 to 9 s and 1.6 GB. Beyond this,
#: train eagerly.
MAX_NODES = 25_000
#: How many samples of a batch the checks against the eager engine replay (the first call
#: and every ``check_every``-th): spread evenly over the batch, whatever its size.
CHECK_SAMPLES = 8
#: The most samples a batch may have when it is not already a list, tuple or array (a
#: ``range``, say): beyond that it is refused rather than read.
MAX_BATCH = 10_000_000

_STDLIB = sysconfig.get_paths()["stdlib"]

#: The library's rows are the very objects in PRIMITIVES (see _library): only their code
#: templates are pasted into generated source, and the compiler's special cases are chosen
#: by identity, never by a name.
_SUM, _DOT = PRIMITIVES["sum"], PRIMITIVES["dot"]


class GraphTooLargeError(ValueError):
    """One sample's graph has more than ``MAX_NODES`` nodes: too large to write out as code."""


class ReplayMismatchError(RuntimeError):
    """A compiled step no longer computes what the eager engine computes; the message says
    why. The step refuses every later call: compile again."""


def _library(op: Primitive) -> bool:
    return PRIMITIVES.get(op.name) is op  # this very row is in the table


# -- recording -----------------------------------------------------------------------------


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


# -- the tape ---------------------------------------------------------------------------------


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


def _record(
    order: Sequence[Value],
    params: Sequence[Value],
    xs: Sequence[Value],
    ys: Sequence[Value],
    fresh: set[int],
) -> tuple[list[_Node], list[Value]]:
    """The tape's nodes, and the leaves it holds that existed before the recording and are
    not parameters (closed-over Values: their data is baked in, so the step watches it)."""
    place: dict[Value, tuple[str, int]] = {}
    for kind, group in (("param", params), ("x", xs), ("y", ys)):
        for i, v in enumerate(group):
            place.setdefault(v, (kind, i))
    at = {v: i for i, v in enumerate(order)}
    nodes = []
    outside: list[Value] = []
    for v in order:
        op = v.op
        if op is not None:
            if id(v) not in fresh:
                raise TraceError(
                    f"compile: the loss uses a Value computed before compile() by {op.name!r} "
                    f"(data {v.data!r}): the step would replay its computation from today's "
                    "inputs, the engine would read its old data. Compute it inside the "
                    "compiled function, or pass v.detach() for a constant"
                )
            nodes.append(_Node("op", -1, op, tuple(at[p] for p in v.parents), v.data))
        elif v in place:
            kind, i = place[v]
            nodes.append(_Node(kind, i, None, (), v.data))
        else:
            nodes.append(_Node("const", -1, None, (), v.data))
            if id(v) not in fresh:
                outside.append(v)
    return nodes, outside


def _needs(nodes: Sequence[_Node], trainable: Sequence[bool]) -> tuple[bool, ...]:
    needs: list[bool] = []
    for n in nodes:
        if n.kind == "param":
            needs.append(trainable[n.index])
        else:
            needs.append(n.kind == "op" and any(needs[i] for i in n.inputs))
    return tuple(needs)


# -- writing the tape out as Python -------------------------------------------------------------


def _literal(x: float) -> str:
    text = repr(float(x))
    return f"({text})" if text.startswith("-") else text


def _names(tape: Tape, prefix: str = "") -> list[str]:
    out = []
    for i, n in enumerate(tape.nodes):
        if n.kind == "param":
            out.append(f"p{n.index}")
        elif n.kind in ("x", "y"):
            out.append(f"{n.kind}{n.index}")
        elif n.kind == "const":
            out.append(_literal(n.value))
        else:
            out.append(f"v{i}")
    return out


#: An n-ary node with more inputs than this is compiled as a call of its row's function:
#: one long expression would be too deep for Python's compiler.
LONGEST_EXPRESSION = 100


def _templates(op: Primitive, numpy: bool) -> tuple[str | None, tuple[str, ...] | None]:
    """A row's code templates (forward, gradients): the library's rows only. A row of the
    user's own is compiled as a call of its functions, so none of its text reaches the code."""
    if not _library(op):
        return None, None
    return (op.np_code, op.np_grad_code) if numpy else (op.code, op.grad_code)


def _forward_line(op: Primitive, k: int, out: str, args: list[str], numpy: bool) -> str:
    """Node ``out = op(args)`` as one line; ``k``: the row's number on the tape (``f{k}``)."""
    code = _templates(op, numpy)[0]
    if code is not None:
        return f"{out} = {code.format(*args)}"
    if op is _SUM and numpy:  # the engine's fsum, on each sample: see _numpy_namespace
        return f"{out} = np_fsum({', '.join(args)})"
    if len(args) > LONGEST_EXPRESSION:
        return f"{out} = f{k}({', '.join(args)})"
    if op is _SUM:
        return f"{out} = fsum(({', '.join(args)},))"
    if op is _DOT:  # b + w_1 x_1 + ... + w_n x_n, summed in the engine's order
        w, x, b = dot_layout(len(args))
        terms = [f"{wk} * {xk}" for wk, xk in zip(args[w], args[x], strict=True)]
        start = [] if b is None else [args[b]]
        return f"{out} = {' + '.join(start + terms) or '0.0'}"
    return f"{out} = f{k}({', '.join(args)})"


def _grad_exprs(
    op: Primitive, k: int, g: str, out: str, args: list[str], numpy: bool, temp: str
) -> tuple[list[str], list[str]]:
    """(lines to run first, one gradient expression per input) for one node."""
    templates = _templates(op, numpy)[1]
    if templates is not None and op.arity is None:  # one template, for each input in turn
        return [], [templates[0].format(a, g=g, out=out) for a in args]
    if templates is not None:
        return [], [t.format(*args, g=g, out=out) for t in templates]
    if op is _DOT:  # d/dw_i = x_i, d/dx_i = w_i, d/db = 1
        w, x, b = dot_layout(len(args))
        grads = [f"{g} * {a}" for a in args[x]] + [f"{g} * {a}" for a in args[w]]
        return [], grads + ([] if b is None else [g])
    call = f"{temp} = d{k}({g}, {out}, {', '.join(args)})"
    return [call], [f"{temp}[{j}]" for j in range(len(args))]


def _unpack(prefix: str, count: int, scalar: bool, source: str) -> str:
    if scalar:
        return f"{prefix}0 = {source}"
    return f"{', '.join(f'{prefix}{k}' for k in range(count))}, = {source}"


def _python_source(tape: Tape, layout: _Layout) -> str:
    """The tape as one Python function: a loop over the batch, straight-line code inside."""
    nodes = tape.nodes
    names = _names(tape)
    lines = [
        f"# {len(nodes)} nodes in topological order. p0..: parameters (their .data at each "
        "step); x0..: one sample's input; y0..: its target",
        "# vN: the value of node N; gN: d(loss)/d(vN); GJ: the gradient of pJ, summed over "
        "the batch",
        "def replay(P, X, Y):",
    ]
    body = []
    if layout.nparams:
        body.append(_unpack("p", layout.nparams, False, "P"))
    trained = [j for j in range(layout.nparams) if layout.trainable[j]]
    if trained:
        body.append(f"{' = '.join(f'G{j}' for j in trained)} = 0.0")
    body += ["losses = []", "check = 0.0", "outs = []", "for x, y in zip(X, Y):"]
    loop = [
        _unpack("x", layout.nx, layout.x_scalar, "x"),
        _unpack("y", layout.ny, layout.y_scalar, "y"),
        "# forward",
    ]
    for i, n in enumerate(nodes):
        if n.op is None:
            continue
        args = [names[j] for j in n.inputs]
        loop.append(_forward_line(n.op, tape.row(n.op), names[i], args, numpy=False))
        if n.op.hides_overflow:  # an inf or NaN here could vanish: watch it
            watched = [a for a, j in zip(args, n.inputs, strict=True) if nodes[j].kind != "const"]
            if watched:
                loop.append(f"check += {' + '.join(watched)}")
    loop.append(f"losses.append({names[tape.root]})")
    if tape.outputs:
        loop.append(f"outs.append(({', '.join(names[i] for i in tape.outputs)},))")
    loop.append("# backward")
    loop += _python_backward(tape, names)
    body += ["    " + line for line in loop]
    result = "".join(f"G{j}, " if layout.trainable[j] else "0.0, " for j in range(layout.nparams))
    body.append(f"return fsum(losses), ({result}), check, outs  # summed as the engine sums")
    return "\n".join(lines + ["    " + line for line in body]) + "\n"


def _python_backward(tape: Tape, names: list[str]) -> list[str]:
    nodes = tape.nodes
    if not tape.needs[tape.root]:
        return []
    root = nodes[tape.root]
    if root.kind == "param":  # the loss is a parameter itself
        return [f"G{root.index} += 1.0"]
    grads = {tape.root}  # nodes whose gradient variable exists
    lines = [f"g{tape.root} = 1.0"]

    def send(j: int, expr: str) -> None:
        if nodes[j].kind == "param":
            lines.append(f"G{nodes[j].index} += {expr}")
        elif j in grads:
            lines.append(f"g{j} += {expr}")
        else:
            grads.add(j)
            lines.append(f"g{j} = {expr}")

    for i in range(len(nodes) - 1, -1, -1):
        op = nodes[i].op
        if op is None or i not in grads:
            continue
        if op.hides_overflow:
            lines.append(f"check += g{i}")
        pre, sent = _contributions(tape, names, i, numpy=False)
        lines += pre
        for j, expr in sent:
            send(j, expr)
    return lines


def _contributions(
    tape: Tape, names: list[str], i: int, *, numpy: bool
) -> tuple[list[str], list[tuple[int, str]]]:
    """Node i's rule, written out: (lines to run first, (input, gradient expression) pairs)."""
    n = tape.nodes[i]
    wanted = [k for k, j in enumerate(n.inputs) if tape.needs[j]]
    if n.op is None or not wanted:
        return [], []
    args = [names[j] for j in n.inputs]
    k = tape.row(n.op)
    pre, exprs = _grad_exprs(n.op, k, f"g{i}", names[i], args, numpy=numpy, temp=f"t{i}")
    return pre, [(n.inputs[k], exprs[k]) for k in wanted]


# -- writing the tape out as numpy ------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    """Sibling ``dot`` nodes of a layer: same inputs, parameter weights: one matrix product."""

    members: tuple[int, ...]
    weights: tuple[tuple[int, ...], ...]  #: parameter indices, one row per member
    biases: tuple[int, ...] | None
    inputs: tuple[int, ...]  #: tape positions of the shared inputs


def _groups(tape: Tape, batched: Sequence[bool]) -> list[_Group]:
    nodes = tape.nodes
    # (inputs, has a bias) -> [(node, its weights, its bias)]
    Row = tuple[int, tuple[int, ...], tuple[int, ...]]
    found: dict[tuple[tuple[int, ...], bool], list[Row]] = {}
    for i, n in enumerate(nodes):
        if n.op is not _DOT or len(n.inputs) < 2:
            continue
        w, x, b = dot_layout(len(n.inputs))
        ws, xs = n.inputs[w], n.inputs[x]
        bias = () if b is None else (n.inputs[b],)
        if not all(nodes[j].kind == "param" for j in (*ws, *bias)):
            continue
        if not all(batched[j] for j in xs):
            continue
        found.setdefault((xs, bool(bias)), []).append((i, ws, bias))
    groups = []
    for (xs, has_bias), rows in found.items():
        members = tuple(i for i, _, _ in rows)
        weights = tuple(tuple(nodes[j].index for j in ws) for _, ws, _ in rows)
        flat = [w for row in weights for w in row]
        biases = tuple(nodes[bias[0]].index for _, _, bias in rows) if has_bias else None
        if len(set(flat)) != len(flat) or (biases and len(set(biases)) != len(biases)):
            continue  # a weight shared inside the layer: keep those nodes apart
        groups.append(_Group(members, weights, biases, xs))
    return groups


@dataclass
class _Block:
    """Nodes computed together as the rows of one matrix (a layer, or its activations)."""

    name: str
    rows: tuple[int, ...]
    producer: str  #: "dot" (a fused layer) or "unary" (an activation over a block)
    group: _Group | None = None  #: for "dot"
    source: _Block | None = None  #: for "unary": the block it is applied to
    op: Primitive | None = None  #: for "unary"
    inputs: str = ""  #: for "dot": the matrix of its inputs (a block, X, or np.stack(...))
    input_block: _Block | None = None  #: for "dot": the block its inputs are, if one is


def _blocks(tape: Tape) -> tuple[list[_Block], dict[int, _Block]]:
    """The layers (dot groups) and the activations applied to whole layers, in tape order."""
    nodes = tape.nodes
    consumers: list[list[int]] = [[] for _ in nodes]
    for i, n in enumerate(nodes):
        for j in n.inputs:
            consumers[j].append(i)
    blocks: list[_Block] = []
    block_of: dict[int, _Block] = {}
    for k, grp in enumerate(_groups(tape, _batched(tape))):
        block = _Block(f"H{k}", grp.members, "dot", group=grp)
        blocks.append(block)
        for m in grp.members:
            block_of[m] = block
        # an activation applied to every row of the layer, in order: one more matrix
        users = [[c for c in consumers[m] if _elementwise_of(nodes[c], m)] for m in grp.members]
        if all(users):
            firsts = [u[0] for u in users]
            ops = {nodes[u].op for u in firsts}
            if len(ops) == 1 and len(set(firsts)) == len(firsts):
                act = _Block(f"R{k}", tuple(firsts), "unary", source=block, op=ops.pop())
                blocks.append(act)
                for u in firsts:
                    block_of[u] = act
    for block in blocks:  # where each layer's inputs come from
        if block.group is None:
            continue
        xs = block.group.inputs
        source = block_of.get(xs[0])
        if source is not None and source.rows == xs:
            block.inputs, block.input_block = source.name, source
        elif all(nodes[j].kind == "x" for j in xs):
            order = [nodes[j].index for j in xs]
            exact = order == list(range(len(order))) and len(order) == _input_count(tape)
            block.inputs = "X" if exact else f"X[{order}]"
        else:
            names = _names(tape)
            block.inputs = f"np.stack([{', '.join(names[j] for j in xs)}])"
    blocks.sort(key=lambda b: min(b.rows))
    return blocks, block_of


def _input_count(tape: Tape) -> int:
    return sum(1 for n in tape.nodes if n.kind == "x")


def _elementwise_of(node: _Node, m: int) -> bool:
    op = node.op
    if op is None or op.arity != 1 or node.inputs != (m,):
        return False
    code, grads = _templates(op, numpy=True)
    return code is not None and grads is not None


def _numpy_source(tape: Tape, layout: _Layout) -> tuple[str, dict[str, Any]]:
    """The tape as one numpy function over a whole batch (one array per node, or per layer)."""
    nodes = tape.nodes
    names = _names(tape)
    blocks, block_of = _blocks(tape)
    consts: dict[str, Any] = {}
    for b in blocks:
        if b.group is not None:
            consts[f"W{b.name[1:]}"] = b.group.weights
            if b.group.biases is not None:
                consts[f"B{b.name[1:]}"] = [[i] for i in b.group.biases]  # Pa[B] is a column
    loose = _loose_rows(tape, blocks, block_of)
    first = {min(b.rows): b for b in blocks}
    layers = sum(1 for b in blocks if b.producer == "dot")
    lines = [
        f"# {len(nodes)} nodes in topological order, one array per node across the batch; "
        f"layers of dot nodes as matrix products ({layers}), activations of whole layers too",
        "def replay(P, X, Y):",
    ]
    body = ["Pa = np.fromiter(P, float, len(P))", "n = X.shape[1]"]
    loose_params = {
        nodes[j].index
        for i, n in enumerate(nodes)
        if i not in block_of
        for j in n.inputs
        if nodes[j].kind == "param"
    } | {nodes[j].index for j in (tape.root, *tape.outputs) if nodes[j].kind == "param"}
    body += [f"p{j} = P[{j}]" for j in sorted(loose_params)]
    body.append(_unpack("x", layout.nx, False, "X"))
    body.append(_unpack("y", layout.ny, False, "Y"))
    body.append("# forward")
    for i, n in enumerate(nodes):
        if n.op is None:
            continue
        if i in first:
            body += _block_forward(first[i], names, loose)
        if i not in block_of:
            args = [names[j] for j in n.inputs]
            body.append(_forward_line(n.op, tape.row(n.op), names[i], args, numpy=True))
    root = names[tape.root]
    # the batch's losses summed as the engine sums them (math.fsum, where it matters)
    body.append(f"total = np_total(np.broadcast_to({root}, (n,)))")
    outs = ", ".join(f"np.broadcast_to({names[i]}, (n,))" for i in tape.outputs)
    body.append(f"outs = [{outs}]")
    body.append("G = np.zeros(len(P))")
    body.append("# backward")
    body += _numpy_backward(tape, names, blocks, block_of, first)
    body.append("return total, G, 0.0, outs")
    return "\n".join(lines + ["    " + line for line in body]) + "\n", consts


def _loose_rows(tape: Tape, blocks: list[_Block], block_of: dict[int, _Block]) -> set[int]:
    """The rows of blocks that get a name of their own: something outside the matrices reads
    them (or they are the loss, or an output)."""
    taken_whole = {b.input_block.name for b in blocks if b.input_block is not None} | {
        b.source.name for b in blocks if b.source is not None
    }
    loose: set[int] = {tape.root, *tape.outputs}
    for i, n in enumerate(tape.nodes):
        if i in block_of and block_of[i].producer == "unary":
            continue
        if i in block_of and block_of[i].group is not None and block_of[i].input_block is not None:
            continue
        for j in n.inputs:
            if j in block_of and (block_of[j].name not in taken_whole or i not in block_of):
                loose.add(j)
    return loose


def _block_forward(b: _Block, names: list[str], loose: set[int]) -> list[str]:
    """A layer as one matrix product (or an activation over one), then its loose rows."""
    k = b.name[1:]
    if b.group is not None:
        bias = f" + Pa[B{k}]" if b.group.biases is not None else ""  # B{k}: a column of indices
        lines = [f"S{k} = {b.inputs}", f"M{k} = Pa[W{k}]", f"{b.name} = M{k} @ S{k}{bias}"]
    else:
        assert b.op is not None and b.source is not None
        code = _templates(b.op, numpy=True)[0]
        assert code is not None  # _elementwise_of chose library rows with templates only
        lines = [f"{b.name} = {code.format(b.source.name)}"]
    if any(r in loose for r in b.rows):
        lines.append(f"{', '.join(names[r] if r in loose else '_' for r in b.rows)}, = {b.name}")
    return lines


def _batched(tape: Tape) -> list[bool]:
    out: list[bool] = []
    for n in tape.nodes:
        out.append(n.kind in ("x", "y") or (n.kind == "op" and any(out[j] for j in n.inputs)))
    return out


class _NumpyBackward:
    """The numpy backward pass being written: which gradients exist, and the lines so far."""

    def __init__(self, tape: Tape, names: list[str], blocks: list[_Block]) -> None:
        self.tape, self.names = tape, names
        self.grads = {tape.root}  # nodes with a gradient variable of their own
        self.whole: dict[str, list[str]] = {b.name: [] for b in blocks}  # matrix gradients
        self.lines = [f"g{tape.root} = np.ones(n)"]
        self.uses = [0] * len(tape.nodes)  # how many inputs of other nodes each node is
        for n in tape.nodes:
            for j in n.inputs:
                self.uses[j] += 1

    def only_use(self, group: _Group) -> bool:
        """Whether the layer's weights and biases are inputs of its own nodes only."""
        mine = {j for m in group.members for j in self.tape.nodes[m].inputs}
        params = [j for j in mine if self.tape.nodes[j].kind == "param"]
        return all(self.uses[j] == 1 for j in params)

    def send(self, j: int, expr: str) -> None:
        """Add ``expr`` to node ``j``'s gradient (a parameter's: summed over the batch)."""
        node = self.tape.nodes[j]
        if node.kind == "param":
            self.lines.append(f"G[{node.index}] += np.sum({expr})")
        elif j in self.grads:
            self.lines.append(f"g{j} = g{j} + {expr}")
        else:
            self.grads.add(j)
            self.lines.append(f"g{j} = {expr}")

    def gradient_of(self, b: _Block) -> str:
        parts = list(self.whole[b.name])
        if any(r in self.grads for r in b.rows):
            rows = [f"g{r}" if r in self.grads else "np.zeros(n)" for r in b.rows]
            parts.append(f"{rows[0]}[None]" if len(rows) == 1 else f"np.stack([{', '.join(rows)}])")
        return " + ".join(parts) if parts else "0.0"

    def block(self, b: _Block) -> None:
        """A layer's gradients as matrices (weights, bias, inputs), or an activation's."""
        key, lines = b.name[1:], self.lines
        arriving = self.gradient_of(b)
        if arriving == "0.0":  # only the outputs read it: no gradient to pass on
            return
        lines.append(f"G{b.name} = {arriving}")
        if b.group is None:
            assert b.op is not None and b.source is not None
            grads = _templates(b.op, numpy=True)[1]
            assert grads is not None  # _elementwise_of chose library rows with templates only
            expr = grads[0].format(b.source.name, g=f"G{b.name}", out=b.name)
            lines.append(f"GA{key} = {expr}")
            self.whole[b.source.name].append(f"GA{key}")
            return
        # a layer whose weights nothing else reads is their only gradient: "=", not "+="
        add = "=" if self.only_use(b.group) else "+="
        lines.append(f"G[W{key}] {add} G{b.name} @ S{key}.T")
        if b.group.biases is not None:
            lines.append(f"G[B{key}] {add} G{b.name}.sum(axis=1, keepdims=True)")
        if any(self.tape.needs[j] for j in b.group.inputs):
            lines.append(f"GS{key} = M{key}.T @ G{b.name}")
            if b.input_block is not None:
                self.whole[b.input_block.name].append(f"GS{key}")
            else:
                for r, j in enumerate(b.group.inputs):
                    if self.tape.needs[j]:
                        self.send(j, f"GS{key}[{r}]")

    def node(self, i: int) -> None:
        pre, sends = _contributions(self.tape, self.names, i, numpy=True)
        self.lines += pre
        for j, expr in sends:
            self.send(j, expr)


def _numpy_backward(
    tape: Tape,
    names: list[str],
    blocks: list[_Block],
    block_of: dict[int, _Block],
    first: dict[int, _Block],
) -> list[str]:
    if not tape.needs[tape.root]:
        return []
    root = tape.nodes[tape.root]
    if root.kind == "param":  # the loss is a parameter itself
        return [f"G[{root.index}] += n"]
    writer = _NumpyBackward(tape, names, blocks)
    for i in range(len(tape.nodes) - 1, -1, -1):
        if i in first and any(tape.needs[r] for r in first[i].rows):  # not just the first row
            writer.block(first[i])
        if tape.nodes[i].op is not None and i in writer.grads and i not in block_of:
            writer.node(i)
    return writer.lines


def _numpy_namespace(np: Any, rows: Sequence[Primitive]) -> dict[str, Any]:
    """numpy forms of the tape's rows, as ``f{k}`` (forward) and ``d{k}`` (rule) for row k,
    and the helpers their templates call: all from the rows (``np_forward``, ``np_vjp``,
    ``names``); any other row (a row of the user's own, too) runs its float functions
    element by element."""

    def total(losses: Any) -> float:  # the exact sum of one column, in Python floats (faster)
        rough = float(losses.sum())
        if float(np.abs(losses).sum()) * (len(losses) * 2.0**-53) <= 2.0**-44 * abs(rough):
            return rough
        return math.fsum(losses.tolist())

    ours = [row for row in rows if _library(row)]
    ns: dict[str, Any] = {
        **numpy_names(np, ours),
        "np": np,
        "np_fsum": _SUM.np_forward(np) if _SUM.np_forward else None,
        "np_total": total,
    }
    for k, row in enumerate(rows):
        mine = _library(row)
        fwd = row.np_forward if mine and row.np_forward else None
        vjp = row.np_vjp if mine and row.np_vjp else None
        ns[f"f{k}"] = fwd(np) if fwd else _elementwise(np, row.forward, many=False)
        ns[f"d{k}"] = vjp(np) if vjp else _elementwise(np, row.vjp, many=True)
    return ns


def _elementwise(np: Any, f: Callable[..., Any], *, many: bool) -> Callable[..., Any]:
    def apply(*args: Any) -> Any:
        arrays = np.broadcast_arrays(*[np.asarray(a, dtype=float) for a in args])
        cols = zip(*[a.ravel().tolist() for a in arrays], strict=True)
        results = [f(*col) for col in cols]
        shape = arrays[0].shape
        if many:
            return tuple(
                np.array(r, dtype=float).reshape(shape) for r in zip(*results, strict=True)
            )
        return np.array(results, dtype=float).reshape(shape)

    return apply


# -- the compiled step -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    nparams: int
    trainable: tuple[bool, ...]
    x_shape: tuple[int, ...]
    y_shape: tuple[int, ...]

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


class CompiledStep:
    """A recorded loss, replayed on batches: ``loss = step(xs, ys)`` (see ``compile``).

    ``source`` is the generated code, ``nodes`` the size of the recorded graph,
    ``outputs`` each sample's extra outputs from the last call (when ``fn``
    returned ``(loss, outputs)``), ``calls`` how many times it ran, ``checks``
    how many of those were compared with the eager engine, ``eager_runs`` how
    many fell back to it, ``recordings`` how many times ``fn`` was recorded
    (again when something it reads changed: see ``compile``).
    """

    def __init__(
        self,
        fn: Callable[[Any, Any], Any],
        params: list[Value],
        example: tuple[Any, Any],
        backend: str,
        check_every: int | None,
    ) -> None:
        self.fn = fn
        self.params = params
        self.backend = backend
        self.check_every = check_every
        self.calls = 0
        self.checks = 0
        self.eager_runs = 0
        self.recordings = 0
        self.outputs: list[tuple[float, ...]] = []
        self._example = example
        self._broken: str | None = None
        if backend == "numpy":
            import numpy  # lazily: the engine itself stays pure Python

            self._np: Any = numpy
        self._record()

    def _record(self) -> None:
        """Record ``fn`` on the example and write the tape out as code; note what it read."""
        tape, layout, outside = _tape(self.fn, self.params, self._example)
        self.tape = tape
        self._layout = layout
        self.nodes = len(tape.nodes)
        self._trained = [p for p, t in zip(self.params, layout.trainable, strict=True) if t]
        self._trained_at = [j for j, t in enumerate(layout.trainable) if t]
        if self.backend == "numpy":
            np = self._np
            code, consts = _numpy_source(tape, layout)
            namespace = _numpy_namespace(np, tape.rows)
            namespace["fsum"] = math.fsum
            namespace.update({k: np.array(v, dtype=np.intp) for k, v in consts.items()})
        else:
            code = _python_source(tape, layout)
            namespace = {"fsum": math.fsum, **python_names(filter(_library, tape.rows))}
            for k, row in enumerate(tape.rows):
                namespace[f"f{k}"] = row.forward
                namespace[f"d{k}"] = row.vjp
        header = (
            "# autograd_lite.compile: one sample's loss and its backward pass, unrolled "
            f"({self.backend} backend)\n"
        )
        self.source = header + _row_comments(tape) + code
        exec(builtins.compile(self.source, f"<compiled {self.backend} step>", "exec"), namespace)
        self._replay: Callable[..., Any] = namespace["replay"]
        self._key = _Key(self.fn, self.params, outside)
        self._unchecked = True  # the first call of every recording is checked
        self.recordings += 1

    def __repr__(self) -> str:
        return f"<CompiledStep: {self.nodes} nodes, {self.backend} backend>"

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise TypeError(
            "a compiled step cannot be copied or pickled: it replays code made for the "
            "parameters it was compiled with. Copy the model, then compile a step for the copy"
        )

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        self.__reduce_ex__(4)

    # -- one call ---------------------------------------------------------------------------

    def __call__(self, xs: Sequence[Any], ys: Sequence[Any]) -> float:
        """The mean loss over the batch; its gradient is added to each parameter's ``.grad``.

        ``xs`` and ``ys``: sequences of samples (lists, tuples, or numpy arrays,
        which the numpy backend reads without a copy).
        """
        if self._broken is not None:
            raise ReplayMismatchError(self._broken)
        self._still_valid()
        xs, ys, X, Y = self._inputs(xs, ys)
        n = len(xs)
        self.calls += 1
        result = self._try_replay(X, Y)
        if result is None:  # not finite, or an error: the engine says what and where
            _finite(X, "input")
            _finite(Y, "target")
            self.eager_runs += 1
            total, sums, outs = self._eager(plain_list(xs), plain_list(ys))
            means = [g / n for g in sums]
        else:
            total, G, outs = result
            # numpy divides each entry as Python would: the same means, bit for bit
            means = (G / n).tolist() if self.backend == "numpy" else [g / n for g in G]
            if self._unchecked or (self.check_every and self.calls % self.check_every == 0):
                self._check(xs, ys, X, Y, result)
                self._unchecked = False
        add_to_grad(zip(self._trained, means, strict=True))
        self.outputs = outs
        return total / n

    def _still_valid(self) -> None:
        """Re-record if something the recording read has changed; refuse if it cannot be."""
        key = self._key
        changed = key.changed()
        if changed is None:
            return
        fatal, why = changed
        if fatal:
            self._broken = (
                f"compiled step (call {self.calls + 1}): {why}. This step refuses every later "
                "call: compile again with the Values the function reads now (and give the "
                "optimiser the same ones)"
            )
            raise ReplayMismatchError(self._broken)
        try:
            self._record()  # the recording no longer holds: make it again, as it is now
        except Exception as error:
            error.add_note(f"(recording the function again at call {self.calls + 1}: {why})")
            raise

    def _check(self, xs: Any, ys: Any, X: Any, Y: Any, result: Any) -> None:
        """Compare the replay with the eager engine on ``CHECK_SAMPLES`` samples spread over
        the batch (all of a small batch): the cost does not grow with the batch."""
        n = len(xs)
        if n <= CHECK_SAMPLES:
            sx, sy, (total, G, _) = plain_list(xs), plain_list(ys), result
        else:
            at = [i * n // CHECK_SAMPLES for i in range(CHECK_SAMPLES)]
            if self.backend == "numpy":
                sub = self._try_replay(X[:, at], Y[:, at])
                sx, sy = xs[at].tolist(), ys[at].tolist()
            else:
                sub = self._try_replay([X[i] for i in at], [Y[i] for i in at])
                sx, sy = [xs[i] for i in at], [ys[i] for i in at]
            if sub is None:  # the whole batch replayed, part of it did not: no engine does that
                self._fail(f"the replay of {CHECK_SAMPLES} of the batch's samples failed")
            total, G, _ = sub
        self._compare(sx, sy, total, plain_list(G))

    def _inputs(self, xs: Sequence[Any], ys: Sequence[Any]) -> tuple[Any, Any, Any, Any]:
        """``(xs, ys, X, Y)``: the batch checked against the example's shape, and as the replay
        takes it (numpy: each as an array of samples, and transposed, one row per entry)."""
        xs, ys = _ordered(xs, "inputs"), _ordered(ys, "targets")
        layout = self._layout
        if self.backend == "numpy":
            xs, ys = self._samples(xs), self._samples(ys)
            _one_length(xs, ys)  # first, as for lists
            xa = self._array(xs, layout.x_shape, "input")
            ya = self._array(ys, layout.y_shape, "target")
            return xa, ya, xa.reshape(len(xa), -1).T, ya.reshape(len(ya), -1).T
        xs, ys = plain_list(xs), plain_list(ys)
        _one_length(xs, ys)
        X = _plain_samples(xs, layout.x_shape, "input")
        Y = _plain_samples(ys, layout.y_shape, "target")
        return xs, ys, X, Y

    def _try_replay(self, X: Any, Y: Any) -> tuple[float, Any, list[tuple[float, ...]]] | None:
        """(loss sum, gradient sums, outputs), or None where the numbers stop being finite.

        The gradient sums are a numpy array with the numpy backend, a list with the other.
        """
        P = [p.data for p in self.params]
        try:
            if self.backend == "numpy":
                np = self._np
                with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                    total, G, check, outs = self._replay(P, X, Y)
                    if len(self._trained_at) < len(P):
                        G = G[self._trained_at]
                    if not np.isfinite(G).all():
                        return None
                outs = [tuple(r) for r in np.stack(outs, axis=1).tolist()] if outs else []
            else:
                total, G, check, outs = self._replay(P, X, Y)
                G = [G[j] for j in self._trained_at]
                spread = sum(G)  # inf or NaN if one of them is (or, rarely, if they overflow)
                if spread - spread != 0.0 and not all(math.isfinite(g) for g in G):
                    return None
        except (ArithmeticError, ValueError, TypeError, IndexError):
            return None
        if not math.isfinite(total + check):
            return None
        return float(total), G, outs

    def _samples(self, batch: Any) -> Any:
        """An array of numbers as a plain ndarray (a view: never copied, never written);
        anything else, an object array too, as the list of its samples."""
        np = self._np
        if not isinstance(batch, np.ndarray) or batch.dtype.kind == "O":
            return plain_list(batch) if isinstance(batch, np.ndarray) else list(batch)
        if batch.ndim == 0:
            raise TypeError(_TWO_SEQUENCES)
        if type(batch) is np.ndarray:
            return batch
        if isinstance(batch, np.ma.MaskedArray) and np.ma.is_masked(batch):
            raise ValueError("a masked array of the batch has masked entries: fill or drop them")
        return np.asarray(batch)  # np.matrix and other subclasses: the array they hold

    def _array(self, batch: Any, shape: tuple[int, ...], what: str) -> Any:
        """``batch`` (a plain ndarray or a list, of ``n > 0`` samples) as a float array of
        shape ``(n, *shape)``, or an error naming what is wrong."""
        np = self._np
        a: Any = batch
        if not isinstance(a, np.ndarray):  # a list: each number checked as the engine would
            flat = _plain_samples(batch, shape, what)
            a = np.array(flat, dtype=float).reshape(len(flat), *shape)
        if a.dtype.kind not in "iuf":  # no strings, no bools, as in the engine
            raise TypeError(f"the {what}s of the batch must all be numbers of shape {shape}")
        if a.shape[1:] != shape:
            raise ValueError(_mismatch(what, 0, a[0].tolist(), shape))
        a = a.astype(float, copy=False)
        if not np.isfinite(a).all():
            raise ValueError(f"an {what} of the batch is not finite")
        return a

    # -- the eager engine, for checks and for errors -----------------------------------------

    def _eager(
        self, xs: list[Any], ys: list[Any]
    ) -> tuple[float, list[float], list[tuple[float, ...]]]:
        # the samples as constant Values, as the recording gave them (as Values) to fn
        results = [
            _split(self.fn(_constants(x), _constants(y))) for x, y in zip(xs, ys, strict=True)
        ]
        loss = F.sum([r[0] for r in results]) / len(results)
        grads = grad(loss, self._trained) if self._trained else ()
        outs = [tuple(v.data for v in r[1]) for r in results]
        return loss.data * len(xs), [float(g) * len(xs) for g in grads], outs

    def _compare(self, xs: list[Any], ys: list[Any], total: float, grads: list[float]) -> None:
        e_total, e_grads, _ = self._eager(xs, ys)
        scale = max([abs(g) for g in e_grads] + [abs(e_total), 1e-300])
        pairs = [("the loss", total, e_total)] + [
            (f"the gradient of parameter {k}", a, b)
            for k, (a, b) in enumerate(zip(grads, e_grads, strict=True))
        ]
        self.checks += 1
        for what, a, b in pairs:
            # A gradient far smaller than the largest one (softmax - one-hot for a confident
            # sample, say) keeps only the digits that cancellation left it: judge each number
            # against itself and against the scale of the whole gradient, and call it a
            # mismatch only where both disagree (a wrong rule is wrong on both counts).
            if abs(a - b) > 1e-9 * max(abs(a), abs(b), scale):
                self._fail(f"{what} is {a!r} replayed but {b!r} in the eager engine", xs, ys)

    def _fail(
        self, what: str, xs: list[Any] | None = None, ys: list[Any] | None = None
    ) -> NoReturn:
        """Raise ``ReplayMismatchError`` saying why, as far as it can be told; the step then
        refuses every later call."""
        why = _why_it_differs(self, xs, ys) if xs and ys else None
        if why is None:
            why = "an internal error of the compiler: please report this with the function"
        self._broken = (
            f"compiled step (call {self.calls}, {self.backend} backend): {what}. Cause: {why}. "
            "This step refuses every later call: compile again"
        )
        raise ReplayMismatchError(self._broken)


def _constants(sample: Any) -> Any:
    """A sample's numbers as constant Values, nested as the sample is."""
    if isinstance(sample, (list, tuple)):
        return [_constants(s) for s in sample]
    return Value(sample, requires_grad=False)


def _why_it_differs(step: CompiledStep, xs: list[Any], ys: list[Any]) -> str | None:
    """Why the eager engine and the replay differ, if ``fn`` is to blame (else None)."""
    x, y = xs[0], ys[0]
    try:
        first = _split(step.fn(_constants(x), _constants(y)))[0].data
        again = _split(step.fn(_constants(x), _constants(y)))[0].data
    except Exception:
        return None
    if first != again and not (math.isnan(first) and math.isnan(again)):
        return (
            f"the function gives two answers for one sample ({first!r}, then {again!r}): it "
            "uses randomness or state it changes itself, and a recording replays one answer. "
            "Compile a function of (x, y) and the parameters only"
        )
    try:
        tape = _tape(step.fn, step.params, step._example)[0]
    except Exception as error:
        return f"recording the function again fails ({type(error).__name__}: {error})"
    if _structure(tape) != _structure(step.tape):
        return (
            "recording the function again gives another computation: it reads state that "
            "changed after the recording (an attribute, a list or a dict it closes over, a "
            "layer), which a step cannot see. Keep such state out of the function, or pass it "
            "as data"
        )
    (x_shape, _), (y_shape, _) = step._example
    for x, y in zip(xs, ys, strict=True):  # at most CHECK_SAMPLES: bounded, and only on failure
        sample = (
            (x_shape, [float(v) for v in _flat(x, len(x_shape))]),
            (y_shape, [float(v) for v in _flat(y, len(y_shape))]),
        )
        try:
            other = _tape(step.fn, step.params, sample)[0]
        except Exception:
            continue
        if _structure(other) != _structure(step.tape):
            return (
                "recorded on a sample of this batch, the function gives another computation "
                "than on the example: it takes a decision on the data by a route the recording "
                "cannot see (a private attribute such as _data, the Value's pickled state). "
                "Write the decision with the engine's operations (relu, abs), or keep it out of fn"
            )
    if _each_sample_agrees(step, xs, ys):
        return (
            "the samples' contributions cancel: the replay and the engine agree on each sample "
            "alone and differ only in their sum over the batch, which each adds in its own "
            "order (neither sum is exact when large terms cancel). Scale the data so that the "
            "samples' gradients do not cancel, or train without compile"
        )
    return None


def _each_sample_agrees(step: CompiledStep, xs: list[Any], ys: list[Any]) -> bool:
    """Whether the replay equals the engine on each sample alone (at most CHECK_SAMPLES)."""
    if len(xs) < 2:
        return False
    for x, y in zip(xs, ys, strict=True):
        try:
            X, Y = step._inputs([x], [y])[2:]
            replayed = step._try_replay(X, Y)
            e_total, e_grads, _ = step._eager([x], [y])
        except Exception:
            return False
        if replayed is None:
            return False
        pairs = [(replayed[0], e_total), *zip(plain_list(replayed[1]), e_grads, strict=True)]
        scale = max([abs(b) for _, b in pairs] + [1e-300])
        if any(abs(a - b) > 1e-9 * max(abs(a), abs(b), scale) for a, b in pairs):
            return False
    return True


def _structure(tape: Tape) -> list[tuple[Any, ...]]:
    """What a tape computes: each node's kind, row (by identity), inputs and constant."""
    return [
        (n.kind, n.index, id(n.op), n.inputs, n.value if n.kind == "const" else None)
        for n in tape.nodes
    ]


def _row_comments(tape: Tape) -> str:
    """One comment line per row called by number (f3, d3): the row's name, escaped."""
    lines = [
        f"# f{k}, d{k}: the row {ascii(row.name)[:80]}\n"
        for k, row in enumerate(tape.rows)
        if not _library(row) or (row.code is None and row.np_code is None)
    ]
    return "".join(lines)


# -- what a recording depends on besides the parameters' data --------------------------------


_PLAIN = (int, float, complex, str, bytes, bool, type(None))
_GONE = object()
#: How many names and cells of the function (and of the functions it calls) a step watches.
MAX_WATCHED = 64


def _same(a: object, b: object) -> bool:
    return a is b or (type(a) is type(b) and isinstance(a, _PLAIN) and a == b)


class _Key:
    """What a recording read besides the parameters' data, re-checked on every call.

    * the parameters' ``requires_grad`` flags and the parameters of the modules ``fn``
      reads (re-read only when the engine saw a leaf made or a flag changed);
    * what the names ``fn`` reads are bound to: its globals and closure cells, and those
      of the plain functions it reads, up to ``MAX_WATCHED`` of them;
    * the data of Values ``fn`` closes over that are not parameters (constants).
    """

    def __init__(self, fn: Any, params: list[Value], outside: list[Value]) -> None:
        self.params = params
        self.flags = [p.requires_grad for p in params]
        self.epoch = _engine._LEAF_EPOCH
        self.names, self.cells, modules = _bindings(fn)
        self.modules = [(m, m.parameters()) for m in modules]
        self.outside = outside
        self.data = [v.data for v in outside]

    def changed(self) -> tuple[bool, str] | None:
        """None while the recording holds; else (whether it cannot be recorded again, why)."""
        for holder, name, obj in self.names:
            if not _same(holder.get(name, _GONE), obj):
                return False, f"the global {name!r} changed"
        for cell, obj in self.cells:
            try:
                now = cell.cell_contents
            except ValueError:  # emptied
                now = _GONE
            if not _same(now, obj):
                return False, "a variable the function closes over changed"
        for v, data in zip(self.outside, self.data, strict=True):
            if v.data != data:
                return False, "a Value the function closes over changed"
        if self.epoch != _engine._LEAF_EPOCH:
            return self._leaves_changed()
        return None

    def _leaves_changed(self) -> tuple[bool, str] | None:
        for m, ps in self.modules:
            now = m.parameters()
            if len(now) != len(ps) or any(a is not b for a, b in zip(now, ps, strict=True)):
                return True, (
                    f"the {type(m).__name__} the function reads has other parameters than when "
                    "it was compiled (a layer replaced, added or removed)"
                )
        for k, (p, flag) in enumerate(zip(self.params, self.flags, strict=True)):
            if p.requires_grad != flag:
                return False, f"params[{k}].requires_grad changed"
        self.epoch = _engine._LEAF_EPOCH
        return None


def _bindings(fn: Any) -> tuple[list[tuple[dict[str, Any], str, Any]], list[Any], list[Any]]:
    """(global names, closure cells, modules) that ``fn`` reads, following the plain functions
    it reads (not the library's own), at most ``MAX_WATCHED`` names and cells in all."""
    from autograd_lite.nn import Module  # here: nn does not need the compiler

    names: list[tuple[dict[str, Any], str, Any]] = []
    cells: list[Any] = []
    modules: list[Any] = []
    seen: set[int] = set()
    todo: list[Any] = [fn]

    def found(obj: Any) -> None:
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, Module):
            modules.append(obj)
        elif isinstance(obj, (types.FunctionType, types.MethodType, functools.partial)):
            todo.append(obj)

    while todo and len(names) + len(cells) < MAX_WATCHED:
        f = todo.pop()
        if isinstance(f, functools.partial):
            for obj in (f.func, *f.args, *f.keywords.values()):
                found(obj)
            continue
        if isinstance(f, types.MethodType):
            found(f.__self__)
            f = f.__func__
        if not isinstance(f, types.FunctionType):
            found(f)  # a module or an object with __call__: what it holds is not followed
            continue
        if f is not fn and str(getattr(f, "__module__", "")).startswith(
            ("autograd_lite", "visualize")
        ):
            continue  # the library's functions read only the library
        space = f.__globals__
        for name in _names_read(f.__code__):
            obj = space.get(name, _GONE)
            if obj is _GONE or isinstance(obj, (types.ModuleType, type)):
                continue
            if len(names) + len(cells) < MAX_WATCHED:
                names.append((space, name, obj))
            found(obj)
        for cell in f.__closure__ or ():
            try:
                obj = cell.cell_contents
            except ValueError:  # not yet filled
                obj = _GONE
            if len(names) + len(cells) < MAX_WATCHED:
                cells.append((cell, obj))
            if obj is not _GONE:
                found(obj)
    return names, cells, modules


def _names_read(code: types.CodeType) -> list[str]:
    """The global names a code object (and the code nested in it) may read."""
    out: list[str] = []
    stack = [code]
    while stack:
        c = stack.pop()
        out += c.co_names
        stack += [k for k in c.co_consts if isinstance(k, types.CodeType)]
    return list(dict.fromkeys(out))


def _mismatch(what: str, i: int, sample: object, shape: tuple[int, ...]) -> str:
    return (
        f"{what} {i} of the batch does not have the shape the step was compiled for "
        f"({'a number' if not shape else 'a list of shape ' + str(shape)}): {sample!r:.80}"
    )


_TWO_SEQUENCES = "a compiled step takes two sequences: inputs and targets"


def _ordered(batch: Any, what: str) -> Any:
    """``batch`` if it is a list, a tuple or an array; another sequence (a ``range``) as a
    list, up to ``MAX_BATCH`` samples; a set, an iterator or a string refused: a batch needs
    an order (to pair inputs with targets) and an end."""
    if isinstance(batch, (list, tuple)) or (
        hasattr(batch, "tolist") and getattr(batch, "ndim", 0) >= 1  # an array, not a scalar
    ):
        return batch
    if isinstance(batch, Sequence) and not isinstance(batch, (str, bytes)):
        if len(batch) > MAX_BATCH:
            raise ValueError(f"the {what} hold {len(batch):,} samples, more than {MAX_BATCH:,}")
        return list(batch)
    raise TypeError(
        f"{_TWO_SEQUENCES}: the {what} must be a list, tuple or array, got "
        f"{type(batch).__name__} (a set or an iterator has no order to pair inputs with "
        "targets, nor always an end)"
    )


def _plain_samples(batch: list[Any], shape: tuple[int, ...], what: str) -> list[Any]:
    """Each sample of ``batch`` as the replay reads it: a float for a number, a flat list of
    floats for a (nested) list. Numbers of other types (numpy's float32, int8) become Python
    floats, as the engine computes; bools, strings and the wrong shape are refused."""
    if not shape:
        return [v if type(v) is float else _number(v, what, i) for i, v in enumerate(batch)]
    size, depth = math.prod(shape), len(shape)
    flats = []
    for i, s in enumerate(batch):
        if depth == 1 and type(s) in (list, tuple) and len(s) == size:
            flat = s  # the common case, read as it is when it holds floats only
        else:
            try:
                flat = list(_flat(s, depth)) if _nested_shape(s, shape) else None
            except TypeError:
                flat = None
            if flat is None or len(flat) != size:
                raise ValueError(_mismatch(what, i, s, shape))
        for v in flat:
            if type(v) is not float:
                flat = [_number(v, what, i) for v in flat]
                break
        flats.append(flat)
    return flats


def _finite(batch: Any, what: str) -> None:
    """A ``ValueError`` naming the first sample of ``batch`` (from ``_plain_samples``, or an
    array) that holds an inf or a NaN."""
    for i, s in enumerate(batch if isinstance(batch, list) else []):
        for v in s if isinstance(s, (list, tuple)) else (s,):
            if not math.isfinite(v):
                raise ValueError(f"{what} {i} of the batch is not finite: {v!r}")


def _nested_shape(sample: Any, shape: tuple[int, ...]) -> bool:
    """Whether ``sample`` is nested lists (or tuples) of exactly ``shape``, to the numbers."""
    if not shape:
        return not isinstance(sample, (list, tuple))
    if not isinstance(sample, (list, tuple)) or len(sample) != shape[0]:
        return False
    return all(_nested_shape(s, shape[1:]) for s in sample)


def _number(v: Any, what: str, i: int) -> float:
    if type(v) is float:
        return v
    if isinstance(v, numbers.Real) and not isinstance(v, (bool, Value)):
        if hasattr(v, "item") and type(v.item()) is bool:  # numpy's bool_
            v = v.item()
        else:
            try:
                return float(v)
            except OverflowError:
                raise ValueError(
                    f"{what} {i} of the batch holds an int too large for a float"
                ) from None
    why = " (the engine takes int and float, not bool)" if isinstance(v, bool) else ""
    raise TypeError(
        f"the {what}s of the batch must all be numbers: {what} {i} holds "
        f"{type(v).__name__} {reprlib.repr(v)}{why}"
    )


def _one_length(xs: Sequence[Any], ys: Sequence[Any]) -> None:
    """As many inputs as targets, and at least one."""
    if len(xs) != len(ys):
        raise ValueError(f"the batch has {len(xs)} inputs but {len(ys)} targets")
    if len(xs) == 0:
        raise ValueError("the batch is empty")


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


# -- compile --------------------------------------------------------------------------------------


def compile(
    fn: Callable[[Any, Any], Any],
    params: Sequence[Value],
    *,
    example: tuple[Any, Any],
    backend: str = "python",
    check_every: int | None = 100,
) -> CompiledStep:
    """Record ``fn(x, y)``, one sample's loss, and return a step that replays it on batches.

    ``params``: the Values the step reads (their current ``.data``) and adds
    gradients to; every other leaf of the recording is a constant.
    ``example = (x0, y0)``: one sample, whose shape every batch must have (a
    number or a nested list of numbers each). ``fn`` may also return
    ``(loss, outputs)``; the step then keeps each sample's outputs in
    ``step.outputs`` (for accuracy, say). ``backend``: ``"python"`` or
    ``"numpy"``. ``check_every``: the first call and every N-th are compared
    with the eager engine on ``CHECK_SAMPLES`` samples spread over the batch
    (``None``: the first call only).

    What a step may depend on, and how each is kept true at every call:

    * the parameters' ``.data``: read at every call;
    * their ``requires_grad`` flags, the Values fn's globals and closure name,
      the data of Values it closes over that are not parameters: re-checked
      at every call; a change records ``fn`` again (``step.recordings``);
    * the parameters of a module ``fn`` reads (a global or closed-over
      ``nn.Module``): a layer replaced makes every later call raise
      ``ReplayMismatchError``: compile again.

    A step may not depend on state the checks cannot see: randomness, an
    attribute or an element of an object that changes (``cfg.scale = 3``), a
    global read by a function of another module. The periodic check catches
    these (``ReplayMismatchError``, which names the cause); from then on the
    step refuses every call until compiled again.

    Raises ``TraceError`` if ``fn`` takes a Python decision on data while it
    is recorded (``if v > 0``, ``max()`` of Values, ``float(v)``, ``v.data``,
    ``repr(v)``, ``f"{v:.3f}"``, ``copy.copy(v)``), naming the file and line.
    """
    if not callable(fn):
        raise TypeError(f"compile() needs a function fn(x, y) -> loss, got {type(fn).__name__}")
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if check_every is not None and (
        isinstance(check_every, bool) or not isinstance(check_every, int) or check_every < 1
    ):
        raise ValueError(f"check_every must be a positive int or None, got {check_every!r}")
    params = _params(params)
    if not isinstance(example, (tuple, list)) or len(example) != 2:
        raise TypeError("example must be a pair (x0, y0): one sample's input and its target")
    x_shape = _shape_of(example[0], "example input")
    y_shape = _shape_of(example[1], "example target")
    x0 = [float(v) for v in _flat(example[0], len(x_shape))]
    y0 = [float(v) for v in _flat(example[1], len(y_shape))]
    return CompiledStep(fn, params, ((x_shape, x0), (y_shape, y0)), backend, check_every)


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
    order = topological_order(loss, *outs)
    if len(order) > MAX_NODES:
        raise GraphTooLargeError(
            f"compile: one sample's graph has {len(order):,} nodes, more than MAX_NODES = "
            f"{MAX_NODES:,}: code that long takes Python many seconds and gigabytes to compile. "
            "Compile a smaller per-sample function, or train without compile"
        )
    nodes, outside = _record(order, params, xs, ys, tracer.fresh)
    for v in outside:
        if v.requires_grad:
            raise TraceError(
                f"compile: the loss reads a Value that takes gradients but is not in params "
                f"(data {v.data!r}{', label ' + ascii(v.label) if v.label else ''}): the step "
                "would give it no gradient. Pass it in params, or use it as a constant "
                "(requires_grad=False, or .detach())"
            )
    at = {v: i for i, v in enumerate(order)}
    trainable = tuple(p.requires_grad for p in params)
    layout = _Layout(len(params), trainable, x_shape, y_shape)
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
    if not tracer.depends(loss):
        raise ValueError("the compiled function's loss depends on neither the sample nor params")
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

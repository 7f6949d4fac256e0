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
  ``step.source`` shows what backpropagation unrolls to.
* ``"numpy"``: the same tape with one array per node across the batch; the
  ``dot`` nodes of a layer (same inputs, parameter weights) become one
  matrix product, and an activation of the whole layer one operation on
  that matrix. numpy is imported only here.

A replay never silently differs from the engine: the recording refuses
Python decisions on data (``TraceError``), the first call is checked against
the eager engine on its whole batch and every ``check_every``-th on a few
samples, and a step whose numbers stop being finite is re-run eagerly, so
that the engine's own error names the operation and its input.
"""

from __future__ import annotations

import builtins
import math
import numbers
import reprlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

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
from autograd_lite.ops import PRIMITIVES, Primitive, dot_layout

__all__ = ["CompiledStep", "GraphTooLargeError", "ReplayMismatchError", "TraceError", "compile"]

BACKENDS = ("python", "numpy")
#: The largest recording compile writes out. Measured on a chain of 25,000 nodes: 0.45 s
#: and 150 MB to compile its code; at 100,000 nodes, 6 to 9 s and 1.6 GB. Beyond this,
#: train eagerly.
MAX_NODES = 25_000
#: How many samples of a batch the periodic check against the eager engine replays
#: (the first call checks the whole batch).
CHECK_SAMPLES = 8


class GraphTooLargeError(ValueError):
    """One sample's graph has more than ``MAX_NODES`` nodes: too large to write out as code."""


class ReplayMismatchError(RuntimeError):
    """A compiled step and the eager engine disagree on the same batch (a bug: please report)."""


# -- recording -----------------------------------------------------------------------------


class _Tracer:
    """Watches a recording: data of Values that depend on the slots must not reach Python."""

    def __init__(self, slots: set[Value]) -> None:
        self.slots = slots
        self.memo: dict[Value, bool] = {}

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
        where = f"{frame.f_code.co_filename}, line {frame.f_lineno}"
        raise TraceError(
            f"compile: {where} {what} of a Value that depends on the input, the target or a "
            "parameter. A compiled step records operations, not Python decisions: it would "
            "replay the choice made for the example at every step. Use a primitive instead "
            "(relu, abs, leaky_relu, functional.logsumexp, ...), or pass the number as data "
            "(an argument of the step, not read from a Value)"
        )

    def folded(self, op: Primitive, inputs: Sequence[Value]) -> None:
        if any(self.depends(v) for v in inputs):
            raise TraceError(
                f"compile: {op.name} on a Value that depends on the input, the target or a "
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


def _record(
    roots: Sequence[Value], params: Sequence[Value], xs: Sequence[Value], ys: Sequence[Value]
) -> list[_Node]:
    order = topological_order(*roots)
    place: dict[Value, tuple[str, int]] = {}
    for kind, group in (("param", params), ("x", xs), ("y", ys)):
        for i, v in enumerate(group):
            place.setdefault(v, (kind, i))
    at = {v: i for i, v in enumerate(order)}
    nodes = []
    for v in order:
        op = v.op
        if op is not None:
            nodes.append(_Node("op", -1, op, tuple(at[p] for p in v.parents), v.data))
        elif v in place:
            kind, i = place[v]
            nodes.append(_Node(kind, i, None, (), v.data))
        else:
            nodes.append(_Node("const", -1, None, (), v.data))
    return nodes


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


def _forward_line(op: Primitive, out: str, args: list[str], numpy: bool) -> str:
    code = op.np_code if numpy else op.code
    if code is not None:
        return f"{out} = {code.format(*args)}"
    if len(args) > LONGEST_EXPRESSION:
        return f"{out} = {_call_name(op, numpy)}({', '.join(args)})"
    if op.name == "sum":
        joined = " + ".join(args) if numpy else f"fsum(({', '.join(args)},))"
        return f"{out} = {joined}"
    if op.layout is not None:  # dot: b + w_1 x_1 + ... + w_n x_n, summed in the engine's order
        w, x, b = op.layout(len(args))
        terms = [f"{wk} * {xk}" for wk, xk in zip(args[w], args[x], strict=True)]
        start = [] if b is None else [args[b]]
        return f"{out} = {' + '.join(start + terms) or '0.0'}"
    return f"{out} = {_call_name(op, numpy)}({', '.join(args)})"


def _grad_exprs(
    op: Primitive, g: str, out: str, args: list[str], numpy: bool, temp: str
) -> tuple[list[str], list[str]]:
    """(lines to run first, one gradient expression per input) for one node."""
    templates = op.np_grad_code if numpy else op.grad_code
    if templates is not None:
        return [], [t.format(*args, g=g, out=out) for t in templates]
    if op.name == "sum":
        return [], [g] * len(args)
    if op.layout is not None:  # dot: d/dw_i = x_i, d/dx_i = w_i, d/db = 1
        w, x, b = op.layout(len(args))
        grads = [f"{g} * {a}" for a in args[x]] + [f"{g} * {a}" for a in args[w]]
        return [], grads + ([] if b is None else [g])
    if op.name == "logsumexp":
        exp = "np.exp" if numpy else "exp"
        return [], [f"{g} * {exp}({a} - {out})" for a in args]
    call = f"{temp} = {_call_name(op, numpy, grad=True)}({g}, {out}, {', '.join(args)})"
    return [call], [f"{temp}[{k}]" for k in range(len(args))]


def _call_name(op: Primitive, numpy: bool, grad: bool = False) -> str:
    return f"{'np_' if numpy else ''}{'vjp' if grad else 'fwd'}_{op.name}"


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
    body += ["total = 0.0", "check = 0.0", "outs = []", "for x, y in zip(X, Y):"]
    loop = [
        _unpack("x", layout.nx, layout.x_scalar, "x"),
        _unpack("y", layout.ny, layout.y_scalar, "y"),
        "# forward",
    ]
    for i, n in enumerate(nodes):
        if n.op is None:
            continue
        args = [names[j] for j in n.inputs]
        loop.append(_forward_line(n.op, names[i], args, numpy=False))
        if n.op.hides_overflow:  # an inf or NaN here could vanish: watch it
            watched = [a for a, j in zip(args, n.inputs, strict=True) if nodes[j].kind != "const"]
            if watched:
                loop.append(f"check += {' + '.join(watched)}")
    loop.append(f"total += {names[tape.root]}")
    if tape.outputs:
        loop.append(f"outs.append(({', '.join(names[i] for i in tape.outputs)},))")
    loop.append("# backward")
    loop += _python_backward(tape, names)
    body += ["    " + line for line in loop]
    result = ", ".join(f"G{j}" if layout.trainable[j] else "0.0" for j in range(layout.nparams))
    body.append(f"return total, ({result},), check, outs")
    return "\n".join(lines + ["    " + line for line in body]) + "\n"


def _python_backward(tape: Tape, names: list[str]) -> list[str]:
    nodes = tape.nodes
    if not tape.needs[tape.root]:
        return []
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
    pre, exprs = _grad_exprs(n.op, f"g{i}", names[i], args, numpy=numpy, temp=f"t{i}")
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
        if n.op is None or n.op.name != "dot" or len(n.inputs) < 2:
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
    return op is not None and op.arity == 1 and op.np_code is not None and node.inputs == (m,)


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
    }
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
            body.append(_forward_line(n.op, names[i], [names[j] for j in n.inputs], numpy=True))
    root = names[tape.root]
    if _batched(tape)[tape.root]:  # an array of n losses already
        body.append(f"total = float({root}.sum())")
    else:
        body.append(f"total = float(np.sum(np.broadcast_to({root}, (n,))))")
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
        assert b.op is not None and b.op.np_code is not None and b.source is not None
        lines = [f"{b.name} = {b.op.np_code.format(b.source.name)}"]
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
            assert b.op is not None and b.op.np_grad_code is not None and b.source is not None
            expr = b.op.np_grad_code[0].format(b.source.name, g=f"G{b.name}", out=b.name)
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
    writer = _NumpyBackward(tape, names, blocks)
    for i in range(len(tape.nodes) - 1, -1, -1):
        if i in first and any(tape.needs[r] for r in first[i].rows):  # not just the first row
            writer.block(first[i])
        if tape.nodes[i].op is not None and i in writer.grads and i not in block_of:
            writer.node(i)
    return writer.lines


def _numpy_namespace(np: Any, rows: Sequence[Primitive]) -> dict[str, Any]:
    """numpy forms of the rows that have no numpy template (the slow, general way)."""
    floor = PRIMITIVES["log_clamped"].forward(0.0)

    def sigmoid(a: Any) -> Any:
        return np.exp(-np.logaddexp(0.0, -a))

    def fwd_log_clamped(a: Any) -> Any:
        if np.any(a < 0.0):
            raise ValueError("log_clamped needs a non-negative input")
        big = a > math.exp(floor)
        return np.where(big, np.log(np.where(big, a, 1.0)), floor)

    def vjp_log_clamped(g: Any, out: Any, a: Any) -> tuple[Any]:
        open_ = out > floor
        return (np.where(open_, g / np.where(open_, a, 1.0), 0.0),)

    def fwd_logsumexp(*xs: Any) -> Any:
        stacked = np.stack(np.broadcast_arrays(*xs))
        m = stacked.max(axis=0)
        return m + np.log(np.exp(stacked - m).sum(axis=0))

    def fwd_sum(*xs: Any) -> Any:
        return sum(xs[1:], xs[0])

    def fwd_dot(*xs: Any) -> Any:
        w, x, b = dot_layout(len(xs))
        terms = (wk * xk for wk, xk in zip(xs[w], xs[x], strict=True))
        return sum(terms, 0.0 if b is None else xs[b])

    def fwd_pow(a: Any, b: Any) -> Any:
        return np.power(a, b)

    def vjp_pow(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
        pos = a > 0.0
        return g * b * np.power(a, b - 1.0), np.where(
            pos, g * out * np.log(np.where(pos, a, 1.0)), 0.0
        )

    ns: dict[str, Any] = {
        "np": np,
        "np_sigmoid": sigmoid,
        "np_fwd_log_clamped": fwd_log_clamped,
        "np_vjp_log_clamped": vjp_log_clamped,
        "np_fwd_logsumexp": fwd_logsumexp,
        "np_fwd_sum": fwd_sum,
        "np_fwd_dot": fwd_dot,
        "np_fwd_pow": fwd_pow,
        "np_vjp_pow": vjp_pow,
    }
    for row in rows:  # a row of the user's own: apply its float functions element by element
        fwd, vjp = _call_name(row, True), _call_name(row, True, grad=True)
        if fwd not in ns:
            ns[fwd] = _elementwise(np, row.forward, many=False)
        if vjp not in ns:
            ns[vjp] = _elementwise(np, row.vjp, many=True)
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


_PY_NAMESPACE: dict[str, Any] = {
    "fsum": math.fsum,
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "sin": math.sin,
    "cos": math.cos,
    "tanh": math.tanh,
    "sigmoid": PRIMITIVES["sigmoid"].forward,
    "softplus": PRIMITIVES["softplus"].forward,
}


class CompiledStep:
    """A recorded loss, replayed on batches: ``loss = step(xs, ys)`` (see ``compile``).

    ``source`` is the generated code, ``nodes`` the size of the recorded graph,
    ``outputs`` each sample's extra outputs from the last call (when ``fn``
    returned ``(loss, outputs)``), ``calls`` how many times it ran, ``checks``
    how many of those were compared with the eager engine, ``eager_runs`` how
    many fell back to it.
    """

    def __init__(
        self,
        fn: Callable[[Any, Any], Any],
        params: list[Value],
        tape: Tape,
        layout: _Layout,
        backend: str,
        check_every: int | None,
    ) -> None:
        self.fn = fn
        self.params = params
        self.tape = tape
        self.backend = backend
        self.check_every = check_every
        self.nodes = len(tape.nodes)
        self.calls = 0
        self.checks = 0
        self.eager_runs = 0
        self.outputs: list[tuple[float, ...]] = []
        self._layout = layout
        self._trained = [p for p, t in zip(params, layout.trainable, strict=True) if t]
        self._trained_at = [j for j, t in enumerate(layout.trainable) if t]
        rows = {n.op.name: n.op for n in tape.nodes if n.op is not None}
        if backend == "numpy":
            import numpy  # lazily: the engine itself stays pure Python

            self._np: Any = numpy
            code, consts = _numpy_source(tape, layout)
            namespace = _numpy_namespace(numpy, list(rows.values()))
            namespace.update({k: numpy.array(v, dtype=numpy.intp) for k, v in consts.items()})
        else:
            code = _python_source(tape, layout)
            namespace = dict(_PY_NAMESPACE)
            for row in rows.values():
                namespace[_call_name(row, False)] = row.forward
                namespace[_call_name(row, False, grad=True)] = row.vjp
        header = (
            "# autograd_lite.compile: one sample's loss and its backward pass, unrolled "
            f"({backend} backend)\n"
        )
        self.source = header + code
        exec(builtins.compile(self.source, f"<compiled {backend} step>", "exec"), namespace)
        self._replay: Callable[..., Any] = namespace["replay"]

    def __repr__(self) -> str:
        return f"<CompiledStep: {self.nodes} nodes, {self.backend} backend>"

    # -- one call ---------------------------------------------------------------------------

    def __call__(self, xs: Sequence[Any], ys: Sequence[Any]) -> float:
        """The mean loss over the batch; its gradient is added to each parameter's ``.grad``.

        ``xs`` and ``ys``: sequences of samples (lists, or numpy arrays for the
        numpy backend, which then reads them without a copy).
        """
        xs, ys, X, Y = self._inputs(xs, ys)
        n = len(xs)
        self.calls += 1
        result = self._try_replay(X, Y)
        if result is None:  # not finite, or an error: the engine says what and where
            self.eager_runs += 1
            total, sums, outs = self._eager(plain_list(xs), plain_list(ys))
            means = [g / n for g in sums]
        else:
            total, G, outs = result
            # numpy divides each entry as Python would: the same means, bit for bit
            means = (G / n).tolist() if self.backend == "numpy" else [g / n for g in G]
            if self.calls == 1:
                self._compare(plain_list(xs), plain_list(ys), total, plain_list(G))
            elif self.check_every and self.calls % self.check_every == 0:
                # a few samples are enough to catch a wrong replay, at a small cost
                k = CHECK_SAMPLES
                head_x, head_y = plain_list(xs[:k]), plain_list(ys[:k])
                sub = self._try_replay(*self._inputs(head_x, head_y)[2:])
                if sub is None:
                    raise ReplayMismatchError(f"compiled step (call {self.calls}): no replay")
                self._compare(head_x, head_y, sub[0], plain_list(sub[1]))
        add_to_grad(zip(self._trained, means, strict=True))
        self.outputs = outs
        return total / n

    def _inputs(self, xs: Sequence[Any], ys: Sequence[Any]) -> tuple[Any, Any, Any, Any]:
        """``(xs, ys, X, Y)``: the batch checked against the example's shape, and as the replay
        takes it (numpy: each as an array of samples, and transposed, one row per entry)."""
        if self.backend == "numpy":
            xs, ys = self._samples(xs), self._samples(ys)
            _one_length(xs, ys)  # first, as for lists
            xa = self._array(xs, self._layout.x_shape, "input")
            ya = self._array(ys, self._layout.y_shape, "target")
            return xa, ya, xa.reshape(len(xa), -1).T, ya.reshape(len(ya), -1).T
        xs, ys = _batch(xs, ys)
        return (
            xs,
            ys,
            self._flat(xs, self._layout.x_shape, "input"),
            self._flat(ys, self._layout.y_shape, "target"),
        )

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

    def _flat(self, batch: list[Any], shape: tuple[int, ...], what: str) -> list[Any]:
        if len(shape) <= 1:
            size = shape[0] if shape else None
            for i, s in enumerate(batch):
                if size is not None and (not isinstance(s, (list, tuple)) or len(s) != size):
                    raise ValueError(_mismatch(what, i, s, shape))
            return batch
        size = math.prod(shape)
        flats = []
        for i, s in enumerate(batch):
            try:
                flat = list(_flat(s, len(shape)))
            except TypeError:
                flat = []
            if len(flat) != size:
                raise ValueError(_mismatch(what, i, s, shape))
            flats.append(flat)
        return flats

    def _samples(self, batch: Any) -> Any:
        """An array of numbers as a plain ndarray (a view: never copied, never written);
        anything else, an object array too, as the list of its samples."""
        np = self._np
        if not isinstance(batch, np.ndarray) or batch.dtype.kind == "O":
            try:
                return list(batch)
            except TypeError:
                raise TypeError(_TWO_SEQUENCES) from None
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
        if not isinstance(a, np.ndarray):
            try:
                a = np.asarray(batch)
            except (TypeError, ValueError):  # ragged
                a = None
        if a is None or a.dtype.kind not in "iuf":  # no strings, no bools, as in the engine
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
        results = [_split(self.fn(x, y)) for x, y in zip(xs, ys, strict=True)]
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
                raise ReplayMismatchError(
                    f"compiled step (call {self.calls}, {self.backend} backend): {what} is "
                    f"{a!r} replayed but {b!r} in the eager engine; please report this with the "
                    "function you compiled"
                )


def _mismatch(what: str, i: int, sample: object, shape: tuple[int, ...]) -> str:
    return (
        f"{what} {i} of the batch does not have the shape the step was compiled for "
        f"({'a number' if not shape else 'a list of shape ' + str(shape)}): {sample!r:.80}"
    )


_TWO_SEQUENCES = "a compiled step takes two sequences: inputs and targets"


def _batch(xs: Sequence[Any], ys: Sequence[Any]) -> tuple[list[Any], list[Any]]:
    """The python backend's batch: two lists of one length, numpy arrays as Python numbers
    (a float32 or an int8 would compute in its own narrow type in the replay)."""
    try:
        xs, ys = plain_list(xs), plain_list(ys)
    except TypeError:
        raise TypeError(_TWO_SEQUENCES) from None
    _one_length(xs, ys)
    return xs, ys


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
    ``"numpy"``. ``check_every``: the first call is compared with the eager
    engine on its whole batch, and every N-th on its first ``CHECK_SAMPLES``
    samples (``None``: the first call only).

    Raises ``TraceError`` if ``fn`` takes a Python decision on data while it
    is recorded (``if v > 0``, ``max()`` of Values, ``float(v)``, ``v.data``),
    naming the file and line.
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
    xs = [Value(float(v)) for v in _flat(example[0], len(x_shape))]
    ys = [Value(float(v)) for v in _flat(example[1], len(y_shape))]
    loss, outs = _trace(fn, params, _nest(xs, x_shape), _nest(ys, y_shape), {*params, *xs, *ys})
    nodes = _record([loss, *outs], params, xs, ys)
    if len(nodes) > MAX_NODES:
        raise GraphTooLargeError(
            f"compile: one sample's graph has {len(nodes):,} nodes, more than MAX_NODES = "
            f"{MAX_NODES:,}: code that long takes Python many seconds and gigabytes to compile. "
            "Compile a smaller per-sample function, or train without compile"
        )
    at = {v: i for i, v in enumerate(topological_order(loss, *outs))}
    trainable = tuple(p.requires_grad for p in params)
    layout = _Layout(len(params), trainable, x_shape, y_shape)
    tape = Tape(tuple(nodes), at[loss], tuple(at[o] for o in outs), _needs(nodes, trainable))
    return CompiledStep(fn, params, tape, layout, backend, check_every)


def _trace(
    fn: Callable[[Any, Any], Any], params: list[Value], x: Any, y: Any, leaves: set[Value]
) -> tuple[Value, list[Value]]:
    """``fn(x, y)`` recorded under the tracer: its loss and outputs, every Python decision on
    data refused. Frozen parameters are recorded too, so that none is baked in."""
    tracer = _Tracer(leaves)
    frozen = [p for p in params if not p.requires_grad]
    for p in frozen:
        p.requires_grad = True
    try:
        with tracing(tracer):
            loss, outs = _split(fn(x, y))
    finally:
        for p in frozen:
            p.requires_grad = False
    if not tracer.depends(loss):
        raise ValueError("the compiled function's loss depends on neither the sample nor params")
    return loss, outs


def _params(params: Sequence[Value]) -> list[Value]:
    try:
        ps = list(params)
    except TypeError:
        raise TypeError(
            f"params must be a sequence of Values, got {type(params).__name__}"
        ) from None
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

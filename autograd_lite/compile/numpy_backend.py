"""The numpy backend: a tape with one array per node across the batch, layers fused.

The ``dot`` nodes of a layer (same inputs, parameter weights) become one
matrix product (a ``_Layer`` block), and an activation applied to every row
of that layer one operation on the matrix (an ``_Activation`` block). numpy
is imported only when a step with this backend is made.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd_lite.checks import plain_list
from autograd_lite.compile.backend import Backend, Replayed
from autograd_lite.compile.batch import (
    _TWO_SEQUENCES,
    _mismatch,
    _one_length,
    _plain_samples,
)
from autograd_lite.compile.codegen import (
    _DOT,
    _LOG_CLAMPED,
    _LOGSUMEXP,
    _POW,
    _SUM,
    _contributions,
    _forward_line,
    _library,
    _templates,
    _unpack,
)
from autograd_lite.compile.names import Names, comment_text
from autograd_lite.compile.tape import Tape, _Layout, _Node
from autograd_lite.compile.wrap import WIDTH, _pack, comment_lines, wrap_lines
from autograd_lite.ops import LOG_FLOOR, Primitive, dot_layout

__all__ = ["NumpyBackend"]


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
class _Layer:
    """A layer: sibling ``dot`` nodes computed as the rows of one matrix product,
    ``H{k} = M{k} @ S{k}`` (plus a bias column)."""

    name: str
    rows: tuple[int, ...]
    group: _Group
    inputs: str = ""  #: the matrix of its inputs (a block, X, or np.stack(...))
    input_block: _Block | None = None  #: the block its inputs are, if one is
    stacked: tuple[int, ...] = ()  #: tape positions of its inputs, when stacked by name

    def forward(self) -> list[str]:
        k = self.name[1:]
        bias = f" + Pa[B{k}]" if self.group.biases is not None else ""  # B{k}: a column
        return [f"S{k} = {self.inputs}", f"M{k} = Pa[W{k}]", f"{self.name} = M{k} @ S{k}{bias}"]

    def backward(self, writer: _NumpyBackward) -> None:
        """Its gradients as matrices: of the weights, the bias, and the inputs."""
        key, lines, grp = self.name[1:], writer.lines, self.group
        # a layer whose weights nothing else reads is their only gradient: "=", not "+="
        add = "=" if writer.only_use(grp) else "+="
        lines.append(f"G[W{key}] {add} G{self.name} @ S{key}.T")
        if grp.biases is not None:
            lines.append(f"G[B{key}] {add} G{self.name}.sum(axis=1, keepdims=True)")
        if any(writer.tape.needs[j] for j in grp.inputs):
            lines.append(f"GS{key} = M{key}.T @ G{self.name}")
            if self.input_block is not None:
                writer.whole[self.input_block.name].append(f"GS{key}")
            else:
                for r, j in enumerate(grp.inputs):
                    if writer.tape.needs[j]:
                        writer.send(j, f"GS{key}[{r}]")


@dataclass
class _Activation:
    """One elementwise row (a library row with numpy templates) applied to every row of a
    layer, in order: ``R{k} = tanh(H{k})``."""

    name: str
    rows: tuple[int, ...]
    source: _Layer  #: the layer it is applied to
    op: Primitive

    def forward(self) -> list[str]:
        code = _templates(self.op, numpy=True)[0]
        assert code is not None  # _elementwise_of chose library rows with templates only
        return [f"{self.name} = {code.format(self.source.name)}"]

    def backward(self, writer: _NumpyBackward) -> None:
        """Its rule on the whole matrix, sent to the layer as one more matrix."""
        grads = _templates(self.op, numpy=True)[1]
        assert grads is not None  # _elementwise_of chose library rows with templates only
        expr = grads[0].format(self.source.name, g=f"G{self.name}", out=self.name)
        writer.lines.append(f"GA{self.name[1:]} = {expr}")
        writer.whole[self.source.name].append(f"GA{self.name[1:]}")


_Block = _Layer | _Activation


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
        layer = _Layer(f"H{k}", grp.members, grp)
        blocks.append(layer)
        for m in grp.members:
            block_of[m] = layer
        # an activation applied to every row of the layer, in order: one more matrix
        users = [[c for c in consumers[m] if _elementwise_of(nodes[c], m)] for m in grp.members]
        if all(users):
            firsts = [u[0] for u in users]
            ops = {nodes[u].op for u in firsts}
            op = ops.pop()  # _elementwise_of chose operations: op is never None
            if not ops and op is not None and len(set(firsts)) == len(firsts):
                act = _Activation(f"R{k}", tuple(firsts), layer, op)
                blocks.append(act)
                for u in firsts:
                    block_of[u] = act
    for block in blocks:  # where each layer's inputs come from
        if not isinstance(block, _Layer):
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
            block.stacked = xs  # named when the source reaches the layer: see _block_forward
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
    """The tape as one numpy function over a whole batch (one array per node, or per layer),
    and the index arrays too large to show in it."""
    nodes = tape.nodes
    names = Names(tape, layout)
    blocks, block_of = _blocks(tape)
    consts: dict[str, list[list[int]]] = {}
    for b in blocks:
        if isinstance(b, _Layer):
            consts[f"W{b.name[1:]}"] = [list(row) for row in b.group.weights]
            if b.group.biases is not None:
                consts[f"B{b.name[1:]}"] = [[i] for i in b.group.biases]  # Pa[B] is a column
    loose = _loose_rows(tape, blocks, block_of)
    first = {min(b.rows): b for b in blocks}
    layers = sum(1 for b in blocks if isinstance(b, _Layer))
    body = ["Pa = np.fromiter(P, float, len(P))", "n = X.shape[1]"]
    loose_params = {
        nodes[j].index
        for i, n in enumerate(nodes)
        if i not in block_of
        for j in n.inputs
        if nodes[j].kind == "param"
    } | {nodes[j].index for j in (tape.root, *tape.outputs) if nodes[j].kind == "param"}
    body += [f"{names.params[j]} = P[{j}]" for j in sorted(loose_params)]
    body.append(_unpack("x", layout.nx, False, "X"))
    body.append(_unpack("y", layout.ny, False, "Y"))
    body.append("# forward")
    for i, n in enumerate(nodes):
        if n.op is None:
            continue
        if i in first:
            body += _block_forward(first[i], names, loose)
        if i not in block_of:
            args = [names.value(j) for j in n.inputs]
            body.append(_forward_line(n.op, tape.row(n.op), names.value(i), args, numpy=True))
    root = names.value(tape.root)
    # the batch's losses summed as the engine sums them (math.fsum, where it matters)
    body.append(f"total = np_total(np.broadcast_to({root}, (n,)))")
    outs = ", ".join(f"np.broadcast_to({names.value(i)}, (n,))" for i in tape.outputs)
    body.append(f"outs = [{outs}]")
    body.append("G = np.zeros(len(P))")
    body.append("# backward")
    body += _numpy_backward(tape, names, blocks, block_of, first)
    body.append("return total, G, 0.0, outs")
    text = (
        f"{len(nodes)} nodes in topological order, one array per node across the batch, named "
        f"by what they compute: {names.header(sums=False)}. Layers of dot nodes as matrix "
        f"products ({layers}): Hk = Mk @ Sk (+ a bias column), Mk = Pa[Wk] the layer's "
        "weights, Sk its inputs; Rk an activation of the whole layer; GHk, GRk, ..: their "
        "gradients; G: the parameters' gradients, summed over the batch"
    )
    lines = [*comment_lines(text), *_index_arrays(consts), "def replay(P, X, Y):"]
    source = "\n".join(wrap_lines(lines + ["    " + line for line in body])) + "\n"
    hidden = {k: v for k, v in consts.items() if _size(v) > SHOWN_INDICES}
    return source, hidden


#: An index array of the numpy backend with at most this many entries is written in the
#: source with its values; a larger one is a comment with its shape, first and last rows.
SHOWN_INDICES = 256


def _size(rows: list[list[int]]) -> int:
    return sum(len(r) for r in rows)


def _index_arrays(consts: dict[str, list[list[int]]]) -> list[str]:
    """The layers' index arrays into ``Pa``: small ones as code, large ones as a comment."""
    if not consts:
        return []
    lines = ["# where each layer's weights (Wk) and biases (Bk, a column) are in P"]
    for name, rows in consts.items():
        if _size(rows) <= SHOWN_INDICES:
            one = f"{name} = np.array({rows}, dtype=np.intp)"
            if len(one) <= WIDTH:
                lines.append(one)
            else:  # as many rows on a line as fit
                rows_text = _pack("    ", [str(r) for r in rows], ", ", WIDTH)
                lines += [f"{name} = np.array([", *rows_text, "], dtype=np.intp)"]
        else:
            shape = (len(rows), len(rows[0]))
            ends = f"{_elided(rows[0])}, ..., {_elided(rows[-1])}"
            lines.append(f"# {name}: an array of shape {shape}: [{ends}]")
    return lines


def _elided(row: list[int]) -> str:
    return str(row) if len(row) <= 4 else f"[{row[0]}, {row[1]}, ..., {row[-1]}]"


def _loose_rows(tape: Tape, blocks: list[_Block], block_of: dict[int, _Block]) -> set[int]:
    """The rows of blocks that get a name of their own: something outside the matrices reads
    them (or they are the loss, or an output)."""
    taken_whole = {b.source.name for b in blocks if isinstance(b, _Activation)} | {
        b.input_block.name for b in blocks if isinstance(b, _Layer) and b.input_block is not None
    }
    loose: set[int] = {tape.root, *tape.outputs}
    for i, n in enumerate(tape.nodes):
        block = block_of.get(i)
        if isinstance(block, _Activation):
            continue
        if isinstance(block, _Layer) and block.input_block is not None:
            continue
        for j in n.inputs:
            if j in block_of and (block_of[j].name not in taken_whole or i not in block_of):
                loose.add(j)
    return loose


def _block_forward(b: _Block, names: Names, loose: set[int]) -> list[str]:
    """A block's matrix, then its loose rows."""
    lines = [_block_comment(b, names)]
    if isinstance(b, _Layer) and b.stacked:
        b.inputs = f"np.stack([{', '.join(names.value(j) for j in b.stacked)}])"
    lines += b.forward()
    if any(r in loose for r in b.rows):
        if len(b.rows) == 1:
            lines.append(f"{names.value(b.rows[0])} = {b.name}[0]")
        else:
            rows = ", ".join(names.value(r) if r in loose else "_" for r in b.rows)
            lines.append(f"{rows} = {b.name}")
    return lines


def _block_comment(b: _Block, names: Names) -> str:
    """Which layer a block computes, from its parameters' labels where they say."""
    if isinstance(b, _Activation):
        layer = names.layer(b.source.rows[0])
        which = b.source.name if layer is None else f"{comment_text(layer)} ({b.source.name})"
        return f"# {b.op.name} of layer {which}"
    neurons = [names.neuron(r) for r in b.rows]
    layer = names.layer(b.rows[0])
    count = f"{len(b.rows)} neuron{'s' if len(b.rows) > 1 else ''}"
    if layer is not None and all(names.layer(r) == layer for r in b.rows):
        first, last = comment_text(neurons[0] or ""), comment_text(neurons[-1] or "")
        span = first if len(b.rows) == 1 else f"{first} .. {last}"
        return f"# layer {comment_text(layer)}: {count} ({span})"
    return f"# a layer of {count}"


def _batched(tape: Tape) -> list[bool]:
    out: list[bool] = []
    for n in tape.nodes:
        out.append(n.kind in ("x", "y") or (n.kind == "op" and any(out[j] for j in n.inputs)))
    return out


class _NumpyBackward:
    """The numpy backward pass being written: which gradients exist, and the lines so far."""

    def __init__(self, tape: Tape, names: Names, blocks: list[_Block]) -> None:
        self.tape, self.names = tape, names
        self.grads = {tape.root}  # nodes with a gradient variable of their own
        self.whole: dict[str, list[str]] = {b.name: [] for b in blocks}  # matrix gradients
        self.lines = [f"{names.grad(tape.root)} = np.ones(n)"]
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
            self.lines.append(f"{self.names.grad(j)} = {self.names.grad(j)} + {expr}")
        else:
            self.grads.add(j)
            self.lines.append(f"{self.names.grad(j)} = {expr}")

    def gradient_of(self, b: _Block) -> str:
        parts = list(self.whole[b.name])
        if any(r in self.grads for r in b.rows):
            rows = [self.names.grad(r) if r in self.grads else "np.zeros(n)" for r in b.rows]
            parts.append(f"{rows[0]}[None]" if len(rows) == 1 else f"np.stack([{', '.join(rows)}])")
        return " + ".join(parts) if parts else "0.0"

    def block(self, b: _Block) -> None:
        """A layer's gradients as matrices (weights, bias, inputs), or an activation's."""
        arriving = self.gradient_of(b)
        if arriving == "0.0":  # only the outputs read it: no gradient to pass on
            return
        self.lines.append(_block_comment(b, self.names))
        self.lines.append(f"G{b.name} = {arriving}")
        b.backward(self)

    def node(self, i: int) -> None:
        pre, sends = _contributions(self.tape, self.names, i, numpy=True)
        self.lines += pre
        for j, expr in sends:
            self.send(j, expr)


def _numpy_backward(
    tape: Tape,
    names: Names,
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
    """numpy forms of the tape's rows, as ``f{k}`` (forward) and ``d{k}`` (rule) for row k:
    the library's rows without a numpy template have their own below; any other row (a row
    of the user's own, too) runs its float functions element by element."""
    floor = LOG_FLOOR

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

    def exact_sum(stacked: Any) -> Any:
        # The engine adds with math.fsum (exactly, rounded once): a sum node's inputs, and the
        # batch's losses. numpy's sum (along axis 0) is within (m - 1) * 2**-53 * sum(|x|) of
        # that: where this bound is below 2**-44 of the result keep it; elsewhere
        # (cancellation: [1e16, 1, -1e16]) add that column with math.fsum.
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

    def total(losses: Any) -> float:  # exact_sum of one column, in Python floats (faster)
        rough = float(losses.sum())
        if float(np.abs(losses).sum()) * (len(losses) * 2.0**-53) <= 2.0**-44 * abs(rough):
            return rough
        return math.fsum(losses.tolist())

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

    own = {  # row -> (forward, rule); None: the rule is always written out (see _grad_exprs)
        id(_LOG_CLAMPED): (fwd_log_clamped, vjp_log_clamped),
        id(_LOGSUMEXP): (fwd_logsumexp, None),
        id(_SUM): (fsum, None),
        id(_DOT): (fwd_dot, None),
        id(_POW): (fwd_pow, vjp_pow),
    }
    ns: dict[str, Any] = {
        "np": np,
        "np_sigmoid": sigmoid,
        "np_fsum": fsum,
        "np_total": total,
    }
    for k, row in enumerate(rows):
        fwd, vjp = own[id(row)] if _library(row) and id(row) in own else (None, None)
        ns[f"f{k}"] = fwd or _elementwise(np, row.forward, many=False)
        ns[f"d{k}"] = vjp or _elementwise(np, row.vjp, many=True)
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


class NumpyBackend(Backend):
    """One array per node across the batch: the batch as arrays (read without a copy)."""

    name = "numpy"

    @property
    def np(self) -> Any:
        import numpy  # lazily: the engine itself stays pure Python

        return numpy

    def source(self, tape: Tape, layout: _Layout) -> tuple[str, dict[str, Any]]:
        np = self.np
        code, consts = _numpy_source(tape, layout)
        namespace = _numpy_namespace(np, tape.rows)
        namespace["fsum"] = math.fsum
        namespace.update({k: np.array(v, dtype=np.intp) for k, v in consts.items()})  # not shown
        return code, namespace

    def batch(self, xs: Any, ys: Any, layout: _Layout) -> tuple[Any, Any, Any, Any]:
        xs, ys = self._samples(xs), self._samples(ys)
        _one_length(xs, ys)  # first, as for lists
        xa = self._array(xs, layout.x_shape, "input")
        ya = self._array(ys, layout.y_shape, "target")
        return xa, ya, xa.reshape(len(xa), -1).T, ya.reshape(len(ya), -1).T

    def run(
        self, replay: Callable[..., Any], P: list[float], X: Any, Y: Any, trained: list[int]
    ) -> Replayed | None:
        np = self.np
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            total, G, check, outs = replay(P, X, Y)
            if len(trained) < len(P):
                G = G[trained]
            if not np.isfinite(G).all():
                return None
        outs = [tuple(r) for r in np.stack(outs, axis=1).tolist()] if outs else []
        if not math.isfinite(total + check):
            return None
        return float(total), G, outs

    def means(self, G: Any, n: int) -> list[float]:
        # numpy divides each entry as Python would: the same means, bit for bit
        means: list[float] = (G / n).tolist()
        return means

    def some(
        self, xs: Any, ys: Any, X: Any, Y: Any, at: list[int]
    ) -> tuple[list[Any], list[Any], Any, Any]:
        return xs[at].tolist(), ys[at].tolist(), X[:, at], Y[:, at]

    def _samples(self, batch: Any) -> Any:
        """An array of numbers as a plain ndarray (a view: never copied, never written);
        anything else, an object array too, as the list of its samples."""
        np = self.np
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
        np = self.np
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

"""The numpy backend: a tape with one array per node across the batch, layers fused.

The ``dot`` nodes of a layer (same inputs, parameter weights) become one
matrix product (a ``_Layer`` block), those of a convolution (weights shared
across positions) one im2col product (a ``_Conv`` block, in ``numpy_conv``),
and an activation applied to every row of such a block one operation on the
matrix (an ``_Activation`` block). numpy is imported only when a step with
this backend is made.
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
    _SUM,
    _contributions,
    _forward_line,
    _library,
    _templates,
    _unpack,
)
from autograd_lite.compile.names import Names, comment_text
from autograd_lite.compile.numpy_conv import _Conv, _families, _Family, _place
from autograd_lite.compile.tape import Tape, _Layout, _Node
from autograd_lite.compile.wrap import WIDTH, _pack, comment_lines, wrap_lines
from autograd_lite.engine import Edges, walk_back
from autograd_lite.ops import Primitive, dot_layout, numpy_names

__all__ = ["NumpyBackend"]


@dataclass(frozen=True)
class _Group:
    """Sibling ``dot`` nodes of a layer: same inputs, parameter weights: one matrix product."""

    members: tuple[int, ...]
    weights: tuple[tuple[int, ...], ...]  #: parameter indices, one row per member
    biases: tuple[int, ...] | None
    inputs: tuple[int, ...]  #: tape positions of the shared inputs


def _rows_at(rows: Sequence[Sequence[int]], nparams: int) -> str | None:
    """``rows`` (k rows of m parameter indices) as a view of P, where row i is
    ``start + i * step + (0, 1, .., m - 1)``: ``[a:b].reshape(k, step)[:, :m]``; else None."""
    k, m, start = len(rows), len(rows[0]), rows[0][0]
    step = rows[1][0] - start if k > 1 else m
    if step < m or start + k * step > nparams:
        return None
    if any(tuple(row) != tuple(range(start + i * step, start + i * step + m))
           for i, row in enumerate(rows)):  # fmt: skip
        return None
    return f"[{start}:{start + k * step}].reshape({k}, {step})[:, :{m}]"  # (assignable)


def _column_at(indices: Sequence[int]) -> str | None:
    """``indices`` as a column view of P, where they are at equal steps: ``[a:b:step, None]``;
    else None."""
    start, k = indices[0], len(indices)
    step = indices[1] - start if k > 1 else 1
    if step < 1 or any(j != start + i * step for i, j in enumerate(indices)):
        return None
    stop = start + (k - 1) * step + 1
    return f"[{start}:{stop}, None]" if step == 1 else f"[{start}:{stop}:{step}, None]"


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


@dataclass(eq=False)  # a block is a node of the walk: hashed by identity
class _Layer:
    """A layer: sibling ``dot`` nodes computed as the rows of one matrix product,
    ``H{k} = M{k} @ S{k}`` (plus a bias column)."""

    name: str
    rows: tuple[int, ...]
    group: _Group
    inputs: str = ""  #: the matrix of its inputs (a block, X, or np.stack(...))
    input_block: _Block | None = None  #: the block its inputs are, if one is
    at: int = -1  #: the tape position where the replay computes it (its first row)
    stacked: tuple[int, ...] = ()  #: tape positions of its inputs, when stacked by name
    #: where its weights and its biases are in P: ``[W{k}]``, ``[B{k}]`` (index arrays), or
    #: slices where they lie in rows at equal steps (a module's neurons): a view, not a copy
    weights_at: str = ""
    biases_at: str = ""

    def place(self, nparams: int) -> dict[str, Any]:
        """Choose ``weights_at`` and ``biases_at``: the index arrays it needs (by name)."""
        k, grp = self.name[1:], self.group
        self.weights_at = _rows_at(grp.weights, nparams) or f"[W{k}]"
        consts: dict[str, Any] = {}
        if self.weights_at == f"[W{k}]":
            consts[f"W{k}"] = [list(row) for row in grp.weights]
        if grp.biases is not None:
            self.biases_at = _column_at(grp.biases) or f"[B{k}]"
            if self.biases_at == f"[B{k}]":
                consts[f"B{k}"] = [[i] for i in grp.biases]  # Pa[B] is a column
        return consts

    def forward(self) -> list[str]:
        k = self.name[1:]
        lines = [f"S{k} = {self.inputs}", f"M{k} = Pa{self.weights_at}"]
        lines.append(f"{self.name} = M{k} @ S{k}")
        if self.group.biases is not None:  # in place: no second matrix of the batch's size
            lines.append(f"{self.name} += Pa{self.biases_at}")
        return lines

    def backward(self, writer: _NumpyBackward) -> Edges:
        """Its gradients as matrices: of the weights, the bias, and the inputs (the edges to
        inputs outside a block)."""
        key, lines, grp = self.name[1:], writer.lines, self.group
        # a layer whose weights nothing else reads is their only gradient: "=", not "+="
        add = "=" if writer.only_use(grp) else "+="
        lines.append(f"G{self.weights_at} {add} G{self.name} @ S{key}.T")
        if grp.biases is not None:
            lines.append(f"G{self.biases_at} {add} G{self.name}.sum(axis=1, keepdims=True)")
        if not any(writer.tape.needs[j] for j in grp.inputs):
            return ()
        lines.append(f"GS{key} = M{key}.T @ G{self.name}")
        if self.input_block is not None:
            writer.to_block(self.input_block, f"GS{key}")
            return ()
        return [(r, j, f"GS{key}[{r}]") for r, j in enumerate(grp.inputs) if writer.tape.needs[j]]


@dataclass(eq=False)
class _Activation:
    """One elementwise row (a library row with numpy templates) applied to every row of a
    layer, in order: ``R{k} = tanh(H{k})``."""

    name: str
    rows: tuple[int, ...]
    source: _Layer | _Conv  #: the layer it is applied to
    op: Primitive
    at: int = -1  #: the tape position where the replay computes it (see _Layer)

    def forward(self) -> list[str]:
        code = _templates(self.op, numpy=True)[0]
        assert code is not None  # _elementwise_of chose library rows with templates only
        return [f"{self.name} = {code.format(self.source.name)}"]

    def backward(self, writer: _NumpyBackward) -> Edges:
        """Its rule on the whole matrix, sent to the layer as one more matrix."""
        grads = _templates(self.op, numpy=True)[1]
        assert grads is not None  # _elementwise_of chose library rows with templates only
        expr = grads[0].format(self.source.name, g=f"G{self.name}", out=self.name)
        writer.lines.append(f"GA{self.name[1:]} = {expr}")
        writer.to_block(self.source, f"GA{self.name[1:]}")
        return ()


_Block = _Layer | _Activation | _Conv


def _blocks(
    tape: Tape, nx: int, names: Names | None = None
) -> tuple[list[_Block], dict[int, _Block]]:
    """The layers (dot groups), convolutions (dot families sharing weights across positions)
    and the activations applied to whole blocks, in tape order; ``nx``: the rows of X,
    ``names``: the source's names (made here if not given)."""
    names = Names(tape) if names is None else names
    batched = _batched(tape)
    families = _families(tape, batched)
    # a convolution that fits nowhere in the tape's order: its nodes as layers; at most three
    # tries (all families, those that fit, none), so compile time stays bounded
    for _ in range(2):
        blocks, block_of = _blocks_with(tape, batched, families, nx, names)
        late = _place(tape, blocks, block_of)
        if not late:
            return blocks, block_of
        families = [f for f in families if f not in late]
    blocks, block_of = _blocks_with(tape, batched, [], nx, names)
    return blocks, block_of


def _blocks_with(
    tape: Tape, batched: list[bool], families: list[_Family], nx: int, names: Names
) -> tuple[list[_Block], dict[int, _Block]]:
    nodes = tape.nodes
    consumers: list[list[int]] = [[] for _ in nodes]
    for i, n in enumerate(nodes):
        for j in n.inputs:
            consumers[j].append(i)
    blocks: list[_Block] = []
    block_of: dict[int, _Block] = {}
    in_conv = {m for f in families for m in f.members}
    found: list[_Group | _Family] = [*families]
    found += [g for g in _groups(tape, batched) if in_conv.isdisjoint(g.members)]
    found.sort(key=lambda f: min(f.members))
    for k, grp in enumerate(found):
        layer: _Layer | _Conv
        if isinstance(grp, _Family):
            layer = _Conv(f"C{k}", grp.members, grp, tape)
        else:
            layer = _Layer(f"H{k}", grp.members, grp)
        layer.at = min(layer.rows)
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
                act = _Activation(f"R{k}", tuple(firsts), layer, op, min(firsts))
                blocks.append(act)
                for u in firsts:
                    block_of[u] = act
    for block in blocks:  # where each layer's inputs come from
        if isinstance(block, _Conv):
            block.wire(block_of, names)
        if not isinstance(block, _Layer):
            continue
        xs = block.group.inputs
        source = block_of.get(xs[0])
        if source is not None and source.rows == xs:
            block.inputs, block.input_block = source.name, source
        elif all(nodes[j].kind == "x" for j in xs):
            order = [nodes[j].index for j in xs]
            exact = order == list(range(nx))  # X itself only if it has no other rows
            block.inputs = "X" if exact else f"X[{order}]"
        else:
            block.stacked = xs  # named when the source reaches the layer: see _block_forward
    blocks.sort(key=lambda b: min(b.rows))
    return blocks, block_of


def _elementwise_of(node: _Node, m: int) -> bool:
    op = node.op
    if op is None or op.arity != 1 or node.inputs != (m,):
        return False
    code, grads = _templates(op, numpy=True)
    return code is not None and grads is not None


def _numpy_source(tape: Tape, layout: _Layout) -> tuple[str, dict[str, Any]]:
    """The tape as one numpy function over a whole batch (one array per node, or per layer)."""
    nodes = tape.nodes
    names = Names(tape, layout)
    blocks, block_of = _blocks(tape, layout.nx, names)
    consts: dict[str, Any] = {}
    for b in blocks:
        if isinstance(b, _Layer):
            consts.update(b.place(layout.nparams))
        elif isinstance(b, _Conv):
            consts.update(b.consts)
    loose = _loose_rows(tape, blocks, block_of)
    first = {b.at: b for b in blocks}
    layers = sum(1 for b in blocks if isinstance(b, _Layer))
    convs = sum(1 for b in blocks if isinstance(b, _Conv))
    # P: a list of the parameters' values, or (a fused run) the float64 array that holds them
    body = ["Pa = np.asarray(P, float)", "n = X.shape[1]"]
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
    body.append(f"total = np_total({root}, n)")
    outs = ", ".join(f"np.broadcast_to({names.value(i)}, (n,))" for i in tape.outputs)
    body.append(f"outs = [{outs}]")
    body.append("G = np.zeros(len(P))")
    body.append("# backward")
    body += _numpy_backward(tape, names, block_of, first)
    body.append("return total, G, 0.0, outs")
    text = (
        f"{len(nodes)} nodes in topological order, one array per node across the batch, named "
        f"by what they compute: {names.header(sums=False)}. Layers of dot nodes as matrix "
        f"products ({layers}): Hk = Mk @ Sk (+ a bias column), Mk the layer's weights (a view "
        "of Pa where they lie in rows, else Pa[Wk]), Sk its inputs; Rk an activation of the "
        "whole layer; GHk, GRk, ..: their gradients; G: the parameters' gradients, summed "
        "over the batch" + (f"; convolutions as im2col products ({convs})" if convs else "")
    )
    shown = {k: v for k, v in consts.items() if k[:1] in "WB" and _size(v) <= SHOWN_INDICES}
    lines = [*comment_lines(text), *_index_arrays(consts, shown), "def replay(P, X, Y):"]
    source = "\n".join(wrap_lines(lines + ["    " + line for line in body])) + "\n"
    return source, {k: v for k, v in consts.items() if k not in shown}


#: An index array of a layer with at most this many entries is written in the source with
#: its values; a larger one is a comment with its shape, first and last rows.
SHOWN_INDICES = 256


def _size(rows: Any) -> int:
    return sum(len(r) for r in rows)


def _index_arrays(consts: dict[str, Any], shown: dict[str, Any]) -> list[str]:
    """The layers' index arrays into ``Pa``: small ones as code, large ones as a comment."""
    layers = {k: v for k, v in consts.items() if k[:1] in "WB"}
    if not layers:
        return []
    lines = ["# where each layer's weights (Wk) and biases (Bk, a column) are in P"]
    for name, rows in layers.items():
        if name in shown:
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
        b.input_block.name
        for b in blocks
        if isinstance(b, (_Layer, _Conv)) and b.input_block is not None
    }
    loose: set[int] = {tape.root, *tape.outputs}
    for i, n in enumerate(tape.nodes):
        block = block_of.get(i)
        if isinstance(block, _Activation):
            continue
        if isinstance(block, (_Layer, _Conv)) and block.input_block is not None:
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
    if isinstance(b, _Conv):
        return f"# a convolution of {len(b.rows)} positions and channels"
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
    """The numpy backward pass being written, by the engine's walk over the tape where each
    block stands for its rows: which gradients exist, and the lines so far."""

    def __init__(self, tape: Tape, names: Names, block_of: dict[int, _Block]) -> None:
        self.tape, self.names, self.block_of = tape, names, block_of
        self.grads = {tape.root}  # nodes with a gradient variable of their own
        #: what the walk visits: nodes and blocks that have received a gradient
        self.pending: dict[int | _Block, str] = {block_of.get(tape.root, tape.root): "g"}
        self.whole: dict[str, list[str]] = {b.name: [] for b in block_of.values()}
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

    def send(self, pending: dict[int | _Block, str], j: int, expr: str) -> None:
        """Add ``expr`` to node ``j``'s gradient (a parameter's: summed over the batch)."""
        node = self.tape.nodes[j]
        if node.kind == "param":
            self.lines.append(f"G[{node.index}] += np.sum({expr})")
            return
        if j in self.grads:
            self.lines.append(f"{self.names.grad(j)} = {self.names.grad(j)} + {expr}")
        else:
            self.grads.add(j)
            self.lines.append(f"{self.names.grad(j)} = {expr}")
        pending[self.block_of.get(j, j)] = "g"

    def to_block(self, b: _Block, expr: str) -> None:
        """Add the matrix ``expr`` to block ``b``'s gradient."""
        self.whole[b.name].append(expr)
        self.pending[b] = "g"

    def gradient_of(self, b: _Block) -> str:
        parts = list(self.whole[b.name])
        if any(r in self.grads for r in b.rows):
            rows = [self.names.grad(r) if r in self.grads else "np.zeros(n)" for r in b.rows]
            parts.append(f"{rows[0]}[None]" if len(rows) == 1 else f"np.stack([{', '.join(rows)}])")
        return " + ".join(parts) if parts else "0.0"

    def rule(self, item: int | _Block, g: str) -> Edges:
        """A node's rule, or a block's (a layer's gradients as matrices, or an activation's)."""
        if isinstance(item, int):
            if self.tape.nodes[item].op is None:
                return ()
            pre, edges = _contributions(self.tape, self.names, item, numpy=True)
            self.lines += pre
            return edges
        if not any(self.tape.needs[r] for r in item.rows):
            return ()
        self.lines.append(_block_comment(item, self.names))
        self.lines.append(f"G{item.name} = {self.gradient_of(item)}")
        return item.backward(self)


def _numpy_backward(
    tape: Tape, names: Names, block_of: dict[int, _Block], first: dict[int, _Block]
) -> list[str]:
    if not tape.needs[tape.root]:
        return []
    root = tape.nodes[tape.root]
    if root.kind == "param":  # the loss is a parameter itself
        return [f"G[{root.index}] += n"]
    writer = _NumpyBackward(tape, names, block_of)
    # a block stands where its first row is; its other rows are not walked alone
    order: list[int | _Block] = [
        first.get(i, i) for i in range(len(tape.nodes)) if i in first or i not in block_of
    ]
    for _ in walk_back(order, writer.pending, writer.rule, writer.send):
        pass
    return writer.lines


def _numpy_namespace(np: Any, rows: Sequence[Primitive]) -> dict[str, Any]:
    """numpy forms of the tape's rows, as ``f{k}`` (forward) and ``d{k}`` (rule) for row k,
    and the helpers their templates call: all from the rows (``np_forward``, ``np_vjp``,
    ``names``); any other row (a row of the user's own, too) runs its float functions
    element by element."""

    def total(losses: Any, n: int) -> float:
        """The exact sum of one sample's loss over the batch, as Python adds floats (faster):
        ``losses`` an array of the ``n`` losses, or one number (a loss that is a constant)."""
        if getattr(losses, "shape", ()) != (n,):
            losses = np.broadcast_to(losses, (n,))
        rough = float(losses.sum())
        if float(np.abs(losses).sum()) * (len(losses) * 2.0**-53) <= 2.0**-44 * abs(rough):
            return rough
        return math.fsum(losses.tolist())

    ns: dict[str, Any] = {
        **numpy_names(np, [row for row in rows if _library(row)]),
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


class NumpyBackend(Backend):
    """One array per node across the batch: the batch as arrays (read without a copy)."""

    name = "numpy"
    params_as_array = True

    @property
    def np(self) -> Any:
        import numpy  # lazily: the engine itself stays pure Python

        return numpy

    def lines(self, tape: Tape) -> int:
        return 0  # a layer is a few lines, whatever its size: the source is counted instead

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

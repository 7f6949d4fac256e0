"""Convolutions in the numpy backend: ``dot`` nodes sharing one weight matrix across positions.

A convolution (``nn.Conv1d``, ``nn.Conv2d``, or any code with the same structure: one layer
applied to several windows of one sample) is, on the tape, one ``dot`` node per output
channel and position. Channel ``c``'s node reads the same weights ``W[c]`` (and bias
``b[c]``) at every position; position ``p``'s nodes all read the same window of inputs.
Such a family is found from the tape alone (never from a module's class) and replayed as
one ``_Conv`` block, im2col style, with ``Z`` the matrix the windows read and ``I`` the
window rows (``K x P``, precomputed)::

    S = Z[I].reshape(K, P * n)        # every window of every sample, one column each
    C = M @ S + b                     # all C x P nodes at once, then as (C * P, n) rows
    G[W] = GC @ S.T                   # summed over positions and the batch in one product
    GS = M.T @ GC                     # each window's gradient
    GZ = add.reduceat(GS[O], T)       # added onto the rows of Z: a precomputed sorted scatter

Where the sums differ from the engine's: no ``fsum`` is involved (the engine adds a
``dot``'s terms one by one from the bias up, and a weight's gradient one contribution at a
time as its backward pass reaches them; ``sum`` nodes and the batch's total, which the
engine adds with ``fsum``, are not part of this block). The products add in another order:
a row of ``C`` differs from the engine's by at most about ``K * 2**-53`` times the sum of
its terms' magnitudes, a weight's gradient by ``P * n * 2**-53`` times that of its
``P * n`` contributions (the dense ``_Layer`` block: ``n``); the per-node replay had
the same bounds, in pieces. The compile tests hold it to 1e-12 of the largest number
compared, the step's own checks to 1e-9.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from autograd_lite.compile.codegen import _DOT, _literal
from autograd_lite.compile.names import Names
from autograd_lite.compile.tape import Tape
from autograd_lite.engine import Edges
from autograd_lite.ops import dot_layout

if TYPE_CHECKING:
    from collections.abc import Sequence

    from autograd_lite.compile.numpy_backend import _Block, _NumpyBackward

__all__: list[str] = []


@dataclass(frozen=True)
class _Family:
    """``dot`` nodes sharing a weight matrix across positions: ``members[c * P + p]`` is
    channel ``c`` at position ``p``."""

    members: tuple[int, ...]
    weights: tuple[tuple[int, ...], ...]  #: tape positions of the weights, one row per channel
    biases: tuple[int, ...] | None  #: tape positions of the biases, one per channel
    windows: tuple[tuple[int, ...], ...]  #: tape positions of the inputs, one row per position


def _families(tape: Tape, batched: Sequence[bool]) -> list[_Family]:
    """The convolution families on the tape: two positions or more, the same channels at
    each, every weight and bias a distinct parameter, every input batched or a constant."""
    nodes = tape.nodes
    Key = tuple[tuple[int, ...], int | None]  # a channel: its weights and its bias
    windows: dict[tuple[int, ...], dict[Key, int]] = {}  # window -> channel -> node
    twice: set[tuple[int, ...]] = set()  # windows read twice by the same channel
    for i, n in enumerate(nodes):
        if n.op is not _DOT or len(n.inputs) < 2:
            continue
        w, x, b = dot_layout(len(n.inputs))
        ws, xs = n.inputs[w], n.inputs[x]
        bias = None if b is None else n.inputs[b]
        if not all(nodes[j].kind == "param" for j in ws) or (
            bias is not None and nodes[bias].kind != "param"
        ):
            continue
        if not any(batched[j] for j in xs) or not all(
            batched[j] or nodes[j].kind == "const" for j in xs
        ):
            continue
        channels = windows.setdefault(xs, {})
        if (ws, bias) in channels:
            twice.add(xs)
        channels[(ws, bias)] = i
    # positions with the same channels (as a set) form a family
    alike: dict[frozenset[Key], list[tuple[int, ...]]] = {}
    for xs, channels in windows.items():
        if xs not in twice:
            alike.setdefault(frozenset(channels), []).append(xs)
    found = []
    for keys, xss in alike.items():
        if len(xss) < 2 or len({b is None for _, b in keys}) != 1:
            continue
        params = [j for ws, b in keys for j in (*ws, *(() if b is None else (b,)))]
        if len(set(params)) != len(params):
            continue  # a weight read twice by one position: keep those nodes apart
        # channels and positions in the order the tape first reaches them (a flattened
        # convolution then reads the block's rows in order: see _Layer's inputs)
        chans = sorted(keys, key=lambda key: min(windows[xs][key] for xs in xss))
        xss.sort(key=lambda xs: min(windows[xs].values()))
        members = tuple(windows[xs][key] for key in chans for xs in xss)
        biases = None if chans[0][1] is None else tuple(b for _, b in chans if b is not None)
        found.append(_Family(members, tuple(ws for ws, _ in chans), biases, tuple(xss)))
    return found


@dataclass(eq=False)  # a block is a node of the walk: hashed by identity
class _Conv:
    """A convolution family as one block: ``C{k}``, its nodes as ``(channels * positions,
    n)`` rows, channel-major."""

    name: str
    rows: tuple[int, ...]
    family: _Family
    tape: Tape
    inputs: str = ""  #: the matrix Z the windows read (X, a block, or np.stack(...))
    input_block: _Block | None = None  #: the block Z is, if one is
    consts: dict[str, Any] = field(default_factory=dict)  #: index arrays, by name
    _stacked: tuple[int, ...] = ()  #: the nodes stacked into Z, when no block or X holds them
    _from_x: bool = False
    _base_rows: int = 0  #: rows of Z besides the constants'
    at: int = -1  #: the tape position where the replay computes it: see _place

    @property
    def key(self) -> str:
        return self.name[1:]

    def wire(self, block_of: dict[int, _Block], names: Names) -> None:
        """Choose Z (X, the block the windows read, or a stack of named nodes) and the
        window rows into it; constants (padding) are rows of their own, first."""
        nodes, fam, k = self.tape.nodes, self.family, self.key
        read = [j for xs in fam.windows for j in xs if nodes[j].kind != "const"]
        distinct = list(dict.fromkeys(read))
        padding = [nodes[j].value for xs in fam.windows for j in xs if nodes[j].kind == "const"]
        const_rows = {repr(v): v for v in padding}  # one row of Z per distinct constant
        values = list(const_rows)
        source = block_of.get(distinct[0])
        row: dict[int, int]
        if all(nodes[j].kind == "x" for j in distinct):
            base, row, self._from_x = "X", {j: nodes[j].index for j in distinct}, True
        elif source is not None and all(block_of.get(j) is source for j in distinct):
            base, self.input_block = source.name, source
            row = {j: r for r, j in enumerate(source.rows)}
        else:
            self._stacked = tuple(distinct)
            base = f"np.stack([{', '.join(names.value(j) for j in distinct)}])"
            row = {j: r for r, j in enumerate(distinct)}
        nc = len(values)
        at = {r: c for c, r in enumerate(values)}

        def z_row(j: int) -> int:
            node = nodes[j]
            return at[repr(node.value)] if node.kind == "const" else nc + row[j]

        if nc:
            literal = ", ".join(f"[{_literal(const_rows[r])}]" for r in values)
            self.inputs = (
                f"np.concatenate([np.broadcast_to(np.array([{literal}]), ({nc}, n)), {base}])"
            )
        else:
            self.inputs = base
        index = [[z_row(j) for j in xs] for xs in fam.windows]  # P x K
        self.consts[f"CI{k}"] = [list(col) for col in zip(*index, strict=True)]  # K x P
        self.consts[f"CW{k}"] = [[nodes[j].index for j in ws] for ws in fam.weights]
        if fam.biases is not None:
            self.consts[f"CB{k}"] = [[nodes[j].index] for j in fam.biases]  # a column
        # the scatter: the windows' rows (K x P, flattened) sorted by the row of Z they
        # read, constants left out; T: where each row's run starts, U: those rows
        flat = [r - nc for col in self.consts[f"CI{k}"] for r in col]
        order = sorted((t for t, r in enumerate(flat) if r >= 0), key=flat.__getitem__)
        starts = [s for s, t in enumerate(order) if s == 0 or flat[t] != flat[order[s - 1]]]
        self.consts[f"CO{k}"], self.consts[f"CT{k}"] = order, starts
        self.consts[f"CU{k}"] = [flat[order[s]] for s in starts]
        self._base_rows = len(self.input_block.rows) if self.input_block else len(distinct)

    def forward(self) -> list[str]:
        k, fam = self.key, self.family
        kk = len(fam.weights[0])
        bias = f" + Pa[CB{k}]" if fam.biases is not None else ""
        z = self.inputs
        return [
            f"CS{k} = ({z})[CI{k}].reshape({kk}, -1)",
            f"CM{k} = Pa[CW{k}]",
            f"{self.name} = (CM{k} @ CS{k}{bias}).reshape(-1, n)",
        ]

    def only_use(self, writer: _NumpyBackward) -> bool:
        """Whether the family's weights and biases are read by its own nodes only."""
        fam = self.family
        params = [j for ws in fam.weights for j in ws] + list(fam.biases or ())
        return all(writer.uses[j] == len(fam.windows) for j in params)

    def backward(self, writer: _NumpyBackward) -> Edges:
        """The weights' gradient as one product over positions and batch, the bias's as one
        sum, the inputs' as one product and a precomputed scatter onto Z's rows (the edges to
        inputs outside a block)."""
        k, fam, lines = self.key, self.family, writer.lines
        add = "=" if self.only_use(writer) else "+="
        lines.append(f"GC2{k} = G{self.name}.reshape({len(fam.weights)}, -1)")
        lines.append(f"G[CW{k}] {add} GC2{k} @ CS{k}.T")
        if fam.biases is not None:
            lines.append(f"G[CB{k}] {add} GC2{k}.sum(axis=1, keepdims=True)")
        needs = self.tape.needs
        if self._from_x or not any(needs[j] for xs in fam.windows for j in xs):
            return ()
        lines.append(f"CG{k} = (CM{k}.T @ GC2{k}).reshape(-1, n)")
        whole = self.consts[f"CU{k}"] == list(range(self._base_rows))
        scatter = f"np.add.reduceat(CG{k}[CO{k}], CT{k})"
        if whole:
            lines.append(f"CGZ{k} = {scatter}")
        else:
            lines.append(f"CGZ{k} = np.zeros(({self._base_rows}, n))")
            lines.append(f"CGZ{k}[CU{k}] = {scatter}")
        if self.input_block is not None:
            writer.to_block(self.input_block, f"CGZ{k}")
            return ()
        return [(r, j, f"CGZ{k}[{r}]") for r, j in enumerate(self._stacked) if needs[j]]


def _place(tape: Tape, blocks: Sequence[_Block], block_of: dict[int, _Block]) -> list[_Family]:
    """Where the replay computes each block (``at``, a tape position), and the families that
    fit nowhere. A layer is computed at its first row, as its rows share their inputs; a
    convolution's windows may be computed between its rows (the tape is in depth-first
    order), so it is computed at its first row that comes after all of its inputs, and an
    activation over it at its first row after that. Every block must come after its inputs
    and before whatever reads its rows; a convolution whose rows read each other (a
    recurrence sharing weights) never does, and is returned with any other that fails."""
    nodes = tape.nodes
    consumers: list[list[int]] = [[] for _ in nodes]
    for i, n in enumerate(nodes):
        for j in n.inputs:
            consumers[j].append(i)

    def ready(j: int) -> int:  # the position after which op node j has its value
        b = block_of.get(j)
        return -1 if nodes[j].kind != "op" else b.at if b is not None else j

    for b in blocks:
        if isinstance(b, _Conv):
            inputs = [j for xs in b.family.windows for j in xs]
            after = max(map(ready, inputs), default=-1)
            b.at = min((r for r in b.rows if r > after), default=-1)
        elif isinstance(source := getattr(b, "source", None), _Conv):  # an activation over it
            b.at = min((r for r in b.rows if r > source.at), default=-1)
    failed: list[_Family] = []
    for b in blocks:
        fits = b.at >= 0
        for r in b.rows:
            for j in nodes[r].inputs:
                fits = fits and block_of.get(j) is not b and ready(j) < b.at
            for c in consumers[r]:
                other = block_of.get(c)
                fits = fits and (other is b or (other.at if other is not None else c) > b.at)
        if not fits:
            conv = b if isinstance(b, _Conv) else getattr(b, "source", None)
            if isinstance(conv, _Conv):
                failed.append(conv.family)
            else:  # a layer that a convolution's place pushed out of order: no convolutions
                return [x.family for x in blocks if isinstance(x, _Conv)]
    return failed

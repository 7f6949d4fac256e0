"""``draw_graph``: a computation graph showing every value, gradient and chain-rule step.

Two views of the same graph. The *forward view* shows each value's ``data``
and its ``.grad`` as stored. The *backward view* replays one backward pass on
plain floats, seeded with 1 at the output, using each operation's derivative
rule from ``autograd_lite.PRIMITIVES``: every edge then carries the local
derivative d(out)/d(in) and the contribution ``upstream grad × local
derivative`` it adds to the input, and a node used twice shows its gradient
as the sum of what arrives ("sum over paths"). The replay never touches a
``.grad``.

Nodes are named by topological position (``v0``, ``op3``), so the DOT text is
the same on every run and can be compared with a saved copy.

>>> from autograd_lite import Value
>>> x, y = Value(2.0, label="x"), Value(3.0, label="y")
>>> dot = draw_graph(x * y + x, backward_view=True)
>>> "grad = 1.0000 + 3.0000 = 4.0000" in dot.source     # x feeds two paths
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from autograd_lite.engine import Value, grad_passes, topological_order, walk_back
from autograd_lite.expression import ATOM, format_operation, number_text
from autograd_lite.nn import Parameter
from visualize.style import (
    FONT,
    KIND_COLOURS,
    Kind,
    check_rankdir,
    diverging,
    esc,
    fmt,
    legend_table,
)

if TYPE_CHECKING:
    import graphviz  # type: ignore[import-untyped]

__all__ = [
    "DEFAULT_MAX_NODES",
    "Contribution",
    "GraphTooLargeError",
    "Step",
    "backward_steps",
    "draw_graph",
]

#: draw_graph refuses graphs with more values than this unless told otherwise.
DEFAULT_MAX_NODES = 500
#: Intermediate values are named by the expression they compute, up to this many characters.
NAME_LENGTH = 18
#: The name of an output whose expression is longer than ``NAME_LENGTH`` (and unlabelled).
OUTPUT_NAME = "out"
#: The legend defines at most this many short names (``v7 = x*w + b``), then says how many more.
MAX_DEFINED = 12
#: Characters of one definition in the legend; a longer one ends in "…".
DEFINITION_LENGTH = 60

_HIGHLIGHT = "#e66101"
_NO_GRAD_EDGE = "#999999"
_FONT_SIZE = 12.0
_EDGE_FONT_SIZE = 10.0


class GraphTooLargeError(ValueError):
    """The graph has more values than ``max_nodes``; the message says what to do instead."""


@dataclass(frozen=True)
class Contribution:
    """What one operation adds to one input's gradient: ``upstream × local``."""

    child: int  #: topological index of the operation's output
    position: int  #: which input of the operation (0, 1, ...)
    parent: int  #: topological index of that input
    upstream: float  #: d(root)/d(child), complete when the step runs
    local: float  #: d(child)/d(parent), from the rule called with g = 1
    value: float  #: upstream × local, from the rule called with g = upstream


@dataclass(frozen=True)
class Step:
    """One node of the backward pass: its finished gradient, and what it sends on."""

    node: int
    grad: float
    contributions: tuple[Contribution, ...]


def _vjp(node: Value, g: float) -> tuple[float, ...]:
    """The node's rule applied on floats; not-a-number where the derivative is undefined."""
    op = node.op
    assert op is not None  # callers pass operation outputs only
    try:
        return tuple(float(x) for x in op.vjp(g, node.data, *[p.data for p in node.parents]))
    except (ArithmeticError, ValueError):
        return (math.nan,) * len(node.parents)


def _float_edges(node: Value, g: float) -> list[tuple[int, Value, float]]:
    """What the node sends each input that takes a gradient (NaN where a rule fails, so that
    a diagram shows it rather than raise)."""
    if node.op is None:
        return []
    pushed = _vjp(node, g)
    edges = [(k, p, pushed[k]) for k, p in enumerate(node.parents) if p.requires_grad]
    # in the order the engine's float loop adds them: a binary node's second input first
    return edges[::-1] if len(node.parents) == 2 else edges


class Analysis:
    """A graph in topological order, with node kinds, names and a replayed backward pass."""

    def __init__(
        self, root: Value, *, params: Iterable[Value] | None = None, max_nodes: int | None = None
    ) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"expected a Value to draw, got {type(root).__name__}")
        marked = _as_value_set(params)
        self.order: list[Value] = topological_order(root)
        if max_nodes is not None and len(self.order) > max_nodes:
            raise GraphTooLargeError(
                f"this graph has {len(self.order):,} values, more than max_nodes={max_nodes:,}; "
                "draw a smaller sub-expression, draw a network with visualize.draw_model(model), "
                f"or raise the limit (max_nodes={len(self.order)}) and expect a slow layout"
            )
        self.index: dict[Value, int] = {v: i for i, v in enumerate(self.order)}
        self.root = len(self.order) - 1
        self.kinds: list[Kind] = [self._kind(i, v, marked) for i, v in enumerate(self.order)]
        #: what each short name stands for: (index, the expression, in the names of its inputs)
        self.definitions: list[tuple[int, str]] = []
        self.names: list[str] = self._names()

    def _kind(self, i: int, v: Value, params: set[Value]) -> Kind:
        if i == self.root and not v.is_leaf:
            return "output"
        if v in params or isinstance(v, Parameter):
            return "parameter"
        if not v.is_leaf:
            return "result"
        # a leaf: a number given by name (x[0], target) is data, like an input
        return "input" if v.requires_grad or v.label else "constant"

    def _names(self) -> list[str]:
        """Each node's name: its label; a constant's number; else the expression it computes.

        ``x*w + b`` reads better than ``v4`` in a backward view and in the
        animation's sentences. An expression longer than ``NAME_LENGTH``
        characters gets a short name, ``out`` for the output and ``v`` and
        its topological index for the others, and ``definitions`` says what
        it stands for (``v4 = x1*w1 + x2*w2``), written with its inputs' names.
        """
        taken = {v.label for v in self.order if v.label}
        texts: list[tuple[str, float]] = []
        for i, v in enumerate(self.order):
            if v.label:
                text = (v.label, ATOM)
            elif v.op is None:
                text = number_text(v.data) if self.kinds[i] == "constant" else (f"v{i}", ATOM)
            else:
                written = format_operation(v.op, [texts[self.index[p]] for p in v.parents])
                compact = written[0].replace(" * ", "*").replace(" / ", "/").replace(" ** ", "**")
                if len(compact) <= NAME_LENGTH:
                    text = (compact, written[1])
                else:
                    short = OUTPUT_NAME if i == self.root and OUTPUT_NAME not in taken else f"v{i}"
                    text = (short, ATOM)
                    if len(compact) > DEFINITION_LENGTH:
                        compact = compact[: DEFINITION_LENGTH - 1] + "…"
                    self.definitions.append((i, compact))
            texts.append(text)
        return [text for text, _ in texts]

    @cached_property
    def steps(self) -> list[Step]:
        """The backward pass on floats: one step per node taking a gradient.

        The engine's reverse walk (``engine.walk_back``) with each row's rule
        on floats: each node's gradient is summed in the order
        ``root.backward()`` sums it, so it equals what that adds to ``.grad``;
        each edge shows what the walk summed into the input, and the rule's
        local derivative (called with g = 1).
        """
        if not self.order[self.root].requires_grad:
            return []
        taking = [v for v in self.order if v.requires_grad]
        steps: list[Step] = []
        # the engine's walk: the same order of summing as root.backward(); each edge is the
        # contribution the walk summed into the input, and its local derivative (g = 1)
        for node, g, edges in walk_back(taking, {taking[-1]: 1.0}, _float_edges):
            i = self.index[node]
            local = _vjp(node, 1.0) if edges else ()
            # chain rule: d(root)/d(p) += d(root)/d(node) * d(node)/d(p)
            sent = [Contribution(i, k, self.index[p], g, local[k], c) for k, p, c in sorted(edges)]
            steps.append(Step(i, g, tuple(sent)))
        return steps

    @cached_property
    def expected(self) -> list[int]:
        """How many contributions each node receives over the whole backward pass."""
        counts = [0] * len(self.order)
        for step in self.steps:
            for c in step.contributions:
                counts[c.parent] += 1
        return counts

    @cached_property
    def grad_scale(self) -> float:
        """The largest finite |gradient| in the replay (1.0 if none), for the colour scale."""
        sizes = [abs(s.grad) for s in self.steps if math.isfinite(s.grad)]
        return max(sizes, default=1.0) or 1.0


def _as_value_set(params: Iterable[Value] | None) -> set[Value]:
    if params is None:
        return set()
    marked = set()
    for k, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"params[{k}] must be a Value, got {type(p).__name__}")
        marked.add(p)
    return marked


def backward_steps(root: Value) -> list[Step]:
    """The backward pass from ``root`` as a list of chain-rule steps, output first.

    >>> from autograd_lite import Value
    >>> x = Value(3.0, label="x")
    >>> [s.grad for s in backward_steps(x * x)]     # d(x*x)/d(x*x), then d(x*x)/dx = 2x
    [1.0, 6.0]
    """
    return Analysis(root).steps


# -- what one picture shows --------------------------------------------------------


@dataclass
class View:
    """The text and colours of one picture of an ``Analysis`` (one animation frame)."""

    grad_text: dict[int, str] = field(default_factory=dict)
    grad_value: dict[int, float] = field(default_factory=dict)
    edge_text: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    current_node: int | None = None
    current_edges: set[tuple[int, int]] = field(default_factory=set)
    scale: float = 1.0  #: |gradient| drawn in the strongest colour


#: A forward view's grad cell for a value that no backward pass has reached.
NOT_COMPUTED = "grad not computed yet"
#: After a gradient that sums several backward passes.
SUMMED = "sum of {n} backward() calls"


def forward_view(a: Analysis) -> View:
    """Each value's ``.grad`` as stored; "not computed yet" before any ``backward()``.

    A gradient that sums several backward passes (``zero_grad()`` forgotten,
    or accumulated on purpose) says how many.
    """
    view = View()
    for i, v in enumerate(a.order):
        if v.requires_grad:
            g = float(v.grad)
            passes = grad_passes(v)
            if passes == 0 and g == 0.0:  # 0.0 here is "never written", not a gradient of 0
                view.grad_text[i] = NOT_COMPUTED
                continue
            summed = f" ({SUMMED.format(n=passes)})" if passes > 1 else ""
            view.grad_text[i] = f"grad {fmt(g)}{summed}"
            view.grad_value[i] = g
    finite = [abs(g) for g in view.grad_value.values() if math.isfinite(g)]
    view.scale = max(finite, default=1.0) or 1.0
    return view


def operand_text(name: str) -> str:
    """A name inside ∂.../∂...: in parentheses unless it is one word (x, x[0], L0.n1.w0)."""
    return name if re.fullmatch(r"[\w.\[\]]+", name) else f"({name})"


def _paren(x: float) -> str:
    return f"({fmt(x)})" if x < 0.0 else fmt(x)


def _sum_text(got: Sequence[float], expected: int) -> tuple[str, float | None]:
    if not got:
        return "grad ?", None
    total = got[0]
    for x in got[1:]:
        total = total + x
    if len(got) < expected:
        return f"grad so far {fmt(total)} ({expected - len(got)} more to come)", total
    if len(got) == 1:
        return f"grad = {fmt(total)}", total
    return f"grad = {' + '.join(_paren(x) for x in got)} = {fmt(total)}", total


def backward_view_of(a: Analysis, applied: int | None = None, *, highlight: bool = False) -> View:
    """The picture after the first ``applied`` backward steps (all of them by default).

    With ``highlight``, the last applied step's node and edges are marked as
    the one being processed.
    """
    steps = a.steps if applied is None else a.steps[:applied]
    view = View(scale=a.grad_scale)
    received: dict[int, list[float]] = {}
    for step in steps:
        for c in step.contributions:
            received.setdefault(c.parent, []).append(c.value)
            child, parent = operand_text(a.names[c.child]), operand_text(a.names[c.parent])
            view.edge_text[(c.child, c.position)] = (
                f"∂{child}/∂{parent} = {fmt(c.local)}",
                f"{fmt(c.upstream)} × {_paren(c.local)} = {fmt(c.value)}",
            )
    for i, v in enumerate(a.order):
        if not v.requires_grad:
            continue
        if i == a.root:
            started = bool(steps)
            view.grad_text[i] = "grad = 1.0000 (the start)" if started else "grad ?"
            if started:
                view.grad_value[i] = 1.0
            continue
        text, value = _sum_text(received.get(i, []), a.expected[i])
        view.grad_text[i] = text
        if value is not None:
            view.grad_value[i] = value
    if highlight and steps:
        last = steps[-1]
        view.current_node = last.node
        view.current_edges = {(c.child, c.position) for c in last.contributions}
    return view


def backward_views(a: Analysis, *, highlight: bool = False) -> list[View]:
    """``backward_view_of(a, k, highlight=highlight)`` for every ``k`` from 0 to ``len(a.steps)``.

    Built one step at a time (each view is the one before plus a step), so the
    work grows with the graph's size rather than with its size squared.
    """
    first = backward_view_of(a, 0, highlight=highlight)
    views = [first]
    grad_text, grad_value, edge_text = first.grad_text, first.grad_value, first.edge_text
    received: dict[int, list[float]] = {}
    for step in a.steps:
        grad_text, grad_value, edge_text = dict(grad_text), dict(grad_value), dict(edge_text)
        if step.node == a.root:
            grad_text[a.root] = "grad = 1.0000 (the start)"
            grad_value[a.root] = 1.0
        for c in step.contributions:
            got = received.setdefault(c.parent, [])
            got.append(c.value)
            child, parent = operand_text(a.names[c.child]), operand_text(a.names[c.parent])
            edge_text[(c.child, c.position)] = (
                f"∂{child}/∂{parent} = {fmt(c.local)}",
                f"{fmt(c.upstream)} × {_paren(c.local)} = {fmt(c.value)}",
            )
            text, value = _sum_text(got, a.expected[c.parent])
            grad_text[c.parent] = text
            if value is not None:
                grad_value[c.parent] = value
        view = View(grad_text, grad_value, edge_text, scale=a.grad_scale)
        if highlight:
            view.current_node = step.node
            view.current_edges = {(c.child, c.position) for c in step.contributions}
        views.append(view)
    return views


# -- DOT ------------------------------------------------------------------------------


def text_width(text: str, size: float) -> float:
    """A generous estimate of ``text``'s width in points (Helvetica digits are 0.56 em)."""
    return 0.62 * size * len(text) + 10.0


@dataclass(frozen=True)
class Widths:
    """Minimum cell widths that keep every animation frame's layout the same."""

    nodes: dict[int, float]
    edges: dict[tuple[int, int], float]


def stable_widths(a: Analysis, views: Sequence[View]) -> Widths:
    """Cell widths wide enough for every view's text, so that all views share one layout."""
    nodes: dict[int, float] = {}
    for i, v in enumerate(a.order):
        tag = a.kinds[i] if a.kinds[i] != "result" else ""
        head = text_width(a.names[i], 1.1 * _FONT_SIZE) + text_width(tag, 9.0)
        texts = [f"data {fmt(v.data)}", *{w.grad_text[i] for w in views if i in w.grad_text}]
        nodes[i] = max([head] + [text_width(t, _FONT_SIZE) for t in texts])
    edges: dict[tuple[int, int], float] = {}
    for key, lines in {item for w in views for item in w.edge_text.items()}:
        # the current edge's second line is bold: allow for it
        need = max(text_width(lines[0], _EDGE_FONT_SIZE), text_width(lines[1], 11.0))
        edges[key] = max(edges.get(key, 0.0), need)
    return Widths(nodes, edges)


def _value_label(a: Analysis, i: int, view: View, width: float | None) -> str:
    v = a.order[i]
    kind = a.kinds[i]
    w = f' width="{width:.0f}"' if width is not None else ""
    colour = KIND_COLOURS[kind]
    name, tag = esc(a.names[i]), kind if kind != "result" else ""
    head = f'<b>{name}</b> <font point-size="9">{tag}</font>' if tag else f"<b>{name}</b>"
    if kind == "output":
        head = f'<font color="white">{head}</font>'
    rows = [
        f'<td bgcolor="{colour}"{w}>{head}</td>',
        f"<td{w}>data {esc(fmt(v.data))}</td>",
    ]
    if i in view.grad_text:
        g = view.grad_value.get(i)
        fill = diverging(g, view.scale) if g is not None else "#ffffff"
        rows.append(f'<td bgcolor="{fill}"{w}>{esc(view.grad_text[i])}</td>')
    halo = _HIGHLIGHT if view.current_node == i else "white"
    inner = "".join(f"<tr>{r}</tr>" for r in rows)
    return (
        f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="3" bgcolor="{halo}">'
        '<tr><td><table border="0" cellborder="1" cellspacing="0" cellpadding="4" '
        f'bgcolor="white">{inner}</table></td></tr></table>>'
    )


def _edge_label(lines: tuple[str, str] | None, current: bool, width: float | None) -> str:
    if lines is None and width is None:
        return ""
    # An edge not reached yet keeps a blank label of the same size (&#160; holds
    # the line height), so every animation frame has the same layout.
    top, bottom = (esc(t) for t in lines) if lines is not None else ("&#160;", "&#160;")
    w = f' width="{width:.0f}"' if width is not None else ""
    if current:
        top = f'<font color="{_HIGHLIGHT}">{top}</font>'
        bottom = f'<font color="{_HIGHLIGHT}"><b>{bottom}</b></font>'
    return (
        f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">'
        f"<tr><td{w}>{top}</td></tr><tr><td{w}>{bottom}</td></tr></table>>"
    )


def to_digraph(
    a: Analysis,
    view: View,
    *,
    backward: bool,
    rankdir: str = "LR",
    legend: bool = True,
    widths: Widths | None = None,
) -> graphviz.Digraph:
    """The DOT graph of ``a`` as ``view`` shows it."""
    from visualize.diagram import Diagram  # imports graphviz: only when drawing

    dot = Diagram(name="autograd_lite")
    dot.attr(
        rankdir=check_rankdir(rankdir), fontname=FONT, fontsize="11", nodesep="0.25", ranksep="0.45"
    )
    dot.attr("node", fontname=FONT, fontsize=f"{_FONT_SIZE:g}", shape="plain")
    dot.attr("edge", fontname=FONT, fontsize=f"{_EDGE_FONT_SIZE:g}", arrowsize="0.7")
    if legend:
        dot.attr(label=_legend(a, view, backward), labelloc="b", labeljust="r")
    for i, v in enumerate(a.order):
        width = widths.nodes.get(i) if widths is not None else None
        cls = "value current" if view.current_node == i else "value"
        dot.node(f"v{i}", _value_label(a, i, view, width), **{"class": cls})
        op = v.op
        if op is None:
            continue
        shape = "circle" if len(op.symbol) <= 3 else "ellipse"
        dot.node(
            f"op{i}",
            op.symbol,
            shape=shape,
            style="filled",
            fillcolor="#f0f0f0",
            color="#666666",
            fontsize="11",
            margin="0.02",
            tooltip=op.doc,
            **{"class": "op"},
        )
        dot.edge(f"op{i}", f"v{i}", dir="back" if backward else "forward")
        for pos, p in enumerate(v.parents):
            j = a.index[p]
            key = (i, pos)
            attrs: dict[str, str] = {}
            if backward:
                attrs["dir"] = "back"
                ew = widths.edges.get(key) if widths is not None else None
                label = _edge_label(view.edge_text.get(key), key in view.current_edges, ew)
                if label:
                    attrs["label"] = label
            if not p.requires_grad:
                attrs.update(style="dashed", color=_NO_GRAD_EDGE)
            elif key in view.current_edges:
                attrs.update(color=_HIGHLIGHT, penwidth="2.5")
            dot.edge(f"v{j}", f"op{i}", **attrs)
    return dot


def _legend(a: Analysis, view: View, backward: bool) -> str:
    present = set(a.kinds)
    kinds = [k for k in KIND_COLOURS if k in present]
    if backward:
        title = "Backward view: the chain rule, output to inputs"
        notes = [
            "each edge: local derivative ∂out/∂in, then upstream grad × ∂out/∂in",
            "a node's grad = the sum of what its edges bring (sum over paths)",
        ]
    else:
        title = "Forward view: data from the forward pass, grad as stored in .grad"
        notes = []
        if NOT_COMPUTED in view.grad_text.values():
            notes.append(f"{NOT_COMPUTED}: .grad holds 0.0 until backward() reaches the value")
        if any(v.requires_grad and grad_passes(v) > 1 for v in a.order):
            notes.append("sum of n backward() calls: .grad adds up until set to 0 (zero_grad)")
    caption = "grad colour: blue negative, white zero, red positive"
    notes = notes + _definitions(a)
    return "<" + legend_table(title, kinds, caption, view.scale, notes=notes) + ">"


def _definitions(a: Analysis) -> list[str]:
    """One legend line per short name, the output's first: ``out = tanh(v7)``."""
    defined = sorted(a.definitions, key=lambda d: d[0] != a.root)[:MAX_DEFINED]
    lines = [f"{a.names[i]} = {text}" for i, text in defined]
    if len(a.definitions) > len(defined):
        lines.append(f"... and {len(a.definitions) - len(defined)} more")
    return lines


def draw_graph(
    root: Value,
    *,
    rankdir: str = "LR",
    backward_view: bool = False,
    params: Iterable[Value] | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    legend: bool = True,
) -> graphviz.Digraph:
    """The computation graph that produced ``root``, as a ``graphviz.Digraph``.

    One box per value (its label or ``v<index>``, data and grad, 4 decimals)
    and one circle per operation. The header colour tells the kind of value:
    input (a leaf that takes a gradient), parameter (a leaf listed in
    ``params``, e.g. ``params=model.parameters()``; without ``params`` every
    such leaf counts as an input), constant (takes no gradient), output
    (``root``). The grad cell is coloured blue (negative) to red (positive).

    ``backward_view=True`` replays the backward pass from ``root`` (seed 1)
    instead of showing ``.grad``: arrows point from the output to the inputs,
    each labelled with ``∂out/∂in`` and ``upstream grad × ∂out/∂in``, and a
    value used more than once shows its gradient as the sum of its
    contributions. ``.grad`` is never changed.

    Graphs with more than ``max_nodes`` values raise ``GraphTooLargeError``
    (a ``ValueError``) saying what to do instead. Jupyter shows the result
    inline; ``visualize.render`` writes it to a file.

    >>> from autograd_lite import Value
    >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    >>> dot = draw_graph((x * w).tanh(), params=[w])
    >>> print(dot.source.splitlines()[0])
    digraph autograd_lite {
    """
    if not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")
    a = Analysis(root, params=params, max_nodes=max_nodes)
    view = backward_view_of(a) if backward_view else forward_view(a)
    return to_digraph(a, view, backward=backward_view, rankdir=rankdir, legend=legend)

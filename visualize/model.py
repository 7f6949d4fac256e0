"""``draw_model``: a network drawn neuron by neuron, so you can see what a step will move.

Inputs and each dense layer's neurons are columns (one cluster per layer).
Every weight is an edge from the unit it reads to the neuron it feeds: its
colour is the weight's value (blue negative, red positive) and its
thickness its |gradient|, so the thickest lines are the weights the next
optimiser step changes most. A neuron's fill is its bias's value and its
outline's thickness the bias's |gradient|, on the same scale as the lines;
the legend says both. Hover over an edge in the SVG to see
the weight's dotted name (as in ``named_parameters()``), value and gradient.

Works with anything shaped like ``autograd_lite.nn``'s models: an object
with ``.layers`` whose dense layers have ``.neurons``, each with ``.w`` (a
list of Values) and ``.b`` (a Value or None); a single layer with
``.neurons`` works too. Parameter-free modules between layers (``ReLU()``,
``Dropout``) are named in the layer's caption.

>>> from autograd_lite import Value
>>> from types import SimpleNamespace as Obj
>>> neuron = Obj(w=[Value(0.5), Value(-1.0)], b=Value(0.1))
>>> dot = draw_model(Obj(layers=[Obj(neurons=[neuron], activation="linear")]))
>>> dot.source.count('tooltip="layers.0.neurons.0.w.')      # one edge per weight
2
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from autograd_lite.engine import Value
from visualize.graph import GraphTooLargeError
from visualize.style import FONT, check_rankdir, diverging, esc, fmt, legend_table

if TYPE_CHECKING:
    import graphviz  # type: ignore[import-untyped]

__all__ = ["DEFAULT_MAX_EDGES", "draw_model"]

#: draw_model refuses networks with more weights than this unless told otherwise.
DEFAULT_MAX_EDGES = 2_000


@dataclass
class _Dense:
    """One dense layer, read off the model: per neuron its weights and bias."""

    name: str  # dotted prefix, e.g. "layers.0"
    weights: list[list[Value]]
    biases: list[Value | None]
    caption: str


def _values(xs: object, where: str) -> list[Value]:
    if not isinstance(xs, (list, tuple)) or not all(isinstance(x, Value) for x in xs):
        raise TypeError(f"{where} must be a list of Values")
    return list(xs)


def _dense(layer: object, name: str) -> _Dense:
    neurons = getattr(layer, "neurons", None)
    if not isinstance(neurons, (list, tuple)) or not neurons:
        raise TypeError(f"{name or 'the model'} has no neurons")
    prefix = f"{name}." if name else ""
    weights, biases = [], []
    for j, n in enumerate(neurons):
        weights.append(_values(getattr(n, "w", None), f"{prefix}neurons.{j}.w"))
        b = getattr(n, "b", None)
        if b is not None and not isinstance(b, Value):
            raise TypeError(f"{prefix}neurons.{j}.b must be a Value or None")
        biases.append(b)
    if len({len(w) for w in weights}) != 1:
        raise ValueError(f"the neurons of {name or 'the layer'} read different numbers of inputs")
    activation = getattr(layer, "activation", None)
    caption = f"{len(neurons)} neuron{'s' if len(neurons) > 1 else ''}"
    if isinstance(activation, str):
        caption += f", {activation}"
    return _Dense(name, weights, biases, caption)


def _has_parameters(module: object) -> bool:
    parameters = getattr(module, "parameters", None)
    return callable(parameters) and bool(list(parameters()))


def _layers(model: object) -> list[_Dense]:
    """The dense layers of ``model``; parameter-free modules join the caption before them."""
    if hasattr(model, "neurons"):
        return [_dense(model, "")]
    modules = getattr(model, "layers", None)
    if not isinstance(modules, (list, tuple)):
        raise TypeError(
            f"draw_model needs a model with .layers (an MLP or Sequential) or a layer with "
            f".neurons, got {type(model).__name__}"
        )
    dense: list[_Dense] = []
    for i, m in enumerate(modules):
        if hasattr(m, "neurons"):
            dense.append(_dense(m, f"layers.{i}"))
        elif _has_parameters(m):
            raise TypeError(
                f"draw_model draws dense layers only; layers.{i} ({type(m).__name__}) has "
                "parameters of another kind: use draw_graph on one small input instead"
            )
        elif dense:
            dense[-1].caption += f", then {type(m).__name__}"
    if not dense:
        raise TypeError(f"{type(model).__name__} has no dense layers to draw")
    for before, after in itertools.pairwise(dense):
        if len(after.weights[0]) != len(before.weights):
            raise ValueError(
                f"{after.name} reads {len(after.weights[0])} inputs but {before.name} "
                f"has {len(before.weights)} neurons"
            )
    return dense


def _scale(xs: list[float]) -> float:
    finite = [abs(x) for x in xs if math.isfinite(x)]
    return max(finite, default=0.0)


def _width(g: float, scale: float, thinnest: float, thickest: float) -> str:
    # pen width grows linearly with |grad|, relative to the largest |grad|
    if scale == 0.0 or not math.isfinite(g):
        return f"{thinnest:g}"
    return f"{thinnest + (thickest - thinnest) * min(abs(g) / scale, 1.0):.2f}"


def draw_model(
    model: object, *, rankdir: str = "LR", max_edges: int = DEFAULT_MAX_EDGES
) -> graphviz.Digraph:
    """The network view of ``model``: neurons grouped by layer, weights as edges.

    Edge colour = weight value, edge thickness = |weight gradient|, neuron
    fill = bias value, neuron outline thickness = |bias gradient| (all thin
    until ``backward()`` has run). Networks with more than ``max_edges``
    weights raise ``GraphTooLargeError``. See the module docstring for the
    shapes of model it accepts.
    """
    from visualize.diagram import Diagram  # imports graphviz: only when drawing

    check_rankdir(rankdir)
    layers = _layers(model)
    n_weights = sum(len(w) for layer in layers for w in layer.weights)
    if n_weights > max_edges:
        raise GraphTooLargeError(
            f"this network has {n_weights:,} weights, more than max_edges={max_edges:,}; "
            "draw a smaller network, or raise the limit and expect a slow layout"
        )
    ws = [w for layer in layers for ns in layer.weights for w in ns]
    bs = [b for layer in layers for b in layer.biases if b is not None]
    value_scale = _scale([p.data for p in ws + bs]) or 1.0
    grad_scale = _scale([float(p.grad) for p in ws + bs])

    dot = Diagram(name="network")
    dot.attr(rankdir=rankdir, fontname=FONT, fontsize="11", ranksep="1.6", nodesep="0.12")
    dot.attr("node", fontname=FONT, fontsize="10", shape="circle", width="0.55", fixedsize="true")
    dot.attr("edge", arrowsize="0.4")
    nin = len(layers[0].weights[0])
    _column(dot, "inputs", "", [f"in{k}" for k in range(nin)])
    for k in range(nin):
        dot.node(f"in{k}", f"x{k}", style="filled", fillcolor="#c7e9c0")
    sources = [f"in{k}" for k in range(nin)]
    for i, layer in enumerate(layers):
        sources = _draw_layer(dot, i, layer, sources, value_scale, grad_scale)
    notes = [
        "line colour: weight value; neuron fill: bias value",
        "line thickness: |weight gradient|; neuron outline thickness: |bias gradient|",
        f"(one scale for both: the thickest is |gradient| = {_short(grad_scale)})"
        if grad_scale
        else "(all thin: every gradient is zero; run backward() first)",
    ]
    legend = legend_table("Network view", [], "value:", value_scale, strong=True, notes=notes)
    dot.attr(label=f"<{legend}>", labelloc="b", labeljust="r")
    return dot


def _draw_layer(
    dot: graphviz.Digraph,
    i: int,
    layer: _Dense,
    sources: list[str],
    value_scale: float,
    grad_scale: float,
) -> list[str]:
    """Layer ``i``: a column of neurons (fill: bias) and an edge per weight from ``sources``.

    Returns the names of its neurons, the sources of the next layer.
    """
    names = [f"L{i}n{j}" for j in range(len(layer.biases))]
    _column(dot, layer.name or "layer", layer.caption, names)
    for j, b in enumerate(layer.biases):
        bias = f"b {fmt(b.data)}" if b is not None else "no bias"
        grad = f", grad {fmt(float(b.grad))}" if b is not None else ""
        dot.node(
            names[j],
            f"n{j}",
            style="filled",
            fillcolor=diverging(b.data, value_scale) if b is not None else "white",
            penwidth=_width(float(b.grad), grad_scale, 1.0, 4.0) if b is not None else "1",
            tooltip=f"{_prefix(layer.name)}neurons.{j}: {bias}{grad}",
        )
    for j, weights in enumerate(layer.weights):
        for k, w in enumerate(weights):
            dot.edge(
                sources[k],
                f"L{i}n{j}",
                color=diverging(w.data, value_scale, strong=True),
                penwidth=_width(float(w.grad), grad_scale, 0.3, 6.0),
                tooltip=(
                    f"{_prefix(layer.name)}neurons.{j}.w.{k} = {fmt(w.data)}, "
                    f"grad {fmt(float(w.grad))}"
                ),
            )
    return [f"L{i}n{j}" for j in range(len(layer.weights))]


def _column(dot: graphviz.Digraph, title: str, caption: str, names: list[str]) -> None:
    """A column headed by its caption, units in index order from the top.

    Graphviz orders nodes of one rank to reduce crossings; an invisible chain
    header -> unit 0 -> unit 1 ... inside a ``rank=same`` group fixes the order.
    """
    with dot.subgraph() as col:
        col.attr(rank="same")
        head = f"head_{names[0]}"
        col.node(
            head,
            f"<<b>{esc(title)}</b><br/>{esc(caption)}>" if caption else f"<<b>{esc(title)}</b>>",
            shape="plaintext",
            fixedsize="false",
        )
        for a, b in itertools.pairwise([head, *names]):
            col.edge(a, b, style="invis")


def _prefix(name: str) -> str:
    return f"{name}." if name else ""


def _short(x: float) -> str:
    return esc(f"{x:.3g}")

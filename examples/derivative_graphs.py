"""The graph of a derivative: tanh's first, second and third derivatives, and how they grow.

With ``create_graph=True`` the backward pass is itself built from ``Value``s,
so a derivative is a computation graph that can be differentiated again.
Starting from ``y = tanh(x)``, ``grad(y, x, create_graph=True)`` gives
``dy/dx = 1 - y^2`` as a graph; differentiating that graph gives the second
derivative ``-2 y (1 - y^2)``, and again the third. Each graph holds the one
before it, so they grow: the lesson counts their nodes, draws the first two,
and plots the four functions over ``x`` from -3 to 3, checking each value
against its formula.

Run: ``autograd-lite lesson derivative_graphs`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from _lesson import Outcome, pic, plt, say, section, start, tr

import visualize
from autograd_lite import Value, grad
from autograd_lite.engine import topological_order

X = 0.5  # where the graphs are built
ORDERS = 4  # tanh and its first three derivatives
GRID = 121  # points of the plot from -3 to 3
QUICK_GRID = 31


def derivatives(x: Value) -> list[Value]:
    """``[tanh(x), d/dx, d2/dx2, d3/dx3]``, each a graph built by the backward pass before it."""
    out = [x.tanh()]
    for _ in range(ORDERS - 1):
        (d,) = grad(out[-1], x, create_graph=True)
        out.append(d)
    return out


def formulas(x: float) -> list[float]:
    """The same four by hand (y = tanh x, then y', y'', y''' from it)."""
    y = math.tanh(x)
    d1 = 1 - y * y
    d2 = -2 * y * d1
    d3 = -2 * (d1 * d1 + y * d2)
    return [y, d1, d2, d3]


def sign_changes(curve: list[float]) -> int:
    """How many times ``curve`` goes from one sign to the other (zeros skipped)."""
    signs = [v > 0 for v in curve if v != 0.0]
    return sum(a != b for a, b in itertools.pairwise(signs))


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)

    section("tanh and three derivatives at x = {x:g}, each a graph", x=X)
    x = Value(X, label="x")
    graphs = derivatives(x)
    sizes = [len(topological_order(g)) for g in graphs]
    by_hand = formulas(X)
    print(tr("order  value        by the formula  nodes in its graph"))
    for k, (g, f, n) in enumerate(zip(graphs, by_hand, sizes, strict=True)):
        print(f"{k:>5}  {g.data:<+11.6f}  {f:<+14.6f}  {n:>5}")
    gap = max(abs(g.data - f) for g, f in zip(graphs, by_hand, strict=True))
    say(
        """The values agree with the formulas (largest difference {gap:.1e}). The graphs grow:
        {sizes} nodes. Each one is the backward pass over the graph before it, written with the
        same operations (tanh, *, +, ...), so it can be differentiated in turn.""",
        gap=gap,
        sizes=", ".join(str(n) for n in sizes),
    )
    lesson.save_graph(visualize.draw_graph(graphs[1]), "first_derivative_graph.png")
    lesson.save_graph(visualize.draw_graph(graphs[2]), "second_derivative_graph.png")

    section("the four functions from x = -3 to 3")
    points = QUICK_GRID if lesson.quick else GRID
    xs = [-3 + 6 * i / (points - 1) for i in range(points)]
    curves: list[list[float]] = [[] for _ in range(ORDERS)]
    worst = 0.0
    for xi in xs:
        values = [g.data for g in derivatives(Value(xi))]
        worst = max(worst, *(abs(v - f) for v, f in zip(values, formulas(xi), strict=True)))
        for curve, v in zip(curves, values, strict=True):
            curve.append(v)
    say(
        """At {n} points from -3 to 3 the engine's derivatives and the formulas differ by at
        most {worst:.1e}. tanh rises from {low:.3f} to {high:.3f}; its first derivative is a
        bump of height {top:g}; the four curves change sign {changes} times.""",
        n=points,
        worst=worst,
        low=curves[0][0],
        high=curves[0][-1],
        top=max(curves[1]),
        changes=", ".join(str(sign_changes(c)) for c in curves),
    )
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    names = ["tanh(x)", pic("1st derivative"), pic("2nd derivative"), pic("3rd derivative")]
    for curve, name, n in zip(curves, names, sizes, strict=True):
        ax.plot(xs, curve, label=pic("{name} ({n} nodes at x = {x:g})", name=name, n=n, x=X))
    ax.axhline(0, color="gray", lw=0.6)
    ax.set(xlabel="x", title=pic("tanh and its derivatives, each computed by backpropagation"))
    ax.legend()
    lesson.save(fig, "derivatives.png")
    return lesson.finish(
        values=[g.data for g in graphs],
        formula_gap=gap,
        plot_gap=worst,
        nodes=sizes,
        sign_changes=[sign_changes(c) for c in curves],
    )


if __name__ == "__main__":
    main()

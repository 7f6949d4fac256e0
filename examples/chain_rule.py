"""The chain rule: multiply along each path from a variable to the output, then sum over the paths.

Three small computations, each worked by hand and by the engine:

1. a composite function, one path: ``z = sin(y)``, ``y = x^2``, so
   ``dz/dx = dz/dy * dy/dx = cos(x^2) * 2x``;
2. two paths from ``x`` to the output: ``u = 3x``, ``v = x^2``, ``z = u v``.
   ``x`` reaches ``z`` through ``u`` and through ``v``; each path contributes
   the product of the local derivatives along it, and the gradient is the
   **sum** of the contributions: ``dz/dx = dz/du du/dx + dz/dv dv/dx``. The
   backward pass does exactly this: where two paths meet (at ``x``) their
   gradients are added;
3. a total differential: for ``f(x, y) = x^2 y`` the partial derivatives
   ``df/dx = 2xy`` and ``df/dy = x^2`` predict the change of ``f`` for small
   changes of both inputs, ``df ≈ df/dx dx + df/dy dy``, with an error that
   shrinks like the square of the step.

The pictures: the two-path graph as the backward pass sees it (drawn by
``visualize.draw_graph(z, backward_view=True)``), each path's contribution
and their sum, and the total differential's error against the step size.

Run: ``autograd-lite lesson chain_rule`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from _lesson import Outcome, pic, plt, say, section, start, tr

import visualize
from autograd_lite import Value

X = 2.0  # where the two-path example is evaluated


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)

    section("1. a composite function (one path): z = sin(y), y = x^2")
    x0 = 1.5
    x = Value(x0, label="x")
    y = x**2
    z = y.sin()
    z.backward()
    by_hand = math.cos(x0**2) * 2 * x0  # dz/dx = dz/dy * dy/dx
    print(
        tr(
            "at x = {x:g}: dz/dy = cos(y) = {dzdy:.6f},  dy/dx = 2x = {dydx:g}",
            x=x0,
            dzdy=math.cos(x0**2),
            dydx=2 * x0,
        )
    )
    print(
        tr(
            "dz/dx = dz/dy * dy/dx = {hand:.6f};  the engine: x.grad = {grad:.6f}",
            hand=by_hand,
            grad=x.grad,
        )
    )
    composite_gap = abs(x.grad - by_hand)

    section("2. two paths from x to z: u = 3x, v = x^2, z = u * v, at x = {x:g}", x=X)
    x = Value(X, label="x")
    u = 3 * x
    u.label = "u"
    v = x**2
    v.label = "v"
    z = u * v
    z.label = "z"
    z.backward()
    path_u = v.data * 3.0  # dz/du * du/dx = v * 3
    path_v = u.data * 2 * X  # dz/dv * dv/dx = u * 2x
    print(tr("forward: u = {u:g}, v = {v:g}, z = {z:g}", u=u.data, v=v.data, z=z.data))
    print(tr("path x -> u -> z: dz/du * du/dx = v * 3  = {v:g} * 3 = {p:g}", v=v.data, p=path_u))
    print(
        tr(
            "path x -> v -> z: dz/dv * dv/dx = u * 2x = {u:g} * {two_x:g} = {p:g}",
            u=u.data,
            two_x=2 * X,
            p=path_v,
        )
    )
    print(tr("sum over the paths: {a:g} + {b:g} = {s:g}", a=path_u, b=path_v, s=path_u + path_v))
    print(tr("the engine's backward pass: x.grad = {g:g}", g=x.grad))
    print(tr("check: z = 3x * x^2 = 3x^3, so dz/dx = 9x^2 = {c:g}", c=9 * X * X))
    say(
        """In the backward pass, u.grad = dz/du and v.grad = dz/dv arrive first; each is
        multiplied by its local derivative and sent to x, where the two are added. A node
        used twice collects a gradient from each use: forgetting to add (overwriting
        instead) is the classic backpropagation bug."""
    )
    two_path_gradient = x.grad
    lesson.save_graph(visualize.draw_graph(z, backward_view=True), "two_paths_backward_view.png")
    say(
        """The diagram replays this backward pass: each arrow carries the local derivative
        and upstream grad x local derivative; x's box shows the sum of its two paths."""
    )

    section("3. a total differential: f(x, y) = x^2 y at (3, 2)")
    a, b = Value(3.0, label="x"), Value(2.0, label="y")
    f = a**2 * b
    f.backward()
    dx, dy = 0.01, -0.02
    predicted = a.grad * dx + b.grad * dy  # df ~ df/dx dx + df/dy dy
    actual = (a.data + dx) ** 2 * (b.data + dy) - f.data
    print(
        tr(
            "partial derivatives (engine): df/dx = 2xy = {fx:g}, df/dy = x^2 = {fy:g}",
            fx=a.grad,
            fy=b.grad,
        )
    )
    print(tr("for dx = {dx:g}, dy = {dy:g}:", dx=dx, dy=dy))
    print(tr("  predicted change df/dx dx + df/dy dy = {p:+.6f}", p=predicted))
    print(tr("  actual change f(x+dx, y+dy) - f(x, y) = {a:+.6f}", a=actual))
    steps = [10.0 ** (-k / 2) for k in range(11)]  # smaller steps hit float rounding
    errors = [
        abs((a.data + h * dx) ** 2 * (b.data + h * dy) - f.data - h * predicted) for h in steps
    ]

    def prediction_error(h: float) -> float:  # |actual - predicted| for the step h (dx, dy)
        return abs((a.data + h * dx) ** 2 * (b.data + h * dy) - f.data - h * predicted)

    halving = prediction_error(1.0) / prediction_error(0.5)
    say(
        """Halving the step divides the error of the prediction by {ratio:.2f}:
        the total differential is exact to first order, the error is of second order.""",
        ratio=halving,
    )

    fig, (ax_p, ax_t) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    names = [
        pic("path x→u→z\nv · 3"),
        pic("path x→v→z\nu · 2x"),
        pic("sum of\nthe paths"),
        pic("engine\nx.grad"),
    ]
    heights = [path_u, path_v, path_u + path_v, two_path_gradient]
    bars = ax_p.bar(names, heights, color=["C0", "C1", "C2", "C3"])
    ax_p.bar_label(bars, fmt="%g")
    ax_p.set(
        ylabel=pic("contribution to dz/dx"),
        title=pic("z = (3x)(x²) at x = {x:g}: sum over paths", x=X),
    )
    ax_p.set_ylim(0, max(heights) * 1.15)
    ax_t.loglog(
        [h * math.hypot(dx, dy) for h in steps], errors, "o-", label=pic("|actual - predicted|")
    )
    ref = [errors[0] * (h / steps[0]) ** 2 for h in steps]
    ax_t.loglog([h * math.hypot(dx, dy) for h in steps], ref, "k:", label=pic("slope 2 (step²)"))
    ax_t.set(
        xlabel=pic("length of the step (dx, dy)"),
        ylabel=pic("error of df ≈ f_x dx + f_y dy"),
        title=pic("f(x, y) = x²y: the total differential"),
    )
    ax_t.legend()
    fig.suptitle(pic("The multivariable chain rule"))
    lesson.save(fig, "paths_and_total_differential.png")
    return lesson.finish(
        composite_gap=composite_gap,
        path_u=path_u,
        path_v=path_v,
        two_path_gradient=two_path_gradient,
        predicted_change=predicted,
        actual_change=actual,
        halving_ratio=halving,
    )


if __name__ == "__main__":
    main()

"""Higher-order gradients: Newton's method with second derivatives against gradient descent.

Gradient descent uses the first derivative only: ``x <- x - eta f'(x)``. It
needs a learning rate, and near a flat minimum it crawls. Newton's method
also uses the second derivative (the curvature): ``x <- x - f'(x) / f''(x)``
jumps to the bottom of the parabola that fits ``f`` at ``x``, and near the
minimum the number of correct digits doubles with every step.

The engine gives the second derivative by differentiating the backward
pass itself: ``derivative(f, order=2)`` records the first backward pass as
a graph (``grad(..., create_graph=True)`` returns ``f'(x)`` as a ``Value``)
and walks that graph backward once more. The lesson minimises
``f(x) = e^x + e^(-2x)`` (its minimum is at ``x* = ln(2) / 3``) both ways
and counts the steps each needs to get within ``1e-10`` of ``x*``.

Run: ``autograd-lite lesson newton`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from _lesson import Outcome, pic, plt, say, section, start, tr

from autograd_lite import Value, derivative, i18n

X_START = 2.0
X_BEST = math.log(2.0) / 3.0  # f'(x) = e^x - 2 e^(-2x) = 0  <=>  e^(3x) = 2
TOLERANCE = 1e-10
LEARNING_RATE = 0.1  # for gradient descent; Newton's method needs none
MAX_STEPS = 200


def f(x: Value | float) -> Value:
    """The function to minimise: f(x) = e^x + e^(-2x)."""
    v = x if isinstance(x, Value) else Value(x)
    return v.exp() + (-2.0 * v).exp()


f_prime = derivative(f)  # the function x -> f'(x)
f_second = derivative(f, order=2)  # x -> f''(x), by differentiating f's recorded backward pass


def derivatives(x: float) -> tuple[float, float]:
    """f'(x) and f''(x), both from the engine."""
    return f_prime(x), f_second(x)


def descend(step: str, steps: int) -> list[float]:
    """The iterates x_0, x_1, ... of one method until |x - x*| < TOLERANCE or ``steps`` run out."""
    xs = [X_START]
    while abs(xs[-1] - X_BEST) >= TOLERANCE and len(xs) <= steps:
        d1, d2 = derivatives(xs[-1])
        if step == "newton":
            xs.append(xs[-1] - d1 / d2)  # x <- x - f'(x) / f''(x)
        else:
            xs.append(xs[-1] - LEARNING_RATE * d1)  # x <- x - eta f'(x)
    return xs


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)
    steps = 60 if lesson.quick else MAX_STEPS

    section("second derivatives from the engine")
    d1, d2 = derivatives(X_START)
    e, e2 = math.exp(X_START), math.exp(-2 * X_START)
    print(
        tr(
            "at x = {x:g}:  f'(x)  = {d1:.10f}   by hand e^x - 2 e^-2x  = {h1:.10f}",
            x=X_START,
            d1=d1,
            h1=e - 2 * e2,
        )
    )
    print(
        tr(
            "            f''(x) = {d2:.10f}   by hand e^x + 4 e^-2x  = {h2:.10f}",
            d2=d2,
            h2=e + 4 * e2,
        )
    )

    section(
        "minimising f(x) = e^x + e^(-2x) from x = {x:g}; x* = ln(2)/3 = {best:.10f}",
        x=X_START,
        best=X_BEST,
    )
    newton = descend("newton", steps)
    descent = descend("descent", steps)
    print(tr("step   Newton: |x - x*|   gradient descent: |x - x*|"))
    for k in range(max(len(newton), 8)):
        n = f"{abs(newton[k] - X_BEST):.3e}" if k < len(newton) else tr("(done)")
        print(f"{k:>4}   {i18n.ljust(n, 18)} {abs(descent[k] - X_BEST):.3e}")
    newton_steps = len(newton) - 1
    descent_steps = len(descent) - 1
    reached = abs(descent[-1] - X_BEST) < TOLERANCE
    print()
    print(
        tr(
            "Newton's method: {n} steps to within {tol:g}. "
            "Gradient descent (learning rate {lr:g}): ",
            n=newton_steps,
            tol=TOLERANCE,
            lr=LEARNING_RATE,
        )
        + (
            tr("{n} steps.", n=descent_steps)
            if reached
            else tr("not there after {n} steps.", n=descent_steps)
        )
    )
    say(
        """Far from the minimum Newton's step is about as good as a gradient step; close to
        it the error is squared at every step (quadratic convergence), while gradient descent
        only multiplies it by a constant factor (linear convergence). The price is the second
        derivative: one more backward pass here, a whole Hessian matrix for many parameters."""
    )

    fig, (ax_f, ax_e) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    grid = [-0.6 + 2.8 * i / 200 for i in range(201)]
    ax_f.plot(grid, [f(x).data for x in grid], color="gray", label="f(x) = e^x + e^(-2x)")
    shown = descent[:13]  # x_0 and the first 12 steps
    descent_label = pic(
        "gradient descent (its first {k} of {n} steps)", k=len(shown) - 1, n=descent_steps
    )
    ax_f.plot(
        shown,
        [f(x).data for x in shown],
        "o-",
        ms=4,
        label=descent_label,
    )
    ax_f.plot(newton, [f(x).data for x in newton], "s--", ms=5, label=pic("Newton's method"))
    ax_f.axvline(X_BEST, color="k", ls=":", lw=1, label=pic("minimum x* = ln(2)/3"))
    ax_f.set(xlabel="x", ylabel="f(x)", title=pic("The iterates on the function"))
    ax_f.legend(loc="upper center")
    k_desc = range(len(descent))
    ax_e.semilogy(
        k_desc, [max(abs(x - X_BEST), 1e-17) for x in descent], label=pic("gradient descent")
    )
    ax_e.semilogy(
        range(len(newton)), [max(abs(x - X_BEST), 1e-17) for x in newton], "s-", label=pic("Newton")
    )
    ax_e.axhline(TOLERANCE, color="gray", ls=":", label=pic("tolerance {tol:g}", tol=TOLERANCE))
    ax_e.set(
        xlabel=pic("step"),
        ylabel=pic("|x - x*| (log scale)"),
        title=pic("Distance to the minimum"),
    )
    ax_e.legend()
    fig.suptitle(pic("Newton's method (second derivatives) vs gradient descent"))
    lesson.save(fig, "newton_vs_descent.png")
    return lesson.finish(
        first_derivative=d1,
        second_derivative=d2,
        newton_steps=newton_steps,
        descent_steps=descent_steps,
        descent_label=descent_label,
        descent_reached=reached,
        newton_final=newton[-1],
    )


if __name__ == "__main__":
    main()

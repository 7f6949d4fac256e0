"""Activation functions and their derivatives, plotted side by side.

A neuron applies an activation function to its weighted sum; without one, a
stack of layers would be one affine map. During the backward pass every
gradient that passes through the activation is multiplied by its
derivative, so the derivative's size matters as much as the function:

* sigmoid ``1 / (1 + e^-z)``: output in (0, 1); derivative at most 0.25, and
  near 0 for large ``|z|`` (the neuron *saturates*);
* tanh: output in (-1, 1), centred on 0; derivative at most 1;
* ReLU ``max(z, 0)``: derivative exactly 1 for ``z > 0`` (gradients pass
  unchanged) and 0 for ``z < 0`` (a "dead" unit passes nothing);
* Leaky ReLU: like ReLU, with a small slope for ``z < 0`` so no unit dies;
* softplus ``log(1 + e^z)``: a smooth ReLU whose derivative is the sigmoid;
* softmax turns a list of scores into probabilities that sum to 1 (the
  output of a multi-class classifier); ``dp_i/dz_i = p_i (1 - p_i)``.

Every derivative drawn here comes from the engine, not from a formula:
``value_and_grad(f)(z)`` gives ``f(z)`` and ``f'(z)`` from one forward and
one backward pass, one point at a time.

Run: ``autograd-lite lesson activations`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from _lesson import Outcome, pic, plt, say, section, start, tr

from autograd_lite import Value, grad, i18n, value_and_grad
from autograd_lite.losses import softmax

FAR = 10.0  # a z twice as far as the plot goes, to see where a still-rising slope heads
LEAKY_SLOPE = 0.1  # larger than the usual 0.01, so that the slope shows in the plot

ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "ReLU": Value.relu,
    f"Leaky ReLU (slope {LEAKY_SLOPE:g})": lambda z: z.leaky_relu(LEAKY_SLOPE),
    "softplus": Value.softplus,
}


def value_and_slope(fn: Callable[[Value], Value], z: float) -> tuple[float, float]:
    """f(z) and f'(z), the latter from the backward pass."""
    value, (slope,) = value_and_grad(fn)(z)
    return value, slope


def softmax_and_slope(z: float, others: Sequence[float]) -> tuple[list[float], float]:
    """softmax([z, *others]) and dp0/dz = p0 (1 - p0), the latter from backward."""
    v = Value(z)
    probs = softmax([v, *others])
    (slope,) = grad(probs[0], [v])
    return [p.data for p in probs], float(slope)


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)
    n = 81 if lesson.quick else 401
    grid = [-5.0 + 10.0 * i / (n - 1) for i in range(n)]
    curves = {name: [value_and_slope(fn, z) for z in grid] for name, fn in ACTIVATIONS.items()}

    section("values and derivatives (from backward()) at a few points")
    points = (-4.0, -1.0, 0.5, 2.0)
    print(f"{'':<24}" + "".join(f"{'z = ' + format(z, 'g'):<21}" for z in points))
    print(i18n.ljust(tr("activation"), 24) + "f(z)     f'(z)       " * len(points))
    for name, fn in ACTIVATIONS.items():
        cells = [value_and_slope(fn, z) for z in points]
        print(f"{name:<24}" + "".join(f"{f:+.4f}  {d:.4f}      " for f, d in cells))

    section("the largest derivative of each")
    largest = {name: max(d for _, d in curve) for name, curve in curves.items()}
    far = {name: value_and_slope(fn, FAR)[1] for name, fn in ACTIVATIONS.items()}
    for name, top in largest.items():
        line = tr(
            "{name:<26} largest f'(z) for z in [{lo:g}, {hi:g}] = {top:.4f}",
            name=name,
            lo=grid[0],
            hi=grid[-1],
            top=top,
        )
        if far[name] > top:  # still rising at the edge of the plot: the bound is a limit
            line += tr(
                "; at z = {z:g}: {slope:.6f}, still rising to a limit", z=FAR, slope=far[name]
            )
        print(line)
    depth = 10
    say(
        """A gradient that crosses {depth} sigmoid layers is multiplied by at most
        0.25^{depth} = {factor:.1e} on the way (times the weights): it vanishes. Through
        ReLU units that are active it is multiplied by exactly 1. See the lesson
        vanishing_gradients.""",
        depth=depth,
        factor=0.25**depth,
    )

    section("softmax: scores to probabilities")
    others = (1.0, -1.0)
    for z0 in (-2.0, 1.0, 4.0):
        probs = softmax([z0, *others])
        scores = f"softmax([{z0:g}, {others[0]:g}, {others[1]:g}]) = "
        shown = ", ".join(f"{q.data:.4f}" for q in probs)
        print(scores + tr("[{p}]  (sum {s:g})", p=shown, s=sum(q.data for q in probs)))
    soft = [softmax_and_slope(z, others) for z in grid]

    fig, axes_grid = plt.subplots(2, 3, figsize=(13, 7), layout="constrained")
    axes = axes_grid.ravel()
    for ax, (name, curve) in zip(axes, curves.items(), strict=False):
        ax.plot(grid, [f for f, _ in curve], label="f(z)")
        ax.plot(grid, [d for _, d in curve], "--", label=pic("f'(z) (backward)"))
        ax.axhline(0, color="gray", lw=0.6)
        ax.axvline(0, color="gray", lw=0.6)
        ax.set(xlabel="z", title=name, ylim=(-1.3, 2.2))
        ax.legend(loc="upper left", fontsize=8)
    for ax in axes_grid[:, 0]:
        ax.set_ylabel(pic("value"))
    ax = axes[-1]
    for i, label in enumerate(
        (
            pic("p0 (score z)"),
            pic("p1 (score {s:g})", s=others[0]),
            pic("p2 (score {s:g})", s=others[1]),
        )
    ):
        ax.plot(grid, [probs[i] for probs, _ in soft], label=label)
    ax.plot(grid, [d for _, d in soft], "--", color="C0", label=pic("dp0/dz (backward)"))
    ax.set(xlabel="z", title=f"softmax([z, {others[0]:g}, {others[1]:g}])", ylim=(-0.05, 1.05))
    ax.legend(loc="center left", fontsize=8)
    fig.suptitle(pic("Activation functions (solid) and their derivatives (dashed)"))
    lesson.save(fig, "activations.png")
    return lesson.finish(
        max_derivative=largest,
        far_derivative=far,
        sigmoid_max_derivative=largest["sigmoid"],
        tanh_max_derivative=largest["tanh"],
        softmax_slope_gap=max(abs(d - q[0] * (1 - q[0])) for q, d in soft),
    )


if __name__ == "__main__":
    main()

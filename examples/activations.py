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

Every derivative drawn here comes from the engine's ``backward()``, one
point at a time, not from a formula.

Run: ``python examples/activations.py`` (``--out DIR``, ``--quick``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from _lesson import Outcome, plt, say, section, start

from autograd_lite import Value

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
    v = Value(z)
    out = fn(v)
    out.backward()
    return out.data, v.grad


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)
    n = 81 if lesson.quick else 401
    grid = [-5.0 + 10.0 * i / (n - 1) for i in range(n)]
    curves = {name: [value_and_slope(fn, z) for z in grid] for name, fn in ACTIVATIONS.items()}

    section("values and derivatives (from backward()) at a few points")
    points = (-4.0, -1.0, 0.5, 2.0)
    print(f"{'':<24}" + "".join(f"{'z = ' + format(z, 'g'):<21}" for z in points))
    print(f"{'activation':<24}" + "f(z)     f'(z)       " * len(points))
    for name, fn in ACTIVATIONS.items():
        cells = [value_and_slope(fn, z) for z in points]
        print(f"{name:<24}" + "".join(f"{f:+.4f}  {d:.4f}      " for f, d in cells))

    section("the largest derivative of each")
    largest = {name: max(d for _, d in curve) for name, curve in curves.items()}
    for name, top in largest.items():
        print(f"{name:<26} max f'(z) = {top:.4f}")
    depth = 10
    say(
        f"""A gradient that crosses {depth} sigmoid layers is multiplied by at most
        0.25^{depth} = {0.25**depth:.1e} on the way (times the weights): it vanishes. Through
        ReLU units that are active it is multiplied by exactly 1. See the lesson
        vanishing_gradients."""
    )

    fig, axes = plt.subplots(1, len(ACTIVATIONS), figsize=(15, 3.6), layout="constrained")
    for ax, (name, curve) in zip(axes, curves.items(), strict=True):
        ax.plot(grid, [f for f, _ in curve], label="f(z)")
        ax.plot(grid, [d for _, d in curve], "--", label="f'(z) (backward)")
        ax.axhline(0, color="gray", lw=0.6)
        ax.axvline(0, color="gray", lw=0.6)
        ax.set(xlabel="z", title=name, ylim=(-1.3, 2.2))
        ax.legend(loc="upper left", fontsize=8)
    axes[0].set_ylabel("value")
    fig.suptitle("Activation functions (solid) and their derivatives (dashed)")
    lesson.save(fig, "activations.png")
    return lesson.finish(
        max_derivative=largest,
        sigmoid_max_derivative=largest["sigmoid"],
        tanh_max_derivative=largest["tanh"],
    )


if __name__ == "__main__":
    main()

"""The toast robot: one input, one weight, one output, one step of learning worked by hand.

A robot learns how long to toast bread. Its whole network is one weight:
the forward pass is ``y = w * x``, the error (loss) is ``E = 1/2 (y - t)^2``.
The chain rule gives the gradient ``dE/dw = dE/dy * dy/dw = (y - t) * x``,
and gradient descent moves the weight against it: ``w <- w - eta * dE/dw``.

With the textbook numbers ``x = 2``, target ``t = 4``, start ``w = 1`` and
learning rate ``eta = 0.1``: ``y = 2``, ``E = 2``, ``dE/dw = -4``, so the new
weight is ``1.4``, the new output ``2.8`` and the error after one step
``0.72``. The lesson prints each of these, checks the gradient against the
engine's ``backward()``, then keeps training until the error is near zero
and plots the error and the weight per step.

Run: ``python examples/toast_robot.py`` (``--out DIR``, ``--quick``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from _lesson import Outcome, plt, say, section, start

from autograd_lite import Value

X = 2.0  # the input: how thick the bread is
TARGET = 4.0  # the target output: how long it should toast
W_START = 1.0  # the weight before learning
ETA = 0.1  # the learning rate
STEPS = 25  # training steps after the first one
NEAR_ZERO = 1e-6  # "near zero" for the error
SHOWN = 6  # the table shows the first steps and the last


def forward(w: Value) -> tuple[Value, Value]:
    """The forward pass and the loss: ``y = w x`` and ``E = 1/2 (y - t)^2``."""
    y = w * X
    return y, 0.5 * (y - TARGET) ** 2


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)
    say(
        f"""Model y = w * x, error E = 1/2 (y - t)^2, with x = {X:g}, target t = {TARGET:g},
        starting weight w = {W_START:g} and learning rate eta = {ETA:g}."""
    )

    section("one step of learning, number by number")
    w = Value(W_START, label="w")
    y, error = forward(w)
    print(f"forward:  y = w * x = {W_START:g} * {X:g} = {y.data:g}")
    print(f"error:    E = 1/2 (y - t)^2 = 1/2 ({y.data:g} - {TARGET:g})^2 = {error.data:g}")
    by_hand = (y.data - TARGET) * X  # dE/dw = dE/dy * dy/dw = (y - t) * x
    error.backward()
    print(
        f"gradient: dE/dw = dE/dy * dy/dw = (y - t) * x = ({y.data:g} - {TARGET:g}) * {X:g}"
        f" = {by_hand:g}"
    )
    engine_gradient = w.grad
    print(f"          the engine's backward pass agrees: w.grad = {engine_gradient:g}")
    w.data -= ETA * w.grad  # w <- w - eta * dE/dw
    print(f"update:   w <- w - eta * dE/dw = {W_START:g} - {ETA:g} * ({by_hand:g}) = {w.data:g}")
    w.grad = 0.0  # gradients add up across backward() calls: reset before the next one
    y, error = forward(w)
    print(f"again:    y = {w.data:g} * {X:g} = {y.data:g},  E = {error.data:g}")
    first_error = error.data

    section(f"training on: {STEPS} more steps of the same")
    errors = [0.5 * (W_START * X - TARGET) ** 2, first_error]
    weights = [W_START, w.data]
    for _ in range(STEPS):
        _, error = forward(w)
        error.backward()
        w.data -= ETA * w.grad
        w.grad = 0.0
        weights.append(w.data)
        errors.append(forward(w)[1].data)
    near_zero_at = next(i for i, e in enumerate(errors) if e < NEAR_ZERO)
    print("step  weight w   error E")
    shown = [*range(min(SHOWN, len(errors))), len(errors) - 1]
    for i, j in itertools.pairwise([*shown, len(errors)]):
        print(f"{i:>4}  {weights[i]:<9.6f}  {errors[i]:.3g}")
        if i + 1 < j < len(errors):  # rows left out: say so
            print(f"{'...':>4}  ({j - i - 1} steps left out)")
    say(
        f"""The error falls below {NEAR_ZERO:g} after {near_zero_at} steps; the weight
        approaches t / x = {TARGET / X:g}, the one that toasts exactly right. Each step
        multiplies the distance to it by (1 - eta x^2) = {1 - ETA * X * X:g}."""
    )

    fig, (ax_e, ax_w) = plt.subplots(1, 2, figsize=(10, 3.8))
    ax_e.semilogy(range(len(errors)), errors, "o-", ms=3, label="error E")
    ax_e.axhline(NEAR_ZERO, color="gray", ls=":", label=f"near zero ({NEAR_ZERO:g})")
    ax_e.annotate(
        f"after one step: E = {first_error:g}",
        (1, first_error),
        xytext=(6, first_error * 3),
        arrowprops={"arrowstyle": "->"},
    )
    ax_e.set(xlabel="step", ylabel="E = 1/2 (y - t)^2 (log scale)", title="The error per step")
    ax_e.legend()
    ax_w.plot(range(len(weights)), weights, "o-", ms=3, color="C1", label="weight w")
    ax_w.axhline(TARGET / X, color="gray", ls="--", label=f"t / x = {TARGET / X:g}")
    ax_w.set(xlabel="step", ylabel="w", title="The weight per step")
    ax_w.legend()
    fig.suptitle(f"Toast robot: y = w x, x = {X:g}, t = {TARGET:g}, eta = {ETA:g}")
    lesson.save(fig, "error_and_weight.png")
    return lesson.finish(
        gradient=by_hand,
        engine_gradient=engine_gradient,
        weight_after_one_step=weights[1],
        error_after_one_step=first_error,
        steps_to_near_zero=near_zero_at,
        final_error=errors[-1],
    )


if __name__ == "__main__":
    main()

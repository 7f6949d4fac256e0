"""The toast robot: one input, one weight, one output, one step of learning worked by hand.

A robot learns how long to toast bread. Its whole network is one weight
``w``: how many minutes it keeps toasting after the bread is golden brown.
The input ``x`` is how hot the toaster is, and the output ``y = w * x`` is
how burnt the toast comes out; the target is ``t = 0``, not burnt at all.
The error (loss) is ``E = 1/2 (y - t)^2``. The chain rule gives the
gradient ``dE/dw = dE/dy * dy/dw = (y - t) * x``, and gradient descent
moves the weight against it: ``w <- w - eta * dE/dw``.

With the textbook numbers ``x = 2``, target ``t = 0``, start ``w = 1`` and
learning rate ``eta = 0.1``: ``y = 2``, ``E = 2``, ``dE/dw = 4``. The toast
came out burnt, so the robot shortens its toasting time: the new weight is
``0.6``, the new output ``1.2`` and the error after one step ``0.72``. The
lesson prints each of these, checks the gradient against the engine's
``backward()``, then keeps training until the error is near zero and plots
the error and the weight per step.

Run: ``autograd-lite lesson toast_robot`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from _lesson import Outcome, pic, plt, say, section, start, tr

from autograd_lite import Value

X = 2.0  # the input: how hot the toaster is
TARGET = 0.0  # the target output: not burnt at all
W_START = 1.0  # the weight before learning: minutes of toasting past golden brown
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
        """The weight w is how many minutes the robot toasts past golden brown; the input x is
        how hot the toaster is; the output y = w * x is how burnt the toast comes out. Model
        y = w * x, error E = 1/2 (y - t)^2, with x = {x:g}, target t = {t:g} (not burnt),
        starting weight w = {w:g} and learning rate eta = {eta:g}.""",
        x=X,
        t=TARGET,
        w=W_START,
        eta=ETA,
    )

    section("one step of learning, number by number")
    w = Value(W_START, label="w")
    y, error = forward(w)
    print(tr("forward:  y = w * x = {w:g} * {x:g} = {y:g}", w=W_START, x=X, y=y.data))
    print(
        tr(
            "error:    E = 1/2 (y - t)^2 = 1/2 ({y:g} - {t:g})^2 = {e:g}",
            y=y.data,
            t=TARGET,
            e=error.data,
        )
    )
    by_hand = (y.data - TARGET) * X  # dE/dw = dE/dy * dy/dw = (y - t) * x
    error.backward()
    print(
        tr(
            "gradient: dE/dw = dE/dy * dy/dw = (y - t) * x = ({y:g} - {t:g}) * {x:g} = {g:g}",
            y=y.data,
            t=TARGET,
            x=X,
            g=by_hand,
        )
    )
    engine_gradient = w.grad
    print(tr("          the engine's backward pass agrees: w.grad = {g:g}", g=engine_gradient))
    w.data -= ETA * w.grad  # w <- w - eta * dE/dw
    print(
        tr(
            "update:   w <- w - eta * dE/dw = {w:g} - {eta:g} * ({g:g}) = {new:g}",
            w=W_START,
            eta=ETA,
            g=by_hand,
            new=w.data,
        )
    )
    w.grad = 0.0  # gradients add up across backward() calls: reset before the next one
    y, error = forward(w)
    print(
        tr("again:    y = {w:g} * {x:g} = {y:g},  E = {e:g}", w=w.data, x=X, y=y.data, e=error.data)
    )
    first_error = error.data
    say(
        """The toast came out burnt (y = {y0:g} > t = {t:g}), so the gradient is positive and
        the robot shortens its toasting time: w falls from {w0:g} to {w1:g} minutes past golden
        brown, and the error falls from {e0:g} to {e1:g}.""",
        y0=W_START * X,
        t=TARGET,
        w0=W_START,
        w1=w.data,
        e0=0.5 * (W_START * X - TARGET) ** 2,
        e1=first_error,
    )

    section("training on: {steps} more steps of the same", steps=STEPS)
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
    print(tr("step  weight w   error E"))
    shown = [*range(min(SHOWN, len(errors))), len(errors) - 1]
    for i, j in itertools.pairwise([*shown, len(errors)]):
        print(f"{i:>4}  {weights[i]:<9.6f}  {errors[i]:.3g}")
        if i + 1 < j < len(errors):  # rows left out: say so
            print(tr("{dots:>4}  ({n} steps left out)", dots="...", n=j - i - 1))
    say(
        """The error falls below {near:g} after {steps} steps; the weight approaches
        t / x = {best:g}, the time that toasts exactly right (golden brown, not burnt). Each
        step multiplies the distance to it by (1 - eta x^2) = {factor:g}.""",
        near=NEAR_ZERO,
        steps=near_zero_at,
        best=TARGET / X,
        factor=1 - ETA * X * X,
    )

    fig, (ax_e, ax_w) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    ax_e.semilogy(range(len(errors)), errors, "o-", ms=3, label=pic("error E"))
    ax_e.axhline(NEAR_ZERO, color="gray", ls=":", label=pic("near zero ({near:g})", near=NEAR_ZERO))
    ax_e.annotate(
        pic("after one step: E = {e:g}", e=first_error),
        (1, first_error),
        xytext=(6, first_error * 3),
        arrowprops={"arrowstyle": "->"},
    )
    ax_e.set(
        xlabel=pic("step"),
        ylabel=pic("E = 1/2 (y - t)^2 (log scale)"),
        title=pic("The error per step"),
    )
    ax_e.legend()
    ax_w.plot(range(len(weights)), weights, "o-", ms=3, color="C1", label=pic("weight w"))
    ax_w.axhline(TARGET / X, color="gray", ls="--", label=pic("t / x = {best:g}", best=TARGET / X))
    ax_w.set(
        xlabel=pic("step"),
        ylabel=pic("w: minutes past golden brown"),
        title=pic("The weight per step: the toasting time gets shorter"),
    )
    ax_w.legend()
    fig.suptitle(
        pic("Toast robot: y = w x, x = {x:g}, t = {t:g}, eta = {eta:g}", x=X, t=TARGET, eta=ETA)
    )
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
